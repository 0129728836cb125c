/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The GNSS state against the rules of model/gnss-state.h: every row of the table, the debounce
 * both ways (and gpsd's several TPVs per epoch), staleness, POLL "active":0, the connection, and
 * compat against extended states. Time is simulated: one epoch per second.
 */

#include <glib.h>

#include "model/gnss-state.h"
#include "common/util.h"

#define SEC USEC_PER_SEC
#define TACC_UNKNOWN UINT32_MAX /* UBX's "no time solution" */

typedef struct T {
        GnssState s;
        GnssParams p;
        uint64_t now;
        int64_t epoch; /* the TPV time of the next epoch */
} T;

static void t_init(T *t, bool extended) {
        *t = (T) { .s = GNSS_STATE_INIT, .p = GNSS_PARAMS_DEFAULT, .now = 1000 * SEC, .epoch = 1796301170 * SEC };
        t->p.extended_states = extended;
        g_assert_null(gnss_params_check(&t->p));
}

/* One epoch: a TPV with a new time, one second after the last. Returns whether the value changed. */
static bool epoch(T *t, unsigned mode, unsigned status) {
        t->now += SEC;
        t->epoch += SEC;
        return gnss_state_tpv(&t->s, &t->p, mode, status, true, t->epoch, t->now);
}

static void assert_value(const T *t, GnssSyncStatus status, unsigned fix) {
        g_assert_cmpstr(gnss_sync_status_to_string(t->s.value.status), ==, gnss_sync_status_to_string(status));
        g_assert_cmpuint(t->s.value.gps_fix, ==, fix);
}

/* Connected and SYNCHRONIZED (after the enter debounce). */
static void t_synchronized(T *t, bool extended) {
        t_init(t, extended);
        gnss_state_connected(&t->s, &t->p, t->now);
        epoch(t, 3, 0);
        epoch(t, 3, 0);
        assert_value(t, GNSS_SYNC_SYNCHRONIZED, 3);
}

static void test_defaults(void) {
        GnssParams p = GNSS_PARAMS_DEFAULT;

        g_assert_cmpuint(p.stale_usec, ==, 3 * SEC);
        g_assert_cmpuint(p.min_mode, ==, 3);
        g_assert_cmpuint(p.loss_debounce, ==, 2);
        g_assert_cmpuint(p.enter_debounce, ==, 2);
        g_assert_false(p.extended_states);
        g_assert_null(gnss_params_check(&p));

        p.min_mode = 1;
        g_assert_cmpstr(gnss_params_check(&p), ==, "the minimum mode must be 2 or 3");
        p = GNSS_PARAMS_DEFAULT, p.min_mode = 4;
        g_assert_nonnull(gnss_params_check(&p));
        p = GNSS_PARAMS_DEFAULT, p.loss_debounce = 0;
        g_assert_nonnull(gnss_params_check(&p));
        p = GNSS_PARAMS_DEFAULT, p.enter_debounce = 0;
        g_assert_nonnull(gnss_params_check(&p));
        p = GNSS_PARAMS_DEFAULT, p.stale_usec = 0;
        g_assert_nonnull(gnss_params_check(&p));
}

static void test_strings(void) {
        for (GnssSyncStatus s = 0; s < _GNSS_SYNC_MAX; s++)
                g_assert_cmpint(gnss_sync_status_from_string(gnss_sync_status_to_string(s)), ==, s);
        g_assert_cmpint(gnss_sync_status_from_string("LOCKED"), ==, _GNSS_SYNC_MAX);
        g_assert_null(gnss_sync_status_to_string(_GNSS_SYNC_MAX));
}

/* Row: gpsd unreachable. Before any connection there is no value; a refused one is FAILURE-NOFIX. */
static void test_unreachable(void) {
        T t;

        t_init(&t, false);
        assert_value(&t, GNSS_SYNC_NONE, 0);
        g_assert_true(gnss_state_disconnected(&t.s, &t.p, t.now));
        assert_value(&t, GNSS_SYNC_FAILURE_NOFIX, 0);
        g_assert_false(gnss_state_disconnected(&t.s, &t.p, t.now));
        /* A TPV cannot come without a connection; if one did, it would change nothing. */
        g_assert_false(epoch(&t, 3, 0));

        /* From SYNCHRONIZED: at once, no debounce. */
        t_synchronized(&t, false);
        g_assert_true(gnss_state_disconnected(&t.s, &t.p, t.now));
        assert_value(&t, GNSS_SYNC_FAILURE_NOFIX, 0);
        /* Reconnected: back after the enter debounce (compat: no BOOTING in between). */
        g_assert_false(gnss_state_connected(&t.s, &t.p, t.now));
        g_assert_false(epoch(&t, 3, 0));
        g_assert_true(epoch(&t, 3, 0));
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 3);
}

