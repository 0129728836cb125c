/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <time.h>

#include "quote-value.h"
#include "oran-json.h"
#include "oran-uuid.h"

#define NODE_PREFIX   "/cluster/node/"
#define CLOCK_CLASS   "/sync/ptp-status/clock-class"
#define USEC_PER_SEC  INT64_C(1000000)
#define TIME_MIN_USEC (INT64_C(-62135596800) * USEC_PER_SEC)                  /* 0001-01-01T00:00:00Z */
#define TIME_MAX_USEC (INT64_C(253402300799) * USEC_PER_SEC + USEC_PER_SEC - 1) /* 9999-12-31T23:59:59.999999Z */

void oran_subscription_free(OranSubscription *s) {
        if (!s)
                return;
        g_free(s->id);
        g_free(s->resource);
        g_free(s->endpoint);
        g_free(s->uri_location);
        g_free(s);
}

static bool utf8_or_null(const char *s) {
        return !s || g_utf8_validate(s, -1, NULL);
}

static char *generate(JsonNode *root, bool pretty) {
        g_autoptr(JsonGenerator) gen = json_generator_new();

        json_generator_set_root(gen, root);
        if (pretty) {
                json_generator_set_pretty(gen, true);
                json_generator_set_indent(gen, 1);
                json_generator_set_indent_char(gen, ' ');
        }
        return json_generator_to_data(gen, NULL);
}

static char *generate_built(JsonBuilder *b, bool pretty) {
        g_autoptr(JsonNode) root = json_builder_get_root(b);

        return generate(root, pretty);
}

static void add_string(JsonBuilder *b, const char *key, const char *value) {
        json_builder_set_member_name(b, key);
        if (value)
                json_builder_add_string_value(b, value);
        else
                json_builder_add_null_value(b);
}

/* v2 keys leave an empty string out. */
static void add_string_if_set(JsonBuilder *b, const char *key, const char *value) {
        if (value && *value)
                add_string(b, key, value);
}

/* ---- subscriptions ---------------------------------------------------------------------------- */

static bool subscription_is_valid(const OranSubscription *s) {
        return s && s->resource && utf8_or_null(s->id) && utf8_or_null(s->resource) && utf8_or_null(s->endpoint) &&
               utf8_or_null(s->uri_location);
}

static void add_subscription(JsonBuilder *b, const OranSubscription *s, bool v1_keys) {
        json_builder_begin_object(b);
        if (v1_keys) {
                /* encoding/json of the v1 PubSub: every field, nil as null. */
                add_string(b, "id", s->id);
                add_string(b, "endpointUri", s->endpoint);
                add_string(b, "uriLocation", s->uri_location);
                add_string(b, "resource", s->resource);
        } else {
                add_string(b, "ResourceAddress", s->resource);
                add_string_if_set(b, "EndpointUri", s->endpoint);
                add_string_if_set(b, "SubscriptionId", s->id);
                add_string_if_set(b, "UriLocation", s->uri_location);
        }
        json_builder_end_object(b);
}

char *oran_subscription_to_json(const OranSubscription *s) {
        g_autoptr(JsonBuilder) b = NULL;

        if (!subscription_is_valid(s))
                return NULL;
        b = json_builder_new_immutable();
        add_subscription(b, s, s->v1_keys);
        return generate_built(b, false);
}

char *oran_subscription_list_to_json(OranSubscription *const *subs, size_t n, OranApi api) {
        g_autoptr(JsonBuilder) b = NULL;

        g_return_val_if_fail(subs || n == 0, NULL);

        for (size_t i = 0; i < n; i++)
                if (!subscription_is_valid(subs[i]))
                        return NULL;

        if (n == 0 && api == ORAN_API_V2) {
                /* Go marshals the nil slice of no subscriptions as null [sdk-go v1/subscriber]. */
                g_autoptr(JsonNode) null = json_node_new(JSON_NODE_NULL);

                return generate(null, true);
        }
        /*
         * v1 answers with its store file as it is, which holds "[]" once the
         * last subscription is gone, and is empty (not JSON) before the
         * first; "[]" is what a reader of a list can take in both cases.
         */
        b = json_builder_new_immutable();
        json_builder_begin_array(b);
        for (size_t i = 0; i < n; i++)
                add_subscription(b, subs[i], api == ORAN_API_V1 || subs[i]->v1_keys);
        json_builder_end_array(b);
        return generate_built(b, true);
}

/* ---- events ----------------------------------------------------------------------------------- */

