/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the host of a URI is: an IP address or a DNS name, and nothing else.
 *
 * GUri hands the host out percent-decoded and, for an IDN, as IDNA ASCII
 * (punycode); an IPv6 address comes without its brackets. That is the name
 * libsoup will connect to, so it is what is judged here. glibc's resolver
 * reads "127.1", "2130706433", "0x7f000001" or "0177.0.0.1" as IPv4 numbers
 * (inet_aton), while GInetAddress does not: such a host is refused, neither
 * an address nor a name, as is anything that is not a letter-digit-hyphen
 * DNS name ("a_b", "a b", "a..b", a zone "fe80::1%eth0").
 */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>

/*
 * Classifies host. An address: true with *ret_address (an IPv4-mapped IPv6
 * address is given as the IPv4 address) and *ret_name NULL. A name: true with
 * *ret_name (ASCII, lower case, a trailing dot kept) and *ret_address NULL.
 * Otherwise false, with an error (G_IO_ERROR_INVALID_ARGUMENT) naming host.
 * Either ret_ may be NULL.
 */
bool uri_host_parse(const char *host, GInetAddress **ret_address, char **ret_name, GError **error);

/* addr as IPv4 if it is an IPv4-mapped IPv6 address (::ffff:a.b.c.d), else a new reference to addr. */
GInetAddress *uri_host_unmap(GInetAddress *addr);
