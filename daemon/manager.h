/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The manager
 *
 * Owns the resources and the event sequence. Sources hand it observations;
 * it runs them through the state machine, arms the holdover timers, and
 * publishes an event for every change of state or value (and only then):
 * the resource's event first, then the derived sync-state's, each with the
 * next seq. Publishing goes to the bus layer (manager-bus.c) and to every
 * matching subscription's queue (subscriptions.c).
 */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "authorize.h"
#include "config.h"
#include "delivery.h"
#include "peers.h"
#include "resource.h"
#include "subscriptions.h"

struct Manager {
        sd_event *event;
        sd_bus *bus;
        char *node_name;
        SourceKind source;
        Thresholds thresholds;
        Resource *resources[_RESOURCE_KIND_MAX]; /* NULL: not offered by this source */
        uint64_t last_seq;
        AuthRegistry *auth;
        Subscriptions *subscriptions;
        unsigned subscriptions_per_uid;
        Peers *peers;       /* once on the bus */
        Delivery *delivery; /* once on the bus */
};

int manager_new(Manager **ret, sd_event *event, const char *node_name, SourceKind source,
                const Thresholds *thresholds);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

Resource *manager_get_resource(Manager *m, ResourceKind k);

/* A lock-state or os-clock observation of one clock. */
int manager_observe_sync(Manager *m, ResourceKind k, const char *clock, Observation o, int64_t offset_ns);
/* A clock-class ("6") or GNSS ("SYNCHRONIZED") reading of one clock; the value is validated by the caller. */
int manager_observe_value(Manager *m, ResourceKind k, const char *clock, const char *value, int64_t offset_ns);

/* The node's overall state for humans: sd_notify STATUS=. */
void manager_update_status(Manager *m);
