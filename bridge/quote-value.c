/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <string.h>

#include "quote-value.h"

static bool unichar_is_visible(gunichar c) {
        switch (g_unichar_type(c)) {
        case G_UNICODE_CONTROL:
        case G_UNICODE_FORMAT:
        case G_UNICODE_UNASSIGNED:
        case G_UNICODE_SURROGATE:
        case G_UNICODE_LINE_SEPARATOR:
        case G_UNICODE_PARAGRAPH_SEPARATOR:
                return false;
        default:
                return true;
        }
}

/* Appends s[0..n) escaped to out. */
static void escape_append(GString *out, const char *s, size_t n) {
        const char *end = s + n;

        while (s < end) {
                unsigned char b = (unsigned char) *s;
                const char *next;
                gunichar c;

                if (b == '"' || b == '\\') {
                        g_string_append_c(out, '\\');
                        g_string_append_c(out, (char) b);
                        s++;
                } else if (b == '\n' || b == '\r' || b == '\t') {
                        g_string_append(out, b == '\n' ? "\\n" : b == '\r' ? "\\r" : "\\t");
                        s++;
                } else if (b < 0x20 || b == 0x7f) {
                        g_string_append_printf(out, "\\x%02x", b);
                        s++;
                } else if (b < 0x80) {
                        g_string_append_c(out, (char) b);
                        s++;
                } else if (!g_utf8_validate_len(s, MIN((size_t) (end - s), (size_t) 4), &next) && next == s) {
                        /* Not the start of a valid character here. */
                        g_string_append_printf(out, "\\x%02x", b);
                        s++;
                } else {
                        c = g_utf8_get_char(s);
                        next = g_utf8_next_char(s);
                        if (unichar_is_visible(c))
                                g_string_append_len(out, s, next - s);
                        else
                                g_string_append_printf(out, "\\u{%04X}", c);
                        s = next;
                }
        }
}

/* Appends at most max bytes of s to out, escaped, never cut inside a character; returns whether s was cut. */
static bool escape_append_max(GString *out, const char *s, size_t max) {
        size_t n = strnlen(s, max + 1), cut = MIN(n, max);

        /* Back up over continuation bytes to the start of the character cut. */
        if (cut < n)
                while (cut > 0 && ((unsigned char) s[cut] & 0xc0) == 0x80)
                        cut--;
        escape_append(out, s, cut);
        return cut < n;
}

char *escape_text(const char *s, size_t max) {
        GString *out = g_string_new(NULL);

        if (s && escape_append_max(out, s, max))
                g_string_append(out, "...");
        return g_string_free(out, FALSE);
}

char *quote_value(const char *s) {
        GString *out;
        bool cut;

        if (!s)
                return g_strdup("NULL");

        out = g_string_new("\"");
        cut = escape_append_max(out, s, QUOTE_VALUE_MAX);
        g_string_append_c(out, '"');
        if (cut)
                g_string_append(out, "...");
        return g_string_free(out, FALSE);
}
