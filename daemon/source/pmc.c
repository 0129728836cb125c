/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <stdio.h>

#include "source/pmc.h"
#include "common/util.h"

#define MESSAGE_TYPE_MANAGEMENT 0x0D
#define VERSION_PTP 2
#define CONTROL_MANAGEMENT 0x04        /* controlField: what PTPv1 used; v2 senders still set it */
#define LOG_MESSAGE_INTERVAL_NONE 0x7F /* management messages are not periodic */
#define MANAGEMENT_ID_SIZE 2
#define ERROR_STATUS_SIZE 8 /* managementErrorId, managementId, reserved[4]; display data may follow */

#define DEFAULT_DATA_SET_SIZE 20
#define CURRENT_DATA_SET_SIZE 18
#define PARENT_DATA_SET_SIZE 32
#define TIME_PROPERTIES_DATA_SET_SIZE 4
#define PORT_DATA_SET_SIZE 26
#define TIME_STATUS_NP_SIZE 50
#define SUBSCRIBE_EVENTS_NP_SIZE (2 + PMC_EVENT_BITMASK_SIZE)
#define GRANDMASTER_SETTINGS_NP_SIZE 8
#define PORT_PROPERTIES_NP_SIZE 13 /* the least: portIdentity, port_state, timestamping, the text's length */

#define DEFAULT_DS_TWO_STEP 0x01
#define DEFAULT_DS_SLAVE_ONLY 0x02

/* timePropertiesDS flags: linuxptp's msg.h, the same bits as the Announce's flagField[1]. */
#define TIME_PROPERTIES_LEAP_61 0x01
#define TIME_PROPERTIES_LEAP_59 0x02
#define TIME_PROPERTIES_UTC_OFF_VALID 0x04
#define TIME_PROPERTIES_PTP_TIMESCALE 0x08
#define TIME_PROPERTIES_TIME_TRACEABLE 0x10
#define TIME_PROPERTIES_FREQ_TRACEABLE 0x20

/* Reads untrusted bytes. Every read is checked: a read past the end gives zeros and sets overrun for
 * good, so that a size in the table below that disagrees with its decoder trips an assertion rather
 * than reading out of bounds. */
typedef struct Reader {
        const uint8_t *p;
        size_t left;
        bool overrun;
} Reader;

static const uint8_t *take(Reader *r, size_t n) {
        const uint8_t *p;

        if (r->overrun || r->left < n) {
                r->overrun = true;
                return NULL;
        }
        p = r->p;
        r->p += n;
        r->left -= n;
        return p;
}

static void skip(Reader *r, size_t n) {
        (void) take(r, n);
}

static uint8_t read_u8(Reader *r) {
        const uint8_t *p = take(r, 1);

        return p ? p[0] : 0;
}

static uint16_t read_u16(Reader *r) {
        const uint8_t *p = take(r, 2);

        return p ? (uint16_t) (p[0] << 8 | p[1]) : 0;
}

static int16_t read_i16(Reader *r) {
        return (int16_t) read_u16(r);
}

static uint32_t read_u32(Reader *r) {
        const uint8_t *p = take(r, 4);

        return p ? (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3] : 0;
}

static uint64_t read_u64(Reader *r) {
        uint64_t hi = read_u32(r);

        return hi << 32 | read_u32(r);
}

/* Two's complement on the wire; gcc and clang convert modulo 2^N. */
static int8_t read_i8(Reader *r) {
        return (int8_t) read_u8(r);
}

static int32_t read_i32(Reader *r) {
        return (int32_t) read_u32(r);
}

static int64_t read_i64(Reader *r) {
        return (int64_t) read_u64(r);
}

static void read_bytes(Reader *r, void *dst, size_t n) {
        const uint8_t *p = take(r, n);

        if (p)
                memcpy(dst, p, n);
        else
                memset(dst, 0, n);
}

static void read_clock_identity(Reader *r, PmcClockIdentity *ret) {
        read_bytes(r, ret->id, sizeof(ret->id));
}

static void read_port_identity(Reader *r, PmcPortIdentity *ret) {
        read_clock_identity(r, &ret->clock_identity);
        ret->port_number = read_u16(r);
}

static void read_clock_quality(Reader *r, PmcClockQuality *ret) {
        ret->clock_class = read_u8(r);
        ret->clock_accuracy = read_u8(r);
        ret->offset_scaled_log_variance = read_u16(r);
}

