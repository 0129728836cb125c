/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "bus/bus-face.h"
#include "common/log.h"
#include "engine/manager.h"
#include "bus/resource-bus.h"

static int property_get_kind(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Resource *r = userdata;

        return sd_bus_message_append(reply, "s", r->info->kind);
}

static int property_get_event_type(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Resource *r = userdata;

        return sd_bus_message_append(reply, "s", r->info->event_type);
}

static int property_get_value(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Resource *r = userdata;

        return sd_bus_message_append(reply, "s", r->announced_value ?: "");
}

/* (value address, value, offset the last event carried, 0 if none): it changes only with an event. */
static int property_get_clocks(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Resource *r = userdata;
        int k;

        k = sd_bus_message_open_container(reply, 'a', "(ssx)");
        if (k < 0)
                return k;
        for (guint i = 0; i < r->clocks->len; i++) {
                const Clock *c = r->clocks->pdata[i];

                if (!c->announced_value)
                        continue;
                k = sd_bus_message_append(reply, "(ssx)", c->value_address, c->announced_value,
                                          c->announced_offset_ns == OFFSET_NONE ? INT64_C(0) : c->announced_offset_ns);
                if (k < 0)
                        return k;
        }
        return sd_bus_message_close_container(reply);
}

static const sd_bus_vtable resource_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Address", "s", NULL, offsetof(Resource, address), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Kind", "s", property_get_kind, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("EventType", "s", property_get_event_type, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Value", "s", property_get_value, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Clocks", "a(ssx)", property_get_clocks, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastChange", "t", NULL, offsetof(Resource, last_change_usec),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Sequence", "t", NULL, offsetof(Resource, sequence), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END,
};

int resource_bus_register(Resource *r) {
        int k;

        k = sd_bus_add_object_vtable(manager_get_bus(r->manager), NULL, r->object_path, RESOURCE_INTERFACE, resource_vtable, r);
        if (k < 0)
                return log_error_errno(k, "Failed to export resource %s: %m", r->info->kind);
        return 0;
}

void resource_bus_emit_changed(Resource *r, bool value_changed, bool with_event) {
        char *changed[5] = {};
        size_t n = 0;
        int k;

        if (!manager_get_bus(r->manager))
                return;
        if (with_event) {
                changed[n++] = "LastChange";
                changed[n++] = "Sequence";
        }
        if (value_changed)
                changed[n++] = "Value";
        /* sync-state is derived: it has no clocks, so they never change. */
        if (r->kind != RESOURCE_SYNC_STATE)
                changed[n++] = "Clocks";
        k = sd_bus_emit_properties_changed_strv(manager_get_bus(r->manager), r->object_path, RESOURCE_INTERFACE, changed);
        if (k < 0)
                log_warning_errno(k, "Failed to emit PropertiesChanged for %s: %m", r->address);
}
