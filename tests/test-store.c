/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SQLite store, each case in a directory of its own: opening and its lock, events, subscriptions,
 * cursors and dead letters read back field by field after a reopen, what a commit makes durable and
 * what an abrupt end (a child that _exit()s) loses, pruning, and stores that are damaged or not ours --
 * refused at open, or refused at load rather than read as garbage.
 */

#include <glib/gstdio.h>
#include <inttypes.h>
#include <signal.h>
#include <sqlite3.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "model/resource.h"
#include "store/store.h"
#include "common/rm-rf.h"
#include "test-util.h"

#define LOCK_STATE_TYPE "event.sync.ptp-status.ptp-state-change"
#define NODE_ADDRESS "/cluster/node/du1.example.com/"

/* --- directories ------------------------------------------------------------------------------- */

static void tmpdir_removep(char **dir) {
        if (*dir) {
                rm_rf(*dir);
                g_free(*dir);
        }
}
/* Declared first in a case, so that it goes last, after the store in it is closed. */
#define _cleanup_tmpdir_ _cleanup_(tmpdir_removep)

static char *make_tmpdir(void) {
        g_autoptr(GError) error = NULL;
        char *dir = g_dir_make_tmp("test-store-XXXXXX", &error);

        g_assert_no_error(error);
        return dir;
}

static char *db_path(const char *dir) {
        return g_build_filename(dir, STORE_FILE_NAME, NULL);
}

static Store *open_store(const char *dir) {
        g_autofree char *message = NULL;
        Store *s = NULL;
        int r;

        r = store_open(&s, dir, &message);
        if (r < 0)
                g_error("store_open(%s): %s (%s)", dir, g_strerror(-r), message);
        g_assert_null(message);
        g_assert_nonnull(s);
        return s;
}

static uint64_t last_seq(Store *s) {
        uint64_t seq = UINT64_MAX;

        g_assert_cmpint(store_last_seq(s, &seq), ==, 0);
        return seq;
}

static Store *reopen_store(Store *s, const char *dir) {
        g_assert_cmpint(store_commit(s), ==, 0);
        store_free(s);
        return open_store(dir);
}

/* --- SQLite directly, behind the store's back -------------------------------------------------- */

static sqlite3 *sql_open(const char *path) {
        sqlite3 *db = NULL;

        g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), ==,
                        SQLITE_OK);
        return db;
}

/* Returns how many rows it changed. */
static int sql_exec(const char *path, const char *sql) {
        sqlite3 *db = sql_open(path);
        char *error = NULL;
        int changes;

        if (sqlite3_exec(db, sql, NULL, NULL, &error) != SQLITE_OK)
                g_error("%s: %s: %s", path, sql, error);
        changes = sqlite3_total_changes(db);
        g_assert_cmpint(sqlite3_close(db), ==, SQLITE_OK);
        return changes;
}

static int64_t sql_int(const char *path, const char *sql) {
        sqlite3 *db = sql_open(path);
        sqlite3_stmt *stmt = NULL;
        int64_t v;

        g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
        v = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        g_assert_cmpint(sqlite3_close(db), ==, SQLITE_OK);
        return v;
}

/* --- events ------------------------------------------------------------------------------------ */

static void event_unref_void(void *e) {
        event_unref(e);
}

static Event *make_event(uint64_t seq, const char *type, const char *source, int64_t time_usec) {
        Event *e = event_new(type, source, time_usec);

        e->seq = seq;
        return e;
}

static const char *event_type_for(uint64_t seq) {
        return expected_resources[seq % G_N_ELEMENTS(expected_resources)].event_type;
}

/* An event with n_states notification values and n_metrics metric values, interleaved. */
static Event *make_event_with(uint64_t seq, int64_t time_usec, unsigned n_states, unsigned n_metrics) {
        static const char *const states[] = { "LOCKED", "HOLDOVER", "", "FREERUN \"quoted\" ünïcødé" };
        static const int64_t metrics[] = { INT64_MIN, -3, 0, INT64_MAX };
        g_autofree char *source = g_strdup_printf(NODE_ADDRESS "sync/ptp-status/lock-state#%" PRIu64, seq);
        Event *e = make_event(seq, event_type_for(seq), source, time_usec);

        for (unsigned i = 0; i < MAX(n_states, n_metrics); i++) {
                g_autofree char *address = g_strdup_printf("ens%ufx/master", i);

                if (i < n_states)
                        event_add_state(e, address, states[i % G_N_ELEMENTS(states)]);
                if (i < n_metrics)
                        event_add_metric(e, i % 2 ? "CLOCK_REALTIME" : address,
                                         metrics[i % G_N_ELEMENTS(metrics)]);
        }
        return e;
}

/* 0, 1 and 4 values of each kind, and both together; seqs with gaps. */
static GPtrArray *make_events(void) {
        GPtrArray *events = g_ptr_array_new_with_free_func(event_unref_void);

        g_ptr_array_add(events, make_event_with(1, 0, 0, 0));
        g_ptr_array_add(events, make_event_with(2, 1700000000000000, 1, 0));
        g_ptr_array_add(events, make_event_with(3, -1, 0, 1));
        g_ptr_array_add(events, make_event_with(5, INT64_MIN, 4, 0));
        g_ptr_array_add(events, make_event_with(8, INT64_MAX, 0, 4));
        g_ptr_array_add(events, make_event_with(9, 42, 4, 4));
        return events;
}

static void add_events(Store *s, GPtrArray *events) {
        for (guint i = 0; i < events->len; i++)
                store_add_event(s, events->pdata[i]);
}

static void assert_event_equal(const Event *got, const Event *want) {
        g_assert_cmpuint(got->seq, ==, want->seq);
        g_assert_cmpstr(got->id, ==, want->id);
        g_assert_cmpstr(got->type, ==, want->type);
        /* Back to the resource table's own string, which events point to. */
        g_assert_true(got->type == resource_event_type_intern(want->type));
        g_assert_cmpstr(got->source, ==, want->source);
        g_assert_cmpint(got->time_usec, ==, want->time_usec);
        g_assert_cmpuint(got->values->len, ==, want->values->len);
        for (guint i = 0; i < want->values->len; i++) {
                const EventValue *g = &g_array_index(got->values, EventValue, i);
                const EventValue *w = &g_array_index(want->values, EventValue, i);

                g_assert_cmpstr(g->address, ==, w->address);
                g_assert_cmpstr(g->data_type, ==, w->data_type);
                g_assert_cmpstr(g->value_type, ==, w->value_type);
                g_assert_cmpstr(g->value, ==, w->value);
        }
}

static int collect_event(Event *e, void *userdata) {
        g_ptr_array_add(userdata, event_ref(e));
        return 0;
}

/* Reads see what is committed: the load helpers commit what the case wrote first. */
static GPtrArray *load_events(Store *s, uint64_t after) {
        g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(event_unref_void);

        g_assert_cmpint(store_commit(s), ==, 0);
        g_assert_cmpint(store_load_events(s, after, collect_event, got), ==, 0);
        return g_steal_pointer(&got);
}

/* Exactly the events of want with a seq in seqs, in that order. */
static void assert_events(GPtrArray *got, GPtrArray *want, const uint64_t *seqs, size_t n) {
        g_assert_cmpuint(got->len, ==, n);
        for (size_t i = 0; i < n; i++) {
                const Event *w = NULL;

                for (guint j = 0; j < want->len && !w; j++)
                        if (((const Event *) want->pdata[j])->seq == seqs[i])
                                w = want->pdata[j];
                g_assert_nonnull(w);
                assert_event_equal(got->pdata[i], w);
        }
}

/* --- subscriptions and dead letters ------------------------------------------------------------ */

static void stored_subscription_clear(void *p) {
        StoredSubscription *sub = p;

        g_free(sub->id);
        g_free(sub->address);
        subscription_options_done(&sub->options);
}

static int collect_subscription(const StoredSubscription *sub, void *userdata) {
        StoredSubscription copy = {
                .id = g_strdup(sub->id),
                .uid = sub->uid,
                .address = g_strdup(sub->address),
                .cursor = sub->cursor,
                .counters = sub->counters,
        };

        subscription_options_copy(&copy.options, &sub->options);
        g_array_append_val((GArray *) userdata, copy);
        return 0;
}

static GArray *load_subscriptions(Store *s) {
        g_autoptr(GArray) got = g_array_new(false, true, sizeof(StoredSubscription));

        g_array_set_clear_func(got, stored_subscription_clear);
        g_assert_cmpint(store_commit(s), ==, 0);
        g_assert_cmpint(store_load_subscriptions(s, collect_subscription, got), ==, 0);
        return g_steal_pointer(&got);
}

