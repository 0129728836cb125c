/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A client of gpsd, on sd-event
 *
 * One TCP connection to gpsd (default 127.0.0.1:2947), made without blocking:
 * a non-blocking connect(), then ?WATCH={"enable":true,"json":true,"nmea":true}
 * (nmea: the u-blox antenna supervisor's $GxTXT ANTSTATUS reaches a client
 * only as raw NMEA) and ?POLL; every poll interval (POLL's "active":0 is how
 * a closed device shows). With params.ubx, the ?WATCH adds "raw":2, and the
 * u-blox receiver's NAV-STATUS, NAV-CLOCK, NAV-PVT and MON-HW frames feed the
 * state too (read-only: nothing is ever sent to the receiver). Lines are
 * framed up to GPSD_LINE_MAX bytes (source/gpsd-stream.h, which also takes
 * UBX frames apart from them); a longer one ends the connection, a line or a
 * UBX frame that does not decode is skipped with a rate-limited warning. Each wake-up reads a bounded amount, so that a
 * chatty gpsd cannot starve the rest of the loop.
 *
 * EOF, a refused connection or any socket error closes the connection and
 * retries after a backoff, reconnect_min_usec doubling up to
 * reconnect_max_usec, back to the minimum once gpsd has said VERSION. The
 * warning that names the address and the errno is rate-limited too.
 *
 * What gpsd says feeds a GnssState (model/gnss-state.h), ticked every second
 * for its staleness timer; ops->changed hears of every change of the value.
 *
 * The address is numeric or "localhost" (common/inet-address.h): a name
 * lookup would block the loop.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "model/gnss-state.h"
#include "common/util.h"

#define GPSD_DEFAULT_ADDRESS "127.0.0.1:2947"
#define GPSD_DEFAULT_PORT 2947

typedef struct GpsdClient GpsdClient;

typedef struct GpsdClientSettings {
        const char *address; /* "HOST:PORT", "HOST" (port 2947); NULL: the default */
        GnssParams params;
        uint64_t poll_interval_usec; /* ?POLL; 0: 4 s */
        uint64_t reconnect_min_usec; /* 0: 0.5 s */
        uint64_t reconnect_max_usec; /* 0: 10 s */
} GpsdClientSettings;

typedef struct GpsdClientOps {
        /* The gnss-sync-status or the gpsFix metric changed. */
        void (*changed)(GpsdClient *c, const GnssValue *v, void *userdata);
        /* Anything was read or timed out, which may change the measurement (gpsd_client_tacc()). May be NULL. */
        void (*updated)(GpsdClient *c, void *userdata);
} GpsdClientOps;

/* Checks the settings (address, parameters) and starts connecting at once. Copies the strings. */
int gpsd_client_new(GpsdClient **ret, sd_event *event, const GpsdClientSettings *s, const GpsdClientOps *ops,
                    void *userdata);
GpsdClient *gpsd_client_free(GpsdClient *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(GpsdClient *, gpsd_client_free);

const GnssState *gpsd_client_state(const GpsdClient *c);
/* gnss_state_tacc() now. */
bool gpsd_client_tacc(GpsdClient *c, uint32_t *ret);
bool gpsd_client_connected(const GpsdClient *c);
const char *gpsd_client_address(const GpsdClient *c);
/* Connections made so far (each one that reached gpsd counts). */
unsigned gpsd_client_connections(const GpsdClient *c);
