/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <limits.h>
#include <pwd.h>

#include "build-config.h"
#include "common/log.h"
#include "config/settings.h"

/* The first of $RUNTIME_DIRECTORY's directories (systemd's RuntimeDirectory=), if usable. */
static char *runtime_dir_from_environment(void) {
        const char *e = getenv("RUNTIME_DIRECTORY");
        size_t n;

        if (isempty(e))
                return NULL;
        n = strcspn(e, ":");
        if (n > RUNTIME_DIRECTORY_MAX || e[0] != '/')
                return NULL;
        return g_strndup(e, n);
}

/*
 * The first of $STATE_DIRECTORY's directories (systemd's StateDirectory=), if absolute: so that a
 * build with another prefix (/usr/local) stores where the unit's StateDirectory= made room.
 */
static char *state_dir_from_environment(void) {
        const char *e = getenv("STATE_DIRECTORY");
        size_t n;

        if (isempty(e) || e[0] != '/')
                return NULL;
        n = strcspn(e, ":");
        if (n > PATH_MAX - 1)
                return NULL;
        return g_strndup(e, n);
}

/* One instance at path that asks ptp4l for its interface, instead of the configured ones. */
static void config_use_ptp4l_socket(Config *c, const char *path) {
        Ptp4lConfig *p = ptp4l_config_new("ptp4l");

        g_free(p->socket);
        p->socket = g_strdup(path);
        g_ptr_array_set_size(c->ptp4l, 0);
        g_ptr_array_add(c->ptp4l, p);
}

static void replace(char **slot, const char *value) {
        char *v = g_strdup(value);

        g_free(*slot);
        *slot = v;
}

/*
 * getpwnam_r(): 0 and *ret_uid when user exists, -ENOENT when it does not, another negative errno
 * when it could not be looked up. Goes through NSS, so it may block (a remote directory): it is
 * only called at start-up and on reload, once per [Quota user NAME] group (QUOTA_USERS_MAX).
 */
static int lookup_user(const char *user, uid_t *ret_uid) {
        long size = sysconf(_SC_GETPW_R_SIZE_MAX);
        size_t n = size > 0 ? (size_t) size : 1024;

        for (;;) {
                g_autofree char *buf = g_malloc(n);
                struct passwd pw, *result = NULL;
                int r;

                r = getpwnam_r(user, &pw, buf, n, &result);
                if (r == ERANGE && n < 1024 * 1024) {
                        n *= 2;
                        continue;
                }
                if (r != 0)
                        return -r;
                if (!result)
                        return -ENOENT;
                *ret_uid = result->pw_uid;
                return 0;
        }
}

/*
 * Gives each [Quota user NAME] group with a user name its uid. A name that does not resolve is no
 * error (a packaged snippet for a user that is not installed must not stop the daemon): it is
 * logged and its group dropped, and it is looked up again at the next reload. Two groups that
 * come to the same uid are an error, as they are ambiguous.
 */
static bool resolve_quota_users(Config *c, const char *file, GError **error) {
        for (guint i = 0; i < c->quota_users->len;) {
                QuotaUserConfig *q = c->quota_users->pdata[i];
                int r;

                if (!q->resolved) {
                        r = lookup_user(q->user, &q->uid);
                        if (r < 0) {
                                if (r == -ENOENT)
                                        log_notice("%s: [" QUOTA_USER_GROUP " %s]: no such user; the group is "
                                                   "skipped until a reload finds it.", file, q->user);
                                else
                                        log_notice("%s: [" QUOTA_USER_GROUP " %s]: the user could not be looked "
                                                   "up (%s); the group is skipped.", file, q->user, g_strerror(-r));
                                g_ptr_array_remove_index(c->quota_users, i);
                                continue;
                        }
                        q->resolved = true;
                }
                if (q->uid == 0)
                        log_notice("%s: [" QUOTA_USER_GROUP " %s] has no effect: root (uid 0) has no quota.", file,
                                   q->user);
                for (guint j = 0; j < i; j++) {
                        const QuotaUserConfig *p = c->quota_users->pdata[j];

                        if (p->uid == q->uid) {
                                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                                            "%s: Groups [" QUOTA_USER_GROUP " %s] and [" QUOTA_USER_GROUP " %s] "
                                            "are both for uid %u: give each user one group", file, p->user, q->user,
                                            (unsigned) q->uid);
                                return false;
                        }
                }
                i++;
        }
        return true;
}

