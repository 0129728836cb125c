/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsyncctl: query and control ptpsyncd from a shell, modelled on
 * timedatectl/busctl. Everything goes through libptpsync, except the
 * properties (status, subscriptions) and Simulator.Inject, which are plain
 * sd-bus calls on a second connection to the same bus.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "build-config.h"
#include "ptpsync.h"
#include "common/quote.h"
#include "common/util.h"

#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif

/* Exit statuses (documented in --help and README.md). */
enum {
        EXIT_OK = 0,
        EXIT_FAIL = 1,
        EXIT_USAGE = 2,
        EXIT_NO_DAEMON = 3,
        EXIT_ACCESS_DENIED = 4,
        EXIT_NO_SUCH = 5,
        EXIT_TIMEOUT = 6,
};

#define MANAGER_PATH "/org/ptpsync1"
#define MANAGER_IFACE "org.ptpsync1.Manager"
#define RESOURCE_IFACE "org.ptpsync1.Resource"
#define SUBSCRIPTION_IFACE "org.ptpsync1.Subscription"
#define SIMULATOR_IFACE "org.ptpsync1.Simulator"
#define SYNC_STATE_SUFFIX "sync/sync-status/sync-state"

static const char *arg_bus = NULL; /* NULL: the system bus */
static bool arg_json = false;
static bool arg_legend = true;
static const char *arg_durable = NULL;
static const char *arg_state = "LOCKED";
static uint64_t arg_timeout = UINT64_MAX;
static bool use_color = false;

static PtpsyncClient *client = NULL; /* the libptpsync connection */
static sd_bus *raw_bus = NULL;       /* for properties and Inject */

/* ---- helpers ---- */

_printf_(1, 2) static void log_error(const char *fmt, ...) {
        va_list ap;

        fputs("ptpsyncctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* The exit status for a failure: from the D-Bus error name if there is one, else from the errno. */
static int exit_status_for(int r, const char *error_name) {
        if (error_name) {
                if (streq(error_name, "org.freedesktop.DBus.Error.ServiceUnknown") ||
                    streq(error_name, "org.freedesktop.DBus.Error.NameHasNoOwner"))
                        return EXIT_NO_DAEMON;
                if (streq(error_name, "org.freedesktop.DBus.Error.AccessDenied") ||
                    streq(error_name, "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"))
                        return EXIT_ACCESS_DENIED;
                if (streq(error_name, PTPSYNC_ERROR_NO_SUCH_RESOURCE) ||
                    streq(error_name, PTPSYNC_ERROR_NO_SUCH_SUBSCRIPTION) ||
                    streq(error_name, "org.freedesktop.DBus.Error.UnknownObject")) /* a subscription that ended */
                        return EXIT_NO_SUCH;
                if (streq(error_name, PTPSYNC_ERROR_INVALID_ADDRESS) ||
                    streq(error_name, PTPSYNC_ERROR_INVALID_OPTION))
                        return EXIT_USAGE;
        }
        switch (r) {
        case -EACCES:
        case -EPERM:
                return EXIT_ACCESS_DENIED;
        case -EHOSTUNREACH:
                return EXIT_NO_DAEMON;
        case -ETIMEDOUT:
                return EXIT_TIMEOUT;
        default:
                return EXIT_FAIL;
        }
}

/* Reports a failed library call ("what: message") and returns its exit status. */
static int client_failed(const char *what, int r) {
        const char *name = ptpsync_client_last_error_name(client);
        const char *message = ptpsync_client_last_error_message(client);
        int status = exit_status_for(r, name);

        if (status == EXIT_NO_DAEMON)
                log_error("%s: ptpsyncd is not running (org.ptpsync1 has no owner on the bus).", what);
        else if (status == EXIT_ACCESS_DENIED)
                log_error("%s: %s", what, message ?: "access denied.");
        else if (streq_ptr(name, "org.freedesktop.DBus.Error.UnknownObject"))
                log_error("%s: no such subscription.", what);
        else
                log_error("%s: %s", what, message ?: strerror(-r));
        return status;
}

static int bus_failed(const char *what, int r, const sd_bus_error *error) {
        const char *name = error && sd_bus_error_is_set(error) ? error->name : NULL;
        int status = exit_status_for(r, name);

        if (status == EXIT_NO_DAEMON)
                log_error("%s: ptpsyncd is not running (org.ptpsync1 has no owner on the bus).", what);
        else if (status == EXIT_ACCESS_DENIED)
                log_error("%s: %s", what, name && error->message ? error->message : "access denied.");
        else if (name && (streq(name, "org.freedesktop.DBus.Error.UnknownInterface") ||
                          streq(name, "org.freedesktop.DBus.Error.UnknownMethod")))
                log_error("%s: ptpsyncd does not run the simulated source (--source=sim).", what);
        else
                log_error("%s: %s", what, name ? error->message : strerror(-r));
        return status;
}

static int connect_client(void) {
        int r = ptpsync_client_new(&client, arg_bus);
        if (r < 0) {
                log_error("Failed to connect to %s: %s", arg_bus ?: "the system bus", strerror(-r));
                return EXIT_FAIL;
        }
        return 0;
}

static int connect_raw(void) {
        int r;

        if (raw_bus)
                return 0;
        if (!arg_bus)
                r = sd_bus_open_system(&raw_bus);
        else {
                r = sd_bus_new(&raw_bus);
                if (r >= 0)
                        r = sd_bus_set_address(raw_bus, arg_bus);
                if (r >= 0)
                        r = sd_bus_set_bus_client(raw_bus, 1);
                if (r >= 0)
                        r = sd_bus_start(raw_bus);
        }
        if (r < 0) {
                log_error("Failed to connect to %s: %s", arg_bus ?: "the system bus", strerror(-r));
                return EXIT_FAIL;
        }
        return 0;
}

static const char *color_for_state(const char *s) {
        if (!use_color || !s)
                return NULL;
        if (streq(s, "LOCKED") || streq(s, "SYNCHRONIZED"))
                return "\x1b[0;1;32m";
        if (streq(s, "HOLDOVER") || streq(s, "ACQUIRING-SYNC"))
                return "\x1b[0;1;33m";
        if (streq(s, "FREERUN") || strncmp(s, "FAILURE", 7) == 0 || strncmp(s, "ANTENNA", 7) == 0)
                return "\x1b[0;1;31m";
        return NULL;
}

/* Prints a value padded to width (0: no padding), coloured if it is a state and colours are on. */
static void print_value(const char *s, int width) {
        const char *on = color_for_state(s);
        int len = (int) strlen(s);

        printf("%s%s%s", on ?: "", s, on ? "\x1b[0m" : "");
        if (width > len)
                printf("%*s", width - len, "");
}

static void json_string(FILE *f, const char *s) {
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) (s ?: ""); *p; p++)
                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                default:
                        if (*p < 0x20)
                                fprintf(f, "\\u%04x", *p);
                        else
                                fputc(*p, f);
                }
        fputc('"', f);
}

