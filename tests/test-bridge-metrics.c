/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bridge's metrics registry: exact exposition lines after sequences of
 * events and requests, and (with --promtool) a busy registry's output
 * through `promtool check metrics`, lint included.
 */
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "metrics-text.h"
#include "metrics.h"
#include "test-util.h"

#define NODE "/cluster/node/node1"
#define LOCK_STATE NODE "/sync/ptp-status/lock-state"
#define CLOCK_CLASS NODE "/sync/ptp-status/clock-class"
#define OS_CLOCK NODE "/sync/sync-status/os-clock-sync-state"
#define SYNC_STATE NODE "/sync/sync-status/sync-state"
#define GNSS NODE "/sync/gnss-status/gnss-sync-status"

#define STATE(address, v) { address, "notification", "enumeration", v }
#define METRIC(address, v) { address, "metric", "decimal64.3", v }

static void observe(Metrics *m, const char *source, const OranValue *values, size_t n) {
        const OranEvent e = {
                .seq = 1,
                .id = "8b2c4d1e-0000-4000-8000-000000000001",
                .type = "event.sync.ptp-status.ptp-state-change",
                .source = source,
                .time_usec = 1700000000000000,
                .values = values,
                .n_values = n,
        };

        metrics_observe_event(m, &e);
}

#define OBSERVE(m, source, ...)                                          \
        do {                                                             \
                const OranValue values_[] = { __VA_ARGS__ };             \
                observe(m, source, values_, G_N_ELEMENTS(values_));      \
        } while (0)

/* The sample lines of one family (HELP and TYPE left out), each ending in a newline. */
static char *samples_of(const Metrics *m, const char *name) {
        g_autofree char *text = metrics_render(m);
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        GString *out = g_string_new(NULL);
        size_t len = strlen(name);

        for (size_t i = 0; lines[i]; i++)
                if (strncmp(lines[i], name, len) == 0 && (lines[i][len] == '{' || lines[i][len] == ' '))
                        g_string_append_printf(out, "%s\n", lines[i]);
        return g_string_free(out, false);
}

static void assert_samples(const Metrics *m, const char *name, const char *expected) {
        g_autofree char *got = samples_of(m, name);

        g_assert_cmpstr(got, ==, expected);
}

/* ---- the text format's pieces ---- */

typedef struct SecondsCase {
        const char *ns, *seconds; /* NULL: refused */
} SecondsCase;

static const SecondsCase seconds_cases[] = {
        { "0", "0" },
        { "-0", "0" },
        { "-0.000", "0" },
        { "42", "0.000000042" },
        { "-42", "-0.000000042" },
        { "1000000000", "1" },
        { "-1500000000", "-1.5" },
        { "17.5", "0.0000000175" },
        { "-0.001", "-0.000000000001" },
        { "007", "0.000000007" },
        { "18446744073709551615", "18446744073.709551615" },
        { "18446744073709551616", NULL }, /* past uint64 */
        { "", NULL },
        { "-", NULL },
        { "abc", NULL },
        { "12abc", NULL },
        { "1e3", NULL },
        { "NaN", NULL },
        { "inf", NULL },
        { " 1", NULL },
        { "1 ", NULL },
        { "+1", NULL },
        { "--1", NULL },
        { "1.", NULL },
        { ".5", NULL },
        { "1.2345", NULL }, /* decimal64.3: three digits at most */
        { "0x10", NULL },
        { "1,5", NULL },
};

static void test_seconds(gconstpointer p) {
        const SecondsCase *c = p;
        g_autofree char *got = metrics_text_seconds_from_ns(c->ns);

        g_assert_cmpstr(got, ==, c->seconds);
}

static const char *const bad_uints[] = { "256", "-1", "", "6.0", "+6", " 6", "6x", "99999999999999999999999" };

static void test_parse_uint(void) {
        unsigned v = 0;

        g_assert_true(metrics_text_parse_uint("0", 255, &v));
        g_assert_cmpuint(v, ==, 0);
        g_assert_true(metrics_text_parse_uint("248", 255, &v));
        g_assert_cmpuint(v, ==, 248);
        g_assert_true(metrics_text_parse_uint("255", 255, &v));
        g_assert_cmpuint(v, ==, 255);
        for (size_t i = 0; i < G_N_ELEMENTS(bad_uints); i++) {
                v = 7;
                g_assert_false(metrics_text_parse_uint(bad_uints[i], 255, &v));
                g_assert_cmpuint(v, ==, 7);
        }
        g_assert_false(metrics_text_parse_uint(NULL, 255, &v));
}

