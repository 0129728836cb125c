/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <inttypes.h>

#include "common/log.h"
#include "common/notify.h"
#include "engine/manager.h"

/* Holdover expiry need not be exact to the microsecond, but a user reads it in ms. */
#define HOLDOVER_TIMER_ACCURACY_USEC (10 * USEC_PER_MSEC)

/*
 * Below the bus, so that queued calls share a commit; above the delivery pump, which needs what it
 * publishes; and never more than FLUSH_PATIENCE_USEC behind calls that keep coming.
 */
#define FLUSH_PRIORITY (SD_EVENT_PRIORITY_NORMAL + 5)
#define FLUSH_PATIENCE_USEC (1 * USEC_PER_MSEC)
/*
 * What a release leaves for the next iteration goes on at the bus's priority, taking turns with
 * the calls: below it, a flood of calls that commit nothing would hold a fan-out half done.
 */
#define RELEASE_PRIORITY SD_EVENT_PRIORITY_NORMAL
/* A batch that grows this large is committed on the spot: the loop may be too busy to reach the flush. */
#define FLUSH_WRITES_MAX 1024
#define PRUNE_EVERY_FLUSHES 256
/*
 * A cursor or counters alone wait this long for a commit: at-least-once lets a
 * cursor lag (a crash redelivers what was acked since, it never loses anything), and one commit
 * then carries every ack of the while instead of one fdatasync each.
 */
#define LAZY_COMMIT_USEC (50 * USEC_PER_MSEC)
/*
 * What one loop iteration hands out of a commit: an event costs 1 + the subscriptions it is offered
 * to, and one event's fan-out is sliced too, so that no number of subscribers makes one iteration
 * longer. A batch of 50 events for 100 subscribers would otherwise be 5000 queue pushes in one go
 * (~10 ms). Smaller budgets (128, and 64 for the pump) were measured no better on the clock.
 */
#define RELEASE_BUDGET 512
#define LAZY_COMMIT_ACCURACY_USEC (10 * USEC_PER_MSEC)

/*
 * One thing that waits on the store: an event of a resource to announce, a
 * Manager property that changed with it, the answer to the call that caused
 * them (so that its caller hears "done" only once they are durable), or a
 * message that tells of a store write (such as DeadLettered).
 */
typedef struct Publication {
        Event *event;
        Announcement announcement; /* with event: what the resource shows once it is out */
        bool value_changed;
        const char *property;
        DurableHandler handler;    /* manager_when_durable()'s */
        DurableKind kind;
        void *userdata;
        void (*destroy)(void *userdata);
        char *subscription;        /* the object path of the durable subscription the call made */
        uint64_t generation;       /* the store's, that must be committed before it goes out */
} Publication;

static void publication_free(void *p) {
        Publication *x = p;

        event_unref(x->event);
        announcement_done(&x->announcement);
        if (x->destroy)
                x->destroy(x->userdata);
        g_free(x->subscription);
        g_free(x);
}

static void quota_user_destroy(void *q) {
        quota_user_config_free(q);
}

static int compare_topics(const void *a, const void *b, void *userdata) {
        return strcmp(a, b);
}

static void on_flush(void *userdata);
static int on_release_more(sd_event_source *s, void *userdata);
static int on_commit_ended(sd_event_source *s, int fd, uint32_t revents, void *userdata);
static void on_commit_retry(void *userdata, uint64_t deadline);
static void on_lazy_commit(void *userdata, uint64_t deadline);

static bool on_output_congested(void *userdata) {
        return manager_output_congested(userdata);
}

