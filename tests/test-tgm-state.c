/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The T-GM lock-state against the rules of model/tgm-state.h: settling, holdover entry, its end by
 * the spec (slope) or the timeout, a fix that returns within it, ts2phc and ptp4l failing in every
 * state, the deadlines a caller arms, and the estimated drift. Time is simulated.
 */

#include <glib.h>

#include "model/tgm-state.h"
#include "common/util.h"

#define SEC USEC_PER_SEC
#define T0 (1000 * SEC)

static const TgmInputs GOOD = { .gnss = true, .ts2phc = true, .ptp4l = true };
static const TgmInputs NO_GNSS = { .gnss = false, .ts2phc = true, .ptp4l = true };
static const TgmInputs NO_TS2PHC = { .gnss = true, .ts2phc = false, .ptp4l = true };
static const TgmInputs NO_PTP4L = { .gnss = true, .ts2phc = true, .ptp4l = false };

/* The holdover case: LocalHoldoverTimeout 10 s, in spec for 5 s (slope 150 ns/s, 750 ns in spec). */
static TgmParams short_params(void) {
        TgmParams p = TGM_PARAMS_DEFAULT;

        p.local_max_holdover_offset_ns = 1500;
        p.local_holdover_timeout_usec = 10 * SEC;
        p.max_in_spec_offset_ns = 750;
        return p;
}

/* Runs the timer as a caller would: expire at each deadline up to until. */
static void run_until(TgmState *s, const TgmParams *p, uint64_t until) {
        uint64_t d;

        while ((d = tgm_state_deadline(s, p)) > 0 && d <= until)
                (void) tgm_state_expire(s, p, d);
}

static void locked(TgmState *s, const TgmParams *p) {
        *s = TGM_STATE_INIT;
        g_assert_true(tgm_state_update(s, p, &GOOD, T0));
        g_assert_cmpint(s->state, ==, SYNC_STATE_FREERUN); /* settling */
        g_assert_cmpuint(tgm_state_deadline(s, p), ==, T0 + p->settle_usec);
        g_assert_false(tgm_state_expire(s, p, T0 + p->settle_usec - 1));
        g_assert_true(tgm_state_expire(s, p, T0 + p->settle_usec));
        g_assert_cmpint(s->state, ==, SYNC_STATE_LOCKED);
        g_assert_cmpuint(tgm_state_deadline(s, p), ==, 0);
}

static void test_defaults(void) {
        TgmParams p = TGM_PARAMS_DEFAULT;

        g_assert_null(tgm_params_check(&p));
        /* linuxptp-daemon's: with its defaults the in-spec limit and the timeout coincide, at 4 h. */
        g_assert_cmpuint(tgm_params_holdover_usec(&p), ==, 14400 * SEC);
        g_assert_cmpuint(tgm_state_class(SYNC_STATE_LOCKED), ==, 6);
        g_assert_cmpuint(tgm_state_class(SYNC_STATE_HOLDOVER), ==, 7);
        g_assert_cmpuint(tgm_state_class(SYNC_STATE_FREERUN), ==, 248);
        g_assert_cmpuint(tgm_state_class(SYNC_STATE_NONE), ==, 0);

        p.local_max_holdover_offset_ns = 0;
        g_assert_cmpstr(tgm_params_check(&p), ==, "LocalMaxHoldoverOffSet must be more than 0 ns");
        p = TGM_PARAMS_DEFAULT;
        p.max_in_spec_offset_ns = -1;
        g_assert_cmpstr(tgm_params_check(&p), ==, "MaxInSpecOffset must be more than 0 ns");
        p = TGM_PARAMS_DEFAULT;
        p.local_holdover_timeout_usec = 0;
        g_assert_cmpstr(tgm_params_check(&p), ==, "LocalHoldoverTimeout must be more than 0 s");
}