static void test_escaping(void) {
        g_autoptr(GString) out = g_string_new(NULL);
        const char *labels[] = { "a", "back\\slash", "b", "say \"hi\"", "c", "two\nlines", "d", "tab\tcr\r",
                                 "e", "bad\xff" "byte", NULL };

        metrics_text_append_sample(out, "x", labels, "1");
        g_assert_cmpstr(out->str, ==,
                        "x{a=\"back\\\\slash\",b=\"say \\\"hi\\\"\",c=\"two\\nlines\",d=\"tab\tcr\r\","
                        "e=\"bad\xef\xbf\xbd" "byte\"} 1\n");

        g_string_truncate(out, 0);
        metrics_text_append_sample(out, "y", NULL, "2");
        g_assert_cmpstr(out->str, ==, "y 2\n");

        /* HELP escapes backslash and line feed, and leaves double quotes. */
        g_string_truncate(out, 0);
        metrics_text_append_header(out, "z", "gauge", "a \"b\" c\\d\ne");
        g_assert_cmpstr(out->str, ==, "# HELP z a \"b\" c\\\\d\\ne\n# TYPE z gauge\n");
}

/* ---- the registry ---- */

static void test_empty(void) {
        g_autoptr(Metrics) m = metrics_new();
        g_autofree char *text = metrics_render(m);

        g_assert_cmpstr(text, ==,
                        "# HELP ptpsync_metrics_series_dropped_total Observations not recorded because a new series "
                        "would have passed a cardinality cap.\n"
                        "# TYPE ptpsync_metrics_series_dropped_total counter\n"
                        "ptpsync_metrics_series_dropped_total 0\n");
}

static void test_lock_state(void) {
        g_autoptr(Metrics) m = metrics_new();

        OBSERVE(m, LOCK_STATE, STATE("ens1fx/master", "LOCKED"), METRIC("ens1fx/master", "-42"));
        assert_samples(m, "ptpsync_clock_state",
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens1fx/master\",state=\"FREERUN\"} 0\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens1fx/master\",state=\"HOLDOVER\"} 0\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens1fx/master\",state=\"LOCKED\"} 1\n");
        assert_samples(m, "ptpsync_clock_offset_seconds",
                       "ptpsync_clock_offset_seconds{node=\"node1\",clock=\"ens1fx/master\"} -0.000000042\n");

        OBSERVE(m, LOCK_STATE, STATE("ens1fx/master", "FREERUN"), METRIC("ens1fx/master", "1500000000"));
        assert_samples(m, "ptpsync_clock_state",
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens1fx/master\",state=\"FREERUN\"} 1\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens1fx/master\",state=\"HOLDOVER\"} 0\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens1fx/master\",state=\"LOCKED\"} 0\n");
        assert_samples(m, "ptpsync_clock_offset_seconds",
                       "ptpsync_clock_offset_seconds{node=\"node1\",clock=\"ens1fx/master\"} 1.5\n");

        /* An offset that is not a number is skipped; the last good one stays, and the state still counts. */
        OBSERVE(m, LOCK_STATE, STATE("ens1fx/master", "HOLDOVER"), METRIC("ens1fx/master", "12abc"));
        assert_samples(m, "ptpsync_clock_state",
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens1fx/master\",state=\"FREERUN\"} 0\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens1fx/master\",state=\"HOLDOVER\"} 1\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens1fx/master\",state=\"LOCKED\"} 0\n");
        assert_samples(m, "ptpsync_clock_offset_seconds",
                       "ptpsync_clock_offset_seconds{node=\"node1\",clock=\"ens1fx/master\"} 1.5\n");

        /* An unknown state is not stored either: HOLDOVER stays (and so does the offset). */
        OBSERVE(m, LOCK_STATE, STATE("ens1fx/master", "LOCKED-ISH"));
        assert_samples(m, "ptpsync_clock_offset_seconds",
                       "ptpsync_clock_offset_seconds{node=\"node1\",clock=\"ens1fx/master\"} 1.5\n");
        assert_samples(m, "ptpsync_clock_state",
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens1fx/master\",state=\"FREERUN\"} 0\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens1fx/master\",state=\"HOLDOVER\"} 1\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens1fx/master\",state=\"LOCKED\"} 0\n");
}

/* A current state carries every clock; the clocks sort by name whatever the order they came in. */
static void test_current_state(void) {
        g_autoptr(Metrics) m = metrics_new();

        OBSERVE(m, LOCK_STATE, STATE("ens2fx/master", "LOCKED"), METRIC("ens2fx/master", "3"),
                STATE("ens1fx/master", "FREERUN"), METRIC("ens1fx/master", "-1000000"));
        assert_samples(m, "ptpsync_clock_offset_seconds",
                       "ptpsync_clock_offset_seconds{node=\"node1\",clock=\"ens1fx/master\"} -0.001\n"
                       "ptpsync_clock_offset_seconds{node=\"node1\",clock=\"ens2fx/master\"} 0.000000003\n");
        assert_samples(m, "ptpsync_clock_state",
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens1fx/master\",state=\"FREERUN\"} 1\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens1fx/master\",state=\"HOLDOVER\"} 0\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens1fx/master\",state=\"LOCKED\"} 0\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens2fx/master\",state=\"FREERUN\"} 0\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens2fx/master\",state=\"HOLDOVER\"} 0\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens2fx/master\",state=\"LOCKED\"} 1\n");
}

