/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include "common/duration.h"
#include "common/util.h"

/* Far more than any sane duration needs ("P365D" is 5 bytes); bounds the work on hostile input. */
#define DURATION_STRING_MAX 64

#define FRACTION_DIGITS_MAX 9

/* In the order they must appear in; weeks stand alone. */
typedef enum Unit {
        UNIT_WEEK,
        UNIT_DAY,
        UNIT_HOUR,
        UNIT_MINUTE,
        UNIT_SECOND,
} Unit;

static const uint64_t unit_usec[] = {
        [UNIT_WEEK] = 7 * 24 * 3600 * USEC_PER_SEC,
        [UNIT_DAY] = 24 * 3600 * USEC_PER_SEC,
        [UNIT_HOUR] = 3600 * USEC_PER_SEC,
        [UNIT_MINUTE] = 60 * USEC_PER_SEC,
        [UNIT_SECOND] = USEC_PER_SEC,
};

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* strchr() would find the terminating NUL too. */
static bool is_space(char c) {
        return c != '\0' && strchr(" \t\n\v\f\r", c);
}

/* Why c cannot stand where it does: the most telling reason for the usual mistakes. */
static const char *unexpected(char c) {
        if (is_space(c))
                return "contains white space";
        if (c == '-')
                return "is negative";
        if (c == '+')
                return "has a sign";
        if (c >= 'a' && c <= 'z')
                return "must use upper-case designators";
        return "has an unexpected character";
}

/* Reads 1*digits at *p; sets *overflow rather than wrap when they do not fit. */
static uint64_t parse_digits(const char **p, bool *overflow) {
        uint64_t n = 0;

        for (; is_digit(**p); (*p)++) {
                unsigned d = **p - '0';

                if (n > (UINT64_MAX - d) / 10)
                        *overflow = true;
                else
                        n = n * 10 + d;
        }
        return n;
}

/* Reads the digits after a decimal mark into µs, rounding down; at most 9 of them. */
static const char *parse_fraction(const char **p, uint64_t *ret_usec) {
        const char *start = *p;
        uint64_t usec = 0;
        size_t n;

        for (; is_digit(**p); (*p)++)
                if (*p - start < 6)
                        usec = usec * 10 + (uint64_t) (**p - '0');

        n = *p - start;
        if (n == 0)
                return "has a decimal mark with no digits after it";
        if (n > FRACTION_DIGITS_MAX)
                return "has more than 9 fraction digits";
        for (; n < 6; n++)
                usec *= 10;

        *ret_usec = usec;
        return NULL;
}

/* Maps designator c to its unit, in the date part (before 'T') or the time part. */
static const char *parse_designator(char c, bool in_time, Unit *ret) {
        switch (c) {
        case 'Y':
                return in_time ? "has a date unit after 'T'" : "years and months have no fixed length";
        case 'M':
                if (!in_time)
                        return "years and months have no fixed length";
                *ret = UNIT_MINUTE;
                return NULL;
        case 'W':
        case 'D':
                if (in_time)
                        return "has a date unit after 'T'";
                *ret = c == 'W' ? UNIT_WEEK : UNIT_DAY;
                return NULL;
        case 'H':
        case 'S':
                if (!in_time)
                        return "has a time unit before 'T'";
                *ret = c == 'H' ? UNIT_HOUR : UNIT_SECOND;
                return NULL;
        case '\0':
                return "has a number without a designator";
        default:
                return unexpected(c);
        }
}

/* Parses s, checked to start with 'P' and to be of bounded length, left to right. */
static const char *parse_components(const char *s, uint64_t *ret_usec) {
        const char *p = s + 1;
        uint64_t total = 0;
        bool in_time = false, weeks = false;
        unsigned n_components = 0;
        int last = -1; /* the last unit seen: each must come after it */

        if (!*p)
                return "has no components";

        while (*p) {
                uint64_t n, fraction_usec = 0;
                bool overflow = false, fraction = false;
                const char *reason;
                Unit unit = UNIT_SECOND;

                if (*p == 'T') {
                        if (in_time)
                                return "has more than one 'T'";
                        in_time = true;
                        p++;
                        if (!*p)
                                return n_components == 0 ? "has no components" : "has nothing after 'T'";
                        continue;
                }

                if (*p == '.' || *p == ',')
                        return "has a decimal mark with no digits before it";
                if (strchr("YMWDHS", *p))
                        return "has a designator without a number";
                if (!is_digit(*p))
                        return unexpected(*p);

                n = parse_digits(&p, &overflow);
                if (*p == '.' || *p == ',') {
                        p++;
                        reason = parse_fraction(&p, &fraction_usec);
                        if (reason)
                                return reason;
                        fraction = true;
                }

                reason = parse_designator(*p, in_time, &unit);
                if (reason)
                        return reason;
                p++;

                if (fraction && unit != UNIT_SECOND)
                        return "has a fraction on a unit other than seconds";
                if (weeks || (unit == UNIT_WEEK && n_components > 0))
                        return "combines weeks with other units";
                if ((int) unit == last)
                        return "repeats a unit";
                if ((int) unit < last)
                        return "has units out of order";

                /* Checked before each step, so that nothing ever wraps. */
                if (overflow || n > (DURATION_MAX_USEC - total) / unit_usec[unit])
                        return "is longer than 365 days";
                total += n * unit_usec[unit];
                if (fraction_usec > DURATION_MAX_USEC - total)
                        return "is longer than 365 days";
                total += fraction_usec;

                weeks = unit == UNIT_WEEK;
                last = (int) unit;
                n_components++;
        }

        *ret_usec = total;
        return NULL;
}

static const char *parse(const char *s, uint64_t *ret_usec) {
        if (isempty(s))
                return "is empty";
        /* Bounded, so that a huge string is rejected without being scanned to its end. */
        if (strnlen(s, DURATION_STRING_MAX + 1) > DURATION_STRING_MAX)
                return "is too long";
        if (s[0] == 'P')
                return parse_components(s, ret_usec);
        if (s[0] == 'p' || s[0] == '-' || s[0] == '+' || is_space(s[0]))
                return unexpected(s[0]);
        return "must start with 'P'";
}

bool duration_parse(const char *s, uint64_t *ret_usec, const char **ret_reason) {
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
