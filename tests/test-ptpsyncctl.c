/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsyncctl ($PTPSYNCCTL) against the real daemon on a private bus: every
 * command's text and --json output (each JSON line checked with jq;
 * --json=pretty the same values, indented; every key printed listed in the
 * man page's JSON OUTPUT), --help
 * and --version, the exit statuses (usage, daemon not running, access denied,
 * no such resource, timeout), wait reaching a state injected after it
 * started, watch printing events as they come (broadcast and durable), and
 * no colours when stdout is not a terminal.
 */

#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bus-names.h"
#include "test-env.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus, sd_bus_flush_close_unref)

#define LOCK "sync/ptp-status/lock-state"
#define OS_CLOCK "sync/sync-status/os-clock-sync-state"
#define LOCK_ADDRESS TEST_PREFIX LOCK
#define SYNC_STATE "sync/sync-status/sync-state"

/* Holdover never runs out during a test. */
static const char config[] = "[Thresholds]\nHoldoverTimeoutSec=3600\n";

static const TestEnvOptions options = { .config_text = config };

typedef struct Result {
        int status; /* the exit status; -1 if it did not exit normally */
        char *out, *err;
} Result;

static void result_clear(Result *r) {
        g_free(r->out);
        g_free(r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Result, result_clear)

static const char *ctl_path(void) {
        const char *p = g_getenv("PTPSYNCCTL");
        g_assert_nonnull(p);
        return p;
}

/* The environment of the next run()s; NULL: the test's own. */
static char **run_envp = NULL;

/* Runs [runuser -u user --] ptpsyncctl --bus=ADDRESS args... to its end (it must end). */
static void run_as(TestBus *b, const char *user, const char *const *args, Result *ret) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) error = NULL;
        int wait_status;

        test_argv_as_user(argv, user);
        test_client_argv(argv, ctl_path());
        if (b)
                g_ptr_array_add(argv, g_strconcat("--bus=", b->address, NULL));
        for (; *args; args++)
                g_ptr_array_add(argv, g_strdup(*args));
        g_ptr_array_add(argv, NULL);
        g_spawn_sync(NULL, (char **) argv->pdata, run_envp, G_SPAWN_SEARCH_PATH, test_spawn_child_setup, NULL,
                     &ret->out, &ret->err, &wait_status, &error);
        g_assert_no_error(error);
        ret->status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
        g_test_message("ptpsyncctl ... -> %d\n%s%s", ret->status, ret->out, ret->err);
        /* Never colours on a pipe. */
        g_assert_null(strchr(ret->out, '\x1b'));
}

static void run(TestBus *b, const char *const *args, Result *ret) {
        run_as(b, NULL, args, ret);
}

#define RUN(f, r, ...) run((f)->bus, (const char *const[]) { __VA_ARGS__, NULL }, (r))

/* Asserts that jq -e filter holds for one JSON text. */
static void assert_jq(TestBus *b, const char *json, const char *filter) {
        g_autofree char *path = test_bus_write_file(b, "json", json);
        g_autofree char *out = NULL, *err = NULL;
        g_autoptr(GError) error = NULL;
        int status;

        g_spawn_sync(NULL, (char **) (const char *const[]) { "jq", "-e", filter, path, NULL }, NULL,
                     G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error);
        g_assert_no_error(error);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                g_error("jq -e '%s' does not hold for %s: %s%s", filter, json, out, err);
}

/* What jq prints for filter over the JSON texts of json (jq -c: one line each); jq must succeed. */
static char *jq_output(TestBus *b, const char *json, const char *const *jq_args) {
        g_autofree char *path = test_bus_write_file(b, "json", json);
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autofree char *err = NULL;
        g_autoptr(GError) error = NULL;
        char *out = NULL;
        int status;

        g_ptr_array_add(argv, (char *) "jq");
        for (; *jq_args; jq_args++)
                g_ptr_array_add(argv, (char *) *jq_args);
        g_ptr_array_add(argv, path);
        g_ptr_array_add(argv, NULL);
        g_spawn_sync(NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                     &error);
        g_assert_no_error(error);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                g_error("jq fails on %s: %s%s", json, out, err);
        return out;
}

/* The subsection of ptpsyncctl(1)'s JSON OUTPUT whose heading names verb (a new string), or NULL. */
static char *man_json_section(const char *verb) {
        g_autofree char *page_path = g_build_filename(g_getenv("PTPSYNC_MAN_DIR"), "ptpsyncctl.1.scd", NULL);
        g_autofree char *page = NULL;
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) subsections = NULL;
        g_autofree char *json_output = NULL;
        const char *start, *end;

        g_file_get_contents(page_path, &page, NULL, &error);
        g_assert_no_error(error);
        start = strstr(page, "\n# JSON OUTPUT\n");
        g_assert_nonnull(start);
        end = strstr(start + 1, "\n# ");
        g_assert_nonnull(end);
        json_output = g_strndup(start, end - start + 1);
        subsections = g_strsplit(json_output, "\n## ", -1);
        for (char **sub = subsections + 1; *sub; sub++) {
                g_autofree char *heading = g_strndup(*sub, strcspn(*sub, "\n"));
                g_auto(GStrv) verbs = g_strsplit(heading, ", ", -1);

                if (g_strv_contains((const char *const *) verbs, verb))
                        return g_strdup(*sub);
        }
        return NULL;
}

/*
 * Every key of json (JSON texts that verb printed) is listed in verb's part of ptpsyncctl(1)'s
 * JSON OUTPUT, as "*KEY* (TYPE)", a key of an array's objects as "*ARRAY[].KEY*".
 */
static void assert_keys_documented(TestEnv *f, const char *verb, const char *json) {
        static const char *const keys[] = {
                "-r",
                "paths | select(.[-1] | type == \"string\") | "
                "map(if type == \"number\" then \"[]\" else \".\" + . end) | join(\"\") | ltrimstr(\".\")",
                NULL
        };
        g_autofree char *section = man_json_section(verb);
        g_autofree char *out = NULL;
        g_auto(GStrv) lines = NULL;

        if (!section)
                g_error("ptpsyncctl(1), JSON OUTPUT, has no part for %s", verb);
        out = jq_output(f->bus, json, keys);
        lines = g_strsplit(out, "\n", -1);
        g_assert_nonnull(lines[0]);
        g_assert_cmpstr(lines[0], !=, "");
        for (char **key = lines; *key; key++) {
                g_autofree char *entry = g_strconcat("\n*", *key, "* (", NULL);

                if (**key && !strstr(section, entry))
                        g_error("ptpsyncctl(1), JSON OUTPUT, %s: the key %s is not listed", verb, *key);
        }
}

/* Every line of out is one JSON object; the number of lines. */
static guint assert_json_lines(TestBus *b, const char *out) {
        g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
        guint n = 0;

        for (char **l = lines; *l; l++) {
                if (!**l)
                        continue;
                assert_jq(b, *l, "type == \"object\"");
                n++;
        }
        return n;
}

/* The first line of out containing needle (a new string), or NULL. */
static char *find_line(const char *out, const char *needle) {
        g_auto(GStrv) lines = g_strsplit(out, "\n", -1);

        for (char **l = lines; *l; l++)
                if (strstr(*l, needle))
                        return g_strdup(*l);
        return NULL;
}

/* ---- without a daemon ---- */

