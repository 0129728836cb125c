/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An event as the bridge's writers see it: a plain view, so that the JSON
 * writers and the metrics can be tested without a daemon.
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "ptpsync.h"

typedef struct OranValue {
        const char *address;    /* relative to the node: "ens1fx/master", "CLOCK_REALTIME" */
        const char *data_type;  /* "notification" | "metric" */
        const char *value_type; /* "enumeration" | "decimal64.3" */
        const char *value;      /* always a string on the wire */
} OranValue;

typedef struct OranEvent {
        uint64_t seq;
        const char *id;     /* UUID */
        const char *type;   /* "event.sync.ptp-status.ptp-state-change" */
        const char *source; /* the daemon's full address: "/cluster/node/<node>/sync/ptp-status/lock-state" */
        int64_t time_usec;  /* since the Unix epoch */
        const OranValue *values;
        size_t n_values;
} OranEvent;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PtpsyncEvent, ptpsync_event_unref)

/*
 * A view of e (its strings borrowed from e, which must outlive the view);
 * *ret_values is allocated for the values (g_free).
 */
void oran_event_view(const PtpsyncEvent *e, OranEvent *ret, OranValue **ret_values);
