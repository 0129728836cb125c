/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include "common/address.h"
#include "common/glib-keyfile.h"
#include "common/inet-address.h"
#include "model/alias.h"
#include "config/config.h"
#include "config/config-value.h"
#include "common/quote.h"
#include "common/util.h"

_Static_assert(SOCKET_PATH_MAX == sizeof(((struct sockaddr_un *) NULL)->sun_path) - 1, "sun_path");
/* The format's two "%s" are the directory and the name: see RUNTIME_DIRECTORY_MAX. */
_Static_assert(RUNTIME_DIRECTORY_MAX + PTP4L_NAME_MAX + (sizeof(PTP4L_EVENTS_SOCKET_FORMAT) - 1 - 4)
               == SOCKET_PATH_MAX, "RuntimeDirectory= leaves room for the sockets made in it");

/* The keys of every [ptp4l NAME] group are in ptp4l_keys under this group. */
#define PTP4L_GROUP "ptp4l"

/*
 * data is what the table is for: the Config for config_keys, the Ptp4lConfig for ptp4l_keys. group
 * is the group as written, for messages: "ptp4l NAME" rather than the table's "ptp4l".
 */
typedef bool (*ConfigParse)(void *data, const char *group, const char *key, const char *value, GError **error);

typedef struct ConfigKey {
        const char *group;
        const char *key;
        ConfigParse parse;
} ConfigKey;

static const char *const source_kind_table[_SOURCE_KIND_MAX] = {
        [SOURCE_SIM] = "sim",
        [SOURCE_LINUXPTP] = "linuxptp",
};

const char *source_kind_to_string(SourceKind k) {
        if (k < 0 || k >= _SOURCE_KIND_MAX)
                return NULL;
        return source_kind_table[k];
}

SourceKind source_kind_from_string(const char *s) {
        if (!s)
                return _SOURCE_KIND_INVALID;

        for (SourceKind k = 0; k < _SOURCE_KIND_MAX; k++)
                if (streq(s, source_kind_table[k]))
                        return k;

        return _SOURCE_KIND_INVALID;
}

bool ptp4l_name_is_valid(const char *name) {
        size_t n;

        if (!name)
                return false;

        n = strnlen(name, PTP4L_NAME_MAX + 1);
        if (n == 0 || n > PTP4L_NAME_MAX)
                return false;

        for (size_t i = 0; i < n; i++)
                if (!g_ascii_isalnum(name[i]) && !strchr("_.-", name[i]))
                        return false;

        return true;
}

