/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where each event is:
 *
 *   pending      a GTree by seq: sends go lowest first, an unordered Ack of a pending seq and the
 *                merges of Redrive and Detach are O(log n), and a push (the highest seq) appends;
 *   outstanding  a GHashTable by seq, at most Window (ordered: 1) entries, three kinds of them:
 *                sent (waiting for its Ack until ack_deadline), in backoff (until retry_at), and due
 *                (backoff over, waiting for queue_next); the due ones are also in a GTree by seq,
 *                so that queue_next takes the lowest without a scan;
 *   dead letters a GQueue, oldest first: discarding the oldest past DeadLetterLimit is O(1).
 *
 * Only queue_tick and queue_next_wakeup scan, and only the outstanding. Every key is a pointer to the
 * seq inside the entry's own event, so no key is allocated.
 */

#include <assert.h>

#include "model/queue.h"

typedef struct Entry {
        QueueEntry pub; /* first: queue_next hands out &pub */
        bool due;       /* outstanding, backoff over, not sent again yet */
} Entry;

typedef struct Report {
        uint64_t seq;
        DeadLetterReason reason;
} Report;

struct Queue {
        const SubscriptionOptions *o;
        GTree *pending;               /* seq -> Entry */
        GHashTable *outstanding;      /* seq -> Entry, owns the entries */
        GTree *due;                   /* seq -> Entry, a subset of outstanding */
        GQueue dead_letters;          /* DeadLetter*, oldest first */
        GPtrArray *dead_letters_view; /* what queue_dead_letters returns; NULL when stale */
        GQueue reports;               /* Report*, oldest first */
        uint64_t last_pushed_seq;
        QueueCounters counters;
};

static const char *const dead_letter_reason_table[_DEAD_LETTER_REASON_MAX] = {
        [DEAD_LETTER_REJECTED] = "rejected",
        [DEAD_LETTER_RETRIES_EXHAUSTED] = "retries-exhausted",
        [DEAD_LETTER_QUEUE_LIMIT] = "queue-limit",
};

const char *dead_letter_reason_to_string(DeadLetterReason r) {
        if ((unsigned) r >= _DEAD_LETTER_REASON_MAX)
                return NULL;
        return dead_letter_reason_table[r];
}

