/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Peers: who is calling, and who left
 *
 * Most calls need to know the caller's uid (Subscribe, anything on a
 * subscription, Inject, Reload). Asking the bus inside a handler would be a
 * synchronous round trip that stalls every other client, and asking per call
 * would cost a round trip and leave state per call behind. So the uid is
 * learnt once per unique name, before the call is dispatched: a bus filter
 * holds the first call of a name whose uid is unknown (and every call of it
 * that arrives meanwhile), asks GetConnectionUnixUser asynchronously, and
 * puts the held calls back into sd-bus's read queue, in order, once it is
 * answered. Handlers then read the uid synchronously (peers_uid()).
 *
 * Unique names are never reused on a bus, and the bus sends NameOwnerChanged
 * after any reply to a question about that name, so a known name is on the
 * bus as far as anything processed so far shows: one match rule in all --
 * NameOwnerChanged for any unique name that loses its owner -- forgets it and
 * tells the handler, exactly once per known name. (sd_bus_track would cost
 * a match rule per peer; a stock system bus allows a connection 512.)
 *
 * What one name can make us hold is bounded (PEER_HELD_CALLS_MAX), and so are
 * our own questions in flight (PEER_LOOKUPS_MAX, the rest wait their turn):
 * the bus allows us 128 pending calls in all.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "common/util.h"

#define PEER_HELD_CALLS_MAX 128
#define PEER_LOOKUPS_MAX 32

typedef struct Peers Peers;
typedef void (*PeerGoneHandler)(const char *name, void *userdata);
/* Whether a call must wait until its sender's uid is known. */
typedef bool (*PeerNeedsIdentity)(sd_bus_message *call);

/* Installs the match and the filter (asynchronously: before anything else is sent on bus). */
int peers_new(Peers **ret, sd_bus *bus, PeerNeedsIdentity needs_identity, PeerGoneHandler gone, void *userdata);
Peers *peers_free(Peers *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Peers *, peers_free);

/* The uid of a unique name on the bus, if known. Always known for the sender of a call that needs it. */
bool peers_uid(const Peers *p, const char *name, uid_t *ret_uid);
