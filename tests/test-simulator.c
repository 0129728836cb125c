/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated source through a real bus: every injection goes through the
 * state machine, and what comes out is checked as a subscriber sees it -- the
 * Event signals (seq, type, values) and PropertiesChanged -- including
 * holdover running out on the daemon's own timer, thresholds from the
 * configuration file, and bad input that must change nothing.
 */

#include "common/bus-names.h"
#include "test-env.h"

#define LOCK "sync/ptp-status/lock-state"
#define OS "sync/sync-status/os-clock-sync-state"
#define CLASS "sync/ptp-status/clock-class"
#define GNSS "sync/gnss-status/gnss-sync-status"

#define EVENT_MATCH "type='signal',sender='org.ptpsync1',interface='org.ptpsync1.Manager',member='Event'"
#define CHANGED_MATCH "type='signal',sender='org.ptpsync1',interface='org.freedesktop.DBus.Properties'"

typedef struct Fixture {
        TestEnv env;          /* env.events: the Event signals, watched from before the daemon starts */
        TestSignals *changes; /* PropertiesChanged */
} Fixture;

/* data: the configuration file's text, or NULL for none. */
static void fixture_setup(Fixture *f, gconstpointer data) {
        const TestEnvOptions o = { .config_text = data, .events_match = EVENT_MATCH };

        test_env_setup(&f->env, &o);
        f->changes = test_signals_watch(f->env.client, CHANGED_MATCH);
}

static void fixture_teardown(Fixture *f, gconstpointer data) {
        test_signals_free(f->changes);
        test_env_teardown(&f->env);
}

/* The i-th Event signal received, waiting for it if needed. */
static TestEvent *event_at(Fixture *f, guint i) {
        sd_bus_message *m;

        if (!test_signals_wait(f->env.client, f->env.events, i + 1, TEST_TIMEOUT_USEC))
                g_error("Event #%u did not arrive; %u so far", i + 1, f->env.events->messages->len);
        m = f->env.events->messages->pdata[i];
        g_assert_cmpint(sd_bus_message_rewind(m, true), >=, 0);
        return test_event_read(m);
}

/* Asserts event i: its seq is i + 1 (nothing in between), its source suffix, and its first value. */
static TestEvent *expect_event(Fixture *f, guint i, const char *suffix, const char *first_value) {
        TestEvent *e = event_at(f, i);
        g_autofree char *source = g_strconcat(TEST_PREFIX, suffix, NULL);

        g_assert_cmpuint(e->seq, ==, i + 1);
        g_assert_cmpstr(e->source, ==, source);
        g_assert_cmpuint(e->values->len, >=, 1);
        g_assert_cmpstr(e->values->pdata[0], ==, first_value);
        return e;
}

static uint64_t last_sequence(Fixture *f) {
        return test_manager_get_t(f->env.client, "LastSequence");
}

static char *manager_string(Fixture *f, const char *property) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *s = NULL;

        g_assert_cmpint(sd_bus_get_property_string(f->env.client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                                   property, &error, &s), >=, 0);
        return s;
}

/* The PropertiesChanged signals received so far, as "path iface: Name=,Name=;" in order. */
static char *changes_summary(Fixture *f) {
        GString *s = g_string_new(NULL);

        for (guint i = 0; i < f->changes->messages->len; i++) {
                sd_bus_message *m = f->changes->messages->pdata[i];
                const char *iface, *name;

                g_assert_cmpint(sd_bus_message_rewind(m, true), >=, 0);
                g_assert_cmpint(sd_bus_message_read(m, "s", &iface), >, 0);
                g_string_append_printf(s, "%s %s:", strrchr(sd_bus_message_get_path(m), '/') + 1,
                                       strrchr(iface, '.') + 1);
                g_assert_cmpint(sd_bus_message_enter_container(m, 'a', "{sv}"), >, 0);
                while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                        g_assert_cmpint(sd_bus_message_read(m, "s", &name), >, 0);
                        g_string_append_printf(s, " %s", name);
                        if (g_str_equal(name, "Value") || g_str_equal(name, "SyncState")) {
                                const char *v;

                                g_assert_cmpint(sd_bus_message_read(m, "v", "s", &v), >, 0);
                                g_string_append_printf(s, "=%s", v);
                        } else
                                g_assert_cmpint(sd_bus_message_skip(m, "v"), >=, 0);
                        g_assert_cmpint(sd_bus_message_exit_container(m), >, 0);
                }
                g_assert_cmpint(sd_bus_message_exit_container(m), >, 0);
                g_string_append(s, ";");
        }
        return g_string_free(s, false);
}

