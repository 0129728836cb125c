/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/file.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "common/log.h"
#include "model/resource.h"
#include "store/store-batch.h"
#include "store/store-writer.h"
#include "store/store.h"

/* Statements prepared once; STATEMENT_SQL[i] is the text of statement i. */
typedef enum Statement {
        STMT_BEGIN,
        STMT_COMMIT,
        STMT_ADD_EVENT,
        STMT_ADD_VALUE,
        STMT_SAVE_SUBSCRIPTION,
        STMT_DELETE_SUBSCRIPTION,
        STMT_SAVE_METADATA,
        STMT_SET_CURSOR,
        STMT_RESET_CURSOR,
        STMT_TRIM_DEAD_LETTERS,
        STMT_ADD_DEAD_LETTER,
        STMT_DELETE_DEAD_LETTER,
        STMT_DELETE_DEAD_LETTERS,
        STMT_PRUNE_EVENTS,
        STMT_SET_COUNTERS,
        STMT_SET_ATTEMPT,
        STMT_FORGET_ATTEMPTS,
        STMT_FORGET_ATTEMPT,
        _STMT_MAX,
} Statement;

static const char *const statement_sql[_STMT_MAX] = {
        [STMT_BEGIN] = "BEGIN IMMEDIATE",
        [STMT_COMMIT] = "COMMIT",
        [STMT_ADD_EVENT] = "INSERT INTO events (seq, id, type, source, time) VALUES (?1, ?2, ?3, ?4, ?5)",
        [STMT_ADD_VALUE] = "INSERT INTO event_values (seq, idx, address, data_type, value_type, value) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        [STMT_SAVE_SUBSCRIPTION] =
                "INSERT OR REPLACE INTO subscriptions (id, name, uid, address, ordered, window, retry, "
                "backoff_delay, backoff_policy, ack_timeout, queue_limit, initial_state, dead_letter_limit, "
                "cursor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        [STMT_DELETE_SUBSCRIPTION] = "DELETE FROM subscriptions WHERE id = ?1",
        [STMT_SAVE_METADATA] = "INSERT OR REPLACE INTO subscription_metadata (subscription, key, value) "
                               "VALUES (?1, ?2, ?3)",
        [STMT_SET_CURSOR] = "UPDATE subscriptions SET cursor = ?2 WHERE id = ?1 AND cursor < ?2",
        [STMT_RESET_CURSOR] = "UPDATE subscriptions SET cursor = ?2 WHERE id = ?1",
        [STMT_TRIM_DEAD_LETTERS] = "DELETE FROM dead_letters WHERE subscription = ?1 AND seq NOT IN "
                                   "(SELECT seq FROM dead_letters WHERE subscription = ?1 ORDER BY seq DESC "
                                   "LIMIT ?2)",
        [STMT_ADD_DEAD_LETTER] = "INSERT OR REPLACE INTO dead_letters (subscription, seq, reason) VALUES (?1, ?2, ?3)",
        [STMT_DELETE_DEAD_LETTER] = "DELETE FROM dead_letters WHERE subscription = ?1 AND seq = ?2",
        [STMT_DELETE_DEAD_LETTERS] = "DELETE FROM dead_letters WHERE subscription = ?1",
        [STMT_PRUNE_EVENTS] = "DELETE FROM events WHERE seq <= ?1 AND seq NOT IN (SELECT seq FROM dead_letters)",
        [STMT_SET_COUNTERS] = "UPDATE subscriptions SET delivered = ?2, retried = ?3, dead_lettered = ?4 WHERE id = ?1",
        [STMT_SET_ATTEMPT] = "INSERT OR REPLACE INTO attempts (subscription, seq, attempt) VALUES (?1, ?2, ?3)",
        [STMT_FORGET_ATTEMPTS] = "DELETE FROM attempts WHERE subscription = ?1 AND seq <= ?2",
        [STMT_FORGET_ATTEMPT] = "DELETE FROM attempts WHERE subscription = ?1 AND seq = ?2",
};

/* Version 1. A later version adds a migration step from the one before; none is ever edited. */
static const char schema_v1[] =
        "CREATE TABLE events ("
        "  seq INTEGER PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL, source TEXT NOT NULL,"
        "  time INTEGER NOT NULL) STRICT;"
        "CREATE TABLE event_values ("
        "  seq INTEGER NOT NULL REFERENCES events (seq) ON DELETE CASCADE, idx INTEGER NOT NULL,"
        "  address TEXT NOT NULL, data_type TEXT NOT NULL, value_type TEXT NOT NULL, value TEXT NOT NULL,"
        "  PRIMARY KEY (seq, idx)) STRICT, WITHOUT ROWID;"
        "CREATE TABLE subscriptions ("
        "  id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, uid INTEGER NOT NULL, address TEXT NOT NULL,"
        "  ordered INTEGER NOT NULL, window INTEGER NOT NULL, retry INTEGER NOT NULL,"
        "  backoff_delay TEXT NOT NULL, backoff_policy TEXT NOT NULL, ack_timeout INTEGER NOT NULL,"
        "  queue_limit INTEGER NOT NULL, initial_state INTEGER NOT NULL, dead_letter_limit INTEGER NOT NULL,"
        "  cursor INTEGER NOT NULL, UNIQUE (uid, name)) STRICT;"
        "CREATE TABLE subscription_metadata ("
        "  subscription TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,"
        "  key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (subscription, key)) STRICT;"
        "CREATE TABLE dead_letters ("
        "  subscription TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,"
        "  seq INTEGER NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (subscription, seq)) STRICT;"
        "PRAGMA user_version = 1;";

