/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libptpsync against the real daemon on a private bus: every call, sync and
 * async; watches; subscriptions with every option (read back from the
 * daemon's Subscription object), the handler's verdicts and what the daemon
 * makes of them (redeliveries, dead letters, redrive, purge), ordered
 * cumulative acks, cancel; waiting for a state; a daemon restart; the three
 * ways to run the loop (by hand, sd_event, GLib); and forged signals from
 * another peer, which must never reach a callback.
 *
 * The library is driven by hand (get_fd/get_events/get_timeout, poll,
 * process) unless a test says otherwise. Every wait has a deadline.
 */

#include <dlfcn.h>
#include <poll.h>
#include <ptpsync-glib.h>
#include <ptpsync.h>
#include <signal.h>

#include "common/bus-names.h"
#include "test-env.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus, sd_bus_flush_close_unref)

#define LOCK "sync/ptp-status/lock-state"
#define OS_CLOCK "sync/sync-status/os-clock-sync-state"
#define CLOCK_CLASS "sync/ptp-status/clock-class"
#define LOCK_ADDRESS TEST_PREFIX LOCK

/* Holdover never runs out during a test: every lock-state injection is one event. */
static const char config[] = "[Thresholds]\nHoldoverTimeoutSec=3600\n";

typedef struct Fixture {
        TestEnv env; /* env.client: the test's own connection, for injections and properties */
        PtpsyncClient *c;
} Fixture;

/* ---- driving the library by hand ---- */

/* One round: process what there is, or poll the client's fd until its timeout (at most 50 ms). */
static void drive_once(PtpsyncClient *c) {
        struct pollfd p = {};
        uint64_t until, now = (uint64_t) g_get_monotonic_time();
        int r, timeout_ms;

        r = ptpsync_client_process(c);
        g_assert_cmpint(r, >=, 0);
        if (r > 0)
                return;
        p.fd = ptpsync_client_get_fd(c);
        g_assert_cmpint(p.fd, >=, 0);
        r = ptpsync_client_get_events(c);
        g_assert_cmpint(r, >=, 0);
        p.events = (short) r;
        g_assert_cmpint(ptpsync_client_get_timeout(c, &until), ==, 0);
        /* Conditions may poll the daemon over the test's own connection: look again soon. */
        timeout_ms = until <= now ? 0 : (int) MIN((until - now + 999) / 1000, TEST_POLL_USEC / 1000);
        r = poll(&p, 1, timeout_ms);
        g_assert_cmpint(r, >=, 0);
}

#define WAIT_UNTIL(c, cond)                                                                     \
        do {                                                                                    \
                gint64 _deadline = g_get_monotonic_time() + TEST_TIMEOUT_USEC;                  \
                while (!(cond)) {                                                               \
                        if (g_get_monotonic_time() > _deadline)                                 \
                                g_error("%s:%d: timed out waiting for %s", __FILE__, __LINE__, #cond); \
                        drive_once(c);                                                          \
                }                                                                               \
        } while (0)

/* ---- the fixture ---- */

static const TestEnvOptions options = { .config_text = config };
/* At most so many calls of one connection waiting for replies (see main()). */
static const TestEnvOptions options_40_replies = {
        .config_text = config,
        .bus_config = "<limit name=\"max_replies_per_connection\">40</limit>",
};
static const TestEnvOptions options_100_replies = {
        .config_text = config,
        .bus_config = "<limit name=\"max_replies_per_connection\">100</limit>",
};

/*
 * A stock system bus's limit of calls awaiting a reply per connection, said explicitly, and a
 * daemon that lets one connection hold hundreds of subscriptions whoever runs the test.
 */
static const TestEnvOptions many_options = {
        .config_text = "[Thresholds]\nHoldoverTimeoutSec=3600\n"
                       "[Quota]\nSubscriptionsPerUser=1000\nSubscriptionsPerConnection=1000\n",
        .bus_config = "<limit name=\"max_replies_per_connection\">128</limit>\n",
};

/* data: the TestEnvOptions; the library's client, once it sees the daemon. */
static void fixture_setup(Fixture *f, gconstpointer data) {
        test_env_setup(&f->env, data);
        g_assert_cmpint(ptpsync_client_new(&f->c, f->env.bus->address), ==, 0);
        /* The daemon handler is called once the node name is read: a handler set from now on hears only changes. */
        WAIT_UNTIL(f->c, ptpsync_client_get_daemon_owner(f->c) && ptpsync_client_get_node_name(f->c));
}

static void fixture_teardown(Fixture *f, gconstpointer data) {
        ptpsync_client_free(f->c);
        test_env_teardown(&f->env);
}

static uint64_t last_sequence(Fixture *f) {
        return test_manager_get_t(f->env.client, "LastSequence");
}

/* One lock-state event (alternately locked, unlocked); returns its seq. */
static uint64_t inject_lock(Fixture *f) {
        test_inject_lock_events(f->env.client, &f->env.injected, 1);
        return last_sequence(f);
}

static char *daemon_unique_name(Fixture *f) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *name;
        char *ret;

        g_assert_cmpint(sd_bus_call_method(f->env.client, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "GetNameOwner", &error, &reply, "s",
                                           BUS_NAME), >=, 0);
        g_assert_cmpint(sd_bus_message_read(reply, "s", &name), >, 0);
        ret = g_strdup(name);
        sd_bus_message_unref(reply);
        return ret;
}

/* Properties of an object of the daemon, read over the test's connection. */
static uint64_t prop_t(Fixture *f, const char *path, const char *iface, const char *name) {
        uint64_t v = 0;

        g_assert_cmpint(sd_bus_get_property_trivial(f->env.client, BUS_NAME, path, iface, name, NULL, 't', &v),
                        >=, 0);
        return v;
}

static uint32_t prop_u(Fixture *f, const char *path, const char *iface, const char *name) {
        uint32_t v = 0;

        g_assert_cmpint(sd_bus_get_property_trivial(f->env.client, BUS_NAME, path, iface, name, NULL, 'u', &v),
                        >=, 0);
        return v;
}

static bool prop_b(Fixture *f, const char *path, const char *name) {
        int v = -1;

        g_assert_cmpint(sd_bus_get_property_trivial(f->env.client, BUS_NAME, path, SUBSCRIPTION_INTERFACE, name, NULL,
                                                    'b', &v), >=, 0);
        return v;
}

static char *prop_s(Fixture *f, const char *path, const char *name) {
        char *v = NULL;

        g_assert_cmpint(sd_bus_get_property_string(f->env.client, BUS_NAME, path, SUBSCRIPTION_INTERFACE, name, NULL,
                                                   &v),
                        >=, 0);
        return v; /* malloc'ed */
}

static void assert_prop_s(Fixture *f, const char *path, const char *name, const char *expected) {
        g_autofree char *v = NULL;
        char *m = prop_s(f, path, name);

        v = g_strdup(m);
        free(m);
        g_assert_cmpstr(v, ==, expected);
}

#define sub_t(f, s, name) prop_t(f, ptpsync_subscription_get_object_path(s), SUBSCRIPTION_INTERFACE, name)
#define sub_u(f, s, name) prop_u(f, ptpsync_subscription_get_object_path(s), SUBSCRIPTION_INTERFACE, name)

/* ---- a recording subscriber ---- */

typedef enum Mode {
        MODE_ACK,
        MODE_RETRY_FIRST, /* retry attempt 1, ack the rest */
        MODE_RETRY,
        MODE_REJECT,
        MODE_DEFER,
        MODE_WAIT_RETRIED, /* block until the daemon retried (Retried > 0), then ack */
} Mode;

typedef struct Recorder {
        Fixture *f;
        Mode mode;
        GArray *seqs;          /* uint64_t, one per handler call */
        GArray *attempts;      /* unsigned */
        GArray *dead_seqs;     /* uint64_t */
        GPtrArray *dead_reasons;
        GArray *states;        /* PtpsyncSubscriptionState, each reported */
        int error;             /* of the last state report */
        char *error_name;      /* the client's last error name then */
} Recorder;

static void recorder_init(Recorder *r, Fixture *f, Mode mode) {
        *r = (Recorder) {
                .f = f,
                .mode = mode,
                .seqs = g_array_new(false, false, sizeof(uint64_t)),
                .attempts = g_array_new(false, false, sizeof(unsigned)),
                .dead_seqs = g_array_new(false, false, sizeof(uint64_t)),
                .dead_reasons = g_ptr_array_new_with_free_func(g_free),
                .states = g_array_new(false, false, sizeof(PtpsyncSubscriptionState)),
        };
}

static void recorder_done(Recorder *r) {
        g_array_unref(r->seqs);
        g_array_unref(r->attempts);
        g_array_unref(r->dead_seqs);
        g_ptr_array_unref(r->dead_reasons);
        g_array_unref(r->states);
        g_free(r->error_name);
}

static guint count_seq(GArray *a, uint64_t seq) {
        guint n = 0;

        for (guint i = 0; i < a->len; i++)
                n += g_array_index(a, uint64_t, i) == seq;
        return n;
}

#define SEQ(r, i) g_array_index((r)->seqs, uint64_t, (i))
#define ATTEMPT(r, i) g_array_index((r)->attempts, unsigned, (i))

static int on_sub_event(PtpsyncSubscription *s, const PtpsyncEvent *e, void *userdata) {
        Recorder *r = userdata;
        uint64_t seq = ptpsync_event_get_seq(e);
        unsigned attempt = ptpsync_event_get_attempt(e);

        g_array_append_val(r->seqs, seq);
        g_array_append_val(r->attempts, attempt);
        switch (r->mode) {
        case MODE_ACK:
                return PTPSYNC_ACK;
        case MODE_RETRY_FIRST:
                return attempt == 1 ? PTPSYNC_RETRY : PTPSYNC_ACK;
        case MODE_RETRY:
                return PTPSYNC_RETRY;
        case MODE_REJECT:
                return PTPSYNC_REJECT;
        case MODE_DEFER:
                return PTPSYNC_DEFER;
        case MODE_WAIT_RETRIED: {
                /* Over the test's own connection: the library's must not block in a callback, ours may. */
                gint64 deadline = g_get_monotonic_time() + TEST_TIMEOUT_USEC;

                while (sub_t(r->f, s, "Retried") == 0) {
                        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
                        g_assert_cmpint(sd_bus_wait(r->f->env.client, TEST_POLL_USEC / 5), >=, 0);
                }
                return PTPSYNC_ACK;
        }
        }
        g_assert_not_reached();
}

static void on_sub_state(PtpsyncSubscription *s, PtpsyncSubscriptionState state, int error, void *userdata) {
        Recorder *r = userdata;
        const char *name = ptpsync_client_last_error_name(ptpsync_subscription_get_client(s));

        g_array_append_val(r->states, state);
        r->error = error;
        g_free(r->error_name);
        r->error_name = error < 0 && name ? g_strdup(name) : NULL;
}

static void on_sub_dead_letter(PtpsyncSubscription *s, uint64_t seq, const char *reason, void *userdata) {
        Recorder *r = userdata;

        g_array_append_val(r->dead_seqs, seq);
        g_ptr_array_add(r->dead_reasons, g_strdup(reason));
}

static PtpsyncSubscription *subscribe(Fixture *f, const char *address, const PtpsyncSubscribeOptions *o,
                                      Recorder *r) {
        PtpsyncSubscription *s = NULL;

        g_assert_cmpint(ptpsync_client_subscribe(f->c, address, o, on_sub_event, r, &s), ==, 0);
        g_assert_nonnull(s);
        g_assert_cmpint(ptpsync_subscription_get_state(s), ==, PTPSYNC_SUBSCRIPTION_PENDING);
        ptpsync_subscription_set_state_handler(s, on_sub_state);
        ptpsync_subscription_set_dead_letter_handler(s, on_sub_dead_letter);
        return s;
}

static PtpsyncSubscription *subscribe_active(Fixture *f, const char *address, const PtpsyncSubscribeOptions *o,
                                             Recorder *r) {
        PtpsyncSubscription *s = subscribe(f, address, o, r);

        WAIT_UNTIL(f->c, ptpsync_subscription_get_state(s) != PTPSYNC_SUBSCRIPTION_PENDING);
        g_assert_cmpint(ptpsync_subscription_get_state(s), ==, PTPSYNC_SUBSCRIPTION_ACTIVE);
        g_assert_cmpuint(ptpsync_subscription_get_n_attached(s), ==, 1);
        g_assert_true(g_str_has_prefix(ptpsync_subscription_get_object_path(s), "/org/ptpsync1/subscription/"));
        return s;
}

/* ---- a recording watch ---- */

typedef struct Watched {
        GArray *seqs;
        GPtrArray *sources;
        bool free_self_at_2;
        PtpsyncWatch *self;
        int nested; /* what a blocking call from the handler returned */
        PtpsyncClient *c;
} Watched;

static void watched_init(Watched *w) {
        *w = (Watched) {
                .seqs = g_array_new(false, false, sizeof(uint64_t)),
                .sources = g_ptr_array_new_with_free_func(g_free),
                .nested = 1,
        };
}

static void watched_done(Watched *w) {
        g_array_unref(w->seqs);
        g_ptr_array_unref(w->sources);
}

static void on_watch(PtpsyncWatch *watch, const PtpsyncEvent *e, void *userdata) {
        Watched *w = userdata;
        uint64_t seq = ptpsync_event_get_seq(e);

        g_assert_cmpuint(ptpsync_event_get_attempt(e), ==, 0);
        g_array_append_val(w->seqs, seq);
        g_ptr_array_add(w->sources, g_strdup(ptpsync_event_get_source(e)));
        if (w->c)
                w->nested = ptpsync_client_wait_for_state(w->c, LOCK_ADDRESS, "LOCKED", 0);
        if (w->free_self_at_2 && w->seqs->len == 2)
                w->self = ptpsync_watch_free(watch);
}

/* ---- tests ---- */

static void test_connect(Fixture *f, gconstpointer data) {
        g_autofree char *owner = daemon_unique_name(f);
        PtpsyncClient *c = NULL;
        const char *unique;

        g_assert_cmpint(ptpsync_client_new(&c, "unix:path=/nonexistent/bus.sock"), <, 0);
        g_assert_null(c);

        /* NULL is the system bus, which $DBUS_SYSTEM_BUS_ADDRESS names. */
        g_setenv("DBUS_SYSTEM_BUS_ADDRESS", f->env.bus->address, true);
        g_assert_cmpint(ptpsync_client_new(&c, NULL), ==, 0);
        g_unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
        unique = ptpsync_client_get_unique_name(c);
        g_assert_nonnull(unique);
        g_assert_true(unique[0] == ':');
        g_assert_null(ptpsync_client_last_error_name(c));
        WAIT_UNTIL(c, ptpsync_client_get_daemon_owner(c));
        g_assert_cmpstr(ptpsync_client_get_daemon_owner(c), ==, owner);
        g_assert_cmpuint(ptpsync_client_get_n_forged(c), ==, 0);
        g_assert_null(ptpsync_client_free(c));
}

typedef struct AsyncResult {
        int calls;
        int error;
        char *error_name;
        size_t n;
        uint64_t seq;
        char *state;
        int nested; /* a blocking call from the handler */
        unsigned count;
} AsyncResult;

static void async_result_done(AsyncResult *a) {
        g_free(a->error_name);
        g_free(a->state);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(AsyncResult, async_result_done)

static void on_state_reply(PtpsyncClient *c, int error, const PtpsyncEventList *l, void *userdata) {
        AsyncResult *a = userdata;
        PtpsyncEventList *nested = NULL;

        a->calls++;
        a->error = error;
        if (error < 0) {
                g_assert_null(l);
                a->error_name = g_strdup(ptpsync_client_last_error_name(c));
                return;
        }
        a->n = ptpsync_event_list_get_n(l);
        a->seq = ptpsync_event_get_seq(ptpsync_event_list_get(l, 0));
        a->state = g_strdup(ptpsync_event_get_state(ptpsync_event_list_get(l, 0)));
        a->nested = ptpsync_client_get_state(c, LOCK_ADDRESS, &nested);
        g_assert_null(nested);
}

static void test_get_state(Fixture *f, gconstpointer data) {
        g_auto(AsyncResult) a = {}, b = {}, cancelled = {}, bad = {};
        PtpsyncEventList *l = NULL;
        const PtpsyncEvent *e;
        const char *address, *data_type, *value_type, *value;
        PtpsyncCall *call = NULL;
        uint64_t seq;

        /* The errors, with their D-Bus names. */
        g_assert_cmpint(ptpsync_client_get_state(f->c, LOCK_ADDRESS, &l), ==, -ENODATA);
        g_assert_null(l);
        g_assert_cmpstr(ptpsync_client_last_error_name(f->c), ==, PTPSYNC_ERROR_NO_DATA);
        g_assert_nonnull(ptpsync_client_last_error_message(f->c));
        g_assert_cmpint(ptpsync_client_get_state(f->c, "sync//nope", &l), ==, -EINVAL);
        g_assert_cmpstr(ptpsync_client_last_error_name(f->c), ==, PTPSYNC_ERROR_INVALID_ADDRESS);
        g_assert_cmpint(ptpsync_client_get_state(f->c, "/cluster//nope", &l), ==, -EINVAL);
        g_assert_cmpstr(ptpsync_client_last_error_name(f->c), ==, PTPSYNC_ERROR_INVALID_ADDRESS);
        /* Relative: on the node, which has no such resource. */
        g_assert_cmpint(ptpsync_client_get_state(f->c, "nope", &l), ==, -ENOENT);
        g_assert_cmpint(ptpsync_client_get_state(f->c, "/cluster/node/elsewhere/sync", &l), ==, -ENOENT);
        g_assert_cmpstr(ptpsync_client_last_error_name(f->c), ==, PTPSYNC_ERROR_NO_SUCH_RESOURCE);

        test_inject(f->env.client, LOCK, "ens1f0", "locked", -12);
        seq = last_sequence(f);

        g_assert_cmpint(ptpsync_client_get_state(f->c, LOCK_ADDRESS, &l), ==, 0);
        g_assert_cmpuint(ptpsync_event_list_get_n(l), ==, 1);
        g_assert_null(ptpsync_event_list_get(l, 1));
        e = ptpsync_event_list_get(l, 0);
        g_assert_cmpuint(ptpsync_event_get_seq(e), ==, seq);
        g_assert_cmpuint(strlen(ptpsync_event_get_id(e)), ==, 36);
        g_assert_cmpstr(ptpsync_event_get_type(e), ==, "event.sync.ptp-status.ptp-state-change");
        g_assert_cmpstr(ptpsync_event_get_source(e), ==, LOCK_ADDRESS);
        g_assert_cmpint(ptpsync_event_get_time(e), >, g_get_real_time() - 60 * G_USEC_PER_SEC);
        g_assert_cmpuint(ptpsync_event_get_attempt(e), ==, 0);
        g_assert_cmpstr(ptpsync_event_get_state(e), ==, "LOCKED");
        g_assert_cmpuint(ptpsync_event_get_n_values(e), ==, 2);
        g_assert_cmpint(ptpsync_event_get_value(e, 0, &address, &data_type, &value_type, &value), ==, 0);
        g_assert_cmpstr(address, ==, "ens1fx/master");
        g_assert_cmpstr(data_type, ==, "notification");
        g_assert_cmpstr(value_type, ==, "enumeration");
        g_assert_cmpstr(value, ==, "LOCKED");
        g_assert_cmpint(ptpsync_event_get_value(e, 1, NULL, &data_type, NULL, &value), ==, 0);
        g_assert_cmpstr(data_type, ==, "metric");
        g_assert_cmpstr(value, ==, "-12");
        g_assert_cmpint(ptpsync_event_get_value(e, 2, NULL, NULL, NULL, NULL), ==, -ERANGE);
        /* An event outlives its list by a reference. */
        e = ptpsync_event_ref(ptpsync_event_list_get(l, 0));
        g_assert_null(ptpsync_event_list_free(l));
        g_assert_cmpstr(ptpsync_event_get_source(e), ==, LOCK_ADDRESS);
        g_assert_null(ptpsync_event_unref((PtpsyncEvent *) e));

        /* Async: the same answer; a blocking call from its handler is refused. */
        g_assert_cmpint(ptpsync_client_get_state_async(f->c, LOCK_ADDRESS, on_state_reply, &a, &call), ==, 0);
        g_assert_nonnull(call);
        /* One cancelled before its answer: its handler never runs. */
        g_assert_cmpint(ptpsync_client_get_state_async(f->c, LOCK_ADDRESS, on_state_reply, &cancelled, &call), ==, 0);
        ptpsync_call_cancel(call);
        g_assert_cmpint(ptpsync_client_get_state_async(f->c, TEST_PREFIX "sync", on_state_reply, &b, NULL), ==, 0);
        g_assert_cmpint(ptpsync_client_get_state_async(f->c, "/cluster/node/elsewhere/sync", on_state_reply, &bad,
                                                       NULL), ==, 0);
        WAIT_UNTIL(f->c, a.calls && b.calls && bad.calls);
        g_assert_cmpint(a.error, ==, 0);
        g_assert_cmpuint(a.n, ==, 1);
        g_assert_cmpuint(a.seq, ==, seq);
        g_assert_cmpstr(a.state, ==, "LOCKED");
        g_assert_cmpint(a.nested, ==, -EBUSY);
        g_assert_cmpint(b.error, ==, 0);
        g_assert_cmpuint(b.n, ==, 1); /* the prefix: only lock-state has data */
        g_assert_cmpint(bad.error, ==, -ENOENT);
        g_assert_cmpstr(bad.error_name, ==, PTPSYNC_ERROR_NO_SUCH_RESOURCE);
        g_assert_cmpint(cancelled.calls, ==, 0);
}

static void on_resources(PtpsyncClient *c, int error, const PtpsyncResourceList *l, void *userdata) {
        AsyncResult *a = userdata;

        a->calls++;
        a->error = error;
        a->n = error < 0 ? 0 : ptpsync_resource_list_get_n(l);
}

static void test_list_resources(Fixture *f, gconstpointer data) {
        g_auto(AsyncResult) a = {};
        PtpsyncResourceList *l = NULL;
        const char *address, *kind, *path;
        bool found = false;

        g_assert_cmpint(ptpsync_client_list_resources(f->c, &l), ==, 0);
        /* The simulator's five: sync-state, lock-state, os-clock, clock-class, gnss. */
        g_assert_cmpuint(ptpsync_resource_list_get_n(l), ==, 5);
        for (size_t i = 0; i < ptpsync_resource_list_get_n(l); i++) {
                g_assert_cmpint(ptpsync_resource_list_get(l, i, &address, &kind, &path), ==, 0);
                g_assert_true(g_str_has_prefix(address, TEST_PREFIX));
                g_assert_true(g_str_has_prefix(path, "/org/ptpsync1/resource/"));
                if (streq(address, LOCK_ADDRESS)) {
                        g_assert_cmpstr(kind, ==, "lock-state");
                        found = true;
                }
        }
        g_assert_true(found);
        g_assert_cmpint(ptpsync_resource_list_get(l, 5, NULL, NULL, NULL), ==, -ERANGE);
        ptpsync_resource_list_free(l);

        g_assert_cmpint(ptpsync_client_list_resources_async(f->c, on_resources, &a, NULL), ==, 0);
        WAIT_UNTIL(f->c, a.calls == 1);
        g_assert_cmpint(a.error, ==, 0);
        g_assert_cmpuint(a.n, ==, 5);
}

static void test_watch(Fixture *f, gconstpointer data) {
        Watched exact, all, prefix;
        PtpsyncWatch *we = NULL, *wa = NULL, *wp = NULL;
        uint64_t s1, s2, s3;

        watched_init(&exact);
        watched_init(&all);
        watched_init(&prefix);
        g_assert_cmpint(ptpsync_client_watch(f->c, LOCK_ADDRESS, on_watch, &exact, &we), ==, 0);
        g_assert_cmpint(ptpsync_client_watch(f->c, NULL, on_watch, &all, &wa), ==, 0);
        g_assert_cmpint(ptpsync_client_watch(f->c, TEST_PREFIX "sync/ptp-status", on_watch, &prefix, &wp), ==, 0);
        g_assert_cmpint(ptpsync_client_watch(f->c, "sync//relative", on_watch, &prefix, &wp), ==, -EINVAL);
        all.free_self_at_2 = true; /* freed from its own handler at its second event */
        all.self = wa;
        exact.c = f->c; /* a blocking call from the handler: refused */

        s1 = inject_lock(f);
        test_inject(f->env.client, CLOCK_CLASS, "ens1f0", "6", 0);
        s2 = last_sequence(f);
        WAIT_UNTIL(f->c, exact.seqs->len == 1 && all.seqs->len == 2 && prefix.seqs->len == 2);
        g_assert_cmpuint(g_array_index(exact.seqs, uint64_t, 0), ==, s1);
        g_assert_cmpint(exact.nested, ==, -EBUSY);
        g_assert_cmpuint(g_array_index(all.seqs, uint64_t, 0), ==, s1);
        g_assert_cmpuint(g_array_index(all.seqs, uint64_t, 1), ==, s2);
        g_assert_cmpstr(all.sources->pdata[1], ==, TEST_PREFIX CLOCK_CLASS);
        g_assert_null(all.self);
        g_assert_cmpuint(g_array_index(prefix.seqs, uint64_t, 1), ==, s2);

        /* The freed watch hears nothing more; the others do. */
        s3 = inject_lock(f);
        WAIT_UNTIL(f->c, exact.seqs->len == 2 && prefix.seqs->len == 3);
        g_assert_cmpuint(g_array_index(exact.seqs, uint64_t, 1), ==, s3);
        g_assert_cmpuint(all.seqs->len, ==, 2);
        g_assert_cmpuint(exact.seqs->len, ==, 2); /* the clock-class event did not match it */

        ptpsync_watch_free(we);
        ptpsync_watch_free(wp);
        watched_done(&exact);
        watched_done(&all);
        watched_done(&prefix);
}

static void test_subscribe_options(Fixture *f, gconstpointer data) {
        PtpsyncSubscribeOptions *o = NULL, *bad = NULL;
        PtpsyncSubscription *s, *d, *x;
        Recorder rs, rd, rx;
        sd_bus_message *reply = NULL;
        const char *path, *k, *v;
        char **paths = NULL;
        uint64_t current;
        unsigned n_meta = 0;
        bool listed = false;

        recorder_init(&rs, f, MODE_ACK);
        recorder_init(&rd, f, MODE_ACK);
        recorder_init(&rx, f, MODE_ACK);
        current = inject_lock(f); /* the current state InitialState should deliver */

        /* Every option, none at its default. */
        g_assert_cmpint(ptpsync_subscribe_options_new(&o), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_name(o, "lib-options"), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_ordered(o, false), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_window(o, 7), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_retry(o, 5), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_backoff_delay(o, "PT0.5S"), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_backoff_delay_usec(o, 1500000), ==, 0); /* replaces it */
        g_assert_cmpint(ptpsync_subscribe_options_set_backoff_policy(o, PTPSYNC_BACKOFF_LINEAR), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_backoff_policy(o, 7), ==, -EINVAL);
        g_assert_cmpint(ptpsync_subscribe_options_set_ack_timeout(o, 2500000), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_queue_limit(o, 123), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_initial_state(o, true), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_dead_letter_limit(o, 45), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_add_metadata(o, "EndpointUri", "http://old"), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_add_metadata(o, "api", "v2"), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_add_metadata(o, "EndpointUri", "http://x:9043/ev"), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_name(o, NULL), ==, -EINVAL);

        s = subscribe_active(f, TEST_PREFIX "sync", o, &rs);
        ptpsync_subscribe_options_free(o); /* the subscription has its own copy */
        path = ptpsync_subscription_get_object_path(s);
        g_assert_cmpstr(ptpsync_subscription_get_name(s), ==, "lib-options");
        g_assert_cmpstr(ptpsync_subscription_get_address(s), ==, TEST_PREFIX "sync");

        /* As the daemon has them. */
        assert_prop_s(f, path, "Name", "lib-options");
        g_assert_false(prop_b(f, path, "Ordered"));
        g_assert_cmpuint(prop_u(f, path, SUBSCRIPTION_INTERFACE, "Window"), ==, 7);
        g_assert_cmpuint(prop_u(f, path, SUBSCRIPTION_INTERFACE, "Retry"), ==, 5);
        assert_prop_s(f, path, "BackoffDelay", "PT1.5S");
        assert_prop_s(f, path, "BackoffPolicy", "linear");
        g_assert_cmpuint(prop_t(f, path, SUBSCRIPTION_INTERFACE, "AckTimeout"), ==, 2500000);
        g_assert_cmpuint(prop_u(f, path, SUBSCRIPTION_INTERFACE, "QueueLimit"), ==, 123);
        g_assert_cmpuint(prop_u(f, path, SUBSCRIPTION_INTERFACE, "DeadLetterLimit"), ==, 45);
        assert_prop_s(f, path, "Address", TEST_PREFIX "sync");
        assert_prop_s(f, path, "Owner", ptpsync_client_get_unique_name(f->c));
        g_assert_cmpint(sd_bus_get_property(f->env.client, BUS_NAME, path, SUBSCRIPTION_INTERFACE, "Metadata", NULL,
                                            &reply, "a{ss}"), >=, 0);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "{ss}"), >, 0);
        while (sd_bus_message_read(reply, "{ss}", &k, &v) > 0) {
                n_meta++;
                if (streq(k, "EndpointUri"))
                        g_assert_cmpstr(v, ==, "http://x:9043/ev");
                else
                        g_assert_cmpstr(v, ==, "v2");
        }
        g_assert_cmpuint(n_meta, ==, 2);
        sd_bus_message_unref(reply);

        /* ListSubscriptions shows it. */
        g_assert_cmpint(ptpsync_client_list_subscriptions(f->c, &paths), ==, 0);
        for (char **p = paths; *p; p++)
                listed = listed || streq(*p, path);
        g_assert_true(listed);
        ptpsync_strv_free(paths);

        /* InitialState: the current state first, before anything new happened. */
        WAIT_UNTIL(f->c, rs.seqs->len >= 1);
        g_assert_cmpuint(SEQ(&rs, 0), ==, current);
        g_assert_cmpuint(ATTEMPT(&rs, 0), ==, 1);

        /* Nothing set: nothing sent, the daemon's defaults. */
        d = subscribe_active(f, LOCK_ADDRESS, NULL, &rd);
        path = ptpsync_subscription_get_object_path(d);
        assert_prop_s(f, path, "Name", "");
        g_assert_true(prop_b(f, path, "Ordered"));
        g_assert_cmpuint(prop_u(f, path, SUBSCRIPTION_INTERFACE, "Window"), ==, 64);
        g_assert_cmpuint(prop_u(f, path, SUBSCRIPTION_INTERFACE, "Retry"), ==, 3);
        assert_prop_s(f, path, "BackoffDelay", "PT0.2S");
        assert_prop_s(f, path, "BackoffPolicy", "exponential");
        g_assert_cmpuint(prop_t(f, path, SUBSCRIPTION_INTERFACE, "AckTimeout"), ==, 5000000);
        g_assert_cmpuint(prop_u(f, path, SUBSCRIPTION_INTERFACE, "QueueLimit"), ==, 10000);
        g_assert_cmpuint(prop_u(f, path, SUBSCRIPTION_INTERFACE, "DeadLetterLimit"), ==, 10000);

        /* A bad value: the subscription ends with the daemon's InvalidOption naming it. */
        g_assert_cmpint(ptpsync_subscribe_options_new(&bad), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_window(bad, 0), ==, 0);
        x = subscribe(f, LOCK_ADDRESS, bad, &rx);
        ptpsync_subscribe_options_free(bad);
        WAIT_UNTIL(f->c, ptpsync_subscription_get_state(x) == PTPSYNC_SUBSCRIPTION_ENDED);
        g_assert_cmpint(rx.error, ==, -EINVAL);
        g_assert_cmpstr(rx.error_name, ==, PTPSYNC_ERROR_INVALID_OPTION);
        g_assert_nonnull(strstr(ptpsync_client_last_error_message(f->c), "Window"));
        g_assert_null(ptpsync_subscription_get_object_path(x));
        g_assert_cmpint(ptpsync_subscription_cancel(x), ==, -ESTALE);

        ptpsync_subscription_free(x);
        ptpsync_subscription_free(d);
        ptpsync_subscription_free(s);
        recorder_done(&rs);
        recorder_done(&rd);
        recorder_done(&rx);
}

