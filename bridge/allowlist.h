/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where the bridge may POST events: an allowlist of endpoint hosts.
 *
 * Entries are host names (matched exactly, ASCII case-insensitively, in their
 * IDNA ASCII form; no wildcards; "localhost." is another name than
 * "localhost"), IPv4 and IPv6 addresses, and CIDRs ("10.0.0.0/8",
 * "fd00::/8"). Names are never resolved: a name is allowed by a name entry
 * only, an IP literal by an address or CIDR entry only.
 */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>

typedef struct Allowlist Allowlist;

/* The default: loopback only, "127.0.0.0/8", "::1/128", "localhost". NULL-terminated. */
extern const char *const allowlist_default[];

/*
 * An allowlist of entries (NULL-terminated; NULL or empty: nothing is allowed).
 * On a bad entry, NULL and an error (G_IO_ERROR_INVALID_ARGUMENT) naming it.
 */
Allowlist *allowlist_new(const char *const *entries, GError **error);
void allowlist_free(Allowlist *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Allowlist, allowlist_free)

/*
 * Whether uri's host is allowed: an IP literal (GUri gives IPv6 without
 * brackets; an IPv4-mapped IPv6 address is checked as the IPv4 address)
 * against the addresses and CIDRs, a name against the names. A host that is
 * neither (uri-host.h: "127.1", "a_b", ...) or no host is not allowed.
 */
bool allowlist_allows(const Allowlist *a, GUri *uri);
