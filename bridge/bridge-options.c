/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "bridge-options.h"
#include "build-config.h"
#include "common/log.h"
#include "quote-value.h"

/* What the command line sets; NULL: not given. */
typedef struct Overrides {
        const char *bus;
        const char *config;
        BridgeListen v2, v1;
        bool v2_set, v1_set;
        int log_level; /* -1: not given */
} Overrides;

static void overrides_done(Overrides *o) {
        bridge_listen_done(&o->v2);
        bridge_listen_done(&o->v1);
}

void bridge_options_help(void) {
        printf("Usage: ptpsync-http [OPTIONS...]\n"
               "\n"
               "Serve this node's PTP synchronisation state over the O-RAN O-Cloud\n"
               "Notification REST API, as cloud-event-proxy does: the v2 API\n"
               "(/api/ocloudNotifications/v2) and the v1 API (/api/ocloudNotifications/v1),\n"
               "each on a port of its own, with subscriptions, CurrentState and health. The\n"
               "state comes from ptpsyncd (org.ptpsync1); each subscription's events are\n"
               "POSTed to its endpoint in order, retried with backoff, and dead-lettered in\n"
               "ptpsyncd when the endpoint refuses them.\n"
               "\n"
               "Options:\n"
               "  -h --help              Show this help and exit\n"
               "     --version           Show the version and exit\n"
               "     --bus=BUS           The bus ptpsyncd is on: system (honours\n"
               "                         $DBUS_SYSTEM_BUS_ADDRESS) or a D-Bus address such as\n"
               "                         unix:path=/run/test/bus.sock (default: Bus= from the\n"
               "                         configuration, else system)\n"
               "     --v2-listen=HOST:PORT|off\n"
               "                         Where the v2 API listens: an IPv4 address and port,\n"
               "                         [IPV6]:PORT, localhost:PORT (127.0.0.1), or off\n"
               "                         (default: V2= from the configuration, else\n"
               "                         %s)\n"
               "     --v1-listen=HOST:PORT|off\n"
               "                         Where the v1 API listens, the same way (default:\n"
               "                         V1= from the configuration, else %s)\n"
               "     --config=FILE       Read the configuration from FILE, which must exist\n"
               "                         (default: %s, if present)\n"
               "     --log-level=LEVEL   Log messages of LEVEL and above: emerg, alert, crit,\n"
               "                         err, warning, notice, info or debug (default:\n"
               "                         notice: subscriptions made and ended, how many\n"
               "                         were re-attached, failed POSTs, dead letters and\n"
               "                         every problem; debug adds each one re-attached)\n"
               "\n"
               "The options override the configuration file; the endpoints consumers may\n"
               "subscribe (by default loopback only), delivery and limits are set there.\n"
               "\n"
               "Exit status:\n"
               "  0 on SIGTERM or SIGINT (and after --help or --version), 1 on failure (such\n"
               "  as a port that cannot be bound), 2 for an invalid option or configuration.\n"
               "\n"
               "See ptpsync-http(8), and ptpsync-http.conf(5) for the configuration file.\n",
               BRIDGE_V2_LISTEN_DEFAULT, BRIDGE_V1_LISTEN_DEFAULT, DEFAULT_BRIDGE_CONFIG_FILE);
}

G_GNUC_PRINTF(3, 4) static int option_error(GError **error, GOptionError code, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        g_propagate_error(error, g_error_new_valist(G_OPTION_ERROR, code, format, ap));
        va_end(ap);
        return -1;
}

static int parse_listen_option(const char *name, const char *value, BridgeListen *l, bool *set, GError **error) {
        g_autoptr(GError) e = NULL;
        g_autofree char *q = quote_value(value);

        if (!bridge_listen_parse(value, l, &e))
                return option_error(error, G_OPTION_ERROR_BAD_VALUE, "Invalid --%s=%s: %s", name, q, e->message);
        *set = true;
        return 0;
}

static int parse_bus_option(const char *value, Overrides *o, GError **error) {
        g_autofree char *q = quote_value(value);

        if (strcmp(value, "system") != 0 && (strlen(value) > BRIDGE_BUS_ADDRESS_MAX || !g_dbus_is_address(value)))
                return option_error(error, G_OPTION_ERROR_BAD_VALUE,
                                    "Invalid --bus=%s: expected system or a D-Bus address such as "
                                    "unix:path=/run/dbus/system_bus_socket", q);
        o->bus = value;
        return 0;
}