/* Writes into a buffer whose size the caller has checked against the whole message first. */
typedef struct Writer {
        uint8_t *p;
        size_t left;
} Writer;

static void put_bytes(Writer *w, const void *src, size_t n) {
        assert(w->left >= n);
        memcpy(w->p, src, n);
        w->p += n;
        w->left -= n;
}

static void put_u8(Writer *w, uint8_t v) {
        put_bytes(w, &v, 1);
}

static void put_u16(Writer *w, uint16_t v) {
        put_bytes(w, (const uint8_t[]) { v >> 8, v & 0xff }, 2);
}

static void put_zeros(Writer *w, size_t n) {
        assert(w->left >= n);
        memset(w->p, 0, n);
        w->p += n;
        w->left -= n;
}

static void put_port_identity(Writer *w, const PmcPortIdentity *p) {
        put_bytes(w, p->clock_identity.id, sizeof(p->clock_identity.id));
        put_u16(w, p->port_number);
}

/* The 48-byte management header of a request, then the TLV header and managementId. */
static void put_request_head(Writer *w, const PmcRequester *r, uint16_t sequence_id, PmcAction action,
                             uint16_t target_port, uint16_t message_length, PmcId id) {
        static const uint8_t all_clocks[PMC_CLOCK_IDENTITY_SIZE] = {
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        };

        put_u8(w, (uint8_t) (r->transport_specific << 4 | MESSAGE_TYPE_MANAGEMENT));
        put_u8(w, VERSION_PTP);
        put_u16(w, message_length);
        put_u8(w, r->domain_number);
        put_zeros(w, 1 + 2 + 8 + 4); /* reserved, flagField, correctionField, reserved */
        put_port_identity(w, &r->identity);
        put_u16(w, sequence_id);
        put_u8(w, CONTROL_MANAGEMENT);
        put_u8(w, LOG_MESSAGE_INTERVAL_NONE);
        put_bytes(w, all_clocks, sizeof(all_clocks));
        put_u16(w, target_port);
        /* Hops 0/0: anything more and ptp4l forwards the request to other clocks. */
        put_u8(w, 0);
        put_u8(w, 0);
        put_u8(w, action);
        put_u8(w, 0);

        put_u16(w, PMC_TLV_MANAGEMENT);
        put_u16(w, (uint16_t) (message_length - PMC_MANAGEMENT_HEADER_SIZE - PMC_TLV_HEADER_SIZE));
        put_u16(w, id);
}

static bool id_is_known(PmcId id) {
        return pmc_id_to_string(id) != NULL;
}

ssize_t pmc_encode_get(const PmcRequester *r, uint16_t sequence_id, PmcId id, uint16_t target_port,
                       uint8_t *buf, size_t size) {
        Writer w = { .p = buf, .left = size };

        assert(r);
        assert(buf || size == 0);

        if (r->transport_specific > 0xf || !id_is_known(id))
                return -EINVAL;
        if (size < PMC_GET_SIZE)
                return -ENOBUFS;

        /* No data: ptp4l takes a GET with none, or with all of it zeroed, and nothing in between. */
        put_request_head(&w, r, sequence_id, PMC_ACTION_GET, target_port, PMC_GET_SIZE, id);
        assert(w.left == size - PMC_GET_SIZE);
        return PMC_GET_SIZE;
}

/*
 * Starts a SET of a clock-level id, message_length bytes in all, in buf: -EINVAL or -ENOBUFS as
 * pmc_encode_get() says, else 0 with the head written and *w at the data. Clock-level SETs target
 * all ports; ptp4l takes them from its UDS port only.
 */
static int begin_set(Writer *w, const PmcRequester *r, uint16_t sequence_id, PmcId id, uint16_t message_length,
                     uint8_t *buf, size_t size) {
        assert(r);
        assert(buf || size == 0);

        if (r->transport_specific > 0xf)
                return -EINVAL;
        if (size < message_length)
                return -ENOBUFS;
        *w = (Writer) { .p = buf, .left = size };
        put_request_head(w, r, sequence_id, PMC_ACTION_SET, PMC_PORT_ALL, message_length, id);
        return 0;
}

ssize_t pmc_encode_subscribe(const PmcRequester *r, uint16_t sequence_id, const PmcSubscribeEvents *s,
                             uint8_t *buf, size_t size) {
        Writer w;
        int k;

        assert(s);
        k = begin_set(&w, r, sequence_id, PMC_ID_SUBSCRIBE_EVENTS_NP, PMC_SUBSCRIBE_SIZE, buf, size);
        if (k < 0)
                return k;
        put_u16(&w, s->duration_sec);
        put_bytes(&w, s->bitmask, sizeof(s->bitmask));
        assert(w.left == size - PMC_SUBSCRIBE_SIZE);
        return PMC_SUBSCRIBE_SIZE;
}

