/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-http's wire, byte for byte where cloud-event-proxy's is fixed
 * (rest-api's v2/routes.go, the 4.16 v1 sidecar, sdk-go's writers): every
 * route of v2 and v1 with its status codes and bodies, the JSON keys in their
 * casing and order, the probe, CurrentState, the pushes, UriLocation, a stop
 * while a POST waits; and ptpsync-http(8) where the bridge differs on
 * purpose. The real daemon (simulated source), the real bridge with both
 * APIs, a real HTTP consumer.
 */
#include <json-glib/json-glib.h>
#include <string.h>

#include "http-harness.h"

#define NODE           "/cluster/node/" TEST_NODE_NAME
#define LOCK_STATE     NODE "/sync/ptp-status/lock-state"
#define CLOCK_CLASS    NODE "/sync/ptp-status/clock-class"
#define CLOCK_CLASS_V1 NODE "/sync/ptp-status/ptp-clock-class-change"
#define OS_CLOCK       NODE "/sync/sync-status/os-clock-sync-state"
#define SYNC_STATE     NODE "/sync/sync-status/sync-state"
#define GNSS           NODE "/sync/gnss-status/gnss-sync-status"
#define OTHER_NODE     "/cluster/node/other.example.com/sync/ptp-status/lock-state"
#define UNKNOWN_KIND   NODE "/sync/ptp-status/no-such-state"

#define SUBSCRIPTION_KEYS_V2 "ResourceAddress,EndpointUri,SubscriptionId,UriLocation"
#define SUBSCRIPTION_KEYS_V1 "id,endpointUri,uriLocation,resource"
#define VALUE_KEYS           "ResourceAddress,data_type,value_type,value"
#define GO_404               "404 page not found\n"
#define TEXT_PLAIN           "text/plain; charset=utf-8"


/* What a test sets up its bridge with. */
typedef struct Params {
        const char *config; /* ptpsync-http.conf text, NULL: none */
        const char *host;   /* the host expected in UriLocation, NULL: the listening address */
} Params;

typedef TestBridgeStack Fixture;

static void setup(Fixture *f, gconstpointer data) {
        const Params *p = data;

        test_bridge_stack_start(f, NULL, NULL, p ? p->config : NULL);
}

static void teardown(Fixture *f, gconstpointer data) {
        test_bridge_stack_stop(f);
}

/* ---- requests ---- */

static TestResponse *call(const char *method, const char *base, const char *path, const char *body) {
        g_autofree char *url = g_strconcat(base, path, NULL);

        return test_http(method, url, body);
}

static char *body_v2(const char *resource, const char *endpoint) {
        return g_strdup_printf("{\"ResourceAddress\":\"%s\",\"EndpointUri\":\"%s\"}", resource, endpoint);
}

/* endpoint NULL: none, a pull-only v1 subscription. */
static char *body_v1(const char *resource, const char *endpoint) {
        if (!endpoint)
                return g_strdup_printf("{\"resource\":\"%s\"}", resource);
        return g_strdup_printf("{\"resource\":\"%s\",\"endpointUri\":\"%s\"}", resource, endpoint);
}

static TestResponse *subscribe(const char *base, const char *body) {
        return call("POST", base, "/subscriptions", body);
}

static TestResponse *current_state(const char *base, const char *address) {
        g_autofree char *path = g_strconcat(address, "/CurrentState", NULL);

        return call("GET", base, path, NULL);
}

static bool is_v1(const char *base) {
        return g_str_has_suffix(base, "/v1");
}

/* CurrentState once the bridge has the resource's data: 200, or the test fails at the deadline. */
static TestResponse *wait_current_state(const char *base, const char *address) {
        gint64 deadline = g_get_monotonic_time() + (gint64) TEST_TIMEOUT_USEC;

        for (;;) {
                TestResponse *r = current_state(base, address);

                if (r->status == 200)
                        return r;
                /* no data yet */
                g_assert_cmpuint(r->status, ==, is_v1(base) ? 400 : 404);
                test_response_free(r);
                g_assert_cmpint(g_get_monotonic_time(), <, deadline);
                g_usleep(TEST_POLL_USEC);
        }
}

/* The next POST the consumer got; fails at the deadline. */
static TestPost *pop(Fixture *f) {
        TestPost *p = test_endpoint_pop(f->consumer, TEST_TIMEOUT_USEC);

        g_assert_nonnull(p);
        return p;
}

/* The probe of a new subscription, whatever it holds. */
static void skip_probe(Fixture *f) {
        test_post_free(pop(f));
}

/* Only the bridge's own state subscription is left in the daemon. */
static bool only_the_state_subscription(void *bus) {
        return test_manager_get_u(bus, "SubscriptionCount") == 1;
}

/* ---- what answers look like ---- */

/* v2's errors: a status, no body, no Content-Type. */
static void assert_bodiless(const TestResponse *r, unsigned status) {
        g_assert_cmpuint(r->status, ==, status);
        g_assert_cmpuint(r->length, ==, 0);
        g_assert_null(r->content_type);
}

/* A path nobody serves: Go's default 404. */
static void assert_go_404(const TestResponse *r) {
        g_assert_cmpuint(r->status, ==, 404);
        g_assert_cmpstr(r->body, ==, GO_404);
        g_assert_cmpstr(r->content_type, ==, TEXT_PLAIN);
}

static void assert_json(const TestResponse *r, unsigned status, const char *body) {
        g_assert_cmpuint(r->status, ==, status);
        g_assert_cmpstr(r->content_type, ==, "application/json");
        if (body)
                g_assert_cmpstr(r->body, ==, body);
}

static JsonNode *parse(const char *text, size_t length) {
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autoptr(GError) error = NULL;

        json_parser_load_from_data(parser, text, (gssize) length, &error);
        g_assert_no_error(error);
        g_assert_nonnull(json_parser_get_root(parser));
        return json_node_ref(json_parser_get_root(parser));
}

static JsonNode *parse_response(const TestResponse *r) {
        return parse(r->body, r->length);
}

static JsonNode *parse_post(const TestPost *p) {
        gsize n;
        const char *data = g_bytes_get_data(p->body, &n);

        return parse(data, n);
}

/* {"error":"..."}: exactly that key, a message; if message is set, that one. */
static void assert_json_error(const TestResponse *r, unsigned status, const char *message) {
        g_autoptr(JsonNode) root = NULL;
        JsonObject *o;

        assert_json(r, status, NULL);
        root = parse_response(r);
        g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
        o = json_node_get_object(root);
        g_assert_cmpuint(json_object_get_size(o), ==, 1);
        g_assert_nonnull(json_object_get_string_member_with_default(o, "error", NULL));
        g_assert_cmpstr(json_object_get_string_member(o, "error"), !=, "");
        if (message)
                g_assert_cmpstr(json_object_get_string_member(o, "error"), ==, message);
}

/* The keys of o, in the order of the text, comma-separated. */
static void assert_keys(JsonObject *o, const char *expected) {
        g_autoptr(GList) members = json_object_get_members(o);
        g_autoptr(GString) keys = g_string_new(NULL);

        for (GList *l = members; l; l = l->next)
                g_string_append_printf(keys, "%s%s", keys->len ? "," : "", (const char *) l->data);
        g_assert_cmpstr(keys->str, ==, expected);
}

/* A member that is a JSON string (never a number), and its text. */
static const char *string_member(JsonObject *o, const char *key) {
        JsonNode *node = json_object_get_member(o, key);

        g_assert_nonnull(node);
        g_assert_true(JSON_NODE_HOLDS_VALUE(node));
        g_assert_cmpuint(json_node_get_value_type(node), ==, G_TYPE_STRING);
        return json_node_get_string(node);
}

static void assert_uuid(const char *s) {
        g_assert_true(g_uuid_string_is_valid(s));
}

/* RFC 3339 in UTC with nine fractional digits, as the bridge writes it (Go cuts trailing zeros: the same instant). */
static void assert_time(const char *s) {
        g_assert_true(g_regex_match_simple("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z$", s, 0,
                                           0));
}

