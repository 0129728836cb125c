/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "common/glib-json.h"
#include "json-strict.h"
#include "quote-value.h"
#include "oran-request.h"
#include "uri-host.h"

G_DEFINE_QUARK(oran-request-error-quark, oran_request_error)

typedef enum Field {
        FIELD_RESOURCE,
        FIELD_ENDPOINT,
        FIELD_IGNORED, /* the server sets these */
} Field;

typedef struct Key {
        const char *name;
        bool v1;
        Field field;
} Key;

static const Key keys[] = {
        { "ResourceAddress", false, FIELD_RESOURCE },
        { "EndpointUri", false, FIELD_ENDPOINT },
        { "SubscriptionId", false, FIELD_IGNORED },
        { "UriLocation", false, FIELD_IGNORED },
        { "resource", true, FIELD_RESOURCE },
        { "endpointUri", true, FIELD_ENDPOINT },
        { "id", true, FIELD_IGNORED },
        { "uriLocation", true, FIELD_IGNORED },
};

/* The name of the key for field in the v1 or v2 set. */
static const char *key_name(Field field, bool v1) {
        for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
                if (keys[i].field == field && keys[i].v1 == v1)
                        return keys[i].name;
        g_assert_not_reached();
}

/*
 * The keys of the top-level object as the parser meets them: json-glib keeps
 * the last of repeated keys silently, so they are counted here. Containers
 * are counted so that only the members of the outermost object are looked at.
 */
typedef struct Members {
        unsigned depth;
        GHashTable *names;
        char *repeated; /* the first key seen twice */
} Members;

static void on_container_start(JsonParser *parser, gpointer userdata) {
        Members *m = userdata;

        m->depth++;
}

static void on_object_end(JsonParser *parser, JsonObject *object, gpointer userdata) {
        Members *m = userdata;

        m->depth--;
}

static void on_array_end(JsonParser *parser, JsonArray *array, gpointer userdata) {
        Members *m = userdata;

        m->depth--;
}

static void on_object_member(JsonParser *parser, JsonObject *object, const char *name, gpointer userdata) {
        Members *m = userdata;

        if (m->depth != 1)
                return;
        if (!g_hash_table_add(m->names, g_strdup(name)) && !m->repeated)
                m->repeated = g_strdup(name);
}

static bool fail(GError **error, OranRequestError code, const char *format, ...) G_GNUC_PRINTF(3, 4);
static bool fail(GError **error, OranRequestError code, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        g_propagate_error(error, g_error_new_valist(ORAN_REQUEST_ERROR, code, format, ap));
        va_end(ap);
        return false;
}

#define not_json(error, ...) fail(error, ORAN_REQUEST_ERROR_NOT_JSON, __VA_ARGS__)
#define invalid(error, ...) fail(error, ORAN_REQUEST_ERROR_INVALID, __VA_ARGS__)

/* The body as one JSON object, its top-level keys all different. */
static bool parse_object(const char *body, size_t length, JsonNode **ret, GError **error) {
        g_autoptr(JsonParser) parser = json_parser_new_immutable();
        g_autoptr(GHashTable) names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_autoptr(GError) e = NULL;
        g_autofree char *repeated = NULL;
        Members m = { .names = names };
        const char *bad;
        JsonNode *root;
        bool ok;

        if (length == 0)
                return not_json(error, "the body is empty");
        if (length > ORAN_REQUEST_MAX_BODY)
                return not_json(error, "the body is %zu bytes, more than %d", length, ORAN_REQUEST_MAX_BODY);
        bad = memchr(body, '\0', length);
        if (bad)
                return not_json(error, "the body holds a NUL byte (at byte %zu)", (size_t) (bad - body));
        if (!g_utf8_validate_len(body, length, &bad))
                return not_json(error, "the body is not valid UTF-8 (at byte %zu)", (size_t) (bad - body));
        if (!json_strict_check(body, length, ORAN_REQUEST_MAX_DEPTH, &e))
                return not_json(error, "the body is not JSON: %s", e->message);

        g_signal_connect(parser, "object-start", G_CALLBACK(on_container_start), &m);
        g_signal_connect(parser, "array-start", G_CALLBACK(on_container_start), &m);
        g_signal_connect(parser, "object-end", G_CALLBACK(on_object_end), &m);
        g_signal_connect(parser, "array-end", G_CALLBACK(on_array_end), &m);
        g_signal_connect(parser, "object-member", G_CALLBACK(on_object_member), &m);
        ok = json_parser_load_from_data(parser, body, (gssize) length, &e);
        repeated = g_steal_pointer(&m.repeated);
        if (!ok)
                return not_json(error, "the body is not JSON: %s", e->message);

        root = json_parser_get_root(parser);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root))
                return not_json(error, "the body is %s, not a JSON object",
                                root ? glib_json_kind(root, false) : "null");
        if (repeated) {
                g_autofree char *q = quote_value(repeated);

                return invalid(error, "the key %s appears more than once", q);
        }
        *ret = json_node_ref(root);
        return true;
}

/*
 * The string of the key name in o, at most max bytes: NULL if absent or
 * null, else a copy (g_free) of it.
 */
