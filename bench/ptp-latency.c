/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-ptp-latency [--rounds=K | --quick] [--daemon=PATH] [--lab=PATH]
 *
 * How long ptpsyncd takes from ptp4l's port state push to its Event signal,
 * on the real-ptp4l lab. This process subscribes to the same ptp4l as the
 * daemon (its own socket and identity) and watches the daemon's Event
 * signals; ptp4l sends a push to every subscriber in one go, so the moment
 * we read ours is, within microseconds, the moment the daemon could read its
 * own. Latency = our receipt of the Event signal - our receipt of the push.
 * This process runs SCHED_FIFO (its children do not), so that it reads
 * promptly while other tenants keep the cores busy.
 *
 * Two scenarios, K rounds each, every step driven by a lab command that runs
 * as a child while the loop keeps reading:
 *   servo:  unlock          SLAVE -> UNCALIBRATED push -> lock-state HOLDOVER
 *           lock            UNCALIBRATED -> SLAVE push  -> LOCKED (after a poll round)
 *   master: kill-master     SLAVE -> LISTENING push     -> HOLDOVER
 *           restart-master  LISTENING -> (UNCALIBRATED ->) SLAVE push -> LOCKED
 * A round in which anything else happens (ptp4l flapping under load, a late
 * command, a deadline) is left out and repeated. See bench/README.md.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/utsname.h>

#include "ptp-latency.h"

#define ROUNDS_DEFAULT 20
#define ROUNDS_QUICK 5
#define ROUNDS_MAX 1000
#define WARMUP_ROUNDS 1
#define SETTLE_RECHECK_USEC (500 * USEC_PER_MSEC)
/* Bus-hop baseline samples taken after each settle(): spread over the run, at its moments. */
#define PINGS_PER_SETTLE 3
/*
 * This process runs SCHED_FIFO at this priority (unless --no-realtime), reset on fork: its reads are prompt
 * while other tenants keep both cores busy, and the daemon, the bus, the lab and ptp4l run as they would.
 * Without it, this process waited for a core up to 0.5-4 ms at times while the daemon did not, and the
 * figure came out short by as much (30-50 µs seen).
 */
#define REALTIME_PRIORITY 10
/*
 * Our read of a push this long after ptp4l sent it (four times the usual ~45 µs) leaves the round out: the
 * figure assumes we read our push no later than the daemon reads its own, and is short by the difference
 * when we did not (this process's CPU stalled, the daemon's did not). When the whole VM stalled instead, the
 * figure would have been right, but the two cannot be told apart from here.
 */
#define LATE_READ_USEC 200
/* Disturbed rounds in a row after which something is broken for good, not just flapping. */
#define DISTURBED_IN_A_ROW_MAX 5
#define EXIT_SKIP 77

#define BIT(s) (1u << (s))

typedef enum StepKind {
        STEP_UNLOCK,
        STEP_LOCK,
        STEP_KILL_MASTER,
        STEP_RESTART_MASTER,
        _STEP_MAX,
} StepKind;

typedef struct StepSpec {
        const char *command;      /* the lab command that makes it happen */
        const char *row;          /* in the table */
        PmcPortState port_before; /* where the port is when the step begins */
        const char *lock_before;  /* and the daemon's lock-state */
        PmcPortState push;        /* the push measured from */
        unsigned may_pass;        /* port states that may be pushed before it */
        const char *event;        /* the lock-state measured to */
} StepSpec;

static const StepSpec steps[_STEP_MAX] = {
        [STEP_UNLOCK] = {
                .command = "unlock",
                .row = "unlock: UNCALIBRATED push -> HOLDOVER",
                .port_before = PMC_PORT_STATE_SLAVE,
                .lock_before = "LOCKED",
                .push = PMC_PORT_STATE_UNCALIBRATED,
                .event = "HOLDOVER",
        },
        [STEP_LOCK] = {
                .command = "lock",
                .row = "lock: SLAVE push -> LOCKED",
                .port_before = PMC_PORT_STATE_UNCALIBRATED,
                .lock_before = "HOLDOVER",
                .push = PMC_PORT_STATE_SLAVE,
                .event = "LOCKED",
        },
        [STEP_KILL_MASTER] = {
                .command = "kill-master",
                .row = "kill-master: LISTENING push -> HOLDOVER",
                .port_before = PMC_PORT_STATE_SLAVE,
                .lock_before = "LOCKED",
                .push = PMC_PORT_STATE_LISTENING,
                .event = "HOLDOVER",
        },
        [STEP_RESTART_MASTER] = {
                .command = "restart-master",
                .row = "restart-master: SLAVE push -> LOCKED",
                .port_before = PMC_PORT_STATE_LISTENING,
                .lock_before = "HOLDOVER",
                .push = PMC_PORT_STATE_SLAVE,
                /* The master's first announce makes the port UNCALIBRATED; the servo, SLAVE. */
                .may_pass = BIT(PMC_PORT_STATE_UNCALIBRATED),
                .event = "LOCKED",
        },
};

