/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <glib.h>
#include <stddef.h>

#include "common/socket-address.h"

#define BASE ((socklen_t) offsetof(struct sockaddr_un, sun_path))

static void test_path(void) {
        struct sockaddr_un sa;
        socklen_t len;

        g_assert_cmpint(socket_address_from_path("/run/ptp4l", &sa, &len), ==, 0);
        g_assert_cmpint(sa.sun_family, ==, AF_UNIX);
        g_assert_cmpstr(sa.sun_path, ==, "/run/ptp4l");
        g_assert_cmpuint(len, ==, BASE + sizeof("/run/ptp4l")); /* with its NUL */
}

static void test_abstract(void) {
        struct sockaddr_un sa;
        socklen_t len;

        g_assert_cmpint(socket_address_from_path("@notify", &sa, &len), ==, 0);
        g_assert_cmpint(sa.sun_path[0], ==, '\0');
        g_assert_cmpint(memcmp(sa.sun_path + 1, "notify", 6), ==, 0);
        g_assert_cmpuint(len, ==, BASE + 7); /* exactly its bytes */
}

static void test_bounds(void) {
        char path[sizeof(((struct sockaddr_un *) NULL)->sun_path) + 1];
        struct sockaddr_un sa;
        socklen_t len;

        g_assert_cmpint(socket_address_from_path("", &sa, &len), ==, -EINVAL);
        memset(path, 'x', sizeof(path));
        path[0] = '/';
        path[sizeof(path) - 2] = '\0'; /* 107 bytes: the longest that fits with its NUL */
        g_assert_cmpint(socket_address_from_path(path, &sa, &len), ==, 0);
        g_assert_cmpuint(len, ==, sizeof(sa));
        path[sizeof(path) - 2] = 'x';
        path[sizeof(path) - 1] = '\0'; /* 108 */
        g_assert_cmpint(socket_address_from_path(path, &sa, &len), ==, -ENAMETOOLONG);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/socket-address/path", test_path);
        g_test_add_func("/socket-address/abstract", test_abstract);
        g_test_add_func("/socket-address/bounds", test_bounds);
        return g_test_run();
}