static void test_lock_and_signals(Fixture *f, gconstpointer data) {
        g_autoptr(TestEvent) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL;
        g_autofree char *changes = NULL, *state = NULL;
        int64_t now = g_get_real_time();

        test_inject(f->env.client, LOCK, "ens1f0", "locked", 10);
        e1 = expect_event(f, 0, LOCK, "ens1fx/master|notification|enumeration|LOCKED");
        g_assert_cmpstr(e1->type, ==, "event.sync.ptp-status.ptp-state-change");
        g_assert_cmpuint(e1->values->len, ==, 2);
        g_assert_cmpstr(e1->values->pdata[1], ==, "ens1fx/master|metric|decimal64.3|10");
        /* µs since the epoch, taken by the daemon: within a generous minute of ours. */
        g_assert_cmpint(e1->time, >=, now - 60 * G_USEC_PER_SEC);
        g_assert_cmpint(e1->time, <=, now + 60 * G_USEC_PER_SEC);
        /* PTP alone does not make the node synchronised: no sync-state yet. */
        state = manager_string(f, "SyncState");
        g_assert_cmpstr(state, ==, "");

        test_inject(f->env.client, OS, "", "locked", 3);
        e2 = expect_event(f, 1, OS, "CLOCK_REALTIME|notification|enumeration|LOCKED");
        g_assert_cmpstr(e2->values->pdata[1], ==, "CLOCK_REALTIME|metric|decimal64.3|3");
        e3 = expect_event(f, 2, "sync/sync-status/sync-state", "sync/sync-status/sync-state|notification|enumeration|LOCKED");
        g_assert_cmpstr(e3->type, ==, "event.sync.sync-status.synchronization-state-change");
        g_assert_cmpuint(e3->values->len, ==, 1);
        g_assert_cmpstr(e1->id, !=, e2->id);
        g_assert_cmpstr(e2->id, !=, e3->id);

        /* No change of state, no event: the next event is the clock class's, seq 4. */
        test_inject(f->env.client, LOCK, "ens1f0", "locked", 50);
        test_inject(f->env.client, OS, "CLOCK_REALTIME", "locked", -7);
        test_inject(f->env.client, CLASS, "ens1f0", "6", 0);
        e4 = expect_event(f, 3, CLASS, "ens1fx/master|metric|decimal64.3|6");
        g_assert_cmpuint(f->env.events->messages->len, ==, 4);
        g_assert_cmpuint(last_sequence(f), ==, 4);

        /* PropertiesChanged: exactly what each event changed, in order, and nothing for the quiet injections. */
        g_assert_true(test_signals_wait(f->env.client, f->changes, 6, TEST_TIMEOUT_USEC));
        changes = changes_summary(f);
        g_assert_cmpstr(changes, ==,
                        "sync_2fptp_2dstatus_2flock_2dstate Resource: LastChange Sequence Value=LOCKED Clocks;"
                        "sync_2fsync_2dstatus_2fos_2dclock_2dsync_2dstate Resource: LastChange Sequence Value=LOCKED Clocks;"
                        "sync_2fsync_2dstatus_2fsync_2dstate Resource: LastChange Sequence Value=LOCKED;"
                        "ptpsync1 Manager: SyncState=LOCKED;"
                        "sync_2fptp_2dstatus_2fclock_2dclass Resource: LastChange Sequence Value=6 Clocks;"
                        "ptpsync1 Manager: ClockClass;");
}

