/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.ptpsync1.Manager and the resource objects, through a real bus: the
 * object tree, every property, GetCurrentState and ListResources with their
 * errors, and bad arguments, after which the daemon must still answer.
 */

#include "common/bus-names.h"
#include "test-env.h"
#include "test-util.h"

#define LOCK_STATE TEST_PREFIX "sync/ptp-status/lock-state"

/* The linuxptp source, reading a ptp4l that is not there: no GNSS resource, and no SyncE on any node. */
static const TestEnvOptions linuxptp_options = {
        .daemon_args = (const char *const[]) { "--source=linuxptp", "--runtime-dir=@BUS_DIR@/run",
                                               "--ptp4l-socket=@BUS_DIR@/no-ptp4l.sock", NULL },
};

/* Not inlined: GCC 12 at -O3 then takes the caller's use of the result for a dangling pointer to p. */
G_GNUC_NO_INLINE static char *resource_path(const char *suffix) {
        char *p = NULL;

        g_assert_cmpint(sd_bus_path_encode("/org/ptpsync1/resource", suffix, &p), >=, 0);
        return p;
}

static void event_free(void *e) {
        test_event_free(e);
}

/* Calls GetCurrentState; returns the error name (NULL on success) and the events. */
static char *get_current_state(sd_bus *bus, const char *address, GPtrArray **ret_events, char **ret_message) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        char *name = NULL;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "GetCurrentState", &error, &reply,
                               "s", address);
        if (r < 0) {
                name = g_strdup(error.name);
                if (ret_message)
                        *ret_message = g_strdup(error.message);
        } else if (ret_events) {
                *ret_events = g_ptr_array_new_with_free_func(event_free);
                g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "(tsssxa(ssss))"), >, 0);
                while ((r = sd_bus_message_enter_container(reply, 'r', "tsssxa(ssss)")) > 0) {
                        g_ptr_array_add(*ret_events, test_event_read(reply));
                        g_assert_cmpint(sd_bus_message_exit_container(reply), >, 0);
                }
                g_assert_cmpint(r, ==, 0);
        }
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        return name;
}

static void assert_current_state_error(sd_bus *bus, const char *address, const char *expected) {
        g_autofree char *name = NULL, *message = NULL;

        name = get_current_state(bus, address, NULL, &message);
        g_assert_cmpstr(name, ==, expected);
        g_assert_nonnull(message);
        /* Clear, and bounded even for a 10 MB argument. */
        g_assert_cmpuint(strlen(message), >, 10);
        g_assert_cmpuint(strlen(message), <, 2048);
}

static void test_object_tree(TestEnv *f, gconstpointer data) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *address, *kind, *path;
        g_autofree char *xml = NULL;
        unsigned n = 0;

        g_assert_cmpint(sd_bus_call_method(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "ListResources",
                                           &error, &reply, NULL), >=, 0);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "(sso)"), >, 0);
        while (sd_bus_message_read(reply, "(sso)", &address, &kind, &path) > 0) {
                g_autofree char *expected_address = NULL, *expected_path = NULL;

                g_assert_cmpuint(n, <, G_N_ELEMENTS(expected_resources));
                expected_address = g_strconcat(TEST_PREFIX, expected_resources[n].suffix, NULL);
                expected_path = resource_path(expected_resources[n].suffix);
                g_assert_cmpstr(address, ==, expected_address);
                g_assert_cmpstr(kind, ==, expected_resources[n].kind);
                g_assert_cmpstr(path, ==, expected_path);
                n++;
        }
        g_assert_cmpuint(n, ==, G_N_ELEMENTS(expected_resources));

        /* The tree: every resource is a child node of /org/ptpsync1/resource. */
        reply = sd_bus_message_unref(reply);
        g_assert_cmpint(sd_bus_call_method(f->client, BUS_NAME, "/org/ptpsync1/resource",
                                           "org.freedesktop.DBus.Introspectable", "Introspect", &error, &reply,
                                           NULL), >=, 0);
        {
                const char *s;

                g_assert_cmpint(sd_bus_message_read(reply, "s", &s), >, 0);
                xml = g_strdup(s);
        }
        for (size_t i = 0; i < G_N_ELEMENTS(expected_resources); i++) {
                g_autofree char *p = resource_path(expected_resources[i].suffix);
                g_autofree char *node = g_strdup_printf("<node name=\"%s\"/>", strrchr(p, '/') + 1);

                g_assert_nonnull(strstr(xml, node));
        }
        sd_bus_error_free(&error);
}

