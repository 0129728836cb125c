/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "common/util.h"
#include "model/tgm-state.h"
#include "source/grandmaster-settings.h"

#define TIME_SOURCE_GNSS 0x20
#define TIME_SOURCE_INTERNAL_OSCILLATOR 0xa0
#define ACCURACY_100_NS 0x21
#define ACCURACY_UNKNOWN 0xfe
#define VARIANCE_LOCKED 0x4e5d
#define VARIANCE_UNKNOWN 0xffff

uint8_t grandmaster_accuracy_for(int64_t ns) {
        /* IEEE 1588-2008 Table 6: 0x20 + i is "within bounds[i] ns"; 0x31 is more than 10 s. */
        static const int64_t bounds[] = {
                25, 100, 250, 1000, 2500, 10000, 25000, 100000, 250000, 1000000, 2500000, 10000000,
                25000000, 100000000, 250000000, 1000000000, 10000000000,
        };
        uint64_t error = ns < 0 ? -(uint64_t) ns : (uint64_t) ns;

        for (size_t i = 0; i < ELEMENTSOF(bounds); i++)
                if (error <= (uint64_t) bounds[i])
                        return (uint8_t) (0x20 + i);
        return 0x31;
}

PmcGrandmasterSettings grandmaster_settings_for(SyncState state, int64_t offset_ns,
                                                const PmcTimePropertiesDataSet *current) {
        PmcGrandmasterSettings s = { .time_properties = *current };

        switch (state) {
        case SYNC_STATE_LOCKED:
                s.clock_quality = (PmcClockQuality) { TGM_CLASS_LOCKED, ACCURACY_100_NS, VARIANCE_LOCKED };
                s.time_properties.time_traceable = true;
                s.time_properties.frequency_traceable = true;
                s.time_properties.time_source = TIME_SOURCE_GNSS;
                break;
        case SYNC_STATE_HOLDOVER:
                s.clock_quality = (PmcClockQuality) {
                        TGM_CLASS_HOLDOVER,
                        offset_ns == OFFSET_NONE ? ACCURACY_UNKNOWN : grandmaster_accuracy_for(offset_ns),
                        VARIANCE_UNKNOWN,
                };
                s.time_properties.time_traceable = true;
                s.time_properties.frequency_traceable = false;
                s.time_properties.time_source = TIME_SOURCE_INTERNAL_OSCILLATOR;
                break;
        default:
                s.clock_quality = (PmcClockQuality) { TGM_CLASS_FREERUN, ACCURACY_UNKNOWN, VARIANCE_UNKNOWN };
                s.time_properties.time_traceable = false;
                s.time_properties.frequency_traceable = false;
                s.time_properties.time_source = TIME_SOURCE_INTERNAL_OSCILLATOR;
                break;
        }
        return s;
}

bool grandmaster_settings_announced(const PmcGrandmasterSettings *want, const PmcClockQuality *quality,
                                    const PmcTimePropertiesDataSet *time_properties) {
        const PmcTimePropertiesDataSet *t = &want->time_properties;

        return want->clock_quality.clock_class == quality->clock_class &&
                want->clock_quality.clock_accuracy == quality->clock_accuracy &&
                want->clock_quality.offset_scaled_log_variance == quality->offset_scaled_log_variance &&
                t->time_traceable == time_properties->time_traceable &&
                t->frequency_traceable == time_properties->frequency_traceable &&
                t->time_source == time_properties->time_source;
}
