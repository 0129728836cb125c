/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tests' private bus itself (tests/lib/child-io.c, bus-broker.c): the one
 * PTPSYNC_TEST_BUS names is the one that runs, an unknown name is refused
 * saying so, and once test_bus_stop() returns no process of that bus is left.
 */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "harness.h"

/* The pid that answers for org.freedesktop.DBus: dbus-daemon, or dbus-broker-launch (dbus-broker's parent). */
static pid_t bus_driver_pid(sd_bus *bus) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        uint32_t pid = 0;
        int r;

        r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "GetConnectionUnixProcessID", &error, &reply, "s", "org.freedesktop.DBus");
        if (r < 0)
                g_error("GetConnectionUnixProcessID(org.freedesktop.DBus): %s", error.message);
        g_assert_cmpint(sd_bus_message_read(reply, "u", &pid), >, 0);
        sd_bus_message_unref(reply);
        return (pid_t) pid;
}

static char *process_name(pid_t pid) {
        g_autofree char *path = g_strdup_printf("/proc/%d/comm", (int) pid);
        char *comm = NULL;

        g_assert_true(g_file_get_contents(path, &comm, NULL, NULL));
        return g_strchomp(comm);
}

/* The pid of pid's only child (dbus-broker-launch has one: dbus-broker). */
static pid_t only_child(pid_t pid) {
        g_autofree char *path = g_strdup_printf("/proc/%d/task/%d/children", (int) pid, (int) pid);
        g_autofree char *children = NULL;
        g_auto(GStrv) pids = NULL;

        g_assert_true(g_file_get_contents(path, &children, NULL, NULL));
        pids = g_strsplit(g_strstrip(children), " ", -1);
        g_assert_cmpuint(g_strv_length(pids), ==, 1);
        return (pid_t) atoi(pids[0]);
}

static void test_kind(void) {
        TestBus *b = test_bus_start();
        sd_bus *c = test_bus_connect(b);
        pid_t driver = bus_driver_pid(c);
        g_autofree char *comm = process_name(driver);

        if (test_bus_is_broker()) {
                g_autofree char *child = process_name(only_child(driver));

                /* comm is cut at 15 characters */
                g_assert_cmpstr(comm, ==, "dbus-broker-lau");
                g_assert_cmpstr(child, ==, "dbus-broker");
        } else
                g_assert_cmpstr(comm, ==, "dbus-daemon");
        sd_bus_flush_close_unref(c);
        test_bus_stop(b);
}

static void assert_gone(pid_t pid) {
        g_assert_cmpint(kill(pid, 0), ==, -1);
        g_assert_cmpint(errno, ==, ESRCH);
}

/* dbus-broker is not our child but the launcher's, and outlives it for a moment: it is waited for too. */
static void test_stop_leaves_nothing(void) {
        TestBus *b = test_bus_start();
        sd_bus *c = test_bus_connect(b);
        pid_t driver = bus_driver_pid(c), broker = test_bus_is_broker() ? only_child(driver) : 0;

        sd_bus_flush_close_unref(c);
        test_bus_stop(b);
        assert_gone(driver);
        if (broker > 0)
                assert_gone(broker);
}

static void test_unknown_kind(void) {
        if (g_test_subprocess()) {
                g_setenv("PTPSYNC_TEST_BUS", "dbus-nonesuch", true);
                test_bus_stop(test_bus_start());
                return;
        }
        g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
        g_test_trap_assert_failed();
        g_test_trap_assert_stderr("*PTPSYNC_TEST_BUS=dbus-nonesuch: not a bus this knows (dbus-daemon or dbus-broker)*");
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/private-bus/kind", test_kind);
        g_test_add_func("/private-bus/stop-leaves-nothing", test_stop_leaves_nothing);
        g_test_add_func("/private-bus/unknown-kind", test_unknown_kind);
        return g_test_run();
}