static const StoredSubscription *find_subscription(GArray *subs, const char *id) {
        for (guint i = 0; i < subs->len; i++)
                if (streq(g_array_index(subs, StoredSubscription, i).id, id))
                        return &g_array_index(subs, StoredSubscription, i);
        return NULL;
}

static uint64_t load_cursor(Store *s, const char *id) {
        g_autoptr(GArray) subs = load_subscriptions(s);
        const StoredSubscription *sub = find_subscription(subs, id);

        g_assert_nonnull(sub);
        return sub->cursor;
}

static void assert_options_equal(const SubscriptionOptions *got, const SubscriptionOptions *want) {
        GHashTableIter i;
        gpointer k, v;

        g_assert_cmpstr(got->name, ==, want->name);
        g_assert_cmpint(got->ordered, ==, want->ordered);
        g_assert_cmpuint(got->window, ==, want->window);
        g_assert_cmpuint(got->retry, ==, want->retry);
        g_assert_cmpstr(got->backoff_delay, ==, want->backoff_delay);
        g_assert_cmpuint(got->backoff_delay_usec, ==, want->backoff_delay_usec);
        g_assert_cmpint(got->backoff_policy, ==, want->backoff_policy);
        g_assert_cmpuint(got->ack_timeout_usec, ==, want->ack_timeout_usec);
        g_assert_cmpuint(got->queue_limit, ==, want->queue_limit);
        g_assert_cmpint(got->initial_state, ==, want->initial_state);
        g_assert_cmpuint(got->dead_letter_limit, ==, want->dead_letter_limit);
        g_assert_cmpuint(g_hash_table_size(got->metadata), ==, g_hash_table_size(want->metadata));
        g_hash_table_iter_init(&i, want->metadata);
        while (g_hash_table_iter_next(&i, &k, &v))
                g_assert_cmpstr(g_hash_table_lookup(got->metadata, k), ==, v);
}

/* A durable subscription's options: a name, otherwise the defaults. */
static void options_named(SubscriptionOptions *o, const char *name) {
        subscription_options_init(o);
        g_free(o->name);
        o->name = g_strdup(name);
}

/* Every option away from its default, and metadata. */
static void options_unusual(SubscriptionOptions *o) {
        SubscriptionOptions defaults;

        options_named(o, "durable.one");
        o->ordered = false;
        o->window = 17;
        o->retry = 9;
        g_free(o->backoff_delay);
        o->backoff_delay = g_strdup("PT1M30.5S");
        o->backoff_delay_usec = 90500 * USEC_PER_MSEC;
        o->backoff_policy = BACKOFF_LINEAR;
        o->ack_timeout_usec = 123456;
        o->queue_limit = 77;
        o->initial_state = true;
        o->dead_letter_limit = 5;
        g_hash_table_insert(o->metadata, g_strdup("team"), g_strdup("ran"));
        g_hash_table_insert(o->metadata, g_strdup("empty"), g_strdup(""));
        g_hash_table_insert(o->metadata, g_strdup("naïve"), g_strdup("ünïcødé ☃ 'quoted'"));
        g_hash_table_insert(o->metadata, g_strdup("long"), g_strnfill(OPTIONS_METADATA_VALUE_MAX, 'x'));

        /* Else a store that dropped a field and used the default would pass. */
        subscription_options_init(&defaults);
        g_assert_cmpstr(o->name, !=, defaults.name);
        g_assert_cmpint(o->ordered, !=, defaults.ordered);
        g_assert_cmpuint(o->window, !=, defaults.window);
        g_assert_cmpuint(o->retry, !=, defaults.retry);
        g_assert_cmpstr(o->backoff_delay, !=, defaults.backoff_delay);
        g_assert_cmpuint(o->backoff_delay_usec, !=, defaults.backoff_delay_usec);
        g_assert_cmpint(o->backoff_policy, !=, defaults.backoff_policy);
        g_assert_cmpuint(o->ack_timeout_usec, !=, defaults.ack_timeout_usec);
        g_assert_cmpuint(o->queue_limit, !=, defaults.queue_limit);
        g_assert_cmpint(o->initial_state, !=, defaults.initial_state);
        g_assert_cmpuint(o->dead_letter_limit, !=, defaults.dead_letter_limit);
        subscription_options_done(&defaults);
}

typedef struct LoadedDeadLetter {
        Event *event;
        DeadLetterReason reason;
} LoadedDeadLetter;

static void loaded_dead_letter_clear(void *p) {
        event_unref(((LoadedDeadLetter *) p)->event);
}

static int collect_dead_letter(Event *e, DeadLetterReason reason, void *userdata) {
        LoadedDeadLetter d = { .event = event_ref(e), .reason = reason };

        g_array_append_val((GArray *) userdata, d);
        return 0;
}

static GArray *load_dead_letters(Store *s, const char *id) {
        g_autoptr(GArray) got = g_array_new(false, true, sizeof(LoadedDeadLetter));

        g_array_set_clear_func(got, loaded_dead_letter_clear);
        g_assert_cmpint(store_commit(s), ==, 0);
        g_assert_cmpint(store_load_dead_letters(s, id, collect_dead_letter, got), ==, 0);
        return g_steal_pointer(&got);
}

/* The seqs of a subscription's dead letters, "1 2 3", for short assertions. */
static char *dead_letter_seqs(Store *s, const char *id) {
        g_autoptr(GArray) got = load_dead_letters(s, id);
        g_autoptr(GString) seqs = g_string_new(NULL);

        for (guint i = 0; i < got->len; i++)
                g_string_append_printf(seqs, "%s%" PRIu64, i ? " " : "",
                                       g_array_index(got, LoadedDeadLetter, i).event->seq);
        return g_string_free(g_steal_pointer(&seqs), false);
}

static void assert_dead_letter_seqs(Store *s, const char *id, const char *want) {
        g_autofree char *got = dead_letter_seqs(s, id);

        g_assert_cmpstr(got, ==, want);
}

/* --- opening ----------------------------------------------------------------------------------- */

static void test_open(void) {
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        g_autofree char *state = g_build_filename(dir, "var", "lib", "ptpsync", NULL);
        g_autofree char *db = db_path(state);
        g_autofree char *message = NULL;
        _cleanup_(store_freep) Store *s = NULL, *second = NULL;
        int r;

        s = open_store(state);
        g_assert_true(g_file_test(state, G_FILE_TEST_IS_DIR));
        g_assert_true(g_file_test(db, G_FILE_TEST_IS_REGULAR));
        g_assert_cmpint(sql_int(db, "PRAGMA user_version"), ==, STORE_SCHEMA_VERSION);
        g_assert_cmpint(sql_int(db, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), ==, 1);
        g_assert_cmpuint(last_seq(s), ==, 0);
        g_assert_cmpuint(store_pending_writes(s), ==, 0);

        /* One ptpsyncd per store. */
        r = store_open(&second, state, &message);
        g_assert_cmpint(r, ==, -EWOULDBLOCK);
        g_assert_null(second);
        g_assert_nonnull(message);
        g_assert_nonnull(strstr(message, "in use"));
        g_assert_nonnull(strstr(message, state));

        s = store_free(s);
        g_assert_null(s);
        s = open_store(state);
        g_assert_cmpuint(last_seq(s), ==, 0);
}

/* --- events ------------------------------------------------------------------------------------ */

static void test_events(void) {
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        g_autoptr(GPtrArray) events = make_events();
        _cleanup_(store_freep) Store *s = open_store(dir);
        static const uint64_t all[] = { 1, 2, 3, 5, 8, 9 };

        add_events(s, events);
        g_assert_cmpint(store_commit(s), ==, 0);
        s = store_free(s);
        s = open_store(dir);

        g_assert_cmpuint(last_seq(s), ==, 9);
        for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
                g_autoptr(GPtrArray) got = load_events(s, all[i]);

                /* After each seq stored: exactly those that follow. */
                assert_events(got, events, all + i + 1, G_N_ELEMENTS(all) - i - 1);
        }
        {
                g_autoptr(GPtrArray) from_zero = load_events(s, 0);
                g_autoptr(GPtrArray) in_gap = load_events(s, 6);
                g_autoptr(GPtrArray) past = load_events(s, UINT64_C(1) << 40);

                assert_events(from_zero, events, all, G_N_ELEMENTS(all));
                assert_events(in_gap, events, (const uint64_t[]) { 8, 9 }, 2);
                g_assert_cmpuint(past->len, ==, 0);
        }
}

