/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "source/ubx-frame.h"
#include "common/util.h"

uint16_t ubx_checksum(const uint8_t *bytes, size_t size) {
        uint8_t a = 0, b = 0;

        for (size_t i = 0; i < size; i++) {
                a += bytes[i];
                b += a;
        }
        return (uint16_t) (a | (b << 8));
}

UbxCheck ubx_frame_check(const uint8_t *data, size_t size, UbxFrame *ret, size_t *ret_size) {
        size_t length, total;
        uint16_t ck;

        *ret_size = UBX_HEADER_SIZE;
        if (size >= 1 && data[0] != UBX_SYNC_1)
                return UBX_CHECK_NOT_FRAME;
        if (size >= 2 && data[1] != UBX_SYNC_2)
                return UBX_CHECK_NOT_FRAME;
        if (size < UBX_HEADER_SIZE)
                return UBX_CHECK_MORE;
        length = data[4] | ((size_t) data[5] << 8);
        total = UBX_OVERHEAD + length;
        *ret_size = total;
        if (length > UBX_PAYLOAD_MAX)
                return UBX_CHECK_TOO_LONG;
        if (size < total)
                return UBX_CHECK_MORE;
        ck = ubx_checksum(data + 2, total - 4);
        if (data[total - 2] != (ck & 0xff) || data[total - 1] != (ck >> 8))
                return UBX_CHECK_NOT_FRAME;
        *ret = (UbxFrame) { .klass = data[2], .id = data[3], .length = (uint16_t) length, .payload = data + 6 };
        return UBX_CHECK_FRAME;
}

/* Drops the first byte and the garbage after it, up to the next possible sync. */
static void framer_resync(UbxFramer *f) {
        const uint8_t *next = f->n > 1 ? memchr(f->buf + 1, UBX_SYNC_1, f->n - 1) : NULL;
        size_t drop = next ? (size_t) (next - f->buf) : f->n;

        if (f->n >= 2 && f->buf[0] == UBX_SYNC_1 && f->buf[1] == UBX_SYNC_2)
                f->bad_checksums++;
        f->garbage_bytes += drop;
        memmove(f->buf, f->buf + drop, f->n - drop);
        f->n -= drop;
}

bool ubx_framer_push(UbxFramer *f, const uint8_t **data, size_t *size, UbxFrame *ret) {
        /* The frame returned last time is still in the buffer, for the caller to have read it. */
        if (f->done > 0) {
                memmove(f->buf, f->buf + f->done, f->n - f->done);
                f->n -= f->done;
                f->done = 0;
        }
        for (;;) {
                size_t want, take;

                if (f->skip > 0) {
                        take = MIN(f->skip, *size);
                        *data += take;
                        *size -= take;
                        f->skip -= take;
                        if (f->skip > 0)
                                return false;
                }
                switch (ubx_frame_check(f->buf, f->n, ret, &want)) {
                case UBX_CHECK_FRAME:
                        f->done = want;
                        return true;
                case UBX_CHECK_NOT_FRAME:
                        framer_resync(f);
                        continue;
                case UBX_CHECK_TOO_LONG:
                        f->too_long++;
                        f->skip = want - f->n;
                        f->n = 0;
                        continue;
                case UBX_CHECK_MORE:
                        break;
                }
                if (*size == 0)
                        return false;
                /* With nothing buffered, garbage is skipped here rather than copied. */
                if (f->n == 0 && **data != UBX_SYNC_1) {
                        const uint8_t *next = memchr(*data, UBX_SYNC_1, *size);

                        take = next ? (size_t) (next - *data) : *size;
                        f->garbage_bytes += take;
                        *data += take;
                        *size -= take;
                        continue;
                }
                take = MIN(want - f->n, *size);
                memcpy(f->buf + f->n, *data, take);
                f->n += take;
                *data += take;
                *size -= take;
        }
}

