/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The JSON writers (bridge/oran-json.c), byte for byte, with fixed events.
 * The expected strings are written out by hand from cloud-event-proxy's
 * formats (its pkg/event and v1/v2 REST packages); the publisher ids were computed with
 * Python's uuid.uuid5(), not with the code under test.
 */

#include <glib.h>
#include <string.h>

#include "oran-json.h"
#include "oran-uuid.h"
#include "test-util.h"

#define NODE     "compute-1.example.com"
#define FULL     "/cluster/node/" NODE "/"
#define EVENT_ID "2f0a4a8e-9f52-4c6b-9a63-5d1c8b1e7a10"
#define SUB_ID   "75b1ad8f-c807-4c23-acf5-56f4b7ee3826"
#define TIME_US  INT64_C(1736476917094981)
#define TIME     "2025-01-10T02:41:57.094981000Z"

static const OranValue lock_values[] = {
        { "ens5fx/master", "notification", "enumeration", "LOCKED" },
        { "ens5fx/master", "metric", "decimal64.3", "-3" },
        { "ens7fx/master", "notification", "enumeration", "FREERUN" },
        /* A process down: cloud-event-proxy's offset, kept as the daemon writes it (its v1 wrote "-1e+16"). */
        { "ens7fx/master", "metric", "decimal64.3", "-9999999999999999" },
};

static const OranEvent lock_event = {
        .seq = 7,
        .id = EVENT_ID,
        .type = "event.sync.ptp-status.ptp-state-change",
        .source = FULL "sync/ptp-status/lock-state",
        .time_usec = TIME_US,
        .values = lock_values,
        .n_values = G_N_ELEMENTS(lock_values),
};

static const OranValue class_values[] = {
        { "ens5fx/master", "metric", "decimal64.3", "6" },
};

static const OranEvent class_event = {
        .id = EVENT_ID,
        .type = "event.sync.ptp-status.ptp-clock-class-change",
        .source = FULL "sync/ptp-status/clock-class",
        .time_usec = TIME_US,
        .values = class_values,
        .n_values = 1,
};

static const OranValue sync_values[] = {
        { "sync/sync-status/sync-state", "notification", "enumeration", "HOLDOVER" },
};

static const OranEvent sync_event = {
        .id = EVENT_ID,
        .type = "event.sync.sync-status.synchronization-state-change",
        .source = FULL "sync/sync-status/sync-state",
        .time_usec = TIME_US,
        .values = sync_values,
        .n_values = 1,
};

static const OranValue os_values[] = {
        { "CLOCK_REALTIME", "notification", "enumeration", "LOCKED" },
        { "CLOCK_REALTIME", "metric", "decimal64.3", "12" },
};

static const OranEvent os_event = {
        .id = EVENT_ID,
        .type = "event.sync.sync-status.os-clock-sync-state-change",
        .source = FULL "sync/sync-status/os-clock-sync-state",
        .time_usec = TIME_US,
        .values = os_values,
        .n_values = 2,
};

/* Characters JSON must escape, and UTF-8 it must not touch: é, €, 😀, U+2028. */
static const OranValue odd_values[] = {
        { "ens\xc3\xa9/master", "notification", "enumeration",
          "q\"b\\s/n\nr\rt\tc\x01 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xe2\x80\xa8" },
};

static const OranEvent odd_event = {
        .id = EVENT_ID,
        .type = "event.sync.ptp-status.ptp-state-change",
        .source = "/cluster/node/n\xc3\xb6" "de/sync/ptp-status/lock-state",
        .time_usec = 0,
        .values = odd_values,
        .n_values = 1,
};

#define LOCK_VALUES(version)                                                                                        \
        "\"data\":{\"version\":\"" version "\",\"values\":["                                                         \
        "{\"ResourceAddress\":\"" FULL "ens5fx/master\",\"data_type\":\"notification\","                              \
        "\"value_type\":\"enumeration\",\"value\":\"LOCKED\"},"                                                       \
        "{\"ResourceAddress\":\"" FULL "ens5fx/master\",\"data_type\":\"metric\","                                    \
        "\"value_type\":\"decimal64.3\",\"value\":\"-3\"},"                                                           \
        "{\"ResourceAddress\":\"" FULL "ens7fx/master\",\"data_type\":\"notification\","                              \
        "\"value_type\":\"enumeration\",\"value\":\"FREERUN\"},"                                                      \
        "{\"ResourceAddress\":\"" FULL "ens7fx/master\",\"data_type\":\"metric\","                                    \
        "\"value_type\":\"decimal64.3\",\"value\":\"-9999999999999999\"}]}"

