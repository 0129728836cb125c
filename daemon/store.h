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
 * Writes gather in one transaction that the caller commits once per batch of
 * loop work (store_commit), so that durability costs one commit per batch, not
 * one per event or ack. The schema is versioned (PRAGMA user_version): a
 * database of a newer version is refused rather than misread, and a corrupt
 * or unwritable one is a clear error at start-up.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"
#include "queue.h"
#include "subscription-options.h"

#define STORE_FILE_NAME "ptpsync.db"
#define STORE_SCHEMA_VERSION 1

typedef struct Store Store;

/*
 * Opens (creating it and the directory if needed) <directory>/ptpsync.db and
 * checks it. On failure returns a negative errno and a message saying what is
 * wrong with which file (g_free).
 */
int store_open(Store **ret, const char *directory, char **ret_message);
Store *store_free(Store *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(Store *, store_free);

/* The highest seq ever stored; 0 for a new store. */
uint64_t store_last_seq(Store *s);

/* --- writes, inside the current transaction (opened on demand) --- */
int store_add_event(Store *s, const Event *e);
int store_save_subscription(Store *s, const char *id, uid_t uid, const char *address,
                            const SubscriptionOptions *o, uint64_t cursor);
int store_delete_subscription(Store *s, const char *id);
/* Moves the cursor forward only: a late write never undoes a newer one. */
int store_set_cursor(Store *s, const char *id, uint64_t cursor);
/* Moves it anywhere: back, when dead letters are queued again. */
int store_reset_cursor(Store *s, const char *id, uint64_t cursor);
int store_add_dead_letter(Store *s, const char *id, uint64_t seq, DeadLetterReason reason);
int store_delete_dead_letter(Store *s, const char *id, uint64_t seq);
int store_delete_dead_letters(Store *s, const char *id);
/* Keeps only the newest keep dead letters of a subscription. */
int store_trim_dead_letters(Store *s, const char *id, uint32_t keep);
/*
 * Deletes events up to keep_after_seq that no dead letter refers to. The
 * caller keeps at least the newest event, so that seq never goes back.
 */
int store_prune_events(Store *s, uint64_t keep_after_seq);

/* Whether a transaction is open, and for how many statements. */
unsigned store_pending_writes(const Store *s);
/* Commits the open transaction, if any. */
int store_commit(Store *s);

/* --- start-up --- */
typedef struct StoredSubscription {
        char *id;
        uid_t uid;
        char *address;
        SubscriptionOptions options;
        uint64_t cursor;
} StoredSubscription;

/* Calls f for every durable subscription; stops at the first negative return. */
int store_load_subscriptions(Store *s, int (*f)(const StoredSubscription *sub, void *userdata), void *userdata);
/* Calls f for every event with seq > after, in seq order. */
int store_load_events(Store *s, uint64_t after, int (*f)(Event *e, void *userdata), void *userdata);
/* Calls f for every dead letter of a subscription, in seq order. */
int store_load_dead_letters(Store *s, const char *id, int (*f)(Event *e, DeadLetterReason reason, void *userdata),
                            void *userdata);
