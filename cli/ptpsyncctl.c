/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsyncctl: query and control ptpsyncd from a shell, modelled on
 * timedatectl/busctl. Everything goes through libptpsync, except the
 * properties (status, subscriptions) and Simulator.Inject, which are plain
 * sd-bus calls on a second connection to the same bus.
 *
 * This file: the options, --help, the table of verbs and the dispatch to
 * them (verb-*.c), log_error(). Connecting and the exit status of a failed
 * call are in cli-bus.c, what is printed in cli-output.c.
 */

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build-config.h"
#include "ptpsyncctl.h"
#include "common/dbus-address.h"
#include "common/quote.h"
#include "common/timespan.h"
#include "common/util.h"

const char *arg_bus = NULL; /* NULL: the system bus */
JsonMode arg_json = JSON_OFF;
bool arg_legend = true;
const char *arg_durable = NULL;
bool arg_initial = false;
bool arg_quiet = false;
char **arg_properties = NULL;
bool arg_value = false;
const char *arg_state = "LOCKED";
uint64_t arg_timeout = UINT64_MAX;
bool use_color = false;

_printf_(1, 2) void log_error(const char *fmt, ...) {
        va_list ap;

        fputs("ptpsyncctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static void help(void) {
        printf("ptpsyncctl [OPTIONS...] COMMAND ...\n"
               "\n"
               "Query and control ptpsyncd, the PTP sync-state service (org.ptpsync1).\n"
               "\n"
               "Commands:\n"
               "  status                 Show the node, its overall sync state, and every\n"
               "                         resource with its value, clocks (value and offset),\n"
               "                         last change; the clock class and subscriber count\n"
               "  list                   List the resources of the node\n"
               "  get ADDRESS            Show the current state of ADDRESS (an address or a\n"
               "                         prefix; relative addresses get the node's prefix)\n"
               "  watch [ADDRESS]        Print events as they happen until SIGINT/SIGTERM\n"
               "                         (with --durable=NAME: a durable subscription, acked)\n"
               "  wait [ADDRESS]         Wait until ADDRESS (default: the node's sync-state)\n"
               "                         is in --state= (for ExecStartPre= and units)\n"
               "  subscriptions          List subscriptions (the caller's; everyone's for root\n"
               "                         and org.ptpsync1.manage)\n"
               "  dead-letters ID        Show the dead letters of subscription ID\n"
               "  redrive ID             Queue the dead letters of ID again\n"
               "  purge ID               Drop the dead letters of ID\n"
               "  cancel ID              End subscription ID\n"
               "  reload                 Make ptpsyncd re-read its configuration file; fails,\n"
               "                         saying why, if ptpsyncd refuses it (ExecReload=)\n"
               "  inject SUFFIX CLOCK OBSERVATION [OFFSET]\n"
               "                         Feed an observation to the simulated source\n"
               "                         (ptpsyncd --source=sim; polkit org.ptpsync1.simulate,\n"
               "                         root by default). OBSERVATION:\n"
               "                         locked, unlocked, unreachable, a clock class, or a\n"
               "                         GNSS state, optionally with its gpsFix 0..5:\n"
               "                         SYNCHRONIZED,gpsFix=5; OFFSET in ns\n"
               "  show                   The daemon's properties as KEY=VALUE lines, for\n"
               "                         scripts (-p NAME to pick, --value for values only)\n"
               "  help                   Show this help\n"
               "\n"
               "ID is a subscription's object path, its 32 hex digits, or its UUID.\n"
               "\n"
               "Options:\n"
               "  -h --help              Show this help\n"
               "     --version           Show the package version\n"
               "     --bus=system|session|ADDRESS\n"
               "                         Connect to the system bus (default), the user's\n"
               "                         session bus, or the D-Bus address ADDRESS\n"
               "                         (unix:path=...)\n"
               "     --json[=MODE]       Print JSON: MODE short (the default: one object a\n"
               "                         line), pretty (indented) or off; events in the\n"
               "                         O-RAN (CloudEvents 1.0) shape\n"
               "     --no-legend         Do not print headers and footers\n"
               "  -q --quiet             No headers, footers, nor the lines saying what was\n"
               "                         done (watch's ready line, redrive's count); errors\n"
               "                         and results stay\n"
               "     --durable=NAME      watch: subscribe durably with NAME and acknowledge\n"
               "     --initial           watch: print the current state first, then changes\n"
               "  -p --property=NAME     show: only NAME (NodeName, SyncState, ClockClass,\n"
               "                         SubscriptionCount, LastSequence, Version,\n"
               "                         ClockClassWriter); repeat\n"
               "                         it or separate names with commas\n"
               "     --value             show: print the values only\n"
               "     --state=STATE       wait: the state to reach (default LOCKED; a clock\n"
               "                         class for clock-class, a GNSS state for\n"
               "                         gnss-sync-status); refused if the resource\n"
               "                         cannot have it\n"
               "     --timeout=SPAN      wait: give up after SPAN, a time span such as\n"
               "                         30 (seconds), 5s, 1min 30s, 500ms, or infinity\n"
               "                         (the default); 0: check once, now\n"
               "\n"
               "Colours are used only when standard output is a terminal and $NO_COLOR is\n"
               "unset, never with --json.\n"
               "\n"
               "Exit status:\n"
               "  0  success (wait: the state was reached)\n"
               "  1  another failure (reload: the configuration was refused)\n"
               "  2  invalid usage: unknown command or option, bad argument or address\n"
               "  3  ptpsyncd is not running (org.ptpsync1 has no owner)\n"
               "  4  access denied\n"
               "  5  no such resource or subscription\n"
               "  6  timeout (wait)\n");
}

static bool is_hex_digits(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
                        return false;
        return true;
}

/* An object path under SUBSCRIPTION_OBJECT_PREFIX, 32 hex digits, or a UUID (8-4-4-4-12), as the ids are. */
static bool subscription_id_is_valid(const char *id) {
        static const size_t uuid_groups[] = { 8, 4, 4, 4, 12 };
        const char *p = id;

        if (strncmp(id, SUBSCRIPTION_OBJECT_PREFIX "/", strlen(SUBSCRIPTION_OBJECT_PREFIX "/")) == 0)
                p = id + strlen(SUBSCRIPTION_OBJECT_PREFIX "/");
        if (strlen(p) == 32)
                return is_hex_digits(p, 32);
        if (p != id || strlen(p) != 36)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(uuid_groups); i++) {
                if (!is_hex_digits(p, uuid_groups[i]))
                        return false;
                p += uuid_groups[i];
                if (*p == '-')
                        p++;
                else if (i < ELEMENTSOF(uuid_groups) - 1)
                        return false;
        }
        return *p == '\0';
}

