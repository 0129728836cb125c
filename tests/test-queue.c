/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The delivery queue of one subscription, driven step by step with real events and options and time
 * passed in: what goes out when, with which attempt, and where each event ends up.
 */

#include "model/queue.h"
#include "test-util.h"

#define MS USEC_PER_MSEC
#define NONE 0 /* queue_next gave nothing */

typedef struct Test {
        SubscriptionOptions o;
        Queue *q;
} Test;

/* Defaults except for the few things a test sets; a short AckTimeout keeps the arithmetic readable. */
static void test_init(Test *t, bool ordered, uint32_t window) {
        subscription_options_init(&t->o);
        t->o.ordered = ordered;
        t->o.window = window;
        t->o.ack_timeout_usec = 1000 * MS;
        t->q = queue_new(&t->o);
}

static void test_done(Test *t) {
        t->q = queue_free(t->q);
        subscription_options_done(&t->o);
}

static unsigned push(Test *t, uint64_t seq) {
        _cleanup_(event_unrefp) Event *e = event_new("event.test", "/test", 0);

        e->seq = seq;
        return queue_push(t->q, e);
}

static void push_range(Test *t, uint64_t from, uint64_t to) {
        for (uint64_t s = from; s <= to; s++)
                g_assert_cmpuint(push(t, s), ==, 0);
}

/* queue_next at now: the seq sent (NONE for nothing), checking the entry as the header promises it. */
static uint64_t next_attempt(Test *t, uint64_t now, uint32_t *ret_attempt) {
        const QueueEntry *e = queue_next(t->q, now);

        if (!e)
                return NONE;
        g_assert_true(e->outstanding);
        g_assert_false(e->in_backoff);
        g_assert_cmpuint(e->ack_deadline, ==, now + t->o.ack_timeout_usec);
        g_assert_cmpuint(e->attempt, >=, 1);
        if (ret_attempt)
                *ret_attempt = e->attempt;
        return e->event->seq;
}

static uint64_t next(Test *t, uint64_t now) {
        return next_attempt(t, now, NULL);
}

static void expect_next(Test *t, uint64_t now, uint64_t seq, uint32_t attempt) {
        uint32_t a = 0;

        g_assert_cmpuint(next_attempt(t, now, &a), ==, seq);
        g_assert_cmpuint(a, ==, attempt);
}

static void expect_report(Test *t, uint64_t seq, DeadLetterReason reason) {
        DeadLetterReason r;
        uint64_t s;

        g_assert_true(queue_pop_dead_lettered(t->q, &s, &r));
        g_assert_cmpuint(s, ==, seq);
        g_assert_cmpstr(dead_letter_reason_to_string(r), ==, dead_letter_reason_to_string(reason));
}

static void expect_no_report(Test *t) {
        g_assert_false(queue_pop_dead_lettered(t->q, NULL, NULL));
}

/* The dead letters kept, as "seq:reason ..." */
static char *dead_letters_string(Test *t) {
        const GPtrArray *a = queue_dead_letters(t->q);
        GString *s = g_string_new(NULL);

        for (guint i = 0; i < a->len; i++) {
                const DeadLetter *d = a->pdata[i];

                g_string_append_printf(s, "%s%" G_GUINT64_FORMAT ":%s", i > 0 ? " " : "", d->event->seq,
                                       dead_letter_reason_to_string(d->reason));
        }
        return g_string_free(s, false);
}

static void expect_dead_letters(Test *t, const char *expected) {
        g_autofree char *s = dead_letters_string(t);

        g_assert_cmpstr(s, ==, expected);
}

typedef struct Counts {
        uint32_t pending, in_flight;
        uint64_t delivered, retried, dead_lettered, discarded, acked_seq;
} Counts;

static void expect_counts(Test *t, Counts c) {
        const QueueCounters *k = queue_counters(t->q);

        g_assert_cmpuint(k->pending, ==, c.pending);
        g_assert_cmpuint(k->in_flight, ==, c.in_flight);
        g_assert_cmpuint(k->delivered, ==, c.delivered);
        g_assert_cmpuint(k->retried, ==, c.retried);
        g_assert_cmpuint(k->dead_lettered, ==, c.dead_lettered);
        g_assert_cmpuint(k->dead_letters_discarded, ==, c.discarded);
        g_assert_cmpuint(k->acked_seq, ==, c.acked_seq);
}

static void test_reason_strings(void) {
        g_assert_cmpstr(dead_letter_reason_to_string(DEAD_LETTER_REJECTED), ==, "rejected");
        g_assert_cmpstr(dead_letter_reason_to_string(DEAD_LETTER_RETRIES_EXHAUSTED), ==,
                        "retries-exhausted");
        g_assert_cmpstr(dead_letter_reason_to_string(DEAD_LETTER_QUEUE_LIMIT), ==, "queue-limit");
        g_assert_null(dead_letter_reason_to_string(_DEAD_LETTER_REASON_MAX));
        g_assert_null(dead_letter_reason_to_string((DeadLetterReason) -1));
}

static void test_empty(void) {
        _cleanup_(test_done) Test t;

        test_init(&t, false, 4);
        g_assert_cmpuint(next(&t, 0), ==, NONE);
        g_assert_cmpuint(queue_next_wakeup(t.q), ==, UINT64_MAX);
        g_assert_cmpuint(queue_ack(t.q, 1), ==, 0);
        g_assert_cmpint(queue_nack(t.q, 1, true, 0), ==, -ENOENT);
        queue_tick(t.q, 10 * USEC_PER_SEC);
        queue_detach(t.q);
        g_assert_cmpuint(queue_redrive(t.q), ==, 0);
        g_assert_cmpuint(queue_purge_dead_letters(t.q), ==, 0);
        expect_no_report(&t);
        expect_dead_letters(&t, "");
        expect_counts(&t, (Counts) {});
}

static void test_ordered_one_at_a_time(void) {
        _cleanup_(test_done) Test t;

        test_init(&t, true, 64);
        push_range(&t, 1, 4);
        expect_counts(&t, (Counts) { .pending = 4 });

        for (uint64_t s = 1; s <= 4; s++) {
                expect_next(&t, s, s, 1);
                /* One in flight, whatever the Window. */
                g_assert_cmpuint(next(&t, s), ==, NONE);
                expect_counts(&t, (Counts) { .pending = 4 - s, .in_flight = 1, .delivered = s - 1,
                                             .acked_seq = s - 1 });
                g_assert_cmpuint(queue_ack(t.q, s), ==, 1);
        }
        g_assert_cmpuint(next(&t, 5), ==, NONE);
        expect_counts(&t, (Counts) { .delivered = 4, .acked_seq = 4 });
}

