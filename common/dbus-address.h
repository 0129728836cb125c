/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * D-Bus server addresses, as the D-Bus specification writes them
 *
 * What --bus= takes besides "system" and "session": checked for its syntax
 * before anything connects, so that a typo is a usage error that says what
 * is wrong rather than "Connection refused". Pure string work, no sd-bus.
 *
 *   addresses := address *( ";" address )
 *   address   := transport ":" [ key "=" value *( "," key "=" value ) ]
 *   transport := 1*( [a-z] [A-Z] [0-9] "-" "_" )
 *   key       := 1*( [a-z] [A-Z] [0-9] "-" "_" )
 *   value     := *( [-0-9A-Za-z_/.\*~] | "%" hex hex )
 *
 * A value may be empty only where the specification lets it be (never here:
 * an empty value is refused, as sd-bus refuses it).
 */
#pragma once

#include <stdbool.h>

#define DBUS_ADDRESS_MAX 4096

/*
 * On failure returns false and, when ret_reason is set, a static string
 * saying what is wrong: "is empty", "has no transport (TRANSPORT:KEY=VALUE)", ...
 */
bool dbus_address_is_valid(const char *s, const char **ret_reason);