typedef struct Scenario {
        const char *name;
        StepKind steps[2];
} Scenario;

static const Scenario scenarios[] = {
        { "servo unlock/lock", { STEP_UNLOCK, STEP_LOCK } },
        { "master killed/restarted", { STEP_KILL_MASTER, STEP_RESTART_MASTER } },
};
#define N_SCENARIOS ELEMENTSOF(scenarios)

/* One step under way: what the loop has seen of it. */
typedef struct StepRun {
        const StepSpec *spec;
        uint64_t t_spawn, t_push, t_event;
        int64_t wake_usec; /* -1: unknown */
        bool disturbed;
        char why[192];
} StepRun;

typedef struct StepResults {
        Samples latency;   /* µs, push receipt -> Event receipt: the figure */
        Samples from_send; /* µs, ptp4l's sendmsg of our push -> Event receipt: latency + wake */
        Samples wake;      /* µs, ptp4l's sendmsg of our push -> our read of it */
        Samples total;     /* µs, lab command started -> Event receipt */
} StepResults;

typedef struct ScenarioResults {
        unsigned clean, disturbed;
        GPtrArray *why; /* char*: "round N: ..." */
} ScenarioResults;

typedef struct Options {
        unsigned rounds;
        bool quick;
        char *daemon_path;
        char *lab_path;
        unsigned poll_interval_ms;
        char *state_root;
        bool realtime;
        bool verbose;
        PrivateBusKind bus;
} Options;

typedef struct Bench {
        Testbed testbed;
        const Options *o;
        StepRun *run; /* the step under way, or NULL */
        /* What a disturbed round may have left behind for settle() to undo. */
        bool uncertain_maybe;   /* 'unlock' ran, and no 'lock' since */
        bool master_maybe_down; /* 'kill-master' ran, and no 'restart-master' since */
        StepResults steps[_STEP_MAX];
        Samples bus_hop; /* µs, the baseline: a bare signal from our second connection to the watcher */
        ScenarioResults scenarios[N_SCENARIOS];
        char *date, *load_start;
        bool realtime; /* this process runs SCHED_FIFO */
} Bench;

static const char *port_state_name(PmcPortState s) {
        return s == 0 ? "unknown" : pmc_port_state_to_string(s) ?: "?";
}

static const char *lock_state_name(const char *s) {
        return s[0] ? s : "none yet";
}

static void step_disturb(StepRun *run, const char *fmt, ...) _printf_(2, 3);
static void step_disturb(StepRun *run, const char *fmt, ...) {
        va_list ap;

        if (run->disturbed)
                return;
        run->disturbed = true;
        va_start(ap, fmt);
        (void) vsnprintf(run->why, sizeof(run->why), fmt, ap);
        va_end(ap);
}

/* --- what the loop reports ---------------------------------------------------------------------- */

static void on_pushed(Testbed *t, PmcPortState state, uint64_t when, int64_t wake_usec, void *userdata) {
        Bench *b = userdata;
        StepRun *run = b->run;

        if (!run || run->disturbed)
                return;
        if (run->t_push == 0) {
                if (state == run->spec->push) {
                        run->t_push = when;
                        run->wake_usec = wake_usec;
                } else if (!(run->spec->may_pass & BIT(state)))
                        step_disturb(run, "an unexpected push, %s", port_state_name(state));
        } else if (run->t_event == 0)
                /* Another change before the event: which of the two the event answers is not known. */
                step_disturb(run, "a second push, %s, before the %s event", port_state_name(state),
                             run->spec->event);
}

static void on_event(Testbed *t, const char *lock_state, uint64_t when, void *userdata) {
        Bench *b = userdata;
        StepRun *run = b->run;

        if (!run || run->disturbed || run->t_event != 0)
                return;
        if (!streq_ptr(lock_state, run->spec->event))
                step_disturb(run, "an unexpected lock-state event, %s", lock_state);
        else if (run->t_push == 0)
                step_disturb(run, "the %s event before the %s push", lock_state,
                             port_state_name(run->spec->push));
        else
                run->t_event = when;
}

