/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <string.h>

#include "common/address.h"
#include "common/log.h"
#include "engine/delivery.h"
#include "engine/manager.h"
#include "engine/subscription.h"
#include "engine/subscriptions.h"
#include "store/store.h"

/* Ack timeouts and backoffs are in hundreds of ms at the least; 1 ms is plenty. */
#define SUBSCRIPTION_TIMER_ACCURACY_USEC (1 * USEC_PER_MSEC)

int subscription_new(Subscription **ret, Manager *m, const char *id, const char *address, uid_t uid,
                     const char *owner, SubscriptionOptions *options) {
        _cleanup_(subscription_freep) Subscription *s = g_new0(Subscription, 1);
        char hex[SD_ID128_STRING_MAX];
        sd_id128_t uuid;
        int r;

        r = id ? sd_id128_from_string(id, &uuid) : sd_id128_randomize(&uuid);
        if (r < 0)
                return r;
        sd_id128_to_uuid_string(uuid, s->id);
        s->object_path = g_strconcat(SUBSCRIPTION_OBJECT_PREFIX "/", sd_id128_to_string(uuid, hex), NULL);
        s->manager = m;
        s->address = g_strdup(address);
        s->uid = uid;
        s->owner = g_strdup(owner);
        /* Take the options over: the caller's copy is left empty. */
        s->options = *options;
        subscription_options_init(options);
        s->queue = queue_new(&s->options);

        *ret = TAKE_PTR(s);
        return 0;
}

Subscription *subscription_free(Subscription *s) {
        if (!s)
                return NULL;
        delivery_unschedule(s->manager ? s->manager->delivery : NULL, s);
        engine_timer_free(s->timer);
        queue_free(s->queue);
        subscription_options_done(&s->options);
        g_free(s->object_path);
        g_free(s->address);
        g_free(s->owner);
        g_free(s);
        return NULL;
}

static uint64_t monotonic_now(Subscription *s) {
        return engine_clock_now(&s->manager->clock, CLOCK_MONOTONIC);
}

static void on_timer(void *userdata, uint64_t deadline) {
        Subscription *s = userdata;

        queue_tick(s->queue, monotonic_now(s));
        subscription_queue_changed(s);
}

static void subscription_arm_timer(Subscription *s) {
        uint64_t when = s->owner ? queue_next_wakeup(s->queue) : UINT64_MAX;
        int r;

        if (when == UINT64_MAX) {
                engine_timer_disarm(s->timer);
                return;
        }
        r = engine_timer_ensure_armed(&s->timer, &s->manager->clock, SUBSCRIPTION_TIMER_ACCURACY_USEC, on_timer,
                                      s, when);
        if (r < 0)
                /* Without it, a lost signal would never be retried: say so loudly. */
                log_error_errno(r, "Failed to arm the timer of subscription %s: %m", s->id);
}

static void subscription_report_dead_letters(Subscription *s) {
        Store *store = s->manager->store;
        DeadLetterReason reason;
        uint64_t seq, discarded;

        while (queue_pop_dead_lettered(s->queue, &seq, &reason)) {
                log_notice("Subscription %s: event %" G_GUINT64_FORMAT " dead-lettered (%s).", s->id, seq,
                           dead_letter_reason_to_string(reason));
                if (subscription_is_durable(s)) {
                        store_add_dead_letter(store, s->id, seq, reason);
                        store_trim_dead_letters(store, s->id, s->options.dead_letter_limit);
                        manager_request_flush(s->manager);
                }
                manager_tell(s->manager, send_dead_lettered, s, seq, reason);
        }

        /* Dead letters pushed out past the limit are gone for good: that is worth a line in the log. */
        discarded = queue_counters(s->queue)->dead_letters_discarded;
        if (discarded > s->discards_logged) {
                log_warning("Subscription %s: %" G_GUINT64_FORMAT " oldest dead letters discarded (DeadLetterLimit "
                            "%u), %" G_GUINT64_FORMAT " in all.", s->id, discarded - s->discards_logged,
                            s->options.dead_letter_limit, discarded);
                s->discards_logged = discarded;
        }
}

/*
 * Everything before the first event still queued is acknowledged or a dead letter: the cursor. With
 * nothing queued, it is the newest event every subscription was offered (not the newest announced:
 * a fan-out under way may not have come to s yet).
 */
static uint64_t subscription_cursor(Subscription *s) {
        uint64_t first = queue_first_seq(s->queue);

        return first == UINT64_MAX ? s->manager->fanned_out_seq : first - 1;
}

/*
 * Durable: the cursor moves on in the store only once what it passes is acknowledged. stored_cursor
 * is the store's once the batch is committed; until then the batch holds it.
 */
static void subscription_save_cursor(Subscription *s) {
        uint64_t cursor;

        if (!subscription_is_durable(s))
                return;
        cursor = subscription_cursor(s);
        if (cursor <= s->stored_cursor)
                return;
        store_set_cursor(s->manager->store, s->id, cursor);
        s->stored_cursor = cursor;
        /* A lagging cursor means a redelivery after a crash, never a loss: it need not be committed now. */
        manager_request_lazy_flush(s->manager);
}