/* getopt_long() said '?' or ':' about argv[optind - 1]; says so as the error. */
static int getopt_error(int c, int argc, char **argv, GError **error) {
        const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
        g_autofree char *q = quote_value(arg);

        if (c == ':')
                return option_error(error, G_OPTION_ERROR_BAD_VALUE, "Option %s needs a value; see --help.", q);
        if (optopt != 0 && strncmp(arg, "--", 2) == 0)
                return option_error(error, G_OPTION_ERROR_BAD_VALUE, "Option %s takes no value; see --help.", q);
        return option_error(error, G_OPTION_ERROR_UNKNOWN_OPTION, "Unknown option %s; see --help.", q);
}

/* Returns 0 when the options were read, 1 for --help and --version, -1 on error. */
static int parse_argv(int argc, char **argv, Overrides *o, GError **error) {
        enum { ARG_VERSION = 0x100, ARG_BUS, ARG_V2_LISTEN, ARG_V1_LISTEN, ARG_CONFIG, ARG_LOG_LEVEL };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "bus", required_argument, NULL, ARG_BUS },
                { "v2-listen", required_argument, NULL, ARG_V2_LISTEN },
                { "v1-listen", required_argument, NULL, ARG_V1_LISTEN },
                { "config", required_argument, NULL, ARG_CONFIG },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                {},
        };
        int c;

        /* 0 restarts glibc's getopt; '+' stops at the first non-option, ':' reports a missing value as ':'. */
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        bridge_options_help();
                        return 1;
                case ARG_VERSION:
                        printf("ptpsync-http %s\n", PACKAGE_VERSION);
                        return 1;
                case ARG_BUS:
                        if (parse_bus_option(optarg, o, error) < 0)
                                return -1;
                        break;
                case ARG_V2_LISTEN:
                        if (parse_listen_option("v2-listen", optarg, &o->v2, &o->v2_set, error) < 0)
                                return -1;
                        break;
                case ARG_V1_LISTEN:
                        if (parse_listen_option("v1-listen", optarg, &o->v1, &o->v1_set, error) < 0)
                                return -1;
                        break;
                case ARG_CONFIG:
                        if (!*optarg)
                                return option_error(error, G_OPTION_ERROR_BAD_VALUE, "--config= needs a file name.");
                        o->config = optarg;
                        break;
                case ARG_LOG_LEVEL: {
                        g_autofree char *q = quote_value(optarg);

                        o->log_level = log_level_from_string(optarg);
                        if (o->log_level < 0)
                                return option_error(error, G_OPTION_ERROR_BAD_VALUE,
                                                    "Invalid --log-level=%s: expected " LOG_LEVEL_NAMES ".", q);
                        break;
                }
                default:
                        return getopt_error(c, argc, argv, error);
                }

        if (optind < argc) {
                g_autofree char *q = quote_value(argv[optind]);

                return option_error(error, G_OPTION_ERROR_FAILED,
                                    "Unexpected argument %s: ptpsync-http takes no positional arguments; see --help.",
                                    q);
        }
        return 0;
}

static void apply_listen(BridgeListen *dst, const BridgeListen *src) {
        bridge_listen_done(dst);
        *dst = (BridgeListen) { .enabled = src->enabled, .host = g_strdup(src->host), .port = src->port };
}

int bridge_options_parse(int argc, char **argv, BridgeConfig *ret, GError **error) {
        __attribute__((cleanup(overrides_done))) Overrides o = { .log_level = -1 };
        g_auto(BridgeConfig) tmp = {};
        BridgeConfig old;
        int r;

        g_return_val_if_fail(argc >= 0, -1);
        g_return_val_if_fail(ret, -1);

        r = parse_argv(argc, argv, &o, error);
        if (r != 0)
                return r;

        bridge_config_copy(&tmp, ret);
        if (!bridge_config_load(&tmp, o.config ?: DEFAULT_BRIDGE_CONFIG_FILE, o.config != NULL, error))
                return -1;

        if (o.bus) {
                g_free(tmp.bus);
                tmp.bus = strcmp(o.bus, "system") == 0 ? NULL : g_strdup(o.bus);
        }
        if (o.log_level >= 0)
                tmp.log_level = o.log_level;
        if (o.v2_set)
                apply_listen(&tmp.v2, &o.v2);
        if (o.v1_set)
                apply_listen(&tmp.v1, &o.v1);
        if ((o.v2_set || o.v1_set) &&
            !bridge_config_check(&tmp, o.v2_set ? "--v2-listen=" : NULL, o.v1_set ? "--v1-listen=" : NULL, error))
                return -1;

        old = *ret;
        *ret = tmp;
        tmp = old; /* freed on return */
        return 0;
}
