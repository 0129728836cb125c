/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-http-bench-consumer: the cheapest O-RAN consumer we could write, for
 * ptpsync-http-bench. One process, one epoll loop, N listening sockets on
 * 127.0.0.1; every complete HTTP/1.1 request is answered "204 No Content"
 * (keep-alive) and reported on stdout as one line
 *     R <socket index> <CLOCK_MONOTONIC µs when the request was complete> <"id" of the body, or ->
 * after a first line "ports P1 P2 ...". Lines are written once per loop
 * iteration, not per request. SIGUSR1 toggles slow mode: answers only after
 * --slow-ms (the reports still come at once).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 4096
#define CONN_BUFFER (64 * 1024)
#define OUT_MAX (256 * 1024)
/* As Go's net/http writes it (cloud-event-proxy's consumers): no Content-Length in a 204 (RFC 9110 15.3.5). */
#define ANSWER "HTTP/1.1 204 No Content\r\n\r\n"
/* --content-length: the same with "Content-Length: 0", which libsoup 3.2 needs to keep the connection. */
#define ANSWER_LENGTH "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"

typedef struct Conn {
        int fd;
        unsigned index; /* of its listening socket */
        size_t used;
        char buf[CONN_BUFFER];
} Conn;

/* A slow answer: the connection, and when it is due. */
typedef struct Pending {
        Conn *conn;
        uint64_t due;
        struct Pending *next;
} Pending;

static char out[OUT_MAX];
static size_t out_used;
static Pending *pending_head, *pending_tail;
static const char *answer_text = ANSWER;

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void flush_out(void) {
        size_t done = 0;

        while (done < out_used) {
                ssize_t n = write(STDOUT_FILENO, out + done, out_used - done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        exit(1); /* the benchmark is gone */
                done += (size_t) n;
        }
        out_used = 0;
}

static void report(unsigned index, uint64_t t, const char *body, size_t length) {
        const char *id = memmem(body, length, "\"id\":\"", 6);
        int n = 0;

        if (out_used > OUT_MAX - 128)
                flush_out();
        if (id && (size_t) (body + length - id) > 6 + 36)
                n = snprintf(out + out_used, OUT_MAX - out_used, "R %u %" PRIu64 " %.36s\n", index, t, id + 6);
        else
                n = snprintf(out + out_used, OUT_MAX - out_used, "R %u %" PRIu64 " -\n", index, t);
        out_used += (size_t) n;
}

static void conn_close(int epoll_fd, Conn *c) {
        /* A slow answer still due on it is dropped with it. */
        for (Pending **p = &pending_head; *p;) {
                if ((*p)->conn == c) {
                        Pending *gone = *p;

                        *p = gone->next;
                        free(gone);
                } else
                        p = &(*p)->next;
        }
        pending_tail = pending_head;
        while (pending_tail && pending_tail->next)
                pending_tail = pending_tail->next;
        (void) epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        free(c);
}

static void answer(Conn *c) {
        /* 28 bytes into an idle socket's send buffer: never short in practice; a failure shows up as a read error. */
        (void) send(c->fd, answer_text, strlen(answer_text), MSG_NOSIGNAL);
}

static size_t content_length(const char *head, size_t head_length) {
        for (const char *p = head; p && p < head + head_length; p = memchr(p, '\n', (size_t) (head + head_length - p))) {
                if (*p == '\n')
                        p++;
                if (strncasecmp(p, "Content-Length:", 15) == 0)
                        return strtoul(p + 15, NULL, 10);
        }
        return 0;
}

/* Every complete request in the buffer: reported, answered (or queued when slow), removed. False: closed. */
static bool serve(int epoll_fd, Conn *c, uint64_t slow_usec) {
        size_t start = 0;

        for (;;) {
                const char *head = c->buf + start, *end;
                size_t avail = c->used - start, head_length, total;

                end = memmem(head, avail, "\r\n\r\n", 4);
                if (!end)
                        break;
                head_length = (size_t) (end - head) + 4;
                total = head_length + content_length(head, head_length);
                if (total > CONN_BUFFER) {
                        conn_close(epoll_fd, c);
                        return false;
                }
                if (avail < total)
                        break;
                report(c->index, now_usec(), head + head_length, total - head_length);
                if (slow_usec == 0)
                        answer(c);
                else {
                        Pending *p = calloc(1, sizeof(*p));

                        if (!p)
                                abort();
                        *p = (Pending) { .conn = c, .due = now_usec() + slow_usec };
                        if (pending_tail)
                                pending_tail->next = p;
                        else
                                pending_head = p;
                        pending_tail = p;
                }
                start += total;
        }
        memmove(c->buf, c->buf + start, c->used - start);
        c->used -= start;
        return true;
}

static void on_readable(int epoll_fd, Conn *c, uint64_t slow_usec) {
        for (;;) {
                ssize_t n = read(c->fd, c->buf + c->used, sizeof(c->buf) - c->used);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        break;
                if (n <= 0) {
                        conn_close(epoll_fd, c);
                        return;
                }
                c->used += (size_t) n;
                if (!serve(epoll_fd, c, slow_usec))
                        return;
                if (c->used == sizeof(c->buf)) { /* a request larger than the buffer */
                        conn_close(epoll_fd, c);
                        return;
                }
        }
}

static int listen_one(unsigned *ret_port) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        if (fd < 0 || bind(fd, (struct sockaddr *) &a, sizeof(a)) < 0 || listen(fd, 1024) < 0 ||
            getsockname(fd, (struct sockaddr *) &a, &len) < 0)
                return -1;
        *ret_port = ntohs(a.sin_port);
        return fd;
}