#define CLASS_VALUES(version, suffix)                                                                               \
        "\"data\":{\"version\":\"" version "\",\"values\":["                                                         \
        "{\"ResourceAddress\":\"" FULL "ens5fx/master" suffix "\",\"data_type\":\"metric\","                          \
        "\"value_type\":\"decimal64.3\",\"value\":\"6\"}]}"

typedef struct EventCase {
        const OranEvent *event;
        const char *v2_push, *v2_current, *v1_push, *v1_current;
} EventCase;

static const EventCase event_cases[] = {
        { &lock_event,
          "{\"specversion\":\"1.0\",\"id\":\"" EVENT_ID "\",\"source\":\"/sync/ptp-status/lock-state\","
          "\"type\":\"event.sync.ptp-status.ptp-state-change\",\"time\":\"" TIME "\"," LOCK_VALUES("1.0") "}",
          NULL, /* the same */
          "{\"id\":\"" SUB_ID "\",\"type\":\"event.sync.ptp-status.ptp-state-change\","
          "\"source\":\"" FULL "sync/ptp-status/lock-state\",\"dataContentType\":\"application/json\","
          "\"time\":\"" TIME "\"," LOCK_VALUES("v1") "}",
          "{\"specversion\":\"0.3\",\"id\":\"" EVENT_ID "\",\"source\":\"/sync/ptp-status/lock-state\","
          "\"type\":\"event.sync.ptp-status.ptp-state-change\",\"subject\":\"" FULL "sync/ptp-status/lock-state\","
          "\"datacontenttype\":\"application/json\",\"time\":\"" TIME "\"," LOCK_VALUES("v1") "}" },
        /* Clock class: /CLOCK_CLASS in CurrentState only; v1 spells the resource ptp-clock-class-change. */
        { &class_event,
          "{\"specversion\":\"1.0\",\"id\":\"" EVENT_ID "\",\"source\":\"/sync/ptp-status/clock-class\","
          "\"type\":\"event.sync.ptp-status.ptp-clock-class-change\",\"time\":\"" TIME "\","
          CLASS_VALUES("1.0", "") "}",
          "{\"specversion\":\"1.0\",\"id\":\"" EVENT_ID "\",\"source\":\"/sync/ptp-status/clock-class\","
          "\"type\":\"event.sync.ptp-status.ptp-clock-class-change\",\"time\":\"" TIME "\","
          CLASS_VALUES("1.0", "/CLOCK_CLASS") "}",
          "{\"id\":\"" SUB_ID "\",\"type\":\"event.sync.ptp-status.ptp-clock-class-change\","
          "\"source\":\"" FULL "sync/ptp-status/ptp-clock-class-change\",\"dataContentType\":\"application/json\","
          "\"time\":\"" TIME "\"," CLASS_VALUES("v1", "") "}",
          "{\"specversion\":\"0.3\",\"id\":\"" EVENT_ID "\",\"source\":\"/sync/ptp-status/ptp-clock-class-change\","
          "\"type\":\"event.sync.ptp-status.ptp-clock-class-change\","
          "\"subject\":\"" FULL "sync/ptp-status/ptp-clock-class-change\","
          "\"datacontenttype\":\"application/json\",\"time\":\"" TIME "\"," CLASS_VALUES("v1", "/CLOCK_CLASS") "}" },
        { &sync_event,
          "{\"specversion\":\"1.0\",\"id\":\"" EVENT_ID "\",\"source\":\"/sync/sync-status/sync-state\","
          "\"type\":\"event.sync.sync-status.synchronization-state-change\",\"time\":\"" TIME "\","
          "\"data\":{\"version\":\"1.0\",\"values\":[{\"ResourceAddress\":\"" FULL "sync/sync-status/sync-state\","
          "\"data_type\":\"notification\",\"value_type\":\"enumeration\",\"value\":\"HOLDOVER\"}]}}",
          NULL,
          "{\"id\":\"" SUB_ID "\",\"type\":\"event.sync.sync-status.synchronization-state-change\","
          "\"source\":\"" FULL "sync/sync-status/sync-state\",\"dataContentType\":\"application/json\","
          "\"time\":\"" TIME "\","
          "\"data\":{\"version\":\"v1\",\"values\":[{\"ResourceAddress\":\"" FULL "sync/sync-status/sync-state\","
          "\"data_type\":\"notification\",\"value_type\":\"enumeration\",\"value\":\"HOLDOVER\"}]}}",
          NULL },
        { &os_event,
          "{\"specversion\":\"1.0\",\"id\":\"" EVENT_ID "\",\"source\":\"/sync/sync-status/os-clock-sync-state\","
          "\"type\":\"event.sync.sync-status.os-clock-sync-state-change\",\"time\":\"" TIME "\","
          "\"data\":{\"version\":\"1.0\",\"values\":["
          "{\"ResourceAddress\":\"" FULL "CLOCK_REALTIME\",\"data_type\":\"notification\","
          "\"value_type\":\"enumeration\",\"value\":\"LOCKED\"},"
          "{\"ResourceAddress\":\"" FULL "CLOCK_REALTIME\",\"data_type\":\"metric\","
          "\"value_type\":\"decimal64.3\",\"value\":\"12\"}]}}",
          NULL, NULL, NULL },
        { &odd_event,
          "{\"specversion\":\"1.0\",\"id\":\"" EVENT_ID "\",\"source\":\"/sync/ptp-status/lock-state\","
          "\"type\":\"event.sync.ptp-status.ptp-state-change\",\"time\":\"1970-01-01T00:00:00.000000000Z\","
          "\"data\":{\"version\":\"1.0\",\"values\":["
          "{\"ResourceAddress\":\"/cluster/node/n\xc3\xb6" "de/ens\xc3\xa9/master\",\"data_type\":\"notification\","
          "\"value_type\":\"enumeration\","
          "\"value\":\"q\\\"b\\\\s/n\\nr\\rt\\tc\\u0001 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xe2\x80\xa8\"}]}}",
          NULL, NULL, NULL },
};

