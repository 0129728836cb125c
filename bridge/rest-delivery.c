/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Delivery of one REST subscription's events: the daemon sends them one at a
 * time (the subscription is ordered), each is POSTed and answered with Ack or
 * Nack once the consumer has answered. Nothing blocks; a consumer that does
 * not answer costs its own subscription a timeout and nobody else anything.
 */
#include <inttypes.h>

#include "oran-event.h"
#include "rest-subscription-internal.h"

GBytes *rest_delivery_body(const RestSubscription *s, const PtpsyncEvent *e, bool current_state) {
        g_autofree OranValue *values = NULL;
        OranEvent view;
        char *json;

        oran_event_view(e, &view, &values);
        if (s->api == ORAN_API_V1)
                json = oran_event_to_json_v1_push(&view, s->info.id);
        else
                json = oran_event_to_json_v2(&view, current_state);
        return g_bytes_new_take(json, strlen(json));
}

static void on_posted(unsigned status, const char *error, void *userdata) {
        RestSubscription *s = userdata;
        Bridge *b = s->registry->bridge;
        uint64_t seq = ptpsync_event_get_seq(s->posting);
        unsigned attempt = ptpsync_event_get_attempt(s->posting);
        PostOutcome outcome = post_outcome_of(status);
        int r = 0;

        s->post = NULL;
        switch (outcome) {
        case POST_DELIVERED:
                metrics_count_delivery(b->metrics, s->info.id, s->info.resource, METRICS_DELIVERED);
                r = ptpsync_subscription_ack(s->handle, seq);
                break;
        case POST_RETRY:
        case POST_REJECT:
                if (error)
                        g_message("Subscription %s: POST of event %" PRIu64 " (attempt %u) to %s failed: %s%s",
                                  s->info.id, seq, attempt, s->info.endpoint, error,
                                  outcome == POST_RETRY ? "; retried after the backoff" : "");
                else
                        g_message("Subscription %s: %s answered %u to event %" PRIu64 " (attempt %u)%s",
                                  s->info.id, s->info.endpoint, status, seq, attempt,
                                  outcome == POST_RETRY ? "; retried after the backoff"
                                                        : "; not retried: dead-lettered");
                if (outcome == POST_RETRY)
                        metrics_count_delivery(b->metrics, s->info.id, s->info.resource, METRICS_RETRIED);
                g_clear_pointer(&s->last_failed, ptpsync_event_unref);
                s->last_failed = ptpsync_event_ref(s->posting);
                r = ptpsync_subscription_nack(s->handle, seq, outcome == POST_RETRY);
                break;
        }
        /* Not attached now (the daemon restarts): it sends the event again once re-attached. */
        if (r < 0 && r != -ENOTCONN)
                g_warning("Subscription %s: could not answer event %" PRIu64 ": %s", s->info.id, seq,
                          g_strerror(-r));
        g_clear_pointer(&s->posting, ptpsync_event_unref);
}

static void post_event(RestSubscription *s, const PtpsyncEvent *e) {
        Bridge *b = s->registry->bridge;
        g_autoptr(GBytes) body = rest_delivery_body(s, e, false);

        rest_delivery_stop(s);
        s->posting = ptpsync_event_ref((PtpsyncEvent *) e);
        s->post = http_poster_post(b->poster, s->info.endpoint, body, NULL, b->config->post_timeout_usec,
                                   on_posted, s);
        if (!s->post) {
                /* Checked when it was made; only a changed allowlist or a bug gets here. */
                g_warning("Subscription %s: cannot POST to %s; event %" PRIu64 " dead-lettered", s->info.id,
                          s->info.endpoint, ptpsync_event_get_seq(e));
                (void) ptpsync_subscription_nack(s->handle, ptpsync_event_get_seq(e), false);
                g_clear_pointer(&s->posting, ptpsync_event_unref);
        }
}

int rest_delivery_on_event(PtpsyncSubscription *handle, const PtpsyncEvent *e, void *userdata) {
        RestSubscription *s = userdata;
        uint64_t seq = ptpsync_event_get_seq(e);

        if (seq <= s->probed_seq || !s->info.endpoint)
                return PTPSYNC_ACK; /* in the probe already, or a v1 subscription without an endpoint */
        switch (s->phase) {
        case REST_PROBING:
                g_clear_pointer(&s->held, ptpsync_event_unref);
                s->held = ptpsync_event_ref((PtpsyncEvent *) e);
                return PTPSYNC_DEFER;
        case REST_DELETING:
                return PTPSYNC_DEFER; /* the Cancel is on its way */
        case REST_LIVE:
                break;
        }
        /* The same event again while its POST runs (its Ack was late, or a re-attachment): that POST answers it. */
        if (s->posting && ptpsync_event_get_seq(s->posting) == seq)
                return PTPSYNC_DEFER;
        post_event(s, e);
        return PTPSYNC_DEFER;
}

