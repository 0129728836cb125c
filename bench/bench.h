/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-bench: the delivery benchmark (see bench/README.md).
 *
 * One process measures, on a private dbus-daemon it starts itself, a bare
 * sd-bus fan-out (the baseline) and the real ptpsyncd doing the same work,
 * so that ptpsyncd's figures can be read as ratios taken minutes apart on
 * the same noisy machine. Two threads: the main one runs every receiver
 * connection in one epoll loop (bench-clients.c); a producer thread runs the
 * baseline's sender or the connection that calls Simulator.Inject, in its
 * own sd-event loop (bench-producer.c), as ptpsyncd runs in its own process.
 * A "rig" is one producer and its receivers, set up and ready for phases:
 * warm-up, latency, throughput (bench-baseline.c, bench-ptpsyncd.c).
 */
#pragma once

#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "child-io.h"
#include "common/bus-names.h"

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define USEC_PER_SEC UINT64_C(1000000)
#define USEC_PER_MSEC UINT64_C(1000)

#define BENCH_NODE "bench"
#define BENCH_SUFFIX "sync/ptp-status/lock-state"
#define BENCH_ADDRESS "/cluster/node/" BENCH_NODE "/" BENCH_SUFFIX

/* The daemon's default Window, and the in-flight bound of the baseline's throughput run. */
#define BENCH_WINDOW 64

static inline void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static inline bool streq_ptr(const char *a, const char *b) {
        return a && b ? strcmp(a, b) == 0 : a == b;
}

/* Progress on stderr; the results go to stdout. */
void bench_log(const char *fmt, ...) _printf_(1, 2);

/* --- bench-stats.c: latency samples --------------------------------------------------------- */

typedef struct Samples {
        uint64_t *v;
        size_t n, allocated;
        bool sorted;
} Samples;

void samples_add(Samples *s, uint64_t v);
/* Nearest rank; p in [0, 100]. 0 when empty. */
uint64_t samples_percentile(Samples *s, double p);
void samples_clear(Samples *s);

/* --- bench-bus.c: the private bus and the daemon under test --------------------------------- */

typedef struct BenchBus {
        PrivateBusKind kind; /* set before bench_bus_start(): which bus to start */
        char *dir;     /* a temporary directory for sockets, configuration and logs */
        char *address; /* unix:path=DIR/bus.sock */
        pid_t pid;     /* ours to stop and reap: dbus-daemon, or dbus-broker's keeper */
        pid_t cpu_pid; /* whose CPU time is the bus's: dbus-daemon, or dbus-broker itself */
        sd_bus *control;  /* ours, for the few synchronous questions asked between runs */
        char *state_root; /* where the daemons' state directories go: dir, or one made in --state-root= */
        char *launcher_name; /* dbus-broker: dbus-broker-launch's own connection, not a client of a run */
} BenchBus;

/*
 * --bus=ARG (dbus-daemon or dbus-broker) into *ret, or, for arg NULL, $PTPSYNC_TEST_BUS (as the
 * tests take it; unset: dbus-daemon). -EINVAL with a message naming what was wrong.
 */
int bench_parse_bus(const char *arg, PrivateBusKind *ret);

/* state_root: NULL for the temporary directory, or a directory to make ours in (e.g. /dev/shm). */
int bench_bus_start(BenchBus *b, const char *state_root);
/* A connection to address, running (Hello answered) on return. */
int bench_connect(const char *address, sd_bus **ret);
/* A synchronous call with a timeout, for set-up only; logs a failure. types may be NULL. */
int bench_call_method(sd_bus *bus, sd_bus_message **ret_reply, const char *destination, const char *path,
                      const char *interface, const char *member, const char *types, ...);
void bench_bus_stop(BenchBus *b);
/* Waits until the bus has no client but the control connection and keep others: the last run is gone. */
int bench_bus_wait_idle(BenchBus *b, unsigned keep, uint64_t timeout_usec);

/* What ptpsyncd says of its event loop at exit ("Event loop: ..."): how long its longest iteration was. */
typedef struct BenchLoopFigures {
        bool known;
        uint64_t iterations, slow, blocked, preempted, longest_usec, longest_cpu_usec, longest_unpreempted_usec;
} BenchLoopFigures;

typedef struct BenchDaemon {
        pid_t pid;
        int notify_fd;
        char *log_path;
        BenchLoopFigures *loop; /* NULL, or filled from its log when it is stopped */
} BenchDaemon;

#define BENCH_DAEMON_NULL { .pid = 0, .notify_fd = -1 }

int bench_daemon_start(BenchDaemon *d, BenchBus *b, const char *path);
/*
 * For a daemon under test: binds its notify socket at notify_path and returns it (-errno, logged),
 * with NOTIFY_SOCKET set in *envp and JOURNAL_STREAM unset (plain lines in its log file).
 */
