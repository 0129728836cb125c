/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <gio/gio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "oran-json.h"
#include "rest-server.h"

#define PREFIX_V1 "/api/ocloudNotifications/v1"
#define PREFIX_V2 "/api/ocloudNotifications/v2"

typedef struct ServerContext {
        Bridge *bridge;
        OranApi api;
        SoupServer *server;       /* the owner of this context */
        GSocket *listener;
        GSource *accept_source;   /* NULL while accepting fails */
        guint accept_retry;
        gint64 accept_warned_usec; /* the last warning that accepting fails: one every 10 s at most */
        bool accept_warned;        /* not yet followed by the message that it works again */
        GHashTable *connections;  /* GSocketAddress* (remote) -> Connection* */
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

/* ---- the connections, accepted and closed here ---- */

/*
 * libsoup 3.2's own listener stops for good at the first failed accept (EMFILE), and loses every
 * connection its client closes while idle, with its descriptor (fixed in 3.3.0). So connections
 * are accepted here, handed to libsoup as streams, and closed here when their client is gone or
 * their request is late. A connection is found again from its messages by its remote address,
 * the very object given to libsoup.
 */
typedef struct Connection {
        ServerContext *ctx;
        GSocketConnection *stream;
        GSocketAddress *remote; /* the key, held so that no other connection can get its address */
        guint deadline;         /* the request being read is late: the connection goes */
        GSource *idle_watch;    /* between requests: the client's end of file closes it */
        guint closing;          /* end of file seen: closed unless libsoup starts a request it holds */
} Connection;

#define ACCEPT_BATCH 64
#define ACCEPT_RETRY_MS 100
#define ACCEPT_WARN_USEC (10 * G_USEC_PER_SEC)

static void connection_unwatch(Connection *c) {
        g_clear_handle_id(&c->deadline, g_source_remove);
        g_clear_handle_id(&c->closing, g_source_remove);
        if (c->idle_watch) {
                g_source_destroy(c->idle_watch);
                g_clear_pointer(&c->idle_watch, g_source_unref);
        }
}

/* The table's value destructor: the descriptor is closed here, whatever libsoup still holds. */
static void connection_free(Connection *c) {
        connection_unwatch(c);
        (void) g_io_stream_close(G_IO_STREAM(c->stream), NULL, NULL);
        g_object_unref(c->stream);
        g_object_unref(c->remote);
        g_free(c);
}

static void connection_close(Connection *c) {
        g_hash_table_remove(c->ctx->connections, c->remote);
}

static Connection *connection_of(ServerContext *ctx, SoupServerMessage *message) {
        return g_hash_table_lookup(ctx->connections, soup_server_message_get_remote_address(message));
}

static GSocket *connection_socket(Connection *c) {
        return g_socket_connection_get_socket(c->stream);
}

static gboolean on_deadline(gpointer userdata) {
        Connection *c = userdata;

        c->deadline = 0;
        connection_close(c);
        return G_SOURCE_REMOVE;
}

static gboolean on_closing(gpointer userdata) {
        Connection *c = userdata;

        c->closing = 0;
        connection_close(c);
        return G_SOURCE_REMOVE;
}

/*
 * Between requests. An end of file may still leave pipelined requests in
 * libsoup's buffer: the close waits until libsoup, whose read is ready too,
 * has had its turn (a request it starts cancels it).
 */
static gboolean on_idle_readable(GSocket *socket, GIOCondition condition, gpointer userdata) {
        Connection *c = userdata;
        char byte;
        gssize n = recv(g_socket_get_fd(socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return G_SOURCE_CONTINUE;
        g_clear_pointer(&c->idle_watch, g_source_unref);
        /* n > 0: a request comes, libsoup's now, under the deadline */
        if (n <= 0)
                c->closing = g_idle_add_full(G_PRIORITY_LOW, on_closing, c, NULL);
        return G_SOURCE_REMOVE;
}

/* libsoup is done with it: an answer with Connection: close, a failed read or write. */
static void on_disconnected(SoupServerMessage *message, gpointer userdata) {
        Connection *c = connection_of(userdata, message);

        if (c)
                connection_close(c);
}

/* Until a byte comes: the idle watch keeps no deadline, the first request is under both. */
static void connection_watch_idle(Connection *c) {
        c->idle_watch = g_socket_create_source(connection_socket(c), G_IO_IN, NULL);
        g_source_set_callback(c->idle_watch, G_SOURCE_FUNC(on_idle_readable), c, NULL);
        g_source_attach(c->idle_watch, NULL);
}

static void on_request_started(SoupServer *server, SoupServerMessage *message, gpointer userdata) {
        ServerContext *ctx = userdata;
        Connection *c = connection_of(ctx, message);
        guint64 ms = ctx->bridge->config->request_timeout_usec / 1000;

        if (!c)
                return;
        g_signal_connect(message, "disconnected", G_CALLBACK(on_disconnected), ctx);
        connection_unwatch(c);
        c->deadline = g_timeout_add_full(G_PRIORITY_DEFAULT, (guint) MIN(ms, (guint64) G_MAXUINT), on_deadline, c,
                                         NULL);
}

/* Answered and kept alive: libsoup starts the next request only once bytes come. */
static void on_request_finished(SoupServer *server, SoupServerMessage *message, gpointer userdata) {
        Connection *c = connection_of(userdata, message);

        if (!c)
                return;
        connection_unwatch(c);
        connection_watch_idle(c);
}

static void on_request_read(SoupServer *server, SoupServerMessage *message, gpointer userdata) {
        Connection *c = connection_of(userdata, message);

        if (c)
                connection_unwatch(c);
}

static void connection_start(ServerContext *ctx, GSocket *socket) {
        g_autoptr(GSocketAddress) local = g_socket_get_local_address(socket, NULL);
        g_autoptr(GSocketAddress) remote = g_socket_get_remote_address(socket, NULL);
        Connection *c;

        if (!local || !remote)
                return; /* gone already */
        (void) g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
        c = g_new0(Connection, 1);
        *c = (Connection) {
                .ctx = ctx,
                .stream = g_socket_connection_factory_create_connection(socket),
                .remote = g_object_ref(remote),
        };
        g_hash_table_insert(ctx->connections, c->remote, c);
        /* libsoup starts reading at once: request-started finds the connection in the table */
        (void) soup_server_accept_iostream(ctx->server, G_IO_STREAM(c->stream), local, remote, NULL);
        /* a client that leaves before its first byte goes at once, not at the deadline */
        c = g_hash_table_lookup(ctx->connections, remote);
        if (c && !c->idle_watch)
                connection_watch_idle(c);
}

static void accept_watch(ServerContext *ctx);

static gboolean accept_again(gpointer userdata) {
        ServerContext *ctx = userdata;

        ctx->accept_retry = 0;
        accept_watch(ctx);
        return G_SOURCE_REMOVE;
}

/* Out of descriptors, most likely: the listener waits a little and tries again, rather than giving up. */
static void accept_pause(ServerContext *ctx, const GError *error) {
        gint64 now = g_get_monotonic_time();

        if (!ctx->accept_warned_usec || now - ctx->accept_warned_usec >= ACCEPT_WARN_USEC) {
                g_warning("Cannot accept a connection on the %s port: %s; trying again every %u ms",
                          api_label(ctx->api), error->message, ACCEPT_RETRY_MS);
                ctx->accept_warned_usec = now;
                ctx->accept_warned = true;
        }
        g_source_destroy(ctx->accept_source);
        g_clear_pointer(&ctx->accept_source, g_source_unref);
        ctx->accept_retry = g_timeout_add(ACCEPT_RETRY_MS, accept_again, ctx);
}

static gboolean on_incoming(GSocket *listener, GIOCondition condition, gpointer userdata) {
        ServerContext *ctx = userdata;

        for (unsigned i = 0; i < ACCEPT_BATCH; i++) {
                g_autoptr(GError) error = NULL;
                g_autoptr(GSocket) socket = g_socket_accept(listener, NULL, &error);

                if (!socket) {
                        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
                                break;
                        accept_pause(ctx, error);
                        return G_SOURCE_REMOVE;
                }
                if (ctx->accept_warned)
                        g_message("Accepting connections on the %s port again", api_label(ctx->api));
                ctx->accept_warned = false;
                connection_start(ctx, socket);
        }
        return G_SOURCE_CONTINUE;
}

static void accept_watch(ServerContext *ctx) {
        ctx->accept_source = g_socket_create_source(ctx->listener, G_IO_IN, NULL);
        g_source_set_callback(ctx->accept_source, G_SOURCE_FUNC(on_incoming), ctx, NULL);
        g_source_attach(ctx->accept_source, NULL);
}

/*
 * libsoup 3.2 keeps a connection alive after a response only while its server has a listener.
 * It gets one that never accepts: a socket whose peer is closed, so that its first try fails
 * and it stops watching.
 */
static bool give_dead_listener(SoupServer *server, GError **error) {
        int fds[2];
        g_autoptr(GSocket) socket = NULL;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "socketpair: %s", g_strerror(errno));
                return false;
        }
        close(fds[1]);
        socket = g_socket_new_from_fd(fds[0], error);
        if (!socket) {
                close(fds[0]);
                return false;
        }
        return soup_server_listen_socket(server, socket, 0, error);
}

static GSocket *listen_on(const BridgeListen *listen, GError **error) {
        g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string(listen->host, listen->port);
        g_autoptr(GSocket) socket = NULL;

        if (!address) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s is not an address to listen on",
                            listen->host);
                return NULL;
        }
        socket = g_socket_new(g_socket_address_get_family(address), G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                              error);
        if (!socket)
                return NULL;
        if (g_socket_address_get_family(address) == G_SOCKET_FAMILY_IPV6)
                (void) g_socket_set_option(socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, NULL);
        g_socket_set_blocking(socket, FALSE);
        /* GLib's default backlog is 10: a burst of connections (100 clients starting at once) overflowed
         * it, and each dropped SYN cost its client a retransmission, a second. */
        g_socket_set_listen_backlog(socket, SOMAXCONN);
        if (!g_socket_bind(socket, address, TRUE, error) || !g_socket_listen(socket, error))
                return NULL;
        return g_steal_pointer(&socket);
}

