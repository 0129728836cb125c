/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dbus-broker as the private bus, without systemd as PID 1. dbus-broker-launch
 * takes its listening socket only by socket activation (LISTEN_FDS), ignores
 * <listen>, <auth>, <fork/>, <pidfile> and most <limit>s, and logs only to
 * /run/systemd/journal/socket (it exits if that cannot be connected to, and a
 * full one blocks the bus). So a keeper process of ours, the pid the caller
 * gets, binds the listening socket and a datagram sink, runs the launcher in a
 * mount namespace (and a user namespace when not root) where the sink is
 * /run/systemd/journal/socket, copies what
 * it logs to the caller's log fd, says "ready" when the launcher logs Ready,
 * and passes SIGTERM on.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child-io.h"

extern char **environ;

/* Binds the bus's listening socket at path: the launcher gets it as fd 3. */
static int listen_socket(const char *path, GError **error) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path)) {
                g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NAMETOOLONG, "Bus socket path too long: %s", path);
                return -1;
        }
        strcpy(sa.sun_path, path);
        (void) unlink(path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        /* World-writable, as dbus-daemon makes its own: other uids connect (the bus's policy decides). */
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 ||
            listen(fd, SOMAXCONN) < 0) {
                g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "Cannot listen on %s: %s", path,
                            g_strerror(errno));
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        return fd;
}

/* Where the sink goes over: /run/systemd if there is one, else /run (a container without systemd). */
static const char *journal_mount_point(void) {
        return g_file_test("/run/systemd", G_FILE_TEST_IS_DIR) ? "/run/systemd" : "/run";
}

/* What the launcher's process needs, made before fork(): after it, async-signal-safe calls only. */
typedef struct Launch {
        const char *exe;                /* dbus-broker-launch, found in $PATH */
        char **argv, **envp;
        char *listen_pid;               /* envp's LISTEN_PID= entry, its number written after fork() */
        const char *source, *target;    /* the sink's directory, bind-mounted over target */
        bool user_ns;                   /* not root: a user namespace too, our uid and gid mapped to themselves */
        char uid_map[32], gid_map[32];
        pid_t keeper;
        int listen_fd, log_fd;
} Launch;

/* Our environment without what would confuse the launcher, its last entry room for LISTEN_PID (set after fork). */
static GPtrArray *launcher_envp(const char *address) {
        GPtrArray *e = g_ptr_array_new_with_free_func(g_free);

        for (char **v = environ; *v; v++)
                if (!g_str_has_prefix(*v, "LISTEN_") && !g_str_has_prefix(*v, "NOTIFY_SOCKET=") &&
                    !g_str_has_prefix(*v, "DBUS_SYSTEM_BUS_ADDRESS="))
                        g_ptr_array_add(e, g_strdup(*v));
        g_ptr_array_add(e, g_strdup("LISTEN_FDS=1"));
        /* The launcher connects to its own bus as a client: it must find it. */
        g_ptr_array_add(e, g_strconcat("DBUS_SYSTEM_BUS_ADDRESS=", address, NULL));
        g_ptr_array_add(e, g_strnfill(strlen("LISTEN_PID=") + 16, '\0'));
        strcpy(e->pdata[e->len - 1], "LISTEN_PID=");
        g_ptr_array_add(e, NULL);
        return e;
}

/* After fork: async-signal-safe only. Decimal n after "LISTEN_PID=" in buf. */
static void format_listen_pid(char *buf, pid_t n) {
        char digits[16];
        size_t k = 0, o = strlen("LISTEN_PID=");

        do
                digits[k++] = (char) ('0' + n % 10);
        while ((n /= 10) > 0);
        while (k > 0)
                buf[o++] = digits[--k];
        buf[o] = '\0';
}

static void write_all(int fd, const char *s, size_t n) {
        while (n > 0) {
                ssize_t w = write(fd, s, n);

                if (w <= 0)
                        return;
                s += w;
                n -= (size_t) w;
        }
}

/* The value of field (e.g. "MESSAGE=") in a journal datagram, its length in *len; NULL if absent. */
static const char *journal_field(const char *d, size_t n, const char *field, size_t *len) {
        size_t fl = strlen(field);

        for (size_t i = 0; i + fl <= n; i++) {
                const char *eol;

                if ((i > 0 && d[i - 1] != '\n') || memcmp(d + i, field, fl) != 0)
                        continue;
                eol = memchr(d + i + fl, '\n', n - i - fl);
                *len = (eol ? (size_t) (eol - d) : n) - i - fl;
                return d + i + fl;
        }
        return NULL;
}

