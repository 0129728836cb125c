/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The benchmark's own requests to the bridge (set-up, checks, the capture of
 * CurrentState): libsoup, synchronous, one keep-alive session for all, so
 * that they add no connection of their own to what is measured.
 */
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "bench-http.h"

static SoupSession *session;

void http_reply_free(HttpReply *r) {
        if (!r)
                return;
        g_bytes_unref(r->body);
        g_free(r->content_type);
        g_ptr_array_unref(r->headers);
        g_free(r);
}

HttpReply *http_request(const char *method, const char *url, const char *body) {
        g_autoptr(SoupMessage) message = soup_message_new(method, url);
        g_autoptr(GBytes) sent = NULL;
        g_autoptr(GError) error = NULL;
        HttpReply *r = g_new0(HttpReply, 1);
        SoupMessageHeadersIter iter;
        const char *name, *value;

        r->headers = g_ptr_array_new_with_free_func(g_free);
        if (!session) {
                session = soup_session_new_with_options("timeout", 30, NULL);
                soup_session_set_proxy_resolver(session, NULL);
        }
        if (!message)
                return r;
        if (body) {
                sent = g_bytes_new(body, strlen(body));
                soup_message_set_request_body_from_bytes(message, "application/json", sent);
        }
        r->body = soup_session_send_and_read(session, message, NULL, &error);
        if (!r->body)
                return r;
        r->status = soup_message_get_status(message);
        r->content_type = g_strdup(soup_message_headers_get_one(soup_message_get_response_headers(message),
                                                                "Content-Type"));
        soup_message_headers_iter_init(&iter, soup_message_get_response_headers(message));
        while (soup_message_headers_iter_next(&iter, &name, &value))
                g_ptr_array_add(r->headers, g_strdup_printf("%s: %s", name, value));
        return r;
}

bool http_subscribe(const char *base, const char *endpoint) {
        g_autofree char *url = g_strconcat(base, "/subscriptions", NULL);
        g_autofree char *body = g_strdup_printf("{\"ResourceAddress\":\"%s\",\"EndpointUri\":\"%s\"}",
                                                BENCH_ADDRESS, endpoint);
        g_autoptr(HttpReply) r = http_request("POST", url, body);

        if (r->status != 201)
                bench_log("POST %s for %s: status %u", url, endpoint, r->status);
        return r->status == 201;
}

/* The SubscriptionIds GET base/subscriptions lists; NULL if it failed. */
static GPtrArray *list_subscriptions(const char *base) {
        g_autofree char *url = g_strconcat(base, "/subscriptions", NULL);
        g_autoptr(HttpReply) r = http_request("GET", url, NULL);
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
        JsonNode *root;
        JsonArray *a;
        gsize n = 0;
        const char *data;

        if (r->status != 200)
                return NULL;
        data = g_bytes_get_data(r->body, &n);
        if (!json_parser_load_from_data(parser, data, (gssize) n, NULL))
                return NULL;
        root = json_parser_get_root(parser);
        if (JSON_NODE_HOLDS_NULL(root)) /* v2 with none, as cloud-event-proxy */
                return g_steal_pointer(&ids);
        if (!JSON_NODE_HOLDS_ARRAY(root))
                return NULL;
        a = json_node_get_array(root);
        for (guint i = 0; i < json_array_get_length(a); i++) {
                JsonObject *o = json_array_get_object_element(a, i);
                const char *id = o ? json_object_get_string_member_with_default(o, "SubscriptionId", NULL) : NULL;

                g_ptr_array_add(ids, g_strdup(id ? id : ""));
        }
        return g_steal_pointer(&ids);
}

int http_count_subscriptions(const char *base) {
        g_autoptr(GPtrArray) ids = list_subscriptions(base);

        return ids ? (int) ids->len : -1;
}

int http_delete_all(const char *base, bool at_once, unsigned *ret_status) {
        g_autofree char *url = g_strconcat(base, "/subscriptions", NULL);
        g_autoptr(GPtrArray) left = NULL;

        if (at_once) {
                g_autoptr(HttpReply) all = http_request("DELETE", url, NULL);

                *ret_status = all->status;
        }
        left = list_subscriptions(base);
        if (!left)
                return -1;
        for (guint i = 0; i < left->len; i++) {
                g_autofree char *one = g_strconcat(url, "/", (char *) left->pdata[i], NULL);
                g_autoptr(HttpReply) r = http_request("DELETE", one, NULL);

                if (r->status != 204)
                        return -1;
        }
        return (int) left->len;
}

void http_client_done(void) {
        g_clear_object(&session);
}