int bench_daemon_environ(const char *notify_path, char ***envp);
void bench_daemon_stop(BenchDaemon *d);
/* User and system CPU time of a process so far (pid 0: this one, every thread), in µs. */
uint64_t bench_cpu_usec(pid_t pid);
/* VmRSS and RssAnon of the daemon, in KiB. */
int bench_daemon_rss(const BenchDaemon *d, uint64_t *ret_rss_kib, uint64_t *ret_anon_kib);

/* Writes text to path; logs a failure (-EIO). */
int bench_write_file(const char *path, const char *text);
/* The last lines of a child's log file on stderr, to show why it failed. Nothing if it cannot be read. */
void bench_print_log_tail(const char *path, unsigned lines);

/* On SIGINT and SIGTERM: kill and reap our children, remove our temporary directories, exit. */
void bench_handle_signals(void);
/* Raises RLIMIT_NOFILE to its hard limit; returns the new soft limit. */
uint64_t bench_raise_fd_limit(void);

/* --- bench-producer.c: the producer thread --------------------------------------------------- */

typedef struct Producer Producer;

typedef struct ProducerOps {
        int (*start)(Producer *p); /* the phase begins */
        int (*next)(Producer *p);  /* latency: the previous event reached everyone, produce one more */
        bool (*idle)(Producer *p); /* nothing of ours in flight: the thread may end */
} ProducerOps;

typedef enum PhaseKind {
        PHASE_LATENCY,    /* one event at a time */
        PHASE_THROUGHPUT, /* as fast as flow control allows */
} PhaseKind;

struct Producer {
        const ProducerOps *ops;
        void *userdata;
        sd_event *event;
        sd_bus *bus;
        sd_event_source *start_source, *kick_source;
        int kick_fd; /* eventfd, main -> producer: next event, or stop */
        int fail_fd; /* eventfd, producer -> main: the producer failed, see error */
        pthread_t thread;
        bool running;

        /* Set by the main thread before the thread starts. */
        PhaseKind phase;
        uint64_t events;

        atomic_bool stop;
        atomic_bool failed;
        bool stopping; /* asked to stop, waiting to be idle */
        bool quit;     /* the thread's loop ends */
        char error[512];
        /* CLOCK_MONOTONIC µs just before the latest event was produced (latency). */
        _Atomic uint64_t t0;
};

/* Takes bus (connected): the thread will own it while it runs. */
int producer_init(Producer *p, sd_bus *bus, const ProducerOps *ops, void *userdata);
void producer_done(Producer *p);
int producer_start(Producer *p, PhaseKind phase, uint64_t events);
/* Asks the thread to end once idle and joins it, within timeout. */
int producer_stop(Producer *p, uint64_t timeout_usec);
/* From the main thread: the next event, please. */
void producer_kick(Producer *p);
/* From the producer thread: records the first failure and wakes the main thread. */
void producer_fail(Producer *p, const char *fmt, ...) _printf_(2, 3);
/* From the producer thread, after something in flight completed: ends the thread if asked to. */
void producer_check_stop(Producer *p);

/* --- bench-clients.c: the receivers ---------------------------------------------------------- */

typedef struct Clients Clients;
typedef struct Receiver Receiver;

/* Issues a receiver's set-up calls (asynchronously), counting them in r->setup_pending. */
typedef int (*ReceiverSetup)(Receiver *r, void *userdata);

struct Receiver {
        Clients *clients;
        unsigned index;
        sd_bus *bus;
        int fd;
        uint32_t epoll_events;
        char *unique_name;
        char *path; /* its (first) subscription's object path, once known */
        unsigned setup_pending;
        unsigned calls; /* set-up calls issued */
        uint64_t received; /* first attempts, this phase */
};

typedef struct PhaseResult {
        uint64_t elapsed_usec;
        uint64_t deliveries; /* acked, first attempts */
        uint64_t retries;    /* deliveries with attempt > 1 */
        uint64_t dead_lettered;
        /* Acks sent and not answered yet, seen at each Ack sent: what the bus holds as pending replies. */
        double acks_in_flight_avg;
        uint64_t acks_in_flight_max;
        Samples latency; /* µs, one per receipt (latency phase) */
} PhaseResult;

struct Clients {
        const char *address;
        int epoll_fd;
        Receiver *receivers;
        unsigned n, n_started, n_ready;
        ReceiverSetup setup;
        void *setup_userdata;

        /* The phase under way. */
        Producer *producer;
        PhaseKind phase;
        bool time_from_field; /* latency from the signal's time field (baseline), else producer->t0 */
        uint64_t events, events_done;
        uint64_t event_received; /* receipts of the current event (latency) */
        uint64_t received, retries, dead_lettered, acks_sent, ack_replies;
        uint64_t acks_in_flight_sum, acks_in_flight_max;
        uint64_t t_done;
        bool done;
        Samples latency;

        char *error; /* the first failure */

        /* Set after clients_connect(), optional: every first-attempt Event, stamped as it was read. */
        void (*on_event)(Receiver *r, uint64_t seq, uint64_t when, void *userdata);
        void *event_userdata;
};

