/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bridge-config.h"
#include "bridge-log.h"
#include "common/duration.h"
#include "common/glib-keyfile.h"
#include "net-syntax.h"
#include "quote-value.h"

typedef bool (*BridgeConfigParse)(BridgeConfig *c, const char *group, const char *key, const char *value,
                                  GError **error);

typedef struct BridgeConfigKey {
        const char *group;
        const char *key;
        BridgeConfigParse parse;
} BridgeConfigKey;

void bridge_config_init(BridgeConfig *c) {
        g_autoptr(GError) error = NULL;

        *c = (BridgeConfig) {
                .allow = g_strsplit(BRIDGE_ALLOW_DEFAULT, ";", -1),
                .post_timeout_usec = BRIDGE_POST_TIMEOUT_SEC_DEFAULT * G_USEC_PER_SEC,
                .retry = BRIDGE_RETRY_DEFAULT,
                .backoff_delay = g_strdup(BRIDGE_BACKOFF_DELAY_DEFAULT),
                .backoff_delay_usec = G_USEC_PER_SEC,
                .queue_limit = BRIDGE_QUEUE_LIMIT_DEFAULT,
                .max_subscriptions = BRIDGE_SUBSCRIPTIONS_DEFAULT,
                .max_body_bytes = BRIDGE_MAX_BODY_BYTES_DEFAULT,
                .request_timeout_usec = BRIDGE_REQUEST_TIMEOUT_SEC_DEFAULT * G_USEC_PER_SEC,
                .log_level = BRIDGE_LOG_LEVEL_DEFAULT,
                .max_concurrent_posts = BRIDGE_CONCURRENT_POSTS_DEFAULT,
        };
        if (!bridge_listen_parse(BRIDGE_V2_LISTEN_DEFAULT, &c->v2, &error) ||
            !bridge_listen_parse(BRIDGE_V1_LISTEN_DEFAULT, &c->v1, &error))
                g_error("The default listening address does not parse: %s", error->message);
}

void bridge_config_done(BridgeConfig *c) {
        g_clear_pointer(&c->bus, g_free);
        bridge_listen_done(&c->v2);
        bridge_listen_done(&c->v1);
        g_clear_pointer(&c->advertised_host, g_free);
        g_clear_pointer(&c->allow, g_strfreev);
        g_clear_pointer(&c->dead_letter_sink, g_free);
        g_clear_pointer(&c->backoff_delay, g_free);
}

void bridge_config_copy(BridgeConfig *dst, const BridgeConfig *src) {
        *dst = *src;
        dst->bus = g_strdup(src->bus);
        dst->v2.host = g_strdup(src->v2.host);
        dst->v1.host = g_strdup(src->v1.host);
        dst->advertised_host = g_strdup(src->advertised_host);
        dst->allow = g_strdupv(src->allow);
        dst->dead_letter_sink = g_strdup(src->dead_letter_sink);
        dst->backoff_delay = g_strdup(src->backoff_delay);
}

G_GNUC_PRINTF(5, 6) static bool invalid_value(
                GError **error, const char *group, const char *key, const char *value, const char *format, ...) {

        g_autofree char *why = NULL, *q = quote_value(value);
        va_list ap;

        va_start(ap, format);
        why = g_strdup_vprintf(format, ap);
        va_end(ap);

        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                    "Invalid value %s for key \"%s\" in group [%s]: %s", q, key, group, why);
        return false;
}

