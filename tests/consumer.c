/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A subscriber for the tests: subscribes on the given bus, then receives each
 * Event and answers it as its arguments say, printing one line per thing that
 * happens so that a test can check what a real consumer process got:
 *
 *   subscribed PATH UNIQUE-NAME
 *   event SEQ ATTEMPT SOURCE MONOTONIC-USEC FIRST-VALUE
 *   dead-lettered SEQ REASON
 *
 * Usage: consumer --bus=ADDRESS --address=FILTER [options] [behaviour]
 *   options:   --name=N --unordered --window=N --retry=N --backoff-delay=D
 *              --backoff-policy=P --ack-timeout=USEC --queue-limit=N
 *              --dead-letter-limit=N --initial-state --metadata=K=V
 *              --count=N       make N subscriptions with these options (one line each)
 *   behaviour: (default: Ack every event)
 *              --nack=N        Nack with requeue the first N attempts of each event
 *              --reject        Nack without requeue
 *              --ignore-first  ignore attempt 1 of each event, as if the bus had dropped it
 *              --ignore        never answer
 *              --exit-after=N  exit (without answering) on the Nth delivery
 *              --stop-after=N  SIGSTOP itself after answering the Nth delivery
 *              --resubscribe   subscribe again whenever org.ptpsync1 gets a new owner
 *                              (a restarted daemon), printing "subscribed" again
 */

#include <getopt.h>
#include <inttypes.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-bus.h>

#include "common/bus-names.h"
#include "common/bus-open.h"

typedef struct Consumer {
        sd_bus *bus;
        char *path;
        int argc;
        char **argv;
        unsigned nack, exit_after, stop_after, received;
        bool reject, ignore_first, ignore;
} Consumer;

static uint64_t monotonic_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static int answer(Consumer *c, const char *path, uint64_t seq, uint32_t attempt) {
        int r;

        if (c->ignore || (c->ignore_first && attempt == 1))
                return 0;
        if (c->reject || attempt <= c->nack)
                r = sd_bus_call_method_async(c->bus, NULL, BUS_NAME, path, SUBSCRIPTION_INTERFACE,
                                             "Nack", NULL, NULL, "tb", seq, (int) !c->reject);
        else
                r = sd_bus_call_method_async(c->bus, NULL, BUS_NAME, path, SUBSCRIPTION_INTERFACE,
                                             "Ack", NULL, NULL, "t", seq);
        return r;
}

static int on_message(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Consumer *c = userdata;
        const char *id, *type, *source, *a, *dt, *vt, *v = "", *reason;
        uint64_t seq;
        uint32_t attempt;
        int64_t time;
        int r;

        /* Its own subscriptions' signals: with --count there are several. */
        if (!c->path || !sd_bus_message_get_path(m) ||
            strncmp(sd_bus_message_get_path(m), SUBSCRIPTION_OBJECT_PREFIX "/", strlen(SUBSCRIPTION_OBJECT_PREFIX "/")) != 0)
                return 0;
        if (sd_bus_message_is_signal(m, SUBSCRIPTION_INTERFACE, "DeadLettered")) {
                if (sd_bus_message_read(m, "ts", &seq, &reason) > 0)
                        printf("dead-lettered %" PRIu64 " %s\n", seq, reason);
                return 0;
        }
        if (!sd_bus_message_is_signal(m, SUBSCRIPTION_INTERFACE, "Event"))
                return 0;
        r = sd_bus_message_read(m, "tsssx", &seq, &id, &type, &source, &time);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "(ssss)");
        if (r < 0)
                return r;
        if (sd_bus_message_read(m, "(ssss)", &a, &dt, &vt, &v) > 0)
                while (sd_bus_message_skip(m, "(ssss)") > 0)
                        ;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "u", &attempt);
        if (r < 0)
                return r;

        c->received++;
        printf("event %" PRIu64 " %u %s %" PRIu64 " %s\n", seq, attempt, source, monotonic_usec(), v);
        if (c->exit_after && c->received >= c->exit_after)
                exit(EXIT_SUCCESS);
        r = answer(c, sd_bus_message_get_path(m), seq, attempt);
        if (c->stop_after && c->received >= c->stop_after) {
                (void) sd_bus_flush(c->bus);
                raise(SIGSTOP);
        }
        return r;
}

