/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Events and the values each resource puts in them, checked field by field
 * against the O-RAN shapes, and their D-Bus encoding read back.
 */

#include <sys/socket.h>
#include <systemd/sd-bus.h>

#include "bus/event-bus.h"
#include "model/event.h"
#include "model/resource.h"
#include "test-util.h"

#define NODE "du1.example.com"

static void assert_value(const Event *e, guint i, const char *address, const char *data_type,
                         const char *value_type, const char *value) {
        const EventValue *v;

        g_assert_cmpuint(i, <, e->values->len);
        v = &g_array_index(e->values, EventValue, i);
        g_assert_cmpstr(v->address, ==, address);
        g_assert_cmpstr(v->data_type, ==, data_type);
        g_assert_cmpstr(v->value_type, ==, value_type);
        g_assert_cmpstr(v->value, ==, value);
}

static void test_event_new(void) {
        _cleanup_(event_unrefp) Event *a = event_new("t", "/s", 42);
        _cleanup_(event_unrefp) Event *b = event_new("t", "/s", 42);

        /* A version 4 UUID: 8-4-4-4-12 hex, '4' as the version digit, 8..b as the variant. */
        g_assert_true(g_regex_match_simple("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
                                           a->id, 0, 0));
        g_assert_cmpstr(a->id, !=, b->id);
        g_assert_cmpuint(a->seq, ==, 0);
        g_assert_cmpint(a->time_usec, ==, 42);
        g_assert_cmpstr(a->source, ==, "/s");
        g_assert_cmpuint(a->values->len, ==, 0);

        event_add_state(a, "ens1fx/master", "LOCKED");
        event_add_metric(a, "ens1fx/master", -3);
        event_add_metric(a, "x", INT64_MIN);
        assert_value(a, 0, "ens1fx/master", "notification", "enumeration", "LOCKED");
        assert_value(a, 1, "ens1fx/master", "metric", "decimal64.3", "-3");
        assert_value(a, 2, "x", "metric", "decimal64.3", "-9223372036854775808");

        g_assert_true(event_ref(a) == a);
        g_assert_cmpuint(a->n_ref, ==, 2);
        g_assert_null(event_unref(a));
        g_assert_cmpuint(a->n_ref, ==, 1);
}

/* A bus object is needed to make messages; a socketpair gives one without any daemon. */
static sd_bus *message_factory(int fds[2]) {
        sd_bus *bus = NULL;

        g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds), ==, 0);
        g_assert_cmpint(sd_bus_new(&bus), >=, 0);
        g_assert_cmpint(sd_bus_set_fd(bus, fds[0], fds[0]), >=, 0);
        g_assert_cmpint(sd_bus_start(bus), >=, 0);
        return bus;
}

static void test_event_bus_encoding(void) {
        _cleanup_(event_unrefp) Event *e = event_new("event.sync.ptp-status.ptp-state-change", "/a/b", -5);
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        const char *id, *type, *source, *addr, *dt, *vt, *value;
        uint64_t seq;
        int64_t time;
        int fds[2];

        e->seq = 7;
        event_add_state(e, "CLOCK_REALTIME", "FREERUN");
        bus = message_factory(fds);
        g_assert_cmpint(sd_bus_message_new_signal(bus, &m, "/p", "i.f", "Event"), >=, 0);
        g_assert_cmpint(event_bus_append(m, e), >=, 0);
        g_assert_cmpint(event_bus_append_fields(m, e), >=, 0);
        g_assert_cmpint(sd_bus_message_seal(m, 1, 0), >=, 0);
        g_assert_cmpstr(sd_bus_message_get_signature(m, true), ==, "(tsssxa(ssss))tsssxa(ssss)");

        g_assert_cmpint(sd_bus_message_rewind(m, true), >=, 0);
        g_assert_cmpint(sd_bus_message_enter_container(m, 'r', EVENT_SIGNATURE_FIELDS), >, 0);
        g_assert_cmpint(sd_bus_message_read(m, "tsssx", &seq, &id, &type, &source, &time), >, 0);
        g_assert_cmpuint(seq, ==, 7);
        g_assert_cmpstr(id, ==, e->id);
        g_assert_cmpstr(type, ==, "event.sync.ptp-status.ptp-state-change");
        g_assert_cmpstr(source, ==, "/a/b");
        g_assert_cmpint(time, ==, -5);
        g_assert_cmpint(sd_bus_message_read(m, "a(ssss)", 1, &addr, &dt, &vt, &value), >, 0);
        g_assert_cmpstr(addr, ==, "CLOCK_REALTIME");
        g_assert_cmpstr(value, ==, "FREERUN");
        g_assert_cmpint(sd_bus_message_exit_container(m), >, 0);
        close(fds[1]);
}

