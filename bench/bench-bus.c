/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The private bus and the daemon under test: started here, killed and reaped
 * here, also on failure (and by PR_SET_PDEATHSIG should we die first).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "bench.h"
#include "child-io.h"
#include "common/bus-open.h"
#include "common/rm-rf.h"

#define SPAWN_TIMEOUT_USEC (10 * USEC_PER_SEC)
#define STOP_TIMEOUT_USEC (5 * USEC_PER_SEC)
#define CALL_TIMEOUT_USEC (10 * USEC_PER_SEC)
#define REAP_POLL_USEC (5 * USEC_PER_MSEC)

/*
 * The stock system-bus limits (dbus-daemon's compiled-in defaults, which
 * system.conf leaves alone: max_match_rules_per_connection 512,
 * max_replies_per_connection 128, max_incoming/outgoing_bytes 127 MiB,
 * max_incomplete_connections 64, ...) except the two that stand between a
 * single uid and 1000 subscriber connections. The rest of the bus's
 * configuration is the tests' (tests/lib/child-io.c).
 */
static const char bus_limits[] =
        "  <limit name=\"max_connections_per_user\">2000</limit>\n"
        "  <limit name=\"max_completed_connections\">4096</limit>\n";
/*
 * dbus-broker has no connection count to raise: it makes per-uid quotas of max_connections_per_user
 * times the per-connection limits, so its stock ones stay (512 MiB, 4096 fds, 16384 match rules per uid).
 */
static const char broker_limits[] = "";

/*
 * One lock-state event per injection, never a holdover expiry in between; and
 * a state directory of its own (on the same file system as /var/lib here), so
 * that nothing durable of one run, nor of the machine's, leaks into another.
 */
static const char daemon_config[] =
        "# ptpsync-bench\n"
        "[Daemon]\n"
        "StateDirectory=%s\n"
        "[Thresholds]\n"
        "HoldoverTimeoutSec=3600\n"
        /* The RSS run holds RSS_CONNECTIONS x RSS_PER_CONNECTION (10000) at once: more than the default. */
        "[Quota]\n"
        "SubscriptionsMax=20000\n";

/*
 * SIGINT and SIGTERM: our children would die with us anyway (PR_SET_PDEATHSIG),
 * but they are killed and reaped here first, and the temporary directories
 * removed, with async-signal-safe calls only: what to clean is noted in plain
 * static storage before it exists.
 */
enum { CHILD_BUS, CHILD_DAEMON, _CHILD_MAX };
static volatile sig_atomic_t children[_CHILD_MAX];
static char cleanup_dirs[2][PATH_MAX];
static bool keep_dirs; /* PTPSYNC_BENCH_KEEP, read once: getenv() is no call for a signal handler */

static void note_child(unsigned slot, pid_t pid) {
        children[slot] = pid;
}

static void note_dir(unsigned slot, const char *dir) {
        if (dir && strlen(dir) < sizeof(cleanup_dirs[slot]))
                strcpy(cleanup_dirs[slot], dir);
        else
                cleanup_dirs[slot][0] = '\0';
}

static void on_fatal_signal(int sig) {
        /* The daemon before the bus, so that it does not see the bus go and log about it. */
        for (int i = _CHILD_MAX - 1; i >= 0; i--)
                if (children[i] > 0) {
                        (void) kill(children[i], SIGKILL);
                        (void) waitpid(children[i], NULL, 0);
                }
        for (size_t i = 0; i < ELEMENTSOF(cleanup_dirs) && !keep_dirs; i++)
                if (cleanup_dirs[i][0] == '/') {
                        char *argv[] = { (char *) "rm", (char *) "-rf", cleanup_dirs[i], NULL };
                        pid_t pid = fork();

                        if (pid == 0) {
                                execve("/bin/rm", argv, (char *[]) { NULL });
                                _exit(127);
                        }
                        if (pid > 0)
                                (void) waitpid(pid, NULL, 0);
                }
        _exit(128 + sig);
}

