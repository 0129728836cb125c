/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Subscriptions: Subscribe, the deliveries and their answers, and the
 * subscription's life across daemon restarts.
 *
 * Life: PENDING (Subscribe sent) -> ACTIVE (the daemon answered with the
 * object path) -> ENDED (cancelled, removed, refused, or, for a non-durable
 * subscription, its daemon gone). A durable one whose daemon goes away turns
 * DETACHED instead and, when org.ptpsync1 has an owner again, is subscribed
 * anew with the same Name and options (the daemon re-attaches it: same id,
 * queue kept) -> PENDING -> ACTIVE. Which daemon accepted a Subscribe is the
 * sender of its reply; an answer from an owner that is already gone counts as
 * a loss at once.
 *
 * Deliveries: the Event signal of the subscription's object, from the current
 * owner (client.c), read and given to the handler; its verdict becomes an Ack
 * or Nack sent to that owner with no reply expected, so that a burst of them
 * is not counted against the bus's limit of calls awaiting replies (a lost
 * answer only means a redelivery, which the daemon's AckTimeout brings). Ack is
 * cumulative for an ordered subscription; a redelivery of the very event
 * acknowledged last is a race with AckTimeout, answered again without
 * bothering the handler.
 */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "ptpsync-internal.h"

/* ---- options ---- */

_public_ int ptpsync_subscribe_options_new(PtpsyncSubscribeOptions **ret) {
        PtpsyncSubscribeOptions *o;

        assert_return(ret, -EINVAL);
        o = calloc(1, sizeof(PtpsyncSubscribeOptions));
        if (!o)
                return -ENOMEM;
        *ret = o;
        return 0;
}

_public_ PtpsyncSubscribeOptions *ptpsync_subscribe_options_free(PtpsyncSubscribeOptions *o) {
        if (!o)
                return NULL;
        free(o->name);
        free(o->backoff_delay);
        for (size_t i = 0; i < 2 * o->n_metadata; i++)
                free(o->metadata[i]);
        free(o->metadata);
        free(o);
        return NULL;
}

static inline void subscribe_options_freep(PtpsyncSubscribeOptions **o) {
        ptpsync_subscribe_options_free(*o);
}

static int set_string(char **slot, const char *s) {
        char *copy;

        assert_return(s, -EINVAL);
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        free(*slot);
        *slot = copy;
        return 0;
}

#define OPTION_SETTER(name, type, field)                                                        \
        _public_ int ptpsync_subscribe_options_set_##name(PtpsyncSubscribeOptions *o, type v) { \
                assert_return(o, -EINVAL);                                                      \
                o->field = v;                                                                   \
                o->has_##field = true;                                                          \
                return 0;                                                                       \
        }

OPTION_SETTER(ordered, bool, ordered)
OPTION_SETTER(window, uint32_t, window)
OPTION_SETTER(retry, uint32_t, retry)
OPTION_SETTER(ack_timeout, uint64_t, ack_timeout)
OPTION_SETTER(queue_limit, uint32_t, queue_limit)
OPTION_SETTER(initial_state, bool, initial_state)
OPTION_SETTER(dead_letter_limit, uint32_t, dead_letter_limit)

_public_ int ptpsync_subscribe_options_set_backoff_policy(PtpsyncSubscribeOptions *o, PtpsyncBackoffPolicy policy) {
        assert_return(o, -EINVAL);
        assert_return(policy == PTPSYNC_BACKOFF_LINEAR || policy == PTPSYNC_BACKOFF_EXPONENTIAL, -EINVAL);
        o->backoff_policy = policy;
        o->has_backoff_policy = true;
        return 0;
}

_public_ int ptpsync_subscribe_options_set_name(PtpsyncSubscribeOptions *o, const char *name) {
        assert_return(o, -EINVAL);
        return set_string(&o->name, name);
}

_public_ int ptpsync_subscribe_options_set_backoff_delay(PtpsyncSubscribeOptions *o, const char *iso8601) {
        assert_return(o, -EINVAL);
        return set_string(&o->backoff_delay, iso8601);
}

