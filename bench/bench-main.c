/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-bench [--quick] [--events=K] [--daemon=PATH | PATH]
 *
 * Runs, per receiver count N, the baseline and ptpsyncd back to back on one
 * private bus, then prints one table with ptpsyncd's figures as ratios to the
 * baseline of the same N, and the targets met or not. See bench/README.md.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>

#include "bench.h"

#define RUN_TIMEOUT_USEC (240 * USEC_PER_SEC)
#define IDLE_TIMEOUT_USEC (30 * USEC_PER_SEC)
#define EVENTS_DEFAULT 1000
#define EVENTS_QUICK 200
/* The daemon's default QueueLimit is 10000, and N = 1 runs 5 K events: more would be dead-lettered. */
#define EVENTS_MAX 2000
#define RSS_CONNECTIONS 100
#define RSS_PER_CONNECTION 100

/* Targets. */
#define TARGET_THROUGHPUT_RATIO 0.5
#define TARGET_P99_RATIO 1.5
#define TARGET_RSS_KIB_PER_SUBSCRIPTION 4.0
#define TARGET_DURABLE_RATIO 0.5

typedef enum RowKind {
        ROW_BASELINE_W64,
        ROW_BASELINE_W1,
        ROW_UNORDERED,
        ROW_UNORDERED_DURABLE,
        ROW_ORDERED,
        ROW_ORDERED_DURABLE,
        _ROW_MAX,
} RowKind;

static const char *const row_names[_ROW_MAX] = {
        [ROW_BASELINE_W64] = "baseline, window 64",
        [ROW_BASELINE_W1] = "baseline, window 1",
        [ROW_UNORDERED] = "ptpsyncd unordered",
        [ROW_UNORDERED_DURABLE] = "ptpsyncd unordered durable",
        [ROW_ORDERED] = "ptpsyncd ordered",
        [ROW_ORDERED_DURABLE] = "ptpsyncd ordered durable",
};

#define MAX_SIZES 3

typedef struct Options {
        bool quick;
        uint64_t events;
        char *daemon_path;
} Options;

typedef struct Results {
        unsigned sizes[MAX_SIZES];
        unsigned n_sizes;
        RunResult runs[MAX_SIZES][_ROW_MAX];
        bool have_rss;
        RssResult rss;
        bool failed;
} Results;

static void help(void) {
        printf("Usage: ptpsync-bench [OPTIONS...] [PTPSYNCD]\n"
               "\n"
               "The delivery benchmark of ptpsyncd: fan-out of events to 1, 100 and 1000\n"
               "subscribers against a bare sd-bus program doing the same on the same private\n"
               "bus, latency of one event, and RSS per idle subscription. Needs root.\n"
               "\n"
               "Options:\n"
               "  -h --help         Show this help and exit\n"
               "     --quick        A smoke run: fewer events, no N=1000, no RSS run\n"
               "     --events=K     Events per throughput run for N=100 (default %d, --quick %d;\n"
               "                    N=1 runs 5K, N=1000 K/5; at most %d)\n"
               "     --daemon=PATH  The ptpsyncd to measure (default: $PTPSYNCD, else\n"
               "                    daemon/ptpsyncd of the build directory of this program)\n"
               "\n"
               "Progress goes to stderr, the results to stdout. Exit status 0 when every run\n"
               "completed (targets met or not), 1 otherwise, 2 for bad usage.\n",
               EVENTS_DEFAULT, EVENTS_QUICK, EVENTS_MAX);
}

/* <dir of this program>/../daemon/ptpsyncd: the build tree's daemon. */
static char *default_daemon_path(void) {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

        if (getenv("PTPSYNCD"))
                return g_strdup(getenv("PTPSYNCD"));
        if (n <= 0)
                return g_strdup("build/daemon/ptpsyncd");
        exe[n] = '\0';
        return g_build_filename(dirname(dirname(exe)), "daemon", "ptpsyncd", NULL);
}

