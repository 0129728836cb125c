/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Subscriptions
 *
 * A subscription is an address filter, an owner (the subscriber's connection,
 * or none while a durable subscription is detached), a delivery policy, and
 * its own queue. Every published event that matches is pushed to its queue;
 * the delivery pump (delivery.c) sends what the queue says is due to the
 * owner alone (engine-ops.h's send_event: on the bus, a unicast Event
 * signal), and the owner's Ack or Nack moves
 * the queue on. One subscription's stuck consumer fills only its own window:
 * nothing here waits on a consumer.
 */
#pragma once

#include <systemd/sd-event.h>
#include <systemd/sd-id128.h>
#include <sys/types.h>

#include "common/bus-names.h"
#include "engine/engine-clock.h"
#include "model/event.h"
#include "model/peer-flow.h"
#include "model/queue.h"
#include "model/subscription-options.h"
#include "store/store-batch.h"

typedef struct Manager Manager;

typedef struct Subscription {
        Manager *manager;
        char id[SD_ID128_UUID_STRING_MAX];
        char *object_path; /* SUBSCRIPTION_OBJECT_PREFIX "/" the id's 32 hex digits */
        char *address;
        uid_t uid;
        char *owner; /* unique name; NULL while detached */
        PeerFlow *flow; /* what is outstanding toward the owner (its registry's); NULL while detached */
        uint64_t stored_cursor; /* durable: every event up to it is acknowledged or a dead letter */
        bool in_store;          /* durable: its row is committed (else its Subscribe has no answer yet) */
        StoreCounters stored_counters; /* durable: the queue's counters as last written to the store */
        uint64_t discards_logged; /* dead letters dropped past DeadLetterLimit, as last logged */
        SubscriptionOptions options;
        Queue *queue;
        EngineTimer *timer; /* at the queue's next ack deadline or retry */
        GList *delivery_link;   /* in the delivery pump's round, or NULL */
        GList *registry_link;   /* in the registry's fan-out order */
} Subscription;

/* id: NULL for a new random one, or the stored one's; owner: NULL for detached. Takes the options over. */
int subscription_new(Subscription **ret, Manager *m, const char *id, const char *address, uid_t uid,
                     const char *owner, SubscriptionOptions *options);
Subscription *subscription_free(Subscription *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(Subscription *, subscription_free);

static inline bool subscription_is_durable(const Subscription *s) {
        return !isempty(s->options.name);
}

/* A matching event: into the queue, and the pump told. */
void subscription_push(Subscription *s, Event *e);

/* Sends up to max due events now; returns how many were sent. */
unsigned subscription_send_due(Subscription *s, unsigned max);

/*
 * InitialState: the current state of every matching resource that has one, in seq order (none
 * without a source), as announced: never an event that is published but not committed yet.
 */
void subscription_push_initial_state(Subscription *s);

/*
 * Ack and Nack of seq (requeue: deliver again now rather than at the next retry), from the owner
 * (from_owner) or from someone allowed to act on s. A stale one changes nothing.
 */
void subscription_ack(Subscription *s, uint64_t seq, bool from_owner);
void subscription_nack(Subscription *s, uint64_t seq, bool requeue, bool from_owner);

/* The owner acts on seq (Ack or Nack, before the queue hears of it): it has read what was sent up to it. */
void subscription_answered(Subscription *s, uint64_t seq);

/* After anything that changed the queue: report dead letters, re-arm the timer, wake the pump. */
void subscription_queue_changed(Subscription *s);

/* Durable: the dead letters were queued again (or dropped): the store follows. */
void subscription_dead_letters_redriven(Subscription *s);
void subscription_dead_letters_purged(Subscription *s);

/* The owner left (durable): pause, keep queueing. Or came back. */
void subscription_detach(Subscription *s);
void subscription_attach(Subscription *s, const char *owner);