char *oran_time_to_rfc3339(int64_t time_usec) {
        int64_t sec, usec;
        struct tm tm;
        time_t t;

        if (time_usec < TIME_MIN_USEC || time_usec > TIME_MAX_USEC)
                return NULL;
        sec = time_usec / USEC_PER_SEC;
        usec = time_usec % USEC_PER_SEC;
        if (usec < 0) {
                usec += USEC_PER_SEC;
                sec--;
        }
        t = (time_t) sec;
        if ((int64_t) t != sec || !gmtime_r(&t, &tm))
                return NULL;
        /* Go writes RFC3339Nano, trailing zeros cut; nine digits are the same instant, and what the daemon has is µs. */
        return g_strdup_printf("%04d-%02d-%02dT%02d:%02d:%02d.%06" PRId64 "000Z", tm.tm_year + 1900, tm.tm_mon + 1,
                               tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
}

static bool bad_event(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);
static bool bad_event(GError **error, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        g_propagate_error(error, g_error_new_valist(G_IO_ERROR, G_IO_ERROR_INVALID_DATA, format, ap));
        va_end(ap);
        return false;
}

static bool check_string(const char *what, const char *s, GError **error) {
        if (!s || !*s)
                return bad_event(error, "the event has no %s", what);
        if (!g_utf8_validate(s, -1, NULL)) {
                g_autofree char *q = quote_value(s);

                return bad_event(error, "the event's %s %s is not valid UTF-8", what, q);
        }
        return true;
}

static bool check_value(const OranValue *v, size_t i, GError **error) {
        const char *const fields[] = { v->address, v->data_type, v->value_type, v->value };
        const char *const names[] = { "address", "data_type", "value_type", "value" };

        for (size_t f = 0; f < G_N_ELEMENTS(fields); f++) {
                if (!fields[f])
                        return bad_event(error, "value %zu of the event has no %s", i, names[f]);
                if (!g_utf8_validate(fields[f], -1, NULL)) {
                        g_autofree char *q = quote_value(fields[f]);

                        return bad_event(error, "value %zu of the event has a %s %s that is not valid UTF-8", i,
                                         names[f], q);
                }
        }
        if (!*v->address || v->address[0] == '/') {
                g_autofree char *q = quote_value(v->address);

                return bad_event(error, "value %zu of the event has the address %s, not one relative to the node",
                                 i, q);
        }
        return true;
}

bool oran_event_check(const OranEvent *e, GError **error) {
        g_autofree char *time = NULL;

        if (!e)
                return bad_event(error, "there is no event");
        if (!check_string("id", e->id, error) || !check_string("type", e->type, error) ||
            !check_string("source", e->source, error))
                return false;
        if (!oran_address_parse(e->source, ORAN_API_V2, NULL, NULL)) {
                g_autofree char *q = quote_value(e->source);

                return bad_event(error, "the event's source %s is not " NODE_PREFIX "<node><suffix> of a known kind",
                                 q);
        }
        time = oran_time_to_rfc3339(e->time_usec);
        if (!time)
                return bad_event(error, "the event's time %" PRId64 " µs since the epoch is outside years 1-9999",
                                 e->time_usec);
        if (e->n_values > 0 && !e->values)
                return bad_event(error, "the event has %zu values but no array of them", e->n_values);
        for (size_t i = 0; i < e->n_values; i++)
                if (!check_value(&e->values[i], i, error))
                        return false;
        return true;
}

/* What every event writer needs: the node, whether it is clock class, the time. */
typedef struct EventParts {
        char *node;
        bool clock_class;
        char *time;
} EventParts;

static void event_parts_clear(EventParts *p) {
        g_clear_pointer(&p->node, g_free);
        g_clear_pointer(&p->time, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(EventParts, event_parts_clear)

static bool event_parts(const OranEvent *e, EventParts *ret) {
        const OranResourceKind *kind;

        if (!oran_event_check(e, NULL) || !oran_address_parse(e->source, ORAN_API_V2, &ret->node, &kind))
                return false;
        ret->clock_class = strcmp(kind->suffix, CLOCK_CLASS) == 0;
        ret->time = oran_time_to_rfc3339(e->time_usec);
        return true;
}

/* "data": {"version": version, "values": [...]}, addresses made full. */
static void add_data(JsonBuilder *b, const OranEvent *e, const EventParts *p, const char *version,
                     bool current_state) {
        const char *suffix = current_state && p->clock_class ? "/CLOCK_CLASS" : "";

        json_builder_set_member_name(b, "data");
        json_builder_begin_object(b);
        add_string(b, "version", version);
        json_builder_set_member_name(b, "values");
        json_builder_begin_array(b);
        for (size_t i = 0; i < e->n_values; i++) {
                const OranValue *v = &e->values[i];
                g_autofree char *address = g_strconcat(NODE_PREFIX, p->node, "/", v->address, suffix, NULL);

                json_builder_begin_object(b);
                add_string(b, "ResourceAddress", address);
                add_string(b, "data_type", v->data_type);
                add_string(b, "value_type", v->value_type);
                add_string(b, "value", v->value);
                json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
}

char *oran_event_to_json_v2(const OranEvent *e, bool current_state) {
        g_auto(EventParts) p = {};
        g_autoptr(JsonBuilder) b = NULL;

        if (!event_parts(e, &p))
                return NULL;
        /* cloudevents sdk-go v2 WriteJson for 1.0; the SDK sets an empty data content type, so none. */
        b = json_builder_new_immutable();
        json_builder_begin_object(b);
        add_string(b, "specversion", "1.0");
        add_string(b, "id", e->id);
        add_string(b, "source", oran_address_short(e->source));
        add_string(b, "type", e->type);
        add_string(b, "time", p.time);
        add_data(b, e, &p, "1.0", current_state);
        json_builder_end_object(b);
        return generate_built(b, false);
}

char *oran_event_to_json_v1_push(const OranEvent *e, const char *subscription_id) {
        g_auto(EventParts) p = {};
        g_autoptr(JsonBuilder) b = NULL;
        g_autofree char *source = NULL;

        if (!subscription_id || !g_utf8_validate(subscription_id, -1, NULL) || !event_parts(e, &p))
                return NULL;
        source = oran_address_from_daemon(e->source, ORAN_API_V1);
        /* sdk-go pkg/event WriteJSON, as vendored by cloud-event-proxy 4.16. */
        b = json_builder_new_immutable();
        json_builder_begin_object(b);
        add_string(b, "id", subscription_id);
        add_string(b, "type", e->type);
        add_string(b, "source", source);
        add_string(b, "dataContentType", "application/json");
        add_string(b, "time", p.time);
        add_data(b, e, &p, "v1", false);
        json_builder_end_object(b);
        return generate_built(b, false);
}

char *oran_event_to_json_v1_current_state(const OranEvent *e) {
        g_auto(EventParts) p = {};
        g_autoptr(JsonBuilder) b = NULL;
        g_autofree char *address = NULL;

        if (!event_parts(e, &p))
                return NULL;
        address = oran_address_from_daemon(e->source, ORAN_API_V1);
        /* cloudevents sdk-go v2 WriteJson for 0.3: specversion, id, source, type, subject, datacontenttype, time, data. */
        b = json_builder_new_immutable();
        json_builder_begin_object(b);
        add_string(b, "specversion", "0.3");
        add_string(b, "id", e->id);
        add_string(b, "source", oran_address_short(address));
        add_string(b, "type", e->type);
        add_string(b, "subject", address);
        add_string(b, "datacontenttype", "application/json");
        add_string(b, "time", p.time);
        add_data(b, e, &p, "v1", true);
        json_builder_end_object(b);
        return generate_built(b, false);
}

/* ---- publishers, errors ----------------------------------------------------------------------- */

/* The base URL without its trailing '/'s, or NULL when node cannot name a publisher. */
static char *publisher_base(const char *node, const char *base_url) {
        size_t len;

        if (!node || !*node || strchr(node, '/') || !g_utf8_validate(node, -1, NULL) ||
            !g_utf8_validate(base_url, -1, NULL))
                return NULL;
        len = strlen(base_url);
        while (len > 0 && base_url[len - 1] == '/')
                len--;
        return g_strndup(base_url, len);
}

static OranSubscription *publisher_new(const char *node, const OranResourceKind *k, OranApi api, const char *base) {
        OranSubscription *s = g_new0(OranSubscription, 1);

        s->id = oran_publisher_id(node, k);
        s->resource = g_strconcat(NODE_PREFIX, node, api == ORAN_API_V1 ? k->suffix_v1 : k->suffix, NULL);
        s->endpoint = g_strconcat(base, "/dummy", NULL);
        s->uri_location = g_strconcat(base, "/publishers/", s->id, NULL);
        s->v1_keys = api == ORAN_API_V1;
        return s;
}

char *oran_publishers_to_json(const char *node, OranApi api, const char *base_url) {
        g_autoptr(GPtrArray) pubs = g_ptr_array_new_with_free_func((GDestroyNotify) oran_subscription_free);
        g_autofree char *base = NULL;

        g_return_val_if_fail(base_url, NULL);
        base = publisher_base(node, base_url);
        if (!base)
                return NULL;
        for (const OranResourceKind *k = oran_resource_kinds; k->suffix; k++)
                g_ptr_array_add(pubs, publisher_new(node, k, api, base));
        return oran_subscription_list_to_json((OranSubscription *const *) pubs->pdata, pubs->len, api);
}

char *oran_publisher_to_json(const char *node, OranApi api, const char *base_url, const char *id) {
        g_autofree char *base = NULL;

        g_return_val_if_fail(base_url, NULL);
        g_return_val_if_fail(id, NULL);
        base = publisher_base(node, base_url);
        if (!base)
                return NULL;
        for (const OranResourceKind *k = oran_resource_kinds; k->suffix; k++) {
                g_autoptr(OranSubscription) s = publisher_new(node, k, api, base);

                if (g_str_equal(s->id, id))
                        return oran_subscription_to_json(s);
        }
        return NULL;
}

static char *message_json(const char *key, const char *message) {
        g_autoptr(JsonBuilder) b = NULL;

        if (!message || !g_utf8_validate(message, -1, NULL))
                return NULL;
        b = json_builder_new_immutable();
        json_builder_begin_object(b);
        add_string(b, key, message);
        json_builder_end_object(b);
        return generate_built(b, false);
}

char *oran_error_json(const char *message) {
        return message_json("error", message);
}

char *oran_status_json(const char *message) {
        return message_json("status", message);
}
