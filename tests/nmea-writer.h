/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * NMEA 0183 epochs written for the tests (tests/gpsd-feeder.c, tests/nmea-feeder.c): the minimal
 * sentence sets that make gpsd 3.22 report each fix mode, with the checksum right.
 *
 *   3D         GGA quality 1 with altitude, GSA 3, RMC A                    -> TPV mode 3
 *   2D         GGA quality 1 without altitude, GSA 2 (no RMC: with it gpsd says mode 3 again)
 *                                                                          -> mode 2
 *   none       GGA quality 0, GSA 1, RMC V                                  -> mode 1
 *   time-only  GGA quality 7, GSA 3, RMC A                                  -> mode 3, status 7
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

typedef enum NmeaFix {
        NMEA_FIX_3D,
        NMEA_FIX_2D,
        NMEA_FIX_NONE,
        NMEA_FIX_TIME_ONLY,
} NmeaFix;

/* "$BODY*CS\r\n": the checksum is the XOR of the body's bytes. */
static inline void nmea_append(GString *out, const char *body) {
        uint8_t sum = 0;

        for (const char *p = body; *p; p++)
                sum ^= (uint8_t) *p;
        g_string_append_printf(out, "$%s*%02X\r\n", body, sum);
}

/* A u-blox antenna supervisor's report: "OK", "OPEN" or "SHORT". */
static inline void nmea_append_antenna(GString *out, const char *status) {
        g_autofree char *txt = g_strdup_printf("GPTXT,01,01,02,ANTSTATUS=%s", status);

        nmea_append(out, txt);
}

/* One epoch of fix at the UTC time ts. */
static inline void nmea_append_epoch(GString *out, NmeaFix fix, const struct timespec *ts) {
        g_autofree char *gga = NULL, *rmc = NULL;
        char hms[48], dmy[48];
        struct tm tm;

        gmtime_r(&ts->tv_sec, &tm);
        snprintf(hms, sizeof(hms), "%02d%02d%02d.%02d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (int) (ts->tv_nsec / 10000000));
        /* NMEA's date has a two-digit year. */
        snprintf(dmy, sizeof(dmy), "%02d%02d%02d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year % 100);

        switch (fix) {
        case NMEA_FIX_3D:
        case NMEA_FIX_TIME_ONLY:
                gga = g_strdup_printf("GPGGA,%s,4807.038,N,01131.000,E,%c,08,0.9,545.4,M,46.9,M,,", hms,
                                      fix == NMEA_FIX_TIME_ONLY ? '7' : '1');
                nmea_append(out, gga);
                nmea_append(out, "GPGSA,A,3,04,05,09,12,24,25,29,31,,,,,1.8,1.0,1.5");
                rmc = g_strdup_printf("GPRMC,%s,A,4807.038,N,01131.000,E,0.0,0.0,%s,,,A", hms, dmy);
                nmea_append(out, rmc);
                break;
        case NMEA_FIX_2D:
                gga = g_strdup_printf("GPGGA,%s,4807.038,N,01131.000,E,1,04,0.9,,M,,M,,", hms);
                nmea_append(out, gga);
                nmea_append(out, "GPGSA,A,2,04,05,09,12,,,,,,,,,1.8,1.0,1.5");
                break;
        case NMEA_FIX_NONE:
                gga = g_strdup_printf("GPGGA,%s,,,,,0,00,99.99,,,,,,", hms);
                nmea_append(out, gga);
                nmea_append(out, "GPGSA,A,1,,,,,,,,,,,,,99.99,99.99,99.99");
                rmc = g_strdup_printf("GPRMC,%s,V,,,,,,,%s,,,N", hms, dmy);
                nmea_append(out, rmc);
                break;
        }
}

/* What a receiver says in an epoch, as the feeders play it. */
typedef enum NmeaPhase {
        NMEA_PHASE_3D,
        NMEA_PHASE_2D,
        NMEA_PHASE_NOFIX,
        NMEA_PHASE_TIME_ONLY,
        NMEA_PHASE_ANTENNA_OPEN, /* ANTSTATUS=OPEN before a 3D epoch */
        NMEA_PHASE_ANTENNA_OK,   /* ANTSTATUS=OK before a 3D epoch */
        NMEA_PHASE_SILENT,       /* nothing at all */
        _NMEA_PHASE_MAX,
} NmeaPhase;

/* One epoch of phase at the UTC time ts (nothing for SILENT). */
static inline void nmea_append_phase(GString *out, NmeaPhase phase, const struct timespec *ts) {
        static const NmeaFix fix[_NMEA_PHASE_MAX] = {
                [NMEA_PHASE_3D] = NMEA_FIX_3D,         [NMEA_PHASE_2D] = NMEA_FIX_2D,
                [NMEA_PHASE_NOFIX] = NMEA_FIX_NONE,    [NMEA_PHASE_TIME_ONLY] = NMEA_FIX_TIME_ONLY,
                [NMEA_PHASE_ANTENNA_OPEN] = NMEA_FIX_3D, [NMEA_PHASE_ANTENNA_OK] = NMEA_FIX_3D,
        };

        if (phase == NMEA_PHASE_SILENT || (unsigned) phase >= _NMEA_PHASE_MAX)
                return;
        if (phase == NMEA_PHASE_ANTENNA_OPEN || phase == NMEA_PHASE_ANTENNA_OK)
                nmea_append_antenna(out, phase == NMEA_PHASE_ANTENNA_OPEN ? "OPEN" : "OK");
        nmea_append_epoch(out, fix[phase], ts);
}
