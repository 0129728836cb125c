/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>

#include "common/address.h"
#include "common/bus-errors.h"
#include "common/log.h"
#include "bus/bus-face.h"
#include "bus/event-bus.h"
#include "bus/manager-bus.h"
#include "common/quote.h"
#include "bus/subscription-bus.h"
#include "bus/subscription-options-bus.h"
#include "engine/subscriptions.h"

/* --- who may act on a subscription ------------------------------------------------------------ */

/*
 * The owner's uid goes on; anyone else needs org.ptpsync1.manage (root always
 * has it). Returns 1 allowed, 0 polkit asked (return 1 from the handler),
 * < 0 refused.
 */
static int subscription_check_caller(Subscription *s, sd_bus_message *message, sd_bus_error *error) {
        uid_t uid;
        int r;

        r = bus_caller_uid(s->manager, message, &uid, error);
        if (r < 0)
                return r;
        if (uid == s->uid)
                return 1;
        r = authorize(bus_face(s->manager)->auth, message, uid, AUTH_MANAGE, error);
        if (r == -EACCES && sd_bus_error_has_name(error, SD_BUS_ERROR_ACCESS_DENIED)) {
                g_autofree char *why = g_strdup(error->message);

                sd_bus_error_free(error);
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Subscription %s belongs to uid %u, not to uid %u. %s", s->id,
                                         (unsigned) s->uid, (unsigned) uid, why);
        }
        return r;
}

#define CHECK_CALLER(s, message, error)                                         \
        do {                                                                    \
                int _r = subscription_check_caller(s, message, error);          \
                if (_r <= 0)                                                    \
                        return _r < 0 ? _r : 1;                                 \
        } while (0)

/* --- methods of a subscription ---------------------------------------------------------------- */

static int method_ack(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Subscription *s = userdata;
        uint64_t seq;
        int r;

        r = sd_bus_message_read(message, "t", &seq);
        if (r < 0)
                return r;
        CHECK_CALLER(s, message, error);

        subscription_ack(s, seq, streq_ptr(sd_bus_message_get_sender(message), s->owner));
        return sd_bus_reply_method_return(message, NULL);
}

static int method_nack(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Subscription *s = userdata;
        uint64_t seq;
        int requeue, r;

        r = sd_bus_message_read(message, "tb", &seq, &requeue);
        if (r < 0)
                return r;
        CHECK_CALLER(s, message, error);

        subscription_nack(s, seq, requeue, streq_ptr(sd_bus_message_get_sender(message), s->owner));
        return sd_bus_reply_method_return(message, NULL);
}

/*
 * A durable subscription's Cancel, Redrive and PurgeDeadLetters change the
 * store: "done" is said once that is committed (StoreFailed if it cannot be),
 * as Inject's is. reply: NULL for an empty one.
 */
static int reply_when_stored(Manager *m, bool durable, sd_bus_message *message, sd_bus_message *reply) {
        if (durable) {
                bus_reply_when_durable(m, message, reply);
                return 1;
        }
        return reply ? sd_bus_send(NULL, reply, NULL) : sd_bus_reply_method_return(message, NULL);
}

/* The method return of message with one uint32. */
static int count_reply(sd_bus_message *message, unsigned n, sd_bus_message **ret) {
        int r;

        r = sd_bus_message_new_method_return(message, ret);
        if (r >= 0)
                r = sd_bus_message_append(*ret, "u", (uint32_t) n);
        return r;
}

static int method_cancel(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Subscription *s = userdata;
        Manager *m = s->manager;
        bool durable;

        CHECK_CALLER(s, message, error);
        durable = subscription_is_durable(s);
        subscriptions_remove(m->subscriptions, s); /* frees s; its row's deletion joins the store's batch */
        return reply_when_stored(m, durable, message, NULL);
}

/*
 * GetDeadLetters(offset, limit): the kept dead letters from position offset
 * (0-based, oldest first), at most limit of them (0 or more than
 * DEAD_LETTERS_PAGE_MAX: that many). Pages keep a reply far below the bus's
 * message size limit and the event loop free between them. Positions, not
 * seqs: dead letters added, discarded or redriven between pages shift them,
 * so a client pages through and deduplicates by seq. Each is the event's fields
 * and its reason (dead_letter_reason_to_string()).
 */