/* --- lab commands and settling --------------------------------------------------------------------- */

/* What a lab command that ended leaves behind, for settle(). */
static void note_command(Bench *b) {
        const LabCommand *c = &b->testbed.command;

        if (c->pid <= 0 || !c->exited || c->status != 0)
                return;
        if (streq_ptr(c->name, "lock"))
                b->uncertain_maybe = false;
        else if (streq_ptr(c->name, "restart-master"))
                b->master_maybe_down = false;
}

static int lab(Bench *b, const char *command) {
        Testbed *t = &b->testbed;
        int r;

        if (streq_ptr(command, "unlock"))
                b->uncertain_maybe = true;
        else if (streq_ptr(command, "kill-master"))
                b->master_maybe_down = true;
        r = testbed_lab_spawn(t, command, NULL);
        if (r < 0) {
                bench_log("Cannot run ptp-lab.sh %s: %s", command, strerror(-r));
                return r;
        }
        r = testbed_lab_finish(t, TESTBED_TIMEOUT_USEC);
        note_command(b);
        return r;
}

static bool got_answers(Testbed *t, void *userdata) {
        return t->get_answered && t->daemon_answered;
}

static bool settled(const Testbed *t) {
        return t->get_answered && t->port_state == PMC_PORT_STATE_SLAVE && t->daemon_answered &&
                streq_ptr(t->daemon_lock_state, "LOCKED") && streq_ptr(t->lock_state, "LOCKED");
}

static bool anything_new(Testbed *t, void *userdata) {
        return t->pushes + t->events != *(uint64_t *) userdata;
}

/*
 * Back to the start of a round: the port SLAVE (asked of ptp4l), and the lock-state LOCKED, asked of the
 * daemon (so that a daemon that stopped answering does not pass) and as its last Event said. With repair,
 * first undoes what a disturbed round may have left: the servo unlocked, the master stopped.
 */
static int settle(Bench *b, bool repair) {
        Testbed *t = &b->testbed;
        uint64_t deadline;
        int r;

        if (t->command.pid > 0 && !t->command.exited) {
                r = testbed_lab_finish(t, TESTBED_TIMEOUT_USEC);
                note_command(b);
                if (r == -ECANCELED)
                        return r;
        }
        if (repair && b->master_maybe_down) {
                r = lab(b, "restart-master");
                if (r == -ECANCELED)
                        return r;
        }
        if (repair && b->uncertain_maybe) {
                r = lab(b, "lock");
                if (r == -ECANCELED)
                        return r;
        }

        deadline = now_usec() + TESTBED_TIMEOUT_USEC;
        for (;;) {
                uint64_t seen = t->pushes + t->events, now;

                r = testbed_ask_port_state(t);
                if (r < 0) {
                        bench_log("Cannot ask ptp4l for its port state: %s", strerror(-r));
                        return r;
                }
                r = testbed_ask_lock_state(t);
                if (r < 0) {
                        bench_log("Cannot ask ptpsyncd for its lock-state: %s", strerror(-r));
                        return r;
                }
                r = testbed_wait(t, got_answers, NULL, deadline - MIN(deadline, now_usec()));
                if (r < 0 && r != -ETIMEDOUT)
                        return r;
                if (r == 0 && settled(t))
                        break;
                now = now_usec();
                if (now >= deadline) {
                        bench_log("The lab did not settle within %" PRIu64 " s: port %s, lock-state %s (last "
                                  "event %s)%s.", TESTBED_TIMEOUT_USEC / USEC_PER_SEC,
                                  t->get_answered ? port_state_name(t->port_state) : "not answering",
                                  t->daemon_answered ? lock_state_name(t->daemon_lock_state) : "not answering",
                                  lock_state_name(t->lock_state), repair ? "" : "; repairing");
                        return -ETIMEDOUT;
                }
                /* Still changing: until the next push or event, or a moment, then ask again. */
                r = testbed_wait(t, anything_new, &seen, MIN(SETTLE_RECHECK_USEC, deadline - now));
                if (r < 0 && r != -ETIMEDOUT)
                        return r;
        }
        /* The first time: after the daemon's first lock-state event (see testbed_subscribe()). */
        if (testbed_subscription_due(t)) {
                r = testbed_subscribe(t);
                if (r < 0)
                        return r;
        }
        for (unsigned i = 0; i < PINGS_PER_SETTLE; i++) {
                uint64_t usec;

                r = testbed_ping(t, &usec);
                if (r < 0) {
                        bench_log("The bus-hop ping failed: %s", strerror(-r));
                        return r;
                }
                samples_add(&b->bus_hop, usec);
        }
        return 0;
}

