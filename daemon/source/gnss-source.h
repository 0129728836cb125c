/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The GNSS source: gpsd's view of the receiver turned into gnss-sync-status
 *
 * With [GNSS] Gpsd= set, one GpsdClient (gpsd-client.h) watches gpsd, and
 * every change of its value (model/gnss-state.h) is a reading of the GNSS
 * resource for the clock named by [GNSS] Interface= (default "gnss"), with
 * either source: the simulator's resource is the same one. The first reading
 * is the first value: FAILURE-NOFIX once gpsd is found unreachable or silent,
 * else what its first fix report says (in compat, a connected gpsd that has
 * reported nothing yet gives no value, not a FAILURE-NOFIX for the start-up).
 * gpsd measures no time offset (its TPV "ept" is a constant), so the
 * readings carry none.
 */
#pragma once

#include "config/config.h"
#include "engine/manager.h"

typedef struct GnssSource GnssSource;

/* The resource must exist (manager_add_resource()). c->gpsd must be set. */
int gnss_source_new(GnssSource **ret, Manager *m, const Config *c);
/* Told whenever the receiver becomes SYNCHRONIZED or stops being so (the grandmaster follows it). */
typedef void (*GnssListener)(bool synchronized, void *userdata);
void gnss_source_set_listener(GnssSource *s, GnssListener listener, void *userdata);
GnssSource *gnss_source_free(GnssSource *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(GnssSource *, gnss_source_free);
