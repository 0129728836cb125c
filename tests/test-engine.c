/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine on its own, without any bus: a real sd-event loop, a real store in a temporary
 * directory, and a FAKE EngineOps (engine-ops.h; the real ones are the bus face's, bus/bus-face.c)
 * that records every call -- announcements, sends with their attempts, dead letters, owner changes,
 * subscriptions added and removed, Manager properties -- and lets the test say when the way out is
 * congested and answer pings. Tested: publish -> flush -> deliver ordering; InitialState never shows
 * what is published but not flushed; Ack, Nack, ack timeouts, retries and dead letters; owners
 * leaving and coming back; durable subscriptions restored from the store by a new manager; the
 * pump's budget, slices and congestion pause; the flush and the pump under a flood of calls; a peer
 * that does not read, pinged; a failing store holding events until it works again, and a durable
 * subscription whose row it cannot commit.
 * Every wait runs the loop until a condition holds (or a generous deadline passes), never a sleep;
 * the exact deadlines (retries and their backoff, holdover expiry, commit retries and giving up)
 * run on a fake clock (engine-clock.h) that the test moves on.
 */

#include <sys/eventfd.h>

#include "config/config.h"
#include "engine/manager.h"
#include "store/store.h"
#include "common/rm-rf.h"
#include "test-util.h"

#define NODE "engine-test"
#define UID 1000
#define WAIT_USEC (10 * USEC_PER_SEC)
/* How long "nothing more happens" is watched for. */
#define QUIET_USEC (30 * USEC_PER_MSEC)
/* An ack timeout that no test reaches. */
#define LONG_ACK_TIMEOUT_USEC (600 * USEC_PER_SEC)

/* --- the fake ops ------------------------------------------------------------------------------ */

typedef struct Sent {
        Subscription *subscription;
        uint64_t seq;
        uint32_t attempt;
        char *value;          /* the event's first value */
        uint64_t announced;   /* the newest seq announced when it was sent */
} Sent;

typedef struct Dead {
        Subscription *subscription;
        uint64_t seq;
        DeadLetterReason reason;
} Dead;

typedef struct Engine Engine;

typedef struct FakePing {
        Engine *engine;
        char *owner;
        EnginePingDone done;
        void *userdata;
} FakePing;

struct Engine {
        char *dir;
        sd_event *event;
        Manager *m;
        GArray *announced;     /* uint64_t: the seqs, as event_announced heard them */
        GPtrArray *sources;    /* char*: their sources */
        GPtrArray *sent;       /* Sent* */
        GArray *dead;          /* Dead */
        GPtrArray *owners;     /* char*: the owner after each owner_changed, "" when detached */
        GPtrArray *added;      /* char*: subscription ids */
        GPtrArray *removed;    /* char*: subscription ids */
        GPtrArray *properties; /* char*: Manager properties changed */
        GPtrArray *pings;      /* FakePing*: in flight */
        bool congested;
        int ping_error;        /* < 0: ping fails with it */
        bool fake_clock;       /* the manager runs on the fake clock below, not on the loop's */
        uint64_t mono, real;   /* the fake clock's now */
        GPtrArray *timers;     /* FakeTimer*: every timer the engine made on it */
};

static void sent_free(void *p) {
        Sent *x = p;

        g_free(x->value);
        g_free(x);
}

static void fake_ping_free(void *p) {
        FakePing *x = p;

        g_free(x->owner);
        g_free(x);
}

static uint64_t last_announced(const Engine *t) {
        return t->announced->len > 0 ? g_array_index(t->announced, uint64_t, t->announced->len - 1) : 0;
}

static void op_event_announced(void *userdata, const Event *e) {
        Engine *t = userdata;

        g_array_append_val(t->announced, e->seq);
        g_ptr_array_add(t->sources, g_strdup(e->source));
}

static void op_manager_changed(void *userdata, const char *property) {
        Engine *t = userdata;

        g_ptr_array_add(t->properties, g_strdup(property));
}

static void op_subscription_added(void *userdata, Subscription *s) {
        Engine *t = userdata;

        g_ptr_array_add(t->added, g_strdup(s->id));
}

static void op_subscription_removed(void *userdata, Subscription *s) {
        Engine *t = userdata;

        g_ptr_array_add(t->removed, g_strdup(s->id));
}

static void op_owner_changed(void *userdata, Subscription *s) {
        Engine *t = userdata;

        g_ptr_array_add(t->owners, g_strdup(s->owner ?: ""));
}

static void op_send_event(void *userdata, Subscription *s, const Event *e, uint32_t attempt) {
        Engine *t = userdata;
        Sent *x = g_new0(Sent, 1);

        x->subscription = s;
        x->seq = e->seq;
        x->attempt = attempt;
        x->value = g_strdup(e->values->len > 0 ? g_array_index(e->values, EventValue, 0).value : "");
        x->announced = last_announced(t);
        g_ptr_array_add(t->sent, x);
}

static void op_send_dead_lettered(void *userdata, Subscription *s, uint64_t seq, DeadLetterReason reason) {
        Engine *t = userdata;
        Dead d = { .subscription = s, .seq = seq, .reason = reason };

        g_array_append_val(t->dead, d);
}

static int op_ping(void *userdata, const char *owner, EnginePingDone done, void *done_userdata, void **ret_handle) {
        Engine *t = userdata;
        FakePing *p;

        if (t->ping_error < 0)
                return t->ping_error;
        p = g_new0(FakePing, 1);
        p->engine = t;
        p->owner = g_strdup(owner);
        p->done = done;
        p->userdata = done_userdata;
        g_ptr_array_add(t->pings, p);
        *ret_handle = p;
        return 0;
}

static void op_ping_cancel(void *userdata, void *handle) {
        Engine *t = userdata;

        g_assert_true(g_ptr_array_remove(t->pings, handle));
}

static bool op_output_congested(void *userdata) {
        Engine *t = userdata;

        return t->congested;
}

static const EngineOps fake_ops = {
        .event_announced = op_event_announced,
        .manager_changed = op_manager_changed,
        .subscription_added = op_subscription_added,
        .subscription_removed = op_subscription_removed,
        .owner_changed = op_owner_changed,
        .send_event = op_send_event,
        .send_dead_lettered = op_send_dead_lettered,
        .ping = op_ping,
        .ping_cancel = op_ping_cancel,
        .output_congested = op_output_congested,
};

/* The oldest ping in flight is answered (or not): as the bus face does, from the loop, never from inside ping. */
static void answer_ping(Engine *t, bool answered) {
        FakePing *p;

        g_assert_cmpuint(t->pings->len, >, 0);
        p = g_ptr_array_steal_index(t->pings, 0);
        p->done(p->userdata, answered);
        fake_ping_free(p);
}

/* --- the fake clock (engine-clock.h): time moves only when the test says so -------------------- */

typedef struct FakeTimer {
        bool armed;
        uint64_t deadline;
        EngineTimerHandler handler;
        void *userdata;
} FakeTimer;

#define FAKE_MONO_START (1000 * USEC_PER_SEC)
#define FAKE_REAL_START (UINT64_C(1700000000) * USEC_PER_SEC)

static uint64_t fake_now(void *userdata, clockid_t clock) {
        Engine *t = userdata;

        g_assert_true(clock == CLOCK_MONOTONIC || clock == CLOCK_REALTIME);
        return clock == CLOCK_MONOTONIC ? t->mono : t->real;
}

static int fake_timer_new(void *userdata, uint64_t accuracy, EngineTimerHandler handler, void *handler_userdata,
                          void **ret) {
        Engine *t = userdata;
        FakeTimer *x = g_new0(FakeTimer, 1);

        x->handler = handler;
        x->userdata = handler_userdata;
        g_ptr_array_add(t->timers, x);
        *ret = x;
        return 0;
}

static int fake_timer_arm(void *userdata, void *timer, uint64_t deadline) {
        FakeTimer *x = timer;

        x->armed = true;
        x->deadline = deadline;
        return 0;
}

static void fake_timer_disarm(void *userdata, void *timer) {
        FakeTimer *x = timer;

        x->armed = false;
}

static void fake_timer_free(void *userdata, void *timer) {
        Engine *t = userdata;

        g_assert_true(g_ptr_array_remove(t->timers, timer));
}

static const EngineClockOps fake_clock_ops = {
        .now = fake_now,
        .timer_new = fake_timer_new,
        .timer_arm = fake_timer_arm,
        .timer_disarm = fake_timer_disarm,
        .timer_free = fake_timer_free,
};

/* The loop's pending work (flushes, the pump), with no wait: what a timer caused happens now. */
/* A commit is out in the store's writer thread: its end is about to be pending. */
static bool committing(Engine *t) {
        return t->m && store_committing(t->m->store);
}

static void run_pending(Engine *t) {
        int r;

        /* Once the loop has exited (the manager gave up), nothing runs any more. */
        while (sd_event_get_state(t->event) != SD_EVENT_FINISHED &&
               ((r = sd_event_run(t->event, committing(t) ? 5 * USEC_PER_MSEC : 0)) != 0 || committing(t)))
                g_assert_cmpint(r, >=, 0);
}

static FakeTimer *fake_clock_next_due(Engine *t, uint64_t until) {
        FakeTimer *next = NULL;

        for (guint i = 0; i < t->timers->len; i++) {
                FakeTimer *x = t->timers->pdata[i];

                if (x->armed && x->deadline <= until && (!next || x->deadline < next->deadline))
                        next = x;
        }
        return next;
}

/* Moves both clocks on by usec, firing what falls due in deadline order, each at its deadline. */
static void fake_clock_advance(Engine *t, uint64_t usec) {
        uint64_t until = t->mono + usec;
        FakeTimer *x;

        g_assert_true(t->fake_clock);
        run_pending(t);
        while ((x = fake_clock_next_due(t, until))) {
                /* A timer armed in the past fires now, not back then. */
                uint64_t at = MAX(x->deadline, t->mono);

                t->real += at - t->mono;
                t->mono = at;
                x->armed = false;
                x->handler(x->userdata, x->deadline);
                run_pending(t);
        }
        t->real += until - t->mono;
        t->mono = until;
        run_pending(t);
}

/* --- the engine under test --------------------------------------------------------------------- */

static void engine_clear_records(Engine *t) {
        g_array_set_size(t->announced, 0);
        g_ptr_array_set_size(t->sources, 0);
        g_ptr_array_set_size(t->sent, 0);
        g_array_set_size(t->dead, 0);
        g_ptr_array_set_size(t->owners, 0);
        g_ptr_array_set_size(t->added, 0);
        g_ptr_array_set_size(t->removed, 0);
        g_ptr_array_set_size(t->properties, 0);
}

/* A manager on the store in t->dir (made or reopened), with the default configuration and the fake ops. */
static void engine_open(Engine *t) {
        const Thresholds thresholds = THRESHOLDS_DEFAULT;
        g_autofree char *message = NULL;
        Store *store = NULL;
        Config config;
        int r;

        r = store_open(&store, t->dir, &message);
        if (r < 0)
                g_error("store_open(%s): %s (%s)", t->dir, g_strerror(-r), message);
        g_assert_cmpint(manager_new(&t->m, t->event, t->fake_clock ? &fake_clock_ops : NULL, t, NODE, SOURCE_SIM, &thresholds, store), ==, 0);
        config_init(&config);
        manager_apply_config(t->m, &config);
        config_done(&config);
        manager_set_ops(t->m, &fake_ops, t);
}

static void engine_close(Engine *t) {
        t->m = manager_free(t->m);
        g_assert_cmpuint(t->pings->len, ==, 0); /* every ping in flight was cancelled */
}

static Engine *engine_new_full(bool fake_clock) {
        g_autoptr(GError) error = NULL;
        Engine *t = g_new0(Engine, 1);

        t->fake_clock = fake_clock;
        t->mono = FAKE_MONO_START;
        t->real = FAKE_REAL_START;
        t->timers = g_ptr_array_new_with_free_func(g_free);

        t->dir = g_dir_make_tmp("test-engine-XXXXXX", &error);
        g_assert_no_error(error);
        g_assert_cmpint(sd_event_new(&t->event), >=, 0);
        t->announced = g_array_new(false, false, sizeof(uint64_t));
        t->sources = g_ptr_array_new_with_free_func(g_free);
        t->sent = g_ptr_array_new_with_free_func(sent_free);
        t->dead = g_array_new(false, false, sizeof(Dead));
        t->owners = g_ptr_array_new_with_free_func(g_free);
        t->added = g_ptr_array_new_with_free_func(g_free);
        t->removed = g_ptr_array_new_with_free_func(g_free);
        t->properties = g_ptr_array_new_with_free_func(g_free);
        t->pings = g_ptr_array_new_with_free_func(fake_ping_free);
        engine_open(t);
        return t;
}

static Engine *engine_new(void) {
        return engine_new_full(false);
}

static Engine *engine_free(Engine *t) {
        if (!t)
                return NULL;
        engine_close(t);
        sd_event_unref(t->event);
        rm_rf(t->dir);
        g_free(t->dir);
        g_array_unref(t->announced);
        g_ptr_array_unref(t->sources);
        g_ptr_array_unref(t->sent);
        g_array_unref(t->dead);
        g_ptr_array_unref(t->owners);
        g_ptr_array_unref(t->added);
        g_ptr_array_unref(t->removed);
        g_ptr_array_unref(t->properties);
        g_ptr_array_unref(t->pings);
        g_assert_cmpuint(t->timers->len, ==, 0); /* the manager freed every timer it made */
        g_ptr_array_unref(t->timers);
        g_free(t);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Engine *, engine_free);

/* One loop iteration, within the deadline; what says it was not met is the condition waited for. */
static void run_once(Engine *t, uint64_t deadline, const char *what) {
        if (now_usec(CLOCK_MONOTONIC) >= deadline)
                g_error("Timed out waiting for: %s", what);
        g_assert_cmpint(sd_event_run(t->event, 5 * USEC_PER_MSEC), >=, 0);
}

/* Runs the loop until cond holds, for WAIT_USEC at the most. */
#define RUN_UNTIL(t, cond)                                                              \
        do {                                                                            \
                uint64_t _deadline = now_usec(CLOCK_MONOTONIC) + WAIT_USEC;             \
                while (!(cond))                                                         \
                        run_once((t), _deadline, #cond);                                \
        } while (0)

/* Runs the loop for usec: for checking that nothing (more) happens meanwhile. */
static void run_for(Engine *t, uint64_t usec) {
        uint64_t end = now_usec(CLOCK_MONOTONIC) + usec;

        while (now_usec(CLOCK_MONOTONIC) < end)
                g_assert_cmpint(sd_event_run(t->event, 1 * USEC_PER_MSEC), >=, 0);
}

static const char *address_of(Engine *t, ResourceKind k) {
        return manager_get_resource(t->m, k)->address;
}

/* The defaults, with these changed: name "" is not durable. */
static void options_make(SubscriptionOptions *o, const char *name, bool ordered) {
        subscription_options_init(o);
        g_free(o->name);
        o->name = g_strdup(name);
        o->ordered = ordered;
}

static unsigned durable_done, durable_failed;

static void on_durable(void *userdata, const char *failure) {
        if (failure)
                durable_failed++;
        else
                durable_done++;
}

/*
 * A subscription as Manager.Subscribe makes one (bus/subscription-bus.c's method_subscribe): into the
 * registry, its initial state queued if it asks for one; a durable one once its row is committed.
 */
static Subscription *subscribe(Engine *t, const char *address, const char *owner, SubscriptionOptions *o) {
        _cleanup_(subscription_freep) Subscription *s = NULL;
        Subscription *added;
        unsigned done = durable_done;

        g_assert_cmpint(subscription_new(&s, t->m, NULL, address, UID, owner, o), ==, 0);
        subscription_options_done(o);
        g_assert_cmpint(subscriptions_add(t->m->subscriptions, s), ==, 0);
        added = TAKE_PTR(s);
        if (added->options.initial_state)
                subscription_push_initial_state(added);
        if (subscription_is_durable(added)) {
                manager_when_durable(t->m, DURABLE_REPLY, on_durable, NULL, NULL, added);
                RUN_UNTIL(t, durable_done > done);
                g_assert_true(added->in_store);
        }
        return added;
}

/*
 * An unordered subscription of the defaults otherwise: everything due goes without waiting for Acks,
 * and nothing is sent again before the test ends, however slow the machine.
 */
static Subscription *subscribe_unordered(Engine *t, const char *address, const char *owner) {
        SubscriptionOptions o;

        options_make(&o, "", false);
        o.ack_timeout_usec = LONG_ACK_TIMEOUT_USEC;
        return subscribe(t, address, owner, &o);
}

/* A durable, ordered subscription of the clock class, of the defaults otherwise. */
static Subscription *subscribe_durable(Engine *t, const char *name, const char *owner) {
        SubscriptionOptions o;

        options_make(&o, name, true);
        return subscribe(t, address_of(t, RESOURCE_CLOCK_CLASS), owner, &o);
}

static const Sent *sent_at(const Engine *t, guint i) {
        g_assert_cmpuint(i, <, t->sent->len);
        return t->sent->pdata[i];
}

static void assert_sent(const Engine *t, guint i, Subscription *s, uint64_t seq, uint32_t attempt) {
        const Sent *x = sent_at(t, i);

        g_assert_true(x->subscription == s);
        g_assert_cmpuint(x->seq, ==, seq);
        g_assert_cmpuint(x->attempt, ==, attempt);
}

/* A clock-class reading: one event (clock class is no sync resource, the sync-state does not move). */
static void observe_class(Engine *t, unsigned class) {
        g_autofree char *value = g_strdup_printf("%u", class);

        g_assert_cmpint(manager_observe_value(t->m, RESOURCE_CLOCK_CLASS, "ens1f0", value, 0), ==, 0);
}

/* n clock-class events, all different from each other and from the one before. */
static void observe_classes(Engine *t, unsigned n) {
        static unsigned next = 6;

        for (unsigned i = 0; i < n; i++)
                observe_class(t, next++ % 200 + 1);
}

/* Nothing more is sent for a while: n sends in all. */
static void assert_quiet(Engine *t, guint n) {
        run_for(t, QUIET_USEC);
        g_assert_cmpuint(t->sent->len, ==, n);
}

/* Everything sent is acked as it arrives, until n sends in all; ordered subscriptions need that. */
static void deliver_acking(Engine *t, Subscription *s, guint n) {
        for (guint i = t->sent->len; i < n; i++) {
                RUN_UNTIL(t, t->sent->len > i);
                subscription_ack(s, sent_at(t, i)->seq, true);
        }
        g_assert_cmpuint(t->sent->len, ==, n);
}

/* --- 1. publish -> flush -> deliver ----------------------------------------------------------- */

static void test_publish_flush_deliver(void) {
        _cleanup_(engine_freep) Engine *t = engine_new();
        Subscription *s = subscribe_unordered(t, "/cluster/node/" NODE "/sync", ":1.1");
        const ResourceKind expected[] = {
                RESOURCE_OS_CLOCK,    RESOURCE_LOCK_STATE, RESOURCE_SYNC_STATE,
                RESOURCE_CLOCK_CLASS, RESOURCE_LOCK_STATE, RESOURCE_SYNC_STATE,
        };
        const char *values[] = { "LOCKED", "LOCKED", "LOCKED", NULL, "HOLDOVER", "HOLDOVER" };

        /* The system clock LOCKED, then lock-state (and so the sync-state, which needs both), a clock
         * class, and the lock lost: HOLDOVER for lock-state and sync-state. */
        g_assert_cmpint(manager_observe_sync(t->m, RESOURCE_OS_CLOCK, OS_CLOCK_NAME, OBSERVATION_LOCKED, 5), ==, 0);
        g_assert_cmpint(manager_observe_sync(t->m, RESOURCE_LOCK_STATE, "ens1f0", OBSERVATION_LOCKED, 5), ==, 0);
        observe_class(t, 6);
        g_assert_cmpint(manager_observe_sync(t->m, RESOURCE_LOCK_STATE, "ens1f0", OBSERVATION_UNLOCKED, 0), ==, 0);
        /* Published, committed and announced only at the flush, from the loop. */
        g_assert_cmpuint(t->announced->len, ==, 0);
        g_assert_cmpuint(t->sent->len, ==, 0);
        g_assert_cmpuint(t->m->last_seq, ==, G_N_ELEMENTS(expected));

        RUN_UNTIL(t, t->sent->len >= G_N_ELEMENTS(expected));
        assert_quiet(t, G_N_ELEMENTS(expected));
        g_assert_cmpuint(t->announced->len, ==, G_N_ELEMENTS(expected));
        for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
                const Sent *x = sent_at(t, i);

                g_assert_cmpuint(g_array_index(t->announced, uint64_t, i), ==, i + 1);
                g_assert_cmpstr(t->sources->pdata[i], ==, address_of(t, expected[i]));
                assert_sent(t, i, s, i + 1, 1);
                /* Never before its announcement: the whole batch was announced before the first send. */
                g_assert_cmpuint(x->announced, ==, G_N_ELEMENTS(expected));
                if (values[i])
                        g_assert_cmpstr(x->value, ==, values[i]);
        }
}

/* --- 2. InitialState while an event waits for the flush ----------------------------------------- */

static void test_initial_state_unflushed(void) {
        _cleanup_(engine_freep) Engine *t = engine_new();
        SubscriptionOptions o;
        Subscription *s;

        g_assert_cmpint(manager_observe_sync(t->m, RESOURCE_LOCK_STATE, "ens1f0", OBSERVATION_LOCKED, 5), ==, 0);
        RUN_UNTIL(t, t->announced->len == 1); /* lock-state LOCKED: 1 (no sync-state without the system clock) */

        /* Lock lost: event 2 published, not flushed; the subscription comes now. */
        g_assert_cmpint(manager_observe_sync(t->m, RESOURCE_LOCK_STATE, "ens1f0", OBSERVATION_UNLOCKED, 0), ==, 0);
        g_assert_cmpuint(t->m->last_seq, ==, 2);
        options_make(&o, "", false);
        o.initial_state = true;
        s = subscribe(t, address_of(t, RESOURCE_LOCK_STATE), ":1.1", &o);
        g_assert_cmpuint(t->announced->len, ==, 1);

        RUN_UNTIL(t, t->sent->len >= 2);
        assert_quiet(t, 2);
        /* The announced state, with its own seq; then event 2, once. */
        assert_sent(t, 0, s, 1, 1);
        g_assert_cmpstr(sent_at(t, 0)->value, ==, "LOCKED");
        assert_sent(t, 1, s, 2, 1);
        g_assert_cmpstr(sent_at(t, 1)->value, ==, "HOLDOVER");
}

/* --- 3. Ack, Nack, ack timeouts and dead letters ----------------------------------------------- */

static void test_ack_nack(void) {
        _cleanup_(engine_freep) Engine *t = engine_new();
        SubscriptionOptions o;
        Subscription *s;

        options_make(&o, "", true);
        o.backoff_delay_usec = 1000;
        s = subscribe(t, address_of(t, RESOURCE_CLOCK_CLASS), ":1.1", &o);
        observe_classes(t, 4);

        /* Ordered: one at a time, the next only after the Ack. */
        RUN_UNTIL(t, t->sent->len == 1);
        assert_quiet(t, 1);
        g_assert_cmpuint(t->announced->len, ==, 4);
        assert_sent(t, 0, s, 1, 1);
        subscription_ack(s, 1, true);
        RUN_UNTIL(t, t->sent->len == 2);
        assert_sent(t, 1, s, 2, 1);

        /* Nack with requeue: the same event again, attempt 2; a stale Ack of 1 changes nothing. */
        subscription_nack(s, 2, true, true);
        subscription_ack(s, 1, true);
        RUN_UNTIL(t, t->sent->len == 3);
        assert_sent(t, 2, s, 2, 2);
        subscription_ack(s, 2, true);
        RUN_UNTIL(t, t->sent->len == 4);
        assert_sent(t, 3, s, 3, 1);

        /* Nack without requeue: dead-lettered, rejected, and the next goes. */
        subscription_nack(s, 3, false, true);
        RUN_UNTIL(t, t->sent->len == 5);
        assert_sent(t, 4, s, 4, 1);
        g_assert_cmpuint(t->dead->len, ==, 1);
        g_assert_true(g_array_index(t->dead, Dead, 0).subscription == s);
        g_assert_cmpuint(g_array_index(t->dead, Dead, 0).seq, ==, 3);
        g_assert_cmpint(g_array_index(t->dead, Dead, 0).reason, ==, DEAD_LETTER_REJECTED);
        subscription_ack(s, 4, true);
        assert_quiet(t, 5);
        g_assert_cmpuint(queue_counters(s->queue)->delivered, ==, 3);
}

static void test_ack_timeout(void) {
        _cleanup_(engine_freep) Engine *t = engine_new_full(true);
        const uint64_t ack_timeout = 100 * USEC_PER_MSEC, delay = 1000;
        SubscriptionOptions o;
        Subscription *s;

        options_make(&o, "", true);
        o.ack_timeout_usec = ack_timeout;
        o.backoff_delay_usec = delay;
        o.backoff_policy = BACKOFF_LINEAR;
        o.retry = 2;
        s = subscribe(t, address_of(t, RESOURCE_CLOCK_CLASS), ":1.1", &o);
        observe_classes(t, 2);
        run_pending(t);
        g_assert_cmpuint(t->sent->len, ==, 1);

        /* Never acked: attempts 1, 2, 3 (Retry 2), each at its ack deadline plus the backoff. */
        fake_clock_advance(t, ack_timeout + delay - 1);
        g_assert_cmpuint(t->sent->len, ==, 1);
        fake_clock_advance(t, 1);
        g_assert_cmpuint(t->sent->len, ==, 2);
        fake_clock_advance(t, ack_timeout + 2 * delay);
        g_assert_cmpuint(t->sent->len, ==, 3);
        /* Then a dead letter at the last ack deadline, and only then event 2. */
        fake_clock_advance(t, ack_timeout - 1);
        g_assert_cmpuint(t->sent->len, ==, 3);
        g_assert_cmpuint(t->dead->len, ==, 0);
        fake_clock_advance(t, 1);
        g_assert_cmpuint(t->sent->len, ==, 4);
        for (guint i = 0; i < 3; i++)
                assert_sent(t, i, s, 1, i + 1);
        assert_sent(t, 3, s, 2, 1);
        g_assert_cmpuint(t->dead->len, ==, 1);
        g_assert_cmpuint(g_array_index(t->dead, Dead, 0).seq, ==, 1);
        g_assert_cmpint(g_array_index(t->dead, Dead, 0).reason, ==, DEAD_LETTER_RETRIES_EXHAUSTED);
        subscription_ack(s, 2, true);
        fake_clock_advance(t, 24 * 3600 * USEC_PER_SEC);
        g_assert_cmpuint(t->sent->len, ==, 4);
        g_assert_cmpuint(t->dead->len, ==, 1);
        g_assert_cmpuint(queue_counters(s->queue)->retried, ==, 2);
}

/* --- 4. owners leaving and coming back ---------------------------------------------------------- */

static void test_owner_gone(void) {
        _cleanup_(engine_freep) Engine *t = engine_new();
        Subscription *s = subscribe_unordered(t, address_of(t, RESOURCE_CLOCK_CLASS), ":1.1");
        g_autofree char *id = g_strdup(s->id);

        g_assert_cmpuint(t->added->len, ==, 1);
        g_assert_cmpuint(subscriptions_count(t->m->subscriptions), ==, 1);
        /* Not durable: it ends with its owner. Another owner's leaving changes nothing. */
        subscriptions_owner_gone(t->m->subscriptions, ":1.2");
        g_assert_cmpuint(t->removed->len, ==, 0);
        subscriptions_owner_gone(t->m->subscriptions, ":1.1");
        g_assert_cmpuint(t->removed->len, ==, 1);
        g_assert_cmpstr(t->removed->pdata[0], ==, id);
        g_assert_cmpuint(subscriptions_count(t->m->subscriptions), ==, 0);
        g_assert_cmpstr(t->properties->pdata[t->properties->len - 1], ==, "SubscriptionCount");
        observe_classes(t, 1);
        RUN_UNTIL(t, t->announced->len == 1);
        assert_quiet(t, 0);
}

static void test_owner_gone_durable(void) {
        _cleanup_(engine_freep) Engine *t = engine_new();
        Subscription *s = subscribe_durable(t, "comes-back", ":1.1");

        observe_classes(t, 2);
        RUN_UNTIL(t, t->sent->len == 1);
        assert_sent(t, 0, s, 1, 1);

        /* Durable: detached, not ended; nothing is sent while it is, and events keep queueing. */
        subscriptions_owner_gone(t->m->subscriptions, ":1.1");
        g_assert_cmpuint(t->removed->len, ==, 0);
        g_assert_cmpuint(t->owners->len, ==, 1);
        g_assert_cmpstr(t->owners->pdata[0], ==, "");
        g_assert_null(s->owner);
        observe_classes(t, 3);
        RUN_UNTIL(t, t->announced->len == 5);
        assert_quiet(t, 1);
        g_assert_cmpuint(queue_counters(s->queue)->pending, ==, 5);

        /* Another owner: everything in order, the one sent before the detach again (attempt 2). */
        g_assert_cmpint(subscriptions_reattach(t->m->subscriptions, s, ":1.7"), ==, 0);
        g_assert_cmpuint(t->owners->len, ==, 2);
        g_assert_cmpstr(t->owners->pdata[1], ==, ":1.7");
        deliver_acking(t, s, 6);
        assert_sent(t, 1, s, 1, 2);
        for (guint i = 2; i < 6; i++)
                assert_sent(t, i, s, i, 1);
        assert_quiet(t, 6);
}

/* --- 5. durable subscriptions restored ----------------------------------------------------------- */

static void test_durable_restore(void) {
        _cleanup_(engine_freep) Engine *t = engine_new();
        Subscription *s = subscribe_durable(t, "restored", ":1.1");

        observe_classes(t, 4);
        /* 1 and 2 acknowledged, 3 sent and not, 4 pending; the cursor (2) committed. */
        deliver_acking(t, s, 2);
        RUN_UNTIL(t, t->sent->len == 3 && store_pending_writes(t->m->store) == 0);
        assert_sent(t, 2, s, 3, 1);
        g_assert_cmpuint(s->stored_cursor, ==, 2);

        engine_close(t);
        engine_clear_records(t);
        engine_open(t);
        g_assert_cmpuint(t->m->last_seq, ==, 4);
        g_assert_cmpuint(subscriptions_count(t->m->subscriptions), ==, 1);
        s = subscriptions_find_durable(t->m->subscriptions, UID, "restored");
        g_assert_nonnull(s);
        g_assert_null(s->owner);
        g_assert_cmpuint(s->stored_cursor, ==, 2);
        g_assert_cmpuint(queue_counters(s->queue)->pending, ==, 2);
        g_assert_cmpuint(queue_first_seq(s->queue), ==, 3);
        assert_quiet(t, 0);

        /* Back: 3 (sent before: attempt 2, the count goes on) and 4, then a new event, 5: seq goes on. */
        g_assert_cmpint(subscriptions_reattach(t->m->subscriptions, s, ":1.9"), ==, 0);
        deliver_acking(t, s, 2);
        assert_sent(t, 0, s, 3, 2);
        assert_sent(t, 1, s, 4, 1);
        observe_classes(t, 1);
        deliver_acking(t, s, 3);
        g_assert_cmpuint(g_array_index(t->announced, uint64_t, 0), ==, 5);
        assert_sent(t, 2, s, 5, 1);
        assert_quiet(t, 3);
}

/* A dead letter and an Ack before the restart: after it, neither event comes again, nor is reported again. */
static void test_durable_restore_dead_letter(void) {
        _cleanup_(engine_freep) Engine *t = engine_new();
        Subscription *s = subscribe_durable(t, "dead-letter", ":1.1");
        const DeadLetter *d;

        observe_classes(t, 3);
        RUN_UNTIL(t, t->sent->len == 1);
        subscription_nack(s, 1, false, true);
        deliver_acking(t, s, 2);
        RUN_UNTIL(t, t->sent->len == 3 && store_pending_writes(t->m->store) == 0);
        assert_sent(t, 1, s, 2, 1);
        assert_sent(t, 2, s, 3, 1);
        g_assert_cmpuint(t->dead->len, ==, 1);

        engine_close(t);
        engine_clear_records(t);
        engine_open(t);
        s = subscriptions_find_durable(t->m->subscriptions, UID, "dead-letter");
        g_assert_nonnull(s);
        g_assert_cmpuint(queue_dead_letters(s->queue)->len, ==, 1);
        d = queue_dead_letters(s->queue)->pdata[0];
        g_assert_cmpuint(d->event->seq, ==, 1);
        g_assert_cmpint(d->reason, ==, DEAD_LETTER_REJECTED);
        g_assert_cmpint(subscriptions_reattach(t->m->subscriptions, s, ":1.3"), ==, 0);
        deliver_acking(t, s, 1);
        assert_sent(t, 0, s, 3, 2); /* sent once before the restart */
        assert_quiet(t, 1);
        g_assert_cmpuint(t->dead->len, ==, 0);
}

/* --- 6. the pump: budget, slices, congestion ------------------------------------------------------ */

#define PUMP_SUBSCRIPTIONS 20U
#define PUMP_EVENTS 40U

static void test_pump_budget(void) {
        _cleanup_(engine_freep) Engine *t = engine_new();
        g_autoptr(GHashTable) per_subscription = g_hash_table_new(NULL, NULL);
        guint run = 0, first_turn;

        for (unsigned i = 0; i < PUMP_SUBSCRIPTIONS; i++) {
                g_autofree char *owner = g_strdup_printf(":1.%u", 100 + i);

                (void) subscribe_unordered(t, address_of(t, RESOURCE_CLOCK_CLASS), owner);
        }
        /* Congested: everything is announced and queued, nothing sent. */
        t->congested = true;
        observe_classes(t, PUMP_EVENTS);
        RUN_UNTIL(t, t->announced->len == PUMP_EVENTS);
        assert_quiet(t, 0);

        /* One turn of the pump (one loop iteration dispatches one source): the budget, in slices. */
        t->congested = false;
        RUN_UNTIL(t, t->sent->len > 0);
        first_turn = t->sent->len;
        g_assert_cmpuint(first_turn, ==, DELIVERY_BUDGET);
        for (guint i = 0; i < first_turn; i++) {
                const Sent *x = sent_at(t, i);
                unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(per_subscription, x->subscription)) + 1;

                g_hash_table_insert(per_subscription, x->subscription, GUINT_TO_POINTER(n));
                run = i > 0 && sent_at(t, i - 1)->subscription == x->subscription ? run + 1 : 1;
                g_assert_cmpuint(run, <=, DELIVERY_SLICE);
                g_assert_cmpuint(n, <=, DELIVERY_SLICE);
        }
        g_assert_cmpuint(g_hash_table_size(per_subscription), ==, DELIVERY_BUDGET / DELIVERY_SLICE);

        /* Congested again: the pump pauses; then it goes on until everything is sent, each in seq order. */
        t->congested = true;
        assert_quiet(t, first_turn);
        t->congested = false;
        RUN_UNTIL(t, t->sent->len == PUMP_SUBSCRIPTIONS * PUMP_EVENTS);
        g_hash_table_remove_all(per_subscription);
        for (guint i = 0; i < t->sent->len; i++) {
                const Sent *x = sent_at(t, i);
                uint64_t last = GPOINTER_TO_UINT(g_hash_table_lookup(per_subscription, x->subscription));

                g_assert_cmpuint(x->seq, ==, last + 1);
                g_assert_cmpuint(x->attempt, ==, 1);
                g_hash_table_insert(per_subscription, x->subscription, GUINT_TO_POINTER(x->seq));
        }
        assert_quiet(t, PUMP_SUBSCRIPTIONS * PUMP_EVENTS);
}

