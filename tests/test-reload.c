/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reloading the configuration on a running daemon: Manager.Reload, SIGHUP and
 * `ptpsyncctl reload`, on a private bus with the simulated source and a
 * --config= file that each test rewrites between reloads. What changes must
 * take effect (thresholds, holdover, quota), what is refused must change
 * nothing (a bad file keeps the old configuration whole), and what lives in
 * the daemon must survive (subscriptions with their queues, the current state).
 */

#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>

#include "common/bus-names.h"
#include "test-env.h"

#define LOCK "sync/ptp-status/lock-state"
#define PTP_STATUS TEST_PREFIX "sync/ptp-status"
#define INVALID_CONFIGURATION BUS_ERROR_INVALID_CONFIGURATION
#define EVENT_MATCH "type='signal',sender='org.ptpsync1',interface='org.ptpsync1.Manager',member='Event'"

/* Holdover never runs out by itself during a test, unless a test says otherwise. */
#define BASE_CONFIG "[Thresholds]\nHoldoverTimeoutSec=3600\n"

/* Every test rewrites the file and reads the daemon's log; Event signals are recorded from the start. */
static const TestEnvOptions options = { .config_text = BASE_CONFIG, .log = true, .events_match = EVENT_MATCH };
static const TestEnvOptions quota_options = {
        .config_text = BASE_CONFIG "[Quota]\nSubscriptionsPerUser=1\n",
        .log = true,
        .events_match = EVENT_MATCH,
};

static void write_config(TestEnv *f, const char *text) {
        g_autoptr(GError) error = NULL;

        /* Written to a new file and renamed over the old: the daemon never reads half of it. */
        g_file_set_contents(f->config_path, text, -1, &error);
        g_assert_no_error(error);
}

/* Manager.Reload; on failure error holds the D-Bus error. */
static int reload(TestEnv *f, sd_bus_error *error) {
        return sd_bus_call_method(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "Reload", error, NULL,
                                  NULL);
}

static void reload_ok(TestEnv *f) {
        sd_bus_error error = SD_BUS_ERROR_NULL;

        if (reload(f, &error) < 0)
                g_error("Reload failed: %s: %s", error.name, error.message);
        sd_bus_error_free(&error);
}

/* Reload must be refused with InvalidConfiguration, its message naming key. */
static void reload_refused(TestEnv *f, const char *key) {
        sd_bus_error error = SD_BUS_ERROR_NULL;

        g_assert_cmpint(reload(f, &error), <, 0);
        if (!sd_bus_error_has_name(&error, INVALID_CONFIGURATION) || !strstr(error.message, key))
                g_error("expected %s naming %s, got %s: %s", INVALID_CONFIGURATION, key, error.name, error.message);
        /* The file is named too, so that an administrator knows what to fix. */
        g_assert_nonnull(strstr(error.message, f->config_path));
        sd_bus_error_free(&error);
}

/* The state of one clock in GetCurrentState of lock-state ("LOCKED"), or NULL when it is not there. */
static char *clock_state(TestEnv *f, const char *alias) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autoptr(TestEvent) e = NULL;
        g_autofree char *prefix = g_strconcat(alias, "/master|notification|enumeration|", NULL);

        if (sd_bus_call_method(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "GetCurrentState", &error,
                               &reply, "s", TEST_PREFIX LOCK) < 0)
                g_error("GetCurrentState: %s: %s", error.name, error.message);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "(tsssxa(ssss))"), >, 0);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'r', "tsssxa(ssss)"), >, 0);
        e = test_event_read(reply);
        for (guint i = 0; i < e->values->len; i++)
                if (g_str_has_prefix(e->values->pdata[i], prefix))
                        return g_strdup((char *) e->values->pdata[i] + strlen(prefix));
        return NULL;
}

static void assert_clock_state(TestEnv *f, const char *alias, const char *state) {
        g_autofree char *s = clock_state(f, alias);

        g_assert_cmpstr(s, ==, state);
}

