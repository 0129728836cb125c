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

#include "bench-options.h"
#include "bench-report.h"

#define PHASE_TIMEOUT_USEC (240 * USEC_PER_SEC)
#define IDLE_TIMEOUT_USEC (30 * USEC_PER_SEC)
#define EVENTS_DEFAULT 1000
#define EVENTS_QUICK 200
/* The daemon's default QueueLimit is 10000, and N = 1 runs 5 K events: more would be dead-lettered. */
#define EVENTS_MAX 2000
/*
 * Up to this N, ptpsyncd's latency samples are taken in blocks in turns with
 * the baseline's, both sets of connections open at once, so that both see the
 * same moments of this shared machine. At N = 1000 that would be over 2000
 * connections of one uid, past max_connections_per_user: the baseline goes
 * first there.
 */
#define INTERLEAVE_MAX_N 100
#define LATENCY_BLOCKS 10

typedef struct Options {
        bool quick;
        uint64_t events;
        char *daemon_path;
        char *state_root;
        unsigned sizes[MAX_SIZES];
        unsigned n_sizes;
        bool only_given;
        bool rows[_ROW_MAX];
        bool rss;
        PrivateBusKind bus;
} Options;

static void help(void) {
        printf("Usage: ptpsync-bench [OPTIONS...] [PTPSYNCD]\n"
               "\n"
               "The delivery benchmark of ptpsyncd: fan-out of events to 1, 100 and 1000\n"
               "subscribers against a bare sd-bus program doing the same on the same private\n"
               "bus, latency of one event, and RSS per idle subscription. Needs root.\n"
               "\n"
               "Options:\n"
               "  -h --help            Show this help and exit\n"
               "     --quick           A smoke run: fewer events, no N=1000, no RSS run\n"
               "     --events=K        Events per throughput run for N=100 (default %d, --quick %d;\n"
               "                       N=1 runs 5K, N=1000 K/10; at most %d)\n"
               "     --daemon=PATH     The ptpsyncd to measure (default: $PTPSYNCD, else\n"
               "                       daemon/ptpsyncd of the build directory of this program)\n"
               "     --bus=BUS         The private bus: dbus-daemon or dbus-broker (default:\n"
               "                       $PTPSYNC_TEST_BUS, as the tests take it, else dbus-daemon)\n"
               "For looking closer:\n"
               "     --sizes=LIST      Receiver counts, of 1, 100 and 1000 (default: all; --quick: 1,100)\n"
               "     --only=LIST       Runs, of baseline-w64, baseline-w1, unordered, unordered-durable,\n"
               "                       ordered, ordered-durable and rss (default: all)\n"
               "     --state-root=DIR  Make the daemons' state directories in DIR (default: the\n"
               "                       temporary directory; /dev/shm takes fsync out of the figures)\n"
               "\n"
               "Progress goes to stderr, the results to stdout. Exit status 0 when every run\n"
               "completed (targets met or not), 1 otherwise, 2 for bad usage.\n",
               EVENTS_DEFAULT, EVENTS_QUICK, EVENTS_MAX);
}

/* <dir of this program>/../daemon/ptpsyncd: the build tree's daemon. */
static char *default_daemon_path(void) {
        char exe[PATH_MAX];
        ssize_t n;

        if (getenv("PTPSYNCD"))
                return g_strdup(getenv("PTPSYNCD"));
        n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n <= 0)
                return g_strdup("build/daemon/ptpsyncd");
        exe[n] = '\0';
        return g_build_filename(dirname(dirname(exe)), "daemon", "ptpsyncd", NULL);
}

static int parse_sizes(const char *arg, Options *o) {
        g_auto(GStrv) items = g_strsplit(arg, ",", -1);

        o->n_sizes = 0;
        for (char **i = items; *i; i++) {
                if (!g_str_equal(*i, "1") && !g_str_equal(*i, "100") && !g_str_equal(*i, "1000")) {
                        fprintf(stderr, "--sizes=%s: expected some of 1, 100 and 1000.\n", arg);
                        return -EINVAL;
                }
                if (o->n_sizes < MAX_SIZES)
                        o->sizes[o->n_sizes++] = (unsigned) atoi(*i);
        }
        return 0;
}

