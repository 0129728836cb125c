/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Judging lock from ptp4l's answers: port states, receipt-time freshness,
 * the stale data sets of LINUXPTP pitfall P5, and ports past the table.
 */

#include <glib.h>

#include "source/ptp4l-state.h"
#include "test-util.h"
#include "common/util.h"

#define SEC(n) ((uint64_t) (n) * USEC_PER_SEC)
#define POLL SEC(1)
#define T0 SEC(1000)

static PmcPortDataSet port(uint16_t n, PmcPortState s, int8_t log_sync) {
        return (PmcPortDataSet) {
                .port_identity = { .port_number = n },
                .port_state = s,
                .log_sync_interval = log_sync,
        };
}

static PmcTimeStatus time_status(int64_t offset, int64_t ingress) {
        return (PmcTimeStatus) { .master_offset_ns = offset, .ingress_time_ns = ingress, .gm_present = true };
}

/* A locked slave, as ptp4l reports it (samples/pmc_slave_locked.txt): SLAVE, offset 343, Syncs arriving. */
static void view_locked(Ptp4lView *v, uint64_t now) {
        ptp4l_view_reset(v);
        g_assert_true(ptp4l_view_port(v, &(PmcPortDataSet) { .port_identity = { .port_number = 1 },
                                                             .port_state = PMC_PORT_STATE_SLAVE,
                                                             .log_sync_interval = -2 }));
        ptp4l_view_time_status(v, &(PmcTimeStatus) { .master_offset_ns = 343,
                                                     .ingress_time_ns = INT64_C(1795282616992836911) },
                               now);
}

static void test_locked(void) {
        Ptp4lView v;
        int64_t offset = 0;

        view_locked(&v, T0);
        g_assert_cmpint(ptp4l_view_judge(&v, T0, POLL, &offset), ==, OBSERVATION_LOCKED);
        g_assert_cmpint(offset, ==, 343);
        g_assert_cmpuint(ptp4l_view_slave_port(&v), ==, 1);
}

/* Every port state but SLAVE is unlocked, with fresh Syncs or not (UNCALIBRATED: servo not locked). */
static void test_port_states(void) {
        for (PmcPortState s = PMC_PORT_STATE_INITIALIZING; s < _PMC_PORT_STATE_MAX; s++) {
                Ptp4lView v;
                int64_t offset;

                view_locked(&v, T0);
                g_assert_true(ptp4l_view_port(&v, &(PmcPortDataSet) { .port_identity = { .port_number = 1 },
                                                                      .port_state = s }) ==
                              (s != PMC_PORT_STATE_SLAVE));
                g_assert_cmpint(ptp4l_view_judge(&v, T0, POLL, &offset), ==,
                                s == PMC_PORT_STATE_SLAVE ? OBSERVATION_LOCKED : OBSERVATION_UNLOCKED);
                g_assert_true(ptp4l_view_follows_master(&v) ==
                              (s == PMC_PORT_STATE_SLAVE || s == PMC_PORT_STATE_UNCALIBRATED));
        }
}

/* P5: after the master is lost ptp4l keeps the old offset and gmPresent; ingress_time 0 is what tells. */
static void test_master_lost_stale_data(void) {
        Ptp4lView v;
        int64_t offset;

        view_locked(&v, T0);
        ptp4l_view_time_status(&v, &(PmcTimeStatus) { .master_offset_ns = 22, .ingress_time_ns = 0,
                                                      .gm_present = true },
                               T0 + POLL);
        g_assert_cmpint(ptp4l_view_judge(&v, T0 + POLL, POLL, &offset), ==, OBSERVATION_UNLOCKED);
        /* The 22 is what ptp4l kept, not a measurement. */
        g_assert_cmpint(offset, ==, OFFSET_NONE);
}

/* Syncs arriving while the servo is not locked yet (UNCALIBRATED): unlocked, but the offset is measured. */
static void test_uncalibrated_offset(void) {
        PmcTimeStatus t = time_status(-900, 12345);
        PmcPortDataSet p = port(1, PMC_PORT_STATE_UNCALIBRATED, 0);
        Ptp4lView v = {};
        int64_t offset = 0;

        ptp4l_view_port(&v, &p);
        ptp4l_view_time_status(&v, &t, T0);
        g_assert_cmpint(ptp4l_view_judge(&v, T0, POLL, &offset), ==, OBSERVATION_UNLOCKED);
        g_assert_cmpint(offset, ==, -900);
}