_public_ int ptpsync_subscribe_options_set_backoff_delay_usec(PtpsyncSubscribeOptions *o, uint64_t usec) {
        char s[64];
        size_t n;

        assert_return(o, -EINVAL);
        if (usec % 1000000 == 0)
                snprintf(s, sizeof(s), "PT%" PRIu64 "S", usec / 1000000);
        else {
                snprintf(s, sizeof(s), "PT%" PRIu64 ".%06" PRIu64, usec / 1000000, usec % 1000000);
                for (n = strlen(s); s[n - 1] == '0'; n--)
                        s[n - 1] = '\0';
                strcat(s, "S");
        }
        return set_string(&o->backoff_delay, s);
}

_public_ int ptpsync_subscribe_options_add_metadata(PtpsyncSubscribeOptions *o, const char *key,
                                                    const char *value) {
        _cleanup_free_ char *k = NULL, *v = NULL;
        char **l;

        assert_return(o, -EINVAL);
        assert_return(key, -EINVAL);
        assert_return(value, -EINVAL);

        for (size_t i = 0; i < o->n_metadata; i++)
                if (streq(o->metadata[2 * i], key))
                        return set_string(&o->metadata[2 * i + 1], value);

        k = strdup(key);
        v = strdup(value);
        if (!k || !v)
                return -ENOMEM;
        l = reallocarray(o->metadata, 2 * o->n_metadata + 3, sizeof(char *));
        if (!l)
                return -ENOMEM;
        o->metadata = l;
        l[2 * o->n_metadata] = TAKE_PTR(k);
        l[2 * o->n_metadata + 1] = TAKE_PTR(v);
        l[2 * o->n_metadata + 2] = NULL;
        o->n_metadata++;
        return 0;
}

int subscribe_options_copy(const PtpsyncSubscribeOptions *o, PtpsyncSubscribeOptions **ret) {
        _cleanup_(subscribe_options_freep) PtpsyncSubscribeOptions *copy = NULL;
        int r;

        r = ptpsync_subscribe_options_new(&copy);
        if (r < 0)
                return r;
        if (o) {
                *copy = *o;
                copy->name = NULL;
                copy->backoff_delay = NULL;
                copy->metadata = NULL;
                copy->n_metadata = 0;
                if (o->name && (r = set_string(&copy->name, o->name)) < 0)
                        return r;
                if (o->backoff_delay && (r = set_string(&copy->backoff_delay, o->backoff_delay)) < 0)
                        return r;
                for (size_t i = 0; i < o->n_metadata; i++) {
                        r = ptpsync_subscribe_options_add_metadata(copy, o->metadata[2 * i],
                                                                   o->metadata[2 * i + 1]);
                        if (r < 0)
                                return r;
                }
        }
        *ret = TAKE_PTR(copy);
        return 0;
}

