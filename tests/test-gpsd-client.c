/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The gpsd client against a real gpsd fed synthetic NMEA through a pty (tests/gpsd-feeder.h: one
 * epoch every 200 ms, its sentences set by the phase). Two clients watch the same gpsd, one compat
 * (the default) and one with extended states, with a staleness time of 1 s (5 epochs). Every wait
 * has a deadline; the feeder's pacing is its own thread's.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include "gpsd-feeder.h"
#include "harness.h"
#include "source/gpsd-client.h"
#include "ubx-writer.h"
#include "common/log.h"
#include "common/util.h"

#define EPOCH_USEC GPSD_FEEDER_EPOCH_USEC
#define STALE_USEC USEC_PER_SEC

typedef struct Watch {
        const char *name;
        GpsdClient *client;
        GString *log; /* every change, for a failure's message */
} Watch;

typedef struct Fixture {
        sd_event *event;
        GpsdFeeder *feeder;
        Watch compat, extended;
} Fixture;

static void on_changed(GpsdClient *c _unused_, const GnssValue *v, void *userdata) {
        Watch *w = userdata;

        g_string_append_printf(w->log, " %s/%u", gnss_sync_status_to_string(v->status) ?: "?", v->gps_fix);
}

static const GpsdClientOps ops = { .changed = on_changed };