int manager_new(Manager **ret, sd_event *event, const EngineClockOps *clock, void *clock_userdata,
                const char *node_name, SourceKind source, const Thresholds *thresholds, Store *store) {
        _cleanup_(manager_freep) Manager *m = g_new0(Manager, 1);
        int r;

        m->event = sd_event_ref(event);
        engine_clock_init(&m->clock, clock, clock_userdata, event);
        m->node_name = g_strdup(node_name);
        m->source = source;
        m->thresholds = *thresholds;
        m->store = store;
        g_queue_init(&m->outbox);
        m->subscriptions = subscriptions_new(m);
        m->subscriptions_per_uid = SUBSCRIPTIONS_PER_UID_DEFAULT;
        m->subscriptions_per_connection = SUBSCRIPTIONS_PER_CONNECTION_DEFAULT;
        m->subscriptions_max = SUBSCRIPTIONS_MAX_DEFAULT;
        m->retain_events = RETAIN_EVENTS_DEFAULT;
        m->quota_users = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, quota_user_destroy);
        m->clock_aliases = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        m->warnings = g_tree_new_full(compare_topics, NULL, g_free, g_free);
        for (ResourceKind k = 0; k < _RESOURCE_KIND_MAX; k++) {
                /* The simulator's GNSS receiver; a real one is added by manager_add_resource(). */
                if (k == RESOURCE_GNSS && source != SOURCE_SIM)
                        continue;
                m->resources[k] = resource_new(m, k, node_name);
        }

        r = yielding_job_new(&m->flush_job, event, FLUSH_PRIORITY, FLUSH_PATIENCE_USEC, on_flush, m);
        if (r >= 0)
                r = sd_event_add_defer(event, &m->release_source, on_release_more, m);
        if (r >= 0)
                r = sd_event_source_set_priority(m->release_source, RELEASE_PRIORITY);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->release_source, SD_EVENT_OFF);
        /* The bus's priority: a flood of calls must not hold back what their commit makes durable. */
        if (r >= 0)
                r = sd_event_add_io(event, &m->commit_source, store_commit_fd(store), EPOLLIN, on_commit_ended, m);
        if (r < 0)
                return r;
        r = engine_timer_new(&m->lazy_timer, &m->clock, LAZY_COMMIT_ACCURACY_USEC, on_lazy_commit, m);
        if (r < 0)
                return r;
        r = commit_retry_new(&m->commit_retry, &m->clock, on_commit_retry, m);
        if (r < 0)
                return r;
        r = delivery_new(&m->delivery, event, on_output_congested, m);
        if (r < 0)
                return r;

        /* seq goes on from the store, never reused (so not guessed when it cannot be read); durable
         * subscriptions come back, detached. */
        r = store_last_seq(store, &m->last_seq);
        if (r < 0)
                return r;
        m->dispatched_seq = m->fanned_out_seq = m->last_seq;
        r = subscriptions_restore(m->subscriptions, store);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        /* Subscriptions before the pump and the peers they are registered with. */
        subscriptions_free(m->subscriptions);
        g_queue_clear_full(&m->outbox, publication_free);
        yielding_job_free(m->flush_job);
        sd_event_source_disable_unref(m->release_source);
        sd_event_source_disable_unref(m->commit_source);
        engine_timer_free(m->lazy_timer);
        commit_retry_free(m->commit_retry);
        store_free(m->store);
        delivery_free(m->delivery);
        for (ResourceKind k = 0; k < _RESOURCE_KIND_MAX; k++)
                resource_free(m->resources[k]);
        g_hash_table_unref(m->clock_aliases);
        g_tree_unref(m->warnings);
        g_hash_table_unref(m->quota_users);
        g_free(m->last_status);
        sd_event_unref(m->event);
        g_free(m->node_name);
        g_free(m);
        return NULL;
}

void manager_set_ops(Manager *m, const EngineOps *ops, void *userdata) {
        m->ops = ops;
        m->ops_userdata = userdata;
}

bool manager_output_congested(Manager *m) {
        return m->ops && m->ops->output_congested && m->ops->output_congested(m->ops_userdata);
}

void manager_apply_config(Manager *m, const Config *c) {
        m->thresholds = c->thresholds;
        m->subscriptions_per_uid = c->subscriptions_per_uid;
        m->subscriptions_per_connection = c->subscriptions_per_connection;
        m->subscriptions_max = c->subscriptions_max;
        m->retain_events = c->retain_events;

        /* settings_load() resolved every group, one per uid; an unresolved one would be a bug there. */
        g_hash_table_remove_all(m->quota_users);
        for (guint i = 0; c->quota_users && i < c->quota_users->len; i++) {
                const QuotaUserConfig *q = c->quota_users->pdata[i];

                assert(q->resolved);
                g_hash_table_replace(m->quota_users, GUINT_TO_POINTER(q->uid), quota_user_config_copy(q));
        }
}