static void test_resource_table(void) {
        for (size_t i = 0; i < G_N_ELEMENTS(expected_resources); i++) {
                ResourceKind k = resource_kind_from_suffix(expected_resources[i].suffix);
                g_autofree char *slashed = g_strconcat("/", expected_resources[i].suffix, NULL);

                g_assert_cmpint(k, ==, (ResourceKind) i);
                g_assert_cmpint(resource_kind_from_suffix(slashed), ==, k);
                g_assert_cmpstr(resource_info(k)->kind, ==, expected_resources[i].kind);
                g_assert_cmpstr(resource_info(k)->event_type, ==, expected_resources[i].event_type);
        }
        g_assert_cmpint(resource_kind_from_suffix("sync/ptp-status"), ==, _RESOURCE_KIND_INVALID);
        g_assert_cmpint(resource_kind_from_suffix(""), ==, _RESOURCE_KIND_INVALID);
        g_assert_cmpint(resource_kind_from_suffix(NULL), ==, _RESOURCE_KIND_INVALID);
        g_assert_cmpint(resource_kind_from_suffix("//sync/ptp-status/lock-state"), ==, _RESOURCE_KIND_INVALID);

        g_assert_true(gnss_state_is_valid("SYNCHRONIZED"));
        g_assert_true(gnss_state_is_valid("FAILURE-NOFIX"));
        g_assert_false(gnss_state_is_valid("ACQUIRING_SYNC")); /* linuxptp-daemon's IPC spelling, not O-RAN's */
        g_assert_false(gnss_state_is_valid(""));
        g_assert_false(gnss_state_is_valid(NULL));
}

/* Every O-RAN kind of the node, with or without a source: exact, or covered by a prefix. */
static void test_known_addresses(void) {
        static const char *const known[] = {
                "sync/sync-status/sync-state", "sync/sync-status/os-clock-sync-state", "sync/ptp-status/lock-state",
                "sync/ptp-status/clock-class", "sync/gnss-status/gnss-sync-status", "sync/synce-status/lock-state",
                "sync/synce-status/clock-quality", "sync/synce-status", "sync/synce-status/", "sync", "sync/", "",
        };
        static const char *const unknown[] = {
                "sync/synce-status/frequency", "sync/synce", "sync/synce-status/lock-state/x",
                "sync/ptp-status/ptp-clock-class-change", "sync/gnss-status/gnss-sync-statu", "other",
        };

        for (size_t i = 0; i < G_N_ELEMENTS(known); i++) {
                g_autofree char *a = g_strconcat("/cluster/node/" NODE "/", known[i], NULL);

                if (!resource_address_is_known(NODE, a))
                        g_error("%s is not known", a);
        }
        for (size_t i = 0; i < G_N_ELEMENTS(unknown); i++) {
                g_autofree char *a = g_strconcat("/cluster/node/" NODE "/", unknown[i], NULL);

                if (resource_address_is_known(NODE, a))
                        g_error("%s is known", a);
        }
        /* Another node, or not an address at all. */
        g_assert_false(resource_address_is_known(NODE, "/cluster/node/other/sync/synce-status/lock-state"));
        g_assert_false(resource_address_is_known(NODE, "/cluster/node/" NODE "x/sync"));
        g_assert_false(resource_address_is_known(NODE, "cluster/node/" NODE "/sync"));
        g_assert_false(resource_address_is_known(NODE, NULL));
        /* A prefix above the node covers it too, as it does for GetCurrentState. */
        g_assert_true(resource_address_is_known(NODE, "/cluster/node/"));
}

