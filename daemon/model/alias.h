/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Clock aliases
 *
 * O-RAN consumers see a clock by the alias of its interface, as
 * cloud-event-proxy shows it: the port number is replaced by 'x', so that the
 * ports of one NIC share a name and consumers need not know which port is the
 * slave. ens5f0 -> ens5fx, enP2s2f0np0 -> enP2s2fx, ens5f1.100 -> ens5fx.100
 * (a VLAN suffix is kept), eth0 -> ethx, lo -> lo (no digits: unchanged).
 */
#pragma once

#include <stdbool.h>

/* A Linux interface name: 1..15 bytes, no '/', no white space, not "." or "..". */
bool interface_name_is_valid(const char *name);

/* Newly allocated (g_free). name must be valid. */
char *interface_alias(const char *name);
