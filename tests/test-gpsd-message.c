/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gpsd lines decoded: real ones from gpsd 3.22 (Debian 12) fed synthetic NMEA through a pty, copied
 * byte for byte (the q7 TPV and the DEVICE line from the same session, the TPV's position fields
 * left out), and broken ones, each of which must be refused with a message naming what was wrong.
 */

#include <errno.h>
#include <glib.h>

#include "source/gpsd-message.h"
#include "test-util.h"
#include "common/util.h"

static const char line_version[] =
        "{\"class\":\"VERSION\",\"release\":\"3.22\",\"rev\":\"3.22\",\"proto_major\":3,\"proto_minor\":14}";
static const char line_devices[] =
        "{\"class\":\"DEVICES\",\"devices\":[{\"class\":\"DEVICE\",\"path\":\"/dev/pts/0\",\"activated\":"
        "\"2026-12-03T12:32:49.195Z\",\"native\":0,\"bps\":38400,\"parity\":\"N\",\"stopbits\":1,\"cycle\":1.00}]}";
static const char line_device[] =
        "{\"class\":\"DEVICE\",\"path\":\"/dev/pts/0\",\"driver\":\"NMEA0183\",\"activated\":"
        "\"2026-12-03T12:28:46.574Z\",\"native\":0,\"bps\":38400,\"parity\":\"N\",\"stopbits\":1,\"cycle\":1.00}";
static const char line_watch[] =
        "{\"class\":\"WATCH\",\"enable\":true,\"json\":true,\"nmea\":true,\"raw\":0,\"scaled\":false,"
        "\"timing\":false,\"split24\":false,\"pps\":false}";
static const char line_tpv3[] =
        "{\"class\":\"TPV\",\"device\":\"/dev/pts/0\",\"mode\":3,\"time\":\"2026-12-03T12:32:50.000Z\","
        "\"ept\":0.005,\"lat\":48.117300000,\"lon\":11.516666667,\"altHAE\":592.3000,\"altMSL\":545.4000,"
        "\"alt\":545.4000,\"epx\":8.794,\"epy\":11.059,\"epv\":34.500,\"track\":0.0000,\"magtrack\":3.3264,"
        "\"magvar\":3.3,\"speed\":0.000,\"geoidSep\":46.900,\"eph\":17.100,\"sep\":34.200}";
/* Before RMC, the first of an epoch: no time yet. */
static const char line_tpv3_no_time[] =
        "{\"class\":\"TPV\",\"device\":\"/dev/pts/0\",\"mode\":3,\"lat\":48.117300000,\"lon\":11.516666667,"
        "\"altHAE\":592.3000,\"altMSL\":545.4000,\"alt\":545.4000,\"magvar\":3.3,\"geoidSep\":46.900,\"eph\":17.100}";
static const char line_tpv1[] =
        "{\"class\":\"TPV\",\"device\":\"/dev/pts/0\",\"mode\":1,\"time\":\"2026-12-03T12:32:53.000Z\",\"ept\":0.005}";
static const char line_tpv_q7[] =
        "{\"class\":\"TPV\",\"device\":\"/dev/pts/0\",\"status\":7,\"mode\":3,\"time\":\"2026-12-03T12:29:05.000Z\","
        "\"ept\":0.005}";
