/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsyncctl status, list and get: the node and its resources, read from
 * their properties (status) or through libptpsync (list, get). status takes
 * the clocks' offsets from the current state, not from Clocks (which has the
 * offsets of the last state change): only what was measured, and never for
 * the clock class, whose one metric is the class itself. A GNSS clock's gpsFix
 * metric (at ADDRESS/gpsFix) comes from there too. Warnings, and a grandmaster's
 * class writer when it is on, come first.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "ptpsync.h"
#include "ptpsyncctl.h"
#include "common/quote.h"
#include "common/util.h"

typedef struct Clock {
        char *address, *value;
        bool has_offset, has_gps_fix;
        int64_t offset;  /* the current one, if has_offset */
        int64_t gps_fix; /* GNSS only, if has_gps_fix */
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

        if ((r = get_string_prop(path, RESOURCE_INTERFACE, "Address", &res->address)) != 0 ||
            (r = get_string_prop(path, RESOURCE_INTERFACE, "Kind", &res->kind)) != 0 ||
            (r = get_string_prop(path, RESOURCE_INTERFACE, "Value", &res->value)) != 0 ||
            (r = get_trivial_prop(path, RESOURCE_INTERFACE, "LastChange", 't', &res->last_change)) != 0 ||
            (r = get_trivial_prop(path, RESOURCE_INTERFACE, "Sequence", 't', &res->sequence)) != 0)
                return r;
        r = sd_bus_get_property(raw_bus, PTPSYNC_BUS_NAME, path, RESOURCE_INTERFACE, "Clocks", &error, &reply, "a(ssx)");
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
                /* The offset of the last change is not shown: read_offsets() has the current one. */
                n[res->n_clocks++] = (Clock) { .address = strdup(a), .value = strdup(v) };
        }
        sd_bus_message_unref(reply);
        if (r < 0) {
                log_error("Failed to read the clocks of %s: %s", path, strerror(-r));
                return EXIT_FAIL;
        }
        return 0;
}

/* A metric value as the daemon writes an offset: a decimal integer of ns. */
static bool parse_offset(const char *s, int64_t *ret) {
        char *end;
        long long v;

        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0')
                return false;
        *ret = v;
        return true;
}

/* The clocks' current offsets, from the current state: those it has (none before any data). */
static int read_offsets(Resource *res) {
        PtpsyncEventList *l = NULL;
        int r;

        if (streq(res->kind, "clock-class") || res->n_clocks == 0)
                return 0;
        r = ptpsync_client_get_state(client, res->address, &l);
        if (r == -ENODATA)
                return 0;
        if (r < 0)
                return client_failed(res->address, r);
        for (size_t k = 0; k < ptpsync_event_list_get_n(l); k++) {
                const PtpsyncEvent *e = ptpsync_event_list_get(l, k);

                if (!streq(ptpsync_event_get_source(e), res->address))
                        continue;
                for (size_t i = 0; i < ptpsync_event_get_n_values(e); i++) {
                        const char *address, *data_type, *value;

                        if (ptpsync_event_get_value(e, i, &address, &data_type, NULL, &value) < 0 ||
                            !streq(data_type, "metric"))
                                continue;
                        for (size_t j = 0; j < res->n_clocks; j++) {
                                Clock *c = &res->clocks[j];

                                const char *rest = startswith(address, c->address);

                                if (rest && *rest == '\0' && !c->has_offset)
                                        c->has_offset = parse_offset(value, &c->offset);
                                else if (rest && streq(rest, "/gpsFix") && !c->has_gps_fix)
                                        c->has_gps_fix = parse_offset(value, &c->gps_fix);
                        }
                }
        }
        ptpsync_event_list_free(l);
        return 0;
}

