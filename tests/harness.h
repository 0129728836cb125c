/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The integration-test harness
 *
 * Each test gets its own private bus (dbus-daemon, or dbus-broker with
 * PTPSYNC_TEST_BUS=dbus-broker), configured like a system bus
 * (type system, EXTERNAL auth) in a temporary directory, and the real
 * ptpsyncd on it, started from the build tree ($PTPSYNCD) with NOTIFY_SOCKET
 * pointing at a datagram socket of ours, so READY=1 and STATUS= are seen the
 * way systemd would see them. Every wait has a deadline; nothing sleeps for
 * a fixed time. The bus's start-up, the notify socket and the reaping are
 * tests/lib/child-io.c's, which bench/ uses too; tests/test-env.h puts the
 * parts together.
 *
 * Under valgrind (meson test --setup=valgrind) the daemon runs as
 * $PTPSYNCD_WRAPPER $PTPSYNCD ..., clients as $PTPSYNC_CLIENT_WRAPPER ...,
 * and $PTPSYNC_TEST_SLOWDOWN stretches the deadlines (and the tolerances of
 * tests that measure time) by that factor.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "common/util.h"

#define TEST_NODE_NAME "du1.example.com"
#define TEST_PREFIX "/cluster/node/" TEST_NODE_NAME "/"
/* generous: this VM can stall for seconds */
#define TEST_TIMEOUT_USEC test_slow_usec(20 * G_USEC_PER_SEC)
#define TEST_POLL_USEC (50 * 1000)

typedef struct TestBus {
        char *dir;     /* temporary directory, world-readable so that other uids can connect */
        char *address; /* unix:path=<dir>/bus.sock */
        GPid pid;
} TestBus;

typedef struct TestDaemon {
        GPid pid;
        int notify_fd;
        GString *notifications; /* every sd_notify datagram, newline separated */
        int exit_status;        /* once reaped: the raw wait status */
        bool reaped;
} TestDaemon;

/* Whether the tests run on dbus-broker: $PTPSYNC_TEST_BUS (dbus-daemon, the default, or dbus-broker; else fails). */
bool test_bus_is_broker(void);
/*
 * On dbus-broker, skips the test case (g_test_skip) saying which bus behaviour differs, and returns
 * true: the caller returns. For what only dbus-daemon does (README.md, Tests, lists how they differ).
 */
bool test_skip_on_broker(const char *why);

TestBus *test_bus_start(void);
/* With extra <limit> elements (or any busconfig XML) in the bus's configuration. */
TestBus *test_bus_start_with(const char *extra_config);
void test_bus_stop(TestBus *b);

/* Writes text to <bus dir>/name and returns the path (g_free). */
char *test_bus_write_file(TestBus *b, const char *name, const char *text);

/*
 * Starts ptpsyncd on the bus with --source=sim --node-name=TEST_NODE_NAME and
 * the given extra arguments (NULL-terminated, may be NULL), and waits for
 * READY=1. Fails the test if it does not come.
 */
TestDaemon *test_daemon_start(TestBus *b, const char *const *extra_args);
/* Starts without waiting for anything (for start-up failures). */
TestDaemon *test_daemon_spawn(TestBus *b, const char *const *args, bool default_args);
/* How many times needle occurs in the file at path (0 if it cannot be read): for daemon logs. */
unsigned test_file_count(const char *path, const char *needle);

/* The same with the daemon's stderr appended to log_path (NULL: inherited). */
TestDaemon *test_daemon_spawn_logged(TestBus *b, const char *const *args, bool default_args, const char *log_path);
/* Waits until a notification contains needle; false at the deadline. */
bool test_daemon_wait_notify(TestDaemon *d, const char *needle, uint64_t timeout_usec);
/* Waits for the process to exit; false at the deadline. */
bool test_daemon_wait_exit(TestDaemon *d, uint64_t timeout_usec);
/* SIGTERM, wait, and assert a clean exit (status 0: also no leak under ASan). */
void test_daemon_stop(TestDaemon *d);
void test_daemon_free(TestDaemon *d);

