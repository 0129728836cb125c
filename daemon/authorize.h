/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Authorising callers without blocking
 *
 * Who is calling is a question for the bus (GetConnectionUnixUser), and a
 * synchronous round trip inside a method handler would stall every other
 * client. So the handler asks asynchronously and returns; when the answer
 * comes, the verdict is recorded against the method call message and the call
 * is put back in sd-bus's read queue (sd_bus_enqueue_for_read), so it is
 * dispatched afresh -- object lookup and argument checks included -- and the
 * second time the verdict is there. This is systemd's bus-polkit pattern; the
 * polkit check will slot into the same place.
 *
 * In a method handler:
 *
 *         r = authorize_root(m->auth, message, error);
 *         if (r < 0)
 *                 return r;   (error set: denied or failed)
 *         if (r == 0)
 *                 return 1;   (asked; the call comes back later)
 *         ... authorised: change state, reply.
 */
#pragma once

#include <systemd/sd-bus.h>

#include "util.h"

typedef struct AuthRegistry AuthRegistry;

AuthRegistry *auth_registry_new(void);
void auth_registry_free(AuthRegistry *a);

/*
 * The caller's uid. Returns 1 with *ret_uid set, 0 when the question is out
 * (the handler must return 1 and not reply: the call comes back), or a
 * negative errno with error set.
 */
int caller_uid(AuthRegistry *a, sd_bus_message *call, uid_t *ret_uid, sd_bus_error *error);

/*
 * Only uid 0 may go on. Returns 1 when allowed, 0 when the question is out,
 * or a negative errno with error set (org.freedesktop.DBus.Error.AccessDenied
 * when not root).
 */
int authorize_root(AuthRegistry *a, sd_bus_message *call, sd_bus_error *error);
