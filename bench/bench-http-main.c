/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-http-bench: options and the order of the runs (see bench/README.md).
 * RSS first, on a bridge that has done nothing yet; then CurrentState with
 * wrk against the bridge and the bare server in turns; the consumer alone;
 * then Inject -> POST with 1, 100, and 100 consumers of which one is stopped
 * and one slow.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench-http.h"

#define PUSH_TIMEOUT_USEC (10 * USEC_PER_SEC)
#define HEALTHY 98 /* of the 100 consumers, those that stay healthy in the troubled run */
#define CURRENT_STATE "/cluster/node/" BENCH_NODE "/" BENCH_SUFFIX "/CurrentState"

typedef struct Options {
        const char *daemon, *bridge, *consumer, *bare, *state_root;
        unsigned seconds, injections, rss_subscriptions;
        bool content_length;
} Options;

typedef struct HttpRig {
        BenchBus bus;
        BenchDaemon daemon;
        Bridge bridge;
        Consumer a, b, c; /* 98 sockets, the one to be stopped, the one to be slow */
        Child bare;
        Push push;
        char *body_path;
} HttpRig;

static void usage(FILE *f) {
        fprintf(f,
                "Usage: ptpsync-http-bench [OPTIONS]\n"
                "The benchmark of ptpsync-http, the O-RAN REST bridge: CurrentState with wrk against the bridge\n"
                "and a bare libsoup server, Simulator.Inject -> POST received by 1 and 100 consumers (also with\n"
                "one stopped and one slow), and RSS. Needs root and dbus-daemon and wrk in $PATH. Progress on\n"
                "stderr, the table on stdout; exit status 0 when every run completed, goals met or not.\n\n"
                "  --quick                    2 s wrk runs, 50 events per Inject run, 200 subscriptions for RSS\n"
                "  --seconds=S                each wrk run (default 5)\n"
                "  --injections=N             events per Inject -> POST run (default 300)\n"
                "  --rss-subscriptions=N      subscriptions made for the RSS per subscription (default 1000)\n"
                "  --daemon=PATH              ptpsyncd (default: this build's)\n"
                "  --bridge=PATH              ptpsync-http (default: this build's)\n"
                "  --consumer-content-length  consumers answer 204 with Content-Length: 0 (default: none, as Go)\n"
                "  --state-root=DIR           the daemon's state directory in DIR (/dev/shm: no real fdatasync)\n"
                "  -h, --help                 this text\n"
                "PTPSYNC_BENCH_KEEP=1 keeps the temporary directory with every log. See bench/README.md.\n");
}

static int parse_options(int argc, char *argv[], Options *o) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "quick", no_argument, NULL, 'q' },
                { "seconds", required_argument, NULL, 's' },
                { "injections", required_argument, NULL, 'i' },
                { "rss-subscriptions", required_argument, NULL, 'r' },
                { "daemon", required_argument, NULL, 'd' },
                { "bridge", required_argument, NULL, 'b' },
                { "state-root", required_argument, NULL, 'S' },
                { "consumer-content-length", no_argument, NULL, 'L' },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        usage(stdout);
                        return 0;
                case 'q':
                        o->seconds = 2;
                        o->injections = 50;
                        o->rss_subscriptions = 200;
                        break;
                case 's':
                        o->seconds = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'i':
                        o->injections = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'r':
                        o->rss_subscriptions = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'd':
                        o->daemon = optarg;
                        break;
                case 'b':
                        o->bridge = optarg;
                        break;
                case 'S':
                        o->state_root = optarg;
                        break;
                case 'L':
                        o->content_length = true;
                        break;
                default:
                        usage(stderr);
                        return -EINVAL;
                }
        if (optind < argc || o->seconds == 0 || o->injections == 0 || o->rss_subscriptions == 0 ||
            o->rss_subscriptions > 10000) {
                usage(stderr);
                return -EINVAL;
        }
        return 1;
}

static char *endpoint(Consumer *c, unsigned index, const char *path) {
        return g_strdup_printf("http://127.0.0.1:%u/%s", c->ports[index], path);
}

