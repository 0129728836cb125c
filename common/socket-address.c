/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "common/socket-address.h"

int socket_address_from_path(const char *path, struct sockaddr_un *ret, socklen_t *ret_len) {
        size_t n = strlen(path);
        bool abstract = path[0] == '@';

        if (n == 0)
                return -EINVAL;
        if (n >= sizeof(ret->sun_path))
                return -ENAMETOOLONG;
        *ret = (struct sockaddr_un) { .sun_family = AF_UNIX };
        memcpy(ret->sun_path, path, n);
        if (abstract)
                ret->sun_path[0] = '\0';
        /* An abstract name is exactly its bytes; a path counts its NUL. */
        *ret_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n + !abstract);
        return 0;
}
