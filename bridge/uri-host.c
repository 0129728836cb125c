/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "quote-value.h"
#include "uri-host.h"

#define NAME_MAX_LEN  253
#define LABEL_MAX_LEN 63

GInetAddress *uri_host_unmap(GInetAddress *addr) {
        static const guint8 mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        const guint8 *bytes;

        if (g_inet_address_get_family(addr) != G_SOCKET_FAMILY_IPV6)
                return g_object_ref(addr);
        bytes = g_inet_address_to_bytes(addr);
        if (memcmp(bytes, mapped_prefix, sizeof(mapped_prefix)) != 0)
                return g_object_ref(addr);
        return g_inet_address_new_from_bytes(bytes + sizeof(mapped_prefix), G_SOCKET_FAMILY_IPV4);
}

/* A number as inet_aton() reads one part of an IPv4 address: decimal, octal (0...) or hex (0x...). */
static bool is_number_label(const char *label, size_t len) {
        size_t i = 0;

        if (len >= 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X')) {
                for (i = 2; i < len; i++)
                        if (!g_ascii_isxdigit(label[i]))
                                return false;
                return true;
        }
        for (; i < len; i++)
                if (!g_ascii_isdigit(label[i]))
                        return false;
        return len > 0;
}

static bool is_ldh_label(const char *label, size_t len) {
        if (len == 0 || len > LABEL_MAX_LEN || label[0] == '-' || label[len - 1] == '-')
                return false;
        for (size_t i = 0; i < len; i++)
                if (!g_ascii_isalnum(label[i]) && label[i] != '-')
                        return false;
        return true;
}

static bool invalid(const char *host, const char *why, GError **error) {
        g_autofree char *q = quote_value(host);

        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s %s", q, why);
        return false;
}

/* name: ASCII, lower case. Checks it as a DNS name, its trailing dot (if any) aside. */
static bool check_name(const char *host, const char *name, GError **error) {
        size_t len = strlen(name);
        const char *label, *last = name;

        if (len > 0 && name[len - 1] == '.')
                len--;
        if (len == 0)
                return invalid(host, "is not a host name", error);
        if (len > NAME_MAX_LEN)
                return invalid(host, "is longer than a host name may be (253 characters)", error);

        for (label = name; label < name + len;) {
                const char *dot = memchr(label, '.', (size_t) (name + len - label));
                size_t label_len = (size_t) ((dot ? dot : name + len) - label);

                if (!is_ldh_label(label, label_len))
                        return invalid(host, "is not a host name (letters, digits and '-' between dots, at most 63 "
                                             "in a row)", error);
                last = label;
                label += label_len + 1;
        }

        /* Every form inet_aton() reads as IPv4 ends in a number; no DNS name does (RFC 3696 2). */
        if (is_number_label(last, (size_t) (name + len - last)))
                return invalid(host, "looks like an IPv4 address in a form only some resolvers read (as 127.1 "
                                     "or 0x7f000001); write a dotted quad of decimals", error);
        return true;
}

bool uri_host_parse(const char *host, GInetAddress **ret_address, char **ret_name, GError **error) {
        g_autoptr(GInetAddress) addr = NULL;
        g_autofree char *ascii = NULL, *name = NULL;

        if (ret_address)
                *ret_address = NULL;
        if (ret_name)
                *ret_name = NULL;
        if (!host || !*host)
                return invalid(host ? host : "", "is empty: there is no host", error);
        if (!g_utf8_validate(host, -1, NULL))
                return invalid(host, "is not valid UTF-8", error);

        addr = g_inet_address_new_from_string(host);
        if (addr) {
                if (ret_address)
                        *ret_address = uri_host_unmap(addr);
                return true;
        }
        if (strchr(host, ':'))
                return invalid(host, "is not an IPv6 address (a zone such as %eth0 is not supported)", error);

        ascii = g_hostname_is_non_ascii(host) ? g_hostname_to_ascii(host) : g_strdup(host);
        if (!ascii)
                return invalid(host, "is not a valid internationalised host name", error);
        name = g_ascii_strdown(ascii, -1);
        if (!check_name(host, name, error))
                return false;
        if (ret_name)
                *ret_name = g_steal_pointer(&name);
        return true;
}
