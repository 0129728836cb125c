/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The table of ptpsync-ptp-latency: one block per storage and subscriber count, then the details. */

#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ptp-latency-run.h"

/* --- the report ---------------------------------------------------------------------------------------- */

char *read_load(void) {
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

/* The percentiles, in units of scale µs with that many decimals. */
static void print_percentiles(Samples *s, const double *percentiles, size_t n, double scale, int decimals) {
        for (size_t i = 0; i < n; i++)
                if (s->n > 0)
                        printf(" %6.*f", decimals, (double) samples_percentile(s, percentiles[i]) / scale);
                else
                        printf(" %6s", "-");
}

static const double p50_p99_max[] = { 50, 99, 100 };
static const double p50_max[] = { 50, 100 };

#define RULE "------------------------------------------------------------------------------------------"

static void print_block_header(const Block *blk) {
        printf("%s\n%u subscriber%s, storage %s: %s (statfs: %s)%s%s\n", RULE, blk->subscribers,
               blk->subscribers == 1 ? "" : "s", blk->storage, blk->state_dir ?: "?", blk->fs_type ?: "?",
               blk->fs_note ? "; " : "", blk->fs_note ?: "");
}

/* The figures: push -> broadcast Event, push -> subscriber receipt. */
static void print_block(Block *blk) {
        print_block_header(blk);
        for (unsigned i = 0; i < N_SCENARIOS; i++)
                for (unsigned j = 0; j < ELEMENTSOF(scenarios[i].steps); j++) {
                        StepResults *res = &blk->steps[scenarios[i].steps[j]];

                        printf("%-40s %5zu", steps[scenarios[i].steps[j]].row, res->latency.n);
                        print_percentiles(&res->latency, p50_p99_max, ELEMENTSOF(p50_p99_max), 1, 0);
                        printf(" | %6zu", res->receipt.n);
                        print_percentiles(&res->receipt, p50_p99_max, ELEMENTSOF(p50_p99_max), 1, 0);
                        printf("\n");
                }
        printf("%-40s %5zu", "bus hop alone: our signal -> our watcher", blk->bus_hop.n);
        print_percentiles(&blk->bus_hop, p50_p99_max, ELEMENTSOF(p50_p99_max), 1, 0);
        printf("\n");
}

/* What the figures rest on: the push's own way, and the lab command's. */
static void print_block_details(Block *blk) {
        print_block_header(blk);
        for (unsigned i = 0; i < N_SCENARIOS; i++)
                for (unsigned j = 0; j < ELEMENTSOF(scenarios[i].steps); j++) {
                        StepResults *res = &blk->steps[scenarios[i].steps[j]];

                        printf("%-40s %5zu", steps[scenarios[i].steps[j]].row, res->from_send.n);
                        print_percentiles(&res->from_send, p50_max, ELEMENTSOF(p50_max), 1, 0);
                        printf(" |");
                        print_percentiles(&res->wake, p50_max, ELEMENTSOF(p50_max), 1, 0);
                        printf(" |");
                        print_percentiles(&res->total, p50_max, ELEMENTSOF(p50_max), (double) USEC_PER_SEC, 3);
                        printf("\n");
                }
}

void print_report(Bench *b, bool complete) {
        g_autofree char *load = read_load(), *version = ptp4l_version();
        g_autofree char *poll = b->o->poll_interval_ms ? g_strdup_printf("%u", b->o->poll_interval_ms)
                                                       : g_strdup("the default (1000)");
        struct utsname u = {};

        (void) uname(&u);
        printf("ptpsync-ptp-latency%s: %s, %ld cores, Linux %s, load %s (at the start %s)\n",
               b->o->quick ? " --quick" : "", b->date, sysconf(_SC_NPROCESSORS_ONLN), u.release, load,
               b->load_start);
        printf("bus: %s (%s); the bus process that ran: %s\n", b->o->bus, b->o->bus_from,
               b->bus_ran ?: "none started");
        /* comm is 15 bytes at most: dbus-broker-launch is "dbus-broker-lau". */
        if (b->bus_ran && !g_str_has_prefix(b->bus_ran, b->o->bus))
                printf("NOTE: %s was asked for, but the bus that ran is %s: the figures are %s's.\n", b->o->bus,
                       b->bus_ran, b->bus_ran);
        printf("daemon %s, PollIntervalMs %s\n", b->o->daemon_path, poll);
        printf("lab %s: ptp4l %s, announce every 250 ms, receipt timeout 3, sync every 62.5 ms\n",
               b->o->lab_path, version);
        printf("%u rounds per scenario after %u warm-up round; push timestamps from the kernel: %s; this\n"
               "process %s (the daemon, the bus, the lab: SCHED_OTHER)\n", b->o->rounds, WARMUP_ROUNDS,
               b->testbed.timestamps ? "yes" : "no",
               b->realtime ? "SCHED_FIFO " G_STRINGIFY(REALTIME_PRIORITY) : "SCHED_OTHER");
        printf("subscribers: a connection each with one subscription to %s\n"
               "(non-durable, unordered, Window %u), acking every event, read in this process's loop\n",
               BENCH_ADDRESS, BENCH_WINDOW);

        /* µs is two bytes: the spans are padded by hand. */
        printf("\nAll figures in µs.%-28s %-20s | %s\n", "", "push received", "push received");
        printf("%-46s %-20s | %s\n", "", "-> Manager.Event", "-> subscriber receipt");
        printf("%-40s %5s %6s %6s %6s | %6s %6s %6s %6s\n", "step", "n", "p50", "p99", "max", "n", "p50", "p99",
               "max");
        for (unsigned i = 0; i < b->n_blocks; i++)
                if (b->blocks[i].ran)
                        print_block(&b->blocks[i]);
        printf("%s\n", RULE);

        printf("\npush received -> Event: our receipt of the lock-state Manager.Event signal minus our receipt\n"
               "of the port state push (CLOCK_MONOTONIC, one process). ptp4l sends our push a few µs before\n"
               "the daemon's%s.\n"
               "push received -> subscriber receipt: the same push to each subscriber's receipt of its\n"
               "Subscription.Event, stamped as its connection reads it; one sample per subscriber and round.\n"
               "Bus hop alone: a signal of the Event's signature and size from a second connection of ours to\n"
               "the same watcher, from just before sending to receipt, %u after each settling between rounds.\n",
               b->realtime ? ", and this process (SCHED_FIFO) reads it first: the daemon's wake-up is in the figure"
                           : "; this process (SCHED_OTHER) and the daemon are assumed to wake alike",
               PINGS_PER_SETTLE);

        printf("\n%-46s %-13s | %-13s | %s\n", "Details.", "push sent ->", "our read of", "lab command ->");
        printf("%-46s %-14s | %-14s | %s\n", "", "Event, µs", "the push, µs", "Event, s");
        printf("%-40s %5s %6s %6s | %6s %6s | %6s %6s\n", "step", "n", "p50", "max", "p50", "max", "p50", "max");
        for (unsigned i = 0; i < b->n_blocks; i++)
                if (b->blocks[i].ran)
                        print_block_details(&b->blocks[i]);
        printf("%s\n", RULE);
        printf("push sent -> Event: from ptp4l's sendmsg of our push (the datagram's kernel timestamp).\n"
               "our read of the push: how long after that sendmsg we read it; a round in which that took\n"
               "over %d µs is repeated (this process stalled), with --quick kept.\n"
               "kill-master -> HOLDOVER is mostly ptp4l's announce receipt timeout (3 x 250 ms) and the\n"
               "script's own start; restart-master -> LOCKED the new master's start and first announces.\n",
               LATE_READ_USEC);

        printf("\nRounds disturbed and repeated:\n");
        for (unsigned i = 0; i < b->n_blocks; i++) {
                Block *blk = &b->blocks[i];

                if (!blk->ran)
                        continue;
                printf("  %u subscriber%s, %s:", blk->subscribers, blk->subscribers == 1 ? "" : "s",
                       blk->storage);
                for (unsigned k = 0; k < N_SCENARIOS; k++)
                        printf("%s %s %u", k ? "," : "", scenarios[k].name, blk->scenarios[k].disturbed);
                printf("\n");
                if (b->o->quick)
                        for (unsigned k = 0; k < N_SCENARIOS; k++)
                                if (blk->scenarios[k].late_kept > 0)
                                        printf("    %s: %u round%s kept with a late read of the push (--quick)\n",
                                               scenarios[k].name, blk->scenarios[k].late_kept,
                                               blk->scenarios[k].late_kept == 1 ? "" : "s");
                for (unsigned k = 0; k < N_SCENARIOS; k++)
                        for (guint w = 0; w < blk->scenarios[k].why->len; w++)
                                printf("    %s, %s\n", scenarios[k].name, (char *) blk->scenarios[k].why->pdata[w]);
        }
        if (!complete)
                printf("\nINCOMPLETE: the run ended early (see stderr); the figures are what was measured by then.\n");
}
