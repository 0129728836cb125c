/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-http against hostile callers, on the real daemon: endpoints off the
 * allowlist, bodies too large or of no length, a thousand malformed bodies,
 * slow and half-sent requests, pipelining, clients that leave connections
 * behind, a bridge out of descriptors, the subscription cap; and that it
 * idles at rest. After each, the bridge must still serve, and exit cleanly.
 */
#include <errno.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http-harness.h"

#define LOCK_STATE TEST_PREFIX "sync/ptp-status/lock-state"
#define OTHER_NODE "/cluster/node/other.example.com/sync/ptp-status/lock-state"
#define BIG_BODY (10u * 1024 * 1024)

typedef TestBridgeStack Fixture;

static void setup(Fixture *f, gconstpointer data) {
        test_bridge_stack_start(f, NULL, NULL, data);
        test_inject(f->env.client, "sync/ptp-status/lock-state", "ens1f0", "locked", 5);
}

static void teardown(Fixture *f, gconstpointer data) {
        test_bridge_stack_stop(f);
}

/* The daemon's subscriptions: the bridge's own (the state cache's) and one per REST subscription. */
static unsigned daemon_subscriptions(Fixture *f) {
        return test_manager_get_u(f->env.client, "SubscriptionCount");
}

static bool one_daemon_subscription(void *userdata) {
        return daemon_subscriptions(userdata) == 1;
}

static void assert_serves(Fixture *f) {
        g_autofree char *health = g_strconcat(f->bridge->v2, "/health", NULL);
        g_autoptr(TestResponse) r = test_http("GET", health, NULL);

        g_assert_cmpuint(r->status, ==, 200);
        g_assert_cmpstr(r->body, ==, "OK");
}

/* Under 10% of a core over 3 s: nothing spins. */
static void assert_idles(Fixture *f) {
        uint64_t before = test_pid_cpu_ticks(f->bridge->pid);
        long hz = sysconf(_SC_CLK_TCK);
        uint64_t used;

        g_usleep(3 * G_USEC_PER_SEC); /* the measure's window, not a wait for something */
        used = test_pid_cpu_ticks(f->bridge->pid) - before;
        g_test_message("CPU over 3 s at rest: %" G_GUINT64_FORMAT " ticks of 1/%ld s", used, hz);
        g_assert_cmpuint(used, <, (uint64_t) (hz * 3) / 10);
}

static unsigned subscribe_status(Fixture *f, const char *endpoint) {
        g_autoptr(TestResponse) r = test_subscribe_v2(f->bridge, LOCK_STATE, endpoint);

        return r->status;
}

/* A valid subscription works: 201, its probe arrives. */
static void assert_subscribes(Fixture *f, const char *path) {
        g_autofree char *endpoint = test_endpoint_uri(f->consumer, path);
        g_autoptr(TestPost) probe = NULL;

        g_assert_cmpuint(subscribe_status(f, endpoint), ==, 201);
        probe = test_endpoint_pop(f->consumer, TEST_TIMEOUT_USEC);
        g_assert_nonnull(probe);
}

/* ---- the allowlist ---- */

static const char allow_config[] = "[Endpoints]\nAllow=127.0.0.1/32;192.0.2.128/25;::1\nProbeTimeoutSec=1\n";

/* v1 says why in its error body: the allowlist's refusal names Allow=. */
static char *v1_refusal(Fixture *f, const char *endpoint) {
        g_autofree char *url = g_strconcat(f->bridge->v1, "/subscriptions", NULL);
        g_autofree char *body = g_strdup_printf("{\"resource\":\"%s\",\"endpointUri\":\"%s\"}",
                                                LOCK_STATE, endpoint);
        g_autoptr(TestResponse) r = test_http("POST", url, body);

        g_assert_cmpuint(r->status, ==, 400);
        return g_strdup(r->body);
}