static void test_object_manager(TestEnv *f, gconstpointer data) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        const char *path;

        g_assert_cmpint(sd_bus_call_method(f->client, BUS_NAME, MANAGER_OBJECT_PATH,
                                           "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", &error,
                                           &reply, NULL), >=, 0);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}"), >, 0);
        while (sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}") > 0) {
                const char *iface;
                unsigned props = 0;

                g_assert_cmpint(sd_bus_message_read(reply, "o", &path), >, 0);
                g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "{sa{sv}}"), >, 0);
                while (sd_bus_message_enter_container(reply, 'e', "sa{sv}") > 0) {
                        g_assert_cmpint(sd_bus_message_read(reply, "s", &iface), >, 0);
                        if (g_str_equal(iface, RESOURCE_INTERFACE)) {
                                g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "{sv}"), >, 0);
                                while (sd_bus_message_enter_container(reply, 'e', "sv") > 0) {
                                        props++;
                                        g_assert_cmpint(sd_bus_message_skip(reply, "sv"), >=, 0);
                                        g_assert_cmpint(sd_bus_message_exit_container(reply), >, 0);
                                }
                                g_assert_cmpint(sd_bus_message_exit_container(reply), >, 0);
                                g_assert_cmpuint(props, ==, 7);
                                g_hash_table_add(seen, g_strdup(path));
                        } else
                                g_assert_cmpint(sd_bus_message_skip(reply, "a{sv}"), >=, 0);
                        g_assert_cmpint(sd_bus_message_exit_container(reply), >, 0);
                }
                g_assert_cmpint(sd_bus_message_exit_container(reply), >, 0);
                g_assert_cmpint(sd_bus_message_exit_container(reply), >, 0);
        }
        g_assert_cmpuint(g_hash_table_size(seen), ==, G_N_ELEMENTS(expected_resources));
        for (size_t i = 0; i < G_N_ELEMENTS(expected_resources); i++) {
                g_autofree char *p = resource_path(expected_resources[i].suffix);

                g_assert_true(g_hash_table_contains(seen, p));
        }
        sd_bus_error_free(&error);
}

static void test_manager_properties(TestEnv *f, gconstpointer data) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *version = NULL, *node = NULL, *state = NULL;
        uint8_t class = 99;
        uint32_t count = 99;
        uint64_t seq = 99;

        g_assert_cmpint(sd_bus_get_property_string(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                                   "Version", &error, &version), >=, 0);
        g_assert_cmpstr(version, ==, g_getenv("PTPSYNC_VERSION"));
        g_assert_cmpint(sd_bus_get_property_string(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                                   "NodeName", &error, &node), >=, 0);
        g_assert_cmpstr(node, ==, TEST_NODE_NAME);
        /* No observation yet: no state, no class -- not a bogus FREERUN. */
        g_assert_cmpint(sd_bus_get_property_string(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                                   "SyncState", &error, &state), >=, 0);
        g_assert_cmpstr(state, ==, "");
        g_assert_cmpint(sd_bus_get_property_trivial(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                                    "ClockClass", &error, 'y', &class), >=, 0);
        g_assert_cmpuint(class, ==, 0);
        g_assert_cmpint(sd_bus_get_property_trivial(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                                    "SubscriptionCount", &error, 'u', &count), >=, 0);
        g_assert_cmpuint(count, ==, 0);
        g_assert_cmpint(sd_bus_get_property_trivial(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                                    "LastSequence", &error, 't', &seq), >=, 0);
        g_assert_cmpuint(seq, ==, 0);
        /* No grandmaster here: nothing to write a class into, and the writer cannot be turned on. */
        g_assert_false(test_manager_get_b(f->client, "ClockClassWriter"));
        g_assert_cmpint(sd_bus_call_method(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                           "SetClockClassWriter", &error, NULL, "b", true), <, 0);
        g_assert_cmpstr(error.name, ==, SD_BUS_ERROR_NOT_SUPPORTED);
        g_assert_nonnull(strstr(error.message, "[Grandmaster] Instance="));
        g_assert_false(test_manager_get_b(f->client, "ClockClassWriter"));
        sd_bus_error_free(&error);
}

