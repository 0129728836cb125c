/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The running configuration (settings.c): the file with the command line on
 * top, as start-up and every reload make it.
 */

#include <glib.h>
#include <glib/gstdio.h>

#include "build-config.h"
#include "settings.h"

typedef struct Fixture {
        char *dir;
        char *path;
        Config config;
        Overrides o;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data) {
        f->dir = g_dir_make_tmp("ptpsync-settings-XXXXXX", NULL);
        g_assert_nonnull(f->dir);
        f->path = g_build_filename(f->dir, "ptpsyncd.conf", NULL);
        config_init(&f->config);
        f->o = (Overrides) { .config_file = f->path, .config_must_exist = true, .source = _SOURCE_KIND_INVALID };
        g_unsetenv("RUNTIME_DIRECTORY");
}

static void fixture_teardown(Fixture *f, gconstpointer data) {
        config_done(&f->config);
        (void) g_unlink(f->path);
        (void) g_rmdir(f->dir);
        g_free(f->path);
        g_free(f->dir);
}

/* Writes text to the file (NULL: leaves it as it is) and loads it, which must succeed. */
static void load(Fixture *f, const char *text) {
        g_autoptr(GError) error = NULL;

        if (text)
                g_assert_true(g_file_set_contents(f->path, text, -1, NULL));
        settings_load(&f->config, &f->o, &error);
        g_assert_no_error(error);
}

static const char file[] =
        "[Daemon]\nNodeName=from-file\nSource=sim\nStateDirectory=/file/state\nRuntimeDirectory=/file/run\n"
        "[Thresholds]\nMaxOffsetNs=40\n"
        "[ptp4l a]\nSocket=/run/a\n"
        "[ptp4l b]\nSocket=/run/b\n";

static void test_file_alone(Fixture *f, gconstpointer data) {
        load(f, file);
        g_assert_cmpstr(f->config.node_name, ==, "from-file");
        g_assert_cmpint(f->config.source, ==, SOURCE_SIM);
        g_assert_cmpstr(f->config.state_directory, ==, "/file/state");
        g_assert_cmpstr(f->config.runtime_directory, ==, "/file/run");
        g_assert_cmpint(f->config.thresholds.max_offset_ns, ==, 40);
        g_assert_cmpuint(f->config.ptp4l->len, ==, 2);
}

/* Nothing set anywhere: every default, and one ptp4l at its default socket. */
static void test_defaults(Fixture *f, gconstpointer data) {
        load(f, "");
        g_assert_null(f->config.node_name);
        g_assert_cmpint(f->config.source, ==, SOURCE_LINUXPTP);
        g_assert_cmpstr(f->config.state_directory, ==, DEFAULT_STATE_DIR);
        g_assert_cmpstr(f->config.runtime_directory, ==, DEFAULT_RUNTIME_DIR);
        g_assert_cmpuint(f->config.ptp4l->len, ==, 1);
        g_assert_cmpstr(((Ptp4lConfig *) f->config.ptp4l->pdata[0])->socket, ==, PTP4L_SOCKET_DEFAULT);

        /* systemd's RuntimeDirectory=, the first of them, when nothing else names one. */
        g_setenv("RUNTIME_DIRECTORY", "/run/ptpsync-env:/run/other", true);
        load(f, "");
        g_assert_cmpstr(f->config.runtime_directory, ==, "/run/ptpsync-env");
        load(f, "[Daemon]\nRuntimeDirectory=/file/run\n");
        g_assert_cmpstr(f->config.runtime_directory, ==, "/file/run");
}

static void test_overrides(Fixture *f, gconstpointer data) {
        f->o.node_name = "from-option";
        f->o.source = SOURCE_LINUXPTP;
        f->o.state_dir = "/option/state";
        f->o.runtime_dir = "/option/run";
        load(f, file);
        g_assert_cmpstr(f->config.node_name, ==, "from-option");
        g_assert_cmpint(f->config.source, ==, SOURCE_LINUXPTP);
        g_assert_cmpstr(f->config.state_directory, ==, "/option/state");
        g_assert_cmpstr(f->config.runtime_directory, ==, "/option/run");
        /* What no option sets still comes from the file. */
        g_assert_cmpint(f->config.thresholds.max_offset_ns, ==, 40);
        g_assert_cmpuint(f->config.ptp4l->len, ==, 2);
}

/* --ptp4l-socket= replaces the groups, and implies linuxptp over the file's Source=sim. */
static void test_ptp4l_socket(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;
        const Ptp4lConfig *p;

        f->o.ptp4l_socket = "/run/option";
        load(f, file);
        g_assert_cmpint(f->config.source, ==, SOURCE_LINUXPTP);
        g_assert_cmpuint(f->config.ptp4l->len, ==, 1);
        p = f->config.ptp4l->pdata[0];
        g_assert_cmpstr(p->name, ==, "ptp4l");
        g_assert_cmpstr(p->socket, ==, "/run/option");
        g_assert_null(p->interface);

        f->o.source = SOURCE_SIM;
        g_assert_false(settings_load(&f->config, &f->o, &error));
        g_assert_nonnull(strstr(error->message, "--ptp4l-socket="));
}

/* Each load starts afresh (a group gone from the file is gone), and a failed one changes nothing. */
static void test_reload(Fixture *f, gconstpointer data) {
        g_autoptr(GError) error = NULL;

        load(f, file);
        load(f, "[ptp4l b]\nSocket=/run/b\nPollIntervalMs=500\n");
        g_assert_null(f->config.node_name);
        g_assert_cmpint(f->config.thresholds.max_offset_ns, ==, THRESHOLDS_DEFAULT.max_offset_ns);
        g_assert_cmpuint(f->config.ptp4l->len, ==, 1);
        g_assert_cmpstr(((Ptp4lConfig *) f->config.ptp4l->pdata[0])->name, ==, "b");

        g_assert_true(g_file_set_contents(f->path, "[ptp4l c]\nSocket=/run/c\n[Thresholds]\nMaxOffsetNs=x\n", -1,
                                          NULL));
        g_assert_false(settings_load(&f->config, &f->o, &error));
        g_assert_nonnull(strstr(error->message, f->path));
        g_assert_nonnull(strstr(error->message, "MaxOffsetNs"));
        g_assert_cmpuint(f->config.ptp4l->len, ==, 1);
        g_assert_cmpstr(((Ptp4lConfig *) f->config.ptp4l->pdata[0])->name, ==, "b");
        g_assert_cmpuint(((Ptp4lConfig *) f->config.ptp4l->pdata[0])->poll_interval_ms, ==, 500);
        g_clear_error(&error);

        /* A file named with --config= must exist; the default one may be absent. */
        g_assert_cmpint(g_unlink(f->path), ==, 0);
        g_assert_false(settings_load(&f->config, &f->o, &error));
        g_assert_true(g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT));
        f->o.config_must_exist = false;
        load(f, NULL);
        g_assert_cmpuint(f->config.ptp4l->len, ==, 1);
        g_assert_cmpstr(((Ptp4lConfig *) f->config.ptp4l->pdata[0])->socket, ==, PTP4L_SOCKET_DEFAULT);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/settings/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
        ADD("file-alone", test_file_alone);
        ADD("defaults", test_defaults);
        ADD("overrides", test_overrides);
        ADD("ptp4l-socket", test_ptp4l_socket);
        ADD("reload", test_reload);
#undef ADD
        return g_test_run();
}
