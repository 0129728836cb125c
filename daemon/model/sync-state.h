/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sync state machine
 *
 * One ClockSync per clock (a PTP clock disciplined by ptp4l, or CLOCK_REALTIME).
 * Sources feed it observations: the servo/port is locked with a measured offset,
 * lock is lost, or the source does not answer. It answers with the O-RAN state:
 *
 *   LOCKED    locked, and the offset strictly between MinOffsetNs and MaxOffsetNs;
 *   HOLDOVER  lock lost after having been LOCKED; lasts until the holdover deadline;
 *   FREERUN   never locked, locked out of range, or holdover ran out.
 *
 * A clock that has seen no observation yet is SYNC_STATE_NONE: it has no value,
 * and nothing is published for it (no bogus FREERUN at start-up).
 *
 * Pure: no I/O, no clocks read. Time is passed in (CLOCK_MONOTONIC µs); the caller
 * arms a timer at holdover_deadline and calls clock_sync_expire() when it fires,
 * and calls clock_sync_expire() before every clock_sync_observe() too, so that an
 * observation arriving at or after the deadline sees the expiry first: the result
 * does not depend on which of the two the event loop happened to dispatch first.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef enum SyncState {
        SYNC_STATE_NONE,        /* no observation yet: no value */
        SYNC_STATE_LOCKED,
        SYNC_STATE_HOLDOVER,
        SYNC_STATE_FREERUN,
        _SYNC_STATE_MAX,
} SyncState;

typedef enum Observation {
        OBSERVATION_LOCKED,      /* servo locked, port SLAVE; offset measured */
        OBSERVATION_UNLOCKED,    /* lock lost (master lost, link down, port faulty) */
        OBSERVATION_UNREACHABLE, /* the source does not answer */
        _OBSERVATION_MAX,
} Observation;

/* An offset that was not measured (the source is unreachable, or the value has none): left out of events. */
#define OFFSET_NONE INT64_MIN

typedef struct Thresholds {
        int64_t max_offset_ns;          /* default 100 */
        int64_t min_offset_ns;          /* default -100 */
        uint64_t holdover_timeout_usec; /* default 5 s */
} Thresholds;

#define THRESHOLDS_DEFAULT                                      \
        ((Thresholds) {                                         \
                .max_offset_ns = 100,                           \
                .min_offset_ns = -100,                          \
                .holdover_timeout_usec = 5 * UINT64_C(1000000), \
        })

typedef struct ClockSync {
        SyncState state;
        int64_t offset_ns;          /* the last measured offset */
        uint64_t holdover_deadline; /* CLOCK_MONOTONIC µs; 0 unless HOLDOVER */
} ClockSync;

#define CLOCK_SYNC_INIT ((ClockSync) { .state = SYNC_STATE_NONE })

/* In range means strictly between the two thresholds. */
bool thresholds_offset_in_range(const Thresholds *t, int64_t offset_ns);

/*
 * Applies one observation at time now. Returns true when the state changed.
 * For OBSERVATION_UNREACHABLE, offset_ns is ignored and the last one is kept.
 * Must be called after clock_sync_expire(c, now).
 */
bool clock_sync_observe(ClockSync *c, const Thresholds *t, Observation o, int64_t offset_ns, uint64_t now);

/* HOLDOVER whose deadline is <= now becomes FREERUN. Returns true when it did. */
bool clock_sync_expire(ClockSync *c, uint64_t now);

/* Worst of two states, FREERUN > HOLDOVER > LOCKED; NONE counts as no vote. */
SyncState sync_state_worst(SyncState a, SyncState b);

/* "LOCKED", "HOLDOVER", "FREERUN"; "" for NONE. */
const char *sync_state_to_string(SyncState s);
SyncState sync_state_from_string(const char *s); /* _SYNC_STATE_MAX if unknown */

/* "locked", "unlocked", "unreachable". */
const char *observation_to_string(Observation o);
Observation observation_from_string(const char *s); /* _OBSERVATION_MAX if unknown */