/* Copies every datagram waiting as "identifier: message" lines to log_fd; true once Ready was among them. */
static bool sink_drain(int sink, int log_fd) {
        static char buf[65536];
        bool ready = false;
        ssize_t n;

        while ((n = recv(sink, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
                size_t ml = 0, il = 0;
                const char *m = journal_field(buf, (size_t) n, "MESSAGE=", &ml);
                const char *id = journal_field(buf, (size_t) n, "SYSLOG_IDENTIFIER=", &il);

                if (!m)
                        continue;
                if (ml == strlen("Ready") && memcmp(m, "Ready", ml) == 0)
                        ready = true;
                write_all(log_fd, id ?: "dbus-broker", id ? il : strlen("dbus-broker"));
                write_all(log_fd, ": ", 2);
                write_all(log_fd, m, ml);
                write_all(log_fd, "\n", 1);
        }
        return ready;
}

static _Noreturn void launcher_fail(const char *what) {
        write_all(STDERR_FILENO, "dbus-broker-launch not started: ", strlen("dbus-broker-launch not started: "));
        write_all(STDERR_FILENO, what, strlen(what));
        write_all(STDERR_FILENO, " failed\n", strlen(" failed\n"));
        _exit(127);
}

static bool write_proc(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t) strlen(text);

        if (fd >= 0)
                close(fd);
        return ok;
}

/*
 * The launcher, in the keeper's child: a mount namespace of its own (in a user namespace too when
 * not root) where the sink is /run/systemd/journal/socket, the listening socket as fd 3, and
 * LISTEN_PID this process, which execve() keeps.
 */
static _Noreturn void run_launcher(const Launch *l) {
        sigset_t none;

        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        if (l->log_fd >= 0)
                (void) dup2(l->log_fd, STDERR_FILENO);
        if (l->listen_fd == 3)
                (void) fcntl(3, F_SETFD, 0);
        else
                (void) dup2(l->listen_fd, 3);
        if (unshare(CLONE_NEWNS | (l->user_ns ? CLONE_NEWUSER : 0)) < 0)
                launcher_fail(l->user_ns ? "unshare(CLONE_NEWUSER|CLONE_NEWNS)" : "unshare(CLONE_NEWNS)");
        if (l->user_ns) {
                if (!write_proc("/proc/self/setgroups", "deny") || !write_proc("/proc/self/uid_map", l->uid_map) ||
                    !write_proc("/proc/self/gid_map", l->gid_map))
                        launcher_fail("mapping our uid and gid in the user namespace");
                /* New credentials cleared it: set again, and for a keeper that died meanwhile, go. */
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != l->keeper)
                        _exit(1);
        }
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                launcher_fail("making the mounts private");
        if (mount(l->source, l->target, NULL, MS_BIND, NULL) < 0)
                launcher_fail("bind-mounting the journal sink");
        format_listen_pid(l->listen_pid, getpid());
        execve(l->exe, l->argv, l->envp);
        launcher_fail("execve(dbus-broker-launch)");
}

/*
 * The keeper, forked from the caller: SIGTERM (or SIGINT) goes on to the launcher (which
 * takes dbus-broker with it); when the launcher is gone, so is the keeper, with its status.
 */