/* The model's encoder against sd-bus's own, for every resource and some odd strings. */
static void test_object_path_encode(void) {
        static const char *const odd[] = {
                "", "a", "A-z_09", "0abc", "9", "sync/ptp-status", "caf\xc3\xa9", " ", "_", "__x", "/", "a.b~c",
                "\x7f\x01", "ABCxyz123",
        };

        for (ResourceKind k = 0; k < _RESOURCE_KIND_MAX; k++) {
                _cleanup_free_ char *want = NULL;
                g_autofree char *got = resource_object_path_encode("/org/ptpsync1/resource", resource_info(k)->suffix);

                g_assert_cmpint(sd_bus_path_encode("/org/ptpsync1/resource", resource_info(k)->suffix, &want), >=, 0);
                g_assert_cmpstr(got, ==, want);
        }
        for (size_t i = 0; i < G_N_ELEMENTS(odd); i++) {
                _cleanup_free_ char *want = NULL;
                g_autofree char *got = resource_object_path_encode("/p", odd[i]);

                g_assert_cmpint(sd_bus_path_encode("/p", odd[i], &want), >=, 0);
                g_assert_cmpstr(got, ==, want);
        }
}

static void test_resource_addresses(void) {
        _cleanup_(resource_freep) Resource *r = resource_new(NULL, RESOURCE_LOCK_STATE, NODE);

        g_assert_cmpstr(r->address, ==, "/cluster/node/" NODE "/sync/ptp-status/lock-state");
        g_assert_cmpstr(r->object_path, ==, "/org/ptpsync1/resource/sync_2fptp_2dstatus_2flock_2dstate");
        g_assert_null(r->value);
        g_assert_null(resource_current_state_event(r));
}

/* Sets a clock's value the way the manager does, and rederives the resource's. */
static bool set_clock(Resource *r, const char *name, const char *value, int64_t offset) {
        Clock *c = resource_ensure_clock(r, name, NULL);

        g_free(c->value);
        c->value = g_strdup(value);
        c->offset_ns = offset;
        return resource_update_value(r);
}

/* Publishes and announces clock name's change as event seq, the way the manager's flush does. */
static void announce(Resource *r, const char *name, uint64_t seq, int64_t time_usec) {
        _cleanup_(event_unrefp) Event *e = resource_change_event(r, resource_find_clock(r, name), time_usec);
        Announcement a;

        e->seq = seq;
        resource_prepare_announcement(&a, r, resource_find_clock(r, name), e);
        resource_announce(&a);
        announcement_done(&a);
}

/* A configured alias names a new PTP clock's values; without one the alias is derived; os-clock has neither. */
static void test_clock_alias(void) {
        _cleanup_(resource_freep) Resource *r = resource_new(NULL, RESOURCE_LOCK_STATE, NODE);
        _cleanup_(resource_freep) Resource *os = resource_new(NULL, RESOURCE_OS_CLOCK, NODE);

        g_assert_cmpstr(resource_ensure_clock(r, "ens1f0", "gm-port")->value_address, ==, "gm-port/master");
        /* The alias is the clock's from its creation on (until it is retired: see /resource/retire). */
        g_assert_cmpstr(resource_ensure_clock(r, "ens1f0", "other")->value_address, ==, "gm-port/master");
        g_assert_cmpstr(resource_ensure_clock(r, "ens2f1", NULL)->value_address, ==, "ens2fx/master");
        g_assert_cmpstr(resource_ensure_clock(os, OS_CLOCK_NAME, "ignored")->value_address, ==, OS_CLOCK_NAME);
}