static char *uri_location(const char *base, const char *id) {
        return g_strconcat(base, "/subscriptions/", id, NULL);
}

/* The 201 body of a v2 subscription, cloud-event-proxy's keys in its order, compact. */
static char *expected_v2(const char *base, const char *resource, const char *endpoint, const char *id) {
        g_autofree char *location = uri_location(base, id);

        return g_strdup_printf("{\"ResourceAddress\":\"%s\",\"EndpointUri\":\"%s\",\"SubscriptionId\":\"%s\","
                               "\"UriLocation\":\"%s\"}", resource, endpoint, id, location);
}

/* The same in v1's keys (encoding/json: every key, a missing endpoint null). */
static char *expected_v1(const char *base, const char *resource, const char *endpoint, const char *id) {
        g_autofree char *location = uri_location(base, id);
        g_autofree char *ep = endpoint ? g_strdup_printf("\"%s\"", endpoint) : g_strdup("null");

        return g_strdup_printf("{\"id\":\"%s\",\"endpointUri\":%s,\"uriLocation\":\"%s\",\"resource\":\"%s\"}", id, ep,
                               location, resource);
}

/* values[i] of an event's data: the four keys in order, each a string. */
static void assert_value(JsonArray *values, unsigned i, const char *address, const char *data_type,
                         const char *value_type, const char *value) {
        JsonObject *v;

        g_assert_cmpuint(json_array_get_length(values), >, i);
        v = json_array_get_object_element(values, i);
        assert_keys(v, VALUE_KEYS);
        g_assert_cmpstr(string_member(v, "ResourceAddress"), ==, address);
        g_assert_cmpstr(string_member(v, "data_type"), ==, data_type);
        g_assert_cmpstr(string_member(v, "value_type"), ==, value_type);
        g_assert_cmpstr(string_member(v, "value"), ==, value);
}

/* data {version, values}: the values. */
static JsonArray *event_values(JsonObject *event, const char *version) {
        JsonObject *data = json_object_get_object_member(event, "data");

        assert_keys(data, "version,values");
        g_assert_cmpstr(string_member(data, "version"), ==, version);
        return json_object_get_array_member(data, "values");
}

/* A v2 CloudEvent: CloudEvents 1.0 structured JSON, no datacontenttype, the short source. */
static JsonArray *assert_v2_event(JsonNode *root, const char *source, const char *type) {
        JsonObject *o = json_node_get_object(root);

        assert_keys(o, "specversion,id,source,type,time,data");
        g_assert_cmpstr(string_member(o, "specversion"), ==, "1.0");
        assert_uuid(string_member(o, "id"));
        g_assert_cmpstr(string_member(o, "source"), ==, source);
        g_assert_cmpstr(string_member(o, "type"), ==, type);
        assert_time(string_member(o, "time"));
        return event_values(o, "1.0");
}

/* What a v1 consumer is pushed: the SDK's event, its id the subscription's, the full source. */
static JsonArray *assert_v1_push(JsonNode *root, const char *id, const char *source, const char *type) {
        JsonObject *o = json_node_get_object(root);

        assert_keys(o, "id,type,source,dataContentType,time,data");
        g_assert_cmpstr(string_member(o, "id"), ==, id);
        g_assert_cmpstr(string_member(o, "type"), ==, type);
        g_assert_cmpstr(string_member(o, "source"), ==, source);
        g_assert_cmpstr(string_member(o, "dataContentType"), ==, "application/json");
        assert_time(string_member(o, "time"));
        return event_values(o, "v1");
}

/* v1's CurrentState: a CloudEvent 0.3, the short source and the full address as subject. */
static JsonArray *assert_v1_current_state(JsonNode *root, const char *address, const char *type) {
        JsonObject *o = json_node_get_object(root);

        assert_keys(o, "specversion,id,source,type,subject,datacontenttype,time,data");
        g_assert_cmpstr(string_member(o, "specversion"), ==, "0.3");
        assert_uuid(string_member(o, "id"));
        g_assert_cmpstr(string_member(o, "source"), ==, address + strlen(NODE));
        g_assert_cmpstr(string_member(o, "type"), ==, type);
        g_assert_cmpstr(string_member(o, "subject"), ==, address);
        g_assert_cmpstr(string_member(o, "datacontenttype"), ==, "application/json");
        assert_time(string_member(o, "time"));
        return event_values(o, "v1");
}

/* A 201 of a v2 POST: its id, after checking the body byte for byte. */
static char *assert_created_v2(const TestResponse *r, const char *base, const char *resource, const char *endpoint) {
        g_autofree char *id = test_subscription_id(r);
        g_autofree char *expected = NULL;

        g_assert_cmpuint(r->status, ==, 201);
        g_assert_nonnull(id);
        assert_uuid(id);
        expected = expected_v2(base, resource, endpoint, id);
        assert_json(r, 201, expected);
        return g_steal_pointer(&id);
}

static char *assert_created_v1(const TestResponse *r, const char *base, const char *resource, const char *endpoint) {
        g_autofree char *id = test_subscription_id(r);
        g_autofree char *expected = NULL;

        g_assert_cmpuint(r->status, ==, 201);
        g_assert_nonnull(id);
        assert_uuid(id);
        expected = expected_v1(base, resource, endpoint, id);
        assert_json(r, 201, expected);
        return g_steal_pointer(&id);
}

/* ---- the routes, with no subscription ---- */

/* What every API answers the same way: /health, Go's 404s, 405s. */
static void check_common_routes(const char *base) {
        static const char *const not_served[] = {
                /* no StrictSlash: a trailing slash is another path */
                "/subscriptions/", "/health/", "/publishers/", LOCK_STATE "/CurrentState/",
                "/CurrentState", "/nonsense", "", "/",
                /* cloud-event-proxy's internal routes are not served (ptpsync-http(8)) */
                "/subscriptions/status/x", "/create/event", "/dummy", "/log",
        };
        static const char *const wrong_method[][2] = {
                { "PUT", "/subscriptions" }, { "PATCH", "/subscriptions" }, { "POST", "/subscriptions/x" },
                { "PUT", "/subscriptions/x" }, { "POST", "/health" }, { "DELETE", "/health" },
                { "POST", "/publishers" }, { "DELETE", "/publishers" }, { "DELETE", "/publishers/x" },
                { "POST", LOCK_STATE "/CurrentState" }, { "DELETE", LOCK_STATE "/CurrentState" },
        };
        g_autoptr(TestResponse) health = call("GET", base, "/health", NULL);

        g_assert_cmpuint(health->status, ==, 200);
        g_assert_cmpstr(health->body, ==, "OK");
        g_assert_cmpstr(health->content_type, ==, TEXT_PLAIN);
        for (size_t i = 0; i < G_N_ELEMENTS(not_served); i++) {
                g_autoptr(TestResponse) r = call("GET", base, not_served[i], NULL);

                g_test_message("GET %s", not_served[i]);
                assert_go_404(r);
        }
        for (size_t i = 0; i < G_N_ELEMENTS(wrong_method); i++) {
                g_autoptr(TestResponse) r = call(wrong_method[i][0], base, wrong_method[i][1], NULL);

                g_test_message("%s %s", wrong_method[i][0], wrong_method[i][1]);
                assert_bodiless(r, 405);
        }
}

static void test_routes_v2(Fixture *f, gconstpointer data) {
        g_autoptr(TestResponse) list = call("GET", f->bridge->v2, "/subscriptions", NULL);
        g_autoptr(TestResponse) get = call("GET", f->bridge->v2, "/subscriptions/no-such-id", NULL);
        g_autoptr(TestResponse) del = call("DELETE", f->bridge->v2, "/subscriptions/no-such-id", NULL);
        g_autoptr(TestResponse) del_all = call("DELETE", f->bridge->v2, "/subscriptions", NULL);
        g_autoptr(TestResponse) empty_address = call("GET", f->bridge->v2, "//CurrentState", NULL);
        g_autoptr(TestResponse) metrics = test_http("GET", f->bridge->metrics, NULL);
        g_autoptr(TestResponse) old_spelling = NULL;
        g_autofree char *old = g_strdup_printf("http://127.0.0.1:%u/api/cloudNotifications/v2", f->bridge->v2_port);

        check_common_routes(f->bridge->v2);
        /* none: Go's nil slice */
        assert_json(list, 200, "null");
        /* the O-RAN errors: bodiless */
        assert_bodiless(get, 404);
        assert_bodiless(del, 404);
        assert_bodiless(del_all, 204);
        /* an empty address: one of v2's two errors with a body (ptpsync-http(8)) */
        assert_json_error(empty_address, 400, NULL);
        /* beside the API, on its port */
        g_assert_cmpuint(metrics->status, ==, 200);
        /* the path's spelling before 2023 is not aliased */
        old_spelling = call("GET", old, "/health", NULL);
        assert_go_404(old_spelling);
}

