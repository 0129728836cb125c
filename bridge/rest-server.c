/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <gio/gio.h>
#include <string.h>

#include "oran-json.h"
#include "rest-server.h"

#define PREFIX_V1 "/api/ocloudNotifications/v1"
#define PREFIX_V2 "/api/ocloudNotifications/v2"
#define DEADLINE_KEY "ptpsync-http-deadline"

typedef struct ServerContext {
        Bridge *bridge;
        OranApi api;
} ServerContext;

static const char *api_label(OranApi api) {
        return api == ORAN_API_V1 ? "v1" : "v2";
}

static void reply_free(RestReply *reply) {
        g_object_unref(reply->message);
        g_free(reply);
}

void rest_reply_send(RestReply *reply, unsigned status, const char *content_type, char *body) {
        g_assert(!reply->sent);
        reply->sent = true;
        if (body)
                soup_server_message_set_response(reply->message, content_type, SOUP_MEMORY_TAKE, body, strlen(body));
        soup_server_message_set_status(reply->message, status, NULL);
        metrics_count_request(reply->bridge->metrics, api_label(reply->api), reply->route,
                              soup_server_message_get_method(reply->message), status);
        if (reply->in_handler)
                return; /* the handler frees it */
        soup_server_message_unpause(reply->message);
        reply_free(reply);
}

void rest_reply_error(RestReply *reply, unsigned status, const char *message) {
        if (reply->api == ORAN_API_V1)
                rest_reply_send(reply, status, "application/json", oran_error_json(message));
        else
                rest_reply_send(reply, status, NULL, NULL);
}

void rest_reply_not_found(RestReply *reply) {
        rest_reply_send(reply, SOUP_STATUS_NOT_FOUND, "text/plain; charset=utf-8", g_strdup("404 page not found\n"));
}

static void handle_metrics(RestReply *reply) {
        reply->route = "/metrics";
        if (!g_str_equal(soup_server_message_get_method(reply->message), SOUP_METHOD_GET)) {
                rest_reply_send(reply, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL, NULL);
                return;
        }
        rest_reply_send(reply, SOUP_STATUS_OK, "text/plain; version=0.0.4; charset=utf-8",
                        metrics_render(reply->bridge->metrics));
}

static void on_request(SoupServer *server, SoupServerMessage *message, const char *path, GHashTable *query,
                       gpointer userdata) {
        ServerContext *ctx = userdata;
        const char *prefix = ctx->api == ORAN_API_V1 ? PREFIX_V1 : PREFIX_V2;
        RestReply *reply = g_new0(RestReply, 1);

        *reply = (RestReply) {
                .bridge = ctx->bridge,
                .message = g_object_ref(message),
                .api = ctx->api,
                .route = "other",
                .in_handler = true,
        };
        if (ctx->api == ORAN_API_V2 && g_str_equal(path, "/metrics"))
                handle_metrics(reply);
        else if (g_str_has_prefix(path, prefix) && path[strlen(prefix)] == '/')
                rest_route(reply, path + strlen(prefix));
        else
                rest_reply_not_found(reply);
        reply->in_handler = false;
        if (reply->sent)
                reply_free(reply);
        else
                soup_server_message_pause(message);
}

/*
 * The answer to a request refused before its body, written where it can be
 * without waiting (a client that reads nothing gets nothing), and the
 * connection closed: libsoup would otherwise read, and keep, the whole body
 * first, whatever the status set here.
 */
static void refuse_unread(SoupServerMessage *message, GSocket *socket, unsigned status) {
        g_autoptr(GIOStream) stolen = NULL;
        g_autoptr(GDateTime) now = g_date_time_new_now_utc();
        g_autofree char *date = soup_date_time_to_string(now, SOUP_DATE_HTTP);
        g_autofree char *text = g_strdup_printf("HTTP/1.1 %u %s\r\nDate: %s\r\nConnection: close\r\n"
                                                "Content-Length: 0\r\n\r\n",
                                                status, soup_status_get_phrase(status), date);

        g_object_ref(socket); /* the connection's, which libsoup lets go of */
        stolen = soup_server_message_steal_connection(message);
        (void) g_socket_send_with_blocking(socket, text, strlen(text), FALSE, NULL, NULL);
        (void) g_socket_shutdown(socket, FALSE, TRUE, NULL);
        (void) g_io_stream_close(stolen, NULL, NULL);
        (void) g_socket_close(socket, NULL);
        g_object_unref(socket);
}