/* Durable: the counters follow into the store when they moved, so that a restart goes on from them. */
static void subscription_save_counters(Subscription *s) {
        const QueueCounters *q = queue_counters(s->queue);
        StoreCounters now = { .delivered = q->delivered, .retried = q->retried, .dead_lettered = q->dead_lettered };

        if (!subscription_is_durable(s) || memcmp(&now, &s->stored_counters, sizeof(now)) == 0)
                return;
        store_set_counters(s->manager->store, s->id, &now);
        s->stored_counters = now;
        manager_request_lazy_flush(s->manager);
}

void subscription_dead_letters_redriven(Subscription *s) {
        Store *store = s->manager->store;

        if (!subscription_is_durable(s))
                return;
        /* They are queued again: not dead letters, and not past the cursor any more. */
        store_delete_dead_letters(store, s->id);
        s->stored_cursor = MIN(s->stored_cursor, subscription_cursor(s));
        store_reset_cursor(store, s->id, s->stored_cursor);
        manager_request_flush(s->manager);
}

void subscription_dead_letters_purged(Subscription *s) {
        if (!subscription_is_durable(s))
                return;
        store_delete_dead_letters(s->manager->store, s->id);
        manager_request_flush(s->manager);
}

void subscription_queue_changed(Subscription *s) {
        subscription_report_dead_letters(s);
        subscription_save_cursor(s);
        subscription_save_counters(s);
        subscription_arm_timer(s);
        if (s->owner)
                delivery_schedule(s->manager->delivery, s);
}

void subscription_push(Subscription *s, Event *e) {
        (void) queue_push(s->queue, e);
        subscription_queue_changed(s);
}

unsigned subscription_send_due(Subscription *s, unsigned max) {
        uint64_t now = monotonic_now(s);
        QueueEntry *entry;
        unsigned n = 0;

        /* Durable: nothing before its row is committed and its caller has heard it was made. */
        if (!s->owner || (subscription_is_durable(s) && !s->in_store))
                return 0;
        while (n < max) {
                /* The owner has not read what it has: nothing more until it has (peer-flow.h). */
                if (!peer_flow_may_send(s->flow)) {
                        subscriptions_flow_blocked(s->manager->subscriptions, s);
                        break;
                }
                entry = queue_next(s->queue, now);
                if (!entry)
                        break;
                /* A failed send is an attempt like any other: the ack timeout retries it. */
                manager_tell(s->manager, send_event, s, entry->event, entry->attempt);
                if (subscription_is_durable(s)) {
                        store_set_attempt(s->manager->store, s->id, entry->event->seq, entry->attempt);
                        /* Not lazy: only a crash before the next commit lets a redelivery repeat it. */
                        manager_request_flush(s->manager);
                }
                entry->mark = peer_flow_sent(s->flow, event_wire_size(entry->event, s->object_path));
                n++;
        }
        subscription_save_counters(s); /* Retried */
        subscription_arm_timer(s);
        return n;
}

static void event_destroy(void *e) {
        event_unref(e);
}

static int compare_seq(const void *a, const void *b) {
        const Event *x = *(Event *const *) a, *y = *(Event *const *) b;

        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* InitialState: the current state of every matching resource that has one, in seq order (none without a source). */
void subscription_push_initial_state(Subscription *s) {
        Manager *m = s->manager;
        g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func(event_destroy);

        for (ResourceKind k = 0; k < _RESOURCE_KIND_MAX; k++) {
                Event *e;

                if (!m->resources[k] || !address_matches(s->address, m->resources[k]->address))
                        continue;
                e = resource_current_state_event(m->resources[k]);
                if (e)
                        g_ptr_array_add(events, e);
        }
        g_ptr_array_sort(events, compare_seq);
        for (guint i = 0; i < events->len; i++)
                subscription_push(s, events->pdata[i]);
}

void subscription_ack(Subscription *s, uint64_t seq, bool from_owner) {
        if (from_owner)
                subscription_answered(s, seq);
        if (queue_ack(s->queue, seq) > 0)
                subscription_queue_changed(s);
}

void subscription_nack(Subscription *s, uint64_t seq, bool requeue, bool from_owner) {
        int r;

        if (from_owner)
                subscription_answered(s, seq);
        r = queue_nack(s->queue, seq, requeue, monotonic_now(s));
        if (r == -ENOENT)
                /* Late, or for an event already retried or acked: nothing to do, as with a stale Ack. */
                log_debug("Subscription %s: Nack of %" G_GUINT64_FORMAT ", which is not in flight.", s->id, seq);
        else if (r >= 0)
                subscription_queue_changed(s);
}

void subscription_answered(Subscription *s, uint64_t seq) {
        const QueueEntry *entry = queue_find_sent(s->queue, seq);

        if (entry && s->flow)
                subscriptions_flow_seen(s->manager->subscriptions, s, entry->mark);
}

void subscription_detach(Subscription *s) {
        g_clear_pointer(&s->owner, g_free);
        s->flow = NULL;
        queue_detach(s->queue);
        delivery_unschedule(s->manager->delivery, s);
        subscription_arm_timer(s);
        manager_tell(s->manager, owner_changed, s);
}

void subscription_attach(Subscription *s, const char *owner) {
        g_free(s->owner);
        s->owner = g_strdup(owner);
        manager_tell(s->manager, owner_changed, s);
        subscription_queue_changed(s);
}
