/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <inttypes.h>
#include <glib.h>

#include "store/store-batch.h"

struct StoreBatch {
        GArray *ops; /* StoreOp */
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
        return b;
}

StoreBatch *store_batch_free(StoreBatch *b) {
        if (!b)
                return NULL;
        g_array_unref(b->ops);
        g_free(b);
        return NULL;
}

void store_batch_add(StoreBatch *b, StoreOp op) {
        assert(op.kind >= 0 && op.kind < _STORE_OP_KIND_MAX);
        g_array_append_val(b->ops, op);
}

unsigned store_batch_size(const StoreBatch *b) {
        return b->ops->len;
}

const StoreOp *store_batch_get(const StoreBatch *b, unsigned i) {
        assert(i < b->ops->len);
        return &g_array_index(b->ops, StoreOp, i);
}

void store_batch_clear(StoreBatch *b) {
        g_array_set_size(b->ops, 0);
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
        case STORE_OP_SET_ATTEMPT:
                return g_strdup_printf("saving attempt %" PRIu32 " of event %" G_GUINT64_FORMAT " of subscription %s",
                                       op->attempt, op->number, op->id);
        default:
                assert(!"unknown store operation");
                return NULL;
        }
}
