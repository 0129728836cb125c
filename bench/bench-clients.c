/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The receivers: up to a thousand connections in one epoll loop of the main
 * thread. Not sd-event: its loop calls every attached bus's prepare callback
 * on every iteration, and one iteration dispatches one source, so with a
 * thousand buses each message would cost a thousand callbacks, and the
 * client side, not the bus or the daemon, would set the pace. Here a
 * readable connection is processed until it has nothing left, and its epoll
 * mask changes only when sd-bus wants to write.
 *
 * Each receiver acknowledges every Event as it arrives, with an asynchronous
 * Ack to the signal's sender at the signal's path: the same code for the
 * baseline's sender and for ptpsyncd.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/epoll.h>

#include "bench.h"
#include "common/bus-open.h"

/* Connections being set up at once: dbus-daemon drops the oldest unauthenticated one past 64. */
#define SETUP_CONCURRENCY 16U
/*
 * sd-bus's default of 25 s for a reply: an Ack that waits behind thousands of
 * deliveries on a slowed machine (valgrind) may take longer, and the phase has
 * its own deadline anyway.
 */
#define ACK_TIMEOUT_USEC (120 * USEC_PER_SEC)

/* The epoll tag of the producer's failure eventfd; receivers are tagged with their own address. */
static char producer_failed_tag;

void clients_fail(Clients *c, const char *fmt, ...) {
        va_list ap;

        if (c->error)
                return;
        va_start(ap, fmt);
        c->error = g_strdup_vprintf(fmt, ap);
        va_end(ap);
}

bool clients_reply_failed(Clients *c, sd_bus_message *reply, const char *what) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (!e)
                return false;
        clients_fail(c, "%s: %s: %s", what, e->name, e->message ?: "");
        return true;
}

static void phase_check_done(Clients *c) {
        if (c->done || c->ack_replies != c->acks_sent)
                return;
        if (c->phase == PHASE_THROUGHPUT) {
                if (c->received < c->events * c->n)
                        return;
        } else {
                if (c->event_received < c->n)
                        return;
                /* Everyone has it and every Ack was answered: the next one, on a quiet bus. */
                c->event_received = 0;
                if (++c->events_done < c->events) {
                        producer_kick(c->producer);
                        return;
                }
        }
        c->t_done = now_usec();
        c->done = true;
}

static int on_ack_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Receiver *r = userdata;
        Clients *c = r->clients;

        if (clients_reply_failed(c, reply, "Ack"))
                return 0;
        c->ack_replies++;
        phase_check_done(c);
        return 0;
}

/* Reads an Event(t seq, s id, s type, s source, x time, a(ssss) values, u attempt). */
static int read_event(sd_bus_message *m, uint64_t *ret_seq, int64_t *ret_time, uint32_t *ret_attempt) {
        const char *id, *type, *source;
        int r;

        r = sd_bus_message_read(m, "tsssx", ret_seq, &id, &type, &source, ret_time);
        if (r < 0)
                return r;
        r = sd_bus_message_skip(m, "a(ssss)");
        if (r < 0)
                return r;
        return sd_bus_message_read(m, "u", ret_attempt);
}

static int on_message(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Receiver *r = userdata;
        Clients *c = r->clients;
        uint64_t t = now_usec(), seq;
        uint32_t attempt;
        int64_t time;
        int k;

        if (sd_bus_message_is_signal(m, SUBSCRIPTION_INTERFACE, "DeadLettered")) {
                c->dead_lettered++;
                return 1;
        }
        if (!sd_bus_message_is_signal(m, SUBSCRIPTION_INTERFACE, "Event"))
                return 0;

        k = read_event(m, &seq, &time, &attempt);
        if (k < 0) {
                clients_fail(c, "receiver %u: malformed Event: %s", r->index, strerror(-k));
                return 1;
        }
        if (attempt > 1)
                /* The daemon's ack timeout ran out: counted and acked, but never a latency sample. */
                c->retries++;
        else {
                r->received++;
                c->received++;
                if (c->on_event)
                        c->on_event(r, seq, t, c->event_userdata);
                if (c->phase == PHASE_LATENCY && c->producer) {
                        uint64_t t0 = c->time_from_field ? (uint64_t) time : atomic_load(&c->producer->t0);

                        samples_add(&c->latency, t > t0 ? t - t0 : 0);
                        c->event_received++;
                }
        }

        k = sd_bus_call_method_async(r->bus, NULL, sd_bus_message_get_sender(m), sd_bus_message_get_path(m),
                                     SUBSCRIPTION_INTERFACE, "Ack", on_ack_reply, r, "t", seq);
        if (k < 0) {
                clients_fail(c, "receiver %u: cannot send Ack: %s", r->index, strerror(-k));
                return 1;
        }
        c->acks_sent++;
        c->acks_in_flight_sum += c->acks_sent - c->ack_replies;
        c->acks_in_flight_max = MAX(c->acks_in_flight_max, c->acks_sent - c->ack_replies);
        return 1;
}