static void on_count(PtpsyncClient *c, int error, unsigned count, void *userdata) {
        AsyncResult *a = userdata;

        a->calls++;
        a->error = error;
        a->count = count;
}

static void on_dead_letters(PtpsyncClient *c, int error, const PtpsyncEventList *l, void *userdata) {
        AsyncResult *a = userdata;

        a->calls++;
        a->error = error;
        a->n = error < 0 ? 0 : ptpsync_event_list_get_n(l);
        a->seq = a->n > 0 ? ptpsync_event_get_seq(ptpsync_event_list_get(l, 0)) : 0;
}

static void test_verdicts(Fixture *f, gconstpointer data) {
        g_auto(AsyncResult) a = {}, purge = {};
        PtpsyncSubscribeOptions *o = NULL;
        PtpsyncEventList *l = NULL;
        PtpsyncSubscription *s;
        g_autofree char *id = NULL;
        uint64_t e1, e2, e3, e4;
        unsigned n = 0;
        Recorder r;

        recorder_init(&r, f, MODE_RETRY_FIRST);
        g_assert_cmpint(ptpsync_subscribe_options_new(&o), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_retry(o, 2), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_backoff_delay(o, "PT0.01S"), ==, 0);
        s = subscribe_active(f, LOCK_ADDRESS, o, &r);
        ptpsync_subscribe_options_free(o);

        /* RETRY: the daemon sends it again (attempt 2), which is acked. */
        e1 = inject_lock(f);
        WAIT_UNTIL(f->c, r.seqs->len == 2);
        g_assert_cmpuint(SEQ(&r, 0), ==, e1);
        g_assert_cmpuint(ATTEMPT(&r, 0), ==, 1);
        g_assert_cmpuint(SEQ(&r, 1), ==, e1);
        g_assert_cmpuint(ATTEMPT(&r, 1), ==, 2);
        WAIT_UNTIL(f->c, sub_t(f, s, "Delivered") == 1);
        g_assert_cmpuint(sub_t(f, s, "Retried"), ==, 1);

        /* REJECT: dead-lettered at once, and the daemon says so. */
        r.mode = MODE_REJECT;
        e2 = inject_lock(f);
        WAIT_UNTIL(f->c, r.dead_seqs->len == 1);
        g_assert_cmpuint(g_array_index(r.dead_seqs, uint64_t, 0), ==, e2);
        g_assert_cmpstr(r.dead_reasons->pdata[0], ==, "rejected");
        g_assert_cmpuint(count_seq(r.seqs, e2), ==, 1);

        /* RETRY every time: 1 + Retry attempts, then dead-lettered. */
        r.mode = MODE_RETRY;
        e3 = inject_lock(f);
        WAIT_UNTIL(f->c, r.dead_seqs->len == 2);
        g_assert_cmpuint(g_array_index(r.dead_seqs, uint64_t, 1), ==, e3);
        g_assert_cmpstr(r.dead_reasons->pdata[1], ==, "retries-exhausted");
        g_assert_cmpuint(count_seq(r.seqs, e3), ==, 3);
        g_assert_cmpuint(sub_t(f, s, "DeadLettered"), ==, 2);

        /* The dead letters, sync and async. */
        g_assert_cmpint(ptpsync_subscription_get_dead_letters(s, &l), ==, 0);
        g_assert_cmpuint(ptpsync_event_list_get_n(l), ==, 2);
        g_assert_cmpuint(ptpsync_event_get_seq(ptpsync_event_list_get(l, 0)), ==, e2);
        g_assert_cmpuint(ptpsync_event_get_seq(ptpsync_event_list_get(l, 1)), ==, e3);
        /* Each with why, as DeadLettered said. */
        g_assert_cmpstr(ptpsync_event_get_dead_letter_reason(ptpsync_event_list_get(l, 0)), ==,
                        r.dead_reasons->pdata[0]);
        g_assert_cmpstr(ptpsync_event_get_dead_letter_reason(ptpsync_event_list_get(l, 1)), ==, "retries-exhausted");
        ptpsync_event_list_free(l);
        g_assert_cmpint(ptpsync_subscription_get_dead_letters_async(s, on_dead_letters, &a, NULL), ==, 0);
        WAIT_UNTIL(f->c, a.calls == 1);
        g_assert_cmpint(a.error, ==, 0);
        g_assert_cmpuint(a.n, ==, 2);
        g_assert_cmpuint(a.seq, ==, e2);

        /* Redrive: both come again, from attempt 1, and are acked this time. */
        r.mode = MODE_ACK;
        g_assert_cmpint(ptpsync_subscription_redrive(s, &n), ==, 0);
        g_assert_cmpuint(n, ==, 2);
        WAIT_UNTIL(f->c, count_seq(r.seqs, e2) == 2 && count_seq(r.seqs, e3) == 4);
        g_assert_cmpuint(ATTEMPT(&r, r.seqs->len - 1), ==, 1);
        WAIT_UNTIL(f->c, sub_t(f, s, "Delivered") == 3);
        g_assert_cmpint(ptpsync_subscription_get_dead_letters(s, &l), ==, 0);
        g_assert_cmpuint(ptpsync_event_list_get_n(l), ==, 0);
        ptpsync_event_list_free(l);

        /* Purge, async; and by id (the UUID) for tools. */
        r.mode = MODE_REJECT;
        e4 = inject_lock(f);
        WAIT_UNTIL(f->c, r.dead_seqs->len == 3);
        g_assert_cmpuint(g_array_index(r.dead_seqs, uint64_t, 2), ==, e4);
        id = prop_s(f, ptpsync_subscription_get_object_path(s), "Id");
        g_assert_cmpint(ptpsync_client_get_dead_letters(f->c, id, &l), ==, 0);
        g_assert_cmpuint(ptpsync_event_list_get_n(l), ==, 1);
        ptpsync_event_list_free(l);
        g_assert_cmpint(ptpsync_subscription_purge_dead_letters_async(s, on_count, &purge, NULL), ==, 0);
        WAIT_UNTIL(f->c, purge.calls == 1);
        g_assert_cmpint(purge.error, ==, 0);
        g_assert_cmpuint(purge.count, ==, 1);
        g_assert_cmpint(ptpsync_client_redrive(f->c, id, &n), ==, 0);
        g_assert_cmpuint(n, ==, 0);
        g_assert_cmpint(ptpsync_client_purge_dead_letters(f->c, ptpsync_subscription_get_object_path(s), &n), ==, 0);
        g_assert_cmpuint(n, ==, 0);
        g_assert_cmpint(ptpsync_client_redrive(f->c, "not-an-id", &n), ==, -EINVAL);
        g_assert_cmpint(ptpsync_client_redrive(f->c, "00000000000000000000000000000000", &n), <, 0);

        ptpsync_subscription_free(s);
        recorder_done(&r);
}