/* Waits for a lock-state event saying ALIAS/master is state, after those consumed; consumes up to it. */
static void wait_lock_event(TestEnv *f, const char *alias, const char *state) {
        g_autofree char *value = g_strdup_printf("%s/master|notification|enumeration|%s", alias, state);

        if (!test_env_wait_event(f, NULL, value, TEST_TIMEOUT_USEC))
                g_error("no event with %s", value);
}

/* The log has count lines containing needle, within the deadline. */
static bool log_has(TestEnv *f, const char *needle, unsigned count) {
        return test_env_log_has(f, needle, count, TEST_TIMEOUT_USEC);
}

/* MaxOffsetNs lowered: an offset that was LOCKED is out of range at the next observation. */
static void test_thresholds(TestEnv *f, gconstpointer data) {
        test_inject(f->client, LOCK, "ens1f0", "locked", 50);
        wait_lock_event(f, "ens1fx", "LOCKED");

        write_config(f, BASE_CONFIG "MaxOffsetNs=40\n");
        reload_ok(f);
        /* The current state stays until something is observed: a reload is no observation. */
        assert_clock_state(f, "ens1fx", "LOCKED");

        test_inject(f->client, LOCK, "ens1f0", "locked", 50);
        wait_lock_event(f, "ens1fx", "FREERUN");
        g_assert_true(log_has(f, "Reloaded the configuration", 1));

        /* And back: the default range again, LOCKED again. */
        write_config(f, BASE_CONFIG);
        reload_ok(f);
        test_inject(f->client, LOCK, "ens1f0", "locked", 50);
        wait_lock_event(f, "ens1fx", "LOCKED");
}

/*
 * A shorter HoldoverTimeoutSec applies from the next loss of lock; a holdover already running keeps the
 * deadline it had (ens1f0 here, which would have run out first had it been re-armed at the reload).
 */
static void test_holdover(TestEnv *f, gconstpointer data) {
        test_inject(f->client, LOCK, "ens1f0", "locked", 5);
        test_inject(f->client, LOCK, "ens1f0", "unlocked", 0);
        wait_lock_event(f, "ens1fx", "HOLDOVER");

        write_config(f, "[Thresholds]\nHoldoverTimeoutSec=1\n");
        reload_ok(f);

        test_inject(f->client, LOCK, "ens2f0", "locked", 5);
        test_inject(f->client, LOCK, "ens2f0", "unlocked", 0);
        wait_lock_event(f, "ens2fx", "HOLDOVER");
        /* No injection: the daemon's own timer, armed with the new timeout. */
        wait_lock_event(f, "ens2fx", "FREERUN");
        assert_clock_state(f, "ens1fx", "HOLDOVER");
}

static void expect_nobody_subscribes(TestEnv *f, TestProcess **ret, bool allowed) {
        g_autofree char *line = test_consumer_first_line(f->bus, "nobody", PTP_STATUS, ret, NULL);

        if (allowed ? !g_str_has_prefix(line, "subscribed ")
                    : !g_str_has_prefix(line, "error org.ptpsync1.Error.QuotaExceeded "))
                g_error("expected nobody's subscription to be %s: %s", allowed ? "accepted" : "over quota", line);
}

/* SubscriptionsPerUser raised: nobody may hold one more; the ones held are kept. */
static void test_quota(TestEnv *f, gconstpointer data) {
        TestProcess *c[4] = {};

        if (geteuid() != 0) {
                g_test_skip("running consumers as nobody needs root");
                return;
        }
        expect_nobody_subscribes(f, &c[0], true);
        expect_nobody_subscribes(f, &c[1], false);

        write_config(f, BASE_CONFIG "[Quota]\nSubscriptionsPerUser=2\n");
        reload_ok(f);
        expect_nobody_subscribes(f, &c[2], true);
        expect_nobody_subscribes(f, &c[3], false);
        g_assert_cmpuint(test_manager_get_u(f->client, "SubscriptionCount"), ==, 2);

        for (size_t i = 0; i < G_N_ELEMENTS(c); i++)
                test_process_free(c[i]);
}