static uint64_t usec_add(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static int seq_compare(const void *a, const void *b, void *userdata) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

static uint64_t *entry_key(Entry *x) {
        return &x->pub.event->seq;
}

static uint64_t entry_seq(const Entry *x) {
        return x->pub.event->seq;
}

static Entry *entry_new(Event *e) {
        Entry *x = g_new0(Entry, 1);

        x->pub.event = e;
        return x;
}

static void entry_free(Entry *x) {
        event_unref(x->pub.event);
        g_free(x);
}

static void dead_letter_free(DeadLetter *d) {
        event_unref(d->event);
        g_free(d);
}

static bool entry_is_sent(const Entry *x) {
        return x->pub.outstanding && !x->pub.in_backoff && !x->due;
}

static void pending_add(Queue *q, Entry *x) {
        assert(!g_tree_lookup(q->pending, entry_key(x)));
        x->pub.outstanding = false;
        x->pub.in_backoff = false;
        x->pub.ack_deadline = 0;
        x->pub.retry_at = 0;
        x->due = false;
        g_tree_insert(q->pending, entry_key(x), x);
        q->counters.pending++;
}

static Entry *pending_first(Queue *q) {
        GTreeNode *n = g_tree_node_first(q->pending);

        return n ? g_tree_node_value(n) : NULL;
}

static void pending_remove(Queue *q, Entry *x) {
        assert(q->counters.pending > 0);
        g_tree_remove(q->pending, entry_key(x));
        q->counters.pending--;
}

static void outstanding_add(Queue *q, Entry *x) {
        x->pub.outstanding = true;
        g_hash_table_insert(q->outstanding, entry_key(x), x);
        q->counters.in_flight++;
}

/* Takes x out of the outstanding; the caller then owns it. */
static void outstanding_remove(Queue *q, Entry *x) {
        assert(q->counters.in_flight > 0);
        if (x->due)
                g_tree_remove(q->due, entry_key(x));
        x->due = false;
        g_hash_table_steal(q->outstanding, entry_key(x));
        q->counters.in_flight--;
}

static void report(Queue *q, uint64_t seq, DeadLetterReason reason) {
        Report *r;

        if (q->reports.length >= QUEUE_DEAD_LETTER_REPORTS_MAX) {
                g_free(g_queue_pop_head(&q->reports));
                q->counters.dead_letter_reports_dropped++;
        }
        r = g_new(Report, 1);
        *r = (Report) { .seq = seq, .reason = reason };
        g_queue_push_tail(&q->reports, r);
}

static void dead_letters_changed(Queue *q) {
        g_clear_pointer(&q->dead_letters_view, g_ptr_array_unref);
}

/* Consumes x, which is neither pending nor outstanding any more. */
static void dead_letter(Queue *q, Entry *x, DeadLetterReason reason) {
        uint32_t limit = q->o->dead_letter_limit;
        DeadLetter *d;

        q->counters.dead_lettered++;
        report(q, entry_seq(x), reason);

        /* Room for it, oldest first; with a limit of 0 not even this one is kept. */
        while (q->dead_letters.length > 0 && q->dead_letters.length >= limit) {
                dead_letter_free(g_queue_pop_head(&q->dead_letters));
                q->counters.dead_letters_discarded++;
        }
        dead_letters_changed(q);
        if (limit == 0) {
                q->counters.dead_letters_discarded++;
                entry_free(x);
                return;
        }

        d = g_new(DeadLetter, 1);
        *d = (DeadLetter) { .event = TAKE_PTR(x->pub.event), .reason = reason };
        g_free(x);
        g_queue_push_tail(&q->dead_letters, d);
}

/* Consumes x. Returns its seq. */
static uint64_t deliver(Queue *q, Entry *x) {
        uint64_t seq = entry_seq(x);

        q->counters.delivered++;
        entry_free(x);
        return seq;
}

static void make_due(Queue *q, Entry *x) {
        x->pub.in_backoff = false;
        x->pub.retry_at = 0;
        x->due = true;
        g_tree_insert(q->due, entry_key(x), x);
}

/* Attempt x->pub.attempt, sent, failed at t: back off and retry, or give up. */
static void fail(Queue *q, Entry *x, uint64_t t, uint64_t now) {
        assert(entry_is_sent(x));
        assert(x->pub.attempt > 0);

        if (x->pub.attempt > q->o->retry) {
                outstanding_remove(q, x);
                dead_letter(q, x, DEAD_LETTER_RETRIES_EXHAUSTED);
                return;
        }

        x->pub.ack_deadline = 0;
        x->pub.in_backoff = true;
        x->pub.retry_at = usec_add(t, subscription_options_backoff(q->o, x->pub.attempt));
        /* A zero backoff, or a tick that came late: waiting for another tick would only add latency. */
        if (x->pub.retry_at <= now)
                make_due(q, x);
}

Queue *queue_new(const SubscriptionOptions *o) {
        Queue *q = g_new0(Queue, 1);

        assert(o);
        q->o = o;
        q->pending = g_tree_new_full(seq_compare, NULL, NULL, NULL);
        q->outstanding = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL,
                                               (GDestroyNotify) entry_free);
        q->due = g_tree_new_full(seq_compare, NULL, NULL, NULL);
        g_queue_init(&q->dead_letters);
        g_queue_init(&q->reports);
        return q;
}

static gboolean pending_free_one(void *key, void *value, void *userdata) {
        entry_free(value);
        return false;
}

Queue *queue_free(Queue *q) {
        if (!q)
                return NULL;
        g_tree_unref(q->due);
        g_hash_table_unref(q->outstanding);
        g_tree_foreach(q->pending, pending_free_one, NULL);
        g_tree_unref(q->pending);
        g_queue_clear_full(&q->dead_letters, (GDestroyNotify) dead_letter_free);
        g_queue_clear_full(&q->reports, g_free);
        dead_letters_changed(q);
        g_free(q);
        return NULL;
}

unsigned queue_push(Queue *q, Event *e) {
        unsigned n = 0;

        assert(e);
        assert(e->seq > q->last_pushed_seq);
        q->last_pushed_seq = e->seq;

        /* The highest seq yet: the tree appends it. */
        pending_add(q, entry_new(event_ref(e)));

        while (q->counters.pending > q->o->queue_limit) {
                Entry *x = pending_first(q);

                pending_remove(q, x);
                dead_letter(q, x, DEAD_LETTER_QUEUE_LIMIT);
                n++;
        }
        return n;
}

static Entry *ordered_next(Queue *q) {
        Entry *head = pending_first(q), *x;
        GHashTableIter i;

        if (q->counters.in_flight == 0)
                return head;

        assert(q->counters.in_flight == 1);
        x = NULL;
        g_hash_table_iter_init(&i, q->outstanding);
        (void) g_hash_table_iter_next(&i, NULL, (void **) &x);
        assert(x);

        if (entry_is_sent(x))
                return NULL;
        /* A redrive put a lower seq in the backlog: it goes first, and this one, not with the
         * subscriber now, waits behind it again (its attempts kept), so that sends stay in order. */
        if (head && entry_seq(head) < entry_seq(x)) {
                outstanding_remove(q, x);
                pending_add(q, x);
                return head;
        }
        return x->due ? x : NULL;
}