bool quota_user_is_valid(const char *user, bool *ret_numeric, uid_t *ret_uid) {
        size_t n;
        bool digits = true;

        if (!user)
                return false;
        n = strnlen(user, USER_NAME_MAX + 1);
        if (n == 0 || n > USER_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                digits = digits && g_ascii_isdigit(user[i]);

        if (digits) {
                uint64_t v = 0;

                /* One spelling per uid: "01000" would be a second group for uid 1000. */
                if (n > 1 && user[0] == '0')
                        return false;
                for (size_t i = 0; i < n; i++) {
                        v = v * 10 + (uint64_t) (user[i] - '0');
                        if (v >= (uid_t) -1) /* (uid_t) -1 is no uid; also stops before an overflow */
                                return false;
                }
                if (ret_numeric)
                        *ret_numeric = true;
                if (ret_uid)
                        *ret_uid = (uid_t) v;
                return true;
        }

        if (user[0] == '-' || user[0] == '.')
                return false;
        for (size_t i = 0; i < n; i++) {
                bool dollar = user[i] == '$' && i == n - 1 && i > 0; /* "host$", not "$" */

                if (!g_ascii_isalnum(user[i]) && !strchr("_.-", user[i]) && !dollar)
                        return false;
        }
        if (ret_numeric)
                *ret_numeric = false;
        return true;
}

QuotaUserConfig *quota_user_config_new(const char *user) {
        QuotaUserConfig *q;
        bool numeric = false;
        uid_t uid = 0;

        g_return_val_if_fail(quota_user_is_valid(user, &numeric, &uid), NULL);

        q = g_new(QuotaUserConfig, 1);
        *q = (QuotaUserConfig) {
                .user = g_strdup(user),
                .uid = numeric ? uid : (uid_t) -1,
                .resolved = numeric,
        };
        return q;
}

void quota_user_config_free(QuotaUserConfig *q) {
        if (!q)
                return;
        g_free(q->user);
        g_free(q);
}

static void quota_user_config_destroy(void *q) {
        quota_user_config_free(q);
}

QuotaUserConfig *quota_user_config_copy(const QuotaUserConfig *q) {
        QuotaUserConfig *copy = g_new(QuotaUserConfig, 1);

        *copy = *q;
        copy->user = g_strdup(q->user);
        return copy;
}

Ptp4lConfig *ptp4l_config_new(const char *name) {
        Ptp4lConfig *p;

        g_return_val_if_fail(ptp4l_name_is_valid(name), NULL);

        p = g_new(Ptp4lConfig, 1);
        *p = (Ptp4lConfig) {
                .name = g_strdup(name),
                .socket = g_strdup(PTP4L_SOCKET_DEFAULT),
                .poll_interval_ms = PTP4L_POLL_INTERVAL_MS_DEFAULT,
        };
        return p;
}

void ptp4l_config_free(Ptp4lConfig *p) {
        if (!p)
                return;

        g_free(p->name);
        g_free(p->socket);
        g_free(p->interface);
        g_free(p->alias);
        g_free(p);
}

/* A GDestroyNotify: calling ptp4l_config_free() through a cast would be undefined behaviour. */
static void ptp4l_config_destroy(void *p) {
        ptp4l_config_free(p);
}

Ptp4lConfig *ptp4l_config_copy(const Ptp4lConfig *p) {
        Ptp4lConfig *copy = g_new(Ptp4lConfig, 1);

        *copy = *p;
        copy->name = g_strdup(p->name);
        copy->socket = g_strdup(p->socket);
        copy->interface = g_strdup(p->interface);
        copy->alias = g_strdup(p->alias);
        return copy;
}

bool ptp4l_config_equal(const Ptp4lConfig *a, const Ptp4lConfig *b) {
        return streq(a->name, b->name) && streq(a->socket, b->socket) && a->domain_number == b->domain_number &&
               a->transport_specific == b->transport_specific && streq_ptr(a->interface, b->interface) &&
               streq_ptr(a->alias, b->alias) && a->poll_interval_ms == b->poll_interval_ms;
}

void config_init(Config *c) {
        *c = (Config) {
                .source = _SOURCE_KIND_INVALID,
                .thresholds = THRESHOLDS_DEFAULT,
                .subscriptions_per_uid = SUBSCRIPTIONS_PER_UID_DEFAULT,
                .subscriptions_per_connection = SUBSCRIPTIONS_PER_CONNECTION_DEFAULT,
                .subscriptions_max = SUBSCRIPTIONS_MAX_DEFAULT,
                .retain_events = RETAIN_EVENTS_DEFAULT,
                .ptp4l = g_ptr_array_new_with_free_func(ptp4l_config_destroy),
                .quota_users = g_ptr_array_new_with_free_func(quota_user_config_destroy),
                .gnss = GNSS_PARAMS_DEFAULT,
                .grandmaster.params = TGM_PARAMS_DEFAULT,
                .grandmaster.ts2phc.watch = -1,
        };
}

void config_done(Config *c) {
        g_clear_pointer(&c->node_name, g_free);
        g_clear_pointer(&c->state_directory, g_free);
        g_clear_pointer(&c->runtime_directory, g_free);
        g_clear_pointer(&c->ptp4l, g_ptr_array_unref);
        g_clear_pointer(&c->quota_users, g_ptr_array_unref);
        g_clear_pointer(&c->gpsd, g_free);
        g_clear_pointer(&c->gnss_interface, g_free);
        g_clear_pointer(&c->grandmaster.instance, g_free);
        g_clear_pointer(&c->grandmaster.ts2phc.pid_file, g_free);
        g_clear_pointer(&c->grandmaster.ts2phc.config, g_free);
}

bool ts2phc_watch_config_enabled(const Ts2phcWatchConfig *t) {
        return t->watch > 0 || (t->watch < 0 && (t->pid_file || t->config));
}

bool ts2phc_watch_config_equal(const Ts2phcWatchConfig *a, const Ts2phcWatchConfig *b) {
        return ts2phc_watch_config_enabled(a) == ts2phc_watch_config_enabled(b) &&
               streq_ptr(a->pid_file, b->pid_file) && streq_ptr(a->config, b->config);
}

/* Deep: parsing into dst must not touch anything src points to. */
static void config_copy(Config *dst, const Config *src) {
        *dst = *src;
        dst->node_name = g_strdup(src->node_name);
        dst->state_directory = g_strdup(src->state_directory);
        dst->runtime_directory = g_strdup(src->runtime_directory);
        dst->gpsd = g_strdup(src->gpsd);
        dst->gnss_interface = g_strdup(src->gnss_interface);
        dst->grandmaster.instance = g_strdup(src->grandmaster.instance);
        dst->grandmaster.ts2phc.pid_file = g_strdup(src->grandmaster.ts2phc.pid_file);
        dst->grandmaster.ts2phc.config = g_strdup(src->grandmaster.ts2phc.config);

        dst->ptp4l = g_ptr_array_new_full(src->ptp4l ? src->ptp4l->len : 0, ptp4l_config_destroy);
        for (guint i = 0; src->ptp4l && i < src->ptp4l->len; i++)
                g_ptr_array_add(dst->ptp4l, ptp4l_config_copy(src->ptp4l->pdata[i]));

        dst->quota_users = g_ptr_array_new_full(src->quota_users ? src->quota_users->len : 0,
                                                quota_user_config_destroy);
        for (guint i = 0; src->quota_users && i < src->quota_users->len; i++)
                g_ptr_array_add(dst->quota_users, quota_user_config_copy(src->quota_users->pdata[i]));
}

static QuotaUserConfig *config_find_quota_user(const Config *c, const char *user) {
        for (guint i = 0; i < c->quota_users->len; i++) {
                QuotaUserConfig *q = c->quota_users->pdata[i];

                if (streq(q->user, user))
                        return q;
        }
        return NULL;
}

static Ptp4lConfig *config_find_ptp4l(const Config *c, const char *name) {
        for (guint i = 0; i < c->ptp4l->len; i++) {
                Ptp4lConfig *p = c->ptp4l->pdata[i];

                if (streq(p->name, name))
                        return p;
        }
        return NULL;
}

static bool parse_node_name(void *data, const char *group, const char *key, const char *value, GError **error) {
        Config *c = data;

        if (!node_name_is_valid(value))
                return config_invalid_value(error, group, key, value,
                                     "must be 1..%d characters of A-Z, a-z, 0-9, '.', '_' and '-', "
                                     "not starting with '.' or '-'", NODE_NAME_MAX);

        g_free(c->node_name);
        c->node_name = g_strdup(value);
        return true;
}

static bool parse_source(void *data, const char *group, const char *key, const char *value, GError **error) {
        Config *c = data;
        SourceKind s;

        s = source_kind_from_string(value);
        if (s < 0)
                return config_invalid_value(error, group, key, value, "must be \"%s\" or \"%s\"",
                                     source_kind_to_string(SOURCE_SIM), source_kind_to_string(SOURCE_LINUXPTP));

        c->source = s;
        return true;
}

static bool parse_state_directory(void *data, const char *group, const char *key, const char *value, GError **error) {
        Config *c = data;

        return config_parse_absolute_path(group, key, value, PATH_MAX - 1, NULL, &c->state_directory, error);
}

static bool parse_runtime_directory(void *data, const char *group, const char *key, const char *value,
                                    GError **error) {
        Config *c = data;

        return config_parse_absolute_path(group, key, value, RUNTIME_DIRECTORY_MAX,
                                   "the sockets made in it need the rest of the 107 bytes a socket path can have",
                                   &c->runtime_directory, error);
}

static bool parse_max_offset(void *data, const char *group, const char *key, const char *value, GError **error) {
        Config *c = data;

        return config_parse_int64_in_range(group, key, value, -OFFSET_NS_LIMIT, OFFSET_NS_LIMIT,
                                    &c->thresholds.max_offset_ns, error);
}

static bool parse_min_offset(void *data, const char *group, const char *key, const char *value, GError **error) {
        Config *c = data;

        return config_parse_int64_in_range(group, key, value, -OFFSET_NS_LIMIT, OFFSET_NS_LIMIT,
                                    &c->thresholds.min_offset_ns, error);
}

static bool parse_holdover_timeout(void *data, const char *group, const char *key, const char *value,
                                   GError **error) {
        Config *c = data;
        int64_t sec = 0;

        if (!config_parse_int64_in_range(group, key, value, 1, HOLDOVER_TIMEOUT_SEC_MAX, &sec, error))
                return false;

        c->thresholds.holdover_timeout_usec = (uint64_t) sec * USEC_PER_SEC;
        return true;
}

static bool parse_subscriptions_per_uid(void *data, const char *group, const char *key, const char *value,
                                        GError **error) {
        Config *c = data;

        return config_parse_unsigned(group, key, value, 0, SUBSCRIPTIONS_PER_UID_MAX, &c->subscriptions_per_uid, error);
}

static bool parse_subscriptions_per_connection(void *data, const char *group, const char *key, const char *value,
                                               GError **error) {
        Config *c = data;

        return config_parse_unsigned(group, key, value, 0, SUBSCRIPTIONS_PER_UID_MAX, &c->subscriptions_per_connection,
                              error);
}

static bool parse_subscriptions_max(void *data, const char *group, const char *key, const char *value,
                                    GError **error) {
        Config *c = data;

        return config_parse_unsigned(group, key, value, 1, SUBSCRIPTIONS_MAX_MAX, &c->subscriptions_max, error);
}

static bool parse_retain_events(void *data, const char *group, const char *key, const char *value, GError **error) {
        Config *c = data;

        return config_parse_unsigned(group, key, value, 1, RETAIN_EVENTS_MAX, &c->retain_events, error);
}

static bool parse_quota_user_per_uid(void *data, const char *group, const char *key, const char *value,
                                     GError **error) {
        QuotaUserConfig *q = data;

        if (!config_parse_unsigned(group, key, value, 0, SUBSCRIPTIONS_PER_UID_MAX, &q->subscriptions_per_uid, error))
                return false;
        q->has_per_uid = true;
        return true;
}

static bool parse_quota_user_per_connection(void *data, const char *group, const char *key, const char *value,
                                            GError **error) {
        QuotaUserConfig *q = data;

        if (!config_parse_unsigned(group, key, value, 0, SUBSCRIPTIONS_PER_UID_MAX, &q->subscriptions_per_connection,
                            error))
                return false;
        q->has_per_connection = true;
        return true;
}

static bool parse_ptp4l_socket(void *data, const char *group, const char *key, const char *value, GError **error) {
        Ptp4lConfig *p = data;

        return config_parse_absolute_path(group, key, value, SOCKET_PATH_MAX, "the most a socket path can have",
                                   &p->socket, error);
}

static bool parse_ptp4l_domain_number(void *data, const char *group, const char *key, const char *value,
                                      GError **error) {
        Ptp4lConfig *p = data;
        int64_t v = 0;

        if (!config_parse_int64_in_range(group, key, value, 0, UINT8_MAX, &v, error))
                return false;

        p->domain_number = (uint8_t) v;
        return true;
}

/*
 * ptp4l reads transportSpecific with strtol(..., 0), and its shipped configurations write it as
 * 0x1. Decimal and 0x hex mean the same to both; a leading 0, octal to ptp4l, is refused rather
 * than read differently.
 */
static bool parse_ptp4l_transport_specific(void *data, const char *group, const char *key, const char *value,
                                           GError **error) {
        Ptp4lConfig *p = data;
        const char *digits;
        int64_t v = 0;
        int r;

        digits = value + (value[0] == '+' || value[0] == '-');

        if (value[0] == '0' && (value[1] == 'x' || value[1] == 'X'))
                r = config_parse_hex_int64(value + 2, &v);
        else if (digits[0] == '0' && g_ascii_isdigit(digits[1]))
                return config_invalid_value(error, group, key, value,
                                     "a leading 0 would make it octal to ptp4l; write it in decimal or as 0x hex");
        else
                r = config_parse_int64(value, &v);

        if (r == -EINVAL)
                return config_invalid_value(error, group, key, value, "not a decimal or 0x-prefixed hexadecimal integer");
        if (r < 0 || v < 0 || v > PTP4L_TRANSPORT_SPECIFIC_MAX)
                return config_invalid_value(error, group, key, value, "must be between 0 and %d",
                                     PTP4L_TRANSPORT_SPECIFIC_MAX);

        p->transport_specific = (uint8_t) v;
        return true;
}

static bool parse_ptp4l_interface(void *data, const char *group, const char *key, const char *value,
                                  GError **error) {
        Ptp4lConfig *p = data;

        return config_parse_interface_name(group, key, value, &p->interface, error);
}

static bool parse_ptp4l_alias(void *data, const char *group, const char *key, const char *value, GError **error) {
        Ptp4lConfig *p = data;

        return config_parse_interface_name(group, key, value, &p->alias, error);
}

static bool parse_ptp4l_poll_interval(void *data, const char *group, const char *key, const char *value,
                                      GError **error) {
        Ptp4lConfig *p = data;

        return config_parse_unsigned(group, key, value, PTP4L_POLL_INTERVAL_MS_MIN, PTP4L_POLL_INTERVAL_MS_MAX,
                              &p->poll_interval_ms, error);
}

static bool parse_gpsd(void *data, const char *group, const char *key, const char *value, GError **error) {
        char why[INET_ADDRESS_ERROR_MAX];
        struct sockaddr_storage sa;
        socklen_t len;
        Config *c = data;

        /* Empty: no GNSS receiver, as when the key is not there. */
        if (isempty(value)) {
                g_clear_pointer(&c->gpsd, g_free);
                return true;
        }
        if (inet_address_parse(value, 2947, &sa, &len, why, sizeof(why)) < 0)
                return config_invalid_value(error, group, key, value, "%s; expected HOST:PORT, HOST an IPv4 address, an "
                                     "IPv6 address in [] or localhost", why);
        g_free(c->gpsd);
        c->gpsd = g_strdup(value);
        return true;
}

static bool parse_gnss_interface(void *data, const char *group, const char *key, const char *value,
                                 GError **error) {
        return config_parse_interface_name(group, key, value, &((Config *) data)->gnss_interface, error);
}

static bool parse_gnss_stale(void *data, const char *group, const char *key, const char *value, GError **error) {
        Config *c = data;
        int64_t sec = 0;

        if (!config_parse_int64_in_range(group, key, value, 1, GNSS_STALE_SEC_MAX, &sec, error))
                return false;
        c->gnss.stale_usec = (uint64_t) sec * USEC_PER_SEC;
        return true;
}

static bool parse_gnss_min_mode(void *data, const char *group, const char *key, const char *value, GError **error) {
        return config_parse_unsigned(group, key, value, 2, 3, &((Config *) data)->gnss.min_mode, error);
}

static bool parse_gnss_loss_debounce(void *data, const char *group, const char *key, const char *value,
                                     GError **error) {
        return config_parse_unsigned(group, key, value, 1, GNSS_DEBOUNCE_MAX, &((Config *) data)->gnss.loss_debounce, error);
}

static bool parse_gnss_enter_debounce(void *data, const char *group, const char *key, const char *value,
                                      GError **error) {
        return config_parse_unsigned(group, key, value, 1, GNSS_DEBOUNCE_MAX, &((Config *) data)->gnss.enter_debounce,
                              error);
}

static bool parse_gnss_extended_states(void *data, const char *group, const char *key, const char *value,
                                       GError **error) {
        return config_parse_boolean(group, key, value, &((Config *) data)->gnss.extended_states, error);
}

static bool parse_gnss_ubx(void *data, const char *group, const char *key, const char *value, GError **error) {
        return config_parse_boolean(group, key, value, &((Config *) data)->gnss.ubx, error);
}

static bool parse_gnss_tacc_max(void *data, const char *group, const char *key, const char *value, GError **error) {
        Config *c = data;
        unsigned ns;

        if (!config_parse_unsigned(group, key, value, 1, GNSS_TACC_MAX_NS_MAX, &ns, error))
                return false;
        c->gnss.tacc_max_ns = ns;
        return true;
}

static bool parse_grandmaster_instance(void *data, const char *group, const char *key, const char *value,
                                       GError **error) {
        Config *c = data;

        /* Empty: no grandmaster, as when the key is not there. */
        if (isempty(value)) {
                g_clear_pointer(&c->grandmaster.instance, g_free);
                return true;
        }
        if (!ptp4l_name_is_valid(value))
                return config_invalid_value(error, group, key, value, "must be the NAME of a [" PTP4L_GROUP " NAME] group");
        g_free(c->grandmaster.instance);
        c->grandmaster.instance = g_strdup(value);
        return true;
}

static bool parse_grandmaster_max_holdover_offset(void *data, const char *group, const char *key, const char *value,
                                                  GError **error) {
        return config_parse_int64_in_range(group, key, value, 1, OFFSET_NS_LIMIT,
                                    &((Config *) data)->grandmaster.params.local_max_holdover_offset_ns, error);
}

static bool parse_grandmaster_max_in_spec_offset(void *data, const char *group, const char *key, const char *value,
                                                 GError **error) {
        return config_parse_int64_in_range(group, key, value, 1, OFFSET_NS_LIMIT,
                                    &((Config *) data)->grandmaster.params.max_in_spec_offset_ns, error);
}

static bool parse_grandmaster_holdover_timeout(void *data, const char *group, const char *key, const char *value,
                                               GError **error) {
        int64_t sec = 0;

        if (!config_parse_int64_in_range(group, key, value, 1, HOLDOVER_TIMEOUT_SEC_MAX, &sec, error))
                return false;
        ((Config *) data)->grandmaster.params.local_holdover_timeout_usec = (uint64_t) sec * USEC_PER_SEC;
        return true;
}

static bool parse_grandmaster_settle(void *data, const char *group, const char *key, const char *value,
                                     GError **error) {
        int64_t sec = 0;

        if (!config_parse_int64_in_range(group, key, value, 0, GRANDMASTER_SETTLE_SEC_MAX, &sec, error))
                return false;
        ((Config *) data)->grandmaster.params.settle_usec = (uint64_t) sec * USEC_PER_SEC;
        return true;
}

static bool parse_grandmaster_ts2phc_watch(void *data, const char *group, const char *key, const char *value,
                                           GError **error) {
        bool watch = false;

        if (!config_parse_boolean(group, key, value, &watch, error))
                return false;
        ((Config *) data)->grandmaster.ts2phc.watch = watch;
        return true;
}

static bool parse_grandmaster_write_clock_class(void *data, const char *group, const char *key, const char *value,
                                                GError **error) {
        return config_parse_boolean(group, key, value, &((Config *) data)->grandmaster.write_clock_class, error);
}

static bool parse_grandmaster_ts2phc_pid_file(void *data, const char *group, const char *key, const char *value,
                                              GError **error) {
        return config_parse_optional_path(group, key, value, &((Config *) data)->grandmaster.ts2phc.pid_file, error);
}

static bool parse_grandmaster_ts2phc_config(void *data, const char *group, const char *key, const char *value,
                                            GError **error) {
        return config_parse_optional_path(group, key, value, &((Config *) data)->grandmaster.ts2phc.config, error);
}

/* Keys of the fixed groups; data is the Config. A group is known if it has a key here. */
static const ConfigKey config_keys[] = {
        { "Daemon",     "NodeName",             parse_node_name             },
        { "Daemon",     "Source",               parse_source                },
        { "Daemon",     "StateDirectory",       parse_state_directory       },
        { "Daemon",     "RuntimeDirectory",     parse_runtime_directory     },
        { "Thresholds", "MaxOffsetNs",          parse_max_offset            },
        { "Thresholds", "MinOffsetNs",          parse_min_offset            },
        { "Thresholds", "HoldoverTimeoutSec",   parse_holdover_timeout      },
        { "Quota",      "SubscriptionsPerUser", parse_subscriptions_per_uid },
        { "Quota",      "SubscriptionsPerConnection", parse_subscriptions_per_connection },
        { "Quota",      "SubscriptionsMax",     parse_subscriptions_max     },
        { "Store",      "RetainEvents",         parse_retain_events         },
        { "GNSS",       "Gpsd",                 parse_gpsd                  },
        { "GNSS",       "Interface",            parse_gnss_interface        },
        { "GNSS",       "StaleSec",             parse_gnss_stale            },
        { "GNSS",       "MinMode",              parse_gnss_min_mode         },
        { "GNSS",       "LossDebounce",         parse_gnss_loss_debounce    },
        { "GNSS",       "EnterDebounce",        parse_gnss_enter_debounce   },
        { "GNSS",       "ExtendedStates",       parse_gnss_extended_states  },
        { "GNSS",       "Ubx",                  parse_gnss_ubx              },
        { "GNSS",       "TaccMaxNs",            parse_gnss_tacc_max         },
        { "Grandmaster", "Instance",            parse_grandmaster_instance  },
        { "Grandmaster", "LocalMaxHoldoverOffSet", parse_grandmaster_max_holdover_offset },
        { "Grandmaster", "LocalHoldoverTimeout", parse_grandmaster_holdover_timeout },
        { "Grandmaster", "MaxInSpecOffset",     parse_grandmaster_max_in_spec_offset },
        { "Grandmaster", "LockSettleSec",       parse_grandmaster_settle    },
        { "Grandmaster", "Ts2phcWatch",         parse_grandmaster_ts2phc_watch },
        { "Grandmaster", "WriteClockClass",     parse_grandmaster_write_clock_class },
        { "Grandmaster", "Ts2phcPidFile",       parse_grandmaster_ts2phc_pid_file },
        { "Grandmaster", "Ts2phcConfig",        parse_grandmaster_ts2phc_config },
};

/* Keys of every [ptp4l NAME] group; data is its Ptp4lConfig. */
static const ConfigKey ptp4l_keys[] = {
        { PTP4L_GROUP, "Socket",            parse_ptp4l_socket             },
        { PTP4L_GROUP, "DomainNumber",      parse_ptp4l_domain_number      },
        { PTP4L_GROUP, "TransportSpecific", parse_ptp4l_transport_specific },
        { PTP4L_GROUP, "Interface",         parse_ptp4l_interface          },
        { PTP4L_GROUP, "Alias",             parse_ptp4l_alias              },
        { PTP4L_GROUP, "PollIntervalMs",    parse_ptp4l_poll_interval      },
};

/* Keys of every [Quota user NAME] group; data is its QuotaUserConfig. */
static const ConfigKey quota_user_keys[] = {
        { QUOTA_USER_GROUP, "SubscriptionsPerUser",       parse_quota_user_per_uid        },
        { QUOTA_USER_GROUP, "SubscriptionsPerConnection", parse_quota_user_per_connection },
};

static bool config_group_is_known(const char *group) {
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
                if (streq(config_keys[i].group, group))
                        return true;
        return false;
}

static const ConfigKey *config_key_find(const ConfigKey *table, size_t n, const char *group, const char *key) {
        for (size_t i = 0; i < n; i++)
                if (streq(table[i].group, group) && streq(table[i].key, key))
                        return &table[i];
        return NULL;
}

/* Parses every key of group with its entry in table[0..n) under table_group. */
static bool config_parse_keys(GKeyFile *kf, const char *group, const ConfigKey *table, size_t n,
                              const char *table_group, void *data, GError **error) {
        g_auto(GStrv) keys = NULL;

        keys = g_key_file_get_keys(kf, group, NULL, error);
        if (!keys)
                return false;

        /* A key given twice is listed twice, with the last value each time (GKeyFile keeps the last). */
        for (char **key = keys; *key; key++) {
                g_autofree char *value = NULL;
                const ConfigKey *k;

                k = config_key_find(table, n, table_group, *key);
                if (!k) {
                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                                    "Unknown key %s in group [%s]", QUOTE(*key), group);
                        return false;
                }

                value = keyfile_get_string(kf, group, k->key, error);
                if (!value)
                        return false;

                if (!k->parse(data, group, k->key, value, error))
                        return false;
        }

        return true;
}

