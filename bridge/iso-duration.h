/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ISO 8601 durations, as [Delivery] BackoffDelay= takes them
 *
 * The bridge passes the text on to the daemon, which parses it again; this
 * checks it at start-up, so that a bad value stops the bridge with the key
 * named instead of failing every subscription later. The grammar is the
 * daemon's (units of fixed length only; upper-case designators, no sign, no
 * white space):
 *
 *   duration := "P" ( n "W" | [n "D"] [ "T" [n "H"] [n "M"] [n ["." | "," digits] "S"] ] )
 *
 * with at least one component, at least one after a "T", and a fraction (up
 * to 9 digits) on the seconds only. "P1M" is a month, refused; "PT1M" is a
 * minute.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* The longest text taken, and the longest duration: one year of 365 days. */
#define ISO_DURATION_TEXT_MAX 64
#define ISO_DURATION_MAX_USEC (G_GUINT64_CONSTANT(365) * 24 * 3600 * G_USEC_PER_SEC)

/*
 * On success stores the duration in µs, rounded down, and returns true. On
 * failure returns false and, when ret_reason is given, a static string that
 * reads after the value: "must start with 'P'", "has no components", ...
 */
bool iso_duration_parse(const char *s, guint64 *ret_usec, const char **ret_reason);
