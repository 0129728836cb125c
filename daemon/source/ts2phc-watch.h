/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ts2phc's liveness, for the grandmaster ([Grandmaster] Ts2phcWatch=)
 *
 * ts2phc has no management interface (no linuxptp version has one): all that can be known of it
 * from outside is whether it runs, not its servo state nor whether 1PPS arrives. So the process is
 * watched: found once a second, while it is not running, from a pidfile or by a scan of /proc (a
 * few dozen entries per wake-up, so that thousands of processes never hold up the loop); a
 * process counts only if its /proc/PID/comm is "ts2phc" (a stale pidfile whose pid was reused must
 * not), and, with a config path, if its command line has -f PATH (ts2phc's own option parsing:
 * the last -f wins). Once found, a pidfd (pidfd_open(2)) in the event loop says the moment it
 * exits, and the search starts again for a restart.
 *
 * The listener hears the first verdict (after the first search, on the loop's first iteration)
 * and then every change, alive to dead and back; nothing else.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "common/util.h"

/* How often the process is looked for while it is not found. */
#define TS2PHC_SCAN_INTERVAL_USEC USEC_PER_SEC
/* The most of /proc/PID/cmdline that is read: ts2phc's arguments are a few dozen bytes. */
#define TS2PHC_CMDLINE_MAX (64 * 1024)

typedef struct Ts2phcWatch Ts2phcWatch;
typedef void (*Ts2phcListener)(bool alive, void *userdata);

typedef struct Ts2phcWatchSettings {
        const char *pid_file; /* absolute; NULL: scan /proc for a process named ts2phc */
        const char *config;   /* absolute; NULL: any ts2phc */
} Ts2phcWatchSettings;

/* Copies what settings point to. */
int ts2phc_watch_new(Ts2phcWatch **ret, sd_event *event, const Ts2phcWatchSettings *settings,
                     Ts2phcListener listener, void *userdata);
Ts2phcWatch *ts2phc_watch_free(Ts2phcWatch *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(Ts2phcWatch *, ts2phc_watch_free);

/* The pid being watched, or 0 when ts2phc is not found. */
pid_t ts2phc_watch_pid(const Ts2phcWatch *w);

/*
 * Whether a ts2phc command line (its arguments NUL-terminated one after another, n bytes, argv[0]
 * first, as /proc/PID/cmdline has them) reads config: its last -f names it, as written or after
 * g_canonicalize_filename() ("/etc//ts2phc.conf" is "/etc/ts2phc.conf"). A relative -f cannot be
 * resolved (the process's cwd is not ours to read) and matches nothing.
 */
bool ts2phc_cmdline_has_config(const char *cmdline, size_t n, const char *config);
