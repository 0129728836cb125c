/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <json-glib/json-glib.h>
#include <stdint.h>
#include <string.h>

#include "json-strict.h"

typedef struct Scan {
        const char *start, *p, *end;
        unsigned depth, max_depth;
        GError **error;
} Scan;

static bool value(Scan *s);

/* What is at p, for a message: 'x', U+00E9, or "the end". */
static char *describe(const Scan *s) {
        gunichar c;

        if (s->p >= s->end)
                return g_strdup("the end of the body");
        c = g_utf8_get_char(s->p); /* the input is valid UTF-8 */
        if (c >= 0x20 && c < 0x7f)
                return g_strdup_printf("'%c'", (char) c);
        return g_strdup_printf("U+%04" G_GINT32_MODIFIER "X", (gint32) c);
}

static bool fail(Scan *s, const char *expected) {
        g_autofree char *what = describe(s);

        g_set_error(s->error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE, "at byte %zu: %s, found %s",
                    (size_t) (s->p - s->start), expected, what);
        return false;
}

/* A problem with what is at p itself, not with what was expected there. */
static bool problem(Scan *s, const char *what) {
        g_set_error(s->error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE, "at byte %zu: %s",
                    (size_t) (s->p - s->start), what);
        return false;
}

static void skip_ws(Scan *s) {
        while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
                s->p++;
}

static bool literal(Scan *s, const char *word) {
        size_t n = strlen(word);

        if ((size_t) (s->end - s->p) < n || memcmp(s->p, word, n) != 0)
                return fail(s, "expected a value");
        s->p += n;
        return true;
}

static bool digits(Scan *s) {
        const char *from = s->p;

        while (s->p < s->end && g_ascii_isdigit(*s->p))
                s->p++;
        return s->p > from;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool number(Scan *s) {
        if (s->p < s->end && *s->p == '-')
                s->p++;
        if (s->p < s->end && *s->p == '0')
                s->p++;
        else if (!digits(s))
                return fail(s, "expected a digit");
        if (s->p < s->end && *s->p == '.') {
                s->p++;
                if (!digits(s))
                        return fail(s, "expected a digit after the decimal point");
        }
        if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
                s->p++;
                if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
                        s->p++;
                if (!digits(s))
                        return fail(s, "expected a digit in the exponent");
        }
        /* "01", "1.5.5", "1x": what follows a number must end it. */
        if (s->p < s->end && (g_ascii_isalnum(*s->p) || *s->p == '.'))
                return fail(s, "expected the end of the number");
        return true;
}

/* The four hex digits after "\u"; p is on the first one. */
static bool hex4(Scan *s, unsigned *ret) {
        unsigned v = 0;

        for (int i = 0; i < 4; i++, s->p++) {
                if (s->p >= s->end || !g_ascii_isxdigit(*s->p))
                        return fail(s, "expected four hex digits after \\u");
                v = v << 4 | (unsigned) g_ascii_xdigit_value(*s->p);
        }
        *ret = v;
        return true;
}

static bool unicode_escape(Scan *s) {
        const char *escape = s->p - 2; /* at the backslash */
        unsigned u = 0, low = 0; /* set by hex4() when it succeeds; -O3 cannot tell (-Wmaybe-uninitialized) */

        if (!hex4(s, &u))
                return false;
        if (u == 0) {
                s->p = escape;
                return problem(s, "a string may not hold a NUL character (\\u0000)");
        }
        if (u >= 0xdc00 && u <= 0xdfff) {
                s->p = escape;
                return problem(s, "a low surrogate escape (\\udc00-\\udfff) must follow a high one");
        }
        if (u < 0xd800 || u > 0xdbff)
                return true;
        if ((size_t) (s->end - s->p) < 2 || s->p[0] != '\\' || s->p[1] != 'u') {
                s->p = escape;
                return problem(s, "a high surrogate escape (\\ud800-\\udbff) must be followed by a low one");
        }
        s->p += 2;
        if (!hex4(s, &low))
                return false;
        if (low < 0xdc00 || low > 0xdfff) {
                s->p = escape;
                return problem(s, "a high surrogate escape (\\ud800-\\udbff) must be followed by a low one");
        }
        return true;
}

static bool string(Scan *s) {
        if (s->p >= s->end || *s->p != '"')
                return fail(s, "expected a string");
        s->p++;
        for (;;) {
                if (s->p >= s->end)
                        return fail(s, "expected the closing quote of the string");
                if (*s->p == '"') {
                        s->p++;
                        return true;
                }
                if ((unsigned char) *s->p < 0x20)
                        return fail(s, "expected a character (control characters must be escaped)");
                if (*s->p != '\\') {
                        s->p++;
                        continue;
                }
                s->p++;
                if (s->p >= s->end)
                        return fail(s, "expected an escape after the backslash");
                switch (*s->p++) {
                case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                        break;
                case 'u':
                        if (!unicode_escape(s))
                                return false;
                        break;
                default:
                        s->p--;
                        return fail(s, "expected one of \" \\ / b f n r t u after the backslash");
                }
        }
}

static bool enter(Scan *s) {
        if (s->depth >= s->max_depth) {
                g_autofree char *what = g_strdup_printf("nested more than %u arrays or objects deep", s->max_depth);

                return problem(s, what);
        }
        s->depth++;
        s->p++; /* the '{' or '[' */
        skip_ws(s);
        return true;
}

/* Past the closing '}' or ']' p is on. */
static bool leave(Scan *s) {
        s->p++;
        s->depth--;
        return true;
}

static bool object(Scan *s) {
        if (!enter(s))
                return false;
        if (s->p < s->end && *s->p == '}')
                return leave(s);
        for (;;) {
                if (!string(s))
                        return false;
                skip_ws(s);
                if (s->p >= s->end || *s->p != ':')
                        return fail(s, "expected ':' after the key");
                s->p++;
                skip_ws(s);
                if (!value(s))
                        return false;
                skip_ws(s);
                if (s->p < s->end && *s->p == '}')
                        break;
                if (s->p >= s->end || *s->p != ',')
                        return fail(s, "expected ',' or '}' in the object");
                s->p++;
                skip_ws(s);
        }
        return leave(s);
}

static bool array(Scan *s) {
        if (!enter(s))
                return false;
        if (s->p < s->end && *s->p == ']')
                return leave(s);
        for (;;) {
                if (!value(s))
                        return false;
                skip_ws(s);
                if (s->p < s->end && *s->p == ']')
                        break;
                if (s->p >= s->end || *s->p != ',')
                        return fail(s, "expected ',' or ']' in the array");
                s->p++;
                skip_ws(s);
        }
        return leave(s);
}

static bool value(Scan *s) {
        if (s->p >= s->end)
                return fail(s, "expected a value");
        switch (*s->p) {
        case '{':
                return object(s);
        case '[':
                return array(s);
        case '"':
                return string(s);
        case 't':
                return literal(s, "true");
        case 'f':
                return literal(s, "false");
        case 'n':
                return literal(s, "null");
        case '-': case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
                return number(s);
        default:
                return fail(s, "expected a value");
        }
}

bool json_strict_check(const char *data, size_t length, unsigned max_depth, GError **error) {
        Scan s = {
                .start = data,
                .p = data,
                .end = data + length,
                .max_depth = max_depth,
                .error = error,
        };

        g_return_val_if_fail(data || length == 0, false);

        skip_ws(&s);
        if (!value(&s))
                return false;
        skip_ws(&s);
        if (s.p < s.end)
                return fail(&s, "expected nothing after the value");
        return true;
}
