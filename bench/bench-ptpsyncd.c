/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsyncd under the same load: a fresh daemon per run (a durable
 * subscription outlives its connection and would keep queueing into the next
 * run), N subscriber connections with one subscription each, and a producer
 * that calls Simulator.Inject, alternating locked and unlocked on one clock:
 * with HoldoverTimeoutSec=3600 and no os-clock observation each call makes
 * exactly one lock-state event (LOCKED, HOLDOVER, LOCKED, ...).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "bench.h"

/* Inject calls in flight in the throughput run: well below max_replies_per_connection (128). */
#define INJECT_OUTSTANDING 16U
#define SETUP_TIMEOUT_USEC (180 * USEC_PER_SEC)

typedef struct Injector {
        Producer producer;
        uint64_t issued, outstanding;
        uint64_t lifetime; /* injections into this daemon: even ones lock, odd ones unlock */
        Samples rtt;       /* latency: Inject's own round trip, call to reply */
} Injector;

typedef struct InjectCall {
        Injector *injector;
        uint64_t t_sent;
} InjectCall;

static int inject_one(Injector *inj);

static int on_inject_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        InjectCall *call = userdata;
        Injector *inj = call->injector;
        Producer *p = &inj->producer;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int r;

        inj->outstanding--;
        if (e) {
                producer_fail(p, "Inject: %s: %s", e->name, e->message ?: "");
                return 0;
        }
        if (p->phase == PHASE_LATENCY)
                samples_add(&inj->rtt, now_usec() - call->t_sent);
        else
                while (!p->stopping && inj->outstanding < INJECT_OUTSTANDING && inj->issued < p->events) {
                        r = inject_one(inj);
                        if (r < 0) {
                                producer_fail(p, "cannot call Inject: %s", strerror(-r));
                                return 0;
                        }
                }
        producer_check_stop(p);
        return 0;
}

static int inject_one(Injector *inj) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        Producer *p = &inj->producer;
        InjectCall *call = g_new(InjectCall, 1);
        int r;

        *call = (InjectCall) { .injector = inj, .t_sent = now_usec() };
        if (p->phase == PHASE_LATENCY)
                /* Just before the call: latency counts from here, in this process's clock. */
                atomic_store(&p->t0, call->t_sent);
        r = sd_bus_call_method_async(p->bus, &slot, BUS_NAME, MANAGER_OBJECT_PATH,
                                     SIMULATOR_INTERFACE, "Inject", on_inject_reply, call, "sssx",
                                     BENCH_SUFFIX, "ens1f0", inj->lifetime % 2 == 0 ? "locked" : "unlocked",
                                     INT64_C(-12));
        if (r < 0) {
                g_free(call);
                return r;
        }
        /* The slot frees the call when it goes, answered or not. */
        (void) sd_bus_slot_set_destroy_callback(slot, g_free);
        (void) sd_bus_slot_set_floating(slot, true);
        inj->lifetime++;
        inj->issued++;
        inj->outstanding++;
        return 0;
}