/* The freshness window: 2 polls + 4 Syncs. Same receipt time within it: locked; past it: unlocked. */
static void test_freshness(void) {
        static const struct {
                int8_t log_sync;
                uint64_t window;
        } cases[] = {
                { -2, 2 * POLL + SEC(1) },         /* 4 x 250 ms */
                { 0, 2 * POLL + SEC(4) },          /* 4 x 1 s */
                { 1, 2 * POLL + SEC(8) },          /* 4 x 2 s */
                { -7, 2 * POLL + 4 * 7812 },       /* 4 x 7.8125 ms, in whole us */
                { 127, 2 * POLL + 4 * SEC(1024) }, /* clamped at 2^10 s */
                { -128, 2 * POLL + 4 * 976 },      /* clamped at 2^-10 s */
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                PmcTimeStatus t = time_status(5, 12345);
                PmcPortDataSet p = port(1, PMC_PORT_STATE_SLAVE, cases[i].log_sync);
                Ptp4lView v = {};
                int64_t offset;

                ptp4l_view_port(&v, &p);
                ptp4l_view_time_status(&v, &t, T0);
                g_assert_cmpuint(ptp4l_view_freshness_usec(&v, POLL), ==, cases[i].window);
                /* The same receipt time read again: not a change. */
                ptp4l_view_time_status(&v, &t, T0 + cases[i].window);
                g_assert_cmpint(ptp4l_view_judge(&v, T0 + cases[i].window, POLL, &offset), ==,
                                OBSERVATION_LOCKED);
                g_assert_cmpint(offset, ==, 5);
                g_assert_cmpint(ptp4l_view_judge(&v, T0 + cases[i].window + 1, POLL, &offset), ==,
                                OBSERVATION_UNLOCKED);
                g_assert_cmpint(offset, ==, OFFSET_NONE);
                /* A new one: fresh again. */
                t.ingress_time_ns++;
                ptp4l_view_time_status(&v, &t, T0 + cases[i].window + 1);
                g_assert_cmpint(ptp4l_view_judge(&v, T0 + cases[i].window + 1, POLL, &offset), ==,
                                OBSERVATION_LOCKED);
        }
}

/* A time before the last change (a timer dispatched late, in another order) is not stale. */
static void test_time_before_change(void) {
        Ptp4lView v;
        int64_t offset;

        view_locked(&v, T0);
        g_assert_cmpint(ptp4l_view_judge(&v, T0 - SEC(10), POLL, &offset), ==, OBSERVATION_LOCKED);
}

static void test_no_data(void) {
        Ptp4lView v = {};
        int64_t offset;

        /* Ports but no TIME_STATUS_NP yet. */
        g_assert_true(ptp4l_view_port(&v, &(PmcPortDataSet) { .port_identity = { .port_number = 1 },
                                                              .port_state = PMC_PORT_STATE_SLAVE }));
        g_assert_cmpint(ptp4l_view_judge(&v, T0, POLL, &offset), ==, OBSERVATION_UNLOCKED);
        g_assert_true(ptp4l_view_follows_master(&v));
        /* Reset forgets everything. */
        view_locked(&v, T0);
        ptp4l_view_reset(&v);
        g_assert_cmpuint(ptp4l_view_slave_port(&v), ==, 0);
        g_assert_cmpint(ptp4l_view_judge(&v, T0, POLL, &offset), ==, OBSERVATION_UNLOCKED);
        g_assert_false(ptp4l_view_follows_master(&v));
}

/* A boundary clock: any SLAVE port locks; port 0 (the UDS port) and ports past the table are ignored. */
static void test_ports(void) {
        PmcPortDataSet p;
        Ptp4lView v;
        int64_t offset;

        view_locked(&v, T0);
        p = port(1, PMC_PORT_STATE_MASTER, 0);
        ptp4l_view_port(&v, &p);
        p = port(3, PMC_PORT_STATE_SLAVE, -2);
        g_assert_true(ptp4l_view_port(&v, &p));
        g_assert_cmpuint(ptp4l_view_slave_port(&v), ==, 3);
        g_assert_cmpint(ptp4l_view_judge(&v, T0, POLL, &offset), ==, OBSERVATION_LOCKED);

        p = port(3, PMC_PORT_STATE_SLAVE, -2);
        g_assert_false(ptp4l_view_port(&v, &p)); /* no change */

        p = port(0, PMC_PORT_STATE_SLAVE, 0);
        g_assert_false(ptp4l_view_port(&v, &p));
        p = port(PTP4L_PORTS_MAX + 1, PMC_PORT_STATE_SLAVE, 0);
        g_assert_false(ptp4l_view_port(&v, &p));
        p = port(UINT16_MAX, PMC_PORT_STATE_SLAVE, 0);
        g_assert_false(ptp4l_view_port(&v, &p));

        p = port(3, PMC_PORT_STATE_LISTENING, -2);
        g_assert_true(ptp4l_view_port(&v, &p));
        g_assert_cmpuint(ptp4l_view_slave_port(&v), ==, 0);
        g_assert_cmpint(ptp4l_view_judge(&v, T0, POLL, &offset), ==, OBSERVATION_UNLOCKED);

        p = port(PTP4L_PORTS_MAX, PMC_PORT_STATE_SLAVE, -2);
        g_assert_true(ptp4l_view_port(&v, &p));
        g_assert_cmpint(ptp4l_view_judge(&v, T0, POLL, &offset), ==, OBSERVATION_LOCKED);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/ptp4l-state/locked", test_locked);
        g_test_add_func("/ptp4l-state/port-states", test_port_states);
        g_test_add_func("/ptp4l-state/master-lost-stale-data", test_master_lost_stale_data);
        g_test_add_func("/ptp4l-state/uncalibrated-offset", test_uncalibrated_offset);
        g_test_add_func("/ptp4l-state/freshness", test_freshness);
        g_test_add_func("/ptp4l-state/time-before-change", test_time_before_change);
        g_test_add_func("/ptp4l-state/no-data", test_no_data);
        g_test_add_func("/ptp4l-state/ports", test_ports);
        return g_test_run();
}