#define DEAD_LETTERS_PAGE_MAX 1000U

static int method_get_dead_letters(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Subscription *s = userdata;
        const GPtrArray *letters;
        uint32_t offset, limit;
        int r;

        r = sd_bus_message_read(message, "uu", &offset, &limit);
        if (r < 0)
                return r;
        CHECK_CALLER(s, message, error);
        if (limit == 0 || limit > DEAD_LETTERS_PAGE_MAX)
                limit = DEAD_LETTERS_PAGE_MAX;

        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', DEAD_LETTER_SIGNATURE);
        if (r < 0)
                return r;
        letters = queue_dead_letters(s->queue);
        /* A GPtrArray: starting at offset costs nothing; offset + limit cannot overflow a guint64. */
        for (guint64 i = offset; i < letters->len && i < (guint64) offset + limit; i++) {
                const DeadLetter *d = letters->pdata[i];

                r = sd_bus_message_open_container(reply, 'r', DEAD_LETTER_SIGNATURE_FIELDS);
                if (r >= 0)
                        r = event_bus_append_fields(reply, d->event);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", dead_letter_reason_to_string(d->reason));
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_redrive(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Subscription *s = userdata;
        unsigned n;

        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        CHECK_CALLER(s, message, error);
        n = queue_redrive(s->queue);
        log_info("Subscription %s: %u dead letters queued again.", s->id, n);
        subscription_dead_letters_redriven(s);
        subscription_queue_changed(s);
        r = count_reply(message, n, &reply);
        if (r < 0)
                return r;
        return reply_when_stored(s->manager, subscription_is_durable(s), message, reply);
}

static int method_purge_dead_letters(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Subscription *s = userdata;
        unsigned n;

        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        CHECK_CALLER(s, message, error);
        n = queue_purge_dead_letters(s->queue);
        log_info("Subscription %s: %u dead letters purged.", s->id, n);
        subscription_dead_letters_purged(s);
        r = count_reply(message, n, &reply);
        if (r < 0)
                return r;
        return reply_when_stored(s->manager, subscription_is_durable(s), message, reply);
}

/* --- properties ------------------------------------------------------------------------------- */

#define SUBSCRIPTION_PROPERTY(name, type, expr)                                                         \
        static int property_get_##name(sd_bus *bus, const char *path, const char *interface,           \
                                       const char *property, sd_bus_message *reply, void *userdata,    \
                                       sd_bus_error *error) {                                          \
                Subscription *s = userdata;                                                             \
                return sd_bus_message_append(reply, type, expr);                                        \
        }

/*
 * Name and Metadata are the owner's (Metadata will hold consumers' endpoint
 * URIs, tokens in them): only its uid and root may read them, and they are
 * explicit properties, so that nothing broadcasts them (InterfacesAdded) or
 * hands them out in bulk (GetAll, GetManagedObjects).
 */
static int check_private_reader(sd_bus *bus, Subscription *s, const char *property, sd_bus_error *error) {
        sd_bus_message *call = sd_bus_get_current_message(bus);
        uid_t uid;

        if (call && bus_caller_uid(s->manager, call, &uid, error) >= 0 && (uid == s->uid || uid == 0))
                return 0;
        sd_bus_error_free(error);
        return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                 "Access denied: only uid %u (the subscription's) and root may read its %s",
                                 (unsigned) s->uid, property);
}

static int property_get_name(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Subscription *s = userdata;
        int r;

        r = check_private_reader(bus, s, property, error);
        if (r < 0)
                return r;
        return sd_bus_message_append(reply, "s", s->options.name);
}