/* RFC 3339 in UTC with microseconds: 2025-01-10T02:41:57.094981Z. */
static void format_rfc3339(char *buf, size_t size, int64_t usec) {
        time_t sec = (time_t) (usec / (int64_t) USEC_PER_SEC);
        long frac = (long) (usec % (int64_t) USEC_PER_SEC);
        struct tm tm;
        char base[32];

        if (frac < 0) {
                frac += (long) USEC_PER_SEC;
                sec--;
        }
        gmtime_r(&sec, &tm);
        strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf, size, "%s.%06ldZ", base, frac);
}

/* For humans, like timedatectl: "Thu 2025-01-10 02:41:57 UTC" in local time; "n/a" for 0. */
static void format_local(char *buf, size_t size, uint64_t usec) {
        time_t sec = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;

        if (usec == 0 || !localtime_r(&sec, &tm) || strftime(buf, size, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                snprintf(buf, size, "n/a");
}

/* "/cluster/node/<node>/sync/..." -> "/sync/..." (the O-RAN v2 event source); anything else unchanged. */
static const char *short_source(const char *source) {
        const char *p;

        if (strncmp(source, "/cluster/node/", 14) != 0)
                return source;
        p = strchr(source + 14, '/');
        return p ?: source;
}

/* The node prefix "/cluster/node/<node>/" of a full address, as a length; 0 if it has none. */
static size_t node_prefix_len(const char *source) {
        const char *p;

        if (strncmp(source, "/cluster/node/", 14) != 0)
                return 0;
        p = strchr(source + 14, '/');
        return p ? (size_t) (p - source) + 1 : 0;
}

/* One event in the O-RAN v2 shape (CloudEvents 1.0 structured JSON), on one line. */
static void print_event_json(const PtpsyncEvent *e) {
        const char *source = ptpsync_event_get_source(e);
        size_t plen = node_prefix_len(source);
        char t[64];

        format_rfc3339(t, sizeof t, ptpsync_event_get_time(e));
        fputs("{\"specversion\":\"1.0\",\"id\":", stdout);
        json_string(stdout, ptpsync_event_get_id(e));
        fputs(",\"source\":", stdout);
        json_string(stdout, short_source(source));
        fputs(",\"type\":", stdout);
        json_string(stdout, ptpsync_event_get_type(e));
        fputs(",\"time\":", stdout);
        json_string(stdout, t);
        fputs(",\"data\":{\"version\":\"1.0\",\"values\":[", stdout);
        for (size_t i = 0; i < ptpsync_event_get_n_values(e); i++) {
                const char *address, *data_type, *value_type, *value;
                _cleanup_free_ char *full = NULL;

                if (ptpsync_event_get_value(e, i, &address, &data_type, &value_type, &value) < 0)
                        continue;
                /* ResourceAddress is the full address: the node's prefix and the relative one. */
                if (plen > 0 && asprintf(&full, "%.*s%s", (int) plen, source, address) < 0)
                        full = NULL;
                fputs(i > 0 ? ",{\"ResourceAddress\":" : "{\"ResourceAddress\":", stdout);
                json_string(stdout, full ?: address);
                fputs(",\"data_type\":", stdout);
                json_string(stdout, data_type);
                fputs(",\"value_type\":", stdout);
                json_string(stdout, value_type);
                fputs(",\"value\":", stdout);
                json_string(stdout, value);
                fputc('}', stdout);
        }
        fputs("]}}\n", stdout);
}

/* One event for humans: TIME SEQ SOURCE address=VALUE[(metric)] ... */
static void print_event_text(const PtpsyncEvent *e) {
        const char *source = ptpsync_event_get_source(e);
        size_t n = ptpsync_event_get_n_values(e);
        char t[64];

        format_rfc3339(t, sizeof t, ptpsync_event_get_time(e));
        printf("%s %" PRIu64 " %s", t, ptpsync_event_get_seq(e), source + node_prefix_len(source));
        for (size_t i = 0; i < n; i++) {
                const char *address, *data_type, *value, *next_address, *next_type, *next_value;

                if (ptpsync_event_get_value(e, i, &address, &data_type, NULL, &value) < 0)
                        continue;
                printf(" %s=", address);
                print_value(value, 0);
                /* A notification and the metric of the same address that follows it: "a=LOCKED(7)". */
                if (streq(data_type, "notification") &&
                    ptpsync_event_get_value(e, i + 1, &next_address, &next_type, NULL, &next_value) == 0 &&
                    streq(next_type, "metric") && streq(next_address, address)) {
                        printf("(%s)", next_value);
                        i++;
                }
        }
        putchar('\n');
}

static void print_event(const PtpsyncEvent *e) {
        if (arg_json)
                print_event_json(e);
        else
                print_event_text(e);
        fflush(stdout);
}

static int get_node_name(char **ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = connect_raw();
        if (r != 0)
                return r;
        r = sd_bus_get_property_string(raw_bus, PTPSYNC_BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "NodeName", &error,
                                       ret);
        if (r < 0) {
                r = bus_failed("Failed to read the node name", r, &error);
                sd_bus_error_free(&error);
                return r;
        }
        return 0;
}

/* A relative address ("sync/ptp-status/lock-state") gets the node's prefix; a full one is copied. */
static int resolve_address(const char *address, char **ret) {
        _cleanup_free_ char *node = NULL;
        int r;

        if (address[0] == '/') {
                *ret = strdup(address);
                return *ret ? 0 : EXIT_FAIL;
        }
        r = get_node_name(&node);
        if (r != 0)
                return r;
        if (asprintf(ret, "/cluster/node/%s/%s", node, address) < 0)
                return EXIT_FAIL;
        return 0;
}

/* ---- status ---- */

/* bus_failed() for a property read: "Failed to read NAME: why". */
static int bus_failed_reading(const char *property, int r, const sd_bus_error *error) {
        char what[128];

        snprintf(what, sizeof(what), "Failed to read %s", property);
        return bus_failed(what, r, error);
}

static int get_string_prop(const char *path, const char *iface, const char *name, char **ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_get_property_string(raw_bus, PTPSYNC_BUS_NAME, path, iface, name, &error, ret);
        if (r < 0) {
                r = bus_failed_reading(name, r, &error);
                sd_bus_error_free(&error);
                return r;
        }
        return 0;
}

/* A property only some may read (a subscription's Name: its uid's and root's): NULL for the others. */
static int get_private_string_prop(const char *path, const char *iface, const char *name, char **ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_get_property_string(raw_bus, PTPSYNC_BUS_NAME, path, iface, name, &error, ret);

        if (r < 0 && sd_bus_error_has_name(&error, SD_BUS_ERROR_ACCESS_DENIED)) {
                *ret = NULL;
                r = 0;
        } else if (r < 0)
                r = bus_failed_reading(name, r, &error);
        sd_bus_error_free(&error);
        return r;
}

static int get_trivial_prop(const char *path, const char *iface, const char *name, char type, void *ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_get_property_trivial(raw_bus, PTPSYNC_BUS_NAME, path, iface, name, &error, type, ret);
        if (r < 0) {
                r = bus_failed_reading(name, r, &error);
                sd_bus_error_free(&error);
                return r;
        }
        return 0;
}

typedef struct Clock {
        char *address, *value;
        int64_t offset;
} Clock;

typedef struct Resource {
        char *address, *kind, *value;
        uint64_t last_change, sequence;
        Clock *clocks;
        size_t n_clocks;
} Resource;

static void resource_clear(Resource *r) {
        free(r->address);
        free(r->kind);
        free(r->value);
        for (size_t i = 0; i < r->n_clocks; i++) {
                free(r->clocks[i].address);
                free(r->clocks[i].value);
        }
        free(r->clocks);
}

static int read_resource(const char *path, Resource *res) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *a, *v;
        int64_t offset;
        int r;

        if ((r = get_string_prop(path, RESOURCE_IFACE, "Address", &res->address)) != 0 ||
            (r = get_string_prop(path, RESOURCE_IFACE, "Kind", &res->kind)) != 0 ||
            (r = get_string_prop(path, RESOURCE_IFACE, "Value", &res->value)) != 0 ||
            (r = get_trivial_prop(path, RESOURCE_IFACE, "LastChange", 't', &res->last_change)) != 0 ||
            (r = get_trivial_prop(path, RESOURCE_IFACE, "Sequence", 't', &res->sequence)) != 0)
                return r;
        r = sd_bus_get_property(raw_bus, PTPSYNC_BUS_NAME, path, RESOURCE_IFACE, "Clocks", &error, &reply, "a(ssx)");
        if (r < 0) {
                r = bus_failed("Clocks", r, &error);
                sd_bus_error_free(&error);
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(ssx)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ssx)", &a, &v, &offset)) > 0) {
                Clock *n = realloc(res->clocks, (res->n_clocks + 1) * sizeof(Clock));
                if (!n) {
                        r = -ENOMEM;
                        break;
                }
                res->clocks = n;
                n[res->n_clocks++] = (Clock) { strdup(a), strdup(v), offset };
        }
        sd_bus_message_unref(reply);
        if (r < 0) {
                log_error("Failed to read the clocks of %s: %s", path, strerror(-r));
                return EXIT_FAIL;
        }
        return 0;
}