static void test_allowlist(Fixture *f, gconstpointer data) {
        g_autofree char *ours = test_endpoint_uri(f->consumer, "event");
        g_autofree char *other_loopback = g_strdup_printf("http://127.0.0.2:%u/event", f->bridge->v2_port);
        const char *refused[] = {
                "http://192.0.2.1/x",
                "http://192.0.2.127:80/x",
                "http://evil.example/x",
                "http://localhost/x", /* a name, and only addresses are on this list */
                "ftp://127.0.0.1/x",
                "file:///etc/passwd",
                "gopher://127.0.0.1:70/x",
                "HTTP://192.0.2.1/x",
                "http://127.0.0.1@evil.example/",
                "http://127.0.0.1:80@evil.example/",
                "http://evil.example#@127.0.0.1/",
                "http://evil.example\\@127.0.0.1/",
                "http://127.0.0.1.evil.example/",
                "http://2130706433/",
                "http://0x7f000001/",
                "http://127.1/",
                "http://017700000001/",
                "http://[::ffff:192.0.2.1]/",
                "http://[::2]/",
                "http:/127.0.0.1/",
                "//127.0.0.1/x",
                "127.0.0.1:80",
                "http://",
                "http://:80/",
                "http://127.0.0.1:0/",
                other_loopback,
        };
        g_autofree char *why = NULL;

        for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
                g_test_message("EndpointUri %s", refused[i]);
                g_assert_cmpuint(subscribe_status(f, refused[i]), ==, 400);
        }
        /* nothing was made, nothing was sent */
        g_assert_cmpuint(daemon_subscriptions(f), ==, 1);
        g_assert_cmpuint(test_endpoint_received(f->consumer), ==, 0);

        /* refused by the allowlist, and said so */
        why = v1_refusal(f, "http://192.0.2.1/x");
        g_assert_nonnull(strstr(why, "Allow="));
        g_clear_pointer(&why, g_free);
        /* the network added passes the allowlist: only its probe fails (nobody is there) */
        why = v1_refusal(f, "http://192.0.2.200:9/x");
        g_assert_null(strstr(why, "Allow="));
        /* The bridge answers the refusal, then cancels the subscription it made for the probe: the
         * daemon hears that after us at times (on dbus-broker 1 run in 20). */
        g_assert_true(test_bus_wait_for(f->env.client, one_daemon_subscription, f, TEST_TIMEOUT_USEC));
        /* the host added is taken */
        g_assert_cmpuint(subscribe_status(f, ours), ==, 201);
        g_assert_cmpuint(daemon_subscriptions(f), ==, 2);
        assert_serves(f);
}

/* ---- body caps ---- */

/* Sends the head and then up to total bytes of body while reading: the status, and how much went. */
static unsigned send_big(unsigned port, const char *head, size_t total, size_t *ret_sent) {
        g_autoptr(GString) in = g_string_new(NULL);
        g_autofree char *chunk = g_malloc(65536);
        int fd = test_raw_connect(port);
        gint64 deadline = g_get_monotonic_time() + (gint64) TEST_TIMEOUT_USEC;
        unsigned status = 0;
        size_t sent = 0;

        g_assert_cmpint(fd, >=, 0);
        memset(chunk, 'x', 65536);
        g_assert_true(test_raw_send(fd, head, strlen(head)));
        while (status == 0 && g_get_monotonic_time() < deadline) {
                ssize_t n = 0;

                if (sent < total) {
                        n = send(fd, chunk, MIN(65536, total - sent), MSG_NOSIGNAL | MSG_DONTWAIT);
                        if (n < 0 && errno != EAGAIN)
                                total = sent; /* refused: only the answer is left to read */
                        sent += n > 0 ? (size_t) n : 0;
                }
                status = test_raw_read_response(fd, in, n > 0 ? 0 : TEST_POLL_USEC, NULL);
        }
        close(fd);
        *ret_sent = sent;
        return status;
}

