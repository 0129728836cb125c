/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The producer thread: one connection (the baseline's sender, or the client
 * that calls Inject) in its own sd-event loop, so that producing events runs
 * in parallel with receiving them, as ptpsyncd runs beside its subscribers.
 * The main thread talks to it through two eventfds; the thread owns the
 * connection from producer_start() until producer_stop() has joined it.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/eventfd.h>

#include "bench.h"

static void eventfd_kick(int fd) {
        uint64_t one = 1;

        /* Cannot fail short of a bug: the counter would have to reach 2^64 - 1. */
        if (write(fd, &one, sizeof(one)) != sizeof(one))
                abort();
}

void producer_fail(Producer *p, const char *fmt, ...) {
        va_list ap;

        if (!atomic_load(&p->failed)) {
                va_start(ap, fmt);
                (void) vsnprintf(p->error, sizeof(p->error), fmt, ap);
                va_end(ap);
                atomic_store(&p->failed, true);
                eventfd_kick(p->fail_fd);
        }
        p->quit = true;
}

void producer_check_stop(Producer *p) {
        if (p->stopping && (!p->ops->idle || p->ops->idle(p)))
                p->quit = true;
}

void producer_kick(Producer *p) {
        eventfd_kick(p->kick_fd);
}

static int on_start(sd_event_source *s, void *userdata) {
        Producer *p = userdata;
        int r;

        r = p->ops->start(p);
        if (r < 0)
                producer_fail(p, "starting the phase: %s", strerror(-r));
        return 0;
}

static int on_kick(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Producer *p = userdata;
        uint64_t n;
        int r;

        if (read(fd, &n, sizeof(n)) != sizeof(n))
                return 0;
        if (atomic_load(&p->stop)) {
                p->stopping = true;
                producer_check_stop(p);
                return 0;
        }
        for (; n > 0; n--) {
                r = p->ops->next ? p->ops->next(p) : 0;
                if (r < 0) {
                        producer_fail(p, "producing the next event: %s", strerror(-r));
                        break;
                }
        }
        return 0;
}

int producer_init(Producer *p, sd_bus *bus, const ProducerOps *ops, void *userdata) {
        int r;

        *p = (Producer) { .ops = ops, .userdata = userdata, .kick_fd = -1, .fail_fd = -1 };
        p->bus = sd_bus_ref(bus);
        p->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        p->fail_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (p->kick_fd < 0 || p->fail_fd < 0)
                return -errno;
        r = sd_event_new(&p->event);
        if (r < 0)
                return r;
        r = sd_bus_attach_event(bus, p->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;
        r = sd_event_add_io(p->event, &p->kick_source, p->kick_fd, EPOLLIN, on_kick, p);
        if (r < 0)
                return r;
        r = sd_event_add_defer(p->event, &p->start_source, on_start, p);
        if (r < 0)
                return r;
        /* Below the bus: whatever is already in the read queue is seen before the phase starts. */
        r = sd_event_source_set_priority(p->start_source, SD_EVENT_PRIORITY_IDLE);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(p->start_source, SD_EVENT_OFF);
}

void producer_done(Producer *p) {
        if (!p->ops)
                return; /* never initialised */
        if (p->running)
                (void) producer_stop(p, 10 * USEC_PER_SEC);
        p->start_source = sd_event_source_disable_unref(p->start_source);
        p->kick_source = sd_event_source_disable_unref(p->kick_source);
        if (p->bus)
                (void) sd_bus_detach_event(p->bus);
        p->bus = sd_bus_close_unref(p->bus);
        p->event = sd_event_unref(p->event);
        if (p->kick_fd >= 0)
                close(p->kick_fd);
        if (p->fail_fd >= 0)
                close(p->fail_fd);
        p->kick_fd = p->fail_fd = -1;
}

static void *producer_thread(void *userdata) {
        Producer *p = userdata;
        int r;

        /* Not sd_event_loop(): an sd_event that exited cannot run again, and it runs once per phase. */
        while (!p->quit) {
                r = sd_event_run(p->event, UINT64_MAX);
                if (r < 0)
                        producer_fail(p, "event loop: %s", strerror(-r));
        }
        return NULL;
}

int producer_start(Producer *p, PhaseKind phase, uint64_t events) {
        uint64_t n;
        int r;

        /* Leftovers of an earlier phase must not count in this one. */
        while (read(p->kick_fd, &n, sizeof(n)) == sizeof(n))
                ;
        while (read(p->fail_fd, &n, sizeof(n)) == sizeof(n))
                ;
        p->phase = phase;
        p->events = events;
        p->stopping = p->quit = false;
        atomic_store(&p->stop, false);
        atomic_store(&p->failed, false);
        p->error[0] = '\0';
        r = sd_event_source_set_enabled(p->start_source, SD_EVENT_ONESHOT);
        if (r < 0)
                return r;
        r = pthread_create(&p->thread, NULL, producer_thread, p);
        if (r != 0)
                return -r;
        p->running = true;
        return 0;
}

int producer_stop(Producer *p, uint64_t timeout_usec) {
        struct timespec deadline;
        int r;

        if (!p->running)
                return 0;
        atomic_store(&p->stop, true);
        eventfd_kick(p->kick_fd);
        clock_gettime(CLOCK_REALTIME, &deadline); /* pthread_timedjoin_np's clock */
        deadline.tv_sec += (time_t) (timeout_usec / USEC_PER_SEC);
        r = pthread_timedjoin_np(p->thread, NULL, &deadline);
        if (r != 0) {
                /* It still owns its connection: nothing here can be cleaned up safely. */
                bench_log("The producer thread did not stop within %" PRIu64 " s; giving up.",
                          timeout_usec / USEC_PER_SEC);
                _exit(EXIT_FAILURE); /* our children die with us (PR_SET_PDEATHSIG) */
        }
        p->running = false;
        return 0;
}
