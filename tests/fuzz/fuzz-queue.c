/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The delivery queue against a model of it. The input is a little program: seven bytes of options,
 * then operations, each one byte and some a byte of argument. The model is the header's contract
 * written the plainest way (an array of states by seq, linear scans); after every operation the
 * queue's answers, counters, wakeup and dead letters must be the model's, and the invariants hold:
 * every event in exactly one place, nothing lost, the Window kept, ordered sends in order, every
 * dead-lettering reported once.
 */

#include <glib.h>

#include "fuzz.h"
#include "model/queue.h"

/* Pushes past this are ignored: the model scans, and longer runs find nothing new. */
#define MAX_EVENTS 512

typedef enum MState {
        M_NONE,
        M_PENDING,
        M_SENT,
        M_BACKOFF,
        M_DUE,
        M_DELIVERED,
        M_KEPT, /* a dead letter */
        M_GONE, /* dead-lettered, then discarded or purged */
        _M_STATE_MAX,
} MState;

typedef struct MEvent {
        MState state;
        uint32_t attempt;
        uint32_t max_attempt; /* Retry + 1, and one more for each detach that caught it sent */
        uint64_t ack_deadline, retry_at;
} MEvent;

typedef struct MDeadLetter {
        uint64_t seq;
        DeadLetterReason reason;
} MDeadLetter;

typedef struct Model {
        const SubscriptionOptions *o;
        MEvent ev[MAX_EVENTS + 1];
        unsigned count[_M_STATE_MAX];
        uint64_t n; /* pushed: 1..n */
        uint64_t now;
        GArray *kept;    /* MDeadLetter, oldest first */
        GArray *reports; /* MDeadLetter, from reports_head on */
        guint reports_head;
        QueueCounters c;
        uint64_t redriven;
        bool over_limit_ok; /* a detach or redrive may leave more pending than QueueLimit, until a push */
} Model;

static bool m_is_outstanding(MState s) {
        return s == M_SENT || s == M_BACKOFF || s == M_DUE;
}

static void m_set(Model *m, uint64_t s, MState state) {
        m->count[m->ev[s].state]--;
        m->count[state]++;
        m->ev[s].state = state;
        m->c.pending = m->count[M_PENDING];
        m->c.in_flight = m->count[M_SENT] + m->count[M_BACKOFF] + m->count[M_DUE];
}

static uint64_t m_lowest(const Model *m, MState state) {
        for (uint64_t s = 1; s <= m->n; s++)
                if (m->ev[s].state == state)
                        return s;
        return 0;
}

/* Written out again rather than taken from subscription_options_backoff(): small values, no cap. */
static uint64_t m_backoff(const Model *m, uint32_t n) {
        if (m->o->backoff_policy == BACKOFF_LINEAR)
                return m->o->backoff_delay_usec * n;
        return m->o->backoff_delay_usec << n;
}

static void m_dead(Model *m, uint64_t s, DeadLetterReason reason) {
        MDeadLetter d = { s, reason };

        m->c.dead_lettered++;
        g_array_append_val(m->reports, d);
        if (m->o->dead_letter_limit == 0) {
                m->c.dead_letters_discarded++;
                m_set(m, s, M_GONE);
                return;
        }
        while (m->kept->len >= m->o->dead_letter_limit) {
                m_set(m, g_array_index(m->kept, MDeadLetter, 0).seq, M_GONE);
                g_array_remove_index(m->kept, 0);
                m->c.dead_letters_discarded++;
        }
        g_array_append_val(m->kept, d);
        m_set(m, s, M_KEPT);
}

static void m_fail(Model *m, uint64_t s, uint64_t t) {
        MEvent *e = &m->ev[s];

        check(e->state == M_SENT);
        if (e->attempt > m->o->retry) {
                m_dead(m, s, DEAD_LETTER_RETRIES_EXHAUSTED);
                return;
        }
        e->ack_deadline = 0;
        e->retry_at = t + m_backoff(m, e->attempt);
        m_set(m, s, e->retry_at <= m->now ? M_DUE : M_BACKOFF);
}

