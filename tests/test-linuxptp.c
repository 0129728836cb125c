/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * End to end with real ptp4l: the lab (tests/ptp-lab.sh) runs a grandmaster
 * and one or two slave ptp4l in network namespaces; ptpsyncd reads the
 * slaves' management sockets from here with --source=linuxptp, on a private
 * bus, and the test records every Event signal it broadcasts. Each scenario
 * is driven on the real ptp4l (kill the master, pull the link, unlock the
 * servo, change the grandmaster's class, kill ptp4l itself, add, remove and
 * change instances by Reload) and the events that must follow are waited
 * for, each with a deadline.
 *
 * Needs root (namespaces, veth, ptp4l's 0660 root socket): skips (77) otherwise.
 * How long things took is printed (g_test_message) for the record; only
 * generous deadlines are asserted, because this VM stalls at times.
 */

#include <glib/gstdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bus-names.h"
#include "ptp-lab-driver.h"
#include "test-env.h"

#define LOCK "sync/ptp-status/lock-state"
#define OS "sync/sync-status/os-clock-sync-state"
#define SYNC "sync/sync-status/sync-state"
#define CLASS "sync/ptp-status/clock-class"
#define EVENT_MATCH "type='signal',sender='org.ptpsync1',interface='org.ptpsync1.Manager',member='Event'"

#define HOLDOVER_SEC 2
#define WAIT_USEC (30 * G_USEC_PER_SEC) /* a state change on the lab: typically 0.1-2 s */

typedef struct Fixture {
        PtpLab lab;
        TestEnv env; /* set up by fixture_start(), once the lab is up */
} Fixture;

static int lab_run(Fixture *f, const char *command, const char *arg1, const char *arg2) {
        return ptp_lab_run(&f->lab, command, arg1, arg2);
}

static void lab(Fixture *f, const char *command, const char *arg1) {
        ptp_lab(&f->lab, command, arg1);
}

static void fixture_make_lab_dir(Fixture *f) {
        ptp_lab_init(&f->lab, "lx");
}

static char *slave_interface(Fixture *f, unsigned n) {
        return g_strdup_printf("%s-s%u", f->lab.prefix, n);
}

static char *slave_alias(Fixture *f, unsigned n) {
        return g_strdup_printf("%s-sx/master", f->lab.prefix);
}

/* A [ptp4l NAME] group for slave n (0, 1) of the lab. */
static char *ptp4l_group(Fixture *f, const char *name, unsigned n, const char *extra) {
        g_autofree char *interface = NULL;

        fixture_make_lab_dir(f);
        interface = slave_interface(f, n);
        return g_strdup_printf("[ptp4l %s]\nSocket=%s/%s.sock\nInterface=%s\n%s", name, f->lab.dir,
                               n == 0 ? "slave" : "slave2", interface, extra ?: "");
}

/* The configuration: thresholds for the lab, and config_groups. */
static char *config_text(const char *config_groups) {
        return g_strdup_printf("[Thresholds]\n"
                               /* Software timestamps on veth: ~1 us, spikes of ~80 us under load. */
                               "MaxOffsetNs=1000000\n"
                               "MinOffsetNs=-1000000\n"
                               "HoldoverTimeoutSec=%d\n"
                               "%s",
                               HOLDOVER_SEC, config_groups);
}

/* The lab up, a bus, and the daemon reading the lab with config_groups; exits 77 where the lab cannot run. */
static void fixture_start(Fixture *f, const char *slaves, const char *config_groups, const char *const *extra) {
        g_autofree char *config = NULL;
        g_autoptr(GPtrArray) args = g_ptr_array_new();

        fixture_make_lab_dir(f);
        ptp_lab_up_or_skip(&f->lab, slaves, "--wait");

        config = config_text(config_groups);
        g_ptr_array_add(args, "--source=linuxptp");
        g_ptr_array_add(args, "--runtime-dir=@BUS_DIR@/run");
        for (size_t i = 0; extra && extra[i]; i++)
                g_ptr_array_add(args, (char *) extra[i]);
        g_ptr_array_add(args, NULL);
        test_env_setup(&f->env, &(const TestEnvOptions) {
                .config_text = config,
                .daemon_args = (const char *const *) args->pdata,
                .log = true,
                .events_match = EVENT_MATCH,
        });
}

static void fixture_teardown(Fixture *f, gconstpointer data) {
        test_env_teardown(&f->env);
        ptp_lab_done(&f->lab);
}

/*
 * Waits for an event of the resource whose values include "ADDRESS|notification|enumeration|STATE"
 * (or, for the clock class, "ADDRESS|metric|decimal64.3|CLASS"), after the events already
 * consumed; consumes up to it. Returns the seconds it took.
 */
static double wait_event(Fixture *f, const char *suffix, const char *address, const char *value) {
        const char *kind = streq(suffix, CLASS) ? "metric|decimal64.3" : "notification|enumeration";
        g_autofree char *wanted = g_strdup_printf("%s|%s|%s", address, kind, value);
        gint64 start = g_get_monotonic_time();

        if (!test_env_wait_event(&f->env, suffix, wanted, WAIT_USEC))
                g_error("No %s event with value %s within %d s", suffix, wanted, (int) (WAIT_USEC / G_USEC_PER_SEC));
        return (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC;
}

static double now_sec(void) {
        return (double) g_get_monotonic_time() / G_USEC_PER_SEC;
}

/* The log has a line containing needle, within the deadline. */
static bool log_has(Fixture *f, const char *needle, unsigned count) {
        return test_env_log_has(&f->env, needle, count, WAIT_USEC);
}

static void expect_locked(Fixture *f, unsigned slave) {
        g_autofree char *alias = slave_alias(f, slave);
        double t;

        t = wait_event(f, LOCK, alias, "LOCKED");
        g_test_message("lock-state LOCKED after %.2f s", t);
}

/* Start-up: the three states LOCKED and the grandmaster's class 6, from a real slave. */
static void test_startup(Fixture *f, gconstpointer data) {
        g_autofree char *group = ptp4l_group(f, "slave", 0, NULL);
        g_autofree char *alias = slave_alias(f, 0);
        guint from;

        fixture_start(f, "--slaves=1", group, NULL);
        expect_locked(f, 0);
        from = f->env.seen;
        (void) wait_event(f, OS, "CLOCK_REALTIME", "LOCKED");
        f->env.seen = from;
        (void) wait_event(f, SYNC, SYNC, "LOCKED");
        f->env.seen = from;
        (void) wait_event(f, CLASS, alias, "6");
        g_assert_true(log_has(f, "subscribed to port state changes", 1));
}

/* Master lost: HOLDOVER, FREERUN when the holdover runs out, LOCKED when it is back. */
static void test_master_lost(Fixture *f, gconstpointer data) {
        g_autofree char *group = ptp4l_group(f, "slave", 0, NULL);
        g_autofree char *alias = slave_alias(f, 0);
        gint64 killed;
        guint from;
        double t;

        fixture_start(f, "--slaves=1", group, NULL);
        expect_locked(f, 0);

        killed = g_get_monotonic_time();
        lab(f, "kill-master", NULL);
        (void) wait_event(f, LOCK, alias, "HOLDOVER");
        g_test_message("master killed -> HOLDOVER in %.2f s (ptp4l's announce timeout is most of it)",
                       (double) (g_get_monotonic_time() - killed) / G_USEC_PER_SEC);
        (void) wait_event(f, SYNC, SYNC, "HOLDOVER");
        from = f->env.seen;
        /* No master followed: PARENT_DATA_SET is stale, the class is the slave's own (255, slaveOnly). */
        (void) wait_event(f, CLASS, alias, "255");
        f->env.seen = from;
        t = wait_event(f, LOCK, alias, "FREERUN");
        g_test_message("HOLDOVER -> FREERUN after another %.2f s (HoldoverTimeoutSec=%d)", t, HOLDOVER_SEC);

        lab(f, "restart-master", NULL);
        from = f->env.seen;
        expect_locked(f, 0);
        (void) wait_event(f, SYNC, SYNC, "LOCKED");
        f->env.seen = from;
        (void) wait_event(f, CLASS, alias, "6");
}

/* A fault made on the real ptp4l: lock-state HOLDOVER (how long it took is printed), then the repair: LOCKED. */
static void fault_and_repair(Fixture *f, const char *fault, const char *repair, const char *includes) {
        g_autofree char *alias = slave_alias(f, 0);
        double t = now_sec();

        lab(f, fault, NULL);
        (void) wait_event(f, LOCK, alias, "HOLDOVER");
        g_test_message("%s -> HOLDOVER in %.3f s (includes %s)", fault, now_sec() - t, includes);
        /* Software timestamping: ptp4l disciplines CLOCK_REALTIME itself, so the os-clock follows. */
        (void) wait_event(f, OS, "CLOCK_REALTIME", "HOLDOVER");
        lab(f, repair, NULL);
        expect_locked(f, 0);
}

static void test_link(Fixture *f, gconstpointer data) {
        g_autofree char *group = ptp4l_group(f, "slave", 0, NULL);

        fixture_start(f, "--slaves=1", group, NULL);
        expect_locked(f, 0);
        fault_and_repair(f, "link-down", "link-up", "the lab's ip command");
}

static void test_unlock_lock(Fixture *f, gconstpointer data) {
        g_autofree char *group = ptp4l_group(f, "slave", 0, NULL);

        fixture_start(f, "--slaves=1", group, NULL);
        expect_locked(f, 0);
        fault_and_repair(f, "unlock", "lock", "running pmc");
}

static void test_clock_class(Fixture *f, gconstpointer data) {
        g_autofree char *group = ptp4l_group(f, "slave", 0, NULL);
        g_autofree char *alias = slave_alias(f, 0);
        double t;

        fixture_start(f, "--slaves=1", group, NULL);
        (void) wait_event(f, CLASS, alias, "6");
        t = now_sec();
        lab(f, "set-gm-class", "7");
        (void) wait_event(f, CLASS, alias, "7");
        g_test_message("grandmaster class 7 -> clock-class event in %.2f s (the next poll)", now_sec() - t);
}

/* ptp4l itself gone: FREERUN after the holdover; back: subscribed again and LOCKED, without a restart of ours. */
static void test_ptp4l_restart(Fixture *f, gconstpointer data) {
        g_autofree char *group = ptp4l_group(f, "slave", 0, NULL);
        g_autofree char *alias = slave_alias(f, 0);

        fixture_start(f, "--slaves=1", group, NULL);
        expect_locked(f, 0);
        g_assert_true(log_has(f, "subscribed to port state changes", 1));

        lab(f, "kill-slave", "--hard");
        (void) wait_event(f, LOCK, alias, "HOLDOVER");
        (void) wait_event(f, LOCK, alias, "FREERUN");
        (void) wait_event(f, SYNC, SYNC, "FREERUN");

        lab(f, "restart-slave", NULL);
        expect_locked(f, 0);
        g_assert_true(log_has(f, "subscribed to port state changes", 2));
}

/*
 * Only a push can be this fast: with a poll interval of a minute, the first
 * round (at start-up) is the only one during the test, so HOLDOVER after
 * 'unlock' must come from ptp4l's port state notification.
 */
static void test_push(Fixture *f, gconstpointer data) {
        g_autofree char *group = ptp4l_group(f, "slave", 0, "PollIntervalMs=60000\n");

        fixture_start(f, "--slaves=1", group, NULL);
        expect_locked(f, 0);
        g_assert_true(log_has(f, "subscribed to port state changes", 1));
        /* LOCKED again needs a fresh receipt time: the push asks for a round at once. */
        fault_and_repair(f, "unlock", "lock", "running pmc; by push, the next poll is a minute away");
}

/* GetCurrentState of lock-state: one event, its values "address|data_type|value_type|value". */
static TestEvent *lock_state_now(Fixture *f) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(f->env.client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                               "GetCurrentState", NULL, &reply, "s", TEST_PREFIX LOCK);
        g_assert_cmpint(r, >=, 0);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "(tsssxa(ssss))"), >, 0);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'r', "tsssxa(ssss)"), >, 0);
        return test_event_read(reply);
}

