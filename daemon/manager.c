/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <inttypes.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "manager-bus.h"
#include "manager.h"
#include "resource-bus.h"

/* Holdover expiry need not be exact to the microsecond, but a user reads it in ms. */
#define HOLDOVER_TIMER_ACCURACY_USEC (10 * USEC_PER_MSEC)

int manager_new(Manager **ret, sd_event *event, const char *node_name, SourceKind source,
                const Thresholds *thresholds) {
        _cleanup_(manager_freep) Manager *m = g_new0(Manager, 1);

        m->event = sd_event_ref(event);
        m->node_name = g_strdup(node_name);
        m->source = source;
        m->thresholds = *thresholds;
        m->auth = auth_registry_new();
        m->subscriptions = subscriptions_new(m);
        m->subscriptions_per_uid = SUBSCRIPTIONS_PER_UID_DEFAULT;
        for (ResourceKind k = 0; k < _RESOURCE_KIND_MAX; k++) {
                /* Only the simulator has a GNSS receiver until a real GNSS source exists. */
                if (k == RESOURCE_GNSS && source != SOURCE_SIM)
                        continue;
                m->resources[k] = resource_new(m, k, node_name);
        }

        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        /* Subscriptions before the pump and the peers they are registered with. */
        subscriptions_free(m->subscriptions);
        delivery_free(m->delivery);
        peers_free(m->peers);
        for (ResourceKind k = 0; k < _RESOURCE_KIND_MAX; k++)
                resource_free(m->resources[k]);
        auth_registry_free(m->auth);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        g_free(m->node_name);
        g_free(m);
        return NULL;
}

Resource *manager_get_resource(Manager *m, ResourceKind k) {
        assert(k >= 0 && k < _RESOURCE_KIND_MAX);
        return m->resources[k];
}

static uint64_t manager_now(Manager *m, clockid_t clock) {
        uint64_t t;

        if (sd_event_now(m->event, clock, &t) < 0)
                t = now_usec(clock);
        return t;
}

static void manager_publish(Manager *m, Resource *r, Event *e, bool value_changed) {
        e->seq = ++m->last_seq;
        r->sequence = e->seq;
        r->last_change_usec = (uint64_t) e->time_usec;
        log_info("Event %" PRIu64 ": %s is %s", e->seq, r->address, r->value ?: "unknown");
        manager_bus_emit_event(m, e);
        resource_bus_emit_changed(r, value_changed);
        subscriptions_dispatch(m->subscriptions, e);
}

static void manager_update_sync_state(Manager *m) {
        Resource *r = m->resources[RESOURCE_SYNC_STATE];
        _cleanup_(event_unrefp) Event *e = NULL;

        if (!resource_update_sync_state(r, m->resources[RESOURCE_LOCK_STATE], m->resources[RESOURCE_OS_CLOCK]))
                return;
        e = resource_change_event(r, NULL, (int64_t) manager_now(m, CLOCK_REALTIME));
        manager_publish(m, r, e, true);
        manager_bus_emit_manager_changed(m, "SyncState");
        manager_update_status(m);
}

/* After a value of clock c changed: its event, the resource's, and the node's. */
static void manager_clock_changed(Manager *m, Clock *c) {
        Resource *r = c->resource;
        _cleanup_(event_unrefp) Event *e = NULL;
        bool value_changed;

        value_changed = resource_update_value(r);
        e = resource_change_event(r, c, (int64_t) manager_now(m, CLOCK_REALTIME));
        manager_publish(m, r, e, value_changed);
        if (!value_changed)
                return;
        if (r->kind == RESOURCE_CLOCK_CLASS) {
                manager_bus_emit_manager_changed(m, "ClockClass");
                manager_update_status(m);
        } else if (resource_kind_is_sync(r->kind))
                manager_update_sync_state(m);
}

static void clock_sync_transition(Manager *m, Clock *c);

static int on_holdover_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Clock *c = userdata;

        /* The deadline itself, not "now": expiry is defined at the deadline. */
        if (clock_sync_expire(&c->sync, usec))
                clock_sync_transition(c->resource->manager, c);
        return 0;
}

static void clock_arm_holdover_timer(Manager *m, Clock *c) {
        int r;

        if (c->sync.state != SYNC_STATE_HOLDOVER) {
                (void) sd_event_source_set_enabled(c->holdover_timer, SD_EVENT_OFF);
                return;
        }
        if (c->holdover_timer) {
                r = sd_event_source_set_time(c->holdover_timer, c->sync.holdover_deadline);
                if (r >= 0)
                        r = sd_event_source_set_enabled(c->holdover_timer, SD_EVENT_ONESHOT);
        } else
                r = sd_event_add_time(m->event, &c->holdover_timer, CLOCK_MONOTONIC,
                                      c->sync.holdover_deadline, HOLDOVER_TIMER_ACCURACY_USEC,
                                      on_holdover_timer, c);
        if (r < 0)
                /* Without the timer HOLDOVER would last forever: say so loudly. */
                log_error_errno(r, "Failed to arm the holdover timer of %s: %m", c->name);
}

static void clock_sync_transition(Manager *m, Clock *c) {
        g_free(c->value);
        c->value = g_strdup(sync_state_to_string(c->sync.state));
        c->offset_ns = c->sync.offset_ns;
        clock_arm_holdover_timer(m, c);
        manager_clock_changed(m, c);
}

int manager_observe_sync(Manager *m, ResourceKind k, const char *clock, Observation o, int64_t offset_ns) {
        Resource *r = manager_get_resource(m, k);
        uint64_t now = manager_now(m, CLOCK_MONOTONIC);
        Clock *c;

        assert(resource_kind_is_sync(k));
        if (!r)
                return -ENOENT;

        c = resource_ensure_clock(r, clock);
        /* A late timer must not let an observation jump over the expiry: see sync-state.h. */
        if (clock_sync_expire(&c->sync, now))
                clock_sync_transition(m, c);
        if (clock_sync_observe(&c->sync, &m->thresholds, o, offset_ns, now))
                clock_sync_transition(m, c);
        else
                c->offset_ns = c->sync.offset_ns;
        return 0;
}

int manager_observe_value(Manager *m, ResourceKind k, const char *clock, const char *value, int64_t offset_ns) {
        Resource *r = manager_get_resource(m, k);
        Clock *c;

        assert(!resource_kind_is_sync(k) && k != RESOURCE_SYNC_STATE);
        if (!r)
                return -ENOENT;

        c = resource_ensure_clock(r, clock);
        c->offset_ns = offset_ns;
        if (streq_ptr(c->value, value))
                return 0;
        g_free(c->value);
        c->value = g_strdup(value);
        manager_clock_changed(m, c);
        return 0;
}

void manager_update_status(Manager *m) {
        const Resource *sync = m->resources[RESOURCE_SYNC_STATE];
        const Resource *class = m->resources[RESOURCE_CLOCK_CLASS];
        g_autofree char *status = NULL;

        if (!sync->value)
                status = g_strdup("STATUS=Waiting for the first observation of PTP and the system clock");
        else if (class->value)
                status = g_strdup_printf("STATUS=Node %s, clock class %s", sync->value, class->value);
        else
                status = g_strdup_printf("STATUS=Node %s", sync->value);
        (void) sd_notify(false, status);
}