static int parse_argv(int argc, char *argv[], Options *o) {
        enum { ARG_QUICK = 0x100, ARG_EVENTS, ARG_DAEMON };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "quick", no_argument, NULL, ARG_QUICK },
                { "events", required_argument, NULL, ARG_EVENTS },
                { "daemon", required_argument, NULL, ARG_DAEMON },
                {},
        };
        char *end;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_QUICK:
                        o->quick = true;
                        break;
                case ARG_EVENTS:
                        errno = 0;
                        o->events = strtoull(optarg, &end, 10);
                        if (errno != 0 || *end || o->events < 10 || o->events > EVENTS_MAX) {
                                fprintf(stderr, "--events=%s: expected a number from 10 to %d.\n", optarg,
                                        EVENTS_MAX);
                                return -EINVAL;
                        }
                        break;
                case ARG_DAEMON:
                        g_free(o->daemon_path);
                        o->daemon_path = g_strdup(optarg);
                        break;
                case '?':
                        return -EINVAL;
                default:
                        abort();
                }
        if (optind < argc) {
                g_free(o->daemon_path);
                o->daemon_path = g_strdup(argv[optind++]);
        }
        if (optind < argc) {
                fprintf(stderr, "Unexpected argument \"%s\"; see --help.\n", argv[optind]);
                return -EINVAL;
        }
        if (!o->daemon_path)
                o->daemon_path = default_daemon_path();
        if (o->events == 0)
                o->events = o->quick ? EVENTS_QUICK : EVENTS_DEFAULT;
        return 1;
}

static uint64_t events_for(const Options *o, unsigned n) {
        /* About the same wall time per run: more events for one receiver, fewer for a thousand. */
        if (n == 1)
                return 5 * o->events;
        if (n >= 1000)
                return MAX(o->events / 5, 20);
        return o->events;
}

static uint64_t latency_events_for(const Options *o, unsigned n) {
        if (n == 1)
                return o->quick ? 200 : 1000;
        if (n <= 100)
                return o->quick ? 50 : 200;
        return 30;
}

static RunConfig run_config(const Options *o, unsigned n, RowKind k) {
        return (RunConfig) {
                .n = n,
                .events = events_for(o, n),
                /* Latency, one event at a time, does not depend on the window: measured once. */
                .latency_events = k == ROW_BASELINE_W1 ? 0 : latency_events_for(o, n),
                .timeout_usec = RUN_TIMEOUT_USEC,
                .window = k == ROW_BASELINE_W1 ? 1 : BENCH_WINDOW,
                .daemon_path = o->daemon_path,
                .ordered = k == ROW_ORDERED || k == ROW_ORDERED_DURABLE,
                .durable = k == ROW_UNORDERED_DURABLE || k == ROW_ORDERED_DURABLE,
        };
}

static void run_row(BenchBus *b, const Options *o, unsigned n, RowKind k, RunResult *ret) {
        RunConfig cfg = run_config(o, n, k);
        uint64_t t = now_usec();

        bench_log("N=%u %s: %" PRIu64 " events%s...", n, row_names[k], cfg.events,
                  cfg.latency_events ? ", latency first" : "");
        if (k == ROW_BASELINE_W64 || k == ROW_BASELINE_W1)
                (void) baseline_run(b, &cfg, ret);
        else
                (void) ptpsyncd_run(b, &cfg, ret);
        if (ret->ok)
                bench_log("N=%u %s: %.0f events/s, %.0f deliveries/s%s (%.1f s)", n, row_names[k],
                          ret->events_per_sec, ret->deliveries_per_sec, ret->retries ? ", RETRIES" : "",
                          (double) (now_usec() - t) / USEC_PER_SEC);
        else
                bench_log("N=%u %s FAILED: %s", n, row_names[k], ret->error ?: "?");
        /* The next run starts on a bus without the clients of this one. */
        if (bench_bus_wait_idle(b, IDLE_TIMEOUT_USEC) < 0)
                bench_log("Continuing on a bus that is not idle: the next figures may suffer.");
}

