/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging to stderr, with syslog level prefixes ("<3>") when stderr is the
 * journal (JOURNAL_STREAM set by systemd), so levels survive. The threshold
 * comes from PTPSYNCD_LOG_LEVEL (err, warning, notice, info, debug).
 */
#pragma once

#include <syslog.h>

#include "common/util.h"

void log_setup(void);
int log_get_max_level(void);

/*
 * Logs and returns -abs(error); errno is set to abs(error) so "%m" works. So "%m" belongs in the
 * _errno() variants only: log_error() and the like pass 0, and "%m" would say "Success".
 */
int log_internal(int level, int error, const char *fmt, ...) _printf_(3, 4);

#define log_full_errno(level, error, ...)                                       \
        ({                                                                      \
                int _l = (level);                                               \
                int _e = (error);                                               \
                _l <= log_get_max_level() ? log_internal(_l, _e, __VA_ARGS__)   \
                                          : -abs(_e);                           \
        })

#define log_debug(...)   (void) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)    (void) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)  (void) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) (void) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)   (void) log_full_errno(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(e, ...)   log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...)   log_full_errno(LOG_ERR, e, __VA_ARGS__)

/*
 * At most burst messages per interval for one kind of message, so that a peer
 * sending garbage cannot flood the journal. ratelimit_below() says whether to
 * log now; when a new interval begins after messages were dropped, *ret_suppressed
 * is their number, to be mentioned in the next message.
 */
typedef struct RateLimit {
        uint64_t interval_usec;
        unsigned burst;
        uint64_t begin_usec;
        unsigned count;
        unsigned suppressed;
} RateLimit;

#define RATELIMIT_INIT(interval, b) ((RateLimit) { .interval_usec = (interval), .burst = (b) })

bool ratelimit_below(RateLimit *rl, uint64_t now_usec, unsigned *ret_suppressed);
