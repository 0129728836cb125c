/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An untrusted string, quoted for an error message or a log line: between
 * double quotes, control characters and quotes escaped C-style, valid UTF-8
 * kept as it is (invalid bytes escaped), cut at max bytes with "...".
 */
#pragma once

#include <glib.h>

#define LOG_QUOTE_MAX 200

/* "\"" + s escaped + "\"" (g_free); "(null)" for NULL. */
char *log_quote(const char *s);
