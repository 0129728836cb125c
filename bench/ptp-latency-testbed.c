/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The testbed of ptpsync-ptp-latency: the lab, the bus, the daemon, and this
 * process as ptp4l's second subscriber and the daemon's Event watcher, all in
 * one poll() loop. Every child is started here and stopped and reaped here,
 * also on failure and on SIGINT, SIGTERM, SIGPIPE or SIGHUP (which only
 * cancel the run: the teardown is the normal one, so the lab always goes
 * down).
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
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "ptp-latency.h"
#include "common/socket-address.h"

#define EVENT_MATCH \
        "type='signal',sender='org.ptpsync1',interface='org.ptpsync1.Manager',member='Event'"
#define PING_PATH "/org/ptpsync1/bench"
#define PING_INTERFACE "org.ptpsync1.Bench"
#define PING_MATCH "type='signal',path='" PING_PATH "',interface='" PING_INTERFACE "',member='Ping'"
#define LOCK_STATE_SOURCE_SUFFIX "/sync/ptp-status/lock-state"
#define NODE_NAME "bench"
/* Ours to ptp4l; ptp4l keys subscriptions on it (the daemon is "ptpsync\0"). */
#define BENCH_CLOCK_IDENTITY { { 'p', 't', 'p', 'b', 'e', 'n', 'c', 'h' } }
/* Long enough for any run; renewed at half of it anyway (testbed_subscription_due). */
#define SUBSCRIPTION_SEC 3600
#define SUBSCRIBE_RETRY_USEC (2 * USEC_PER_SEC)
#define LAB_UP_TIMEOUT_USEC (120 * USEC_PER_SEC) /* two ptp4l starting (15 s each at worst) and --wait (30 s) */
#define LAB_DOWN_TIMEOUT_USEC (60 * USEC_PER_SEC)
#define KILL_TIMEOUT_USEC (10 * USEC_PER_SEC)
#define LAB_EXIT_SKIP 77

/* --- signals ---------------------------------------------------------------------------------- */

static volatile sig_atomic_t cancelled;
static int cancel_pipe[2] = { -1, -1 };

static void on_signal(int sig) {
        int saved = errno;

        cancelled = sig;
        if (cancel_pipe[1] >= 0)
                (void) !write(cancel_pipe[1], "x", 1);
        errno = saved;
}

int testbed_handle_signals(void) {
        struct sigaction sa = { .sa_handler = on_signal };

        if (pipe2(cancel_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        /*
         * No SA_RESTART: poll() returns at once, and the pipe wakes it in any case. SIGPIPE too (stderr piped
         * into a "head" that went away) and SIGHUP: dying of them would leave the lab up.
         */
        if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
            sigaction(SIGPIPE, &sa, NULL) < 0 || sigaction(SIGHUP, &sa, NULL) < 0)
                return -errno;
        return 0;
}

int testbed_cancelled(void) {
        return cancelled;
}

/* --- small helpers ---------------------------------------------------------------------------- */

/*
 * fork + exec, stdin from /dev/null, stdout and stderr to out_fd. die_with_us: PR_SET_PDEATHSIG (the
 * daemon); the lab script has none, so that a dying benchmark does not leave a half-made lab behind a
 * killed 'up' (whatever it leaves, 'down' of the same directory removes). Only async-signal-safe calls
 * after fork.
 */
static pid_t spawn(char *const argv[], char *const envp[], int out_fd, bool die_with_us) {
        pid_t parent = getpid(), pid;
        sigset_t none;

        sigemptyset(&none);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid > 0)
                return pid;

        if (die_with_us && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent))
                _exit(127);
        (void) signal(SIGINT, SIG_DFL);
        (void) signal(SIGTERM, SIG_DFL);
        (void) signal(SIGPIPE, SIG_DFL);
        (void) signal(SIGHUP, SIG_DFL);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
                _exit(127);
        execve(argv[0], argv, envp);
        _exit(127);
}

