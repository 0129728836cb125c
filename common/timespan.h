/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * systemd time spans
 *
 * Time options on the command lines (ptpsyncctl wait --timeout=) take what
 * users of systemd write in units and on systemctl's command line, as
 * systemd.time(7) describes: "5s", "1min", "1h 30min", "1.5h", "500ms",
 * "infinity", and a plain number meaning seconds. libsystemd does not export
 * its parse_sec(), hence this one. Pure string work on untrusted input, and
 * fuzzed.
 *
 *   span      := "infinity" | component *( [white space] component )
 *   component := digits [ "." digits ] [white space] [unit]    (no unit: seconds)
 *   unit      := usec us µs μs | msec ms | seconds second sec s |
 *                minutes minute min m | hours hour hr h | days day d |
 *                weeks week w | months month M | years year y
 *
 * A month is 30.44 days and a year 365.25 days, as in systemd. White space
 * around it is allowed; the result is in microseconds, rounded down, and
 * must be below TIMESPAN_INFINITY.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define TIMESPAN_INFINITY UINT64_MAX

/*
 * Parses s. On success stores the span in µs (TIMESPAN_INFINITY for
 * "infinity") and returns true. On failure returns false and, when
 * ret_reason is set, a static string saying what is wrong: "is empty",
 * "is negative", "has an unknown unit", "is too long", ...
 */
bool timespan_parse(const char *s, uint64_t *ret_usec, const char **ret_reason);