unsigned manager_quota(Manager *m, uid_t uid, bool per_connection, const QuotaUserConfig **ret_group) {
        const QuotaUserConfig *q = g_hash_table_lookup(m->quota_users, GUINT_TO_POINTER(uid));
        bool set = q && (per_connection ? q->has_per_connection : q->has_per_uid);

        if (ret_group)
                *ret_group = set ? q : NULL;
        if (!set)
                return per_connection ? m->subscriptions_per_connection : m->subscriptions_per_uid;
        return per_connection ? q->subscriptions_per_connection : q->subscriptions_per_uid;
}

Resource *manager_get_resource(Manager *m, ResourceKind k) {
        assert(k >= 0 && k < _RESOURCE_KIND_MAX);
        return m->resources[k];
}

void manager_add_resource(Manager *m, ResourceKind k) {
        assert(k >= 0 && k < _RESOURCE_KIND_MAX);
        if (!m->resources[k])
                m->resources[k] = resource_new(m, k, m->node_name);
}

static uint64_t manager_now(Manager *m, clockid_t clock) {
        return engine_clock_now(&m->clock, clock);
}

static void manager_prune(Manager *m) {
        uint64_t keep_after = m->dispatched_seq > m->retain_events ? m->dispatched_seq - m->retain_events : 0;

        keep_after = MIN(keep_after, subscriptions_min_cursor(m->subscriptions));
        /* The newest event always stays: it is where seq goes on after a restart. */
        if (keep_after > 0 && keep_after < m->last_seq)
                store_prune_events(m->store, keep_after);
}

static unsigned manager_events_held(Manager *m) {
        unsigned n = 0;

        for (GList *l = m->outbox.head; l; l = l->next)
                n += ((Publication *) l->data)->event != NULL;
        return n;
}

/* Once it is committed: the subscription a durable Subscribe made is stored, and the caller hears so. */
static void manager_durable_done(Manager *m, Publication *p) {
        Subscription *s = p->subscription ? subscriptions_find_by_path(m->subscriptions, p->subscription) : NULL;

        if (s)
                s->in_store = true;
        p->handler(p->userdata, NULL);
        /* After the answer: its first event must not overtake it (subscription_send_due()). */
        if (s && s->owner)
                delivery_schedule(m->delivery, s);
}

/*
 * The calls that wait for durability hear now that it failed; the rest of the
 * outbox waits. A durable subscription whose row was never committed ends:
 * its Subscribe failed.
 */
static void manager_fail_durable_calls(Manager *m, const char *why) {
        GList *next;

        for (GList *l = m->outbox.head; l; l = next) {
                Publication *p = l->data;
                g_autofree char *failure = NULL;
                Subscription *s;

                next = l->next;
                if (!p->handler || p->kind != DURABLE_REPLY)
                        continue;
                g_queue_delete_link(&m->outbox, l);
                s = p->subscription ? subscriptions_find_by_path(m->subscriptions, p->subscription) : NULL;
                if (s && !s->in_store) {
                        log_warning("Subscription %s: not made, its row could not be committed.", s->id);
                        subscriptions_remove(m->subscriptions, s);
                }
                failure = g_strdup_printf("%s; %s", why,
                                          p->subscription ? "the subscription was not made"
                                                          : "what this call changed is not durable (held, and "
                                                            "committed later if the store recovers)");
                p->handler(p->userdata, failure);
                publication_free(p);
        }
}

/* From the loop: the calls waiting for durability hear why now; the rest waits for the retry. */
static void manager_commit_failed(Manager *m, int error) {
        const char *why = store_last_error(m->store);
        bool first = !commit_retry_failing(m->commit_retry);
        int r;

        r = commit_retry_failed(m->commit_retry, manager_now(m, CLOCK_MONOTONIC));
        if (first)
                log_error_errno(error, "%s; retrying, and holding what waits on it, announced to nobody "
                                "(events: %u).", why, manager_events_held(m));
        else
                log_debug("Commit attempt %u failed: %s", commit_retry_failures(m->commit_retry), why);
        manager_fail_durable_calls(m, why);
        if (r < 0) {
                log_error_errno(error, "Giving up after %u failed commits in %" PRIu64 " s: %s; events never "
                                "committed nor announced: %u.", commit_retry_failures(m->commit_retry),
                                COMMIT_RETRY_GIVE_UP_USEC / USEC_PER_SEC, why, manager_events_held(m));
                (void) sd_event_exit(m->event, EXIT_FAILURE);
        }
}

