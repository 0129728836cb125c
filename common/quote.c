/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/quote.h"

static bool is_continuation(unsigned char c) {
        return (c & 0xc0) == 0x80;
}

/*
 * The length of the well-formed UTF-8 character at s (1 to 4), its code point
 * in *ret; 0 if s does not start one (overlong, surrogate, beyond U+10FFFF,
 * truncated). Reads past s[0] only while the bytes are continuations, so
 * never past the NUL.
 */
static size_t utf8_decode(const unsigned char *s, uint32_t *ret) {
        size_t n;
        uint32_t cp;

        if (s[0] < 0x80) {
                *ret = s[0];
                return 1;
        }
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2, cp = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3, cp = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4, cp = s[0] & 0x07;
        else
                return 0;

        for (size_t i = 1; i < n; i++) {
                if (!is_continuation(s[i]))
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        *ret = cp;
        return n;
}

/*
 * Characters that are valid but would mislead a reader or break a line:
 * C1 controls, bidi controls (the "Trojan Source" ones), zero-width and
 * invisible characters, line and paragraph separators, the byte-order mark,
 * the tag characters, and the noncharacters (which sd-bus refuses outright).
 */
static bool is_invisible(uint32_t cp) {
        return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) ||
               (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
               (cp >= 0xe0000 && cp <= 0xe007f) || (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe;
}

/* The escaped form of one character (or invalid byte) into out (at least 11 bytes); its length. */
static size_t escape_one(const unsigned char *s, size_t len, uint32_t cp, char *out) {
        if (len == 0)
                return (size_t) snprintf(out, 11, "\\x%02x", s[0]);
        switch (cp) {
        case '"':
                return (size_t) snprintf(out, 11, "\\\"");
        case '\\':
                return (size_t) snprintf(out, 11, "\\\\");
        case '\n':
                return (size_t) snprintf(out, 11, "\\n");
        case '\r':
                return (size_t) snprintf(out, 11, "\\r");
        case '\t':
                return (size_t) snprintf(out, 11, "\\t");
        }
        if (cp < 0x20 || cp == 0x7f)
                return (size_t) snprintf(out, 11, "\\x%02x", (unsigned) cp);
        if (is_invisible(cp))
                return (size_t) snprintf(out, 11, cp > 0xffff ? "\\U%08x" : "\\u%04x", (unsigned) cp);
        memcpy(out, s, len);
        return len;
}

/* Appends the escaped s at buf + pos, keeping room for "...", tail and the NUL. */
static char *escape_into(char *buf, size_t size, size_t pos, const char *s, size_t max, const char *tail) {
        const unsigned char *u = (const unsigned char *) s;
        size_t reserve = strlen("...") + strlen(tail) + 1, i = 0;

        assert(size >= pos + reserve);
        while (u[i]) {
                char out[11];
                uint32_t cp = 0;
                size_t len = utf8_decode(u + i, &cp), n;

                /* An invalid byte is a unit of its own, escaped. */
                if (i + (len ?: 1) > max)
                        break;
                n = escape_one(u + i, len, cp, out);
                if (pos + n + reserve > size)
                        break;
                memcpy(buf + pos, out, n);
                pos += n;
                i += len ?: 1;
        }
        if (u[i]) {
                memcpy(buf + pos, "...", 3);
                pos += 3;
        }
        memcpy(buf + pos, tail, strlen(tail) + 1);
        return buf;
}

char *escape_for_message(char *buf, size_t size, const char *s, size_t max) {
        assert(size >= QUOTE_SIZE(0));
        return escape_into(buf, size, 0, s, max, "");
}

char *quote_for_message(char *buf, size_t size, const char *s, size_t max) {
        assert(size >= QUOTE_SIZE(0));
        buf[0] = '"';
        return escape_into(buf, size, 1, s, max, "\"");
}
