/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-ptp-latency [--rounds=K | --quick] [--subscribers=1,100] [--storage=ext4,tmpfs] ...
 *
 * How long ptpsyncd takes from ptp4l's port state push to its Event signal,
 * and to its subscribers' receipt of their Subscription.Event, on the
 * real-ptp4l lab, with its store on ext4 and on tmpfs. This process subscribes to the same ptp4l as the
 * daemon (its own socket and identity) and watches the daemon's Event
 * signals; ptp4l sends a push to every subscriber in one go, so the moment
 * we read ours is, within microseconds, the moment the daemon could read its
 * own. Latency = our receipt of the Event signal - our receipt of the push.
 * This process runs SCHED_FIFO (its children do not), so that it reads
 * promptly while other tenants keep the cores busy.
 *
 * The subscribers are N connections of this process (bench-clients.c), each
 * with one non-durable, unordered subscription to the lock-state, read in
 * the same loop and stamped as each reads its Event. Each storage is a fresh
 * testbed; each (storage, N) is one block of the table.
 *
 * Two scenarios, K rounds each per block, every step driven by a lab command that runs
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
#include <sys/statfs.h>
#include <sys/utsname.h>

#include "ptp-latency-run.h"

const StorageSpec storages[_STORAGE_MAX] = {
        [STORAGE_EXT4] = { "ext4", "/var/tmp", EXT4_MAGIC },
        [STORAGE_TMPFS] = { "tmpfs", "/dev/shm", TMPFS_MAGIC_ },
        [STORAGE_STATE_ROOT] = { "--state-root", NULL, 0 },
};

