/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.freedesktop.LogControl1 on the real daemon, on a private bus: what
 * `systemctl service-log-level` and `service-log-target` do. Setting the
 * level changes what is logged (each change logs an info line, so a level
 * above info hides the next one); the target "null" silences the daemon
 * (a change of target is said on the old target);
 * bad values are refused by name and change nothing; another uid (nobody,
 * through runuser: needs root, else that case is skipped) may read, not set.
 * Also --log-level= and --log-target= on the command line. The journal
 * target, with its fields, is tested where journald runs: tests/boot.
 */

#include <pwd.h>
#include <sys/wait.h>

#include "common/bus-names.h"
#include "test-env.h"

static char *get_string(TestEnv *e, const char *property) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *value = NULL;
        int r;

        r = sd_bus_get_property_string(e->client, BUS_NAME, LOG_CONTROL_OBJECT_PATH, LOG_CONTROL_INTERFACE,
                                       property, &error, &value);
        if (r < 0)
                g_error("Get %s: %s: %s", property, error.name, error.message);
        sd_bus_error_free(&error);
        return value;
}

/* Sets property to value; returns the error's name, or NULL on success (g_free). */
static char *set_string(TestEnv *e, const char *property, const char *value, char **ret_message) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *name = NULL;

        if (sd_bus_set_property(e->client, BUS_NAME, LOG_CONTROL_OBJECT_PATH, LOG_CONTROL_INTERFACE, property,
                                &error, "s", value) < 0) {
                name = g_strdup(error.name);
                if (ret_message)
                        *ret_message = g_strdup(error.message);
        }
        sd_bus_error_free(&error);
        return name;
}

static const TestEnvOptions with_log = { .log = true };

static void test_get(TestEnv *e, gconstpointer data) {
        g_autofree char *level = get_string(e, "LogLevel");
        g_autofree char *target = get_string(e, "LogTarget");
        g_autofree char *identifier = get_string(e, "SyslogIdentifier");

        g_assert_cmpstr(level, ==, "info");
        g_assert_cmpstr(target, ==, "auto");
        g_assert_cmpstr(identifier, ==, "ptpsyncd");
}

static void test_set_level(TestEnv *e, gconstpointer data) {
        g_autofree char *level = NULL;

        g_assert_null(set_string(e, "LogLevel", "debug", NULL));
        level = get_string(e, "LogLevel");
        g_assert_cmpstr(level, ==, "debug");
        g_assert_true(test_env_log_has(e, "Log level set to debug by ", 1, TEST_TIMEOUT_USEC));

        /* At err, the info line of this change is not written; at info again, that one is. */
        g_assert_null(set_string(e, "LogLevel", "err", NULL));
        g_assert_null(set_string(e, "LogLevel", "info", NULL));
        g_assert_true(test_env_log_has(e, "Log level set to info by ", 1, TEST_TIMEOUT_USEC));
        g_assert_cmpuint(test_file_count(e->log_path, "Log level set to err"), ==, 0);
}

static void test_set_target(TestEnv *e, gconstpointer data) {
        g_autofree char *target = NULL;

        g_assert_null(set_string(e, "LogTarget", "null", NULL));
        target = get_string(e, "LogTarget");
        g_assert_cmpstr(target, ==, "null");
        g_assert_null(set_string(e, "LogLevel", "debug", NULL));
        g_assert_null(set_string(e, "LogTarget", "console", NULL));
        g_assert_null(set_string(e, "LogLevel", "info", NULL));
        g_assert_true(test_env_log_has(e, "Log level set to info by ", 1, TEST_TIMEOUT_USEC));
        /* A change of target is said on the old one; what was said while it was null is gone. */
        g_assert_cmpuint(test_file_count(e->log_path, "Log target set to null"), ==, 1);
        g_assert_cmpuint(test_file_count(e->log_path, "Log level set to debug"), ==, 0);
        g_assert_cmpuint(test_file_count(e->log_path, "Log target set to console"), ==, 0);
}

static void test_refused(TestEnv *e, gconstpointer data) {
        static const char *const levels[] = { "verbose", "", "DEBUG", "info ", "7", ("d\xc3\xa9" "bug") };
        static const char *const targets[] = { "syslog", "kmsg", "", "Console", "journal-or-kmsg" };
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *level = NULL, *target = NULL;

        for (size_t i = 0; i < G_N_ELEMENTS(levels); i++) {
                g_autofree char *message = NULL;
                g_autofree char *name = set_string(e, "LogLevel", levels[i], &message);

                g_assert_cmpstr(name, ==, SD_BUS_ERROR_INVALID_ARGS);
                g_assert_nonnull(strstr(message, "Invalid log level \""));
                g_assert_nonnull(strstr(message, "expected emerg, alert, crit, err, warning, notice, info or debug"));
        }
        for (size_t i = 0; i < G_N_ELEMENTS(targets); i++) {
                g_autofree char *message = NULL;
                g_autofree char *name = set_string(e, "LogTarget", targets[i], &message);

                g_assert_cmpstr(name, ==, SD_BUS_ERROR_INVALID_ARGS);
                g_assert_nonnull(strstr(message, "expected auto, console, journal or null"));
        }
        /* A value of the wrong type: sd-bus refuses it before the setter. */
        g_assert_cmpint(sd_bus_set_property(e->client, BUS_NAME, LOG_CONTROL_OBJECT_PATH, LOG_CONTROL_INTERFACE,
                                            "LogLevel", &error, "u", 7), <, 0);
        g_assert_true(sd_bus_error_is_set(&error));
        sd_bus_error_free(&error);
        /* Read-only. */
        g_assert_cmpint(sd_bus_set_property(e->client, BUS_NAME, LOG_CONTROL_OBJECT_PATH, LOG_CONTROL_INTERFACE,
                                            "SyslogIdentifier", &error, "s", "other"), <, 0);
        g_assert_cmpstr(error.name, ==, SD_BUS_ERROR_PROPERTY_READ_ONLY);
        sd_bus_error_free(&error);

        level = get_string(e, "LogLevel");
        target = get_string(e, "LogTarget");
        g_assert_cmpstr(level, ==, "info");
        g_assert_cmpstr(target, ==, "auto");
}