int clients_connect(Clients *c, const char *address, unsigned n, ReceiverSetup setup, void *userdata,
                    uint64_t timeout_usec);
void clients_disconnect(Clients *c);
void clients_fail(Clients *c, const char *fmt, ...) _printf_(2, 3);
/* For a loop of its own that polls c->epoll_fd: processes the receivers that are ready, without waiting. */
void clients_dispatch(Clients *c);
/* For set-up replies: counts one down; the receiver is ready at zero. */
void receiver_setup_done(Receiver *r);
/* Writes "what: error name: message" into c->error if the reply is an error; returns true if it was. */
bool clients_reply_failed(Clients *c, sd_bus_message *reply, const char *what);
/* Runs one phase: the producer produces, the receivers receive and ack, until done or the timeout. */
int clients_run_phase(Clients *c, Producer *p, PhaseKind phase, uint64_t events, bool time_from_field,
                      uint64_t timeout_usec, PhaseResult *ret);
void phase_result_done(PhaseResult *r);

/* --- bench-subscribe.c: receivers as ptpsync subscribers ------------------------------------ */

/* The options of each receiver's Subscribe(s) to BENCH_ADDRESS. */
typedef struct SubscribeSpec {
        bool ordered, durable; /* durable: Name=bench-<i> */
        unsigned per_connection;
} SubscribeSpec;

/* A ReceiverSetup: its userdata is a SubscribeSpec, which must outlive the set-up. */
int subscriber_setup(Receiver *r, void *userdata);

/* --- rigs: a producer and its receivers, set up, ready for phases --------------------------- */

typedef struct Rig Rig;
struct Rig {
        Clients clients;
        Producer *producer;
        bool time_from_field; /* baseline: latency from the signal's time field; ptpsyncd: producer->t0 */
        Samples *inject_rtt;  /* ptpsyncd: Inject's own round trip, call to reply, in latency phases */
        pid_t bus_pid, daemon_pid; /* whose CPU time the throughput phase reads; daemon_pid 0: none */
        void (*destroy)(Rig *r);
};

typedef struct RunResult {
        bool ok;
        bool timed_out;
        uint64_t events;
        double events_per_sec, deliveries_per_sec;
        uint64_t retries, dead_lettered;
        double acks_in_flight_avg; /* throughput run */
        uint64_t acks_in_flight_max;
        /* CPU time over wall time in the throughput run: 1.0 is one core busy all along */
        double cpu_bus, cpu_daemon, cpu_self;
        bool have_latency;
        uint64_t p50_usec, p99_usec, max_usec;
        /* ptpsyncd: the baseline's, from samples taken interleaved with this run's */
        uint64_t base_p50_usec, base_p99_usec;
        uint64_t inject_p50_usec, inject_p99_usec;
        BenchLoopFigures loop; /* ptpsyncd's, over the whole run */
        char *error;
} RunResult;

void run_result_done(RunResult *r);
/* Notes the first failure of a run. */
void run_result_fail(RunResult *r, const char *fmt, ...) _printf_(2, 3);

/* The baseline's sender and n receivers, with at most window events unacknowledged per receiver.
 * On failure, *ret_error says why (g_free). */
int baseline_rig_new(BenchBus *b, unsigned n, unsigned window, Rig **ret, char **ret_error);
void baseline_rig_set_window(Rig *r, unsigned window);
/* A fresh ptpsyncd, n connections with one subscription each, and the injector. */
int ptpsyncd_rig_new(BenchBus *b, const char *daemon_path, unsigned n, bool ordered, bool durable, Rig **ret,
                     char **ret_error);
Rig *rig_free(Rig *r);
/* A ptpsyncd rig's daemon fills *out from its log when the rig is freed. */
void ptpsyncd_rig_report_loop(Rig *r, BenchLoopFigures *out);
static inline void rig_freep(Rig **r) {
        rig_free(*r);
}

/* The phases (bench-clients.c); a failure is noted in ret. */
int rig_warm_up(Rig *r, uint64_t timeout_usec, RunResult *ret);
/* events one at a time; one sample per receipt appended to samples. */
int rig_latency(Rig *r, uint64_t events, uint64_t timeout_usec, Samples *samples, RunResult *ret);
/* events as fast as the flow control allows; every receiver must get each exactly once. */
int rig_throughput(Rig *r, uint64_t events, uint64_t timeout_usec, RunResult *ret);

/* --- bench-ptpsyncd.c: RSS of idle subscriptions ------------------------------------------------- */

typedef struct RssResult {
        bool ok;
        bool durable;
        unsigned subscriptions;
        uint64_t rss_before_kib, rss_after_kib, anon_before_kib, anon_after_kib;
        char *error;
} RssResult;

int ptpsyncd_rss(BenchBus *b, const char *daemon_path, unsigned connections, unsigned per_connection,
                 bool durable, RssResult *ret);