/*
 * A consumer as nobody making up to n subscriptions on its one connection, until the first error
 * (after which it exits, and its subscriptions end with it): how many it made, and the error line.
 */
static unsigned nobody_subscribes_on_one_connection(TestEnv *f, unsigned n, char **ret_error) {
        g_autofree char *bus_arg = g_strconcat("--bus=", f->bus->address, NULL);
        g_autofree char *count_arg = g_strdup_printf("--count=%u", n);
        const char *argv[] = { "runuser", "-u", "nobody", "--", g_getenv("PTPSYNC_CONSUMER"), bus_arg,
                               "--address=" PTP_STATUS, count_arg, NULL };
        TestProcess *p = test_process_spawn(argv);
        g_autoptr(GHashTable) connections = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        const char *line;
        unsigned made;
        guint from = 0;

        line = test_process_wait_line(p, "error ", &from, TEST_TIMEOUT_USEC);
        if (!line)
                g_error("nobody's consumer made %u subscriptions and no error", test_process_count_lines(p, "subscribed "));
        *ret_error = g_strdup(line);
        made = test_process_count_lines(p, "subscribed ");
        for (guint i = 0; i < p->lines->len; i++) {
                g_auto(GStrv) w = g_strsplit(p->lines->pdata[i], " ", 3);

                if (streq(w[0], "subscribed"))
                        g_hash_table_add(connections, g_strdup(w[2]));
        }
        g_assert_cmpuint(g_hash_table_size(connections), ==, 1);
        g_assert_true(test_process_wait_exit(p, TEST_TIMEOUT_USEC));
        test_process_free(p);
        /* Its subscriptions ended with its connection. */
        g_assert_true(test_bus_wait_for(f->client, test_no_subscriptions, f->client, TEST_TIMEOUT_USEC));
        return made;
}

static void expect_quota_exceeded(const char *line, const char *bound) {
        if (!g_str_has_prefix(line, "error org.ptpsync1.Error.QuotaExceeded ") || !strstr(line, bound))
                g_error("expected QuotaExceeded naming %s, got: %s", bound, line);
}

/*
 * [Quota user NAME] raises the bounds for one user, as the HTTP bridge needs (all its
 * subscriptions on one connection); what the group leaves unset stays [Quota]'s. Applied by a
 * reload; a bad value in it is refused like any other; a user that does not exist is skipped.
 */
static void test_quota_user(TestEnv *f, gconstpointer data) {
        g_autofree char *error = NULL;

        if (geteuid() != 0 || !getpwnam("nobody")) {
                g_test_skip("running a consumer as nobody needs root and the user nobody");
                return;
        }
        /* [Quota]'s defaults, 64 a connection. */
        g_assert_cmpuint(nobody_subscribes_on_one_connection(f, 101, &error), ==, 64);
        expect_quota_exceeded(error, "(SubscriptionsPerConnection=64 in [Quota])");
        g_clear_pointer(&error, g_free);

        /* The connection's bound raised for nobody alone: now its user's, still [Quota]'s, holds it. */
        write_config(f, BASE_CONFIG "[Quota]\nSubscriptionsPerConnection=64\n"
                        "[Quota user nobody]\nSubscriptionsPerConnection=100\n");
        reload_ok(f);
        g_assert_cmpuint(nobody_subscribes_on_one_connection(f, 101, &error), ==, 64);
        expect_quota_exceeded(error, "(SubscriptionsPerUser=64 in [Quota])");
        g_clear_pointer(&error, g_free);

        /* Both raised: the 65th..100th are made, the 101st is refused naming the group. A group for a
         * user that does not exist is skipped, not an error. */
        write_config(f, BASE_CONFIG "[Quota]\nSubscriptionsPerConnection=64\n"
                        "[Quota user nobody]\nSubscriptionsPerUser=4096\nSubscriptionsPerConnection=100\n"
                        "[Quota user ptpsync-test-no-such-user]\nSubscriptionsPerUser=1\n");
        reload_ok(f);
        g_assert_true(log_has(f, "[Quota user ptpsync-test-no-such-user]: no such user", 1));
        g_assert_cmpuint(nobody_subscribes_on_one_connection(f, 101, &error), ==, 100);
        expect_quota_exceeded(error, "(SubscriptionsPerConnection=100 in [Quota user nobody])");
        g_clear_pointer(&error, g_free);

        /* A bad value in the group: refused naming the group and key; the running quota stays. */
        write_config(f, BASE_CONFIG "[Quota user nobody]\nSubscriptionsPerConnection=lots\n");
        reload_refused(f, "key \"SubscriptionsPerConnection\" in group [Quota user nobody]");
        g_assert_cmpuint(nobody_subscribes_on_one_connection(f, 101, &error), ==, 100);
        expect_quota_exceeded(error, "[Quota user nobody]");
}

