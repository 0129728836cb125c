/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bus-names.h"
#include "common/bus-open.h"
#include "child-io.h"
#include "common/rm-rf.h"
#include "harness.h"

void test_spawn_child_setup(void *userdata) {
        /* SIGKILL: a SIGSTOPped consumer ignores everything else, and would hold the test's output open. */
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
}

const char *test_ptpsyncd_path(void) {
        const char *p = g_getenv("PTPSYNCD");

        g_assert_nonnull(p);
        return p;
}

/* The words of $variable, split as a shell would, then program. */
static void argv_add_wrapped(GPtrArray *argv, const char *variable, const char *program) {
        const char *wrapper = g_getenv(variable);

        if (!isempty(wrapper)) {
                g_autoptr(GError) error = NULL;
                g_auto(GStrv) words = NULL;

                g_shell_parse_argv(wrapper, NULL, &words, &error);
                g_assert_no_error(error);
                for (char **w = words; *w; w++)
                        g_ptr_array_add(argv, g_strdup(*w));
        }
        g_ptr_array_add(argv, g_strdup(program));
}

void test_ptpsyncd_argv(GPtrArray *argv) {
        argv_add_wrapped(argv, "PTPSYNCD_WRAPPER", test_ptpsyncd_path());
}

void test_client_argv(GPtrArray *argv, const char *program) {
        argv_add_wrapped(argv, "PTPSYNC_CLIENT_WRAPPER", program);
}

void test_client_reexec(char *argv[]) {
        g_autoptr(GPtrArray) args = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *self = NULL;

        if (isempty(g_getenv("PTPSYNC_CLIENT_WRAPPER")) || g_getenv("PTPSYNC_TEST_REEXECUTED"))
                return;
        /* Resolved now: to the wrapper, /proc/self/exe would be the wrapper. */
        self = g_file_read_link("/proc/self/exe", &error);
        g_assert_no_error(error);
        g_assert_true(g_setenv("PTPSYNC_TEST_REEXECUTED", "1", true));
        args = g_ptr_array_new_with_free_func(g_free);
        test_client_argv(args, self);
        for (char **a = argv + 1; *a; a++)
                g_ptr_array_add(args, g_strdup(*a));
        g_ptr_array_add(args, NULL);
        execvp(args->pdata[0], (char **) args->pdata);
        g_error("Cannot run %s: %s", (char *) args->pdata[0], g_strerror(errno));
}

unsigned test_slowdown(void) {
        const char *e = g_getenv("PTPSYNC_TEST_SLOWDOWN");
        guint64 n;

        if (isempty(e))
                return 1;
        if (!g_ascii_string_to_unsigned(e, 10, 1, 1000, &n, NULL))
                g_error("PTPSYNC_TEST_SLOWDOWN=%s: expected a whole number from 1 to 1000", e);
        return (unsigned) n;
}

uint64_t test_slow_usec(uint64_t usec) {
        return usec * test_slowdown();
}

char *test_bus_write_file(TestBus *b, const char *name, const char *text) {
        g_autoptr(GError) error = NULL;
        char *path = g_build_filename(b->dir, name, NULL);

        g_file_set_contents(path, text, -1, &error);
        g_assert_no_error(error);
        return path;
}

TestBus *test_bus_start(void) {
        return test_bus_start_with("");
}

static PrivateBusKind test_bus_kind(void) {
        static PrivateBusKind kind;
        static bool known;
        g_autoptr(GError) error = NULL;

        if (!known && !private_bus_kind_from_env(&kind, &error))
                g_error("%s", error->message);
        known = true;
        return kind;
}

bool test_bus_is_broker(void) {
        return test_bus_kind() == PRIVATE_BUS_DBUS_BROKER;
}

bool test_skip_on_broker(const char *why) {
        g_autofree char *msg = NULL;

        if (test_bus_kind() != PRIVATE_BUS_DBUS_BROKER)
                return false;
        msg = g_strdup_printf("dbus-broker differs: %s", why);
        g_test_skip(msg);
        return true;
}

