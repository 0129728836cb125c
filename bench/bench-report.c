/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>
#include <stdio.h>
#include <sys/utsname.h>

#include "bench-report.h"

const char *const row_keys[_ROW_MAX] = {
        [ROW_BASELINE_W64] = "baseline-w64",
        [ROW_BASELINE_W1] = "baseline-w1",
        [ROW_UNORDERED] = "unordered",
        [ROW_UNORDERED_DURABLE] = "unordered-durable",
        [ROW_ORDERED] = "ordered",
        [ROW_ORDERED_DURABLE] = "ordered-durable",
};

const char *const row_names[_ROW_MAX] = {
        [ROW_BASELINE_W64] = "baseline, window 64",
        [ROW_BASELINE_W1] = "baseline, window 1",
        [ROW_UNORDERED] = "ptpsyncd unordered",
        [ROW_UNORDERED_DURABLE] = "ptpsyncd unordered durable",
        [ROW_ORDERED] = "ptpsyncd ordered",
        [ROW_ORDERED_DURABLE] = "ptpsyncd ordered durable",
};

void results_done(Results *res) {
        for (unsigned i = 0; i < res->n_sizes; i++)
                for (RowKind k = 0; k < _ROW_MAX; k++)
                        run_result_done(&res->runs[i][k]);
        for (unsigned j = 0; j < ELEMENTSOF(res->rss); j++)
                g_free(res->rss[j].error);
        g_free(res->date);
        g_free(res->daemon_path);
        g_free(res->state_root);
}

static double ratio(double a, double b) {
        return b > 0 ? a / b : 0;
}

double rss_per_subscription(const RssResult *r) {
        if (!r->ok || r->subscriptions == 0)
                return 0;
        return (double) (r->rss_after_kib - r->rss_before_kib) / r->subscriptions;
}

/* The baseline a ptpsyncd row's throughput is compared with: the one with the same in-flight bound. */
static const RunResult *throughput_baseline(const Results *res, unsigned i, RowKind k) {
        bool ordered = k == ROW_ORDERED || k == ROW_ORDERED_DURABLE;

        return &res->runs[i][ordered ? ROW_BASELINE_W1 : ROW_BASELINE_W64];
}

/* "0.83", or "" when either figure is missing. */
static const char *format_ratio(char buf[static 16], bool have, double a, double b) {
        if (!have || b <= 0)
                return "";
        (void) snprintf(buf, 16, "%.2f", a / b);
        return buf;
}

static void print_row(const Results *res, unsigned i, RowKind k) {
        const RunResult *r = &res->runs[i][k], *base = throughput_baseline(res, i, k);
        bool vs = !row_is_baseline(k), vs_lat = vs && r->have_latency && r->base_p99_usec > 0;
        char t[16], p50[16], p99[16];

        if (!r->ok && !r->timed_out) {
                printf("%-27s %5u  FAILED: %s\n", row_names[k], res->sizes[i], r->error ?: "?");
                return;
        }
        printf("%-27s %5u %6" PRIu64 " %9.0f %10.0f %5s%s |", row_names[k], res->sizes[i], r->events,
               r->events_per_sec, r->deliveries_per_sec,
               format_ratio(t, vs && base->ok, r->events_per_sec, base->events_per_sec),
               r->timed_out ? "*" : " ");
        if (r->have_latency)
                printf(" %6" PRIu64 " %6" PRIu64 " %6" PRIu64 " %5s %5s", r->p50_usec, r->p99_usec,
                       r->max_usec, format_ratio(p50, vs_lat, r->p50_usec, r->base_p50_usec),
                       format_ratio(p99, vs_lat, r->p99_usec, r->base_p99_usec));
        if (r->inject_p50_usec)
                printf(" | %6" PRIu64 " %6" PRIu64, r->inject_p50_usec, r->inject_p99_usec);
        if (r->retries || r->dead_lettered)
                printf("  (%" PRIu64 " retries, %" PRIu64 " dead letters)", r->retries, r->dead_lettered);
        if (!r->ok && r->error)
                printf("  [%s]", r->error);
        printf("\n");
}

static void print_header(const Results *res) {
        g_autofree char *load = NULL;
        struct utsname u = {};

        (void) uname(&u);
        (void) g_file_get_contents("/proc/loadavg", &load, NULL, NULL);
        if (load)
                g_strchomp(load);
        printf("ptpsync-bench%s: %s, %ld cores, Linux %s, load %s\n", res->quick ? " --quick" : "",
               res->date, sysconf(_SC_NPROCESSORS_ONLN), u.release, load ?: "?");
        printf("daemon %s, state in %s\n", res->daemon_path, res->state_root);
        if (res->bus == PRIVATE_BUS_DBUS_BROKER)
                printf("private dbus-broker: stock quotas (512 MiB, 4096 fds, 16384 matches per uid)\n");
        else
                printf("private dbus-daemon: stock system-bus limits, 2000 connections per user\n");
        for (unsigned i = 0; i < res->n_sizes; i++)
                printf("N=%-4u: %" PRIu64 " events per throughput run, %" PRIu64
                       " one at a time for latency%s\n", res->sizes[i], res->events[i],
                       res->latency_events[i],
                       res->interleaved[i] ? ", in 10 blocks taken in turns with the baseline's" : "");
}

