/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Arbitrary datagrams, as if from ptp4l's socket. Whatever decodes must fit the bytes it came
 * from: the lengths it reports are the input's, and the decoded values, written back here at the
 * offsets of linuxptp's msg.h and tlv.h, give the input's bytes back, apart from the few the decoder normalizes
 * or skips. The header goes through the module's own request encoder too.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "source/pmc.h"
#include "common/util.h"

/* Writes values back big-endian, and marks the bytes whose value the decoder does not keep. */
typedef struct Out {
        uint8_t bytes[PMC_MESSAGE_MAX];
        bool ignore[PMC_MESSAGE_MAX];
        size_t n;
} Out;

static void o_u8(Out *o, uint8_t v) {
        check(o->n < sizeof(o->bytes));
        o->bytes[o->n++] = v;
}

static void o_u16(Out *o, uint16_t v) {
        o_u8(o, v >> 8);
        o_u8(o, v & 0xff);
}

static void o_u32(Out *o, uint32_t v) {
        o_u16(o, v >> 16);
        o_u16(o, v & 0xffff);
}

static void o_u64(Out *o, uint64_t v) {
        o_u32(o, v >> 32);
        o_u32(o, v & 0xffffffff);
}

/* A byte of which only mask is kept. */
static void o_masked(Out *o, uint8_t v, uint8_t mask, const uint8_t *input) {
        check((v & ~mask) == 0);
        o_u8(o, (uint8_t) (v | (input[o->n] & ~mask)));
}

static void o_skip(Out *o, size_t n) {
        for (size_t i = 0; i < n; i++) {
                check(o->n < sizeof(o->bytes));
                o->ignore[o->n++] = true;
        }
}

static void o_clock(Out *o, const PmcClockIdentity *c) {
        for (size_t i = 0; i < sizeof(c->id); i++)
                o_u8(o, c->id[i]);
}

static void o_port(Out *o, const PmcPortIdentity *p) {
        o_clock(o, &p->clock_identity);
        o_u16(o, p->port_number);
}

static void o_quality(Out *o, const PmcClockQuality *q) {
        o_u8(o, q->clock_class);
        o_u8(o, q->clock_accuracy);
        o_u16(o, q->offset_scaled_log_variance);
}

static void write_header(Out *o, const PmcHeader *h, const uint8_t *input) {
        o_u8(o, (uint8_t) (h->transport_specific << 4 | 0x0d));
        o_u8(o, h->version);
        o_u16(o, h->message_length);
        o_u8(o, h->domain_number);
        o_skip(o, 1);
        o_u16(o, h->flags);
        o_skip(o, 8 + 4);
        o_port(o, &h->source);
        o_u16(o, h->sequence_id);
        o_skip(o, 2);
        o_port(o, &h->target);
        o_u8(o, h->starting_boundary_hops);
        o_u8(o, h->boundary_hops);
        o_masked(o, h->action, 0x0f, input);
        o_skip(o, 1);
}