static void test_usage(void) {
        g_auto(Result) r = {};
        g_auto(Result) v = {};
        g_auto(Result) u = {};
        g_auto(Result) e = {};
        g_auto(Result) m = {};
        g_auto(Result) t = {};
        g_auto(Result) o = {};
        g_autofree char *version = g_strconcat("ptpsyncctl ", g_getenv("PTPSYNC_VERSION"), "\n", NULL);

        run(NULL, (const char *const[]) { "--help", NULL }, &r);
        g_assert_cmpint(r.status, ==, 0);
        for (const char *const *w = (const char *const[]) { "status", "list", "get ADDRESS", "watch [ADDRESS]",
                                                             "wait [ADDRESS]", "subscriptions", "dead-letters ID",
                                                             "redrive ID", "purge ID", "cancel ID", "inject SUFFIX",
                                                             "--bus=", "--json", "--no-legend", "--durable=",
                                                             "--state=", "--timeout=", "--version", "Exit status",
                                                             "NO_COLOR", NULL };
             *w; w++)
                if (!strstr(r.out, *w))
                        g_error("--help does not mention %s", *w);
        /* The help verb says the same. */
        {
                g_auto(Result) h = {};

                run(NULL, (const char *const[]) { "help", NULL }, &h);
                g_assert_cmpint(h.status, ==, 0);
                g_assert_cmpstr(h.out, ==, r.out);
        }
        run(NULL, (const char *const[]) { "--version", NULL }, &v);
        g_assert_cmpint(v.status, ==, 0);
        g_assert_cmpstr(v.out, ==, version);

        run(NULL, (const char *const[]) { "frobnicate", NULL }, &u);
        g_assert_cmpint(u.status, ==, 2);
        g_assert_nonnull(strstr(u.err, "Unknown command"));
        /* Echoed escaped: a terminal sequence or a split character is not passed through. */
        run(NULL, (const char *const[]) { "frob\x1b[31m\xc3", NULL }, &e);
        g_assert_cmpint(e.status, ==, 2);
        g_assert_nonnull(strstr(e.err, "Unknown command \"frob\\x1b[31m\\xc3\""));
        g_assert_true(g_utf8_validate(e.err, -1, NULL));
        run(NULL, (const char *const[]) { "get", NULL }, &m);
        g_assert_cmpint(m.status, ==, 2);
        run(NULL, (const char *const[]) { "wait", "--timeout=soon", NULL }, &t);
        g_assert_cmpint(t.status, ==, 2);
        g_assert_nonnull(strstr(t.err, "Invalid --timeout=\"soon\": "));
        for (const char *const *span = (const char *const[]) { "--timeout=5 parsecs", "--timeout=-1s",
                                                                "--timeout=", "--timeout=1e3", NULL };
             *span; span++) {
                g_auto(Result) bad = {};

                run(NULL, (const char *const[]) { "wait", *span, NULL }, &bad);
                g_assert_cmpint(bad.status, ==, 2);
                g_assert_nonnull(strstr(bad.err, "Invalid --timeout="));
                g_assert_nonnull(strstr(bad.err, "time span"));
        }
        run(NULL, (const char *const[]) { "--frobnicate", "status", NULL }, &o);
        g_assert_cmpint(o.status, ==, 2);
        /* getopt's messages name the program as the others do, not by its path. */
        g_assert_nonnull(strstr(o.err, "ptpsyncctl: unrecognized option '--frobnicate'"));
        g_assert_null(strstr(o.err, "/ptpsyncctl"));

        /* A malformed argument is a usage error (2) naming it, found before anything connects. */
        static const struct {
                const char *args[4], *needle;
        } bad_args[] = {
                { { "cancel", "nothex" }, "ptpsyncctl: cancel: invalid subscription ID \"nothex\": expected" },
                { { "dead-letters", "0123" }, "ptpsyncctl: dead-letters: invalid subscription ID \"0123\"" },
                { { "redrive", "0000000000000000000000000000000g" }, "redrive: invalid subscription ID" },
                { { "purge", "00000000-0000-0000-0000-00000000000" }, "purge: invalid subscription ID" },
                { { "cancel", "/org/ptpsync1/subscription/00" }, "cancel: invalid subscription ID" },
                { { "--bus=garbage", "status" },
                  "ptpsyncctl: Invalid --bus=\"garbage\": not system, session or a D-Bus address: it has no "
                  "transport" },
                { { "--bus=", "status" }, "Invalid --bus=\"\": not system, session or a D-Bus address: it is empty" },
                { { "--bus=unix:path=/run/a b", "list" }, "must be %-escaped" },
                { { "--bus=unix:path", "status" }, "has a key without '='" },
                { { "--json", "--bus=garbage", "status" }, "Invalid --bus=" },
                { { "--bus", NULL }, "ptpsyncctl: option '--bus' requires an argument" },
                { { "--json=yaml", "status" }, "ptpsyncctl: Invalid --json=\"yaml\": expected pretty, short or off." },
                { { "--json=", "list" }, "Invalid --json=\"\": expected pretty, short or off." },
                { { "--json=Pretty", "list" }, "Invalid --json=\"Pretty\"" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(bad_args); i++) {
                g_auto(Result) bad = {};

                run(NULL, bad_args[i].args, &bad);
                if (bad.status != 2 || !strstr(bad.err, bad_args[i].needle))
                        g_error("%s %s: exit %d, %s", bad_args[i].args[0], strna(bad_args[i].args[1]), bad.status,
                                bad.err);
                g_assert_cmpstr(bad.out, ==, "");
        }
        /* A state no resource can have would make wait wait forever: refused at once. */
        for (const char *const *state = (const char *const[]) { "--state=locked", "--state=", "--state=256",
                                                                 "--state=Locked", "--state=LOCKD",
                                                                 "--state=BOGUS", "--state=006", "--state=-6",
                                                                 NULL };
             *state; state++) {
                g_auto(Result) bad = {};

                run(NULL, (const char *const[]) { "wait", *state, NULL }, &bad);
                g_assert_cmpint(bad.status, ==, 2);
                g_assert_nonnull(strstr(bad.err, "Invalid --state="));
                g_assert_nonnull(strstr(bad.err, "expected LOCKED, HOLDOVER, FREERUN, a clock class 0..255"));
        }
}

static void test_no_daemon(void) {
        TestBus *b = test_bus_start();

        for (const char *const *cmd = (const char *const[]) { "status", "list", "get", "subscriptions", "watch",
                                                               "inject", NULL };
             *cmd; cmd++) {
                g_auto(Result) r = {};
                const char *args[6] = { *cmd };

                if (streq(*cmd, "get"))
                        args[1] = LOCK_ADDRESS;
                else if (streq(*cmd, "inject")) {
                        args[1] = LOCK;
                        args[2] = "ens1f0";
                        args[3] = "locked";
                }
                run(b, args, &r);
                if (r.status != 3 || !strstr(r.err, "not running"))
                        g_error("%s without the daemon: exit %d, %s", *cmd, r.status, r.err);
        }
        /* wait waits for the daemon, and times out. */
        {
                g_auto(Result) r = {};
                gint64 start = g_get_monotonic_time();

                run(b, (const char *const[]) { "wait", "--timeout=0.5", NULL }, &r);
                g_assert_cmpint(r.status, ==, 6);
                g_assert_cmpint(g_get_monotonic_time() - start, >=, 500 * 1000);
                g_assert_nonnull(strstr(r.err, "Timed out"));
        }
        /* --timeout=0 checks once: no daemon is not reached (6), for the default sync-state and an address alike. */
        for (const char *const *addr = (const char *const[]) { NULL, LOCK, LOCK_ADDRESS }; ; addr++) {
                g_auto(Result) r = {};

                run(b, (const char *const[]) { "wait", "--timeout=0", *addr, NULL }, &r);
                g_assert_cmpint(r.status, ==, 6);
                g_assert_nonnull(strstr(r.err, "Timed out"));
                if (*addr && streq(*addr, LOCK_ADDRESS))
                        break;
        }

        /* --bus=session: $DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus, as sd-bus finds it. */
        {
                g_auto(Result) session = {};
                g_auto(Result) runtime = {};
                g_auto(Result) nowhere = {};
                g_autofree char *dir = g_path_get_dirname(b->address + strlen("unix:path="));
                g_autofree char *link = g_build_filename(dir, "bus", NULL);
                g_auto(GStrv) env = g_get_environ();

                g_assert_cmpint(symlink(b->address + strlen("unix:path="), link), ==, 0);
                env = g_environ_setenv(env, "DBUS_SESSION_BUS_ADDRESS", b->address, TRUE);
                run_envp = env;
                run(NULL, (const char *const[]) { "--bus=session", "status", NULL }, &session);
                g_assert_cmpint(session.status, ==, 3); /* reached that bus: no daemon on it */
                g_assert_nonnull(strstr(session.err, "not running"));

                env = g_environ_unsetenv(env, "DBUS_SESSION_BUS_ADDRESS");
                env = g_environ_setenv(env, "XDG_RUNTIME_DIR", dir, TRUE);
                run_envp = env;
                run(NULL, (const char *const[]) { "--bus=session", "list", NULL }, &runtime);
                g_assert_cmpint(runtime.status, ==, 3);

                env = g_environ_unsetenv(env, "XDG_RUNTIME_DIR");
                run_envp = env;
                run(NULL, (const char *const[]) { "--bus=session", "list", NULL }, &nowhere);
                g_assert_cmpint(nowhere.status, ==, 1);
                g_assert_nonnull(strstr(nowhere.err, "--bus=session: neither $DBUS_SESSION_BUS_ADDRESS nor "
                                                     "$XDG_RUNTIME_DIR is set."));
                run_envp = NULL;
                g_assert_cmpint(unlink(link), ==, 0);
        }

        /* systemd time spans, as in units: each one the time it says. */
        for (const char *const *span = (const char *const[]) { "--timeout=500ms", "--timeout=0.2s 300ms",
                                                                "--timeout=0.0083333min", NULL };
             *span; span++) {
                g_auto(Result) r = {};
                gint64 start = g_get_monotonic_time();

                run(b, (const char *const[]) { "wait", *span, NULL }, &r);
                g_assert_cmpint(r.status, ==, 6);
                g_assert_cmpint(g_get_monotonic_time() - start, >=, 499 * 1000);
                g_assert_nonnull(strstr(r.err, "Timed out"));
        }
        test_bus_stop(b);
}

/* ---- with the daemon ---- */

static void test_list(TestEnv *f, gconstpointer data) {
        g_auto(Result) t = {};
        g_auto(Result) n = {};
        g_auto(Result) j = {};
        g_autofree char *line = NULL;

        RUN(f, &t, "list");
        g_assert_cmpint(t.status, ==, 0);
        g_assert_true(g_str_has_prefix(t.out, "ADDRESS"));
        line = find_line(t.out, LOCK_ADDRESS);
        g_assert_nonnull(line);
        g_assert_nonnull(strstr(line, " lock-state "));
        g_assert_nonnull(strstr(line, "/org/ptpsync1/resource/"));
        g_assert_nonnull(strstr(t.out, " resources listed.\n"));

        RUN(f, &n, "--no-legend", "list");
        g_assert_cmpint(n.status, ==, 0);
        g_assert_null(strstr(n.out, "ADDRESS"));
        g_assert_null(strstr(n.out, "listed"));
        g_assert_nonnull(strstr(n.out, LOCK_ADDRESS));

        RUN(f, &j, "--json", "list");
        g_assert_cmpint(j.status, ==, 0);
        g_assert_cmpuint(assert_json_lines(f->bus, j.out), >=, 4);
        g_free(line);
        line = find_line(j.out, "\"" LOCK_ADDRESS "\"");
        g_assert_nonnull(line);
        assert_jq(f->bus, line,
                  ".address == \"" LOCK_ADDRESS "\" and .kind == \"lock-state\" and "
                  "(.object_path | startswith(\"/org/ptpsync1/resource/\"))");
}

static void test_get(TestEnv *f, gconstpointer data) {
        g_auto(Result) nodata = {};
        g_auto(Result) t = {};
        g_auto(Result) j = {};
        g_auto(Result) none = {};
        g_auto(Result) bad = {};

        RUN(f, &nodata, "get", LOCK);
        g_assert_cmpint(nodata.status, ==, 1);
        g_assert_nonnull(strstr(nodata.err, "no data yet"));

        test_inject(f->client, LOCK, "ens1f0", "locked", 7);
        /* Relative and full addresses alike. */
        RUN(f, &t, "get", LOCK);
        g_assert_cmpint(t.status, ==, 0);
        g_assert_nonnull(strstr(t.out, " " LOCK " "));
        g_assert_nonnull(strstr(t.out, "/master=LOCKED(7)"));

        RUN(f, &j, "--json", "get", LOCK_ADDRESS);
        g_assert_cmpint(j.status, ==, 0);
        g_assert_cmpuint(assert_json_lines(f->bus, j.out), ==, 1);
        assert_jq(f->bus, j.out,
                  "keys_unsorted == [\"specversion\",\"id\",\"source\",\"type\",\"time\",\"data\"] and "
                  ".specversion == \"1.0\" and .source == \"/" LOCK "\" and "
                  ".type == \"event.sync.ptp-status.ptp-state-change\" and "
                  "(.id | test(\"^[0-9a-f-]{36}$\")) and "
                  "(.time | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\\\.[0-9]{6}Z$\")) and "
                  ".data.version == \"1.0\" and (.data.values | length) == 2 and "
                  "(.data.values[0] | keys_unsorted) == [\"ResourceAddress\",\"data_type\",\"value_type\",\"value\"] "
                  "and (.data.values[0].ResourceAddress | startswith(\"" TEST_PREFIX "\")) and "
                  "(.data.values[0].ResourceAddress | endswith(\"/master\")) and "
                  ".data.values[0].data_type == \"notification\" and "
                  ".data.values[0].value_type == \"enumeration\" and .data.values[0].value == \"LOCKED\" and "
                  ".data.values[1].data_type == \"metric\" and .data.values[1].value_type == \"decimal64.3\" and "
                  ".data.values[1].value == \"7\"");

        /* On a terminal (script(1) gives it one): LOCKED in green, unless $NO_COLOR is set. */
        g_autofree char *script = g_find_program_in_path("script");
        if (script) {
                for (int no_color = 0; no_color <= 1; no_color++) {
                        g_autofree char *cmd = g_strdup_printf("%s%s --bus=%s get " LOCK, no_color ? "NO_COLOR=1 " : "",
                                                               ctl_path(), f->bus->address);
                        g_autofree char *out = NULL;
                        g_autoptr(GError) error = NULL;
                        int status;

                        g_spawn_sync(NULL, (char **) (const char *const[]) { "script", "-qec", cmd, "/dev/null", NULL },
                                     NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, &status, &error);
                        g_assert_no_error(error);
                        g_assert_cmpint(status, ==, 0);
                        g_assert_true((strstr(out, "\x1b[0;1;32mLOCKED\x1b[0m") != NULL) == !no_color);
                        g_assert_true((strchr(out, '\x1b') == NULL) == no_color);
                }
        } else
                g_test_message("script(1) missing: colours on a terminal not checked");

        /* The sync-state's value is the resource's own: its address is not said twice. */
        {
                g_auto(Result) state = {};

                test_inject(f->client, "sync/sync-status/os-clock-sync-state", "CLOCK_REALTIME", "locked", 3);
                RUN(f, &state, "get", SYNC_STATE);
                if (state.status != 0)
                        g_error("get " SYNC_STATE ": %d: %s", state.status, state.err);
                if (!g_str_has_suffix(state.out, " " SYNC_STATE " LOCKED\n") || strstr(state.out, "sync-state="))
                        g_error("expected \"... " SYNC_STATE " LOCKED\", got: %s", state.out);
        }

        RUN(f, &none, "get", "/cluster/node/elsewhere/sync");
        g_assert_cmpint(none.status, ==, 5);
        RUN(f, &bad, "get", "/not an address");
        g_assert_cmpint(bad.status, ==, 2);
}

static guint count_char(const char *s, char c) {
        guint n = 0;

        for (; *s; s++)
                n += *s == c;
        return n;
}

/* show: KEY=VALUE lines as timedatectl show prints them, -p to pick, --value, --json; bad names refused. */
static void test_show(TestEnv *f, gconstpointer data) {
        g_auto(Result) all = {};
        g_auto(Result) picked = {};
        g_auto(Result) value = {};
        g_auto(Result) json = {};
        g_auto(Result) bad = {};
        g_auto(Result) empty = {};
        g_auto(Result) other = {};
        g_autofree char *expected = NULL, *state = NULL;
        uint8_t class = 0;

        test_inject(f->client, LOCK, "ens1f0", "locked", 7);
        RUN(f, &all, "show");
        g_assert_cmpint(all.status, ==, 0);
        /* The sync-state and class as the daemon has them, whatever they are now. */
        g_assert_cmpint(sd_bus_get_property_string(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                                   "SyncState", NULL, &state), >=, 0);
        g_assert_cmpint(sd_bus_get_property_trivial(f->client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                                    "ClockClass", NULL, 'y', &class), >=, 0);
        expected = g_strdup_printf("NodeName=" TEST_NODE_NAME "\nSyncState=%s\nClockClass=%u\n"
                                   "SubscriptionCount=0\nLastSequence=%" PRIu64 "\nVersion=%s\nClockClassWriter=no\n",
                                   state, class, test_manager_get_t(f->client, "LastSequence"),
                                   g_getenv("PTPSYNC_VERSION"));
        g_assert_cmpstr(all.out, ==, expected);

        RUN(f, &picked, "show", "-p", "Version,NodeName", "--property=LastSequence");
        g_assert_cmpint(picked.status, ==, 0);
        /* In the order show has them, whatever the order asked. */
        g_assert_true(g_str_has_prefix(picked.out, "NodeName=" TEST_NODE_NAME "\nLastSequence="));
        {
                g_autofree char *version = g_strdup_printf("\nVersion=%s\n", g_getenv("PTPSYNC_VERSION"));

                g_assert_true(g_str_has_suffix(picked.out, version));
                g_assert_cmpuint(count_char(picked.out, '\n'), ==, 3);
        }
        {
                g_auto(Result) writer = {};

                RUN(f, &writer, "show", "-p", "ClockClassWriter", "--value");
                g_assert_cmpstr(writer.out, ==, "no\n");
        }

        RUN(f, &value, "show", "-p", "NodeName", "--value");
        g_assert_cmpstr(value.out, ==, TEST_NODE_NAME "\n");

        RUN(f, &json, "--json", "show");
        g_assert_cmpint(json.status, ==, 0);
        assert_jq(f->bus, json.out,
                  "keys_unsorted == [\"NodeName\",\"SyncState\",\"ClockClass\",\"SubscriptionCount\","
                  "\"LastSequence\",\"Version\",\"ClockClassWriter\"] and .NodeName == \"" TEST_NODE_NAME "\" and "
                  ".ClockClassWriter == false and "
                  "(.ClockClass | type) == \"number\" and (.LastSequence | type) == \"number\"");

        RUN(f, &bad, "show", "-p", "Nope");
        g_assert_cmpint(bad.status, ==, 2);
        g_assert_nonnull(strstr(bad.err, "Unknown property \"Nope\""));
        g_assert_nonnull(strstr(bad.err, "NodeName, SyncState"));
        RUN(f, &empty, "show", "-p", ",");
        g_assert_cmpint(empty.status, ==, 2);
        RUN(f, &other, "status", "--value");
        g_assert_cmpint(other.status, ==, 2);
}

static void test_status(TestEnv *f, gconstpointer data) {
        g_auto(Result) t = {};
        g_auto(Result) j = {};
        g_auto(Result) before = {};

        RUN(f, &before, "status");
        g_assert_cmpint(before.status, ==, 0);
        g_assert_nonnull(strstr(before.out, "Sync state: n/a\n"));

        test_inject(f->client, LOCK, "ens1f0", "locked", -12);
        test_inject(f->client, OS_CLOCK, "CLOCK_REALTIME", "locked", 3);
        test_inject(f->client, "sync/ptp-status/clock-class", "ens1f0", "6", 0);
        RUN(f, &t, "status");
        g_assert_cmpint(t.status, ==, 0);
        g_assert_nonnull(strstr(t.out, "Node: " TEST_NODE_NAME "\n"));
        g_assert_nonnull(strstr(t.out, "Sync state: LOCKED\n"));
        g_assert_nonnull(strstr(t.out, "Clock class: 6\n"));
        g_assert_nonnull(strstr(t.out, "Subscriptions: 0\n"));
        g_assert_nonnull(strstr(t.out, "\n" LOCK " (lock-state)\n"));
        g_assert_nonnull(strstr(t.out, "/master LOCKED offset -12 ns\n"));
        g_assert_nonnull(strstr(t.out, "Clock: CLOCK_REALTIME LOCKED offset 3 ns\n"));
        g_assert_nonnull(strstr(t.out, "(seq "));

        RUN(f, &j, "--json", "status");
        g_assert_cmpint(j.status, ==, 0);
        g_assert_cmpuint(assert_json_lines(f->bus, j.out), ==, 1);
        assert_jq(f->bus, j.out,
                  ".node == \"" TEST_NODE_NAME "\" and .sync_state == \"LOCKED\" and .clock_class == 6 and "
                  ".clock_class_writer == false and .warnings == [] and "
                  ".subscriptions == 0 and .last_sequence >= 3 and "
                  "(.resources[] | select(.address == \"" LOCK_ADDRESS "\") | .value == \"LOCKED\" and "
                  ".sequence > 0 and (.last_change | endswith(\"Z\")) and .clocks[0].offset == -12 and "
                  ".clocks[0].value == \"LOCKED\")");
}

/*
 * status shows the current offset, not that of the last state change; none where none was
 * measured (an unreachable source), and none for the clock class, which has no offset.
 */
static void test_status_offsets(TestEnv *f, gconstpointer data) {
        g_auto(Result) t = {};
        g_auto(Result) j = {};
        g_auto(Result) u = {};
        g_auto(Result) uj = {};

        test_inject(f->client, LOCK, "ens1f0", "locked", -12);
        test_inject(f->client, LOCK, "ens1f0", "locked", -15); /* no change of state: no event */
        test_inject(f->client, OS_CLOCK, "CLOCK_REALTIME", "locked", 3);
        test_inject(f->client, "sync/ptp-status/clock-class", "ens1f0", "6", 0);
        test_inject(f->client, "sync/gnss-status/gnss-sync-status", "ens2f0", "SYNCHRONIZED,gpsFix=5", 25);
        RUN(f, &t, "status");
        g_assert_cmpint(t.status, ==, 0);
        g_assert_nonnull(strstr(t.out, "Clock: ens1fx/master LOCKED offset -15 ns\n"));
        g_assert_nonnull(strstr(t.out, "Clock: ens1fx/master 6\n"));
        g_assert_nonnull(strstr(t.out, "Clock: ens2fx/master SYNCHRONIZED offset 25 ns gpsFix 5\n"));
        RUN(f, &j, "--json", "status");
        g_assert_cmpint(j.status, ==, 0);
        assert_jq(f->bus, j.out,
                  "(.resources[] | select(.kind == \"lock-state\") | .clocks[0].offset == -15) and "
                  "(.resources[] | select(.kind == \"clock-class\") | .clocks[0] | has(\"offset\") | not) and "
                  "(.resources[] | select(.kind == \"clock-class\") | .clocks[0].value == \"6\") and "
                  "(.resources[] | select(.kind == \"gnss-sync-status\") | .clocks[0] | "
                  ".offset == 25 and .gps_fix == 5) and "
                  "(.resources[] | select(.kind == \"lock-state\") | .clocks[0] | has(\"gps_fix\") | not)");

        /* Unreachable: HOLDOVER, and no offset at all (neither a made-up 0 nor the stale -15). */
        test_inject(f->client, LOCK, "ens1f0", "unreachable", 0);
        RUN(f, &u, "status");
        g_assert_cmpint(u.status, ==, 0);
        g_assert_nonnull(strstr(u.out, "Clock: ens1fx/master HOLDOVER\n"));
        g_assert_nonnull(strstr(u.out, "Clock: CLOCK_REALTIME LOCKED offset 3 ns\n"));
        RUN(f, &uj, "--json", "status");
        g_assert_cmpint(uj.status, ==, 0);
        assert_jq(f->bus, uj.out,
                  "(.resources[] | select(.kind == \"lock-state\") | .clocks[0] | "
                  ".value == \"HOLDOVER\" and (has(\"offset\") | not)) and "
                  "(.resources[] | select(.kind == \"os-clock-sync-state\") | .clocks[0].offset == 3)");
}

static bool exited_with(TestProcess *p, int status) {
        if (!test_process_wait_exit(p, TEST_TIMEOUT_USEC))
                return false;
        return WIFEXITED(p->exit_status) && WEXITSTATUS(p->exit_status) == status;
}

static TestProcess *spawn_ctl(TestEnv *f, const char *const *args) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);

        test_client_argv(argv, ctl_path());
        g_ptr_array_add(argv, g_strconcat("--bus=", f->bus->address, NULL));
        for (; *args; args++)
                g_ptr_array_add(argv, g_strdup(*args));
        g_ptr_array_add(argv, NULL);
        return test_process_spawn((const char *const *) argv->pdata);
}

