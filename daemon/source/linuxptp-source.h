/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The linuxptp source: ptp4l instances turned into observations
 *
 * One Ptp4lClient per [ptp4l NAME] group. Each complete poll round gives the
 * clock of the instance's interface a lock-state observation (ptp4l-state.h),
 * and the grandmaster's clock class from PARENT_DATA_SET; a port-state push
 * that ends lock is an observation at once, and one that begins it asks for
 * a round at once, so neither waits for the next poll. An instance that does
 * not answer is unreachable (HOLDOVER if it was LOCKED, FREERUN once the
 * holdover runs out), also before its interface is known: until then its clock
 * is named after the group (cut to an interface name's 15 bytes), and that
 * clock is retired once ptp4l names its interface. Failing to reach it is a
 * warning at the first failure, then at most once a minute (debug lines in
 * between); an info line says when it answers again.
 *
 * The grandmaster's instance ([Grandmaster] Instance=) is judged by grandmaster.h instead: its
 * lock-state and clock class come from there, and the system clock, if it judges that, is FREERUN
 * while the grandmaster is.
 *
 * The system clock (os-clock-sync-state) is judged from the first instance:
 * with software timestamping ptp4l disciplines CLOCK_REALTIME itself, so it
 * follows that clock's observations; with hardware timestamping the daemon
 * measures CLOCK_REALTIME against the interface's PHC (phc.h).
 */
#pragma once

#include <glib.h>

#include "config/config.h"
#include "engine/manager.h"

typedef struct LinuxptpSource LinuxptpSource;

/*
 * ptp4l: Ptp4lConfig*, at least one; our sockets are bound in runtime_dir. gm: [Grandmaster], whose
 * Instance= (if set) names the instance that is this node's grandmaster (grandmaster.h), judged
 * from what linuxptp_source_gnss() and linuxptp_source_ts2phc() say besides ptp4l; NULL: none.
 */
int linuxptp_source_new(LinuxptpSource **ret, Manager *m, const GPtrArray *ptp4l, const char *runtime_dir,
                        const GrandmasterConfig *gm);
/* The GNSS receiver is SYNCHRONIZED, or no longer: for the grandmaster, if there is one. */
void linuxptp_source_gnss(LinuxptpSource *s, bool synchronized);
/* ts2phc is alive, or not: for the grandmaster, if there is one. */
void linuxptp_source_ts2phc(LinuxptpSource *s, bool alive);
/*
 * A reload: makes the instances those of ptp4l (at least one), in its order. An instance whose
 * group is unchanged keeps running untouched; a changed one (any key) is stopped and made anew,
 * its clock kept when its interface and alias stay; a removed one stops, and its clock is retired
 * from lock-state and clock-class (manager_retire_clock()) unless another instance reads it. The
 * first instance judges the system clock, whichever it is now. Returns 0, or the error of the
 * first instance that could not be made: the rest is applied, and that one is left out (a later
 * reload tries it again).
 */
int linuxptp_source_apply(LinuxptpSource *s, const GPtrArray *ptp4l);
LinuxptpSource *linuxptp_source_free(LinuxptpSource *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(LinuxptpSource *, linuxptp_source_free);