typedef struct AllDeadLetters {
        int calls;
        int error;
        GArray *seqs; /* uint64_t */
        PtpsyncCall *call;
} AllDeadLetters;

static void on_all_dead_letters(PtpsyncClient *c, int error, const PtpsyncEventList *l, void *userdata) {
        AllDeadLetters *a = userdata;

        a->calls++;
        a->error = error;
        for (size_t i = 0; error >= 0 && i < ptpsync_event_list_get_n(l); i++) {
                uint64_t seq = ptpsync_event_get_seq(ptpsync_event_list_get(l, i));

                g_array_append_val(a->seqs, seq);
        }
}

/* Cancels the dead-letter call of userdata, which must not have called back yet. */
static void on_state_cancel(PtpsyncClient *c, int error, const PtpsyncEventList *l, void *userdata) {
        AllDeadLetters *x = userdata;

        g_assert_cmpint(error, ==, 0);
        g_assert_cmpint(x->calls, ==, 0);
        ptpsync_call_cancel(x->call);
        x->call = NULL;
}

static void assert_consecutive(const PtpsyncEventList *l, size_t n, uint64_t first) {
        g_assert_cmpuint(ptpsync_event_list_get_n(l), ==, n);
        for (size_t i = 0; i < n; i++)
                g_assert_cmpuint(ptpsync_event_get_seq(ptpsync_event_list_get(l, i)), ==, first + i);
}

/* More dead letters than the daemon gives in one call (1000): the library pages, blocking and async. */
static void test_dead_letter_pages(Fixture *f, gconstpointer data) {
        AllDeadLetters a = { .seqs = g_array_new(false, false, sizeof(uint64_t)) };
        AllDeadLetters cancelled = { .seqs = g_array_new(false, false, sizeof(uint64_t)) };
        PtpsyncSubscribeOptions *o = NULL;
        PtpsyncEventList *l = NULL;
        PtpsyncSubscription *s;
        g_autofree char *id = NULL;
        PtpsyncCall *call = NULL;
        uint64_t first;
        Recorder r;

        /* The first event stays in flight (deferred, never answered); the backlog of 1 pushes out the rest. */
        recorder_init(&r, f, MODE_DEFER);
        g_assert_cmpint(ptpsync_subscribe_options_new(&o), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_queue_limit(o, 1), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_ack_timeout(o, UINT64_C(3600) * 1000000), ==, 0);
        s = subscribe_active(f, LOCK_ADDRESS, o, &r);
        ptpsync_subscribe_options_free(o);

        first = inject_lock(f) + 1;
        WAIT_UNTIL(f->c, r.seqs->len == 1);
        test_inject_lock_events(f->env.client, &f->env.injected, 1201);
        WAIT_UNTIL(f->c, sub_t(f, s, "DeadLettered") == 1200);

        g_assert_cmpint(ptpsync_subscription_get_dead_letters(s, &l), ==, 0);
        assert_consecutive(l, 1200, first);
        ptpsync_event_list_free(l);
        id = prop_s(f, ptpsync_subscription_get_object_path(s), "Id");
        g_assert_cmpint(ptpsync_client_get_dead_letters(f->c, id, &l), ==, 0);
        assert_consecutive(l, 1200, first);
        ptpsync_event_list_free(l);

        /* Async: one handler call with all of them; a cancelled one never calls back. */
        g_assert_cmpint(ptpsync_subscription_get_dead_letters_async(s, on_all_dead_letters, &cancelled, &call), ==, 0);
        g_assert_cmpint(ptpsync_subscription_get_dead_letters_async(s, on_all_dead_letters, &a, NULL), ==, 0);
        ptpsync_call_cancel(call);
        WAIT_UNTIL(f->c, a.calls > 0);
        g_assert_cmpint(a.calls, ==, 1);
        g_assert_cmpint(a.error, ==, 0);
        g_assert_cmpuint(a.seqs->len, ==, 1200);
        for (guint i = 0; i < a.seqs->len; i++)
                g_assert_cmpuint(g_array_index(a.seqs, uint64_t, i), ==, first + i);
        g_assert_cmpint(cancelled.calls, ==, 0);

        /*
         * Cancelled with its second page in flight: GetCurrentState, sent right after the first page's
         * call, is answered after it, once the library has asked for the second page.
         */
        a.calls = 0;
        g_array_set_size(a.seqs, 0);
        g_assert_cmpint(ptpsync_subscription_get_dead_letters_async(s, on_all_dead_letters, &cancelled,
                                                                    &cancelled.call), ==, 0);
        g_assert_cmpint(ptpsync_client_get_state_async(f->c, LOCK_ADDRESS, on_state_cancel, &cancelled, NULL), ==, 0);
        WAIT_UNTIL(f->c, !cancelled.call);
        /* Replies come in order: once this one is in, the cancelled page's reply came and was dropped. */
        g_assert_cmpint(ptpsync_subscription_get_dead_letters_async(s, on_all_dead_letters, &a, NULL), ==, 0);
        WAIT_UNTIL(f->c, a.calls > 0);
        g_assert_cmpint(a.error, ==, 0);
        g_assert_cmpuint(a.seqs->len, ==, 1200);
        g_assert_cmpint(cancelled.calls, ==, 0);

        ptpsync_subscription_free(s);
        recorder_done(&r);
        g_array_unref(a.seqs);
        g_array_unref(cancelled.seqs);
}

