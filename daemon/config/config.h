/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The configuration file
 *
 * /etc/ptpsync/ptpsyncd.conf is a GLib key file in the systemd style. Every
 * group and key is known: an unknown one is an error that names it, as is a
 * value of the wrong type or out of range, so a typo never silently becomes a
 * default. Command-line options are applied on top by the caller.
 *
 *   [Daemon]      NodeName=  Source=sim|linuxptp  StateDirectory=  RuntimeDirectory=
 *   [Thresholds]  MaxOffsetNs=  MinOffsetNs=  HoldoverTimeoutSec=
 *   [Quota]       SubscriptionsPerUser=  SubscriptionsPerConnection=  SubscriptionsMax=
 *   [Quota user NAME]  SubscriptionsPerUser=  SubscriptionsPerConnection=
 *   [Store]       RetainEvents=
 *   [GNSS]        Gpsd=  Interface=  StaleSec=  MinMode=  LossDebounce=  EnterDebounce=  ExtendedStates=
 *                 Ubx=  TaccMaxNs=
 *   [Grandmaster] Instance=  LocalMaxHoldoverOffSet=  LocalHoldoverTimeout=  MaxInSpecOffset=  LockSettleSec=
 *                 Ts2phcWatch=  Ts2phcPidFile=  Ts2phcConfig=  WriteClockClass=
 *   [ptp4l NAME]  Socket=  DomainNumber=  TransportSpecific=  Interface=  Alias=  PollIntervalMs=
 *
 * There is one [ptp4l NAME] group per ptp4l instance, up to PTP4L_INSTANCES_MAX. No two may
 * share a Socket, an Interface or an (explicit) Alias.
 *
 * A [Quota user NAME] group (up to QUOTA_USERS_MAX) gives one user the bounds it sets instead of
 * [Quota]'s; what it leaves unset stays [Quota]'s. NAME is a uid in decimal or a user name; a name
 * is only checked for its form here, and resolved to its uid by settings_load() (getpwnam_r()),
 * so that parsing stays pure and the fuzzer needs no NSS.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/gnss-state.h"
#include "model/sync-state.h"
#include "model/tgm-state.h"
#include "common/util.h"

typedef enum SourceKind {
        SOURCE_SIM,
        SOURCE_LINUXPTP,
        _SOURCE_KIND_MAX,
        _SOURCE_KIND_INVALID = -1,
} SourceKind;

/* One [ptp4l NAME] group: a ptp4l instance to watch. */
typedef struct Ptp4lConfig {
        /* NAME: 1..PTP4L_NAME_MAX of [A-Za-z0-9_.-]; in log lines and in the client socket's file name. */
        char *name;
        /* Socket=: ptp4l's uds_address. Absolute, at most SOCKET_PATH_MAX bytes; default PTP4L_SOCKET_DEFAULT. */
        char *socket;
        /* DomainNumber= 0..255, default 0: ptp4l silently drops requests for another domain. */
        uint8_t domain_number;
        /* TransportSpecific= 0..15, default 0 (1 for gPTP): decimal, or 0x hex as ptp4l's own
         * configurations write it. */
        uint8_t transport_specific;
        /* Interface=: the one ptp4l disciplines, interface_name_is_valid(). NULL: asked of ptp4l at run time. */
        char *interface;
        /* Alias=: the clock's name in O-RAN addresses, interface_name_is_valid() too.
         * NULL: interface_alias(interface), at run time. */
        char *alias;
        /* PollIntervalMs= 100..60000 (PTP4L_POLL_INTERVAL_MS_MIN..._MAX), default 1000. */
        unsigned poll_interval_ms;
} Ptp4lConfig;

/* One [Quota user NAME] group: the quota of one uid. */
typedef struct QuotaUserConfig {
        char *user;    /* NAME as written: a uid in decimal, or a user name */
        uid_t uid;     /* a decimal NAME's at once; a user name's once resolved (settings_load()) */
        bool resolved; /* uid is set */
        bool has_per_uid, has_per_connection; /* which keys the group sets; the others are [Quota]'s */
        unsigned subscriptions_per_uid;
        unsigned subscriptions_per_connection;
} QuotaUserConfig;

