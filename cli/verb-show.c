/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsyncctl show: the Manager's properties as KEY=VALUE lines, for scripts,
 * as timedatectl show does; -p picks properties, --value prints values alone.
 */

#include <inttypes.h>
#include <stdio.h>

#include "ptpsyncctl.h"
#include "common/bus-names.h"
#include "common/quote.h"
#include "common/util.h"

typedef struct Property {
        const char *name;
        char type; /* 's', or the trivial type read */
} Property;

static const Property properties[] = {
        { "NodeName", 's' },          { "SyncState", 's' },    { "ClockClass", 'y' },
        { "SubscriptionCount", 'u' }, { "LastSequence", 't' }, { "Version", 's' },
        { "ClockClassWriter", 'b' },
};

#define PROPERTY_NAMES "NodeName, SyncState, ClockClass, SubscriptionCount, LastSequence, Version or ClockClassWriter"

bool show_property_is_valid(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(properties); i++)
                if (streq(properties[i].name, name))
                        return true;
        return false;
}

const char *show_property_names(void) {
        return PROPERTY_NAMES;
}

static bool is_selected(const char *name) {
        if (!arg_properties)
                return true;
        for (char **p = arg_properties; *p; p++)
                if (streq(*p, name))
                        return true;
        return false;
}

/* The value as text: a string as it is, a number in decimal, a boolean as yes or no (as systemctl show). */
static int read_property(const Property *p, char **ret) {
        uint64_t t = 0;
        uint32_t u = 0;
        uint8_t y = 0;
        int b = 0, r;

        if (p->type == 's')
                return get_string_prop(MANAGER_OBJECT_PATH, MANAGER_INTERFACE, p->name, ret);
        if (p->type == 'b') {
                r = get_trivial_prop(MANAGER_OBJECT_PATH, MANAGER_INTERFACE, p->name, 'b', &b);
                if (r != 0)
                        return r;
                *ret = strdup(b ? "yes" : "no");
                return *ret ? 0 : EXIT_FAIL;
        }
        r = get_trivial_prop(MANAGER_OBJECT_PATH, MANAGER_INTERFACE, p->name, p->type,
                             p->type == 't' ? (void *) &t : p->type == 'u' ? (void *) &u : (void *) &y);
        if (r != 0)
                return r;
        if (asprintf(ret, "%" PRIu64, p->type == 't' ? t : p->type == 'u' ? (uint64_t) u : (uint64_t) y) < 0)
                return EXIT_FAIL;
        return 0;
}

int verb_show(char **args) {
        int r;

        r = connect_raw();
        if (r != 0)
                return r;
        if (arg_json)
                json_begin_object();
        for (size_t i = 0; i < ELEMENTSOF(properties); i++) {
                _cleanup_free_ char *value = NULL;

                if (!is_selected(properties[i].name))
                        continue;
                r = read_property(&properties[i], &value);
                if (r != 0)
                        return r;
                if (arg_json) {
                        json_key(properties[i].name);
                        if (properties[i].type == 's')
                                json_string(value);
                        else if (properties[i].type == 'b')
                                json_bool(streq(value, "yes"));
                        else
                                json_number(value);
                } else if (arg_value)
                        printf("%s\n", value);
                else
                        printf("%s=%s\n", properties[i].name, value);
        }
        if (arg_json) {
                json_end_object();
                json_end_document();
        }
        return 0;
}
