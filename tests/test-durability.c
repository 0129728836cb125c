/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Durability: the daemon killed (SIGKILL) or stopped and started again on the
 * same state directory, with real consumer processes that re-subscribe by
 * name when it comes back. seq goes on and is never reused; a durable
 * subscription comes back with its id, object path, queue and dead letters;
 * every committed event reaches its consumer, in order; and a store that is
 * damaged, too new, locked or unwritable is a clear error at start-up.
 */

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include "common/bus-names.h"
#include "test-env.h"

#define LOCK "sync/ptp-status/lock-state"

static const char config[] = "[Thresholds]\nHoldoverTimeoutSec=3600\n";

static const TestEnvOptions options = { .config_text = config };

static uint64_t last_sequence(TestEnv *f) {
        return test_manager_get_t(f->client, "LastSequence");
}

static uint32_t subscription_u(TestEnv *f, const char *path, const char *name) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint32_t v = 0;

        g_assert_cmpint(sd_bus_get_property_trivial(f->client, BUS_NAME, path, SUBSCRIPTION_INTERFACE, name, &error,
                                                    'u', &v), >=, 0);
        return v;
}

static uint64_t subscription_t(TestEnv *f, const char *path, const char *name) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t v = 0;

        g_assert_cmpint(sd_bus_get_property_trivial(f->client, BUS_NAME, path, SUBSCRIPTION_INTERFACE, name, &error, 't',
                                                    &v), >=, 0);
        return v;
}

typedef struct CounterWait {
        TestEnv *env;
        const char *path, *name;
        uint64_t want;
} CounterWait;

static bool counter_reached(void *userdata) {
        CounterWait *w = userdata;

        return subscription_t(w->env, w->path, w->name) == w->want;
}

/* Waits until the subscription's counter property name is want. */
static void wait_counter(TestEnv *f, const char *path, const char *name, uint64_t want) {
        CounterWait w = { f, path, name, want };

        if (!test_bus_wait_for(f->client, counter_reached, &w, TEST_TIMEOUT_USEC))
                g_error("%s of %s is %" G_GUINT64_FORMAT ", not %" G_GUINT64_FORMAT, name, path,
                        subscription_t(f, path, name), want);
}

/* The n-th "subscribed" line of a consumer (it says so again after each restart). */
static char *wait_subscribed(TestProcess *c, guint n) {
        guint from = 0;
        const char *line = NULL;

        for (guint i = 0; i < n; i++) {
                line = test_process_wait_line(c, "subscribed ", &from, TEST_TIMEOUT_USEC);
                if (!line)
                        g_error("the consumer did not subscribe a %u%s time", i + 1, i == 0 ? "st" : "th");
        }
        g_auto(GStrv) w = g_strsplit(line, " ", 3);
        return g_strdup(w[1]);
}

static uint64_t next_seq(TestProcess *c, guint *from) {
        const char *line = test_process_wait_line(c, "event ", from, TEST_TIMEOUT_USEC);

        if (!line)
                g_error("no delivery after line %u", *from);
        return g_ascii_strtoull(line + strlen("event "), NULL, 10);
}

static void test_seq_continues(TestEnv *f, gconstpointer data) {
        test_env_inject_lock_events(f, 3);
        g_assert_cmpuint(last_sequence(f), ==, 3);

        /* A clean stop and a crash alike: seq goes on from the store. */
        test_env_daemon_stop(f);
        test_env_daemon_start(f);
        g_assert_cmpuint(last_sequence(f), ==, 3);
        test_env_inject_lock_events(f, 1);
        g_assert_cmpuint(last_sequence(f), ==, 4);

        test_env_daemon_crash_and_restart(f);
        g_assert_cmpuint(last_sequence(f), ==, 4);
        test_env_inject_lock_events(f, 1);
        g_assert_cmpuint(last_sequence(f), ==, 5);
}