static void test_wait(TestEnv *f, gconstpointer data) {
        TestProcess *p, *q;
        g_auto(Result) timeout = {};
        g_auto(Result) holdover = {};
        g_auto(Result) none = {};
        gint64 start;

        /* Started before the source locks: exits 0 once it does. */
        p = spawn_ctl(f, (const char *const[]) { "wait", "--timeout=60", LOCK, NULL });
        q = spawn_ctl(f, (const char *const[]) { "wait", "--json", "--timeout=60", NULL }); /* sync-state */
        g_usleep(200 * 1000); /* not needed for correctness: the point is that wait is already waiting */
        test_process_read(p);
        g_assert_false(test_process_wait_exit(p, 0));
        test_inject(f->client, LOCK, "ens1f0", "locked", 5);
        g_assert_true(exited_with(p, 0));
        g_assert_false(test_process_wait_exit(q, 100 * 1000)); /* os-clock has no data yet */
        test_inject(f->client, OS_CLOCK, "CLOCK_REALTIME", "locked", 1);
        g_assert_true(exited_with(q, 0));
        test_process_read(q);
        g_assert_cmpuint(q->lines->len, ==, 1);
        assert_jq(f->bus, q->lines->pdata[0],
                  ".address == \"" TEST_PREFIX "sync/sync-status/sync-state\" and .state == \"LOCKED\" and "
                  ".reached == true");
        test_process_free(p);
        test_process_free(q);

        /* --timeout=0 checks once, now: reached (the default sync-state and an address alike). */
        for (const char *const *addr = (const char *const[]) { SYNC_STATE, LOCK, NULL }; *addr; addr++) {
                g_auto(Result) now = {};
                g_auto(Result) now_json = {};

                if (streq(*addr, SYNC_STATE))
                        RUN(f, &now, "wait", "--timeout=0");
                else
                        RUN(f, &now, "wait", "--timeout=0", *addr);
                g_assert_cmpint(now.status, ==, 0);
                g_assert_cmpstr(now.err, ==, "");
                RUN(f, &now_json, "--json", "wait", "--timeout=0", *addr);
                g_assert_cmpint(now_json.status, ==, 0);
                assert_jq(f->bus, now_json.out, ".reached == true");
        }
        {
                g_auto(Result) pretty = {};

                RUN(f, &pretty, "--json=pretty", "wait", "--timeout=0", LOCK);
                g_assert_cmpint(pretty.status, ==, 0);
                g_assert_cmpstr(pretty.out, ==,
                                "{\n  \"address\": \"" LOCK_ADDRESS "\",\n  \"state\": \"LOCKED\",\n"
                                "  \"reached\": true\n}\n");
        }

        /* Not reached: the timeout's exit status, after the timeout. */
        test_inject(f->client, LOCK, "ens1f0", "unlocked", 5);
        start = g_get_monotonic_time();
        RUN(f, &timeout, "wait", "--timeout=1", LOCK);
        g_assert_cmpint(timeout.status, ==, 6);
        g_assert_cmpint(g_get_monotonic_time() - start, >=, G_USEC_PER_SEC);
        g_assert_nonnull(strstr(timeout.err, "Timed out"));
        /* --timeout=0: not reached now is a timeout at once. */
        for (const char *const *addr = (const char *const[]) { SYNC_STATE, LOCK, NULL }; *addr; addr++) {
                g_auto(Result) now = {};
                g_auto(Result) now_json = {};

                start = g_get_monotonic_time();
                if (streq(*addr, SYNC_STATE))
                        RUN(f, &now, "wait", "--timeout=0");
                else
                        RUN(f, &now, "wait", "--timeout=0", *addr);
                g_assert_cmpint(now.status, ==, 6);
                g_assert_nonnull(strstr(now.err, "Timed out"));
                g_assert_cmpint(g_get_monotonic_time() - start, <, TEST_TIMEOUT_USEC);
                RUN(f, &now_json, "--json", "wait", "--timeout=0", *addr);
                g_assert_cmpint(now_json.status, ==, 6);
                assert_jq(f->bus, now_json.out, ".reached == false");
                assert_keys_documented(f, "wait", now_json.out);
        }
        RUN(f, &holdover, "wait", "--state=HOLDOVER", "--timeout=10", LOCK_ADDRESS);
        g_assert_cmpint(holdover.status, ==, 0);
        RUN(f, &none, "wait", "--timeout=1", "/cluster/node/elsewhere/sync");
        g_assert_cmpint(none.status, ==, 5);
}

