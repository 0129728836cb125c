/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the tests' harness and the benchmarks share to run their children: a
 * private dbus-daemon configured like the system bus, a line read from a
 * child with a deadline, the sd_notify socket a daemon under test reports
 * to, and a reap with a deadline. No GTest here: errors are returned, so
 * that a test asserts and a benchmark explains.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Writes <dir>/bus.conf -- type system, EXTERNAL auth, unix:path=<dir>/bus.sock,
 * everything allowed, extra_config (e.g. <limit> elements) added -- and starts
 * dbus-daemon on it, its stderr appended to log_fd (-1: inherited), dying with
 * us (PR_SET_PDEATHSIG). Returns once it printed its address, within the timeout:
 * its pid, and the address a client needs (unix:path=..., g_free).
 */
bool private_bus_spawn(const char *dir, const char *extra_config, int log_fd, uint64_t timeout_usec,
                       GPid *ret_pid, char **ret_address, GError **error);

/* One line from fd, without its newline (g_free); NULL at the deadline or at end of file. */
char *fd_read_line(int fd, uint64_t timeout_usec);

/* An AF_UNIX datagram socket bound at path (replacing what is there), for NOTIFY_SOCKET; -errno. */
int notify_socket_bind(const char *path);
/* Appends every datagram waiting on fd to s, each followed by a newline. */
void notify_socket_drain(int fd, GString *s);

/* Reaps pid within the deadline: 1 once reaped (*ret_status set), 0 at the deadline, -errno (-ECHILD: no child of ours). */
int child_reap(pid_t pid, int *ret_status, uint64_t timeout_usec);