/* GetCurrentState of lock-state has a state and an offset for each of two clocks. */
static bool two_clocks(void *userdata) {
        g_autoptr(TestEvent) e = lock_state_now(userdata);

        return e->values->len == 4;
}

/* Two ptp4l instances: two clocks in lock-state; sync-state the worst of them. */
static void test_two_instances(Fixture *f, gconstpointer data) {
        g_autofree char *g0 = NULL, *g1 = NULL, *groups = NULL;
        g_autofree char *if0 = NULL, *if1 = NULL;

        /* Two slaves of one NIC would share an alias (pl-sx): give the second its own. */
        g0 = ptp4l_group(f, "first", 0, NULL);
        g1 = ptp4l_group(f, "second", 1, "Alias=second\n");
        groups = g_strconcat(g0, g1, NULL);
        fixture_start(f, "--slaves=2", groups, NULL);

        if0 = slave_alias(f, 0);
        (void) wait_event(f, LOCK, if0, "LOCKED");
        f->env.seen = 0;
        (void) wait_event(f, LOCK, "second/master", "LOCKED");
        g_assert_true(test_bus_wait_for(f->env.client, two_clocks, f, WAIT_USEC));
        /* sync-state may have turned LOCKED with the first clock, before the second one's event. */
        f->env.seen = 0;
        (void) wait_event(f, SYNC, SYNC, "LOCKED");

        /* One of them gone: its clock runs out of holdover, and so does the node. */
        g_assert_cmpint(lab_run(f, "kill-slave", "slave2", NULL), ==, 0);
        (void) wait_event(f, LOCK, "second/master", "FREERUN");
        (void) wait_event(f, SYNC, SYNC, "FREERUN");
        if1 = slave_interface(f, 1);
        g_test_message("second instance (%s) FREERUN; the node's sync-state with it", if1);
}