/* At least 4 connections on the bus (unique names): the test's own and three more. */
static bool four_connections(void *userdata) {
        g_auto(GStrv) names = NULL;
        sd_bus_message *reply = NULL;
        guint n = 0;

        g_assert_cmpint(sd_bus_call_method(userdata, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "ListNames", NULL, &reply, ""), >=, 0);
        g_assert_cmpint(sd_bus_message_read_strv(reply, &names), >=, 0);
        sd_bus_message_unref(reply);
        for (char **name = names; *name; name++)
                n += (*name)[0] == ':';
        return n >= 4;
}

/* Started before the daemon: a relative address, an absolute one and the default all wait for it. */
static void test_wait_daemon_later(TestEnv *f, gconstpointer data) {
        TestProcess *rel, *abs, *def;

        test_env_daemon_stop(f);
        rel = spawn_ctl(f, (const char *const[]) { "wait", "--timeout=60", LOCK, NULL });
        abs = spawn_ctl(f, (const char *const[]) { "wait", "--timeout=60", LOCK_ADDRESS, NULL });
        def = spawn_ctl(f, (const char *const[]) { "wait", "--json", "--timeout=60", NULL });
        /* Each one has said it is connected, without a daemon, before the daemon comes. */
        g_assert_true(test_bus_wait_for(f->client, four_connections, f->client, TEST_TIMEOUT_USEC));
        g_assert_false(test_process_wait_exit(rel, 0));
        g_assert_false(test_process_wait_exit(def, 0));
        test_env_daemon_start(f);
        test_inject(f->client, LOCK, "ens1f0", "locked", 5);
        g_assert_true(exited_with(rel, 0));
        g_assert_true(exited_with(abs, 0));
        test_inject(f->client, OS_CLOCK, "CLOCK_REALTIME", "locked", 1);
        g_assert_true(exited_with(def, 0));
        test_process_read(def);
        g_assert_cmpuint(def->lines->len, ==, 1);
        assert_jq(f->bus, def->lines->pdata[0], ".address == \"" TEST_PREFIX "sync/sync-status/sync-state\" and .reached");
        test_process_free(rel);
        test_process_free(abs);
        test_process_free(def);
}