static void usage(FILE *f) {
        fprintf(f,
                "Usage: ptpsync-http-bench-consumer [--ports=N] [--slow-ms=MS] [--content-length]\n"
                "The benchmark's O-RAN consumer: listens on N free ports of 127.0.0.1 (default 1),\n"
                "answers every request 204 No Content, and prints one line per request on stdout.\n"
                "SIGUSR1 toggles slow mode: answers after MS milliseconds (default 5000).\n"
                "--content-length: answer with Content-Length: 0 (by default none, as Go's net/http).\n"
                "Started by ptpsync-http-bench; see bench/README.md.\n");
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "ports", required_argument, NULL, 'p' },
                { "slow-ms", required_argument, NULL, 's' },
                { "content-length", no_argument, NULL, 'l' },
                {},
        };
        unsigned n_ports = 1, slow_ms = 5000;
        bool slow = false;
        int epoll_fd, signal_fd, c;
        int listeners[MAX_PORTS];
        sigset_t mask;
        struct rlimit rl;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        usage(stdout);
                        return 0;
                case 'p':
                        n_ports = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 's':
                        slow_ms = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'l':
                        answer_text = ANSWER_LENGTH;
                        break;
                default:
                        usage(stderr);
                        return 2;
                }
        if (n_ports == 0 || n_ports > MAX_PORTS || optind < argc) {
                usage(stderr);
                return 2;
        }
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }
        sigemptyset(&mask);
        sigaddset(&mask, SIGUSR1);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 || (signal_fd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0 ||
            (epoll_fd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
                perror("ptpsync-http-bench-consumer");
                return 1;
        }
        /* Listening sockets are tagged by their index + 1, the signalfd by 0, connections by their Conn*. */
        (void) epoll_ctl(epoll_fd, EPOLL_CTL_ADD, signal_fd,
                         &(struct epoll_event) { .events = EPOLLIN, .data.u64 = 0 });
        out_used = (size_t) snprintf(out, OUT_MAX, "ports");
        for (unsigned i = 0; i < n_ports; i++) {
                unsigned port;

                listeners[i] = listen_one(&port);
                if (listeners[i] < 0) {
                        perror("ptpsync-http-bench-consumer: listen");
                        return 1;
                }
                (void) epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listeners[i],
                                 &(struct epoll_event) { .events = EPOLLIN, .data.u64 = i + 1 });
                if (out_used > OUT_MAX - 16)
                        flush_out();
                out_used += (size_t) snprintf(out + out_used, OUT_MAX - out_used, " %u", port);
        }
        out[out_used++] = '\n';
        flush_out();

        for (;;) {
                struct epoll_event events[256];
                int timeout = -1, n;
                uint64_t t = now_usec();

                while (pending_head && pending_head->due <= t) {
                        Pending *p = pending_head;

                        answer(p->conn);
                        pending_head = p->next;
                        if (!pending_head)
                                pending_tail = NULL;
                        free(p);
                }
                if (pending_head)
                        timeout = (int) ((pending_head->due - t + 999) / 1000);
                flush_out();
                n = epoll_wait(epoll_fd, events, 256, timeout);
                if (n < 0 && errno != EINTR) {
                        perror("ptpsync-http-bench-consumer: epoll_wait");
                        return 1;
                }
                for (int i = 0; i < n; i++) {
                        uint64_t tag = events[i].data.u64;

                        if (tag == 0) {
                                struct signalfd_siginfo si;

                                if (read(signal_fd, &si, sizeof(si)) != sizeof(si))
                                        continue;
                                if (si.ssi_signo != SIGUSR1)
                                        return 0;
                                slow = !slow;
                        } else if (tag <= n_ports) {
                                int fd;

                                while ((fd = accept4(listeners[tag - 1], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                                        Conn *conn = malloc(sizeof(Conn));

                                        if (!conn)
                                                abort();
                                        conn->fd = fd;
                                        conn->index = (unsigned) tag - 1;
                                        conn->used = 0;
                                        (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int) { 1 }, sizeof(int));
                                        (void) epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd,
                                                         &(struct epoll_event) { .events = EPOLLIN, .data.ptr = conn });
                                }
                        } else
                                on_readable(epoll_fd, events[i].data.ptr, slow ? (uint64_t) slow_ms * 1000 : 0);
                }
        }
}
