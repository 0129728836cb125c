/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A store that runs out of space mid-run: the real thing, a small tmpfs of
 * our own (so root only: skipped, 77, otherwise) holding the daemon's state
 * directory, filled by a filler file and freed again, with a durable ordered
 * consumer acknowledging everything. No call hears "durable" about what is
 * not committed (a durable Subscribe and the Injects made while full get
 * StoreFailed, naming the file and why); nothing is announced before it is
 * committed; the held events keep their seqs and go out once there is room;
 * if there never is, the daemon gives up after 30 s with status 1 and says
 * why, as it does when stopped while full; and after a restart the consumer
 * has every committed event, each seq once and in order.
 *
 * The tmpfs is mounted in a mount namespace of the test's own, so that it is
 * gone with the test even when an assertion aborts it.
 */

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "common/bus-names.h"
#include "test-env.h"

#define LOCK "sync/ptp-status/lock-state"
#define STORE_FAILED BUS_ERROR_STORE_FAILED
#define DISK_FULL "database or disk is full"
#define GIVE_UP_USEC (30 * G_USEC_PER_SEC)

static const char config[] = "[Thresholds]\nHoldoverTimeoutSec=3600\n";

typedef struct Fixture {
        TestEnv env; /* the daemon's state directory on the tmpfs, its log (env.log_path) off it */
        char *mnt;   /* the tmpfs */
        char *db, *filler;
        TestProcess *consumer;
        guint from;    /* the consumer's lines read so far */
        uint64_t seen; /* the newest seq it got */
        unsigned injected;
} Fixture;

/* --- the store, read behind the daemon's back -------------------------------------------------- */

static int64_t db_int(Fixture *f, const char *sql) {
        sqlite3 *db = NULL;
        sqlite3_stmt *stmt = NULL;
        int64_t v;

        g_assert_cmpint(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_busy_timeout(db, (int) (TEST_TIMEOUT_USEC / 1000)), ==, SQLITE_OK);
        if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW)
                g_error("%s: %s: %s", f->db, sql, sqlite3_errmsg(db));
        v = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        g_assert_cmpint(sqlite3_close(db), ==, SQLITE_OK);
        return v;
}

/*
 * Empties the WAL into the database and truncates it, so that the daemon's next commit must grow a
 * file: with the disk full, that commit fails, rather than one some commits later.
 */
static void wal_truncate(Fixture *f) {
        /* Its first column: whether it was kept from finishing. */
        g_assert_cmpint(db_int(f, "PRAGMA wal_checkpoint(TRUNCATE)"), ==, 0);
}

/* Polls the store until the consumer's acknowledgements up to seq are committed; false at the deadline. */
static bool wait_cursor(Fixture *f, uint64_t seq) {
        gint64 deadline = g_get_monotonic_time() + TEST_TIMEOUT_USEC;

        while (db_int(f, "SELECT cursor FROM subscriptions WHERE name = 'keeper'") < (int64_t) seq) {
                if (g_get_monotonic_time() > deadline)
                        return false;
                g_usleep(TEST_POLL_USEC); /* nothing to wait on but the file: poll, bounded by the deadline */
        }
        return true;
}

/* --- the disk ---------------------------------------------------------------------------------- */

/* Writes the filler until the tmpfs has no room left. */
static void fill(Fixture *f) {
        static char block[64 * 1024];
        int fd = open(f->filler, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        size_t chunk = sizeof(block);

        g_assert_cmpint(fd, >=, 0);
        while (chunk > 0) {
                ssize_t n = write(fd, block, chunk);

                if (n < 0) {
                        g_assert_cmpint(errno, ==, ENOSPC);
                        chunk /= 2;
                }
        }
        g_assert_cmpint(close(fd), ==, 0);
}

static void make_room(Fixture *f) {
        g_assert_cmpint(unlink(f->filler), ==, 0);
}

/* --- the daemon and the consumer --------------------------------------------------------------- */

static uint64_t last_sequence(Fixture *f) {
        return test_manager_get_t(f->env.client, "LastSequence");
}

static uint32_t subscription_count(Fixture *f) {
        return test_manager_get_u(f->env.client, "SubscriptionCount");
}

static bool last_sequence_is(void *userdata) {
        void **args = userdata;

        return last_sequence(args[0]) == GPOINTER_TO_UINT(args[1]);
}

static void wait_last_sequence(Fixture *f, uint64_t seq) {
        if (!test_bus_wait_for(f->env.client, last_sequence_is, (void *[]) { f, GUINT_TO_POINTER(seq) },
                               TEST_TIMEOUT_USEC))
                g_error("LastSequence is %" G_GUINT64_FORMAT ", not %" G_GUINT64_FORMAT, last_sequence(f), seq);
}

/*
 * One more lock-state event (alternately locked and unlocked: one event each). Returns NULL when the
 * daemon says it is durable, else the error, "NAME: MESSAGE" (g_free).
 */
static char *inject(Fixture *f) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *failure = NULL;
        int r;

        r = sd_bus_call_method(f->env.client, BUS_NAME, MANAGER_OBJECT_PATH, SIMULATOR_INTERFACE, "Inject", &error,
                               NULL, "sssx", LOCK, "ens1f0", f->injected++ % 2 == 0 ? "locked" : "unlocked",
                               (int64_t) 7);
        if (r < 0)
                failure = g_strdup_printf("%s: %s", error.name, error.message);
        sd_bus_error_free(&error);
        return failure;
}

