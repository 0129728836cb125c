/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * This machine has no PHC (no /dev/ptp*, and the kernel has no PTP mock
 * driver), so the readings below are not recorded from hardware: they are
 * built in the kernel's layout, shaped like what an i40e or ice NIC gives
 * (windows of 1.2-5 µs, samples ~10 µs apart, the PHC 37 s ahead in TAI).
 * Each expected value is worked out by hand in the comment beside it.
 */

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "source/phc.h"
#include "test-util.h"
#include "common/util.h"

/* 2025-06-01T12:00:00Z, and the same instant on a PHC keeping TAI (TAI − UTC = 37 s). */
#define S INT64_C(1748779200)
#define T (S + 37)

/* (before, PHC, after), each as (sec, nsec). */
#define SAMPLE(bs, bn, ps, pn, as, an) { { (bs), (bn) }, { (ps), (pn) }, { (as), (an) } }

/* One sample at S.5: window 2000, middle S.500001000, PHC − 37 s = S.500001000. */
#define IN_STEP SAMPLE(S, 500000000, T, 500001000, S, 500002000)

/*
 * Five samples 10 µs apart, windows 4.8, 3.1, 1.2, 2.6, 5.0 µs; each PHC time
 * is put at the stated offset from its window's middle:
 *   0: S.100000000..S.100004800, middle S.100002400, offset +900:  PHC S.100001500
 *   1: S.100010000..S.100013100, middle S.100011550, offset -400:  PHC S.100011950
 *   2: S.100020000..S.100021200, middle S.100020600, offset +250:  PHC S.100020350
 *   3: S.100030000..S.100032600, middle S.100031300, offset +700:  PHC S.100030600
 *   4: S.100040000..S.100045000, middle S.100042500, offset -1000: PHC S.100043500
 */
#define I40E_0 SAMPLE(S, 100000000, T, 100001500, S, 100004800)
#define I40E_1 SAMPLE(S, 100010000, T, 100011950, S, 100013100)
#define I40E_2 SAMPLE(S, 100020000, T, 100020350, S, 100021200)
#define I40E_3 SAMPLE(S, 100030000, T, 100030600, S, 100032600)
#define I40E_4 SAMPLE(S, 100040000, T, 100043500, S, 100045000)

/* The int64 ns limits as (sec, nsec), and one ns beyond each. */
#define MAX_SEC  INT64_C(9223372036)
#define MAX_NSEC 854775807u  /* 9223372036854775807 = INT64_MAX */
#define MIN_SEC  INT64_C(-9223372037)
#define MIN_NSEC 145224192u  /* -9223372037e9 + 145224192 = INT64_MIN */

typedef struct OffsetCase {
        unsigned n_samples;
        int tai;
        struct ptp_clock_time ts[PTP_MAX_SAMPLES][3];
        int ret;
        int64_t offset_ns, delay_ns;
} OffsetCase;

