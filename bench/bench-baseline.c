/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The baseline: a bare sd-bus program doing ptpsyncd's fan-out and nothing
 * else. One sender connection sends each event as one unicast Event signal
 * per receiver, of the daemon's signature and sizes (a lock-state event:
 * UUID, type, source address, two values, attempt), from a per-receiver
 * object path under /org/ptpsync1/subscription; it answers each receiver's
 * Ack(t) through a fallback vtable, as the daemon does, and keeps at most
 * Window events unacknowledged per receiver. No queue, no timers, no retries,
 * no dead letters, no uid checks: what is left is the bus's own cost.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <systemd/sd-id128.h>

#include "bench.h"

#define EVENT_TYPE "event.sync.ptp-status.ptp-state-change"
#define VALUE_ADDRESS "ens1fx/master"

typedef struct Sender Sender;

typedef struct Peer {
        Sender *sender;
        char *name; /* the receiver's unique name */
        char *path;
        uint64_t next_seq; /* throughput: the next event it gets */
        unsigned in_flight;
} Peer;

struct Sender {
        Producer producer;
        Peer *peers;
        unsigned n;
        GHashTable *by_path; /* path -> Peer* */
        unsigned window;
        uint64_t seq; /* latency: the last event produced */
};

static int send_event(Sender *s, Peer *p, uint64_t seq, uint64_t t) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus *bus = s->producer.bus;
        /* One id per event, as the daemon has; a fixed-format UUID is as long as a random one. */
        char id[37];
        int r;

        (void) snprintf(id, sizeof(id), "%08" PRIx64 "-4e1f-4a5c-9d2b-%012" PRIx64, seq & 0xffffffff,
                        seq * UINT64_C(2654435761) & UINT64_C(0xffffffffffff));
        r = sd_bus_message_new_signal(bus, &m, p->path, BENCH_SUBSCRIPTION_INTERFACE, "Event");
        if (r >= 0)
                r = sd_bus_message_set_destination(m, p->name);
        if (r >= 0)
                r = sd_bus_message_append(m, "tsssx", seq, id, EVENT_TYPE, BENCH_ADDRESS, (int64_t) t);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(ssss)");
        if (r >= 0)
                r = sd_bus_message_append(m, "(ssss)", VALUE_ADDRESS, "notification", "enumeration",
                                          seq % 2 ? "LOCKED" : "HOLDOVER");
        if (r >= 0)
                r = sd_bus_message_append(m, "(ssss)", VALUE_ADDRESS, "metric", "decimal64.3", "-12");
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "u", UINT32_C(1));
        if (r >= 0)
                r = sd_bus_send(bus, m, NULL);
        if (r < 0)
                return r;
        p->in_flight++;
        return 0;
}

/* Throughput: as much as the window allows. */
static int peer_fill(Sender *s, Peer *p) {
        int r;

        while (p->in_flight < s->window && p->next_seq <= s->producer.events) {
                r = send_event(s, p, p->next_seq++, now_usec());
                if (r < 0)
                        return r;
        }
        return 0;
}

static int method_ack(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Peer *p = userdata;
        Sender *s = p->sender;
        uint64_t seq;
        int r;

        r = sd_bus_message_read(m, "t", &seq);
        if (r < 0)
                return r;
        /* The daemon's cheapest check: the caller is the owner. */
        if (!streq_ptr(sd_bus_message_get_sender(m), p->name))
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Not yours");
        if (p->in_flight > 0)
                p->in_flight--;
        r = sd_bus_reply_method_return(m, NULL);
        if (r < 0)
                return r;
        if (s->producer.phase == PHASE_THROUGHPUT) {
                r = peer_fill(s, p);
                if (r < 0)
                        producer_fail(&s->producer, "sending an event: %s", strerror(-r));
        }
        return 1;
}

static const sd_bus_vtable sender_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("Ack", SD_BUS_ARGS("t", seq), SD_BUS_NO_RESULT, method_ack,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

static int sender_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **ret_found,
                       sd_bus_error *error) {
        Sender *s = userdata;
        Peer *p = g_hash_table_lookup(s->by_path, path);

        if (!p)
                return 0;
        *ret_found = p;
        return 1;
}

