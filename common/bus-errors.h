/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The org.ptpsync1.Error names and the errno each maps to, registered with
 * sd-bus so that sd_bus_error_get_errno() means the same on both ends.
 */
#pragma once

#include <systemd/sd-bus.h>

#define BUS_ERROR_NO_SUCH_RESOURCE     "org.ptpsync1.Error.NoSuchResource"
#define BUS_ERROR_NO_DATA              "org.ptpsync1.Error.NoData"
#define BUS_ERROR_INVALID_ADDRESS      "org.ptpsync1.Error.InvalidAddress"
#define BUS_ERROR_INVALID_OPTION       "org.ptpsync1.Error.InvalidOption"
#define BUS_ERROR_NO_SUCH_SUBSCRIPTION "org.ptpsync1.Error.NoSuchSubscription"
#define BUS_ERROR_QUOTA_EXCEEDED       "org.ptpsync1.Error.QuotaExceeded"
#define BUS_ERROR_ALREADY_ATTACHED     "org.ptpsync1.Error.AlreadyAttached"
#define BUS_ERROR_INVALID_CONFIGURATION "org.ptpsync1.Error.InvalidConfiguration"
/* A call that promises durability, when what it did could not be committed to the store. */
#define BUS_ERROR_STORE_FAILED         "org.ptpsync1.Error.StoreFailed"

extern const sd_bus_error_map ptpsync_bus_errors[];