void bench_handle_signals(void) {
        struct sigaction sa = { .sa_handler = on_fatal_signal };

        keep_dirs = getenv("PTPSYNC_BENCH_KEEP");

        (void) sigaction(SIGINT, &sa, NULL);
        (void) sigaction(SIGTERM, &sa, NULL);
}

uint64_t bench_raise_fd_limit(void) {
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return 0;
        if (rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }
        return (uint64_t) rl.rlim_cur;
}

int bench_write_file(const char *path, const char *text) {
        g_autoptr(GError) error = NULL;

        if (!g_file_set_contents(path, text, -1, &error)) {
                bench_log("Cannot write %s: %s", path, error->message);
                return -EIO;
        }
        return 0;
}

void bench_print_log_tail(const char *path, unsigned lines) {
        g_autofree char *text = NULL;
        g_auto(GStrv) all = NULL;
        guint n;

        if (!path || !g_file_get_contents(path, &text, NULL, NULL))
                return;
        all = g_strsplit(text, "\n", -1);
        n = g_strv_length(all);
        bench_log("Last lines of %s:", path);
        for (guint i = n > lines ? n - lines : 0; i < n; i++)
                if (all[i][0])
                        fprintf(stderr, "    %s\n", all[i]);
}

/*
 * fork + exec with stdout and stderr to log_fd. The child dies with us. Only
 * async-signal-safe calls after fork: everything is prepared before.
 */
static pid_t spawn(char *const argv[], char *const envp[], int log_fd) {
        pid_t parent = getpid(), pid;

        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid > 0)
                return pid;

        /* The main thread forks, and it lives until the end: the death signal fires when we go. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(127);
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
                _exit(127);
        execve(argv[0], argv, envp);
        _exit(127);
}

static bool reap(pid_t pid, int *ret_status, uint64_t timeout_usec) {
        /* -ECHILD: reaped already (by the signal handler's path, or never ours): nothing to wait for. */
        return child_reap(pid, ret_status, timeout_usec) != 0;
}

/* SIGTERM, then SIGKILL if it does not go in time; always reaped. Returns its wait status. */
static int terminate(pid_t pid, const char *what) {
        int status = 0;

        if (pid <= 0)
                return 0;
        (void) kill(pid, SIGTERM);
        if (!reap(pid, &status, STOP_TIMEOUT_USEC)) {
                bench_log("%s (pid %d) ignored SIGTERM for %" PRIu64 " s; killing it.", what, (int) pid,
                          STOP_TIMEOUT_USEC / USEC_PER_SEC);
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, &status, 0);
        }
        return status;
}

int bench_call_method(sd_bus *bus, sd_bus_message **ret_reply, const char *destination, const char *path,
                      const char *interface, const char *member, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &call, destination, path, interface, member);
        if (r < 0)
                return r;
        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(call, types, ap);
                va_end(ap);
                if (r < 0)
                        return r;
        }
        r = sd_bus_call(bus, call, CALL_TIMEOUT_USEC, &error, ret_reply);
        if (r < 0)
                bench_log("%s.%s failed: %s", interface, member, error.message ?: strerror(-r));
        return r;
}

int bench_connect(const char *address, sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = bus_open_address(&bus, address, 0);
        if (r < 0) {
                bench_log("Cannot connect to the private bus %s: %s", address, strerror(-r));
                return r;
        }
        /* A first call, with a timeout: the bus answers, and the connection is running. */
        r = bench_call_method(bus, &reply, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                              "org.freedesktop.DBus", "GetId", NULL);
        if (r < 0)
                return r;
        *ret = g_steal_pointer(&bus);
        return 0;
}

static int make_state_root(BenchBus *b, const char *parent) {
        g_autofree char *template = g_build_filename(parent, "ptpsync-bench-state-XXXXXX", NULL);

        if (!parent) {
                b->state_root = g_strdup(b->dir);
                return 0;
        }
        if (!g_mkdtemp(template)) {
                bench_log("Cannot make a directory in %s: %m", parent);
                return -errno;
        }
        b->state_root = g_steal_pointer(&template);
        note_dir(1, b->state_root);
        return 0;
}

