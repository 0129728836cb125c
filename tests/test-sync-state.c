/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib.h>
#include <inttypes.h>

#include "model/sync-state.h"
#include "common/util.h"

/* Spelled out rather than THRESHOLDS_DEFAULT, so that the static tables below are
 * constant initializers; test_thresholds_default() checks the two agree. */
#define T_DEFAULT                                       \
        {                                               \
                .max_offset_ns = 100,                   \
                .min_offset_ns = -100,                  \
                .holdover_timeout_usec = 5 * USEC_PER_SEC, \
        }

#define TIMEOUT (5 * USEC_PER_SEC)
#define T0      (1000 * USEC_PER_SEC)       /* "now" for the single-step table */
#define DL      (T0 + 2 * USEC_PER_SEC)     /* a pending holdover deadline, after T0 */
#define OLD     INT64_C(42)                 /* offset_ns before the observation */
#define JUNK    INT64_C(777777)             /* offset passed with UNREACHABLE: ignored */

#define NONE     SYNC_STATE_NONE
#define LOCKED   SYNC_STATE_LOCKED
#define HOLDOVER SYNC_STATE_HOLDOVER
#define FREERUN  SYNC_STATE_FREERUN
#define O_LOCKED      OBSERVATION_LOCKED
#define O_UNLOCKED    OBSERVATION_UNLOCKED
#define O_UNREACHABLE OBSERVATION_UNREACHABLE

static const Thresholds t_default = T_DEFAULT;

static void assert_clock(const ClockSync *c, SyncState state, uint64_t deadline, int64_t offset) {
        g_assert_cmpint(c->state, ==, state);
        g_assert_cmpuint(c->holdover_deadline, ==, deadline);
        g_assert_cmpint(c->offset_ns, ==, offset);
}

static void test_thresholds_default(void) {
        Thresholds t = THRESHOLDS_DEFAULT;

        g_assert_cmpint(t.max_offset_ns, ==, t_default.max_offset_ns);
        g_assert_cmpint(t.min_offset_ns, ==, t_default.min_offset_ns);
        g_assert_cmpuint(t.holdover_timeout_usec, ==, t_default.holdover_timeout_usec);

        ClockSync c = CLOCK_SYNC_INIT;
        assert_clock(&c, NONE, 0, 0);
}

/* ---- thresholds_offset_in_range ---- */

typedef struct RangeCase {
        int64_t min, max, offset;
        bool in_range;
} RangeCase;

static const RangeCase range_cases[] = {
        { -100, 100,    0,   true  },
        { -100, 100,   99,   true  },  /* one inside max */
        { -100, 100,  100,   false },  /* exactly at max */
        { -100, 100,  101,   false },
        { -100, 100,  -99,   true  },  /* one inside min */
        { -100, 100, -100,   false },  /* exactly at min */
        { -100, 100, -101,   false },
        { -100, 100, INT64_MAX, false },
        { -100, 100, INT64_MIN, false },
        {    0,  10,    0,   false },  /* asymmetric */
        {    0,  10,    1,   true  },
        {    0,  10,    9,   true  },
        {    0,  10,   10,   false },
        {    5,   5,    5,   false },  /* empty range */
        {    5,   6,    5,   false },  /* still empty: strict on both sides */
        {    5,   7,    6,   true  },
        { INT64_MIN, INT64_MAX, INT64_MIN, false },
        { INT64_MIN, INT64_MAX, INT64_MAX, false },
        { INT64_MIN, INT64_MAX, INT64_MIN + 1, true },
        { INT64_MIN, INT64_MAX, INT64_MAX - 1, true },
        {  100, -100,   0,   false },  /* inverted: nothing is in range */
};

static void test_in_range(void) {
        for (size_t i = 0; i < ELEMENTSOF(range_cases); i++) {
                const RangeCase *rc = &range_cases[i];
                Thresholds t = { .min_offset_ns = rc->min, .max_offset_ns = rc->max,
                                 .holdover_timeout_usec = TIMEOUT };

                g_test_message("min=%" PRIi64 " max=%" PRIi64 " offset=%" PRIi64, rc->min, rc->max, rc->offset);
                g_assert_cmpint(thresholds_offset_in_range(&t, rc->offset), ==, rc->in_range);
        }
}

/* ---- clock_sync_observe, one observation per case ---- */

typedef struct ObserveCase {
        const char *name;
        SyncState from;
        uint64_t deadline;      /* holdover_deadline before */
        Observation o;
        int64_t offset;
        uint64_t now;
        SyncState to;
        bool changed;
        uint64_t to_deadline;
        int64_t to_offset;
} ObserveCase;

/* The full table: every state x observation x offset (in range, each boundary,
 * one inside each boundary, out of range each side). Before each case offset_ns is OLD. */
