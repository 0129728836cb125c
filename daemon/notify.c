/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

int notify_nonblocking(const char *state) {
        const char *path = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        size_t n;

        if (isempty(path))
                return 0;
        /* A path, or an abstract name written with a leading '@' (systemd's form). */
        n = strlen(path);
        if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sa.sun_path))
                return -EINVAL;
        memcpy(sa.sun_path, path, n);
        if (sa.sun_path[0] == '@')
                sa.sun_path[0] = '\0';

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (sendto(fd, state, strlen(state), MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *) &sa,
                   (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n)) < 0) {
                int r = -errno;

                log_debug("Dropped the notification \"%s\": %s", state, strerror(-r));
                return r;
        }
        return 1;
}
