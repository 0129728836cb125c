/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Subscriptions with real consumer processes ($PTPSYNC_CONSUMER) on a private
 * bus and the real daemon: what each consumer received, in what order, with
 * which attempt numbers and when, under every delivery behaviour -- acks,
 * nacks, rejects, a dropped signal, a consumer that never answers, one that
 * exits mid-stream, one that is stopped -- and the daemon's counters.
 */

#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>

#include "common/bus-names.h"
#include "test-env.h"

#define LOCK "sync/ptp-status/lock-state"
#define PTP_STATUS TEST_PREFIX "sync/ptp-status"

/* Holdover never runs out during a test: every injection below is one state change, one event. */
static const char config[] = "[Thresholds]\nHoldoverTimeoutSec=3600\n";

static const TestEnvOptions options = { .config_text = config };

typedef struct Delivery {
        uint64_t seq;
        unsigned attempt;
        uint64_t at; /* the consumer's CLOCK_MONOTONIC µs */
} Delivery;

/* The next "event" line of a consumer, parsed; fails the test at the deadline. */
static Delivery next_delivery(TestProcess *c, guint *from) {
        const char *line = test_process_wait_line(c, "event ", from, TEST_TIMEOUT_USEC);
        g_auto(GStrv) w = NULL;
        Delivery d;

        if (!line)
                g_error("no delivery after line %u", *from);
        w = g_strsplit(line, " ", 6);
        g_assert_cmpuint(g_strv_length(w), ==, 6);
        d.seq = g_ascii_strtoull(w[1], NULL, 10);
        d.attempt = (unsigned) g_ascii_strtoull(w[2], NULL, 10);
        d.at = g_ascii_strtoull(w[4], NULL, 10);
        return d;
}

static void expect_delivery(TestProcess *c, guint *from, uint64_t seq, unsigned attempt, Delivery *ret) {
        Delivery d = next_delivery(c, from);

        if (d.seq != seq || d.attempt != attempt)
                g_error("expected event %" G_GUINT64_FORMAT " attempt %u, got event %" G_GUINT64_FORMAT
                        " attempt %u", seq, attempt, d.seq, d.attempt);
        if (ret)
                *ret = d;
}

static void expect_dead_lettered(TestProcess *c, guint *from, uint64_t seq, const char *reason) {
        g_autofree char *expected = g_strdup_printf("dead-lettered %" G_GUINT64_FORMAT " %s", seq, reason);
        const char *line = test_process_wait_line(c, "dead-lettered ", from, TEST_TIMEOUT_USEC);

        g_assert_cmpstr(line, ==, expected);
}

static uint64_t counter(TestEnv *f, const char *path, const char *name) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *type;
        uint64_t t = 0;
        uint32_t u = 0;

        g_assert_cmpint(sd_bus_call_method(f->client, BUS_NAME, path, "org.freedesktop.DBus.Properties", "Get",
                                           &error, &reply, "ss", SUBSCRIPTION_INTERFACE, name), >=, 0);
        g_assert_cmpint(sd_bus_message_peek_type(reply, NULL, &type), >, 0);
        if (g_str_equal(type, "u")) {
                g_assert_cmpint(sd_bus_message_read(reply, "v", "u", &u), >, 0);
                return u;
        }
        g_assert_cmpint(sd_bus_message_read(reply, "v", "t", &t), >, 0);
        return t;
}

typedef struct CounterWait {
        TestEnv *f;
        const char *path, *name;
        uint64_t value;
} CounterWait;

static bool counter_reached(void *userdata) {
        CounterWait *w = userdata;

        return counter(w->f, w->path, w->name) == w->value;
}

/* Counters settle after the consumer's acks are processed: wait for the value, with a deadline. */
static void wait_counter(TestEnv *f, const char *path, const char *name, uint64_t value) {
        CounterWait w = { f, path, name, value };

        if (!test_bus_wait_for(f->client, counter_reached, &w, TEST_TIMEOUT_USEC))
                g_error("%s stayed at %" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT, name,
                        counter(f, path, name), value);
}

