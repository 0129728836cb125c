/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <string.h>

#include "log-quote.h"

static void append_char(GString *out, const char *p, size_t len, gunichar c) {
        switch (c) {
        case '"':
                g_string_append(out, "\\\"");
                return;
        case '\\':
                g_string_append(out, "\\\\");
                return;
        case '\n':
                g_string_append(out, "\\n");
                return;
        case '\r':
                g_string_append(out, "\\r");
                return;
        case '\t':
                g_string_append(out, "\\t");
                return;
        default:
                if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
                        g_string_append_printf(out, "\\u%04x", (unsigned) c);
                else
                        g_string_append_len(out, p, (gssize) len);
        }
}

char *log_quote(const char *s) {
        GString *out;
        size_t n;
        bool longer;

        if (!s)
                return g_strdup("(null)");
        n = strlen(s);
        longer = n > LOG_QUOTE_MAX;
        if (longer) {
                n = LOG_QUOTE_MAX;
                while (n > 0 && ((unsigned char) s[n] & 0xc0) == 0x80) /* not inside a character */
                        n--;
        }

        out = g_string_new("\"");
        for (const char *p = s, *end = s + n; p < end;) {
                gunichar c = g_utf8_get_char_validated(p, end - p);

                if (c == (gunichar) -1 || c == (gunichar) -2) {
                        g_string_append_printf(out, "\\x%02x", (unsigned) (unsigned char) *p);
                        p++;
                        continue;
                }
                append_char(out, p, (size_t) (g_utf8_next_char(p) - p), c);
                p = g_utf8_next_char(p);
        }
        g_string_append(out, longer ? "\"..." : "\"");
        return g_string_free(out, false);
}