static void test_holdover_runs_out(Fixture *f, gconstpointer data) {
        g_autoptr(TestEvent) holdover = NULL, sync_holdover = NULL, freerun = NULL, sync_freerun = NULL;
        g_autoptr(TestEvent) locked = NULL;
        g_autofree char *state = NULL;

        test_inject(f->env.client, LOCK, "ens1f0", "locked", 10);
        test_inject(f->env.client, OS, "", "locked", 3);
        g_assert_true(test_signals_wait(f->env.client, f->env.events, 3, TEST_TIMEOUT_USEC));

        test_inject(f->env.client, LOCK, "ens1f0", "unlocked", 10);
        holdover = expect_event(f, 3, LOCK, "ens1fx/master|notification|enumeration|HOLDOVER");
        sync_holdover = expect_event(f, 4, "sync/sync-status/sync-state",
                                     "sync/sync-status/sync-state|notification|enumeration|HOLDOVER");
        /* Nobody injects anything: the daemon's own timer ends the holdover (1 s in this config). */
        freerun = expect_event(f, 5, LOCK, "ens1fx/master|notification|enumeration|FREERUN");
        sync_freerun = expect_event(f, 6, "sync/sync-status/sync-state",
                                    "sync/sync-status/sync-state|notification|enumeration|FREERUN");
        /* Not early: at least the timeout (less the timer's 10 ms accuracy) after HOLDOVER. */
        g_assert_cmpint(freerun->time - holdover->time, >=, G_USEC_PER_SEC - 10000);
        state = manager_string(f, "SyncState");
        g_assert_cmpstr(state, ==, "FREERUN");

        test_inject(f->env.client, LOCK, "ens1f0", "locked", -5);
        locked = expect_event(f, 7, LOCK, "ens1fx/master|notification|enumeration|LOCKED");
        g_assert_cmpstr(locked->values->pdata[1], ==, "ens1fx/master|metric|decimal64.3|-5");
        g_clear_pointer(&locked, test_event_free);
        locked = expect_event(f, 8, "sync/sync-status/sync-state",
                              "sync/sync-status/sync-state|notification|enumeration|LOCKED");
}

static void test_recovery_within_holdover(Fixture *f, gconstpointer data) {
        g_autoptr(TestEvent) e = NULL;

        test_inject(f->env.client, LOCK, "ens1f0", "locked", 10);
        test_inject(f->env.client, LOCK, "ens1f0", "unlocked", 0);
        /* Lost again while in holdover: still HOLDOVER, no event. */
        test_inject(f->env.client, LOCK, "ens1f0", "unreachable", 0);
        /* Locked but out of range while in holdover: still HOLDOVER. */
        test_inject(f->env.client, LOCK, "ens1f0", "locked", 5000);
        test_inject(f->env.client, LOCK, "ens1f0", "locked", 1);
        e = expect_event(f, 2, LOCK, "ens1fx/master|notification|enumeration|LOCKED");
        g_clear_pointer(&e, test_event_free);
        e = expect_event(f, 1, LOCK, "ens1fx/master|notification|enumeration|HOLDOVER");
        g_assert_cmpuint(f->env.events->messages->len, ==, 3);
}

static void test_out_of_range(Fixture *f, gconstpointer data) {
        static const struct {
                int64_t offset;
                const char *state; /* the event expected, or NULL for none */
        } steps[] = {
                { 99, "LOCKED" },    /* just inside */
                { 100, "FREERUN" },  /* exactly MaxOffsetNs is out: FREERUN, not HOLDOVER */
                { -100, NULL },      /* exactly MinOffsetNs: still out */
                { -99, "LOCKED" },
                { -100, "FREERUN" },
                { 0, "LOCKED" },
        };
        guint n = 0;

        for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
                test_inject(f->env.client, LOCK, "ens1f0", "locked", steps[i].offset);
                if (steps[i].state) {
                        g_autofree char *value = g_strdup_printf("ens1fx/master|notification|enumeration|%s",
                                                                 steps[i].state);
                        g_autoptr(TestEvent) e = expect_event(f, n++, LOCK, value);
                        g_autofree char *offset = g_strdup_printf("ens1fx/master|metric|decimal64.3|%" G_GINT64_FORMAT,
                                                                  steps[i].offset);

                        g_assert_cmpstr(e->values->pdata[1], ==, offset);
                }
        }
        g_assert_cmpuint(last_sequence(f), ==, n);
        g_assert_cmpuint(f->env.events->messages->len, ==, n);
}

static void test_thresholds_from_config(Fixture *f, gconstpointer data) {
        g_autoptr(TestEvent) e = NULL;

        /* 400 ns is FREERUN by the defaults, LOCKED with MaxOffsetNs=500. */
        test_inject(f->env.client, LOCK, "ens1f0", "locked", 400);
        e = expect_event(f, 0, LOCK, "ens1fx/master|notification|enumeration|LOCKED");
        g_clear_pointer(&e, test_event_free);
        test_inject(f->env.client, LOCK, "ens1f0", "locked", -500);
        e = expect_event(f, 1, LOCK, "ens1fx/master|notification|enumeration|FREERUN");
}