/*
 * For a group meant as [ptp4l NAME], "ptp4l" alone or followed by a space, what follows the space
 * (maybe "", or not a valid name); NULL for any other group.
 */
static const char *ptp4l_group_name(const char *group) {
        size_t n = strlen(PTP4L_GROUP);

        if (strncmp(group, PTP4L_GROUP, n) != 0)
                return NULL;
        if (group[n] == '\0')
                return group + n;
        if (group[n] == ' ')
                return group + n + 1;
        return NULL;
}

/* A group repeated in the file is one group to GKeyFile; a name already in c (from an earlier load) is updated. */
static bool config_parse_ptp4l_group(Config *c, GKeyFile *kf, const char *group, const char *name, GError **error) {
        Ptp4lConfig *p;

        if (!ptp4l_name_is_valid(name)) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                            "Invalid group [%s]: must be [" PTP4L_GROUP " NAME], one space before NAME, and NAME "
                            "1..%d characters of A-Z, a-z, 0-9, '.', '_' and '-'", ESCAPE(group), PTP4L_NAME_MAX);
                return false;
        }

        p = config_find_ptp4l(c, name);
        if (!p) {
                if (c->ptp4l->len >= PTP4L_INSTANCES_MAX) {
                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                                    "Too many [" PTP4L_GROUP " NAME] groups at [%s]: at most %d are supported",
                                    group, PTP4L_INSTANCES_MAX);
                        return false;
                }

                p = ptp4l_config_new(name);
                g_ptr_array_add(c->ptp4l, p);
        }

        return config_parse_keys(kf, group, ptp4l_keys, ELEMENTSOF(ptp4l_keys), PTP4L_GROUP, p, error);
}

