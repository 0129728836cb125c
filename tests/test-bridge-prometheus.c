/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-http's /metrics as Prometheus sees it: the real bridge on the real
 * daemon, its exposition through `promtool check metrics` (lint included),
 * and a real `prometheus` server scraping it, whose own query API must then
 * give back the values the test caused: the clock's offset and state, and the
 * deliveries to a subscription. Skips (77) where prometheus is not installed
 * (but for daemon-restart, which needs neither). And what a daemon that left
 * the bus knew is not shown as current after it.
 */
#include <json-glib/json-glib.h>
#include <signal.h>
#include <sys/wait.h>

#include "http-harness.h"

#define LOCK_STATE TEST_PREFIX "sync/ptp-status/lock-state"

typedef struct Fixture {
        TestBridgeStack s;
        GPid prometheus;
        char *query_url; /* http://127.0.0.1:<port>/api/v1/query?query= */
} Fixture;

static void setup(Fixture *f, gconstpointer data) {
        test_bridge_stack_start(&f->s, NULL, NULL, NULL);
}

static void teardown(Fixture *f, gconstpointer data) {
        (void) data;
        if (f->prometheus > 0) {
                kill(f->prometheus, SIGTERM);
                g_assert_cmpint(waitpid(f->prometheus, NULL, 0), ==, f->prometheus);
                g_spawn_close_pid(f->prometheus);
        }
        g_free(f->query_url);
        test_bridge_stack_stop(&f->s);
}

/* A lock state with an offset, the OS clock locked (so that the node has a
 * sync-state), a clock class, and one subscription that has had one push delivered. */
static void make_samples(Fixture *f) {
        g_autofree char *endpoint = test_endpoint_uri(f->s.consumer, "event");
        g_autoptr(TestResponse) r = NULL;
        g_autoptr(TestPost) probe = NULL, push = NULL;

        test_inject(f->s.env.client, "sync/sync-status/os-clock-sync-state", "", "locked", 10);
        test_inject(f->s.env.client, "sync/ptp-status/clock-class", "ens1f0", "6", 0);
        test_inject(f->s.env.client, "sync/ptp-status/lock-state", "ens1f0", "locked", 25);
        test_inject(f->s.env.client, "sync/gnss-status/gnss-sync-status", "ens2f0", "SYNCHRONIZED,gpsFix=5", 15);
        r = test_subscribe_v2(f->s.bridge, LOCK_STATE, endpoint);
        g_assert_cmpuint(r->status, ==, 201);
        probe = test_endpoint_pop(f->s.consumer, TEST_TIMEOUT_USEC);
        g_assert_nonnull(probe);
        test_inject(f->s.env.client, "sync/ptp-status/lock-state", "ens1f0", "unlocked", 40);
        push = test_endpoint_pop(f->s.consumer, TEST_TIMEOUT_USEC);
        g_assert_nonnull(push);
}

/* The families the issue names, each with a sample. */
static const char *const families[] = {
        "ptpsync_clock_offset_seconds{", "ptpsync_clock_state{",          "ptpsync_clock_class{",
        "ptpsync_sync_state{",           "ptpsync_http_deliveries_total{", "ptpsync_http_requests_total{",
        "ptpsync_gnss_state{",           "ptpsync_gnss_gps_fix{",          "ptpsync_gnss_offset_seconds{",
};

static bool has_every_family(const char *text) {
        for (size_t i = 0; i < G_N_ELEMENTS(families); i++)
                if (!strstr(text, families[i]))
                        return false;
        return true;
}

/* /metrics once the bridge's state cache has seen make_samples()'s events, which reach it on their own path. */
static char *fetch_metrics(Fixture *f) {
        uint64_t deadline = g_get_monotonic_time() + TEST_TIMEOUT_USEC;

        for (;;) {
                g_autoptr(TestResponse) r = test_http("GET", f->s.bridge->metrics, NULL);

                g_assert_cmpuint(r->status, ==, 200);
                g_assert_true(g_str_has_prefix(r->content_type, "text/plain; version=0.0.4"));
                if (has_every_family(r->body))
                        return g_strdup(r->body);
                if ((uint64_t) g_get_monotonic_time() > deadline)
                        g_error("/metrics still lacks a family the issue names:\n%s", r->body);
                g_usleep(TEST_POLL_USEC);
        }
}

