/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What one run of ptpsync-bench measured, and how it is printed: the table,
 * the ratios to the baseline, and the targets (bench-report.c).
 */
#pragma once

#include "bench.h"

#define RSS_CONNECTIONS 100
#define RSS_PER_CONNECTION 100

#define TARGET_THROUGHPUT_RATIO 0.5
#define TARGET_P99_RATIO 1.5
#define TARGET_RSS_KIB_PER_SUBSCRIPTION 4.0
#define TARGET_DURABLE_RATIO 0.5

typedef enum RowKind {
        ROW_BASELINE_W64,
        ROW_BASELINE_W1,
        ROW_UNORDERED,
        ROW_UNORDERED_DURABLE,
        ROW_ORDERED,
        ROW_ORDERED_DURABLE,
        _ROW_MAX,
} RowKind;

extern const char *const row_keys[_ROW_MAX]; /* for --only= */
extern const char *const row_names[_ROW_MAX];

static inline bool row_is_baseline(RowKind k) {
        return k == ROW_BASELINE_W64 || k == ROW_BASELINE_W1;
}

#define MAX_SIZES 3

typedef struct Results {
        char *date, *daemon_path, *state_root;
        bool quick;
        PrivateBusKind bus;
        unsigned sizes[MAX_SIZES];
        unsigned n_sizes;
        uint64_t events[MAX_SIZES], latency_events[MAX_SIZES];
        bool interleaved[MAX_SIZES]; /* latency samples of ptpsyncd and the baseline taken in turns */
        RunResult runs[MAX_SIZES][_ROW_MAX];
        bool ran[MAX_SIZES][_ROW_MAX];
        bool have_rss;
        RssResult rss[2]; /* non-durable, durable */
} Results;

void results_done(Results *res);
double rss_per_subscription(const RssResult *r);
void results_print(const Results *res);