/* A group meant as [Quota user NAME]: "Quota" followed by a space. */
static bool quota_user_group_meant(const char *group) {
        return g_str_has_prefix(group, "Quota ");
}

/* A repeated group is one group to GKeyFile; a NAME already in c (from an earlier load) is updated. */
static bool config_parse_quota_user_group(Config *c, GKeyFile *kf, const char *group, GError **error) {
        const char *user = g_str_has_prefix(group, QUOTA_USER_GROUP " ") ? group + strlen(QUOTA_USER_GROUP " ") : NULL;
        QuotaUserConfig *q;

        if (!quota_user_is_valid(user, NULL, NULL)) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                            "Invalid group [%s]: must be [" QUOTA_USER_GROUP " NAME], one space between the words, "
                            "and NAME a uid in decimal (0..4294967294, no leading 0) or a user name (1..%d "
                            "characters of A-Z, a-z, 0-9, '.', '_' and '-', not starting with '.' or '-', "
                            "maybe ending in '$')", ESCAPE(group), USER_NAME_MAX);
                return false;
        }

        q = config_find_quota_user(c, user);
        if (!q) {
                if (c->quota_users->len >= QUOTA_USERS_MAX) {
                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                                    "Too many [" QUOTA_USER_GROUP " NAME] groups at [%s]: at most %d are supported",
                                    group, QUOTA_USERS_MAX);
                        return false;
                }
                q = quota_user_config_new(user);
                g_ptr_array_add(c->quota_users, q);
        }

        return config_parse_keys(kf, group, quota_user_keys, ELEMENTSOF(quota_user_keys), QUOTA_USER_GROUP, q,
                                 error);
}