static void test_ordered(Fixture *f, gconstpointer data) {
        PtpsyncSubscribeOptions *o = NULL;
        PtpsyncSubscription *s, *race;
        Recorder r, rr;
        uint64_t last = 0, e6, e7, e8, e9, e10, e11;

        recorder_init(&r, f, MODE_ACK);
        s = subscribe_active(f, LOCK_ADDRESS, NULL, &r); /* ordered by default */

        /* In order, once each, and the daemon's cursor at the last. */
        for (unsigned i = 0; i < 5; i++)
                last = inject_lock(f);
        WAIT_UNTIL(f->c, r.seqs->len == 5);
        for (guint i = 0; i < 5; i++) {
                g_assert_cmpuint(ATTEMPT(&r, i), ==, 1);
                if (i > 0)
                        g_assert_cmpuint(SEQ(&r, i), >, SEQ(&r, i - 1));
        }
        g_assert_cmpuint(SEQ(&r, 4), ==, last);
        WAIT_UNTIL(f->c, sub_t(f, s, "AckedSequence") == last);
        g_assert_cmpuint(sub_t(f, s, "Delivered"), ==, 5);
        g_assert_cmpuint(sub_u(f, s, "InFlight"), ==, 0);

        /* Deferred: nothing behind it moves until the ack. */
        r.mode = MODE_DEFER;
        e6 = inject_lock(f);
        e7 = inject_lock(f);
        WAIT_UNTIL(f->c, r.seqs->len == 6);
        g_assert_cmpuint(SEQ(&r, 5), ==, e6);
        WAIT_UNTIL(f->c, sub_u(f, s, "InFlight") == 1 && sub_u(f, s, "Pending") == 1);
        g_assert_cmpuint(r.seqs->len, ==, 6);
        r.mode = MODE_ACK;
        g_assert_cmpint(ptpsync_subscription_ack(s, e6), ==, 0);
        WAIT_UNTIL(f->c, r.seqs->len == 7);
        g_assert_cmpuint(SEQ(&r, 6), ==, e7);
        WAIT_UNTIL(f->c, sub_t(f, s, "AckedSequence") == e7);

        /* Cumulative: acking the later seq acknowledges the one before it too. */
        r.mode = MODE_DEFER;
        e8 = inject_lock(f);
        e9 = inject_lock(f);
        WAIT_UNTIL(f->c, r.seqs->len == 8 && sub_u(f, s, "Pending") == 1);
        g_assert_cmpuint(SEQ(&r, 7), ==, e8);
        g_assert_cmpint(ptpsync_subscription_ack(s, e9), ==, 0);
        WAIT_UNTIL(f->c, sub_t(f, s, "AckedSequence") == e9);
        g_assert_cmpuint(sub_t(f, s, "Delivered"), ==, 9);
        g_assert_cmpuint(sub_u(f, s, "Pending"), ==, 0);
        g_assert_cmpuint(sub_u(f, s, "InFlight"), ==, 0);
        g_assert_cmpuint(count_seq(r.seqs, e9), ==, 0);
        g_assert_cmpint(ptpsync_subscription_nack(s, e9, true), ==, 0); /* stale: harmless */

        /*
         * An Ack that crosses the daemon's AckTimeout: the redelivery of the event
         * acked last is acked again by the library, without a second handler call.
         */
        ptpsync_subscription_free(s);
        recorder_init(&rr, f, MODE_WAIT_RETRIED);
        g_assert_cmpint(ptpsync_subscribe_options_new(&o), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_ack_timeout(o, 100000), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_backoff_delay(o, "PT0S"), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_retry(o, 50), ==, 0);
        race = subscribe_active(f, LOCK_ADDRESS, o, &rr);
        ptpsync_subscribe_options_free(o);
        e10 = inject_lock(f);
        WAIT_UNTIL(f->c, rr.seqs->len == 1);
        g_assert_cmpuint(SEQ(&rr, 0), ==, e10);
        WAIT_UNTIL(f->c, sub_t(f, race, "Delivered") == 1);
        g_assert_cmpuint(sub_t(f, race, "Retried"), >=, 1);
        /* The redelivery came before this next event: by its arrival it has been handled. */
        rr.mode = MODE_ACK;
        e11 = inject_lock(f);
        WAIT_UNTIL(f->c, count_seq(rr.seqs, e11) == 1);
        g_assert_cmpuint(count_seq(rr.seqs, e10), ==, 1);

        ptpsync_subscription_free(race);
        recorder_done(&r);
        recorder_done(&rr);
}

static void test_cancel(Fixture *f, gconstpointer data) {
        PtpsyncSubscription *s, *t, *u;
        Recorder rs, rt, ru;
        Watched w;
        PtpsyncWatch *watch = NULL;
        g_autofree char *s_path = NULL;
        char **paths = NULL;

        recorder_init(&rs, f, MODE_ACK);
        recorder_init(&rt, f, MODE_ACK);
        recorder_init(&ru, f, MODE_ACK);
        watched_init(&w);
        s = subscribe_active(f, LOCK_ADDRESS, NULL, &rs);
        t = subscribe_active(f, LOCK_ADDRESS, NULL, &rt);
        u = subscribe_active(f, LOCK_ADDRESS, NULL, &ru);
        g_assert_cmpuint(prop_u(f, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "SubscriptionCount"), ==, 3);
        s_path = g_strdup(ptpsync_subscription_get_object_path(s));

        /* Our cancel. */
        g_assert_cmpint(ptpsync_subscription_cancel(s), ==, 0);
        WAIT_UNTIL(f->c, ptpsync_subscription_get_state(s) == PTPSYNC_SUBSCRIPTION_ENDED);
        g_assert_cmpint(rs.error, ==, 0);
        g_assert_cmpint(ptpsync_subscription_cancel(s), ==, -ESTALE);
        g_assert_cmpint(ptpsync_client_list_subscriptions(f->c, &paths), ==, 0);
        for (char **p = paths; *p; p++)
                g_assert_cmpstr(*p, !=, s_path);
        ptpsync_strv_free(paths);

        /* Someone else's (here the test's connection, same uid): heard through InterfacesRemoved. */
        g_assert_cmpint(sd_bus_call_method(f->env.client, BUS_NAME, ptpsync_subscription_get_object_path(t),
                                           SUBSCRIPTION_INTERFACE, "Cancel", NULL, NULL, ""), >=, 0);
        WAIT_UNTIL(f->c, ptpsync_subscription_get_state(t) == PTPSYNC_SUBSCRIPTION_ENDED);
        g_assert_cmpint(rt.error, ==, 0);

        /* Freeing a non-durable subscription ends it on the daemon too. */
        ptpsync_subscription_free(u);
        WAIT_UNTIL(f->c, prop_u(f, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "SubscriptionCount") == 0);

        /* Even when freed before the daemon answered: the answer, when it comes, cancels it. */
        u = subscribe(f, LOCK_ADDRESS, NULL, &ru);
        ptpsync_subscription_free(u);
        /* A blocking call goes out after the Subscribe: once it returns, the daemon made the subscription. */
        g_assert_cmpint(ptpsync_client_list_subscriptions(f->c, &paths), ==, 0);
        g_assert_cmpuint(g_strv_length(paths), ==, 1);
        ptpsync_strv_free(paths);
        WAIT_UNTIL(f->c, prop_u(f, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "SubscriptionCount") == 0);

        /* Nothing more for the ended ones: the watch hears the next event, they do not. */
        g_assert_cmpint(ptpsync_client_watch(f->c, LOCK_ADDRESS, on_watch, &w, &watch), ==, 0);
        inject_lock(f);
        WAIT_UNTIL(f->c, w.seqs->len == 1);
        g_assert_cmpuint(rs.seqs->len, ==, 0);
        g_assert_cmpuint(rt.seqs->len, ==, 0);
        g_assert_cmpuint(ru.seqs->len, ==, 0);

        ptpsync_watch_free(watch);
        ptpsync_subscription_free(s);
        ptpsync_subscription_free(t);
        watched_done(&w);
        recorder_done(&rs);
        recorder_done(&rt);
        recorder_done(&ru);
}

static void on_wait_done(PtpsyncClient *c, int error, void *userdata) {
        AsyncResult *a = userdata;

        a->calls++;
        a->error = error;
}

static gpointer inject_thread(gpointer data) {
        Fixture *f = data;
        g_autoptr(sd_bus) bus = test_bus_connect(f->env.bus);

        test_inject(bus, OS_CLOCK, "", "locked", 3);
        return NULL;
}

static void test_wait_for_state(Fixture *f, gconstpointer data) {
        g_auto(AsyncResult) a = {}, never = {};
        Watched w;
        PtpsyncWatch *watch = NULL;
        PtpsyncCall *call = NULL;
        PtpsyncEventList *l = NULL;
        GThread *thread;
        gint64 start;

        /* No data yet: a timeout, not before it is due. */
        start = g_get_monotonic_time();
        g_assert_cmpint(ptpsync_client_wait_for_state(f->c, LOCK_ADDRESS, "LOCKED", 300 * 1000), ==, -ETIMEDOUT);
        g_assert_cmpint(g_get_monotonic_time() - start, >=, 300 * 1000);
        g_assert_cmpint(ptpsync_client_wait_for_state(f->c, LOCK_ADDRESS, "LOCKED", 0), ==, -ETIMEDOUT);
        g_assert_cmpint(ptpsync_client_wait_for_state(f->c, "/cluster/node/elsewhere/x", "LOCKED", 1000000), ==,
                        -ENOENT);
        g_assert_cmpstr(ptpsync_client_last_error_name(f->c), ==, PTPSYNC_ERROR_NO_SUCH_RESOURCE);
        g_assert_cmpint(ptpsync_client_wait_for_state(f->c, "relative", "LOCKED", 1000000), ==, -ENOENT);
        g_assert_cmpint(ptpsync_client_wait_for_state(f->c, "sync//x", "LOCKED", 1000000), ==, -EINVAL);
        g_assert_cmpstr(ptpsync_client_last_error_name(f->c), ==, PTPSYNC_ERROR_INVALID_ADDRESS);
        /* A state no resource has: refused at once, naming it. */
        {
                static const char *const bad[] = { "LOCKD", "BOGUS", "locked", "256", "06", "-1", "", " LOCKED" };

                for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                        g_assert_cmpint(ptpsync_client_wait_for_state(f->c, LOCK_ADDRESS, bad[i], UINT64_MAX), ==,
                                        -EINVAL);
                        g_assert_cmpstr(ptpsync_client_last_error_name(f->c), ==,
                                        "org.freedesktop.DBus.Error.InvalidArgs");
                        g_assert_nonnull(strstr(ptpsync_client_last_error_message(f->c), "Invalid state"));
                        g_assert_cmpint(ptpsync_client_wait_for_state_async(f->c, LOCK_ADDRESS, bad[i], 0,
                                                                            on_wait_done, &a, NULL), ==, -EINVAL);
                }
                g_assert_cmpint(a.calls, ==, 0);
        }
        g_assert_cmpint(ptpsync_client_wait_for_state(f->c, LOCK_ADDRESS, "HOLDOVER", 0), ==, -ETIMEDOUT);
        g_assert_cmpint(ptpsync_client_wait_for_state(f->c, TEST_PREFIX CLOCK_CLASS, "255", 0), ==, -ETIMEDOUT);
        g_assert_cmpint(ptpsync_client_wait_for_state(f->c, TEST_PREFIX "sync", "SYNCHRONIZED", 0), ==,
                        -ETIMEDOUT);

        /* Async: FREERUN is not LOCKED; the lock is. */
        g_assert_cmpint(ptpsync_client_wait_for_state_async(f->c, LOCK_ADDRESS, "LOCKED", UINT64_MAX, on_wait_done,
                                                            &a, NULL), ==, 0);
        g_assert_cmpint(ptpsync_client_wait_for_state_async(f->c, LOCK_ADDRESS, "HOLDOVER", UINT64_MAX,
                                                            on_wait_done, &never, &call), ==, 0);
        watched_init(&w);
        g_assert_cmpint(ptpsync_client_watch(f->c, LOCK_ADDRESS, on_watch, &w, &watch), ==, 0);
        test_inject(f->env.client, LOCK, "ens1f0", "unlocked", 500); /* never locked: FREERUN */
        WAIT_UNTIL(f->c, w.seqs->len == 1);
        /*
         * The wait asked again on that event. A blocking call on the same connection goes out after
         * that question, so once it returns the answer is here too: dispatch it. FREERUN: no match.
         */
        g_assert_cmpint(ptpsync_client_get_state(f->c, LOCK_ADDRESS, &l), ==, 0);
        g_assert_cmpstr(ptpsync_event_get_state(ptpsync_event_list_get(l, 0)), ==, "FREERUN");
        ptpsync_event_list_free(l);
        while (ptpsync_client_process(f->c) > 0)
                ;
        g_assert_cmpint(a.calls, ==, 0);
        test_inject(f->env.client, CLOCK_CLASS, "ens1f0", "6", 0);
        test_inject(f->env.client, LOCK, "ens1f0", "locked", 5);
        WAIT_UNTIL(f->c, a.calls == 1);
        g_assert_cmpint(a.error, ==, 0);
        g_assert_cmpuint(w.seqs->len, ==, 2);
        g_assert_cmpint(never.calls, ==, 0);
        ptpsync_call_cancel(call);

        /* Already there: at once, even with timeout 0. */
        g_assert_cmpint(ptpsync_client_wait_for_state(f->c, LOCK_ADDRESS, "LOCKED", 0), ==, 0);
        /* A clock class, which has no notification value. */
        g_assert_cmpint(ptpsync_client_wait_for_state(f->c, TEST_PREFIX CLOCK_CLASS, "6", 0), ==, 0);
        /* A prefix: every resource with data must be in the state (clock-class is "6"). */
        g_assert_cmpint(ptpsync_client_wait_for_state(f->c, TEST_PREFIX "sync/ptp-status", "LOCKED", 0), ==,
                        -ETIMEDOUT);

        /* Blocking: the overall state locks once the system clock does, injected meanwhile from a thread. */
        thread = g_thread_new("inject", inject_thread, f);
        g_assert_cmpint(ptpsync_client_wait_for_state(f->c, TEST_PREFIX "sync/sync-status/sync-state", "LOCKED",
                                                      TEST_TIMEOUT_USEC), ==, 0);
        g_thread_join(thread);

        /* From a callback: refused. */
        w.c = f->c;
        f->env.injected = 1; /* the next is "unlocked": HOLDOVER */
        inject_lock(f);
        WAIT_UNTIL(f->c, w.seqs->len == 3);
        g_assert_cmpint(w.nested, ==, -EBUSY);

        ptpsync_watch_free(watch);
        watched_done(&w);
}