static void test_cumulative_ack(void) {
        _cleanup_(test_done) Test t;

        test_init(&t, true, 64);
        push_range(&t, 1, 5);
        expect_next(&t, 0, 1, 1);

        /* 1 outstanding, 2 and 3 never sent: all acknowledged. */
        g_assert_cmpuint(queue_ack(t.q, 3), ==, 3);
        expect_counts(&t, (Counts) { .pending = 2, .delivered = 3, .acked_seq = 3 });
        expect_next(&t, 0, 4, 1);
        /* Past everything there is: acknowledges what there is, and acked_seq stays a seq that existed. */
        g_assert_cmpuint(queue_ack(t.q, 100), ==, 2);
        expect_counts(&t, (Counts) { .delivered = 5, .acked_seq = 5 });
        push_range(&t, 6, 6);
        expect_next(&t, 0, 6, 1);
}

typedef struct StaleCase {
        bool ordered;
        uint64_t ack; /* after 1..3 were acknowledged one by one, 4 and 5 queued, 4 outstanding */
} StaleCase;

static const StaleCase stale_cases[] = {
        { true, 0 },  { true, 1 },  { true, 3 },
        { false, 0 }, { false, 2 }, { false, 3 },
        { false, 6 }, { false, 1000 },
};

static void test_stale_ack(const void *data) {
        const StaleCase *c = data;
        _cleanup_(test_done) Test t;

        test_init(&t, c->ordered, 1);
        push_range(&t, 1, 5);
        for (uint64_t s = 1; s <= 3; s++) {
                expect_next(&t, 0, s, 1);
                g_assert_cmpuint(queue_ack(t.q, s), ==, 1);
        }
        expect_next(&t, 0, 4, 1);

        g_assert_cmpuint(queue_ack(t.q, c->ack), ==, 0);
        g_assert_cmpuint(queue_ack(t.q, c->ack), ==, 0);
        expect_counts(&t, (Counts) { .pending = 1, .in_flight = 1, .delivered = 3, .acked_seq = 3 });
        g_assert_cmpuint(next(&t, 0), ==, NONE);
        g_assert_cmpuint(queue_next_wakeup(t.q), ==, t.o.ack_timeout_usec);
        g_assert_cmpuint(queue_ack(t.q, 4), ==, 1);
        expect_next(&t, 0, 5, 1);
        expect_no_report(&t);
}

static void test_ack_of_dead_letter(void) {
        _cleanup_(test_done) Test t;

        test_init(&t, true, 1);
        push_range(&t, 1, 2);
        expect_next(&t, 0, 1, 1);
        g_assert_cmpint(queue_nack(t.q, 1, false, 0), ==, 0);
        /* Dead letters are not acknowledged, not even cumulatively. */
        g_assert_cmpuint(queue_ack(t.q, 1), ==, 0);
        g_assert_cmpuint(queue_ack(t.q, 2), ==, 1);
        expect_dead_letters(&t, "1:rejected");
        expect_counts(&t, (Counts) { .delivered = 1, .dead_lettered = 1, .acked_seq = 2 });
}

static const uint32_t windows[] = { 1, 3, 64 };

static void test_window(const void *data) {
        uint32_t w = *(const uint32_t *) data;
        _cleanup_(test_done) Test t;

        test_init(&t, false, w);
        push_range(&t, 1, w + 5);
        for (uint64_t s = 1; s <= w; s++)
                expect_next(&t, 0, s, 1);
        g_assert_cmpuint(next(&t, 0), ==, NONE);
        expect_counts(&t, (Counts) { .pending = 5, .in_flight = w });

        /* Any one acknowledged makes room for exactly one more. */
        g_assert_cmpuint(queue_ack(t.q, (w + 1) / 2), ==, 1);
        expect_next(&t, 0, w + 1, 1);
        g_assert_cmpuint(next(&t, 0), ==, NONE);
        expect_counts(&t, (Counts) { .pending = 4, .in_flight = w, .delivered = 1,
                                     .acked_seq = (w + 1) / 2 });

        /* Unordered Ack is not cumulative. */
        g_assert_cmpuint(queue_ack(t.q, w + 1), ==, 1);
        expect_counts(&t, (Counts) { .pending = 4, .in_flight = w - 1, .delivered = 2, .acked_seq = w + 1 });
}

typedef struct BackoffCase {
        BackoffPolicy policy;
        uint64_t backoff[3]; /* after the failures of attempts 1, 2, 3 */
        bool by_nack;        /* fail by Nack(requeue) rather than by the ack timeout */
} BackoffCase;

static const BackoffCase backoff_cases[] = {
        { BACKOFF_LINEAR, { 200 * MS, 400 * MS, 600 * MS }, false },
        { BACKOFF_EXPONENTIAL, { 400 * MS, 800 * MS, 1600 * MS }, false },
        { BACKOFF_LINEAR, { 200 * MS, 400 * MS, 600 * MS }, true },
        { BACKOFF_EXPONENTIAL, { 400 * MS, 800 * MS, 1600 * MS }, true },
};

static void test_backoff(const void *data) {
        const BackoffCase *c = data;
        _cleanup_(test_done) Test t;
        uint64_t now = 1000;

        test_init(&t, false, 8);
        t.o.retry = 3;
        t.o.backoff_delay_usec = 200 * MS;
        t.o.backoff_policy = c->policy;
        push_range(&t, 1, 1);

        for (uint32_t a = 1; a <= 4; a++) {
                uint64_t failed_at;

                expect_next(&t, now, 1, a);
                g_assert_cmpuint(queue_next_wakeup(t.q), ==, now + t.o.ack_timeout_usec);
                expect_counts(&t, (Counts) { .in_flight = 1, .retried = a - 1 });

                if (c->by_nack) {
                        failed_at = now + 10 * MS;
                        g_assert_cmpint(queue_nack(t.q, 1, true, failed_at), ==, 0);
                } else {
                        failed_at = now + t.o.ack_timeout_usec;
                        /* Not failed one µs before its deadline. */
                        queue_tick(t.q, failed_at - 1);
                        g_assert_cmpuint(queue_next_wakeup(t.q), ==, failed_at);
                        queue_tick(t.q, failed_at);
                }

                if (a == 4)
                        break;
                /* Retried after the exact backoff: not due one µs before, due at it. */
                g_assert_cmpuint(queue_next_wakeup(t.q), ==, failed_at + c->backoff[a - 1]);
                g_assert_cmpint(queue_nack(t.q, 1, true, failed_at), ==, -ENOENT);
                expect_counts(&t, (Counts) { .in_flight = 1, .retried = a - 1 });
                now = failed_at + c->backoff[a - 1];
                queue_tick(t.q, now - 1);
                g_assert_cmpuint(next(&t, now - 1), ==, NONE);
                queue_tick(t.q, now);
                g_assert_cmpuint(queue_next_wakeup(t.q), ==, UINT64_MAX);
        }

        /* Attempt 4 was the last of Retry=3. */
        g_assert_cmpuint(next(&t, now + 10 * USEC_PER_SEC), ==, NONE);
        g_assert_cmpuint(queue_next_wakeup(t.q), ==, UINT64_MAX);
        expect_counts(&t, (Counts) { .retried = 3, .dead_lettered = 1 });
        expect_dead_letters(&t, "1:retries-exhausted");
        expect_report(&t, 1, DEAD_LETTER_RETRIES_EXHAUSTED);
        expect_no_report(&t);
}

