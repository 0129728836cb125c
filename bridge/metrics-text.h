/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pieces of the Prometheus text exposition format 0.0.4 that the metrics
 * registry writes: sample lines with escaped label values, and the numbers
 * parsed from the daemon's value strings.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

/*
 * Appends one sample line "name{l1="v1",...} value\n". labels are name,
 * value pairs, NULL-terminated; no labels: NULL or { NULL }. A label value is
 * escaped (backslash, double quote, line feed) and made valid UTF-8.
 */
void metrics_text_append_sample(GString *out, const char *name, const char *const *labels, const char *value);

/* Appends "# HELP name help\n# TYPE name type\n"; help is escaped too (backslash, line feed). */
void metrics_text_append_header(GString *out, const char *name, const char *type, const char *help);

/*
 * A daemon offset in nanoseconds (decimal64.3: "-42", "17.5") written in
 * seconds, exactly, by moving the decimal point ("-0.000000042",
 * "0.0000000175"); g_free. NULL when s is not such a number: no exponent,
 * no NaN, at most three digits after the point.
 */
char *metrics_text_seconds_from_ns(const char *s);

/* A plain decimal integer in [0, max]: no sign, no blanks. */
bool metrics_text_parse_uint(const char *s, unsigned max, unsigned *ret);