static const ObserveCase observe_cases[] = {
        /* NONE */
        { "none/locked-0",              NONE, 0, O_LOCKED,    0,    T0, LOCKED,  true,  0, 0    },
        { "none/locked-99",             NONE, 0, O_LOCKED,    99,   T0, LOCKED,  true,  0, 99   },
        { "none/locked-minus-99",       NONE, 0, O_LOCKED,    -99,  T0, LOCKED,  true,  0, -99  },
        { "none/locked-at-max",         NONE, 0, O_LOCKED,    100,  T0, FREERUN, true,  0, 100  },
        { "none/locked-at-min",         NONE, 0, O_LOCKED,    -100, T0, FREERUN, true,  0, -100 },
        { "none/locked-above",          NONE, 0, O_LOCKED,    5000, T0, FREERUN, true,  0, 5000 },
        { "none/locked-below",          NONE, 0, O_LOCKED,   -5000, T0, FREERUN, true,  0, -5000 },
        { "none/unlocked-in-range",     NONE, 0, O_UNLOCKED,  10,   T0, FREERUN, true,  0, 10   },
        { "none/unlocked-out-of-range", NONE, 0, O_UNLOCKED,  5000, T0, FREERUN, true,  0, 5000 },
        { "none/unreachable",           NONE, 0, O_UNREACHABLE, JUNK, T0, FREERUN, true, 0, OLD },

        /* LOCKED */
        { "locked/locked-0",              LOCKED, 0, O_LOCKED,    0,    T0, LOCKED,   false, 0, 0    },
        { "locked/locked-99",             LOCKED, 0, O_LOCKED,    99,   T0, LOCKED,   false, 0, 99   },
        { "locked/locked-minus-99",       LOCKED, 0, O_LOCKED,    -99,  T0, LOCKED,   false, 0, -99  },
        { "locked/locked-at-max",         LOCKED, 0, O_LOCKED,    100,  T0, FREERUN,  true,  0, 100  },
        { "locked/locked-at-min",         LOCKED, 0, O_LOCKED,    -100, T0, FREERUN,  true,  0, -100 },
        { "locked/locked-above",          LOCKED, 0, O_LOCKED,    5000, T0, FREERUN,  true,  0, 5000 },
        { "locked/locked-below",          LOCKED, 0, O_LOCKED,   -5000, T0, FREERUN,  true,  0, -5000 },
        { "locked/unlocked-in-range",     LOCKED, 0, O_UNLOCKED,  10,   T0, HOLDOVER, true,  T0 + TIMEOUT, 10 },
        { "locked/unlocked-out-of-range", LOCKED, 0, O_UNLOCKED,  5000, T0, HOLDOVER, true,  T0 + TIMEOUT, 5000 },
        { "locked/unreachable",           LOCKED, 0, O_UNREACHABLE, JUNK, T0, HOLDOVER, true, T0 + TIMEOUT, OLD },

        /* HOLDOVER, deadline DL still ahead */
        { "holdover/locked-0",              HOLDOVER, DL, O_LOCKED,    0,    T0, LOCKED,   true,  0,  0    },
        { "holdover/locked-99",             HOLDOVER, DL, O_LOCKED,    99,   T0, LOCKED,   true,  0,  99   },
        { "holdover/locked-minus-99",       HOLDOVER, DL, O_LOCKED,    -99,  T0, LOCKED,   true,  0,  -99  },
        { "holdover/locked-at-max",         HOLDOVER, DL, O_LOCKED,    100,  T0, HOLDOVER, false, DL, 100  },
        { "holdover/locked-at-min",         HOLDOVER, DL, O_LOCKED,    -100, T0, HOLDOVER, false, DL, -100 },
        { "holdover/locked-above",          HOLDOVER, DL, O_LOCKED,    5000, T0, HOLDOVER, false, DL, 5000 },
        { "holdover/locked-below",          HOLDOVER, DL, O_LOCKED,   -5000, T0, HOLDOVER, false, DL, -5000 },
        { "holdover/unlocked-in-range",     HOLDOVER, DL, O_UNLOCKED,  10,   T0, HOLDOVER, false, DL, 10   },
        { "holdover/unlocked-out-of-range", HOLDOVER, DL, O_UNLOCKED,  5000, T0, HOLDOVER, false, DL, 5000 },
        { "holdover/unreachable",           HOLDOVER, DL, O_UNREACHABLE, JUNK, T0, HOLDOVER, false, DL, OLD },

        /* FREERUN */
        { "freerun/locked-0",              FREERUN, 0, O_LOCKED,    0,    T0, LOCKED,  true,  0, 0    },
        { "freerun/locked-99",             FREERUN, 0, O_LOCKED,    99,   T0, LOCKED,  true,  0, 99   },
        { "freerun/locked-minus-99",       FREERUN, 0, O_LOCKED,    -99,  T0, LOCKED,  true,  0, -99  },
        { "freerun/locked-at-max",         FREERUN, 0, O_LOCKED,    100,  T0, FREERUN, false, 0, 100  },
        { "freerun/locked-at-min",         FREERUN, 0, O_LOCKED,    -100, T0, FREERUN, false, 0, -100 },
        { "freerun/locked-above",          FREERUN, 0, O_LOCKED,    5000, T0, FREERUN, false, 0, 5000 },
        { "freerun/locked-below",          FREERUN, 0, O_LOCKED,   -5000, T0, FREERUN, false, 0, -5000 },
        { "freerun/unlocked-in-range",     FREERUN, 0, O_UNLOCKED,  10,   T0, FREERUN, false, 0, 10   },
        { "freerun/unlocked-out-of-range", FREERUN, 0, O_UNLOCKED,  5000, T0, FREERUN, false, 0, 5000 },
        { "freerun/unreachable",           FREERUN, 0, O_UNREACHABLE, JUNK, T0, FREERUN, false, 0, OLD },

        /* HOLDOVER, observation one µs before the deadline: not expired yet */
        { "holdover-late/dl-1/locked-in-range",  HOLDOVER, DL, O_LOCKED,    0,    DL - 1, LOCKED,   true,  0,  0    },
        { "holdover-late/dl-1/locked-at-max",    HOLDOVER, DL, O_LOCKED,    100,  DL - 1, HOLDOVER, false, DL, 100  },
        { "holdover-late/dl-1/unlocked",         HOLDOVER, DL, O_UNLOCKED,  10,   DL - 1, HOLDOVER, false, DL, 10   },
        { "holdover-late/dl-1/unreachable",      HOLDOVER, DL, O_UNREACHABLE, JUNK, DL - 1, HOLDOVER, false, DL, OLD },

        /* HOLDOVER, observation at the deadline with no expire() call before it:
         * the expiry is applied first, as if the timer had been dispatched first. */
        { "holdover-late/dl/locked-in-range",    HOLDOVER, DL, O_LOCKED,    0,    DL, LOCKED,  true, 0, 0    },
        { "holdover-late/dl/locked-at-max",      HOLDOVER, DL, O_LOCKED,    100,  DL, FREERUN, true, 0, 100  },
        { "holdover-late/dl/locked-at-min",      HOLDOVER, DL, O_LOCKED,    -100, DL, FREERUN, true, 0, -100 },
        { "holdover-late/dl/unlocked",           HOLDOVER, DL, O_UNLOCKED,  10,   DL, FREERUN, true, 0, 10   },
        { "holdover-late/dl/unreachable",        HOLDOVER, DL, O_UNREACHABLE, JUNK, DL, FREERUN, true, 0, OLD },

        /* ... and long after it */
        { "holdover-late/dl+1/locked-in-range",  HOLDOVER, DL, O_LOCKED,    -99,  DL + 1, LOCKED,  true, 0, -99  },
        { "holdover-late/dl+1/locked-above",     HOLDOVER, DL, O_LOCKED,    5000, DL + 1, FREERUN, true, 0, 5000 },
        { "holdover-late/dl+1/unlocked",         HOLDOVER, DL, O_UNLOCKED,  10,   DL + 1, FREERUN, true, 0, 10   },
        { "holdover-late/far/unreachable",       HOLDOVER, DL, O_UNREACHABLE, JUNK, UINT64_MAX, FREERUN, true, 0, OLD },

        /* Lock lost at odd instants: the deadline is now + timeout, saturating */
        { "locked/unlocked-at-0",           LOCKED, 0, O_UNLOCKED,    10, 0, HOLDOVER, true, TIMEOUT, 10 },
        { "locked/unlocked-at-exact-fit",   LOCKED, 0, O_UNLOCKED,    10, UINT64_MAX - TIMEOUT, HOLDOVER, true, UINT64_MAX, 10 },
        { "locked/unlocked-saturating",     LOCKED, 0, O_UNLOCKED,    10, UINT64_MAX - TIMEOUT + 1, HOLDOVER, true, UINT64_MAX, 10 },
        { "locked/unreachable-at-max-time", LOCKED, 0, O_UNREACHABLE, JUNK, UINT64_MAX, HOLDOVER, true, UINT64_MAX, OLD },
};

