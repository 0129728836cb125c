/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

void bench_log(const char *fmt, ...) {
        static uint64_t t_start = 0;
        uint64_t t = now_usec();
        va_list ap;

        if (t_start == 0)
                t_start = t;
        fprintf(stderr, "[%7.2fs] ", (double) (t - t_start) / USEC_PER_SEC);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

void samples_add(Samples *s, uint64_t v) {
        if (s->n == s->allocated) {
                s->allocated = s->allocated ? s->allocated * 2 : 1024;
                s->v = g_renew(uint64_t, s->v, s->allocated);
        }
        s->v[s->n++] = v;
        s->sorted = false;
}

static int compare_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

uint64_t samples_percentile(Samples *s, double p) {
        size_t rank;

        if (s->n == 0)
                return 0;
        if (!s->sorted) {
                qsort(s->v, s->n, sizeof(uint64_t), compare_u64);
                s->sorted = true;
        }
        /* Nearest rank: the smallest sample with at least p% of them at or below it. */
        rank = (size_t) ceil(p / 100.0 * (double) s->n);
        return s->v[rank == 0 ? 0 : rank - 1];
}

void samples_clear(Samples *s) {
        g_free(s->v);
        *s = (Samples) {};
}
