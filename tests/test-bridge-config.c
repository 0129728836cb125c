/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-http's configuration file (bridge/bridge-config.[ch]), its listening
 * addresses (bridge/bridge-listen.c) and its command line
 * (bridge/bridge-options.[ch]). Expected values are written out here, not
 * taken from the code's constants, so that a changed default shows.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "bridge-config.h"
#include "bridge-log.h"
#include "bridge-options.h"
#include "build-config.h"
#include "quote-value.h"
#include "test-util.h"

#define SEC G_GUINT64_CONSTANT(1000000)

static void assert_contains(const char *s, const char *sub) {
        if (!strstr(s, sub))
                g_test_fail_printf("\"%s\" does not contain \"%s\"", s, sub);
}

static void set(char **slot, const char *value) {
        g_free(*slot);
        *slot = g_strdup(value);
}

static void set_listen(BridgeListen *l, const char *host, guint16 port) {
        set(&l->host, host);
        l->enabled = host != NULL;
        l->port = port;
}

static void set_allow(BridgeConfig *c, const char *const *entries) {
        g_strfreev(c->allow);
        c->allow = g_strdupv((char **) entries);
}

static void assert_listen_equal(const char *what, const BridgeListen *a, const BridgeListen *b) {
        if (a->enabled != b->enabled || g_strcmp0(a->host, b->host) != 0 || a->port != b->port)
                g_test_fail_printf("%s: %s %s:%u, expected %s %s:%u", what, a->enabled ? "on" : "off",
                                   a->host ?: "(null)", a->port, b->enabled ? "on" : "off", b->host ?: "(null)",
                                   b->port);
}

static void assert_config_equal(const BridgeConfig *c, const BridgeConfig *e) {
        g_assert_cmpstr(c->bus, ==, e->bus);
        assert_listen_equal("v2", &c->v2, &e->v2);
        assert_listen_equal("v1", &c->v1, &e->v1);
        g_assert_cmpstr(c->advertised_host, ==, e->advertised_host);
        g_assert_nonnull(c->allow);
        if (!g_strv_equal((const char *const *) c->allow, (const char *const *) e->allow)) {
                g_autofree char *got = g_strjoinv(";", c->allow), *want = g_strjoinv(";", e->allow);

                g_test_fail_printf("Allow= is %s, expected %s", got, want);
        }
        g_assert_cmpint(c->probe_any_2xx, ==, e->probe_any_2xx);
        g_assert_cmpuint(c->probe_timeout_usec, ==, e->probe_timeout_usec);
        g_assert_cmpuint(c->post_timeout_usec, ==, e->post_timeout_usec);
        g_assert_cmpstr(c->dead_letter_sink, ==, e->dead_letter_sink);
        g_assert_cmpuint(c->retry, ==, e->retry);
        g_assert_cmpstr(c->backoff_delay, ==, e->backoff_delay);
        g_assert_cmpuint(c->backoff_delay_usec, ==, e->backoff_delay_usec);
        g_assert_cmpint(c->backoff_linear, ==, e->backoff_linear);
        g_assert_cmpuint(c->queue_limit, ==, e->queue_limit);
        g_assert_cmpuint(c->max_subscriptions, ==, e->max_subscriptions);
        g_assert_cmpuint(c->max_body_bytes, ==, e->max_body_bytes);
        g_assert_cmpuint(c->request_timeout_usec, ==, e->request_timeout_usec);
        g_assert_cmpuint(c->max_concurrent_posts, ==, e->max_concurrent_posts);
        g_assert_cmpint(c->log_level, ==, e->log_level);
}

static void assert_config_is_init(const BridgeConfig *c) {
        g_auto(BridgeConfig) defaults = {};

        bridge_config_init(&defaults);
        assert_config_equal(c, &defaults);
}

/* The defaults, as the documentation states them. */
static void test_defaults(void) {
        static const char *const allow[] = { "127.0.0.0/8", "::1/128", "localhost", NULL };
        g_auto(BridgeConfig) c = {};

        bridge_config_init(&c);
        g_assert_null(c.bus);
        g_assert_true(c.v2.enabled);
        g_assert_cmpstr(c.v2.host, ==, "127.0.0.1");
        g_assert_cmpuint(c.v2.port, ==, 9043);
        g_assert_true(c.v1.enabled);
        g_assert_cmpstr(c.v1.host, ==, "127.0.0.1");
        g_assert_cmpuint(c.v1.port, ==, 8089);
        g_assert_null(c.advertised_host);
        g_assert_true(g_strv_equal((const char *const *) c.allow, allow));
        g_assert_false(c.probe_any_2xx);
        g_assert_cmpuint(c.probe_timeout_usec, ==, 0);
        g_assert_cmpuint(bridge_config_probe_timeout_usec(&c, ORAN_API_V2), ==, 2 * SEC);
        g_assert_cmpuint(bridge_config_probe_timeout_usec(&c, ORAN_API_V1), ==, 10 * SEC);
        g_assert_cmpuint(c.post_timeout_usec, ==, 2 * SEC);
        g_assert_null(c.dead_letter_sink);
        g_assert_cmpuint(c.retry, ==, 10);
        g_assert_cmpstr(c.backoff_delay, ==, "PT1S");
        g_assert_cmpuint(c.backoff_delay_usec, ==, SEC);
        g_assert_false(c.backoff_linear);
        g_assert_cmpuint(c.queue_limit, ==, 10000);
        g_assert_cmpuint(c.max_subscriptions, ==, 1024);
        g_assert_cmpuint(c.max_body_bytes, ==, 65536);
        g_assert_cmpuint(c.request_timeout_usec, ==, 10 * SEC);
        g_assert_cmpuint(c.max_concurrent_posts, ==, 256);
        g_assert_true(bridge_config_check(&c, NULL, NULL, NULL));
}

/* done, then init again, and copies that share nothing. */
static void test_init_done_copy(void) {
        g_auto(BridgeConfig) copy = {};
        BridgeConfig c;

        bridge_config_init(&c);
        bridge_config_done(&c);
        bridge_config_done(&c);
        g_assert_null(c.allow);
        g_assert_null(c.v2.host);

        bridge_config_init(&c);
        bridge_config_copy(&copy, &c);
        bridge_config_done(&c);
        assert_config_is_init(&copy);
}

static void test_uri_host(void) {
        g_auto(BridgeConfig) c = {};
        g_autofree char *v4 = NULL, *v6 = NULL, *advertised = NULL, *off = NULL;

        bridge_config_init(&c);
        v4 = bridge_config_uri_host(&c, &c.v2);
        g_assert_cmpstr(v4, ==, "127.0.0.1");
        set_listen(&c.v1, "::1", 8089);
        v6 = bridge_config_uri_host(&c, &c.v1);
        g_assert_cmpstr(v6, ==, "[::1]");
        set_listen(&c.v1, NULL, 0);
        off = bridge_config_uri_host(&c, &c.v1);
        g_assert_null(off);
        set(&c.advertised_host, "du1.example.com");
        advertised = bridge_config_uri_host(&c, &c.v2);
        g_assert_cmpstr(advertised, ==, "du1.example.com");
}

/* ---- key-file text --------------------------------------------------------------------------- */

typedef void (*Expect)(BridgeConfig *e);

typedef struct ConfigCase {
        const char *name;
        const char *text;
        int code;                /* -1: success; else the G_KEY_FILE_ERROR code */
        const char *message[3];  /* on error, the message contains each of these */
        Expect expect;           /* on success: what changes from the defaults; NULL: nothing */
} ConfigCase;

#define OK(n, t, e) { .name = n, .text = t, .code = -1, .expect = e }
#define ERR(n, t, c, ...) { .name = n, .text = t, .code = G_KEY_FILE_ERROR_##c, .message = { __VA_ARGS__ } }
#define BAD(n, group, key, value, ...)                                                          \
        ERR(n, "[" group "]\n" key "=" value "\n", INVALID_VALUE,                               \
            "Invalid value \"" value "\" for key \"" key "\" in group [" group "]: ", __VA_ARGS__)
/* The value as quote_value() shows it, when it differs from the text. */
#define BAD_SHOWN(n, group, key, value, shown, ...)                                             \
        ERR(n, "[" group "]\n" key "=" value "\n", INVALID_VALUE,                               \
            "Invalid value \"" shown "\" for key \"" key "\" in group [" group "]: ", __VA_ARGS__)