static void test_observe(gconstpointer data) {
        const ObserveCase *oc = data;
        ClockSync c = { .state = oc->from, .offset_ns = OLD, .holdover_deadline = oc->deadline };

        g_assert_cmpint(clock_sync_observe(&c, &t_default, oc->o, oc->offset, oc->now), ==, oc->changed);
        assert_clock(&c, oc->to, oc->to_deadline, oc->to_offset);
}

/* The result must not depend on whether the timer or the observation was dispatched
 * first: observe alone == expire then observe, for every state, observation and
 * instant around the deadline. */
static void test_observe_order_independent(void) {
        static const SyncState states[] = { NONE, LOCKED, HOLDOVER, FREERUN };
        static const Observation observations[] = { O_LOCKED, O_UNLOCKED, O_UNREACHABLE };
        static const int64_t offsets[] = { 0, 99, 100, -100, 5000 };
        static const uint64_t nows[] = { T0, DL - 1, DL, DL + 1 };
        unsigned n = 0;

        for (size_t s = 0; s < ELEMENTSOF(states); s++)
                for (size_t o = 0; o < ELEMENTSOF(observations); o++)
                        for (size_t f = 0; f < ELEMENTSOF(offsets); f++)
                                for (size_t w = 0; w < ELEMENTSOF(nows); w++) {
                                        ClockSync a = { .state = states[s], .offset_ns = OLD,
                                                        .holdover_deadline = states[s] == HOLDOVER ? DL : 0 };
                                        ClockSync b = a;
                                        bool changed_a, changed_b, expired;

                                        changed_a = clock_sync_observe(&a, &t_default, observations[o], offsets[f], nows[w]);

                                        expired = clock_sync_expire(&b, nows[w]);
                                        changed_b = clock_sync_observe(&b, &t_default, observations[o], offsets[f], nows[w]);

                                        g_assert_cmpint(a.state, ==, b.state);
                                        g_assert_cmpuint(a.holdover_deadline, ==, b.holdover_deadline);
                                        g_assert_cmpint(a.offset_ns, ==, b.offset_ns);
                                        /* Each call reports exactly its own change of state. */
                                        g_assert_cmpint(changed_a, ==, a.state != states[s]);
                                        g_assert_cmpint(expired, ==, states[s] == HOLDOVER && nows[w] >= DL);
                                        g_assert_cmpint(changed_b, ==, b.state != (expired ? FREERUN : states[s]));
                                        n++;
                                }

        g_assert_cmpuint(n, ==, 4 * 3 * 5 * 4);
}