/* --- the fan-out of one event, in slices ------------------------------------------------------- */

#define FANOUT_SUBSCRIPTIONS 1200U /* more than one iteration offers an event to */

/*
 * A caller that never stops: always something to dispatch at the bus's priority, as a bus
 * connection whose socket always has more to read (an eventfd never read: always readable).
 */
static int on_flood(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        return 0;
}

static sd_event_source *flood_start(Engine *t) {
        sd_event_source *flood = NULL;
        int fd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);

        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(sd_event_add_io(t->event, &flood, fd, EPOLLIN, on_flood, NULL), >=, 0);
        g_assert_cmpint(sd_event_source_set_io_fd_own(flood, true), >=, 0);
        g_assert_cmpint(sd_event_source_set_priority(flood, SD_EVENT_PRIORITY_NORMAL), >=, 0);
        return flood;
}

/* How many of subs hold event seq (or an older one): those the fan-out has reached. */
static unsigned fanout_offered(GPtrArray *subs, uint64_t seq) {
        unsigned n = 0;

        for (guint i = 0; i < subs->len; i++)
                n += subs->pdata[i] && queue_first_seq(((Subscription *) subs->pdata[i])->queue) <= seq;
        return n;
}

static void test_fanout_slices(void) {
        _cleanup_(engine_freep) Engine *t = engine_new();
        g_autoptr(GPtrArray) subs = g_ptr_array_new();
        g_autoptr(GHashTable) last_seq = g_hash_table_new(NULL, NULL);
        Subscription *durable, *late, *unreached = NULL;
        _cleanup_(sd_event_source_unrefp) sd_event_source *flood = NULL;
        SubscriptionOptions o;
        guint gone = 0, sends;

        /* The first made is the last the walk comes to (new ones go first). */
        durable = subscribe_durable(t, "last-reached", ":1.998");
        for (unsigned i = 0; i < FANOUT_SUBSCRIPTIONS; i++) {
                g_autofree char *owner = g_strdup_printf(":1.%u", 1000 + i);

                g_ptr_array_add(subs, subscribe_unordered(t, address_of(t, RESOURCE_CLOCK_CLASS), owner));
        }
        t->congested = true; /* queued, not sent: the queues show what the fan-out reached */
        observe_classes(t, 2);
        RUN_UNTIL(t, t->announced->len == 1);

        /* One iteration offered the first event to some of them, not to all; the second waits for it. */
        g_assert_true(subscriptions_dispatching(t->m->subscriptions));
        g_assert_cmpuint(fanout_offered(subs, 1), >, 0);
        g_assert_cmpuint(fanout_offered(subs, 1), <, FANOUT_SUBSCRIPTIONS);
        g_assert_cmpuint(t->m->dispatched_seq, ==, 1);
        g_assert_cmpuint(t->m->fanned_out_seq, ==, 0);

        /* Not reached yet, nothing queued: its cursor must not pass the event it has still to get. */
        g_assert_cmpuint(queue_first_seq(durable->queue), ==, UINT64_MAX);
        subscription_queue_changed(durable);
        g_assert_cmpuint(durable->stored_cursor, ==, 0);

        /* Meanwhile: a new subscription (not offered the event under way), and the next one the walk
         * would come to ends (subs[] was made in the walk's reverse order). */
        options_make(&o, "", false);
        o.initial_state = false;
        o.ack_timeout_usec = LONG_ACK_TIMEOUT_USEC;
        late = subscribe(t, address_of(t, RESOURCE_CLOCK_CLASS), ":1.999", &o);
        for (guint i = subs->len; i > 0 && !unreached; i--)
                if (queue_first_seq(((Subscription *) subs->pdata[i - 1])->queue) == UINT64_MAX) {
                        unreached = subs->pdata[i - 1];
                        gone = i - 1;
                }
        g_assert_nonnull(unreached);
        g_assert_cmpuint(queue_first_seq(((Subscription *) subs->pdata[gone + 1])->queue), ==, 1);
        subscriptions_remove(t->m->subscriptions, unreached);
        subs->pdata[gone] = NULL;

        /* A flood of calls that commit nothing does not hold the rest of the fan-out back: it goes on
         * at the bus's priority, taking turns with them. */
        flood = flood_start(t);
        RUN_UNTIL(t, t->announced->len == 2 && !subscriptions_dispatching(t->m->subscriptions));
        g_assert_cmpint(sd_event_source_set_enabled(flood, SD_EVENT_OFF), >=, 0);
        g_assert_cmpuint(t->m->fanned_out_seq, ==, 2);
        g_ptr_array_add(subs, durable);
        for (guint i = 0; i < subs->len; i++) {
                Subscription *s = subs->pdata[i];

                if (!s)
                        continue;
                g_assert_cmpuint(queue_counters(s->queue)->pending, ==, 2);
                g_assert_cmpuint(queue_first_seq(s->queue), ==, 1);
        }
        g_assert_cmpuint(queue_counters(late->queue)->pending, ==, 1);
        g_assert_cmpuint(queue_first_seq(late->queue), ==, 2);

        /* And out they go, each in seq order: both to each unordered one, the first to the ordered one. */
        t->congested = false;
        sends = (FANOUT_SUBSCRIPTIONS - 1) * 2 + 1 + 1;
        RUN_UNTIL(t, t->sent->len == sends);
        assert_quiet(t, sends);
        for (guint i = 0; i < t->sent->len; i++) {
                const Sent *x = sent_at(t, i);

                g_assert_cmpuint(x->seq, >, GPOINTER_TO_UINT(g_hash_table_lookup(last_seq, x->subscription)));
                g_hash_table_insert(last_seq, x->subscription, GUINT_TO_POINTER(x->seq));
        }
}

