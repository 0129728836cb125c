/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The routes of v1 and v2, as cloud-event-proxy serves them (its v2 from
 * rest-api's v2/routes.go, its v1 from the 4.16 sidecar): the same paths,
 * status codes and bodies. Where it invents data or loses it, this does not:
 * CurrentState needs no subscription and is 404 until there is data; the
 * daemon being away is 503, not an empty answer.
 */
#include <errno.h>
#include <string.h>

#include "oran-event.h"
#include "oran-json.h"
#include "oran-request.h"
#include "rest-server.h"
#include "rest-subscriptions.h"
#include "state-cache.h"

#define CURRENT_STATE "/CurrentState"

static bool method_is(RestReply *reply, const char *method) {
        return g_str_equal(soup_server_message_get_method(reply->message), method);
}

static void send_json(RestReply *reply, unsigned status, char *json) {
        rest_reply_send(reply, status, "application/json", json);
}

static void not_allowed(RestReply *reply) {
        rest_reply_send(reply, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL, NULL);
}

static void unavailable(RestReply *reply) {
        rest_reply_error(reply, SOUP_STATUS_SERVICE_UNAVAILABLE, "ptpsyncd is not reachable; try again later");
}

/* ---- POST /subscriptions ---- */

static void on_created(RestCreateResult result, const RestSubscription *s, const char *message, void *userdata) {
        RestReply *reply = userdata;
        bool v1 = reply->api == ORAN_API_V1;

        switch (result) {
        case REST_CREATED:
        case REST_EXISTS:
                send_json(reply, SOUP_STATUS_CREATED, oran_subscription_to_json(rest_subscription_info(s)));
                return;
        case REST_DUPLICATE:
                rest_reply_error(reply, SOUP_STATUS_CONFLICT, message);
                return;
        case REST_NO_RESOURCE:
                rest_reply_error(reply, v1 ? SOUP_STATUS_BAD_REQUEST : SOUP_STATUS_NOT_FOUND, message);
                return;
        case REST_REFUSED:
                rest_reply_error(reply, SOUP_STATUS_BAD_REQUEST, message);
                return;
        case REST_UNAVAILABLE:
                rest_reply_error(reply, SOUP_STATUS_SERVICE_UNAVAILABLE, message);
                return;
        case REST_FAILED:
                rest_reply_error(reply, SOUP_STATUS_INTERNAL_SERVER_ERROR, message);
                return;
        }
}

static void create_subscription(RestReply *reply) {
        Bridge *b = reply->bridge;
        g_autoptr(GBytes) body = soup_message_body_flatten(soup_server_message_get_request_body(reply->message));
        g_auto(OranSubscriptionRequest) request = {};
        g_autoptr(GError) error = NULL;
        g_autoptr(GUri) endpoint = NULL;
        gsize length;
        const char *data = g_bytes_get_data(body, &length);
        g_autofree char *why = NULL;

        if (!oran_subscription_request_parse(data, length, reply->api, &request, &error)) {
                g_message("POST /subscriptions refused: %s", error->message);
                rest_reply_error(reply, SOUP_STATUS_BAD_REQUEST, error->message);
                return;
        }
        if (request.endpoint) {
                endpoint = oran_endpoint_parse(request.endpoint, &error);
                if (!endpoint) {
                        g_message("POST /subscriptions refused: %s", error->message);
                        rest_reply_error(reply, SOUP_STATUS_BAD_REQUEST, error->message);
                        return;
                }
                /* not an open relay: POSTs go only where the configuration allows */
                if (!allowlist_allows(b->allowlist, endpoint)) {
                        why = g_strdup_printf("EndpointUri %s is not allowed ([Endpoints] Allow=)", request.endpoint);
                        g_message("POST /subscriptions refused: %s", why);
                        rest_reply_error(reply, SOUP_STATUS_BAD_REQUEST, why);
                        return;
                }
        }
        rest_subscriptions_create(b->subscriptions, reply->api, &request, on_created, reply);
}

/* ---- DELETE ---- */

static void on_deleted(int error, const char *message, void *userdata) {
        RestReply *reply = userdata;
        bool v1 = reply->api == ORAN_API_V1;
        bool all = g_str_equal(reply->route, "/subscriptions");

        if (error == 0 || (error == -ENOENT && v1)) {
                if (!v1)
                        rest_reply_send(reply, SOUP_STATUS_NO_CONTENT, NULL, NULL);
                else
                        send_json(reply, SOUP_STATUS_OK, oran_status_json(all ? "deleted all subscriptions" : "OK"));
        } else if (error == -ENOENT)
                rest_reply_error(reply, SOUP_STATUS_NOT_FOUND, message);
        else if (error == -EHOSTUNREACH || error == -ENOTCONN || error == -ECONNRESET || error == -ESHUTDOWN)
                rest_reply_error(reply, SOUP_STATUS_SERVICE_UNAVAILABLE, message);
        else
                rest_reply_error(reply, SOUP_STATUS_INTERNAL_SERVER_ERROR, message);
}

/* ---- /subscriptions and /subscriptions/{id} ---- */

static void route_subscriptions(RestReply *reply) {
        Bridge *b = reply->bridge;
        g_autoptr(GPtrArray) list = NULL;

        reply->route = "/subscriptions";
        if (!method_is(reply, SOUP_METHOD_GET) && !method_is(reply, SOUP_METHOD_POST) &&
            !method_is(reply, SOUP_METHOD_DELETE)) {
                not_allowed(reply);
                return;
        }
        if (!b->synced) {
                unavailable(reply);
                return;
        }
        if (method_is(reply, SOUP_METHOD_POST))
                create_subscription(reply);
        else if (method_is(reply, SOUP_METHOD_DELETE))
                rest_subscriptions_delete_all(b->subscriptions, reply->api, on_deleted, reply);
        else {
                list = rest_subscriptions_list(b->subscriptions, reply->api);
                send_json(reply, SOUP_STATUS_OK,
                          oran_subscription_list_to_json((OranSubscription *const *) list->pdata, list->len,
                                                         reply->api));
        }
}

static void route_subscription(RestReply *reply, const char *id) {
        Bridge *b = reply->bridge;
        const RestSubscription *s;

        reply->route = "/subscriptions/{id}";
        if (!method_is(reply, SOUP_METHOD_GET) && !method_is(reply, SOUP_METHOD_DELETE)) {
                not_allowed(reply);
                return;
        }
        if (!b->synced) {
                unavailable(reply);
                return;
        }
        if (method_is(reply, SOUP_METHOD_DELETE)) {
                rest_subscriptions_delete(b->subscriptions, reply->api, id, on_deleted, reply);
                return;
        }
        s = rest_subscriptions_find(b->subscriptions, reply->api, id);
        if (s)
                send_json(reply, SOUP_STATUS_OK, oran_subscription_to_json(rest_subscription_info(s)));
        else
                /* v1 says 400 here, v2 404 */
                rest_reply_error(reply, reply->api == ORAN_API_V1 ? SOUP_STATUS_BAD_REQUEST : SOUP_STATUS_NOT_FOUND,
                                 "subscription not found");
}

/* ---- {ResourceAddress}/CurrentState ---- */

static void send_state(RestReply *reply, const PtpsyncEvent *e) {
        g_autofree OranValue *values = NULL;
        g_autofree char *id = g_uuid_string_random();
        OranEvent view;

        oran_event_view(e, &view, &values);
        view.id = id; /* each answer is an event of its own, as cloud-event-proxy's are */
        send_json(reply, SOUP_STATUS_OK, reply->api == ORAN_API_V1 ? oran_event_to_json_v1_current_state(&view)
                                                                   : oran_event_to_json_v2(&view, true));
}

static void no_data(RestReply *reply, const char *address) {
        g_autofree char *why = g_strdup_printf("no data yet for %s", address);

        rest_reply_error(reply, reply->api == ORAN_API_V1 ? SOUP_STATUS_BAD_REQUEST : SOUP_STATUS_NOT_FOUND, why);
}

static void on_state(PtpsyncClient *c, int error, const PtpsyncEventList *events, void *userdata) {
        RestReply *reply = userdata;

        if (error >= 0 && ptpsync_event_list_get_n(events) > 0)
                send_state(reply, ptpsync_event_list_get(events, 0));
        else if (error >= 0 || error == -ENODATA || error == -ENOENT)
                no_data(reply, "this resource");
        else
                unavailable(reply);
}

static void route_current_state(RestReply *reply, const char *address) {
        Bridge *b = reply->bridge;
        g_autofree char *daemon_address = NULL, *node = NULL, *why = NULL;
        const PtpsyncEvent *e;

        reply->route = "/{ResourceAddress}/CurrentState";
        if (!method_is(reply, SOUP_METHOD_GET)) {
                not_allowed(reply);
                return;
        }
        if (!*address || g_str_equal(address, "/")) {
                /* the one v2 error with a body */
                send_json(reply, SOUP_STATUS_BAD_REQUEST, oran_error_json("the resource address is empty"));
                return;
        }
        if (!oran_address_parse(address, reply->api, &node, NULL)) {
                why = g_strdup_printf("%s is not an O-RAN resource address", address);
                rest_reply_error(reply, reply->api == ORAN_API_V1 ? SOUP_STATUS_BAD_REQUEST : SOUP_STATUS_NOT_FOUND,
                                 why);
                return;
        }
        if (!b->node || !ptpsync_client_get_daemon_owner(b->client)) {
                unavailable(reply);
                return;
        }
        if (!g_str_equal(node, b->node)) {
                why = g_strdup_printf("%s is not a resource of this node (%s)", address, b->node);
                rest_reply_error(reply, reply->api == ORAN_API_V1 ? SOUP_STATUS_BAD_REQUEST : SOUP_STATUS_NOT_FOUND,
                                 why);
                return;
        }
        daemon_address = oran_address_to_daemon(address, reply->api);
        if (state_cache_ready(b->state)) {
                e = state_cache_get(b->state, daemon_address);
                if (e)
                        send_state(reply, e);
                else
                        no_data(reply, address);
                return;
        }
        if (ptpsync_client_get_state_async(b->client, daemon_address, on_state, reply, NULL) < 0)
                unavailable(reply);
}

/* ---- the rest ---- */

static void route_health(RestReply *reply) {
        reply->route = "/health";
        if (!method_is(reply, SOUP_METHOD_GET))
                not_allowed(reply);
        else
                rest_reply_send(reply, SOUP_STATUS_OK, "text/plain; charset=utf-8", g_strdup("OK"));
}

/* /publishers (id NULL) and /publishers/{id}: cloud-event-proxy serves one publisher too, and answers an
 * unknown id with its JSON 400 in v2 as well. */
static void route_publishers(RestReply *reply, const char *id) {
        Bridge *b = reply->bridge;
        g_autofree char *base = NULL;
        char *json;

        reply->route = id ? "/publishers/{id}" : "/publishers";
        if (!method_is(reply, SOUP_METHOD_GET)) {
                not_allowed(reply);
                return;
        }
        if (!b->node) {
                unavailable(reply);
                return;
        }
        base = rest_base_url(b->config, reply->api);
        if (!id)
                send_json(reply, SOUP_STATUS_OK, oran_publishers_to_json(b->node, reply->api, base));
        else if ((json = oran_publisher_to_json(b->node, reply->api, base, id)))
                send_json(reply, SOUP_STATUS_OK, json);
        else
                send_json(reply, SOUP_STATUS_BAD_REQUEST, oran_error_json("publisher not found"));
}

/* The id after prefix in path ("/subscriptions/<id>"), or NULL if path is not one such. */
static const char *id_after(const char *path, const char *prefix) {
        const char *id;

        if (!g_str_has_prefix(path, prefix))
                return NULL;
        id = path + strlen(prefix);
        return *id && !strchr(id, '/') ? id : NULL;
}

void rest_route(RestReply *reply, const char *path) {
        const char *id;
        size_t n = strlen(path);

        if (g_str_equal(path, "/subscriptions"))
                route_subscriptions(reply);
        else if ((id = id_after(path, "/subscriptions/")))
                route_subscription(reply, id);
        else if (g_str_equal(path, "/health"))
                route_health(reply);
        else if (g_str_equal(path, "/publishers"))
                route_publishers(reply, NULL);
        else if ((id = id_after(path, "/publishers/")))
                route_publishers(reply, id);
        else if (n > strlen(CURRENT_STATE) && g_str_has_suffix(path, CURRENT_STATE)) {
                g_autofree char *address = g_strndup(path, n - strlen(CURRENT_STATE));

                route_current_state(reply, address);
        } else
                rest_reply_not_found(reply);
}