typedef struct RetryCase {
        uint32_t retry;
        bool ordered;
        bool by_nack;
} RetryCase;

static const RetryCase retry_cases[] = {
        { 0, true, false }, { 0, false, true }, { 3, false, false }, { 3, true, true }, { 1, false, false },
};

static void test_retry_exhaustion(const void *data) {
        const RetryCase *c = data;
        _cleanup_(test_done) Test t;
        uint64_t now = 0;

        test_init(&t, c->ordered, 4);
        t.o.retry = c->retry;
        t.o.backoff_delay_usec = 100 * MS;
        push_range(&t, 1, 1);

        for (uint32_t a = 1; a <= c->retry + 1; a++) {
                queue_tick(t.q, now);
                expect_next(&t, now, 1, a);
                expect_no_report(&t);
                expect_dead_letters(&t, "");
                if (c->by_nack)
                        g_assert_cmpint(queue_nack(t.q, 1, true, now), ==, 0);
                else
                        queue_tick(t.q, now + t.o.ack_timeout_usec);
                now = queue_next_wakeup(t.q);
        }

        g_assert_cmpuint(now, ==, UINT64_MAX);
        expect_counts(&t, (Counts) { .retried = c->retry, .dead_lettered = 1 });
        expect_dead_letters(&t, "1:retries-exhausted");
        expect_report(&t, 1, DEAD_LETTER_RETRIES_EXHAUSTED);
        expect_no_report(&t);
        g_assert_cmpint(queue_nack(t.q, 1, true, 0), ==, -ENOENT);
}

static void test_nack(void) {
        _cleanup_(test_done) Test t;

        test_init(&t, false, 3);
        t.o.backoff_delay_usec = 200 * MS;
        t.o.backoff_policy = BACKOFF_LINEAR;
        push_range(&t, 1, 4);
        expect_next(&t, 0, 1, 1);
        expect_next(&t, 0, 2, 1);
        expect_next(&t, 0, 3, 1);

        /* Not outstanding: never pushed, pending, or 0. */
        g_assert_cmpint(queue_nack(t.q, 0, true, 0), ==, -ENOENT);
        g_assert_cmpint(queue_nack(t.q, 4, true, 0), ==, -ENOENT);
        g_assert_cmpint(queue_nack(t.q, 4, false, 0), ==, -ENOENT);
        g_assert_cmpint(queue_nack(t.q, 99, false, 0), ==, -ENOENT);

        /* Requeue: back off; a second Nack of it is late either way. */
        g_assert_cmpint(queue_nack(t.q, 1, true, 50 * MS), ==, 0);
        g_assert_cmpuint(queue_next_wakeup(t.q), ==, 250 * MS);
        g_assert_cmpint(queue_nack(t.q, 1, true, 60 * MS), ==, -ENOENT);
        g_assert_cmpint(queue_nack(t.q, 1, false, 60 * MS), ==, -ENOENT);
        expect_counts(&t, (Counts) { .pending = 1, .in_flight = 3 });

        /* Reject: dead-lettered at once, and it frees its place in the Window. */
        g_assert_cmpint(queue_nack(t.q, 2, false, 70 * MS), ==, 0);
        expect_report(&t, 2, DEAD_LETTER_REJECTED);
        expect_no_report(&t);
        expect_dead_letters(&t, "2:rejected");
        g_assert_cmpint(queue_nack(t.q, 2, false, 70 * MS), ==, -ENOENT);
        expect_counts(&t, (Counts) { .pending = 1, .in_flight = 2, .dead_lettered = 1 });
        expect_next(&t, 70 * MS, 4, 1);

        /* Due (backoff over, not sent again yet): still no delivery to refuse. */
        queue_tick(t.q, 250 * MS);
        g_assert_cmpint(queue_nack(t.q, 1, true, 250 * MS), ==, -ENOENT);
        expect_next(&t, 250 * MS, 1, 2);
        g_assert_cmpint(queue_nack(t.q, 1, false, 260 * MS), ==, 0);
        expect_report(&t, 1, DEAD_LETTER_REJECTED);
        expect_dead_letters(&t, "2:rejected 1:rejected");
        expect_counts(&t, (Counts) { .in_flight = 2, .retried = 1, .dead_lettered = 2 });
        /* Acked ones are not outstanding either. */
        g_assert_cmpuint(queue_ack(t.q, 3), ==, 1);
        g_assert_cmpint(queue_nack(t.q, 3, true, 260 * MS), ==, -ENOENT);
}

static void test_zero_backoff(void) {
        _cleanup_(test_done) Test t;

        test_init(&t, false, 2);
        t.o.backoff_delay_usec = 0;
        push_range(&t, 1, 1);
        expect_next(&t, 0, 1, 1);
        /* Nothing to wait for: due at once, no wakeup needed. */
        g_assert_cmpint(queue_nack(t.q, 1, true, 5), ==, 0);
        g_assert_cmpuint(queue_next_wakeup(t.q), ==, UINT64_MAX);
        expect_next(&t, 5, 1, 2);
}

static void test_late_tick(void) {
        _cleanup_(test_done) Test t;

        test_init(&t, false, 2);
        t.o.backoff_delay_usec = 200 * MS;
        t.o.backoff_policy = BACKOFF_LINEAR;
        push_range(&t, 1, 2);
        expect_next(&t, 0, 1, 1);
        expect_next(&t, 100 * MS, 2, 1);

        /* 1 failed at 1000 ms: its backoff ends at 1200 ms, however late the tick. 2 failed at
         * 1100 ms and is due by 1300 ms. */
        queue_tick(t.q, 1150 * MS);
        g_assert_cmpuint(queue_next_wakeup(t.q), ==, 1200 * MS);
        queue_tick(t.q, 1300 * MS);
        g_assert_cmpuint(queue_next_wakeup(t.q), ==, UINT64_MAX);
        expect_next(&t, 1300 * MS, 1, 2);
        expect_next(&t, 1300 * MS, 2, 2);
}