static const OffsetCase offset_cases[] = {
        /* 0: in step: offset 0. */
        { 1, 37, { IN_STEP }, 0, 0, 2000 },
        /* 1: the i40e reading: sample 2 is the shortest, 1200 ns, offset +250. */
        { 5, 37, { I40E_0, I40E_1, I40E_2, I40E_3, I40E_4 }, 0, 250, 1200 },
        /* 2: only the first n_samples count: of samples 0 and 1, 1 is shorter (3100): -400. */
        { 2, 37, { I40E_0, I40E_1, I40E_2, I40E_3, I40E_4 }, 0, -400, 3100 },
        /* 3: system clock 1.5 ms behind: window S.200000000..S.200003000, middle S.200001500;
         *    PHC − 37 s = S.201501500; offset = 1500 − 1501500 = -1500000. */
        { 1, 37, { SAMPLE(S, 200000000, T, 201501500, S, 200003000) }, 0, -1500000, 3000 },
        /* 4: across a second, nsec carried: middle (S+1).000001200, PHC − 37 s = S.999999700;
         *    offset = 1e9 + 1200 − 999999700 = 1500. */
        { 1, 37, { SAMPLE(S + 1, 400, T, 999999700, S + 1, 2000) }, 0, 1500, 1600 },
        /* 5: negative across a second: middle S.999998500, PHC − 37 s = (S+1).000000500;
         *    offset = 999998500 − 1e9 − 500 = -2000. */
        { 1, 37, { SAMPLE(S, 999998000, T + 1, 500, S, 999999000) }, 0, -2000, 1000 },
        /* 6: before and after straddle a second: window 1e9 + 1000 − 999999200 = 1800, middle
         *    S.999999200 + 900 = (S+1).000000100; PHC − 37 s = S.999999900; offset = 200. */
        { 1, 37, { SAMPLE(S, 999999200, T, 999999900, S + 1, 1000) }, 0, 200, 1800 },
        /* 7: a PHC keeping UTC, tai 0: middle S.000001250, PHC S.000001000: offset 250. */
        { 1, 0, { SAMPLE(S, 0, S, 1000, S, 2500) }, 0, 250, 2500 },
        /* 8: a TAI PHC taken for UTC: the in-step sample reads 37 s behind. */
        { 1, 0, { IN_STEP }, 0, INT64_C(-37000000000), 2000 },
        /* 9: odd window 1201: middle S.000000600 (rounded down), PHC − 37 s the same: 0. */
        { 1, 37, { SAMPLE(S, 0, T, 600, S, 1201) }, 0, 0, 1201 },
        /* 10: equal windows of 2000, the first wins: middles S.1000 and S.11000, PHC − 37 s
         *     S.900 and S.11100: offsets +100 and -100; +100. */
        { 2, 37, { SAMPLE(S, 0, T, 900, S, 2000), SAMPLE(S, 10000, T, 11100, S, 12000) }, 0, 100, 2000 },
        /* 11: a zero window is a reading too: middle S.5000, PHC − 37 s S.4000: +1000. */
        { 1, 37, { SAMPLE(S, 5000, T, 4000, S, 5000) }, 0, 1000, 0 },
        /* 12: nsec at its largest, everywhere. */
        { 1, 37, { SAMPLE(S, 999999999, T, 999999999, S, 999999999) }, 0, 0, 0 },
        /* 13: exactly INT64_MAX ns everywhere. */
        { 1, 0, { SAMPLE(MAX_SEC, MAX_NSEC, MAX_SEC, MAX_NSEC, MAX_SEC, MAX_NSEC) }, 0, 0, 0 },
        /* 14: exactly INT64_MIN ns everywhere. */
        { 1, 0, { SAMPLE(MIN_SEC, MIN_NSEC, MIN_SEC, MIN_NSEC, MIN_SEC, MIN_NSEC) }, 0, 0, 0 },
        /* 15: negative seconds, nsec adding as in a timespec: before {-1, 999999000} = -1000 ns,
         *     after {0, 1000} = 1000 ns, middle 0; PHC {-1, 500000000} = -500000000 ns;
         *     offset = 0 − (-500000000) = 500000000. */
        { 1, 0, { SAMPLE(-1, 999999000, -1, 500000000, 0, 1000) }, 0, 500000000, 2000 },
        /* 16: TAI − UTC of INT_MAX: the in-step sample is (INT_MAX − 37) s = 2147483610 s ahead. */
        { 1, INT_MAX, { IN_STEP }, 0, INT64_C(2147483610000000000), 2000 },
        /* 17: TAI − UTC of INT_MIN: (INT_MIN − 37) s = -2147483685 s. */
        { 1, INT_MIN, { IN_STEP }, 0, INT64_C(-2147483685000000000), 2000 },

        /* Malformed. */
        /* 18-20: n_samples 0, one over PTP_MAX_SAMPLES, far over. */
        { 0, 37, { IN_STEP }, -EINVAL, 0, 0 },
        { PTP_MAX_SAMPLES + 1, 37, { IN_STEP }, -EINVAL, 0, 0 },
        { UINT_MAX, 37, { IN_STEP }, -EINVAL, 0, 0 },
        /* 21-23: an nsec of 1e9 or more in each of the three places. */
        { 1, 37, { SAMPLE(S, 1000000000, T, 500001000, S + 1, 0) }, -EINVAL, 0, 0 },
        { 1, 37, { SAMPLE(S, 500000000, T, 1000000000, S, 500002000) }, -EINVAL, 0, 0 },
        { 1, 37, { SAMPLE(S, 500000000, T, 500001000, S, UINT32_MAX) }, -EINVAL, 0, 0 },
        /* 24: after 1 ns before before. */
        { 1, 37, { SAMPLE(S, 1001, T, 1000, S, 1000) }, -EINVAL, 0, 0 },
        /* 25: after before before across a second: (S+1).0 .. S.999999999. */
        { 1, 37, { SAMPLE(S + 1, 0, T, 999999999, S, 999999999) }, -EINVAL, 0, 0 },
        /* 26: one bad sample fails the reading, though the shortest (2) is fine: 3's PHC nsec. */
        { 5, 37, { I40E_0, I40E_1, I40E_2, SAMPLE(S, 100030000, T, 1000000000, S, 100032600), I40E_4 },
          -EINVAL, 0, 0 },
        /* 27: the same with the last sample's window negative. */
        { 5, 37, { I40E_0, I40E_1, I40E_2, I40E_3, SAMPLE(S, 100045000, T, 100043500, S, 100040000) },
          -EINVAL, 0, 0 },
        /* 28: malformed beats overflow: sample 0 overflows, sample 1 is malformed. */
        { 2, 37, { SAMPLE(INT64_MAX, 0, T, 0, INT64_MAX, 0), SAMPLE(S, 1000000000, T, 0, S + 1, 0) },
          -EINVAL, 0, 0 },

        /* Out of range. */
        /* 29: system seconds of INT64_MAX. */
        { 1, 37, { SAMPLE(INT64_MAX, 0, T, 0, INT64_MAX, 0) }, -ERANGE, 0, 0 },
        /* 30: PHC seconds of INT64_MIN. */
        { 1, 37, { SAMPLE(S, 0, INT64_MIN, 0, S, 1000) }, -ERANGE, 0, 0 },
        /* 31-32: one ns above INT64_MAX, one below INT64_MIN. */
        { 1, 0, { SAMPLE(MAX_SEC, MAX_NSEC + 1, MAX_SEC, MAX_NSEC + 1, MAX_SEC, MAX_NSEC + 1) }, -ERANGE, 0, 0 },
        { 1, 0, { SAMPLE(MIN_SEC, MIN_NSEC - 1, MIN_SEC, MIN_NSEC - 1, MIN_SEC, MIN_NSEC - 1) }, -ERANGE, 0, 0 },
        /* 33: both ends fit, the window (18446744072 s) does not. */
        { 1, 0, { SAMPLE(-MAX_SEC, 0, 0, 0, MAX_SEC, 0) }, -ERANGE, 0, 0 },
        /* 34: PHC − TAI offset: -9223372036 s − INT_MAX s. */
        { 1, INT_MAX, { SAMPLE(0, 0, -MAX_SEC, 0, 0, 0) }, -ERANGE, 0, 0 },
        /* 35: the same the other way: 9223372036 s − INT_MIN s. */
        { 1, INT_MIN, { SAMPLE(0, 0, MAX_SEC, 0, 0, 0) }, -ERANGE, 0, 0 },
        /* 36: the offset: 9223372036 s − (-9223372036 s). */
        { 1, 0, { SAMPLE(MAX_SEC, 0, -MAX_SEC, 0, MAX_SEC, 0) }, -ERANGE, 0, 0 },
        /* 37: any sample's offset, not only the picked one's: sample 0 (window 1000) is fine,
         *     sample 1 (window 5000) has PHC − 37 s = -9223372036 s and its offset overflows. */
        { 2, 37, { SAMPLE(S, 0, T, 500, S, 1000), SAMPLE(MAX_SEC, 0, -MAX_SEC + 37, 0, MAX_SEC, 5000) },
          -ERANGE, 0, 0 },
};

