/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/address.h"
#include "fuzz.h"
#include "common/util.h"

static const char *const resources[] = {
        "/",
        "/cluster",
        "/cluster/",
        "/cluster/node/du1.example.com",
        "/cluster/node/du1.example.com/sync",
        "/cluster/node/du1.example.com/sync/",
        "/cluster/node/du1.example.com/sync/ptp-status/lock-state",
        "/cluster/node/du1.example.com/sync/ptp-status/clock-class",
        "/cluster/node/du1.example.com/sync/sync-status/os-clock-sync-state",
};

static bool is_valid(const char *s) {
        const char *reason = NULL;
        bool valid = address_is_valid(s, &reason);

        /* A reason exactly when invalid. */
        check(valid == !reason);
        check(address_is_valid(s, NULL) == valid);
        return valid;
}

/* Whatever matches is valid, and a match is a prefix at a '/' boundary, or the resource plus '/'. */
static void check_match(const char *filter, const char *resource) {
        size_t f, r;

        if (!address_matches(filter, resource))
                return;

        check(is_valid(filter));
        check(is_valid(resource));

        f = strlen(filter);
        r = strlen(resource);
        if (f <= r)
                check(strncmp(filter, resource, f) == 0 &&
                      (f == r || filter[f - 1] == '/' || resource[f] == '/'));
        else
                check(f == r + 1 && filter[r] == '/' && strncmp(filter, resource, r) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = NULL;
        const char *second;
        bool valid;

        s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';

        valid = is_valid(s);
        if (valid) {
                check(strlen(s) <= ADDRESS_MAX);
                check(s[0] == '/');
                check(!strstr(s, "//"));
                check(address_matches(s, s));
        }

        for (size_t i = 0; i < ELEMENTSOF(resources); i++) {
                check(is_valid(resources[i]));
                check_match(s, resources[i]);
                check_match(resources[i], s);
        }

        /* With a NUL inside, the part after it is a second string: match the two both ways. */
        second = memchr(data, 0, size) ? s + strlen(s) + 1 : s;
        check_match(s, second);
        check_match(second, s);

        /* node_name_is_valid() sees the same untrusted bytes; a valid name makes a valid address. */
        if (node_name_is_valid(s)) {
                g_autofree char *a = address_for_resource(s, "sync/ptp-status/lock-state");

                check(is_valid(a) == (strlen(a) <= ADDRESS_MAX));
                check(address_matches("/cluster/node", a));
        }

        return 0;
}