/* A bad file is refused whole: nothing of it applies, not even its good keys. */
static void test_bad_file(TestEnv *f, gconstpointer data) {
        static const struct {
                const char *text, *key;
        } cases[] = {
                { BASE_CONFIG "MaxOffsetNs=40\nMaxOffsetNS=40\n", "MaxOffsetNS" },  /* unknown key */
                { BASE_CONFIG "MaxOffsetNs=forty\n", "MaxOffsetNs" },               /* bad value */
                { BASE_CONFIG "MaxOffsetNs=40\n[Quota]\nSubscriptionsPerUser=-1\n", "SubscriptionsPerUser" },
                { BASE_CONFIG "MaxOffsetNs=40\n[ptp4l a]\nPollIntervalMs=5\n", "PollIntervalMs" },
                { BASE_CONFIG "MaxOffsetNs=40\n[Bogus]\n", "Bogus" },               /* unknown group */
        };

        test_inject(f->client, LOCK, "ens1f0", "locked", 50);
        wait_lock_event(f, "ens1fx", "LOCKED");
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                write_config(f, cases[i].text);
                reload_refused(f, cases[i].key);
                /* Inject replies once its events are out: had MaxOffsetNs=40 applied, this would be FREERUN. */
                test_inject(f->client, LOCK, "ens1f0", "locked", 50);
                assert_clock_state(f, "ens1fx", "LOCKED");
        }
        g_assert_true(log_has(f, "MaxOffsetNS", 1));

        /* A file that has gone is refused too (it was named with --config=, so it must exist). */
        g_assert_cmpint(unlink(f->config_path), ==, 0);
        reload_refused(f, "No such file");

        /* The old configuration is still whole: a good file now applies. */
        write_config(f, BASE_CONFIG "MaxOffsetNs=40\n");
        reload_ok(f);
        test_inject(f->client, LOCK, "ens1f0", "locked", 50);
        wait_lock_event(f, "ens1fx", "FREERUN");
}

/*
 * Command-line options keep overriding the file after a reload (the harness gives --source=sim,
 * --node-name= and --state-dir=); a setting that only a restart can change is logged, and the rest of
 * the file applies.
 */
static void test_restart_only(TestEnv *f, gconstpointer data) {
        g_autofree char *node = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;

        write_config(f, "[Daemon]\nNodeName=elsewhere\nSource=linuxptp\nStateDirectory=/nonexistent\n"
                        "RuntimeDirectory=/run/ptpsync-elsewhere\n[Grandmaster]\nTs2phcWatch=yes\nWriteClockClass=yes\n"
                        BASE_CONFIG "MaxOffsetNs=40\n");
        reload_ok(f);
        g_assert_true(log_has(f, "RuntimeDirectory=/run/ptpsync-elsewhere", 1));
        g_assert_true(log_has(f, "[Grandmaster] Ts2phcWatch=, Ts2phcPidFile= and Ts2phcConfig= take effect at the next "
                                 "restart", 1));
        g_assert_true(log_has(f, "[Grandmaster] WriteClockClass=yes takes effect at the next restart; "
                                 "Manager.SetClockClassWriter turns the writer on or off now.", 1));
        g_assert_true(log_has(f, "next restart", 1));
        /* Overridden on the command line: unchanged, so not even a notice. */
        g_assert_cmpuint(test_file_count(f->log_path, "NodeName="), ==, 0);
        g_assert_cmpuint(test_file_count(f->log_path, "Source="), ==, 0);
        g_assert_cmpuint(test_file_count(f->log_path, "StateDirectory="), ==, 0);
        g_assert_cmpint(sd_bus_get_property_string(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                                   "NodeName", &error, &node), >=, 0);
        g_assert_cmpstr(node, ==, TEST_NODE_NAME);

        /* Still the simulator, with the file's thresholds. */
        test_inject(f->client, LOCK, "ens1f0", "locked", 50);
        wait_lock_event(f, "ens1fx", "FREERUN");
}

