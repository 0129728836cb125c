/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The manager
 *
 * Owns the resources and the event sequence. Sources hand it observations;
 * it runs them through the state machine, arms the holdover timers, and
 * publishes an event for every change of state or value (and only then):
 * the resource's event first, then the derived sync-state's, each with the
 * next seq.
 *
 * An event is committed to the store before anyone hears of it: it goes into
 * the store's batch and into an outbox, tagged with the batch's generation.
 * Once per batch of loop work (a source below the bus's priority, so that a
 * burst of calls shares one commit) the batch goes to the store's writer
 * thread; the loop goes on meanwhile, gathering the next batch, which is
 * handed over as soon as that commit ends. When a generation is committed,
 * the outbox goes out in order up to it -- the Event broadcast,
 * PropertiesChanged, and every matching subscription's queue
 * (subscriptions.c). The loop never waits for the disk.
 *
 * A commit that fails is a failure, not a log line: the outbox stays as it
 * is, announced to nobody, its events keeping the seqs they were given; the
 * calls that wait for durability get StoreFailed at once; the store keeps the
 * batch and the commit is retried with backoff (commit-retry.h) until it
 * works, when the outbox goes out in order, or for 30 s, when the daemon
 * exits with status 1.
 */
#pragma once

#include <systemd/sd-event.h>

#include "config/config.h"
#include "engine/commit-retry.h"
#include "engine/delivery.h"
#include "engine/engine-clock.h"
#include "engine/engine-ops.h"
#include "engine/subscriptions.h"
#include "engine/yielding-job.h"
#include "model/resource.h"
#include "store/store.h"

struct Manager {
        sd_event *event;
        EngineClock clock; /* what the timers run on (engine-clock.h) */
        const EngineOps *ops; /* how the outside hears of it (engine-ops.h); NULL: nobody does */
        void *ops_userdata;
        char *node_name;
        SourceKind source;
        Thresholds thresholds;
        Resource *resources[_RESOURCE_KIND_MAX]; /* NULL: not offered by this source */
        GHashTable *clock_aliases; /* clock (interface) -> configured alias */
        GTree *warnings;           /* topic -> sentence: the Warnings property, in the topics' order */
        bool has_grandmaster;      /* [Grandmaster] Instance= names one (source/grandmaster.h) */
        bool clock_class_writer;   /* it writes its class into ptp4l: the ClockClassWriter property */
        char *last_status;         /* the last STATUS= sent */
        uint64_t last_seq;
        uint64_t dispatched_seq; /* the newest event announced, its fan-out begun */
        uint64_t fanned_out_seq; /* the newest event every subscription has been offered */
        Store *store;
        GQueue outbox;           /* Publication*, each out once its store generation is committed */
        YieldingJob *flush_job;          /* on_flush: starts a commit, releases what is durable */
        sd_event_source *release_source; /* what a release's budget left, in the next iteration */
        sd_event_source *commit_source; /* the store's writer says a commit ended */
        EngineTimer *lazy_timer;        /* commits what only cursors and counters wrote */
        bool lazy_armed;
        bool commit_wanted;             /* writes that must not wait for the lazy timer */
        CommitRetry *commit_retry; /* armed while commits fail */
        unsigned flushes_since_prune;
        unsigned retain_events;
        Subscriptions *subscriptions;
        unsigned subscriptions_per_uid;
        unsigned subscriptions_per_connection;
        unsigned subscriptions_max;
        GHashTable *quota_users; /* uid -> QuotaUserConfig*: [Quota user NAME], over the two above */
        Delivery *delivery;
};

/* Takes the store over; restores its durable subscriptions. clock NULL: event's (engine-clock.h). */
int manager_new(Manager **ret, sd_event *event, const EngineClockOps *clock, void *clock_userdata,
                const char *node_name, SourceKind source, const Thresholds *thresholds, Store *store);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* From now on the outside hears of everything through ops (engine-ops.h), with userdata. */
void manager_set_ops(Manager *m, const EngineOps *ops, void *userdata);

Resource *manager_get_resource(Manager *m, ResourceKind k);
/* A resource manager_new() left out for this source (GNSS with [GNSS] Gpsd=); before the bus face is made. */
void manager_add_resource(Manager *m, ResourceKind k);