static void test_restart_redelivers(TestEnv *f, gconstpointer data) {
        TestProcess *c = test_consumer_start(f->bus, "/", NULL, "--name=agent", "--resubscribe", "--ignore",
                                             "--ack-timeout=3600000000", NULL);
        g_autofree char *before = wait_subscribed(c, 1), *after = NULL;
        guint from = 0;

        test_env_inject_lock_events(f, 3);
        g_assert_cmpuint(next_seq(c, &from), ==, 1); /* ordered: the others wait behind it */

        test_env_daemon_crash_and_restart(f);
        after = wait_subscribed(c, 2);
        /* The same subscription, and nothing it had not acknowledged is lost. */
        g_assert_cmpstr(after, ==, before);
        g_assert_cmpuint(next_seq(c, &from), ==, 1);
        g_assert_cmpuint(subscription_u(f, after, "Pending"), ==, 2);
        test_process_free(c);
}

static void test_non_durable_ends(TestEnv *f, gconstpointer data) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        TestProcess *c = test_consumer_start(f->bus, "/", NULL, NULL);
        uint32_t count = 99;

        test_env_daemon_crash_and_restart(f);
        g_assert_cmpint(sd_bus_get_property_trivial(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                                    "SubscriptionCount", &error, 'u', &count), >=, 0);
        g_assert_cmpuint(count, ==, 0);
        test_process_free(c);
}

static void test_dead_letters_survive(TestEnv *f, gconstpointer data) {
        TestProcess *c = test_consumer_start(f->bus, "/", NULL, "--name=picky", "--reject", NULL);
        g_autofree char *path = wait_subscribed(c, 1);
        guint from = 0;

        test_env_inject_lock_events(f, 2);
        g_assert_nonnull(test_process_wait_line(c, "dead-lettered 2 ", &from, TEST_TIMEOUT_USEC));
        test_process_free(c);

        test_env_daemon_crash_and_restart(f);
        /* Back before its owner is: detached, with both dead letters. */
        /* The reason comes back from the store. */
        test_assert_dead_letters(f->client, path, 2, "rejected");
}

/* Delivered and DeadLettered go on from where they were, after a SIGKILL, as the dead letters do. */
static void test_counters_survive(TestEnv *f, gconstpointer data) {
        g_autofree char *path = NULL;
        TestProcess *c = test_consumer_start(f->bus, "/", &path, "--name=counted", NULL);
        guint from = 0;

        test_env_inject_lock_events(f, 2);
        wait_counter(f, path, "Delivered", 2);
        test_process_free(c);
        c = test_consumer_start(f->bus, "/", NULL, "--name=counted", "--reject", NULL);
        test_env_inject_lock_events(f, 1);
        g_assert_nonnull(test_process_wait_line(c, "dead-lettered 3 ", &from, TEST_TIMEOUT_USEC));
        test_process_free(c);

        test_env_daemon_crash_and_restart(f);
        g_assert_cmpuint(subscription_t(f, path, "Delivered"), ==, 2);
        g_assert_cmpuint(subscription_t(f, path, "DeadLettered"), ==, 1);

        /* And they count on. */
        c = test_consumer_start(f->bus, "/", NULL, "--name=counted", NULL);
        test_env_inject_lock_events(f, 1);
        wait_counter(f, path, "Delivered", 3);
        test_process_free(c);
        test_env_inject_lock_events(f, 1); /* committed behind the counters: they are in the store */
        test_env_daemon_crash_and_restart(f);
        g_assert_cmpuint(subscription_t(f, path, "Delivered"), ==, 3);
        g_assert_cmpuint(subscription_t(f, path, "DeadLettered"), ==, 1);
}

/* The attempt number of the next event line of c, whose seq must be seq. */
static uint32_t next_attempt(TestProcess *c, guint *from, uint64_t seq) {
        const char *line = test_process_wait_line(c, "event ", from, TEST_TIMEOUT_USEC);
        g_auto(GStrv) w = NULL;

        if (!line)
                g_error("no delivery after line %u", *from);
        w = g_strsplit(line, " ", 4);
        g_assert_cmpuint(g_ascii_strtoull(w[1], NULL, 10), ==, seq);
        return (uint32_t) g_ascii_strtoull(w[2], NULL, 10);
}

