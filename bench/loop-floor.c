/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-loop-floor: what this machine allows ptpsyncd at best, with nothing
 * of ptpsyncd in the way. Three floors, each measured the way ptpsyncd is:
 *
 *  - the loop: an sd-event loop that wakes every 250 µs for a fixed piece of
 *    CPU work, timed by ptpsyncd's own daemon/event-loop.c. Its longest
 *    iteration on the clock is what preemption (and the hypervisor) add to
 *    any loop here; run it beside ptpsync-bench to see it under that load;
 *  - the disk: write(4 KiB) + fdatasync() in a directory, as one commit of
 *    the store costs at the least;
 *  - the hand-over: an eventfd round trip to another thread and back, as the
 *    store's writer thread costs per commit.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/magic.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "bench-options.h"
#include "bench.h"
#include "event-loop.h"

#define LOOP_PERIOD_USEC 250
#define FSYNC_BLOCK 4096
#define FSYNC_PAUSE_USEC (5 * USEC_PER_MSEC)
#define HANDOVER_ROUNDS 5000

typedef struct Options {
        unsigned seconds, work_usec, fsyncs;
        const char *dir;
} Options;

typedef struct Loop {
        sd_event_source *timer;
        uint64_t end_usec;
        unsigned work_usec;
} Loop;

static uint64_t thread_cpu_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static void spin_cpu(unsigned usec) {
        uint64_t end = thread_cpu_usec() + usec;

        while (thread_cpu_usec() < end)
                ;
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        Loop *l = userdata;

        spin_cpu(l->work_usec);
        if (usec >= l->end_usec)
                return sd_event_exit(sd_event_source_get_event(s), 0);
        (void) sd_event_source_set_time(s, usec + LOOP_PERIOD_USEC);
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static int floor_loop(const Options *o) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        Loop l = { .work_usec = o->work_usec };
        EventLoopStats st;
        uint64_t now;
        int r;

        r = sd_event_new(&e);
        if (r < 0)
                return r;
        (void) sd_event_now(e, CLOCK_MONOTONIC, &now);
        l.end_usec = now + (uint64_t) o->seconds * USEC_PER_SEC;
        r = sd_event_add_time(e, &l.timer, CLOCK_MONOTONIC, now + LOOP_PERIOD_USEC, 1, on_tick, &l);
        if (r < 0)
                return r;
        r = event_loop_run(e, &st);
        sd_event_source_unref(l.timer);
        if (r < 0)
                return r;
        printf("loop     %" PRIu64 " iterations of %u µs of work in %u s: the longest %" PRIu64 " µs on the clock, "
               "%" PRIu64 " µs in CPU time, %" PRIu64 " µs on the clock when not preempted; %" PRIu64
               " of 1 ms or more, %" PRIu64 " blocked, %" PRIu64 " preempted\n",
               st.iterations, o->work_usec, o->seconds, st.longest_usec, st.longest_cpu_usec,
               st.longest_unpreempted_usec, st.slow, st.blocked, st.preempted);
        return 0;
}

static void print_samples(const char *what, Samples *s) {
        printf("%-8s %zu samples: p50 %" PRIu64 " µs, p99 %" PRIu64 " µs, max %" PRIu64 " µs\n", what, s->n,
               samples_percentile(s, 50), samples_percentile(s, 99), samples_percentile(s, 100));
}

static int floor_disk(const Options *o) {
        g_autofree char *path = g_build_filename(o->dir, "ptpsync-loop-floor-XXXXXX", NULL);
        g_autofree char *what = NULL;
        char block[FSYNC_BLOCK];
        Samples s = {};
        struct statfs fs;
        int fd;

        fd = mkstemp(path);
        if (fd < 0)
                return -errno;
        (void) unlink(path);
        memset(block, 'p', sizeof(block));
        for (unsigned i = 0; i < o->fsyncs; i++) {
                uint64_t t = now_usec();

                if (pwrite(fd, block, sizeof(block), (off_t) (i % 256) * FSYNC_BLOCK) != sizeof(block) ||
                    fdatasync(fd) < 0) {
                        int k = -errno;

                        close(fd);
                        samples_clear(&s);
                        return k;
                }
                samples_add(&s, now_usec() - t);
                usleep(FSYNC_PAUSE_USEC);
        }
        what = g_strdup_printf("fsync (%s, %s)", o->dir,
                               fstatfs(fd, &fs) == 0 && fs.f_type == TMPFS_MAGIC ? "tmpfs" : "not tmpfs");
        close(fd);
        printf("%s\n", what);
        print_samples("  disk", &s);
        samples_clear(&s);
        return 0;
}

