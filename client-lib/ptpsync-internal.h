/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libptpsync's insides, shared by its source files and never installed.
 *
 * Ownership: the client keeps every live watch, subscription and pending call
 * on a list. Watches and subscriptions are reference counted, so that a user
 * may free one from its own callback: the public free unlinks it and drops
 * the user's reference, the dispatcher drops its own when the callback
 * returns. Pending calls are owned by the client alone and end either when
 * their handler has run or when they are cancelled.
 *
 * Method calls: dbus-daemon lets one connection have a bounded number of calls
 * waiting for a reply (128 on a system bus) and refuses the next with
 * LimitsExceeded. So every call of the client that expects a reply goes
 * through client_call_message(), which sends at most
 * PTPSYNC_CALLS_IN_FLIGHT_MAX at once and keeps the rest, prepared, in order,
 * each in the ClientSlot of what made it (a PtpsyncCall, a subscription...),
 * sending them as replies come in. Ack, Nack and the Cancels nobody waits for
 * expect no reply, which the bus does not count (bus_send_no_reply()).
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "ptpsync.h"
#include "common/address.h"
#include "common/bus-names.h"
#include "common/util.h"

#define _public_ __attribute__((visibility("default")))
#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

/* assert_return() of the systemd style: a programming error in the caller is an error code, not a crash. */
#define assert_return(expr, r)                  \
        do {                                    \
                if (!(expr))                    \
                        return (r);             \
        } while (0)

/* Doubly linked lists: a struct has "type *name##_prev, *name##_next" fields. */
#define LIST_FIELDS(type, name) type *name##_prev, *name##_next