/* TIME_PROPERTIES_DATA_SET's 4 bytes, also the tail of GRANDMASTER_SETTINGS_NP; bits 6 and 7 are not kept. */
static void o_time_properties(Out *o, const PmcTimePropertiesDataSet *d, const uint8_t *input) {
        uint8_t flags = (uint8_t) (d->leap61 | d->leap59 << 1 | d->current_utc_offset_valid << 2 |
                                   d->ptp_timescale << 3 | d->time_traceable << 4 | d->frequency_traceable << 5);

        o_u16(o, (uint16_t) d->current_utc_offset);
        o_masked(o, flags, 0x3f, input);
        o_u8(o, d->time_source);
}
static void write_data(Out *o, const PmcMessage *m, const uint8_t *input) {
        switch (m->id) {
        case PMC_ID_DEFAULT_DATA_SET: {
                const PmcDefaultDataSet *d = &m->default_data_set;

                o_masked(o, (uint8_t) (d->two_step | d->slave_only << 1), 0x03, input);
                o_skip(o, 1);
                o_u16(o, d->number_ports);
                o_u8(o, d->priority1);
                o_quality(o, &d->clock_quality);
                o_u8(o, d->priority2);
                o_clock(o, &d->clock_identity);
                o_u8(o, d->domain_number);
                o_skip(o, 1);
                break;
        }
        case PMC_ID_CURRENT_DATA_SET:
                o_u16(o, m->current_data_set.steps_removed);
                o_u64(o, (uint64_t) m->current_data_set.offset_from_master);
                o_u64(o, (uint64_t) m->current_data_set.mean_path_delay);
                break;
        case PMC_ID_PARENT_DATA_SET: {
                const PmcParentDataSet *d = &m->parent_data_set;

                o_port(o, &d->parent_port_identity);
                o_u8(o, d->parent_stats);
                o_skip(o, 1);
                o_u16(o, d->observed_parent_offset_scaled_log_variance);
                o_u32(o, (uint32_t) d->observed_parent_clock_phase_change_rate);
                o_u8(o, d->grandmaster_priority1);
                o_quality(o, &d->grandmaster_clock_quality);
                o_u8(o, d->grandmaster_priority2);
                o_clock(o, &d->grandmaster_identity);
                break;
        }
        case PMC_ID_TIME_PROPERTIES_DATA_SET:
                o_time_properties(o, &m->time_properties_data_set, input);
                break;
        case PMC_ID_GRANDMASTER_SETTINGS_NP:
                o_quality(o, &m->grandmaster_settings.clock_quality);
                o_time_properties(o, &m->grandmaster_settings.time_properties, input);
                break;
        case PMC_ID_PORT_DATA_SET: {
                const PmcPortDataSet *d = &m->port_data_set;

                check(pmc_port_state_to_string(d->port_state));
                check(pmc_port_state_from_string(pmc_port_state_to_string(d->port_state)) == d->port_state);
                o_port(o, &d->port_identity);
                o_u8(o, (uint8_t) d->port_state);
                o_u8(o, (uint8_t) d->log_min_delay_req_interval);
                o_u64(o, (uint64_t) d->peer_mean_path_delay);
                o_u8(o, (uint8_t) d->log_announce_interval);
                o_u8(o, d->announce_receipt_timeout);
                o_u8(o, (uint8_t) d->log_sync_interval);
                o_u8(o, d->delay_mechanism);
                o_u8(o, (uint8_t) d->log_min_pdelay_req_interval);
                o_masked(o, d->version_number, 0x0f, input);
                break;
        }
        case PMC_ID_TIME_STATUS_NP: {
                const PmcTimeStatus *d = &m->time_status;
                uint32_t present = (uint32_t) input[o->n + 38] << 24 | (uint32_t) input[o->n + 39] << 16 |
                                   (uint32_t) input[o->n + 40] << 8 | input[o->n + 41];

                o_u64(o, (uint64_t) d->master_offset_ns);
                o_u64(o, (uint64_t) d->ingress_time_ns);
                o_u32(o, (uint32_t) d->cumulative_scaled_rate_offset);
                o_u32(o, (uint32_t) d->scaled_last_gm_phase_change);
                o_u16(o, d->gm_time_base_indicator);
                o_u16(o, d->last_gm_phase_change.nanoseconds_msb);
                o_u64(o, d->last_gm_phase_change.nanoseconds_lsb);
                o_u16(o, d->last_gm_phase_change.fractional_nanoseconds);
                /* Only "nonzero" is kept. */
                check(d->gm_present == (present != 0));
                o_skip(o, 4);
                o_clock(o, &d->gm_identity);
                break;
        }
        case PMC_ID_SUBSCRIBE_EVENTS_NP:
                o_u16(o, m->subscribe_events.duration_sec);
                for (size_t i = 0; i < PMC_EVENT_BITMASK_SIZE; i++)
                        o_u8(o, m->subscribe_events.bitmask[i]);
                break;
        case PMC_ID_PORT_PROPERTIES_NP: {
                const PmcPortProperties *d = &m->port_properties;
                size_t length = strnlen(d->interface, sizeof(d->interface));

                check(pmc_port_state_to_string(d->port_state));
                check(pmc_timestamping_to_string(d->timestamping));
                /* A terminated, nonempty name of printable bytes, no '/'. */
                check(length >= 1 && length < sizeof(d->interface));
                o_port(o, &d->port_identity);
                o_u8(o, (uint8_t) d->port_state);
                o_u8(o, (uint8_t) d->timestamping);
                o_u8(o, (uint8_t) length);
                for (size_t i = 0; i < length; i++) {
                        check(d->interface[i] >= 0x21 && d->interface[i] <= 0x7e && d->interface[i] != '/');
                        o_u8(o, (uint8_t) d->interface[i]);
                }
                /* The pad byte, there exactly when the data would be odd without it. */
                if ((13 + length) % 2 != 0)
                        o_skip(o, 1);
                break;
        }
        default:
                check(!"decoded an id it does not know");
        }
}

static void write_message(Out *o, const PmcMessage *m, const uint8_t *input, size_t size) {
        write_header(o, &m->header, input);
        check(o->n == PMC_MANAGEMENT_HEADER_SIZE);
        o_u16(o, m->tlv_type);
        o_u16(o, (uint16_t) (size - PMC_MANAGEMENT_HEADER_SIZE - PMC_TLV_HEADER_SIZE));

        if (m->tlv_type == PMC_TLV_MANAGEMENT_ERROR_STATUS) {
                o_u16(o, m->error_status.error);
                o_u16(o, m->id);
                /* reserved and displayData: skipped */
                o_skip(o, size - o->n);
                return;
        }

        check(m->tlv_type == PMC_TLV_MANAGEMENT);
        o_u16(o, m->id);
        write_data(o, m, input);
}