static int wait_status_to_exit(int status) {
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Waits for the pidfd to say the child ended, at most timeout; also through signals (a second Ctrl-C). */
static bool child_ended(int pidfd, uint64_t timeout_usec) {
        uint64_t deadline = now_usec() + timeout_usec;

        for (;;) {
                struct pollfd p = { .fd = pidfd, .events = POLLIN };
                uint64_t now = now_usec();
                int r;

                if (now >= deadline)
                        return false;
                r = poll(&p, 1, (int) MIN((deadline - now) / USEC_PER_MSEC + 1, INT_MAX));
                if (r > 0)
                        return true;
                if (r < 0 && errno != EINTR)
                        return false;
        }
}

/* Waits for a child, at most timeout (after SIGTERM if terminate); SIGKILL if it does not end. Reaps it. */
static int stop_child(pid_t pid, int pidfd, bool terminate, uint64_t timeout_usec, const char *what) {
        int status = 0;

        if (pid <= 0)
                return 0;
        if (terminate)
                (void) kill(pid, SIGTERM);
        if (pidfd >= 0 && !child_ended(pidfd, timeout_usec)) {
                bench_log("%s (pid %d) did not end within %" PRIu64 " s; killing it.", what, (int) pid,
                          timeout_usec / USEC_PER_SEC);
                (void) kill(pid, SIGKILL);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return wait_status_to_exit(status);
}

/* --- the lab ------------------------------------------------------------------------------------- */

int testbed_lab_spawn(Testbed *t, const char *name, const char *arg) {
        g_autofree char *dir_arg = g_strconcat("--dir=", t->lab_dir, NULL);
        g_autofree char *prefix_arg = g_strconcat("--prefix=", t->prefix, NULL);
        g_autofree char *header = NULL;
        g_auto(GStrv) envp = g_get_environ();
        _cleanup_close_ int out_fd = -1;
        LabCommand *c = &t->command;
        pid_t pid;

        if (c->pid > 0 && !c->exited)
                return -EBUSY;
        g_free(c->name);
        *c = (LabCommand) { .name = g_strdup(name), .pidfd = -1 };

        out_fd = open(t->lab_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (out_fd < 0)
                return -errno;
        header = g_strdup_printf("=== %.3f s: ptp-lab.sh %s %s\n", (double) now_usec() / USEC_PER_SEC, name,
                                 arg ?: "");
        (void) !write(out_fd, header, strlen(header));

        envp = g_environ_unsetenv(envp, "PTPLAB_DIR");
        char *argv[] = { (char *) t->settings.lab_path, dir_arg, prefix_arg, (char *) name, (char *) arg, NULL };
        pid = spawn(argv, envp, out_fd, false);
        if (pid < 0)
                return (int) pid;
        c->pid = pid;
        c->started = now_usec();
        c->pidfd = pidfd_open(pid, 0);
        if (c->pidfd < 0) {
                int r = -errno;

                (void) stop_child(pid, -1, true, 0, name);
                c->exited = true;
                return r;
        }
        if (t->settings.verbose)
                bench_log("  lab: %s %s (pid %d)", name, arg ?: "", (int) pid);
        return 0;
}

static void command_reap(Testbed *t) {
        LabCommand *c = &t->command;
        int status;

        if (c->pid <= 0 || c->exited)
                return;
        if (waitpid(c->pid, &status, WNOHANG) != c->pid)
                return;
        c->exited = true;
        c->status = wait_status_to_exit(status);
        if (c->pidfd >= 0) {
                close(c->pidfd);
                c->pidfd = -1;
        }
        if (t->settings.verbose)
                bench_log("  lab: %s exited %d after %.3f s", c->name, c->status,
                          (double) (now_usec() - c->started) / USEC_PER_SEC);
}

static bool command_exited(Testbed *t, void *userdata) {
        return t->command.pid <= 0 || t->command.exited;
}

int testbed_lab_finish(Testbed *t, uint64_t timeout_usec) {
        LabCommand *c = &t->command;
        int r;

        if (c->pid <= 0)
                return 0;
        r = testbed_wait(t, command_exited, NULL, timeout_usec);
        if (r < 0 && !c->exited) {
                if (r == -ETIMEDOUT)
                        bench_log("ptp-lab.sh %s did not end within %" PRIu64 " s; stopping it.", c->name,
                                  timeout_usec / USEC_PER_SEC);
                c->status = stop_child(c->pid, c->pidfd, true, KILL_TIMEOUT_USEC, "ptp-lab.sh");
                c->exited = true;
                if (c->pidfd >= 0) {
                        close(c->pidfd);
                        c->pidfd = -1;
                }
                return r;
        }
        if (c->status != 0 && c->status != LAB_EXIT_SKIP) {
                bench_log("ptp-lab.sh %s failed (exit %d).", c->name, c->status);
                bench_print_log_tail(t->lab_log, 12);
        }
        return c->status;
}

/* Runs a lab command to its end, even after SIGINT (teardown). */
static int lab_run_to_end(Testbed *t, const char *name, const char *arg, uint64_t timeout_usec) {
        LabCommand *c = &t->command;
        int r;

        r = testbed_lab_spawn(t, name, arg);
        if (r < 0)
                return r;
        r = stop_child(c->pid, c->pidfd, false, timeout_usec, "ptp-lab.sh");
        c->exited = true;
        c->status = r;
        if (c->pidfd >= 0) {
                close(c->pidfd);
                c->pidfd = -1;
        }
        return r;
}

/* --- this process as a client of ptp4l ---------------------------------------------------------- */

static int client_socket_open(const char *path, const char *target, bool timestamps, bool *ret_timestamps) {
        _cleanup_close_ int fd = -1;
        struct sockaddr_un sa;
        socklen_t len;
        int r, one = 1;

        r = socket_address_from_path(path, &sa, &len);
        if (r < 0)
                return r;
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        (void) unlink(path);
        if (bind(fd, (struct sockaddr *) &sa, len) < 0)
                return -errno;
        /* Connected: the kernel hands us datagrams from ptp4l's socket only. */
        r = socket_address_from_path(target, &sa, &len);
        if (r < 0)
                return r;
        if (connect(fd, (struct sockaddr *) &sa, len) < 0)
                return -errno;
        /* The moment ptp4l sent each push, to tell how late we read it (AF_UNIX stamps at sendmsg). */
        if (timestamps)
                *ret_timestamps = setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) >= 0;
        r = fd;
        fd = -1;
        return r;
}

static int client_send(int fd, const uint8_t *buf, size_t size) {
        ssize_t n = send(fd, buf, size, MSG_DONTWAIT | MSG_NOSIGNAL);

        if (n < 0)
                return -errno;
        return n == (ssize_t) size ? 0 : -EMSGSIZE;
}

static int send_subscribe(Testbed *t) {
        PmcSubscribeEvents s = { .duration_sec = SUBSCRIPTION_SEC };
        uint8_t buf[PMC_SUBSCRIBE_SIZE];
        ssize_t n;

        pmc_subscribe_events_set(&s, PMC_EVENT_PORT_STATE);
        t->subscribe_sequence_id = t->next_sequence_id++;
        n = pmc_encode_subscribe(&t->events_requester, t->subscribe_sequence_id, &s, buf, sizeof(buf));
        if (n < 0)
                return (int) n;
        return client_send(t->events_fd, buf, (size_t) n);
}

int testbed_ask_port_state(Testbed *t) {
        uint8_t buf[PMC_GET_SIZE];
        ssize_t n;

        t->get_answered = false;
        t->get_sequence_id = t->next_sequence_id++;
        n = pmc_encode_get(&t->requests_requester, t->get_sequence_id, PMC_ID_PORT_DATA_SET, PMC_PORT_ALL, buf,
                           sizeof(buf));
        if (n < 0)
                return (int) n;
        return client_send(t->requests_fd, buf, (size_t) n);
}

static bool is_subscribed(Testbed *t, void *userdata) {
        return t->subscribed;
}

int testbed_subscribe(Testbed *t) {
        uint64_t deadline = now_usec() + TESTBED_TIMEOUT_USEC;
        int r;

        t->subscribed = false;
        for (;;) {
                r = send_subscribe(t);
                if (r < 0) {
                        bench_log("Cannot send SUBSCRIBE_EVENTS_NP to ptp4l: %s", strerror(-r));
                        return r;
                }
                /* A datagram to a busy ptp4l is not lost, but its answer might be to an old one: ask again. */
                r = testbed_wait(t, is_subscribed, NULL, MIN(SUBSCRIBE_RETRY_USEC, deadline - MIN(deadline, now_usec())));
                if (r != -ETIMEDOUT || now_usec() >= deadline)
                        break;
        }
        if (r == -ETIMEDOUT)
                bench_log("ptp4l did not acknowledge our subscription within %" PRIu64 " s.",
                          TESTBED_TIMEOUT_USEC / USEC_PER_SEC);
        return r;
}

bool testbed_subscription_due(const Testbed *t) {
        return !t->subscribed || now_usec() - t->subscribed_at > SUBSCRIPTION_SEC / 2 * USEC_PER_SEC;
}

static int64_t wake_delay(struct msghdr *mh) {
        struct timespec now;

        clock_gettime(CLOCK_REALTIME, &now);
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
                    c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
                        struct timespec sent;

                        memcpy(&sent, CMSG_DATA(c), sizeof(sent));
                        return ((int64_t) now.tv_sec - sent.tv_sec) * (int64_t) USEC_PER_SEC +
                                (now.tv_nsec - sent.tv_nsec) / 1000;
                }
        return -1;
}

static void read_datagrams(Testbed *t, int fd) {
        bool events = fd == t->events_fd;

        /* Everything that is there: each is stamped as it is read. */
        for (;;) {
                uint8_t buf[PMC_MESSAGE_MAX + 1];
                union {
                        struct cmsghdr align;
                        char buf[CMSG_SPACE(sizeof(struct timespec))];
                } control;
                struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
                struct msghdr mh = {
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = &control,
                        .msg_controllen = sizeof(control),
                };
                char reason[PMC_ERROR_STRING_MAX];
                int64_t wake;
                uint64_t when;
                PmcMessage m;
                PmcError e;
                ssize_t n;

                n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
                when = now_usec();
                if (n < 0) {
                        if (errno != EAGAIN && errno != EINTR) {
                                bench_log("Cannot receive from ptp4l: %m");
                                t->error = -errno;
                        }
                        return;
                }
                wake = events ? wake_delay(&mh) : -1;
                e = (size_t) n > PMC_MESSAGE_MAX ? PMC_ERROR_TOO_LARGE : pmc_decode(buf, (size_t) n, &m);
                if (e != PMC_OK) {
                        bench_log("Ignored a datagram from ptp4l: %s", pmc_error_format(e, &m, reason, sizeof(reason)));
                        continue;
                }
                if (!events) {
                        if (m.tlv_type == PMC_TLV_MANAGEMENT && m.id == PMC_ID_PORT_DATA_SET &&
                            m.header.sequence_id == t->get_sequence_id) {
                                t->port_state = m.port_data_set.port_state;
                                t->get_answered = true;
                        }
                        continue;
                }
                if (m.id == PMC_ID_SUBSCRIBE_EVENTS_NP && m.header.sequence_id == t->subscribe_sequence_id) {
                        if (m.tlv_type != PMC_TLV_MANAGEMENT) {
                                bench_log("ptp4l refused our subscription: %s",
                                          pmc_management_error_to_string(m.error_status.error) ?: "unknown error");
                                t->error = -EPROTO;
                                return;
                        }
                        t->subscribed = true;
                        t->subscribed_at = when;
                        continue;
                }
                if (m.tlv_type != PMC_TLV_MANAGEMENT || m.id != PMC_ID_PORT_DATA_SET)
                        continue;
                t->port_state = m.port_data_set.port_state;
                t->pushes++;
                if (t->settings.verbose)
                        bench_log("  push: %s (read %" PRId64 " µs after ptp4l sent it)",
                                  pmc_port_state_to_string(m.port_data_set.port_state), wake);
                if (t->observer.pushed)
                        t->observer.pushed(t, m.port_data_set.port_state, when, wake, t->observer.userdata);
        }
}

/* --- the watcher --------------------------------------------------------------------------------- */

static int on_event(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Testbed *t = userdata;
        uint64_t when = now_usec();
        const char *id, *type, *source, *address, *data_type, *value_type, *value;
        const char *state = NULL;
        uint64_t seq;
        int64_t wall;
        int r;

        r = sd_bus_message_read(m, "tsssx", &seq, &id, &type, &source, &wall);
        if (r < 0 || !g_str_has_suffix(source, LOCK_STATE_SOURCE_SUFFIX))
                return 0;
        r = sd_bus_message_enter_container(m, 'a', "(ssss)");
        if (r < 0)
                return 0;
        while ((r = sd_bus_message_read(m, "(ssss)", &address, &data_type, &value_type, &value)) > 0)
                /* One ptp4l, one clock: its state is the enumeration of "<alias>/master". */
                if (g_str_has_suffix(address, "/master") && streq_ptr(data_type, "notification") &&
                    streq_ptr(value_type, "enumeration"))
                        state = value;
        if (!state || strlen(state) >= sizeof(t->lock_state))
                return 0;
        strcpy(t->lock_state, state);
        t->events++;
        if (t->settings.verbose)
                bench_log("  event %" PRIu64 ": lock-state %s", seq, state);
        if (t->observer.event)
                t->observer.event(t, state, seq, when, t->observer.userdata);
        return 0;
}

static int on_current_state(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Testbed *t = userdata;
        const char *id, *type, *source, *address, *data_type, *value_type, *value;
        uint64_t seq;
        int64_t wall;
        int r;

        t->daemon_answered = true;
        t->daemon_lock_state[0] = '\0';
        if (sd_bus_message_is_method_error(reply, NULL)) {
                bench_log("GetCurrentState failed: %s", sd_bus_message_get_error(reply)->message ?: "?");
                return 0;
        }
        /* a(tsssxa(ssss)): the resource's current state, as an event; one clock here. */
        r = sd_bus_message_enter_container(reply, 'a', "(tsssxa(ssss))");
        if (r > 0)
                r = sd_bus_message_enter_container(reply, 'r', "tsssxa(ssss)");
        if (r > 0)
                r = sd_bus_message_read(reply, "tsssx", &seq, &id, &type, &source, &wall);
        if (r > 0)
                r = sd_bus_message_enter_container(reply, 'a', "(ssss)");
        while (r > 0 && (r = sd_bus_message_read(reply, "(ssss)", &address, &data_type, &value_type, &value)) > 0)
                if (g_str_has_suffix(address, "/master") && streq_ptr(data_type, "notification") &&
                    streq_ptr(value_type, "enumeration") && strlen(value) < sizeof(t->daemon_lock_state))
                        strcpy(t->daemon_lock_state, value);
        return 0;
}

int testbed_ask_lock_state(Testbed *t) {
        t->daemon_answered = false;
        return sd_bus_call_method_async(t->watch, NULL, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                        "GetCurrentState", on_current_state, t, "s",
                                        "/cluster/node/" NODE_NAME LOCK_STATE_SOURCE_SUFFIX);
}

static int on_ping(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Testbed *t = userdata;

        if (t->ping_sent > 0 && t->ping_received == 0)
                t->ping_received = now_usec();
        return 0;
}

static bool ping_received(Testbed *t, void *userdata) {
        return t->ping_received > 0;
}

int testbed_ping(Testbed *t, uint64_t *ret_usec) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        g_autofree char *address = g_strdup_printf("%s-sx/master", t->prefix);
        int r;

        /* A lock-state event's: the same signature, strings of the same lengths. */
        r = sd_bus_message_new_signal(t->pinger, &m, PING_PATH, PING_INTERFACE, "Ping");
        if (r >= 0)
                r = sd_bus_message_append(m, "tsssx", UINT64_C(12), "4a8e7f52-0c1d-4f6e-9a3b-5d2c1e0f9b7a",
                                          "notification", "/cluster/node/" NODE_NAME LOCK_STATE_SOURCE_SUFFIX,
                                          INT64_C(1763757600000000));
        if (r >= 0)
                r = sd_bus_message_append(m, "a(ssss)", 2, address, "notification", "enumeration", "HOLDOVER",
                                          address, "metric", "decimal64.3", "-0.001");
        if (r < 0)
                return r;
        t->ping_received = 0;
        t->ping_sent = now_usec();
        r = sd_bus_send(t->pinger, m, NULL);
        if (r >= 0)
                r = sd_bus_flush(t->pinger);
        if (r >= 0)
                r = testbed_wait(t, ping_received, NULL, 5 * USEC_PER_SEC);
        if (r >= 0)
                *ret_usec = t->ping_received - t->ping_sent;
        t->ping_sent = 0;
        return r;
}