/* A Content-Length of digits only, as RFC 9110 has it: libsoup takes "-5" and warns. */
static bool length_is_readable(SoupMessageHeaders *headers) {
        const char *value = soup_message_headers_get_one(headers, "Content-Length");
        size_t n = value ? strlen(value) : 0;

        return !value || (n > 0 && n <= 18 && strspn(value, "0123456789") == n);
}

/* After the headers, before the body: a body too large is refused unread, and so is one of unknown length. */
static void on_headers(SoupServer *server, SoupServerMessage *message, const char *path, GHashTable *query,
                       gpointer userdata) {
        ServerContext *ctx = userdata;
        SoupMessageHeaders *headers = soup_server_message_get_request_headers(message);
        goffset length = soup_message_headers_get_content_length(headers);
        SoupEncoding encoding = soup_message_headers_get_encoding(headers);
        GSocket *socket = soup_server_message_get_socket(message);
        unsigned status = 0;

        if (!length_is_readable(headers))
                status = SOUP_STATUS_BAD_REQUEST;
        else if (encoding == SOUP_ENCODING_CHUNKED || encoding == SOUP_ENCODING_EOF)
                status = SOUP_STATUS_LENGTH_REQUIRED;
        else if (encoding == SOUP_ENCODING_CONTENT_LENGTH && length > (goffset) ctx->bridge->config->max_body_bytes)
                status = SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
        if (status == 0)
                return;
        metrics_count_request(ctx->bridge->metrics, api_label(ctx->api), "other",
                              soup_server_message_get_method(message), status);
        g_object_set_data(G_OBJECT(message), DEADLINE_KEY, NULL);
        refuse_unread(message, socket, status);
}

/* ---- the read deadline: a request not read in time loses its connection ---- */

static gboolean on_deadline(gpointer userdata) {
        SoupServerMessage *message = userdata;
        GSocket *socket = soup_server_message_get_socket(message);

        g_object_steal_data(G_OBJECT(message), DEADLINE_KEY); /* this source is over: not to be removed */
        if (socket)
                g_socket_shutdown(socket, TRUE, TRUE, NULL);
        return G_SOURCE_REMOVE;
}

static void deadline_remove(gpointer id) {
        g_source_remove(GPOINTER_TO_UINT(id));
}

static void on_request_started(SoupServer *server, SoupServerMessage *message, gpointer userdata) {
        ServerContext *ctx = userdata;
        guint64 ms = ctx->bridge->config->request_timeout_usec / 1000;
        guint id = g_timeout_add_full(G_PRIORITY_DEFAULT, (guint) MIN(ms, (guint64) G_MAXUINT), on_deadline,
                                      message, NULL);

        g_object_set_data_full(G_OBJECT(message), DEADLINE_KEY, GUINT_TO_POINTER(id), deadline_remove);
}

static void on_request_read(SoupServer *server, SoupServerMessage *message, gpointer userdata) {
        g_object_set_data(G_OBJECT(message), DEADLINE_KEY, NULL);
}


SoupServer *rest_server_new(Bridge *b, OranApi api, GError **error) {
        const BridgeListen *listen = api == ORAN_API_V1 ? &b->config->v1 : &b->config->v2;
        g_autoptr(SoupServer) server = NULL;
        g_autoptr(GSocketAddress) address = NULL;
        ServerContext *ctx = g_new0(ServerContext, 1);

        ctx->bridge = b;
        ctx->api = api;
        /* No Server header: nothing to learn for a scanner */
        server = soup_server_new("server-header", NULL, NULL);
        g_object_set_data_full(G_OBJECT(server), "ptpsync-http-context", ctx, g_free);
        soup_server_add_early_handler(server, NULL, on_headers, ctx, NULL);
        soup_server_add_handler(server, NULL, on_request, ctx, NULL);
        g_signal_connect(server, "request-started", G_CALLBACK(on_request_started), ctx);
        g_signal_connect(server, "request-read", G_CALLBACK(on_request_read), ctx);
        address = g_inet_socket_address_new_from_string(listen->host, listen->port);
        if (!address) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s is not an address to listen on",
                            listen->host);
                return NULL;
        }
        if (!soup_server_listen(server, address, 0, error))
                return NULL;
        return g_steal_pointer(&server);
}

char *rest_base_url(const BridgeConfig *config, OranApi api) {
        const BridgeListen *listen = api == ORAN_API_V1 ? &config->v1 : &config->v2;
        const char *host = config->advertised_host ? config->advertised_host : listen->host;
        bool bracket = !config->advertised_host && strchr(host, ':');

        return g_strdup_printf("http://%s%s%s:%u%s", bracket ? "[" : "", host, bracket ? "]" : "", listen->port,
                               api == ORAN_API_V1 ? PREFIX_V1 : PREFIX_V2);
}