/*
 * Calls that never stop coming (an always-pending source at the bus's priority): the flush still
 * starts each commit and announces what is durable, and the pump still sends, each at most its
 * patience late (yielding-job.h). Below the bus's priority with nothing more, neither ever ran.
 */
static void test_flood_yields(void) {
        _cleanup_(engine_freep) Engine *t = engine_new();
        _cleanup_(sd_event_source_unrefp) sd_event_source *flood = NULL;
        Subscription *s = subscribe_unordered(t, address_of(t, RESOURCE_CLOCK_CLASS), ":1.1");

        flood = flood_start(t);
        for (unsigned n = 1; n <= 3; n++) {
                observe_classes(t, 1);
                RUN_UNTIL(t, t->sent->len == n);
                assert_sent(t, n - 1, s, n, 1);
                subscription_ack(s, n, true);
        }
        g_assert_cmpint(sd_event_source_set_enabled(flood, SD_EVENT_OFF), >=, 0);
        assert_quiet(t, 3);
}

/* --- the peer flow: a peer that does not read is pinged ------------------------------------------ */

#define FLOW_EVENTS 600U

static void test_flow_ping(void) {
        _cleanup_(engine_freep) Engine *t = engine_new();
        SubscriptionOptions o;

        /* Two subscriptions of one owner, 1200 sends due, more than may be outstanding toward one peer. */
        for (unsigned i = 0; i < 2; i++) {
                options_make(&o, "", false);
                o.window = OPTIONS_WINDOW_MAX;
                o.ack_timeout_usec = LONG_ACK_TIMEOUT_USEC;
                (void) subscribe(t, address_of(t, RESOURCE_CLOCK_CLASS), ":1.1", &o);
        }
        observe_classes(t, FLOW_EVENTS);
        RUN_UNTIL(t, t->sent->len == PEER_OUTSTANDING_MESSAGES_MAX && t->pings->len == 1);
        g_assert_cmpstr(((FakePing *) t->pings->pdata[0])->owner, ==, ":1.1");
        g_assert_cmpuint(t->sent->len, ==, PEER_OUTSTANDING_MESSAGES_MAX);

        /* No answer: still held, and asked again later. */
        answer_ping(t, false);
        RUN_UNTIL(t, t->pings->len == 1);
        g_assert_cmpuint(t->sent->len, ==, PEER_OUTSTANDING_MESSAGES_MAX);

        /* It answered: it read everything sent before the ping, so the rest goes. */
        answer_ping(t, true);
        RUN_UNTIL(t, t->sent->len == 2 * FLOW_EVENTS);
        assert_quiet(t, 2 * FLOW_EVENTS);
        g_assert_cmpuint(t->pings->len, ==, 0);
}

