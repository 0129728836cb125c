/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The client: one bus connection, the owner of org.ptpsync1 followed on it,
 * the signal matches, the library's own timers, and the event-loop glue.
 *
 * Whom to trust. A signal carries its sender's unique name, set by the bus;
 * anyone can emit an Event from a path named /org/ptpsync1, or send one to
 * us. So the library keeps the unique name of org.ptpsync1's current owner
 * and drops every daemon signal from anyone else. The name comes from the bus
 * driver: a NameOwnerChanged match (installed first) and then one
 * GetNameOwner call. The bus handles our messages in order, so the reply to
 * GetNameOwner is at least as new as any NameOwnerChanged read before it,
 * and the matches for daemon signals, added later, cannot deliver anything
 * that comes before that reply. NameOwnerChanged is believed only from the
 * driver ("org.freedesktop.DBus" is its sender, which no peer can be).
 */

#include <poll.h>
#include <stdarg.h>
#include <time.h>

#include "ptpsync-internal.h"
#include "common/bus-errors.h"
#include "common/bus-open.h"

#define DBUS_NAME "org.freedesktop.DBus"
#define DBUS_PATH "/org/freedesktop/DBus"

static uint64_t now_monotonic(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* ---- errors ---- */

int client_set_error(PtpsyncClient *c, const sd_bus_error *e, int r) {
        sd_bus_error local = SD_BUS_ERROR_NULL;
        char *name, *message;

        if (r >= 0)
                r = -EIO;
        if (!e || !sd_bus_error_is_set(e)) {
                (void) sd_bus_error_set_errno(&local, r);
                e = &local;
        }
        name = strdup(e->name);
        message = e->message ? strdup(e->message) : strdup("");
        if (name && message) {
                free(c->error_name);
                free(c->error_message);
                c->error_name = name;
                c->error_message = message;
        } else {
                free(name);
                free(message);
        }
        sd_bus_error_free(&local);
        return r;
}

int client_set_error_from_message(PtpsyncClient *c, sd_bus_message *reply) {
        int r = sd_bus_message_get_errno(reply);

        return client_set_error(c, sd_bus_message_get_error(reply), r > 0 ? -r : -EIO);
}

_public_ const char *ptpsync_client_last_error_name(PtpsyncClient *c) {
        assert_return(c, NULL);
        return c->error_name;
}

_public_ const char *ptpsync_client_last_error_message(PtpsyncClient *c) {
        assert_return(c, NULL);
        return c->error_message;
}

/* ---- timers ---- */

static int on_timer_source(sd_event_source *source, uint64_t usec, void *userdata);

/* Keeps the sd_event time source (when attached) at the earliest timer. */
static void timers_changed(PtpsyncClient *c) {
        uint64_t next = c->timers ? c->timers->usec : UINT64_MAX;

        if (!c->event)
                return;
        if (!c->timer_source) {
                if (next == UINT64_MAX)
                        return;
                if (sd_event_add_time(c->event, &c->timer_source, CLOCK_MONOTONIC, next, 0, on_timer_source, c) < 0)
                        return; /* then only a manual process() runs them; nothing better to do */
                (void) sd_event_source_set_priority(c->timer_source, c->priority);
                (void) sd_event_source_set_description(c->timer_source, "ptpsync-timer");
                return;
        }
        if (next == UINT64_MAX) {
                (void) sd_event_source_set_enabled(c->timer_source, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(c->timer_source, next);
        (void) sd_event_source_set_enabled(c->timer_source, SD_EVENT_ONESHOT);
}

/* Sorted by time, earliest first. */
void timer_start(PtpsyncClient *c, Timer *t) {
        Timer *prev = NULL;

        if (t->armed)
                timer_stop(c, t);
        for (Timer *i = c->timers; i && i->usec <= t->usec; i = i->timers_next)
                prev = i;
        if (!prev)
                LIST_PREPEND(timers, c->timers, t);
        else {
                t->timers_prev = prev;
                t->timers_next = prev->timers_next;
                if (prev->timers_next)
                        prev->timers_next->timers_prev = t;
                prev->timers_next = t;
        }
        t->armed = true;
        timers_changed(c);
}

void timer_stop(PtpsyncClient *c, Timer *t) {
        if (!t->armed)
                return;
        LIST_REMOVE(timers, c->timers, t);
        t->armed = false;
        timers_changed(c);
}

/* Runs the earliest timer if it is due. Returns 1 if it did. */
static int run_due_timer(PtpsyncClient *c) {
        Timer *t = c->timers;

        if (!t || t->usec > now_monotonic())
                return 0;
        timer_stop(c, t);
        t->handler(t, t->userdata); /* may free t */
        return 1;
}

static int on_timer_source(sd_event_source *source, uint64_t usec, void *userdata) {
        PtpsyncClient *c = userdata;

        while (run_due_timer(c) > 0)
                ;
        timers_changed(c);
        return 0;
}

/* ---- method calls, at most PTPSYNC_CALLS_IN_FLIGHT_MAX out at once ---- */

static void waiting_append(PtpsyncClient *c, ClientSlot *cs) {
        cs->waiting_next = NULL;
        cs->waiting_prev = c->waiting_last;
        if (c->waiting_last)
                c->waiting_last->waiting_next = cs;
        else
                c->waiting = cs;
        c->waiting_last = cs;
}

static void waiting_remove(PtpsyncClient *c, ClientSlot *cs) {
        if (c->waiting_last == cs)
                c->waiting_last = cs->waiting_prev;
        LIST_REMOVE(waiting, c->waiting, cs);
}

static void client_calls_pump(PtpsyncClient *c);

/* Every reply comes here first: it frees a place for the next call that waits. */
static int on_slot_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        ClientSlot *cs = userdata;
        PtpsyncClient *c = cs->client;
        sd_bus_message_handler_t callback = cs->callback;
        int r = 0;

        c->n_in_flight--;
        if (callback) {
                cs->slot = sd_bus_slot_unref(cs->slot); /* the one running: sd-bus holds it until we return */
                r = callback(m, cs->userdata, ret_error); /* may free cs */
        }
        /* After the callback, which may queue calls of its own, and is never the one to free the client. */
        client_calls_pump(c);
        return r;
}

static int slot_send(ClientSlot *cs, sd_bus_message *m) {
        int r = sd_bus_call_async(cs->client->bus, &cs->slot, m, on_slot_reply, cs, 0);

        if (r >= 0)
                cs->client->n_in_flight++;
        return r;
}

/* A waiting call that could not go: its callback gets an error reply, as a pending one would. */
static void slot_fail(ClientSlot *cs, sd_bus_message *m, int error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL, ignored = SD_BUS_ERROR_NULL;

        if (error == -ENOTCONN)
                (void) sd_bus_error_set_const(&e, SD_BUS_ERROR_NO_REPLY, "Connection terminated");
        else
                (void) sd_bus_error_set_errno(&e, error);
        /* An error reply is made for a sealed call; this one is never sent, so any cookie will do. */
        (void) sd_bus_message_seal(m, 1, 0); /* unless sd_bus_call_async() did */
        if (sd_bus_message_new_method_error(m, &reply, &e) >= 0)
                (void) cs->callback(reply, cs->userdata, &ignored); /* may free cs */
        sd_bus_error_free(&e);
        sd_bus_error_free(&ignored);
}

/* Sends what waits, oldest first, while there is room. */
static void client_calls_pump(PtpsyncClient *c) {
        while (c->waiting && c->n_in_flight < PTPSYNC_CALLS_IN_FLIGHT_MAX) {
                ClientSlot *cs = c->waiting;
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = TAKE_PTR(cs->message);
                int r;

                waiting_remove(c, cs);
                r = slot_send(cs, m);
                if (r < 0)
                        slot_fail(cs, m, r);
        }
}

int client_call_message(PtpsyncClient *c, ClientSlot *cs, sd_bus_message *m, sd_bus_message_handler_t callback,
                        void *userdata) {
        assert_return(client_slot_is_idle(cs), -EBUSY);
        assert_return(callback, -EINVAL);

        cs->client = c;
        cs->callback = callback;
        cs->userdata = userdata;
        /* Behind those that wait, even with room: the calls go out in the order they were made. */
        if (c->waiting || c->n_in_flight >= PTPSYNC_CALLS_IN_FLIGHT_MAX) {
                cs->message = sd_bus_message_ref(m);
                waiting_append(c, cs);
                return 0;
        }
        return slot_send(cs, m);
}

int client_call_method(PtpsyncClient *c, ClientSlot *cs, const char *destination, const char *path,
                       const char *interface, const char *member, sd_bus_message_handler_t callback,
                       void *userdata, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(c->bus, &m, destination, path, interface, member);
        if (r < 0)
                return r;
        va_start(ap, types);
        r = sd_bus_message_appendv(m, types, ap);
        va_end(ap);
        if (r < 0)
                return r;
        return client_call_message(c, cs, m, callback, userdata);
}

void client_slot_cancel(ClientSlot *cs) {
        PtpsyncClient *c = cs->client;

        if (cs->message) {
                waiting_remove(c, cs);
                cs->message = sd_bus_message_unref(cs->message);
        } else if (cs->slot) {
                /* Its reply is still to come, and still counted: the bus keeps the call, and drops the reply. */
                (void) sd_bus_slot_set_userdata(cs->slot, &c->cancelled);
                if (sd_bus_slot_set_floating(cs->slot, 1) < 0)
                        c->n_in_flight--; /* the connection is gone: no reply will come */
                cs->slot = sd_bus_slot_unref(cs->slot);
        }
}

int client_slot_float(ClientSlot *cs, sd_bus_destroy_t destroy) {
        int r;

        if (!cs->slot)
                return -ENOENT;
        r = sd_bus_slot_set_floating(cs->slot, 1);
        if (r < 0)
                return r;
        (void) sd_bus_slot_set_destroy_callback(cs->slot, destroy);
        cs->slot = sd_bus_slot_unref(cs->slot); /* the bus holds it now */
        return 0;
}

int bus_send_no_reply(sd_bus *bus, const char *destination, const char *path, const char *interface,
                      const char *member, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, destination, path, interface, member);
        if (r < 0)
                return r;
        r = sd_bus_message_set_expect_reply(m, 0);
        if (r < 0)
                return r;
        va_start(ap, types);
        r = sd_bus_message_appendv(m, types, ap);
        va_end(ap);
        if (r < 0)
                return r;
        return sd_bus_send(bus, m, NULL);
}

/* ---- pending calls ---- */

PtpsyncCall *call_new(PtpsyncClient *c, CallKind kind, void *handler, void *userdata) {
        PtpsyncCall *call = calloc(1, sizeof(PtpsyncCall));

        if (!call)
                return NULL;
        call->client = c;
        call->kind = kind;
        call->handler = handler;
        call->userdata = userdata;
        LIST_PREPEND(calls, c->calls, call);
        return call;
}

void call_free(PtpsyncCall *call) {
        if (!call)
                return;
        timer_stop(call->client, &call->timer);
        client_slot_cancel(&call->slot);
        LIST_REMOVE(calls, call->client->calls, call);
        free(call->address);
        free(call->state);
        free(call->path);
        ptpsync_event_list_free(call->events);
        subscription_infos_call_clear(call);
        free(call);
}

_public_ void ptpsync_call_cancel(PtpsyncCall *call) {
        call_free(call);
}

/* ---- the daemon's owner ---- */

_public_ void ptpsync_client_set_daemon_handler(PtpsyncClient *c, ptpsync_daemon_handler_t handler,
                                                void *userdata) {
        if (!c)
                return;
        c->daemon_handler = handler;
        c->daemon_userdata = userdata;
}

void client_daemon_ready(PtpsyncClient *c) {
        if (c->owner && c->daemon_handler)
                CLIENT_DISPATCH(c, c->daemon_handler(c, c->owner, c->daemon_userdata));
}

void client_node_name_changed(PtpsyncClient *c) {
        waits_node_name_changed(c);
        subscriptions_node_name_changed(c);
}

static void client_set_owner(PtpsyncClient *c, const char *owner) {
        bool was_known = c->owner_known;

        c->owner_known = true;
        if (streq_ptr(c->owner, owner)) {
                if (!was_known)
                        client_node_name_changed(c); /* no daemon: relative addresses cannot be resolved now */
                return;
        }
        free(c->owner);
        c->owner = owner ? strdup(owner) : NULL;

        /* The old owner's node name is no longer the node's: nothing may resolve against it. */
        client_node_name_forget(c);
        subscriptions_owner_changed(c, false);
        if (c->owner)
                waits_daemon_appeared(c);
        /* With an owner, the daemon handler runs once its node name is read (node-name.c). */
        client_node_name_reset(c);
        if (!c->owner && c->daemon_handler && was_known)
                CLIENT_DISPATCH(c, c->daemon_handler(c, NULL, c->daemon_userdata));
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        PtpsyncClient *c = userdata;
        const char *name, *old_owner, *new_owner;

        /* Only the bus driver speaks for the bus: a peer's signal of this shape is a forgery. */
        if (!streq_ptr(sd_bus_message_get_sender(m), DBUS_NAME)) {
                c->n_forged++;
                return 0;
        }
        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) <= 0 || !streq(name, BUS_NAME))
                return 0;
        client_set_owner(c, isempty(new_owner) ? NULL : new_owner);
        return 0;
}