/* A reading as the kernel lays it out, whatever lies beyond n_samples garbage: never read. */
static void make_reading(struct ptp_sys_offset_extended *x, unsigned n_samples,
                         const struct ptp_clock_time ts[PTP_MAX_SAMPLES][3]) {
        memset(x, 0xff, sizeof(*x));
        x->n_samples = n_samples;
        memcpy(x->ts, ts, MIN(n_samples, (unsigned) PTP_MAX_SAMPLES) * sizeof(x->ts[0]));
}

static void test_offset(const void *data) {
        const OffsetCase *t = data;
        struct ptp_sys_offset_extended x;
        int64_t offset = 4242, delay = 4242;

        make_reading(&x, t->n_samples, t->ts);

        g_assert_cmpint(phc_offset_from_samples(&x, t->tai, &offset, &delay), ==, t->ret);
        /* Left alone on failure. */
        g_assert_cmpint(offset, ==, t->ret == 0 ? t->offset_ns : 4242);
        g_assert_cmpint(delay, ==, t->ret == 0 ? t->delay_ns : 4242);

        /* Both outputs are optional. */
        g_assert_cmpint(phc_offset_from_samples(&x, t->tai, NULL, NULL), ==, t->ret);
        offset = 4242;
        g_assert_cmpint(phc_offset_from_samples(&x, t->tai, &offset, NULL), ==, t->ret);
        g_assert_cmpint(offset, ==, t->ret == 0 ? t->offset_ns : 4242);
        delay = 4242;
        g_assert_cmpint(phc_offset_from_samples(&x, t->tai, NULL, &delay), ==, t->ret);
        g_assert_cmpint(delay, ==, t->ret == 0 ? t->delay_ns : 4242);
}