static void test_routes_v1(Fixture *f, gconstpointer data) {
        g_autoptr(TestResponse) list = call("GET", f->bridge->v1, "/subscriptions", NULL);
        g_autoptr(TestResponse) get = call("GET", f->bridge->v1, "/subscriptions/no-such-id", NULL);
        g_autoptr(TestResponse) del = call("DELETE", f->bridge->v1, "/subscriptions/no-such-id", NULL);
        g_autoptr(TestResponse) del_all = call("DELETE", f->bridge->v1, "/subscriptions", NULL);
        g_autoptr(TestResponse) empty_address = call("GET", f->bridge->v1, "//CurrentState", NULL);
        g_autoptr(TestResponse) metrics = NULL;
        g_autofree char *v1_metrics = g_strdup_printf("http://127.0.0.1:%u/metrics", f->bridge->v1_port);

        check_common_routes(f->bridge->v1);
        assert_json(list, 200, "[]");
        assert_json_error(get, 400, "subscription not found");
        /* v1 deletes what is not there with success */
        assert_json(del, 200, "{\"status\":\"OK\"}");
        assert_json(del_all, 200, "{\"status\":\"deleted all subscriptions\"}");
        assert_json_error(empty_address, 400, NULL);
        /* /metrics is on the v2 port only */
        metrics = test_http("GET", v1_metrics, NULL);
        assert_go_404(metrics);
}

/* ---- publishers ---- */

static const char *const publishers_v2[] = {
        SYNC_STATE, OS_CLOCK, LOCK_STATE, CLOCK_CLASS, GNSS,
        NODE "/sync/synce-status/lock-state", NODE "/sync/synce-status/clock-quality", NULL,
};
static const char *const publishers_v1[] = {
        SYNC_STATE, OS_CLOCK, LOCK_STATE, CLOCK_CLASS_V1, GNSS,
        NODE "/sync/synce-status/lock-state", NODE "/sync/synce-status/clock-quality", NULL,
};

/* One publisher, as GET /publishers/{id} writes it: compact, the keys of the API. */
static char *expected_publisher(const char *advertised, bool v1, const char *id, const char *resource) {
        if (v1)
                return g_strdup_printf("{\"id\":\"%s\",\"endpointUri\":\"%s/dummy\","
                                       "\"uriLocation\":\"%s/publishers/%s\",\"resource\":\"%s\"}",
                                       id, advertised, advertised, id, resource);
        return g_strdup_printf("{\"ResourceAddress\":\"%s\",\"EndpointUri\":\"%s/dummy\",\"SubscriptionId\":\"%s\","
                               "\"UriLocation\":\"%s/publishers/%s\"}", resource, advertised, id, advertised, id);
}

/*
 * GET /publishers at base: one per kind, pretty-printed, the API's keys and
 * spelling, URIs on advertised (the base URL UriLocation is to have); then
 * each again by its id. Returns the ids in list order.
 */
static GStrv check_publishers(const char *base, const char *advertised, bool v1) {
        g_autoptr(TestResponse) list = call("GET", base, "/publishers", NULL);
        g_autoptr(TestResponse) unknown = call("GET", base, "/publishers/no-such-id", NULL);
        g_autoptr(GStrvBuilder) ids = g_strv_builder_new();
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(JsonNode) root = NULL;
        JsonArray *pubs;

        assert_json(list, 200, NULL);
        g_assert_true(g_str_has_prefix(list->body, v1 ? "[\n {\n  \"id\"" : "[\n {\n  \"ResourceAddress\""));
        root = parse_response(list);
        pubs = json_node_get_array(root);
        g_assert_cmpuint(json_array_get_length(pubs), ==, g_strv_length((GStrv) publishers_v2));
        for (guint i = 0; i < json_array_get_length(pubs); i++) {
                JsonObject *p = json_array_get_object_element(pubs, i);
                const char *id = string_member(p, v1 ? "id" : "SubscriptionId");
                const char *resource = string_member(p, v1 ? "resource" : "ResourceAddress");
                g_autofree char *path = g_strconcat("/publishers/", id, NULL);
                g_autofree char *expected = expected_publisher(advertised, v1, id, resource);
                g_autoptr(TestResponse) one = call("GET", base, path, NULL);

                assert_keys(p, v1 ? SUBSCRIPTION_KEYS_V1 : SUBSCRIPTION_KEYS_V2);
                assert_uuid(id);
                g_assert_true(g_strv_contains(v1 ? publishers_v1 : publishers_v2, resource));
                g_assert_true(g_hash_table_add(seen, (gpointer) resource));
                assert_json(one, 200, expected);
                g_strv_builder_add(ids, id);
        }
        /* respondWithError: the body, in v2 too */
        assert_json(unknown, 400, "{\"error\":\"publisher not found\"}");
        return g_strv_builder_end(ids);
}

static void test_publishers(Fixture *f, gconstpointer data) {
        g_auto(GStrv) v2 = check_publishers(f->bridge->v2, f->bridge->v2, false);
        g_auto(GStrv) v1 = check_publishers(f->bridge->v1, f->bridge->v1, true);

        /* one resource, one id, whichever API names it */
        g_assert_true(g_strv_equal((const char *const *) v2, (const char *const *) v1));
}

/* ---- subscriptions, v2 ---- */

static void test_subscriptions_v2(Fixture *f, gconstpointer data) {
        g_autofree char *endpoint = test_endpoint_uri(f->consumer, "event");
        g_autofree char *other = test_endpoint_uri(f->consumer, "other");
        g_autofree char *body = body_v2(LOCK_STATE, endpoint), *body_other = body_v2(LOCK_STATE, other);
        g_autofree char *id = NULL, *id_other = NULL, *path = NULL, *expected = NULL;
        g_autoptr(TestResponse) created = NULL, dup = NULL, second = NULL, got = NULL, list = NULL;
        g_autoptr(TestResponse) gone = NULL, again = NULL, all = NULL, after = NULL;
        g_autoptr(TestPost) probe_other = NULL;
        g_autoptr(JsonNode) root = NULL;
        JsonArray *subs;

        created = subscribe(f->bridge->v2, body);
        id = assert_created_v2(created, f->bridge->v2, LOCK_STATE, endpoint);
        skip_probe(f);
        /* the same resource and endpoint again: 409, bodiless, and not probed */
        dup = subscribe(f->bridge->v2, body);
        assert_bodiless(dup, 409);
        /* the same resource for another endpoint is another subscription */
        second = subscribe(f->bridge->v2, body_other);
        id_other = assert_created_v2(second, f->bridge->v2, LOCK_STATE, other);
        probe_other = pop(f);
        g_assert_cmpstr(probe_other->path, ==, "/other");
        g_assert_cmpuint(test_endpoint_received(f->consumer), ==, 2);

        path = g_strconcat("/subscriptions/", id, NULL);
        got = call("GET", f->bridge->v2, path, NULL);
        expected = expected_v2(f->bridge->v2, LOCK_STATE, endpoint, id);
        assert_json(got, 200, expected);

        /* pretty-printed with one space a level, each entry in the 201's keys */
        list = call("GET", f->bridge->v2, "/subscriptions", NULL);
        assert_json(list, 200, NULL);
        g_assert_true(g_str_has_prefix(list->body, "[\n {\n  \"ResourceAddress\""));
        root = parse_response(list);
        subs = json_node_get_array(root);
        g_assert_cmpuint(json_array_get_length(subs), ==, 2);
        for (guint i = 0; i < 2; i++) {
                JsonObject *s = json_array_get_object_element(subs, i);

                assert_keys(s, SUBSCRIPTION_KEYS_V2);
                g_assert_cmpstr(string_member(s, "SubscriptionId"), ==, i == 0 ? id : id_other);
        }

        gone = call("DELETE", f->bridge->v2, path, NULL);
        assert_bodiless(gone, 204);
        again = call("GET", f->bridge->v2, path, NULL);
        assert_bodiless(again, 404);
        all = call("DELETE", f->bridge->v2, "/subscriptions", NULL);
        assert_bodiless(all, 204);
        after = call("GET", f->bridge->v2, "/subscriptions", NULL);
        assert_json(after, 200, "null");
        g_assert_true(test_bus_wait_for(f->env.client, only_the_state_subscription, f->env.client, TEST_TIMEOUT_USEC));
}