static int on_get_name_owner(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        PtpsyncClient *c = userdata;
        const char *owner = NULL;

        if (!sd_bus_message_is_method_error(m, NULL) && sd_bus_message_read(m, "s", &owner) <= 0)
                owner = NULL;
        /* NameHasNoOwner: nobody owns it (yet). */
        client_set_owner(c, owner);
        return 0;
}

bool client_check_sender(PtpsyncClient *c, sd_bus_message *m) {
        const char *sender = sd_bus_message_get_sender(m);

        if (c->owner && sender && streq(sender, c->owner))
                return true;
        c->n_forged++;
        return false;
}

_public_ const char *ptpsync_client_get_daemon_owner(PtpsyncClient *c) {
        assert_return(c, NULL);
        return c->owner;
}

_public_ uint64_t ptpsync_client_get_n_forged(PtpsyncClient *c) {
        assert_return(c, 0);
        return c->n_forged;
}

_public_ const char *ptpsync_client_get_unique_name(PtpsyncClient *c) {
        const char *name = NULL;

        assert_return(c, NULL);
        if (sd_bus_get_unique_name(c->bus, &name) < 0)
                return NULL;
        return name;
}

/* ---- signal matches ---- */

static int on_broadcast_event(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        PtpsyncClient *c = userdata;
        PtpsyncEvent *e = NULL;

        if (!client_check_sender(c, m))
                return 0;
        if (sd_bus_message_has_signature(m, EVENT_SIGNATURE_FIELDS) <= 0 || event_read(m, &e) < 0)
                return 0;
        watches_dispatch(c, e);
        waits_event(c, e);
        ptpsync_event_unref(e);
        return 0;
}