/* Row: POLL "active":0, the device closed. */
static void test_poll_inactive(void) {
        T t;

        t_synchronized(&t, false);
        g_assert_false(gnss_state_poll(&t.s, &t.p, 1, t.now));
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 3);
        g_assert_true(gnss_state_poll(&t.s, &t.p, 0, t.now));
        assert_value(&t, GNSS_SYNC_FAILURE_NOFIX, 0);
        g_assert_false(t.s.active);
        /* The device reopened: TPVs again. */
        epoch(&t, 3, 0);
        g_assert_true(t.s.active);
        epoch(&t, 3, 0);
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 3);
}

/* Row: silence. gpsd sends no TPV at all; the tick notices after stale_usec. */
static void test_stale(void) {
        T t;

        t_synchronized(&t, false);
        t.now += 3 * SEC - 1;
        g_assert_false(gnss_state_tick(&t.s, &t.p, t.now));
        /* POLL's stale fix ("active":1) is no sign of life. */
        g_assert_false(gnss_state_poll(&t.s, &t.p, 1, t.now));
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 3);
        t.now += 1;
        g_assert_true(gnss_state_tick(&t.s, &t.p, t.now));
        assert_value(&t, GNSS_SYNC_FAILURE_NOFIX, 0);
        g_assert_false(gnss_state_tick(&t.s, &t.p, t.now + SEC));

        /* The receiver talks again: the enter debounce as after any loss. */
        g_assert_false(epoch(&t, 3, 0));
        g_assert_true(epoch(&t, 3, 0));
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 3);

        /* A TPV late enough sees the staleness first, whichever the loop dispatched first. */
        t.now += 10 * SEC;
        g_assert_true(epoch(&t, 3, 0));
        assert_value(&t, GNSS_SYNC_FAILURE_NOFIX, 0);

        /* A connection on which nothing comes at all goes stale too. */
        t_init(&t, false);
        gnss_state_connected(&t.s, &t.p, t.now);
        g_assert_false(gnss_state_tick(&t.s, &t.p, t.now + 2 * SEC));
        g_assert_true(gnss_state_tick(&t.s, &t.p, t.now + 3 * SEC));
        assert_value(&t, GNSS_SYNC_FAILURE_NOFIX, 0);
}