static uint8_t time_flags(const PmcTimePropertiesDataSet *t) {
        return (t->leap61 ? TIME_PROPERTIES_LEAP_61 : 0) | (t->leap59 ? TIME_PROPERTIES_LEAP_59 : 0) |
                (t->current_utc_offset_valid ? TIME_PROPERTIES_UTC_OFF_VALID : 0) |
                (t->ptp_timescale ? TIME_PROPERTIES_PTP_TIMESCALE : 0) |
                (t->time_traceable ? TIME_PROPERTIES_TIME_TRACEABLE : 0) |
                (t->frequency_traceable ? TIME_PROPERTIES_FREQ_TRACEABLE : 0);
}

ssize_t pmc_encode_grandmaster_settings(const PmcRequester *r, uint16_t sequence_id, const PmcGrandmasterSettings *s,
                                        uint8_t *buf, size_t size) {
        Writer w;
        int k;

        assert(s);
        k = begin_set(&w, r, sequence_id, PMC_ID_GRANDMASTER_SETTINGS_NP, PMC_GRANDMASTER_SETTINGS_SIZE, buf, size);
        if (k < 0)
                return k;
        put_u8(&w, s->clock_quality.clock_class);
        put_u8(&w, s->clock_quality.clock_accuracy);
        put_u16(&w, s->clock_quality.offset_scaled_log_variance);
        put_u16(&w, (uint16_t) s->time_properties.current_utc_offset);
        put_u8(&w, time_flags(&s->time_properties));
        put_u8(&w, s->time_properties.time_source);
        assert(w.left == size - PMC_GRANDMASTER_SETTINGS_SIZE);
        return PMC_GRANDMASTER_SETTINGS_SIZE;
}

void pmc_subscribe_events_set(PmcSubscribeEvents *s, unsigned event) {
        assert(s);

        if (event < PMC_EVENT_BITMASK_SIZE * 8)
                s->bitmask[event / 8] |= (uint8_t) (1u << (event % 8));
}

bool pmc_subscribe_events_has(const PmcSubscribeEvents *s, unsigned event) {
        assert(s);

        return event < PMC_EVENT_BITMASK_SIZE * 8 && (s->bitmask[event / 8] & (1u << (event % 8)));
}

static PmcError decode_default_data_set(Reader *r, PmcMessage *m) {
        PmcDefaultDataSet *d = &m->default_data_set;
        uint8_t flags;

        flags = read_u8(r);
        d->two_step = flags & DEFAULT_DS_TWO_STEP;
        d->slave_only = flags & DEFAULT_DS_SLAVE_ONLY;
        skip(r, 1);
        d->number_ports = read_u16(r);
        d->priority1 = read_u8(r);
        read_clock_quality(r, &d->clock_quality);
        d->priority2 = read_u8(r);
        read_clock_identity(r, &d->clock_identity);
        d->domain_number = read_u8(r);
        skip(r, 1);
        return PMC_OK;
}

static PmcError decode_current_data_set(Reader *r, PmcMessage *m) {
        PmcCurrentDataSet *d = &m->current_data_set;

        d->steps_removed = read_u16(r);
        d->offset_from_master = read_i64(r);
        d->mean_path_delay = read_i64(r);
        return PMC_OK;
}

static PmcError decode_parent_data_set(Reader *r, PmcMessage *m) {
        PmcParentDataSet *d = &m->parent_data_set;

        read_port_identity(r, &d->parent_port_identity);
        d->parent_stats = read_u8(r);
        skip(r, 1);
        d->observed_parent_offset_scaled_log_variance = read_u16(r);
        d->observed_parent_clock_phase_change_rate = read_i32(r);
        d->grandmaster_priority1 = read_u8(r);
        read_clock_quality(r, &d->grandmaster_clock_quality);
        d->grandmaster_priority2 = read_u8(r);
        read_clock_identity(r, &d->grandmaster_identity);
        return PMC_OK;
}