static void test_resource_properties(TestEnv *f, gconstpointer data) {
        sd_bus_error error = SD_BUS_ERROR_NULL;

        for (size_t i = 0; i < G_N_ELEMENTS(expected_resources); i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *clocks = NULL;
                g_autofree char *path = resource_path(expected_resources[i].suffix);
                g_autofree char *address = NULL, *kind = NULL, *type = NULL, *value = NULL;
                g_autofree char *expected = g_strconcat(TEST_PREFIX, expected_resources[i].suffix, NULL);
                uint64_t last = 99, seq = 99;

#define GET_STRING(name, var)                                                                           \
                g_assert_cmpint(sd_bus_get_property_string(f->client, BUS_NAME, path,             \
                                                           RESOURCE_INTERFACE, name, &error, &var), \
                                >=, 0)
                GET_STRING("Address", address);
                GET_STRING("Kind", kind);
                GET_STRING("EventType", type);
                GET_STRING("Value", value);
#undef GET_STRING
                g_assert_cmpstr(address, ==, expected);
                g_assert_cmpstr(kind, ==, expected_resources[i].kind);
                g_assert_cmpstr(type, ==, expected_resources[i].event_type);
                g_assert_cmpstr(value, ==, "");
                g_assert_cmpint(sd_bus_get_property_trivial(f->client, BUS_NAME, path, RESOURCE_INTERFACE,
                                                            "LastChange", &error, 't', &last), >=, 0);
                g_assert_cmpint(sd_bus_get_property_trivial(f->client, BUS_NAME, path, RESOURCE_INTERFACE,
                                                            "Sequence", &error, 't', &seq), >=, 0);
                g_assert_cmpuint(last, ==, 0);
                g_assert_cmpuint(seq, ==, 0);
                g_assert_cmpint(sd_bus_get_property(f->client, BUS_NAME, path, RESOURCE_INTERFACE,
                                                    "Clocks", &error, &clocks, "a(ssx)"), >=, 0);
                g_assert_cmpint(sd_bus_message_enter_container(clocks, 'a', "(ssx)"), >, 0);
                g_assert_cmpint(sd_bus_message_at_end(clocks, false), >, 0);
        }
        sd_bus_error_free(&error);
}

static void test_no_data(TestEnv *f, gconstpointer data) {
        /* Exact, prefix, and everything: all match, none has data. */
        assert_current_state_error(f->client, LOCK_STATE, "org.ptpsync1.Error.NoData");
        assert_current_state_error(f->client, TEST_PREFIX "sync", "org.ptpsync1.Error.NoData");
        assert_current_state_error(f->client, "/", "org.ptpsync1.Error.NoData");
}

