/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The running configuration: the file with the command line on top
 *
 * One function makes it, at start-up and at every reload alike, so that an
 * option given on the command line overrides the file after a reload
 * exactly as it did at start.
 */
#pragma once

#include "config/config.h"

/* What the command line set; NULL (or _SOURCE_KIND_INVALID) for what it left to the file. */
typedef struct Overrides {
        const char *config_file;  /* never NULL: --config=, or the default file */
        bool config_must_exist;   /* --config= was given */
        const char *node_name;    /* --node-name= */
        SourceKind source;        /* --source= */
        const char *state_dir;    /* --state-dir= */
        const char *runtime_dir;  /* --runtime-dir= */
        const char *ptp4l_socket; /* --ptp4l-socket= */
} Overrides;

/*
 * Reads the configuration file afresh, resolves the user names of its [Quota user NAME] groups
 * (getpwnam_r(): NSS, which may block; a name that does not resolve is logged at notice level
 * and its group dropped, and two groups for one uid are an error) and puts the overrides on top. On success what c held
 * (config_init()ed, at least) is replaced by the running configuration:
 *
 *   node_name          --node-name=, else NodeName=, else NULL: the host's name, which the
 *                      caller looks up (only at start-up: the lookup may block)
 *   source             --source=, linuxptp with --ptp4l-socket=, else Source=, else linuxptp
 *   state_directory    --state-dir=, else StateDirectory=, else $STATE_DIRECTORY (its first
 *                      path), else DEFAULT_STATE_DIR
 *   runtime_directory  --runtime-dir=, else RuntimeDirectory=, else $RUNTIME_DIRECTORY, else
 *                      DEFAULT_RUNTIME_DIR
 *   ptp4l              one instance at --ptp4l-socket= if given, else the [ptp4l NAME] groups,
 *                      else one at PTP4L_SOCKET_DEFAULT: never empty
 *   quota_users        the [Quota user NAME] groups whose NAME is a uid or resolves to one,
 *                      each resolved, no two with the same uid
 *
 * On error returns false with error set (naming the file, group and key, or the option) and c
 * left as it was.
 */
bool settings_load(Config *c, const Overrides *o, GError **error);
