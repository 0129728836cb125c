/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a grandmaster announces in each lock-state, for the class writer ([Grandmaster]
 * WriteClockClass=, Manager.SetClockClassWriter)
 *
 *   state     class  accuracy          variance  timeTraceable  frequencyTraceable  timeSource
 *   LOCKED    6      0x21 (100 ns)     0x4e5d    1              1                   0x20 GNSS
 *   HOLDOVER  7      from the estimate 0xffff    1              0                   0xa0 oscillator
 *   FREERUN   248    0xfe (unknown)    0xffff    0              0                   0xa0 oscillator
 *
 * linuxptp-daemon's values, but for frequencyTraceable, which it leaves at 1 whatever happens:
 * here the frequency is traceable only while ts2phc steers the clock to GNSS. Without SyncE
 * nothing keeps it traceable in holdover, so the classes 140/150/160 are never announced either.
 * The accuracy in HOLDOVER is IEEE 1588's class of the estimated drift (tgm-state.h): 25 ns,
 * 100 ns, 250 ns, 1 µs, 2.5 µs, ...; it grows, and is written again as it does.
 *
 * The UTC offset, its validity, the leap flags and ptpTimescale are ptp4l's own, as its
 * TIME_PROPERTIES_DATA_SET has them: they follow its configuration and the leap second table,
 * not the lock-state.
 */
#pragma once

#include <stdbool.h>

#include "model/sync-state.h"
#include "source/pmc.h"

/* What to announce in state (LOCKED, HOLDOVER, FREERUN), the drift estimated at offset_ns (or OFFSET_NONE). */
PmcGrandmasterSettings grandmaster_settings_for(SyncState state, int64_t offset_ns,
                                                const PmcTimePropertiesDataSet *current);

/* Whether ptp4l announces want: its grandmaster's quality (its own, on a grandmaster) and time properties. */
bool grandmaster_settings_announced(const PmcGrandmasterSettings *want, const PmcClockQuality *quality,
                                    const PmcTimePropertiesDataSet *time_properties);

/* IEEE 1588-2008 clockAccuracy for an error of up to ns: 0x20 (25 ns) .. 0x31 (> 10 s). */
uint8_t grandmaster_accuracy_for(int64_t ns);
