/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Arbitrary bytes, as if from gpsd's raw stream. The framer yields the same frames whether the
 * bytes come at once or one at a time; each frame is whole (its payload inside the buffer, its
 * checksum right, as ubx_frame_check() says again); and each decoder either refuses it with a
 * message or gives values in range.
 */

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "fuzz.h"
#include "source/ubx-frame.h"
#include "common/util.h"

static void check_frame(const UbxFramer *f, const UbxFrame *frame) {
        char error[UBX_ERROR_MAX];
        UbxNavStatus status;
        UbxNavClock clock;
        UbxNavPvt pvt;
        UbxMonHw hw;
        UbxFrame again;
        size_t size;
        int r;

        check(frame->length <= UBX_PAYLOAD_MAX);
        check(frame->payload == f->buf + UBX_HEADER_SIZE);
        check(ubx_frame_check(f->buf, f->n, &again, &size) == UBX_CHECK_FRAME);
        check(size == (size_t) UBX_OVERHEAD + frame->length);
        check(again.klass == frame->klass && again.id == frame->id && again.length == frame->length);

        r = ubx_decode_nav_status(frame, &status, error, sizeof(error));
        check(r == 0 || (r == -EINVAL && error[0] != '\0' && memchr(error, '\0', sizeof(error))));
        if (r == 0)
                check(status.gps_fix <= UBX_GPS_FIX_MAX && frame->length >= 16);
        r = ubx_decode_nav_clock(frame, &clock, error, sizeof(error));
        check(r == 0 || (r == -EINVAL && error[0] != '\0'));
        if (r == 0)
                check(frame->length >= 20);
        r = ubx_decode_nav_pvt(frame, &pvt, error, sizeof(error));
        check(r == 0 || (r == -EINVAL && error[0] != '\0'));
        if (r == 0)
                check(pvt.fix_type <= UBX_GPS_FIX_MAX && frame->length >= 84);
        r = ubx_decode_mon_hw(frame, &hw, error, sizeof(error));
        check(r == 0 || (r == -EINVAL && error[0] != '\0'));
        if (r == 0)
                check(ubx_antenna_to_string(hw.a_status) && frame->length >= 60);
}

/* The frames as "class id length checksum" records. */
static size_t frame_all(const uint8_t *data, size_t size, size_t chunk, uint8_t *out, size_t out_size) {
        UbxFramer f = UBX_FRAMER_INIT;
        size_t n = 0;

        for (size_t at = 0; at < size; at += chunk) {
                const uint8_t *p = data + at;
                size_t left = MIN(chunk, size - at);
                UbxFrame frame;

                while (ubx_framer_push(&f, &p, &left, &frame)) {
                        uint16_t ck = ubx_checksum(f.buf + 2, 4 + frame.length);

                        check_frame(&f, &frame);
                        check(n + 6 <= out_size);
                        out[n++] = frame.klass;
                        out[n++] = frame.id;
                        out[n++] = (uint8_t) frame.length;
                        out[n++] = (uint8_t) (frame.length >> 8);
                        out[n++] = (uint8_t) ck;
                        out[n++] = (uint8_t) (ck >> 8);
                }
                check(left == 0);
                check(f.n <= sizeof(f.buf));
        }
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* A frame is at least 8 bytes: at most size / 8 of them, 6 bytes each. */
        size_t out_size = size / UBX_OVERHEAD * 6 + 6;
        _cleanup_free_ uint8_t *whole = malloc(out_size), *bytewise = malloc(out_size);
        size_t n_whole, n_bytewise;

        check(whole && bytewise);
        n_whole = frame_all(data, size, size ?: 1, whole, out_size);
        n_bytewise = frame_all(data, size, 1, bytewise, out_size);
        check(n_whole == n_bytewise);
        check(memcmp(whole, bytewise, n_whole) == 0);
        return 0;
}