static void test_ordered_head_holds(void) {
        _cleanup_(test_done) Test t;
        uint64_t now = 0;

        test_init(&t, true, 64);
        t.o.retry = 2;
        push_range(&t, 1, 3);

        for (uint32_t a = 1; a <= 3; a++) {
                expect_next(&t, now, 1, a);
                g_assert_cmpuint(next(&t, now), ==, NONE);
                queue_tick(t.q, now + t.o.ack_timeout_usec);
                /* Whether in backoff or just dead-lettered, nothing but 1 went yet. */
                if (a < 3) {
                        g_assert_cmpuint(next(&t, now + t.o.ack_timeout_usec), ==, NONE);
                        expect_counts(&t, (Counts) { .pending = 2, .in_flight = 1, .retried = a - 1 });
                }
                now = queue_next_wakeup(t.q);
                queue_tick(t.q, now);
        }

        /* 1 gave up: 2 goes, with its own first attempt. */
        expect_report(&t, 1, DEAD_LETTER_RETRIES_EXHAUSTED);
        expect_counts(&t, (Counts) { .pending = 2, .retried = 2, .dead_lettered = 1 });
        expect_next(&t, 5 * USEC_PER_SEC, 2, 1);
        g_assert_cmpint(queue_nack(t.q, 2, true, 5 * USEC_PER_SEC), ==, 0);
        g_assert_cmpuint(next(&t, 5 * USEC_PER_SEC), ==, NONE);
        /* Acknowledged while backing off: 3 goes without waiting for the backoff. */
        g_assert_cmpuint(queue_ack(t.q, 2), ==, 1);
        g_assert_cmpuint(queue_next_wakeup(t.q), ==, UINT64_MAX);
        expect_next(&t, 5 * USEC_PER_SEC, 3, 1);
        expect_counts(&t, (Counts) { .in_flight = 1, .delivered = 1, .retried = 2, .dead_lettered = 1,
                                     .acked_seq = 2 });
}

static void test_unordered_failure_does_not_hold(void) {
        _cleanup_(test_done) Test t;

        test_init(&t, false, 2);
        t.o.backoff_delay_usec = 100 * MS;
        t.o.backoff_policy = BACKOFF_LINEAR;
        push_range(&t, 1, 4);
        expect_next(&t, 0, 1, 1);
        expect_next(&t, 0, 2, 1);

        g_assert_cmpint(queue_nack(t.q, 1, true, 0), ==, 0);
        /* In backoff it still takes its place in the Window... */
        g_assert_cmpuint(next(&t, 0), ==, NONE);
        /* ...but the others go on around it. */
        g_assert_cmpuint(queue_ack(t.q, 2), ==, 1);
        expect_next(&t, 0, 3, 1);
        g_assert_cmpuint(queue_ack(t.q, 3), ==, 1);
        queue_tick(t.q, 100 * MS);
        /* A due retry goes before the backlog. */
        expect_next(&t, 100 * MS, 1, 2);
        expect_next(&t, 100 * MS, 4, 1);
        expect_counts(&t, (Counts) { .in_flight = 2, .delivered = 2, .retried = 1, .acked_seq = 3 });
}

static void test_due_lowest_first(void) {
        _cleanup_(test_done) Test t;

        test_init(&t, false, 8);
        t.o.backoff_delay_usec = 100 * MS;
        t.o.backoff_policy = BACKOFF_LINEAR;
        push_range(&t, 1, 6);
        for (uint64_t s = 1; s <= 4; s++)
                expect_next(&t, 0, s, 1);
        /* Failed in the order 4, 2, 3; all due by the same tick. */
        g_assert_cmpint(queue_nack(t.q, 4, true, 0), ==, 0);
        g_assert_cmpint(queue_nack(t.q, 2, true, 10), ==, 0);
        g_assert_cmpint(queue_nack(t.q, 3, true, 20), ==, 0);
        queue_tick(t.q, 100 * MS + 20);
        expect_next(&t, 200 * MS, 2, 2);
        expect_next(&t, 200 * MS, 3, 2);
        expect_next(&t, 200 * MS, 4, 2);
        expect_next(&t, 200 * MS, 5, 1);
}

static void test_queue_limit(void) {
        _cleanup_(test_done) Test t;

        test_init(&t, false, 2);
        t.o.queue_limit = 3;
        push_range(&t, 1, 2);
        expect_next(&t, 0, 1, 1);
        expect_next(&t, 0, 2, 1);
        push_range(&t, 3, 5);
        expect_counts(&t, (Counts) { .pending = 3, .in_flight = 2 });

        /* Full: the oldest pending goes, never the outstanding ones. */
        g_assert_cmpuint(push(&t, 6), ==, 1);
        expect_report(&t, 3, DEAD_LETTER_QUEUE_LIMIT);
        expect_no_report(&t);
        g_assert_cmpuint(push(&t, 8), ==, 1);
        expect_report(&t, 4, DEAD_LETTER_QUEUE_LIMIT);
        expect_dead_letters(&t, "3:queue-limit 4:queue-limit");
        expect_counts(&t, (Counts) { .pending = 3, .in_flight = 2, .dead_lettered = 2 });
        g_assert_cmpuint(queue_ack(t.q, 1), ==, 1);
        expect_next(&t, 0, 5, 1);
        g_assert_cmpuint(queue_ack(t.q, 3), ==, 0);
        expect_counts(&t, (Counts) { .pending = 2, .in_flight = 2, .delivered = 1, .dead_lettered = 2,
                                     .acked_seq = 1 });
}

static void test_queue_limit_after_detach(void) {
        _cleanup_(test_done) Test t;

        test_init(&t, false, 3);
        t.o.queue_limit = 2;
        for (uint64_t s = 1; s <= 3; s++) {
                push_range(&t, s, s);
                expect_next(&t, 0, s, 1);
        }
        push_range(&t, 4, 5);
        /* Leaving is no reason to lose anything: 5 pending with a limit of 2. */
        queue_detach(t.q);
        expect_counts(&t, (Counts) { .pending = 5 });
        expect_no_report(&t);
        /* The next push makes it fit again, oldest first. */
        g_assert_cmpuint(push(&t, 6), ==, 4);
        for (uint64_t s = 1; s <= 4; s++)
                expect_report(&t, s, DEAD_LETTER_QUEUE_LIMIT);
        expect_no_report(&t);
        expect_counts(&t, (Counts) { .pending = 2, .dead_lettered = 4 });
        expect_next(&t, 0, 5, 1);
}

