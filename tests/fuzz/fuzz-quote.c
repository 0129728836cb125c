/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The message quoting: whatever the bytes, the result is printable, valid
 * UTF-8 as sd-bus wants it, fits its buffer, and reads back (unescaped) as
 * the input, or as a prefix of it cut at most one character short of max.
 * Input: one byte for max, one for how short the buffer is, then the string.
 */

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "common/quote.h"
#include "common/util.h"

/* What sd-bus accepts in a string, and nothing a terminal would act on. */
static void check_printable_utf8(const char *s) {
        check(g_utf8_validate(s, -1, NULL));
        for (const char *p = s; *p; p = g_utf8_next_char(p)) {
                gunichar c = g_utf8_get_char(p);

                check(c >= 0x20 && c != 0x7f && !(c >= 0x80 && c <= 0x9f));
                check(!(c >= 0xfdd0 && c <= 0xfdef) && (c & 0xfffe) != 0xfffe);
        }
}

static unsigned hex(const char *s, size_t n) {
        char digits[9] = {};

        memcpy(digits, s, n);
        return (unsigned) strtoul(digits, NULL, 16);
}

/* Undoes the escapes; the output of escape_for_message() without a trailing "..." only. */
static GString *unescape(const char *s, size_t n) {
        GString *out = g_string_new(NULL);

        for (size_t i = 0; i < n;) {
                if (s[i] != '\\') {
                        g_string_append_c(out, s[i++]);
                        continue;
                }
                check(i + 1 < n);
                switch (s[i + 1]) {
                case 'n': g_string_append_c(out, '\n'); i += 2; break;
                case 'r': g_string_append_c(out, '\r'); i += 2; break;
                case 't': g_string_append_c(out, '\t'); i += 2; break;
                case '"': g_string_append_c(out, '"'); i += 2; break;
                case '\\': g_string_append_c(out, '\\'); i += 2; break;
                case 'x':
                        check(i + 4 <= n);
                        g_string_append_c(out, (char) hex(s + i + 2, 2));
                        i += 4;
                        break;
                case 'u':
                        check(i + 6 <= n);
                        g_string_append_unichar(out, hex(s + i + 2, 4));
                        i += 6;
                        break;
                case 'U':
                        check(i + 10 <= n);
                        g_string_append_unichar(out, hex(s + i + 2, 8));
                        i += 10;
                        break;
                default:
                        check(!"an unknown escape");
                }
        }
        return out;
}

static void check_one(const char *in, size_t max, size_t size) {
        g_autofree char *buf = g_malloc(size), *qbuf = g_malloc(size + 2);
        size_t in_len = strlen(in), out_len;
        bool cut;
        g_autoptr(GString) back = NULL;

        escape_for_message(buf, size, in, max);
        out_len = strlen(buf);
        check(out_len < size);
        check_printable_utf8(buf);

        cut = out_len >= 3 && strcmp(buf + out_len - 3, "...") == 0;
        back = unescape(buf, out_len);
        if (in_len <= max && size >= QUOTE_SIZE(max))
                /* With room enough, what fits within max is there whole. */
                check(back->len == in_len && memcmp(back->str, in, in_len) == 0);
        else if (!(in_len <= max && back->len == in_len && memcmp(back->str, in, in_len) == 0)) {
                /* Cut: a proper prefix of at most max bytes, then "...". */
                check(cut);
                g_string_free(back, true);
                back = unescape(buf, out_len - 3);
                check(back->len <= max && back->len < in_len);
                check(memcmp(back->str, in, back->len) == 0);
                /* With room enough, at most one character (4 bytes) short of max. */
                if (size >= QUOTE_SIZE(max))
                        check(back->len + 4 > max);
        }

        /* Quoted: the same between two quotes, with room for them. */
        quote_for_message(qbuf, size + 2, in, max);
        check(strlen(qbuf) == out_len + 2 && qbuf[0] == '"' && qbuf[out_len + 1] == '"');
        check(memcmp(qbuf + 1, buf, out_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autofree char *in = NULL;
        size_t max, room;

        if (size < 2)
                return 0;
        max = data[0] % (2 * QUOTE_MAX + 1);
        in = g_strndup((const char *) data + 2, size - 2); /* up to the first NUL, as a C string */

        check_one(in, max, QUOTE_SIZE(max));
        /* A buffer short by data[1] bytes, never below the minimum. */
        room = QUOTE_SIZE(max) - MIN((size_t) data[1], QUOTE_SIZE(max) - QUOTE_SIZE(0));
        check_one(in, max, room);
        return 0;
}