static int injector_start(Producer *p) {
        Injector *inj = p->userdata;
        int r;

        inj->issued = 0;
        if (p->phase == PHASE_LATENCY)
                return inject_one(inj);
        while (inj->outstanding < INJECT_OUTSTANDING && inj->issued < p->events) {
                r = inject_one(inj);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int injector_next(Producer *p) {
        return inject_one(p->userdata);
}

static bool injector_idle(Producer *p) {
        return ((Injector *) p->userdata)->outstanding == 0;
}

static const ProducerOps injector_ops = {
        .start = injector_start,
        .next = injector_next,
        .idle = injector_idle,
};

/* --- the rig ---------------------------------------------------------------------------------- */

typedef struct PtpsyncdRig {
        Rig rig; /* first: a Rig* is a PtpsyncdRig* */
        BenchDaemon daemon;
        Injector injector;
        SubscribeSpec spec;
} PtpsyncdRig;

static void ptpsyncd_rig_destroy(Rig *rig) {
        PtpsyncdRig *pr = (PtpsyncdRig *) rig;

        /* The producer thread first, then the subscribers, then the daemon. */
        producer_done(&pr->injector.producer);
        samples_clear(&pr->injector.rtt);
        clients_disconnect(&pr->rig.clients);
        bench_daemon_stop(&pr->daemon);
        g_free(pr);
}

void ptpsyncd_rig_report_loop(Rig *rig, BenchLoopFigures *out) {
        ((PtpsyncdRig *) rig)->daemon.loop = out;
}

int ptpsyncd_rig_new(BenchBus *b, const char *daemon_path, unsigned n, bool ordered, bool durable, Rig **ret,
                     char **ret_error) {
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL; /* the producer keeps its own reference */
        PtpsyncdRig *pr = g_new0(PtpsyncdRig, 1);
        _cleanup_(rig_freep) Rig *rig = &pr->rig;
        int r;

        pr->daemon = (BenchDaemon) BENCH_DAEMON_NULL;
        pr->spec = (SubscribeSpec) { .ordered = ordered, .durable = durable, .per_connection = 1 };
        *rig = (Rig) {
                .clients.epoll_fd = -1,
                .producer = &pr->injector.producer,
                /* Latency from the producer's t0: this process's clock just before the Inject call. */
                .time_from_field = false,
                .inject_rtt = &pr->injector.rtt,
                .bus_pid = b->cpu_pid,
                .destroy = ptpsyncd_rig_destroy,
        };
        r = bench_daemon_start(&pr->daemon, b, daemon_path);
        if (r < 0) {
                *ret_error = g_strdup_printf("cannot start ptpsyncd: %s", strerror(-r));
                return r;
        }
        rig->daemon_pid = pr->daemon.pid;
        r = bench_connect(b->address, &bus);
        if (r >= 0)
                r = producer_init(&pr->injector.producer, bus, &injector_ops, &pr->injector);
        if (r < 0) {
                *ret_error = g_strdup_printf("cannot set up the injector: %s", strerror(-r));
                return r;
        }
        r = clients_connect(&rig->clients, b->address, n, subscriber_setup, &pr->spec, SETUP_TIMEOUT_USEC);
        if (r < 0) {
                *ret_error = g_strdup_printf("subscribing %u connections: %s", n, rig->clients.error);
                return r;
        }
        *ret = g_steal_pointer(&rig);
        return 0;
}

/* --- RSS of idle subscriptions --------------------------------------------------------------- */

static int get_subscription_count(BenchBus *b, uint32_t *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = bench_call_method(b->control, &reply, BUS_NAME, MANAGER_OBJECT_PATH,
                              "org.freedesktop.DBus.Properties", "Get", "ss", MANAGER_INTERFACE,
                              "SubscriptionCount");
        if (r < 0)
                return r;
        return sd_bus_message_read(reply, "v", "u", ret);
}

static int inject_sync(BenchBus *b, const char *observation) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;

        return bench_call_method(b->control, &reply, BUS_NAME, MANAGER_OBJECT_PATH,
                                 SIMULATOR_INTERFACE, "Inject", "sssx", BENCH_SUFFIX, "ens1f0",
                                 observation, INT64_C(-12));
}

static int rss_one(BenchBus *b, const char *daemon_path, unsigned connections, unsigned per_connection,
                   bool durable, RssResult *ret) {
        _cleanup_(bench_daemon_stop) BenchDaemon d = BENCH_DAEMON_NULL;
        _cleanup_(clients_disconnect) Clients c = { .epoll_fd = -1 };
        SubscribeSpec spec = { .ordered = true, .durable = durable, .per_connection = per_connection };
        uint32_t count = 0;
        int r;

        r = bench_daemon_start(&d, b, daemon_path);
        if (r < 0) {
                ret->error = g_strdup_printf("cannot start ptpsyncd: %s", strerror(-r));
                return r;
        }
        /* A daemon in use, not a pristine one: the resources have values and events were sent. */
        r = inject_sync(b, "locked");
        if (r >= 0)
                r = inject_sync(b, "unlocked");
        if (r >= 0)
                r = bench_daemon_rss(&d, &ret->rss_before_kib, &ret->anon_before_kib);
        if (r < 0) {
                ret->error = g_strdup("cannot prepare the daemon");
                return r;
        }
        r = clients_connect(&c, b->address, connections, subscriber_setup, &spec, SETUP_TIMEOUT_USEC);
        if (r < 0) {
                ret->error = g_strdup_printf("subscribing: %s", c.error);
                return r;
        }
        /* Every Subscribe was answered; this also waits for anything the daemon still had queued. */
        r = get_subscription_count(b, &count);
        if (r >= 0 && count != connections * per_connection)
                r = -EPROTO;
        if (r < 0) {
                ret->error = g_strdup_printf("SubscriptionCount is %" PRIu32 ", expected %u", count,
                                             connections * per_connection);
                return r;
        }
        ret->subscriptions = count;
        return bench_daemon_rss(&d, &ret->rss_after_kib, &ret->anon_after_kib);
}

int ptpsyncd_rss(BenchBus *b, const char *daemon_path, unsigned connections, unsigned per_connection,
                 bool durable, RssResult *ret) {
        int r;

        *ret = (RssResult) { .durable = durable };
        r = rss_one(b, daemon_path, connections, per_connection, durable, ret);
        ret->ok = r >= 0;
        return r;
}