/* --- the loop ---------------------------------------------------------------------------------- */

static void read_notify(Testbed *t) {
        char buf[4096];
        ssize_t n;

        while ((n = recv(t->notify_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
                buf[n] = '\0';
                if (strstr(buf, "READY=1"))
                        t->daemon_ready = true;
        }
}

static void daemon_died(Testbed *t) {
        int status = 0;

        if (waitpid(t->daemon_pid, &status, WNOHANG) != t->daemon_pid)
                return;
        bench_log("ptpsyncd exited (%s %d).", WIFEXITED(status) ? "status" : "signal",
                  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        bench_print_log_tail(t->daemon_log, 15);
        t->daemon_pid = 0;
        close(t->daemon_pidfd);
        t->daemon_pidfd = -1;
        t->error = -ECHILD;
}

static int drain_bus(Testbed *t) {
        int r;

        if (!t->watch)
                return 0;
        do
                r = sd_bus_process(t->watch, NULL);
        while (r > 0 && !t->error);
        if (r < 0) {
                bench_log("The watcher's bus connection failed: %s", strerror(-r));
                return r;
        }
        return 0;
}

int testbed_wait(Testbed *t, TestbedDone done, void *userdata, uint64_t timeout_usec) {
        uint64_t deadline = now_usec() + timeout_usec;

        for (;;) {
                enum { P_CANCEL, P_EVENTS, P_REQUESTS, P_BUS, P_SUBSCRIBERS, P_NOTIFY, P_DAEMON, P_COMMAND, _P_MAX };
                struct pollfd p[_P_MAX];
                uint64_t now, until = deadline, bus_until;
                int r, timeout_ms;

                r = drain_bus(t);
                if (r < 0)
                        return t->error = r;
                if (done && done(t, userdata))
                        return 0;
                if (t->error)
                        return t->error;
                if (cancelled)
                        return -ECANCELED;
                now = now_usec();
                if (now >= deadline)
                        return -ETIMEDOUT;

                p[P_CANCEL] = (struct pollfd) { .fd = cancel_pipe[0], .events = POLLIN };
                p[P_EVENTS] = (struct pollfd) { .fd = t->events_fd, .events = POLLIN };
                p[P_REQUESTS] = (struct pollfd) { .fd = t->requests_fd, .events = POLLIN };
                p[P_BUS] = (struct pollfd) { .fd = -1 };
                if (t->watch) {
                        p[P_BUS].fd = sd_bus_get_fd(t->watch);
                        r = sd_bus_get_events(t->watch);
                        p[P_BUS].events = r > 0 ? (short) r : POLLIN;
                        if (sd_bus_get_timeout(t->watch, &bus_until) >= 0 && bus_until < until)
                                until = bus_until;
                }
                /* Their epoll fd: readable when any of them is; each stamps its Events as it reads them. */
                p[P_SUBSCRIBERS] = (struct pollfd) { .fd = t->subscribers ? t->subscribers->epoll_fd : -1,
                                                     .events = POLLIN };
                /* Always read: the daemon's sd_notify() blocks once 10 datagrams wait (STATUS= on every change). */
                p[P_NOTIFY] = (struct pollfd) { .fd = t->notify_fd, .events = POLLIN };
                p[P_DAEMON] = (struct pollfd) { .fd = t->daemon_pidfd, .events = POLLIN };
                p[P_COMMAND] = (struct pollfd) { .fd = t->command.exited ? -1 : t->command.pidfd, .events = POLLIN };

                timeout_ms = until <= now ? 0 : (int) MIN((until - now + USEC_PER_MSEC - 1) / USEC_PER_MSEC, INT_MAX);
                r = poll(p, _P_MAX, timeout_ms);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return t->error = -errno;
                }
                /* The pushes first: they are stamped before any signal read in the same wake-up. */
                if (p[P_EVENTS].revents)
                        read_datagrams(t, t->events_fd);
                if (p[P_REQUESTS].revents)
                        read_datagrams(t, t->requests_fd);
                /* The watcher before the subscribers: reading 100 of them first would delay its stamp. */
                if (p[P_BUS].revents) {
                        r = drain_bus(t);
                        if (r < 0)
                                return t->error = r;
                }
                if (p[P_SUBSCRIBERS].revents) {
                        clients_dispatch(t->subscribers);
                        if (t->subscribers->error) {
                                bench_log("A subscriber failed: %s", t->subscribers->error);
                                t->error = -EIO;
                        }
                }
                if (p[P_NOTIFY].revents)
                        read_notify(t);
                if (p[P_COMMAND].revents)
                        command_reap(t);
                if (p[P_DAEMON].revents)
                        daemon_died(t);
                /* The bus is read at the top of the loop. */
        }
}

/* --- the daemon ---------------------------------------------------------------------------------- */

static bool daemon_ready(Testbed *t, void *userdata) {
        return t->daemon_ready;
}

static int daemon_start(Testbed *t) {
        const char *dir = t->bus.dir;
        g_autofree char *notify_path = g_build_filename(dir, "notify.sock", NULL);
        g_autofree char *config_path = g_build_filename(dir, "ptpsyncd.conf", NULL);
        g_autofree char *poll_line = t->settings.poll_interval_ms > 0
                ? g_strdup_printf("PollIntervalMs=%u\n", t->settings.poll_interval_ms)
                : g_strdup("");
        /*
         * The thresholds of the tests (software timestamps on veth: ~1 µs, spikes of ~80 µs under load), and
         * a holdover that never runs out during a round: each step makes exactly one lock-state event.
         */
        g_autofree char *config = g_strdup_printf("# ptpsync-ptp-latency\n"
                                                  "[Thresholds]\n"
                                                  "MaxOffsetNs=1000000\n"
                                                  "MinOffsetNs=-1000000\n"
                                                  "HoldoverTimeoutSec=3600\n"
                                                  "\n"
                                                  "[ptp4l slave]\n"
                                                  "Socket=%s/slave.sock\n"
                                                  "Interface=%s-s0\n"
                                                  "%s",
                                                  t->lab_dir, t->prefix, poll_line);
        g_autofree char *bus_arg = g_strconcat("--bus=", t->bus.address, NULL);
        g_autofree char *config_arg = g_strconcat("--config=", config_path, NULL);
        g_autofree char *run_arg = g_strconcat("--runtime-dir=", dir, "/run", NULL);
        g_autofree char *state_arg = NULL;
        g_auto(GStrv) envp = g_get_environ();
        _cleanup_close_ int log_fd = -1;
        pid_t pid;
        int r;

        if (bench_write_file(config_path, config) < 0)
                return -EIO;
        if (t->settings.state_root) {
                /* Elsewhere, e.g. /dev/shm: what the store's fdatasync costs is then out of the figures. */
                t->state_dir = g_build_filename(t->settings.state_root, "ptpsync-ptp-latency-XXXXXX", NULL);
                if (!g_mkdtemp(t->state_dir)) {
                        bench_log("Cannot make a directory in %s: %m", t->settings.state_root);
                        g_clear_pointer(&t->state_dir, g_free);
                        return -EIO;
                }
                t->state_dir_made = true;
        } else
                t->state_dir = g_build_filename(dir, "state", NULL);
        state_arg = g_strconcat("--state-dir=", t->state_dir, NULL);
        t->notify_fd = bench_daemon_environ(notify_path, &envp);
        if (t->notify_fd < 0)
                return t->notify_fd;
        t->daemon_log = g_build_filename(dir, "ptpsyncd.log", NULL);
        log_fd = open(t->daemon_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (log_fd < 0) {
                bench_log("Cannot create %s: %m", t->daemon_log);
                return -errno;
        }

        char *argv[] = { (char *) t->settings.daemon_path, bus_arg, (char *) "--source=linuxptp", config_arg,
                         run_arg, state_arg, (char *) "--node-name=" NODE_NAME, NULL };
        pid = spawn(argv, envp, log_fd, true);
        if (pid < 0) {
                bench_log("Cannot start %s: %s", t->settings.daemon_path, strerror((int) -pid));
                return (int) pid;
        }
        t->daemon_pid = pid;
        t->daemon_pidfd = pidfd_open(pid, 0);
        if (t->daemon_pidfd < 0)
                return -errno;
        r = testbed_wait(t, daemon_ready, NULL, TESTBED_TIMEOUT_USEC);
        if (r == -ETIMEDOUT) {
                bench_log("ptpsyncd sent no READY=1 within %" PRIu64 " s.", TESTBED_TIMEOUT_USEC / USEC_PER_SEC);
                bench_print_log_tail(t->daemon_log, 15);
        }
        return r;
}

static void daemon_stop(Testbed *t) {
        int status;

        if (t->daemon_pid <= 0)
                return;
        status = stop_child(t->daemon_pid, t->daemon_pidfd, true, KILL_TIMEOUT_USEC, "ptpsyncd");
        if (status != 0) {
                bench_log("ptpsyncd ended with %d.", status);
                bench_print_log_tail(t->daemon_log, 15);
        }
        t->daemon_pid = 0;
}

/* --- start and stop ---------------------------------------------------------------------------- */

static int watcher_start(Testbed *t) {
        int r;

        r = bench_connect(t->bus.address, &t->watch);
        if (r < 0)
                return r;
        /* Before the daemon starts: the bus routes its signals to us from its first one. */
        r = sd_bus_add_match(t->watch, NULL, EVENT_MATCH, on_event, t);
        if (r >= 0)
                r = sd_bus_add_match(t->watch, NULL, PING_MATCH, on_ping, t);
        if (r < 0) {
                bench_log("Cannot add the matches for the signals: %s", strerror(-r));
                return r;
        }
        return bench_connect(t->bus.address, &t->pinger);
}

static int lab_up(Testbed *t) {
        int r;

        t->lab_dir = g_build_filename(t->bus.dir, "lab", NULL);
        /* Unique among labs side by side, and short: interface names are <= 15 bytes. */
        t->prefix = g_strdup_printf("plat%05u", (unsigned) (getpid() % 100000));
        t->lab_log = g_build_filename(t->bus.dir, "lab.log", NULL);
        t->lab_touched = true;
        bench_log("Bringing up the ptp4l lab in %s (prefix %s)...", t->lab_dir, t->prefix);
        r = testbed_lab_spawn(t, "up", "--wait");
        if (r < 0) {
                bench_log("Cannot run %s: %s", t->settings.lab_path, strerror(-r));
                return r;
        }
        r = testbed_lab_finish(t, LAB_UP_TIMEOUT_USEC);
        if (r == LAB_EXIT_SKIP) {
                bench_print_log_tail(t->lab_log, 5);
                return -EOPNOTSUPP;
        }
        return r == 0 ? 0 : r < 0 ? r : -EIO;
}

void testbed_init(Testbed *t, const TestbedSettings *s) {
        *t = (Testbed) {
                .initialized = true,
                .settings = *s,
                .daemon_pidfd = -1,
                .notify_fd = -1,
                .events_fd = -1,
                .requests_fd = -1,
                .command.pidfd = -1,
                .events_requester.identity = { .clock_identity = BENCH_CLOCK_IDENTITY, .port_number = 1 },
                .requests_requester.identity = { .clock_identity = BENCH_CLOCK_IDENTITY, .port_number = 2 },
        };
}

int testbed_start(Testbed *t) {
        g_autofree char *socket_path = NULL;
        int r;

        t->bus.kind = t->settings.bus;
        bench_log("Starting a private %s...", private_bus_kind_to_string(t->bus.kind));
        t->bus_started = true;
        r = bench_bus_start(&t->bus, NULL);
        if (r < 0)
                return r;
        r = lab_up(t);
        if (r < 0)
                return r;

        r = watcher_start(t);
        if (r < 0)
                return r;

        bench_log("Starting %s...", t->settings.daemon_path);
        r = daemon_start(t);
        if (r < 0)
                return r;

        /* Not subscribed yet: see testbed_subscribe(). */
        socket_path = g_build_filename(t->lab_dir, "slave.sock", NULL);
        t->events_path = g_build_filename(t->bus.dir, "bench-events.sock", NULL);
        t->requests_path = g_build_filename(t->bus.dir, "bench-requests.sock", NULL);
        t->events_fd = client_socket_open(t->events_path, socket_path, true, &t->timestamps);
        if (t->events_fd >= 0)
                t->requests_fd = client_socket_open(t->requests_path, socket_path, false, NULL);
        if (t->events_fd < 0 || t->requests_fd < 0) {
                r = t->events_fd < 0 ? t->events_fd : t->requests_fd;
                bench_log("Cannot open our sockets to ptp4l at %s: %s", socket_path, strerror(-r));
                return r;
        }
        return 0;
}

static void close_client_socket(int *fd, char **path) {
        if (*fd >= 0) {
                close(*fd);
                *fd = -1;
        }
        if (*path) {
                (void) unlink(*path);
                g_clear_pointer(path, g_free);
        }
}

void testbed_stop(Testbed *t) {
        LabCommand *c = &t->command;

        if (!t->initialized)
                return;
        /* A lab command under way first: 'down' must not race it for the lab's state file. */
        if (c->pid > 0 && !c->exited) {
                c->status = stop_child(c->pid, c->pidfd, true, KILL_TIMEOUT_USEC, "ptp-lab.sh");
                c->exited = true;
        }
        if (c->pidfd >= 0) {
                close(c->pidfd);
                c->pidfd = -1;
        }
        daemon_stop(t);
        if (t->daemon_pidfd >= 0) {
                close(t->daemon_pidfd);
                t->daemon_pidfd = -1;
        }
        if (t->notify_fd >= 0) {
                close(t->notify_fd);
                t->notify_fd = -1;
        }
        t->watch = sd_bus_flush_close_unref(t->watch);
        t->pinger = sd_bus_flush_close_unref(t->pinger);
        close_client_socket(&t->events_fd, &t->events_path);
        close_client_socket(&t->requests_fd, &t->requests_path);
        if (t->lab_touched) {
                int r;

                bench_log("Taking the lab down...");
                r = lab_run_to_end(t, "down", getenv("PTPSYNC_BENCH_KEEP") ? NULL : "--purge",
                                   LAB_DOWN_TIMEOUT_USEC);
                if (r != 0) {
                        bench_log("ptp-lab.sh down failed (%d): remove the lab by hand: %s --dir=%s down",
                                  r, t->settings.lab_path, t->lab_dir);
                        bench_print_log_tail(t->lab_log, 12);
                }
                t->lab_touched = false;
        }
        if (t->state_dir_made && !getenv("PTPSYNC_BENCH_KEEP")) {
                /* The daemon's store: the database, its WAL and lock files, nothing deeper. */
                g_autoptr(GDir) d = g_dir_open(t->state_dir, 0, NULL);
                const char *name;

                while (d && (name = g_dir_read_name(d))) {
                        g_autofree char *p = g_build_filename(t->state_dir, name, NULL);

                        (void) unlink(p);
                }
                if (rmdir(t->state_dir) < 0)
                        bench_log("Cannot remove %s: %m", t->state_dir);
        }
        t->state_dir_made = false;
        g_clear_pointer(&t->state_dir, g_free);
        if (t->bus_started) {
                if (getenv("PTPSYNC_BENCH_KEEP") && t->bus.dir)
                        bench_log("Kept %s (PTPSYNC_BENCH_KEEP).", t->bus.dir);
                bench_bus_stop(&t->bus);
                t->bus_started = false;
        }
        g_clear_pointer(&c->name, g_free);
        g_clear_pointer(&t->lab_dir, g_free);
        g_clear_pointer(&t->prefix, g_free);
        g_clear_pointer(&t->lab_log, g_free);
        g_clear_pointer(&t->daemon_log, g_free);
}