SUBSCRIPTION_PROPERTY(id, "s", s->id)
SUBSCRIPTION_PROPERTY(owner, "s", s->owner ?: "")
SUBSCRIPTION_PROPERTY(uid, "u", (uint32_t) s->uid)
SUBSCRIPTION_PROPERTY(address, "s", s->address)
SUBSCRIPTION_PROPERTY(ordered, "b", (int) s->options.ordered)
SUBSCRIPTION_PROPERTY(window, "u", s->options.window)
SUBSCRIPTION_PROPERTY(retry, "u", s->options.retry)
SUBSCRIPTION_PROPERTY(backoff_delay, "s", s->options.backoff_delay)
SUBSCRIPTION_PROPERTY(backoff_policy, "s", backoff_policy_to_string(s->options.backoff_policy))
SUBSCRIPTION_PROPERTY(ack_timeout, "t", s->options.ack_timeout_usec)
SUBSCRIPTION_PROPERTY(queue_limit, "u", s->options.queue_limit)
SUBSCRIPTION_PROPERTY(dead_letter_limit, "u", s->options.dead_letter_limit)
SUBSCRIPTION_PROPERTY(pending, "u", queue_counters(s->queue)->pending)
SUBSCRIPTION_PROPERTY(in_flight, "u", queue_counters(s->queue)->in_flight)
SUBSCRIPTION_PROPERTY(delivered, "t", queue_counters(s->queue)->delivered)
SUBSCRIPTION_PROPERTY(retried, "t", queue_counters(s->queue)->retried)
SUBSCRIPTION_PROPERTY(dead_lettered, "t", queue_counters(s->queue)->dead_lettered)
SUBSCRIPTION_PROPERTY(acked_sequence, "t", queue_counters(s->queue)->acked_seq)

static int property_get_metadata(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Subscription *s = userdata;
        GHashTableIter i;
        const char *k, *v;
        int r;

        r = check_private_reader(bus, s, property, error);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "{ss}");
        if (r < 0)
                return r;
        g_hash_table_iter_init(&i, s->options.metadata);
        while (g_hash_table_iter_next(&i, (void **) &k, (void **) &v)) {
                r = sd_bus_message_append(reply, "{ss}", k, v);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

#define CONST SD_BUS_VTABLE_PROPERTY_CONST
static const sd_bus_vtable subscription_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "s", property_get_id, 0, CONST),
        SD_BUS_PROPERTY("Name", "s", property_get_name, 0, CONST | SD_BUS_VTABLE_PROPERTY_EXPLICIT),
        SD_BUS_PROPERTY("Owner", "s", property_get_owner, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("UID", "u", property_get_uid, 0, CONST),
        SD_BUS_PROPERTY("Address", "s", property_get_address, 0, CONST),
        SD_BUS_PROPERTY("Ordered", "b", property_get_ordered, 0, CONST),
        SD_BUS_PROPERTY("Window", "u", property_get_window, 0, CONST),
        SD_BUS_PROPERTY("Retry", "u", property_get_retry, 0, CONST),
        SD_BUS_PROPERTY("BackoffDelay", "s", property_get_backoff_delay, 0, CONST),
        SD_BUS_PROPERTY("BackoffPolicy", "s", property_get_backoff_policy, 0, CONST),
        SD_BUS_PROPERTY("AckTimeout", "t", property_get_ack_timeout, 0, CONST),
        SD_BUS_PROPERTY("QueueLimit", "u", property_get_queue_limit, 0, CONST),
        SD_BUS_PROPERTY("DeadLetterLimit", "u", property_get_dead_letter_limit, 0, CONST),
        SD_BUS_PROPERTY("Metadata", "a{ss}", property_get_metadata, 0, CONST | SD_BUS_VTABLE_PROPERTY_EXPLICIT),
        /* Counters change with every delivery: read them, nobody is told. */
        SD_BUS_PROPERTY("Pending", "u", property_get_pending, 0, 0),
        SD_BUS_PROPERTY("InFlight", "u", property_get_in_flight, 0, 0),
        SD_BUS_PROPERTY("Delivered", "t", property_get_delivered, 0, 0),
        SD_BUS_PROPERTY("Retried", "t", property_get_retried, 0, 0),
        SD_BUS_PROPERTY("DeadLettered", "t", property_get_dead_lettered, 0, 0),
        SD_BUS_PROPERTY("AckedSequence", "t", property_get_acked_sequence, 0, 0),
        SD_BUS_METHOD_WITH_ARGS("Ack", SD_BUS_ARGS("t", seq), SD_BUS_NO_RESULT, method_ack,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Nack", SD_BUS_ARGS("t", seq, "b", requeue), SD_BUS_NO_RESULT, method_nack,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Cancel", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_cancel,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetDeadLetters", SD_BUS_ARGS("u", offset, "u", limit), SD_BUS_RESULT("a" DEAD_LETTER_SIGNATURE, dead_letters),
                                method_get_dead_letters, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Redrive", SD_BUS_NO_ARGS, SD_BUS_RESULT("u", count), method_redrive,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("PurgeDeadLetters", SD_BUS_NO_ARGS, SD_BUS_RESULT("u", count),
                                method_purge_dead_letters, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("Event",
                                SD_BUS_ARGS("t", seq, "s", id, "s", type, "s", source, "x", time,
                                            "a(ssss)", values, "u", attempt),
                                0),
        SD_BUS_SIGNAL_WITH_ARGS("DeadLettered", SD_BUS_ARGS("t", seq, "s", reason), 0),
        SD_BUS_VTABLE_END,
};
#undef CONST

static int subscription_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                             void **ret_found, sd_bus_error *error) {
        Manager *m = userdata;
        Subscription *s = subscriptions_find_by_path(m->subscriptions, path);

        if (!s)
                return 0;
        *ret_found = s;
        return 1;
}