static void m_to_pending(Model *m, uint64_t s) {
        m->ev[s].ack_deadline = m->ev[s].retry_at = 0;
        m_set(m, s, M_PENDING);
}

static unsigned m_push(Model *m) {
        unsigned n = 0;
        uint64_t s = ++m->n;

        m->count[M_NONE]++;
        m->ev[s] = (MEvent) { .max_attempt = m->o->retry + 1 };
        m_set(m, s, M_PENDING);
        while (m->c.pending > m->o->queue_limit) {
                m_dead(m, m_lowest(m, M_PENDING), DEAD_LETTER_QUEUE_LIMIT);
                n++;
        }
        m->over_limit_ok = false;
        return n;
}

static uint64_t m_next(Model *m) {
        uint64_t p = m_lowest(m, M_PENDING), s = 0;
        MEvent *e;

        if (m->o->ordered) {
                uint64_t x = 0;

                for (uint64_t i = 1; i <= m->n; i++)
                        if (m_is_outstanding(m->ev[i].state))
                                x = i;
                if (x == 0)
                        s = p;
                else if (m->ev[x].state == M_SENT)
                        s = 0;
                else if (p != 0 && p < x) {
                        /* Redriven below it: it waits again. */
                        m_to_pending(m, x);
                        s = p;
                } else if (m->ev[x].state == M_DUE)
                        s = x;
        } else {
                s = m_lowest(m, M_DUE);
                if (s == 0 && m->c.in_flight < m->o->window)
                        s = p;
        }
        if (s == 0)
                return 0;

        e = &m->ev[s];
        e->attempt++;
        if (e->attempt > 1)
                m->c.retried++;
        e->ack_deadline = m->now + m->o->ack_timeout_usec;
        e->retry_at = 0;
        m_set(m, s, M_SENT);
        return s;
}

static unsigned m_ack(Model *m, uint64_t seq) {
        uint64_t highest = 0;
        unsigned n = 0;

        for (uint64_t s = 1; s <= MIN(seq, m->n); s++) {
                if (!m->o->ordered && s != seq)
                        continue;
                if (m->ev[s].state == M_PENDING || m_is_outstanding(m->ev[s].state)) {
                        m_set(m, s, M_DELIVERED);
                        m->c.delivered++;
                        highest = s;
                        n++;
                }
        }
        m->c.acked_seq = MAX(m->c.acked_seq, highest);
        return n;
}

static int m_nack(Model *m, uint64_t seq, bool requeue) {
        if (seq == 0 || seq > m->n || m->ev[seq].state != M_SENT)
                return -ENOENT;
        if (requeue)
                m_fail(m, seq, m->now);
        else
                m_dead(m, seq, DEAD_LETTER_REJECTED);
        return 0;
}

static void m_tick(Model *m) {
        for (uint64_t s = 1; s <= m->n; s++) {
                MEvent *e = &m->ev[s];

                if (e->state == M_SENT && e->ack_deadline <= m->now)
                        m_fail(m, s, e->ack_deadline);
                else if (e->state == M_BACKOFF && e->retry_at <= m->now)
                        m_set(m, s, M_DUE);
        }
}

static void m_detach(Model *m) {
        for (uint64_t s = 1; s <= m->n; s++) {
                if (m->ev[s].state == M_SENT)
                        /* Its last attempt's fate is unknown: it is sent again, with the next number. */
                        m->ev[s].max_attempt++;
                if (m_is_outstanding(m->ev[s].state))
                        m_to_pending(m, s);
        }
        m->over_limit_ok = true;
}