typedef struct DeadLetterLimitCase {
        uint32_t limit;
        const char *kept;
        uint64_t discarded;
} DeadLetterLimitCase;

static const DeadLetterLimitCase dead_letter_limit_cases[] = {
        { 0, "", 4 },
        { 1, "4:rejected", 3 },
        { 3, "2:rejected 3:queue-limit 4:rejected", 1 },
        { 4, "1:rejected 2:rejected 3:queue-limit 4:rejected", 0 },
        { 10, "1:rejected 2:rejected 3:queue-limit 4:rejected", 0 },
};

static void test_dead_letter_limit(const void *data) {
        const DeadLetterLimitCase *c = data;
        _cleanup_(test_done) Test t;

        test_init(&t, false, 2);
        t.o.dead_letter_limit = c->limit;
        t.o.queue_limit = 1;
        push_range(&t, 1, 1);
        expect_next(&t, 0, 1, 1);
        push_range(&t, 2, 2);
        expect_next(&t, 0, 2, 1);
        g_assert_cmpint(queue_nack(t.q, 1, false, 0), ==, 0);
        g_assert_cmpint(queue_nack(t.q, 2, false, 0), ==, 0);
        push_range(&t, 3, 3);
        g_assert_cmpuint(push(&t, 4), ==, 1);
        expect_next(&t, 0, 4, 1);
        g_assert_cmpint(queue_nack(t.q, 4, false, 0), ==, 0);

        expect_dead_letters(&t, c->kept);
        expect_counts(&t, (Counts) { .dead_lettered = 4, .discarded = c->discarded });
        /* Kept or not, each reported once. */
        expect_report(&t, 1, DEAD_LETTER_REJECTED);
        expect_report(&t, 2, DEAD_LETTER_REJECTED);
        expect_report(&t, 3, DEAD_LETTER_QUEUE_LIMIT);
        expect_report(&t, 4, DEAD_LETTER_REJECTED);
        expect_no_report(&t);
}

static void test_redrive(void) {
        _cleanup_(test_done) Test t;

        test_init(&t, false, 3);
        t.o.queue_limit = 2;
        for (uint64_t s = 1; s <= 3; s++) {
                push_range(&t, s, s);
                expect_next(&t, 0, s, 1);
        }
        /* Dead-lettered in the order 3, 1, 2; 2 after a retry. */
        g_assert_cmpint(queue_nack(t.q, 3, false, 0), ==, 0);
        g_assert_cmpint(queue_nack(t.q, 1, false, 0), ==, 0);
        t.o.backoff_delay_usec = 0;
        g_assert_cmpint(queue_nack(t.q, 2, true, 0), ==, 0);
        expect_next(&t, 0, 2, 2);
        g_assert_cmpint(queue_nack(t.q, 2, false, 0), ==, 0);
        push_range(&t, 4, 5);
        expect_dead_letters(&t, "3:rejected 1:rejected 2:rejected");
        expect_counts(&t, (Counts) { .pending = 2, .retried = 1, .dead_lettered = 3 });
        while (queue_pop_dead_lettered(t.q, NULL, NULL))
                ;

        /* Back in seq order among the backlog, past QueueLimit, counted as dead-lettered still. */
        g_assert_cmpuint(queue_redrive(t.q), ==, 3);
        expect_dead_letters(&t, "");
        expect_no_report(&t);
        expect_counts(&t, (Counts) { .pending = 5, .retried = 1, .dead_lettered = 3 });
        g_assert_cmpuint(queue_redrive(t.q), ==, 0);

        /* Attempts start over. */
        expect_next(&t, 0, 1, 1);
        expect_next(&t, 0, 2, 1);
        expect_next(&t, 0, 3, 1);
        g_assert_cmpuint(next(&t, 0), ==, NONE);
        for (uint64_t s = 1; s <= 3; s++)
                g_assert_cmpuint(queue_ack(t.q, s), ==, 1);
        expect_next(&t, 0, 4, 1);
        expect_next(&t, 0, 5, 1);
        expect_counts(&t, (Counts) { .in_flight = 2, .delivered = 3, .retried = 1, .dead_lettered = 3,
                                     .acked_seq = 3 });
}

static void test_redrive_ordered(void) {
        _cleanup_(test_done) Test t;

        test_init(&t, true, 1);
        t.o.backoff_delay_usec = 100 * MS;
        push_range(&t, 1, 3);
        expect_next(&t, 0, 1, 1);
        g_assert_cmpint(queue_nack(t.q, 1, false, 0), ==, 0);
        expect_next(&t, 0, 2, 1);
        g_assert_cmpint(queue_nack(t.q, 2, true, 0), ==, 0);
        g_assert_cmpuint(next(&t, 0), ==, NONE);

        /* 2 is backing off, not with the subscriber: the redriven 1 goes first, then 2, then 3. */
        g_assert_cmpuint(queue_redrive(t.q), ==, 1);
        expect_next(&t, 0, 1, 1);
        expect_counts(&t, (Counts) { .pending = 2, .in_flight = 1, .dead_lettered = 1 });
        g_assert_cmpuint(next(&t, 0), ==, NONE);
        g_assert_cmpuint(queue_ack(t.q, 1), ==, 1);
        expect_next(&t, 0, 2, 2);
        g_assert_cmpuint(queue_ack(t.q, 2), ==, 1);
        expect_next(&t, 0, 3, 1);
        expect_counts(&t, (Counts) { .in_flight = 1, .delivered = 2, .retried = 1, .dead_lettered = 1,
                                     .acked_seq = 2 });
}

static void test_purge(void) {
        _cleanup_(test_done) Test t;

        test_init(&t, false, 4);
        t.o.queue_limit = 1;
        push_range(&t, 1, 1);
        g_assert_cmpuint(push(&t, 2), ==, 1);
        g_assert_cmpuint(push(&t, 3), ==, 1);
        g_assert_cmpuint(queue_purge_dead_letters(t.q), ==, 2);
        expect_dead_letters(&t, "");
        g_assert_cmpuint(queue_purge_dead_letters(t.q), ==, 0);
        g_assert_cmpuint(queue_redrive(t.q), ==, 0);
        /* Purged is not discarded; the reports stay. */
        expect_counts(&t, (Counts) { .pending = 1, .dead_lettered = 2 });
        expect_report(&t, 1, DEAD_LETTER_QUEUE_LIMIT);
        expect_report(&t, 2, DEAD_LETTER_QUEUE_LIMIT);
        expect_no_report(&t);
        expect_next(&t, 0, 3, 1);
}