static int verb_status(char **args) {
        PtpsyncResourceList *list = NULL;
        _cleanup_free_ char *node = NULL, *sync_state = NULL, *version = NULL;
        uint8_t clock_class = 0;
        uint32_t n_subscriptions = 0;
        uint64_t last_seq = 0;
        Resource *res = NULL;
        size_t n = 0;
        int r;

        if ((r = connect_raw()) != 0 ||
            (r = get_string_prop(MANAGER_PATH, MANAGER_IFACE, "NodeName", &node)) != 0 ||
            (r = get_string_prop(MANAGER_PATH, MANAGER_IFACE, "Version", &version)) != 0 ||
            (r = get_string_prop(MANAGER_PATH, MANAGER_IFACE, "SyncState", &sync_state)) != 0 ||
            (r = get_trivial_prop(MANAGER_PATH, MANAGER_IFACE, "ClockClass", 'y', &clock_class)) != 0 ||
            (r = get_trivial_prop(MANAGER_PATH, MANAGER_IFACE, "SubscriptionCount", 'u', &n_subscriptions)) != 0 ||
            (r = get_trivial_prop(MANAGER_PATH, MANAGER_IFACE, "LastSequence", 't', &last_seq)) != 0)
                return r;
        r = ptpsync_client_list_resources(client, &list);
        if (r < 0)
                return client_failed("Failed to list resources", r);
        n = ptpsync_resource_list_get_n(list);
        res = calloc(n ?: 1, sizeof(Resource));
        if (!res) {
                ptpsync_resource_list_free(list);
                return EXIT_FAIL;
        }
        for (size_t i = 0; i < n && r == 0; i++) {
                const char *path;
                ptpsync_resource_list_get(list, i, NULL, NULL, &path);
                r = read_resource(path, &res[i]);
        }
        ptpsync_resource_list_free(list);
        if (r != 0)
                goto finish;

        if (arg_json) {
                printf("{\"node\":");
                json_string(stdout, node);
                printf(",\"version\":");
                json_string(stdout, version);
                printf(",\"sync_state\":");
                json_string(stdout, sync_state);
                printf(",\"clock_class\":%u,\"subscriptions\":%" PRIu32 ",\"last_sequence\":%" PRIu64
                       ",\"resources\":[",
                       clock_class, n_subscriptions, last_seq);
                for (size_t i = 0; i < n; i++) {
                        char t[64];
                        printf(i > 0 ? ",{\"address\":" : "{\"address\":");
                        json_string(stdout, res[i].address);
                        printf(",\"kind\":");
                        json_string(stdout, res[i].kind);
                        printf(",\"value\":");
                        json_string(stdout, res[i].value);
                        if (res[i].last_change > 0) {
                                format_rfc3339(t, sizeof t, (int64_t) res[i].last_change);
                                printf(",\"last_change\":\"%s\"", t);
                        } else
                                printf(",\"last_change\":null");
                        printf(",\"sequence\":%" PRIu64 ",\"clocks\":[", res[i].sequence);
                        for (size_t j = 0; j < res[i].n_clocks; j++) {
                                printf(j > 0 ? ",{\"address\":" : "{\"address\":");
                                json_string(stdout, res[i].clocks[j].address);
                                printf(",\"value\":");
                                json_string(stdout, res[i].clocks[j].value);
                                printf(",\"offset\":%" PRId64 "}", res[i].clocks[j].offset);
                        }
                        printf("]}");
                }
                printf("]}\n");
                goto finish;
        }

        printf("           Node: %s\n", node);
        printf("     Sync state: ");
        print_value(isempty(sync_state) ? "n/a" : sync_state, 0);
        if (clock_class > 0)
                printf("\n    Clock class: %u\n", clock_class);
        else
                printf("\n    Clock class: n/a\n");
        printf("  Subscriptions: %" PRIu32 "\n", n_subscriptions);
        printf("  Last sequence: %" PRIu64 "\n", last_seq);
        printf(" Daemon version: %s\n", version);
        for (size_t i = 0; i < n; i++) {
                char t[64];
                const char *rel = res[i].address + node_prefix_len(res[i].address);

                format_local(t, sizeof t, res[i].last_change);
                printf("\n%s (%s)\n", rel, res[i].kind);
                printf("          Value: ");
                print_value(isempty(res[i].value) ? "n/a" : res[i].value, 0);
                printf("\n    Last change: %s", t);
                if (res[i].sequence > 0)
                        printf(" (seq %" PRIu64 ")", res[i].sequence);
                putchar('\n');
                for (size_t j = 0; j < res[i].n_clocks; j++) {
                        printf("          Clock: %s ", res[i].clocks[j].address);
                        print_value(res[i].clocks[j].value, 0);
                        printf(" offset %" PRId64 " ns\n", res[i].clocks[j].offset);
                }
        }
finish:
        for (size_t i = 0; i < n; i++)
                resource_clear(&res[i]);
        free(res);
        return r;
}

