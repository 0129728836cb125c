/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>
#include <string.h>

#include "source/gpsd-message.h"
#include "source/gpsd-stream.h"

#define CAPACITY (GPSD_LINE_MAX + 1)

void gpsd_stream_init(GpsdStream *s, bool ubx) {
        *s = (GpsdStream) { .buf = g_malloc(CAPACITY), .ubx = ubx };
}

void gpsd_stream_done(GpsdStream *s) {
        g_clear_pointer(&s->buf, g_free);
}

void gpsd_stream_reset(GpsdStream *s) {
        s->start = s->n = s->skip = 0;
}

char *gpsd_stream_space(GpsdStream *s, size_t *ret_size) {
        if (s->start > 0) {
                memmove(s->buf, s->buf + s->start, s->n - s->start);
                s->n -= s->start;
                s->start = 0;
        }
        *ret_size = CAPACITY - s->n;
        return s->buf + s->n;
}

void gpsd_stream_filled(GpsdStream *s, size_t n) {
        g_assert(n <= CAPACITY - s->n);
        s->n += n;
}

static bool starts_line(uint8_t c) {
        return c == '{' || c == '$' || c == '!';
}

/* Garbage: up to the next byte that may start a record, or past a '\n'. */
static size_t garbage_length(const uint8_t *p, size_t size) {
        for (size_t i = 0; i < size; i++) {
                if (p[i] == '\n')
                        return i + 1;
                if (i > 0 && (p[i] == UBX_SYNC_1 || starts_line(p[i])))
                        return i;
        }
        return size;
}

GpsdStreamResult gpsd_stream_next(GpsdStream *s, GpsdRecord *ret) {
        for (;;) {
                const uint8_t *p = (const uint8_t *) s->buf + s->start;
                size_t avail = s->n - s->start, size, drop;
                const uint8_t *nl;

                if (s->skip > 0) {
                        drop = MIN(s->skip, avail);
                        s->start += drop;
                        s->skip -= drop;
                        if (s->skip > 0)
                                return GPSD_STREAM_MORE;
                        continue;
                }
                if (avail == 0)
                        return GPSD_STREAM_MORE;
                if (s->ubx && p[0] == UBX_SYNC_1) {
                        switch (ubx_frame_check(p, avail, &ret->frame, &size)) {
                        case UBX_CHECK_FRAME:
                                s->start += size;
                                return GPSD_STREAM_UBX;
                        case UBX_CHECK_MORE:
                                /* A frame fits in the buffer: gpsd_stream_space() makes room. */
                                return GPSD_STREAM_MORE;
                        case UBX_CHECK_TOO_LONG:
                                s->too_long++;
                                s->skip = size;
                                continue;
                        case UBX_CHECK_NOT_FRAME:
                                if (avail >= 2 && p[1] == UBX_SYNC_2)
                                        s->bad_checksums++;
                                s->garbage_bytes++;
                                s->start++;
                                continue;
                        }
                }
                if (s->ubx && !starts_line(p[0])) {
                        drop = garbage_length(p, avail);
                        s->garbage_bytes += drop;
                        s->start += drop;
                        continue;
                }
                nl = memchr(p, '\n', avail);
                if (!nl)
                        return avail > GPSD_LINE_MAX ? GPSD_STREAM_TOO_LONG : GPSD_STREAM_MORE;
                ret->line = (const char *) p;
                ret->length = (size_t) (nl - p);
                s->start += ret->length + 1;
                return GPSD_STREAM_LINE;
        }
}
