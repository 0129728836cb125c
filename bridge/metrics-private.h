/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The registry's insides, shared by its feeding (metrics.c) and its writing out (metrics-render.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "metrics.h"

/* Each list NULL-terminated and sorted: states are written out in this order, as label values sort. */
extern const char *const metrics_sync_states[];
extern const char *const metrics_gnss_states[];
#define METRICS_N_APIS 2
extern const char *const metrics_apis[]; /* "v1", "v2" */
extern const char *const metrics_delivery_results[_METRICS_DELIVERY_MAX];

#define METRICS_NO_VALUE (-1)

/* What is known of one clock: a PTP clock, a GNSS receiver, the OS clock, or the node's sync-state. */
typedef struct MetricsClock {
        int state;            /* index into the resource's states, or METRICS_NO_VALUE */
        int clock_class;      /* or METRICS_NO_VALUE */
        char *offset_seconds; /* as written out; NULL: none yet */
        int gps_fix;          /* a GNSS receiver's gpsFix, or METRICS_NO_VALUE */
} MetricsClock;

#define METRICS_CLOCK_INIT                                                                                   \
        ((MetricsClock) { .state = METRICS_NO_VALUE, .clock_class = METRICS_NO_VALUE, .gps_fix = METRICS_NO_VALUE })

typedef struct MetricsNode {
        MetricsClock sync; /* sync-state: a state only */
        MetricsClock os_clock;
        GTree *ptp;  /* value address ("ens1fx/master") -> MetricsClock */
        GTree *gnss; /* value address -> MetricsClock */
} MetricsNode;

typedef struct MetricsRequest {
        int api; /* index into metrics_apis */
        char *route;
        const char *method; /* static */
        unsigned status;
        uint64_t count;
} MetricsRequest;

typedef struct MetricsDeliveries {
        char *resource;
        uint64_t count[_METRICS_DELIVERY_MAX];
} MetricsDeliveries;

struct Metrics {
        GTree *nodes; /* node name -> MetricsNode */
        unsigned n_clocks;
        GTree *requests;   /* MetricsRequest -> itself */
        GTree *deliveries; /* subscription id -> MetricsDeliveries */
        bool has_subscriptions[METRICS_N_APIS];
        unsigned subscriptions[METRICS_N_APIS];
        uint64_t dropped_series;
};

