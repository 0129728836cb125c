/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Text from a file or the command line made fit to echo in an error
 * message: one line of printable, valid UTF-8 whatever it held. Quotes and
 * backslashes get a backslash, \n \r \t stand for themselves, other control
 * characters and bytes that are not valid UTF-8 become \xNN, and invisible
 * or reordering characters (format characters such as the bidi controls,
 * line and paragraph separators) \u{XXXX}. Printable non-ASCII stays as it is.
 */
#pragma once

#include <glib.h>

/* How much of a value a message shows, in bytes of the input. */
#define QUOTE_VALUE_MAX 64

/* At most max bytes of s, escaped, "..." following when it was cut (g_free). */
char *escape_text(const char *s, size_t max);

/*
 * s escaped and in double quotes, cut after at most QUOTE_VALUE_MAX bytes
 * (never inside a character), "..." following when it was cut; "NULL",
 * unquoted, for NULL (g_free).
 */
char *quote_value(const char *s);