static void test_current_state(TestEnv *f, gconstpointer data) {
        g_autoptr(GPtrArray) events = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *path = resource_path("sync/ptp-status/lock-state");
        uint64_t seq = 0, last = 0;
        TestEvent *e;

        test_inject(f->client, "sync/ptp-status/lock-state", "ens1f0", "locked", 10);
        test_inject(f->client, "sync/ptp-status/lock-state", "ens2f0", "locked", -20);
        test_inject(f->client, "sync/sync-status/os-clock-sync-state", "", "locked", 3);
        test_inject(f->client, "sync/ptp-status/clock-class", "ens1f0", "6", 0);

        g_assert_null(get_current_state(f->client, LOCK_STATE, &events, NULL));
        g_assert_cmpuint(events->len, ==, 1);
        e = events->pdata[0];
        g_assert_cmpint(sd_bus_get_property_trivial(f->client, BUS_NAME, path, RESOURCE_INTERFACE,
                                                    "Sequence", &error, 't', &seq), >=, 0);
        g_assert_cmpint(sd_bus_get_property_trivial(f->client, BUS_NAME, path, RESOURCE_INTERFACE,
                                                    "LastChange", &error, 't', &last), >=, 0);
        g_assert_cmpuint(e->seq, ==, seq);
        g_assert_cmpuint(seq, ==, 2); /* ens1f0 was event 1, ens2f0 event 2 */
        g_assert_cmpint(e->time, ==, (int64_t) last);
        g_assert_cmpstr(e->type, ==, "event.sync.ptp-status.ptp-state-change");
        g_assert_cmpstr(e->source, ==, LOCK_STATE);
        g_assert_cmpuint(e->values->len, ==, 4);
        g_assert_cmpstr(e->values->pdata[0], ==, "ens1fx/master|notification|enumeration|LOCKED");
        g_assert_cmpstr(e->values->pdata[1], ==, "ens1fx/master|metric|decimal64.3|10");
        g_assert_cmpstr(e->values->pdata[2], ==, "ens2fx/master|notification|enumeration|LOCKED");
        g_assert_cmpstr(e->values->pdata[3], ==, "ens2fx/master|metric|decimal64.3|-20");
        g_clear_pointer(&events, g_ptr_array_unref);

        /* Prefixes at a '/' boundary, with or without the slash; GNSS has no data and is left out. */
        static const char *const prefixes[] = { TEST_PREFIX "sync", TEST_PREFIX "sync/", TEST_PREFIX, "/cluster", "/" };
        for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++) {
                g_assert_null(get_current_state(f->client, prefixes[i], &events, NULL));
                g_assert_cmpuint(events->len, ==, 4);
                g_assert_cmpstr(((TestEvent *) events->pdata[0])->source, ==,
                                TEST_PREFIX "sync/sync-status/sync-state");
                g_assert_cmpstr(((TestEvent *) events->pdata[0])->values->pdata[0], ==,
                                "sync/sync-status/sync-state|notification|enumeration|LOCKED");
                g_assert_cmpstr(((TestEvent *) events->pdata[3])->values->pdata[0], ==,
                                "ens1fx/master|metric|decimal64.3|6");
                g_clear_pointer(&events, g_ptr_array_unref);
        }
        g_assert_null(get_current_state(f->client, TEST_PREFIX "sync/ptp-status", &events, NULL));
        g_assert_cmpuint(events->len, ==, 2);
        g_clear_pointer(&events, g_ptr_array_unref);

        /* Matches, but nothing observed. */
        assert_current_state_error(f->client, TEST_PREFIX "sync/gnss-status", "org.ptpsync1.Error.NoData");
        /* Known, but no source here (not even the simulator's): no data either. */
        assert_current_state_error(f->client, TEST_PREFIX "sync/synce-status", "org.ptpsync1.Error.NoData");
        assert_current_state_error(f->client, TEST_PREFIX "sync/synce-status/clock-quality",
                                   "org.ptpsync1.Error.NoData");
        sd_bus_error_free(&error);
}

static void test_address_errors(TestEnv *f, gconstpointer data) {
        static const struct {
                const char *address, *error;
        } cases[] = {
                { "", "org.ptpsync1.Error.InvalidAddress" },
                { "cluster/node/" TEST_NODE_NAME "/sync", "org.ptpsync1.Error.InvalidAddress" },
                { "/cluster//node", "org.ptpsync1.Error.InvalidAddress" },
                { "/cluster/node/../node", "org.ptpsync1.Error.InvalidAddress" },
                { "/cluster/node/a b", "org.ptpsync1.Error.InvalidAddress" },
                { "/cluster/node/\t", "org.ptpsync1.Error.InvalidAddress" },
                /* Not at a '/' boundary. */
                { TEST_PREFIX "sync/ptp", "org.ptpsync1.Error.NoSuchResource" },
                { TEST_PREFIX "sync/ptp-status/lock-stat", "org.ptpsync1.Error.NoSuchResource" },
                { TEST_PREFIX "sync/ptp-status/lock-state/more", "org.ptpsync1.Error.NoSuchResource" },
                { "/cluster/node/other.example.com/sync/ptp-status/lock-state", "org.ptpsync1.Error.NoSuchResource" },
                { TEST_PREFIX "sync/foo", "org.ptpsync1.Error.NoSuchResource" },
        };
        g_autofree char *huge = g_malloc(10 * 1024 * 1024 + 1);

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
                assert_current_state_error(f->client, cases[i].address, cases[i].error);

        /* 10 MB: refused quickly, the error message does not echo it back whole. */
        memset(huge, 'a', 10 * 1024 * 1024);
        huge[0] = '/';
        huge[10 * 1024 * 1024] = '\0';
        assert_current_state_error(f->client, huge, "org.ptpsync1.Error.InvalidAddress");
}

/* Sends a raw call with whatever signature; returns the error name (NULL on success). */
static char *call_raw(sd_bus *bus, const char *iface, const char *method, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *name;
        va_list ap;

        g_assert_cmpint(sd_bus_message_new_method_call(bus, &m, BUS_NAME, MANAGER_OBJECT_PATH, iface, method), >=, 0);
        va_start(ap, types);
        g_assert_cmpint(sd_bus_message_appendv(m, types, ap), >=, 0);
        va_end(ap);
        name = sd_bus_call(bus, m, 0, &error, NULL) < 0 ? g_strdup(error.name) : NULL;
        sd_bus_error_free(&error);
        return name;
}