/* "system", "session" (found as sd-bus finds it), or a D-Bus address, checked before it is used. */
static int parse_bus(const char *s) {
        static char session[DBUS_ADDRESS_MAX + 1];
        const char *reason, *e;

        if (streq(s, "system")) {
                arg_bus = NULL;
                return 0;
        }
        if (streq(s, "session")) {
                if ((e = getenv("DBUS_SESSION_BUS_ADDRESS")) && !isempty(e))
                        snprintf(session, sizeof(session), "%s", e);
                else if ((e = getenv("XDG_RUNTIME_DIR")) && !isempty(e))
                        snprintf(session, sizeof(session), "unix:path=%s/bus", e);
                else {
                        log_error("--bus=session: neither $DBUS_SESSION_BUS_ADDRESS nor $XDG_RUNTIME_DIR is set.");
                        return EXIT_FAIL;
                }
                s = session;
                if (!dbus_address_is_valid(s, &reason)) {
                        log_error("--bus=session: the session bus address %s %s.", QUOTE(s), reason);
                        return EXIT_USAGE;
                }
                arg_bus = s;
                return 0;
        }
        if (!dbus_address_is_valid(s, &reason)) {
                log_error("Invalid --bus=%s: not system, session or a D-Bus address: it %s.", QUOTE(s), reason);
                return EXIT_USAGE;
        }
        arg_bus = s;
        return 0;
}

