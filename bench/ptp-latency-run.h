/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-ptp-latency's own parts, shared by its files: the steps and
 * scenarios (ptp-latency.c), the blocks of results, the options
 * (ptp-latency-options.c) and the table (ptp-latency-report.c).
 */
#pragma once

#include "ptp-latency.h"

#define ROUNDS_DEFAULT 20
#define ROUNDS_QUICK 5
#define ROUNDS_MAX 1000
#define WARMUP_ROUNDS 1
#define SETTLE_RECHECK_USEC (500 * USEC_PER_MSEC)
/* Bus-hop baseline samples taken after each settle(): spread over the run, at its moments. */
#define PINGS_PER_SETTLE 3
/*
 * This process runs SCHED_FIFO at this priority (unless --no-realtime), reset on fork: its reads are prompt
 * while other tenants keep both cores busy, and the daemon, the bus, the lab and ptp4l run as they would.
 * Without it, this process waited for a core up to 0.5-4 ms at times while the daemon did not, and the
 * figure came out short by as much (30-50 µs seen).
 */
#define REALTIME_PRIORITY 10
/*
 * Our read of a push this long after ptp4l sent it (four times the usual ~45 µs) leaves the round out: the
 * figure assumes we read our push no later than the daemon reads its own, and is short by the difference
 * when we did not (this process's CPU stalled, the daemon's did not). When the whole VM stalled instead, the
 * figure would have been right, but the two cannot be told apart from here.
 */
#define LATE_READ_USEC 200
/* Disturbed rounds in a row after which something is broken for good, not just flapping. */
#define DISTURBED_IN_A_ROW_MAX 5
#define EXIT_SKIP 77
/* Subscriber counts of one run (--subscribers=1,100), and the most of one: the bench bus's
 * max_connections_per_user is 2000 (bench-bus.c). */
#define SUBSCRIBER_COUNTS_MAX 8
#define SUBSCRIBERS_MAX 1000
/* statfs f_type: linux/magic.h */
#define EXT4_MAGIC 0xEF53 /* ext2, ext3 and ext4 alike */
#define TMPFS_MAGIC_ 0x01021994

typedef enum StorageKind {
        STORAGE_EXT4,  /* a state directory under /var/tmp: a disk, real fdatasync */
        STORAGE_TMPFS, /* under /dev/shm: fdatasync costs nothing */
        STORAGE_STATE_ROOT, /* --state-root=DIR */
        _STORAGE_MAX,
} StorageKind;

typedef struct StorageSpec {
        const char *name, *root;
        long magic; /* what root is expected to be on; 0: anything */
} StorageSpec;

extern const StorageSpec storages[_STORAGE_MAX];

/* How long settle() waits for the subscribers to get the last event (they take milliseconds). */
#define CATCH_UP_USEC (5 * USEC_PER_SEC)
/* Setting up the subscribers: N connections, each Subscribe asks the bus for the caller's uid. */
#define SUBSCRIBE_TIMEOUT_USEC (180 * USEC_PER_SEC)

#define BIT(s) (1u << (s))

typedef enum StepKind {
        STEP_UNLOCK,
        STEP_LOCK,
        STEP_KILL_MASTER,
        STEP_RESTART_MASTER,
        _STEP_MAX,
} StepKind;

typedef struct StepSpec {
        const char *command;      /* the lab command that makes it happen */
        const char *row;          /* in the table */
        PmcPortState port_before; /* where the port is when the step begins */
        const char *lock_before;  /* and the daemon's lock-state */
        PmcPortState push;        /* the push measured from */
        unsigned may_pass;        /* port states that may be pushed before it */
        const char *event;        /* the lock-state measured to */
} StepSpec;

extern const StepSpec steps[_STEP_MAX];

typedef struct Scenario {
        const char *name;
        StepKind steps[2];
} Scenario;

#define N_SCENARIOS 2
extern const Scenario scenarios[N_SCENARIOS];