static void test_bad_signatures(TestEnv *f, gconstpointer data) {
        static const char *const invalid_args = "org.freedesktop.DBus.Error.InvalidArgs";
        g_autofree char *version = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t seq = 99;
        char *e;

#define EXPECT(expected, ...)                                   \
        do {                                                    \
                e = call_raw(f->client, __VA_ARGS__);           \
                g_assert_cmpstr(e, ==, expected);               \
                g_free(e);                                      \
        } while (0)
        EXPECT(invalid_args, MANAGER_INTERFACE, "GetCurrentState", "i", 1);
        EXPECT(invalid_args, MANAGER_INTERFACE, "GetCurrentState", "");
        EXPECT(invalid_args, MANAGER_INTERFACE, "GetCurrentState", "ss", "/", "/");
        EXPECT(invalid_args, MANAGER_INTERFACE, "ListResources", "s", "x");
        EXPECT(invalid_args, SIMULATOR_INTERFACE, "Inject", "ss", "a", "b");
        EXPECT(invalid_args, SIMULATOR_INTERFACE, "Inject", "sssi", "a", "b", "c", 1);
        EXPECT(invalid_args, MANAGER_INTERFACE, "SetClockClassWriter", "s", "yes");
        EXPECT(invalid_args, MANAGER_INTERFACE, "SetClockClassWriter", "");
        EXPECT("org.freedesktop.DBus.Error.UnknownMethod", MANAGER_INTERFACE, "NoSuchMethod", "");
        /* sd-bus answers UnknownMethod for an interface the object does not have. */
        EXPECT("org.freedesktop.DBus.Error.UnknownMethod", "org.ptpsync1.Nope", "GetCurrentState", "s", "/");
#undef EXPECT

        /* Still up, and nothing happened. */
        g_assert_cmpint(sd_bus_get_property_string(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                                   "Version", &error, &version), >=, 0);
        g_assert_cmpint(sd_bus_get_property_trivial(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                                    "LastSequence", &error, 't', &seq), >=, 0);
        g_assert_cmpuint(seq, ==, 0);
        sd_bus_error_free(&error);
}

/*
 * Inputs whose 64-byte cut in an error message would fall inside a UTF-8 character, or that are
 * exactly 64 bytes: each must be refused with an error reply, not left without one (a D-Bus
 * string must be valid UTF-8, so a split character made the reply unbuildable and the caller
 * waited its whole timeout).
 */
#define X63 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define A61 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define E2 "\xc3\xa9"           /* é, 2 bytes */
#define E3 "\xe2\x82\xac"       /* €, 3 bytes */
#define E4 "\xf0\x9f\x98\x80"   /* 😀, 4 bytes */
#define E2x8 E2 E2 E2 E2 E2 E2 E2 E2
static const char *const split_inputs[] = {
        X63 E2,                                  /* the cut at 64 falls after the first byte of é */
        "/" E2x8 E2x8 E2x8 E2x8,                 /* 65 bytes: the same, all multibyte */
        E2x8 E2x8 E2x8 E2x8,                     /* exactly 64 bytes: not cut */
        "/" A61 E3,                              /* 65 bytes: the cut falls after 2 bytes of € */
        "/" A61 "a" E3,                          /* 66 bytes: after 1 byte of € */
        "/" A61 E4,                              /* 66 bytes: after 2 bytes of 😀 */
        "/" A61 "aa" E4,                         /* 68 bytes: after 1 byte of 😀 */
        X63 "\n" E2,                             /* a control character, then the split */
};

/* A call whose missing reply fails the test in seconds, rather than after sd-bus's 25 s. */
#define CALL_TIMEOUT_USEC test_slow_usec(5 * G_USEC_PER_SEC)

