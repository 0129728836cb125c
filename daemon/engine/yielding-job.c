/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <glib.h>

#include "engine/yielding-job.h"

/* Just above the bus's: a job that has waited long enough goes before the next call. */
#define GUARD_PRIORITY (SD_EVENT_PRIORITY_NORMAL - 1)
/* sd-event's default accuracy is 250 ms: both timers say what they need. */
#define JOB_ACCURACY_USEC 1
#define GUARD_ACCURACY_USEC 100

struct YieldingJob {
        sd_event *event;
        uint64_t patience;
        YieldingJobHandler handler;
        void *userdata;
        sd_event_source *job;   /* at the job's priority, due at due_at in the future */
        sd_event_source *now;   /* at the job's priority: due at once */
        sd_event_source *guard; /* above the bus's, due at due_at + patience (or earlier) */
        bool armed;
        uint64_t due_at;        /* armed: when it is due; 0: at once */
        uint64_t guard_at;
};

static void job_run(YieldingJob *j) {
        yielding_job_disarm(j);
        j->handler(j->userdata);
}

static int on_job(sd_event_source *s, uint64_t usec, void *userdata) {
        job_run(userdata);
        return 0;
}

static int on_guard(sd_event_source *s, uint64_t usec, void *userdata) {
        job_run(userdata);
        return 0;
}

static int on_now(sd_event_source *s, void *userdata) {
        job_run(userdata);
        return 0;
}

int yielding_job_new(YieldingJob **ret, sd_event *event, int64_t priority, uint64_t patience_usec,
                     YieldingJobHandler handler, void *userdata) {
        _cleanup_(yielding_job_freep) YieldingJob *j = g_new0(YieldingJob, 1);
        int r;

        assert(priority > SD_EVENT_PRIORITY_NORMAL);
        assert(patience_usec > 0);
        j->event = sd_event_ref(event);
        j->patience = patience_usec;
        j->handler = handler;
        j->userdata = userdata;
        r = sd_event_add_time(event, &j->job, CLOCK_MONOTONIC, 0, JOB_ACCURACY_USEC, on_job, j);
        if (r >= 0)
                r = sd_event_source_set_priority(j->job, priority);
        if (r >= 0)
                r = sd_event_source_set_enabled(j->job, SD_EVENT_OFF);
        /*
         * "At once" is a defer source: a time source due now costs a timerfd armed in the past, which
         * fires at once -- 9 µs on a VM (a timer in the future: 1.3 µs), twice per event.
         */
        if (r >= 0)
                r = sd_event_add_defer(event, &j->now, on_now, j);
        if (r >= 0)
                r = sd_event_source_set_priority(j->now, priority);
        if (r >= 0)
                r = sd_event_source_set_enabled(j->now, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time(event, &j->guard, CLOCK_MONOTONIC, 0, GUARD_ACCURACY_USEC, on_guard, j);
        if (r >= 0)
                r = sd_event_source_set_priority(j->guard, GUARD_PRIORITY);
        if (r >= 0)
                r = sd_event_source_set_enabled(j->guard, SD_EVENT_OFF);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(j);
        return 0;
}

YieldingJob *yielding_job_free(YieldingJob *j) {
        if (!j)
                return NULL;
        sd_event_source_disable_unref(j->job);
        sd_event_source_disable_unref(j->now);
        sd_event_source_disable_unref(j->guard);
        sd_event_unref(j->event);
        g_free(j);
        return NULL;
}

int yielding_job_arm(YieldingJob *j, uint64_t when) {
        uint64_t now, guard_at;
        int r;

        if (j->armed && j->due_at <= when)
                return 0;
        r = sd_event_now(j->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        guard_at = MAX(when, now) + j->patience;
        if (j->armed)
                guard_at = MIN(guard_at, j->guard_at);
        if (when > now) {
                r = sd_event_source_set_time(j->job, when);
                if (r >= 0)
                        r = sd_event_source_set_enabled(j->job, SD_EVENT_ONESHOT);
        } else {
                r = sd_event_source_set_enabled(j->job, SD_EVENT_OFF);
                if (r >= 0)
                        r = sd_event_source_set_enabled(j->now, SD_EVENT_ONESHOT);
        }
        if (r >= 0)
                r = sd_event_source_set_time(j->guard, guard_at);
        if (r >= 0)
                r = sd_event_source_set_enabled(j->guard, SD_EVENT_ONESHOT);
        j->armed = true;
        if (r < 0) {
                yielding_job_disarm(j);
                return r;
        }
        j->due_at = when;
        j->guard_at = guard_at;
        return 0;
}

void yielding_job_disarm(YieldingJob *j) {
        if (!j->armed)
                return;
        (void) sd_event_source_set_enabled(j->job, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(j->now, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(j->guard, SD_EVENT_OFF);
        j->armed = false;
}