static const char line_sky[] =
        "{\"class\":\"SKY\",\"device\":\"/dev/pts/0\",\"xdop\":0.59,\"ydop\":0.74,\"vdop\":1.50,\"tdop\":0.85,"
        "\"hdop\":1.00,\"gdop\":1.88,\"pdop\":1.80,\"nSat\":8,\"uSat\":8,\"satellites\":[{\"PRN\":4,\"el\":45.0,"
        "\"az\":120.0,\"ss\":42.0,\"used\":true,\"gnssid\":0,\"svid\":4},{\"PRN\":5,\"el\":30.0,\"az\":200.0,"
        "\"ss\":40.0,\"used\":true,\"gnssid\":0,\"svid\":5},{\"PRN\":9,\"el\":60.0,\"az\":50.0,\"ss\":45.0,"
        "\"used\":true,\"gnssid\":0,\"svid\":9},{\"PRN\":12,\"el\":20.0,\"az\":300.0,\"ss\":38.0,\"used\":true,"
        "\"gnssid\":0,\"svid\":12},{\"PRN\":24,\"el\":10.0,\"az\":100.0,\"ss\":35.0,\"used\":true,\"gnssid\":0,"
        "\"svid\":24},{\"PRN\":25,\"el\":70.0,\"az\":180.0,\"ss\":48.0,\"used\":true,\"gnssid\":0,\"svid\":25},"
        "{\"PRN\":29,\"el\":15.0,\"az\":250.0,\"ss\":36.0,\"used\":true,\"gnssid\":0,\"svid\":29},{\"PRN\":31,"
        "\"el\":40.0,\"az\":20.0,\"ss\":41.0,\"used\":true,\"gnssid\":0,\"svid\":31}]}";
static const char line_poll[] =
        "{\"class\":\"POLL\",\"time\":\"2026-12-03T12:32:56.230Z\",\"active\":1,\"tpv\":[{\"class\":\"TPV\","
        "\"device\":\"/dev/pts/0\",\"mode\":3,\"time\":\"2026-12-03T12:32:55.000Z\",\"ept\":0.005,"
        "\"lat\":48.117300000,\"lon\":11.516666667,\"altHAE\":592.3000,\"altMSL\":545.4000,\"alt\":545.4000,"
        "\"epx\":8.794,\"epy\":11.059,\"epv\":34.500,\"track\":0.0000,\"magtrack\":3.3264,\"magvar\":3.3,"
        "\"speed\":0.000,\"climb\":0.000,\"eps\":22.12,\"epc\":2334.27,\"geoidSep\":46.900,\"eph\":17.100,"
        "\"sep\":34.200}],\"gst\":[{\"class\":\"GST\",\"device\":\"/dev/pts/0\"}],\"sky\":[{\"class\":\"SKY\","
        "\"device\":\"/dev/pts/0\",\"nSat\":8,\"uSat\":8,\"satellites\":[]}]}";
/* After the device closed (TGM-GNSS.md §3a: "active":0,"tpv":[]). */
static const char line_poll_inactive[] =
        "{\"class\":\"POLL\",\"time\":\"2026-12-03T12:35:01.112Z\",\"active\":0,\"tpv\":[],\"gst\":[],\"sky\":[]}";
static const char line_gga[] = "$GPGGA,123250.00,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*63";
static const char line_open[] = "$GPTXT,01,01,02,ANTSTATUS=OPEN*2B";
static const char line_short[] = "$GPTXT,01,01,02,ANTSTATUS=SHORT*6D";
static const char line_ok[] = "$GPTXT,01,01,02,ANTSTATUS=OK*3B";

static void parse_ok(const char *line, GpsdMessage *m) {
        char error[GPSD_ERROR_MAX];
        int r = gpsd_message_parse(line, strlen(line), m, error, sizeof(error));

        if (r < 0)
                g_error("%s: %s", line, error);
}

