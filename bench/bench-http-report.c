/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ptpsync-http-bench's table and goals, on stdout. */
#include <inttypes.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <time.h>

#include "bench-http.h"

const unsigned http_bench_conns[HTTP_BENCH_CONNS] = { 1, 10, 100 };

void http_bench_results_done(HttpBenchResults *r) {
        for (unsigned i = 0; i < HTTP_BENCH_CONNS; i++) {
                wrk_result_done(&r->bridge[i]);
                wrk_result_done(&r->bare[i]);
        }
        wrk_result_done(&r->consumer_1);
        wrk_result_done(&r->consumer_100);
        push_run_done(&r->one);
        push_run_done(&r->hundred);
        push_run_done(&r->troubled);
        g_free(r->bridge_path);
        g_free(r->daemon_path);
        g_free(r->wrk_version);
        g_free(r->captured_headers);
}

static void print_header(const HttpBenchResults *r) {
        g_autofree char *load = NULL;
        char date[64];
        time_t t = time(NULL);
        struct utsname u;

        strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&t));
        if (g_file_get_contents("/proc/loadavg", &load, NULL, NULL))
                g_strchomp(load);
        (void) uname(&u);
        printf("ptpsync-http-bench: %s, %ld cores, Linux %s, load %s, took %" PRIu64 " s\n", date,
               sysconf(_SC_NPROCESSORS_ONLN), u.release, load ?: "?", (now_usec() - r->started_usec) / USEC_PER_SEC);
        printf("bridge %s, daemon %s\n", r->bridge_path, r->daemon_path);
        printf("libsoup %u.%u.%u, GLib %u.%u.%u, %s\n", soup_get_major_version(), soup_get_minor_version(),
               soup_get_micro_version(), glib_major_version, glib_minor_version, glib_micro_version,
               r->wrk_version);
}

static void print_wrk(const char *what, unsigned conns, const WrkResult *w, const char *extra) {
        if (!w->ok) {
                printf("%5u  %-22s  failed: %s\n", conns, what, w->error ?: "not run");
                return;
        }
        printf("%5u  %-22s %9.0f %9.2f %9.2f %7.2f %8" PRIu64 "%s\n", conns, what, w->requests_per_sec,
               w->p50_usec / 1e3, w->p99_usec / 1e3, w->server_cpu, w->errors, extra ?: "");
}

static void print_current_state(const HttpBenchResults *r) {
        printf("\nGET .../v2%s (%zu bytes; headers %s)\n", "/cluster/node/" BENCH_NODE "/" BENCH_SUFFIX "/CurrentState",
               r->body_bytes, r->captured_headers ?: "?");
        printf("wrk -t1 -cN -d%us --latency, the bridge and the bare libsoup server taken in turns\n", r->seconds);
        printf("conns  server                     req/s   p50 ms    p99 ms  CPU    errors\n");
        printf("----------------------------------------------------------------------------\n");
        for (unsigned i = 0; i < HTTP_BENCH_CONNS; i++) {
                g_autofree char *ratio = NULL;

                if (r->bridge[i].ok && r->bare[i].ok)
                        ratio = g_strdup_printf("   bridge/bare %.0f %%",
                                                100.0 * r->bridge[i].requests_per_sec / r->bare[i].requests_per_sec);
                print_wrk("ptpsync-http", http_bench_conns[i], &r->bridge[i], ratio);
                print_wrk("bare libsoup", http_bench_conns[i], &r->bare[i], NULL);
        }
        printf("(CPU: the server's CPU time over the run's wall time, 1.00 = one core)\n");
        printf("\nThe consumer alone (wrk POST of that event to one socket of a consumer process)\n");
        print_wrk("consumer", 1, &r->consumer_1, NULL);
        print_wrk("consumer", 100, &r->consumer_100, NULL);
}

static void print_push(const char *what, PushRun *p, bool group) {
        Samples *s = group ? &p->last_group : &p->last;

        printf("%-44s %4u %7" PRIu64 " %7" PRIu64 " %8" PRIu64 " | %6" PRIu64 " %6" PRIu64 " | %.2f/%.2f/%.2f/%.2f%s%s\n",
               what, p->injections, samples_percentile(s, 50), samples_percentile(s, 99), samples_percentile(s, 100),
               samples_percentile(&p->inject_rtt, 50), samples_percentile(&p->inject_rtt, 99), p->cpu[PUSH_CPU_BUS],
               p->cpu[PUSH_CPU_DAEMON], p->cpu[PUSH_CPU_BRIDGE], p->cpu[PUSH_CPU_CONSUMER], p->ok ? "" : " ",
               p->ok ? "" : p->error ?: "incomplete");
}