/* Bodies and addresses v2 refuses, each bodiless, none probed. */
static void test_refused_v2(Fixture *f, gconstpointer data) {
        g_autofree char *endpoint = test_endpoint_uri(f->consumer, "event");
        struct {
                char *body;
                unsigned status;
        } cases[] = {
                /* not a resource: cloud-event-proxy's plugin finds no events for it */
                { body_v2(UNKNOWN_KIND, endpoint), 404 },
                /* no wildcards, no parent paths */
                { body_v2(NODE "/sync", endpoint), 404 },
                /* v1's spelling of clock class is not v2's */
                { body_v2(CLOCK_CLASS_V1, endpoint), 404 },
                /* another node: ours refuses what would never be delivered (ptpsync-http(8)) */
                { body_v2(OTHER_NODE, endpoint), 404 },
                /* not allowed to POST there ([Endpoints] Allow=) */
                { body_v2(LOCK_STATE, "http://192.0.2.1:9043/event"), 400 },
                { g_strdup_printf("{\"ResourceAddress\":\"%s\"}", LOCK_STATE), 400 },
                { g_strdup_printf("{\"EndpointUri\":\"%s\"}", endpoint), 400 },
                { g_strdup_printf("{\"ResourceAddress\":\"%s\",\"endpointUri\":\"%s\"}", LOCK_STATE, endpoint), 400 },
                { g_strdup("{"), 400 },
                { g_strdup("[]"), 400 },
                { g_strdup(""), 400 },
        };
        g_autoptr(TestResponse) list = NULL;

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(TestResponse) r = subscribe(f->bridge->v2, cases[i].body);

                g_test_message("POST %s", cases[i].body);
                assert_bodiless(r, cases[i].status);
                g_free(cases[i].body);
        }
        g_assert_cmpuint(test_endpoint_received(f->consumer), ==, 0);
        list = call("GET", f->bridge->v2, "/subscriptions", NULL);
        assert_json(list, 200, "null");
}

/* cloud-event-proxy 4.16-4.18: a v2 request in v1 keys is answered in them. */
static void test_v1_keys_in_v2(Fixture *f, gconstpointer data) {
        g_autofree char *endpoint = test_endpoint_uri(f->consumer, "event");
        g_autofree char *v1_body = body_v1(LOCK_STATE, endpoint), *v2_body = body_v2(OS_CLOCK, endpoint);
        g_autofree char *id = NULL, *path = NULL, *expected = NULL;
        g_autoptr(TestResponse) created = NULL, created_v2 = NULL, got = NULL, list = NULL, all = NULL;
        g_autoptr(JsonNode) root = NULL;
        JsonArray *subs;

        created = subscribe(f->bridge->v2, v1_body);
        id = assert_created_v1(created, f->bridge->v2, LOCK_STATE, endpoint);
        skip_probe(f);
        created_v2 = subscribe(f->bridge->v2, v2_body);
        g_free(assert_created_v2(created_v2, f->bridge->v2, OS_CLOCK, endpoint));
        skip_probe(f);

        path = g_strconcat("/subscriptions/", id, NULL);
        got = call("GET", f->bridge->v2, path, NULL);
        expected = expected_v1(f->bridge->v2, LOCK_STATE, endpoint, id);
        assert_json(got, 200, expected);
        /* the list: each in the casing it was made with */
        list = call("GET", f->bridge->v2, "/subscriptions", NULL);
        root = parse_response(list);
        subs = json_node_get_array(root);
        g_assert_cmpuint(json_array_get_length(subs), ==, 2);
        assert_keys(json_array_get_object_element(subs, 0), SUBSCRIPTION_KEYS_V1);
        assert_keys(json_array_get_object_element(subs, 1), SUBSCRIPTION_KEYS_V2);
        all = call("DELETE", f->bridge->v2, "/subscriptions", NULL);
        assert_bodiless(all, 204);
        g_assert_true(test_bus_wait_for(f->env.client, only_the_state_subscription, f->env.client, TEST_TIMEOUT_USEC));
}

/* ---- subscriptions, v1 ---- */

static void test_subscriptions_v1(Fixture *f, gconstpointer data) {
        g_autofree char *endpoint = test_endpoint_uri(f->consumer, "event");
        g_autofree char *other = test_endpoint_uri(f->consumer, "other");
        g_autofree char *body = body_v1(LOCK_STATE, endpoint), *body_other = body_v1(LOCK_STATE, other);
        g_autofree char *pull_body = body_v1(CLOCK_CLASS_V1, NULL);
        g_autofree char *id = NULL, *id_pull = NULL, *path = NULL, *expected = NULL;
        g_autoptr(TestResponse) state = NULL, created = NULL, second = NULL, refused = NULL, pull = NULL, got = NULL;
        g_autoptr(TestResponse) list = NULL, gone = NULL, again = NULL, all = NULL, after = NULL;
        g_autoptr(TestPost) probe = NULL, other_probe = NULL;
        g_autoptr(JsonNode) root = NULL;
        JsonArray *subs;

        /* with data: v1's probe is empty all the same */
        test_inject(f->env.client, "sync/ptp-status/lock-state", "ens1f0", "locked", 5);
        state = wait_current_state(f->bridge->v1, LOCK_STATE);
        created = subscribe(f->bridge->v1, body);
        id = assert_created_v1(created, f->bridge->v1, LOCK_STATE, endpoint);
        probe = pop(f);
        g_assert_cmpstr(probe->path, ==, "/event");
        g_assert_cmpstr(probe->content_type, ==, "application/json");
        g_assert_cmpuint(g_bytes_get_size(probe->body), ==, 0);

        /* one subscription per resource: another endpoint gets the existing one with 201, once it took the
         * probe, and not if it did not */
        second = subscribe(f->bridge->v1, body_other);
        assert_json(second, 201, created->body);
        other_probe = pop(f);
        g_assert_cmpstr(other_probe->path, ==, "/other");
        g_assert_cmpuint(g_bytes_get_size(other_probe->body), ==, 0);
        test_endpoint_set_status(f->consumer, 200);
        refused = subscribe(f->bridge->v1, body_other);
        assert_json_error(refused, 400, NULL);
        skip_probe(f);
        test_endpoint_set_status(f->consumer, 204);
        /* pull only: no endpoint, nothing probed, endpointUri null */
        pull = subscribe(f->bridge->v1, pull_body);
        id_pull = assert_created_v1(pull, f->bridge->v1, CLOCK_CLASS_V1, NULL);
        g_assert_cmpuint(test_endpoint_received(f->consumer), ==, 3);

        path = g_strconcat("/subscriptions/", id, NULL);
        got = call("GET", f->bridge->v1, path, NULL);
        expected = expected_v1(f->bridge->v1, LOCK_STATE, endpoint, id);
        assert_json(got, 200, expected);

        list = call("GET", f->bridge->v1, "/subscriptions", NULL);
        assert_json(list, 200, NULL);
        g_assert_true(g_str_has_prefix(list->body, "[\n {\n  \"id\""));
        root = parse_response(list);
        subs = json_node_get_array(root);
        g_assert_cmpuint(json_array_get_length(subs), ==, 2);
        for (guint i = 0; i < 2; i++) {
                JsonObject *s = json_array_get_object_element(subs, i);

                assert_keys(s, SUBSCRIPTION_KEYS_V1);
                g_assert_cmpstr(string_member(s, "id"), ==, i == 0 ? id : id_pull);
        }
        g_assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(json_array_get_object_element(subs, 1),
                                                                  "endpointUri")));

        gone = call("DELETE", f->bridge->v1, path, NULL);
        assert_json(gone, 200, "{\"status\":\"OK\"}");
        again = call("GET", f->bridge->v1, path, NULL);
        assert_json_error(again, 400, "subscription not found");
        all = call("DELETE", f->bridge->v1, "/subscriptions", NULL);
        assert_json(all, 200, "{\"status\":\"deleted all subscriptions\"}");
        after = call("GET", f->bridge->v1, "/subscriptions", NULL);
        assert_json(after, 200, "[]");
        g_assert_true(test_bus_wait_for(f->env.client, only_the_state_subscription, f->env.client, TEST_TIMEOUT_USEC));
}