/* The daemon's resident memory now (VmRSS), in KiB: memory measured while it runs, not only at exit. */
uint64_t test_daemon_rss_kib(TestDaemon *d);

/*
 * Whether the daemon's RSS says little about what it holds: built with
 * AddressSanitizer (its quarantine keeps freed memory), or run under a
 * wrapper such as valgrind ($PTPSYNCD_WRAPPER: the RSS is the wrapper's).
 */
bool test_rss_is_inflated(void);
/* Whether the tests (and so the daemon) are built with AddressSanitizer. */
bool test_built_with_asan(void);

/* A client connection to the test bus (as a bus client, with Hello). */
sd_bus *test_bus_connect(TestBus *b);

/* Processes the connection until cond(userdata) holds; false at the deadline. */
bool test_bus_wait_for(sd_bus *bus, bool (*cond)(void *userdata), void *userdata, uint64_t timeout_usec);

/*
 * For g_spawn*(): a test that fails aborts without unwinding, so every child it
 * started gets SIGKILL when it dies (SIGKILL: a stopped child obeys nothing else),
 * rather than holding its output open.
 */
void test_spawn_child_setup(void *userdata);

/* The absolute path of $PTPSYNCD (set by meson). */
const char *test_ptpsyncd_path(void);
/* Appends $PTPSYNCD_WRAPPER's words (if set) and $PTPSYNCD: argv frees with g_free. */
void test_ptpsyncd_argv(GPtrArray *argv);
/* The same with $PTPSYNC_CLIENT_WRAPPER, for a client program such as ptpsyncctl. */
void test_client_argv(GPtrArray *argv, const char *program);
/*
 * At the start of main(): with $PTPSYNC_CLIENT_WRAPPER set, runs this test program again
 * under it (once), so that a client library tested in-process is checked too.
 */
void test_client_reexec(char *argv[]);

/* $PTPSYNC_TEST_SLOWDOWN, at least 1: how much slower than normal the daemon may be. */
unsigned test_slowdown(void);
/* usec stretched by test_slowdown(). */
uint64_t test_slow_usec(uint64_t usec);

/* Records every message matching a rule, in arrival order. */
typedef struct TestSignals {
        GPtrArray *messages; /* sd_bus_message* (referenced) */
        sd_bus_slot *slot;
} TestSignals;

/* Installs the match synchronously, so nothing emitted after this returns is missed. */
TestSignals *test_signals_watch(sd_bus *bus, const char *match);
/* Waits until at least n messages were recorded; false at the deadline. */
bool test_signals_wait(sd_bus *bus, TestSignals *s, guint n, uint64_t timeout_usec);
void test_signals_free(TestSignals *s);

/* One event as read from the bus; values as "address|data_type|value_type|value". */
typedef struct TestEvent {
        uint64_t seq;
        char *id, *type, *source;
        int64_t time;
        GPtrArray *values; /* char* */
} TestEvent;

/* Reads the fields (tsssxa(ssss)) at the current position of m. */
TestEvent *test_event_read(sd_bus_message *m);
void test_event_free(TestEvent *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestEvent, test_event_free)

/*
 * n more lock-state events of clock ens1f0, alternating locked and unlocked:
 * with holdover that never runs out, one event each. *injected counts them.
 */
void test_inject_lock_events(sd_bus *bus, unsigned *injected, unsigned n);

/* A "u" property of the Manager (SubscriptionCount), asserting the call succeeded. */
uint32_t test_manager_get_u(sd_bus *bus, const char *property);
/* The same for a "t" property (LastSequence). */
uint64_t test_manager_get_t(sd_bus *bus, const char *property);
bool test_manager_get_b(sd_bus *bus, const char *property);
/* Asserts that the subscription at path holds exactly the dead letters with seqs 1 to n, in order. */
void test_assert_dead_letters(sd_bus *bus, const char *path, uint64_t n, const char *reason);