static int receiver_update_events(Receiver *r) {
        struct epoll_event ev = { .data.ptr = r };
        int e = sd_bus_get_events(r->bus);

        if (e < 0)
                return e;
        ev.events = (e & POLLIN ? EPOLLIN : 0) | (e & POLLOUT ? EPOLLOUT : 0);
        if (ev.events == r->epoll_events)
                return 0;
        if (epoll_ctl(r->clients->epoll_fd, EPOLL_CTL_MOD, r->fd, &ev) < 0)
                return -errno;
        r->epoll_events = ev.events;
        return 0;
}

static void receiver_process(Receiver *r) {
        Clients *c = r->clients;
        int k;

        /* Everything it has: when sd_bus_process() says 0, the socket had nothing more. */
        while ((k = sd_bus_process(r->bus, NULL)) > 0)
                ;
        if (k == 0)
                k = receiver_update_events(r);
        if (k < 0)
                clients_fail(c, "receiver %u (%s): %s", r->index, r->unique_name ?: "connecting",
                             strerror(-k));
}

/* Waits up to timeout for something to do, and does it. */
static void clients_wait(Clients *c, uint64_t timeout_usec) {
        struct epoll_event ev[64];
        uint64_t ms = (timeout_usec + USEC_PER_MSEC - 1) / USEC_PER_MSEC;
        int n;

        n = epoll_wait(c->epoll_fd, ev, (int) ELEMENTSOF(ev), (int) MIN(ms, (uint64_t) INT_MAX));
        if (n < 0) {
                if (errno != EINTR)
                        clients_fail(c, "epoll_wait: %m");
                return;
        }
        for (int i = 0; i < n; i++)
                if (ev[i].data.ptr == &producer_failed_tag) {
                        /* The flag is stored after the message: loaded first, the message is whole. */
                        if (c->producer && atomic_load(&c->producer->failed))
                                clients_fail(c, "the producer failed: %s", c->producer->error);
                } else
                        receiver_process(ev[i].data.ptr);
}

void clients_dispatch(Clients *c) {
        clients_wait(c, 0);
}

void receiver_setup_done(Receiver *r) {
        Clients *c = r->clients;
        const char *name;
        int k;

        if (r->setup_pending == 0 || --r->setup_pending > 0)
                return;
        /* Running by now (Hello's reply came first): this does not block. */
        k = sd_bus_get_unique_name(r->bus, &name);
        if (k < 0) {
                clients_fail(c, "receiver %u: no unique name: %s", r->index, strerror(-k));
                return;
        }
        r->unique_name = g_strdup(name);
        c->n_ready++;
}

static int receiver_start(Clients *c, unsigned i) {
        Receiver *r = &c->receivers[i];
        struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = r };
        int k;

        r->clients = c;
        r->index = i;
        r->fd = -1;
        k = bus_open_address(&r->bus, c->address, ACK_TIMEOUT_USEC);
        if (k >= 0)
                k = r->fd = sd_bus_get_fd(r->bus);
        if (k >= 0)
                k = sd_bus_add_filter(r->bus, NULL, on_message, r);
        if (k < 0) {
                clients_fail(c, "receiver %u: cannot connect to %s: %s", i, c->address, strerror(-k));
                return k;
        }
        if (epoll_ctl(c->epoll_fd, EPOLL_CTL_ADD, r->fd, &ev) < 0) {
                clients_fail(c, "receiver %u: epoll_ctl: %m", i);
                return -errno;
        }
        r->epoll_events = ev.events;
        k = c->setup(r, c->setup_userdata);
        if (k < 0) {
                clients_fail(c, "receiver %u: cannot set up: %s", i, strerror(-k));
                return k;
        }
        return receiver_update_events(r);
}

