/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Manager's face on the bus: org.ptpsync1.Manager and the ObjectManager
 * at /org/ptpsync1, the connection (bus_face_new(), bus-face.h), and the name.
 */
#pragma once

#include <systemd/sd-bus.h>

#include "bus/authorize.h"
#include "common/bus-names.h"
#include "engine/manager.h"

/* The broadcast Event signal. */
void manager_bus_emit_event(Manager *m, const Event *e);
/* PropertiesChanged for one Manager property. */
void manager_bus_emit_manager_changed(Manager *m, const char *property);

/* InterfacesAdded / InterfacesRemoved for an object under /org/ptpsync1. */
void manager_bus_emit_object_added(Manager *m, const char *path);
void manager_bus_emit_object_removed(Manager *m, const char *path);

/*
 * The uid of the caller of a call that needed one (peers.h: such calls are
 * dispatched only once it is known). Returns 0, or a negative errno with
 * error set when the caller has no bus name or has left meanwhile.
 */
int bus_caller_uid(Manager *m, sd_bus_message *message, uid_t *ret_uid, sd_bus_error *error);

/*
 * The caller's uid (in *ret_uid, if set), then polkit's verdict on action for
 * it: 1 allowed, 0 asked (the handler returns 1: the call comes back with the
 * answer), < 0 refused with error set. See authorize.h.
 */
int bus_authorize_caller(Manager *m, sd_bus_message *message, AuthAction action, uid_t *ret_uid,
                         sd_bus_error *error);

/* Reads an address argument and checks it; InvalidAddress saying why, if it is not one. */
int bus_read_address(sd_bus_message *message, const char **ret_address, sd_bus_error *error);
