/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsyncd: command line, configuration, and the event loop.
 */

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>

#include "common/address.h"
#include "common/dbus-address.h"
#include "build-config.h"
#include "common/bus-errors.h"
#include "config/config.h"
#include "source/gnss-source.h"
#include "source/linuxptp-source.h"
#include "source/ts2phc-watch.h"
#include "common/log.h"
#include "common/notify.h"
#include "bus/bus-face.h"
#include "engine/manager.h"
#include "event-loop.h"
#include "reload.h"
#include "config/settings.h"
#include "store/store.h"

/* Exit codes, in the LSB tradition systemd follows. */
#define EXIT_INVALID_ARGUMENT 2

typedef struct Options {
        const char *bus;
        Overrides overrides; /* the rest: what overrides the file, at start and at every reload */
} Options;

static void help(void) {
        printf("Usage: ptpsyncd [OPTIONS...]\n"
               "\n"
               "Publish this node's PTP synchronisation state on D-Bus as org.ptpsync1: the\n"
               "O-RAN states LOCKED, HOLDOVER and FREERUN of each PTP clock and of the system\n"
               "clock, the grandmaster's clock class, and an Event signal for every change.\n"
               "\n"
               "Options:\n"
               "  -h --help              Show this help and exit\n"
               "     --version           Show the version and exit\n"
               "     --bus=BUS           The bus to serve on: system (the default; honours\n"
               "                         $DBUS_SYSTEM_BUS_ADDRESS), session, or a D-Bus address\n"
               "                         such as unix:path=/run/test/bus.sock\n"
               "     --node-name=NAME    The node part of resource addresses,\n"
               "                         /cluster/node/NAME/... (default: NodeName= from the\n"
               "                         configuration, else this host's fully qualified name)\n"
               "     --config=FILE       Read the configuration from FILE, which must exist\n"
               "                         (default: %s, if present)\n"
               "     --state-dir=DIR     Where events and durable subscriptions are kept\n"
               "                         (default: StateDirectory= from the configuration,\n"
               "                         else $STATE_DIRECTORY as systemd sets it, else %s)\n"
               "     --source=SOURCE     Where observations come from: linuxptp (ptp4l's\n"
               "                         management socket; the default) or sim (a simulator\n"
               "                         driven by org.ptpsync1.Simulator.Inject, for demos and\n"
               "                         tests)\n"
               "     --ptp4l-socket=PATH Read one ptp4l, at its management socket PATH (its\n"
               "                         uds_address), with domain 0 and the interface it names\n"
               "                         itself; instead of the [ptp4l NAME] groups of the\n"
               "                         configuration. Implies --source=linuxptp\n"
               "     --runtime-dir=DIR   Where the sockets that talk to ptp4l are made (default:\n"
               "                         RuntimeDirectory= from the configuration, else\n"
               "                         $RUNTIME_DIRECTORY as systemd sets it, else %s)\n"
               "\n"
               "     --log-level=LEVEL   Log messages of LEVEL and above: emerg, alert, crit,\n"
               "                         err, warning, notice, info (the default) or debug\n"
               "     --log-target=TARGET Where messages go: console (stderr), journal\n"
               "                         (journald's native socket, with fields), null, or auto\n"
               "                         (the default: the journal when stderr is connected to\n"
               "                         it, else the console). Both can be changed while\n"
               "                         running, through org.freedesktop.LogControl1\n"
               "                         (systemctl service-log-level ptpsyncd debug)\n"
               "\n"
               "Environment:\n"
               "  PTPSYNCD_LOG_LEVEL     The level when --log-level= is not given\n"
               "\n"
               "Exit status:\n"
               "  0 on SIGTERM or SIGINT, 1 on failure (including losing the bus), 2 for an\n"
               "  invalid option or configuration.\n"
               "\n"
               "See ptpsyncd.conf(5) for the configuration file.\n",
               DEFAULT_CONFIG_FILE, DEFAULT_STATE_DIR, DEFAULT_RUNTIME_DIR);
}

