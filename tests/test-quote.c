/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib.h>

#include "common/quote.h"
#include "test-util.h"
#include "common/util.h"

#define A63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define E2 "\xc3\xa9"         /* é */
#define E3 "\xe2\x82\xac"     /* € */
#define E4 "\xf0\x9f\x98\x80" /* 😀 */
#define E2x8 E2 E2 E2 E2 E2 E2 E2 E2

typedef struct QuoteCase {
        const char *in;
        size_t max;
        const char *out; /* escape_for_message() */
} QuoteCase;

static const QuoteCase cases[] = {
        { "",                   4, "" },
        { "",                   0, "" },
        { "a",                  0, "..." },
        { "abcd",               4, "abcd" },                 /* exactly max: not cut */
        { "abcde",              4, "abcd..." },
        /* A character that does not fit whole is left out whole. */
        { "aa" E2,              4, "aa" E2 },
        { "aaa" E2,             4, "aaa..." },
        { "aaaa" E2,            4, "aaaa..." },
        { "a" E3,               4, "a" E3 },
        { "aa" E3,              4, "aa..." },
        { E4,                   4, E4 },
        { E4,                   3, "..." },
        { "a" E4,               4, "a..." },
        { E2 E2 E2,             5, E2 E2 "..." },
        /* Escapes: the cut counts bytes of the input, not of the output. */
        { "\"\\",               2, "\\\"\\\\" },
        { "a\nb\rc\td",         7, "a\\nb\\rc\\td" },
        { "\x01\x1f\x7f",       3, "\\x01\\x1f\\x7f" },
        { "\n\n\n",             2, "\\n\\n..." },
        /* Not UTF-8: each bad byte escaped, the rest kept. */
        { "\xff",               4, "\\xff" },
        { "\xc3",               4, "\\xc3" },                /* truncated */
        { "\xc3(",              4, "\\xc3(" },
        { "\xa9",               4, "\\xa9" },                /* lone continuation */
        { "\xe2\x82",           4, "\\xe2\\x82" },           /* truncated 3-byte */
        { "\xe2\x82" "a",       4, "\\xe2\\x82a" },
        { "\xf0\x9f\x98",       4, "\\xf0\\x9f\\x98" },      /* truncated 4-byte */
        { "\xc0\xaf",           4, "\\xc0\\xaf" },           /* overlong '/' */
        { "\xe0\x80\xaf",       4, "\\xe0\\x80\\xaf" },      /* overlong '/' */
        { "\xf0\x80\x80\xaf",   4, "\\xf0\\x80\\x80\\xaf" }, /* overlong '/' */
        { "\xed\xa0\x80",       4, "\\xed\\xa0\\x80" },      /* surrogate U+D800 */
        { "\xf4\x90\x80\x80",   4, "\\xf4\\x90\\x80\\x80" }, /* U+110000 */
        { "\xf8\x88\x80\x80\x80", 5, "\\xf8\\x88\\x80\\x80\\x80" },
        { "\xff\xff\xff",       2, "\\xff\\xff..." },
        /* Valid but invisible, reordering or refused by sd-bus: escaped. */
        { "\xc2\x85",           4, "\\u0085" },              /* NEL, a C1 control */
        { "a\xe2\x80\xae" "b",  5, "a\\u202eb" },            /* RIGHT-TO-LEFT OVERRIDE */
        { "\xe2\x81\xa6",       4, "\\u2066" },              /* LEFT-TO-RIGHT ISOLATE */
        { "\xe2\x80\xa8",       4, "\\u2028" },              /* LINE SEPARATOR */
        { "\xe2\x80\x8b",       4, "\\u200b" },              /* ZERO WIDTH SPACE */
        { "\xef\xbb\xbf",       4, "\\ufeff" },              /* BOM */
        { "\xef\xbf\xbe",       4, "\\ufffe" },              /* noncharacter */
        { "\xef\xb7\x90",       4, "\\ufdd0" },              /* noncharacter */
        { "\xf4\x8f\xbf\xbf",   4, "\\U0010ffff" },          /* noncharacter */
        { "\xf3\xa0\x81\x81",   4, "\\U000e0041" },          /* TAG LATIN CAPITAL LETTER A */
        /* Printable characters beyond ASCII stay as they are. */
        { "caf" E2,             5, "caf" E2 },
        { "\xc2\xa0",           4, "\xc2\xa0" },             /* NO-BREAK SPACE: visible enough */
        { "\xef\xbf\xbd",       4, "\xef\xbf\xbd" },         /* U+FFFD */
        { "\xf4\x8f\xbf\xbd",   4, "\xf4\x8f\xbf\xbd" },     /* U+10FFFD, the last private-use one */
};

static void test_case(const void *data) {
        const QuoteCase *t = data;
        char buf[QUOTE_SIZE(8)];
        g_autofree char *quoted = g_strdup_printf("\"%s\"", t->out);

        g_assert_cmpuint(t->max, <=, 8);
        g_assert_cmpstr(escape_for_message(buf, sizeof(buf), t->in, t->max), ==, t->out);
        g_assert_true(g_utf8_validate(buf, -1, NULL));
        g_assert_cmpstr(quote_for_message(buf, sizeof(buf), t->in, t->max), ==, quoted);
}