/*
 * dbus-broker runs in a mount namespace (tests/lib/bus-broker.c); without root, in a user namespace
 * too. Where there is none for us, the whole test program is skipped (77), saying why.
 */
static void broker_skip_if_impossible(void) {
        const char *argv[] = { "unshare", "-U", "-m", "-c", "true", NULL };
        static bool possible;
        int status = -1;

        if (possible || test_bus_kind() != PRIVATE_BUS_DBUS_BROKER || geteuid() == 0)
                return;
        possible = g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                                G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL) && status == 0;
        if (possible)
                return;
        g_print("SKIP: PTPSYNC_TEST_BUS=dbus-broker needs root or an unprivileged user namespace "
                "(unshare -U -m) for its private /run/systemd/journal, and there is neither here\n");
        exit(77);
}

TestBus *test_bus_start_with(const char *extra_config) {
        g_autoptr(GError) error = NULL;
        TestBus *b = g_new0(TestBus, 1);

        broker_skip_if_impossible();
        b->dir = g_dir_make_tmp("ptpsync-test-XXXXXX", &error);
        g_assert_no_error(error);
        g_assert_cmpint(chmod(b->dir, 0755), ==, 0);
        (void) private_bus_spawn(test_bus_kind(), b->dir, extra_config, -1, TEST_TIMEOUT_USEC, &b->pid,
                                 &b->address, &error);
        g_assert_no_error(error);
        return b;
}

static bool wait_pid(GPid pid, int *ret_status, uint64_t timeout_usec) {
        int r = child_reap(pid, ret_status, timeout_usec);

        g_assert_cmpint(r, >=, 0);
        return r > 0;
}

void test_bus_stop(TestBus *b) {
        int status;

        if (!b)
                return;
        kill(b->pid, SIGTERM);
        if (!wait_pid(b->pid, &status, TEST_TIMEOUT_USEC)) {
                kill(b->pid, SIGKILL);
                (void) waitpid(b->pid, &status, 0);
        }
        g_spawn_close_pid(b->pid);
        rm_rf(b->dir);
        g_free(b->dir);
        g_free(b->address);
        g_free(b);
}

static int notify_socket_open(TestBus *b, char **ret_path) {
        static unsigned counter = 0;
        /* One socket per daemon: a second daemon on the bus must not take over the first's. */
        g_autofree char *name = g_strdup_printf("notify-%u.sock", counter++);
        g_autofree char *path = g_build_filename(b->dir, name, NULL);
        int fd = notify_socket_bind(path);

        if (fd < 0)
                g_error("Cannot bind the notify socket %s: %s", path, g_strerror(-fd));
        *ret_path = g_steal_pointer(&path);
        return fd;
}

unsigned test_file_count(const char *path, const char *needle) {
        g_autofree char *text = NULL;
        unsigned n = 0;

        if (g_file_get_contents(path, &text, NULL, NULL))
                for (const char *s = text; (s = strstr(s, needle)); s++)
                        n++;
        return n;
}

/* For g_spawn*(): test_spawn_child_setup(), and stderr appended to the file userdata names. */
static void spawn_child_setup_log(void *userdata) {
        int fd = open(userdata, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

        if (fd >= 0)
                (void) dup2(fd, STDERR_FILENO);
        test_spawn_child_setup(NULL);
}

TestDaemon *test_daemon_spawn(TestBus *b, const char *const *args, bool default_args) {
        return test_daemon_spawn_logged(b, args, default_args, NULL);
}

TestDaemon *test_daemon_spawn_logged(TestBus *b, const char *const *args, bool default_args, const char *log_path) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        g_auto(GStrv) envp = g_get_environ();
        g_autofree char *notify_path = NULL;
        TestDaemon *d = g_new0(TestDaemon, 1);
        bool has_state_dir = false;

        d->notify_fd = notify_socket_open(b, &notify_path);
        d->notifications = g_string_new(NULL);
        envp = g_environ_setenv(envp, "NOTIFY_SOCKET", notify_path, true);

        test_ptpsyncd_argv(argv);
        if (default_args) {
                g_ptr_array_add(argv, g_strconcat("--bus=", b->address, NULL));
                g_ptr_array_add(argv, g_strdup("--source=sim"));
                g_ptr_array_add(argv, g_strdup("--node-name=" TEST_NODE_NAME));
        }
        for (size_t i = 0; args && args[i]; i++) {
                g_ptr_array_add(argv, g_strdup(args[i]));
                has_state_dir = has_state_dir || g_str_has_prefix(args[i], "--state-dir=");
        }
        /*
         * Never the machine's /var/lib/ptpsync: a store of the test's own. A test that sets
         * STATE_DIRECTORY (as systemd would) wants the daemon to find its store there, unnamed.
         */
        if (!has_state_dir && !g_environ_getenv(envp, "STATE_DIRECTORY"))
                g_ptr_array_add(argv, g_strconcat("--state-dir=", b->dir, "/state", NULL));
        g_ptr_array_add(argv, NULL);

        g_spawn_async(NULL, (char **) argv->pdata, envp, G_SPAWN_DO_NOT_REAP_CHILD,
                      log_path ? spawn_child_setup_log : test_spawn_child_setup, (void *) log_path, &d->pid, &error);
        g_assert_no_error(error);
        return d;
}