static void test_detach(void) {
        _cleanup_(test_done) Test t;

        test_init(&t, false, 3);
        t.o.backoff_delay_usec = 100 * MS;
        t.o.backoff_policy = BACKOFF_LINEAR;
        t.o.retry = 2;
        push_range(&t, 1, 5);
        for (uint64_t s = 1; s <= 3; s++)
                expect_next(&t, 0, s, 1);
        /* 3: failed, retried, failed again and due; 2: in backoff; 1: sent. */
        g_assert_cmpint(queue_nack(t.q, 3, true, 0), ==, 0);
        queue_tick(t.q, 100 * MS);
        expect_next(&t, 100 * MS, 3, 2);
        g_assert_cmpint(queue_nack(t.q, 3, true, 100 * MS), ==, 0);
        queue_tick(t.q, 300 * MS);
        g_assert_cmpint(queue_nack(t.q, 2, true, 300 * MS), ==, 0);
        expect_counts(&t, (Counts) { .pending = 2, .in_flight = 3, .retried = 1 });

        queue_detach(t.q);
        expect_counts(&t, (Counts) { .pending = 5, .retried = 1 });
        g_assert_cmpuint(queue_next_wakeup(t.q), ==, UINT64_MAX);
        g_assert_cmpint(queue_nack(t.q, 1, true, 0), ==, -ENOENT);
        queue_detach(t.q);
        expect_counts(&t, (Counts) { .pending = 5, .retried = 1 });

        /* Back in seq order, each attempt number going on from where it was. */
        expect_next(&t, 400 * MS, 1, 2);
        expect_next(&t, 400 * MS, 2, 2);
        expect_next(&t, 400 * MS, 3, 3);
        g_assert_cmpuint(next(&t, 400 * MS), ==, NONE);
        expect_counts(&t, (Counts) { .pending = 2, .in_flight = 3, .retried = 4 });
        /* 3 used its last attempt: one more failure gives up on it. */
        g_assert_cmpint(queue_nack(t.q, 3, true, 500 * MS), ==, 0);
        expect_report(&t, 3, DEAD_LETTER_RETRIES_EXHAUSTED);
        expect_next(&t, 500 * MS, 4, 1);
        expect_counts(&t, (Counts) { .pending = 1, .in_flight = 3, .retried = 4, .dead_lettered = 1 });
}

static void test_detach_ordered(void) {
        _cleanup_(test_done) Test t;

        test_init(&t, true, 1);
        push_range(&t, 1, 2);
        expect_next(&t, 0, 1, 1);
        queue_detach(t.q);
        /* Acks still count while detached (an admin, or a late one of the owner's). */
        g_assert_cmpuint(queue_ack(t.q, 1), ==, 1);
        expect_counts(&t, (Counts) { .pending = 1, .delivered = 1, .acked_seq = 1 });
        expect_next(&t, 0, 2, 1);
        queue_detach(t.q);
        expect_next(&t, 0, 2, 2);
}

static void test_wakeup(void) {
        _cleanup_(test_done) Test t;

        test_init(&t, false, 4);
        t.o.backoff_delay_usec = 300 * MS;
        t.o.backoff_policy = BACKOFF_LINEAR;
        push_range(&t, 1, 5);
        g_assert_cmpuint(queue_next_wakeup(t.q), ==, UINT64_MAX);
        expect_next(&t, 500 * MS, 1, 1);
        expect_next(&t, 200 * MS, 2, 1);
        expect_next(&t, 700 * MS, 3, 1);
        g_assert_cmpuint(queue_next_wakeup(t.q), ==, 1200 * MS);
        /* 2 backing off until 600 ms comes before every ack deadline. */
        g_assert_cmpint(queue_nack(t.q, 2, true, 300 * MS), ==, 0);
        g_assert_cmpuint(queue_next_wakeup(t.q), ==, 600 * MS);
        g_assert_cmpuint(queue_ack(t.q, 2), ==, 1);
        g_assert_cmpuint(queue_next_wakeup(t.q), ==, 1500 * MS);
        g_assert_cmpuint(queue_ack(t.q, 1), ==, 1);
        g_assert_cmpuint(queue_next_wakeup(t.q), ==, 1700 * MS);
        /* 3 fails at 1700 ms and backs off until 2000 ms; nothing else is outstanding. */
        queue_tick(t.q, 1700 * MS);
        g_assert_cmpuint(queue_next_wakeup(t.q), ==, 2000 * MS);
        /* Due, waiting for queue_next rather than for a time. */
        queue_tick(t.q, 2000 * MS);
        g_assert_cmpuint(queue_next_wakeup(t.q), ==, UINT64_MAX);
        expect_next(&t, 2100 * MS, 3, 2);
        g_assert_cmpuint(queue_next_wakeup(t.q), ==, 3100 * MS);
}

static void test_acked_seq(void) {
        _cleanup_(test_done) Test t;

        test_init(&t, false, 8);
        push_range(&t, 1, 6);
        for (uint64_t s = 1; s <= 4; s++)
                expect_next(&t, 0, s, 1);
        g_assert_cmpuint(queue_ack(t.q, 3), ==, 1);
        g_assert_cmpuint(queue_counters(t.q)->acked_seq, ==, 3);
        /* Lower later: the highest stays. */
        g_assert_cmpuint(queue_ack(t.q, 1), ==, 1);
        g_assert_cmpuint(queue_counters(t.q)->acked_seq, ==, 3);
        /* Unknown: no change. */
        g_assert_cmpuint(queue_ack(t.q, 99), ==, 0);
        g_assert_cmpuint(queue_counters(t.q)->acked_seq, ==, 3);
        /* Unordered Ack of a pending one counts too. */
        g_assert_cmpuint(queue_ack(t.q, 6), ==, 1);
        g_assert_cmpuint(queue_counters(t.q)->acked_seq, ==, 6);
        expect_next(&t, 0, 5, 1);
        g_assert_cmpuint(next(&t, 0), ==, NONE);
        expect_counts(&t, (Counts) { .in_flight = 3, .delivered = 3, .acked_seq = 6 });
}

/* One step of a scenario, then every counter as it must be. */
typedef enum Op { PUSH, NEXT, ACK, NACK, REJECT, TICK, DETACH, REDRIVE, PURGE } Op;

