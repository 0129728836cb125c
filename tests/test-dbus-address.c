/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib.h>

#include "common/dbus-address.h"
#include "test-util.h"
#include "common/util.h"

typedef struct Case {
        const char *s;
        const char *reason; /* NULL: valid */
} Case;

static const Case cases[] = {
        { "unix:path=/run/dbus/system_bus_socket", NULL },
        { "unix:path=/tmp/test/bus.sock,guid=0123456789abcdef0123456789abcdef", NULL },
        { "unix:abstract=/tmp/dbus-XYZ", NULL },
        { "tcp:host=localhost,port=1234", NULL },
        { "unix:path=/run/a%20b", NULL },
        { "unix:path=/run/a;unix:path=/run/b", NULL },
        { "unix:path=/run/a;", NULL },
        { "x-machine-unix:machine=.host", NULL },
        { "", "is empty" },
        { "garbage", "has no transport (expected TRANSPORT:KEY=VALUE,..., such as "
                     "unix:path=/run/dbus/system_bus_socket)" },
        { "session", "has no transport (expected TRANSPORT:KEY=VALUE,..., such as "
                     "unix:path=/run/dbus/system_bus_socket)" },
        { ":path=/run/a", "has an empty transport name" },
        { "unix path=/run/a", "has an invalid character in its transport name" },
        { "unix:", "has a transport without any KEY=VALUE" },
        { "unix:path", "has a key without '=' (expected KEY=VALUE)" },
        { "unix:=/run/a", "has an empty or invalid key (expected KEY=VALUE)" },
        { "unix:path=", "has an empty value" },
        { "unix:path=/run/a,", "has an empty or invalid key (expected KEY=VALUE)" },
        { "unix:path=/run/a,guid=", "has an empty value" },
        { "unix:path=/run/a b", "has a character in a value that must be %-escaped" },
        { "unix:path=/run/%2", "has a '%' not followed by two hex digits" },
        { "unix:path=/run/%zz", "has a '%' not followed by two hex digits" },
        { "unix:path=/run/a;garbage", "has no transport (expected TRANSPORT:KEY=VALUE,..., such as "
                                      "unix:path=/run/dbus/system_bus_socket)" },
};

static void test_case(const void *data) {
        const Case *t = data;
        const char *reason = "unset";

        g_assert_cmpint(dbus_address_is_valid(t->s, &reason), ==, !t->reason);
        g_assert_cmpstr(reason, ==, t->reason);
        g_assert_cmpint(dbus_address_is_valid(t->s, NULL), ==, !t->reason);
}

static void test_long(void) {
        g_autofree char *path = g_strnfill(DBUS_ADDRESS_MAX, 'a');
        g_autofree char *s = g_strconcat("unix:path=/", path, NULL);
        const char *reason = NULL;

        g_assert_false(dbus_address_is_valid(s, &reason));
        g_assert_cmpstr(reason, ==, "is too long");
        g_assert_false(dbus_address_is_valid(NULL, &reason));
        g_assert_cmpstr(reason, ==, "is empty");
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        ADD_CASES("/dbus-address/valid", cases, test_case);
        g_test_add_func("/dbus-address/long", test_long);
        return g_test_run();
}
