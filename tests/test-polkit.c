/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's polkit checks against the real polkitd: on each test's private
 * bus (test_polkitd_start(): polkitd in a mount namespace of its own that shows
 * it only our actions and the case's rules file), with real clients of other
 * uids: the caller ($PTPSYNC_CALLER, one line per reply with the error's name)
 * run with runuser -u nobody. Each case:
 *
 *   auth-admin       a rule answers AUTH_ADMIN for simulate: without the
 *                    interactive flag InteractiveAuthorizationRequired, with it
 *                    AccessDenied (no agent to ask)
 *
 * Needs root (a mount namespace, runuser) and polkitd: skipped (77) otherwise.
 */

#include <pwd.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define LOCK "sync/ptp-status/lock-state"
#define MANAGER "org.ptpsync1.Manager"
#define SIMULATOR "org.ptpsync1.Simulator"
#define SUBSCRIPTION "org.ptpsync1.Subscription"
#define ACCESS_DENIED "org.freedesktop.DBus.Error.AccessDenied"
#define INTERACTIVE_REQUIRED "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"
#define LIMITS_EXCEEDED "org.freedesktop.DBus.Error.LimitsExceeded"
#define NOT_RUNNING "polkit is not running"

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
        { "simulate", SIMULATOR, "Inject", "sssx", { LOCK, "ens1f0", "locked", "0" } },
        { "manage", SUBSCRIPTION, "Ack", "t", { "1" }, true },
        { "manage", SUBSCRIPTION, "Nack", "tb", { "1", "true" }, true },
        { "manage", SUBSCRIPTION, "GetDeadLetters", "", {}, true },
        { "manage", SUBSCRIPTION, "Redrive", "", {}, true },
        { "manage", SUBSCRIPTION, "PurgeDeadLetters", "", {}, true },
        { "manage", SUBSCRIPTION, "Cancel", "", {}, true },
        /* Manager.Reload, once it lands: { "configure", MANAGER, "Reload", "", {} }, */
};

/* --- the set-up: bus, polkitd (or none), daemon, a root connection ------------------------------ */

typedef struct Setup {
        TestBus *bus;
        TestPolkitd *polkitd;
        TestDaemon *daemon;
        sd_bus *root;
        GPtrArray *consumers; /* TestProcess* */
} Setup;

static void setup_start(Setup *s, bool with_polkitd, const char *rules_js) {
        *s = (Setup) { .bus = test_bus_start(), .consumers = g_ptr_array_new() };
        if (with_polkitd)
                s->polkitd = test_polkitd_start(s->bus, rules_js);
        s->daemon = test_daemon_start(s->bus, NULL);
        s->root = test_bus_connect(s->bus);
}

static void setup_stop(Setup *s) {
        for (guint i = 0; i < s->consumers->len; i++)
                test_process_free(s->consumers->pdata[i]);
        g_ptr_array_unref(s->consumers);
        sd_bus_flush_close_unref(s->root);
        test_daemon_stop(s->daemon);
        test_daemon_free(s->daemon);
        test_polkitd_stop(s->polkitd);
        test_bus_stop(s->bus);
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
        g_ptr_array_add(argv, g_strconcat("--bus=", s->bus->address, NULL));
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

/* One privileged call as user, with the interactive flag or not; on path if it acts on a subscription. */
static Run *call_privileged(Setup *s, const char *user, bool interactive, const Privileged *p, const char *path) {
        g_autoptr(GPtrArray) args = g_ptr_array_new();

        if (interactive)
                g_ptr_array_add(args, (char *) "--interactive");
        g_ptr_array_add(args, (char *) (p->on_subscription ? path : "/org/ptpsync1"));
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

/* --- other bits -------------------------------------------------------------------------------- */

static uid_t user_uid(const char *name) {
        struct passwd *pw = getpwnam(name);

        g_assert_nonnull(pw);
        return pw->pw_uid;
}

static uint64_t last_sequence(Setup *s) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t seq = 0;

        if (sd_bus_get_property_trivial(s->root, "org.ptpsync1", "/org/ptpsync1", MANAGER, "LastSequence", &error,
                                        't', &seq) < 0)
                g_error("LastSequence: %s: %s", error.name, error.message);
        return seq;
}

/* --- the cases --------------------------------------------------------------------------------- */

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
        g_test_add_func("/polkit/auth-admin", test_auth_admin);
        return g_test_run();
}
