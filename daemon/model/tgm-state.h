/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A grandmaster's (T-GM's) lock-state, from what Debian's stack lets a daemon see
 *
 * On a T-GM no ptp4l port is SLAVE: the PHC is disciplined by ts2phc from the GNSS receiver, and
 * ptp4l only announces it. Nothing native reports the PHC-vs-GNSS phase offset (ts2phc has no
 * management interface, and there is no DPLL on Debian 12), so the state is judged from three
 * inputs, as linuxptp-daemon's T-GM logic does without a DPLL:
 *
 *   G  the GNSS receiver is SYNCHRONIZED (gnss-state.h, debounced there)
 *   P  ts2phc is alive (or not watched)
 *   K  ptp4l answers and is the grandmaster (no port follows another clock)
 *
 * Rules, evaluated on every input change and at the deadline (tgm_state_deadline()):
 *
 *   not K, or not P        FREERUN at once (the class to announce: 248)
 *   G for settle_usec      LOCKED (6), from FREERUN or HOLDOVER
 *   LOCKED and not G       HOLDOVER (7): the oscillator holds the time; the clock starts
 *   HOLDOVER for the holdover limit
 *                          FREERUN (248): out of spec, or timed out
 *
 * Holdover follows linuxptp-daemon's parameters and meaning: the drift is not measured but
 * estimated as slope * t, slope = LocalMaxHoldoverOffSet / LocalHoldoverTimeout; the clock is in
 * spec while that estimate is at most MaxInSpecOffset, and holdover ends at the earlier of leaving
 * the spec and LocalHoldoverTimeout. The defaults (1500 ns, 14400 s, 1500 ns: four hours) assume
 * an oscillator of DPLL/OCXO grade, as on an E810 card; a plain NIC crystal drifts past 1.5 µs in
 * seconds to minutes, so a node without one must set LocalHoldoverTimeout= to what it can hold.
 *
 * No data yet is SYNC_STATE_NONE, as for other clocks; the first input that says anything gives
 * FREERUN (a GNSS fix still settling is not LOCKED yet).
 *
 * Pure: no I/O; time (CLOCK_MONOTONIC µs) is passed in. The caller arms a timer at
 * tgm_state_deadline() and calls tgm_state_expire() when it fires, and before every update.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "model/sync-state.h"

typedef struct TgmParams {
        int64_t local_max_holdover_offset_ns; /* LocalMaxHoldoverOffSet=, default 1500 */
        uint64_t local_holdover_timeout_usec; /* LocalHoldoverTimeout= (s), default 14400 s */
        int64_t max_in_spec_offset_ns;        /* MaxInSpecOffset=, default 1500 */
        uint64_t settle_usec;                 /* LockSettleSec=, default 3 s */
} TgmParams;

#define TGM_PARAMS_DEFAULT                                               \
        ((TgmParams) {                                                   \
                .local_max_holdover_offset_ns = 1500,                    \
                .local_holdover_timeout_usec = 14400 * UINT64_C(1000000), \
                .max_in_spec_offset_ns = 1500,                           \
                .settle_usec = 3 * UINT64_C(1000000),                    \
        })

/* The G.8275.1 classes a T-GM announces for each state. */
#define TGM_CLASS_LOCKED 6
#define TGM_CLASS_HOLDOVER 7
#define TGM_CLASS_FREERUN 248

typedef struct TgmInputs {
        bool gnss;   /* G */
        bool ts2phc; /* P */
        bool ptp4l;  /* K */
} TgmInputs;

typedef struct TgmState {
        SyncState state;
        TgmInputs inputs;
        bool have_inputs;       /* an update was made */
        uint64_t good_since;    /* when G, P and K all became true; 0: they are not */
        uint64_t holdover_since; /* when HOLDOVER began; 0 unless HOLDOVER */
} TgmState;

#define TGM_STATE_INIT ((TgmState) { .state = SYNC_STATE_NONE })

/* NULL if valid, else what is wrong with the parameters. */
const char *tgm_params_check(const TgmParams *p);
bool tgm_params_equal(const TgmParams *a, const TgmParams *b);
/* How long holdover lasts: until the estimate leaves the spec, or the timeout, whichever is first. */
uint64_t tgm_params_holdover_usec(const TgmParams *p);

/* New inputs at now. Returns true when the state changed. Call tgm_state_expire(s, p, now) first. */
bool tgm_state_update(TgmState *s, const TgmParams *p, const TgmInputs *in, uint64_t now);
/* The deadline that came: settling done, or holdover over. Returns true when the state changed. */
bool tgm_state_expire(TgmState *s, const TgmParams *p, uint64_t now);
/* When tgm_state_expire() is next due; 0: nothing is. */
uint64_t tgm_state_deadline(const TgmState *s, const TgmParams *p);

/* The estimated drift in HOLDOVER at now (ns); OFFSET_NONE in any other state: nothing measured it. */
int64_t tgm_state_offset_ns(const TgmState *s, const TgmParams *p, uint64_t now);
/* 6, 7, 248; 0 for NONE. */
unsigned tgm_state_class(SyncState state);