static int subscription_enumerate(sd_bus *bus, const char *path, void *userdata, char ***ret_nodes,
                                  sd_bus_error *error) {
        Manager *m = userdata;
        sd_bus_message *call = sd_bus_get_current_message(bus);
        uid_t uid;

        /* Each caller sees its own (root: all), so that no listing grows with what other users hold. */
        if (!call || bus_caller_uid(m, call, &uid, NULL) < 0) {
                *ret_nodes = g_new0(char *, 1);
                return 0;
        }
        *ret_nodes = subscriptions_paths(m->subscriptions, uid == 0, uid);
        return 0;
}

int subscription_bus_register(Manager *m) {
        int r;

        r = sd_bus_add_fallback_vtable(manager_get_bus(m), NULL, SUBSCRIPTION_OBJECT_PREFIX, SUBSCRIPTION_INTERFACE,
                                       subscription_vtable, subscription_find, m);
        if (r < 0)
                return log_error_errno(r, "Failed to export the subscriptions: %m");
        r = sd_bus_add_node_enumerator(manager_get_bus(m), NULL, SUBSCRIPTION_OBJECT_PREFIX, subscription_enumerate, m);
        if (r < 0)
                return log_error_errno(r, "Failed to enumerate the subscriptions: %m");
        return 0;
}

/* --- signals to the owner --------------------------------------------------------------------- */

void subscription_bus_send_event(Subscription *s, const Event *e, uint32_t attempt) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus *bus = manager_get_bus(s->manager);
        int r;

        /* sd-bus 252 has no sd_bus_emit_signal_to(): a signal with a destination is a unicast one. */
        r = sd_bus_message_new_signal(bus, &m, s->object_path, SUBSCRIPTION_INTERFACE, "Event");
        if (r >= 0)
                r = sd_bus_message_set_destination(m, s->owner);
        if (r >= 0)
                r = event_bus_append_fields(m, e);
        if (r >= 0)
                r = sd_bus_message_append(m, "u", attempt);
        if (r >= 0)
                r = sd_bus_send(bus, m, NULL);
        if (r < 0)
                log_warning_errno(r, "Subscription %s: failed to send event %" G_GUINT64_FORMAT ": %m", s->id,
                                  e->seq);
}

