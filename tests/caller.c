/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A client for the tests that sends the same method call N times on one
 * connection without waiting for any reply (pipelined), then prints one line
 * per reply, in the order the replies come; with --rounds=R it does that R
 * times on the same connection, each round once the last one is answered:
 *
 *   sent N UNIQUE-NAME
 *   reply I USEC ok [VALUE...]
 *   reply I USEC error ERROR-NAME MESSAGE
 *
 * I is the call's number (1..N*R, in the order sent), USEC the time from the
 * moment its round was written to this reply. VALUEs are the reply's
 * arguments of basic type and the elements of its arrays of basic type,
 * separated by spaces (enough for ListSubscriptions' "ao" and Redrive's "u").
 * Exits 0 once every call has its reply (an error reply is a reply), 1
 * otherwise. Run by the tests as another uid (runuser -u nobody).
 *
 * Usage: caller --bus=ADDRESS [--count=N] [--rounds=R] [--interactive] [--timeout-sec=S]
 *               [--dest=NAME] PATH INTERFACE METHOD [SIGNATURE [ARG...]]
 *   SIGNATURE: basic types (s o b y n q i u x t) and a{sv}, whose ARG must be 0 (empty).
 *   --interactive sets ALLOW_INTERACTIVE_AUTHORIZATION on each call (busctl's default; sd-bus's is not to).
 *   --timeout-sec is each call's timeout (default 25, sd-bus's).
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-bus.h>

#include "common/bus-names.h"
#include "common/bus-open.h"

typedef struct Call {
        unsigned index;
        bool answered;
        struct Caller *caller;
} Call;

typedef struct Caller {
        uint64_t sent_at;
        unsigned answered;
} Caller;

static uint64_t monotonic_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static bool is_basic(char c) {
        return c && strchr("sobynqiuxtdgh", c);
}

/* Prints the basic value at the current position of m, preceded by a space. */
static int print_basic(sd_bus_message *m, char type) {
        union {
                const char *s;
                int b;
                uint8_t y;
                int16_t n;
                uint16_t q;
                int32_t i;
                uint32_t u;
                int64_t x;
                uint64_t t;
                double d;
        } v;
        int r;

        r = sd_bus_message_read_basic(m, type, &v);
        if (r <= 0)
                return r;
        switch (type) {
        case 's': case 'o': case 'g': printf(" %s", v.s); break;
        case 'b': printf(" %s", v.b ? "true" : "false"); break;
        case 'y': printf(" %u", v.y); break;
        case 'n': printf(" %d", v.n); break;
        case 'q': printf(" %u", v.q); break;
        case 'i': case 'h': printf(" %d", v.i); break;
        case 'u': printf(" %u", v.u); break;
        case 'x': printf(" %" PRId64, v.x); break;
        case 't': printf(" %" PRIu64, v.t); break;
        case 'd': printf(" %g", v.d); break;
        default: break;
        }
        return 1;
}

/* The reply's arguments: basic ones, and arrays of a basic type; anything else as "...". */
static int print_body(sd_bus_message *m) {
        const char *contents;
        char type;
        int r;

        while ((r = sd_bus_message_peek_type(m, &type, &contents)) > 0) {
                if (is_basic(type))
                        r = print_basic(m, type);
                else if (type == 'a' && is_basic(contents[0]) && contents[1] == '\0') {
                        r = sd_bus_message_enter_container(m, 'a', contents);
                        while (r > 0 && (r = print_basic(m, contents[0])) > 0)
                                ;
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                } else {
                        printf(" ...");
                        r = sd_bus_message_skip(m, NULL);
                }
                if (r < 0)
                        return r;
        }
        return r;
}

static int on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Call *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        printf("reply %u %" PRIu64, c->index, monotonic_usec() - c->caller->sent_at);
        if (e)
                printf(" error %s %s\n", e->name, e->message ?: "");
        else {
                printf(" ok");
                if (print_body(reply) < 0)
                        printf(" (unreadable)");
                printf("\n");
        }
        c->answered = true;
        c->caller->answered++;
        return 0;
}

