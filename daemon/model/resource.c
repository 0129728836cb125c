/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <inttypes.h>

#include "common/address.h"
#include "common/bus-names.h"
#include "model/alias.h"
#include "model/resource.h"

static const ResourceInfo resource_table[_RESOURCE_KIND_MAX] = {
        [RESOURCE_SYNC_STATE] = { "sync/sync-status/sync-state", "sync-state",
                                  "event.sync.sync-status.synchronization-state-change" },
        [RESOURCE_LOCK_STATE] = { "sync/ptp-status/lock-state", "lock-state",
                                  "event.sync.ptp-status.ptp-state-change" },
        [RESOURCE_OS_CLOCK] = { "sync/sync-status/os-clock-sync-state", "os-clock-sync-state",
                                "event.sync.sync-status.os-clock-sync-state-change" },
        [RESOURCE_CLOCK_CLASS] = { "sync/ptp-status/clock-class", "clock-class",
                                   "event.sync.ptp-status.ptp-clock-class-change" },
        [RESOURCE_GNSS] = { "sync/gnss-status/gnss-sync-status", "gnss-sync-status",
                            "event.sync.gnss-status.gnss-state-change" },
};

/* The O-RAN kinds without a ResourceKind: no source of this daemon reads SyncE. */
static const char *const sourceless_suffixes[] = {
        "sync/synce-status/lock-state",
        "sync/synce-status/clock-quality",
};

static const char *const gnss_states[] = {
        "SYNCHRONIZED",      "ACQUIRING-SYNC",   "ANTENNA-DISCONNECTED",
        "ANTENNA-SHORT-CIRCUIT", "BOOTING",      "FAILURE-MULTIPATH",
        "FAILURE-NOFIX",     "FAILURE-LOW-SNR",  "FAILURE-PLL",
};

const ResourceInfo *resource_info(ResourceKind k) {
        assert(k >= 0 && k < _RESOURCE_KIND_MAX);
        return &resource_table[k];
}

ResourceKind resource_kind_from_suffix(const char *suffix) {
        if (!suffix)
                return _RESOURCE_KIND_INVALID;
        if (suffix[0] == '/')
                suffix++;
        for (ResourceKind k = 0; k < _RESOURCE_KIND_MAX; k++)
                if (streq(resource_table[k].suffix, suffix))
                        return k;
        return _RESOURCE_KIND_INVALID;
}

static bool address_covers(const char *node, const char *suffix, const char *address) {
        g_autofree char *resource = address_for_resource(node, suffix);

        return address_matches(address, resource);
}

bool resource_address_is_known(const char *node, const char *address) {
        if (!node || !address)
                return false;
        for (ResourceKind k = 0; k < _RESOURCE_KIND_MAX; k++)
                if (address_covers(node, resource_table[k].suffix, address))
                        return true;
        for (size_t i = 0; i < ELEMENTSOF(sourceless_suffixes); i++)
                if (address_covers(node, sourceless_suffixes[i], address))
                        return true;
        return false;
}

const char *resource_event_type_intern(const char *type) {
        for (ResourceKind k = 0; k < _RESOURCE_KIND_MAX; k++)
                if (streq_ptr(resource_table[k].event_type, type))
                        return resource_table[k].event_type;
        return NULL;
}

bool gnss_state_is_valid(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(gnss_states); i++)
                if (streq_ptr(gnss_states[i], s))
                        return true;
        return false;
}

char *resource_object_path_encode(const char *prefix, const char *suffix) {
        static const char hex[] = "0123456789abcdef";
        GString *path = g_string_new(prefix);

        g_string_append_c(path, '/');
        if (isempty(suffix))
                g_string_append_c(path, '_');
        for (const char *c = suffix; c && *c; c++) {
                unsigned char b = (unsigned char) *c;

                /* As sd-bus escapes a label: a digit is kept only after the first character. */
                if (g_ascii_isalpha(b) || (c > suffix && g_ascii_isdigit(b)))
                        g_string_append_c(path, *c);
                else {
                        g_string_append_c(path, '_');
                        g_string_append_c(path, hex[b >> 4]);
                        g_string_append_c(path, hex[b & 0xf]);
                }
        }
        return g_string_free(path, false);
}

