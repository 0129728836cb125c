/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Untrusted strings made fit to echo in an error message or a log line: cut
 * short on a UTF-8 character boundary, and escaped so that the result is
 * always printable, valid UTF-8 (a D-Bus reply with invalid UTF-8 in it
 * cannot be built at all). Pure: no allocation, no GLib, no sd-bus, so that
 * the client side can use it too.
 */
#pragma once

#include <stddef.h>

/* How much of an untrusted string a message shows, in bytes of the input. */
#define QUOTE_MAX 64

/*
 * Room for what max bytes of input can become: 4 bytes each at worst (an
 * invalid byte as \xNN), then "...", the two quotes and the NUL.
 */
#define QUOTE_SIZE(max) (4 * (size_t) (max) + sizeof("\"...\""))

/*
 * Writes to buf (size bytes, at least QUOTE_SIZE(0)) at most the first max
 * bytes of s, never part of a character, escaped: \" \\ \n \r \t; \xNN for
 * other control characters and for bytes that are not valid UTF-8; \uXXXX
 * (\UXXXXXXXX) for invisible or reordering characters (C1 controls, bidi
 * controls, separators, noncharacters). "..." follows when s was cut. With
 * less than QUOTE_SIZE(max) it is cut sooner, never overflowed. Returns buf.
 */
char *escape_for_message(char *buf, size_t size, const char *s, size_t max);

/* The same, in double quotes. */
char *quote_for_message(char *buf, size_t size, const char *s, size_t max);

/*
 * For a format argument: s escaped or quoted, QUOTE_MAX bytes at most, in a
 * buffer that lives until the end of the enclosing block.
 */
#define ESCAPE(s) escape_for_message((char[QUOTE_SIZE(QUOTE_MAX)]) { 0 }, QUOTE_SIZE(QUOTE_MAX), (s), QUOTE_MAX)
#define QUOTE(s) quote_for_message((char[QUOTE_SIZE(QUOTE_MAX)]) { 0 }, QUOTE_SIZE(QUOTE_MAX), (s), QUOTE_MAX)
/* With another limit, a constant. */
#define ESCAPE_MAX(s, max) escape_for_message((char[QUOTE_SIZE(max)]) { 0 }, QUOTE_SIZE(max), (s), (max))