static void assert_refused(sd_bus *bus, const char *iface, const char *method, const char *expected_name,
                           const char *expected_text, const char *input, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *shown = g_strescape(input, NULL);
        va_list ap;
        int r;

        g_assert_cmpint(sd_bus_message_new_method_call(bus, &m, BUS_NAME, MANAGER_OBJECT_PATH, iface, method),
                        >=, 0);
        va_start(ap, types);
        g_assert_cmpint(sd_bus_message_appendv(m, types, ap), >=, 0);
        va_end(ap);
        r = sd_bus_call(bus, m, CALL_TIMEOUT_USEC, &error, NULL);
        if (r >= 0 || !sd_bus_error_has_name(&error, expected_name) || !error.message ||
            !strstr(error.message, expected_text) || !g_utf8_validate(error.message, -1, NULL))
                g_test_message("%s(\"%s\"): %d %s: %s; expected %s: %s...", method, shown, r, error.name,
                               error.message, expected_name, expected_text);
        g_assert_cmpint(r, <, 0);
        g_assert_cmpstr(error.name, ==, expected_name);
        g_assert_nonnull(strstr(error.message, expected_text));
        g_assert_true(g_utf8_validate(error.message, -1, NULL));
        sd_bus_error_free(&error);
}

static void test_split_current_state(TestEnv *f, gconstpointer data) {
        for (size_t i = 0; i < G_N_ELEMENTS(split_inputs); i++)
                assert_refused(f->client, MANAGER_INTERFACE, "GetCurrentState", "org.ptpsync1.Error.InvalidAddress",
                               "Invalid resource address", split_inputs[i], "s", split_inputs[i]);
}

static void test_split_subscribe(TestEnv *f, gconstpointer data) {
        for (size_t i = 0; i < G_N_ELEMENTS(split_inputs); i++)
                assert_refused(f->client, MANAGER_INTERFACE, "Subscribe", "org.ptpsync1.Error.InvalidAddress",
                               "Invalid resource address", split_inputs[i], "sa{sv}", split_inputs[i], 0);
}

/* Validated before the caller is known to be root: anyone can send these. */
static void test_split_inject(TestEnv *f, gconstpointer data) {
        static const char *const simulator = SIMULATOR_INTERFACE;

        for (size_t i = 0; i < G_N_ELEMENTS(split_inputs); i++) {
                const char *in = split_inputs[i];

                assert_refused(f->client, simulator, "Inject", "org.ptpsync1.Error.NoSuchResource",
                               "No resource with suffix", in, "sssx", in, "ens1f0", "locked", (int64_t) 0);
                assert_refused(f->client, simulator, "Inject", "org.freedesktop.DBus.Error.InvalidArgs",
                               "Invalid clock", in, "sssx", "sync/ptp-status/lock-state", in, "locked",
                               (int64_t) 0);
                assert_refused(f->client, simulator, "Inject", "org.freedesktop.DBus.Error.InvalidArgs",
                               "Invalid observation", in, "sssx", "sync/ptp-status/lock-state", "ens1f0", in,
                               (int64_t) 0);
        }
        /* Nothing was injected. */
        assert_current_state_error(f->client, LOCK_STATE, "org.ptpsync1.Error.NoData");
}

/* Subscribe(address, {InitialState: initial}); returns the error name (NULL on success) and the path. */
static char *subscribe(sd_bus *bus, const char *address, bool initial, char **ret_path, char **ret_message) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *path;
        char *name = NULL;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "Subscribe", &error, &reply,
                               "sa{sv}", address, 1, "InitialState", "b", (int) initial);
        if (r < 0) {
                name = g_strdup(error.name);
                if (ret_message)
                        *ret_message = g_strdup(error.message);
        } else {
                g_assert_cmpint(sd_bus_message_read(reply, "o", &path), >, 0);
                if (ret_path)
                        *ret_path = g_strdup(path);
        }
        sd_bus_error_free(&error);
        return name;
}

/* What a subscription got so far: Pending + InFlight + Delivered. */
static uint64_t subscription_events(sd_bus *bus, const char *path) {
        static const char *const names[] = { "Pending", "InFlight", "Delivered" };
        uint64_t n = 0;

        for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                sd_bus_error error = SD_BUS_ERROR_NULL;
                uint32_t u;
                uint64_t t;

                g_assert_cmpint(sd_bus_call_method(bus, BUS_NAME, path, "org.freedesktop.DBus.Properties",
                                                   "Get", &error, &reply, "ss", SUBSCRIPTION_INTERFACE,
                                                   names[i]), >=, 0);
                if (i < 2) {
                        g_assert_cmpint(sd_bus_message_read(reply, "v", "u", &u), >, 0);
                        n += u;
                } else {
                        g_assert_cmpint(sd_bus_message_read(reply, "v", "t", &t), >, 0);
                        n += t;
                }
        }
        return n;
}

