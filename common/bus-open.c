/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "common/bus-open.h"
#include "common/util.h"

int bus_open_address(sd_bus **ret, const char *address, uint64_t method_call_timeout_usec) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        r = sd_bus_set_address(bus, address);
        if (r < 0)
                return r;
        r = sd_bus_set_bus_client(bus, true);
        if (r < 0)
                return r;
        if (method_call_timeout_usec > 0) {
                r = sd_bus_set_method_call_timeout(bus, method_call_timeout_usec);
                if (r < 0)
                        return r;
        }
        r = sd_bus_start(bus);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}

int bus_open(sd_bus **ret, const char *spec) {
        if (streq(spec, "system"))
                return sd_bus_open_system(ret);
        if (streq(spec, "session"))
                return sd_bus_open_user(ret);
        return bus_open_address(ret, spec, 0);
}