static void read_time_properties(Reader *r, PmcTimePropertiesDataSet *d) {
        uint8_t flags;

        d->current_utc_offset = read_i16(r);
        flags = read_u8(r); /* bits 6 and 7 are reserved */
        d->leap61 = flags & TIME_PROPERTIES_LEAP_61;
        d->leap59 = flags & TIME_PROPERTIES_LEAP_59;
        d->current_utc_offset_valid = flags & TIME_PROPERTIES_UTC_OFF_VALID;
        d->ptp_timescale = flags & TIME_PROPERTIES_PTP_TIMESCALE;
        d->time_traceable = flags & TIME_PROPERTIES_TIME_TRACEABLE;
        d->frequency_traceable = flags & TIME_PROPERTIES_FREQ_TRACEABLE;
        d->time_source = read_u8(r);
}

static PmcError decode_time_properties_data_set(Reader *r, PmcMessage *m) {
        read_time_properties(r, &m->time_properties_data_set);
        return PMC_OK;
}

/* GRANDMASTER_SETTINGS_NP: the clock quality, then a TIME_PROPERTIES_DATA_SET. */
static PmcError decode_grandmaster_settings(Reader *r, PmcMessage *m) {
        read_clock_quality(r, &m->grandmaster_settings.clock_quality);
        read_time_properties(r, &m->grandmaster_settings.time_properties);
        return PMC_OK;
}


static PmcError decode_port_data_set(Reader *r, PmcMessage *m) {
        PmcPortDataSet *d = &m->port_data_set;
        uint8_t state;

        read_port_identity(r, &d->port_identity);
        state = read_u8(r);
        /* Refused rather than passed on: the daemon maps every state, and can only map known ones. */
        if (!pmc_port_state_to_string(state))
                return PMC_ERROR_PORT_STATE;
        d->port_state = state;
        d->log_min_delay_req_interval = read_i8(r);
        d->peer_mean_path_delay = read_i64(r);
        d->log_announce_interval = read_i8(r);
        d->announce_receipt_timeout = read_u8(r);
        d->log_sync_interval = read_i8(r);
        d->delay_mechanism = read_u8(r);
        d->log_min_pdelay_req_interval = read_i8(r);
        d->version_number = read_u8(r) & 0x0f; /* the upper nibble is reserved */
        return PMC_OK;
}

static PmcError decode_time_status(Reader *r, PmcMessage *m) {
        PmcTimeStatus *d = &m->time_status;

        d->master_offset_ns = read_i64(r);
        d->ingress_time_ns = read_i64(r);
        d->cumulative_scaled_rate_offset = read_i32(r);
        d->scaled_last_gm_phase_change = read_i32(r);
        d->gm_time_base_indicator = read_u16(r);
        d->last_gm_phase_change.nanoseconds_msb = read_u16(r);
        d->last_gm_phase_change.nanoseconds_lsb = read_u64(r);
        d->last_gm_phase_change.fractional_nanoseconds = read_u16(r);
        d->gm_present = read_i32(r) != 0;
        read_clock_identity(r, &d->gm_identity);
        return PMC_OK;
}

static PmcError decode_subscribe_events(Reader *r, PmcMessage *m) {
        PmcSubscribeEvents *d = &m->subscribe_events;

        d->duration_sec = read_u16(r);
        read_bytes(r, d->bitmask, sizeof(d->bitmask));
        return PMC_OK;
}

/* An interface's name, bound for logs: printable, no spaces, no '/' (a path is no interface). */
static bool interface_char_ok(uint8_t c) {
        return c >= 0x21 && c <= 0x7e && c != '/';
}

static PmcError decode_port_properties(Reader *r, PmcMessage *m) {
        PmcPortProperties *d = &m->port_properties;
        const uint8_t *text;
        uint8_t state, timestamping, length;

        read_port_identity(r, &d->port_identity);
        state = read_u8(r);
        timestamping = read_u8(r);
        length = read_u8(r);

        /* The shape first: the text, then at most the one pad byte. The TLV length is even, so the pad
         * byte is there exactly when the text's length is even. */
        if (length > r->left)
                return PMC_ERROR_PORT_PROPERTIES_NP_SHORT;
        if (r->left - length > 1)
                return PMC_ERROR_DATA_LONG;

        if (!pmc_port_state_to_string(state))
                return PMC_ERROR_PORT_STATE;
        d->port_state = state;
        if (!pmc_timestamping_to_string(timestamping))
                return PMC_ERROR_TIMESTAMPING;
        d->timestamping = timestamping;

        if (length == 0)
                return PMC_ERROR_INTERFACE_EMPTY;
        if (length >= PMC_INTERFACE_MAX)
                return PMC_ERROR_INTERFACE_LONG;
        text = take(r, length);
        assert(text);
        for (size_t i = 0; i < length; i++)
                if (!interface_char_ok(text[i]))
                        return PMC_ERROR_INTERFACE_CHAR;
        memcpy(d->interface, text, length);
        d->interface[length] = '\0';

        skip(r, r->left); /* the pad byte, zero from ptp4l, like any reserved byte not checked */
        return PMC_OK;
}

