/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <string.h>

#include "net-syntax.h"

/* INET6_ADDRSTRLEN and a prefix: longer is not an IP literal or a CIDR. */
#define CIDR_TEXT_MAX (INET6_ADDRSTRLEN + 4)

int ip_literal_family(const char *s, char **ret_canonical) {
        static const int families[] = { AF_INET, AF_INET6 };
        unsigned char addr[sizeof(struct in6_addr)];
        char text[INET6_ADDRSTRLEN];

        if (!s)
                return 0;

        for (size_t i = 0; i < G_N_ELEMENTS(families); i++) {
                if (inet_pton(families[i], s, addr) != 1)
                        continue;
                if (ret_canonical) {
                        if (!inet_ntop(families[i], addr, text, sizeof text))
                                return 0;
                        *ret_canonical = g_strdup(text);
                }
                return families[i];
        }
        return 0;
}

bool ip_literal_is_any(const char *canonical) {
        return canonical && (strcmp(canonical, "0.0.0.0") == 0 || strcmp(canonical, "::") == 0);
}

static bool label_is_valid(const char *label, size_t n) {
        if (n == 0 || n > HOST_LABEL_MAX_LEN || label[0] == '-' || label[n - 1] == '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!g_ascii_isalnum(label[i]) && label[i] != '-')
                        return false;
        return true;
}

static bool all_digits(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!g_ascii_isdigit(s[i]))
                        return false;
        return true;
}

bool host_name_is_valid(const char *s) {
        const char *label;
        size_t n;

        if (!s)
                return false;
        n = strnlen(s, HOST_NAME_MAX_LEN + 1);
        if (n == 0 || n > HOST_NAME_MAX_LEN)
                return false;

        for (label = s;;) {
                const char *dot = strchr(label, '.');
                size_t len = dot ? (size_t) (dot - label) : strlen(label);

                if (!label_is_valid(label, len))
                        return false;
                if (!dot)
                        return !all_digits(label, len);
                label = dot + 1;
        }
}

/* Whether the bits of addr (len bytes) past the first prefix bits are all 0. */
static bool host_bits_clear(const unsigned char *addr, size_t len, unsigned prefix) {
        for (size_t i = 0; i < len; i++) {
                unsigned keep = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;
                unsigned char mask = keep == 8 ? 0xff : (unsigned char) (0xff << (8 - keep));

                if (addr[i] & (unsigned char) ~mask)
                        return false;
        }
        return true;
}

static bool fail(const char **ret_reason, const char *reason) {
        if (ret_reason)
                *ret_reason = reason;
        return false;
}

static bool cidr_is_valid(const char *entry, const char *slash, const char **ret_reason) {
        unsigned char addr[sizeof(struct in6_addr)];
        char text[CIDR_TEXT_MAX + 1];
        const char *p = slash + 1;
        size_t n = (size_t) (slash - entry);
        unsigned prefix = 0, max;
        int family;

        if (n == 0 || n > CIDR_TEXT_MAX)
                return fail(ret_reason, "is not ADDRESS/PREFIX: the address is missing or too long");
        memcpy(text, entry, n);
        text[n] = '\0';

        family = ip_literal_family(text, NULL);
        if (family == 0)
                return fail(ret_reason, "is not ADDRESS/PREFIX: the part before '/' is not an IP address");
        max = family == AF_INET ? 32 : 128;

        if (!*p || strlen(p) > 3 || !all_digits(p, strlen(p)) || (p[0] == '0' && p[1]))
                return fail(ret_reason, "is not ADDRESS/PREFIX: the prefix length is not a decimal number");
        for (; *p; p++)
                prefix = prefix * 10 + (unsigned) (*p - '0');
        if (prefix > max)
                return fail(ret_reason, family == AF_INET ? "has a prefix length over 32" :
                                                            "has a prefix length over 128");

        (void) inet_pton(family, text, addr);
        if (!host_bits_clear(addr, family == AF_INET ? 4 : 16, prefix))
                return fail(ret_reason, "has host bits set beyond its prefix: write the network address "
                                        "(10.0.0.0/8, not 10.1.2.3/8)");
        return true;
}

bool allow_entry_is_valid(const char *entry, const char **ret_reason) {
        const char *slash;

        if (!entry || !*entry)
                return fail(ret_reason, "is empty");

        if (strstr(entry, "://"))
                return fail(ret_reason, "is a URI: write its host alone");
        slash = strchr(entry, '/');
        if (slash)
                return cidr_is_valid(entry, slash, ret_reason);

        if (ip_literal_family(entry, NULL) != 0 || host_name_is_valid(entry))
                return true;

        if (entry[0] == '[')
                return fail(ret_reason, "is in brackets: write an IPv6 address without them here (::1)");
        if (strchr(entry, ':'))
                return fail(ret_reason, "is not an IP address (a port does not belong here either)");
        return fail(ret_reason, "is not a host name, an IP address or ADDRESS/PREFIX");
}