/* --- steps and rounds ------------------------------------------------------------------------------- */

static bool step_done(Testbed *t, void *userdata) {
        StepRun *run = userdata;

        return run->disturbed || (run->t_push > 0 && run->t_event > 0 && t->command.exited);
}

/* Runs one step; a step that does not go as expected is marked disturbed. Returns < 0 only to abort. */
static int run_step(Bench *b, StepKind k, StepRun *run) {
        Testbed *t = &b->testbed;
        const StepSpec *spec = &steps[k];
        int r;

        *run = (StepRun) { .spec = spec, .wake_usec = -1 };
        if (t->port_state != spec->port_before || !streq_ptr(t->lock_state, spec->lock_before)) {
                step_disturb(run, "not ready (port %s, lock-state %s)", port_state_name(t->port_state),
                             lock_state_name(t->lock_state));
                return 0;
        }
        if (k == STEP_UNLOCK)
                b->uncertain_maybe = true;
        else if (k == STEP_KILL_MASTER)
                b->master_maybe_down = true;

        b->run = run;
        run->t_spawn = now_usec();
        r = testbed_lab_spawn(t, spec->command, NULL);
        if (r < 0) {
                b->run = NULL;
                bench_log("Cannot run ptp-lab.sh %s: %s", spec->command, strerror(-r));
                return r;
        }
        r = testbed_wait(t, step_done, run, TESTBED_TIMEOUT_USEC);
        b->run = NULL;
        if (r == -ETIMEDOUT)
                step_disturb(run, "nothing more after %" PRIu64 " s: %s push %s, %s event %s, command %s",
                             TESTBED_TIMEOUT_USEC / USEC_PER_SEC, port_state_name(spec->push),
                             run->t_push ? "seen" : "not seen", spec->event, run->t_event ? "seen" : "not seen",
                             t->command.exited ? "ended" : "still running");
        else if (r < 0)
                return r;
        else if (run->wake_usec > LATE_READ_USEC)
                step_disturb(run, "our read of the %s push came %" PRId64 " µs after ptp4l sent it",
                             port_state_name(spec->push), run->wake_usec);
        if (t->command.exited) {
                note_command(b);
                if (t->command.status != 0)
                        step_disturb(run, "ptp-lab.sh %s failed (exit %d)", spec->command, t->command.status);
        }
        return 0;
}

/* One round of a scenario; *ret_clean when every step went as expected. */
static int run_round(Bench *b, const Scenario *sc, StepRun runs[static 2], bool *ret_clean) {
        int r;

        *ret_clean = false;
        for (unsigned i = 0; i < ELEMENTSOF(sc->steps); i++) {
                r = run_step(b, sc->steps[i], &runs[i]);
                if (r < 0)
                        return r;
                if (runs[i].disturbed) {
                        /* The steps after it would not start where they should. */
                        for (unsigned j = i + 1; j < ELEMENTSOF(sc->steps); j++)
                                runs[j] = (StepRun) { .spec = &steps[sc->steps[j]], .wake_usec = -1 };
                        return 0;
                }
        }
        *ret_clean = true;
        return 0;
}

static void record_round(Bench *b, const Scenario *sc, const StepRun runs[static 2]) {
        for (unsigned i = 0; i < ELEMENTSOF(sc->steps); i++) {
                StepResults *res = &b->steps[sc->steps[i]];
                const StepRun *run = &runs[i];

                samples_add(&res->latency, run->t_event - run->t_push);
                samples_add(&res->total, run->t_event - run->t_spawn);
                if (run->wake_usec >= 0) {
                        samples_add(&res->wake, (uint64_t) run->wake_usec);
                        samples_add(&res->from_send, run->t_event - run->t_push + (uint64_t) run->wake_usec);
                }
        }
}

static void log_round(const Scenario *sc, unsigned round, const StepRun runs[static 2]) {
        g_autoptr(GString) s = g_string_new(NULL);

        for (unsigned i = 0; i < ELEMENTSOF(sc->steps); i++)
                g_string_append_printf(s, "%s%s %" PRIu64 " µs", i ? ", " : "", runs[i].spec->command,
                                       runs[i].t_event - runs[i].t_push);
        bench_log("%s round %u: %s", sc->name, round, s->str);
}

