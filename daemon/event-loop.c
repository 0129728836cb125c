/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>

#include "common/log.h"
#include "common/util.h"
#include "event-loop.h"

static void stats_add(EventLoopStats *s, uint64_t usec) {
        s->iterations++;
        s->busy_usec += usec;
        if (usec > s->longest_usec)
                s->longest_usec = usec;
        if (usec >= EVENT_LOOP_SLOW_USEC)
                s->slow++;
}

int event_loop_run(sd_event *e, EventLoopStats *stats) {
        int code = 0, r;

        *stats = (EventLoopStats) {};
        for (;;) {
                uint64_t start = now_usec(CLOCK_MONOTONIC), busy;

                r = sd_event_prepare(e);
                busy = now_usec(CLOCK_MONOTONIC) - start;
                if (r == 0)
                        r = sd_event_wait(e, UINT64_MAX); /* not busy: waiting */
                if (r < 0)
                        return r;
                if (r > 0) {
                        start = now_usec(CLOCK_MONOTONIC);
                        r = sd_event_dispatch(e);
                        if (r < 0)
                                return r;
                        busy += now_usec(CLOCK_MONOTONIC) - start;
                }
                stats_add(stats, busy);
                if (sd_event_get_state(e) == SD_EVENT_FINISHED)
                        break;
        }
        r = sd_event_get_exit_code(e, &code);
        return r < 0 ? r : code;
}

void event_loop_log_stats(const EventLoopStats *s) {
        log_info("Event loop: %" PRIu64 " iterations, busy %" PRIu64 ".%03" PRIu64 " s, the longest %" PRIu64
                 " µs, %" PRIu64 " of %u ms or more.", s->iterations, s->busy_usec / USEC_PER_SEC,
                 s->busy_usec % USEC_PER_SEC / USEC_PER_MSEC, s->longest_usec, s->slow,
                 EVENT_LOOP_SLOW_USEC / 1000);
}
