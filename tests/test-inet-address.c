/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* HOST:PORT addresses ([GNSS] Gpsd=): what is accepted, and what each refusal says. */

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>

#include "common/inet-address.h"
#include "test-util.h"

typedef struct AddressCase {
        const char *text;
        int family;
        uint16_t port;
        const char *error; /* part of the message; NULL: valid */
} AddressCase;

static const AddressCase address_cases[] = {
        { "127.0.0.1:2947", AF_INET, 2947, NULL },
        { "127.0.0.1", AF_INET, 2947, NULL },
        { "localhost:29470", AF_INET, 29470, NULL },
        { "[::1]:2948", AF_INET6, 2948, NULL },
        { "[::1]", AF_INET6, 2947, NULL },
        { "", 0, 0, "the address is empty" },
        { "gps.example.org:2947", 0, 0, "\"gps.example.org\" is not an IPv4 address (IPv6 goes in [], names are not looked up)" },
        { "127.0.0.1:0", 0, 0, "port \"0\" is not a number in 1..65535" },
        { "127.0.0.1:65536", 0, 0, "port \"65536\" is not a number in 1..65535" },
        { "127.0.0.1:+80", 0, 0, "port \"+80\" is not a number" },
        { "127.0.0.1:", 0, 0, "port \"\" is not a number" },
        { "::1:2947", 0, 0, "no host" },
        { "[::1", 0, 0, "an IPv6 address in [] and an optional :PORT" },
        { "[::1]x", 0, 0, "an IPv6 address in [] and an optional :PORT" },
        { "[127.0.0.1]:1", 0, 0, "\"127.0.0.1\" is not an IPv6 address" },
        { ":2947", 0, 0, "no host" },
};

static void test_address(const void *data) {
        const AddressCase *c = data;
        char error[INET_ADDRESS_ERROR_MAX] = "";
        struct sockaddr_storage sa;
        socklen_t len;
        int r = inet_address_parse(c->text, 2947, &sa, &len, error, sizeof(error));

        if (!c->error) {
                g_assert_cmpint(r, ==, 0);
                g_assert_cmpint(sa.ss_family, ==, c->family);
                g_assert_cmpuint(ntohs(c->family == AF_INET ? ((struct sockaddr_in *) &sa)->sin_port
                                                            : ((struct sockaddr_in6 *) &sa)->sin6_port), ==, c->port);
                return;
        }
        g_assert_cmpint(r, ==, -EINVAL);
        if (!strstr(error, c->error))
                g_error("%s: \"%s\" does not say \"%s\"", c->text, error, c->error);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        ADD_CASES("/inet-address", address_cases, test_address);
        return g_test_run();
}