/* Rows: ANTSTATUS OPEN and SHORT, in both modes; gpsFix per the fix. */
static void test_antenna(void) {
        static const struct {
                GnssAntenna antenna;
                GnssSyncStatus extended;
        } cases[] = {
                { GNSS_ANTENNA_OPEN, GNSS_SYNC_ANTENNA_DISCONNECTED },
                { GNSS_ANTENNA_SHORT, GNSS_SYNC_ANTENNA_SHORT_CIRCUIT },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                for (int extended = 0; extended <= 1; extended++) {
                        GnssSyncStatus want = extended ? cases[i].extended : GNSS_SYNC_FAILURE_NOFIX;
                        T t;

                        t_synchronized(&t, extended);
                        gnss_state_antenna(&t.s, cases[i].antenna, t.now);
                        /* Out of SYNCHRONIZED: the loss debounce. */
                        g_assert_false(epoch(&t, 3, 0));
                        g_assert_true(epoch(&t, 3, 0));
                        assert_value(&t, want, 3);
                        /* The fix goes, the antenna state stays; gpsFix follows at once. */
                        g_assert_true(epoch(&t, 1, 0));
                        assert_value(&t, want, 0);
                        /* ANTSTATUS=OK: back after the enter debounce. */
                        gnss_state_antenna(&t.s, GNSS_ANTENNA_OK, t.now);
                        g_assert_false(epoch(&t, 3, 0));
                        g_assert_true(epoch(&t, 3, 0));
                        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 3);
                }
}

/* Row: mode 0 before the first fix report: BOOTING with extended states, no value in compat. */
static void test_booting(void) {
        T t;

        t_init(&t, true);
        g_assert_true(gnss_state_connected(&t.s, &t.p, t.now));
        assert_value(&t, GNSS_SYNC_BOOTING, 0);
        g_assert_false(epoch(&t, 0, 0));
        g_assert_false(epoch(&t, 0, 0));
        assert_value(&t, GNSS_SYNC_BOOTING, 0);
        g_assert_false(epoch(&t, 3, 0));
        g_assert_true(epoch(&t, 3, 0));
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 3);
        /* Mode 0 after a fix report is no fix, not booting. */
        epoch(&t, 0, 0);
        g_assert_true(epoch(&t, 0, 0));
        assert_value(&t, GNSS_SYNC_FAILURE_NOFIX, 0);

        t_init(&t, false);
        g_assert_false(gnss_state_connected(&t.s, &t.p, t.now));
        g_assert_false(epoch(&t, 0, 0));
        g_assert_false(epoch(&t, 0, 0));
        assert_value(&t, GNSS_SYNC_NONE, 0);
        g_assert_true(epoch(&t, 1, 0));
        assert_value(&t, GNSS_SYNC_FAILURE_NOFIX, 0);
}

/* Rows: mode 1, 2, 3, and 3 with status 7. */
static void test_modes(void) {
        T t;

        t_init(&t, false);
        gnss_state_connected(&t.s, &t.p, t.now);
        /* Between values other than SYNCHRONIZED: at the first epoch. */
        g_assert_true(epoch(&t, 1, 0));
        assert_value(&t, GNSS_SYNC_FAILURE_NOFIX, 0);
        g_assert_true(epoch(&t, 2, 0));
        assert_value(&t, GNSS_SYNC_ACQUIRING_SYNC, 2);
        g_assert_true(epoch(&t, 1, 0));
        assert_value(&t, GNSS_SYNC_FAILURE_NOFIX, 0);
        epoch(&t, 3, 0);
        g_assert_true(epoch(&t, 3, 0));
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 3);
        /* Time-only (u-blox fixType 5, NMEA GGA quality 7): gpsFix 5, at once. */
        g_assert_true(epoch(&t, 3, 7));
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 5);
        g_assert_false(epoch(&t, 3, 7));
        /* 3D -> 2D: ACQUIRING-SYNC after the loss debounce. */
        g_assert_false(epoch(&t, 2, 0));
        g_assert_true(epoch(&t, 2, 0));
        assert_value(&t, GNSS_SYNC_ACQUIRING_SYNC, 2);

        /* min_mode 2: a 2D fix is enough. */
        t_init(&t, false);
        t.p.min_mode = 2;
        gnss_state_connected(&t.s, &t.p, t.now);
        epoch(&t, 2, 0);
        g_assert_true(epoch(&t, 2, 0));
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 2);
}