static void test_event(const void *data) {
        const EventCase *t = data;
        g_autofree char *v2_push = oran_event_to_json_v2(t->event, false);
        g_autofree char *v2_current = oran_event_to_json_v2(t->event, true);

        g_assert_true(oran_event_check(t->event, NULL));
        g_assert_cmpstr(v2_push, ==, t->v2_push);
        g_assert_cmpstr(v2_current, ==, t->v2_current ? t->v2_current : t->v2_push);
        if (t->v1_push) {
                g_autofree char *v1_push = oran_event_to_json_v1_push(t->event, SUB_ID);

                g_assert_cmpstr(v1_push, ==, t->v1_push);
        }
        if (t->v1_current) {
                g_autofree char *v1_current = oran_event_to_json_v1_current_state(t->event);

                g_assert_cmpstr(v1_current, ==, t->v1_current);
        }
}

/* No values: an empty array, as Go writes an empty slice. */
static void test_event_no_values(void) {
        OranEvent e = lock_event;
        g_autofree char *json = NULL;

        e.values = NULL;
        e.n_values = 0;
        json = oran_event_to_json_v2(&e, false);
        g_assert_cmpstr(json, ==,
                        "{\"specversion\":\"1.0\",\"id\":\"" EVENT_ID "\",\"source\":\"/sync/ptp-status/lock-state\","
                        "\"type\":\"event.sync.ptp-status.ptp-state-change\",\"time\":\"" TIME "\","
                        "\"data\":{\"version\":\"1.0\",\"values\":[]}}");
}

static void test_v1_push_bad_id(void) {
        g_assert_null(oran_event_to_json_v1_push(&lock_event, NULL));
        g_assert_null(oran_event_to_json_v1_push(&lock_event, "\xff"));
}

