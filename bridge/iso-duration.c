/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "iso-duration.h"

#define FRACTION_DIGITS_MAX 9

typedef struct Unit {
        char designator;
        bool time; /* after the 'T' */
        guint64 usec;
} Unit;

/* In the order they must come in; weeks stand alone. */
static const Unit units[] = {
        { 'W', false, G_GUINT64_CONSTANT(7) * 24 * 3600 * G_USEC_PER_SEC },
        { 'D', false, G_GUINT64_CONSTANT(24) * 3600 * G_USEC_PER_SEC },
        { 'H', true, G_GUINT64_CONSTANT(3600) * G_USEC_PER_SEC },
        { 'M', true, G_GUINT64_CONSTANT(60) * G_USEC_PER_SEC },
        { 'S', true, G_USEC_PER_SEC },
};

static bool fail(const char **ret_reason, const char *reason) {
        if (ret_reason)
                *ret_reason = reason;
        return false;
}

/* The index in units[] of designator d in the date (time false) or time part; -1 if none. */
static int unit_find(char d, bool time) {
        for (size_t i = 0; i < G_N_ELEMENTS(units); i++)
                if (units[i].designator == d && units[i].time == time)
                        return (int) i;
        return -1;
}

/* Reads digits at *p into *ret, saturating past ISO_DURATION_MAX_USEC; false if there are none. */
static bool read_number(const char **p, guint64 *ret) {
        guint64 n = 0;

        if (!g_ascii_isdigit(**p))
                return false;
        for (; g_ascii_isdigit(**p); (*p)++)
                n = n > ISO_DURATION_MAX_USEC ? n : n * 10 + (guint64) (**p - '0');
        *ret = n;
        return true;
}

/* Reads ".ddd" or ",ddd" at *p, if there, as µs (rounded down); false if malformed. */
static bool read_fraction(const char **p, guint64 *ret_usec, const char **ret_reason) {
        guint64 usec = 0, scale = G_USEC_PER_SEC;
        unsigned digits = 0;

        *ret_usec = 0;
        if (**p != '.' && **p != ',')
                return true;
        for ((*p)++; g_ascii_isdigit(**p); (*p)++, digits++) {
                if (digits >= FRACTION_DIGITS_MAX)
                        return fail(ret_reason, "has more than 9 digits after the decimal point");
                scale /= 10;
                usec += (guint64) (**p - '0') * scale;
        }
        if (digits == 0)
                return fail(ret_reason, "has no digits after the decimal point");
        if (**p != 'S')
                return fail(ret_reason, "has a fraction on a unit other than seconds");
        *ret_usec = usec;
        return true;
}

bool iso_duration_parse(const char *s, guint64 *ret_usec, const char **ret_reason) {
        bool time = false, any = false, any_time = false, weeks = false;
        guint64 total = 0;
        size_t next = 0; /* units[next..] may still come */
        const char *p;

        if (!s || !*s)
                return fail(ret_reason, "is empty");
        if (strnlen(s, ISO_DURATION_TEXT_MAX + 1) > ISO_DURATION_TEXT_MAX)
                return fail(ret_reason, "is longer than 64 characters");
        if (s[0] == '-' || s[0] == '+')
                return fail(ret_reason, "has a sign: a duration is never negative");
        if (s[0] != 'P')
                return fail(ret_reason, "must start with 'P' (PT1S is one second)");

        for (p = s + 1; *p;) {
                guint64 n = 0, fraction = 0;
                int i;

                if (*p == 'T') {
                        if (time)
                                return fail(ret_reason, "has 'T' twice");
                        time = true;
                        next = MAX(next, (size_t) unit_find('H', true));
                        p++;
                        continue;
                }
                if (!read_number(&p, &n))
                        return fail(ret_reason, "has something other than a number where a number belongs");
                if (!read_fraction(&p, &fraction, ret_reason))
                        return false;
                if (!*p)
                        return fail(ret_reason, "ends in a number without its unit (S, M, H, D or W)");
                if (!time && (*p == 'Y' || *p == 'M'))
                        return fail(ret_reason, "has years or months, which have no fixed length "
                                                "(a minute is PT1M)");

                i = unit_find(*p, time);
                if (i < 0)
                        return fail(ret_reason, time ? "has a unit other than H, M and S after 'T'" :
                                                       "has a unit other than W and D before 'T'");
                if ((size_t) i < next)
                        return fail(ret_reason, "has its components repeated or out of order");
                if (weeks || (units[i].designator == 'W' && any))
                        return fail(ret_reason, "has weeks with other components (weeks stand alone)");

                weeks = units[i].designator == 'W';
                next = (size_t) i + 1;
                any = true;
                any_time = any_time || time;
                p++;

                if (n > ISO_DURATION_MAX_USEC / units[i].usec)
                        return fail(ret_reason, "is longer than a year");
                total += n * units[i].usec + fraction;
                if (total > ISO_DURATION_MAX_USEC)
                        return fail(ret_reason, "is longer than a year");
        }

        if (!any)
                return fail(ret_reason, "has no components (PT1S is one second)");
        if (time && !any_time)
                return fail(ret_reason, "has a 'T' with nothing after it");

        *ret_usec = total;
        return true;
}
