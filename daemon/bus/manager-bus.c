/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <stdlib.h>

#include "common/address.h"
#include "build-config.h"
#include "common/bus-errors.h"
#include "common/bus-open.h"
#include "config/config.h"
#include "common/log.h"
#include "common/notify.h"
#include "bus/bus-face.h"
#include "bus/event-bus.h"
#include "bus/log-control-bus.h"
#include "bus/manager-bus.h"
#include "common/quote.h"
#include "bus/resource-bus.h"
#include "bus/simulator-bus.h"
#include "bus/subscription-bus.h"

int bus_read_address(sd_bus_message *message, const char **ret_address, sd_bus_error *error) {
        const char *address, *reason;
        int r;

        r = sd_bus_message_read(message, "s", &address);
        if (r < 0)
                return r;
        if (!address_is_valid(address, &reason))
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_ADDRESS, "Invalid resource address %s: %s",
                                         QUOTE(address), reason);
        *ret_address = address;
        return 0;
}

int bus_caller_uid(Manager *m, sd_bus_message *message, uid_t *ret_uid, sd_bus_error *error) {
        const char *sender = sd_bus_message_get_sender(message);

        if (!sender)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Access denied: the caller has no bus name");
        if (!peers_uid(bus_face(m)->peers, sender, ret_uid))
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Access denied: %s could not be identified (it left the bus?)", sender);
        return 0;
}

int bus_authorize_caller(Manager *m, sd_bus_message *message, AuthAction action, uid_t *ret_uid,
                         sd_bus_error *error) {
        uid_t uid;
        int r;

        r = bus_caller_uid(m, message, &uid, error);
        if (r < 0)
                return r;
        if (ret_uid)
                *ret_uid = uid;
        return authorize(bus_face(m)->auth, message, uid, action, error);
}

/*
 * What needs the caller's uid: anything on a subscription (its methods, and its
 * properties, some of which only its owner may read), the ObjectManager (which
 * lists only the caller's subscriptions), and the Manager's and Simulator's
 * calls that act, and setting how the daemon logs. Reading state does not wait.
 */
static bool call_needs_identity(sd_bus_message *call) {
        const char *path = sd_bus_message_get_path(call), *interface = sd_bus_message_get_interface(call);
        const char *member = sd_bus_message_get_member(call);

        if (path && (streq(path, SUBSCRIPTION_OBJECT_PREFIX) ||
                     g_str_has_prefix(path, SUBSCRIPTION_OBJECT_PREFIX "/")))
                return true;
        if (streq_ptr(interface, "org.freedesktop.DBus.ObjectManager") || streq_ptr(interface, SIMULATOR_INTERFACE) ||
            log_control_bus_call_needs_identity(call))
                return true;
        return streq_ptr(interface, MANAGER_INTERFACE) &&
               (streq_ptr(member, "Subscribe") || streq_ptr(member, "ListSubscriptions") ||
                streq_ptr(member, "Reload") || streq_ptr(member, "SetClockClassWriter"));
}

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
}

static int property_get_node_name(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "s", m->node_name);
}

static int property_get_sync_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "s", m->resources[RESOURCE_SYNC_STATE]->announced_value ?: "");
}

static int property_get_clock_class(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *v = m->resources[RESOURCE_CLOCK_CLASS]->announced_value;

        /* Class 0 is reserved in IEEE 1588: it stands for "no data yet". */
        return sd_bus_message_append(reply, "y", (uint8_t) (v ? g_ascii_strtoull(v, NULL, 10) : 0));
}

static gboolean append_warning(void *key, void *value, void *userdata) {
        GPtrArray *strv = userdata;

        g_ptr_array_add(strv, value);
        return FALSE;
}

static int property_get_warnings(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        g_autoptr(GPtrArray) strv = g_ptr_array_new();

        g_tree_foreach(m->warnings, append_warning, strv);
        g_ptr_array_add(strv, NULL);
        return sd_bus_message_append_strv(reply, (char **) strv->pdata);
}

static int property_get_clock_class_writer(sd_bus *bus, const char *path, const char *interface,
                                           const char *property, sd_bus_message *reply, void *userdata,
                                           sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "b", m->clock_class_writer);
}

static int property_get_subscription_count(sd_bus *bus, const char *path, const char *interface,
                                           const char *property, sd_bus_message *reply, void *userdata,
                                           sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "u", (uint32_t) subscriptions_count(m->subscriptions));
}

static int property_get_last_sequence(sd_bus *bus, const char *path, const char *interface, const char *property,
                                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        /* The newest event anyone can have heard of: one being committed is not out yet. */
        return sd_bus_message_append(reply, "t", m->dispatched_seq);
}