static bool config_parse_group(Config *c, GKeyFile *kf, const char *group, GError **error) {
        const char *name;

        name = ptp4l_group_name(group);
        if (name)
                return config_parse_ptp4l_group(c, kf, group, name, error);
        if (quota_user_group_meant(group))
                return config_parse_quota_user_group(c, kf, group, error);

        if (!config_group_is_known(group)) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                            "Unknown group [%s]", ESCAPE(group));
                return false;
        }

        return config_parse_keys(kf, group, config_keys, ELEMENTSOF(config_keys), group, c, error);
}

static bool config_check_thresholds(const Config *c, GError **error) {
        const Thresholds *t = &c->thresholds;

        if (t->min_offset_ns >= t->max_offset_ns) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                            "MinOffsetNs=%" PRId64 " must be less than MaxOffsetNs=%" PRId64 " in group [Thresholds]",
                            t->min_offset_ns, t->max_offset_ns);
                return false;
        }

        return true;
}

/* A path to watch ts2phc by, with the watch turned off, would silently do nothing. */
static bool config_check_ts2phc(const Config *c, GError **error) {
        const Ts2phcWatchConfig *t = &c->grandmaster.ts2phc;
        const char *key = t->pid_file ? "Ts2phcPidFile" : "Ts2phcConfig";

        if (t->watch == 0 && (t->pid_file || t->config)) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                            "Ts2phcWatch=no contradicts %s=%s in group [Grandmaster]: %s= says how to watch ts2phc; "
                            "remove one of them", key, t->pid_file ?: t->config, key);
                return false;
        }
        return true;
}

