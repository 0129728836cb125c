/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inject -> POST received: events one at a time, from just before the
 * Simulator.Inject call to each consumer's receipt, both on CLOCK_MONOTONIC
 * (the consumer stamps the request when it is complete, in its own process;
 * the clock is the machine's). An event is told by its id in the body; a
 * sink counts each id once, and any id again as a duplicate.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench-http.h"

#define LOCK_SUFFIX "sync/ptp-status/lock-state"
#define LOCK_CLOCK "ens1f0"

void push_run_done(PushRun *r) {
        samples_clear(&r->last);
        samples_clear(&r->last_group);
        samples_clear(&r->inject_rtt);
        g_free(r->error);
        *r = (PushRun) {};
}

static void sink_free(Sink *s) {
        g_hash_table_unref(s->ids);
        g_free(s);
}

void push_init(Push *p, sd_bus *bus) {
        *p = (Push) {
                .bus = bus,
                .sinks = g_ptr_array_new_with_free_func((GDestroyNotify) sink_free),
                .consumers = g_ptr_array_new(),
                .gap_usec = 5 * USEC_PER_MSEC,
        };
}

void push_done(Push *p) {
        g_clear_pointer(&p->sinks, g_ptr_array_unref);
        g_clear_pointer(&p->consumers, g_ptr_array_unref);
}

void push_add_consumer(Push *p, Consumer *c) {
        g_ptr_array_add(p->consumers, c);
}

Sink *push_add_sink(Push *p, Consumer *c, unsigned index) {
        Sink *s = g_new0(Sink, 1);

        *s = (Sink) {
                .consumer = c,
                .index = index,
                .healthy = true,
                .in_group = true,
                .ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
        };
        g_ptr_array_add(p->sinks, s);
        return s;
}

typedef struct LineContext {
        Push *push;
        Consumer *consumer;
} LineContext;

static void on_report(const char *line, void *userdata) {
        LineContext *ctx = userdata;
        unsigned index;
        uint64_t t;
        char id[64];

        if (sscanf(line, "R %u %" SCNu64 " %63s", &index, &t, id) != 3)
                return;
        for (guint i = 0; i < ctx->push->sinks->len; i++) {
                Sink *s = ctx->push->sinks->pdata[i];

                if (s->consumer != ctx->consumer || s->index != index)
                        continue;
                s->received++;
                if (g_str_equal(id, "-"))
                        return; /* a probe without data */
                if (g_hash_table_contains(s->ids, id))
                        s->duplicates++;
                else {
                        g_hash_table_add(s->ids, g_strdup(id));
                        s->t_last = t;
                }
                return;
        }
}

void push_drain(Push *p) {
        for (guint i = 0; i < p->consumers->len; i++) {
                LineContext ctx = { p, p->consumers->pdata[i] };

                child_read_lines(&ctx.consumer->child, on_report, &ctx);
        }
}

/* Waits for a consumer's report, at most until deadline. */
static void wait_reports(Push *p, uint64_t deadline) {
        struct pollfd fds[16];
        nfds_t n = 0;
        uint64_t t = now_usec();

        for (guint i = 0; i < p->consumers->len && n < G_N_ELEMENTS(fds); i++)
                fds[n++] = (struct pollfd) { .fd = ((Consumer *) p->consumers->pdata[i])->child.out_fd,
                                             .events = POLLIN };
        if (t < deadline)
                (void) poll(fds, n, (int) ((deadline - t + 999) / USEC_PER_MSEC));
        push_drain(p);
}

static bool all_have(Push *p, unsigned want) {
        for (guint i = 0; i < p->sinks->len; i++) {
                Sink *s = p->sinks->pdata[i];

                if (s->healthy && g_hash_table_size(s->ids) < want)
                        return false;
        }
        return true;
}

bool push_wait_ids(Push *p, unsigned want, uint64_t timeout_usec) {
        uint64_t deadline = now_usec() + timeout_usec;

        push_drain(p);
        while (!all_have(p, want)) {
                if (now_usec() >= deadline)
                        return false;
                wait_reports(p, deadline);
        }
        return true;
}

int push_inject(Push *p, uint64_t *ret_t0, uint64_t *ret_rtt) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *observation = p->injected % 2 == 0 ? "locked" : "unlocked";
        uint64_t t0 = now_usec();
        int r;

        r = bench_call_method(p->bus, &reply, BUS_NAME, MANAGER_OBJECT_PATH, SIMULATOR_INTERFACE,
                              "Inject", "sssx", LOCK_SUFFIX, LOCK_CLOCK, observation, (int64_t) 7);
        if (r < 0)
                return r;
        p->injected++;
        if (ret_t0)
                *ret_t0 = t0;
        if (ret_rtt)
                *ret_rtt = now_usec() - t0;
        return 0;
}

int push_run(Push *p, unsigned n, uint64_t timeout_usec, PushRun *ret) {
        uint64_t cpu_start[PUSH_CPU_MAX], t_start;

        *ret = (PushRun) { .sinks = p->sinks->len };
        /* What came before (probes, earlier runs) is not this run's. */
        push_drain(p);
        for (guint i = 0; i < p->sinks->len; i++) {
                Sink *s = p->sinks->pdata[i];

                ret->healthy += s->healthy;
                g_hash_table_remove_all(s->ids);
                s->received = s->duplicates = 0;
        }
        t_start = now_usec();
        for (unsigned i = 0; i < PUSH_CPU_MAX; i++)
                cpu_start[i] = p->cpu_pids[i] > 0 ? bench_cpu_usec(p->cpu_pids[i]) : 0;
        for (unsigned k = 1; k <= n; k++) {
                uint64_t t0, rtt, last = 0, last_group = 0;
                int r = push_inject(p, &t0, &rtt);

                if (r < 0) {
                        ret->error = g_strdup_printf("Inject %u failed: %s", k, strerror(-r));
                        return r;
                }
                samples_add(&ret->inject_rtt, rtt);
                if (!push_wait_ids(p, k, timeout_usec)) {
                        ret->error = g_strdup_printf("event %u of %u did not reach every healthy consumer within "
                                                     "%" PRIu64 " s", k, n, timeout_usec / USEC_PER_SEC);
                        break;
                }
                for (guint i = 0; i < p->sinks->len; i++) {
                        Sink *s = p->sinks->pdata[i];

                        if (!s->healthy)
                                continue;
                        last = MAX(last, s->t_last);
                        if (s->in_group)
                                last_group = MAX(last_group, s->t_last);
                }
                samples_add(&ret->last, last - t0);
                samples_add(&ret->last_group, last_group - t0);
                ret->injections = k;
                /* The last POST's answer and its Ack reach the daemon before the next event leaves. */
                g_usleep(p->gap_usec);
        }
        for (unsigned i = 0; i < PUSH_CPU_MAX; i++)
                if (p->cpu_pids[i] > 0)
                        ret->cpu[i] = (double) (bench_cpu_usec(p->cpu_pids[i]) - cpu_start[i]) /
                                      (double) (now_usec() - t_start);
        push_drain(p);
        for (guint i = 0; i < p->sinks->len; i++) {
                Sink *s = p->sinks->pdata[i];

                if (!s->healthy)
                        continue;
                ret->duplicates += s->duplicates;
                if (g_hash_table_size(s->ids) < ret->injections)
                        ret->missing += ret->injections - g_hash_table_size(s->ids);
        }
        ret->ok = !ret->error && ret->injections == n;
        return ret->ok ? 0 : -ETIMEDOUT;
}