QueueEntry *queue_next(Queue *q, uint64_t now) {
        Entry *x;

        if (q->o->ordered)
                x = ordered_next(q);
        else {
                GTreeNode *n = g_tree_node_first(q->due);

                if (n)
                        x = g_tree_node_value(n);
                else if (q->counters.in_flight < q->o->window)
                        x = pending_first(q);
                else
                        x = NULL;
        }
        if (!x)
                return NULL;

        if (x->pub.outstanding) {
                assert(x->due);
                g_tree_remove(q->due, entry_key(x));
                x->due = false;
        } else {
                pending_remove(q, x);
                outstanding_add(q, x);
        }

        x->pub.attempt++;
        if (x->pub.attempt > 1)
                q->counters.retried++;
        x->pub.in_backoff = false;
        x->pub.retry_at = 0;
        x->pub.ack_deadline = usec_add(now, q->o->ack_timeout_usec);
        return &x->pub;
}

const QueueEntry *queue_find_sent(const Queue *q, uint64_t seq) {
        Entry *x = g_hash_table_lookup(q->outstanding, &seq);
        GHashTableIter i;

        if (!x && q->o->ordered && q->counters.in_flight == 1) {
                g_hash_table_iter_init(&i, q->outstanding);
                (void) g_hash_table_iter_next(&i, NULL, (void **) &x);
                if (entry_seq(x) > seq)
                        x = NULL;
        }
        return x && entry_is_sent(x) ? &x->pub : NULL;
}

static int entry_compare(const void *a, const void *b) {
        uint64_t x = entry_seq(*(Entry *const *) a), y = entry_seq(*(Entry *const *) b);

        return x < y ? -1 : x > y;
}

/* The outstanding entries that pass filter, by seq: they can then be changed. At most Window of them. */
static GPtrArray *outstanding_select(Queue *q, bool (*filter)(const Entry *x, uint64_t arg), uint64_t arg) {
        GPtrArray *a = g_ptr_array_new();
        GHashTableIter i;
        Entry *x;

        g_hash_table_iter_init(&i, q->outstanding);
        while (g_hash_table_iter_next(&i, NULL, (void **) &x))
                if (filter(x, arg))
                        g_ptr_array_add(a, x);
        g_ptr_array_sort(a, entry_compare);
        return a;
}

static bool seq_at_most(const Entry *x, uint64_t seq) {
        return entry_seq(x) <= seq;
}

unsigned queue_ack(Queue *q, uint64_t seq) {
        uint64_t highest = 0;
        unsigned n = 0;
        Entry *x;

        if (q->o->ordered) {
                g_autoptr(GPtrArray) a = outstanding_select(q, seq_at_most, seq);

                for (guint i = 0; i < a->len; i++) {
                        x = a->pdata[i];
                        outstanding_remove(q, x);
                        highest = deliver(q, x);
                        n++;
                }
                while ((x = pending_first(q)) && entry_seq(x) <= seq) {
                        pending_remove(q, x);
                        highest = MAX(highest, entry_seq(x));
                        deliver(q, x);
                        n++;
                }
        } else if ((x = g_hash_table_lookup(q->outstanding, &seq))) {
                outstanding_remove(q, x);
                highest = deliver(q, x);
                n++;
        } else if ((x = g_tree_lookup(q->pending, &seq))) {
                pending_remove(q, x);
                highest = deliver(q, x);
                n++;
        }

        q->counters.acked_seq = MAX(q->counters.acked_seq, highest);
        return n;
}

int queue_nack(Queue *q, uint64_t seq, bool requeue, uint64_t now) {
        Entry *x = g_hash_table_lookup(q->outstanding, &seq);

        /* In backoff or due, no delivery of it is with the subscriber: a Nack can only be a late one. */
        if (!x || !entry_is_sent(x))
                return -ENOENT;

        if (requeue)
                fail(q, x, now, now);
        else {
                outstanding_remove(q, x);
                dead_letter(q, x, DEAD_LETTER_REJECTED);
        }
        return 0;
}

static bool timer_passed(const Entry *x, uint64_t now) {
        return (entry_is_sent(x) && x->pub.ack_deadline <= now) ||
                (x->pub.in_backoff && x->pub.retry_at <= now);
}

