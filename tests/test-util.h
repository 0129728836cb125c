/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small things the tests share: registering table rows as test cases, and the
 * O-RAN resource table as the tests expect it, written out independently of the
 * daemon's own table so that a change to either shows.
 */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>

/* Registers one test case per row of a table: prefix/0, prefix/1, ... */
static inline void add_cases(const char *prefix, const void *cases, size_t n, size_t size, GTestDataFunc func) {
        for (size_t i = 0; i < n; i++) {
                g_autofree char *path = g_strdup_printf("%s/%zu", prefix, i);

                g_test_add_data_func(path, (const char *) cases + i * size, func);
        }
}

#define ADD_CASES(prefix, cases, func) add_cases(prefix, cases, G_N_ELEMENTS(cases), sizeof((cases)[0]), func)

typedef struct ExpectedResource {
        const char *suffix, *kind, *event_type;
} ExpectedResource;

/* In the order ListResources gives them. */
static const ExpectedResource expected_resources[] = {
        { "sync/sync-status/sync-state", "sync-state", "event.sync.sync-status.synchronization-state-change" },
        { "sync/ptp-status/lock-state", "lock-state", "event.sync.ptp-status.ptp-state-change" },
        { "sync/sync-status/os-clock-sync-state", "os-clock-sync-state",
          "event.sync.sync-status.os-clock-sync-state-change" },
        { "sync/ptp-status/clock-class", "clock-class", "event.sync.ptp-status.ptp-clock-class-change" },
        { "sync/gnss-status/gnss-sync-status", "gnss-sync-status", "event.sync.gnss-status.gnss-state-change" },
};