Resource *resource_new(Manager *m, ResourceKind kind, const char *node_name) {
        Resource *r = g_new0(Resource, 1);

        r->manager = m;
        r->kind = kind;
        r->info = resource_info(kind);
        r->address = address_for_resource(node_name, r->info->suffix);
        r->object_path = resource_object_path_encode(RESOURCE_OBJECT_PREFIX, r->info->suffix);
        r->clocks = g_ptr_array_new();
        return r;
}

static void clock_free(Clock *c) {
        if (c->holdover_timer)
                c->holdover_timer_free(c->holdover_timer);
        g_free(c->name);
        g_free(c->value_address);
        g_free(c->value);
        g_free(c->announced_value);
        g_free(c);
}

Resource *resource_free(Resource *r) {
        if (!r)
                return NULL;
        for (guint i = 0; i < r->clocks->len; i++)
                clock_free(r->clocks->pdata[i]);
        g_ptr_array_unref(r->clocks);
        g_free(r->address);
        g_free(r->object_path);
        g_free(r->value);
        g_free(r->announced_value);
        g_free(r);
        return NULL;
}

Clock *resource_find_clock(Resource *r, const char *name) {
        for (guint i = 0; i < r->clocks->len; i++) {
                Clock *c = r->clocks->pdata[i];

                if (streq(c->name, name))
                        return c;
        }
        return NULL;
}

static char *clock_value_address(const Resource *r, const char *name, const char *alias) {
        g_autofree char *derived = NULL;

        if (r->kind == RESOURCE_OS_CLOCK)
                return g_strdup(OS_CLOCK_NAME);
        if (!alias)
                alias = derived = interface_alias(name);
        return g_strconcat(alias, "/master", NULL);
}

Clock *resource_ensure_clock(Resource *r, const char *name, const char *alias) {
        Clock *c = resource_find_clock(r, name);

        if (c) {
                /* Back from retirement, under the alias it has now: nothing shows the old one any more. */
                if (c->retired) {
                        g_free(c->value_address);
                        c->value_address = clock_value_address(r, name, alias);
                        c->retired = false;
                }
                return c;
        }
        /* Callers validate what comes from outside; an invalid name here is a bug. */
        assert(r->kind == RESOURCE_OS_CLOCK ? streq(name, OS_CLOCK_NAME) : interface_name_is_valid(name));

        c = g_new0(Clock, 1);
        c->resource = r;
        c->name = g_strdup(name);
        c->value_address = clock_value_address(r, name, alias);
        c->sync = CLOCK_SYNC_INIT;
        c->offset_ns = c->announced_offset_ns = OFFSET_NONE;
        c->gps_fix = c->announced_gps_fix = GPS_FIX_NONE;
        g_ptr_array_add(r->clocks, c);
        return c;
}

void clock_retire(Clock *c) {
        g_clear_pointer(&c->value, g_free);
        c->offset_ns = OFFSET_NONE;
        c->gps_fix = GPS_FIX_NONE;
        c->sync = CLOCK_SYNC_INIT;
        c->retired = true;
}

static bool set_value(char **slot, const char *value) {
        if (streq_ptr(*slot, value))
                return false;
        g_free(*slot);
        *slot = g_strdup(value);
        return true;
}

/* The worse of two values of one kind: a higher state, a higher clock class, a GNSS fault. */
static const char *worse_value(ResourceKind k, const char *a, const char *b) {
        if (!a)
                return b;
        if (!b)
                return a;
        switch (k) {
        case RESOURCE_CLOCK_CLASS:
                return g_ascii_strtoull(b, NULL, 10) > g_ascii_strtoull(a, NULL, 10) ? b : a;
        case RESOURCE_GNSS:
                return streq(a, "SYNCHRONIZED") ? b : a;
        default:
                return sync_state_from_string(b) == sync_state_worst(sync_state_from_string(a),
                                                                     sync_state_from_string(b)) ? b : a;
        }
}