/* Rewrites the configuration with config_groups and reloads it (Manager.Reload, which returns once it applied). */
static void reload_with(Fixture *f, const char *config_groups) {
        g_autofree char *config = config_text(config_groups);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autoptr(GError) e = NULL;

        g_file_set_contents(f->env.config_path, config, -1, &e);
        g_assert_no_error(e);
        if (sd_bus_call_method(f->env.client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "Reload",
                               &error, NULL, NULL) < 0)
                g_error("Reload: %s: %s", error.name, error.message);
}


/*
 * [ptp4l NAME] instances changed by Reload, on a running daemon: one instance first; a second one
 * added (two clocks); the second removed while FREERUN (its clock leaves lock-state, and the node is
 * LOCKED again without it); the first's PollIntervalMs changed (read anew, still LOCKED throughout).
 */
static void test_reload_instances(Fixture *f, gconstpointer data) {
        g_autofree char *g0 = NULL, *g0_faster = NULL, *g1 = NULL, *both = NULL, *alias0 = NULL, *about = NULL;
        g_autoptr(TestEvent) now = NULL;
        guint from;

        g0 = ptp4l_group(f, "first", 0, NULL);
        g1 = ptp4l_group(f, "second", 1, "Alias=second\n");
        both = g_strconcat(g0, g1, NULL);
        alias0 = slave_alias(f, 0);
        fixture_start(f, "--slaves=2", g0, NULL);
        (void) wait_event(f, LOCK, alias0, "LOCKED");
        (void) wait_event(f, SYNC, SYNC, "LOCKED");

        /* Added: read at once, a second clock. */
        reload_with(f, both);
        (void) wait_event(f, LOCK, "second/master", "LOCKED");
        g_assert_true(test_bus_wait_for(f->env.client, two_clocks, f, WAIT_USEC));
        g_assert_true(log_has(f, "Reading ptp4l second", 1));

        /* The second's ptp4l gone: FREERUN after the holdover, and the node with it. */
        g_assert_cmpint(lab_run(f, "kill-slave", "slave2", NULL), ==, 0);
        (void) wait_event(f, LOCK, "second/master", "FREERUN");
        (void) wait_event(f, SYNC, SYNC, "FREERUN");

        /* Removed: its clock leaves lock-state, whose worst is the first's again, and so is the node's. */
        from = f->env.seen;
        reload_with(f, g0);
        now = lock_state_now(f);
        g_assert_cmpuint(now->values->len, ==, 2);
        g_assert_true(g_str_has_prefix(now->values->pdata[0], alias0));
        (void) wait_event(f, LOCK, alias0, "LOCKED"); /* the event of lock-state's value, with what is left */
        {
                g_autoptr(TestEvent) e = NULL;

                (void) sd_bus_message_rewind(f->env.events->messages->pdata[f->env.seen - 1], true);
                e = test_event_read(f->env.events->messages->pdata[f->env.seen - 1]);
                g_assert_cmpuint(e->values->len, ==, 2);
        }
        f->env.seen = from;
        (void) wait_event(f, SYNC, SYNC, "LOCKED");
        g_assert_true(log_has(f, "no longer reading ptp4l second", 1));

        /* Changed: read anew (a second "answers"), and LOCKED all along: not even a LOCKED event again. */
        while (sd_bus_process(f->env.client, NULL) > 0)
                ;
        from = f->env.events->messages->len;
        g0_faster = ptp4l_group(f, "first", 0, "PollIntervalMs=500\n");
        reload_with(f, g0_faster);
        g_assert_true(log_has(f, "reading anew: ptp4l first", 1));
        g_assert_true(log_has(f, "ptp4l first answers at ", 2));
        g_clear_pointer(&now, test_event_free);
        now = lock_state_now(f);
        g_assert_cmpuint(now->values->len, ==, 2);
        g_assert_true(g_str_has_suffix(now->values->pdata[0], "|LOCKED"));
        /*
         * The same file again changes nothing (nothing is read anew), and its reply comes after every
         * event the daemon had to send: a barrier, after which all of them are here.
         */
        reload_with(f, g0_faster);
        while (sd_bus_process(f->env.client, NULL) > 0)
                ;
        g_assert_cmpuint(test_file_count(f->env.log_path, "reading anew"), ==, 1);
        about = test_env_states_since(&f->env, from, alias0);
        g_assert_cmpstr(about, ==, "");
        g_free(about);
        about = test_env_states_since(&f->env, from, "CLOCK_REALTIME");
        g_assert_cmpstr(about, ==, "");
        g_free(about);
        about = test_env_states_since(&f->env, from, SYNC);
        g_assert_cmpstr(about, ==, "");
}

