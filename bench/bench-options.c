/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench-options.h"

int bench_parse_unsigned(const char *option, const char *arg, unsigned min, unsigned max, unsigned *ret) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(arg, &end, 10);
        if (errno != 0 || end == arg || *end || v < min || v > max) {
                fprintf(stderr, "--%s=%s: expected a number from %u to %u.\n", option, arg, min, max);
                return -EINVAL;
        }
        *ret = (unsigned) v;
        return 0;
}