/* What v1 refuses: 400 with {"error":...} for all of it, where v2 says 404 for an address. */
static void test_refused_v1(Fixture *f, gconstpointer data) {
        g_autofree char *endpoint = test_endpoint_uri(f->consumer, "event");
        char *cases[] = {
                body_v1(UNKNOWN_KIND, endpoint),
                body_v1(CLOCK_CLASS, endpoint), /* v2's spelling */
                body_v1(OTHER_NODE, endpoint),
                body_v1(LOCK_STATE, "http://192.0.2.1:9043/event"),
                body_v2(LOCK_STATE, endpoint), /* v2 keys */
                g_strdup_printf("{\"endpointUri\":\"%s\"}", endpoint),
                g_strdup("{"),
                g_strdup(""),
        };
        g_autoptr(TestResponse) list = NULL;

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(TestResponse) r = subscribe(f->bridge->v1, cases[i]);

                g_test_message("POST %s", cases[i]);
                assert_json_error(r, 400, NULL);
                g_free(cases[i]);
        }
        g_assert_cmpuint(test_endpoint_received(f->consumer), ==, 0);
        list = call("GET", f->bridge->v1, "/subscriptions", NULL);
        assert_json(list, 200, "[]");
}

/* ---- the two APIs apart ---- */

/* A subscription is its API's: the other neither shows it nor deletes it, one by one or all. */
static void test_apis_apart(Fixture *f, gconstpointer data) {
        g_autofree char *endpoint = test_endpoint_uri(f->consumer, "event");
        g_autofree char *b2 = body_v2(LOCK_STATE, endpoint), *b1 = body_v1(LOCK_STATE, endpoint);
        g_autofree char *id_v2 = NULL, *id_v1 = NULL, *path_v2 = NULL, *path_v1 = NULL;
        g_autoptr(TestResponse) r2 = NULL, r1 = NULL, v1_get = NULL, v2_get = NULL, v1_del = NULL, v2_still = NULL;
        g_autoptr(TestResponse) v2_all = NULL, v1_list = NULL, v1_all = NULL, v2_list = NULL;

        r2 = subscribe(f->bridge->v2, b2);
        id_v2 = assert_created_v2(r2, f->bridge->v2, LOCK_STATE, endpoint);
        skip_probe(f);
        r1 = subscribe(f->bridge->v1, b1);
        id_v1 = assert_created_v1(r1, f->bridge->v1, LOCK_STATE, endpoint);
        skip_probe(f);
        path_v2 = g_strconcat("/subscriptions/", id_v2, NULL);
        path_v1 = g_strconcat("/subscriptions/", id_v1, NULL);

        v1_get = call("GET", f->bridge->v1, path_v2, NULL);
        assert_json_error(v1_get, 400, "subscription not found");
        v2_get = call("GET", f->bridge->v2, path_v1, NULL);
        assert_bodiless(v2_get, 404);
        /* v1's 200 for an id it does not know deletes nothing */
        v1_del = call("DELETE", f->bridge->v1, path_v2, NULL);
        assert_json(v1_del, 200, "{\"status\":\"OK\"}");
        v2_still = call("GET", f->bridge->v2, path_v2, NULL);
        assert_json(v2_still, 200, r2->body);

        v2_all = call("DELETE", f->bridge->v2, "/subscriptions", NULL);
        assert_bodiless(v2_all, 204);
        v1_list = call("GET", f->bridge->v1, "/subscriptions", NULL);
        assert_json(v1_list, 200, NULL);
        g_assert_nonnull(strstr(v1_list->body, id_v1));
        v1_all = call("DELETE", f->bridge->v1, "/subscriptions", NULL);
        assert_json(v1_all, 200, "{\"status\":\"deleted all subscriptions\"}");
        v2_list = call("GET", f->bridge->v2, "/subscriptions", NULL);
        assert_json(v2_list, 200, "null");
        g_assert_true(test_bus_wait_for(f->env.client, only_the_state_subscription, f->env.client, TEST_TIMEOUT_USEC));
}

/* ---- the probe ---- */

static void test_probe(Fixture *f, gconstpointer data) {
        g_autofree char *endpoint = test_endpoint_uri(f->consumer, "event");
        g_autofree char *gnss = body_v2(GNSS, endpoint), *lock = body_v2(LOCK_STATE, endpoint);
        g_autofree char *lock_v1 = body_v1(LOCK_STATE, endpoint);
        g_autofree char *os_clock = body_v2(OS_CLOCK, endpoint), *os_clock_v1 = body_v1(OS_CLOCK, endpoint);
        g_autofree char *class = body_v2(CLOCK_CLASS, endpoint);
        g_autoptr(TestResponse) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, state = NULL, class_state = NULL;
        g_autoptr(TestResponse) refused = NULL, refused_v1 = NULL, all = NULL, all_v1 = NULL;
        g_autoptr(TestPost) empty = NULL, current = NULL, class_probe = NULL, empty_v1 = NULL;
        g_autoptr(JsonNode) event = NULL, state_event = NULL, class_event = NULL;
        JsonArray *values;

        /* v2 without data: an empty probe, never a made-up FREERUN */
        r1 = subscribe(f->bridge->v2, gnss);
        g_free(assert_created_v2(r1, f->bridge->v2, GNSS, endpoint));
        empty = pop(f);
        g_assert_cmpstr(empty->content_type, ==, "application/json");
        g_assert_cmpuint(g_bytes_get_size(empty->body), ==, 0);

        /* v2 with data: the current state as a CloudEvent of its own */
        test_inject(f->env.client, "sync/ptp-status/lock-state", "ens1f0", "locked", 5);
        state = wait_current_state(f->bridge->v2, LOCK_STATE);
        r2 = subscribe(f->bridge->v2, lock);
        g_free(assert_created_v2(r2, f->bridge->v2, LOCK_STATE, endpoint));
        current = pop(f);
        g_assert_cmpstr(current->content_type, ==, "application/json");
        event = parse_post(current);
        values = assert_v2_event(event, "/sync/ptp-status/lock-state", "event.sync.ptp-status.ptp-state-change");
        assert_value(values, 0, NODE "/ens1fx/master", "notification", "enumeration", "LOCKED");
        assert_value(values, 1, NODE "/ens1fx/master", "metric", "decimal64.3", "5");
        state_event = parse_response(state);
        g_assert_cmpstr(json_object_get_string_member(json_node_get_object(event), "id"), !=,
                        json_object_get_string_member(json_node_get_object(state_event), "id"));

        /* the probe is CurrentState's event: clock class's value address ends in /CLOCK_CLASS */
        test_inject(f->env.client, "sync/ptp-status/clock-class", "ens1f0", "6", 0);
        class_state = wait_current_state(f->bridge->v2, CLOCK_CLASS);
        r4 = subscribe(f->bridge->v2, class);
        g_free(assert_created_v2(r4, f->bridge->v2, CLOCK_CLASS, endpoint));
        class_probe = pop(f);
        class_event = parse_post(class_probe);
        values = assert_v2_event(class_event, "/sync/ptp-status/clock-class",
                                 "event.sync.ptp-status.ptp-clock-class-change");
        assert_value(values, 0, NODE "/ens1fx/master/CLOCK_CLASS", "metric", "decimal64.3", "6");

        /* v1: always empty */
        r3 = subscribe(f->bridge->v1, lock_v1);
        g_free(assert_created_v1(r3, f->bridge->v1, LOCK_STATE, endpoint));
        empty_v1 = pop(f);
        g_assert_cmpuint(g_bytes_get_size(empty_v1->body), ==, 0);

        /* exactly 204: a 200 makes the subscription fail, with 400 (v2 bodiless, v1 saying why) */
        test_endpoint_set_status(f->consumer, 200);
        refused = subscribe(f->bridge->v2, os_clock);
        assert_bodiless(refused, 400);
        skip_probe(f);
        refused_v1 = subscribe(f->bridge->v1, os_clock_v1);
        assert_json_error(refused_v1, 400, NULL);
        g_assert_nonnull(strstr(refused_v1->body, "answered 200, not 204"));
        skip_probe(f);
        test_endpoint_set_status(f->consumer, 204);

        /* the refused ones are gone from the daemon too */
        all = call("DELETE", f->bridge->v2, "/subscriptions", NULL);
        assert_bodiless(all, 204);
        all_v1 = call("DELETE", f->bridge->v1, "/subscriptions", NULL);
        assert_json(all_v1, 200, NULL);
        g_assert_true(test_bus_wait_for(f->env.client, only_the_state_subscription, f->env.client, TEST_TIMEOUT_USEC));
}