/* ---- clock_sync_expire ---- */

typedef struct ExpireCase {
        SyncState from;
        uint64_t deadline;
        uint64_t now;
        SyncState to;
        bool expired;
        uint64_t to_deadline;
} ExpireCase;

static const ExpireCase expire_cases[] = {
        { HOLDOVER, DL,         0,              HOLDOVER, false, DL         },
        { HOLDOVER, DL,         DL - 1,         HOLDOVER, false, DL         },  /* one µs early */
        { HOLDOVER, DL,         DL,             FREERUN,  true,  0          },  /* exactly at */
        { HOLDOVER, DL,         DL + 1,         FREERUN,  true,  0          },
        { HOLDOVER, DL,         UINT64_MAX,     FREERUN,  true,  0          },
        { HOLDOVER, 0,          0,              FREERUN,  true,  0          },  /* timeout 0 at time 0 */
        { HOLDOVER, UINT64_MAX, UINT64_MAX - 1, HOLDOVER, false, UINT64_MAX },
        { HOLDOVER, UINT64_MAX, UINT64_MAX,     FREERUN,  true,  0          },
        { NONE,     0,          0,              NONE,     false, 0          },
        { NONE,     0,          UINT64_MAX,     NONE,     false, 0          },
        { LOCKED,   0,          0,              LOCKED,   false, 0          },
        { LOCKED,   0,          DL,             LOCKED,   false, 0          },
        { LOCKED,   0,          UINT64_MAX,     LOCKED,   false, 0          },
        { FREERUN,  0,          0,              FREERUN,  false, 0          },
        { FREERUN,  0,          UINT64_MAX,     FREERUN,  false, 0          },
};

static void test_expire(void) {
        for (size_t i = 0; i < ELEMENTSOF(expire_cases); i++) {
                const ExpireCase *ec = &expire_cases[i];
                ClockSync c = { .state = ec->from, .offset_ns = OLD, .holdover_deadline = ec->deadline };

                g_test_message("expire case %zu", i);
                g_assert_cmpint(clock_sync_expire(&c, ec->now), ==, ec->expired);
                assert_clock(&c, ec->to, ec->to_deadline, OLD);

                /* Idempotent: a second call at the same instant changes nothing. */
                g_assert_false(clock_sync_expire(&c, ec->now));
                assert_clock(&c, ec->to, ec->to_deadline, OLD);
        }
}

/* ---- scenarios: sequences of steps on one clock ---- */

typedef enum StepKind {
        STEP_END,       /* zero: terminates the step list */
        STEP_OBSERVE,
        STEP_EXPIRE,
} StepKind;

