/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Arbitrary lines, as if from gpsd's socket. Whatever decodes has its fields in range and its
 * strings terminated and valid UTF-8; whatever does not says why, in printable UTF-8; and the
 * result is the same the second time.
 */

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "fuzz.h"
#include "source/gpsd-message.h"
#include "common/util.h"

static void check_string(const char *s, size_t size) {
        check(memchr(s, '\0', size));
        check(g_utf8_validate(s, -1, NULL));
}

static void check_tpv(const GpsdTpv *t) {
        check(t->mode <= 3);
        check(t->status <= 9);
        check_string(t->device, sizeof(t->device));
        check(t->has_time || t->time_usec == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char error[GPSD_ERROR_MAX], again_error[GPSD_ERROR_MAX];
        GpsdMessage m, again;
        int r;

        memset(&m, 0, sizeof(m));
        memset(&again, 0, sizeof(again));
        r = gpsd_message_parse((const char *) data, size, &m, error, sizeof(error));
        check(r == 0 || r == -EINVAL || r == -EMSGSIZE);
        check(gpsd_message_parse((const char *) data, size, &again, again_error, sizeof(again_error)) == r);

        if (r < 0) {
                check(error[0] != '\0');
                check_string(error, sizeof(error));
                check(streq(error, again_error));
                return 0;
        }
        check(memcmp(&m, &again, sizeof(m)) == 0);
        check(size > 0 && size <= GPSD_LINE_MAX);
        check(gpsd_message_type_to_string(m.type));

        switch (m.type) {
        case GPSD_MESSAGE_VERSION:
                check_string(m.version.release, sizeof(m.version.release));
                check(m.version.proto_major <= 255 && m.version.proto_minor <= 255);
                break;
        case GPSD_MESSAGE_DEVICE:
                check_string(m.device.path, sizeof(m.device.path));
                check_string(m.device.driver, sizeof(m.device.driver));
                break;
        case GPSD_MESSAGE_TPV:
                check_tpv(&m.tpv);
                break;
        case GPSD_MESSAGE_SKY:
                check_string(m.sky.device, sizeof(m.sky.device));
                check(m.sky.u_sat <= m.sky.n_sat);
                break;
        case GPSD_MESSAGE_POLL:
                if (m.poll.has_tpv)
                        check_tpv(&m.poll.tpv);
                break;
        case GPSD_MESSAGE_ERROR:
                check_string(m.error.message, sizeof(m.error.message));
                break;
        case GPSD_MESSAGE_OTHER:
                check_string(m.other.klass, sizeof(m.other.klass));
                check(m.other.klass[0] != '\0');
                break;
        case GPSD_MESSAGE_ANTSTATUS:
                check(gpsd_antenna_to_string(m.antstatus.antenna));
                check(data[0] == '$' && memcmp(data + 3, "TXT,", 4) == 0);
                check(strlen(m.antstatus.talker) == 2);
                break;
        case GPSD_MESSAGE_NMEA:
                check(data[0] == '$' || data[0] == '!');
                break;
        default:
                break;
        }
        return 0;
}
