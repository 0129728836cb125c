/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Resource addresses
 *
 * An O-RAN resource address is /cluster/node/<node>/<suffix>, for instance
 * /cluster/node/du1.example.com/sync/ptp-status/lock-state. Callers name one
 * resource exactly, or several by a prefix that ends at a '/' boundary:
 * "/cluster/node/du1.example.com/sync" and ".../sync/" both cover every
 * resource below sync/, while ".../sy" covers nothing.
 *
 * Everything here is pure string work on untrusted input, and is fuzzed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define ADDRESS_MAX 1024
#define NODE_NAME_MAX 253

/*
 * A well-formed address or prefix: starts with '/', at most ADDRESS_MAX bytes,
 * printable ASCII without spaces, no empty component ("//") except that one
 * trailing '/' is allowed, no "." or ".." component.
 * On failure returns false and, when ret_reason is set, a static string
 * saying what is wrong ("must start with '/'", ...).
 */
bool address_is_valid(const char *address, const char **ret_reason);

/* filter names resource exactly, or is a prefix of it ending at a '/' boundary. Both must be valid. */
bool address_matches(const char *filter, const char *resource);

/* A node name: 1..NODE_NAME_MAX bytes of [A-Za-z0-9._-], not starting with '.' or '-'. */
bool node_name_is_valid(const char *name);

/* "/cluster/node/" node "/" suffix; newly allocated (free), NULL when out of memory. */
char *address_for_resource(const char *node, const char *suffix);