int client_watch_broadcast(PtpsyncClient *c) {
        if (c->broadcast_match)
                return 0;
        /* No sender in the rule: a well-known sender cannot be checked locally anyway; we check the unique name. */
        return sd_bus_match_signal_async(c->bus, &c->broadcast_match, NULL, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "Event",
                                         on_broadcast_event, NULL, c);
}

static int on_subscription_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        return subscription_signal(userdata, m);
}

static int on_interfaces_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        return subscription_object_removed(userdata, m);
}

int client_watch_subscriptions(PtpsyncClient *c) {
        int r;

        /* Event and DeadLettered are sent to us alone; the match is what dispatches them here. */
        if (!c->subscription_match) {
                r = sd_bus_add_match_async(c->bus, &c->subscription_match,
                                           "type='signal',interface='" SUBSCRIPTION_INTERFACE "',"
                                           "path_namespace='/org/ptpsync1/subscription'",
                                           on_subscription_signal, NULL, c);
                if (r < 0)
                        return r;
        }
        /* A subscription cancelled by someone else (an administrator) ends here too. */
        if (!c->removed_match) {
                r = sd_bus_match_signal_async(c->bus, &c->removed_match, NULL, MANAGER_OBJECT_PATH,
                                              "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
                                              on_interfaces_removed, NULL, c);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        PtpsyncClient *c = userdata;

        free(c->owner);
        c->owner = NULL;
        client_node_name_forget(c);
        subscriptions_owner_changed(c, true);
        waits_disconnected(c);
        return 0;
}

/* ---- the client ---- */

static inline void client_freep(PtpsyncClient **c) {
        ptpsync_client_free(*c);
}

_public_ int ptpsync_client_new(PtpsyncClient **ret, const char *address) {
        _cleanup_(client_freep) PtpsyncClient *c = NULL;
        const char *unique;
        int r;

        assert_return(ret, -EINVAL);

        (void) sd_bus_error_add_map(ptpsync_bus_errors);

        c = calloc(1, sizeof(PtpsyncClient));
        if (!c)
                return -ENOMEM;
        c->cancelled.client = c;
        /* NULL is the system bus; anything else is an address, even "system" (bus_open()'s names are the daemon's). */
        r = address ? bus_open_address(&c->bus, address, 0) : sd_bus_open_system(&c->bus);
        if (r < 0)
                return r;
        /* Waits for Hello: a bus that does not answer is an error now, not a silent stall later. */
        r = sd_bus_get_unique_name(c->bus, &unique);
        if (r < 0)
                return r;

        r = sd_bus_match_signal_async(c->bus, &c->disconnected_match, "org.freedesktop.DBus.Local",
                                      "/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local", "Disconnected",
                                      on_disconnected, NULL, c);
        if (r < 0)
                return r;
        /* The order matters: the match first, then the question (see the top of this file). */
        r = sd_bus_add_match_async(c->bus, &c->owner_match,
                                   "type='signal',sender='" DBUS_NAME "',path='" DBUS_PATH "',"
                                   "interface='" DBUS_NAME "',member='NameOwnerChanged',"
                                   "arg0='" BUS_NAME "'",
                                   on_name_owner_changed, NULL, c);
        if (r < 0)
                return r;
        r = client_call_method(c, &c->owner_query, DBUS_NAME, DBUS_PATH, DBUS_NAME, "GetNameOwner",
                               on_get_name_owner, c, "s", BUS_NAME);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(c);
        return 0;
}

_public_ PtpsyncClient *ptpsync_client_free(PtpsyncClient *c) {
        if (!c)
                return NULL;

        while (c->calls)
                call_free(c->calls);
        while (c->watches)
                ptpsync_watch_free(c->watches);
        while (c->subscriptions) {
                PtpsyncSubscription *s = c->subscriptions;

                subscription_detach_from_client(s);
                subscription_unref(s); /* the user's reference */
        }

        client_slot_cancel(&c->owner_query);
        client_node_name_forget(c);
        /* Every call that waited went with what made it (nothing is left, but never send one now). */
        while (c->waiting)
                client_slot_cancel(c->waiting);
        /* The replies still out, those of calls cancelled meanwhile, go with the bus. */
        c->owner_match = sd_bus_slot_unref(c->owner_match);
        c->broadcast_match = sd_bus_slot_unref(c->broadcast_match);
        c->subscription_match = sd_bus_slot_unref(c->subscription_match);
        c->removed_match = sd_bus_slot_unref(c->removed_match);
        c->disconnected_match = sd_bus_slot_unref(c->disconnected_match);
        (void) ptpsync_client_detach_event(c);
        if (c->bus)
                sd_bus_flush_close_unref(c->bus);
        free(c->owner);
        free(c->error_name);
        free(c->error_message);
        free(c);
        return NULL;
}

/* ---- event loops ---- */

_public_ int ptpsync_client_attach_event(PtpsyncClient *c, sd_event *e, int64_t priority) {
        int r;

        assert_return(c, -EINVAL);
        assert_return(!c->event, -EBUSY);

        if (e)
                c->event = sd_event_ref(e);
        else {
                r = sd_event_default(&c->event);
                if (r < 0)
                        return client_set_error(c, NULL, r);
        }
        r = sd_bus_attach_event(c->bus, c->event, (int) priority);
        if (r < 0) {
                c->event = sd_event_unref(c->event);
                return client_set_error(c, NULL, r);
        }
        c->priority = priority;
        timers_changed(c);
        return 0;
}

_public_ int ptpsync_client_detach_event(PtpsyncClient *c) {
        assert_return(c, -EINVAL);
        if (!c->event)
                return -ENXIO;
        (void) sd_bus_detach_event(c->bus);
        c->timer_source = sd_event_source_disable_unref(c->timer_source);
        c->event = sd_event_unref(c->event);
        return 0;
}

_public_ int ptpsync_client_get_fd(PtpsyncClient *c) {
        assert_return(c, -EINVAL);
        return sd_bus_get_fd(c->bus);
}

_public_ int ptpsync_client_get_events(PtpsyncClient *c) {
        assert_return(c, -EINVAL);
        return sd_bus_get_events(c->bus);
}

_public_ int ptpsync_client_get_timeout(PtpsyncClient *c, uint64_t *ret_usec) {
        uint64_t t = UINT64_MAX;
        int r;

        assert_return(c, -EINVAL);
        assert_return(ret_usec, -EINVAL);

        r = sd_bus_get_timeout(c->bus, &t);
        if (r < 0)
                return r;
        if (c->timers && c->timers->usec < t)
                t = c->timers->usec;
        *ret_usec = t;
        return 0;
}

_public_ int ptpsync_client_process(PtpsyncClient *c) {
        assert_return(c, -EINVAL);
        assert_return(c->dispatching == 0, -EBUSY);

        if (run_due_timer(c) > 0)
                return 1;
        return sd_bus_process(c->bus, NULL);
}

_public_ int ptpsync_client_wait(PtpsyncClient *c, uint64_t timeout_usec) {
        struct pollfd p = {};
        uint64_t due, until, now;
        struct timespec ts;
        int r;

        assert_return(c, -EINVAL);
        assert_return(c->dispatching == 0, -EBUSY);

        r = ptpsync_client_get_timeout(c, &due);
        if (r < 0)
                return r;
        now = now_monotonic();
        if (due <= now)
                return 1; /* something is due already: a timer, or messages read and not yet dispatched */
        until = due;
        if (timeout_usec != UINT64_MAX && timeout_usec < until - now)
                until = now + timeout_usec;

        p.fd = ptpsync_client_get_fd(c);
        if (p.fd < 0)
                return p.fd;
        r = ptpsync_client_get_events(c);
        if (r < 0)
                return r;
        p.events = (short) r;
        if (until != UINT64_MAX) {
                ts.tv_sec = (time_t) ((until - now) / 1000000);
                ts.tv_nsec = (long) ((until - now) % 1000000) * 1000;
        }
        r = ppoll(&p, 1, until == UINT64_MAX ? NULL : &ts, NULL);
        if (r < 0)
                return errno == EINTR ? 0 : -errno;
        if (r > 0)
                return 1;
        return due <= now_monotonic() ? 1 : 0;
}