/* --- the report ------------------------------------------------------------------------------- */

static const RunResult *baseline_for(const Results *res, unsigned i, RowKind k) {
        switch (k) {
        case ROW_ORDERED:
        case ROW_ORDERED_DURABLE:
        case ROW_BASELINE_W1:
                return &res->runs[i][ROW_BASELINE_W1];
        default:
                return &res->runs[i][ROW_BASELINE_W64];
        }
}

static double ratio(double a, double b) {
        return b > 0 ? a / b : 0;
}

static void print_row(const Results *res, unsigned i, RowKind k) {
        const RunResult *r = &res->runs[i][k], *base = baseline_for(res, i, k);
        const RunResult *lat_base = &res->runs[i][ROW_BASELINE_W64];
        bool is_base = k == ROW_BASELINE_W64 || k == ROW_BASELINE_W1;
        g_autofree char *tput_ratio = NULL, *p50_ratio = NULL, *p99_ratio = NULL;

        if (!r->ok && !r->timed_out) {
                printf("%-27s %5u  FAILED: %s\n", row_names[k], res->sizes[i], r->error ?: "?");
                return;
        }
        tput_ratio = is_base || !base->ok ? g_strdup("") : g_strdup_printf("%.2f", ratio(r->events_per_sec,
                                                                                          base->events_per_sec));
        p50_ratio = is_base || !lat_base->have_latency || !r->have_latency
                ? g_strdup("") : g_strdup_printf("%.2f", ratio(r->p50_usec, lat_base->p50_usec));
        p99_ratio = is_base || !lat_base->have_latency || !r->have_latency
                ? g_strdup("") : g_strdup_printf("%.2f", ratio(r->p99_usec, lat_base->p99_usec));
        printf("%-27s %5u %7" PRIu64 " %9.0f %11.0f %6s%s |", row_names[k], res->sizes[i], r->events,
               r->events_per_sec, r->deliveries_per_sec, tput_ratio, r->timed_out ? "*" : " ");
        if (r->have_latency)
                printf(" %7" PRIu64 " %7" PRIu64 " %8" PRIu64 " %6s %6s", r->p50_usec, r->p99_usec, r->max_usec,
                       p50_ratio, p99_ratio);
        if (r->inject_p50_usec)
                printf(" %7" PRIu64 " %7" PRIu64, r->inject_p50_usec, r->inject_p99_usec);
        if (r->retries || r->dead_lettered)
                printf("  (%" PRIu64 " retries, %" PRIu64 " dead letters)", r->retries, r->dead_lettered);
        printf("\n");
}