static unsigned m_redrive(Model *m) {
        unsigned n = m->kept->len;

        for (guint i = 0; i < n; i++) {
                uint64_t s = g_array_index(m->kept, MDeadLetter, i).seq;

                m->ev[s].attempt = 0;
                m->ev[s].max_attempt = m->o->retry + 1;
                m_to_pending(m, s);
        }
        g_array_set_size(m->kept, 0);
        m->redriven += n;
        m->over_limit_ok = true;
        return n;
}

static unsigned m_purge(Model *m) {
        unsigned n = m->kept->len;

        for (guint i = 0; i < n; i++)
                m_set(m, g_array_index(m->kept, MDeadLetter, i).seq, M_GONE);
        g_array_set_size(m->kept, 0);
        return n;
}

static uint64_t m_wakeup(const Model *m) {
        uint64_t t = UINT64_MAX;

        for (uint64_t s = 1; s <= m->n; s++)
                if (m->ev[s].state == M_SENT)
                        t = MIN(t, m->ev[s].ack_deadline);
                else if (m->ev[s].state == M_BACKOFF)
                        t = MIN(t, m->ev[s].retry_at);
        return t;
}

/*
 * A seq to Ack or Nack: with bit 7, one of those still in the queue, by rank (bits 0-5); else one near
 * the newest, or past it. Bit 6 is Nack's requeue.
 */
static uint64_t pick_seq(const Model *m, uint8_t arg) {
        unsigned live = m->c.pending + m->c.in_flight, k;

        if ((arg & 0x80) && live > 0) {
                k = (arg & 0x3f) % live;
                for (uint64_t s = 1; s <= m->n; s++)
                        if ((m->ev[s].state == M_PENDING || m_is_outstanding(m->ev[s].state)) && k-- == 0)
                                return s;
                check(false);
        }
        return m->n + 2 > (uint64_t) (arg % 20) ? m->n + 2 - arg % 20 : 0;
}

static void check_model(Queue *q, const Model *m) {
        const QueueCounters *c = queue_counters(q);
        const GPtrArray *dl = queue_dead_letters(q);

        check(c->pending == m->c.pending);
        check(c->in_flight == m->c.in_flight);
        check(c->delivered == m->c.delivered);
        check(c->retried == m->c.retried);
        check(c->dead_lettered == m->c.dead_lettered);
        check(c->dead_letters_discarded == m->c.dead_letters_discarded);
        check(c->acked_seq == m->c.acked_seq);
        check(c->dead_letter_reports_dropped == 0);

        /* Nothing lost: whatever came in is somewhere, or was delivered or given up on. */
        check(m->n + m->redriven == (uint64_t) c->pending + c->in_flight + c->delivered + c->dead_lettered);
        check(c->in_flight <= (m->o->ordered ? 1 : m->o->window));
        check(m->over_limit_ok || c->pending <= m->o->queue_limit);
        check(m->count[M_KEPT] == m->kept->len);
        check(m->kept->len <= m->o->dead_letter_limit);

        check(queue_next_wakeup(q) == m_wakeup(m));

        check(dl->len == m->kept->len);
        for (guint i = 0; i < dl->len; i++) {
                const DeadLetter *d = dl->pdata[i];
                const MDeadLetter *e = &g_array_index(m->kept, MDeadLetter, i);

                check(d->event->seq == e->seq);
                check(d->reason == e->reason);
        }
}

/* Returns whether something was sent. */
static bool check_next(Queue *q, Model *m) {
        const QueueEntry *e = queue_next(q, m->now);
        uint64_t s = m_next(m);

        if (s == 0) {
                check(!e);
                return false;
        }
        check(e);
        check(e->event->seq == s);
        check(e->outstanding);
        check(!e->in_backoff);
        check(e->ack_deadline == m->now + m->o->ack_timeout_usec);
        check(e->attempt == m->ev[s].attempt);
        check(e->attempt >= 1 && e->attempt <= m->ev[s].max_attempt);
        if (m->o->ordered)
                for (uint64_t i = 1; i < s; i++)
                        check(m->ev[i].state != M_PENDING && !m_is_outstanding(m->ev[i].state));
        return true;
}