typedef struct IdInfo {
        PmcId id;
        const char *name;
        /* Of the data, exactly: ptp4l's pmc refuses any other. With variable, the least, and the
         * decoder checks the rest. */
        size_t size;
        bool variable;
        PmcError too_short;
        PmcError (*decode)(Reader *r, PmcMessage *m);
} IdInfo;

static const IdInfo id_table[] = {
        { PMC_ID_DEFAULT_DATA_SET, "DEFAULT_DATA_SET", DEFAULT_DATA_SET_SIZE, false,
          PMC_ERROR_DEFAULT_DATA_SET_SHORT, decode_default_data_set },
        { PMC_ID_CURRENT_DATA_SET, "CURRENT_DATA_SET", CURRENT_DATA_SET_SIZE, false,
          PMC_ERROR_CURRENT_DATA_SET_SHORT, decode_current_data_set },
        { PMC_ID_PARENT_DATA_SET, "PARENT_DATA_SET", PARENT_DATA_SET_SIZE, false,
          PMC_ERROR_PARENT_DATA_SET_SHORT, decode_parent_data_set },
        { PMC_ID_TIME_PROPERTIES_DATA_SET, "TIME_PROPERTIES_DATA_SET", TIME_PROPERTIES_DATA_SET_SIZE, false,
          PMC_ERROR_TIME_PROPERTIES_DATA_SET_SHORT, decode_time_properties_data_set },
        { PMC_ID_PORT_DATA_SET, "PORT_DATA_SET", PORT_DATA_SET_SIZE, false,
          PMC_ERROR_PORT_DATA_SET_SHORT, decode_port_data_set },
        { PMC_ID_TIME_STATUS_NP, "TIME_STATUS_NP", TIME_STATUS_NP_SIZE, false,
          PMC_ERROR_TIME_STATUS_NP_SHORT, decode_time_status },
        { PMC_ID_GRANDMASTER_SETTINGS_NP, "GRANDMASTER_SETTINGS_NP", GRANDMASTER_SETTINGS_NP_SIZE, false,
          PMC_ERROR_GRANDMASTER_SETTINGS_NP_SHORT, decode_grandmaster_settings },
        { PMC_ID_SUBSCRIBE_EVENTS_NP, "SUBSCRIBE_EVENTS_NP", SUBSCRIBE_EVENTS_NP_SIZE, false,
          PMC_ERROR_SUBSCRIBE_EVENTS_NP_SHORT, decode_subscribe_events },
        { PMC_ID_PORT_PROPERTIES_NP, "PORT_PROPERTIES_NP", PORT_PROPERTIES_NP_SIZE, true,
          PMC_ERROR_PORT_PROPERTIES_NP_SHORT, decode_port_properties },
};

static const IdInfo *id_info(uint16_t id) {
        for (size_t i = 0; i < ELEMENTSOF(id_table); i++)
                if (id_table[i].id == id)
                        return &id_table[i];
        return NULL;
}

const char *pmc_id_to_string(uint16_t id) {
        const IdInfo *info = id_info(id);

        return info ? info->name : NULL;
}

/* The management data: the rest of the TLV, whose size has been checked against the datagram. */
static PmcError decode_management(Reader *r, PmcMessage *m) {
        const IdInfo *info;
        PmcError e;

        if (r->left < MANAGEMENT_ID_SIZE)
                return PMC_ERROR_NO_ID;
        m->id = read_u16(r);

        info = id_info(m->id);
        if (!info)
                return PMC_ERROR_UNKNOWN_ID;
        if (r->left < info->size)
                return info->too_short;
        if (!info->variable && r->left > info->size)
                return PMC_ERROR_DATA_LONG;

        e = info->decode(r, m);
        if (e != PMC_OK)
                return e;
        /* Each decoder reads exactly its size: a mismatch is a bug here, not bad input. */
        assert(!r->overrun && r->left == 0);
        return PMC_OK;
}

