/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Events
 *
 * An event is an immutable record of one change of one resource, shaped as
 * the O-RAN notification it maps to: seq (daemon-wide, strictly increasing),
 * id (random UUID), type (event.sync....), source (the resource address),
 * time (µs since the epoch) and values, each (ResourceAddress relative to the
 * node, data_type, value_type, value as a string). On the bus one event is
 * (tsssxa(ssss)), marshalled by bus/event-bus.h. Events are reference
 * counted: one event is shared by the broadcast and by every subscriber queue
 * that holds it.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <systemd/sd-id128.h>

#include "common/bus-names.h" /* EVENT_SIGNATURE */
#include "common/util.h"

typedef struct EventValue {
        char *address;          /* relative, e.g. "ens5fx/master", "CLOCK_REALTIME" */
        const char *data_type;  /* "notification" or "metric" */
        const char *value_type; /* "enumeration" or "decimal64.3" */
        char *value;            /* always a string: "LOCKED", "-3", "6" */
} EventValue;

typedef struct Event {
        unsigned n_ref;
        uint64_t seq; /* 0 until published */
        char id[SD_ID128_UUID_STRING_MAX];
        const char *type; /* static, from the resource table */
        char *source;     /* the full resource address */
        int64_t time_usec;
        GArray *values; /* EventValue */
} Event;

Event *event_new(const char *type, const char *source, int64_t time_usec);
Event *event_ref(Event *e);
Event *event_unref(Event *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(Event *, event_unref);

/* A notification/enumeration value (a state). */
void event_add_state(Event *e, const char *address, const char *state);
/* A metric/decimal64.3 value: an offset in ns, or a clock class. */
void event_add_metric(Event *e, const char *address, int64_t value);

/* About what the event takes on the wire as a signal from path: for bounds on what is outstanding, not exact. */
uint64_t event_wire_size(const Event *e, const char *path);