typedef struct Handover {
        int there, back;
} Handover;

static void *echo(void *userdata) {
        Handover *h = userdata;
        uint64_t v;

        for (unsigned i = 0; i < HANDOVER_ROUNDS; i++)
                if (read(h->there, &v, sizeof(v)) != sizeof(v) || write(h->back, &v, sizeof(v)) != sizeof(v))
                        break;
        return NULL;
}

static int floor_handover(void) {
        Handover h = { eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC) };
        Samples s = {};
        pthread_t thread;
        uint64_t one = 1, v;
        int r = 0;

        if (h.there < 0 || h.back < 0 || pthread_create(&thread, NULL, echo, &h) != 0)
                return -errno;
        for (unsigned i = 0; i < HANDOVER_ROUNDS; i++) {
                uint64_t t = now_usec();

                if (write(h.there, &one, sizeof(one)) != sizeof(one) || read(h.back, &v, sizeof(v)) != sizeof(v)) {
                        r = -errno;
                        break;
                }
                samples_add(&s, now_usec() - t);
        }
        (void) pthread_join(thread, NULL);
        close(h.there);
        close(h.back);
        if (r == 0)
                print_samples("handover", &s);
        samples_clear(&s);
        return r;
}

static void help(void) {
        printf("Usage: ptpsync-loop-floor [OPTIONS...]\n\n"
               "What this machine allows ptpsyncd at best, measured with nothing of ptpsyncd in the way:\n"
               "an sd-event loop doing a fixed piece of work every 250 µs, timed by ptpsyncd's own loop\n"
               "timing (run it beside ptpsync-bench to see what that load does to any loop); write(4 KiB) +\n"
               "fdatasync() in a directory (the least one commit of the store costs); an eventfd round\n"
               "trip to another thread (what the store's writer thread costs per commit).\n\n"
               "Options:\n"
               "  -h --help            Show this help and exit\n"
               "     --seconds=S       How long the loop runs (default 30)\n"
               "     --work=USEC       CPU work per wake-up of the loop (default 50)\n"
               "     --fsyncs=N        fdatasync()s to time, 5 ms apart (default 200; 0: none)\n"
               "     --dir=DIR         Where to write them (default /var/tmp)\n\n"
               "The results go to stdout. Exit status 0, 1 when a measurement failed, 2 for bad usage.\n");
}

static int parse_options(int argc, char *argv[], Options *o) {
        enum { ARG_SECONDS = 0x100, ARG_WORK, ARG_FSYNCS, ARG_DIR };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "seconds", required_argument, NULL, ARG_SECONDS },
                { "work", required_argument, NULL, ARG_WORK },
                { "fsyncs", required_argument, NULL, ARG_FSYNCS },
                { "dir", required_argument, NULL, ARG_DIR },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_SECONDS:
                        if (bench_parse_unsigned("seconds", optarg, 1, 3600, &o->seconds) < 0)
                                return -EINVAL;
                        break;
                case ARG_WORK:
                        if (bench_parse_unsigned("work", optarg, 0, LOOP_PERIOD_USEC, &o->work_usec) < 0)
                                return -EINVAL;
                        break;
                case ARG_FSYNCS:
                        if (bench_parse_unsigned("fsyncs", optarg, 0, 100000, &o->fsyncs) < 0)
                                return -EINVAL;
                        break;
                case ARG_DIR:
                        o->dir = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "ptpsync-loop-floor: unexpected argument '%s'; see --help.\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

int main(int argc, char *argv[]) {
        Options o = { .seconds = 30, .work_usec = 50, .fsyncs = 200, .dir = "/var/tmp" };
        int r;

        r = parse_options(argc, argv, &o);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        r = floor_loop(&o);
        if (r < 0) {
                fprintf(stderr, "ptpsync-loop-floor: the loop failed: %s\n", strerror(-r));
                return 1;
        }
        r = o.fsyncs > 0 ? floor_disk(&o) : 0;
        if (r < 0) {
                fprintf(stderr, "ptpsync-loop-floor: fdatasync in %s failed: %s\n", o.dir, strerror(-r));
                return 1;
        }
        r = floor_handover();
        if (r < 0) {
                fprintf(stderr, "ptpsync-loop-floor: the hand-over failed: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}