static void test_clock_class(void) {
        g_autoptr(Metrics) m = metrics_new();

        OBSERVE(m, CLOCK_CLASS, METRIC("ens1fx/master", "6"));
        assert_samples(m, "ptpsync_clock_class", "ptpsync_clock_class{node=\"node1\",clock=\"ens1fx/master\"} 6\n");
        OBSERVE(m, CLOCK_CLASS, METRIC("ens1fx/master", "248"));
        assert_samples(m, "ptpsync_clock_class", "ptpsync_clock_class{node=\"node1\",clock=\"ens1fx/master\"} 248\n");
        /* Not a clock class: skipped, 248 stays. */
        OBSERVE(m, CLOCK_CLASS, METRIC("ens1fx/master", "256"));
        OBSERVE(m, CLOCK_CLASS, METRIC("ens1fx/master", "6.5"));
        OBSERVE(m, CLOCK_CLASS, METRIC("ens1fx/master", "x"));
        assert_samples(m, "ptpsync_clock_class", "ptpsync_clock_class{node=\"node1\",clock=\"ens1fx/master\"} 248\n");
        /* The class is a value of its own: no state nor offset came with it. */
        assert_samples(m, "ptpsync_clock_state", "");
        assert_samples(m, "ptpsync_clock_offset_seconds", "");
}

static void test_sync_state(void) {
        g_autoptr(Metrics) m = metrics_new();

        OBSERVE(m, SYNC_STATE, STATE("sync/sync-status/sync-state", "HOLDOVER"));
        assert_samples(m, "ptpsync_sync_state",
                       "ptpsync_sync_state{node=\"node1\",state=\"FREERUN\"} 0\n"
                       "ptpsync_sync_state{node=\"node1\",state=\"HOLDOVER\"} 1\n"
                       "ptpsync_sync_state{node=\"node1\",state=\"LOCKED\"} 0\n");
        OBSERVE(m, SYNC_STATE, STATE("sync/sync-status/sync-state", "LOCKED"));
        assert_samples(m, "ptpsync_sync_state",
                       "ptpsync_sync_state{node=\"node1\",state=\"FREERUN\"} 0\n"
                       "ptpsync_sync_state{node=\"node1\",state=\"HOLDOVER\"} 0\n"
                       "ptpsync_sync_state{node=\"node1\",state=\"LOCKED\"} 1\n");
        /* Neither the clocks' families nor the OS clock's hear of it. */
        assert_samples(m, "ptpsync_clock_state", "");
        assert_samples(m, "ptpsync_os_clock_state", "");
}

static void test_os_clock(void) {
        g_autoptr(Metrics) m = metrics_new();

        OBSERVE(m, OS_CLOCK, STATE("CLOCK_REALTIME", "LOCKED"), METRIC("CLOCK_REALTIME", "-7"));
        assert_samples(m, "ptpsync_os_clock_state",
                       "ptpsync_os_clock_state{node=\"node1\",state=\"FREERUN\"} 0\n"
                       "ptpsync_os_clock_state{node=\"node1\",state=\"HOLDOVER\"} 0\n"
                       "ptpsync_os_clock_state{node=\"node1\",state=\"LOCKED\"} 1\n");
        assert_samples(m, "ptpsync_os_clock_offset_seconds",
                       "ptpsync_os_clock_offset_seconds{node=\"node1\"} -0.000000007\n");
        assert_samples(m, "ptpsync_clock_state", "");
}

/* A state without an offset (the daemon measured none: its source is unreachable): the old offset is not shown. */
static void test_no_offset(void) {
        g_autoptr(Metrics) m = metrics_new();

        OBSERVE(m, LOCK_STATE, STATE("ens1fx/master", "LOCKED"), METRIC("ens1fx/master", "-42"),
                STATE("ens2fx/master", "LOCKED"), METRIC("ens2fx/master", "5"));
        OBSERVE(m, OS_CLOCK, STATE("CLOCK_REALTIME", "LOCKED"), METRIC("CLOCK_REALTIME", "-7"));
        OBSERVE(m, LOCK_STATE, STATE("ens1fx/master", "HOLDOVER"));
        OBSERVE(m, OS_CLOCK, STATE("CLOCK_REALTIME", "HOLDOVER"));
        assert_samples(m, "ptpsync_clock_offset_seconds",
                       "ptpsync_clock_offset_seconds{node=\"node1\",clock=\"ens2fx/master\"} 0.000000005\n");
        assert_samples(m, "ptpsync_os_clock_offset_seconds", "");
        assert_samples(m, "ptpsync_clock_state",
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens1fx/master\",state=\"FREERUN\"} 0\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens1fx/master\",state=\"HOLDOVER\"} 1\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens1fx/master\",state=\"LOCKED\"} 0\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens2fx/master\",state=\"FREERUN\"} 0\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens2fx/master\",state=\"HOLDOVER\"} 0\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens2fx/master\",state=\"LOCKED\"} 1\n");

        /* Measured again: shown again. */
        OBSERVE(m, LOCK_STATE, STATE("ens1fx/master", "LOCKED"), METRIC("ens1fx/master", "3"));
        assert_samples(m, "ptpsync_clock_offset_seconds",
                       "ptpsync_clock_offset_seconds{node=\"node1\",clock=\"ens1fx/master\"} 0.000000003\n"
                       "ptpsync_clock_offset_seconds{node=\"node1\",clock=\"ens2fx/master\"} 0.000000005\n");
}