/* /metrics, polled until it does (has true) or does not have needle; fails at the deadline. */
static char *wait_metrics(Fixture *f, const char *needle, bool has) {
        uint64_t deadline = g_get_monotonic_time() + TEST_TIMEOUT_USEC;

        for (;;) {
                g_autoptr(TestResponse) r = test_http("GET", f->s.bridge->metrics, NULL);

                g_assert_cmpuint(r->status, ==, 200);
                if ((strstr(r->body, needle) != NULL) == has)
                        return g_strdup(r->body);
                if ((uint64_t) g_get_monotonic_time() > deadline)
                        g_error("/metrics still %s \"%s\":\n%s", has ? "lacks" : "has", needle, r->body);
                g_usleep(TEST_POLL_USEC);
        }
}

/* The daemon killed and started again without the clocks it had: their series go, the counters stay. */
static void test_daemon_restart(Fixture *f, gconstpointer data) {
        g_autofree char *before = NULL, *gone = NULL, *back = NULL;

        (void) data;
        make_samples(f);
        before = fetch_metrics(f);
        g_assert_nonnull(strstr(before, "clock=\"ens1fx/master\""));
        test_env_daemon_crash_and_restart(&f->s.env);
        gone = wait_metrics(f, "clock=\"ens1fx/master\"", false);
        g_assert_nonnull(strstr(gone, "ptpsync_http_requests_total{"));
        g_assert_null(strstr(gone, "ptpsync_gnss_"));
        test_inject(f->s.env.client, "sync/ptp-status/lock-state", "ens3f0", "locked", 5);
        back = wait_metrics(f, "ptpsync_clock_state{node=\"" TEST_NODE_NAME "\",clock=\"ens3fx/master\",state=\"LOCKED\"} 1",
                            true);
        g_assert_null(strstr(back, "clock=\"ens1fx/master\""));
}

/* ---- promtool ---- */

static void test_promtool_accepts_live_metrics(Fixture *f, gconstpointer data) {
        g_autofree char *promtool = g_find_program_in_path("promtool");
        g_autofree char *text = NULL, *out = NULL, *err = NULL, *path = NULL;
        g_autofree char *command = NULL;
        g_autoptr(GError) error = NULL;
        int status = -1;

        (void) data;
        if (!promtool) {
                g_test_skip("promtool is not installed (Debian package prometheus)");
                return;
        }
        make_samples(f);
        text = fetch_metrics(f);

        path = test_bus_write_file(f->s.env.bus, "metrics.txt", text);
        command = g_strdup_printf("sh -c '%s check metrics < %s'", promtool, path);
        g_assert_true(g_spawn_command_line_sync(command, &out, &err, &status, &error));
        g_assert_no_error(error);
        if (!g_spawn_check_wait_status(status, NULL) || *out || *err)
                g_error("promtool check metrics complained:\n%s%s\non:\n%s", out, err, text);
}

/* ---- a real Prometheus server ---- */

static void start_prometheus(Fixture *f, const char *prometheus) {
        unsigned port = test_free_port(), bridge_port = f->s.bridge->v2_port;
        g_autofree char *config = g_strdup_printf("global:\n"
                                                  "  scrape_interval: 1s\n"
                                                  "  scrape_timeout: 1s\n"
                                                  "scrape_configs:\n"
                                                  "  - job_name: ptpsync-http\n"
                                                  "    static_configs:\n"
                                                  "      - targets: ['127.0.0.1:%u']\n",
                                                  bridge_port);
        g_autofree char *config_path = test_bus_write_file(f->s.env.bus, "prometheus.yml", config);
        g_autofree char *config_arg = g_strconcat("--config.file=", config_path, NULL);
        g_autofree char *storage_arg = g_strdup_printf("--storage.tsdb.path=%s/prometheus-data", f->s.env.bus->dir);
        g_autofree char *listen_arg = g_strdup_printf("--web.listen-address=127.0.0.1:%u", port);
        g_autofree char *log_path = g_strdup_printf("%s/prometheus.log", f->s.env.bus->dir);
        g_autofree char *command = g_strdup_printf("exec '%s' '%s' '%s' '%s' >'%s' 2>&1", prometheus, config_arg,
                                                   storage_arg, listen_arg, log_path);
        const char *argv[] = { "/bin/sh", "-c", command, NULL };
        g_autoptr(GError) error = NULL;

        g_assert_true(g_spawn_async(NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                    &f->prometheus, &error));
        g_assert_no_error(error);
        f->query_url = g_strdup_printf("http://127.0.0.1:%u/api/v1/query?query=", port);
}

