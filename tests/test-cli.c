/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command line and the process as systemd sees it: options, the
 * configuration file, exit statuses, sd_notify, signals, and what happens
 * when the name is taken or the bus goes away. Runs the real ptpsyncd.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bus-names.h"
#include "test-env.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus, sd_bus_flush_close_unref)


/* A ptpsyncd that ran to its end: how it ended and what it printed. */
typedef struct Run {
        char *cmdline;
        int status; /* raw wait status */
        char *out;
        char *err;
} Run;

static void run_clear(Run *r) {
        g_free(r->cmdline);
        g_free(r->out);
        g_free(r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

/*
 * Runs ptpsyncd with args to its end, collecting stdout and stderr. Unlike
 * g_spawn_sync() it has a deadline: a daemon that wrongly keeps running is
 * killed and the test fails, instead of hanging until meson's timeout.
 */
static void run_ptpsyncd(const char *const *args, Run *ret) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        GString *bufs[2] = { g_string_new(NULL), g_string_new(NULL) };
        gint64 deadline = g_get_monotonic_time() + TEST_TIMEOUT_USEC;
        int fds[2] = { -1, -1 };
        bool exited = false;
        GPid pid;

        test_ptpsyncd_argv(argv);
        for (size_t i = 0; args[i]; i++)
                g_ptr_array_add(argv, g_strdup(args[i]));
        g_ptr_array_add(argv, NULL);
        ret->cmdline = g_strjoinv(" ", (char **) argv->pdata);

        g_spawn_async_with_pipes(NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                 test_spawn_child_setup, NULL, &pid,
                                 NULL, &fds[0], &fds[1], &error);
        g_assert_no_error(error);

        while (fds[0] >= 0 || fds[1] >= 0) {
                struct pollfd p[2] = { { .fd = fds[0], .events = POLLIN }, { .fd = fds[1], .events = POLLIN } };
                gint64 left = deadline - g_get_monotonic_time();

                if (left <= 0 || poll(p, 2, (int) (left / 1000) + 1) < 0)
                        break;
                for (int i = 0; i < 2; i++) {
                        char buf[4096];
                        ssize_t n;

                        if (fds[i] < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                                continue;
                        n = read(fds[i], buf, sizeof(buf));
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0) {
                                close(fds[i]);
                                fds[i] = -1;
                        } else
                                g_string_append_len(bufs[i], buf, n);
                }
        }
        for (int i = 0; i < 2; i++)
                if (fds[i] >= 0)
                        close(fds[i]);

        for (;;) {
                pid_t r = waitpid(pid, &ret->status, WNOHANG);

                g_assert_cmpint(r, >=, 0);
                if (r == pid) {
                        exited = true;
                        break;
                }
                if (g_get_monotonic_time() > deadline)
                        break;
                g_usleep(5000); /* polling a child's exit, bounded by the deadline */
        }
        if (!exited) {
                /* Reap it first, so that the failing assertion leaves nothing behind. */
                kill(pid, SIGKILL);
                (void) waitpid(pid, &ret->status, 0);
        }
        g_spawn_close_pid(pid);
        ret->out = g_string_free(bufs[0], false);
        ret->err = g_string_free(bufs[1], false);
        if (!exited)
                g_test_message("%s did not exit within the deadline; stderr: %s", ret->cmdline, ret->err);
        g_assert_true(exited);
}

static void assert_run_exited(const Run *r, int exit_status) {
        if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != exit_status)
                g_test_message("%s: wait status 0x%x, expected exit %d; stderr:\n%s", r->cmdline, r->status,
                               exit_status, r->err);
        g_assert_true(WIFEXITED(r->status));
        g_assert_cmpint(WEXITSTATUS(r->status), ==, exit_status);
}

static void assert_contains(const char *what, const char *haystack, const char *needle) {
        if (!strstr(haystack, needle))
                g_test_message("%s does not contain \"%s\": %s", what, needle, haystack);
        g_assert_nonnull(strstr(haystack, needle));
}

/* Whether some notification line starts with prefix and contains needle. */
static bool notified_line(const TestDaemon *d, const char *prefix, const char *needle) {
        g_auto(GStrv) lines = g_strsplit(d->notifications->str, "\n", -1);

        for (char **l = lines; *l; l++)
                if (g_str_has_prefix(*l, prefix) && strstr(*l, needle))
                        return true;
        return false;
}

static char *get_manager_string(TestBus *b, const char *property) {
        g_autoptr(sd_bus) bus = test_bus_connect(b);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *s = NULL;
        int r;

        r = sd_bus_get_property_string(bus, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, property, &error, &s);
        if (r < 0)
                g_test_message("Reading %s failed: %s: %s", property, error.name, error.message);
        sd_bus_error_free(&error);
        g_assert_cmpint(r, >=, 0);
        return s;
}

