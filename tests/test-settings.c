/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The running configuration (settings.c): the file with the command line on
 * top, as start-up and every reload make it.
 */

#include <glib.h>
#include <glib/gstdio.h>
#include <pwd.h>

#include "build-config.h"
#include "config/settings.h"

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
        g_unsetenv("STATE_DIRECTORY");
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

        /* systemd's StateDirectory= likewise: below the file's and --state-dir=, above the default. */
        g_setenv("STATE_DIRECTORY", "/var/lib/ptpsync-env:/var/lib/other", true);
        load(f, "");
        g_assert_cmpstr(f->config.state_directory, ==, "/var/lib/ptpsync-env");
        load(f, "[Daemon]\nStateDirectory=/file/state\n");
        g_assert_cmpstr(f->config.state_directory, ==, "/file/state");
        f->o.state_dir = "/option/state";
        load(f, "[Daemon]\nStateDirectory=/file/state\n");
        g_assert_cmpstr(f->config.state_directory, ==, "/option/state");
        f->o.state_dir = NULL;
        g_setenv("STATE_DIRECTORY", "relative/state", true);
        load(f, "");
        g_assert_cmpstr(f->config.state_directory, ==, DEFAULT_STATE_DIR);
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

static const QuotaUserConfig *quota_user(Fixture *f, guint i) {
        g_assert_cmpuint(i, <, f->config.quota_users->len);
        return f->config.quota_users->pdata[i];
}

/*
 * [Quota user NAME]: a user name is resolved to its uid; one that does not resolve is skipped (the
 * daemon keeps running with the rest), not an error; two groups for one uid are an error.
 */
