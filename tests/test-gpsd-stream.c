/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gpsd's stream cut into lines and UBX frames: the records of gpsd 3.22 with "raw":2 in the order
 * it sent them (measured: a pty feeder writing NAV-PVT, NAV-TIMEGPS, NAV-STATUS, NAV-CLOCK, MON-HW,
 * NAV-EOE), JSON and NMEA lines copied byte for byte, fed in every chunk size; then what gpsd does
 * not send but a stream may hold: payloads with '\n' and '{', broken and too long frames, another
 * binary protocol, a line too long.
 */

#include <glib.h>

#include "source/gpsd-message.h"
#include "source/gpsd-stream.h"
#include "ubx-writer.h"
#include "common/util.h"

static const char line_version[] =
        "{\"class\":\"VERSION\",\"release\":\"3.22\",\"rev\":\"3.22\",\"proto_major\":3,\"proto_minor\":14}\r\n";
static const char line_watch[] =
        "{\"class\":\"WATCH\",\"enable\":true,\"json\":true,\"nmea\":true,\"raw\":2,\"scaled\":false,"
        "\"timing\":false,\"split24\":false,\"pps\":false}\r\n";
static const char line_zda[] = "$GPZDA,175803.00,04,12,2026,00,00*6F\r\n";
static const char line_gga[] = "$GPGGA,175803.00,0000.0000,S,00000.0000,W,7,00,,0.00,M,17.230,M,,*74\r\n";
static const char line_tpv[] =
        "{\"class\":\"TPV\",\"device\":\"/dev/pts/0\",\"status\":7,\"mode\":3,\"time\":\"2026-12-04T17:58:03.000Z\","
        "\"ept\":0.005}\r\n";

static void append_text(GByteArray *out, const char *s) {
        g_byte_array_append(out, (const uint8_t *) s, (guint) strlen(s));
}

/* Every record of data fed in chunks of chunk bytes: "L:" and the line's first 8 bytes, or "U:CLASS/ID". */
static char *records(GpsdStream *s, const uint8_t *data, size_t size, size_t chunk) {
        GString *out = g_string_new(NULL);

        for (size_t at = 0; at < size;) {
                GpsdStreamResult r;
                GpsdRecord record;
                size_t space, take;
                char *p = gpsd_stream_space(s, &space);

                g_assert_cmpuint(space, >, 0);
                take = MIN(MIN(chunk, size - at), space);
                memcpy(p, data + at, take);
                gpsd_stream_filled(s, take);
                at += take;
                while ((r = gpsd_stream_next(s, &record)) != GPSD_STREAM_MORE) {
                        if (r == GPSD_STREAM_TOO_LONG) {
                                g_string_append(out, "TOO-LONG ");
                                return g_string_free(out, false);
                        }
                        if (r == GPSD_STREAM_UBX)
                                g_string_append_printf(out, "U:%02x/%02x ", record.frame.klass, record.frame.id);
                        else
                                g_string_append_printf(out, "L:%.*s ", (int) MIN(record.length, 8), record.line);
                }
        }
        return g_string_free(out, false);
}

static void check_chunks(GByteArray *in, bool ubx, const char *expected, size_t first_chunk) {
        for (size_t chunk = first_chunk; chunk <= in->len; chunk = chunk < 24 ? chunk + 1 : chunk * 2) {
                GpsdStream s;
                g_autofree char *got = NULL;

                gpsd_stream_init(&s, ubx);
                got = records(&s, in->data, in->len, chunk);
                if (!streq(got, expected))
                        g_error("chunks of %zu: got %s, expected %s", chunk, got, expected);
                gpsd_stream_done(&s);
        }
}