static bool check_pop(Queue *q, Model *m) {
        DeadLetterReason reason;
        uint64_t seq;
        bool popped = queue_pop_dead_lettered(q, &seq, &reason);

        if (m->reports_head >= m->reports->len) {
                check(!popped);
                return false;
        }
        check(popped);
        check(seq == g_array_index(m->reports, MDeadLetter, m->reports_head).seq);
        check(reason == g_array_index(m->reports, MDeadLetter, m->reports_head).reason);
        check(dead_letter_reason_to_string(reason));
        m->reports_head++;
        return true;
}

enum {
        OP_PUSH,
        OP_NEXT,
        OP_DRAIN,
        OP_ACK,
        OP_NACK,
        OP_TICK,
        OP_DETACH,
        OP_REDRIVE,
        OP_PURGE,
        OP_POP,
        _OP_MAX,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(subscription_options_done) SubscriptionOptions o;
        _cleanup_(queue_freep) Queue *q = NULL;
        g_autofree Model *m = NULL;
        g_autoptr(GArray) kept = NULL, reports = NULL;
        size_t i = 7;

        subscription_options_init(&o);
        if (size < 7)
                return 0;

        o.ordered = data[0] & 1;
        o.backoff_policy = data[0] & 2 ? BACKOFF_EXPONENTIAL : BACKOFF_LINEAR;
        o.window = 1 + data[1] % 8;
        o.retry = data[2] % 5;
        o.queue_limit = 1 + data[3] % 16;
        o.dead_letter_limit = data[4] % 9;
        o.backoff_delay_usec = data[5] % 8 * 10;
        o.ack_timeout_usec = (1 + data[6] % 8) * 10;

        q = queue_new(&o);
        m = g_new0(Model, 1);
        m->o = &o;
        m->kept = kept = g_array_new(false, false, sizeof(MDeadLetter));
        m->reports = reports = g_array_new(false, false, sizeof(MDeadLetter));

        while (i < size) {
                uint8_t op = data[i++] % _OP_MAX, arg = i < size ? data[i] : 0;

                switch (op) {
                case OP_PUSH: {
                        _cleanup_(event_unrefp) Event *e = NULL;

                        if (m->n >= MAX_EVENTS)
                                break;
                        e = event_new("event.fuzz", "/fuzz", 0);
                        e->seq = m->n + 1;
                        check(queue_push(q, e) == m_push(m));
                        break;
                }
                case OP_NEXT:
                        (void) check_next(q, m);
                        break;
                case OP_DRAIN:
                        /* As the daemon does: until nothing more may go. */
                        while (check_next(q, m))
                                check_model(q, m);
                        break;
                case OP_ACK: {
                        uint64_t seq = pick_seq(m, arg);

                        i++;
                        check(queue_ack(q, seq) == m_ack(m, seq));
                        break;
                }
                case OP_NACK: {
                        uint64_t seq = pick_seq(m, arg);
                        bool requeue = arg & 0x40;

                        i++;
                        check(queue_nack(q, seq, requeue, m->now) == m_nack(m, seq, requeue));
                        break;
                }
                case OP_TICK:
                        i++;
                        m->now += arg;
                        queue_tick(q, m->now);
                        m_tick(m);
                        break;
                case OP_DETACH:
                        queue_detach(q);
                        m_detach(m);
                        break;
                case OP_REDRIVE:
                        check(queue_redrive(q) == m_redrive(m));
                        break;
                case OP_PURGE:
                        check(queue_purge_dead_letters(q) == m_purge(m));
                        break;
                case OP_POP:
                        (void) check_pop(q, m);
                        break;
                }
                check_model(q, m);
        }

        /* Every dead-lettering reported, exactly once. */
        while (check_pop(q, m))
                ;
        check(m->reports->len == m->c.dead_lettered);
        return 0;
}