static void drain_notifications(TestDaemon *d) {
        notify_socket_drain(d->notify_fd, d->notifications);
}

bool test_daemon_wait_notify(TestDaemon *d, const char *needle, uint64_t timeout_usec) {
        gint64 deadline = g_get_monotonic_time() + (gint64) timeout_usec;

        for (;;) {
                struct pollfd p = { .fd = d->notify_fd, .events = POLLIN };
                gint64 left;

                drain_notifications(d);
                if (strstr(d->notifications->str, needle))
                        return true;
                left = deadline - g_get_monotonic_time();
                if (left <= 0)
                        return false;
                (void) poll(&p, 1, (int) (left / 1000) + 1);
        }
}

TestDaemon *test_daemon_start(TestBus *b, const char *const *extra_args) {
        TestDaemon *d = test_daemon_spawn(b, extra_args, true);

        if (!test_daemon_wait_notify(d, "READY=1", TEST_TIMEOUT_USEC))
                g_error("ptpsyncd did not send READY=1; notifications so far: %s", d->notifications->str);
        return d;
}

bool test_daemon_wait_exit(TestDaemon *d, uint64_t timeout_usec) {
        if (d->reaped)
                return true;
        if (!wait_pid(d->pid, &d->exit_status, timeout_usec))
                return false;
        d->reaped = true;
        drain_notifications(d);
        return true;
}

void test_daemon_stop(TestDaemon *d) {
        g_assert_cmpint(kill(d->pid, SIGTERM), ==, 0);
        g_assert_true(test_daemon_wait_exit(d, TEST_TIMEOUT_USEC));
        g_assert_true(WIFEXITED(d->exit_status));
        g_assert_cmpint(WEXITSTATUS(d->exit_status), ==, 0);
}

void test_daemon_free(TestDaemon *d) {
        if (!d)
                return;
        if (!d->reaped) {
                kill(d->pid, SIGKILL);
                (void) wait_pid(d->pid, &d->exit_status, TEST_TIMEOUT_USEC);
        }
        g_spawn_close_pid(d->pid);
        close(d->notify_fd);
        g_string_free(d->notifications, true);
        g_free(d);
}

uint64_t test_daemon_rss_kib(TestDaemon *d) {
        g_autofree char *path = g_strdup_printf("/proc/%d/status", (int) d->pid), *text = NULL;
        const char *line;

        g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
        line = strstr(text, "\nVmRSS:");
        g_assert_nonnull(line);
        return g_ascii_strtoull(line + strlen("\nVmRSS:"), NULL, 10);
}

bool test_built_with_asan(void) {
#if defined(__SANITIZE_ADDRESS__)
        return true;
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
        return true;
#  endif
#endif
        return false;
}

bool test_rss_is_inflated(void) {
        return test_built_with_asan() || !isempty(g_getenv("PTPSYNCD_WRAPPER"));
}