/* --- 7. a failing store ------------------------------------------------------------------------- */

/* A GNSS reading too big for the pages left: its event needs pages of its own. */
static void observe_big_gnss(Engine *t, char c) {
        g_autofree char *value = g_strnfill(8000, c);

        g_assert_cmpint(manager_observe_gnss(t->m, "gnss0", value, GPS_FIX_NONE, 0), ==, 0);
}

static void on_hold(void *userdata, const char *failure) {
        unsigned *n = userdata;

        g_assert_null(failure);
        (*n)++;
}

static void test_store_failing(void) {
        _cleanup_(engine_freep) Engine *t = engine_new();
        Subscription *s = subscribe_unordered(t, address_of(t, RESOURCE_GNSS), ":1.1");
        unsigned failed = durable_failed, done = durable_done, held = 0;
        const char *why = NULL;
        int r;

        /* No room to grow (the limit cannot go below the size now, which store_set_max_pages() calls -ERANGE). */
        r = store_set_max_pages(t->m->store, 1);
        g_assert_true(r == 0 || r == -ERANGE);
        observe_big_gnss(t, 'a');
        observe_big_gnss(t, 'b');
        observe_big_gnss(t, 'c');
        manager_when_durable(t->m, DURABLE_REPLY, on_durable, NULL, NULL, NULL);
        manager_when_durable(t->m, DURABLE_HOLD, on_hold, &held, NULL, NULL);

        /* The reply hears of the failure; nothing is announced, through the first retries. */
        RUN_UNTIL(t, durable_failed > failed);
        g_assert_cmpuint(durable_done, ==, done);
        g_assert_true(manager_store_failing(t->m, &why));
        g_assert_nonnull(why);
        run_for(t, COMMIT_RETRY_FIRST_USEC * 3);
        g_assert_cmpuint(commit_retry_failures(t->m->commit_retry), >=, 2);
        g_assert_cmpuint(t->announced->len, ==, 0);
        g_assert_cmpuint(t->sent->len, ==, 0);
        g_assert_cmpuint(held, ==, 0);
        g_assert_cmpuint(t->m->last_seq, ==, 3);

        /* Room again: the held events go out in order with the seqs they were given, then the held message. */
        g_assert_cmpint(store_set_max_pages(t->m->store, UINT32_MAX - 1), ==, 0);
        RUN_UNTIL(t, held == 1 && t->sent->len == 3);
        g_assert_false(manager_store_failing(t->m, &why));
        g_assert_cmpuint(t->announced->len, ==, 3);
        for (guint i = 0; i < 3; i++) {
                g_assert_cmpuint(g_array_index(t->announced, uint64_t, i), ==, i + 1);
                assert_sent(t, i, s, i + 1, 1);
                g_assert_cmpint(sent_at(t, i)->value[0], ==, 'a' + (int) i);
        }
        g_assert_cmpuint(durable_failed, ==, failed + 1);
}