static void test_gpsd(void) {
        g_autoptr(GByteArray) in = g_byte_array_new();

        append_text(in, line_version);
        append_text(in, line_watch);
        for (int i = 0; i < 2; i++) {
                ubx_append_nav_pvt(in, 100000, 1796407083, 5, 15);
                append_text(in, line_zda);
                append_text(in, line_gga);
                append_text(in, line_tpv);
                ubx_append_nav_timegps(in, 100000, 2400, 18);
                ubx_append_nav_status(in, 100000, 5);
                ubx_append_nav_clock(in, 100000, 15);
                ubx_append_mon_hw(in, UBX_ANTENNA_OK);
                ubx_append_nav_eoe(in, 100000);
        }
        check_chunks(in, true,
                     "L:{\"class\" L:{\"class\" "
                     "U:01/07 L:$GPZDA,1 L:$GPGGA,1 L:{\"class\" U:01/20 U:01/03 U:01/22 U:0a/09 U:01/61 "
                     "U:01/07 L:$GPZDA,1 L:$GPGGA,1 L:{\"class\" U:01/20 U:01/03 U:01/22 U:0a/09 U:01/61 ", 1);
}

static void test_hostile(void) {
        static const uint8_t payload[] = "\n{\"class\":\"TPV\",\"mode\":3}\n$GPTXT,01,01,02,ANTSTATUS=OPEN*2B\r\n";
        static const uint8_t rtcm[] = { 0xd3, 0x00, 0x13, 0x3e, 0xd0, 0x00, 0x03, 0x8a, 0x0a, '\r' };
        uint8_t too_long[UBX_OVERHEAD + 3000] = { UBX_SYNC_1, UBX_SYNC_2, 0x01, 0x35 };
        g_autoptr(GByteArray) in = g_byte_array_new();
        g_autoptr(GByteArray) bad = g_byte_array_new();

        /* A payload that looks like lines: taken by its length. */
        ubx_append(in, 0x01, 0x99, payload, sizeof(payload) - 1);
        append_text(in, line_tpv);
        /* Another binary protocol, and a stray end of line: dropped up to the next record. */
        g_byte_array_append(in, rtcm, sizeof(rtcm));
        append_text(in, "\r\n");
        ubx_append_nav_status(in, 1000, 3);
        /* A broken checksum, then a frame too long to keep that holds a line: both dropped. */
        ubx_append_nav_clock(bad, 1000, 15);
        bad->data[bad->len - 2] ^= 0x10;
        g_byte_array_append(in, bad->data, bad->len);
        ubx_put_le(too_long + 4, 3000, 2);
        memcpy(too_long + 500, line_tpv, strlen(line_tpv));
        g_byte_array_append(in, too_long, sizeof(too_long));
        append_text(in, line_version);
        /* A lone B5 before a line. */
        append_text(in, "\xb5");
        append_text(in, line_zda);
        check_chunks(in, true, "U:01/99 L:{\"class\" U:01/03 L:{\"class\" L:$GPZDA,1 ", 1);
}

/* Without UBX: lines, whatever they hold, as before. */
static void test_lines_only(void) {
        g_autoptr(GByteArray) in = g_byte_array_new();

        append_text(in, line_version);
        ubx_append_nav_status(in, 1000, 3);
        append_text(in, "\n");
        append_text(in, line_tpv);
        check_chunks(in, false, "L:{\"class\" L:\xb5\x62\x01\x03\x10 L:{\"class\" ", 1);
}

static void test_too_long(void) {
        for (int ubx = 0; ubx <= 1; ubx++) {
                g_autoptr(GByteArray) in = g_byte_array_new();
                g_autofree char *line = g_strnfill(GPSD_LINE_MAX, 'x');

                append_text(in, line_tpv);
                line[0] = '{';
                append_text(in, line);
                append_text(in, "\n");
                /* Chunks from 4 KiB: smaller ones would search the long line for its end too often. */
                check_chunks(in, ubx, "L:{\"class\" L:{xxxxxxx ", 4096);
                append_text(in, "y");
                g_byte_array_remove_index(in, in->len - 2);
                append_text(in, "\n");
                check_chunks(in, ubx, "L:{\"class\" TOO-LONG ", 4096);
        }
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/gpsd-stream/gpsd", test_gpsd);
        g_test_add_func("/gpsd-stream/hostile", test_hostile);
        g_test_add_func("/gpsd-stream/lines-only", test_lines_only);
        g_test_add_func("/gpsd-stream/too-long", test_too_long);
        return g_test_run();
}
