/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Arbitrary bytes as a PTP_SYS_OFFSET_EXTENDED reading: the first 4 are the
 * TAI−UTC offset (an int32), the rest the struct in host byte order, zero
 * filled when short (longer inputs are skipped). The result is checked against a reference that does the
 * same arithmetic in 128 bits, where nothing overflows, and compares times as
 * numbers rather than as (sec, nsec) pairs.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "source/phc.h"
#include "common/util.h"

typedef __int128 i128;

static i128 ns128(const struct ptp_clock_time *t) {
        return (i128) t->sec * 1000000000 + t->nsec;
}

static bool fits(i128 v) {
        return v >= INT64_MIN && v <= INT64_MAX;
}

static int reference(const struct ptp_sys_offset_extended *x, int tai, int64_t *ret_offset, int64_t *ret_delay) {
        i128 best_offset = 0, best_delay = 0;

        if (x->n_samples < 1 || x->n_samples > PTP_MAX_SAMPLES)
                return -EINVAL;

        for (unsigned i = 0; i < x->n_samples; i++) {
                for (unsigned j = 0; j < 3; j++)
                        if (x->ts[i][j].nsec > 999999999)
                                return -EINVAL;
                if (ns128(&x->ts[i][2]) < ns128(&x->ts[i][0]))
                        return -EINVAL;
        }

        for (unsigned i = 0; i < x->n_samples; i++) {
                i128 before = ns128(&x->ts[i][0]), phc = ns128(&x->ts[i][1]), after = ns128(&x->ts[i][2]);
                i128 delay = after - before, middle = before + delay / 2;
                i128 phc_utc = phc - (i128) tai * 1000000000, offset = middle - phc_utc;

                if (!fits(before) || !fits(phc) || !fits(after) || !fits(delay) || !fits(phc_utc) || !fits(offset))
                        return -ERANGE;
                check(middle >= before && middle <= after);

                if (i == 0 || delay < best_delay) {
                        best_delay = delay;
                        best_offset = offset;
                }
        }

        *ret_offset = (int64_t) best_offset;
        *ret_delay = (int64_t) best_delay;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct ptp_sys_offset_extended x;
        int64_t offset = 4242, delay = 4242, want_offset = 0, want_delay = 0;
        int32_t tai = 0;
        int r, want;

        if (size > sizeof(tai) + sizeof(x))
                return 0;

        memset(&x, 0, sizeof(x));
        memcpy(&tai, data, size < sizeof(tai) ? size : sizeof(tai));
        if (size > sizeof(tai))
                memcpy(&x, data + sizeof(tai), size - sizeof(tai));

        r = phc_offset_from_samples(&x, tai, &offset, &delay);
        want = reference(&x, tai, &want_offset, &want_delay);
        check(r == want);
        check(r == 0 || r == -EINVAL || r == -ERANGE);

        if (r < 0) {
                /* Left alone on failure. */
                check(offset == 4242);
                check(delay == 4242);
        } else {
                check(offset == want_offset);
                check(delay == want_delay);
                check(delay >= 0);
        }

        /* The outputs are optional, and nothing else changes the answer. */
        check(phc_offset_from_samples(&x, tai, NULL, NULL) == r);
        return 0;
}