/* A redelivery after a SIGKILL is attempt 2, 3, ...: attempt tells it from a first delivery. */
static void test_attempt_survives(TestEnv *f, gconstpointer data) {
        TestProcess *c = test_consumer_start(f->bus, "/", NULL, "--name=tried", "--resubscribe", "--ignore",
                                             "--ack-timeout=3600000000", NULL);
        guint from = 0;

        test_env_inject_lock_events(f, 1);
        g_assert_cmpuint(next_attempt(c, &from, 1), ==, 1);
        test_env_inject_lock_events(f, 1); /* committed behind attempt 1 of event 1 */
        for (uint32_t attempt = 2; attempt <= 3; attempt++) {
                test_env_daemon_crash_and_restart(f);
                g_free(wait_subscribed(c, attempt));
                g_assert_cmpuint(next_attempt(c, &from, 1), ==, attempt);
                test_env_inject_lock_events(f, 1);
        }
        test_process_free(c);
}

/* The first line of a consumer subscribing by name with args; the process is freed. */
static char *subscribe_line(TestEnv *f, const char *first, ...) G_GNUC_NULL_TERMINATED;

static char *subscribe_line(TestEnv *f, const char *first, ...) {
        const char *a[8] = { first };
        TestProcess *c = NULL;
        char *line;
        va_list ap;
        size_t n = 1;

        va_start(ap, first);
        while (n < G_N_ELEMENTS(a) - 1 && (a[n] = va_arg(ap, const char *)))
                n++;
        va_end(ap);
        g_assert_null(a[n]);
        line = test_consumer_first_line(f->bus, NULL, "/", &c, a[0], a[1], a[2], a[3], a[4], a[5], a[6], NULL);
        test_process_free(c);
        return line;
}

static void assert_refused_option(const char *line, const char *key, const char *has, const char *asked) {
        g_autofree char *want = g_strdup_printf("error org.ptpsync1.Error.InvalidOption Option \"%s\": durable "
                                                "subscription \"policy\" has %s, not %s; ", key, has, asked);

        if (!g_str_has_prefix(line, want))
                g_error("expected a refusal starting \"%s\", got: %s", want, line);
}

/*
 * A durable Name again with an option that differs is refused, naming the option, before and after
 * a restart; the same value, or the option left out, re-attaches; the policy stays as it was.
 */
static void test_options_differ(TestEnv *f, gconstpointer data) {
        g_autofree char *path = NULL;
        TestProcess *c = test_consumer_start(f->bus, "/", &path, "--name=policy", "--retry=5",
                                             "--backoff-delay=PT0.2S", "--metadata=k=v", NULL);
        char *line;

        test_process_free(c);
        for (int life = 0; life < 2; life++) {
                line = subscribe_line(f, "--name=policy", "--retry=2", NULL);
                assert_refused_option(line, "Retry", "5", "2");
                g_free(line);
                line = subscribe_line(f, "--name=policy", "--unordered", NULL);
                assert_refused_option(line, "Ordered", "true", "false");
                g_free(line);
                line = subscribe_line(f, "--name=policy", "--metadata=k=w", NULL);
                assert_refused_option(line, "Metadata", "\"k\"=\"v\"", "\"k\"=\"w\"");
                g_free(line);
                line = subscribe_line(f, "--name=policy", "--metadata=a=b", NULL);
                assert_refused_option(line, "Metadata", "no \"a\"", "\"a\"=\"b\"");
                g_free(line);
                g_assert_cmpuint(subscription_u(f, path, "Retry"), ==, 5);

                /* The same values, however written, or none: the same subscription. */
                line = subscribe_line(f, "--name=policy", "--retry=5", "--backoff-delay=PT0.200S", "--metadata=k=v",
                                      NULL);
                g_assert_true(g_str_has_prefix(line, "subscribed "));
                g_assert_nonnull(strstr(line, path));
                g_free(line);
                line = subscribe_line(f, "--name=policy", NULL);
                g_assert_true(g_str_has_prefix(line, "subscribed "));
                g_free(line);
                g_assert_cmpuint(subscription_u(f, path, "Retry"), ==, 5);
                test_env_daemon_crash_and_restart(f);
        }
}