/* ---- list, get ---- */

static int verb_list(char **args) {
        PtpsyncResourceList *list = NULL;
        size_t n, w = strlen("ADDRESS"), wk = strlen("KIND");
        int r;

        r = ptpsync_client_list_resources(client, &list);
        if (r < 0)
                return client_failed("Failed to list resources", r);
        n = ptpsync_resource_list_get_n(list);
        for (size_t i = 0; i < n; i++) {
                const char *a, *k;
                ptpsync_resource_list_get(list, i, &a, &k, NULL);
                w = MAX(w, strlen(a));
                wk = MAX(wk, strlen(k));
        }
        if (!arg_json && arg_legend)
                printf("%-*s %-*s %s\n", (int) w, "ADDRESS", (int) wk, "KIND", "OBJECT");
        for (size_t i = 0; i < n; i++) {
                const char *a, *k, *p;
                ptpsync_resource_list_get(list, i, &a, &k, &p);
                if (arg_json) {
                        printf("{\"address\":");
                        json_string(stdout, a);
                        printf(",\"kind\":");
                        json_string(stdout, k);
                        printf(",\"object_path\":");
                        json_string(stdout, p);
                        printf("}\n");
                } else
                        printf("%-*s %-*s %s\n", (int) w, a, (int) wk, k, p);
        }
        if (!arg_json && arg_legend)
                printf("\n%zu resources listed.\n", n);
        ptpsync_resource_list_free(list);
        return 0;
}