static PmcError decode_error_status(Reader *r, PmcMessage *m) {
        if (r->left < ERROR_STATUS_SIZE)
                return PMC_ERROR_ERROR_STATUS_SHORT;

        m->error_status.error = read_u16(r);
        m->id = read_u16(r);
        /* reserved[4], then an optional displayData (PTPText) that nobody needs. */
        return PMC_OK;
}

static PmcError decode_tlv(Reader *r, PmcMessage *m) {
        uint16_t length;

        if (r->left < PMC_TLV_HEADER_SIZE)
                return PMC_ERROR_NO_TLV;
        m->tlv_type = read_u16(r);
        length = read_u16(r);

        /* Exactly one TLV, filling the message: ptp4l sends no other, and ignores a second one. */
        if (length > r->left)
                return PMC_ERROR_TLV_PAST_END;
        if (length < r->left)
                return PMC_ERROR_TLV_TRAILING;
        if (length % 2 != 0)
                return PMC_ERROR_TLV_ODD;

        switch (m->tlv_type) {
        case PMC_TLV_MANAGEMENT:
                return decode_management(r, m);
        case PMC_TLV_MANAGEMENT_ERROR_STATUS:
                return decode_error_status(r, m);
        default:
                return PMC_ERROR_TLV_TYPE;
        }
}

static PmcError decode_header(Reader *r, size_t size, PmcHeader *h) {
        uint8_t b;

        if (size < PMC_HEADER_SIZE)
                return PMC_ERROR_SHORT_HEADER;

        b = read_u8(r);
        h->transport_specific = b >> 4;
        if ((b & 0x0f) != MESSAGE_TYPE_MANAGEMENT)
                return PMC_ERROR_NOT_MANAGEMENT;
        h->version = read_u8(r);
        /* Only the lower nibble: v4.x sets minorVersionPTP 1 in the upper one. */
        if ((h->version & 0x0f) != VERSION_PTP)
                return PMC_ERROR_VERSION;
        h->message_length = read_u16(r);
        if (h->message_length != size)
                return PMC_ERROR_LENGTH_MISMATCH;
        h->domain_number = read_u8(r);
        skip(r, 1);
        h->flags = read_u16(r);
        skip(r, 8 + 4); /* correctionField, reserved */
        read_port_identity(r, &h->source);
        h->sequence_id = read_u16(r);
        skip(r, 2); /* controlField, logMessageInterval: meaningless for management */

        if (size < PMC_MANAGEMENT_HEADER_SIZE)
                return PMC_ERROR_SHORT_MANAGEMENT;
        read_port_identity(r, &h->target);
        h->starting_boundary_hops = read_u8(r);
        h->boundary_hops = read_u8(r);
        h->action = read_u8(r) & 0x0f;
        skip(r, 1);
        /* ptp4l answers GET and SET with RESPONSE, COMMAND with ACKNOWLEDGE; its pushes are RESPONSEs. */
        if (h->action != PMC_ACTION_RESPONSE && h->action != PMC_ACTION_ACKNOWLEDGE)
                return PMC_ERROR_NOT_RESPONSE;

        assert(!r->overrun);
        return PMC_OK;
}

PmcError pmc_decode(const uint8_t *buf, size_t size, PmcMessage *ret) {
        Reader r = { .p = buf, .left = size };
        PmcError e;

        assert(buf || size == 0);
        assert(ret);

        /* memset, not an assignment: the padding too, so that two results compare with memcmp(). */
        memset(ret, 0, sizeof(*ret));

        /* First, so that nothing in a huge buffer is even looked at. */
        if (size > PMC_MESSAGE_MAX)
                return PMC_ERROR_TOO_LARGE;

        e = decode_header(&r, size, &ret->header);
        if (e != PMC_OK)
                return e;

        return decode_tlv(&r, ret);
}