static void test_lock_state_events(void) {
        _cleanup_(resource_freep) Resource *r = resource_new(NULL, RESOURCE_LOCK_STATE, NODE);
        _cleanup_(event_unrefp) Event *change = NULL, *current = NULL;

        g_assert_true(set_clock(r, "ens1f0", "LOCKED", 12));
        g_assert_cmpstr(r->value, ==, "LOCKED");
        g_assert_true(resource_ensure_clock(r, "ens1f0", NULL) == resource_find_clock(r, "ens1f0"));
        g_assert_true(set_clock(r, "ens2f1", "HOLDOVER", -40));
        g_assert_cmpstr(r->value, ==, "HOLDOVER");
        g_assert_false(set_clock(r, "ens1f0", "HOLDOVER", 7)); /* the worst did not change */

        /* A change event carries the clock that changed. */
        change = resource_change_event(r, resource_find_clock(r, "ens2f1"), 1000);
        g_assert_cmpstr(change->type, ==, "event.sync.ptp-status.ptp-state-change");
        g_assert_cmpstr(change->source, ==, r->address);
        g_assert_cmpuint(change->values->len, ==, 2);
        assert_value(change, 0, "ens2fx/master", "notification", "enumeration", "HOLDOVER");
        assert_value(change, 1, "ens2fx/master", "metric", "decimal64.3", "-40");

        /* Nothing is current before it is announced; then what was announced, and the offset it carried. */
        g_assert_null(resource_current_state_event(r));
        announce(r, "ens1f0", 8, 900);
        announce(r, "ens2f1", 9, 1000);
        g_assert_cmpstr(r->announced_value, ==, "HOLDOVER");
        g_assert_cmpint(resource_find_clock(r, "ens2f1")->announced_offset_ns, ==, -40);

        /* The current state carries every clock, in order of first observation. */
        current = resource_current_state_event(r);
        g_assert_cmpuint(current->seq, ==, 9);
        g_assert_cmpint(current->time_usec, ==, 1000);
        g_assert_cmpstr(current->id, !=, change->id);
        g_assert_cmpuint(current->values->len, ==, 4);
        assert_value(current, 0, "ens1fx/master", "notification", "enumeration", "HOLDOVER");
        assert_value(current, 1, "ens1fx/master", "metric", "decimal64.3", "7");
        assert_value(current, 2, "ens2fx/master", "notification", "enumeration", "HOLDOVER");
        assert_value(current, 3, "ens2fx/master", "metric", "decimal64.3", "-40");

        g_assert_true(set_clock(r, "ens1f0", "FREERUN", 0));
        g_assert_cmpstr(r->value, ==, "FREERUN");
        /* A change not yet announced is not current: the announced state stays, with the latest offset. */
        g_clear_pointer(&current, event_unref);
        current = resource_current_state_event(r);
        g_assert_cmpuint(current->seq, ==, 9);
        assert_value(current, 0, "ens1fx/master", "notification", "enumeration", "HOLDOVER");
        assert_value(current, 1, "ens1fx/master", "metric", "decimal64.3", "0");
        g_assert_cmpstr(r->announced_value, ==, "HOLDOVER");
        g_assert_false(set_clock(r, "ens2f1", "LOCKED", 0));
        g_assert_true(set_clock(r, "ens1f0", "LOCKED", 0));
        g_assert_cmpstr(r->value, ==, "LOCKED");
}