typedef struct Owners {
        GPtrArray *seen; /* char*, "" for none */
} Owners;

static void on_daemon(PtpsyncClient *c, const char *owner, void *userdata) {
        Owners *o = userdata;

        g_ptr_array_add(o->seen, g_strdup(owner ?: ""));
}

static void test_restart(Fixture *f, gconstpointer data) {
        PtpsyncSubscribeOptions *o = NULL;
        PtpsyncSubscription *d, *n, *d2, *n2;
        g_auto(AsyncResult) waited = {};
        g_autofree char *old_owner = NULL, *new_owner = NULL, *d_path = NULL;
        Owners owners = { .seen = g_ptr_array_new_with_free_func(g_free) };
        Recorder rd, rn, rd2, rn2;
        uint64_t e1, e2;

        recorder_init(&rd, f, MODE_ACK);
        recorder_init(&rn, f, MODE_ACK);
        recorder_init(&rd2, f, MODE_ACK);
        recorder_init(&rn2, f, MODE_ACK);
        ptpsync_client_set_daemon_handler(f->c, on_daemon, &owners);
        old_owner = g_strdup(ptpsync_client_get_daemon_owner(f->c));

        g_assert_cmpint(ptpsync_subscribe_options_new(&o), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_name(o, "lib-durable"), ==, 0);
        d = subscribe_active(f, LOCK_ADDRESS, o, &rd);
        ptpsync_subscribe_options_free(o);
        n = subscribe_active(f, LOCK_ADDRESS, NULL, &rn);
        d_path = g_strdup(ptpsync_subscription_get_object_path(d));
        e1 = inject_lock(f);
        WAIT_UNTIL(f->c, rd.seqs->len == 1 && rn.seqs->len == 1);
        WAIT_UNTIL(f->c, sub_t(f, d, "AckedSequence") == e1);
        /* Waiting across the restart: the system clock has no data before it. */
        g_assert_cmpint(ptpsync_client_wait_for_state_async(f->c, TEST_PREFIX OS_CLOCK, "LOCKED", UINT64_MAX,
                                                            on_wait_done, &waited, NULL), ==, 0);

        test_env_daemon_stop(&f->env);
        f->env.daemon = NULL;
        WAIT_UNTIL(f->c, ptpsync_subscription_get_state(n) == PTPSYNC_SUBSCRIPTION_ENDED &&
                   ptpsync_subscription_get_state(d) == PTPSYNC_SUBSCRIPTION_DETACHED);
        g_assert_cmpint(rn.error, ==, -ECONNRESET);
        g_assert_null(ptpsync_client_get_daemon_owner(f->c));
        g_assert_cmpint(ptpsync_subscription_cancel(d), ==, -ENOTCONN);
        g_assert_cmpint(ptpsync_subscription_ack(d, e1), ==, -ENOTCONN);

        /* Subscribing meanwhile: a durable one waits for the daemon, another fails. */
        g_assert_cmpint(ptpsync_subscribe_options_new(&o), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_name(o, "lib-early"), ==, 0);
        d2 = subscribe(f, LOCK_ADDRESS, o, &rd2);
        ptpsync_subscribe_options_free(o);
        n2 = subscribe(f, LOCK_ADDRESS, NULL, &rn2);
        WAIT_UNTIL(f->c, ptpsync_subscription_get_state(d2) == PTPSYNC_SUBSCRIPTION_DETACHED &&
                   ptpsync_subscription_get_state(n2) == PTPSYNC_SUBSCRIPTION_ENDED);
        g_assert_cmpint(rd2.error, ==, -EHOSTUNREACH);
        g_assert_cmpstr(rd2.error_name, ==, "org.freedesktop.DBus.Error.ServiceUnknown");
        g_assert_cmpint(rn2.error, ==, -EHOSTUNREACH);

        test_env_daemon_start(&f->env);
        WAIT_UNTIL(f->c, ptpsync_subscription_get_state(d) == PTPSYNC_SUBSCRIPTION_ACTIVE &&
                   ptpsync_subscription_get_state(d2) == PTPSYNC_SUBSCRIPTION_ACTIVE);
        g_assert_cmpuint(ptpsync_subscription_get_n_attached(d), ==, 2);
        g_assert_cmpuint(ptpsync_subscription_get_n_attached(d2), ==, 1);
        g_assert_cmpstr(ptpsync_subscription_get_object_path(d), ==, d_path); /* the same subscription */
        new_owner = daemon_unique_name(f);
        g_assert_cmpstr(ptpsync_client_get_daemon_owner(f->c), ==, new_owner);
        g_assert_cmpstr(new_owner, !=, old_owner);
        assert_prop_s(f, d_path, "Owner", ptpsync_client_get_unique_name(f->c));
        /* DETACHED, then PENDING, then ACTIVE again. */
        g_assert_cmpuint(rd.states->len, >=, 3);
        g_assert_cmpint(g_array_index(rd.states, PtpsyncSubscriptionState, rd.states->len - 3), ==,
                        PTPSYNC_SUBSCRIPTION_DETACHED);
        g_assert_cmpint(g_array_index(rd.states, PtpsyncSubscriptionState, rd.states->len - 2), ==,
                        PTPSYNC_SUBSCRIPTION_PENDING);
        g_assert_cmpint(g_array_index(rd.states, PtpsyncSubscriptionState, rd.states->len - 1), ==,
                        PTPSYNC_SUBSCRIPTION_ACTIVE);
        /* The daemon handler heard it go and come. */
        g_assert_cmpuint(owners.seen->len, ==, 2);
        g_assert_cmpstr(owners.seen->pdata[0], ==, "");
        g_assert_cmpstr(owners.seen->pdata[1], ==, new_owner);

        /* Still receiving, from the new daemon; the non-durable one not. */
        e2 = inject_lock(f);
        g_assert_cmpuint(e2, >, e1);
        WAIT_UNTIL(f->c, count_seq(rd.seqs, e2) == 1 && count_seq(rd2.seqs, e2) == 1);
        g_assert_cmpuint(count_seq(rd.seqs, e1), ==, 1);
        g_assert_cmpuint(rn.seqs->len, ==, 1);
        WAIT_UNTIL(f->c, sub_t(f, d, "AckedSequence") == e2);

        /* The wait that spanned the restart. */
        g_assert_cmpint(waited.calls, ==, 0);
        test_inject(f->env.client, OS_CLOCK, "", "locked", 2);
        WAIT_UNTIL(f->c, waited.calls == 1);
        g_assert_cmpint(waited.error, ==, 0);

        /* The durable one ends only when cancelled. */
        g_assert_cmpint(ptpsync_subscription_cancel(d), ==, 0);
        WAIT_UNTIL(f->c, ptpsync_subscription_get_state(d) == PTPSYNC_SUBSCRIPTION_ENDED);
        ptpsync_subscription_free(d);
        ptpsync_subscription_free(n);
        ptpsync_subscription_free(d2);
        ptpsync_subscription_free(n2);
        ptpsync_client_set_daemon_handler(f->c, NULL, NULL);
        g_ptr_array_unref(owners.seen);
        recorder_done(&rd);
        recorder_done(&rn);
        recorder_done(&rd2);
        recorder_done(&rn2);
}

static void on_daemon_node(PtpsyncClient *c, const char *owner, void *userdata) {
        Owners *o = userdata;

        /* The node name is known by the time the handler hears of a new owner. */
        g_ptr_array_add(o->seen, g_strdup(owner ? ptpsync_client_get_node_name(c) : ""));
}

/* Relative addresses, resolved against the node name: with the daemon up, and when it comes after the client. */
static void test_relative(Fixture *f, gconstpointer data) {
        g_auto(AsyncResult) waited = {}, state = {}, absent = {}, once = {};
        Owners owners = { .seen = g_ptr_array_new_with_free_func(g_free) };
        PtpsyncSubscribeOptions *o = NULL;
        PtpsyncSubscription *d = NULL, *n = NULL;
        PtpsyncEventList *l = NULL;
        PtpsyncWatch *watch = NULL;
        PtpsyncClient *c = NULL;
        Recorder rd, rn;
        Watched w;

        /* The daemon is up: the name is known, and every call that takes an address takes a relative one. */
        g_assert_cmpstr(ptpsync_client_get_node_name(f->c), ==, TEST_NODE_NAME);
        test_inject(f->env.client, LOCK, "ens1f0", "locked", -12);
        g_assert_cmpint(ptpsync_client_get_state(f->c, LOCK, &l), ==, 0);
        g_assert_cmpstr(ptpsync_event_get_source(ptpsync_event_list_get(l, 0)), ==, LOCK_ADDRESS);
        ptpsync_event_list_free(l);
        g_assert_cmpint(ptpsync_client_get_state_async(f->c, LOCK, on_state_reply, &state, NULL), ==, 0);
        WAIT_UNTIL(f->c, state.calls == 1);
        g_assert_cmpint(state.error, ==, 0);
        g_assert_cmpstr(state.state, ==, "LOCKED");
        g_assert_cmpint(ptpsync_client_wait_for_state(f->c, LOCK, "LOCKED", 0), ==, 0);
        g_assert_cmpint(ptpsync_client_wait_for_state(f->c, "sync/ptp-status/", "LOCKED", 0), ==, 0); /* a prefix */

        /* No daemon, and a client that comes before it. */
        test_env_daemon_stop(&f->env);
        f->env.daemon = NULL;
        g_assert_cmpint(ptpsync_client_new(&c, f->env.bus->address), ==, 0);
        ptpsync_client_set_daemon_handler(c, on_daemon_node, &owners);
        g_assert_null(ptpsync_client_get_node_name(c));
        /* A look at the current state of no daemon: not in the state. */
        g_assert_cmpint(ptpsync_client_wait_for_state(c, LOCK, "LOCKED", 0), ==, -ETIMEDOUT);
        g_assert_cmpint(ptpsync_client_wait_for_state_async(c, LOCK, "LOCKED", 0, on_wait_done, &once, NULL), ==, 0);
        g_assert_cmpint(ptpsync_client_wait_for_state_async(c, LOCK, "LOCKED", UINT64_MAX, on_wait_done, &waited,
                                                            NULL), ==, 0);
        g_assert_cmpint(ptpsync_client_get_state_async(c, LOCK, on_state_reply, &absent, NULL), ==, 0);
        g_assert_cmpint(ptpsync_client_get_state(c, LOCK, &l), ==, -EHOSTUNREACH);
        watched_init(&w);
        g_assert_cmpint(ptpsync_client_watch(c, "sync/ptp-status", on_watch, &w, &watch), ==, 0);
        g_assert_cmpint(ptpsync_client_watch(c, "sync//x", on_watch, &w, &watch), ==, -EINVAL);
        recorder_init(&rd, f, MODE_ACK);
        recorder_init(&rn, f, MODE_ACK);
        g_assert_cmpint(ptpsync_subscribe_options_new(&o), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_name(o, "lib-relative"), ==, 0);
        g_assert_cmpint(ptpsync_client_subscribe(c, LOCK, o, on_sub_event, &rd, &d), ==, 0);
        ptpsync_subscribe_options_free(o);
        ptpsync_subscription_set_state_handler(d, on_sub_state);
        g_assert_cmpint(ptpsync_client_subscribe(c, LOCK, NULL, on_sub_event, &rn, &n), ==, 0);
        ptpsync_subscription_set_state_handler(n, on_sub_state);
        g_assert_cmpint(ptpsync_client_subscribe(c, "sync//x", NULL, on_sub_event, &rn, &n), ==, -EINVAL);
        g_assert_cmpstr(ptpsync_client_last_error_name(c), ==, PTPSYNC_ERROR_INVALID_ADDRESS);
        /* As with a full address: the durable one waits, the other ends; a call fails. */
        WAIT_UNTIL(c, once.calls == 1 && absent.calls == 1 &&
                   ptpsync_subscription_get_state(d) == PTPSYNC_SUBSCRIPTION_DETACHED &&
                   ptpsync_subscription_get_state(n) == PTPSYNC_SUBSCRIPTION_ENDED);
        g_assert_cmpint(once.error, ==, -ETIMEDOUT);
        g_assert_cmpint(absent.error, ==, -EHOSTUNREACH);
        g_assert_cmpint(rd.error, ==, -EHOSTUNREACH);
        g_assert_cmpint(rn.error, ==, -EHOSTUNREACH);
        g_assert_cmpstr(rn.error_name, ==, "org.freedesktop.DBus.Error.ServiceUnknown");
        g_assert_cmpint(waited.calls, ==, 0);

        /* The daemon comes: the name is read, the durable subscription made with the full address. */
        test_env_daemon_start(&f->env);
        WAIT_UNTIL(c, ptpsync_client_get_node_name(c) &&
                   ptpsync_subscription_get_state(d) == PTPSYNC_SUBSCRIPTION_ACTIVE);
        g_assert_cmpstr(ptpsync_client_get_node_name(c), ==, TEST_NODE_NAME);
        g_assert_cmpuint(owners.seen->len, ==, 1);
        g_assert_cmpstr(owners.seen->pdata[0], ==, TEST_NODE_NAME);
        assert_prop_s(f, ptpsync_subscription_get_object_path(d), "Address", LOCK_ADDRESS);
        g_assert_cmpstr(ptpsync_subscription_get_address(d), ==, LOCK);

        test_inject(f->env.client, LOCK, "ens1f0", "locked", 3);
        WAIT_UNTIL(c, waited.calls == 1 && rd.seqs->len >= 1 && w.seqs->len >= 1);
        g_assert_cmpint(waited.error, ==, 0);
        g_assert_cmpstr(w.sources->pdata[0], ==, LOCK_ADDRESS);

        g_assert_cmpint(ptpsync_subscription_cancel(d), ==, 0);
        WAIT_UNTIL(c, ptpsync_subscription_get_state(d) == PTPSYNC_SUBSCRIPTION_ENDED);
        ptpsync_subscription_free(d);
        ptpsync_subscription_free(n);
        ptpsync_watch_free(watch);
        ptpsync_client_free(c);
        watched_done(&w);
        recorder_done(&rd);
        recorder_done(&rn);
        g_ptr_array_unref(owners.seen);
}