/*
 * Hands what the store has to its writer thread, unless a commit is out (when it ends, the next
 * one starts) or commits fail (the retry timer starts the next).
 */
static void manager_start_commit(Manager *m) {
        if (store_committing(m->store) || store_pending_writes(m->store) == 0)
                return;
        m->commit_wanted = false;
        engine_timer_disarm(m->lazy_timer);
        m->lazy_armed = false;
        (void) store_commit_start(m->store);
}

/*
 * Announces, in order, what waited on generations of the store that are committed now, as much as
 * RELEASE_BUDGET allows, an event's fan-out first; the flush goes on with the rest in the next
 * iteration. Nothing behind an event goes out before its fan-out is over.
 */
static void manager_release(Manager *m) {
        uint64_t committed = store_committed_generation(m->store);
        unsigned budget = RELEASE_BUDGET;
        Publication *p;

        for (;;) {
                budget -= subscriptions_dispatch_more(m->subscriptions, budget);
                p = g_queue_peek_head(&m->outbox);
                if (!p || p->generation > committed)
                        break;
                if (budget == 0 || subscriptions_dispatching(m->subscriptions)) {
                        (void) sd_event_source_set_enabled(m->release_source, SD_EVENT_ONESHOT);
                        break;
                }
                budget--;
                g_queue_pop_head(&m->outbox);
                if (p->event) {
                        Resource *res = p->announcement.resource;

                        log_info("Event %" PRIu64 ": %s %s", p->event->seq, res->address,
                                 p->event->values->len > 0 ? g_array_index(p->event->values, EventValue, 0).value
                                                           : "");
                        resource_announce(&p->announcement);
                        m->dispatched_seq = p->event->seq;
                        manager_tell(m, event_announced, p->event);
                        manager_tell(m, resource_changed, res, p->value_changed, true);
                        subscriptions_dispatch(m->subscriptions, p->event);
                } else if (p->announcement.resource) {
                        Resource *res = p->announcement.resource;

                        resource_announce(&p->announcement);
                        manager_tell(m, resource_changed, res, p->value_changed, false);
                } else if (p->property) {
                        manager_tell(m, manager_changed, p->property);
                        manager_update_status(m);
                } else
                        manager_durable_done(m, p);
                publication_free(p);
        }
        /* The outbox is empty, or waits on a commit, with a fan-out still under way. */
        if (subscriptions_dispatching(m->subscriptions))
                (void) sd_event_source_set_enabled(m->release_source, SD_EVENT_ONESHOT);
}

static int on_release_more(sd_event_source *s, void *userdata) {
        manager_release(userdata);
        return 0;
}

/* The flush, once per batch of loop work: a commit for what asked for one, and out with what is durable. */
static void on_flush(void *userdata) {
        Manager *m = userdata;

        if (m->commit_wanted && !commit_retry_failing(m->commit_retry))
                manager_start_commit(m);
        manager_release(m);
}

static int on_commit_ended(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        int r;

        r = store_commit_finish(m->store);
        if (r == -EAGAIN)
                return 0;
        if (r < 0) {
                manager_commit_failed(m, r);
                return 0;
        }
        if (commit_retry_failing(m->commit_retry)) {
                unsigned failures = commit_retry_failures(m->commit_retry);
                uint64_t t = commit_retry_succeeded(m->commit_retry, manager_now(m, CLOCK_MONOTONIC));

                log_notice("The store works again, after %u failed commits in %" PRIu64 ".%03" PRIu64 " s; "
                           "held events going out now: %u.", failures, t / USEC_PER_SEC,
                           t % USEC_PER_SEC / USEC_PER_MSEC, manager_events_held(m));
                m->commit_wanted = true;
        }
        /* Pipelined: what gathered meanwhile is committed now, while the loop announces this one. */
        if (m->commit_wanted)
                manager_start_commit(m);
        else if (store_pending_writes(m->store) > 0)
                manager_request_lazy_flush(m);
        manager_release(m);
        if (++m->flushes_since_prune >= PRUNE_EVERY_FLUSHES) {
                m->flushes_since_prune = 0;
                manager_prune(m);
        }
        return 0;
}