static int stop_after_two(Event *e, void *userdata) {
        unsigned *calls = userdata;

        return ++*calls == 2 ? -ECANCELED : 0;
}

static void test_events_stop(void) {
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        g_autoptr(GPtrArray) events = make_events();
        _cleanup_(store_freep) Store *s = open_store(dir);
        unsigned calls = 0;

        add_events(s, events);
        g_assert_cmpint(store_commit(s), ==, 0);
        g_assert_cmpint(store_load_events(s, 0, stop_after_two, &calls), ==, -ECANCELED);
        g_assert_cmpuint(calls, ==, 2);
}

/* --- transactions, and an abrupt end ----------------------------------------------------------- */

typedef struct Child {
        const char *dir;
        Event *event;
        bool commit;
        rlim_t fsize_limit; /* child_open: RLIMIT_FSIZE */
} Child;

/*
 * In a child: opens the store, adds the event, commits or not, and _exit()s without store_free(),
 * as a crash or SIGKILL would leave things. 0 when all went as asked.
 */
static int child_add(const Child *c) {
        g_autofree char *message = NULL;
        Store *s = NULL;

        if (store_open(&s, c->dir, &message) < 0)
                return 10;
        store_add_event(s, c->event);
        if (store_pending_writes(s) != 1)
                return 12;
        if (c->commit && store_commit(s) < 0)
                return 13;
        return 0;
}