typedef struct Step {
        StepKind kind;
        Observation o;
        int64_t offset;
        uint64_t now;
        bool changed;   /* return value of observe or expire */
        SyncState state;
        uint64_t deadline;
        int64_t offset_after;
} Step;

#define OBS(o_, off, now_, ch, st, dl, off_after) \
        { STEP_OBSERVE, (o_), (off), (now_), (ch), (st), (dl), (off_after) }
#define EXP(now_, ch, st, dl, off_after) \
        { STEP_EXPIRE, 0, 0, (now_), (ch), (st), (dl), (off_after) }

typedef struct Scenario {
        const char *name;
        Thresholds t;
        Step steps[16];
} Scenario;

#define S (USEC_PER_SEC)

static const Scenario scenarios[] = {
        {
                /* Timer and recovery at the same instant, timer first: two changes. */
                "expiry-same-instant-as-recovery", T_DEFAULT, {
                        OBS(O_LOCKED,   10, T0,                  true,  LOCKED,   0,                      10),
                        OBS(O_UNLOCKED, 20, T0 + 1,              true,  HOLDOVER, T0 + 1 + TIMEOUT,       20),
                        EXP(T0 + TIMEOUT,                        false, HOLDOVER, T0 + 1 + TIMEOUT,       20),
                        EXP(T0 + 1 + TIMEOUT,                    true,  FREERUN,  0,                      20),
                        OBS(O_LOCKED,   30, T0 + 1 + TIMEOUT,    true,  LOCKED,   0,                      30),
                },
        },
        {
                /* The same, recovery dispatched first and no expire() call at all. */
                "late-locked-without-expire", T_DEFAULT, {
                        OBS(O_LOCKED,   10, T0,                  true,  LOCKED,   0,                      10),
                        OBS(O_UNLOCKED, 20, T0,                  true,  HOLDOVER, T0 + TIMEOUT,           20),
                        OBS(O_LOCKED,   30, T0 + TIMEOUT,        true,  LOCKED,   0,                      30),
                        EXP(T0 + TIMEOUT,                        false, LOCKED,   0,                      30),
                },
        },
        {
                /* Late and out of range: expiry wins, no HOLDOVER left. */
                "late-locked-out-of-range-without-expire", T_DEFAULT, {
                        OBS(O_LOCKED,   10,  T0,                 true,  LOCKED,   0,                      10),
                        OBS(O_UNLOCKED, 20,  T0,                 true,  HOLDOVER, T0 + TIMEOUT,           20),
                        OBS(O_LOCKED,   100, T0 + TIMEOUT - 1,   false, HOLDOVER, T0 + TIMEOUT,           100),
                        OBS(O_LOCKED,   100, T0 + TIMEOUT,       true,  FREERUN,  0,                      100),
                        EXP(T0 + TIMEOUT,                        false, FREERUN,  0,                      100),
                },
        },
        {
                "never-locked-loses-master", T_DEFAULT, {
                        OBS(O_UNLOCKED,    5,    T0,             true,  FREERUN,  0,                      5),
                        OBS(O_UNLOCKED,    6,    T0 + S,         false, FREERUN,  0,                      6),
                        OBS(O_UNREACHABLE, JUNK, T0 + 2 * S,     false, FREERUN,  0,                      6),
                        EXP(T0 + 100 * S,                        false, FREERUN,  0,                      6),
                        OBS(O_LOCKED,      7,    T0 + 3 * S,     true,  LOCKED,   0,                      7),
                        OBS(O_UNLOCKED,    8,    T0 + 4 * S,     true,  HOLDOVER, T0 + 4 * S + TIMEOUT,   8),
                },
        },
        {
                "never-locked-out-of-range", T_DEFAULT, {
                        OBS(O_LOCKED,   500, T0,                 true,  FREERUN,  0,                      500),
                        OBS(O_UNLOCKED, 500, T0 + S,             false, FREERUN,  0,                      500),
                },
        },
        {
                "unreachable-from-none", T_DEFAULT, {
                        OBS(O_UNREACHABLE, JUNK, T0,             true,  FREERUN,  0,                      0),
                        OBS(O_UNREACHABLE, JUNK, T0 + S,         false, FREERUN,  0,                      0),
                },
        },
        {
                "unreachable-from-locked-holdover-freerun", T_DEFAULT, {
                        OBS(O_LOCKED,      -50,  T0,             true,  LOCKED,   0,                      -50),
                        OBS(O_UNREACHABLE, JUNK, T0 + S,         true,  HOLDOVER, T0 + S + TIMEOUT,       -50),
                        OBS(O_UNREACHABLE, JUNK, T0 + 2 * S,     false, HOLDOVER, T0 + S + TIMEOUT,       -50),
                        EXP(T0 + S + TIMEOUT,                    true,  FREERUN,  0,                      -50),
                        OBS(O_UNREACHABLE, JUNK, T0 + 7 * S,     false, FREERUN,  0,                      -50),
                        OBS(O_LOCKED,      50,   T0 + 8 * S,     true,  LOCKED,   0,                      50),
                },
        },
        {
                /* Repeated loss does not extend holdover. */
                "holdover-not-extended", T_DEFAULT, {
                        OBS(O_LOCKED,      1,    T0,             true,  LOCKED,   0,                      1),
                        OBS(O_UNLOCKED,    2,    T0 + S,         true,  HOLDOVER, T0 + S + TIMEOUT,       2),
                        OBS(O_UNLOCKED,    3,    T0 + 2 * S,     false, HOLDOVER, T0 + S + TIMEOUT,       3),
                        OBS(O_UNREACHABLE, JUNK, T0 + 3 * S,     false, HOLDOVER, T0 + S + TIMEOUT,       3),
                        OBS(O_LOCKED,      999,  T0 + 4 * S,     false, HOLDOVER, T0 + S + TIMEOUT,       999),
                        EXP(T0 + S + TIMEOUT - 1,                false, HOLDOVER, T0 + S + TIMEOUT,       999),
                        EXP(T0 + S + TIMEOUT,                    true,  FREERUN,  0,                      999),
                },
        },
        {
                /* Each new loss of lock re-arms a fresh deadline. */
                "holdover-rearmed-after-recovery", T_DEFAULT, {
                        OBS(O_LOCKED,   0, T0,                   true,  LOCKED,   0,                      0),
                        OBS(O_UNLOCKED, 0, T0 + S,               true,  HOLDOVER, T0 + S + TIMEOUT,       0),
                        OBS(O_LOCKED,   0, T0 + 2 * S,           true,  LOCKED,   0,                      0),
                        EXP(T0 + S + TIMEOUT,                    false, LOCKED,   0,                      0),
                        OBS(O_UNLOCKED, 0, T0 + 10 * S,          true,  HOLDOVER, T0 + 10 * S + TIMEOUT,  0),
                },
        },
        {
                "offset-bookkeeping", T_DEFAULT, {
                        OBS(O_UNREACHABLE, JUNK, T0,             true,  FREERUN,  0,                      0),
                        OBS(O_UNLOCKED,    -7,   T0,             false, FREERUN,  0,                      -7),
                        OBS(O_LOCKED,      5000, T0,             false, FREERUN,  0,                      5000),
                        OBS(O_LOCKED,      12,   T0,             true,  LOCKED,   0,                      12),
                        OBS(O_LOCKED,      -13,  T0,             false, LOCKED,   0,                      -13),
                        OBS(O_UNREACHABLE, JUNK, T0,             true,  HOLDOVER, T0 + TIMEOUT,           -13),
                        OBS(O_UNLOCKED,    14,   T0,             false, HOLDOVER, T0 + TIMEOUT,           14),
                        OBS(O_LOCKED,     -5000, T0,             false, HOLDOVER, T0 + TIMEOUT,           -5000),
                        EXP(T0 + TIMEOUT,                        true,  FREERUN,  0,                      -5000),
                        OBS(O_UNREACHABLE, JUNK, T0 + TIMEOUT,   false, FREERUN,  0,                      -5000),
                        OBS(O_LOCKED,    INT64_MIN, T0 + TIMEOUT, false, FREERUN, 0,                      INT64_MIN),
                        OBS(O_LOCKED,    INT64_MAX, T0 + TIMEOUT, false, FREERUN, 0,                      INT64_MAX),
                },
        },
        {
                /* Not valid config, but must behave: HOLDOVER that expires at once. */
                "timeout-zero", { .max_offset_ns = 100, .min_offset_ns = -100, .holdover_timeout_usec = 0 }, {
                        OBS(O_LOCKED,   0, T0,                   true,  LOCKED,   0,                      0),
                        OBS(O_UNLOCKED, 1, T0,                   true,  HOLDOVER, T0,                     1),
                        EXP(T0 - 1,                              false, HOLDOVER, T0,                     1),
                        EXP(T0,                                  true,  FREERUN,  0,                      1),
                        OBS(O_LOCKED,   2, T0,                   true,  LOCKED,   0,                      2),
                        OBS(O_UNLOCKED, 3, T0 + 1,               true,  HOLDOVER, T0 + 1,                 3),
                        /* No expire() in between: applied internally. */
                        OBS(O_UNLOCKED, 4, T0 + 1,               true,  FREERUN,  0,                      4),
                },
        },
        {
                "timeout-zero-at-time-zero", { .max_offset_ns = 100, .min_offset_ns = -100, .holdover_timeout_usec = 0 }, {
                        OBS(O_LOCKED,   0, 0,                    true,  LOCKED,   0,                      0),
                        OBS(O_UNLOCKED, 0, 0,                    true,  HOLDOVER, 0,                      0),
                        EXP(0,                                   true,  FREERUN,  0,                      0),
                },
        },
        {
                "timeout-huge-saturates", { .max_offset_ns = 100, .min_offset_ns = -100, .holdover_timeout_usec = UINT64_MAX }, {
                        OBS(O_LOCKED,   0, T0,                   true,  LOCKED,   0,                      0),
                        OBS(O_UNLOCKED, 0, T0,                   true,  HOLDOVER, UINT64_MAX,             0),
                        EXP(UINT64_MAX - 1,                      false, HOLDOVER, UINT64_MAX,             0),
                        OBS(O_UNLOCKED, 0, UINT64_MAX - 1,       false, HOLDOVER, UINT64_MAX,             0),
                        EXP(UINT64_MAX,                          true,  FREERUN,  0,                      0),
                },
        },
        {
                "timeout-huge-at-time-zero", { .max_offset_ns = 100, .min_offset_ns = -100, .holdover_timeout_usec = UINT64_MAX }, {
                        OBS(O_LOCKED,      0,    0,              true,  LOCKED,   0,                      0),
                        OBS(O_UNREACHABLE, JUNK, 0,              true,  HOLDOVER, UINT64_MAX,             0),
                },
        },
        {
                "timeout-huge-at-time-one", { .max_offset_ns = 100, .min_offset_ns = -100, .holdover_timeout_usec = UINT64_MAX - 1 }, {
                        OBS(O_LOCKED,   0, 1,                    true,  LOCKED,   0,                      0),
                        OBS(O_UNLOCKED, 0, 1,                    true,  HOLDOVER, UINT64_MAX,             0),
                },
        },
        {
                /* Custom thresholds: the boundaries follow the configuration. */
                "custom-thresholds", { .max_offset_ns = 10, .min_offset_ns = 0, .holdover_timeout_usec = S }, {
                        OBS(O_LOCKED,   0,  T0,                  true,  FREERUN,  0,                      0),
                        OBS(O_LOCKED,   1,  T0,                  true,  LOCKED,   0,                      1),
                        OBS(O_LOCKED,   9,  T0,                  false, LOCKED,   0,                      9),
                        OBS(O_LOCKED,   10, T0,                  true,  FREERUN,  0,                      10),
                        OBS(O_LOCKED,   5,  T0,                  true,  LOCKED,   0,                      5),
                        OBS(O_UNLOCKED, 5,  T0,                  true,  HOLDOVER, T0 + S,                 5),
                },
        },
};