typedef struct StateCase {
        const char *state, *address, *needle; /* state NULL: the default, LOCKED */
} StateCase;

/* A state the resource cannot have would be waited for forever: refused (2), naming what it can have. */
static void test_wait_state(TestEnv *f, gconstpointer data) {
        static const StateCase refused[] = {
                { "--state=6", LOCK, "a lock-state resource is LOCKED, HOLDOVER or FREERUN" },
                { "--state=6", LOCK_ADDRESS, "a lock-state resource is LOCKED, HOLDOVER or FREERUN" },
                { "--state=6", NULL, "a sync-state resource is LOCKED, HOLDOVER or FREERUN" },
                { "--state=SYNCHRONIZED", OS_CLOCK, "a os-clock-sync-state resource is LOCKED" },
                { "--state=LOCKED", "sync/ptp-status/clock-class", "a clock-class resource is a clock class" },
                { NULL, "sync/ptp-status/clock-class", "a clock-class resource is a clock class, 0..255" },
                { "--state=LOCKED", "sync/gnss-status/gnss-sync-status", "is SYNCHRONIZED, ACQUIRING-SYNC" },
                /* A prefix: every resource under it must be in the state, and clock-class cannot be LOCKED. */
                { "--state=LOCKED", "sync/ptp-status", "\"sync/ptp-status\": a clock-class" },
                { "--state=6", "sync", "a sync-state resource" },
                /* An exact resource address, of any node. */
                { "--state=LOCKED", "/cluster/node/elsewhere/sync/ptp-status/clock-class", "a clock-class" },
        };
        g_auto(Result) ok = {};
        g_auto(Result) ok_gnss = {};

        for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
                g_auto(Result) r = {};
                g_auto(Result) j = {};
                const char *args[6] = { "wait", "--timeout=0" };
                size_t n = 2;

                if (refused[i].state)
                        args[n++] = refused[i].state;
                if (refused[i].address)
                        args[n++] = refused[i].address;
                run(f->bus, args, &r);
                if (r.status != 2 || !strstr(r.err, "cannot be reached by") || !strstr(r.err, refused[i].needle))
                        g_error("wait %s %s: exit %d, %s", strna(refused[i].state), strna(refused[i].address),
                                r.status, r.err);
                g_assert_cmpstr(r.out, ==, "");
                memmove(args + 1, args, sizeof(args) - sizeof(args[0]));
                args[0] = "--json";
                run(f->bus, args, &j);
                g_assert_cmpint(j.status, ==, 2);
                g_assert_cmpstr(j.out, ==, "");
        }

        /* What the resource can have is waited for as before. */
        test_inject(f->client, "sync/ptp-status/clock-class", "ens1f0", "6", 0);
        RUN(f, &ok, "wait", "--state=6", "--timeout=10", "sync/ptp-status/clock-class");
        g_assert_cmpint(ok.status, ==, 0);
        RUN(f, &ok_gnss, "wait", "--state=SYNCHRONIZED", "--timeout=0", "sync/gnss-status/gnss-sync-status");
        g_assert_cmpint(ok_gnss.status, ==, 6); /* no data: not reached, but a state it can have */
}

