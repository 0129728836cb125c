/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "build-config.h"
#include "settings.h"

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

bool settings_load(Config *c, const Overrides *o, GError **error) {
        _cleanup_(config_done) Config tmp = {};
        Config old;

        g_return_val_if_fail(o && o->config_file, false);

        /* From scratch: a group gone from the file must go from the configuration too. */
        config_init(&tmp);
        if (!config_load_from_file(&tmp, o->config_file, o->config_must_exist, error))
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
                tmp.state_directory = g_strdup(DEFAULT_STATE_DIR);
        if (o->runtime_dir)
                replace(&tmp.runtime_directory, o->runtime_dir);
        else if (!tmp.runtime_directory)
                tmp.runtime_directory = runtime_dir_from_environment() ?: g_strdup(DEFAULT_RUNTIME_DIR);

        /* ptp4l at its default socket, as a bare ptp4l -i IFACE would have it (unused with --source=sim). */
        if (tmp.ptp4l->len == 0)
                config_use_ptp4l_socket(&tmp, PTP4L_SOCKET_DEFAULT);

        old = *c;
        *c = tmp;
        tmp = old; /* freed on return */
        return true;
}
