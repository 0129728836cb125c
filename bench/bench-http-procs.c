/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The children of ptpsync-http-bench besides the bus and the daemon: the
 * bridge, the consumers, the bare server. Each dies with us (PR_SET_PDEATHSIG,
 * SIGKILL: a stopped consumer obeys nothing else) and is reaped here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "bench-http.h"

#define START_TIMEOUT_USEC (10 * USEC_PER_SEC)
#define STOP_TIMEOUT_USEC (5 * USEC_PER_SEC)

int child_spawn(Child *c, char *const argv[], const char *log_path, bool read_stdout) {
        _cleanup_close_ int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        int pipe_fds[2] = { -1, -1 };
        pid_t parent = getpid(), pid;

        *c = (Child) CHILD_NULL;
        if (log_fd < 0 || (read_stdout && pipe2(pipe_fds, O_CLOEXEC) < 0)) {
                bench_log("Cannot set up the output of %s: %m", argv[0]);
                return -errno;
        }
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                /* Only async-signal-safe calls here. */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                        _exit(127);
                int null_fd = open("/dev/null", O_RDONLY);
                if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(read_stdout ? pipe_fds[1] : log_fd, 1) < 0 ||
                    dup2(log_fd, 2) < 0)
                        _exit(127);
                execv(argv[0], argv);
                _exit(127);
        }
        if (read_stdout) {
                close(pipe_fds[1]);
                c->out_fd = pipe_fds[0];
                (void) fcntl(c->out_fd, F_SETFL, O_NONBLOCK);
        }
        c->pid = pid;
        c->partial = g_string_new(NULL);
        c->log_path = g_strdup(log_path);
        return 0;
}

void child_stop(Child *c) {
        uint64_t deadline = now_usec() + STOP_TIMEOUT_USEC;
        int status;

        if (c->pid > 0) {
                (void) kill(c->pid, SIGCONT);
                (void) kill(c->pid, SIGTERM);
                while (waitpid(c->pid, &status, WNOHANG) == 0) {
                        if (now_usec() >= deadline) {
                                bench_log("%s (pid %d) ignored SIGTERM; killing it.", c->log_path, (int) c->pid);
                                (void) kill(c->pid, SIGKILL);
                                (void) waitpid(c->pid, &status, 0);
                                break;
                        }
                        /* No fd tells a child's exit here; a short poll bounded by the deadline. */
                        g_usleep(5 * USEC_PER_MSEC);
                }
        }
        if (c->out_fd >= 0)
                close(c->out_fd);
        if (c->partial)
                g_string_free(c->partial, true);
        g_free(c->log_path);
        *c = (Child) CHILD_NULL;
}

void child_read_lines(Child *c, void (*on_line)(const char *line, void *userdata), void *userdata) {
        char buf[16384];
        ssize_t n;

        while (c->out_fd >= 0 && (n = read(c->out_fd, buf, sizeof(buf))) > 0) {
                for (ssize_t i = 0; i < n; i++) {
                        if (buf[i] != '\n') {
                                g_string_append_c(c->partial, buf[i]);
                                continue;
                        }
                        on_line(c->partial->str, userdata);
                        g_string_truncate(c->partial, 0);
                }
        }
}

uint64_t child_rss_kib(pid_t pid) {
        g_autofree char *path = g_strdup_printf("/proc/%d/status", (int) pid), *text = NULL;
        const char *p;

        if (!g_file_get_contents(path, &text, NULL, NULL) || !(p = strstr(text, "\nVmRSS:")))
                return 0;
        return g_ascii_strtoull(p + strlen("\nVmRSS:"), NULL, 10);
}

unsigned free_port(void) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);
        _cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0 || bind(fd, (struct sockaddr *) &a, sizeof(a)) < 0 ||
            getsockname(fd, (struct sockaddr *) &a, &len) < 0)
                return 0;
        return ntohs(a.sin_port);
}

/* ---- consumers ---- */

static void on_ports_line(const char *line, void *userdata) {
        Consumer *c = userdata;
        g_auto(GStrv) words = NULL;

        if (c->ports || !g_str_has_prefix(line, "ports "))
                return;
        words = g_strsplit(line + strlen("ports "), " ", -1);
        if (g_strv_length(words) != c->n)
                return;
        c->ports = g_new0(unsigned, c->n);
        for (unsigned i = 0; i < c->n; i++)
                c->ports[i] = (unsigned) g_ascii_strtoull(words[i], NULL, 10);
}