static uint64_t subscription_counter(TestEnv *f, const char *path, const char *name) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint32_t u = 0;

        if (sd_bus_get_property_trivial(f->client, BUS_NAME, path, SUBSCRIPTION_INTERFACE, name, &error, 'u', &u) < 0)
                g_error("Get %s of %s: %s: %s", name, path, error.name, error.message);
        return u;
}

typedef struct QueueWait {
        TestEnv *f;
        const char *path;
        uint32_t in_flight, pending;
} QueueWait;

static bool queue_is(void *userdata) {
        QueueWait *w = userdata;

        return subscription_counter(w->f, w->path, "InFlight") == w->in_flight &&
               subscription_counter(w->f, w->path, "Pending") == w->pending;
}

/* The seq of a consumer's next "event" line; fails at the deadline. */
static uint64_t next_delivery(TestProcess *c, guint *from) {
        const char *line = test_process_wait_line(c, "event ", from, TEST_TIMEOUT_USEC);

        if (!line)
                g_error("no delivery after line %u", *from);
        return g_ascii_strtoull(line + strlen("event "), NULL, 10);
}

static bool path_listed(TestEnv *f, const char *path) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *p;
        bool found = false;

        g_assert_cmpint(sd_bus_call_method(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                           "ListSubscriptions", &error, &reply, NULL), >=, 0);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "o"), >, 0);
        while (sd_bus_message_read(reply, "o", &p) > 0)
                found = found || streq(p, path);
        return found;
}

static char process_state(GPid pid) {
        g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int) pid), *text = NULL;
        const char *p;

        if (!g_file_get_contents(path, &text, NULL, NULL) || !(p = strrchr(text, ')')))
                return '?';
        return p[1] == ' ' ? p[2] : '?';
}

/* The consumer with --stop-after= has stopped itself (after answering a delivery), within the deadline. */
static void wait_stopped(TestProcess *c) {
        gint64 deadline = g_get_monotonic_time() + TEST_TIMEOUT_USEC;

        while (process_state(c->pid) != 'T') {
                if (g_get_monotonic_time() > deadline)
                        g_error("the consumer did not stop itself");
                g_usleep(TEST_POLL_USEC); /* polling a process's state, bounded by the deadline */
        }
}

/* Lets the stopped consumer go on to its next delivery (after which it stops again): that one's seq. */
static uint64_t resume_for_next(TestProcess *c, guint *from) {
        wait_stopped(c);
        g_assert_cmpint(kill(c->pid, SIGCONT), ==, 0);
        return next_delivery(c, from);
}