/* A durable subscription whose row cannot be committed is not made: it ends, and its caller hears why. */
static void test_store_failing_durable_subscription(void) {
        _cleanup_(engine_freep) Engine *t = engine_new();
        _cleanup_(subscription_freep) Subscription *made = NULL;
        unsigned failed = durable_failed, done = durable_done;
        g_autofree char *id = NULL;
        SubscriptionOptions o;
        Subscription *s;
        int r;

        r = store_set_max_pages(t->m->store, 1);
        g_assert_true(r == 0 || r == -ERANGE);
        options_make(&o, "never-made", true);
        g_assert_cmpint(subscription_new(&made, t->m, NULL, address_of(t, RESOURCE_GNSS), UID, ":1.1", &o), ==, 0);
        subscription_options_done(&o);
        g_assert_cmpint(subscriptions_add(t->m->subscriptions, made), ==, 0);
        s = TAKE_PTR(made);
        id = g_strdup(s->id);
        observe_big_gnss(t, 'x');
        manager_when_durable(t->m, DURABLE_REPLY, on_durable, NULL, NULL, s);

        RUN_UNTIL(t, durable_failed > failed);
        g_assert_cmpuint(durable_done, ==, done);
        g_assert_cmpuint(t->removed->len, ==, 1);
        g_assert_cmpstr(t->removed->pdata[0], ==, id);
        g_assert_cmpuint(subscriptions_count(t->m->subscriptions), ==, 0);

        /* The store recovers: the event goes out; nobody is left to send it to, and nothing is restored. */
        g_assert_cmpint(store_set_max_pages(t->m->store, UINT32_MAX - 1), ==, 0);
        RUN_UNTIL(t, t->announced->len == 1);
        assert_quiet(t, 0);
        engine_close(t);
        engine_open(t);
        g_assert_cmpuint(subscriptions_count(t->m->subscriptions), ==, 0);
}

