/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib.h>

#include "engine/commit-retry.h"
#include "common/log.h"

/* The schedule is in hundreds of ms; 10 ms either way does not matter. */
#define COMMIT_RETRY_ACCURACY_USEC (10 * USEC_PER_MSEC)

struct CommitRetry {
        EngineTimer *timer;
        uint64_t failing_since; /* the first failure; 0: commits work */
        uint64_t delay;         /* until the next attempt */
        unsigned failures;
};

int commit_retry_new(CommitRetry **ret, const EngineClock *clock, EngineTimerHandler callback, void *userdata) {
        _cleanup_(commit_retry_freep) CommitRetry *r = g_new0(CommitRetry, 1);
        int k;

        k = engine_timer_new(&r->timer, clock, COMMIT_RETRY_ACCURACY_USEC, callback, userdata);
        if (k < 0)
                return log_error_errno(k, "Failed to set up the timer that retries commits: %m");
        *ret = TAKE_PTR(r);
        return 0;
}

CommitRetry *commit_retry_free(CommitRetry *r) {
        if (!r)
                return NULL;
        engine_timer_free(r->timer);
        g_free(r);
        return NULL;
}

int commit_retry_failed(CommitRetry *r, uint64_t now) {
        uint64_t give_up, when;
        int k;

        if (r->failures++ == 0) {
                r->failing_since = MAX(now, 1);
                r->delay = COMMIT_RETRY_FIRST_USEC;
        }
        give_up = r->failing_since + COMMIT_RETRY_GIVE_UP_USEC;
        if (now >= give_up)
                return -ETIMEDOUT;
        /* The last attempt at the deadline itself, so that giving up takes 30 s, not 30 s and a delay. */
        when = MIN(now + r->delay, give_up);
        r->delay = MIN(r->delay * 2, COMMIT_RETRY_MAX_USEC);
        k = engine_timer_arm(r->timer, when);
        if (k < 0)
                /* No timer, no retry: as good as giving up now. */
                return log_error_errno(k, "Failed to arm the timer that retries commits: %m");
        return 0;
}

uint64_t commit_retry_succeeded(CommitRetry *r, uint64_t now) {
        uint64_t failed_for = r->failures > 0 ? now - r->failing_since : 0;

        engine_timer_disarm(r->timer);
        r->failures = 0;
        r->failing_since = 0;
        return failed_for;
}

bool commit_retry_failing(const CommitRetry *r) {
        return r->failures > 0;
}

unsigned commit_retry_failures(const CommitRetry *r) {
        return r->failures;
}
