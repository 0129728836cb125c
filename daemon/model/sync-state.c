/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>

#include "model/sync-state.h"
#include "common/util.h"

static const char *const sync_state_table[_SYNC_STATE_MAX] = {
        [SYNC_STATE_NONE]     = "",
        [SYNC_STATE_LOCKED]   = "LOCKED",
        [SYNC_STATE_HOLDOVER] = "HOLDOVER",
        [SYNC_STATE_FREERUN]  = "FREERUN",
};

static const char *const observation_table[_OBSERVATION_MAX] = {
        [OBSERVATION_LOCKED]      = "locked",
        [OBSERVATION_UNLOCKED]    = "unlocked",
        [OBSERVATION_UNREACHABLE] = "unreachable",
};

/* How bad a state is, for sync_state_worst(). NONE ranks lowest: it casts no vote. */
static const unsigned sync_state_rank[_SYNC_STATE_MAX] = {
        [SYNC_STATE_NONE]     = 0,
        [SYNC_STATE_LOCKED]   = 1,
        [SYNC_STATE_HOLDOVER] = 2,
        [SYNC_STATE_FREERUN]  = 3,
};

static bool sync_state_is_valid(SyncState s) {
        return (unsigned) s < _SYNC_STATE_MAX;
}

static bool observation_is_valid(Observation o) {
        return (unsigned) o < _OBSERVATION_MAX;
}

/* now + timeout, saturating: a deadline that wrapped would expire at once. */
static uint64_t usec_add(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

bool thresholds_offset_in_range(const Thresholds *t, int64_t offset_ns) {
        assert(t);

        return offset_ns > t->min_offset_ns && offset_ns < t->max_offset_ns;
}

bool clock_sync_expire(ClockSync *c, uint64_t now) {
        assert(c);

        if (c->state != SYNC_STATE_HOLDOVER || c->holdover_deadline > now)
                return false;

        c->state = SYNC_STATE_FREERUN;
        c->holdover_deadline = 0;
        return true;
}

/* The state an observation leads to from c->state, which is not an expired HOLDOVER. */
static SyncState next_state(SyncState s, const Thresholds *t, Observation o, int64_t offset_ns) {
        if (o == OBSERVATION_LOCKED && thresholds_offset_in_range(t, offset_ns))
                return SYNC_STATE_LOCKED;

        switch (s) {
        case SYNC_STATE_LOCKED:
                /* Locked but out of range is no holdover: the clock is already off. */
                return o == OBSERVATION_LOCKED ? SYNC_STATE_FREERUN : SYNC_STATE_HOLDOVER;
        case SYNC_STATE_HOLDOVER:
                /* Only a good lock or the deadline ends holdover. */
                return SYNC_STATE_HOLDOVER;
        default:
                /* NONE or FREERUN: never locked (or no longer), so nothing to hold over. */
                return SYNC_STATE_FREERUN;
        }
}

bool clock_sync_observe(ClockSync *c, const Thresholds *t, Observation o, int64_t offset_ns, uint64_t now) {
        SyncState old, new;

        assert(c);
        assert(t);

        if (!observation_is_valid(o) || !sync_state_is_valid(c->state))
                return false;

        old = c->state;

        /* The caller should have done this already; doing it again keeps the result
         * independent of whether the timer or the observation was dispatched first. */
        (void) clock_sync_expire(c, now);

        if (o != OBSERVATION_UNREACHABLE)
                c->offset_ns = offset_ns;

        new = next_state(c->state, t, o, offset_ns);

        /* Entering HOLDOVER arms the deadline; staying in it must not push it back. */
        if (new == SYNC_STATE_HOLDOVER && c->state != SYNC_STATE_HOLDOVER)
                c->holdover_deadline = usec_add(now, t->holdover_timeout_usec);
        else if (new != SYNC_STATE_HOLDOVER)
                c->holdover_deadline = 0;

        c->state = new;
        return new != old;
}

SyncState sync_state_worst(SyncState a, SyncState b) {
        if (!sync_state_is_valid(a) || !sync_state_is_valid(b))
                return _SYNC_STATE_MAX;

        return sync_state_rank[a] >= sync_state_rank[b] ? a : b;
}

const char *sync_state_to_string(SyncState s) {
        if (!sync_state_is_valid(s))
                return NULL;

        return sync_state_table[s];
}

SyncState sync_state_from_string(const char *s) {
        /* "" is how NONE is shown, but NONE means "no value": it never parses. */
        if (isempty(s))
                return _SYNC_STATE_MAX;

        for (SyncState i = 0; i < _SYNC_STATE_MAX; i++)
                if (streq(sync_state_table[i], s))
                        return i;

        return _SYNC_STATE_MAX;
}

const char *observation_to_string(Observation o) {
        if (!observation_is_valid(o))
                return NULL;

        return observation_table[o];
}

Observation observation_from_string(const char *s) {
        if (!s)
                return _OBSERVATION_MAX;

        for (Observation i = 0; i < _OBSERVATION_MAX; i++)
                if (streq(observation_table[i], s))
                        return i;

        return _OBSERVATION_MAX;
}