typedef struct Step {
        Op op;
        uint64_t arg;    /* seq, or the time for NEXT/TICK */
        int64_t result;  /* seq sent (NEXT), count (PUSH/ACK/REDRIVE/PURGE), return (NACK/REJECT) */
        Counts counts;
} Step;

/*
 * Unordered, Window 2, Retry 1, linear 100 ms, AckTimeout 1 s, QueueLimit 3, DeadLetterLimit 2; Nacks at
 * 1200 ms. The counts: pending, in_flight, delivered, retried, dead_lettered, discarded, acked_seq.
 */
static const Step scenario[] = {
        { PUSH, 1, 0, { 1, 0, 0, 0, 0, 0, 0 } },
        { PUSH, 2, 0, { 2, 0, 0, 0, 0, 0, 0 } },
        { NEXT, 0, 1, { 1, 1, 0, 0, 0, 0, 0 } },
        { NEXT, 0, 2, { 0, 2, 0, 0, 0, 0, 0 } },
        { NEXT, 0, NONE, { 0, 2, 0, 0, 0, 0, 0 } },
        { PUSH, 3, 0, { 1, 2, 0, 0, 0, 0, 0 } },
        { PUSH, 4, 0, { 2, 2, 0, 0, 0, 0, 0 } },
        { PUSH, 5, 0, { 3, 2, 0, 0, 0, 0, 0 } },
        /* 3 pushed out of the backlog */
        { PUSH, 6, 1, { 3, 2, 0, 0, 1, 0, 0 } },
        { ACK, 2, 1, { 3, 1, 1, 0, 1, 0, 2 } },
        { NEXT, 10, 4, { 2, 2, 1, 0, 1, 0, 2 } },
        /* 1 backs off until 1100 ms */
        { TICK, 1000 * MS, 0, { 2, 2, 1, 0, 1, 0, 2 } },
        { NEXT, 1000 * MS, NONE, { 2, 2, 1, 0, 1, 0, 2 } },
        /* 1 due; 4 backs off until 1100.010 ms */
        { TICK, 1100 * MS, 0, { 2, 2, 1, 0, 1, 0, 2 } },
        { NEXT, 1100 * MS, 1, { 2, 2, 1, 1, 1, 0, 2 } },
        /* 1 used its last attempt */
        { NACK, 1, 0, { 2, 1, 1, 1, 2, 0, 2 } },
        { REJECT, 4, -ENOENT, { 2, 1, 1, 1, 2, 0, 2 } },
        { TICK, 1200 * MS, 0, { 2, 1, 1, 1, 2, 0, 2 } },
        { NEXT, 1200 * MS, 4, { 2, 1, 1, 2, 2, 0, 2 } },
        /* 3 discarded for 4 */
        { REJECT, 4, 0, { 2, 0, 1, 2, 3, 1, 2 } },
        { NACK, 4, -ENOENT, { 2, 0, 1, 2, 3, 1, 2 } },
        /* 1 and 4 */
        { REDRIVE, 0, 2, { 4, 0, 1, 2, 3, 1, 2 } },
        { NEXT, 1200 * MS, 1, { 3, 1, 1, 2, 3, 1, 2 } },
        /* 4 pushed out again */
        { PUSH, 7, 1, { 3, 1, 1, 2, 4, 1, 2 } },
        { ACK, 6, 1, { 2, 1, 2, 2, 4, 1, 6 } },
        { DETACH, 0, 0, { 3, 0, 2, 2, 4, 1, 6 } },
        { NEXT, 2000 * MS, 1, { 2, 1, 2, 3, 4, 1, 6 } },
        { ACK, 1, 1, { 2, 0, 3, 3, 4, 1, 6 } },
        { PURGE, 0, 1, { 2, 0, 3, 3, 4, 1, 6 } },
        { PUSH, 8, 0, { 3, 0, 3, 3, 4, 1, 6 } },
        { NEXT, 2000 * MS, 5, { 2, 1, 3, 3, 4, 1, 6 } },
        { NEXT, 2000 * MS, 7, { 1, 2, 3, 3, 4, 1, 6 } },
        { NEXT, 2000 * MS, NONE, { 1, 2, 3, 3, 4, 1, 6 } },
        { ACK, 8, 1, { 0, 2, 4, 3, 4, 1, 8 } },
        { ACK, 7, 1, { 0, 1, 5, 3, 4, 1, 8 } },
        { ACK, 5, 1, { 0, 0, 6, 3, 4, 1, 8 } },
};

static void test_scenario(void) {
        static const struct {
                uint64_t seq;
                DeadLetterReason reason;
        } reports[] = {
                { 3, DEAD_LETTER_QUEUE_LIMIT },
                { 1, DEAD_LETTER_RETRIES_EXHAUSTED },
                { 4, DEAD_LETTER_REJECTED },
                { 4, DEAD_LETTER_QUEUE_LIMIT },
        };
        _cleanup_(test_done) Test t;

        test_init(&t, false, 2);
        t.o.retry = 1;
        t.o.backoff_delay_usec = 100 * MS;
        t.o.backoff_policy = BACKOFF_LINEAR;
        t.o.queue_limit = 3;
        t.o.dead_letter_limit = 2;

        for (size_t i = 0; i < G_N_ELEMENTS(scenario); i++) {
                const Step *s = &scenario[i];
                int64_t r = 0;

                g_test_message("step %zu", i);
                switch (s->op) {
                case PUSH:
                        r = push(&t, s->arg);
                        break;
                case NEXT:
                        r = next(&t, s->arg);
                        break;
                case ACK:
                        r = queue_ack(t.q, s->arg);
                        break;
                case NACK:
                case REJECT:
                        r = queue_nack(t.q, s->arg, s->op == NACK, 1200 * MS);
                        break;
                case TICK:
                        queue_tick(t.q, s->arg);
                        break;
                case DETACH:
                        queue_detach(t.q);
                        break;
                case REDRIVE:
                        r = queue_redrive(t.q);
                        break;
                case PURGE:
                        r = queue_purge_dead_letters(t.q);
                        break;
                }
                g_assert_cmpint(r, ==, s->result);
                expect_counts(&t, s->counts);
        }

        for (size_t i = 0; i < G_N_ELEMENTS(reports); i++)
                expect_report(&t, reports[i].seq, reports[i].reason);
        expect_no_report(&t);
}

