/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * source/ts2phc-watch.h: the -f matching on its own, then the watcher against real processes --
 * the stand-in ts2phc of tests/ts2phc-stand-in/ (a real ts2phc cannot start without a PHC), run
 * with and without the -f wanted, and found through /proc or a pidfile.
 */

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>

#include "common/rm-rf.h"
#include "common/util.h"
#include "harness.h"
#include "source/ts2phc-watch.h"

#define WAIT_USEC (10 * G_USEC_PER_SEC)

/* argv as /proc/PID/cmdline has it: each argument and its NUL. */
#define CMDLINE(s) s, sizeof(s)

static void test_cmdline(void) {
        static const char conf[] = "/etc/ts2phc.conf";
        static const struct {
                const char *cmdline;
                size_t n;
                bool match;
        } cases[] = {
                { CMDLINE("ts2phc\0-f\0/etc/ts2phc.conf"), true },
                { CMDLINE("/usr/sbin/ts2phc\0-f/etc/ts2phc.conf\0-m"), true },
                { CMDLINE("ts2phc\0-mqf\0/etc/ts2phc.conf"), true },
                { CMDLINE("ts2phc\0-s\0generic\0-f\0/etc//./ts2phc.conf"), true },
                { CMDLINE("ts2phc\0-f\0/etc/other.conf\0-f\0/etc/ts2phc.conf"), true },
                { CMDLINE("ts2phc\0--free_running=1\0-f\0/etc/ts2phc.conf"), true },
                { CMDLINE("ts2phc\0extra\0-f\0/etc/ts2phc.conf"), true },
                /* The last -f wins, as in getopt(). */
                { CMDLINE("ts2phc\0-f\0/etc/ts2phc.conf\0-f\0/etc/other.conf"), false },
                /* -l takes "-f" as its level; a long option its next argument. */
                { CMDLINE("ts2phc\0-l\0-f\0/etc/ts2phc.conf"), false },
                { CMDLINE("ts2phc\0--ts2phc.pulsewidth\0-f\0/etc/ts2phc.conf"), false },
                { CMDLINE("ts2phc\0--\0-f\0/etc/ts2phc.conf"), false },
                /* Relative: the process's cwd is not ours to read. */
                { CMDLINE("ts2phc\0-f\0ts2phc.conf"), false },
                { CMDLINE("ts2phc\0-f"), false },
                { CMDLINE("ts2phc\0/etc/ts2phc.conf"), false },
                { CMDLINE("ts2phc"), false },
                { CMDLINE("ts2phc\0-f\0/etc/ts2phc.conf.bak"), false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                if (ts2phc_cmdline_has_config(cases[i].cmdline, cases[i].n, conf) != cases[i].match)
                        g_error("case %zu: expected %s", i, cases[i].match ? "a match" : "no match");
}

typedef struct Verdicts {
        unsigned count;
        bool alive;
} Verdicts;

static void on_verdict(bool alive, void *userdata) {
        Verdicts *v = userdata;

        g_assert_true(v->count == 0 || v->alive != alive); /* changes only */
        v->count++;
        v->alive = alive;
}

typedef struct Fixture {
        sd_event *event;
        char *dir;
        char *config;
        GPid pid; /* the stand-in; 0: none */
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data) {
        g_assert_cmpint(sd_event_new(&f->event), >=, 0);
        f->dir = g_dir_make_tmp("ts2phc-watch-XXXXXX", NULL);
        g_assert_nonnull(f->dir);
        /* Unique per run: another ts2phc on the machine must not match. */
        f->config = g_build_filename(f->dir, "ts2phc.conf", NULL);
}

static void stand_in_stop(Fixture *f) {
        if (f->pid <= 0)
                return;
        g_assert_cmpint(kill(f->pid, SIGKILL), ==, 0);
        g_assert_cmpint(waitpid(f->pid, NULL, 0), ==, f->pid);
        f->pid = 0;
}

static void fixture_teardown(Fixture *f, gconstpointer data) {
        stand_in_stop(f);
        sd_event_unref(f->event);
        rm_rf(f->dir);
        g_free(f->dir);
        g_free(f->config);
}

static void stand_in_start(Fixture *f, const char *config) {
        const char *exe = g_getenv("PTPSYNC_TS2PHC");
        const char *argv[] = { exe, "-s", "generic", "-f", config, NULL };
        g_autoptr(GError) error = NULL;

        g_assert_nonnull(exe);
        g_assert_true(g_spawn_async(NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &f->pid,
                                    &error));
        g_assert_no_error(error);
}

/* Runs the loop until the verdicts number count and say alive; false after timeout. */
static bool wait_verdict_for(Fixture *f, Verdicts *v, unsigned count, bool alive, uint64_t timeout) {
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + timeout;

        while (v->count < count || v->alive != alive) {
                if (now_usec(CLOCK_MONOTONIC) >= deadline)
                        return false;
                g_assert_cmpint(sd_event_run(f->event, 100 * USEC_PER_MSEC), >=, 0);
        }
        return true;
}

static bool wait_verdict(Fixture *f, Verdicts *v, unsigned count, bool alive) {
        return wait_verdict_for(f, v, count, alive, test_slow_usec(WAIT_USEC));
}

/* Not found for two scans. */
static void stays_dead(Fixture *f, Verdicts *v) {
        g_assert_false(wait_verdict_for(f, v, v->count + 1, true, 2 * TS2PHC_SCAN_INTERVAL_USEC));
        g_assert_false(v->alive);
}

/* Found through /proc by its -f; one with another -f is not it; death seen at once; a restart found. */
static void test_proc(Fixture *f, gconstpointer data) {
        _cleanup_(ts2phc_watch_freep) Ts2phcWatch *w = NULL, *other = NULL;
        g_autofree char *other_config = g_build_filename(f->dir, "other.conf", NULL);
        Verdicts v = {}, vo = {};
        uint64_t t;

        stand_in_start(f, f->config);
        g_assert_cmpint(ts2phc_watch_new(&w, f->event, &(Ts2phcWatchSettings) { .config = f->config }, on_verdict,
                                         &v), >=, 0);
        g_assert_cmpint(ts2phc_watch_new(&other, f->event, &(Ts2phcWatchSettings) { .config = other_config },
                                         on_verdict, &vo), >=, 0);
        g_assert_true(wait_verdict(f, &v, 1, true));
        g_assert_cmpint(ts2phc_watch_pid(w), ==, f->pid);
        g_assert_true(wait_verdict(f, &vo, 1, false));
        g_assert_cmpint(ts2phc_watch_pid(other), ==, 0);

        t = now_usec(CLOCK_MONOTONIC);
        stand_in_stop(f);
        g_assert_true(wait_verdict(f, &v, 2, false));
        t = now_usec(CLOCK_MONOTONIC) - t;
        g_test_message("killed -> dead in %.3f s", (double) t / USEC_PER_SEC);
        /* The pidfd says it at once: far below one scan interval. */
        g_assert_cmpuint(t, <, test_slow_usec(TS2PHC_SCAN_INTERVAL_USEC / 2));

        t = now_usec(CLOCK_MONOTONIC);
        stand_in_start(f, f->config);
        g_assert_true(wait_verdict(f, &v, 3, true));
        g_test_message("restarted -> alive in %.3f s", (double) (now_usec(CLOCK_MONOTONIC) - t) / USEC_PER_SEC);
        g_assert_cmpint(ts2phc_watch_pid(w), ==, f->pid);
        /* The other one never saw it. */
        g_assert_cmpuint(vo.count, ==, 1);
}

static void write_pid_file(const char *path, const char *text) {
        g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* A pidfile counts when its pid is ts2phc, not when it is missing, garbage, or names another program. */
static void test_pid_file(Fixture *f, gconstpointer data) {
        _cleanup_(ts2phc_watch_freep) Ts2phcWatch *w = NULL;
        g_autofree char *path = g_build_filename(f->dir, "ts2phc.pid", NULL);
        g_autofree char *pid = NULL, *self = g_strdup_printf("%d\n", (int) getpid());
        Verdicts v = {};

        g_assert_cmpint(ts2phc_watch_new(&w, f->event, &(Ts2phcWatchSettings) { .pid_file = path }, on_verdict,
                                         &v), >=, 0);
        g_assert_true(wait_verdict(f, &v, 1, false)); /* missing */

        stand_in_start(f, f->config);
        write_pid_file(path, "12ab\n");
        stays_dead(f, &v);
        /* A reused pid: ours is no ts2phc. */
        write_pid_file(path, self);
        stays_dead(f, &v);

        pid = g_strdup_printf("%d\n", (int) f->pid);
        write_pid_file(path, pid);
        g_assert_true(wait_verdict(f, &v, 2, true));
        g_assert_cmpint(ts2phc_watch_pid(w), ==, f->pid);
        stand_in_stop(f);
        g_assert_true(wait_verdict(f, &v, 3, false));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/ts2phc-watch/cmdline", test_cmdline);
#define ADD(name, fn) g_test_add("/ts2phc-watch/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
        ADD("proc", test_proc);
        ADD("pid-file", test_pid_file);
        return g_test_run();
}