/* A trivial property of the Manager, of type type, into ret; fails the test if the call does. */
static void manager_get(sd_bus *bus, const char *property, char type, void *ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;

        if (sd_bus_get_property_trivial(bus, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, property, &error,
                                        type, ret) < 0)
                g_error("Get %s: %s: %s", property, error.name, error.message);
}

uint32_t test_manager_get_u(sd_bus *bus, const char *property) {
        uint32_t v = 0;

        manager_get(bus, property, 'u', &v);
        return v;
}

bool test_manager_get_b(sd_bus *bus, const char *property) {
        int v = 0;

        manager_get(bus, property, 'b', &v);
        return v;
}

uint64_t test_manager_get_t(sd_bus *bus, const char *property) {
        uint64_t v = 0;

        manager_get(bus, property, 't', &v);
        return v;
}

void test_assert_dead_letters(sd_bus *bus, const char *path, uint64_t n, const char *reason) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t seq;

        if (sd_bus_call_method(bus, BUS_NAME, path, SUBSCRIPTION_INTERFACE, "GetDeadLetters", &error, &reply, "uu", 0,
                               0) < 0)
                g_error("GetDeadLetters of %s: %s: %s", path, error.name, error.message);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "(tsssxa(ssss)s)"), >, 0);
        for (uint64_t expected = 1; expected <= n; expected++) {
                const char *r;

                g_assert_cmpint(sd_bus_message_enter_container(reply, 'r', "tsssxa(ssss)s"), >, 0);
                g_assert_cmpint(sd_bus_message_read(reply, "t", &seq), >, 0);
                g_assert_cmpuint(seq, ==, expected);
                g_assert_cmpint(sd_bus_message_skip(reply, "sssxa(ssss)"), >=, 0);
                g_assert_cmpint(sd_bus_message_read(reply, "s", &r), >, 0);
                g_assert_cmpstr(r, ==, reason);
                g_assert_cmpint(sd_bus_message_exit_container(reply), >, 0);
        }
        g_assert_cmpint(sd_bus_message_at_end(reply, false), >, 0);
}

bool test_no_subscriptions(void *bus) {
        return test_manager_get_u(bus, "SubscriptionCount") == 0;
}

sd_bus *test_bus_connect(TestBus *b) {
        sd_bus *bus = NULL;

        g_assert_cmpint(bus_open_address(&bus, b->address, 0), >=, 0);
        return bus;
}

bool test_bus_wait_for(sd_bus *bus, bool (*cond)(void *userdata), void *userdata, uint64_t timeout_usec) {
        gint64 deadline = g_get_monotonic_time() + (gint64) timeout_usec;

        while (!cond(userdata)) {
                gint64 left = deadline - g_get_monotonic_time();
                int r;

                if (left <= 0)
                        return false;
                r = sd_bus_process(bus, NULL);
                g_assert_cmpint(r, >=, 0);
                if (r > 0)
                        continue;
                /* A condition may poll the daemon rather than wait for a signal: look again soon. */
                r = sd_bus_wait(bus, MIN((uint64_t) left, TEST_POLL_USEC));
                g_assert_cmpint(r, >=, 0);
        }
        return true;
}

static void message_unref(void *m) {
        sd_bus_message_unref(m);
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        TestSignals *s = userdata;

        g_ptr_array_add(s->messages, sd_bus_message_ref(m));
        return 0;
}

TestSignals *test_signals_watch(sd_bus *bus, const char *match) {
        TestSignals *s = g_new0(TestSignals, 1);

        s->messages = g_ptr_array_new_with_free_func(message_unref);
        g_assert_cmpint(sd_bus_add_match(bus, &s->slot, match, on_signal, s), >=, 0);
        return s;
}

static bool has_enough(void *userdata) {
        void **args = userdata;
        TestSignals *s = args[0];

        return s->messages->len >= GPOINTER_TO_UINT(args[1]);
}

bool test_signals_wait(sd_bus *bus, TestSignals *s, guint n, uint64_t timeout_usec) {
        void *args[] = { s, GUINT_TO_POINTER(n) };

        return test_bus_wait_for(bus, has_enough, args, timeout_usec);
}

void test_signals_free(TestSignals *s) {
        if (!s)
                return;
        sd_bus_slot_unref(s->slot);
        g_ptr_array_unref(s->messages);
        g_free(s);
}