static void inject(sd_bus *bus, const char *suffix, const char *clock, const char *observation, int64_t offset) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, MANAGER_OBJECT_PATH, SIMULATOR_INTERFACE, "Inject", &error, NULL, "sssx",
                               suffix, clock, observation, offset);
        if (r < 0)
                g_test_message("Inject(%s, %s, %s) failed: %s: %s", suffix, clock, observation, error.name,
                               error.message);
        sd_bus_error_free(&error);
        g_assert_cmpint(r, >=, 0);
}

static void test_help(void) {
        static const char *const options[] = { "--bus", "--node-name", "--config", "--source", "--state-dir",
                                               "--runtime-dir", "--ptp4l-socket", "--log-level", "--log-target",
                                               "--version", "--help" };
        static const char *const args[] = { "--help", NULL };
        g_autofree char *section = NULL;
        g_auto(Run) r = {};
        const char *exit_section, *end;

        run_ptpsyncd(args, &r);
        assert_run_exited(&r, 0);
        g_assert_true(g_str_has_prefix(r.out, "Usage: ptpsyncd"));
        for (size_t i = 0; i < G_N_ELEMENTS(options); i++)
                assert_contains("--help", r.out, options[i]);

        /* Every exit status a service manager may see is explained, in the paragraph after the heading. */
        exit_section = strstr(r.out, "Exit status");
        g_assert_nonnull(exit_section);
        end = strstr(exit_section, "\n\n");
        section = end ? g_strndup(exit_section, end - exit_section) : g_strdup(exit_section);
        for (char code = '0'; code <= '2'; code++) {
                g_autofree char *pattern = g_strdup_printf("\\b%c\\b", code);

                if (!g_regex_match_simple(pattern, section, 0, 0))
                        g_test_message("Exit status %c not explained in: %s", code, section);
                g_assert_true(g_regex_match_simple(pattern, section, 0, 0));
        }
        g_assert_cmpstr(r.err, ==, "");
}

static void test_help_short(void) {
        static const char *const args[] = { "-h", NULL };
        g_auto(Run) r = {};

        run_ptpsyncd(args, &r);
        assert_run_exited(&r, 0);
        g_assert_true(g_str_has_prefix(r.out, "Usage: ptpsyncd"));
}

static void test_version(void) {
        static const char *const args[] = { "--version", NULL };
        g_autofree char *expected = NULL;
        g_auto(Run) r = {};
        const char *version = g_getenv("PTPSYNC_VERSION");

        g_assert_nonnull(version);
        expected = g_strdup_printf("ptpsyncd %s\n", version);
        run_ptpsyncd(args, &r);
        assert_run_exited(&r, 0);
        g_assert_cmpstr(r.out, ==, expected);
        g_assert_cmpstr(r.err, ==, "");
}

/*
 * Start-up refused. Each runs with a test bus and a node name, so that a
 * daemon that wrongly accepts the input fails in a way the test sees (a
 * different status, or the deadline) instead of reaching for the system bus.
 */
typedef struct BadInput {
        const char *name;
        const char *args[3];
        const char *config;     /* when set: written to a file passed as --config= */
        int exit_status;
        const char *needles[4]; /* each must be on stderr; CONFIG_PATH stands for the file's path */
} BadInput;

#define CONFIG_PATH "@CONFIG_PATH@"