static void print_pushes(HttpBenchResults *r) {
        printf("\nSimulator.Inject -> POST received, one event at a time (%u per run, 5 ms after the last receipt)\n",
               r->injections);
        printf("                                             events  p50 µs  p99 µs   max µs | Inject p50/p99 µs | CPU "
               "bus/daemon/bridge/consumer\n");
        printf("---------------------------------------------------------------------------------------------------"
               "-----------------------------\n");
        print_push("1 consumer", &r->one, false);
        print_push("100 consumers: the last of 100", &r->hundred, false);
        print_push("100 consumers: the last of the 98", &r->hundred, true);
        print_push("98 + 1 stopped + 1 slow (5 s): last of 98", &r->troubled, true);
        printf("Delivery to the healthy consumers: missing/duplicates 1: %" PRIu64 "/%" PRIu64 ", 100: %" PRIu64
               "/%" PRIu64 ", 98 + 2: %" PRIu64 "/%" PRIu64 "\n",
               r->one.missing, r->one.duplicates, r->hundred.missing, r->hundred.duplicates, r->troubled.missing,
               r->troubled.duplicates);
        printf("Subscriptions (GET /subscriptions) before/after the troubled run: %d/%d; meanwhile the stopped one "
               "received %" PRIu64 " POSTs, the slow one %" PRIu64 " (retries included)\n",
               r->subs_before, r->subs_after, r->stopped_received, r->slow_received);
}

static const char *verdict(bool met) {
        return met ? "met" : "MISSED";
}

bool http_bench_report(HttpBenchResults *r) {
        const WrkResult *b100 = &r->bridge[HTTP_BENCH_CONNS - 1];
        bool complete = true, ratio_met = true;
        double per_sub = 0;
        uint64_t p99_98 = samples_percentile(&r->hundred.last_group, 99);
        uint64_t p99_troubled = samples_percentile(&r->troubled.last_group, 99);

        print_header(r);
        print_current_state(r);
        print_pushes(r);
        if (r->rss_ok)
                per_sub = ((double) r->rss_many_kib - (double) r->rss_zero_kib) / r->rss_subscriptions;
        printf("\nRSS of the bridge: idle %" PRIu64 " KiB; %" PRIu64 " KiB with 0 and %" PRIu64
               " KiB with %u subscriptions: %.2f KiB per subscription\n",
               r->rss_idle_kib, r->rss_zero_kib, r->rss_many_kib, r->rss_subscriptions, per_sub);

        printf("\nGoals:\n");
        printf("  CurrentState: bridge >= 50%% of bare's req/s:");
        for (unsigned i = 0; i < HTTP_BENCH_CONNS; i++) {
                double ratio = r->bridge[i].ok && r->bare[i].ok
                        ? r->bridge[i].requests_per_sec / r->bare[i].requests_per_sec : 0;

                complete &= r->bridge[i].ok && r->bare[i].ok;
                ratio_met &= ratio >= 0.5;
                printf(" %u: %.0f%%", http_bench_conns[i], 100 * ratio);
        }
        printf(" -- %s\n", verdict(ratio_met));
        printf("  CurrentState p99 at 100 connections <= 10 ms: %.2f ms -- %s\n", b100->p99_usec / 1e3,
               verdict(b100->ok && b100->p99_usec <= 10000));
        printf("  Inject -> POST, one consumer, p99 <= 1.5 ms: %.2f ms -- %s\n",
               samples_percentile(&r->one.last, 99) / 1e3,
               verdict(r->one.ok && samples_percentile(&r->one.last, 99) <= 1500));
        printf("  Inject -> POST, the last of 100 consumers, p99 <= 10 ms: %.2f ms -- %s\n",
               samples_percentile(&r->hundred.last, 99) / 1e3,
               verdict(r->hundred.ok && samples_percentile(&r->hundred.last, 99) <= 10000));
        printf("  One stopped, one slow: the others' p99 moves <= 10%%: %.2f -> %.2f ms (%+.0f%%), nothing lost "
               "(%" PRIu64 " missing, %" PRIu64 " duplicates), no subscription deleted (%d -> %d) -- %s\n",
               p99_98 / 1e3, p99_troubled / 1e3, p99_98 ? 100.0 * ((double) p99_troubled / p99_98 - 1) : 0,
               r->troubled.missing, r->troubled.duplicates, r->subs_before, r->subs_after,
               verdict(r->troubled.ok && p99_troubled <= p99_98 * 1.1 && r->troubled.missing == 0 &&
                       r->troubled.duplicates == 0 && r->subs_before == r->subs_after && r->subs_before > 0));
        printf("  Idle RSS <= 10 MB: %.1f MB -- %s\n", r->rss_idle_kib / 1024.0,
               verdict(r->rss_idle_kib > 0 && r->rss_idle_kib <= 10 * 1024));
        printf("  RSS per subscription <= 8 KiB: %.2f KiB -- %s\n", per_sub, verdict(r->rss_ok && per_sub <= 8));

        complete &= r->consumer_1.ok && r->consumer_100.ok && r->one.ok && r->hundred.ok && r->troubled.ok &&
                r->rss_ok;
        printf("\n%s\n", complete ? "Every run completed." : "Some runs did not complete (see above and stderr).");
        return complete;
}
