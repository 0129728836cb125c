/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's polkit checks against the real polkitd: on each test's private
 * bus (test_polkitd_start(): polkitd in a mount namespace of its own that shows
 * it only our actions and the case's rules file), with real clients of other
 * uids: the consumer ($PTPSYNC_CONSUMER) and the caller ($PTPSYNC_CALLER, the
 * same call N times pipelined, one line per reply with the error's name) run
 * with runuser -u nobody (or a member of a group a rule names). Each case:
 *
 *   defaults         the shipped defaults: nobody may subscribe, not Inject
 *                    (AccessDenied from polkit with the interactive flag,
 *                    InteractiveAuthorizationRequired without it), nor act on
 *                    root's subscription; nobody's ListSubscriptions is its own;
 *                    root may do everything
 *   group-manage     a rule grants a group org.ptpsync1.manage: a member may
 *                    Redrive and Cancel root's subscription and lists everyone's;
 *                    nobody still may not
 *   deny-subscribe   a rule answers NO to nobody's subscribe: refused; root and
 *                    another user still subscribe
 *   auth-admin       a rule answers AUTH_ADMIN for simulate: without the
 *                    interactive flag InteractiveAuthorizationRequired, with it
 *                    AccessDenied (no agent to ask)
 *   absent           no polkitd: subscribing is still open, every other action
 *                    refused at once ("polkit is not running"); root may still
 *                    do everything (polkitd allows uid 0 anything, so only here
 *                    does root's short cut show)
 *   stopped          a SIGSTOPped polkitd: nobody's Inject answered by the
 *                    daemon's own 20 s timeout, root served meanwhile
 *   clock-class-writer
 *                    a grandmaster's SetClockClassWriter: nobody is refused
 *                    (auth_admin_keep, no agent), the writer stays off; root
 *                    turns it on and off
 *   pipelined        40 Injects on one connection without waiting: every one
 *                    answered; rounds of 16 on one connection all reach polkit;
 *                    with polkitd stopped exactly 16 (the per-caller bound,
 *                    AUTH_QUERIES_PER_PEER_MAX) wait and the other 24 get
 *                    LimitsExceeded at once; three connections of 16 (more than
 *                    the daemon's 32 checks in flight) all answered by polkit
 *
 * Needs root (a mount namespace, runuser) and polkitd: skipped (77) otherwise.
 */

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus/authorize.h" /* AUTH_QUERIES_PER_PEER_MAX, AUTH_CHECKS_MAX */
#include "common/bus-names.h"
#include "test-env.h"

#define LOCK "sync/ptp-status/lock-state"
#define CLOCK_CLASS "sync/ptp-status/clock-class"
#define PTP_STATUS TEST_PREFIX "sync/ptp-status"
#define ACCESS_DENIED "org.freedesktop.DBus.Error.AccessDenied"
#define INTERACTIVE_REQUIRED "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"
#define LIMITS_EXCEEDED "org.freedesktop.DBus.Error.LimitsExceeded"
#define NOT_RUNNING "polkit is not running"
/* The daemon's own bound on a polkit check (AUTH_CHECK_TIMEOUT_USEC in authorize.c). */
#define DAEMON_POLKIT_TIMEOUT_USEC (20 * G_USEC_PER_SEC)
#define QUERIES_PER_PEER AUTH_QUERIES_PER_PEER_MAX
/* "At once", generously: this VM can stall for seconds, but a hang would take 20 s or more. */
#define PROMPT_USEC (5 * G_USEC_PER_SEC)

/*
 * Every call that needs an action other than subscribe, for the table-driven
 * checks: as another user, on another user's subscription where it acts on
 * one. Cancel last: it ends the subscription.
 */
typedef struct Privileged {
        const char *action; /* org.ptpsync1.<action> guards it */
        const char *interface, *method, *signature;
        const char *args[5];
        bool on_subscription; /* called on the other user's subscription, else on /org/ptpsync1 */
} Privileged;

static const Privileged privileged[] = {
        { "simulate", SIMULATOR_INTERFACE, "Inject", "sssx", { LOCK, "ens1f0", "locked", "0" } },
        { "manage", SUBSCRIPTION_INTERFACE, "Ack", "t", { "1" }, true },
        { "manage", SUBSCRIPTION_INTERFACE, "Nack", "tb", { "1", "true" }, true },
        { "manage", SUBSCRIPTION_INTERFACE, "GetDeadLetters", "uu", { "0", "0" }, true },
        { "manage", SUBSCRIPTION_INTERFACE, "Redrive", "", {}, true },
        { "manage", SUBSCRIPTION_INTERFACE, "PurgeDeadLetters", "", {}, true },
        { "manage", SUBSCRIPTION_INTERFACE, "Cancel", "", {}, true },
        { "configure", MANAGER_INTERFACE, "Reload", "", {} },
};

/* --- the set-up: bus, polkitd (or none), daemon, a root connection ------------------------------ */

typedef struct Setup {
        TestEnv env; /* env.client: root's connection */
        GPtrArray *consumers; /* TestProcess* */
} Setup;

static void setup_start(Setup *s, bool with_polkitd, const char *rules_js) {
        *s = (Setup) { .consumers = g_ptr_array_new() };
        test_env_setup(&s->env, &(const TestEnvOptions) { .polkitd = with_polkitd, .polkit_rules = rules_js });
}

static void setup_stop(Setup *s) {
        for (guint i = 0; i < s->consumers->len; i++)
                test_process_free(s->consumers->pdata[i]);
        g_ptr_array_unref(s->consumers);
        test_env_teardown(&s->env);
}

/* --- the caller: a real client, run as a given user -------------------------------------------- */

typedef struct Reply {
        unsigned index;
        uint64_t usec;    /* from its round's sending to this reply */
        char *error_name; /* NULL: a method return */
        char *text;       /* the error's message, or the returned values */
} Reply;

typedef struct Run {
        int status;
        char *out, *err;
        GPtrArray *replies; /* Reply*, in arrival order */
} Run;

static void reply_free(void *p) {
        Reply *r = p;

        g_free(r->error_name);
        g_free(r->text);
        g_free(r);
}

static void run_free(Run *r) {
        if (!r)
                return;
        g_free(r->out);
        g_free(r->err);
        g_ptr_array_unref(r->replies);
        g_free(r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Run, run_free)

/* "reply I USEC ok VALUES" or "reply I USEC error NAME MESSAGE"; NULL for any other line. */
static Reply *reply_parse(const char *line) {
        g_auto(GStrv) w = g_strsplit(line, " ", 5);
        Reply *r;

        if (g_strv_length(w) < 4 || !g_str_equal(w[0], "reply"))
                return NULL;
        r = g_new0(Reply, 1);
        r->index = (unsigned) g_ascii_strtoull(w[1], NULL, 10);
        r->usec = g_ascii_strtoull(w[2], NULL, 10);
        if (g_str_equal(w[3], "error")) {
                g_auto(GStrv) e = g_strsplit(w[4] ?: "", " ", 2);

                r->error_name = g_strdup(e[0] ?: "");
                r->text = g_strdup(e[0] && e[1] ? e[1] : "");
        } else
                r->text = g_strdup(w[4] ?: "");
        return r;
}

static void replies_parse(GPtrArray *replies, char **lines, guint n) {
        for (guint i = 0; i < n; i++) {
                Reply *r = reply_parse(lines[i]);

                if (r)
                        g_ptr_array_add(replies, r);
        }
}

/* argv of the caller as user (NULL: ourselves, root), with its arguments after --bus. */
static GPtrArray *caller_argv(Setup *s, const char *user, const char *const *args) {
        GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
        const char *caller = g_getenv("PTPSYNC_CALLER");

        g_assert_nonnull(caller);
        if (user) {
                g_ptr_array_add(argv, g_strdup("runuser"));
                g_ptr_array_add(argv, g_strdup("-u"));
                g_ptr_array_add(argv, g_strdup(user));
                g_ptr_array_add(argv, g_strdup("--"));
        }
        g_ptr_array_add(argv, g_strdup(caller));
        g_ptr_array_add(argv, g_strconcat("--bus=", s->env.bus->address, NULL));
        for (size_t i = 0; args[i]; i++)
                g_ptr_array_add(argv, g_strdup(args[i]));
        g_ptr_array_add(argv, NULL);
        return argv;
}

/* Runs the caller as user to its end; every call must have had its reply. */
static Run *caller_run_argv(Setup *s, const char *user, const char *const *args) {
        g_autoptr(GPtrArray) argv = caller_argv(s, user, args);
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) lines = NULL;
        Run *r = g_new0(Run, 1);

        r->replies = g_ptr_array_new_with_free_func(reply_free);
        g_spawn_sync(NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, test_spawn_child_setup, NULL, &r->out,
                     &r->err, &r->status, &error);
        g_assert_no_error(error);
        if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0)
                g_error("the caller as %s failed (status %d): %s%s", user ?: "root", r->status, r->out, r->err);
        lines = g_strsplit(r->out, "\n", -1);
        replies_parse(r->replies, lines, g_strv_length(lines));
        return r;
}

static Run *caller_run(Setup *s, const char *user, ...) G_GNUC_NULL_TERMINATED;
static Run *caller_run(Setup *s, const char *user, ...) {
        g_autoptr(GPtrArray) args = g_ptr_array_new();
        const char *a;
        va_list ap;

        va_start(ap, user);
        while ((a = va_arg(ap, const char *)))
                g_ptr_array_add(args, (char *) a);
        va_end(ap);
        g_ptr_array_add(args, NULL);
        return caller_run_argv(s, user, (const char *const *) args->pdata);
}

/* One privileged call as user, with the interactive flag or not; on path if it acts on a subscription. */
static Run *call_privileged(Setup *s, const char *user, bool interactive, const Privileged *p, const char *path) {
        g_autoptr(GPtrArray) args = g_ptr_array_new();

        if (interactive)
                g_ptr_array_add(args, (char *) "--interactive");
        g_ptr_array_add(args, (char *) (p->on_subscription ? path : MANAGER_OBJECT_PATH));
        g_ptr_array_add(args, (char *) p->interface);
        g_ptr_array_add(args, (char *) p->method);
        g_ptr_array_add(args, (char *) p->signature);
        for (size_t i = 0; p->args[i]; i++)
                g_ptr_array_add(args, (char *) p->args[i]);
        g_ptr_array_add(args, NULL);
        return caller_run_argv(s, user, (const char *const *) args->pdata);
}

/* The only reply of a run of one call. */
static const Reply *only_reply(const Run *r) {
        if (r->replies->len != 1)
                g_error("expected one reply, the caller said: %s%s", r->out, r->err);
        return r->replies->pdata[0];
}

static void assert_ok(const Run *r, const char *what) {
        const Reply *reply = only_reply(r);

        if (reply->error_name)
                g_error("%s: expected success, got %s: %s", what, reply->error_name, reply->text);
}

/* An error reply named name, whose message contains each of the NULL-terminated needles, and none of "not". */
static void assert_error(const Reply *reply, const char *what, const char *name, const char *not, ...)
        G_GNUC_NULL_TERMINATED;
static void assert_error(const Reply *reply, const char *what, const char *name, const char *not, ...) {
        const char *needle;
        va_list ap;

        if (!reply->error_name || !g_str_equal(reply->error_name, name))
                g_error("%s: expected %s, got %s: %s", what, name, reply->error_name ?: "success", reply->text);
        if (not && strstr(reply->text, not))
                g_error("%s: the message must not say \"%s\": %s", what, not, reply->text);
        va_start(ap, not);
        while ((needle = va_arg(ap, const char *)))
                if (!strstr(reply->text, needle))
                        g_error("%s: expected \"%s\" in the message: %s", what, needle, reply->text);
        va_end(ap);
}

/* Refused by polkit, not because it is absent: AccessDenied naming polkit and the caller's uid. */
static void assert_denied_by_polkit(const Run *r, const char *what, uid_t uid) {
        g_autofree char *uid_text = g_strdup_printf("uid %u", (unsigned) uid);

        assert_error(only_reply(r), what, ACCESS_DENIED, NOT_RUNNING, "polkit", uid_text, NULL);
}

static int compare_strp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The paths a ListSubscriptions reply gave, in any order, against the expected ones (NULL-terminated). */
static void assert_paths(const char *values, const char *what, ...) G_GNUC_NULL_TERMINATED;
static void assert_paths(const char *values, const char *what, ...) {
        g_autofree char *stripped = g_strstrip(g_strdup(values));
        g_auto(GStrv) got = g_strsplit(stripped, " ", -1); /* "" gives none */
        g_autoptr(GPtrArray) want = g_ptr_array_new();
        g_autofree char *got_text = NULL, *want_text = NULL;
        const char *p;
        va_list ap;

        va_start(ap, what);
        while ((p = va_arg(ap, const char *)))
                g_ptr_array_add(want, (char *) p);
        va_end(ap);
        g_ptr_array_sort(want, compare_strp);
        g_ptr_array_add(want, NULL);
        qsort(got, g_strv_length(got), sizeof(char *), compare_strp);
        got_text = g_strjoinv(" ", got);
        want_text = g_strjoinv(" ", (char **) want->pdata);
        if (!g_str_equal(got_text, want_text))
                g_error("%s: expected [%s], got [%s]", what, want_text, got_text);
}

/* ListSubscriptions as user (the interactive flag set: a "no" is still just one's own). */
static void assert_lists(Setup *s, const char *user, const char *what, const char *p1, const char *p2,
                         const char *p3) {
        g_autoptr(Run) r = caller_run(s, user, "--interactive", MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "ListSubscriptions",
                                      NULL);

        assert_ok(r, what);
        assert_paths(only_reply(r)->text, what, p1, p2, p3, NULL);
}

/* --- other bits -------------------------------------------------------------------------------- */

static uid_t user_uid(const char *name) {
        struct passwd *pw = getpwnam(name);

        g_assert_nonnull(pw);
        return pw->pw_uid;
}

static uint64_t last_sequence(Setup *s) {
        return test_manager_get_t(s->env.client, "LastSequence");
}

/* A consumer (a real subscriber process) as user (NULL: root); its first line, "subscribed PATH NAME" or "error NAME MESSAGE". */
static char *consumer_as(Setup *s, const char *user, char **ret_path) {
        g_autofree char *bus_arg = g_strconcat("--bus=", s->env.bus->address, NULL);
        const char *consumer = g_getenv("PTPSYNC_CONSUMER");
        const char *argv[] = { "runuser", "-u", user ?: "", "--", consumer, bus_arg, "--address=" PTP_STATUS, NULL };
        TestProcess *p;
        const char *line;
        guint from = 0;

        g_assert_nonnull(consumer);
        p = test_process_spawn(user ? argv : argv + 4);
        g_ptr_array_add(s->consumers, p);
        line = test_process_wait_line(p, "", &from, TEST_TIMEOUT_USEC);
        if (!line)
                g_error("the consumer as %s said nothing", user ?: "root");
        if (ret_path) {
                g_auto(GStrv) w = g_strsplit(line, " ", 3);

                if (!g_str_equal(w[0], "subscribed"))
                        g_error("the consumer as %s could not subscribe: %s", user ?: "root", line);
                *ret_path = g_strdup(w[1]);
        }
        return g_strdup(line);
}

/* Whether the subscription at path is there, as root sees it. */
static bool subscription_exists(Setup *s, const char *path) {
        g_autoptr(Run) r = caller_run(s, NULL, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "ListSubscriptions", NULL);

        assert_ok(r, "root's ListSubscriptions");
        return strstr(only_reply(r)->text, path) != NULL;
}

/* --- the cases --------------------------------------------------------------------------------- */

static void test_defaults(void) {
        g_autofree char *root_path = NULL, *nobody_path = NULL;
        uid_t nobody = user_uid("nobody");
        Setup s;

        setup_start(&s, true, NULL);
        g_free(consumer_as(&s, NULL, &root_path));
        /* subscribe: yes for anyone. */
        g_free(consumer_as(&s, "nobody", &nobody_path));

        /* simulate: auth_admin, and no agent to ask: refused, state unchanged. */
        {
                g_autoptr(Run) r = call_privileged(&s, "nobody", true, &privileged[0], NULL);
                g_autoptr(Run) q = call_privileged(&s, "nobody", false, &privileged[0], NULL);

                assert_denied_by_polkit(r, "nobody's Inject", nobody);
                /* Without the interactive flag the answer says what would help. */
                assert_error(only_reply(q), "nobody's Inject without the interactive flag", INTERACTIVE_REQUIRED,
                             NULL, "org.ptpsync1.simulate", NULL);
                g_assert_cmpuint(last_sequence(&s), ==, 0);
        }

        /* manage: auth_admin_keep; nobody may not touch root's subscription. */
        for (size_t i = 0; i < G_N_ELEMENTS(privileged); i++) {
                g_autofree char *what = g_strdup_printf("nobody's %s on root's subscription", privileged[i].method);
                g_autoptr(Run) r = NULL;

                if (!privileged[i].on_subscription)
                        continue;
                r = call_privileged(&s, "nobody", true, &privileged[i], root_path);
                assert_denied_by_polkit(r, what, nobody);
                assert_error(only_reply(r), what, ACCESS_DENIED, NULL, "org.ptpsync1.manage", NULL);
        }
        g_assert_true(subscription_exists(&s, root_path)); /* the Cancel did nothing */

        /* A "no" to manage is one's own list, not a refusal. */
        assert_lists(&s, "nobody", "nobody's ListSubscriptions", nobody_path, NULL, NULL);

        /* Root: everything. */
        assert_lists(&s, NULL, "root's ListSubscriptions", root_path, nobody_path, NULL);
        for (size_t i = 0; i < G_N_ELEMENTS(privileged); i++) {
                g_autofree char *what = g_strdup_printf("root's %s on nobody's subscription", privileged[i].method);
                g_autoptr(Run) r = call_privileged(&s, NULL, false, &privileged[i], nobody_path);

                assert_ok(r, what);
        }
        g_assert_cmpuint(last_sequence(&s), ==, 1);
        g_assert_false(subscription_exists(&s, nobody_path));

        setup_stop(&s);
}

/*
 * A node with a grandmaster, whose ptp4l and gpsd are nowhere: enough for the writer's switch,
 * which polkit guards whether or not there is anything to write into yet.
 */
static const char grandmaster_config[] = "[Daemon]\nSource=linuxptp\n"
                                         "[GNSS]\nGpsd=127.0.0.1:1\n"
                                         "[Grandmaster]\nInstance=gm\n"
                                         "[ptp4l gm]\nSocket=@BUS_DIR@/nowhere.sock\n";

static void test_clock_class_writer(void) {
        static const Privileged on = { "write-clock-class", MANAGER_INTERFACE, "SetClockClassWriter", "b", { "true" } };
        static const Privileged off = { "write-clock-class", MANAGER_INTERFACE, "SetClockClassWriter", "b",
                                        { "false" } };
        uid_t nobody = user_uid("nobody");
        Setup s = { .consumers = g_ptr_array_new() };

        test_env_setup(&s.env, &(const TestEnvOptions) {
                .polkitd = true,
                .config_text = grandmaster_config,
                .daemon_args = (const char *const[]) { "--source=linuxptp", "--runtime-dir=@BUS_DIR@/run", NULL },
        });
        g_assert_false(test_manager_get_b(s.env.client, "ClockClassWriter"));
        {
                g_autoptr(Run) r = call_privileged(&s, "nobody", true, &on, NULL);
                g_autoptr(Run) q = call_privileged(&s, "nobody", false, &on, NULL);

                assert_denied_by_polkit(r, "nobody's SetClockClassWriter", nobody);
                assert_error(only_reply(q), "nobody's SetClockClassWriter without the interactive flag",
                             INTERACTIVE_REQUIRED, NULL, "org.ptpsync1.write-clock-class", NULL);
        }
        g_assert_false(test_manager_get_b(s.env.client, "ClockClassWriter"));
        {
                g_autoptr(Run) r = call_privileged(&s, NULL, false, &on, NULL);

                assert_ok(r, "root's SetClockClassWriter(true)");
        }
        g_assert_true(test_manager_get_b(s.env.client, "ClockClassWriter"));
        {
                g_autoptr(Run) r = call_privileged(&s, NULL, false, &off, NULL);

                assert_ok(r, "root's SetClockClassWriter(false)");
        }
        g_assert_false(test_manager_get_b(s.env.client, "ClockClassWriter"));
        setup_stop(&s);
}

/* A user whose primary group nobody is not in: the member for a group rule. */
static bool find_group_member(const char **ret_user, char **ret_group) {
        static const char *const candidates[] = { "daemon", "bin", "sys", "games", "man" };
        struct passwd *nobody = getpwnam("nobody");
        gid_t nobody_groups[64];
        int n_nobody_groups = G_N_ELEMENTS(nobody_groups);

        /* Before the next getpwnam(), which reuses its buffer. */
        g_assert_nonnull(nobody);
        if (getgrouplist("nobody", nobody->pw_gid, nobody_groups, &n_nobody_groups) < 0)
                return false;
        for (size_t i = 0; i < G_N_ELEMENTS(candidates); i++) {
                struct passwd *pw = getpwnam(candidates[i]);
                struct group *gr;
                bool nobody_in = false;

                if (!pw || pw->pw_uid == 0 || !(gr = getgrgid(pw->pw_gid)))
                        continue;
                for (int k = 0; k < n_nobody_groups; k++)
                        nobody_in = nobody_in || nobody_groups[k] == pw->pw_gid;
                if (nobody_in)
                        continue;
                *ret_user = candidates[i];
                *ret_group = g_strdup(gr->gr_name);
                return true;
        }
        return false;
}

/* ptpsyncctl --json subscriptions as user: every line of its output, or a failure of the test. */
static char **ptpsyncctl_subscriptions_as(Setup *s, const char *user) {
        g_autofree char *bus_arg = g_strconcat("--bus=", s->env.bus->address, NULL), *out = NULL, *err = NULL;
        const char *argv[] = { "runuser", "-u", user, "--", g_getenv("PTPSYNCCTL"), bus_arg, "--json",
                               "subscriptions", NULL };
        g_autoptr(GError) error = NULL;
        int status;

        g_assert_true(g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                                   &error));
        if (!g_spawn_check_wait_status(status, NULL))
                g_error("ptpsyncctl subscriptions as %s: status %d: %s", user, status, err);
        return g_strsplit(g_strstrip(out), "\n", -1);
}

static void test_group_manage(void) {
        g_autofree char *group = NULL, *rules = NULL, *a = NULL, *b = NULL, *n = NULL;
        const char *member;
        Setup s;

        if (!find_group_member(&member, &group)) {
                g_test_skip("no system user (daemon, bin, sys, games, man) with a primary group nobody is not in");
                return;
        }
        rules = g_strdup_printf("polkit.addRule(function(action, subject) {\n"
                                "        if (action.id == \"org.ptpsync1.manage\" && subject.isInGroup(\"%s\"))\n"
                                "                return polkit.Result.YES;\n"
                                "});\n",
                                group);
        setup_start(&s, true, rules);
        g_free(consumer_as(&s, NULL, &a));
        g_free(consumer_as(&s, NULL, &b));
        g_free(consumer_as(&s, "nobody", &n));

        /* The member sees everyone's, and may act on root's subscription (no interactive flag needed: YES). */
        assert_lists(&s, member, "the group member's ListSubscriptions", a, b, n);
        {
                /* ptpsyncctl lists them too; their Names are their users' own: not shown. */
                g_auto(GStrv) lines = ptpsyncctl_subscriptions_as(&s, member);

                g_assert_cmpuint(g_strv_length(lines), ==, 3);
                for (char **l = lines; *l; l++)
                        if (!strstr(*l, "\"name\":null"))
                                g_error("ptpsyncctl showed another user's Name: %s", *l);
        }
        {
                g_autoptr(Run) r = caller_run(&s, member, a, SUBSCRIPTION_INTERFACE, "Redrive", NULL);
                g_autoptr(Run) d = caller_run(&s, member, a, SUBSCRIPTION_INTERFACE, "GetDeadLetters", "uu", "0", "0",
                                              NULL);

                assert_ok(r, "the group member's Redrive of root's subscription");
                g_assert_cmpstr(only_reply(r)->text, ==, "0");
                assert_ok(d, "the group member's GetDeadLetters of root's subscription");
        }
        {
                g_autoptr(Run) r = caller_run(&s, member, a, SUBSCRIPTION_INTERFACE, "Cancel", NULL);

                assert_ok(r, "the group member's Cancel of root's subscription");
                g_assert_false(subscription_exists(&s, a));
        }

        /* Not a member: as before. */
        {
                g_autoptr(Run) r = caller_run(&s, "nobody", "--interactive", b, SUBSCRIPTION_INTERFACE, "Redrive",
                                              NULL);
                g_autoptr(Run) c = caller_run(&s, "nobody", "--interactive", b, SUBSCRIPTION_INTERFACE, "Cancel", NULL);

                assert_denied_by_polkit(r, "nobody's Redrive of root's subscription", user_uid("nobody"));
                assert_denied_by_polkit(c, "nobody's Cancel of root's subscription", user_uid("nobody"));
                g_assert_true(subscription_exists(&s, b));
        }
        assert_lists(&s, "nobody", "nobody's ListSubscriptions", n, NULL, NULL);

        setup_stop(&s);
}

static void test_deny_subscribe(void) {
        static const char rules[] = "polkit.addRule(function(action, subject) {\n"
                                    "        if (action.id == \"org.ptpsync1.subscribe\" && subject.user == \"nobody\")\n"
                                    "                return polkit.Result.NO;\n"
                                    "});\n";
        g_autofree char *line = NULL, *path = NULL, *other = NULL;
        Setup s;

        setup_start(&s, true, rules);
        line = consumer_as(&s, "nobody", NULL);
        if (!g_str_has_prefix(line, "error " ACCESS_DENIED " ") || !strstr(line, "org.ptpsync1.subscribe") ||
            strstr(line, NOT_RUNNING))
                g_error("nobody's Subscribe, which a rule denies: %s", line);
        g_assert_cmpuint(test_manager_get_u(s.env.client, "SubscriptionCount"), ==, 0);

        /* Only nobody: root, and another user whom the default (yes) applies to, still may. */
        g_free(consumer_as(&s, NULL, &path));
        {
                const char *member;
                g_autofree char *group = NULL;

                if (find_group_member(&member, &group))
                        g_free(consumer_as(&s, member, &other));
        }
        g_assert_cmpuint(test_manager_get_u(s.env.client, "SubscriptionCount"), ==, other ? 2 : 1);

        setup_stop(&s);
}

static void test_auth_admin(void) {
        static const char rules[] = "polkit.addRule(function(action, subject) {\n"
                                    "        if (action.id == \"org.ptpsync1.simulate\")\n"
                                    "                return polkit.Result.AUTH_ADMIN;\n"
                                    "});\n";
        Setup s;

        setup_start(&s, true, rules);
        {
                g_autoptr(Run) r = call_privileged(&s, "nobody", false, &privileged[0], NULL);

                assert_error(only_reply(r), "nobody's Inject without the interactive flag", INTERACTIVE_REQUIRED, NULL,
                             "org.ptpsync1.simulate", NULL);
        }
        {
                /* With it, polkit would ask an agent; there is none, so asking again cannot help: denied. */
                g_autoptr(Run) r = call_privileged(&s, "nobody", true, &privileged[0], NULL);

                assert_denied_by_polkit(r, "nobody's Inject with the interactive flag", user_uid("nobody"));
        }
        g_assert_cmpuint(last_sequence(&s), ==, 0);
        setup_stop(&s);
}

static void test_absent(void) {
        g_autofree char *root_path = NULL, *nobody_path = NULL;
        Setup s;

        setup_start(&s, false, NULL);
        /* Subscribing is allowed to anyone by its shipped default, polkitd or not. */
        g_free(consumer_as(&s, NULL, &root_path));
        g_free(consumer_as(&s, "nobody", &nobody_path));

        for (size_t i = 0; i < G_N_ELEMENTS(privileged); i++)
                for (int interactive = 0; interactive <= 1; interactive++) {
                        g_autofree char *what = g_strdup_printf("nobody's %s%s without polkitd",
                                                                privileged[i].method,
                                                                interactive ? " (interactive)" : "");
                        g_autoptr(Run) r = call_privileged(&s, "nobody", interactive, &privileged[i], root_path);
                        const Reply *reply = only_reply(r);

                        assert_error(reply, what, ACCESS_DENIED, NULL, NOT_RUNNING, NULL);
                        if (reply->usec > PROMPT_USEC)
                                g_error("%s: refused only after %" G_GUINT64_FORMAT " us", what, reply->usec);
                }
        g_assert_cmpuint(last_sequence(&s), ==, 0);
        g_assert_true(subscription_exists(&s, root_path));
        assert_lists(&s, "nobody", "nobody's ListSubscriptions without polkitd", nobody_path, NULL, NULL);

        /* Root needs no polkit. (With polkitd running this cannot show: polkitd allows uid 0 anything.) */
        assert_lists(&s, NULL, "root's ListSubscriptions without polkitd", root_path, nobody_path, NULL);
        for (size_t i = 0; i < G_N_ELEMENTS(privileged); i++) {
                g_autofree char *what = g_strdup_printf("root's %s without polkitd", privileged[i].method);
                g_autoptr(Run) r = call_privileged(&s, NULL, false, &privileged[i], nobody_path);

                assert_ok(r, what);
        }
        g_assert_cmpuint(last_sequence(&s), >, 0);
        g_assert_false(subscription_exists(&s, nobody_path));

        setup_stop(&s);
}

/* Root's GetCurrentState, which must be answered within PROMPT_USEC. */
static void assert_root_served(Setup *s, const char *when) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        gint64 start = g_get_monotonic_time(), took;
        int r;

        r = sd_bus_call_method(s->env.client, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "GetCurrentState",
                               &error, &reply, "s", PTP_STATUS);
        took = g_get_monotonic_time() - start;
        if (r < 0)
                g_error("root's GetCurrentState %s: %s: %s", when, error.name, error.message);
        if (took > PROMPT_USEC)
                g_error("root's GetCurrentState %s took %" G_GINT64_FORMAT " us", when, took);
        sd_bus_error_free(&error);
}

/* The caller in the background as user, with its arguments (NULL-terminated); waits for its "sent" line. */
static TestProcess *caller_spawn(Setup *s, const char *user, guint *from, ...) G_GNUC_NULL_TERMINATED;
static TestProcess *caller_spawn(Setup *s, const char *user, guint *from, ...) {
        g_autoptr(GPtrArray) args = g_ptr_array_new(), argv = NULL;
        TestProcess *p;
        const char *a;
        va_list ap;

        va_start(ap, from);
        while ((a = va_arg(ap, const char *)))
                g_ptr_array_add(args, (char *) a);
        va_end(ap);
        g_ptr_array_add(args, NULL);
        argv = caller_argv(s, user, (const char *const *) args->pdata);
        p = test_process_spawn((const char *const *) argv->pdata);
        if (!test_process_wait_line(p, "sent ", from, TEST_TIMEOUT_USEC))
                g_error("the caller as %s sent nothing", user);
        return p;
}

/* Waits for the next reply line of p; fails the test at the deadline. */
static Reply *next_reply(TestProcess *p, guint *from, uint64_t timeout_usec, const char *what) {
        const char *line = test_process_wait_line(p, "reply ", from, timeout_usec);

        if (!line)
                g_error("%s: no reply within %" G_GUINT64_FORMAT " us", what, timeout_usec);
        return reply_parse(line);
}

static void test_stopped(void) {
        Setup s;
        TestProcess *p;
        guint from = 0;
        Reply *reply;
        uint64_t seq;

        setup_start(&s, true, NULL);
        test_inject(s.env.client, LOCK, "ens1f0", "locked", 0); /* something for GetCurrentState to show */
        g_assert_cmpint(kill(s.env.polkitd->pid, SIGSTOP), ==, 0);

        /* The caller's own timeout is long: what ends the wait must be the daemon's. */
        p = caller_spawn(&s, "nobody", &from, "--interactive", "--timeout-sec=120", MANAGER_OBJECT_PATH,
                         SIMULATOR_INTERFACE, "Inject", "sssx", LOCK, "ens1f0", "unreachable", "0", NULL);

        /* The daemon serves others while nobody's check hangs. */
        assert_root_served(&s, "while polkitd is stopped");
        /* A change (an event) that starts no timer of the daemon's, unlike lost lock (holdover). */
        test_inject(s.env.client, CLOCK_CLASS, "ens1f0", "7", 0);
        g_free(consumer_as(&s, NULL, NULL));
        assert_root_served(&s, "while polkitd is stopped, again");
        g_assert_cmpuint(test_process_count_lines(p, "reply "), ==, 0); /* still waiting */
        seq = last_sequence(&s);

        reply = next_reply(p, &from, DAEMON_POLKIT_TIMEOUT_USEC + 10 * G_USEC_PER_SEC,
                           "nobody's Inject while polkitd is stopped");
        assert_error(reply, "nobody's Inject while polkitd is stopped", ACCESS_DENIED, NULL,
                     "polkit could not decide", NULL);
        /* The daemon's own timeout, not polkit's answer nor the caller's. */
        if (reply->usec < DAEMON_POLKIT_TIMEOUT_USEC - 2 * G_USEC_PER_SEC ||
            reply->usec > DAEMON_POLKIT_TIMEOUT_USEC + 5 * G_USEC_PER_SEC)
                g_error("nobody's Inject while polkitd is stopped was answered after %" G_GUINT64_FORMAT
                        " us, not at the daemon's polkit timeout of 20 s", reply->usec);
        reply_free(reply);
        g_assert_true(test_process_wait_exit(p, TEST_TIMEOUT_USEC));
        test_process_free(p);
        g_assert_cmpuint(last_sequence(&s), ==, seq); /* nothing of nobody's */

        /* polkitd back: answered by it again. */
        g_assert_cmpint(kill(s.env.polkitd->pid, SIGCONT), ==, 0);
        {
                g_autoptr(Run) r = call_privileged(&s, "nobody", true, &privileged[0], NULL);

                assert_denied_by_polkit(r, "nobody's Inject once polkitd continues", user_uid("nobody"));
                if (only_reply(r)->usec > PROMPT_USEC)
                        g_error("nobody's Inject once polkitd continues took %" G_GUINT64_FORMAT " us",
                                only_reply(r)->usec);
        }
        setup_stop(&s); /* kills polkitd */
}

#define PIPELINED 40
G_STATIC_ASSERT(PIPELINED > QUERIES_PER_PEER);
G_STATIC_ASSERT(3 * QUERIES_PER_PEER > AUTH_CHECKS_MAX);

/* Each of 1..n answered exactly once. */
static void assert_each_once(GPtrArray *replies, unsigned n, const char *what) {
        g_autofree unsigned *seen = g_new0(unsigned, n + 1);

        g_assert_cmpuint(replies->len, ==, n);
        for (guint i = 0; i < replies->len; i++) {
                const Reply *r = replies->pdata[i];

                g_assert_cmpuint(r->index, >=, 1);
                g_assert_cmpuint(r->index, <=, n);
                if (seen[r->index]++)
                        g_error("%s: call %u answered twice", what, r->index);
        }
}

static void test_pipelined(void) {
        uid_t nobody = user_uid("nobody");
        g_autofree char *count = g_strdup_printf("--count=%u", PIPELINED);
        g_autofree char *bound = g_strdup_printf("--count=%u", QUERIES_PER_PEER);
        g_autofree char *uid_text = g_strdup_printf("uid %u", (unsigned) nobody);
        g_autofree char *bound_text = g_strdup_printf("%u calls", QUERIES_PER_PEER);
        unsigned denied = 0, limited = 0;
        uint64_t seq;
        Setup s;

        setup_start(&s, true, NULL);
        test_inject(s.env.client, CLOCK_CLASS, "ens1f0", "6", 0); /* for GetCurrentState */
        seq = last_sequence(&s);

        /* 40 at once: every one answered, refused by polkit or for the bound; none lost, none timed out. */
        {
                g_autoptr(Run) r = caller_run(&s, "nobody", count, "--interactive", MANAGER_OBJECT_PATH,
                                              SIMULATOR_INTERFACE, "Inject", "sssx", LOCK, "ens1f0", "locked", "0",
                                              NULL);

                assert_each_once(r->replies, PIPELINED, "40 pipelined Injects");
                for (guint i = 0; i < r->replies->len; i++) {
                        const Reply *reply = r->replies->pdata[i];

                        if (g_strcmp0(reply->error_name, LIMITS_EXCEEDED) == 0)
                                limited++;
                        else {
                                assert_error(reply, "one of 40 pipelined Injects", ACCESS_DENIED, NOT_RUNNING,
                                             "polkit", uid_text, NULL);
                                denied++;
                        }
                        if (reply->usec > PROMPT_USEC)
                                g_error("one of 40 pipelined Injects took %" G_GUINT64_FORMAT " us", reply->usec);
                }
                g_assert_cmpuint(denied, >=, QUERIES_PER_PEER);
                g_test_message("40 pipelined Injects: %u refused by polkit, %u over the bound", denied, limited);
        }

        /* Up to the bound, on one connection, round after round: all go to polkit, so what one
         * round counted against the caller was given back when it was answered. */
        {
                g_autoptr(Run) r = caller_run(&s, "nobody", bound, "--rounds=3", "--interactive", MANAGER_OBJECT_PATH,
                                              SIMULATOR_INTERFACE, "Inject", "sssx", LOCK, "ens1f0", "locked", "0", NULL);

                assert_each_once(r->replies, 3 * QUERIES_PER_PEER, "3 rounds of 16 pipelined Injects");
                for (guint i = 0; i < r->replies->len; i++)
                        assert_error(r->replies->pdata[i], "one of 3 rounds of 16 pipelined Injects", ACCESS_DENIED,
                                     NOT_RUNNING, "polkit", uid_text, NULL);
        }

        /* polkitd stopped: exactly 16 wait for it, the other 24 are refused at once. */
        g_assert_cmpint(kill(s.env.polkitd->pid, SIGSTOP), ==, 0);
        {
                g_autoptr(GPtrArray) replies = g_ptr_array_new_with_free_func(reply_free);
                guint from = 0;
                TestProcess *p = caller_spawn(&s, "nobody", &from, count, "--interactive", "--timeout-sec=120",
                                              MANAGER_OBJECT_PATH, SIMULATOR_INTERFACE, "Inject", "sssx", LOCK, "ens1f0", "locked",
                                              "0", NULL);

                for (unsigned i = 0; i < PIPELINED - QUERIES_PER_PEER; i++) {
                        Reply *reply = next_reply(p, &from, PROMPT_USEC, "the calls over the bound");

                        assert_error(reply, "a call over the bound", LIMITS_EXCEEDED, NULL, bound_text, NULL);
                        /* The first 16, in the order sent, are the ones waiting. */
                        g_assert_cmpuint(reply->index, >, QUERIES_PER_PEER);
                        g_ptr_array_add(replies, reply);
                }
                assert_root_served(&s, "while 16 of nobody's checks wait for a stopped polkitd");
                g_assert_cmpuint(test_process_count_lines(p, "reply "), ==, PIPELINED - QUERIES_PER_PEER);

                g_assert_cmpint(kill(s.env.polkitd->pid, SIGCONT), ==, 0);
                for (unsigned i = 0; i < QUERIES_PER_PEER; i++) {
                        Reply *reply = next_reply(p, &from, DAEMON_POLKIT_TIMEOUT_USEC, "the 16 waiting calls");

                        /* polkit's answer, not the daemon's timeout. */
                        assert_error(reply, "a waiting call", ACCESS_DENIED, "could not decide", "polkit", uid_text,
                                     NULL);
                        g_assert_cmpuint(reply->index, <=, QUERIES_PER_PEER);
                        g_ptr_array_add(replies, reply);
                }
                g_assert_true(test_process_wait_exit(p, TEST_TIMEOUT_USEC));
                g_assert_true(WIFEXITED(p->exit_status) && WEXITSTATUS(p->exit_status) == 0);
                assert_each_once(replies, PIPELINED, "40 pipelined Injects while polkitd was stopped");
                test_process_free(p);
        }

        /* Three connections of 16, polkitd stopped: 48 checks, more than the 32 the daemon has in flight
         * (AUTH_CHECKS_MAX); the rest wait their turn inside the daemon, and every one is answered by
         * polkit once it runs (none by the timeout, which a check never sent would end in). */
        g_assert_cmpint(kill(s.env.polkitd->pid, SIGSTOP), ==, 0);
        {
                TestProcess *p[3];
                guint from[3] = {};

                for (unsigned k = 0; k < G_N_ELEMENTS(p); k++)
                        p[k] = caller_spawn(&s, "nobody", &from[k], bound, "--interactive", "--timeout-sec=120",
                                            MANAGER_OBJECT_PATH, SIMULATOR_INTERFACE, "Inject", "sssx", LOCK, "ens1f0", "locked",
                                            "0", NULL);
                /* A call that waits for its caller's uid, as theirs did: answered once theirs were taken up. */
                assert_lists(&s, NULL, "root's ListSubscriptions while 48 checks wait", NULL, NULL, NULL);
                for (unsigned k = 0; k < G_N_ELEMENTS(p); k++)
                        g_assert_cmpuint(test_process_count_lines(p[k], "reply "), ==, 0);

                g_assert_cmpint(kill(s.env.polkitd->pid, SIGCONT), ==, 0);
                for (unsigned k = 0; k < G_N_ELEMENTS(p); k++) {
                        g_autoptr(GPtrArray) replies = g_ptr_array_new_with_free_func(reply_free);

                        for (unsigned i = 0; i < QUERIES_PER_PEER; i++) {
                                Reply *reply = next_reply(p[k], &from[k], DAEMON_POLKIT_TIMEOUT_USEC,
                                                          "48 checks from three connections");

                                assert_error(reply, "one of 48 checks from three connections", ACCESS_DENIED,
                                             "could not decide", "polkit", uid_text, NULL);
                                g_ptr_array_add(replies, reply);
                        }
                        assert_each_once(replies, QUERIES_PER_PEER, "16 checks of one of three connections");
                        g_assert_true(test_process_wait_exit(p[k], TEST_TIMEOUT_USEC));
                        test_process_free(p[k]);
                }
        }

        /* None of them did anything, and the daemon still works. */
        g_assert_cmpuint(last_sequence(&s), ==, seq);
        assert_root_served(&s, "after the pipelined calls");
        test_inject(s.env.client, CLOCK_CLASS, "ens1f0", "7", 0);
        g_assert_cmpuint(last_sequence(&s), ==, seq + 1);
        setup_stop(&s);
}

int main(int argc, char *argv[]) {
        const char *why = test_polkitd_unavailable();

        if (why) {
                printf("1..0 # SKIP: the real polkitd on a private bus: %s\n", why);
                return 77;
        }
        if (!getpwnam("nobody")) {
                printf("1..0 # SKIP: there is no user nobody to run the clients as\n");
                return 77;
        }
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/polkit/defaults", test_defaults);
        g_test_add_func("/polkit/group-manage", test_group_manage);
        g_test_add_func("/polkit/deny-subscribe", test_deny_subscribe);
        g_test_add_func("/polkit/auth-admin", test_auth_admin);
        g_test_add_func("/polkit/absent", test_absent);
        g_test_add_func("/polkit/stopped", test_stopped);
        g_test_add_func("/polkit/clock-class-writer", test_clock_class_writer);
        g_test_add_func("/polkit/pipelined", test_pipelined);
        return g_test_run();
}