/* --- 7. on the fake clock: exact deadlines --------------------------------------------------------- */

/* Never acked: each retry comes at exactly the ack timeout plus the policy's backoff, not a µs before. */
static void check_retries(BackoffPolicy policy) {
        _cleanup_(engine_freep) Engine *t = engine_new_full(true);
        const uint64_t ack_timeout = 5 * USEC_PER_SEC, delay = 200 * USEC_PER_MSEC;
        SubscriptionOptions o;
        Subscription *s;

        options_make(&o, "", true);
        o.ack_timeout_usec = ack_timeout;
        o.backoff_delay_usec = delay;
        o.backoff_policy = policy;
        o.retry = 3;
        s = subscribe(t, address_of(t, RESOURCE_CLOCK_CLASS), ":1.1", &o);
        observe_classes(t, 1);
        run_pending(t);
        g_assert_cmpuint(t->sent->len, ==, 1);

        for (uint32_t n = 1; n <= 3; n++) {
                /* linear: delay x n; exponential: delay x 2^n */
                uint64_t backoff = policy == BACKOFF_LINEAR ? delay * n : delay << n;

                g_assert_cmpuint(subscription_options_backoff(&s->options, n), ==, backoff);
                fake_clock_advance(t, ack_timeout + backoff - 1);
                g_assert_cmpuint(t->sent->len, ==, n);
                fake_clock_advance(t, 1);
                g_assert_cmpuint(t->sent->len, ==, n + 1);
                assert_sent(t, n, s, 1, n + 1);
        }
        /* Retry 3 used up: a dead letter at the last attempt's ack deadline, not before. */
        fake_clock_advance(t, ack_timeout - 1);
        g_assert_cmpuint(t->dead->len, ==, 0);
        fake_clock_advance(t, 1);
        g_assert_cmpuint(t->dead->len, ==, 1);
        g_assert_cmpint(g_array_index(t->dead, Dead, 0).reason, ==, DEAD_LETTER_RETRIES_EXHAUSTED);
        fake_clock_advance(t, 24 * 3600 * USEC_PER_SEC);
        g_assert_cmpuint(t->sent->len, ==, 4);
}