static void test_ordered_ack(TestEnv *f, gconstpointer data) {
        g_autofree char *path = NULL;
        TestProcess *c = test_consumer_start(f->bus, PTP_STATUS, &path, NULL);
        guint from = 0;

        test_env_inject_lock_events(f, 6);
        for (uint64_t seq = 1; seq <= 6; seq++)
                expect_delivery(c, &from, seq, 1, NULL);
        wait_counter(f, path, "Delivered", 6);
        g_assert_cmpuint(counter(f, path, "AckedSequence"), ==, 6);
        g_assert_cmpuint(counter(f, path, "Pending"), ==, 0);
        g_assert_cmpuint(counter(f, path, "InFlight"), ==, 0);
        g_assert_cmpuint(counter(f, path, "Retried"), ==, 0);
        g_assert_cmpuint(counter(f, path, "DeadLettered"), ==, 0);
        test_process_free(c);
}

/* Each event Nacked twice: attempts 1, 2, 3 in order, and the next event only after. */
static void check_retry_schedule(TestEnv *f, const char *policy, const uint64_t gaps_usec[2]) {
        g_autofree char *path = NULL;
        g_autofree char *policy_arg = g_strconcat("--backoff-policy=", policy, NULL);
        TestProcess *c = test_consumer_start(f->bus, PTP_STATUS, &path, "--nack=2", "--retry=3",
                                             "--backoff-delay=PT0.1S", policy_arg, NULL);
        guint from = 0;

        test_env_inject_lock_events(f, 3);
        for (uint64_t seq = 1; seq <= 3; seq++) {
                Delivery d[3];

                for (unsigned a = 1; a <= 3; a++)
                        expect_delivery(c, &from, seq, a, &d[a - 1]);
                /* Not early, and not absurdly late (this VM can stall, valgrind more: a generous bound). */
                for (unsigned i = 0; i < 2; i++) {
                        uint64_t gap = d[i + 1].at - d[i].at;

                        if (gap < gaps_usec[i] * 9 / 10 || gap > gaps_usec[i] + test_slow_usec(2 * G_USEC_PER_SEC))
                                g_error("%s: retry %u of event %" G_GUINT64_FORMAT " came after %" G_GUINT64_FORMAT
                                        " us, expected %" G_GUINT64_FORMAT, policy, i + 1, seq, gap, gaps_usec[i]);
                }
        }
        wait_counter(f, path, "Delivered", 3);
        g_assert_cmpuint(counter(f, path, "Retried"), ==, 6);
        g_assert_cmpuint(counter(f, path, "DeadLettered"), ==, 0);
        test_process_free(c);
}

static void test_linear_backoff(TestEnv *f, gconstpointer data) {
        check_retry_schedule(f, "linear", (const uint64_t[]) { 100000, 200000 });
}

static void test_exponential_backoff(TestEnv *f, gconstpointer data) {
        check_retry_schedule(f, "exponential", (const uint64_t[]) { 200000, 400000 });
}

static void test_unordered_window(TestEnv *f, gconstpointer data) {
        g_autofree char *path = NULL;
        TestProcess *c = test_consumer_start(f->bus, PTP_STATUS, &path, "--unordered", "--window=3", "--ignore",
                                             "--ack-timeout=3600000000", NULL);
        g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
        guint from = 0;

        test_env_inject_lock_events(f, 7);
        for (unsigned i = 0; i < 3; i++)
                g_hash_table_add(seen, GUINT_TO_POINTER(next_delivery(c, &from).seq));
        g_assert_cmpuint(g_hash_table_size(seen), ==, 3);
        /* The daemon's own account: three out, four waiting -- and the consumer got no fourth. */
        wait_counter(f, path, "Pending", 4);
        g_assert_cmpuint(counter(f, path, "InFlight"), ==, 3);
        g_assert_cmpuint(test_process_count_lines(c, "event "), ==, 3);
        test_process_free(c);
}