void subscription_bus_send_dead_lettered(Subscription *s, uint64_t seq, DeadLetterReason reason) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus *bus = manager_get_bus(s->manager);
        int r;

        if (!s->owner)
                return;
        r = sd_bus_message_new_signal(bus, &m, s->object_path, SUBSCRIPTION_INTERFACE, "DeadLettered");
        if (r >= 0)
                r = sd_bus_message_set_destination(m, s->owner);
        if (r >= 0)
                r = sd_bus_message_append(m, "ts", seq, dead_letter_reason_to_string(reason));
        if (r < 0) {
                log_warning_errno(r, "Subscription %s: failed to send DeadLettered: %m", s->id);
                return;
        }
        /* Durable: the dead letter is in the store's open transaction; the owner hears of it once committed. */
        if (subscription_is_durable(s)) {
                bus_send_when_durable(s->manager, m);
                return;
        }
        r = sd_bus_send(bus, m, NULL);
        if (r < 0)
                log_warning_errno(r, "Subscription %s: failed to send DeadLettered: %m", s->id);
}

int subscription_bus_ping(Manager *m, const char *name, sd_bus_message_handler_t callback, void *userdata,
                          sd_bus_slot **ret_slot) {
        /* Every bus library answers Peer on any path; a timeout, so that a stopped peer does not hold a slot for long. */
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        r = sd_bus_message_new_method_call(manager_get_bus(m), &call, name, "/", "org.freedesktop.DBus.Peer", "Ping");
        if (r < 0)
                return r;
        return sd_bus_call_async(manager_get_bus(m), ret_slot, call, callback, userdata, 5 * USEC_PER_SEC);
}

void subscription_bus_emit_owner_changed(Subscription *s) {
        int r;

        r = sd_bus_emit_properties_changed(manager_get_bus(s->manager), s->object_path, SUBSCRIPTION_INTERFACE, "Owner", NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to emit PropertiesChanged for %s: %m", s->object_path);
}

/* --- Manager.Subscribe and ListSubscriptions -------------------------------------------------- */

/*
 * The same uid and Name again: the same subscription, if it is free to take. An option given must be
 * what the subscription has: never silently kept, nor changed under events already queued by it.
 */
static int resubscribe(Manager *m, Subscription *s, sd_bus_message *message, const char *address,
                       const SubscriptionOptions *options, uint32_t given, sd_bus_error *error) {
        const char *sender = sd_bus_message_get_sender(message);
        SubscriptionOption k;
        int r;

        if (!streq(s->address, address))
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_OPTION,
                                         "Option \"Name\": %s is already subscribed to %s; cancel it to "
                                         "subscribe to another address", QUOTE(s->options.name), s->address);
        k = subscription_options_differ(&s->options, options, given);
        if (k >= 0) {
                g_autofree char *has = NULL, *asked = NULL;

                subscription_options_format_difference(&s->options, options, k, &has, &asked);

                return sd_bus_error_setf(error, BUS_ERROR_INVALID_OPTION,
                                         "Option \"%s\": durable subscription %s has %s, not %s; leave the "
                                         "option out to keep it, or cancel the subscription to change it",
                                         subscription_option_to_string(k), QUOTE(s->options.name), has, asked);
        }
        if (s->owner && !streq(s->owner, sender))
                return sd_bus_error_setf(error, BUS_ERROR_ALREADY_ATTACHED,
                                         "Subscription %s is attached to %s, which is still on the bus",
                                         s->id, s->owner);
        if (!s->owner) {
                r = subscriptions_reattach(m->subscriptions, s, sender);
                if (r < 0)
                        return r;
        }
        /* The Subscribe that made it is not answered yet: neither is this one, before its commit. */
        if (!s->in_store) {
                r = bus_reply_subscribed_when_durable(m, message, s);
                return r < 0 ? r : 1;
        }
        return sd_bus_reply_method_return(message, "o", s->object_path);
}

