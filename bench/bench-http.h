/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-http-bench: the bridge's benchmark (see bench/README.md).
 *
 * On the private bus and ptpsyncd of bench-bus.c, it starts ptpsync-http,
 * its consumers (ptpsync-http-bench-consumer: N listening sockets in one
 * process, one line on its stdout per request) and a bare libsoup server
 * (ptpsync-http-bench-bare), and measures CurrentState with wrk, Inject ->
 * POST received, the same with a stopped and a slow consumer, and RSS.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bench.h"

/* --- bench-http-procs.c: children ------------------------------------------------------------ */

typedef struct Child {
        pid_t pid;
        int out_fd;       /* its stdout, when read by us; else -1 */
        GString *partial; /* an unfinished last line */
        char *log_path;   /* its stderr (and stdout when not read) */
} Child;

#define CHILD_NULL { .pid = 0, .out_fd = -1 }

/* Starts argv[0] with stderr to log_path; stdout piped to us if read_stdout, else to the log too. */
int child_spawn(Child *c, char *const argv[], const char *log_path, bool read_stdout);
/* SIGTERM (SIGCONT first: it may be stopped), reap, SIGKILL past a deadline. */
void child_stop(Child *c);
/* Complete lines of its stdout read so far without waiting; each passed to on_line. */
void child_read_lines(Child *c, void (*on_line)(const char *line, void *userdata), void *userdata);
/* VmRSS in KiB, 0 if unreadable. */
uint64_t child_rss_kib(pid_t pid);

/* A consumer process: n listening sockets, their ports; its stdout (a line per request) is ours to read. */
typedef struct Consumer {
        Child child;
        unsigned n;
        unsigned *ports;
} Consumer;

/* content_length: the consumer answers "Content-Length: 0" (see bench-http-consumer.c). */
int consumer_start(Consumer *c, const char *path, const char *dir, const char *name, unsigned n,
                   bool content_length);
void consumer_stop(Consumer *c);

/* The bridge under test: the v2 API on a free port, v1 off, [Limits] Subscriptions= raised. */
typedef struct Bridge {
        Child child;
        unsigned port;
        char *base; /* http://127.0.0.1:PORT/api/ocloudNotifications/v2 */
} Bridge;

int bridge_start(Bridge *b, const char *path, BenchBus *bus, unsigned max_subscriptions);
void bridge_stop(Bridge *b);

unsigned free_port(void);

/* --- bench-http-client.c: control requests (libsoup, synchronous) ---------------------------- */

typedef struct HttpReply {
        unsigned status;
        GBytes *body;
        char *content_type;
        GPtrArray *headers; /* "Name: value" of the answer, as sent */
} HttpReply;

void http_reply_free(HttpReply *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HttpReply, http_reply_free)

/* One request on the shared keep-alive session; status 0 if it failed. body NULL: none. */
HttpReply *http_request(const char *method, const char *url, const char *body);
/* POST base/subscriptions for BENCH_ADDRESS to endpoint; true on 201. */
bool http_subscribe(const char *base, const char *endpoint);
/* The number of subscriptions GET base/subscriptions lists; -1 if it failed. */
int http_count_subscriptions(const char *base);
/*
 * If at_once, DELETE base/subscriptions (its status in *ret_status); then each one still listed, by
 * its id. Returns how many were deleted one by one, -1 if that failed.
 */
int http_delete_all(const char *base, bool at_once, unsigned *ret_status);
void http_client_done(void);

/* --- bench-http-wrk.c: wrk ------------------------------------------------------------------- */

typedef struct WrkResult {
        bool ok;
        double requests_per_sec;
        double p50_usec, p99_usec;
        uint64_t requests, errors; /* errors: socket errors and non-2xx answers */
        double server_cpu;         /* the server's CPU time over the run's wall time */
        char *error;
} WrkResult;

/*
 * wrk -t1 -cCONNS -dSECONDS --latency [-s script] url; server_pid's CPU time is read around it.
 * drain (may be NULL): a child whose stdout is read and dropped meanwhile (a consumer's reports).
 */