static void print_event_list(const PtpsyncEventList *l) {
        for (size_t i = 0; i < ptpsync_event_list_get_n(l); i++)
                print_event(ptpsync_event_list_get(l, i));
}

static int verb_get(char **args) {
        _cleanup_free_ char *address = NULL;
        PtpsyncEventList *l = NULL;
        int r;

        r = resolve_address(args[1], &address);
        if (r != 0)
                return r;
        r = ptpsync_client_get_state(client, address, &l);
        if (r == -ENODATA) {
                log_error("%s has no data yet.", QUOTE(address));
                return EXIT_FAIL;
        }
        if (r < 0)
                return client_failed(QUOTE(address), r);
        print_event_list(l);
        ptpsync_event_list_free(l);
        return 0;
}

/* ---- watch ---- */

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static void on_watch_event(PtpsyncWatch *w, const PtpsyncEvent *e, void *userdata) {
        print_event(e);
}

static int on_subscription_event(PtpsyncSubscription *s, const PtpsyncEvent *e, void *userdata) {
        print_event(e);
        return PTPSYNC_ACK;
}

static sd_event *watch_loop = NULL;

static void on_subscription_state(PtpsyncSubscription *s, PtpsyncSubscriptionState state, int error,
                                       void *userdata) {
        int *status = userdata;

        if (state == PTPSYNC_SUBSCRIPTION_DETACHED)
                log_error("ptpsyncd went away; the durable subscription %s waits for it.", QUOTE(arg_durable));
        else if (state == PTPSYNC_SUBSCRIPTION_ENDED) {
                if (error < 0)
                        *status = client_failed("The subscription ended", error);
                else
                        log_error("The subscription was cancelled.");
                sd_event_exit(watch_loop, 0);
        }
}

