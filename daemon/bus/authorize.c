/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <glib.h>

#include "bus/authorize.h"
#include "common/log.h"

/* Shorter than a caller's own default of 25 s: a polkitd that hangs gets the caller an answer, not a timeout. */
#define AUTH_CHECK_TIMEOUT_USEC (20 * USEC_PER_SEC)

static const char *const action_ids[_AUTH_ACTION_MAX] = {
        [AUTH_SUBSCRIBE] = "org.ptpsync1.subscribe",
        [AUTH_MANAGE] = "org.ptpsync1.manage",
        [AUTH_CONFIGURE] = "org.ptpsync1.configure",
        [AUTH_SIMULATE] = "org.ptpsync1.simulate",
        [AUTH_WRITE_CLOCK_CLASS] = "org.ptpsync1.write-clock-class",
};

/* What each action's shipped default grants anyone (allow_any): the answer when polkitd is absent. */
static const bool allowed_without_polkit[_AUTH_ACTION_MAX] = {
        [AUTH_SUBSCRIBE] = true,
};

const char *auth_action_id(AuthAction a) {
        assert(a >= 0 && a < _AUTH_ACTION_MAX);
        return action_ids[a];
}

typedef struct AuthQuery {
        AuthRegistry *registry;
        sd_bus_message *call;
        char *sender;
        uid_t uid;
        AuthAction action;
        bool interactive;       /* polkit may ask the user to authenticate */
        sd_bus_slot *slot;      /* CheckAuthorization, in flight */
        bool waiting;           /* in registry->waiting, for a free slot */
        bool answered;
        int verdict;            /* once answered: 1, or a negative errno with error */
        sd_bus_error error;
        sd_event_source *defer; /* once answered: frees the query if the re-dispatch did not take it */
} AuthQuery;

struct AuthRegistry {
        sd_event *event;
        sd_bus *bus;
        GHashTable *queries;  /* sd_bus_message* -> AuthQuery* (owned) */
        GHashTable *per_peer; /* sender -> number of its queries */
        GQueue waiting;       /* AuthQuery* */
        unsigned checks;      /* in flight */
};

static void peer_count_add(AuthRegistry *a, const char *sender, int delta) {
        unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(a->per_peer, sender)) + delta;

        if (n == 0)
                g_hash_table_remove(a->per_peer, sender);
        else
                g_hash_table_insert(a->per_peer, g_strdup(sender), GUINT_TO_POINTER(n));
}

static void auth_query_free(void *p) {
        AuthQuery *q = p;
        AuthRegistry *a = q->registry;

        if (q->slot) {
                sd_bus_slot_unref(q->slot);
                a->checks--;
        }
        if (q->waiting)
                g_queue_remove(&a->waiting, q);
        peer_count_add(a, q->sender, -1);
        sd_event_source_disable_unref(q->defer);
        sd_bus_error_free(&q->error);
        sd_bus_message_unref(q->call);
        g_free(q->sender);
        g_free(q);
}

int auth_registry_new(AuthRegistry **ret, sd_event *event, sd_bus *bus) {
        AuthRegistry *a = g_new0(AuthRegistry, 1);

        a->event = sd_event_ref(event);
        a->bus = sd_bus_ref(bus);
        a->queries = g_hash_table_new_full(NULL, NULL, NULL, auth_query_free);
        a->per_peer = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_queue_init(&a->waiting);
        *ret = a;
        return 0;
}

AuthRegistry *auth_registry_free(AuthRegistry *a) {
        if (!a)
                return NULL;
        g_hash_table_unref(a->queries);
        g_hash_table_unref(a->per_peer);
        g_queue_clear(&a->waiting);
        sd_bus_unref(a->bus);
        sd_event_unref(a->event);
        g_free(a);
        return NULL;
}

static void auth_query_remove(AuthQuery *q) {
        g_hash_table_remove(q->registry->queries, q->call);
}

/* polkit's answer, or the lack of one, as a verdict. */
static int auth_query_decide(AuthQuery *q, sd_bus_message *reply) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *id = action_ids[q->action];
        int authorized, challenge, r;

        if (e) {
                if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                        if (allowed_without_polkit[q->action])
                                return 1;
                        return sd_bus_error_setf(&q->error, SD_BUS_ERROR_ACCESS_DENIED,
                                                 "Access denied: polkit is not running, so only root may do "
                                                 "this (action %s, caller uid %u)", id, (unsigned) q->uid);
                }
                return sd_bus_error_setf(&q->error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Access denied: polkit could not decide on %s for uid %u: %s", id,
                                         (unsigned) q->uid, e->message);
        }

        r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
        if (r >= 0)
                r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
        if (r < 0)
                return sd_bus_error_setf(&q->error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Access denied: polkit's answer on %s could not be read", id);
        if (authorized)
                return 1;
        /* InteractiveAuthorizationRequired means "call again allowing interaction": only for a call that
         * did not. A challenge for one that did means polkit had no authentication agent to ask the
         * caller: calling again cannot help, so it is a refusal. */
        if (challenge && !q->interactive)
                return sd_bus_error_setf(&q->error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                         "Interactive authentication is required for %s (caller uid %u)", id,
                                         (unsigned) q->uid);
        if (challenge)
                return sd_bus_error_setf(&q->error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Access denied by polkit: %s needs authentication, and no polkit "
                                         "authentication agent could ask uid %u for it", id, (unsigned) q->uid);
        return sd_bus_error_setf(&q->error, SD_BUS_ERROR_ACCESS_DENIED,
                                 "Access denied by polkit: uid %u may not do this (action %s)", (unsigned) q->uid,
                                 id);
}

