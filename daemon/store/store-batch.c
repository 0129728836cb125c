/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <inttypes.h>
#include <glib.h>

#include "store/store-batch.h"

struct StoreBatch {
        GArray *ops;      /* StoreOp */
        unsigned n_void;  /* of them STORE_OP_NONE */
        GHashTable *last; /* "kind id seq" -> the index + 1 of the latest such write, for add_latest() */
};

static void store_op_clear(void *p) {
        StoreOp *op = p;

        g_free(op->id);
        event_unref(op->event);
        g_free(op->address);
        if (op->kind == STORE_OP_SAVE_SUBSCRIPTION)
                subscription_options_done(&op->options);
}

StoreBatch *store_batch_new(void) {
        StoreBatch *b = g_new0(StoreBatch, 1);

        b->ops = g_array_new(false, true, sizeof(StoreOp));
        g_array_set_clear_func(b->ops, store_op_clear);
        b->last = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        return b;
}

StoreBatch *store_batch_free(StoreBatch *b) {
        if (!b)
                return NULL;
        g_array_unref(b->ops);
        g_hash_table_unref(b->last);
        g_free(b);
        return NULL;
}

void store_batch_add(StoreBatch *b, StoreOp op) {
        assert(op.kind >= 0 && op.kind < _STORE_OP_KIND_MAX);
        g_array_append_val(b->ops, op);
}

void store_batch_add_latest(StoreBatch *b, StoreOp op) {
        /* The attempt is per event; a cursor and the counters are per subscription. */
        char *key = g_strdup_printf("%d %s %" G_GUINT64_FORMAT, op.kind, op.id,
                                    op.kind == STORE_OP_SET_ATTEMPT ? op.number : 0);
        guint earlier = GPOINTER_TO_UINT(g_hash_table_lookup(b->last, key));

        assert(op.kind == STORE_OP_SET_CURSOR || op.kind == STORE_OP_SET_COUNTERS || op.kind == STORE_OP_SET_ATTEMPT);
        if (earlier > 0) {
                StoreOp *old = &g_array_index(b->ops, StoreOp, earlier - 1);

                store_op_clear(old);
                *old = (StoreOp) { .kind = STORE_OP_NONE };
                b->n_void++;
        }
        store_batch_add(b, op);
        g_hash_table_replace(b->last, key, GUINT_TO_POINTER(b->ops->len));
}

unsigned store_batch_size(const StoreBatch *b) {
        return b->ops->len - b->n_void;
}

unsigned store_batch_length(const StoreBatch *b) {
        return b->ops->len;
}

const StoreOp *store_batch_get(const StoreBatch *b, unsigned i) {
        assert(i < b->ops->len);
        return &g_array_index(b->ops, StoreOp, i);
}

void store_batch_clear(StoreBatch *b) {
        g_array_set_size(b->ops, 0);
        b->n_void = 0;
        g_hash_table_remove_all(b->last);
}

void store_batch_prepend(StoreBatch *to, StoreBatch *from) {
        gsize n = 0;
        StoreOp *ops = g_array_steal(from->ops, &n);

        g_array_prepend_vals(to->ops, ops, (guint) n);
        g_free(ops);
        to->n_void += from->n_void;
        from->n_void = 0;
        /* The indexes moved: later writes of the same kind simply stay beside the earlier ones. */
        g_hash_table_remove_all(to->last);
        g_hash_table_remove_all(from->last);
}

char *store_op_describe(const StoreOp *op) {
        switch (op->kind) {
        case STORE_OP_ADD_EVENT:
                return g_strdup_printf("adding event %" G_GUINT64_FORMAT, op->event->seq);
        case STORE_OP_SAVE_SUBSCRIPTION:
                return g_strdup_printf("saving subscription %s", op->id);
        case STORE_OP_DELETE_SUBSCRIPTION:
                return g_strdup_printf("deleting subscription %s", op->id);
        case STORE_OP_SET_CURSOR:
        case STORE_OP_RESET_CURSOR:
                return g_strdup_printf("moving the cursor of subscription %s to %" G_GUINT64_FORMAT, op->id,
                                       op->number);
        case STORE_OP_ADD_DEAD_LETTER:
                return g_strdup_printf("adding dead letter %" G_GUINT64_FORMAT " of subscription %s", op->number,
                                       op->id);
        case STORE_OP_DELETE_DEAD_LETTER:
                return g_strdup_printf("deleting dead letter %" G_GUINT64_FORMAT " of subscription %s",
                                       op->number, op->id);
        case STORE_OP_DELETE_DEAD_LETTERS:
                return g_strdup_printf("deleting the dead letters of subscription %s", op->id);
        case STORE_OP_TRIM_DEAD_LETTERS:
                return g_strdup_printf("trimming the dead letters of subscription %s to %" G_GUINT64_FORMAT,
                                       op->id, op->number);
        case STORE_OP_PRUNE_EVENTS:
                return g_strdup_printf("pruning events up to %" G_GUINT64_FORMAT, op->number);
        case STORE_OP_SET_COUNTERS:
                return g_strdup_printf("saving the counters of subscription %s", op->id);
        case STORE_OP_NONE:
                return g_strdup("nothing");
        case STORE_OP_SET_ATTEMPT:
                return g_strdup_printf("saving attempt %" PRIu32 " of event %" G_GUINT64_FORMAT " of subscription %s",
                                       op->attempt, op->number, op->id);
        default:
                assert(!"unknown store operation");
                return NULL;
        }
}
