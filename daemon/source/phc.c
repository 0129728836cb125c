/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "source/phc.h"
#include "common/util.h"

#define NSEC_PER_SEC INT64_C(1000000000)

/* sec · 1e9 + nsec: nsec adds even when sec < 0, as in the timespec64 the kernel fills it from (the
 * uapi header's "the sign of the seconds field applies to the whole value" is not what
 * ptp_chardev.c does). Exact over all of int64: for sec < 0 the product is taken one second nearer
 * zero, so that INT64_MIN itself, {-9223372037, 145224192}, converts. nsec must be < 1e9. */
static int clock_time_to_ns(const struct ptp_clock_time *t, int64_t *ret) {
        int64_t sec = t->sec, nsec = t->nsec, ns;

        assert(nsec < NSEC_PER_SEC);

        if (sec < 0) {
                sec++;
                nsec -= NSEC_PER_SEC;
        }
        if (__builtin_mul_overflow(sec, NSEC_PER_SEC, &ns) ||
            __builtin_add_overflow(ns, nsec, &ns))
                return -ERANGE;

        *ret = ns;
        return 0;
}

/* With nsec below 1e9, (sec, nsec) order is time order: no conversion, so no overflow. */
static bool clock_time_before(const struct ptp_clock_time *a, const struct ptp_clock_time *b) {
        return a->sec < b->sec || (a->sec == b->sec && a->nsec < b->nsec);
}

static bool sample_valid(const struct ptp_clock_time s[3]) {
        for (size_t i = 0; i < 3; i++)
                if (s[i].nsec >= NSEC_PER_SEC)
                        return false;

        /* The system clock is read before and after the PHC: after < before is not such a reading,
         * or CLOCK_REALTIME was stepped back in between, and then no sample of it can be trusted. */
        return !clock_time_before(&s[2], &s[0]);
}

int phc_offset_from_samples(const struct ptp_sys_offset_extended *x, int tai_utc_offset_sec,
                            int64_t *ret_offset_ns, int64_t *ret_delay_ns) {
        /* |INT_MIN| · 1e9 < 2^62: cannot overflow. */
        int64_t tai_utc_ns = (int64_t) tai_utc_offset_sec * NSEC_PER_SEC;
        int64_t best_offset = 0, best_delay = 0;

        assert(x);

        if (x->n_samples == 0 || x->n_samples > PTP_MAX_SAMPLES)
                return -EINVAL;

        /* Form first, for all samples: a malformed reading is refused as such, whatever its numbers. */
        for (unsigned i = 0; i < x->n_samples; i++)
                if (!sample_valid(x->ts[i]))
                        return -EINVAL;

        for (unsigned i = 0; i < x->n_samples; i++) {
                int64_t before, phc, after, delay, middle, phc_utc, offset;

                if (clock_time_to_ns(&x->ts[i][0], &before) < 0 ||
                    clock_time_to_ns(&x->ts[i][1], &phc) < 0 ||
                    clock_time_to_ns(&x->ts[i][2], &after) < 0)
                        return -ERANGE;

                /* Both ends may be in range and the window not, e.g. from before 1970 to after 2262. */
                if (__builtin_sub_overflow(after, before, &delay))
                        return -ERANGE;
                assert(delay >= 0);

                /* Lies between before and after: cannot overflow. */
                middle = before + delay / 2;

                /* Every sample's offset, not only the picked one's: whether a reading is refused does
                 * not depend on which sample happens to be shortest. */
                if (__builtin_sub_overflow(phc, tai_utc_ns, &phc_utc) ||
                    __builtin_sub_overflow(middle, phc_utc, &offset))
                        return -ERANGE;

                /* The shortest window bounds the PHC read most tightly: the fewest interrupts,
                 * cache misses and bus stalls in it. Strictly shorter, so the first of equals wins. */
                if (i == 0 || delay < best_delay) {
                        best_delay = delay;
                        best_offset = offset;
                }
        }

        if (ret_offset_ns)
                *ret_offset_ns = best_offset;
        if (ret_delay_ns)
                *ret_delay_ns = best_delay;
        return 0;
}

int phc_index_of_interface(const char *ifname, int *ret_index) {
        struct ethtool_ts_info info = { .cmd = ETHTOOL_GET_TS_INFO };
        struct ifreq ifr = {};
        _cleanup_close_ int fd = -EBADF;
        size_t n;

        if (isempty(ifname))
                return -EINVAL;
        /* Truncated, it would name another interface, or one that happens to exist. */
        n = strlen(ifname);
        if (n >= IFNAMSIZ)
                return -EINVAL;

        /* SIOCETHTOOL goes to the device whatever the socket's protocol; AF_UNIX where IPv4 is
         * not built in. */
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;

        memcpy(ifr.ifr_name, ifname, n + 1);
        ifr.ifr_data = (void *) &info;
        if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
                return -errno;

        /* -1: the kernel answers for every interface, with software timestamping only and no PHC. */
        if (info.phc_index < 0)
                return -ENODEV;

        if (ret_index)
                *ret_index = info.phc_index;
        return 0;
}

int phc_open(int index) {
        char path[sizeof("/dev/ptp") + sizeof("-2147483648")];
        int fd;

        if (index < 0)
                return -EINVAL;

        snprintf(path, sizeof(path), "/dev/ptp%d", index);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return fd;
}

int phc_measure(int fd, unsigned n_samples, int tai_utc_offset_sec, int64_t *ret_offset_ns, int64_t *ret_delay_ns) {
        /* All else zero: the reserved words must be, and newer kernels take the first of them as the
         * system clock to sample, where 0 is CLOCK_REALTIME. */
        struct ptp_sys_offset_extended x = {
                .n_samples = n_samples < 1 ? 1 : n_samples > PTP_MAX_SAMPLES ? PTP_MAX_SAMPLES : n_samples,
        };

        if (ioctl(fd, PTP_SYS_OFFSET_EXTENDED, &x) < 0)
                return -errno;

        return phc_offset_from_samples(&x, tai_utc_offset_sec, ret_offset_ns, ret_delay_ns);
}