typedef struct BadEvent {
        const char *id, *type, *source;
        int64_t time_usec;
        bool no_array; /* n_values 2, values NULL */
        OranValue value;
        const char *message;
} BadEvent;

#define SRC  FULL "sync/ptp-status/lock-state"
#define GOOD { "a/b", "metric", "decimal64.3", "1" }

static const BadEvent bad_events[] = {
        { NULL, "t", SRC, TIME_US, false, GOOD, "the event has no id" },
        { "", "t", SRC, TIME_US, false, GOOD, "the event has no id" },
        { EVENT_ID, NULL, SRC, TIME_US, false, GOOD, "the event has no type" },
        { EVENT_ID, "t\xc3", SRC, TIME_US, false, GOOD, "the event's type \"t\\xc3\" is not valid UTF-8" },
        { EVENT_ID, "t", NULL, TIME_US, false, GOOD, "the event has no source" },
        { EVENT_ID, "t", "/cluster/node//sync/ptp-status/lock-state", TIME_US, false, GOOD, "is not /cluster" },
        { EVENT_ID, "t", "/sync/ptp-status/lock-state", TIME_US, false, GOOD,
          "the event's source \"/sync/ptp-status/lock-state\" is not /cluster/node/<node><suffix> of a known kind" },
        { EVENT_ID, "t", FULL "sync/ptp-status/ptp-clock-class-change", TIME_US, false, GOOD, "known kind" },
        { EVENT_ID, "t", FULL "sync/ptp-status/other", TIME_US, false, GOOD, "known kind" },
        { EVENT_ID, "t", SRC, INT64_C(-62135596800000001), false, GOOD, "outside years 1-9999" },
        { EVENT_ID, "t", SRC, INT64_C(253402300800000000), false, GOOD, "outside years 1-9999" },
        { EVENT_ID, "t", SRC, TIME_US, true, GOOD, "the event has 2 values but no array of them" },
        { EVENT_ID, "t", SRC, TIME_US, false, { NULL, "metric", "decimal64.3", "1" },
          "value 0 of the event has no address" },
        { EVENT_ID, "t", SRC, TIME_US, false, { "a", NULL, "decimal64.3", "1" }, "value 0 of the event has no data_type" },
        { EVENT_ID, "t", SRC, TIME_US, false, { "a", "metric", NULL, "1" }, "value 0 of the event has no value_type" },
        { EVENT_ID, "t", SRC, TIME_US, false, { "a", "metric", "decimal64.3", NULL }, "value 0 of the event has no value" },
        { EVENT_ID, "t", SRC, TIME_US, false, { "a", "metric", "decimal64.3", "\xe2\x82" },
          "has a value \"\\xe2\\x82\" that is not" },
        { EVENT_ID, "t", SRC, TIME_US, false, { FULL "a", "metric", "decimal64.3", "1" }, "not one relative to the node" },
        { EVENT_ID, "t", SRC, TIME_US, false, { "", "metric", "decimal64.3", "1" },
          "value 0 of the event has the address \"\"" },
};

static void test_bad_event(const void *data) {
        const BadEvent *t = data;
        OranEvent e = {
                .id = t->id,
                .type = t->type,
                .source = t->source,
                .time_usec = t->time_usec,
                .values = t->no_array ? NULL : &t->value,
                .n_values = t->no_array ? 2 : 1,
        };
        g_autoptr(GError) error = NULL;

        g_assert_false(oran_event_check(&e, &error));
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        if (!strstr(error->message, t->message))
                g_error("\"%s\" does not say \"%s\"", error->message, t->message);
        g_assert_null(oran_event_to_json_v2(&e, false));
        g_assert_null(oran_event_to_json_v2(&e, true));
        g_assert_null(oran_event_to_json_v1_push(&e, SUB_ID));
        g_assert_null(oran_event_to_json_v1_current_state(&e));
}

static void test_bad_event_null(void) {
        g_autoptr(GError) error = NULL;

        g_assert_false(oran_event_check(NULL, &error));
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        g_assert_null(oran_event_to_json_v2(NULL, false));
}

