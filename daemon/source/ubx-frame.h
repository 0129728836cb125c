/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * u-blox UBX frames, as gpsd relays them with "raw":2
 *
 *   B5 62  class  id  length (le16)  payload[length]  CK_A CK_B
 *
 * CK_A/CK_B: the 8-bit Fletcher checksum of class, id, length and payload.
 * ubx_frame_check() judges the start of a buffer; UbxFramer builds on it for
 * a stream in arbitrary chunks: it resyncs on garbage (one byte at a time, to
 * the next B5 62), skips frames with more than UBX_PAYLOAD_MAX bytes of
 * payload by their length without keeping them, and so holds at most one
 * frame. The decoders read only what the u-blox M8 protocol (and older ones,
 * where the offsets are the same) puts there, and refuse a payload too short
 * for it or a value out of range. Pure: no I/O, no allocation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UBX_SYNC_1 0xb5
#define UBX_SYNC_2 0x62
#define UBX_HEADER_SIZE 6 /* sync, class, id, length */
#define UBX_OVERHEAD 8    /* header and checksum */
#define UBX_PAYLOAD_MAX 1024
#define UBX_FRAME_MAX (UBX_OVERHEAD + UBX_PAYLOAD_MAX)

#define UBX_CLASS_NAV 0x01
#define UBX_CLASS_MON 0x0a
#define UBX_ID_NAV_STATUS 0x03
#define UBX_ID_NAV_PVT 0x07
#define UBX_ID_NAV_CLOCK 0x22
#define UBX_ID_MON_HW 0x09

#define UBX_TACC_UNKNOWN UINT32_MAX /* what a receiver without a time solution says */

typedef struct UbxFrame {
        uint8_t klass, id;
        uint16_t length;
        const uint8_t *payload; /* length bytes; valid as long as the buffer it came from */
} UbxFrame;

typedef enum UbxCheck {
        UBX_CHECK_MORE,      /* a frame's beginning, or nothing: more bytes are needed to tell */
        UBX_CHECK_FRAME,     /* a complete frame, with the right checksum, of *size bytes */
        UBX_CHECK_NOT_FRAME, /* not a frame's beginning (no sync, or a wrong checksum): drop a byte */
        UBX_CHECK_TOO_LONG,  /* a frame's header announcing *size bytes, more than UBX_FRAME_MAX */
} UbxCheck;

/* Judges data[0..size): only the header is read until it says how long the frame is. */
UbxCheck ubx_frame_check(const uint8_t *data, size_t size, UbxFrame *ret, size_t *ret_size);

/* The Fletcher checksum of bytes (class through payload), CK_A in the low byte. */
uint16_t ubx_checksum(const uint8_t *bytes, size_t size);

typedef struct UbxFramer {
        uint8_t buf[UBX_FRAME_MAX];
        size_t n;
        size_t skip; /* bytes of a too long frame still to drop */
        size_t done; /* the frame returned last, dropped at the next call */
        /* What was dropped, for the caller's statistics or logs. */
        uint64_t garbage_bytes, bad_checksums, too_long;
} UbxFramer;

#define UBX_FRAMER_INIT ((UbxFramer) { .n = 0 })

/*
 * Takes bytes from *data (at most *size), advancing both, until a frame is complete: then returns
 * true with it in *ret (pointing into the framer, valid until the next call). Returns false once
 * all the bytes are taken without completing one.
 */
bool ubx_framer_push(UbxFramer *f, const uint8_t **data, size_t *size, UbxFrame *ret);

typedef struct UbxNavStatus {
        uint8_t gps_fix; /* 0 no fix, 1 dead reckoning, 2 2D, 3 3D, 4 GNSS+DR, 5 time only */
} UbxNavStatus;

typedef struct UbxNavClock {
        uint32_t t_acc_ns; /* UBX_TACC_UNKNOWN: none */
} UbxNavClock;

typedef struct UbxNavPvt {
        uint8_t fix_type; /* as gpsFix */
        uint32_t t_acc_ns;
} UbxNavPvt;

typedef enum UbxAntenna {
        UBX_ANTENNA_INIT,
        UBX_ANTENNA_DONTKNOW,
        UBX_ANTENNA_OK,
        UBX_ANTENNA_SHORT,
        UBX_ANTENNA_OPEN,
        _UBX_ANTENNA_MAX,
} UbxAntenna;

typedef struct UbxMonHw {
        UbxAntenna a_status;
} UbxMonHw;

#define UBX_GPS_FIX_MAX 5
#define UBX_ERROR_MAX 128

/* Each: 0, or -EINVAL (not that message, a short payload, a reserved value) with why in error. */
int ubx_decode_nav_status(const UbxFrame *f, UbxNavStatus *ret, char *error, size_t error_size);
int ubx_decode_nav_clock(const UbxFrame *f, UbxNavClock *ret, char *error, size_t error_size);
int ubx_decode_nav_pvt(const UbxFrame *f, UbxNavPvt *ret, char *error, size_t error_size);
int ubx_decode_mon_hw(const UbxFrame *f, UbxMonHw *ret, char *error, size_t error_size);

/* "NAV-STATUS", ...; NULL for the others. */
const char *ubx_frame_name(uint8_t klass, uint8_t id);
/* "INIT" ... "OPEN"; NULL if out of range. */
const char *ubx_antenna_to_string(UbxAntenna a);