static bool ptp4l_duplicate(
                GError **error, const Ptp4lConfig *a, const Ptp4lConfig *b, const char *key, const char *value,
                const char *why) {

        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                    "Groups [" PTP4L_GROUP " %s] and [" PTP4L_GROUP " %s] have the same %s=%s: %s",
                    a->name, b->name, key, ESCAPE(value), why);
        return false;
}

/*
 * Across the [ptp4l NAME] groups, those from earlier loads included. Values are compared as
 * written: "/run//ptp4l" and "/run/ptp4l" differ here, though not to the kernel. An Alias= left
 * to the interface's is not known until run time, so only explicit ones are compared.
 */
static bool config_check_ptp4l(const Config *c, GError **error) {
        for (guint j = 1; j < c->ptp4l->len; j++) {
                const Ptp4lConfig *b = c->ptp4l->pdata[j];

                for (guint i = 0; i < j; i++) {
                        const Ptp4lConfig *a = c->ptp4l->pdata[i];

                        if (streq(a->socket, b->socket))
                                return ptp4l_duplicate(error, a, b, "Socket", b->socket,
                                                       streq(b->socket, PTP4L_SOCKET_DEFAULT) ?
                                                       "each needs a ptp4l of its own (Socket= has this default, "
                                                       "set it in each group)" :
                                                       "each needs a ptp4l of its own");
                        if (a->interface && b->interface && streq(a->interface, b->interface))
                                return ptp4l_duplicate(error, a, b, "Interface", b->interface,
                                                       "one interface is disciplined by one ptp4l");
                        if (a->alias && b->alias && streq(a->alias, b->alias))
                                return ptp4l_duplicate(error, a, b, "Alias", b->alias,
                                                       "two clocks cannot have one name in addresses");
                }
        }

        return true;
}