int bench_parse_bus(const char *arg, PrivateBusKind *ret) {
        g_autoptr(GError) error = NULL;

        if (!arg) {
                if (private_bus_kind_from_env(ret, &error))
                        return 0;
                fprintf(stderr, "%s.\n", error->message);
                return -EINVAL;
        }
        if (private_bus_kind_from_string(arg, ret))
                return 0;
        fprintf(stderr, "--bus=%s: expected dbus-daemon or dbus-broker.\n", arg);
        return -EINVAL;
}

/* The unique names (":1.42") on the bus, as ListNames answers them, into *ret (g_strfreev). */
static int list_unique_names(BenchBus *b, char ***ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        g_autoptr(GStrvBuilder) names = g_strv_builder_new();
        const char *name;
        int r;

        r = bench_call_method(b->control, &reply, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                              "org.freedesktop.DBus", "ListNames", NULL);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "s");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "s", &name)) > 0)
                if (name[0] == ':')
                        g_strv_builder_add(names, name);
        if (r < 0)
                return r;
        *ret = g_strv_builder_end(names);
        return 0;
}

/* The unique name of the connection whose process is a child of the bus's pid (the keeper's launcher). */
static int find_launcher_name(BenchBus *b, char **ret, pid_t *ret_pid) {
        g_auto(GStrv) names = NULL;
        int r;

        r = list_unique_names(b, &names);
        if (r < 0)
                return r;
        for (char **name = names; *name; name++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
                g_autofree char *path = NULL, *stat = NULL;
                const char *after_comm;
                uint32_t pid;
                int ppid;

                if (bench_call_method(b->control, &m, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                      "org.freedesktop.DBus", "GetConnectionUnixProcessID", "s", *name) < 0 ||
                    sd_bus_message_read(m, "u", &pid) < 0)
                        continue;
                path = g_strdup_printf("/proc/%" PRIu32 "/stat", pid);
                if (!g_file_get_contents(path, &stat, NULL, NULL) || !(after_comm = strrchr(stat, ')')) ||
                    sscanf(after_comm, ") %*c %d", &ppid) != 1 || ppid != b->pid)
                        continue;
                *ret = g_strdup(*name);
                *ret_pid = (pid_t) pid;
                return 1;
        }
        return 0;
}

/*
 * dbus-broker-launch is a client of its own bus too: its connection is learnt once (it connects
 * before it logs Ready, its Hello may come a moment later), so that an idle bus is still one
 * with only our control connection.
 */
static int learn_launcher_name(BenchBus *b) {
        uint64_t deadline = now_usec() + SPAWN_TIMEOUT_USEC;
        g_autofree char *children_path = NULL, *kids = NULL;
        pid_t launcher = 0;
        int r;

        while ((r = find_launcher_name(b, &b->launcher_name, &launcher)) == 0) {
                if (now_usec() >= deadline) {
                        bench_log("dbus-broker-launch did not appear on its bus within %" PRIu64 " s.",
                                  SPAWN_TIMEOUT_USEC / USEC_PER_SEC);
                        return -ETIMEDOUT;
                }
                g_usleep(10 * USEC_PER_MSEC);
        }
        if (r < 0)
                return r;
        /* The bus's work is done by dbus-broker, the launcher's only child: its CPU time is the bus's. */
        children_path = g_strdup_printf("/proc/%d/task/%d/children", (int) launcher, (int) launcher);
        if (g_file_get_contents(children_path, &kids, NULL, NULL) && atoi(kids) > 0)
                b->cpu_pid = atoi(kids);
        else
                bench_log("Cannot tell dbus-broker's pid from %s: the bus's CPU time reads as 0.", children_path);
        return 0;
}

