/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The node name and relative addresses
 *
 * A relative address ("sync/ptp-status/lock-state") names a resource of the
 * daemon's own node. The node name belongs to the owner of org.ptpsync1, so it
 * is read (Properties.Get NodeName, sent to that unique name) each time the
 * name gets an owner, and forgotten when it loses it. Until it is known,
 * waits and subscriptions with a relative address wait for it; once it is,
 * client_node_name_changed() tells them, and also when it cannot be known
 * (no daemon, or the read failed).
 */

#include <stdio.h>

#include "ptpsync-internal.h"
#include "common/quote.h"

#define NODE_PREFIX "/cluster/node/"

bool address_is_relative(const char *address) {
        return address && address[0] != '/';
}

int client_check_address(PtpsyncClient *c, const char *address) {
        _cleanup_free_ char *full = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *reason = NULL;
        int r;

        if (!address_is_relative(address)) {
                if (address_is_valid(address, &reason))
                        return 0;
        } else if (isempty(address))
                reason = "is empty";
        else if (asprintf(&full, NODE_PREFIX "n/%s", address) < 0)
                return client_set_error(c, NULL, -ENOMEM);
        else if (address_is_valid(full, &reason))
                return 0;

        /* Worded as the daemon words it (bus_read_address()). */
        (void) sd_bus_error_setf(&e, PTPSYNC_ERROR_INVALID_ADDRESS, "Invalid resource address %s: %s",
                                 QUOTE(address ?: ""), reason);
        r = client_set_error(c, &e, -EINVAL);
        sd_bus_error_free(&e);
        return r;
}

int client_resolve_address(PtpsyncClient *c, const char *address, char **ret) {
        char *full;

        if (!address_is_relative(address))
                full = strdup(address);
        else if (!c->node_name)
                return -EAGAIN;
        else if (asprintf(&full, NODE_PREFIX "%s/%s", c->node_name, address) < 0)
                full = NULL;
        if (!full)
                return -ENOMEM;
        *ret = full;
        return 0;
}

bool client_address_matches(const char *filter, const char *resource) {
        _cleanup_free_ char *full = NULL;
        const char *node, *end;

        if (!address_is_relative(filter))
                return address_matches(filter, resource);
        /* A relative filter is about the node of the resource, which is the daemon's. */
        if (!resource || strncmp(resource, NODE_PREFIX, strlen(NODE_PREFIX)) != 0)
                return false;
        node = resource + strlen(NODE_PREFIX);
        end = strchr(node, '/');
        if (!end || end == node)
                return false;
        if (asprintf(&full, NODE_PREFIX "%.*s/%s", (int) (end - node), node, filter) < 0)
                return false;
        return address_matches(full, resource);
}

/* What the node name's read ended with: tell those that wait for it, then the daemon handler. */
static void node_name_settled(PtpsyncClient *c) {
        client_node_name_changed(c);
        client_daemon_ready(c);
}

static int on_node_name(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        PtpsyncClient *c = userdata;
        const char *name = NULL;
        int r;

        if (sd_bus_message_is_method_error(m, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(m);

                /* The daemon went away meanwhile: its NameOwnerChanged says so, and the next one is asked. */
                if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                           SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_DISCONNECTED))
                        return 0;
                c->node_name_error = client_set_error_from_message(c, m);
        } else {
                r = sd_bus_message_read(m, "v", "s", &name);
                if (r <= 0 || !node_name_is_valid(name)) {
                        sd_bus_error e = SD_BUS_ERROR_NULL;

                        (void) sd_bus_error_set_const(&e, SD_BUS_ERROR_INCONSISTENT_MESSAGE,
                                                      "The daemon's NodeName is not a valid node name");
                        c->node_name_error = client_set_error(c, &e, -EBADMSG);
                        sd_bus_error_free(&e);
                } else if (!(c->node_name = strdup(name)))
                        c->node_name_error = client_set_error(c, NULL, -ENOMEM);
        }
        node_name_settled(c);
        return 0;
}

void client_node_name_forget(PtpsyncClient *c) {
        client_slot_cancel(&c->node_query);
        free(c->node_name);
        c->node_name = NULL;
        c->node_name_error = 0;
}

void client_node_name_reset(PtpsyncClient *c) {
        int r;

        client_node_name_forget(c);
        if (!c->owner) {
                client_node_name_changed(c);
                return;
        }
        r = client_call_method(c, &c->node_query, c->owner, MANAGER_OBJECT_PATH, PROPERTIES_INTERFACE, "Get",
                               on_node_name, c, "ss", MANAGER_INTERFACE, "NodeName");
        if (r < 0) {
                c->node_name_error = client_set_error(c, NULL, r);
                node_name_settled(c);
        }
}

_public_ const char *ptpsync_client_get_node_name(PtpsyncClient *c) {
        assert_return(c, NULL);
        return c->node_name;
}
