/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <glib.h>

#include "common/address.h"
#include "common/log.h"
#include "engine/manager.h"
#include "engine/subscriptions.h"
#include "store/store.h"

/* A subscriber's connection, from its first subscription until it leaves. */
typedef struct Owner {
        Subscriptions *registry;
        char *name;
        GPtrArray *subscriptions; /* Subscription*, not owned */
        PeerFlow flow;            /* kept while it is on the bus, so that ending a subscription frees nothing */
        bool blocked;             /* in registry->blocked */
        EngineTimer *probe;       /* blocked: when to ask whether it read what it has */
        void *ping;               /* that question, in flight: the ops' handle */
        FlowMark ping_mark;       /* what had been sent toward it when the question went */
} Owner;

struct Subscriptions {
        Manager *manager;
        GHashTable *by_path;   /* object path -> Subscription* (owned) */
        GHashTable *owners;    /* unique name -> Owner* */
        GHashTable *per_uid;   /* uid -> count */
        FlowBudget budget;     /* outstanding toward every owner */
        GHashTable *blocked;   /* Owner*: waiting for their peer, or for the budget */
        unsigned pings;        /* in flight: our pending calls are few (a stock bus allows 128) */
        /*
         * An event's fan-out goes through `order` in slices (subscriptions_dispatch_more). A new
         * subscription goes in first, where the walk under way never comes: it has the state that
         * event set as its initial state, not the event again.
         */
        GQueue order;          /* Subscription*, each at its registry_link */
        Event *fanout;         /* the event being handed out, or NULL */
        GList *fanout_next;    /* the next subscription to be offered it */
};

/*
 * A blocked owner that does not answer may simply have nothing left to answer
 * (the bus dropped what was sent, or it ignored those events on purpose): a
 * second after it blocks, and every second while it stays blocked, it is
 * pinged; its answer shows it read everything sent before the ping.
 */
#define OWNER_PROBE_USEC (1 * USEC_PER_SEC)
#define OWNER_PINGS_MAX 16U

static void owner_free(void *p) {
        Owner *o = p;

        if (o->blocked)
                g_hash_table_remove(o->registry->blocked, o);
        if (o->ping) {
                Manager *m = o->registry->manager;

                manager_tell(m, ping_cancel, o->ping);
                o->registry->pings--;
        }
        engine_timer_free(o->probe);
        peer_flow_done(&o->flow);
        g_ptr_array_unref(o->subscriptions);
        g_free(o->name);
        g_free(o);
}

static void subscription_destroy(void *s) {
        subscription_free(s);
}

Subscriptions *subscriptions_new(Manager *m) {
        Subscriptions *r = g_new0(Subscriptions, 1);

        r->manager = m;
        r->by_path = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, subscription_destroy);
        r->owners = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, owner_free);
        r->per_uid = g_hash_table_new(NULL, NULL);
        r->blocked = g_hash_table_new(NULL, NULL);
        g_queue_init(&r->order);
        return r;
}

Subscriptions *subscriptions_free(Subscriptions *r) {
        if (!r)
                return NULL;
        event_unref(r->fanout);
        g_queue_clear(&r->order);
        g_hash_table_unref(r->owners);
        g_hash_table_unref(r->by_path);
        g_hash_table_unref(r->per_uid);
        g_hash_table_unref(r->blocked);
        g_free(r);
        return NULL;
}

static void uid_count_add(Subscriptions *r, uid_t uid, int delta) {
        gpointer key = GUINT_TO_POINTER(uid);
        unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(r->per_uid, key)) + delta;

        if (n == 0)
                g_hash_table_remove(r->per_uid, key);
        else
                g_hash_table_insert(r->per_uid, key, GUINT_TO_POINTER(n));
}

static int owner_add(Subscriptions *r, Subscription *s) {
        Owner *o;

        if (!s->owner)
                return 0; /* detached */
        o = g_hash_table_lookup(r->owners, s->owner);
        if (!o) {
                /* No watch to set up: the owner is a known peer (bus/peers.h), whose departure we hear of. */
                o = g_new0(Owner, 1);
                o->registry = r;
                o->name = g_strdup(s->owner);
                o->subscriptions = g_ptr_array_new();
                peer_flow_init(&o->flow, &r->budget);
                g_hash_table_insert(r->owners, o->name, o);
        }
        g_ptr_array_add(o->subscriptions, s);
        s->flow = &o->flow;
        return 0;
}

static void owner_remove(Subscriptions *r, Subscription *s) {
        Owner *o = s->owner ? g_hash_table_lookup(r->owners, s->owner) : NULL;

        if (!o)
                return;
        /* The record stays until the peer leaves: what was sent toward it is still in the bus. */
        g_ptr_array_remove(o->subscriptions, s);
        s->flow = NULL;
}