/* An Inject the daemon calls durable is committed: the store has its event. */
static void inject_ok(Fixture *f) {
        g_autofree char *failure = inject(f);
        uint64_t seq;

        if (failure)
                g_error("Inject failed: %s", failure);
        seq = last_sequence(f);
        g_assert_cmpint(db_int(f, "SELECT count(*) FROM events"), ==, (int64_t) seq);
        g_assert_cmpint(db_int(f, "SELECT max(seq) FROM events"), ==, (int64_t) seq);
}

/* An Inject while the disk is full: StoreFailed, naming the file and why. */
static void inject_refused(Fixture *f) {
        g_autofree char *failure = inject(f);

        g_assert_nonnull(failure);
        g_test_message("Inject while full: %s", failure);
        g_assert_true(g_str_has_prefix(failure, STORE_FAILED ": "));
        g_assert_nonnull(strstr(failure, f->db));
        g_assert_nonnull(strstr(failure, DISK_FULL));
}

/* The consumer's next deliveries, up to seq: each seq once, the one after the last. */
static void consumer_expect(Fixture *f, uint64_t upto) {
        while (f->seen < upto) {
                const char *line = test_process_wait_line(f->consumer, "event ", &f->from, TEST_TIMEOUT_USEC);
                uint64_t seq;

                if (!line)
                        g_error("the consumer got nothing after event %" G_GUINT64_FORMAT, f->seen);
                seq = g_ascii_strtoull(line + strlen("event "), NULL, 10);
                if (seq != f->seen + 1)
                        g_error("event %" G_GUINT64_FORMAT " came after %" G_GUINT64_FORMAT " (%s)", seq, f->seen,
                                seq <= f->seen ? "again" : "a gap");
                f->seen = seq;
        }
}

/* Nothing the consumer got is past upto: nothing was announced early. */
static void consumer_has_nothing_after(Fixture *f, uint64_t upto) {
        guint from = f->from;

        test_process_read(f->consumer);
        g_assert_null(test_process_wait_line(f->consumer, "event ", &from, 0));
        g_assert_cmpuint(f->seen, ==, upto);
}

static void consumer_wait_subscribed(Fixture *f, guint n) {
        guint from = 0;

        for (guint i = 0; i < n; i++)
                if (!test_process_wait_line(f->consumer, "subscribed ", &from, TEST_TIMEOUT_USEC))
                        g_error("the consumer did not subscribe %u times", n);
}

static void daemon_stop_and_restart(Fixture *f) {
        test_env_daemon_stop(&f->env);
        test_env_daemon_start(&f->env);
}

/* After it exited on its own: on the same store again. */
static void daemon_restart_exited(Fixture *f) {
        g_assert_true(f->env.daemon->reaped);
        test_daemon_free(f->env.daemon);
        f->env.daemon = NULL;
        test_env_daemon_start(&f->env);
}

/* --- the fixture: a daemon on the tmpfs with a durable ordered consumer, and a few events --------- */

