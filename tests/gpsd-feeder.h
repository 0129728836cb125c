/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A real gpsd (Debian's 3.22) fed synthetic NMEA through a pty, for the tests of the gpsd client
 * and of the daemon's GNSS source:
 *
 *   gpsd -N -n -b -S PORT -F SOCK -P PIDFILE /dev/pts/N
 *
 * A feeder thread writes one epoch every 200 ms to the pty's master end, the sentences of the
 * current phase (tests/nmea-writer.h: the minimal sets that make gpsd 3.22 say each mode):
 *
 *   3D         GGA quality 1 with altitude, GSA 3, RMC A                    -> TPV mode 3
 *   2D         GGA quality 1 without altitude, GSA 2 (no RMC: with it gpsd says mode 3 again)
 *                                                                          -> mode 2
 *   no fix     GGA quality 0, GSA 1, RMC V                                  -> mode 1
 *   time-only  GGA quality 7, GSA 3, RMC A                                  -> mode 3, status 7
 *   antenna    $GPTXT,01,01,02,ANTSTATUS=OPEN*2B before a 3D epoch; then ANTSTATUS=OK
 *   silent     nothing: gpsd sends no TPV at all
 *   UBX        a u-blox receiver's binary epoch instead (tests/ubx-writer.h): NAV-PVT, NAV-TIMEGPS,
 *              NAV-STATUS, NAV-CLOCK, MON-HW and NAV-EOE, with the gpsFix (as fixType too), tAcc
 *              and aStatus of gpsd_feeder_set_ubx(). From the UBX gpsd 3.22 says "driver":"u-blox",
 *              a TPV per epoch (fixType 5: mode 3, status 7) and, to "raw":2, every frame
 *
 * gpsd needs no privilege for a pty it may open: it runs as whoever runs the test, or, for a test
 * run as root, as the user gpsd (else nobody), which then owns the pty and gpsd's directory. It
 * dies with the test (PR_SET_PDEATHSIG). The test keeps the pty's slave end open too, so that the
 * pty lives on while gpsd is down.
 */
#pragma once

#include <stdint.h>

#include "nmea-writer.h"

#define GPSD_FEEDER_EPOCH_USEC (200 * UINT64_C(1000))

/* The NMEA phases (nmea-writer.h), and UBX. */
typedef enum GpsdPhase {
        GPSD_PHASE_3D = NMEA_PHASE_3D,
        GPSD_PHASE_2D = NMEA_PHASE_2D,
        GPSD_PHASE_NOFIX = NMEA_PHASE_NOFIX,
        GPSD_PHASE_TIME_ONLY = NMEA_PHASE_TIME_ONLY,
        GPSD_PHASE_ANTENNA_OPEN = NMEA_PHASE_ANTENNA_OPEN,
        GPSD_PHASE_ANTENNA_OK = NMEA_PHASE_ANTENNA_OK,
        GPSD_PHASE_SILENT = NMEA_PHASE_SILENT,
        GPSD_PHASE_UBX = _NMEA_PHASE_MAX,
} GpsdPhase;

typedef struct GpsdFeeder GpsdFeeder;

/* The pty, a free loopback port, and the feeder in phase 3D; NULL (and g_test_skip()) without gpsd. */
GpsdFeeder *gpsd_feeder_new(void);
void gpsd_feeder_free(GpsdFeeder *f);

uint16_t gpsd_feeder_port(const GpsdFeeder *f);
void gpsd_feeder_set_phase(GpsdFeeder *f, GpsdPhase p);
/* The UBX phase, with these values (a_status: MON-HW's 0 INIT .. 4 OPEN). */
void gpsd_feeder_set_ubx(GpsdFeeder *f, unsigned gps_fix, uint32_t t_acc_ns, unsigned a_status);

/* Starts gpsd on the pty and the port (again, after a kill). */
void gpsd_feeder_start_gpsd(GpsdFeeder *f);
/* SIGKILL, and reaped. */
void gpsd_feeder_kill_gpsd(GpsdFeeder *f);