static void test_body_caps(Fixture *f, gconstpointer data) {
        uint64_t rss = test_pid_rss_kib(f->bridge->pid);
        g_autofree char *big = g_strdup_printf("POST /api/ocloudNotifications/v2/subscriptions HTTP/1.1\r\n"
                                               "Host: x\r\nContent-Type: application/json\r\n"
                                               "Content-Length: %u\r\n\r\n", BIG_BODY);
        g_autofree char *big_v1 = g_strdup_printf("POST /api/ocloudNotifications/v1/subscriptions HTTP/1.1\r\n"
                                                  "Host: x\r\nContent-Length: %u\r\n\r\n", BIG_BODY);
        static const struct {
                const char *length_headers;
                unsigned status;
        } bodies[] = {
                { "Transfer-Encoding: chunked\r\n", 411 },
                { "Content-Length: 65537\r\n", 413 },
                { "Content-Length: 12abc\r\n", 400 },
                { "Content-Length: -5\r\n", 400 },
                { "Content-Length: +5\r\n", 400 },
                { "Content-Length: 0x10\r\n", 400 },
                { "Content-Length: 99999999999999999999999\r\n", 400 },
                { "Content-Length: 5\r\nContent-Length: 6\r\n", 400 },
        };
        size_t sent = 0;

        /* answered from the headers: before the body is all sent, and none of it kept */
        g_assert_cmpuint(send_big(f->bridge->v2_port, big, BIG_BODY, &sent), ==, 413);
        g_test_message("10 MB body: %zu bytes sent before the 413", sent);
        g_assert_cmpuint(sent, <, BIG_BODY);
        g_assert_cmpuint(send_big(f->bridge->v1_port, big_v1, BIG_BODY, &sent), ==, 413);
        g_assert_cmpuint(sent, <, BIG_BODY);
        g_assert_cmpuint(test_pid_rss_kib(f->bridge->pid), <, rss + 4096);

        for (size_t i = 0; i < G_N_ELEMENTS(bodies); i++) {
                g_autofree char *head = g_strdup_printf("POST /api/ocloudNotifications/v2/subscriptions HTTP/1.1\r\n"
                                                        "Host: x\r\n%s\r\n", bodies[i].length_headers);

                g_test_message("%s", bodies[i].length_headers);
                g_assert_cmpuint(send_big(f->bridge->v2_port, head, BIG_BODY, &sent), ==, bodies[i].status);
                g_assert_cmpuint(sent, <, BIG_BODY);
        }
        g_assert_cmpuint(test_pid_rss_kib(f->bridge->pid), <, rss + 4096);
        g_assert_cmpuint(daemon_subscriptions(f), ==, 1);
        assert_serves(f);
        assert_subscribes(f, "event");
}

/* ---- a thousand malformed bodies ---- */

typedef struct Bodies {
        GPtrArray *v2, *v1; /* GBytes */
} Bodies;

static void add(GPtrArray *to, const char *data, size_t length) {
        g_ptr_array_add(to, g_bytes_new(data, length));
}

static void add_str(GPtrArray *to, const char *text) {
        add(to, text, strlen(text));
}

static void add_printf(GPtrArray *to, const char *format, ...) G_GNUC_PRINTF(2, 3);
static void add_printf(GPtrArray *to, const char *format, ...) {
        va_list ap;
        g_autofree char *text = NULL;

        va_start(ap, format);
        text = g_strdup_vprintf(format, ap);
        va_end(ap);
        add_str(to, text);
}

static const char *const structures[] = {
        "", " ", "\n", "null", "true", "false", "0", "-1", "1e999", "\"x\"", "[]", "[{}]", "{}", "{}{}", "{} {}",
        "{\"a\":1}{", "{", "}", "{{}}", "{,}", "{\"ResourceAddress\"}", "{\"ResourceAddress\":}", "{:1}",
        "{\"ResourceAddress\":\"x\",}", "{'ResourceAddress':'x'}", "{ResourceAddress:\"x\"}",
        "/* c */ {}", "{} // c", "{\"ResourceAddress\":\"x\" /* c */}", "\xef\xbb\xbf{}", "[", "]", "\"", "{\"\"",
        "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":-Infinity}", "{\"a\":0x10}", "{\"a\":01}", "{\"a\":1.}",
        "{\"a\":.5}", "{\"a\":+1}", "{\"a\":undefined}", "{\"a\":True}", "{\"a\":nul}", "{\"a\":\"\\x41\"}",
        "{\"a\":\"\\'\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\uZZZZ\"}", "{\"a\":\"tab\there\"}",
        "{\"a\":\"line\nbreak\"}", "{\"a\"=1}", "{\"a\";1}", "{\"a\":1;\"b\":2}", "(\"a\")", "<a/>",
};