int bench_bus_start(BenchBus *b, const char *state_root) {
        const char *bus = private_bus_kind_to_string(b->kind);
        const char *program = b->kind == PRIVATE_BUS_DBUS_BROKER ? "dbus-broker-launch" : "dbus-daemon";
        g_autoptr(GError) error = NULL;
        g_autofree char *log_path = NULL, *log_name = g_strconcat(bus, ".log", NULL);
        _cleanup_close_ int log_fd = -1;
        g_autofree char *exe = g_find_program_in_path(program);
        GPid pid = 0;
        bool ok;
        int r;

        b->dir = g_dir_make_tmp("ptpsync-bench-XXXXXX", &error);
        if (!b->dir) {
                bench_log("Cannot create a temporary directory: %s", error->message);
                return -EIO;
        }
        note_dir(0, b->dir);
        (void) chmod(b->dir, 0755);
        if (make_state_root(b, state_root) < 0)
                return -EIO;
        if (!exe) {
                bench_log("%s is not in $PATH (Debian: apt-get install %s).", program, bus);
                return -ENOENT;
        }
        log_path = g_build_filename(b->dir, log_name, NULL);
        log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (log_fd < 0) {
                bench_log("Cannot create the bus's log %s: %m", log_path);
                return -errno;
        }
        ok = private_bus_spawn(b->kind, b->dir, b->kind == PRIVATE_BUS_DBUS_BROKER ? broker_limits : bus_limits,
                               log_fd, SPAWN_TIMEOUT_USEC, &pid, &b->address, &error);
        b->pid = pid;
        note_child(CHILD_BUS, pid);
        if (!ok) {
                bench_log("Cannot start %s: %s", bus, error->message);
                bench_print_log_tail(log_path, 12);
                return -EIO;
        }
        b->cpu_pid = pid;
        r = bench_connect(b->address, &b->control);
        if (r < 0 || b->kind != PRIVATE_BUS_DBUS_BROKER)
                return r;
        return learn_launcher_name(b);
}

void bench_bus_stop(BenchBus *b) {
        b->control = sd_bus_flush_close_unref(b->control);
        (void) terminate(b->pid, private_bus_kind_to_string(b->kind));
        b->pid = 0;
        note_child(CHILD_BUS, 0);
        note_dir(0, NULL);
        note_dir(1, NULL);
        if (b->state_root && !streq_ptr(b->state_root, b->dir) && !getenv("PTPSYNC_BENCH_KEEP"))
                rm_rf(b->state_root);
        if (b->dir && !getenv("PTPSYNC_BENCH_KEEP"))
                rm_rf(b->dir);
        g_clear_pointer(&b->state_root, g_free);
        g_clear_pointer(&b->dir, g_free);
        g_clear_pointer(&b->address, g_free);
        g_clear_pointer(&b->launcher_name, g_free);
}

static int count_unique_names(BenchBus *b, unsigned *ret) {
        g_auto(GStrv) names = NULL;
        unsigned n = 0;
        int r;

        r = list_unique_names(b, &names);
        if (r < 0)
                return r;
        for (char **name = names; *name; name++)
                n += !streq_ptr(*name, b->launcher_name);
        *ret = n;
        return 0;
}

int bench_bus_wait_idle(BenchBus *b, unsigned keep, uint64_t timeout_usec) {
        uint64_t deadline = now_usec() + timeout_usec;
        unsigned n = 0;
        int r;

        for (;;) {
                r = count_unique_names(b, &n);
                if (r < 0)
                        return r;
                if (n <= 1 + keep)
                        return 0;
                if (now_usec() >= deadline) {
                        bench_log("The bus still has %u clients of an earlier run after %" PRIu64 " s.",
                                  n - 1 - keep, timeout_usec / USEC_PER_SEC);
                        return -ETIMEDOUT;
                }
                /* Disconnections are the bus's to process; asking again shortly, bounded by the deadline. */
                g_usleep(20 * USEC_PER_MSEC);
        }
}