#define EXPECT(name, ...)                                  \
        static void expect_##name(BridgeConfig *e) {       \
                __VA_ARGS__;                               \
        }

#define NOT_INTEGER "not a decimal integer"

EXPECT(bus, set(&e->bus, "unix:path=/run/test/bus.sock"))
EXPECT(bus_tcp, set(&e->bus, "tcp:host=127.0.0.1,port=4000"))
EXPECT(v2_other, set_listen(&e->v2, "192.0.2.1", 80))
EXPECT(v2_localhost, set_listen(&e->v2, "127.0.0.1", 1))
EXPECT(v2_ipv6, set_listen(&e->v2, "::1", 9043))
EXPECT(v2_ipv6_canonical, set_listen(&e->v2, "fe80::1", 65535))
EXPECT(v2_any, set_listen(&e->v2, "0.0.0.0", 9043))
EXPECT(v2_off, set_listen(&e->v2, NULL, 0))
EXPECT(v1_off, set_listen(&e->v1, NULL, 0))
EXPECT(v1_ipv6_any, set_listen(&e->v1, "::", 8089); set_listen(&e->v2, NULL, 0))
EXPECT(swapped_ports, set_listen(&e->v2, "127.0.0.1", 8089); set_listen(&e->v1, "127.0.0.1", 9043))
EXPECT(same_port_other_hosts, set_listen(&e->v2, "127.0.0.1", 9000); set_listen(&e->v1, "127.0.0.2", 9000))
EXPECT(advertised_name, set(&e->advertised_host, "du1.example.com"))
EXPECT(advertised_v4, set(&e->advertised_host, "192.0.2.7"))
EXPECT(advertised_v6, set(&e->advertised_host, "[2001:db8::1]"))
EXPECT(allow_one, set_allow(e, (const char *const[]) { "10.0.0.0/8", NULL }))
EXPECT(allow_mixed, set_allow(e, (const char *const[]) { "consumer.example.com", "192.0.2.1", "2001:db8::/32",
                                                         "0.0.0.0/0", "::/0", "fe80::1", NULL }))
EXPECT(allow_spaces, set_allow(e, (const char *const[]) { "a.example", "b.example", "192.0.2.0/24", NULL }))
EXPECT(probe_2xx, e->probe_any_2xx = true)
EXPECT(probe_timeout, e->probe_timeout_usec = 5 * SEC)
EXPECT(probe_timeout_max, e->probe_timeout_usec = 60 * SEC)
EXPECT(post_timeout_min, e->post_timeout_usec = 1 * SEC)
EXPECT(post_timeout_max, e->post_timeout_usec = 60 * SEC)
EXPECT(sink, set(&e->dead_letter_sink, "http://127.0.0.1:9999/dead-letters"))
EXPECT(sink_https, set(&e->dead_letter_sink, "https://sink.example.com/x?y=1"))
EXPECT(retry_zero, e->retry = 0)
EXPECT(retry_max, e->retry = 100)
EXPECT(backoff_fraction, set(&e->backoff_delay, "PT0.25S"); e->backoff_delay_usec = 250000)
EXPECT(backoff_comma, set(&e->backoff_delay, "PT0,5S"); e->backoff_delay_usec = 500000)
EXPECT(backoff_minutes, set(&e->backoff_delay, "PT1M30S"); e->backoff_delay_usec = 90 * SEC)
EXPECT(backoff_hour, set(&e->backoff_delay, "PT1H"); e->backoff_delay_usec = 3600 * SEC)
EXPECT(backoff_zero, set(&e->backoff_delay, "PT0S"); e->backoff_delay_usec = 0)
EXPECT(backoff_nanoseconds, set(&e->backoff_delay, "PT0.000001999S"); e->backoff_delay_usec = 1)
EXPECT(linear, e->backoff_linear = true)
EXPECT(queue_min, e->queue_limit = 1)
EXPECT(queue_max, e->queue_limit = 1000000)
EXPECT(subscriptions_zero, e->max_subscriptions = 0)
EXPECT(subscriptions_max, e->max_subscriptions = 100000)
EXPECT(body_min, e->max_body_bytes = 1024)
EXPECT(body_max, e->max_body_bytes = 1048576)
EXPECT(request_min, e->request_timeout_usec = 1 * SEC)
EXPECT(request_max, e->request_timeout_usec = 300 * SEC)
EXPECT(posts_min, e->max_concurrent_posts = 1)
EXPECT(posts_max, e->max_concurrent_posts = 10000)
EXPECT(leading_zeros, e->retry = 7)
EXPECT(last_wins, e->retry = 3)
EXPECT(escape, set(&e->dead_letter_sink, "http://127.0.0.1/a%20b"))

