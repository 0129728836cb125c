/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Resources
 *
 * The O-RAN resources of this node, each /cluster/node/<node>/<suffix>:
 *
 *   sync/sync-status/sync-state            worst of lock-state and os-clock (derived)
 *   sync/ptp-status/lock-state             one Clock per PTP clock: state + offset
 *   sync/sync-status/os-clock-sync-state   one Clock, CLOCK_REALTIME: state + offset
 *   sync/ptp-status/clock-class            one Clock per PTP clock: the GM's class
 *   sync/gnss-status/gnss-sync-status      one Clock per GNSS receiver: state + offset
 *
 * O-RAN also defines sync/synce-status/lock-state and sync/synce-status/clock-quality, for which
 * this daemon has no source (and no Resource); they are known kinds all the same, see
 * resource_address_is_known().
 *
 * A resource has no value until its first observation (value NULL). The
 * resource's own value is the worst of its clocks. This module only keeps the
 * data and builds events from it; the manager decides when, and the bus code
 * shows it.
 *
 * Each value is kept twice: as the state machine has it now, and as it was
 * announced -- in the last event that was committed and broadcast. Between
 * the two lies an event that is not durable yet; whatever a caller can see
 * (properties, GetCurrentState, a new subscription's initial state) is built
 * from the announced values only, so nobody hears of an event before it is
 * committed, nor gets it twice (once as current state, once dispatched).
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "model/event.h"
#include "model/sync-state.h"

typedef struct Manager Manager;

typedef enum ResourceKind {
        RESOURCE_SYNC_STATE,
        RESOURCE_LOCK_STATE,
        RESOURCE_OS_CLOCK,
        RESOURCE_CLOCK_CLASS,
        RESOURCE_GNSS,
        _RESOURCE_KIND_MAX,
        _RESOURCE_KIND_INVALID = -1,
} ResourceKind;

typedef struct ResourceInfo {
        const char *suffix;     /* "sync/ptp-status/lock-state" */
        const char *kind;       /* "lock-state": the last component */
        const char *event_type; /* "event.sync.ptp-status.ptp-state-change" */
} ResourceInfo;

const ResourceInfo *resource_info(ResourceKind k);
/* Accepts the suffix with or without a leading '/'. */
ResourceKind resource_kind_from_suffix(const char *suffix);

/*
 * Whether address (exact, or a prefix ending at a '/' boundary) names or covers one of the O-RAN
 * resource kinds of node: every ResourceKind, and those this daemon has no source for at all
 * (sync/synce-status/lock-state, sync/synce-status/clock-quality), whether or not the node has
 * a source for it now (GNSS has one only with the simulator). Subscribe accepts these, so that a
 * client may subscribe before a source exists; GetCurrentState answers NoData for them.
 */
bool resource_address_is_known(const char *node, const char *address);

/* The table's own string for an event type, so events can point at it; NULL if unknown. */
const char *resource_event_type_intern(const char *type);

/* Lock-state and os-clock clocks go through the state machine; the others carry a value. */
static inline bool resource_kind_is_sync(ResourceKind k) {
        return k == RESOURCE_LOCK_STATE || k == RESOURCE_OS_CLOCK;
}

#define OS_CLOCK_NAME "CLOCK_REALTIME"

/*
 * A GNSS clock's values carry, beside the state and the offset, the gpsFix metric as
 * cloud-event-proxy does: at ALIAS/gpsFix (the u-blox gpsFix, 0 no fix .. 5 time-only).
 */
#define GPS_FIX_NONE (-1)
#define GPS_FIX_MAX 5
#define GPS_FIX_SUFFIX "/gpsFix"

/* SYNCHRONIZED, ACQUIRING-SYNC, ...: the GNSS states O-RAN defines. */
bool gnss_state_is_valid(const char *s);

typedef struct Resource Resource;

typedef struct Clock {
        Resource *resource;
        char *name;          /* the interface ("ens1f0"), or CLOCK_REALTIME */
        char *value_address; /* "ens1fx/master", or CLOCK_REALTIME */
        ClockSync sync;      /* sync kinds only */
        char *value;         /* "LOCKED", "6", "SYNCHRONIZED"; NULL: no data yet */
        int64_t offset_ns;   /* the latest measurement; OFFSET_NONE: none (unreachable, or a clock class) */
        char *announced_value;       /* value as of the last announced event; NULL: none yet */
        int64_t announced_offset_ns; /* the offset that event carried; OFFSET_NONE: none */
        int gps_fix;           /* GNSS only: the gpsFix metric (0..5); GPS_FIX_NONE: none */
        int announced_gps_fix; /* the gpsFix that event carried */
        struct EngineTimer *holdover_timer; /* the engine's (engine/engine-clock.h) */
        void (*holdover_timer_free)(struct EngineTimer *t);
        bool retired;        /* its source is gone: no value until it is observed again */
} Clock;

struct Resource {
        Manager *manager;
        ResourceKind kind;
        const ResourceInfo *info;
        char *address;     /* /cluster/node/<node>/<suffix> */
        char *object_path; /* /org/ptpsync1/resource/<encoded suffix> */
        GPtrArray *clocks; /* Clock*, in the order they were first observed */
        char *value;       /* worst of the clocks; NULL: no data yet */
        char *announced_value;     /* value as of its last announced event; NULL: none yet */
        uint64_t last_change_usec; /* CLOCK_REALTIME µs of its last announced event */
        uint64_t sequence;         /* seq of its last announced event */
};

/*
 * prefix "/" suffix escaped as sd_bus_path_encode() does it, byte for byte (every byte but
 * [A-Za-z] and a digit after the first becomes _xx, lowercase hex; "" becomes "_"), without
 * sd-bus in the model. g_free.
 */
char *resource_object_path_encode(const char *prefix, const char *suffix);

Resource *resource_new(Manager *m, ResourceKind kind, const char *node_name);
Resource *resource_free(Resource *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(Resource *, resource_free);

Clock *resource_find_clock(Resource *r, const char *name);
/*
 * Finds or creates the clock; name must be valid (CLOCK_REALTIME for os-clock). A new PTP clock's
 * values are addressed ALIAS/master: alias, or NULL for the interface's derived alias (alias.h).
 * A retired clock comes back, under alias.
 */
Clock *resource_ensure_clock(Resource *r, const char *name, const char *alias);

/*
 * Its source is gone (a ptp4l instance removed by a reload): the clock forgets its values, as
 * before its first observation, so that it no longer counts in the resource's value nor shows
 * once announced. The Clock itself stays: events waiting to be announced point at it.
 */
void clock_retire(Clock *c);

/*
 * Recomputes the resource's own value from its clocks (for sync-state, from
 * the given lock-state and os-clock resources). Returns true when it changed.
 */
bool resource_update_value(Resource *r);
bool resource_update_sync_state(Resource *r, const Resource *lock_state, const Resource *os_clock);

/*
 * The event announcing that clock c changed; c NULL: every clock's values (for sync-state, its
 * own), when the resource's value changed without a clock's (one retired).
 */
Event *resource_change_event(Resource *r, Clock *c, int64_t time_usec);

/*
 * What a published event makes of the resource once it is announced: the
 * values it was published with (its clock's, c NULL for sync-state, and the
 * resource's own), kept apart from the live ones, which may have moved on.
 */
typedef struct Announcement {
        Resource *resource;
        Clock *clock;
        char *clock_value;
        int64_t clock_offset_ns;
        int clock_gps_fix;
        char *value;
        uint64_t seq;       /* 0: no event, the resource's seq and time stay */
        uint64_t time_usec;
} Announcement;

/*
 * The announcement of e, just published for r (and c), taken from their live values now. e NULL:
 * a change that is no event (a retired clock leaving, or the resource left with no value).
 */
void resource_prepare_announcement(Announcement *a, Resource *r, Clock *c, const Event *e);
/* e is committed and broadcast: its values become what everyone sees. Empties a. */
void resource_announce(Announcement *a);
void announcement_done(Announcement *a);

/*
 * The announced state of every clock, with the latest offsets; NULL when the
 * resource has announced nothing yet. A fresh id each time.
 */
Event *resource_current_state_event(const Resource *r);