static void test_reject_and_redrive(TestEnv *f, gconstpointer data) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *path = NULL;
        TestProcess *c = test_consumer_start(f->bus, PTP_STATUS, &path, "--reject", NULL);
        guint from = 0, dead_from = 0;
        uint32_t n = 0;
        int r;

        test_env_inject_lock_events(f, 2);
        expect_delivery(c, &from, 1, 1, NULL);
        expect_dead_lettered(c, &dead_from, 1, "rejected");
        expect_delivery(c, &from, 2, 1, NULL);
        expect_dead_lettered(c, &dead_from, 2, "rejected");
        wait_counter(f, path, "DeadLettered", 2);

        test_assert_dead_letters(f->client, path, 2, "rejected");

        /* Redrive: both go out again, in order, from attempt 1. */
        reply = sd_bus_message_unref(reply);
        r = sd_bus_call_method(f->client, BUS_NAME, path, SUBSCRIPTION_INTERFACE, "Redrive", &error, &reply, NULL);
        g_assert_cmpint(r, >=, 0);
        g_assert_cmpint(sd_bus_message_read(reply, "u", &n), >, 0);
        g_assert_cmpuint(n, ==, 2);
        expect_delivery(c, &from, 1, 1, NULL);
        expect_delivery(c, &from, 2, 1, NULL);
        expect_dead_lettered(c, &dead_from, 1, "rejected");
        expect_dead_lettered(c, &dead_from, 2, "rejected");

        reply = sd_bus_message_unref(reply);
        r = sd_bus_call_method(f->client, BUS_NAME, path, SUBSCRIPTION_INTERFACE, "PurgeDeadLetters", &error, &reply,
                               NULL);
        g_assert_cmpint(r, >=, 0);
        g_assert_cmpint(sd_bus_message_read(reply, "u", &n), >, 0);
        g_assert_cmpuint(n, ==, 2);
        sd_bus_error_free(&error);
        test_process_free(c);
}

/* The seqs of GetDeadLetters(offset, limit), in the order given. */
static GArray *dead_letter_page(TestEnv *f, const char *path, uint32_t offset, uint32_t limit) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        GArray *seqs = g_array_new(false, false, sizeof(uint64_t));
        uint64_t seq;
        int r;

        r = sd_bus_call_method(f->client, BUS_NAME, path, SUBSCRIPTION_INTERFACE, "GetDeadLetters", &error, &reply,
                               "uu", offset, limit);
        if (r < 0)
                g_error("GetDeadLetters(%u, %u): %s: %s", offset, limit, error.name, error.message);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "(tsssxa(ssss)s)"), >, 0);
        while ((r = sd_bus_message_enter_container(reply, 'r', "tsssxa(ssss)s")) > 0) {
                g_assert_cmpint(sd_bus_message_read(reply, "t", &seq), >, 0);
                g_assert_cmpint(sd_bus_message_skip(reply, "sssxa(ssss)s"), >=, 0);
                g_assert_cmpint(sd_bus_message_exit_container(reply), >, 0);
                g_array_append_val(seqs, seq);
        }
        g_assert_cmpint(r, ==, 0);
        g_assert_cmpint(sd_bus_message_exit_container(reply), >, 0);
        sd_bus_error_free(&error);
        return seqs;
}

static void assert_seqs(GArray *seqs, guint n, uint64_t first) {
        g_assert_cmpuint(seqs->len, ==, n);
        for (guint i = 0; i < n; i++)
                g_assert_cmpuint(g_array_index(seqs, uint64_t, i), ==, first + i);
}

/* More dead letters than one page: they come in pages of at most 1000, by position. */
static void test_dead_letter_pages(TestEnv *f, gconstpointer data) {
        g_autofree char *path = NULL;
        /* 1 in flight, never answered; of the rest, all but the newest pushed out of a backlog of 1. */
        TestProcess *c = test_consumer_start(f->bus, PTP_STATUS, &path, "--ignore", "--queue-limit=1",
                                             "--ack-timeout=3600000000", NULL);
        guint from = 0;

        test_env_inject_lock_events(f, 1);
        expect_delivery(c, &from, 1, 1, NULL);
        test_env_inject_lock_events(f, 1201);
        wait_counter(f, path, "DeadLettered", 1200);
        {
                g_autoptr(GArray) all = dead_letter_page(f, path, 0, 0);
                g_autoptr(GArray) rest = dead_letter_page(f, path, 1000, 0);
                g_autoptr(GArray) big = dead_letter_page(f, path, 0, 5000);
                g_autoptr(GArray) past = dead_letter_page(f, path, 5000, 10);
                g_autoptr(GArray) at_end = dead_letter_page(f, path, 1200, 10);
                g_autoptr(GArray) seven = dead_letter_page(f, path, 0, 7);
                g_autoptr(GArray) middle = dead_letter_page(f, path, 1195, 7);

                assert_seqs(all, 1000, 2);
                assert_seqs(rest, 200, 1002);
                assert_seqs(big, 1000, 2);
                assert_seqs(past, 0, 0);
                assert_seqs(at_end, 0, 0);
                assert_seqs(seven, 7, 2);
                assert_seqs(middle, 5, 1197);
        }
        test_process_free(c);
}