static void test_fake_retries_linear(void) {
        check_retries(BACKOFF_LINEAR);
}

static void test_fake_retries_exponential(void) {
        check_retries(BACKOFF_EXPONENTIAL);
}

static const char *lock_state(Engine *t) {
        return manager_get_resource(t->m, RESOURCE_LOCK_STATE)->value;
}

/* LOCKED, then the lock is lost: HOLDOVER for exactly HoldoverTimeout, then FREERUN with its event. */
static void test_fake_holdover(void) {
        _cleanup_(engine_freep) Engine *t = engine_new_full(true);
        const uint64_t holdover = t->m->thresholds.holdover_timeout_usec;

        g_assert_cmpint(manager_observe_sync(t->m, RESOURCE_LOCK_STATE, "ens1f0", OBSERVATION_LOCKED, 10), ==, 0);
        run_pending(t);
        g_assert_cmpstr(lock_state(t), ==, "LOCKED");
        g_assert_cmpuint(t->announced->len, ==, 1);

        g_assert_cmpint(manager_observe_sync(t->m, RESOURCE_LOCK_STATE, "ens1f0", OBSERVATION_UNLOCKED, 0), ==, 0);
        run_pending(t);
        g_assert_cmpstr(lock_state(t), ==, "HOLDOVER");
        g_assert_cmpuint(t->announced->len, ==, 2);

        fake_clock_advance(t, holdover - 1);
        g_assert_cmpstr(lock_state(t), ==, "HOLDOVER");
        g_assert_cmpuint(t->announced->len, ==, 2);
        fake_clock_advance(t, 1);
        g_assert_cmpstr(lock_state(t), ==, "FREERUN");
        g_assert_cmpuint(t->announced->len, ==, 3);
}

