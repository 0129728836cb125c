/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsyncctl reload and inject: the daemon's configuration re-read, and an
 * observation fed to the simulated source (Simulator.Inject, plain sd-bus).
 */

#include <errno.h>
#include <stdlib.h>
#include <systemd/sd-bus.h>

#include "ptpsync.h"
#include "ptpsyncctl.h"
#include "common/quote.h"
#include "common/util.h"

/* ---- reload ---- */

/* What ExecReload= runs: it returns once the daemon has the new configuration in force, or refused it. */
int verb_reload(char **args) {
        int r = ptpsync_client_reload(client);

        if (r < 0)
                return client_failed("Failed to reload", r);
        return 0;
}

/* ---- inject ---- */

int verb_inject(char **args) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int64_t offset = 0;
        int r;

        if (args[4]) {
                char *end;
                errno = 0;
                long long v = strtoll(args[4], &end, 10);
                if (errno != 0 || end == args[4] || *end) {
                        log_error("Invalid offset (nanoseconds): %s", QUOTE(args[4]));
                        return EXIT_USAGE;
                }
                offset = v;
        }
        r = connect_raw();
        if (r != 0)
                return r;
        r = sd_bus_call_method(raw_bus, PTPSYNC_BUS_NAME, MANAGER_OBJECT_PATH, SIMULATOR_INTERFACE, "Inject", &error, NULL,
                               "sssx", args[1], args[2], args[3], offset);
        if (r < 0) {
                if (sd_bus_error_has_name(&error, "org.freedesktop.DBus.Error.InvalidArgs"))
                        r = (log_error("Failed to inject: %s", error.message), EXIT_USAGE);
                else
                        r = bus_failed("Failed to inject", r, &error);
                sd_bus_error_free(&error);
                return r;
        }
        return 0;
}
