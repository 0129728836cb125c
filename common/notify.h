/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sd_notify() without blocking
 *
 * sd_notify() sends on a blocking datagram socket: when the receiver does not
 * read ($NOTIFY_SOCKET of a supervisor other than systemd, or a stuck test
 * harness), the 11th message waits for room and the event loop with it
 * (seen: the daemon then ignored SIGTERM). This sends the same datagram with
 * MSG_DONTWAIT instead; a message that finds no room is dropped with a debug
 * line -- STATUS= is advisory, and systemd always reads.
 */
#pragma once

/* Like sd_notify(false, state): > 0 sent, 0 no $NOTIFY_SOCKET, < 0 -errno (EAGAIN: dropped). */
int notify_nonblocking(const char *state);
