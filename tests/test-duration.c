/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/duration.h"
#include "test-util.h"
#include "common/util.h"

#define R_EMPTY     "is empty"
#define R_LONG      "is too long"
#define R_P         "must start with 'P'"
#define R_CASE      "must use upper-case designators"
#define R_NEGATIVE  "is negative"
#define R_SIGN      "has a sign"
#define R_SPACE     "contains white space"
#define R_NONE      "has no components"
#define R_T_EMPTY   "has nothing after 'T'"
#define R_T_TWICE   "has more than one 'T'"
#define R_YM        "years and months have no fixed length"
#define R_DATE      "has a date unit after 'T'"
#define R_TIME      "has a time unit before 'T'"
#define R_WEEKS     "combines weeks with other units"
#define R_ORDER     "has units out of order"
#define R_REPEAT    "repeats a unit"
#define R_FRACTION  "has a fraction on a unit other than seconds"
#define R_DIGITS    "has more than 9 fraction digits"
#define R_BEFORE    "has a decimal mark with no digits before it"
#define R_AFTER     "has a decimal mark with no digits after it"
#define R_NUMBER    "has a number without a designator"
#define R_NO_NUMBER "has a designator without a number"
#define R_CHAR      "has an unexpected character"
#define R_MAX       "is longer than 365 days"

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
        { "PT0S",                         0,                        NULL },
        { "PT0.2S",                       200000,                   NULL },
        { "PT1,5S",                       1500000,                  NULL },
        { "PT0,2S",                       200000,                   NULL },
        { "P1W",                          DAY(7),                   NULL },
        { "P1D",                          DAY(1),                   NULL },
        { "P1DT1H",                       DAY(1) + HOUR(1),         NULL },
        { "PT1M30S",                      SEC(90),                  NULL },
        { "PT0.000001S",                  1,                        NULL },
        { "PT0.0000001S",                 0,                        NULL },
        { "PT0.999999999S",               999999,                   NULL },
        { "PT1.000000999S",               SEC(1),                   NULL },
        { "PT1.1S",                       1100000,                  NULL },
        { "PT1.12S",                      1120000,                  NULL },
        { "PT1.123456S",                  1123456,                  NULL },
        { "PT1H",                         HOUR(1),                  NULL },
        { "PT1M",                         MIN_(1),                  NULL },
        { "PT90M",                        MIN_(90),                 NULL },
        { "PT1H1M1.5S",                   HOUR(1) + MIN_(1) + 1500000, NULL },
        { "PT1H30S",                      HOUR(1) + SEC(30),        NULL },
        { "P2DT3H4M5S",                   DAY(2) + HOUR(3) + MIN_(4) + SEC(5), NULL },
        { "P1DT0.5S",                     DAY(1) + 500000,          NULL },
        { "P1DT1M",                       DAY(1) + MIN_(1),         NULL },
        { "P0D",                          0,                        NULL },
        { "P0W",                          0,                        NULL },
        { "PT0H0M0S",                     0,                        NULL },
        { "PT007S",                       SEC(7),                   NULL },
        { "P52W",                         DAY(364),                 NULL },
        /* The maximum, every way round, and just under it. */
        { "P365D",                        DURATION_MAX_USEC,        NULL },
        { "PT31536000S",                  DURATION_MAX_USEC,        NULL },
        { "PT8760H",                      DURATION_MAX_USEC,        NULL },
        { "PT525600M",                    DURATION_MAX_USEC,        NULL },
        { "P364DT24H",                    DURATION_MAX_USEC,        NULL },
        { "P364DT23H59M60S",              DURATION_MAX_USEC,        NULL },
        { "PT31535999.999999S",           DURATION_MAX_USEC - 1,    NULL },
        { "PT31535999.999999999S",        DURATION_MAX_USEC - 1,    NULL },
        { "PT31536000.0000009S",          DURATION_MAX_USEC,        NULL }, /* rounds down to the max */
        { "P00000000000000000000000000000000000000000000000000000000000365D", DURATION_MAX_USEC, NULL },
        /* Just over, and far over: never wrapping round to something small. */
        { "PT31536000.000001S",           0, R_MAX },
        { "PT31536001S",                  0, R_MAX },
        { "P366D",                        0, R_MAX },
        { "P53W",                         0, R_MAX },
        { "P365DT1S",                     0, R_MAX },
        { "P365DT0.000001S",              0, R_MAX },
        { "P1DT8760H",                    0, R_MAX },
        { "PT8761H",                      0, R_MAX },
        { "PT18446744073709551615S",      0, R_MAX },
        { "PT18446744073709551616S",      0, R_MAX },
        /* Multiplied unchecked in 64 bits, each would wrap round to 8192 µs. */
        { "P594267380937525W",            0, R_MAX },
        { "P1908071852877427D",           0, R_MAX },
        { "PT99999999999999999999999999999999999999999999999999999999999S", 0, R_MAX },
        /* Empty, or not a duration at all. */
        { NULL,                           0, R_EMPTY },
        { "",                             0, R_EMPTY },
        { "1D",                           0, R_P },
        { "T1H",                          0, R_P },
        { "1S",                           0, R_P },
        { "1s",                           0, R_P },
        { "0",                            0, R_P },
        { "X",                            0, R_P },
        { "\xc3\x89T1S",                  0, R_P },
        /* Lower case. */
        { "p1d",                          0, R_CASE },
        { "pT1S",                         0, R_CASE },
        { "Pt1S",                         0, R_CASE },
        { "PT1s",                         0, R_CASE },
        { "P1d",                          0, R_CASE },
        { "PT1h",                         0, R_CASE },
        { "PT1m",                         0, R_CASE },
        { "P1w",                          0, R_CASE },
        { "P1DtT1H",                      0, R_CASE },
        /* Signs. */
        { "-P1D",                         0, R_NEGATIVE },
        { "PT-1S",                        0, R_NEGATIVE },
        { "P-1D",                         0, R_NEGATIVE },
        { "PT1H-1S",                      0, R_NEGATIVE },
        { "+P1D",                         0, R_SIGN },
        { "PT+1S",                        0, R_SIGN },
        /* White space anywhere. */
        { " P1D",                         0, R_SPACE },
        { "P1D ",                         0, R_SPACE },
        { "P 1D",                         0, R_SPACE },
        { "PT1 S",                        0, R_SPACE },
        { "\tPT1S",                       0, R_SPACE },
        { "PT1S\n",                       0, R_SPACE },
        { "P1DT 1H",                      0, R_SPACE },
        /* Nothing in it. */
        { "P",                            0, R_NONE },
        { "PT",                           0, R_NONE },
        { "P1DT",                         0, R_T_EMPTY },
        { "P1WT",                         0, R_T_EMPTY },
        { "PTT1S",                        0, R_T_TWICE },
        { "PT1HT1M",                      0, R_T_TWICE },
        { "P1DTT",                        0, R_T_TWICE },
        /* Years and months. */
        { "P1Y",                          0, R_YM },
        { "P1M",                          0, R_YM },
        { "P1Y2M",                        0, R_YM },
        { "P1M1D",                        0, R_YM },
        { "P0Y",                          0, R_YM },
        { "P1.5Y",                        0, R_YM },
        /* Units on the wrong side of 'T'. */
        { "PT1Y",                         0, R_DATE },
        { "PT1D",                         0, R_DATE },
        { "PT1W",                         0, R_DATE },
        { "P1H",                          0, R_TIME },
        { "P1S",                          0, R_TIME },
        { "P1D1H",                        0, R_TIME },
        /* Weeks stand alone. */
        { "P1W1D",                        0, R_WEEKS },
        { "P1D1W",                        0, R_WEEKS },
        { "P1WT1H",                       0, R_WEEKS },
        { "P1W1W",                        0, R_WEEKS },
        { "P0WT0S",                       0, R_WEEKS },
        /* Order and repetition. */
        { "PT1S1M",                       0, R_ORDER },
        { "PT1S1H",                       0, R_ORDER },
        { "PT1M1H",                       0, R_ORDER },
        { "P1DT1S1H",                     0, R_ORDER },
        { "PT1H1H",                       0, R_REPEAT },
        { "P1D1D",                        0, R_REPEAT },
        { "PT1S1S",                       0, R_REPEAT },
        { "PT1M1M",                       0, R_REPEAT },
        /* Fractions. */
        { "P1.5D",                        0, R_FRACTION },
        { "P1.5W",                        0, R_FRACTION },
        { "PT1.5H",                       0, R_FRACTION },
        { "PT1,5M",                       0, R_FRACTION },
        { "PT0.1234567891S",              0, R_DIGITS },
        { "PT1.0000000000S",              0, R_DIGITS },
        { "PT.5S",                        0, R_BEFORE },
        { "PT,5S",                        0, R_BEFORE },
        { "P.5D",                         0, R_BEFORE },
        { "PT1.S",                        0, R_AFTER },
        { "PT1,S",                        0, R_AFTER },
        { "PT1.",                         0, R_AFTER },
        { "PT1..5S",                      0, R_AFTER },
        { "PT1.5.5S",                     0, R_CHAR },
        /* Digits without a designator, and the other way round. */
        { "PT1",                          0, R_NUMBER },
        { "P1",                           0, R_NUMBER },
        { "PT1.5",                        0, R_NUMBER },
        { "P1D1",                         0, R_NUMBER },
        { "PT1S5",                        0, R_NUMBER },
        { "PTS",                          0, R_NO_NUMBER },
        { "PD",                           0, R_NO_NUMBER },
        { "PT1HM",                        0, R_NO_NUMBER },
        { "PT1SS",                        0, R_NO_NUMBER },
        { "PW",                           0, R_NO_NUMBER },
        /* Trailing garbage, and other characters. */
        { "P1DX",                         0, R_CHAR },
        { "PT1S!",                        0, R_CHAR },
        { "PT1S.",                        0, R_BEFORE },
        { "PT1S_",                        0, R_CHAR },
        { "PT1S\xc3\xa9",                 0, R_CHAR },
        { "PT1X",                         0, R_CHAR },
        { "PT1\xff",                      0, R_CHAR },
        { "P1D/P2D",                      0, R_CHAR },
        { "PT1e3S",                       0, R_CASE },
        { "PT1E3S",                       0, R_CHAR },
        /* The first problem from the left is the one reported. */
        { "P1M ",                         0, R_YM },
        { "P1D T1Y",                      0, R_SPACE },
        { "PT1S1Y",                       0, R_DATE },
};

