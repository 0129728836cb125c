/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <limits.h>

#include "model/alias.h"
#include "config/config.h"
#include "common/util.h"

#define SIZE_LIMIT (1024 * 1024) /* the documented file size limit */

typedef struct ConfigCase {
        const char *name;
        const char *text;
        size_t length;                 /* 0: strlen(text) */
        int code;                      /* -1: success; else the G_KEY_FILE_ERROR code */
        const char *message[4];        /* on error, the message contains each of these */
        /* On success, starting from config_init(): */
        const char *node_name;
        const char *source;            /* NULL: not set */
        const char *state_directory;
        const Thresholds *thresholds;  /* NULL: THRESHOLDS_DEFAULT */
        unsigned quota;                /* 0: SUBSCRIPTIONS_PER_UID_DEFAULT (set 0 via quota_zero) */
        bool quota_zero;
        unsigned per_connection;       /* 0: SUBSCRIPTIONS_PER_CONNECTION_DEFAULT */
        unsigned subscriptions_max;    /* 0: SUBSCRIPTIONS_MAX_DEFAULT */
        unsigned retain;               /* 0: RETAIN_EVENTS_DEFAULT */
        const char *runtime_directory;
        /* The instances, in order; in each, socket NULL and poll_interval_ms 0 stand for the default. */
        const Ptp4lConfig *ptp4l[4];
        /* The [Quota user NAME] groups, in order. */
        const QuotaUserConfig *quota_users[4];
        const char *gpsd;              /* [GNSS] Gpsd= */
        const char *gnss_interface;
        const GnssParams *gnss;        /* NULL: GNSS_PARAMS_DEFAULT */
        const char *grandmaster;       /* [Grandmaster] Instance= */
        const TgmParams *tgm;          /* NULL: TGM_PARAMS_DEFAULT */
        const Ts2phcWatchConfig *ts2phc; /* NULL: all unset (watch -1) */
        bool ts2phc_enabled;           /* ts2phc_watch_config_enabled() */
        bool write_clock_class;        /* [Grandmaster] WriteClockClass= */
} ConfigCase;

#define OK(n, t, ...) { .name = n, .text = t, .code = -1, __VA_ARGS__ }
#define ERR(n, t, c, ...) { .name = n, .text = t, .code = G_KEY_FILE_ERROR_##c, .message = { __VA_ARGS__ } }
/* With embedded NUL bytes: the length is the array's. */
#define BIN(n, t, m) { .name = n, .text = t, .length = sizeof(t) - 1, .code = G_KEY_FILE_ERROR_PARSE, .message = { m } }
#define T(max, min, sec)                                                        \
        .thresholds = &(Thresholds) {                                           \
                .max_offset_ns = (max),                                         \
                .min_offset_ns = (min),                                         \
                .holdover_timeout_usec = (uint64_t) (sec) * USEC_PER_SEC,       \
        }
#define INVALID(key, group, value) "Invalid value \"" value "\" for key \"" key "\" in group [" group "]"
#define MAX_INVALID(value) INVALID("MaxOffsetNs", "Thresholds", value)
#define MIN_INVALID(value) INVALID("MinOffsetNs", "Thresholds", value)
#define HOLDOVER_INVALID(value) INVALID("HoldoverTimeoutSec", "Thresholds", value)
#define NOT_INTEGER "not a decimal integer"
#define P(n, ...) &(const Ptp4lConfig) { .name = n, __VA_ARGS__ }
#define PTP4L_INVALID(name, key, value) INVALID(key, "ptp4l " name, value)
#define BAD_GROUP(group) "Invalid group [" group "]: must be [ptp4l NAME]"
#define NAME_32 "abcdefghijklmnopqrstuvwxyz-_.012"
#define NAME_33 NAME_32 "3"
/* A user name's group, unresolved; a uid's, resolved. */
#define QN(u, ...) &(const QuotaUserConfig) { .user = u, .uid = (uid_t) -1, __VA_ARGS__ }
#define QU(u, ...) &(const QuotaUserConfig) { .user = #u, .uid = u, .resolved = true, __VA_ARGS__ }
#define PER_UID(n) .has_per_uid = true, .subscriptions_per_uid = (n)
#define PER_CONN(n) .has_per_connection = true, .subscriptions_per_connection = (n)
#define QUOTA_USER_INVALID(user, key, value) INVALID(key, "Quota user " user, value)
#define BAD_QUOTA_GROUP(group) "Invalid group [" group "]: must be [Quota user NAME]"
#define TS_INVALID(value) PTP4L_INVALID("a", "TransportSpecific", value)
#define TS_RANGE "must be between 0 and 15"
#define TS_SYNTAX "not a decimal or 0x-prefixed hexadecimal integer"
#define TS_OCTAL "a leading 0 would make it octal to ptp4l"
#define INTERFACE_RULE "must be an interface name: 1..15 characters"
#define OFFSET_RANGE "must be between -1000000000000 and 1000000000000"
#define HOLDOVER_RANGE "must be between 1 and 604800"
#define GNSS_INVALID(key, value) INVALID(key, "GNSS", value)
#define GM_INVALID(key, value) INVALID(key, "Grandmaster", value)

