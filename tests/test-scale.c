/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * 1,000 subscriber connections on a bus with the stock system-bus limits --
 * 512 match rules and 128 pending replies per connection among them -- but
 * for the number of connections one user may have. Peer tracking costs the
 * daemon a fixed number of match rules, not one per subscriber, so it keeps
 * its connection; every subscriber gets the event and acks it; and when they
 * all leave, every subscription ends.
 */

#include <sys/resource.h>
#include <systemd/sd-event.h>

#include "common/bus-names.h"
#include "test-env.h"

#define SUBSCRIBERS 1000
#define ADDRESS TEST_PREFIX "sync/ptp-status/lock-state"

static const char limits[] =
        "  <limit name=\"max_connections_per_user\">2000</limit>\n"
        "  <limit name=\"max_completed_connections\">4096</limit>\n";

typedef struct Subscriber {
        sd_bus *bus;
        char *path;
        unsigned events;
        bool failed;
} Subscriber;

typedef struct Scale {
        Subscriber subscribers[SUBSCRIBERS];
        unsigned subscribed, received;
} Scale;

static int on_subscribed(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Subscriber *s = userdata;
        const char *path;

        if (sd_bus_message_is_method_error(reply, NULL) || sd_bus_message_read(reply, "o", &path) <= 0) {
                g_test_message("Subscribe failed: %s", sd_bus_message_get_error(reply)->message);
                s->failed = true;
                return 0;
        }
        s->path = g_strdup(path);
        return 0;
}

static int on_message(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Subscriber *s = userdata;
        uint64_t seq;

        if (!sd_bus_message_is_signal(m, SUBSCRIPTION_INTERFACE, "Event"))
                return 0;
        g_assert_cmpint(sd_bus_message_read(m, "t", &seq), >, 0);
        s->events++;
        return sd_bus_call_method_async(s->bus, NULL, BUS_NAME, sd_bus_message_get_path(m),
                                        SUBSCRIPTION_INTERFACE, "Ack", NULL, NULL, "t", seq);
}

static unsigned count(Scale *x, bool events) {
        unsigned n = 0;

        for (unsigned i = 0; i < SUBSCRIBERS; i++) {
                g_assert_false(x->subscribers[i].failed);
                n += events ? x->subscribers[i].events > 0 : x->subscribers[i].path != NULL;
        }
        return n;
}

/* Runs the loop that drives every subscriber connection until all have done something. */
static void run_until(sd_event *e, Scale *x, bool events) {
        gint64 deadline = g_get_monotonic_time() + 6 * TEST_TIMEOUT_USEC;

        while (count(x, events) < SUBSCRIBERS) {
                if (g_get_monotonic_time() > deadline)
                        g_error("only %u of %d subscribers %s", count(x, events), SUBSCRIBERS,
                                events ? "received the event" : "subscribed");
                g_assert_cmpint(sd_event_run(e, TEST_POLL_USEC), >=, 0);
        }
}

static void test_thousand_subscribers(void) {
        static const TestEnvOptions options = { .bus_config = limits };
        struct rlimit rl;
        TestEnv *env;
        sd_event *e = NULL;
        g_autofree Scale *x = g_new0(Scale, 1);

        /* A connection is a file descriptor, here and in the bus. */
        g_assert_cmpint(getrlimit(RLIMIT_NOFILE, &rl), ==, 0);
        if (rl.rlim_max < SUBSCRIBERS + 100) {
                g_test_skip("the file descriptor limit is too low for 1000 connections");
                return;
        }
        rl.rlim_cur = rl.rlim_max;
        g_assert_cmpint(setrlimit(RLIMIT_NOFILE, &rl), ==, 0);

        env = test_env_start(&options);
        g_assert_cmpint(sd_event_new(&e), >=, 0);

        for (unsigned i = 0; i < SUBSCRIBERS; i++) {
                Subscriber *s = &x->subscribers[i];

                s->bus = test_bus_connect(env->bus);
                g_assert_cmpint(sd_bus_attach_event(s->bus, e, 0), >=, 0);
                g_assert_cmpint(sd_bus_add_filter(s->bus, NULL, on_message, s), >=, 0);
                g_assert_cmpint(sd_bus_call_method_async(s->bus, NULL, BUS_NAME, MANAGER_OBJECT_PATH,
                                                         MANAGER_INTERFACE, "Subscribe", on_subscribed, s,
                                                         "sa{sv}", ADDRESS, 0), >=, 0);
        }
        run_until(e, x, false);
        g_assert_cmpuint(test_manager_get_u(env->client, "SubscriptionCount"), ==, SUBSCRIBERS);

        test_inject(env->client, "sync/ptp-status/lock-state", "ens1f0", "locked", 5);
        run_until(e, x, true);

        /* All leave at once: a thousand NameOwnerChanged, each ending its subscription. */
        for (unsigned i = 0; i < SUBSCRIBERS; i++) {
                sd_bus_flush_close_unref(x->subscribers[i].bus);
                g_free(x->subscribers[i].path);
        }
        g_assert_true(test_bus_wait_for(env->client, test_no_subscriptions, env->client, 3 * TEST_TIMEOUT_USEC));

        sd_event_unref(e);
        test_env_stop(env);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/scale/thousand-subscribers", test_thousand_subscribers);
        return g_test_run();
}