typedef struct TimeCase {
        int64_t usec;
        const char *rfc3339;
} TimeCase;

static const TimeCase time_cases[] = {
        { TIME_US, TIME },
        { 0, "1970-01-01T00:00:00.000000000Z" },
        { 1, "1970-01-01T00:00:00.000001000Z" },
        { -1, "1969-12-31T23:59:59.999999000Z" },
        { INT64_C(-1000000), "1969-12-31T23:59:59.000000000Z" },
        { INT64_C(951782400000000), "2000-02-29T00:00:00.000000000Z" },
        { INT64_C(-62135596800000000), "0001-01-01T00:00:00.000000000Z" },
        { INT64_C(253402300799999999), "9999-12-31T23:59:59.999999000Z" },
        { INT64_C(-62135596800000001), NULL },
        { INT64_C(253402300800000000), NULL },
        { INT64_MIN, NULL },
        { INT64_MAX, NULL },
};

static void test_time(const void *data) {
        const TimeCase *t = data;
        g_autofree char *s = oran_time_to_rfc3339(t->usec);

        g_assert_cmpstr(s, ==, t->rfc3339);
}

/* ---- subscriptions ---------------------------------------------------------------------------- */

#define RES   "/cluster/node/" NODE "/sync/ptp-status/lock-state"
#define EP    "http://localhost:9089/event"
#define LOC2  "http://localhost:9043/api/ocloudNotifications/v2/subscriptions/" SUB_ID
#define LOC1  "http://localhost:8089/api/ocloudNotifications/v1/subscriptions/" SUB_ID

typedef struct SubscriptionCase {
        OranSubscription s;
        const char *json;
} SubscriptionCase;

static const SubscriptionCase subscription_cases[] = {
        { { SUB_ID, RES, EP, LOC2, false },
          "{\"ResourceAddress\":\"" RES "\",\"EndpointUri\":\"" EP "\",\"SubscriptionId\":\"" SUB_ID "\","
          "\"UriLocation\":\"" LOC2 "\"}" },
        /* v2: empty ones left out. */
        { { NULL, RES, EP, NULL, false }, "{\"ResourceAddress\":\"" RES "\",\"EndpointUri\":\"" EP "\"}" },
        { { "", RES, "", "", false }, "{\"ResourceAddress\":\"" RES "\"}" },
        /* v1 keys: all four, null for none. */
        { { SUB_ID, RES, EP, LOC1, true },
          "{\"id\":\"" SUB_ID "\",\"endpointUri\":\"" EP "\",\"uriLocation\":\"" LOC1 "\",\"resource\":\"" RES "\"}" },
        { { SUB_ID, RES, NULL, LOC1, true },
          "{\"id\":\"" SUB_ID "\",\"endpointUri\":null,\"uriLocation\":\"" LOC1 "\",\"resource\":\"" RES "\"}" },
        { { NULL, RES, NULL, NULL, true },
          "{\"id\":null,\"endpointUri\":null,\"uriLocation\":null,\"resource\":\"" RES "\"}" },
        /* Escaped as JSON needs, UTF-8 as it is. */
        { { SUB_ID, "/cluster/node/n\xc3\xb6" "de/\"x\"\\", "http://h/?a=1&b=<2>", NULL, false },
          "{\"ResourceAddress\":\"/cluster/node/n\xc3\xb6" "de/\\\"x\\\"\\\\\",\"EndpointUri\":\"http://h/?a=1&b=<2>\","
          "\"SubscriptionId\":\"" SUB_ID "\"}" },
        /* Not written. */
        { { SUB_ID, NULL, EP, LOC2, false }, NULL },
        { { SUB_ID, RES, "http://h/\xff", LOC2, false }, NULL },
        { { "\xc3", RES, EP, LOC2, true }, NULL },
};

static void test_subscription(const void *data) {
        const SubscriptionCase *t = data;
        g_autofree char *json = oran_subscription_to_json(&t->s);

        g_assert_cmpstr(json, ==, t->json);
}

