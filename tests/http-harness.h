/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * For the bridge's integration tests: real HTTP consumers (libsoup servers,
 * each in a thread of its own so that the test can block on its client
 * calls meanwhile), a real ptpsync-http process on the harness's private
 * bus, and a plain HTTP client. Every wait has a deadline.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "test-env.h"

/*
 * At the start of main(): runs the test again with LeakSanitizer's full stacks
 * (LSAN_OPTIONS fast_unwind_on_malloc=0), so that tests/lsan.supp's libsoup
 * entry matches in this process too; once, and only where that is not set yet.
 */
void test_http_reexec(char *argv[]);

/* ---- consumers ---- */

typedef struct TestEndpoint TestEndpoint;

typedef struct TestPost {
        char *path;
        GBytes *body;  /* empty for the probe of v1 or of a resource without data */
        char *content_type;
        GHashTable *headers; /* lower-case name -> value */
        gint64 received_usec; /* CLOCK_MONOTONIC */
        unsigned status;      /* what it was answered */
} TestPost;

void test_post_free(TestPost *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestPost, test_post_free)

/* Listens on 127.0.0.1 (a free port); answers every POST with status (default 204). */
TestEndpoint *test_endpoint_start(void);
void test_endpoint_stop(TestEndpoint *c);
/* "http://127.0.0.1:<port>/<path>" (g_free). */
char *test_endpoint_uri(TestEndpoint *c, const char *path);
void test_endpoint_set_status(TestEndpoint *c, unsigned status);
/* Answers only after delay_ms. */
void test_endpoint_set_delay(TestEndpoint *c, unsigned delay_ms);
/* The next POST received, or NULL at the deadline. */
TestPost *test_endpoint_pop(TestEndpoint *c, uint64_t timeout_usec);
/* POSTs received so far. */
unsigned test_endpoint_received(TestEndpoint *c);

/* ---- the bridge ---- */

typedef struct TestBridge {
        GPid pid;
        unsigned v2_port, v1_port;
        char *v2, *v1; /* "http://127.0.0.1:<port>/api/ocloudNotifications/v2" */
        char *metrics; /* ".../metrics" on the v2 port */
        char *config_path;
        char *log_path;
        int exit_status;
        bool reaped;
} TestBridge;

/*
 * A free TCP port on 127.0.0.1, below the kernel's ephemeral range (so that no outgoing connection
 * takes it before the listener binds it), at random.
 */
unsigned test_free_port(void);

/*
 * Starts $PTPSYNC_HTTP on the bus with both APIs on free loopback ports and
 * the given configuration text (key file; NULL: none), and waits until it
 * serves (GET /health 200) and has listed its subscriptions (GET
 * /subscriptions no longer 503). config_text may set anything but [Listen].
 */
TestBridge *test_bridge_start(TestBus *bus, const char *config_text);
/* The same on the ports of an earlier one (for restarts). */
TestBridge *test_bridge_restart(TestBus *bus, TestBridge *old);
/* SIGTERM, wait, assert a clean exit (status 0: no leak under ASan). */
void test_bridge_stop(TestBridge *b);
/* SIGKILL and reap. */
void test_bridge_kill(TestBridge *b);
void test_bridge_free(TestBridge *b);
bool test_bridge_wait_exit(TestBridge *b, uint64_t timeout_usec);

/* ---- the whole stack, for the bridge tests' fixtures ---- */

typedef struct TestBridgeStack {
        TestEnv env; /* the simulated source, a holdover that outlasts any test; env.client: the test's own */
        TestBridge *bridge;
        TestEndpoint *consumer;
} TestBridgeStack;

/*
 * A private bus (bus_extra: more of its configuration, or NULL), ptpsyncd on it
 * (daemon_config: its configuration text, NULL: the holdover above), a client
 * connection, the bridge (test_bridge_start(bridge_config)) and a consumer.
 */
void test_bridge_stack_start(TestBridgeStack *s, const char *bus_extra, const char *daemon_config,
                             const char *bridge_config);
/* All of it stopped, the bridge with test_bridge_stop()'s check of a clean exit. */
void test_bridge_stack_stop(TestBridgeStack *s);

/* ---- the client ---- */

typedef struct TestResponse {
        unsigned status;
        char *content_type; /* NULL without one */
        char *body;         /* NUL-terminated; "" without one */
        size_t length;
} TestResponse;

void test_response_free(TestResponse *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestResponse, test_response_free)

/* One request (body NULL: none; else sent as application/json), a fresh connection each; status 0 if it failed. */
TestResponse *test_http(const char *method, const char *url, const char *body);
/* The same with a body of length bytes. */
TestResponse *test_http_bytes(const char *method, const char *url, const void *body, size_t length);

/* POST url/subscriptions {"ResourceAddress":resource,"EndpointUri":endpoint} (v2 keys). */
TestResponse *test_subscribe_v2(TestBridge *b, const char *resource, const char *endpoint);
/* POST v1/subscriptions {"resource":resource,"endpointUri":endpoint} (v1 keys). */
TestResponse *test_subscribe_v1(TestBridge *b, const char *resource, const char *endpoint);
/* The SubscriptionId (or id) of a 201's body (g_free). */
char *test_subscription_id(const TestResponse *r);

/* ---- raw connections and the bridge's process, for hostile callers ---- */

/* A TCP connection to 127.0.0.1:port (blocking; -1 if it cannot be made). */
int test_raw_connect(unsigned port);
/* The same without waiting for the handshake: connecting, or -1. */
int test_raw_connect_nonblocking(unsigned port);
/* Sends all of data; false if the peer refused it (reset, closed). */
bool test_raw_send(int fd, const void *data, size_t length);
/*
 * Reads one HTTP/1.1 response (headers, then a Content-Length body) from fd,
 * buffer holding what was read past earlier responses. Its status, or 0 if the
 * connection ended or the deadline passed first; *ret_body (if set) its body.
 */
unsigned test_raw_read_response(int fd, GString *buffer, uint64_t timeout_usec, char **ret_body);
/* Whether the peer closed (or reset) the connection within the timeout; what it sent is discarded. */
bool test_raw_wait_closed(int fd, uint64_t timeout_usec);

/* Of a running process: its open descriptors, its resident memory (KiB), its CPU time (utime + stime, in ticks). */
unsigned test_pid_fd_count(GPid pid);
uint64_t test_pid_rss_kib(GPid pid);
uint64_t test_pid_cpu_ticks(GPid pid);