static void test_by_hand(Fixture *f, gconstpointer data) {
        g_auto(AsyncResult) a = {};
        PtpsyncResourceList *resources = NULL;
        PtpsyncCall *call = NULL;
        Watched w;
        PtpsyncWatch *watch = NULL;
        uint64_t until, now;
        int r;

        /* The library's own timer shows in the timeout. */
        g_assert_cmpint(ptpsync_client_wait_for_state_async(f->c, LOCK_ADDRESS, "LOCKED", 5 * G_USEC_PER_SEC,
                                                            on_wait_done, &a, &call), ==, 0);
        now = (uint64_t) g_get_monotonic_time();
        g_assert_cmpint(ptpsync_client_get_timeout(f->c, &until), ==, 0);
        g_assert_cmpuint(until, <=, now + 5 * G_USEC_PER_SEC);
        g_assert_cmpuint(until, >, now + 4 * G_USEC_PER_SEC);
        ptpsync_call_cancel(call);
        g_assert_cmpint(a.calls, ==, 0);

        /* A short one runs out on ptpsync_client_wait() and process() alone. */
        g_assert_cmpint(ptpsync_client_wait_for_state_async(f->c, LOCK_ADDRESS, "LOCKED", 20 * 1000, on_wait_done,
                                                            &a, NULL), ==, 0);
        while (a.calls == 0) {
                r = ptpsync_client_process(f->c);
                g_assert_cmpint(r, >=, 0);
                if (r == 0)
                        g_assert_cmpint(ptpsync_client_wait(f->c, TEST_TIMEOUT_USEC), >, 0);
        }
        g_assert_cmpint(a.error, ==, -ETIMEDOUT);
        g_assert_cmpstr(ptpsync_client_last_error_name(f->c), ==, "org.freedesktop.DBus.Error.Timeout");

        /*
         * ptpsync_client_wait() returns 0 on its own timeout when nothing is there. The timed-out
         * wait's GetCurrentState may still be answered (late, with the daemon under valgrind): a
         * blocking call's reply comes after it, and the process() loop then eats both.
         */
        g_assert_cmpint(ptpsync_client_list_resources(f->c, &resources), ==, 0);
        ptpsync_resource_list_free(resources);
        while (ptpsync_client_process(f->c) > 0)
                ;
        g_assert_cmpint(ptpsync_client_wait(f->c, 10 * 1000), ==, 0);

        /* An event through poll() on the fd. */
        watched_init(&w);
        g_assert_cmpint(ptpsync_client_watch(f->c, NULL, on_watch, &w, &watch), ==, 0);
        inject_lock(f);
        WAIT_UNTIL(f->c, w.seqs->len == 1);
        ptpsync_watch_free(watch);
        watched_done(&w);
}

static void test_sd_event(Fixture *f, gconstpointer data) {
        g_auto(AsyncResult) a = {};
        sd_event *e = NULL;
        Recorder r;
        PtpsyncSubscription *s;
        gint64 deadline;
        uint64_t seq;

        recorder_init(&r, f, MODE_ACK);
        g_assert_cmpint(sd_event_new(&e), >=, 0);
        g_assert_cmpint(ptpsync_client_attach_event(f->c, e, SD_EVENT_PRIORITY_NORMAL), ==, 0);
        g_assert_cmpint(ptpsync_client_attach_event(f->c, e, 0), ==, -EBUSY);

        g_assert_cmpint(ptpsync_client_subscribe(f->c, LOCK_ADDRESS, NULL, on_sub_event, &r, &s), ==, 0);
        ptpsync_subscription_set_state_handler(s, on_sub_state);
        deadline = g_get_monotonic_time() + TEST_TIMEOUT_USEC;
        while (ptpsync_subscription_get_state(s) != PTPSYNC_SUBSCRIPTION_ACTIVE) {
                g_assert_cmpint(g_get_monotonic_time(), <, deadline);
                g_assert_cmpint(sd_event_run(e, TEST_POLL_USEC), >=, 0);
        }
        seq = inject_lock(f);
        /* The timer path: a wait that runs out, on the sd_event's clock. */
        g_assert_cmpint(ptpsync_client_wait_for_state_async(f->c, TEST_PREFIX OS_CLOCK, "LOCKED", 50 * 1000,
                                                            on_wait_done, &a, NULL), ==, 0);
        while (r.seqs->len < 1 || a.calls == 0) {
                g_assert_cmpint(g_get_monotonic_time(), <, deadline);
                g_assert_cmpint(sd_event_run(e, TEST_POLL_USEC), >=, 0);
        }
        g_assert_cmpuint(SEQ(&r, 0), ==, seq);
        g_assert_cmpint(a.error, ==, -ETIMEDOUT);
        WAIT_UNTIL(f->c, sub_t(f, s, "Delivered") == 1);

        g_assert_cmpint(ptpsync_client_detach_event(f->c), ==, 0);
        g_assert_cmpint(ptpsync_client_detach_event(f->c), ==, -ENXIO);
        /* By hand again after detaching. */
        seq = inject_lock(f);
        WAIT_UNTIL(f->c, r.seqs->len == 2);
        g_assert_cmpuint(SEQ(&r, 1), ==, seq);

        ptpsync_subscription_free(s);
        sd_event_unref(e);
        recorder_done(&r);
}

static gboolean on_deadline(gpointer data) {
        g_error("GLib main loop: deadline passed");
        return G_SOURCE_REMOVE;
}

static void test_glib(Fixture *f, gconstpointer data) {
        g_auto(AsyncResult) state = {}, waited = {};
        GMainContext *ctx = g_main_context_new();
        GSource *deadline = g_timeout_source_new_seconds(TEST_TIMEOUT_USEC / G_USEC_PER_SEC);
        Watched w;
        PtpsyncWatch *watch = NULL;
        uint64_t seq;

        g_source_set_callback(deadline, on_deadline, NULL, NULL);
        g_source_attach(deadline, ctx);
        g_main_context_push_thread_default(ctx);
        g_assert_cmpuint(ptpsync_glib_attach(f->c, NULL), >, 0);

        watched_init(&w);
        g_assert_cmpint(ptpsync_client_watch(f->c, LOCK_ADDRESS, on_watch, &w, &watch), ==, 0);
        seq = inject_lock(f);
        g_assert_cmpint(ptpsync_client_get_state_async(f->c, LOCK_ADDRESS, on_state_reply, &state, NULL), ==, 0);
        g_assert_cmpint(ptpsync_client_wait_for_state_async(f->c, TEST_PREFIX OS_CLOCK, "LOCKED", 50 * 1000,
                                                            on_wait_done, &waited, NULL), ==, 0);
        while (w.seqs->len < 1 || state.calls == 0 || waited.calls == 0)
                g_main_context_iteration(ctx, true);
        g_assert_cmpuint(g_array_index(w.seqs, uint64_t, 0), ==, seq);
        g_assert_cmpint(state.error, ==, 0);
        g_assert_cmpuint(state.seq, ==, seq);
        g_assert_cmpint(waited.error, ==, -ETIMEDOUT);

        g_main_context_pop_thread_default(ctx);
        g_source_destroy(deadline);
        g_source_unref(deadline);
        ptpsync_watch_free(watch);
        watched_done(&w);
        /* Destroying the context destroys the library's source, before the client goes. */
        g_main_context_unref(ctx);
}

/* A signal from the forger shaped like the daemon's Event; to dest, or broadcast when NULL. */
static void forge_event(sd_bus *forger, const char *path, const char *interface, const char *dest, uint64_t seq,
                        bool attempt) {
        sd_bus_message *m = NULL;

        g_assert_cmpint(sd_bus_message_new_signal(forger, &m, path, interface, "Event"), >=, 0);
        if (dest)
                g_assert_cmpint(sd_bus_message_set_destination(m, dest), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "tsssx", seq, "00000000-0000-4000-8000-000000000000",
                                              "event.sync.ptp-status.ptp-state-change", LOCK_ADDRESS,
                                              (int64_t) 1), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "a(ssss)", 1, "ens1fx/master", "notification", "enumeration",
                                              "LOCKED"), >=, 0);
        if (attempt)
                g_assert_cmpint(sd_bus_message_append(m, "u", 1), >=, 0);
        g_assert_cmpint(sd_bus_send(forger, m, NULL), >=, 0);
        sd_bus_message_unref(m);
}

static void test_forged(Fixture *f, gconstpointer data) {
        g_autoptr(sd_bus) forger = test_bus_connect(f->env.bus);
        g_autofree char *owner = g_strdup(ptpsync_client_get_daemon_owner(f->c));
        const char *me = ptpsync_client_get_unique_name(f->c), *forger_name = NULL, *path;
        g_auto(AsyncResult) waited = {};
        PtpsyncSubscription *s;
        sd_bus_message *m = NULL;
        PtpsyncWatch *watch = NULL;
        uint64_t forged_before, real;
        Recorder r;
        Watched w;

        recorder_init(&r, f, MODE_ACK);
        watched_init(&w);
        g_assert_cmpint(ptpsync_client_watch(f->c, NULL, on_watch, &w, &watch), ==, 0);
        s = subscribe_active(f, LOCK_ADDRESS, NULL, &r);
        path = ptpsync_subscription_get_object_path(s);
        g_assert_cmpint(ptpsync_client_wait_for_state_async(f->c, LOCK_ADDRESS, "LOCKED", UINT64_MAX, on_wait_done,
                                                            &waited, NULL), ==, 0);
        g_assert_cmpint(sd_bus_get_unique_name(forger, &forger_name), >=, 0);
        forged_before = ptpsync_client_get_n_forged(f->c);

        /* The broadcast Event, and one sent to the library alone. */
        forge_event(forger, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, NULL, 999999, false);
        forge_event(forger, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, me, 999996, false);
        /* The subscription's Event and DeadLettered, sent to the library as the daemon would. */
        forge_event(forger, path, SUBSCRIPTION_INTERFACE, me, 999998, true);
        g_assert_cmpint(sd_bus_message_new_signal(forger, &m, path, SUBSCRIPTION_INTERFACE, "DeadLettered"), >=, 0);
        g_assert_cmpint(sd_bus_message_set_destination(m, me), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "ts", (uint64_t) 999997, "rejected"), >=, 0);
        g_assert_cmpint(sd_bus_send(forger, m, NULL), >=, 0);
        m = sd_bus_message_unref(m);
        /* An InterfacesRemoved that would end the subscription. */
        g_assert_cmpint(sd_bus_message_new_signal(forger, &m, MANAGER_OBJECT_PATH, "org.freedesktop.DBus.ObjectManager",
                                                  "InterfacesRemoved"), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "oas", path, 1, SUBSCRIPTION_INTERFACE), >=, 0);
        g_assert_cmpint(sd_bus_send(forger, m, NULL), >=, 0);
        m = sd_bus_message_unref(m);
        /* A NameOwnerChanged, sent to the library, claiming org.ptpsync1 for the forger; then its Event. */
        g_assert_cmpint(sd_bus_message_new_signal(forger, &m, "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                                  "NameOwnerChanged"), >=, 0);
        g_assert_cmpint(sd_bus_message_set_destination(m, me), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "sss", BUS_NAME, owner, forger_name), >=, 0);
        g_assert_cmpint(sd_bus_send(forger, m, NULL), >=, 0);
        m = sd_bus_message_unref(m);
        forge_event(forger, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, NULL, 999995, false);
        /* Once the bus has answered the forger, it has routed all of that to the library. */
        g_assert_cmpint(sd_bus_call_method(forger, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "GetId", NULL, NULL, ""), >=, 0);

        /* Then a real event, which arrives after all of them. */
        real = inject_lock(f);
        WAIT_UNTIL(f->c, w.seqs->len >= 1 && r.seqs->len >= 1 && waited.calls == 1);
        g_assert_cmpuint(w.seqs->len, ==, 1);
        g_assert_cmpuint(g_array_index(w.seqs, uint64_t, 0), ==, real);
        g_assert_cmpuint(r.seqs->len, ==, 1);
        g_assert_cmpuint(SEQ(&r, 0), ==, real);
        g_assert_cmpuint(r.dead_seqs->len, ==, 0);
        g_assert_cmpint(waited.error, ==, 0);
        g_assert_cmpint(ptpsync_subscription_get_state(s), ==, PTPSYNC_SUBSCRIPTION_ACTIVE);
        g_assert_cmpstr(ptpsync_client_get_daemon_owner(f->c), ==, owner);
        /* They did reach the library, and were dropped there: the two Events, the subscription's two,
         * InterfacesRemoved, and the Event after the false NameOwnerChanged. */
        g_assert_cmpuint(ptpsync_client_get_n_forged(f->c) - forged_before, >=, 6);

        ptpsync_watch_free(watch);
        ptpsync_subscription_free(s);
        watched_done(&w);
        recorder_done(&r);
}

typedef struct Counted {
        unsigned calls, errors, no_reply;
} Counted;

static void on_counted_resources(PtpsyncClient *c, int error, const PtpsyncResourceList *l, void *userdata) {
        Counted *n = userdata;

        n->calls++;
        n->errors += error < 0;
        n->no_reply += error < 0 && g_strcmp0(ptpsync_client_last_error_name(c), SD_BUS_ERROR_NO_REPLY) == 0;
}

static void on_counted_string(PtpsyncClient *c, int error, const char *value, void *userdata) {
        Counted *n = userdata;

        n->calls++;
        n->errors += error < 0;
}

/*
 * The bus itself goes away: every subscription ends, durable or not, and process() reports it.
 * Calls still out and those waiting their turn alike end with NoReply.
 */