int verb_status(char **args) {
        PtpsyncResourceList *list = NULL;
        _cleanup_free_ char *node = NULL, *sync_state = NULL, *version = NULL;
        _cleanup_(strv_freep) char **warnings = NULL;
        int class_writer = 0;
        uint8_t clock_class = 0;
        uint32_t n_subscriptions = 0;
        uint64_t last_seq = 0;
        Resource *res = NULL;
        size_t n = 0;
        int r;

        if ((r = connect_raw()) != 0 ||
            (r = get_string_prop(MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "NodeName", &node)) != 0 ||
            (r = get_string_prop(MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "Version", &version)) != 0 ||
            (r = get_string_prop(MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "SyncState", &sync_state)) != 0 ||
            (r = get_trivial_prop(MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "ClockClass", 'y', &clock_class)) != 0 ||
            (r = get_trivial_prop(MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "ClockClassWriter", 'b', &class_writer)) != 0 ||
            (r = get_strv_prop(MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "Warnings", &warnings)) != 0 ||
            (r = get_trivial_prop(MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "SubscriptionCount", 'u', &n_subscriptions)) != 0 ||
            (r = get_trivial_prop(MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "LastSequence", 't', &last_seq)) != 0)
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
                if (r == 0)
                        r = read_offsets(&res[i]);
        }
        ptpsync_resource_list_free(list);
        if (r != 0)
                goto finish;

        if (arg_json) {
                json_begin_object();
                json_member_string("node", node);
                json_member_string("version", version);
                json_member_string("sync_state", sync_state);
                json_member_uint("clock_class", clock_class);
                json_member_bool("clock_class_writer", class_writer);
                json_key("warnings");
                json_begin_array();
                for (char **w = warnings; w && *w; w++)
                        json_string(*w);
                json_end_array();
                json_member_uint("subscriptions", n_subscriptions);
                json_member_uint("last_sequence", last_seq);
                json_key("resources");
                json_begin_array();
                for (size_t i = 0; i < n; i++) {
                        char t[64];

                        json_begin_object();
                        json_member_string("address", res[i].address);
                        json_member_string("kind", res[i].kind);
                        json_member_string("value", res[i].value);
                        json_key("last_change");
                        if (res[i].last_change > 0) {
                                format_rfc3339(t, sizeof t, (int64_t) res[i].last_change);
                                json_string(t);
                        } else
                                json_null();
                        json_member_uint("sequence", res[i].sequence);
                        json_key("clocks");
                        json_begin_array();
                        for (size_t j = 0; j < res[i].n_clocks; j++) {
                                json_begin_object();
                                json_member_string("address", res[i].clocks[j].address);
                                json_member_string("value", res[i].clocks[j].value);
                                if (res[i].clocks[j].has_offset)
                                        json_member_int("offset", res[i].clocks[j].offset);
                                if (res[i].clocks[j].has_gps_fix)
                                        json_member_int("gps_fix", res[i].clocks[j].gps_fix);
                                json_end_object();
                        }
                        json_end_array();
                        json_end_object();
                }
                json_end_array();
                json_end_object();
                json_end_document();
                goto finish;
        }

        printf("           Node: %s\n", node);
        printf("     Sync state: ");
        print_value(isempty(sync_state) ? "n/a" : sync_state, 0);
        if (clock_class > 0)
                printf("\n    Clock class: %u\n", clock_class);
        else
                printf("\n    Clock class: n/a\n");
        if (class_writer)
                printf("   Class writer: on (the grandmaster's class is written into ptp4l)\n");
        for (char **w = warnings; w && *w; w++)
                printf("        Warning: %s\n", *w);
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
                        if (res[i].clocks[j].has_offset)
                                printf(" offset %" PRId64 " ns", res[i].clocks[j].offset);
                        if (res[i].clocks[j].has_gps_fix)
                                printf(" gpsFix %" PRId64, res[i].clocks[j].gps_fix);
                        putchar('\n');
                }
        }
finish:
        for (size_t i = 0; i < n; i++)
                resource_clear(&res[i]);
        free(res);
        return r;
}

/* ---- list, get ---- */

int verb_list(char **args) {
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
                        json_begin_object();
                        json_member_string("address", a);
                        json_member_string("kind", k);
                        json_member_string("object_path", p);
                        json_end_object();
                        json_end_document();
                } else
                        printf("%-*s %-*s %s\n", (int) w, a, (int) wk, k, p);
        }
        if (!arg_json && arg_legend)
                printf("\n%zu resources listed.\n", n);
        ptpsync_resource_list_free(list);
        return 0;
}

int verb_get(char **args) {
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