/* [Grandmaster] Ts2phc*=: how ts2phc's liveness is watched (source/ts2phc-watch.h). */
typedef struct Ts2phcWatchConfig {
        int watch;      /* Ts2phcWatch=: 1, 0, or -1 when unset (then on when a path below is set) */
        char *pid_file; /* Ts2phcPidFile=, absolute; NULL: the process is looked for in /proc */
        char *config;   /* Ts2phcConfig=, absolute: only a ts2phc started with -f this; NULL: any ts2phc */
} Ts2phcWatchConfig;

/* Whether ts2phc is watched at all; when not, it counts as alive. */
bool ts2phc_watch_config_enabled(const Ts2phcWatchConfig *t);
bool ts2phc_watch_config_equal(const Ts2phcWatchConfig *a, const Ts2phcWatchConfig *b);

/* [Grandmaster]: the ptp4l instance that is this node's T-GM, and its holdover (model/tgm-state.h). */
typedef struct GrandmasterConfig {
        char *instance;   /* Instance=, a [ptp4l NAME]'s NAME; NULL: no grandmaster, every instance follows a master */
        TgmParams params; /* LocalMaxHoldoverOffSet=, LocalHoldoverTimeout=, MaxInSpecOffset=, LockSettleSec= */
        Ts2phcWatchConfig ts2phc;
        bool write_clock_class; /* WriteClockClass=: the class writer's state at start (source/grandmaster.h) */
} GrandmasterConfig;

typedef struct Config {
        char *node_name;         /* NULL: not set */
        SourceKind source;       /* _SOURCE_KIND_INVALID: not set */
        char *state_directory;   /* NULL: not set */
        char *runtime_directory; /* NULL: not set; at most RUNTIME_DIRECTORY_MAX bytes */
        Thresholds thresholds;
        unsigned subscriptions_per_uid; /* uid 0 has no quota */
        unsigned subscriptions_per_connection; /* nor here */
        unsigned subscriptions_max;     /* everyone's together, uid 0's included */
        unsigned retain_events;         /* kept beyond what durable subscriptions need */
        GPtrArray *ptp4l;        /* Ptp4lConfig*, in file order; empty: none configured */
        GPtrArray *quota_users;  /* QuotaUserConfig*, in file order; each NAME once */
        char *gpsd;              /* [GNSS] Gpsd=HOST:PORT (common/inet-address.h); NULL: no GNSS receiver */
        char *gnss_interface;    /* [GNSS] Interface=, the clock the receiver disciplines; NULL: GNSS_INTERFACE_DEFAULT */
        GnssParams gnss;         /* the other [GNSS] keys */
        GrandmasterConfig grandmaster;
} Config;

#define SUBSCRIPTIONS_PER_UID_DEFAULT 64
#define SUBSCRIPTIONS_PER_UID_MAX 1000000
#define SUBSCRIPTIONS_PER_CONNECTION_DEFAULT 64
/* Bounds what the daemon holds in all, and root's GetManagedObjects: a few MB at the default. */
#define SUBSCRIPTIONS_MAX_DEFAULT 4096
#define SUBSCRIPTIONS_MAX_MAX 1000000
/* Each group is a getpwnam_r() at load (NSS: it may block), so not many. */
#define QUOTA_USERS_MAX 64
#define QUOTA_USER_GROUP "Quota user"
/* useradd's bound (and utmp's UT_NAMESIZE) */
#define USER_NAME_MAX 32
#define RETAIN_EVENTS_DEFAULT 10000
#define RETAIN_EVENTS_MAX 10000000

#define GNSS_INTERFACE_DEFAULT "gnss"
#define GNSS_STALE_SEC_MAX 3600
#define GNSS_DEBOUNCE_MAX 100

#define GRANDMASTER_SETTLE_SEC_MAX 3600

