/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "address.h"
#include "config.h"
#include "util.h"

/* Far more than any real configuration; bounds what a wrong path (/dev/zero, a log) can cost. */
#define CONFIG_SIZE_MAX (1024 * 1024)

/* Keeps an error message readable when the value is a long run of garbage. */
#define MESSAGE_VALUE_MAX 64
/* GKeyFile quotes a whole bad line, which may be up to CONFIG_SIZE_MAX long. */
#define MESSAGE_MAX 256

typedef struct ConfigKey ConfigKey;
struct ConfigKey {
        const char *group;
        const char *key;
        bool (*parse)(Config *c, const ConfigKey *k, const char *value, GError **error);
};

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

void config_init(Config *c) {
        *c = (Config) {
                .source = _SOURCE_KIND_INVALID,
                .thresholds = THRESHOLDS_DEFAULT,
                .subscriptions_per_uid = SUBSCRIPTIONS_PER_UID_DEFAULT,
                .retain_events = RETAIN_EVENTS_DEFAULT,
        };
}

void config_done(Config *c) {
        g_clear_pointer(&c->node_name, g_free);
        g_clear_pointer(&c->state_directory, g_free);
}

static void config_copy(Config *dst, const Config *src) {
        *dst = *src;
        dst->node_name = g_strdup(src->node_name);
        dst->state_directory = g_strdup(src->state_directory);
}

/*
 * Text from the file, made safe to put in a message: control characters escaped, cut after max
 * bytes (at a character boundary, so valid UTF-8 stays valid).
 */
static char *escape_for_message(const char *s, size_t max) {
        GString *e = g_string_new(NULL);

        for (size_t i = 0; s[i]; i++) {
                unsigned char c = (unsigned char) s[i];

                if (i >= max && ((c & 0xc0) != 0x80 || i >= max + 4)) {
                        g_string_append(e, "...");
                        break;
                }

                if (c < ' ' || c == 0x7f)
                        g_string_append_printf(e, "\\x%02x", c);
                else if (c == '"' || c == '\\')
                        g_string_append_printf(e, "\\%c", c);
                else
                        g_string_append_c(e, (char) c);
        }

        return g_string_free(e, FALSE);
}

/* GKeyFile's messages quote the bad line as it is, control characters and all. */
static void error_escape(GError *e) {
        char *m = escape_for_message(e->message, MESSAGE_MAX);

        g_free(e->message);
        e->message = m;
}

static _printf_(4, 5) bool invalid_value(
                GError **error, const ConfigKey *k, const char *value, const char *format, ...) {

        g_autofree char *escaped = escape_for_message(value, MESSAGE_VALUE_MAX), *why = NULL;
        va_list ap;

        va_start(ap, format);
        why = g_strdup_vprintf(format, ap);
        va_end(ap);

        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                    "Invalid value \"%s\" for key \"%s\" in group [%s]: %s",
                    escaped, k->key, k->group, why);
        return false;
}

/*
 * Optional sign and decimal digits, nothing else: unlike strtoll() and g_key_file_get_int64(),
 * no white space, no base prefix, no trailing garbage such as "100ns".
 */
static int parse_int64(const char *s, int64_t *ret) {
        bool negative = false, overflow = false;
        uint64_t m = 0;

        if (*s == '+' || *s == '-')
                negative = *s++ == '-';

        if (!*s)
                return -EINVAL;

        /* Reads to the end even after an overflow: "999...9ns" is a syntax error, not a range error. */
        for (; *s; s++) {
                unsigned d;

                if (!g_ascii_isdigit(*s))
                        return -EINVAL;

                d = (unsigned) (*s - '0');
                if (m > (UINT64_MAX - d) / 10)
                        overflow = true;
                else
                        m = m * 10 + d;
        }

        if (overflow)
                return -ERANGE;

        if (negative) {
                if (m > (uint64_t) INT64_MAX + 1)
                        return -ERANGE;
                *ret = m == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) m;
        } else {
                if (m > (uint64_t) INT64_MAX)
                        return -ERANGE;
                *ret = (int64_t) m;
        }

        return 0;
}

static bool parse_int64_in_range(
                const ConfigKey *k, const char *value, int64_t min, int64_t max, int64_t *ret, GError **error) {

        int64_t v = 0;
        int r;

        r = parse_int64(value, &v);
        if (r == -EINVAL)
                return invalid_value(error, k, value, "not a decimal integer");
        if (r < 0 || v < min || v > max)
                return invalid_value(error, k, value, "must be between %" PRId64 " and %" PRId64, min, max);

        *ret = v;
        return true;
}