static void test_holdover_limit(void) {
        TgmParams p = short_params();

        g_assert_cmpuint(tgm_params_holdover_usec(&p), ==, 5 * SEC);
        /* A wider spec than the timeout reaches: the timeout ends it. */
        p.max_in_spec_offset_ns = 3000;
        g_assert_cmpuint(tgm_params_holdover_usec(&p), ==, 10 * SEC);
        /* The largest values do not overflow. */
        p.max_in_spec_offset_ns = INT64_MAX;
        p.local_holdover_timeout_usec = UINT64_MAX;
        p.local_max_holdover_offset_ns = 1;
        g_assert_cmpuint(tgm_params_holdover_usec(&p), ==, UINT64_MAX);
}

static void test_settle(void) {
        TgmParams p = TGM_PARAMS_DEFAULT;
        TgmState s;

        locked(&s, &p);

        /* A fix that flickers restarts the settling. */
        s = TGM_STATE_INIT;
        g_assert_true(tgm_state_update(&s, &p, &GOOD, T0));
        g_assert_false(tgm_state_update(&s, &p, &NO_GNSS, T0 + 2 * SEC));
        g_assert_cmpuint(tgm_state_deadline(&s, &p), ==, 0);
        g_assert_false(tgm_state_update(&s, &p, &GOOD, T0 + 3 * SEC));
        run_until(&s, &p, T0 + 5 * SEC);
        g_assert_cmpint(s.state, ==, SYNC_STATE_FREERUN);
        run_until(&s, &p, T0 + 6 * SEC);
        g_assert_cmpint(s.state, ==, SYNC_STATE_LOCKED);

        /* Settle 0: LOCKED at once. */
        p.settle_usec = 0;
        s = TGM_STATE_INIT;
        g_assert_true(tgm_state_update(&s, &p, &GOOD, T0));
        g_assert_cmpint(s.state, ==, SYNC_STATE_LOCKED);

        /* No GNSS from the start is FREERUN, not "no data". */
        s = TGM_STATE_INIT;
        g_assert_true(tgm_state_update(&s, &p, &NO_GNSS, T0));
        g_assert_cmpint(s.state, ==, SYNC_STATE_FREERUN);
}

static void test_holdover_to_freerun(void) {
        TgmParams p = short_params();
        TgmState s;

        locked(&s, &p);
        g_assert_true(tgm_state_update(&s, &p, &NO_GNSS, T0 + 10 * SEC));
        g_assert_cmpint(s.state, ==, SYNC_STATE_HOLDOVER);
        g_assert_cmpuint(tgm_state_deadline(&s, &p), ==, T0 + 15 * SEC);
        /* The estimate: 150 ns/s. */
        g_assert_cmpint(tgm_state_offset_ns(&s, &p, T0 + 12 * SEC), ==, 300);
        /* A repeated "no GNSS" does not restart the clock. */
        g_assert_false(tgm_state_update(&s, &p, &NO_GNSS, T0 + 14 * SEC));
        g_assert_false(tgm_state_expire(&s, &p, T0 + 15 * SEC - 1));
        g_assert_true(tgm_state_expire(&s, &p, T0 + 15 * SEC));
        g_assert_cmpint(s.state, ==, SYNC_STATE_FREERUN);
        g_assert_cmpint(tgm_state_offset_ns(&s, &p, T0 + 15 * SEC), ==, OFFSET_NONE);
        g_assert_cmpuint(tgm_state_deadline(&s, &p), ==, 0);

        /* An update that comes after the deadline without the timer having run sees the expiry first. */
        locked(&s, &p);
        g_assert_true(tgm_state_update(&s, &p, &NO_GNSS, T0 + 10 * SEC));
        g_assert_true(tgm_state_update(&s, &p, &NO_GNSS, T0 + 20 * SEC));
        g_assert_cmpint(s.state, ==, SYNC_STATE_FREERUN);

        /* Back to LOCKED from FREERUN needs the settling again. */
        g_assert_false(tgm_state_update(&s, &p, &GOOD, T0 + 21 * SEC));
        run_until(&s, &p, T0 + 24 * SEC);
        g_assert_cmpint(s.state, ==, SYNC_STATE_LOCKED);
}