static int run_scenario(Bench *b, unsigned index) {
        const Scenario *sc = &scenarios[index];
        ScenarioResults *res = &b->scenarios[index];
        unsigned rounds = b->o->rounds, max_attempts = 2 * rounds + 5, attempts = 0, in_a_row = 0;
        bool repair = false;
        int r;

        bench_log("Scenario \"%s\": %u warm-up round%s, then %u rounds...", sc->name, WARMUP_ROUNDS,
                  WARMUP_ROUNDS == 1 ? "" : "s", rounds);
        for (unsigned warm = 0; res->clean < rounds && attempts < max_attempts;) {
                StepRun runs[2];
                bool clean;

                r = settle(b, repair);
                if (r == -ETIMEDOUT && !repair)
                        /* Something is off that waiting does not mend: undo what the last round did, once. */
                        r = settle(b, true);
                if (r < 0)
                        return r;

                r = run_round(b, sc, runs, &clean);
                if (r < 0)
                        return r;
                repair = !clean;
                if (warm < WARMUP_ROUNDS) {
                        warm++;
                        continue;
                }
                attempts++;
                if (!clean) {
                        const StepRun *bad = runs[0].disturbed ? &runs[0] : &runs[1];

                        res->disturbed++;
                        g_ptr_array_add(res->why, g_strdup_printf("round %u, %s: %s", res->clean + 1,
                                                                  bad->spec->command, bad->why));
                        bench_log("%s round %u disturbed (%s: %s); it will be repeated.", sc->name,
                                  res->clean + 1, bad->spec->command, bad->why);
                        if (++in_a_row >= DISTURBED_IN_A_ROW_MAX) {
                                bench_log("%s: %u rounds in a row disturbed; giving up.", sc->name, in_a_row);
                                break;
                        }
                        continue;
                }
                in_a_row = 0;
                res->clean++;
                record_round(b, sc, runs);
                log_round(sc, res->clean, runs);
        }
        if (res->clean < rounds) {
                bench_log("%s: only %u clean rounds in %u attempts.", sc->name, res->clean, attempts);
                return -EIO;
        }
        return 0;
}

/* --- the report ---------------------------------------------------------------------------------------- */

static char *read_load(void) {
        g_autofree char *load = NULL;
        g_auto(GStrv) fields = NULL;

        if (!g_file_get_contents("/proc/loadavg", &load, NULL, NULL))
                return g_strdup("?");
        fields = g_strsplit(g_strchomp(load), " ", 4);
        if (g_strv_length(fields) < 3)
                return g_strdup("?");
        return g_strdup_printf("%s %s %s", fields[0], fields[1], fields[2]);
}

static char *ptp4l_version(void) {
        g_autofree char *out = NULL;
        int status;

        if (!g_spawn_command_line_sync("ptp4l -v", &out, NULL, &status, NULL) || !out)
                return g_strdup("?");
        return g_strdup(g_strstrip(out));
}

/* n, then the percentiles, in units of scale µs with that many decimals. */
static void print_percentiles(Samples *s, const double *percentiles, size_t n, double scale, int decimals) {
        for (size_t i = 0; i < n; i++)
                if (s->n > 0)
                        printf(" %6.*f", decimals, (double) samples_percentile(s, percentiles[i]) / scale);
                else
                        printf(" %6s", "-");
}

static const double min_p50_p90_max[] = { 0, 50, 90, 100 };
static const double p50_p90_max[] = { 50, 90, 100 };

static void print_step_row(const char *row, StepResults *res) {
        printf("%-40s %3zu", row, res->latency.n);
        print_percentiles(&res->latency, min_p50_p90_max, ELEMENTSOF(min_p50_p90_max), 1, 0);
        printf(" |");
        print_percentiles(&res->from_send, p50_p90_max, ELEMENTSOF(p50_p90_max), 1, 0);
        printf(" |");
        print_percentiles(&res->wake, p50_p90_max + 0, 1, 1, 0);
        print_percentiles(&res->wake, p50_p90_max + 2, 1, 1, 0);
        printf("\n");
}

