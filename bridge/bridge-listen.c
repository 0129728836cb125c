/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The listening addresses of bridge-config.h: [Listen] V2= and V1=, --v2-listen= and --v1-listen=. */
#include <arpa/inet.h>
#include <string.h>

#include "bridge-config.h"
#include "net-syntax.h"
#include "quote-value.h"

static bool listen_error(GError **error, const char *message) {
        g_set_error_literal(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, message);
        return false;
}

/* Decimal digits only, 1..65535. */
static bool parse_port(const char *s, guint16 *ret, GError **error) {
        guint v = 0;

        if (!*s)
                return listen_error(error, "has no port after the ':' (HOST:PORT, PORT 1 to 65535)");
        for (const char *p = s; *p; p++) {
                if (!g_ascii_isdigit(*p))
                        return listen_error(error, "has a port that is not a decimal number from 1 to 65535");
                v = v * 10 + (guint) (*p - '0');
                if (v > 65535)
                        return listen_error(error, "has a port over 65535");
        }
        if (v == 0)
                return listen_error(error, "has port 0: give the port consumers are to use, 1 to 65535");
        *ret = (guint16) v;
        return true;
}

/* host as written between the start and the port's ':' ("[::1]" with its brackets); canonical text in *ret. */
static bool parse_host(const char *host, char **ret, GError **error) {
        g_autofree char *canonical = NULL, *q = NULL;
        size_t n = strlen(host);

        if (n == 0)
                return listen_error(error, "has no host before the ':': 127.0.0.1:PORT for loopback, "
                                           "0.0.0.0:PORT for every IPv4 address, [::]:PORT for every IPv6 one");

        if (host[0] == '[') {
                g_autofree char *inner = NULL;

                if (host[n - 1] != ']')
                        return listen_error(error, "has a '[' without its ']' around an IPv6 address");
                if (n == 2)
                        return listen_error(error, "has no IPv6 address in its brackets");
                inner = g_strndup(host + 1, n - 2);
                if (ip_literal_family(inner, &canonical) != AF_INET6) {
                        q = quote_value(inner);
                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                                    "has %s in brackets, which is not an IPv6 address%s", q,
                                    strchr(inner, '%') ? " (a scope such as %eth0 is not supported)" : "");
                        return false;
                }
        } else if (strcmp(host, "localhost") == 0)
                canonical = g_strdup("127.0.0.1");
        else if (ip_literal_family(host, &canonical) != AF_INET) {
                q = quote_value(host);
                if (host_name_is_valid(host))
                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                                    "has the host name %s: listen on an IP address instead (only localhost is "
                                    "taken, as 127.0.0.1; 0.0.0.0 is every IPv4 address)", q);
                else
                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                                    "has the host %s, which is not an IPv4 address", q);
                return false;
        }

        *ret = g_steal_pointer(&canonical);
        return true;
}

bool bridge_listen_parse(const char *value, BridgeListen *ret, GError **error) {
        g_autofree char *host = NULL, *canonical = NULL;
        const char *colon;
        guint16 port = 0;

        g_return_val_if_fail(value, false);
        g_return_val_if_fail(ret, false);

        if (strcmp(value, "off") == 0) {
                bridge_listen_done(ret);
                *ret = (BridgeListen) { .enabled = false };
                return true;
        }
        if (!*value)
                return listen_error(error, "is empty: HOST:PORT, [IPV6]:PORT or off");
        if (strlen(value) > BRIDGE_LISTEN_TEXT_MAX)
                return listen_error(error, "is longer than 64 characters");

        colon = strrchr(value, ':');
        if (!colon)
                return listen_error(error, "has no port: HOST:PORT, [IPV6]:PORT or off");
        /* "::1:9043": which colon is the port's cannot be told. */
        if (value[0] != '[' && memchr(value, ':', (size_t) (colon - value)))
                return listen_error(error, "has an IPv6 address outside brackets: write it as [::1]:9043");
        if (value[0] == '[' && !strchr(value, ']'))
                return listen_error(error, "has a '[' without its ']' around an IPv6 address");
        if (value[0] == '[' && colon[-1] != ']')
                return listen_error(error, "has no port after the IPv6 address: [IPV6]:PORT, as [::1]:9043");

        host = g_strndup(value, (size_t) (colon - value));
        if (!parse_host(host, &canonical, error))
                return false;
        if (!parse_port(colon + 1, &port, error))
                return false;

        bridge_listen_done(ret);
        *ret = (BridgeListen) { .enabled = true, .host = g_steal_pointer(&canonical), .port = port };
        return true;
}

void bridge_listen_done(BridgeListen *l) {
        g_clear_pointer(&l->host, g_free);
        l->enabled = false;
        l->port = 0;
}

char *bridge_listen_to_string(const BridgeListen *l) {
        if (!l->enabled)
                return g_strdup("off");
        if (strchr(l->host, ':'))
                return g_strdup_printf("[%s]:%u", l->host, l->port);
        return g_strdup_printf("%s:%u", l->host, l->port);
}
