/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>
#include <sys/resource.h>

#include "common/log.h"
#include "common/util.h"
#include "event-loop.h"

typedef struct Mark {
        uint64_t clock_usec, cpu_usec;
        long voluntary;
} Mark;

static void mark(Mark *m) {
        struct rusage u = {};

        (void) getrusage(RUSAGE_THREAD, &u);
        m->clock_usec = now_usec(CLOCK_MONOTONIC);
        m->cpu_usec = (uint64_t) (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * USEC_PER_SEC +
                      (uint64_t) (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
        m->voluntary = u.ru_nvcsw;
}

/* Adds what happened between a and b to the current iteration's figures. */
static void add_span(const Mark *a, const Mark *b, uint64_t *clock, uint64_t *cpu, bool *blocked) {
        *clock += b->clock_usec - a->clock_usec;
        *cpu += b->cpu_usec > a->cpu_usec ? b->cpu_usec - a->cpu_usec : 0;
        *blocked = *blocked || b->voluntary != a->voluntary;
}

static void stats_add(EventLoopStats *s, uint64_t clock, uint64_t cpu, bool blocked) {
        s->iterations++;
        s->busy_usec += clock;
        if (clock > s->longest_usec)
                s->longest_usec = clock;
        if (cpu > s->longest_cpu_usec)
                s->longest_cpu_usec = cpu;
        s->slow += clock >= EVENT_LOOP_SLOW_USEC;
        s->blocked += blocked;
}

int event_loop_run(sd_event *e, EventLoopStats *stats) {
        int code = 0, r;

        *stats = (EventLoopStats) {};
        for (;;) {
                uint64_t clock = 0, cpu = 0;
                bool blocked = false, exiting;
                Mark a, b;

                mark(&a);
                r = sd_event_prepare(e);
                mark(&b);
                add_span(&a, &b, &clock, &cpu, &blocked);
                if (r == 0)
                        r = sd_event_wait(e, UINT64_MAX); /* not counted: waiting is what it should do */
                if (r < 0)
                        return r;
                /* The exit iteration is not counted: it flushes the bus and may wait (sd-bus's exit source). */
                exiting = sd_event_get_state(e) == SD_EVENT_EXITING;
                if (r > 0) {
                        mark(&a);
                        r = sd_event_dispatch(e);
                        if (r < 0)
                                return r;
                        mark(&b);
                        add_span(&a, &b, &clock, &cpu, &blocked);
                }
                if (!exiting)
                        stats_add(stats, clock, cpu, blocked);
                if (sd_event_get_state(e) == SD_EVENT_FINISHED)
                        break;
        }
        r = sd_event_get_exit_code(e, &code);
        return r < 0 ? r : code;
}

void event_loop_log_stats(const EventLoopStats *s) {
        log_info("Event loop: %" PRIu64 " iterations, busy %" PRIu64 ".%03" PRIu64 " s, the longest %" PRIu64
                 " µs (CPU %" PRIu64 " µs), %" PRIu64 " of %u ms or more, %" PRIu64 " blocked.", s->iterations,
                 s->busy_usec / USEC_PER_SEC, s->busy_usec % USEC_PER_SEC / USEC_PER_MSEC, s->longest_usec,
                 s->longest_cpu_usec, s->slow, EVENT_LOOP_SLOW_USEC / 1000, s->blocked);
}