static bool parse_node_name(Config *c, const ConfigKey *k, const char *value, GError **error) {
        if (!node_name_is_valid(value))
                return invalid_value(error, k, value,
                                     "must be 1..%d characters of A-Z, a-z, 0-9, '.', '_' and '-', "
                                     "not starting with '.' or '-'", NODE_NAME_MAX);

        g_free(c->node_name);
        c->node_name = g_strdup(value);
        return true;
}

static bool parse_source(Config *c, const ConfigKey *k, const char *value, GError **error) {
        SourceKind s;

        s = source_kind_from_string(value);
        if (s < 0)
                return invalid_value(error, k, value, "must be \"%s\" or \"%s\"",
                                     source_kind_to_string(SOURCE_SIM), source_kind_to_string(SOURCE_LINUXPTP));

        c->source = s;
        return true;
}

static bool parse_state_directory(Config *c, const ConfigKey *k, const char *value, GError **error) {
        if (value[0] != '/')
                return invalid_value(error, k, value, "must be an absolute path");
        if (strlen(value) >= PATH_MAX)
                return invalid_value(error, k, value, "is longer than %d bytes", PATH_MAX - 1);

        g_free(c->state_directory);
        c->state_directory = g_strdup(value);
        return true;
}

static bool parse_max_offset(Config *c, const ConfigKey *k, const char *value, GError **error) {
        return parse_int64_in_range(k, value, -OFFSET_NS_LIMIT, OFFSET_NS_LIMIT,
                                    &c->thresholds.max_offset_ns, error);
}

static bool parse_min_offset(Config *c, const ConfigKey *k, const char *value, GError **error) {
        return parse_int64_in_range(k, value, -OFFSET_NS_LIMIT, OFFSET_NS_LIMIT,
                                    &c->thresholds.min_offset_ns, error);
}

static bool parse_holdover_timeout(Config *c, const ConfigKey *k, const char *value, GError **error) {
        int64_t sec;

        if (!parse_int64_in_range(k, value, 1, HOLDOVER_TIMEOUT_SEC_MAX, &sec, error))
                return false;

        c->thresholds.holdover_timeout_usec = (uint64_t) sec * USEC_PER_SEC;
        return true;
}

static bool parse_unsigned(const ConfigKey *k, const char *value, int64_t min, int64_t max, unsigned *ret,
                           GError **error) {
        int64_t v;

        if (!parse_int64_in_range(k, value, min, max, &v, error))
                return false;
        *ret = (unsigned) v;
        return true;
}

static bool parse_subscriptions_per_uid(Config *c, const ConfigKey *k, const char *value, GError **error) {
        return parse_unsigned(k, value, 0, SUBSCRIPTIONS_PER_UID_MAX, &c->subscriptions_per_uid, error);
}

static bool parse_retain_events(Config *c, const ConfigKey *k, const char *value, GError **error) {
        return parse_unsigned(k, value, 1, RETAIN_EVENTS_MAX, &c->retain_events, error);
}

static const ConfigKey config_keys[] = {
        { "Daemon",     "NodeName",           parse_node_name        },
        { "Daemon",     "Source",             parse_source           },
        { "Daemon",     "StateDirectory",     parse_state_directory  },
        { "Thresholds", "MaxOffsetNs",        parse_max_offset       },
        { "Thresholds", "MinOffsetNs",        parse_min_offset       },
        { "Thresholds", "HoldoverTimeoutSec", parse_holdover_timeout },
        { "Quota",      "SubscriptionsPerUser", parse_subscriptions_per_uid },
        { "Store",      "RetainEvents",       parse_retain_events    },
};

static bool config_group_is_known(const char *group) {
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
                if (streq(config_keys[i].group, group))
                        return true;
        return false;
}

static const ConfigKey *config_key_find(const char *group, const char *key) {
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
                if (streq(config_keys[i].group, group) && streq(config_keys[i].key, key))
                        return &config_keys[i];
        return NULL;
}

static bool config_parse_group(Config *c, GKeyFile *kf, const char *group, GError **error) {
        g_auto(GStrv) keys = NULL;

        if (!config_group_is_known(group)) {
                g_autofree char *escaped = escape_for_message(group, MESSAGE_VALUE_MAX);

                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                            "Unknown group [%s]", escaped);
                return false;
        }

        keys = g_key_file_get_keys(kf, group, NULL, error);
        if (!keys)
                return false;

        /* A key given twice is listed twice, with the last value each time (GKeyFile keeps the last). */
        for (char **key = keys; *key; key++) {
                g_autoptr(GError) e = NULL;
                g_autofree char *value = NULL;
                const ConfigKey *k;

                k = config_key_find(group, *key);
                if (!k) {
                        g_autofree char *escaped = escape_for_message(*key, MESSAGE_VALUE_MAX);

                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                                    "Unknown key \"%s\" in group [%s]", escaped, group);
                        return false;
                }

                /* Undoes the \s, \n, ... escapes. On a bad one it sets an error but may still return a value. */
                value = g_key_file_get_string(kf, group, *key, &e);
                if (e) {
                        error_escape(e);
                        g_propagate_prefixed_error(error, TAKE_PTR(e), "Key \"%s\" in group [%s]: ", k->key, k->group);
                        return false;
                }

                if (!k->parse(c, k, value, error))
                        return false;
        }

        return true;
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