static const ConfigCase config_cases[] = {
        /* Good. */
        OK("empty", "", NULL),
        OK("comments", "# top\n[Bridge]\n# inside\n\n[Limits]\n", NULL),
        OK("empty-groups", "[Bridge]\n[Listen]\n[Endpoints]\n[Delivery]\n[Limits]\n", NULL),
        OK("crlf", "[Delivery]\r\nRetry=0\r\n", expect_retry_zero),
        OK("spaces-around-equals", "  [Delivery]\n  Retry = 0\n", expect_retry_zero),
        OK("leading-zeros", "[Delivery]\nRetry=007\n", expect_leading_zeros),
        OK("duplicate-key", "[Delivery]\nRetry=bad\nRetry=3\n", expect_last_wins),
        OK("duplicate-group", "[Delivery]\nRetry=1\n[Limits]\n[Delivery]\nRetry=3\n", expect_last_wins),

        /* [Bridge] Bus */
        OK("bus-system", "[Bridge]\nBus=system\n", NULL),
        OK("bus-address", "[Bridge]\nBus=unix:path=/run/test/bus.sock\n", expect_bus),
        OK("bus-tcp", "[Bridge]\nBus=tcp:host=127.0.0.1,port=4000\n", expect_bus_tcp),
        BAD("bus-session", "Bridge", "Bus", "session", "must be \"system\" or a D-Bus address"),
        BAD("bus-empty", "Bridge", "Bus", "", "must be \"system\" or a D-Bus address"),
        BAD("bus-path", "Bridge", "Bus", "/run/dbus/system_bus_socket", "unix:path=/run/dbus/system_bus_socket"),
        BAD("bus-no-value", "Bridge", "Bus", "unix:path", "must be \"system\" or a D-Bus address"),

        /* [Listen] V2, V1 */
        OK("v2-address", "[Listen]\nV2=192.0.2.1:80\n", expect_v2_other),
        OK("v2-localhost", "[Listen]\nV2=localhost:1\n", expect_v2_localhost),
        OK("v2-ipv6", "[Listen]\nV2=[::1]:9043\n", expect_v2_ipv6),
        OK("v2-ipv6-canonical", "[Listen]\nV2=[FE80:0::0001]:65535\n", expect_v2_ipv6_canonical),
        OK("v2-any", "[Listen]\nV2=0.0.0.0:9043\n", expect_v2_any),
        OK("v2-off", "[Listen]\nV2=off\n", expect_v2_off),
        OK("v1-off", "[Listen]\nV1=off\n", expect_v1_off),
        OK("v1-ipv6-any", "[Listen]\nV2=off\nV1=[::]:8089\n", expect_v1_ipv6_any),
        OK("swapped-ports", "[Listen]\nV2=127.0.0.1:8089\nV1=127.0.0.1:9043\n", expect_swapped_ports),
        OK("same-port-other-hosts", "[Listen]\nV2=127.0.0.1:9000\nV1=127.0.0.2:9000\n", expect_same_port_other_hosts),
        BAD("v2-host-name", "Listen", "V2", "example.com:80", "host name \"example.com\"",
            "listen on an IP address instead"),
        BAD("v2-no-host", "Listen", "V2", ":80", "has no host before the ':'", "0.0.0.0:PORT"),
        BAD("v2-port-zero", "Listen", "V2", "127.0.0.1:0", "has port 0"),
        BAD("v2-port-65536", "Listen", "V2", "127.0.0.1:65536", "has a port over 65535"),
        BAD("v2-port-huge", "Listen", "V2", "127.0.0.1:99999999999999999999", "has a port over 65535"),
        BAD("v2-port-name", "Listen", "V2", "127.0.0.1:http", "not a decimal number from 1 to 65535"),
        BAD("v2-port-sign", "Listen", "V2", "127.0.0.1:+80", "not a decimal number"),
        BAD("v2-no-port", "Listen", "V2", "127.0.0.1", "has no port"),
        BAD("v2-empty-port", "Listen", "V2", "127.0.0.1:", "has no port after the ':'"),
        BAD("v2-ipv6-bare", "Listen", "V2", "::1:9043", "outside brackets", "[::1]:9043"),
        BAD("v2-ipv6-no-port", "Listen", "V2", "[::1]", "has no port after the IPv6 address"),
        BAD("v2-ipv6-unclosed", "Listen", "V2", "[::1:9043", "without its ']'"),
        BAD("v2-ipv4-in-brackets", "Listen", "V2", "[127.0.0.1]:80", "not an IPv6 address"),
        BAD("v2-empty-brackets", "Listen", "V2", "[]:80", "no IPv6 address in its brackets"),
        BAD("v2-ipv6-scope", "Listen", "V2", "[fe80::1%eth0]:80", "a scope such as %eth0 is not supported"),
        BAD("v2-bad-ipv4", "Listen", "V2", "127.0.0.256:80", "not an IPv4 address"),
        BAD("v2-octal", "Listen", "V2", "127.0.0.01:80", "not an IPv4 address"),
        BAD("v2-empty", "Listen", "V2", "", "is empty"),
        BAD("v2-upper-off", "Listen", "V2", "OFF", "has no port"),
        ERR("v2-too-long", "[Listen]\nV2=[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000]:80\n",
            INVALID_VALUE, "Invalid value \"[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:000...\" "
            "for key \"V2\" in group [Listen]: is longer than 64 characters"),
        BAD("v1-host-name", "Listen", "V1", "localhost.localdomain:8089", "listen on an IP address instead"),
        ERR("both-off", "[Listen]\nV2=off\nV1=off\n", INVALID_VALUE,
            "The v2 API ([Listen] V2=off) and the v1 API ([Listen] V1=off) are both off"),
        ERR("same-port", "[Listen]\nV2=127.0.0.1:8089\n", INVALID_VALUE,
            "The v2 API ([Listen] V2=127.0.0.1:8089) and the v1 API ([Listen] V1=127.0.0.1:8089) take the "
            "same port"),
        ERR("same-port-any", "[Listen]\nV2=0.0.0.0:7000\nV1=127.0.0.1:7000\n", INVALID_VALUE, "take the same port"),
        ERR("same-port-ipv6-any", "[Listen]\nV2=127.0.0.1:7000\nV1=[::]:7000\n", INVALID_VALUE,
            "([Listen] V1=[::]:7000)", "take the same port"),

        /* [Listen] AdvertisedHost */
        OK("advertised-name", "[Listen]\nAdvertisedHost=du1.example.com\n", expect_advertised_name),
        OK("advertised-v4", "[Listen]\nAdvertisedHost=192.0.2.7\n", expect_advertised_v4),
        OK("advertised-v6", "[Listen]\nAdvertisedHost=2001:db8::1\n", expect_advertised_v6),
        OK("advertised-v6-brackets", "[Listen]\nAdvertisedHost=[2001:DB8:0::1]\n", expect_advertised_v6),
        OK("advertised-empty", "[Listen]\nAdvertisedHost=\n", NULL),
        BAD("advertised-port", "Listen", "AdvertisedHost", "du1.example.com:9043", "a port does not belong here"),
        BAD("advertised-v4-brackets", "Listen", "AdvertisedHost", "[192.0.2.7]", "only an IPv6 address goes in"),
        BAD("advertised-underscore", "Listen", "AdvertisedHost", "du_1", "must be a host name"),
        BAD("advertised-url", "Listen", "AdvertisedHost", "http://du1", "must be a host name"),
        BAD("advertised-dash", "Listen", "AdvertisedHost", "-du1", "must be a host name"),
        BAD("advertised-numeric", "Listen", "AdvertisedHost", "192.0.2.300", "must be a host name"),

        /* [Endpoints] Allow */
        OK("allow-one", "[Endpoints]\nAllow=10.0.0.0/8\n", expect_allow_one),
        OK("allow-mixed", "[Endpoints]\nAllow=consumer.example.com;192.0.2.1;2001:db8::/32;0.0.0.0/0;::/0;fe80::1\n",
           expect_allow_mixed),
        OK("allow-spaces", "[Endpoints]\nAllow= a.example b.example;;\\t192.0.2.0/24 ;\n", expect_allow_spaces),
        BAD("allow-empty", "Endpoints", "Allow", "", "names no host, address or network", "Subscriptions=0"),
        BAD("allow-only-separators", "Endpoints", "Allow", ";; ;", "names no host"),
        BAD("allow-host-bits", "Endpoints", "Allow", "127.0.0.1/8", "the entry \"127.0.0.1/8\" has host bits set"),
        BAD("allow-host-bits-v6", "Endpoints", "Allow", "::1/64", "has host bits set"),
        BAD("allow-prefix-33", "Endpoints", "Allow", "10.0.0.0/33", "prefix length over 32"),
        BAD("allow-prefix-129", "Endpoints", "Allow", "::/129", "prefix length over 128"),
        BAD("allow-prefix-empty", "Endpoints", "Allow", "10.0.0.0/", "prefix length is not a decimal number"),
        BAD("allow-prefix-leading-zero", "Endpoints", "Allow", "10.0.0.0/08", "prefix length is not a decimal"),
        BAD("allow-prefix-name", "Endpoints", "Allow", "example.com/8", "the part before '/' is not an IP address"),
        BAD("allow-brackets", "Endpoints", "Allow", "[::1]", "without them here"),
        BAD("allow-port", "Endpoints", "Allow", "127.0.0.1:80", "a port does not belong here"),
        BAD("allow-url", "Endpoints", "Allow", "http://x", "is a URI: write its host alone"),
        BAD("allow-second-bad", "Endpoints", "Allow", "localhost;bad_name", "the entry \"bad_name\" is not"),
        BAD("allow-wildcard", "Endpoints", "Allow", "*", "is not a host name, an IP address or ADDRESS/PREFIX"),

        /* [Endpoints] ProbeStatus, ProbeTimeoutSec, PostTimeoutSec */
        OK("probe-204", "[Endpoints]\nProbeStatus=204\n", NULL),
        OK("probe-2xx", "[Endpoints]\nProbeStatus=2xx\n", expect_probe_2xx),
        BAD("probe-200", "Endpoints", "ProbeStatus", "200", "must be 204 (as cloud-event-proxy) or 2xx"),
        BAD("probe-upper", "Endpoints", "ProbeStatus", "2XX", "must be 204"),
        OK("probe-timeout-zero", "[Endpoints]\nProbeTimeoutSec=0\n", NULL),
        OK("probe-timeout", "[Endpoints]\nProbeTimeoutSec=5\n", expect_probe_timeout),
        OK("probe-timeout-max", "[Endpoints]\nProbeTimeoutSec=60\n", expect_probe_timeout_max),
        BAD("probe-timeout-61", "Endpoints", "ProbeTimeoutSec", "61", "must be between 0 and 60"),
        BAD("probe-timeout-unit", "Endpoints", "ProbeTimeoutSec", "5s", NOT_INTEGER),
        BAD("probe-timeout-fraction", "Endpoints", "ProbeTimeoutSec", "0.5", NOT_INTEGER),
        OK("post-timeout-min", "[Endpoints]\nPostTimeoutSec=1\n", expect_post_timeout_min),
        OK("post-timeout-max", "[Endpoints]\nPostTimeoutSec=60\n", expect_post_timeout_max),
        BAD("post-timeout-zero", "Endpoints", "PostTimeoutSec", "0", "must be between 1 and 60"),
        BAD("post-timeout-negative", "Endpoints", "PostTimeoutSec", "-1", NOT_INTEGER),
        BAD("post-timeout-empty", "Endpoints", "PostTimeoutSec", "", NOT_INTEGER),

        /* [Endpoints] DeadLetterSink */
        OK("sink", "[Endpoints]\nDeadLetterSink=http://127.0.0.1:9999/dead-letters\n", expect_sink),
        OK("sink-https", "[Endpoints]\nDeadLetterSink=https://sink.example.com/x?y=1\n", expect_sink_https),
        OK("sink-escape", "[Endpoints]\nDeadLetterSink=http://127.0.0.1/a%20b\n", expect_escape),
        OK("sink-empty", "[Endpoints]\nDeadLetterSink=\n", NULL),
        BAD("sink-ftp", "Endpoints", "DeadLetterSink", "ftp://127.0.0.1/x", "must be an http:// or https:// URI"),
        BAD("sink-relative", "Endpoints", "DeadLetterSink", "/dead-letters", "not a URI"),
        BAD("sink-no-host", "Endpoints", "DeadLetterSink", "http:///x", "has no host"),
        BAD("sink-userinfo", "Endpoints", "DeadLetterSink", "http://user:pw@127.0.0.1/", "has user information"),
        BAD("sink-fragment", "Endpoints", "DeadLetterSink", "http://127.0.0.1/#x", "has a #fragment"),
        BAD("sink-space", "Endpoints", "DeadLetterSink", "http://127.0.0.1/a b", "has white space", "%20"),
        BAD_SHOWN("sink-utf8", "Endpoints", "DeadLetterSink", "http://caf\xc3\xa9/", "http://caf\xc3\xa9/",
                  "outside printable ASCII"),

        /* [Delivery] */
        OK("retry-zero", "[Delivery]\nRetry=0\n", expect_retry_zero),
        OK("retry-max", "[Delivery]\nRetry=100\n", expect_retry_max),
        BAD("retry-101", "Delivery", "Retry", "101", "must be between 0 and 100"),
        BAD("retry-overflow", "Delivery", "Retry", "18446744073709551616", "must be between 0 and 100"),
        BAD("retry-word", "Delivery", "Retry", "ten", NOT_INTEGER),
        BAD("retry-hex", "Delivery", "Retry", "0x10", NOT_INTEGER),
        BAD_SHOWN("retry-trailing-space", "Delivery", "Retry", "1\\s", "1 ", NOT_INTEGER),
        OK("backoff-fraction", "[Delivery]\nBackoffDelay=PT0.25S\n", expect_backoff_fraction),
        OK("backoff-comma", "[Delivery]\nBackoffDelay=PT0,5S\n", expect_backoff_comma),
        OK("backoff-minutes", "[Delivery]\nBackoffDelay=PT1M30S\n", expect_backoff_minutes),
        OK("backoff-hour", "[Delivery]\nBackoffDelay=PT1H\n", expect_backoff_hour),
        OK("backoff-zero", "[Delivery]\nBackoffDelay=PT0S\n", expect_backoff_zero),
        OK("backoff-nanoseconds", "[Delivery]\nBackoffDelay=PT0.000001999S\n", expect_backoff_nanoseconds),
        BAD("backoff-over-hour", "Delivery", "BackoffDelay", "PT3601S", "must be at most PT1H"),
        BAD("backoff-day", "Delivery", "BackoffDelay", "P1D", "must be at most PT1H"),
        BAD("backoff-month", "Delivery", "BackoffDelay", "P1M", "years and months have no fixed length"),
        BAD("backoff-year", "Delivery", "BackoffDelay", "P1Y", "years and months have no fixed length"),
        BAD("backoff-seconds", "Delivery", "BackoffDelay", "1", "must start with 'P'"),
        BAD("backoff-lower", "Delivery", "BackoffDelay", "pt1s", "must use upper-case designators"),
        BAD("backoff-negative", "Delivery", "BackoffDelay", "-PT1S", "is negative"),
        BAD("backoff-empty", "Delivery", "BackoffDelay", "", "is empty"),
        BAD("backoff-p", "Delivery", "BackoffDelay", "P", "has no components"),
        BAD("backoff-pt", "Delivery", "BackoffDelay", "PT", "has no components"),
        BAD("backoff-t-nothing", "Delivery", "BackoffDelay", "P1DT", "has nothing after 'T'"),
        BAD("backoff-no-t", "Delivery", "BackoffDelay", "P1S", "has a time unit before 'T'"),
        BAD("backoff-order", "Delivery", "BackoffDelay", "PT1S1M", "has units out of order"),
        BAD("backoff-repeated", "Delivery", "BackoffDelay", "PT1S1S", "repeats a unit"),
        BAD("backoff-two-t", "Delivery", "BackoffDelay", "PT1HT1S", "has more than one 'T'"),
        BAD("backoff-no-unit", "Delivery", "BackoffDelay", "PT1", "has a number without a designator"),
        BAD("backoff-fraction-minutes", "Delivery", "BackoffDelay", "PT1.5M", "fraction on a unit other than seconds"),
        BAD("backoff-fraction-10", "Delivery", "BackoffDelay", "PT0.0000000001S", "has more than 9 fraction digits"),
        BAD("backoff-fraction-empty", "Delivery", "BackoffDelay", "PT1.S", "has a decimal mark with no digits after it"),
        BAD("backoff-weeks-mixed", "Delivery", "BackoffDelay", "P1W1D", "combines weeks with other units"),
        BAD("backoff-huge", "Delivery", "BackoffDelay", "PT99999999999999999999999S", "is longer than 365 days"),
        BAD_SHOWN("backoff-space", "Delivery", "BackoffDelay", "PT1S\\s", "PT1S ", "contains white space"),
        OK("linear", "[Delivery]\nBackoffPolicy=linear\n", expect_linear),
        OK("exponential", "[Delivery]\nBackoffPolicy=exponential\n", NULL),
        BAD("policy-upper", "Delivery", "BackoffPolicy", "Linear", "must be \"linear\" or \"exponential\""),
        BAD("policy-unknown", "Delivery", "BackoffPolicy", "constant", "must be \"linear\" or \"exponential\""),
        OK("queue-min", "[Delivery]\nQueueLimit=1\n", expect_queue_min),
        OK("queue-max", "[Delivery]\nQueueLimit=1000000\n", expect_queue_max),
        BAD("queue-zero", "Delivery", "QueueLimit", "0", "must be between 1 and 1000000"),
        BAD("queue-over", "Delivery", "QueueLimit", "1000001", "must be between 1 and 1000000"),

        /* [Limits] */
        OK("subscriptions-zero", "[Limits]\nSubscriptions=0\n", expect_subscriptions_zero),
        OK("subscriptions-max", "[Limits]\nSubscriptions=100000\n", expect_subscriptions_max),
        BAD("subscriptions-over", "Limits", "Subscriptions", "100001", "must be between 0 and 100000"),
        OK("body-min", "[Limits]\nMaxBodyBytes=1024\n", expect_body_min),
        OK("body-max", "[Limits]\nMaxBodyBytes=1048576\n", expect_body_max),
        BAD("body-small", "Limits", "MaxBodyBytes", "1023", "must be between 1024 and 1048576"),
        BAD("body-large", "Limits", "MaxBodyBytes", "1048577", "must be between 1024 and 1048576"),
        BAD("body-unit", "Limits", "MaxBodyBytes", "64K", NOT_INTEGER),
        OK("request-min", "[Limits]\nRequestTimeoutSec=1\n", expect_request_min),
        OK("request-max", "[Limits]\nRequestTimeoutSec=300\n", expect_request_max),
        BAD("request-zero", "Limits", "RequestTimeoutSec", "0", "must be between 1 and 300"),
        BAD("request-over", "Limits", "RequestTimeoutSec", "301", "must be between 1 and 300"),
        OK("posts-min", "[Limits]\nConcurrentPosts=1\n", expect_posts_min),
        OK("posts-max", "[Limits]\nConcurrentPosts=10000\n", expect_posts_max),
        BAD("posts-zero", "Limits", "ConcurrentPosts", "0", "must be between 1 and 10000"),
        BAD("posts-over", "Limits", "ConcurrentPosts", "10001", "must be between 1 and 10000"),

        /* Unknown keys and groups. */
        ERR("unknown-key", "[Delivery]\nRetries=3\n", KEY_NOT_FOUND, "Unknown key \"Retries\" in group [Delivery]"),
        ERR("key-in-other-group", "[Limits]\nRetry=3\n", KEY_NOT_FOUND, "Unknown key \"Retry\" in group [Limits]"),
        ERR("key-case", "[Listen]\nv2=off\n", KEY_NOT_FOUND, "Unknown key \"v2\" in group [Listen]"),
        ERR("key-localized", "[Listen]\nV2[de]=off\n", KEY_NOT_FOUND, "Unknown key \"V2[de]\" in group [Listen]"),
        ERR("key-control-char", "[Listen]\nV\x01" "2=off\n", KEY_NOT_FOUND, "Unknown key \"V\\x012\" in group [Listen]"),
        ERR("daemon-key", "[Daemon]\nNodeName=du1\n", GROUP_NOT_FOUND, "Unknown group [Daemon]",
            "the groups are [Bridge], [Listen], [Endpoints], [Delivery] and [Limits]"),
        ERR("unknown-group", "[Foo]\n", GROUP_NOT_FOUND, "Unknown group [Foo]"),
        ERR("group-case", "[listen]\n", GROUP_NOT_FOUND, "Unknown group [listen]"),
        ERR("unknown-group-after-good", "[Delivery]\nRetry=1\n[Bar]\n", GROUP_NOT_FOUND, "Unknown group [Bar]"),

        /* Not a key file. */
        ERR("key-before-group", "Retry=1\n", GROUP_NOT_FOUND, "does not start with a group"),
        ERR("not-key-value", "[Delivery]\nthis is not a key file\n", PARSE, "this is not a key file"),
        ERR("control-char-line", "[Delivery]\n\x1b[31m\n", PARSE, "\\x1b[31m", "not a key-value pair"),
        ERR("bad-escape", "[Delivery]\nBackoffDelay=PT\\q1S\n", INVALID_VALUE,
            "Key \"BackoffDelay\" in group [Delivery]: "),
        ERR("not-utf8", "[Delivery]\n\nRetry=\xc3\x28\n", PARSE, "Line 3 is not valid UTF-8"),
};