static void test_retries_exhausted(TestEnv *f, gconstpointer data) {
        g_autofree char *path = NULL;
        TestProcess *c = test_consumer_start(f->bus, PTP_STATUS, &path, "--ignore", "--retry=1",
                                             "--ack-timeout=100000", "--backoff-delay=PT0.05S", NULL);
        guint from = 0, dead_from = 0;

        test_env_inject_lock_events(f, 2);
        /* Ordered: the first holds the second until it is given up on. */
        expect_delivery(c, &from, 1, 1, NULL);
        expect_delivery(c, &from, 1, 2, NULL);
        expect_dead_lettered(c, &dead_from, 1, "retries-exhausted");
        expect_delivery(c, &from, 2, 1, NULL);
        expect_delivery(c, &from, 2, 2, NULL);
        expect_dead_lettered(c, &dead_from, 2, "retries-exhausted");
        wait_counter(f, path, "DeadLettered", 2);
        g_assert_cmpuint(counter(f, path, "Delivered"), ==, 0);
        test_process_free(c);
}

static void test_dropped_signal(TestEnv *f, gconstpointer data) {
        g_autofree char *path = NULL;
        TestProcess *c = test_consumer_start(f->bus, PTP_STATUS, &path, "--ignore-first", "--ack-timeout=200000",
                                             "--backoff-delay=PT0.05S", NULL);
        guint from = 0;

        test_env_inject_lock_events(f, 3);
        for (uint64_t seq = 1; seq <= 3; seq++) {
                Delivery first, second;

                expect_delivery(c, &from, seq, 1, &first);
                expect_delivery(c, &from, seq, 2, &second);
                /* No Ack within AckTimeout: sent again, not before the timeout ran out. */
                g_assert_cmpuint(second.at - first.at, >=, 200000 * 9 / 10);
        }
        wait_counter(f, path, "Delivered", 3);
        test_process_free(c);
}

static void test_queue_limit(TestEnv *f, gconstpointer data) {
        g_autofree char *path = NULL;
        TestProcess *c = test_consumer_start(f->bus, PTP_STATUS, &path, "--ignore", "--queue-limit=2",
                                             "--ack-timeout=3600000000", NULL);
        guint from = 0, dead_from = 0;

        test_env_inject_lock_events(f, 1);
        expect_delivery(c, &from, 1, 1, NULL);
        /* 1 is out and never answered; 2..5 wait, but only 2 may: the oldest waiting are dead-lettered. */
        test_env_inject_lock_events(f, 4);
        expect_dead_lettered(c, &dead_from, 2, "queue-limit");
        expect_dead_lettered(c, &dead_from, 3, "queue-limit");
        wait_counter(f, path, "Pending", 2);
        g_assert_cmpuint(counter(f, path, "DeadLettered"), ==, 2);
        test_process_free(c);
}

typedef struct ObjectGone {
        TestEnv *f;
        const char *path;
} ObjectGone;

static bool subscription_gone(void *userdata) {
        ObjectGone *g = userdata;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *id = NULL;
        bool gone;

        gone = sd_bus_get_property_string(g->f->client, BUS_NAME, g->path, SUBSCRIPTION_INTERFACE, "Id", &error,
                                          &id) < 0;
        free(id);
        sd_bus_error_free(&error);
        return gone;
}

static void test_owner_leaves(TestEnv *f, gconstpointer data) {
        TestSignals *removed = test_signals_watch(f->client,
                                                  "type='signal',sender='org.ptpsync1',"
                                                  "interface='org.freedesktop.DBus.ObjectManager',"
                                                  "member='InterfacesRemoved'");
        g_autofree char *path = NULL;
        TestProcess *c = test_consumer_start(f->bus, PTP_STATUS, &path, NULL);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        ObjectGone g = { f, path };
        const char *removed_path;
        uint32_t count = 99;

        kill(c->pid, SIGTERM);
        g_assert_true(test_process_wait_exit(c, TEST_TIMEOUT_USEC));
        g_assert_true(test_signals_wait(f->client, removed, 1, TEST_TIMEOUT_USEC));
        g_assert_cmpint(sd_bus_message_read(removed->messages->pdata[0], "o", &removed_path), >, 0);
        g_assert_cmpstr(removed_path, ==, path);
        g_assert_true(test_bus_wait_for(f->client, subscription_gone, &g, TEST_TIMEOUT_USEC));
        g_assert_cmpint(sd_bus_get_property_trivial(f->client, BUS_NAME, MANAGER_OBJECT_PATH,
                                                    MANAGER_INTERFACE, "SubscriptionCount", &error, 'u',
                                                    &count), >=, 0);
        g_assert_cmpuint(count, ==, 0);
        test_process_free(c);
        test_signals_free(removed);
}