#define LIST_PREPEND(name, head, item)                                  \
        do {                                                            \
                __typeof__(*(head)) **_head = &(head), *_item = (item); \
                _item->name##_prev = NULL;                              \
                if ((_item->name##_next = *_head))                      \
                        _item->name##_next->name##_prev = _item;        \
                *_head = _item;                                         \
        } while (0)

#define LIST_REMOVE(name, head, item)                                                   \
        do {                                                                            \
                __typeof__(*(head)) **_head = &(head), *_item = (item);                 \
                if (_item->name##_next)                                                 \
                        _item->name##_next->name##_prev = _item->name##_prev;           \
                if (_item->name##_prev)                                                 \
                        _item->name##_prev->name##_next = _item->name##_next;           \
                else                                                                    \
                        *_head = _item->name##_next;                                    \
                _item->name##_prev = _item->name##_next = NULL;                         \
        } while (0)

/* ---- events (event.c) ---- */

typedef struct PtpsyncValue {
        char *address, *data_type, *value_type, *value;
} PtpsyncValue;

struct PtpsyncEvent {
        unsigned n_ref;
        uint64_t seq;
        char *id, *type, *source;
        int64_t time;
        unsigned attempt;
        char *dead_letter_reason; /* a dead letter's; NULL for any other event */
        size_t n_values;
        PtpsyncValue *values;
};

struct PtpsyncEventList {
        size_t n;
        PtpsyncEvent **events;
};

/* Reads the fields (tsssxa(ssss)) at the current position of m. */
int event_read(sd_bus_message *m, PtpsyncEvent **ret);
/*
 * Reads an a(tsssxa(ssss)) onto the end of *list, or into a new list if *list
 * is NULL (freed again on failure; an existing list keeps what was read).
 */
int event_list_read(sd_bus_message *m, PtpsyncEventList **list);
/* The same for GetDeadLetters' a(tsssxa(ssss)s): each event with its dead_letter_reason. */
int dead_letter_list_read(sd_bus_message *m, PtpsyncEventList **list);

static inline void event_list_freep(PtpsyncEventList **l) {
        ptpsync_event_list_free(*l);
}

/* ---- the client (client.c) ---- */

/*
 * A bound under dbus-daemon's 128 calls per connection that leaves room for the calls a program
 * makes itself on the same connection.
 */
#define PTPSYNC_CALLS_IN_FLIGHT_MAX 64U

/*
 * One method call that expects a reply (client.c): idle, waiting its turn (message set, on the
 * client's queue), or pending (slot set: sent, its reply not in yet). callback gets the reply, or
 * an error reply made here for one that could not be sent once its turn came (NoReply
 * "Connection terminated" when the connection has gone, as sd-bus gives the pending ones).
 */
typedef struct ClientSlot ClientSlot;
struct ClientSlot {
        PtpsyncClient *client;
        sd_bus_message *message;
        sd_bus_slot *slot;
        sd_bus_message_handler_t callback; /* NULL: the client's marker of calls cancelled while pending */
        void *userdata;
        LIST_FIELDS(ClientSlot, waiting);
};

typedef struct Timer Timer;
typedef void (*timer_handler_t)(Timer *t, void *userdata);

struct Timer {
        uint64_t usec; /* CLOCK_MONOTONIC */
        bool armed;
        timer_handler_t handler;
        void *userdata;
        LIST_FIELDS(Timer, timers);
};

typedef enum CallKind {
        CALL_EVENTS,
        CALL_RESOURCES,
        CALL_COUNT,
        CALL_WAIT,
        CALL_DEAD_LETTERS, /* GetDeadLetters page after page, into one list */
        CALL_STRING,       /* a string property (Properties.Get) */
        CALL_SUBSCRIPTION_INFOS, /* ListSubscriptions, then properties of each, pipelined */
} CallKind;

/* One Properties.Get of a CALL_SUBSCRIPTION_INFOS call in flight (calls.c). */
typedef struct InfoGet InfoGet;

struct PtpsyncCall {
        PtpsyncClient *client;
        CallKind kind;
        ClientSlot slot;
        void *handler;
        void *userdata;
        /* CALL_WAIT */
        char *address, *state;
        Timer timer;
        int error;           /* to report when the timer fires; 0: -ETIMEDOUT */
        bool check_once;     /* timeout 0: one look at the current state */
        bool requery;        /* an Event came while a query was out: ask again */
        /* CALL_DEAD_LETTERS */
        char *path;
        PtpsyncEventList *events; /* the pages so far; the next starts at events->n */
        /* CALL_SUBSCRIPTION_INFOS */
        PtpsyncSubscriptionInfoList *infos; /* one entry per listed path, filled in as the Gets answer */
        size_t next_get;        /* the next Get to send: entry next_get / properties, property next_get % */
        unsigned n_gets;        /* in flight, at most INFO_GETS_IN_FLIGHT_MAX */
        InfoGet *gets;
        LIST_FIELDS(PtpsyncCall, calls);
};

struct PtpsyncWatch {
        unsigned n_ref;
        PtpsyncClient *client; /* NULL once freed by the user */
        char *address;         /* NULL: everything */
        ptpsync_watch_handler_t handler;
        void *userdata;
        LIST_FIELDS(PtpsyncWatch, watches);
};

struct PtpsyncSubscribeOptions {
        char *name;
        bool ordered, initial_state;
        uint32_t window, retry, queue_limit, dead_letter_limit;
        char *backoff_delay;
        PtpsyncBackoffPolicy backoff_policy;
        uint64_t ack_timeout;
        char **metadata; /* key, value, key, value, ..., NULL */
        size_t n_metadata;
        /* which were set */
        bool has_ordered, has_window, has_retry, has_backoff_policy, has_ack_timeout, has_queue_limit,
                has_initial_state, has_dead_letter_limit;
};

struct PtpsyncSubscription {
        unsigned n_ref;
        PtpsyncClient *client; /* NULL once freed by the user */
        char *address;
        PtpsyncSubscribeOptions *options;
        bool durable;
        PtpsyncSubscriptionState state;
        bool cancelling;
        char *path;            /* the daemon's object, once known */
        char *attached_owner;  /* the daemon (unique name) that accepted the Subscribe */
        ClientSlot subscribe_slot, cancel_slot;
        Timer unresolved_timer; /* a relative address that cannot be resolved now: said from here */
        unsigned n_attached;
        bool has_acked;
        uint64_t last_acked_seq;
        ptpsync_event_handler_t handler;
        ptpsync_state_handler_t state_handler;
        ptpsync_dead_letter_handler_t dead_letter_handler;
        void *userdata;
        LIST_FIELDS(PtpsyncSubscription, subscriptions);
};

struct PtpsyncClient {
        sd_bus *bus;
        sd_event *event;
        sd_event_source *timer_source;
        int64_t priority;

        char *owner;     /* org.ptpsync1's unique name, NULL if none or not known yet */
        bool owner_known;
        sd_bus_slot *owner_match;
        ClientSlot owner_query;
        sd_bus_slot *broadcast_match, *subscription_match, *removed_match, *disconnected_match;
        uint64_t n_forged;
        ptpsync_daemon_handler_t daemon_handler;
        void *daemon_userdata;

        char *node_name;     /* the owner's NodeName, NULL until read (node-name.c) */
        int node_name_error; /* why it could not be read; 0: not failed */
        ClientSlot node_query;

        char *error_name, *error_message;
        unsigned dispatching; /* depth of user callbacks running now */

        /* Calls sent and not answered yet, those cancelled meanwhile too: the bus still counts them. */
        unsigned n_in_flight;
        ClientSlot *waiting, *waiting_last; /* the calls waiting their turn, oldest first */
        ClientSlot cancelled; /* the userdata of the calls cancelled while pending */

        Timer *timers;
        PtpsyncCall *calls;
        PtpsyncWatch *watches;
        PtpsyncSubscription *subscriptions;
};

/* Records a failure for ptpsync_client_last_error_*(): a D-Bus error if set, else r's name. Returns r. */
int client_set_error(PtpsyncClient *c, const sd_bus_error *e, int r);
/* The same for an error reply; returns its negative errno. */
int client_set_error_from_message(PtpsyncClient *c, sd_bus_message *reply);

/* The signal came from the daemon's current owner; counts it as forged if not. */
bool client_check_sender(PtpsyncClient *c, sd_bus_message *m);

/* Installs (once) the match of the Manager's broadcast Event. */
int client_watch_broadcast(PtpsyncClient *c);
/* Installs (once) the matches of the subscriptions' signals. */
int client_watch_subscriptions(PtpsyncClient *c);

/*
 * Sends m (a method call, which it does not take) with callback for its reply, now if fewer than
 * PTPSYNC_CALLS_IN_FLIGHT_MAX are out and none waits, or else when its turn comes. cs must be
 * idle. An error if it could not be sent now; once queued, callback always runs, unless cancelled.
 */
int client_call_message(PtpsyncClient *c, ClientSlot *cs, sd_bus_message *m, sd_bus_message_handler_t callback,
                        void *userdata);
/* The same for a call made like sd_bus_call_method_async()'s. */
int client_call_method(PtpsyncClient *c, ClientSlot *cs, const char *destination, const char *path,
                       const char *interface, const char *member, sd_bus_message_handler_t callback,
                       void *userdata, const char *types, ...);
/* Not waiting, not pending. */
static inline bool client_slot_is_idle(const ClientSlot *cs) {
        return !cs->message && !cs->slot;
}
/*
 * Makes it idle without its callback: a waiting call is never sent; the reply of a pending one is
 * dropped when it comes (counted until then, as the bus does). A no-op on an idle one.
 */
void client_slot_cancel(ClientSlot *cs);
/*
 * Hands a pending call to the bus: its reply still goes to its callback, and destroy(cs) runs
 * when sd-bus lets the call go (after the reply, or with the connection). The slot is idle after.
 * -ENOENT if it was not pending.
 */
int client_slot_float(ClientSlot *cs, sd_bus_destroy_t destroy);
/* A method call that expects no reply: not counted by the bus, nothing comes back. */
int bus_send_no_reply(sd_bus *bus, const char *destination, const char *path, const char *interface,
                      const char *member, const char *types, ...);

void timer_start(PtpsyncClient *c, Timer *t);
void timer_stop(PtpsyncClient *c, Timer *t);

/* A pending call of the given kind, on the client's list. */
PtpsyncCall *call_new(PtpsyncClient *c, CallKind kind, void *handler, void *userdata);
/* Takes it off the list, stops what it has going, frees it. */
void call_free(PtpsyncCall *call);

/* Runs a user callback: -EBUSY for blocking calls and process() meanwhile. */
#define CLIENT_DISPATCH(c, expr)                \
        do {                                    \
                (c)->dispatching++;             \
                expr;                           \
                (c)->dispatching--;             \
        } while (0)

/* Calls the daemon handler for the new owner, once its node name is read (or could not be). */
void client_daemon_ready(PtpsyncClient *c);
/* The node name is known now, or cannot be (no owner, or its read failed): for waits and subscriptions. */
void client_node_name_changed(PtpsyncClient *c);

/* ---- the node name and relative addresses (node-name.c) ---- */

/* Not starting with '/': "sync/ptp-status/lock-state", relative to the daemon's node. NULL is not. */
bool address_is_relative(const char *address);
/* A valid absolute or relative address; else -EINVAL, the last error naming the address and what is wrong. */
int client_check_address(PtpsyncClient *c, const char *address);
/* The absolute address (malloc'ed): a copy, or a relative one on the node. -EAGAIN: the node name is not known. */
int client_resolve_address(PtpsyncClient *c, const char *address, char **ret);
/* address_matches(), where a relative filter is taken on the resource's own node. */
bool client_address_matches(const char *filter, const char *resource);
/* Forgets the node name (and stops reading it). */
void client_node_name_forget(PtpsyncClient *c);
/* Forgets it and reads the current owner's; with no owner, says it cannot be known. */
void client_node_name_reset(PtpsyncClient *c);

/* ---- the rest ---- */

/* watch.c: a broadcast Event from the owner, to every watch. */
void watches_dispatch(PtpsyncClient *c, const PtpsyncEvent *e);
void watch_unref(PtpsyncWatch *w);

/* wait.c: a broadcast Event (re-check waits on its source); the daemon appeared. */
void waits_event(PtpsyncClient *c, const PtpsyncEvent *e);
void waits_daemon_appeared(PtpsyncClient *c);
void waits_disconnected(PtpsyncClient *c);
void waits_node_name_changed(PtpsyncClient *c);

/* subscription.c */
int subscription_signal(PtpsyncClient *c, sd_bus_message *m);
int subscription_object_removed(PtpsyncClient *c, sd_bus_message *m);
/* The owner changed (or the connection went: disconnected) */
void subscriptions_owner_changed(PtpsyncClient *c, bool disconnected);
/* Those with a relative address that wait for the node name. */
void subscriptions_node_name_changed(PtpsyncClient *c);
void subscription_unref(PtpsyncSubscription *s);
void subscription_detach_from_client(PtpsyncSubscription *s);
int subscribe_options_append(sd_bus_message *m, const PtpsyncSubscribeOptions *o);
int subscribe_options_copy(const PtpsyncSubscribeOptions *o, PtpsyncSubscribeOptions **ret);

/* calls.c: stops and frees what a CALL_SUBSCRIPTION_INFOS call has (its Gets in flight, its list); for call_free(). */
void subscription_infos_call_clear(PtpsyncCall *call);

/* calls.c: the path of a subscription id (object path, 32 hex digits or UUID), malloc'ed. */
int subscription_id_to_path(const char *id, char **ret);
int subscription_call_count(PtpsyncClient *c, const char *path, const char *method, unsigned *ret_count);
int subscription_call_count_async(PtpsyncClient *c, const char *path, const char *method,
                                  ptpsync_count_handler_t handler, void *userdata, PtpsyncCall **ret_call);
/* The daemon's page size of GetDeadLetters: a shorter page is the last. */
#define DEAD_LETTERS_PAGE_MAX 1000U
/* All the dead letters, page after page (blocking), or in one handler call at the end. */
int subscription_get_dead_letters(PtpsyncClient *c, const char *path, PtpsyncEventList **ret);
int subscription_get_dead_letters_async(PtpsyncClient *c, const char *path, ptpsync_events_handler_t handler,
                                        void *userdata, PtpsyncCall **ret_call);
