/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "oran-resource.h"

#define NODE_PREFIX "/cluster/node/"

const OranResourceKind oran_resource_kinds[] = {
        { "/sync/sync-status/sync-state", "/sync/sync-status/sync-state",
          "event.sync.sync-status.synchronization-state-change" },
        { "/sync/sync-status/os-clock-sync-state", "/sync/sync-status/os-clock-sync-state",
          "event.sync.sync-status.os-clock-sync-state-change" },
        { "/sync/ptp-status/lock-state", "/sync/ptp-status/lock-state",
          "event.sync.ptp-status.ptp-state-change" },
        { "/sync/ptp-status/clock-class", "/sync/ptp-status/ptp-clock-class-change",
          "event.sync.ptp-status.ptp-clock-class-change" },
        { "/sync/gnss-status/gnss-sync-status", "/sync/gnss-status/gnss-sync-status",
          "event.sync.gnss-status.gnss-state-change" },
        { "/sync/synce-status/lock-state", "/sync/synce-status/lock-state",
          "event.sync.synce-status.synce-state-change" },
        { "/sync/synce-status/clock-quality", "/sync/synce-status/clock-quality",
          "event.sync.synce-status.synce-clock-quality-change" },
        {},
};

/* The part after "/cluster/node/<node>", or NULL when address does not have that shape. */
static const char *after_node(const char *address, size_t *ret_node_len) {
        const char *node, *slash;

        if (!address || strncmp(address, NODE_PREFIX, strlen(NODE_PREFIX)) != 0)
                return NULL;
        node = address + strlen(NODE_PREFIX);
        slash = strchr(node, '/');
        if (!slash || slash == node)
                return NULL;
        if (ret_node_len)
                *ret_node_len = (size_t) (slash - node);
        return slash;
}

const OranResourceKind *oran_resource_kind_of(const char *address, OranApi api) {
        const char *suffix = after_node(address, NULL);

        if (!suffix)
                return NULL;
        for (const OranResourceKind *k = oran_resource_kinds; k->suffix; k++)
                if (strcmp(suffix, api == ORAN_API_V1 ? k->suffix_v1 : k->suffix) == 0)
                        return k;
        return NULL;
}

bool oran_address_parse(const char *address, OranApi api, char **ret_node, const OranResourceKind **ret_kind) {
        const OranResourceKind *kind = oran_resource_kind_of(address, api);
        size_t node_len = 0;

        if (!kind)
                return false;
        (void) after_node(address, &node_len);
        if (ret_node)
                *ret_node = g_strndup(address + strlen(NODE_PREFIX), node_len);
        if (ret_kind)
                *ret_kind = kind;
        return true;
}

static char *respell(const char *address, OranApi from, OranApi to) {
        g_autofree char *node = NULL;
        const OranResourceKind *kind;

        if (!oran_address_parse(address, from, &node, &kind))
                return NULL;
        return g_strconcat(NODE_PREFIX, node, to == ORAN_API_V1 ? kind->suffix_v1 : kind->suffix, NULL);
}

char *oran_address_to_daemon(const char *address, OranApi api) {
        return respell(address, api, ORAN_API_V2);
}

char *oran_address_from_daemon(const char *daemon_address, OranApi api) {
        return respell(daemon_address, ORAN_API_V2, api);
}

const char *oran_address_short(const char *address) {
        const char *suffix = after_node(address, NULL);

        return suffix ? suffix : address;
}