bool resource_update_value(Resource *r) {
        const char *worst = NULL;

        assert(r->kind != RESOURCE_SYNC_STATE);
        for (guint i = 0; i < r->clocks->len; i++) {
                const Clock *c = r->clocks->pdata[i];

                worst = worse_value(r->kind, worst, c->value);
        }
        return set_value(&r->value, worst);
}

/*
 * The node is synchronised only as far as both PTP and the system clock are:
 * until both have been observed there is no overall value to claim.
 */
bool resource_update_sync_state(Resource *r, const Resource *lock_state, const Resource *os_clock) {
        const char *v = NULL;

        assert(r->kind == RESOURCE_SYNC_STATE);
        if (lock_state && lock_state->value && os_clock && os_clock->value)
                v = worse_value(RESOURCE_SYNC_STATE, lock_state->value, os_clock->value);
        return set_value(&r->value, v);
}

static void add_clock_values(Event *e, ResourceKind k, const Clock *c, const char *value, int64_t offset_ns,
                             int gps_fix) {
        if (!value)
                return;
        if (k == RESOURCE_CLOCK_CLASS) {
                event_add_metric(e, c->value_address, (int64_t) g_ascii_strtoll(value, NULL, 10));
                return;
        }
        event_add_state(e, c->value_address, value);
        /* Not measured: no value, rather than a made-up 0. */
        if (offset_ns != OFFSET_NONE)
                event_add_metric(e, c->value_address, offset_ns);
        if (gps_fix != GPS_FIX_NONE) {
                g_autofree char *address = g_strconcat(c->value_address, GPS_FIX_SUFFIX, NULL);

                event_add_metric(e, address, gps_fix);
        }
}

Event *resource_change_event(Resource *r, Clock *c, int64_t time_usec) {
        Event *e = event_new(r->info->event_type, r->address, time_usec);

        if (r->kind == RESOURCE_SYNC_STATE)
                event_add_state(e, r->info->suffix, r->value);
        else if (c)
                add_clock_values(e, r->kind, c, c->value, c->offset_ns, c->gps_fix);
        else
                for (guint i = 0; i < r->clocks->len; i++) {
                        const Clock *each = r->clocks->pdata[i];

                        add_clock_values(e, r->kind, each, each->value, each->offset_ns, each->gps_fix);
                }
        return e;
}

void resource_prepare_announcement(Announcement *a, Resource *r, Clock *c, const Event *e) {
        *a = (Announcement) {
                .resource = r,
                .clock = c,
                .clock_value = c ? g_strdup(c->value) : NULL,
                .clock_offset_ns = c ? c->offset_ns : 0,
                .clock_gps_fix = c ? c->gps_fix : GPS_FIX_NONE,
                .value = g_strdup(r->value),
                .seq = e ? e->seq : 0,
                .time_usec = e ? (uint64_t) e->time_usec : 0,
        };
}

void resource_announce(Announcement *a) {
        Resource *r = a->resource;

        if (a->clock) {
                g_free(a->clock->announced_value);
                a->clock->announced_value = g_steal_pointer(&a->clock_value);
                a->clock->announced_offset_ns = a->clock_offset_ns;
                a->clock->announced_gps_fix = a->clock_gps_fix;
        }
        g_free(r->announced_value);
        r->announced_value = g_steal_pointer(&a->value);
        if (a->seq == 0)
                return;
        r->sequence = a->seq;
        r->last_change_usec = a->time_usec;
}

void announcement_done(Announcement *a) {
        g_clear_pointer(&a->clock_value, g_free);
        g_clear_pointer(&a->value, g_free);
}

Event *resource_current_state_event(const Resource *r) {
        Event *e;

        if (!r->announced_value)
                return NULL;

        e = event_new(r->info->event_type, r->address, (int64_t) r->last_change_usec);
        e->seq = r->sequence;
        if (r->kind == RESOURCE_SYNC_STATE)
                event_add_state(e, r->info->suffix, r->announced_value);
        else
                for (guint i = 0; i < r->clocks->len; i++) {
                        const Clock *c = r->clocks->pdata[i];

                        add_clock_values(e, r->kind, c, c->announced_value, c->offset_ns, c->announced_gps_fix);
                }
        return e;
}
