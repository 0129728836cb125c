/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsyncd against careless and hostile callers
 *
 * Each case reproduces something an unprivileged process on the node could do
 * to the daemon -- calls pipelined without waiting for their replies, calls
 * that leave state behind, replies that grow with what others hold -- on a
 * private bus with the real daemon, and checks that the daemon keeps
 * answering, keeps its data and gives nothing away.
 */

#include <signal.h>

#include "harness.h"

#define LOCK "sync/ptp-status/lock-state"
#define SUBSCRIPTION "org.ptpsync1.Subscription"

typedef struct Fixture {
        TestBus *bus;
        TestDaemon *daemon;
        sd_bus *client;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data) {
        f->bus = test_bus_start();
        f->daemon = test_daemon_start(f->bus, NULL);
        f->client = test_bus_connect(f->bus);
}

static void fixture_teardown(Fixture *f, gconstpointer data) {
        sd_bus_flush_close_unref(f->client);
        test_daemon_stop(f->daemon);
        test_daemon_free(f->daemon);
        test_bus_stop(f->bus);
}

/* Replies to pipelined calls, counted as they come. */
typedef struct Replies {
        unsigned expected, ok, errors;
        GPtrArray *paths; /* object paths of the subscriptions made */
} Replies;

static int on_subscribe_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Replies *r = userdata;
        const char *path;

        if (sd_bus_message_is_method_error(m, NULL)) {
                g_printerr("Subscribe failed: %s: %s\n", sd_bus_message_get_error(m)->name,
                           sd_bus_message_get_error(m)->message);
                r->errors++;
                return 0;
        }
        g_assert_cmpint(sd_bus_message_read(m, "o", &path), >, 0);
        g_ptr_array_add(r->paths, g_strdup(path));
        r->ok++;
        return 0;
}

static int on_any_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Replies *r = userdata;

        if (sd_bus_message_is_method_error(m, NULL))
                r->errors++;
        else
                r->ok++;
        return 0;
}

static bool all_replied(void *userdata) {
        const Replies *r = userdata;

        return r->ok + r->errors >= r->expected;
}

/* Subscribe(address, {InitialState: true, unordered}) without waiting for the reply. */
static void subscribe_async(sd_bus *bus, const char *address, Replies *r) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;

        g_assert_cmpint(sd_bus_message_new_method_call(bus, &m, "org.ptpsync1", "/org/ptpsync1",
                                                       "org.ptpsync1.Manager", "Subscribe"), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "sa{sv}", address, 2, "InitialState", "b", 1, "Ordered", "b", 0), >=, 0);
        g_assert_cmpint(sd_bus_call_async(bus, NULL, m, on_subscribe_reply, r, 0), >=, 0);
        r->expected++;
}

/* Every first delivery (attempt 1) of every subscription: "path seq". */
static int on_event(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        GHashTable *seen = userdata;
        g_autoptr(TestEvent) e = test_event_read(m);
        uint32_t attempt;
        char *key;

        g_assert_cmpint(sd_bus_message_read(m, "u", &attempt), >, 0);
        if (attempt != 1)
                return 0;
        key = g_strdup_printf("%s %" G_GUINT64_FORMAT, sd_bus_message_get_path(m), e->seq);
        if (!g_hash_table_add(seen, key))
                g_error("%s delivered twice as a first attempt", key);
        return 0;
}

typedef struct Deliveries {
        GHashTable *seen;
        GPtrArray *paths;
        uint64_t seq;
} Deliveries;

static bool every_path_has_seq(void *userdata) {
        const Deliveries *d = userdata;

        for (guint i = 0; i < d->paths->len; i++) {
                g_autofree char *key = g_strdup_printf("%s %" G_GUINT64_FORMAT, (char *) d->paths->pdata[i], d->seq);

                if (!g_hash_table_contains(d->seen, key))
                        return false;
        }
        return true;
}

/*
 * An Inject and, on its heels, Subscribe with InitialState on one connection:
 * the subscriptions handled between the event's publication and its commit
 * must neither get it twice (as initial state and again when it is
 * dispatched) nor trip over it. It used to abort the daemon.
 */
