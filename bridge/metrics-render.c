/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The registry written out as the text exposition format 0.0.4.
 *
 * Offsets are in seconds, not in the daemon's nanoseconds: Prometheus
 * wants base units (and promtool's lint says so), and PromQL and dashboards
 * then scale them like node_timex_offset_seconds. Nothing is lost: they are
 * written as exact decimals ("0.000000042").
 *
 * States are node_exporter's enum style (node_systemd_unit_state): one
 * series per possible state, 1 for the current one and 0 for the others,
 * so that a query needs no table of codes and a change of state shows.
 */
#include <inttypes.h>

#include "metrics-private.h"
#include "metrics-text.h"

typedef enum Where { WHERE_PTP, WHERE_GNSS, WHERE_OS_CLOCK, WHERE_SYNC } Where;
typedef enum Field { FIELD_STATE, FIELD_OFFSET, FIELD_CLOCK_CLASS, FIELD_GPS_FIX } Field;

/* A family without samples is left out whole: a HELP for nothing says nothing. */
static void append_family(GString *out, const char *name, const char *type, const char *help, const GString *samples) {
        if (samples->len == 0)
                return;
        metrics_text_append_header(out, name, type, help);
        g_string_append_len(out, samples->str, (gssize) samples->len);
}

/* One clock's samples of a field; clock NULL: a per-node value, no clock label. */
static void append_clock(GString *out, const char *name, const char *node, const char *clock, const MetricsClock *c,
                         Field f, const char *const *states) {
        const char *labels[7] = { "node", node };
        size_t n = 2;
        char number[16];

        if (clock) {
                labels[n++] = "clock";
                labels[n++] = clock;
        }
        switch (f) {
        case FIELD_STATE:
                if (c->state == METRICS_NO_VALUE)
                        return;
                labels[n++] = "state";
                for (int i = 0; states[i]; i++) {
                        labels[n] = states[i];
                        metrics_text_append_sample(out, name, labels, i == c->state ? "1" : "0");
                }
                return;
        case FIELD_OFFSET:
                if (c->offset_seconds)
                        metrics_text_append_sample(out, name, labels, c->offset_seconds);
                return;
        case FIELD_CLOCK_CLASS:
        case FIELD_GPS_FIX: {
                int v = f == FIELD_CLOCK_CLASS ? c->clock_class : c->gps_fix;

                if (v == METRICS_NO_VALUE)
                        return;
                g_snprintf(number, sizeof(number), "%d", v);
                metrics_text_append_sample(out, name, labels, number);
                return;
        }
        }
}

static void append_clocks(GString *out, const char *name, const char *node, GTree *clocks, Field f,
                          const char *const *states) {
        for (GTreeNode *i = g_tree_node_first(clocks); i; i = g_tree_node_next(i))
                append_clock(out, name, node, g_tree_node_key(i), g_tree_node_value(i), f, states);
}

/* A family of the node's state: one field of one kind of clock, over all nodes. */
static void append_node_family(GString *out, const Metrics *m, const char *name, const char *help, Where w, Field f,
                               const char *const *states) {
        g_autoptr(GString) samples = g_string_new(NULL);

        for (GTreeNode *i = g_tree_node_first(m->nodes); i; i = g_tree_node_next(i)) {
                const char *node = g_tree_node_key(i);
                const MetricsNode *n = g_tree_node_value(i);

                switch (w) {
                case WHERE_PTP:
                        append_clocks(samples, name, node, n->ptp, f, states);
                        break;
                case WHERE_GNSS:
                        append_clocks(samples, name, node, n->gnss, f, states);
                        break;
                case WHERE_OS_CLOCK:
                        append_clock(samples, name, node, NULL, &n->os_clock, f, states);
                        break;
                case WHERE_SYNC:
                        append_clock(samples, name, node, NULL, &n->sync, f, states);
                        break;
                }
        }
        append_family(out, name, "gauge", help, samples);
}

static void append_deliveries(GString *out, const Metrics *m) {
        static const MetricsDelivery sorted[] = { METRICS_DEAD_LETTERED, METRICS_DELIVERED, METRICS_RETRIED };
        static const char name[] = "ptpsync_http_deliveries_total";
        g_autoptr(GString) samples = g_string_new(NULL);

        G_STATIC_ASSERT(G_N_ELEMENTS(sorted) == _METRICS_DELIVERY_MAX);
        for (GTreeNode *i = g_tree_node_first(m->deliveries); i; i = g_tree_node_next(i)) {
                const MetricsDeliveries *d = g_tree_node_value(i);

                /* All three results from the first attempt on: a rate over a series that appears late is wrong. */
                for (size_t j = 0; j < G_N_ELEMENTS(sorted); j++) {
                        const char *labels[] = { "subscription", g_tree_node_key(i), "resource", d->resource,
                                                 "result", metrics_delivery_results[sorted[j]], NULL };
                        char count[24];

                        g_snprintf(count, sizeof(count), "%" PRIu64, d->count[sorted[j]]);
                        metrics_text_append_sample(samples, name, labels, count);
                }
        }
        append_family(out, name, "counter", "Event deliveries to subscribers' endpoints, by subscription and result.",
                      samples);
}

static void append_requests(GString *out, const Metrics *m) {
        static const char name[] = "ptpsync_http_requests_total";
        g_autoptr(GString) samples = g_string_new(NULL);

        for (GTreeNode *i = g_tree_node_first(m->requests); i; i = g_tree_node_next(i)) {
                const MetricsRequest *r = g_tree_node_value(i);
                char code[16], count[24];
                const char *labels[] = { "api", metrics_apis[r->api], "route", r->route, "method", r->method,
                                         "code", code, NULL };

                g_snprintf(code, sizeof(code), "%u", r->status);
                g_snprintf(count, sizeof(count), "%" PRIu64, r->count);
                metrics_text_append_sample(samples, name, labels, count);
        }
        append_family(out, name, "counter", "HTTP requests answered, by API, route template, method and status code.",
                      samples);
}

static void append_subscriptions(GString *out, const Metrics *m) {
        static const char name[] = "ptpsync_http_subscriptions";
        g_autoptr(GString) samples = g_string_new(NULL);

        for (size_t i = 0; i < METRICS_N_APIS; i++) {
                const char *labels[] = { "api", metrics_apis[i], NULL };
                char n[16];

                if (!m->has_subscriptions[i])
                        continue;
                g_snprintf(n, sizeof(n), "%u", m->subscriptions[i]);
                metrics_text_append_sample(samples, name, labels, n);
        }
        append_family(out, name, "gauge", "The subscriptions of an API.", samples);
}

static void append_dropped(GString *out, const Metrics *m) {
        static const char name[] = "ptpsync_metrics_series_dropped_total";
        g_autoptr(GString) samples = g_string_new(NULL);
        char n[24];

        /* Always there, 0 included: its absence would not say "nothing dropped". */
        g_snprintf(n, sizeof(n), "%" PRIu64, m->dropped_series);
        metrics_text_append_sample(samples, name, NULL, n);
        append_family(out, name, "counter",
                      "Observations not recorded because a new series would have passed a cardinality cap.", samples);
}

char *metrics_render(const Metrics *m) {
        GString *out;

        g_return_val_if_fail(m, NULL);

        out = g_string_new(NULL);
        /* The families in the order of their names. */
        append_node_family(out, m, "ptpsync_clock_class",
                           "The clock class a PTP clock announces or follows (O-RAN clock-class).", WHERE_PTP,
                           FIELD_CLOCK_CLASS, NULL);
        append_node_family(out, m, "ptpsync_clock_offset_seconds",
                           "The last measured offset of a PTP clock from its master (O-RAN lock-state).", WHERE_PTP,
                           FIELD_OFFSET, NULL);
        append_node_family(out, m, "ptpsync_clock_state",
                           "The lock state of a PTP clock (O-RAN lock-state): 1 for the current state, 0 for the others.",
                           WHERE_PTP, FIELD_STATE, metrics_sync_states);
        append_node_family(out, m, "ptpsync_gnss_gps_fix",
                           "The fix of a GNSS receiver, as u-blox's gpsFix: 0 none, 2 2D, 3 3D, 5 time only "
                           "(O-RAN gnss-sync-status, its gpsFix metric).",
                           WHERE_GNSS, FIELD_GPS_FIX, NULL);
        append_node_family(out, m, "ptpsync_gnss_offset_seconds",
                           "The last measured offset of a GNSS receiver (O-RAN gnss-sync-status).", WHERE_GNSS,
                           FIELD_OFFSET, NULL);
        append_node_family(out, m, "ptpsync_gnss_state",
                           "The state of a GNSS receiver (O-RAN gnss-sync-status): 1 for the current state, 0 for the others.",
                           WHERE_GNSS, FIELD_STATE, metrics_gnss_states);
        append_deliveries(out, m);
        append_requests(out, m);
        append_subscriptions(out, m);
        append_dropped(out, m);
        append_node_family(out, m, "ptpsync_os_clock_offset_seconds",
                           "The last measured offset of the system clock, CLOCK_REALTIME (O-RAN os-clock-sync-state).",
                           WHERE_OS_CLOCK, FIELD_OFFSET, NULL);
        append_node_family(out, m, "ptpsync_os_clock_state",
                           "The sync state of the system clock (O-RAN os-clock-sync-state): 1 for the current state, "
                           "0 for the others.",
                           WHERE_OS_CLOCK, FIELD_STATE, metrics_sync_states);
        append_node_family(out, m, "ptpsync_sync_state",
                           "The node's overall sync state (O-RAN sync-state): 1 for the current state, 0 for the others.",
                           WHERE_SYNC, FIELD_STATE, metrics_sync_states);
        return g_string_free(out, false);
}