static void test_debounce(void) {
        T t;

        /* Leaving: one bad epoch between good ones changes nothing. */
        t_synchronized(&t, false);
        g_assert_false(epoch(&t, 1, 0));
        g_assert_false(epoch(&t, 3, 0));
        g_assert_false(epoch(&t, 1, 0));
        g_assert_false(epoch(&t, 3, 0));
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 3);
        /* Two in a row do; a mixed run of bad ones counts the last value only. */
        g_assert_false(epoch(&t, 2, 0));
        g_assert_false(epoch(&t, 1, 0));
        g_assert_true(epoch(&t, 1, 0));
        assert_value(&t, GNSS_SYNC_FAILURE_NOFIX, 0);

        /* Entering: one good epoch between bad ones changes nothing. */
        g_assert_false(epoch(&t, 3, 0));
        g_assert_false(epoch(&t, 1, 0));
        g_assert_false(epoch(&t, 3, 0));
        g_assert_true(epoch(&t, 3, 0));
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 3);

        /* Other debounces. */
        t_init(&t, false);
        t.p.loss_debounce = 4;
        t.p.enter_debounce = 1;
        gnss_state_connected(&t.s, &t.p, t.now);
        g_assert_true(epoch(&t, 3, 0));
        for (int i = 0; i < 3; i++)
                g_assert_false(epoch(&t, 1, 0));
        g_assert_true(epoch(&t, 1, 0));
        assert_value(&t, GNSS_SYNC_FAILURE_NOFIX, 0);
}

/* gpsd sends one TPV per sentence: the ones of one epoch count once. */
static void test_epochs(void) {
        T t;

        t_init(&t, false);
        gnss_state_connected(&t.s, &t.p, t.now);
        epoch(&t, 3, 0);
        /* The same epoch again, and one without a time: still one epoch. */
        g_assert_false(gnss_state_tpv(&t.s, &t.p, 3, 0, true, t.epoch, t.now));
        g_assert_false(gnss_state_tpv(&t.s, &t.p, 3, 0, false, 0, t.now));
        assert_value(&t, GNSS_SYNC_NONE, 0);
        g_assert_true(epoch(&t, 3, 0));
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 3);

        /* Revised within an epoch, it counts for what it says last. */
        g_assert_false(epoch(&t, 3, 0));
        g_assert_false(gnss_state_tpv(&t.s, &t.p, 1, 0, true, t.epoch, t.now));
        g_assert_true(epoch(&t, 1, 0));
        assert_value(&t, GNSS_SYNC_FAILURE_NOFIX, 0);
}

/* What a u-blox receiver says through gpsd's raw stream, just before the next epoch's TPV. */
static void ubx(T *t, unsigned fix, uint32_t tacc) {
        gnss_state_ubx_fix(&t->s, GNSS_UBX_NAV_STATUS_CLOCK, fix, t->now);
        gnss_state_ubx_tacc(&t->s, GNSS_UBX_NAV_STATUS_CLOCK, tacc, t->now);
}

static void test_ubx_params(void) {
        const GnssParams defaults = GNSS_PARAMS_DEFAULT;
        GnssParams p = defaults;

        g_assert_false(p.ubx);
        g_assert_cmpuint(p.tacc_max_ns, ==, 100);
        p.tacc_max_ns = 0;
        g_assert_cmpstr(gnss_params_check(&p), ==, "the maximum tAcc must be between 1 and 1000000000 ns");
        p.tacc_max_ns = GNSS_TACC_MAX_NS_MAX + 1;
        g_assert_nonnull(gnss_params_check(&p));
        p.tacc_max_ns = GNSS_TACC_MAX_NS_MAX;
        g_assert_null(gnss_params_check(&p));
        g_assert_false(gnss_params_equal(&p, &defaults));
        p = GNSS_PARAMS_DEFAULT, p.ubx = true;
        g_assert_false(gnss_params_equal(&p, &defaults));
}