static int on_idle_free(sd_event_source *s, void *userdata) {
        auth_query_remove(userdata);
        return 0;
}

static void auth_send_next(AuthRegistry *a);

static int on_check_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        AuthQuery *q = userdata;
        AuthRegistry *a = q->registry;
        int r;

        q->slot = sd_bus_slot_unref(q->slot);
        a->checks--;
        auth_send_next(a);

        q->verdict = auth_query_decide(q, reply);
        q->answered = true;
        if (q->verdict < 0)
                log_debug("%s: %s", q->sender, q->error.message);

        /* The call again, from the top; an idle source frees the verdict if nothing takes it. */
        r = sd_bus_message_rewind(q->call, true);
        if (r >= 0)
                r = sd_bus_enqueue_for_read(a->bus, q->call);
        if (r >= 0) {
                r = sd_event_add_defer(a->event, &q->defer, on_idle_free, q);
                if (r >= 0)
                        r = sd_event_source_set_priority(q->defer, SD_EVENT_PRIORITY_IDLE);
                if (r >= 0)
                        return 0;
        }
        (void) sd_bus_reply_method_errnof(q->call, r, "Could not process the call: %m");
        auth_query_remove(q);
        return 0;
}

static int auth_send(AuthRegistry *a, AuthQuery *q) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        if (a->checks >= AUTH_CHECKS_MAX) {
                g_queue_push_tail(&a->waiting, q);
                q->waiting = true;
                return 0;
        }
        r = sd_bus_message_new_method_call(a->bus, &m, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(m, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s", q->sender,
                                          action_ids[q->action], 0,
                                          (uint32_t) q->interactive, "");
        if (r >= 0)
                r = sd_bus_call_async(a->bus, &q->slot, m, on_check_reply, q, AUTH_CHECK_TIMEOUT_USEC);
        if (r < 0)
                return r;
        a->checks++;
        return 0;
}

static void auth_send_next(AuthRegistry *a) {
        AuthQuery *q;

        while (a->checks < AUTH_CHECKS_MAX && (q = g_queue_pop_head(&a->waiting))) {
                int r;

                q->waiting = false;
                r = auth_send(a, q);
                if (r < 0) {
                        (void) sd_bus_reply_method_errnof(q->call, r, "Could not ask polkit: %m");
                        auth_query_remove(q);
                }
        }
}

static int authorize_full(AuthRegistry *a, sd_bus_message *call, uid_t uid, AuthAction action, bool interactive,
                          sd_bus_error *error) {
        AuthQuery *q;
        const char *sender;
        int r;

        assert(action >= 0 && action < _AUTH_ACTION_MAX);
        if (uid == 0)
                return 1;

        q = g_hash_table_lookup(a->queries, call);
        if (q && q->answered && q->action == action) {
                r = q->verdict;
                if (r < 0)
                        sd_bus_error_copy(error, &q->error);
                auth_query_remove(q);
                return r < 0 ? -EACCES : 1;
        }
        if (q)
                /* A verdict for another action: this call asks twice, which no handler does. */
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Authorisation of %s is already in progress",
                                         action_ids[q->action]);

        sender = sd_bus_message_get_sender(call);
        if (!sender)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Access denied: the caller has no bus name");
        if (GPOINTER_TO_UINT(g_hash_table_lookup(a->per_peer, sender)) >= AUTH_QUERIES_PER_PEER_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         "%u calls of %s are already waiting for polkit; wait for their replies",
                                         AUTH_QUERIES_PER_PEER_MAX, sender);

        q = g_new0(AuthQuery, 1);
        q->registry = a;
        q->call = sd_bus_message_ref(call);
        q->sender = g_strdup(sender);
        q->uid = uid;
        q->action = action;
        q->interactive = interactive;
        q->error = SD_BUS_ERROR_NULL;
        peer_count_add(a, sender, +1);
        g_hash_table_insert(a->queries, call, q);

        r = auth_send(a, q);
        if (r < 0) {
                auth_query_remove(q);
                return sd_bus_error_set_errnof(error, r, "Could not ask polkit: %m");
        }
        return 0;
}

int authorize(AuthRegistry *a, sd_bus_message *call, uid_t uid, AuthAction action, sd_bus_error *error) {
        return authorize_full(a, call, uid, action, sd_bus_message_get_allow_interactive_authorization(call) > 0,
                              error);
}

int authorize_quietly(AuthRegistry *a, sd_bus_message *call, uid_t uid, AuthAction action, sd_bus_error *error) {
        return authorize_full(a, call, uid, action, false, error);
}