static void test_quota_users(Fixture *f, gconstpointer data) {
        struct passwd *nobody = getpwnam("nobody");
        g_autofree char *text = NULL, *twice = NULL;
        g_autoptr(GError) error = NULL;
        uid_t nobody_uid;

        if (!nobody) {
                g_test_skip("no user nobody here");
                return;
        }
        nobody_uid = nobody->pw_uid;

        text = g_strdup_printf("[Quota]\nSubscriptionsPerConnection=64\n"
                               "[Quota user nobody]\nSubscriptionsPerConnection=100\n"
                               "[Quota user ptpsync-test-no-such-user]\nSubscriptionsPerUser=5\n"
                               "[Quota user 4242]\nSubscriptionsPerUser=7\n"
                               "[Quota user root]\n");
        load(f, text);
        g_assert_cmpuint(f->config.subscriptions_per_connection, ==, 64);
        g_assert_cmpuint(f->config.quota_users->len, ==, 3);
        g_assert_cmpstr(quota_user(f, 0)->user, ==, "nobody");
        g_assert_true(quota_user(f, 0)->resolved);
        g_assert_cmpuint(quota_user(f, 0)->uid, ==, nobody_uid);
        g_assert_true(quota_user(f, 0)->has_per_connection);
        g_assert_cmpuint(quota_user(f, 0)->subscriptions_per_connection, ==, 100);
        g_assert_false(quota_user(f, 0)->has_per_uid);
        /* The unknown user's group is gone; the uid needs no lookup, and need not exist. */
        g_assert_cmpstr(quota_user(f, 1)->user, ==, "4242");
        g_assert_cmpuint(quota_user(f, 1)->uid, ==, 4242);
        g_assert_cmpuint(quota_user(f, 1)->subscriptions_per_uid, ==, 7);
        /* Root's is kept, though it has no effect (logged). */
        g_assert_cmpstr(quota_user(f, 2)->user, ==, "root");
        g_assert_cmpuint(quota_user(f, 2)->uid, ==, 0);

        /* A reload starts afresh: a group gone from the file is gone. */
        load(f, "[Quota user 4242]\n");
        g_assert_cmpuint(f->config.quota_users->len, ==, 1);
        g_assert_cmpuint(quota_user(f, 0)->uid, ==, 4242);
        g_assert_false(quota_user(f, 0)->has_per_uid);

        /* A name and a uid for the same user: refused, naming both groups and the file, and nothing changes. */
        twice = g_strdup_printf("[Quota user nobody]\nSubscriptionsPerUser=1\n[Quota user %u]\n",
                                (unsigned) nobody_uid);
        g_assert_true(g_file_set_contents(f->path, twice, -1, NULL));
        g_assert_false(settings_load(&f->config, &f->o, &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
        g_assert_nonnull(strstr(error->message, f->path));
        g_assert_nonnull(strstr(error->message, "[Quota user nobody]"));
        g_assert_nonnull(strstr(error->message, "are both for uid"));
        g_assert_cmpuint(f->config.quota_users->len, ==, 1);
        g_assert_cmpuint(quota_user(f, 0)->uid, ==, 4242);
}

/* Loads text, which must fail with an error containing what. */
static void load_fails(Fixture *f, const char *text, const char *what) {
        g_autoptr(GError) error = NULL;

        g_assert_true(g_file_set_contents(f->path, text, -1, NULL));
        g_assert_false(settings_load(&f->config, &f->o, &error));
        g_assert_nonnull(error);
        if (!strstr(error->message, what))
                g_error("%s does not say %s", error->message, what);
}

/* [Grandmaster] Instance= names one of the instances read, and needs a receiver; the simulator reads neither. */
static void test_grandmaster(Fixture *f, gconstpointer data) {
        static const char gm[] = "[Daemon]\nSource=linuxptp\n[GNSS]\nGpsd=127.0.0.1:2947\n"
                                 "[Grandmaster]\nInstance=gm\nLocalHoldoverTimeout=10\nLockSettleSec=0\n"
                                 "[ptp4l gm]\nSocket=/run/gm\n";

        load(f, gm);
        g_assert_cmpstr(f->config.grandmaster.instance, ==, "gm");
        g_assert_cmpuint(f->config.grandmaster.params.local_holdover_timeout_usec, ==, 10 * USEC_PER_SEC);
        g_assert_cmpuint(f->config.grandmaster.params.settle_usec, ==, 0);
        g_assert_cmpint(f->config.grandmaster.params.max_in_spec_offset_ns, ==, 1500);

        load_fails(f, "[GNSS]\nGpsd=127.0.0.1:2947\n[Grandmaster]\nInstance=gm\n[ptp4l other]\nSocket=/run/o\n",
                   "[Grandmaster] Instance=gm names no [ptp4l gm] group (the one instance read is not it)");
        load_fails(f, "[Grandmaster]\nInstance=gm\n[ptp4l gm]\nSocket=/run/gm\n",
                   "[Grandmaster] Instance=gm needs the GNSS receiver it follows: set [GNSS] Gpsd=");
        /* The configuration that failed left the running one as it was. */
        g_assert_cmpstr(f->config.grandmaster.instance, ==, "gm");

        /* --ptp4l-socket= replaces the groups: the grandmaster is then not among them. */
        f->o.ptp4l_socket = "/run/option";
        g_assert_true(g_file_set_contents(f->path, gm, -1, NULL));
        load_fails(f, gm, "names no [ptp4l gm] group");

        /* The simulator reads no ptp4l: nothing to check. */
        f->o.ptp4l_socket = NULL;
        f->o.source = SOURCE_SIM;
        load(f, "[Grandmaster]\nInstance=gm\n");
        g_assert_cmpstr(f->config.grandmaster.instance, ==, "gm");
}

/* ts2phc is watched for the grandmaster alone: the keys without Instance= are refused, not ignored. */
static void test_grandmaster_ts2phc(Fixture *f, gconstpointer data) {
        static const char gm[] = "[Daemon]\nSource=linuxptp\n[GNSS]\nGpsd=127.0.0.1:2947\n"
                                 "[Grandmaster]\nInstance=gm\nTs2phcPidFile=/run/ts2phc.pid\n"
                                 "[ptp4l gm]\nSocket=/run/gm\n";

        load(f, gm);
        g_assert_cmpstr(f->config.grandmaster.ts2phc.pid_file, ==, "/run/ts2phc.pid");
        g_assert_true(ts2phc_watch_config_enabled(&f->config.grandmaster.ts2phc));

        load_fails(f, "[Daemon]\nSource=linuxptp\n[Grandmaster]\nTs2phcWatch=yes\n",
                   "[Grandmaster] Ts2phcWatch=, Ts2phcPidFile= and Ts2phcConfig= watch the grandmaster's ts2phc: "
                   "set Instance= too");
        load_fails(f, "[Grandmaster]\nInstance=\nTs2phcConfig=/etc/ts2phc.conf\n", "set Instance= too");
        g_assert_cmpstr(f->config.grandmaster.ts2phc.pid_file, ==, "/run/ts2phc.pid");
        /* Off, the keys may stay without a grandmaster. */
        load(f, "[Daemon]\nSource=linuxptp\n[Grandmaster]\nTs2phcWatch=no\n");
        g_assert_false(ts2phc_watch_config_enabled(&f->config.grandmaster.ts2phc));
}

/* The class writer writes into the grandmaster's ptp4l: without one it is refused, not ignored. */
static void test_grandmaster_writer(Fixture *f, gconstpointer data) {
        load(f, "[Daemon]\nSource=linuxptp\n[GNSS]\nGpsd=127.0.0.1:2947\n[Grandmaster]\nInstance=gm\n"
                "WriteClockClass=yes\n[ptp4l gm]\nSocket=/run/gm\n");
        g_assert_true(f->config.grandmaster.write_clock_class);
        load_fails(f, "[Daemon]\nSource=linuxptp\n[Grandmaster]\nWriteClockClass=yes\n",
                   "[Grandmaster] WriteClockClass=yes writes the grandmaster's clock class into its ptp4l: "
                   "set Instance= too");
        g_assert_true(f->config.grandmaster.write_clock_class); /* the running one stays */
        load(f, "[Daemon]\nSource=linuxptp\n[Grandmaster]\nWriteClockClass=no\n");
        g_assert_false(f->config.grandmaster.write_clock_class);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/settings/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
        ADD("file-alone", test_file_alone);
        ADD("defaults", test_defaults);
        ADD("overrides", test_overrides);
        ADD("ptp4l-socket", test_ptp4l_socket);
        ADD("reload", test_reload);
        ADD("quota-users", test_quota_users);
        ADD("grandmaster", test_grandmaster);
        ADD("grandmaster-ts2phc", test_grandmaster_ts2phc);
        ADD("grandmaster-writer", test_grandmaster_writer);
#undef ADD
        return g_test_run();
}
