/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ISO 8601 durations
 *
 * Delivery policies take their backoff delay as an ISO 8601 duration, as
 * Knative's delivery spec does: "PT0.2S", "PT1M30S", "P1DT12H". Only units of
 * fixed length are accepted -- weeks, days, hours, minutes, seconds -- since a
 * year or a month has no fixed length and "P1M" (a month, not a minute) is a
 * classic mistake. Pure string work on untrusted input, and fuzzed.
 *
 * Grammar (upper-case designators only, no sign, no white space):
 *
 *   duration := "P" ( weeks | [days] [ "T" time ] )     at least one component
 *   weeks    := n "W"                                   (alone, as ISO 8601 has it)
 *   days     := n "D"
 *   time     := [n "H"] [n "M"] [n ["." | "," digits] "S"]   at least one component
 *   n        := 1*digits
 *
 * A fraction is allowed on the seconds only, with at most 9 digits; the result
 * is in microseconds, rounded down. The total must fit DURATION_MAX_USEC.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* One year of 365 days: far beyond any sane backoff, far below overflow. */
#define DURATION_MAX_USEC (UINT64_C(365) * 24 * 3600 * 1000000)

/*
 * Parses s. On success stores the duration in µs and returns true. On failure
 * returns false and, when ret_reason is set, a static string saying what is
 * wrong: "is empty", "must start with 'P'", "years and months have no fixed
 * length", "has no components", "is negative", "has a fraction on a unit
 * other than seconds", "is too long", ...
 */
bool duration_parse(const char *s, uint64_t *ret_usec, const char **ret_reason);
