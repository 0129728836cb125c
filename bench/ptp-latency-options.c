/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command line of ptpsync-ptp-latency: every value checked, with an error that names it. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench-options.h"
#include "ptp-latency-run.h"

/* --- options ------------------------------------------------------------------------------------------ */

static void help(void) {
        printf("Usage: ptpsync-ptp-latency [OPTIONS...]\n"
               "\n"
               "How long ptpsyncd takes from ptp4l's port state push to its Manager.Event signal and to\n"
               "its subscribers' receipt of their Subscription.Event, on the real-ptp4l lab\n"
               "(tests/ptp-lab.sh), with this program as a second subscriber of the same ptp4l and N\n"
               "ptpsync subscribers of the lock-state. Needs root.\n"
               "\n"
               "Options:\n"
               "  -h --help                Show this help and exit\n"
               "     --rounds=K            Rounds per scenario (default %d)\n"
               "     --quick               %d rounds per scenario, and a round in which our own read of\n"
               "                           the push was late is kept, not repeated (for tests on a busy\n"
               "                           machine: the figures are then only indicative)\n"
               "     --daemon=PATH         The ptpsyncd to measure (default: $PTPSYNCD, else\n"
               "                           %s)\n"
               "     --lab=PATH            The lab script (default: %s)\n"
               "     --poll-interval-ms=N  PollIntervalMs= of the daemon's [ptp4l] group (default: its own)\n"
               "     --storage=ext4,tmpfs  The daemon's state directory under /var/tmp (ext4: real fdatasync),\n"
               "                           /dev/shm (tmpfs: none), or both in turn (the default); each\n"
               "                           is a fresh lab, bus and daemon\n"
               "     --state-root=DIR      Only one storage: a state directory in DIR (not with --storage)\n"
               "     --subscribers=N[,N...]  Subscriber connections, one block of the table each\n"
               "                           (default 1,100; at most %d)\n"
               "     --no-realtime         Do not run this program SCHED_FIFO (its children never are)\n"
               "     --bus=BUS             The private bus: dbus-daemon or dbus-broker (default:\n"
               "                           $PTPSYNC_TEST_BUS, as the tests take it, else dbus-daemon)\n"
               "  -v --verbose             Every push, event and lab command on stderr\n"
               "\n"
               "Environment: PTPSYNC_TEST_BUS=dbus-daemon|dbus-broker chooses the bus without --bus= (the\n"
               "header also says which bus process really ran);\n"
               "PTPSYNC_BENCH_KEEP=1 keeps the temporary directory and the state directories.\n"
               "\n"
               "Progress goes to stderr, the results to stdout. Exit status 0 when every scenario\n"
               "completed its rounds, 1 otherwise, 2 for bad usage, 77 when it cannot run here.\n",
               ROUNDS_DEFAULT, ROUNDS_QUICK, PTPSYNCD_DEFAULT, PTP_LAB_DEFAULT, SUBSCRIBERS_MAX);
}

/* "ext4,tmpfs": distinct kinds, in the order given. */
static int parse_storage(const char *arg, Options *o) {
        g_auto(GStrv) items = g_strsplit(arg, ",", -1);

        if (!arg[0]) {
                fprintf(stderr, "--storage=: expected a comma-separated list; see --help.\n");
                return -EINVAL;
        }

        o->n_storage = 0;
        for (char **i = items; *i; i++) {
                StorageKind k;

                for (k = 0; k < STORAGE_STATE_ROOT; k++)
                        if (streq_ptr(*i, storages[k].name))
                                break;
                if (k == STORAGE_STATE_ROOT) {
                        fprintf(stderr, "--storage=%s: \"%s\" is neither ext4 nor tmpfs.\n", arg, *i);
                        return -EINVAL;
                }
                for (unsigned j = 0; j < o->n_storage; j++)
                        if (o->storage[j] == k) {
                                fprintf(stderr, "--storage=%s: %s is there twice.\n", arg, *i);
                                return -EINVAL;
                        }
                o->storage[o->n_storage++] = k;
        }
        return 0;
}