static void print_report(Bench *b, bool complete) {
        g_autofree char *load = read_load(), *version = ptp4l_version();
        g_autofree char *poll = b->o->poll_interval_ms ? g_strdup_printf("%u", b->o->poll_interval_ms)
                                                       : g_strdup("the default (1000)");
        struct utsname u = {};
        static const char rule[] = "----------------------------------------------------------------------"
                                   "-------------------------------------------";

        (void) uname(&u);
        printf("ptpsync-ptp-latency%s: %s, %ld cores, Linux %s, load %s (at the start %s)\n",
               b->o->quick ? " --quick" : "", b->date, sysconf(_SC_NPROCESSORS_ONLN), u.release, load,
               b->load_start);
        printf("daemon %s, PollIntervalMs %s, state in %s, private %s\n", b->o->daemon_path, poll,
               b->testbed.state_dir ?: "?", private_bus_kind_to_string(b->o->bus));
        printf("lab %s: ptp4l %s, announce every 250 ms, receipt timeout 3, sync every 62.5 ms\n",
               b->o->lab_path, version);
        printf("%u rounds per scenario after %u warm-up round; push timestamps from the kernel: %s; this\n"
               "process %s (the daemon, the bus, the lab: SCHED_OTHER)\n", b->o->rounds, WARMUP_ROUNDS,
               b->testbed.timestamps ? "yes" : "no",
               b->realtime ? "SCHED_FIFO " G_STRINGIFY(REALTIME_PRIORITY) : "SCHED_OTHER");

        printf("\n%-40s %3s  %-27s | %-20s | %s\n", "", "", "push received -> Event, µs", "push sent -> Event",
               "our read of the push");
        printf("%-40s %3s %6s %6s %6s %6s | %6s %6s %6s | %6s %6s\n", "step", "n", "min", "p50", "p90", "max",
               "p50", "p90", "max", "p50", "max");
        for (unsigned i = 0; i < N_SCENARIOS; i++) {
                printf("%s\n", rule);
                for (unsigned j = 0; j < ELEMENTSOF(scenarios[i].steps); j++)
                        print_step_row(steps[scenarios[i].steps[j]].row, &b->steps[scenarios[i].steps[j]]);
        }
        printf("%s\n", rule);
        printf("%-40s %3zu", "bus hop alone: our signal -> our watcher", b->bus_hop.n);
        print_percentiles(&b->bus_hop, min_p50_p90_max, ELEMENTSOF(min_p50_p90_max), 1, 0);
        printf("\n%s\n", rule);
        printf("%-40s %3s %6s %6s %6s %6s\n", "lab command started -> Event, s", "n", "min", "p50", "p90", "max");
        for (StepKind k = 0; k < _STEP_MAX; k++) {
                g_autofree char *row = g_strdup_printf("%s -> %s", steps[k].command, steps[k].event);

                printf("%-40s %3zu", row, b->steps[k].total.n);
                print_percentiles(&b->steps[k].total, min_p50_p90_max, ELEMENTSOF(min_p50_p90_max),
                                  (double) USEC_PER_SEC, 3);
                printf("\n");
        }

        printf("\npush received -> Event: our receipt of the lock-state Event signal minus our receipt of the\n"
               "port state push (CLOCK_MONOTONIC, one process). ptp4l sends our push a few µs before the\n"
               "daemon's%s.\n"
               "push sent -> Event: from ptp4l's sendmsg of our push (the datagram's kernel timestamp).\n"
               "our read of the push: how long after that sendmsg we read it; a round in which that took\n"
               "over %d µs is repeated (this process stalled).\n",
               b->realtime ? ", and this process (SCHED_FIFO) reads it first: the daemon's wake-up is in the figure"
                           : "; this process (SCHED_OTHER) and the daemon are assumed to wake alike",
               LATE_READ_USEC);
        printf(
               "Bus hop alone: a signal of the Event's signature and size from a second connection of ours to\n"
               "the same watcher, from just before sending to receipt, %u after each settling between rounds.\n"
               "kill-master -> HOLDOVER is mostly ptp4l's announce receipt timeout (3 x 250 ms) and the\n"
               "script's own start; restart-master -> LOCKED the new master's start and first announces.\n",
               PINGS_PER_SETTLE);
        printf("\nRounds disturbed and repeated:");
        for (unsigned i = 0; i < N_SCENARIOS; i++)
                printf("%s %s %u", i ? "," : "", scenarios[i].name, b->scenarios[i].disturbed);
        printf("\n");
        for (unsigned i = 0; i < N_SCENARIOS; i++)
                for (guint j = 0; j < b->scenarios[i].why->len; j++)
                        printf("  %s, %s\n", scenarios[i].name, (char *) b->scenarios[i].why->pdata[j]);
        if (!complete)
                printf("\nINCOMPLETE: the run ended early (see stderr); the figures are what was measured by then.\n");
}

/* --- options ------------------------------------------------------------------------------------------ */

