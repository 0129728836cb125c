/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-ptp-latency: how long ptpsyncd takes from ptp4l's port state push
 * to its D-Bus Event signal, with nothing but real parts (see bench/README.md).
 *
 * The testbed (ptp-latency-testbed.c): the real-ptp4l lab of the tests
 * (tests/ptp-lab.sh) in a temporary directory, a private dbus-daemon
 * (bench-bus.c), ptpsyncd --source=linuxptp reading the lab's slave, and this
 * process as a second subscriber of the same ptp4l, a watcher of the
 * daemon's Event signals and, optionally, the host of ptpsync subscribers
 * (Testbed.subscribers). One thread, one poll() loop over the push socket,
 * the request socket, the bus connection, the subscribers' epoll set and the
 * children's pidfds: every timestamp is CLOCK_MONOTONIC, taken when the
 * datagram or the signal is read. The scenarios are in ptp-latency.c, the options in
 * ptp-latency-options.c, the table in ptp-latency-report.c.
 */
#pragma once

#include "bench.h"
#include "source/pmc.h"

/* Every wait for the lab, the daemon or ptp4l: this VM stalls at times. */
#define TESTBED_TIMEOUT_USEC (30 * USEC_PER_SEC)

#define LOCK_STATE_MAX 32

typedef struct Testbed Testbed;

/* What the scenarios hear of: every push of ptp4l and every lock-state Event of the daemon. */
typedef struct TestbedObserver {
        /* wake_usec: from the datagram's kernel timestamp to our read of it; -1 if unknown. */
        void (*pushed)(Testbed *t, PmcPortState state, uint64_t when, int64_t wake_usec, void *userdata);
        void (*event)(Testbed *t, const char *lock_state, uint64_t seq, uint64_t when, void *userdata);
        void *userdata;
} TestbedObserver;

typedef struct LabCommand {
        char *name;  /* the lab command, "unlock", ... */
        pid_t pid;   /* 0: none started */
        int pidfd;
        bool exited;
        int status;  /* its exit status, or 128 + signal */
        uint64_t started;
} LabCommand;

typedef struct TestbedSettings {
        const char *daemon_path;
        const char *lab_path;
        unsigned poll_interval_ms; /* 0: the daemon's default */
        const char *state_root;    /* where the daemon's state directory is made; NULL: the temporary directory */
        PrivateBusKind bus;        /* which private bus */
        bool verbose;
} TestbedSettings;

struct Testbed {
        bool initialized; /* testbed_init() ran */
        TestbedSettings settings;
        BenchBus bus;
        bool bus_started;
        char *lab_dir;
        char *prefix;
        char *lab_log;     /* the lab commands' output */
        bool lab_touched;  /* 'up' was started: 'down' is due */
        char *state_dir;   /* the daemon's --state-dir= */
        bool state_dir_made; /* in settings.state_root: ours to remove */

        /* The daemon. */
        pid_t daemon_pid;
        int daemon_pidfd;
        int notify_fd;
        bool daemon_ready;
        char *daemon_log;

        /* This process as a client of the slave ptp4l: pushes, and the GETs of settle(). */
        int events_fd, requests_fd;
        char *events_path, *requests_path;
        PmcRequester events_requester, requests_requester;
        uint16_t next_sequence_id;
        uint16_t subscribe_sequence_id;
        bool subscribed;
        uint64_t subscribed_at;
        uint16_t get_sequence_id;
        bool get_answered;

        /* The watcher's connection, and a second one of ours that sends the bus-hop baseline's pings. */
        sd_bus *watch;
        sd_bus *pinger;
        uint64_t ping_sent, ping_received; /* CLOCK_MONOTONIC µs; 0: none under way / not yet */

        /* Subscriber connections (bench-clients.c) read in the same loop, or NULL; theirs to set up. */
        Clients *subscribers;

        /* What is known now. */
        PmcPortState port_state; /* 0: not known */
        char lock_state[LOCK_STATE_MAX]; /* from the Event signals; "": none seen */
        char daemon_lock_state[LOCK_STATE_MAX]; /* what the daemon answered to GetCurrentState */
        bool daemon_answered;
        uint64_t pushes, events; /* counters, to wait for "anything new" */
        bool timestamps;         /* the push socket gives kernel timestamps */

        /* The lab command under way, or the last one. */
        LabCommand command;
        /* Set by the loop when something broke for good (the daemon died, a socket failed). */
        int error;

        TestbedObserver observer;
};

void testbed_init(Testbed *t, const TestbedSettings *s);
/* The bus, the lab up, the watcher, the daemon ready, and our sockets to ptp4l. Returns 0, -EOPNOTSUPP when the
 * lab cannot run here (exit 77), -ECANCELED on a signal (see testbed_handle_signals()), or another error. */
int testbed_start(Testbed *t);
/* Everything stopped and removed, whatever testbed_start() got to; safe to call twice. */
void testbed_stop(Testbed *t);

/* Starts a lab command (ptp-lab.sh --dir --prefix NAME [ARG]) without waiting for it; one at a time. */
int testbed_lab_spawn(Testbed *t, const char *name, const char *arg);
/* Waits for the lab command under way to end, at most timeout (then kills it); returns its exit status. */
int testbed_lab_finish(Testbed *t, uint64_t timeout_usec);

typedef bool (*TestbedDone)(Testbed *t, void *userdata);
/*
 * Runs the loop until done() is true: reads pushes, replies and signals as they come, and reaps the lab
 * command. Returns 0, -ETIMEDOUT, -ECANCELED (a signal), or t->error.
 */
int testbed_wait(Testbed *t, TestbedDone done, void *userdata, uint64_t timeout_usec);
/* Asks ptp4l for the port's state (GET PORT_DATA_SET), answered into t->port_state and t->get_answered. */
int testbed_ask_port_state(Testbed *t);
/* Asks the daemon for its lock-state (GetCurrentState), answered into daemon_lock_state and daemon_answered. */
int testbed_ask_lock_state(Testbed *t);
/*
 * The baseline of the bus hop: one signal with the Event's signature and about its size, sent from our
 * second connection to the watcher's match, one at a time; *ret_usec is from just before it is sent to its
 * receipt, timed as the Event signals are.
 */
int testbed_ping(Testbed *t, uint64_t *ret_usec);
/*
 * Subscribes (again) to port state pushes and waits for ptp4l's acknowledgement. The first time, only once
 * the daemon has had its first round answered (a lock-state event): its own subscription went out before
 * that round's later requests, so it is in ptp4l by then, and ours is newer. ptp4l pushes to its newest
 * subscriber first, so ours leaves a few µs before the daemon's, never after.
 */
int testbed_subscribe(Testbed *t);
/* The subscription is past half its duration. */
bool testbed_subscription_due(const Testbed *t);

/* The signal (SIGINT, SIGTERM, SIGPIPE, SIGHUP) that cancelled the run; 0 if none did. */
int testbed_cancelled(void);
/* Installs the handlers of SIGINT, SIGTERM, SIGPIPE and SIGHUP: they cancel the run, and the teardown is the
 * normal one. */
int testbed_handle_signals(void);
