/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>

#include "model/alias.h"
#include "common/bus-errors.h"
#include "common/log.h"
#include "bus/bus-face.h"
#include "bus/manager-bus.h"
#include "common/quote.h"
#include "bus/simulator-bus.h"

/* A clock class: a decimal number 0..255, nothing else. */
static bool parse_clock_class(const char *s) {
        size_t n = strspn(s, "0123456789");

        return n > 0 && n <= 3 && s[n] == '\0' && atoi(s) <= 255;
}

/*
 * A GNSS observation: a state, optionally with its gpsFix metric, "SYNCHRONIZED,gpsFix=5". The
 * state goes to *ret_state (g_free), the metric to *ret_gps_fix (GPS_FIX_NONE without one). false
 * if either is not valid.
 */
#define GPS_FIX_OPTION ",gpsFix="
static bool parse_gnss_observation(const char *s, char **ret_state, int *ret_gps_fix) {
        const char *option = strstr(s, GPS_FIX_OPTION);
        g_autofree char *state = g_strndup(s, option ? (size_t) (option - s) : strlen(s));
        int gps_fix = GPS_FIX_NONE;

        if (option) {
                const char *fix = option + strlen(GPS_FIX_OPTION);

                if (fix[0] < '0' || fix[0] > '0' + GPS_FIX_MAX || fix[1] != '\0')
                        return false;
                gps_fix = fix[0] - '0';
        }
        if (!gnss_state_is_valid(state))
                return false;
        if (ret_state)
                *ret_state = TAKE_PTR(state);
        if (ret_gps_fix)
                *ret_gps_fix = gps_fix;
        return true;
}

/* Checks the clock name and observation for resource kind k; sets error and returns < 0 if bad. */
static int inject_validate(ResourceKind k, const char **clock, const char *observation, sd_bus_error *error) {
        const char *kind = resource_info(k)->kind;

        if (k == RESOURCE_OS_CLOCK) {
                if (!isempty(*clock) && !streq(*clock, OS_CLOCK_NAME))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "The os-clock-sync-state clock is " OS_CLOCK_NAME
                                                 " (or empty), not another clock");
                *clock = OS_CLOCK_NAME;
        } else if (!interface_name_is_valid(*clock))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid clock %s: expected a network interface name of 1 to 15 "
                                         "characters without '/' or white space, such as ens1f0", QUOTE(*clock));

        if (resource_kind_is_sync(k) ? observation_from_string(observation) != _OBSERVATION_MAX
            : k == RESOURCE_CLOCK_CLASS ? parse_clock_class(observation)
            : parse_gnss_observation(observation, NULL, NULL))
                return 0;

        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid observation %s for %s: expected %s",
                                 QUOTE(observation), kind,
                                 resource_kind_is_sync(k) ? "locked, unlocked or unreachable"
                                 : k == RESOURCE_CLOCK_CLASS ? "a clock class from 0 to 255"
                                 : "a GNSS state such as SYNCHRONIZED, ACQUIRING-SYNC or FAILURE-NOFIX, "
                                   "optionally with its gpsFix from 0 to 5: SYNCHRONIZED,gpsFix=5");
}

static int method_inject(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *suffix, *clock, *observation;
        int64_t offset;
        ResourceKind k;
        int r;

        r = sd_bus_message_read(message, "sssx", &suffix, &clock, &observation, &offset);
        if (r < 0)
                return r;

        k = resource_kind_from_suffix(suffix);
        if (k < 0 || !m->resources[k])
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_RESOURCE,
                                         "No resource with suffix %s; expected sync/ptp-status/lock-state, "
                                         "sync/sync-status/os-clock-sync-state, sync/ptp-status/clock-class "
                                         "or sync/gnss-status/gnss-sync-status", QUOTE(suffix));
        if (k == RESOURCE_SYNC_STATE)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "sync-state is derived from the other resources and cannot be injected");
        r = inject_validate(k, &clock, observation, error);
        if (r < 0)
                return r;
        if (offset == OFFSET_NONE)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Offset %" PRIi64 " cannot be injected: it stands for \"not measured\"; "
                                         "expected an offset in ns from %" PRIi64 " to %" PRIi64,
                                         offset, INT64_MIN + 1, INT64_MAX);

        r = bus_authorize_caller(m, message, AUTH_SIMULATE, NULL, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* polkit was asked: the call comes back with its answer */

        log_debug("Injected into %s: clock %s, %s, offset %" G_GINT64_FORMAT, suffix, clock, observation, offset);
        if (resource_kind_is_sync(k))
                r = manager_observe_sync(m, k, clock, observation_from_string(observation), offset);
        else if (k == RESOURCE_GNSS) {
                g_autofree char *state = NULL;
                int gps_fix;

                (void) parse_gnss_observation(observation, &state, &gps_fix); /* validated above */
                r = manager_observe_gnss(m, clock, state, gps_fix, offset);
        } else
                r = manager_observe_value(m, k, clock, observation, offset);
        if (r < 0)
                return r;
        /* "Done" means durable: the reply waits for the commit of the events it caused. */
        bus_reply_when_durable(m, message, NULL);
        return 1;
}

static const sd_bus_vtable simulator_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("Inject",
                                SD_BUS_ARGS("s", suffix, "s", clock, "s", observation, "x", offset),
                                SD_BUS_NO_RESULT,
                                method_inject, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int simulator_bus_register(Manager *m) {
        int r;

        r = sd_bus_add_object_vtable(manager_get_bus(m), NULL, MANAGER_OBJECT_PATH, SIMULATOR_INTERFACE, simulator_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to export the Simulator: %m");
        return 0;
}
