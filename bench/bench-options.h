/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the benchmarks' command lines share (bench-options.c): a number of an
 * option read strictly, with an error on stderr that names the option.
 */
#pragma once

/*
 * arg, the value of --option=, as a decimal number from min to max into *ret. Else -EINVAL, with
 * "--option=arg: expected a number from min to max." on stderr, and *ret left alone.
 */
int bench_parse_unsigned(const char *option, const char *arg, unsigned min, unsigned max, unsigned *ret);