/* The inputs of issue 9 at the real limit, through the macros the daemon uses. */
static void test_macros(void) {
        g_assert_cmpuint(QUOTE_MAX, ==, 64);
        g_assert_cmpstr(QUOTE(A63 "x"), ==, "\"" A63 "x\"");
        g_assert_cmpstr(QUOTE(A63 "xy"), ==, "\"" A63 "x...\"");
        g_assert_cmpstr(QUOTE(A63 E2), ==, "\"" A63 "...\"");
        g_assert_cmpstr(QUOTE(E2x8 E2x8 E2x8 E2x8), ==, "\"" E2x8 E2x8 E2x8 E2x8 "\"");
        g_assert_cmpstr(QUOTE("/" E2x8 E2x8 E2x8 E2x8), ==,
                        "\"/" E2x8 E2x8 E2x8 E2 E2 E2 E2 E2 E2 E2 "...\"");
        g_assert_cmpstr(ESCAPE(A63 E2), ==, A63 "...");
        g_assert_cmpstr(ESCAPE_MAX("abc", 2), ==, "ab...");
}

/*
 * 'a' x k, then one character of n bytes, then "z": for every k around the
 * limit, the character is in whole or not at all.
 */
static void check_around(const char *c, size_t max) {
        size_t n = strlen(c);

        for (size_t k = max >= n + 2 ? max - n - 2 : 0; k <= max + 1; k++) {
                g_autofree char *prefix = g_strnfill(k, 'a');
                g_autofree char *in = g_strconcat(prefix, c, "z", NULL);
                g_autofree char *kept = g_strnfill(MIN(k, max), 'a');
                g_autofree char *expected = g_strconcat(kept, k + n <= max ? c : "",
                                                        k + n + 1 <= max ? "z" : "...", NULL);
                char buf[QUOTE_SIZE(QUOTE_MAX)];

                escape_for_message(buf, sizeof(buf), in, max);
                if (!g_str_equal(buf, expected))
                        g_test_message("k=%zu, max=%zu", k, max);
                g_assert_cmpstr(buf, ==, expected);
                g_assert_true(g_utf8_validate(buf, -1, NULL));
        }
}

static void test_around(const void *data) {
        const char *c = data;

        for (size_t max = 0; max <= 8; max++)
                check_around(c, max);
        check_around(c, QUOTE_MAX);
}

/* QUOTE_SIZE() holds the worst case exactly; a smaller buffer is cut sooner, never overrun. */
static void test_size(void) {
        char in[QUOTE_MAX + 2], buf[QUOTE_SIZE(QUOTE_MAX) + 16];
        g_autoptr(GString) expected = g_string_new("\"");

        memset(in, 0xff, sizeof(in) - 1);
        in[sizeof(in) - 1] = '\0';
        for (size_t i = 0; i < QUOTE_MAX; i++)
                g_string_append(expected, "\\xff");
        g_string_append(expected, "...\"");

        memset(buf, 'Z', sizeof(buf));
        quote_for_message(buf, QUOTE_SIZE(QUOTE_MAX), in, QUOTE_MAX);
        g_assert_cmpstr(buf, ==, expected->str);
        g_assert_cmpuint(strlen(buf) + 1, ==, QUOTE_SIZE(QUOTE_MAX));
        for (size_t i = QUOTE_SIZE(QUOTE_MAX); i < sizeof(buf); i++)
                g_assert_cmpint(buf[i], ==, 'Z');

        for (size_t size = QUOTE_SIZE(0); size < 20; size++) {
                memset(buf, 'Z', sizeof(buf));
                quote_for_message(buf, size, "abcdefghijklmnopqrstuvwxyz", QUOTE_MAX);
                g_assert_cmpuint(strlen(buf), <, size);
                g_assert_true(g_str_has_suffix(buf, "...\""));
                for (size_t i = size; i < sizeof(buf); i++)
                        g_assert_cmpint(buf[i], ==, 'Z');
        }
        g_assert_cmpstr(quote_for_message(buf, QUOTE_SIZE(0), "a", QUOTE_MAX), ==, "\"...\"");
        g_assert_cmpstr(quote_for_message(buf, 10, "abcdefghij", QUOTE_MAX), ==, "\"abcd...\"");
        g_assert_cmpstr(escape_for_message(buf, QUOTE_SIZE(0), "", QUOTE_MAX), ==, "");
}

/* 10 MB comes out as its first QUOTE_MAX bytes. */
static void test_huge(void) {
        g_autofree char *huge = g_strnfill(10 * 1024 * 1024, 'h');
        g_autofree char *kept = g_strnfill(QUOTE_MAX, 'h');
        g_autofree char *expected = g_strconcat("\"", kept, "...\"", NULL);

        g_assert_cmpstr(QUOTE(huge), ==, expected);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        ADD_CASES("/quote/case", cases, test_case);
        g_test_add_func("/quote/macros", test_macros);
        g_test_add_data_func("/quote/around/2-bytes", E2, test_around);
        g_test_add_data_func("/quote/around/3-bytes", E3, test_around);
        g_test_add_data_func("/quote/around/4-bytes", E4, test_around);
        g_test_add_func("/quote/size", test_size);
        g_test_add_func("/quote/huge", test_huge);
        return g_test_run();
}