/* A test_bus_wait_for() condition, userdata the client connection: the daemon holds no subscription. */
bool test_no_subscriptions(void *bus);

/* Calls Simulator.Inject and asserts it succeeded. */
void test_inject(sd_bus *bus, const char *suffix, const char *clock, const char *observation, int64_t offset);

/* A child process whose stdout is read line by line. */
typedef struct TestProcess {
        GPid pid;
        int out_fd;       /* -1 at end of file */
        GString *partial; /* an unfinished last line */
        GPtrArray *lines; /* char*, every complete line so far */
        int exit_status;
        bool reaped;
} TestProcess;

TestProcess *test_process_spawn(const char *const *argv);
/* Reads whatever is there, without waiting. */
void test_process_read(TestProcess *p);
/*
 * Waits for a line that starts with prefix, at index *from or later; returns
 * it (owned by p) and sets *from past it, or NULL at the deadline.
 */
const char *test_process_wait_line(TestProcess *p, const char *prefix, guint *from, uint64_t timeout_usec);
/* Every line so far that starts with prefix. */
guint test_process_count_lines(TestProcess *p, const char *prefix);
bool test_process_wait_exit(TestProcess *p, uint64_t timeout_usec);
void test_process_free(TestProcess *p);

/*
 * The test consumer ($PTPSYNC_CONSUMER) subscribed to address on the test bus
 * with the extra arguments (NULL-terminated); waits for its "subscribed" line
 * and returns the process; *ret_path (if set) gets the subscription's path.
 */
TestProcess *test_consumer_start(TestBus *b, const char *address, char **ret_path, ...) G_GNUC_NULL_TERMINATED;

/*
 * The same, as user (through runuser, which needs root; NULL: as we are), without waiting for a
 * subscription: returns its first line ("subscribed ..." or "error ..."), *ret the process.
 */
char *test_consumer_first_line(TestBus *b, const char *user, const char *address, TestProcess **ret, ...)
        G_GNUC_NULL_TERMINATED;

/* Adds "runuser -u user --" to argv, so that what follows runs as user (needs root); nothing if user is NULL. */
void test_argv_as_user(GPtrArray *argv, const char *user);

/*
 * The real polkitd (/usr/lib/polkit-1/polkitd) with the test bus as its system
 * bus ($DBUS_SYSTEM_BUS_ADDRESS; the test bus is a system-type bus), in a mount
 * namespace of its own (unshare -m) where /usr/share/polkit-1/actions holds only
 * our actions ($PTPSYNC_POLKIT_DIR/org.ptpsync1.policy), /etc/polkit-1/rules.d
 * only rules_js (as 50-test.rules; nothing if NULL) and /usr/share/polkit-1/rules.d
 * nothing: no polkit file of the host counts, and the host's polkit is not touched.
 * polkitd drops to its own user (polkitd). It runs in a PID namespace of its
 * own too, under unshare (our child): if the test dies, polkitd dies with it,
 * even while stopped. Needs root.
 */
typedef struct TestPolkitd {
        GPid pid;       /* polkitd itself, as the bus says: SIGSTOP/SIGCONT it here */
        GPid launcher;  /* unshare, our child: polkitd runs under it in a PID namespace, dies with it */
        char *dir;      /* <bus dir>/polkit-N: actions/, rules.d/, empty/ */
        char *log_path; /* its stdout and stderr */
        bool reaped;    /* the launcher */
} TestPolkitd;

/* NULL if test_polkitd_start() can work here, else why not (for a skip message). */
const char *test_polkitd_unavailable(void);
/* Starts it and waits, with a deadline, until it owns org.freedesktop.PolicyKit1 on the bus; fails the test if not. */
TestPolkitd *test_polkitd_start(TestBus *b, const char *rules_js);
/* Continues it if stopped, SIGTERM, waits (SIGKILL at the deadline), frees. NULL is fine. */
void test_polkitd_stop(TestPolkitd *p);