static void test_real(void) {
        GpsdMessage m;

        parse_ok(line_version, &m);
        g_assert_cmpint(m.type, ==, GPSD_MESSAGE_VERSION);
        g_assert_cmpstr(m.version.release, ==, "3.22");
        g_assert_cmpuint(m.version.proto_major, ==, 3);
        g_assert_cmpuint(m.version.proto_minor, ==, 14);

        parse_ok(line_devices, &m);
        g_assert_cmpint(m.type, ==, GPSD_MESSAGE_DEVICES);
        g_assert_cmpuint(m.devices.n_devices, ==, 1);

        parse_ok(line_device, &m);
        g_assert_cmpint(m.type, ==, GPSD_MESSAGE_DEVICE);
        g_assert_cmpstr(m.device.path, ==, "/dev/pts/0");
        g_assert_cmpstr(m.device.driver, ==, "NMEA0183");

        parse_ok(line_watch, &m);
        g_assert_cmpint(m.type, ==, GPSD_MESSAGE_WATCH);
        g_assert_true(m.watch.enable);

        parse_ok(line_tpv3, &m);
        g_assert_cmpint(m.type, ==, GPSD_MESSAGE_TPV);
        g_assert_cmpstr(m.tpv.device, ==, "/dev/pts/0");
        g_assert_cmpuint(m.tpv.mode, ==, 3);
        g_assert_cmpuint(m.tpv.status, ==, 0);
        g_assert_true(m.tpv.has_time);
        /* date -u -d 2026-12-03T12:32:50Z +%s */
        g_assert_cmpint(m.tpv.time_usec, ==, INT64_C(1796301170) * 1000000);

        parse_ok(line_tpv3_no_time, &m);
        g_assert_cmpuint(m.tpv.mode, ==, 3);
        g_assert_false(m.tpv.has_time);

        parse_ok(line_tpv1, &m);
        g_assert_cmpuint(m.tpv.mode, ==, 1);
        g_assert_cmpint(m.tpv.time_usec, ==, INT64_C(1796301173) * 1000000);

        parse_ok(line_tpv_q7, &m);
        g_assert_cmpuint(m.tpv.mode, ==, 3);
        g_assert_cmpuint(m.tpv.status, ==, 7);

        parse_ok(line_sky, &m);
        g_assert_cmpint(m.type, ==, GPSD_MESSAGE_SKY);
        g_assert_cmpuint(m.sky.n_sat, ==, 8);
        g_assert_cmpuint(m.sky.u_sat, ==, 8);

        parse_ok(line_poll, &m);
        g_assert_cmpint(m.type, ==, GPSD_MESSAGE_POLL);
        g_assert_cmpuint(m.poll.active, ==, 1);
        g_assert_true(m.poll.has_tpv);
        g_assert_cmpuint(m.poll.tpv.mode, ==, 3);
        g_assert_cmpint(m.poll.tpv.time_usec, ==, INT64_C(1796301175) * 1000000);

        parse_ok(line_poll_inactive, &m);
        g_assert_cmpuint(m.poll.active, ==, 0);
        g_assert_false(m.poll.has_tpv);

        parse_ok(line_gga, &m);
        g_assert_cmpint(m.type, ==, GPSD_MESSAGE_NMEA);

        parse_ok(line_open, &m);
        g_assert_cmpint(m.type, ==, GPSD_MESSAGE_ANTSTATUS);
        g_assert_cmpint(m.antstatus.antenna, ==, GPSD_ANTENNA_OPEN);
        g_assert_cmpstr(m.antstatus.talker, ==, "GP");
        parse_ok(line_short, &m);
        g_assert_cmpint(m.antstatus.antenna, ==, GPSD_ANTENNA_SHORT);
        parse_ok(line_ok, &m);
        g_assert_cmpint(m.antstatus.antenna, ==, GPSD_ANTENNA_OK);

        /* gpsd ends lines with \r\n; the framing takes \n off. */
        g_assert_cmpint(gpsd_message_parse("$GPTXT,01,01,02,ANTSTATUS=OK*3B\r", 32, &m, NULL, 0), ==, 0);
        g_assert_cmpint(m.antstatus.antenna, ==, GPSD_ANTENNA_OK);

        /* Classes we do not use are valid. */
        parse_ok("{\"class\":\"TOFF\",\"device\":\"/dev/pts/0\",\"real_sec\":1}", &m);
        g_assert_cmpint(m.type, ==, GPSD_MESSAGE_OTHER);
        g_assert_cmpstr(m.other.klass, ==, "TOFF");
        parse_ok("{\"class\":\"ERROR\",\"message\":\"Unrecognized request 'FOO'\"}", &m);
        g_assert_cmpint(m.type, ==, GPSD_MESSAGE_ERROR);
        g_assert_cmpstr(m.error.message, ==, "Unrecognized request 'FOO'");
        /* A leap second is GNSS time too. */
        parse_ok("{\"class\":\"TPV\",\"mode\":3,\"time\":\"2016-12-31T23:59:60Z\"}", &m);
        g_assert_cmpint(m.tpv.time_usec, ==, INT64_C(1483228800) * 1000000);
}