static const BadInput bad_inputs[] = {
        { "unknown-option", { "--frobnicate" }, NULL, 2, { "ptpsyncd: unrecognized option '--frobnicate'" } },
        { "bus-garbage", { "--bus=garbage" }, NULL, 2,
          { "Invalid --bus=\"garbage\": not system, session or a D-Bus address: it has no transport" } },
        { "bus-empty", { "--bus=" }, NULL, 2, { "Invalid --bus=\"\"", "it is empty" } },
        { "bus-unescaped", { "--bus=unix:path=/run/a b" }, NULL, 2, { "--bus=", "must be %-escaped" } },
        { "positional", { "extra-argument" }, NULL, 2, { "positional" } },
        { "source", { "--source=bogus" }, NULL, 2, { "--source", "bogus" } },
        { "node-name-slash", { "--node-name=du1/x" }, NULL, 2, { "--node-name", "du1/x" } },
        { "node-name-empty", { "--node-name=" }, NULL, 2, { "--node-name" } },
        { "config-missing", { "--config=/nonexistent/ptpsyncd.conf" }, NULL, 2, { "/nonexistent/ptpsyncd.conf" } },
        { "config-unknown-key", {}, "[Daemon]\nSource=sim\nFrobnicate=1\n", 2,
          { "Frobnicate", "[Daemon]", CONFIG_PATH } },
        { "config-unknown-group", {}, "[Deamon]\nSource=sim\n", 2, { "[Deamon]", CONFIG_PATH } },
        { "config-offsets-equal", {}, "[Thresholds]\nMinOffsetNs=50\nMaxOffsetNs=50\n", 2,
          { "MinOffsetNs", "MaxOffsetNs", CONFIG_PATH } },
        { "config-offsets-reversed", {}, "[Thresholds]\nMinOffsetNs=100\nMaxOffsetNs=-100\n", 2,
          { "MinOffsetNs", "MaxOffsetNs", CONFIG_PATH } },
        { "config-holdover-zero", {}, "[Thresholds]\nHoldoverTimeoutSec=0\n", 2,
          { "HoldoverTimeoutSec", "[Thresholds]", CONFIG_PATH } },
        { "ptp4l-socket-relative", { "--ptp4l-socket=ptp4l" }, NULL, 2, { "--ptp4l-socket=ptp4l", "absolute" } },
        { "ptp4l-socket-long",
          { "--ptp4l-socket=/run/0123456789012345678901234567890123456789012345678901234567890123456789"
            "0123456789012345678901234567890123456789" },
          NULL, 2, { "--ptp4l-socket", "107" } },
        { "ptp4l-socket-sim", { "--ptp4l-socket=/run/ptp4l", "--source=sim" }, NULL, 2,
          { "--ptp4l-socket", "--source=sim" } },
        { "runtime-dir-relative", { "--runtime-dir=run" }, NULL, 2, { "--runtime-dir=run", "absolute" } },
        { "runtime-dir-long", { "--runtime-dir=/run/012345678901234567890123456789012345678901234567890123456789" },
          NULL, 2, { "--runtime-dir", "56" } },
        { "config-ptp4l-socket-relative", {}, "[ptp4l a]\nSocket=ptp4l\n", 2, { "Socket", "[ptp4l a]", CONFIG_PATH } },
        { "config-ptp4l-unknown-key", {}, "[ptp4l a]\nSokcet=/run/ptp4l\n", 2,
          { "Sokcet", "[ptp4l a]", CONFIG_PATH } },
};

static void test_bad_input(const void *data) {
        const BadInput *t = data;
        g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *config_path = NULL;
        g_auto(Run) r = {};
        TestBus *b = test_bus_start();

        g_ptr_array_add(args, g_strconcat("--bus=", b->address, NULL));
        g_ptr_array_add(args, g_strdup("--node-name=" TEST_NODE_NAME));
        for (size_t i = 0; i < G_N_ELEMENTS(t->args) && t->args[i]; i++)
                g_ptr_array_add(args, g_strdup(t->args[i]));
        if (t->config) {
                config_path = test_bus_write_file(b, "ptpsyncd.conf", t->config);
                g_ptr_array_add(args, g_strconcat("--config=", config_path, NULL));
        }
        g_ptr_array_add(args, NULL);

        run_ptpsyncd((const char *const *) args->pdata, &r);
        test_bus_stop(b);

        assert_run_exited(&r, t->exit_status);
        for (size_t i = 0; i < G_N_ELEMENTS(t->needles) && t->needles[i]; i++)
                assert_contains("stderr", r.err,
                                g_str_equal(t->needles[i], CONFIG_PATH) ? config_path : t->needles[i]);
        g_assert_cmpstr(r.out, ==, "");
}

/* Starts from a configuration file alone, or with a --node-name= on top. */
static void check_config_node_name(const char *cli_node_name, const char *expected) {
        g_autofree char *bus_arg = NULL, *config_path = NULL, *config_arg = NULL, *node_arg = NULL;
        g_autofree char *node_name = NULL;
        TestBus *b = test_bus_start();
        TestDaemon *d;
        bool ready;

        config_path = test_bus_write_file(b, "ptpsyncd.conf", "[Daemon]\nNodeName=cfg-node.example\nSource=sim\n");
        bus_arg = g_strconcat("--bus=", b->address, NULL);
        config_arg = g_strconcat("--config=", config_path, NULL);
        node_arg = cli_node_name ? g_strconcat("--node-name=", cli_node_name, NULL) : NULL;
        const char *args[] = { bus_arg, config_arg, node_arg, NULL };

        d = test_daemon_spawn(b, args, false);
        ready = test_daemon_wait_notify(d, "READY=1", TEST_TIMEOUT_USEC);
        if (!ready) {
                /* Its stderr is in the log; leave nothing running behind the failure. */
                test_daemon_free(d);
                test_bus_stop(b);
        }
        g_assert_true(ready);
        node_name = get_manager_string(b, "NodeName");
        g_assert_cmpstr(node_name, ==, expected);

        test_daemon_stop(d);
        test_daemon_free(d);
        test_bus_stop(b);
}