static _Noreturn void run_keeper(Launch *l, int sink, int ready_fd) {
        int log_fd = l->log_fd;
        sigset_t mask;
        int sfd, status = 0, st;
        bool launcher_gone = false;
        pid_t launcher;

        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        /* dbus-broker, the launcher's child, outlives it for a moment: it is reaped here, so that once
         * the keeper is reaped, no bus of ours runs. */
        (void) prctl(PR_SET_CHILD_SUBREAPER, 1);
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGCHLD);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);
        /* The caller's handlers (the benchmark's clean-up) are not ours. */
        (void) signal(SIGTERM, SIG_DFL);
        (void) signal(SIGINT, SIG_DFL);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC);
        l->keeper = getpid();
        launcher = fork();
        if (launcher == 0)
                run_launcher(l);
        close(l->listen_fd);
        if (log_fd < 0)
                log_fd = STDERR_FILENO;
        if (launcher < 0 || sfd < 0)
                _exit(1);
        for (;;) {
                struct pollfd p[2] = { { .fd = sink, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
                struct signalfd_siginfo si;

                if (poll(p, 2, -1) < 0 && errno != EINTR)
                        _exit(1);
                if (sink_drain(sink, log_fd) && ready_fd >= 0) {
                        write_all(ready_fd, "ready\n", 6);
                        close(ready_fd);
                        ready_fd = -1;
                }
                if (!(p[1].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
                        continue;
                /* Once the launcher is gone, dbus-broker follows it (its PR_SET_PDEATHSIG): nobody to tell. */
                if (si.ssi_signo != SIGCHLD) {
                        if (!launcher_gone)
                                (void) kill(launcher, SIGTERM);
                        continue;
                }
                for (pid_t r; (r = waitpid(-1, &st, WNOHANG)) != 0;) {
                        if (r == launcher) {
                                status = st;
                                launcher_gone = true;
                        }
                        if (r < 0) {
                                (void) sink_drain(sink, log_fd);
                                _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
                        }
                }
        }
}

bool broker_bus_spawn(const char *dir, const char *config_path, const char *address, int log_fd,
                      uint64_t timeout_usec, GPid *ret_pid, GError **error) {
        g_autofree char *run = g_build_filename(dir, "broker-run", NULL);
        g_autofree char *journal = NULL, *sink_path = NULL, *line = NULL;
        g_autofree char *sock = g_build_filename(dir, "bus.sock", NULL);
        g_autoptr(GPtrArray) envp = NULL;
        const char *target = journal_mount_point();
        g_autofree char *launch_exe = g_find_program_in_path("dbus-broker-launch");
        char *argv[] = { (char *) "dbus-broker-launch", (char *) "--scope", (char *) "system",
                         (char *) "--config-file", (char *) config_path, NULL };
        int listen_fd, sink, ready[2];
        Launch l = {};
        pid_t pid;

        if (!launch_exe) {
                g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT,
                            "PTPSYNC_TEST_BUS=dbus-broker, but dbus-broker-launch is not in $PATH "
                            "(Debian: apt-get install dbus-broker)");
                return false;
        }
        /* Over /run/systemd the sink is <run>/journal/socket; over /run, <run>/systemd/journal/socket. */
        journal = g_build_filename(run, g_str_equal(target, "/run") ? "systemd/journal" : "journal", NULL);
        sink_path = g_build_filename(journal, "socket", NULL);
        if (g_mkdir_with_parents(journal, 0755) < 0) {
                g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "Cannot create %s: %s", journal,
                            g_strerror(errno));
                return false;
        }
        sink = notify_socket_bind(sink_path);
        if (sink < 0) {
                g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(-sink), "Cannot bind %s: %s", sink_path,
                            g_strerror(-sink));
                return false;
        }
        listen_fd = listen_socket(sock, error);
        if (listen_fd < 0 || pipe2(ready, O_CLOEXEC) < 0) {
                if (listen_fd >= 0) {
                        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "pipe2: %s", g_strerror(errno));
                        close(listen_fd);
                }
                close(sink);
                return false;
        }
        envp = launcher_envp(address);
        l = (Launch) {
                .exe = launch_exe,
                .argv = argv,
                .envp = (char **) envp->pdata,
                .listen_pid = envp->pdata[envp->len - 2],
                .source = run,
                .target = target,
                .user_ns = geteuid() != 0,
                .listen_fd = listen_fd,
                .log_fd = log_fd,
        };
        g_snprintf(l.uid_map, sizeof(l.uid_map), "%u %u 1", (unsigned) geteuid(), (unsigned) geteuid());
        g_snprintf(l.gid_map, sizeof(l.gid_map), "%u %u 1", (unsigned) getegid(), (unsigned) getegid());
        pid = fork();
        if (pid == 0) {
                close(ready[0]);
                run_keeper(&l, sink, ready[1]);
        }
        close(ready[1]);
        close(listen_fd);
        close(sink);
        if (pid < 0) {
                g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FORK, "fork: %s", g_strerror(errno));
                close(ready[0]);
                return false;
        }
        /* Started either way: the caller stops it, and reaps it. */
        *ret_pid = pid;
        line = fd_read_line(ready[0], timeout_usec);
        close(ready[0]);
        if (!line) {
                g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                            "dbus-broker-launch did not log Ready within %" G_GUINT64_FORMAT
                            " s (or exited: see its log)", timeout_usec / G_USEC_PER_SEC);
                return false;
        }
        return true;
}