/* Waits for READY=1 on the notify socket, or for the daemon to die. */
static int wait_ready(BenchDaemon *d, uint64_t timeout_usec) {
        uint64_t deadline = now_usec() + timeout_usec;
        g_autoptr(GString) got = g_string_new(NULL);

        for (;;) {
                struct pollfd p = { .fd = d->notify_fd, .events = POLLIN };
                int status;
                uint64_t t;

                notify_socket_drain(d->notify_fd, got);
                if (strstr(got->str, "READY=1"))
                        return 0;
                if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
                        d->pid = 0;
                        note_child(CHILD_DAEMON, 0);
                        bench_log("ptpsyncd exited (status %d) before it was ready.",
                                  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
                        return -ECHILD;
                }
                t = now_usec();
                if (t >= deadline) {
                        bench_log("ptpsyncd sent no READY=1 within %" PRIu64 " s.",
                                  timeout_usec / USEC_PER_SEC);
                        return -ETIMEDOUT;
                }
                /* Short polls: the daemon dying is seen by waitpid, not on this socket. */
                (void) poll(&p, 1, (int) MIN((deadline - t) / USEC_PER_MSEC + 1, 50));
        }
}

int bench_daemon_environ(const char *notify_path, char ***envp) {
        int fd = notify_socket_bind(notify_path);

        if (fd < 0) {
                bench_log("Cannot open the notify socket %s: %s", notify_path, strerror(-fd));
                return fd;
        }
        *envp = g_environ_setenv(*envp, "NOTIFY_SOCKET", notify_path, true);
        *envp = g_environ_unsetenv(*envp, "JOURNAL_STREAM"); /* plain log lines in its log file */
        return fd;
}