/*
 * All PTP_MAX_SAMPLES samples, 10 µs apart from S.300000000, window 5000 − 100·k
 * ns and offset 10·k ns for sample k: the last one is the shortest, so
 * k = 24: window 5000 − 2400 = 2600, offset 240.
 */
static void test_all_samples(void) {
        struct ptp_sys_offset_extended x;
        int64_t offset = 0, delay = 0;

        memset(&x, 0, sizeof(x));
        x.n_samples = PTP_MAX_SAMPLES;
        for (unsigned k = 0; k < PTP_MAX_SAMPLES; k++) {
                uint32_t before = 300000000 + 10000 * k, window = 5000 - 100 * k;

                x.ts[k][0] = (struct ptp_clock_time) { .sec = S, .nsec = before };
                x.ts[k][1] = (struct ptp_clock_time) { .sec = T, .nsec = before + window / 2 - 10 * k };
                x.ts[k][2] = (struct ptp_clock_time) { .sec = S, .nsec = before + window };
        }

        g_assert_cmpint(phc_offset_from_samples(&x, 37, &offset, &delay), ==, 0);
        g_assert_cmpint(offset, ==, 240);
        g_assert_cmpint(delay, ==, 2600);
}

/* The reserved words and each timestamp's reserved field are not read. */
static void test_reserved(void) {
        static const struct ptp_clock_time ts[PTP_MAX_SAMPLES][3] = { I40E_0, I40E_1, I40E_2, I40E_3, I40E_4 };
        struct ptp_sys_offset_extended x;
        int64_t offset = 0, delay = 0;

        make_reading(&x, 5, ts);
        /* Between n_samples and ts: rsv[3], or clockid and rsv[2] in newer headers. */
        memset((uint8_t *) &x + sizeof(x.n_samples), 0xa5,
               offsetof(struct ptp_sys_offset_extended, ts) - sizeof(x.n_samples));
        for (unsigned i = 0; i < 5; i++)
                for (unsigned j = 0; j < 3; j++)
                        x.ts[i][j].reserved = 0xdeadbeef;

        g_assert_cmpint(phc_offset_from_samples(&x, 37, &offset, &delay), ==, 0);
        g_assert_cmpint(offset, ==, 250);
        g_assert_cmpint(delay, ==, 1200);
}