/* Decimal digits and nothing else, min..max. */
static bool parse_uint(const char *group, const char *key, const char *value, guint64 min, guint64 max,
                       guint64 *ret, GError **error) {
        guint64 v = 0;
        bool overflow = false;

        if (!*value)
                return invalid_value(error, group, key, value, "not a decimal integer");
        for (const char *p = value; *p; p++) {
                if (!g_ascii_isdigit(*p))
                        return invalid_value(error, group, key, value, "not a decimal integer");
                if (v > (G_MAXUINT64 - 9) / 10)
                        overflow = true; /* read on: "99...9x" is a syntax error, not a range one */
                else
                        v = v * 10 + (guint64) (*p - '0');
        }
        if (overflow || v < min || v > max)
                return invalid_value(error, group, key, value,
                                     "must be between %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT, min, max);
        *ret = v;
        return true;
}

static bool parse_guint(const char *group, const char *key, const char *value, guint min, guint max, guint *ret,
                        GError **error) {
        guint64 v = 0;

        if (!parse_uint(group, key, value, min, max, &v, error))
                return false;
        *ret = (guint) v;
        return true;
}

static bool parse_seconds(const char *group, const char *key, const char *value, guint min, guint max,
                          guint64 *ret_usec, GError **error) {
        guint64 v = 0;

        if (!parse_uint(group, key, value, min, max, &v, error))
                return false;
        *ret_usec = v * G_USEC_PER_SEC;
        return true;
}

static void set_string(char **slot, const char *value) {
        g_free(*slot);
        *slot = g_strdup(value);
}

static bool parse_bus(BridgeConfig *c, const char *group, const char *key, const char *value, GError **error) {
        if (strcmp(value, "system") == 0) {
                g_clear_pointer(&c->bus, g_free);
                return true;
        }
        if (strlen(value) > BRIDGE_BUS_ADDRESS_MAX || !g_dbus_is_address(value))
                return invalid_value(error, group, key, value,
                                     "must be \"system\" or a D-Bus address of at most %d bytes, such as "
                                     "unix:path=/run/dbus/system_bus_socket", BRIDGE_BUS_ADDRESS_MAX);
        set_string(&c->bus, value);
        return true;
}

static bool parse_listen(BridgeListen *l, const char *group, const char *key, const char *value, GError **error) {
        g_autoptr(GError) e = NULL;

        if (!bridge_listen_parse(value, l, &e))
                return invalid_value(error, group, key, value, "%s", e->message);
        return true;
}

static bool parse_v2(BridgeConfig *c, const char *group, const char *key, const char *value, GError **error) {
        return parse_listen(&c->v2, group, key, value, error);
}

static bool parse_v1(BridgeConfig *c, const char *group, const char *key, const char *value, GError **error) {
        return parse_listen(&c->v1, group, key, value, error);
}

/* A host name, an IPv4 address, or an IPv6 one with or without brackets; empty: the listen host. */
static bool parse_advertised_host(BridgeConfig *c, const char *group, const char *key, const char *value,
                                  GError **error) {
        g_autofree char *inner = NULL, *canonical = NULL;
        size_t n = strlen(value);
        bool bracketed = n >= 2 && value[0] == '[' && value[n - 1] == ']';
        int family;

        if (n == 0) {
                g_clear_pointer(&c->advertised_host, g_free);
                return true;
        }

        inner = bracketed ? g_strndup(value + 1, n - 2) : g_strdup(value);
        family = ip_literal_family(inner, &canonical);
        if (family == AF_INET6) {
                g_free(c->advertised_host);
                c->advertised_host = g_strdup_printf("[%s]", canonical);
                return true;
        }
        if (bracketed)
                return invalid_value(error, group, key, value, "only an IPv6 address goes in brackets");
        if (family == AF_INET || host_name_is_valid(value)) {
                set_string(&c->advertised_host, family == AF_INET ? canonical : value);
                return true;
        }
        return invalid_value(error, group, key, value,
                             "must be a host name, an IP address or empty (the listening address); a port "
                             "does not belong here, the listening one is used");
}

/* Entries separated by ';' (GLib's list separator) or white space; empty entries are skipped. */
static bool parse_allow(BridgeConfig *c, const char *group, const char *key, const char *value, GError **error) {
        g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func(g_free);
        g_auto(GStrv) parts = g_strsplit_set(value, "; \t\n\r\f\v", -1);

        for (char **p = parts; *p; p++) {
                const char *reason = NULL;

                if (!**p)
                        continue;
                if (!allow_entry_is_valid(*p, &reason)) {
                        g_autofree char *q = quote_value(*p);

                        return invalid_value(error, group, key, value, "the entry %s %s", q, reason);
                }
                if (entries->len >= BRIDGE_ALLOW_ENTRIES_MAX)
                        return invalid_value(error, group, key, value, "more than %d entries",
                                             BRIDGE_ALLOW_ENTRIES_MAX);
                g_ptr_array_add(entries, g_strdup(*p));
        }
        if (entries->len == 0)
                return invalid_value(error, group, key, value,
                                     "names no host, address or network; to refuse every subscription, set "
                                     "Subscriptions=0 in [Limits]");

        g_ptr_array_add(entries, NULL);
        g_strfreev(c->allow);
        c->allow = (char **) g_ptr_array_free(g_steal_pointer(&entries), FALSE);
        return true;
}

static bool parse_probe_status(BridgeConfig *c, const char *group, const char *key, const char *value,
                               GError **error) {
        if (strcmp(value, "204") == 0)
                c->probe_any_2xx = false;
        else if (strcmp(value, "2xx") == 0)
                c->probe_any_2xx = true;
        else
                return invalid_value(error, group, key, value,
                                     "must be 204 (as cloud-event-proxy) or 2xx (any success)");
        return true;
}

static bool parse_probe_timeout(BridgeConfig *c, const char *group, const char *key, const char *value,
                                GError **error) {
        return parse_seconds(group, key, value, 0, BRIDGE_PROBE_TIMEOUT_SEC_MAX, &c->probe_timeout_usec, error);
}

static bool parse_post_timeout(BridgeConfig *c, const char *group, const char *key, const char *value,
                               GError **error) {
        return parse_seconds(group, key, value, BRIDGE_POST_TIMEOUT_SEC_MIN, BRIDGE_POST_TIMEOUT_SEC_MAX,
                             &c->post_timeout_usec, error);
}

static bool parse_dead_letter_sink(BridgeConfig *c, const char *group, const char *key, const char *value,
                                   GError **error) {
        g_autoptr(GUri) uri = NULL;
        g_autoptr(GError) e = NULL;
        const char *scheme;

        if (!*value) {
                g_clear_pointer(&c->dead_letter_sink, g_free);
                return true;
        }
        if (strlen(value) > BRIDGE_URI_MAX)
                return invalid_value(error, group, key, value, "longer than %d bytes", BRIDGE_URI_MAX);

        for (const char *p = value; *p; p++)
                if ((unsigned char) *p <= ' ' || (unsigned char) *p >= 0x7f)
                        return invalid_value(error, group, key, value,
                                             "has white space or a character outside printable ASCII "
                                             "(percent-encode it: %%20)");
        uri = g_uri_parse(value, G_URI_FLAGS_NONE, &e);
        if (!uri)
                return invalid_value(error, group, key, value, "not a URI: %s", e->message);
        scheme = g_uri_get_scheme(uri);
        if (g_ascii_strcasecmp(scheme, "http") != 0 && g_ascii_strcasecmp(scheme, "https") != 0)
                return invalid_value(error, group, key, value, "must be an http:// or https:// URI");
        if (!g_uri_get_host(uri) || !*g_uri_get_host(uri))
                return invalid_value(error, group, key, value, "has no host");
        if (g_uri_get_userinfo(uri))
                return invalid_value(error, group, key, value,
                                     "has user information (user:password@), which the bridge would not send");
        if (g_uri_get_fragment(uri))
                return invalid_value(error, group, key, value, "has a #fragment, which is never sent");

        set_string(&c->dead_letter_sink, value);
        return true;
}

static bool parse_retry(BridgeConfig *c, const char *group, const char *key, const char *value, GError **error) {
        return parse_guint(group, key, value, 0, BRIDGE_RETRY_MAX, &c->retry, error);
}

static bool parse_backoff_delay(BridgeConfig *c, const char *group, const char *key, const char *value,
                                GError **error) {
        const char *reason = NULL;
        uint64_t usec = 0;

        if (!duration_parse(value, &usec, &reason))
                return invalid_value(error, group, key, value, "not an ISO 8601 duration such as PT1S or PT0.5S: %s",
                                     reason);
        if (usec > BRIDGE_BACKOFF_DELAY_MAX_USEC)
                return invalid_value(error, group, key, value, "must be at most PT1H (one hour)");

        set_string(&c->backoff_delay, value);
        c->backoff_delay_usec = usec;
        return true;
}

static bool parse_backoff_policy(BridgeConfig *c, const char *group, const char *key, const char *value,
                                 GError **error) {
        if (strcmp(value, "linear") == 0)
                c->backoff_linear = true;
        else if (strcmp(value, "exponential") == 0)
                c->backoff_linear = false;
        else
                return invalid_value(error, group, key, value, "must be \"linear\" or \"exponential\"");
        return true;
}

static bool parse_queue_limit(BridgeConfig *c, const char *group, const char *key, const char *value,
                              GError **error) {
        return parse_guint(group, key, value, BRIDGE_QUEUE_LIMIT_MIN, BRIDGE_QUEUE_LIMIT_MAX, &c->queue_limit,
                           error);
}

static bool parse_subscriptions(BridgeConfig *c, const char *group, const char *key, const char *value,
                                GError **error) {
        return parse_guint(group, key, value, 0, BRIDGE_SUBSCRIPTIONS_MAX, &c->max_subscriptions, error);
}

static bool parse_max_body_bytes(BridgeConfig *c, const char *group, const char *key, const char *value,
                                 GError **error) {
        guint64 v = 0;

        if (!parse_uint(group, key, value, BRIDGE_MAX_BODY_BYTES_MIN, BRIDGE_MAX_BODY_BYTES_MAX, &v, error))
                return false;
        c->max_body_bytes = (gsize) v;
        return true;
}

static bool parse_request_timeout(BridgeConfig *c, const char *group, const char *key, const char *value,
                                  GError **error) {
        return parse_seconds(group, key, value, BRIDGE_REQUEST_TIMEOUT_SEC_MIN, BRIDGE_REQUEST_TIMEOUT_SEC_MAX,
                             &c->request_timeout_usec, error);
}

static bool parse_concurrent_posts(BridgeConfig *c, const char *group, const char *key, const char *value,
                                   GError **error) {
        return parse_guint(group, key, value, BRIDGE_CONCURRENT_POSTS_MIN, BRIDGE_CONCURRENT_POSTS_MAX,
                           &c->max_concurrent_posts, error);
}

/* A group is known if it has a key here. */
static const BridgeConfigKey config_keys[] = {
        { "Bridge",    "Bus",               parse_bus              },
        { "Listen",    "V2",                parse_v2               },
        { "Listen",    "V1",                parse_v1               },
        { "Listen",    "AdvertisedHost",    parse_advertised_host  },
        { "Endpoints", "Allow",             parse_allow            },
        { "Endpoints", "ProbeStatus",       parse_probe_status     },
        { "Endpoints", "ProbeTimeoutSec",   parse_probe_timeout    },
        { "Endpoints", "PostTimeoutSec",    parse_post_timeout     },
        { "Endpoints", "DeadLetterSink",    parse_dead_letter_sink },
        { "Delivery",  "Retry",             parse_retry            },
        { "Delivery",  "BackoffDelay",      parse_backoff_delay    },
        { "Delivery",  "BackoffPolicy",     parse_backoff_policy   },
        { "Delivery",  "QueueLimit",        parse_queue_limit      },
        { "Limits",    "Subscriptions",     parse_subscriptions    },
        { "Limits",    "MaxBodyBytes",      parse_max_body_bytes   },
        { "Limits",    "RequestTimeoutSec", parse_request_timeout  },
        { "Limits",    "ConcurrentPosts",   parse_concurrent_posts },
};

static bool group_is_known(const char *group) {
        for (size_t i = 0; i < G_N_ELEMENTS(config_keys); i++)
                if (strcmp(config_keys[i].group, group) == 0)
                        return true;
        return false;
}

static const BridgeConfigKey *key_find(const char *group, const char *key) {
        for (size_t i = 0; i < G_N_ELEMENTS(config_keys); i++)
                if (strcmp(config_keys[i].group, group) == 0 && strcmp(config_keys[i].key, key) == 0)
                        return &config_keys[i];
        return NULL;
}

static bool parse_group(BridgeConfig *c, GKeyFile *kf, const char *group, GError **error) {
        g_auto(GStrv) keys = NULL;

        if (!group_is_known(group)) {
                g_autofree char *q = escape_text(group, QUOTE_VALUE_MAX);

                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                            "Unknown group [%s]: the groups are [Bridge], [Listen], [Endpoints], [Delivery] "
                            "and [Limits]", q);
                return false;
        }

        keys = g_key_file_get_keys(kf, group, NULL, error);
        if (!keys)
                return false;

        /* A key given twice is listed twice, with the last value each time (GKeyFile keeps the last). */
        for (char **key = keys; *key; key++) {
                g_autofree char *value = NULL;
                const BridgeConfigKey *k = key_find(group, *key);

                if (!k) {
                        g_autofree char *q = quote_value(*key);

                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                                    "Unknown key %s in group [%s]", q, group);
                        return false;
                }

                value = keyfile_get_string(kf, group, k->key, error);
                if (!value)
                        return false;

                if (!k->parse(c, group, k->key, value, error))
                        return false;
        }
        return true;
}