static void print_table(const Results *res) {
        printf("\n%-27s %5s %7s %9s %11s %6s  | %7s %7s %8s %6s %6s %7s %7s\n", "", "", "",
               "events/s", "deliveries", "ratio", "p50", "p99", "max", "p50", "p99", "Inject", "Inject");
        printf("%-27s %5s %7s %9s %11s %6s  | %7s %7s %8s %6s %6s %7s %7s\n", "run", "N", "events", "", "/s",
               "", "µs", "µs", "µs", "ratio", "ratio", "p50 µs", "p99 µs");
        for (unsigned i = 0; i < res->n_sizes; i++) {
                printf("%.*s\n", 140, "------------------------------------------------------------------------"
                                      "------------------------------------------------------------------------");
                for (RowKind k = 0; k < _ROW_MAX; k++)
                        print_row(res, i, k);
        }
        printf("\nratio: ptpsyncd / baseline of the same N in this run; throughput against the baseline with\n"
               "the same in-flight bound (unordered: window 64, ordered: window 1), latency against the\n"
               "baseline's one-event-at-a-time latency. * = timed out, rate of what was acked by then.\n");
        if (res->have_rss) {
                const RssResult *r = &res->rss;

                if (r->ok)
                        printf("\nRSS, %u idle subscriptions (%u connections x %u): VmRSS %" PRIu64 " -> %" PRIu64
                               " KiB, %.2f KiB per subscription (RssAnon %" PRIu64 " -> %" PRIu64
                               " KiB, %.2f KiB)\n",
                               r->subscriptions, RSS_CONNECTIONS, RSS_PER_CONNECTION, r->rss_before_kib,
                               r->rss_after_kib, (double) (r->rss_after_kib - r->rss_before_kib) / r->subscriptions,
                               r->anon_before_kib, r->anon_after_kib,
                               (double) (r->anon_after_kib - r->anon_before_kib) / r->subscriptions);
                else
                        printf("\nRSS run FAILED: %s\n", r->error ?: "?");
        }
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

static void print_targets(const Results *res) {
        int i = size_index(res, 100);
        const RunResult *base, *r, *nd;
        bool all, known;

        printf("\nTargets (N=100):\n");
        if (i < 0)
                return;

        base = &res->runs[i][ROW_BASELINE_W64];
        r = &res->runs[i][ROW_UNORDERED];
        known = base->ok && r->ok;
        printf("  non-durable fan-out >= %.0f%% of the baseline's events/s: %.0f%% (unordered, window 64) -- %s\n",
               TARGET_THROUGHPUT_RATIO * 100, ratio(r->events_per_sec, base->events_per_sec) * 100,
               verdict(known, ratio(r->events_per_sec, base->events_per_sec) >= TARGET_THROUGHPUT_RATIO));
        base = &res->runs[i][ROW_BASELINE_W1];
        r = &res->runs[i][ROW_ORDERED];
        if (base->ok && r->ok)
                printf("      (for information, ordered against the window-1 baseline: %.0f%%)\n",
                       ratio(r->events_per_sec, base->events_per_sec) * 100);

        base = &res->runs[i][ROW_BASELINE_W64];
        all = known = base->have_latency;
        printf("  p99 latency of one event <= %.1fx the baseline's p99 (%" PRIu64 " µs):", TARGET_P99_RATIO,
               base->p99_usec);
        for (RowKind k = ROW_UNORDERED; k < _ROW_MAX; k++) {
                r = &res->runs[i][k];
                known = known && r->have_latency;
                all = all && ratio(r->p99_usec, base->p99_usec) <= TARGET_P99_RATIO;
                printf("%s %s %.2fx", k == ROW_UNORDERED ? "" : ",", row_names[k] + strlen("ptpsyncd "),
                       ratio(r->p99_usec, base->p99_usec));
        }
        printf(" -- %s\n", verdict(known, all));

        if (res->have_rss) {
                const RssResult *rss = &res->rss;
                double kib = rss->ok ? (double) (rss->rss_after_kib - rss->rss_before_kib) / rss->subscriptions : 0;

                printf("  <= %.0f KiB RSS per idle subscription: %.2f KiB -- %s\n", TARGET_RSS_KIB_PER_SUBSCRIPTION,
                       kib, verdict(rss->ok, kib <= TARGET_RSS_KIB_PER_SUBSCRIPTION));
        } else
                printf("  <= %.0f KiB RSS per idle subscription: not measured (--quick)\n",
                       TARGET_RSS_KIB_PER_SUBSCRIPTION);

        all = known = true;
        printf("  durable >= %.0f%% of non-durable events/s:", TARGET_DURABLE_RATIO * 100);
        for (RowKind k = ROW_UNORDERED; k < _ROW_MAX; k += 2) {
                nd = &res->runs[i][k];
                r = &res->runs[i][k + 1];
                known = known && nd->ok && r->ok;
                all = all && ratio(r->events_per_sec, nd->events_per_sec) >= TARGET_DURABLE_RATIO;
                printf("%s %s %.0f%%", k == ROW_UNORDERED ? "" : ",", k == ROW_UNORDERED ? "unordered" : "ordered",
                       ratio(r->events_per_sec, nd->events_per_sec) * 100);
        }
        printf(" -- %s\n", verdict(known, all));
}

static void print_header(const Options *o, const BenchBus *b) {
        g_autoptr(GDateTime) now = g_date_time_new_now_local();
        g_autofree char *date = g_date_time_format(now, "%Y-%m-%d %H:%M %Z");
        g_autofree char *load = NULL;
        struct utsname u = {};

        (void) uname(&u);
        (void) g_file_get_contents("/proc/loadavg", &load, NULL, NULL);
        if (load)
                g_strchomp(load);
        printf("ptpsync-bench %s: %s, %ld cores, Linux %s, load %s\n", o->quick ? "--quick" : "(full)", date,
               sysconf(_SC_NPROCESSORS_ONLN), u.release, load ?: "?");
        printf("daemon %s, private dbus-daemon (stock system limits, 2000 connections per user)\n",
               o->daemon_path);
        printf("events per throughput run: N=1 %" PRIu64 ", N=100 %" PRIu64 ", N=1000 %" PRIu64
               "; latency: %" PRIu64 "/%" PRIu64 "/%" PRIu64 " events one at a time\n",
               events_for(o, 1), events_for(o, 100), events_for(o, 1000), latency_events_for(o, 1),
               latency_events_for(o, 100), latency_events_for(o, 1000));
}

static void results_done(Results *res) {
        for (unsigned i = 0; i < res->n_sizes; i++)
                for (RowKind k = 0; k < _ROW_MAX; k++)
                        run_result_done(&res->runs[i][k]);
        g_free(res->rss.error);
}

static void bench_bus_stopp(BenchBus *b) {
        bench_bus_stop(b);
}

int main(int argc, char *argv[]) {
        _cleanup_(bench_bus_stopp) BenchBus b = {};
        _cleanup_(results_done) Results res = {};
        Options o = {};
        uint64_t fds;
        int r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        r = parse_argv(argc, argv, &o);
        if (r <= 0)
                return r < 0 ? 2 : EXIT_SUCCESS;
        if (geteuid() != 0) {
                fprintf(stderr, "ptpsync-bench needs root: Simulator.Inject is root-only, and only uid 0 has no "
                        "subscription quota.\n");
                return EXIT_FAILURE;
        }
        fds = bench_raise_fd_limit();

        res.sizes[res.n_sizes++] = 1;
        res.sizes[res.n_sizes++] = 100;
        if (!o.quick) {
                /* A thousand receivers and their Acks need about that many fds here, and the bus as many. */
                if (fds < 1200)
                        bench_log("RLIMIT_NOFILE is %" PRIu64 ", too low for 1000 receivers: skipping N=1000.",
                                  fds);
                else
                        res.sizes[res.n_sizes++] = 1000;
        }

        bench_log("Starting a private dbus-daemon...");
        if (bench_bus_start(&b) < 0) {
                bench_log("Cannot start the private bus.");
                return EXIT_FAILURE;
        }
        bench_log("Bus at %s; daemon %s.", b.address, o.daemon_path);

        for (unsigned i = 0; i < res.n_sizes; i++)
                for (RowKind k = 0; k < _ROW_MAX; k++) {
                        run_row(&b, &o, res.sizes[i], k, &res.runs[i][k]);
                        res.failed = res.failed || !res.runs[i][k].ok;
                }

        if (!o.quick) {
                bench_log("RSS: %u connections x %u idle subscriptions...", RSS_CONNECTIONS, RSS_PER_CONNECTION);
                (void) ptpsyncd_rss(&b, o.daemon_path, RSS_CONNECTIONS, RSS_PER_CONNECTION, &res.rss);
                res.have_rss = true;
                res.failed = res.failed || !res.rss.ok;
                if (!res.rss.ok)
                        bench_log("RSS run FAILED: %s", res.rss.error ?: "?");
        }

        print_header(&o, &b);
        print_table(&res);
        print_targets(&res);
        g_free(o.daemon_path);
        return res.failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
