/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Retrying a commit that failed
 *
 * While commits to the store fail, the next attempt is made on a timer, not
 * on every new write: 100 ms after the first failure, the delay doubling to
 * 2 s, and one last attempt 30 s after the first failure. If that fails too
 * the caller gives up (the daemon exits with status 1; systemd's
 * Restart=on-failure starts it again). The event loop never waits for the
 * store meanwhile.
 */
#pragma once

#include <stdbool.h>

#include "common/util.h"
#include "engine/engine-clock.h"

#define COMMIT_RETRY_FIRST_USEC (100 * USEC_PER_MSEC)
#define COMMIT_RETRY_MAX_USEC (2 * USEC_PER_SEC)
#define COMMIT_RETRY_GIVE_UP_USEC (30 * USEC_PER_SEC)

typedef struct CommitRetry CommitRetry;

/* callback makes the next attempt. */
int commit_retry_new(CommitRetry **ret, const EngineClock *clock, EngineTimerHandler callback, void *userdata);
CommitRetry *commit_retry_free(CommitRetry *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(CommitRetry *, commit_retry_free);

/*
 * After a commit that failed at now (CLOCK_MONOTONIC): arms the next attempt and
 * returns 0, or returns -ETIMEDOUT when commits have failed for COMMIT_RETRY_GIVE_UP_USEC.
 */
int commit_retry_failed(CommitRetry *r, uint64_t now);
/* After a commit that worked: disarms, and returns how long commits had failed (0: they had not). */
uint64_t commit_retry_succeeded(CommitRetry *r, uint64_t now);

bool commit_retry_failing(const CommitRetry *r);
/* Failed commits since the last that worked. */
unsigned commit_retry_failures(const CommitRetry *r);