/* A retired clock leaves the worst value and the current state, keeps its struct, and comes back anew. */
static void test_retire(void) {
        _cleanup_(resource_freep) Resource *r = resource_new(NULL, RESOURCE_LOCK_STATE, NODE);
        _cleanup_(event_unrefp) Event *e = NULL, *current = NULL;
        Announcement a;
        Clock *c;

        set_clock(r, "ens1f0", "LOCKED", 1);
        set_clock(r, "ens2f0", "FREERUN", 2);
        announce(r, "ens1f0", 1, 1);
        announce(r, "ens2f0", 2, 2);
        c = resource_find_clock(r, "ens2f0");
        c->sync.state = SYNC_STATE_FREERUN;

        clock_retire(c);
        g_assert_true(c->retired);
        g_assert_null(c->value);
        g_assert_cmpint(c->sync.state, ==, SYNC_STATE_NONE);
        g_assert_true(resource_update_value(r));
        g_assert_cmpstr(r->value, ==, "LOCKED");

        /* The resource's event now carries the clocks that are left. */
        e = resource_change_event(r, NULL, 3);
        g_assert_cmpuint(e->values->len, ==, 2);
        assert_value(e, 0, "ens1fx/master", "notification", "enumeration", "LOCKED");
        e->seq = 3;
        resource_prepare_announcement(&a, r, c, e);
        resource_announce(&a);
        announcement_done(&a);
        g_assert_null(c->announced_value);
        current = resource_current_state_event(r);
        g_assert_cmpuint(current->seq, ==, 3);
        g_assert_cmpuint(current->values->len, ==, 2);
        assert_value(current, 0, "ens1fx/master", "notification", "enumeration", "LOCKED");

        /* The last one gone: no value; announced without an event, seq and time stay. */
        clock_retire(resource_find_clock(r, "ens1f0"));
        g_assert_true(resource_update_value(r));
        g_assert_null(r->value);
        resource_prepare_announcement(&a, r, resource_find_clock(r, "ens1f0"), NULL);
        resource_announce(&a);
        announcement_done(&a);
        g_assert_null(r->announced_value);
        g_assert_cmpuint(r->sequence, ==, 3);
        g_assert_null(resource_current_state_event(r));

        /* Back, under the alias configured now; the same struct, which events may still point at. */
        g_assert_true(resource_ensure_clock(r, "ens2f0", "renamed") == c);
        g_assert_false(c->retired);
        g_assert_cmpstr(c->value_address, ==, "renamed/master");
        g_assert_cmpuint(r->clocks->len, ==, 2);
}

static void test_os_clock_events(void) {
        _cleanup_(resource_freep) Resource *r = resource_new(NULL, RESOURCE_OS_CLOCK, NODE);
        _cleanup_(event_unrefp) Event *e = NULL;

        set_clock(r, OS_CLOCK_NAME, "FREERUN", 123456);
        e = resource_change_event(r, resource_find_clock(r, OS_CLOCK_NAME), 1);
        g_assert_cmpstr(e->type, ==, "event.sync.sync-status.os-clock-sync-state-change");
        g_assert_cmpuint(e->values->len, ==, 2);
        assert_value(e, 0, "CLOCK_REALTIME", "notification", "enumeration", "FREERUN");
        assert_value(e, 1, "CLOCK_REALTIME", "metric", "decimal64.3", "123456");
}

static void test_clock_class_events(void) {
        _cleanup_(resource_freep) Resource *r = resource_new(NULL, RESOURCE_CLOCK_CLASS, NODE);
        _cleanup_(event_unrefp) Event *e = NULL, *current = NULL;

        g_assert_true(set_clock(r, "ens1f0", "6", 0));
        g_assert_true(set_clock(r, "ens2f0", "248", 0));
        g_assert_cmpstr(r->value, ==, "248"); /* the higher class is the worse */
        g_assert_true(set_clock(r, "ens2f0", "7", 0));
        g_assert_cmpstr(r->value, ==, "7");

        e = resource_change_event(r, resource_find_clock(r, "ens1f0"), 1);
        g_assert_cmpuint(e->values->len, ==, 1);
        assert_value(e, 0, "ens1fx/master", "metric", "decimal64.3", "6");
        announce(r, "ens1f0", 1, 1);
        announce(r, "ens2f0", 2, 1);
        current = resource_current_state_event(r);
        g_assert_cmpuint(current->values->len, ==, 2);
        assert_value(current, 1, "ens2fx/master", "metric", "decimal64.3", "7");
}