static void test_gnss(void) {
        g_autoptr(Metrics) m = metrics_new();

        /* The first metric of the receiver is its offset; a further one is not taken for it. */
        OBSERVE(m, GNSS, STATE("ens2fx/master", "SYNCHRONIZED"), METRIC("ens2fx/master", "5"),
                METRIC("ens2fx/master", "999"));
        assert_samples(m, "ptpsync_gnss_offset_seconds",
                       "ptpsync_gnss_offset_seconds{node=\"node1\",clock=\"ens2fx/master\"} 0.000000005\n");
        OBSERVE(m, GNSS, STATE("ens2fx/master", "FAILURE-NOFIX"), STATE("ens2fx/master", "NO-SUCH-STATE"));
        assert_samples(m, "ptpsync_gnss_state",
                       "ptpsync_gnss_state{node=\"node1\",clock=\"ens2fx/master\",state=\"ACQUIRING-SYNC\"} 0\n"
                       "ptpsync_gnss_state{node=\"node1\",clock=\"ens2fx/master\",state=\"ANTENNA-DISCONNECTED\"} 0\n"
                       "ptpsync_gnss_state{node=\"node1\",clock=\"ens2fx/master\",state=\"ANTENNA-SHORT-CIRCUIT\"} 0\n"
                       "ptpsync_gnss_state{node=\"node1\",clock=\"ens2fx/master\",state=\"BOOTING\"} 0\n"
                       "ptpsync_gnss_state{node=\"node1\",clock=\"ens2fx/master\",state=\"FAILURE-LOW-SNR\"} 0\n"
                       "ptpsync_gnss_state{node=\"node1\",clock=\"ens2fx/master\",state=\"FAILURE-MULTIPATH\"} 0\n"
                       "ptpsync_gnss_state{node=\"node1\",clock=\"ens2fx/master\",state=\"FAILURE-NOFIX\"} 1\n"
                       "ptpsync_gnss_state{node=\"node1\",clock=\"ens2fx/master\",state=\"FAILURE-PLL\"} 0\n"
                       "ptpsync_gnss_state{node=\"node1\",clock=\"ens2fx/master\",state=\"SYNCHRONIZED\"} 0\n");
        /* A GNSS receiver is not a PTP clock. */
        assert_samples(m, "ptpsync_clock_state", "");
        assert_samples(m, "ptpsync_clock_offset_seconds", "");
        assert_samples(m, "ptpsync_gnss_gps_fix", "");
}

/* The gpsFix metric at ADDRESS/gpsFix: its own gauge of the receiver, neither an offset nor a receiver of its own. */
static void test_gnss_gps_fix(void) {
        g_autoptr(Metrics) m = metrics_new();

        OBSERVE(m, GNSS, STATE("ens2fx/master", "SYNCHRONIZED"), METRIC("ens2fx/master/gpsFix", "5"),
                METRIC("ens2fx/master", "20"));
        assert_samples(m, "ptpsync_gnss_gps_fix", "ptpsync_gnss_gps_fix{node=\"node1\",clock=\"ens2fx/master\"} 5\n");
        assert_samples(m, "ptpsync_gnss_offset_seconds",
                       "ptpsync_gnss_offset_seconds{node=\"node1\",clock=\"ens2fx/master\"} 0.00000002\n");
        /* Out of range or not a number: not taken, and not taken for an offset either. */
        OBSERVE(m, GNSS, STATE("ens2fx/master", "FAILURE-NOFIX"), METRIC("ens2fx/master/gpsFix", "6"),
                METRIC("ens2fx/master/gpsFix", "-1"), METRIC("ens2fx/master/gpsFix", "x"));
        assert_samples(m, "ptpsync_gnss_gps_fix", "ptpsync_gnss_gps_fix{node=\"node1\",clock=\"ens2fx/master\"} 5\n");
        OBSERVE(m, GNSS, STATE("ens2fx/master", "FAILURE-NOFIX"), METRIC("ens2fx/master/gpsFix", "0"));
        assert_samples(m, "ptpsync_gnss_gps_fix", "ptpsync_gnss_gps_fix{node=\"node1\",clock=\"ens2fx/master\"} 0\n");
        /* A lock-state's value so named is an offset like any other: gpsFix is GNSS's only. */
        OBSERVE(m, LOCK_STATE, STATE("ens1fx/master/gpsFix", "LOCKED"), METRIC("ens1fx/master/gpsFix", "3"));
        assert_samples(m, "ptpsync_clock_offset_seconds",
                       "ptpsync_clock_offset_seconds{node=\"node1\",clock=\"ens1fx/master/gpsFix\"} 0.000000003\n");
}

