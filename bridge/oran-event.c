/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "oran-event.h"

void oran_event_view(const PtpsyncEvent *e, OranEvent *ret, OranValue **ret_values) {
        size_t n = ptpsync_event_get_n_values(e);
        OranValue *values = g_new0(OranValue, MAX(n, 1));

        for (size_t i = 0; i < n; i++)
                (void) ptpsync_event_get_value(e, i, &values[i].address, &values[i].data_type,
                                               &values[i].value_type, &values[i].value);
        *ret = (OranEvent) {
                .seq = ptpsync_event_get_seq(e),
                .id = ptpsync_event_get_id(e),
                .type = ptpsync_event_get_type(e),
                .source = ptpsync_event_get_source(e),
                .time_usec = ptpsync_event_get_time(e),
                .values = values,
                .n_values = n,
        };
        *ret_values = values;
}