typedef struct BadCase {
        const char *line;
        const char *error; /* a part of the message */
} BadCase;

static const BadCase bad_cases[] = {
        { "", "empty" },
        { "hello", "neither JSON nor NMEA" },
        { "{\"class\":\"TPV\",\"mode\":3", "not JSON" },
        { "[1,2]", "starts with \"[\", neither JSON nor NMEA" },
        { "{\"mode\":3}", "\"class\" is missing" },
        { "{\"class\":7}", "\"class\" is an integer, not a string" },
        { "{\"class\":\"TPV\"}", "TPV: \"mode\" is missing" },
        { "{\"class\":\"TPV\",\"mode\":4}", "TPV: \"mode\" is 4, not in 0..3" },
        { "{\"class\":\"TPV\",\"mode\":-1}", "TPV: \"mode\" is -1, not in 0..3" },
        { "{\"class\":\"TPV\",\"mode\":3.0}", "TPV: \"mode\" is a number, not an integer" },
        { "{\"class\":\"TPV\",\"mode\":\"3\"}", "TPV: \"mode\" is a string, not an integer" },
        { "{\"class\":\"TPV\",\"mode\":3,\"status\":10}", "TPV: \"status\" is 10, not in 0..9" },
        { "{\"class\":\"TPV\",\"mode\":3,\"time\":\"yesterday\"}", "TPV: \"time\" is \"yesterday\", not a UTC time" },
        { "{\"class\":\"TPV\",\"mode\":3,\"time\":\"2026-02-29T00:00:00Z\"}", "not a UTC time" },
        { "{\"class\":\"TPV\",\"mode\":3,\"time\":\"2026-01-01T24:00:00Z\"}", "not a UTC time" },
        { "{\"class\":\"TPV\",\"mode\":3,\"time\":\"2026-01-01T00:00:00.Z\"}", "not a UTC time" },
        { "{\"class\":\"TPV\",\"mode\":3,\"time\":\"2026-01-01T00:00:00\"}", "not a UTC time" },
        { "{\"class\":\"TPV\",\"mode\":3,\"device\":[]}", "TPV: \"device\" is an array, not a string" },
        { "{\"class\":\"TPV\",\"mode\":3,\"device\":\"\\ud800\"}", "not JSON" },
        { "{\"class\":\"VERSION\",\"release\":\"3.22\",\"proto_major\":3}", "VERSION: \"proto_minor\" is missing" },
        { "{\"class\":\"POLL\",\"tpv\":[]}", "POLL: \"active\" is missing" },
        { "{\"class\":\"POLL\",\"active\":1,\"tpv\":[{\"class\":\"TPV\",\"mode\":9}]}", "POLL tpv: \"mode\" is 9" },
        { "{\"class\":\"POLL\",\"active\":1,\"tpv\":[7]}", "POLL: tpv[0] is an integer, not an object" },
        { "{\"class\":\"POLL\",\"active\":1,\"tpv\":{}}", "POLL: \"tpv\" is an object, not an array" },
        { "{\"class\":\"SKY\",\"nSat\":1,\"uSat\":2}", "SKY: 2 satellites used of 1 seen" },
        { "{\"class\":\"SKY\",\"satellites\":[{\"used\":1}]}", "SKY satellite: \"used\" is an integer, not a boolean" },
        { "{\"class\":\"DEVICES\"}", "DEVICES: \"devices\" is missing" },
        { "{\"class\":\"DEVICES\",\"devices\":[{}]}", "DEVICES device: \"path\" is missing" },
        { "{\"class\":\"ERROR\"}", "ERROR: \"message\" is missing" },
        { "{\"class\":\"T P V\"}", "is no class name" },
        { "{\"class\":\"\"}", "\"class\" is empty" },
        { "{\"class\":\"X\",\"a\":[[[[[[[[[1]]]]]]]]]}", "nested more than 8 deep" },
        { "$GPTXT,01,01,02,ANTSTATUS=OPEN*2C", "checksum 2C, but the sentence sums to 2B" },
        { "$GPTXT,01,01,02,ANTSTATUS=OPEN*2", "the checksum is not two hex digits at the end" },
        { "$GPTXT,01,01,02,ANTSTATUS=OPEN", "NMEA TXT ANTSTATUS: no checksum" },
        { "$GPTXT,01,01,02,ANTSTATUS=WEIRD*72", "ANTSTATUS=WEIRD, not OK, OPEN or SHORT" },
        { "$GPTXT,01,01*4F", "NMEA TXT: fewer than 4 fields" },
        { "$GPGGA,\t*00", "byte 7 is 0x09, not printable ASCII" },
};