static int parse_only(const char *arg, Options *o) {
        g_auto(GStrv) items = g_strsplit(arg, ",", -1);

        o->only_given = true;
        for (char **i = items; *i; i++) {
                bool found = g_str_equal(*i, "rss");

                o->rss = o->rss || found;
                for (RowKind k = 0; k < _ROW_MAX && !found; k++)
                        if (g_str_equal(*i, row_keys[k]))
                                found = o->rows[k] = true;
                if (!found) {
                        fprintf(stderr, "--only=: unknown run \"%s\"; see --help.\n", *i);
                        return -EINVAL;
                }
        }
        return 0;
}

static int parse_events(const char *arg, Options *o) {
        unsigned v;

        if (bench_parse_unsigned("events", arg, 10, EVENTS_MAX, &v) < 0)
                return -EINVAL;
        o->events = v;
        return 0;
}

static void options_fill_defaults(Options *o) {
        if (!o->daemon_path)
                o->daemon_path = default_daemon_path();
        if (o->events == 0)
                o->events = o->quick ? EVENTS_QUICK : EVENTS_DEFAULT;
        if (o->n_sizes == 0) {
                o->sizes[o->n_sizes++] = 1;
                o->sizes[o->n_sizes++] = 100;
                if (!o->quick)
                        o->sizes[o->n_sizes++] = 1000;
        }
        if (!o->only_given) {
                for (RowKind k = 0; k < _ROW_MAX; k++)
                        o->rows[k] = true;
                o->rss = !o->quick;
        }
}

static int parse_argv(int argc, char *argv[], Options *o) {
        enum { ARG_QUICK = 0x100, ARG_EVENTS, ARG_DAEMON, ARG_SIZES, ARG_ONLY, ARG_STATE_ROOT, ARG_BUS };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "quick", no_argument, NULL, ARG_QUICK },
                { "events", required_argument, NULL, ARG_EVENTS },
                { "daemon", required_argument, NULL, ARG_DAEMON },
                { "sizes", required_argument, NULL, ARG_SIZES },
                { "only", required_argument, NULL, ARG_ONLY },
                { "state-root", required_argument, NULL, ARG_STATE_ROOT },
                { "bus", required_argument, NULL, ARG_BUS },
                {},
        };
        bool bus_given = false;
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
                        if (parse_events(optarg, o) < 0)
                                return -EINVAL;
                        break;
                case ARG_DAEMON:
                        g_free(o->daemon_path);
                        o->daemon_path = g_strdup(optarg);
                        break;
                case ARG_SIZES:
                        if (parse_sizes(optarg, o) < 0)
                                return -EINVAL;
                        break;
                case ARG_ONLY:
                        if (parse_only(optarg, o) < 0)
                                return -EINVAL;
                        break;
                case ARG_STATE_ROOT:
                        g_free(o->state_root);
                        o->state_root = g_strdup(optarg);
                        break;
                case ARG_BUS:
                        if (bench_parse_bus(optarg, &o->bus) < 0)
                                return -EINVAL;
                        bus_given = true;
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
        if (!bus_given && bench_parse_bus(NULL, &o->bus) < 0)
                return -EINVAL;
        options_fill_defaults(o);
        return 1;
}

static uint64_t events_for(const Options *o, unsigned n) {
        /* About the same wall time per run: more events for one receiver, fewer for a thousand. */
        if (n == 1)
                return 5 * o->events;
        if (n >= 1000)
                return MAX(o->events / 10, 20);
        return o->events;
}

static uint64_t latency_events_for(const Options *o, unsigned n) {
        if (n == 1)
                return o->quick ? 200 : 1000;
        if (n <= 100)
                return o->quick ? 50 : 200;
        return 30;
}

/* --- the runs of one N ------------------------------------------------------------------------ */

typedef struct SizeRun {
        BenchBus *bus;
        const Options *o;
        unsigned n;
        uint64_t events, latency_events;
        bool interleave;
        RunResult *rows;
        Rig *base;      /* the baseline, while it is usable */
        Samples pooled; /* every latency sample of the baseline's */
} SizeRun;