/* What of the configuration may change while running: thresholds, quotas, retention. At start-up and on reload. */
void manager_apply_config(Manager *m, const Config *c);

/*
 * The bound on uid's subscriptions in all (per_connection false) or on one of its connections
 * (true): its [Quota user NAME] group's if that sets it, else [Quota]'s. *ret_group (if set) gets
 * the group it comes from, NULL for [Quota]'s (valid until the next manager_apply_config()).
 */
unsigned manager_quota(Manager *m, uid_t uid, bool per_connection, const QuotaUserConfig **ret_group);

/* Addresses clock's values as ALIAS/master instead of the derived alias; before its first observation. */
void manager_set_clock_alias(Manager *m, const char *clock, const char *alias);

/* A lock-state or os-clock observation of one clock. */
int manager_observe_sync(Manager *m, ResourceKind k, const char *clock, Observation o, int64_t offset_ns);
/*
 * A lock-state or os-clock state judged by the source itself (a grandmaster's, model/tgm-state.h),
 * not by the state machine of sync-state.h: the clock takes it as it is, without a holdover timer
 * of the manager's. offset_ns may be OFFSET_NONE. A clock is judged either way, not both.
 */
int manager_observe_state(Manager *m, ResourceKind k, const char *clock, SyncState state, int64_t offset_ns);
/* A clock-class reading ("6") of one clock; the value is validated by the caller. */
int manager_observe_value(Manager *m, ResourceKind k, const char *clock, const char *value, int64_t offset_ns);
/*
 * A GNSS reading ("SYNCHRONIZED") of one clock, with its gpsFix metric (GPS_FIX_NONE: not known);
 * a change of either is an event. Validated by the caller.
 */
int manager_observe_gnss(Manager *m, const char *clock, const char *status, int gps_fix, int64_t offset_ns);

/*
 * Nothing observes clock any more (its ptp4l instance was removed): it leaves resource k's value,
 * properties and current state (clock_retire()), with an event if the resource's value changes,
 * until it is observed again. Nothing if k has no such clock, or it is retired already.
 */
void manager_retire_clock(Manager *m, ResourceKind k, const char *clock);

/*
 * Waiting for durability: handler runs once everything written to the store so
 * far is committed, with failure NULL. A DURABLE_REPLY (the answer to a call)
 * hears at once when that commit fails instead, with failure saying why and
 * what it means for the call; a DURABLE_HOLD (a message that tells of a store
 * write) waits while commits fail, until one works. made: the durable
 * subscription the call made, which ends if its row is never committed.
 * destroy (may be NULL) frees userdata afterwards, or at exit if it never ran.
 */
typedef enum DurableKind {
        DURABLE_REPLY,
        DURABLE_HOLD,
} DurableKind;
typedef void (*DurableHandler)(void *userdata, const char *failure);
void manager_when_durable(Manager *m, DurableKind kind, DurableHandler handler, void *userdata,
                          void (*destroy)(void *userdata), Subscription *made);

/* Whether the way out is congested now (engine-ops.h): the delivery pump asks. */
bool manager_output_congested(Manager *m);

/* Whether commits fail now; why, as the store says, in *ret_why. */
bool manager_store_failing(Manager *m, const char **ret_why);
/* At exit: commits what waits; < 0 if it cannot (store_free() will try once more, and say why). */
int manager_commit_final(Manager *m);

/* Store writes happened: commit them (and publish what waits on them) soon. */
void manager_request_flush(Manager *m);
/* Only a cursor or counters were written: commit within LAZY_COMMIT_USEC, or with other writes. */
void manager_request_lazy_flush(Manager *m);

/*
 * Something the daemon sees that contradicts itself or its configuration, for the Warnings
 * property: sentence under topic (one per topic, replaced), or none (NULL). Logged as a warning
 * when it appears or changes, as a notice when it goes.
 */
void manager_set_warning(Manager *m, const char *topic, const char *sentence);

/* Turns the grandmaster's class writer on or off (the ClockClassWriter property); logs a change. */
void manager_set_clock_class_writer(Manager *m, bool on);

/* The node's overall state for humans: sd_notify STATUS=. */
void manager_update_status(Manager *m);
