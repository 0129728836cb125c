/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <stddef.h>

#include "model/tgm-state.h"

const char *tgm_params_check(const TgmParams *p) {
        assert(p);

        if (p->local_max_holdover_offset_ns <= 0)
                return "LocalMaxHoldoverOffSet must be more than 0 ns";
        if (p->max_in_spec_offset_ns <= 0)
                return "MaxInSpecOffset must be more than 0 ns";
        if (p->local_holdover_timeout_usec == 0)
                return "LocalHoldoverTimeout must be more than 0 s";
        return NULL;
}

bool tgm_params_equal(const TgmParams *a, const TgmParams *b) {
        return a->local_max_holdover_offset_ns == b->local_max_holdover_offset_ns &&
               a->local_holdover_timeout_usec == b->local_holdover_timeout_usec &&
               a->max_in_spec_offset_ns == b->max_in_spec_offset_ns && a->settle_usec == b->settle_usec;
}

uint64_t tgm_params_holdover_usec(const TgmParams *p) {
        /* In spec while slope * t <= MaxInSpecOffset: t = MaxInSpecOffset * timeout / LocalMax. 128 bits: ns * µs. */
        unsigned __int128 in_spec = (unsigned __int128) p->max_in_spec_offset_ns * p->local_holdover_timeout_usec /
                                    (uint64_t) p->local_max_holdover_offset_ns;

        return in_spec < p->local_holdover_timeout_usec ? (uint64_t) in_spec : p->local_holdover_timeout_usec;
}

static bool inputs_good(const TgmInputs *in) {
        return in->gnss && in->ts2phc && in->ptp4l;
}

/* Moves s to state; says whether that is a change. */
static bool tgm_state_set(TgmState *s, SyncState state, uint64_t now) {
        if (s->state == state)
                return false;
        s->state = state;
        s->holdover_since = state == SYNC_STATE_HOLDOVER ? now : 0;
        return true;
}

bool tgm_state_expire(TgmState *s, const TgmParams *p, uint64_t now) {
        bool changed = false;

        assert(s);
        assert(p);

        if (s->state == SYNC_STATE_HOLDOVER && now - s->holdover_since >= tgm_params_holdover_usec(p))
                changed = tgm_state_set(s, SYNC_STATE_FREERUN, now);
        if (s->state != SYNC_STATE_LOCKED && s->good_since > 0 && inputs_good(&s->inputs) &&
            now - s->good_since >= p->settle_usec)
                changed = tgm_state_set(s, SYNC_STATE_LOCKED, now) || changed;
        return changed;
}

bool tgm_state_update(TgmState *s, const TgmParams *p, const TgmInputs *in, uint64_t now) {
        SyncState old = s->state;

        assert(s);
        assert(p);
        assert(in);

        s->inputs = *in;
        s->have_inputs = true;
        if (!in->ptp4l || !in->ts2phc) {
                /* Nothing announces the time, or nothing disciplines the PHC: there is nothing to hold over. */
                s->good_since = 0;
                (void) tgm_state_set(s, SYNC_STATE_FREERUN, now);
        } else if (in->gnss) {
                if (s->good_since == 0)
                        s->good_since = now;
                if (s->state == SYNC_STATE_NONE)
                        (void) tgm_state_set(s, SYNC_STATE_FREERUN, now);
        } else {
                s->good_since = 0;
                (void) tgm_state_set(s, s->state == SYNC_STATE_LOCKED || s->state == SYNC_STATE_HOLDOVER
                                                ? SYNC_STATE_HOLDOVER
                                                : SYNC_STATE_FREERUN,
                                     now);
        }
        /* A settle time or holdover limit of 0 takes effect at once. */
        (void) tgm_state_expire(s, p, now);
        return s->state != old;
}

uint64_t tgm_state_deadline(const TgmState *s, const TgmParams *p) {
        uint64_t deadline = 0;

        if (s->state == SYNC_STATE_HOLDOVER)
                deadline = s->holdover_since + tgm_params_holdover_usec(p);
        if (s->state != SYNC_STATE_LOCKED && s->good_since > 0 && inputs_good(&s->inputs)) {
                uint64_t settled = s->good_since + p->settle_usec;

                if (deadline == 0 || settled < deadline)
                        deadline = settled;
        }
        return deadline;
}

int64_t tgm_state_offset_ns(const TgmState *s, const TgmParams *p, uint64_t now) {
        unsigned __int128 drift;

        if (s->state != SYNC_STATE_HOLDOVER)
                return OFFSET_NONE;
        drift = (unsigned __int128) (uint64_t) p->local_max_holdover_offset_ns * (now - s->holdover_since) /
                p->local_holdover_timeout_usec;
        return drift > INT64_MAX ? INT64_MAX : (int64_t) drift;
}

unsigned tgm_state_class(SyncState state) {
        switch (state) {
        case SYNC_STATE_LOCKED:
                return TGM_CLASS_LOCKED;
        case SYNC_STATE_HOLDOVER:
                return TGM_CLASS_HOLDOVER;
        case SYNC_STATE_FREERUN:
                return TGM_CLASS_FREERUN;
        default:
                return 0;
        }
}