static void size_run_drop_baseline(SizeRun *s) {
        s->base = rig_free(s->base);
        (void) bench_bus_wait_idle(s->bus, 0, IDLE_TIMEOUT_USEC);
}

static void log_throughput(const SizeRun *s, RowKind k) {
        const RunResult *r = &s->rows[k];

        if (r->error)
                bench_log("N=%u %s FAILED: %s", s->n, row_names[k], r->error);
        else
                bench_log("N=%u %s: %.0f events/s, %.0f deliveries/s%s", s->n, row_names[k],
                          r->events_per_sec, r->deliveries_per_sec, r->retries ? " (with retries)" : "");
}

/* Throughput of the baseline, once with each window; and, at N = 1000, its latency first. */
static void size_run_baseline(SizeRun *s) {
        RunResult *w64 = &s->rows[ROW_BASELINE_W64], *w1 = &s->rows[ROW_BASELINE_W1];
        g_autofree char *error = NULL;

        bench_log("N=%u baseline: connecting a sender and %u receivers...", s->n, s->n);
        if (baseline_rig_new(s->bus, s->n, BENCH_WINDOW, &s->base, &error) < 0 ||
            rig_warm_up(s->base, PHASE_TIMEOUT_USEC, w64) < 0) {
                run_result_fail(w64, "%s", error ?: w64->error ?: "?");
                run_result_fail(w1, "%s", error ?: w64->error ?: "?");
                size_run_drop_baseline(s);
                return;
        }
        if (!s->interleave &&
            rig_latency(s->base, s->latency_events, PHASE_TIMEOUT_USEC, &s->pooled, w64) < 0) {
                size_run_drop_baseline(s);
                return;
        }
        if (s->o->rows[ROW_BASELINE_W64]) {
                bench_log("N=%u %s: %" PRIu64 " events...", s->n, row_names[ROW_BASELINE_W64], s->events);
                (void) rig_throughput(s->base, s->events, PHASE_TIMEOUT_USEC, w64);
                log_throughput(s, ROW_BASELINE_W64);
        }
        if (s->base && s->o->rows[ROW_BASELINE_W1] && !w64->timed_out) {
                bench_log("N=%u %s: %" PRIu64 " events...", s->n, row_names[ROW_BASELINE_W1], s->events);
                baseline_rig_set_window(s->base, 1);
                (void) rig_throughput(s->base, s->events, PHASE_TIMEOUT_USEC, w1);
                baseline_rig_set_window(s->base, BENCH_WINDOW);
                log_throughput(s, ROW_BASELINE_W1);
        }
        /* A phase that did not end leaves events in flight: the baseline is no use for latency then. */
        if (w64->timed_out || w1->timed_out)
                size_run_drop_baseline(s);
        else if (!s->interleave)
                size_run_drop_baseline(s); /* its connections would keep ptpsyncd's from the bus */
}

/* ptpsyncd's latency, in blocks in turns with the baseline's when it is there. */
static int size_run_latency(SizeRun *s, Rig *rig, RunResult *ret) {
        _cleanup_(samples_clear) Samples mine = {}, theirs = {};
        unsigned blocks = s->base ? LATENCY_BLOCKS : 1;
        RunResult *w64 = &s->rows[ROW_BASELINE_W64];

        for (unsigned b = 0; b < blocks; b++) {
                /* The events split as evenly as they go. */
                uint64_t e = s->latency_events * (b + 1) / blocks - s->latency_events * b / blocks;

                if (s->base && rig_latency(s->base, e, PHASE_TIMEOUT_USEC, &theirs, w64) < 0)
                        return -EIO;
                if (rig_latency(rig, e, PHASE_TIMEOUT_USEC, &mine, ret) < 0)
                        return -EIO;
        }
        ret->have_latency = true;
        ret->p50_usec = samples_percentile(&mine, 50);
        ret->p99_usec = samples_percentile(&mine, 99);
        ret->max_usec = samples_percentile(&mine, 100);
        ret->inject_p50_usec = samples_percentile(rig->inject_rtt, 50);
        ret->inject_p99_usec = samples_percentile(rig->inject_rtt, 99);
        if (s->base) {
                ret->base_p50_usec = samples_percentile(&theirs, 50);
                ret->base_p99_usec = samples_percentile(&theirs, 99);
                for (size_t i = 0; i < theirs.n; i++)
                        samples_add(&s->pooled, theirs.v[i]);
        } else if (!s->interleave) {
                ret->base_p50_usec = samples_percentile(&s->pooled, 50);
                ret->base_p99_usec = samples_percentile(&s->pooled, 99);
        }
        return 0;
}

