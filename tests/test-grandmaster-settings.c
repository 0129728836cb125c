/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the class writer announces in each state (source/grandmaster-settings.h), and when ptp4l announces it. */

#include <glib.h>

#include "model/tgm-state.h"
#include "source/grandmaster-settings.h"

/* A PHC in TAI with a valid UTC offset and a leap second pending: kept whatever the state. */
static const PmcTimePropertiesDataSet ptp4l_own = {
        .current_utc_offset = 37, .current_utc_offset_valid = true, .ptp_timescale = true, .leap61 = true,
        .time_source = 0x60,
};

static void assert_ptp4l_own_kept(const PmcGrandmasterSettings *s) {
        g_assert_cmpint(s->time_properties.current_utc_offset, ==, 37);
        g_assert_true(s->time_properties.current_utc_offset_valid);
        g_assert_true(s->time_properties.ptp_timescale);
        g_assert_true(s->time_properties.leap61);
        g_assert_false(s->time_properties.leap59);
}

static void test_states(void) {
        PmcGrandmasterSettings locked = grandmaster_settings_for(SYNC_STATE_LOCKED, OFFSET_NONE, &ptp4l_own);
        PmcGrandmasterSettings holdover = grandmaster_settings_for(SYNC_STATE_HOLDOVER, 300, &ptp4l_own);
        PmcGrandmasterSettings freerun = grandmaster_settings_for(SYNC_STATE_FREERUN, OFFSET_NONE, &ptp4l_own);
        PmcGrandmasterSettings none = grandmaster_settings_for(SYNC_STATE_NONE, OFFSET_NONE, &ptp4l_own);

        g_assert_cmpuint(locked.clock_quality.clock_class, ==, 6);
        g_assert_cmpuint(locked.clock_quality.clock_accuracy, ==, 0x21);
        g_assert_cmpuint(locked.clock_quality.offset_scaled_log_variance, ==, 0x4e5d);
        g_assert_true(locked.time_properties.time_traceable);
        g_assert_true(locked.time_properties.frequency_traceable);
        g_assert_cmpuint(locked.time_properties.time_source, ==, 0x20);
        assert_ptp4l_own_kept(&locked);

        /* 300 ns of estimated drift: within 1 µs (0x23). Frequency no longer traceable: no SyncE. */
        g_assert_cmpuint(holdover.clock_quality.clock_class, ==, 7);
        g_assert_cmpuint(holdover.clock_quality.clock_accuracy, ==, 0x23);
        g_assert_cmpuint(holdover.clock_quality.offset_scaled_log_variance, ==, 0xffff);
        g_assert_true(holdover.time_properties.time_traceable);
        g_assert_false(holdover.time_properties.frequency_traceable);
        g_assert_cmpuint(holdover.time_properties.time_source, ==, 0xa0);
        assert_ptp4l_own_kept(&holdover);
        /* No estimate: accuracy unknown. */
        g_assert_cmpuint(grandmaster_settings_for(SYNC_STATE_HOLDOVER, OFFSET_NONE, &ptp4l_own)
                                 .clock_quality.clock_accuracy, ==, 0xfe);

        g_assert_cmpuint(freerun.clock_quality.clock_class, ==, 248);
        g_assert_cmpuint(freerun.clock_quality.clock_accuracy, ==, 0xfe);
        g_assert_cmpuint(freerun.clock_quality.offset_scaled_log_variance, ==, 0xffff);
        g_assert_false(freerun.time_properties.time_traceable);
        g_assert_false(freerun.time_properties.frequency_traceable);
        g_assert_cmpuint(freerun.time_properties.time_source, ==, 0xa0);
        assert_ptp4l_own_kept(&freerun);
        /* No data yet announces what FREERUN does. */
        g_assert_cmpmem(&none, sizeof(none), &freerun, sizeof(freerun));
}

static void test_accuracy(void) {
        static const struct {
                int64_t ns;
                uint8_t accuracy;
        } cases[] = {
                { 0, 0x20 },           { 25, 0x20 },          { 26, 0x21 },         { 100, 0x21 },
                { 101, 0x22 },         { 250, 0x22 },         { 1000, 0x23 },       { 1001, 0x24 },
                { 2500, 0x24 },        { 10000, 0x25 },       { 1500, 0x24 },       { -1500, 0x24 },
                { 999999999, 0x2f },   { 1000000000, 0x2f },  { 1000000001, 0x30 }, { 10000000000, 0x30 },
                { 10000000001, 0x31 }, { INT64_MAX, 0x31 },   { INT64_MIN, 0x31 },  { -25, 0x20 },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
                if (grandmaster_accuracy_for(cases[i].ns) != cases[i].accuracy)
                        g_error("%" G_GINT64_FORMAT " ns: accuracy 0x%02x, not 0x%02x", cases[i].ns,
                                grandmaster_accuracy_for(cases[i].ns), cases[i].accuracy);
}

/* What ptp4l announces matches only when every field the writer sets does; the rest is ptp4l's. */
static void test_announced(void) {
        PmcGrandmasterSettings want = grandmaster_settings_for(SYNC_STATE_LOCKED, OFFSET_NONE, &ptp4l_own);
        PmcClockQuality q = want.clock_quality;
        PmcTimePropertiesDataSet t = want.time_properties;

        g_assert_true(grandmaster_settings_announced(&want, &q, &t));
        t.current_utc_offset = 36;
        t.leap61 = false;
        g_assert_true(grandmaster_settings_announced(&want, &q, &t));

        q.clock_class = 7;
        g_assert_false(grandmaster_settings_announced(&want, &q, &t));
        q = want.clock_quality;
        q.clock_accuracy = 0x22;
        g_assert_false(grandmaster_settings_announced(&want, &q, &t));
        q = want.clock_quality;
        q.offset_scaled_log_variance = 0xffff;
        g_assert_false(grandmaster_settings_announced(&want, &q, &t));
        q = want.clock_quality;
        t.time_traceable = false;
        g_assert_false(grandmaster_settings_announced(&want, &q, &t));
        t = want.time_properties;
        t.frequency_traceable = false;
        g_assert_false(grandmaster_settings_announced(&want, &q, &t));
        t = want.time_properties;
        t.time_source = 0xa0;
        g_assert_false(grandmaster_settings_announced(&want, &q, &t));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/grandmaster-settings/states", test_states);
        g_test_add_func("/grandmaster-settings/accuracy", test_accuracy);
        g_test_add_func("/grandmaster-settings/announced", test_announced);
        return g_test_run();
}