static void test_parse(const void *data) {
        const ParseCase *t = data;
        const char *reason = "unset";
        uint64_t usec = 4242;
        bool valid;

        valid = duration_parse(t->s, &usec, &reason);
        g_assert_cmpstr(reason, ==, t->reason);
        g_assert_cmpint(valid, ==, !t->reason);
        /* The result is left alone on failure. */
        g_assert_cmpuint(usec, ==, valid ? t->usec : 4242);

        /* Both outputs are optional. */
        g_assert_cmpint(duration_parse(t->s, NULL, NULL), ==, valid);
        usec = 4242;
        g_assert_cmpint(duration_parse(t->s, &usec, NULL), ==, valid);
        g_assert_cmpuint(usec, ==, valid ? t->usec : 4242);
        reason = "unset";
        g_assert_cmpint(duration_parse(t->s, NULL, &reason), ==, valid);
        g_assert_cmpstr(reason, ==, t->reason);
}

static void test_max(void) {
        uint64_t usec = 0;

        /* The constant is what the header says it is. */
        g_assert_cmpuint(DURATION_MAX_USEC, ==, UINT64_C(31536000000000));

        g_assert_true(duration_parse("PT31536000S", &usec, NULL));
        g_assert_cmpuint(usec, ==, DURATION_MAX_USEC);
        g_assert_true(duration_parse("PT31536000.000000S", &usec, NULL));
        g_assert_cmpuint(usec, ==, DURATION_MAX_USEC);
        g_assert_false(duration_parse("PT31536000.000001S", &usec, NULL));
        g_assert_cmpuint(usec, ==, DURATION_MAX_USEC);
}

