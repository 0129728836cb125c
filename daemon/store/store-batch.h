/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The store's batch
 *
 * The writes made since the last commit that worked, in memory, in the order
 * they were made. The store applies them all in one transaction when it
 * commits; if that fails, the transaction is rolled back as a whole (so no
 * event is ever stored without all its values) and the batch stays as it is
 * for the next attempt, since a rolled-back transaction keeps nothing.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "model/event.h"
#include "model/queue.h"
#include "model/subscription-options.h"

typedef enum StoreOpKind {
        STORE_OP_ADD_EVENT,
        STORE_OP_SAVE_SUBSCRIPTION,
        STORE_OP_DELETE_SUBSCRIPTION,
        STORE_OP_SET_CURSOR,
        STORE_OP_RESET_CURSOR,
        STORE_OP_ADD_DEAD_LETTER,
        STORE_OP_DELETE_DEAD_LETTER,
        STORE_OP_DELETE_DEAD_LETTERS,
        STORE_OP_TRIM_DEAD_LETTERS,
        STORE_OP_PRUNE_EVENTS,
        STORE_OP_SET_COUNTERS,
        STORE_OP_SET_ATTEMPT,
        STORE_OP_NONE, /* a write a later one of the same kind made void (store_batch_add_latest()) */
        _STORE_OP_KIND_MAX,
} StoreOpKind;

/* What a durable subscription has counted, kept so that a restart does not start it from 0 again. */
typedef struct StoreCounters {
        uint64_t delivered;
        uint64_t retried;
        uint64_t dead_lettered;
} StoreCounters;

/* One write; which fields mean something depends on the kind. Owns what it points to. */
typedef struct StoreOp {
        StoreOpKind kind;
        char *id;        /* the subscription */
        uint64_t number; /* a seq, a cursor, how many to keep */
        Event *event;    /* ADD_EVENT */
        DeadLetterReason reason;
        StoreCounters counters;      /* SET_COUNTERS */
        uint32_t attempt;            /* SET_ATTEMPT */
        uid_t uid;                   /* SAVE_SUBSCRIPTION */
        char *address;               /* SAVE_SUBSCRIPTION */
        SubscriptionOptions options; /* SAVE_SUBSCRIPTION */
} StoreOp;

typedef struct StoreBatch StoreBatch;

StoreBatch *store_batch_new(void);
StoreBatch *store_batch_free(StoreBatch *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(StoreBatch *, store_batch_free);

/* Takes over what op points to. */
void store_batch_add(StoreBatch *b, StoreOp op);
/*
 * For the writes that only the latest counts of (a cursor, the counters, an attempt number, each
 * of one subscription and, for attempts, one seq): the earlier one in the batch, if any, is made
 * void and op goes at the end, so that a batch holds at most one of each however often the value
 * moves. Applying the batch gives the same result as applying every write: a cursor only moves
 * forward, the counters and attempts are absolute, and op comes after whatever came between.
 */
void store_batch_add_latest(StoreBatch *b, StoreOp op);
/* The writes that are not void. */
unsigned store_batch_size(const StoreBatch *b);
/* Every op, void ones too: for store_batch_get(). */
unsigned store_batch_length(const StoreBatch *b);
const StoreOp *store_batch_get(const StoreBatch *b, unsigned i);
/* After the commit that made it durable. */
void store_batch_clear(StoreBatch *b);
/* Moves every write of from (a batch that failed to commit) before those of to; from is left empty. */
void store_batch_prepend(StoreBatch *to, StoreBatch *from);

/* "adding event 12", "saving subscription ID": what a message about a failed write says. */
char *store_op_describe(const StoreOp *op);