static void test_config_node_name(void) {
        check_config_node_name(NULL, "cfg-node.example");
}

static void test_config_node_name_overridden(void) {
        check_config_node_name("cli-node.example", "cli-node.example");
}

static void test_notify_status(void) {
        TestEnv *env = test_env_start(NULL);
        TestDaemon *d = env->daemon;
        sd_bus *bus = env->client;

        g_assert_true(test_daemon_wait_notify(d, "STATUS=", TEST_TIMEOUT_USEC));
        /* Nothing observed yet: no state may be claimed. */
        g_assert_null(strstr(d->notifications->str, "LOCKED"));
        g_assert_null(strstr(d->notifications->str, "FREERUN"));
        g_assert_null(strstr(d->notifications->str, "HOLDOVER"));

        inject(bus, "sync/ptp-status/lock-state", "ens1f0", "locked", 10);
        /* The node's state needs the system clock too; Inject has returned, so any STATUS= was sent. */
        g_assert_false(test_daemon_wait_notify(d, "LOCKED", 0));

        inject(bus, "sync/sync-status/os-clock-sync-state", "", "locked", 5);
        if (!test_daemon_wait_notify(d, "LOCKED", TEST_TIMEOUT_USEC))
                g_test_message("Notifications: %s", d->notifications->str);
        g_assert_true(notified_line(d, "STATUS=", "LOCKED"));
        g_assert_null(strstr(d->notifications->str, "FREERUN"));

        test_env_stop(env);
}

static void test_sigterm(void) {
        TestBus *b = test_bus_start();
        TestDaemon *d = test_daemon_start(b, NULL);

        test_daemon_stop(d);
        g_assert_true(notified_line(d, "STOPPING=1", ""));
        test_daemon_free(d);
        test_bus_stop(b);
}

static void test_sigint(void) {
        TestBus *b = test_bus_start();
        TestDaemon *d = test_daemon_start(b, NULL);

        g_assert_cmpint(kill(d->pid, SIGINT), ==, 0);
        g_assert_true(test_daemon_wait_exit(d, TEST_TIMEOUT_USEC));
        g_assert_true(WIFEXITED(d->exit_status));
        g_assert_cmpint(WEXITSTATUS(d->exit_status), ==, 0);
        g_assert_true(notified_line(d, "STOPPING=1", ""));
        test_daemon_free(d);
        test_bus_stop(b);
}

static void test_name_taken(void) {
        g_autofree char *bus_arg = NULL, *version = NULL, *state_arg = NULL;
        g_auto(Run) r = {};
        TestBus *b = test_bus_start();
        TestDaemon *first = test_daemon_start(b, NULL);

        bus_arg = g_strconcat("--bus=", b->address, NULL);
        state_arg = g_strconcat("--state-dir=", b->dir, "/second", NULL);
        const char *args[] = { bus_arg, "--source=sim", "--node-name=" TEST_NODE_NAME, state_arg, NULL };
        run_ptpsyncd(args, &r);
        assert_run_exited(&r, 1);
        assert_contains("stderr", r.err, BUS_NAME);

        /* The first one still has the name and answers. */
        version = get_manager_string(b, "Version");
        g_assert_cmpstr(version, ==, g_getenv("PTPSYNC_VERSION"));

        test_daemon_stop(first);
        test_daemon_free(first);
        test_bus_stop(b);
}

/* The runtime directory cannot be made: the message gives the system's reason, not "Success". */
static void test_runtime_dir_error(void) {
        g_autofree char *bus_arg = NULL, *runtime_arg = NULL, *state_arg = NULL, *file = NULL, *dir = NULL;
        g_auto(Run) r = {};
        TestBus *b = test_bus_start();

        file = test_bus_write_file(b, "not-a-directory", "");
        dir = g_build_filename(file, "run", NULL);
        bus_arg = g_strconcat("--bus=", b->address, NULL);
        runtime_arg = g_strconcat("--runtime-dir=", dir, NULL);
        state_arg = g_strconcat("--state-dir=", b->dir, "/state", NULL);
        const char *args[] = { bus_arg, "--node-name=" TEST_NODE_NAME, "--source=linuxptp", runtime_arg, state_arg,
                               NULL };
        run_ptpsyncd(args, &r);
        test_bus_stop(b);

        assert_run_exited(&r, 1);
        assert_contains("stderr", r.err, "Failed to create the runtime directory");
        assert_contains("stderr", r.err, dir);
        assert_contains("stderr", r.err, g_strerror(ENOTDIR));
        if (strstr(r.err, "Success"))
                g_test_message("stderr: %s", r.err);
        g_assert_null(strstr(r.err, "Success"));
}

