/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the engine tells the outside, and the little it asks of it
 *
 * The engine (the manager, the subscription registry, the subscriptions and
 * the delivery pump) decides what is announced, queued, sent and retried; it
 * does not know how. It speaks to the outside only through this table,
 * handed to manager_set_ops(): the bus face (bus/bus-face.c) implements it
 * with sd-bus, the engine's unit tests with a fake that records every call.
 * Until a table is set, and for any op left NULL, nothing is told (sends are
 * lost like any send that fails: the ack timeout retries them).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "model/event.h"
#include "model/queue.h"

typedef struct Resource Resource;
typedef struct Subscription Subscription;

/* The answer to a ping: answered is false when the peer could not be asked or did not answer. */
typedef void (*EnginePingDone)(void *userdata, bool answered);

typedef struct EngineOps {
        /* A committed event, for everyone (the broadcast Event signal). */
        void (*event_announced)(void *userdata, const Event *e);
        /* After an announcement for r (with_event: it came with an event, so LastChange and Sequence moved). */
        void (*resource_changed)(void *userdata, Resource *r, bool value_changed, bool with_event);
        /* One of the Manager's properties: SyncState, ClockClass, SubscriptionCount. */
        void (*manager_changed)(void *userdata, const char *property);
        /* s is registered (its object exists); s is about to be freed (it still can be read). */
        void (*subscription_added)(void *userdata, Subscription *s);
        void (*subscription_removed)(void *userdata, Subscription *s);
        /* s's owner changed: attached, detached, or another connection. */
        void (*owner_changed)(void *userdata, Subscription *s);
        /* To s's owner: one delivery attempt of e; a dead letter (durable: only once it is committed). */
        void (*send_event)(void *userdata, Subscription *s, const Event *e, uint32_t attempt);
        void (*send_dead_lettered)(void *userdata, Subscription *s, uint64_t seq, DeadLetterReason reason);
        /*
         * Asks the peer owner whether it has read everything sent to it so far: done is called once,
         * later (never from inside ping), unless ping_cancel() is called first. Returns 0 with a
         * handle for ping_cancel in *ret_handle, or a negative errno (then done is never called).
         */
        int (*ping)(void *userdata, const char *owner, EnginePingDone done, void *done_userdata, void **ret_handle);
        void (*ping_cancel)(void *userdata, void *handle);
        /* Whether the way out is congested now: the delivery pump pauses while it is. */
        bool (*output_congested)(void *userdata);
} EngineOps;

/* Calls op of m's table, if it has one. */
#define manager_tell(m, op, ...)                                                \
        do {                                                                    \
                if ((m)->ops && (m)->ops->op)                                   \
                        (m)->ops->op((m)->ops_userdata, __VA_ARGS__);           \
        } while (0)