static const ConfigCase config_cases[] = {
        /* [GNSS]: off by default; every key, and each refusal. */
        OK("gnss-gpsd", "[GNSS]\nGpsd=127.0.0.1:2947\n", .gpsd = "127.0.0.1:2947"),
        OK("gnss-gpsd-v6", "[GNSS]\nGpsd=[::1]\n", .gpsd = "[::1]"),
        OK("gnss-gpsd-empty", "[GNSS]\nGpsd=\n"),
        OK("gnss-all", "[GNSS]\nGpsd=localhost:29470\nInterface=ens2f0\nStaleSec=5\nMinMode=2\nLossDebounce=4\nEnterDebounce=1\n"
           "ExtendedStates=yes\nUbx=yes\nTaccMaxNs=1000000000\n", .gpsd = "localhost:29470",
           .gnss_interface = "ens2f0",
           .gnss = &(const GnssParams) { .stale_usec = 5 * USEC_PER_SEC, .min_mode = 2, .loss_debounce = 4,
                                         .enter_debounce = 1, .extended_states = true, .ubx = true,
                                         .tacc_max_ns = 1000000000 }),
        OK("gnss-extended-off", "[GNSS]\nExtendedStates=off\n"),
        ERR("gnss-gpsd-name", "[GNSS]\nGpsd=gps.example.org:2947\n", INVALID_VALUE,
            GNSS_INVALID("Gpsd", "gps.example.org:2947"), "names are not looked up"),
        ERR("gnss-gpsd-port", "[GNSS]\nGpsd=127.0.0.1:99999\n", INVALID_VALUE,
            GNSS_INVALID("Gpsd", "127.0.0.1:99999"), "not a number in 1..65535"),
        ERR("gnss-stale-zero", "[GNSS]\nStaleSec=0\n", INVALID_VALUE, GNSS_INVALID("StaleSec", "0"),
            "must be between 1 and 3600"),
        ERR("gnss-min-mode", "[GNSS]\nMinMode=1\n", INVALID_VALUE, GNSS_INVALID("MinMode", "1"),
            "must be between 2 and 3"),
        ERR("gnss-loss-debounce", "[GNSS]\nLossDebounce=0\n", INVALID_VALUE, GNSS_INVALID("LossDebounce", "0"),
            "must be between 1 and 100"),
        ERR("gnss-enter-debounce", "[GNSS]\nEnterDebounce=101\n", INVALID_VALUE,
            GNSS_INVALID("EnterDebounce", "101"), "must be between 1 and 100"),
        ERR("gnss-extended", "[GNSS]\nExtendedStates=maybe\n", INVALID_VALUE,
            GNSS_INVALID("ExtendedStates", "maybe"), "must be a boolean"),
        OK("gnss-ubx-off", "[GNSS]\nUbx=no\nTaccMaxNs=100\n"),
        ERR("gnss-ubx", "[GNSS]\nUbx=u-blox\n", INVALID_VALUE, GNSS_INVALID("Ubx", "u-blox"), "must be a boolean"),
        ERR("gnss-tacc-zero", "[GNSS]\nTaccMaxNs=0\n", INVALID_VALUE, GNSS_INVALID("TaccMaxNs", "0"),
            "must be between 1 and 1000000000"),
        ERR("gnss-tacc-big", "[GNSS]\nTaccMaxNs=1000000001\n", INVALID_VALUE, GNSS_INVALID("TaccMaxNs", "1000000001"),
            "must be between 1 and 1000000000"),
        ERR("gnss-tacc-unit", "[GNSS]\nTaccMaxNs=100ns\n", INVALID_VALUE, GNSS_INVALID("TaccMaxNs", "100ns")),
        ERR("gnss-interface", "[GNSS]\nInterface=a/b\n", INVALID_VALUE, GNSS_INVALID("Interface", "a/b"),
            INTERFACE_RULE),
        ERR("gnss-unknown-key", "[GNSS]\nDevice=/dev/ttyACM0\n", KEY_NOT_FOUND,
            "Unknown key \"Device\" in group [GNSS]"),
        /* [Grandmaster]: none by default; every key, and each refusal (the checks across groups are settings'). */
        OK("gm-all", "[Grandmaster]\nInstance=gm0\nLocalMaxHoldoverOffSet=1000\nLocalHoldoverTimeout=600\n"
           "MaxInSpecOffset=500\nLockSettleSec=0\n", .grandmaster = "gm0",
           .tgm = &(const TgmParams) { .local_max_holdover_offset_ns = 1000, .local_holdover_timeout_usec = 600 * USEC_PER_SEC,
                                       .max_in_spec_offset_ns = 500, .settle_usec = 0 }),
        OK("gm-empty", "[Grandmaster]\nInstance=\n"),
        ERR("gm-instance", "[Grandmaster]\nInstance=a b\n", INVALID_VALUE, GM_INVALID("Instance", "a b"),
            "must be the NAME of a [ptp4l NAME] group"),
        ERR("gm-max-offset", "[Grandmaster]\nLocalMaxHoldoverOffSet=0\n", INVALID_VALUE,
            GM_INVALID("LocalMaxHoldoverOffSet", "0"), "must be between 1 and 1000000000000"),
        ERR("gm-in-spec", "[Grandmaster]\nMaxInSpecOffset=-5\n", INVALID_VALUE, GM_INVALID("MaxInSpecOffset", "-5"),
            "must be between 1 and 1000000000000"),
        ERR("gm-timeout", "[Grandmaster]\nLocalHoldoverTimeout=0\n", INVALID_VALUE,
            GM_INVALID("LocalHoldoverTimeout", "0"), HOLDOVER_RANGE),
        ERR("gm-settle", "[Grandmaster]\nLockSettleSec=3601\n", INVALID_VALUE, GM_INVALID("LockSettleSec", "3601"),
            "must be between 0 and 3600"),
        ERR("gm-unknown-key", "[Grandmaster]\nMode=gnss\n", KEY_NOT_FOUND, "Unknown key \"Mode\" in group [Grandmaster]"),
        /* ts2phc: not watched by default; a path turns the watch on, Ts2phcWatch=no with one is a contradiction. */
        OK("gm-ts2phc-yes", "[Grandmaster]\nTs2phcWatch=yes\n", .ts2phc = &(const Ts2phcWatchConfig) { .watch = 1 },
           .ts2phc_enabled = true),
        OK("gm-ts2phc-no", "[Grandmaster]\nTs2phcWatch=off\n", .ts2phc = &(const Ts2phcWatchConfig) { .watch = 0 }),
        OK("gm-ts2phc-pid-file", "[Grandmaster]\nTs2phcPidFile=/run/ts2phc.pid\n",
           .ts2phc = &(const Ts2phcWatchConfig) { .watch = -1, .pid_file = "/run/ts2phc.pid" }, .ts2phc_enabled = true),
        OK("gm-ts2phc-config", "[Grandmaster]\nTs2phcWatch=1\nTs2phcConfig=/etc/ts2phc.conf\nTs2phcPidFile=\n",
           .ts2phc = &(const Ts2phcWatchConfig) { .watch = 1, .config = "/etc/ts2phc.conf" }, .ts2phc_enabled = true),
        OK("gm-write-class", "[Grandmaster]\nWriteClockClass=yes\n", .write_clock_class = true),
        OK("gm-write-class-no", "[Grandmaster]\nWriteClockClass=0\n"),
        ERR("gm-write-class-bad", "[Grandmaster]\nWriteClockClass=maybe\n", INVALID_VALUE,
            GM_INVALID("WriteClockClass", "maybe"), "must be a boolean"),
        ERR("gm-ts2phc-watch", "[Grandmaster]\nTs2phcWatch=sometimes\n", INVALID_VALUE,
            GM_INVALID("Ts2phcWatch", "sometimes"), "must be a boolean"),
        ERR("gm-ts2phc-pid-relative", "[Grandmaster]\nTs2phcPidFile=run/ts2phc.pid\n", INVALID_VALUE,
            GM_INVALID("Ts2phcPidFile", "run/ts2phc.pid"), "must be an absolute path"),
        ERR("gm-ts2phc-config-relative", "[Grandmaster]\nTs2phcConfig=ts2phc.conf\n", INVALID_VALUE,
            GM_INVALID("Ts2phcConfig", "ts2phc.conf"), "must be an absolute path"),
        ERR("gm-ts2phc-contradiction", "[Grandmaster]\nTs2phcConfig=/etc/ts2phc.conf\nTs2phcWatch=no\n",
            INVALID_VALUE, "Ts2phcWatch=no contradicts Ts2phcConfig=/etc/ts2phc.conf in group [Grandmaster]"),
        /* Good. */
        OK("empty", ""),
        OK("blank-lines", "\n\n\n"),
        OK("comments", "# top\n[Daemon]\n# inside\nNodeName=du1\n\n[Thresholds]\n# last\n", .node_name = "du1"),
        OK("full",
           "[Daemon]\n"
           "NodeName=du1.example.com\n"
           "Source=linuxptp\n"
           "StateDirectory=/var/lib/ptpsync\n"
           "[Thresholds]\n"
           "MaxOffsetNs=200\n"
           "MinOffsetNs=-300\n"
           "HoldoverTimeoutSec=60\n",
           .node_name = "du1.example.com", .source = "linuxptp", .state_directory = "/var/lib/ptpsync",
           T(200, -300, 60)),
        OK("source-sim", "[Daemon]\nSource=sim\n", .source = "sim"),
        OK("empty-groups", "[Daemon]\n[Thresholds]\n"),
        OK("crlf", "[Daemon]\r\nSource=sim\r\n", .source = "sim"),
        /* White space around '=' and at the start of a line is key-file syntax, not part of the value. */
        OK("spaces", "  [Daemon]\n  NodeName = du1\nSource=  sim\n", .node_name = "du1", .source = "sim"),
        OK("escape", "[Daemon]\nStateDirectory=/var/lib/a\\sb\n", .state_directory = "/var/lib/a b"),
        OK("state-directory-root", "[Daemon]\nStateDirectory=/\n", .state_directory = "/"),
        OK("node-name-chars", "[Daemon]\nNodeName=_A-z.9\n", .node_name = "_A-z.9"),
        OK("plus-sign", "[Thresholds]\nMaxOffsetNs=+200\n", T(200, -100, 5)),
        OK("leading-zeros", "[Thresholds]\nMaxOffsetNs=007\n", T(7, -100, 5)),
        OK("minus-zero", "[Thresholds]\nMinOffsetNs=-0\n", T(100, 0, 5)),
        OK("offset-limits", "[Thresholds]\nMaxOffsetNs=1000000000000\nMinOffsetNs=-1000000000000\n",
           T(INT64_C(1000000000000), -INT64_C(1000000000000), 5)),
        OK("offsets-negative", "[Thresholds]\nMinOffsetNs=-20\nMaxOffsetNs=-10\n", T(-10, -20, 5)),
        OK("offsets-adjacent", "[Thresholds]\nMinOffsetNs=99\n", T(100, 99, 5)),
        OK("holdover-min", "[Thresholds]\nHoldoverTimeoutSec=1\n", T(100, -100, 1)),
        OK("quota", "[Quota]\nSubscriptionsPerUser=3\n", .quota = 3),
        OK("quota-zero", "[Quota]\nSubscriptionsPerUser=0\n", .quota_zero = true),
        OK("quota-max", "[Quota]\nSubscriptionsPerUser=1000000\n", .quota = 1000000),
        OK("per-connection", "[Quota]\nSubscriptionsPerConnection=5\n", .per_connection = 5),
        ERR("per-connection-too-big", "[Quota]\nSubscriptionsPerConnection=1000001\n", INVALID_VALUE,
            INVALID("SubscriptionsPerConnection", "Quota", "1000001"), "must be between 0 and 1000000"),
        OK("subscriptions-max", "[Quota]\nSubscriptionsMax=10\n", .subscriptions_max = 10),
        ERR("subscriptions-max-zero", "[Quota]\nSubscriptionsMax=0\n", INVALID_VALUE,
            INVALID("SubscriptionsMax", "Quota", "0"), "must be between 1 and 1000000"),
        ERR("subscriptions-max-word", "[Quota]\nSubscriptionsMax=lots\n", INVALID_VALUE, NOT_INTEGER),
        OK("retain", "[Store]\nRetainEvents=1\n", .retain = 1),
        OK("retain-max", "[Store]\nRetainEvents=10000000\n", .retain = 10000000),
        ERR("quota-negative", "[Quota]\nSubscriptionsPerUser=-1\n", INVALID_VALUE,
            INVALID("SubscriptionsPerUser", "Quota", "-1"), "must be between 0 and 1000000"),
        ERR("quota-too-big", "[Quota]\nSubscriptionsPerUser=1000001\n", INVALID_VALUE,
            INVALID("SubscriptionsPerUser", "Quota", "1000001")),
        ERR("quota-word", "[Quota]\nSubscriptionsPerUser=many\n", INVALID_VALUE, NOT_INTEGER),
        ERR("retain-zero", "[Store]\nRetainEvents=0\n", INVALID_VALUE,
            INVALID("RetainEvents", "Store", "0"), "must be between 1 and 10000000"),
        ERR("store-unknown-key", "[Store]\nRetain=5\n", KEY_NOT_FOUND, "Unknown key \"Retain\" in group [Store]"),
        OK("holdover-max", "[Thresholds]\nHoldoverTimeoutSec=604800\n", T(100, -100, 604800)),
        /* GKeyFile merges a repeated group, and the last of a repeated key wins, hiding the earlier one. */
        OK("duplicate-group",
           "[Daemon]\nNodeName=a\n[Thresholds]\nMaxOffsetNs=500\n[Daemon]\nSource=sim\nNodeName=b\n",
           .node_name = "b", .source = "sim", T(500, -100, 5)),
        OK("duplicate-key", "[Daemon]\nNodeName=a\nNodeName=b\n", .node_name = "b"),
        OK("duplicate-key-hides-bad", "[Thresholds]\nMaxOffsetNs=bad\nMaxOffsetNs=300\n", T(300, -100, 5)),

        /* [Quota user NAME]: good. */
        OK("quota-user-name", "[Quota user ptpsync-http]\nSubscriptionsPerUser=4096\nSubscriptionsPerConnection=4096\n",
           .quota_users = { QN("ptpsync-http", PER_UID(4096), PER_CONN(4096)) }),
        OK("quota-user-uid", "[Quota user 65534]\nSubscriptionsPerConnection=100\n",
           .quota_users = { QU(65534, PER_CONN(100)) }),
        OK("quota-user-no-keys", "[Quota user alice]\n", .quota_users = { QN("alice") }),
        OK("quota-user-zero", "[Quota user 1000]\nSubscriptionsPerUser=0\n", .quota_users = { QU(1000, PER_UID(0)) }),
        OK("quota-user-max", "[Quota user bob]\nSubscriptionsPerConnection=1000000\n",
           .quota_users = { QN("bob", PER_CONN(1000000)) }),
        OK("quota-user-uid-zero", "[Quota user 0]\n", .quota_users = { QU(0) }),
        OK("quota-user-uid-max", "[Quota user 4294967294]\n", .quota_users = { QU(4294967294) }),
        OK("quota-user-chars", "[Quota user A-z_0.9]\n[Quota user host$]\n[Quota user _x]\n[Quota user 1a]\n",
           .quota_users = { QN("A-z_0.9"), QN("host$"), QN("_x"), QN("1a") }),
        OK("quota-user-name-max", "[Quota user " NAME_32 "]\n", .quota_users = { QN(NAME_32) }),
        /* Beside [Quota], whose values stay for everyone else. */
        OK("quota-user-with-quota",
           "[Quota]\nSubscriptionsPerConnection=10\n[Quota user a]\nSubscriptionsPerConnection=20\n",
           .per_connection = 10, .quota_users = { QN("a", PER_CONN(20)) }),
        /* GKeyFile merges a repeated group; it stays where it first was. */
        OK("quota-user-repeated",
           "[Quota user a]\nSubscriptionsPerUser=1\n[Quota user 7]\n[Quota user a]\nSubscriptionsPerConnection=2\n",
           .quota_users = { QN("a", PER_UID(1), PER_CONN(2)), QU(7) }),

        /* [Quota user NAME]: bad values and keys, named with the group as written. */
        ERR("quota-user-word", "[Quota user nobody]\nSubscriptionsPerConnection=lots\n", INVALID_VALUE,
            QUOTA_USER_INVALID("nobody", "SubscriptionsPerConnection", "lots"), NOT_INTEGER),
        ERR("quota-user-too-big", "[Quota user nobody]\nSubscriptionsPerUser=1000001\n", INVALID_VALUE,
            QUOTA_USER_INVALID("nobody", "SubscriptionsPerUser", "1000001"), "must be between 0 and 1000000"),
        ERR("quota-user-negative", "[Quota user 65534]\nSubscriptionsPerConnection=-1\n", INVALID_VALUE,
            QUOTA_USER_INVALID("65534", "SubscriptionsPerConnection", "-1"), "must be between 0 and 1000000"),
        ERR("quota-user-empty-value", "[Quota user a]\nSubscriptionsPerUser=\n", INVALID_VALUE,
            QUOTA_USER_INVALID("a", "SubscriptionsPerUser", ""), NOT_INTEGER),
        ERR("quota-user-max-key", "[Quota user nobody]\nSubscriptionsMax=10\n", KEY_NOT_FOUND,
            "Unknown key \"SubscriptionsMax\" in group [Quota user nobody]"),
        ERR("quota-user-other-key", "[Quota user a]\nRetainEvents=10\n", KEY_NOT_FOUND,
            "Unknown key \"RetainEvents\" in group [Quota user a]"),
        ERR("quota-user-key-case", "[Quota user a]\nsubscriptionsperuser=1\n", KEY_NOT_FOUND,
            "Unknown key \"subscriptionsperuser\" in group [Quota user a]"),
        ERR("quota-user-bad-escape", "[Quota user a]\nSubscriptionsPerUser=\\q\n", INVALID_VALUE,
            "Key \"SubscriptionsPerUser\" in group [Quota user a]: "),
        ERR("quota-user-error-after-good", "[Quota user a]\nSubscriptionsPerUser=1\n[Quota user b]\n"
            "SubscriptionsPerUser=x\n", INVALID_VALUE, QUOTA_USER_INVALID("b", "SubscriptionsPerUser", "x")),

        /* [Quota user NAME]: group names. */
        ERR("quota-user-no-name", "[Quota user]\n", GROUP_NOT_FOUND, BAD_QUOTA_GROUP("Quota user")),
        ERR("quota-user-empty-name", "[Quota user ]\n", GROUP_NOT_FOUND, BAD_QUOTA_GROUP("Quota user ")),
        ERR("quota-user-two-words", "[Quota user a b]\n", GROUP_NOT_FOUND, BAD_QUOTA_GROUP("Quota user a b")),
        ERR("quota-user-two-spaces", "[Quota  user a]\n", GROUP_NOT_FOUND, BAD_QUOTA_GROUP("Quota  user a")),
        ERR("quota-user-no-user", "[Quota a]\n", GROUP_NOT_FOUND, BAD_QUOTA_GROUP("Quota a")),
        ERR("quota-user-case", "[Quota User a]\n", GROUP_NOT_FOUND, BAD_QUOTA_GROUP("Quota User a")),
        ERR("quota-user-dash", "[Quota user -a]\n", GROUP_NOT_FOUND, BAD_QUOTA_GROUP("Quota user -a"),
            "a uid in decimal (0..4294967294, no leading 0) or a user name (1..32 characters"),
        ERR("quota-user-dot", "[Quota user .a]\n", GROUP_NOT_FOUND, BAD_QUOTA_GROUP("Quota user .a")),
        ERR("quota-user-slash", "[Quota user a/b]\n", GROUP_NOT_FOUND, BAD_QUOTA_GROUP("Quota user a/b")),
        ERR("quota-user-dollar-only", "[Quota user $]\n", GROUP_NOT_FOUND, BAD_QUOTA_GROUP("Quota user $")),
        ERR("quota-user-dollar-inside", "[Quota user a$b]\n", GROUP_NOT_FOUND, BAD_QUOTA_GROUP("Quota user a$b")),
        ERR("quota-user-utf8", "[Quota user caf\xc3\xa9]\n", GROUP_NOT_FOUND,
            BAD_QUOTA_GROUP("Quota user caf\xc3\xa9")),
        ERR("quota-user-too-long", "[Quota user " NAME_33 "]\n", GROUP_NOT_FOUND,
            BAD_QUOTA_GROUP("Quota user " NAME_33)),
        ERR("quota-user-leading-zero", "[Quota user 01000]\n", GROUP_NOT_FOUND, BAD_QUOTA_GROUP("Quota user 01000")),
        ERR("quota-user-uid-invalid", "[Quota user 4294967295]\n", GROUP_NOT_FOUND,
            BAD_QUOTA_GROUP("Quota user 4294967295")),
        ERR("quota-user-uid-huge", "[Quota user 99999999999999999999]\n", GROUP_NOT_FOUND,
            BAD_QUOTA_GROUP("Quota user 99999999999999999999")),
        ERR("quota-user-uid-sign", "[Quota user +1000]\n", GROUP_NOT_FOUND, BAD_QUOTA_GROUP("Quota user +1000")),
        ERR("quota-user-lower-case", "[quota user a]\n", GROUP_NOT_FOUND, "Unknown group [quota user a]"),
        ERR("quota-no-space", "[Quotauser a]\n", GROUP_NOT_FOUND, "Unknown group [Quotauser a]"),

        /* [Daemon] NodeName */
        ERR("node-name-dash", "[Daemon]\nNodeName=-du1\n", INVALID_VALUE,
            INVALID("NodeName", "Daemon", "-du1"), "not starting with"),
        ERR("node-name-dot", "[Daemon]\nNodeName=.du1\n", INVALID_VALUE, INVALID("NodeName", "Daemon", ".du1")),
        ERR("node-name-space", "[Daemon]\nNodeName=du 1\n", INVALID_VALUE, INVALID("NodeName", "Daemon", "du 1")),
        ERR("node-name-slash", "[Daemon]\nNodeName=du/1\n", INVALID_VALUE, INVALID("NodeName", "Daemon", "du/1")),
        ERR("node-name-empty", "[Daemon]\nNodeName=\n", INVALID_VALUE, INVALID("NodeName", "Daemon", "")),
        ERR("node-name-trailing-space", "[Daemon]\nNodeName=du1 \n", INVALID_VALUE,
            INVALID("NodeName", "Daemon", "du1 ")),
        ERR("node-name-newline", "[Daemon]\nNodeName=du\\n1\n", INVALID_VALUE,
            INVALID("NodeName", "Daemon", "du\\n1")),
        ERR("node-name-del", "[Daemon]\nNodeName=du\x7f" "1\n", INVALID_VALUE,
            INVALID("NodeName", "Daemon", "du\\x7f1")),
        ERR("node-name-utf8", "[Daemon]\nNodeName=caf\xc3\xa9\n", INVALID_VALUE,
            INVALID("NodeName", "Daemon", "caf\xc3\xa9")),
        ERR("node-name-quote", "[Daemon]\nNodeName=a\"b\\\\c\n", INVALID_VALUE,
            INVALID("NodeName", "Daemon", "a\\\"b\\\\c")),

        /* [Daemon] Source */
        ERR("source-upper", "[Daemon]\nSource=SIM\n", INVALID_VALUE,
            INVALID("Source", "Daemon", "SIM"), "must be \"sim\" or \"linuxptp\""),
        ERR("source-unknown", "[Daemon]\nSource=ptp4l\n", INVALID_VALUE, INVALID("Source", "Daemon", "ptp4l")),
        ERR("source-empty", "[Daemon]\nSource=\n", INVALID_VALUE, INVALID("Source", "Daemon", "")),
        ERR("source-trailing-space", "[Daemon]\nSource=sim \n", INVALID_VALUE, INVALID("Source", "Daemon", "sim ")),

        /* [Daemon] StateDirectory */
        ERR("state-directory-relative", "[Daemon]\nStateDirectory=var/lib/ptpsync\n", INVALID_VALUE,
            INVALID("StateDirectory", "Daemon", "var/lib/ptpsync"), "must be an absolute path"),
        ERR("state-directory-dot", "[Daemon]\nStateDirectory=./state\n", INVALID_VALUE,
            INVALID("StateDirectory", "Daemon", "./state")),
        ERR("state-directory-empty", "[Daemon]\nStateDirectory=\n", INVALID_VALUE,
            INVALID("StateDirectory", "Daemon", "")),

        /* [Thresholds] MaxOffsetNs, MinOffsetNs: syntax */
        ERR("max-unit", "[Thresholds]\nMaxOffsetNs=100ns\n", INVALID_VALUE, MAX_INVALID("100ns"), NOT_INTEGER),
        ERR("max-empty", "[Thresholds]\nMaxOffsetNs=\n", INVALID_VALUE, MAX_INVALID(""), NOT_INTEGER),
        ERR("max-leading-space", "[Thresholds]\nMaxOffsetNs=\\s100\n", INVALID_VALUE, MAX_INVALID(" 100"), NOT_INTEGER),
        ERR("max-trailing-space", "[Thresholds]\nMaxOffsetNs=100 \n", INVALID_VALUE, MAX_INVALID("100 "), NOT_INTEGER),
        ERR("max-tab", "[Thresholds]\nMaxOffsetNs=1\\t00\n", INVALID_VALUE, MAX_INVALID("1\\t00"), NOT_INTEGER),
        ERR("max-hex", "[Thresholds]\nMaxOffsetNs=0x10\n", INVALID_VALUE, MAX_INVALID("0x10"), NOT_INTEGER),
        ERR("max-float", "[Thresholds]\nMaxOffsetNs=1.5\n", INVALID_VALUE, MAX_INVALID("1.5"), NOT_INTEGER),
        ERR("max-exponent", "[Thresholds]\nMaxOffsetNs=1e3\n", INVALID_VALUE, MAX_INVALID("1e3"), NOT_INTEGER),
        ERR("max-plus", "[Thresholds]\nMaxOffsetNs=+\n", INVALID_VALUE, MAX_INVALID("+"), NOT_INTEGER),
        ERR("min-minus", "[Thresholds]\nMinOffsetNs=-\n", INVALID_VALUE, MIN_INVALID("-"), NOT_INTEGER),
        ERR("min-double-sign", "[Thresholds]\nMinOffsetNs=--1\n", INVALID_VALUE, MIN_INVALID("--1"), NOT_INTEGER),
        ERR("min-mixed-sign", "[Thresholds]\nMinOffsetNs=+-1\n", INVALID_VALUE, MIN_INVALID("+-1"), NOT_INTEGER),
        ERR("min-digit-grouping", "[Thresholds]\nMinOffsetNs=-1,000\n", INVALID_VALUE, MIN_INVALID("-1,000"), NOT_INTEGER),

        /* [Thresholds] MaxOffsetNs, MinOffsetNs: range */
        ERR("max-over-limit", "[Thresholds]\nMaxOffsetNs=1000000000001\n", INVALID_VALUE,
            MAX_INVALID("1000000000001"), OFFSET_RANGE),
        ERR("max-under-limit", "[Thresholds]\nMaxOffsetNs=-1000000000001\n", INVALID_VALUE,
            MAX_INVALID("-1000000000001"), OFFSET_RANGE),
        ERR("min-under-limit", "[Thresholds]\nMinOffsetNs=-1000000000001\n", INVALID_VALUE,
            MIN_INVALID("-1000000000001"), OFFSET_RANGE),
        ERR("max-int64-max", "[Thresholds]\nMaxOffsetNs=9223372036854775807\n", INVALID_VALUE,
            MAX_INVALID("9223372036854775807"), OFFSET_RANGE),
        ERR("max-overflow", "[Thresholds]\nMaxOffsetNs=9223372036854775808\n", INVALID_VALUE,
            MAX_INVALID("9223372036854775808"), OFFSET_RANGE),
        ERR("max-uint64-overflow", "[Thresholds]\nMaxOffsetNs=18446744073709551616\n", INVALID_VALUE,
            MAX_INVALID("18446744073709551616"), OFFSET_RANGE),
        ERR("max-huge", "[Thresholds]\nMaxOffsetNs=99999999999999999999999999999\n", INVALID_VALUE,
            MAX_INVALID("99999999999999999999999999999"), OFFSET_RANGE),
        ERR("min-int64-min", "[Thresholds]\nMinOffsetNs=-9223372036854775808\n", INVALID_VALUE,
            MIN_INVALID("-9223372036854775808"), OFFSET_RANGE),
        ERR("min-overflow", "[Thresholds]\nMinOffsetNs=-9223372036854775809\n", INVALID_VALUE,
            MIN_INVALID("-9223372036854775809"), OFFSET_RANGE),

        /* [Thresholds] MinOffsetNs < MaxOffsetNs, checked after the whole file. */
        ERR("min-equals-max", "[Thresholds]\nMaxOffsetNs=50\nMinOffsetNs=50\n", INVALID_VALUE,
            "MinOffsetNs=50 must be less than MaxOffsetNs=50 in group [Thresholds]"),
        ERR("min-above-max", "[Thresholds]\nMinOffsetNs=10\nMaxOffsetNs=5\n", INVALID_VALUE,
            "MinOffsetNs=10", "MaxOffsetNs=5"),
        ERR("max-at-default-min", "[Thresholds]\nMaxOffsetNs=-100\n", INVALID_VALUE,
            "MinOffsetNs=-100", "MaxOffsetNs=-100"),
        ERR("min-at-default-max", "[Thresholds]\nMinOffsetNs=100\n", INVALID_VALUE,
            "MinOffsetNs=100", "MaxOffsetNs=100"),

        /* [Thresholds] HoldoverTimeoutSec */
        ERR("holdover-zero", "[Thresholds]\nHoldoverTimeoutSec=0\n", INVALID_VALUE,
            HOLDOVER_INVALID("0"), HOLDOVER_RANGE),
        ERR("holdover-negative", "[Thresholds]\nHoldoverTimeoutSec=-1\n", INVALID_VALUE,
            HOLDOVER_INVALID("-1"), HOLDOVER_RANGE),
        ERR("holdover-too-big", "[Thresholds]\nHoldoverTimeoutSec=604801\n", INVALID_VALUE,
            HOLDOVER_INVALID("604801"), HOLDOVER_RANGE),
        ERR("holdover-overflow", "[Thresholds]\nHoldoverTimeoutSec=18446744073709551616\n", INVALID_VALUE,
            HOLDOVER_INVALID("18446744073709551616"), HOLDOVER_RANGE),
        ERR("holdover-unit", "[Thresholds]\nHoldoverTimeoutSec=5s\n", INVALID_VALUE,
            HOLDOVER_INVALID("5s"), NOT_INTEGER),
        ERR("holdover-empty", "[Thresholds]\nHoldoverTimeoutSec=\n", INVALID_VALUE,
            HOLDOVER_INVALID(""), NOT_INTEGER),

        /* Unknown keys. */
        ERR("unknown-key", "[Thresholds]\nMaxOffset=100\n", KEY_NOT_FOUND,
            "Unknown key \"MaxOffset\" in group [Thresholds]"),
        ERR("key-in-other-group", "[Daemon]\nMaxOffsetNs=100\n", KEY_NOT_FOUND,
            "Unknown key \"MaxOffsetNs\" in group [Daemon]"),
        ERR("key-case", "[Daemon]\nnodename=du1\n", KEY_NOT_FOUND, "Unknown key \"nodename\" in group [Daemon]"),
        ERR("key-localized", "[Daemon]\nNodeName[de]=du1\n", KEY_NOT_FOUND,
            "Unknown key \"NodeName[de]\" in group [Daemon]"),
        ERR("key-control-char", "[Daemon]\nNode\x01Name=du1\n", KEY_NOT_FOUND,
            "Unknown key \"Node\\x01Name\" in group [Daemon]"),
        ERR("unknown-key-after-good", "[Daemon]\nNodeName=du1\nSource=sim\nColour=blue\n", KEY_NOT_FOUND,
            "Unknown key \"Colour\" in group [Daemon]"),

        /* Unknown groups. */
        ERR("unknown-group", "[Foo]\n", GROUP_NOT_FOUND, "Unknown group [Foo]"),
        ERR("unknown-group-with-key", "[Foo]\nNodeName=du1\n", GROUP_NOT_FOUND, "Unknown group [Foo]"),
        ERR("group-case", "[daemon]\n", GROUP_NOT_FOUND, "Unknown group [daemon]"),
        ERR("unknown-group-after-good", "[Daemon]\nNodeName=du1\n[Bar]\n", GROUP_NOT_FOUND, "Unknown group [Bar]"),

        /* Not a key file; errors from GKeyFile itself. */
        ERR("key-before-group", "NodeName=du1\n", GROUP_NOT_FOUND, "does not start with a group"),
        ERR("not-key-value", "[Daemon]\nthis is not a key file\n", PARSE, "this is not a key file"),
        ERR("unterminated-group", "[Daemon\n", PARSE, "[Daemon"),
        ERR("control-char-line", "[Daemon]\n\x1b[31m\n", PARSE, "\\x1b[31m", "not a key-value pair"),
        ERR("bad-escape", "[Daemon]\nNodeName=du\\q1\n", INVALID_VALUE, "Key \"NodeName\" in group [Daemon]: "),
        ERR("trailing-backslash", "[Daemon]\nStateDirectory=/var\\\n", INVALID_VALUE,
            "Key \"StateDirectory\" in group [Daemon]: "),

        /* Not text. */
        BIN("binary-elf", "\x7f" "ELF\x02\x01\x01\x00\x00\x00", "Line 1 contains a NUL byte"),
        BIN("nul-in-value", "[Daemon]\nNodeName=du\0" "1\n", "Line 2 contains a NUL byte"),
        BIN("nul-only", "\0", "Line 1 contains a NUL byte"),
        BIN("nul-after-newline", "[Daemon]\n\0", "Line 2 contains a NUL byte"),
        ERR("not-utf8", "\xff\xfe[\0D\0", PARSE, "Line 1 is not valid UTF-8"),
        ERR("not-utf8-value", "[Daemon]\n\nNodeName=\xc3\x28\n", PARSE, "Line 3 is not valid UTF-8"),
        ERR("not-utf8-group", "[Daemon]\n[\xc0\xaf]\n", PARSE, "Line 2 is not valid UTF-8"),

        /* [Daemon] RuntimeDirectory; its length bound is in test_runtime_directory_length(). */
        OK("runtime-directory", "[Daemon]\nRuntimeDirectory=/run/ptpsync\n", .runtime_directory = "/run/ptpsync"),
        OK("runtime-directory-root", "[Daemon]\nRuntimeDirectory=/\n", .runtime_directory = "/"),
        ERR("runtime-directory-relative", "[Daemon]\nRuntimeDirectory=run/ptpsync\n", INVALID_VALUE,
            INVALID("RuntimeDirectory", "Daemon", "run/ptpsync"), "must be an absolute path"),
        ERR("runtime-directory-empty", "[Daemon]\nRuntimeDirectory=\n", INVALID_VALUE,
            INVALID("RuntimeDirectory", "Daemon", ""), "must be an absolute path"),

        /* [ptp4l NAME]: good. */
        OK("ptp4l-minimal", "[ptp4l a]\n", .ptp4l = { P("a") }),
        OK("ptp4l-group", "[ptp4l ens5f0]\nDomainNumber=24\n", .ptp4l = { P("ens5f0", .domain_number = 24) }),
        OK("ptp4l-all-keys",
           "[ptp4l ens1f0]\n"
           "Socket=/run/ptp4l-ens1f0\n"
           "DomainNumber=24\n"
           "TransportSpecific=1\n"
           "Interface=ens1f0\n"
           "Alias=du1-clock\n"
           "PollIntervalMs=250\n",
           .ptp4l = { P("ens1f0", .socket = "/run/ptp4l-ens1f0", .domain_number = 24, .transport_specific = 1,
                        .interface = "ens1f0", .alias = "du1-clock", .poll_interval_ms = 250) }),
        OK("ptp4l-with-fixed-groups",
           "[Daemon]\nSource=linuxptp\nRuntimeDirectory=/run/ptpsync\n[ptp4l a]\nDomainNumber=1\n"
           "[Thresholds]\nMaxOffsetNs=50\n",
           .source = "linuxptp", .runtime_directory = "/run/ptpsync", T(50, -100, 5),
           .ptp4l = { P("a", .domain_number = 1) }),
        OK("ptp4l-name-chars", "[ptp4l A-z_0.9]\n", .ptp4l = { P("A-z_0.9") }),
        OK("ptp4l-name-max", "[ptp4l " NAME_32 "]\n", .ptp4l = { P(NAME_32) }),
        /* NAME is only ever part of a file name, never all of one: ".." is harmless. */
        OK("ptp4l-name-dots", "[ptp4l ..]\n", .ptp4l = { P("..") }),
        OK("ptp4l-file-order", "[ptp4l b]\nSocket=/run/b\n[ptp4l a]\nSocket=/run/a\n[ptp4l c]\nSocket=/run/c\n",
           .ptp4l = { P("b", .socket = "/run/b"), P("a", .socket = "/run/a"), P("c", .socket = "/run/c") }),
        /* As for the fixed groups, GKeyFile merges a repeated group; it stays where it first was. */
        OK("ptp4l-repeated-group",
           "[ptp4l a]\nDomainNumber=1\n[ptp4l b]\nSocket=/run/b\n[ptp4l a]\nPollIntervalMs=200\nDomainNumber=2\n",
           .ptp4l = { P("a", .domain_number = 2, .poll_interval_ms = 200), P("b", .socket = "/run/b") }),
        OK("ptp4l-escape", "[ptp4l a]\nSocket=/run/a\\sb\n", .ptp4l = { P("a", .socket = "/run/a b") }),

        /* [ptp4l NAME]: group names. */
        ERR("ptp4l-group-no-name", "[ptp4l]\n", GROUP_NOT_FOUND, BAD_GROUP("ptp4l")),
        ERR("ptp4l-group-empty-name", "[ptp4l ]\n", GROUP_NOT_FOUND, BAD_GROUP("ptp4l ")),
        ERR("ptp4l-group-two-words", "[ptp4l a b]\n", GROUP_NOT_FOUND, BAD_GROUP("ptp4l a b")),
        ERR("ptp4l-group-two-spaces", "[ptp4l  a]\n", GROUP_NOT_FOUND, BAD_GROUP("ptp4l  a")),
        ERR("ptp4l-group-trailing-space", "[ptp4l a ]\nDomainNumber=1\n", GROUP_NOT_FOUND, BAD_GROUP("ptp4l a ")),
        ERR("ptp4l-group-slash", "[ptp4l x/y]\n", GROUP_NOT_FOUND, BAD_GROUP("ptp4l x/y"),
            "NAME 1..32 characters of A-Z, a-z, 0-9, '.', '_' and '-'"),
        ERR("ptp4l-group-name-too-long", "[ptp4l " NAME_33 "]\n", GROUP_NOT_FOUND, BAD_GROUP("ptp4l " NAME_33)),
        ERR("ptp4l-group-utf8", "[ptp4l caf\xc3\xa9]\n", GROUP_NOT_FOUND, BAD_GROUP("ptp4l caf\xc3\xa9")),
        ERR("ptp4l-group-quote", "[ptp4l a\"b]\n", GROUP_NOT_FOUND, BAD_GROUP("ptp4l a\\\"b")),
        ERR("ptp4l-group-error-after-good", "[ptp4l a]\n[ptp4l b/c]\n", GROUP_NOT_FOUND, BAD_GROUP("ptp4l b/c")),
        ERR("ptp4l-group-no-space", "[ptp4lx]\n", GROUP_NOT_FOUND, "Unknown group [ptp4lx]"),
        ERR("ptp4l-group-case", "[PTP4L a]\n", GROUP_NOT_FOUND, "Unknown group [PTP4L a]"),
        ERR("ptp4l-group-leading-space", "[ ptp4l a]\n", GROUP_NOT_FOUND, "Unknown group [ ptp4l a]"),

        /* [ptp4l NAME]: keys. */
        ERR("ptp4l-unknown-key", "[ptp4l a]\nDomain=1\n", KEY_NOT_FOUND, "Unknown key \"Domain\" in group [ptp4l a]"),
        ERR("ptp4l-fixed-group-key", "[ptp4l a]\nNodeName=du1\n", KEY_NOT_FOUND,
            "Unknown key \"NodeName\" in group [ptp4l a]"),
        ERR("ptp4l-key-in-daemon", "[Daemon]\nSocket=/run/p\n", KEY_NOT_FOUND,
            "Unknown key \"Socket\" in group [Daemon]"),
        ERR("ptp4l-key-case", "[ptp4l a]\nsocket=/run/p\n", KEY_NOT_FOUND, "Unknown key \"socket\" in group [ptp4l a]"),
        ERR("ptp4l-key-localized", "[ptp4l a]\nAlias[de]=x\n", KEY_NOT_FOUND,
            "Unknown key \"Alias[de]\" in group [ptp4l a]"),
        ERR("ptp4l-bad-escape", "[ptp4l a]\nSocket=/run\\q\n", INVALID_VALUE, "Key \"Socket\" in group [ptp4l a]: "),
        ERR("ptp4l-error-in-second-group", "[ptp4l a]\nDomainNumber=1\n[ptp4l b]\nSocket=/run/b\nPollIntervalMs=1\n",
            INVALID_VALUE, PTP4L_INVALID("b", "PollIntervalMs", "1")),

        /* [ptp4l NAME] Socket; its length bound is in test_ptp4l_socket_length(). */
        OK("ptp4l-socket-root", "[ptp4l a]\nSocket=/\n", .ptp4l = { P("a", .socket = "/") }),
        ERR("ptp4l-socket-relative", "[ptp4l a]\nSocket=var/run/ptp4l\n", INVALID_VALUE,
            PTP4L_INVALID("a", "Socket", "var/run/ptp4l"), "must be an absolute path"),
        ERR("ptp4l-socket-dot", "[ptp4l a]\nSocket=./ptp4l\n", INVALID_VALUE,
            PTP4L_INVALID("a", "Socket", "./ptp4l"), "must be an absolute path"),
        ERR("ptp4l-socket-empty", "[ptp4l a]\nSocket=\n", INVALID_VALUE,
            PTP4L_INVALID("a", "Socket", ""), "must be an absolute path"),

        /* [ptp4l NAME] DomainNumber */
        OK("ptp4l-domain-max", "[ptp4l a]\nDomainNumber=255\n", .ptp4l = { P("a", .domain_number = 255) }),
        OK("ptp4l-domain-zero", "[ptp4l a]\nDomainNumber=0\n", .ptp4l = { P("a") }),
        ERR("ptp4l-domain-too-big", "[ptp4l a]\nDomainNumber=256\n", INVALID_VALUE,
            PTP4L_INVALID("a", "DomainNumber", "256"), "must be between 0 and 255"),
        ERR("ptp4l-domain-negative", "[ptp4l a]\nDomainNumber=-1\n", INVALID_VALUE,
            PTP4L_INVALID("a", "DomainNumber", "-1"), "must be between 0 and 255"),
        ERR("ptp4l-domain-hex", "[ptp4l a]\nDomainNumber=0x18\n", INVALID_VALUE,
            PTP4L_INVALID("a", "DomainNumber", "0x18"), NOT_INTEGER),
        ERR("ptp4l-domain-empty", "[ptp4l a]\nDomainNumber=\n", INVALID_VALUE,
            PTP4L_INVALID("a", "DomainNumber", ""), NOT_INTEGER),

        /* [ptp4l NAME] TransportSpecific */
        OK("ptp4l-ts-decimal", "[ptp4l a]\nTransportSpecific=1\n", .ptp4l = { P("a", .transport_specific = 1) }),
        OK("ptp4l-ts-max", "[ptp4l a]\nTransportSpecific=15\n", .ptp4l = { P("a", .transport_specific = 15) }),
        OK("ptp4l-ts-zero", "[ptp4l a]\nTransportSpecific=0\n", .ptp4l = { P("a") }),
        OK("ptp4l-ts-hex", "[ptp4l a]\nTransportSpecific=0x1\n", .ptp4l = { P("a", .transport_specific = 1) }),
        OK("ptp4l-ts-hex-max", "[ptp4l a]\nTransportSpecific=0xf\n", .ptp4l = { P("a", .transport_specific = 15) }),
        OK("ptp4l-ts-hex-upper", "[ptp4l a]\nTransportSpecific=0XF\n", .ptp4l = { P("a", .transport_specific = 15) }),
        OK("ptp4l-ts-hex-zeros", "[ptp4l a]\nTransportSpecific=0x000a\n",
           .ptp4l = { P("a", .transport_specific = 10) }),
        OK("ptp4l-ts-hex-zero", "[ptp4l a]\nTransportSpecific=0x0\n", .ptp4l = { P("a") }),
        ERR("ptp4l-ts-too-big", "[ptp4l a]\nTransportSpecific=16\n", INVALID_VALUE, TS_INVALID("16"), TS_RANGE),
        ERR("ptp4l-ts-hex-too-big", "[ptp4l a]\nTransportSpecific=0x10\n", INVALID_VALUE, TS_INVALID("0x10"), TS_RANGE),
        ERR("ptp4l-ts-negative", "[ptp4l a]\nTransportSpecific=-1\n", INVALID_VALUE, TS_INVALID("-1"), TS_RANGE),
        ERR("ptp4l-ts-hex-overflow", "[ptp4l a]\nTransportSpecific=0xffffffffffffffffffff\n", INVALID_VALUE,
            TS_INVALID("0xffffffffffffffffffff"), TS_RANGE),
        ERR("ptp4l-ts-hex-no-digits", "[ptp4l a]\nTransportSpecific=0x\n", INVALID_VALUE, TS_INVALID("0x"), TS_SYNTAX),
        ERR("ptp4l-ts-hex-bad-digit", "[ptp4l a]\nTransportSpecific=0x1g\n", INVALID_VALUE,
            TS_INVALID("0x1g"), TS_SYNTAX),
        ERR("ptp4l-ts-hex-sign", "[ptp4l a]\nTransportSpecific=0x-1\n", INVALID_VALUE, TS_INVALID("0x-1"), TS_SYNTAX),
        ERR("ptp4l-ts-signed-hex", "[ptp4l a]\nTransportSpecific=-0x1\n", INVALID_VALUE, TS_INVALID("-0x1"), TS_SYNTAX),
        ERR("ptp4l-ts-unit", "[ptp4l a]\nTransportSpecific=1x\n", INVALID_VALUE, TS_INVALID("1x"), TS_SYNTAX),
        ERR("ptp4l-ts-empty", "[ptp4l a]\nTransportSpecific=\n", INVALID_VALUE, TS_INVALID(""), TS_SYNTAX),
        /* "010" is 8 to ptp4l's strtol(..., 0) and would be 10 here: refused rather than read differently. */
        ERR("ptp4l-ts-octal", "[ptp4l a]\nTransportSpecific=010\n", INVALID_VALUE, TS_INVALID("010"), TS_OCTAL),
        ERR("ptp4l-ts-leading-zero", "[ptp4l a]\nTransportSpecific=01\n", INVALID_VALUE, TS_INVALID("01"), TS_OCTAL),
        ERR("ptp4l-ts-signed-octal", "[ptp4l a]\nTransportSpecific=+01\n", INVALID_VALUE, TS_INVALID("+01"), TS_OCTAL),

        /* [ptp4l NAME] Interface, Alias */
        OK("ptp4l-interface-max", "[ptp4l a]\nInterface=abcdefghijklmno\n",
           .ptp4l = { P("a", .interface = "abcdefghijklmno") }),
        OK("ptp4l-interface-vlan", "[ptp4l a]\nInterface=ens1f0.100\n", .ptp4l = { P("a", .interface = "ens1f0.100") }),
        /* The interface is learned from ptp4l later. */
        OK("ptp4l-alias-without-interface", "[ptp4l a]\nAlias=ens1fx\n", .ptp4l = { P("a", .alias = "ens1fx") }),
        OK("ptp4l-alias-max", "[ptp4l a]\nInterface=eth0\nAlias=abcdefghijklmno\n",
           .ptp4l = { P("a", .interface = "eth0", .alias = "abcdefghijklmno") }),
        ERR("ptp4l-interface-too-long", "[ptp4l a]\nInterface=abcdefghijklmnop\n", INVALID_VALUE,
            PTP4L_INVALID("a", "Interface", "abcdefghijklmnop"), INTERFACE_RULE),
        ERR("ptp4l-interface-slash", "[ptp4l a]\nInterface=ens1/0\n", INVALID_VALUE,
            PTP4L_INVALID("a", "Interface", "ens1/0"), INTERFACE_RULE),
        ERR("ptp4l-interface-space", "[ptp4l a]\nInterface=ens 1\n", INVALID_VALUE,
            PTP4L_INVALID("a", "Interface", "ens 1"), INTERFACE_RULE),
        ERR("ptp4l-interface-dot", "[ptp4l a]\nInterface=.\n", INVALID_VALUE,
            PTP4L_INVALID("a", "Interface", "."), INTERFACE_RULE),
        ERR("ptp4l-interface-dotdot", "[ptp4l a]\nInterface=..\n", INVALID_VALUE,
            PTP4L_INVALID("a", "Interface", ".."), INTERFACE_RULE),
        ERR("ptp4l-interface-utf8", "[ptp4l a]\nInterface=caf\xc3\xa9\n", INVALID_VALUE,
            PTP4L_INVALID("a", "Interface", "caf\xc3\xa9"), INTERFACE_RULE),
        ERR("ptp4l-interface-empty", "[ptp4l a]\nInterface=\n", INVALID_VALUE,
            PTP4L_INVALID("a", "Interface", ""), INTERFACE_RULE),
        ERR("ptp4l-alias-too-long", "[ptp4l a]\nAlias=abcdefghijklmnop\n", INVALID_VALUE,
            PTP4L_INVALID("a", "Alias", "abcdefghijklmnop"), INTERFACE_RULE),
        ERR("ptp4l-alias-slash", "[ptp4l a]\nAlias=du1/clock\n", INVALID_VALUE,
            PTP4L_INVALID("a", "Alias", "du1/clock"), INTERFACE_RULE),
        ERR("ptp4l-alias-empty", "[ptp4l a]\nAlias=\n", INVALID_VALUE, PTP4L_INVALID("a", "Alias", ""), INTERFACE_RULE),

        /* [ptp4l NAME] PollIntervalMs */
        OK("ptp4l-poll-min", "[ptp4l a]\nPollIntervalMs=100\n", .ptp4l = { P("a", .poll_interval_ms = 100) }),
        OK("ptp4l-poll-max", "[ptp4l a]\nPollIntervalMs=60000\n", .ptp4l = { P("a", .poll_interval_ms = 60000) }),
        ERR("ptp4l-poll-too-small", "[ptp4l a]\nPollIntervalMs=99\n", INVALID_VALUE,
            PTP4L_INVALID("a", "PollIntervalMs", "99"), "must be between 100 and 60000"),
        ERR("ptp4l-poll-too-big", "[ptp4l a]\nPollIntervalMs=60001\n", INVALID_VALUE,
            PTP4L_INVALID("a", "PollIntervalMs", "60001"), "must be between 100 and 60000"),
        ERR("ptp4l-poll-zero", "[ptp4l a]\nPollIntervalMs=0\n", INVALID_VALUE,
            PTP4L_INVALID("a", "PollIntervalMs", "0")),
        ERR("ptp4l-poll-unit", "[ptp4l a]\nPollIntervalMs=1s\n", INVALID_VALUE,
            PTP4L_INVALID("a", "PollIntervalMs", "1s"), NOT_INTEGER),

        /* [ptp4l NAME]: across groups. The count bound is in test_ptp4l_instances_max(). */
        ERR("ptp4l-same-socket", "[ptp4l a]\nSocket=/run/p\n[ptp4l b]\nSocket=/run/p\n", INVALID_VALUE,
            "Groups [ptp4l a] and [ptp4l b] have the same Socket=/run/p: each needs a ptp4l of its own"),
        ERR("ptp4l-same-default-socket", "[ptp4l a]\n[ptp4l b]\n", INVALID_VALUE,
            "Groups [ptp4l a] and [ptp4l b] have the same Socket=/var/run/ptp4l", "set it in each group"),
        ERR("ptp4l-default-socket-explicit", "[ptp4l a]\nSocket=/run/a\n[ptp4l b]\n[ptp4l c]\nSocket=/var/run/ptp4l\n",
            INVALID_VALUE, "Groups [ptp4l b] and [ptp4l c] have the same Socket=/var/run/ptp4l"),
        ERR("ptp4l-same-socket-not-adjacent",
            "[ptp4l a]\nSocket=/run/a\n[ptp4l b]\nSocket=/run/b\n[ptp4l c]\nSocket=/run/a\n", INVALID_VALUE,
            "Groups [ptp4l a] and [ptp4l c] have the same Socket=/run/a"),
        /* Compared as written, not canonicalised. */
        OK("ptp4l-sockets-as-written", "[ptp4l a]\nSocket=/run/p\n[ptp4l b]\nSocket=/run//p\n",
           .ptp4l = { P("a", .socket = "/run/p"), P("b", .socket = "/run//p") }),
        ERR("ptp4l-same-interface",
            "[ptp4l a]\nSocket=/run/a\nInterface=ens1f0\n[ptp4l b]\nSocket=/run/b\nInterface=ens1f0\n", INVALID_VALUE,
            "Groups [ptp4l a] and [ptp4l b] have the same Interface=ens1f0"),
        OK("ptp4l-interfaces-differ-in-case",
           "[ptp4l a]\nSocket=/run/a\nInterface=ens1f0\n[ptp4l b]\nSocket=/run/b\nInterface=ENS1F0\n",
           .ptp4l = { P("a", .socket = "/run/a", .interface = "ens1f0"),
                      P("b", .socket = "/run/b", .interface = "ENS1F0") }),
        ERR("ptp4l-same-alias", "[ptp4l a]\nSocket=/run/a\nAlias=clk\n[ptp4l b]\nSocket=/run/b\nAlias=clk\n",
            INVALID_VALUE, "Groups [ptp4l a] and [ptp4l b] have the same Alias=clk"),
        /* Only explicit aliases are compared: a's (ens1fx) is known at run time only. */
        OK("ptp4l-alias-like-derived",
           "[ptp4l a]\nSocket=/run/a\nInterface=ens1f0\n[ptp4l b]\nSocket=/run/b\nAlias=ens1fx\n",
           .ptp4l = { P("a", .socket = "/run/a", .interface = "ens1f0"),
                      P("b", .socket = "/run/b", .alias = "ens1fx") }),
        OK("ptp4l-alias-is-other-interface",
           "[ptp4l a]\nSocket=/run/a\nInterface=ens1f0\n[ptp4l b]\nSocket=/run/b\nAlias=ens1f0\n",
           .ptp4l = { P("a", .socket = "/run/a", .interface = "ens1f0"),
                      P("b", .socket = "/run/b", .alias = "ens1f0") }),
};