static bool os_clock_has_data(void *userdata) {
        g_autofree char *name = get_current_state(userdata, TEST_PREFIX "sync/sync-status/os-clock-sync-state",
                                                  NULL, NULL);

        return !name;
}

/*
 * Every O-RAN kind of this node may be subscribed to, also one it has no source for (GNSS without
 * the simulator, SyncE always): accepted, its current state NoData, its InitialState nothing.
 * Another node, or a suffix O-RAN does not define, is still NoSuchResource.
 */
static void test_sourceless_kinds(TestEnv *f, gconstpointer data) {
        static const char *const accepted[] = {
                TEST_PREFIX "sync/gnss-status/gnss-sync-status",
                TEST_PREFIX "sync/synce-status/lock-state",
                TEST_PREFIX "sync/synce-status/clock-quality",
                TEST_PREFIX "sync/synce-status",
                TEST_PREFIX "sync/synce-status/",
                TEST_PREFIX "sync/gnss-status/",
        };
        static const char *const refused[] = {
                "/cluster/node/other.example.com/sync/gnss-status/gnss-sync-status",
                "/cluster/node/other.example.com/sync/synce-status/lock-state",
                TEST_PREFIX "sync/synce-status/frequency",
                TEST_PREFIX "sync/synce-status/lock-stat",
                TEST_PREFIX "sync/synce-status/lock-state/more",
                TEST_PREFIX "sync/synce",
        };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *all = NULL;
        const char *address, *kind, *path;
        unsigned n = 0;

        /* This node has no GNSS resource. */
        g_assert_cmpint(sd_bus_call_method(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "ListResources",
                                           &error, &reply, NULL), >=, 0);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "(sso)"), >, 0);
        while (sd_bus_message_read(reply, "(sso)", &address, &kind, &path) > 0) {
                g_assert_cmpstr(kind, !=, "gnss-sync-status");
                n++;
        }
        g_assert_cmpuint(n, ==, 4);

        for (size_t i = 0; i < G_N_ELEMENTS(accepted); i++) {
                g_autofree char *name = NULL, *sub = NULL, *message = NULL;

                name = subscribe(f->client, accepted[i], true, &sub, &message);
                if (name)
                        g_error("Subscribe(%s): %s: %s", accepted[i], name, message);
                g_assert_true(g_str_has_prefix(sub, "/org/ptpsync1/subscription/"));
                /* InitialState: nothing for a resource without a source (pushed before the reply). */
                g_assert_cmpuint(subscription_events(f->client, sub), ==, 0);
                assert_current_state_error(f->client, accepted[i], "org.ptpsync1.Error.NoData");
        }
        for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
                g_autofree char *name = NULL, *message = NULL;

                name = subscribe(f->client, refused[i], false, NULL, &message);
                g_assert_cmpstr(name, ==, "org.ptpsync1.Error.NoSuchResource");
                if (!strstr(message, "/cluster/node/" TEST_NODE_NAME "/"))
                        g_error("Subscribe(%s): the message does not name the node's prefix: %s", refused[i],
                                message);
                assert_current_state_error(f->client, refused[i], "org.ptpsync1.Error.NoSuchResource");
        }

        /* The counter check can fail: the whole node with InitialState gets the system clock's state. */
        g_assert_true(test_bus_wait_for(f->client, os_clock_has_data, f->client, TEST_TIMEOUT_USEC));
        g_assert_null(subscribe(f->client, TEST_PREFIX, true, &all, NULL));
        g_assert_cmpuint(subscription_events(f->client, all), >=, 1);
        sd_bus_error_free(&error);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) test_env_add(name, NULL, fn)
        ADD("/manager/object-tree", test_object_tree);
        ADD("/manager/object-manager", test_object_manager);
        ADD("/manager/properties", test_manager_properties);
        ADD("/manager/resource-properties", test_resource_properties);
        ADD("/manager/no-data", test_no_data);
        ADD("/manager/current-state", test_current_state);
        ADD("/manager/address-errors", test_address_errors);
        ADD("/manager/bad-signatures", test_bad_signatures);
        ADD("/manager/split-utf8/get-current-state", test_split_current_state);
        ADD("/manager/split-utf8/subscribe", test_split_subscribe);
        ADD("/manager/split-utf8/inject", test_split_inject);
#undef ADD
        test_env_add("/manager/sourceless-kinds", &linuxptp_options, test_sourceless_kinds);
        return g_test_run();
}
