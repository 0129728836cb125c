/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging, as systemd's daemons do it: a maximum level (err ... debug) and a
 * target. "console" is stderr; "journal" sends each message to journald's
 * native socket with its fields (PRIORITY, ERRNO, CODE_FILE, CODE_LINE,
 * CODE_FUNC, SYSLOG_IDENTIFIER); "auto", the default, is the journal when
 * stderr is already connected to it (JOURNAL_STREAM names stderr's device and
 * inode), else the console; "null" drops everything. Sending never blocks: a
 * message the journal cannot take at once goes to stderr instead.
 */
#pragma once

#include <stdbool.h>
#include <syslog.h>

#include "common/util.h"

typedef enum LogTarget {
        LOG_TARGET_AUTO,
        LOG_TARGET_CONSOLE,
        LOG_TARGET_JOURNAL,
        LOG_TARGET_NULL,
        _LOG_TARGET_MAX,
        _LOG_TARGET_INVALID = -EINVAL,
} LogTarget;

/* "err", "warning", "notice", "info", "debug" (and the syslog names "emerg", "alert", "crit"). */
int log_level_from_string(const char *s);
const char *log_level_to_string(int level);
LogTarget log_target_from_string(const char *s);
const char *log_target_to_string(LogTarget t);
/* For messages: the names the two accept. */
#define LOG_LEVEL_NAMES "emerg, alert, crit, err, warning, notice, info or debug"
#define LOG_TARGET_NAMES "auto, console, journal or null"

/*
 * The identifier (SYSLOG_IDENTIFIER=), and the level from the environment variable env (if set and
 * valid; a bad value is reported and ignored). Then the target is "auto".
 */
void log_setup(const char *identifier, const char *env);
const char *log_get_identifier(void);

int log_get_max_level(void);
void log_set_max_level(int level);
LogTarget log_get_target(void);
void log_set_target(LogTarget t);

/*
 * Logs and returns -abs(error); errno is set to abs(error) so "%m" works. So "%m" belongs in the
 * _errno() variants only: log_error() and the like pass 0, and "%m" would say "Success".
 */
int log_internal(int level, int error, const char *file, int line, const char *func, const char *fmt, ...)
        _printf_(6, 7);

#define log_full_errno(level, error, ...)                                                               \
        ({                                                                                              \
                int _l = (level);                                                                       \
                int _e = (error);                                                                       \
                _l <= log_get_max_level() ? log_internal(_l, _e, __FILE__, __LINE__, __func__, __VA_ARGS__) \
                                          : -abs(_e);                                                   \
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