/* ptpsyncd gone: its states go, the counters stay, and the next daemon's clocks have the whole cap. */
static void test_forget_states(void) {
        g_autoptr(Metrics) m = metrics_new();
        g_autofree char *after = NULL;

        OBSERVE(m, LOCK_STATE, STATE("ens1fx/master", "LOCKED"), METRIC("ens1fx/master", "3"));
        OBSERVE(m, GNSS, STATE("ens2fx/master", "SYNCHRONIZED"), METRIC("ens2fx/master/gpsFix", "3"));
        OBSERVE(m, SYNC_STATE, STATE("sync/sync-status/sync-state", "LOCKED"));
        metrics_count_request(m, "v2", "/health", "GET", 200);
        metrics_forget_states(m);
        after = metrics_render(m);
        g_assert_null(strstr(after, "ens1fx"));
        g_assert_null(strstr(after, "ens2fx"));
        g_assert_null(strstr(after, "ptpsync_sync_state"));
        assert_samples(m, "ptpsync_http_requests_total",
                       "ptpsync_http_requests_total{api=\"v2\",route=\"/health\",method=\"GET\",code=\"200\"} 1\n");
        /* A new daemon's clock is taken again. */
        OBSERVE(m, LOCK_STATE, STATE("ens3fx/master", "HOLDOVER"));
        assert_samples(m, "ptpsync_clock_state",
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens3fx/master\",state=\"FREERUN\"} 0\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens3fx/master\",state=\"HOLDOVER\"} 1\n"
                       "ptpsync_clock_state{node=\"node1\",clock=\"ens3fx/master\",state=\"LOCKED\"} 0\n");
}

/* What the registry does not know leaves it as it was: no node, no series, nothing dropped. */
static void test_ignored(void) {
        g_autoptr(Metrics) m = metrics_new();
        g_autofree char *empty = metrics_render(m);
        g_autofree char *after = NULL;
        const OranValue nulls[] = { { NULL, NULL, NULL, NULL }, { "ens1fx/master", NULL, NULL, "LOCKED" },
                                    { "ens1fx/master", "notification", NULL, NULL }, { NULL, "notification", NULL, "LOCKED" },
                                    { NULL, "metric", NULL, "5" } };

        OBSERVE(m, NODE "/sync/synce-status/lock-state", STATE("ens1fx/master", "LOCKED"));
        OBSERVE(m, NODE "/sync/ptp-status/ptp-clock-class-change", METRIC("ens1fx/master", "6")); /* v1 spelling */
        OBSERVE(m, "/cluster/node//sync/ptp-status/lock-state", STATE("ens1fx/master", "LOCKED"));
        OBSERVE(m, "/elsewhere", STATE("ens1fx/master", "LOCKED"));
        OBSERVE(m, LOCK_STATE, STATE("ens1fx/master", "locked"), METRIC("ens1fx/master", "n/a"),
                { "ens1fx/master", "gauge", "decimal64.3", "5" });
        OBSERVE(m, CLOCK_CLASS, STATE("ens1fx/master", "6")); /* a class comes as a metric */
        OBSERVE(m, SYNC_STATE, METRIC("sync/sync-status/sync-state", "1"));
        observe(m, LOCK_STATE, nulls, G_N_ELEMENTS(nulls));
        observe(m, NULL, NULL, 0);

        after = metrics_render(m);
        g_assert_cmpstr(after, ==, empty);
}

static void test_odd_labels(void) {
        g_autoptr(Metrics) m = metrics_new();

        OBSERVE(m, "/cluster/node/we\"ird\\no\nde/sync/ptp-status/lock-state", STATE("a\"b\\c\nd", "LOCKED"));
        OBSERVE(m, "/cluster/node/bad\xff/sync/ptp-status/clock-class", METRIC("x", "7"));
        assert_samples(m, "ptpsync_clock_state",
                       "ptpsync_clock_state{node=\"we\\\"ird\\\\no\\nde\",clock=\"a\\\"b\\\\c\\nd\",state=\"FREERUN\"} 0\n"
                       "ptpsync_clock_state{node=\"we\\\"ird\\\\no\\nde\",clock=\"a\\\"b\\\\c\\nd\",state=\"HOLDOVER\"} 0\n"
                       "ptpsync_clock_state{node=\"we\\\"ird\\\\no\\nde\",clock=\"a\\\"b\\\\c\\nd\",state=\"LOCKED\"} 1\n");
        assert_samples(m, "ptpsync_clock_class", "ptpsync_clock_class{node=\"bad\xef\xbf\xbd\",clock=\"x\"} 7\n");
}

