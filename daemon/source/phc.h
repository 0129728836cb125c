/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CLOCK_REALTIME measured against a PTP hardware clock
 *
 * With hardware timestamping, ptp4l disciplines the NIC's PHC (/dev/ptpN) and
 * phc2sys steers CLOCK_REALTIME after it. How closely CLOCK_REALTIME follows is
 * the os-clock-sync-state, measured here with the PTP_SYS_OFFSET_EXTENDED ioctl:
 * n samples of (system time before, PHC time, system time after), where the
 * driver reads CLOCK_REALTIME just before and just after it reads the PHC.
 *
 * phc_offset_from_samples() is the arithmetic: pure, unit-tested and fuzzed.
 * The rest is thin I/O around it.
 *
 * None of it waits for anything to happen (no timers, no network): each call
 * is a syscall or two of a few microseconds on a NIC PHC, so the daemon may
 * call them from its event loop. Two caveats: a driver may briefly wait on a
 * lock it shares with its own PTP work, and a PHY timestamper behind MDIO needs
 * several bus reads per sample, so keep n_samples small there; and
 * phc_index_of_interface() takes the kernel's RTNL lock, which other network
 * configuration can hold for a while: call it at start-up and on
 * reconfiguration, not on every measurement.
 */
#pragma once

#include <linux/ptp_clock.h>
#include <stdint.h>

/*
 * Computes CLOCK_REALTIME − PHC from one PTP_SYS_OFFSET_EXTENDED reading.
 *
 * Of the n_samples samples it takes the one with the shortest window
 * (after − before; the first of equal ones), assumes the PHC was read at the
 * window's middle (rounded down to the ns), and returns
 *
 *   offset = middle − (PHC − tai_utc_offset_sec · 1e9)    positive: system clock ahead
 *   delay  = the window, ≥ 0
 *
 * The PHC keeps TAI and CLOCK_REALTIME keeps UTC, so the TAI−UTC offset
 * (37 s since 2017) is taken off the PHC time; pass 0 for a PHC that keeps UTC.
 * Each timestamp counts as sec · 1e9 + nsec, as the kernel fills it from a
 * timespec64.
 *
 * A reading is all or nothing: any malformed sample among the first n_samples
 * fails it, even one that would not have been picked, as it means the reading
 * is not what the kernel gives (or CLOCK_REALTIME stepped during it). Samples
 * beyond n_samples, the reserved fields and the header's reserved words are
 * not read.
 *
 * Returns 0, or
 *   -EINVAL  n_samples is 0 or above PTP_MAX_SAMPLES, or a sample has an nsec
 *            field above 999999999 or after < before (checked over all
 *            samples first: a malformed reading is -EINVAL whatever else);
 *   -ERANGE  a timestamp, window, PHC time minus the TAI−UTC offset, or
 *            offset of any sample does not fit int64 ns.
 * Both outputs are optional, and left alone on failure.
 */
int phc_offset_from_samples(const struct ptp_sys_offset_extended *x, int tai_utc_offset_sec,
                            int64_t *ret_offset_ns, int64_t *ret_delay_ns);

/*
 * The index N of the PHC behind network interface ifname, for /dev/ptpN, from
 * ETHTOOL_GET_TS_INFO in the daemon's network namespace. Returns 0, -EINVAL for
 * a name that cannot be an interface's (empty, or IFNAMSIZ bytes or more),
 * -ENODEV when the interface has no PHC (software timestamping only, as lo)
 * and also when there is no such interface (the kernel does not tell the two
 * apart), or another -errno from the ioctl. ret_index is optional.
 */
int phc_index_of_interface(const char *ifname, int *ret_index);

/* Opens /dev/ptp<index> read-only (all the measurement needs). Returns the fd, or -errno. */
int phc_open(int index);

/*
 * One PTP_SYS_OFFSET_EXTENDED ioctl on fd with n_samples clamped to
 * 1..PTP_MAX_SAMPLES, then phc_offset_from_samples(). Returns what that
 * returns, or -errno from the ioctl: -EOPNOTSUPP from a driver that cannot
 * read its PHC between two system clock reads, -ENOTTY when fd is not a PHC.
 */
int phc_measure(int fd, unsigned n_samples, int tai_utc_offset_sec, int64_t *ret_offset_ns, int64_t *ret_delay_ns);