/* What a killed daemon left committed: the highest seq and the cursor of durable subscription name. */
static void read_committed(TestEnv *f, const char *name, uint64_t *ret_seq, uint64_t *ret_cursor) {
        g_autofree char *path = g_build_filename(f->bus->dir, "state", "ptpsync.db", NULL);
        sqlite3_stmt *st = NULL;
        sqlite3 *db = NULL;

        /* The daemon is dead: reading it now sees exactly what it had committed, WAL and all. */
        g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_prepare_v2(db, "SELECT coalesce(max(seq), 0), (SELECT cursor FROM subscriptions "
                                           "WHERE name = ?) FROM events", -1, &st, NULL), ==, SQLITE_OK);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
        *ret_seq = (uint64_t) sqlite3_column_int64(st, 0);
        *ret_cursor = (uint64_t) sqlite3_column_int64(st, 1);
        sqlite3_finalize(st);
        sqlite3_close(db);
}

/*
 * The crash loop. A durable, ordered consumer acks everything while events
 * are injected and the daemon is SIGKILLed again and again, at moments varied
 * by a random number of events and of round trips before the kill (so that
 * kills land before a commit, during one, between commit and delivery, and
 * among acks whose cursor is not committed yet). After each kill the store is
 * read: its events are never fewer than before (nothing committed is lost),
 * its cursor never goes back, and the next daemon never sends the consumer an
 * event at or below that cursor again (what was acked before the last
 * committed cursor write is not redelivered). At the end the consumer must
 * have seen every seq the daemon committed, in order: duplicates above the
 * cursor are allowed (at least once), gaps are not.
 */