/* The queue holds one reference while it has an event, kept as a dead letter or not, and none after. */
static void test_refs(void) {
        _cleanup_(event_unrefp) Event *a = event_new("event.test", "/test", 0);
        _cleanup_(event_unrefp) Event *b = event_new("event.test", "/test", 0);
        _cleanup_(event_unrefp) Event *c = event_new("event.test", "/test", 0);
        _cleanup_(test_done) Test t;

        test_init(&t, false, 2);
        t.o.dead_letter_limit = 1;
        a->seq = 1;
        b->seq = 2;
        c->seq = 3;
        queue_push(t.q, a);
        queue_push(t.q, b);
        queue_push(t.q, c);
        g_assert_cmpuint(a->n_ref, ==, 2);
        expect_next(&t, 0, 1, 1);
        expect_next(&t, 0, 2, 1);
        g_assert_cmpuint(queue_ack(t.q, 1), ==, 1);
        g_assert_cmpuint(a->n_ref, ==, 1);
        g_assert_cmpint(queue_nack(t.q, 2, false, 0), ==, 0);
        g_assert_cmpuint(b->n_ref, ==, 2);
        expect_next(&t, 0, 3, 1);
        g_assert_cmpint(queue_nack(t.q, 3, false, 0), ==, 0);
        g_assert_cmpuint(b->n_ref, ==, 1);
        g_assert_cmpuint(c->n_ref, ==, 2);
        g_assert_cmpuint(queue_redrive(t.q), ==, 1);
        g_assert_cmpuint(c->n_ref, ==, 2);
        expect_next(&t, 0, 3, 1);
        queue_detach(t.q);
        t.q = queue_free(t.q);
        g_assert_cmpuint(c->n_ref, ==, 1);
}

static void test_report_cap(void) {
        _cleanup_(test_done) Test t;
        const unsigned n = QUEUE_DEAD_LETTER_REPORTS_MAX + 10;
        uint64_t seq;

        test_init(&t, false, 1);
        t.o.queue_limit = 1;
        t.o.dead_letter_limit = 5;
        push_range(&t, 1, 1);
        for (unsigned s = 2; s <= n + 1; s++)
                g_assert_cmpuint(push(&t, s), ==, 1);

        /* The oldest reports went, counted; the newest are all there, in order. */
        g_assert_cmpuint(queue_counters(t.q)->dead_lettered, ==, n);
        g_assert_cmpuint(queue_counters(t.q)->dead_letter_reports_dropped, ==, 10);
        g_assert_cmpuint(queue_counters(t.q)->dead_letters_discarded, ==, n - 5);
        for (unsigned i = 0; i < QUEUE_DEAD_LETTER_REPORTS_MAX; i++) {
                g_assert_true(queue_pop_dead_lettered(t.q, &seq, NULL));
                g_assert_cmpuint(seq, ==, 11 + i);
        }
        expect_no_report(&t);
        g_assert_cmpuint(queue_dead_letters(t.q)->len, ==, 5);
}

/* What an Ack or Nack would answer, and the caller's mark kept with it. */
static void test_find_sent(void) {
        Test t;
        QueueEntry *e;

        test_init(&t, false, 8);
        push_range(&t, 1, 3);
        g_assert_null(queue_find_sent(t.q, 1)); /* pending, not sent */
        e = queue_next(t.q, 0);
        e->mark = (FlowMark) { .messages = 7, .bytes = 700 };
        g_assert_cmpuint(next(&t, 0), ==, 2);
        g_assert_cmpuint(queue_find_sent(t.q, 1)->mark.messages, ==, 7);
        g_assert_null(queue_find_sent(t.q, 3));
        /* Failed (no Ack in time): in backoff, no delivery of it is with the subscriber. */
        queue_tick(t.q, t.o.ack_timeout_usec);
        g_assert_null(queue_find_sent(t.q, 1));
        test_done(&t);

        /* Ordered: the one outstanding answers a cumulative Ack at or above its seq. */
        test_init(&t, true, 1);
        push_range(&t, 1, 3);
        e = queue_next(t.q, 0);
        e->mark = (FlowMark) { .messages = 1, .bytes = 100 };
        g_assert_cmpuint(queue_find_sent(t.q, 3)->event->seq, ==, 1);
        g_assert_cmpuint(queue_find_sent(t.q, 1)->mark.bytes, ==, 100);
        g_assert_cmpuint(queue_ack(t.q, 1), ==, 1);
        g_assert_null(queue_find_sent(t.q, 3));
        e = queue_next(t.q, 0);
        g_assert_null(queue_find_sent(t.q, 1)); /* below the one outstanding (2) */
        test_done(&t);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/queue/reason-strings", test_reason_strings);
        g_test_add_func("/queue/empty", test_empty);
        g_test_add_func("/queue/ordered-one-at-a-time", test_ordered_one_at_a_time);
        g_test_add_func("/queue/cumulative-ack", test_cumulative_ack);
        ADD_CASES("/queue/stale-ack", stale_cases, test_stale_ack);
        g_test_add_func("/queue/ack-of-dead-letter", test_ack_of_dead_letter);
        ADD_CASES("/queue/window", windows, test_window);
        ADD_CASES("/queue/backoff", backoff_cases, test_backoff);
        ADD_CASES("/queue/retry-exhaustion", retry_cases, test_retry_exhaustion);
        g_test_add_func("/queue/nack", test_nack);
        g_test_add_func("/queue/zero-backoff", test_zero_backoff);
        g_test_add_func("/queue/late-tick", test_late_tick);
        g_test_add_func("/queue/ordered-head-holds", test_ordered_head_holds);
        g_test_add_func("/queue/unordered-failure-does-not-hold", test_unordered_failure_does_not_hold);
        g_test_add_func("/queue/due-lowest-first", test_due_lowest_first);
        g_test_add_func("/queue/queue-limit", test_queue_limit);
        g_test_add_func("/queue/queue-limit-after-detach", test_queue_limit_after_detach);
        ADD_CASES("/queue/dead-letter-limit", dead_letter_limit_cases, test_dead_letter_limit);
        g_test_add_func("/queue/redrive", test_redrive);
        g_test_add_func("/queue/redrive-ordered", test_redrive_ordered);
        g_test_add_func("/queue/purge", test_purge);
        g_test_add_func("/queue/detach", test_detach);
        g_test_add_func("/queue/detach-ordered", test_detach_ordered);
        g_test_add_func("/queue/wakeup", test_wakeup);
        g_test_add_func("/queue/acked-seq", test_acked_seq);
        g_test_add_func("/queue/scenario", test_scenario);
        g_test_add_func("/queue/refs", test_refs);
        g_test_add_func("/queue/report-cap", test_report_cap);
        g_test_add_func("/queue/find-sent", test_find_sent);

        return g_test_run();
}
