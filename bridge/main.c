/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-http: the O-RAN O-Cloud Notification REST API (v1 and v2, as
 * cloud-event-proxy serves it) over ptpsyncd, through libptpsync.
 */
#include <glib-unix.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "bridge-log.h"
#include "bridge-options.h"
#include "bridge.h"
#include "http-poster.h"
#include "ptpsync-glib.h"
#include "rest-server.h"
#include "rest-subscriptions.h"
#include "state-cache.h"

static void notify_status(Bridge *b) {
        sd_notifyf(0, "STATUS=%s; %u v2 and %u v1 subscriptions",
                   b->synced ? "Serving" : "Waiting for ptpsyncd",
                   rest_subscriptions_count(b->subscriptions, ORAN_API_V2),
                   rest_subscriptions_count(b->subscriptions, ORAN_API_V1));
}

static void on_synced(int error, void *userdata);

static gboolean sync_again(gpointer userdata) {
        Bridge *b = userdata;

        b->sync_timer = 0;
        if (!b->synced && !b->syncing && b->daemon_owner) {
                b->syncing = true;
                rest_subscriptions_sync(b->subscriptions, on_synced, b);
        }
        return G_SOURCE_REMOVE;
}

static void on_synced(int error, void *userdata) {
        Bridge *b = userdata;

        b->syncing = false;
        if (error < 0) {
                g_warning("The subscriptions could not be listed from ptpsyncd: %s; trying again in 2 s",
                          ptpsync_client_last_error_message(b->client) ?: g_strerror(-error));
                if (!b->sync_timer)
                        b->sync_timer = g_timeout_add_seconds(2, sync_again, b);
                return;
        }
        b->synced = true;
        notify_status(b);
}

static void on_node_name(PtpsyncClient *c, int error, const char *value, void *userdata) {
        Bridge *b = userdata;

        if (error < 0) {
                g_warning("ptpsyncd's NodeName could not be read: %s",
                          ptpsync_client_last_error_message(c) ?: g_strerror(-error));
                return;
        }
        if (g_strcmp0(b->node, value) != 0) {
                g_free(b->node);
                b->node = g_strdup(value);
                g_message("Serving node %s", b->node);
        }
        state_cache_start(b->state);
        sync_again(b);
}

/* The daemon came (again) or went: follow it. Durable subscriptions re-attach in the library. */
static void on_daemon(PtpsyncClient *c, const char *owner, void *userdata) {
        Bridge *b = userdata;

        if (g_strcmp0(owner, b->daemon_owner) == 0)
                return;
        g_free(b->daemon_owner);
        b->daemon_owner = g_strdup(owner);
        if (!owner) {
                g_message("ptpsyncd left the bus; waiting for it");
                state_cache_reset(b->state);
                return;
        }
        if (ptpsync_client_get_node_name_async(c, on_node_name, b, NULL) < 0)
                g_warning("Could not ask ptpsyncd for its NodeName");
}

static gboolean on_terminate(gpointer userdata) {
        Bridge *b = userdata;

        g_message("Stopping");
        sd_notify(0, "STOPPING=1");
        g_main_loop_quit(b->loop);
        return G_SOURCE_CONTINUE;
}

static bool start_servers(Bridge *b, GError **error) {
        static const OranApi apis[] = { ORAN_API_V1, ORAN_API_V2 };

        for (size_t i = 0; i < G_N_ELEMENTS(apis); i++) {
                const BridgeListen *listen = apis[i] == ORAN_API_V1 ? &b->config->v1 : &b->config->v2;

                if (!listen->enabled)
                        continue;
                b->servers[i] = rest_server_new(b, apis[i], error);
                if (!b->servers[i]) {
                        g_prefix_error(error, "Cannot listen on %s port %u for %s: ", listen->host, listen->port,
                                       apis[i] == ORAN_API_V1 ? "v1" : "v2");
                        return false;
                }
                g_message("%s API on http://%s%s%s:%u/api/ocloudNotifications/%s", i == 0 ? "v1" : "v2",
                          strchr(listen->host, ':') ? "[" : "", listen->host, strchr(listen->host, ':') ? "]" : "",
                          listen->port, i == 0 ? "v1" : "v2");
        }
        return true;
}

