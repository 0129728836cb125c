/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"

static int max_level = LOG_INFO;
static bool to_journal;

void log_setup(void) {
        static const char *const names[] = {
                [LOG_ERR] = "err",   [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
                [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
        };
        const char *e = getenv("PTPSYNCD_LOG_LEVEL");

        to_journal = getenv("JOURNAL_STREAM") != NULL;
        if (isempty(e))
                return;
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (names[i] && streq(names[i], e)) {
                        max_level = (int) i;
                        return;
                }
        fprintf(stderr, "Ignoring unknown PTPSYNCD_LOG_LEVEL=%s\n", e);
}

int log_get_max_level(void) {
        return max_level;
}

int log_internal(int level, int error, const char *fmt, ...) {
        int saved_errno = abs(error);
        va_list ap;

        if (to_journal)
                fprintf(stderr, "<%d>", level);
        errno = saved_errno;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
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