/* Injects lock events until the watcher prints a line with needle (it may not be listening yet). */
static const char *inject_until_line(TestEnv *f, TestProcess *p, const char *needle, guint *from) {
        gint64 deadline = g_get_monotonic_time() + TEST_TIMEOUT_USEC;
        unsigned injected = 0;

        while (g_get_monotonic_time() < deadline) {
                const char *line;

                test_inject_lock_events(f->client, &injected, 1);
                line = test_process_wait_line(p, needle, from, test_slow_usec(300 * 1000));
                if (line)
                        return line;
        }
        return NULL;
}

static void test_watch(TestEnv *f, gconstpointer data) {
        TestProcess *t, *j;
        const char *line;
        guint from_t = 0, from_j = 0;

        t = spawn_ctl(f, (const char *const[]) { "watch", LOCK, NULL });
        j = spawn_ctl(f, (const char *const[]) { "watch", "--json", NULL });
        line = inject_until_line(f, t, "", &from_t);
        g_assert_nonnull(line);
        g_assert_nonnull(strstr(line, " " LOCK " "));
        g_assert_true(g_str_has_suffix(line, "(7)"));
        g_assert_nonnull(inject_until_line(f, j, "{", &from_j)); /* j may have started listening later */
        while (test_process_wait_line(t, "", &from_t, test_slow_usec(200 * 1000))) /* what t got meanwhile */
                ;

        /* Every new event: one more line in each, and the JSON one in the O-RAN shape. */
        test_inject(f->client, OS_CLOCK, "CLOCK_REALTIME", "locked", 2);
        line = test_process_wait_line(j, "{", &from_j, TEST_TIMEOUT_USEC);
        while (line && !strstr(line, "os-clock"))
                line = test_process_wait_line(j, "{", &from_j, TEST_TIMEOUT_USEC);
        g_assert_nonnull(line);
        assert_jq(f->bus, line,
                  ".specversion == \"1.0\" and .source == \"/" OS_CLOCK "\" and "
                  ".data.values[0].ResourceAddress == \"" TEST_PREFIX "CLOCK_REALTIME\" and "
                  ".data.values[0].value == \"LOCKED\" and .data.values[1].value == \"2\"");
        assert_keys_documented(f, "watch", line);
        /* Whatever the state now, this ends LOCKED with offset 9 (one or two events). */
        test_inject(f->client, LOCK, "ens1f0", "unlocked", 8);
        test_inject(f->client, LOCK, "ens1f0", "locked", 9);
        line = test_process_wait_line(t, "", &from_t, TEST_TIMEOUT_USEC);
        while (line && !g_str_has_suffix(line, "=LOCKED(9)"))
                line = test_process_wait_line(t, "", &from_t, TEST_TIMEOUT_USEC);
        g_assert_nonnull(line);
        /* The filter held: no os-clock line in the lock-state watch. */
        g_assert_cmpuint(test_process_count_lines(t, "os-clock"), ==, 0);
        g_assert_null(strstr(line, "os-clock"));

        /* SIGINT and SIGTERM end it cleanly. */
        kill(t->pid, SIGINT);
        kill(j->pid, SIGTERM);
        g_assert_true(exited_with(t, 0));
        g_assert_true(exited_with(j, 0));
        test_process_free(t);
        test_process_free(j);
}

/* watch --json=pretty: each event one document, indented over several lines, ending with "}" alone. */
static void test_watch_pretty(TestEnv *f, gconstpointer data) {
        TestProcess *p = spawn_ctl(f, (const char *const[]) { "watch", "--json=pretty", LOCK, NULL });
        g_autoptr(GString) first = g_string_new(NULL);
        guint from = 0;

        g_assert_nonnull(inject_until_line(f, p, "}", &from));
        g_assert_cmpuint(from, >=, 3);
        g_assert_cmpstr(p->lines->pdata[0], ==, "{");
        g_assert_true(g_str_has_prefix(p->lines->pdata[1], "  \"specversion\": \"1.0\""));
        /* The first document alone: its lines up to that "}". */
        for (guint i = 0; i < from; i++)
                g_string_append_printf(first, "%s\n", (const char *) p->lines->pdata[i]);
        assert_jq(f->bus, first->str,
                  ".specversion == \"1.0\" and .source == \"/" LOCK "\" and (.data.values | length) >= 1");
        kill(p->pid, SIGTERM);
        g_assert_true(exited_with(p, 0));
        test_process_free(p);
}

/* ptpsyncctl with its stderr merged into stdout, so that the ready line is among the lines read. */
static TestProcess *spawn_ctl_merged(TestEnv *f, const char *const *args) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);

        g_ptr_array_add(argv, g_strdup("sh"));
        g_ptr_array_add(argv, g_strdup("-c"));
        g_ptr_array_add(argv, g_strdup("exec \"$@\" 2>&1"));
        g_ptr_array_add(argv, g_strdup("sh"));
        test_client_argv(argv, ctl_path());
        g_ptr_array_add(argv, g_strconcat("--bus=", f->bus->address, NULL));
        for (; *args; args++)
                g_ptr_array_add(argv, g_strdup(*args));
        g_ptr_array_add(argv, NULL);
        return test_process_spawn((const char *const *) argv->pdata);
}

/* Index of the first line of p that starts with prefix, waiting for it; fails the test at the deadline. */
static guint line_index(TestProcess *p, const char *prefix) {
        guint from = 0;

        if (!test_process_wait_line(p, prefix, &from, TEST_TIMEOUT_USEC))
                g_error("no line starting with \"%s\"", prefix);
        return from - 1;
}

