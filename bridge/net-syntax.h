/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The syntax of network names in the bridge's configuration: IP literals,
 * host names and the entries of [Endpoints] Allow=. Pure string work: nothing
 * here resolves a name or touches a socket.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/socket.h> /* AF_INET, AF_INET6 */

/* RFC 1123: a name of at most 253 characters, in labels of 1..63. */
#define HOST_NAME_MAX_LEN 253
#define HOST_LABEL_MAX_LEN 63

/*
 * The family (AF_INET or AF_INET6) of an IP literal written the strict way
 * inet_pton() reads it -- dotted decimal without leading zeros, or IPv6 text
 * without brackets or a scope -- or 0 when s is not one. *ret_canonical, when
 * given and s is one, is its canonical text ("::1" for "0:0::0001"; g_free).
 */
int ip_literal_family(const char *s, char **ret_canonical);

/* Whether canonical is the IPv4 or IPv6 unspecified address, 0.0.0.0 or ::. */
bool ip_literal_is_any(const char *canonical);

/*
 * A host name in RFC 1123 syntax: labels of 1..63 letters, digits and '-',
 * not starting or ending with '-', separated by single dots, 253 characters
 * in all, no trailing dot, and not all digits in its last label (then it is a
 * mistyped IPv4 address, not a name).
 */
bool host_name_is_valid(const char *s);

/*
 * An entry of [Endpoints] Allow=: a host name, an IP address, or a CIDR
 * ADDRESS/PREFIX (0..32 for IPv4, 0..128 for IPv6) without host bits set.
 * IPv6 is written without brackets here. On false, *ret_reason (when given)
 * says what is wrong, as a static string that reads after the entry:
 * "has host bits set beyond its prefix", ...
 *
 * This is the syntax check the configuration needs until the allowlist
 * (allowlist_new()) exists to do it; then it can take this one's place.
 */
bool allow_entry_is_valid(const char *entry, const char **ret_reason);
