/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Opening a bus connection, for ptpsyncd, libptpsync, the tests' helpers and the
 * benchmarks: the daemon's --bus= names ("system", "session") and D-Bus addresses,
 * such as the private dbus-daemon a test or a benchmark starts.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-bus.h>

/*
 * Connects to the bus at address (e.g. "unix:path=/run/x") as a bus client, so that the
 * connection says Hello and gets a unique name. method_call_timeout_usec, if not 0, is
 * the connection's default method call timeout; it is set before the connection starts,
 * so that it covers Hello as well. Returns 0 or a negative errno, *ret untouched.
 */
int bus_open_address(sd_bus **ret, const char *address, uint64_t method_call_timeout_usec);

/* "system", "session" (the user's bus), or else a D-Bus address as for bus_open_address(). */
int bus_open(sd_bus **ret, const char *spec);
