/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-http end to end: the real daemon on a private bus, the real
 * bridge, real HTTP consumers. The basic path: subscribe, the probe, pushes,
 * CurrentState, delete; and hundreds of subscriptions re-attached at a
 * restart and deleted at once, more than the bus lets one connection have
 * calls awaiting replies.
 */
#include <json-glib/json-glib.h>

#include "http-harness.h"

/* Hundreds of subscriptions for the bridge whatever user it runs as (root has no quota anyway). */
static const char daemon_config_many[] = "[Thresholds]\nHoldoverTimeoutSec=3600\n"
                                         "[Quota]\nSubscriptionsPerUser=1000\nSubscriptionsPerConnection=1000\n";

typedef TestBridgeStack Fixture;

static void setup(Fixture *f, gconstpointer data) {
        test_bridge_stack_start(f, NULL, NULL, data);
}

/* A stock system bus's 128 calls awaiting replies per connection, said explicitly. */
static void setup_many(Fixture *f, gconstpointer data) {
        test_bridge_stack_start(f, "<limit name=\"max_replies_per_connection\">128</limit>\n", daemon_config_many,
                                data);
}

static void teardown(Fixture *f, gconstpointer data) {
        test_bridge_stack_stop(f);
}

static JsonNode *parse(const char *text) {
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autoptr(GError) error = NULL;

        json_parser_load_from_data(parser, text, -1, &error);
        g_assert_no_error(error);
        return json_node_ref(json_parser_get_root(parser));
}

/* The value of the first notification of a v2 CloudEvent's data. */
static const char *first_value(JsonNode *event, unsigned i) {
        JsonObject *data = json_object_get_object_member(json_node_get_object(event), "data");
        JsonArray *values = json_object_get_array_member(data, "values");

        return json_object_get_string_member(json_array_get_object_element(values, i), "value");
}

/* Only the bridge's own state subscription is left. */
static bool only_the_state_subscription(void *bus) {
        return test_manager_get_u(bus, "SubscriptionCount") == 1;
}

#define LOCK_STATE TEST_PREFIX "sync/ptp-status/lock-state"

static void test_subscribe_probe_push(Fixture *f, gconstpointer data) {
        g_autofree char *endpoint = test_endpoint_uri(f->consumer, "event");
        g_autofree char *id = NULL, *url = NULL;
        g_autoptr(TestResponse) r = NULL, got = NULL, gone = NULL;
        g_autoptr(TestPost) probe = NULL, push = NULL;
        g_autoptr(JsonNode) event = NULL;
        JsonObject *o;

        test_inject(f->env.client, "sync/ptp-status/lock-state", "ens1f0", "locked", 5);
        r = test_subscribe_v2(f->bridge, LOCK_STATE, endpoint);
        g_assert_cmpuint(r->status, ==, 201);
        g_assert_cmpstr(r->content_type, ==, "application/json");
        id = test_subscription_id(r);
        g_assert_nonnull(id);
        url = g_strconcat(f->bridge->v2, "/subscriptions/", id, NULL);
        /* keys in cloud-event-proxy's order */
        g_autofree char *expected = g_strdup_printf("{\"ResourceAddress\":\"%s\",\"EndpointUri\":\"%s\","
                                                    "\"SubscriptionId\":\"%s\",\"UriLocation\":\"%s\"}",
                                                    LOCK_STATE, endpoint, id, url);
        g_assert_cmpstr(r->body, ==, expected);

        /* the probe carried the current state */
        probe = test_endpoint_pop(f->consumer, TEST_TIMEOUT_USEC);
        g_assert_nonnull(probe);
        g_assert_cmpstr(probe->path, ==, "/event");
        g_assert_cmpstr(probe->content_type, ==, "application/json");
        event = parse(g_bytes_get_data(probe->body, NULL));
        o = json_node_get_object(event);
        g_assert_cmpstr(json_object_get_string_member(o, "specversion"), ==, "1.0");
        g_assert_cmpstr(json_object_get_string_member(o, "source"), ==, "/sync/ptp-status/lock-state");
        g_assert_cmpstr(first_value(event, 0), ==, "LOCKED");
        g_clear_pointer(&event, json_node_unref);

        /* a change is pushed */
        test_inject(f->env.client, "sync/ptp-status/lock-state", "ens1f0", "unlocked", 9);
        push = test_endpoint_pop(f->consumer, TEST_TIMEOUT_USEC);
        g_assert_nonnull(push);
        event = parse(g_bytes_get_data(push->body, NULL));
        o = json_node_get_object(event);
        g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, "event.sync.ptp-status.ptp-state-change");
        g_assert_cmpstr(first_value(event, 0), !=, "LOCKED");

        got = test_http("GET", url, NULL);
        g_assert_cmpuint(got->status, ==, 200);
        g_assert_cmpstr(got->body, ==, expected);
        gone = test_http("DELETE", url, NULL);
        g_assert_cmpuint(gone->status, ==, 204);
        g_assert_cmpuint(gone->length, ==, 0);
        g_clear_pointer(&got, test_response_free);
        got = test_http("GET", url, NULL);
        g_assert_cmpuint(got->status, ==, 404);
        g_assert_cmpuint(got->length, ==, 0);
        g_assert_true(test_bus_wait_for(f->env.client, only_the_state_subscription, f->env.client, TEST_TIMEOUT_USEC));
}

/*
 * A consumer answering as Go's net/http does (204, no Content-Length, the
 * connection kept): the probe and the pushes after it share one connection,
 * rather than one connection per event.
 */