/* No --state-dir= and no StateDirectory=: the store is made in $STATE_DIRECTORY's first path. */
static void test_state_directory_env(void) {
        TestBus *b = test_bus_start();
        g_autofree char *dir = g_build_filename(b->dir, "from-env", NULL);
        g_autofree char *env = g_strconcat(dir, ":", b->dir, "/second", NULL);
        g_autofree char *db = g_build_filename(dir, "ptpsync.db", NULL);
        g_autofree char *harness_default = g_build_filename(b->dir, "state", NULL);
        g_autofree char *conf = test_bus_write_file(b, "empty.conf", "");
        g_autofree char *conf_arg = g_strconcat("--config=", conf, NULL);
        const char *args[] = { conf_arg, NULL };
        TestDaemon *d;

        g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
        g_setenv("STATE_DIRECTORY", env, true);
        d = test_daemon_start(b, args);
        g_unsetenv("STATE_DIRECTORY");
        g_assert_true(g_file_test(db, G_FILE_TEST_IS_REGULAR));
        g_assert_false(g_file_test(harness_default, G_FILE_TEST_EXISTS));
        test_daemon_stop(d);
        test_daemon_free(d);
        test_bus_stop(b);
}

/* The bus going away, cleanly (SIGTERM) or not (SIGKILL: no goodbye, the socket just closes). */
static void test_bus_lost(const void *data) {
        int sig = GPOINTER_TO_INT(data);
        TestBus *b = test_bus_start();
        g_autofree char *log = g_build_filename(b->dir, "ptpsyncd.log", NULL);
        TestDaemon *d = test_daemon_spawn_logged(b, NULL, true, log);
        bool ready, exited;

        ready = test_daemon_wait_notify(d, "READY=1", TEST_TIMEOUT_USEC);
        if (!ready)
                test_daemon_free(d);
        g_assert_true(ready);

        /* Not reaped here: test_bus_stop() does that. */
        g_assert_cmpint(kill(b->pid, sig), ==, 0);
        exited = test_daemon_wait_exit(d, TEST_TIMEOUT_USEC);
        if (!exited)
                test_daemon_free(d); /* kills it, so that a failure leaves nothing behind */
        g_assert_true(exited);
        g_assert_true(WIFEXITED(d->exit_status));
        g_assert_cmpint(WEXITSTATUS(d->exit_status), ==, 1);
        /* It says why, once. */
        if (test_file_count(log, "Lost the connection to the bus; exiting.") != 1) {
                g_autofree char *text = NULL;

                (void) g_file_get_contents(log, &text, NULL, NULL);
                g_test_message("ptpsyncd's stderr: %s", strna(text));
        }
        g_assert_cmpuint(test_file_count(log, "Lost the connection to the bus; exiting."), ==, 1);
        test_daemon_free(d);
        test_bus_stop(b);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/cli/help", test_help);
        g_test_add_func("/cli/help-short", test_help_short);
        g_test_add_func("/cli/version", test_version);
        for (size_t i = 0; i < G_N_ELEMENTS(bad_inputs); i++) {
                g_autofree char *path = g_strconcat("/cli/refused/", bad_inputs[i].name, NULL);

                g_test_add_data_func(path, &bad_inputs[i], test_bad_input);
        }
        g_test_add_func("/cli/config/node-name", test_config_node_name);
        g_test_add_func("/cli/config/node-name-overridden", test_config_node_name_overridden);
        g_test_add_func("/cli/notify/status", test_notify_status);
        g_test_add_func("/cli/signal/term", test_sigterm);
        g_test_add_func("/cli/signal/int", test_sigint);
        g_test_add_func("/cli/name-taken", test_name_taken);
        g_test_add_func("/cli/runtime-dir-error", test_runtime_dir_error);
        g_test_add_data_func("/cli/bus-lost", GINT_TO_POINTER(SIGTERM), test_bus_lost);
        g_test_add_data_func("/cli/bus-killed", GINT_TO_POINTER(SIGKILL), test_bus_lost);
        g_test_add_func("/cli/state-directory-env", test_state_directory_env);

        return g_test_run();
}