static void test_holdover_recovers(void) {
        TgmParams p = short_params();
        TgmState s;

        locked(&s, &p);
        g_assert_true(tgm_state_update(&s, &p, &NO_GNSS, T0 + 10 * SEC));
        /* The fix returns within the window: LOCKED after the settle time, never FREERUN. */
        g_assert_false(tgm_state_update(&s, &p, &GOOD, T0 + 11 * SEC));
        g_assert_cmpint(s.state, ==, SYNC_STATE_HOLDOVER);
        g_assert_cmpuint(tgm_state_deadline(&s, &p), ==, T0 + 14 * SEC);
        g_assert_true(tgm_state_expire(&s, &p, T0 + 14 * SEC));
        g_assert_cmpint(s.state, ==, SYNC_STATE_LOCKED);
        g_assert_cmpuint(s.holdover_since, ==, 0);

        /* It returns too late to settle within the window: FREERUN at the limit, LOCKED once settled. */
        g_assert_true(tgm_state_update(&s, &p, &NO_GNSS, T0 + 20 * SEC));
        g_assert_false(tgm_state_update(&s, &p, &GOOD, T0 + 24 * SEC));
        g_assert_cmpuint(tgm_state_deadline(&s, &p), ==, T0 + 25 * SEC);
        g_assert_true(tgm_state_expire(&s, &p, T0 + 25 * SEC));
        g_assert_cmpint(s.state, ==, SYNC_STATE_FREERUN);
        g_assert_cmpuint(tgm_state_deadline(&s, &p), ==, T0 + 27 * SEC);
        g_assert_true(tgm_state_expire(&s, &p, T0 + 27 * SEC));
        g_assert_cmpint(s.state, ==, SYNC_STATE_LOCKED);
}

static void test_down_at_once(void) {
        const TgmInputs *down[] = { &NO_TS2PHC, &NO_PTP4L };
        TgmParams p = short_params();

        for (size_t i = 0; i < ELEMENTSOF(down); i++) {
                TgmState s;

                /* From LOCKED: no holdover. */
                locked(&s, &p);
                g_assert_true(tgm_state_update(&s, &p, down[i], T0 + 10 * SEC));
                g_assert_cmpint(s.state, ==, SYNC_STATE_FREERUN);
                g_assert_cmpuint(tgm_state_deadline(&s, &p), ==, 0);

                /* From HOLDOVER. */
                locked(&s, &p);
                g_assert_true(tgm_state_update(&s, &p, &NO_GNSS, T0 + 10 * SEC));
                g_assert_true(tgm_state_update(&s, &p, down[i], T0 + 11 * SEC));
                g_assert_cmpint(s.state, ==, SYNC_STATE_FREERUN);

                /* From nothing. */
                s = TGM_STATE_INIT;
                g_assert_true(tgm_state_update(&s, &p, down[i], T0));
                g_assert_cmpint(s.state, ==, SYNC_STATE_FREERUN);
                /* Back: settling from then on. */
                g_assert_false(tgm_state_update(&s, &p, &GOOD, T0 + SEC));
                run_until(&s, &p, T0 + 4 * SEC);
                g_assert_cmpint(s.state, ==, SYNC_STATE_LOCKED);
        }
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/tgm-state/defaults", test_defaults);
        g_test_add_func("/tgm-state/holdover-limit", test_holdover_limit);
        g_test_add_func("/tgm-state/settle", test_settle);
        g_test_add_func("/tgm-state/holdover-to-freerun", test_holdover_to_freerun);
        g_test_add_func("/tgm-state/holdover-recovers", test_holdover_recovers);
        g_test_add_func("/tgm-state/down-at-once", test_down_at_once);
        return g_test_run();
}