/* Returns 1 to run, 0 to exit successfully (--help), or a negative errno. */
static int parse_argv(int argc, char *argv[], Options *o) {
        enum { ARG_VERSION = 0x100, ARG_BUS, ARG_NODE_NAME, ARG_CONFIG, ARG_SOURCE, ARG_STATE_DIR,
               ARG_RUNTIME_DIR, ARG_PTP4L_SOCKET, ARG_LOG_LEVEL, ARG_LOG_TARGET };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "bus", required_argument, NULL, ARG_BUS },
                { "node-name", required_argument, NULL, ARG_NODE_NAME },
                { "config", required_argument, NULL, ARG_CONFIG },
                { "source", required_argument, NULL, ARG_SOURCE },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "runtime-dir", required_argument, NULL, ARG_RUNTIME_DIR },
                { "ptp4l-socket", required_argument, NULL, ARG_PTP4L_SOCKET },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                { "log-target", required_argument, NULL, ARG_LOG_TARGET },
                {},
        };
        const char *reason;
        int c;

        /* getopt_long() names the program by argv[0]: "ptpsyncd:", not its path. */
        argv[0] = program_invocation_short_name;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("ptpsyncd %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_BUS:
                        if (!streq(optarg, "system") && !streq(optarg, "session") &&
                            !dbus_address_is_valid(optarg, &reason))
                                return log_error_errno(EINVAL, "Invalid --bus=\"%s\": not system, session or a "
                                                       "D-Bus address: it %s.", optarg, reason);
                        o->bus = optarg;
                        break;
                case ARG_NODE_NAME:
                        if (!node_name_is_valid(optarg))
                                return log_error_errno(EINVAL, "Invalid --node-name=%s: expected 1 to %d letters, "
                                                       "digits, '.', '-' or '_'.", optarg, NODE_NAME_MAX);
                        o->overrides.node_name = optarg;
                        break;
                case ARG_CONFIG:
                        o->overrides.config_file = optarg;
                        o->overrides.config_must_exist = true;
                        break;
                case ARG_SOURCE:
                        o->overrides.source = source_kind_from_string(optarg);
                        if (o->overrides.source < 0)
                                return log_error_errno(EINVAL, "Unknown --source=%s: expected linuxptp or sim.",
                                                       optarg);
                        break;
                case ARG_STATE_DIR:
                        if (!g_path_is_absolute(optarg))
                                return log_error_errno(EINVAL, "--state-dir=%s: expected an absolute path.", optarg);
                        o->overrides.state_dir = optarg;
                        break;
                case ARG_RUNTIME_DIR:
                        if (!g_path_is_absolute(optarg) || strlen(optarg) > RUNTIME_DIRECTORY_MAX)
                                return log_error_errno(EINVAL, "--runtime-dir=%s: expected an absolute path of at "
                                                       "most %d bytes (socket paths are made in it).",
                                                       optarg, RUNTIME_DIRECTORY_MAX);
                        o->overrides.runtime_dir = optarg;
                        break;
                case ARG_PTP4L_SOCKET:
                        if (!g_path_is_absolute(optarg) || strlen(optarg) > SOCKET_PATH_MAX)
                                return log_error_errno(EINVAL, "--ptp4l-socket=%s: expected an absolute path of "
                                                       "at most %d bytes.", optarg, SOCKET_PATH_MAX);
                        o->overrides.ptp4l_socket = optarg;
                        break;
                case ARG_LOG_LEVEL:
                        if (log_level_from_string(optarg) < 0)
                                return log_error_errno(EINVAL, "Unknown --log-level=%s: expected " LOG_LEVEL_NAMES ".",
                                                       optarg);
                        log_set_max_level(log_level_from_string(optarg));
                        break;
                case ARG_LOG_TARGET:
                        if (log_target_from_string(optarg) < 0)
                                return log_error_errno(EINVAL, "Unknown --log-target=%s: expected " LOG_TARGET_NAMES
                                                       ".", optarg);
                        log_set_target(log_target_from_string(optarg));
                        break;
                case '?':
                        return -EINVAL;
                default:
                        abort();
                }

        if (optind < argc)
                return log_error_errno(EINVAL, "Unexpected argument \"%s\": ptpsyncd takes no positional arguments; "
                                       "see --help.", argv[optind]);
        return 1;
}

/*
 * The host's fully qualified name, as O-RAN consumers address the node. Looked
 * up once at start-up, before the loop runs; --node-name= avoids the lookup.
 */
static char *default_node_name(void) {
        char host[256] = {};
        struct addrinfo hints = { .ai_flags = AI_CANONNAME }, *ai = NULL;
        char *name;

        if (gethostname(host, sizeof(host) - 1) < 0 || isempty(host))
                return g_strdup("localhost");
        if (strchr(host, '.') || getaddrinfo(host, NULL, &hints, &ai) != 0)
                return g_strdup(host);
        name = g_strdup(ai->ai_canonname && node_name_is_valid(ai->ai_canonname) ? ai->ai_canonname : host);
        freeaddrinfo(ai);
        return name;
}

static void on_gnss_synchronized(bool synchronized, void *userdata) {
        linuxptp_source_gnss(userdata, synchronized);
}

static void on_ts2phc_alive(bool alive, void *userdata) {
        linuxptp_source_ts2phc(userdata, alive);
}

