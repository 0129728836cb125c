/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "oran-event.h"
#include "state-cache.h"

struct StateCache {
        Bridge *bridge;
        GHashTable *latest; /* source address -> PtpsyncEvent* (referenced) */
        PtpsyncSubscription *subscription;
        PtpsyncCall *prime;
        bool ready;
};

static void event_unref(gpointer e) {
        ptpsync_event_unref(e);
}

StateCache *state_cache_new(Bridge *b) {
        StateCache *c = g_new0(StateCache, 1);

        c->bridge = b;
        c->latest = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, event_unref);
        return c;
}

void state_cache_reset(StateCache *c) {
        if (c->prime)
                ptpsync_call_cancel(c->prime);
        c->prime = NULL;
        c->subscription = ptpsync_subscription_free(c->subscription);
        g_hash_table_remove_all(c->latest);
        c->ready = false;
}

void state_cache_free(StateCache *c) {
        if (!c)
                return;
        state_cache_reset(c);
        g_hash_table_destroy(c->latest);
        g_free(c);
}

/* Keeps e if it is newer than what is known of its resource. */
static void remember(StateCache *c, const PtpsyncEvent *e) {
        const PtpsyncEvent *known = g_hash_table_lookup(c->latest, ptpsync_event_get_source(e));
        g_autofree OranValue *values = NULL;
        OranEvent view;

        if (known && ptpsync_event_get_seq(known) >= ptpsync_event_get_seq(e))
                return;
        g_hash_table_replace(c->latest, g_strdup(ptpsync_event_get_source(e)), ptpsync_event_ref((PtpsyncEvent *) e));
        oran_event_view(e, &view, &values);
        metrics_observe_event(c->bridge->metrics, &view);
}

static int on_event(PtpsyncSubscription *s, const PtpsyncEvent *e, void *userdata) {
        remember(userdata, e);
        return PTPSYNC_ACK;
}

static void on_primed(PtpsyncClient *client, int error, const PtpsyncEventList *events, void *userdata) {
        StateCache *c = userdata;

        c->prime = NULL;
        if (error < 0 && error != -ENODATA) {
                g_warning("The current state could not be read from ptpsyncd: %s", g_strerror(-error));
                return;
        }
        for (size_t i = 0; error >= 0 && i < ptpsync_event_list_get_n(events); i++)
                remember(c, ptpsync_event_list_get(events, i));
        c->ready = true;
}

static void on_state(PtpsyncSubscription *s, PtpsyncSubscriptionState state, int error, void *userdata) {
        StateCache *c = userdata;
        PtpsyncClient *client = ptpsync_subscription_get_client(s);
        g_autofree char *prefix = NULL;
        int r;

        if (state == PTPSYNC_SUBSCRIPTION_ACTIVE && !c->ready && !c->prime) {
                /* Subscribed first, then asked: nothing falls between the two. */
                prefix = g_strconcat("/cluster/node/", c->bridge->node, NULL);
                r = ptpsync_client_get_state_async(client, prefix, on_primed, c, &c->prime);
                if (r < 0)
                        g_warning("The current state could not be asked for: %s", g_strerror(-r));
        } else if (state == PTPSYNC_SUBSCRIPTION_ENDED) {
                if (error < 0 && error != -ECONNRESET)
                        g_warning("The state subscription ended: %s",
                                  ptpsync_client_last_error_message(client) ?: g_strerror(-error));
                c->ready = false;
                g_hash_table_remove_all(c->latest);
                /* The next daemon's current state says what is true then; until it comes, nothing is. */
                metrics_forget_states(c->bridge->metrics);
        }
}

void state_cache_start(StateCache *c) {
        g_autofree char *prefix = g_strconcat("/cluster/node/", c->bridge->node, NULL);
        PtpsyncSubscribeOptions *o = NULL;
        int r;

        state_cache_reset(c);
        r = ptpsync_subscribe_options_new(&o);
        if (r >= 0)
                r = ptpsync_subscribe_options_set_ordered(o, false);
        if (r >= 0)
                r = ptpsync_client_subscribe(c->bridge->client, prefix, o, on_event, c, &c->subscription);
        ptpsync_subscribe_options_free(o);
        if (r < 0) {
                g_warning("Could not subscribe to %s: %s", prefix, g_strerror(-r));
                return;
        }
        ptpsync_subscription_set_state_handler(c->subscription, on_state);
}

bool state_cache_ready(const StateCache *c) {
        return c->ready;
}

const PtpsyncEvent *state_cache_get(const StateCache *c, const char *daemon_address) {
        return g_hash_table_lookup(c->latest, daemon_address);
}