static void on_commit_retry(void *userdata, uint64_t deadline) {
        Manager *m = userdata;

        m->commit_wanted = true;
        manager_start_commit(m);
}

static void on_lazy_commit(void *userdata, uint64_t deadline) {
        Manager *m = userdata;

        m->lazy_armed = false;
        if (commit_retry_failing(m->commit_retry))
                return;
        if (store_committing(m->store))
                m->commit_wanted = true; /* right after the one that is out */
        else
                manager_start_commit(m);
}

bool manager_store_failing(Manager *m, const char **ret_why) {
        if (!commit_retry_failing(m->commit_retry))
                return false;
        *ret_why = store_last_error(m->store);
        return true;
}

int manager_commit_final(Manager *m) {
        return store_commit(m->store);
}

void manager_request_flush(Manager *m) {
        int r;

        m->commit_wanted = true;
        /* While commits fail, the retry timer commits, not every new write. */
        if (commit_retry_failing(m->commit_retry))
                return;
        /* A big batch starts its commit on the spot (announcing waits for the commit and the loop). */
        if (store_pending_writes(m->store) >= FLUSH_WRITES_MAX)
                manager_start_commit(m);
        r = yielding_job_arm(m->flush_job, 0);
        if (r < 0)
                log_error_errno(r, "Failed to schedule the flush: %m");
}

void manager_request_lazy_flush(Manager *m) {
        if (store_pending_writes(m->store) >= FLUSH_WRITES_MAX) {
                manager_request_flush(m);
                return;
        }
        if (m->lazy_armed || commit_retry_failing(m->commit_retry))
                return;
        if (engine_timer_arm(m->lazy_timer, manager_now(m, CLOCK_MONOTONIC) + LAZY_COMMIT_USEC) < 0) {
                manager_request_flush(m); /* without the timer, at once rather than never */
                return;
        }
        m->lazy_armed = true;
}

/* After the writes it tells of: it waits for their generation, everything written before it. */
static void manager_announce(Manager *m, Publication p) {
        p.generation = store_write_generation(m->store);
        g_queue_push_tail(&m->outbox, g_memdup2(&p, sizeof(p)));
        manager_request_flush(m);
}

/* c: the clock the event is about; NULL for sync-state. */
static void manager_publish(Manager *m, Resource *r, Clock *c, Event *e, bool value_changed) {
        Publication p = { .event = event_ref(e), .value_changed = value_changed };

        /* Taken for good: if the commit fails, the event is held with it and committed later. */
        e->seq = ++m->last_seq;
        store_add_event(m->store, e);
        resource_prepare_announcement(&p.announcement, r, c, e);
        manager_announce(m, p);
}

/* A change of what r (and c) show that is no event: a retired clock gone, or r left with no value. */
static void manager_announce_quietly(Manager *m, Resource *r, Clock *c, bool value_changed) {
        Publication p = { .value_changed = value_changed };

        resource_prepare_announcement(&p.announcement, r, c, NULL);
        manager_announce(m, p);
}

static void manager_property_changed(Manager *m, const char *property) {
        manager_announce(m, (Publication) { .property = property });
}

void manager_when_durable(Manager *m, DurableKind kind, DurableHandler handler, void *userdata,
                          void (*destroy)(void *userdata), Subscription *made) {
        assert(handler);
        manager_announce(m, (Publication) {
                .handler = handler,
                .kind = kind,
                .userdata = userdata,
                .destroy = destroy,
                .subscription = made ? g_strdup(made->object_path) : NULL,
        });
}

static void manager_update_sync_state(Manager *m) {
        Resource *r = m->resources[RESOURCE_SYNC_STATE];
        _cleanup_(event_unrefp) Event *e = NULL;

        if (!resource_update_sync_state(r, m->resources[RESOURCE_LOCK_STATE], m->resources[RESOURCE_OS_CLOCK]))
                return;
        /* No data any more (every PTP clock retired): nothing to claim, and no event to claim it with. */
        if (!r->value)
                manager_announce_quietly(m, r, NULL, true);
        else {
                e = resource_change_event(r, NULL, (int64_t) manager_now(m, CLOCK_REALTIME));
                manager_publish(m, r, NULL, e, true);
        }
        manager_property_changed(m, "SyncState");
}