static void watch_start(Fixture *f, Watch *w, const char *name, bool extended) {
        g_autofree char *address = g_strdup_printf("127.0.0.1:%u", gpsd_feeder_port(f->feeder));
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

/* Runs the loop until w's client has its connection established. */
static void wait_connected(Fixture *f, Watch *w) {
        uint64_t deadline = mono() + test_slow_usec(5 * USEC_PER_SEC);

        while (!gpsd_client_connected(w->client)) {
                g_assert_cmpuint(mono(), <, deadline);
                g_assert_cmpint(sd_event_run(f->event, 10 * USEC_PER_MSEC), >=, 0);
        }
}

static void assert_fix(Watch *w, unsigned fix) {
        g_assert_cmpuint(gpsd_client_state(w->client)->value.gps_fix, ==, fix);
}

static void report(const char *what, uint64_t usec) {
        g_test_message("%s: %.2f s", what, (double) usec / USEC_PER_SEC);
}

static bool fixture_setup(Fixture *f) {
        *f = (Fixture) {};
        f->feeder = gpsd_feeder_new();
        if (!f->feeder)
                return false;
        g_assert_cmpint(sd_event_new(&f->event), >=, 0);
        return true;
}

static void watch_done(Watch *w) {
        w->client = gpsd_client_free(w->client);
        if (w->log)
                g_string_free(w->log, true);
}

static void fixture_teardown(Fixture *f) {
        watch_done(&f->compat);
        watch_done(&f->extended);
        gpsd_feeder_free(f->feeder);
        sd_event_unref(f->event);
}

static void test_scenario(void) {
        Fixture f;
        uint64_t t, silent_since;

        if (!fixture_setup(&f))
                return;
        gpsd_feeder_start_gpsd(f.feeder);
        watch_start(&f, &f.compat, "compat", false);
        watch_start(&f, &f.extended, "extended", true);

        /* Fix: SYNCHRONIZED after the enter debounce, gpsFix 3. */
        report("start to SYNCHRONIZED", wait_for(&f, &f.compat, GNSS_SYNC_SYNCHRONIZED, 15 * USEC_PER_SEC));
        wait_for(&f, &f.extended, GNSS_SYNC_SYNCHRONIZED, 5 * USEC_PER_SEC);
        assert_fix(&f.compat, 3);

        /* Fix lost (mode 1): FAILURE-NOFIX within gpsd's one skipped epoch and the debounce. */
        gpsd_feeder_set_phase(f.feeder, GPSD_PHASE_NOFIX);
        report("no fix to FAILURE-NOFIX", wait_for(&f, &f.compat, GNSS_SYNC_FAILURE_NOFIX, 5 * USEC_PER_SEC));
        assert_fix(&f.compat, 0);
        gpsd_feeder_set_phase(f.feeder, GPSD_PHASE_3D);
        report("fix back to SYNCHRONIZED", wait_for(&f, &f.compat, GNSS_SYNC_SYNCHRONIZED, 5 * USEC_PER_SEC));

        /* 3D -> 2D: ACQUIRING-SYNC, gpsFix 2. */
        gpsd_feeder_set_phase(f.feeder, GPSD_PHASE_2D);
        report("2D to ACQUIRING-SYNC", wait_for(&f, &f.compat, GNSS_SYNC_ACQUIRING_SYNC, 5 * USEC_PER_SEC));
        assert_fix(&f.compat, 2);

        /* Time-only (GGA quality 7): SYNCHRONIZED with gpsFix 5. */
        gpsd_feeder_set_phase(f.feeder, GPSD_PHASE_TIME_ONLY);
        wait_for(&f, &f.compat, GNSS_SYNC_SYNCHRONIZED, 5 * USEC_PER_SEC);
        assert_fix(&f.compat, 5);
        gpsd_feeder_set_phase(f.feeder, GPSD_PHASE_3D);

        /* Antenna open: ANTENNA-DISCONNECTED with extended states only, FAILURE-NOFIX in compat, the
         * fix still counted; ANTSTATUS=OK brings both back. */
        gpsd_feeder_set_phase(f.feeder, GPSD_PHASE_ANTENNA_OPEN);
        wait_for(&f, &f.extended, GNSS_SYNC_ANTENNA_DISCONNECTED, 5 * USEC_PER_SEC);
        wait_for(&f, &f.compat, GNSS_SYNC_FAILURE_NOFIX, 5 * USEC_PER_SEC);
        g_assert_cmpuint(gpsd_client_state(f.extended.client)->value.gps_fix, >=, 3);
        g_assert_null(strstr(f.compat.log->str, "ANTENNA"));
        gpsd_feeder_set_phase(f.feeder, GPSD_PHASE_ANTENNA_OK);
        wait_for(&f, &f.extended, GNSS_SYNC_SYNCHRONIZED, 5 * USEC_PER_SEC);
        wait_for(&f, &f.compat, GNSS_SYNC_SYNCHRONIZED, 5 * USEC_PER_SEC);
        gpsd_feeder_set_phase(f.feeder, GPSD_PHASE_3D);

        /* Silence: gpsd sends nothing (and POLL keeps the old fix); the staleness timer notices. */
        gpsd_feeder_set_phase(f.feeder, GPSD_PHASE_SILENT);
        silent_since = mono();
        t = wait_for(&f, &f.compat, GNSS_SYNC_FAILURE_NOFIX, 5 * USEC_PER_SEC);
        report("silence to FAILURE-NOFIX", t);
        /* Not before the staleness time (less the epoch that may have been under way). */
        g_assert_cmpuint(mono() - silent_since, >=, STALE_USEC - EPOCH_USEC);
        g_assert_true(gpsd_client_connected(f.compat.client));
        gpsd_feeder_set_phase(f.feeder, GPSD_PHASE_3D);
        wait_for(&f, &f.compat, GNSS_SYNC_SYNCHRONIZED, 5 * USEC_PER_SEC);

        /* gpsd killed: FAILURE-NOFIX at once (EOF); restarted: back after the reconnect. */
        gpsd_feeder_kill_gpsd(f.feeder);
        t = wait_for(&f, &f.compat, GNSS_SYNC_FAILURE_NOFIX, 2 * USEC_PER_SEC);
        report("gpsd killed to FAILURE-NOFIX", t);
        g_assert_cmpuint(t, <, test_slow_usec(STALE_USEC));
        wait_for(&f, &f.extended, GNSS_SYNC_FAILURE_NOFIX, 2 * USEC_PER_SEC);
        g_assert_false(gpsd_client_connected(f.compat.client));
        g_assert_cmpuint(gpsd_client_connections(f.compat.client), ==, 1);
        gpsd_feeder_start_gpsd(f.feeder);
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

/* ---- a gpsd of the test's own, that says what gpsd never would ------------------------------ */

typedef struct FakeGpsd {
        int listener, conn;
        uint16_t port;
} FakeGpsd;

static void fake_listen(FakeGpsd *g) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sa);

        g->conn = -1;
        g->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        g_assert_cmpint(g->listener, >=, 0);
        g_assert_cmpint(bind(g->listener, (struct sockaddr *) &sa, sizeof(sa)), ==, 0);
        g_assert_cmpint(listen(g->listener, 4), ==, 0);
        g_assert_cmpint(getsockname(g->listener, (struct sockaddr *) &sa, &len), ==, 0);
        g->port = ntohs(sa.sin_port);
}

