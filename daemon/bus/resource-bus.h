/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A resource's face on the bus: org.ptpsync1.Resource at
 * /org/ptpsync1/resource/<encoded suffix>, one object per resource.
 */
#pragma once

#include <stdbool.h>

#include "common/bus-names.h"
#include "model/resource.h"

int resource_bus_register(Resource *r);
/* After an announcement for r: PropertiesChanged for what it changed (with_event: LastChange and Sequence). */
void resource_bus_emit_changed(Resource *r, bool value_changed, bool with_event);