/* ---- RSS: idle, then with many subscriptions ---- */

static void settle(HttpRig *rig) {
        /* The last answers go out, and the consumers' reports are read. */
        g_usleep(500 * USEC_PER_MSEC);
        push_drain(&rig->push);
}

/* The daemon's Manager.SubscriptionCount, -1 if it cannot be read. */
static int daemon_subscription_count(HttpRig *rig) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        uint32_t n = 0;

        if (sd_bus_get_property_trivial(rig->bus.control, BUS_NAME, MANAGER_OBJECT_PATH,
                                        MANAGER_INTERFACE, "SubscriptionCount", &error, 'u', &n) < 0)
                return -1;
        return (int) n;
}

static int run_rss(HttpRig *rig, const Options *o, HttpBenchResults *res) {
        unsigned status;
        int own; /* the daemon's subscriptions before: the bridge's own, for its state cache */

        settle(rig);
        own = daemon_subscription_count(rig);
        res->rss_idle_kib = child_rss_kib(rig->bridge.child.pid);
        bench_log("RSS: idle %" PRIu64 " KiB; making %u subscriptions", res->rss_idle_kib, o->rss_subscriptions);
        for (unsigned i = 0; i < o->rss_subscriptions; i++) {
                g_autofree char *path = g_strdup_printf("rss/%u", i);
                g_autofree char *uri = endpoint(&rig->a, i % rig->a.n, path);

                if (!http_subscribe(rig->bridge.base, uri))
                        return -EIO;
                if (i % 50 == 0)
                        push_drain(&rig->push);
        }
        settle(rig);
        res->rss_many_kib = child_rss_kib(rig->bridge.child.pid);
        res->rss_subscriptions = (unsigned) MAX(http_count_subscriptions(rig->bridge.base), 0);
        res->rss_zero_kib = res->rss_idle_kib;
        res->rss_ok = res->rss_subscriptions == o->rss_subscriptions;
        /* One by one: before 4b0da7d, DELETE /subscriptions sent every Cancel at once, and past the bus's 128
         * pending replies per connection the daemon kept some that the bridge forgot (RESULTS.md). */
        if (http_delete_all(rig->bridge.base, false, &status) < 0)
                return -EIO;
        settle(rig);
        /* The daemon's count follows its commits: asked again for a while, bounded. */
        for (unsigned i = 0; i < 100 && daemon_subscription_count(rig) != own; i++)
                g_usleep(20 * USEC_PER_MSEC);
        if (http_count_subscriptions(rig->bridge.base) != 0 || daemon_subscription_count(rig) != own) {
                bench_log("The RSS run's subscriptions could not all be deleted: %d listed, ptpsyncd holds %d "
                          "(%d before).", http_count_subscriptions(rig->bridge.base), daemon_subscription_count(rig),
                          own);
                return -EIO;
        }
        return 0;
}

/* ---- CurrentState: the capture, the bare server, wrk ---- */

static bool header_is_libsoups(const char *line) {
        /* What a SoupServer writes by itself; the rest is copied to the bare server. */
        static const char *const own[] = { "Date:", "Content-Length:", "Content-Type:", "Connection:",
                                           "Keep-Alive:" };

        for (size_t i = 0; i < G_N_ELEMENTS(own); i++)
                if (g_ascii_strncasecmp(line, own[i], strlen(own[i])) == 0)
                        return true;
        return false;
}

static char *header_names(const HttpReply *r) {
        g_autoptr(GString) s = g_string_new(NULL);

        for (guint i = 0; i < r->headers->len; i++) {
                const char *h = r->headers->pdata[i];

                g_string_append_printf(s, "%s%.*s", i ? ", " : "", (int) (strchr(h, ':') - h), h);
        }
        return g_string_free(g_steal_pointer(&s), false);
}

