/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gpsd's byte stream cut into records
 *
 * Without UBX, every record is a line ending in '\n'. With "raw":2 gpsd 3.22
 * also relays the receiver's packets as they came, between its own records
 * (measured: JSON lines and its NMEA, each ending in "\r\n", and UBX frames
 * with nothing around them). A UBX frame's payload may hold any byte, '\n'
 * and '{' too, so a frame is taken by its length, never searched for a '\n':
 *
 *   B5 62 ...         a UBX frame (ubx-frame.h): complete with the right
 *                     checksum, a record; with a wrong one, the B5 is garbage;
 *                     more than UBX_PAYLOAD_MAX bytes of payload: skipped by
 *                     its length
 *   '{', '$', '!'     a line, up to its '\n'
 *   any other byte    garbage, dropped up to the next byte of those above (or
 *                     past a '\n'): what a receiver sends in another binary
 *                     protocol
 *
 * The buffer holds GPSD_LINE_MAX + 1 bytes: a line longer than GPSD_LINE_MAX
 * is an error (gpsd writes none), a UBX frame always fits.
 *
 * Pure: no I/O. The caller reads into gpsd_stream_space() and calls
 * gpsd_stream_next() until it says MORE.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source/ubx-frame.h"

typedef struct GpsdStream {
        char *buf; /* GPSD_LINE_MAX + 1 bytes */
        size_t start, n;
        size_t skip; /* bytes of a too long UBX frame still to drop */
        bool ubx;
        uint64_t garbage_bytes, bad_checksums, too_long;
} GpsdStream;

typedef enum GpsdStreamResult {
        GPSD_STREAM_MORE,     /* nothing complete: read more */
        GPSD_STREAM_LINE,     /* a line, without its '\n' */
        GPSD_STREAM_UBX,      /* a UBX frame */
        GPSD_STREAM_TOO_LONG, /* a line longer than GPSD_LINE_MAX */
} GpsdStreamResult;

typedef struct GpsdRecord {
        const char *line; /* GPSD_STREAM_LINE: valid until the next call */
        size_t length;
        UbxFrame frame; /* GPSD_STREAM_UBX: its payload valid until the next call */
} GpsdRecord;

void gpsd_stream_init(GpsdStream *s, bool ubx);
void gpsd_stream_done(GpsdStream *s);
/* Forgets what is buffered: a new connection. */
void gpsd_stream_reset(GpsdStream *s);

/* Where to put new bytes, and how many fit (never 0 after a MORE). */
char *gpsd_stream_space(GpsdStream *s, size_t *ret_size);
void gpsd_stream_filled(GpsdStream *s, size_t n);

GpsdStreamResult gpsd_stream_next(GpsdStream *s, GpsdRecord *ret);