static void assert_contains(const char *s, const char *sub) {
        if (!strstr(s, sub))
                g_test_fail_printf("\"%s\" does not contain \"%s\"", s, sub);
}

static void assert_config_is_init(const Config *c) {
        g_assert_null(c->node_name);
        g_assert_cmpint(c->source, ==, _SOURCE_KIND_INVALID);
        g_assert_null(c->state_directory);
        g_assert_null(c->runtime_directory);
        g_assert_nonnull(c->ptp4l);
        g_assert_cmpuint(c->ptp4l->len, ==, 0);
        g_assert_nonnull(c->quota_users);
        g_assert_cmpuint(c->quota_users->len, ==, 0);
        g_assert_cmpint(c->thresholds.max_offset_ns, ==, THRESHOLDS_DEFAULT.max_offset_ns);
        g_assert_cmpint(c->thresholds.min_offset_ns, ==, THRESHOLDS_DEFAULT.min_offset_ns);
        g_assert_cmpuint(c->thresholds.holdover_timeout_usec, ==, THRESHOLDS_DEFAULT.holdover_timeout_usec);
}

/* expected: socket NULL and poll_interval_ms 0 stand for the default. */
static void assert_ptp4l(const Ptp4lConfig *p, const Ptp4lConfig *expected) {
        g_assert_cmpstr(p->name, ==, expected->name);
        g_assert_cmpstr(p->socket, ==, expected->socket ?: PTP4L_SOCKET_DEFAULT);
        g_assert_cmpuint(p->domain_number, ==, expected->domain_number);
        g_assert_cmpuint(p->transport_specific, ==, expected->transport_specific);
        g_assert_cmpstr(p->interface, ==, expected->interface);
        g_assert_cmpstr(p->alias, ==, expected->alias);
        g_assert_cmpuint(p->poll_interval_ms, ==, expected->poll_interval_ms ?: PTP4L_POLL_INTERVAL_MS_DEFAULT);
}

