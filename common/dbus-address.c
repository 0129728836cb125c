/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include "common/dbus-address.h"
#include "common/util.h"

static bool is_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_name_char(char c) {
        return is_alnum(c) || c == '-' || c == '_';
}

/* The bytes a value may hold unescaped ("optionally-escaped" in the specification). */
static bool is_value_char(char c) {
        return is_alnum(c) || (c != '\0' && strchr("-_/.\\*~", c));
}

/* One address, s up to (not including) end. */
static const char *check_address(const char *s, const char *end) {
        const char *p = s;

        while (p < end && is_name_char(*p))
                p++;
        if (p == end || *p != ':')
                return p == s || p == end ? "has no transport (expected TRANSPORT:KEY=VALUE,..., such as "
                                            "unix:path=/run/dbus/system_bus_socket)"
                                          : "has an invalid character in its transport name";
        if (p == s)
                return "has an empty transport name";
        p++;
        if (p == end)
                return "has a transport without any KEY=VALUE";

        for (;;) {
                const char *key = p;

                while (p < end && is_name_char(*p))
                        p++;
                if (p == key)
                        return "has an empty or invalid key (expected KEY=VALUE)";
                if (p == end || *p != '=')
                        return "has a key without '=' (expected KEY=VALUE)";
                p++;
                if (p == end || *p == ',')
                        return "has an empty value";
                while (p < end && *p != ',') {
                        if (*p == '%') {
                                if (end - p < 3 || !is_hex(p[1]) || !is_hex(p[2]))
                                        return "has a '%' not followed by two hex digits";
                                p += 3;
                        } else if (is_value_char(*p))
                                p++;
                        else
                                return "has a character in a value that must be %-escaped";
                }
                if (p == end)
                        return NULL;
                p++; /* ',' */
        }
}

bool dbus_address_is_valid(const char *s, const char **ret_reason) {
        const char *reason = NULL, *p;

        if (isempty(s))
                reason = "is empty";
        else if (strnlen(s, DBUS_ADDRESS_MAX + 1) > DBUS_ADDRESS_MAX)
                reason = "is too long";
        else
                for (p = s;;) {
                        const char *end = strchr(p, ';');

                        if (!end)
                                end = p + strlen(p);
                        reason = check_address(p, end);
                        if (reason || !*end)
                                break;
                        p = end + 1;
                        if (!*p) /* a trailing ';' is allowed */
                                break;
                }
        if (ret_reason)
                *ret_reason = reason;
        return !reason;
}