int bench_daemon_start(BenchDaemon *d, BenchBus *b, const char *path) {
        static unsigned counter = 0;
        unsigned k = counter++;
        g_autofree char *notify_path = g_build_filename(b->dir, "notify.sock", NULL);
        g_autofree char *config_name = g_strdup_printf("ptpsyncd-%u.conf", k);
        g_autofree char *config_path = g_build_filename(b->dir, config_name, NULL);
        g_autofree char *state_name = g_strdup_printf("state-%u", k);
        g_autofree char *state_dir = g_build_filename(b->state_root, state_name, NULL);
        g_autofree char *config = g_strdup_printf(daemon_config, state_dir);
        g_autofree char *bus_arg = g_strconcat("--bus=", b->address, NULL);
        g_autofree char *config_arg = g_strconcat("--config=", config_path, NULL);
        g_autofree char *log_name = g_strdup_printf("ptpsyncd-%u.log", k);
        g_auto(GStrv) envp = g_get_environ();
        _cleanup_close_ int log_fd = -1;
        pid_t pid;
        int r;

        *d = (BenchDaemon) BENCH_DAEMON_NULL;
        if (access(path, X_OK) < 0) {
                bench_log("The daemon %s is not an executable: %m. Build it (ninja -C BUILDDIR) or pass "
                          "--daemon=PATH.", path);
                return -ENOENT;
        }
        if (bench_write_file(config_path, config) < 0)
                return -EIO;
        d->notify_fd = bench_daemon_environ(notify_path, &envp);
        if (d->notify_fd < 0)
                return d->notify_fd;
        d->log_path = g_build_filename(b->dir, log_name, NULL);
        log_fd = open(d->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (log_fd < 0) {
                bench_log("Cannot create %s: %m", d->log_path);
                return -errno;
        }

        char *argv[] = { (char *) path, bus_arg, (char *) "--source=sim", (char *) "--node-name=" BENCH_NODE,
                         config_arg, NULL };
        pid = spawn(argv, envp, log_fd);
        if (pid < 0) {
                bench_log("Cannot start %s: %s", path, strerror((int) -pid));
                return (int) pid;
        }
        d->pid = pid;
        note_child(CHILD_DAEMON, pid);
        r = wait_ready(d, SPAWN_TIMEOUT_USEC);
        if (r < 0)
                bench_print_log_tail(d->log_path, 12);
        return r;
}

/* The number after needle in s, or 0; *ok false if needle is not there. */
static uint64_t number_after(const char *s, const char *needle, bool *ok) {
        const char *p = s ? strstr(s, needle) : NULL;

        if (!p) {
                *ok = false;
                return 0;
        }
        return g_ascii_strtoull(p + strlen(needle), NULL, 10);
}

/*
 * The last "Event loop: N iterations, busy T s, the longest L µs (CPU C µs; not preempted U µs), S of 1 ms
 * or more, B blocked, P preempted."
 */
static void read_loop_figures(const char *log_path, BenchLoopFigures *out) {
        g_autofree char *text = NULL;
        const char *line;
        bool ok = true;

        *out = (BenchLoopFigures) {};
        if (!log_path || !g_file_get_contents(log_path, &text, NULL, NULL))
                return;
        line = g_strrstr(text, "Event loop: ");
        out->iterations = number_after(line, "Event loop: ", &ok);
        out->longest_usec = number_after(line, "the longest ", &ok);
        out->longest_cpu_usec = number_after(line, "(CPU ", &ok);
        out->longest_unpreempted_usec = number_after(line, "not preempted ", &ok);
        out->slow = number_after(line, " µs), ", &ok);
        out->blocked = number_after(line, " or more, ", &ok);
        out->preempted = number_after(line, " blocked, ", &ok);
        out->known = ok;
}

void bench_daemon_stop(BenchDaemon *d) {
        note_child(CHILD_DAEMON, 0);
        if (d->pid > 0) {
                int status = terminate(d->pid, "ptpsyncd");

                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                        bench_log("ptpsyncd ended with %s %d.", WIFEXITED(status) ? "status" : "signal",
                                  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
                        bench_print_log_tail(d->log_path, 12);
                }
        }
        if (d->notify_fd >= 0)
                close(d->notify_fd);
        if (d->loop && d->pid > 0)
                read_loop_figures(d->log_path, d->loop);
        g_free(d->log_path);
        *d = (BenchDaemon) BENCH_DAEMON_NULL;
}

uint64_t bench_cpu_usec(pid_t pid) {
        g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int) pid);
        g_autofree char *text = NULL;
        g_auto(GStrv) fields = NULL;
        const char *p;
        struct rusage ru;
        uint64_t ticks;

        if (pid == 0) {
                if (getrusage(RUSAGE_SELF, &ru) < 0)
                        return 0;
                return (uint64_t) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * USEC_PER_SEC +
                        (uint64_t) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
        }
        /* Fields 14 and 15, utime and stime in clock ticks, counted after the ")" that ends comm. */
        if (!g_file_get_contents(path, &text, NULL, NULL) || !(p = strrchr(text, ')')))
                return 0;
        fields = g_strsplit(p + 2, " ", 0);
        if (g_strv_length(fields) < 13)
                return 0;
        ticks = g_ascii_strtoull(fields[11], NULL, 10) + g_ascii_strtoull(fields[12], NULL, 10);
        return ticks * USEC_PER_SEC / (uint64_t) sysconf(_SC_CLK_TCK);
}

static bool status_field(const char *text, const char *key, uint64_t *ret) {
        const char *p = strstr(text, key);

        if (!p)
                return false;
        *ret = g_ascii_strtoull(p + strlen(key), NULL, 10);
        return true;
}

int bench_daemon_rss(const BenchDaemon *d, uint64_t *ret_rss_kib, uint64_t *ret_anon_kib) {
        g_autofree char *path = g_strdup_printf("/proc/%d/status", (int) d->pid);
        g_autofree char *text = NULL;

        if (!g_file_get_contents(path, &text, NULL, NULL) || !status_field(text, "\nVmRSS:", ret_rss_kib) ||
            !status_field(text, "\nRssAnon:", ret_anon_kib)) {
                bench_log("Cannot read VmRSS and RssAnon from %s.", path);
                return -EIO;
        }
        return 0;
}