/* Wrong types for a key; the rest of the body correct. */
static const char *const wrong_values[] = {
        "1", "-1", "1.5", "1e400", "true", "false", "[]", "[\"x\"]", "{}", "{\"a\":\"b\"}", "0x10", "NaN", "'x'",
        "\"\"", "[null]",
};

/* Odd text put at the end of a value (or in a key): never a valid request of its own. */
static const char *const odd_text[] = {
        "\xc0\xaf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf", "\xc1\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
        "\xed\xa0\x80\xed\xb0\x80", "\xff", "\xfe", "\x80", "\xc3", "\xe2\x82", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80",
        "\\ud800", "\\udc00", "\\ud800\\u0041", "\\uD83D", "\\udfff\\ud800", "\\u0000", "\\u0000x", "\x01", "\x1f",
        "\x7f", "\\u202e", "\\ufeff", "\\uffff", "%00", "%2e%2e/", "/..", "\\\\", "\r\n",
};

/* The keys and a correct body of each API, whose values odd text is added to. */
static void add_key_cases(GPtrArray *to, const char *rkey, const char *ekey, const char *endpoint) {
        const char *keys[] = { rkey, ekey };

        for (size_t k = 0; k < G_N_ELEMENTS(keys); k++)
                for (size_t i = 0; i < G_N_ELEMENTS(wrong_values); i++) {
                        if (k == 0)
                                add_printf(to, "{\"%s\":%s,\"%s\":\"%s\"}", rkey, wrong_values[i], ekey, endpoint);
                        else /* another node's: v1 takes "" or null as no endpoint (pull only) */
                                add_printf(to, "{\"%s\":\"%s\",\"%s\":%s}", rkey, OTHER_NODE, ekey, wrong_values[i]);
                }
        for (size_t i = 0; i < G_N_ELEMENTS(odd_text); i++) {
                add_printf(to, "{\"%s\":\"%s%s\",\"%s\":\"%s\"}", rkey, LOCK_STATE, odd_text[i], ekey, endpoint);
                add_printf(to, "{\"%s\":\"%s%s\",\"%s\":\"%s\"}", rkey, odd_text[i], LOCK_STATE, ekey, endpoint);
                add_printf(to, "{\"%s\":\"%s\",\"%s\":\"%s%s\"}", rkey, OTHER_NODE, ekey, endpoint, odd_text[i]);
                add_printf(to, "{\"%s%s\":\"%s\",\"%s\":\"%s\"}", rkey, odd_text[i], LOCK_STATE, ekey, endpoint);
        }
        /* a NUL byte, raw */
        {
                g_autofree char *body = g_strdup_printf("{\"%s\":\"%s\",\"%s\":\"%s\"}", rkey, LOCK_STATE, ekey,
                                                        endpoint);
                size_t n = strlen(body);

                for (size_t at = 1; at < n; at += 9) {
                        g_autofree char *copy = g_memdup2(body, n);

                        copy[at] = '\0';
                        add(to, copy, n);
                }
                /* truncated anywhere */
                for (size_t at = 0; at < n; at++)
                        add(to, body, at);
                /* with something after */
                for (size_t i = 0; i < G_N_ELEMENTS(structures); i++)
                        if (strspn(structures[i], " \n") != strlen(structures[i]))
                                add_printf(to, "%s%s", body, structures[i]);
        }
        /* repeated keys, missing keys, unknown keys with a missing one */
        add_printf(to, "{\"%s\":\"%s\",\"%s\":\"%s\",\"%s\":\"%s\"}", rkey, LOCK_STATE, rkey, LOCK_STATE, ekey, endpoint);
        add_printf(to, "{\"%s\":\"%s\",\"%s\":\"%s\",\"%s\":\"%s\"}", rkey, LOCK_STATE, ekey, endpoint, ekey, endpoint);
        add_printf(to, "{\"%s\":\"%s\",\"%s\":\"%s\",\"%s\":\"%s\"}", rkey, OTHER_NODE, rkey, LOCK_STATE, ekey, endpoint);
        add_printf(to, "{\"%s\":\"%s\"}", ekey, endpoint);
        add_printf(to, "{\"%s\":\"%s\",\"Unknown\":1}", ekey, endpoint);
        add_printf(to, "{\"%s\":\"%s\",\"%s\":\"%s\",\"x\":{\"y\":[1,2,{\"z\":null}]}}", rkey, OTHER_NODE, ekey,
                   endpoint);
        add_printf(to, "{\"%s\":\"\",\"%s\":\"%s\"}", rkey, ekey, endpoint);
        add_printf(to, "{\"%s\":null,\"%s\":\"%s\"}", rkey, ekey, endpoint);
        add_printf(to, "[{\"%s\":\"%s\",\"%s\":\"%s\"}]", rkey, LOCK_STATE, ekey, endpoint);
}