/*
 * After a value of clock c changed: its event, the resource's, and the node's. A retired clock has
 * no value to announce: the resource's event then carries the other clocks, and only if its own
 * value changed.
 */
static void manager_clock_changed(Manager *m, Clock *c) {
        Resource *r = c->resource;
        _cleanup_(event_unrefp) Event *e = NULL;
        bool value_changed;

        value_changed = resource_update_value(r);
        if (c->value || (value_changed && r->value)) {
                e = resource_change_event(r, c->value ? c : NULL, (int64_t) manager_now(m, CLOCK_REALTIME));
                manager_publish(m, r, c, e, value_changed);
        } else
                manager_announce_quietly(m, r, c, value_changed);
        if (!value_changed)
                return;
        if (r->kind == RESOURCE_CLOCK_CLASS)
                manager_property_changed(m, "ClockClass");
        else if (resource_kind_is_sync(r->kind))
                manager_update_sync_state(m);
}

static void clock_sync_transition(Manager *m, Clock *c);

void manager_set_clock_alias(Manager *m, const char *clock, const char *alias) {
        g_hash_table_replace(m->clock_aliases, g_strdup(clock), g_strdup(alias));
}

/* The resource's clock, created with its configured alias if it is new. */
static Clock *manager_ensure_clock(Manager *m, Resource *r, const char *name) {
        return resource_ensure_clock(r, name, g_hash_table_lookup(m->clock_aliases, name));
}

static void on_holdover_timer(void *userdata, uint64_t deadline) {
        Clock *c = userdata;

        /* The deadline itself, not "now": expiry is defined at the deadline. */
        if (clock_sync_expire(&c->sync, deadline))
                clock_sync_transition(c->resource->manager, c);
}

static void holdover_timer_free(struct EngineTimer *t) {
        engine_timer_free(t);
}

static void clock_arm_holdover_timer(Manager *m, Clock *c) {
        int r;

        if (c->sync.state != SYNC_STATE_HOLDOVER) {
                engine_timer_disarm(c->holdover_timer);
                return;
        }
        /* The model frees it with the clock, without knowing the engine. */
        c->holdover_timer_free = holdover_timer_free;
        r = engine_timer_ensure_armed(&c->holdover_timer, &m->clock, HOLDOVER_TIMER_ACCURACY_USEC,
                                      on_holdover_timer, c, c->sync.holdover_deadline);
        if (r < 0)
                /* Without the timer HOLDOVER would last forever: say so loudly. */
                log_error_errno(r, "Failed to arm the holdover timer of %s: %m", c->name);
}

static void clock_sync_transition(Manager *m, Clock *c) {
        g_free(c->value);
        c->value = g_strdup(sync_state_to_string(c->sync.state));
        clock_arm_holdover_timer(m, c);
        manager_clock_changed(m, c);
}

int manager_observe_sync(Manager *m, ResourceKind k, const char *clock, Observation o, int64_t offset_ns) {
        Resource *r = manager_get_resource(m, k);
        uint64_t now = manager_now(m, CLOCK_MONOTONIC);
        bool changed;
        Clock *c;

        assert(resource_kind_is_sync(k));
        if (!r)
                return -ENOENT;

        c = manager_ensure_clock(m, r, clock);
        /* A late timer must not let an observation jump over the expiry: see sync-state.h. */
        if (clock_sync_expire(&c->sync, now))
                clock_sync_transition(m, c);
        changed = clock_sync_observe(&c->sync, &m->thresholds, o, offset_ns, now);
        /* An unreachable source measured nothing: its offset is left out, not made up. */
        if ((unsigned) o < _OBSERVATION_MAX)
                c->offset_ns = o == OBSERVATION_UNREACHABLE ? OFFSET_NONE : offset_ns;
        if (changed)
                clock_sync_transition(m, c);
        return 0;
}