/* Version 2: the counters of a durable subscription (version 1 started them from 0 at each start). */
static const char schema_v2[] =
        "ALTER TABLE subscriptions ADD COLUMN delivered INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE subscriptions ADD COLUMN retried INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE subscriptions ADD COLUMN dead_lettered INTEGER NOT NULL DEFAULT 0;"
        "PRAGMA user_version = 2;";

/* Version 3: the attempt number of each event sent (version 2 started every redelivery at attempt 1). */
static const char schema_v3[] =
        "CREATE TABLE attempts ("
        "  subscription TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,"
        "  seq INTEGER NOT NULL, attempt INTEGER NOT NULL, PRIMARY KEY (subscription, seq)) STRICT, WITHOUT ROWID;"
        "PRAGMA user_version = 3;";

/* migrations[v - 1] brings version v - 1 to v; version 0 is an empty file. */
static const char *const migrations[] = { schema_v1, schema_v2, schema_v3 };
G_STATIC_ASSERT(G_N_ELEMENTS(migrations) == STORE_SCHEMA_VERSION);

struct Store {
        int lock_fd;
        sqlite3 *db;
        char *path;
        sqlite3_stmt *statements[_STMT_MAX];
        StoreBatch *batch;      /* the writes not yet handed to a commit (or handed back by one that failed) */
        StoreBatch *committing; /* the writer's, while a commit is out; then the spare */
        StoreWriter *writer;
        bool busy;              /* a commit is out */
        uint64_t open_generation;       /* that of the writes in batch, the next commit's */
        uint64_t committing_generation; /* that of the commit out */
        uint64_t committed_generation;  /* that of the last commit that worked */
        char *error;            /* why the last commit failed */
};

static int errno_of(int sqlite_error) {
        switch (sqlite_error & 0xff) {
        case SQLITE_NOMEM: return -ENOMEM;
        case SQLITE_FULL: return -ENOSPC;
        case SQLITE_READONLY: case SQLITE_PERM: case SQLITE_AUTH: return -EACCES;
        case SQLITE_BUSY: case SQLITE_LOCKED: return -EBUSY;
        case SQLITE_CORRUPT: case SQLITE_NOTADB: return -EBADMSG;
        case SQLITE_CONSTRAINT: return -EEXIST;
        case SQLITE_CANTOPEN: return -ENOENT;
        default: return -EIO;
        }
}

static sqlite3_stmt *statement(Store *s, Statement st) {
        return s->statements[st];
}

/* Runs a prepared statement to its end; its bindings were set by the caller. Returns SQLite's code. */
static int step(Store *s, Statement st) {
        sqlite3_stmt *stmt = statement(s, st);
        int r;

        while ((r = sqlite3_step(stmt)) == SQLITE_ROW)
                ;
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        return r;
}

static int apply_add_event(Store *s, const Event *e) {
        sqlite3_stmt *st = statement(s, STMT_ADD_EVENT);
        int r;

        sqlite3_bind_int64(st, 1, (int64_t) e->seq);
        sqlite3_bind_text(st, 2, e->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, e->type, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, e->source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, e->time_usec);
        r = step(s, STMT_ADD_EVENT);
        for (guint i = 0; r == SQLITE_DONE && i < e->values->len; i++) {
                const EventValue *v = &g_array_index(e->values, EventValue, i);

                st = statement(s, STMT_ADD_VALUE);
                sqlite3_bind_int64(st, 1, (int64_t) e->seq);
                sqlite3_bind_int(st, 2, (int) i);
                sqlite3_bind_text(st, 3, v->address, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 4, v->data_type, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 5, v->value_type, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 6, v->value, -1, SQLITE_STATIC);
                r = step(s, STMT_ADD_VALUE);
        }
        return r;
}

static int apply_save_subscription(Store *s, const StoreOp *op) {
        const SubscriptionOptions *o = &op->options;
        sqlite3_stmt *st = statement(s, STMT_SAVE_SUBSCRIPTION);
        GHashTableIter i;
        const char *k, *v;
        int r;

        sqlite3_bind_text(st, 1, op->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, o->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, op->uid);
        sqlite3_bind_text(st, 4, op->address, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, o->ordered);
        sqlite3_bind_int64(st, 6, o->window);
        sqlite3_bind_int64(st, 7, o->retry);
        sqlite3_bind_text(st, 8, o->backoff_delay, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, backoff_policy_to_string(o->backoff_policy), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 10, (int64_t) o->ack_timeout_usec);
        sqlite3_bind_int64(st, 11, o->queue_limit);
        sqlite3_bind_int(st, 12, o->initial_state);
        sqlite3_bind_int64(st, 13, o->dead_letter_limit);
        sqlite3_bind_int64(st, 14, (int64_t) op->number);
        r = step(s, STMT_SAVE_SUBSCRIPTION);

        g_hash_table_iter_init(&i, o->metadata);
        while (r == SQLITE_DONE && g_hash_table_iter_next(&i, (void **) &k, (void **) &v)) {
                st = statement(s, STMT_SAVE_METADATA);
                sqlite3_bind_text(st, 1, op->id, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, k, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 3, v, -1, SQLITE_STATIC);
                r = step(s, STMT_SAVE_METADATA);
        }
        return r;
}

