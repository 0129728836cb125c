/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The gpsd client against a real gpsd (Debian's 3.22), fed synthetic NMEA through a pty:
 *
 *   gpsd -N -n -b -S PORT -F SOCK -P PIDFILE /dev/pts/N
 *
 * A feeder on the test's own sd-event loop writes one epoch every 200 ms to the pty's master
 * end, the sentences of the current phase (the minimal sets that make gpsd 3.22 say each mode):
 *
 *   3D      GGA quality 1 with altitude, GSA 3, RMC A            -> TPV mode 3
 *   2D      GGA quality 1 without altitude, GSA 2 (no RMC: it turns gpsd's mode to 3)  -> mode 2
 *   no fix  GGA quality 0, GSA 1, RMC V                          -> mode 1
 *   time    GGA quality 7, GSA 3, RMC A                          -> mode 3, status 7
 *   antenna $GPTXT,01,01,02,ANTSTATUS=OPEN*2B before a 3D epoch, then ANTSTATUS=OK
 *   silence nothing: gpsd sends no TPV at all
 *
 * Two clients watch the same gpsd, one compat (the default) and one with extended states, with a
 * staleness time of 1 s (5 epochs). Every wait has a deadline; the feeder's pacing is a timer.
 * gpsd runs as whoever runs the test: a pty it may open needs no privilege.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>

#include "harness.h"
#include "source/gpsd-client.h"
#include "common/log.h"
#include "common/util.h"

#define EPOCH_USEC (200 * USEC_PER_MSEC)
#define STALE_USEC USEC_PER_SEC

typedef enum Phase {
        PHASE_3D,
        PHASE_2D,
        PHASE_NOFIX,
        PHASE_TIME_ONLY,
        PHASE_ANTENNA_OPEN,
        PHASE_ANTENNA_OK,
        PHASE_SILENT,
} Phase;

typedef struct Watch {
        const char *name;
        GpsdClient *client;
        GString *log; /* every change, for a failure's message */
} Watch;

typedef struct Fixture {
        sd_event *event;
        char *dir;
        char *gpsd;
        int master, slave;
        char *pts;
        uint16_t port;
        pid_t pid;
        Phase phase;
        sd_event_source *feeder;
        Watch compat, extended;
} Fixture;

static void nmea(GString *out, const char *body) {
        uint8_t sum = 0;

        for (const char *p = body; *p; p++)
                sum ^= (uint8_t) *p;
        g_string_append_printf(out, "$%s*%02X\r\n", body, sum);
}

static void write_epoch(Fixture *f) {
        g_autoptr(GString) out = g_string_new(NULL);
        g_autofree char *gga = NULL, *rmc = NULL;
        char hms[48], dmy[48];
        struct timespec ts;
        struct tm tm;

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        snprintf(hms, sizeof(hms), "%02d%02d%02d.%02d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (int) (ts.tv_nsec / 10000000));
        /* NMEA's date has a two-digit year. */
        snprintf(dmy, sizeof(dmy), "%02d%02d%02d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year % 100);

        switch (f->phase) {
        case PHASE_ANTENNA_OPEN:
                nmea(out, "GPTXT,01,01,02,ANTSTATUS=OPEN");
                __attribute__((fallthrough));
        case PHASE_3D:
        case PHASE_ANTENNA_OK:
        case PHASE_TIME_ONLY:
                if (f->phase == PHASE_ANTENNA_OK)
                        nmea(out, "GPTXT,01,01,02,ANTSTATUS=OK");
                gga = g_strdup_printf("GPGGA,%s,4807.038,N,01131.000,E,%c,08,0.9,545.4,M,46.9,M,,", hms,
                                      f->phase == PHASE_TIME_ONLY ? '7' : '1');
                nmea(out, gga);
                nmea(out, "GPGSA,A,3,04,05,09,12,24,25,29,31,,,,,1.8,1.0,1.5");
                rmc = g_strdup_printf("GPRMC,%s,A,4807.038,N,01131.000,E,0.0,0.0,%s,,,A", hms, dmy);
                nmea(out, rmc);
                break;
        case PHASE_2D:
                gga = g_strdup_printf("GPGGA,%s,4807.038,N,01131.000,E,1,04,0.9,,M,,M,,", hms);
                nmea(out, gga);
                nmea(out, "GPGSA,A,2,04,05,09,12,,,,,,,,,1.8,1.0,1.5");
                break;
        case PHASE_NOFIX:
                gga = g_strdup_printf("GPGGA,%s,,,,,0,00,99.99,,,,,,", hms);
                nmea(out, gga);
                nmea(out, "GPGSA,A,1,,,,,,,,,,,,,99.99,99.99,99.99");
                rmc = g_strdup_printf("GPRMC,%s,V,,,,,,,%s,,,N", hms, dmy);
                nmea(out, rmc);
                break;
        case PHASE_SILENT:
                return;
        }
        /* While gpsd is down the pty's buffer fills: then the epoch is dropped, as a receiver's would be. */
        (void) write(f->master, out->str, out->len);
}

static int on_feed(sd_event_source *s, uint64_t usec, void *userdata) {
        write_epoch(userdata);
        return sd_event_source_set_time(s, usec + EPOCH_USEC);
}

static uint16_t free_port(void) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sa);
        _cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), ==, 0);
        g_assert_cmpint(getsockname(fd, (struct sockaddr *) &sa, &len), ==, 0);
        return ntohs(sa.sin_port);
}

