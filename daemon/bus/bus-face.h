/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's face on the bus
 *
 * Everything of the daemon that speaks sd-bus hangs off one BusFace: the
 * connection, peer tracking (peers.h), polkit (authorize.h), and the engine's
 * ops (engine/engine-ops.h), implemented here on the bus: the broadcast and
 * unicast signals, PropertiesChanged, InterfacesAdded/Removed, the owner
 * pings, and the write queue as the pump's congestion signal. The manager
 * knows the face only as its ops' userdata; main.c makes the face after the
 * manager and frees it after the manager is gone.
 */
#pragma once

#include <systemd/sd-bus.h>

#include "bus/authorize.h"
#include "bus/peers.h"
#include "engine/manager.h"

/* The pump pauses while sd-bus holds this many messages it could not write yet (delivery.h). */
#define BUS_FACE_CONGESTED_QUEUE 1024

/* Manager.Reload: what main.c (reload.h) does for it. Returns < 0 with error set if it fails. */
typedef int (*BusReloadHandler)(void *userdata, sd_bus_error *error);

typedef struct BusFace {
        Manager *manager;
        sd_bus *bus;
        Peers *peers;
        AuthRegistry *auth;
        BusReloadHandler reload; /* NULL until main.c sets it: "not ready to reload yet" */
        void *reload_userdata;
} BusFace;

/*
 * Opens "system", "session" or an address, exports everything, asks for the
 * name, and becomes m's ops (manager_set_ops()).
 */
int bus_face_new(BusFace **ret, Manager *m, const char *bus_spec);
/* After manager_free(): flushes what is queued, and closes the connection. */
BusFace *bus_face_free(BusFace *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(BusFace *, bus_face_free);

void bus_face_set_reload(BusFace *f, BusReloadHandler handler, void *userdata);

/* The face of a manager that is on the bus (NULL before bus_face_new()). */
static inline BusFace *bus_face(Manager *m) {
        return m->ops_userdata;
}

static inline sd_bus *manager_get_bus(Manager *m) {
        BusFace *f = bus_face(m);

        return f ? f->bus : NULL;
}

/* The EngineOps that make it so (bus-face.c). */
extern const EngineOps bus_face_engine_ops;

/*
 * Answers on the bus once what they tell of is durable (manager_when_durable()):
 * call gets reply (NULL: an empty one) once everything it caused is committed,
 * or StoreFailed if that commit fails; a durable Subscribe gets s's path once
 * its row is committed (if that fails: StoreFailed, and s ends); message (a
 * signal that tells of a store write) is sent once committed, held while
 * commits fail.
 */
void bus_reply_when_durable(Manager *m, sd_bus_message *call, sd_bus_message *reply);
int bus_reply_subscribed_when_durable(Manager *m, sd_bus_message *call, Subscription *s);
void bus_send_when_durable(Manager *m, sd_bus_message *message);
