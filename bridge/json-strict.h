/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A strict RFC 8259 syntax check, run before json-glib sees a body.
 *
 * json-glib 1.6 accepts more than JSON: "{}{}" (trailing values), comments,
 * single-quoted strings, "var x = {...}", raw control characters in strings,
 * "\x41", leading zeros, hex and ".5" numbers, and it turns "\u0000" into an
 * early end of the string and a lone surrogate escape into invalid UTF-8.
 * This only recognises the grammar; it builds nothing. Its input must
 * already be valid UTF-8 without NUL bytes (the caller checks that, so that
 * it can say so).
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Whether data (length bytes) is exactly one JSON value with optional
 * whitespace around it, nested at most max_depth arrays/objects deep, with
 * no "\u0000" escape and no unpaired surrogate escape. On failure the error
 * (JSON_PARSER_ERROR_PARSE) says what was wrong and at which byte offset.
 */
bool json_strict_check(const char *data, size_t length, unsigned max_depth, GError **error);