static void gpsd_start(Fixture *f) {
        g_autofree char *port = g_strdup_printf("%u", f->port);
        g_autofree char *sock = g_build_filename(f->dir, "gpsd.sock", NULL);
        g_autofree char *pidfile = g_build_filename(f->dir, "gpsd.pid", NULL);
        g_autofree char *logfile = g_build_filename(f->dir, "gpsd.log", NULL);
        const char *argv[] = { f->gpsd, "-N", "-n", "-b", "-S", port, "-F", sock, "-P", pidfile, f->pts, NULL };
        g_autoptr(GError) error = NULL;
        GPid pid;

        /* What the dead gpsd left unread would be old epochs to the new one. */
        (void) tcflush(f->slave, TCIFLUSH);
        (void) g_unlink(sock);
        if (!g_spawn_async(NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                           G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, &error))
                g_error("Failed to start gpsd: %s", error->message);
        f->pid = pid;
}

static void gpsd_kill(Fixture *f) {
        int status;

        g_assert_cmpint(kill(f->pid, SIGKILL), ==, 0);
        g_assert_cmpint(waitpid(f->pid, &status, 0), ==, f->pid);
        f->pid = 0;
}

static void on_changed(GpsdClient *c _unused_, const GnssValue *v, void *userdata) {
        Watch *w = userdata;

        g_string_append_printf(w->log, " %s/%u", gnss_sync_status_to_string(v->status) ?: "?", v->gps_fix);
}

static const GpsdClientOps ops = { .changed = on_changed };

static void watch_start(Fixture *f, Watch *w, const char *name, bool extended) {
        g_autofree char *address = g_strdup_printf("127.0.0.1:%u", f->port);
        GpsdClientSettings s = {
                .address = address,
                .params = GNSS_PARAMS_DEFAULT,
                .poll_interval_usec = USEC_PER_SEC,
                .reconnect_min_usec = 100 * USEC_PER_MSEC,
                .reconnect_max_usec = 500 * USEC_PER_MSEC,
        };

        s.params.stale_usec = STALE_USEC;
        s.params.extended_states = extended;
        w->name = name;
        w->log = g_string_new(NULL);
        g_assert_cmpint(gpsd_client_new(&w->client, f->event, &s, &ops, w), ==, 0);
}

static uint64_t mono(void) {
        return now_usec(CLOCK_MONOTONIC);
}

/* Runs the loop until w's value is status, or the deadline; returns how long it took. */
static uint64_t wait_for(Fixture *f, Watch *w, GnssSyncStatus status, uint64_t timeout_usec) {
        uint64_t start = mono(), deadline = start + test_slow_usec(timeout_usec);

        while (gpsd_client_state(w->client)->value.status != status) {
                if (mono() >= deadline)
                        g_error("%s: not %s within %.1f s, but %s; changes:%s", w->name,
                                gnss_sync_status_to_string(status), (double) timeout_usec / USEC_PER_SEC,
                                gnss_sync_status_to_string(gpsd_client_state(w->client)->value.status),
                                w->log->str);
                g_assert_cmpint(sd_event_run(f->event, 100 * USEC_PER_MSEC), >=, 0);
        }
        return mono() - start;
}

static void assert_fix(Watch *w, unsigned fix) {
        g_assert_cmpuint(gpsd_client_state(w->client)->value.gps_fix, ==, fix);
}

static void report(const char *what, uint64_t usec) {
        g_test_message("%s: %.2f s", what, (double) usec / USEC_PER_SEC);
}