static void test_keeps_connections(Fixture *f, gconstpointer data) {
        const char *script = g_getenv("PTPSYNC_KEEPALIVE_CONSUMER");
        g_autofree char *python = g_find_program_in_path("python3"), *port = NULL, *endpoint = NULL;
        g_autoptr(TestResponse) r = NULL;
        TestProcess *consumer;
        guint from = 0;

        (void) data;
        g_assert_nonnull(python); /* meson's own interpreter */
        g_assert_nonnull(script);
        port = g_strdup_printf("%u", test_free_port());
        consumer = test_process_spawn((const char *const[]) { python, script, port, NULL });
        g_assert_nonnull(test_process_wait_line(consumer, "listening", &from, TEST_TIMEOUT_USEC));
        endpoint = g_strdup_printf("http://127.0.0.1:%s/event", port);

        test_inject(f->env.client, "sync/ptp-status/lock-state", "ens1f0", "locked", 5);
        r = test_subscribe_v2(f->bridge, LOCK_STATE, endpoint);
        g_assert_cmpuint(r->status, ==, 201);
        for (unsigned i = 0; i < 3; i++)
                test_inject(f->env.client, "sync/ptp-status/lock-state", "ens1f0", i % 2 ? "locked" : "unlocked", 5);
        /* the probe, then three pushes, each on the first connection */
        for (unsigned i = 0; i < 4; i++)
                g_assert_cmpstr(test_process_wait_line(consumer, "POST /event ", &from, TEST_TIMEOUT_USEC), ==,
                                "POST /event connection=1");
        test_process_free(consumer);
}

#define MANY 300U

/* How many subscriptions GET /subscriptions lists (v2 says null for none, as Go does). */
static guint listed(Fixture *f) {
        g_autofree char *url = g_strconcat(f->bridge->v2, "/subscriptions", NULL);
        g_autoptr(TestResponse) r = test_http("GET", url, NULL);
        g_autoptr(JsonNode) list = NULL;

        g_assert_cmpuint(r->status, ==, 200);
        list = parse(r->body);
        return JSON_NODE_HOLDS_NULL(list) ? 0 : json_array_get_length(json_node_get_array(list));
}

/* Pops n POSTs; each path must come once: returns how many distinct ones came. */
static guint pop_distinct(Fixture *f, guint n) {
        g_autoptr(GHashTable) paths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

        for (guint i = 0; i < n; i++) {
                g_autoptr(TestPost) p = test_endpoint_pop(f->consumer, TEST_TIMEOUT_USEC);

                if (!p)
                        g_error("%u of %u POSTs came", i, n);
                if (g_hash_table_contains(paths, p->path))
                        g_error("%s came twice (POST %u of %u): %.*s", p->path, i + 1, n,
                                (int) g_bytes_get_size(p->body), (const char *) g_bytes_get_data(p->body, NULL));
                g_hash_table_add(paths, g_strdup(p->path));
        }
        return g_hash_table_size(paths);
}

/*
 * MANY subscriptions (one consumer, a path each): at a restart the bridge re-attaches them all at
 * once, an event reaches each, and DELETE /subscriptions cancels them all at once: none refused by
 * the bus's limit of 128 calls awaiting replies.
 */
static void test_many_restart_delete_all(Fixture *f, gconstpointer data) {
        g_autofree char *all = g_strconcat(f->bridge->v2, "/subscriptions", NULL);
        g_autoptr(TestResponse) gone = NULL;

        test_inject(f->env.client, "sync/ptp-status/lock-state", "ens1f0", "locked", 5);
        for (unsigned i = 0; i < MANY; i++) {
                g_autofree char *path = g_strdup_printf("event-%u", i);
                g_autofree char *endpoint = test_endpoint_uri(f->consumer, path);
                g_autoptr(TestResponse) r = test_subscribe_v2(f->bridge, LOCK_STATE, endpoint);

                g_assert_cmpuint(r->status, ==, 201);
        }
        g_assert_cmpuint(pop_distinct(f, MANY), ==, MANY); /* the probes */
        g_assert_cmpuint(test_manager_get_u(f->env.client, "SubscriptionCount"), ==, MANY + 1);

        test_bridge_kill(f->bridge);
        {
                TestBridge *old = f->bridge;

                f->bridge = test_bridge_restart(f->env.bus, old);
                test_bridge_free(old);
        }
        g_assert_cmpuint(listed(f), ==, MANY);

        /* Each re-attached one hears the change, once. */
        test_inject(f->env.client, "sync/ptp-status/lock-state", "ens1f0", "unlocked", 9);
        g_assert_cmpuint(pop_distinct(f, MANY), ==, MANY);
        g_assert_cmpuint(listed(f), ==, MANY);

        gone = test_http("DELETE", all, NULL);
        g_assert_cmpuint(gone->status, ==, 204);
        g_assert_cmpuint(listed(f), ==, 0);
        g_assert_true(test_bus_wait_for(f->env.client, only_the_state_subscription, f->env.client, TEST_TIMEOUT_USEC));
}

int main(int argc, char *argv[]) {
        test_http_reexec(argv);
        g_test_init(&argc, &argv, NULL);
        g_test_add("/bridge/subscribe-probe-push", Fixture, NULL, setup, test_subscribe_probe_push, teardown);
        g_test_add("/bridge/keeps-connections", Fixture, NULL, setup, test_keeps_connections, teardown);
        /* 256 POSTs at once to one consumer may take more than the default 2 s (under ASan, say): then
         * they are retried, and come twice. */
        g_test_add("/bridge/many-restart-delete-all", Fixture, "[Endpoints]\nPostTimeoutSec=60\n", setup_many,
                   test_many_restart_delete_all, teardown);
        return g_test_run();
}
