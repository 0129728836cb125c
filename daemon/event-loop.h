/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's event loop, timed
 *
 * sd_event_loop(), iteration by iteration, measuring how long each one keeps
 * the loop busy (preparing and dispatching, not waiting): the time during
 * which the daemon answers nobody. Nothing in an iteration may wait for the
 * disk or the bus, so the longest one is the figure that says whether the
 * loop ever blocks. Said at exit (at level info) and to benchmarks.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

/* An iteration this long or longer is counted as slow. */
#define EVENT_LOOP_SLOW_USEC 1000

typedef struct EventLoopStats {
        uint64_t iterations;
        uint64_t slow;         /* of them EVENT_LOOP_SLOW_USEC or longer */
        uint64_t longest_usec;
        uint64_t busy_usec;    /* in all */
} EventLoopStats;

/* As sd_event_loop(): the exit code, or a negative errno. */
int event_loop_run(sd_event *e, EventLoopStats *stats);

/* "Event loop: 12345 iterations, busy 1.234 s, the longest 456 µs, 0 of 1 ms or more." */
void event_loop_log_stats(const EventLoopStats *stats);