int consumer_start(Consumer *c, const char *path, const char *dir, const char *name, unsigned n,
                   bool content_length) {
        g_autofree char *ports_arg = g_strdup_printf("--ports=%u", n);
        g_autofree char *log_name = g_strconcat(name, ".log", NULL);
        g_autofree char *log_path = g_build_filename(dir, log_name, NULL);
        char *argv[] = { (char *) path, ports_arg, content_length ? (char *) "--content-length" : NULL, NULL };
        uint64_t deadline = now_usec() + START_TIMEOUT_USEC;
        int r;

        *c = (Consumer) { .child = CHILD_NULL, .n = n };
        r = child_spawn(&c->child, argv, log_path, true);
        if (r < 0)
                return r;
        while (!c->ports) {
                struct pollfd p = { .fd = c->child.out_fd, .events = POLLIN };
                uint64_t t = now_usec();

                if (t >= deadline || poll(&p, 1, (int) ((deadline - t) / USEC_PER_MSEC) + 1) < 0) {
                        bench_log("The consumer %s did not say its ports within %" PRIu64 " s (see %s).", name,
                                  START_TIMEOUT_USEC / USEC_PER_SEC, log_path);
                        return -ETIMEDOUT;
                }
                if (p.revents & POLLHUP && !(p.revents & POLLIN)) {
                        bench_log("The consumer %s exited at start (see %s).", name, log_path);
                        return -ECHILD;
                }
                child_read_lines(&c->child, on_ports_line, c);
        }
        return 0;
}

void consumer_stop(Consumer *c) {
        child_stop(&c->child);
        g_clear_pointer(&c->ports, g_free);
}

/* ---- the bridge ---- */

static const char bridge_config[] =
        "# ptpsync-http-bench\n"
        "[Bridge]\n"
        "Bus=%s\n"
        "[Listen]\n"
        "V2=127.0.0.1:%u\n"
        "V1=off\n"
        "[Limits]\n"
        "Subscriptions=%u\n";

static bool bridge_serves(Bridge *b) {
        g_autofree char *health = g_strconcat(b->base, "/health", NULL);
        g_autofree char *list = g_strconcat(b->base, "/subscriptions", NULL);
        g_autoptr(HttpReply) h = http_request("GET", health, NULL);
        g_autoptr(HttpReply) l = NULL;

        if (h->status != 200)
                return false;
        l = http_request("GET", list, NULL);
        return l->status == 200;
}

int bridge_start(Bridge *b, const char *path, BenchBus *bus, unsigned max_subscriptions) {
        static unsigned counter;
        unsigned k = counter++;
        g_autofree char *config_name = g_strdup_printf("ptpsync-http-%u.conf", k);
        g_autofree char *log_name = g_strdup_printf("ptpsync-http-%u.log", k);
        g_autofree char *config_path = g_build_filename(bus->dir, config_name, NULL);
        g_autofree char *log_path = g_build_filename(bus->dir, log_name, NULL);
        g_autofree char *config = NULL, *config_arg = NULL;
        g_autoptr(GError) error = NULL;
        uint64_t deadline = now_usec() + START_TIMEOUT_USEC;
        int r;

        *b = (Bridge) { .child = CHILD_NULL };
        if (access(path, X_OK) < 0) {
                bench_log("The bridge %s is not an executable: %m. Build it or pass --bridge=PATH.", path);
                return -ENOENT;
        }
        b->port = free_port();
        b->base = g_strdup_printf("http://127.0.0.1:%u/api/ocloudNotifications/v2", b->port);
        config = g_strdup_printf(bridge_config, bus->address, b->port, max_subscriptions);
        if (!g_file_set_contents(config_path, config, -1, &error)) {
                bench_log("Cannot write %s: %s", config_path, error->message);
                return -EIO;
        }
        config_arg = g_strconcat("--config=", config_path, NULL);
        char *argv[] = { (char *) path, config_arg, NULL };
        r = child_spawn(&b->child, argv, log_path, false);
        if (r < 0)
                return r;
        while (!bridge_serves(b)) {
                if (now_usec() >= deadline || waitpid(b->child.pid, NULL, WNOHANG) != 0) {
                        bench_log("ptpsync-http did not serve its subscriptions within %" PRIu64 " s (see %s).",
                                  START_TIMEOUT_USEC / USEC_PER_SEC, log_path);
                        return -ETIMEDOUT;
                }
                /* Nothing to poll for but the answer itself: asked again shortly, bounded by the deadline. */
                g_usleep(20 * USEC_PER_MSEC);
        }
        return 0;
}

void bridge_stop(Bridge *b) {
        child_stop(&b->child);
        g_clear_pointer(&b->base, g_free);
}
