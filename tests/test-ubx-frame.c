/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * UBX frames: the checksum against frames from u-blox's documentation, the framer on a stream cut
 * at every byte, with garbage, broken and too long frames in between, and the decoders' refusals.
 */

#include <errno.h>
#include <glib.h>

#include "source/ubx-frame.h"
#include "ubx-writer.h"
#include "common/util.h"

/* Every frame the framer yields from data cut into chunks of chunk bytes, as "CLASS/ID/LENGTH ". */
static char *frame_all(UbxFramer *f, const uint8_t *data, size_t size, size_t chunk) {
        GString *out = g_string_new(NULL);

        for (size_t at = 0; at < size; at += chunk) {
                const uint8_t *p = data + at;
                size_t left = MIN(chunk, size - at);
                UbxFrame frame;

                while (ubx_framer_push(f, &p, &left, &frame))
                        g_string_append_printf(out, "%02x/%02x/%u ", frame.klass, frame.id, frame.length);
                g_assert_cmpuint(left, ==, 0);
        }
        return g_string_free(out, false);
}

static void test_checksum(void) {
        /* The polls of NAV-PVT and MON-VER, as the protocol description and every tool write them. */
        static const uint8_t pvt_poll[] = { 0xb5, 0x62, 0x01, 0x07, 0x00, 0x00, 0x08, 0x19 };
        static const uint8_t ver_poll[] = { 0xb5, 0x62, 0x0a, 0x04, 0x00, 0x00, 0x0e, 0x34 };
        g_autoptr(GByteArray) built = g_byte_array_new();
        UbxFrame frame;
        size_t size;

        g_assert_cmpuint(ubx_checksum(pvt_poll + 2, 4), ==, 0x1908);
        g_assert_cmpint(ubx_frame_check(pvt_poll, sizeof(pvt_poll), &frame, &size), ==, UBX_CHECK_FRAME);
        g_assert_cmpuint(size, ==, 8);
        g_assert_cmpuint(frame.klass, ==, 0x01);
        g_assert_cmpuint(frame.id, ==, 0x07);
        g_assert_cmpuint(frame.length, ==, 0);
        g_assert_cmpint(ubx_frame_check(ver_poll, sizeof(ver_poll), &frame, &size), ==, UBX_CHECK_FRAME);
        ubx_append(built, 0x0a, 0x04, NULL, 0);
        g_assert_cmpmem(built->data, built->len, ver_poll, sizeof(ver_poll));

        /* Short: more is needed; a wrong byte: not a frame, or (in the length) a longer one. */
        for (size_t n = 0; n < sizeof(ver_poll); n++)
                g_assert_cmpint(ubx_frame_check(ver_poll, n, &frame, &size), ==, UBX_CHECK_MORE);
        for (size_t i = 0; i < sizeof(ver_poll); i++) {
                uint8_t broken[sizeof(ver_poll)];

                memcpy(broken, ver_poll, sizeof(broken));
                broken[i] ^= 0x01;
                g_assert_cmpint(ubx_frame_check(broken, sizeof(broken), &frame, &size), ==,
                                i == 4 || i == 5 ? UBX_CHECK_MORE : UBX_CHECK_NOT_FRAME);
        }
}

static void test_framer(void) {
        g_autoptr(GByteArray) in = g_byte_array_new();
        static const uint8_t garbage[] = "{\"class\":\"TPV\"}\n\xb5\xb5$GPTXT\r\n\xb5";
        uint8_t too_long[UBX_OVERHEAD + 2000] = { UBX_SYNC_1, UBX_SYNC_2, 0x01, 0x35 };
        g_autoptr(GByteArray) inner = g_byte_array_new();
        size_t bad_at;

        g_byte_array_append(in, garbage, sizeof(garbage) - 1);
        ubx_append_nav_status(in, 1000, 3);
        ubx_append_nav_clock(in, 1000, 23);
        /* A frame with a broken checksum: its bytes are garbage, the frame after it stands. */
        bad_at = in->len;
        ubx_append_mon_hw(in, UBX_ANTENNA_OK);
        in->data[in->len - 1] ^= 0xff;
        ubx_append_mon_hw(in, UBX_ANTENNA_OPEN);
        /* 2000 bytes of payload, with a frame inside: skipped by its length, the inner one too. */
        ubx_put_le(too_long + 4, 2000, 2);
        ubx_append_nav_eoe(inner, 1000);
        memcpy(too_long + UBX_HEADER_SIZE + 100, inner->data, inner->len);
        g_byte_array_append(in, too_long, sizeof(too_long));
        ubx_append_nav_pvt(in, 2000, 1800000000, 5, 15);
        g_assert_cmpuint(bad_at, >, 0);

        for (size_t chunk = 1; chunk <= in->len; chunk = chunk < 16 ? chunk + 1 : chunk * 3) {
                UbxFramer f = UBX_FRAMER_INIT;
                g_autofree char *got = frame_all(&f, in->data, in->len, chunk);

                g_test_message("chunks of %zu: %s", chunk, got);
                g_assert_cmpstr(got, ==, "01/03/16 01/22/20 0a/09/60 01/07/92 ");
                g_assert_cmpuint(f.bad_checksums, ==, 1);
                g_assert_cmpuint(f.too_long, ==, 1);
                g_assert_cmpuint(f.garbage_bytes, >=, sizeof(garbage) - 1 + 68);
        }
}