static void test_scenario(gconstpointer data) {
        const Scenario *sc = data;
        ClockSync c = CLOCK_SYNC_INIT;

        for (size_t i = 0; i < ELEMENTSOF(sc->steps) && sc->steps[i].kind != STEP_END; i++) {
                const Step *st = &sc->steps[i];
                bool changed;

                g_test_message("step %zu", i);
                if (st->kind == STEP_OBSERVE)
                        changed = clock_sync_observe(&c, &sc->t, st->o, st->offset, st->now);
                else
                        changed = clock_sync_expire(&c, st->now);

                g_assert_cmpint(changed, ==, st->changed);
                assert_clock(&c, st->state, st->deadline, st->offset_after);
        }
}

/* ---- invalid input ---- */

static void test_observe_invalid(void) {
        ClockSync c = { .state = LOCKED, .offset_ns = OLD };

        /* An unknown observation changes nothing, not even the offset. */
        g_assert_false(clock_sync_observe(&c, &t_default, _OBSERVATION_MAX, 1, T0));
        assert_clock(&c, LOCKED, 0, OLD);
        g_assert_false(clock_sync_observe(&c, &t_default, (Observation) -1, 1, T0));
        assert_clock(&c, LOCKED, 0, OLD);

        c.state = _SYNC_STATE_MAX;
        g_assert_false(clock_sync_observe(&c, &t_default, O_LOCKED, 1, T0));
        assert_clock(&c, _SYNC_STATE_MAX, 0, OLD);
}

