/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "oran-uuid.h"

const uint8_t oran_uuid_namespace_url[16] = {
        0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
};

/* ptpsync's own namespace for publisher ids: 773f12fd-94a1-4cec-a629-f65623d707d3, made once at random. */
static const uint8_t publisher_namespace[16] = {
        0x77, 0x3f, 0x12, 0xfd, 0x94, 0xa1, 0x4c, 0xec, 0xa6, 0x29, 0xf6, 0x56, 0x23, 0xd7, 0x07, 0xd3,
};

char *oran_uuid_v5(const uint8_t namespace[16], const char *name) {
        g_autoptr(GChecksum) sha1 = g_checksum_new(G_CHECKSUM_SHA1);
        guint8 digest[20];
        gsize digest_len = sizeof(digest);

        g_return_val_if_fail(namespace, NULL);
        g_return_val_if_fail(name, NULL);

        g_checksum_update(sha1, namespace, 16);
        g_checksum_update(sha1, (const guchar *) name, (gssize) strlen(name));
        g_checksum_get_digest(sha1, digest, &digest_len);
        digest[6] = (guint8) ((digest[6] & 0x0f) | 0x50); /* version 5 */
        digest[8] = (guint8) ((digest[8] & 0x3f) | 0x80); /* the RFC variant */
        return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                               digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6],
                               digest[7], digest[8], digest[9], digest[10], digest[11], digest[12], digest[13],
                               digest[14], digest[15]);
}

char *oran_publisher_id(const char *node, const OranResourceKind *kind) {
        g_autofree char *address = NULL;

        g_return_val_if_fail(node, NULL);
        g_return_val_if_fail(kind, NULL);

        /* The daemon's (v2) spelling, so that v1 and v2 agree. */
        address = g_strconcat("/cluster/node/", node, kind->suffix, NULL);
        return oran_uuid_v5(publisher_namespace, address);
}