/* A statement whose first parameter is the op's subscription id, if it has one, and the next its number. */
static int apply_id_number(Store *s, Statement which, const StoreOp *op) {
        sqlite3_stmt *st = statement(s, which);
        int n = 1;

        if (op->id)
                sqlite3_bind_text(st, n++, op->id, -1, SQLITE_STATIC);
        if (sqlite3_bind_parameter_count(st) >= n)
                sqlite3_bind_int64(st, n, (int64_t) op->number);
        return step(s, which);
}

static int apply(Store *s, const StoreOp *op) {
        switch (op->kind) {
        case STORE_OP_ADD_EVENT:
                return apply_add_event(s, op->event);
        case STORE_OP_SAVE_SUBSCRIPTION:
                return apply_save_subscription(s, op);
        case STORE_OP_DELETE_SUBSCRIPTION:
                return apply_id_number(s, STMT_DELETE_SUBSCRIPTION, op);
        case STORE_OP_SET_CURSOR: {
                int r = apply_id_number(s, STMT_SET_CURSOR, op);

                /* Everything up to the cursor is done with: its attempts are never asked for again. */
                return r == SQLITE_DONE ? apply_id_number(s, STMT_FORGET_ATTEMPTS, op) : r;
        }
        case STORE_OP_RESET_CURSOR:
                return apply_id_number(s, STMT_RESET_CURSOR, op);
        case STORE_OP_ADD_DEAD_LETTER: {
                sqlite3_stmt *st = statement(s, STMT_ADD_DEAD_LETTER);
                int r;

                sqlite3_bind_text(st, 3, dead_letter_reason_to_string(op->reason), -1, SQLITE_STATIC);
                r = apply_id_number(s, STMT_ADD_DEAD_LETTER, op);
                /* Redriven, it starts again from attempt 1. */
                return r == SQLITE_DONE ? apply_id_number(s, STMT_FORGET_ATTEMPT, op) : r;
        }
        case STORE_OP_SET_ATTEMPT:
                sqlite3_bind_int64(statement(s, STMT_SET_ATTEMPT), 3, op->attempt);
                return apply_id_number(s, STMT_SET_ATTEMPT, op);

        case STORE_OP_DELETE_DEAD_LETTER:
                return apply_id_number(s, STMT_DELETE_DEAD_LETTER, op);
        case STORE_OP_DELETE_DEAD_LETTERS:
                return apply_id_number(s, STMT_DELETE_DEAD_LETTERS, op);
        case STORE_OP_TRIM_DEAD_LETTERS:
                return apply_id_number(s, STMT_TRIM_DEAD_LETTERS, op);
        case STORE_OP_PRUNE_EVENTS:
                return apply_id_number(s, STMT_PRUNE_EVENTS, op);
        case STORE_OP_SET_COUNTERS: {
                sqlite3_stmt *st = statement(s, STMT_SET_COUNTERS);

                sqlite3_bind_text(st, 1, op->id, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 2, (int64_t) MIN(op->counters.delivered, (uint64_t) INT64_MAX));
                sqlite3_bind_int64(st, 3, (int64_t) MIN(op->counters.retried, (uint64_t) INT64_MAX));
                sqlite3_bind_int64(st, 4, (int64_t) MIN(op->counters.dead_lettered, (uint64_t) INT64_MAX));
                return step(s, STMT_SET_COUNTERS);
        }
        default:
                assert(!"unknown store operation");
                return SQLITE_MISUSE;
        }
}

/* Says what failed and why, and ends the transaction: a rolled-back batch is tried again whole. */
static int apply_failed(Store *s, int code, const char *what, char **ret_error) {
        int sys = sqlite3_system_errno(s->db);

        if (((code & 0xff) == SQLITE_IOERR || (code & 0xff) == SQLITE_CANTOPEN) && sys > 0)
                *ret_error = g_strdup_printf("%s: %s failed: %s (%s)", s->path, what, sqlite3_errmsg(s->db),
                                             g_strerror(sys));
        else
                *ret_error = g_strdup_printf("%s: %s failed: %s", s->path, what, sqlite3_errmsg(s->db));
        if (!sqlite3_get_autocommit(s->db))
                (void) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return errno_of(code);
}

/* The whole batch in one transaction; in the writer thread, or in the caller's while none is out. */
static int store_apply(void *userdata, const StoreBatch *b, char **ret_error) {
        Store *s = userdata;
        int r;

        r = step(s, STMT_BEGIN);
        if (r != SQLITE_DONE)
                return apply_failed(s, r, "beginning a transaction", ret_error);
        for (unsigned i = 0; i < store_batch_length(b); i++) {
                const StoreOp *op = store_batch_get(b, i);

                if (op->kind == STORE_OP_NONE)
                        continue;
                r = apply(s, op);
                if (r != SQLITE_DONE) {
                        g_autofree char *what = store_op_describe(op);

                        return apply_failed(s, r, what, ret_error);
                }
        }
        r = step(s, STMT_COMMIT);
        if (r != SQLITE_DONE)
                return apply_failed(s, r, "committing", ret_error);
        return 0;
}