static int run(int argc, char *argv[]) {
        Options o = {
                .bus = "system",
                .overrides = { .config_file = DEFAULT_CONFIG_FILE, .source = _SOURCE_KIND_INVALID },
        };
        _cleanup_(bus_face_freep) BusFace *face = NULL; /* freed after the manager, which speaks through it */
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_(linuxptp_source_freep) LinuxptpSource *linuxptp = NULL;
        _cleanup_(gnss_source_freep) GnssSource *gnss = NULL;
        _cleanup_(ts2phc_watch_freep) Ts2phcWatch *ts2phc = NULL; /* freed before the source it tells */
        _cleanup_(reload_freep) Reload *reload = NULL; /* freed first: it points at the two above */
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *node_name = NULL, *store_error = NULL;
        _cleanup_(config_done) Config config;
        EventLoopStats loop_stats;
        _cleanup_(store_freep) Store *store = NULL;
        sigset_t mask;
        int r;

        log_setup("ptpsyncd", "PTPSYNCD_LOG_LEVEL");
        config_init(&config);
        r = parse_argv(argc, argv, &o);
        if (r <= 0)
                return r < 0 ? EXIT_INVALID_ARGUMENT : EXIT_SUCCESS;

        if (!settings_load(&config, &o.overrides, &error)) {
                log_error("%s", error->message);
                return EXIT_INVALID_ARGUMENT;
        }
        node_name = config.node_name ? g_strdup(config.node_name) : default_node_name();

        if (config.source == SOURCE_LINUXPTP && g_mkdir_with_parents(config.runtime_directory, 0755) < 0) {
                (void) log_error_errno(errno, "Failed to create the runtime directory %s: %m",
                                       config.runtime_directory);
                return EXIT_FAILURE;
        }

        r = store_open(&store, config.state_directory, &store_error);
        if (r < 0) {
                log_error("%s", store_error);
                return EXIT_FAILURE;
        }

        (void) sd_bus_error_add_map(ptpsync_bus_errors);

        /* Blocked, so that sd-event can take them as events: we exit cleanly, or reload (SIGHUP). */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = sd_event_default(&event);
        if (r < 0) {
                (void) log_error_errno(r, "Failed to create the event loop: %m");
                return EXIT_FAILURE;
        }
        r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
        if (r < 0) {
                (void) log_error_errno(r, "Failed to watch SIGTERM and SIGINT: %m");
                return EXIT_FAILURE;
        }
        (void) sd_event_set_watchdog(event, true);

        r = manager_new(&m, event, NULL, NULL, node_name, config.source, &config.thresholds, TAKE_PTR(store));
        if (r < 0) {
                (void) log_error_errno(r, "Failed to set up: %m");
                return EXIT_FAILURE;
        }
        manager_apply_config(m, &config);
        if (config.gpsd)
                manager_add_resource(m, RESOURCE_GNSS);
        r = bus_face_new(&face, m, o.bus);
        if (r < 0)
                return EXIT_FAILURE;
        /* Its first round goes out once the loop runs: by then the bus is there to publish on. */
        if (config.source == SOURCE_LINUXPTP) {
                r = linuxptp_source_new(&linuxptp, m, config.ptp4l, config.runtime_directory, &config.grandmaster);
                if (r < 0)
                        return EXIT_FAILURE;
        }
        if (config.gpsd) {
                r = gnss_source_new(&gnss, m, &config);
                if (r < 0)
                        return EXIT_FAILURE;
                if (linuxptp)
                        gnss_source_set_listener(gnss, on_gnss_synchronized, linuxptp);
        }
        /* Unwatched, ts2phc counts as alive (grandmaster.h). */
        if (linuxptp && config.grandmaster.instance && ts2phc_watch_config_enabled(&config.grandmaster.ts2phc)) {
                r = ts2phc_watch_new(&ts2phc, event, &(const Ts2phcWatchSettings) {
                                        .pid_file = config.grandmaster.ts2phc.pid_file,
                                        .config = config.grandmaster.ts2phc.config,
                                     }, on_ts2phc_alive, linuxptp);
                if (r < 0)
                        return EXIT_FAILURE;
        }
        r = reload_new(&reload, m, linuxptp, &o.overrides, &config);
        if (r < 0)
                return EXIT_FAILURE;
        bus_face_set_reload(face, reload_bus_handler, reload);

        r = event_loop_run(event, &loop_stats);
        (void) notify_nonblocking("STOPPING=1");
        event_loop_log_stats(&loop_stats);
        if (r < 0) {
                (void) log_error_errno(r, "Event loop failed: %m");
                return EXIT_FAILURE;
        }
        /* Writes that were never committed make the exit a failure; store_free() tries once more and says why. */
        if (r == EXIT_SUCCESS && manager_commit_final(m) < 0)
                return EXIT_FAILURE;
        return r;
}

int main(int argc, char *argv[]) {
        return run(argc, argv);
}