/*
 * watch says on stderr when it is ready (nothing is missed from then on), -q leaves that out, and
 * --initial prints the current state before it: broadcast and durable alike.
 */
static void test_watch_ready(TestEnv *f, gconstpointer data) {
        TestProcess *w, *q, *d;
        guint ready, initial, from;

        test_inject(f->client, LOCK, "ens1f0", "locked", 7);
        w = spawn_ctl_merged(f, (const char *const[]) { "watch", "--initial", LOCK, NULL });
        ready = line_index(w, "Watching " LOCK_ADDRESS "; SIGINT or SIGTERM stops.");
        initial = line_index(w, "20");
        g_assert_cmpuint(initial, <, ready);
        g_assert_true(g_str_has_suffix(w->lines->pdata[initial], "/master=LOCKED(7)"));
        /* Ready means subscribed: a change injected now is seen, after the ready line. */
        test_inject(f->client, LOCK, "ens1f0", "unlocked", 0);
        from = ready + 1;
        g_assert_nonnull(test_process_wait_line(w, "20", &from, TEST_TIMEOUT_USEC));
        g_assert_null(strstr(w->lines->pdata[from - 1], "LOCKED(7)"));

        q = spawn_ctl_merged(f, (const char *const[]) { "-q", "watch", LOCK, NULL });
        /* Quiet: no ready line; and without --initial no current state, so the first line is a change. */
        d = spawn_ctl_merged(f, (const char *const[]) { "watch", "--durable=ready-test", "--initial", LOCK, NULL });
        ready = line_index(d, "Subscribed, watching " LOCK_ADDRESS "; SIGINT or SIGTERM stops.");
        /* InitialState: the current state, delivered once subscribed. */
        from = 0;
        g_assert_nonnull(test_process_wait_line(d, "20", &from, TEST_TIMEOUT_USEC));
        g_assert_nonnull(strstr(d->lines->pdata[from - 1], LOCK " "));

        /* q is watching once a change made now reaches it (inject until one does). */
        from = 0;
        for (int i = 0; i < 50 && !test_process_wait_line(q, "", &from, test_slow_usec(100 * 1000)); i++)
                test_inject(f->client, LOCK, "ens1f0", i % 2 ? "unlocked" : "locked", i);
        g_assert_cmpuint(q->lines->len, >, 0);
        g_assert_cmpuint(test_process_count_lines(q, "Watching"), ==, 0);
        g_assert_true(g_str_has_prefix(q->lines->pdata[0], "20"));

        kill(w->pid, SIGTERM);
        kill(q->pid, SIGTERM);
        kill(d->pid, SIGTERM);
        g_assert_true(exited_with(w, 0));
        g_assert_true(exited_with(q, 0));
        g_assert_true(exited_with(d, 0));
        test_process_free(w);
        test_process_free(q);
        test_process_free(d);
}

static void test_watch_durable(TestEnv *f, gconstpointer data) {
        g_auto(Result) subs = {};
        g_auto(Result) subs_json = {};
        g_auto(Result) cancel = {};
        g_auto(Result) again = {};
        g_autofree char *line = NULL;
        g_autofree char *id = NULL;
        TestProcess *p;
        const char *l;
        guint from = 0;

        p = spawn_ctl(f, (const char *const[]) { "watch", "--durable=ctl-test", "--json", LOCK, NULL });
        l = inject_until_line(f, p, "{", &from);
        g_assert_nonnull(l);
        assert_jq(f->bus, l, ".source == \"/" LOCK "\"");

        RUN(f, &subs, "subscriptions");
        g_assert_cmpint(subs.status, ==, 0);
        g_assert_true(g_str_has_prefix(subs.out, "ID "));
        line = find_line(subs.out, " ctl-test ");
        g_assert_nonnull(line);
        g_assert_nonnull(strstr(line, LOCK_ADDRESS));
        g_assert_nonnull(strstr(subs.out, "\n1 subscription listed.\n"));
        id = g_strndup(line, 32);

        RUN(f, &subs_json, "--json", "subscriptions");
        g_assert_cmpint(subs_json.status, ==, 0);
        g_assert_cmpuint(assert_json_lines(f->bus, subs_json.out), ==, 1);
        assert_jq(f->bus, subs_json.out,
                  ".name == \"ctl-test\" and .address == \"" LOCK_ADDRESS "\" and .uid == 0 and "
                  "(.object_path | endswith(\"" "\")) and (.owner | startswith(\":\")) and .delivered >= 0");

        /* Cancelled from outside: the watch ends (0), and the id is gone. */
        RUN(f, &cancel, "cancel", id);
        g_assert_cmpint(cancel.status, ==, 0);
        g_assert_true(exited_with(p, 0));
        RUN(f, &again, "cancel", id);
        g_assert_cmpint(again.status, ==, 5);
        test_process_free(p);
}

/* Without an address, as the man page's example has it: durably, everything the node has. */
static void test_watch_durable_all(TestEnv *f, gconstpointer data) {
        g_auto(Result) subs = {};
        g_auto(Result) cancel = {};
        g_autofree char *line = NULL;
        g_autofree char *id = NULL;
        TestProcess *p;
        const char *l;
        guint from = 0;

        p = spawn_ctl(f, (const char *const[]) { "watch", "--durable=ctl-all", NULL });
        l = inject_until_line(f, p, "", &from);
        g_assert_nonnull(l);
        g_assert_nonnull(strstr(l, " " LOCK " "));
        test_inject(f->client, OS_CLOCK, "CLOCK_REALTIME", "locked", 2);
        l = test_process_wait_line(p, "", &from, TEST_TIMEOUT_USEC);
        while (l && !strstr(l, OS_CLOCK))
                l = test_process_wait_line(p, "", &from, TEST_TIMEOUT_USEC);
        g_assert_nonnull(l);

        RUN(f, &subs, "--no-legend", "subscriptions");
        g_assert_cmpint(subs.status, ==, 0);
        line = find_line(subs.out, " ctl-all ");
        g_assert_nonnull(line);
        g_assert_nonnull(strstr(line, " " TEST_PREFIX " "));
        id = g_strndup(line, 32);
        RUN(f, &cancel, "cancel", id);
        g_assert_cmpint(cancel.status, ==, 0);
        g_assert_true(exited_with(p, 0));
        test_process_free(p);
}

/* Polls `dead-letters` until the subscription holds n of them. */
static void wait_dead_letters(TestEnv *f, const char *path, guint n, gint64 deadline) {
        for (;;) {
                g_auto(Result) r = {};
                g_auto(GStrv) lines = NULL;

                run(f->bus, (const char *const[]) { "--no-legend", "dead-letters", path, NULL }, &r);
                g_assert_cmpint(r.status, ==, 0);
                lines = g_strsplit(r.out, "\n", -1);
                if (g_strv_length(lines) == n + 1) /* n lines and the empty rest */
                        return;
                g_assert_cmpint(g_get_monotonic_time(), <, deadline);
                g_usleep(TEST_POLL_USEC);
        }
}