int subscriptions_add(Subscriptions *r, Subscription *s) {
        int k;

        k = owner_add(r, s);
        if (k < 0)
                return k;
        g_hash_table_insert(r->by_path, s->object_path, s);
        g_queue_push_head(&r->order, s);
        s->registry_link = r->order.head;
        uid_count_add(r, s->uid, +1);
        if (subscription_is_durable(s) && s->owner) {
                /* Only what comes after now concerns it. Durable once committed: see method_subscribe(). */
                s->stored_cursor = r->manager->dispatched_seq;
                store_save_subscription(r->manager->store, s->id, s->uid, s->address, &s->options,
                                        s->stored_cursor);
                manager_request_flush(r->manager);
        }
        log_info("Subscription %s: %s for %s (uid %u)%s.", s->id, s->address, s->owner ?: "nobody yet",
                 (unsigned) s->uid, subscription_is_durable(s) ? ", durable" : "");
        manager_tell(r->manager, subscription_added, s);
        manager_tell(r->manager, manager_changed, "SubscriptionCount");
        return 0;
}

void subscriptions_remove(Subscriptions *r, Subscription *s) {
        log_info("Subscription %s ended.", s->id);
        if (subscription_is_durable(s)) {
                store_delete_subscription(r->manager->store, s->id);
                manager_request_flush(r->manager);
        }
        /* Announced while the object can still be found. */
        manager_tell(r->manager, subscription_removed, s);
        owner_remove(r, s);
        uid_count_add(r, s->uid, -1);
        if (r->fanout_next == s->registry_link)
                r->fanout_next = r->fanout_next->next;
        g_queue_delete_link(&r->order, s->registry_link);
        g_hash_table_remove(r->by_path, s->object_path); /* frees s */
        manager_tell(r->manager, manager_changed, "SubscriptionCount");
}

Subscription *subscriptions_find_by_path(Subscriptions *r, const char *path) {
        return g_hash_table_lookup(r->by_path, path);
}

Subscription *subscriptions_find_durable(Subscriptions *r, uid_t uid, const char *name) {
        GHashTableIter i;
        Subscription *s;

        g_hash_table_iter_init(&i, r->by_path);
        while (g_hash_table_iter_next(&i, NULL, (void **) &s))
                if (s->uid == uid && subscription_is_durable(s) && streq(s->options.name, name))
                        return s;
        return NULL;
}

unsigned subscriptions_count(const Subscriptions *r) {
        return g_hash_table_size(r->by_path);
}

unsigned subscriptions_count_for_uid(const Subscriptions *r, uid_t uid) {
        return GPOINTER_TO_UINT(g_hash_table_lookup(r->per_uid, GUINT_TO_POINTER(uid)));
}

unsigned subscriptions_count_for_owner(const Subscriptions *r, const char *name) {
        const Owner *o = g_hash_table_lookup(r->owners, name);

        return o ? o->subscriptions->len : 0;
}

char **subscriptions_paths(const Subscriptions *r, bool all, uid_t uid) {
        GPtrArray *paths = g_ptr_array_new();
        GHashTableIter i;
        Subscription *s;

        g_hash_table_iter_init(&i, r->by_path);
        while (g_hash_table_iter_next(&i, NULL, (void **) &s))
                if (all || s->uid == uid)
                        g_ptr_array_add(paths, g_strdup(s->object_path));
        g_ptr_array_add(paths, NULL);
        return (char **) g_ptr_array_free(paths, false);
}

int subscriptions_reattach(Subscriptions *r, Subscription *s, const char *owner) {
        int k;

        assert(!s->owner);
        subscription_attach(s, owner);
        k = owner_add(r, s);
        if (k < 0) {
                subscription_detach(s);
                return k;
        }
        log_info("Subscription %s re-attached to %s.", s->id, owner);
        return 0;
}

void subscriptions_dispatch(Subscriptions *r, Event *e) {
        assert(!r->fanout);
        r->fanout = event_ref(e);
        r->fanout_next = r->order.head;
}

unsigned subscriptions_dispatch_more(Subscriptions *r, unsigned budget) {
        unsigned offered = 0;

        for (; r->fanout_next && offered < budget; offered++) {
                Subscription *s = r->fanout_next->data;

                r->fanout_next = r->fanout_next->next;
                if (address_matches(s->address, r->fanout->source))
                        subscription_push(s, r->fanout);
        }
        if (r->fanout && !r->fanout_next) {
                r->manager->fanned_out_seq = r->fanout->seq;
                r->fanout = event_unref(r->fanout);
        }
        return offered;
}

