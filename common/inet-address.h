/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A TCP address written HOST:PORT, as [GNSS] Gpsd= has it: HOST an IPv4
 * address, an IPv6 one in brackets, or "localhost" (127.0.0.1), and ":PORT"
 * optional. Numeric only: a daemon on an event loop cannot wait for a name
 * lookup, and a configuration check should not depend on DNS.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define INET_ADDRESS_ERROR_MAX 160

/*
 * Returns 0 and the address in *ret (*ret_len bytes of it), or -EINVAL with
 * what is wrong in error (error_size bytes), the input quoted and escaped.
 */
int inet_address_parse(const char *s, uint16_t default_port, struct sockaddr_storage *ret, socklen_t *ret_len,
                       char *error, size_t error_size);
