/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The delivery queue of one subscription
 *
 * Pure: events go in; the queue says what to send and when; acks, nacks and
 * the passing of time move each event on until it is delivered (acknowledged)
 * or dead-lettered. Nothing is ever dropped silently. No I/O; time is passed
 * in (CLOCK_MONOTONIC µs).
 *
 * An event in the queue is in one of three places:
 *   pending      never sent, or to be sent again (after a detach); the backlog
 *                that QueueLimit bounds;
 *   outstanding  sent, waiting for its Ack until ack_deadline; or failed and
 *                waiting out its backoff until retry_at;
 *   dead letters given up on; kept, oldest first, up to DeadLetterLimit.
 *
 * Ordered: at most one event outstanding, always the lowest seq not yet
 * acknowledged, so a failing event holds those behind it; Ack(seq) is
 * cumulative (every pending or outstanding event up to seq). Unordered: up to
 * Window events outstanding; Ack(seq) acknowledges that event. Either way an
 * Ack of an event that is not in the queue is stale and harmless.
 *
 * A failed attempt (Nack with requeue, or no Ack by ack_deadline) of attempt
 * a is retried after subscription_options_backoff(o, a) -- unless a already
 * was the last allowed (a > Retry), in which case the event is dead-lettered.
 * Nack without requeue dead-letters at once. A backlog past QueueLimit
 * dead-letters its oldest pending event.
 *
 * Events must be pushed in increasing seq order. The queue holds a reference
 * to each event and a pointer to the options (owned by the subscription).
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/event.h"
#include "model/peer-flow.h"
#include "model/subscription-options.h"

typedef enum DeadLetterReason {
        DEAD_LETTER_REJECTED,          /* Nack without requeue */
        DEAD_LETTER_RETRIES_EXHAUSTED, /* Retry retries failed */
        DEAD_LETTER_QUEUE_LIMIT,       /* pushed out of a full backlog */
        _DEAD_LETTER_REASON_MAX,
} DeadLetterReason;

/* "rejected", "retries-exhausted", "queue-limit": the DeadLettered signal's reason. */
const char *dead_letter_reason_to_string(DeadLetterReason r);

typedef struct QueueEntry {
        Event *event;
        uint32_t attempt;      /* deliveries so far: 1 after the first send */
        FlowMark mark;         /* the caller's: where its peer stood after the last send (peer-flow.h) */
        bool outstanding;
        bool in_backoff;       /* outstanding, failed, waiting until retry_at */
        uint64_t ack_deadline; /* outstanding and sent: no Ack by then is a failure */
        uint64_t retry_at;     /* in backoff: due again then */
} QueueEntry;

typedef struct DeadLetter {
        Event *event;
        DeadLetterReason reason;
} DeadLetter;

typedef struct QueueCounters {
        uint32_t pending;     /* backlog: never sent, or to be sent again */
        uint32_t in_flight;   /* outstanding, including those in backoff */
        uint64_t delivered;   /* acknowledged */
        uint64_t retried;     /* sends with attempt > 1 */
        uint64_t dead_lettered;         /* ever dead-lettered */
        uint64_t dead_letters_discarded; /* dropped past DeadLetterLimit (oldest first) */
        uint64_t acked_seq;   /* the highest seq acknowledged; 0 before any */
        uint64_t dead_letter_reports_dropped; /* reports not popped in time (see queue_pop_dead_lettered) */
} QueueCounters;

typedef struct Queue Queue;

Queue *queue_new(const SubscriptionOptions *o);
Queue *queue_free(Queue *q);
DEFINE_TRIVIAL_CLEANUP_FUNC(Queue *, queue_free);

/* Appends e (referenced). Returns how many pending events the queue limit dead-lettered. */
unsigned queue_push(Queue *q, Event *e);

/*
 * The next send due at now, or NULL when nothing may go now (nothing pending,
 * window full, ordered head outstanding, everything due is in backoff). The
 * entry is then outstanding: attempt incremented, ack_deadline = now +
 * AckTimeout. Retries that are due come before new events. The pointer is
 * valid until the next call that changes the queue. Call until NULL.
 */
QueueEntry *queue_next(Queue *q, uint64_t now);

/*
 * The sent entry (not in backoff, nor due) that Ack(seq) or Nack(seq) would
 * answer: seq's own, or for ordered the one outstanding at or below seq; NULL
 * when there is none. Valid until the next call that changes the queue.
 */
const QueueEntry *queue_find_sent(const Queue *q, uint64_t seq);

/* Returns how many events this Ack acknowledged (0: stale, unknown, or already acked). */
unsigned queue_ack(Queue *q, uint64_t seq);

/*
 * Nack of an outstanding seq, sent and waiting for its Ack (not in backoff,
 * nor due again). Returns 0, or -ENOENT if seq is not outstanding that way.
 */
int queue_nack(Queue *q, uint64_t seq, bool requeue, uint64_t now);

/*
 * Ack deadlines that passed by now are failed attempts (failed at the deadline:
 * the backoff counts from it, however late the tick); backoffs that ended make
 * their event due.
 */
void queue_tick(Queue *q, uint64_t now);

/* The earliest ack deadline or retry_at of an outstanding event, or UINT64_MAX when there is none. */
uint64_t queue_next_wakeup(const Queue *q);

/* The owner left: every outstanding event is pending again (in seq order, attempts kept). */
void queue_detach(Queue *q);

/*
 * Dead-lettering not yet reported, oldest first: pops one; false when there is
 * none. At most QUEUE_DEAD_LETTER_REPORTS_MAX wait: past that the oldest report
 * is dropped and counted in dead_letter_reports_dropped (the event itself is
 * still counted in dead_lettered and, within DeadLetterLimit, kept).
 */
#define QUEUE_DEAD_LETTER_REPORTS_MAX 65536U
bool queue_pop_dead_lettered(Queue *q, uint64_t *ret_seq, DeadLetterReason *ret_reason);

/* The dead letters kept, oldest first (DeadLetter*); valid until they change. */
const GPtrArray *queue_dead_letters(const Queue *q);
/*
 * Every dead letter back into the backlog, by seq, attempts from 0. Returns how
 * many. Ordered: an event in backoff or due waits behind them again, so that
 * sends stay in seq order.
 */
unsigned queue_redrive(Queue *q);
/* Drops every dead letter. Returns how many. */
unsigned queue_purge_dead_letters(Queue *q);

const QueueCounters *queue_counters(const Queue *q);

/* The lowest seq pending or outstanding; UINT64_MAX when the queue is empty. */
uint64_t queue_first_seq(const Queue *q);

/*
 * At start-up: a dead letter from the store, kept (within DeadLetterLimit)
 * but neither counted nor reported again: that happened before the restart.
 */
void queue_restore_dead_letter(Queue *q, Event *e, DeadLetterReason reason);
/* At start-up: Delivered, Retried and DeadLettered as they stood before the restart. */
void queue_restore_counters(Queue *q, uint64_t delivered, uint64_t retried, uint64_t dead_lettered);
/*
 * At start-up: seq (pending, as every event is after a restart) was sent attempt times before it, so
 * that its next send is attempt + 1 and Retry counts the sends before the restart too. An unknown seq
 * is ignored.
 */
void queue_restore_attempt(Queue *q, uint64_t seq, uint32_t attempt);