/* Commits fail: attempts 100 ms apart, doubling to 2 s; 30 s after the first failure the daemon gives up with 1. */
static void test_fake_commit_give_up(void) {
        _cleanup_(engine_freep) Engine *t = engine_new_full(true);
        uint64_t start, delay = COMMIT_RETRY_FIRST_USEC;
        unsigned failures;
        int r, code;

        r = store_set_max_pages(t->m->store, 1);
        g_assert_true(r == 0 || r == -ERANGE);
        observe_big_gnss(t, 'a');
        run_pending(t);
        g_assert_cmpuint(commit_retry_failures(t->m->commit_retry), ==, 1);
        start = t->mono;

        while (t->mono + delay < start + COMMIT_RETRY_GIVE_UP_USEC) {
                failures = commit_retry_failures(t->m->commit_retry);
                fake_clock_advance(t, delay - 1);
                g_assert_cmpuint(commit_retry_failures(t->m->commit_retry), ==, failures);
                fake_clock_advance(t, 1);
                g_assert_cmpuint(commit_retry_failures(t->m->commit_retry), ==, failures + 1);
                delay = MIN(delay * 2, COMMIT_RETRY_MAX_USEC);
        }
        g_assert_cmpuint(delay, ==, COMMIT_RETRY_MAX_USEC);
        g_assert_cmpint(sd_event_get_exit_code(t->event, &code), ==, -ENODATA);

        /* The last attempt at the deadline itself, and it fails: the loop is told to exit with 1. */
        fake_clock_advance(t, start + COMMIT_RETRY_GIVE_UP_USEC - t->mono - 1);
        g_assert_cmpint(sd_event_get_exit_code(t->event, &code), ==, -ENODATA);
        fake_clock_advance(t, 1);
        g_assert_cmpint(sd_event_get_exit_code(t->event, &code), ==, 0);
        g_assert_cmpint(code, ==, EXIT_FAILURE);
        g_assert_cmpuint(t->announced->len, ==, 0);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/engine/publish-flush-deliver", test_publish_flush_deliver);
        g_test_add_func("/engine/initial-state-unflushed", test_initial_state_unflushed);
        g_test_add_func("/engine/ack-nack", test_ack_nack);
        g_test_add_func("/engine/ack-timeout", test_ack_timeout);
        g_test_add_func("/engine/owner-gone", test_owner_gone);
        g_test_add_func("/engine/owner-gone-durable", test_owner_gone_durable);
        g_test_add_func("/engine/durable-restore", test_durable_restore);
        g_test_add_func("/engine/durable-restore-dead-letter", test_durable_restore_dead_letter);
        g_test_add_func("/engine/pump-budget", test_pump_budget);
        g_test_add_func("/engine/fanout-slices", test_fanout_slices);
        g_test_add_func("/engine/flood-yields", test_flood_yields);
        g_test_add_func("/engine/flow-ping", test_flow_ping);
        g_test_add_func("/engine/store-failing", test_store_failing);
        g_test_add_func("/engine/store-failing-durable-subscription", test_store_failing_durable_subscription);
        g_test_add_func("/engine/fake-clock/retries-linear", test_fake_retries_linear);
        g_test_add_func("/engine/fake-clock/retries-exponential", test_fake_retries_exponential);
        g_test_add_func("/engine/fake-clock/holdover", test_fake_holdover);
        g_test_add_func("/engine/fake-clock/commit-give-up", test_fake_commit_give_up);
        return g_test_run();
}