static int run_child(int (*f)(const Child *c), const Child *c) {
        int status;
        pid_t pid;

        fflush(NULL);
        pid = fork();
        g_assert_cmpint(pid, >=, 0);
        if (pid == 0)
                _exit(f(c));
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        g_assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static void test_abrupt_end(void) {
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        g_autoptr(GPtrArray) events = make_events();
        Store *s = open_store(dir);

        store_add_event(s, events->pdata[0]);
        g_assert_cmpint(store_commit(s), ==, 0);
        store_free(s);

        /* Not committed: gone with the process. */
        g_assert_cmpint(run_child(child_add, &(Child) { dir, events->pdata[1], false }), ==, 0);
        s = open_store(dir);
        g_assert_cmpuint(last_seq(s), ==, 1);
        {
                g_autoptr(GPtrArray) got = load_events(s, 0);

                assert_events(got, events, (const uint64_t[]) { 1 }, 1);
        }
        store_free(s);

        /* Committed: there, though the process never closed the store (and seq 2 was free to take). */
        g_assert_cmpint(run_child(child_add, &(Child) { dir, events->pdata[1], true }), ==, 0);
        s = open_store(dir);
        g_assert_cmpuint(last_seq(s), ==, 2);
        {
                g_autoptr(GPtrArray) got = load_events(s, 0);

                assert_events(got, events, (const uint64_t[]) { 1, 2 }, 2);
        }
        store_free(s);
}

static void test_pending_writes(void) {
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        g_autofree char *db = db_path(dir);
        g_autoptr(GPtrArray) events = make_events();
        _cleanup_(store_freep) Store *s = open_store(dir);
        SubscriptionOptions o;

        options_named(&o, "n");
        g_assert_cmpuint(store_pending_writes(s), ==, 0);
        g_assert_cmpint(store_commit(s), ==, 0); /* nothing open: nothing to do */
        store_add_event(s, events->pdata[0]);
        g_assert_cmpuint(store_pending_writes(s), ==, 1);
        store_add_event(s, events->pdata[5]); /* 8 values, still one write */
        g_assert_cmpuint(store_pending_writes(s), ==, 2);
        store_save_subscription(s, "sub", 1000, NODE_ADDRESS "sync", &o, 0);
        store_set_cursor(s, "sub", 1);
        store_add_dead_letter(s, "sub", 1, DEAD_LETTER_REJECTED);
        g_assert_cmpuint(store_pending_writes(s), ==, 5);
        g_assert_cmpint(store_commit(s), ==, 0);
        g_assert_cmpuint(store_pending_writes(s), ==, 0);
        g_assert_cmpint(store_commit(s), ==, 0);
        g_assert_cmpuint(store_pending_writes(s), ==, 0);

        /* An orderly store_free() commits what is open. */
        store_add_event(s, events->pdata[1]);
        store_add_event(s, events->pdata[2]);
        store_add_event(s, events->pdata[3]);
        g_assert_cmpuint(store_pending_writes(s), ==, 3);
        store_free(s);
        s = open_store(dir);
        {
                g_autoptr(GPtrArray) got = load_events(s, 0);

                assert_events(got, events, (const uint64_t[]) { 1, 2, 3, 5, 9 }, 5);
        }

        /* A write that cannot be made (seq 1 again) fails its whole batch, which is kept whole. */
        store_add_event(s, events->pdata[4]);
        store_add_event(s, events->pdata[0]);
        g_assert_cmpint(store_commit(s), ==, -EEXIST);
        g_test_message("%s", store_last_error(s));
        g_assert_nonnull(strstr(store_last_error(s), db));
        g_assert_nonnull(strstr(store_last_error(s), "adding event 1 failed"));
        g_assert_cmpuint(store_pending_writes(s), ==, 2);
        g_assert_cmpint(sql_int(db, "SELECT count(*) FROM events WHERE seq = 8"), ==, 0);
        subscription_options_done(&o);
}

/* --- subscriptions ----------------------------------------------------------------------------- */

static void test_subscriptions(void) {
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        g_autofree char *db = db_path(dir);
        g_autoptr(GPtrArray) events = make_events();
        _cleanup_(store_freep) Store *s = open_store(dir);
        SubscriptionOptions a, b;
        g_autoptr(GArray) subs = NULL;
        const StoredSubscription *got;

        options_unusual(&a);
        options_named(&b, "two");
        g_hash_table_insert(b.metadata, g_strdup("only-b"), g_strdup("1"));
        add_events(s, events);
        store_save_subscription(s, "sub-a", 4000000000U, NODE_ADDRESS "sync/ptp-status", &a, 7);
        store_save_subscription(s, "sub-b", 0, NODE_ADDRESS "sync/sync-status/sync-state", &b, 0);
        s = reopen_store(s, dir);

        subs = load_subscriptions(s);
        g_assert_cmpuint(subs->len, ==, 2);
        got = find_subscription(subs, "sub-a");
        g_assert_nonnull(got);
        g_assert_cmpuint(got->uid, ==, 4000000000U);
        g_assert_cmpstr(got->address, ==, NODE_ADDRESS "sync/ptp-status");
        g_assert_cmpuint(got->cursor, ==, 7);
        assert_options_equal(&got->options, &a);
        got = find_subscription(subs, "sub-b");
        g_assert_nonnull(got);
        g_assert_cmpuint(got->uid, ==, 0);
        g_assert_cmpstr(got->address, ==, NODE_ADDRESS "sync/sync-status/sync-state");
        g_assert_cmpuint(got->cursor, ==, 0);
        assert_options_equal(&got->options, &b);

        /* store_set_cursor() only moves forward; store_reset_cursor() anywhere. */
        store_set_cursor(s, "sub-a", 10);
        g_assert_cmpuint(load_cursor(s, "sub-a"), ==, 10);
        store_set_cursor(s, "sub-a", 5);
        g_assert_cmpuint(load_cursor(s, "sub-a"), ==, 10);
        store_set_cursor(s, "sub-a", 10);
        g_assert_cmpuint(load_cursor(s, "sub-a"), ==, 10);
        store_reset_cursor(s, "sub-a", 3);
        g_assert_cmpuint(load_cursor(s, "sub-a"), ==, 3);
        store_set_cursor(s, "sub-a", 4);
        store_set_cursor(s, "nobody", 4); /* no such subscription: no-op */
        s = reopen_store(s, dir);
        g_assert_cmpuint(load_cursor(s, "sub-a"), ==, 4);
        store_reset_cursor(s, "sub-a", 1000);
        g_assert_cmpuint(load_cursor(s, "sub-a"), ==, 1000);
        g_assert_cmpuint(load_cursor(s, "sub-b"), ==, 0);

        /* Deleting one takes its metadata and dead letters with it, and nothing of the other's. */
        store_add_dead_letter(s, "sub-a", 1, DEAD_LETTER_REJECTED);
        store_add_dead_letter(s, "sub-a", 2, DEAD_LETTER_QUEUE_LIMIT);
        store_add_dead_letter(s, "sub-b", 2, DEAD_LETTER_RETRIES_EXHAUSTED);
        s = reopen_store(s, dir);
        assert_dead_letter_seqs(s, "sub-a", "1 2");
        g_assert_cmpint(sql_int(db, "SELECT count(*) FROM subscription_metadata "
                                    "WHERE subscription = 'sub-a'"), ==, 4);
        store_delete_subscription(s, "sub-a");
        s = reopen_store(s, dir);
        g_clear_pointer(&subs, g_array_unref);
        subs = load_subscriptions(s);
        g_assert_cmpuint(subs->len, ==, 1);
        got = find_subscription(subs, "sub-b");
        g_assert_nonnull(got);
        assert_options_equal(&got->options, &b);
        assert_dead_letter_seqs(s, "sub-a", "");
        assert_dead_letter_seqs(s, "sub-b", "2");
        g_assert_cmpint(sql_int(db, "SELECT count(*) FROM subscription_metadata "
                                    "WHERE subscription = 'sub-a'"), ==, 0);
        g_assert_cmpint(sql_int(db, "SELECT count(*) FROM dead_letters WHERE subscription = 'sub-a'"),
                        ==, 0);
        g_assert_cmpint(sql_int(db, "SELECT count(*) FROM subscription_metadata"), ==, 1);
        /* The events stay: they are not the subscription's. */
        g_assert_cmpuint(last_seq(s), ==, 9);

        subscription_options_done(&a);
        subscription_options_done(&b);
}

static int stop_at_first(const StoredSubscription *sub, void *userdata) {
        ++*(unsigned *) userdata;
        return -ECANCELED;
}

static void test_subscriptions_stop(void) {
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        _cleanup_(store_freep) Store *s = open_store(dir);
        SubscriptionOptions o;
        unsigned calls = 0;

        options_named(&o, "one");
        store_save_subscription(s, "sub-1", 1, NODE_ADDRESS "sync", &o, 0);
        g_free(o.name);
        o.name = g_strdup("two");
        store_save_subscription(s, "sub-2", 1, NODE_ADDRESS "sync", &o, 0);
        g_assert_cmpint(store_commit(s), ==, 0);
        g_assert_cmpint(store_load_subscriptions(s, stop_at_first, &calls), ==, -ECANCELED);
        g_assert_cmpuint(calls, ==, 1);
        subscription_options_done(&o);
}

/* --- dead letters ------------------------------------------------------------------------------ */

static DeadLetterReason reason_of(uint64_t seq) {
        return (DeadLetterReason) (seq % _DEAD_LETTER_REASON_MAX);
}

static void test_dead_letters(void) {
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func(event_unref_void);
        _cleanup_(store_freep) Store *s = open_store(dir);
        static const uint64_t added[] = { 4, 2, 5, 1, 3 };
        SubscriptionOptions o, other;

        for (uint64_t seq = 1; seq <= 5; seq++)
                g_ptr_array_add(events, make_event_with(seq, (int64_t) seq * 1000, seq % 2, seq / 2));
        add_events(s, events);
        options_named(&o, "s");
        options_named(&other, "other");
        store_save_subscription(s, "s", 1, NODE_ADDRESS "sync", &o, 0);
        store_save_subscription(s, "other", 1, NODE_ADDRESS "sync", &other, 0);
        for (size_t i = 0; i < G_N_ELEMENTS(added); i++)
                store_add_dead_letter(s, "s", added[i], reason_of(added[i]));
        store_add_dead_letter(s, "other", 1, DEAD_LETTER_QUEUE_LIMIT);
        s = reopen_store(s, dir);

        /* In seq order, whatever the order they came in, each with its own reason and event. */
        {
                g_autoptr(GArray) got = load_dead_letters(s, "s");

                g_assert_cmpuint(got->len, ==, 5);
                for (guint i = 0; i < got->len; i++) {
                        const LoadedDeadLetter *d = &g_array_index(got, LoadedDeadLetter, i);

                        assert_event_equal(d->event, events->pdata[i]);
                        g_assert_cmpint(d->reason, ==, reason_of(i + 1));
                }
        }
        {
                g_autoptr(GArray) got = load_dead_letters(s, "other");

                g_assert_cmpuint(got->len, ==, 1);
                assert_event_equal(g_array_index(got, LoadedDeadLetter, 0).event, events->pdata[0]);
                g_assert_cmpint(g_array_index(got, LoadedDeadLetter, 0).reason, ==, DEAD_LETTER_QUEUE_LIMIT);
        }
        assert_dead_letter_seqs(s, "nobody", "");

        /* Trim keeps the newest; the other subscription's are not touched. */
        store_trim_dead_letters(s, "s", 2);
        assert_dead_letter_seqs(s, "s", "4 5");
        assert_dead_letter_seqs(s, "other", "1");
        store_trim_dead_letters(s, "s", 2);
        assert_dead_letter_seqs(s, "s", "4 5");

        store_delete_dead_letter(s, "s", 4);
        store_delete_dead_letter(s, "s", 99);
        s = reopen_store(s, dir);
        assert_dead_letter_seqs(s, "s", "5");

        store_add_dead_letter(s, "s", 1, DEAD_LETTER_REJECTED);
        store_add_dead_letter(s, "s", 2, DEAD_LETTER_REJECTED);
        assert_dead_letter_seqs(s, "s", "1 2 5");
        store_delete_dead_letters(s, "s");
        s = reopen_store(s, dir);
        assert_dead_letter_seqs(s, "s", "");
        assert_dead_letter_seqs(s, "other", "1");

        /* A DeadLetterLimit of 0 keeps none. */
        store_trim_dead_letters(s, "other", 0);
        assert_dead_letter_seqs(s, "other", "");

        subscription_options_done(&o);
        subscription_options_done(&other);
}

/* --- pruning ----------------------------------------------------------------------------------- */

static void test_prune(void) {
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        g_autofree char *db = db_path(dir);
        g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func(event_unref_void);
        _cleanup_(store_freep) Store *s = open_store(dir);
        SubscriptionOptions o;

        for (uint64_t seq = 1; seq <= 10; seq++)
                g_ptr_array_add(events, make_event_with(seq, (int64_t) seq, 1, 1));
        add_events(s, events);
        options_named(&o, "s");
        store_save_subscription(s, "s", 1, NODE_ADDRESS "sync", &o, 8);
        store_add_dead_letter(s, "s", 3, DEAD_LETTER_RETRIES_EXHAUSTED);
        s = reopen_store(s, dir);

        store_prune_events(s, 8);
        s = reopen_store(s, dir);
        {
                g_autoptr(GPtrArray) got = load_events(s, 0);

                assert_events(got, events, (const uint64_t[]) { 3, 9, 10 }, 3);
        }
        g_assert_cmpuint(last_seq(s), ==, 10);
        assert_dead_letter_seqs(s, "s", "3");
        /* The values of the pruned events went with them. */
        g_assert_cmpint(sql_int(db, "SELECT count(*) FROM event_values WHERE seq NOT IN (3, 9, 10)"), ==, 0);
        g_assert_cmpint(sql_int(db, "SELECT count(*) FROM event_values"), ==, 6);

        /* Once the dead letter is gone, its event can go too. */
        store_delete_dead_letters(s, "s");
        store_prune_events(s, 9);
        s = reopen_store(s, dir);
        {
                g_autoptr(GPtrArray) got = load_events(s, 0);

                assert_events(got, events, (const uint64_t[]) { 10 }, 1);
        }
        g_assert_cmpuint(last_seq(s), ==, 10);
        subscription_options_done(&o);
}

/* --- stores that are not ours, or damaged: refused at open ------------------------------------- */

typedef struct RefusedCase {
        const char *name;
        void (*setup)(const char *state); /* makes what store_open(state) will find */
        int error;                        /* positive errno expected */
        const char *says;                 /* in the message, or NULL */
        bool names_directory;             /* the message names the directory, not the database */
} RefusedCase;

static void setup_garbage(const char *state) {
        g_autofree char *db = db_path(state);
        g_autoptr(GRand) rand = g_rand_new_with_seed(7);
        char garbage[8192];

        g_assert_cmpint(g_mkdir_with_parents(state, 0755), ==, 0);
        for (size_t i = 0; i < sizeof(garbage); i++)
                garbage[i] = (char) g_rand_int_range(rand, 0, 256);
        g_assert_true(g_file_set_contents(db, garbage, sizeof(garbage), NULL));
}

static void setup_sqlite(const char *state, const char *sql) {
        g_autofree char *db = db_path(state);

        g_assert_cmpint(g_mkdir_with_parents(state, 0755), ==, 0);
        (void) sql_exec(db, sql);
}

static void setup_newer(const char *state) {
        setup_sqlite(state, "CREATE TABLE events (seq INTEGER PRIMARY KEY, future BLOB); "
                            "PRAGMA user_version = 99;");
}

static void setup_foreign(const char *state) {
        setup_sqlite(state, "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine');");
}

static void setup_negative_version(const char *state) {
        setup_sqlite(state, "CREATE TABLE notes (text TEXT); PRAGMA user_version = -1;");
}

/* A real store, then a page in the middle of it overwritten. */
static void setup_damaged(const char *state) {
        g_autofree char *db = db_path(state);
        g_autofree char *contents = NULL;
        Store *s = open_store(state);
        gsize size;

        for (uint64_t seq = 1; seq <= 200; seq++) {
                _cleanup_(event_unrefp) Event *e = make_event_with(seq, 0, 4, 4);

                store_add_event(s, e);
        }
        g_assert_cmpint(store_commit(s), ==, 0);
        store_free(s); /* the last connection: checkpoints, everything in the database file */

        g_assert_true(g_file_get_contents(db, &contents, &size, NULL));
        g_assert_cmpuint(size, >=, 16 * 4096);
        memset(contents + 8 * 4096, 0x5a, 4096);
        g_assert_true(g_file_set_contents(db, contents, (gssize) size, NULL));
}

static void setup_file_as_directory(const char *state) {
        g_assert_true(g_file_set_contents(state, "not a directory\n", -1, NULL));
}

static const RefusedCase refused_cases[] = {
        { "garbage", setup_garbage, EBADMSG, "not a database", false },
        { "newer", setup_newer, EPROTONOSUPPORT, "newer", false },
        { "foreign", setup_foreign, EBADMSG, "not a ptpsync store", false },
        { "negative-version", setup_negative_version, EBADMSG, NULL, false },
        { "damaged", setup_damaged, EBADMSG, NULL, false },
        { "file-as-directory", setup_file_as_directory, ENOTDIR, "directory", true },
};

static void test_refused(const void *data) {
        const RefusedCase *c = data;
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        g_autofree char *state = g_build_filename(dir, "state", NULL);
        g_autofree char *db = db_path(state);
        g_autofree char *message = NULL, *before = NULL, *after = NULL;
        _cleanup_(store_freep) Store *s = NULL;
        gsize before_size = 0, after_size = 0;
        int r;

        g_test_message("%s", c->name);
        c->setup(state);
        (void) g_file_get_contents(db, &before, &before_size, NULL);

        r = store_open(&s, state, &message);
        g_test_message("%s", message);
        g_assert_cmpint(r, ==, -c->error);
        g_assert_null(s);
        g_assert_nonnull(message);
        g_assert_nonnull(strstr(message, c->names_directory ? state : db));
        if (c->says)
                g_assert_nonnull(strstr(message, c->says));

        /* Refused is refused: the file is as it was, byte for byte. */
        if (before) {
                g_assert_true(g_file_get_contents(db, &after, &after_size, NULL));
                g_assert_cmpmem(after, after_size, before, before_size);
        }
}

/* A crash while the schema is being made leaves no half-made store behind that the next start refuses. */
static int child_open(const Child *c) {
        struct rlimit rl = { c->fsize_limit, c->fsize_limit };
        g_autofree char *message = NULL;
        Store *s = NULL;

        /* Past the limit, a write fails with EFBIG rather than kill the process. */
        if (signal(SIGXFSZ, SIG_IGN) == SIG_ERR || setrlimit(RLIMIT_FSIZE, &rl) < 0)
                return 2;
        if (store_open(&s, c->dir, &message) < 0)
                return 1;
        store_free(s);
        return 0;
}

static void test_schema_atomic(void) {
        unsigned failed = 0, opened = 0;

        /*
         * The child creates the store with files limited in size (RLIMIT_FSIZE, SIGXFSZ ignored): the
         * lower the limit, the earlier the writes fail. Whatever the point, the next open must work.
         */
        for (rlim_t limit = 0; limit <= 256 * 1024; limit += 1024) {
                _cleanup_tmpdir_ char *dir = make_tmpdir();
                Store *s;
                int k;

                k = run_child(child_open, &(Child) { .dir = dir, .fsize_limit = limit });
                g_assert_cmpint(k, <=, 1);
                if (k)
                        failed++;
                else
                        opened++;

                s = open_store(dir);
                g_assert_cmpuint(last_seq(s), ==, 0);
                store_free(s);
        }
        g_test_message("store_open() failed below the limit %u times, worked %u times", failed, opened);
        /* Else the limits never hit the schema's creation, and this tested nothing. */
        g_assert_cmpuint(failed, >, 0);
        g_assert_cmpuint(opened, >, 0);
}

/* --- damaged rows: refused at load ------------------------------------------------------------- */

typedef struct DamageCase {
        const char *sql; /* run behind the store's back on a valid store */
        int error;       /* 0: still valid, it loads */
} DamageCase;

static const DamageCase subscription_damage_cases[] = {
        /* The limits themselves are valid: this case shows the store below is good. */
        { "UPDATE subscriptions SET window = 1024, retry = 100, backoff_delay = 'PT1H', ack_timeout = 1000, "
          "queue_limit = 1000000, dead_letter_limit = 0, uid = 4294967294", 0 },
        { "UPDATE subscriptions SET ack_timeout = 3600000000, dead_letter_limit = 1000000", 0 },
        { "UPDATE subscriptions SET backoff_delay = 'P1M'", EBADMSG },
        { "UPDATE subscriptions SET backoff_delay = ''", EBADMSG },
        { "UPDATE subscriptions SET backoff_delay = 'PT1H0.000001S'", EBADMSG },
        { "UPDATE subscriptions SET backoff_policy = 'fibonacci'", EBADMSG },
        { "UPDATE subscriptions SET window = 0", EBADMSG },
        { "UPDATE subscriptions SET window = 1025", EBADMSG },
        { "UPDATE subscriptions SET window = -1", EBADMSG },
        { "UPDATE subscriptions SET window = 4294967297", EBADMSG }, /* 1, once cut to 32 bits */
        { "UPDATE subscriptions SET retry = 101", EBADMSG },
        { "UPDATE subscriptions SET retry = -1", EBADMSG },
        { "UPDATE subscriptions SET ack_timeout = 0", EBADMSG },
        { "UPDATE subscriptions SET ack_timeout = 999", EBADMSG },
        { "UPDATE subscriptions SET ack_timeout = 3600000001", EBADMSG },
        { "UPDATE subscriptions SET ack_timeout = -1", EBADMSG },
        { "UPDATE subscriptions SET queue_limit = 0", EBADMSG },
        { "UPDATE subscriptions SET queue_limit = 1000001", EBADMSG },
        { "UPDATE subscriptions SET queue_limit = 4294967296", EBADMSG }, /* 0, once cut */
        { "UPDATE subscriptions SET dead_letter_limit = 1000001", EBADMSG },
        { "UPDATE subscriptions SET dead_letter_limit = -1", EBADMSG },
        { "UPDATE subscriptions SET name = ''", EBADMSG },
        { "UPDATE subscriptions SET uid = -1", EBADMSG },
        { "UPDATE subscriptions SET uid = 4294967296", EBADMSG },
        { "UPDATE subscriptions SET cursor = -1", EBADMSG },
        /* What Subscribe refuses in a name or the metadata, the store refuses too. */
        { "UPDATE subscriptions SET name = 'my sub'", EBADMSG },
        { "UPDATE subscriptions SET name = 'caf' || char(233)", EBADMSG },
        { "UPDATE subscriptions SET name = substr(hex(zeroblob(128)), 1, 255)", 0 },
        { "UPDATE subscriptions SET name = substr(hex(zeroblob(128)), 1, 256)", EBADMSG },
        { "UPDATE subscription_metadata SET key = ''", EBADMSG },
        { "UPDATE subscription_metadata SET key = substr(hex(zeroblob(128)), 1, 256)", EBADMSG },
        { "UPDATE subscription_metadata SET value = substr(hex(zeroblob(2048)), 1, 4096)", 0 },
        { "UPDATE subscription_metadata SET value = substr(hex(zeroblob(2049)), 1, 4097)", EBADMSG },
};

/* A store in dir with one valid durable subscription, sub-d, and its one metadata entry; closed again. */
static void save_damage_subject(const char *dir) {
        _cleanup_(store_freep) Store *s = open_store(dir);
        SubscriptionOptions o;

        options_named(&o, "d");
        g_hash_table_insert(o.metadata, g_strdup("k"), g_strdup("v"));
        store_save_subscription(s, "sub-d", 1000, NODE_ADDRESS "sync", &o, 0);
        g_assert_cmpint(store_commit(s), ==, 0);
        subscription_options_done(&o);
}

static void test_subscription_damage(const void *data) {
        const DamageCase *c = data;
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        g_autofree char *db = db_path(dir);
        g_autoptr(GArray) got = g_array_new(false, true, sizeof(StoredSubscription));
        _cleanup_(store_freep) Store *s = NULL;

        g_test_message("%s", c->sql);
        g_array_set_clear_func(got, stored_subscription_clear);
        save_damage_subject(dir);

        g_assert_cmpint(sql_exec(db, c->sql), ==, 1);
        s = open_store(dir);
        g_assert_cmpint(store_load_subscriptions(s, collect_subscription, got), ==, -c->error);
        g_assert_cmpuint(got->len, ==, c->error ? 0 : 1);
}

/* More metadata entries than Subscribe takes, added behind the store's back: refused at load; at the limit, not. */
static void test_metadata_damage(void) {
        for (unsigned extra = OPTIONS_METADATA_MAX - 1; extra <= OPTIONS_METADATA_MAX; extra++) {
                _cleanup_tmpdir_ char *dir = make_tmpdir();
                g_autofree char *db = db_path(dir);
                g_autofree char *sql = NULL;
                g_autoptr(GArray) got = g_array_new(false, true, sizeof(StoredSubscription));
                _cleanup_(store_freep) Store *s = NULL;
                bool refused = extra == OPTIONS_METADATA_MAX;

                g_array_set_clear_func(got, stored_subscription_clear);
                save_damage_subject(dir);

                sql = g_strdup_printf("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %u) "
                                      "INSERT INTO subscription_metadata SELECT 'sub-d', 'x' || i, 'v' FROM n", extra);
                g_assert_cmpint(sql_exec(db, sql), ==, (int) extra);
                s = open_store(dir);
                g_assert_cmpint(store_load_subscriptions(s, collect_subscription, got), ==, refused ? -EBADMSG : 0);
                g_assert_cmpuint(got->len, ==, refused ? 0 : 1);
                if (!refused)
                        g_assert_cmpuint(g_hash_table_size(g_array_index(got, StoredSubscription, 0).options.metadata),
                                         ==, OPTIONS_METADATA_MAX);
        }
}

typedef struct EventDamageCase {
        const char *sql;
        bool dead_letters; /* loaded as dead letters of "s", rather than as events */
} EventDamageCase;

static const EventDamageCase event_damage_cases[] = {
        { "UPDATE event_values SET data_type = 'gauge' WHERE seq = 9 AND idx = 2", false },
        { "UPDATE event_values SET value_type = 'float' WHERE seq = 9 AND idx = 0", false },
        { "UPDATE event_values SET data_type = 'gauge' WHERE seq = 9 AND idx = 2", true },
        { "UPDATE events SET type = 'event.sync.ptp-status.no-such-change' WHERE seq = 5", false },
        { "UPDATE events SET type = '' WHERE seq = 5", true },
        { "UPDATE events SET id = 'not-a-uuid' WHERE seq = 8", false },
        { "UPDATE dead_letters SET reason = 'bored' WHERE seq = 8", true },
};

static void test_event_damage(const void *data) {
        const EventDamageCase *c = data;
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        g_autofree char *db = db_path(dir);
        g_autoptr(GPtrArray) events = make_events();
        g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(event_unref_void);
        g_autoptr(GArray) got_dead = g_array_new(false, true, sizeof(LoadedDeadLetter));
        _cleanup_(store_freep) Store *s = open_store(dir);
        SubscriptionOptions o;

        g_test_message("%s", c->sql);
        g_array_set_clear_func(got_dead, loaded_dead_letter_clear);
        options_named(&o, "s");
        add_events(s, events);
        store_save_subscription(s, "s", 1000, NODE_ADDRESS "sync", &o, 0);
        for (guint i = 0; i < events->len; i++)
                store_add_dead_letter(s, "s", ((Event *) events->pdata[i])->seq, DEAD_LETTER_REJECTED);
        s = reopen_store(s, dir);

        /* Good before the damage... */
        {
                g_autoptr(GPtrArray) all = load_events(s, 0);
                g_autoptr(GArray) dead = load_dead_letters(s, "s");

                g_assert_cmpuint(all->len, ==, events->len);
                g_assert_cmpuint(dead->len, ==, events->len);
        }
        s = store_free(s);

        /* ...refused after it. */
        g_assert_cmpint(sql_exec(db, c->sql), ==, 1);
        s = open_store(dir);
        if (c->dead_letters)
                g_assert_cmpint(store_load_dead_letters(s, "s", collect_dead_letter, got_dead), ==,
                                -EBADMSG);
        else
                g_assert_cmpint(store_load_events(s, 0, collect_event, got), ==, -EBADMSG);
        /* Nothing from the damaged event on was handed out. */
        g_assert_cmpuint(got->len + got_dead->len, <, events->len);
        for (guint i = 0; i < got->len; i++)
                assert_event_equal(got->pdata[i], events->pdata[i]);
        subscription_options_done(&o);
}

/* --- a store that fails ------------------------------------------------------------------------ */

/* The store may not grow past its size now: the next write that needs a page fails, as on a full disk. */
static void make_full(Store *s, const char *db) {
        g_assert_cmpint(store_set_max_pages(s, (uint32_t) sql_int(db, "PRAGMA page_count")), ==, 0);
}

static void make_roomy(Store *s) {
        g_assert_cmpint(store_set_max_pages(s, UINT32_MAX - 1), ==, 0);
}

/* An event too big for the room left: its values need pages of their own. */
static Event *make_big_event(uint64_t seq) {
        Event *e = make_event(seq, event_type_for(seq), NODE_ADDRESS "sync/ptp-status/lock-state", 1);
        g_autofree char *big = g_strnfill(1000, 'v');

        for (unsigned i = 0; i < 40; i++) {
                g_autofree char *address = g_strdup_printf("ens%ufx/master", i);

                event_add_state(e, address, big);
        }
        return e;
}

/*
 * A batch that does not fit fails as a whole and is kept: nothing of it is in the database, and it is
 * all there once a later commit works. Writes of every kind: events, a subscription, a cursor, dead letters.
 */
static void test_full_batch_kept(void) {
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        g_autofree char *db = db_path(dir);
        g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func(event_unref_void);
        _cleanup_(store_freep) Store *s = open_store(dir);
        SubscriptionOptions o, late;
        unsigned pending;
        int r;

        options_named(&o, "early");
        options_named(&late, "late");
        for (uint64_t seq = 1; seq <= 60; seq++)
                g_ptr_array_add(events, make_event_with(seq, (int64_t) seq, 4, 4));
        store_add_event(s, events->pdata[0]);
        store_save_subscription(s, "early", 1000, NODE_ADDRESS "sync", &o, 0);
        g_assert_cmpint(store_commit(s), ==, 0);

        make_full(s, db);
        for (guint i = 1; i < events->len; i++)
                store_add_event(s, events->pdata[i]);
        store_save_subscription(s, "late", 1000, NODE_ADDRESS "sync", &late, 3);
        store_set_cursor(s, "early", 1);
        store_add_dead_letter(s, "early", 2, DEAD_LETTER_REJECTED);
        pending = store_pending_writes(s);
        g_assert_cmpuint(pending, ==, events->len - 1 + 3);

        /* Full: the commit fails, and says so; nothing of the batch is in the database; all of it is kept. */
        for (unsigned attempt = 0; attempt < 3; attempt++) {
                r = store_commit(s);
                g_assert_cmpint(r, ==, -ENOSPC);
                g_test_message("%s", store_last_error(s));
                g_assert_nonnull(strstr(store_last_error(s), db));
                g_assert_nonnull(strstr(store_last_error(s), "database or disk is full"));
                g_assert_cmpuint(store_pending_writes(s), ==, pending);
                g_assert_cmpint(sql_int(db, "SELECT max(seq) FROM events"), ==, 1);
                g_assert_cmpint(sql_int(db, "SELECT count(*) FROM event_values WHERE seq > 1"), ==, 0);
                g_assert_cmpint(sql_int(db, "SELECT count(*) FROM subscriptions"), ==, 1);
                g_assert_cmpint(sql_int(db, "SELECT cursor FROM subscriptions WHERE id = 'early'"), ==, 0);
                g_assert_cmpint(sql_int(db, "SELECT count(*) FROM dead_letters"), ==, 0);
        }

        /* Room again: the same batch commits, every write of it. */
        make_roomy(s);
        g_assert_cmpint(store_commit(s), ==, 0);
        g_assert_cmpuint(store_pending_writes(s), ==, 0);
        g_assert_null(store_last_error(s));
        s = reopen_store(s, dir);
        {
                g_autoptr(GPtrArray) got = load_events(s, 0);

                g_assert_cmpuint(got->len, ==, events->len);
                for (guint i = 0; i < got->len; i++)
                        assert_event_equal(got->pdata[i], events->pdata[i]);
        }
        g_assert_cmpuint(load_cursor(s, "early"), ==, 1);
        g_assert_cmpuint(load_cursor(s, "late"), ==, 3);
        assert_dead_letter_seqs(s, "early", "2");
        subscription_options_done(&o);
        subscription_options_done(&late);
}

/* An event is all there or not at all: never the row without all its values. */
static void test_full_event_atomic(void) {
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        g_autofree char *db = db_path(dir);
        _cleanup_(event_unrefp) Event *first = make_event_with(1, 1, 1, 1);
        _cleanup_(event_unrefp) Event *big = make_big_event(2), *bigger = make_big_event(3);
        Store *s = open_store(dir);

        store_add_event(s, first);
        g_assert_cmpint(store_commit(s), ==, 0);
        /* The rows fit in the room left, their values do not: written one by one, a row would stay alone. */
        make_full(s, db);
        store_add_event(s, big);
        store_add_event(s, bigger);
        g_assert_cmpint(store_commit(s), <, 0);
        /* The end, with the disk still full: what could not be committed is gone, and only that. */
        store_free(s);

        g_assert_cmpint(sql_int(db, "SELECT count(*) FROM events WHERE seq NOT IN (SELECT seq FROM event_values)"),
                        ==, 0);
        g_assert_cmpint(sql_int(db, "SELECT count(*) FROM events WHERE seq > 1"), ==, 0);
        g_assert_cmpint(sql_int(db, "SELECT count(*) FROM event_values WHERE seq > 1"), ==, 0);
        s = open_store(dir);
        {
                g_autoptr(GPtrArray) got = load_events(s, 0);

                g_assert_cmpuint(got->len, ==, 1);
                assert_event_equal(got->pdata[0], first);
        }
        store_free(s);
}

/* The last seq cannot be read: an error, not 0, after which seqs would be used again. */
static void test_last_seq_error(void) {
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        g_autofree char *db = db_path(dir);
        g_autoptr(GPtrArray) events = make_events();
        _cleanup_(store_freep) Store *s = open_store(dir);
        uint64_t seq = 42;

        add_events(s, events);
        g_assert_cmpint(store_commit(s), ==, 0);
        g_assert_cmpuint(last_seq(s), ==, 9);
        /* Behind the store's back, the query's table goes: the query fails. */
        (void) sql_exec(db, "DROP TABLE event_values; DROP TABLE events;");
        g_assert_cmpint(store_last_seq(s, &seq), <, 0);
        g_assert_cmpuint(seq, ==, 42);
}

/* The counters of a durable subscription: back as they were written, the last write winning. */
static void test_counters(void) {
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        _cleanup_(store_freep) Store *s = open_store(dir);
        g_autoptr(GArray) subs = NULL;
        const StoredSubscription *got;
        SubscriptionOptions o;

        options_named(&o, "counted");
        store_save_subscription(s, "sub-c", 1000, NODE_ADDRESS "sync/ptp-status", &o, 0);
        subscription_options_done(&o);
        store_set_counters(s, "sub-c", &(StoreCounters) { .delivered = 1, .retried = 2, .dead_lettered = 3 });
        store_set_counters(s, "sub-c", &(StoreCounters) { .delivered = 40, .retried = 5, .dead_lettered = 6 });
        s = reopen_store(s, dir);

        subs = load_subscriptions(s);
        got = find_subscription(subs, "sub-c");
        g_assert_nonnull(got);
        g_assert_cmpuint(got->counters.delivered, ==, 40);
        g_assert_cmpuint(got->counters.retried, ==, 5);
        g_assert_cmpuint(got->counters.dead_lettered, ==, 6);
}

static int collect_attempt(uint64_t seq, uint32_t attempt, void *userdata) {
        g_string_append_printf(userdata, "%s%" G_GUINT64_FORMAT "=%" PRIu32, ((GString *) userdata)->len ? " " : "",
                               seq, attempt);
        return 0;
}

/* "seq=attempt ..." of a subscription, as loaded. */
static char *load_attempts(Store *s, const char *id) {
        GString *got = g_string_new(NULL);

        g_assert_cmpint(store_commit(s), ==, 0);
        g_assert_cmpint(store_load_attempts(s, id, collect_attempt, got), ==, 0);
        return g_string_free(got, false);
}

/* Attempt numbers: the last one per event kept; forgotten past the cursor and for a dead letter. */
static void test_attempts(void) {
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        g_autoptr(GPtrArray) events = make_events();
        _cleanup_(store_freep) Store *s = open_store(dir);
        SubscriptionOptions o;
        char *got;

        options_named(&o, "tried");
        add_events(s, events);
        store_save_subscription(s, "sub-t", 1000, NODE_ADDRESS "sync/ptp-status", &o, 0);
        subscription_options_done(&o);
        for (uint64_t seq = 1; seq <= 4; seq++)
                store_set_attempt(s, "sub-t", seq, 1);
        store_set_attempt(s, "sub-t", 2, 2);
        store_set_attempt(s, "sub-t", 3, 5);
        s = reopen_store(s, dir);
        got = load_attempts(s, "sub-t");
        g_assert_cmpstr(got, ==, "1=1 2=2 3=5 4=1");
        g_free(got);

        store_set_cursor(s, "sub-t", 2);
        store_add_dead_letter(s, "sub-t", 3, DEAD_LETTER_RETRIES_EXHAUSTED);
        s = reopen_store(s, dir);
        got = load_attempts(s, "sub-t");
        g_assert_cmpstr(got, ==, "4=1");
        g_free(got);

        /* They go with their subscription. */
        store_delete_subscription(s, "sub-t");
        got = load_attempts(s, "sub-t");
        g_assert_cmpstr(got, ==, "");
        g_free(got);
}

/* Schema version 1 as ptpsyncd wrote it, with one durable subscription and a dead letter of it. */
static const char schema_v1_store[] =
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
        "PRAGMA user_version = 1;"
        "INSERT INTO events VALUES (5, '6f1c2c7e-8a55-4d3c-9a43-1c0f4d8d2b11', "
        "  'event.sync.ptp-status.ptp-state-change', '" NODE_ADDRESS "sync/ptp-status/lock-state', 0);"
        "INSERT INTO event_values VALUES (5, 0, '" NODE_ADDRESS "sync/ptp-status/lock-state', 'notification', "
        "  'enumeration', 'LOCKED');"
        "INSERT INTO subscriptions VALUES ('sub-old', 'old', 1000, '" NODE_ADDRESS "sync/ptp-status', 1, 64, 3,"
        "  'PT0.2S', 'exponential', 5000000, 10000, 0, 10000, 7);"
        "INSERT INTO subscription_metadata VALUES ('sub-old', 'k', 'v');"
        "INSERT INTO dead_letters VALUES ('sub-old', 5, 'rejected');";

/* A store written by schema version 1 is migrated in place: nothing of it lost, the counters from 0. */
/* Waits (10 s at most) until the commit out in the writer thread has ended, and takes its result. */
static int finish_commit(Store *s) {
        struct pollfd p = { .fd = store_commit_fd(s), .events = POLLIN };

        g_assert_true(store_committing(s));
        g_assert_cmpint(poll(&p, 1, 10 * 1000), ==, 1);
        return store_commit_finish(s);
}

/*
 * Committing off the loop: while a commit is out, writes gather for the next one and a second start
 * is refused; each commit has a generation; a commit that fails gives its writes back before the
 * newer ones, and the next one commits them all, in order.
 */
static void test_async_commit(void) {
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        g_autofree char *db = db_path(dir);
        g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func(event_unref_void);
        _cleanup_(store_freep) Store *s = open_store(dir);
        SubscriptionOptions o;

        for (uint64_t seq = 1; seq <= 8; seq++)
                g_ptr_array_add(events, make_event_with(seq, (int64_t) seq, 40, 40)); /* more than a page */
        options_named(&o, "async");
        g_assert_cmpuint(store_write_generation(s), ==, 0);
        g_assert_cmpint(store_commit_start(s), ==, 0); /* nothing to commit */
        g_assert_false(store_committing(s));

        store_add_event(s, events->pdata[0]);
        store_save_subscription(s, "sub-a", 1000, NODE_ADDRESS "sync", &o, 0);
        g_assert_cmpuint(store_write_generation(s), ==, 1);
        g_assert_cmpint(store_commit_start(s), ==, 1);
        g_assert_cmpuint(store_pending_writes(s), ==, 0);
        g_assert_cmpuint(store_write_generation(s), ==, 1); /* the one out */
        /* Meanwhile: the next generation. */
        store_add_event(s, events->pdata[1]);
        g_assert_cmpuint(store_write_generation(s), ==, 2);
        g_assert_cmpint(store_commit_start(s), ==, -EBUSY);
        g_assert_cmpint(finish_commit(s), ==, 0);
        g_assert_false(store_committing(s));
        g_assert_cmpuint(store_committed_generation(s), ==, 1);
        g_assert_cmpint(store_commit_finish(s), ==, -EAGAIN); /* nothing more ended */
        g_assert_cmpint(sql_int(db, "SELECT max(seq) FROM events"), ==, 1);
        g_assert_cmpuint(store_pending_writes(s), ==, 1);

        /* A full disk: the commit out fails; its writes come back first, the newer ones after them. */
        make_full(s, db);
        store_add_event(s, events->pdata[2]);
        g_assert_cmpint(store_commit_start(s), ==, 1);
        store_add_event(s, events->pdata[3]);
        store_set_cursor(s, "sub-a", 3);
        g_assert_cmpint(finish_commit(s), ==, -ENOSPC);
        g_assert_nonnull(strstr(store_last_error(s), "database or disk is full"));
        g_assert_cmpuint(store_committed_generation(s), ==, 1);
        g_assert_cmpuint(store_pending_writes(s), ==, 4);
        g_assert_cmpuint(store_write_generation(s), ==, 3);
        g_assert_cmpint(sql_int(db, "SELECT max(seq) FROM events"), ==, 1);

        make_roomy(s);
        g_assert_cmpint(store_commit_start(s), ==, 1);
        store_add_event(s, events->pdata[4]);
        g_assert_cmpint(finish_commit(s), ==, 0);
        g_assert_null(store_last_error(s));
        g_assert_cmpuint(store_committed_generation(s), ==, 3);
        g_assert_cmpuint(store_pending_writes(s), ==, 1);
        g_assert_cmpint(sql_int(db, "SELECT max(seq) FROM events"), ==, 4);
        g_assert_cmpint(sql_int(db, "SELECT cursor FROM subscriptions WHERE id = 'sub-a'"), ==, 3);

        /* At the end, store_commit() waits for one that is out and commits the rest. */
        g_assert_cmpint(store_commit_start(s), ==, 1);
        store_add_event(s, events->pdata[5]);
        s = reopen_store(s, dir);
        {
                g_autoptr(GPtrArray) got = load_events(s, 0);

                g_assert_cmpuint(got->len, ==, 6);
                for (guint i = 0; i < got->len; i++)
                        assert_event_equal(got->pdata[i], events->pdata[i]);
        }
        subscription_options_done(&o);
}

/*
 * A cursor, the counters and an attempt number are kept once per batch however often they move,
 * and what is committed is what every write in turn would have left, also across a cursor reset
 * and a dead letter between two of them.
 */
static void test_coalesced(void) {
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        g_autoptr(GPtrArray) events = make_events();
        _cleanup_(store_freep) Store *s = open_store(dir);
        g_autoptr(GArray) subs = NULL;
        const StoredSubscription *got;
        SubscriptionOptions o;
        char *attempts;

        options_named(&o, "coalesced");
        add_events(s, events);
        store_save_subscription(s, "sub-k", 1000, NODE_ADDRESS "sync", &o, 0);
        subscription_options_done(&o);
        g_assert_cmpint(store_commit(s), ==, 0);

        for (uint64_t i = 1; i <= 1000; i++) {
                store_set_cursor(s, "sub-k", i / 500);
                store_set_counters(s, "sub-k", &(StoreCounters) { .delivered = i, .retried = i / 2 });
                store_set_attempt(s, "sub-k", 4, (uint32_t) i);
        }
        g_assert_cmpuint(store_pending_writes(s), ==, 3);
        /* The cursor is reset between two moves: the later move counts from the reset. */
        store_reset_cursor(s, "sub-k", 1);
        store_set_cursor(s, "sub-k", 3);
        store_add_dead_letter(s, "sub-k", 4, DEAD_LETTER_REJECTED); /* forgets 4's attempt */
        store_set_attempt(s, "sub-k", 4, 1);                       /* redriven, sent again */
        g_assert_cmpuint(store_pending_writes(s), ==, 5);
        s = reopen_store(s, dir);

        subs = load_subscriptions(s);
        got = find_subscription(subs, "sub-k");
        g_assert_nonnull(got);
        g_assert_cmpuint(got->cursor, ==, 3);
        g_assert_cmpuint(got->counters.delivered, ==, 1000);
        g_assert_cmpuint(got->counters.retried, ==, 500);
        attempts = load_attempts(s, "sub-k");
        g_assert_cmpstr(attempts, ==, "4=1");
        g_free(attempts);
}

static void test_migrate_v1(void) {
        _cleanup_tmpdir_ char *dir = make_tmpdir();
        g_autofree char *db = db_path(dir);
        _cleanup_(store_freep) Store *s = NULL;
        g_autoptr(GArray) subs = NULL;
        const StoredSubscription *got;

        (void) sql_exec(db, schema_v1_store);
        s = open_store(dir);
        g_assert_cmpint(sql_int(db, "PRAGMA user_version"), ==, STORE_SCHEMA_VERSION);
        g_assert_cmpuint(last_seq(s), ==, 5);

        subs = load_subscriptions(s);
        g_assert_cmpuint(subs->len, ==, 1);
        got = find_subscription(subs, "sub-old");
        g_assert_nonnull(got);
        g_assert_cmpstr(got->options.name, ==, "old");
        g_assert_cmpuint(got->cursor, ==, 7);
        g_assert_cmpstr(g_hash_table_lookup(got->options.metadata, "k"), ==, "v");
        g_assert_cmpuint(got->counters.delivered, ==, 0);
        g_assert_cmpuint(got->counters.dead_lettered, ==, 0);
        assert_dead_letter_seqs(s, "sub-old", "5");

        /* And the new columns work. */
        store_set_counters(s, "sub-old", &(StoreCounters) { .delivered = 8, .dead_lettered = 1 });
        s = reopen_store(s, dir);
        g_clear_pointer(&subs, g_array_unref);
        subs = load_subscriptions(s);
        got = find_subscription(subs, "sub-old");
        g_assert_nonnull(got);
        g_assert_cmpuint(got->counters.delivered, ==, 8);
        g_assert_cmpuint(got->counters.dead_lettered, ==, 1);
        store_set_attempt(s, "sub-old", 5, 2);
        {
                g_autofree char *attempts = load_attempts(s, "sub-old");

                g_assert_cmpstr(attempts, ==, "5=2");
        }
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/store/open", test_open);
        g_test_add_func("/store/events", test_events);
        g_test_add_func("/store/events-stop", test_events_stop);
        g_test_add_func("/store/abrupt-end", test_abrupt_end);
        g_test_add_func("/store/pending-writes", test_pending_writes);
        g_test_add_func("/store/subscriptions", test_subscriptions);
        g_test_add_func("/store/subscriptions-stop", test_subscriptions_stop);
        g_test_add_func("/store/dead-letters", test_dead_letters);
        g_test_add_func("/store/prune", test_prune);
        ADD_CASES("/store/refused", refused_cases, test_refused);
        g_test_add_func("/store/schema-atomic", test_schema_atomic);
        ADD_CASES("/store/subscription-damage", subscription_damage_cases, test_subscription_damage);
        g_test_add_func("/store/metadata-damage", test_metadata_damage);
        ADD_CASES("/store/event-damage", event_damage_cases, test_event_damage);
        g_test_add_func("/store/full-batch-kept", test_full_batch_kept);
        g_test_add_func("/store/full-event-atomic", test_full_event_atomic);
        g_test_add_func("/store/last-seq-error", test_last_seq_error);
        g_test_add_func("/store/counters", test_counters);
        g_test_add_func("/store/migrate-v1", test_migrate_v1);
        g_test_add_func("/store/attempts", test_attempts);
        g_test_add_func("/store/async-commit", test_async_commit);
        g_test_add_func("/store/coalesced", test_coalesced);
        return g_test_run();
}
