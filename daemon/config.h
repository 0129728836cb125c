/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The configuration file
 *
 * /etc/ptpsync/ptpsyncd.conf is a GLib key file in the systemd style. Every
 * group and key is known: an unknown one is an error that names it, as is a
 * value of the wrong type or out of range, so a typo never silently becomes a
 * default. Command-line options are applied on top by the caller.
 *
 *   [Daemon]      NodeName=  Source=sim|linuxptp  StateDirectory=
 *   [Thresholds]  MaxOffsetNs=  MinOffsetNs=  HoldoverTimeoutSec=
 *   [Quota]       SubscriptionsPerUser=
 *   [Store]       RetainEvents=
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "sync-state.h"

typedef enum SourceKind {
        SOURCE_SIM,
        SOURCE_LINUXPTP,
        _SOURCE_KIND_MAX,
        _SOURCE_KIND_INVALID = -1,
} SourceKind;

typedef struct Config {
        char *node_name;       /* NULL: not set */
        SourceKind source;     /* _SOURCE_KIND_INVALID: not set */
        char *state_directory; /* NULL: not set */
        Thresholds thresholds;
        unsigned subscriptions_per_uid; /* uid 0 has no quota */
        unsigned retain_events;         /* kept beyond what durable subscriptions need */
} Config;

#define SUBSCRIPTIONS_PER_UID_DEFAULT 64
#define SUBSCRIPTIONS_PER_UID_MAX 1000000
#define RETAIN_EVENTS_DEFAULT 10000
#define RETAIN_EVENTS_MAX 10000000

#define HOLDOVER_TIMEOUT_SEC_MAX (7 * 24 * 3600)
#define OFFSET_NS_LIMIT INT64_C(1000000000000) /* |threshold| <= 1000 s */

void config_init(Config *c);
void config_done(Config *c);

/*
 * Parses key-file text. On error returns false and sets *error (G_KEY_FILE_ERROR)
 * with a message naming the group, key and what is wrong; c is then left
 * exactly as it was.
 */
bool config_load_from_data(Config *c, const char *data, size_t length, GError **error);

/*
 * Loads a file. A missing file is an error only when must_exist (a file named
 * on the command line); the default file may be absent.
 */
bool config_load_from_file(Config *c, const char *path, bool must_exist, GError **error);

const char *source_kind_to_string(SourceKind k);     /* "sim", "linuxptp" */
SourceKind source_kind_from_string(const char *s);   /* _SOURCE_KIND_INVALID if unknown */