TestEvent *test_event_read(sd_bus_message *m) {
        TestEvent *e = g_new0(TestEvent, 1);
        const char *id, *type, *source, *a, *dt, *vt, *v;
        int r;

        g_assert_cmpint(sd_bus_message_read(m, "tsssx", &e->seq, &id, &type, &source, &e->time), >, 0);
        e->id = g_strdup(id);
        e->type = g_strdup(type);
        e->source = g_strdup(source);
        e->values = g_ptr_array_new_with_free_func(g_free);
        g_assert_cmpint(sd_bus_message_enter_container(m, 'a', "(ssss)"), >, 0);
        while ((r = sd_bus_message_read(m, "(ssss)", &a, &dt, &vt, &v)) > 0)
                g_ptr_array_add(e->values, g_strjoin("|", a, dt, vt, v, NULL));
        g_assert_cmpint(r, ==, 0);
        g_assert_cmpint(sd_bus_message_exit_container(m), >, 0);
        return e;
}

void test_event_free(TestEvent *e) {
        if (!e)
                return;
        g_free(e->id);
        g_free(e->type);
        g_free(e->source);
        g_ptr_array_unref(e->values);
        g_free(e);
}

void test_inject(sd_bus *bus, const char *suffix, const char *clock, const char *observation, int64_t offset) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, MANAGER_OBJECT_PATH, SIMULATOR_INTERFACE, "Inject", &error,
                               NULL, "sssx", suffix, clock, observation, offset);
        if (r < 0)
                g_error("Inject(%s, %s, %s) failed: %s: %s", suffix, clock, observation, error.name, error.message);
        sd_bus_error_free(&error);
}

TestProcess *test_process_spawn(const char *const *argv) {
        g_autoptr(GError) error = NULL;
        TestProcess *p = g_new0(TestProcess, 1);

        g_spawn_async_with_pipes(NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH,
                                 test_spawn_child_setup,
                                 NULL, &p->pid, NULL, &p->out_fd, NULL, &error);
        g_assert_no_error(error);
        g_assert_cmpint(fcntl(p->out_fd, F_SETFL, O_NONBLOCK), ==, 0);
        p->partial = g_string_new(NULL);
        p->lines = g_ptr_array_new_with_free_func(g_free);
        return p;
}

void test_process_read(TestProcess *p) {
        char buf[4096];
        ssize_t n;

        while (p->out_fd >= 0 && (n = read(p->out_fd, buf, sizeof(buf))) != 0) {
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        g_assert_cmpint(errno, ==, EAGAIN);
                        return;
                }
                for (ssize_t i = 0; i < n; i++)
                        if (buf[i] == '\n') {
                                g_ptr_array_add(p->lines, g_strdup(p->partial->str));
                                g_string_truncate(p->partial, 0);
                        } else
                                g_string_append_c(p->partial, buf[i]);
        }
        if (p->out_fd >= 0) {
                close(p->out_fd);
                p->out_fd = -1;
        }
}

const char *test_process_wait_line(TestProcess *p, const char *prefix, guint *from, uint64_t timeout_usec) {
        gint64 deadline = g_get_monotonic_time() + (gint64) timeout_usec;

        for (;;) {
                struct pollfd pfd = { .fd = p->out_fd, .events = POLLIN };
                gint64 left;

                test_process_read(p);
                for (guint i = *from; i < p->lines->len; i++)
                        if (g_str_has_prefix(p->lines->pdata[i], prefix)) {
                                *from = i + 1;
                                return p->lines->pdata[i];
                        }
                left = deadline - g_get_monotonic_time();
                if (left <= 0 || p->out_fd < 0)
                        return NULL;
                (void) poll(&pfd, 1, (int) (left / 1000) + 1);
        }
}

guint test_process_count_lines(TestProcess *p, const char *prefix) {
        guint n = 0;

        test_process_read(p);
        for (guint i = 0; i < p->lines->len; i++)
                n += g_str_has_prefix(p->lines->pdata[i], prefix);
        return n;
}

