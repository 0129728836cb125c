/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "bus/bus-face.h"
#include "bus/manager-bus.h"
#include "bus/resource-bus.h"
#include "bus/subscription-bus.h"
#include "common/bus-errors.h"
#include "common/log.h"

BusFace *bus_face_free(BusFace *f) {
        if (!f)
                return NULL;
        /* The manager is gone by now (or was told to forget us): f->manager is not to be touched. */
        peers_free(f->peers);
        auth_registry_free(f->auth);
        sd_bus_flush_close_unref(f->bus);
        g_free(f);
        return NULL;
}

void bus_face_set_reload(BusFace *f, BusReloadHandler handler, void *userdata) {
        f->reload = handler;
        f->reload_userdata = userdata;
}

/* --- the engine's ops ------------------------------------------------------------------------- */

static void op_event_announced(void *userdata, const Event *e) {
        BusFace *f = userdata;

        manager_bus_emit_event(f->manager, e);
}

static void op_resource_changed(void *userdata, Resource *r, bool value_changed, bool with_event) {
        resource_bus_emit_changed(r, value_changed, with_event);
}

static void op_manager_changed(void *userdata, const char *property) {
        BusFace *f = userdata;

        manager_bus_emit_manager_changed(f->manager, property);
}

static void op_subscription_added(void *userdata, Subscription *s) {
        BusFace *f = userdata;

        manager_bus_emit_object_added(f->manager, s->object_path);
}

static void op_subscription_removed(void *userdata, Subscription *s) {
        BusFace *f = userdata;

        manager_bus_emit_object_removed(f->manager, s->object_path);
}

static void op_owner_changed(void *userdata, Subscription *s) {
        subscription_bus_emit_owner_changed(s);
}

static void op_send_event(void *userdata, Subscription *s, const Event *e, uint32_t attempt) {
        subscription_bus_send_event(s, e, attempt);
}

static void op_send_dead_lettered(void *userdata, Subscription *s, uint64_t seq, DeadLetterReason reason) {
        subscription_bus_send_dead_lettered(s, seq, reason);
}

/* A Peer.Ping in flight: its slot, and whom to tell. Freed with the slot. */
typedef struct Ping {
        sd_bus_slot *slot;
        EnginePingDone done;
        void *userdata;
} Ping;

static int on_ping_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Ping *p = userdata;
        EnginePingDone done = p->done;
        void *done_userdata = p->userdata;

        /* p goes with the slot, once sd-bus lets go of it after this callback. */
        sd_bus_slot_unref(TAKE_PTR(p->slot));
        done(done_userdata, !sd_bus_message_is_method_error(reply, NULL));
        return 0;
}

static void ping_destroy(void *userdata) {
        g_free(userdata);
}

static int op_ping(void *userdata, const char *owner, EnginePingDone done, void *done_userdata, void **ret_handle) {
        BusFace *f = userdata;
        Ping *p = g_new0(Ping, 1);
        int r;

        p->done = done;
        p->userdata = done_userdata;
        r = subscription_bus_ping(f->manager, owner, on_ping_reply, p, &p->slot);
        if (r >= 0)
                r = sd_bus_slot_set_destroy_callback(p->slot, ping_destroy);
        if (r < 0) {
                if (p->slot)
                        sd_bus_slot_unref(p->slot); /* no destroy callback yet: p is ours */
                g_free(p);
                return r;
        }
        *ret_handle = p;
        return 0;
}

static void op_ping_cancel(void *userdata, void *handle) {
        Ping *p = handle;

        sd_bus_slot_unref(p->slot); /* frees p */
}

static bool op_output_congested(void *userdata) {
        BusFace *f = userdata;
        uint64_t queued = 0;

        (void) sd_bus_get_n_queued_write(f->bus, &queued);
        return queued >= BUS_FACE_CONGESTED_QUEUE;
}

const EngineOps bus_face_engine_ops = {
        .event_announced = op_event_announced,
        .resource_changed = op_resource_changed,
        .manager_changed = op_manager_changed,
        .subscription_added = op_subscription_added,
        .subscription_removed = op_subscription_removed,
        .owner_changed = op_owner_changed,
        .send_event = op_send_event,
        .send_dead_lettered = op_send_dead_lettered,
        .ping = op_ping,
        .ping_cancel = op_ping_cancel,
        .output_congested = op_output_congested,
};

/* --- answers once durable --------------------------------------------------------------------- */

typedef struct DurableReply {
        sd_bus_message *call;
        sd_bus_message *reply; /* NULL: an empty one */
} DurableReply;

static void durable_reply_free(void *userdata) {
        DurableReply *x = userdata;

        sd_bus_message_unref(x->call);
        sd_bus_message_unref(x->reply);
        g_free(x);
}

static void on_reply_durable(void *userdata, const char *failure) {
        DurableReply *x = userdata;

        if (failure)
                (void) sd_bus_reply_method_errorf(x->call, BUS_ERROR_STORE_FAILED, "%s", failure);
        else if (x->reply)
                (void) sd_bus_send(NULL, x->reply, NULL);
        else
                (void) sd_bus_reply_method_return(x->call, NULL);
}

static void reply_when_durable(Manager *m, sd_bus_message *call, sd_bus_message *reply, Subscription *made) {
        DurableReply *x = g_new0(DurableReply, 1);

        x->call = sd_bus_message_ref(call);
        x->reply = reply ? sd_bus_message_ref(reply) : NULL;
        manager_when_durable(m, DURABLE_REPLY, on_reply_durable, x, durable_reply_free, made);
}

void bus_reply_when_durable(Manager *m, sd_bus_message *call, sd_bus_message *reply) {
        reply_when_durable(m, call, reply, NULL);
}

int bus_reply_subscribed_when_durable(Manager *m, sd_bus_message *call, Subscription *s) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "o", s->object_path);
        if (r < 0)
                return r;
        reply_when_durable(m, call, reply, s);
        return 0;
}

static void on_send_durable(void *userdata, const char *failure) {
        sd_bus_message *message = userdata;
        int r;

        r = sd_bus_send(NULL, message, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to send %s to %s: %m", strna(sd_bus_message_get_member(message)),
                                  strna(sd_bus_message_get_destination(message)));
}

static void message_unref(void *userdata) {
        sd_bus_message_unref(userdata);
}

void bus_send_when_durable(Manager *m, sd_bus_message *message) {
        manager_when_durable(m, DURABLE_HOLD, on_send_durable, sd_bus_message_ref(message), message_unref, NULL);
}
