/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The node's current state, kept by the bridge so that CurrentState is
 * answered without a round trip to the daemon: a subscription of its own
 * (not durable, InitialState, acknowledged: nothing is missed, unlike the
 * broadcast signal) to every resource of the node, primed by one
 * GetCurrentState. It feeds the metrics too. Emptied while the daemon is
 * away: then nobody knows the state, and the bridge says so.
 */
#pragma once

#include "bridge.h"

typedef struct StateCache StateCache;

StateCache *state_cache_new(Bridge *b);
void state_cache_free(StateCache *c);

/* (Re)starts following the daemon: call when it has an owner and the node name is known. */
void state_cache_start(StateCache *c);
/* Forgets everything: the daemon went away. */
void state_cache_reset(StateCache *c);

/* Whether the cache follows the daemon now (else ask the daemon, or answer that it is unreachable). */
bool state_cache_ready(const StateCache *c);
/* The latest event of the resource at daemon_address (borrowed), NULL while it has no data. */
const PtpsyncEvent *state_cache_get(const StateCache *c, const char *daemon_address);
