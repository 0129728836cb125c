/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "common/journal-entry.h"
#include "common/log.h"

static int max_level = LOG_INFO;
static LogTarget target = LOG_TARGET_AUTO;
static const char *identifier = "ptpsync";
static bool stderr_is_journal; /* JOURNAL_STREAM names our stderr */
static int journal_fd = -1;

static const char *const level_names[] = {
        [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",   [LOG_CRIT] = "crit", [LOG_ERR] = "err",
        [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

static const char *const target_names[_LOG_TARGET_MAX] = {
        [LOG_TARGET_AUTO] = "auto",
        [LOG_TARGET_CONSOLE] = "console",
        [LOG_TARGET_JOURNAL] = "journal",
        [LOG_TARGET_NULL] = "null",
};

int log_level_from_string(const char *s) {
        for (size_t i = 0; s && i < ELEMENTSOF(level_names); i++)
                if (streq(level_names[i], s))
                        return (int) i;
        return -EINVAL;
}

const char *log_level_to_string(int level) {
        return level >= 0 && (size_t) level < ELEMENTSOF(level_names) ? level_names[level] : NULL;
}

LogTarget log_target_from_string(const char *s) {
        for (size_t i = 0; s && i < ELEMENTSOF(target_names); i++)
                if (streq(target_names[i], s))
                        return (LogTarget) i;
        return _LOG_TARGET_INVALID;
}

const char *log_target_to_string(LogTarget t) {
        return t >= 0 && t < _LOG_TARGET_MAX ? target_names[t] : NULL;
}

/* As systemd documents JOURNAL_STREAM: "DEVICE:INODE" of the stream stderr was connected to. */
static bool journal_stream_is_stderr(void) {
        const char *e = getenv("JOURNAL_STREAM");
        uintmax_t dev, ino;
        struct stat st;
        int n = 0;

        if (isempty(e) || sscanf(e, "%ju:%ju%n", &dev, &ino, &n) != 2 || e[n] != '\0')
                return false;
        return fstat(STDERR_FILENO, &st) >= 0 && (uintmax_t) st.st_dev == dev && (uintmax_t) st.st_ino == ino;
}

void log_setup(const char *ident, const char *env) {
        const char *e = env ? getenv(env) : NULL;

        identifier = ident;
        stderr_is_journal = journal_stream_is_stderr();
        if (isempty(e))
                return;
        if (log_level_from_string(e) < 0)
                fprintf(stderr, "%s: ignoring %s=%s: expected " LOG_LEVEL_NAMES ".\n", ident, env, e);
        else
                max_level = log_level_from_string(e);
}

const char *log_get_identifier(void) {
        return identifier;
}

int log_get_max_level(void) {
        return max_level;
}

void log_set_max_level(int level) {
        if (log_level_to_string(level))
                max_level = level;
}

LogTarget log_get_target(void) {
        return target;
}

void log_set_target(LogTarget t) {
        if (log_target_to_string(t))
                target = t;
}

/* Connected once, non-blocking: a journal that cannot take a message now does not stall the daemon. */
static int journal_socket(void) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET };

        if (journal_fd >= 0)
                return journal_fd;
        journal_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (journal_fd < 0)
                return -errno;
        if (connect(journal_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int r = -errno;

                (void) close(journal_fd);
                journal_fd = -1;
                return r;
        }
        return journal_fd;
}

static bool log_to_journal(int level, int error, const char *file, int line, const char *func,
                           const char *message) {
        char priority[12], errno_text[12], line_text[12];
        JournalField fields[8];
        struct iovec iov[ELEMENTSOF(fields) * JOURNAL_IOVECS_PER_FIELD];
        uint64_t lengths[ELEMENTSOF(fields)];
        size_t n = 0;
        int fd = journal_socket();

        if (fd < 0)
                return false;

        (void) snprintf(priority, sizeof(priority), "%d", level);
        (void) snprintf(line_text, sizeof(line_text), "%d", line);
        fields[n++] = (JournalField) { "PRIORITY", priority };
        fields[n++] = (JournalField) { "SYSLOG_IDENTIFIER", identifier };
        fields[n++] = (JournalField) { "MESSAGE", message };
        fields[n++] = (JournalField) { "CODE_FILE", file };
        fields[n++] = (JournalField) { "CODE_LINE", line_text };
        fields[n++] = (JournalField) { "CODE_FUNC", func };
        if (error != 0) {
                (void) snprintf(errno_text, sizeof(errno_text), "%d", error);
                fields[n++] = (JournalField) { "ERRNO", errno_text };
        }

        struct msghdr mh = { .msg_iov = iov, .msg_iovlen = journal_entry_build(iov, lengths, fields, n) };
        return sendmsg(fd, &mh, MSG_NOSIGNAL) >= 0;
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *fmt, ...) {
        int saved_errno = abs(error);
        LogTarget t = target == LOG_TARGET_AUTO ? (stderr_is_journal ? LOG_TARGET_JOURNAL : LOG_TARGET_CONSOLE)
                                                : target;
        char *message = NULL;
        va_list ap;

        if (t == LOG_TARGET_NULL)
                return -saved_errno;

        errno = saved_errno;
        va_start(ap, fmt);
        if (vasprintf(&message, fmt, ap) < 0)
                message = NULL;
        va_end(ap);

        if (message && t == LOG_TARGET_JOURNAL && log_to_journal(level, saved_errno, file, line, func, message)) {
                free(message);
                errno = saved_errno;
                return -saved_errno;
        }

        /* The console, or what the journal could not take. On the journal's stream, "<N>" keeps the level. */
        if (stderr_is_journal)
                fprintf(stderr, "<%d>", level);
        fprintf(stderr, "%s\n", message ? message : fmt);
        free(message);
        errno = saved_errno;
        return -saved_errno;
}

bool ratelimit_below(RateLimit *rl, uint64_t now, unsigned *ret_suppressed) {
        *ret_suppressed = 0;
        if (rl->begin_usec == 0 || now < rl->begin_usec || now - rl->begin_usec >= rl->interval_usec) {
                *ret_suppressed = rl->suppressed;
                rl->begin_usec = now ?: 1;
                rl->count = 0;
                rl->suppressed = 0;
        }
        if (rl->count >= rl->burst) {
                rl->suppressed++;
                return false;
        }
        rl->count++;
        return true;
}