/* gpsFix and tAcc, as linuxptp-daemon judges them, with the debounce of the TPV rules. */
static void test_ubx(void) {
        T t;

        t_synchronized(&t, false);
        /* Time-only, 15 ns: SYNCHRONIZED still, the metric UBX's gpsFix at once. */
        ubx(&t, 5, 15);
        g_assert_true(epoch(&t, 3, 7));
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 5);
        /* No time solution: left after the loss debounce. */
        ubx(&t, 5, TACC_UNKNOWN);
        g_assert_false(epoch(&t, 3, 7));
        ubx(&t, 5, TACC_UNKNOWN);
        g_assert_true(epoch(&t, 3, 7));
        assert_value(&t, GNSS_SYNC_ACQUIRING_SYNC, 5);
        /* Above the maximum, then at it. */
        ubx(&t, 3, 101);
        epoch(&t, 3, 0);
        epoch(&t, 3, 0);
        assert_value(&t, GNSS_SYNC_ACQUIRING_SYNC, 3);
        ubx(&t, 3, 100);
        g_assert_false(epoch(&t, 3, 0));
        ubx(&t, 3, 100);
        g_assert_true(epoch(&t, 3, 0));
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 3);
        /* gpsFix 0 though gpsd still says mode 3: FAILURE-NOFIX, after the loss debounce. */
        ubx(&t, 0, TACC_UNKNOWN);
        epoch(&t, 3, 0);
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 3);
        ubx(&t, 0, TACC_UNKNOWN);
        epoch(&t, 3, 0);
        assert_value(&t, GNSS_SYNC_FAILURE_NOFIX, 0);
        /* 2D and dead reckoning: acquiring, at the first epoch. */
        ubx(&t, 2, 15);
        g_assert_true(epoch(&t, 3, 0));
        assert_value(&t, GNSS_SYNC_ACQUIRING_SYNC, 2);
        ubx(&t, 1, 15);
        g_assert_true(epoch(&t, 3, 0));
        assert_value(&t, GNSS_SYNC_ACQUIRING_SYNC, 1);
        /* gpsFix 3 but gpsd's mode below MinMode: not synchronized. */
        ubx(&t, 3, 15);
        epoch(&t, 2, 0);
        ubx(&t, 3, 15);
        epoch(&t, 2, 0);
        assert_value(&t, GNSS_SYNC_ACQUIRING_SYNC, 3);

        /* UBX silent for the staleness time: the mode rules again. */
        for (int i = 0; i < 4; i++)
                epoch(&t, 3, 0);
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 3);

        /* A gpsFix without any tAcc: acquiring. A new connection forgets what UBX said. */
        t_synchronized(&t, false);
        gnss_state_ubx_fix(&t.s, GNSS_UBX_NAV_STATUS_CLOCK, 3, t.now);
        epoch(&t, 3, 0);
        epoch(&t, 3, 0);
        assert_value(&t, GNSS_SYNC_ACQUIRING_SYNC, 3);
        gnss_state_connected(&t.s, &t.p, t.now);
        epoch(&t, 3, 0);
        epoch(&t, 3, 0);
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 3);
}

/* The offset published with UBX: the latest known tAcc, none while stale, unknown, or without a fix. */
static void test_ubx_tacc(void) {
        uint32_t tacc = 0;
        T t;

        t_synchronized(&t, false);
        g_assert_false(gnss_state_tacc(&t.s, &t.p, t.now, &tacc)); /* no UBX: none */
        ubx(&t, 5, 15);
        epoch(&t, 3, 7);
        g_assert_true(gnss_state_tacc(&t.s, &t.p, t.now, &tacc));
        g_assert_cmpuint(tacc, ==, 15);
        ubx(&t, 5, 40);
        g_assert_true(gnss_state_tacc(&t.s, &t.p, t.now, &tacc));
        g_assert_cmpuint(tacc, ==, 40);
        ubx(&t, 5, TACC_UNKNOWN);
        g_assert_false(gnss_state_tacc(&t.s, &t.p, t.now, &tacc));
        /* Stale: the staleness time after the last reading, none. */
        ubx(&t, 5, 20);
        t.now += t.p.stale_usec;
        g_assert_false(gnss_state_tacc(&t.s, &t.p, t.now, &tacc));
        /* FAILURE-NOFIX measures nothing, whatever the last tAcc was. */
        ubx(&t, 0, 20);
        epoch(&t, 3, 0);
        ubx(&t, 0, 20);
        epoch(&t, 3, 0);
        assert_value(&t, GNSS_SYNC_FAILURE_NOFIX, 0);
        g_assert_false(gnss_state_tacc(&t.s, &t.p, t.now, &tacc));
}