static void test_never_locked(Fixture *f, gconstpointer data) {
        g_autoptr(TestEvent) a = NULL, b = NULL, c = NULL;

        /* A clock that never locked and loses its master is FREERUN, never HOLDOVER. */
        test_inject(f->env.client, LOCK, "ens1f0", "unlocked", 0);
        a = expect_event(f, 0, LOCK, "ens1fx/master|notification|enumeration|FREERUN");
        test_inject(f->env.client, LOCK, "ens2f0", "unreachable", 0);
        b = expect_event(f, 1, LOCK, "ens2fx/master|notification|enumeration|FREERUN");
        /* A locked clock whose source stops answering has lost lock: HOLDOVER. */
        test_inject(f->env.client, LOCK, "ens3f0", "locked", 0);
        test_inject(f->env.client, LOCK, "ens3f0", "unreachable", 0);
        c = expect_event(f, 3, LOCK, "ens3fx/master|notification|enumeration|HOLDOVER");
}

static void test_several_clocks(Fixture *f, gconstpointer data) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *clocks = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *path = NULL, *value = NULL;
        const char *addr, *v;
        int64_t offset;

        test_inject(f->env.client, LOCK, "ens1f0", "locked", 10);
        test_inject(f->env.client, LOCK, "ens2f0", "locked", 20);
        test_inject(f->env.client, LOCK, "ens2f0", "unlocked", 30);
        g_assert_true(test_signals_wait(f->env.client, f->env.events, 3, TEST_TIMEOUT_USEC));

        g_assert_cmpint(sd_bus_path_encode("/org/ptpsync1/resource", LOCK, &path), >=, 0);
        g_assert_cmpint(sd_bus_get_property_string(f->env.client, BUS_NAME, path, RESOURCE_INTERFACE,
                                                   "Value", &error, &value), >=, 0);
        g_assert_cmpstr(value, ==, "HOLDOVER"); /* the worst of its clocks */
        g_assert_cmpint(sd_bus_get_property(f->env.client, BUS_NAME, path, RESOURCE_INTERFACE, "Clocks",
                                            &error, &clocks, "a(ssx)"), >=, 0);
        g_assert_cmpint(sd_bus_message_enter_container(clocks, 'a', "(ssx)"), >, 0);
        g_assert_cmpint(sd_bus_message_read(clocks, "(ssx)", &addr, &v, &offset), >, 0);
        g_assert_cmpstr(addr, ==, "ens1fx/master");
        g_assert_cmpstr(v, ==, "LOCKED");
        g_assert_cmpint(offset, ==, 10);
        g_assert_cmpint(sd_bus_message_read(clocks, "(ssx)", &addr, &v, &offset), >, 0);
        g_assert_cmpstr(addr, ==, "ens2fx/master");
        g_assert_cmpstr(v, ==, "HOLDOVER");
        g_assert_cmpint(offset, ==, 30);
        g_assert_cmpint(sd_bus_message_at_end(clocks, false), >, 0);
        sd_bus_error_free(&error);
}

static void test_clock_class_and_gnss(Fixture *f, gconstpointer data) {
        g_autoptr(TestEvent) a = NULL, b = NULL, c = NULL, d = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint8_t class = 0;

        test_inject(f->env.client, CLASS, "ens1f0", "6", 0);
        test_inject(f->env.client, CLASS, "ens1f0", "6", 0);
        test_inject(f->env.client, CLASS, "ens1f0", "7", 0);
        a = expect_event(f, 0, CLASS, "ens1fx/master|metric|decimal64.3|6");
        b = expect_event(f, 1, CLASS, "ens1fx/master|metric|decimal64.3|7");
        g_assert_cmpstr(b->type, ==, "event.sync.ptp-status.ptp-clock-class-change");
        g_assert_cmpint(sd_bus_get_property_trivial(f->env.client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                                    "ClockClass", &error, 'y', &class), >=, 0);
        g_assert_cmpuint(class, ==, 7);

        test_inject(f->env.client, GNSS, "ens2f0", "SYNCHRONIZED", 4);
        test_inject(f->env.client, GNSS, "ens2f0", "FAILURE-NOFIX", 0);
        c = expect_event(f, 2, GNSS, "ens2fx/master|notification|enumeration|SYNCHRONIZED");
        g_assert_cmpstr(c->values->pdata[1], ==, "ens2fx/master|metric|decimal64.3|4");
        g_assert_cmpuint(c->values->len, ==, 2); /* no gpsFix given: none published, rather than a made-up one */
        d = expect_event(f, 3, GNSS, "ens2fx/master|notification|enumeration|FAILURE-NOFIX");
        g_assert_cmpstr(d->type, ==, "event.sync.gnss-status.gnss-state-change");
        sd_bus_error_free(&error);
}