static void test_disconnect(void) {
        TestBus *bus = test_bus_start();
        TestDaemon *daemon = test_daemon_start(bus, NULL);
        PtpsyncSubscribeOptions *o = NULL;
        PtpsyncSubscription *d;
        PtpsyncClient *c = NULL;
        Counted lists = {};
        gint64 deadline;
        Recorder r;
        int ret = 0;

        recorder_init(&r, NULL, MODE_ACK);
        g_assert_cmpint(ptpsync_client_new(&c, bus->address), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_new(&o), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_name(o, "lib-disconnect"), ==, 0);
        g_assert_cmpint(ptpsync_client_subscribe(c, LOCK_ADDRESS, o, on_sub_event, &r, &d), ==, 0);
        ptpsync_subscribe_options_free(o);
        ptpsync_subscription_set_state_handler(d, on_sub_state);
        WAIT_UNTIL(c, ptpsync_subscription_get_state(d) == PTPSYNC_SUBSCRIPTION_ACTIVE);

        /* A daemon that answers nothing: of these, some are out when the bus goes, the rest wait. */
        g_assert_cmpint(kill(daemon->pid, SIGSTOP), ==, 0);
        for (unsigned i = 0; i < 200; i++)
                g_assert_cmpint(ptpsync_client_list_resources_async(c, on_counted_resources, &lists, NULL), ==, 0);
        g_assert_cmpint(kill(bus->pid, SIGTERM), ==, 0); /* reaped by test_bus_stop() */
        deadline = g_get_monotonic_time() + TEST_TIMEOUT_USEC;
        while (ret >= 0) {
                g_assert_cmpint(g_get_monotonic_time(), <, deadline);
                ret = ptpsync_client_process(c);
                if (ret == 0)
                        g_assert_cmpint(ptpsync_client_wait(c, TEST_POLL_USEC), >=, 0);
        }
        g_assert_cmpint(ptpsync_subscription_get_state(d), ==, PTPSYNC_SUBSCRIPTION_ENDED);
        g_assert_cmpint(r.error, ==, -ECONNRESET);
        g_assert_null(ptpsync_client_get_daemon_owner(c));
        g_assert_cmpuint(lists.calls, ==, 200);
        g_assert_cmpuint(lists.no_reply, ==, 200);

        ptpsync_subscription_free(d);
        ptpsync_client_free(c);
        recorder_done(&r);
        test_daemon_free(daemon);
        test_bus_stop(bus);
}

/* ptpsync_client_reload(): 0 when the file applies; -EINVAL and the daemon's message naming the key when not. */
static void test_reload(Fixture *f, gconstpointer data) {
        g_autofree char *path = g_build_filename(f->env.bus->dir, "ptpsyncd.conf", NULL);

        g_assert_cmpint(ptpsync_client_reload(f->c), ==, 0);
        g_assert_true(g_file_set_contents(path, "[Thresholds]\nHoldoverTimeoutSec=never\n", -1, NULL));
        g_assert_cmpint(ptpsync_client_reload(f->c), ==, -EINVAL);
        g_assert_cmpstr(ptpsync_client_last_error_name(f->c), ==, PTPSYNC_ERROR_INVALID_CONFIGURATION);
        g_assert_nonnull(strstr(ptpsync_client_last_error_message(f->c), "HoldoverTimeoutSec"));
        g_assert_nonnull(strstr(ptpsync_client_last_error_message(f->c), path));
}

/* ---- subscriptions with their details, and the node name ---- */

typedef struct InfoEntry {
        char *path, *name, *address, *owner;
        uint32_t uid;
        char *site, *token, *absent; /* the Metadata values of "site", "token" and "absent" */
} InfoEntry;

static void info_entry_free(void *p) {
        InfoEntry *e = p;

        g_free(e->path);
        g_free(e->name);
        g_free(e->address);
        g_free(e->owner);
        g_free(e->site);
        g_free(e->token);
        g_free(e->absent);
        g_free(e);
}

typedef struct Infos {
        int calls;
        int error;
        char *error_name;
        GHashTable *by_path; /* path -> InfoEntry*, copied out of the list (valid during the handler only) */
        guint n;
} Infos;

static void infos_init(Infos *a) {
        *a = (Infos) { .by_path = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, info_entry_free) };
}

static void infos_done(Infos *a) {
        g_hash_table_unref(a->by_path);
        g_free(a->error_name);
}

static void on_infos(PtpsyncClient *c, int error, const PtpsyncSubscriptionInfoList *l, void *userdata) {
        Infos *a = userdata;

        a->calls++;
        a->error = error;
        if (error < 0) {
                g_assert_null(l);
                a->error_name = g_strdup(ptpsync_client_last_error_name(c));
                return;
        }
        a->n = ptpsync_subscription_info_list_get_n(l);
        for (size_t i = 0; i < a->n; i++) {
                InfoEntry *e = g_new0(InfoEntry, 1);
                const char *path, *name, *address, *owner;

                g_assert_cmpint(ptpsync_subscription_info_list_get(l, i, &path, &name, &address, &e->uid, &owner), ==,
                                0);
                e->path = g_strdup(path);
                e->name = g_strdup(name);
                e->address = g_strdup(address);
                e->owner = g_strdup(owner);
                e->site = g_strdup(ptpsync_subscription_info_list_get_metadata(l, i, "site"));
                e->token = g_strdup(ptpsync_subscription_info_list_get_metadata(l, i, "token"));
                e->absent = g_strdup(ptpsync_subscription_info_list_get_metadata(l, i, "absent"));
                /* Every ret_ may be NULL. */
                g_assert_cmpint(ptpsync_subscription_info_list_get(l, i, NULL, NULL, NULL, NULL, NULL), ==, 0);
                g_assert_false(g_hash_table_contains(a->by_path, e->path));
                g_hash_table_insert(a->by_path, e->path, e);
        }
        g_assert_cmpint(ptpsync_subscription_info_list_get(l, a->n, NULL, NULL, NULL, NULL, NULL), ==, -ERANGE);
        g_assert_null(ptpsync_subscription_info_list_get_metadata(l, a->n, "site"));
}

static const InfoEntry *info(Infos *a, const char *path) {
        const InfoEntry *e = g_hash_table_lookup(a->by_path, path);

        if (!e)
                g_error("%s is not in the list", path);
        return e;
}

static void on_node_name(PtpsyncClient *c, int error, const char *value, void *userdata) {
        AsyncResult *a = userdata;

        a->calls++;
        a->error = error;
        g_free(a->state);
        a->state = g_strdup(value);
        if (error < 0)
                g_assert_null(value);
}

static PtpsyncSubscription *subscribe_named(Fixture *f, const char *address, const char *name, const char *site,
                                            const char *token, Recorder *r) {
        PtpsyncSubscribeOptions *o = NULL;
        PtpsyncSubscription *s;

        g_assert_cmpint(ptpsync_subscribe_options_new(&o), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_set_name(o, name), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_add_metadata(o, "site", site), ==, 0);
        g_assert_cmpint(ptpsync_subscribe_options_add_metadata(o, "token", token), ==, 0);
        s = subscribe_active(f, address, o, r);
        ptpsync_subscribe_options_free(o);
        return s;
}

/* Subscribes over another connection of ours; returns the path. */
static char *raw_subscribe(sd_bus *bus, const char *address, const char *name) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *path;

        if (name)
                g_assert_cmpint(sd_bus_call_method(bus, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "Subscribe",
                                                   &error, &reply, "sa{sv}", address, 2, "Name", "s", name, "Metadata",
                                                   "a{ss}", 1, "site", "detached-site"), >=, 0);
        else
                g_assert_cmpint(sd_bus_call_method(bus, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "Subscribe",
                                                   &error, &reply, "sa{sv}", address, 0), >=, 0);
        g_assert_cmpint(sd_bus_message_read(reply, "o", &path), >, 0);
        return g_strdup(path);
}

/*
 * ptpsync_client_list_subscription_infos_async(): every field of every subscription, durable
 * (with names and metadata; attached and detached) or not; more subscriptions than Gets in
 * flight; one that ends between the listing and its Gets skipped; cancelling; and the node name.
 */
static void test_subscription_infos(Fixture *f, gconstpointer data) {
        g_auto(AsyncResult) node = {}, node_cancelled = {}, gone_node = {};
        Infos empty, all, cancelled, after_cancel, gone;
        g_autofree char *detached = NULL;
        g_autoptr(GPtrArray) raw = g_ptr_array_new_with_free_func(g_free);
        PtpsyncSubscription *d1, *d2, *plain, *doomed;
        const char *unique = ptpsync_client_get_unique_name(f->c);
        Recorder r1, r2, r3, r4;
        PtpsyncCall *call = NULL;
        const InfoEntry *e;
        TestBus *nobus;
        PtpsyncClient *c = NULL;

        infos_init(&empty);
        infos_init(&all);
        infos_init(&cancelled);
        infos_init(&after_cancel);
        infos_init(&gone);
        recorder_init(&r1, f, MODE_ACK);
        recorder_init(&r2, f, MODE_ACK);
        recorder_init(&r3, f, MODE_ACK);
        recorder_init(&r4, f, MODE_ACK);

        /* Nothing yet: an empty list, no error. */
        g_assert_cmpint(ptpsync_client_list_subscription_infos_async(f->c, NULL, NULL, NULL), ==, -EINVAL);
        g_assert_cmpint(ptpsync_client_list_subscription_infos_async(f->c, on_infos, &empty, NULL), ==, 0);
        WAIT_UNTIL(f->c, empty.calls);
        g_assert_cmpint(empty.error, ==, 0);
        g_assert_cmpuint(empty.n, ==, 0);

        d1 = subscribe_named(f, LOCK_ADDRESS, "infos-one", "du1-east", "secret-1", &r1);
        d2 = subscribe_named(f, TEST_PREFIX "sync", "infos-two", "du1-west", "secret-2", &r2);
        plain = subscribe_active(f, TEST_PREFIX OS_CLOCK, NULL, &r3);
        /* A durable one whose owner left: detached, Owner "". */
        {
                g_autoptr(sd_bus) other = test_bus_connect(f->env.bus);

                detached = raw_subscribe(other, TEST_PREFIX CLOCK_CLASS, "infos-detached");
        }
        /* Enough others that the Gets (5 each) are many times the 32 in flight. */
        for (unsigned i = 0; i < 40; i++)
                g_ptr_array_add(raw, raw_subscribe(f->env.client, LOCK_ADDRESS, NULL));
        WAIT_UNTIL(f->c, prop_u(f, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "SubscriptionCount") == 44);
        {
                g_autofree char *owner = NULL;
                char *o;

                do {
                        o = prop_s(f, detached, "Owner");
                        g_free(owner);
                        owner = g_strdup(o);
                        free(o);
                        if (*owner)
                                drive_once(f->c);
                } while (*owner);
        }

        /* Cancelled before its answer: its handler never runs, nothing is left behind. */
        g_assert_cmpint(ptpsync_client_list_subscription_infos_async(f->c, on_infos, &cancelled, &call), ==, 0);
        g_assert_nonnull(call);
        ptpsync_call_cancel(call);
        /* And one cancelled once its listing is in and its Gets are out. */
        call = NULL;
        g_assert_cmpint(ptpsync_client_list_subscription_infos_async(f->c, on_infos, &cancelled, &call), ==, 0);
        for (unsigned i = 0; i < 5; i++)
                drive_once(f->c);
        if (!cancelled.calls)
                ptpsync_call_cancel(call);
        /* Its Gets still out are answered before a call sent after them: then none is pending any more. */
        {
                char **paths = NULL;

                g_assert_cmpint(ptpsync_client_list_subscriptions(f->c, &paths), ==, 0);
                g_assert_cmpuint(g_strv_length(paths), ==, 44);
                ptpsync_strv_free(paths);
        }

        g_assert_cmpint(ptpsync_client_list_subscription_infos_async(f->c, on_infos, &all, NULL), ==, 0);
        WAIT_UNTIL(f->c, all.calls);
        g_assert_cmpint(all.error, ==, 0);
        g_assert_cmpuint(all.n, ==, 44);

        e = info(&all, ptpsync_subscription_get_object_path(d1));
        g_assert_cmpstr(e->name, ==, "infos-one");
        g_assert_cmpstr(e->address, ==, LOCK_ADDRESS);
        g_assert_cmpuint(e->uid, ==, geteuid());
        g_assert_cmpstr(e->owner, ==, unique);
        g_assert_cmpstr(e->site, ==, "du1-east");
        g_assert_cmpstr(e->token, ==, "secret-1");
        g_assert_null(e->absent);

        e = info(&all, ptpsync_subscription_get_object_path(d2));
        g_assert_cmpstr(e->name, ==, "infos-two");
        g_assert_cmpstr(e->address, ==, TEST_PREFIX "sync");
        g_assert_cmpuint(e->uid, ==, geteuid());
        g_assert_cmpstr(e->owner, ==, unique);
        g_assert_cmpstr(e->site, ==, "du1-west");
        g_assert_cmpstr(e->token, ==, "secret-2");

        e = info(&all, ptpsync_subscription_get_object_path(plain));
        g_assert_cmpstr(e->name, ==, "");
        g_assert_cmpstr(e->address, ==, TEST_PREFIX OS_CLOCK);
        g_assert_cmpuint(e->uid, ==, geteuid());
        g_assert_cmpstr(e->owner, ==, unique);
        g_assert_null(e->site);
        g_assert_null(e->token);

        e = info(&all, detached);
        g_assert_cmpstr(e->name, ==, "infos-detached");
        g_assert_cmpstr(e->address, ==, TEST_PREFIX CLOCK_CLASS);
        g_assert_cmpstr(e->owner, ==, "");
        g_assert_cmpstr(e->site, ==, "detached-site");

        for (guint i = 0; i < raw->len; i++) {
                g_autofree char *owner = NULL;
                const char *o;

                g_assert_cmpint(sd_bus_get_unique_name(f->env.client, &o), >=, 0);
                owner = g_strdup(o);
                e = info(&all, raw->pdata[i]);
                g_assert_cmpstr(e->name, ==, "");
                g_assert_cmpstr(e->address, ==, LOCK_ADDRESS);
                g_assert_cmpstr(e->owner, ==, owner);
        }
        g_assert_cmpint(cancelled.calls, ==, 0);

        /*
         * One that ends after the listing, before its Gets: its Cancel goes out on the same
         * connection right after ListSubscriptions, so the daemon lists it, then ends it, then
         * answers its Gets with UnknownObject. Skipped, not an error.
         */
        doomed = subscribe_active(f, LOCK_ADDRESS, NULL, &r4);
        g_assert_cmpint(ptpsync_client_list_subscription_infos_async(f->c, on_infos, &gone, NULL), ==, 0);
        g_assert_cmpint(ptpsync_subscription_cancel(doomed), ==, 0);
        WAIT_UNTIL(f->c, gone.calls);
        g_assert_cmpint(gone.error, ==, 0);
        g_assert_cmpuint(gone.n, ==, 44);
        g_assert_false(g_hash_table_contains(gone.by_path, ptpsync_subscription_get_object_path(doomed)));
        g_assert_true(g_hash_table_contains(gone.by_path, ptpsync_subscription_get_object_path(d1)));
        WAIT_UNTIL(f->c, ptpsync_subscription_get_state(doomed) == PTPSYNC_SUBSCRIPTION_ENDED);

        /* The node name; one cancelled never answers. */
        g_assert_cmpint(ptpsync_client_get_node_name_async(f->c, NULL, NULL, NULL), ==, -EINVAL);
        g_assert_cmpint(ptpsync_client_get_node_name_async(f->c, on_node_name, &node_cancelled, &call), ==, 0);
        ptpsync_call_cancel(call);
        g_assert_cmpint(ptpsync_client_get_node_name_async(f->c, on_node_name, &node, NULL), ==, 0);
        WAIT_UNTIL(f->c, node.calls);
        g_assert_cmpint(node.error, ==, 0);
        g_assert_cmpstr(node.state, ==, TEST_NODE_NAME);
        g_assert_cmpint(node_cancelled.calls, ==, 0);
        g_assert_cmpint(cancelled.calls, ==, 0);

        /* No daemon on the bus: both fail, with NULL. */
        nobus = test_bus_start();
        g_assert_cmpint(ptpsync_client_new(&c, nobus->address), ==, 0);
        g_assert_cmpint(ptpsync_client_get_node_name_async(c, on_node_name, &gone_node, NULL), ==, 0);
        g_assert_cmpint(ptpsync_client_list_subscription_infos_async(c, on_infos, &after_cancel, NULL), ==, 0);
        WAIT_UNTIL(c, gone_node.calls && after_cancel.calls);
        g_assert_cmpint(gone_node.error, <, 0);
        g_assert_null(gone_node.state);
        g_assert_cmpint(after_cancel.error, <, 0);
        g_assert_nonnull(after_cancel.error_name);
        ptpsync_client_free(c);
        test_bus_stop(nobus);

        /* The new symbols are in the new version node, the old ones stay where they were. */
        g_assert_nonnull(dlvsym(RTLD_DEFAULT, "ptpsync_client_list_subscription_infos_async", "PTPSYNC_0.2"));
        g_assert_nonnull(dlvsym(RTLD_DEFAULT, "ptpsync_subscription_info_list_get_metadata", "PTPSYNC_0.2"));
        g_assert_nonnull(dlvsym(RTLD_DEFAULT, "ptpsync_client_get_node_name_async", "PTPSYNC_0.2"));
        g_assert_null(dlvsym(RTLD_DEFAULT, "ptpsync_client_get_node_name_async", "PTPSYNC_0.1"));
        g_assert_nonnull(dlvsym(RTLD_DEFAULT, "ptpsync_client_get_state_async", "PTPSYNC_0.1"));

        ptpsync_subscription_free(doomed);
        ptpsync_subscription_free(plain);
        ptpsync_subscription_free(d1);
        ptpsync_subscription_free(d2);
        recorder_done(&r1);
        recorder_done(&r2);
        recorder_done(&r3);
        recorder_done(&r4);
        infos_done(&empty);
        infos_done(&all);
        infos_done(&cancelled);
        infos_done(&after_cancel);
        infos_done(&gone);
}