/* NAV-PVT when there is no NAV-STATUS/NAV-CLOCK; those first when there are; TaccMaxNs. */
static void test_ubx_pvt(void) {
        T t;

        t_init(&t, false);
        t.p.tacc_max_ns = 20;
        gnss_state_connected(&t.s, &t.p, t.now);
        for (int i = 0; i < 2; i++) {
                gnss_state_ubx_fix(&t.s, GNSS_UBX_NAV_PVT, 5, t.now);
                gnss_state_ubx_tacc(&t.s, GNSS_UBX_NAV_PVT, 20, t.now);
                epoch(&t, 3, 7);
        }
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 5);
        for (int i = 0; i < 2; i++) {
                gnss_state_ubx_fix(&t.s, GNSS_UBX_NAV_PVT, 5, t.now);
                gnss_state_ubx_tacc(&t.s, GNSS_UBX_NAV_PVT, 20, t.now);
                ubx(&t, 3, 21);
                epoch(&t, 3, 7);
        }
        assert_value(&t, GNSS_SYNC_ACQUIRING_SYNC, 3);
}

/* An open antenna from MON-HW is as from ANTSTATUS: it comes first. */
static void test_ubx_antenna(void) {
        T t;

        t_synchronized(&t, true);
        ubx(&t, 5, 15);
        g_assert_true(epoch(&t, 3, 7));
        assert_value(&t, GNSS_SYNC_SYNCHRONIZED, 5);
        gnss_state_antenna(&t.s, GNSS_ANTENNA_OPEN, t.now);
        ubx(&t, 5, 15);
        g_assert_false(epoch(&t, 3, 7));
        ubx(&t, 5, 15);
        g_assert_true(epoch(&t, 3, 7));
        assert_value(&t, GNSS_SYNC_ANTENNA_DISCONNECTED, 5);
        gnss_state_antenna(&t.s, GNSS_ANTENNA_SHORT, t.now);
        ubx(&t, 5, 15);
        g_assert_true(epoch(&t, 3, 7));
        assert_value(&t, GNSS_SYNC_ANTENNA_SHORT_CIRCUIT, 5);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/gnss-state/defaults", test_defaults);
        g_test_add_func("/gnss-state/strings", test_strings);
        g_test_add_func("/gnss-state/unreachable", test_unreachable);
        g_test_add_func("/gnss-state/poll-inactive", test_poll_inactive);
        g_test_add_func("/gnss-state/stale", test_stale);
        g_test_add_func("/gnss-state/antenna", test_antenna);
        g_test_add_func("/gnss-state/booting", test_booting);
        g_test_add_func("/gnss-state/modes", test_modes);
        g_test_add_func("/gnss-state/debounce", test_debounce);
        g_test_add_func("/gnss-state/epochs", test_epochs);
        g_test_add_func("/gnss-state/ubx-params", test_ubx_params);
        g_test_add_func("/gnss-state/ubx", test_ubx);
        g_test_add_func("/gnss-state/ubx-tacc", test_ubx_tacc);
        g_test_add_func("/gnss-state/ubx-pvt", test_ubx_pvt);
        g_test_add_func("/gnss-state/ubx-antenna", test_ubx_antenna);
        return g_test_run();
}