static void test_index_lo(void) {
        int index = 4242, r;

        /* lo has software timestamping only. This kernel (6.18) answers the ioctl with
         * phc_index -1, hence -ENODEV; one without ETHTOOL_GET_TS_INFO for it could say
         * -EOPNOTSUPP. Either way: a clean failure, and index untouched. */
        r = phc_index_of_interface("lo", &index);
        g_test_message("phc_index_of_interface(\"lo\") = %d", r);
        g_assert_true(r == -ENODEV || r == -EOPNOTSUPP);
        g_assert_cmpint(index, ==, 4242);

        g_assert_cmpint(phc_index_of_interface("lo", NULL), ==, r);
}

static void test_index_bad_name(void) {
        int index = 4242;

        /* No such interface: -ENODEV too, the longest name that can be one (15) included. */
        g_assert_cmpint(phc_index_of_interface("ptpsync-none0", &index), ==, -ENODEV);
        g_assert_cmpint(phc_index_of_interface("ptpsync-none-15", &index), ==, -ENODEV);
        /* Names that cannot be an interface's, not truncated into one that might be. */
        g_assert_cmpint(phc_index_of_interface("ptpsync-none-016", &index), ==, -EINVAL);
        g_assert_cmpint(phc_index_of_interface("lo-and-then-some", &index), ==, -EINVAL);
        g_assert_cmpint(phc_index_of_interface("", &index), ==, -EINVAL);
        g_assert_cmpint(phc_index_of_interface(NULL, &index), ==, -EINVAL);
        g_assert_cmpint(index, ==, 4242);
}

static void test_open(void) {
        g_assert_cmpint(phc_open(999), ==, -ENOENT);
        g_assert_cmpint(phc_open(-1), ==, -EINVAL);
        g_assert_cmpint(phc_open(INT_MIN), ==, -EINVAL);
}

/* The ioctl's errors come back as they are, and the outputs are left alone. */
static void test_measure_not_phc(void) {
        _cleanup_close_ int fd = -EBADF;
        int64_t offset = 4242, delay = 4242;

        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        g_assert_cmpint(fd, >=, 0);

        g_assert_cmpint(phc_measure(fd, 5, 37, &offset, &delay), ==, -ENOTTY);
        g_assert_cmpint(phc_measure(fd, 0, 37, &offset, &delay), ==, -ENOTTY);
        g_assert_cmpint(phc_measure(fd, UINT_MAX, 37, &offset, &delay), ==, -ENOTTY);
        g_assert_cmpint(phc_measure(-1, 5, 37, &offset, &delay), ==, -EBADF);
        g_assert_cmpint(offset, ==, 4242);
        g_assert_cmpint(delay, ==, 4242);
}

/* On a machine with a PHC, a real measurement; skipped here, where there is none. */
static void test_measure_real(void) {
        _cleanup_close_ int fd = -EBADF;
        int64_t offset = 0, delay = -1;
        int r;

        fd = phc_open(0);
        if (fd < 0) {
                g_test_skip("no /dev/ptp0 on this machine");
                return;
        }

        r = phc_measure(fd, 5, 37, &offset, &delay);
        g_test_message("phc_measure(/dev/ptp0) = %d, offset %" G_GINT64_FORMAT " ns, delay %" G_GINT64_FORMAT " ns",
                       r, offset, delay);
        if (r == -EOPNOTSUPP) {
                g_test_skip("/dev/ptp0 does not support PTP_SYS_OFFSET_EXTENDED");
                return;
        }
        g_assert_cmpint(r, ==, 0);
        /* The PHC may be anywhere if nothing disciplines it; the window is a few µs. */
        g_assert_cmpint(delay, >=, 0);
        g_assert_cmpint(delay, <, 1000000);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        ADD_CASES("/phc/offset", offset_cases, test_offset);
        g_test_add_func("/phc/offset/all-samples", test_all_samples);
        g_test_add_func("/phc/offset/reserved", test_reserved);
        g_test_add_func("/phc/index/lo", test_index_lo);
        g_test_add_func("/phc/index/bad-name", test_index_bad_name);
        g_test_add_func("/phc/open", test_open);
        g_test_add_func("/phc/measure/not-a-phc", test_measure_not_phc);
        g_test_add_func("/phc/measure/real", test_measure_real);
        return g_test_run();
}
