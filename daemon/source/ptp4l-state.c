/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include "source/ptp4l-state.h"

/* logSyncInterval is a power of two in s; ptp4l accepts -7..7 or so, anything else is clamped. */
#define LOG_SYNC_INTERVAL_MIN (-10)
#define LOG_SYNC_INTERVAL_MAX 10

void ptp4l_view_reset(Ptp4lView *v) {
        *v = (Ptp4lView) {};
}

bool ptp4l_view_port(Ptp4lView *v, const PmcPortDataSet *p) {
        uint16_t n = p->port_identity.port_number;
        bool changed;

        if (n == 0 || n > PTP4L_PORTS_MAX)
                return false;
        changed = v->port_state[n] != p->port_state;
        v->port_state[n] = p->port_state;
        v->log_sync_interval[n] = p->log_sync_interval;
        return changed;
}

void ptp4l_view_time_status(Ptp4lView *v, const PmcTimeStatus *t, uint64_t now) {
        if (t->ingress_time_ns != 0 && t->ingress_time_ns != v->ingress_time_ns)
                v->ingress_changed_usec = now;
        v->ingress_time_ns = t->ingress_time_ns;
        v->master_offset_ns = t->master_offset_ns;
        v->have_time_status = true;
}

uint16_t ptp4l_view_slave_port(const Ptp4lView *v) {
        for (uint16_t n = 1; n <= PTP4L_PORTS_MAX; n++)
                if (v->port_state[n] == PMC_PORT_STATE_SLAVE)
                        return n;
        return 0;
}

bool ptp4l_view_follows_master(const Ptp4lView *v) {
        for (uint16_t n = 1; n <= PTP4L_PORTS_MAX; n++)
                if (v->port_state[n] == PMC_PORT_STATE_SLAVE || v->port_state[n] == PMC_PORT_STATE_UNCALIBRATED)
                        return true;
        return false;
}

uint64_t ptp4l_view_freshness_usec(const Ptp4lView *v, uint64_t poll_interval_usec) {
        uint16_t n = ptp4l_view_slave_port(v);
        int l = n > 0 ? v->log_sync_interval[n] : 0;
        uint64_t sync_usec;

        l = l < LOG_SYNC_INTERVAL_MIN ? LOG_SYNC_INTERVAL_MIN : l > LOG_SYNC_INTERVAL_MAX ? LOG_SYNC_INTERVAL_MAX : l;
        sync_usec = l >= 0 ? UINT64_C(1000000) << l : UINT64_C(1000000) >> -l;
        return 2 * poll_interval_usec + 4 * sync_usec;
}

/* Syncs arrive: the receipt time is non-zero and moved within the freshness window. */
static bool ingress_fresh(const Ptp4lView *v, uint64_t now, uint64_t poll_interval_usec) {
        if (!v->have_time_status || v->ingress_time_ns == 0)
                return false;
        /* A clock stepping backwards (a late timer) must not make a fresh reading stale. */
        return now <= v->ingress_changed_usec ||
                now - v->ingress_changed_usec <= ptp4l_view_freshness_usec(v, poll_interval_usec);
}

Observation ptp4l_view_judge(const Ptp4lView *v, uint64_t now, uint64_t poll_interval_usec, int64_t *ret_offset_ns) {
        bool fresh = ingress_fresh(v, now, poll_interval_usec);

        /* Without Syncs ptp4l keeps the last offset: that is no measurement. */
        *ret_offset_ns = fresh ? v->master_offset_ns : OFFSET_NONE;
        return fresh && ptp4l_view_slave_port(v) != 0 ? OBSERVATION_LOCKED : OBSERVATION_UNLOCKED;
}