/* A durable consumer with events queued for it: after the reload, the same object, the same queue. */
static void test_subscriptions_kept(TestEnv *f, gconstpointer data) {
        g_autofree char *path = NULL;
        unsigned injected = 0;
        TestProcess *c;
        QueueWait w;
        guint from = 0;

        /* It acks each event and stops itself: 2 goes out and waits unanswered, 3 waits behind it. */
        c = test_consumer_start(f->bus, PTP_STATUS, &path, "--name=agent", "--stop-after=1", NULL);
        test_inject_lock_events(f->client, &injected, 1);
        g_assert_cmpuint(next_delivery(c, &from), ==, 1);
        wait_stopped(c);
        test_inject_lock_events(f->client, &injected, 2);
        w = (QueueWait) { f, path, 1, 1 };
        g_assert_true(test_bus_wait_for(f->client, queue_is, &w, TEST_TIMEOUT_USEC));

        write_config(f, BASE_CONFIG "MaxOffsetNs=40\n");
        reload_ok(f);
        g_assert_true(queue_is(&w));
        g_assert_true(path_listed(f, path));
        g_assert_cmpuint(test_manager_get_u(f->client, "SubscriptionCount"), ==, 1);
        /* The current state too: the third injection locked it again. */
        assert_clock_state(f, "ens1fx", "LOCKED");

        /* Woken up, it gets what was queued, in order, then what comes next. */
        g_assert_cmpuint(resume_for_next(c, &from), ==, 2);
        g_assert_cmpuint(resume_for_next(c, &from), ==, 3);
        test_inject_lock_events(f->client, &injected, 1);
        g_assert_cmpuint(resume_for_next(c, &from), ==, 4);
        g_assert_true(path_listed(f, path));
        test_process_free(c);
}

/* Clears what the daemon has notified so far, so that the next READY=1 is a new one. */
static void notifications_clear(TestEnv *f) {
        g_assert_false(test_daemon_wait_notify(f->daemon, "\x01", 0)); /* drains the socket */
        g_string_truncate(f->daemon->notifications, 0);
}

static void sighup_and_wait(TestEnv *f) {
        notifications_clear(f);
        g_assert_cmpint(kill(f->daemon->pid, SIGHUP), ==, 0);
        if (!test_daemon_wait_notify(f->daemon, "RELOADING=1", TEST_TIMEOUT_USEC)) {
                if (test_daemon_wait_exit(f->daemon, 0))
                        g_error("SIGHUP ended the daemon (wait status 0x%x: %s %d)", f->daemon->exit_status,
                                WIFSIGNALED(f->daemon->exit_status) ? "signal" : "exit",
                                WIFSIGNALED(f->daemon->exit_status) ? WTERMSIG(f->daemon->exit_status)
                                                                     : WEXITSTATUS(f->daemon->exit_status));
                g_error("no RELOADING=1 after SIGHUP; notifications: %s", f->daemon->notifications->str);
        }
        g_assert_true(test_daemon_wait_notify(f->daemon, "READY=1", TEST_TIMEOUT_USEC));
        /* RELOADING=1 first, with the time systemd wants beside it; READY=1 after. */
        g_assert_true(strstr(f->daemon->notifications->str, "RELOADING=1") <
                      strstr(f->daemon->notifications->str, "READY=1"));
        g_assert_nonnull(strstr(f->daemon->notifications->str, "MONOTONIC_USEC="));
        g_assert_false(test_daemon_wait_exit(f->daemon, 0));
}

/* SIGHUP reloads like Reload (it used to kill the daemon: exit 129); a bad file is logged and refused. */
static void test_sighup(TestEnv *f, gconstpointer data) {
        test_inject(f->client, LOCK, "ens1f0", "locked", 50);
        wait_lock_event(f, "ens1fx", "LOCKED");

        write_config(f, BASE_CONFIG "MaxOffsetNs=40\n");
        sighup_and_wait(f);
        test_inject(f->client, LOCK, "ens1f0", "locked", 50);
        wait_lock_event(f, "ens1fx", "FREERUN");

        /* A bad file: logged with the key, and MaxOffsetNs=40 stays (50 would be LOCKED under the bad file's 1000). */
        write_config(f, BASE_CONFIG "MaxOffsetNs=1000\nHoldoverTimeout=1\n");
        sighup_and_wait(f);
        g_assert_true(log_has(f, "HoldoverTimeout\"", 1));
        test_inject(f->client, LOCK, "ens1f0", "locked", 50);
        assert_clock_state(f, "ens1fx", "FREERUN");
        /* The teardown's SIGTERM still ends it with status 0. */
}

typedef struct Ctl {
        int status; /* the exit status, or -1 if it did not exit */
        char *out, *err;
} Ctl;