static void assert_quota_user(const QuotaUserConfig *q, const QuotaUserConfig *expected) {
        g_assert_cmpstr(q->user, ==, expected->user);
        g_assert_cmpint(q->resolved, ==, expected->resolved);
        g_assert_cmpuint(q->uid, ==, expected->uid);
        g_assert_cmpint(q->has_per_uid, ==, expected->has_per_uid);
        g_assert_cmpuint(q->subscriptions_per_uid, ==, expected->subscriptions_per_uid);
        g_assert_cmpint(q->has_per_connection, ==, expected->has_per_connection);
        g_assert_cmpuint(q->subscriptions_per_connection, ==, expected->subscriptions_per_connection);
}

static void assert_config(const Config *c, const ConfigCase *t) {
        Thresholds expected = t->thresholds ? *t->thresholds : THRESHOLDS_DEFAULT;
        GnssParams gnss = t->gnss ? *t->gnss : GNSS_PARAMS_DEFAULT;
        size_t n = 0;

        g_assert_cmpstr(c->node_name, ==, t->node_name);
        g_assert_cmpstr(source_kind_to_string(c->source), ==, t->source);
        g_assert_cmpstr(c->state_directory, ==, t->state_directory);
        g_assert_cmpint(c->thresholds.max_offset_ns, ==, expected.max_offset_ns);
        g_assert_cmpint(c->thresholds.min_offset_ns, ==, expected.min_offset_ns);
        g_assert_cmpuint(c->thresholds.holdover_timeout_usec, ==, expected.holdover_timeout_usec);
        g_assert_cmpuint(c->subscriptions_per_uid, ==,
                         t->quota_zero ? 0 : t->quota ?: SUBSCRIPTIONS_PER_UID_DEFAULT);
        g_assert_cmpuint(c->subscriptions_per_connection, ==,
                         t->per_connection ?: SUBSCRIPTIONS_PER_CONNECTION_DEFAULT);
        g_assert_cmpuint(c->subscriptions_max, ==, t->subscriptions_max ?: SUBSCRIPTIONS_MAX_DEFAULT);
        g_assert_cmpuint(c->retain_events, ==, t->retain ?: RETAIN_EVENTS_DEFAULT);
        g_assert_cmpstr(c->runtime_directory, ==, t->runtime_directory);
        g_assert_cmpstr(c->gpsd, ==, t->gpsd);
        g_assert_cmpstr(c->gnss_interface, ==, t->gnss_interface);
        g_assert_cmpuint(c->gnss.stale_usec, ==, gnss.stale_usec);
        g_assert_cmpuint(c->gnss.min_mode, ==, gnss.min_mode);
        g_assert_cmpuint(c->gnss.loss_debounce, ==, gnss.loss_debounce);
        g_assert_cmpuint(c->gnss.enter_debounce, ==, gnss.enter_debounce);
        g_assert_cmpint(c->gnss.extended_states, ==, gnss.extended_states);
        g_assert_cmpint(c->gnss.ubx, ==, gnss.ubx);
        g_assert_cmpuint(c->gnss.tacc_max_ns, ==, gnss.tacc_max_ns);
        g_assert_cmpstr(c->grandmaster.instance, ==, t->grandmaster);
        g_assert_true(tgm_params_equal(&c->grandmaster.params, t->tgm ?: &TGM_PARAMS_DEFAULT));
        g_assert_cmpint(c->grandmaster.ts2phc.watch, ==, t->ts2phc ? t->ts2phc->watch : -1);
        g_assert_cmpstr(c->grandmaster.ts2phc.pid_file, ==, t->ts2phc ? t->ts2phc->pid_file : NULL);
        g_assert_cmpstr(c->grandmaster.ts2phc.config, ==, t->ts2phc ? t->ts2phc->config : NULL);
        g_assert_cmpint(ts2phc_watch_config_enabled(&c->grandmaster.ts2phc), ==, t->ts2phc_enabled);
        g_assert_cmpint(c->grandmaster.write_clock_class, ==, t->write_clock_class);

        while (n < ELEMENTSOF(t->ptp4l) && t->ptp4l[n])
                n++;
        g_assert_cmpuint(c->ptp4l->len, ==, n);
        for (size_t i = 0; i < n; i++)
                assert_ptp4l(c->ptp4l->pdata[i], t->ptp4l[i]);

        for (n = 0; n < ELEMENTSOF(t->quota_users) && t->quota_users[n];)
                n++;
        g_assert_cmpuint(c->quota_users->len, ==, n);
        for (size_t i = 0; i < n; i++)
                assert_quota_user(c->quota_users->pdata[i], t->quota_users[i]);
}

