/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <glib.h>

#include "store/store-writer.h"

struct StoreWriter {
        StoreWriterApply apply;
        void *userdata;
        int fd; /* an eventfd: the loop's side of "a job ended" */
        pthread_t thread;
        bool started;

        /* Under the mutex: what the loop and the thread share. */
        pthread_mutex_t mutex;
        pthread_cond_t cond;
        StoreBatch *job; /* handed over, not yet collected */
        bool ended;      /* the job is done; result and error are set */
        bool quit;
        int result;
        char *error;
};

static void *writer_main(void *p) {
        StoreWriter *w = p;

        pthread_mutex_lock(&w->mutex);
        for (;;) {
                StoreBatch *job;
                char *error = NULL;
                int r;

                while (!w->quit && (!w->job || w->ended))
                        pthread_cond_wait(&w->cond, &w->mutex);
                if (w->quit)
                        break;
                job = w->job;
                /* The disk's time is spent without the lock: the loop only ever waits for the lock. */
                pthread_mutex_unlock(&w->mutex);
                r = w->apply(w->userdata, job, &error);
                pthread_mutex_lock(&w->mutex);
                w->result = r;
                w->error = error;
                w->ended = true;
                pthread_cond_broadcast(&w->cond);
                /* A full eventfd counter cannot happen: one job at a time, collected before the next. */
                (void) eventfd_write(w->fd, 1);
        }
        pthread_mutex_unlock(&w->mutex);
        return NULL;
}

int store_writer_new(StoreWriter **ret, StoreWriterApply apply, void *userdata) {
        _cleanup_(store_writer_freep) StoreWriter *w = g_new0(StoreWriter, 1);
        sigset_t all, old;
        int r;

        w->apply = apply;
        w->userdata = userdata;
        pthread_mutex_init(&w->mutex, NULL);
        pthread_cond_init(&w->cond, NULL);
        w->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->fd < 0)
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
                pthread_mutex_lock(&w->mutex);
                while (w->job && !w->ended)
                        pthread_cond_wait(&w->cond, &w->mutex);
                w->quit = true;
                pthread_cond_broadcast(&w->cond);
                pthread_mutex_unlock(&w->mutex);
                pthread_join(w->thread, NULL);
        }
        /* An uncollected job's batch belongs to the store, which frees it. */
        g_free(w->error);
        if (w->fd >= 0)
                close(w->fd);
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->mutex);
        g_free(w);
        return NULL;
}

int store_writer_fd(const StoreWriter *w) {
        return w->fd;
}

void store_writer_submit(StoreWriter *w, StoreBatch *b) {
        pthread_mutex_lock(&w->mutex);
        assert(!w->job);
        w->job = b;
        w->ended = false;
        pthread_cond_broadcast(&w->cond);
        pthread_mutex_unlock(&w->mutex);
}

int store_writer_collect(StoreWriter *w, StoreBatch **ret_batch, char **ret_error, int *ret_result) {
        eventfd_t n;

        pthread_mutex_lock(&w->mutex);
        if (!w->job || !w->ended) {
                pthread_mutex_unlock(&w->mutex);
                return -EAGAIN;
        }
        *ret_batch = w->job;
        *ret_result = w->result;
        *ret_error = w->error;
        w->job = NULL;
        w->error = NULL;
        w->ended = false;
        (void) eventfd_read(w->fd, &n);
        pthread_mutex_unlock(&w->mutex);
        return 0;
}

void store_writer_wait(StoreWriter *w) {
        pthread_mutex_lock(&w->mutex);
        while (w->job && !w->ended)
                pthread_cond_wait(&w->cond, &w->mutex);
        pthread_mutex_unlock(&w->mutex);
}