/*
 * On success, the values set in the text replace those in c and the others stay. On error, c is
 * left exactly as it was (as config_init() made it, when it came from there): everything is
 * parsed into a copy, and the copy is swapped in only when all of it was good.
 */
bool config_load_from_data(Config *c, const char *data, size_t length, GError **error) {
        _cleanup_(config_done) Config tmp = {};
        g_autoptr(GKeyFile) kf = NULL;
        g_auto(GStrv) groups = NULL;
        Config old;

        g_return_val_if_fail(c, false);
        g_return_val_if_fail(data || length == 0, false);

        kf = keyfile_parse(data, length, error);
        if (!kf)
                return false;

        config_copy(&tmp, c);

        groups = g_key_file_get_groups(kf, NULL);
        for (char **g = groups; *g; g++)
                if (!config_parse_group(&tmp, kf, *g, error))
                        return false;

        if (!config_check_thresholds(&tmp, error))
                return false;

        if (!config_check_ptp4l(&tmp, error))
                return false;

        if (!config_check_ts2phc(&tmp, error))
                return false;

        old = *c;
        *c = tmp;
        tmp = old; /* freed on return */
        return true;
}

bool config_load_from_file(Config *c, const char *path, bool must_exist, GError **error) {
        g_autoptr(GError) e = NULL;
        g_autofree char *data = NULL;
        size_t size = 0;

        g_return_val_if_fail(c, false);
        g_return_val_if_fail(path, false);

        if (!keyfile_read_bounded(path, &data, &size, &e)) {
                if (!must_exist && g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        return true;

                g_propagate_prefixed_error(error, TAKE_PTR(e), "%s: ", path);
                return false;
        }

        if (!config_load_from_data(c, data, size, error)) {
                g_prefix_error(error, "%s: ", path);
                return false;
        }

        return true;
}
