/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsyncctl: what it prints, shared by the verbs: values (states coloured),
 * times, addresses without the node's prefix, and events in
 * text or in the O-RAN (CloudEvents) JSON shape.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ptpsync.h"
#include "ptpsyncctl.h"
#include "common/util.h"

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
void print_value(const char *s, int width) {
        const char *on = color_for_state(s);
        int len = (int) strlen(s);

        printf("%s%s%s", on ?: "", s, on ? "\x1b[0m" : "");
        if (width > len)
                printf("%*s", width - len, "");
}

/* RFC 3339 in UTC with microseconds: 2025-01-10T02:41:57.094981Z. */
void format_rfc3339(char *buf, size_t size, int64_t usec) {
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
void format_local(char *buf, size_t size, uint64_t usec) {
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
size_t node_prefix_len(const char *source) {
        const char *p;

        if (strncmp(source, "/cluster/node/", 14) != 0)
                return 0;
        p = strchr(source + 14, '/');
        return p ? (size_t) (p - source) + 1 : 0;
}

/* One event in the O-RAN v2 shape (CloudEvents 1.0 structured JSON), one document. */
static void print_event_json(const PtpsyncEvent *e) {
        const char *source = ptpsync_event_get_source(e);
        size_t plen = node_prefix_len(source);
        char t[64];

        format_rfc3339(t, sizeof t, ptpsync_event_get_time(e));
        json_begin_object();
        json_member_string("specversion", "1.0");
        json_member_string("id", ptpsync_event_get_id(e));
        json_member_string("source", short_source(source));
        json_member_string("type", ptpsync_event_get_type(e));
        json_member_string("time", t);
        json_key("data");
        json_begin_object();
        json_member_string("version", "1.0");
        json_key("values");
        json_begin_array();
        for (size_t i = 0; i < ptpsync_event_get_n_values(e); i++) {
                const char *address, *data_type, *value_type, *value;
                _cleanup_free_ char *full = NULL;

                if (ptpsync_event_get_value(e, i, &address, &data_type, &value_type, &value) < 0)
                        continue;
                /* ResourceAddress is the full address: the node's prefix and the relative one. */
                if (plen > 0 && asprintf(&full, "%.*s%s", (int) plen, source, address) < 0)
                        full = NULL;
                json_begin_object();
                json_member_string("ResourceAddress", full ?: address);
                json_member_string("data_type", data_type);
                json_member_string("value_type", value_type);
                json_member_string("value", value);
                json_end_object();
        }
        json_end_array();
        json_end_object();
        /* A dead letter's reason: a CloudEvents extension attribute (lower-case letters, at most 20). */
        if (ptpsync_event_get_dead_letter_reason(e))
                json_member_string("deadletterreason", ptpsync_event_get_dead_letter_reason(e));
        json_end_object();
        json_end_document();
}

/* One event for humans: TIME SEQ SOURCE address=VALUE[(metric)] ... [reason=REASON for a dead letter] */
static void print_event_text(const PtpsyncEvent *e) {
        const char *source = ptpsync_event_get_source(e);
        const char *relative = source + node_prefix_len(source);
        size_t n = ptpsync_event_get_n_values(e);
        char t[64];

        format_rfc3339(t, sizeof t, ptpsync_event_get_time(e));
        printf("%s %" PRIu64 " %s", t, ptpsync_event_get_seq(e), relative);
        for (size_t i = 0; i < n; i++) {
                const char *address, *data_type, *value, *next_address, *next_type, *next_value;

                if (ptpsync_event_get_value(e, i, &address, &data_type, NULL, &value) < 0)
                        continue;
                /* A value of the resource itself (sync-state, clock-class) is not named a second time. */
                if (streq(address, relative))
                        putchar(' ');
                else
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
        if (ptpsync_event_get_dead_letter_reason(e))
                printf(" reason=%s", ptpsync_event_get_dead_letter_reason(e));
        putchar('\n');
}

void print_event(const PtpsyncEvent *e) {
        if (arg_json)
                print_event_json(e);
        else
                print_event_text(e);
        fflush(stdout);
}

void print_event_list(const PtpsyncEventList *l) {
        for (size_t i = 0; i < ptpsync_event_list_get_n(l); i++)
                print_event(ptpsync_event_list_get(l, i));
}
