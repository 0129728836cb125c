/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The errno each org.ptpsync1.Error name (common/bus-names.h) maps to: the one map,
 * registered with sd-bus by ptpsyncd and by libptpsync alike, so that
 * sd_bus_error_get_errno() means the same on both ends.
 */
#pragma once

#include <systemd/sd-bus.h>

#include "common/bus-names.h"

extern const sd_bus_error_map ptpsync_bus_errors[];
