/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reloading the configuration: Manager.Reload and SIGHUP
 *
 * The file is read afresh and the command line put on top of it, exactly as
 * at start-up (settings.h). A file that does not load is refused whole, with
 * the error naming the file, group and key: nothing of it applies. Otherwise,
 * without a restart and keeping every subscription, its queue and the current
 * state:
 *
 *   thresholds     MinOffsetNs, MaxOffsetNs: from the next observation of each clock;
 *                  HoldoverTimeoutSec: from the next loss of lock (a holdover already
 *                  running keeps the deadline it had)
 *   quota          the [Quota] keys and the [Quota user NAME] groups (user names looked up
 *                  afresh): for the next Subscribe (subscriptions held are kept)
 *   retention      RetainEvents: from the next pruning of the store
 *   [ptp4l NAME]   added ones are read, removed ones stop and their clocks leave the
 *                  resources, changed ones (any key) are read anew (linuxptp-source.h)
 *
 * NodeName, Source, StateDirectory and RuntimeDirectory cannot change under a
 * running daemon: a new value is logged (notice) as taking effect at the next
 * restart, and the rest of the file applies.
 *
 * The supervisor hears RELOADING=1 when it starts and READY=1 when it is done,
 * refused or not. Parsing the file is the only work, and it is small (at most
 * 1 MiB), so the loop does not wait long.
 */
#pragma once

#include "source/linuxptp-source.h"
#include "engine/manager.h"
#include "config/settings.h"

typedef struct Reload Reload;

/*
 * Takes running over (the configuration start-up made from o; *running is left empty) and
 * watches SIGHUP, which must be blocked. o's strings must outlive the Reload (they are argv's).
 * linuxptp: NULL with the simulated source. Sets m->reload.
 */
int reload_new(Reload **ret, Manager *m, LinuxptpSource *linuxptp, const Overrides *o, Config *running);
Reload *reload_free(Reload *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(Reload *, reload_free);

/*
 * Reloads now. Returns 0; or a negative errno with error set (error may be NULL):
 * org.ptpsync1.Error.InvalidConfiguration when the file was refused, or Failed when it applied
 * except for a ptp4l instance that could not be set up. Either is logged.
 */
int reload_run(Reload *r, sd_bus_error *error);
/* The same, as the bus face's Manager.Reload handler (bus-face.h); userdata is the Reload. */
int reload_bus_handler(void *userdata, sd_bus_error *error);
