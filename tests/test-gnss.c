/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's GNSS source ([GNSS] Gpsd=) on TestEnv, against a real gpsd fed NMEA through a pty
 * (tests/gpsd-feeder.h): gnss-sync-status events for the clock of [GNSS] Interface=, with the
 * simulated source and with the linuxptp one (whose GNSS resource exists only with [GNSS] Gpsd=).
 * Every wait has a deadline.
 */

#include <errno.h>
#include <glib.h>

#include "common/bus-names.h"
#include "gpsd-feeder.h"
#include "source/ubx-frame.h"
#include "test-env.h"
#include "common/util.h"

#define EVENT_MATCH "type='signal',sender='org.ptpsync1',interface='org.ptpsync1.Manager',member='Event'"
#define GNSS "sync/gnss-status/gnss-sync-status"
#define WAIT_USEC (15 * G_USEC_PER_SEC)

static void wait_gnss(TestEnv *env, const char *state) {
        g_autofree char *wanted = g_strdup_printf("ens2fx/master|notification|enumeration|%s", state);
        gint64 start = g_get_monotonic_time();

        if (!test_env_wait_event(env, GNSS, wanted, test_slow_usec(WAIT_USEC)))
                g_error("No %s event with value %s within %d s", GNSS, wanted, (int) (WAIT_USEC / G_USEC_PER_SEC));
        g_test_message("%s after %.2f s", state, (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC);
}

/* Waits for an event that says state with gpsFix gps_fix (a change of the gpsFix alone is one too). */
static void wait_gnss_fix(TestEnv *env, const char *state, unsigned gps_fix) {
        g_autofree char *fix = g_strdup_printf("ens2fx/master/gpsFix|metric|decimal64.3|%u", gps_fix);
        g_autofree char *wanted = g_strdup_printf("ens2fx/master|notification|enumeration|%s", state);
        gint64 start = g_get_monotonic_time(), deadline = start + (gint64) test_slow_usec(WAIT_USEC);

        while (test_env_wait_event(env, GNSS, fix, (uint64_t) MAX(deadline - g_get_monotonic_time(), 0))) {
                sd_bus_message *m = env->events->messages->pdata[env->seen - 1];
                g_autoptr(TestEvent) e = NULL;

                g_assert_cmpint(sd_bus_message_rewind(m, true), >=, 0);
                e = test_event_read(m);
                for (guint i = 0; i < e->values->len; i++)
                        if (streq(e->values->pdata[i], wanted)) {
                                g_test_message("%s gpsFix %u after %.2f s", state, gps_fix,
                                               (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC);
                                return;
                        }
        }
        g_error("No %s event with %s and %s within %d s", GNSS, wanted, fix, (int) (WAIT_USEC / G_USEC_PER_SEC));
}

/* Whether the event the last wait consumed has a value that starts with prefix. */
static bool last_event_has(TestEnv *env, const char *prefix) {
        sd_bus_message *m = env->events->messages->pdata[env->seen - 1];
        g_autoptr(TestEvent) e = NULL;

        g_assert_cmpint(sd_bus_message_rewind(m, true), >=, 0);
        e = test_event_read(m);
        for (guint i = 0; i < e->values->len; i++)
                if (g_str_has_prefix(e->values->pdata[i], prefix))
                        return true;
        return false;
}

static char *gnss_config(GpsdFeeder *feeder, const char *more) {
        return g_strdup_printf("[GNSS]\nGpsd=127.0.0.1:%u\nInterface=ens2f0\nStaleSec=1\n%s", gpsd_feeder_port(feeder),
                               more);
}

/* The simulated source: compat states; fix, loss, gpsd killed and restarted. */
static void test_sim(void) {
        GpsdFeeder *feeder = gpsd_feeder_new();
        g_autofree char *config = NULL, *warning = NULL, *notice = NULL;
        sd_bus_error bus_error = SD_BUS_ERROR_NULL;
        g_autoptr(GError) error = NULL;
        TestEnv *env;

        if (!feeder)
                return;
        gpsd_feeder_start_gpsd(feeder);
        config = gnss_config(feeder, "");
        env = test_env_start(&(const TestEnvOptions) { .config_text = config, .events_match = EVENT_MATCH,
                                                       .log = true });
        wait_gnss_fix(env, "SYNCHRONIZED", 3);
        /* From NMEA there is no measurement: no offset, rather than a made-up 0. */
        g_assert_false(last_event_has(env, "ens2fx/master|metric|"));
        gpsd_feeder_set_phase(feeder, GPSD_PHASE_NOFIX);
        wait_gnss_fix(env, "FAILURE-NOFIX", 0);
        gpsd_feeder_set_phase(feeder, GPSD_PHASE_3D);
        wait_gnss(env, "SYNCHRONIZED");
        gpsd_feeder_set_phase(feeder, GPSD_PHASE_2D);
        wait_gnss_fix(env, "ACQUIRING-SYNC", 2);
        gpsd_feeder_set_phase(feeder, GPSD_PHASE_3D);
        wait_gnss(env, "SYNCHRONIZED");
        gpsd_feeder_kill_gpsd(feeder);
        wait_gnss(env, "FAILURE-NOFIX");
        /* The retry, 0.5 s later, is refused: a warning that names the address and the error. */
        warning = g_strdup_printf("gpsd 127.0.0.1:%u: cannot connect: %s (retrying in", gpsd_feeder_port(feeder),
                                  g_strerror(ECONNREFUSED));
        g_assert_true(test_env_log_has(env, warning, 1, test_slow_usec(WAIT_USEC)));
        gpsd_feeder_start_gpsd(feeder);
        wait_gnss(env, "SYNCHRONIZED");
        g_assert_true(test_env_log_has(env, "Watching the GNSS receiver of ens2f0 through gpsd at 127.0.0.1:", 1,
                                       test_slow_usec(WAIT_USEC)));

        /* A reload leaves [GNSS] as it was until a restart, and says so. */
        g_file_set_contents(env->config_path, "[GNSS]\nGpsd=127.0.0.1:1\nInterface=ens2f0\nExtendedStates=yes\n",
                            -1, &error);
        g_assert_no_error(error);
        if (sd_bus_call_method(env->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "Reload", &bus_error,
                               NULL, NULL) < 0)
                g_error("Reload failed: %s: %s", bus_error.name, bus_error.message);
        notice = g_strdup_printf("Gpsd=127.0.0.1:1 in the configuration takes effect at the next restart; until "
                                 "then 127.0.0.1:%u.", gpsd_feeder_port(feeder));
        g_assert_true(test_env_log_has(env, notice, 1, test_slow_usec(WAIT_USEC)));
        g_assert_true(test_env_log_has(env, "[GNSS] StaleSec=, MinMode=, LossDebounce=, EnterDebounce=, "
                                       "ExtendedStates=, Ubx= and TaccMaxNs= take effect at the next restart.", 1,
                                       test_slow_usec(WAIT_USEC)));
        /* Still the compat states, from the same gpsd. */
        gpsd_feeder_set_phase(feeder, GPSD_PHASE_ANTENNA_OPEN);
        wait_gnss(env, "FAILURE-NOFIX");
        test_env_stop(env);
        gpsd_feeder_free(feeder);
}

/* The linuxptp source (its ptp4l unreachable), extended states: the antenna, and a silent receiver. */
static void test_linuxptp(void) {
        GpsdFeeder *feeder = gpsd_feeder_new();
        g_autofree char *config = NULL;
        TestEnv *env;

        if (!feeder)
                return;
        gpsd_feeder_start_gpsd(feeder);
        config = gnss_config(feeder, "ExtendedStates=yes\n[ptp4l nowhere]\nSocket=@BUS_DIR@/nowhere.sock\n");
        env = test_env_start(&(const TestEnvOptions) {
                .config_text = config,
                .daemon_args = (const char *const[]) { "--source=linuxptp", "--runtime-dir=@BUS_DIR@/run", NULL },
                .events_match = EVENT_MATCH,
                .log = true,
        });
        wait_gnss(env, "SYNCHRONIZED");
        gpsd_feeder_set_phase(feeder, GPSD_PHASE_ANTENNA_OPEN);
        wait_gnss(env, "ANTENNA-DISCONNECTED");
        gpsd_feeder_set_phase(feeder, GPSD_PHASE_ANTENNA_OK);
        wait_gnss(env, "SYNCHRONIZED");
        gpsd_feeder_set_phase(feeder, GPSD_PHASE_SILENT);
        wait_gnss(env, "FAILURE-NOFIX");
        gpsd_feeder_set_phase(feeder, GPSD_PHASE_3D);
        wait_gnss(env, "SYNCHRONIZED");
        test_env_stop(env);
        gpsd_feeder_free(feeder);
}

/* T3: [GNSS] Ubx=yes, a u-blox receiver's frames through gpsd's raw stream. */
static void test_ubx(void) {
        GpsdFeeder *feeder = gpsd_feeder_new();
        g_autofree char *config = NULL;
        TestEnv *env;

        if (!feeder)
                return;
        gpsd_feeder_set_ubx(feeder, 5, 15, 2);
        gpsd_feeder_start_gpsd(feeder);
        config = gnss_config(feeder, "ExtendedStates=yes\nUbx=yes\nTaccMaxNs=100\n");
        env = test_env_start(&(const TestEnvOptions) { .config_text = config, .events_match = EVENT_MATCH,
                                                       .log = true });
        /* Time-only, 15 ns: the gpsFix is NAV-STATUS's 5. */
        wait_gnss_fix(env, "SYNCHRONIZED", 5);
        /* The offset is the receiver's tAcc, as cloud-event-proxy publishes it. */
        g_assert_true(last_event_has(env, "ens2fx/master|metric|decimal64.3|15"));
        g_assert_true(test_env_log_has(env, "the receiver's UBX frames are read (UBX-", 1, test_slow_usec(WAIT_USEC)));
        /* No time solution: acquiring, though gpsd still says mode 3. */
        gpsd_feeder_set_ubx(feeder, 5, UBX_TACC_UNKNOWN, 2);
        wait_gnss_fix(env, "ACQUIRING-SYNC", 5);
        /* Above TaccMaxNs: still. Then the antenna, open and shorted, from MON-HW. */
        gpsd_feeder_set_ubx(feeder, 3, 101, 2);
        wait_gnss_fix(env, "ACQUIRING-SYNC", 3);
        gpsd_feeder_set_ubx(feeder, 3, 20, 2);
        wait_gnss_fix(env, "SYNCHRONIZED", 3);
        gpsd_feeder_set_ubx(feeder, 3, 20, 4);
        wait_gnss(env, "ANTENNA-DISCONNECTED");
        gpsd_feeder_set_ubx(feeder, 3, 20, 3);
        wait_gnss(env, "ANTENNA-SHORT-CIRCUIT");
        gpsd_feeder_set_ubx(feeder, 3, 20, 2);
        wait_gnss(env, "SYNCHRONIZED");
        /* No fix. */
        gpsd_feeder_set_ubx(feeder, 0, UBX_TACC_UNKNOWN, 2);
        wait_gnss_fix(env, "FAILURE-NOFIX", 0);
        g_assert_false(last_event_has(env, "ens2fx/master|metric|"));
        /* Every frame gpsd relayed was whole and understood; every line too. */
        g_assert_cmpuint(test_file_count(env->log_path, "skipped a"), ==, 0);
        test_env_stop(env);
        gpsd_feeder_free(feeder);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/gnss/sim", test_sim);
        g_test_add_func("/gnss/linuxptp", test_linuxptp);
        g_test_add_func("/gnss/ubx", test_ubx);
        return g_test_run();
}