/* --ptp4l-socket: one instance, its interface asked of ptp4l (PORT_PROPERTIES_NP). */
static void test_socket_option(Fixture *f, gconstpointer data) {
        g_autofree char *arg = NULL, *interface = NULL;

        fixture_make_lab_dir(f);
        arg = g_strconcat("--ptp4l-socket=", f->lab.dir, "/slave.sock", NULL);
        fixture_start(f, "--slaves=1", "", (const char *const[]) { arg, NULL });
        expect_locked(f, 0);
        interface = slave_interface(f, 0);
        g_assert_true(log_has(f, interface, 1));
}

/* Garbage sent to the daemon's client socket from another process is dropped (the socket is connected). */
static void test_foreign_datagram(Fixture *f, gconstpointer data) {
        g_autofree char *group = ptp4l_group(f, "slave", 0, NULL);
        g_autofree char *alias = slave_alias(f, 0);
        g_autofree char *target = NULL;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        fixture_start(f, "--slaves=1", group, NULL);
        expect_locked(f, 0);

        target = g_build_filename(f->env.bus->dir, "run", "ptp4l-slave.sock", NULL);
        g_assert_cmpuint(strlen(target), <, sizeof(sa.sun_path));
        strcpy(sa.sun_path, target);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        g_assert_cmpint(fd, >=, 0);
        /* The kernel refuses it: the daemon's socket only takes datagrams from ptp4l's. */
        g_assert_cmpint(sendto(fd, "garbage", 7, 0, (struct sockaddr *) &sa, sizeof(sa)), <, 0);
        g_assert_cmpint(errno, ==, EPERM);
        close(fd);

        lab(f, "unlock", NULL);
        (void) wait_event(f, LOCK, alias, "HOLDOVER");
}