static char *owner_of(TestEnv *f, const char *path) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *owner = NULL;

        g_assert_cmpint(sd_bus_get_property_string(f->client, BUS_NAME, path, SUBSCRIPTION_INTERFACE, "Owner", &error,
                                                   &owner), >=, 0);
        return owner;
}

static bool detached(void *userdata) {
        ObjectGone *g = userdata;
        g_autofree char *owner = owner_of(g->f, g->path);

        return isempty(owner);
}

static void test_durable_reattach(TestEnv *f, gconstpointer data) {
        g_autofree char *path = NULL, *path2 = NULL;
        TestProcess *c = test_consumer_start(f->bus, PTP_STATUS, &path, "--name=agent", "--exit-after=2", NULL);
        ObjectGone g = { f, NULL };
        guint from = 0;

        /* Event 1 acked, event 2 received and never answered: the consumer exits on it. */
        test_env_inject_lock_events(f, 3);
        expect_delivery(c, &from, 1, 1, NULL);
        expect_delivery(c, &from, 2, 1, NULL);
        g_assert_true(test_process_wait_exit(c, TEST_TIMEOUT_USEC));
        g.path = path;
        g_assert_true(test_bus_wait_for(f->client, detached, &g, TEST_TIMEOUT_USEC));

        /* Detached: events keep queueing. */
        test_env_inject_lock_events(f, 2);
        wait_counter(f, path, "Pending", 4);
        g_assert_cmpuint(counter(f, path, "AckedSequence"), ==, 1);

        /* The same uid and name again: the same subscription, from the first unacknowledged event on. */
        test_process_free(c);
        c = test_consumer_start(f->bus, PTP_STATUS, &path2, "--name=agent", NULL);
        g_assert_cmpstr(path2, ==, path);
        from = 0;
        expect_delivery(c, &from, 2, 2, NULL);
        for (uint64_t seq = 3; seq <= 5; seq++)
                expect_delivery(c, &from, seq, 1, NULL);
        wait_counter(f, path, "Delivered", 5);
        test_process_free(c);
}

static void test_name_in_use(TestEnv *f, gconstpointer data) {
        TestProcess *first = test_consumer_start(f->bus, PTP_STATUS, NULL, "--name=only-one", NULL), *second;
        g_autofree char *line = NULL;

        /* Two live consumers cannot share one durable subscription. */
        line = test_consumer_first_line(f->bus, NULL, PTP_STATUS, &second, "--name=only-one", NULL);
        if (!g_str_has_prefix(line, "error org.ptpsync1.Error.AlreadyAttached "))
                g_error("a second owner for a durable name: %s", line);
        test_process_free(second);
        test_process_free(first);
}

static void test_foreign_ack(TestEnv *f, gconstpointer data) {
        g_autofree char *path = NULL, *out = NULL, *err = NULL;
        g_autoptr(GError) error = NULL;
        TestProcess *c;
        guint from = 0;
        int status;

        if (geteuid() != 0) {
                g_test_skip("running a client as nobody needs root");
                return;
        }
        c = test_consumer_start(f->bus, PTP_STATUS, &path, "--ignore", "--ack-timeout=3600000000", NULL);
        test_env_inject_lock_events(f, 1);
        expect_delivery(c, &from, 1, 1, NULL);

        g_autofree char *bus_arg = g_strconcat("--bus=", f->bus->address, NULL);
        const char *argv[] = { "runuser", "-u", "nobody", "--", "dbus-send", bus_arg, "--print-reply",
                               "--dest=org.ptpsync1", path, "org.ptpsync1.Subscription.Ack", "uint64:1", NULL };
        g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error);
        g_assert_no_error(error);
        g_assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        if (!strstr(err, "org.freedesktop.DBus.Error.AccessDenied"))
                g_error("expected AccessDenied, got: %s", err);
        /* Still outstanding: the foreign Ack changed nothing. */
        g_assert_cmpuint(counter(f, path, "InFlight"), ==, 1);
        g_assert_cmpuint(counter(f, path, "Delivered"), ==, 0);
        test_process_free(c);
}