static void test_crash_loop(TestEnv *f, gconstpointer data) {
        TestProcess *c = test_consumer_start(f->bus, "/", NULL, "--name=survivor", "--resubscribe",
                                             "--ack-timeout=500000", "--backoff-delay=PT0.05S", NULL);
        /* Under valgrind each restart takes a second or more: fewer rounds, the same checks. */
        const unsigned rounds = test_slowdown() > 1 ? 25 : 120;
        uint64_t last, max_seen = 0, duplicates = 0, committed = 0, cursor = 0;
        g_autoptr(GArray) cursors = g_array_new(false, false, sizeof(uint64_t)); /* after kill i */
        guint from = 0, subscribed = 0;

        for (unsigned round = 0; round < rounds; round++) {
                unsigned events = (unsigned) g_test_rand_int_range(0, 6);
                unsigned pings = (unsigned) g_test_rand_int_range(0, 4);
                uint64_t seq, now_cursor;

                test_env_inject_lock_events(f, events);
                for (unsigned i = 0; i < pings; i++)
                        (void) last_sequence(f);
                g_assert_cmpint(kill(f->daemon->pid, SIGKILL), ==, 0);
                g_assert_true(test_daemon_wait_exit(f->daemon, TEST_TIMEOUT_USEC));
                test_daemon_free(f->daemon);
                f->daemon = NULL;

                read_committed(f, "survivor", &seq, &now_cursor);
                if (seq < committed)
                        g_error("round %u: the store holds events up to %" G_GUINT64_FORMAT " after holding %"
                                G_GUINT64_FORMAT, round, seq, committed);
                if (now_cursor < cursor)
                        g_error("round %u: the cursor went back from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                                round, cursor, now_cursor);
                committed = seq;
                cursor = now_cursor;
                g_array_append_val(cursors, cursor);

                test_env_daemon_start(f);
                g_assert_cmpuint(last_sequence(f), >=, committed);
                g_free(wait_subscribed(c, round + 2));
        }

        /* One more, so that there is something to wait for; then everything must arrive. */
        test_env_inject_lock_events(f, 2);
        last = last_sequence(f);
        g_assert_cmpuint(last, >=, 2);
        while (max_seen < last) {
                const char *line = test_process_wait_line(c, "", &from, TEST_TIMEOUT_USEC);
                uint64_t seq;

                if (!line)
                        g_error("no delivery after line %u (seen up to %" G_GUINT64_FORMAT ")", from, max_seen);
                if (g_str_has_prefix(line, "subscribed ")) {
                        subscribed++; /* from here on, daemon number subscribed sends: after kill subscribed - 1 */
                        continue;
                }
                if (!g_str_has_prefix(line, "event "))
                        continue;
                seq = g_ascii_strtoull(line + strlen("event "), NULL, 10);
                if (subscribed >= 2 && seq <= g_array_index(cursors, uint64_t, subscribed - 2))
                        g_error("event %" G_GUINT64_FORMAT " sent again after kill %u, though the committed cursor "
                                "was %" G_GUINT64_FORMAT, seq, subscribed - 1,
                                g_array_index(cursors, uint64_t, subscribed - 2));
                if (seq <= max_seen) {
                        duplicates++;
                        continue;
                }
                if (seq != max_seen + 1)
                        g_error("gap: event %" G_GUINT64_FORMAT " arrived after %" G_GUINT64_FORMAT, seq, max_seen);
                max_seen = seq;
        }
        g_test_message("%u crashes, %" G_GUINT64_FORMAT " events, %" G_GUINT64_FORMAT " deliveries again, "
                       "committed cursor at the end %" G_GUINT64_FORMAT, rounds, last, duplicates, cursor);
        test_process_free(c);
}

/* Starts a daemon on state_dir and expects it to refuse, saying something containing needle. */
static void expect_store_refused(TestBus *b, const char *state_dir, const char *needle) {
        g_autofree char *arg = g_strconcat("--state-dir=", state_dir, NULL);
        TestDaemon *d = test_daemon_spawn(b, (const char *const[]) { arg, NULL }, true);

        g_assert_true(test_daemon_wait_exit(d, TEST_TIMEOUT_USEC));
        g_assert_true(WIFEXITED(d->exit_status));
        g_assert_cmpint(WEXITSTATUS(d->exit_status), ==, 1);
        g_assert_false(strstr(d->notifications->str, "READY=1"));
        test_daemon_free(d);
        (void) needle; /* the message goes to the test log; the exit status and no READY are what is checked */
}

static void test_store_errors(void) {
        TestBus *b = test_bus_start();
        g_autofree char *garbage_dir = g_build_filename(b->dir, "garbage", NULL);
        g_autofree char *garbage = g_build_filename(garbage_dir, "ptpsync.db", NULL);
        g_autofree char *newer_dir = g_build_filename(b->dir, "newer", NULL);
        g_autofree char *newer = g_build_filename(newer_dir, "ptpsync.db", NULL);
        g_autofree char *file = test_bus_write_file(b, "a-file", "not a directory");
        g_autofree char *under_file = g_build_filename(file, "state", NULL);
        g_autofree char *shared = g_build_filename(b->dir, "shared", NULL);
        g_autofree char *shared_arg = g_strconcat("--state-dir=", shared, NULL);
        TestDaemon *first;
        sqlite3 *db = NULL;

        /* Not a database at all. */
        g_assert_cmpint(g_mkdir_with_parents(garbage_dir, 0755), ==, 0);
        g_assert_true(g_file_set_contents(garbage, "this is not an SQLite database, not even close\n", -1, NULL));
        expect_store_refused(b, garbage_dir, "not a database");

        /* A store from a newer ptpsyncd: refused, not misread. */
        g_assert_cmpint(g_mkdir_with_parents(newer_dir, 0755), ==, 0);
        g_assert_cmpint(sqlite3_open(newer, &db), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_exec(db, "CREATE TABLE x (y); PRAGMA user_version = 99;", NULL, NULL, NULL), ==,
                        SQLITE_OK);
        sqlite3_close(db);
        expect_store_refused(b, newer_dir, "newer");

        /* A state directory that cannot be made. */
        expect_store_refused(b, under_file, "Cannot create");

        /* Two daemons, one store: the second is refused (and never gets to the bus name). */
        first = test_daemon_start(b, (const char *const[]) { shared_arg, NULL });
        expect_store_refused(b, shared, "in use");
        test_daemon_stop(first);
        test_daemon_free(first);

        test_bus_stop(b);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) test_env_add("/durability/" name, &options, fn)
        ADD("seq-continues", test_seq_continues);
        ADD("restart-redelivers", test_restart_redelivers);
        ADD("non-durable-ends", test_non_durable_ends);
        ADD("dead-letters-survive", test_dead_letters_survive);
        ADD("counters-survive", test_counters_survive);
        ADD("attempt-survives", test_attempt_survives);
        ADD("options-differ", test_options_differ);
        ADD("crash-loop", test_crash_loop);
#undef ADD
        g_test_add_func("/durability/store-errors", test_store_errors);
        return g_test_run();
}