static void print_table(const Results *res) {
        static const char rule[] = "----------------------------------------------------------------------"
                                   "---------------------------------------------";

        printf("\n%-27s %5s %6s %9s %10s %5s  | %6s %6s %6s %5s %5s | %6s %6s\n", "", "", "", "events/s",
               "deliv./s", "ratio", "p50", "p99", "max", "p50", "p99", "Inject", "Inject");
        printf("%-27s %5s %6s %9s %10s %5s  | %6s %6s %6s %5s %5s | %6s %6s\n", "run", "N", "events", "", "",
               "", "µs", "µs", "µs", "ratio", "ratio", "p50 µs", "p99 µs");
        for (unsigned i = 0; i < res->n_sizes; i++) {
                printf("%s\n", rule);
                for (RowKind k = 0; k < _ROW_MAX; k++)
                        if (res->ran[i][k])
                                print_row(res, i, k);
        }
        printf("\nThroughput ratio: ptpsyncd / the baseline with the same in-flight bound (unordered:\n"
               "window 64, ordered: window 1), same N, same run. Latency: one event at a time, from just\n"
               "before it is produced to each receipt; its ratios are to the baseline's samples taken in\n"
               "turns with that ptpsyncd's (N <= 100), or measured before them (N = 1000).\n"
               "* = timed out: the rate of what was acked by then.\n");
}

static void print_acks_in_flight(const Results *res) {
        printf("\nAcks sent and not answered yet (pending replies on the bus) in the throughput runs, "
               "mean/max:");
        for (unsigned i = 0; i < res->n_sizes; i++) {
                printf("\n  N=%-5u", res->sizes[i]);
                for (RowKind k = 0; k < _ROW_MAX; k++)
                        if (res->ran[i][k] && res->runs[i][k].acks_in_flight_max > 0)
                                printf(" %s %.0f/%" PRIu64, row_keys[k], res->runs[i][k].acks_in_flight_avg,
                                       res->runs[i][k].acks_in_flight_max);
        }
        printf("\n");
}

static void print_cpu(const Results *res) {
        printf("\nCPU time / wall time in the throughput runs (1.00 = one of the 2 cores all along): "
               "bus/ptpsyncd/bench");
        for (unsigned i = 0; i < res->n_sizes; i++) {
                printf("\n  N=%-5u", res->sizes[i]);
                for (RowKind k = 0; k < _ROW_MAX; k++) {
                        const RunResult *r = &res->runs[i][k];

                        if (!res->ran[i][k] || r->events == 0)
                                continue;
                        if (row_is_baseline(k))
                                printf(" %s %.2f/-/%.2f", row_keys[k], r->cpu_bus, r->cpu_self);
                        else
                                printf(" %s %.2f/%.2f/%.2f", row_keys[k], r->cpu_bus, r->cpu_daemon,
                                       r->cpu_self);
                }
        }
        printf("\n");
}

static void print_rss(const RssResult *r) {
        const char *what = r->durable ? "durable" : "non-durable";

        if (!r->ok) {
                printf("RSS run (%s) FAILED: %s\n", what, r->error ?: "?");
                return;
        }
        printf("RSS, %u idle %s subscriptions (%u connections x %u): VmRSS %" PRIu64 " -> %" PRIu64 " KiB, "
               "%.2f KiB per subscription (RssAnon %" PRIu64 " -> %" PRIu64 " KiB)\n",
               r->subscriptions, what, RSS_CONNECTIONS, RSS_PER_CONNECTION, r->rss_before_kib,
               r->rss_after_kib, rss_per_subscription(r), r->anon_before_kib, r->anon_after_kib);
}

static int size_index(const Results *res, unsigned n) {
        for (unsigned i = 0; i < res->n_sizes; i++)
                if (res->sizes[i] == n)
                        return (int) i;
        return -1;
}

static const char *verdict(bool known, bool met) {
        return !known ? "not measured" : met ? "met" : "NOT MET";
}

