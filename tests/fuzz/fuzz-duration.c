/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/duration.h"
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

        valid = duration_parse(s, &usec, &reason);

        /* A reason exactly when invalid, and the outputs are optional. */
        check(valid == !reason);
        check(duration_parse(s, NULL, NULL) == valid);
        if (!valid)
                return 0;

        check(usec <= DURATION_MAX_USEC);
        check(strlen(s) <= 64);
        check(s[0] == 'P');

        /* Whatever was accepted, in whatever spelling, reads back the same in the canonical one. */
        snprintf(formatted, sizeof(formatted), "PT%" PRIu64 ".%06" PRIu64 "S",
                 usec / USEC_PER_SEC, usec % USEC_PER_SEC);
        check(duration_parse(formatted, &again, &reason));
        check(again == usec);
        return 0;
}