static void test_gnss_events(void) {
        _cleanup_(resource_freep) Resource *r = resource_new(NULL, RESOURCE_GNSS, NODE);
        _cleanup_(event_unrefp) Event *e = NULL;

        g_assert_true(set_clock(r, "ens2f0", "SYNCHRONIZED", 5));
        g_assert_cmpstr(r->value, ==, "SYNCHRONIZED");
        g_assert_true(set_clock(r, "ens3f0", "FAILURE-NOFIX", 0));
        g_assert_cmpstr(r->value, ==, "FAILURE-NOFIX");
        e = resource_change_event(r, resource_find_clock(r, "ens2f0"), 1);
        g_assert_cmpstr(e->type, ==, "event.sync.gnss-status.gnss-state-change");
        assert_value(e, 0, "ens2fx/master", "notification", "enumeration", "SYNCHRONIZED");
        assert_value(e, 1, "ens2fx/master", "metric", "decimal64.3", "5");
}

static void test_sync_state_derivation(void) {
        _cleanup_(resource_freep) Resource *sync = resource_new(NULL, RESOURCE_SYNC_STATE, NODE);
        _cleanup_(resource_freep) Resource *lock = resource_new(NULL, RESOURCE_LOCK_STATE, NODE);
        _cleanup_(resource_freep) Resource *os = resource_new(NULL, RESOURCE_OS_CLOCK, NODE);
        _cleanup_(event_unrefp) Event *e = NULL;

        /* No claim until both PTP and the system clock have been observed. */
        g_assert_false(resource_update_sync_state(sync, lock, os));
        set_clock(lock, "ens1f0", "LOCKED", 0);
        g_assert_false(resource_update_sync_state(sync, lock, os));
        g_assert_null(sync->value);
        g_assert_false(resource_update_sync_state(sync, lock, NULL));

        set_clock(os, OS_CLOCK_NAME, "HOLDOVER", 0);
        g_assert_true(resource_update_sync_state(sync, lock, os));
        g_assert_cmpstr(sync->value, ==, "HOLDOVER");
        g_assert_false(resource_update_sync_state(sync, lock, os));

        set_clock(lock, "ens1f0", "FREERUN", 0);
        g_assert_true(resource_update_sync_state(sync, lock, os));
        g_assert_cmpstr(sync->value, ==, "FREERUN");
        set_clock(lock, "ens1f0", "LOCKED", 0);
        set_clock(os, OS_CLOCK_NAME, "LOCKED", 0);
        g_assert_true(resource_update_sync_state(sync, lock, os));
        g_assert_cmpstr(sync->value, ==, "LOCKED");

        e = resource_change_event(sync, NULL, 1);
        g_assert_cmpstr(e->type, ==, "event.sync.sync-status.synchronization-state-change");
        g_assert_cmpuint(e->values->len, ==, 1);
        assert_value(e, 0, "sync/sync-status/sync-state", "notification", "enumeration", "LOCKED");
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/event/clock-alias", test_clock_alias);
        g_test_add_func("/event/new", test_event_new);
        g_test_add_func("/event/bus-encoding", test_event_bus_encoding);
        g_test_add_func("/resource/table", test_resource_table);
        g_test_add_func("/resource/addresses", test_resource_addresses);
        g_test_add_func("/resource/object-path-encode", test_object_path_encode);
        g_test_add_func("/resource/known-addresses", test_known_addresses);
        g_test_add_func("/resource/lock-state", test_lock_state_events);
        g_test_add_func("/resource/retire", test_retire);
        g_test_add_func("/resource/os-clock", test_os_clock_events);
        g_test_add_func("/resource/clock-class", test_clock_class_events);
        g_test_add_func("/resource/gnss", test_gnss_events);
        g_test_add_func("/resource/sync-state", test_sync_state_derivation);
        return g_test_run();
}