bool test_process_wait_exit(TestProcess *p, uint64_t timeout_usec) {
        if (p->reaped)
                return true;
        if (!wait_pid(p->pid, &p->exit_status, timeout_usec))
                return false;
        p->reaped = true;
        test_process_read(p);
        return true;
}

void test_process_free(TestProcess *p) {
        if (!p)
                return;
        if (!p->reaped) {
                kill(p->pid, SIGKILL);
                kill(p->pid, SIGCONT); /* a stopped process dies only once continued */
                (void) wait_pid(p->pid, &p->exit_status, TEST_TIMEOUT_USEC);
        }
        g_spawn_close_pid(p->pid);
        if (p->out_fd >= 0)
                close(p->out_fd);
        g_string_free(p->partial, true);
        g_ptr_array_unref(p->lines);
        g_free(p);
}

void test_argv_as_user(GPtrArray *argv, const char *user) {
        if (!user)
                return;
        g_ptr_array_add(argv, g_strdup("runuser"));
        g_ptr_array_add(argv, g_strdup("-u"));
        g_ptr_array_add(argv, g_strdup(user));
        g_ptr_array_add(argv, g_strdup("--"));
}

/* [runuser -u user --] $PTPSYNC_CONSUMER --bus=... --address=address, then the arguments in ap. */
static TestProcess *consumer_spawn(TestBus *b, const char *user, const char *address, va_list ap) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        const char *consumer = g_getenv("PTPSYNC_CONSUMER"), *arg;

        g_assert_nonnull(consumer);
        test_argv_as_user(argv, user);
        g_ptr_array_add(argv, g_strdup(consumer));
        g_ptr_array_add(argv, g_strconcat("--bus=", b->address, NULL));
        g_ptr_array_add(argv, g_strconcat("--address=", address, NULL));
        while ((arg = va_arg(ap, const char *)))
                g_ptr_array_add(argv, g_strdup(arg));
        g_ptr_array_add(argv, NULL);
        return test_process_spawn((const char *const *) argv->pdata);
}

TestProcess *test_consumer_start(TestBus *b, const char *address, char **ret_path, ...) {
        const char *line;
        TestProcess *p;
        guint from = 0;
        va_list ap;

        va_start(ap, ret_path);
        p = consumer_spawn(b, NULL, address, ap);
        va_end(ap);
        line = test_process_wait_line(p, "subscribed ", &from, TEST_TIMEOUT_USEC);
        if (!line)
                g_error("the consumer did not subscribe; it said: %s",
                        p->lines->len > 0 ? (char *) p->lines->pdata[p->lines->len - 1] : "nothing");
        if (ret_path) {
                g_auto(GStrv) words = g_strsplit(line, " ", 3);

                *ret_path = g_strdup(words[1]);
        }
        return p;
}

char *test_consumer_first_line(TestBus *b, const char *user, const char *address, TestProcess **ret, ...) {
        const char *line;
        guint from = 0;
        va_list ap;

        va_start(ap, ret);
        *ret = consumer_spawn(b, user, address, ap);
        va_end(ap);
        line = test_process_wait_line(*ret, "", &from, TEST_TIMEOUT_USEC);
        g_assert_nonnull(line);
        return g_strdup(line);
}

void test_inject_lock_events(sd_bus *bus, unsigned *injected, unsigned n) {
        for (unsigned i = 0; i < n; i++, (*injected)++)
                test_inject(bus, "sync/ptp-status/lock-state", "ens1f0", *injected % 2 == 0 ? "locked" : "unlocked",
                            7);
}

#define POLKITD_PATH "/usr/lib/polkit-1/polkitd"

const char *test_polkitd_unavailable(void) {
        g_autofree char *unshare = g_find_program_in_path("unshare");

        if (geteuid() != 0)
                return "polkitd runs in a mount namespace of its own (unshare -m) and the clients as other "
                       "users (runuser), which needs root";
        if (access(POLKITD_PATH, X_OK) < 0)
                return POLKITD_PATH " is not installed (Debian: polkitd)";
        if (!unshare)
                return "unshare is not installed (util-linux)";
        if (!g_file_test("/usr/share/polkit-1/actions", G_FILE_TEST_IS_DIR) ||
            !g_file_test("/etc/polkit-1/rules.d", G_FILE_TEST_IS_DIR) ||
            !g_file_test("/usr/share/polkit-1/rules.d", G_FILE_TEST_IS_DIR))
                return "polkit's folders (/usr/share/polkit-1/actions, /usr/share/polkit-1/rules.d, "
                       "/etc/polkit-1/rules.d) are missing: nothing to mount ours over";
        return NULL;
}

