/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loop work that lets the bus go first, for a while
 *
 * sd-event dispatches one source per iteration, the most urgent pending one,
 * so work below the bus's priority runs only once no call is waiting. The
 * flush and the delivery pump want that (calls read meanwhile share one
 * commit; acks free windows before sends are decided), but not without end:
 * clients that never stop calling -- read-only calls pipelined from a few
 * connections -- held events back for as long as they went on (up to a second
 * measured; tests/test-hostile.c, /hostile/read-flood). A YieldingJob runs at
 * its own priority once due, or, if it has waited its patience beyond that,
 * at a priority above the bus's.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "common/util.h"

typedef struct YieldingJob YieldingJob;
typedef void (*YieldingJobHandler)(void *userdata);

/* Disarmed; priority below the bus's (SD_EVENT_PRIORITY_NORMAL), patience > 0 µs. */
int yielding_job_new(YieldingJob **ret, sd_event *event, int64_t priority, uint64_t patience_usec,
                     YieldingJobHandler handler, void *userdata);
YieldingJob *yielding_job_free(YieldingJob *j);
DEFINE_TRIVIAL_CLEANUP_FUNC(YieldingJob *, yielding_job_free);

/*
 * Due at when (CLOCK_MONOTONIC µs; 0: now), or earlier if it is armed for earlier already: the
 * patience counts from the first time it was due, however often it is armed meanwhile. It runs
 * once, then is disarmed.
 */
int yielding_job_arm(YieldingJob *j, uint64_t when);
void yielding_job_disarm(YieldingJob *j);