static int verb_watch(char **args) {
        _cleanup_free_ char *address = NULL;
        PtpsyncSubscribeOptions *o = NULL;
        PtpsyncSubscription *s = NULL;
        PtpsyncWatch *w = NULL;
        PtpsyncEventList *l = NULL;
        PtpsyncResourceList *list = NULL;
        sigset_t mask;
        int r, status = EXIT_OK;

        if (args[1]) {
                r = resolve_address(args[1], &address);
                if (r != 0)
                        return r;
                /* Check the filter now: no such resource is an error, no data yet is fine. */
                r = ptpsync_client_get_state(client, address, &l);
                ptpsync_event_list_free(l);
                if (r < 0 && r != -ENODATA)
                        return client_failed(QUOTE(address), r);
        } else {
                /* Is the daemon there at all? */
                r = ptpsync_client_list_resources(client, &list);
                ptpsync_resource_list_free(list);
                if (r < 0)
                        return client_failed("Failed to reach ptpsyncd", r);
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        r = sd_event_new(&watch_loop);
        if (r < 0)
                goto fail;
        if ((r = sd_event_add_signal(watch_loop, NULL, SIGINT, on_signal, NULL)) < 0 ||
            (r = sd_event_add_signal(watch_loop, NULL, SIGTERM, on_signal, NULL)) < 0 ||
            (r = ptpsync_client_attach_event(client, watch_loop, 0)) < 0)
                goto fail;

        if (arg_durable) {
                if ((r = ptpsync_subscribe_options_new(&o)) < 0 ||
                    (r = ptpsync_subscribe_options_set_name(o, arg_durable)) < 0)
                        goto fail;
                r = ptpsync_client_subscribe(client, address, o, on_subscription_event, &status, &s);
                ptpsync_subscribe_options_free(o);
                if (r < 0) {
                        status = client_failed("Failed to subscribe", r);
                        goto finish;
                }
                ptpsync_subscription_set_state_handler(s, on_subscription_state);
        } else {
                r = ptpsync_client_watch(client, address, on_watch_event, NULL, &w);
                if (r < 0) {
                        status = client_failed("Failed to watch", r);
                        goto finish;
                }
        }
        r = sd_event_loop(watch_loop);
        if (r < 0)
                goto fail;
        goto finish;
fail:
        log_error("Failed to watch: %s", strerror(-r));
        status = EXIT_FAIL;
finish:
        ptpsync_watch_free(w);
        ptpsync_subscription_free(s);
        if (watch_loop)
                ptpsync_client_detach_event(client);
        watch_loop = sd_event_unref(watch_loop);
        return status;
}

/* ---- wait ---- */

static int verb_wait(char **args) {
        _cleanup_free_ char *address = NULL;
        uint64_t deadline = arg_timeout == UINT64_MAX ? UINT64_MAX : now_usec(CLOCK_MONOTONIC) + arg_timeout;
        int r;

        if (args[1]) {
                r = resolve_address(args[1], &address);
                if (r != 0)
                        return r;
        } else {
                _cleanup_free_ char *node = NULL;

                /* The node's sync-state: its name comes from the daemon, so wait for the daemon first. */
                while (!ptpsync_client_get_daemon_owner(client)) {
                        uint64_t now = now_usec(CLOCK_MONOTONIC);
                        if (now >= deadline)
                                goto timeout;
                        r = ptpsync_client_wait(client, MIN(deadline - now, 100 * USEC_PER_MSEC));
                        while (r >= 0 && (r = ptpsync_client_process(client)) > 0)
                                ;
                        if (r < 0)
                                return client_failed("Failed to wait for ptpsyncd", r);
                }
                r = get_node_name(&node);
                if (r != 0)
                        return r;
                if (asprintf(&address, "/cluster/node/%s/" SYNC_STATE_SUFFIX, node) < 0)
                        return EXIT_FAIL;
        }

        if (deadline == UINT64_MAX)
                r = ptpsync_client_wait_for_state(client, address, arg_state, UINT64_MAX);
        else {
                uint64_t now = now_usec(CLOCK_MONOTONIC);
                r = ptpsync_client_wait_for_state(client, address, arg_state, deadline > now ? deadline - now : 0);
        }
        if (r == -ETIMEDOUT)
                goto timeout;
        if (r < 0)
                return client_failed(QUOTE(address), r);
        if (arg_json) {
                printf("{\"address\":");
                json_string(stdout, address);
                printf(",\"state\":");
                json_string(stdout, arg_state);
                printf(",\"reached\":true}\n");
        }
        return EXIT_OK;

timeout:
        if (arg_json) {
                printf("{\"address\":");
                json_string(stdout, address ?: "");
                printf(",\"state\":");
                json_string(stdout, arg_state);
                printf(",\"reached\":false}\n");
        }
        log_error("Timed out waiting for %s to be %s.", address ? QUOTE(address) : "ptpsyncd", arg_state);
        return EXIT_TIMEOUT;
}

/* ---- subscriptions ---- */

typedef struct SubInfo {
        char *path, *id, *name, *owner, *address;
        uint32_t uid, pending, in_flight;
        uint64_t delivered, dead_lettered;
} SubInfo;

static int read_subscription(const char *path, SubInfo *s) {
        int r;

        s->path = strdup(path);
        if ((r = get_string_prop(path, SUBSCRIPTION_IFACE, "Id", &s->id)) != 0 ||
            (r = get_private_string_prop(path, SUBSCRIPTION_IFACE, "Name", &s->name)) != 0 ||
            (r = get_string_prop(path, SUBSCRIPTION_IFACE, "Owner", &s->owner)) != 0 ||
            (r = get_string_prop(path, SUBSCRIPTION_IFACE, "Address", &s->address)) != 0 ||
            (r = get_trivial_prop(path, SUBSCRIPTION_IFACE, "UID", 'u', &s->uid)) != 0 ||
            (r = get_trivial_prop(path, SUBSCRIPTION_IFACE, "Pending", 'u', &s->pending)) != 0 ||
            (r = get_trivial_prop(path, SUBSCRIPTION_IFACE, "InFlight", 'u', &s->in_flight)) != 0 ||
            (r = get_trivial_prop(path, SUBSCRIPTION_IFACE, "Delivered", 't', &s->delivered)) != 0 ||
            (r = get_trivial_prop(path, SUBSCRIPTION_IFACE, "DeadLettered", 't', &s->dead_lettered)) != 0)
                return r;
        return 0;
}

static void sub_info_clear(SubInfo *s) {
        free(s->path);
        free(s->id);
        free(s->name);
        free(s->owner);
        free(s->address);
}

static int verb_subscriptions(char **args) {
        char **paths = NULL;
        SubInfo *subs = NULL;
        size_t n = 0, wn = strlen("NAME"), wa = strlen("ADDRESS");
        int r;

        r = ptpsync_client_list_subscriptions(client, &paths);
        if (r < 0)
                return client_failed("Failed to list subscriptions", r);
        if ((r = connect_raw()) != 0)
                goto finish;
        while (paths[n])
                n++;
        subs = calloc(n ?: 1, sizeof(SubInfo));
        if (!subs) {
                r = EXIT_FAIL;
                goto finish;
        }
        for (size_t i = 0; i < n; i++) {
                r = read_subscription(paths[i], &subs[i]);
                if (r != 0)
                        goto finish;
                wn = MAX(wn, strlen(subs[i].name ?: "?"));
                wa = MAX(wa, strlen(subs[i].address));
        }
        if (!arg_json && arg_legend)
                printf("%-32s %-*s %-*s %-6s %-8s %7s %8s %9s %4s\n", "ID", (int) wn, "NAME", (int) wa, "ADDRESS",
                       "UID", "OWNER", "PENDING", "INFLIGHT", "DELIVERED", "DEAD");
        for (size_t i = 0; i < n; i++) {
                SubInfo *s = &subs[i];
                const char *hex = strrchr(s->path, '/') + 1;
                if (arg_json) {
                        printf("{\"id\":");
                        json_string(stdout, s->id);
                        printf(",\"object_path\":");
                        json_string(stdout, s->path);
                        printf(",\"name\":");
                        if (s->name)
                                json_string(stdout, s->name);
                        else
                                fputs("null", stdout); /* another user's: not ours to read */
                        printf(",\"address\":");
                        json_string(stdout, s->address);
                        printf(",\"uid\":%" PRIu32 ",\"owner\":", s->uid);
                        json_string(stdout, s->owner);
                        printf(",\"pending\":%" PRIu32 ",\"in_flight\":%" PRIu32 ",\"delivered\":%" PRIu64
                               ",\"dead_lettered\":%" PRIu64 "}\n",
                               s->pending, s->in_flight, s->delivered, s->dead_lettered);
                } else
                        printf("%-32s %-*s %-*s %-6" PRIu32 " %-8s %7" PRIu32 " %8" PRIu32 " %9" PRIu64
                               " %4" PRIu64 "\n",
                               hex, (int) wn, !s->name ? "?" : isempty(s->name) ? "-" : s->name, (int) wa,
                               s->address, s->uid,
                               isempty(s->owner) ? "-" : s->owner, s->pending, s->in_flight, s->delivered,
                               s->dead_lettered);
        }
        if (!arg_json && arg_legend)
                printf("\n%zu subscriptions listed.\n", n);
        r = 0;
finish:
        for (size_t i = 0; subs && i < n; i++)
                sub_info_clear(&subs[i]);
        free(subs);
        ptpsync_strv_free(paths);
        return r;
}

static int verb_dead_letters(char **args) {
        PtpsyncEventList *l = NULL;
        int r;

        r = ptpsync_client_get_dead_letters(client, args[1], &l);
        if (r < 0)
                return client_failed(QUOTE(args[1]), r);
        print_event_list(l);
        if (!arg_json && arg_legend)
                printf("\n%zu dead letters.\n", ptpsync_event_list_get_n(l));
        ptpsync_event_list_free(l);
        return 0;
}

static int verb_redrive_or_purge(char **args) {
        bool redrive = streq(args[0], "redrive");
        unsigned count = 0;
        int r;

        r = redrive ? ptpsync_client_redrive(client, args[1], &count)
                    : ptpsync_client_purge_dead_letters(client, args[1], &count);
        if (r < 0)
                return client_failed(QUOTE(args[1]), r);
        if (arg_json)
                printf("{\"%s\":%u}\n", redrive ? "redriven" : "purged", count);
        else
                printf("%s %u dead letter%s.\n", redrive ? "Requeued" : "Dropped", count, count == 1 ? "" : "s");
        return 0;
}

static int verb_cancel(char **args) {
        int r = ptpsync_client_cancel_subscription(client, args[1]);
        if (r < 0)
                return client_failed(QUOTE(args[1]), r);
        return 0;
}

/* ---- reload ---- */

/* What ExecReload= runs: it returns once the daemon has the new configuration in force, or refused it. */
static int verb_reload(char **args) {
        int r = ptpsync_client_reload(client);

        if (r < 0)
                return client_failed("Failed to reload", r);
        return 0;
}

/* ---- inject ---- */

static int verb_inject(char **args) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int64_t offset = 0;
        int r;

        if (args[4]) {
                char *end;
                errno = 0;
                long long v = strtoll(args[4], &end, 10);
                if (errno != 0 || end == args[4] || *end) {
                        log_error("Invalid offset (nanoseconds): %s", QUOTE(args[4]));
                        return EXIT_USAGE;
                }
                offset = v;
        }
        r = connect_raw();
        if (r != 0)
                return r;
        r = sd_bus_call_method(raw_bus, PTPSYNC_BUS_NAME, MANAGER_PATH, SIMULATOR_IFACE, "Inject", &error, NULL,
                               "sssx", args[1], args[2], args[3], offset);
        if (r < 0) {
                if (sd_bus_error_has_name(&error, "org.freedesktop.DBus.Error.InvalidArgs"))
                        r = (log_error("Failed to inject: %s", error.message), EXIT_USAGE);
                else
                        r = bus_failed("Failed to inject", r, &error);
                sd_bus_error_free(&error);
                return r;
        }
        return 0;
}