const StepSpec steps[_STEP_MAX] = {
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

const Scenario scenarios[N_SCENARIOS] = {
        { "servo unlock/lock", { STEP_UNLOCK, STEP_LOCK } },
        { "master killed/restarted", { STEP_KILL_MASTER, STEP_RESTART_MASTER } },
};

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

static void on_event(Testbed *t, const char *lock_state, uint64_t seq, uint64_t when, void *userdata) {
        Bench *b = userdata;
        StepRun *run = b->run;

        b->last_broadcast_seq = MAX(b->last_broadcast_seq, seq);
        if (!run || run->disturbed || run->t_event != 0)
                return;
        if (!streq_ptr(lock_state, run->spec->event))
                step_disturb(run, "an unexpected lock-state event, %s", lock_state);
        else if (run->t_push == 0)
                step_disturb(run, "the %s event before the %s push", lock_state,
                             port_state_name(run->spec->push));
        else {
                run->t_event = when;
                run->event_seq = seq;
        }
}

/* A subscriber read its Subscription.Event (a first attempt; it is acked in any case). */
static void on_subscriber_event(Receiver *r, uint64_t seq, uint64_t when, void *userdata) {
        Bench *b = userdata;
        StepRun *run = b->run;

        b->last_seq[r->index] = MAX(b->last_seq[r->index], seq);
        if (!run || run->disturbed)
                return;
        if (run->receipt_at[r->index] != 0) {
                step_disturb(run, "subscriber %u got a second event (seq %" PRIu64 ") in the step", r->index, seq);
                return;
        }
        run->receipt_at[r->index] = when;
        run->receipt_seq[r->index] = seq;
        run->receipts++;
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

static bool subscribers_caught_up(Testbed *t, void *userdata) {
        Bench *b = userdata;

        for (unsigned i = 0; i < b->subscribers.n; i++)
                if (b->last_seq[i] < b->last_broadcast_seq)
                        return false;
        return true;
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
        /* Every subscriber has had the last event: none of it comes in during the next step. */
        r = testbed_wait(t, subscribers_caught_up, b, CATCH_UP_USEC);
        if (r == -ETIMEDOUT) {
                /*
                 * An event stored just before a subscription was made and signalled after it is not theirs:
                 * go on from here. A step still counts only if each subscriber gets that step's event.
                 */
                bench_log("Event %" PRIu64 " did not reach every subscriber within %" PRIu64 " s; going on.",
                          b->last_broadcast_seq, CATCH_UP_USEC / USEC_PER_SEC);
                for (unsigned i = 0; i < b->subscribers.n; i++)
                        b->last_seq[i] = MAX(b->last_seq[i], b->last_broadcast_seq);
        } else if (r < 0)
                return r;
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
                samples_add(&b->block->bus_hop, usec);
        }
        return 0;
}

/* --- steps and rounds ------------------------------------------------------------------------------- */

static bool step_done(Testbed *t, void *userdata) {
        StepRun *run = userdata;

        return run->disturbed || (run->t_push > 0 && run->t_event > 0 && run->receipts == t->subscribers->n &&
                                  t->command.exited);
}

/* Every subscriber got the event the watcher got, not another one. */
static void check_receipts(Testbed *t, StepRun *run) {
        for (unsigned i = 0; i < t->subscribers->n; i++)
                if (run->receipt_seq[i] != run->event_seq) {
                        step_disturb(run, "subscriber %u got event %" PRIu64 ", the broadcast was %" PRIu64, i,
                                     run->receipt_seq[i], run->event_seq);
                        return;
                }
}

/* Runs one step; a step that does not go as expected is marked disturbed. Returns < 0 only to abort. */
static int run_step(Bench *b, StepKind k, unsigned slot, StepRun *run) {
        Testbed *t = &b->testbed;
        const StepSpec *spec = &steps[k];
        size_t size = b->subscribers.n * sizeof(uint64_t);
        int r;

        *run = (StepRun) {
                .spec = spec,
                .wake_usec = -1,
                .receipt_at = memset(b->receipt_at[slot], 0, size),
                .receipt_seq = memset(b->receipt_seq[slot], 0, size),
        };
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
                step_disturb(run, "nothing more after %" PRIu64 " s: %s push %s, %s event %s, %u of %u "
                             "subscribers got it, command %s",
                             TESTBED_TIMEOUT_USEC / USEC_PER_SEC, port_state_name(spec->push),
                             run->t_push ? "seen" : "not seen", spec->event, run->t_event ? "seen" : "not seen",
                             run->receipts, t->subscribers->n, t->command.exited ? "ended" : "still running");
        else if (r < 0)
                return r;
        else
                check_receipts(t, run);
        if (r == 0 && run->wake_usec > LATE_READ_USEC && !run->disturbed) {
                /* With --quick (a test on a busy machine) the round is kept: its figure is only indicative,
                 * but the path it checks worked. */
                if (b->o->quick)
                        run->late = true;
                else
                        step_disturb(run, "our read of the %s push came %" PRId64 " µs after ptp4l sent it",
                                     port_state_name(spec->push), run->wake_usec);
        }
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
                r = run_step(b, sc->steps[i], i, &runs[i]);
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
                StepResults *res = &b->block->steps[sc->steps[i]];
                const StepRun *run = &runs[i];

                samples_add(&res->latency, run->t_event - run->t_push);
                for (unsigned j = 0; j < b->subscribers.n; j++)
                        samples_add(&res->receipt, run->receipt_at[j] - MIN(run->receipt_at[j], run->t_push));
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
        ScenarioResults *res = &b->block->scenarios[index];
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
                res->late_kept += runs[0].late || runs[1].late;
                record_round(b, sc, runs);
                log_round(sc, res->clean, runs);
        }
        if (res->clean < rounds) {
                bench_log("%s: only %u clean rounds in %u attempts.", sc->name, res->clean, attempts);
                return -EIO;
        }
        return 0;
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

static void block_done(Block *blk) {
        for (StepKind k = 0; k < _STEP_MAX; k++) {
                samples_clear(&blk->steps[k].latency);
                samples_clear(&blk->steps[k].receipt);
                samples_clear(&blk->steps[k].wake);
                samples_clear(&blk->steps[k].from_send);
                samples_clear(&blk->steps[k].total);
        }
        samples_clear(&blk->bus_hop);
        for (unsigned i = 0; i < N_SCENARIOS; i++)
                if (blk->scenarios[i].why)
                        g_ptr_array_unref(blk->scenarios[i].why);
        g_free(blk->state_dir);
        g_free(blk->fs_type);
        g_free(blk->fs_note);
}

static void subscribers_disconnect(Bench *b) {
        b->testbed.subscribers = NULL;
        clients_disconnect(&b->subscribers);
        for (unsigned i = 0; i < 2; i++) {
                g_clear_pointer(&b->receipt_at[i], g_free);
                g_clear_pointer(&b->receipt_seq[i], g_free);
        }
        g_clear_pointer(&b->last_seq, g_free);
}

static bool daemon_answered(Testbed *t, void *userdata) {
        return t->daemon_answered;
}

/* n connections with one non-durable, unordered subscription each (bench-subscribe.c), read in our loop. */
static int subscribers_connect(Bench *b, unsigned n) {
        Testbed *t = &b->testbed;
        int r;

        bench_log("Subscribing %u connection%s to %s...", n, n == 1 ? "" : "s", BENCH_ADDRESS);
        b->subscribe_spec = (SubscribeSpec) { .ordered = false, .durable = false, .per_connection = 1 };
        r = clients_connect(&b->subscribers, t->bus.address, n, subscriber_setup, &b->subscribe_spec,
                            SUBSCRIBE_TIMEOUT_USEC);
        if (r < 0) {
                bench_log("Cannot subscribe %u connections: %s", n, b->subscribers.error ?: strerror(-r));
                return r;
        }
        b->subscribers.on_event = on_subscriber_event;
        b->subscribers.event_userdata = b;
        for (unsigned i = 0; i < 2; i++) {
                b->receipt_at[i] = g_new0(uint64_t, n);
                b->receipt_seq[i] = g_new0(uint64_t, n);
        }
        b->last_seq = g_new0(uint64_t, n);
        t->subscribers = &b->subscribers;
        /*
         * A new subscription gets the events after it, not those before, nor those the watcher has not read
         * yet. The daemon answered every Subscribe before this question: the broadcasts of every event it
         * did not deliver to them reach the watcher before the answer does (one sender, one receiver).
         */
        r = testbed_ask_lock_state(t);
        if (r >= 0)
                r = testbed_wait(t, daemon_answered, NULL, TESTBED_TIMEOUT_USEC);
        if (r < 0) {
                bench_log("ptpsyncd did not answer GetCurrentState after the subscriptions: %s", strerror(-r));
                return r;
        }
        for (unsigned i = 0; i < n; i++)
                b->last_seq[i] = MAX(b->last_seq[i], b->last_broadcast_seq);
        return 0;
}

static const char *fs_type_name(long magic) {
        switch (magic) {
        case EXT4_MAGIC:
                return "ext2/ext3/ext4";
        case TMPFS_MAGIC_:
                return "tmpfs";
        case 0x58465342:
                return "xfs";
        case 0x9123683e:
                return "btrfs";
        case 0x794c7630:
                return "overlayfs";
        case 0x858458f6:
                return "ramfs";
        default:
                return NULL;
        }
}

/* What the daemon's state directory is on, said as statfs says it, and whether that is what was asked for. */
static void block_note_storage(Block *blk, const char *state_dir) {
        const char *root = blk->storage_kind == STORAGE_STATE_ROOT ? "--state-root" : storages[blk->storage_kind].root;
        long expected = storages[blk->storage_kind].magic;
        struct statfs sf;

        blk->state_dir = g_strdup(state_dir);
        if (!state_dir || statfs(state_dir, &sf) < 0) {
                blk->fs_type = g_strdup_printf("cannot statfs: %s", state_dir ? strerror(errno) : "no directory");
                return;
        }
        blk->fs_type = fs_type_name((long) sf.f_type) ? g_strdup(fs_type_name((long) sf.f_type))
                                                      : g_strdup_printf("0x%lx", (unsigned long) sf.f_type);
        if (expected == 0 || (long) sf.f_type == expected)
                return;
        if ((long) sf.f_type == TMPFS_MAGIC_)
                blk->fs_note = g_strdup_printf("NOT %s: %s is tmpfs here, its fdatasync costs nothing",
                                               storages[blk->storage_kind].name, root);
        else
                blk->fs_note = g_strdup_printf("NOT %s: %s is %s here", storages[blk->storage_kind].name, root,
                                               blk->fs_type);
}

/* Both scenarios with blk->subscribers subscribers, on the testbed as it is. */
static int run_block(Bench *b, Block *blk) {
        int r;

        b->block = blk;
        blk->ran = true;
        /* No event under way while they subscribe (the first block: the daemon's first one). */
        r = settle(b, false);
        if (r == -ETIMEDOUT)
                r = settle(b, true);
        if (r >= 0)
                r = subscribers_connect(b, blk->subscribers);
        if (r < 0) {
                b->block = NULL;
                subscribers_disconnect(b);
                return r;
        }
        for (unsigned i = 0; i < N_SCENARIOS; i++) {
                r = run_scenario(b, i);
                if (r < 0)
                        break;
        }
        b->block = NULL;
        subscribers_disconnect(b);
        return r;
}

/* One storage: a fresh testbed (lab, bus, daemon with its state directory there), then its blocks. */
static int run_storage(Bench *b, StorageKind kind, Block *blocks, unsigned n) {
        const Options *o = b->o;
        int r;

        bench_log("Storage %s: the daemon's state directory in %s.", storages[kind].name,
                  kind == STORAGE_STATE_ROOT ? o->state_root : storages[kind].root);
        testbed_init(&b->testbed, &(TestbedSettings) {
                .daemon_path = o->daemon_path,
                .lab_path = o->lab_path,
                .poll_interval_ms = o->poll_interval_ms,
                .state_root = kind == STORAGE_STATE_ROOT ? o->state_root : storages[kind].root,
                .bus = o->bus_kind,
                .verbose = o->verbose,
        });
        b->testbed.observer = (TestbedObserver) { .pushed = on_pushed, .event = on_event, .userdata = b };
        /* A fresh daemon: a fresh store, whose sequence numbers start again. */
        b->last_broadcast_seq = 0;
        b->uncertain_maybe = b->master_maybe_down = false;

        r = testbed_start(&b->testbed);
        if (r < 0 && r != -EOPNOTSUPP)
                bench_log("Cannot set up the testbed: %s", strerror(-r));
        if (r >= 0) {
                g_autofree char *comm_path = g_strdup_printf("/proc/%d/comm", (int) b->testbed.bus.pid);
                g_autofree char *comm = NULL;

                /* What really ran, whatever was asked for. */
                g_free(b->bus_ran);
                b->bus_ran = g_file_get_contents(comm_path, &comm, NULL, NULL) ? g_strdup(g_strstrip(comm))
                                                                              : g_strdup("?");
                bench_log("Lab up, ptpsyncd ready (push timestamps: %s).", b->testbed.timestamps ? "yes" : "no");
                for (unsigned i = 0; i < n && r >= 0; i++) {
                        block_note_storage(&blocks[i], b->testbed.state_dir);
                        r = run_block(b, &blocks[i]);
                }
        }
        /* Here, not at the end: the next storage's lab has the same prefix. */
        testbed_stop(&b->testbed);
        return r;
}

static void bench_done(Bench *b) {
        subscribers_disconnect(b);
        testbed_stop(&b->testbed);
        for (unsigned i = 0; i < b->n_blocks; i++)
                block_done(&b->blocks[i]);
        g_free(b->blocks);
        g_free(b->date);
        g_free(b->load_start);
        g_free(b->bus_ran);
}

int main(int argc, char *argv[]) {
        _cleanup_(options_done) Options o = { .realtime = true };
        _cleanup_(bench_done) Bench b = { .subscribers.epoll_fd = -1 };
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
        b.n_blocks = o.n_storage * o.n_subscribers;
        b.blocks = g_new0(Block, b.n_blocks);
        for (unsigned i = 0; i < b.n_blocks; i++) {
                b.blocks[i].storage_kind = o.storage[i / o.n_subscribers];
                b.blocks[i].storage = storages[b.blocks[i].storage_kind].name;
                b.blocks[i].subscribers = o.subscribers[i % o.n_subscribers];
                for (unsigned k = 0; k < N_SCENARIOS; k++)
                        b.blocks[i].scenarios[k].why = g_ptr_array_new_with_free_func(g_free);
        }

        r = 0;
        for (unsigned s = 0; s < o.n_storage && r >= 0; s++) {
                r = run_storage(&b, o.storage[s], &b.blocks[s * o.n_subscribers], o.n_subscribers);
                if (r == -EOPNOTSUPP && s == 0) {
                        fprintf(stderr, "The ptp4l lab cannot run here (see above).\n");
                        return EXIT_SKIP;
                }
        }
        complete = r >= 0;
        if (r == -ECANCELED)
                bench_log("Cancelled.");
        print_report(&b, complete);
        if (testbed_cancelled())
                return 128 + testbed_cancelled();
        return complete ? EXIT_SUCCESS : EXIT_FAILURE;
}