static void server_context_free(ServerContext *ctx) {
        if (ctx->accept_source) {
                g_source_destroy(ctx->accept_source);
                g_source_unref(ctx->accept_source);
        }
        g_clear_handle_id(&ctx->accept_retry, g_source_remove);
        if (ctx->listener)
                (void) g_socket_close(ctx->listener, NULL);
        g_clear_object(&ctx->listener);
        g_clear_pointer(&ctx->connections, g_hash_table_unref);
        g_free(ctx);
}

/* ---- refusing a request before its body ---- */

/*
 * The answer to a request refused before its body, written where it can be
 * without waiting (a client that reads nothing gets nothing), and the
 * connection closed: libsoup would otherwise read, and keep, the whole body
 * first, whatever the status set here.
 */
static void refuse_unread(Connection *c, SoupServerMessage *message, unsigned status) {
        g_autoptr(GIOStream) stolen = NULL;
        g_autoptr(GDateTime) now = g_date_time_new_now_utc();
        g_autofree char *date = soup_date_time_to_string(now, SOUP_DATE_HTTP);
        g_autofree char *text = g_strdup_printf("HTTP/1.1 %u %s\r\nDate: %s\r\nConnection: close\r\n"
                                                "Content-Length: 0\r\n\r\n",
                                                status, soup_status_get_phrase(status), date);

        /* out of the table first: libsoup's "disconnected" must not close it before the answer */
        g_hash_table_steal(c->ctx->connections, c->remote);
        stolen = soup_server_message_steal_connection(message);
        (void) g_socket_send_with_blocking(connection_socket(c), text, strlen(text), FALSE, NULL, NULL);
        (void) g_socket_shutdown(connection_socket(c), FALSE, TRUE, NULL);
        (void) g_io_stream_close(stolen, NULL, NULL);
        connection_free(c);
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
        Connection *c = connection_of(ctx, message);
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
        if (c)
                refuse_unread(c, message, status);
        else /* every connection is in the table; were one not, libsoup's way: the body read first */
                soup_server_message_set_status(message, status, NULL);
}

