/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The store
 *
 * One SQLite database in the state directory, in WAL mode: every event (so
 * that seq survives restarts and durable subscribers get what they missed),
 * and every durable subscription -- its definition, its cursor (everything up
 * to it is acknowledged or dead-lettered), and its dead letters. Non-durable
 * subscriptions end with their owner and are not stored.
 *
 * Writes gather in a batch that the caller commits once per batch of loop work,
 * so that durability costs one commit per batch, not one per event or ack; a
 * batch that fails to commit is kept whole, for the next attempt. The daemon
 * commits off its event loop (store_commit_start(): the writer thread of
 * store-writer.h does the disk's waiting), and every commit has a generation,
 * so that what waits for a write can wait for its generation to be committed.
 * A cursor, the counters and attempt numbers are kept once per batch however
 * often they move (store_batch_add_latest()). The schema is versioned (PRAGMA user_version): an older one is
 * migrated, step by step, in one transaction; a database of a newer version
 * is refused rather than misread, and a corrupt or unwritable one is a clear
 * error at start-up.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/event.h"
#include "model/queue.h"
#include "model/subscription-options.h"
#include "store/store-batch.h"

#define STORE_FILE_NAME "ptpsync.db"
#define STORE_SCHEMA_VERSION 3

typedef struct Store Store;

/*
 * Opens (creating it and the directory if needed) <directory>/ptpsync.db and
 * checks it. On failure returns a negative errno and a message saying what is
 * wrong with which file (g_free).
 */
int store_open(Store **ret, const char *directory, char **ret_message);
Store *store_free(Store *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(Store *, store_free);

/* The highest seq ever stored (0 for a new store); an error if it cannot be read, logged. */
int store_last_seq(Store *s, uint64_t *ret);

/*
 * --- writes ---
 * Each goes into the batch (store-batch.h), in memory, and reaches the
 * database only when store_commit() applies the batch, all of it in one
 * transaction. Until then, and if that fails, reads do not see it.
 */
void store_add_event(Store *s, Event *e);
void store_save_subscription(Store *s, const char *id, uid_t uid, const char *address,
                             const SubscriptionOptions *o, uint64_t cursor);
void store_delete_subscription(Store *s, const char *id);
/* Moves the cursor forward only: a late write never undoes a newer one. */
void store_set_cursor(Store *s, const char *id, uint64_t cursor);
/* Moves it anywhere: back, when dead letters are queued again. */
void store_reset_cursor(Store *s, const char *id, uint64_t cursor);
/*
 * The attempt number of seq's latest send, so that a restart goes on counting (and Retry holds)
 * rather than sending attempt 1 again. Forgotten once the cursor passes seq or seq is a dead letter.
 */
void store_set_attempt(Store *s, const char *id, uint64_t seq, uint32_t attempt);
/* Delivered, Retried and DeadLettered as they stand now. */
void store_set_counters(Store *s, const char *id, const StoreCounters *c);
void store_add_dead_letter(Store *s, const char *id, uint64_t seq, DeadLetterReason reason);
void store_delete_dead_letter(Store *s, const char *id, uint64_t seq);
void store_delete_dead_letters(Store *s, const char *id);
/* Keeps only the newest keep dead letters of a subscription. */
void store_trim_dead_letters(Store *s, const char *id, uint32_t keep);
/*
 * Deletes events up to keep_after_seq that no dead letter refers to. The
 * caller keeps at least the newest event, so that seq never goes back.
 */
void store_prune_events(Store *s, uint64_t keep_after_seq);

/* How many writes wait for a commit (not those of a commit that is out). */
unsigned store_pending_writes(const Store *s);

/*
 * --- committing without blocking ---
 * store_commit_start() hands the batch to the writer thread and returns 1 (0: nothing to commit;
 * -EBUSY: a commit is out, start again once it ended); the writes made from then on gather for
 * the next commit. When store_commit_fd() becomes readable, store_commit_finish() takes the result:
 * 0, the commit's generation is durable; a negative errno, nothing of it is in the database and its
 * writes go back before the newer ones, whole, for the next attempt (-EAGAIN: it has not ended).
 */
int store_commit_start(Store *s);
int store_commit_finish(Store *s);
int store_commit_fd(const Store *s);
bool store_committing(const Store *s);
/* The generation the latest write belongs to: it is durable once the committed generation reaches it. */
uint64_t store_write_generation(const Store *s);
uint64_t store_committed_generation(const Store *s);

/*
 * Blocking: waits for a commit that is out, then applies the batch in one transaction (at exit,
 * and for tests). On failure nothing of it is in the database, the batch is kept whole for the
 * next attempt, and store_last_error() says what failed in which file, and why; the error is
 * -ENOSPC for a full disk.
 */
int store_commit(Store *s);
/* "/var/lib/ptpsync/ptpsync.db: committing failed: database or disk is full"; NULL after a commit that worked. */
const char *store_last_error(const Store *s);

/*
 * For tests: the database may grow to at most pages pages (PRAGMA max_page_count), past which
 * writes fail with SQLITE_FULL as on a full disk. UINT32_MAX - 1 lifts the limit.
 */
int store_set_max_pages(Store *s, uint32_t pages);

/* --- start-up --- */
typedef struct StoredSubscription {
        char *id;
        uid_t uid;
        char *address;
        SubscriptionOptions options;
        uint64_t cursor;
        StoreCounters counters;
} StoredSubscription;

/* Calls f for every durable subscription; stops at the first negative return. */
int store_load_subscriptions(Store *s, int (*f)(const StoredSubscription *sub, void *userdata), void *userdata);
/* Calls f for every event with seq > after, in seq order. */
int store_load_events(Store *s, uint64_t after, int (*f)(Event *e, void *userdata), void *userdata);
/* Calls f for every attempt number kept for a subscription's events, in seq order. */
int store_load_attempts(Store *s, const char *id, int (*f)(uint64_t seq, uint32_t attempt, void *userdata),
                        void *userdata);
/* Calls f for every dead letter of a subscription, in seq order. */
int store_load_dead_letters(Store *s, const char *id, int (*f)(Event *e, DeadLetterReason reason, void *userdata),
                            void *userdata);