int method_subscribe(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(subscription_options_done) SubscriptionOptions options;
        _cleanup_(subscription_freep) Subscription *s = NULL;
        Manager *m = userdata;
        const char *address, *sender = sd_bus_message_get_sender(message);
        Subscription *existing, *added;
        const QuotaUserConfig *group;
        const char *why;
        uint32_t given = 0;
        unsigned bound;
        uid_t uid;
        int r;

        subscription_options_init(&options);
        r = bus_read_address(message, &address, error);
        if (r < 0)
                return r;
        /* Any O-RAN kind of this node, also one it has no source for now: its events come once one exists. */
        if (!resource_address_is_known(m->node_name, address))
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_RESOURCE,
                                         "No O-RAN resource matches %s; this node's resources are under "
                                         "/cluster/node/%s/", address, m->node_name);
        r = subscription_options_bus_parse_given(&options, message, &given, error);
        if (r < 0)
                return r;
        r = bus_authorize_caller(m, message, AUTH_SUBSCRIBE, &uid, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* polkit was asked: the call comes back with its answer */

        if (uid != 0 && subscriptions_count_for_owner(m->subscriptions, sender) >=
                                (bound = manager_quota(m, uid, true, &group)))
                return sd_bus_error_setf(error, BUS_ERROR_QUOTA_EXCEEDED,
                                         "%s has %u subscriptions attached already, the most allowed for one "
                                         "connection of uid %u (SubscriptionsPerConnection=%u in [%s%s])", sender,
                                         bound, (unsigned) uid, bound, group ? QUOTA_USER_GROUP " " : "Quota",
                                         group ? group->user : "");
        if (!isempty(options.name)) {
                existing = subscriptions_find_durable(m->subscriptions, uid, options.name);
                if (existing)
                        return resubscribe(m, existing, message, address, &options, given, error);
                /* Durable means committed, and nothing commits now: refused rather than left waiting. */
                if (manager_store_failing(m, &why))
                        return sd_bus_error_setf(error, BUS_ERROR_STORE_FAILED,
                                                 "%s; a durable subscription cannot be made until the store "
                                                 "works again", why);
        }
        if (uid != 0 && subscriptions_count_for_uid(m->subscriptions, uid) >=
                                (bound = manager_quota(m, uid, false, &group)))
                return sd_bus_error_setf(error, BUS_ERROR_QUOTA_EXCEEDED,
                                         "uid %u has %u subscriptions already, the most allowed "
                                         "(SubscriptionsPerUser=%u in [%s%s])", (unsigned) uid, bound, bound,
                                         group ? QUOTA_USER_GROUP " " : "Quota", group ? group->user : "");
        if (subscriptions_count(m->subscriptions) >= m->subscriptions_max)
                return sd_bus_error_setf(error, BUS_ERROR_QUOTA_EXCEEDED,
                                         "The daemon holds %u subscriptions, the most allowed (SubscriptionsMax= "
                                         "in [Quota])",
                                         m->subscriptions_max);

        r = subscription_new(&s, m, NULL, address, uid, sender, &options);
        if (r < 0)
                return r;
        r = subscriptions_add(m->subscriptions, s);
        if (r < 0)
                return r;
        added = TAKE_PTR(s); /* the registry has it now */

        /* The reply goes out in this iteration (a durable one at the flush, which comes before the delivery
         * pump), the events in a later one: the subscriber learns the object path before the first Event. */
        if (added->options.initial_state)
                subscription_push_initial_state(added);
        if (subscription_is_durable(added)) {
                /* "Durable" once its row is committed; if that fails, the subscription ends. */
                r = bus_reply_subscribed_when_durable(m, message, added);
                return r < 0 ? r : 1;
        }
        return sd_bus_reply_method_return(message, "o", added->object_path);
}

int method_list_subscriptions(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        g_auto(GStrv) paths = NULL;
        Manager *m = userdata;
        bool all;
        uid_t uid;
        int r;

        r = bus_caller_uid(m, message, &uid, error);
        if (r < 0)
                return r;
        /* Everyone's for those who may manage them; a "no" just means one's own. */
        r = authorize_quietly(bus_face(m)->auth, message, uid, AUTH_MANAGE, error);
        if (r == 0)
                return 1;
        if (r == -EACCES)
                sd_bus_error_free(error);
        else if (r < 0)
                return r;
        all = r > 0;
        paths = subscriptions_paths(m->subscriptions, all, uid);
        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "o");
        if (r < 0)
                return r;
        for (char **p = paths; *p; p++) {
                r = sd_bus_message_append(reply, "o", *p);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}