static int start_bare(HttpRig *rig, const Options *o, HttpBenchResults *res, char **ret_url) {
        g_autofree char *url = g_strconcat(rig->bridge.base, CURRENT_STATE, NULL);
        g_autoptr(HttpReply) captured = http_request("GET", url, NULL);
        g_autoptr(HttpReply) check = NULL;
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *log_path = g_build_filename(rig->bus.dir, "bare.log", NULL);
        g_autofree char *names = NULL, *bare_names = NULL;
        unsigned port = free_port();
        uint64_t deadline = now_usec() + 10 * USEC_PER_SEC;

        if (captured->status != 200) {
                bench_log("GET %s: status %u, not 200", url, captured->status);
                return -EIO;
        }
        rig->body_path = g_build_filename(rig->bus.dir, "current-state.json", NULL);
        if (!g_file_set_contents(rig->body_path, g_bytes_get_data(captured->body, NULL),
                                 (gssize) g_bytes_get_size(captured->body), NULL))
                return -EIO;
        res->body_bytes = g_bytes_get_size(captured->body);
        names = header_names(captured);
        g_ptr_array_add(argv, g_strdup(o->bare));
        g_ptr_array_add(argv, g_strdup_printf("--port=%u", port));
        g_ptr_array_add(argv, g_strdup_printf("--body=%s", rig->body_path));
        if (captured->content_type)
                g_ptr_array_add(argv, g_strdup_printf("--content-type=%s", captured->content_type));
        for (guint i = 0; i < captured->headers->len; i++)
                if (!header_is_libsoups(captured->headers->pdata[i]))
                        g_ptr_array_add(argv, g_strdup_printf("--header=%s", (char *) captured->headers->pdata[i]));
        g_ptr_array_add(argv, NULL);
        if (child_spawn(&rig->bare, (char **) argv->pdata, log_path, false) < 0)
                return -EIO;
        *ret_url = g_strdup_printf("http://127.0.0.1:%u/api/ocloudNotifications/v2" CURRENT_STATE, port);
        do {
                g_clear_pointer(&check, http_reply_free);
                check = http_request("GET", *ret_url, NULL);
                if (check->status == 0)
                        /* Not listening yet: asked again shortly, bounded by the deadline. */
                        g_usleep(20 * USEC_PER_MSEC);
        } while (check->status == 0 && now_usec() < deadline);
        bare_names = header_names(check);
        if (check->status != 200 || g_bytes_get_size(check->body) != res->body_bytes ||
            !g_str_equal(names, bare_names)) {
                bench_log("The bare server does not answer as the bridge: %u, %zu bytes, headers %s (the bridge: "
                          "%zu bytes, %s)", check->status, g_bytes_get_size(check->body), bare_names,
                          res->body_bytes, names);
                return -EIO;
        }
        res->captured_headers = g_steal_pointer(&names);
        bench_log("CurrentState captured: %zu bytes, headers %s; the bare server answers the same on port %u",
                  res->body_bytes, res->captured_headers, port);
        return 0;
}

static int run_current_state(HttpRig *rig, const Options *o, HttpBenchResults *res) {
        g_autofree char *bridge_url = g_strconcat(rig->bridge.base, CURRENT_STATE, NULL);
        g_autofree char *bare_url = NULL;
        int r;

        r = start_bare(rig, o, res, &bare_url);
        if (r < 0)
                return r;
        /* In turns, so that both see the same moments of this shared machine. */
        for (unsigned i = 0; i < HTTP_BENCH_CONNS; i++) {
                unsigned c = http_bench_conns[i];

                bench_log("wrk -c%u -d%us: the bridge, then the bare server", c, o->seconds);
                if (wrk_run(bridge_url, c, o->seconds, NULL, rig->bridge.child.pid, NULL, &res->bridge[i]) < 0)
                        bench_log("wrk against the bridge: %s", res->bridge[i].error);
                if (wrk_run(bare_url, c, o->seconds, NULL, rig->bare.pid, NULL, &res->bare[i]) < 0)
                        bench_log("wrk against the bare server: %s", res->bare[i].error);
        }
        child_stop(&rig->bare);
        return 0;
}

/* ---- the consumer alone: wrk POSTs the captured event to one of its own ---- */