/* Deeply nested, huge: the bounds of the reader. */
static void add_big_cases(GPtrArray *to, const char *rkey, const char *ekey, const char *endpoint) {
        static const unsigned depths[] = { 33, 100, 1000, 10000, 30000 };

        for (size_t i = 0; i < G_N_ELEMENTS(depths); i++) {
                g_autofree char *open = g_strnfill(depths[i], '[');
                g_autofree char *close_ = g_strnfill(depths[i], ']');

                add_printf(to, "%s%s", open, close_);
                add_str(to, open);
                add_printf(to, "{\"%s\":%s%s,\"%s\":\"%s\"}", rkey, open, close_, ekey, endpoint);
                add_printf(to, "{\"x\":%s\"y\"%s,\"%s\":\"%s\"}", open, close_, ekey, endpoint);
        }
        {
                GString *objects = g_string_new("{\"x\":");

                for (unsigned d = 0; d < 5000; d++)
                        g_string_append(objects, "{\"x\":");
                g_string_append(objects, "1");
                for (unsigned d = 0; d <= 5000; d++)
                        g_string_append_c(objects, '}');
                add_str(to, objects->str);
                g_string_free(objects, TRUE);
        }
        {
                g_autofree char *huge = g_strnfill(60000, 'a');
                g_autofree char *long_resource = g_strnfill(1025, 'r');
                g_autofree char *long_endpoint = g_strnfill(2049 - strlen("http://127.0.0.1/"), 'e');
                GString *many = g_string_new("{");

                add_printf(to, "{\"%s\":\"%s\",\"%s\":\"%s\"}", rkey, huge, ekey, endpoint);
                add_printf(to, "{\"%s\":\"%s\",\"%s\":\"%s\"}", rkey, LOCK_STATE, ekey, huge);
                add_printf(to, "{\"%s\":\"%s\",\"%s\":\"%s\"}", huge, LOCK_STATE, ekey, endpoint);
                add_printf(to, "{\"%s\":\"/%s\",\"%s\":\"%s\"}", rkey, long_resource, ekey, endpoint);
                add_printf(to, "{\"%s\":\"%s\",\"%s\":\"http://127.0.0.1/%s\"}", rkey, LOCK_STATE, ekey,
                           long_endpoint);
                for (unsigned k = 0; k < 4000; k++)
                        g_string_append_printf(many, "\"k%u\":%u,", k, k);
                g_string_append_printf(many, "\"%s\":\"%s\"}", ekey, endpoint);
                add_str(to, many->str);
                g_string_free(many, TRUE);
        }
}

static void bodies_init(Bodies *b, const char *endpoint) {
        b->v2 = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
        b->v1 = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
        for (size_t i = 0; i < G_N_ELEMENTS(structures); i++) {
                add_str(b->v2, structures[i]);
                add_str(b->v1, structures[i]);
        }
        add_key_cases(b->v2, "ResourceAddress", "EndpointUri", endpoint);
        add_key_cases(b->v1, "resource", "endpointUri", endpoint);
        add_key_cases(b->v2, "resource", "endpointUri", endpoint); /* v2 takes v1's keys too */
        add_big_cases(b->v2, "ResourceAddress", "EndpointUri", endpoint);
        add_big_cases(b->v1, "resource", "endpointUri", endpoint);
        /* the keys of the other API, or both */
        add_printf(b->v1, "{\"ResourceAddress\":\"%s\",\"EndpointUri\":\"%s\"}", LOCK_STATE, endpoint);
        add_printf(b->v2, "{\"resource\":\"%s\",\"EndpointUri\":\"%s\"}", LOCK_STATE, endpoint);
        add_printf(b->v2, "{\"ResourceAddress\":\"%s\",\"endpointUri\":\"%s\"}", LOCK_STATE, endpoint);
}