static OranSubscription *subscription_new(const char *id, const char *resource, const char *endpoint,
                                          const char *uri_location, bool v1_keys) {
        OranSubscription *s = g_new0(OranSubscription, 1);

        *s = (OranSubscription) { g_strdup(id), g_strdup(resource), g_strdup(endpoint), g_strdup(uri_location),
                                  v1_keys };
        return s;
}

static void test_subscription_free(void) {
        g_autoptr(OranSubscription) s = subscription_new(SUB_ID, RES, EP, LOC2, false);

        oran_subscription_free(NULL);
        g_assert_nonnull(s); /* freed by g_autoptr; a leak shows under ASan and valgrind */
}

static void test_list_empty(void) {
        g_autofree char *v2 = oran_subscription_list_to_json(NULL, 0, ORAN_API_V2);
        g_autofree char *v1 = oran_subscription_list_to_json(NULL, 0, ORAN_API_V1);

        g_assert_cmpstr(v2, ==, "null");
        g_assert_cmpstr(v1, ==, "[]");
}

static void test_list(void) {
        g_autoptr(OranSubscription) a = subscription_new(SUB_ID, RES, EP, LOC2, false);
        g_autoptr(OranSubscription) b = subscription_new("b", "/r", NULL, NULL, true);
        g_autoptr(OranSubscription) bad = subscription_new("c", NULL, NULL, NULL, false);
        OranSubscription *const subs[] = { a, b };
        OranSubscription *const with_bad[] = { a, bad };
        g_autofree char *v2 = oran_subscription_list_to_json(subs, 2, ORAN_API_V2);
        g_autofree char *v1 = oran_subscription_list_to_json(subs, 2, ORAN_API_V1);
        g_autofree char *one = oran_subscription_list_to_json(subs, 1, ORAN_API_V2);

        /* v2: each as its request had it (b used v1 keys). */
        g_assert_cmpstr(v2, ==,
                        "[\n"
                        " {\n"
                        "  \"ResourceAddress\" : \"" RES "\",\n"
                        "  \"EndpointUri\" : \"" EP "\",\n"
                        "  \"SubscriptionId\" : \"" SUB_ID "\",\n"
                        "  \"UriLocation\" : \"" LOC2 "\"\n"
                        " },\n"
                        " {\n"
                        "  \"id\" : \"b\",\n"
                        "  \"endpointUri\" : null,\n"
                        "  \"uriLocation\" : null,\n"
                        "  \"resource\" : \"/r\"\n"
                        " }\n"
                        "]");
        /* v1: v1 keys throughout. */
        g_assert_cmpstr(v1, ==,
                        "[\n"
                        " {\n"
                        "  \"id\" : \"" SUB_ID "\",\n"
                        "  \"endpointUri\" : \"" EP "\",\n"
                        "  \"uriLocation\" : \"" LOC2 "\",\n"
                        "  \"resource\" : \"" RES "\"\n"
                        " },\n"
                        " {\n"
                        "  \"id\" : \"b\",\n"
                        "  \"endpointUri\" : null,\n"
                        "  \"uriLocation\" : null,\n"
                        "  \"resource\" : \"/r\"\n"
                        " }\n"
                        "]");
        g_assert_cmpstr(one, ==,
                        "[\n"
                        " {\n"
                        "  \"ResourceAddress\" : \"" RES "\",\n"
                        "  \"EndpointUri\" : \"" EP "\",\n"
                        "  \"SubscriptionId\" : \"" SUB_ID "\",\n"
                        "  \"UriLocation\" : \"" LOC2 "\"\n"
                        " }\n"
                        "]");
        g_assert_null(oran_subscription_list_to_json(with_bad, 2, ORAN_API_V2));
}

/* ---- publishers, errors, UUIDs ---------------------------------------------------------------- */

#define BASE2 "http://localhost:9043/api/ocloudNotifications/v2"
#define PUB2(suffix, id)                                                                                            \
        " {\n"                                                                                                      \
        "  \"ResourceAddress\" : \"/cluster/node/n1" suffix "\",\n"                                                 \
        "  \"EndpointUri\" : \"" BASE2 "/dummy\",\n"                                                                \
        "  \"SubscriptionId\" : \"" id "\",\n"                                                                      \
        "  \"UriLocation\" : \"" BASE2 "/publishers/" id "\"\n"                                                     \
        " }"