/* Appends one option to the open a{sv}. */
static int append_option(sd_bus_message *m, const char *key, const char *type, const char *value) {
        int r;

        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", key);
        if (r < 0)
                return r;
        switch (type[0]) {
        case 's':
                r = sd_bus_message_append(m, "v", "s", value);
                break;
        case 'b':
                r = sd_bus_message_append(m, "v", "b", strcmp(value, "true") == 0);
                break;
        case 'u':
                r = sd_bus_message_append(m, "v", "u", (uint32_t) strtoul(value, NULL, 10));
                break;
        case 't':
                r = sd_bus_message_append(m, "v", "t", (uint64_t) strtoull(value, NULL, 10));
                break;
        case 'm': { /* metadata K=V */
                const char *eq = strchr(value, '=');
                char *k = strndup(value, eq ? (size_t) (eq - value) : strlen(value));

                r = sd_bus_message_append(m, "v", "a{ss}", 1, k, eq ? eq + 1 : "");
                free(k);
                break;
        }
        default:
                abort();
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

static const struct option options[] = {
        { "bus", required_argument, NULL, 'B' },
        { "address", required_argument, NULL, 'A' },
        { "name", required_argument, NULL, 'n' },
        { "unordered", no_argument, NULL, 'U' },
        { "window", required_argument, NULL, 'w' },
        { "retry", required_argument, NULL, 'r' },
        { "backoff-delay", required_argument, NULL, 'd' },
        { "backoff-policy", required_argument, NULL, 'p' },
        { "ack-timeout", required_argument, NULL, 'a' },
        { "queue-limit", required_argument, NULL, 'q' },
        { "dead-letter-limit", required_argument, NULL, 'l' },
        { "initial-state", no_argument, NULL, 'i' },
        { "metadata", required_argument, NULL, 'm' },
        { "nack", required_argument, NULL, 'N' },
        { "reject", no_argument, NULL, 'R' },
        { "ignore-first", no_argument, NULL, 'F' },
        { "ignore", no_argument, NULL, 'I' },
        { "exit-after", required_argument, NULL, 'X' },
        { "stop-after", required_argument, NULL, 'S' },
        { "resubscribe", no_argument, NULL, 'Z' },
        { "count", required_argument, NULL, 'C' },
        {},
};

/* Calls Subscribe with the options of the command line; prints "subscribed" or "error". */
static int subscribe(Consumer *c, const char *filter) {
        sd_bus_message *call = NULL, *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *path, *unique;
        int opt, r;

        r = sd_bus_message_new_method_call(c->bus, &call, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                           "Subscribe");
        if (r >= 0)
                r = sd_bus_message_append(call, "s", filter);
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "{sv}");
        optind = 0;
        while (r >= 0 && (opt = getopt_long(c->argc, c->argv, "", options, NULL)) >= 0)
                switch (opt) {
                case 'n': r = append_option(call, "Name", "s", optarg); break;
                case 'U': r = append_option(call, "Ordered", "b", "false"); break;
                case 'w': r = append_option(call, "Window", "u", optarg); break;
                case 'r': r = append_option(call, "Retry", "u", optarg); break;
                case 'd': r = append_option(call, "BackoffDelay", "s", optarg); break;
                case 'p': r = append_option(call, "BackoffPolicy", "s", optarg); break;
                case 'a': r = append_option(call, "AckTimeout", "t", optarg); break;
                case 'q': r = append_option(call, "QueueLimit", "u", optarg); break;
                case 'l': r = append_option(call, "DeadLetterLimit", "u", optarg); break;
                case 'i': r = append_option(call, "InitialState", "b", "true"); break;
                case 'm': r = append_option(call, "Metadata", "m", optarg); break;
                default: break;
                }
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r >= 0)
                r = sd_bus_call(c->bus, call, 0, &error, &reply);
        sd_bus_message_unref(call);
        if (r < 0) {
                printf("error %s %s\n", error.name ?: "-", error.message ?: strerror(-r));
                sd_bus_error_free(&error);
                return r;
        }
        r = sd_bus_message_read(reply, "o", &path);
        if (r >= 0)
                r = sd_bus_get_unique_name(c->bus, &unique);
        if (r >= 0) {
                free(c->path);
                c->path = strdup(path);
                printf("subscribed %s %s\n", path, unique);
        }
        sd_bus_message_unref(reply);
        return r;
}

static const char *filter_address;

static int on_daemon_owner(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Consumer *c = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || !*new_owner)
                return 0;
        (void) subscribe(c, filter_address);
        return 0;
}

int main(int argc, char *argv[]) {
        const char *bus_address = NULL;
        Consumer c = { .argc = argc, .argv = argv };
        bool resubscribe = false;
        unsigned count = 1;
        int opt, r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        while ((opt = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (opt) {
                case 'B': bus_address = optarg; break;
                case 'A': filter_address = optarg; break;
                case 'Z': resubscribe = true; break;
                case 'N': c.nack = strtoul(optarg, NULL, 10); break;
                case 'R': c.reject = true; break;
                case 'F': c.ignore_first = true; break;
                case 'I': c.ignore = true; break;
                case 'X': c.exit_after = strtoul(optarg, NULL, 10); break;
                case 'S': c.stop_after = strtoul(optarg, NULL, 10); break;
                case 'C': count = strtoul(optarg, NULL, 10); break;
                case '?': return 2;
                default: break;
                }
        if (!bus_address || !filter_address) {
                fprintf(stderr, "consumer: --bus= and --address= are required\n");
                return 2;
        }
        if (bus_open_address(&c.bus, bus_address, 0) < 0) {
                fprintf(stderr, "consumer: cannot connect to %s\n", bus_address);
                return EXIT_FAILURE;
        }
        r = sd_bus_add_filter(c.bus, NULL, on_message, &c);
        if (r < 0)
                return EXIT_FAILURE;

        if (resubscribe) {
                r = sd_bus_add_match(c.bus, NULL,
                                     "type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',"
                                     "arg0='" BUS_NAME "'", on_daemon_owner, &c);
                if (r < 0)
                        return EXIT_FAILURE;
        }
        for (unsigned i = 0; i < count; i++)
                if (subscribe(&c, filter_address) < 0 && !resubscribe)
                        return EXIT_FAILURE;

        for (;;) {
                r = sd_bus_process(c.bus, NULL);
                if (r < 0) {
                        fprintf(stderr, "consumer: %s\n", strerror(-r));
                        return EXIT_FAILURE;
                }
                if (r > 0)
                        continue;
                r = sd_bus_wait(c.bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return EXIT_FAILURE;
        }
}
