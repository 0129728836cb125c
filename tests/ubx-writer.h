/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * UBX frames written for the tests (the feeder, the parser's tests, the fuzz seeds): the payloads
 * of NAV-STATUS, NAV-CLOCK, NAV-PVT, NAV-TIMEGPS, NAV-EOE and MON-HW at the u-blox M8 protocol's
 * sizes, with only the fields this project or gpsd reads set, and the checksum right.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "source/ubx-frame.h"

static inline void ubx_put_le(uint8_t *p, uint64_t v, size_t size) {
        for (size_t i = 0; i < size; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

static inline void ubx_append(GByteArray *out, uint8_t klass, uint8_t id, const uint8_t *payload, size_t length) {
        uint8_t header[UBX_HEADER_SIZE] = { UBX_SYNC_1, UBX_SYNC_2, klass, id };
        size_t start = out->len + 2;
        uint16_t ck;
        uint8_t cks[2];

        g_assert_cmpuint(length, <=, UINT16_MAX);
        ubx_put_le(header + 4, length, 2);
        g_byte_array_append(out, header, sizeof(header));
        if (length > 0)
                g_byte_array_append(out, payload, (guint) length);
        ck = ubx_checksum(out->data + start, out->len - start);
        cks[0] = (uint8_t) ck;
        cks[1] = (uint8_t) (ck >> 8);
        g_byte_array_append(out, cks, sizeof(cks));
}

static inline void ubx_append_nav_status(GByteArray *out, uint32_t itow_ms, uint8_t gps_fix) {
        uint8_t p[16] = { 0 };

        ubx_put_le(p, itow_ms, 4);
        p[4] = gps_fix;
        p[5] = gps_fix >= 2 ? 0x0d : 0; /* flags: gpsFixOk, wknSet, towSet */
        ubx_append(out, UBX_CLASS_NAV, UBX_ID_NAV_STATUS, p, sizeof(p));
}

static inline void ubx_append_nav_clock(GByteArray *out, uint32_t itow_ms, uint32_t t_acc_ns) {
        uint8_t p[20] = { 0 };

        ubx_put_le(p, itow_ms, 4);
        ubx_put_le(p + 4, 42, 4); /* clkB */
        ubx_put_le(p + 12, t_acc_ns, 4);
        ubx_put_le(p + 16, 150, 4); /* fAcc */
        ubx_append(out, UBX_CLASS_NAV, UBX_ID_NAV_CLOCK, p, sizeof(p));
}

static inline void ubx_append_mon_hw(GByteArray *out, uint8_t a_status) {
        uint8_t p[60] = { 0 };

        p[20] = a_status;
        p[21] = 1; /* aPower ON */
        ubx_append(out, UBX_CLASS_MON, UBX_ID_MON_HW, p, sizeof(p));
}

/* A NAV-PVT of the UTC time t (seconds since 1970) and nano, valid date and time. */
static inline void ubx_append_nav_pvt_nano(GByteArray *out, uint32_t itow_ms, int64_t t, int32_t nano,
                                           uint8_t fix_type, uint32_t t_acc_ns) {
        g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);
        uint8_t p[92] = { 0 };

        ubx_put_le(p, itow_ms, 4);
        ubx_put_le(p + 4, (uint64_t) g_date_time_get_year(dt), 2);
        p[6] = (uint8_t) g_date_time_get_month(dt);
        p[7] = (uint8_t) g_date_time_get_day_of_month(dt);
        p[8] = (uint8_t) g_date_time_get_hour(dt);
        p[9] = (uint8_t) g_date_time_get_minute(dt);
        p[10] = (uint8_t) g_date_time_get_second(dt);
        p[11] = 0x07; /* validDate, validTime, fullyResolved */
        ubx_put_le(p + 12, t_acc_ns, 4);
        ubx_put_le(p + 16, (uint32_t) nano, 4);
        p[20] = fix_type;
        p[21] = fix_type >= 2 ? 0x01 : 0; /* gnssFixOK */
        p[23] = fix_type >= 2 ? 8 : 0;    /* numSV */
        if (fix_type >= 2 && fix_type <= 4) {
                ubx_put_le(p + 24, (uint64_t) (int64_t) 115166667, 4);  /* lon 11.5166667 */
                ubx_put_le(p + 28, (uint64_t) (int64_t) 481173000, 4);  /* lat 48.1173 */
                ubx_put_le(p + 32, (uint64_t) (int64_t) 592300, 4);     /* height, mm */
                ubx_put_le(p + 36, (uint64_t) (int64_t) 545400, 4);     /* hMSL, mm */
                ubx_put_le(p + 40, 5000, 4);                            /* hAcc, mm */
                ubx_put_le(p + 44, 8000, 4);                            /* vAcc, mm */
        }
        ubx_put_le(p + 76, 150, 2); /* pDOP 1.50 */
        ubx_append(out, UBX_CLASS_NAV, UBX_ID_NAV_PVT, p, sizeof(p));
}

static inline void ubx_append_nav_pvt(GByteArray *out, uint32_t itow_ms, int64_t t, uint8_t fix_type,
                                      uint32_t t_acc_ns) {
        ubx_append_nav_pvt_nano(out, itow_ms, t, 0, fix_type, t_acc_ns);
}

/* NAV-TIMEGPS: the GPS week and time of week, with leap seconds valid. */
static inline void ubx_append_nav_timegps(GByteArray *out, uint32_t itow_ms, uint16_t week, int8_t leap_s) {
        uint8_t p[16] = { 0 };

        ubx_put_le(p, itow_ms, 4);
        ubx_put_le(p + 8, week, 2);
        p[10] = (uint8_t) leap_s;
        p[11] = 0x07; /* towValid, weekValid, leapSValid */
        ubx_put_le(p + 12, 20, 4); /* tAcc */
        ubx_append(out, UBX_CLASS_NAV, 0x20, p, sizeof(p));
}

/* NAV-EOE: the end of an epoch's navigation messages. */
static inline void ubx_append_nav_eoe(GByteArray *out, uint32_t itow_ms) {
        uint8_t p[4];

        ubx_put_le(p, itow_ms, 4);
        ubx_append(out, UBX_CLASS_NAV, 0x61, p, sizeof(p));
}