static void bridge_done(Bridge *b) {
        if (b->sync_timer)
                g_source_remove(b->sync_timer);
        /* What waits for an outcome is answered while its connection is still there: nothing is left paused. */
        if (b->subscriptions)
                rest_subscriptions_shutdown(b->subscriptions);
        for (size_t i = 0; i < G_N_ELEMENTS(b->servers); i++)
                if (b->servers[i])
                        soup_server_disconnect(b->servers[i]);
        /* The connections just closed let go of their sockets in the iterations that follow: a few, not a wait. */
        for (unsigned n = 0; n < 64 && g_main_context_pending(NULL); n++)
                g_main_context_iteration(NULL, FALSE);
        for (size_t i = 0; i < G_N_ELEMENTS(b->servers); i++)
                g_clear_object(&b->servers[i]);
        /* Durable subscriptions are left as they are: the daemon keeps them for the next start. */
        g_clear_pointer(&b->subscriptions, rest_subscriptions_free);
        g_clear_pointer(&b->state, state_cache_free);
        g_clear_pointer(&b->poster, http_poster_free);
        b->client = ptpsync_client_free(b->client);
        g_clear_pointer(&b->metrics, metrics_free);
        g_clear_pointer(&b->allowlist, allowlist_free);
        g_clear_pointer(&b->loop, g_main_loop_unref);
        g_clear_pointer(&b->node, g_free);
        g_clear_pointer(&b->daemon_owner, g_free);
}

static int run(Bridge *b) {
        g_autoptr(GError) error = NULL;
        guint source;
        int r;

        b->allowlist = allowlist_new((const char *const *) b->config->allow, &error);
        if (!b->allowlist) {
                fprintf(stderr, "ptpsync-http: [Endpoints] Allow=: %s\n", error->message);
                return 2;
        }
        r = ptpsync_client_new(&b->client, b->config->bus);
        if (r < 0) {
                fprintf(stderr, "ptpsync-http: cannot connect to the %s bus%s%s: %s\n",
                        b->config->bus ? "" : "system", b->config->bus ? " at " : "", b->config->bus ?: "",
                        g_strerror(-r));
                return 1;
        }
        b->loop = g_main_loop_new(NULL, FALSE);
        b->metrics = metrics_new();
        b->poster = http_poster_new(b->config->max_concurrent_posts);
        b->subscriptions = rest_subscriptions_new(b);
        b->state = state_cache_new(b);
        source = ptpsync_glib_attach(b->client, NULL);
        if (source == 0) {
                fprintf(stderr, "ptpsync-http: cannot attach to the main loop\n");
                return 1;
        }
        ptpsync_client_set_daemon_handler(b->client, on_daemon, b);
        if (!start_servers(b, &error)) {
                fprintf(stderr, "ptpsync-http: %s\n", error->message);
                g_source_remove(source);
                return 1;
        }
        /* The handler runs once the daemon's owner is learnt; if it is known already, now. */
        if (ptpsync_client_get_daemon_owner(b->client))
                on_daemon(b->client, ptpsync_client_get_daemon_owner(b->client), b);
        g_unix_signal_add(SIGTERM, on_terminate, b);
        g_unix_signal_add(SIGINT, on_terminate, b);
        sd_notify(0, "READY=1");
        notify_status(b);

        g_main_loop_run(b->loop);
        g_source_remove(source);
        return 0;
}

int main(int argc, char *argv[]) {
        g_autoptr(GError) error = NULL;
        BridgeConfig config;
        Bridge b = { .config = &config };
        int r;

        bridge_config_init(&config);
        r = bridge_options_parse(argc, argv, &config, &error);
        if (r != 0) {
                if (r < 0)
                        fprintf(stderr, "ptpsync-http: %s\n", error->message);
                bridge_config_done(&config);
                return r < 0 ? 2 : 0;
        }
        bridge_log_setup(config.log_level);
        r = run(&b);
        bridge_done(&b);
        bridge_config_done(&config);
        return r;
}
