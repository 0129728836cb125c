/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An Event marshalled into an sd_bus_message (event-bus.h). */

#include "bus/event-bus.h"

int event_bus_append_fields(sd_bus_message *m, const Event *e) {
        int r;

        r = sd_bus_message_append(m, "tsssx", e->seq, e->id, e->type, e->source, e->time_usec);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'a', "(ssss)");
        if (r < 0)
                return r;
        for (guint i = 0; i < e->values->len; i++) {
                const EventValue *v = &g_array_index(e->values, EventValue, i);

                r = sd_bus_message_append(m, "(ssss)", v->address, v->data_type, v->value_type, v->value);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(m);
}

int event_bus_append(sd_bus_message *m, const Event *e) {
        int r;

        r = sd_bus_message_open_container(m, 'r', EVENT_SIGNATURE_FIELDS);
        if (r < 0)
                return r;
        r = event_bus_append_fields(m, e);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}