static unsigned post(SoupSession *session, const char *url, GBytes *body) {
        g_autoptr(SoupMessage) message = soup_message_new("POST", url);
        g_autoptr(GBytes) answer = NULL;

        soup_message_set_request_body_from_bytes(message, "application/json", body);
        answer = soup_session_send_and_read(session, message, NULL, NULL);
        return soup_message_get_status(message);
}

static void post_all(SoupSession *session, const char *base, GPtrArray *bodies, unsigned *count) {
        g_autofree char *url = g_strconcat(base, "/subscriptions", NULL);

        for (guint i = 0; i < bodies->len; i++) {
                unsigned status = post(session, url, bodies->pdata[i]);

                if (status < 400 || status >= 500) {
                        gsize n;
                        const char *data = g_bytes_get_data(bodies->pdata[i], &n);
                        g_autofree char *head = g_strndup(data, MIN(n, 200));
                        g_autofree char *shown = g_strescape(head, NULL);

                        g_error("malformed body %u (%s) answered %u: %s", i, base, status, shown);
                }
                (*count)++;
        }
}

static void test_malformed(Fixture *f, gconstpointer data) {
        g_autofree char *endpoint = test_endpoint_uri(f->consumer, "event");
        g_autoptr(SoupSession) session = soup_session_new_with_options("timeout", 60, NULL);
        Bodies b;
        unsigned count = 0;

        soup_session_set_proxy_resolver(session, NULL);
        bodies_init(&b, endpoint);
        g_test_message("%u malformed bodies for v2, %u for v1", b.v2->len, b.v1->len);
        g_assert_cmpuint(b.v2->len + b.v1->len, >=, 1000);
        post_all(session, f->bridge->v2, b.v2, &count);
        post_all(session, f->bridge->v1, b.v1, &count);
        g_assert_cmpuint(count, >=, 1000);
        g_ptr_array_unref(b.v2);
        g_ptr_array_unref(b.v1);

        /* none made a subscription, none was probed; the bridge serves on */
        g_assert_cmpuint(daemon_subscriptions(f), ==, 1);
        g_assert_cmpuint(test_endpoint_received(f->consumer), ==, 0);
        assert_serves(f);
        assert_subscribes(f, "event");
}

/* ---- slow, half-sent and pipelined requests ---- */

static const char slow_config[] = "[Limits]\nRequestTimeoutSec=2\n";

static void test_slow(Fixture *f, gconstpointer data) {
        static const char half_headers[] = "GET /api/ocloudNotifications/v2/health HTTP/1.1\r\nHost: x\r\nAcc";
        static const char short_body[] = "POST /api/ocloudNotifications/v2/subscriptions HTTP/1.1\r\nHost: x\r\n"
                                         "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"Resourc";
        int stalled = test_raw_connect(f->bridge->v2_port);
        int short_ = test_raw_connect(f->bridge->v2_port);
        int silent = test_raw_connect(f->bridge->v2_port);

        g_assert_cmpint(stalled, >=, 0);
        g_assert_cmpint(short_, >=, 0);
        g_assert_cmpint(silent, >=, 0);
        g_assert_true(test_raw_send(stalled, half_headers, strlen(half_headers)));
        g_assert_true(test_raw_send(short_, short_body, strlen(short_body)));
        /* the others are served meanwhile */
        for (unsigned i = 0; i < 5; i++)
                assert_serves(f);
        /* and the three are cut off at the deadline (2 s), not left open */
        g_assert_true(test_raw_wait_closed(stalled, TEST_TIMEOUT_USEC));
        g_assert_true(test_raw_wait_closed(short_, TEST_TIMEOUT_USEC));
        g_assert_true(test_raw_wait_closed(silent, TEST_TIMEOUT_USEC));
        close(stalled);
        close(short_);
        close(silent);
        /* the connections it closed under libsoup leave nothing polling */
        assert_idles(f);
        assert_serves(f);
}