/*
 * For g_spawn*() of polkitd's launcher (unshare): stdout and stderr appended to
 * the file userdata names, and SIGKILL when the test dies -- not SIGTERM, which
 * unshare --fork blocks while its child runs.
 */
static void spawn_polkitd_setup(void *userdata) {
        int fd = open(userdata, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

        if (fd >= 0) {
                (void) dup2(fd, STDOUT_FILENO);
                (void) dup2(fd, STDERR_FILENO);
        }
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* The parent of a process, from /proc; -1 if it cannot be read. */
static GPid parent_pid(GPid pid) {
        g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int) pid), *text = NULL;
        const char *end;
        int ppid;

        if (pid <= 0 || !g_file_get_contents(path, &text, NULL, NULL) || !(end = strrchr(text, ')')) ||
            sscanf(end + 1, " %*c %d", &ppid) != 1)
                return -1;
        return ppid;
}

/* A folder polkitd (its own user once started) can read. */
static char *make_readable_dir(const char *parent, const char *name) {
        char *path = g_build_filename(parent, name, NULL);

        g_assert_cmpint(mkdir(path, 0755), ==, 0);
        g_assert_cmpint(chmod(path, 0755), ==, 0); /* whatever the umask */
        return path;
}

typedef struct PolkitdWait {
        TestPolkitd *polkitd;
        TestSignals *owner;
        bool exited;
} PolkitdWait;

static bool polkitd_up_or_gone(void *userdata) {
        PolkitdWait *w = userdata;
        int status;

        if (w->owner->messages->len > 0)
                return true;
        if (waitpid(w->polkitd->launcher, &status, WNOHANG) == w->polkitd->launcher) {
                w->polkitd->reaped = true;
                w->exited = true;
                return true;
        }
        return false;
}