static void test_initial_state_pipelined(Fixture *f, gconstpointer data) {
        g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
        Replies injects = {}, subs = { .paths = paths };
        sd_bus_slot *match = NULL;
        Deliveries d = { .seen = seen, .paths = paths };

        g_assert_cmpint(sd_bus_match_signal(f->client, &match, NULL, NULL, SUBSCRIPTION, "Event", on_event, seen),
                        >=, 0);
        for (unsigned round = 0; round < 3; round++) {
                g_assert_cmpint(sd_bus_call_method_async(f->client, NULL, "org.ptpsync1", "/org/ptpsync1",
                                                         "org.ptpsync1.Simulator", "Inject", on_any_reply, &injects,
                                                         "sssx", LOCK, "ens1f0",
                                                         round % 2 == 0 ? "locked" : "unlocked", (int64_t) 5),
                                >=, 0);
                injects.expected++;
                /* 3 × 41 calls: within the bus's 128 pending replies per connection. */
                for (unsigned i = 0; i < 40; i++)
                        subscribe_async(f->client, TEST_PREFIX "sync", &subs);
        }
        g_assert_true(test_bus_wait_for(f->client, all_replied, &injects, TEST_TIMEOUT_USEC));
        g_assert_true(test_bus_wait_for(f->client, all_replied, &subs, TEST_TIMEOUT_USEC));
        g_assert_cmpuint(injects.errors, ==, 0);
        g_assert_cmpuint(subs.errors, ==, 0);
        g_assert_cmpuint(paths->len, ==, 120);

        /* Every subscription gets the latest event (seq 3) once, whether as initial state or dispatched
         * (unordered: nothing waits for an Ack; a second first attempt of any seq fails in on_event). */
        d.seq = 3;
        g_assert_true(test_bus_wait_for(f->client, every_path_has_seq, &d, TEST_TIMEOUT_USEC));
        sd_bus_slot_unref(match);
}

/* Subscribe(address, options) without waiting; the options a{sv} hold n_metadata entries of value_size bytes. */
static void subscribe_with_metadata_async(sd_bus *bus, unsigned n_metadata, size_t value_size, Replies *r) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        g_autofree char *value = g_strnfill(value_size, 'v');

        g_assert_cmpint(sd_bus_message_new_method_call(bus, &m, "org.ptpsync1", "/org/ptpsync1",
                                                       "org.ptpsync1.Manager", "Subscribe"), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "s", TEST_PREFIX "sync"), >=, 0);
        g_assert_cmpint(sd_bus_message_open_container(m, 'a', "{sv}"), >=, 0);
        g_assert_cmpint(sd_bus_message_open_container(m, 'e', "sv"), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "s", "Metadata"), >=, 0);
        g_assert_cmpint(sd_bus_message_open_container(m, 'v', "a{ss}"), >=, 0);
        g_assert_cmpint(sd_bus_message_open_container(m, 'a', "{ss}"), >=, 0);
        for (unsigned i = 0; i < n_metadata; i++) {
                g_autofree char *key = g_strdup_printf("key%u", i);

                g_assert_cmpint(sd_bus_message_append(m, "{ss}", key, value), >=, 0);
        }
        for (unsigned i = 0; i < 4; i++)
                g_assert_cmpint(sd_bus_message_close_container(m), >=, 0);
        g_assert_cmpint(sd_bus_call_async(bus, NULL, m, r ? on_any_reply : NULL, r, 0), >=, 0);
        if (r)
                r->expected++;
}

static bool no_subscriptions(void *userdata) {
        return test_manager_get_u(userdata, "SubscriptionCount") == 0;
}

/*
 * Connections that pipeline Subscribes and leave, some without waiting for a
 * reply: nothing of theirs may stay behind. The daemon used to keep a verdict
 * and the message for every Subscribe after the first of a connection, all
 * freed at exit, so only memory measured while it runs shows it: a round of
 * these grew it by about 100 MB, every round.
 */
static void test_subscribe_and_vanish(Fixture *f, gconstpointer data) {
        uint64_t rss[4];

        rss[0] = test_daemon_rss_kib(f->daemon);
        for (unsigned round = 1; round <= 3; round++) {
                for (unsigned i = 0; i < 150; i++) {
                        sd_bus *c = test_bus_connect(f->bus);
                        Replies r = {};

                        /* 64 × 4000 bytes: about the largest Metadata allowed, in each of 3 calls. */
                        for (unsigned k = 0; k < 3; k++)
                                subscribe_with_metadata_async(c, 64, 4000, i % 2 ? &r : NULL);
                        if (i % 2)
                                g_assert_true(test_bus_wait_for(c, all_replied, &r, TEST_TIMEOUT_USEC));
                        else
                                g_assert_cmpint(sd_bus_flush(c), >=, 0);
                        sd_bus_flush_close_unref(c);
                }
                g_assert_true(test_bus_wait_for(f->client, no_subscriptions, f->client, TEST_TIMEOUT_USEC));
                rss[round] = test_daemon_rss_kib(f->daemon);
                g_test_message("VmRSS after round %u: %" G_GUINT64_FORMAT " KiB (at start %" G_GUINT64_FORMAT ")",
                               round, rss[round], rss[0]);
        }
        /* The allocator may keep what the first round used; a leak grows with every round. */
        if (test_built_with_asan())
                g_test_message("AddressSanitizer's quarantine holds freed memory: RSS not compared");
        else if (rss[3] > rss[1] + 20 * 1024)
                g_error("VmRSS grew from %" G_GUINT64_FORMAT " KiB after the first round to %" G_GUINT64_FORMAT
                        " KiB after the third", rss[1], rss[3]);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/hostile/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
        ADD("initial-state-pipelined", test_initial_state_pipelined);
        ADD("subscribe-and-vanish", test_subscribe_and_vanish);
#undef ADD
        return g_test_run();
}
