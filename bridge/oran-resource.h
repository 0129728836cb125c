/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The O-RAN resource kinds, as cloud-event-proxy names them on the wire
 *
 * A REST resource address is /cluster/node/<node><suffix>. v1 spells the
 * clock-class suffix /sync/ptp-status/ptp-clock-class-change; v2 and the
 * daemon spell it /sync/ptp-status/clock-class. Every kind is subscribable,
 * also the ones this node has no source for.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef enum OranApi {
        ORAN_API_V1,
        ORAN_API_V2,
} OranApi;

typedef struct OranResourceKind {
        const char *suffix;    /* v2 and daemon: "/sync/ptp-status/clock-class" */
        const char *suffix_v1; /* v1: the same, but "/sync/ptp-status/ptp-clock-class-change" */
        const char *type;      /* the event type, "event.sync.ptp-status.ptp-clock-class-change" */
} OranResourceKind;

/* The kinds, terminated by an entry with suffix NULL. */
extern const OranResourceKind oran_resource_kinds[];

/* The kind whose suffix (in api's spelling) address ends with, after "/cluster/node/<node>"; NULL if none. */
const OranResourceKind *oran_resource_kind_of(const char *address, OranApi api);

/*
 * Splits a REST address "/cluster/node/<node><suffix>" of a known kind:
 * returns true with *ret_node (g_free) and *ret_kind, false if it is not one.
 */
bool oran_address_parse(const char *address, OranApi api, char **ret_node, const OranResourceKind **ret_kind);

/* The daemon's address of a REST address of a known kind (g_free); NULL if it is not one. */
char *oran_address_to_daemon(const char *address, OranApi api);

/* The REST address, in api's spelling, of a daemon address (g_free); NULL if it is not a known kind. */
char *oran_address_from_daemon(const char *daemon_address, OranApi api);

/* "/cluster/node/<node>" stripped: the short source of a v2 event ("/sync/ptp-status/lock-state"). */
const char *oran_address_short(const char *address);
