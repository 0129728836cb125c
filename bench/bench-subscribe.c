/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A receiver's set-up as a ptpsync subscriber: Manager.Subscribe to the
 * lock-state address with the options of a SubscribeSpec. Shared by
 * ptpsync-bench (its ptpsyncd rigs and the RSS run) and ptpsync-ptp-latency
 * (its subscribers of the real path).
 */

#include <errno.h>
#include <stdarg.h>

#include "bench.h"

/* Subscribe and its first question to the bus for the caller's uid, on a loaded machine. */
#define SETUP_TIMEOUT_USEC (180 * USEC_PER_SEC)

static int subscribe_one(Receiver *r);

static int on_subscribed(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Receiver *r = userdata;
        const SubscribeSpec *spec = r->clients->setup_userdata;
        const char *path;
        int k;

        if (clients_reply_failed(r->clients, reply, "Subscribe"))
                return 0;
        k = sd_bus_message_read(reply, "o", &path);
        if (k < 0) {
                clients_fail(r->clients, "Subscribe: unexpected reply: %s", strerror(-k));
                return 0;
        }
        if (!r->path) {
                r->path = g_strdup(path);
                /* The first answer makes this connection an owner the daemon knows the uid of: the
                 * others need no question to the bus each, so they can all go at once now. */
                for (unsigned i = 1; i < spec->per_connection; i++) {
                        k = subscribe_one(r);
                        if (k < 0) {
                                clients_fail(r->clients, "cannot call Subscribe: %s", strerror(-k));
                                return 0;
                        }
                }
        }
        receiver_setup_done(r);
        return 0;
}

static int append_option(sd_bus_message *m, const char *key, const char *type, ...) {
        va_list ap;
        int r;

        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", key);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', type);
        if (r >= 0) {
                va_start(ap, type);
                r = sd_bus_message_appendv(m, type, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static int subscribe_one(Receiver *r) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        const SubscribeSpec *spec = r->clients->setup_userdata;
        /* Unique per uid: one per connection, or one per subscription of a connection. */
        g_autofree char *name = spec->per_connection > 1 ? g_strdup_printf("bench-%u-%u", r->index, r->calls)
                                                         : g_strdup_printf("bench-%u", r->index);
        int k;

        k = sd_bus_message_new_method_call(r->bus, &m, BUS_NAME, MANAGER_OBJECT_PATH,
                                           MANAGER_INTERFACE, "Subscribe");
        if (k >= 0)
                k = sd_bus_message_append(m, "s", BENCH_ADDRESS);
        if (k >= 0)
                k = sd_bus_message_open_container(m, 'a', "{sv}");
        if (k >= 0)
                k = append_option(m, "Ordered", "b", (int) spec->ordered);
        if (k >= 0 && !spec->ordered)
                k = append_option(m, "Window", "u", (uint32_t) BENCH_WINDOW);
        if (k >= 0 && spec->durable)
                k = append_option(m, "Name", "s", name);
        if (k >= 0)
                k = sd_bus_message_close_container(m);
        if (k >= 0)
                k = sd_bus_call_async(r->bus, NULL, m, on_subscribed, r, SETUP_TIMEOUT_USEC);
        if (k < 0)
                return k;
        r->setup_pending++;
        r->calls++;
        return 0;
}

int subscriber_setup(Receiver *r, void *userdata) {
        return subscribe_one(r);
}