unsigned store_pending_writes(const Store *s) {
        return store_batch_size(s->batch);
}

const char *store_last_error(const Store *s) {
        return s->error;
}

bool store_committing(const Store *s) {
        return s->busy;
}

int store_commit_fd(const Store *s) {
        return store_writer_fd(s->writer);
}

uint64_t store_committed_generation(const Store *s) {
        return s->committed_generation;
}

uint64_t store_write_generation(const Store *s) {
        if (store_batch_size(s->batch) > 0)
                return s->open_generation;
        return s->busy ? s->committing_generation : s->committed_generation;
}

/* What a commit ended with: the generation is durable, or its writes go back before the newer ones. */
static int store_commit_ended(Store *s, StoreBatch *b, uint64_t generation, int result, char *error) {
        g_free(s->error);
        s->error = error;
        if (result < 0) {
                store_batch_prepend(s->batch, b);
                return result;
        }
        store_batch_clear(b);
        s->committed_generation = generation;
        return 0;
}

int store_commit_start(Store *s) {
        StoreBatch *b;

        if (s->busy)
                return -EBUSY;
        if (store_batch_size(s->batch) == 0)
                return 0;
        b = s->batch;
        s->batch = s->committing;
        s->committing = b;
        s->committing_generation = s->open_generation++;
        s->busy = true;
        store_writer_submit(s->writer, b);
        return 1;
}

int store_commit_finish(Store *s) {
        StoreBatch *b = NULL;
        char *error = NULL;
        int result, r;

        r = store_writer_collect(s->writer, &b, &error, &result);
        if (r < 0)
                return r;
        assert(b == s->committing);
        s->busy = false;
        return store_commit_ended(s, b, s->committing_generation, result, error);
}

/* Blocks until the commit that is out has ended, and takes its result. */
static int store_commit_wait(Store *s) {
        if (!s->busy)
                return 0;
        store_writer_wait(s->writer);
        return store_commit_finish(s);
}

int store_commit(Store *s) {
        char *error = NULL;
        int r;

        r = store_commit_wait(s);
        if (r < 0)
                return r;
        if (store_batch_size(s->batch) == 0)
                return 0;
        /* No commit is out: the connection is this thread's. */
        r = store_apply(s, s->batch, &error);
        return store_commit_ended(s, s->batch, s->open_generation++, r, error);
}

static int exec(Store *s, const char *sql, char **ret_message) {
        char *error = NULL;
        int r = sqlite3_exec(s->db, sql, NULL, NULL, &error);

        if (r != SQLITE_OK) {
                *ret_message = g_strdup_printf("%s: %s", s->path, error ?: sqlite3_errstr(r));
                sqlite3_free(error);
                return errno_of(r);
        }
        return 0;
}

static int query_int(Store *s, const char *sql, int64_t *ret, char **ret_message) {
        sqlite3_stmt *stmt = NULL;
        int r;

        r = sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL);
        if (r == SQLITE_OK)
                r = sqlite3_step(stmt);
        if (r == SQLITE_ROW) {
                *ret = sqlite3_column_int64(stmt, 0);
                r = SQLITE_OK;
        }
        if (r != SQLITE_OK)
                *ret_message = g_strdup_printf("%s: %s", s->path, sqlite3_errmsg(s->db));
        sqlite3_finalize(stmt);
        return r == SQLITE_OK ? 0 : errno_of(r);
}

int store_set_max_pages(Store *s, uint32_t pages) {
        g_autofree char *sql = g_strdup_printf("PRAGMA max_page_count = %" PRIu32, pages);
        g_autofree char *message = NULL;
        int64_t set = 0;
        int r;

        /* The connection is the writer's while a commit is out (tests only: this blocks). */
        store_writer_wait(s->writer);
        r = query_int(s, sql, &set, &message);
        if (r < 0)
                return log_error_errno(r, "%s", message);
        return set == pages ? 0 : -ERANGE;
}

/* Applies the migrations from version on, all in one transaction: a crash half-way leaves the old version. */
static int store_migrate(Store *s, int64_t version, char **ret_message) {
        int r;

        r = exec(s, "BEGIN IMMEDIATE", ret_message);
        for (int64_t v = version; r >= 0 && v < STORE_SCHEMA_VERSION; v++)
                r = exec(s, migrations[v], ret_message);
        if (r >= 0)
                r = exec(s, "COMMIT", ret_message);
        if (r >= 0 && version > 0)
                log_info("%s: schema migrated from version %" G_GINT64_FORMAT " to %d.", s->path, version,
                         STORE_SCHEMA_VERSION);
        return r; /* on failure, closing the database rolls back */
}