static bool listen_same_socket(const BridgeListen *a, const BridgeListen *b) {
        if (!a->enabled || !b->enabled || a->port != b->port)
                return false;
        /* 0.0.0.0 and [::] (dual-stack by default) take the port on every address. */
        return strcmp(a->host, b->host) == 0 || ip_literal_is_any(a->host) || ip_literal_is_any(b->host);
}

bool bridge_config_check(const BridgeConfig *c, const char *v2_name, const char *v1_name, GError **error) {
        g_autofree char *a = bridge_listen_to_string(&c->v2), *b = bridge_listen_to_string(&c->v1);

        v2_name = v2_name ?: "[Listen] V2=";
        v1_name = v1_name ?: "[Listen] V1=";

        if (!c->v2.enabled && !c->v1.enabled) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                            "The v2 API (%s%s) and the v1 API (%s%s) are both off: the bridge would serve nothing",
                            v2_name, a, v1_name, b);
                return false;
        }
        if (listen_same_socket(&c->v2, &c->v1)) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                            "The v2 API (%s%s) and the v1 API (%s%s) take the same port: each API needs one of "
                            "its own", v2_name, a, v1_name, b);
                return false;
        }
        return true;
}

/* Parsed into a copy, swapped in only when all of it was good: on error c is as it was. */
bool bridge_config_load_from_data(BridgeConfig *c, const char *data, gsize length, GError **error) {
        g_auto(BridgeConfig) tmp = {};
        g_autoptr(GKeyFile) kf = NULL;
        g_auto(GStrv) groups = NULL;
        BridgeConfig old;

        g_return_val_if_fail(c, false);
        g_return_val_if_fail(data || length == 0, false);

        kf = keyfile_parse(data, length, error);
        if (!kf)
                return false;

        bridge_config_copy(&tmp, c);
        groups = g_key_file_get_groups(kf, NULL);
        for (char **g = groups; *g; g++)
                if (!parse_group(&tmp, kf, *g, error))
                        return false;
        if (!bridge_config_check(&tmp, NULL, NULL, error))
                return false;

        old = *c;
        *c = tmp;
        tmp = old; /* freed on return */
        return true;
}