static void test_pipelined(Fixture *f, gconstpointer data) {
        static const struct {
                const char *request;
                unsigned status;
        } requests[] = {
                { "GET /api/ocloudNotifications/v2/health HTTP/1.1\r\nHost: x\r\n\r\n", 200 },
                { "GET /api/ocloudNotifications/v2/nothing HTTP/1.1\r\nHost: x\r\n\r\n", 404 },
                { "GET /api/ocloudNotifications/v2/subscriptions HTTP/1.1\r\nHost: x\r\n\r\n", 200 },
                { "PUT /api/ocloudNotifications/v2/health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405 },
                { "POST /api/ocloudNotifications/v2/subscriptions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
                  400 },
                { "GET /api/ocloudNotifications/v2/publishers HTTP/1.1\r\nHost: x\r\n\r\n", 200 },
                { "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200 },
        };
        g_autoptr(GString) all = g_string_new(NULL), in = g_string_new(NULL);
        int fd = test_raw_connect(f->bridge->v2_port);

        g_assert_cmpint(fd, >=, 0);
        for (unsigned round = 0; round < 10; round++)
                for (size_t i = 0; i < G_N_ELEMENTS(requests); i++)
                        g_string_append(all, requests[i].request);
        /* all at once, and the write side closed: every answer must come all the same, in order */
        g_assert_true(test_raw_send(fd, all->str, all->len));
        g_assert_cmpint(shutdown(fd, SHUT_WR), ==, 0);
        for (unsigned round = 0; round < 10; round++)
                for (size_t i = 0; i < G_N_ELEMENTS(requests); i++)
                        g_assert_cmpuint(test_raw_read_response(fd, in, TEST_TIMEOUT_USEC, NULL), ==,
                                         requests[i].status);
        g_assert_true(test_raw_wait_closed(fd, TEST_TIMEOUT_USEC));
        close(fd);
        assert_serves(f);
}

/* ---- descriptors ---- */

static bool fds_back(Fixture *f, unsigned baseline) {
        gint64 deadline = g_get_monotonic_time() + (gint64) TEST_TIMEOUT_USEC;

        while (test_pid_fd_count(f->bridge->pid) > baseline + 2) {
                if (g_get_monotonic_time() > deadline)
                        return false;
                g_usleep(TEST_POLL_USEC);
        }
        return true;
}

static void test_fds(Fixture *f, gconstpointer data) {
        static const char request[] = "GET /api/ocloudNotifications/v2/health HTTP/1.1\r\nHost: x\r\n\r\n";
        unsigned baseline = test_pid_fd_count(f->bridge->pid);

        for (unsigned i = 0; i < 1000; i++) {
                g_autoptr(GString) in = g_string_new(NULL);
                int fd = test_raw_connect(f->bridge->v2_port);

                g_assert_cmpint(fd, >=, 0);
                g_assert_true(test_raw_send(fd, request, strlen(request)));
                g_assert_cmpuint(test_raw_read_response(fd, in, TEST_TIMEOUT_USEC, NULL), ==, 200);
                close(fd); /* while the bridge keeps it alive */
        }
        g_test_message("descriptors: %u before, %u after", baseline, test_pid_fd_count(f->bridge->pid));
        g_assert_true(fds_back(f, baseline));
        assert_serves(f);
}

/* The soft limit only: the hard one could not be raised back without CAP_SYS_RESOURCE. */
static void set_nofile(GPid pid, rlim_t limit) {
        struct rlimit l;

        g_assert_cmpint(prlimit(pid, RLIMIT_NOFILE, NULL, &l), ==, 0);
        l.rlim_cur = limit;
        g_assert_cmpint(prlimit(pid, RLIMIT_NOFILE, &l, NULL), ==, 0);
}

static void test_out_of_fds(Fixture *f, gconstpointer data) {
        unsigned baseline = test_pid_fd_count(f->bridge->pid);
        unsigned limit = baseline + 16;
        g_autoptr(GArray) fds = g_array_new(FALSE, FALSE, sizeof(int));
        gint64 deadline = g_get_monotonic_time() + (gint64) TEST_TIMEOUT_USEC;
        struct rlimit old;

        g_assert_cmpint(prlimit(f->bridge->pid, RLIMIT_NOFILE, NULL, &old), ==, 0);
        set_nofile(f->bridge->pid, limit);
        /* more connections than it can take: it accepts until it runs out */
        for (unsigned i = 0; i < 40; i++) {
                int fd = test_raw_connect_nonblocking(f->bridge->v2_port);

                if (fd >= 0)
                        g_array_append_val(fds, fd);
        }
        /* it says it cannot accept: it is out of descriptors */
        while (test_file_count(f->bridge->log_path, "Cannot accept a connection on the v2 port") == 0) {
                g_assert_cmpint(g_get_monotonic_time(), <, deadline);
                g_usleep(TEST_POLL_USEC);
        }
        g_assert_cmpuint(test_pid_fd_count(f->bridge->pid), >=, limit - 1);
        for (guint i = 0; i < fds->len; i++)
                close(g_array_index(fds, int, i));
        /* it accepts again, under the same limit */
        assert_serves(f);
        assert_serves(f);
        assert_subscribes(f, "event");
        g_assert_cmpuint(test_file_count(f->bridge->log_path, "Accepting connections on the v2 port again"), >=, 1);
        g_assert_true(fds_back(f, baseline + 1)); /* + the subscription's connection to its endpoint */
        set_nofile(f->bridge->pid, old.rlim_cur);
}

/* ---- at rest ---- */

static void test_idle_cpu(Fixture *f, gconstpointer data) {
        assert_subscribes(f, "event");
        assert_idles(f);
        assert_serves(f);
}

/* ---- the subscription cap ---- */

static const char cap_config[] = "[Limits]\nSubscriptions=2\n";

static void test_subscription_cap(Fixture *f, gconstpointer data) {
        g_autofree char *second = test_endpoint_uri(f->consumer, "b");
        g_autofree char *third = test_endpoint_uri(f->consumer, "c");
        g_autoptr(TestPost) probe = NULL;
        g_autofree char *list = g_strconcat(f->bridge->v2, "/subscriptions", NULL);
        g_autoptr(TestResponse) r = NULL, all = NULL;
        g_autofree char *id = NULL, *url = NULL;

        assert_subscribes(f, "a");
        r = test_subscribe_v2(f->bridge, LOCK_STATE, second);
        g_assert_cmpuint(r->status, ==, 201);
        id = test_subscription_id(r);
        probe = test_endpoint_pop(f->consumer, TEST_TIMEOUT_USEC);
        g_assert_nonnull(probe);
        /* one more: refused (400, as cloud-event-proxy refuses what it cannot make), nothing made or probed */
        g_assert_cmpuint(subscribe_status(f, third), ==, 400);
        g_assert_cmpuint(daemon_subscriptions(f), ==, 3);
        g_assert_cmpuint(test_endpoint_received(f->consumer), ==, 2);
        assert_serves(f);
        all = test_http("GET", list, NULL);
        g_assert_cmpuint(all->status, ==, 200);
        /* with one deleted there is room again */
        url = g_strconcat(list, "/", id, NULL);
        g_clear_pointer(&r, test_response_free);
        r = test_http("DELETE", url, NULL);
        g_assert_cmpuint(r->status, ==, 204);
        assert_subscribes(f, "c");
}

int main(int argc, char *argv[]) {
        test_http_reexec(argv);
        g_test_init(&argc, &argv, NULL);
        g_test_add("/bridge-hostile/allowlist", Fixture, allow_config, setup, test_allowlist, teardown);
        g_test_add("/bridge-hostile/body-caps", Fixture, NULL, setup, test_body_caps, teardown);
        g_test_add("/bridge-hostile/malformed", Fixture, NULL, setup, test_malformed, teardown);
        g_test_add("/bridge-hostile/slow", Fixture, slow_config, setup, test_slow, teardown);
        g_test_add("/bridge-hostile/pipelined", Fixture, NULL, setup, test_pipelined, teardown);
        g_test_add("/bridge-hostile/fds", Fixture, NULL, setup, test_fds, teardown);
        g_test_add("/bridge-hostile/out-of-fds", Fixture, NULL, setup, test_out_of_fds, teardown);
        g_test_add("/bridge-hostile/idle-cpu", Fixture, NULL, setup, test_idle_cpu, teardown);
        g_test_add("/bridge-hostile/subscription-cap", Fixture, cap_config, setup, test_subscription_cap, teardown);
        return g_test_run();
}
