/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Text from a file or the command line made fit to echo in an error
 * message: one line of printable, valid UTF-8 whatever it held, escaped as
 * common/quote.h does for the whole project (\" \\ \n \r \t, \xNN for other
 * control characters and invalid bytes, \uXXXX for invisible or reordering
 * characters), in memory GLib frees.
 */
#pragma once

#include <glib.h>

/* How much of a value a message shows, in bytes of the input. */
#define QUOTE_VALUE_MAX 64

/* At most max bytes of s, escaped, "..." following when it was cut; "" for NULL (g_free). */
char *escape_text(const char *s, size_t max);

/*
 * s escaped and in double quotes, cut after at most QUOTE_VALUE_MAX bytes
 * (never inside a character), "..." inside the quotes when it was cut;
 * "NULL", unquoted, for NULL (g_free).
 */
char *quote_value(const char *s);
