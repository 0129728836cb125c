/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib.h>

#include "engine/engine-clock.h"

struct EngineTimer {
        const EngineClock *clock;
        void *impl;
        EngineTimerHandler handler;
        void *userdata;
};

/* --- sd-event's --------------------------------------------------------------------------------- */

typedef struct SdTimer {
        sd_event_source *source;
        EngineTimerHandler handler;
        void *userdata;
} SdTimer;

static uint64_t sd_clock_now(void *userdata, clockid_t clock) {
        uint64_t t;

        /* Before the loop first ran, sd_event_now() has no time: ask the kernel. */
        if (sd_event_now(userdata, clock, &t) < 0)
                t = now_usec(clock);
        return t;
}

static int on_sd_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        SdTimer *x = userdata;

        x->handler(x->userdata, usec);
        return 0;
}

static int sd_timer_new(void *userdata, uint64_t accuracy, EngineTimerHandler handler, void *handler_userdata,
                        void **ret) {
        SdTimer *x = g_new0(SdTimer, 1);
        int r;

        x->handler = handler;
        x->userdata = handler_userdata;
        r = sd_event_add_time(userdata, &x->source, CLOCK_MONOTONIC, 0, accuracy, on_sd_timer, x);
        if (r >= 0)
                r = sd_event_source_set_enabled(x->source, SD_EVENT_OFF);
        if (r < 0) {
                sd_event_source_disable_unref(x->source);
                g_free(x);
                return r;
        }
        *ret = x;
        return 0;
}

static int sd_timer_arm(void *userdata, void *timer, uint64_t deadline) {
        SdTimer *x = timer;
        int r;

        r = sd_event_source_set_time(x->source, deadline);
        if (r >= 0)
                r = sd_event_source_set_enabled(x->source, SD_EVENT_ONESHOT);
        return r;
}

static void sd_timer_disarm(void *userdata, void *timer) {
        SdTimer *x = timer;

        (void) sd_event_source_set_enabled(x->source, SD_EVENT_OFF);
}

static void sd_timer_free(void *userdata, void *timer) {
        SdTimer *x = timer;

        sd_event_source_disable_unref(x->source);
        g_free(x);
}

static const EngineClockOps sd_clock_ops = {
        .now = sd_clock_now,
        .timer_new = sd_timer_new,
        .timer_arm = sd_timer_arm,
        .timer_disarm = sd_timer_disarm,
        .timer_free = sd_timer_free,
};

/* --- the engine's ------------------------------------------------------------------------------- */

void engine_clock_init(EngineClock *c, const EngineClockOps *ops, void *userdata, sd_event *event) {
        c->ops = ops ?: &sd_clock_ops;
        c->userdata = ops ? userdata : event;
}

uint64_t engine_clock_now(const EngineClock *c, clockid_t clock) {
        return c->ops->now(c->userdata, clock);
}

static void on_timer(void *userdata, uint64_t deadline) {
        EngineTimer *t = userdata;

        t->handler(t->userdata, deadline);
}

int engine_timer_new(EngineTimer **ret, const EngineClock *c, uint64_t accuracy, EngineTimerHandler handler,
                     void *userdata) {
        EngineTimer *t = g_new0(EngineTimer, 1);
        int r;

        t->clock = c;
        t->handler = handler;
        t->userdata = userdata;
        r = c->ops->timer_new(c->userdata, accuracy, on_timer, t, &t->impl);
        if (r < 0) {
                g_free(t);
                return r;
        }
        *ret = t;
        return 0;
}

int engine_timer_arm(EngineTimer *t, uint64_t deadline) {
        return t->clock->ops->timer_arm(t->clock->userdata, t->impl, deadline);
}

void engine_timer_disarm(EngineTimer *t) {
        if (t)
                t->clock->ops->timer_disarm(t->clock->userdata, t->impl);
}

EngineTimer *engine_timer_free(EngineTimer *t) {
        if (!t)
                return NULL;
        t->clock->ops->timer_free(t->clock->userdata, t->impl);
        g_free(t);
        return NULL;
}

int engine_timer_ensure_armed(EngineTimer **t, const EngineClock *c, uint64_t accuracy, EngineTimerHandler handler,
                              void *userdata, uint64_t deadline) {
        int r;

        if (!*t) {
                r = engine_timer_new(t, c, accuracy, handler, userdata);
                if (r < 0)
                        return r;
        }
        return engine_timer_arm(*t, deadline);
}