typedef struct Verb {
        const char *name;
        unsigned min_args, max_args; /* besides the verb */
        int (*run)(char **args);
        bool needs_client;
        bool takes_id; /* its argument is a subscription ID */
} Verb;

/* -p NAME[,NAME...], given once or more. */
static int add_properties(const char *value) {
        _cleanup_free_ char *copy = strdup(value);
        size_t n = 0;

        if (!copy)
                return EXIT_FAIL;
        while (arg_properties && arg_properties[n])
                n++;
        for (char *save = NULL, *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
                char **grown;

                if (!show_property_is_valid(name)) {
                        log_error("Unknown property %s for --property=: expected %s.", QUOTE(name),
                                  show_property_names());
                        return EXIT_USAGE;
                }
                grown = realloc(arg_properties, (n + 2) * sizeof(char *));
                if (!grown)
                        return EXIT_FAIL;
                arg_properties = grown;
                if (!(arg_properties[n] = strdup(name)))
                        return EXIT_FAIL;
                arg_properties[++n] = NULL;
        }
        if (n == 0) {
                log_error("--property= needs a property name: %s.", show_property_names());
                return EXIT_USAGE;
        }
        return 0;
}

static int verb_help(char **args) {
        help();
        return EXIT_OK;
}

static const Verb verbs[] = {
        { "status", 0, 0, verb_status, true },
        { "list", 0, 0, verb_list, true },
        { "get", 1, 1, verb_get, true },
        { "watch", 0, 1, verb_watch, true },
        { "wait", 0, 1, verb_wait, true },
        { "subscriptions", 0, 0, verb_subscriptions, true },
        { "dead-letters", 1, 1, verb_dead_letters, true, true },
        { "redrive", 1, 1, verb_redrive_or_purge, true, true },
        { "purge", 1, 1, verb_redrive_or_purge, true, true },
        { "cancel", 1, 1, verb_cancel, true, true },
        { "reload", 0, 0, verb_reload, true },
        { "inject", 3, 4, verb_inject, false },
        { "show", 0, 0, verb_show, true },
        { "help", 0, 0, verb_help, false },
};

