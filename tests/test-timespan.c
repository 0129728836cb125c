/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib.h>
#include <inttypes.h>

#include "common/timespan.h"
#include "test-util.h"
#include "common/util.h"

#define R_EMPTY    "is empty"
#define R_LONG     "is too long"
#define R_NEGATIVE "is negative"
#define R_SIGN     "has a sign"
#define R_UNIT     "has an unknown unit (expected us, ms, s, min, h, d, w, M or y)"
#define R_NO_NUM   "has a unit without a number, or an unexpected character"
#define R_BEFORE   "has a decimal point with no digits before it"
#define R_AFTER    "has a decimal point with no digits after it"

#define MS(n)   ((uint64_t) (n) * USEC_PER_MSEC)
#define SEC(n)  ((uint64_t) (n) * USEC_PER_SEC)
#define MIN_(n) SEC((uint64_t) (n) * 60)
#define HOUR(n) MIN_((uint64_t) (n) * 60)
#define DAY(n)  HOUR((uint64_t) (n) * 24)

typedef struct ParseCase {
        const char *s;
        uint64_t usec;
        const char *reason; /* NULL: valid, and usec is its value */
} ParseCase;

static const ParseCase parse_cases[] = {
        /* A plain number is seconds, as in systemd. */
        { "0",                 0,                         NULL },
        { "300",               SEC(300),                  NULL },
        { "0.5",               MS(500),                   NULL },
        { "0.001",             MS(1),                     NULL },
        { "  5  ",             SEC(5),                    NULL },
        { "infinity",          TIMESPAN_INFINITY,         NULL },
        { " infinity ",        TIMESPAN_INFINITY,         NULL },
        /* Every unit systemd.time(7) lists. */
        { "7us",               7,                         NULL },
        { "7usec",             7,                         NULL },
        { "7µs",               7,                         NULL },
        { "7μs",               7,                         NULL },
        { "500ms",             MS(500),                   NULL },
        { "500msec",           MS(500),                   NULL },
        { "5s",                SEC(5),                    NULL },
        { "5sec",              SEC(5),                    NULL },
        { "1second",           SEC(1),                    NULL },
        { "5seconds",          SEC(5),                    NULL },
        { "1m",                MIN_(1),                   NULL },
        { "1min",              MIN_(1),                   NULL },
        { "1minute",           MIN_(1),                   NULL },
        { "2minutes",          MIN_(2),                   NULL },
        { "1h",                HOUR(1),                   NULL },
        { "1hr",               HOUR(1),                   NULL },
        { "1hour",             HOUR(1),                   NULL },
        { "2hours",            HOUR(2),                   NULL },
        { "1d",                DAY(1),                    NULL },
        { "1day",              DAY(1),                    NULL },
        { "2days",             DAY(2),                    NULL },
        { "1w",                DAY(7),                    NULL },
        { "1week",             DAY(7),                    NULL },
        { "2weeks",            DAY(14),                   NULL },
        { "1M",                SEC(2629800),              NULL },
        { "1month",            SEC(2629800),              NULL },
        { "2months",           SEC(2 * 2629800),          NULL },
        { "1y",                SEC(31557600),             NULL },
        { "1year",             SEC(31557600),             NULL },
        { "2years",            SEC(2 * 31557600),         NULL },
        /* Several components, with or without white space; fractions on any unit. */
        { "1h 30min",          MIN_(90),                  NULL },
        { "1h30min",           MIN_(90),                  NULL },
        { "1 h 30 min",        MIN_(90),                  NULL },
        { "2 min 5",           SEC(125),                  NULL },
        { "1.5h",              MIN_(90),                  NULL },
        { "0.5min",            SEC(30),                   NULL },
        { "1s 500ms",          MS(1500),                  NULL },
        { "5min\t3s",          SEC(303),                  NULL },
        { "1.0000001s",        SEC(1),                    NULL },
        { "0.0000001s",        0,                         NULL },
        { "007s",              SEC(7),                    NULL },
        { "1.5y",              SEC(47336400),             NULL },
        { "0.1M",              SEC(262980),               NULL },
        { "0.333333333h",      UINT64_C(1199999998),      NULL }, /* rounded down, never wrapped */
        { "0.999999999y",      UINT64_C(31557599968442),  NULL },
        { "18446744073709551614us", TIMESPAN_INFINITY - 1, NULL },
        /* Refused, saying why. */
        { "",                  0,                         R_EMPTY },
        { "   ",               0,                         R_EMPTY },
        { "-5s",               0,                         R_NEGATIVE },
        { "1s -5s",            0,                         R_NEGATIVE },
        { "+5s",               0,                         R_SIGN },
        { "5 parsecs",         0,                         R_UNIT },
        { "5x",                0,                         R_UNIT },
        { "5S",                0,                         R_UNIT },
        { "5mins",             0,                         R_UNIT },
        { "5 minfoo",          0,                         R_UNIT },
        { "5ns",               0,                         R_UNIT },
        { "soon",              0,                         R_NO_NUM },
        { "s",                 0,                         R_NO_NUM },
        { "infinity 5s",       0,                         R_NO_NUM },
        { "infinityx",         0,                         R_NO_NUM },
        { "Infinity",          0,                         R_NO_NUM },
        { ".5s",               0,                         R_BEFORE },
        { "5.s",               0,                         R_AFTER },
        { "18446744073709551615us", 0,                    R_LONG },
        { "18446744073709551616",   0,                    R_LONG },
        { "99999999999999999999999999s", 0,               R_LONG },
        { "600000y",           0,                         R_LONG },
        { "584554y 584554y",   0,                         R_LONG },
};

static void test_parse(const void *data) {
        const ParseCase *t = data;
        const char *reason = "unset";
        uint64_t usec = 4242;
        bool valid;

        valid = timespan_parse(t->s, &usec, &reason);
        g_assert_cmpstr(reason, ==, t->reason);
        g_assert_cmpint(valid, ==, !t->reason);
        /* The result is left alone on failure. */
        g_assert_cmpuint(usec, ==, valid ? t->usec : 4242);

        /* Both outputs are optional. */
        g_assert_cmpint(timespan_parse(t->s, NULL, NULL), ==, valid);
        reason = "unset";
        g_assert_cmpint(timespan_parse(t->s, NULL, &reason), ==, valid);
        g_assert_cmpstr(reason, ==, t->reason);
}

static void test_null(void) {
        const char *reason = NULL;

        g_assert_false(timespan_parse(NULL, NULL, &reason));
        g_assert_cmpstr(reason, ==, R_EMPTY);
}

/* A string longer than the bound is refused without being read to its end. */
static void test_huge(void) {
        g_autofree char *s = g_strnfill(257, '1');
        g_autofree char *ok = g_strnfill(256, ' ');
        const char *reason = NULL;
        uint64_t usec = 0;

        g_assert_false(timespan_parse(s, NULL, &reason));
        g_assert_cmpstr(reason, ==, R_LONG);
        ok[255] = '1';
        g_assert_true(timespan_parse(ok, &usec, NULL));
        g_assert_cmpuint(usec, ==, SEC(1));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        ADD_CASES("/timespan/parse", parse_cases, test_parse);
        g_test_add_func("/timespan/null", test_null);
        g_test_add_func("/timespan/huge", test_huge);
        return g_test_run();
}