static void test_config_case(const void *data) {
        const ConfigCase *t = data;
        g_auto(BridgeConfig) c = {}, expected = {};
        g_autoptr(GError) error = NULL;
        bool ok;

        bridge_config_init(&c);
        bridge_config_init(&expected);
        ok = bridge_config_load_from_data(&c, t->text, (gsize) -1, &error);

        if (t->code < 0) {
                g_assert_no_error(error);
                g_assert_true(ok);
                if (t->expect)
                        t->expect(&expected);
        } else {
                g_assert_false(ok);
                g_assert_error(error, G_KEY_FILE_ERROR, t->code);
                g_test_message("%s", error->message);
                g_assert_true(g_utf8_validate(error->message, -1, NULL));
                g_assert_null(strchr(error->message, '\n'));
                for (size_t i = 0; i < G_N_ELEMENTS(t->message) && t->message[i]; i++)
                        assert_contains(error->message, t->message[i]);
        }
        /* On error, c is as it was. */
        assert_config_equal(&c, &expected);
}

/* What a file sets replaces what c holds, the rest stays; a bad file changes nothing. */
static void test_keeps_values(void) {
        g_auto(BridgeConfig) c = {};
        g_autoptr(GError) error = NULL;

        bridge_config_init(&c);
        g_assert_true(bridge_config_load_from_data(&c, "[Delivery]\nRetry=3\n[Listen]\nV1=off\n", (gsize) -1, &error));
        g_assert_no_error(error);
        g_assert_true(bridge_config_load_from_data(&c, "[Limits]\nConcurrentPosts=5\n", (gsize) -1, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(c.retry, ==, 3);
        g_assert_false(c.v1.enabled);
        g_assert_cmpuint(c.max_concurrent_posts, ==, 5);

        /* Good keys before the bad one do not apply either; the check across keys counts c's values. */
        g_assert_false(bridge_config_load_from_data(&c, "[Delivery]\nRetry=4\nQueueLimit=0\n", (gsize) -1, &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
        g_clear_error(&error);
        g_assert_false(bridge_config_load_from_data(&c, "[Listen]\nV2=off\n", (gsize) -1, &error));
        assert_contains(error->message, "are both off");
        g_assert_cmpuint(c.retry, ==, 3);
        g_assert_true(c.v2.enabled);
        g_assert_cmpuint(c.queue_limit, ==, 10000);
}

/* A long value is cut short in the message, which says so. */
static void test_long_value(void) {
        g_autofree char *value = g_strnfill(5000, 'x');
        g_autofree char *text = g_strdup_printf("[Delivery]\nBackoffPolicy=%s\n", value);
        g_autoptr(GError) error = NULL;
        g_auto(BridgeConfig) c = {};

        bridge_config_init(&c);
        g_assert_false(bridge_config_load_from_data(&c, text, (gsize) -1, &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
        assert_contains(error->message, "xxxxxxxx...\" for key \"BackoffPolicy\" in group [Delivery]");
        g_assert_cmpuint(strlen(error->message), <, 300);
}

static void test_allow_entries_max(void) {
        g_autoptr(GString) max = g_string_new("[Endpoints]\nAllow="), over = NULL;
        g_autoptr(GError) error = NULL;
        g_auto(BridgeConfig) c = {};

        for (unsigned i = 0; i < 256; i++)
                g_string_append_printf(max, "10.0.%u.%u;", i / 256, i % 256);
        over = g_string_new(max->str);
        g_string_append(over, "192.0.2.1\n");
        g_string_append(max, "\n");

        bridge_config_init(&c);
        g_assert_false(bridge_config_load_from_data(&c, over->str, over->len, &error));
        assert_contains(error->message, "more than 256 entries");
        g_clear_error(&error);
        g_assert_true(bridge_config_load_from_data(&c, max->str, max->len, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(g_strv_length(c.allow), ==, 256);
}

/* Whatever a value holds, a message is one line of printable, valid UTF-8. */
static void test_quote(void) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "plain", "\"plain\"" },
                { "", "\"\"" },
                { "a\"b\\c", "\"a\\\"b\\\\c\"" },
                { "tab\tnl\ncr\r", "\"tab\\tnl\\ncr\\r\"" },
                { "esc\x1b[31m del\x7f", "\"esc\\x1b[31m del\\x7f\"" },
                { "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
                { "bad\xff\xc3(", "\"bad\\xff\\xc3(\"" },
                { "rtl\xe2\x80\xaeoverride", "\"rtl\\u202eoverride\"" },
                { "c1\xc2\x85", "\"c1\\u0085\"" },
                { "line\xe2\x80\xa8sep", "\"line\\u2028sep\"" },
        };
        g_autofree char *null = quote_value(NULL), *long_ascii = NULL, *long_utf8 = NULL, *text = NULL;
        g_autofree char *ascii = g_strnfill(100, 'a'), *utf8 = NULL, *expected = NULL;
        GString *s = g_string_new(NULL);

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *q = quote_value(cases[i].in);

                g_assert_cmpstr(q, ==, cases[i].out);
                g_assert_true(g_utf8_validate(q, -1, NULL));
        }
        g_assert_cmpstr(null, ==, "NULL");

        /* Cut after 64 bytes, never inside a character. */
        long_ascii = quote_value(ascii);
        expected = g_strdup_printf("\"%.64s...\"", ascii);
        g_assert_cmpstr(long_ascii, ==, expected);
        g_string_append(s, "a");
        for (int i = 0; i < 40; i++)
                g_string_append(s, "\xc3\xa9");
        utf8 = g_string_free(s, FALSE);
        long_utf8 = quote_value(utf8); /* 'a' and 31 of them are 63 bytes; the 32nd would end at 65 */
        g_assert_cmpuint(strlen(long_utf8), ==, 1 + 63 + 1 + 3);
        g_assert_true(g_utf8_validate(long_utf8, -1, NULL));
        text = escape_text("x\ny", 2);
        g_assert_cmpstr(text, ==, "x\\n...");
}

/* ---- listening addresses --------------------------------------------------------------------- */

typedef struct ListenCase {
        const char *value;
        const char *host;    /* NULL: off, or an error */
        guint16 port;
        const char *error;   /* on error: a part of the message */
        const char *text;    /* bridge_listen_to_string(); NULL: the value */
} ListenCase;

static const ListenCase listen_cases[] = {
        { "127.0.0.1:1", "127.0.0.1", 1 },
        { "127.0.0.1:65535", "127.0.0.1", 65535 },
        { "[::1]:9043", "::1", 9043 },
        { "[0:0::1]:9043", "::1", 9043, .text = "[::1]:9043" },
        { "[::ffff:127.0.0.1]:80", "::ffff:127.0.0.1", 80 },
        { "localhost:80", "127.0.0.1", 80, .text = "127.0.0.1:80" },
        { "0.0.0.0:80", "0.0.0.0", 80 },
        { "[::]:80", "::", 80 },
        { "127.0.0.1:080", "127.0.0.1", 80, .text = "127.0.0.1:80" },
        { "off", NULL, 0 },
        { ":80", .error = "has no host before the ':'" },
        { "127.0.0.1:0", .error = "has port 0" },
        { "127.0.0.1:65536", .error = "has a port over 65535" },
        { "example.com:80", .error = "has the host name \"example.com\": listen on an IP address instead" },
        { "localhost6:80", .error = "listen on an IP address instead (only localhost is taken" },
        { "LOCALHOST:80", .error = "listen on an IP address" },
        { "ip6-localhost:80", .error = "listen on an IP address" },
        { "[localhost]:80", .error = "not an IPv6 address" },
        { "1.2.3:80", .error = "not an IPv4 address" },
        { "127.0.0.1 :80", .error = "not an IPv4 address" },
        { "127.0.0.1:80 ", .error = "not a decimal number" },
        { "::1", .error = "outside brackets" },
        { "off:80", .error = "the host name \"off\"" },
        { "", .error = "is empty" },
};

static void test_listen_case(const void *data) {
        const ListenCase *t = data;
        BridgeListen l = { .enabled = true, .host = g_strdup("untouched"), .port = 7 };
        g_autoptr(GError) error = NULL;
        g_autofree char *text = NULL;

        if (t->error) {
                g_assert_false(bridge_listen_parse(t->value, &l, &error));
                g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
                g_test_message("%s", error->message);
                assert_contains(error->message, t->error);
                g_assert_true(l.enabled);
                g_assert_cmpstr(l.host, ==, "untouched");
                g_assert_cmpuint(l.port, ==, 7);
        } else {
                g_assert_true(bridge_listen_parse(t->value, &l, &error));
                g_assert_no_error(error);
                g_assert_cmpint(l.enabled, ==, t->host != NULL);
                g_assert_cmpstr(l.host, ==, t->host);
                g_assert_cmpuint(l.port, ==, t->port);
                text = bridge_listen_to_string(&l);
                g_assert_cmpstr(text, ==, t->text ?: t->value);
        }
        bridge_listen_done(&l);
}

/* ---- files ----------------------------------------------------------------------------------- */

typedef struct Fixture {
        char *dir;
} Fixture;

static void fixture_setup(Fixture *f, const void *data) {
        g_autoptr(GError) error = NULL;

        f->dir = g_dir_make_tmp("test-bridge-config-XXXXXX", &error);
        g_assert_no_error(error);
}

static void fixture_teardown(Fixture *f, const void *data) {
        g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
        const char *name;

        while (d && (name = g_dir_read_name(d))) {
                g_autofree char *path = g_build_filename(f->dir, name, NULL);

                g_assert_cmpint(g_remove(path), ==, 0);
        }
        g_assert_cmpint(g_rmdir(f->dir), ==, 0);
        g_free(f->dir);
}

static char *write_file(Fixture *f, const char *name, const char *text) {
        char *path = g_build_filename(f->dir, name, NULL);
        g_autoptr(GError) error = NULL;

        g_assert_true(g_file_set_contents(path, text, -1, &error));
        g_assert_no_error(error);
        return path;
}

static void test_file_good(Fixture *f, const void *data) {
        g_autofree char *path = write_file(f, "good.conf", "[Listen]\nV1=off\n[Delivery]\nRetry=2\n");
        g_autoptr(GError) error = NULL;
        g_auto(BridgeConfig) c = {};

        bridge_config_init(&c);
        g_assert_true(bridge_config_load(&c, path, true, &error));
        g_assert_no_error(error);
        g_assert_false(c.v1.enabled);
        g_assert_cmpuint(c.retry, ==, 2);
}

/* The message names the file, the group and the key. */
static void test_file_bad(Fixture *f, const void *data) {
        g_autofree char *path = write_file(f, "bad.conf", "[Delivery]\nRetry=2\n[Limits]\nMaxBodyBytes=64k\n");
        g_autofree char *expected = NULL;
        g_autoptr(GError) error = NULL;
        g_auto(BridgeConfig) c = {};

        expected = g_strdup_printf("%s: Invalid value \"64k\" for key \"MaxBodyBytes\" in group [Limits]: "
                                   "not a decimal integer", path);
        bridge_config_init(&c);
        g_assert_false(bridge_config_load(&c, path, false, &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
        g_assert_cmpstr(error->message, ==, expected);
        assert_config_is_init(&c);
}

static void test_file_missing(Fixture *f, const void *data) {
        g_autofree char *path = g_build_filename(f->dir, "missing.conf", NULL);
        g_autofree char *prefix = g_strconcat(path, ": ", NULL);
        g_autoptr(GError) error = NULL;
        g_auto(BridgeConfig) c = {};

        bridge_config_init(&c);
        c.retry = 1;

        /* The default file may be absent: nothing changes. */
        g_assert_true(bridge_config_load(&c, path, false, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(c.retry, ==, 1);

        /* A file named on the command line must exist. */
        g_assert_false(bridge_config_load(&c, path, true, &error));
        g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
        g_assert_true(g_str_has_prefix(error->message, prefix));
        g_assert_cmpuint(c.retry, ==, 1);
}

/* Only a missing file is forgiven, not one that cannot be read. */
static void test_file_directory(Fixture *f, const void *data) {
        g_autofree char *prefix = g_strconcat(f->dir, ": ", NULL);
        g_autoptr(GError) error = NULL;
        g_auto(BridgeConfig) c = {};

        bridge_config_init(&c);
        g_assert_false(bridge_config_load(&c, f->dir, false, &error));
        g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_ISDIR);
        g_assert_true(g_str_has_prefix(error->message, prefix));
}

static void test_file_too_large(Fixture *f, const void *data) {
        g_autoptr(GString) text = g_string_new("[Delivery]\nRetry=1\n");
        g_autofree char *path = NULL;
        g_autoptr(GError) error = NULL;
        g_auto(BridgeConfig) c = {};

        while (text->len <= 1024 * 1024)
                g_string_append(text, "# padding padding padding padding padding padding padding padding\n");
        path = write_file(f, "large.conf", text->str);

        bridge_config_init(&c);
        g_assert_false(bridge_config_load(&c, path, true, &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE);
        assert_contains(error->message, "larger than 1048576 bytes");
        assert_config_is_init(&c);
}

static void test_file_endless(void) {
        g_autoptr(GError) error = NULL;
        g_auto(BridgeConfig) c = {};

        if (access("/dev/zero", R_OK) < 0) {
                g_test_skip("no /dev/zero");
                return;
        }
        bridge_config_init(&c);
        g_assert_false(bridge_config_load(&c, "/dev/zero", true, &error));
        assert_contains(error->message, "/dev/zero: ");
        assert_contains(error->message, "larger than 1048576 bytes");
}

/*
 * data/ptpsync-http.conf shows every key commented out with its default: as shipped it loads to
 * the defaults, and with every key uncommented too.
 */
static void test_shipped_file(void) {
        g_autofree char *path = g_build_filename(g_getenv("PTPSYNC_DATA_DIR"), "ptpsync-http.conf", NULL);
        g_autofree char *text = NULL, *uncommented = NULL;
        g_autoptr(GRegex) commented_key = g_regex_new("^#([A-Za-z0-9]+=)", G_REGEX_MULTILINE, 0, NULL);
        g_autoptr(GMatchInfo) match = NULL;
        g_autoptr(GError) error = NULL;
        g_auto(BridgeConfig) c = {};
        unsigned keys = 0;

        g_assert_true(g_file_get_contents(path, &text, NULL, &error));
        g_assert_no_error(error);

        bridge_config_init(&c);
        if (!bridge_config_load(&c, path, true, &error))
                g_error("the shipped file does not load: %s", error->message);
        assert_config_is_init(&c);
        bridge_config_done(&c);

        g_regex_match(commented_key, text, 0, &match);
        for (; g_match_info_matches(match); g_match_info_next(match, NULL))
                keys++;
        /* Every key, once. */
        g_assert_cmpuint(keys, ==, 17);

        uncommented = g_regex_replace(commented_key, text, -1, 0, "\\1", 0, &error);
        g_assert_no_error(error);
        bridge_config_init(&c);
        if (!bridge_config_load_from_data(&c, uncommented, (gsize) -1, &error))
                g_error("the shipped file, uncommented, does not load: %s", error->message);
        assert_config_is_init(&c);
}

/* ---- the command line ------------------------------------------------------------------------ */

typedef struct OptionsCase {
        const char *name;
        const char *argv[8];   /* after "ptpsync-http"; "@" stands for the empty configuration file */
        int r;
        const char *error;     /* on -1: a part of the message */
        Expect expect;         /* on 0: what changes from the defaults */
} OptionsCase;

EXPECT(option_bus, set(&e->bus, "unix:path=/run/test/bus.sock"))
EXPECT(option_v2, set_listen(&e->v2, "::1", 9000))
EXPECT(option_v1_off, set_listen(&e->v1, NULL, 0))
EXPECT(option_both, set_listen(&e->v2, "127.0.0.1", 8089); set_listen(&e->v1, "127.0.0.1", 9043))
EXPECT(option_log_debug, e->log_level = LOG_DEBUG)
EXPECT(option_log_err, e->log_level = LOG_ERR)

static const OptionsCase options_cases[] = {
        { "none", { "--config=@" }, 0 },
        { "bus", { "--config=@", "--bus=unix:path=/run/test/bus.sock" }, 0, .expect = expect_option_bus },
        { "bus-separate", { "--config=@", "--bus", "unix:path=/run/test/bus.sock" }, 0, .expect = expect_option_bus },
        { "bus-system", { "--config=@", "--bus=unix:path=/x", "--bus=system" }, 0 },
        { "bus-bad", { "--config=@", "--bus=session" }, -1, "Invalid --bus=\"session\": expected system or a D-Bus" },
        { "bus-empty", { "--config=@", "--bus=" }, -1, "Invalid --bus=\"\"" },
        { "v2", { "--config=@", "--v2-listen=[::1]:9000" }, 0, .expect = expect_option_v2 },
        { "v1-off", { "--v1-listen=off", "--config=@" }, 0, .expect = expect_option_v1_off },
        { "swap", { "--config=@", "--v2-listen=127.0.0.1:8089", "--v1-listen=localhost:9043" }, 0,
          .expect = expect_option_both },
        { "v2-host-name", { "--config=@", "--v2-listen=example.com:80" }, -1,
          "Invalid --v2-listen=\"example.com:80\": has the host name \"example.com\": listen on an IP address" },
        { "v1-port", { "--config=@", "--v1-listen=127.0.0.1:65536" }, -1,
          "Invalid --v1-listen=\"127.0.0.1:65536\": has a port over 65535" },
        { "both-off", { "--config=@", "--v2-listen=off", "--v1-listen=off" }, -1,
          "The v2 API (--v2-listen=off) and the v1 API (--v1-listen=off) are both off" },
        { "same-port", { "--config=@", "--v2-listen=127.0.0.1:8089" }, -1,
          "The v2 API (--v2-listen=127.0.0.1:8089) and the v1 API ([Listen] V1=127.0.0.1:8089) take the same port" },
        { "config-missing", { "--config=/nonexistent/ptpsync-http.conf" }, -1, "/nonexistent/ptpsync-http.conf: " },
        { "config-empty-name", { "--config=" }, -1, "--config= needs a file name." },
        { "unknown", { "--config=@", "--colour" }, -1, "Unknown option \"--colour\"; see --help." },
        { "unknown-short", { "--config=@", "-x" }, -1, "Unknown option \"-x\"" },
        { "missing-value", { "--config=@", "--bus" }, -1, "Option \"--bus\" needs a value" },
        { "value-for-flag", { "--config=@", "--version=2" }, -1, "Option \"--version=2\" takes no value" },
        { "positional", { "--config=@", "extra" }, -1, "Unexpected argument \"extra\": ptpsync-http takes no "
          "positional arguments" },
        { "after-positional", { "extra", "--help" }, -1, "Unexpected argument \"extra\"" },
        { "bad-before-help", { "--bus=x", "--help" }, -1, "Invalid --bus=\"x\"" },
        { "log-level", { "--config=@", "--log-level=debug" }, 0, .expect = expect_option_log_debug },
        { "log-level-last", { "--config=@", "--log-level=debug", "--log-level", "err" }, 0,
          .expect = expect_option_log_err },
        { "log-level-bad", { "--config=@", "--log-level=loud" }, -1,
          "Invalid --log-level=\"loud\": expected emerg, alert, crit, err, warning, notice, info or debug." },
        { "log-level-number", { "--config=@", "--log-level=7" }, -1, "Invalid --log-level=\"7\"" },
        { "log-level-empty", { "--config=@", "--log-level=" }, -1, "Invalid --log-level=\"\"" },
};

/* The option cases' configuration file: empty, so that only the options count. */
static char *empty_config_path;

static void test_options_case(const void *data) {
        const OptionsCase *t = data;
        g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
        g_auto(BridgeConfig) c = {}, expected = {};
        g_autoptr(GError) error = NULL;
        int r;

        g_ptr_array_add(args, g_strdup("ptpsync-http"));
        for (size_t i = 0; i < G_N_ELEMENTS(t->argv) && t->argv[i]; i++)
                g_ptr_array_add(args, strcmp(t->argv[i], "--config=@") == 0 ?
                                g_strconcat("--config=", empty_config_path, NULL) : g_strdup(t->argv[i]));
        g_ptr_array_add(args, NULL);

        bridge_config_init(&c);
        bridge_config_init(&expected);
        r = bridge_options_parse((int) args->len - 1, (char **) args->pdata, &c, &error);
        g_assert_cmpint(r, ==, t->r);
        if (r < 0) {
                g_assert_nonnull(error);
                g_test_message("%s", error->message);
                assert_contains(error->message, t->error);
        } else {
                g_assert_no_error(error);
                if (t->expect)
                        t->expect(&expected);
        }
        /* On error, c is as it was. */
        assert_config_equal(&c, &expected);
}

/* The file is read first, the options override it, and the check across keys sees both. */
static void test_options_over_file(Fixture *f, const void *data) {
        g_autofree char *path = write_file(f, "c.conf", "[Bridge]\nBus=unix:path=/run/a\n[Listen]\nV1=off\n"
                                                        "[Delivery]\nRetry=1\n");
        g_autofree char *arg = g_strconcat("--config=", path, NULL);
        g_autoptr(GError) error = NULL;
        g_auto(BridgeConfig) c = {};

        bridge_config_init(&c);
        g_assert_cmpint(bridge_options_parse(4, (char *[]) { "ptpsync-http", arg, "--bus=system",
                                                             "--v1-listen=[::1]:8089", NULL }, &c, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_null(c.bus);
        g_assert_true(c.v1.enabled);
        g_assert_cmpstr(c.v1.host, ==, "::1");
        g_assert_cmpuint(c.retry, ==, 1);
        bridge_config_done(&c);

        /* V1=off in the file and --v2-listen=off: nothing left to serve. */
        bridge_config_init(&c);
        g_assert_cmpint(bridge_options_parse(3, (char *[]) { "ptpsync-http", arg, "--v2-listen=off", NULL }, &c,
                                             &error), ==, -1);
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
        assert_contains(error->message, "The v2 API (--v2-listen=off) and the v1 API ([Listen] V1=off) are both off");
        assert_config_is_init(&c);
}

/* A bad file is an error naming the file, the group and the key, whatever the options. */
static void test_options_bad_file(Fixture *f, const void *data) {
        g_autofree char *path = write_file(f, "bad.conf", "[Listen]\nV2=du1:80\n");
        g_autofree char *arg = g_strconcat("--config=", path, NULL);
        g_autofree char *expected = g_strdup_printf("%s: Invalid value \"du1:80\" for key \"V2\" in group [Listen]",
                                                    path);
        g_autoptr(GError) error = NULL;
        g_auto(BridgeConfig) c = {};

        bridge_config_init(&c);
        g_assert_cmpint(bridge_options_parse(3, (char *[]) { "ptpsync-http", arg, "--v2-listen=127.0.0.1:1", NULL },
                                             &c, &error), ==, -1);
        assert_contains(error->message, expected);
        assert_config_is_init(&c);
}

/* Without --config=, the default file, which may be absent. */
static void test_options_default_file(void) {
        g_autoptr(GError) error = NULL;
        g_auto(BridgeConfig) c = {};

        if (access(DEFAULT_BRIDGE_CONFIG_FILE, F_OK) == 0) {
                g_test_skip(DEFAULT_BRIDGE_CONFIG_FILE " exists here: its contents are not the test's");
                return;
        }
        bridge_config_init(&c);
        g_assert_cmpint(bridge_options_parse(1, (char *[]) { "ptpsync-http", NULL }, &c, &error), ==, 0);
        g_assert_no_error(error);
        assert_config_is_init(&c);
}

/*
 * Runs the options with arg alone, standard output going to a file meanwhile: returns what
 * was printed, having checked that 1 was returned and the configuration left alone.
 */
static char *run_printing(const char *arg) {
        g_autofree char *path = NULL, *out = NULL;
        g_autoptr(GError) error = NULL;
        g_auto(BridgeConfig) c = {};
        int fd, saved, r;

        fd = g_file_open_tmp("test-bridge-config-stdout-XXXXXX", &path, &error);
        g_assert_no_error(error);
        fflush(stdout);
        saved = dup(STDOUT_FILENO);
        g_assert_cmpint(saved, >=, 0);
        g_assert_cmpint(dup2(fd, STDOUT_FILENO), ==, STDOUT_FILENO);
        close(fd);

        bridge_config_init(&c);
        r = bridge_options_parse(2, (char *[]) { "ptpsync-http", (char *) arg, NULL }, &c, &error);
        fflush(stdout);
        g_assert_cmpint(dup2(saved, STDOUT_FILENO), ==, STDOUT_FILENO);
        close(saved);

        g_assert_no_error(error);
        g_assert_cmpint(r, ==, 1);
        assert_config_is_init(&c);
        g_assert_true(g_file_get_contents(path, &out, NULL, &error));
        g_assert_no_error(error);
        (void) g_remove(path);
        return g_steal_pointer(&out);
}

/* --help: what it is, every option with its default, the file, the exit statuses, the man page. */
static void test_options_help(void) {
        static const char *const wanted[] = {
                "Usage: ptpsync-http [OPTIONS...]\n", "O-RAN", "/api/ocloudNotifications/v2",
                "/api/ocloudNotifications/v1", "  -h --help ", "     --version ", "     --bus=BUS ",
                "     --v2-listen=HOST:PORT|off\n", "     --v1-listen=HOST:PORT|off\n", "     --config=FILE ",
                "127.0.0.1:9043", "127.0.0.1:8089", DEFAULT_BRIDGE_CONFIG_FILE, "$DBUS_SYSTEM_BUS_ADDRESS",
                "Exit status:\n", "  0 on SIGTERM or SIGINT", " 2 for an invalid option or configuration",
                "See ptpsync-http(8)", "ptpsync-http.conf(5)",
        };
        g_autofree char *out = run_printing("--help");
        g_auto(GStrv) lines = NULL;

        for (size_t i = 0; i < G_N_ELEMENTS(wanted); i++)
                assert_contains(out, wanted[i]);

        /* It fits a terminal of 80 columns. */
        lines = g_strsplit(out, "\n", -1);
        for (char **l = lines; *l; l++)
                if (g_utf8_strlen(*l, -1) > 79)
                        g_test_fail_printf("--help line longer than 79 columns: \"%s\"", *l);
}

static void test_options_version(void) {
        g_autofree char *out = run_printing("--version");

        g_assert_cmpstr(out, ==, "ptpsync-http " PACKAGE_VERSION "\n");
}

#define ADD_FILE_TEST(path, func) g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)

/* ---- the log level ---------------------------------------------------------------------------- */

static void test_log_priority(void) {
        g_assert_cmpint(bridge_log_priority(G_LOG_LEVEL_ERROR), ==, LOG_ERR);
        g_assert_cmpint(bridge_log_priority(G_LOG_LEVEL_CRITICAL), ==, LOG_WARNING);
        g_assert_cmpint(bridge_log_priority(G_LOG_LEVEL_WARNING | G_LOG_FLAG_RECURSION), ==, LOG_WARNING);
        g_assert_cmpint(bridge_log_priority(G_LOG_LEVEL_MESSAGE), ==, LOG_NOTICE);
        g_assert_cmpint(bridge_log_priority(G_LOG_LEVEL_INFO), ==, LOG_INFO);
        g_assert_cmpint(bridge_log_priority(G_LOG_LEVEL_DEBUG), ==, LOG_DEBUG);
}

/* The writer itself, in a child (GLib's writer goes once per process): what is above the level is dropped. */
static void log_level_child(int level) {
        g_log_set_always_fatal(G_LOG_FATAL_MASK); /* g_test_init() made warnings fatal */
        bridge_log_setup(level);
        g_warning("a warning line");
        g_message("a notice line");
        g_info("an info line");
        g_debug("a debug line");
}

static void test_log_level(void) {
        if (g_test_subprocess()) {
                log_level_child(strcmp(g_getenv("TEST_LOG_LEVEL") ?: "", "debug") == 0 ? LOG_DEBUG : LOG_WARNING);
                return;
        }
        g_assert_true(g_setenv("TEST_LOG_LEVEL", "warning", true));
        g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDIN);
        g_test_trap_assert_passed();
        /* GLib's writer: errors, warnings and messages on stderr, info and debug on stdout. */
        g_test_trap_assert_stderr("*a warning line*");
        g_test_trap_assert_stderr_unmatched("*notice*");
        g_test_trap_assert_stdout_unmatched("*line*");

        /* GLib shows info and debug only with G_MESSAGES_DEBUG; the level does instead. */
        g_assert_true(g_setenv("TEST_LOG_LEVEL", "debug", true));
        g_unsetenv("G_MESSAGES_DEBUG");
        g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDIN);
        g_test_trap_assert_passed();
        g_test_trap_assert_stderr("*a warning line*a notice line*");
        g_test_trap_assert_stdout("*an info line*a debug line*");
        g_unsetenv("TEST_LOG_LEVEL");
}

int main(int argc, char *argv[]) {
        g_autoptr(GError) error = NULL;
        int fd, r;

        g_test_init(&argc, &argv, NULL);

        fd = g_file_open_tmp("test-bridge-config-empty-XXXXXX.conf", &empty_config_path, &error);
        g_assert_no_error(error);
        close(fd);

        g_test_add_func("/bridge-config/defaults", test_defaults);
        g_test_add_func("/bridge-config/init-done-copy", test_init_done_copy);
        g_test_add_func("/bridge-config/uri-host", test_uri_host);
        for (size_t i = 0; i < G_N_ELEMENTS(config_cases); i++) {
                g_autofree char *path = g_strdup_printf("/bridge-config/data/%s", config_cases[i].name);

                g_test_add_data_func(path, &config_cases[i], test_config_case);
        }
        g_test_add_func("/bridge-config/keeps-values", test_keeps_values);
        g_test_add_func("/bridge-config/long-value", test_long_value);
        g_test_add_func("/bridge-config/allow-entries-max", test_allow_entries_max);
        g_test_add_func("/bridge-config/quote", test_quote);
        ADD_CASES("/bridge-config/listen", listen_cases, test_listen_case);
        ADD_FILE_TEST("/bridge-config/file/good", test_file_good);
        ADD_FILE_TEST("/bridge-config/file/bad", test_file_bad);
        ADD_FILE_TEST("/bridge-config/file/missing", test_file_missing);
        ADD_FILE_TEST("/bridge-config/file/directory", test_file_directory);
        ADD_FILE_TEST("/bridge-config/file/too-large", test_file_too_large);
        g_test_add_func("/bridge-config/file/endless", test_file_endless);
        g_test_add_func("/bridge-config/shipped-file", test_shipped_file);
        for (size_t i = 0; i < G_N_ELEMENTS(options_cases); i++) {
                g_autofree char *path = g_strdup_printf("/bridge-options/%s", options_cases[i].name);

                g_test_add_data_func(path, &options_cases[i], test_options_case);
        }
        ADD_FILE_TEST("/bridge-options/over-file", test_options_over_file);
        ADD_FILE_TEST("/bridge-options/bad-file", test_options_bad_file);
        g_test_add_func("/bridge-options/default-file", test_options_default_file);
        g_test_add_func("/bridge-options/help", test_options_help);
        g_test_add_func("/bridge-options/version", test_options_version);
        g_test_add_func("/bridge-log/priority", test_log_priority);
        g_test_add_func("/bridge-log/level", test_log_level);

        r = g_test_run();
        (void) g_remove(empty_config_path);
        g_free(empty_config_path);
        return r;
}
