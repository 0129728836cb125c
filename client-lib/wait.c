/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Waiting until resources reach a state
 *
 * A wait asks GetCurrentState(address) and looks whether every resource in
 * the answer is in the state; it asks again on every broadcast Event from the
 * daemon whose source matches, and whenever the daemon (re)appears. Asking
 * rather than reading the Event itself matters: a lock-state change event
 * carries only the clock that changed, while the resource is in a state only
 * when all its clocks are. The broadcast match is added before the first
 * question, so no change after it can be missed. A daemon that is not there,
 * or has no data yet, is simply not in the state yet. A relative address
 * waits for the node name too (node-name.c) and is resolved once it is known.
 */

#include "ptpsync-internal.h"
#include "common/quote.h"

/* The states O-RAN gives resources: sync, lock and OS clock states, GNSS states; a clock class is a number. */
static const char *const state_names[] = {
        "LOCKED", "HOLDOVER", "FREERUN",
        "SYNCHRONIZED", "ACQUIRING-SYNC", "ANTENNA-DISCONNECTED", "ANTENNA-SHORT-CIRCUIT", "BOOTING",
        "FAILURE-MULTIPATH", "FAILURE-NOFIX", "FAILURE-LOW-SNR", "FAILURE-PLL",
};

/* A clock class: 0..255 in decimal, without a sign or leading zeros ("6", not "06"). */
static bool clock_class_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > 3 || strspn(s, "0123456789") != n || (n > 1 && s[0] == '0'))
                return false;
        return atoi(s) <= 255;
}

static int check_state(PtpsyncClient *c, const char *state) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        if (!isempty(state)) {
                if (clock_class_is_valid(state))
                        return 0;
                for (size_t i = 0; i < ELEMENTSOF(state_names); i++)
                        if (streq(state, state_names[i]))
                                return 0;
        }
        (void) sd_bus_error_setf(&e, SD_BUS_ERROR_INVALID_ARGS,
                                 "Invalid state %s: not LOCKED, HOLDOVER, FREERUN, a GNSS state "
                                 "such as SYNCHRONIZED, or a clock class 0..255", QUOTE(state ?: ""));
        r = client_set_error(c, &e, -EINVAL);
        sd_bus_error_free(&e);
        return r;
}

/* Every notification value is state; or, for a resource that has none (clock class), every value is. */
static bool resource_in_state(const PtpsyncEvent *e, const char *state) {
        bool any_notification = false;

        for (size_t i = 0; i < e->n_values; i++)
                if (streq(e->values[i].data_type, "notification")) {
                        any_notification = true;
                        if (!streq(e->values[i].value, state))
                                return false;
                }
        if (any_notification)
                return true;
        if (e->n_values == 0)
                return false;
        for (size_t i = 0; i < e->n_values; i++)
                if (!streq(e->values[i].value, state))
                        return false;
        return true;
}

static void wait_finish(PtpsyncCall *call, int error) {
        PtpsyncClient *c = call->client;
        ptpsync_result_handler_t handler = call->handler;
        void *userdata = call->userdata;

        call_free(call);
        CLIENT_DISPATCH(c, handler(c, error, userdata));
}

/* The errors that only say "not there yet". */
static bool error_is_transient(const sd_bus_error *e) {
        return sd_bus_error_has_names(e, BUS_ERROR_NO_DATA, SD_BUS_ERROR_SERVICE_UNKNOWN,
                                      SD_BUS_ERROR_NAME_HAS_NO_OWNER, SD_BUS_ERROR_NO_REPLY,
                                      SD_BUS_ERROR_DISCONNECTED);
}

static int wait_query(PtpsyncCall *call);

static int on_wait_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        PtpsyncCall *call = userdata;
        PtpsyncClient *c = call->client;
        PtpsyncEventList *l = NULL;
        bool reached = false;
        int r;

        if (sd_bus_message_is_method_error(m, NULL)) {
                if (!error_is_transient(sd_bus_message_get_error(m))) {
                        wait_finish(call, client_set_error_from_message(c, m));
                        return 0;
                }
        } else {
                r = event_list_read(m, &l);
                if (r < 0) {
                        wait_finish(call, client_set_error(c, NULL, r));
                        return 0;
                }
                reached = l->n > 0;
                for (size_t i = 0; i < l->n; i++)
                        reached = reached && resource_in_state(l->events[i], call->state);
                ptpsync_event_list_free(l);
        }

        if (reached) {
                wait_finish(call, 0);
                return 0;
        }
        if (call->check_once) {
                wait_finish(call, client_set_error(c, NULL, -ETIMEDOUT));
                return 0;
        }
        if (call->requery) {
                call->requery = false;
                r = wait_query(call);
                if (r < 0)
                        wait_finish(call, client_set_error(c, NULL, r));
        }
        return 0;
}

static int wait_query(PtpsyncCall *call) {
        PtpsyncClient *c = call->client;
        _cleanup_free_ char *address = NULL;
        int r;

        if (!client_slot_is_idle(&call->slot)) {
                /* One question at a time (out, or waiting its turn): its answer may be older than what we heard. */
                call->requery = true;
                return 0;
        }
        r = client_resolve_address(c, call->address, &address);
        if (r == -EAGAIN)
                return 0; /* asked when the node name is known (waits_node_name_changed()) */
        if (r < 0)
                return r;
        return client_call_method(c, &call->slot, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                  "GetCurrentState", on_wait_reply, call, "s", address);
}