/* Appends the arguments as the signature says; a{sv} only empty. */
static int append_args(sd_bus_message *m, const char *signature, char **args, int n_args) {
        int r, k = 0;

        for (const char *p = signature; *p; p++) {
                const char *a;

                if (k >= n_args) {
                        fprintf(stderr, "caller: too few arguments for signature %s\n", signature);
                        return -EINVAL;
                }
                a = args[k++];
                if (strncmp(p, "a{sv}", 5) == 0) {
                        if (strcmp(a, "0") != 0) {
                                fprintf(stderr, "caller: a{sv} can only be empty (0)\n");
                                return -EINVAL;
                        }
                        r = sd_bus_message_append(m, "a{sv}", 0);
                        p += 4;
                } else
                        switch (*p) {
                        case 's': case 'o': r = sd_bus_message_append_basic(m, *p, a); break;
                        case 'b': r = sd_bus_message_append(m, "b", (int) (strcmp(a, "true") == 0)); break;
                        case 'y': r = sd_bus_message_append(m, "y", (uint8_t) strtoul(a, NULL, 10)); break;
                        case 'n': r = sd_bus_message_append(m, "n", (int16_t) strtol(a, NULL, 10)); break;
                        case 'q': r = sd_bus_message_append(m, "q", (uint16_t) strtoul(a, NULL, 10)); break;
                        case 'i': r = sd_bus_message_append(m, "i", (int32_t) strtol(a, NULL, 10)); break;
                        case 'u': r = sd_bus_message_append(m, "u", (uint32_t) strtoul(a, NULL, 10)); break;
                        case 'x': r = sd_bus_message_append(m, "x", (int64_t) strtoll(a, NULL, 10)); break;
                        case 't': r = sd_bus_message_append(m, "t", (uint64_t) strtoull(a, NULL, 10)); break;
                        default:
                                fprintf(stderr, "caller: unsupported type '%c' in %s\n", *p, signature);
                                return -EINVAL;
                        }
                if (r < 0)
                        return r;
        }
        if (k != n_args) {
                fprintf(stderr, "caller: too many arguments for signature %s\n", signature);
                return -EINVAL;
        }
        return 0;
}

static const struct option options[] = {
        { "bus", required_argument, NULL, 'B' },
        { "count", required_argument, NULL, 'n' },
        { "rounds", required_argument, NULL, 'R' },
        { "interactive", no_argument, NULL, 'I' },
        { "timeout-sec", required_argument, NULL, 'T' },
        { "dest", required_argument, NULL, 'D' },
        {},
};

int main(int argc, char *argv[]) {
        const char *address = NULL, *dest = BUS_NAME, *path, *interface, *method, *signature = "";
        const char *unique;
        unsigned count = 1, rounds = 1;
        uint64_t timeout_usec = 25 * 1000000ULL;
        bool interactive = false, failed = false;
        sd_bus *bus = NULL;
        Caller caller = {};
        Call *calls;
        int opt, r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        while ((opt = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (opt) {
                case 'B': address = optarg; break;
                case 'n': count = (unsigned) strtoul(optarg, NULL, 10); break;
                case 'R': rounds = (unsigned) strtoul(optarg, NULL, 10); break;
                case 'I': interactive = true; break;
                case 'T': timeout_usec = strtoull(optarg, NULL, 10) * 1000000ULL; break;
                case 'D': dest = optarg; break;
                default: return 2;
                }
        if (!address || count == 0 || rounds == 0 || argc - optind < 3) {
                fprintf(stderr, "usage: caller --bus=ADDRESS [--count=N] [--rounds=R] [--interactive] [--timeout-sec=S] "
                                "[--dest=NAME] PATH INTERFACE METHOD [SIGNATURE [ARG...]]\n");
                return 2;
        }
        path = argv[optind];
        interface = argv[optind + 1];
        method = argv[optind + 2];
        if (argc - optind > 3)
                signature = argv[optind + 3];

        if (bus_open_address(&bus, address, 0) < 0 || sd_bus_get_unique_name(bus, &unique) < 0) {
                fprintf(stderr, "caller: cannot connect to %s\n", address);
                return 1;
        }

        calls = calloc((size_t) count * rounds, sizeof(Call));
        if (!calls)
                return 1;
        for (unsigned round = 0; round < rounds; round++) {
                for (unsigned i = round * count; i < (round + 1) * count; i++) {
                        sd_bus_message *m = NULL;
                        int n_args = argc - optind - 4;

                        calls[i] = (Call) { .index = i + 1, .caller = &caller };
                        r = sd_bus_message_new_method_call(bus, &m, dest, path, interface, method);
                        if (r >= 0)
                                r = append_args(m, signature, argv + optind + 4, n_args > 0 ? n_args : 0);
                        if (r >= 0)
                                r = sd_bus_message_set_allow_interactive_authorization(m, interactive);
                        if (r >= 0)
                                r = sd_bus_call_async(bus, NULL, m, on_reply, &calls[i], timeout_usec);
                        sd_bus_message_unref(m);
                        if (r < 0) {
                                fprintf(stderr, "caller: cannot send call %u: %s\n", i + 1, strerror(-r));
                                return 1;
                        }
                }
                /* Every call of the round on the wire before the first reply is read: pipelined. */
                r = sd_bus_flush(bus);
                if (r < 0) {
                        fprintf(stderr, "caller: cannot send: %s\n", strerror(-r));
                        return 1;
                }
                caller.sent_at = monotonic_usec();
                printf("sent %u %s\n", count, unique);

                while (caller.answered < (round + 1) * count) {
                        r = sd_bus_process(bus, NULL);
                        if (r < 0) {
                                fprintf(stderr, "caller: %s\n", strerror(-r));
                                failed = true;
                                break;
                        }
                        if (r > 0)
                                continue;
                        r = sd_bus_wait(bus, UINT64_MAX);
                        if (r < 0 && r != -EINTR) {
                                fprintf(stderr, "caller: %s\n", strerror(-r));
                                failed = true;
                                break;
                        }
                }
                if (failed)
                        break;
        }
        free(calls);
        sd_bus_flush_close_unref(bus);
        return caller.answered == count * rounds ? 0 : 1;
}
