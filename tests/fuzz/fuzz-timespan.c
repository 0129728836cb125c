/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/timespan.h"
#include "fuzz.h"
#include "common/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = NULL;
        const char *reason = NULL;
        char formatted[64];
        uint64_t usec = 0, again = 0;
        bool valid;

        s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';

        valid = timespan_parse(s, &usec, &reason);

        /* A reason exactly when invalid, and the outputs are optional. */
        check(valid == !reason);
        check(timespan_parse(s, NULL, NULL) == valid);
        if (!valid)
                return 0;
        check(strlen(s) <= 256);
        if (usec == TIMESPAN_INFINITY)
                return 0;

        /* Whatever was accepted reads back the same in microseconds, and in seconds with a fraction. */
        snprintf(formatted, sizeof(formatted), "%" PRIu64 "us", usec);
        check(timespan_parse(formatted, &again, &reason));
        check(again == usec);
        snprintf(formatted, sizeof(formatted), "%" PRIu64 ".%06" PRIu64, usec / USEC_PER_SEC, usec % USEC_PER_SEC);
        check(timespan_parse(formatted, &again, &reason));
        check(again == usec);
        return 0;
}