static void assert_error(const GError *error, int code, const char *const *message, size_t n_message) {
        g_assert_error(error, G_KEY_FILE_ERROR, code);
        g_assert_true(g_utf8_validate(error->message, -1, NULL));

        for (size_t i = 0; i < n_message && message[i]; i++)
                assert_contains(error->message, message[i]);
}

static void test_config_case(const void *data) {
        const ConfigCase *t = data;
        size_t length = t->length ?: strlen(t->text);
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;
        bool ok;

        config_init(&c);
        ok = config_load_from_data(&c, t->text, length, &error);

        if (t->code < 0) {
                g_assert_no_error(error);
                g_assert_true(ok);
                assert_config(&c, t);
        } else {
                g_assert_false(ok);
                assert_error(error, t->code, t->message, ELEMENTSOF(t->message));
                g_test_message("%s", error->message);
                assert_config_is_init(&c);
        }
}

/* A failed load leaves every field as it was, pointers included; a good one replaces only what it sets. */
static void test_keeps_values(void) {
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;
        char *node, *dir;

        config_init(&c);
        c.node_name = node = g_strdup("keep");
        c.state_directory = dir = g_strdup("/keep");
        c.source = SOURCE_LINUXPTP;
        c.thresholds = (Thresholds) { .max_offset_ns = 7, .min_offset_ns = 3, .holdover_timeout_usec = 9 };

        g_assert_false(config_load_from_data(&c, "[Daemon]\nNodeName=new\nStateDirectory=/new\nSource=sim\n"
                                                 "[Thresholds]\nMaxOffsetNs=70\nMinOffsetNs=30\n"
                                                 "HoldoverTimeoutSec=90\nBad=1\n", SIZE_MAX, &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND);
        g_assert_true(c.node_name == node);
        g_assert_cmpstr(c.node_name, ==, "keep");
        g_assert_true(c.state_directory == dir);
        g_assert_cmpstr(c.state_directory, ==, "/keep");
        g_assert_cmpint(c.source, ==, SOURCE_LINUXPTP);
        g_assert_cmpint(c.thresholds.max_offset_ns, ==, 7);
        g_assert_cmpint(c.thresholds.min_offset_ns, ==, 3);
        g_assert_cmpuint(c.thresholds.holdover_timeout_usec, ==, 9);
        g_clear_error(&error);

        /* Min < Max is checked against what c already holds. */
        g_assert_false(config_load_from_data(&c, "[Thresholds]\nMaxOffsetNs=3\n", SIZE_MAX, &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
        assert_contains(error->message, "MinOffsetNs=3 must be less than MaxOffsetNs=3");
        g_assert_cmpint(c.thresholds.max_offset_ns, ==, 7);
        g_clear_error(&error);

        g_assert_true(config_load_from_data(&c, "[Daemon]\nNodeName=new\n[Thresholds]\nMinOffsetNs=-5\n",
                                            SIZE_MAX, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(c.node_name, ==, "new");
        g_assert_cmpstr(c.state_directory, ==, "/keep");
        g_assert_cmpint(c.source, ==, SOURCE_LINUXPTP);
        g_assert_cmpint(c.thresholds.max_offset_ns, ==, 7);
        g_assert_cmpint(c.thresholds.min_offset_ns, ==, -5);
        g_assert_cmpuint(c.thresholds.holdover_timeout_usec, ==, 9);
}

/* As with g_key_file_load_from_data(), (size_t) -1 means "up to the NUL"; otherwise length counts. */
static void test_length(void) {
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;

        config_init(&c);
        g_assert_true(config_load_from_data(&c, "[Daemon]\nNodeName=du1\n", SIZE_MAX, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(c.node_name, ==, "du1");

        /* Only the first 15 bytes: "[Daemon]\nNodeNa", an incomplete line. */
        g_assert_false(config_load_from_data(&c, "[Daemon]\nNodeName=du2\n", 15, &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE);
        g_assert_cmpstr(c.node_name, ==, "du1");
        g_clear_error(&error);

        g_assert_true(config_load_from_data(&c, NULL, 0, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(c.node_name, ==, "du1");
}

/* "# xxx...\n" lines padded to exactly size bytes. */
static char *make_padded(const char *head, size_t size) {
        GString *s = g_string_new(head);

        while (s->len < size) {
                size_t n = MIN(size - s->len, (size_t) 80);

                if (n == 1)
                        g_string_append_c(s, '\n');
                else {
                        g_string_append_c(s, '#');
                        for (size_t i = 2; i < n; i++)
                                g_string_append_c(s, 'x');
                        g_string_append_c(s, '\n');
                }
        }

        g_assert_cmpuint(s->len, ==, size);
        return g_string_free(s, FALSE);
}

static void test_size_limit(void) {
        g_autofree char *max = make_padded("[Daemon]\nNodeName=du1\n", SIZE_LIMIT);
        g_autofree char *over = make_padded("[Daemon]\nNodeName=du1\n", SIZE_LIMIT + 1);
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;

        config_init(&c);
        g_assert_false(config_load_from_data(&c, over, SIZE_LIMIT + 1, &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE);
        assert_contains(error->message, "larger than 1048576 bytes");
        assert_config_is_init(&c);
        g_clear_error(&error);

        g_assert_true(config_load_from_data(&c, max, SIZE_LIMIT, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(c.node_name, ==, "du1");
}

static void test_node_name_length(void) {
        g_autofree char *max = g_strnfill(253, 'n'), *over = g_strnfill(254, 'n');
        g_autofree char *good = g_strdup_printf("[Daemon]\nNodeName=%s\n", max);
        g_autofree char *bad = g_strdup_printf("[Daemon]\nNodeName=%s\n", over);
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;

        config_init(&c);
        g_assert_false(config_load_from_data(&c, bad, strlen(bad), &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
        g_clear_error(&error);

        g_assert_true(config_load_from_data(&c, good, strlen(good), &error));
        g_assert_no_error(error);
        g_assert_cmpstr(c.node_name, ==, max);
}

static void test_state_directory_length(void) {
        g_autofree char *max = g_strnfill(PATH_MAX - 1, 'd'), *over = g_strnfill(PATH_MAX, 'd');
        g_autofree char *good = NULL, *bad = NULL;
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;

        max[0] = over[0] = '/';
        good = g_strdup_printf("[Daemon]\nStateDirectory=%s\n", max);
        bad = g_strdup_printf("[Daemon]\nStateDirectory=%s\n", over);

        config_init(&c);
        g_assert_false(config_load_from_data(&c, bad, strlen(bad), &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
        assert_contains(error->message, "is longer than 4095 bytes");
        assert_config_is_init(&c);
        g_clear_error(&error);

        g_assert_true(config_load_from_data(&c, good, strlen(good), &error));
        g_assert_no_error(error);
        g_assert_cmpstr(c.state_directory, ==, max);
}

static void test_runtime_directory_length(void) {
        g_autofree char *max = g_strnfill(RUNTIME_DIRECTORY_MAX, 'd');
        g_autofree char *over = g_strnfill(RUNTIME_DIRECTORY_MAX + 1, 'd');
        g_autofree char *good = NULL, *bad = NULL, *longest = NULL;
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;

        /* The bound is what leaves room for the longest socket path made in the directory. */
        g_assert_cmpint(RUNTIME_DIRECTORY_MAX, ==, 56);
        max[0] = over[0] = '/';
        longest = g_strdup_printf(PTP4L_EVENTS_SOCKET_FORMAT, max, NAME_32);
        g_assert_cmpuint(strlen(longest), ==, SOCKET_PATH_MAX);

        good = g_strdup_printf("[Daemon]\nRuntimeDirectory=%s\n", max);
        bad = g_strdup_printf("[Daemon]\nRuntimeDirectory=%s\n", over);

        config_init(&c);
        g_assert_false(config_load_from_data(&c, bad, strlen(bad), &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
        assert_contains(error->message, "for key \"RuntimeDirectory\" in group [Daemon]: is longer than 56 bytes: ");
        assert_config_is_init(&c);
        g_clear_error(&error);

        g_assert_true(config_load_from_data(&c, good, strlen(good), &error));
        g_assert_no_error(error);
        g_assert_cmpstr(c.runtime_directory, ==, max);
}

static void test_ptp4l_socket_length(void) {
        g_autofree char *max = g_strnfill(SOCKET_PATH_MAX, 's'), *over = g_strnfill(SOCKET_PATH_MAX + 1, 's');
        g_autofree char *good = NULL, *bad = NULL;
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;

        g_assert_cmpint(SOCKET_PATH_MAX, ==, 107);
        max[0] = over[0] = '/';
        good = g_strdup_printf("[ptp4l a]\nSocket=%s\n", max);
        bad = g_strdup_printf("[ptp4l a]\nSocket=%s\n", over);

        config_init(&c);
        g_assert_false(config_load_from_data(&c, bad, strlen(bad), &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
        assert_contains(error->message, "for key \"Socket\" in group [ptp4l a]: is longer than 107 bytes");
        assert_config_is_init(&c);
        g_clear_error(&error);

        g_assert_true(config_load_from_data(&c, good, strlen(good), &error));
        g_assert_no_error(error);
        g_assert_cmpuint(c.ptp4l->len, ==, 1);
        g_assert_cmpstr(((Ptp4lConfig *) c.ptp4l->pdata[0])->socket, ==, max);
}

/* n groups [ptp4l p<first>] ... , each with its own socket. */
static char *ptp4l_groups(unsigned first, unsigned n) {
        GString *s = g_string_new(NULL);

        for (unsigned i = first; i < first + n; i++)
                g_string_append_printf(s, "[ptp4l p%u]\nSocket=/run/p%u\n", i, i);
        return g_string_free(s, FALSE);
}

static void test_ptp4l_instances_max(void) {
        g_autofree char *max = ptp4l_groups(0, PTP4L_INSTANCES_MAX), *over = ptp4l_groups(0, PTP4L_INSTANCES_MAX + 1);
        g_autofree char *one_more = ptp4l_groups(PTP4L_INSTANCES_MAX, 1);
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;
        GPtrArray *kept;

        g_assert_cmpint(PTP4L_INSTANCES_MAX, ==, 16);

        config_init(&c);
        g_assert_false(config_load_from_data(&c, over, SIZE_MAX, &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
        assert_contains(error->message, "Too many [ptp4l NAME] groups at [ptp4l p16]: at most 16 are supported");
        assert_config_is_init(&c);
        g_clear_error(&error);

        g_assert_true(config_load_from_data(&c, max, SIZE_MAX, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(c.ptp4l->len, ==, PTP4L_INSTANCES_MAX);
        for (unsigned i = 0; i < PTP4L_INSTANCES_MAX; i++) {
                g_autofree char *name = g_strdup_printf("p%u", i);

                g_assert_cmpstr(((Ptp4lConfig *) c.ptp4l->pdata[i])->name, ==, name);
        }

        /* Those already in c count. */
        kept = c.ptp4l;
        g_assert_false(config_load_from_data(&c, one_more, SIZE_MAX, &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
        assert_contains(error->message, "at most 16");
        g_assert_true(c.ptp4l == kept);
        g_assert_cmpuint(c.ptp4l->len, ==, PTP4L_INSTANCES_MAX);
        g_clear_error(&error);

        /* Updating one of them adds none. */
        g_assert_true(config_load_from_data(&c, "[ptp4l p3]\nDomainNumber=3\n", SIZE_MAX, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(c.ptp4l->len, ==, PTP4L_INSTANCES_MAX);
        g_assert_cmpuint(((Ptp4lConfig *) c.ptp4l->pdata[3])->domain_number, ==, 3);
}

static void test_quota_users_max(void) {
        g_autoptr(GString) max = g_string_new(NULL);
        g_autofree char *over = NULL;
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;

        g_assert_cmpint(QUOTA_USERS_MAX, ==, 64);
        for (unsigned i = 0; i < QUOTA_USERS_MAX; i++)
                g_string_append_printf(max, "[Quota user u%u]\nSubscriptionsPerUser=%u\n", i, i);
        over = g_strconcat(max->str, "[Quota user u64]\n", NULL);

        config_init(&c);
        g_assert_false(config_load_from_data(&c, over, SIZE_MAX, &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
        assert_contains(error->message,
                        "Too many [Quota user NAME] groups at [Quota user u64]: at most 64 are supported");
        assert_config_is_init(&c);
        g_clear_error(&error);

        g_assert_true(config_load_from_data(&c, max->str, SIZE_MAX, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(c.quota_users->len, ==, QUOTA_USERS_MAX);
        for (unsigned i = 0; i < QUOTA_USERS_MAX; i++) {
                g_autofree char *user = g_strdup_printf("u%u", i);
                const QuotaUserConfig *q = c.quota_users->pdata[i];

                g_assert_cmpstr(q->user, ==, user);
                g_assert_cmpuint(q->subscriptions_per_uid, ==, i);
        }

        /* Updating one of them adds none, and keeps what it set before. */
        g_assert_true(config_load_from_data(&c, "[Quota user u3]\nSubscriptionsPerConnection=9\n", SIZE_MAX, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(c.quota_users->len, ==, QUOTA_USERS_MAX);
        g_assert_cmpuint(((QuotaUserConfig *) c.quota_users->pdata[3])->subscriptions_per_uid, ==, 3);
        g_assert_cmpuint(((QuotaUserConfig *) c.quota_users->pdata[3])->subscriptions_per_connection, ==, 9);
}

static void test_quota_user_is_valid(void) {
        bool numeric = false;
        uid_t uid = 1;

        g_assert_true(quota_user_is_valid("0", &numeric, &uid));
        g_assert_true(numeric);
        g_assert_cmpuint(uid, ==, 0);
        g_assert_true(quota_user_is_valid("4294967294", &numeric, &uid));
        g_assert_cmpuint(uid, ==, 4294967294u);
        g_assert_true(quota_user_is_valid("ptpsync-http", &numeric, &uid));
        g_assert_false(numeric);
        g_assert_cmpuint(uid, ==, 4294967294u); /* untouched for a name */
        g_assert_true(quota_user_is_valid("a", NULL, NULL));
        g_assert_true(quota_user_is_valid(NAME_32, NULL, NULL));
        g_assert_false(quota_user_is_valid(NAME_33, NULL, NULL));
        g_assert_false(quota_user_is_valid("", NULL, NULL));
        g_assert_false(quota_user_is_valid(NULL, NULL, NULL));
        g_assert_false(quota_user_is_valid("4294967295", NULL, NULL));
        g_assert_false(quota_user_is_valid("00", NULL, NULL));
        g_assert_false(quota_user_is_valid("a b", NULL, NULL));

        {
                _cleanup_(quota_user_config_freep) QuotaUserConfig *q = quota_user_config_new("65534");
                _cleanup_(quota_user_config_freep) QuotaUserConfig *n = quota_user_config_new("nobody");
                _cleanup_(quota_user_config_freep) QuotaUserConfig *copy = NULL;

                g_assert_true(q->resolved);
                g_assert_cmpuint(q->uid, ==, 65534);
                g_assert_false(n->resolved);
                g_assert_false(n->has_per_uid || n->has_per_connection);
                copy = quota_user_config_copy(n);
                g_assert_cmpstr(copy->user, ==, "nobody");
                g_assert_true(copy->user != n->user);
        }
}

/*
 * With an instance already in c: a failed load leaves it as it was, array and strings included,
 * though parsing had changed the copy of it (the copy is deep); a good one updates it key by key and
 * appends new ones. The checks across groups include it.
 */
static void test_ptp4l_keeps_values(void) {
        static const struct {
                const char *text;
                int code;
                const char *message;
        } bad[] = {
                { "[ptp4l a]\nDomainNumber=7\nSocket=/run/new\nInterface=eth9\n[ptp4l b]\nSocket=/run/b\nColour=blue\n",
                  G_KEY_FILE_ERROR_KEY_NOT_FOUND, "Unknown key \"Colour\" in group [ptp4l b]" },
                { "[ptp4l a]\nDomainNumber=7\nPollIntervalMs=5\n", G_KEY_FILE_ERROR_INVALID_VALUE,
                  PTP4L_INVALID("a", "PollIntervalMs", "5") },
                { "[ptp4l b]\nSocket=/run/a\n", G_KEY_FILE_ERROR_INVALID_VALUE,
                  "Groups [ptp4l a] and [ptp4l b] have the same Socket=/run/a" },
                { "[ptp4l b]\nSocket=/run/b\nInterface=ens1f0\n", G_KEY_FILE_ERROR_INVALID_VALUE,
                  "Groups [ptp4l a] and [ptp4l b] have the same Interface=ens1f0" },
                { "[ptp4l b]\nSocket=/run/b\nAlias=clk\n", G_KEY_FILE_ERROR_INVALID_VALUE,
                  "Groups [ptp4l a] and [ptp4l b] have the same Alias=clk" },
                { "[ptp4l a]\nSocket=/run/b\n[ptp4l b]\nSocket=/run/b\n", G_KEY_FILE_ERROR_INVALID_VALUE,
                  "Groups [ptp4l a] and [ptp4l b] have the same Socket=/run/b" },
                { "[Daemon]\nRuntimeDirectory=/run/x\n[ptp4l x/y]\n", G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                  BAD_GROUP("ptp4l x/y") },
        };
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;
        const Ptp4lConfig *a;
        GPtrArray *array;
        char *socket, *interface;

        config_init(&c);
        g_assert_true(config_load_from_data(&c, "[ptp4l a]\nSocket=/run/a\nInterface=ens1f0\nAlias=clk\n",
                                            SIZE_MAX, &error));
        g_assert_no_error(error);
        array = c.ptp4l;
        g_assert_cmpuint(array->len, ==, 1);
        a = array->pdata[0];
        socket = a->socket;
        interface = a->interface;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                g_assert_false(config_load_from_data(&c, bad[i].text, SIZE_MAX, &error));
                g_assert_error(error, G_KEY_FILE_ERROR, bad[i].code);
                assert_contains(error->message, bad[i].message);
                g_clear_error(&error);

                g_assert_true(c.ptp4l == array);
                g_assert_cmpuint(c.ptp4l->len, ==, 1);
                g_assert_true(c.ptp4l->pdata[0] == a);
                g_assert_true(a->socket == socket);
                g_assert_true(a->interface == interface);
                assert_ptp4l(a, P("a", .socket = "/run/a", .interface = "ens1f0", .alias = "clk"));
                g_assert_null(c.runtime_directory);
        }

        /* Moving a's socket away frees it for b, in the same load. */
        g_assert_true(config_load_from_data(&c, "[ptp4l a]\nDomainNumber=5\nSocket=/run/a2\n"
                                                "[ptp4l b]\nSocket=/run/a\n", SIZE_MAX, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(c.ptp4l->len, ==, 2);
        assert_ptp4l(c.ptp4l->pdata[0], P("a", .socket = "/run/a2", .domain_number = 5, .interface = "ens1f0",
                                          .alias = "clk"));
        assert_ptp4l(c.ptp4l->pdata[1], P("b", .socket = "/run/a"));
}

static void test_ptp4l_config_new(void) {
        _cleanup_(ptp4l_config_freep) Ptp4lConfig *other = NULL;
        g_autoptr(Ptp4lConfig) p = NULL;

        p = ptp4l_config_new("ens1f0");
        g_assert_nonnull(p);
        g_assert_cmpstr(p->name, ==, "ens1f0");
        g_assert_cmpstr(p->socket, ==, "/var/run/ptp4l");
        g_assert_cmpuint(p->domain_number, ==, 0);
        g_assert_cmpuint(p->transport_specific, ==, 0);
        g_assert_null(p->interface);
        g_assert_null(p->alias);
        g_assert_cmpuint(p->poll_interval_ms, ==, 1000);

        other = ptp4l_config_new(NAME_32);
        g_assert_nonnull(other);
        g_assert_cmpstr(other->name, ==, NAME_32);

        ptp4l_config_free(NULL);
}

static void test_ptp4l_config_new_invalid(void) {
        if (g_test_subprocess()) {
                g_assert_null(ptp4l_config_new("a/b"));
                return;
        }

        /* A programming error: refused with a critical warning. */
        g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
        g_test_trap_assert_failed();
        g_test_trap_assert_stderr("*ptp4l_name_is_valid*");
}

static void test_ptp4l_name_is_valid(void) {
        static const char *const good[] = { "a", "Z", "0", "ens1f0", "du1.ptp-4_l", ".", "..", "-", NAME_32 };
        static const char *const bad[] = { NULL, "", " ", "a b", "a/b", "a:b", "a\tb", "caf\xc3\xa9", "a]", NAME_33 };

        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                if (!ptp4l_name_is_valid(good[i]))
                        g_test_fail_printf("\"%s\" is not valid", good[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (ptp4l_name_is_valid(bad[i]))
                        g_test_fail_printf("\"%s\" is valid", bad[i]);
}

/* A long bad value is cut short in the message. */
static void test_long_value(void) {
        g_autofree char *value = g_strnfill(100000, '9');
        g_autofree char *text = g_strdup_printf("[Thresholds]\nMaxOffsetNs=%sx\n", value);
        g_autofree char *key = g_strdup_printf("[Foo%s]\n", value);
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;

        config_init(&c);
        g_assert_false(config_load_from_data(&c, text, strlen(text), &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
        assert_contains(error->message, "Invalid value \"9999");
        assert_contains(error->message, "99...\" for key \"MaxOffsetNs\" in group [Thresholds]: not a decimal integer");
        g_assert_cmpuint(strlen(error->message), <, 200);
        g_clear_error(&error);

        g_assert_false(config_load_from_data(&c, key, strlen(key), &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND);
        g_assert_cmpuint(strlen(error->message), <, 100);
}

/* GKeyFile quotes a bad line whole; the message is cut short. */
static void test_long_line(void) {
        g_autofree char *line = g_strnfill(100000, 'z');
        g_autofree char *text = g_strdup_printf("[Daemon]\n%s\n", line);
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;

        config_init(&c);
        g_assert_false(config_load_from_data(&c, text, strlen(text), &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE);
        assert_contains(error->message, "zzz...");
        g_assert_cmpuint(strlen(error->message), <, 300);
}

/* The cut falls between characters, never inside one. */
static void test_long_value_utf8(void) {
        /* Two ASCII bytes, then 3-byte characters: byte MESSAGE_VALUE_MAX (64) falls inside one. */
        g_autoptr(GString) text = g_string_new("[Daemon]\nNodeName=xx");
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;

        for (size_t i = 0; i < 100; i++)
                g_string_append(text, "\xe2\x82\xac"); /* € */
        g_string_append_c(text, '\n');

        config_init(&c);
        g_assert_false(config_load_from_data(&c, text->str, text->len, &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
        g_assert_true(g_utf8_validate(error->message, -1, NULL));
        assert_contains(error->message, "\xe2\x82\xac...\"");
}

static void test_source_kind(void) {
        g_assert_cmpstr(source_kind_to_string(SOURCE_SIM), ==, "sim");
        g_assert_cmpstr(source_kind_to_string(SOURCE_LINUXPTP), ==, "linuxptp");
        g_assert_null(source_kind_to_string(_SOURCE_KIND_MAX));
        g_assert_null(source_kind_to_string(_SOURCE_KIND_INVALID));

        g_assert_cmpint(source_kind_from_string("sim"), ==, SOURCE_SIM);
        g_assert_cmpint(source_kind_from_string("linuxptp"), ==, SOURCE_LINUXPTP);
        g_assert_cmpint(source_kind_from_string("Sim"), ==, _SOURCE_KIND_INVALID);
        g_assert_cmpint(source_kind_from_string(""), ==, _SOURCE_KIND_INVALID);
        g_assert_cmpint(source_kind_from_string(NULL), ==, _SOURCE_KIND_INVALID);
}

static void test_init_done(void) {
        Config c;

        config_init(&c);
        assert_config_is_init(&c);

        c.node_name = g_strdup("x");
        c.state_directory = g_strdup("/x");
        c.runtime_directory = g_strdup("/x");
        g_ptr_array_add(c.ptp4l, ptp4l_config_new("x"));
        config_done(&c);
        g_assert_null(c.node_name);
        g_assert_null(c.state_directory);
        g_assert_null(c.runtime_directory);
        g_assert_null(c.ptp4l);

        /* Twice is harmless. */
        config_done(&c);
}

/* Files, in a temporary directory. */

typedef struct Fixture {
        char *dir;
} Fixture;

static void fixture_setup(Fixture *f, const void *data) {
        g_autoptr(GError) error = NULL;

        f->dir = g_dir_make_tmp("test-config-XXXXXX", &error);
        g_assert_no_error(error);
}

static void fixture_teardown(Fixture *f, const void *data) {
        g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
        const char *name;

        g_assert_nonnull(d);
        while ((name = g_dir_read_name(d))) {
                g_autofree char *path = g_build_filename(f->dir, name, NULL);

                g_assert_cmpint(g_remove(path), ==, 0);
        }

        g_assert_cmpint(g_rmdir(f->dir), ==, 0);
        g_free(f->dir);
}

static char *write_file(Fixture *f, const char *name, const char *data, size_t size) {
        g_autoptr(GError) error = NULL;
        char *path = g_build_filename(f->dir, name, NULL);

        g_assert_true(g_file_set_contents(path, data, size, &error));
        g_assert_no_error(error);
        return path;
}

static void test_file_good(Fixture *f, const void *data) {
        static const char text[] = "[Daemon]\nNodeName=du1\nSource=linuxptp\n[Thresholds]\nHoldoverTimeoutSec=10\n";
        g_autofree char *path = write_file(f, "good.conf", text, strlen(text));
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;

        config_init(&c);
        g_assert_true(config_load_from_file(&c, path, true, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(c.node_name, ==, "du1");
        g_assert_cmpint(c.source, ==, SOURCE_LINUXPTP);
        g_assert_cmpuint(c.thresholds.holdover_timeout_usec, ==, 10 * USEC_PER_SEC);
}

static void test_file_empty(Fixture *f, const void *data) {
        g_autofree char *path = write_file(f, "empty.conf", "", 0);
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;

        config_init(&c);
        g_assert_true(config_load_from_file(&c, path, true, &error));
        g_assert_no_error(error);
        assert_config_is_init(&c);
}

static void test_file_bad(Fixture *f, const void *data) {
        static const char text[] = "[Daemon]\nNodeName=du1\n[Thresholds]\nMaxOffsetNs=100ns\n";
        g_autofree char *path = write_file(f, "bad.conf", text, strlen(text));
        g_autofree char *prefix = g_strconcat(path, ": ", NULL);
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;

        config_init(&c);
        g_assert_false(config_load_from_file(&c, path, false, &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
        g_assert_true(g_str_has_prefix(error->message, prefix));
        assert_contains(error->message, MAX_INVALID("100ns"));
        assert_config_is_init(&c);
}

static void test_file_missing(Fixture *f, const void *data) {
        g_autofree char *path = g_build_filename(f->dir, "missing.conf", NULL);
        g_autofree char *prefix = g_strconcat(path, ": ", NULL);
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;

        config_init(&c);
        c.node_name = g_strdup("keep");

        /* The default file may be absent: nothing changes. */
        g_assert_true(config_load_from_file(&c, path, false, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(c.node_name, ==, "keep");

        /* A file named on the command line must exist. */
        g_assert_false(config_load_from_file(&c, path, true, &error));
        g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
        g_assert_true(g_str_has_prefix(error->message, prefix));
        g_assert_cmpstr(c.node_name, ==, "keep");
}

/* Only a missing file is forgiven, not one that cannot be read. */
static void test_file_directory(Fixture *f, const void *data) {
        g_autofree char *prefix = g_strconcat(f->dir, ": ", NULL);
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;

        config_init(&c);
        g_assert_false(config_load_from_file(&c, f->dir, false, &error));
        g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_ISDIR);
        g_assert_true(g_str_has_prefix(error->message, prefix));
        assert_config_is_init(&c);
}

static void test_file_too_large(Fixture *f, const void *data) {
        g_autofree char *text = make_padded("[Daemon]\nNodeName=du1\n", SIZE_LIMIT + 1);
        g_autofree char *path = write_file(f, "large.conf", text, SIZE_LIMIT + 1);
        g_autofree char *prefix = g_strconcat(path, ": ", NULL);
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;

        config_init(&c);
        g_assert_false(config_load_from_file(&c, path, true, &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE);
        g_assert_true(g_str_has_prefix(error->message, prefix));
        assert_contains(error->message, "larger than 1048576 bytes");
        assert_config_is_init(&c);
}

/* An endless file is not read to its end. */
static void test_file_endless(void) {
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;

        config_init(&c);
        if (access("/dev/zero", R_OK) < 0) {
                g_test_skip("no /dev/zero");
                return;
        }

        g_assert_false(config_load_from_file(&c, "/dev/zero", true, &error));
        g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE);
        assert_contains(error->message, "/dev/zero: ");
        assert_contains(error->message, "larger than 1048576 bytes");
        assert_config_is_init(&c);
}

#define ADD_FILE_TEST(path, func) g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)

/* text with the one occurrence of from replaced by to. */
static char *replace_once(const char *text, const char *from, const char *to) {
        g_auto(GStrv) parts = g_strsplit(text, from, 3);

        if (g_strv_length(parts) != 2)
                g_error("\"%s\" is in the shipped file %u times, not once", from, g_strv_length(parts) - 1);
        return g_strjoinv(to, parts);
}

/* The one group the shipped file sets: the HTTP bridge's user, with room for every REST subscription. */
static void assert_shipped_quota_users(const Config *c) {
        g_assert_cmpuint(c->quota_users->len, ==, 1);
        assert_quota_user(c->quota_users->pdata[0], QN("ptpsync-http", PER_UID(4096), PER_CONN(4096)));
}

/*
 * data/ptpsyncd.conf documents every key with its default: uncommented, it must load and change
 * nothing but what its one active group, [Quota user ptpsync-http], sets. Its example
 * [ptp4l ens1f0] group, uncommented too, is then one instance with every default that
 * ptp4l_config_new() gives.
 */
static void test_shipped_file(void) {
        g_autofree char *path = g_build_filename(g_getenv("PTPSYNC_DATA_DIR"), "ptpsyncd.conf", NULL);
        g_autofree char *text = NULL, *uncommented = NULL, *alias = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(GRegex) commented_key = g_regex_new("^#([A-Za-z]+=)", G_REGEX_MULTILINE, 0, NULL);
        g_autoptr(GRegex) commented_group = g_regex_new("^#(\\[ptp4l [^]\n]*\\])$", G_REGEX_MULTILINE, 0, NULL);
        g_autoptr(GMatchInfo) match = NULL;
        g_autoptr(Ptp4lConfig) defaults_ptp4l = ptp4l_config_new("ens1f0");
        const Ptp4lConfig *p;
        Config c, defaults;
        unsigned keys = 0;

        g_assert_true(g_file_get_contents(path, &text, NULL, &error));
        g_assert_no_error(error);
        g_regex_match(commented_key, text, 0, &match);
        for (; g_match_info_matches(match); g_match_info_next(match, NULL))
                keys++;
        /* 20 in the fixed groups, 6 in the example group. */
        g_assert_cmpuint(keys, ==, 26);

        uncommented = g_regex_replace(commented_key, text, -1, 0, "\\1", 0, &error);
        g_assert_no_error(error);
        g_free(TAKE_PTR(text));
        text = g_regex_replace(commented_group, uncommented, -1, 0, "\\1", 0, &error);
        g_assert_no_error(error);
        g_free(TAKE_PTR(uncommented));

        /* NodeName, Interface and Alias have no default to show; give them values. */
        uncommented = replace_once(text, "\nNodeName=\n", "\nNodeName=node.example.com\n");
        g_free(TAKE_PTR(text));
        text = replace_once(uncommented, "\nInterface=\n", "\nInterface=ens1f0\n");
        g_free(TAKE_PTR(uncommented));
        /* What the file says the default would be. */
        uncommented = replace_once(text, "\nAlias=\n", "\nAlias=ens1fx\n");
        g_assert_nonnull(strstr(uncommented, "\n[ptp4l ens1f0]\n"));

        config_init(&c);
        config_init(&defaults);
        if (!config_load_from_data(&c, uncommented, strlen(uncommented), &error))
                g_error("the shipped file, uncommented, does not load: %s", error->message);
        g_assert_cmpstr(c.node_name, ==, "node.example.com");
        g_assert_cmpint(c.source, ==, SOURCE_LINUXPTP);
        g_assert_cmpstr(c.state_directory, ==, "/var/lib/ptpsync");
        g_assert_cmpstr(c.runtime_directory, ==, "/run/ptpsync");
        g_assert_cmpint(c.thresholds.max_offset_ns, ==, defaults.thresholds.max_offset_ns);
        g_assert_cmpint(c.thresholds.min_offset_ns, ==, defaults.thresholds.min_offset_ns);
        g_assert_cmpuint(c.thresholds.holdover_timeout_usec, ==, defaults.thresholds.holdover_timeout_usec);
        g_assert_cmpuint(c.subscriptions_per_uid, ==, SUBSCRIPTIONS_PER_UID_DEFAULT);
        g_assert_cmpuint(c.subscriptions_per_connection, ==, SUBSCRIPTIONS_PER_CONNECTION_DEFAULT);
        g_assert_cmpuint(c.subscriptions_max, ==, SUBSCRIPTIONS_MAX_DEFAULT);
        g_assert_cmpuint(c.retain_events, ==, RETAIN_EVENTS_DEFAULT);
        g_assert_null(c.gpsd);
        g_assert_cmpstr(c.gnss_interface, ==, GNSS_INTERFACE_DEFAULT);
        g_assert_true(gnss_params_equal(&c.gnss, &defaults.gnss));
        assert_shipped_quota_users(&c);

        g_assert_cmpuint(c.ptp4l->len, ==, 1);
        p = c.ptp4l->pdata[0];
        g_assert_cmpstr(p->name, ==, defaults_ptp4l->name);
        g_assert_cmpstr(p->socket, ==, defaults_ptp4l->socket);
        g_assert_cmpuint(p->domain_number, ==, defaults_ptp4l->domain_number);
        g_assert_cmpuint(p->transport_specific, ==, defaults_ptp4l->transport_specific);
        g_assert_cmpuint(p->poll_interval_ms, ==, defaults_ptp4l->poll_interval_ms);
        g_assert_cmpstr(p->interface, ==, "ens1f0");
        alias = interface_alias(p->interface);
        g_assert_cmpstr(p->alias, ==, alias);
        config_done(&c);
        config_done(&defaults);

        /* As shipped, all commented out but the bridge's quota, it loads too, with no instance and
         * every other value the default. */
        config_init(&c);
        g_assert_true(config_load_from_file(&c, path, true, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(c.ptp4l->len, ==, 0);
        g_assert_null(c.node_name);
        g_assert_cmpuint(c.subscriptions_per_uid, ==, SUBSCRIPTIONS_PER_UID_DEFAULT);
        g_assert_cmpuint(c.subscriptions_per_connection, ==, SUBSCRIPTIONS_PER_CONNECTION_DEFAULT);
        g_assert_cmpuint(c.subscriptions_max, ==, SUBSCRIPTIONS_MAX_DEFAULT);
        assert_shipped_quota_users(&c);
        config_done(&c);
}

/* A copy is equal; a change of any one key is not (a reload reads such an instance anew). */
static void test_ptp4l_config_equal(void) {
        static const char *const changes[] = {
                "Socket=/run/other", "DomainNumber=1", "TransportSpecific=1", "Interface=ens2f0", "Alias=a",
                "PollIntervalMs=500",
        };
        const char *base = "[ptp4l a]\nSocket=/run/a\nInterface=ens1f0\n";
        Config c;

        config_init(&c);
        g_assert_true(config_load_from_data(&c, base, SIZE_MAX, NULL));
        {
                g_autoptr(Ptp4lConfig) copy = ptp4l_config_copy(c.ptp4l->pdata[0]);

                g_assert_true(ptp4l_config_equal(copy, c.ptp4l->pdata[0]));
        }
        for (size_t i = 0; i < ELEMENTSOF(changes); i++) {
                g_autoptr(Ptp4lConfig) before = ptp4l_config_copy(c.ptp4l->pdata[0]);
                g_autofree char *text = g_strconcat("[ptp4l a]\n", changes[i], "\n", NULL);

                g_assert_true(config_load_from_data(&c, text, SIZE_MAX, NULL));
                if (ptp4l_config_equal(before, c.ptp4l->pdata[0]))
                        g_error("%s: still equal", changes[i]);
                g_assert_true(config_load_from_data(&c, base, SIZE_MAX, NULL));
        }
        config_done(&c);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);

        for (size_t i = 0; i < ELEMENTSOF(config_cases); i++) {
                g_autofree char *path = g_strdup_printf("/config/data/%s", config_cases[i].name);

                g_test_add_data_func(path, &config_cases[i], test_config_case);
        }

        g_test_add_func("/config/keeps-values", test_keeps_values);
        g_test_add_func("/config/length", test_length);
        g_test_add_func("/config/size-limit", test_size_limit);
        g_test_add_func("/config/node-name-length", test_node_name_length);
        g_test_add_func("/config/state-directory-length", test_state_directory_length);
        g_test_add_func("/config/runtime-directory-length", test_runtime_directory_length);
        g_test_add_func("/config/ptp4l/socket-length", test_ptp4l_socket_length);
        g_test_add_func("/config/ptp4l/instances-max", test_ptp4l_instances_max);
        g_test_add_func("/config/ptp4l/keeps-values", test_ptp4l_keeps_values);
        g_test_add_func("/config/quota-user/groups-max", test_quota_users_max);
        g_test_add_func("/config/quota-user/is-valid", test_quota_user_is_valid);
        g_test_add_func("/config/ptp4l/config-new", test_ptp4l_config_new);
        g_test_add_func("/config/ptp4l/config-new-invalid", test_ptp4l_config_new_invalid);
        g_test_add_func("/config/ptp4l/name-is-valid", test_ptp4l_name_is_valid);
        g_test_add_func("/config/ptp4l/config-equal", test_ptp4l_config_equal);
        g_test_add_func("/config/long-value", test_long_value);
        g_test_add_func("/config/long-value-utf8", test_long_value_utf8);
        g_test_add_func("/config/long-line", test_long_line);
        g_test_add_func("/config/source-kind", test_source_kind);
        g_test_add_func("/config/init-done", test_init_done);
        ADD_FILE_TEST("/config/file/good", test_file_good);
        ADD_FILE_TEST("/config/file/empty", test_file_empty);
        ADD_FILE_TEST("/config/file/bad", test_file_bad);
        ADD_FILE_TEST("/config/file/missing", test_file_missing);
        ADD_FILE_TEST("/config/file/directory", test_file_directory);
        ADD_FILE_TEST("/config/file/too-large", test_file_too_large);
        g_test_add_func("/config/file/endless", test_file_endless);

        g_test_add_func("/config/shipped-file", test_shipped_file);
        return g_test_run();
}
