/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus/bus-face.h"
#include "bus/log-control-bus.h"
#include "bus/manager-bus.h"
#include "common/bus-names.h"
#include "common/log.h"
#include "common/quote.h"

bool log_control_bus_call_needs_identity(sd_bus_message *call) {
        return streq_ptr(sd_bus_message_get_path(call), LOG_CONTROL_OBJECT_PATH) &&
               sd_bus_message_is_method_call(call, "org.freedesktop.DBus.Properties", "Set");
}

static int property_get_log_level(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", log_level_to_string(log_get_max_level()));
}

static int property_get_log_target(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", log_target_to_string(log_get_target()));
}

static int property_get_identifier(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", log_get_identifier());
}

/*
 * The new value, once the caller may set it: root and the daemon's own user only, for how much is
 * logged is theirs to say (and debug can tell a lot).
 */
static int read_value_of_privileged(sd_bus *bus, sd_bus_message *value, const char *property, Manager *m,
                                    const char **ret, sd_bus_error *error) {
        uid_t uid;
        int r;

        r = sd_bus_message_read(value, "s", ret);
        if (r < 0)
                return r;
        r = bus_caller_uid(m, sd_bus_get_current_message(bus), &uid, error);
        if (r < 0)
                return r;
        if (uid != 0 && uid != geteuid())
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Access denied: only root may set %s", property);
        return 0;
}

static const char *caller(sd_bus *bus) {
        return strna(sd_bus_message_get_sender(sd_bus_get_current_message(bus)));
}

static int property_set_log_level(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *value, void *userdata, sd_bus_error *error) {
        const char *s;
        int r, level;

        r = read_value_of_privileged(bus, value, property, userdata, &s, error);
        if (r < 0)
                return r;
        level = log_level_from_string(s);
        if (level < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid log level %s: expected " LOG_LEVEL_NAMES, QUOTE(s));

        log_set_max_level(level);
        log_info("Log level set to %s by %s.", s, caller(bus));
        return 0;
}

static int property_set_log_target(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *value, void *userdata, sd_bus_error *error) {
        LogTarget t;
        const char *s;
        int r;

        r = read_value_of_privileged(bus, value, property, userdata, &s, error);
        if (r < 0)
                return r;
        t = log_target_from_string(s);
        if (t < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid log target %s: expected " LOG_TARGET_NAMES, QUOTE(s));

        /* Said where the messages went so far: that is where someone will look for why they stop. */
        log_info("Log target set to %s by %s.", s, caller(bus));
        log_set_target(t);
        return 0;
}

/* Flags 0, as systemd's: the values change only when asked, and the asker knows. */
static const sd_bus_vtable log_control_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_WRITABLE_PROPERTY("LogLevel", "s", property_get_log_level, property_set_log_level, 0,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_WRITABLE_PROPERTY("LogTarget", "s", property_get_log_target, property_set_log_target, 0,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_PROPERTY("SyslogIdentifier", "s", property_get_identifier, 0, 0),
        SD_BUS_VTABLE_END,
};

int log_control_bus_register(Manager *m) {
        int r;

        r = sd_bus_add_object_vtable(manager_get_bus(m), NULL, LOG_CONTROL_OBJECT_PATH, LOG_CONTROL_INTERFACE,
                                     log_control_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to export " LOG_CONTROL_INTERFACE ": %m");
        return 0;
}