static void print_target_throughput(const RunResult *runs) {
        const RunResult *base = &runs[ROW_BASELINE_W64], *r = &runs[ROW_UNORDERED];
        double x = ratio(r->events_per_sec, base->events_per_sec);

        printf("  non-durable fan-out >= %.0f%% of the baseline's events/s: unordered %.0f%% -- %s\n",
               TARGET_THROUGHPUT_RATIO * 100, x * 100,
               verdict(base->ok && r->ok, x >= TARGET_THROUGHPUT_RATIO));
        base = &runs[ROW_BASELINE_W1];
        if (base->ok && r->ok && runs[ROW_ORDERED].ok)
                printf("      (for information, against the faster window-1 baseline: unordered %.0f%%, "
                       "ordered %.0f%%)\n", ratio(r->events_per_sec, base->events_per_sec) * 100,
                       ratio(runs[ROW_ORDERED].events_per_sec, base->events_per_sec) * 100);
}

static void print_target_latency(const RunResult *runs) {
        bool known = true, all = true;

        printf("  p99 latency of one event <= %.1fx the baseline's p99:", TARGET_P99_RATIO);
        for (RowKind k = ROW_UNORDERED; k <= ROW_ORDERED_DURABLE; k++) {
                const RunResult *r = &runs[k];
                double x = ratio(r->p99_usec, r->base_p99_usec);

                known = known && r->have_latency && r->base_p99_usec > 0;
                all = all && x <= TARGET_P99_RATIO;
                printf("%s %s %.2fx", k == ROW_UNORDERED ? "" : ",", row_names[k] + strlen("ptpsyncd "), x);
        }
        printf(" -- %s\n", verdict(known, all));
        printf("      (the baseline's p99 in the four pairings:");
        for (RowKind k = ROW_UNORDERED; k <= ROW_ORDERED_DURABLE; k++)
                printf(" %" PRIu64, runs[k].base_p99_usec);
        printf(" µs)\n");
}

static void print_target_rss(const Results *res) {
        double a = rss_per_subscription(&res->rss[0]), b = rss_per_subscription(&res->rss[1]);

        if (!res->have_rss) {
                printf("  <= %.0f KiB RSS per idle subscription: not measured\n",
                       TARGET_RSS_KIB_PER_SUBSCRIPTION);
                return;
        }
        printf("  <= %.0f KiB RSS per idle subscription: %.2f KiB, durable %.2f KiB -- %s\n",
               TARGET_RSS_KIB_PER_SUBSCRIPTION, a, b,
               verdict(res->rss[0].ok && res->rss[1].ok,
                       a <= TARGET_RSS_KIB_PER_SUBSCRIPTION && b <= TARGET_RSS_KIB_PER_SUBSCRIPTION));
}

static void print_target_durable(const RunResult *runs) {
        bool known = true, all = true;

        printf("  durable >= %.0f%% of non-durable events/s:", TARGET_DURABLE_RATIO * 100);
        for (RowKind k = ROW_UNORDERED; k <= ROW_ORDERED; k += 2) {
                const RunResult *nd = &runs[k], *d = &runs[k + 1];
                double x = ratio(d->events_per_sec, nd->events_per_sec);

                known = known && nd->ok && d->ok;
                all = all && x >= TARGET_DURABLE_RATIO;
                printf("%s %s %.0f%%", k == ROW_UNORDERED ? "" : ",",
                       k == ROW_UNORDERED ? "unordered" : "ordered", x * 100);
        }
        printf(" -- %s\n", verdict(known, all));
}

static void print_loop(const Results *res) {
        printf("\nptpsyncd's event loop over each run (latency and throughput), as it says at exit: the longest\n"
               "iteration (preparing and dispatching, not waiting) on the clock / in CPU time / on the clock of\n"
               "those not preempted, in µs; the iterations in which it blocked (a voluntary context switch) /\n"
               "was preempted (an involuntary one)");
        for (unsigned i = 0; i < res->n_sizes; i++) {
                printf("\n  N=%-5u", res->sizes[i]);
                for (RowKind k = 0; k < _ROW_MAX; k++) {
                        const BenchLoopFigures *l = &res->runs[i][k].loop;

                        if (res->ran[i][k] && !row_is_baseline(k) && l->known)
                                printf(" %s %" PRIu64 "/%" PRIu64 "/%" PRIu64 " %" PRIu64 "/%" PRIu64, row_keys[k],
                                       l->longest_usec, l->longest_cpu_usec, l->longest_unpreempted_usec,
                                       l->blocked, l->preempted);
                }
        }
        printf("\n");
}

void results_print(const Results *res) {
        int i = size_index(res, 100);

        print_header(res);
        print_table(res);
        print_acks_in_flight(res);
        print_cpu(res);
        print_loop(res);
        if (res->have_rss) {
                printf("\n");
                for (unsigned j = 0; j < ELEMENTSOF(res->rss); j++)
                        print_rss(&res->rss[j]);
        }
        printf("\nTargets (N=100):\n");
        if (i >= 0) {
                print_target_throughput(res->runs[i]);
                print_target_latency(res->runs[i]);
        }
        print_target_rss(res);
        if (i >= 0)
                print_target_durable(res->runs[i]);
}