static const char *const error_table[_PMC_ERROR_MAX] = {
        [PMC_OK]                              = "valid",
        [PMC_ERROR_TOO_LARGE]                 = "larger than any management message",
        [PMC_ERROR_SHORT_HEADER]              = "too short for a header",
        [PMC_ERROR_NOT_MANAGEMENT]            = "not a management message",
        [PMC_ERROR_VERSION]                   = "not PTP version 2",
        [PMC_ERROR_LENGTH_MISMATCH]           = "messageLength disagrees with the datagram",
        [PMC_ERROR_SHORT_MANAGEMENT]          = "too short for a management header",
        [PMC_ERROR_NOT_RESPONSE]              = "action is neither RESPONSE nor ACKNOWLEDGE",
        [PMC_ERROR_NO_TLV]                    = "too short for a TLV",
        [PMC_ERROR_TLV_PAST_END]              = "TLV runs past the end",
        [PMC_ERROR_TLV_TRAILING]              = "bytes after the TLV",
        [PMC_ERROR_TLV_ODD]                   = "TLV length is odd",
        [PMC_ERROR_TLV_TYPE]                  = "unknown TLV type",
        [PMC_ERROR_NO_ID]                     = "MANAGEMENT TLV too short for a management id",
        [PMC_ERROR_UNKNOWN_ID]                = "unknown management id",
        [PMC_ERROR_ERROR_STATUS_SHORT]        = "MANAGEMENT_ERROR_STATUS too short",
        [PMC_ERROR_DEFAULT_DATA_SET_SHORT]    = "DEFAULT_DATA_SET too short",
        [PMC_ERROR_CURRENT_DATA_SET_SHORT]    = "CURRENT_DATA_SET too short",
        [PMC_ERROR_PARENT_DATA_SET_SHORT]     = "PARENT_DATA_SET too short",
        [PMC_ERROR_PORT_DATA_SET_SHORT]       = "PORT_DATA_SET too short",
        [PMC_ERROR_TIME_STATUS_NP_SHORT]      = "TIME_STATUS_NP too short",
        [PMC_ERROR_SUBSCRIBE_EVENTS_NP_SHORT] = "SUBSCRIBE_EVENTS_NP too short",
        [PMC_ERROR_DATA_LONG]                 = "management data longer than its data set",
        [PMC_ERROR_PORT_STATE]                = "portState out of range",
        [PMC_ERROR_TIME_PROPERTIES_DATA_SET_SHORT] = "TIME_PROPERTIES_DATA_SET too short",
        [PMC_ERROR_PORT_PROPERTIES_NP_SHORT]  = "PORT_PROPERTIES_NP too short",
        [PMC_ERROR_TIMESTAMPING]              = "PORT_PROPERTIES_NP timestamping out of range",
        [PMC_ERROR_INTERFACE_EMPTY]           = "PORT_PROPERTIES_NP interface name empty",
        [PMC_ERROR_INTERFACE_LONG]            = "PORT_PROPERTIES_NP interface name too long",
        [PMC_ERROR_INTERFACE_CHAR]            = "PORT_PROPERTIES_NP interface name has a bad byte",
        [PMC_ERROR_GRANDMASTER_SETTINGS_NP_SHORT] = "GRANDMASTER_SETTINGS_NP too short",
};

const char *pmc_error_to_string(PmcError e) {
        if ((unsigned) e >= _PMC_ERROR_MAX)
                return "unknown error";
        return error_table[e];
}

const char *pmc_error_format(PmcError e, const PmcMessage *m, char *buf, size_t size) {
        assert(m);
        assert(buf || size == 0);

        switch (e) {
        case PMC_ERROR_UNKNOWN_ID:
                snprintf(buf, size, "%s 0x%04x", pmc_error_to_string(e), m->id);
                return buf;
        case PMC_ERROR_TLV_TYPE:
                snprintf(buf, size, "%s 0x%04x", pmc_error_to_string(e), (unsigned) m->tlv_type);
                return buf;
        case PMC_ERROR_DATA_LONG:
                snprintf(buf, size, "%s too long", pmc_id_to_string(m->id) ?: "management data");
                return buf;
        case PMC_ERROR_PORT_STATE:
                /* Two data sets carry one. */
                snprintf(buf, size, "%s %s", pmc_id_to_string(m->id) ?: "management data",
                         pmc_error_to_string(e));
                return buf;
        default:
                return pmc_error_to_string(e);
        }
}

static const struct {
        PmcManagementError error;
        const char *name;
} management_error_table[] = {
        { PMC_MANAGEMENT_ERROR_RESPONSE_TOO_BIG, "RESPONSE_TOO_BIG" },
        { PMC_MANAGEMENT_ERROR_NO_SUCH_ID,       "NO_SUCH_ID" },
        { PMC_MANAGEMENT_ERROR_WRONG_LENGTH,     "WRONG_LENGTH" },
        { PMC_MANAGEMENT_ERROR_WRONG_VALUE,      "WRONG_VALUE" },
        { PMC_MANAGEMENT_ERROR_NOT_SETABLE,      "NOT_SETABLE" },
        { PMC_MANAGEMENT_ERROR_NOT_SUPPORTED,    "NOT_SUPPORTED" },
        { PMC_MANAGEMENT_ERROR_GENERAL_ERROR,    "GENERAL_ERROR" },
};