int wrk_run(const char *url, unsigned connections, unsigned seconds, const char *script, pid_t server_pid,
            Child *drain, WrkResult *ret);
void wrk_result_done(WrkResult *r);
/* "wrk 4.1.0" or so, for the report. */
char *wrk_version(void);

/* --- bench-http-push.c: Inject -> POST received ------------------------------------------------ */

/* One consumer's socket a subscription points to, and what it received. */
typedef struct Sink {
        Consumer *consumer;
        unsigned index;
        bool healthy;      /* waited for, and counted in the figures */
        bool in_group;     /* counted in the second figure too (the consumers that stay healthy) */
        GHashTable *ids;   /* event ids received (char*) */
        uint64_t received; /* requests, probes and duplicates included */
        uint64_t duplicates;
        uint64_t t_last;   /* CLOCK_MONOTONIC µs of the latest new id */
} Sink;

/* Whose CPU time a run reads: the bus, the daemon, the bridge, the consumers (of the 98). */
enum { PUSH_CPU_BUS, PUSH_CPU_DAEMON, PUSH_CPU_BRIDGE, PUSH_CPU_CONSUMER, PUSH_CPU_MAX };

typedef struct PushRun {
        bool ok;
        unsigned injections, sinks, healthy;
        Samples last;        /* µs from just before Inject to the last healthy sink's receipt of each event */
        Samples last_group;  /* the same over the sinks in_group */
        Samples inject_rtt;      /* the Inject call's own round trip */
        uint64_t missing, duplicates; /* over the healthy sinks */
        double cpu[PUSH_CPU_MAX];     /* CPU time over wall time of the run, per process of Push.cpu_pids */
        char *error;
} PushRun;

void push_run_done(PushRun *r);

typedef struct Push {
        sd_bus *bus; /* the Inject caller */
        GPtrArray *sinks; /* Sink* */
        GPtrArray *consumers; /* Consumer*, borrowed: whose stdout is read */
        unsigned injected;
        uint64_t gap_usec; /* after the last receipt, before the next Inject */
        pid_t cpu_pids[PUSH_CPU_MAX];
} Push;

void push_init(Push *p, sd_bus *bus);
void push_done(Push *p);
void push_add_consumer(Push *p, Consumer *c);
Sink *push_add_sink(Push *p, Consumer *c, unsigned index);
/* Reads what every consumer reported so far into its sinks. */
void push_drain(Push *p);
/* One Inject (lock-state of clock ens1f0, alternating locked/unlocked); *ret_rtt its round trip. */
int push_inject(Push *p, uint64_t *ret_t0, uint64_t *ret_rtt);
/* n paced injections; the figures over the sinks marked healthy. */
int push_run(Push *p, unsigned n, uint64_t timeout_usec, PushRun *ret);
/* Waits until every healthy sink holds want ids; false at the deadline. */
bool push_wait_ids(Push *p, unsigned want, uint64_t timeout_usec);

/* --- bench-http-report.c: the table ------------------------------------------------------------ */

#define HTTP_BENCH_CONNS 3
extern const unsigned http_bench_conns[HTTP_BENCH_CONNS]; /* 1, 10, 100 */

typedef struct HttpBenchResults {
        char *bridge_path, *daemon_path, *wrk_version;
        unsigned seconds, injections;
        size_t body_bytes;
        char *captured_headers; /* the names, for the report */
        WrkResult bridge[HTTP_BENCH_CONNS], bare[HTTP_BENCH_CONNS];
        WrkResult consumer_1, consumer_100; /* one consumer alone, POSTed by wrk */
        PushRun one, hundred, troubled;
        int subs_before, subs_after; /* GET /subscriptions around the troubled run */
        uint64_t slow_received, stopped_received;
        uint64_t rss_idle_kib, rss_zero_kib, rss_many_kib;
        unsigned rss_subscriptions;
        bool rss_ok;
        uint64_t started_usec;
} HttpBenchResults;

void http_bench_results_done(HttpBenchResults *r);
/* Prints the table and the goals; returns true if every run completed. */
bool http_bench_report(HttpBenchResults *r);
