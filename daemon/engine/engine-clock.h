/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The clock the engine's timers run on
 *
 * Every time the engine reads (manager_now(), the queues' "now") and every
 * timer about time (holdover expiry, ack timeouts and retries, the owner
 * probe, commit retries) goes through this table, so that a test can move
 * time on instead of waiting for it. NULL ops: the sd-event loop's clock, as
 * the daemon runs. Not here, because they are about scheduling, not time: the
 * flush and the delivery pump (yielding-job.h, and the pump's 1 ms congestion
 * re-check) stay on sd-event.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "common/util.h"

/* A one-shot CLOCK_MONOTONIC timer; deadline: the one it was armed at. */
typedef void (*EngineTimerHandler)(void *userdata, uint64_t deadline);

typedef struct EngineClockOps {
        /* CLOCK_MONOTONIC or CLOCK_REALTIME, in µs. */
        uint64_t (*now)(void *userdata, clockid_t clock);
        /* A disarmed timer in *ret that calls handler(handler_userdata, deadline) once it is due. */
        int (*timer_new)(void *userdata, uint64_t accuracy, EngineTimerHandler handler, void *handler_userdata,
                         void **ret);
        int (*timer_arm)(void *userdata, void *timer, uint64_t deadline);
        void (*timer_disarm)(void *userdata, void *timer);
        void (*timer_free)(void *userdata, void *timer);
} EngineClockOps;

typedef struct EngineClock {
        const EngineClockOps *ops;
        void *userdata;
} EngineClock;

typedef struct EngineTimer EngineTimer;

/* ops NULL: sd-event's, on event. */
void engine_clock_init(EngineClock *c, const EngineClockOps *ops, void *userdata, sd_event *event);
uint64_t engine_clock_now(const EngineClock *c, clockid_t clock);

/* c must outlive the timer. */
int engine_timer_new(EngineTimer **ret, const EngineClock *c, uint64_t accuracy, EngineTimerHandler handler,
                     void *userdata);
int engine_timer_arm(EngineTimer *t, uint64_t deadline);
/* NULL: nothing. */
void engine_timer_disarm(EngineTimer *t);
EngineTimer *engine_timer_free(EngineTimer *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(EngineTimer *, engine_timer_free);
/* Arms *t at deadline, making it first if there is none. */
int engine_timer_ensure_armed(EngineTimer **t, const EngineClock *c, uint64_t accuracy, EngineTimerHandler handler,
                              void *userdata, uint64_t deadline);