#define BASE1 "http://localhost:8089/api/ocloudNotifications/v1"
#define PUB1(suffix, id)                                                                                            \
        " {\n"                                                                                                      \
        "  \"id\" : \"" id "\",\n"                                                                                  \
        "  \"endpointUri\" : \"" BASE1 "/dummy\",\n"                                                                \
        "  \"uriLocation\" : \"" BASE1 "/publishers/" id "\",\n"                                                    \
        "  \"resource\" : \"/cluster/node/n1" suffix "\"\n"                                                         \
        " }"

/* uuid.uuid5(uuid.UUID("773f12fd-94a1-4cec-a629-f65623d707d3"), "/cluster/node/n1" + suffix) */
#define ID_SYNC  "95970d34-2daf-55de-a8f8-473e4d3c7b52"
#define ID_OS    "64fd2a6a-0b10-59a4-a1ae-abaed47d88c8"
#define ID_LOCK  "aad38e37-9a16-52f3-846a-43bbe288ddab"
#define ID_CLASS "5d85e448-2dbc-56ba-b3c5-5da5705a300a"
#define ID_GNSS  "3d268fb3-5bed-544d-a6b6-075beedc473a"
#define ID_SYNCE "824f3ba5-30d1-5e12-b463-0c018877d9b1"
#define ID_QL    "252ee457-aa57-5690-a275-a0ac5db1a1ee"

static void test_publishers(void) {
        g_autofree char *v2 = oran_publishers_to_json("n1", ORAN_API_V2, BASE2);
        g_autofree char *v2_slash = oran_publishers_to_json("n1", ORAN_API_V2, BASE2 "//");
        g_autofree char *v1 = oran_publishers_to_json("n1", ORAN_API_V1, BASE1);

        g_assert_cmpstr(v2, ==,
                        "[\n"
                        PUB2("/sync/sync-status/sync-state", ID_SYNC) ",\n"
                        PUB2("/sync/sync-status/os-clock-sync-state", ID_OS) ",\n"
                        PUB2("/sync/ptp-status/lock-state", ID_LOCK) ",\n"
                        PUB2("/sync/ptp-status/clock-class", ID_CLASS) ",\n"
                        PUB2("/sync/gnss-status/gnss-sync-status", ID_GNSS) ",\n"
                        PUB2("/sync/synce-status/lock-state", ID_SYNCE) ",\n"
                        PUB2("/sync/synce-status/clock-quality", ID_QL) "\n"
                        "]");
        g_assert_cmpstr(v2_slash, ==, v2);
        /* v1: v1 keys and spelling, the same ids. */
        g_assert_cmpstr(v1, ==,
                        "[\n"
                        PUB1("/sync/sync-status/sync-state", ID_SYNC) ",\n"
                        PUB1("/sync/sync-status/os-clock-sync-state", ID_OS) ",\n"
                        PUB1("/sync/ptp-status/lock-state", ID_LOCK) ",\n"
                        PUB1("/sync/ptp-status/ptp-clock-class-change", ID_CLASS) ",\n"
                        PUB1("/sync/gnss-status/gnss-sync-status", ID_GNSS) ",\n"
                        PUB1("/sync/synce-status/lock-state", ID_SYNCE) ",\n"
                        PUB1("/sync/synce-status/clock-quality", ID_QL) "\n"
                        "]");

        g_assert_null(oran_publishers_to_json("", ORAN_API_V2, BASE2));
        g_assert_null(oran_publishers_to_json(NULL, ORAN_API_V2, BASE2));
        g_assert_null(oran_publishers_to_json("n1/x", ORAN_API_V2, BASE2));
        g_assert_null(oran_publishers_to_json("n\xff", ORAN_API_V2, BASE2));
}

