/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who may do what, with a real client of another uid: busctl run as nobody
 * (runuser) on the private bus: busctl to read, dbus-send to call. Reading is open to everyone; injecting into
 * the simulator is root's until polkit arrives. Needs root to switch uid:
 * skipped (exit 77) otherwise.
 */

#include <pwd.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bus-names.h"
#include "test-env.h"

typedef struct Result {
        int status;
        char *out, *err;
} Result;

/* Runs tool (busctl or dbus-send) with the arguments as nobody against the test bus. */
static Result run_as_nobody(TestBus *b, const char *tool, const char *const *args) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        Result r = {};

        test_argv_as_user(argv, "nobody");
        g_ptr_array_add(argv, g_strdup(tool));
        g_ptr_array_add(argv, g_strconcat(g_str_equal(tool, "busctl") ? "--address=" : "--bus=", b->address, NULL));
        for (size_t i = 0; args[i]; i++)
                g_ptr_array_add(argv, g_strdup(args[i]));
        g_ptr_array_add(argv, NULL);

        g_spawn_sync(NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &r.out, &r.err, &r.status,
                     &error);
        g_assert_no_error(error);
        return r;
}

static void result_clear(Result *r) {
        g_free(r->out);
        g_free(r->err);
}

static void test_nobody(void) {
        TestEnv *env = test_env_start(NULL);
        TestBus *b = env->bus;
        sd_bus *root = env->client; /* we are root */
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *nobody_uid = NULL;
        uint64_t seq = 99;
        Result r;

        /* Reading is open to everyone. */
        r = run_as_nobody(b, "busctl", (const char *const[]) { "get-property", BUS_NAME, MANAGER_OBJECT_PATH,
                                                      MANAGER_INTERFACE, "NodeName", NULL });
        g_assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
        g_assert_nonnull(strstr(r.out, TEST_NODE_NAME));
        result_clear(&r);
        r = run_as_nobody(b, "busctl", (const char *const[]) { "call", BUS_NAME, MANAGER_OBJECT_PATH,
                                                                MANAGER_INTERFACE, "ListResources", NULL });
        g_assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
        g_assert_nonnull(strstr(r.out, "lock-state"));
        result_clear(&r);

        /* Injecting is not: AccessDenied, and nothing changes. (dbus-send shows the error's name and text.) */
        r = run_as_nobody(b, "dbus-send", (const char *const[]) { "--print-reply", "--dest=org.ptpsync1",
                                                                   MANAGER_OBJECT_PATH, "org.ptpsync1.Simulator.Inject",
                                                                   "string:sync/ptp-status/lock-state",
                                                                   "string:ens1f0", "string:locked", "int64:0",
                                                                   NULL });
        g_assert_true(WIFEXITED(r.status));
        g_assert_cmpint(WEXITSTATUS(r.status), !=, 0);
        /* The daemon learnt the caller's uid from the bus: nobody's, not ours. */
        nobody_uid = g_strdup_printf("caller uid %u", (unsigned) getpwnam("nobody")->pw_uid);
        if (!strstr(r.err, "org.freedesktop.DBus.Error.AccessDenied") || !strstr(r.err, nobody_uid))
                g_error("expected access denied to %s, got: %s", nobody_uid, r.err);
        result_clear(&r);
        g_assert_cmpint(sd_bus_get_property_trivial(root, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                                    "LastSequence", &error, 't', &seq), >=, 0);
        g_assert_cmpuint(seq, ==, 0);

        /* Root may, on the same daemon, which is still up. */
        test_inject(root, "sync/ptp-status/lock-state", "ens1f0", "locked", 0);
        g_assert_cmpint(sd_bus_get_property_trivial(root, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                                    "LastSequence", &error, 't', &seq), >=, 0);
        g_assert_cmpuint(seq, ==, 1);

        sd_bus_error_free(&error);
        test_env_stop(env);
}

int main(int argc, char *argv[]) {
        if (geteuid() != 0) {
                printf("1..0 # SKIP: running a client as another user (runuser -u nobody) needs root\n");
                return 77;
        }
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/authorization/nobody", test_nobody);
        return g_test_run();
}