static void fixture_setup(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        g_autofree char *state = NULL, *state_arg = NULL;

        f->mnt = g_dir_make_tmp("ptpsync-full-XXXXXX", &error);
        g_assert_no_error(error);
        if (mount("tmpfs", f->mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0755") < 0)
                g_error("Cannot mount a tmpfs on %s: %s", f->mnt, g_strerror(errno));
        state = g_build_filename(f->mnt, "state", NULL);
        state_arg = g_strconcat("--state-dir=", state, NULL);
        f->db = g_build_filename(state, "ptpsync.db", NULL);
        f->filler = g_build_filename(f->mnt, "filler", NULL);
        test_env_setup(&f->env, &(const TestEnvOptions) {
                .config_text = config,
                .daemon_args = (const char *const[]) { state_arg, NULL },
                .log = true,
        });
        f->consumer = test_consumer_start(f->env.bus, "/", NULL, "--name=keeper", "--resubscribe", NULL);
        for (unsigned i = 0; i < 5; i++)
                inject_ok(f);
        consumer_expect(f, 5);
        /* Acknowledged and committed: a restart redelivers none of it. */
        g_assert_true(wait_cursor(f, 5));
}

static void fixture_teardown(Fixture *f, gconstpointer data) {
        g_autofree char *log = NULL;

        if (g_file_get_contents(f->env.log_path, &log, NULL, NULL))
                g_test_message("ptpsyncd said:\n%s", log);
        test_process_free(f->consumer);
        if (f->env.daemon && f->env.daemon->reaped) {
                test_daemon_free(f->env.daemon);
                f->env.daemon = NULL;
        }
        test_env_teardown(&f->env);
        g_assert_cmpint(umount(f->mnt), ==, 0);
        g_assert_cmpint(rmdir(f->mnt), ==, 0);
        g_free(f->mnt);
        g_free(f->db);
        g_free(f->filler);
}

/* --- the cases --------------------------------------------------------------------------------- */

/* Full, then room again: the held events are committed and delivered, with the seqs they were given. */
static void test_recovers(Fixture *f, gconstpointer data) {
        const char *late_argv[] = { g_getenv("PTPSYNC_CONSUMER"), NULL, "--address=/", "--name=late", NULL };
        g_autofree char *bus_arg = g_strconcat("--bus=", f->env.bus->address, NULL);
        TestProcess *late;
        const char *line;
        guint from = 0;

        wal_truncate(f);
        fill(f);

        /* The first commit on the full disk is a durable Subscribe's: refused, and no subscription stays. */
        late_argv[1] = bus_arg;
        late = test_process_spawn(late_argv);
        line = test_process_wait_line(late, "error ", &from, TEST_TIMEOUT_USEC);
        g_assert_nonnull(line);
        g_test_message("durable Subscribe while full: %s", line);
        g_assert_true(g_str_has_prefix(line, "error " STORE_FAILED " "));
        g_assert_nonnull(strstr(line, f->db));
        g_assert_nonnull(strstr(line, DISK_FULL));
        g_assert_true(test_process_wait_exit(late, TEST_TIMEOUT_USEC));
        test_process_free(late);
        g_assert_cmpuint(subscription_count(f), ==, 1);

        /* Injects while full: refused; their events held, seen by nobody, in the store nowhere. */
        for (unsigned i = 0; i < 3; i++)
                inject_refused(f);
        g_assert_cmpuint(last_sequence(f), ==, 5);
        g_assert_cmpint(db_int(f, "SELECT count(*) FROM events"), ==, 5);
        consumer_has_nothing_after(f, 5);

        /* Room again: the retry commits them, and they go out in order, as 6, 7, 8. */
        make_room(f);
        wait_last_sequence(f, 8);
        g_assert_cmpint(db_int(f, "SELECT count(*) FROM events"), ==, 8);
        consumer_expect(f, 8);
        g_assert_cmpuint(test_file_count(f->env.log_path, "The store works again"), ==, 1);
        inject_ok(f);
        consumer_expect(f, 9);
        g_assert_true(wait_cursor(f, 9));

        /* After a restart: seq goes on, and the consumer gets what follows, each seq once. */
        daemon_stop_and_restart(f);
        consumer_wait_subscribed(f, 2);
        g_assert_cmpuint(last_sequence(f), ==, 9);
        inject_ok(f);
        inject_ok(f);
        consumer_expect(f, 11);
        g_assert_cmpuint(test_process_count_lines(f->consumer, "event "), ==, 11);
}

/* Full for good: the daemon gives up after 30 s, status 1, saying why; a restart with room goes on. */
static void test_gives_up(Fixture *f, gconstpointer data) {
        gint64 start, took;

        wal_truncate(f);
        fill(f);
        start = g_get_monotonic_time();
        inject_refused(f);
        inject_refused(f);
        g_assert_cmpuint(last_sequence(f), ==, 5);
        consumer_has_nothing_after(f, 5);

        if (!test_daemon_wait_exit(f->env.daemon, GIVE_UP_USEC + TEST_TIMEOUT_USEC))
                g_error("ptpsyncd still runs on a full disk, %" G_GINT64_FORMAT " s on",
                        (g_get_monotonic_time() - start) / G_USEC_PER_SEC);
        took = g_get_monotonic_time() - start;
        g_test_message("ptpsyncd gave up after %.1f s", (double) took / G_USEC_PER_SEC);
        /* It tried for the 30 s, rather than exit at the first failure. */
        g_assert_cmpint(took, >=, GIVE_UP_USEC - G_USEC_PER_SEC);
        g_assert_true(WIFEXITED(f->env.daemon->exit_status));
        g_assert_cmpint(WEXITSTATUS(f->env.daemon->exit_status), ==, 1);
        g_assert_cmpuint(test_file_count(f->env.log_path, "Giving up"), ==, 1);
        g_assert_cmpuint(test_file_count(f->env.log_path, f->db), >, 0);
        g_assert_cmpuint(test_file_count(f->env.log_path, DISK_FULL), >, 0);
        /* What it was refused for is not there: only what it called durable. */
        g_assert_cmpint(db_int(f, "SELECT count(*) FROM events"), ==, 5);

        /* Room again, and a restart (as Restart=on-failure would): seq goes on from the last committed. */
        make_room(f);
        daemon_restart_exited(f);
        consumer_wait_subscribed(f, 2);
        g_assert_cmpuint(last_sequence(f), ==, 5);
        inject_ok(f);
        inject_ok(f);
        consumer_expect(f, 7);
        g_assert_cmpuint(test_process_count_lines(f->consumer, "event "), ==, 7);
}

/* Stopped while full: what was never committed makes the exit a failure, and the log says so. */
static void test_stop_while_full(Fixture *f, gconstpointer data) {
        wal_truncate(f);
        fill(f);
        inject_refused(f);
        g_assert_cmpint(kill(f->env.daemon->pid, SIGTERM), ==, 0);
        g_assert_true(test_daemon_wait_exit(f->env.daemon, TEST_TIMEOUT_USEC));
        g_assert_true(WIFEXITED(f->env.daemon->exit_status));
        g_assert_cmpint(WEXITSTATUS(f->env.daemon->exit_status), ==, 1);
        g_assert_cmpuint(test_file_count(f->env.log_path, "writes never committed"), ==, 1);
        g_assert_cmpint(db_int(f, "SELECT count(*) FROM events"), ==, 5);

        make_room(f);
        daemon_restart_exited(f);
        consumer_wait_subscribed(f, 2);
        g_assert_cmpuint(last_sequence(f), ==, 5);
        inject_ok(f);
        consumer_expect(f, 6);
}

static bool one_stored_subscription(void *f) {
        return db_int(f, "SELECT count(*) FROM subscriptions") == 1;
}

/* A call on a subscription; NULL when it succeeded, else "NAME: MESSAGE" (g_free). */
static char *call_subscription(Fixture *f, const char *path, const char *method) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *failure = NULL;

        if (sd_bus_call_method(f->env.client, BUS_NAME, path, SUBSCRIPTION_INTERFACE, method, &error, NULL,
                               "") < 0)
                failure = g_strdup_printf("%s: %s", error.name, error.message);
        sd_bus_error_free(&error);
        return failure;
}

/*
 * A durable subscription's Cancel while full: it changes the store, so it is refused, not called
 * done (it used to answer success at once); it is committed once there is room, and the
 * subscription stays gone after a restart. (Redrive and PurgeDeadLetters answer the same way, but
 * deleting rows may fit in the pages the database has: no full disk fails them reliably.)
 */
static void test_cancel_while_full(Fixture *f, gconstpointer data) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *path = NULL, *cancel = NULL;
        const char *p;

        g_assert_cmpint(sd_bus_call_method(f->env.client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                           "Subscribe", &error, &reply, "sa{sv}", "/", 1, "Name", "s", "doomed"),
                        >=, 0);
        g_assert_cmpint(sd_bus_message_read(reply, "o", &p), >, 0);
        path = g_strdup(p);
        g_assert_cmpuint(subscription_count(f), ==, 2);

        wal_truncate(f);
        fill(f);
        cancel = call_subscription(f, path, "Cancel");
        g_test_message("Cancel while full: %s", cancel ?: "done");
        g_assert_nonnull(cancel);
        g_assert_true(g_str_has_prefix(cancel, STORE_FAILED ": "));
        g_assert_nonnull(strstr(cancel, DISK_FULL));

        /* Already gone from the bus; from the store once the retry commits. */
        g_assert_cmpuint(subscription_count(f), ==, 1);
        make_room(f);
        g_assert_true(test_bus_wait_for(f->env.client, one_stored_subscription, f, TEST_TIMEOUT_USEC));
        daemon_stop_and_restart(f);
        consumer_wait_subscribed(f, 2);
        g_assert_cmpuint(subscription_count(f), ==, 1);
}

int main(int argc, char *argv[]) {
        if (geteuid() != 0) {
                printf("1..0 # SKIP: mounting a tmpfs to fill needs root\n");
                return 77;
        }
        /* A mount namespace of our own: the tmpfs goes with the test's processes, however the test ends. */
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                printf("1..0 # SKIP: cannot make a mount namespace: %s\n", g_strerror(errno));
                return 77;
        }
        g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/store-full/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
        ADD("recovers", test_recovers);
        ADD("gives-up", test_gives_up);
        ADD("stop-while-full", test_stop_while_full);
        ADD("cancel-while-full", test_cancel_while_full);
#undef ADD
        return g_test_run();
}
