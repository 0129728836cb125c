/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdio.h>
#include <string.h>

#include "common/address.h"
#include "common/util.h"

/* Printable ASCII without the space: fits a D-Bus string and a log line unquoted. */
static bool address_char_is_valid(char c) {
        unsigned char u = (unsigned char) c;

        return u > ' ' && u < 0x7f;
}

/*
 * Checks the components of an address of n bytes that starts with '/'. Only an
 * empty component at the very end (a trailing '/', or "/" alone) is allowed.
 */
static const char *address_check_components(const char *address, size_t n) {
        size_t i = 1;

        for (;;) {
                size_t start = i, len;

                for (; i < n && address[i] != '/'; i++)
                        if (!address_char_is_valid(address[i]))
                                return "contains a character that is not printable ASCII or is a space";

                len = i - start;
                if (len == 0 && i < n)
                        return "contains an empty component";
                if ((len == 1 || len == 2) && strncmp(address + start, "..", len) == 0)
                        return "contains a '.' or '..' component";
                if (i >= n)
                        return NULL;
                i++; /* the '/' */
        }
}

bool address_is_valid(const char *address, const char **ret_reason) {
        const char *reason;
        size_t n;

        if (isempty(address))
                reason = "is empty";
        else if (address[0] != '/')
                reason = "must start with '/'";
        /* Bounded, so that a huge string is rejected without being scanned to its end. */
        else if ((n = strnlen(address, ADDRESS_MAX + 1)) > ADDRESS_MAX)
                reason = "is longer than " STRINGIFY(ADDRESS_MAX) " bytes";
        else
                reason = address_check_components(address, n);

        if (ret_reason)
                *ret_reason = reason;
        return !reason;
}

bool address_matches(const char *filter, const char *resource) {
        size_t f, r;

        if (!address_is_valid(filter, NULL) || !address_is_valid(resource, NULL))
                return false;

        f = strlen(filter);
        r = strlen(resource);

        if (f <= r)
                return memcmp(filter, resource, f) == 0 &&
                        (f == r || filter[f - 1] == '/' || resource[f] == '/');

        /* ".../lock-state/" names ".../lock-state" too: a trailing '/' only says "and below". */
        return f == r + 1 && filter[r] == '/' && memcmp(filter, resource, r) == 0;
}

static bool node_name_char_is_valid(char c) {
        return ascii_isalnum(c) || c == '.' || c == '_' || c == '-';
}

bool node_name_is_valid(const char *name) {
        size_t n;

        if (!name)
                return false;

        n = strnlen(name, NODE_NAME_MAX + 1);
        if (n == 0 || n > NODE_NAME_MAX)
                return false;

        /* No leading '.' keeps "." and ".." out of addresses; no leading '-' keeps it from looking like an option. */
        if (name[0] == '.' || name[0] == '-')
                return false;

        for (size_t i = 0; i < n; i++)
                if (!node_name_char_is_valid(name[i]))
                        return false;

        return true;
}

char *address_for_resource(const char *node, const char *suffix) {
        char *s;

        if (!node || !suffix || asprintf(&s, "/cluster/node/%s/%s", node, suffix) < 0)
                return NULL;
        return s;
}