/* Every µs count up to the max formats as "PT<sec>.<6 digits>S" and parses back to itself. */
static void test_round_trip(void) {
        static const uint64_t values[] = {
                0, 1, 9, 10, 999999, 1000000, 1000001, 200000, 86400000000, DURATION_MAX_USEC - 1,
                DURATION_MAX_USEC,
        };

        for (size_t i = 0; i < G_N_ELEMENTS(values); i++) {
                g_autofree char *s = g_strdup_printf("PT%" PRIu64 ".%06" PRIu64 "S",
                                                     values[i] / USEC_PER_SEC, values[i] % USEC_PER_SEC);
                uint64_t usec = 0;

                g_assert_true(duration_parse(s, &usec, NULL));
                g_assert_cmpuint(usec, ==, values[i]);
        }
}

static char *make_duration(size_t length) {
        char *s = g_malloc(length + 1);

        /* "PT000...01S": valid at any length. */
        g_assert_cmpuint(length, >=, 4);
        memcpy(s, "PT", 2);
        memset(s + 2, '0', length - 4);
        memcpy(s + length - 2, "1S", 3);
        return s;
}

static void test_length(void) {
        g_autofree char *max = make_duration(64), *over = make_duration(65);
        const char *reason = NULL;
        uint64_t usec = 0;

        g_assert_true(duration_parse(max, &usec, &reason));
        g_assert_null(reason);
        g_assert_cmpuint(usec, ==, USEC_PER_SEC);

        g_assert_false(duration_parse(over, &usec, &reason));
        g_assert_cmpstr(reason, ==, R_LONG);

        /* Length is checked before content. */
        over[0] = 'x';
        g_assert_false(duration_parse(over, &usec, &reason));
        g_assert_cmpstr(reason, ==, R_LONG);
}

