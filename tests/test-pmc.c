/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PTP management messages against what ptp4l 3.1.1 really sends. The raw datagrams of the
 * probe (a port-state notification, and a GET of TIME_STATUS_NP checked against ptp4l) are
 * copied in as bytes, and so are PORT_PROPERTIES_NP and TIME_PROPERTIES_DATA_SET replies
 * captured from the project's lab (tests/ptp-lab.sh). For the pmc text outputs, which have no
 * raw form, a small encoder of the test's own builds the datagrams from the values in the text,
 * at the offsets of linuxptp's msg.h and tlv.h, independently of daemon/source/pmc.c; decoding
 * must give every value back.
 */

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>

#include "source/pmc.h"
#include "test-util.h"
#include "common/util.h"

/* ---- Raw samples, copied byte for byte ------------------------------------------------------- */

/* probe_notification_hex.txt, "send 120 bytes": the probe's SET SUBSCRIBE_EVENTS_NP,
 * identity 000000.0000.000000-24467 (0x5f93), seq 0, duration 30, NOTIFY_PORT_STATE. */
static const uint8_t sample_subscribe_request[] = {
        0x0d, 0x02, 0x00, 0x78, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5f, 0x93, 0x00, 0x00,
        0x04, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x01, 0x00,
        0x00, 0x01, 0x00, 0x44, 0xc0, 0x03, 0x00, 0x1e, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* "[mono 941.271] recv 120 bytes": ptp4l's RESPONSE to it, echoing duration and bitmask. */
static const uint8_t sample_subscribe_response[] = {
        0x0d, 0x02, 0x00, 0x78, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0xbb, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x04, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5f, 0x93, 0x00, 0x00, 0x02, 0x00,
        0x00, 0x01, 0x00, 0x44, 0xc0, 0x03, 0x00, 0x1e, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* "[mono 944.836] recv 80 bytes": the push when the master was killed, port 1 LISTENING. */
static const uint8_t sample_notification[] = {
        0x0d, 0x02, 0x00, 0x50, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0xbb, 0x01, 0x00, 0x01, 0x00, 0x00,
        0x04, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5f, 0x93, 0x01, 0x01, 0x02, 0x00,
        0x00, 0x01, 0x00, 0x1c, 0x20, 0x04, 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0xbb, 0x01, 0x00, 0x01,
        0x04, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xfe, 0x01, 0x00, 0x02,
};

/* Verified against ptp4l: GET TIME_STATUS_NP from 000000.0000.000000-11120, seq 0. */
static const uint8_t sample_get_time_status[] = {
        0x0d, 0x02, 0x00, 0x36, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2b, 0x70, 0x00, 0x00,
        0x04, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x02, 0xc0, 0x00,
};

/*
 * Captured from real ptp4l 3.1.1 in the project's lab (tests/ptp-lab.sh up --wait, master
 * 020000.fffe.00aa01 on <prefix>-m0, slave 020000.fffe.00bb01 on <prefix>-s0): what pmc 3.1.1
 * sent and received under strace -f -x -s 2000 -e trace=sendto,recvfrom, run as
 *   pmc -u -b 0 -d 0 -s <lab dir>/<role>.sock 'GET PORT_PROPERTIES_NP' 'GET TIME_PROPERTIES_DATA_SET'
 * (or just one of the two). The request's sourcePortIdentity is pmc's pid, which ptp4l echoes
 * as the target.
 */

/* pmc's GET PORT_PROPERTIES_NP (pid 13807): without data, as pmc_encode_get() writes it. */
static const uint8_t sample_get_port_properties_request[] = {
        0x0d, 0x02, 0x00, 0x36, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x35, 0xef, 0x00, 0x00,
        0x04, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x02, 0xc0, 0x04,
};

/* Lab prefix h1: the slave's reply, port 1 SLAVE, SOFTWARE, "h1-s0" (odd: no pad byte). 72 bytes. */
static const uint8_t sample_port_properties_slave[] = {
        0x0d, 0x02, 0x00, 0x48, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0xbb, 0x01, 0x00, 0x01, 0x00, 0x00,
        0x04, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x35, 0xef, 0x00, 0x00, 0x02, 0x00,
        0x00, 0x01, 0x00, 0x14, 0xc0, 0x04, 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0xbb, 0x01, 0x00, 0x01,
        0x09, 0x00, 0x05, 0x68, 0x31, 0x2d, 0x73, 0x30,
};

/* The master's (pid 13813): port 1 MASTER, SOFTWARE, "h1-m0". */
static const uint8_t sample_port_properties_master[] = {
        0x0d, 0x02, 0x00, 0x48, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0xaa, 0x01, 0x00, 0x01, 0x00, 0x00,
        0x04, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x35, 0xf5, 0x00, 0x00, 0x02, 0x00,
        0x00, 0x01, 0x00, 0x14, 0xc0, 0x04, 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0xaa, 0x01, 0x00, 0x01,
        0x06, 0x00, 0x05, 0x68, 0x31, 0x2d, 0x6d, 0x30,
};

/* Lab prefix h1p, up --no-lock, pid 14286: port 1 UNCALIBRATED, "h1p-s0" and the pad byte. 74 bytes. */
static const uint8_t sample_port_properties_uncalibrated_padded[] = {
        0x0d, 0x02, 0x00, 0x4a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0xbb, 0x01, 0x00, 0x01, 0x00, 0x00,
        0x04, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x37, 0xce, 0x00, 0x00, 0x02, 0x00,
        0x00, 0x01, 0x00, 0x16, 0xc0, 0x04, 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0xbb, 0x01, 0x00, 0x01,
        0x08, 0x00, 0x06, 0x68, 0x31, 0x70, 0x2d, 0x73, 0x30, 0x00,
};

/* The same lab's master (pid 14291): MASTER, "h1p-m0" and the pad byte. */
static const uint8_t sample_port_properties_master_padded[] = {
        0x0d, 0x02, 0x00, 0x4a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0xaa, 0x01, 0x00, 0x01, 0x00, 0x00,
        0x04, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x37, 0xd3, 0x00, 0x00, 0x02, 0x00,
        0x00, 0x01, 0x00, 0x16, 0xc0, 0x04, 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0xaa, 0x01, 0x00, 0x01,
        0x06, 0x00, 0x06, 0x68, 0x31, 0x70, 0x2d, 0x6d, 0x30, 0x00,
};

/* Lab h1, the slave, seq 1 (the second command): currentUtcOffset 37, no flags, timeSource 0xa0. */
static const uint8_t sample_time_properties_slave_arb[] = {
        0x0d, 0x02, 0x00, 0x3a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0xbb, 0x01, 0x00, 0x00, 0x00, 0x01,
        0x04, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x35, 0xef, 0x00, 0x00, 0x02, 0x00,
        0x00, 0x01, 0x00, 0x06, 0x20, 0x03, 0x00, 0x25, 0x00, 0xa0,
};

/* The slave again (pid 13935) after the master's SET GRANDMASTER_SETTINGS_NP currentUtcOffsetValid 1
 * ptpTimescale 1 timeTraceable 1 frequencyTraceable 1 timeSource 0x20: flags 0x3c, GPS. */
static const uint8_t sample_time_properties_slave_traceable[] = {
        0x0d, 0x02, 0x00, 0x3a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0xbb, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x04, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x36, 0x6f, 0x00, 0x00, 0x02, 0x00,
        0x00, 0x01, 0x00, 0x06, 0x20, 0x03, 0x00, 0x25, 0x3c, 0x20,
};

/* The master's own (pid 13969) with leap61 1 currentUtcOffsetValid 1 ptpTimescale 1: flags 0x0d. */
static const uint8_t sample_time_properties_master_leap61[] = {
        0x0d, 0x02, 0x00, 0x3a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0xaa, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x04, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x36, 0x91, 0x00, 0x00, 0x02, 0x00,
        0x00, 0x01, 0x00, 0x06, 0x20, 0x03, 0x00, 0x25, 0x0d, 0xa0,
};

/* The master's (pid 13975) with currentUtcOffset -5 leap59 1 currentUtcOffsetValid 1 ptpTimescale 1:
 * 0xfffb, flags 0x0e. */
static const uint8_t sample_time_properties_master_leap59[] = {
        0x0d, 0x02, 0x00, 0x3a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0xaa, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x04, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x36, 0x97, 0x00, 0x00, 0x02, 0x00,
        0x00, 0x01, 0x00, 0x06, 0x20, 0x03, 0xff, 0xfb, 0x0e, 0xa0,
};

/* ---- The test's own encoder of responses (linuxptp's msg.h, tlv.h) ---------------------------- */

/* The lab's clocks: the slave, and the grandmaster (tests/ptp-lab.sh). */
#define BB "020000.fffe.00bb01"
#define AA "020000.fffe.00aa01"

/* Whom the responses built here are addressed to, as pmc would be. */
#define CLIENT "000000.0000.000000-4242"

typedef struct Builder {
        uint8_t buf[PMC_MESSAGE_MAX + 64];
        size_t n;
} Builder;

static void b_u8(Builder *b, uint8_t v) {
        if (b->n >= sizeof(b->buf))
                g_error("Builder full");
        b->buf[b->n++] = v;
}

static void b_u16(Builder *b, uint16_t v) {
        b_u8(b, v >> 8);
        b_u8(b, v & 0xff);
}

static void b_u32(Builder *b, uint32_t v) {
        b_u16(b, v >> 16);
        b_u16(b, v & 0xffff);
}

static void b_u64(Builder *b, uint64_t v) {
        b_u32(b, v >> 32);
        b_u32(b, v & 0xffffffff);
}

static void b_bytes(Builder *b, const void *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                b_u8(b, ((const uint8_t *) p)[i]);
}

static void b_zeros(Builder *b, size_t n) {
        for (size_t i = 0; i < n; i++)
                b_u8(b, 0);
}

/* "020000.fffe.00bb01", parsed here rather than with the module's parser. */
static void b_clock(Builder *b, const char *s) {
        uint8_t id[8];
        char end;

        g_assert_cmpint(sscanf(s, "%2hhx%2hhx%2hhx.%2hhx%2hhx.%2hhx%2hhx%2hhx%c",
                               &id[0], &id[1], &id[2], &id[3], &id[4], &id[5], &id[6], &id[7], &end), ==, 8);
        b_bytes(b, id, sizeof(id));
}

/* "020000.fffe.00bb01-1" */
static void b_port(Builder *b, const char *s) {
        const char *dash = strchr(s, '-');
        g_autofree char *clock = NULL;

        g_assert_nonnull(dash);
        clock = g_strndup(s, dash - s);
        b_clock(b, clock);
        b_u16(b, (uint16_t) g_ascii_strtoull(dash + 1, NULL, 10));
}

static void set_u16(Builder *b, size_t offset, uint16_t v) {
        g_assert_cmpuint(offset + 2, <=, b->n);
        b->buf[offset] = v >> 8;
        b->buf[offset + 1] = v & 0xff;
}

/* A RESPONSE from source with one TLV: type, then word (managementId or managementErrorId), then data. */
static void build_tlv_message(Builder *b, const char *source, uint16_t seq, uint16_t tlv_type, uint16_t word,
                              const Builder *data) {
        b->n = 0;
        b_u8(b, 0x0d);                       /*  0 transportSpecific 0 | messageType MANAGEMENT */
        b_u8(b, 0x02);                       /*  1 versionPTP */
        b_u16(b, (uint16_t) (54 + data->n)); /*  2 messageLength: the whole datagram */
        b_u8(b, 0);                          /*  4 domainNumber */
        b_zeros(b, 1 + 2 + 8 + 4);           /*  5 reserved, flagField, correctionField, reserved */
        b_port(b, source);                   /* 20 sourcePortIdentity */
        b_u16(b, seq);                       /* 30 sequenceId */
        b_u8(b, 0x04);                       /* 32 controlField */
        b_u8(b, 0x7f);                       /* 33 logMessageInterval */
        b_port(b, CLIENT);                   /* 34 targetPortIdentity: the requester */
        b_u8(b, 0);                          /* 44 startingBoundaryHops */
        b_u8(b, 0);                          /* 45 boundaryHops */
        b_u8(b, 0x02);                       /* 46 actionField RESPONSE */
        b_u8(b, 0);                          /* 47 reserved */
        b_u16(b, tlv_type);                  /* 48 tlvType */
        b_u16(b, (uint16_t) (2 + data->n));  /* 50 lengthField */
        b_u16(b, word);                      /* 52 */
        b_bytes(b, data->buf, data->n);      /* 54 */
}

static void build_response(Builder *b, const char *source, uint16_t seq, uint16_t id, const Builder *data) {
        build_tlv_message(b, source, seq, 0x0001, id, data);
}

/* Decodes an exactly sized heap copy, so that ASan sees any read past the end. */
static PmcError decode(const uint8_t *buf, size_t n, PmcMessage *ret) {
        _cleanup_free_ uint8_t *copy = malloc(n ?: 1);

        g_assert_nonnull(copy);
        if (n > 0)
                memcpy(copy, buf, n);
        return pmc_decode(copy, n, ret);
}

static void decode_ok(const uint8_t *buf, size_t n, PmcMessage *ret) {
        PmcError e = decode(buf, n, ret);

        if (e != PMC_OK)
                g_error("decode failed: %s", pmc_error_to_string(e));
}

static void assert_clock(const PmcClockIdentity *c, const char *expected) {
        char s[PMC_CLOCK_IDENTITY_STRING_MAX];

        g_assert_cmpstr(pmc_clock_identity_to_string(c, s), ==, expected);
}

static void assert_port(const PmcPortIdentity *p, const char *expected) {
        char s[PMC_PORT_IDENTITY_STRING_MAX];

        g_assert_cmpstr(pmc_port_identity_to_string(p, s), ==, expected);
}

/* The header of a response built by build_tlv_message(). */
static void assert_response_header(const PmcMessage *m, const char *source, uint16_t seq, size_t length) {
        g_assert_cmpuint(m->header.transport_specific, ==, 0);
        g_assert_cmpuint(m->header.version, ==, 2);
        g_assert_cmpuint(m->header.message_length, ==, length);
        g_assert_cmpuint(m->header.domain_number, ==, 0);
        g_assert_cmpuint(m->header.flags, ==, 0);
        assert_port(&m->header.source, source);
        g_assert_cmpuint(m->header.sequence_id, ==, seq);
        assert_port(&m->header.target, CLIENT);
        g_assert_cmpuint(m->header.starting_boundary_hops, ==, 0);
        g_assert_cmpuint(m->header.boundary_hops, ==, 0);
        g_assert_cmpint(m->header.action, ==, PMC_ACTION_RESPONSE);
}

/*
 * Every proper prefix of a valid message must be refused, three ways: as cut (messageLength then
 * disagrees), with messageLength fixed up (the TLV then runs past the end), and with the TLV's
 * length fixed up too (the data set is then short). Which error comes out is fixed by the length.
 */
static void check_truncations(const uint8_t *msg, size_t n, PmcError data_short) {
        /* A MANAGEMENT TLV needs 2 bytes for its id; an error status is short until its 8. */
        PmcError no_id = data_short == PMC_ERROR_ERROR_STATUS_SHORT ? data_short : PMC_ERROR_NO_ID;

        for (size_t k = 0; k < n; k++) {
                Builder b = { .n = k };
                PmcMessage m;

                memcpy(b.buf, msg, k);
                g_assert_cmpint(decode(b.buf, k, &m), ==,
                                k < 34 ? PMC_ERROR_SHORT_HEADER : PMC_ERROR_LENGTH_MISMATCH);
                if (k < 4)
                        continue;

                set_u16(&b, 2, (uint16_t) k);
                g_assert_cmpint(decode(b.buf, k, &m), ==,
                                k < 34 ? PMC_ERROR_SHORT_HEADER :
                                k < 48 ? PMC_ERROR_SHORT_MANAGEMENT :
                                k < 52 ? PMC_ERROR_NO_TLV :
                                PMC_ERROR_TLV_PAST_END);
                if (k < 52)
                        continue;

                set_u16(&b, 50, (uint16_t) (k - 52));
                g_assert_cmpint(decode(b.buf, k, &m), ==,
                                k % 2 != 0 ? PMC_ERROR_TLV_ODD :
                                k < 54 ? no_id :
                                data_short);
        }
}

/* ---- Decoding the raw samples ---------------------------------------------------------------- */

static void test_sample_notification(void) {
        const PmcPortDataSet *p;
        PmcMessage m;

        decode_ok(sample_notification, sizeof(sample_notification), &m);

        /* "recv: len=80(msgLength=80) dom=0 src=020000.fffe.00bb01-1 seq=0
         *  target=000000.0000.000000-24467 sbh=1 bh=1 action=RESPONSE tlvType=0x0001 tlvLen=28" */
        g_assert_cmpuint(m.header.transport_specific, ==, 0);
        g_assert_cmpuint(m.header.version, ==, 2);
        g_assert_cmpuint(m.header.message_length, ==, 80);
        g_assert_cmpuint(m.header.domain_number, ==, 0);
        g_assert_cmpuint(m.header.flags, ==, 0);
        assert_port(&m.header.source, "020000.fffe.00bb01-1");
        g_assert_cmpuint(m.header.sequence_id, ==, 0);
        assert_port(&m.header.target, "000000.0000.000000-24467");
        g_assert_cmpuint(m.header.starting_boundary_hops, ==, 1);
        g_assert_cmpuint(m.header.boundary_hops, ==, 1);
        g_assert_cmpint(m.header.action, ==, PMC_ACTION_RESPONSE);
        g_assert_cmpint(m.tlv_type, ==, PMC_TLV_MANAGEMENT);

        /* "MANAGEMENT id=0x2004 PORT_DATA_SET portIdentity=020000.fffe.00bb01-1 portState=4(LISTENING)
         *  logMinDelayReqInterval=-2 peerMeanPathDelay=0(ns<<16) logAnnounceInterval=0
         *  announceReceiptTimeout=3 logSyncInterval=-2 delayMechanism=1 logMinPdelayReqInterval=0
         *  versionNumber=2" */
        g_assert_cmpuint(m.id, ==, 0x2004);
        g_assert_cmpuint(m.id, ==, PMC_ID_PORT_DATA_SET);
        p = &m.port_data_set;
        assert_port(&p->port_identity, "020000.fffe.00bb01-1");
        g_assert_cmpint(p->port_state, ==, 4);
        g_assert_cmpstr(pmc_port_state_to_string(p->port_state), ==, "LISTENING");
        g_assert_cmpint(p->log_min_delay_req_interval, ==, -2);
        g_assert_cmpint(p->peer_mean_path_delay, ==, 0);
        g_assert_cmpint(p->log_announce_interval, ==, 0);
        g_assert_cmpuint(p->announce_receipt_timeout, ==, 3);
        g_assert_cmpint(p->log_sync_interval, ==, -2);
        g_assert_cmpuint(p->delay_mechanism, ==, 1);
        g_assert_cmpint(p->log_min_pdelay_req_interval, ==, 0);
        g_assert_cmpuint(p->version_number, ==, 2);

        check_truncations(sample_notification, sizeof(sample_notification), PMC_ERROR_PORT_DATA_SET_SHORT);
}

static void test_sample_subscribe_response(void) {
        PmcMessage m;

        decode_ok(sample_subscribe_response, sizeof(sample_subscribe_response), &m);

        /* "recv: len=120(msgLength=120) dom=0 src=020000.fffe.00bb01-0 seq=0
         *  target=000000.0000.000000-24467 sbh=0 bh=0 action=RESPONSE tlvType=0x0001 tlvLen=68" */
        g_assert_cmpuint(m.header.message_length, ==, 120);
        g_assert_cmpuint(m.header.domain_number, ==, 0);
        assert_port(&m.header.source, "020000.fffe.00bb01-0");
        g_assert_cmpuint(m.header.sequence_id, ==, 0);
        assert_port(&m.header.target, "000000.0000.000000-24467");
        g_assert_cmpuint(m.header.starting_boundary_hops, ==, 0);
        g_assert_cmpuint(m.header.boundary_hops, ==, 0);
        g_assert_cmpint(m.header.action, ==, PMC_ACTION_RESPONSE);
        g_assert_cmpint(m.tlv_type, ==, PMC_TLV_MANAGEMENT);

        /* "MANAGEMENT id=0xc003 SUBSCRIBE_EVENTS_NP duration=30 s bitmask[0]=0x01" */
        g_assert_cmpuint(m.id, ==, PMC_ID_SUBSCRIBE_EVENTS_NP);
        g_assert_cmpuint(m.subscribe_events.duration_sec, ==, 30);
        g_assert_cmpuint(m.subscribe_events.bitmask[0], ==, 0x01);
        for (size_t i = 1; i < PMC_EVENT_BITMASK_SIZE; i++)
                g_assert_cmpuint(m.subscribe_events.bitmask[i], ==, 0);
        g_assert_true(pmc_subscribe_events_has(&m.subscribe_events, PMC_EVENT_PORT_STATE));
        g_assert_false(pmc_subscribe_events_has(&m.subscribe_events, PMC_EVENT_TIME_SYNC));

        check_truncations(sample_subscribe_response, sizeof(sample_subscribe_response),
                          PMC_ERROR_SUBSCRIBE_EVENTS_NP_SHORT);
}

/* Our own requests are no replies: a client that hears itself (or another client) ignores it. */
static void test_sample_requests_refused(void) {
        PmcMessage m;

        g_assert_cmpint(decode(sample_subscribe_request, sizeof(sample_subscribe_request), &m), ==,
                        PMC_ERROR_NOT_RESPONSE);
        g_assert_cmpint(m.header.action, ==, PMC_ACTION_SET);
        g_assert_cmpint(decode(sample_get_time_status, sizeof(sample_get_time_status), &m), ==,
                        PMC_ERROR_NOT_RESPONSE);
        g_assert_cmpint(m.header.action, ==, PMC_ACTION_GET);
}

/* ---- PORT_PROPERTIES_NP and TIME_PROPERTIES_DATA_SET, captured from the lab ------------------ */

typedef struct PortPropertiesSample {
        const char *name;
        const uint8_t *bytes;
        size_t size;
        const char *source; /* the reply's, and the data set's portIdentity */
        uint16_t seq;
        const char *target; /* pmc's pid */
        PmcPortState state;
        const char *state_name, *interface;
} PortPropertiesSample;

#define SAMPLE(s) sample_##s, sizeof(sample_##s)

static const PortPropertiesSample port_properties_samples[] = {
        /* "portState SLAVE, timestamping SOFTWARE, interface h1-s0", and so on. */
        { "slave", SAMPLE(port_properties_slave), BB "-1", 0, "000000.0000.000000-13807",
          PMC_PORT_STATE_SLAVE, "SLAVE", "h1-s0" },
        { "master", SAMPLE(port_properties_master), AA "-1", 0, "000000.0000.000000-13813",
          PMC_PORT_STATE_MASTER, "MASTER", "h1-m0" },
        { "uncalibrated-padded", SAMPLE(port_properties_uncalibrated_padded), BB "-1", 0,
          "000000.0000.000000-14286", PMC_PORT_STATE_UNCALIBRATED, "UNCALIBRATED", "h1p-s0" },
        { "master-padded", SAMPLE(port_properties_master_padded), AA "-1", 0, "000000.0000.000000-14291",
          PMC_PORT_STATE_MASTER, "MASTER", "h1p-m0" },
};

static void test_sample_port_properties(const void *data) {
        const PortPropertiesSample *c = data;
        const PmcPortProperties *p;
        size_t length = strlen(c->interface);
        PmcMessage m;

        decode_ok(c->bytes, c->size, &m);

        g_assert_cmpuint(m.header.transport_specific, ==, 0);
        g_assert_cmpuint(m.header.version, ==, 2);
        g_assert_cmpuint(m.header.message_length, ==, c->size);
        g_assert_cmpuint(m.header.domain_number, ==, 0);
        g_assert_cmpuint(m.header.flags, ==, 0);
        assert_port(&m.header.source, c->source);
        g_assert_cmpuint(m.header.sequence_id, ==, c->seq);
        assert_port(&m.header.target, c->target);
        g_assert_cmpuint(m.header.starting_boundary_hops, ==, 0);
        g_assert_cmpuint(m.header.boundary_hops, ==, 0);
        g_assert_cmpint(m.header.action, ==, PMC_ACTION_RESPONSE);
        g_assert_cmpint(m.tlv_type, ==, PMC_TLV_MANAGEMENT);
        g_assert_cmpuint(m.id, ==, 0xC004);
        g_assert_cmpuint(m.id, ==, PMC_ID_PORT_PROPERTIES_NP);

        /* 13 bytes, the text, and one pad byte exactly when the text's length is even. */
        g_assert_cmpuint(c->size, ==, 54 + 13 + length + (length % 2 == 0));
        p = &m.port_properties;
        assert_port(&p->port_identity, c->source);
        g_assert_cmpint(p->port_state, ==, c->state);
        g_assert_cmpstr(pmc_port_state_to_string(p->port_state), ==, c->state_name);
        g_assert_cmpint(p->timestamping, ==, PMC_TIMESTAMPING_SOFTWARE);
        g_assert_cmpstr(pmc_timestamping_to_string(p->timestamping), ==, "SOFTWARE");
        g_assert_cmpstr(p->interface, ==, c->interface);
        /* Zeros after the NUL too: two decodes compare with memcmp(). */
        for (size_t i = length; i < sizeof(p->interface); i++)
                g_assert_cmpint(p->interface[i], ==, 0);

        check_truncations(c->bytes, c->size, PMC_ERROR_PORT_PROPERTIES_NP_SHORT);
}

/* The pad byte is not looked at, like any reserved byte. */
static void test_port_properties_pad_ignored(void) {
        Builder b = { .n = sizeof(sample_port_properties_uncalibrated_padded) };
        PmcMessage m, expected;

        memcpy(b.buf, sample_port_properties_uncalibrated_padded, b.n);
        decode_ok(b.buf, b.n, &expected);
        b.buf[b.n - 1] = 0xff;
        decode_ok(b.buf, b.n, &m);
        g_assert_cmpmem(&m, sizeof(m), &expected, sizeof(expected));
}

typedef struct TimePropertiesSample {
        const char *name;
        const uint8_t *bytes;
        size_t size;
        const char *source, *target;
        uint16_t seq;
        int16_t current_utc_offset;
        bool leap61, leap59, current_utc_offset_valid, ptp_timescale, time_traceable, frequency_traceable;
        uint8_t time_source;
} TimePropertiesSample;

static const TimePropertiesSample time_properties_samples[] = {
        /* pmc: "currentUtcOffset 37, leap61 0, leap59 0, currentUtcOffsetValid 0, ptpTimescale 0,
         * timeTraceable 0, frequencyTraceable 0, timeSource 0xa0", and so on. */
        { "slave-arb", SAMPLE(time_properties_slave_arb), BB "-0", "000000.0000.000000-13807", 1,
          37, false, false, false, false, false, false, 0xa0 },
        { "slave-traceable", SAMPLE(time_properties_slave_traceable), BB "-0", "000000.0000.000000-13935", 0,
          37, false, false, true, true, true, true, 0x20 },
        { "master-leap61", SAMPLE(time_properties_master_leap61), AA "-0", "000000.0000.000000-13969", 0,
          37, true, false, true, true, false, false, 0xa0 },
        { "master-leap59", SAMPLE(time_properties_master_leap59), AA "-0", "000000.0000.000000-13975", 0,
          -5, false, true, true, true, false, false, 0xa0 },
};

static void assert_time_properties(const PmcTimePropertiesDataSet *t, const TimePropertiesSample *c) {
        g_assert_cmpint(t->current_utc_offset, ==, c->current_utc_offset);
        g_assert_cmpint(t->leap61, ==, c->leap61);
        g_assert_cmpint(t->leap59, ==, c->leap59);
        g_assert_cmpint(t->current_utc_offset_valid, ==, c->current_utc_offset_valid);
        g_assert_cmpint(t->ptp_timescale, ==, c->ptp_timescale);
        g_assert_cmpint(t->time_traceable, ==, c->time_traceable);
        g_assert_cmpint(t->frequency_traceable, ==, c->frequency_traceable);
        g_assert_cmpuint(t->time_source, ==, c->time_source);
}

static void test_sample_time_properties(const void *data) {
        const TimePropertiesSample *c = data;
        PmcMessage m;

        decode_ok(c->bytes, c->size, &m);

        g_assert_cmpuint(c->size, ==, 58);
        g_assert_cmpuint(m.header.transport_specific, ==, 0);
        g_assert_cmpuint(m.header.version, ==, 2);
        g_assert_cmpuint(m.header.message_length, ==, 58);
        g_assert_cmpuint(m.header.domain_number, ==, 0);
        g_assert_cmpuint(m.header.flags, ==, 0);
        assert_port(&m.header.source, c->source);
        g_assert_cmpuint(m.header.sequence_id, ==, c->seq);
        assert_port(&m.header.target, c->target);
        g_assert_cmpuint(m.header.starting_boundary_hops, ==, 0);
        g_assert_cmpuint(m.header.boundary_hops, ==, 0);
        g_assert_cmpint(m.header.action, ==, PMC_ACTION_RESPONSE);
        g_assert_cmpint(m.tlv_type, ==, PMC_TLV_MANAGEMENT);
        g_assert_cmpuint(m.id, ==, 0x2003);
        g_assert_cmpuint(m.id, ==, PMC_ID_TIME_PROPERTIES_DATA_SET);
        assert_time_properties(&m.time_properties_data_set, c);

        check_truncations(c->bytes, c->size, PMC_ERROR_TIME_PROPERTIES_DATA_SET_SHORT);
}

/* ---- The pmc text outputs -------------------------------------------------------------------- */

typedef struct TimeStatusCase {
        const char *sample, *source;
        uint16_t seq;
        int64_t master_offset, ingress_time;
        int32_t cumulative_scaled_rate_offset, scaled_last_gm_phase_change;
        uint16_t gm_time_base_indicator;
        uint16_t lgpc_msb;
        uint64_t lgpc_lsb;
        uint16_t lgpc_frac;
        int32_t gm_present; /* as on the wire */
        const char *gm_identity;
} TimeStatusCase;

static const TimeStatusCase time_status_cases[] = {
        { "pmc_slave_locked", BB "-0", 0, 343, INT64_C(1795282616992836911), 0, 0, 0, 0, 0, 0, 1, AA },
        { "pmc_slave_master_lost", BB "-0", 0, 22, 0, 0, 0, 0, 0, 0, 0, 1, AA },
        { "pmc_slave_link_down", BB "-0", 0, 902, 0, 0, 0, 0, 0, 0, 0, 0, BB },
        { "pmc_master", AA "-0", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, AA },
        /* Not from a sample: signs and every byte of the wide fields told apart. */
        { "synthetic", BB "-0", 65535, -61, INT64_MIN + 1, -123456789, -2, 0xa1b2, 0x0102,
          UINT64_C(0x0304050607080910), 0x1112, 7, "a1b2c3.d4e5.f60718" },
        /* gmPresent is "nonzero", whatever the sign. */
        { "synthetic", BB "-0", 1, INT64_MAX, INT64_MAX, INT32_MAX, INT32_MIN, 0xffff, 0xffff,
          UINT64_MAX, 0xffff, -1, "ffffff.ffff.ffffff" },
};

static void test_time_status(const void *data) {
        const TimeStatusCase *c = data;
        const PmcTimeStatus *t;
        Builder d = {}, b;
        PmcMessage m;

        b_u64(&d, (uint64_t) c->master_offset);                 /*  0 master_offset */
        b_u64(&d, (uint64_t) c->ingress_time);                  /*  8 ingress_time */
        b_u32(&d, (uint32_t) c->cumulative_scaled_rate_offset); /* 16 cumulativeScaledRateOffset */
        b_u32(&d, (uint32_t) c->scaled_last_gm_phase_change);   /* 20 scaledLastGmPhaseChange */
        b_u16(&d, c->gm_time_base_indicator);                   /* 24 gmTimeBaseIndicator */
        b_u16(&d, c->lgpc_msb);                                 /* 26 lastGmPhaseChange */
        b_u64(&d, c->lgpc_lsb);
        b_u16(&d, c->lgpc_frac);
        b_u32(&d, (uint32_t) c->gm_present);                    /* 38 gmPresent */
        b_clock(&d, c->gm_identity);                            /* 42 gmIdentity */
        g_assert_cmpuint(d.n, ==, 50);
        build_response(&b, c->source, c->seq, 0xC000, &d);
        g_assert_cmpuint(b.n, ==, 104); /* "Reply (104 bytes)" */

        decode_ok(b.buf, b.n, &m);
        assert_response_header(&m, c->source, c->seq, 104);
        g_assert_cmpint(m.tlv_type, ==, PMC_TLV_MANAGEMENT);
        g_assert_cmpuint(m.id, ==, PMC_ID_TIME_STATUS_NP);
        t = &m.time_status;
        g_assert_cmpint(t->master_offset_ns, ==, c->master_offset);
        g_assert_cmpint(t->ingress_time_ns, ==, c->ingress_time);
        g_assert_cmpint(t->cumulative_scaled_rate_offset, ==, c->cumulative_scaled_rate_offset);
        g_assert_cmpint(t->scaled_last_gm_phase_change, ==, c->scaled_last_gm_phase_change);
        g_assert_cmpuint(t->gm_time_base_indicator, ==, c->gm_time_base_indicator);
        g_assert_cmpuint(t->last_gm_phase_change.nanoseconds_msb, ==, c->lgpc_msb);
        g_assert_cmpuint(t->last_gm_phase_change.nanoseconds_lsb, ==, c->lgpc_lsb);
        g_assert_cmpuint(t->last_gm_phase_change.fractional_nanoseconds, ==, c->lgpc_frac);
        g_assert_cmpint(t->gm_present, ==, c->gm_present != 0);
        assert_clock(&t->gm_identity, c->gm_identity);

        check_truncations(b.buf, b.n, PMC_ERROR_TIME_STATUS_NP_SHORT);
}

typedef struct PortDataSetCase {
        const char *sample, *source;
        uint16_t seq;
        const char *port_identity, *port_state;
        uint8_t state_byte; /* IEEE 1588's number for port_state (linuxptp's enum port_state) */
        int8_t log_min_delay_req_interval;
        int64_t peer_mean_path_delay;
        int8_t log_announce_interval;
        uint8_t announce_receipt_timeout;
        int8_t log_sync_interval;
        uint8_t delay_mechanism;
        int8_t log_min_pdelay_req_interval;
        uint8_t version_byte; /* on the wire */
        uint8_t version_number;
} PortDataSetCase;

static const PortDataSetCase port_data_set_cases[] = {
        { "pmc_slave_locked", BB "-1", 1, BB "-1", "SLAVE", 9,
          -2, 0, 0, 3, -2, 1, 0, 2, 2 },
        { "pmc_slave_master_lost", BB "-1", 1, BB "-1", "LISTENING", 4,
          -2, 0, 0, 3, -2, 1, 0, 2, 2 },
        { "pmc_slave_link_down", BB "-1", 1, BB "-1", "FAULTY", 2,
          -2, 0, 0, 3, -2, 1, 0, 2, 2 },
        { "pmc_master", AA "-1", 1, AA "-1", "MASTER", 6,
          -2, 0, 0, 3, -2, 1, 0, 2, 2 },
        /* Not from a sample: the other states, wide and signed values, a reserved upper nibble. */
        { "synthetic", "0a0b0c.0d0e.0f1011-2", 7, "0a0b0c.0d0e.0f1011-2", "UNCALIBRATED", 8,
          -128, INT64_C(2481) << 16, 127, 255, -7, 2, -3, 0x12, 2 },
        { "synthetic", BB "-65535", 2, BB "-65535", "INITIALIZING", 1,
          0, -1, 1, 1, 1, 0xfe, 1, 2, 2 },
        { "synthetic", BB "-3", 3, BB "-3", "DISABLED", 3, 0, 0, 0, 0, 0, 1, 0, 2, 2 },
        { "synthetic", BB "-3", 3, BB "-3", "PRE_MASTER", 5, 0, 0, 0, 0, 0, 1, 0, 2, 2 },
        { "synthetic", BB "-3", 3, BB "-3", "PASSIVE", 7, 0, 0, 0, 0, 0, 1, 0, 2, 2 },
};

static void test_port_data_set(const void *data) {
        const PortDataSetCase *c = data;
        const PmcPortDataSet *p;
        Builder d = {}, b;
        PmcMessage m;

        b_port(&d, c->port_identity);                       /*  0 portIdentity */
        b_u8(&d, c->state_byte);                            /* 10 portState */
        b_u8(&d, (uint8_t) c->log_min_delay_req_interval);  /* 11 logMinDelayReqInterval */
        b_u64(&d, (uint64_t) c->peer_mean_path_delay);      /* 12 peerMeanPathDelay */
        b_u8(&d, (uint8_t) c->log_announce_interval);       /* 20 logAnnounceInterval */
        b_u8(&d, c->announce_receipt_timeout);              /* 21 announceReceiptTimeout */
        b_u8(&d, (uint8_t) c->log_sync_interval);           /* 22 logSyncInterval */
        b_u8(&d, c->delay_mechanism);                       /* 23 delayMechanism */
        b_u8(&d, (uint8_t) c->log_min_pdelay_req_interval); /* 24 logMinPdelayReqInterval */
        b_u8(&d, c->version_byte);                          /* 25 versionNumber */
        g_assert_cmpuint(d.n, ==, 26);
        build_response(&b, c->source, c->seq, 0x2004, &d);
        g_assert_cmpuint(b.n, ==, 80); /* "reply 80 bytes" */

        decode_ok(b.buf, b.n, &m);
        assert_response_header(&m, c->source, c->seq, 80);
        g_assert_cmpuint(m.id, ==, PMC_ID_PORT_DATA_SET);
        p = &m.port_data_set;
        assert_port(&p->port_identity, c->port_identity);
        g_assert_cmpint(p->port_state, ==, c->state_byte);
        g_assert_cmpstr(pmc_port_state_to_string(p->port_state), ==, c->port_state);
        g_assert_cmpint(p->log_min_delay_req_interval, ==, c->log_min_delay_req_interval);
        g_assert_cmpint(p->peer_mean_path_delay, ==, c->peer_mean_path_delay);
        g_assert_cmpint(p->log_announce_interval, ==, c->log_announce_interval);
        g_assert_cmpuint(p->announce_receipt_timeout, ==, c->announce_receipt_timeout);
        g_assert_cmpint(p->log_sync_interval, ==, c->log_sync_interval);
        g_assert_cmpuint(p->delay_mechanism, ==, c->delay_mechanism);
        g_assert_cmpint(p->log_min_pdelay_req_interval, ==, c->log_min_pdelay_req_interval);
        g_assert_cmpuint(p->version_number, ==, c->version_number);

        check_truncations(b.buf, b.n, PMC_ERROR_PORT_DATA_SET_SHORT);
}

typedef struct ParentDataSetCase {
        const char *sample, *source;
        uint16_t seq;
        const char *parent_port_identity;
        uint8_t parent_stats;
        uint16_t observed_variance;
        int32_t observed_rate;
        uint8_t gm_priority1, gm_class, gm_accuracy;
        uint16_t gm_variance;
        uint8_t gm_priority2;
        const char *gm_identity;
} ParentDataSetCase;

static const ParentDataSetCase parent_data_set_cases[] = {
        { "pmc_slave_locked", BB "-0", 2, AA "-1", 0, 0xffff, 0x7fffffff,
          10, 6, 0xfe, 0xffff, 128, AA },
        { "pmc_slave_master_lost", BB "-0", 2, AA "-1", 0, 0xffff, 0x7fffffff,
          10, 6, 0xfe, 0xffff, 128, AA },
        { "pmc_slave_link_down", BB "-0", 2, BB "-0", 0, 0xffff, 0x7fffffff,
          128, 255, 0xfe, 0xffff, 128, BB },
        { "pmc_master", AA "-0", 2, AA "-0", 0, 0xffff, 0x7fffffff,
          10, 6, 0xfe, 0xffff, 128, AA },
        /* Not from a sample: every field distinct, a negative rate. */
        { "synthetic", BB "-0", 9, "112233.4455.667788-513", 1, 0x4e5d, -2,
          1, 7, 0x21, 0x1234, 2, "8899aa.bbcc.ddeeff" },
};

static void test_parent_data_set(const void *data) {
        const ParentDataSetCase *c = data;
        const PmcParentDataSet *p;
        Builder d = {}, b;
        PmcMessage m;

        b_port(&d, c->parent_port_identity);    /*  0 parentPortIdentity */
        b_u8(&d, c->parent_stats);              /* 10 parentStats */
        b_u8(&d, 0);                            /* 11 reserved */
        b_u16(&d, c->observed_variance);        /* 12 observedParentOffsetScaledLogVariance */
        b_u32(&d, (uint32_t) c->observed_rate); /* 14 observedParentClockPhaseChangeRate */
        b_u8(&d, c->gm_priority1);              /* 18 grandmasterPriority1 */
        b_u8(&d, c->gm_class);                  /* 19 grandmasterClockQuality: class, */
        b_u8(&d, c->gm_accuracy);               /*    accuracy, */
        b_u16(&d, c->gm_variance);              /*    offsetScaledLogVariance */
        b_u8(&d, c->gm_priority2);              /* 23 grandmasterPriority2 */
        b_clock(&d, c->gm_identity);            /* 24 grandmasterIdentity */
        g_assert_cmpuint(d.n, ==, 32);
        build_response(&b, c->source, c->seq, 0x2002, &d);

        decode_ok(b.buf, b.n, &m);
        assert_response_header(&m, c->source, c->seq, 86);
        g_assert_cmpuint(m.id, ==, PMC_ID_PARENT_DATA_SET);
        p = &m.parent_data_set;
        assert_port(&p->parent_port_identity, c->parent_port_identity);
        g_assert_cmpuint(p->parent_stats, ==, c->parent_stats);
        g_assert_cmpuint(p->observed_parent_offset_scaled_log_variance, ==, c->observed_variance);
        g_assert_cmpint(p->observed_parent_clock_phase_change_rate, ==, c->observed_rate);
        g_assert_cmpuint(p->grandmaster_priority1, ==, c->gm_priority1);
        g_assert_cmpuint(p->grandmaster_clock_quality.clock_class, ==, c->gm_class);
        g_assert_cmpuint(p->grandmaster_clock_quality.clock_accuracy, ==, c->gm_accuracy);
        g_assert_cmpuint(p->grandmaster_clock_quality.offset_scaled_log_variance, ==, c->gm_variance);
        g_assert_cmpuint(p->grandmaster_priority2, ==, c->gm_priority2);
        assert_clock(&p->grandmaster_identity, c->gm_identity);

        check_truncations(b.buf, b.n, PMC_ERROR_PARENT_DATA_SET_SHORT);
}

typedef struct CurrentDataSetCase {
        const char *sample, *source;
        uint16_t seq;
        uint16_t steps_removed;
        double offset_from_master, mean_path_delay; /* ns, as pmc prints them */
        int64_t offset_ns, delay_ns;                /* what pmc_time_interval_to_ns() must give */
} CurrentDataSetCase;

static const CurrentDataSetCase current_data_set_cases[] = {
        { "pmc_slave_locked", BB "-0", 3, 1, 343.0, 2481.0, 343, 2481 },
        { "pmc_slave_master_lost", BB "-0", 3, 1, 22.0, 2481.0, 22, 2481 },
        { "pmc_slave_link_down", BB "-0", 3, 0, 0.0, 0.0, 0, 0 },
        /* Not from a sample: fractions and signs, rounded toward zero. */
        { "synthetic", BB "-0", 3, 65535, -85.5, 1.75, -85, 1 },
        { "synthetic", BB "-0", 3, 2, -0.25, 0.5, 0, 0 },
};

static void test_current_data_set(const void *data) {
        const CurrentDataSetCase *c = data;
        int64_t offset = (int64_t) (c->offset_from_master * 65536);
        int64_t delay = (int64_t) (c->mean_path_delay * 65536);
        Builder d = {}, b;
        PmcMessage m;

        b_u16(&d, c->steps_removed);  /*  0 stepsRemoved */
        b_u64(&d, (uint64_t) offset); /*  2 offsetFromMaster, TimeInterval */
        b_u64(&d, (uint64_t) delay);  /* 10 meanPathDelay, TimeInterval */
        g_assert_cmpuint(d.n, ==, 18);
        build_response(&b, c->source, c->seq, 0x2001, &d);

        decode_ok(b.buf, b.n, &m);
        assert_response_header(&m, c->source, c->seq, 72);
        g_assert_cmpuint(m.id, ==, PMC_ID_CURRENT_DATA_SET);
        g_assert_cmpuint(m.current_data_set.steps_removed, ==, c->steps_removed);
        g_assert_cmpint(m.current_data_set.offset_from_master, ==, offset);
        g_assert_cmpint(m.current_data_set.mean_path_delay, ==, delay);
        g_assert_cmpint(pmc_time_interval_to_ns(m.current_data_set.offset_from_master), ==, c->offset_ns);
        g_assert_cmpint(pmc_time_interval_to_ns(m.current_data_set.mean_path_delay), ==, c->delay_ns);

        check_truncations(b.buf, b.n, PMC_ERROR_CURRENT_DATA_SET_SHORT);
}

typedef struct DefaultDataSetCase {
        const char *sample, *source;
        uint16_t seq;
        uint8_t flags; /* on the wire */
        bool two_step, slave_only;
        uint16_t number_ports;
        uint8_t priority1, clock_class, clock_accuracy;
        uint16_t variance;
        uint8_t priority2;
        const char *clock_identity;
        uint8_t domain_number;
} DefaultDataSetCase;

static const DefaultDataSetCase default_data_set_cases[] = {
        { "pmc_slave_locked", BB "-0", 4, 0x03, true, true, 1, 128, 255, 0xfe, 0xffff, 128, BB, 0 },
        { "pmc_slave_master_lost", BB "-0", 4, 0x03, true, true, 1, 128, 255, 0xfe, 0xffff, 128, BB, 0 },
        { "pmc_slave_link_down", BB "-0", 4, 0x03, true, true, 1, 128, 255, 0xfe, 0xffff, 128, BB, 0 },
        /* Not from a sample: the master's configuration (master.cfg), a G.8275.1 domain, other flags. */
        { "synthetic", AA "-0", 5, 0x01, true, false, 1, 10, 6, 0xfe, 0xffff, 128, AA, 0 },
        { "synthetic", AA "-0", 6, 0xfe, false, true, 0x0102, 1, 2, 3, 0x0405, 6,
          "070809.0a0b.0c0d0e", 24 },
};

static void test_default_data_set(const void *data) {
        const DefaultDataSetCase *c = data;
        const PmcDefaultDataSet *p;
        Builder d = {}, b;
        PmcMessage m;

        b_u8(&d, c->flags);             /*  0 flags: bit0 twoStep, bit1 slaveOnly */
        b_u8(&d, 0);                    /*  1 reserved */
        b_u16(&d, c->number_ports);     /*  2 numberPorts */
        b_u8(&d, c->priority1);         /*  4 priority1 */
        b_u8(&d, c->clock_class);       /*  5 clockQuality */
        b_u8(&d, c->clock_accuracy);
        b_u16(&d, c->variance);
        b_u8(&d, c->priority2);         /*  9 priority2 */
        b_clock(&d, c->clock_identity); /* 10 clockIdentity */
        b_u8(&d, c->domain_number);     /* 18 domainNumber */
        b_u8(&d, 0);                    /* 19 reserved */
        g_assert_cmpuint(d.n, ==, 20);
        build_response(&b, c->source, c->seq, 0x2000, &d);

        decode_ok(b.buf, b.n, &m);
        assert_response_header(&m, c->source, c->seq, 74);
        g_assert_cmpuint(m.id, ==, PMC_ID_DEFAULT_DATA_SET);
        p = &m.default_data_set;
        g_assert_cmpint(p->two_step, ==, c->two_step);
        g_assert_cmpint(p->slave_only, ==, c->slave_only);
        g_assert_cmpuint(p->number_ports, ==, c->number_ports);
        g_assert_cmpuint(p->priority1, ==, c->priority1);
        g_assert_cmpuint(p->clock_quality.clock_class, ==, c->clock_class);
        g_assert_cmpuint(p->clock_quality.clock_accuracy, ==, c->clock_accuracy);
        g_assert_cmpuint(p->clock_quality.offset_scaled_log_variance, ==, c->variance);
        g_assert_cmpuint(p->priority2, ==, c->priority2);
        assert_clock(&p->clock_identity, c->clock_identity);
        g_assert_cmpuint(p->domain_number, ==, c->domain_number);

        check_truncations(b.buf, b.n, PMC_ERROR_DEFAULT_DATA_SET_SHORT);
}

/* ---- MANAGEMENT_ERROR_STATUS ----------------------------------------------------------------- */

typedef struct ErrorStatusCase {
        uint16_t error, id;
        const char *error_name, *id_name;
        size_t display_length; /* bytes of displayData after the 8 */
} ErrorStatusCase;

static const ErrorStatusCase error_status_cases[] = {
        /* Seen: GET 0xC007 (PORT_SERVICE_STATS_NP, v4 only) and GET PATH_TRACE_LIST 0x2015. */
        { 0x0002, 0xC007, "NO_SUCH_ID", NULL, 0 },
        { 0x0006, 0x2015, "NOT_SUPPORTED", NULL, 0 },
        { 0x0004, 0x2004, "WRONG_VALUE", "PORT_DATA_SET", 0 },
        { 0x0003, 0xC003, "WRONG_LENGTH", "SUBSCRIBE_EVENTS_NP", 0 },
        { 0x0001, 0x2000, "RESPONSE_TOO_BIG", "DEFAULT_DATA_SET", 0 },
        { 0x0005, 0x2001, "NOT_SETABLE", "CURRENT_DATA_SET", 0 },
        { 0xFFFE, 0x2002, "GENERAL_ERROR", "PARENT_DATA_SET", 0 },
        { 0x0007, 0xC000, NULL, "TIME_STATUS_NP", 0 },
        /* displayData is ignored, however long: up to the largest message. */
        { 0x0002, 0xC007, "NO_SUCH_ID", NULL, 6 },
        { 0x0002, 0xC007, "NO_SUCH_ID", NULL, PMC_MESSAGE_MAX - 60 },
};

static void build_error_status(Builder *b, const ErrorStatusCase *c) {
        Builder d = {};

        b_u16(&d, c->id); /* managementId, after managementErrorId */
        b_zeros(&d, 4);   /* reserved */
        for (size_t i = 0; i < c->display_length; i++)
                b_u8(&d, (uint8_t) i);
        build_tlv_message(b, BB "-0", 5, 0x0002, c->error, &d);
}

static void test_error_status(const void *data) {
        const ErrorStatusCase *c = data;
        Builder b;
        PmcMessage m;

        build_error_status(&b, c);
        g_assert_cmpuint(b.n, ==, 60 + c->display_length);

        decode_ok(b.buf, b.n, &m);
        assert_response_header(&m, BB "-0", 5, 60 + c->display_length);
        g_assert_cmpint(m.tlv_type, ==, PMC_TLV_MANAGEMENT_ERROR_STATUS);
        g_assert_cmpuint(m.id, ==, c->id);
        g_assert_cmpuint(m.error_status.error, ==, c->error);
        g_assert_cmpstr(pmc_management_error_to_string(m.error_status.error), ==, c->error_name);
        g_assert_cmpstr(pmc_id_to_string(m.id), ==, c->id_name);

        if (c->display_length == 0)
                check_truncations(b.buf, b.n, PMC_ERROR_ERROR_STATUS_SHORT);
}

/* ---- Malformed datagrams, each a mutation of the real notification --------------------------- */

static void cut(Builder *b, size_t n) {
        /* Shorter, with both lengths telling the truth about it. */
        b->n = n;
        set_u16(b, 2, (uint16_t) n);
        set_u16(b, 50, (uint16_t) (n - 52));
}

static void grow(Builder *b, size_t n) {
        size_t old = b->n;

        memset(b->buf + old, 0, n - old);
        cut(b, n);
}

static void m_length_plus_one(Builder *b)   { set_u16(b, 2, 81); }
static void m_length_minus_one(Builder *b)  { set_u16(b, 2, 79); }
static void m_length_zero(Builder *b)       { set_u16(b, 2, 0); }
static void m_length_max(Builder *b)        { set_u16(b, 2, 0xffff); }
static void m_extra_byte(Builder *b)        { b->buf[b->n++] = 0; }
static void m_type_announce(Builder *b)     { b->buf[0] = 0x0b; }
static void m_type_signaling(Builder *b)    { b->buf[0] = 0x0c; }
static void m_type_sync_ts1(Builder *b)     { b->buf[0] = 0x10; }
static void m_type_e(Builder *b)            { b->buf[0] = 0x0e; }
static void m_version_1(Builder *b)         { b->buf[1] = 0x01; }
static void m_version_3(Builder *b)         { b->buf[1] = 0x03; }
static void m_version_0x20(Builder *b)      { b->buf[1] = 0x20; }
static void m_action_get(Builder *b)        { b->buf[46] = 0x00; }
static void m_action_set(Builder *b)        { b->buf[46] = 0x01; }
static void m_action_command(Builder *b)    { b->buf[46] = 0x03; }
static void m_action_5(Builder *b)          { b->buf[46] = 0x05; }
static void m_action_f(Builder *b)          { b->buf[46] = 0xff; }
static void m_tlv_short_trailing(Builder *b) { set_u16(b, 50, 26); }
static void m_tlv_short_cut(Builder *b)     { cut(b, 78); }
static void m_tlv_long(Builder *b)          { set_u16(b, 50, 30); }
static void m_tlv_huge(Builder *b)          { set_u16(b, 50, 0xffff); }
static void m_tlv_odd(Builder *b)           { cut(b, 79); }
static void m_tlv_odd_long(Builder *b)      { set_u16(b, 50, 29); }
static void m_tlv_zero(Builder *b)          { cut(b, 52); }
static void m_no_tlv(Builder *b)            { b->n = 48; set_u16(b, 2, 48); }
static void m_tlv_half(Builder *b)          { b->n = 50; set_u16(b, 2, 50); }
static void m_tlv_type_0(Builder *b)        { set_u16(b, 48, 0x0000); }
static void m_tlv_type_3(Builder *b)        { set_u16(b, 48, 0x0003); }
static void m_tlv_type_ffff(Builder *b)     { set_u16(b, 48, 0xffff); }
static void m_id_c007(Builder *b)           { set_u16(b, 52, 0xC007); }
static void m_id_priority1(Builder *b)     { set_u16(b, 52, 0x2005); }
static void m_id_null_management(Builder *b) { set_u16(b, 52, 0x0000); }
static void m_data_long(Builder *b)         { grow(b, 82); }
static void m_data_as_time_status(Builder *b) { set_u16(b, 52, 0xC000); }
static void m_data_as_default(Builder *b)   { set_u16(b, 52, 0x2000); }
static void m_data_as_current(Builder *b)   { set_u16(b, 52, 0x2001); }
static void m_data_as_parent(Builder *b)    { set_u16(b, 52, 0x2002); }
static void m_data_as_subscribe(Builder *b) { set_u16(b, 52, 0xC003); }
static void m_data_as_time_properties(Builder *b) { set_u16(b, 52, 0x2003); }
static void m_data_as_port_properties(Builder *b) { set_u16(b, 52, 0xC004); }
static void m_state_0(Builder *b)           { b->buf[64] = 0; }
static void m_state_10(Builder *b)          { b->buf[64] = 10; }
static void m_state_ff(Builder *b)          { b->buf[64] = 0xff; }
static void m_error_status_short(Builder *b) { set_u16(b, 48, 0x0002); cut(b, 58); }
static void m_error_status_empty(Builder *b) { set_u16(b, 48, 0x0002); cut(b, 52); }
static void m_oversized(Builder *b)         { grow(b, PMC_MESSAGE_MAX + 1); }
static void m_oversized_max(Builder *b)     { grow(b, PMC_MESSAGE_MAX + 2); }
/* messageLength still says 80. */
static void m_oversized_lying(Builder *b) {
        b->n = PMC_MESSAGE_MAX + 1;
        memset(b->buf + 80, 0, b->n - 80);
}

typedef struct MalformedCase {
        const char *name;
        void (*mutate)(Builder *b);
        PmcError error;
        const char *reason; /* pmc_error_format()'s */
} MalformedCase;

#define E(e) PMC_ERROR_##e
#define R_LENGTH   "messageLength disagrees with the datagram"
#define R_TYPE     "not a management message"
#define R_VERSION  "not PTP version 2"
#define R_ACTION   "action is neither RESPONSE nor ACKNOWLEDGE"
#define R_LARGE    "larger than any management message"
#define R_STATE    "PORT_DATA_SET portState out of range"
#define R_PAST_END "TLV runs past the end"

static const MalformedCase malformed_cases[] = {
        { "length+1",           m_length_plus_one,      E(LENGTH_MISMATCH), R_LENGTH },
        { "length-1",           m_length_minus_one,     E(LENGTH_MISMATCH), R_LENGTH },
        { "length-0",           m_length_zero,          E(LENGTH_MISMATCH), R_LENGTH },
        { "length-ffff",        m_length_max,           E(LENGTH_MISMATCH), R_LENGTH },
        { "extra-byte",         m_extra_byte,           E(LENGTH_MISMATCH), R_LENGTH },
        { "announce",           m_type_announce,        E(NOT_MANAGEMENT), R_TYPE },
        { "signaling",          m_type_signaling,       E(NOT_MANAGEMENT), R_TYPE },
        { "sync",               m_type_sync_ts1,        E(NOT_MANAGEMENT), R_TYPE },
        { "type-e",             m_type_e,               E(NOT_MANAGEMENT), R_TYPE },
        { "version-1",          m_version_1,            E(VERSION), R_VERSION },
        { "version-3",          m_version_3,            E(VERSION), R_VERSION },
        { "version-0x20",       m_version_0x20,         E(VERSION), R_VERSION },
        { "action-get",         m_action_get,           E(NOT_RESPONSE), R_ACTION },
        { "action-set",         m_action_set,           E(NOT_RESPONSE), R_ACTION },
        { "action-command",     m_action_command,       E(NOT_RESPONSE), R_ACTION },
        { "action-5",           m_action_5,             E(NOT_RESPONSE), R_ACTION },
        { "action-ff",          m_action_f,             E(NOT_RESPONSE), R_ACTION },
        { "tlv-short-trailing", m_tlv_short_trailing,   E(TLV_TRAILING), "bytes after the TLV" },
        { "tlv-short-cut",      m_tlv_short_cut,        E(PORT_DATA_SET_SHORT), "PORT_DATA_SET too short" },
        { "tlv-long",           m_tlv_long,             E(TLV_PAST_END), R_PAST_END },
        { "tlv-ffff",           m_tlv_huge,             E(TLV_PAST_END), R_PAST_END },
        { "tlv-odd",            m_tlv_odd,              E(TLV_ODD), "TLV length is odd" },
        { "tlv-odd-long",       m_tlv_odd_long,         E(TLV_PAST_END), R_PAST_END },
 { "tlv-zero", m_tlv_zero, E(NO_ID), "MANAGEMENT TLV too short for a management id" },
        { "no-tlv",             m_no_tlv,               E(NO_TLV), "too short for a TLV" },
        { "half-tlv",           m_tlv_half,             E(NO_TLV), "too short for a TLV" },
        { "tlv-type-0",         m_tlv_type_0,           E(TLV_TYPE), "unknown TLV type 0x0000" },
        { "tlv-type-3",         m_tlv_type_3,           E(TLV_TYPE), "unknown TLV type 0x0003" },
        { "tlv-type-ffff",      m_tlv_type_ffff,        E(TLV_TYPE), "unknown TLV type 0xffff" },
        { "id-c007",            m_id_c007,              E(UNKNOWN_ID), "unknown management id 0xc007" },
        { "id-2005",            m_id_priority1,         E(UNKNOWN_ID), "unknown management id 0x2005" },
        { "id-0",               m_id_null_management,   E(UNKNOWN_ID), "unknown management id 0x0000" },
        { "data-long",          m_data_long,            E(DATA_LONG), "PORT_DATA_SET too long" },
        /* The notification's 26 bytes under other ids: a data set of the wrong size either way. */
 { "as-time-status", m_data_as_time_status, E(TIME_STATUS_NP_SHORT), "TIME_STATUS_NP too short" },
 { "as-parent", m_data_as_parent, E(PARENT_DATA_SET_SHORT), "PARENT_DATA_SET too short" },
 { "as-subscribe", m_data_as_subscribe, E(SUBSCRIBE_EVENTS_NP_SHORT), "SUBSCRIBE_EVENTS_NP too short" },
        { "as-default",         m_data_as_default,      E(DATA_LONG), "DEFAULT_DATA_SET too long" },
        { "as-current",         m_data_as_current,      E(DATA_LONG), "CURRENT_DATA_SET too long" },
 { "as-time-properties", m_data_as_time_properties, E(DATA_LONG), "TIME_PROPERTIES_DATA_SET too long" },
        /* Its length byte is 0x00 (logMinDelayReqInterval's place is timestamping's): 13 bytes left over. */
 { "as-port-properties", m_data_as_port_properties, E(DATA_LONG), "PORT_PROPERTIES_NP too long" },
        { "state-0",            m_state_0,              E(PORT_STATE), R_STATE },
        { "state-10",           m_state_10,             E(PORT_STATE), R_STATE },
        { "state-ff",           m_state_ff,             E(PORT_STATE), R_STATE },
 { "error-status-short", m_error_status_short, E(ERROR_STATUS_SHORT), "MANAGEMENT_ERROR_STATUS too short" },
 { "error-status-empty", m_error_status_empty, E(ERROR_STATUS_SHORT), "MANAGEMENT_ERROR_STATUS too short" },
        { "oversized",          m_oversized,            E(TOO_LARGE), R_LARGE },
        { "oversized+1",        m_oversized_max,        E(TOO_LARGE), R_LARGE },
        { "oversized-lying",    m_oversized_lying,      E(TOO_LARGE), R_LARGE },
};

static void test_malformed(const void *data) {
        const MalformedCase *c = data;
        char buf[PMC_ERROR_STRING_MAX];
        Builder b = {};
        PmcMessage m;
        PmcError e;

        memcpy(b.buf, sample_notification, sizeof(sample_notification));
        b.n = sizeof(sample_notification);
        c->mutate(&b);

        /* Whatever was left in *ret before must not survive. */
        memset(&m, 0xaa, sizeof(m));
        e = decode(b.buf, b.n, &m);
        g_assert_cmpstr(pmc_error_to_string(e), ==, pmc_error_to_string(c->error));
        g_assert_cmpint(e, ==, c->error);
        g_assert_cmpstr(pmc_error_format(e, &m, buf, sizeof(buf)), ==, c->reason);
        if (e != PMC_ERROR_TOO_LARGE && e != PMC_ERROR_NOT_MANAGEMENT && e != PMC_ERROR_VERSION)
                g_assert_cmpuint(m.header.version, ==, 2);
        if (e == PMC_ERROR_TOO_LARGE)
                g_assert_cmpuint(m.header.version, ==, 0);
}

/* Variants that still decode: what ptp4l v4.x or a gPTP configuration would send. */
static void test_accepted_variants(void) {
        Builder b = {};
        PmcMessage m;

        memcpy(b.buf, sample_notification, sizeof(sample_notification));
        b.n = sizeof(sample_notification);

        b.buf[0] = 0x1d;   /* transportSpecific 1 */
        b.buf[1] = 0x12;   /* minorVersionPTP 1, as v4.x sends */
        b.buf[4] = 24;     /* domainNumber */
        b.buf[6] = 0x04;   /* flagField */
        b.buf[8] = 0x80;   /* correctionField: ignored */
        b.buf[32] = 0x05;  /* controlField: ignored */
        b.buf[33] = 0x00;  /* logMessageInterval: ignored */
        b.buf[46] = 0xf4;  /* ACKNOWLEDGE, reserved upper nibble set */
        b.buf[79] = 0xf2;  /* versionNumber 2, reserved upper nibble set */
        decode_ok(b.buf, b.n, &m);
        g_assert_cmpuint(m.header.transport_specific, ==, 1);
        g_assert_cmpuint(m.header.version, ==, 0x12);
        g_assert_cmpuint(m.header.domain_number, ==, 24);
        g_assert_cmpuint(m.header.flags, ==, 0x0400);
        g_assert_cmpint(m.header.action, ==, PMC_ACTION_ACKNOWLEDGE);
        g_assert_cmpuint(m.port_data_set.version_number, ==, 2);
        g_assert_cmpint(m.port_data_set.port_state, ==, PMC_PORT_STATE_LISTENING);
}

static void test_degenerate(void) {
        static const uint8_t one = 0x0d;
        PmcMessage m;

        g_assert_cmpint(pmc_decode(NULL, 0, &m), ==, PMC_ERROR_SHORT_HEADER);
        g_assert_cmpint(pmc_decode(&one, 1, &m), ==, PMC_ERROR_SHORT_HEADER);
        /* Never even looked at: the size alone refuses it. */
        g_assert_cmpint(pmc_decode(&one, SIZE_MAX, &m), ==, PMC_ERROR_TOO_LARGE);
        g_assert_cmpint(pmc_decode(&one, 65536 + 80, &m), ==, PMC_ERROR_TOO_LARGE);
}

/* ---- PORT_PROPERTIES_NP and TIME_PROPERTIES_DATA_SET, built ---------------------------------- */

#define TEXT_LENGTH (-1) /* the length byte tells the truth */
#define NO_LENGTH (-2)   /* no length byte: 12 bytes of data */
#define T(s) s, sizeof(s) - 1

typedef struct PortPropertiesCase {
        const char *name;
        uint8_t state, timestamping;
        int length; /* the length byte, or TEXT_LENGTH, NO_LENGTH */
        const char *text;
        size_t text_size;
        size_t pad;         /* zero bytes after the text */
        PmcError error;
        const char *reason; /* pmc_error_format()'s, when refused */
} PortPropertiesCase;

#define R_PP_SHORT "PORT_PROPERTIES_NP too short"
#define R_PP_LONG  "PORT_PROPERTIES_NP too long"
#define R_PP_CHAR  "PORT_PROPERTIES_NP interface name has a bad byte"
#define R_PP_STATE "PORT_PROPERTIES_NP portState out of range"
#define R_PP_TS    "PORT_PROPERTIES_NP timestamping out of range"

static const PortPropertiesCase port_properties_cases[] = {
        /* Every state and timestamping; the shortest and longest names, both parities. */
        { "a", 9, 0, TEXT_LENGTH, T("a"), 0, PMC_OK, NULL },
        { "15-bytes", 1, 1, TEXT_LENGTH, T("abcdefghijklmno"), 0, PMC_OK, NULL },
        { "14-bytes", 2, 2, TEXT_LENGTH, T("enp0s31f6.1234"), 1, PMC_OK, NULL },
        { "edges", 3, 3, TEXT_LENGTH, T("!~"), 1, PMC_OK, NULL },
        { "eth0", 4, 4, TEXT_LENGTH, T("eth0"), 1, PMC_OK, NULL },
        { "pre-master", 5, 0, TEXT_LENGTH, T("bond0"), 0, PMC_OK, NULL },
        { "master", 6, 1, TEXT_LENGTH, T("br-lan"), 1, PMC_OK, NULL },
        { "passive", 7, 2, TEXT_LENGTH, T("veth@1:x"), 1, PMC_OK, NULL },
        { "uncalibrated", 8, 3, TEXT_LENGTH, T("h1-s0"), 0, PMC_OK, NULL },
        /* Short: no room for the length byte, or the text runs past the end. */
        { "12-bytes", 9, 0, NO_LENGTH, T(""), 0, E(PORT_PROPERTIES_NP_SHORT), R_PP_SHORT },
        { "text-past-end", 9, 0, 7, T("h1-s0"), 0, E(PORT_PROPERTIES_NP_SHORT), R_PP_SHORT },
        { "text-past-end-by-1", 9, 0, 6, T("h1-s0"), 0, E(PORT_PROPERTIES_NP_SHORT), R_PP_SHORT },
        { "length-255", 9, 0, 255, T("h1-s0"), 0, E(PORT_PROPERTIES_NP_SHORT), R_PP_SHORT },
        /* Long: more than the one pad byte. */
        { "2-pad-bytes", 9, 0, TEXT_LENGTH, T("h1-s0"), 2, E(DATA_LONG), R_PP_LONG },
        { "3-pad-bytes", 9, 0, TEXT_LENGTH, T("h1p-s0"), 3, E(DATA_LONG), R_PP_LONG },
        { "text-shorter", 9, 0, 2, T("h1-s0"), 0, E(DATA_LONG), R_PP_LONG },
        /* The shape is checked before the values. */
        { "long-bad-state", 0, 0xff, TEXT_LENGTH, T("h1-s0"), 2, E(DATA_LONG), R_PP_LONG },
        /* The name. */
        { "empty", 9, 0, TEXT_LENGTH, T(""), 1, E(INTERFACE_EMPTY), "PORT_PROPERTIES_NP interface name empty" },
        { "16-bytes", 9, 0, TEXT_LENGTH, T("abcdefghijklmnop"), 1, E(INTERFACE_LONG),
          "PORT_PROPERTIES_NP interface name too long" },
        { "nul", 9, 0, TEXT_LENGTH, T("h1\0s0"), 0, E(INTERFACE_CHAR), R_PP_CHAR },
        { "nul-terminated", 9, 0, TEXT_LENGTH, T("eth0\0"), 0, E(INTERFACE_CHAR), R_PP_CHAR },
        { "slash", 9, 0, TEXT_LENGTH, T("h1/s0"), 0, E(INTERFACE_CHAR), R_PP_CHAR },
        { "path", 9, 0, TEXT_LENGTH, T("/var/run/ptp4l"), 1, E(INTERFACE_CHAR), R_PP_CHAR },
        { "space", 9, 0, TEXT_LENGTH, T("h1 s0"), 0, E(INTERFACE_CHAR), R_PP_CHAR },
        { "tab", 9, 0, TEXT_LENGTH, T("h1\ts0"), 0, E(INTERFACE_CHAR), R_PP_CHAR },
        { "newline", 9, 0, TEXT_LENGTH, T("eth0\n"), 0, E(INTERFACE_CHAR), R_PP_CHAR },
        { "del", 9, 0, TEXT_LENGTH, T("h1\x7f" "s0"), 0, E(INTERFACE_CHAR), R_PP_CHAR },
        { "0x80", 9, 0, TEXT_LENGTH, T("h1\x80" "s0"), 0, E(INTERFACE_CHAR), R_PP_CHAR },
        { "utf-8", 9, 0, TEXT_LENGTH, T("eth\xc3\xa9"), 0, E(INTERFACE_CHAR), R_PP_CHAR },
        { "0xff", 9, 0, TEXT_LENGTH, T("\xff"), 0, E(INTERFACE_CHAR), R_PP_CHAR },
        /* timestamping and portState. */
        { "timestamping-5", 9, 5, TEXT_LENGTH, T("h1-s0"), 0, E(TIMESTAMPING), R_PP_TS },
        { "timestamping-ff", 9, 0xff, TEXT_LENGTH, T("h1-s0"), 0, E(TIMESTAMPING), R_PP_TS },
        { "state-0", 0, 0, TEXT_LENGTH, T("h1-s0"), 0, E(PORT_STATE), R_PP_STATE },
        { "state-10", 10, 0, TEXT_LENGTH, T("h1-s0"), 0, E(PORT_STATE), R_PP_STATE },
        { "state-ff", 0xff, 0, TEXT_LENGTH, T("h1-s0"), 0, E(PORT_STATE), R_PP_STATE },
        { "state-before-timestamping", 0, 5, TEXT_LENGTH, T(""), 1, E(PORT_STATE), R_PP_STATE },
};

static void test_port_properties(const void *data) {
        const PortPropertiesCase *c = data;
        char buf[PMC_ERROR_STRING_MAX];
        const PmcPortProperties *p;
        Builder d = {}, b;
        PmcMessage m;
        PmcError e;

        b_port(&d, BB "-3");         /*  0 portIdentity */
        b_u8(&d, c->state);          /* 10 port_state */
        b_u8(&d, c->timestamping);   /* 11 timestamping */
        if (c->length != NO_LENGTH)  /* 12 interface: PTPText */
                b_u8(&d, (uint8_t) (c->length == TEXT_LENGTH ? (int) c->text_size : c->length));
        b_bytes(&d, c->text, c->text_size);
        b_zeros(&d, c->pad);
        /* An odd one would be refused before: the TLV's length would be odd. */
        g_assert_cmpuint(d.n % 2, ==, 0);
        build_response(&b, BB "-3", 8, 0xC004, &d);

        memset(&m, 0xaa, sizeof(m));
        e = decode(b.buf, b.n, &m);
        g_assert_cmpstr(pmc_error_to_string(e), ==, pmc_error_to_string(c->error));
        g_assert_cmpint(e, ==, c->error);
        if (e != PMC_OK) {
                g_assert_cmpstr(pmc_error_format(e, &m, buf, sizeof(buf)), ==, c->reason);
                g_assert_cmpuint(m.id, ==, PMC_ID_PORT_PROPERTIES_NP);
                return;
        }

        assert_response_header(&m, BB "-3", 8, b.n);
        g_assert_cmpint(m.tlv_type, ==, PMC_TLV_MANAGEMENT);
        g_assert_cmpuint(m.id, ==, PMC_ID_PORT_PROPERTIES_NP);
        p = &m.port_properties;
        assert_port(&p->port_identity, BB "-3");
        g_assert_cmpint(p->port_state, ==, c->state);
        g_assert_cmpint(p->timestamping, ==, c->timestamping);
        g_assert_cmpstr(p->interface, ==, c->text);

        check_truncations(b.buf, b.n, PMC_ERROR_PORT_PROPERTIES_NP_SHORT);
}

typedef struct TimePropertiesCase {
        uint8_t flags;                 /* on the wire */
        TimePropertiesSample expected; /* .current_utc_offset and .time_source go on the wire as they are */
} TimePropertiesCase;

/* One flag at a time, all of them, and the reserved bits 6 and 7, which are ignored. */
static const TimePropertiesCase time_properties_cases[] = {
        { 0x01, { .current_utc_offset = 0, .leap61 = true, .time_source = 0x10 } },
        { 0x02, { .current_utc_offset = 37, .leap59 = true, .time_source = 0x20 } },
        { 0x04, { .current_utc_offset = INT16_MAX, .current_utc_offset_valid = true, .time_source = 0x30 } },
        { 0x08, { .current_utc_offset = INT16_MIN, .ptp_timescale = true, .time_source = 0x40 } },
        { 0x10, { .current_utc_offset = -1, .time_traceable = true, .time_source = 0x50 } },
        { 0x20, { .current_utc_offset = 0x0102, .frequency_traceable = true, .time_source = 0x60 } },
        { 0x3f, { .current_utc_offset = 36, .leap61 = true, .leap59 = true, .current_utc_offset_valid = true,
                  .ptp_timescale = true, .time_traceable = true, .frequency_traceable = true,
                  .time_source = 0xfe } },
        { 0xc0, { .current_utc_offset = 37, .time_source = 0xff } },
        { 0xff, { .current_utc_offset = -37, .leap61 = true, .leap59 = true, .current_utc_offset_valid = true,
                  .ptp_timescale = true, .time_traceable = true, .frequency_traceable = true,
                  .time_source = 0 } },
};

static void test_time_properties(const void *data) {
        const TimePropertiesCase *c = data;
        Builder d = {}, b;
        PmcMessage m;

        b_u16(&d, (uint16_t) c->expected.current_utc_offset); /* 0 currentUtcOffset */
        b_u8(&d, c->flags);                                     /* 2 flags */
        b_u8(&d, c->expected.time_source);                      /* 3 timeSource */
        build_response(&b, BB "-0", 9, 0x2003, &d);
        g_assert_cmpuint(b.n, ==, 58);

        decode_ok(b.buf, b.n, &m);
        assert_response_header(&m, BB "-0", 9, 58);
        g_assert_cmpint(m.tlv_type, ==, PMC_TLV_MANAGEMENT);
        g_assert_cmpuint(m.id, ==, PMC_ID_TIME_PROPERTIES_DATA_SET);
        assert_time_properties(&m.time_properties_data_set, &c->expected);

        check_truncations(b.buf, b.n, PMC_ERROR_TIME_PROPERTIES_DATA_SET_SHORT);
}

/* Exactly 4 bytes: any other even size is refused (an odd one is an odd TLV). */
static void test_time_properties_length(void) {
        char buf[PMC_ERROR_STRING_MAX];

        for (size_t n = 0; n <= 40; n++) {
                Builder d = {}, b;
                PmcMessage m;
                PmcError e;

                for (size_t i = 0; i < n; i++)
                        b_u8(&d, (uint8_t) (0x25 + i));
                build_response(&b, BB "-0", 1, 0x2003, &d);
                e = decode(b.buf, b.n, &m);
                g_assert_cmpint(e, ==,
                                n % 2 != 0 ? PMC_ERROR_TLV_ODD :
                                n < 4 ? PMC_ERROR_TIME_PROPERTIES_DATA_SET_SHORT :
                                n > 4 ? PMC_ERROR_DATA_LONG :
                                PMC_OK);
                if (n % 2 == 0 && n < 4)
                        g_assert_cmpstr(pmc_error_format(e, &m, buf, sizeof(buf)), ==,
                                        "TIME_PROPERTIES_DATA_SET too short");
                if (n % 2 == 0 && n > 4)
                        g_assert_cmpstr(pmc_error_format(e, &m, buf, sizeof(buf)), ==,
                                        "TIME_PROPERTIES_DATA_SET too long");
        }
}

/* ---- Requests -------------------------------------------------------------------------------- */

/* Requester B: transportSpecific 1, domain 24, 020000.fffe.ccdd01-4660, sequenceId 0xabcd. */
static const PmcRequester requester_b = {
        .transport_specific = 1,
        .domain_number = 24,
        .identity = { { { 0x02, 0x00, 0x00, 0xff, 0xfe, 0xcc, 0xdd, 0x01 } }, 0x1234 },
};

/* The 52 bytes before the managementId of a request from requester B (the PTP header, then the management header). */
#define B_HEAD(length, target_hi, target_lo, action, tlv_length)                                         \
        0x1d,                   /*  0 transportSpecific 1 << 4 | messageType MANAGEMENT 0xD */           \
        0x02,                   /*  1 reserved | versionPTP 2 */                                         \
        0x00, length,           /*  2 messageLength: the whole datagram */                               \
        0x18,                   /*  4 domainNumber 24 */                                                 \
        0x00,                   /*  5 reserved */                                                        \
        0x00, 0x00,             /*  6 flagField */                                                       \
        0, 0, 0, 0, 0, 0, 0, 0, /*  8 correctionField */                                                 \
        0, 0, 0, 0,             /* 16 reserved */                                                        \
        0x02, 0x00, 0x00, 0xff, 0xfe, 0xcc, 0xdd, 0x01, /* 20 sourcePortIdentity.clockIdentity */        \
        0x12, 0x34,             /* 28 sourcePortIdentity.portNumber 4660 */                              \
        0xab, 0xcd,             /* 30 sequenceId */                                                      \
        0x04,                   /* 32 controlField: management */                                        \
        0x7f,                   /* 33 logMessageInterval */                                              \
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* 34 targetPortIdentity.clockIdentity: all */   \
        target_hi, target_lo,   /* 42 targetPortIdentity.portNumber */                                   \
        0x00,                   /* 44 startingBoundaryHops 0 */                                          \
        0x00,                   /* 45 boundaryHops 0 */                                                  \
        action,                 /* 46 reserved | actionField: GET 0, SET 1 */                            \
        0x00,                   /* 47 reserved */                                                        \
        0x00, 0x01,             /* 48 tlvType MANAGEMENT */                                              \
        0x00, tlv_length        /* 50 lengthField: managementId + data */

static const uint8_t expect_get_default[] = { B_HEAD(0x36, 0xff, 0xff, 0x00, 0x02), 0x20, 0x00 };
static const uint8_t expect_get_current[] = { B_HEAD(0x36, 0xff, 0xff, 0x00, 0x02), 0x20, 0x01 };
static const uint8_t expect_get_parent[] = { B_HEAD(0x36, 0xff, 0xff, 0x00, 0x02), 0x20, 0x02 };
static const uint8_t expect_get_time_properties[] = { B_HEAD(0x36, 0xff, 0xff, 0x00, 0x02), 0x20, 0x03 };
static const uint8_t expect_get_port_all[] = { B_HEAD(0x36, 0xff, 0xff, 0x00, 0x02), 0x20, 0x04 };
static const uint8_t expect_get_port_1[] = { B_HEAD(0x36, 0x00, 0x01, 0x00, 0x02), 0x20, 0x04 };
static const uint8_t expect_get_time_status[] = { B_HEAD(0x36, 0xff, 0xff, 0x00, 0x02), 0xc0, 0x00 };
static const uint8_t expect_get_subscribe[] = { B_HEAD(0x36, 0xff, 0xff, 0x00, 0x02), 0xc0, 0x03 };
static const uint8_t expect_get_port_properties_1[] = { B_HEAD(0x36, 0x00, 0x01, 0x00, 0x02), 0xc0, 0x04 };

/* SUBSCRIBE_EVENTS_NP: 120 bytes, TLV length 68; duration 180 (0x00b4), bitmask byte 0 = 0x01 (NOTIFY_PORT_STATE). */
static const uint8_t expect_subscribe_180[PMC_SUBSCRIBE_SIZE] = {
        B_HEAD(0x78, 0xff, 0xff, 0x01, 0x44), 0xc0, 0x03, 0x00, 0xb4, 0x01, /* then 63 zero bytes */
};

/* 0x03 (PORT_STATE, TIME_SYNC) and an event in the last byte, 511: bit 7 of byte 63. */
static const uint8_t expect_subscribe_wide[PMC_SUBSCRIBE_SIZE] = {
        B_HEAD(0x78, 0xff, 0xff, 0x01, 0x44), 0xc0, 0x03, 0xff, 0xff, 0x03,
        [PMC_SUBSCRIBE_SIZE - 1] = 0x80,
};

/* Unsubscribe: an all-zero bitmask. */
static const uint8_t expect_unsubscribe[PMC_SUBSCRIBE_SIZE] = {
        B_HEAD(0x78, 0xff, 0xff, 0x01, 0x44), 0xc0, 0x03, 0x00, 0x00,
};

typedef struct RequestCase {
        const char *name;
        const PmcRequester *requester;
        uint16_t seq;
        bool subscribe; /* else a GET of id to target_port */
        PmcId id;
        uint16_t target_port;
        uint16_t duration;
        const unsigned *events; /* terminated by UINT_MAX */
        const uint8_t *expected;
        size_t size;
} RequestCase;

static const unsigned events_port_state[] = { PMC_EVENT_PORT_STATE, UINT_MAX };
static const unsigned events_wide[] = {
        PMC_EVENT_PORT_STATE, PMC_EVENT_TIME_SYNC, 511, 512, 100000, UINT_MAX,
};
static const unsigned events_none[] = { UINT_MAX };

static const PmcRequester requester_sample_5_7 = { .identity = { .port_number = 11120 } };
static const PmcRequester requester_sample_probe = { .identity = { .port_number = 24467 } };
static const PmcRequester requester_sample_pmc = { .identity = { .port_number = 13807 } };

#define GET(n, id, port, e) { n, &requester_b, 0xabcd, false, id, port, 0, NULL, e, sizeof(e) }

static const RequestCase request_cases[] = {
        /* Byte for byte what was verified against the real ptp4l. */
        { "sample-get-time-status", &requester_sample_5_7, 0, false, PMC_ID_TIME_STATUS_NP, PMC_PORT_ALL,
          0, NULL,
          sample_get_time_status, sizeof(sample_get_time_status) },
        { "sample-subscribe", &requester_sample_probe, 0, true, 0, 0, 30, events_port_state,
          sample_subscribe_request, sizeof(sample_subscribe_request) },
        /* What pmc itself sent in the lab: the same bytes. */
        { "sample-get-port-properties", &requester_sample_pmc, 0, false, PMC_ID_PORT_PROPERTIES_NP,
          PMC_PORT_ALL, 0, NULL,
          sample_get_port_properties_request, sizeof(sample_get_port_properties_request) },
        GET("get-default", PMC_ID_DEFAULT_DATA_SET, PMC_PORT_ALL, expect_get_default),
        GET("get-current", PMC_ID_CURRENT_DATA_SET, PMC_PORT_ALL, expect_get_current),
        GET("get-parent", PMC_ID_PARENT_DATA_SET, PMC_PORT_ALL, expect_get_parent),
        GET("get-time-properties", PMC_ID_TIME_PROPERTIES_DATA_SET, PMC_PORT_ALL, expect_get_time_properties),
        GET("get-port-all", PMC_ID_PORT_DATA_SET, PMC_PORT_ALL, expect_get_port_all),
        GET("get-port-1", PMC_ID_PORT_DATA_SET, 1, expect_get_port_1),
        GET("get-time-status", PMC_ID_TIME_STATUS_NP, PMC_PORT_ALL, expect_get_time_status),
        GET("get-subscribe", PMC_ID_SUBSCRIBE_EVENTS_NP, PMC_PORT_ALL, expect_get_subscribe),
        GET("get-port-properties-1", PMC_ID_PORT_PROPERTIES_NP, 1, expect_get_port_properties_1),
        { "subscribe-180", &requester_b, 0xabcd, true, 0, 0, 180, events_port_state,
          expect_subscribe_180, sizeof(expect_subscribe_180) },
        { "subscribe-wide", &requester_b, 0xabcd, true, 0, 0, 0xffff, events_wide,
          expect_subscribe_wide, sizeof(expect_subscribe_wide) },
        { "unsubscribe", &requester_b, 0xabcd, true, 0, 0, 0, events_none,
          expect_unsubscribe, sizeof(expect_unsubscribe) },
};

static ssize_t encode_case(const RequestCase *c, uint8_t *buf, size_t size) {
        PmcSubscribeEvents s = { .duration_sec = c->duration };

        if (!c->subscribe)
                return pmc_encode_get(c->requester, c->seq, c->id, c->target_port, buf, size);

        for (const unsigned *e = c->events; *e != UINT_MAX; e++)
                pmc_subscribe_events_set(&s, *e);
        return pmc_encode_subscribe(c->requester, c->seq, &s, buf, size);
}

static void test_request(const void *data) {
        const RequestCase *c = data;
        uint8_t buf[PMC_MESSAGE_MAX], small[PMC_MESSAGE_MAX];
        PmcMessage m;

        memset(buf, 0xee, sizeof(buf));
        g_assert_cmpint(encode_case(c, buf, sizeof(buf)), ==, (ssize_t) c->size);
        for (size_t i = 0; i < c->size; i++)
                if (buf[i] != c->expected[i])
                        g_error("byte %zu is 0x%02x, expected 0x%02x", i, buf[i], c->expected[i]);
        /* Not a byte more. */
        g_assert_cmpuint(buf[c->size], ==, 0xee);

        /* Exactly the size fits; one less is refused, and nothing is written. */
        g_assert_cmpint(encode_case(c, small, c->size), ==, (ssize_t) c->size);
        g_assert_cmpmem(small, c->size, c->expected, c->size);
        memset(small, 0xee, sizeof(small));
        g_assert_cmpint(encode_case(c, small, c->size - 1), ==, -ENOBUFS);
        g_assert_cmpint(encode_case(c, NULL, 0), ==, -ENOBUFS);
        for (size_t i = 0; i < sizeof(small); i++)
                g_assert_cmpuint(small[i], ==, 0xee);

        /* A request is no reply, but the header reads back as sent. */
        g_assert_cmpint(decode(buf, c->size, &m), ==, PMC_ERROR_NOT_RESPONSE);
        g_assert_cmpuint(m.header.transport_specific, ==, c->requester->transport_specific);
        g_assert_cmpuint(m.header.domain_number, ==, c->requester->domain_number);
        g_assert_true(pmc_port_identity_equal(&m.header.source, &c->requester->identity));
        g_assert_cmpuint(m.header.sequence_id, ==, c->seq);
        g_assert_cmpuint(m.header.message_length, ==, c->size);
        g_assert_cmpint(m.header.action, ==, c->subscribe ? PMC_ACTION_SET : PMC_ACTION_GET);
}

static void test_request_invalid(void) {
        PmcRequester r = requester_b;
        PmcSubscribeEvents s = {};
        uint8_t buf[PMC_SUBSCRIBE_SIZE];

        /* transportSpecific is a nibble. */
        r.transport_specific = 16;
        g_assert_cmpint(pmc_encode_get(&r, 0, PMC_ID_DEFAULT_DATA_SET, PMC_PORT_ALL, buf, sizeof(buf)), ==,
                        -EINVAL);
        g_assert_cmpint(pmc_encode_subscribe(&r, 0, &s, buf, sizeof(buf)), ==, -EINVAL);
        r.transport_specific = 15;
        g_assert_cmpint(pmc_encode_get(&r, 0, PMC_ID_DEFAULT_DATA_SET, PMC_PORT_ALL, buf, sizeof(buf)), ==,
                        PMC_GET_SIZE);
        g_assert_cmpuint(buf[0], ==, 0xfd);

        /* Only ids this module can decode the answer to. */
        g_assert_cmpint(pmc_encode_get(&r, 0, 0x2005, PMC_PORT_ALL, buf, sizeof(buf)), ==, -EINVAL);
        g_assert_cmpint(pmc_encode_get(&r, 0, 0xC002, PMC_PORT_ALL, buf, sizeof(buf)), ==, -EINVAL);
        g_assert_cmpint(pmc_encode_get(&r, 0, 0xC005, PMC_PORT_ALL, buf, sizeof(buf)), ==, -EINVAL);
        g_assert_cmpint(pmc_encode_get(&r, 0, 0xC007, PMC_PORT_ALL, buf, sizeof(buf)), ==, -EINVAL);
        g_assert_cmpint(pmc_encode_get(&r, 0, 0, PMC_PORT_ALL, buf, sizeof(buf)), ==, -EINVAL);
}

static void test_subscribe_events(void) {
        PmcSubscribeEvents s = {};

        for (unsigned e = 0; e < 520; e++)
                g_assert_false(pmc_subscribe_events_has(&s, e));
        pmc_subscribe_events_set(&s, PMC_EVENT_PORT_STATE);
        pmc_subscribe_events_set(&s, PMC_EVENT_CMLDS);
        pmc_subscribe_events_set(&s, 9);
        pmc_subscribe_events_set(&s, 511);
        pmc_subscribe_events_set(&s, 512); /* out of range: ignored */
        g_assert_cmpuint(s.bitmask[0], ==, 0x09);
        g_assert_cmpuint(s.bitmask[1], ==, 0x02);
        g_assert_cmpuint(s.bitmask[63], ==, 0x80);
        for (unsigned e = 0; e < 520; e++)
                g_assert_cmpint(pmc_subscribe_events_has(&s, e), ==, e == 0 || e == 3 || e == 9 || e == 511);
}

/*
 * What linuxptp 3.1.1's pmc sent for "SET GRANDMASTER_SETTINGS_NP clockClass 6 clockAccuracy 0x21
 * offsetScaledLogVariance 0x4e5d currentUtcOffset 37 leap61 0 leap59 0 currentUtcOffsetValid 1
 * ptpTimescale 1 timeTraceable 1 frequencyTraceable 0 timeSource 0x20" (pmc -u -b 0 -d 0, read off
 * the socket it sent to): transportSpecific 1, source 000000.0000.000000-10321, seq 0.
 */
static const uint8_t sample_set_grandmaster_settings[] = {
        0x1d, 0x02, 0x00, 0x3e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x28, 0x51, 0x00, 0x00,
        0x04, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x01, 0x00,
        0x00, 0x01, 0x00, 0x0a, 0xc0, 0x01, 0x06, 0x21, 0x4e, 0x5d, 0x00, 0x25, 0x1c, 0x20,
};

static const PmcGrandmasterSettings settings_class_6 = {
        .clock_quality = { .clock_class = 6, .clock_accuracy = 0x21, .offset_scaled_log_variance = 0x4e5d },
        .time_properties = { .current_utc_offset = 37, .current_utc_offset_valid = true, .ptp_timescale = true,
                             .time_traceable = true, .time_source = 0x20 },
};

static void test_grandmaster_settings_encode(void) {
        const PmcRequester pmc_like = { .transport_specific = 1, .identity.port_number = 0x2851 };
        uint8_t buf[PMC_GRANDMASTER_SETTINGS_SIZE + 8];
        PmcGrandmasterSettings all_flags = settings_class_6;

        G_STATIC_ASSERT(sizeof(sample_set_grandmaster_settings) == PMC_GRANDMASTER_SETTINGS_SIZE);
        g_assert_cmpint(pmc_encode_grandmaster_settings(&pmc_like, 0, &settings_class_6, buf, sizeof(buf)), ==,
                        PMC_GRANDMASTER_SETTINGS_SIZE);
        g_assert_cmpmem(buf, PMC_GRANDMASTER_SETTINGS_SIZE, sample_set_grandmaster_settings,
                        sizeof(sample_set_grandmaster_settings));

        /* Every flag in its bit; a negative offset in two's complement. */
        all_flags.time_properties = (PmcTimePropertiesDataSet) {
                .current_utc_offset = -2, .leap61 = true, .leap59 = true, .current_utc_offset_valid = true,
                .ptp_timescale = true, .time_traceable = true, .frequency_traceable = true, .time_source = 0xa0,
        };
        g_assert_cmpint(pmc_encode_grandmaster_settings(&pmc_like, 7, &all_flags, buf, sizeof(buf)), ==,
                        PMC_GRANDMASTER_SETTINGS_SIZE);
        g_assert_cmpuint(buf[30], ==, 0);
        g_assert_cmpuint(buf[31], ==, 7);
        g_assert_cmpmem(buf + 58, 4, ((const uint8_t[]) { 0xff, 0xfe, 0x3f, 0xa0 }), 4);

        /* Too small a buffer, or a transportSpecific of more than a nibble: nothing written. */
        memset(buf, 0xaa, sizeof(buf));
        g_assert_cmpint(pmc_encode_grandmaster_settings(&pmc_like, 0, &settings_class_6, buf,
                                                        PMC_GRANDMASTER_SETTINGS_SIZE - 1), ==, -ENOBUFS);
        g_assert_cmpint(pmc_encode_grandmaster_settings(&(PmcRequester) { .transport_specific = 16 }, 0,
                                                        &settings_class_6, buf, sizeof(buf)), ==, -EINVAL);
        for (size_t i = 0; i < sizeof(buf); i++)
                g_assert_cmpuint(buf[i], ==, 0xaa);
}

/* ptp4l's RESPONSE to it carries the same data set: decoded, and truncations refused. */
static void test_grandmaster_settings_decode(void) {
        uint8_t response[sizeof(sample_set_grandmaster_settings)];
        PmcMessage m;

        memcpy(response, sample_set_grandmaster_settings, sizeof(response));
        response[46] = PMC_ACTION_RESPONSE;
        decode_ok(response, sizeof(response), &m);
        g_assert_cmpuint(m.id, ==, PMC_ID_GRANDMASTER_SETTINGS_NP);
        g_assert_cmpmem(&m.grandmaster_settings.clock_quality, sizeof(PmcClockQuality),
                        &settings_class_6.clock_quality, sizeof(PmcClockQuality));
        g_assert_cmpint(m.grandmaster_settings.time_properties.current_utc_offset, ==, 37);
        g_assert_true(m.grandmaster_settings.time_properties.current_utc_offset_valid);
        g_assert_true(m.grandmaster_settings.time_properties.ptp_timescale);
        g_assert_true(m.grandmaster_settings.time_properties.time_traceable);
        g_assert_false(m.grandmaster_settings.time_properties.frequency_traceable);
        g_assert_false(m.grandmaster_settings.time_properties.leap61);
        g_assert_false(m.grandmaster_settings.time_properties.leap59);
        g_assert_cmpuint(m.grandmaster_settings.time_properties.time_source, ==, 0x20);
        check_truncations(response, sizeof(response), PMC_ERROR_GRANDMASTER_SETTINGS_NP_SHORT);
        /* A SET is no reply. */
        g_assert_cmpint(pmc_decode(sample_set_grandmaster_settings, sizeof(sample_set_grandmaster_settings), &m), ==,
                        PMC_ERROR_NOT_RESPONSE);
}

/* ---- Names ----------------------------------------------------------------------------------- */

typedef struct PortStateCase {
        int state;
        const char *name; /* NULL: none */
} PortStateCase;

static const PortStateCase port_state_cases[] = {
        { 0, NULL },
        { 1, "INITIALIZING" },
        { 2, "FAULTY" },
        { 3, "DISABLED" },
        { 4, "LISTENING" },
        { 5, "PRE_MASTER" },
        { 6, "MASTER" },
        { 7, "PASSIVE" },
        { 8, "UNCALIBRATED" },
        { 9, "SLAVE" },
        { 10, NULL }, /* ptp4l's internal GRAND_MASTER: never on the wire */
        { 255, NULL },
        { -1, NULL },
};

static void test_port_state(const void *data) {
        const PortStateCase *c = data;

        g_assert_cmpstr(pmc_port_state_to_string(c->state), ==, c->name);
        if (c->name)
                g_assert_cmpint(pmc_port_state_from_string(c->name), ==, c->state);
}

static void test_port_state_from_string_invalid(void) {
        static const char *const invalid[] = {
                "", "slave", "Slave", "SLAVE ", " SLAVE", "GRAND_MASTER", "PRE-MASTER", "SLAVE\n", NULL,
        };

        for (size_t i = 0; i < ELEMENTSOF(invalid); i++)
                g_assert_cmpint(pmc_port_state_from_string(invalid[i]), ==, _PMC_PORT_STATE_MAX);
}

typedef struct ClockIdentityCase {
        const char *s;
        uint8_t id[8];
        const char *canonical; /* NULL: invalid */
} ClockIdentityCase;

static const ClockIdentityCase clock_identity_cases[] = {
        { "020000.fffe.00bb01", { 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0xbb, 0x01 }, "020000.fffe.00bb01" },
        { "020000.fffe.00aa01", { 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0xaa, 0x01 }, "020000.fffe.00aa01" },
        { "000000.0000.000000", { 0 }, "000000.0000.000000" },
        { "ffffff.ffff.ffffff", { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, "ffffff.ffff.ffffff" },
        { "A1B2C3.D4E5.F60718", { 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18 }, "a1b2c3.d4e5.f60718" },
        { "", { 0 }, NULL },
        { "020000fffe00bb01", { 0 }, NULL },
        { "020000.fffe.00bb0", { 0 }, NULL },
        { "020000.fffe.00bb011", { 0 }, NULL },
        { "020000.fffe.00bb01-1", { 0 }, NULL },
        { "020000:fffe:00bb01", { 0 }, NULL },
        { "02000.0fffe.00bb01", { 0 }, NULL },
        { "020000.fffe.00bg01", { 0 }, NULL },
        { "020000.fffe.00bb0 ", { 0 }, NULL },
        { " 20000.fffe.00bb01", { 0 }, NULL },
        { "+20000.fffe.00bb01", { 0 }, NULL },
        { "02:00:00:ff:fe:00:bb:01", { 0 }, NULL },
};

static void test_clock_identity(const void *data) {
        const ClockIdentityCase *c = data;
        PmcClockIdentity id = { { 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55 } }, old = id;
        char s[PMC_CLOCK_IDENTITY_STRING_MAX];

        if (!c->canonical) {
                g_assert_cmpint(pmc_clock_identity_from_string(c->s, &id), ==, -EINVAL);
                g_assert_true(pmc_clock_identity_equal(&id, &old)); /* untouched */
                return;
        }
        g_assert_cmpint(pmc_clock_identity_from_string(c->s, &id), ==, 0);
        g_assert_cmpmem(id.id, sizeof(id.id), c->id, sizeof(c->id));
        g_assert_cmpstr(pmc_clock_identity_to_string(&id, s), ==, c->canonical);
        g_assert_cmpuint(strlen(s), ==, PMC_CLOCK_IDENTITY_STRING_MAX - 1);
}

static void test_identity_strings(void) {
        PmcPortIdentity p = { { { 0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0xbb, 0x01 } }, 65535 }, q;
        char s[PMC_PORT_IDENTITY_STRING_MAX];

        g_assert_cmpint(pmc_clock_identity_from_string(NULL, &q.clock_identity), ==, -EINVAL);
        g_assert_cmpstr(pmc_port_identity_to_string(&p, s), ==, "020000.fffe.00bb01-65535");
        g_assert_cmpuint(strlen(s), ==, PMC_PORT_IDENTITY_STRING_MAX - 1);
        p.port_number = 0;
        g_assert_cmpstr(pmc_port_identity_to_string(&p, s), ==, "020000.fffe.00bb01-0");

        q = p;
        g_assert_true(pmc_port_identity_equal(&p, &q));
        q.port_number = 1;
        g_assert_false(pmc_port_identity_equal(&p, &q));
        q = p;
        q.clock_identity.id[7] ^= 1;
        g_assert_false(pmc_port_identity_equal(&p, &q));
        g_assert_false(pmc_clock_identity_equal(&p.clock_identity, &q.clock_identity));
}

static void test_names(void) {
        g_assert_cmpstr(pmc_id_to_string(0x2000), ==, "DEFAULT_DATA_SET");
        g_assert_cmpstr(pmc_id_to_string(0x2001), ==, "CURRENT_DATA_SET");
        g_assert_cmpstr(pmc_id_to_string(0x2002), ==, "PARENT_DATA_SET");
        g_assert_cmpstr(pmc_id_to_string(0x2004), ==, "PORT_DATA_SET");
        g_assert_cmpstr(pmc_id_to_string(0xC000), ==, "TIME_STATUS_NP");
        g_assert_cmpstr(pmc_id_to_string(0xC003), ==, "SUBSCRIBE_EVENTS_NP");
        g_assert_cmpstr(pmc_id_to_string(0x2003), ==, "TIME_PROPERTIES_DATA_SET");
        g_assert_cmpstr(pmc_id_to_string(0xC004), ==, "PORT_PROPERTIES_NP");
        g_assert_cmpstr(pmc_id_to_string(0xC001), ==, "GRANDMASTER_SETTINGS_NP");
        g_assert_null(pmc_id_to_string(0x2005));
        g_assert_null(pmc_id_to_string(0xC002));
        g_assert_null(pmc_id_to_string(0xC007));
        g_assert_cmpstr(pmc_management_error_to_string(2), ==, "NO_SUCH_ID");
        g_assert_null(pmc_management_error_to_string(0));
        g_assert_null(pmc_management_error_to_string(0xFFFF));

        /* linuxptp's enum timestamp_type, as pmc prints it. */
        g_assert_cmpstr(pmc_timestamping_to_string(0), ==, "SOFTWARE");
        g_assert_cmpstr(pmc_timestamping_to_string(1), ==, "HARDWARE");
        g_assert_cmpstr(pmc_timestamping_to_string(2), ==, "LEGACY_HW");
        g_assert_cmpstr(pmc_timestamping_to_string(3), ==, "ONESTEP");
        g_assert_cmpstr(pmc_timestamping_to_string(4), ==, "P2P1STEP");
        g_assert_null(pmc_timestamping_to_string(5));
        g_assert_null(pmc_timestamping_to_string(_PMC_TIMESTAMPING_MAX));
        g_assert_null(pmc_timestamping_to_string(0xff));
        g_assert_null(pmc_timestamping_to_string(-1));
}

/* Every error has a reason of its own: the log must tell them apart. */
static void test_error_strings(void) {
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
        char buf[PMC_ERROR_STRING_MAX];
        PmcMessage m = { .tlv_type = 0xabcd, .id = 0x2004 };

        for (PmcError e = 0; e < _PMC_ERROR_MAX; e++) {
                const char *s = pmc_error_to_string(e);

                g_assert_nonnull(s);
                g_assert_cmpuint(strlen(s), >, 0);
                g_assert_cmpuint(strlen(s), <, 60);
                g_assert_false(g_hash_table_contains(seen, s));
                g_hash_table_add(seen, (char *) s);
                g_assert_nonnull(pmc_error_format(e, &m, buf, sizeof(buf)));
        }
        g_assert_cmpstr(pmc_error_to_string(_PMC_ERROR_MAX), ==, "unknown error");
        g_assert_cmpstr(pmc_error_to_string(-1), ==, "unknown error");

        /* Formatting never overflows, and always terminates. */
        g_assert_cmpstr(pmc_error_format(PMC_ERROR_UNKNOWN_ID, &m, buf, 8), ==, "unknown");
        m.id = 0xC007;
        g_assert_cmpstr(pmc_error_format(PMC_ERROR_DATA_LONG, &m, buf, sizeof(buf)), ==,
                        "management data too long");
        g_assert_cmpstr(pmc_error_format(PMC_ERROR_TLV_TYPE, &m, buf, sizeof(buf)), ==,
                        "unknown TLV type 0xabcd");

        /* portState: which of the two data sets it is in. */
        g_assert_cmpstr(pmc_error_format(PMC_ERROR_PORT_STATE, &m, buf, sizeof(buf)), ==,
                        "management data portState out of range");
        m.id = 0x2004;
        g_assert_cmpstr(pmc_error_format(PMC_ERROR_PORT_STATE, &m, buf, sizeof(buf)), ==,
                        "PORT_DATA_SET portState out of range");
        m.id = 0xC004;
        g_assert_cmpstr(pmc_error_format(PMC_ERROR_PORT_STATE, &m, buf, sizeof(buf)), ==,
                        "PORT_PROPERTIES_NP portState out of range");
        g_assert_cmpstr(pmc_error_format(PMC_ERROR_DATA_LONG, &m, buf, sizeof(buf)), ==,
                        "PORT_PROPERTIES_NP too long");
        /* The longest formatted reasons fit. */
        m.id = 0x2003;
        g_assert_cmpstr(pmc_error_format(PMC_ERROR_PORT_STATE, &m, buf, sizeof(buf)), ==,
                        "TIME_PROPERTIES_DATA_SET portState out of range");
        g_assert_cmpstr(pmc_error_format(PMC_ERROR_PORT_STATE, &m, buf, 10), ==, "TIME_PROP");
}

static void test_time_interval(void) {
        g_assert_cmpint(pmc_time_interval_to_ns(0), ==, 0);
        g_assert_cmpint(pmc_time_interval_to_ns(65535), ==, 0);
        g_assert_cmpint(pmc_time_interval_to_ns(65536), ==, 1);
        g_assert_cmpint(pmc_time_interval_to_ns(-65535), ==, 0);
        g_assert_cmpint(pmc_time_interval_to_ns(-65536), ==, -1);
        g_assert_cmpint(pmc_time_interval_to_ns(INT64_C(343) << 16), ==, 343);
        g_assert_cmpint(pmc_time_interval_to_ns(INT64_MAX), ==, INT64_MAX / 65536);
        g_assert_cmpint(pmc_time_interval_to_ns(INT64_MIN), ==, INT64_MIN / 65536);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/pmc/sample/notification", test_sample_notification);
        g_test_add_func("/pmc/sample/subscribe-response", test_sample_subscribe_response);
        g_test_add_func("/pmc/sample/requests-refused", test_sample_requests_refused);
        ADD_CASES("/pmc/sample/port-properties", port_properties_samples, test_sample_port_properties);
        ADD_CASES("/pmc/sample/time-properties", time_properties_samples, test_sample_time_properties);
        g_test_add_func("/pmc/port-properties-pad-ignored", test_port_properties_pad_ignored);
        ADD_CASES("/pmc/port-properties", port_properties_cases, test_port_properties);
        ADD_CASES("/pmc/time-properties", time_properties_cases, test_time_properties);
        g_test_add_func("/pmc/time-properties-length", test_time_properties_length);
        ADD_CASES("/pmc/time-status", time_status_cases, test_time_status);
        ADD_CASES("/pmc/port-data-set", port_data_set_cases, test_port_data_set);
        ADD_CASES("/pmc/parent-data-set", parent_data_set_cases, test_parent_data_set);
        ADD_CASES("/pmc/current-data-set", current_data_set_cases, test_current_data_set);
        ADD_CASES("/pmc/default-data-set", default_data_set_cases, test_default_data_set);
        ADD_CASES("/pmc/error-status", error_status_cases, test_error_status);
        ADD_CASES("/pmc/malformed", malformed_cases, test_malformed);
        g_test_add_func("/pmc/accepted-variants", test_accepted_variants);
        g_test_add_func("/pmc/degenerate", test_degenerate);
        ADD_CASES("/pmc/request", request_cases, test_request);
        g_test_add_func("/pmc/request-invalid", test_request_invalid);
        g_test_add_func("/pmc/subscribe-events", test_subscribe_events);
        g_test_add_func("/pmc/grandmaster-settings/encode", test_grandmaster_settings_encode);
        g_test_add_func("/pmc/grandmaster-settings/decode", test_grandmaster_settings_decode);
        ADD_CASES("/pmc/port-state", port_state_cases, test_port_state);
        g_test_add_func("/pmc/port-state-invalid", test_port_state_from_string_invalid);
        ADD_CASES("/pmc/clock-identity", clock_identity_cases, test_clock_identity);
        g_test_add_func("/pmc/identity-strings", test_identity_strings);
        g_test_add_func("/pmc/names", test_names);
        g_test_add_func("/pmc/error-strings", test_error_strings);
        g_test_add_func("/pmc/time-interval", test_time_interval);

        return g_test_run();
}
