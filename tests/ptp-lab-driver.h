/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tests/ptp-lab.sh from a C test: a lab of real ptp4l (a grandmaster and slaves in network
 * namespaces) in a directory of its own, with a prefix of its own for the namespace and link
 * names, and taken down when the test aborts (a failed assertion skips the teardown).
 */
#pragma once

#define PTP_LAB_EXIT_SKIP 77

typedef struct PtpLab {
        char *dir;    /* NULL until ptp_lab_init() */
        char *prefix; /* of names: short, interface names are <= 15 bytes */
} PtpLab;

/* Makes the directory and prefix (stem: two letters, unique per test program); once. */
void ptp_lab_init(PtpLab *l, const char *stem);
/* Runs ptp-lab.sh COMMAND [ARG1 [ARG2]]; its exit status. Its output is shown when it fails. */
int ptp_lab_run(PtpLab *l, const char *command, const char *arg1, const char *arg2);
/* The same, which must succeed. */
void ptp_lab(PtpLab *l, const char *command, const char *arg1);
/* pmc ROLE COMMAND ("GET PARENT_DATA_SET"), which must succeed: what pmc printed (g_free). */
char *ptp_lab_pmc(PtpLab *l, const char *role, const char *command);
/* wait-state: every port of role is in state within timeout_sec, which must happen. */
void ptp_lab_wait_state(PtpLab *l, const char *role, const char *state, unsigned timeout_sec);
/* "up" with args, or the whole test program exits 77 when the lab cannot run here. */
void ptp_lab_up_or_skip(PtpLab *l, const char *arg1, const char *arg2);
/* Down, purged, and forgotten. */
void ptp_lab_done(PtpLab *l);
/* Exits 77 (skipped), saying why, unless root; then installs the abort handler below. */
void ptp_lab_require_root(void);
/* The abort handler that takes the running lab down. */
void ptp_lab_down_on_abort(void);
