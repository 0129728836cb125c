/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <glib.h>

#include "store/store-writer.h"

/*
 * No lock between the two threads, so that the loop never waits for the writer, not even for a
 * moment: the loop hands a job over by setting job and writing to wake_fd, which the writer
 * blocks reading; the writer sets result and error, then ended (a release store), then writes to
 * done_fd, which the loop watches. Each side touches the other's fields only after the atomic
 * that passes them over.
 */
struct StoreWriter {
        StoreWriterApply apply;
        void *userdata;
        int wake_fd; /* the writer's side: a job, or quit (blocking reads) */
        int done_fd; /* the loop's side: the job ended (EFD_NONBLOCK) */
        pthread_t thread;
        bool started;

        StoreBatch *job; /* the loop's until it is handed over, then the writer's until ended */
        atomic_bool handed_over;
        atomic_bool ended;
        atomic_bool quit;
        int result;
        char *error;
};

static void *writer_main(void *p) {
        StoreWriter *w = p;

        for (;;) {
                eventfd_t n;

                if (eventfd_read(w->wake_fd, &n) < 0 && errno != EINTR)
                        break;
                if (atomic_load_explicit(&w->quit, memory_order_acquire))
                        break;
                if (!atomic_load_explicit(&w->handed_over, memory_order_acquire) ||
                    atomic_load_explicit(&w->ended, memory_order_relaxed))
                        continue;
                w->error = NULL;
                w->result = w->apply(w->userdata, w->job, &w->error);
                atomic_store_explicit(&w->ended, true, memory_order_release);
                /* Never full: one job at a time, collected before the next. */
                (void) eventfd_write(w->done_fd, 1);
        }
        return NULL;
}

int store_writer_new(StoreWriter **ret, StoreWriterApply apply, void *userdata) {
        _cleanup_(store_writer_freep) StoreWriter *w = g_new0(StoreWriter, 1);
        sigset_t all, old;
        int r;

        w->apply = apply;
        w->userdata = userdata;
        w->done_fd = -1;
        w->wake_fd = eventfd(0, EFD_CLOEXEC);
        if (w->wake_fd < 0)
                return -errno;
        w->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->done_fd < 0)
                return -errno;

        /* The daemon takes its signals through signalfd: the thread must not catch any of them. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        r = pthread_create(&w->thread, NULL, writer_main, w);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r != 0)
                return -r;
        w->started = true;
        *ret = TAKE_PTR(w);
        return 0;
}

StoreWriter *store_writer_free(StoreWriter *w) {
        if (!w)
                return NULL;
        if (w->started) {
                store_writer_wait(w);
                atomic_store_explicit(&w->quit, true, memory_order_release);
                (void) eventfd_write(w->wake_fd, 1);
                pthread_join(w->thread, NULL);
        }
        /* An uncollected job's batch belongs to the store, which frees it. */
        g_free(w->error);
        if (w->wake_fd >= 0)
                close(w->wake_fd);
        if (w->done_fd >= 0)
                close(w->done_fd);
        g_free(w);
        return NULL;
}

int store_writer_fd(const StoreWriter *w) {
        return w->done_fd;
}

void store_writer_submit(StoreWriter *w, StoreBatch *b) {
        assert(!atomic_load_explicit(&w->handed_over, memory_order_relaxed));
        w->job = b;
        atomic_store_explicit(&w->ended, false, memory_order_relaxed);
        atomic_store_explicit(&w->handed_over, true, memory_order_release);
        (void) eventfd_write(w->wake_fd, 1);
}

int store_writer_collect(StoreWriter *w, StoreBatch **ret_batch, char **ret_error, int *ret_result) {
        eventfd_t n;

        if (!atomic_load_explicit(&w->handed_over, memory_order_relaxed)) {
                /* A wake-up from a job already collected (ended is set before done_fd is written). */
                (void) eventfd_read(w->done_fd, &n);
                return -EAGAIN;
        }
        if (!atomic_load_explicit(&w->ended, memory_order_acquire))
                return -EAGAIN;
        (void) eventfd_read(w->done_fd, &n);
        *ret_batch = w->job;
        *ret_result = w->result;
        *ret_error = w->error;
        w->job = NULL;
        w->error = NULL;
        atomic_store_explicit(&w->handed_over, false, memory_order_relaxed);
        return 0;
}

void store_writer_wait(StoreWriter *w) {
        struct pollfd p = { .fd = w->done_fd, .events = POLLIN };

        while (atomic_load_explicit(&w->handed_over, memory_order_relaxed) &&
               !atomic_load_explicit(&w->ended, memory_order_acquire))
                (void) poll(&p, 1, -1);
}