/* tool (busctl or dbus-send: it shows an error's text) as nobody on the test bus; its exit status. */
static int run_as_nobody(TestEnv *e, const char *tool, const char *const *args, char **out, char **err) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) error = NULL;
        int status = -1;

        test_argv_as_user(argv, "nobody");
        g_ptr_array_add(argv, g_strdup(tool));
        g_ptr_array_add(argv, g_strconcat(g_str_equal(tool, "busctl") ? "--address=" : "--bus=", e->bus->address, NULL));
        for (size_t i = 0; args[i]; i++)
                g_ptr_array_add(argv, g_strdup(args[i]));
        g_ptr_array_add(argv, NULL);
        g_spawn_sync(NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out, err, &status, &error);
        g_assert_no_error(error);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_other_uid(TestEnv *e, gconstpointer data) {
        g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL, *level = NULL;

        if (geteuid() != 0 || !getpwnam("nobody")) {
                g_test_skip("needs root and a user nobody to call as another uid");
                return;
        }
        g_assert_cmpint(run_as_nobody(e, "busctl", (const char *const[]) { "get-property", BUS_NAME,
                                                                         LOG_CONTROL_OBJECT_PATH,
                                                                         LOG_CONTROL_INTERFACE, "LogLevel", NULL },
                                      &out, &err), ==, 0);
        g_assert_nonnull(strstr(out, "\"info\""));
        g_assert_cmpint(run_as_nobody(e, "dbus-send",
                                      (const char *const[]) { "--print-reply", "--dest=" BUS_NAME,
                                                              LOG_CONTROL_OBJECT_PATH,
                                                              "org.freedesktop.DBus.Properties.Set",
                                                              "string:" LOG_CONTROL_INTERFACE, "string:LogLevel",
                                                              "variant:string:debug", NULL },
                                      &out2, &err2), !=, 0);
        if (!strstr(err2, SD_BUS_ERROR_ACCESS_DENIED) || !strstr(err2, "only root may set LogLevel"))
                g_error("expected access denied, got: %s", err2);
        level = get_string(e, "LogLevel");
        g_assert_cmpstr(level, ==, "info");
}

static const char *const quiet_args[] = { "--log-level=warning", "--log-target=console", NULL };
static const TestEnvOptions quiet = { .log = true, .daemon_args = quiet_args };

static void test_command_line(TestEnv *e, gconstpointer data) {
        g_autofree char *level = get_string(e, "LogLevel");
        g_autofree char *target = get_string(e, "LogTarget");

        g_assert_cmpstr(level, ==, "warning");
        g_assert_cmpstr(target, ==, "console");
        /* READY came, so the name was acquired; at warning its info line was not written. */
        g_assert_cmpuint(test_file_count(e->log_path, "Acquired " BUS_NAME), ==, 0);
}

static void test_bad_command_line(void) {
        static const char *const bad[] = { "--log-level=verbose", "--log-level=", "--log-target=syslog",
                                           "--log-target=" };

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                const char *argv[] = { test_ptpsyncd_path(), bad[i], NULL };
                g_autofree char *option = g_strndup(bad[i], strchr(bad[i], '=') + 1 - bad[i]);
                g_autofree char *err = NULL;
                g_autoptr(GError) error = NULL;
                int status = -1;

                g_spawn_sync(NULL, (char **) argv, NULL, 0, NULL, NULL, NULL, &err, &status, &error);
                g_assert_no_error(error);
                g_assert_true(WIFEXITED(status));
                g_assert_cmpint(WEXITSTATUS(status), ==, 2);
                g_assert_nonnull(strstr(err, option));
                g_assert_nonnull(strstr(err, "expected "));
        }
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        test_env_add("/log-control/get", &with_log, test_get);
        test_env_add("/log-control/set-level", &with_log, test_set_level);
        test_env_add("/log-control/set-target", &with_log, test_set_target);
        test_env_add("/log-control/refused", &with_log, test_refused);
        test_env_add("/log-control/other-uid", &with_log, test_other_uid);
        test_env_add("/log-control/command-line", &quiet, test_command_line);
        g_test_add_func("/log-control/bad-command-line", test_bad_command_line);
        return g_test_run();
}
