/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oran-listener: the smallest O-RAN REST consumer endpoint. It listens for
 * the CloudEvents ptpsync-http (or cloud-event-proxy) POSTs, prints each
 * one on a line of its own, and answers 204 No Content, as the API wants.
 *
 *   oran-listener [--listen=HOST:PORT] [--status=CODE] [--quiet]
 *
 * The demo and the benchmark use it; it is not installed.
 */
#include <errno.h>
#include <glib-unix.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned status = SOUP_STATUS_NO_CONTENT;
static gboolean quiet;
static guint64 received;

static void on_post(SoupServer *server, SoupServerMessage *message, const char *path, GHashTable *query,
                    gpointer userdata) {
        g_autoptr(GBytes) body = NULL;
        gsize n;
        const char *data;

        if (!g_str_equal(soup_server_message_get_method(message), SOUP_METHOD_POST)) {
                soup_server_message_set_status(message, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
                return;
        }
        received++;
        if (!quiet) {
                body = soup_message_body_flatten(soup_server_message_get_request_body(message));
                data = g_bytes_get_data(body, &n);
                if (n == 0)
                        printf("POST %s (empty: the endpoint probe)\n", path);
                else
                        printf("POST %s %.*s\n", path, (int) n, data);
                fflush(stdout);
        }
        soup_server_message_set_status(message, status, NULL);
}

static gboolean on_signal(gpointer loop) {
        g_main_loop_quit(loop);
        return G_SOURCE_REMOVE;
}

int main(int argc, char *argv[]) {
        g_autofree char *listen = NULL;
        gint code = SOUP_STATUS_NO_CONTENT;
        const GOptionEntry options[] = {
                { "listen", 0, 0, G_OPTION_ARG_STRING, &listen, "Where to listen (default 127.0.0.1:9099)",
                  "HOST:PORT" },
                { "status", 0, 0, G_OPTION_ARG_INT, &code, "The status to answer (default 204)", "CODE" },
                { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print nothing, only count", NULL },
                {},
        };
        g_autoptr(GOptionContext) context = g_option_context_new("- print the O-RAN events POSTed here");
        g_autoptr(GError) error = NULL;
        g_autoptr(SoupServer) server = NULL;
        g_autoptr(GSocketAddress) address = NULL;
        g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
        const char *colon;
        guint64 port;

        g_option_context_add_main_entries(context, options, NULL);
        if (!g_option_context_parse(context, &argc, &argv, &error)) {
                fprintf(stderr, "oran-listener: %s\n", error->message);
                return 2;
        }
        if (code < 100 || code > 599) {
                fprintf(stderr, "oran-listener: --status=%d is not an HTTP status\n", code);
                return 2;
        }
        status = (unsigned) code;
        if (!listen)
                listen = g_strdup("127.0.0.1:9099");
        colon = strrchr(listen, ':');
        if (!colon || !g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &port, NULL)) {
                fprintf(stderr, "oran-listener: --listen=%s: expected HOST:PORT\n", listen);
                return 2;
        }
        g_autofree char *host = g_strndup(listen, colon - listen);
        address = g_inet_socket_address_new_from_string(host, (guint) port);
        if (!address) {
                fprintf(stderr, "oran-listener: --listen=%s: %s is not an IP address\n", listen, host);
                return 2;
        }
        server = soup_server_new("server-header", NULL, NULL);
        soup_server_add_handler(server, NULL, on_post, NULL, NULL);
        if (!soup_server_listen(server, address, 0, &error)) {
                fprintf(stderr, "oran-listener: %s\n", error->message);
                return 1;
        }
        g_unix_signal_add(SIGINT, on_signal, loop);
        g_unix_signal_add(SIGTERM, on_signal, loop);
        if (!quiet)
                printf("oran-listener: listening on http://%s/\n", listen);
        fflush(stdout);
        g_main_loop_run(loop);
        if (quiet)
                printf("%" G_GUINT64_FORMAT " POSTs received\n", received);
        return 0;
}