/* Latency: one event to everyone. */
static int sender_produce_one(Producer *producer) {
        Sender *s = producer->userdata;
        uint64_t t = now_usec();
        int r;

        s->seq++;
        atomic_store(&producer->t0, t);
        for (unsigned i = 0; i < s->n; i++) {
                r = send_event(s, &s->peers[i], s->seq, t);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int sender_start(Producer *producer) {
        Sender *s = producer->userdata;
        int r;

        for (unsigned i = 0; i < s->n; i++) {
                s->peers[i].next_seq = 1;
                s->peers[i].in_flight = 0;
        }
        if (producer->phase == PHASE_LATENCY)
                return sender_produce_one(producer);

        /* Event by event across the receivers, as the daemon's round-robin pump goes. */
        for (unsigned w = 0; w < s->window; w++)
                for (unsigned i = 0; i < s->n; i++) {
                        Peer *p = &s->peers[i];

                        if (p->next_seq > producer->events)
                                continue;
                        r = send_event(s, p, p->next_seq++, now_usec());
                        if (r < 0)
                                return r;
                }
        return 0;
}

static const ProducerOps sender_ops = {
        .start = sender_start,
        .next = sender_produce_one,
};

static int on_hello_done(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Receiver *r = userdata;

        if (!clients_reply_failed(r->clients, reply, "GetId"))
                receiver_setup_done(r);
        return 0;
}

/* A receiver of the baseline is ready once the bus answers it: Hello is done by then. */
static int baseline_receiver_setup(Receiver *r, void *userdata) {
        int k;

        k = sd_bus_call_method_async(r->bus, NULL, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "GetId", on_hello_done, r, NULL);
        if (k < 0)
                return k;
        r->setup_pending++;
        return 0;
}

static int sender_init(Sender *s, Clients *c, sd_bus *bus, unsigned window) {
        int r;

        s->window = window;
        s->n = c->n;
        s->peers = g_new0(Peer, c->n);
        s->by_path = g_hash_table_new(g_str_hash, g_str_equal);
        for (unsigned i = 0; i < c->n; i++) {
                char hex[SD_ID128_STRING_MAX];
                sd_id128_t id;

                r = sd_id128_randomize(&id);
                if (r < 0)
                        return r;
                s->peers[i] = (Peer) {
                        .sender = s,
                        .name = g_strdup(c->receivers[i].unique_name),
                        .path = g_strconcat(BENCH_SUBSCRIPTION_PREFIX "/", sd_id128_to_string(id, hex), NULL),
                };
                g_hash_table_insert(s->by_path, s->peers[i].path, &s->peers[i]);
        }
        r = sd_bus_add_fallback_vtable(bus, NULL, BENCH_SUBSCRIPTION_PREFIX, BENCH_SUBSCRIPTION_INTERFACE,
                                       sender_vtable, sender_find, s);
        if (r < 0)
                return r;
        return producer_init(&s->producer, bus, &sender_ops, s);
}

static void sender_done(Sender *s) {
        producer_done(&s->producer);
        for (unsigned i = 0; i < s->n; i++) {
                g_free(s->peers[i].name);
                g_free(s->peers[i].path);
        }
        g_free(s->peers);
        if (s->by_path)
                g_hash_table_unref(s->by_path);
        *s = (Sender) {};
}

/* Fills ret from a phase; returns the phase's result. */
static int record_phase(RunResult *ret, Clients *c, int r, const char *what) {
        if (r < 0 && !ret->error)
                ret->error = g_strdup_printf("%s: %s", what, c->error ?: strerror(-r));
        if (r == -ETIMEDOUT)
                ret->timed_out = true;
        return r;
}

static int run_phases(Clients *c, Sender *s, const RunConfig *cfg, RunResult *ret) {
        PhaseResult ph = {};
        int r;

        if (cfg->latency_events > 0) {
                /* A few events first, not counted: connections and allocations warm up. */
                r = clients_run_phase(c, &s->producer, PHASE_LATENCY, 3, true, cfg->timeout_usec, &ph);
                phase_result_done(&ph);
                if (record_phase(ret, c, r, "warm-up") < 0)
                        return r;
                r = clients_run_phase(c, &s->producer, PHASE_LATENCY, cfg->latency_events, true,
                                      cfg->timeout_usec, &ph);
                if (record_phase(ret, c, r, "latency") < 0) {
                        phase_result_done(&ph);
                        return r;
                }
                ret->have_latency = true;
                ret->p50_usec = samples_percentile(&ph.latency, 50);
                ret->p99_usec = samples_percentile(&ph.latency, 99);
                ret->max_usec = samples_percentile(&ph.latency, 100);
                phase_result_done(&ph);
        }

        r = clients_run_phase(c, &s->producer, PHASE_THROUGHPUT, cfg->events, true, cfg->timeout_usec, &ph);
        (void) record_phase(ret, c, r, "throughput");
        if (r >= 0 || r == -ETIMEDOUT) {
                ret->deliveries_per_sec = (double) ph.deliveries * USEC_PER_SEC / (double) MAX(ph.elapsed_usec, 1);
                ret->events_per_sec = ret->deliveries_per_sec / cfg->n;
        }
        phase_result_done(&ph);
        return r;
}

static int run_one(BenchBus *b, const RunConfig *cfg, RunResult *ret) {
        /* Cleaned up in reverse: the sender (and its thread) first, then the receivers. */
        _cleanup_(clients_disconnect) Clients c = { .epoll_fd = -1 };
        _cleanup_(sender_done) Sender s = {};
        _cleanup_(sd_bus_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = bench_connect(b->address, &bus);
        if (r < 0) {
                ret->error = g_strdup_printf("cannot connect the sender: %s", strerror(-r));
                return r;
        }
        r = clients_connect(&c, b->address, cfg->n, baseline_receiver_setup, NULL, 120 * USEC_PER_SEC);
        if (r < 0) {
                ret->error = g_strdup_printf("connecting %u receivers: %s", cfg->n, c.error);
                return r;
        }
        r = sender_init(&s, &c, bus, cfg->window);
        if (r < 0) {
                ret->error = g_strdup_printf("setting up the sender: %s", strerror(-r));
                return r;
        }
        return run_phases(&c, &s, cfg, ret);
}

int baseline_run(BenchBus *b, const RunConfig *cfg, RunResult *ret) {
        int r;

        *ret = (RunResult) { .events = cfg->events };
        r = run_one(b, cfg, ret);
        ret->ok = r >= 0;
        return r;
}

void run_result_done(RunResult *r) {
        g_free(r->error);
        *r = (RunResult) {};
}