int clients_connect(Clients *c, const char *address, unsigned n, ReceiverSetup setup, void *userdata,
                    uint64_t timeout_usec) {
        uint64_t deadline = now_usec() + timeout_usec;

        *c = (Clients) { .address = address, .n = n, .setup = setup, .setup_userdata = userdata };
        c->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (c->epoll_fd < 0) {
                clients_fail(c, "epoll_create1: %m");
                return -errno;
        }
        c->receivers = g_new0(Receiver, n);
        while (c->n_ready < n && !c->error) {
                uint64_t t = now_usec();

                while (c->n_started < n && c->n_started - c->n_ready < SETUP_CONCURRENCY && !c->error)
                        (void) receiver_start(c, c->n_started++);
                if (t >= deadline) {
                        clients_fail(c, "only %u of %u receivers were set up within %" PRIu64 " s",
                                     c->n_ready, n, timeout_usec / USEC_PER_SEC);
                        break;
                }
                clients_wait(c, deadline - t);
        }
        return c->error ? -EIO : 0;
}

void clients_disconnect(Clients *c) {
        for (unsigned i = 0; i < c->n_started; i++) {
                Receiver *r = &c->receivers[i];

                /* Nothing of ours is left to send: no flush, which could block. */
                r->bus = sd_bus_close_unref(r->bus);
                g_free(r->unique_name);
                g_free(r->path);
        }
        g_clear_pointer(&c->receivers, g_free);
        if (c->epoll_fd >= 0)
                close(c->epoll_fd);
        c->epoll_fd = -1;
        samples_clear(&c->latency);
        g_clear_pointer(&c->error, g_free);
        c->n = c->n_started = c->n_ready = 0;
}

static void phase_reset(Clients *c, Producer *p, PhaseKind phase, uint64_t events, bool time_from_field) {
        c->producer = p;
        c->phase = phase;
        c->events = events;
        c->time_from_field = time_from_field;
        c->events_done = c->event_received = 0;
        c->received = c->retries = c->dead_lettered = c->acks_sent = c->ack_replies = 0;
        c->acks_in_flight_sum = c->acks_in_flight_max = 0;
        c->t_done = 0;
        c->done = false;
        samples_clear(&c->latency);
        for (unsigned i = 0; i < c->n; i++)
                c->receivers[i].received = 0;
}

int clients_run_phase(Clients *c, Producer *p, PhaseKind phase, uint64_t events, bool time_from_field,
                      uint64_t timeout_usec, PhaseResult *ret) {
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &producer_failed_tag };
        uint64_t t_start, deadline, t = 0;
        bool timed_out = false;
        int k;

        phase_reset(c, p, phase, events, time_from_field);
        if (epoll_ctl(c->epoll_fd, EPOLL_CTL_ADD, p->fail_fd, &ev) < 0) {
                clients_fail(c, "epoll_ctl: %m");
                return -EIO;
        }
        t_start = now_usec();
        deadline = t_start + timeout_usec;
        k = producer_start(p, phase, events);
        if (k < 0)
                clients_fail(c, "cannot start the producer thread: %s", strerror(-k));
        while (!c->done && !c->error) {
                t = now_usec();
                if (t >= deadline) {
                        timed_out = true;
                        break;
                }
                clients_wait(c, deadline - t);
        }
        (void) producer_stop(p, 10 * USEC_PER_SEC);
        (void) epoll_ctl(c->epoll_fd, EPOLL_CTL_DEL, p->fail_fd, NULL);
        if (atomic_load(&p->failed))
                clients_fail(c, "the producer failed: %s", p->error);

        *ret = (PhaseResult) {
                .elapsed_usec = (c->done ? c->t_done : t) - t_start,
                /* On a timeout, what was acked so far: retried ones are in both counts, so not exact. */
                .deliveries = c->done ? c->received : MIN(c->received, c->ack_replies),
                .retries = c->retries,
                .dead_lettered = c->dead_lettered,
                .acks_in_flight_avg = c->acks_sent ? (double) c->acks_in_flight_sum / (double) c->acks_sent
                                                   : 0,
                .acks_in_flight_max = c->acks_in_flight_max,
                .latency = c->latency,
        };
        c->latency = (Samples) {};
        c->producer = NULL;
        if (c->error)
                return -EIO;
        if (timed_out) {
                clients_fail(c, "timed out after %" PRIu64 " s: %" PRIu64 " of %" PRIu64 " deliveries acked",
                             timeout_usec / USEC_PER_SEC, ret->deliveries,
                             phase == PHASE_THROUGHPUT ? events * c->n : c->n);
                return -ETIMEDOUT;
        }
        return 0;
}

void phase_result_done(PhaseResult *r) {
        samples_clear(&r->latency);
}

void run_result_fail(RunResult *r, const char *fmt, ...) {
        va_list ap;

        if (r->error)
                return;
        va_start(ap, fmt);
        r->error = g_strdup_vprintf(fmt, ap);
        va_end(ap);
}

