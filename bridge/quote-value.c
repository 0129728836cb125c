/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bridge's GLib-shaped wrappers of common/quote.c: one escaping rule for the whole project. */

#include <glib.h>

#include "common/quote.h"
#include "quote-value.h"

char *escape_text(const char *s, size_t max) {
        g_autofree char *buf = g_malloc(QUOTE_SIZE(max));

        return g_strdup(s ? escape_for_message(buf, QUOTE_SIZE(max), s, max) : "");
}

char *quote_value(const char *s) {
        char buf[QUOTE_SIZE(QUOTE_VALUE_MAX)];

        return g_strdup(s ? quote_for_message(buf, sizeof buf, s, QUOTE_VALUE_MAX) : "NULL");
}