static void test_bad(const void *data) {
        const BadCase *c = data;
        char error[GPSD_ERROR_MAX];
        GpsdMessage m = { .type = GPSD_MESSAGE_OTHER };

        g_assert_cmpint(gpsd_message_parse(c->line, strlen(c->line), &m, error, sizeof(error)), ==, -EINVAL);
        if (!strstr(error, c->error))
                g_error("%s: \"%s\" does not say \"%s\"", c->line, error, c->error);
}

static void test_bytes(void) {
        char error[GPSD_ERROR_MAX];
        GpsdMessage m;
        g_autofree char *big = g_malloc(GPSD_LINE_MAX + 1);

        g_assert_cmpint(gpsd_message_parse("{\"class\":\"TPV\",\0\"mode\":3}", 26, &m, error, sizeof(error)), ==,
                        -EINVAL);
        g_assert_nonnull(strstr(error, "a NUL byte at 15"));
        g_assert_cmpint(gpsd_message_parse("{\"class\":\"\xff\"}", 13, &m, error, sizeof(error)), ==, -EINVAL);
        g_assert_nonnull(strstr(error, "not valid UTF-8"));

        /* At most 64 KiB, and the limit itself is accepted (a string of spaces in a valid object). */
        memset(big, ' ', GPSD_LINE_MAX + 1);
        memcpy(big, "{\"class\":\"X\"", 12);
        big[GPSD_LINE_MAX - 1] = '}';
        g_assert_cmpint(gpsd_message_parse(big, GPSD_LINE_MAX, &m, error, sizeof(error)), ==, 0);
        g_assert_cmpint(gpsd_message_parse(big, GPSD_LINE_MAX + 1, &m, error, sizeof(error)), ==, -EMSGSIZE);
        g_assert_nonnull(strstr(error, "65537 bytes long, at most 65536 allowed"));

        /* 64 KiB of "[" never reaches json-glib's recursion. */
        memset(big, '[', GPSD_LINE_MAX);
        g_assert_cmpint(gpsd_message_parse(big, GPSD_LINE_MAX, &m, error, sizeof(error)), ==, -EINVAL);

        /* A long string is refused, not cut. */
        g_autofree char *path = g_strnfill(GPSD_PATH_MAX, 'a');
        g_autofree char *tpv = g_strdup_printf("{\"class\":\"TPV\",\"mode\":3,\"device\":\"%s\"}", path);
        g_assert_cmpint(gpsd_message_parse(tpv, strlen(tpv), &m, error, sizeof(error)), ==, -EINVAL);
        g_assert_nonnull(strstr(error, "TPV: \"device\" is 128 bytes long, at most 127 allowed"));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/gpsd-message/real", test_real);
        ADD_CASES("/gpsd-message/bad", bad_cases, test_bad);
        g_test_add_func("/gpsd-message/bytes", test_bytes);
        return g_test_run();
}