static void test_requests(void) {
        g_autoptr(Metrics) m = metrics_new();

        metrics_count_request(m, "v2", "/subscriptions", "POST", 201);
        metrics_count_request(m, "v2", "/subscriptions/{id}", "GET", 404);
        metrics_count_request(m, "v2", "/subscriptions", "POST", 201);
        metrics_count_request(m, "v1", "/subscriptions", "GET", 200);
        metrics_count_request(m, "v2", "other", "BREW", 405); /* a client's own method */
        metrics_count_request(m, "v2", "other", "PROPFIND", 405);
        metrics_count_request(m, "v2", "/subscriptions", "POST", 400);
        assert_samples(m, "ptpsync_http_requests_total",
                       "ptpsync_http_requests_total{api=\"v1\",route=\"/subscriptions\",method=\"GET\",code=\"200\"} 1\n"
                       "ptpsync_http_requests_total{api=\"v2\",route=\"/subscriptions\",method=\"POST\",code=\"201\"} 2\n"
                       "ptpsync_http_requests_total{api=\"v2\",route=\"/subscriptions\",method=\"POST\",code=\"400\"} 1\n"
                       "ptpsync_http_requests_total{api=\"v2\",route=\"/subscriptions/{id}\",method=\"GET\",code=\"404\"} 1\n"
                       "ptpsync_http_requests_total{api=\"v2\",route=\"other\",method=\"other\",code=\"405\"} 2\n");
}

static void test_deliveries(void) {
        g_autoptr(Metrics) m = metrics_new();
        const char *r1 = "/cluster/node/node1/sync/ptp-status/lock-state";
        const char *r2 = "/cluster/node/node1/sync/sync-status/sync-state";

        metrics_count_delivery(m, "b-sub", r2, METRICS_RETRIED);
        metrics_count_delivery(m, "b-sub", r2, METRICS_RETRIED);
        metrics_count_delivery(m, "b-sub", r2, METRICS_DEAD_LETTERED);
        metrics_count_delivery(m, "a-sub", r1, METRICS_DELIVERED);
        metrics_set_subscriptions(m, "v2", 2);
        metrics_set_subscriptions(m, "v1", 0);
        assert_samples(m, "ptpsync_http_deliveries_total",
                       "ptpsync_http_deliveries_total{subscription=\"a-sub\",resource=\"/cluster/node/node1/sync/ptp-status/lock-state\",result=\"dead_lettered\"} 0\n"
                       "ptpsync_http_deliveries_total{subscription=\"a-sub\",resource=\"/cluster/node/node1/sync/ptp-status/lock-state\",result=\"delivered\"} 1\n"
                       "ptpsync_http_deliveries_total{subscription=\"a-sub\",resource=\"/cluster/node/node1/sync/ptp-status/lock-state\",result=\"retried\"} 0\n"
                       "ptpsync_http_deliveries_total{subscription=\"b-sub\",resource=\"/cluster/node/node1/sync/sync-status/sync-state\",result=\"dead_lettered\"} 1\n"
                       "ptpsync_http_deliveries_total{subscription=\"b-sub\",resource=\"/cluster/node/node1/sync/sync-status/sync-state\",result=\"delivered\"} 0\n"
                       "ptpsync_http_deliveries_total{subscription=\"b-sub\",resource=\"/cluster/node/node1/sync/sync-status/sync-state\",result=\"retried\"} 2\n");
        assert_samples(m, "ptpsync_http_subscriptions",
                       "ptpsync_http_subscriptions{api=\"v1\"} 0\n"
                       "ptpsync_http_subscriptions{api=\"v2\"} 2\n");

        metrics_forget_subscription(m, "b-sub");
        metrics_forget_subscription(m, "never-was");
        metrics_set_subscriptions(m, "v2", 1);
        assert_samples(m, "ptpsync_http_deliveries_total",
                       "ptpsync_http_deliveries_total{subscription=\"a-sub\",resource=\"/cluster/node/node1/sync/ptp-status/lock-state\",result=\"dead_lettered\"} 0\n"
                       "ptpsync_http_deliveries_total{subscription=\"a-sub\",resource=\"/cluster/node/node1/sync/ptp-status/lock-state\",result=\"delivered\"} 1\n"
                       "ptpsync_http_deliveries_total{subscription=\"a-sub\",resource=\"/cluster/node/node1/sync/ptp-status/lock-state\",result=\"retried\"} 0\n");
        assert_samples(m, "ptpsync_http_subscriptions",
                       "ptpsync_http_subscriptions{api=\"v1\"} 0\n"
                       "ptpsync_http_subscriptions{api=\"v2\"} 1\n");

        /* Forgotten means gone: it comes back from zero. */
        metrics_count_delivery(m, "b-sub", r2, METRICS_DELIVERED);
        assert_samples(m, "ptpsync_http_deliveries_total",
                       "ptpsync_http_deliveries_total{subscription=\"a-sub\",resource=\"/cluster/node/node1/sync/ptp-status/lock-state\",result=\"dead_lettered\"} 0\n"
                       "ptpsync_http_deliveries_total{subscription=\"a-sub\",resource=\"/cluster/node/node1/sync/ptp-status/lock-state\",result=\"delivered\"} 1\n"
                       "ptpsync_http_deliveries_total{subscription=\"a-sub\",resource=\"/cluster/node/node1/sync/ptp-status/lock-state\",result=\"retried\"} 0\n"
                       "ptpsync_http_deliveries_total{subscription=\"b-sub\",resource=\"/cluster/node/node1/sync/sync-status/sync-state\",result=\"dead_lettered\"} 0\n"
                       "ptpsync_http_deliveries_total{subscription=\"b-sub\",resource=\"/cluster/node/node1/sync/sync-status/sync-state\",result=\"delivered\"} 1\n"
                       "ptpsync_http_deliveries_total{subscription=\"b-sub\",resource=\"/cluster/node/node1/sync/sync-status/sync-state\",result=\"retried\"} 0\n");
}

