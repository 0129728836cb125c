/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's event loop, timed
 *
 * sd_event_loop(), iteration by iteration, measuring each one's preparing and
 * dispatching (not its waiting): how long it took on the clock, how much CPU
 * it used (the thread's CPU clock), and whether the thread blocked in it -- a
 * voluntary context switch (getrusage's ru_nvcsw) means it waited for
 * something, the disk or a lock, where being preempted by another process
 * (ru_nivcsw) only makes the clock time longer than the CPU time on a busy
 * machine. Nothing in an iteration may wait, so the blocked count is the
 * figure that says whether the loop ever blocks; the longest CPU time, and
 * the longest clock time of an iteration nobody preempted, say how much work
 * one wake-up does. The
 * exit iteration is left out: sd-bus flushes the connection there, and may
 * wait. Said at exit (at level info), where benchmarks and tests read it.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

/* An iteration this long or longer on the clock is counted as slow. */
#define EVENT_LOOP_SLOW_USEC 1000

typedef struct EventLoopStats {
        uint64_t iterations;
        uint64_t slow;             /* of them EVENT_LOOP_SLOW_USEC or longer on the clock */
        uint64_t blocked;          /* of them with a voluntary context switch */
        uint64_t longest_usec;     /* on the clock */
        uint64_t longest_cpu_usec; /* in CPU time */
        uint64_t longest_unpreempted_usec; /* on the clock, of those not preempted */
        uint64_t preempted;        /* of them with an involuntary context switch */
        uint64_t busy_usec;        /* on the clock, in all */
} EventLoopStats;

/* As sd_event_loop(): the exit code, or a negative errno. */
int event_loop_run(sd_event *e, EventLoopStats *stats);

/*
 * "Event loop: 12345 iterations, busy 1.234 s, the longest 456 µs (CPU 321 µs; not preempted 400 µs),
 * 0 of 1 ms or more, 0 blocked, 3 preempted."
 */
void event_loop_log_stats(const EventLoopStats *stats);
