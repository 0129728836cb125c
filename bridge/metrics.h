/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bridge's Prometheus metrics, for GET /metrics on the v2 port (text
 * exposition format 0.0.4). A registry the bridge feeds; it does no I/O.
 *
 * Every label set is bounded: clocks and nodes by a cap (what does not fit
 * is counted in ptpsync_metrics_series_dropped_total), request routes by
 * the caller passing templates, methods by a fixed set, subscriptions by a
 * cap and by metrics_forget_subscription().
 */
#pragma once

#include <glib.h>

#include "oran-event.h"

#define METRICS_MAX_NODES 16
#define METRICS_MAX_CLOCKS 256        /* PTP clocks and GNSS receivers, over all nodes */
#define METRICS_MAX_REQUEST_SERIES 1024
#define METRICS_MAX_SUBSCRIPTIONS 4096

typedef struct Metrics Metrics;

Metrics *metrics_new(void);
void metrics_free(Metrics *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Metrics, metrics_free)

/*
 * One event of a node (a broadcast or a current state): the per-clock lock
 * state and offset, the clock class, the node's sync-state, the OS clock, GNSS.
 * Ignores resources and states it does not know; a value it cannot parse as
 * a number is skipped, and the last good one stays.
 */
void metrics_observe_event(Metrics *m, const OranEvent *e);
/*
 * Forgets every node's state (clocks, offsets, classes, GNSS, sync-state), keeping the counters:
 * ptpsyncd left the bus, so none of it is current, and the next one may have other clocks.
 */
void metrics_forget_states(Metrics *m);

/*
 * An HTTP request answered. api: "v1" | "v2"; route: a template such as
 * "/subscriptions/{id}", never a raw path ("other" for none matched);
 * a method outside the usual ones counts as "other".
 */
void metrics_count_request(Metrics *m, const char *api, const char *route, const char *method, unsigned status);

typedef enum MetricsDelivery {
        METRICS_DELIVERED,
        METRICS_RETRIED,
        METRICS_DEAD_LETTERED,
        _METRICS_DELIVERY_MAX,
} MetricsDelivery;

/* One delivery attempt's outcome for a subscription; resource: its REST address. */
void metrics_count_delivery(Metrics *m, const char *subscription_id, const char *resource, MetricsDelivery what);

/* The number of subscriptions of api ("v1" | "v2"): a gauge. */
void metrics_set_subscriptions(Metrics *m, const char *api, unsigned n);

/* A deleted subscription: its series go. */
void metrics_forget_subscription(Metrics *m, const char *subscription_id);

/* The whole exposition text (g_free); families and series in sorted order. */
char *metrics_render(const Metrics *m);
