/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wrk as a child: one thread, --latency, its text output parsed. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "bench-http.h"

void wrk_result_done(WrkResult *r) {
        g_free(r->error);
        *r = (WrkResult) {};
}

/* "1.23ms", "456.78us", "2.00s" in µs; -1 if it is none of those. */
static double parse_duration(const char *s) {
        char *end;
        double v = g_ascii_strtod(s, &end);

        if (end == s)
                return -1;
        if (g_str_has_prefix(end, "us"))
                return v;
        if (g_str_has_prefix(end, "ms"))
                return v * 1e3;
        if (g_str_has_prefix(end, "s"))
                return v * 1e6;
        if (g_str_has_prefix(end, "m"))
                return v * 60e6;
        return -1;
}

static void parse_output(const char *text, WrkResult *r) {
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        bool have_rate = false, have_p50 = false, have_p99 = false;

        for (char **l = lines; *l; l++) {
                const char *s = g_strstrip(*l);
                unsigned long long a, b, c, d;

                if (g_str_has_prefix(s, "Requests/sec:"))
                        have_rate = (r->requests_per_sec = g_ascii_strtod(s + strlen("Requests/sec:"), NULL)) > 0;
                else if (g_str_has_prefix(s, "50% "))
                        have_p50 = (r->p50_usec = parse_duration(g_strchug((char *) s + 3))) >= 0;
                else if (g_str_has_prefix(s, "99% "))
                        have_p99 = (r->p99_usec = parse_duration(g_strchug((char *) s + 3))) >= 0;
                else if (sscanf(s, "%llu requests in", &a) == 1)
                        r->requests = a;
                else if (sscanf(s, "Socket errors: connect %llu, read %llu, write %llu, timeout %llu", &a, &b, &c,
                                &d) == 4)
                        r->errors += a + b + c + d;
                else if (sscanf(s, "Non-2xx or 3xx responses: %llu", &a) == 1)
                        r->errors += a;
        }
        if (!have_rate || !have_p50 || !have_p99)
                r->error = g_strdup("wrk's output had no Requests/sec or no 50%/99% line");
}

static void drop_line(const char *line, void *userdata) {
}

int wrk_run(const char *url, unsigned connections, unsigned seconds, const char *script, pid_t server_pid,
            Child *drain, WrkResult *ret) {
        g_autofree char *c_arg = g_strdup_printf("-c%u", connections);
        g_autofree char *d_arg = g_strdup_printf("-d%us", seconds);
        g_autofree char *exe = g_find_program_in_path("wrk");
        g_autoptr(GString) out = g_string_new(NULL);
        uint64_t deadline = now_usec() + (seconds + 30) * USEC_PER_SEC, t_start, cpu_start;
        int pipe_fds[2], status = 0;
        pid_t pid, parent = getpid();

        *ret = (WrkResult) {};
        if (!exe) {
                ret->error = g_strdup("wrk is not in $PATH (Debian: apt-get install wrk)");
                return -ENOENT;
        }
        char *argv[] = { exe, (char *) "-t1", c_arg, d_arg, (char *) "--latency", (char *) url, NULL, NULL, NULL };
        if (script) {
                argv[5] = (char *) "-s";
                argv[6] = (char *) script;
                argv[7] = (char *) url;
        }
        if (pipe2(pipe_fds, O_CLOEXEC) < 0)
                return -errno;
        t_start = now_usec();
        cpu_start = bench_cpu_usec(server_pid);
        pid = fork();
        if (pid == 0) {
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent || dup2(pipe_fds[1], 1) < 0 ||
                    dup2(pipe_fds[1], 2) < 0)
                        _exit(127);
                execv(argv[0], argv);
                _exit(127);
        }
        close(pipe_fds[1]);
        if (pid < 0) {
                close(pipe_fds[0]);
                return -errno;
        }
        for (;;) {
                struct pollfd p[2] = { { .fd = pipe_fds[0], .events = POLLIN },
                                       { .fd = drain ? drain->out_fd : -1, .events = POLLIN } };
                char buf[4096];
                ssize_t n;

                if (poll(p, 2, 1000) < 0 && errno != EINTR)
                        break;
                if (p[1].revents)
                        child_read_lines(drain, drop_line, NULL);
                if (p[0].revents) {
                        n = read(pipe_fds[0], buf, sizeof(buf));
                        if (n <= 0)
                                break;
                        g_string_append_len(out, buf, n);
                }
                if (now_usec() >= deadline) {
                        (void) kill(pid, SIGKILL);
                        break;
                }
        }
        close(pipe_fds[0]);
        (void) waitpid(pid, &status, 0);
        ret->server_cpu = (double) (bench_cpu_usec(server_pid) - cpu_start) / (double) (now_usec() - t_start);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                ret->error = g_strdup_printf("wrk failed (status %d): %s", status, out->str);
                return -EIO;
        }
        parse_output(out->str, ret);
        ret->ok = !ret->error;
        return ret->ok ? 0 : -EIO;
}

char *wrk_version(void) {
        g_autofree char *out = NULL;
        char *end;

        /* "wrk debian/4.1.0-3+b2 [epoll] Copyright ..." on stdout, with exit status 1 */
        if (!g_spawn_command_line_sync("wrk --version", &out, NULL, NULL, NULL) || !out)
                return g_strdup("wrk (version unknown)");
        end = strstr(out, " [");
        if (end)
                *end = '\0';
        return g_strdup(g_strstrip(out));
}
