/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include "common/timespan.h"
#include "common/util.h"

/* Far more than any sane span needs; bounds the work on hostile input. */
#define TIMESPAN_STRING_MAX 256

#define FRACTION_DIGITS_MAX 9

typedef struct Unit {
        const char *name;
        uint64_t usec;
} Unit;

/* Longest names first, so that "min" is not read as "m" followed by "in". */
static const Unit units[] = {
        { "seconds", USEC_PER_SEC },
        { "second", USEC_PER_SEC },
        { "minutes", 60 * USEC_PER_SEC },
        { "minute", 60 * USEC_PER_SEC },
        { "months", 2629800 * USEC_PER_SEC },
        { "month", 2629800 * USEC_PER_SEC },
        { "hours", 3600 * USEC_PER_SEC },
        { "hour", 3600 * USEC_PER_SEC },
        { "weeks", 7 * 24 * 3600 * USEC_PER_SEC },
        { "week", 7 * 24 * 3600 * USEC_PER_SEC },
        { "years", 31557600 * USEC_PER_SEC },
        { "year", 31557600 * USEC_PER_SEC },
        { "days", 24 * 3600 * USEC_PER_SEC },
        { "day", 24 * 3600 * USEC_PER_SEC },
        { "usec", 1 },
        { "msec", USEC_PER_MSEC },
        { "sec", USEC_PER_SEC },
        { "min", 60 * USEC_PER_SEC },
        { "µs", 1 },
        { "μs", 1 }, /* U+03BC, which systemd takes too */
        { "us", 1 },
        { "ms", USEC_PER_MSEC },
        { "hr", 3600 * USEC_PER_SEC },
        { "s", USEC_PER_SEC },
        { "m", 60 * USEC_PER_SEC },
        { "h", 3600 * USEC_PER_SEC },
        { "d", 24 * 3600 * USEC_PER_SEC },
        { "w", 7 * 24 * 3600 * USEC_PER_SEC },
        { "M", 2629800 * USEC_PER_SEC },
        { "y", 31557600 * USEC_PER_SEC },
};

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* strchr() would find the terminating NUL too. */
static bool is_space(char c) {
        return c != '\0' && strchr(" \t\n\v\f\r", c);
}

static const char *skip_space(const char *p) {
        while (is_space(*p))
                p++;
        return p;
}

/* The unit at *p, which must end there (before a digit, white space or the end); NULL if none fits. */
static const Unit *parse_unit(const char **p) {
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                size_t n = strlen(units[i].name);
                char next;

                if (strncmp(*p, units[i].name, n) != 0)
                        continue;
                next = (*p)[n];
                if (next != '\0' && !is_digit(next) && !is_space(next))
                        continue;
                *p += n;
                return &units[i];
        }
        return NULL;
}

/* One component at p (not white space), added to *total; sets *p past it. */
static const char *parse_component(const char **p, uint64_t *total) {
        uint64_t n = 0, fraction = 0, scale = 1, usec, add;
        const Unit *unit;
        const char *q = *p;
        bool overflow = false;

        if (*q == '-')
                return "is negative";
        if (*q == '+')
                return "has a sign";
        if (*q == '.')
                return "has a decimal point with no digits before it";
        if (!is_digit(*q))
                return "has a unit without a number, or an unexpected character";

        for (; is_digit(*q); q++) {
                unsigned d = *q - '0';

                if (n > (UINT64_MAX - d) / 10)
                        overflow = true;
                else
                        n = n * 10 + d;
        }
        if (*q == '.') {
                const char *start = ++q;

                for (; is_digit(*q); q++)
                        if (q - start < FRACTION_DIGITS_MAX) {
                                fraction = fraction * 10 + (uint64_t) (*q - '0');
                                scale *= 10;
                        }
                if (q == start)
                        return "has a decimal point with no digits after it";
        }

        q = skip_space(q);
        if (*q == '\0' || is_digit(*q))
                unit = &units[0]; /* no unit: seconds */
        else {
                unit = parse_unit(&q);
                if (!unit)
                        return "has an unknown unit (expected us, ms, s, min, h, d, w, M or y)";
        }

        usec = unit->usec;
        /* Checked before each step, so that nothing ever wraps. */
        if (overflow || (n != 0 && usec > (TIMESPAN_INFINITY - 1) / n))
                return "is too long";
        add = n * usec;
        /* usec * fraction / scale, rounded down, without a product that could wrap (fraction < scale <= 10^9). */
        add += usec / scale * fraction + usec % scale * fraction / scale;
        if (add < n * usec || add > TIMESPAN_INFINITY - 1 - *total)
                return "is too long";
        *total += add;
        *p = q;
        return NULL;
}

static const char *parse(const char *s, uint64_t *ret_usec) {
        const char *p;
        uint64_t total = 0;

        if (!s)
                return "is empty";
        /* Bounded, so that a huge string is rejected without being scanned to its end. */
        if (strnlen(s, TIMESPAN_STRING_MAX + 1) > TIMESPAN_STRING_MAX)
                return "is too long";
        p = skip_space(s);
        if (*p == '\0')
                return "is empty";
        if (strncmp(p, "infinity", strlen("infinity")) == 0 && *skip_space(p + strlen("infinity")) == '\0') {
                *ret_usec = TIMESPAN_INFINITY;
                return NULL;
        }
        while (*p) {
                const char *reason = parse_component(&p, &total);

                if (reason)
                        return reason;
                p = skip_space(p);
        }
        *ret_usec = total;
        return NULL;
}

bool timespan_parse(const char *s, uint64_t *ret_usec, const char **ret_reason) {
        uint64_t usec = 0;
        const char *reason;

        reason = parse(s, &usec);
        if (ret_reason)
                *ret_reason = reason;
        if (reason)
                return false;
        if (ret_usec)
                *ret_usec = usec;
        return true;
}