TestPolkitd *test_polkitd_start(TestBus *b, const char *rules_js) {
        static unsigned counter = 0;
        g_autoptr(GError) error = NULL;
        g_autofree char *name = g_strdup_printf("polkit-%u", counter++), *actions = NULL, *rules = NULL;
        g_autofree char *empty = NULL, *policy = NULL, *copy = NULL, *text = NULL, *script = NULL;
        g_autofree char *q_actions = NULL, *q_rules = NULL, *q_empty = NULL;
        g_auto(GStrv) envp = g_get_environ();
        const char *polkit_dir = g_getenv("PTPSYNC_POLKIT_DIR");
        TestPolkitd *p = g_new0(TestPolkitd, 1);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus *bus;
        uint32_t pid = 0;
        int has_owner = 0;

        g_assert_nonnull(polkit_dir);
        p->dir = make_readable_dir(b->dir, name);
        p->log_path = g_build_filename(p->dir, "polkitd.log", NULL);
        actions = make_readable_dir(p->dir, "actions");
        rules = make_readable_dir(p->dir, "rules.d");
        empty = make_readable_dir(p->dir, "empty");

        /* Our actions, and nothing else. */
        policy = g_build_filename(polkit_dir, "org.ptpsync1.policy", NULL);
        g_file_get_contents(policy, &text, NULL, &error);
        g_assert_no_error(error);
        copy = g_build_filename(actions, "org.ptpsync1.policy", NULL);
        g_file_set_contents(copy, text, -1, &error);
        g_assert_no_error(error);
        g_assert_cmpint(chmod(copy, 0644), ==, 0);
        if (rules_js) {
                g_autofree char *r = g_build_filename(rules, "50-test.rules", NULL);

                g_file_set_contents(r, rules_js, -1, &error);
                g_assert_no_error(error);
                g_assert_cmpint(chmod(r, 0644), ==, 0);
        }

        /*
         * The mounts are polkitd's alone: private propagation, gone with its namespace. And a PID
         * namespace whose init is sh, polkitd its child: polkitd changes its uid, which clears
         * the parent-death signal, and a test that aborts with polkitd stopped (SIGSTOP) must
         * not leave it behind; when unshare dies (SIGKILL as the test dies), sh gets SIGKILL
         * (--kill-child) and with the namespace's init gone the kernel kills polkitd, stopped
         * or not.
         */
        q_actions = g_shell_quote(actions);
        q_rules = g_shell_quote(rules);
        q_empty = g_shell_quote(empty);
        script = g_strdup_printf("set -e; "
                                 "mount --bind %s /usr/share/polkit-1/actions; "
                                 "mount --bind %s /etc/polkit-1/rules.d; "
                                 "mount --bind %s /usr/share/polkit-1/rules.d; "
                                 POLKITD_PATH " --no-debug & wait $!",
                                 q_actions, q_rules, q_empty);
        envp = g_environ_setenv(envp, "DBUS_SYSTEM_BUS_ADDRESS", b->address, true);

        /* Watching for its name before it starts, so that it cannot be missed. */
        bus = test_bus_connect(b);
        PolkitdWait w = {
                .polkitd = p,
                .owner = test_signals_watch(bus, "type='signal',sender='org.freedesktop.DBus',"
                                                 "member='NameOwnerChanged',arg0='org.freedesktop.PolicyKit1'"),
        };
        /* No other polkitd on this bus. */
        g_assert_cmpint(sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "NameHasOwner", NULL, &reply, "s",
                                           "org.freedesktop.PolicyKit1"), >=, 0);
        g_assert_cmpint(sd_bus_message_read(reply, "b", &has_owner), >, 0);
        g_assert_false(has_owner);
        reply = sd_bus_message_unref(reply);

        const char *argv[] = { "unshare", "--mount", "--propagation=private", "--pid", "--kill-child=SIGKILL",
                               "sh", "-c", script, NULL };
        g_spawn_async(NULL, (char **) argv, envp, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                      spawn_polkitd_setup, p->log_path, &p->launcher, &error);
        g_assert_no_error(error);

        if (!test_bus_wait_for(bus, polkitd_up_or_gone, &w, TEST_TIMEOUT_USEC) || w.exited) {
                g_autofree char *log = NULL;

                (void) g_file_get_contents(p->log_path, &log, NULL, NULL);
                g_error("polkitd did not take org.freedesktop.PolicyKit1 on the test bus (%s); it said: %s",
                        w.exited ? "it exited" : "deadline", log ?: "nothing");
        }
        /* Its pid (in our PID namespace), from the bus; and ours: a grandchild of unshare, through sh. */
        g_assert_cmpint(sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                           "GetConnectionUnixProcessID", NULL, &reply, "s",
                                           "org.freedesktop.PolicyKit1"), >=, 0);
        g_assert_cmpint(sd_bus_message_read(reply, "u", &pid), >, 0);
        p->pid = (GPid) pid;
        g_assert_cmpint(parent_pid(parent_pid(p->pid)), ==, p->launcher);
        test_signals_free(w.owner);
        sd_bus_flush_close_unref(bus);
        return p;
}

void test_polkitd_stop(TestPolkitd *p) {
        int status;

        if (!p)
                return;
        if (!p->reaped) {
                /* polkitd's end ends sh's wait, then sh, then unshare. Only while the pid is still
                 * that grandchild: one that died on its own may have a stranger's pid by now. */
                if (parent_pid(parent_pid(p->pid)) == p->launcher) {
                        (void) kill(p->pid, SIGCONT);
                        (void) kill(p->pid, SIGTERM);
                }
                if (!wait_pid(p->launcher, &status, TEST_TIMEOUT_USEC)) {
                        (void) kill(p->launcher, SIGKILL); /* and so, through --kill-child, everything below */
                        (void) waitpid(p->launcher, &status, 0);
                }
        }
        g_spawn_close_pid(p->launcher);
        g_free(p->log_path);
        g_free(p->dir);
        g_free(p);
}
