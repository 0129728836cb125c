/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsyncctl: the states a resource can have, so that wait refuses a state
 * it could never see (and would wait for forever). Written out here, as the
 * client sees the contract, rather than taken from the daemon's model.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptpsyncctl.h"
#include "common/address.h"
#include "common/quote.h"
#include "common/util.h"

typedef enum StateSet {
        STATES_SYNC,
        STATES_CLOCK_CLASS,
        STATES_GNSS,
} StateSet;

static const char *const sync_states[] = { "LOCKED", "HOLDOVER", "FREERUN", NULL };

static const char *const gnss_states[] = {
        "SYNCHRONIZED",  "ACQUIRING-SYNC",    "ANTENNA-DISCONNECTED", "ANTENNA-SHORT-CIRCUIT",
        "BOOTING",       "FAILURE-MULTIPATH", "FAILURE-NOFIX",        "FAILURE-LOW-SNR",
        "FAILURE-PLL",   NULL,
};

static const struct {
        const char *suffix, *kind;
        StateSet states;
} resources[] = {
        { "sync/sync-status/sync-state", "sync-state", STATES_SYNC },
        { "sync/ptp-status/lock-state", "lock-state", STATES_SYNC },
        { "sync/sync-status/os-clock-sync-state", "os-clock-sync-state", STATES_SYNC },
        { "sync/ptp-status/clock-class", "clock-class", STATES_CLOCK_CLASS },
        { "sync/gnss-status/gnss-sync-status", "gnss-sync-status", STATES_GNSS },
};

static const char *const state_set_help[] = {
        [STATES_SYNC] = "LOCKED, HOLDOVER or FREERUN",
        [STATES_CLOCK_CLASS] = "a clock class, 0..255 without leading zeros",
        /* In parentheses: one string cut in two, not two elements (clang's -Wstring-concatenation). */
        [STATES_GNSS] = ("SYNCHRONIZED, ACQUIRING-SYNC, ANTENNA-DISCONNECTED, ANTENNA-SHORT-CIRCUIT, BOOTING, "
                         "FAILURE-MULTIPATH, FAILURE-NOFIX, FAILURE-LOW-SNR or FAILURE-PLL"),
};

static bool strv_contains(const char *const *l, const char *s) {
        for (; *l; l++)
                if (streq(*l, s))
                        return true;
        return false;
}

/* As the daemon prints it: "6", never "006" or "+6". */
static bool is_clock_class(const char *s) {
        size_t n = strspn(s, "0123456789");

        return n > 0 && n <= 3 && s[n] == '\0' && (n == 1 || s[0] != '0') && atoi(s) <= 255;
}

static bool state_in_set(const char *state, StateSet set) {
        switch (set) {
        case STATES_SYNC:
                return strv_contains(sync_states, state);
        case STATES_CLOCK_CLASS:
                return is_clock_class(state);
        case STATES_GNSS:
                return strv_contains(gnss_states, state);
        }
        return false;
}

bool state_is_valid(const char *state) {
        return state_in_set(state, STATES_SYNC) || state_in_set(state, STATES_CLOCK_CLASS) ||
               state_in_set(state, STATES_GNSS);
}

const char *state_valid_help(void) {
        return "LOCKED, HOLDOVER, FREERUN, a clock class 0..255, or a GNSS state such as SYNCHRONIZED";
}

int check_state_for_address(const char *address, const char *shown, const char *state, bool this_node) {
        const char *node;
        size_t n;
        _cleanup_free_ char *prefix = NULL;

        /* /cluster/node/NODE...: anything else is the daemon's to refuse (or to find nothing under). */
        if (!address_is_valid(address, NULL) || strncmp(address, "/cluster/node/", strlen("/cluster/node/")) != 0)
                return 0;
        node = address + strlen("/cluster/node/");
        n = strcspn(node, "/");
        if (asprintf(&prefix, "/cluster/node/%.*s/", (int) n, node) < 0)
                return EXIT_FAIL;

        /* wait needs every resource it covers in the state: one kind that cannot have it is enough. */
        for (size_t i = 0; i < ELEMENTSOF(resources); i++) {
                _cleanup_free_ char *resource = NULL;

                if (asprintf(&resource, "%s%s", prefix, resources[i].suffix) < 0)
                        return EXIT_FAIL;
                if (!address_matches(address, resource) || state_in_set(state, resources[i].states))
                        continue;
                /* A prefix of another node's may cover nothing: the daemon says so (exit 5). */
                if (!this_node && !address_matches(resource, address))
                        continue;
                log_error("--state=%s cannot be reached by %s: a %s resource is %s.", QUOTE(state), QUOTE(shown),
                          resources[i].kind, state_set_help[resources[i].states]);
                return EXIT_USAGE;
        }
        return 0;
}