/*
 * The grandmaster is one of the instances read, and has a receiver to follow; ts2phc is only watched
 * for a grandmaster. The simulator reads none of them.
 */
static bool check_grandmaster(const Config *c, const char *file, GError **error) {
        const char *name = c->grandmaster.instance;
        bool found = false;

        if (c->source != SOURCE_LINUXPTP)
                return true;
        if (!name) {
                if (c->grandmaster.write_clock_class) {
                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                                    "%s: [Grandmaster] WriteClockClass=yes writes the grandmaster's clock class "
                                    "into its ptp4l: set Instance= too", file);
                        return false;
                }
                if (!ts2phc_watch_config_enabled(&c->grandmaster.ts2phc))
                        return true;
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                            "%s: [Grandmaster] Ts2phcWatch=, Ts2phcPidFile= and Ts2phcConfig= watch the "
                            "grandmaster's ts2phc: set Instance= too", file);
                return false;
        }
        for (guint i = 0; i < c->ptp4l->len && !found; i++)
                found = streq(((const Ptp4lConfig *) c->ptp4l->pdata[i])->name, name);
        if (!found) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                            "%s: [Grandmaster] Instance=%s names no [ptp4l %s] group%s", file, name, name,
                            c->ptp4l->len == 1 && !streq(((const Ptp4lConfig *) c->ptp4l->pdata[0])->name, name)
                                    ? " (the one instance read is not it)" : "");
                return false;
        }
        if (!c->gpsd) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                            "%s: [Grandmaster] Instance=%s needs the GNSS receiver it follows: set [GNSS] Gpsd=",
                            file, name);
                return false;
        }
        return true;
}

bool settings_load(Config *c, const Overrides *o, GError **error) {
        _cleanup_(config_done) Config tmp = {};
        Config old;

        g_return_val_if_fail(o && o->config_file, false);

        /* From scratch: a group gone from the file must go from the configuration too. */
        config_init(&tmp);
        if (!config_load_from_file(&tmp, o->config_file, o->config_must_exist, error))
                return false;
        if (!resolve_quota_users(&tmp, o->config_file, error))
                return false;

        if (o->ptp4l_socket) {
                if (o->source == SOURCE_SIM) {
                        g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                            "--ptp4l-socket= reads ptp4l; it cannot be combined with --source=sim.");
                        return false;
                }
                config_use_ptp4l_socket(&tmp, o->ptp4l_socket);
        }
        if (o->source >= 0)
                tmp.source = o->source;
        else if (o->ptp4l_socket || tmp.source < 0)
                tmp.source = SOURCE_LINUXPTP;

        if (o->node_name)
                replace(&tmp.node_name, o->node_name);
        if (o->state_dir)
                replace(&tmp.state_directory, o->state_dir);
        else if (!tmp.state_directory)
                tmp.state_directory = state_dir_from_environment() ?: g_strdup(DEFAULT_STATE_DIR);
        if (o->runtime_dir)
                replace(&tmp.runtime_directory, o->runtime_dir);
        else if (!tmp.runtime_directory)
                tmp.runtime_directory = runtime_dir_from_environment() ?: g_strdup(DEFAULT_RUNTIME_DIR);

        /* ptp4l at its default socket, as a bare ptp4l -i IFACE would have it (unused with --source=sim). */
        if (tmp.ptp4l->len == 0)
                config_use_ptp4l_socket(&tmp, PTP4L_SOCKET_DEFAULT);
        if (!check_grandmaster(&tmp, o->config_file, error))
                return false;

        old = *c;
        *c = tmp;
        tmp = old; /* freed on return */
        return true;
}