/* ProbeStatus=2xx: any success will do, anything else still refuses. */
static void test_probe_2xx(Fixture *f, gconstpointer data) {
        g_autofree char *endpoint = test_endpoint_uri(f->consumer, "event");
        g_autofree char *lock = body_v2(LOCK_STATE, endpoint), *lock_v1 = body_v1(LOCK_STATE, endpoint);
        g_autofree char *os_clock = body_v2(OS_CLOCK, endpoint);
        g_autoptr(TestResponse) r1 = NULL, r2 = NULL, refused = NULL, all = NULL, all_v1 = NULL;

        test_endpoint_set_status(f->consumer, 200);
        r1 = subscribe(f->bridge->v2, lock);
        g_free(assert_created_v2(r1, f->bridge->v2, LOCK_STATE, endpoint));
        skip_probe(f);
        test_endpoint_set_status(f->consumer, 202);
        r2 = subscribe(f->bridge->v1, lock_v1);
        g_free(assert_created_v1(r2, f->bridge->v1, LOCK_STATE, endpoint));
        skip_probe(f);
        test_endpoint_set_status(f->consumer, 404);
        refused = subscribe(f->bridge->v2, os_clock);
        assert_bodiless(refused, 400);
        skip_probe(f);
        test_endpoint_set_status(f->consumer, 204);

        all = call("DELETE", f->bridge->v2, "/subscriptions", NULL);
        assert_bodiless(all, 204);
        all_v1 = call("DELETE", f->bridge->v1, "/subscriptions", NULL);
        assert_json(all_v1, 200, NULL);
        g_assert_true(test_bus_wait_for(f->env.client, only_the_state_subscription, f->env.client, TEST_TIMEOUT_USEC));
}

/* ---- CurrentState ---- */

/* Addresses that are not this node's resources: status in every case, before and after data. */
static void check_not_resources(const char *base, const char *const *addresses) {
        for (const char *const *a = addresses; *a; a++) {
                g_autoptr(TestResponse) r = current_state(base, *a);

                g_test_message("GET %s/CurrentState", *a);
                if (is_v1(base))
                        assert_json_error(r, 400, NULL);
                else
                        assert_bodiless(r, 404);
        }
}

static void test_current_state_v2(Fixture *f, gconstpointer data) {
        const char *const not_resources[] = {
                UNKNOWN_KIND, OTHER_NODE, CLOCK_CLASS_V1, "/sync/ptp-status/lock-state", NODE "/sync", NULL,
        };
        g_autoptr(TestResponse) none = current_state(f->bridge->v2, LOCK_STATE);
        g_autoptr(TestResponse) lock = NULL, again = NULL, class = NULL, os_clock = NULL, sync = NULL;
        g_autoptr(JsonNode) event = NULL, event_again = NULL, class_event = NULL, os_clock_event = NULL;
        g_autoptr(JsonNode) sync_event = NULL;
        JsonArray *values;

        /* no data yet: 404, and no subscription needed (ptpsync-http(8)) */
        assert_bodiless(none, 404);
        check_not_resources(f->bridge->v2, not_resources);

        test_inject(f->env.client, "sync/ptp-status/lock-state", "ens1f0", "locked", -3);
        lock = wait_current_state(f->bridge->v2, LOCK_STATE);
        assert_json(lock, 200, NULL);
        event = parse_response(lock);
        values = assert_v2_event(event, "/sync/ptp-status/lock-state", "event.sync.ptp-status.ptp-state-change");
        g_assert_cmpuint(json_array_get_length(values), ==, 2);
        assert_value(values, 0, NODE "/ens1fx/master", "notification", "enumeration", "LOCKED");
        assert_value(values, 1, NODE "/ens1fx/master", "metric", "decimal64.3", "-3");
        /* each answer is an event of its own */
        again = current_state(f->bridge->v2, LOCK_STATE);
        event_again = parse_response(again);
        g_assert_cmpstr(json_object_get_string_member(json_node_get_object(event), "id"), !=,
                        json_object_get_string_member(json_node_get_object(event_again), "id"));

        /* clock class: CurrentState's value address ends in /CLOCK_CLASS, as cloud-event-proxy's */
        test_inject(f->env.client, "sync/ptp-status/clock-class", "ens1f0", "6", 0);
        class = wait_current_state(f->bridge->v2, CLOCK_CLASS);
        class_event = parse_response(class);
        values = assert_v2_event(class_event, "/sync/ptp-status/clock-class",
                                 "event.sync.ptp-status.ptp-clock-class-change");
        g_assert_cmpuint(json_array_get_length(values), ==, 1);
        assert_value(values, 0, NODE "/ens1fx/master/CLOCK_CLASS", "metric", "decimal64.3", "6");
        check_not_resources(f->bridge->v2, not_resources);

        /* the system clock's values are CLOCK_REALTIME's; sync-state's, one, its own address */
        test_inject(f->env.client, "sync/sync-status/os-clock-sync-state", "", "locked", 3);
        os_clock = wait_current_state(f->bridge->v2, OS_CLOCK);
        os_clock_event = parse_response(os_clock);
        values = assert_v2_event(os_clock_event, "/sync/sync-status/os-clock-sync-state",
                                 "event.sync.sync-status.os-clock-sync-state-change");
        g_assert_cmpuint(json_array_get_length(values), ==, 2);
        assert_value(values, 0, NODE "/CLOCK_REALTIME", "notification", "enumeration", "LOCKED");
        assert_value(values, 1, NODE "/CLOCK_REALTIME", "metric", "decimal64.3", "3");
        sync = wait_current_state(f->bridge->v2, SYNC_STATE);
        sync_event = parse_response(sync);
        values = assert_v2_event(sync_event, "/sync/sync-status/sync-state",
                                 "event.sync.sync-status.synchronization-state-change");
        g_assert_cmpuint(json_array_get_length(values), ==, 1);
        assert_value(values, 0, SYNC_STATE, "notification", "enumeration", "LOCKED");
}