/* ---- the command line ---- */

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
               "  subscriptions          List subscriptions (the caller's; everyone's for root and org.ptpsync1.manage)\n"
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
               "                         GNSS state; OFFSET in ns\n"
               "\n"
               "ID is a subscription's object path, its 32 hex digits, or its UUID.\n"
               "\n"
               "Options:\n"
               "  -h --help              Show this help\n"
               "     --version           Show the package version\n"
               "     --bus=system|ADDRESS\n"
               "                         Connect to the system bus (default) or the D-Bus\n"
               "                         address ADDRESS (unix:path=...)\n"
               "     --json              One JSON object per line; events in the O-RAN\n"
               "                         (CloudEvents 1.0) shape\n"
               "     --no-legend         Do not print headers and footers\n"
               "     --durable=NAME      watch: subscribe durably with NAME and acknowledge\n"
               "     --state=STATE       wait: the state to reach (default LOCKED; a clock\n"
               "                         class for clock-class)\n"
               "     --timeout=SEC       wait: give up after SEC seconds (default: infinity)\n"
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

static int parse_timeout(const char *s, uint64_t *ret) {
        char *end;
        double d;

        if (streq(s, "infinity")) {
                *ret = UINT64_MAX;
                return 0;
        }
        errno = 0;
        d = strtod(s, &end);
        if (errno != 0 || end == s || *end || !isfinite(d) || d < 0 || d > 1e9)
                return -EINVAL;
        *ret = (uint64_t) (d * (double) USEC_PER_SEC);
        return 0;
}

