/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <string.h>

#include "metrics-text.h"

#define NSEC_PER_SEC UINT64_C(1000000000)
#define MAX_FRACTION_DIGITS 3 /* decimal64.3 */

static void append_escaped(GString *out, const char *s, bool quote) {
        /* Node and clock names come from outside: a stray byte must not make the scrape unparseable. */
        g_autofree char *valid = g_utf8_make_valid(s, -1);

        for (const char *p = valid; *p; p++)
                switch (*p) {
                case '\\':
                        g_string_append(out, "\\\\");
                        break;
                case '\n':
                        g_string_append(out, "\\n");
                        break;
                case '"':
                        g_string_append(out, quote ? "\\\"" : "\"");
                        break;
                default:
                        g_string_append_c(out, *p);
                }
}

void metrics_text_append_sample(GString *out, const char *name, const char *const *labels, const char *value) {
        g_string_append(out, name);
        if (labels && labels[0]) {
                g_string_append_c(out, '{');
                for (size_t i = 0; labels[i]; i += 2) {
                        if (i > 0)
                                g_string_append_c(out, ',');
                        g_string_append_printf(out, "%s=\"", labels[i]);
                        append_escaped(out, labels[i + 1], true);
                        g_string_append_c(out, '"');
                }
                g_string_append_c(out, '}');
        }
        g_string_append_printf(out, " %s\n", value);
}

void metrics_text_append_header(GString *out, const char *name, const char *type, const char *help) {
        g_string_append_printf(out, "# HELP %s ", name);
        append_escaped(out, help, false);
        g_string_append_printf(out, "\n# TYPE %s %s\n", name, type);
}

/* Reads the digits at *p into *ret; false on none or on overflow. */
static bool parse_digits(const char **p, uint64_t *ret) {
        uint64_t v = 0;
        const char *s = *p;

        if (!g_ascii_isdigit(*s))
                return false;
        for (; g_ascii_isdigit(*s); s++) {
                unsigned d = (unsigned) (*s - '0');

                if (v > (UINT64_MAX - d) / 10)
                        return false;
                v = v * 10 + d;
        }
        *p = s;
        *ret = v;
        return true;
}

char *metrics_text_seconds_from_ns(const char *s) {
        char fraction[MAX_FRACTION_DIGITS + 1] = "";
        g_autofree char *digits = NULL;
        bool negative = false;
        uint64_t ns;
        size_t n;

        if (!s)
                return NULL;
        if (*s == '-') {
                negative = true;
                s++;
        }
        if (!parse_digits(&s, &ns))
                return NULL;
        if (*s == '.') {
                s++;
                if (!g_ascii_isdigit(*s))
                        return NULL;
                for (n = 0; g_ascii_isdigit(*s); s++) {
                        if (n == MAX_FRACTION_DIGITS)
                                return NULL;
                        fraction[n++] = *s;
                }
        }
        if (*s)
                return NULL;

        /* Integer arithmetic only: the sub-nanosecond digits survive, and no float noise like 4.2000000000000004e-08. */
        digits = g_strdup_printf("%09" PRIu64 "%s", ns % NSEC_PER_SEC, fraction);
        n = strlen(digits);
        while (n > 0 && digits[n - 1] == '0')
                digits[--n] = '\0';
        return g_strdup_printf("%s%" PRIu64 "%s%s", negative && (ns > 0 || n > 0) ? "-" : "", ns / NSEC_PER_SEC,
                               n > 0 ? "." : "", digits);
}

bool metrics_text_parse_uint(const char *s, unsigned max, unsigned *ret) {
        uint64_t v;

        if (!s || !parse_digits(&s, &v) || *s || v > max)
                return false;
        *ret = (unsigned) v;
        return true;
}
