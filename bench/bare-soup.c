/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-http-bench-bare: the baseline of ptpsync-http-bench's CurrentState
 * runs. A SoupServer configured as the bridge's (no Server header, one
 * handler for every path) that answers every GET with the same body and
 * headers, captured from the bridge by the benchmark: what libsoup costs on
 * this machine, with none of the bridge's work.
 */
#include <glib-unix.h>
#include <libsoup/soup.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

typedef struct Answer {
        GBytes *body;
        char *content_type;
        char **headers; /* "Name: value" */
} Answer;

static void on_request(SoupServer *server, SoupServerMessage *message, const char *path, GHashTable *query,
                       gpointer userdata) {
        Answer *a = userdata;
        SoupMessageHeaders *h = soup_server_message_get_response_headers(message);

        for (char **l = a->headers; l && *l; l++) {
                g_auto(GStrv) kv = g_strsplit(*l, ":", 2);

                if (kv[0] && kv[1])
                        soup_message_headers_append(h, g_strstrip(kv[0]), g_strstrip(kv[1]));
        }
        soup_server_message_set_response(message, a->content_type, SOUP_MEMORY_COPY,
                                         g_bytes_get_data(a->body, NULL), g_bytes_get_size(a->body));
        soup_server_message_set_status(message, SOUP_STATUS_OK, NULL);
}

static gboolean on_terminate(gpointer userdata) {
        g_main_loop_quit(userdata);
        return G_SOURCE_REMOVE;
}

/* As the bridge listens: a backlog of SOMAXCONN rather than GLib's 10, which 100 clients starting at
 * once overflow (each dropped SYN then costs its client a second). */
static bool listen_socket(SoupServer *server, GSocketAddress *address, GError **error) {
        g_autoptr(GSocket) socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                                 G_SOCKET_PROTOCOL_TCP, error);

        if (!socket)
                return false;
        g_socket_set_listen_backlog(socket, SOMAXCONN);
        return g_socket_bind(socket, address, TRUE, error) && g_socket_listen(socket, error) &&
               soup_server_listen_socket(server, socket, 0, error);
}

int main(int argc, char *argv[]) {
        g_autofree char *body_file = NULL, *content_type = NULL;
        g_auto(GStrv) headers = NULL;
        int port = 0;
        const GOptionEntry entries[] = {
                { "port", 0, 0, G_OPTION_ARG_INT, &port, "Listen on 127.0.0.1:PORT (required)", "PORT" },
                { "body", 0, 0, G_OPTION_ARG_FILENAME, &body_file, "Answer with the bytes of FILE (required)",
                  "FILE" },
                { "content-type", 0, 0, G_OPTION_ARG_STRING, &content_type, "The Content-Type of the answer",
                  "TYPE" },
                { "header", 0, 0, G_OPTION_ARG_STRING_ARRAY, &headers,
                  "Another header of the answer (repeatable)", "'NAME: VALUE'" },
                {},
        };
        g_autoptr(GOptionContext) context = g_option_context_new(NULL);
        g_autoptr(GError) error = NULL;
        g_autoptr(SoupServer) server = NULL;
        g_autoptr(GSocketAddress) address = NULL;
        g_autoptr(GMainLoop) loop = NULL;
        g_autofree char *data = NULL;
        gsize length = 0;
        Answer a = {};

        g_option_context_set_summary(context,
                                     "The bare libsoup server of ptpsync-http-bench: answers every request with "
                                     "200 and the\ngiven body and headers, as captured from ptpsync-http's "
                                     "CurrentState. See bench/README.md.");
        g_option_context_add_main_entries(context, entries, NULL);
        if (!g_option_context_parse(context, &argc, &argv, &error) || port <= 0 || port > 65535 || !body_file) {
                fprintf(stderr, "ptpsync-http-bench-bare: %s\n",
                        error ? error->message : "--port=PORT and --body=FILE are required");
                return 2;
        }
        if (!g_file_get_contents(body_file, &data, &length, &error)) {
                fprintf(stderr, "ptpsync-http-bench-bare: %s\n", error->message);
                return 1;
        }
        a.body = g_bytes_new_take(g_steal_pointer(&data), length);
        a.content_type = content_type;
        a.headers = headers;
        loop = g_main_loop_new(NULL, FALSE);
        server = soup_server_new("server-header", NULL, NULL);
        soup_server_add_handler(server, NULL, on_request, &a, NULL);
        address = g_inet_socket_address_new_from_string("127.0.0.1", (guint) port);
        if (!listen_socket(server, address, &error)) {
                fprintf(stderr, "ptpsync-http-bench-bare: cannot listen on port %d: %s\n", port, error->message);
                g_bytes_unref(a.body);
                return 1;
        }
        g_unix_signal_add(SIGTERM, on_terminate, loop);
        g_unix_signal_add(SIGINT, on_terminate, loop);
        g_main_loop_run(loop);
        soup_server_disconnect(server);
        g_bytes_unref(a.body);
        return 0;
}
