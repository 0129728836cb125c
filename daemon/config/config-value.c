/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>

#include "common/quote.h"
#include "model/alias.h"
#include "config/config-value.h"

bool config_invalid_value(
                GError **error, const char *group, const char *key, const char *value, const char *format, ...) {

        g_autofree char *why = NULL;
        va_list ap;

        va_start(ap, format);
        why = g_strdup_vprintf(format, ap);
        va_end(ap);

        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                    "Invalid value %s for key \"%s\" in group [%s]: %s", QUOTE(value), key, group, why);
        return false;
}

/*
 * Optional sign and decimal digits, nothing else: unlike strtoll() and g_key_file_get_int64(),
 * no white space, no base prefix, no trailing garbage such as "100ns".
 */
int config_parse_int64(const char *s, int64_t *ret) {
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

/* Hex digits and nothing else, as config_parse_int64() does decimal. */
int config_parse_hex_int64(const char *s, int64_t *ret) {
        bool overflow = false;
        int64_t m = 0;

        if (!*s)
                return -EINVAL;

        for (; *s; s++) {
                int d;

                d = g_ascii_xdigit_value(*s);
                if (d < 0)
                        return -EINVAL;

                if (m > (INT64_MAX - d) / 16)
                        overflow = true;
                else
                        m = m * 16 + d;
        }

        if (overflow)
                return -ERANGE;

        *ret = m;
        return 0;
}

bool config_parse_int64_in_range(
                const char *group, const char *key, const char *value, int64_t min, int64_t max, int64_t *ret,
                GError **error) {

        int64_t v = 0;
        int r;

        r = config_parse_int64(value, &v);
        if (r == -EINVAL)
                return config_invalid_value(error, group, key, value, "not a decimal integer");
        if (r < 0 || v < min || v > max)
                return config_invalid_value(error, group, key, value, "must be between %" PRId64 " and %" PRId64, min, max);

        *ret = v;
        return true;
}

bool config_parse_unsigned(const char *group, const char *key, const char *value, int64_t min, int64_t max,
                           unsigned *ret, GError **error) {
        int64_t v = 0;

        if (!config_parse_int64_in_range(group, key, value, min, max, &v, error))
                return false;
        *ret = (unsigned) v;
        return true;
}

/* why_max: what the bound is for, or NULL. */
bool config_parse_absolute_path(const char *group, const char *key, const char *value, size_t max,
                                const char *why_max, char **ret, GError **error) {
        if (value[0] != '/')
                return config_invalid_value(error, group, key, value, "must be an absolute path");
        if (strlen(value) > max)
                return config_invalid_value(error, group, key, value, "is longer than %zu bytes%s%s",
                                     max, why_max ? ": " : "", why_max ?: "");

        g_free(*ret);
        *ret = g_strdup(value);
        return true;
}

bool config_parse_interface_name(const char *group, const char *key, const char *value, char **ret,
                                 GError **error) {
        if (!interface_name_is_valid(value))
                return config_invalid_value(error, group, key, value,
                                     "must be an interface name: 1..%d characters of printable ASCII other than "
                                     "' ' and '/', not \".\" or \"..\"", IFNAMSIZ - 1);

        g_free(*ret);
        *ret = g_strdup(value);
        return true;
}

/* systemd's spellings of a boolean */
bool config_parse_boolean(const char *group, const char *key, const char *value, bool *ret, GError **error) {
        if (streq(value, "yes") || streq(value, "true") || streq(value, "on") || streq(value, "1"))
                *ret = true;
        else if (streq(value, "no") || streq(value, "false") || streq(value, "off") || streq(value, "0"))
                *ret = false;
        else
                return config_invalid_value(error, group, key, value, "must be a boolean (yes/no, true/false, on/off, 1/0)");
        return true;
}

/* Empty: unset, as when the key is not there. */
bool config_parse_optional_path(const char *group, const char *key, const char *value, char **ret, GError **error) {
        if (isempty(value)) {
                g_clear_pointer(ret, g_free);
                return true;
        }
        return config_parse_absolute_path(group, key, value, PATH_MAX - 1, NULL, ret, error);
}