static int run_consumer_alone(HttpRig *rig, const Options *o, HttpBenchResults *res) {
        g_autofree char *script_path = g_build_filename(rig->bus.dir, "post.lua", NULL);
        g_autofree char *body = NULL, *escaped = NULL, *script = NULL, *url = NULL;
        Consumer d;
        int r;

        if (!g_file_get_contents(rig->body_path, &body, NULL, NULL))
                return -EIO;
        escaped = g_strescape(body, NULL);
        script = g_strdup_printf("wrk.method = \"POST\"\nwrk.body = \"%s\"\n"
                                 "wrk.headers[\"Content-Type\"] = \"application/json\"\n", escaped);
        if (!g_file_set_contents(script_path, script, -1, NULL))
                return -EIO;
        r = consumer_start(&d, o->consumer, rig->bus.dir, "consumer-alone", 1, o->content_length);
        if (r < 0)
                return r;
        url = endpoint(&d, 0, "event");
        bench_log("wrk POST against one consumer alone, 1 and 100 connections");
        if (wrk_run(url, 1, o->seconds, script_path, d.child.pid, &d.child, &res->consumer_1) < 0)
                bench_log("wrk against the consumer: %s", res->consumer_1.error);
        if (wrk_run(url, 100, o->seconds, script_path, d.child.pid, &d.child, &res->consumer_100) < 0)
                bench_log("wrk against the consumer: %s", res->consumer_100.error);
        consumer_stop(&d);
        return 0;
}

/* ---- Inject -> POST ---- */

static int subscribe_sink(HttpRig *rig, Consumer *c, unsigned index, bool in_group) {
        g_autofree char *uri = endpoint(c, index, "event");
        Sink *s;

        if (!http_subscribe(rig->bridge.base, uri))
                return -EIO;
        s = push_add_sink(&rig->push, c, index);
        s->in_group = in_group;
        return 0;
}

static void warm_up(HttpRig *rig) {
        PushRun w;

        (void) push_run(&rig->push, 3, PUSH_TIMEOUT_USEC, &w);
        push_run_done(&w);
}

static int run_push(HttpRig *rig, const Options *o, HttpBenchResults *res) {
        Sink *stopped, *slow;

        if (subscribe_sink(rig, &rig->a, 0, true) < 0)
                return -EIO;
        bench_log("Inject -> POST, one consumer: %u events", o->injections);
        warm_up(rig);
        if (push_run(&rig->push, o->injections, PUSH_TIMEOUT_USEC, &res->one) < 0)
                bench_log("%s", res->one.error);

        for (unsigned i = 1; i < HEALTHY; i++)
                if (subscribe_sink(rig, &rig->a, i, true) < 0)
                        return -EIO;
        if (subscribe_sink(rig, &rig->b, 0, false) < 0 || subscribe_sink(rig, &rig->c, 0, false) < 0)
                return -EIO;
        stopped = rig->push.sinks->pdata[HEALTHY];
        slow = rig->push.sinks->pdata[HEALTHY + 1];
        bench_log("Inject -> POST, 100 consumers: %u events", o->injections);
        warm_up(rig);
        if (push_run(&rig->push, o->injections, PUSH_TIMEOUT_USEC, &res->hundred) < 0)
                bench_log("%s", res->hundred.error);

        bench_log("Inject -> POST, 100 consumers, one stopped, one answering after 5 s: %u events",
                  o->injections);
        res->subs_before = http_count_subscriptions(rig->bridge.base);
        (void) kill(rig->b.child.pid, SIGSTOP);
        (void) kill(rig->c.child.pid, SIGUSR1);
        stopped->healthy = slow->healthy = false;
        if (push_run(&rig->push, o->injections, PUSH_TIMEOUT_USEC, &res->troubled) < 0)
                bench_log("%s", res->troubled.error);
        res->subs_after = http_count_subscriptions(rig->bridge.base);
        res->stopped_received = stopped->received;
        res->slow_received = slow->received;
        (void) kill(rig->b.child.pid, SIGCONT);
        (void) kill(rig->c.child.pid, SIGUSR1);
        return 0;
}