/* Runs the client's loop until it has connected to us. */
static void fake_accept(Fixture *f, FakeGpsd *g) {
        uint64_t deadline = mono() + test_slow_usec(5 * USEC_PER_SEC);

        if (g->conn >= 0)
                close(g->conn);
        while ((g->conn = accept4(g->listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) < 0) {
                g_assert_cmpint(errno, ==, EAGAIN);
                g_assert_cmpuint(mono(), <, deadline);
                g_assert_cmpint(sd_event_run(f->event, 10 * USEC_PER_MSEC), >=, 0);
        }
}

/* Writes it all, running the client's loop while the socket is full (the client reads on our thread). */
static void fake_send(Fixture *f, FakeGpsd *g, const char *data, size_t n) {
        uint64_t deadline = mono() + test_slow_usec(5 * USEC_PER_SEC);

        while (n > 0) {
                ssize_t k = send(g->conn, data, n, MSG_DONTWAIT | MSG_NOSIGNAL);

                if (k < 0) {
                        g_assert_cmpint(errno, ==, EAGAIN);
                        k = 0;
                }
                data += k, n -= (size_t) k;
                g_assert_cmpuint(mono(), <, deadline);
                g_assert_cmpint(sd_event_run(f->event, 10 * USEC_PER_MSEC), >=, 0);
        }
}

static void fake_send_str(Fixture *f, FakeGpsd *g, const char *s) {
        fake_send(f, g, s, strlen(s));
}

static void fake_epoch(Fixture *f, FakeGpsd *g, unsigned second) {
        g_autofree char *tpv = g_strdup_printf(
                "{\"class\":\"TPV\",\"device\":\"/dev/pts/0\",\"mode\":3,\"time\":\"2026-12-03T12:00:%02u.000Z\"}\r\n",
                second);

        fake_send_str(f, g, tpv);
}

/*
 * Lines that do not decode are skipped, the connection and the value kept; a line longer than
 * 64 KiB ends the connection (FAILURE-NOFIX), and the client comes back.
 */
static void test_hostile(void) {
        static const char *const garbage[] = {
                "{\"class\":\"TPV\",\"mode\":7}\r\n",
                "{not json\r\n",
                "\xff\xfe\r\n",
                "$GPTXT,01,01,02,ANTSTATUS=OPEN*00\r\n",
                "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\r\n",
                "{\"class\":\"POLL\",\"active\":\"many\"}\r\n",
                "{\"class\":\"ERROR\",\"message\":\"Unrecognized request '?WATCH'\"}\r\n",
                "\r\n",
        };
        g_autofree char *address = NULL, *huge = g_malloc(70000);
        Fixture f = {};
        FakeGpsd g;
        unsigned second = 0;

        g_assert_cmpint(sd_event_new(&f.event), >=, 0);
        fake_listen(&g);
        address = g_strdup_printf("127.0.0.1:%u", g.port);
        f.compat.name = "compat";
        f.compat.log = g_string_new(NULL);
        g_assert_cmpint(gpsd_client_new(&f.compat.client, f.event,
                                        &(const GpsdClientSettings) {
                                                .address = address,
                                                .params = GNSS_PARAMS_DEFAULT,
                                                .reconnect_min_usec = 100 * USEC_PER_MSEC,
                                        },
                                        &ops, &f.compat),
                        ==, 0);
        fake_accept(&f, &g);
        fake_send_str(&f, &g, "{\"class\":\"VERSION\",\"release\":\"3.22\",\"rev\":\"3.22\",\"proto_major\":3,"
                              "\"proto_minor\":14}\r\n");
        fake_epoch(&f, &g, second++);
        fake_epoch(&f, &g, second++);
        wait_for(&f, &f.compat, GNSS_SYNC_SYNCHRONIZED, 2 * USEC_PER_SEC);

        /* Each is refused, and nothing else happens: the value, the connection and the epochs stand. */
        for (size_t i = 0; i < G_N_ELEMENTS(garbage); i++)
                fake_send_str(&f, &g, garbage[i]);
        fake_send(&f, &g, "{\"class\":\"TPV\",\0\"mode\":1}\r\n", 27);
        fake_epoch(&f, &g, second++);
        for (int i = 0; i < 20; i++)
                g_assert_cmpint(sd_event_run(f.event, 0), >=, 0);
        g_assert_true(gpsd_client_connected(f.compat.client));
        assert_fix(&f.compat, 3);
        g_assert_cmpint(gpsd_client_state(f.compat.client)->value.status, ==, GNSS_SYNC_SYNCHRONIZED);
        g_assert_cmpint(gpsd_client_state(f.compat.client)->antenna, ==, GNSS_ANTENNA_UNKNOWN);

        /* 70000 bytes and no line end: the connection goes, at once FAILURE-NOFIX. */
        memset(huge, 'x', 70000);
        huge[0] = '{';
        fake_send(&f, &g, huge, 70000);
        wait_for(&f, &f.compat, GNSS_SYNC_FAILURE_NOFIX, 2 * USEC_PER_SEC);
        g_assert_false(gpsd_client_connected(f.compat.client));

        /* It comes back, and the fix with it. */
        fake_accept(&f, &g);
        wait_connected(&f, &f.compat);
        g_assert_cmpuint(gpsd_client_connections(f.compat.client), ==, 2);
        fake_epoch(&f, &g, second++);
        fake_epoch(&f, &g, second++);
        wait_for(&f, &f.compat, GNSS_SYNC_SYNCHRONIZED, 2 * USEC_PER_SEC);

        close(g.conn);
        close(g.listener);
        watch_done(&f.compat);
        sd_event_unref(f.event);
}

/* Runs the client's loop until its ?WATCH has come; returns it. */
static char *fake_watch(Fixture *f, FakeGpsd *g) {
        uint64_t deadline = mono() + test_slow_usec(5 * USEC_PER_SEC);
        GString *in = g_string_new(NULL);
        char buf[256];

        while (!strchr(in->str, '\n')) {
                ssize_t k = recv(g->conn, buf, sizeof(buf), MSG_DONTWAIT);

                if (k > 0)
                        g_string_append_len(in, buf, k);
                else
                        g_assert_cmpint(errno, ==, EAGAIN);
                g_assert_cmpuint(mono(), <, deadline);
                g_assert_cmpint(sd_event_run(f->event, 10 * USEC_PER_MSEC), >=, 0);
        }
        return g_string_free(in, false);
}

static void fake_send_bytes(Fixture *f, FakeGpsd *g, GByteArray *b) {
        fake_send(f, g, (const char *) b->data, b->len);
        g_byte_array_set_size(b, 0);
}

/* Runs the loop until the client has read all we sent (nothing more comes for a while). */
static void settle(Fixture *f) {
        for (int i = 0; i < 20; i++)
                g_assert_cmpint(sd_event_run(f->event, 0), >=, 0);
}

/*
 * Ubx on, against our own gpsd: the ?WATCH asks for "raw":2; UBX frames between the lines, one
 * with '\n' and '{' in its payload, one cut into single bytes, are read; those that do not decode
 * are skipped; the gpsFix and tAcc decide, MON-HW's aStatus too.
 */
static void test_ubx(void) {
        static const uint8_t lines_inside[] = "\n{\"class\":\"TPV\",\"mode\":1}\r\n";
        g_autoptr(GByteArray) b = g_byte_array_new();
        g_autofree char *address = NULL, *watch = NULL;
        GnssParams params = GNSS_PARAMS_DEFAULT;
        uint8_t bad_fix[16] = { 0 };
        Fixture f = {};
        FakeGpsd g;
        unsigned second = 0;

        g_assert_cmpint(sd_event_new(&f.event), >=, 0);
        fake_listen(&g);
        address = g_strdup_printf("127.0.0.1:%u", g.port);
        params.ubx = true;
        params.tacc_max_ns = 50;
        f.compat.name = "ubx";
        f.compat.log = g_string_new(NULL);
        g_assert_cmpint(gpsd_client_new(&f.compat.client, f.event,
                                        &(const GpsdClientSettings) { .address = address, .params = params },
                                        &ops, &f.compat),
                        ==, 0);
        fake_accept(&f, &g);
        watch = fake_watch(&f, &g);
        g_assert_cmpstr(watch, ==, "?WATCH={\"enable\":true,\"json\":true,\"nmea\":true,\"raw\":2}\n");

        /* Time-only, 20 ns: SYNCHRONIZED, gpsFix 5; a frame of another message in between. */
        ubx_append(b, 0x01, 0x99, lines_inside, sizeof(lines_inside) - 1);
        ubx_append_nav_status(b, 1000, 5);
        ubx_append_nav_clock(b, 1000, 20);
        fake_send_bytes(&f, &g, b);
        fake_epoch(&f, &g, second++);
        fake_epoch(&f, &g, second++);
        wait_for(&f, &f.compat, GNSS_SYNC_SYNCHRONIZED, 2 * USEC_PER_SEC);
        assert_fix(&f.compat, 5);

        /* tAcc above the maximum, one byte at a time: ACQUIRING-SYNC after the loss debounce. */
        ubx_append_nav_clock(b, 2000, 51);
        for (guint i = 0; i < b->len; i++)
                fake_send(&f, &g, (const char *) b->data + i, 1);
        g_byte_array_set_size(b, 0);
        fake_epoch(&f, &g, second++);
        fake_epoch(&f, &g, second++);
        wait_for(&f, &f.compat, GNSS_SYNC_ACQUIRING_SYNC, 2 * USEC_PER_SEC);
        assert_fix(&f.compat, 5);

        /* What does not decode is skipped: a reserved gpsFix, a short MON-HW. The value stands. */
        bad_fix[4] = 9;
        ubx_append(b, UBX_CLASS_NAV, UBX_ID_NAV_STATUS, bad_fix, sizeof(bad_fix));
        ubx_append(b, UBX_CLASS_MON, UBX_ID_MON_HW, bad_fix, sizeof(bad_fix));
        fake_send_bytes(&f, &g, b);
        fake_epoch(&f, &g, second++);
        settle(&f);
        g_assert_true(gpsd_client_connected(f.compat.client));
        g_assert_cmpint(gpsd_client_state(f.compat.client)->value.status, ==, GNSS_SYNC_ACQUIRING_SYNC);
        assert_fix(&f.compat, 5);

        /* Back in tAcc; then the antenna open from MON-HW: FAILURE-NOFIX (compat). */
        ubx_append_nav_clock(b, 3000, 50);
        fake_send_bytes(&f, &g, b);
        fake_epoch(&f, &g, second++);
        fake_epoch(&f, &g, second++);
        wait_for(&f, &f.compat, GNSS_SYNC_SYNCHRONIZED, 2 * USEC_PER_SEC);
        ubx_append_mon_hw(b, UBX_ANTENNA_OPEN);
        fake_send_bytes(&f, &g, b);
        fake_epoch(&f, &g, second++);
        fake_epoch(&f, &g, second++);
        wait_for(&f, &f.compat, GNSS_SYNC_FAILURE_NOFIX, 2 * USEC_PER_SEC);
        g_assert_cmpint(gpsd_client_state(f.compat.client)->antenna, ==, GNSS_ANTENNA_OPEN);
        ubx_append_mon_hw(b, UBX_ANTENNA_OK);
        ubx_append_nav_status(b, 4000, 0);
        fake_send_bytes(&f, &g, b);
        fake_epoch(&f, &g, second++);
        settle(&f);
        g_assert_cmpint(gpsd_client_state(f.compat.client)->antenna, ==, GNSS_ANTENNA_OK);
        g_assert_cmpint(gpsd_client_state(f.compat.client)->value.status, ==, GNSS_SYNC_FAILURE_NOFIX);
        assert_fix(&f.compat, 0);
        g_assert_cmpuint(gpsd_client_connections(f.compat.client), ==, 1);
        g_test_message("changes:%s", f.compat.log->str);

        close(g.conn);
        close(g.listener);
        watch_done(&f.compat);
        sd_event_unref(f.event);
}

/* Nothing listens: FAILURE-NOFIX, and the client keeps trying. */
static void test_refused(void) {
        Fixture f;

        if (!fixture_setup(&f))
                return;
        watch_start(&f, &f.compat, "compat", false);
        wait_for(&f, &f.compat, GNSS_SYNC_FAILURE_NOFIX, 2 * USEC_PER_SEC);
        g_assert_cmpuint(gpsd_client_connections(f.compat.client), ==, 0);
        /* It comes up later: the backoff (0.1 s doubling to 0.5 s) finds it. */
        gpsd_feeder_start_gpsd(f.feeder);
        wait_for(&f, &f.compat, GNSS_SYNC_SYNCHRONIZED, 15 * USEC_PER_SEC);
        fixture_teardown(&f);
}

int main(int argc, char *argv[]) {
        log_setup("test-gpsd-client", NULL);
        g_test_init(&argc, &argv, NULL);
        signal(SIGPIPE, SIG_IGN);
        g_test_add_func("/gpsd-client/refused", test_refused);
        g_test_add_func("/gpsd-client/hostile", test_hostile);
        g_test_add_func("/gpsd-client/ubx", test_ubx);
        g_test_add_func("/gpsd-client/scenario", test_scenario);
        return g_test_run();
}