void run_result_done(RunResult *r) {
        g_free(r->error);
        *r = (RunResult) {};
}

/* Notes a failed phase in ret; returns r. The receivers' error is for this phase only. */
static int rig_record(Rig *rig, RunResult *ret, int r, const char *what) {
        Clients *c = &rig->clients;

        if (r < 0)
                run_result_fail(ret, "%s: %s", what, c->error ?: strerror(-r));
        if (r == -ETIMEDOUT)
                ret->timed_out = true;
        g_clear_pointer(&c->error, g_free);
        return r;
}

int rig_warm_up(Rig *rig, uint64_t timeout_usec, RunResult *ret) {
        _cleanup_(phase_result_done) PhaseResult ph = {};
        int r;

        /* A few events, not counted: connections, caches and allocations warm up. */
        r = clients_run_phase(&rig->clients, rig->producer, PHASE_LATENCY, 3, rig->time_from_field,
                              timeout_usec, &ph);
        if (rig->inject_rtt)
                samples_clear(rig->inject_rtt);
        return rig_record(rig, ret, r, "warm-up");
}

int rig_latency(Rig *rig, uint64_t events, uint64_t timeout_usec, Samples *samples, RunResult *ret) {
        _cleanup_(phase_result_done) PhaseResult ph = {};
        int r;

        r = clients_run_phase(&rig->clients, rig->producer, PHASE_LATENCY, events, rig->time_from_field,
                              timeout_usec, &ph);
        if (rig_record(rig, ret, r, "latency") < 0)
                return r;
        for (size_t i = 0; i < ph.latency.n; i++)
                samples_add(samples, ph.latency.v[i]);
        ret->retries += ph.retries;
        ret->dead_lettered += ph.dead_lettered;
        return 0;
}

static int check_each_got_all(Clients *c, uint64_t events, RunResult *ret) {
        for (unsigned i = 0; i < c->n; i++)
                if (c->receivers[i].received != events) {
                        run_result_fail(ret, "receiver %u got %" PRIu64 " of %" PRIu64 " events", i,
                                        c->receivers[i].received, events);
                        return -EPROTO;
                }
        return 0;
}

/* Which process was busy, and how much: the bottleneck is the one near 1.0. */
static void record_cpu(const Rig *rig, const uint64_t before[3], uint64_t elapsed_usec, RunResult *ret) {
        double wall = (double) MAX(elapsed_usec, 1);

        ret->cpu_bus = (double) (bench_cpu_usec(rig->bus_pid) - before[0]) / wall;
        if (rig->daemon_pid > 0)
                ret->cpu_daemon = (double) (bench_cpu_usec(rig->daemon_pid) - before[1]) / wall;
        ret->cpu_self = (double) (bench_cpu_usec(0) - before[2]) / wall;
}

int rig_throughput(Rig *rig, uint64_t events, uint64_t timeout_usec, RunResult *ret) {
        _cleanup_(phase_result_done) PhaseResult ph = {};
        Clients *c = &rig->clients;
        uint64_t cpu[3], t = now_usec();
        int r;

        ret->events = events;
        cpu[0] = bench_cpu_usec(rig->bus_pid);
        cpu[1] = rig->daemon_pid > 0 ? bench_cpu_usec(rig->daemon_pid) : 0;
        cpu[2] = bench_cpu_usec(0);
        r = clients_run_phase(c, rig->producer, PHASE_THROUGHPUT, events, rig->time_from_field, timeout_usec,
                              &ph);
        /* Over the whole phase, set-up of the producer thread included: a few hundred µs at most. */
        record_cpu(rig, cpu, now_usec() - t, ret);
        (void) rig_record(rig, ret, r, "throughput");
        if (r < 0 && r != -ETIMEDOUT)
                return r;
        /* On a timeout too: the rate of what was acked by then, marked as such. */
        ret->deliveries_per_sec = (double) ph.deliveries * USEC_PER_SEC / (double) MAX(ph.elapsed_usec, 1);
        ret->events_per_sec = ret->deliveries_per_sec / c->n;
        ret->acks_in_flight_avg = ph.acks_in_flight_avg;
        ret->acks_in_flight_max = ph.acks_in_flight_max;
        ret->retries += ph.retries;
        ret->dead_lettered += ph.dead_lettered;
        if (r < 0)
                return r;
        return check_each_got_all(c, events, ret);
}

Rig *rig_free(Rig *r) {
        if (r)
                r->destroy(r); /* frees r */
        return NULL;
}