/* The event the last wait_event() found: no offset in it, since nothing was measured. */
static void assert_last_event_has_no_metric(Fixture *f) {
        sd_bus_message *m = f->env.events->messages->pdata[f->env.seen - 1];
        g_autoptr(TestEvent) e = NULL;

        (void) sd_bus_message_rewind(m, true);
        e = test_event_read(m);
        g_assert_cmpuint(e->values->len, ==, 1);
        g_assert_null(strstr(e->values->pdata[0], "|metric|"));
}

/* The daemon reading args (and config_text), without a lab: for a ptp4l that is not there. */
static void fixture_start_alone(Fixture *f, const char *config, const char *const *args) {
        test_env_setup(&f->env, &(const TestEnvOptions) {
                .config_text = config,
                .daemon_args = args,
                .log = true,
                .events_match = EVENT_MATCH,
        });
}

/*
 * No ptp4l at the socket, and no Interface= to name the clock: still an observation, FREERUN for
 * a clock named after the group (so that sync-state has a value and `wait` returns), and one
 * warning naming the socket and the error, not one per poll (debug lines say the rest).
 */
static void test_unreachable(Fixture *f, gconstpointer data) {
        g_autofree char *dir = g_dir_make_tmp("ptpsync-nowhere-XXXXXX", NULL);
        g_autofree char *config = NULL, *warning = NULL, *again = NULL;

        g_assert_nonnull(dir);
        config = g_strdup_printf("[ptp4l nowhere]\nSocket=%s/nowhere.sock\nPollIntervalMs=100\n", dir);
        warning = g_strdup_printf("ptp4l nowhere: cannot reach ptp4l at %s/nowhere.sock: %s", dir, g_strerror(ENOENT));
        again = g_strdup_printf("ptp4l nowhere: still not answering: cannot reach ptp4l at %s/nowhere.sock", dir);
        g_assert_true(g_setenv("PTPSYNCD_LOG_LEVEL", "debug", true));
        fixture_start_alone(f, config, (const char *const[]) { "--source=linuxptp", "--runtime-dir=@BUS_DIR@/run", NULL });
        g_unsetenv("PTPSYNCD_LOG_LEVEL");

        (void) wait_event(f, LOCK, "nowhere/master", "FREERUN");
        assert_last_event_has_no_metric(f);
        (void) wait_event(f, OS, "CLOCK_REALTIME", "FREERUN");
        assert_last_event_has_no_metric(f);
        (void) wait_event(f, SYNC, SYNC, "FREERUN");
        /* Five more polls failed: still the one warning. */
        g_assert_true(log_has(f, again, 5));
        g_assert_cmpuint(test_file_count(f->env.log_path, warning), ==, 1);
        g_assert_cmpint(g_rmdir(dir), ==, 0);
}

