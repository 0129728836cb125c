/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Events on the bus: an Event (model/event.h) marshalled as (tsssxa(ssss)),
 * seq, id, type, source, time and the values (address, data_type, value_type,
 * value), for the Event signals and for the arrays of events that
 * GetDeadLetters and the like return.
 */
#pragma once

#include <systemd/sd-bus.h>

#include "common/bus-names.h" /* EVENT_SIGNATURE */
#include "model/event.h"

/* Appends the fields (tsssxa(ssss)) without an enclosing struct: the Event signal's arguments. */
int event_bus_append_fields(sd_bus_message *m, const Event *e);
/* Appends one (tsssxa(ssss)) struct, for arrays of events. */
int event_bus_append(sd_bus_message *m, const Event *e);