static void test_dead_letters(TestEnv *f, gconstpointer data) {
        g_auto(Result) dl = {};
        g_auto(Result) dl_json = {};
        g_auto(Result) redrive = {};
        g_auto(Result) redrive_json = {};
        g_auto(Result) purge = {};
        g_auto(Result) none = {};
        g_autofree char *path = NULL;
        TestProcess *consumer;
        unsigned injected = 0;
        gint64 deadline = g_get_monotonic_time() + TEST_TIMEOUT_USEC;

        consumer = test_consumer_start(f->bus, LOCK_ADDRESS, &path, "--name=rejecter", "--reject", NULL);
        test_inject_lock_events(f->client, &injected, 2);
        /* Rejected at once: two dead letters, once the consumer has seen both. */
        wait_dead_letters(f, path, 2, deadline);
        RUN(f, &dl, "dead-letters", path);
        g_assert_cmpint(dl.status, ==, 0);
        g_assert_nonnull(strstr(dl.out, " " LOCK " "));
        /* Each says why it is one: rejected, by Nack without requeue. */
        g_assert_nonnull(strstr(dl.out, " reason=rejected\n"));
        g_assert_nonnull(strstr(dl.out, "\n2 dead letters.\n"));
        RUN(f, &dl_json, "--json", "dead-letters", path);
        g_assert_cmpuint(assert_json_lines(f->bus, dl_json.out), ==, 2);
        assert_keys_documented(f, "dead-letters", dl_json.out);
        {
                g_autofree char *first = find_line(dl_json.out, "{");

                g_assert_nonnull(first);
                assert_jq(f->bus, first, ".deadletterreason == \"rejected\" and .specversion == \"1.0\"");
        }

        RUN(f, &redrive, "redrive", strrchr(path, '/') + 1);
        g_assert_cmpint(redrive.status, ==, 0);
        g_assert_cmpstr(redrive.out, ==, "Requeued 2 dead letters.\n");
        /* Rejected again, one at a time: both back, then redriven (JSON) and rejected again, then purged. */
        wait_dead_letters(f, path, 2, deadline);
        RUN(f, &redrive_json, "--json", "redrive", path);
        g_assert_cmpint(redrive_json.status, ==, 0);
        assert_jq(f->bus, redrive_json.out, ".redriven == 2");
        assert_keys_documented(f, "redrive", redrive_json.out);
        wait_dead_letters(f, path, 2, deadline);
        RUN(f, &purge, "purge", path);
        g_assert_cmpint(purge.status, ==, 0);
        g_assert_cmpstr(purge.out, ==, "Dropped 2 dead letters.\n");
        /* One more, rejected: one dead letter, in the singular. */
        test_inject_lock_events(f->client, &injected, 1);
        wait_dead_letters(f, path, 1, deadline);
        {
                g_auto(Result) one = {};
                g_auto(Result) purge_one = {};
                g_auto(Result) purge_json = {};

                RUN(f, &one, "dead-letters", path);
                g_assert_nonnull(strstr(one.out, "\n1 dead letter.\n"));
                RUN(f, &purge_one, "purge", path);
                g_assert_cmpstr(purge_one.out, ==, "Dropped 1 dead letter.\n");
                RUN(f, &purge_json, "--json", "purge", path);
                g_assert_cmpint(purge_json.status, ==, 0);
                assert_jq(f->bus, purge_json.out, ".purged == 0");
                assert_keys_documented(f, "purge", purge_json.out);
        }
        RUN(f, &none, "dead-letters", "00000000000000000000000000000000");
        g_assert_cmpint(none.status, ==, 5);
        kill(consumer->pid, SIGTERM);
        test_process_wait_exit(consumer, TEST_TIMEOUT_USEC);
        test_process_free(consumer);
}

/* verb [arg] with --json=pretty prints the same documents as --json=short (and --json), indented. */
static void assert_pretty_is_short(TestEnv *f, const char *verb, const char *arg) {
        /* An event's id is new each time the state is read: all but it must be the same. */
        static const char *const slurp[] = { "-S", "-c", "-s", "map(if .specversion then del(.id) else . end)",
                                             NULL };
        g_auto(Result) plain = {};
        g_auto(Result) shrt = {};
        g_auto(Result) pretty = {};
        g_auto(Result) off = {};
        g_autofree char *plain_value = NULL, *short_value = NULL, *pretty_value = NULL;
        guint n_docs;

        RUN(f, &plain, "--json", verb, arg);
        RUN(f, &shrt, "--json=short", verb, arg);
        RUN(f, &pretty, "--json=pretty", verb, arg);
        RUN(f, &off, "--json=off", verb, arg);
        g_assert_cmpint(plain.status, ==, 0);
        g_assert_cmpint(shrt.status, ==, 0);
        g_assert_cmpint(pretty.status, ==, 0);
        g_assert_cmpint(off.status, ==, 0);
        n_docs = assert_json_lines(f->bus, shrt.out);
        g_assert_cmpuint(n_docs, >=, 1);
        g_assert_cmpuint(assert_json_lines(f->bus, plain.out), ==, n_docs);
        plain_value = jq_output(f->bus, plain.out, slurp);
        short_value = jq_output(f->bus, shrt.out, slurp);
        g_assert_cmpstr(plain_value, ==, short_value);
        pretty_value = jq_output(f->bus, pretty.out, slurp);
        g_assert_cmpstr(pretty_value, ==, short_value);
        /* Indented: a member a line, two spaces a level. */
        g_assert_cmpuint(count_char(pretty.out, '\n'), >, 3 * n_docs);
        g_assert_nonnull(strstr(pretty.out, "{\n  \""));
        g_assert_nonnull(strstr(pretty.out, "\": "));
        g_assert_true(g_str_has_suffix(pretty.out, "}\n"));
        assert_keys_documented(f, verb, shrt.out);
        /* off: text. */
        g_assert_true(off.out[0] != '{');
}

/* --json=MODE for each verb that prints JSON (watch's events are get's, wait's result is tested with wait). */
static void test_json_pretty(TestEnv *f, gconstpointer data) {
        TestProcess *consumer;
        g_autofree char *path = NULL;

        test_inject(f->client, LOCK, "ens1f0", "locked", -12);
        consumer = test_consumer_start(f->bus, LOCK_ADDRESS, &path, "--name=pretty", NULL);
        assert_pretty_is_short(f, "status", NULL);
        assert_pretty_is_short(f, "list", NULL);
        assert_pretty_is_short(f, "subscriptions", NULL);
        assert_pretty_is_short(f, "get", LOCK);
        assert_pretty_is_short(f, "show", NULL);
        kill(consumer->pid, SIGTERM);
        test_process_wait_exit(consumer, TEST_TIMEOUT_USEC);
        test_process_free(consumer);
}

static void test_inject_cmd(TestEnv *f, gconstpointer data) {
        g_auto(Result) ok = {};
        g_auto(Result) get = {};
        g_auto(Result) bad = {};
        g_auto(Result) offset = {};
        g_auto(Result) nobody = {};

        RUN(f, &ok, "inject", LOCK, "ens1f0", "locked", "-42");
        g_assert_cmpint(ok.status, ==, 0);
        g_assert_cmpstr(ok.out, ==, "");
        RUN(f, &get, "get", LOCK);
        g_assert_true(g_str_has_suffix(get.out, "=LOCKED(-42)\n"));
        RUN(f, &bad, "inject", LOCK, "ens1f0", "sideways");
        g_assert_cmpint(bad.status, ==, 2);
        RUN(f, &offset, "inject", LOCK, "ens1f0", "locked", "12abc");
        g_assert_cmpint(offset.status, ==, 2);

        if (getuid() != 0 || !getpwnam("nobody")) {
                g_test_message("access denied: needs root and the user nobody; skipped");
                return;
        }
        run_as(f->bus, "nobody", (const char *const[]) { "inject", LOCK, "ens1f0", "unlocked", NULL }, &nobody);
        g_assert_cmpint(nobody.status, ==, 4);
        g_assert_nonnull(strcasestr(nobody.err, "access denied"));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/ptpsyncctl/usage", test_usage);
        g_test_add_func("/ptpsyncctl/no-daemon", test_no_daemon);
#define ADD(name, fn) test_env_add("/ptpsyncctl/" name, &options, fn)
        ADD("list", test_list);
        ADD("get", test_get);
        ADD("status", test_status);
        ADD("status-offsets", test_status_offsets);
        ADD("wait", test_wait);
        ADD("wait-state", test_wait_state);
        ADD("wait-daemon-later", test_wait_daemon_later);
        ADD("watch", test_watch);
        ADD("watch-ready", test_watch_ready);
        ADD("watch-pretty", test_watch_pretty);
        ADD("show", test_show);
        ADD("watch-durable", test_watch_durable);
        ADD("watch-durable-all", test_watch_durable_all);
        ADD("dead-letters", test_dead_letters);
        ADD("inject", test_inject_cmd);
        ADD("json-pretty", test_json_pretty);
        return g_test_run();
}
