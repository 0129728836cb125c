/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One line from gpsd, decoded
 *
 * With ?WATCH={"enable":true,"json":true,"nmea":true} gpsd 3.22 sends one
 * message per line: a JSON object whose "class" says what it is, or a raw
 * NMEA sentence as the receiver sent it. This module turns one such line into
 * a plain struct, keeping only what the GNSS state needs:
 *
 *   VERSION          release, protocol version (on connect)
 *   DEVICES, DEVICE  the devices gpsd has open; DEVICE when a driver is known
 *   WATCH            gpsd's echo of our ?WATCH
 *   TPV              mode 0..3, status 0..9 (absent: 0), time, device
 *   SKY              satellites seen and used
 *   POLL             "active" (devices open) and the first TPV
 *   ERROR            gpsd's complaint about our request
 *   $GxTXT,...,ANTSTATUS=OK|OPEN|SHORT*hh   the u-blox antenna supervisor,
 *                    which reaches a client only as raw NMEA
 *
 * Other classes (TOFF, PPS, ...) and other sentences are GPSD_MESSAGE_OTHER
 * and GPSD_MESSAGE_NMEA: valid, and ignored by the caller.
 *
 * A line is untrusted: at most GPSD_LINE_MAX bytes, valid UTF-8 without NUL
 * bytes, JSON nested at most GPSD_JSON_DEPTH_MAX deep (json-glib's parser
 * recurses), every field used of the right JSON type and in range, every
 * string kept short enough for its buffer. Anything else is refused with a
 * message naming what was wrong. json-glib stays inside the .c file: the
 * struct has plain C types only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A longer line is refused (gpsd's own longest, a POLL or SKY of many satellites, is a few kB). */
#define GPSD_LINE_MAX (64 * 1024)
#define GPSD_JSON_DEPTH_MAX 8
/* gpsd's GPS_PATH_MAX is 128. */
#define GPSD_PATH_MAX 128
#define GPSD_NAME_MAX 64
#define GPSD_ERROR_MAX 256 /* room for a gpsd_message_parse() error */

typedef enum GpsdMessageType {
        GPSD_MESSAGE_VERSION,
        GPSD_MESSAGE_DEVICES,
        GPSD_MESSAGE_DEVICE,
        GPSD_MESSAGE_WATCH,
        GPSD_MESSAGE_TPV,
        GPSD_MESSAGE_SKY,
        GPSD_MESSAGE_POLL,
        GPSD_MESSAGE_ERROR,
        GPSD_MESSAGE_OTHER,     /* a JSON class we do not use */
        GPSD_MESSAGE_ANTSTATUS, /* $GxTXT ANTSTATUS=... */
        GPSD_MESSAGE_NMEA,      /* any other NMEA sentence */
        _GPSD_MESSAGE_MAX,
} GpsdMessageType;

typedef enum GpsdAntenna {
        GPSD_ANTENNA_OK,
        GPSD_ANTENNA_OPEN,
        GPSD_ANTENNA_SHORT,
        _GPSD_ANTENNA_MAX,
} GpsdAntenna;

typedef struct GpsdTpv {
        char device[GPSD_PATH_MAX]; /* "" if absent */
        uint8_t mode;               /* 0 unknown, 1 no fix, 2 2D, 3 3D */
        uint8_t status;             /* 0 if absent; 7 time-only/surveyed */
        bool has_time;
        int64_t time_usec; /* "time", µs since the Unix epoch */
} GpsdTpv;

typedef struct GpsdMessage {
        GpsdMessageType type;
        union {
                struct {
                        char release[GPSD_NAME_MAX];
                        unsigned proto_major, proto_minor;
                } version;
                struct {
                        unsigned n_devices;
                } devices;
                struct {
                        char path[GPSD_PATH_MAX];
                        char driver[GPSD_NAME_MAX]; /* "" until identified */
                } device;
                struct {
                        bool enable;
                } watch;
                GpsdTpv tpv;
                struct {
                        char device[GPSD_PATH_MAX];
                        unsigned n_sat, u_sat; /* nSat/uSat, else counted from satellites[] */
                } sky;
                struct {
                        unsigned active; /* devices open */
                        bool has_tpv;
                        GpsdTpv tpv; /* the first of tpv[] */
                } poll;
                struct {
                        char message[GPSD_NAME_MAX * 2];
                } error;
                struct {
                        char klass[GPSD_NAME_MAX];
                } other;
                struct {
                        char talker[3]; /* "GP", "GN", ... */
                        GpsdAntenna antenna;
                } antstatus;
        };
} GpsdMessage;

/*
 * Decodes one line (length bytes, without its line end; a trailing "\r" is
 * allowed). Returns 0 and fills *ret, or -EINVAL (-EMSGSIZE for a line longer
 * than GPSD_LINE_MAX) with what was wrong in error (GPSD_ERROR_MAX bytes),
 * the untrusted parts escaped. Never reads past length.
 */
int gpsd_message_parse(const char *line, size_t length, GpsdMessage *ret, char *error, size_t error_size);

const char *gpsd_message_type_to_string(GpsdMessageType t);
const char *gpsd_antenna_to_string(GpsdAntenna a); /* "OK", "OPEN", "SHORT" */