static size_t line_number(const char *data, const char *p) {
        size_t line = 1;

        for (; data < p; data++)
                if (*data == '\n')
                        line++;
        return line;
}

/* Refuses what is not a small text file before GKeyFile sees it, with an error saying where. */
static bool config_check_text(const char *data, size_t length, GError **error) {
        const char *bad = NULL;

        if (length > CONFIG_SIZE_MAX) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
                            "Configuration is larger than %d bytes", CONFIG_SIZE_MAX);
                return false;
        }

        /* Also stops at a NUL byte, which would cut a line short in GKeyFile. */
        if (length == 0 || g_utf8_validate_len(data, length, &bad))
                return true;

        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "Line %zu %s",
                    line_number(data, bad), *bad == '\0' ? "contains a NUL byte" : "is not valid UTF-8");
        return false;
}

/*
 * On success, the values set in the text replace those in c and the others stay. On error, c is
 * left exactly as it was (as config_init() made it, when it came from there): everything is
 * parsed into a copy, and the copy is swapped in only when all of it was good.
 */
bool config_load_from_data(Config *c, const char *data, size_t length, GError **error) {
        _cleanup_(config_done) Config tmp = {};
        g_autoptr(GKeyFile) kf = NULL;
        g_autoptr(GError) e = NULL;
        g_auto(GStrv) groups = NULL;
        Config old;

        g_return_val_if_fail(c, false);
        g_return_val_if_fail(data || length == 0, false);

        /* As with g_key_file_load_from_data(): (size_t) -1 means NUL-terminated. */
        if (length == SIZE_MAX)
                length = strlen(data);

        if (!config_check_text(data, length, error))
                return false;

        /* KEEP_TRANSLATIONS: otherwise GKeyFile silently drops "NodeName[de]=" unless the locale is de,
         * instead of it being reported as an unknown key. */
        kf = g_key_file_new();
        if (!g_key_file_load_from_data(kf, length > 0 ? data : "", length, G_KEY_FILE_KEEP_TRANSLATIONS, &e)) {
                error_escape(e);
                g_propagate_error(error, TAKE_PTR(e));
                return false;
        }

        config_copy(&tmp, c);

        groups = g_key_file_get_groups(kf, NULL);
        for (char **g = groups; *g; g++)
                if (!config_parse_group(&tmp, kf, *g, error))
                        return false;

        if (!config_check_thresholds(&tmp, error))
                return false;

        old = *c;
        *c = tmp;
        tmp = old; /* freed on return */
        return true;
}

static bool set_error_from_errno(GError **error, int e) {
        g_set_error_literal(error, G_FILE_ERROR, g_file_error_from_errno(e), g_strerror(e));
        return false;
}

/* Reads at most CONFIG_SIZE_MAX + 1 bytes: enough for config_load_from_data() to refuse a larger file. */
static bool read_file_bounded(const char *path, char **ret, size_t *ret_size, GError **error) {
        g_autoptr(GString) s = g_string_new(NULL);
        _cleanup_close_ int fd = -1;
        struct stat st;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 || fstat(fd, &st) < 0)
                return set_error_from_errno(error, errno);
        if (S_ISDIR(st.st_mode))
                return set_error_from_errno(error, EISDIR);

        while (s->len <= CONFIG_SIZE_MAX) {
                char buf[4096];
                ssize_t n;

                n = read(fd, buf, MIN(sizeof buf, (size_t) CONFIG_SIZE_MAX + 1 - s->len));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return set_error_from_errno(error, errno);
                if (n == 0)
                        break;

                g_string_append_len(s, buf, n);
        }

        *ret_size = s->len;
        *ret = g_string_free(TAKE_PTR(s), FALSE);
        return true;
}

bool config_load_from_file(Config *c, const char *path, bool must_exist, GError **error) {
        g_autoptr(GError) e = NULL;
        g_autofree char *data = NULL;
        size_t size = 0;

        g_return_val_if_fail(c, false);
        g_return_val_if_fail(path, false);

        if (!read_file_bounded(path, &data, &size, &e)) {
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