SoupServer *rest_server_new(Bridge *b, OranApi api, GError **error) {
        const BridgeListen *listen = api == ORAN_API_V1 ? &b->config->v1 : &b->config->v2;
        g_autoptr(SoupServer) server = NULL;
        ServerContext *ctx = g_new0(ServerContext, 1);

        /* No Server header: nothing to learn for a scanner */
        server = soup_server_new("server-header", NULL, NULL);
        *ctx = (ServerContext) {
                .bridge = b,
                .api = api,
                .server = server,
                .connections = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify) connection_free),
        };
        g_object_set_data_full(G_OBJECT(server), "ptpsync-http-context", ctx, (GDestroyNotify) server_context_free);
        soup_server_add_early_handler(server, NULL, on_headers, ctx, NULL);
        soup_server_add_handler(server, NULL, on_request, ctx, NULL);
        g_signal_connect(server, "request-started", G_CALLBACK(on_request_started), ctx);
        g_signal_connect(server, "request-read", G_CALLBACK(on_request_read), ctx);
        g_signal_connect(server, "request-finished", G_CALLBACK(on_request_finished), ctx);
        ctx->listener = listen_on(listen, error);
        if (!ctx->listener || !give_dead_listener(server, error))
                return NULL;
        accept_watch(ctx);
        return g_steal_pointer(&server);
}

char *rest_base_url(const BridgeConfig *config, OranApi api) {
        const BridgeListen *listen = api == ORAN_API_V1 ? &config->v1 : &config->v2;
        const char *host = config->advertised_host ? config->advertised_host : listen->host;
        bool bracket = !config->advertised_host && strchr(host, ':');

        return g_strdup_printf("http://%s%s%s:%u%s", bracket ? "[" : "", host, bracket ? "]" : "", listen->port,
                               api == ORAN_API_V1 ? PREFIX_V1 : PREFIX_V2);
}
