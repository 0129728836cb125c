/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An AF_UNIX address from a path, as the ptp4l client, the supervisor
 * notification and the latency benchmark all need one.
 */
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

/*
 * A filesystem path, or an abstract name written with a leading '@' (systemd's
 * form for $NOTIFY_SOCKET). Returns 0, -EINVAL for an empty path, or
 * -ENAMETOOLONG when it does not fit sun_path.
 */
int socket_address_from_path(const char *path, struct sockaddr_un *ret, socklen_t *ret_len);