void rest_delivery_release(RestSubscription *s) {
        g_autoptr(PtpsyncEvent) e = g_steal_pointer(&s->held);

        if (!e)
                return;
        if (rest_delivery_on_event(s->handle, e, s) == PTPSYNC_ACK)
                (void) ptpsync_subscription_ack(s->handle, ptpsync_event_get_seq(e));
}

void rest_delivery_stop(RestSubscription *s) {
        g_clear_pointer(&s->post, http_post_cancel);
        g_clear_pointer(&s->posting, ptpsync_event_unref);
}

/* ---- the dead-letter sink ---- */

typedef struct SinkPost {
        char *subscription_id;
        uint64_t seq;
} SinkPost;

static void on_sink_posted(unsigned status, const char *error, void *userdata) {
        SinkPost *p = userdata;

        if (post_outcome_of(status) != POST_DELIVERED)
                g_warning("Subscription %s: the dead-letter sink did not take event %" PRIu64 ": %s%u; it stays "
                          "a dead letter of the daemon's (ptpsyncctl dead-letters)", p->subscription_id, p->seq,
                          error ? error : "status ", error ? 0 : status);
        g_free(p->subscription_id);
        g_free(p);
}

static void post_to_sink(RestSubscription *s, const PtpsyncEvent *e, const char *reason) {
        Bridge *b = s->registry->bridge;
        g_autoptr(GBytes) body = rest_delivery_body(s, e, false);
        const char *headers[] = {
                "X-Ptpsync-Subscription", s->info.id,
                "X-Ptpsync-Endpoint", s->info.endpoint ? s->info.endpoint : "",
                "X-Ptpsync-Dead-Letter-Reason", reason,
                NULL,
        };
        SinkPost *p = g_new0(SinkPost, 1);

        p->subscription_id = g_strdup(s->info.id);
        p->seq = ptpsync_event_get_seq(e);
        if (!http_poster_post(b->poster, b->config->dead_letter_sink, body, headers, b->config->post_timeout_usec,
                              on_sink_posted, p)) {
                g_warning("DeadLetterSink=%s cannot be posted to", b->config->dead_letter_sink);
                g_free(p->subscription_id);
                g_free(p);
        }
}

typedef struct SinkLookup {
        RestSubscriptions *registry;
        char *subscription_id;
        uint64_t seq;
        char *reason;
} SinkLookup;

static void on_dead_letters(PtpsyncClient *c, int error, const PtpsyncEventList *events, void *userdata) {
        SinkLookup *l = userdata;
        RestSubscription *s = g_hash_table_lookup(l->registry->by_id, l->subscription_id);

        if (error < 0)
                g_warning("Subscription %s: dead letter %" PRIu64 " could not be read for the sink: %s",
                          l->subscription_id, l->seq, g_strerror(-error));
        for (size_t i = 0; s && error >= 0 && i < ptpsync_event_list_get_n(events); i++) {
                PtpsyncEvent *e = ptpsync_event_list_get(events, i);

                if (ptpsync_event_get_seq(e) == l->seq) {
                        post_to_sink(s, e, l->reason);
                        break;
                }
        }
        g_free(l->subscription_id);
        g_free(l->reason);
        g_free(l);
}

void rest_delivery_on_dead_letter(PtpsyncSubscription *handle, uint64_t seq, const char *reason, void *userdata) {
        RestSubscription *s = userdata;
        Bridge *b = s->registry->bridge;
        SinkLookup *l;

        metrics_count_delivery(b->metrics, s->info.id, s->info.resource, METRICS_DEAD_LETTERED);
        /* ptpsyncctl takes the daemon's id or object path, not the name http:<id>. */
        g_message("Subscription %s: event %" PRIu64 " dead-lettered (%s); it is kept by the daemon: "
                  "ptpsyncctl dead-letters %s", s->info.id, seq, reason,
                  ptpsync_subscription_get_object_path(handle) ?: "ID (ptpsyncctl subscriptions)");
        if (!b->config->dead_letter_sink)
                return;
        if (s->last_failed && ptpsync_event_get_seq(s->last_failed) == seq) {
                post_to_sink(s, s->last_failed, reason);
                return;
        }
        /* Dead-lettered without a failed POST of ours (queue-limit): read it back from the daemon. */
        l = g_new0(SinkLookup, 1);
        *l = (SinkLookup) { s->registry, g_strdup(s->info.id), seq, g_strdup(reason) };
        if (ptpsync_subscription_get_dead_letters_async(handle, on_dead_letters, l, NULL) < 0)
                on_dead_letters(ptpsync_subscription_get_client(handle), -ENOTCONN, NULL, l);
}