static void test_current_state_v1(Fixture *f, gconstpointer data) {
        const char *const not_resources[] = {
                UNKNOWN_KIND, OTHER_NODE, CLOCK_CLASS, "/sync/ptp-status/lock-state", NULL,
        };
        g_autoptr(TestResponse) none = current_state(f->bridge->v1, LOCK_STATE);
        g_autoptr(TestResponse) lock = NULL, class = NULL;
        g_autoptr(JsonNode) event = NULL, class_event = NULL;
        JsonArray *values;

        assert_json_error(none, 400, NULL);
        check_not_resources(f->bridge->v1, not_resources);

        test_inject(f->env.client, "sync/ptp-status/lock-state", "ens1f0", "locked", 5);
        lock = wait_current_state(f->bridge->v1, LOCK_STATE);
        assert_json(lock, 200, NULL);
        event = parse_response(lock);
        values = assert_v1_current_state(event, LOCK_STATE, "event.sync.ptp-status.ptp-state-change");
        assert_value(values, 0, NODE "/ens1fx/master", "notification", "enumeration", "LOCKED");
        assert_value(values, 1, NODE "/ens1fx/master", "metric", "decimal64.3", "5");

        /* v1 names clock class ptp-clock-class-change, and only so */
        test_inject(f->env.client, "sync/ptp-status/clock-class", "ens1f0", "7", 0);
        class = wait_current_state(f->bridge->v1, CLOCK_CLASS_V1);
        class_event = parse_response(class);
        values = assert_v1_current_state(class_event, CLOCK_CLASS_V1, "event.sync.ptp-status.ptp-clock-class-change");
        assert_value(values, 0, NODE "/ens1fx/master/CLOCK_CLASS", "metric", "decimal64.3", "7");
        check_not_resources(f->bridge->v1, not_resources);
}

/* ---- pushes: one resource under v2's and v1's names ---- */

static void test_push_clock_class(Fixture *f, gconstpointer data) {
        g_autofree char *to_v2 = test_endpoint_uri(f->consumer, "v2"), *to_v1 = test_endpoint_uri(f->consumer, "v1");
        g_autofree char *b2 = body_v2(CLOCK_CLASS, to_v2), *b1 = body_v1(CLOCK_CLASS_V1, to_v1);
        g_autofree char *id_v2 = NULL, *id_v1 = NULL;
        g_autoptr(TestResponse) r2 = NULL, r1 = NULL, all = NULL, all_v1 = NULL;
        g_autoptr(TestPost) a = NULL, b = NULL;
        g_autoptr(JsonNode) push_v2 = NULL, push_v1 = NULL;
        TestPost *p2, *p1;
        JsonArray *values;

        r2 = subscribe(f->bridge->v2, b2);
        id_v2 = assert_created_v2(r2, f->bridge->v2, CLOCK_CLASS, to_v2);
        skip_probe(f);
        r1 = subscribe(f->bridge->v1, b1);
        id_v1 = assert_created_v1(r1, f->bridge->v1, CLOCK_CLASS_V1, to_v1);
        skip_probe(f);

        test_inject(f->env.client, "sync/ptp-status/clock-class", "ens1f0", "6", 0);
        a = pop(f);
        b = pop(f);
        p2 = g_str_equal(a->path, "/v2") ? a : b;
        p1 = p2 == a ? b : a;
        g_assert_cmpstr(p2->path, ==, "/v2");
        g_assert_cmpstr(p1->path, ==, "/v1");
        g_assert_cmpstr(p2->content_type, ==, "application/json");
        g_assert_cmpstr(p1->content_type, ==, "application/json");

        /* v2: the short source; pushes have no /CLOCK_CLASS */
        push_v2 = parse_post(p2);
        values = assert_v2_event(push_v2, "/sync/ptp-status/clock-class",
                                 "event.sync.ptp-status.ptp-clock-class-change");
        assert_value(values, 0, NODE "/ens1fx/master", "metric", "decimal64.3", "6");
        /* its id is the event's, not the subscription's as in v1 */
        g_assert_cmpstr(json_object_get_string_member(json_node_get_object(push_v2), "id"), !=, id_v2);
        /* v1: the subscription's id, the full source in v1's spelling */
        push_v1 = parse_post(p1);
        values = assert_v1_push(push_v1, id_v1, CLOCK_CLASS_V1, "event.sync.ptp-status.ptp-clock-class-change");
        assert_value(values, 0, NODE "/ens1fx/master", "metric", "decimal64.3", "6");
        /* one event, under either name */
        g_assert_cmpstr(json_object_get_string_member(json_node_get_object(push_v2), "time"), ==,
                        json_object_get_string_member(json_node_get_object(push_v1), "time"));

        all = call("DELETE", f->bridge->v2, "/subscriptions", NULL);
        assert_bodiless(all, 204);
        all_v1 = call("DELETE", f->bridge->v1, "/subscriptions", NULL);
        assert_json(all_v1, 200, NULL);
        g_assert_true(test_bus_wait_for(f->env.client, only_the_state_subscription, f->env.client, TEST_TIMEOUT_USEC));
}

/*
 * gnss-sync-status with data, as cloud-event-proxy publishes it: the state and the offset at
 * ALIAS/master, the gpsFix metric at ALIAS/master/gpsFix; in CurrentState, the probe and a push.
 */
static void assert_gnss_values(JsonArray *values, const char *state, const char *offset, const char *gps_fix) {
        g_assert_cmpuint(json_array_get_length(values), ==, 3);
        assert_value(values, 0, NODE "/ens2fx/master", "notification", "enumeration", state);
        assert_value(values, 1, NODE "/ens2fx/master", "metric", "decimal64.3", offset);
        assert_value(values, 2, NODE "/ens2fx/master/gpsFix", "metric", "decimal64.3", gps_fix);
}

static void test_gnss_sync_status(Fixture *f, gconstpointer data) {
        g_autofree char *endpoint = test_endpoint_uri(f->consumer, "event");
        g_autofree char *body = body_v2(GNSS, endpoint);
        g_autoptr(TestResponse) state = NULL, r = NULL, all = NULL;
        g_autoptr(TestPost) probe = NULL, push = NULL;
        g_autoptr(JsonNode) state_event = NULL, probe_event = NULL, push_event = NULL;

        test_inject(f->env.client, "sync/gnss-status/gnss-sync-status", "ens2f0", "SYNCHRONIZED,gpsFix=5", 20);
        state = wait_current_state(f->bridge->v2, GNSS);
        assert_json(state, 200, NULL);
        state_event = parse_response(state);
        assert_gnss_values(assert_v2_event(state_event, "/sync/gnss-status/gnss-sync-status",
                                           "event.sync.gnss-status.gnss-state-change"),
                           "SYNCHRONIZED", "20", "5");

        r = subscribe(f->bridge->v2, body);
        g_free(assert_created_v2(r, f->bridge->v2, GNSS, endpoint));
        probe = pop(f);
        probe_event = parse_post(probe);
        assert_gnss_values(assert_v2_event(probe_event, "/sync/gnss-status/gnss-sync-status",
                                           "event.sync.gnss-status.gnss-state-change"),
                           "SYNCHRONIZED", "20", "5");

        test_inject(f->env.client, "sync/gnss-status/gnss-sync-status", "ens2f0", "ACQUIRING-SYNC,gpsFix=2", 900);
        push = pop(f);
        push_event = parse_post(push);
        assert_gnss_values(assert_v2_event(push_event, "/sync/gnss-status/gnss-sync-status",
                                           "event.sync.gnss-status.gnss-state-change"),
                           "ACQUIRING-SYNC", "900", "2");

        all = call("DELETE", f->bridge->v2, "/subscriptions", NULL);
        assert_bodiless(all, 204);
        g_assert_true(test_bus_wait_for(f->env.client, only_the_state_subscription, f->env.client, TEST_TIMEOUT_USEC));
}

/* ---- stopping while a POST waits for its probe ---- */

/* A listener on 127.0.0.1 that takes connections and never answers: a probe to it waits for its deadline. */
static GSocket *silent_listen(unsigned *ret_port) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
        g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
        g_autoptr(GSocketAddress) local = NULL;
        g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                            &error);

        g_assert_no_error(error);
        g_assert_true(g_socket_bind(s, address, TRUE, &error));
        g_assert_true(g_socket_listen(s, &error));
        local = g_socket_get_local_address(s, &error);
        g_assert_no_error(error);
        *ret_port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
        return g_steal_pointer(&s);
}

