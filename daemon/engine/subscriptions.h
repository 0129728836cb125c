/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The subscription registry
 *
 * Every subscription by object path; every owner (a subscriber's unique
 * name) with its uid and its subscriptions, so that an owner leaving the bus
 * is one lookup and an Ack from a known owner needs no question to the bus;
 * the count per uid, for the quota. Events fan out from here.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "model/event.h"
#include "store/store.h"
#include "engine/subscription.h"

typedef struct Manager Manager;

typedef struct Subscriptions Subscriptions;

Subscriptions *subscriptions_new(Manager *m);
Subscriptions *subscriptions_free(Subscriptions *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(Subscriptions *, subscriptions_free);

/* Takes s over, watches its owner, announces the object. */
int subscriptions_add(Subscriptions *r, Subscription *s);
/* Announces the object gone and frees s. */
void subscriptions_remove(Subscriptions *r, Subscription *s);

Subscription *subscriptions_find_by_path(Subscriptions *r, const char *path);
Subscription *subscriptions_find_durable(Subscriptions *r, uid_t uid, const char *name);
unsigned subscriptions_count(const Subscriptions *r);
unsigned subscriptions_count_for_uid(const Subscriptions *r, uid_t uid);
/* The subscriptions attached to one connection now. */
unsigned subscriptions_count_for_owner(const Subscriptions *r, const char *name);
/* The object paths of every subscription, or of uid's alone (NULL-terminated; g_strfreev). */
char **subscriptions_paths(const Subscriptions *r, bool all, uid_t uid);

/* A durable subscription moves to a new owner. */
int subscriptions_reattach(Subscriptions *r, Subscription *s, const char *owner);

/* The lowest stored cursor of any durable subscription; UINT64_MAX when there is none. */
uint64_t subscriptions_min_cursor(const Subscriptions *r);

/*
 * At start-up: every durable subscription from the store, detached, with its
 * dead letters and every stored event after its cursor that it matches.
 */
int subscriptions_restore(Subscriptions *r, Store *store);

/*
 * A published event, to every subscription whose address matches, in slices: dispatch starts the
 * fan-out (none may be under way), dispatch_more offers it to at most budget subscriptions and
 * returns how many it offered, until dispatching() says the fan-out is over. A subscription made
 * meanwhile is not offered it; the manager's fanned_out_seq moves on when it is over.
 */
void subscriptions_dispatch(Subscriptions *r, Event *e);
unsigned subscriptions_dispatch_more(Subscriptions *r, unsigned budget);
bool subscriptions_dispatching(const Subscriptions *r);

/*
 * s's owner may have no more sent (peer-flow.h): its subscriptions wait until
 * it reads what it has, or until the total outstanding toward all peers drops.
 */
void subscriptions_flow_blocked(Subscriptions *r, Subscription *s);
/* s's owner acted on what was sent at mark: if that lets anyone send again, they are scheduled. */
void subscriptions_flow_seen(Subscriptions *r, Subscription *s, FlowMark mark);

/* The owner left the bus: its durable subscriptions detach, the others end. */
void subscriptions_owner_gone(Subscriptions *r, const char *name);