/* A mistyped --ptp4l-socket=: FREERUN for the clock "ptp4l", and the warning at the default log level. */
static void test_unreachable_socket_option(Fixture *f, gconstpointer data) {
        g_autofree char *warning = NULL;

        g_unsetenv("PTPSYNCD_LOG_LEVEL");
        fixture_start_alone(f, NULL, (const char *const[]) { "--source=linuxptp", "--runtime-dir=@BUS_DIR@/run",
                                                             "--ptp4l-socket=/nonexistent/ptp4l", NULL });
        (void) wait_event(f, LOCK, "ptp4l/master", "FREERUN");
        (void) wait_event(f, OS, "CLOCK_REALTIME", "FREERUN");
        warning = g_strdup_printf("ptp4l ptp4l: cannot reach ptp4l at /nonexistent/ptp4l: %s", g_strerror(ENOENT));
        g_assert_true(log_has(f, warning, 1));
}

/* lock-state's current state is exactly the one value wanted (a state, no offset). */
static bool lock_state_is_only(void *userdata) {
        const char *const *w = userdata;
        Fixture *f = (Fixture *) w[0];
        g_autoptr(TestEvent) e = lock_state_now(f);

        return e->values->len == 1 && streq(e->values->pdata[0], w[1]);
}

/* Two unreachable instances without Interface=; one removed by a reload: its stand-in clock is retired. */
static void test_unreachable_reload(Fixture *f, gconstpointer data) {
        g_autofree char *dir = g_dir_make_tmp("ptpsync-nowhere-XXXXXX", NULL);
        g_autofree char *a = NULL, *b = NULL, *both = NULL, *config = NULL;

        g_assert_nonnull(dir);
        a = g_strdup_printf("[ptp4l a]\nSocket=%s/a.sock\nPollIntervalMs=100\n", dir);
        b = g_strdup_printf("[ptp4l b]\nSocket=%s/b.sock\nPollIntervalMs=100\n", dir);
        both = g_strconcat(a, b, NULL);
        config = config_text(both);
        fixture_start_alone(f, config, (const char *const[]) { "--source=linuxptp", "--runtime-dir=@BUS_DIR@/run", NULL });
        (void) wait_event(f, LOCK, "a/master", "FREERUN");
        f->env.seen = 0;
        (void) wait_event(f, LOCK, "b/master", "FREERUN");

        reload_with(f, a);
        g_assert_true(test_bus_wait_for(f->env.client, lock_state_is_only,
                                        (void *) (const void *const[]) { f, "a/master|notification|enumeration|FREERUN" },
                                        WAIT_USEC));
        g_assert_cmpint(g_rmdir(dir), ==, 0);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        ptp_lab_require_root();

#define ADD(name, fn) g_test_add("/linuxptp/" name, Fixture, NULL, NULL, fn, fixture_teardown)
        ADD("startup", test_startup);
        ADD("master-lost", test_master_lost);
        ADD("link", test_link);
        ADD("unlock-lock", test_unlock_lock);
        ADD("clock-class", test_clock_class);
        ADD("ptp4l-restart", test_ptp4l_restart);
        ADD("push", test_push);
        ADD("two-instances", test_two_instances);
        ADD("foreign-datagram", test_foreign_datagram);
        ADD("socket-option", test_socket_option);
        ADD("reload-instances", test_reload_instances);
        ADD("unreachable", test_unreachable);
        ADD("unreachable-socket-option", test_unreachable_socket_option);
        ADD("unreachable-reload", test_unreachable_reload);
        return g_test_run();
}
