/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Name-based UUIDs (RFC 9562 version 5: SHA-1), for ids that must stay the
 * same across restarts, such as a publisher's.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "oran-resource.h"

/* RFC 9562's namespace for names that are URLs, 6ba7b811-9dad-11d1-80b4-00c04fd430c8. */
extern const uint8_t oran_uuid_namespace_url[16];

/* The version 5 UUID of name in namespace, lower-case "xxxxxxxx-xxxx-5xxx-yxxx-xxxxxxxxxxxx" (g_free). */
char *oran_uuid_v5(const uint8_t namespace[16], const char *name);

/* The publisher id of kind on node: the same on every start, for v1 and v2 alike (g_free). */
char *oran_publisher_id(const char *node, const OranResourceKind *kind);