void queue_tick(Queue *q, uint64_t now) {
        /* By seq, so that dead letters are kept and reported in a predictable order. */
        g_autoptr(GPtrArray) a = outstanding_select(q, timer_passed, now);

        for (guint i = 0; i < a->len; i++) {
                Entry *x = a->pdata[i];

                if (x->pub.in_backoff)
                        make_due(q, x);
                else
                        /* It failed at its deadline, however late this tick: backoff counts from there. */
                        fail(q, x, x->pub.ack_deadline, now);
        }
}

uint64_t queue_next_wakeup(const Queue *q) {
        uint64_t t = UINT64_MAX;
        GHashTableIter i;
        Entry *x;

        /* Due entries wait for queue_next, not for a time. */
        g_hash_table_iter_init(&i, q->outstanding);
        while (g_hash_table_iter_next(&i, NULL, (void **) &x))
                if (entry_is_sent(x))
                        t = MIN(t, x->pub.ack_deadline);
                else if (x->pub.in_backoff)
                        t = MIN(t, x->pub.retry_at);
        return t;
}

void queue_detach(Queue *q) {
        GHashTableIter i;
        Entry *x;

        /* Back into the backlog at their seqs, even past QueueLimit: leaving is no reason to lose events. */
        g_tree_remove_all(q->due);
        g_hash_table_iter_init(&i, q->outstanding);
        while (g_hash_table_iter_next(&i, NULL, (void **) &x)) {
                g_hash_table_iter_steal(&i);
                pending_add(q, x);
        }
        q->counters.in_flight = 0;
}

bool queue_pop_dead_lettered(Queue *q, uint64_t *ret_seq, DeadLetterReason *ret_reason) {
        _cleanup_free_ Report *r = g_queue_pop_head(&q->reports);

        if (!r)
                return false;
        if (ret_seq)
                *ret_seq = r->seq;
        if (ret_reason)
                *ret_reason = r->reason;
        return true;
}

const GPtrArray *queue_dead_letters(const Queue *q) {
        /* Built on demand (GetDeadLetters is rare) and cached until the dead letters change: a cache,
         * so the queue stays logically const. An array as the store would make each discard O(kept). */
        Queue *m = (Queue *) q;

        if (!m->dead_letters_view) {
                m->dead_letters_view = g_ptr_array_sized_new(q->dead_letters.length);
                for (GList *l = q->dead_letters.head; l; l = l->next)
                        g_ptr_array_add(m->dead_letters_view, l->data);
        }
        return m->dead_letters_view;
}

unsigned queue_redrive(Queue *q) {
        unsigned n = 0;
        DeadLetter *d;

        /* No QueueLimit here: an operator asked for these. The next push applies it again. */
        while ((d = g_queue_pop_head(&q->dead_letters))) {
                pending_add(q, entry_new(TAKE_PTR(d->event)));
                g_free(d);
                n++;
        }
        dead_letters_changed(q);
        return n;
}

unsigned queue_purge_dead_letters(Queue *q) {
        unsigned n = q->dead_letters.length;

        g_queue_clear_full(&q->dead_letters, (GDestroyNotify) dead_letter_free);
        dead_letters_changed(q);
        return n;
}

const QueueCounters *queue_counters(const Queue *q) {
        return &q->counters;
}

uint64_t queue_first_seq(const Queue *q) {
        GTreeNode *n = g_tree_node_first(q->pending);
        uint64_t first = n ? entry_seq(g_tree_node_value(n)) : UINT64_MAX;
        GHashTableIter i;
        Entry *x;

        /* Outstanding entries are at most Window: a scan is bounded. */
        g_hash_table_iter_init(&i, q->outstanding);
        while (g_hash_table_iter_next(&i, NULL, (void **) &x))
                first = MIN(first, entry_seq(x));
        return first;
}

void queue_restore_dead_letter(Queue *q, Event *e, DeadLetterReason reason) {
        DeadLetter *d;

        if (q->o->dead_letter_limit == 0)
                return;
        while (q->dead_letters.length >= q->o->dead_letter_limit)
                dead_letter_free(g_queue_pop_head(&q->dead_letters));
        d = g_new(DeadLetter, 1);
        *d = (DeadLetter) { .event = event_ref(e), .reason = reason };
        g_queue_push_tail(&q->dead_letters, d);
        dead_letters_changed(q);
}

void queue_restore_counters(Queue *q, uint64_t delivered, uint64_t retried, uint64_t dead_lettered) {
        q->counters.delivered = delivered;
        q->counters.retried = retried;
        q->counters.dead_lettered = dead_lettered;
}

void queue_restore_attempt(Queue *q, uint64_t seq, uint32_t attempt) {
        Entry *x = g_tree_lookup(q->pending, &seq);

        if (x)
                x->pub.attempt = attempt;
}