static void test_decode(void) {
        g_autoptr(GByteArray) in = g_byte_array_new();
        const uint8_t *p;
        size_t left;
        UbxFramer f = UBX_FRAMER_INIT;
        UbxFrame frame;
        UbxNavStatus status;
        UbxNavClock clock;
        UbxNavPvt pvt;
        UbxMonHw hw;
        char error[UBX_ERROR_MAX];

        ubx_append_nav_status(in, 1000, 5);
        ubx_append_nav_clock(in, 1000, UBX_TACC_UNKNOWN);
        ubx_append_nav_pvt(in, 1000, 1800000000, 3, 25);
        ubx_append_mon_hw(in, UBX_ANTENNA_SHORT);
        p = in->data;
        left = in->len;

        g_assert_true(ubx_framer_push(&f, &p, &left, &frame));
        g_assert_cmpint(ubx_decode_nav_status(&frame, &status, error, sizeof(error)), ==, 0);
        g_assert_cmpuint(status.gps_fix, ==, 5);
        g_assert_cmpint(ubx_decode_nav_clock(&frame, &clock, error, sizeof(error)), ==, -EINVAL);
        g_assert_cmpstr(error, ==, "UBX 0x01 0x03 is not NAV-CLOCK");
        g_assert_true(ubx_framer_push(&f, &p, &left, &frame));
        g_assert_cmpint(ubx_decode_nav_clock(&frame, &clock, error, sizeof(error)), ==, 0);
        g_assert_cmpuint(clock.t_acc_ns, ==, UBX_TACC_UNKNOWN);
        g_assert_true(ubx_framer_push(&f, &p, &left, &frame));
        g_assert_cmpint(ubx_decode_nav_pvt(&frame, &pvt, error, sizeof(error)), ==, 0);
        g_assert_cmpuint(pvt.fix_type, ==, 3);
        g_assert_cmpuint(pvt.t_acc_ns, ==, 25);
        g_assert_true(ubx_framer_push(&f, &p, &left, &frame));
        g_assert_cmpint(ubx_decode_mon_hw(&frame, &hw, error, sizeof(error)), ==, 0);
        g_assert_cmpuint(hw.a_status, ==, UBX_ANTENNA_SHORT);
        g_assert_cmpstr(ubx_antenna_to_string(hw.a_status), ==, "SHORT");
        g_assert_false(ubx_framer_push(&f, &p, &left, &frame));
        g_assert_cmpuint(left, ==, 0);
}

static void test_decode_refused(void) {
        uint8_t payload[92] = { 0 };
        UbxFrame frame = { .klass = UBX_CLASS_NAV, .id = UBX_ID_NAV_STATUS, .length = 15, .payload = payload };
        UbxNavStatus status;
        UbxNavClock clock;
        UbxNavPvt pvt;
        UbxMonHw hw;
        char error[UBX_ERROR_MAX];

        g_assert_cmpint(ubx_decode_nav_status(&frame, &status, error, sizeof(error)), ==, -EINVAL);
        g_assert_cmpstr(error, ==, "UBX-NAV-STATUS has 15 bytes of payload, fewer than 16");
        frame.length = 16;
        payload[4] = 6;
        g_assert_cmpint(ubx_decode_nav_status(&frame, &status, error, sizeof(error)), ==, -EINVAL);
        g_assert_cmpstr(error, ==, "UBX-NAV-STATUS gpsFix 6 is reserved (0..5)");

        frame.id = UBX_ID_NAV_CLOCK;
        frame.length = 19;
        g_assert_cmpint(ubx_decode_nav_clock(&frame, &clock, error, sizeof(error)), ==, -EINVAL);
        g_assert_cmpstr(error, ==, "UBX-NAV-CLOCK has 19 bytes of payload, fewer than 20");

        /* The u-blox 7's 84 bytes do; fewer do not. */
        frame.id = UBX_ID_NAV_PVT;
        frame.length = 84;
        payload[20] = 5;
        g_assert_cmpint(ubx_decode_nav_pvt(&frame, &pvt, error, sizeof(error)), ==, 0);
        g_assert_cmpuint(pvt.fix_type, ==, 5);
        frame.length = 83;
        g_assert_cmpint(ubx_decode_nav_pvt(&frame, &pvt, error, sizeof(error)), ==, -EINVAL);
        frame.length = 92;
        payload[20] = 9;
        g_assert_cmpint(ubx_decode_nav_pvt(&frame, &pvt, error, sizeof(error)), ==, -EINVAL);
        g_assert_cmpstr(error, ==, "UBX-NAV-PVT fixType 9 is reserved (0..5)");

        frame.klass = UBX_CLASS_MON;
        frame.id = UBX_ID_MON_HW;
        frame.length = 60;
        payload[20] = 5;
        g_assert_cmpint(ubx_decode_mon_hw(&frame, &hw, error, sizeof(error)), ==, -EINVAL);
        g_assert_cmpstr(error, ==, "UBX-MON-HW aStatus 5 is not one of 0..4");
        frame.length = 59;
        payload[20] = 4;
        g_assert_cmpint(ubx_decode_mon_hw(&frame, &hw, error, sizeof(error)), ==, -EINVAL);
        frame.length = 68;
        g_assert_cmpint(ubx_decode_mon_hw(&frame, &hw, error, sizeof(error)), ==, 0);
        g_assert_cmpuint(hw.a_status, ==, UBX_ANTENNA_OPEN);
        g_assert_null(ubx_antenna_to_string(_UBX_ANTENNA_MAX));
        g_assert_null(ubx_frame_name(0x01, 0x61));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/ubx-frame/checksum", test_checksum);
        g_test_add_func("/ubx-frame/framer", test_framer);
        g_test_add_func("/ubx-frame/decode", test_decode);
        g_test_add_func("/ubx-frame/decode-refused", test_decode_refused);
        return g_test_run();
}