static void ctl_clear(Ctl *c) {
        g_free(c->out);
        g_free(c->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Ctl, ctl_clear)

/* ptpsyncctl --bus=<test bus> reload, as user (NULL: as we are). */
static void run_ctl_reload(TestEnv *f, const char *user, Ctl *ret) {
        g_autofree char *bus_arg = g_strconcat("--bus=", f->bus->address, NULL);
        const char *ctl = g_getenv("PTPSYNCCTL");
        const char *as_user[] = { "runuser", "-u", user, "--", ctl, bus_arg, "reload", NULL };
        const char *as_us[] = { ctl, bus_arg, "reload", NULL };
        g_autoptr(GError) error = NULL;
        int status;

        g_assert_nonnull(ctl);
        g_spawn_sync(NULL, (char **) (user ? as_user : as_us), NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &ret->out,
                     &ret->err, &status, &error);
        g_assert_no_error(error);
        ret->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* What ExecReload= runs: 0 when the file applied; non-zero with the daemon's message when it did not. */
static void test_ptpsyncctl(TestEnv *f, gconstpointer data) {
        g_auto(Ctl) good = {}, bad = {};

        write_config(f, BASE_CONFIG "MaxOffsetNs=40\n");
        run_ctl_reload(f, NULL, &good);
        if (good.status != 0)
                g_error("ptpsyncctl reload: exit %d: %s", good.status, good.err);
        g_assert_cmpstr(good.out, ==, "");
        test_inject(f->client, LOCK, "ens1f0", "locked", 50);
        wait_lock_event(f, "ens1fx", "FREERUN");

        write_config(f, BASE_CONFIG "MaxOffsetNs=4O\n");
        run_ctl_reload(f, NULL, &bad);
        g_assert_cmpint(bad.status, ==, 1);
        if (!strstr(bad.err, "MaxOffsetNs") || !strstr(bad.err, "4O"))
                g_error("ptpsyncctl reload of a bad file said: %s", bad.err);
}

/* Reload is org.ptpsync1.configure: without polkitd only root may; nobody gets AccessDenied saying why. */
static void test_nobody(TestEnv *f, gconstpointer data) {
        g_autofree char *bus_arg = NULL, *out = NULL, *err = NULL;
        g_autoptr(GError) error = NULL;
        g_auto(Ctl) ctl = {};
        int status;

        if (geteuid() != 0 || !getpwnam("nobody")) {
                g_test_skip("running a client as nobody needs root and the user nobody");
                return;
        }
        /* Would apply, were it allowed. */
        write_config(f, BASE_CONFIG "MaxOffsetNs=40\n");
        bus_arg = g_strconcat("--bus=", f->bus->address, NULL);
        const char *argv[] = { "runuser", "-u", "nobody", "--", "dbus-send", bus_arg, "--print-reply",
                               "--dest=org.ptpsync1", MANAGER_OBJECT_PATH, MANAGER_INTERFACE ".Reload", NULL };
        g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error);
        g_assert_no_error(error);
        g_assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        if (!strstr(err, "org.freedesktop.DBus.Error.AccessDenied") || !strstr(err, "polkit is not running"))
                g_error("Reload as nobody: expected AccessDenied (polkit is not running), got: %s", err);

        run_ctl_reload(f, "nobody", &ctl);
        g_assert_cmpint(ctl.status, ==, 4);

        /* Nothing was reloaded. */
        g_assert_cmpuint(test_file_count(f->log_path, "Reloaded the configuration"), ==, 0);
        test_inject(f->client, LOCK, "ens1f0", "locked", 50);
        assert_clock_state(f, "ens1fx", "LOCKED");
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) test_env_add("/reload/" name, &options, fn)
        ADD("thresholds", test_thresholds);
        ADD("holdover", test_holdover);
        ADD("bad-file", test_bad_file);
        ADD("restart-only", test_restart_only);
        ADD("subscriptions-kept", test_subscriptions_kept);
        ADD("sighup", test_sighup);
        ADD("ptpsyncctl", test_ptpsyncctl);
        ADD("nobody", test_nobody);
        ADD("quota-user", test_quota_user);
#undef ADD
        test_env_add("/reload/quota", &quota_options, test_quota);
        return g_test_run();
}
