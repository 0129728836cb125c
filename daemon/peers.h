/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Peer tracking
 *
 * Subscriptions end (or pause) when their owner leaves the bus. Watching each
 * owner with its own sd_bus_track would cost one match rule per peer, and a
 * stock system bus allows a connection 512: past that sd-bus closes our
 * connection. So there is one match rule in all -- NameOwnerChanged for any
 * unique name that loses its owner -- and a table of the names we care about.
 *
 * A peer may leave between calling us and our watching it. So every newly
 * watched name is also asked after once (GetNameOwner, asynchronously): the
 * bus answers after it has processed the departure, if there was one, so
 * either the signal or the failed answer tells us. The handler runs exactly
 * once per watched name that leaves.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "util.h"

typedef struct Peers Peers;
typedef void (*PeerGoneHandler)(const char *name, void *userdata);

/* Installs the match (asynchronously: before anything else is sent on bus). */
int peers_new(Peers **ret, sd_bus *bus, PeerGoneHandler handler, void *userdata);
Peers *peers_free(Peers *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Peers *, peers_free);

/* Watches a unique name, if not already watched. */
int peers_watch(Peers *p, const char *name);
/* Forgets a name: its handler will not run. */
void peers_unwatch(Peers *p, const char *name);
bool peers_is_watched(const Peers *p, const char *name);