#define HOLDOVER_TIMEOUT_SEC_MAX (7 * 24 * 3600)
#define OFFSET_NS_LIMIT INT64_C(1000000000000) /* |threshold| <= 1000 s */

/* A struct sockaddr_un's sun_path is 108 bytes: the path and its NUL. */
#define SOCKET_PATH_MAX 107

#define PTP4L_NAME_MAX 32
#define PTP4L_INSTANCES_MAX 16
#define PTP4L_SOCKET_DEFAULT "/var/run/ptp4l"
#define PTP4L_TRANSPORT_SPECIFIC_MAX 15
#define PTP4L_POLL_INTERVAL_MS_DEFAULT 1000
#define PTP4L_POLL_INTERVAL_MS_MIN 100
#define PTP4L_POLL_INTERVAL_MS_MAX 60000

/*
 * The longest socket path made in RuntimeDirectory=, from the directory and an instance's NAME.
 * RUNTIME_DIRECTORY_MAX is what leaves room for it in sun_path:
 *   SOCKET_PATH_MAX - strlen("/ptp4l-") - PTP4L_NAME_MAX - strlen("-events.sock") = 107 - 7 - 32 - 12 = 56
 * (config.c checks this at compile time). A longer name made in it must lower the bound.
 */
#define PTP4L_EVENTS_SOCKET_FORMAT "%s/ptp4l-%s-events.sock"
#define RUNTIME_DIRECTORY_MAX 56

/* Sets every key's default; NULL (and a g_critical()) if the name is not valid. */
Ptp4lConfig *ptp4l_config_new(const char *name);
void ptp4l_config_free(Ptp4lConfig *p);
Ptp4lConfig *ptp4l_config_copy(const Ptp4lConfig *p);
/* Every key the same (the reload's test of whether an instance changed). */
bool ptp4l_config_equal(const Ptp4lConfig *a, const Ptp4lConfig *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(Ptp4lConfig *, ptp4l_config_free);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Ptp4lConfig, ptp4l_config_free)

/* 1..PTP4L_NAME_MAX characters of A-Z, a-z, 0-9, '_', '.' and '-'. */
bool ptp4l_name_is_valid(const char *name);

/*
 * A [Quota user NAME] NAME: a uid in decimal (0..4294967294, no leading zero, no sign), or a user
 * name: 1..USER_NAME_MAX characters of A-Z, a-z, 0-9, '_', '.' and '-', not starting with '-' or
 * '.', not all digits (that is a uid), optionally ending in '$' (Samba machine accounts). The
 * uid goes to *ret_uid (if set) and true to *ret_numeric for a uid.
 */
bool quota_user_is_valid(const char *user, bool *ret_numeric, uid_t *ret_uid);
/* Unset keys, and the uid if user is a decimal one; NULL (and a g_critical()) if user is not valid. */
QuotaUserConfig *quota_user_config_new(const char *user);
void quota_user_config_free(QuotaUserConfig *q);
QuotaUserConfig *quota_user_config_copy(const QuotaUserConfig *q);
DEFINE_TRIVIAL_CLEANUP_FUNC(QuotaUserConfig *, quota_user_config_free);

void config_init(Config *c);
void config_done(Config *c);

/*
 * Parses key-file text. On error returns false and sets *error (G_KEY_FILE_ERROR)
 * with a message naming the group, key and what is wrong; c is then left
 * exactly as it was. On success, what the text sets replaces what c holds and
 * the rest stays: a [ptp4l NAME] group already in c is updated key by key, a
 * new one is appended. The checks across groups cover all of them.
 */
bool config_load_from_data(Config *c, const char *data, size_t length, GError **error);

/*
 * Loads a file. A missing file is an error only when must_exist (a file named
 * on the command line); the default file may be absent.
 */
bool config_load_from_file(Config *c, const char *path, bool must_exist, GError **error);

const char *source_kind_to_string(SourceKind k);     /* "sim", "linuxptp" */
SourceKind source_kind_from_string(const char *s);   /* _SOURCE_KIND_INVALID if unknown */