static void size_run_ptpsyncd(SizeRun *s, RowKind k) {
        _cleanup_(rig_freep) Rig *rig = NULL;
        g_autofree char *error = NULL;
        RunResult *ret = &s->rows[k];
        bool ordered = k == ROW_ORDERED || k == ROW_ORDERED_DURABLE;
        bool durable = k == ROW_UNORDERED_DURABLE || k == ROW_ORDERED_DURABLE;

        bench_log("N=%u %s: starting the daemon, subscribing...", s->n, row_names[k]);
        if (ptpsyncd_rig_new(s->bus, s->o->daemon_path, s->n, ordered, durable, &rig, &error) < 0) {
                run_result_fail(ret, "%s", error);
                bench_log("N=%u %s FAILED: %s", s->n, row_names[k], error);
                return;
        }
        ptpsyncd_rig_report_loop(rig, &ret->loop);
        if (rig_warm_up(rig, PHASE_TIMEOUT_USEC, ret) < 0)
                return;
        bench_log("N=%u %s: latency, %" PRIu64 " events one at a time...", s->n, row_names[k],
                  s->latency_events);
        if (size_run_latency(s, rig, ret) < 0) {
                if (s->rows[ROW_BASELINE_W64].error)
                        size_run_drop_baseline(s);
                if (ret->error)
                        return;
        }
        bench_log("N=%u %s: %" PRIu64 " events...", s->n, row_names[k], s->events);
        (void) rig_throughput(rig, s->events, PHASE_TIMEOUT_USEC, ret);
        log_throughput(s, k);
}

static void size_run(BenchBus *b, const Options *o, Results *res, unsigned i) {
        SizeRun s = {
                .bus = b,
                .o = o,
                .n = res->sizes[i],
                .events = events_for(o, res->sizes[i]),
                .latency_events = latency_events_for(o, res->sizes[i]),
                .interleave = res->sizes[i] <= INTERLEAVE_MAX_N,
                .rows = res->runs[i],
        };
        bool any_ptpsyncd = false;

        res->events[i] = s.events;
        res->latency_events[i] = s.latency_events;
        res->interleaved[i] = s.interleave;
        for (RowKind k = 0; k < _ROW_MAX; k++) {
                res->ran[i][k] = o->rows[k];
                any_ptpsyncd = any_ptpsyncd || (o->rows[k] && !row_is_baseline(k));
        }

        /* The baseline is needed for the latency ratios even when only ptpsyncd's rows are asked for. */
        size_run_baseline(&s);
        for (RowKind k = ROW_UNORDERED; k <= ROW_ORDERED_DURABLE; k++) {
                if (!o->rows[k])
                        continue;
                size_run_ptpsyncd(&s, k);
                /* The next daemon starts on a bus without the clients of this one. */
                if (bench_bus_wait_idle(b, s.base ? s.n + 1 : 0, IDLE_TIMEOUT_USEC) < 0)
                        bench_log("Continuing on a bus that is not idle: the next figures may suffer.");
        }

        if (s.pooled.n > 0) {
                RunResult *w64 = &s.rows[ROW_BASELINE_W64];

                w64->have_latency = true;
                w64->p50_usec = samples_percentile(&s.pooled, 50);
                w64->p99_usec = samples_percentile(&s.pooled, 99);
                w64->max_usec = samples_percentile(&s.pooled, 100);
        }
        if (!any_ptpsyncd && s.interleave && s.base && o->rows[ROW_BASELINE_W64])
                /* Nothing to take turns with: the baseline's latency alone. */
                (void) rig_latency(s.base, s.latency_events, PHASE_TIMEOUT_USEC, &s.pooled,
                                   &s.rows[ROW_BASELINE_W64]);
        size_run_drop_baseline(&s);
        samples_clear(&s.pooled);
        for (RowKind k = 0; k < _ROW_MAX; k++)
                s.rows[k].ok = res->ran[i][k] && !s.rows[k].error;
}

