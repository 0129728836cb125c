/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Arbitrary bytes, as if from gpsd's socket with "raw":2 (the first byte picks UBX on or off).
 * The records are the same whether the bytes come at once or one at a time; a line holds no '\n'
 * and fits GPSD_LINE_MAX; a UBX frame is whole, its checksum right; and the space offered after
 * MORE is never 0.
 */

#include <glib.h>
#include <string.h>

#include "fuzz.h"
#include "source/gpsd-message.h"
#include "source/gpsd-stream.h"
#include "common/util.h"

/* The records, as a checksum of each one's kind and bytes, fed in chunks of chunk bytes. */
static GString *records(bool ubx, const uint8_t *data, size_t size, size_t chunk) {
        GString *out = g_string_new(NULL);
        GpsdStream s;

        gpsd_stream_init(&s, ubx);
        for (size_t at = 0; at < size;) {
                GpsdStreamResult r = GPSD_STREAM_MORE;
                GpsdRecord record;
                size_t space, take;
                char *p = gpsd_stream_space(&s, &space);

                check(space > 0);
                take = MIN(MIN(chunk, size - at), space);
                memcpy(p, data + at, take);
                gpsd_stream_filled(&s, take);
                at += take;
                while ((r = gpsd_stream_next(&s, &record)) != GPSD_STREAM_MORE) {
                        size_t check_size;
                        UbxFrame again;

                        if (r == GPSD_STREAM_TOO_LONG) {
                                g_string_append(out, "T");
                                gpsd_stream_done(&s);
                                return out;
                        }
                        if (r == GPSD_STREAM_UBX) {
                                const uint8_t *frame = record.frame.payload - UBX_HEADER_SIZE;

                                check(ubx);
                                check(ubx_frame_check(frame, UBX_OVERHEAD + record.frame.length, &again,
                                                      &check_size) == UBX_CHECK_FRAME);
                                g_string_append_printf(out, "U%02x%02x%u,", record.frame.klass, record.frame.id,
                                                       ubx_checksum(frame + 2, 4 + record.frame.length));
                        } else {
                                check(r == GPSD_STREAM_LINE);
                                check(record.length <= GPSD_LINE_MAX);
                                check(!memchr(record.line, '\n', record.length));
                                if (ubx)
                                        check(record.line[0] == '{' || record.line[0] == '$' ||
                                              record.line[0] == '!');
                                g_string_append_printf(out, "L%zu:%u,", record.length,
                                                       ubx_checksum((const uint8_t *) record.line, record.length));
                        }
                }
        }
        gpsd_stream_done(&s);
        return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autoptr(GString) whole = NULL, bytewise = NULL;
        bool ubx;

        if (size < 1)
                return 0;
        ubx = data[0] & 1;
        whole = records(ubx, data + 1, size - 1, size);
        bytewise = records(ubx, data + 1, size - 1, 1);
        check(g_string_equal(whole, bytewise));
        return 0;
}