static int decode_error(char *error, size_t error_size, const char *fmt, ...) _printf_(3, 4);
static int decode_error(char *error, size_t error_size, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(error, error_size, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static uint32_t le32(const uint8_t *p) {
        return p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
}

/* That it is the message, with at least min bytes of payload. */
static int expect(const UbxFrame *f, uint8_t klass, uint8_t id, size_t min, char *error, size_t error_size) {
        const char *name = ubx_frame_name(klass, id);

        if (f->klass != klass || f->id != id)
                return decode_error(error, error_size, "UBX 0x%02x 0x%02x is not %s", f->klass, f->id, name);
        if (f->length < min)
                return decode_error(error, error_size, "UBX-%s has %u bytes of payload, fewer than %zu", name,
                                    f->length, min);
        return 0;
}

static int check_fix(const char *name, const char *field, uint8_t fix, char *error, size_t error_size) {
        if (fix > UBX_GPS_FIX_MAX)
                return decode_error(error, error_size, "UBX-%s %s %u is reserved (0..%u)", name, field, fix,
                                    UBX_GPS_FIX_MAX);
        return 0;
}

int ubx_decode_nav_status(const UbxFrame *f, UbxNavStatus *ret, char *error, size_t error_size) {
        int r = expect(f, UBX_CLASS_NAV, UBX_ID_NAV_STATUS, 16, error, error_size);

        if (r < 0)
                return r;
        r = check_fix("NAV-STATUS", "gpsFix", f->payload[4], error, error_size);
        if (r < 0)
                return r;
        *ret = (UbxNavStatus) { .gps_fix = f->payload[4] };
        return 0;
}

int ubx_decode_nav_clock(const UbxFrame *f, UbxNavClock *ret, char *error, size_t error_size) {
        int r = expect(f, UBX_CLASS_NAV, UBX_ID_NAV_CLOCK, 20, error, error_size);

        if (r < 0)
                return r;
        *ret = (UbxNavClock) { .t_acc_ns = le32(f->payload + 12) };
        return 0;
}

int ubx_decode_nav_pvt(const UbxFrame *f, UbxNavPvt *ret, char *error, size_t error_size) {
        /* 84 bytes up to protocol 14 (u-blox 7), 92 since: fixType and tAcc are where they were. */
        int r = expect(f, UBX_CLASS_NAV, UBX_ID_NAV_PVT, 84, error, error_size);

        if (r < 0)
                return r;
        r = check_fix("NAV-PVT", "fixType", f->payload[20], error, error_size);
        if (r < 0)
                return r;
        *ret = (UbxNavPvt) { .fix_type = f->payload[20], .t_acc_ns = le32(f->payload + 12) };
        return 0;
}

int ubx_decode_mon_hw(const UbxFrame *f, UbxMonHw *ret, char *error, size_t error_size) {
        /* 60 bytes on M8, 68 on u-blox 6 and 7: aStatus is at 20 in each. */
        int r = expect(f, UBX_CLASS_MON, UBX_ID_MON_HW, 60, error, error_size);

        if (r < 0)
                return r;
        if (f->payload[20] >= _UBX_ANTENNA_MAX)
                return decode_error(error, error_size, "UBX-MON-HW aStatus %u is not one of 0..%u", f->payload[20],
                                    _UBX_ANTENNA_MAX - 1);
        *ret = (UbxMonHw) { .a_status = f->payload[20] };
        return 0;
}

const char *ubx_frame_name(uint8_t klass, uint8_t id) {
        if (klass == UBX_CLASS_NAV && id == UBX_ID_NAV_STATUS)
                return "NAV-STATUS";
        if (klass == UBX_CLASS_NAV && id == UBX_ID_NAV_CLOCK)
                return "NAV-CLOCK";
        if (klass == UBX_CLASS_NAV && id == UBX_ID_NAV_PVT)
                return "NAV-PVT";
        if (klass == UBX_CLASS_MON && id == UBX_ID_MON_HW)
                return "MON-HW";
        return NULL;
}

static const char *const antenna_names[_UBX_ANTENNA_MAX] = {
        [UBX_ANTENNA_INIT] = "INIT",   [UBX_ANTENNA_DONTKNOW] = "DONTKNOW", [UBX_ANTENNA_OK] = "OK",
        [UBX_ANTENNA_SHORT] = "SHORT", [UBX_ANTENNA_OPEN] = "OPEN",
};

const char *ubx_antenna_to_string(UbxAntenna a) {
        return (unsigned) a < _UBX_ANTENNA_MAX ? antenna_names[a] : NULL;
}
