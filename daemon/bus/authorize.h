/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Authorisation with polkit, without blocking
 *
 * A privileged call is decided by polkit (org.freedesktop.PolicyKit1
 * CheckAuthorization, subject the caller's unique name, interactive when the
 * call allows it), asked asynchronously before anything changes: the handler
 * asks and returns; when the answer comes the verdict is kept against the
 * call, and the call is put back into sd-bus's read queue
 * (sd_bus_enqueue_for_read) to be dispatched afresh -- object lookup and
 * argument checks included -- and the second time the verdict is there. A
 * verdict that the second dispatch did not take (the object went away
 * meanwhile) is freed from an idle source, so nothing stays behind on any
 * path. This is systemd's bus-polkit pattern.
 *
 * uid 0 is allowed without asking. With no polkitd on the bus every action
 * falls back to what its shipped default grants anyone (allow_any):
 * subscribing, and nothing else, so only root may do the rest; the answer
 * (ServiceUnknown) comes at once, nobody waits.
 *
 * What one caller can have asked is bounded (AUTH_QUERIES_PER_PEER_MAX), and
 * so are our questions in flight (AUTH_CHECKS_MAX; the rest wait their turn):
 * the bus allows us 128 pending calls in all.
 *
 * In a method handler, after the caller's uid is known (peers.h):
 *
 *         r = authorize(m->auth, message, uid, AUTH_SIMULATE, error);
 *         if (r < 0)
 *                 return r;   (error set: denied or failed)
 *         if (r == 0)
 *                 return 1;   (asked; the call comes back later)
 *         ... authorised: change state, reply.
 */
#pragma once

#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "common/util.h"

#define AUTH_QUERIES_PER_PEER_MAX 16
#define AUTH_CHECKS_MAX 32

typedef enum AuthAction {
        AUTH_SUBSCRIBE, /* org.ptpsync1.subscribe */
        AUTH_MANAGE,    /* org.ptpsync1.manage: another user's subscriptions */
        AUTH_CONFIGURE, /* org.ptpsync1.configure: Reload */
        AUTH_SIMULATE,  /* org.ptpsync1.simulate: Inject */
        AUTH_WRITE_CLOCK_CLASS, /* org.ptpsync1.write-clock-class: SetClockClassWriter */
        _AUTH_ACTION_MAX,
} AuthAction;

const char *auth_action_id(AuthAction a);

typedef struct AuthRegistry AuthRegistry;

int auth_registry_new(AuthRegistry **ret, sd_event *event, sd_bus *bus);
AuthRegistry *auth_registry_free(AuthRegistry *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(AuthRegistry *, auth_registry_free);

/*
 * May the caller of call (uid) do action? Returns 1 when allowed, 0 when
 * polkit was asked (the handler returns 1 and does not reply: the call comes
 * back), -EACCES with error set when refused (AccessDenied, or
 * InteractiveAuthorizationRequired when authenticating would do and the call
 * did not allow interaction; one that allowed it and still was not authorised
 * gets AccessDenied), another negative errno with error set when it could not
 * be decided.
 */
int authorize(AuthRegistry *a, sd_bus_message *call, uid_t uid, AuthAction action, sd_bus_error *error);
/* The same, never interactive: for a question whose "no" is an answer, not a refusal (ListSubscriptions). */
int authorize_quietly(AuthRegistry *a, sd_bus_message *call, uid_t uid, AuthAction action, sd_bus_error *error);
