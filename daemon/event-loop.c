/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>
#include <sys/resource.h>

#include "common/log.h"
#include "common/util.h"
#include "event-loop.h"

typedef struct Mark {
        uint64_t clock_usec, cpu_usec;
        long voluntary, involuntary;
} Mark;

/* The thread's CPU clock, not getrusage's times: those are sampled at the tick, then adjusted. */
static void mark(Mark *m) {
        struct rusage u = {};

        (void) getrusage(RUSAGE_THREAD, &u);
        m->clock_usec = now_usec(CLOCK_MONOTONIC);
        m->cpu_usec = now_usec(CLOCK_THREAD_CPUTIME_ID);
        m->voluntary = u.ru_nvcsw;
        m->involuntary = u.ru_nivcsw;
}

typedef struct Span {
        uint64_t clock, cpu;
        bool blocked, preempted;
} Span;

/* Adds what happened between a and b to the current iteration's figures. */
static void add_span(const Mark *a, const Mark *b, Span *s) {
        s->clock += b->clock_usec - a->clock_usec;
        s->cpu += b->cpu_usec > a->cpu_usec ? b->cpu_usec - a->cpu_usec : 0;
        s->blocked = s->blocked || b->voluntary != a->voluntary;
        s->preempted = s->preempted || b->involuntary != a->involuntary;
}

static void keep_longest(uint64_t *longest, uint64_t x) {
        if (x > *longest)
                *longest = x;
}

static void stats_add(EventLoopStats *s, const Span *x) {
        s->iterations++;
        s->busy_usec += x->clock;
        keep_longest(&s->longest_usec, x->clock);
        keep_longest(&s->longest_cpu_usec, x->cpu);
        if (!x->preempted)
                keep_longest(&s->longest_unpreempted_usec, x->clock);
        s->slow += x->clock >= EVENT_LOOP_SLOW_USEC;
        s->blocked += x->blocked;
        s->preempted += x->preempted;
}

/*
 * An iteration here runs from the loop's waking (or the end of the last one, when nothing had to be
 * waited for) to the end of the next preparing: a dispatch and the preparing after it. Each mark is
 * two system calls, 2.4 µs on this VM: one mark where nothing is waited for, two around a wait.
 */
int event_loop_run(sd_event *e, EventLoopStats *stats) {
        bool counting = true;
        int code = 0, r;
        Mark a, b;

        *stats = (EventLoopStats) {};
        mark(&a);
        for (;;) {
                r = sd_event_prepare(e);
                if (r < 0)
                        return r;
                mark(&b);
                if (counting) {
                        Span span = {};

                        add_span(&a, &b, &span);
                        stats_add(stats, &span);
                }
                a = b;
                if (r == 0) {
                        r = sd_event_wait(e, UINT64_MAX); /* not counted: waiting is what it should do */
                        if (r < 0)
                                return r;
                        mark(&a);
                }
                /* The exit iteration is not counted: it flushes the bus and may wait (sd-bus's exit source). */
                counting = sd_event_get_state(e) != SD_EVENT_EXITING;
                if (r > 0) {
                        r = sd_event_dispatch(e);
                        if (r < 0)
                                return r;
                }
                if (sd_event_get_state(e) == SD_EVENT_FINISHED)
                        break;
        }
        r = sd_event_get_exit_code(e, &code);
        return r < 0 ? r : code;
}

void event_loop_log_stats(const EventLoopStats *s) {
        log_info("Event loop: %" PRIu64 " iterations, busy %" PRIu64 ".%03" PRIu64 " s, the longest %" PRIu64
                 " µs (CPU %" PRIu64 " µs; not preempted %" PRIu64 " µs), %" PRIu64 " of %u ms or more, %" PRIu64
                 " blocked, %" PRIu64 " preempted.", s->iterations, s->busy_usec / USEC_PER_SEC,
                 s->busy_usec % USEC_PER_SEC / USEC_PER_MSEC, s->longest_usec, s->longest_cpu_usec,
                 s->longest_unpreempted_usec, s->slow, EVENT_LOOP_SLOW_USEC / 1000, s->blocked, s->preempted);
}