/* The value of the first series Prometheus answers to query, or NULL (g_free). */
static char *query_value(Fixture *f, const char *query) {
        g_autofree char *escaped = g_uri_escape_string(query, NULL, FALSE);
        g_autofree char *url = g_strconcat(f->query_url, escaped, NULL);
        g_autoptr(TestResponse) r = test_http("GET", url, NULL);
        g_autoptr(JsonParser) parser = json_parser_new();
        JsonObject *data;
        JsonArray *result, *value;

        if (r->status != 200 || !json_parser_load_from_data(parser, r->body, -1, NULL))
                return NULL;
        data = json_object_get_object_member(json_node_get_object(json_parser_get_root(parser)), "data");
        result = json_object_get_array_member(data, "result");
        if (json_array_get_length(result) == 0)
                return NULL;
        value = json_object_get_array_member(json_array_get_object_element(result, 0), "value");
        return g_strdup(json_array_get_string_element(value, 1));
}

/* Asks Prometheus until query's value is expected, or the deadline; the last value (g_free). */
static char *wait_for_value(Fixture *f, const char *query, const char *expected) {
        uint64_t deadline = g_get_monotonic_time() + TEST_TIMEOUT_USEC;

        for (;;) {
                g_autofree char *value = query_value(f, query);

                if (g_strcmp0(value, expected) == 0 || (uint64_t) g_get_monotonic_time() > deadline)
                        return g_steal_pointer(&value);
                g_usleep(100 * 1000); /* Prometheus scrapes once a second: polling, not a wait for time */
        }
}

static void test_prometheus_scrapes(Fixture *f, gconstpointer data) {
        g_autofree char *prometheus = g_find_program_in_path("prometheus");
        g_autofree char *up = NULL, *offset = NULL, *holdover = NULL, *delivered = NULL, *gps_fix = NULL;

        (void) data;
        if (!prometheus) {
                g_test_skip("prometheus is not installed (Debian package prometheus)");
                return;
        }
        make_samples(f);
        start_prometheus(f, prometheus);

        up = wait_for_value(f, "up{job=\"ptpsync-http\"}", "1");
        g_assert_cmpstr(up, ==, "1");
        /* The last push: unlocked (HOLDOVER) at 40 ns, on ens1f0 named as linuxptp-daemon does. */
        offset = wait_for_value(f, "ptpsync_clock_offset_seconds{clock=\"ens1fx/master\"}", "4e-08");
        g_assert_cmpstr(offset, ==, "4e-08");
        holdover = wait_for_value(f, "ptpsync_clock_state{clock=\"ens1fx/master\",state=\"HOLDOVER\"}", "1");
        g_assert_cmpstr(holdover, ==, "1");
        delivered = wait_for_value(f, "sum(ptpsync_http_deliveries_total{result=\"delivered\"})", "1");
        g_assert_cmpstr(delivered, ==, "1");
        gps_fix = wait_for_value(f, "ptpsync_gnss_gps_fix{clock=\"ens2fx/master\"}", "5");
        g_assert_cmpstr(gps_fix, ==, "5");
}

int main(int argc, char *argv[]) {
        test_http_reexec(argv);
        g_test_init(&argc, &argv, NULL);
        g_test_add("/bridge/prometheus/promtool", Fixture, NULL, setup, test_promtool_accepts_live_metrics, teardown);
        g_test_add("/bridge/prometheus/scrape", Fixture, NULL, setup, test_prometheus_scrapes, teardown);
        g_test_add("/bridge/prometheus/daemon-restart", Fixture, NULL, setup, test_daemon_restart, teardown);
        return g_test_run();
}
