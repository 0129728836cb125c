/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <inttypes.h>

#include "model/event.h"

static void event_value_clear(void *p) {
        EventValue *v = p;

        g_free(v->address);
        g_free(v->value);
}

Event *event_new(const char *type, const char *source, int64_t time_usec) {
        Event *e = g_new0(Event, 1);
        sd_id128_t id;

        assert(type);
        assert(source);

        /* sd_id128_randomize() sets the version 4 / variant bits: a valid random UUID. */
        if (sd_id128_randomize(&id) < 0)
                abort(); /* getrandom() failing is not something to limp on from */
        sd_id128_to_uuid_string(id, e->id);

        e->n_ref = 1;
        e->type = type;
        e->source = g_strdup(source);
        e->time_usec = time_usec;
        e->values = g_array_new(false, true, sizeof(EventValue));
        g_array_set_clear_func(e->values, event_value_clear);
        return e;
}

Event *event_ref(Event *e) {
        if (e) {
                assert(e->n_ref > 0);
                e->n_ref++;
        }
        return e;
}

Event *event_unref(Event *e) {
        if (!e)
                return NULL;
        assert(e->n_ref > 0);
        if (--e->n_ref > 0)
                return NULL;
        g_array_unref(e->values);
        g_free(e->source);
        g_free(e);
        return NULL;
}

static void event_add_value(Event *e, const char *address, const char *data_type,
                            const char *value_type, char *value) {
        EventValue v = {
                .address = g_strdup(address),
                .data_type = data_type,
                .value_type = value_type,
                .value = value,
        };

        g_array_append_val(e->values, v);
}

void event_add_state(Event *e, const char *address, const char *state) {
        event_add_value(e, address, "notification", "enumeration", g_strdup(state));
}

void event_add_metric(Event *e, const char *address, int64_t value) {
        event_add_value(e, address, "metric", "decimal64.3", g_strdup_printf("%" PRIi64, value));
}

/* A string on the wire: length, text, NUL, padded to 8 at the most. */
static uint64_t string_size(const char *s) {
        return 4 + strlen(s) + 1 + 7;
}

uint64_t event_wire_size(const Event *e, const char *path) {
        /* The fixed header and its fields (path, interface, member, signature, destination, sender). */
        uint64_t n = 16 + 6 * 8 + string_size(path) + 3 * 64;

        n += 8 + string_size(e->id) + string_size(e->type) + string_size(e->source) + 8 + 4 + 4;
        for (guint i = 0; i < e->values->len; i++) {
                const EventValue *v = &g_array_index(e->values, EventValue, i);

                n += 8 + string_size(v->address) + string_size(v->data_type) + string_size(v->value_type) +
                     string_size(v->value);
        }
        return n;
}