static bool get_string(JsonObject *o, const char *name, size_t max, char **ret, GError **error) {
        JsonNode *node = json_object_get_member(o, name);
        const char *s;
        size_t len;

        *ret = NULL;
        if (!node || JSON_NODE_HOLDS_NULL(node))
                return true;
        if (!glib_json_holds(node, G_TYPE_STRING))
                return invalid(error, "\"%s\" must be a string, not %s", name, glib_json_kind(node, false));
        s = json_node_get_string(node);
        len = strlen(s);
        if (len > max)
                return invalid(error, "\"%s\" is %zu bytes long, more than %zu", name, len, max);
        if (!g_utf8_validate(s, (gssize) len, NULL)) /* json-strict.c made sure of it; json-glib is not relied on */
                return invalid(error, "\"%s\" is not valid UTF-8", name);
        *ret = g_strndup(s, len);
        return true;
}

/* The first key of the v1 (v1 true) or v2 set that o has with a value other than null, or NULL. */
static const char *first_key(JsonObject *o, bool v1) {
        for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
                JsonNode *node;

                if (keys[i].v1 != v1)
                        continue;
                node = json_object_get_member(o, keys[i].name);
                if (node && !JSON_NODE_HOLDS_NULL(node))
                        return keys[i].name;
        }
        return NULL;
}

bool oran_subscription_request_parse(const char *body, size_t length, OranApi api, OranSubscriptionRequest *ret,
                                     GError **error) {
        g_autoptr(JsonNode) root = NULL;
        g_auto(OranSubscriptionRequest) r = {};
        const char *v1_key, *v2_key, *resource_key, *endpoint_key;
        JsonObject *o;

        g_return_val_if_fail(body || length == 0, false);
        g_return_val_if_fail(api == ORAN_API_V1 || api == ORAN_API_V2, false);
        g_return_val_if_fail(ret, false);
        *ret = (OranSubscriptionRequest) {};

        if (!parse_object(body, length, &root, error))
                return false;
        o = json_node_get_object(root);

        v1_key = first_key(o, true);
        v2_key = first_key(o, false);
        if (v1_key && v2_key)
                return invalid(error, "the body mixes the v1 key \"%s\" and the v2 key \"%s\"; use one set "
                               "(resource, endpointUri or ResourceAddress, EndpointUri)", v1_key, v2_key);
        if (api == ORAN_API_V1 && v2_key)
                return invalid(error, "\"%s\" is a v2 key; a v1 request has \"resource\" and \"endpointUri\"", v2_key);
        r.v1_keys = api == ORAN_API_V1 || v1_key;

        resource_key = key_name(FIELD_RESOURCE, r.v1_keys);
        endpoint_key = key_name(FIELD_ENDPOINT, r.v1_keys);
        if (!get_string(o, resource_key, ORAN_REQUEST_MAX_RESOURCE, &r.resource, error) ||
            !get_string(o, endpoint_key, ORAN_REQUEST_MAX_ENDPOINT, &r.endpoint, error))
                return false;

        if (!r.resource)
                return invalid(error, "\"%s\" is missing", resource_key);
        if (!*r.resource)
                return invalid(error, "\"%s\" is empty", resource_key);
        if (r.endpoint && !*r.endpoint)
                g_clear_pointer(&r.endpoint, g_free);
        if (!r.endpoint && api == ORAN_API_V2)
                return invalid(error, "\"%s\" is %s", endpoint_key,
                               json_object_has_member(o, endpoint_key) &&
                               !JSON_NODE_HOLDS_NULL(json_object_get_member(o, endpoint_key)) ? "empty" : "missing");

        *ret = r;
        r = (OranSubscriptionRequest) {};
        return true;
}

void oran_subscription_request_clear(OranSubscriptionRequest *r) {
        if (!r)
                return;
        g_clear_pointer(&r->resource, g_free);
        g_clear_pointer(&r->endpoint, g_free);
        r->v1_keys = false;
}

static GUri *bad_endpoint(const char *uri, const char *why, GError **error) {
        g_autofree char *q = quote_value(uri);

        g_set_error(error, ORAN_REQUEST_ERROR, ORAN_REQUEST_ERROR_ENDPOINT, "EndpointUri %s %s", q, why);
        return NULL;
}

GUri *oran_endpoint_parse(const char *uri, GError **error) {
        g_autoptr(GUri) u = NULL;
        g_autoptr(GError) e = NULL;
        g_autofree char *why = NULL;
        const char *scheme;

        if (!uri)
                return bad_endpoint(uri, "is missing", error);
        /* As libsoup parses it, so that what is judged here is what it connects to. */
        u = g_uri_parse(uri, SOUP_HTTP_URI_FLAGS, &e);
        if (!u) {
                why = g_strdup_printf("is not a URI: %s", e->message);
                return bad_endpoint(uri, why, error);
        }
        scheme = g_uri_get_scheme(u);
        if (g_ascii_strcasecmp(scheme, "http") != 0 && g_ascii_strcasecmp(scheme, "https") != 0)
                return bad_endpoint(uri, "is not an http or https URI", error);
        if (g_uri_get_userinfo(u))
                return bad_endpoint(uri, "has user information (user@ or user:password@), which is not allowed",
                                    error);
        if (g_uri_get_fragment(u))
                return bad_endpoint(uri, "has a fragment (#...), which is not allowed", error);
        if (!g_uri_get_host(u) || !*g_uri_get_host(u))
                return bad_endpoint(uri, "has no host", error);
        if (g_uri_get_port(u) == 0)
                return bad_endpoint(uri, "has port 0", error);
        if (!uri_host_parse(g_uri_get_host(u), NULL, NULL, &e)) {
                why = g_strdup_printf("has a bad host: %s", e->message);
                return bad_endpoint(uri, why, error);
        }
        return g_steal_pointer(&u);
}