/* ---- set-up and the whole run ---- */

static int rig_start(HttpRig *rig, const Options *o) {
        int r;

        r = bench_bus_start(&rig->bus, o->state_root);
        if (r >= 0)
                r = bench_daemon_start(&rig->daemon, &rig->bus, o->daemon);
        if (r < 0)
                return r;
        push_init(&rig->push, rig->bus.control);
        if (consumer_start(&rig->a, o->consumer, rig->bus.dir, "consumer-a", HEALTHY, o->content_length) < 0 ||
            consumer_start(&rig->b, o->consumer, rig->bus.dir, "consumer-stopped", 1, o->content_length) < 0 ||
            consumer_start(&rig->c, o->consumer, rig->bus.dir, "consumer-slow", 1, o->content_length) < 0)
                return -EIO;
        push_add_consumer(&rig->push, &rig->a);
        push_add_consumer(&rig->push, &rig->b);
        push_add_consumer(&rig->push, &rig->c);
        /* CurrentState has data, and the probes carry it. */
        for (unsigned i = 0; i < 2; i++)
                if (push_inject(&rig->push, NULL, NULL) < 0)
                        return -EIO;
        r = bridge_start(&rig->bridge, o->bridge, &rig->bus, o->rss_subscriptions + 2 * HEALTHY);
        if (r < 0)
                return r;
        rig->push.cpu_pids[PUSH_CPU_BUS] = rig->bus.pid;
        rig->push.cpu_pids[PUSH_CPU_DAEMON] = rig->daemon.pid;
        rig->push.cpu_pids[PUSH_CPU_BRIDGE] = rig->bridge.child.pid;
        rig->push.cpu_pids[PUSH_CPU_CONSUMER] = rig->a.child.pid;
        return 0;
}

static void rig_stop(HttpRig *rig) {
        bridge_stop(&rig->bridge);
        child_stop(&rig->bare);
        consumer_stop(&rig->a);
        consumer_stop(&rig->b);
        consumer_stop(&rig->c);
        push_done(&rig->push);
        bench_daemon_stop(&rig->daemon);
        bench_bus_stop(&rig->bus);
        http_client_done();
        g_free(rig->body_path);
}

int main(int argc, char *argv[]) {
        Options o = {
                .daemon = PTPSYNCD_DEFAULT,
                .bridge = PTPSYNC_HTTP_DEFAULT,
                .consumer = CONSUMER_DEFAULT,
                .bare = BARE_DEFAULT,
                .seconds = 5,
                .injections = 300,
                .rss_subscriptions = 1000,
        };
        HttpBenchResults res = {};
        HttpRig rig = { .daemon = BENCH_DAEMON_NULL, .bridge.child = CHILD_NULL, .bare = CHILD_NULL };
        bool complete;
        int r;

        r = parse_options(argc, argv, &o);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        if (geteuid() != 0) {
                fprintf(stderr, "ptpsync-http-bench: needs root (Simulator.Inject is root's).\n");
                return 1;
        }
        bench_handle_signals();
        (void) bench_raise_fd_limit();
        res.started_usec = now_usec();
        res.bridge_path = g_strdup(o.bridge);
        res.daemon_path = g_strdup(o.daemon);
        res.wrk_version = wrk_version();
        res.seconds = o.seconds;
        res.injections = o.injections;

        r = rig_start(&rig, &o);
        if (r >= 0)
                r = run_rss(&rig, &o, &res);
        if (r >= 0)
                r = run_current_state(&rig, &o, &res);
        if (r >= 0)
                r = run_consumer_alone(&rig, &o, &res);
        if (r >= 0)
                r = run_push(&rig, &o, &res);
        if (r < 0)
                bench_log("A set-up step failed (%s); the table shows what was measured. The logs are in %s "
                          "with PTPSYNC_BENCH_KEEP=1.", strerror(-r), rig.bus.dir);
        rig_stop(&rig);
        complete = http_bench_report(&res) && r >= 0;
        http_bench_results_done(&res);
        return complete ? 0 : 1;
}
