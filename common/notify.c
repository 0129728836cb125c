/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "common/notify.h"
#include "common/socket-address.h"

int notify_nonblocking(const char *state) {
        const char *path = getenv("NOTIFY_SOCKET");
        _cleanup_close_ int fd = -1;
        struct sockaddr_un sa;
        socklen_t len;
        int r;

        if (isempty(path))
                return 0;
        if (path[0] != '/' && path[0] != '@')
                return -EINVAL;
        r = socket_address_from_path(path, &sa, &len);
        if (r < 0)
                return r;

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (sendto(fd, state, strlen(state), MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *) &sa, len) < 0) {
                r = -errno;
                log_debug("Dropped the notification \"%s\": %s", state, strerror(-r));
                return r;
        }
        return 1;
}
