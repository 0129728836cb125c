/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The GNSS receiver's O-RAN gnss-sync-status, judged from what gpsd says
 *
 * gpsd 3.22 reports the fix as TPV "mode" (0 none seen, 1 no fix, 2 2D, 3 3D)
 * and "status" (7: time-only/surveyed). What it does not report is silence:
 * a receiver that stops talking produces no TPV at all, and ?POLL keeps
 * returning the last fix. So the caller also feeds the connection's ups and
 * downs, POLL's "active" and a 1 s tick, and the state applies these rules
 * (in this order; the first that matches decides):
 *
 *   gpsd not connected, POLL active 0, or no TPV for stale_usec
 *                          FAILURE-NOFIX, gpsFix 0, at once
 *   last ANTSTATUS=OPEN    ANTENNA-DISCONNECTED (extended) / FAILURE-NOFIX
 *   last ANTSTATUS=SHORT   ANTENNA-SHORT-CIRCUIT (extended) / FAILURE-NOFIX;
 *                          gpsFix per the fix, as below
 *   mode 0 before any fix report since connecting
 *                          BOOTING (extended) / no new value (compat: the
 *                          value stays as it was, none at start-up)
 *   mode >= min_mode       SYNCHRONIZED, gpsFix 3 (5 with status 7)
 *   mode 2                 ACQUIRING-SYNC, gpsFix 2
 *   mode 1 (or 0 later)    FAILURE-NOFIX, gpsFix 0
 *
 * With UBX (ubx on: gpsd relays the u-blox receiver's frames, source/ubx-frame.h),
 * a gpsFix received within stale_usec replaces the mode's, as in linuxptp-daemon:
 * NAV-STATUS gpsFix and NAV-CLOCK tAcc, else NAV-PVT fixType and tAcc. Then,
 * after the rules above up to BOOTING:
 *
 *   gpsFix 0               FAILURE-NOFIX, gpsFix 0
 *   gpsFix >= 3, tAcc <= tacc_max_ns and mode >= min_mode
 *                          SYNCHRONIZED, the gpsFix
 *   anything else (tAcc unknown, 0xffffffff or above the maximum, gpsFix 1 or 2)
 *                          ACQUIRING-SYNC, the gpsFix
 *
 * MON-HW aStatus OPEN and SHORT count as ANTSTATUS=OPEN and SHORT, OK as OK.
 * UBX only refines the TPV's judgement: TPVs still make the epochs and the
 * staleness (gpsd sends one per navigation solution, NAV-PVT's included), so a
 * UBX reading counts from the next TPV on.
 *
 * The TPV rules are debounced in epochs, an epoch being a TPV "time" (gpsd
 * sends several TPVs per epoch, one per sentence; one without a time, or with
 * the time of the last, revises the current epoch): SYNCHRONIZED is left after
 * loss_debounce epochs that say otherwise in a row, and entered after
 * enter_debounce epochs that say so. Changes between the other values are
 * taken at the first epoch. A gpsFix change within one value is taken at once.
 *
 * Compat (extended_states off, the default) gives what cloud-event-proxy
 * publishes: SYNCHRONIZED, ACQUIRING-SYNC and FAILURE-NOFIX only.
 *
 * Pure: no I/O; time (CLOCK_MONOTONIC µs) is passed in.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef enum GnssSyncStatus {
        GNSS_SYNC_NONE, /* no value yet: nothing is published */
        GNSS_SYNC_SYNCHRONIZED,
        GNSS_SYNC_ACQUIRING_SYNC,
        GNSS_SYNC_FAILURE_NOFIX,
        GNSS_SYNC_ANTENNA_DISCONNECTED,
        GNSS_SYNC_ANTENNA_SHORT_CIRCUIT,
        GNSS_SYNC_BOOTING,
        _GNSS_SYNC_MAX,
} GnssSyncStatus;

/* What the u-blox antenna supervisor said last ($GxTXT ANTSTATUS=..., or MON-HW aStatus). */
typedef enum GnssAntenna {
        GNSS_ANTENNA_UNKNOWN,
        GNSS_ANTENNA_OK,
        GNSS_ANTENNA_OPEN,
        GNSS_ANTENNA_SHORT,
        _GNSS_ANTENNA_MAX,
} GnssAntenna;

/* linuxptp-daemon-like names; the configuration's keys (ptpsyncd.conf(5)) follow them. */
typedef struct GnssParams {
        uint64_t stale_usec;    /* no TPV this long: FAILURE-NOFIX; default 3 s */
        unsigned min_mode;      /* TPV mode for SYNCHRONIZED, 2 or 3; default 3 */
        unsigned loss_debounce; /* epochs to leave SYNCHRONIZED, >= 1; default 2 */
        unsigned enter_debounce; /* epochs to enter it, >= 1; default 2 */
        bool extended_states;   /* ANTENNA-*, BOOTING; default off */
        bool ubx;               /* watch gpsd's raw UBX too; default off */
        uint32_t tacc_max_ns;   /* UBX tAcc for SYNCHRONIZED, 1..GNSS_TACC_MAX_NS_MAX; default 100 */
} GnssParams;

#define GNSS_TACC_MAX_NS_MAX 1000000000

#define GNSS_PARAMS_DEFAULT                                     \
        ((GnssParams) {                                         \
                .stale_usec = 3 * UINT64_C(1000000),            \
                .min_mode = 3,                                  \
                .loss_debounce = 2,                             \
                .enter_debounce = 2,                            \
                .extended_states = false,                       \
                .ubx = false,                                   \
                .tacc_max_ns = 100,                             \
        })

typedef struct GnssValue {
        GnssSyncStatus status;
        unsigned gps_fix; /* the gpsFix metric: 0, 2, 3, 5; with UBX, the receiver's 0..5 */
} GnssValue;

/* Where a UBX reading came from: the one linuxptp-daemon reads, or NAV-PVT's. */
typedef enum GnssUbxFrom {
        GNSS_UBX_NAV_STATUS_CLOCK, /* NAV-STATUS gpsFix, NAV-CLOCK tAcc */
        GNSS_UBX_NAV_PVT,          /* NAV-PVT fixType, tAcc */
        _GNSS_UBX_FROM_MAX,
} GnssUbxFrom;

typedef struct GnssUbxReading {
        bool seen;
        uint32_t value;
        uint64_t usec; /* its receipt */
} GnssUbxReading;

typedef struct GnssState {
        GnssValue value; /* what is published */

        bool connected;
        bool active;        /* no POLL said "active":0 since the last TPV */
        bool fix_reported;  /* a TPV of mode >= 1 since connecting */
        uint64_t data_usec; /* the last TPV's receipt, or the connection's */
        GnssAntenna antenna;
        uint64_t antenna_usec;
        GnssUbxReading ubx_fix[_GNSS_UBX_FROM_MAX], ubx_tacc[_GNSS_UBX_FROM_MAX];

        bool have_epoch;
        int64_t epoch_time_usec; /* the current epoch's TPV time */
        GnssValue pending;       /* what the last epochs said */
        unsigned pending_epochs; /* how many in a row */
} GnssState;

#define GNSS_STATE_INIT ((GnssState) { .value.status = GNSS_SYNC_NONE })

/* NULL if valid, else what is wrong with the parameters. */
const char *gnss_params_check(const GnssParams *p);
bool gnss_params_equal(const GnssParams *a, const GnssParams *b);

/* Each returns true when the published value (status or gpsFix) changed. */
bool gnss_state_connected(GnssState *s, const GnssParams *p, uint64_t now);
bool gnss_state_disconnected(GnssState *s, const GnssParams *p, uint64_t now);
bool gnss_state_poll(GnssState *s, const GnssParams *p, unsigned active, uint64_t now);
void gnss_state_antenna(GnssState *s, GnssAntenna a, uint64_t now);
/* UBX readings, used from the next TPV on: gpsFix 0..5, tAcc in ns (UINT32_MAX: unknown). */
void gnss_state_ubx_fix(GnssState *s, GnssUbxFrom from, unsigned gps_fix, uint64_t now);
void gnss_state_ubx_tacc(GnssState *s, GnssUbxFrom from, uint32_t tacc_ns, uint64_t now);
bool gnss_state_tpv(GnssState *s, const GnssParams *p, unsigned mode, unsigned status, bool has_time,
                    int64_t time_usec, uint64_t now);
/* The 1 s tick: staleness. */
bool gnss_state_tick(GnssState *s, const GnssParams *p, uint64_t now);
/*
 * The receiver's time accuracy, UBX tAcc in ns, as cloud-event-proxy publishes it for the offset:
 * true with *ret when a known one (not 0xffffffff) came within the staleness time; false without
 * UBX, when it is stale or unknown, or while the published value is FAILURE-NOFIX or none.
 */
bool gnss_state_tacc(const GnssState *s, const GnssParams *p, uint64_t now, uint32_t *ret);

/* "SYNCHRONIZED", "ACQUIRING-SYNC", ...; "" for NONE. */
const char *gnss_sync_status_to_string(GnssSyncStatus s);
GnssSyncStatus gnss_sync_status_from_string(const char *s); /* _GNSS_SYNC_MAX if unknown */