int main(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_BUS, ARG_JSON, ARG_NO_LEGEND, ARG_DURABLE, ARG_STATE, ARG_TIMEOUT, ARG_INITIAL, ARG_VALUE };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "bus", required_argument, NULL, ARG_BUS },
                { "json", optional_argument, NULL, ARG_JSON },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                { "durable", required_argument, NULL, ARG_DURABLE },
                { "state", required_argument, NULL, ARG_STATE },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                { "initial", no_argument, NULL, ARG_INITIAL },
                { "quiet", no_argument, NULL, 'q' },
                { "property", required_argument, NULL, 'p' },
                { "value", no_argument, NULL, ARG_VALUE },
                {},
        };
        const Verb *verb = NULL;
        const char *reason;
        unsigned n_args;
        int c, r;

        /*
         * A negative number ("inject ... -42") is an argument, not options: getopt sees it as "42" (the
         * same string, one byte on), and it is given back whole below. There are no digit options.
         */
        _cleanup_free_ char **shifted = calloc(argc, sizeof(char *));
        size_t n_shifted = 0;

        if (!shifted)
                return EXIT_FAIL;
        for (int i = 1; i < argc && !streq(argv[i], "--"); i++)
                if (argv[i][0] == '-' && argv[i][1] >= '0' && argv[i][1] <= '9')
                        shifted[n_shifted++] = ++argv[i];

        /* getopt_long() names the program by argv[0]: "ptpsyncctl:", as every other message, not its path. */
        argv[0] = program_invocation_short_name;
        while ((c = getopt_long(argc, argv, "hqp:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_OK;
                case ARG_VERSION:
                        printf("ptpsyncctl %s\n", PACKAGE_VERSION);
                        return EXIT_OK;
                case ARG_BUS:
                        r = parse_bus(optarg);
                        if (r != 0)
                                return r;
                        break;
                case ARG_JSON:
                        /* As systemd's tools: --json alone is short, one line a document. */
                        if (json_mode_from_string(optarg, &arg_json) < 0) {
                                log_error("Invalid --json=%s: expected pretty, short or off.", QUOTE(optarg));
                                return EXIT_USAGE;
                        }
                        break;
                case ARG_NO_LEGEND:
                        arg_legend = false;
                        break;
                case 'q':
                        arg_quiet = true;
                        arg_legend = false;
                        break;
                case ARG_INITIAL:
                        arg_initial = true;
                        break;
                case 'p':
                        r = add_properties(optarg);
                        if (r != 0)
                                return r;
                        break;
                case ARG_VALUE:
                        arg_value = true;
                        break;
                case ARG_DURABLE:
                        if (isempty(optarg)) {
                                log_error("--durable= needs a name.");
                                return EXIT_USAGE;
                        }
                        arg_durable = optarg;
                        break;
                case ARG_STATE:
                        if (!state_is_valid(optarg)) {
                                log_error("Invalid --state=%s: expected %s.", QUOTE(optarg), state_valid_help());
                                return EXIT_USAGE;
                        }
                        arg_state = optarg;
                        break;
                case ARG_TIMEOUT:
                        if (!timespan_parse(optarg, &arg_timeout, &reason)) {
                                log_error("Invalid --timeout=%s: %s (a time span such as 30, 5s, "
                                          "1min 30s, 500ms or infinity).", QUOTE(optarg), reason);
                                return EXIT_USAGE;
                        }
                        break;
                default: /* getopt_long() has said what is wrong */
                        return EXIT_USAGE;
                }

        for (int i = optind; i < argc; i++)
                for (size_t j = 0; j < n_shifted; j++)
                        if (argv[i] == shifted[j])
                                argv[i]--;

        if (optind >= argc) {
                log_error("A command is needed; see --help.");
                return EXIT_USAGE;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(argv[optind], verbs[i].name))
                        verb = &verbs[i];
        if (!verb) {
                log_error("Unknown command %s; see --help.", QUOTE(argv[optind]));
                return EXIT_USAGE;
        }
        n_args = (unsigned) (argc - optind - 1);
        if (n_args < verb->min_args || n_args > verb->max_args) {
                log_error("%s: %s arguments; see --help.", verb->name,
                          n_args < verb->min_args ? "too few" : "too many");
                return EXIT_USAGE;
        }
        if (verb->takes_id && !subscription_id_is_valid(argv[optind + 1])) {
                log_error("%s: invalid subscription ID %s: expected its object path (" SUBSCRIPTION_OBJECT_PREFIX
                          "/ and 32 hex digits), its 32 hex digits, or its UUID.",
                          verb->name, QUOTE(argv[optind + 1]));
                return EXIT_USAGE;
        }
        if (arg_durable && !streq(verb->name, "watch")) {
                log_error("--durable= is for watch only.");
                return EXIT_USAGE;
        }
        if ((arg_properties || arg_value) && !streq(verb->name, "show")) {
                log_error("--property= and --value are for show only.");
                return EXIT_USAGE;
        }
        if (arg_initial && !streq(verb->name, "watch")) {
                log_error("--initial is for watch only.");
                return EXIT_USAGE;
        }

        use_color = !arg_json && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
        if (verb->needs_client && (r = connect_client()) != 0)
                return r;
        r = verb->run(argv + optind);
        fflush(stdout);
        ptpsync_client_free(client);
        sd_bus_flush_close_unref(raw_bus);
        for (char **p = arg_properties; p && *p; p++)
                free(*p);
        free(arg_properties);
        return r;
}