/* ---- sync_state_worst ---- */

static void test_worst(void) {
        /* expected[a][b] */
        static const SyncState expected[_SYNC_STATE_MAX][_SYNC_STATE_MAX] = {
                [NONE]     = { [NONE] = NONE,     [LOCKED] = LOCKED,   [HOLDOVER] = HOLDOVER, [FREERUN] = FREERUN },
                [LOCKED]   = { [NONE] = LOCKED,   [LOCKED] = LOCKED,   [HOLDOVER] = HOLDOVER, [FREERUN] = FREERUN },
                [HOLDOVER] = { [NONE] = HOLDOVER, [LOCKED] = HOLDOVER, [HOLDOVER] = HOLDOVER, [FREERUN] = FREERUN },
                [FREERUN]  = { [NONE] = FREERUN,  [LOCKED] = FREERUN,  [HOLDOVER] = FREERUN,  [FREERUN] = FREERUN },
        };

        for (SyncState a = 0; a < _SYNC_STATE_MAX; a++)
                for (SyncState b = 0; b < _SYNC_STATE_MAX; b++) {
                        g_test_message("worst(%d, %d)", a, b);
                        g_assert_cmpint(sync_state_worst(a, b), ==, expected[a][b]);
                }

        /* Folding over clocks, starting from NONE as the aggregator does. */
        static const SyncState clocks[] = { NONE, LOCKED, NONE, HOLDOVER, LOCKED };
        SyncState agg = NONE;
        for (size_t i = 0; i < ELEMENTSOF(clocks); i++)
                agg = sync_state_worst(agg, clocks[i]);
        g_assert_cmpint(agg, ==, HOLDOVER);

        g_assert_cmpint(sync_state_worst(_SYNC_STATE_MAX, LOCKED), ==, _SYNC_STATE_MAX);
        g_assert_cmpint(sync_state_worst(NONE, _SYNC_STATE_MAX), ==, _SYNC_STATE_MAX);
}