static void on_wait_timer(Timer *t, void *userdata) {
        PtpsyncCall *call = userdata;

        wait_finish(call, client_set_error(call->client, NULL, call->error < 0 ? call->error : -ETIMEDOUT));
}

/* Ends the wait from its timer (never right here) with error. */
static void wait_fail_soon(PtpsyncCall *call, int error) {
        call->error = error;
        call->timer.usec = 0;
        timer_start(call->client, &call->timer);
}

/*
 * Called while walking the list of calls: never finishes a wait right here (its
 * handler could free the next one). A failure fires the wait's timer at once instead.
 */
static void wait_poke(PtpsyncCall *call) {
        int r = wait_query(call);

        if (r < 0)
                wait_fail_soon(call, r);
}

/*
 * A relative address whose node name cannot be known now: its read failed (that error), or no
 * daemon is on the bus, which a look at the current state (timeout 0) takes as "not in the state".
 * Others keep waiting for the daemon.
 */
static void wait_unresolved(PtpsyncCall *call) {
        PtpsyncClient *c = call->client;

        if (c->node_name_error < 0)
                wait_fail_soon(call, c->node_name_error);
        else if (call->check_once && c->owner_known && !c->owner)
                wait_fail_soon(call, -ETIMEDOUT);
}

void waits_node_name_changed(PtpsyncClient *c) {
        for (PtpsyncCall *call = c->calls; call; call = call->calls_next) {
                if (call->kind != CALL_WAIT || !address_is_relative(call->address))
                        continue;
                if (c->node_name)
                        wait_poke(call);
                else
                        wait_unresolved(call);
        }
}

void waits_event(PtpsyncClient *c, const PtpsyncEvent *e) {
        for (PtpsyncCall *call = c->calls; call; call = call->calls_next)
                if (call->kind == CALL_WAIT && client_address_matches(call->address, e->source))
                        wait_poke(call);
}

void waits_daemon_appeared(PtpsyncClient *c) {
        for (PtpsyncCall *call = c->calls; call; call = call->calls_next)
                if (call->kind == CALL_WAIT)
                        wait_poke(call);
}

void waits_disconnected(PtpsyncClient *c) {
        for (PtpsyncCall *call = c->calls; call; call = call->calls_next)
                if (call->kind == CALL_WAIT)
                        wait_fail_soon(call, -ECONNRESET);
}

_public_ int ptpsync_client_wait_for_state_async(PtpsyncClient *c, const char *address, const char *state,
                                                 uint64_t timeout_usec, ptpsync_result_handler_t handler,
                                                 void *userdata, PtpsyncCall **ret_call) {
        PtpsyncCall *call;
        int r;

        assert_return(c, -EINVAL);
        assert_return(handler, -EINVAL);
        r = client_check_address(c, address);
        if (r < 0)
                return r;
        r = check_state(c, state);
        if (r < 0)
                return r;

        r = client_watch_broadcast(c);
        if (r < 0)
                return client_set_error(c, NULL, r);

        call = call_new(c, CALL_WAIT, (void *) handler, userdata);
        if (!call)
                return client_set_error(c, NULL, -ENOMEM);
        call->address = strdup(address);
        call->state = strdup(state);
        if (!call->address || !call->state) {
                call_free(call);
                return client_set_error(c, NULL, -ENOMEM);
        }
        call->timer.handler = on_wait_timer;
        call->timer.userdata = call;
        call->check_once = timeout_usec == 0;

        r = wait_query(call);
        if (r < 0) {
                call_free(call);
                return client_set_error(c, NULL, r);
        }
        if (timeout_usec != 0 && timeout_usec != UINT64_MAX) {
                struct timespec ts;

                clock_gettime(CLOCK_MONOTONIC, &ts);
                call->timer.usec = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000 + timeout_usec;
                timer_start(c, &call->timer);
        }
        if (address_is_relative(address) && !c->node_name)
                wait_unresolved(call); /* after the timeout's timer: a failure now replaces it */
        if (ret_call)
                *ret_call = call;
        return 0;
}

static void on_sync_wait_done(PtpsyncClient *c, int error, void *userdata) {
        int *result = userdata;

        *result = error;
}

_public_ int ptpsync_client_wait_for_state(PtpsyncClient *c, const char *address, const char *state,
                                           uint64_t timeout_usec) {
        PtpsyncCall *call;
        int result = 1, r;

        assert_return(c, -EINVAL);
        assert_return(c->dispatching == 0, client_set_error(c, NULL, -EBUSY));

        r = ptpsync_client_wait_for_state_async(c, address, state, timeout_usec, on_sync_wait_done, &result,
                                                &call);
        if (r < 0)
                return r;
        while (result > 0) {
                r = ptpsync_client_process(c);
                if (r > 0)
                        continue;
                if (r == 0)
                        r = ptpsync_client_wait(c, UINT64_MAX);
                if (r < 0) {
                        if (result > 0)
                                ptpsync_call_cancel(call);
                        return client_set_error(c, NULL, r);
                }
        }
        return result;
}