/* Brings the schema to STORE_SCHEMA_VERSION, or says why it cannot. */
static int store_check_schema(Store *s, char **ret_message) {
        int64_t version = 0, tables = 0, ok = 0;
        int r;

        r = query_int(s, "PRAGMA user_version", &version, ret_message);
        if (r < 0)
                return r;
        if (version > STORE_SCHEMA_VERSION) {
                *ret_message = g_strdup_printf("%s: schema version %" G_GINT64_FORMAT " is newer than this "
                                               "ptpsyncd's (%d); refusing to touch it", s->path, version,
                                               STORE_SCHEMA_VERSION);
                return -EPROTONOSUPPORT;
        }
        if (version < 0) {
                *ret_message = g_strdup_printf("%s: not a ptpsync store (schema version %" G_GINT64_FORMAT ")",
                                               s->path, version);
                return -EBADMSG;
        }
        if (version == 0) {
                r = query_int(s, "SELECT count(*) FROM sqlite_schema", &tables, ret_message);
                if (r < 0)
                        return r;
                if (tables > 0) {
                        *ret_message = g_strdup_printf("%s: not a ptpsync store (it has tables, but no schema "
                                                       "version)", s->path);
                        return -EBADMSG;
                }
                return store_migrate(s, 0, ret_message);
        }
        /* Cheap enough at start-up for a store that retention keeps small, and it catches corruption now. */
        r = query_int(s, "SELECT quick_check = 'ok' FROM pragma_quick_check", &ok, ret_message);
        if (r < 0)
                return r;
        if (!ok) {
                *ret_message = g_strdup_printf("%s: the database is damaged (quick_check failed)", s->path);
                return -EBADMSG;
        }
        return version < STORE_SCHEMA_VERSION ? store_migrate(s, version, ret_message) : 0;
}

