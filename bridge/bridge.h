/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bridge's shared state: one libptpsync client, the REST subscriptions
 * (each one a durable daemon subscription), the HTTP client that POSTs to
 * consumers, and the two REST servers. Single-threaded, on the GLib main loop.
 */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>
#include <stdbool.h>

#include "allowlist.h"
#include "bridge-config.h"
#include "metrics.h"
#include "ptpsync.h"

typedef struct HttpPoster HttpPoster;
typedef struct RestSubscriptions RestSubscriptions;

typedef struct Bridge {
        BridgeConfig *config;
        PtpsyncClient *client;
        char *node;             /* the daemon's NodeName, once known */
        char *daemon_owner;     /* the unique name of ptpsyncd being followed */
        bool synced;            /* the daemon's subscriptions are listed and re-attached */
        bool syncing;
        guint sync_timer;       /* listing failed: the next try */
        Metrics *metrics;
        Allowlist *allowlist;
        HttpPoster *poster;
        RestSubscriptions *subscriptions;
        struct StateCache *state; /* the current state of every resource, and the metrics' feed */
        SoupServer *servers[2]; /* v1, v2 (NULL when off) */
        GMainLoop *loop;
} Bridge;