static size_t count_lines(const char *text, const char *prefix) {
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        size_t n = 0;

        for (size_t i = 0; lines[i]; i++)
                n += g_str_has_prefix(lines[i], prefix);
        return n;
}

static void test_caps(void) {
        g_autoptr(Metrics) m = metrics_new();
        g_autofree char *text = NULL;

        for (unsigned i = 0; i < METRICS_MAX_CLOCKS + 3; i++) {
                g_autofree char *clock = g_strdup_printf("ens%ufx/master", i);

                OBSERVE(m, CLOCK_CLASS, METRIC(clock, "6"));
        }
        /* Clocks already there still update when the cap is reached. */
        OBSERVE(m, CLOCK_CLASS, METRIC("ens0fx/master", "7"));
        for (unsigned i = 0; i < METRICS_MAX_NODES + 2; i++) {
                g_autofree char *source = g_strdup_printf("/cluster/node/n%02u/sync/sync-status/sync-state", i);

                OBSERVE(m, source, STATE("sync/sync-status/sync-state", "LOCKED"));
        }
        /* node1 came first: 15 of the 18 others fit, 3 are dropped (and 3 clocks above). */
        text = metrics_render(m);
        g_assert_cmpuint(count_lines(text, "ptpsync_clock_class{"), ==, METRICS_MAX_CLOCKS);
        g_assert_nonnull(strstr(text, "ptpsync_clock_class{node=\"node1\",clock=\"ens0fx/master\"} 7\n"));
        g_assert_cmpuint(count_lines(text, "ptpsync_sync_state{"), ==, 3 * (METRICS_MAX_NODES - 1));
        g_assert_nonnull(strstr(text, "ptpsync_metrics_series_dropped_total 6\n"));

        for (unsigned i = 0; i < METRICS_MAX_REQUEST_SERIES + 1; i++)
                metrics_count_request(m, "v2", "/x", "GET", 100 + i);
        g_free(text);
        text = metrics_render(m);
        g_assert_cmpuint(count_lines(text, "ptpsync_http_requests_total{"), ==, METRICS_MAX_REQUEST_SERIES);
        g_assert_nonnull(strstr(text, "ptpsync_metrics_series_dropped_total 7\n"));
}

/*
 * A registry with some of everything; odd: label values that need escaping too
 * (their lines do not sort as text: the series sort by their raw values).
 */
static Metrics *busy_registry(bool odd) {
        Metrics *m = metrics_new();

        OBSERVE(m, LOCK_STATE, STATE("ens1fx/master", "LOCKED"), METRIC("ens1fx/master", "-42"),
                STATE("ens2fx/master", "HOLDOVER"), METRIC("ens2fx/master", "17.5"));
        OBSERVE(m, CLOCK_CLASS, METRIC("ens1fx/master", "6"), METRIC("ens2fx/master", "248"));
        OBSERVE(m, OS_CLOCK, STATE("CLOCK_REALTIME", "FREERUN"), METRIC("CLOCK_REALTIME", "-1500000000"));
        OBSERVE(m, SYNC_STATE, STATE("sync/sync-status/sync-state", "FREERUN"));
        OBSERVE(m, GNSS, STATE("ens2fx/master", "ANTENNA-DISCONNECTED"), METRIC("ens2fx/master", "0"));
        if (odd)
                OBSERVE(m, "/cluster/node/we\"ird\\no\nde\t\xff/sync/ptp-status/lock-state",
                        STATE("a\"b\\c\nd", "LOCKED"), METRIC("a\"b\\c\nd", "18446744073709551615"));
        metrics_count_request(m, "v2", "/subscriptions", "POST", 201);
        metrics_count_request(m, "v2", "/{resource}/CurrentState", "GET", 200);
        metrics_count_request(m, "v1", "/subscriptions/{id}", "DELETE", 204);
        metrics_count_request(m, "v2", "other", "BREW", 404);
        metrics_count_delivery(m, "0b7e7a4c-1d2f-4b8a-9c3e-5f6a7b8c9d0e", "/cluster/node/node1/sync/ptp-status/lock-state",
                               METRICS_DELIVERED);
        if (odd)
                metrics_count_delivery(m, "\"odd\"\n", "/cluster/node/node1/sync/ptp-status/lock-state", METRICS_RETRIED);
        metrics_set_subscriptions(m, "v1", 1);
        metrics_set_subscriptions(m, "v2", 2);
        return m;
}