/* ---- more calls at once than the bus lets one connection have waiting for replies ---- */

#define MANY 400U

/* What one of MANY subscriptions heard. */
typedef struct Tally {
        unsigned events, redeliveries;
        uint64_t seq;
        PtpsyncSubscriptionState state;
        int error;
        char *error_name;
} Tally;

static int on_tally_event(PtpsyncSubscription *s, const PtpsyncEvent *e, void *userdata) {
        Tally *t = userdata;

        t->events++;
        t->redeliveries += ptpsync_event_get_attempt(e) > 1;
        t->seq = ptpsync_event_get_seq(e);
        return PTPSYNC_ACK;
}

static void on_tally_state(PtpsyncSubscription *s, PtpsyncSubscriptionState state, int error, void *userdata) {
        Tally *t = userdata;
        const char *name = ptpsync_client_last_error_name(ptpsync_subscription_get_client(s));

        t->state = state;
        t->error = error;
        g_free(t->error_name);
        t->error_name = error < 0 && name ? g_strdup(name) : NULL;
}

static unsigned tallies_in_state(const Tally *t, PtpsyncSubscriptionState state) {
        unsigned n = 0;

        for (unsigned i = 0; i < MANY; i++)
                n += t[i].state == state;
        return n;
}

static unsigned tallies_events(const Tally *t) {
        unsigned n = 0;

        for (unsigned i = 0; i < MANY; i++)
                n += t[i].events;
        return n;
}

/* The first that is not as expected, with its error: a failure says why. */
static void assert_tallies_in_state(const Tally *t, PtpsyncSubscriptionState state) {
        for (unsigned i = 0; i < MANY; i++)
                if (t[i].state != state || t[i].error != 0)
                        g_error("subscription %u of %u: state %d error %d (%s)", i, MANY, t[i].state, t[i].error,
                                t[i].error_name ?: "");
}

/* Whether the daemon holds nothing unanswered for s[from..]: moves from past those done. */
static bool all_answered(Fixture *f, PtpsyncSubscription **s, unsigned *from, uint64_t seq) {
        while (*from < MANY && sub_t(f, s[*from], "AckedSequence") == seq && sub_u(f, s[*from], "Pending") == 0 &&
               sub_u(f, s[*from], "InFlight") == 0)
                (*from)++;
        return *from == MANY;
}

/*
 * MANY subscriptions subscribed at once, an event to each acknowledged at once, then all cancelled
 * at once, on a bus that lets a connection have 128 calls waiting for replies: each is sent in its
 * turn, none refused by the bus.
 */
static void test_many_at_once(Fixture *f, gconstpointer data) {
        PtpsyncSubscription *s[MANY];
        Tally t[MANY] = {};
        unsigned answered = 0;
        uint64_t seq;

        for (unsigned i = 0; i < MANY; i++) {
                t[i].state = PTPSYNC_SUBSCRIPTION_PENDING;
                g_assert_cmpint(ptpsync_client_subscribe(f->c, LOCK_ADDRESS, NULL, on_tally_event, &t[i], &s[i]), ==,
                                0);
                ptpsync_subscription_set_state_handler(s[i], on_tally_state);
        }
        WAIT_UNTIL(f->c, tallies_in_state(t, PTPSYNC_SUBSCRIPTION_PENDING) == 0);
        assert_tallies_in_state(t, PTPSYNC_SUBSCRIPTION_ACTIVE);
        g_assert_cmpuint(test_manager_get_u(f->env.client, "SubscriptionCount"), ==, MANY);

        /* One event, MANY deliveries, MANY Acks at once: the daemon has nothing left in flight or queued. */
        seq = inject_lock(f);
        WAIT_UNTIL(f->c, tallies_events(t) >= MANY);
        WAIT_UNTIL(f->c, all_answered(f, s, &answered, seq));
        for (unsigned i = 0; i < MANY; i++) {
                g_assert_cmpuint(t[i].events, ==, 1);
                g_assert_cmpuint(t[i].redeliveries, ==, 0);
                g_assert_cmpuint(t[i].seq, ==, seq);
        }

        for (unsigned i = 0; i < MANY; i++)
                g_assert_cmpint(ptpsync_subscription_cancel(s[i]), ==, 0);
        WAIT_UNTIL(f->c, tallies_in_state(t, PTPSYNC_SUBSCRIPTION_ACTIVE) == 0);
        assert_tallies_in_state(t, PTPSYNC_SUBSCRIPTION_ENDED);
        g_assert_cmpuint(test_manager_get_u(f->env.client, "SubscriptionCount"), ==, 0);

        for (unsigned i = 0; i < MANY; i++) {
                ptpsync_subscription_free(s[i]);
                g_free(t[i].error_name);
        }
}

/*
 * Calls waiting their turn: all answered in the end; one cancelled (or a subscription freed)
 * before it went out is never sent and its handler never runs. Durable subscriptions show it: one
 * that had been sent would stay on the daemon after its handle is freed.
 */
static void test_waiting_calls(Fixture *f, gconstpointer data) {
        Counted lists = {}, kept = {}, cancelled = {};
        PtpsyncSubscription *s[10] = {};
        PtpsyncCall *calls[10] = {};
        Tally t[10] = {};
        char **paths = NULL;

        /* More than the bus would take at once, all out before anything is answered. */
        for (unsigned i = 0; i < 200; i++)
                g_assert_cmpint(ptpsync_client_list_resources_async(f->c, on_counted_resources, &lists, NULL), ==, 0);
        for (unsigned i = 0; i < 10; i++) {
                g_autofree char *name = g_strdup_printf("waiting-%u", i);
                PtpsyncSubscribeOptions *o = NULL;

                g_assert_cmpint(ptpsync_subscribe_options_new(&o), ==, 0);
                g_assert_cmpint(ptpsync_subscribe_options_set_name(o, name), ==, 0);
                t[i].state = PTPSYNC_SUBSCRIPTION_PENDING;
                g_assert_cmpint(ptpsync_client_subscribe(f->c, LOCK_ADDRESS, o, on_tally_event, &t[i], &s[i]), ==, 0);
                ptpsync_subscription_set_state_handler(s[i], on_tally_state);
                ptpsync_subscribe_options_free(o);
                g_assert_cmpint(ptpsync_client_get_node_name_async(f->c, on_counted_string,
                                                                   i % 2 ? &kept : &cancelled, &calls[i]), ==, 0);
        }
        /* The even ones go before they are sent; the last one kept is answered after them all. */
        for (unsigned i = 0; i < 10; i += 2) {
                s[i] = ptpsync_subscription_free(s[i]);
                ptpsync_call_cancel(calls[i]);
        }

        WAIT_UNTIL(f->c, lists.calls == 200 && kept.calls == 5 &&
                                 ptpsync_subscription_get_state(s[9]) != PTPSYNC_SUBSCRIPTION_PENDING);
        g_assert_cmpuint(lists.errors, ==, 0);
        g_assert_cmpuint(kept.errors, ==, 0);
        g_assert_cmpuint(cancelled.calls, ==, 0);
        for (unsigned i = 1; i < 10; i += 2) {
                g_assert_cmpint(ptpsync_subscription_get_state(s[i]), ==, PTPSYNC_SUBSCRIPTION_ACTIVE);
                g_assert_cmpuint(t[i].state, ==, PTPSYNC_SUBSCRIPTION_ACTIVE);
        }
        for (unsigned i = 0; i < 10; i += 2)
                g_assert_cmpuint(t[i].state, ==, PTPSYNC_SUBSCRIPTION_PENDING); /* never told anything */
        g_assert_cmpint(ptpsync_client_list_subscriptions(f->c, &paths), ==, 0);
        g_assert_cmpuint(g_strv_length(paths), ==, 5);
        ptpsync_strv_free(paths);

        for (unsigned i = 1; i < 10; i += 2)
                g_assert_cmpint(ptpsync_subscription_cancel(s[i]), ==, 0);
        WAIT_UNTIL(f->c, test_manager_get_u(f->env.client, "SubscriptionCount") == 0);
        g_assert_cmpuint(cancelled.calls, ==, 0);
        for (unsigned i = 0; i < 10; i++) {
                ptpsync_subscription_free(s[i]);
                g_free(t[i].error_name);
        }
}

/*
 * A call cancelled once sent still counts until its reply comes, as the bus counts it: on a bus
 * that allows 100 calls awaiting replies, 64 sent and cancelled (the library's bound, all out
 * at once) and then 50 more make 114 at the bus unless the 50 wait for the cancelled ones' replies.
 * The daemon is stopped meanwhile, so that none is answered early.
 */
static void test_cancelled_still_counted(Fixture *f, gconstpointer data) {
        Counted cancelled = {}, later = {};
        PtpsyncCall *calls[64];

        g_assert_cmpint(kill(f->env.daemon->pid, SIGSTOP), ==, 0);
        for (unsigned i = 0; i < G_N_ELEMENTS(calls); i++)
                g_assert_cmpint(ptpsync_client_list_resources_async(f->c, on_counted_resources, &cancelled,
                                                                    &calls[i]), ==, 0);
        for (unsigned i = 0; i < G_N_ELEMENTS(calls); i++)
                ptpsync_call_cancel(calls[i]);
        for (unsigned i = 0; i < 50; i++)
                g_assert_cmpint(ptpsync_client_list_resources_async(f->c, on_counted_resources, &later, NULL), ==, 0);
        for (unsigned i = 0; i < 10; i++)
                drive_once(f->c);
        g_assert_cmpuint(later.calls, ==, 0);
        g_assert_cmpint(kill(f->env.daemon->pid, SIGCONT), ==, 0);

        WAIT_UNTIL(f->c, later.calls == 50);
        g_assert_cmpuint(later.errors, ==, 0);
        g_assert_cmpuint(cancelled.calls, ==, 0);
}

int main(int argc, char *argv[]) {
        test_client_reexec(argv); /* under valgrind, the library is checked too */
        g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/libptpsync/" name, Fixture, &options, fixture_setup, fn, fixture_teardown)
        ADD("connect", test_connect);
        ADD("get-state", test_get_state);
        ADD("list-resources", test_list_resources);
        ADD("watch", test_watch);
        ADD("subscribe-options", test_subscribe_options);
        ADD("verdicts", test_verdicts);
        ADD("dead-letter-pages", test_dead_letter_pages);
        ADD("ordered", test_ordered);
        ADD("cancel", test_cancel);
        ADD("wait-for-state", test_wait_for_state);
        ADD("restart", test_restart);
        ADD("relative", test_relative);
        ADD("by-hand", test_by_hand);
        ADD("sd-event", test_sd_event);
        ADD("glib", test_glib);
        ADD("forged", test_forged);
        ADD("reload", test_reload);
#undef ADD
        /* At most 40 calls of one connection waiting for replies: more than the library's 32 Gets in
         * flight, far fewer than the 220 that 44 subscriptions take. */
        g_test_add("/libptpsync/subscription-infos", Fixture, &options_40_replies, fixture_setup,
                   test_subscription_infos, fixture_teardown);
        g_test_add("/libptpsync/many-at-once", Fixture, &many_options, fixture_setup, test_many_at_once,
                   fixture_teardown);
        g_test_add("/libptpsync/waiting-calls", Fixture, &many_options, fixture_setup, test_waiting_calls,
                   fixture_teardown);
        g_test_add("/libptpsync/cancelled-still-counted", Fixture, &options_100_replies, fixture_setup,
                   test_cancelled_still_counted, fixture_teardown);
        g_test_add_func("/libptpsync/disconnect", test_disconnect);
        return g_test_run();
}
