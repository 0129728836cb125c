/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The baseline: a bare sd-bus program doing ptpsyncd's fan-out and nothing
 * else. One sender connection sends each event as one unicast Event signal
 * per receiver, of the daemon's signature and sizes (a lock-state event:
 * UUID, type, source address, two values, attempt), from a per-receiver
 * object path under /org/ptpsync1/subscription; it answers each receiver's
 * Ack(t) through a fallback vtable, as the daemon does. No store, no queue,
 * no timers, no retries, no dead letters, no uid checks: what is left is the
 * bus's own cost.
 *
 * Its flow control is the daemon's (daemon/engine/delivery.h): at most Window events
 * unacknowledged per receiver, sent by a round-robin pump below the bus's
 * priority in slices of 16 and budgets of 256, that pauses for 1 ms while
 * sd-bus's write queue holds 1024 messages or more.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <systemd/sd-id128.h>

#include "bench.h"

#define EVENT_TYPE "event.sync.ptp-status.ptp-state-change"
#define VALUE_ADDRESS "ens1fx/master"

typedef struct Sender Sender;

/* The daemon's (daemon/engine/delivery.h). */
#define PUMP_SLICE 16U
#define PUMP_BUDGET 256U
#define PUMP_BUSY_THRESHOLD 1024U
#define PUMP_THROTTLE_USEC (1 * USEC_PER_MSEC)
#define PUMP_PRIORITY (SD_EVENT_PRIORITY_NORMAL + 10)

typedef struct Peer {
        Sender *sender;
        char *name; /* the receiver's unique name */
        char *path;
        uint64_t next_seq; /* throughput: the next event it gets */
        unsigned in_flight;
        bool scheduled; /* in the pump's round */
} Peer;

struct Sender {
        Producer producer;
        Peer *peers;
        unsigned n;
        GHashTable *by_path; /* path -> Peer* */
        unsigned window;
        GQueue round; /* Peer*, each at most once */
        sd_event_source *pump;
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
        r = sd_bus_message_new_signal(bus, &m, p->path, SUBSCRIPTION_INTERFACE, "Event");
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

static bool peer_has_due(const Sender *s, const Peer *p) {
        return p->in_flight < s->window && p->next_seq <= s->producer.events;
}

static void pump_arm(Sender *s, uint64_t when) {
        int r;

        r = sd_event_source_set_time(s->pump, when);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->pump, SD_EVENT_ONESHOT);
        if (r < 0)
                producer_fail(&s->producer, "cannot arm the pump: %s", strerror(-r));
}

static void peer_schedule(Sender *s, Peer *p) {
        if (p->scheduled || !peer_has_due(s, p))
                return;
        g_queue_push_tail(&s->round, p);
        p->scheduled = true;
        if (s->round.length == 1)
                pump_arm(s, 0);
}

/* Up to max events of p's, as the window allows. */
static unsigned peer_send_due(Sender *s, Peer *p, unsigned max) {
        unsigned n = 0;
        int r;

        while (n < max && peer_has_due(s, p)) {
                r = send_event(s, p, p->next_seq++, now_usec());
                if (r < 0) {
                        producer_fail(&s->producer, "sending an event: %s", strerror(-r));
                        break;
                }
                n++;
        }
        return n;
}

static int on_pump(sd_event_source *source, uint64_t usec, void *userdata) {
        Sender *s = userdata;
        unsigned budget = PUMP_BUDGET;

        while (budget > 0 && !g_queue_is_empty(&s->round)) {
                unsigned n, slice = MIN(budget, PUMP_SLICE);
                uint64_t queued = 0;
                Peer *p;

                (void) sd_bus_get_n_queued_write(s->producer.bus, &queued);
                if (queued >= PUMP_BUSY_THRESHOLD) {
                        pump_arm(s, now_usec() + PUMP_THROTTLE_USEC);
                        return 0;
                }
                p = g_queue_pop_head(&s->round);
                p->scheduled = false;
                n = peer_send_due(s, p, slice);
                budget -= n;
                if (n == slice)
                        peer_schedule(s, p);
        }
        if (!g_queue_is_empty(&s->round))
                pump_arm(s, 0);
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
        if (s->producer.phase == PHASE_THROUGHPUT)
                peer_schedule(s, p);
        return 1;
}