static void test_huge(void) {
        g_autofree char *huge = make_duration(10 * 1024 * 1024);
        const char *reason = NULL;
        gint64 start;

        start = g_get_monotonic_time();
        for (unsigned i = 0; i < 100; i++) {
                g_assert_false(duration_parse(huge, NULL, &reason));
                g_assert_cmpstr(reason, ==, R_LONG);
        }
        /* Bounded work: scanning 10 MB a hundred times would show, even under sanitizers. */
        g_assert_cmpint(g_get_monotonic_time() - start, <, G_USEC_PER_SEC);
}

/* A too-long duration is rejected after reading 65 bytes: what follows is never touched. */
static void test_bounded_read(void) {
        size_t page = (size_t) sysconf(_SC_PAGESIZE);
        size_t size = 2 * page;
        const char *reason = NULL;
        char *map, *s;

        map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        g_assert_true(map != MAP_FAILED);
        g_assert_cmpint(mprotect(map + page, page, PROT_NONE), ==, 0);

        /* 65 bytes, no NUL, then the guard page. */
        s = map + page - 65;
        memcpy(s, "PT", 2);
        memset(s + 2, '0', 63);

        g_assert_false(duration_parse(s, NULL, &reason));
        g_assert_cmpstr(reason, ==, R_LONG);

        g_assert_cmpint(munmap(map, size), ==, 0);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        ADD_CASES("/duration/parse", parse_cases, test_parse);
        g_test_add_func("/duration/max", test_max);
        g_test_add_func("/duration/round-trip", test_round_trip);
        g_test_add_func("/duration/length", test_length);
        g_test_add_func("/duration/huge", test_huge);
        g_test_add_func("/duration/bounded-read", test_bounded_read);
        return g_test_run();
}