bool subscriptions_dispatching(const Subscriptions *r) {
        return r->fanout;
}

void subscriptions_owner_gone(Subscriptions *r, const char *name) {
        g_autoptr(GPtrArray) subs = NULL;
        Owner *o;

        /* The owner record goes first: ending its subscriptions must not touch it. */
        if (!g_hash_table_steal_extended(r->owners, name, NULL, (void **) &o))
                return;
        subs = g_steal_pointer(&o->subscriptions);
        o->subscriptions = g_ptr_array_new();
        owner_free(o);

        for (guint i = 0; i < subs->len; i++) {
                Subscription *s = subs->pdata[i];

                s->flow = NULL;
                if (subscription_is_durable(s)) {
                        log_info("Subscription %s: owner %s left; detached, events keep queueing.", s->id, name);
                        subscription_detach(s);
                } else {
                        g_clear_pointer(&s->owner, g_free);
                        subscriptions_remove(r, s);
                }
        }
}

static void owner_arm_probe(Owner *o);

static void owner_unblock(Owner *o) {
        o->blocked = false;
        g_hash_table_remove(o->registry->blocked, o);
        engine_timer_disarm(o->probe);
        for (guint i = 0; i < o->subscriptions->len; i++)
                subscription_queue_changed(o->subscriptions->pdata[i]);
}

/* o read everything up to mark: if that lets anyone send again, they are scheduled. */
static void owner_seen(Owner *o, FlowMark mark) {
        Subscriptions *r = o->registry;
        bool over_budget = r->budget.outstanding_bytes >= FLOW_OUTSTANDING_BYTES_MAX;
        g_autoptr(GPtrArray) free_now = NULL;
        GHashTableIter i;
        Owner *b;

        if (!peer_flow_seen(&o->flow, mark))
                return;
        if (o->blocked && peer_flow_may_send(&o->flow))
                owner_unblock(o);
        /* Rare: the total was the limit; whoever it held may go again. */
        if (!over_budget || r->budget.outstanding_bytes >= FLOW_OUTSTANDING_BYTES_MAX)
                return;
        free_now = g_ptr_array_new();
        g_hash_table_iter_init(&i, r->blocked);
        while (g_hash_table_iter_next(&i, (void **) &b, NULL))
                if (peer_flow_may_send(&b->flow))
                        g_ptr_array_add(free_now, b);
        for (guint k = 0; k < free_now->len; k++)
                owner_unblock(free_now->pdata[k]);
}

static void on_ping_done(void *userdata, bool answered) {
        Owner *o = userdata;

        o->ping = NULL;
        o->registry->pings--;
        if (answered)
                owner_seen(o, o->ping_mark);
        if (o->blocked)
                owner_arm_probe(o);
}

static void on_probe(void *userdata, uint64_t deadline) {
        Owner *o = userdata;
        Subscriptions *r = o->registry;
        const EngineOps *ops = r->manager->ops;
        int k;

        if (!o->blocked || o->ping)
                return;
        if (r->pings >= OWNER_PINGS_MAX) {
                owner_arm_probe(o);
                return;
        }
        k = ops && ops->ping ? ops->ping(r->manager->ops_userdata, o->name, on_ping_done, o, &o->ping)
                             : -EOPNOTSUPP;
        if (k < 0) {
                log_debug_errno(k, "Failed to ping %s: %m", o->name);
                owner_arm_probe(o);
                return;
        }
        r->pings++;
        o->ping_mark = o->flow.sent;
}

static void owner_arm_probe(Owner *o) {
        Manager *m = o->registry->manager;
        int k;

        if (o->ping)
                return;
        k = engine_timer_ensure_armed(&o->probe, &m->clock, 100 * USEC_PER_MSEC, on_probe, o,
                                      engine_clock_now(&m->clock, CLOCK_MONOTONIC) + OWNER_PROBE_USEC);
        if (k < 0)
                log_warning_errno(k, "Failed to arm the probe of %s: %m", o->name);
}

void subscriptions_flow_blocked(Subscriptions *r, Subscription *s) {
        Owner *o = g_hash_table_lookup(r->owners, s->owner);

        if (!o || o->blocked)
                return;
        o->blocked = true;
        g_hash_table_add(r->blocked, o);
        owner_arm_probe(o);
}

void subscriptions_flow_seen(Subscriptions *r, Subscription *s, FlowMark mark) {
        Owner *o = g_hash_table_lookup(r->owners, s->owner);

        if (o)
                owner_seen(o, mark);
}