/* One step under way: what the loop has seen of it. */
typedef struct StepRun {
        const StepSpec *spec;
        uint64_t t_spawn, t_push, t_event;
        uint64_t event_seq; /* the lock-state Event's */
        int64_t wake_usec; /* -1: unknown */
        /* Per subscriber: its receipt of the step's Subscription.Event (0: none yet), and that event's seq. */
        uint64_t *receipt_at, *receipt_seq;
        unsigned receipts;
        bool disturbed;
        bool late; /* our read of the push was late, and the round kept (--quick) */
        char why[192];
} StepRun;

typedef struct StepResults {
        Samples latency;   /* µs, push receipt -> Event receipt: the figure */
        Samples receipt;   /* µs, push receipt -> each subscriber's receipt of its Subscription.Event */
        Samples from_send; /* µs, ptp4l's sendmsg of our push -> Event receipt: latency + wake */
        Samples wake;      /* µs, ptp4l's sendmsg of our push -> our read of it */
        Samples total;     /* µs, lab command started -> Event receipt */
} StepResults;

typedef struct ScenarioResults {
        unsigned clean, disturbed;
        unsigned late_kept; /* clean rounds with a late read of a push, kept with --quick */
        GPtrArray *why; /* char*: "round N: ..." */
} ScenarioResults;

/* The subscribers and the storage of the daemon's state directory, for every scenario of one block. */
typedef struct Block {
        unsigned subscribers;
        StorageKind storage_kind;
        const char *storage; /* "ext4", "tmpfs", or "--state-root" */
        char *state_dir;     /* the daemon's, as made */
        char *fs_type;       /* statfs of state_dir */
        char *fs_note;       /* NULL, or why the storage is not what its name says */
        bool ran;
        StepResults steps[_STEP_MAX];
        Samples bus_hop; /* µs, the baseline: a bare signal from our second connection to the watcher */
        ScenarioResults scenarios[N_SCENARIOS];
} Block;

typedef struct Options {
        unsigned rounds;
        bool quick;
        char *daemon_path;
        char *lab_path;
        unsigned poll_interval_ms;
        char *state_root;
        unsigned subscribers[SUBSCRIBER_COUNTS_MAX]; /* one block of the table each */
        unsigned n_subscribers;
        StorageKind storage[_STORAGE_MAX]; /* in turn, each with a testbed of its own */
        PrivateBusKind bus_kind; /* --bus=, else PTPSYNC_TEST_BUS, else dbus-daemon */
        const char *bus;         /* its name */
        const char *bus_from;    /* where the choice came from, for the header */
        unsigned n_storage;
        bool realtime;
        bool verbose;
} Options;

typedef struct Bench {
        Testbed testbed;
        const Options *o;
        StepRun *run; /* the step under way, or NULL */
        /* What a disturbed round may have left behind for settle() to undo. */
        bool uncertain_maybe;   /* 'unlock' ran, and no 'lock' since */
        bool master_maybe_down; /* 'kill-master' ran, and no 'restart-master' since */
        Block *blocks, *block; /* every block; the one under way */
        unsigned n_blocks;
        /* The block's subscribers (bench-clients.c receivers), read in the testbed's loop. */
        Clients subscribers;
        SubscribeSpec subscribe_spec;
        uint64_t *receipt_at[2], *receipt_seq[2]; /* per subscriber, for the two steps of a round */
        uint64_t *last_seq;                       /* per subscriber: the newest Subscription.Event's seq */
        uint64_t last_broadcast_seq;              /* the newest lock-state Manager.Event's */
        char *date, *load_start;
        char *bus_ran; /* the comm of the bus process the testbed started */
        bool realtime; /* this process runs SCHED_FIFO */
} Bench;

/* ptp-latency-options.c: 1 to go on, 0 after --help, -EINVAL for bad usage (said on stderr). */
int parse_argv(int argc, char *argv[], Options *o);
void options_done(Options *o);

/* ptp-latency-report.c */
char *read_load(void);
void print_report(Bench *b, bool complete);