static void help(void) {
        printf("Usage: ptpsync-ptp-latency [OPTIONS...]\n"
               "\n"
               "How long ptpsyncd takes from ptp4l's port state push to its Event signal, on the\n"
               "real-ptp4l lab (tests/ptp-lab.sh), with this program as a second subscriber of the\n"
               "same ptp4l. Needs root.\n"
               "\n"
               "Options:\n"
               "  -h --help                Show this help and exit\n"
               "     --rounds=K            Rounds per scenario (default %d)\n"
               "     --quick               %d rounds per scenario\n"
               "     --daemon=PATH         The ptpsyncd to measure (default: $PTPSYNCD, else\n"
               "                           %s)\n"
               "     --lab=PATH            The lab script (default: %s)\n"
               "     --poll-interval-ms=N  PollIntervalMs= of the daemon's [ptp4l] group (default: its own)\n"
               "     --state-root=DIR      Make the daemon's state directory in DIR (default: the\n"
               "                           temporary directory; /dev/shm takes fdatasync out of the figures)\n"
               "     --no-realtime         Do not run this program SCHED_FIFO (its children never are)\n"
               "     --bus=BUS             The private bus: dbus-daemon or dbus-broker (default:\n"
               "                           $PTPSYNC_TEST_BUS, as the tests take it, else dbus-daemon)\n"
               "  -v --verbose             Every push, event and lab command on stderr\n"
               "\n"
               "Progress goes to stderr, the results to stdout. Exit status 0 when every scenario\n"
               "completed its rounds, 1 otherwise, 2 for bad usage, 77 when it cannot run here.\n",
               ROUNDS_DEFAULT, ROUNDS_QUICK, PTPSYNCD_DEFAULT, PTP_LAB_DEFAULT);
}

static int parse_unsigned(const char *option, const char *arg, unsigned min, unsigned max, unsigned *ret) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(arg, &end, 10);
        if (errno != 0 || end == arg || *end || v < min || v > max) {
                fprintf(stderr, "--%s=%s: expected a number from %u to %u.\n", option, arg, min, max);
                return -EINVAL;
        }
        *ret = (unsigned) v;
        return 0;
}

static int parse_argv(int argc, char *argv[], Options *o) {
        enum { ARG_ROUNDS = 0x100, ARG_QUICK, ARG_DAEMON, ARG_LAB, ARG_POLL_INTERVAL, ARG_STATE_ROOT,
               ARG_NO_REALTIME, ARG_BUS };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "rounds", required_argument, NULL, ARG_ROUNDS },
                { "quick", no_argument, NULL, ARG_QUICK },
                { "daemon", required_argument, NULL, ARG_DAEMON },
                { "lab", required_argument, NULL, ARG_LAB },
                { "poll-interval-ms", required_argument, NULL, ARG_POLL_INTERVAL },
                { "state-root", required_argument, NULL, ARG_STATE_ROOT },
                { "no-realtime", no_argument, NULL, ARG_NO_REALTIME },
                { "bus", required_argument, NULL, ARG_BUS },
                { "verbose", no_argument, NULL, 'v' },
                {},
        };
        bool bus_given = false;
        int c;

        while ((c = getopt_long(argc, argv, "hv", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_ROUNDS:
                        if (parse_unsigned("rounds", optarg, 1, ROUNDS_MAX, &o->rounds) < 0)
                                return -EINVAL;
                        break;
                case ARG_QUICK:
                        o->quick = true;
                        break;
                case ARG_DAEMON:
                        g_free(o->daemon_path);
                        o->daemon_path = g_strdup(optarg);
                        break;
                case ARG_LAB:
                        g_free(o->lab_path);
                        o->lab_path = g_strdup(optarg);
                        break;
                case ARG_POLL_INTERVAL:
                        if (parse_unsigned("poll-interval-ms", optarg, 10, 3600000, &o->poll_interval_ms) < 0)
                                return -EINVAL;
                        break;
                case ARG_STATE_ROOT:
                        g_free(o->state_root);
                        o->state_root = g_strdup(optarg);
                        break;
                case ARG_NO_REALTIME:
                        o->realtime = false;
                        break;
                case ARG_BUS:
                        if (bench_parse_bus(optarg, &o->bus) < 0)
                                return -EINVAL;
                        bus_given = true;
                        break;
                case 'v':
                        o->verbose = true;
                        break;
                case '?':
                        return -EINVAL;
                default:
                        abort();
                }
        if (optind < argc) {
                fprintf(stderr, "Unexpected argument \"%s\"; see --help.\n", argv[optind]);
                return -EINVAL;
        }
        if (!bus_given && bench_parse_bus(NULL, &o->bus) < 0)
                return -EINVAL;
        if (o->rounds == 0)
                o->rounds = o->quick ? ROUNDS_QUICK : ROUNDS_DEFAULT;
        if (!o->daemon_path)
                o->daemon_path = g_strdup(getenv("PTPSYNCD") ?: PTPSYNCD_DEFAULT);
        if (!o->lab_path)
                o->lab_path = g_strdup(PTP_LAB_DEFAULT);
        return 1;
}

/* SCHED_FIFO for this process only: SCHED_RESET_ON_FORK gives every child the default policy back. */
static bool go_realtime(void) {
        struct sched_param p = { .sched_priority = REALTIME_PRIORITY };

        if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &p) < 0) {
                bench_log("Cannot run SCHED_FIFO (%m): going on without; our own wake-ups may then blur the "
                          "figures under load.");
                return false;
        }
        return true;
}