const char *pmc_management_error_to_string(uint16_t error) {
        for (size_t i = 0; i < ELEMENTSOF(management_error_table); i++)
                if (management_error_table[i].error == error)
                        return management_error_table[i].name;
        return NULL;
}

static const char *const timestamping_table[_PMC_TIMESTAMPING_MAX] = {
        [PMC_TIMESTAMPING_SOFTWARE]  = "SOFTWARE",
        [PMC_TIMESTAMPING_HARDWARE]  = "HARDWARE",
        [PMC_TIMESTAMPING_LEGACY_HW] = "LEGACY_HW",
        [PMC_TIMESTAMPING_ONESTEP]   = "ONESTEP",
        [PMC_TIMESTAMPING_P2P1STEP]  = "P2P1STEP",
};

const char *pmc_timestamping_to_string(PmcTimestamping t) {
        if ((unsigned) t >= _PMC_TIMESTAMPING_MAX)
                return NULL;
        return timestamping_table[t];
}

static const char *const port_state_table[_PMC_PORT_STATE_MAX] = {
        [PMC_PORT_STATE_INITIALIZING] = "INITIALIZING",
        [PMC_PORT_STATE_FAULTY]       = "FAULTY",
        [PMC_PORT_STATE_DISABLED]     = "DISABLED",
        [PMC_PORT_STATE_LISTENING]    = "LISTENING",
        [PMC_PORT_STATE_PRE_MASTER]   = "PRE_MASTER",
        [PMC_PORT_STATE_MASTER]       = "MASTER",
        [PMC_PORT_STATE_PASSIVE]      = "PASSIVE",
        [PMC_PORT_STATE_UNCALIBRATED] = "UNCALIBRATED",
        [PMC_PORT_STATE_SLAVE]        = "SLAVE",
};

const char *pmc_port_state_to_string(PmcPortState s) {
        /* Entry 0 is NULL: no state. */
        if ((unsigned) s >= _PMC_PORT_STATE_MAX)
                return NULL;
        return port_state_table[s];
}

PmcPortState pmc_port_state_from_string(const char *s) {
        if (!s)
                return _PMC_PORT_STATE_MAX;
        for (PmcPortState i = PMC_PORT_STATE_INITIALIZING; i < _PMC_PORT_STATE_MAX; i++)
                if (streq(port_state_table[i], s))
                        return i;
        return _PMC_PORT_STATE_MAX;
}

char *pmc_clock_identity_to_string(const PmcClockIdentity *c,
                                   char buf[static PMC_CLOCK_IDENTITY_STRING_MAX]) {
        const uint8_t *b = c->id;

        snprintf(buf, PMC_CLOCK_IDENTITY_STRING_MAX, "%02x%02x%02x.%02x%02x.%02x%02x%02x",
                 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
        return buf;
}

static int hex_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int pmc_clock_identity_from_string(const char *s, PmcClockIdentity *ret) {
        /* Where the two dots are: "xxxxxx.xxxx.xxxxxx". */
        static const char pattern[] = "hhhhhh.hhhh.hhhhhh";
        PmcClockIdentity c = {};
        size_t n = 0;

        assert(ret);

        if (!s || strnlen(s, sizeof(pattern)) != sizeof(pattern) - 1)
                return -EINVAL;

        for (size_t i = 0; pattern[i]; i++) {
                int hi, lo;

                if (pattern[i] == '.') {
                        if (s[i] != '.')
                                return -EINVAL;
                        continue;
                }
                /* Two digits at a time: the pattern's hex runs are all even. */
                hi = hex_value(s[i]);
                lo = hex_value(s[i + 1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                c.id[n++] = (uint8_t) (hi << 4 | lo);
                i++;
        }

        assert(n == sizeof(c.id));
        *ret = c;
        return 0;
}

char *pmc_port_identity_to_string(const PmcPortIdentity *p, char buf[static PMC_PORT_IDENTITY_STRING_MAX]) {
        char clock[PMC_CLOCK_IDENTITY_STRING_MAX];

        snprintf(buf, PMC_PORT_IDENTITY_STRING_MAX, "%s-%u",
                 pmc_clock_identity_to_string(&p->clock_identity, clock), (unsigned) p->port_number);
        return buf;
}