static const sd_bus_vtable sender_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("Ack", SD_BUS_ARGS("t", seq), SD_BUS_NO_RESULT, method_ack,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

static int sender_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                       void **ret_found, sd_bus_error *error) {
        Sender *s = userdata;
        Peer *p = g_hash_table_lookup(s->by_path, path);

        if (!p)
                return 0;
        *ret_found = p;
        return 1;
}

/* Latency: one event to everyone at once, not through the pump: it is within any window, and that is the
 * bare cost (the daemon's pump hands out 256 per turn, which shows at N = 1000). */
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

        g_queue_clear(&s->round);
        for (unsigned i = 0; i < s->n; i++) {
                s->peers[i].next_seq = 1;
                s->peers[i].in_flight = 0;
                s->peers[i].scheduled = false;
        }
        if (producer->phase == PHASE_LATENCY)
                return sender_produce_one(producer);
        /* Every receiver has a window to fill: all in the round, the pump goes event by event. */
        for (unsigned i = 0; i < s->n; i++)
                peer_schedule(s, &s->peers[i]);
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
        g_queue_init(&s->round);
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
                        .path = g_strconcat(SUBSCRIPTION_OBJECT_PREFIX "/", sd_id128_to_string(id, hex),
                                            NULL),
                };
                g_hash_table_insert(s->by_path, s->peers[i].path, &s->peers[i]);
        }
        r = sd_bus_add_fallback_vtable(bus, NULL, SUBSCRIPTION_OBJECT_PREFIX, SUBSCRIPTION_INTERFACE,
                                       sender_vtable, sender_find, s);
        if (r < 0)
                return r;
        r = producer_init(&s->producer, bus, &sender_ops, s);
        if (r < 0)
                return r;
        r = sd_event_add_time(s->producer.event, &s->pump, CLOCK_MONOTONIC, 0, PUMP_THROTTLE_USEC, on_pump,
                              s);
        if (r >= 0)
                r = sd_event_source_set_priority(s->pump, PUMP_PRIORITY);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->pump, SD_EVENT_OFF);
        return r;
}

static void sender_done(Sender *s) {
        s->pump = sd_event_source_disable_unref(s->pump);
        g_queue_clear(&s->round);
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

typedef struct BaselineRig {
        Rig rig; /* first: a Rig* is a BaselineRig* */
        Sender sender;
} BaselineRig;

static void baseline_rig_destroy(Rig *rig) {
        BaselineRig *br = (BaselineRig *) rig;

        /* The sender (and its thread) first, then the receivers. */
        sender_done(&br->sender);
        clients_disconnect(&br->rig.clients);
        g_free(br);
}

int baseline_rig_new(BenchBus *b, unsigned n, unsigned window, Rig **ret, char **ret_error) {
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL; /* the producer keeps its own reference */
        BaselineRig *br = g_new0(BaselineRig, 1);
        _cleanup_(rig_freep) Rig *rig = &br->rig;
        int r;

        *rig = (Rig) {
                .clients.epoll_fd = -1,
                .producer = &br->sender.producer,
                /* Latency from the time field: the sender's clock when it made the event. */
                .time_from_field = true,
                .bus_pid = b->cpu_pid,
                .destroy = baseline_rig_destroy,
        };
        r = bench_connect(b->address, &bus);
        if (r < 0) {
                *ret_error = g_strdup_printf("cannot connect the sender: %s", strerror(-r));
                return r;
        }
        r = clients_connect(&rig->clients, b->address, n, baseline_receiver_setup, NULL, 120 * USEC_PER_SEC);
        if (r < 0) {
                *ret_error = g_strdup_printf("connecting %u receivers: %s", n, rig->clients.error);
                return r;
        }
        r = sender_init(&br->sender, &rig->clients, bus, window);
        if (r < 0) {
                *ret_error = g_strdup_printf("setting up the sender: %s", strerror(-r));
                return r;
        }
        *ret = g_steal_pointer(&rig);
        return 0;
}

void baseline_rig_set_window(Rig *rig, unsigned window) {
        ((BaselineRig *) rig)->sender.window = window;
}
