/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The event loop never waits for the disk. ptpsyncd runs on a slow disk (the
 * mock tests/lib/slow-fsync.c, by LD_PRELOAD: every fsync takes 300 ms
 * longer) and is asked things while its commits are out: it answers at once;
 * Inject still answers only once its events are committed; calls made during
 * a commit share the next one (pipelining) instead of one commit each; and
 * at exit the daemon's own count of its longest loop iteration is far below
 * one slow fsync, and no iteration blocked (gave up the CPU) at all.
 */

#include "common/bus-names.h"
#include "test-env.h"

#define SLOW_USEC (300 * 1000)
#define LOCK "sync/ptp-status/lock-state"
#define PIPELINED 8

static const TestEnvOptions options = { .no_daemon = true, .log = true };

typedef struct Injected {
        unsigned replies, errors;
        gint64 last_reply;
} Injected;

static int on_inject_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Injected *x = userdata;

        if (sd_bus_message_is_method_error(m, NULL)) {
                g_test_message("Inject failed: %s", sd_bus_message_get_error(m)->message);
                x->errors++;
        }
        x->replies++;
        x->last_reply = g_get_monotonic_time();
        return 0;
}

static void inject_async(TestEnv *f, const char *observation, Injected *x) {
        g_assert_cmpint(sd_bus_call_method_async(f->client, NULL, BUS_NAME, MANAGER_OBJECT_PATH, SIMULATOR_INTERFACE,
                                                 "Inject", on_inject_reply, x, "sssx", LOCK, "ens1f0", observation,
                                                 (int64_t) 5), >=, 0);
}

static bool replied(void *userdata) {
        const unsigned *want = ((const unsigned *const *) userdata)[1];

        return ((Injected *) ((void **) userdata)[0])->replies >= *want;
}

static void wait_replies(TestEnv *f, Injected *x, unsigned n) {
        void *w[2] = { x, &n };

        if (!test_bus_wait_for(f->client, replied, w, TEST_TIMEOUT_USEC))
                g_error("%u of %u Inject calls answered", x->replies, n);
        g_assert_cmpuint(x->errors, ==, 0);
}

static unsigned fsyncs(const char *count_path) {
        g_autofree char *text = NULL;
        gsize n = 0;

        if (!g_file_get_contents(count_path, &text, &n, NULL))
                return 0;
        return (unsigned) n;
}

/* The number after needle in the daemon's last "Event loop:" line. */
static uint64_t loop_figure(const char *log_path, const char *needle) {
        g_autofree char *text = NULL;
        const char *p;

        g_assert_true(g_file_get_contents(log_path, &text, NULL, NULL));
        p = g_strrstr(text, "Event loop: ");
        g_assert_nonnull(p);
        p = strstr(p, needle);
        g_assert_nonnull(p);
        return g_ascii_strtoull(p + strlen(needle), NULL, 10);
}

static void test_slow_disk(TestEnv *f, gconstpointer data) {
        g_autofree char *count_path = g_build_filename(f->bus->dir, "fsyncs", NULL);
        g_autofree char *usec = g_strdup_printf("%d", SLOW_USEC);
        const char *shim = g_getenv("PTPSYNC_SLOW_FSYNC");
        g_autofree char *asan = g_strconcat(g_getenv("ASAN_OPTIONS") ?: "", ":verify_asan_link_order=0", NULL);
        Injected first = {}, more = {};
        unsigned before, during;
        gint64 start, asked;
        uint64_t longest, blocked;

        g_assert_nonnull(shim);
        /* Only the daemon's environment: the bus is up already. */
        g_setenv("LD_PRELOAD", shim, true);
        g_setenv("PTPSYNC_TEST_SLOW_FSYNC_USEC", usec, true);
        g_setenv("PTPSYNC_TEST_SLOW_FSYNC_COUNT", count_path, true);
        g_setenv("ASAN_OPTIONS", asan, true); /* the shim is loaded before the sanitizer's runtime */
        test_env_daemon_start(f);
        g_unsetenv("LD_PRELOAD");
        f->client = test_bus_connect(f->bus);

        /* One commit out (300 ms at least): the daemon answers others meanwhile, at once. */
        before = fsyncs(count_path);
        start = g_get_monotonic_time();
        inject_async(f, "locked", &first);
        g_assert_cmpint(sd_bus_flush(f->client), >=, 0);
        for (unsigned i = 0; i < 5; i++) {
                asked = g_get_monotonic_time();
                (void) test_manager_get_t(f->client, "LastSequence");
                /* Generous (a loaded machine), yet well below the fsync the loop must not wait for. */
                g_assert_cmpint(g_get_monotonic_time() - asked, <, SLOW_USEC / 2);
        }
        g_assert_cmpuint(first.replies, ==, 0); /* and Inject still waits for its commit */
        /* Meanwhile: calls that will share the next commit. */
        for (unsigned i = 0; i < PIPELINED; i++)
                inject_async(f, i % 2 == 0 ? "unlocked" : "locked", &more);
        wait_replies(f, &first, 1);
        g_assert_cmpint(first.last_reply - start, >=, SLOW_USEC);
        wait_replies(f, &more, PIPELINED);
        during = fsyncs(count_path) - before;
        g_test_message("%u fsyncs for %u Inject calls, %" G_GINT64_FORMAT " ms", during, 1 + PIPELINED,
                       (more.last_reply - start) / 1000);
        /* One commit each would be 9 (x2: SQLite syncs the WAL, and the checkpoint may sync again). */
        g_assert_cmpuint(during, <, 2 * (1 + PIPELINED));
        g_assert_cmpuint(test_manager_get_t(f->client, "LastSequence"), >=, 1 + PIPELINED);

        test_env_daemon_stop(f);
        longest = loop_figure(f->log_path, "the longest ");
        blocked = loop_figure(f->log_path, " or more, ");
        g_test_message("the longest loop iteration: %" G_GUINT64_FORMAT " µs; iterations that blocked: %"
                       G_GUINT64_FORMAT, longest, blocked);
        g_assert_cmpuint(longest, <, SLOW_USEC);
        /* Not once did the loop wait for anything: the thread never gave up the CPU in an iteration. */
        g_assert_cmpuint(blocked, ==, 0);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        test_env_add("/slow-disk/loop-never-waits", &options, test_slow_disk);
        return g_test_run();
}