/* Families in name order, each one block: HELP, TYPE, then its samples, each sample after the one before. */
static void test_order(void) {
        g_autoptr(Metrics) m = busy_registry(false);
        g_autofree char *text = metrics_render(m);
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        g_autofree char *family = g_strdup("");
        g_autofree char *previous = NULL;
        size_t n_families = 0;

        g_assert_true(g_str_has_suffix(text, "\n"));
        for (size_t i = 0; lines[i] && lines[i][0]; i++) {
                if (g_str_has_prefix(lines[i], "# HELP ")) {
                        g_autofree char *name = g_strndup(lines[i] + 7, strcspn(lines[i] + 7, " "));
                        g_autofree char *type = g_strdup_printf("# TYPE %s ", name);

                        g_assert_cmpstr(name, >, family);
                        g_assert_true(g_str_has_prefix(lines[i + 1], type));
                        g_free(family);
                        family = g_steal_pointer(&name);
                        g_clear_pointer(&previous, g_free);
                        n_families++;
                        i++;
                        continue;
                }
                g_assert_true(g_str_has_prefix(lines[i], family));
                if (previous)
                        g_assert_cmpstr(lines[i], >, previous);
                g_free(previous);
                previous = g_strdup(lines[i]);
        }
        g_assert_cmpuint(n_families, ==, 12);
}

/* ---- promtool ---- */

/* promtool check metrics on text: true when it says nothing and exits 0; *ret_output what it said. */
static bool promtool_accepts(const char *promtool, const char *text, char **ret_output) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GSubprocess) p = g_subprocess_new(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                            G_SUBPROCESS_FLAGS_STDERR_MERGE,
                                                    &error, promtool, "check", "metrics", NULL);

        g_assert_no_error(error);
        g_assert_true(g_subprocess_communicate_utf8(p, text, NULL, ret_output, NULL, &error));
        g_assert_no_error(error);
        return g_subprocess_get_if_exited(p) && g_subprocess_get_exit_status(p) == 0 && **ret_output == '\0';
}

static void test_promtool(gconstpointer promtool) {
        g_autoptr(Metrics) m = busy_registry(true);
        g_autofree char *text = metrics_render(m);
        g_autofree char *output = NULL, *bad_output = NULL;

        if (!promtool_accepts(promtool, text, &output))
                g_error("promtool check metrics complained:\n%s\non:\n%s", output, text);
        /* The check can fail: a counter named like a gauge, without HELP, is refused. */
        g_assert_false(promtool_accepts(promtool, "# TYPE ptpsync_x counter\nptpsync_x 1\n", &bad_output));
        g_assert_nonnull(strstr(bad_output, "_total"));
}

int main(int argc, char *argv[]) {
        g_autofree char *promtool = NULL;

        /* --promtool: the promtool test alone, its own meson test, so that only it skips without promtool. */
        if (argc > 1 && strcmp(argv[1], "--promtool") == 0) {
                promtool = g_find_program_in_path("promtool");
                if (!promtool) {
                        printf("1..0 # SKIP: promtool (Debian package prometheus) is not in PATH\n");
                        return 77;
                }
                argv[1] = argv[0];
                argc--;
                argv++;
                g_test_init(&argc, &argv, NULL);
                g_test_add_data_func("/bridge-metrics/promtool", promtool, test_promtool);
                return g_test_run();
        }

        g_test_init(&argc, &argv, NULL);
        ADD_CASES("/bridge-metrics/text/seconds", seconds_cases, test_seconds);
        g_test_add_func("/bridge-metrics/text/parse-uint", test_parse_uint);
        g_test_add_func("/bridge-metrics/text/escaping", test_escaping);
        g_test_add_func("/bridge-metrics/empty", test_empty);
        g_test_add_func("/bridge-metrics/lock-state", test_lock_state);
        g_test_add_func("/bridge-metrics/current-state", test_current_state);
        g_test_add_func("/bridge-metrics/clock-class", test_clock_class);
        g_test_add_func("/bridge-metrics/sync-state", test_sync_state);
        g_test_add_func("/bridge-metrics/os-clock", test_os_clock);
        g_test_add_func("/bridge-metrics/gnss", test_gnss);
        g_test_add_func("/bridge-metrics/gnss-gps-fix", test_gnss_gps_fix);
        g_test_add_func("/bridge-metrics/forget-states", test_forget_states);
        g_test_add_func("/bridge-metrics/no-offset", test_no_offset);
        g_test_add_func("/bridge-metrics/ignored", test_ignored);
        g_test_add_func("/bridge-metrics/odd-labels", test_odd_labels);
        g_test_add_func("/bridge-metrics/requests", test_requests);
        g_test_add_func("/bridge-metrics/deliveries", test_deliveries);
        g_test_add_func("/bridge-metrics/caps", test_caps);
        g_test_add_func("/bridge-metrics/order", test_order);
        return g_test_run();
}