/* GET /publishers/{id}: one of the list, compact, found by its id in either API. */
static void test_publisher(void) {
        g_autofree char *v2 = oran_publisher_to_json("n1", ORAN_API_V2, BASE2 "/", ID_LOCK);
        g_autofree char *v1 = oran_publisher_to_json("n1", ORAN_API_V1, BASE1, ID_CLASS);

        g_assert_cmpstr(v2, ==,
                        "{\"ResourceAddress\":\"/cluster/node/n1/sync/ptp-status/lock-state\","
                        "\"EndpointUri\":\"" BASE2 "/dummy\",\"SubscriptionId\":\"" ID_LOCK "\","
                        "\"UriLocation\":\"" BASE2 "/publishers/" ID_LOCK "\"}");
        g_assert_cmpstr(v1, ==,
                        "{\"id\":\"" ID_CLASS "\",\"endpointUri\":\"" BASE1 "/dummy\","
                        "\"uriLocation\":\"" BASE1 "/publishers/" ID_CLASS "\","
                        "\"resource\":\"/cluster/node/n1/sync/ptp-status/ptp-clock-class-change\"}");
        /* another node's id, no id, no node */
        g_assert_null(oran_publisher_to_json("n2", ORAN_API_V2, BASE2, ID_LOCK));
        g_assert_null(oran_publisher_to_json("n1", ORAN_API_V2, BASE2, ""));
        g_assert_null(oran_publisher_to_json("", ORAN_API_V2, BASE2, ID_LOCK));
        g_assert_null(oran_publisher_to_json("n1/x", ORAN_API_V1, BASE1, ID_LOCK));
}

static void test_publisher_id(void) {
        g_autofree char *a = oran_publisher_id("n1", &oran_resource_kinds[0]);
        g_autofree char *b = oran_publisher_id("n2", &oran_resource_kinds[0]);
        g_autofree char *c = oran_publisher_id("n1", &oran_resource_kinds[1]);

        g_assert_cmpstr(a, ==, ID_SYNC);
        g_assert_cmpstr(b, !=, a);
        g_assert_cmpstr(c, ==, ID_OS);
}

static void test_uuid_v5(void) {
        static const uint8_t dns[16] = {
                0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
        };
        g_autofree char *python = oran_uuid_v5(dns, "python.org");
        g_autofree char *example = oran_uuid_v5(oran_uuid_namespace_url, "http://example.com/");

        /* Python's uuid.uuid5() of the same. */
        g_assert_cmpstr(python, ==, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
        g_assert_cmpstr(example, ==, "0a300ee9-f9e4-5697-a51a-efc7fafaba67");
        g_assert_true(g_uuid_string_is_valid(python));
}

static void test_messages(void) {
        g_autofree char *error = oran_error_json("subscription not found");
        g_autofree char *status = oran_status_json("deleted all subscriptions");
        g_autofree char *quoted = oran_error_json("a \"b\"\n\xc3\xa9");

        g_assert_cmpstr(error, ==, "{\"error\":\"subscription not found\"}");
        g_assert_cmpstr(status, ==, "{\"status\":\"deleted all subscriptions\"}");
        g_assert_cmpstr(quoted, ==, "{\"error\":\"a \\\"b\\\"\\n\xc3\xa9\"}");
        g_assert_null(oran_error_json(NULL));
        g_assert_null(oran_status_json("\xff"));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        ADD_CASES("/oran-json/event", event_cases, test_event);
        g_test_add_func("/oran-json/event-no-values", test_event_no_values);
        g_test_add_func("/oran-json/v1-push-bad-id", test_v1_push_bad_id);
        ADD_CASES("/oran-json/bad-event", bad_events, test_bad_event);
        g_test_add_func("/oran-json/bad-event-null", test_bad_event_null);
        ADD_CASES("/oran-json/time", time_cases, test_time);
        ADD_CASES("/oran-json/subscription", subscription_cases, test_subscription);
        g_test_add_func("/oran-json/subscription-free", test_subscription_free);
        g_test_add_func("/oran-json/list-empty", test_list_empty);
        g_test_add_func("/oran-json/list", test_list);
        g_test_add_func("/oran-json/publishers", test_publishers);
        g_test_add_func("/oran-json/publisher", test_publisher);
        g_test_add_func("/oran-json/publisher-id", test_publisher_id);
        g_test_add_func("/oran-json/uuid-v5", test_uuid_v5);
        g_test_add_func("/oran-json/messages", test_messages);
        return g_test_run();
}