static void test_stopped_consumer_isolated(TestEnv *f, gconstpointer data) {
        g_autofree char *stopped_path = NULL, *path = NULL;
        /* Unordered, a large window and retries every millisecond: as much as one consumer may have outstanding. */
        TestProcess *stopped = test_consumer_start(f->bus, PTP_STATUS, &stopped_path, "--stop-after=1",
                                                   "--unordered", "--window=1024", "--retry=100",
                                                   "--ack-timeout=1000", "--backoff-delay=PT0S", NULL);
        TestProcess *c = test_consumer_start(f->bus, PTP_STATUS, &path, NULL);
        guint from = 0, stopped_from = 0;

        test_env_inject_lock_events(f, 1);
        expect_delivery(stopped, &stopped_from, 1, 1, NULL);
        /* The first is stopped now; the other must get every event promptly all the same. */
        for (uint64_t seq = 1; seq <= 20; seq++) {
                uint64_t sent = (uint64_t) g_get_monotonic_time();
                Delivery d;

                if (seq > 1)
                        test_env_inject_lock_events(f, 1);
                expect_delivery(c, &from, seq, 1, &d);
                /* Stretched only under valgrind: the normal builds hold it to 2 s. */
                if (seq > 1 && d.at - sent > test_slow_usec(2 * G_USEC_PER_SEC))
                        g_error("event %" G_GUINT64_FORMAT " took %" G_GUINT64_FORMAT " us to arrive", seq,
                                d.at - sent);
        }
        wait_counter(f, path, "Delivered", 20);
        test_process_free(stopped);
        test_process_free(c);
}

/*
 * A consumer that ignores the first delivery of each event (as if the bus had
 * dropped them) with more events than may be outstanding toward it: nothing it
 * got is acknowledged, so nothing shows that it read them, and the daemon
 * stopped sending to it for good. Now it is pinged, and its answer lets the
 * retries go: every event is delivered.
 */
static bool counter_reached_reading(void *userdata) {
        void **args = userdata;

        test_process_read(args[1]);
        return counter_reached(args[0]);
}

static void test_blocked_consumer_pinged(TestEnv *f, gconstpointer data) {
        g_autofree char *path = NULL;
        TestProcess *c = test_consumer_start(f->bus, PTP_STATUS, &path, "--unordered", "--window=1024",
                                             "--ignore-first", "--ack-timeout=1000000", "--retry=100",
                                             "--backoff-delay=PT0S",
                                             "--queue-limit=5000", NULL);

        CounterWait w = { f, path, "Delivered", 1100 };

        test_env_inject_lock_events(f, 1100);
        /* Its lines are read meanwhile: a consumer stuck writing to a full pipe answers nothing, pings included. */
        if (!test_bus_wait_for(f->client, counter_reached_reading, (void *[]) { &w, c }, TEST_TIMEOUT_USEC))
                g_error("Delivered stayed at %" G_GUINT64_FORMAT ", expected 1100 (Pending %" G_GUINT64_FORMAT
                        ", InFlight %" G_GUINT64_FORMAT ", Retried %" G_GUINT64_FORMAT ", DeadLettered %"
                        G_GUINT64_FORMAT ")", counter(f, path, "Delivered"), counter(f, path, "Pending"),
                        counter(f, path, "InFlight"), counter(f, path, "Retried"), counter(f, path, "DeadLettered"));
        g_assert_cmpuint(counter(f, path, "DeadLettered"), ==, 0);
        test_process_free(c);
}

static void test_initial_state(TestEnv *f, gconstpointer data) {
        g_autofree char *path = NULL;
        TestProcess *c;
        guint from = 0;

        test_inject(f->client, LOCK, "ens1f0", "locked", 5);                          /* seq 1 */
        test_inject(f->client, "sync/sync-status/os-clock-sync-state", "", "locked", 5); /* 2, and sync-state 3 */
        f->injected = 1;
        c = test_consumer_start(f->bus, TEST_PREFIX "sync", &path, "--initial-state", NULL);
        /* The current state of each resource first, by seq; then what happens next. */
        expect_delivery(c, &from, 1, 1, NULL);
        expect_delivery(c, &from, 2, 1, NULL);
        expect_delivery(c, &from, 3, 1, NULL);
        test_env_inject_lock_events(f, 1); /* HOLDOVER: lock-state 4, sync-state 5 */
        expect_delivery(c, &from, 4, 1, NULL);
        expect_delivery(c, &from, 5, 1, NULL);
        test_process_free(c);
}