static void fixture_setup(Fixture *f) {
        struct termios t;

        *f = (Fixture) { .master = -1, .slave = -1 };
        f->gpsd = g_find_program_in_path("gpsd");
        if (!f->gpsd)
                f->gpsd = g_file_test("/usr/sbin/gpsd", G_FILE_TEST_IS_EXECUTABLE) ? g_strdup("/usr/sbin/gpsd") : NULL;
        if (!f->gpsd) {
                g_test_skip("gpsd is not installed (Debian package gpsd; tools/install-deps)");
                return;
        }
        f->dir = g_dir_make_tmp("test-gpsd-client-XXXXXX", NULL);
        g_assert_nonnull(f->dir);
        g_assert_cmpint(sd_event_new(&f->event), >=, 0);

        f->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        g_assert_cmpint(f->master, >=, 0);
        g_assert_cmpint(grantpt(f->master), ==, 0);
        g_assert_cmpint(unlockpt(f->master), ==, 0);
        f->pts = g_strdup(ptsname(f->master));
        /* Kept open by the test, so that the pty lives on while gpsd is down; raw: no echo back. */
        f->slave = open(f->pts, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        g_assert_cmpint(f->slave, >=, 0);
        g_assert_cmpint(tcgetattr(f->slave, &t), ==, 0);
        cfmakeraw(&t);
        g_assert_cmpint(tcsetattr(f->slave, TCSANOW, &t), ==, 0);

        f->port = free_port();
        f->phase = PHASE_3D;
        g_assert_cmpint(sd_event_add_time(f->event, &f->feeder, CLOCK_MONOTONIC, mono(), 0, on_feed, f), >=, 0);
        g_assert_cmpint(sd_event_source_set_enabled(f->feeder, SD_EVENT_ON), >=, 0);
}

static void watch_done(Watch *w) {
        w->client = gpsd_client_free(w->client);
        if (w->log)
                g_string_free(w->log, true);
}

static void fixture_teardown(Fixture *f) {
        watch_done(&f->compat);
        watch_done(&f->extended);
        if (f->pid > 0)
                gpsd_kill(f);
        f->feeder = sd_event_source_disable_unref(f->feeder);
        sd_event_unref(f->event);
        if (f->master >= 0)
                close(f->master);
        if (f->slave >= 0)
                close(f->slave);
        if (f->dir) {
                g_autofree char *sock = g_build_filename(f->dir, "gpsd.sock", NULL);
                g_autofree char *pidfile = g_build_filename(f->dir, "gpsd.pid", NULL);

                (void) g_unlink(sock);
                (void) g_unlink(pidfile);
                (void) g_rmdir(f->dir);
        }
        g_free(f->dir);
        g_free(f->pts);
        g_free(f->gpsd);
}

static void test_scenario(void) {
        Fixture f;
        uint64_t t, silent_since;

        fixture_setup(&f);
        if (!f.gpsd)
                return;
        gpsd_start(&f);
        watch_start(&f, &f.compat, "compat", false);
        watch_start(&f, &f.extended, "extended", true);

        /* Fix: SYNCHRONIZED after the enter debounce, gpsFix 3. */
        report("start to SYNCHRONIZED", wait_for(&f, &f.compat, GNSS_SYNC_SYNCHRONIZED, 15 * USEC_PER_SEC));
        wait_for(&f, &f.extended, GNSS_SYNC_SYNCHRONIZED, 5 * USEC_PER_SEC);
        assert_fix(&f.compat, 3);

        /* Fix lost (mode 1): FAILURE-NOFIX within gpsd's one skipped epoch and the debounce. */
        f.phase = PHASE_NOFIX;
        report("no fix to FAILURE-NOFIX", wait_for(&f, &f.compat, GNSS_SYNC_FAILURE_NOFIX, 5 * USEC_PER_SEC));
        assert_fix(&f.compat, 0);
        f.phase = PHASE_3D;
        report("fix back to SYNCHRONIZED", wait_for(&f, &f.compat, GNSS_SYNC_SYNCHRONIZED, 5 * USEC_PER_SEC));

        /* 3D -> 2D: ACQUIRING-SYNC, gpsFix 2. */
        f.phase = PHASE_2D;
        report("2D to ACQUIRING-SYNC", wait_for(&f, &f.compat, GNSS_SYNC_ACQUIRING_SYNC, 5 * USEC_PER_SEC));
        assert_fix(&f.compat, 2);

        /* Time-only (GGA quality 7): SYNCHRONIZED with gpsFix 5. */
        f.phase = PHASE_TIME_ONLY;
        wait_for(&f, &f.compat, GNSS_SYNC_SYNCHRONIZED, 5 * USEC_PER_SEC);
        assert_fix(&f.compat, 5);
        f.phase = PHASE_3D;

        /* Antenna open: ANTENNA-DISCONNECTED with extended states only, FAILURE-NOFIX in compat, the
         * fix still counted; ANTSTATUS=OK brings both back. */
        f.phase = PHASE_ANTENNA_OPEN;
        wait_for(&f, &f.extended, GNSS_SYNC_ANTENNA_DISCONNECTED, 5 * USEC_PER_SEC);
        wait_for(&f, &f.compat, GNSS_SYNC_FAILURE_NOFIX, 5 * USEC_PER_SEC);
        g_assert_cmpuint(gpsd_client_state(f.extended.client)->value.gps_fix, >=, 3);
        g_assert_null(strstr(f.compat.log->str, "ANTENNA"));
        f.phase = PHASE_ANTENNA_OK;
        wait_for(&f, &f.extended, GNSS_SYNC_SYNCHRONIZED, 5 * USEC_PER_SEC);
        wait_for(&f, &f.compat, GNSS_SYNC_SYNCHRONIZED, 5 * USEC_PER_SEC);
        f.phase = PHASE_3D;

        /* Silence: gpsd sends nothing (and POLL keeps the old fix); the staleness timer notices. */
        f.phase = PHASE_SILENT;
        silent_since = mono();
        t = wait_for(&f, &f.compat, GNSS_SYNC_FAILURE_NOFIX, 5 * USEC_PER_SEC);
        report("silence to FAILURE-NOFIX", t);
        /* Not before the staleness time (less the epoch that may have been under way). */
        g_assert_cmpuint(mono() - silent_since, >=, STALE_USEC - EPOCH_USEC);
        g_assert_true(gpsd_client_connected(f.compat.client));
        f.phase = PHASE_3D;
        wait_for(&f, &f.compat, GNSS_SYNC_SYNCHRONIZED, 5 * USEC_PER_SEC);

        /* gpsd killed: FAILURE-NOFIX at once (EOF); restarted: back after the reconnect. */
        gpsd_kill(&f);
        t = wait_for(&f, &f.compat, GNSS_SYNC_FAILURE_NOFIX, 2 * USEC_PER_SEC);
        report("gpsd killed to FAILURE-NOFIX", t);
        g_assert_cmpuint(t, <, test_slow_usec(STALE_USEC));
        wait_for(&f, &f.extended, GNSS_SYNC_FAILURE_NOFIX, 2 * USEC_PER_SEC);
        g_assert_false(gpsd_client_connected(f.compat.client));
        g_assert_cmpuint(gpsd_client_connections(f.compat.client), ==, 1);
        gpsd_start(&f);
        report("gpsd restarted to SYNCHRONIZED",
               wait_for(&f, &f.compat, GNSS_SYNC_SYNCHRONIZED, 15 * USEC_PER_SEC));
        wait_for(&f, &f.extended, GNSS_SYNC_SYNCHRONIZED, 5 * USEC_PER_SEC);
        g_assert_cmpuint(gpsd_client_connections(f.compat.client), ==, 2);
        /* Extended: BOOTING between the reconnect and the fix. */
        g_assert_nonnull(strstr(f.extended.log->str, "FAILURE-NOFIX/0 BOOTING/0"));
        g_test_message("compat changes:%s", f.compat.log->str);
        g_test_message("extended changes:%s", f.extended.log->str);

        fixture_teardown(&f);
}

/* Nothing listens: FAILURE-NOFIX, and the client keeps trying. */
static void test_refused(void) {
        Fixture f;

        fixture_setup(&f);
        if (!f.gpsd)
                return;
        watch_start(&f, &f.compat, "compat", false);
        wait_for(&f, &f.compat, GNSS_SYNC_FAILURE_NOFIX, 2 * USEC_PER_SEC);
        g_assert_cmpuint(gpsd_client_connections(f.compat.client), ==, 0);
        /* It comes up later: the backoff (0.1 s doubling to 0.5 s) finds it. */
        gpsd_start(&f);
        wait_for(&f, &f.compat, GNSS_SYNC_SYNCHRONIZED, 15 * USEC_PER_SEC);
        fixture_teardown(&f);
}

int main(int argc, char *argv[]) {
        log_setup("test-gpsd-client", NULL);
        g_test_init(&argc, &argv, NULL);
        signal(SIGPIPE, SIG_IGN);
        g_test_add_func("/gpsd-client/refused", test_refused);
        g_test_add_func("/gpsd-client/scenario", test_scenario);
        return g_test_run();
}