bool bridge_config_load(BridgeConfig *c, const char *path, bool explicit_path, GError **error) {
        g_autoptr(GError) e = NULL;
        g_autofree char *data = NULL;
        gsize size = 0;

        g_return_val_if_fail(c, false);
        g_return_val_if_fail(path, false);

        if (!keyfile_read_bounded(path, &data, &size, &e)) {
                if (!explicit_path && g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        return true;
                g_propagate_prefixed_error(error, g_steal_pointer(&e), "%s: ", path);
                return false;
        }
        if (!bridge_config_load_from_data(c, data, size, error)) {
                g_prefix_error(error, "%s: ", path);
                return false;
        }
        return true;
}

char *bridge_config_uri_host(const BridgeConfig *c, const BridgeListen *l) {
        if (c->advertised_host)
                return g_strdup(c->advertised_host);
        if (!l->enabled)
                return NULL;
        if (strchr(l->host, ':'))
                return g_strdup_printf("[%s]", l->host);
        return g_strdup(l->host);
}

guint64 bridge_config_probe_timeout_usec(const BridgeConfig *c, OranApi api) {
        if (c->probe_timeout_usec > 0)
                return c->probe_timeout_usec;
        return api == ORAN_API_V1 ? BRIDGE_PROBE_TIMEOUT_V1_USEC : BRIDGE_PROBE_TIMEOUT_V2_USEC;
}