typedef struct Verb {
        const char *name;
        unsigned min_args, max_args; /* besides the verb */
        int (*run)(char **args);
        bool needs_client;
} Verb;

static const Verb verbs[] = {
        { "status", 0, 0, verb_status, true },
        { "list", 0, 0, verb_list, true },
        { "get", 1, 1, verb_get, true },
        { "watch", 0, 1, verb_watch, true },
        { "wait", 0, 1, verb_wait, true },
        { "subscriptions", 0, 0, verb_subscriptions, true },
        { "dead-letters", 1, 1, verb_dead_letters, true },
        { "redrive", 1, 1, verb_redrive_or_purge, true },
        { "purge", 1, 1, verb_redrive_or_purge, true },
        { "cancel", 1, 1, verb_cancel, true },
        { "reload", 0, 0, verb_reload, true },
        { "inject", 3, 4, verb_inject, false },
};

/* A value some resource can have: a sync state, a clock class, or an O-RAN GNSS state (upper case, '-'). */
static bool state_is_valid(const char *s) {
        size_t digits = strspn(s, "0123456789");

        if (digits > 0 && digits <= 3 && s[digits] == '\0')
                return atoi(s) <= 255;
        if (!(s[0] >= 'A' && s[0] <= 'Z'))
                return false;
        return s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ-")] == '\0';
}

int main(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_BUS, ARG_JSON, ARG_NO_LEGEND, ARG_DURABLE, ARG_STATE, ARG_TIMEOUT };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "bus", required_argument, NULL, ARG_BUS },
                { "json", no_argument, NULL, ARG_JSON },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                { "durable", required_argument, NULL, ARG_DURABLE },
                { "state", required_argument, NULL, ARG_STATE },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                {},
        };
        const Verb *verb = NULL;
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

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_OK;
                case ARG_VERSION:
                        printf("ptpsyncctl %s\n", PACKAGE_VERSION);
                        return EXIT_OK;
                case ARG_BUS:
                        arg_bus = streq(optarg, "system") ? NULL : optarg;
                        break;
                case ARG_JSON:
                        arg_json = true;
                        break;
                case ARG_NO_LEGEND:
                        arg_legend = false;
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
                                log_error("Invalid --state=%s: expected LOCKED, HOLDOVER, FREERUN, a clock class "
                                          "0..255, or a GNSS state such as SYNCHRONIZED (upper case).",
                                          QUOTE(optarg));
                                return EXIT_USAGE;
                        }
                        arg_state = optarg;
                        break;
                case ARG_TIMEOUT:
                        if (parse_timeout(optarg, &arg_timeout) < 0) {
                                log_error("Invalid --timeout=%s: expected seconds, or infinity.", QUOTE(optarg));
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
        if (arg_durable && !streq(verb->name, "watch")) {
                log_error("--durable= is for watch only.");
                return EXIT_USAGE;
        }

        use_color = !arg_json && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
        if (verb->needs_client && (r = connect_client()) != 0)
                return r;
        r = verb->run(argv + optind);
        fflush(stdout);
        ptpsync_client_free(client);
        sd_bus_flush_close_unref(raw_bus);
        return r;
}