uint64_t subscriptions_min_cursor(const Subscriptions *r) {
        uint64_t min = UINT64_MAX;
        GHashTableIter i;
        Subscription *s;

        g_hash_table_iter_init(&i, r->by_path);
        while (g_hash_table_iter_next(&i, NULL, (void **) &s))
                if (subscription_is_durable(s))
                        min = MIN(min, s->stored_cursor);
        return min;
}

typedef struct Restore {
        Subscriptions *registry;
        Store *store;
        GPtrArray *restored;      /* Subscription* */
        GHashTable *by_address;   /* address -> GPtrArray of Subscription*: few addresses, many subscriptions */
        GHashTable *dead_letters; /* "id seq" -> NULL: not to be queued again */
        uint64_t min_cursor;
} Restore;

static int restore_dead_letter(Event *e, DeadLetterReason reason, void *userdata) {
        void **args = userdata;
        Restore *x = args[0];
        Subscription *s = args[1];

        queue_restore_dead_letter(s->queue, e, reason);
        g_hash_table_add(x->dead_letters, g_strdup_printf("%s %" G_GUINT64_FORMAT, s->id, e->seq));
        return 0;
}

static int restore_subscription(const StoredSubscription *stored, void *userdata) {
        Restore *x = userdata;
        SubscriptionOptions options;
        Subscription *s = NULL;
        GPtrArray *same;
        int k;

        subscription_options_copy(&options, &stored->options);
        k = subscription_new(&s, x->registry->manager, stored->id, stored->address, stored->uid, NULL, &options);
        subscription_options_done(&options);
        if (k < 0)
                return log_error_errno(k, "Subscription %s in the store is damaged: %m", stored->id);
        s->stored_cursor = stored->cursor;
        s->stored_counters = stored->counters;
        queue_restore_counters(s->queue, stored->counters.delivered, stored->counters.retried,
                               stored->counters.dead_lettered);
        s->in_store = true;
        k = subscriptions_add(x->registry, s);
        if (k < 0) {
                subscription_free(s);
                return k;
        }
        g_ptr_array_add(x->restored, s);
        same = g_hash_table_lookup(x->by_address, s->address);
        if (!same) {
                same = g_ptr_array_new();
                g_hash_table_insert(x->by_address, s->address, same);
        }
        g_ptr_array_add(same, s);
        x->min_cursor = MIN(x->min_cursor, s->stored_cursor);
        return store_load_dead_letters(x->store, s->id, restore_dead_letter, (void *[]) { x, s });
}

/* Sent before the restart: the next send goes on counting from there. */
static int restore_attempt(uint64_t seq, uint32_t attempt, void *userdata) {
        Subscription *s = userdata;

        queue_restore_attempt(s->queue, seq, attempt);
        return 0;
}

/* Matched once per distinct address, not per subscription: the work is events × addresses + what is queued. */
static int restore_event(Event *e, void *userdata) {
        Restore *x = userdata;
        GHashTableIter i;
        const char *address;
        GPtrArray *same;

        g_hash_table_iter_init(&i, x->by_address);
        while (g_hash_table_iter_next(&i, (void **) &address, (void **) &same)) {
                if (!address_matches(address, e->source))
                        continue;
                for (guint k = 0; k < same->len; k++) {
                        Subscription *s = same->pdata[k];
                        g_autofree char *key = NULL;

                        if (e->seq <= s->stored_cursor)
                                continue;
                        key = g_strdup_printf("%s %" G_GUINT64_FORMAT, s->id, e->seq);
                        if (!g_hash_table_contains(x->dead_letters, key))
                                (void) queue_push(s->queue, e);
                }
        }
        return 0;
}

int subscriptions_restore(Subscriptions *r, Store *store) {
        Restore x = {
                .registry = r,
                .store = store,
                .restored = g_ptr_array_new(),
                .by_address = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_ptr_array_unref),
                .dead_letters = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
                .min_cursor = UINT64_MAX,
        };
        int k;

        k = store_load_subscriptions(store, restore_subscription, &x);
        if (k >= 0 && x.restored->len > 0)
                k = store_load_events(store, x.min_cursor, restore_event, &x);
        for (guint i = 0; k >= 0 && i < x.restored->len; i++) {
                Subscription *s = x.restored->pdata[i];

                k = store_load_attempts(store, s->id, restore_attempt, s);
                if (k < 0)
                        break;
                log_info("Subscription %s restored, detached, with %u events waiting.", s->id,
                         queue_counters(s->queue)->pending);
                subscription_queue_changed(s);
        }
        g_ptr_array_unref(x.restored);
        g_hash_table_unref(x.by_address);
        g_hash_table_unref(x.dead_letters);
        return k;
}
