/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <glib.h>

#include "authorize.h"
#include "log.h"

typedef struct UidQuery {
        AuthRegistry *registry;
        sd_bus_message *call;
        sd_bus_slot *slot;
} UidQuery;

typedef struct Verdict {
        sd_bus_message *call;
        uid_t uid;
} Verdict;

struct AuthRegistry {
        GHashTable *queries;  /* UidQuery*: asked, no answer yet */
        GHashTable *verdicts; /* sd_bus_message* -> Verdict*: answered, call re-queued */
};

static void uid_query_free(void *p) {
        UidQuery *q = p;

        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->call);
        g_free(q);
}

static void verdict_free(void *p) {
        Verdict *v = p;

        sd_bus_message_unref(v->call);
        g_free(v);
}

AuthRegistry *auth_registry_new(void) {
        AuthRegistry *a = g_new0(AuthRegistry, 1);

        a->queries = g_hash_table_new_full(NULL, NULL, uid_query_free, NULL);
        a->verdicts = g_hash_table_new_full(NULL, NULL, NULL, verdict_free);
        return a;
}

void auth_registry_free(AuthRegistry *a) {
        if (!a)
                return;
        g_hash_table_unref(a->queries);
        g_hash_table_unref(a->verdicts);
        g_free(a);
}

/* Records the answer and puts the call back in the read queue, or answers the call with the failure. */
static void uid_query_answer(UidQuery *q, sd_bus_message *reply) {
        AuthRegistry *a = q->registry;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        Verdict *v;
        uint32_t uid;
        int r;

        if (e) {
                /* Most likely the caller left; answer anyway, the bus drops what nobody reads. */
                log_debug("Could not identify caller %s: %s", sd_bus_message_get_sender(q->call), e->message);
                (void) sd_bus_reply_method_error(q->call, e);
                return;
        }
        r = sd_bus_message_read(reply, "u", &uid);
        if (r < 0) {
                (void) sd_bus_reply_method_errnof(q->call, r, "Could not identify the caller: %m");
                return;
        }

        v = g_new0(Verdict, 1);
        v->call = sd_bus_message_ref(q->call);
        v->uid = uid;
        g_hash_table_replace(a->verdicts, v->call, v);

        r = sd_bus_message_rewind(q->call, true);
        if (r >= 0)
                r = sd_bus_enqueue_for_read(sd_bus_message_get_bus(q->call), q->call);
        if (r < 0) {
                g_hash_table_remove(a->verdicts, q->call);
                (void) sd_bus_reply_method_errnof(q->call, r, "Could not process the call: %m");
        }
}

static int on_uid_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        UidQuery *q = userdata;

        uid_query_answer(q, reply);
        /* Frees q and its slot; sd-bus holds its own reference while in this callback. */
        g_hash_table_remove(q->registry->queries, q);
        return 0;
}

int caller_uid(AuthRegistry *a, sd_bus_message *call, uid_t *ret_uid, sd_bus_error *error) {
        Verdict *v = g_hash_table_lookup(a->verdicts, call);
        const char *sender;
        UidQuery *q;
        int r;

        if (v) {
                *ret_uid = v->uid;
                g_hash_table_remove(a->verdicts, call);
                return 1;
        }

        sender = sd_bus_message_get_sender(call);
        if (!sender)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
                                        "Access denied: the caller has no bus name");

        q = g_new0(UidQuery, 1);
        q->registry = a;
        q->call = sd_bus_message_ref(call);
        r = sd_bus_call_method_async(sd_bus_message_get_bus(call), &q->slot,
                                     "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                     "GetConnectionUnixUser", on_uid_reply, q, "s", sender);
        if (r < 0) {
                uid_query_free(q);
                return sd_bus_error_set_errnof(error, r, "Could not identify the caller: %m");
        }
        g_hash_table_add(a->queries, q);
        return 0;
}

int authorize_root(AuthRegistry *a, sd_bus_message *call, sd_bus_error *error) {
        uid_t uid;
        int r;

        r = caller_uid(a, call, &uid, error);
        if (r <= 0)
                return r;
        if (uid != 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Access denied: only root may do this (caller uid %u)", (unsigned) uid);
        return 1;
}