static void options_done(Options *o) {
        g_free(o->daemon_path);
        g_free(o->lab_path);
        g_free(o->state_root);
}

static void bench_done(Bench *b) {
        testbed_stop(&b->testbed);
        for (StepKind k = 0; k < _STEP_MAX; k++) {
                samples_clear(&b->steps[k].latency);
                samples_clear(&b->steps[k].wake);
                samples_clear(&b->steps[k].from_send);
                samples_clear(&b->steps[k].total);
        }
        samples_clear(&b->bus_hop);
        for (unsigned i = 0; i < N_SCENARIOS; i++)
                if (b->scenarios[i].why)
                        g_ptr_array_unref(b->scenarios[i].why);
        g_free(b->date);
        g_free(b->load_start);
}

int main(int argc, char *argv[]) {
        _cleanup_(options_done) Options o = { .realtime = true };
        _cleanup_(bench_done) Bench b = {};
        g_autoptr(GDateTime) now = g_date_time_new_now_local();
        bool complete = false;
        int r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        r = parse_argv(argc, argv, &o);
        if (r <= 0)
                return r < 0 ? 2 : EXIT_SUCCESS;
        if (geteuid() != 0) {
                fprintf(stderr, "ptpsync-ptp-latency needs root: the lab makes network namespaces and veth "
                        "links, and ptp4l's management socket is root's.\n");
                return EXIT_SKIP;
        }
        if (access(o.daemon_path, X_OK) < 0) {
                fprintf(stderr, "The daemon %s is not an executable: %m. Build it (ninja -C BUILDDIR) or pass "
                        "--daemon=PATH.\n", o.daemon_path);
                return EXIT_FAILURE;
        }
        if (access(o.lab_path, X_OK) < 0) {
                fprintf(stderr, "The lab script %s is not an executable: %m. Pass --lab=PATH.\n", o.lab_path);
                return EXIT_FAILURE;
        }
        if (o.realtime)
                b.realtime = go_realtime();
        r = testbed_handle_signals();
        if (r < 0) {
                fprintf(stderr, "Cannot handle signals: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }

        b.o = &o;
        b.date = g_date_time_format(now, "%Y-%m-%d %H:%M %Z");
        b.load_start = read_load();
        for (unsigned i = 0; i < N_SCENARIOS; i++)
                b.scenarios[i].why = g_ptr_array_new_with_free_func(g_free);
        testbed_init(&b.testbed, &(TestbedSettings) {
                .daemon_path = o.daemon_path,
                .lab_path = o.lab_path,
                .poll_interval_ms = o.poll_interval_ms,
                .state_root = o.state_root,
                .bus = o.bus,
                .verbose = o.verbose,
        });
        b.testbed.observer = (TestbedObserver) { .pushed = on_pushed, .event = on_event, .userdata = &b };

        r = testbed_start(&b.testbed);
        if (r == -EOPNOTSUPP) {
                fprintf(stderr, "The ptp4l lab cannot run here (see above).\n");
                return EXIT_SKIP;
        }
        if (r < 0) {
                bench_log("Cannot set up the testbed: %s", strerror(-r));
                return testbed_cancelled() ? 128 + testbed_cancelled() : EXIT_FAILURE;
        }
        bench_log("Lab up, ptpsyncd ready (push timestamps: %s).", b.testbed.timestamps ? "yes" : "no");

        for (unsigned i = 0; i < N_SCENARIOS; i++) {
                r = run_scenario(&b, i);
                if (r < 0)
                        break;
        }
        complete = r >= 0;
        if (r == -ECANCELED)
                bench_log("Cancelled.");
        print_report(&b, complete);
        if (testbed_cancelled())
                return 128 + testbed_cancelled();
        return complete ? EXIT_SUCCESS : EXIT_FAILURE;
}