int store_open(Store **ret, const char *directory, char **ret_message) {
        _cleanup_(store_freep) Store *s = g_new0(Store, 1);
        g_autofree char *lock_path = NULL;
        int r;

        s->lock_fd = -1;
        s->batch = store_batch_new();
        s->committing = store_batch_new();
        s->open_generation = 1;
        if (g_mkdir_with_parents(directory, 0755) < 0) {
                r = -errno;
                *ret_message = g_strdup_printf("Cannot create the state directory %s: %s", directory,
                                               g_strerror(-r));
                return r;
        }
        /* One daemon per store: two writers would each think their seq and cursors were the truth. */
        lock_path = g_build_filename(directory, STORE_FILE_NAME ".lock", NULL);
        s->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (s->lock_fd < 0 || flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
                r = -errno;
                *ret_message = g_strdup_printf(r == -EWOULDBLOCK ? "%s is in use by another ptpsyncd"
                                                                 : "Cannot lock %s: %s", lock_path, g_strerror(-r));
                return r;
        }
        s->path = g_build_filename(directory, STORE_FILE_NAME, NULL);
        r = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
        if (r != SQLITE_OK) {
                *ret_message = g_strdup_printf("Cannot open %s: %s", s->path,
                                               s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(r));
                return errno_of(r);
        }
        r = exec(s, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;", ret_message);
        if (r < 0)
                return r;
        r = store_check_schema(s, ret_message);
        if (r < 0)
                return r;
        for (Statement st = 0; st < _STMT_MAX; st++)
                if (sqlite3_prepare_v3(s->db, statement_sql[st], -1, SQLITE_PREPARE_PERSISTENT,
                                       &s->statements[st], NULL) != SQLITE_OK) {
                        *ret_message = g_strdup_printf("%s: %s", s->path, sqlite3_errmsg(s->db));
                        return -EBADMSG;
                }
        /*
         * WAL: a commit is one append; synchronous=FULL: and it is on disk when COMMIT returns. Only now
         * that the file is known to be ours: switching writes to it, and a refused file stays as it was.
         */
        r = exec(s, "PRAGMA journal_mode = WAL", ret_message);
        if (r < 0)
                return r;
        r = store_writer_new(&s->writer, store_apply, s);
        if (r < 0) {
                *ret_message = g_strdup_printf("Cannot start the thread that writes %s: %s", s->path,
                                               g_strerror(-r));
                return r;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

Store *store_free(Store *s) {
        if (!s)
                return NULL;
        if (s->db && s->writer && (s->busy || store_pending_writes(s) > 0) && store_commit(s) < 0)
                log_error("%s; writes never committed: %u.", s->error, store_pending_writes(s));
        store_writer_free(s->writer);
        for (Statement st = 0; st < _STMT_MAX; st++)
                sqlite3_finalize(s->statements[st]);
        sqlite3_close(s->db);
        if (s->lock_fd >= 0)
                close(s->lock_fd);
        store_batch_free(s->batch);
        store_batch_free(s->committing);
        g_free(s->error);
        g_free(s->path);
        g_free(s);
        return NULL;
}

int store_last_seq(Store *s, uint64_t *ret) {
        g_autofree char *message = NULL;
        int64_t seq = 0;
        int r;

        r = query_int(s, "SELECT coalesce(max(seq), 0) FROM events", &seq, &message);
        if (r < 0)
                return log_error_errno(r, "Cannot read the last seq: %s", message);
        *ret = (uint64_t) seq;
        return 0;
}

/* --- writes, kept in the batch until a commit applies them -------------------------------------- */

void store_add_event(Store *s, Event *e) {
        store_batch_add(s->batch, (StoreOp) { .kind = STORE_OP_ADD_EVENT, .event = event_ref(e) });
}

void store_save_subscription(Store *s, const char *id, uid_t uid, const char *address,
                             const SubscriptionOptions *o, uint64_t cursor) {
        StoreOp op = {
                .kind = STORE_OP_SAVE_SUBSCRIPTION,
                .id = g_strdup(id),
                .uid = uid,
                .address = g_strdup(address),
                .number = cursor,
        };

        subscription_options_copy(&op.options, o);
        store_batch_add(s->batch, op);
}

static void add_id_number(Store *s, StoreOpKind kind, const char *id, uint64_t number) {
        store_batch_add(s->batch, (StoreOp) { .kind = kind, .id = g_strdup(id), .number = number });
}

void store_delete_subscription(Store *s, const char *id) {
        add_id_number(s, STORE_OP_DELETE_SUBSCRIPTION, id, 0);
}

void store_set_cursor(Store *s, const char *id, uint64_t cursor) {
        store_batch_add_latest(s->batch, (StoreOp) { .kind = STORE_OP_SET_CURSOR, .id = g_strdup(id), .number = cursor });
}

void store_reset_cursor(Store *s, const char *id, uint64_t cursor) {
        add_id_number(s, STORE_OP_RESET_CURSOR, id, cursor);
}

void store_set_attempt(Store *s, const char *id, uint64_t seq, uint32_t attempt) {
        store_batch_add_latest(s->batch, (StoreOp) {
                .kind = STORE_OP_SET_ATTEMPT, .id = g_strdup(id), .number = seq, .attempt = attempt });
}

void store_set_counters(Store *s, const char *id, const StoreCounters *c) {
        store_batch_add_latest(s->batch,
                               (StoreOp) { .kind = STORE_OP_SET_COUNTERS, .id = g_strdup(id), .counters = *c });
}

void store_add_dead_letter(Store *s, const char *id, uint64_t seq, DeadLetterReason reason) {
        store_batch_add(s->batch, (StoreOp) {
                .kind = STORE_OP_ADD_DEAD_LETTER, .id = g_strdup(id), .number = seq, .reason = reason });
}

void store_delete_dead_letter(Store *s, const char *id, uint64_t seq) {
        add_id_number(s, STORE_OP_DELETE_DEAD_LETTER, id, seq);
}

void store_delete_dead_letters(Store *s, const char *id) {
        add_id_number(s, STORE_OP_DELETE_DEAD_LETTERS, id, 0);
}

void store_trim_dead_letters(Store *s, const char *id, uint32_t keep) {
        add_id_number(s, STORE_OP_TRIM_DEAD_LETTERS, id, keep);
}

void store_prune_events(Store *s, uint64_t keep_after_seq) {
        add_id_number(s, STORE_OP_PRUNE_EVENTS, NULL, keep_after_seq);
}

/* --- reading back at start-up ------------------------------------------------------------------ */

static void finalizep(sqlite3_stmt **stmt) {
        sqlite3_finalize(*stmt);
}
#define _cleanup_finalize_ _cleanup_(finalizep)

static int prepare(Store *s, const char *sql, sqlite3_stmt **ret) {
        if (sqlite3_prepare_v2(s->db, sql, -1, ret, NULL) != SQLITE_OK)
                return log_error_errno(EBADMSG, "%s: %s", s->path, sqlite3_errmsg(s->db));
        return 0;
}

static const char *column_text(sqlite3_stmt *stmt, int i) {
        const unsigned char *t = sqlite3_column_text(stmt, i);

        return t ? (const char *) t : "";
}

/* The stored strings, back to the static ones events point to; NULL for anything unknown. */
static const char *intern(const char *s, const char *const *known) {
        for (; *known; known++)
                if (streq(s, *known))
                        return *known;
        return NULL;
}

static Event *event_from_row(Store *s, sqlite3_stmt *row, sqlite3_stmt *values) {
        static const char *const data_types[] = { "notification", "metric", NULL };
        static const char *const value_types[] = { "enumeration", "decimal64.3", NULL };
        const char *type = resource_event_type_intern(column_text(row, 2));
        const char *id = column_text(row, 1);
        _cleanup_(event_unrefp) Event *e = NULL;
        int r;

        if (!type || strlen(id) != SD_ID128_UUID_STRING_MAX - 1)
                return NULL;
        e = event_new(type, column_text(row, 3), sqlite3_column_int64(row, 4));
        e->seq = (uint64_t) sqlite3_column_int64(row, 0);
        memcpy(e->id, id, SD_ID128_UUID_STRING_MAX);

        sqlite3_bind_int64(values, 1, (int64_t) e->seq);
        while ((r = sqlite3_step(values)) == SQLITE_ROW) {
                EventValue v = {
                        .address = g_strdup(column_text(values, 0)),
                        .data_type = intern(column_text(values, 1), data_types),
                        .value_type = intern(column_text(values, 2), value_types),
                        .value = g_strdup(column_text(values, 3)),
                };

                g_array_append_val(e->values, v);
                if (!v.data_type || !v.value_type) {
                        sqlite3_reset(values);
                        return NULL;
                }
        }
        sqlite3_reset(values);
        return r == SQLITE_DONE ? TAKE_PTR(e) : NULL;
}

/* Events from a query whose first parameter the caller bound, in the order it gives. */
static int load_events(Store *s, sqlite3_stmt *rows, int (*f)(Event *e, void *userdata), void *userdata) {
        _cleanup_finalize_ sqlite3_stmt *values = NULL;
        int r;

        r = prepare(s, "SELECT address, data_type, value_type, value FROM event_values WHERE seq = ?1 ORDER BY idx",
                    &values);
        if (r < 0)
                return r;
        while ((r = sqlite3_step(rows)) == SQLITE_ROW) {
                _cleanup_(event_unrefp) Event *e = event_from_row(s, rows, values);

                if (!e)
                        return log_error_errno(EBADMSG, "%s: event %" G_GINT64_FORMAT " is damaged", s->path,
                                               (int64_t) sqlite3_column_int64(rows, 0));
                r = f(e, userdata);
                if (r < 0)
                        return r;
        }
        if (r != SQLITE_DONE)
                return log_error_errno(errno_of(r), "%s: %s", s->path, sqlite3_errmsg(s->db));
        return 0;
}

int store_load_events(Store *s, uint64_t after, int (*f)(Event *e, void *userdata), void *userdata) {
        _cleanup_finalize_ sqlite3_stmt *rows = NULL;
        int r;

        r = prepare(s, "SELECT seq, id, type, source, time FROM events WHERE seq > ?1 ORDER BY seq", &rows);
        if (r < 0)
                return r;
        sqlite3_bind_int64(rows, 1, (int64_t) after);
        return load_events(s, rows, f, userdata);
}

typedef struct DeadLetterLoad {
        sqlite3_stmt *reasons;
        int (*f)(Event *e, DeadLetterReason reason, void *userdata);
        void *userdata;
} DeadLetterLoad;

static int dead_letter_loaded(Event *e, void *userdata) {
        DeadLetterLoad *l = userdata;
        const char *reason;
        int r;

        r = sqlite3_step(l->reasons);
        if (r != SQLITE_ROW)
                return -EBADMSG;
        reason = column_text(l->reasons, 0);
        for (DeadLetterReason k = 0; k < _DEAD_LETTER_REASON_MAX; k++)
                if (streq(reason, dead_letter_reason_to_string(k)))
                        return l->f(e, k, l->userdata);
        return -EBADMSG;
}

int store_load_dead_letters(Store *s, const char *id, int (*f)(Event *e, DeadLetterReason reason, void *userdata),
                            void *userdata) {
        _cleanup_finalize_ sqlite3_stmt *rows = NULL, *reasons = NULL;
        DeadLetterLoad l = { .f = f, .userdata = userdata };
        int r;

        /* Two queries walked in step, both in seq order: the events, and why each is a dead letter. */
        r = prepare(s, "SELECT e.seq, e.id, e.type, e.source, e.time FROM events e JOIN dead_letters d "
                       "ON d.seq = e.seq WHERE d.subscription = ?1 ORDER BY e.seq", &rows);
        if (r >= 0)
                r = prepare(s, "SELECT d.reason FROM events e JOIN dead_letters d ON d.seq = e.seq "
                               "WHERE d.subscription = ?1 ORDER BY e.seq", &reasons);
        if (r < 0)
                return r;
        sqlite3_bind_text(rows, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(reasons, 1, id, -1, SQLITE_STATIC);
        l.reasons = reasons;
        return load_events(s, rows, dead_letter_loaded, &l);
}

int store_load_attempts(Store *s, const char *id, int (*f)(uint64_t seq, uint32_t attempt, void *userdata),
                        void *userdata) {
        _cleanup_finalize_ sqlite3_stmt *rows = NULL;
        int r;

        r = prepare(s, "SELECT seq, attempt FROM attempts WHERE subscription = ?1 ORDER BY seq", &rows);
        if (r < 0)
                return r;
        sqlite3_bind_text(rows, 1, id, -1, SQLITE_STATIC);
        while ((r = sqlite3_step(rows)) == SQLITE_ROW) {
                int64_t seq = sqlite3_column_int64(rows, 0), attempt = sqlite3_column_int64(rows, 1);

                if (seq < 0 || attempt < 0 || attempt > UINT32_MAX)
                        return log_error_errno(EBADMSG, "%s: subscription %s is damaged: attempt %" PRIi64
                                               " of event %" PRIi64 " is out of range", s->path, id, attempt, seq);
                r = f((uint64_t) seq, (uint32_t) attempt, userdata);
                if (r < 0)
                        return r;
        }
        if (r != SQLITE_DONE)
                return log_error_errno(errno_of(r), "%s: %s", s->path, sqlite3_errmsg(s->db));
        return 0;
}

/* The id and address point into the row; only the options are owned. */
static void stored_subscription_done(StoredSubscription *sub) {
        subscription_options_done(&sub->options);
}

/* message (g_free, taken) says what of subscription id breaks which rule. */
static int subscription_damaged(Store *s, const char *id, char *message) {
        g_autofree char *m = message;

        return log_error_errno(EBADMSG, "%s: subscription %s is damaged: %s", s->path, id, m);
}

/* The integer columns of a subscriptions row, and what each must fit before it is cut to its C type. */
static const struct {
        int column;
        const char *name;
        int64_t max;
} subscription_integer_columns[] = {
        { 2, "uid", UINT32_MAX - 1 }, /* (uid_t) -1 is nobody */
        { 5, "window", UINT32_MAX },
        { 6, "retry", UINT32_MAX },
        { 9, "ack_timeout", INT64_MAX },
        { 10, "queue_limit", UINT32_MAX },
        { 12, "dead_letter_limit", UINT32_MAX },
        { 13, "cursor", INT64_MAX },
        { 14, "delivered", INT64_MAX },
        { 15, "retried", INT64_MAX },
        { 16, "dead_lettered", INT64_MAX },
};

/*
 * A subscription's options from its row and its metadata rows. What was valid when stored is checked
 * again, by the same rules as Manager.Subscribe's (model/subscription-options.h): the file is input too.
 */
static int load_subscription_options(Store *s, sqlite3_stmt *row, sqlite3_stmt *metadata, const char *id,
                                     SubscriptionOptions *o) {
        char *message = NULL;
        size_t bytes = 0;
        int r;

        subscription_options_init(o);

        /* Numbers before they are cut to 32 bits: 4294967297 would be a valid Window of 1. */
        for (size_t i = 0; i < ELEMENTSOF(subscription_integer_columns); i++) {
                int64_t v = sqlite3_column_int64(row, subscription_integer_columns[i].column);

                if (v < 0 || v > subscription_integer_columns[i].max)
                        return subscription_damaged(s, id, g_strdup_printf("%s %" PRIi64 " is out of range",
                                                                            subscription_integer_columns[i].name, v));
        }

        g_free(o->name);
        o->name = g_strdup(column_text(row, 1));
        if (isempty(o->name))
                return subscription_damaged(s, id, g_strdup("it has no name, and only named ones are stored"));
        o->ordered = sqlite3_column_int(row, 4);
        o->window = (uint32_t) sqlite3_column_int64(row, 5);
        o->retry = (uint32_t) sqlite3_column_int64(row, 6);
        g_free(o->backoff_delay);
        o->backoff_delay = g_strdup(column_text(row, 7));
        r = subscription_options_parse_backoff_delay(o->backoff_delay, &o->backoff_delay_usec, &message);
        if (r < 0)
                return subscription_damaged(s, id, message);
        r = subscription_options_parse_backoff_policy(column_text(row, 8), &o->backoff_policy, &message);
        if (r < 0)
                return subscription_damaged(s, id, message);
        o->ack_timeout_usec = (uint64_t) sqlite3_column_int64(row, 9);
        o->queue_limit = (uint32_t) sqlite3_column_int64(row, 10);
        o->initial_state = sqlite3_column_int(row, 11);
        o->dead_letter_limit = (uint32_t) sqlite3_column_int64(row, 12);

        sqlite3_bind_text(metadata, 1, id, -1, SQLITE_STATIC);
        while ((r = sqlite3_step(metadata)) == SQLITE_ROW) {
                r = subscription_options_add_metadata(o->metadata, &bytes, column_text(metadata, 0),
                                                      column_text(metadata, 1), &message);
                if (r < 0) {
                        sqlite3_reset(metadata);
                        return subscription_damaged(s, id, message);
                }
        }
        sqlite3_reset(metadata);
        /* Half the metadata is not the metadata. */
        if (r != SQLITE_DONE)
                return log_error_errno(errno_of(r), "%s: subscription %s: %s", s->path, id, sqlite3_errmsg(s->db));

        r = subscription_options_validate(o, &message);
        if (r < 0)
                return subscription_damaged(s, id, message);
        return 0;
}

int store_load_subscriptions(Store *s, int (*f)(const StoredSubscription *sub, void *userdata), void *userdata) {
        _cleanup_finalize_ sqlite3_stmt *rows = NULL, *metadata = NULL;
        int r;

        r = prepare(s, "SELECT id, name, uid, address, ordered, window, retry, backoff_delay, backoff_policy, "
                       "ack_timeout, queue_limit, initial_state, dead_letter_limit, cursor, delivered, retried, "
                       "dead_lettered FROM subscriptions "
                       "ORDER BY id", &rows);
        if (r >= 0)
                r = prepare(s, "SELECT key, value FROM subscription_metadata WHERE subscription = ?1", &metadata);
        if (r < 0)
                return r;

        while ((r = sqlite3_step(rows)) == SQLITE_ROW) {
                _cleanup_(stored_subscription_done) StoredSubscription sub = {
                        .id = (char *) column_text(rows, 0),
                        .uid = (uid_t) sqlite3_column_int64(rows, 2),
                        .address = (char *) column_text(rows, 3),
                        .cursor = (uint64_t) sqlite3_column_int64(rows, 13),
                        .counters = {
                                .delivered = (uint64_t) sqlite3_column_int64(rows, 14),
                                .retried = (uint64_t) sqlite3_column_int64(rows, 15),
                                .dead_lettered = (uint64_t) sqlite3_column_int64(rows, 16),
                        },
                };

                r = load_subscription_options(s, rows, metadata, sub.id, &sub.options);
                if (r < 0)
                        return r;

                r = f(&sub, userdata);
                if (r < 0)
                        return r;
        }
        if (r != SQLITE_DONE)
                return log_error_errno(errno_of(r), "%s: %s", s->path, sqlite3_errmsg(s->db));
        return 0;
}