/* ---- strings ---- */

static void test_sync_state_strings(void) {
        static const struct {
                SyncState s;
                const char *str;
        } good[] = {
                { NONE,     ""         },
                { LOCKED,   "LOCKED"   },
                { HOLDOVER, "HOLDOVER" },
                { FREERUN,  "FREERUN"  },
        };
        static const char *const bad[] = {
                "", "locked", "Locked", "holdover", "freerun", "NONE", " LOCKED", "LOCKED ",
                "LOCKED\n", "FREE RUN", "HOLDOVERX", "LOCK", "_SYNC_STATE_MAX",
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                g_assert_cmpstr(sync_state_to_string(good[i].s), ==, good[i].str);
                /* NONE has no value: "" does not parse back. */
                g_assert_cmpint(sync_state_from_string(good[i].str), ==,
                                good[i].s == NONE ? _SYNC_STATE_MAX : good[i].s);
        }

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                g_test_message("bad sync state string \"%s\"", bad[i]);
                g_assert_cmpint(sync_state_from_string(bad[i]), ==, _SYNC_STATE_MAX);
        }
        g_assert_cmpint(sync_state_from_string(NULL), ==, _SYNC_STATE_MAX);

        g_assert_null(sync_state_to_string(_SYNC_STATE_MAX));
        g_assert_null(sync_state_to_string((SyncState) -1));
}

static void test_observation_strings(void) {
        static const struct {
                Observation o;
                const char *str;
        } good[] = {
                { O_LOCKED,      "locked"      },
                { O_UNLOCKED,    "unlocked"    },
                { O_UNREACHABLE, "unreachable" },
        };
        static const char *const bad[] = {
                "", "LOCKED", "Locked", "UNLOCKED", "UNREACHABLE", "lock", "locked ", " locked",
                "locked\n", "unlock", "unreachablE", "none",
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                g_assert_cmpstr(observation_to_string(good[i].o), ==, good[i].str);
                g_assert_cmpint(observation_from_string(good[i].str), ==, good[i].o);
        }

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                g_test_message("bad observation string \"%s\"", bad[i]);
                g_assert_cmpint(observation_from_string(bad[i]), ==, _OBSERVATION_MAX);
        }
        g_assert_cmpint(observation_from_string(NULL), ==, _OBSERVATION_MAX);

        g_assert_null(observation_to_string(_OBSERVATION_MAX));
        g_assert_null(observation_to_string((Observation) -1));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/sync-state/thresholds/default", test_thresholds_default);
        g_test_add_func("/sync-state/thresholds/in-range", test_in_range);

        for (size_t i = 0; i < ELEMENTSOF(observe_cases); i++) {
                g_autofree char *path = g_strdup_printf("/sync-state/observe/%s", observe_cases[i].name);
                g_test_add_data_func(path, &observe_cases[i], test_observe);
        }
        g_test_add_func("/sync-state/observe/order-independent", test_observe_order_independent);
        g_test_add_func("/sync-state/observe/invalid", test_observe_invalid);

        g_test_add_func("/sync-state/expire", test_expire);

        for (size_t i = 0; i < ELEMENTSOF(scenarios); i++) {
                g_autofree char *path = g_strdup_printf("/sync-state/scenario/%s", scenarios[i].name);
                g_test_add_data_func(path, &scenarios[i], test_scenario);
        }

        g_test_add_func("/sync-state/worst", test_worst);
        g_test_add_func("/sync-state/strings/sync-state", test_sync_state_strings);
        g_test_add_func("/sync-state/strings/observation", test_observation_strings);

        return g_test_run();
}