static bool run_rss(BenchBus *b, const Options *o, Results *res) {
        bool ok = true;

        for (unsigned j = 0; j < ELEMENTSOF(res->rss); j++) {
                RssResult *r = &res->rss[j];

                bench_log("RSS: %u connections x %u idle%s subscriptions...", RSS_CONNECTIONS,
                          RSS_PER_CONNECTION, j ? " durable" : "");
                (void) ptpsyncd_rss(b, o->daemon_path, RSS_CONNECTIONS, RSS_PER_CONNECTION, j == 1, r);
                if (r->ok)
                        bench_log("RSS: %.2f KiB per subscription.", rss_per_subscription(r));
                else
                        bench_log("RSS run FAILED: %s", r->error ?: "?");
                ok = ok && r->ok;
                (void) bench_bus_wait_idle(b, 0, IDLE_TIMEOUT_USEC);
        }
        res->have_rss = true;
        return ok;
}

static void bench_bus_stopp(BenchBus *b) {
        bench_bus_stop(b);
}

static void options_done(Options *o) {
        g_free(o->daemon_path);
        g_free(o->state_root);
}

int main(int argc, char *argv[]) {
        _cleanup_(bench_bus_stopp) BenchBus b = {};
        _cleanup_(results_done) Results res = {};
        _cleanup_(options_done) Options o = {};
        g_autoptr(GDateTime) now = g_date_time_new_now_local();
        bool failed = false;
        uint64_t fds;
        int r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        r = parse_argv(argc, argv, &o);
        if (r <= 0)
                return r < 0 ? 2 : EXIT_SUCCESS;
        if (geteuid() != 0) {
                fprintf(stderr, "ptpsync-bench needs root: Simulator.Inject is root-only, and only uid 0 "
                        "has no subscription quota.\n");
                return EXIT_FAILURE;
        }
        if ((o.rss || o.rows[ROW_UNORDERED] || o.rows[ROW_UNORDERED_DURABLE] || o.rows[ROW_ORDERED] ||
             o.rows[ROW_ORDERED_DURABLE]) && access(o.daemon_path, X_OK) < 0) {
                fprintf(stderr, "The daemon %s is not an executable: %m. Build it (ninja -C BUILDDIR) or "
                        "pass --daemon=PATH.\n", o.daemon_path);
                return EXIT_FAILURE;
        }
        bench_handle_signals();
        fds = bench_raise_fd_limit();
        for (unsigned i = 0; i < o.n_sizes; i++) {
                /* A thousand receivers need as many fds here, and the bus as many. */
                if (o.sizes[i] >= 1000 && fds < 1200) {
                        bench_log("RLIMIT_NOFILE is %" PRIu64 ", too low for 1000 receivers: "
                                  "skipping N=1000.", fds);
                        continue;
                }
                res.sizes[res.n_sizes++] = o.sizes[i];
        }

        b.kind = o.bus;
        bench_log("Starting a private %s...", private_bus_kind_to_string(b.kind));
        if (bench_bus_start(&b, o.state_root) < 0) {
                bench_log("Cannot start the private bus.");
                return EXIT_FAILURE;
        }
        bench_log("Bus at %s; daemon %s.", b.address, o.daemon_path);
        res.date = g_date_time_format(now, "%Y-%m-%d %H:%M %Z");
        res.daemon_path = g_strdup(o.daemon_path);
        res.state_root = g_strdup(b.state_root);
        res.quick = o.quick;
        res.bus = b.kind;

        for (unsigned i = 0; i < res.n_sizes; i++) {
                size_run(&b, &o, &res, i);
                for (RowKind k = 0; k < _ROW_MAX; k++)
                        failed = failed || (res.ran[i][k] && !res.runs[i][k].ok);
        }
        if (o.rss)
                failed = !run_rss(&b, &o, &res) || failed;

        results_print(&res);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
