/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsyncctl: the connections to the bus (libptpsync's and a plain sd-bus
 * one for properties and Inject), failed calls reported with their exit
 * status, property getters, the node name and relative addresses.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "ptpsync.h"
#include "ptpsyncctl.h"
#include "common/bus-open.h"
#include "common/util.h"

PtpsyncClient *client = NULL; /* the libptpsync connection */
sd_bus *raw_bus = NULL;       /* for properties and Inject */

/* The exit status for a failure: from the D-Bus error name if there is one, else from the errno. */
static int exit_status_for(int r, const char *error_name) {
        if (error_name) {
                if (streq(error_name, "org.freedesktop.DBus.Error.ServiceUnknown") ||
                    streq(error_name, "org.freedesktop.DBus.Error.NameHasNoOwner"))
                        return EXIT_NO_DAEMON;
                if (streq(error_name, "org.freedesktop.DBus.Error.AccessDenied") ||
                    streq(error_name, "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"))
                        return EXIT_ACCESS_DENIED;
                if (streq(error_name, PTPSYNC_ERROR_NO_SUCH_RESOURCE) ||
                    streq(error_name, PTPSYNC_ERROR_NO_SUCH_SUBSCRIPTION) ||
                    streq(error_name, "org.freedesktop.DBus.Error.UnknownObject")) /* a subscription that ended */
                        return EXIT_NO_SUCH;
                if (streq(error_name, PTPSYNC_ERROR_INVALID_ADDRESS) ||
                    streq(error_name, PTPSYNC_ERROR_INVALID_OPTION))
                        return EXIT_USAGE;
        }
        switch (r) {
        case -EACCES:
        case -EPERM:
                return EXIT_ACCESS_DENIED;
        case -EHOSTUNREACH:
                return EXIT_NO_DAEMON;
        case -ETIMEDOUT:
                return EXIT_TIMEOUT;
        default:
                return EXIT_FAIL;
        }
}

/* Reports a failed library call ("what: message") and returns its exit status. */
int client_failed(const char *what, int r) {
        const char *name = ptpsync_client_last_error_name(client);
        const char *message = ptpsync_client_last_error_message(client);
        int status = exit_status_for(r, name);

        if (status == EXIT_NO_DAEMON)
                log_error("%s: ptpsyncd is not running (org.ptpsync1 has no owner on the bus).", what);
        else if (status == EXIT_ACCESS_DENIED)
                log_error("%s: %s", what, message ?: "access denied.");
        else if (streq_ptr(name, "org.freedesktop.DBus.Error.UnknownObject"))
                log_error("%s: no such subscription.", what);
        else
                log_error("%s: %s", what, message ?: strerror(-r));
        return status;
}

int bus_failed(const char *what, int r, const sd_bus_error *error) {
        const char *name = error && sd_bus_error_is_set(error) ? error->name : NULL;
        int status = exit_status_for(r, name);

        if (status == EXIT_NO_DAEMON)
                log_error("%s: ptpsyncd is not running (org.ptpsync1 has no owner on the bus).", what);
        else if (status == EXIT_ACCESS_DENIED)
                log_error("%s: %s", what, name && error->message ? error->message : "access denied.");
        else if (name && (streq(name, "org.freedesktop.DBus.Error.UnknownInterface") ||
                          streq(name, "org.freedesktop.DBus.Error.UnknownMethod")))
                log_error("%s: ptpsyncd does not run the simulated source (--source=sim).", what);
        else
                log_error("%s: %s", what, name ? error->message : strerror(-r));
        return status;
}

int connect_client(void) {
        int r = ptpsync_client_new(&client, arg_bus);
        if (r < 0) {
                log_error("Failed to connect to %s: %s", arg_bus ?: "the system bus", strerror(-r));
                return EXIT_FAIL;
        }
        return 0;
}

int connect_raw(void) {
        int r;

        if (raw_bus)
                return 0;
        r = arg_bus ? bus_open_address(&raw_bus, arg_bus, 0) : sd_bus_open_system(&raw_bus);
        if (r < 0) {
                log_error("Failed to connect to %s: %s", arg_bus ?: "the system bus", strerror(-r));
                return EXIT_FAIL;
        }
        return 0;
}

int get_node_name(char **ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = connect_raw();
        if (r != 0)
                return r;
        r = sd_bus_get_property_string(raw_bus, PTPSYNC_BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "NodeName", &error,
                                       ret);
        if (r < 0) {
                r = bus_failed("Failed to read the node name", r, &error);
                sd_bus_error_free(&error);
                return r;
        }
        return 0;
}

/* A relative address ("sync/ptp-status/lock-state") gets the node's prefix; a full one is copied. */
int resolve_address(const char *address, char **ret) {
        _cleanup_free_ char *node = NULL;
        int r;

        if (address[0] == '/') {
                *ret = strdup(address);
                return *ret ? 0 : EXIT_FAIL;
        }
        r = get_node_name(&node);
        if (r != 0)
                return r;
        if (asprintf(ret, "/cluster/node/%s/%s", node, address) < 0)
                return EXIT_FAIL;
        return 0;
}

/* bus_failed() for a property read: "Failed to read NAME: why". */
static int bus_failed_reading(const char *property, int r, const sd_bus_error *error) {
        char what[128];

        snprintf(what, sizeof(what), "Failed to read %s", property);
        return bus_failed(what, r, error);
}

int get_string_prop(const char *path, const char *iface, const char *name, char **ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_get_property_string(raw_bus, PTPSYNC_BUS_NAME, path, iface, name, &error, ret);
        if (r < 0) {
                r = bus_failed_reading(name, r, &error);
                sd_bus_error_free(&error);
                return r;
        }
        return 0;
}

int get_strv_prop(const char *path, const char *iface, const char *name, char ***ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_get_property_strv(raw_bus, PTPSYNC_BUS_NAME, path, iface, name, &error, ret);
        if (r < 0) {
                r = bus_failed_reading(name, r, &error);
                sd_bus_error_free(&error);
                return r;
        }
        return 0;
}

/* A property only some may read (a subscription's Name: its uid's and root's): NULL for the others. */
int get_private_string_prop(const char *path, const char *iface, const char *name, char **ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_get_property_string(raw_bus, PTPSYNC_BUS_NAME, path, iface, name, &error, ret);

        if (r < 0 && sd_bus_error_has_name(&error, SD_BUS_ERROR_ACCESS_DENIED)) {
                *ret = NULL;
                r = 0;
        } else if (r < 0)
                r = bus_failed_reading(name, r, &error);
        sd_bus_error_free(&error);
        return r;
}

int get_trivial_prop(const char *path, const char *iface, const char *name, char type, void *ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_get_property_trivial(raw_bus, PTPSYNC_BUS_NAME, path, iface, name, &error, type, ret);
        if (r < 0) {
                r = bus_failed_reading(name, r, &error);
                sd_bus_error_free(&error);
                return r;
        }
        return 0;
}