/* Takes the bridge's connection and reads its request's head: the probe is on its way. */
static GSocket *silent_take_request(GSocket *listener) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GString) head = g_string_new(NULL);
        GSocket *peer;
        char buf[512];

        g_assert_true(g_socket_condition_timed_wait(listener, G_IO_IN, (gint64) TEST_TIMEOUT_USEC, NULL, &error));
        peer = g_socket_accept(listener, NULL, &error);
        g_assert_no_error(error);
        while (!strstr(head->str, "\r\n\r\n")) {
                gssize n;

                g_assert_true(g_socket_condition_timed_wait(peer, G_IO_IN, (gint64) TEST_TIMEOUT_USEC, NULL, &error));
                n = g_socket_receive(peer, buf, sizeof(buf), NULL, &error);
                g_assert_no_error(error);
                g_assert_cmpint(n, >, 0);
                g_string_append_len(head, buf, n);
        }
        g_assert_true(g_str_has_prefix(head->str, "POST /event HTTP/1.1\r\n"));
        return peer;
}

typedef struct PostArgs {
        const char *base, *body;
} PostArgs;

static gpointer post_subscription(gpointer userdata) {
        const PostArgs *a = userdata;

        return subscribe(a->base, a->body);
}

/*
 * POSTs a subscription of LOCK_STATE (v1 or v2) whose endpoint never answers, stops the bridge while the POST
 * waits for the probe, and starts it again. The stop asserts exit status 0: under LeakSanitizer, nothing of
 * the waiting POST is left behind.
 */
static void stop_while_probing(Fixture *f, bool v1) {
        unsigned port;
        g_autoptr(GSocket) listener = silent_listen(&port);
        g_autoptr(GSocket) peer = NULL;
        g_autofree char *endpoint = g_strdup_printf("http://127.0.0.1:%u/event", port);
        g_autofree char *body = v1 ? body_v1(LOCK_STATE, endpoint) : body_v2(LOCK_STATE, endpoint);
        PostArgs args = { v1 ? f->bridge->v1 : f->bridge->v2, body };
        g_autoptr(TestResponse) answer = NULL;
        GThread *poster = g_thread_new("post", post_subscription, &args);
        TestBridge *old = f->bridge;

        peer = silent_take_request(listener);
        test_bridge_stop(old);
        answer = g_thread_join(poster);
        /* 503, or no answer if the connection closed first: never 201 */
        g_assert_true(answer->status == 503 || answer->status == 0);
        f->bridge = test_bridge_restart(f->env.bus, old);
        test_bridge_free(old);
}

static void test_stop_while_probing(Fixture *f, gconstpointer data) {
        g_autoptr(TestResponse) list = NULL;

        stop_while_probing(f, false);
        /* the subscription being made was cancelled in the daemon: the next start does not find it */
        list = call("GET", f->bridge->v2, "/subscriptions", NULL);
        assert_json(list, 200, "null");
        g_assert_true(test_bus_wait_for(f->env.client, only_the_state_subscription, f->env.client, TEST_TIMEOUT_USEC));
}

/* The same with v1's probe of a duplicate: the existing subscription stays, untouched. */
static void test_stop_while_probing_duplicate(Fixture *f, gconstpointer data) {
        g_autofree char *endpoint = test_endpoint_uri(f->consumer, "event");
        g_autofree char *body = body_v1(LOCK_STATE, endpoint);
        g_autofree char *id = NULL, *path = NULL;
        g_autoptr(TestResponse) created = NULL, got = NULL, all = NULL;

        created = subscribe(f->bridge->v1, body);
        id = assert_created_v1(created, f->bridge->v1, LOCK_STATE, endpoint);
        skip_probe(f);
        stop_while_probing(f, true);
        path = g_strconcat("/subscriptions/", id, NULL);
        got = call("GET", f->bridge->v1, path, NULL);
        assert_json(got, 200, created->body);
        all = call("DELETE", f->bridge->v1, "/subscriptions", NULL);
        assert_json(all, 200, NULL);
        g_assert_true(test_bus_wait_for(f->env.client, only_the_state_subscription, f->env.client, TEST_TIMEOUT_USEC));
}

/* ---- UriLocation on AdvertisedHost= ---- */

static void test_uri_location(Fixture *f, gconstpointer data) {
        const Params *p = data;
        g_autofree char *endpoint = test_endpoint_uri(f->consumer, "event");
        g_autofree char *base_v2 = g_strdup_printf("http://%s:%u/api/ocloudNotifications/v2", p->host,
                                                   f->bridge->v2_port);
        g_autofree char *base_v1 = g_strdup_printf("http://%s:%u/api/ocloudNotifications/v1", p->host,
                                                   f->bridge->v1_port);
        g_autofree char *b2 = body_v2(LOCK_STATE, endpoint), *b1 = body_v1(LOCK_STATE, endpoint);
        g_autofree char *id = NULL, *path = NULL, *expected = NULL;
        g_autoptr(TestResponse) r2 = NULL, r1 = NULL, got = NULL, all = NULL, all_v1 = NULL;

        r2 = subscribe(f->bridge->v2, b2);
        id = assert_created_v2(r2, base_v2, LOCK_STATE, endpoint);
        skip_probe(f);
        r1 = subscribe(f->bridge->v1, b1);
        g_free(assert_created_v1(r1, base_v1, LOCK_STATE, endpoint));
        skip_probe(f);
        path = g_strconcat("/subscriptions/", id, NULL);
        got = call("GET", f->bridge->v2, path, NULL);
        expected = expected_v2(base_v2, LOCK_STATE, endpoint, id);
        assert_json(got, 200, expected);
        /* the publishers' URIs too */
        g_strfreev(check_publishers(f->bridge->v2, base_v2, false));
        g_strfreev(check_publishers(f->bridge->v1, base_v1, true));

        all = call("DELETE", f->bridge->v2, "/subscriptions", NULL);
        assert_bodiless(all, 204);
        all_v1 = call("DELETE", f->bridge->v1, "/subscriptions", NULL);
        assert_json(all_v1, 200, NULL);
        g_assert_true(test_bus_wait_for(f->env.client, only_the_state_subscription, f->env.client, TEST_TIMEOUT_USEC));
}

static const Params probe_2xx = { "[Endpoints]\nProbeStatus=2xx\n", NULL };
static const Params advertised_name = { "[Listen]\nAdvertisedHost=du1.example.com\n", "du1.example.com" };
static const Params advertised_ipv6 = { "[Listen]\nAdvertisedHost=fd00::1\n", "[fd00::1]" };

int main(int argc, char *argv[]) {
        test_http_reexec(argv);
        g_test_init(&argc, &argv, NULL);
#define ADD(path, params, fn) g_test_add("/bridge-wire/" path, Fixture, params, setup, fn, teardown)
        ADD("v2/routes", NULL, test_routes_v2);
        ADD("v1/routes", NULL, test_routes_v1);
        ADD("publishers", NULL, test_publishers);
        ADD("v2/subscriptions", NULL, test_subscriptions_v2);
        ADD("v2/refused", NULL, test_refused_v2);
        ADD("v2/v1-keys", NULL, test_v1_keys_in_v2);
        ADD("v1/subscriptions", NULL, test_subscriptions_v1);
        ADD("v1/refused", NULL, test_refused_v1);
        ADD("apis-apart", NULL, test_apis_apart);
        ADD("probe/204", NULL, test_probe);
        ADD("probe/2xx", &probe_2xx, test_probe_2xx);
        ADD("v2/current-state", NULL, test_current_state_v2);
        ADD("v1/current-state", NULL, test_current_state_v1);
        ADD("push/clock-class", NULL, test_push_clock_class);
        ADD("gnss-sync-status", NULL, test_gnss_sync_status);
        ADD("stop-while-probing/new", NULL, test_stop_while_probing);
        ADD("stop-while-probing/v1-duplicate", NULL, test_stop_while_probing_duplicate);
        ADD("uri-location/name", &advertised_name, test_uri_location);
        ADD("uri-location/ipv6", &advertised_ipv6, test_uri_location);
#undef ADD
        return g_test_run();
}
