/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>

#include "bus-errors.h"

const sd_bus_error_map ptpsync_bus_errors[] = {
        SD_BUS_ERROR_MAP(BUS_ERROR_NO_SUCH_RESOURCE, ENOENT),
        SD_BUS_ERROR_MAP(BUS_ERROR_NO_DATA, ENODATA),
        SD_BUS_ERROR_MAP(BUS_ERROR_INVALID_ADDRESS, EINVAL),
        SD_BUS_ERROR_MAP(BUS_ERROR_INVALID_OPTION, EINVAL),
        SD_BUS_ERROR_MAP(BUS_ERROR_NO_SUCH_SUBSCRIPTION, ENXIO),
        SD_BUS_ERROR_MAP(BUS_ERROR_QUOTA_EXCEEDED, EDQUOT),
        SD_BUS_ERROR_MAP_END,
};