/* The gpsFix metric rides along at ALIAS/gpsFix, as cloud-event-proxy's; a change of it alone is an event. */
static void test_gnss_gps_fix(Fixture *f, gconstpointer data) {
        g_autoptr(TestEvent) a = NULL, b = NULL, c = NULL;

        test_inject(f->env.client, GNSS, "ens2f0", "SYNCHRONIZED,gpsFix=3", 20);
        test_inject(f->env.client, GNSS, "ens2f0", "SYNCHRONIZED,gpsFix=3", 20);
        test_inject(f->env.client, GNSS, "ens2f0", "SYNCHRONIZED,gpsFix=5", 20);
        test_inject(f->env.client, GNSS, "ens2f0", "FAILURE-NOFIX,gpsFix=0", 0);
        a = expect_event(f, 0, GNSS, "ens2fx/master|notification|enumeration|SYNCHRONIZED");
        g_assert_cmpuint(a->values->len, ==, 3);
        g_assert_cmpstr(a->values->pdata[1], ==, "ens2fx/master|metric|decimal64.3|20");
        g_assert_cmpstr(a->values->pdata[2], ==, "ens2fx/master/gpsFix|metric|decimal64.3|3");
        b = expect_event(f, 1, GNSS, "ens2fx/master|notification|enumeration|SYNCHRONIZED");
        g_assert_cmpstr(b->values->pdata[2], ==, "ens2fx/master/gpsFix|metric|decimal64.3|5");
        c = expect_event(f, 2, GNSS, "ens2fx/master|notification|enumeration|FAILURE-NOFIX");
        g_assert_cmpstr(c->values->pdata[2], ==, "ens2fx/master/gpsFix|metric|decimal64.3|0");
        g_assert_cmpuint(last_sequence(f), ==, 3);
}