/* "1,100": distinct counts, in the order given. */
static int parse_subscribers(const char *arg, Options *o) {
        g_auto(GStrv) items = g_strsplit(arg, ",", -1);

        if (!arg[0]) {
                fprintf(stderr, "--subscribers=: expected a comma-separated list; see --help.\n");
                return -EINVAL;
        }

        o->n_subscribers = 0;
        for (char **i = items; *i; i++) {
                unsigned n;

                if (o->n_subscribers >= SUBSCRIBER_COUNTS_MAX) {
                        fprintf(stderr, "--subscribers=%s: at most %d counts.\n", arg, SUBSCRIBER_COUNTS_MAX);
                        return -EINVAL;
                }
                if (bench_parse_unsigned("subscribers", *i, 1, SUBSCRIBERS_MAX, &n) < 0)
                        return -EINVAL;
                for (unsigned k = 0; k < o->n_subscribers; k++)
                        if (o->subscribers[k] == n) {
                                fprintf(stderr, "--subscribers=%s: %u is there twice.\n", arg, n);
                                return -EINVAL;
                        }
                o->subscribers[o->n_subscribers++] = n;
        }
        return 0;
}

int parse_argv(int argc, char *argv[], Options *o) {
        enum { ARG_ROUNDS = 0x100, ARG_QUICK, ARG_DAEMON, ARG_LAB, ARG_POLL_INTERVAL, ARG_STATE_ROOT,
               ARG_SUBSCRIBERS, ARG_STORAGE, ARG_NO_REALTIME, ARG_BUS };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "rounds", required_argument, NULL, ARG_ROUNDS },
                { "quick", no_argument, NULL, ARG_QUICK },
                { "daemon", required_argument, NULL, ARG_DAEMON },
                { "lab", required_argument, NULL, ARG_LAB },
                { "poll-interval-ms", required_argument, NULL, ARG_POLL_INTERVAL },
                { "state-root", required_argument, NULL, ARG_STATE_ROOT },
                { "subscribers", required_argument, NULL, ARG_SUBSCRIBERS },
                { "storage", required_argument, NULL, ARG_STORAGE },
                { "no-realtime", no_argument, NULL, ARG_NO_REALTIME },
                { "bus", required_argument, NULL, ARG_BUS },
                { "verbose", no_argument, NULL, 'v' },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "hv", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_ROUNDS:
                        if (bench_parse_unsigned("rounds", optarg, 1, ROUNDS_MAX, &o->rounds) < 0)
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
                        if (bench_parse_unsigned("poll-interval-ms", optarg, 10, 3600000, &o->poll_interval_ms) < 0)
                                return -EINVAL;
                        break;
                case ARG_STATE_ROOT:
                        g_free(o->state_root);
                        o->state_root = g_strdup(optarg);
                        break;
                case ARG_SUBSCRIBERS:
                        if (parse_subscribers(optarg, o) < 0)
                                return -EINVAL;
                        break;
                case ARG_STORAGE:
                        if (parse_storage(optarg, o) < 0)
                                return -EINVAL;
                        break;
                case ARG_BUS:
                        if (bench_parse_bus(optarg, &o->bus_kind) < 0)
                                return -EINVAL;
                        o->bus_from = "--bus=";
                        break;
                case ARG_NO_REALTIME:
                        o->realtime = false;
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
        if (o->rounds == 0)
                o->rounds = o->quick ? ROUNDS_QUICK : ROUNDS_DEFAULT;
        if (o->state_root && o->n_storage > 0) {
                fprintf(stderr, "--state-root= and --storage= exclude each other: --state-root=DIR is one "
                        "storage of its own.\n");
                return -EINVAL;
        }
        if (o->state_root)
                o->storage[o->n_storage++] = STORAGE_STATE_ROOT;
        if (o->n_storage == 0) {
                o->storage[o->n_storage++] = STORAGE_EXT4;
                o->storage[o->n_storage++] = STORAGE_TMPFS;
        }
        /* Which bus the tests and benchmarks start (tests/lib/child-io.c); said in the output's header. */
        if (!o->bus_from) {
                if (bench_parse_bus(NULL, &o->bus_kind) < 0)
                        return -EINVAL;
                o->bus_from = getenv("PTPSYNC_TEST_BUS") ? "PTPSYNC_TEST_BUS" : "the default";
        }
        o->bus = private_bus_kind_to_string(o->bus_kind);
        if (o->n_subscribers == 0) {
                o->subscribers[o->n_subscribers++] = 1;
                o->subscribers[o->n_subscribers++] = 100;
        }
        if (!o->daemon_path)
                o->daemon_path = g_strdup(getenv("PTPSYNCD") ?: PTPSYNCD_DEFAULT);
        if (!o->lab_path)
                o->lab_path = g_strdup(PTP_LAB_DEFAULT);
        return 1;
}

void options_done(Options *o) {
        g_free(o->daemon_path);
        g_free(o->lab_path);
        g_free(o->state_root);
}
