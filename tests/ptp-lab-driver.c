/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "ptp-lab-driver.h"

/* The lab of the test that runs, for the abort handler. */
static PtpLab *running;

void ptp_lab_init(PtpLab *l, const char *stem) {
        if (l->dir)
                return;
        running = l;
        l->dir = g_dir_make_tmp("ptpsync-lab-XXXXXX", NULL);
        g_assert_nonnull(l->dir);
        /* Unique among tests running side by side. */
        l->prefix = g_strdup_printf("%.2s%05u", stem, (unsigned) (getpid() % 100000));
}

/* Runs ptp-lab.sh; its exit status, and its output in *ret_out (if set). */
static int ptp_lab_run_out(PtpLab *l, const char *command, const char *arg1, const char *arg2, const char *arg3,
                           char **ret_out) {
        g_autofree char *dir = g_strconcat("--dir=", l->dir, NULL);
        g_autofree char *prefix = g_strconcat("--prefix=", l->prefix, NULL);
        const char *argv[] = { g_getenv("PTP_LAB"), dir, prefix, command, arg1, arg2, arg3, NULL };
        g_autofree char *out = NULL, *err = NULL;
        g_autoptr(GError) error = NULL;
        int status;

        g_assert_nonnull(argv[0]);
        g_assert_nonnull(l->dir);
        g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, test_spawn_child_setup, NULL, &out, &err, &status,
                     &error);
        g_assert_no_error(error);
        status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
        if (status != 0 && status != PTP_LAB_EXIT_SKIP)
                g_printerr("ptp-lab.sh %s %s %s %s: exit %d\n%s%s", command, arg1 ?: "", arg2 ?: "", arg3 ?: "", status,
                           out, err);
        if (ret_out)
                *ret_out = g_steal_pointer(&out);
        return status;
}

static int ptp_lab_run_argv(PtpLab *l, const char *command, const char *arg1, const char *arg2, const char *arg3) {
        return ptp_lab_run_out(l, command, arg1, arg2, arg3, NULL);
}

char *ptp_lab_pmc(PtpLab *l, const char *role, const char *command) {
        char *out = NULL;

        g_assert_cmpint(ptp_lab_run_out(l, "pmc", role, command, NULL, &out), ==, 0);
        return out;
}

int ptp_lab_run(PtpLab *l, const char *command, const char *arg1, const char *arg2) {
        return ptp_lab_run_argv(l, command, arg1, arg2, NULL);
}

void ptp_lab_wait_state(PtpLab *l, const char *role, const char *state, unsigned timeout_sec) {
        g_autofree char *timeout = g_strdup_printf("%u", timeout_sec);

        g_assert_cmpint(ptp_lab_run_argv(l, "wait-state", role, state, timeout), ==, 0);
}

void ptp_lab(PtpLab *l, const char *command, const char *arg1) {
        g_assert_cmpint(ptp_lab_run(l, command, arg1, NULL), ==, 0);
}

void ptp_lab_up_or_skip(PtpLab *l, const char *arg1, const char *arg2) {
        int r = ptp_lab_run(l, "up", arg1, arg2);

        if (r == PTP_LAB_EXIT_SKIP) {
                g_print("SKIP: the ptp4l lab cannot run here (see above)\n");
                exit(PTP_LAB_EXIT_SKIP);
        }
        g_assert_cmpint(r, ==, 0);
}

void ptp_lab_done(PtpLab *l) {
        if (l->dir) {
                (void) ptp_lab_run(l, "down", "--purge", NULL);
                g_clear_pointer(&l->dir, g_free);
        }
        g_clear_pointer(&l->prefix, g_free);
        running = NULL;
}

static void on_abort(int sig) {
        if (running && running->dir) {
                g_autofree char *dir = g_strconcat("--dir=", running->dir, NULL);
                const char *argv[] = { g_getenv("PTP_LAB"), dir, "down", "--purge", NULL };
                pid_t pid = fork();

                if (pid == 0) {
                        execv(argv[0], (char **) argv);
                        _exit(127);
                }
                if (pid > 0)
                        (void) waitpid(pid, NULL, 0);
        }
        signal(sig, SIG_DFL);
        raise(sig);
}

void ptp_lab_down_on_abort(void) {
        signal(SIGABRT, on_abort);
        signal(SIGTRAP, on_abort);
}

void ptp_lab_require_root(void) {
        if (geteuid() != 0) {
                g_print("SKIP: needs root (network namespaces, veth, and ptp4l's root-only socket)\n");
                exit(PTP_LAB_EXIT_SKIP);
        }
        ptp_lab_down_on_abort();
}