static void test_bad_inject(Fixture *f, gconstpointer data) {
        static const char *const invalid = "org.freedesktop.DBus.Error.InvalidArgs";
        static const char *const no_such = "org.ptpsync1.Error.NoSuchResource";
        g_autofree char *huge = g_malloc0(10 * 1024 * 1024 + 1);
        struct {
                const char *suffix, *clock, *observation, *error;
        } cases[] = {
                { "sync/ptp-status/nope", "ens1f0", "locked", no_such },
                { "", "ens1f0", "locked", no_such },
                { huge, "ens1f0", "locked", no_such },
                { "sync/sync-status/sync-state", "ens1f0", "locked", invalid },
                { LOCK, "", "locked", invalid },
                { LOCK, "ens1/f0", "locked", invalid },
                { LOCK, "ens1 f0", "locked", invalid },
                { LOCK, "a-name-longer-than-15", "locked", invalid },
                { LOCK, huge, "locked", invalid },
                { LOCK, "ens1f0", "LOCKED", invalid },
                { LOCK, "ens1f0", "", invalid },
                { LOCK, "ens1f0", huge, invalid },
                { OS, "ens1f0", "locked", invalid },
                { CLASS, "ens1f0", "256", invalid },
                { CLASS, "ens1f0", "-1", invalid },
                { CLASS, "ens1f0", "6a", invalid },
                { CLASS, "ens1f0", "", invalid },
                { CLASS, "ens1f0", "0006", invalid },
                { GNSS, "ens1f0", "bogus", invalid },
                { GNSS, "ens1f0", "synchronized", invalid },
                { GNSS, "ens1f0", "SYNCHRONIZED,gpsFix=6", invalid },
                { GNSS, "ens1f0", "SYNCHRONIZED,gpsFix=", invalid },
                { GNSS, "ens1f0", "SYNCHRONIZED,gpsFix=33", invalid },
                { GNSS, "ens1f0", "SYNCHRONIZED,gpsfix=3", invalid },
                { GNSS, "ens1f0", ",gpsFix=3", invalid },
                { GNSS, "ens1f0", "SYNCHRONIZED,gpsFix=3,gpsFix=3", invalid },
        };
        g_autofree char *version = NULL;

        memset(huge, 'x', 10 * 1024 * 1024);
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                int r;

                r = sd_bus_call_method(f->env.client, BUS_NAME, MANAGER_OBJECT_PATH, SIMULATOR_INTERFACE,
                                       "Inject", &error, NULL, "sssx", cases[i].suffix, cases[i].clock,
                                       cases[i].observation, (int64_t) 0);
                g_assert_cmpint(r, <, 0);
                if (!g_str_equal(error.name, cases[i].error))
                        g_error("case %zu: expected %s, got %s: %s", i, cases[i].error, error.name, error.message);
                g_assert_cmpuint(strlen(error.message), <, 2048);
                sd_bus_error_free(&error);
        }

        /* The one offset that stands for "not measured" is no offset to inject. */
        {
                sd_bus_error error = SD_BUS_ERROR_NULL;

                g_assert_cmpint(sd_bus_call_method(f->env.client, BUS_NAME, MANAGER_OBJECT_PATH, SIMULATOR_INTERFACE,
                                                   "Inject", &error, NULL, "sssx", LOCK, "ens1f0", "locked", INT64_MIN),
                                <, 0);
                g_assert_cmpstr(error.name, ==, invalid);
                g_assert_nonnull(strstr(error.message, "-9223372036854775808"));
                sd_bus_error_free(&error);
        }

        /* Nothing happened, and the daemon still answers. */
        g_assert_cmpuint(last_sequence(f), ==, 0);
        version = manager_string(f, "Version");
        g_assert_cmpstr(version, ==, g_getenv("PTPSYNC_VERSION"));
        g_assert_cmpuint(f->env.events->messages->len, ==, 0);
        test_inject(f->env.client, LOCK, "ens1f0", "locked", 0);
        g_assert_true(test_signals_wait(f->env.client, f->env.events, 1, TEST_TIMEOUT_USEC));
}

/*
 * A supervisor that never reads $NOTIFY_SOCKET (it holds 10 datagrams) must not
 * stall the daemon: 40 changes of the node's state, each a STATUS=, and it
 * still answers and exits on SIGTERM (the teardown asserts a clean exit).
 */
static void test_notify_not_read(Fixture *f, gconstpointer data) {
        unsigned injected = 0;

        test_inject(f->env.client, "sync/sync-status/os-clock-sync-state", "", "locked", 1);
        /* Each lock-state change turns the node LOCKED or HOLDOVER: a new STATUS= every time. */
        test_inject_lock_events(f->env.client, &injected, 40);
        g_assert_true(test_signals_wait(f->env.client, f->env.events, 2 * injected, TEST_TIMEOUT_USEC));
}

int main(int argc, char *argv[]) {
        static const char holdover_1s[] = "[Thresholds]\nHoldoverTimeoutSec=1\n";
        static const char holdover_long[] = "[Thresholds]\nHoldoverTimeoutSec=3600\n";
        static const char wide[] = "[Thresholds]\nMaxOffsetNs=500\nMinOffsetNs=-500\n";

        g_test_init(&argc, &argv, NULL);
#define ADD(name, config, fn) g_test_add(name, Fixture, config, fixture_setup, fn, fixture_teardown)
        ADD("/simulator/lock-and-signals", NULL, test_lock_and_signals);
        ADD("/simulator/holdover-runs-out", holdover_1s, test_holdover_runs_out);
        ADD("/simulator/recovery-within-holdover", holdover_long, test_recovery_within_holdover);
        ADD("/simulator/out-of-range", NULL, test_out_of_range);
        ADD("/simulator/thresholds-from-config", wide, test_thresholds_from_config);
        ADD("/simulator/never-locked", NULL, test_never_locked);
        ADD("/simulator/several-clocks", NULL, test_several_clocks);
        ADD("/simulator/clock-class-and-gnss", NULL, test_clock_class_and_gnss);
        ADD("/simulator/gnss-gps-fix", NULL, test_gnss_gps_fix);
        ADD("/simulator/bad-inject", NULL, test_bad_inject);
        ADD("/simulator/notify-not-read", NULL, test_notify_not_read);
#undef ADD
        return g_test_run();
}