/* The module's own encoder, fed the decoded header: the same bytes where a request and a reply agree. */
static void check_request_encoder(const PmcMessage *m, const uint8_t *input) {
        PmcRequester r = {
                .transport_specific = m->header.transport_specific,
                .domain_number = m->header.domain_number,
                .identity = m->header.source,
        };
        uint8_t buf[PMC_SUBSCRIBE_SIZE];
        PmcMessage again;
        ssize_t n;

        if (m->tlv_type == PMC_TLV_MANAGEMENT && m->id == PMC_ID_SUBSCRIBE_EVENTS_NP) {
                n = pmc_encode_subscribe(&r, m->header.sequence_id, &m->subscribe_events, buf, sizeof(buf));
                check(n == PMC_SUBSCRIBE_SIZE);
                /* The whole TLV, data included, as received. */
                check(memcmp(buf + 48, input + 48, PMC_SUBSCRIBE_SIZE - 48) == 0);
        } else if (m->tlv_type == PMC_TLV_MANAGEMENT) {
                /* A GET of the id received: every id decoded can be asked for. */
                n = pmc_encode_get(&r, m->header.sequence_id, m->id, PMC_PORT_ALL, buf, sizeof(buf));
                check(n == PMC_GET_SIZE);
                check(memcmp(buf + 52, input + 52, 2) == 0);
        } else {
                /* An error's id is any: only the known ones can be asked for. */
                n = pmc_encode_get(&r, m->header.sequence_id, m->id, PMC_PORT_ALL, buf, sizeof(buf));
                check(n == (pmc_id_to_string(m->id) ? PMC_GET_SIZE : -EINVAL));
                n = pmc_encode_get(&r, m->header.sequence_id, PMC_ID_PORT_DATA_SET, PMC_PORT_ALL,
                                   buf, sizeof(buf));
                check(n == PMC_GET_SIZE);
        }

        check(buf[0] == input[0]);                        /* transportSpecific, messageType */
        check(buf[4] == input[4]);                        /* domainNumber */
        check(memcmp(buf + 20, input + 20, 12) == 0);     /* sourcePortIdentity, sequenceId */

        check(pmc_decode(buf, (size_t) n, &again) == PMC_ERROR_NOT_RESPONSE);
        check(pmc_port_identity_equal(&again.header.source, &m->header.source));
        check(again.header.sequence_id == m->header.sequence_id);
        check(again.header.domain_number == m->header.domain_number);
        check(again.header.transport_specific == m->header.transport_specific);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static Out out; /* 3 kB: off the stack */
        char buf[PMC_ERROR_STRING_MAX], s[PMC_PORT_IDENTITY_STRING_MAX];
        PmcMessage m, again;
        const char *reason;
        PmcError e;

        e = pmc_decode(data, size, &m);
        check((unsigned) e < _PMC_ERROR_MAX);
        reason = pmc_error_format(e, &m, buf, sizeof(buf));
        check(reason && strlen(reason) < PMC_ERROR_STRING_MAX);

        /* Deterministic, down to what is left behind on failure. */
        check(pmc_decode(data, size, &again) == e);
        check(memcmp(&m, &again, sizeof(m)) == 0);

        if (e != PMC_OK)
                return 0;

        /* The lengths it reports are the input's. */
        check(size >= PMC_GET_SIZE && size <= PMC_MESSAGE_MAX);
        check(m.header.message_length == size);
        check((data[2] << 8 | data[3]) == (int) size);
        check((data[50] << 8 | data[51]) == (int) size - 52);
        check((m.header.version & 0x0f) == 2);
        check(m.header.action == PMC_ACTION_RESPONSE || m.header.action == PMC_ACTION_ACKNOWLEDGE);
        check(m.header.transport_specific <= 0x0f);
        check(m.tlv_type == PMC_TLV_MANAGEMENT || m.tlv_type == PMC_TLV_MANAGEMENT_ERROR_STATUS);
        if (m.tlv_type == PMC_TLV_MANAGEMENT)
                check(pmc_id_to_string(m.id));
        else
                check(size >= 60);

        pmc_port_identity_to_string(&m.header.source, s);
        check(strlen(s) < sizeof(s));

        /* Written back, the decoded values are the input. */
        memset(&out, 0, sizeof(out));
        write_message(&out, &m, data, size);
        check(out.n == size);
        for (size_t i = 0; i < size; i++)
                check(out.ignore[i] || out.bytes[i] == data[i]);

        check_request_encoder(&m, data);
        return 0;
}
