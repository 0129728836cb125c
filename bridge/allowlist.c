/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "allowlist.h"
#include "quote-value.h"
#include "uri-host.h"

struct Allowlist {
        GPtrArray *masks;  /* GInetAddressMask, IPv4-mapped IPv6 ones made IPv4 */
        GHashTable *names; /* ASCII, lower case */
};

const char *const allowlist_default[] = { "127.0.0.0/8", "::1/128", "localhost", NULL };

static bool bad_entry(const char *entry, const char *why, GError **error) {
        g_autofree char *q = quote_value(entry);

        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "allowlist entry %s: %s", q, why);
        return false;
}

/* "::ffff:10.0.0.0/104" is "10.0.0.0/8": a mapped host is checked as IPv4, so must its entry be. */
static GInetAddressMask *unmap_mask(GInetAddressMask *mask) {
        GInetAddress *addr = g_inet_address_mask_get_address(mask);
        guint length = g_inet_address_mask_get_length(mask);
        g_autoptr(GInetAddress) v4 = uri_host_unmap(addr);

        if (g_inet_address_get_family(v4) == g_inet_address_get_family(addr) || length < 96)
                return g_object_ref(mask);
        return g_inet_address_mask_new(v4, length - 96, NULL);
}

static bool add_cidr(Allowlist *a, const char *entry, const char *slash, GError **error) {
        g_autofree char *host = g_strndup(entry, (size_t) (slash - entry));
        g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(host);
        g_autoptr(GInetAddressMask) mask = NULL;
        g_autoptr(GError) e = NULL;
        const char *digits = slash + 1;
        size_t n = strlen(digits);
        guint64 length;

        if (!addr)
                return bad_entry(entry, "the part before '/' is not an IP address", error);
        /* GInetAddressMask would take " 8" or "+8" too. */
        if (n == 0 || n > 3 || strspn(digits, "0123456789") != n)
                return bad_entry(entry, "the prefix length after '/' is not a number of at most 3 digits", error);
        length = g_ascii_strtoull(digits, NULL, 10);
        if (length > g_inet_address_get_native_size(addr) * 8)
                return bad_entry(entry, g_inet_address_get_family(addr) == G_SOCKET_FAMILY_IPV4
                                 ? "the prefix length is more than 32" : "the prefix length is more than 128", error);
        mask = g_inet_address_mask_new(addr, (guint) length, &e);
        if (!mask)
                return bad_entry(entry, e->message, error); /* bits set beyond the prefix */
        g_ptr_array_add(a->masks, unmap_mask(mask));
        return true;
}

static bool add_entry(Allowlist *a, const char *entry, GError **error) {
        g_autoptr(GInetAddress) addr = NULL;
        g_autoptr(GError) e = NULL;
        g_autofree char *name = NULL;
        const char *slash;

        if (!entry || !*entry)
                return bad_entry(entry ? entry : "", "empty", error);
        if (!g_utf8_validate(entry, -1, NULL))
                return bad_entry(entry, "not valid UTF-8", error);
        if (strchr(entry, '*'))
                return bad_entry(entry, "wildcards are not supported; list each host name", error);
        if (entry[0] == '[')
                return bad_entry(entry, "write an IPv6 address without brackets", error);
        slash = strchr(entry, '/');
        if (slash)
                return add_cidr(a, entry, slash, error);

        if (!uri_host_parse(entry, &addr, &name, &e))
                return bad_entry(entry, e->message, error);
        if (addr)
                g_ptr_array_add(a->masks, g_inet_address_mask_new(addr, g_inet_address_get_native_size(addr) * 8, NULL));
        else
                g_hash_table_add(a->names, g_steal_pointer(&name));
        return true;
}

Allowlist *allowlist_new(const char *const *entries, GError **error) {
        g_autoptr(Allowlist) a = g_new0(Allowlist, 1);

        a->masks = g_ptr_array_new_with_free_func(g_object_unref);
        a->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        for (size_t i = 0; entries && entries[i]; i++)
                if (!add_entry(a, entries[i], error))
                        return NULL;
        return g_steal_pointer(&a);
}

void allowlist_free(Allowlist *a) {
        if (!a)
                return;
        g_clear_pointer(&a->masks, g_ptr_array_unref);
        g_clear_pointer(&a->names, g_hash_table_unref);
        g_free(a);
}

bool allowlist_allows(const Allowlist *a, GUri *uri) {
        g_autoptr(GInetAddress) addr = NULL;
        g_autofree char *name = NULL;

        g_return_val_if_fail(a, false);
        g_return_val_if_fail(uri, false);

        if (!uri_host_parse(g_uri_get_host(uri), &addr, &name, NULL))
                return false;
        if (name)
                return g_hash_table_contains(a->names, name);
        for (guint i = 0; i < a->masks->len; i++)
                if (g_inet_address_mask_matches(a->masks->pdata[i], addr))
                        return true;
        return false;
}