int manager_observe_state(Manager *m, ResourceKind k, const char *clock, SyncState state, int64_t offset_ns) {
        Resource *r = manager_get_resource(m, k);
        Clock *c;

        assert(resource_kind_is_sync(k));
        assert(state != SYNC_STATE_NONE && (unsigned) state < _SYNC_STATE_MAX);
        if (!r)
                return -ENOENT;

        c = manager_ensure_clock(m, r, clock);
        c->offset_ns = offset_ns;
        if (c->sync.state == state)
                return 0;
        /* The source keeps the time: no deadline the manager would act on ends its HOLDOVER. */
        c->sync = (ClockSync) {
                .state = state,
                .offset_ns = offset_ns,
                .holdover_deadline = state == SYNC_STATE_HOLDOVER ? UINT64_MAX : 0,
        };
        engine_timer_disarm(c->holdover_timer);
        g_free(c->value);
        c->value = g_strdup(sync_state_to_string(state));
        manager_clock_changed(m, c);
        return 0;
}

void manager_set_warning(Manager *m, const char *topic, const char *sentence) {
        const char *old = g_tree_lookup(m->warnings, topic);

        if (streq_ptr(old, sentence))
                return;
        if (sentence) {
                log_warning("%s", sentence);
                g_tree_replace(m->warnings, g_strdup(topic), g_strdup(sentence));
        } else {
                log_notice("No longer so: %s", old);
                g_tree_remove(m->warnings, topic);
        }
        manager_property_changed(m, "Warnings");
}

void manager_set_clock_class_writer(Manager *m, bool on) {
        if (m->clock_class_writer == on)
                return;
        m->clock_class_writer = on;
        log_notice("The grandmaster's clock class writer is %s.", on ? "on: ptpsyncd writes the class into ptp4l"
                                                                      : "off: ptp4l's class is only read");
        manager_property_changed(m, "ClockClassWriter");
}

void manager_retire_clock(Manager *m, ResourceKind k, const char *clock) {
        Resource *r = manager_get_resource(m, k);
        Clock *c = r ? resource_find_clock(r, clock) : NULL;

        if (!c || c->retired)
                return;
        log_info("%s: clock %s retired (its source was removed).", r->info->kind, c->name);
        clock_retire(c);
        engine_timer_disarm(c->holdover_timer);
        manager_clock_changed(m, c);
}

static int manager_observe_reading(Manager *m, ResourceKind k, const char *clock, const char *value,
                                   int gps_fix, int64_t offset_ns) {
        Resource *r = manager_get_resource(m, k);
        Clock *c;

        assert(!resource_kind_is_sync(k) && k != RESOURCE_SYNC_STATE);
        if (!r)
                return -ENOENT;

        c = manager_ensure_clock(m, r, clock);
        c->offset_ns = offset_ns;
        if (streq_ptr(c->value, value) && c->gps_fix == gps_fix)
                return 0;
        c->gps_fix = gps_fix;
        if (!streq_ptr(c->value, value)) {
                g_free(c->value);
                c->value = g_strdup(value);
        }
        manager_clock_changed(m, c);
        return 0;
}

int manager_observe_value(Manager *m, ResourceKind k, const char *clock, const char *value, int64_t offset_ns) {
        assert(k != RESOURCE_GNSS);
        return manager_observe_reading(m, k, clock, value, GPS_FIX_NONE, offset_ns);
}

int manager_observe_gnss(Manager *m, const char *clock, const char *status, int gps_fix, int64_t offset_ns) {
        assert(gps_fix == GPS_FIX_NONE || (gps_fix >= 0 && gps_fix <= GPS_FIX_MAX));
        return manager_observe_reading(m, RESOURCE_GNSS, clock, status, gps_fix, offset_ns);
}

void manager_update_status(Manager *m) {
        const Resource *sync = m->resources[RESOURCE_SYNC_STATE];
        const Resource *class = m->resources[RESOURCE_CLOCK_CLASS];
        g_autofree char *status = NULL;

        /* What has been announced, as the properties show it. */
        if (!sync->announced_value)
                status = g_strdup("STATUS=Waiting for the first observation of PTP and the system clock");
        else if (class->announced_value)
                status = g_strdup_printf("STATUS=Node %s, clock class %s", sync->announced_value,
                                         class->announced_value);
        else
                status = g_strdup_printf("STATUS=Node %s", sync->announced_value);
        if (streq_ptr(status, m->last_status))
                return;
        (void) notify_nonblocking(status);
        g_free(m->last_status);
        m->last_status = TAKE_PTR(status);
}