static void test_list_and_cancel(TestEnv *f, gconstpointer data) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *path = NULL;
        TestProcess *c = test_consumer_start(f->bus, PTP_STATUS, &path, NULL);
        ObjectGone g = { f, NULL };
        const char *listed;

        g_assert_cmpint(sd_bus_call_method(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                           "ListSubscriptions", &error, &reply, NULL), >=, 0);
        g_assert_cmpint(sd_bus_message_read(reply, "ao", 1, &listed), >, 0);
        g_assert_cmpstr(listed, ==, path);

        g_assert_cmpint(sd_bus_call_method(f->client, BUS_NAME, path, SUBSCRIPTION_INTERFACE, "Cancel", &error, NULL,
                                           NULL), >=, 0);
        g.path = path;
        g_assert_true(subscription_gone(&g));
        sd_bus_error_free(&error);
        test_process_free(c);
}

static void test_bad_options(TestEnv *f, gconstpointer data) {
        static const struct {
                const char *address, *key, *type, *value, *error;
        } cases[] = {
                { PTP_STATUS, "BackoffDelay", "s", "PT-1S", "InvalidOption" },
                { PTP_STATUS, "BackoffDelay", "s", "P1M", "InvalidOption" },
                { PTP_STATUS, "BackoffDelay", "s", "1s", "InvalidOption" },
                { PTP_STATUS, "BackoffDelay", "s", "", "InvalidOption" },
                { PTP_STATUS, "BackoffPolicy", "s", "fibonacci", "InvalidOption" },
                { PTP_STATUS, "Window", "u", "0", "InvalidOption" },
                { PTP_STATUS, "Window", "s", "3", "InvalidOption" },
                { PTP_STATUS, "Colour", "s", "blue", "InvalidOption" },
                { PTP_STATUS, "Name", "s", "two words", "InvalidOption" },
                { "relative/address", "Window", "u", "1", "InvalidAddress" },
                { "/cluster/node/elsewhere/sync", "Window", "u", "1", "NoSuchResource" },
        };
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint32_t count = 99;

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
                g_autofree char *name = g_strconcat("org.ptpsync1.Error.", cases[i].error, NULL);

                g_assert_cmpint(sd_bus_message_new_method_call(f->client, &m, BUS_NAME, MANAGER_OBJECT_PATH,
                                                               MANAGER_INTERFACE, "Subscribe"), >=, 0);
                g_assert_cmpint(sd_bus_message_append(m, "s", cases[i].address), >=, 0);
                if (cases[i].type[0] == 'u')
                        g_assert_cmpint(sd_bus_message_append(m, "a{sv}", 1, cases[i].key, "u",
                                                              (uint32_t) atoi(cases[i].value)), >=, 0);
                else
                        g_assert_cmpint(sd_bus_message_append(m, "a{sv}", 1, cases[i].key, "s", cases[i].value), >=, 0);
                g_assert_cmpint(sd_bus_call(f->client, m, 0, &error, NULL), <, 0);
                if (!g_str_equal(error.name, name) ||
                    (g_str_equal(cases[i].error, "InvalidOption") && !strstr(error.message, cases[i].key)))
                        g_error("case %zu: expected %s naming %s, got %s: %s", i, name, cases[i].key, error.name,
                                error.message);
                sd_bus_error_free(&error);
        }
        /* Nothing was created, and the daemon still answers. */
        g_assert_cmpint(sd_bus_get_property_trivial(f->client, BUS_NAME, MANAGER_OBJECT_PATH,
                                                    MANAGER_INTERFACE, "SubscriptionCount", &error, 'u',
                                                    &count), >=, 0);
        g_assert_cmpuint(count, ==, 0);
}