static int append_entry(sd_bus_message *m, const char *key, const char *type, ...) {
        va_list ap;
        int r;

        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", key);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'v', type);
        if (r < 0)
                return r;
        va_start(ap, type);
        r = sd_bus_message_appendv(m, type, ap);
        va_end(ap);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

/* The a{sv} of Manager.Subscribe: what was set, with the D-Bus types of daemon/model/subscription-options.c. */
int subscribe_options_append(sd_bus_message *m, const PtpsyncSubscribeOptions *o) {
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        if (o->name && (r = append_entry(m, "Name", "s", o->name)) < 0)
                return r;
        if (o->has_ordered && (r = append_entry(m, "Ordered", "b", (int) o->ordered)) < 0)
                return r;
        if (o->has_window && (r = append_entry(m, "Window", "u", o->window)) < 0)
                return r;
        if (o->has_retry && (r = append_entry(m, "Retry", "u", o->retry)) < 0)
                return r;
        if (o->backoff_delay && (r = append_entry(m, "BackoffDelay", "s", o->backoff_delay)) < 0)
                return r;
        if (o->has_backoff_policy &&
            (r = append_entry(m, "BackoffPolicy", "s",
                              o->backoff_policy == PTPSYNC_BACKOFF_LINEAR ? "linear" : "exponential")) < 0)
                return r;
        if (o->has_ack_timeout && (r = append_entry(m, "AckTimeout", "t", o->ack_timeout)) < 0)
                return r;
        if (o->has_queue_limit && (r = append_entry(m, "QueueLimit", "u", o->queue_limit)) < 0)
                return r;
        if (o->has_initial_state && (r = append_entry(m, "InitialState", "b", (int) o->initial_state)) < 0)
                return r;
        if (o->has_dead_letter_limit && (r = append_entry(m, "DeadLetterLimit", "u", o->dead_letter_limit)) < 0)
                return r;
        if (o->n_metadata > 0) {
                r = sd_bus_message_open_container(m, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", "Metadata");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', "a{ss}");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "{ss}");
                for (size_t i = 0; r >= 0 && i < o->n_metadata; i++)
                        r = sd_bus_message_append(m, "{ss}", o->metadata[2 * i], o->metadata[2 * i + 1]);
                for (int k = 0; r >= 0 && k < 3; k++)
                        r = sd_bus_message_close_container(m);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(m);
}

/* ---- the handle ---- */

static PtpsyncSubscription *subscription_ref(PtpsyncSubscription *s) {
        s->n_ref++;
        return s;
}

void subscription_unref(PtpsyncSubscription *s) {
        if (!s || --s->n_ref > 0)
                return;
        /* Its calls went when it left the client (subscription_detach_from_client()). */
        ptpsync_subscribe_options_free(s->options);
        free(s->address);
        free(s->path);
        free(s->attached_owner);
        free(s);
}

/* Off the client's list: no more callbacks, nothing more sent. */
void subscription_detach_from_client(PtpsyncSubscription *s) {
        if (!s->client)
                return;
        LIST_REMOVE(subscriptions, s->client->subscriptions, s);
        client_slot_cancel(&s->subscribe_slot);
        client_slot_cancel(&s->cancel_slot);
        if (s->unresolved_timer.armed) {
                timer_stop(s->client, &s->unresolved_timer);
                subscription_unref(s); /* the timer's; the caller holds another */
        }
        s->client = NULL;
}

static bool subscription_is_ordered(const PtpsyncSubscription *s) {
        return !s->options->has_ordered || s->options->ordered;
}

static void subscription_set_state(PtpsyncSubscription *s, PtpsyncSubscriptionState state, int error) {
        PtpsyncClient *c = s->client;

        if (!c)
                return;
        s->state = state;
        if (state == PTPSYNC_SUBSCRIPTION_ACTIVE)
                s->n_attached++;
        if (state == PTPSYNC_SUBSCRIPTION_ENDED || state == PTPSYNC_SUBSCRIPTION_DETACHED) {
                client_slot_cancel(&s->subscribe_slot);
                client_slot_cancel(&s->cancel_slot);
        }
        if (s->state_handler) {
                subscription_ref(s);
                CLIENT_DISPATCH(c, s->state_handler(s, state, error, s->userdata));
                subscription_unref(s);
        }
}

static int subscription_send_subscribe(PtpsyncSubscription *s);
static int subscription_send_cancel(PtpsyncSubscription *s);
static void subscription_unresolved_soon(PtpsyncSubscription *s);

/* The daemon that had it is gone. */
static void subscription_lost(PtpsyncSubscription *s) {
        PtpsyncClient *c = s->client;
        int r;

        free(s->attached_owner);
        s->attached_owner = NULL;
        if (!s->durable || s->cancelling) {
                subscription_set_state(s, PTPSYNC_SUBSCRIPTION_ENDED, -ECONNRESET);
                return;
        }
        subscription_set_state(s, PTPSYNC_SUBSCRIPTION_DETACHED, -ECONNRESET);
        if (s->client && c->owner && s->state == PTPSYNC_SUBSCRIPTION_DETACHED) {
                r = subscription_send_subscribe(s);
                if (r < 0)
                        subscription_set_state(s, PTPSYNC_SUBSCRIPTION_ENDED, client_set_error(c, NULL, r));
        }
}

static int on_subscribe_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        PtpsyncSubscription *s = userdata;
        PtpsyncClient *c = s->client;
        const char *path, *sender = sd_bus_message_get_sender(m);
        int r;

        if (!c) {
                /* Freed while PENDING (see ptpsync_subscription_free()): end what the daemon made. */
                if (!sd_bus_message_is_method_error(m, NULL) && sender && sd_bus_message_read(m, "o", &path) > 0)
                        (void) bus_send_no_reply(sd_bus_message_get_bus(m), sender, path, SUBSCRIPTION_INTERFACE,
                                                 "Cancel", "");
                return 0;
        }
        subscription_ref(s);

        if (sd_bus_message_is_method_error(m, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(m);

                r = client_set_error_from_message(c, m);
                /* A durable subscription waits for its daemon to come (back). */
                if (s->durable && !s->cancelling &&
                    (!c->owner || sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN,
                                                         SD_BUS_ERROR_NAME_HAS_NO_OWNER)))
                        subscription_set_state(s, PTPSYNC_SUBSCRIPTION_DETACHED, r);
                else
                        subscription_set_state(s, PTPSYNC_SUBSCRIPTION_ENDED, r);
                goto finish;
        }

        r = sd_bus_message_read(m, "o", &path);
        if (r <= 0 || !sender) {
                subscription_set_state(s, PTPSYNC_SUBSCRIPTION_ENDED, client_set_error(c, NULL, r < 0 ? r : -EBADMSG));
                goto finish;
        }
        r = set_string(&s->path, path);
        if (r >= 0)
                r = set_string(&s->attached_owner, sender);
        if (r < 0) {
                subscription_set_state(s, PTPSYNC_SUBSCRIPTION_ENDED, client_set_error(c, NULL, r));
                goto finish;
        }

        if (s->cancelling) {
                r = subscription_send_cancel(s);
                if (r < 0)
                        subscription_set_state(s, PTPSYNC_SUBSCRIPTION_ENDED, client_set_error(c, NULL, r));
                goto finish;
        }
        if (!streq_ptr(sender, c->owner)) {
                /* Accepted by a daemon that has gone since. */
                subscription_lost(s);
                goto finish;
        }
        subscription_set_state(s, PTPSYNC_SUBSCRIPTION_ACTIVE, 0);

finish:
        subscription_unref(s);
        return 0;
}

static int subscription_send_subscribe(PtpsyncSubscription *s) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_free_ char *address = NULL;
        PtpsyncClient *c = s->client;
        int r;

        r = client_resolve_address(c, s->address, &address);
        if (r == -EAGAIN) {
                /* Sent once the node name is known (subscriptions_node_name_changed()). */
                client_slot_cancel(&s->subscribe_slot);
                return 0;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(c->bus, &m, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                           "Subscribe");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", address);
        if (r < 0)
                return r;
        r = subscribe_options_append(m, s->options);
        if (r < 0)
                return r;
        client_slot_cancel(&s->subscribe_slot);
        r = client_call_message(c, &s->subscribe_slot, m, on_subscribe_reply, s);
        if (r < 0)
                return r;
        if (s->state != PTPSYNC_SUBSCRIPTION_PENDING)
                subscription_set_state(s, PTPSYNC_SUBSCRIPTION_PENDING, 0);
        return 0;
}

_public_ int ptpsync_client_subscribe(PtpsyncClient *c, const char *address, const PtpsyncSubscribeOptions *o,
                                      ptpsync_event_handler_t handler, void *userdata, PtpsyncSubscription **ret) {
        PtpsyncSubscription *s;
        int r;

        assert_return(c, -EINVAL);
        assert_return(handler, client_set_error(c, NULL, -EINVAL));
        assert_return(ret, client_set_error(c, NULL, -EINVAL));
        r = client_check_address(c, address);
        if (r < 0)
                return r;

        r = client_watch_subscriptions(c);
        if (r < 0)
                return client_set_error(c, NULL, r);

        s = calloc(1, sizeof(PtpsyncSubscription));
        if (!s)
                return client_set_error(c, NULL, -ENOMEM);
        s->n_ref = 1;
        s->client = c;
        s->state = PTPSYNC_SUBSCRIPTION_PENDING;
        s->handler = handler;
        s->userdata = userdata;
        s->address = strdup(address);
        r = s->address ? subscribe_options_copy(o, &s->options) : -ENOMEM;
        if (r < 0) {
                free(s->address);
                free(s);
                return client_set_error(c, NULL, r);
        }
        s->durable = !isempty(s->options->name);
        LIST_PREPEND(subscriptions, c->subscriptions, s);

        r = subscription_send_subscribe(s);
        if (r < 0) {
                subscription_detach_from_client(s);
                subscription_unref(s);
                return client_set_error(c, NULL, r);
        }
        *ret = s;
        if (address_is_relative(address) && !c->node_name)
                subscription_unresolved_soon(s);
        return 0;
}

_public_ void ptpsync_subscription_set_state_handler(PtpsyncSubscription *s, ptpsync_state_handler_t handler) {
        if (s)
                s->state_handler = handler;
}

_public_ void ptpsync_subscription_set_dead_letter_handler(PtpsyncSubscription *s,
                                                           ptpsync_dead_letter_handler_t handler) {
        if (s)
                s->dead_letter_handler = handler;
}

/* The floating Subscribe of a subscription freed while PENDING is gone: so is its reference. */
static void subscription_slot_destroyed(void *userdata) {
        ClientSlot *cs = userdata;

        subscription_unref(cs->userdata);
}

_public_ PtpsyncSubscription *ptpsync_subscription_free(PtpsyncSubscription *s) {
        PtpsyncClient *c;

        if (!s)
                return NULL;
        c = s->client;
        if (!c)
                return NULL;
        /* Nobody would answer a non-durable subscription's events any more: end it. */
        if (!s->durable && s->state == PTPSYNC_SUBSCRIPTION_ACTIVE && !s->cancelling && s->path &&
            s->attached_owner)
                (void) bus_send_no_reply(c->bus, s->attached_owner, s->path, SUBSCRIPTION_INTERFACE, "Cancel", "");
        /*
         * Still subscribing, Subscribe sent: the bus keeps the call, and its answer cancels what the daemon
         * made. One still waiting its turn is simply never sent (subscription_detach_from_client()).
         */
        if (!s->durable && s->state == PTPSYNC_SUBSCRIPTION_PENDING) {
                subscription_ref(s); /* the floating call's, dropped by subscription_slot_destroyed() */
                /* Undone by hand, not by subscription_unref(): the user's reference is still held, and
                 * GCC 12 at -O3 takes s for freed after that call. */
                if (client_slot_float(&s->subscribe_slot, subscription_slot_destroyed) < 0)
                        s->n_ref--;
        }
        subscription_detach_from_client(s);
        subscription_unref(s);
        return NULL;
}

_public_ PtpsyncClient *ptpsync_subscription_get_client(PtpsyncSubscription *s) {
        assert_return(s, NULL);
        return s->client;
}

_public_ PtpsyncSubscriptionState ptpsync_subscription_get_state(PtpsyncSubscription *s) {
        assert_return(s, PTPSYNC_SUBSCRIPTION_ENDED);
        return s->state;
}

_public_ const char *ptpsync_subscription_get_address(PtpsyncSubscription *s) {
        assert_return(s, NULL);
        return s->address;
}

_public_ const char *ptpsync_subscription_get_name(PtpsyncSubscription *s) {
        assert_return(s, NULL);
        return s->options->name ?: "";
}

_public_ const char *ptpsync_subscription_get_object_path(PtpsyncSubscription *s) {
        assert_return(s, NULL);
        return s->path;
}

_public_ unsigned ptpsync_subscription_get_n_attached(PtpsyncSubscription *s) {
        assert_return(s, 0);
        return s->n_attached;
}

/* ---- answers ---- */

static int subscription_answer(PtpsyncSubscription *s, sd_bus *bus, uint64_t seq, int verdict) {
        int r;

        if (verdict == PTPSYNC_DEFER)
                return 0;
        if (!s->path || !s->attached_owner)
                return -ENOTCONN;
        if (verdict == PTPSYNC_ACK) {
                r = bus_send_no_reply(bus, s->attached_owner, s->path, SUBSCRIPTION_INTERFACE, "Ack", "t", seq);
                if (r >= 0) {
                        s->has_acked = true;
                        s->last_acked_seq = seq;
                }
                return r;
        }
        return bus_send_no_reply(bus, s->attached_owner, s->path, SUBSCRIPTION_INTERFACE, "Nack", "tb", seq,
                                 (int) (verdict != PTPSYNC_REJECT));
}

_public_ int ptpsync_subscription_ack(PtpsyncSubscription *s, uint64_t seq) {
        int r;

        assert_return(s, -EINVAL);
        if (!s->client)
                return -ESTALE;
        if (s->state != PTPSYNC_SUBSCRIPTION_ACTIVE)
                return client_set_error(s->client, NULL, -ENOTCONN);
        r = subscription_answer(s, s->client->bus, seq, PTPSYNC_ACK);
        return r < 0 ? client_set_error(s->client, NULL, r) : 0;
}

_public_ int ptpsync_subscription_nack(PtpsyncSubscription *s, uint64_t seq, bool requeue) {
        int r;

        assert_return(s, -EINVAL);
        if (!s->client)
                return -ESTALE;
        if (s->state != PTPSYNC_SUBSCRIPTION_ACTIVE)
                return client_set_error(s->client, NULL, -ENOTCONN);
        r = subscription_answer(s, s->client->bus, seq, requeue ? PTPSYNC_RETRY : PTPSYNC_REJECT);
        return r < 0 ? client_set_error(s->client, NULL, r) : 0;
}

/* ---- signals ---- */

static PtpsyncSubscription *find_active(PtpsyncClient *c, const char *path) {
        for (PtpsyncSubscription *s = c->subscriptions; s; s = s->subscriptions_next)
                if (s->state == PTPSYNC_SUBSCRIPTION_ACTIVE && streq_ptr(s->path, path) &&
                    streq_ptr(s->attached_owner, c->owner))
                        return s;
        return NULL;
}

static void subscription_deliver(PtpsyncClient *c, PtpsyncSubscription *s, sd_bus_message *m) {
        PtpsyncEvent *e = NULL;
        uint32_t attempt;
        int verdict;

        if (sd_bus_message_has_signature(m, EVENT_SIGNATURE_FIELDS "u") <= 0 || event_read(m, &e) < 0)
                return;
        if (sd_bus_message_read(m, "u", &attempt) <= 0) {
                ptpsync_event_unref(e);
                return;
        }
        e->attempt = attempt;

        if (subscription_is_ordered(s) && attempt > 1 && s->has_acked && e->seq == s->last_acked_seq) {
                /* Our Ack and the daemon's AckTimeout crossed: it is done already. */
                (void) subscription_answer(s, c->bus, e->seq, PTPSYNC_ACK);
                ptpsync_event_unref(e);
                return;
        }

        subscription_ref(s);
        CLIENT_DISPATCH(c, verdict = s->handler(s, e, s->userdata));
        if (verdict != PTPSYNC_ACK && verdict != PTPSYNC_REJECT && verdict != PTPSYNC_DEFER)
                verdict = PTPSYNC_RETRY;
        /* Answered even if the handler freed or cancelled the subscription: it decided about this event. */
        (void) subscription_answer(s, c->bus, e->seq, verdict);
        subscription_unref(s);
        ptpsync_event_unref(e);
}

int subscription_signal(PtpsyncClient *c, sd_bus_message *m) {
        PtpsyncSubscription *s;
        const char *reason;
        uint64_t seq;

        if (!client_check_sender(c, m))
                return 0;
        s = find_active(c, sd_bus_message_get_path(m));
        if (!s || s->cancelling)
                return 0;

        if (sd_bus_message_is_signal(m, SUBSCRIPTION_INTERFACE, "Event"))
                subscription_deliver(c, s, m);
        else if (sd_bus_message_is_signal(m, SUBSCRIPTION_INTERFACE, "DeadLettered") && s->dead_letter_handler &&
                 sd_bus_message_read(m, "ts", &seq, &reason) > 0) {
                subscription_ref(s);
                CLIENT_DISPATCH(c, s->dead_letter_handler(s, seq, reason, s->userdata));
                subscription_unref(s);
        }
        return 0;
}

int subscription_object_removed(PtpsyncClient *c, sd_bus_message *m) {
        PtpsyncSubscription *s;
        const char *path = NULL;

        if (!client_check_sender(c, m))
                return 0;
        if (sd_bus_message_read(m, "o", &path) <= 0)
                return 0;
        s = find_active(c, path);
        if (s)
                subscription_set_state(s, PTPSYNC_SUBSCRIPTION_ENDED, 0);
        return 0;
}

/* ---- the daemon's owner changed ---- */

/* Every subscription, each with a reference: a state handler may free any while the caller walks them. */
static PtpsyncSubscription **subscriptions_snapshot(PtpsyncClient *c, size_t *ret_n) {
        PtpsyncSubscription **snapshot;
        size_t n = 0;

        for (PtpsyncSubscription *s = c->subscriptions; s; s = s->subscriptions_next)
                n++;
        *ret_n = 0;
        if (n == 0 || !(snapshot = calloc(n, sizeof(PtpsyncSubscription *))))
                return NULL;
        for (PtpsyncSubscription *s = c->subscriptions; s; s = s->subscriptions_next)
                snapshot[(*ret_n)++] = subscription_ref(s);
        return snapshot;
}

void subscriptions_owner_changed(PtpsyncClient *c, bool disconnected) {
        size_t n;
        PtpsyncSubscription **snapshot = subscriptions_snapshot(c, &n);

        if (!snapshot)
                return;

        for (size_t i = 0; i < n; i++) {
                PtpsyncSubscription *s = snapshot[i];
                int r;

                if (!s->client || s->state == PTPSYNC_SUBSCRIPTION_ENDED)
                        ;
                else if (disconnected)
                        subscription_set_state(s, PTPSYNC_SUBSCRIPTION_ENDED, -ECONNRESET);
                else if (s->state == PTPSYNC_SUBSCRIPTION_ACTIVE && !streq_ptr(s->attached_owner, c->owner))
                        subscription_lost(s);
                else if (s->state == PTPSYNC_SUBSCRIPTION_DETACHED && c->owner) {
                        r = subscription_send_subscribe(s);
                        if (r < 0)
                                subscription_set_state(s, PTPSYNC_SUBSCRIPTION_ENDED, client_set_error(c, NULL, r));
                }
                /* PENDING: its reply says which daemon took it (on_subscribe_reply()). */
                subscription_unref(s);
        }
        free(snapshot);
}

/* ---- relative addresses: the node name ---- */

/* Waits for the node name: PENDING or DETACHED, no Subscribe out, not attached. */
static bool subscription_awaits_node_name(const PtpsyncSubscription *s) {
        return s->client && address_is_relative(s->address) && client_slot_is_idle(&s->subscribe_slot) &&
                !s->attached_owner &&
                (s->state == PTPSYNC_SUBSCRIPTION_PENDING || s->state == PTPSYNC_SUBSCRIPTION_DETACHED);
}

/*
 * The node name is known, or cannot be now. Known: Subscribe. Its read failed: ENDED with that
 * error. No daemon: as a Subscribe to no daemon would, a durable subscription waits DETACHED,
 * another one ENDS (with ServiceUnknown).
 */
static void subscription_node_name_changed(PtpsyncSubscription *s) {
        PtpsyncClient *c = s->client;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        if (!subscription_awaits_node_name(s))
                return;
        if (s->cancelling && s->state == PTPSYNC_SUBSCRIPTION_PENDING)
                subscription_set_state(s, PTPSYNC_SUBSCRIPTION_ENDED, 0);
        else if (c->node_name) {
                r = subscription_send_subscribe(s);
                if (r < 0)
                        subscription_set_state(s, PTPSYNC_SUBSCRIPTION_ENDED, client_set_error(c, NULL, r));
        } else if (c->node_name_error < 0)
                subscription_set_state(s, PTPSYNC_SUBSCRIPTION_ENDED, c->node_name_error);
        else if (c->owner_known && !c->owner && s->state == PTPSYNC_SUBSCRIPTION_PENDING) {
                (void) sd_bus_error_setf(&e, SD_BUS_ERROR_SERVICE_UNKNOWN,
                                         "%s is not on the bus: the relative address \"%s\" cannot be resolved",
                                         BUS_NAME, s->address);
                r = client_set_error(c, &e, -EHOSTUNREACH);
                sd_bus_error_free(&e);
                subscription_set_state(s, s->durable ? PTPSYNC_SUBSCRIPTION_DETACHED : PTPSYNC_SUBSCRIPTION_ENDED, r);
        }
}

void subscriptions_node_name_changed(PtpsyncClient *c) {
        size_t n;
        PtpsyncSubscription **snapshot = subscriptions_snapshot(c, &n);

        if (!snapshot)
                return;
        for (size_t i = 0; i < n; i++) {
                subscription_node_name_changed(snapshot[i]); /* its state handler may free any */
                subscription_unref(snapshot[i]);
        }
        free(snapshot);
}

static void on_unresolved_timer(Timer *t, void *userdata) {
        PtpsyncSubscription *s = userdata;

        subscription_node_name_changed(s);
        subscription_unref(s);
}

/*
 * Subscribed with a relative address and no node name: if it cannot be known now, say so from a
 * timer, after ptpsync_client_subscribe() has returned the handle and its state handler is set.
 */
static void subscription_unresolved_soon(PtpsyncSubscription *s) {
        PtpsyncClient *c = s->client;

        if (!(c->node_name_error < 0 || (c->owner_known && !c->owner)) || s->unresolved_timer.armed)
                return;
        s->unresolved_timer.handler = on_unresolved_timer;
        s->unresolved_timer.userdata = subscription_ref(s);
        s->unresolved_timer.usec = 0;
        timer_start(c, &s->unresolved_timer);
}

/* ---- cancel, dead letters ---- */

static int on_cancel_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        PtpsyncSubscription *s = userdata;
        PtpsyncClient *c = s->client;
        int r = 0;

        if (sd_bus_message_is_method_error(m, NULL))
                r = client_set_error_from_message(c, m);
        if (s->state != PTPSYNC_SUBSCRIPTION_ENDED)
                subscription_set_state(s, PTPSYNC_SUBSCRIPTION_ENDED, r);
        return 0;
}

static int subscription_send_cancel(PtpsyncSubscription *s) {
        return client_call_method(s->client, &s->cancel_slot, s->attached_owner, s->path, SUBSCRIPTION_INTERFACE,
                                  "Cancel", on_cancel_reply, s, "");
}

_public_ int ptpsync_subscription_cancel(PtpsyncSubscription *s) {
        PtpsyncClient *c;
        int r;

        assert_return(s, -EINVAL);
        c = s->client;
        if (!c || s->state == PTPSYNC_SUBSCRIPTION_ENDED)
                return -ESTALE;
        if (s->cancelling)
                return 0;
        if (s->state == PTPSYNC_SUBSCRIPTION_DETACHED)
                return client_set_error(c, NULL, -ENOTCONN);
        s->cancelling = true;
        if (s->state == PTPSYNC_SUBSCRIPTION_PENDING)
                return 0; /* sent when the Subscribe's answer comes */
        r = subscription_send_cancel(s);
        if (r < 0) {
                s->cancelling = false;
                return client_set_error(c, NULL, r);
        }
        return 0;
}

/* The object path to call, or an error for a handle that has none now. */
static int subscription_path(PtpsyncSubscription *s, const char **ret) {
        assert_return(s, -EINVAL);
        if (!s->client)
                return -ESTALE;
        if (s->state != PTPSYNC_SUBSCRIPTION_ACTIVE || !s->path)
                return client_set_error(s->client, NULL, -ENOTCONN);
        *ret = s->path;
        return 0;
}

_public_ int ptpsync_subscription_get_dead_letters(PtpsyncSubscription *s, PtpsyncEventList **ret) {
        const char *path = NULL;
        int r;

        assert_return(ret, -EINVAL);
        r = subscription_path(s, &path);
        return r < 0 ? r : subscription_get_dead_letters(s->client, path, ret);
}

_public_ int ptpsync_subscription_redrive(PtpsyncSubscription *s, unsigned *ret_count) {
        const char *path = NULL;
        int r;

        r = subscription_path(s, &path);
        return r < 0 ? r : subscription_call_count(s->client, path, "Redrive", ret_count);
}

_public_ int ptpsync_subscription_purge_dead_letters(PtpsyncSubscription *s, unsigned *ret_count) {
        const char *path = NULL;
        int r;

        r = subscription_path(s, &path);
        return r < 0 ? r : subscription_call_count(s->client, path, "PurgeDeadLetters", ret_count);
}

_public_ int ptpsync_subscription_get_dead_letters_async(PtpsyncSubscription *s, ptpsync_events_handler_t handler,
                                                         void *userdata, PtpsyncCall **ret_call) {
        const char *path = NULL;
        int r;

        r = subscription_path(s, &path);
        return r < 0 ? r : subscription_get_dead_letters_async(s->client, path, handler, userdata, ret_call);
}

_public_ int ptpsync_subscription_redrive_async(PtpsyncSubscription *s, ptpsync_count_handler_t handler,
                                                void *userdata, PtpsyncCall **ret_call) {
        const char *path = NULL;
        int r;

        r = subscription_path(s, &path);
        return r < 0 ? r : subscription_call_count_async(s->client, path, "Redrive", handler, userdata, ret_call);
}

_public_ int ptpsync_subscription_purge_dead_letters_async(PtpsyncSubscription *s, ptpsync_count_handler_t handler,
                                                           void *userdata, PtpsyncCall **ret_call) {
        const char *path = NULL;
        int r;

        r = subscription_path(s, &path);
        return r < 0 ? r : subscription_call_count_async(s->client, path, "PurgeDeadLetters", handler, userdata,
                                                         ret_call);
}