static int method_get_current_state(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        const char *address;
        unsigned matched = 0, with_data = 0;
        int r;

        r = bus_read_address(message, &address, error);
        if (r < 0)
                return r;

        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', EVENT_SIGNATURE);
        if (r < 0)
                return r;
        for (ResourceKind k = 0; k < _RESOURCE_KIND_MAX; k++) {
                const Resource *res = m->resources[k];
                _cleanup_(event_unrefp) Event *e = NULL;

                if (!res || !address_matches(address, res->address))
                        continue;
                matched++;
                e = resource_current_state_event(res);
                if (!e)
                        continue;
                with_data++;
                r = event_bus_append(reply, e);
                if (r < 0)
                        return r;
        }
        /* A kind this node has no source for (SyncE; GNSS without the simulator) exists, without data. */
        if (matched == 0 && resource_address_is_known(m->node_name, address))
                return sd_bus_error_setf(error, BUS_ERROR_NO_DATA,
                                         "%s: no data, this node has no source for it (yet)", address);
        if (matched == 0)
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_RESOURCE,
                                         "No O-RAN resource matches %s; this node's resources are under "
                                         "/cluster/node/%s/", address, m->node_name);
        if (with_data == 0)
                return sd_bus_error_setf(error, BUS_ERROR_NO_DATA,
                                         "%s: no data yet, the source has not observed %s",
                                         address, matched == 1 ? "this resource" : "these resources");
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_list_resources(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(sso)");
        if (r < 0)
                return r;
        for (ResourceKind k = 0; k < _RESOURCE_KIND_MAX; k++) {
                const Resource *res = m->resources[k];

                if (!res)
                        continue;
                r = sd_bus_message_append(reply, "(sso)", res->address, res->info->kind, res->object_path);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_reload(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        uid_t uid;
        int r;

        r = bus_authorize_caller(m, message, AUTH_CONFIGURE, &uid, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* polkit was asked: the call comes back with its answer */
        BusFace *f = bus_face(m);

        if (!f->reload)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "Not ready to reload yet");

        log_info("Reload asked by %s (uid %u).", sd_bus_message_get_sender(message), (unsigned) uid);
        r = f->reload(f->reload_userdata, error);
        if (r < 0)
                return r;
        /* Done means done: what the reload changed (clocks gone, their events) is out before the reply. */
        bus_reply_when_durable(m, message, NULL);
        return 1;
}

static int method_set_clock_class_writer(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int enabled, r;
        uid_t uid;

        r = sd_bus_message_read(message, "b", &enabled);
        if (r < 0)
                return r;
        if (!m->has_grandmaster)
                return sd_bus_error_set(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                        "This node has no grandmaster whose clock class could be written: "
                                        "[Grandmaster] Instance= names none");
        r = bus_authorize_caller(m, message, AUTH_WRITE_CLOCK_CLASS, &uid, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* polkit was asked: the call comes back with its answer */

        log_info("Clock class writer turned %s by %s (uid %u).", enabled ? "on" : "off",
                 sd_bus_message_get_sender(message), (unsigned) uid);
        manager_set_clock_class_writer(m, enabled);
        return sd_bus_reply_method_return(message, NULL);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("NodeName", "s", property_get_node_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("SyncState", "s", property_get_sync_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ClockClass", "y", property_get_clock_class, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Warnings", "as", property_get_warnings, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ClockClassWriter", "b", property_get_clock_class_writer, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SubscriptionCount", "u", property_get_subscription_count, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastSequence", "t", property_get_last_sequence, 0, 0),
        SD_BUS_METHOD_WITH_ARGS("GetCurrentState",
                                SD_BUS_ARGS("s", address),
                                SD_BUS_RESULT("a" EVENT_SIGNATURE, events),
                                method_get_current_state, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListResources",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(sso)", resources),
                                method_list_resources, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Subscribe",
                                SD_BUS_ARGS("s", address, "a{sv}", options),
                                SD_BUS_RESULT("o", subscription),
                                method_subscribe, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListSubscriptions",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("ao", subscriptions),
                                method_list_subscriptions, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Reload",
                                SD_BUS_NO_ARGS,
                                SD_BUS_NO_RESULT,
                                method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetClockClassWriter",
                                SD_BUS_ARGS("b", enabled),
                                SD_BUS_NO_RESULT,
                                method_set_clock_class_writer, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("Event",
                                SD_BUS_ARGS("t", seq, "s", id, "s", type, "s", source, "x", time,
                                            "a(ssss)", values),
                                0),
        SD_BUS_VTABLE_END,
};

void manager_bus_emit_event(Manager *m, const Event *e) {
        sd_bus *bus = manager_get_bus(m);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *s = NULL;
        int r;

        if (!bus)
                return;
        r = sd_bus_message_new_signal(bus, &s, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "Event");
        if (r >= 0)
                r = event_bus_append_fields(s, e);
        if (r >= 0)
                r = sd_bus_send(bus, s, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to broadcast event %" G_GUINT64_FORMAT ": %m", e->seq);
}

void manager_bus_emit_manager_changed(Manager *m, const char *property) {
        sd_bus *bus = manager_get_bus(m);
        int r;

        if (!bus)
                return;
        r = sd_bus_emit_properties_changed(bus, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, property, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to emit PropertiesChanged for %s: %m", property);
}

void manager_bus_emit_object_added(Manager *m, const char *path) {
        sd_bus *bus = manager_get_bus(m);
        int r;

        if (!bus)
                return;
        r = sd_bus_emit_object_added(bus, path);
        if (r < 0)
                log_warning_errno(r, "Failed to emit InterfacesAdded for %s: %m", path);
}

void manager_bus_emit_object_removed(Manager *m, const char *path) {
        sd_bus *bus = manager_get_bus(m);
        int r;

        if (!bus)
                return;
        r = sd_bus_emit_object_removed(bus, path);
        if (r < 0)
                log_warning_errno(r, "Failed to emit InterfacesRemoved for %s: %m", path);
}

static void on_peer_gone(const char *name, void *userdata) {
        Manager *m = userdata;

        subscriptions_owner_gone(m->subscriptions, name);
}

static int on_name_acquired(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        uint32_t result;
        int r;

        if (e) {
                log_error("Failed to acquire the name " BUS_NAME ": %s", e->message);
                return sd_event_exit(m->event, EXIT_FAILURE);
        }
        r = sd_bus_message_read(reply, "u", &result);
        /* Asked with no flags, anything but "primary owner" (1) means someone else has it. */
        if (r < 0 || result != 1) {
                log_error("The name " BUS_NAME " is already owned by another process; is ptpsyncd already running?");
                return sd_event_exit(m->event, EXIT_FAILURE);
        }

        log_info("Acquired " BUS_NAME " on the bus, node %s, source %s.", m->node_name,
                 source_kind_to_string(m->source));
        (void) notify_nonblocking("READY=1");
        manager_update_status(m);
        return 0;
}

/* sd-bus's own signal when the connection is gone: there is nothing left to serve. */
static int on_disconnected(sd_bus_message *message, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;

        log_error("Lost the connection to the bus; exiting.");
        return sd_event_exit(m->event, EXIT_FAILURE);
}

static int bus_face_setup(BusFace *f, Manager *m, const char *bus_spec) {
        int r;

        f->manager = m;
        r = bus_open(&f->bus, bus_spec);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the %s bus: %m", bus_spec);

        /* The peers' match goes out first: by the time anyone can subscribe, it is in place. */
        r = peers_new(&f->peers, f->bus, call_needs_identity, on_peer_gone, m);
        if (r < 0)
                return r;
        r = auth_registry_new(&f->auth, m->event, f->bus);
        if (r < 0)
                return r;
        /* The engine speaks through the face from here on: the resources and subscriptions below are announced. */
        manager_set_ops(m, &bus_face_engine_ops, f);

        r = sd_bus_add_object_vtable(f->bus, NULL, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, manager_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to export the Manager: %m");
        r = sd_bus_add_object_manager(f->bus, NULL, MANAGER_OBJECT_PATH);
        if (r < 0)
                return log_error_errno(r, "Failed to add the object manager: %m");
        for (ResourceKind k = 0; k < _RESOURCE_KIND_MAX; k++)
                if (m->resources[k]) {
                        r = resource_bus_register(m->resources[k]);
                        if (r < 0)
                                return r;
                }
        r = subscription_bus_register(m);
        if (r < 0)
                return r;
        r = log_control_bus_register(m);
        if (r < 0)
                return r;
        if (m->source == SOURCE_SIM) {
                r = simulator_bus_register(m);
                if (r < 0)
                        return r;
        }

        r = sd_bus_attach_event(f->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        /* Objects first, then the name: nobody can call us before we are complete. */
        r = sd_bus_request_name_async(f->bus, NULL, BUS_NAME, 0, on_name_acquired, m);
        if (r < 0)
                return log_error_errno(r, "Failed to request the name " BUS_NAME ": %m");
        /* Local to the connection: no AddMatch goes to the bus for it. */
        r = sd_bus_match_signal(f->bus, NULL, "org.freedesktop.DBus.Local", "/org/freedesktop/DBus/Local",
                                "org.freedesktop.DBus.Local", "Disconnected", on_disconnected, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch for the loss of the bus: %m");
        return 0;
}

int bus_face_new(BusFace **ret, Manager *m, const char *bus_spec) {
        _cleanup_(bus_face_freep) BusFace *f = g_new0(BusFace, 1);
        int r;

        assert(!bus_face(m));
        r = bus_face_setup(f, m, bus_spec);
        if (r < 0) {
                /* The manager lives on (to be freed by the caller): it must not speak through a freed face. */
                if (bus_face(m) == f)
                        manager_set_ops(m, NULL, NULL);
                return r;
        }
        *ret = TAKE_PTR(f);
        return 0;
}