static void test_quota(void) {
        static const TestEnvOptions o = { .config_text = "[Quota]\nSubscriptionsPerUser=2\n" };
        TestEnv *e;
        TestProcess *c[3] = {}, *root[3] = {};

        if (geteuid() != 0) {
                g_test_skip("running consumers as nobody needs root");
                return;
        }
        e = test_env_start(&o);

        for (unsigned i = 0; i < 3; i++) {
                g_autofree char *line = test_consumer_first_line(e->bus, "nobody", PTP_STATUS, &c[i], NULL);

                if (i < 2)
                        g_assert_true(g_str_has_prefix(line, "subscribed "));
                else if (!g_str_has_prefix(line, "error org.ptpsync1.Error.QuotaExceeded "))
                        g_error("the third subscription of a user with a quota of 2: %s", line);
        }
        /* Root has no quota. */
        for (unsigned i = 0; i < 3; i++)
                root[i] = test_consumer_start(e->bus, PTP_STATUS, NULL, NULL);

        for (unsigned i = 0; i < 3; i++) {
                test_process_free(c[i]);
                test_process_free(root[i]);
        }
        test_env_stop(e);
}

/* SubscriptionsPerConnection= holds one connection of a user, SubscriptionsMax= everyone, root included. */
static void test_connection_and_total_quota(void) {
        static const TestEnvOptions o = {
                .config_text = "[Quota]\nSubscriptionsPerConnection=2\nSubscriptionsMax=5\n",
        };
        g_autofree char *bus_arg = NULL;
        TestEnv *e = test_env_start(&o);
        sd_bus *root = e->client; /* the test's own connection is root's */
        unsigned made = 0;

        if (geteuid() == 0) {
                const char *argv[] = { "runuser", "-u", "nobody", "--", g_getenv("PTPSYNC_CONSUMER"),
                                       bus_arg = g_strconcat("--bus=", e->bus->address, NULL), "--address=" PTP_STATUS,
                                       "--count=3", NULL };
                TestProcess *p = test_process_spawn(argv);
                const char *line;
                guint from = 0;

                for (unsigned i = 0; i < 2; i++)
                        g_assert_nonnull(test_process_wait_line(p, "subscribed ", &from, TEST_TIMEOUT_USEC));
                line = test_process_wait_line(p, "error ", &from, TEST_TIMEOUT_USEC);
                if (!line || !strstr(line, "org.ptpsync1.Error.QuotaExceeded") ||
                    !strstr(line, "SubscriptionsPerConnection="))
                        g_error("the third subscription of one connection with a bound of 2: %s", line ?: "nothing");
                test_process_wait_exit(p, TEST_TIMEOUT_USEC);
                test_process_free(p); /* its two end with it */
        } else
                g_test_message("a connection of another uid needs root (runuser): that part skipped");

        /* Root has no quota, but the daemon holds 5 at most. */
        g_assert_true(test_bus_wait_for(root, test_no_subscriptions, root, TEST_TIMEOUT_USEC));
        for (unsigned i = 0; i < 6; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                sd_bus_error error = SD_BUS_ERROR_NULL;

                if (sd_bus_call_method(root, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "Subscribe",
                                       &error, &reply, "sa{sv}", PTP_STATUS, 0) >= 0) {
                        made++;
                        continue;
                }
                g_assert_cmpstr(error.name, ==, "org.ptpsync1.Error.QuotaExceeded");
                g_assert_nonnull(strstr(error.message, "SubscriptionsMax="));
                sd_bus_error_free(&error);
        }
        g_assert_cmpuint(made, ==, 5);
        test_env_stop(e);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) test_env_add("/subscriptions/" name, &options, fn)
        ADD("ordered-ack", test_ordered_ack);
        ADD("linear-backoff", test_linear_backoff);
        ADD("exponential-backoff", test_exponential_backoff);
        ADD("unordered-window", test_unordered_window);
        ADD("reject-and-redrive", test_reject_and_redrive);
        ADD("dead-letter-pages", test_dead_letter_pages);
        ADD("retries-exhausted", test_retries_exhausted);
        ADD("dropped-signal", test_dropped_signal);
        ADD("queue-limit", test_queue_limit);
        ADD("owner-leaves", test_owner_leaves);
        ADD("durable-reattach", test_durable_reattach);
        ADD("name-in-use", test_name_in_use);
        ADD("foreign-ack", test_foreign_ack);
        ADD("stopped-consumer-isolated", test_stopped_consumer_isolated);
        ADD("initial-state", test_initial_state);
        ADD("blocked-consumer-pinged", test_blocked_consumer_pinged);
        ADD("list-and-cancel", test_list_and_cancel);
        ADD("bad-options", test_bad_options);
#undef ADD
        g_test_add_func("/subscriptions/quota", test_quota);
        g_test_add_func("/subscriptions/connection-and-total-quota", test_connection_and_total_quota);
        return g_test_run();
}
