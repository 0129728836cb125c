/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What one ptp4l instance's answers say about lock
 *
 * ptp4l 3.1.1 has no HOLDOVER of its own and keeps some data sets stale after
 * it loses its master (PARENT_DATA_SET, gmPresent and master_offset of
 * TIME_STATUS_NP stay as they were). What does change, and what this module
 * judges by, is:
 *
 *   - the port states: SLAVE only once the servo has locked (UNCALIBRATED
 *     before), LISTENING after an announce timeout, FAULTY on link down;
 *   - TIME_STATUS_NP's ingress_time, the receipt time of the last Sync: 0
 *     after the master is lost, and advancing while Syncs arrive.
 *
 * A clock is locked when some port is SLAVE and the ingress time is non-zero
 * and changed within the freshness window: twice the poll interval plus four
 * Sync intervals, so that polling in step with a slow Sync rate never reads
 * as "stopped". Anything else is unlocked; whether that is HOLDOVER or
 * FREERUN is the state machine's business (sync-state.h).
 *
 * Pure: no I/O; time (CLOCK_MONOTONIC µs) is passed in.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "source/pmc.h"
#include "model/sync-state.h"

/* Enough for any boundary clock seen in practice; ports past it are ignored. */
#define PTP4L_PORTS_MAX 32

typedef struct Ptp4lView {
        PmcPortState port_state[PTP4L_PORTS_MAX + 1]; /* by port number; 0: not known */
        int8_t log_sync_interval[PTP4L_PORTS_MAX + 1];
        int64_t ingress_time_ns;     /* the last one read; 0: none */
        uint64_t ingress_changed_usec; /* when it last changed to a non-zero value */
        int64_t master_offset_ns;
        bool have_time_status;
} Ptp4lView;

/* Forgets everything: after ptp4l stopped answering, its old answers mean nothing. */
void ptp4l_view_reset(Ptp4lView *v);

/* A PORT_DATA_SET reply or push. Returns true when the port's state changed. */
bool ptp4l_view_port(Ptp4lView *v, const PmcPortDataSet *p);

/* A TIME_STATUS_NP reply read at now. */
void ptp4l_view_time_status(Ptp4lView *v, const PmcTimeStatus *t, uint64_t now);

/* The SLAVE port with the lowest number, or 0. */
uint16_t ptp4l_view_slave_port(const Ptp4lView *v);

/*
 * Some port follows a master (SLAVE, or UNCALIBRATED on its way there): only
 * then is PARENT_DATA_SET current. Without one, ptp4l leaves it stale after an
 * announce timeout, so the grandmaster it names is no longer followed.
 */
bool ptp4l_view_follows_master(const Ptp4lView *v);

/* The freshness window of the ingress time (see above), in µs. */
uint64_t ptp4l_view_freshness_usec(const Ptp4lView *v, uint64_t poll_interval_usec);

/*
 * OBSERVATION_LOCKED or OBSERVATION_UNLOCKED at now; *ret_offset_ns is the
 * master offset while Syncs arrive (also UNCALIBRATED), else OFFSET_NONE:
 * ptp4l keeps the old one after the master is lost, and that is not measured.
 */
Observation ptp4l_view_judge(const Ptp4lView *v, uint64_t now, uint64_t poll_interval_usec, int64_t *ret_offset_ns);
