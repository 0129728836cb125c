/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <signal.h>

#include "test-env.h"

/* s with @BUS_DIR@ and @BUS_ADDRESS@ replaced (g_free): a test names what exists only once the bus runs. */
static char *expand(TestEnv *e, const char *s) {
        GString *r = g_string_new(s);

        (void) g_string_replace(r, "@BUS_DIR@", e->bus->dir, 0);
        (void) g_string_replace(r, "@BUS_ADDRESS@", e->bus->address, 0);
        return g_string_free(r, false);
}

void test_env_setup(TestEnv *e, const TestEnvOptions *o) {
        static const TestEnvOptions defaults = {};

        o = o ?: &defaults;
        e->bus = test_bus_start_with(o->bus_config ?: "");
        e->daemon_argv = g_ptr_array_new_with_free_func(g_free);
        if (o->config_text) {
                g_autofree char *text = expand(e, o->config_text);

                e->config_path = test_bus_write_file(e->bus, "ptpsyncd.conf", text);
                g_ptr_array_add(e->daemon_argv, g_strconcat("--config=", e->config_path, NULL));
        }
        for (size_t i = 0; o->daemon_args && o->daemon_args[i]; i++)
                g_ptr_array_add(e->daemon_argv, expand(e, o->daemon_args[i]));
        e->own_args = o->own_args;
        g_ptr_array_add(e->daemon_argv, NULL);
        if (o->log)
                e->log_path = g_build_filename(e->bus->dir, "ptpsyncd.log", NULL);
        /* Before the daemon: its first check finds polkit there. */
        if (o->polkitd)
                e->polkitd = test_polkitd_start(e->bus, o->polkit_rules);
        if (o->no_daemon)
                return;

        /* Watching before the daemon starts: nothing it says at start-up is missed. */
        if (o->events_match) {
                e->client = test_bus_connect(e->bus);
                e->events = test_signals_watch(e->client, o->events_match);
        }
        test_env_daemon_start(e);
        if (!e->client)
                e->client = test_bus_connect(e->bus);
}

/* The daemon's log, when a test failed: what it said is the first thing to read. */
static void print_log_if_failed(TestEnv *e) {
        g_autofree char *log = NULL;

        if (g_test_failed() && e->log_path && g_file_get_contents(e->log_path, &log, NULL, NULL))
                g_printerr("--- ptpsyncd's log\n%s---\n", log);
}

void test_env_teardown(TestEnv *e) {
        test_signals_free(e->events);
        e->events = NULL;
        if (e->client)
                e->client = sd_bus_flush_close_unref(e->client);
        if (e->daemon)
                test_daemon_stop(e->daemon);
        print_log_if_failed(e);
        test_daemon_free(e->daemon);
        e->daemon = NULL;
        test_polkitd_stop(e->polkitd);
        e->polkitd = NULL;
        test_bus_stop(e->bus);
        e->bus = NULL;
        if (e->daemon_argv)
                g_ptr_array_unref(e->daemon_argv);
        e->daemon_argv = NULL;
        g_clear_pointer(&e->config_path, g_free);
        g_clear_pointer(&e->log_path, g_free);
}

TestEnv *test_env_start(const TestEnvOptions *o) {
        TestEnv *e = g_new0(TestEnv, 1);

        test_env_setup(e, o);
        return e;
}

void test_env_stop(TestEnv *e) {
        if (!e)
                return;
        test_env_teardown(e);
        g_free(e);
}

void test_env_fixture_setup(TestEnv *e, gconstpointer options) {
        test_env_setup(e, options);
}

void test_env_fixture_teardown(TestEnv *e, gconstpointer options) {
        test_env_teardown(e);
}

void test_env_daemon_start(TestEnv *e) {
        const char *const *args = (const char *const *) e->daemon_argv->pdata;

        g_assert_null(e->daemon);
        e->daemon = test_daemon_spawn_logged(e->bus, args, !e->own_args, e->log_path);
        if (!test_daemon_wait_notify(e->daemon, "READY=1", TEST_TIMEOUT_USEC)) {
                g_autofree char *log = NULL;

                if (e->log_path)
                        (void) g_file_get_contents(e->log_path, &log, NULL, NULL);
                g_error("ptpsyncd did not send READY=1; notifications so far: %s; its log: %s",
                        e->daemon->notifications->str, log ?: "not kept");
        }
}

void test_env_daemon_stop(TestEnv *e) {
        test_daemon_stop(e->daemon);
        test_daemon_free(e->daemon);
        e->daemon = NULL;
}

void test_env_daemon_crash_and_restart(TestEnv *e) {
        g_assert_cmpint(kill(e->daemon->pid, SIGKILL), ==, 0);
        g_assert_true(test_daemon_wait_exit(e->daemon, TEST_TIMEOUT_USEC));
        test_daemon_free(e->daemon);
        e->daemon = NULL;
        test_env_daemon_start(e);
}

void test_env_inject_lock_events(TestEnv *e, unsigned n) {
        test_inject_lock_events(e->client, &e->injected, n);
}

typedef struct EventWanted {
        TestEnv *env;
        const char *source_suffix;
        const char *value;
        guint found; /* index + 1 */
} EventWanted;

static bool event_found(void *userdata) {
        EventWanted *w = userdata;
        GPtrArray *m = w->env->events->messages;

        for (guint i = w->env->seen; i < m->len; i++) {
                g_autoptr(TestEvent) ev = NULL;

                /* Read again from the start: an earlier wait read it already. */
                (void) sd_bus_message_rewind(m->pdata[i], true);
                ev = test_event_read(m->pdata[i]);
                if (w->source_suffix && !g_str_has_suffix(ev->source, w->source_suffix))
                        continue;
                for (guint v = 0; v < ev->values->len; v++)
                        if (streq(ev->values->pdata[v], w->value)) {
                                w->found = i + 1;
                                return true;
                        }
        }
        return false;
}

bool test_env_wait_event(TestEnv *e, const char *source_suffix, const char *value, uint64_t timeout_usec) {
        EventWanted w = { .env = e, .source_suffix = source_suffix, .value = value };

        g_assert_nonnull(e->events);
        if (!test_bus_wait_for(e->client, event_found, &w, timeout_usec))
                return false;
        e->seen = w.found;
        return true;
}

bool test_env_log_has(TestEnv *e, const char *needle, unsigned count, uint64_t timeout_usec) {
        gint64 deadline = g_get_monotonic_time() + (gint64) timeout_usec;

        g_assert_nonnull(e->log_path);
        while (test_file_count(e->log_path, needle) < count) {
                if (g_get_monotonic_time() > deadline)
                        return false;
                (void) sd_bus_wait(e->client, TEST_POLL_USEC);
                (void) sd_bus_process(e->client, NULL);
        }
        return true;
}

char *test_env_states_since(TestEnv *e, guint from, const char *address) {
        g_autofree char *prefix = g_strconcat(address, "|notification|enumeration|", NULL);
        GPtrArray *m = e->events->messages;
        GString *found = g_string_new(NULL);

        for (guint i = from; i < m->len; i++) {
                g_autoptr(TestEvent) ev = NULL;

                (void) sd_bus_message_rewind(m->pdata[i], true);
                ev = test_event_read(m->pdata[i]);
                for (guint v = 0; v < ev->values->len; v++)
                        if (g_str_has_prefix(ev->values->pdata[v], prefix))
                                g_string_append_printf(found, "%s%" G_GUINT64_FORMAT " %s", found->len ? ", " : "",
                                                       ev->seq, (char *) ev->values->pdata[v] + strlen(prefix));
        }
        return g_string_free(found, false);
}
