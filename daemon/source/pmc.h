/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PTP management messages, encoded and decoded
 *
 * ptp4l (linuxptp 3.1.1) answers IEEE 1588 management messages on its UNIX
 * datagram socket: one bare PTP message per datagram, every field big-endian,
 * every structure packed:
 *
 *    0  common header (34): transportSpecific (upper nibble) | messageType 0xD,
 *       version 2, messageLength, domainNumber, flags, correction,
 *       sourcePortIdentity, sequenceId, control, logMessageInterval
 *   34  targetPortIdentity (10), startingBoundaryHops, boundaryHops,
 *       actionField (lower nibble), reserved
 *   48  exactly one TLV: type (MANAGEMENT 1 or MANAGEMENT_ERROR_STATUS 2),
 *       length (even), managementId, then the data set
 *
 * This module turns requests into such datagrams and received datagrams into
 * structs. It is pure -- no sockets, no clocks, no allocation -- so that the
 * socket side stays small and all the code that touches untrusted bytes is
 * unit-tested and fuzzed.
 *
 * Requests: a GET of one of the data sets below, without data (54 bytes,
 * which ptp4l accepts), a SET of SUBSCRIBE_EVENTS_NP (120 bytes), and a SET
 * of GRANDMASTER_SETTINGS_NP (62 bytes), what a grandmaster announces. The hops
 * are always 0/0: with more, ptp4l forwards the request out of its PTP ports
 * and remote clocks answer too. The target clock is all ones; the target port
 * is the caller's: PMC_PORT_ALL gets one reply per PTP port for a port-level
 * id such as PORT_DATA_SET. ptp4l silently drops a request whose
 * domainNumber or transportSpecific differs from its own, so both come from
 * the configuration (PmcRequester).
 *
 * Replies: pmc_decode() accepts one management message, action RESPONSE or
 * ACKNOWLEDGE, whose messageLength is the datagram's size and whose single TLV
 * fills the rest exactly: MANAGEMENT with one of the ids below and exactly its
 * data set's size (ptp4l's own parser is as strict), or MANAGEMENT_ERROR_STATUS
 * (what ptp4l answers for an id it lacks: NO_SUCH_ID). PORT_PROPERTIES_NP is
 * the one variable-length data set: 13 bytes and the interface name's text,
 * then the single zero byte that pads the TLV to an even length where needed,
 * and no more. Anything else is refused with a PmcError saying what is wrong.
 * Nothing is read outside the buffer and no length field is trusted.
 *
 * Pushes: subscribed to NOTIFY_PORT_STATE, ptp4l 3.1.1 sends a PORT_DATA_SET
 * RESPONSE on every port state change. It decodes like any PORT_DATA_SET
 * reply. What tells the two apart is the push's own sequence counter and its
 * hops 1/1, where replies to our requests have 0/0; the robust way is a socket
 * and a sourcePortIdentity of their own for the subscription.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

/* What ptp4l itself can hold (its message buffer): a bigger datagram is no management message of it. */
#define PMC_MESSAGE_MAX 1500
#define PMC_HEADER_SIZE 34            /* the common header */
#define PMC_MANAGEMENT_HEADER_SIZE 48 /* ... plus target, hops and action */
#define PMC_TLV_HEADER_SIZE 4         /* type, length */
#define PMC_GET_SIZE 54               /* a GET: header, TLV header, managementId, no data */
#define PMC_SUBSCRIBE_SIZE 120        /* a SET SUBSCRIBE_EVENTS_NP */
#define PMC_GRANDMASTER_SETTINGS_SIZE 62 /* a SET GRANDMASTER_SETTINGS_NP */

#define PMC_PORT_ALL UINT16_C(0xffff)

#define PMC_CLOCK_IDENTITY_SIZE 8
#define PMC_CLOCK_IDENTITY_STRING_MAX 19 /* "020000.fffe.00bb01" and NUL */
#define PMC_PORT_IDENTITY_STRING_MAX 25  /* "020000.fffe.00bb01-65535" and NUL */
#define PMC_ERROR_STRING_MAX 64          /* enough for pmc_error_format() */

typedef struct PmcClockIdentity {
        uint8_t id[PMC_CLOCK_IDENTITY_SIZE];
} PmcClockIdentity;

typedef struct PmcPortIdentity {
        PmcClockIdentity clock_identity;
        uint16_t port_number;
} PmcPortIdentity;

typedef struct PmcClockQuality {
        uint8_t clock_class;
        uint8_t clock_accuracy;
        uint16_t offset_scaled_log_variance;
} PmcClockQuality;

typedef enum PmcAction {
        PMC_ACTION_GET = 0,
        PMC_ACTION_SET = 1,
        PMC_ACTION_RESPONSE = 2,
        PMC_ACTION_COMMAND = 3,
        PMC_ACTION_ACKNOWLEDGE = 4,
} PmcAction;

typedef enum PmcTlvType {
        PMC_TLV_MANAGEMENT = 0x0001,
        PMC_TLV_MANAGEMENT_ERROR_STATUS = 0x0002,
} PmcTlvType;

/* The managementIds this module encodes and decodes. */
typedef enum PmcId {
        PMC_ID_DEFAULT_DATA_SET = 0x2000,
        PMC_ID_CURRENT_DATA_SET = 0x2001,
        PMC_ID_PARENT_DATA_SET = 0x2002,
        PMC_ID_TIME_PROPERTIES_DATA_SET = 0x2003,
        PMC_ID_PORT_DATA_SET = 0x2004,
        PMC_ID_TIME_STATUS_NP = 0xC000,
        PMC_ID_GRANDMASTER_SETTINGS_NP = 0xC001,
        PMC_ID_SUBSCRIBE_EVENTS_NP = 0xC003,
        PMC_ID_PORT_PROPERTIES_NP = 0xC004,
} PmcId;

/* managementErrorId of a MANAGEMENT_ERROR_STATUS. */
typedef enum PmcManagementError {
        PMC_MANAGEMENT_ERROR_RESPONSE_TOO_BIG = 0x0001,
        PMC_MANAGEMENT_ERROR_NO_SUCH_ID = 0x0002,
        PMC_MANAGEMENT_ERROR_WRONG_LENGTH = 0x0003,
        PMC_MANAGEMENT_ERROR_WRONG_VALUE = 0x0004,
        PMC_MANAGEMENT_ERROR_NOT_SETABLE = 0x0005,
        PMC_MANAGEMENT_ERROR_NOT_SUPPORTED = 0x0006,
        PMC_MANAGEMENT_ERROR_GENERAL_ERROR = 0xFFFE,
} PmcManagementError;

/* IEEE 1588 portState. ptp4l reports its internal GRAND_MASTER as MASTER. */
typedef enum PmcPortState {
        PMC_PORT_STATE_INITIALIZING = 1,
        PMC_PORT_STATE_FAULTY = 2,
        PMC_PORT_STATE_DISABLED = 3,
        PMC_PORT_STATE_LISTENING = 4,
        PMC_PORT_STATE_PRE_MASTER = 5,
        PMC_PORT_STATE_MASTER = 6,
        PMC_PORT_STATE_PASSIVE = 7,
        PMC_PORT_STATE_UNCALIBRATED = 8,
        PMC_PORT_STATE_SLAVE = 9,
        _PMC_PORT_STATE_MAX,
} PmcPortState;

/* Event numbers of SUBSCRIBE_EVENTS_NP: event n is bit n % 8 of bitmask byte n / 8. */
typedef enum PmcEvent {
        PMC_EVENT_PORT_STATE = 0,      /* the only one ptp4l 3.1.1 sends */
        PMC_EVENT_TIME_SYNC = 1,       /* v4.0 */
        PMC_EVENT_PARENT_DATA_SET = 2, /* v4.1 */
        PMC_EVENT_CMLDS = 3,           /* v4.3 */
} PmcEvent;

#define PMC_EVENT_BITMASK_SIZE 64

/* linuxptp's time_stamping option, as PORT_PROPERTIES_NP reports it. */
typedef enum PmcTimestamping {
        PMC_TIMESTAMPING_SOFTWARE = 0,
        PMC_TIMESTAMPING_HARDWARE = 1,
        PMC_TIMESTAMPING_LEGACY_HW = 2,
        PMC_TIMESTAMPING_ONESTEP = 3,
        PMC_TIMESTAMPING_P2P1STEP = 4,
        _PMC_TIMESTAMPING_MAX,
} PmcTimestamping;

/* A network interface's name and its NUL: IFNAMSIZ, so at most 15 bytes of name. */
#define PMC_INTERFACE_MAX 16

/* 0x2000, 20 bytes. */
typedef struct PmcDefaultDataSet {
        bool two_step;
        bool slave_only;
        uint16_t number_ports;
        uint8_t priority1;
        PmcClockQuality clock_quality;
        uint8_t priority2;
        PmcClockIdentity clock_identity;
        uint8_t domain_number;
} PmcDefaultDataSet;

/* 0x2001, 18 bytes. TimeIntervals are ns * 2^16: see pmc_time_interval_to_ns(). */
typedef struct PmcCurrentDataSet {
        uint16_t steps_removed;
        int64_t offset_from_master; /* TimeInterval */
        int64_t mean_path_delay;    /* TimeInterval */
} PmcCurrentDataSet;

/* 0x2002, 32 bytes. Stays stale when a slaveOnly clock loses its master: only the port state tells. */
typedef struct PmcParentDataSet {
        PmcPortIdentity parent_port_identity;
        uint8_t parent_stats;
        uint16_t observed_parent_offset_scaled_log_variance;
        int32_t observed_parent_clock_phase_change_rate;
        uint8_t grandmaster_priority1;
        PmcClockQuality grandmaster_clock_quality; /* .clock_class: the O-RAN clock class */
        uint8_t grandmaster_priority2;
        PmcClockIdentity grandmaster_identity;
} PmcParentDataSet;

/* 0x2003, 4 bytes. What the clock's master announces; a grandmaster's own settings. */
typedef struct PmcTimePropertiesDataSet {
        int16_t current_utc_offset; /* TAI - UTC, s; meaningful only when current_utc_offset_valid */
        bool leap61;
        bool leap59;
        bool current_utc_offset_valid;
        bool ptp_timescale;
        bool time_traceable;
        bool frequency_traceable;
        uint8_t time_source; /* 0x20 GPS, 0xA0 INTERNAL_OSCILLATOR, ... */
} PmcTimePropertiesDataSet;

/* 0x2004, 26 bytes: replies, and ptp4l's port state pushes. */
typedef struct PmcPortDataSet {
        PmcPortIdentity port_identity;
        PmcPortState port_state; /* always 1..9: anything else is refused */
        int8_t log_min_delay_req_interval;
        int64_t peer_mean_path_delay; /* TimeInterval */
        int8_t log_announce_interval;
        uint8_t announce_receipt_timeout;
        int8_t log_sync_interval;
        uint8_t delay_mechanism; /* 1 E2E, 2 P2P, 0xFE disabled */
        int8_t log_min_pdelay_req_interval;
        uint8_t version_number; /* the lower nibble */
} PmcPortDataSet;

/* lastGmPhaseChange, a ScaledNs. ptp4l 3.1.1 garbles it (byte order): don't rely on it. */
typedef struct PmcScaledNs {
        uint16_t nanoseconds_msb;
        uint64_t nanoseconds_lsb;
        uint16_t fractional_nanoseconds;
} PmcScaledNs;

/* 0xC000, 50 bytes. */
typedef struct PmcTimeStatus {
        int64_t master_offset_ns; /* stale after master loss */
        int64_t ingress_time_ns;  /* ptp4l's clock timebase; 0 until the first sync from a new master */
        int32_t cumulative_scaled_rate_offset;
        int32_t scaled_last_gm_phase_change;
        uint16_t gm_time_base_indicator;
        PmcScaledNs last_gm_phase_change;
        bool gm_present;
        PmcClockIdentity gm_identity;
} PmcTimeStatus;

/* 0xC003, 66 bytes: what to SET, and what ptp4l echoes. */
typedef struct PmcSubscribeEvents {
        uint16_t duration_sec; /* at most 65535; an all-zero bitmask unsubscribes */
        uint8_t bitmask[PMC_EVENT_BITMASK_SIZE];
} PmcSubscribeEvents;

/* 0xC004, 13 bytes and the interface's name, padded to even. ptp4l answers it on its UDS port only. */
typedef struct PmcPortProperties {
        PmcPortIdentity port_identity;
        PmcPortState port_state;      /* always 1..9: anything else is refused */
        PmcTimestamping timestamping; /* always a known one: anything else is refused */
        /* NUL-terminated, 1..15 bytes of 0x21..0x7e without '/': safe to log as it is. */
        char interface[PMC_INTERFACE_MAX];
} PmcPortProperties;

/*
 * 0xC001, 8 bytes: what ptp4l announces while it is the grandmaster -- its DEFAULT_DATA_SET's
 * quality, and its TIME_PROPERTIES_DATA_SET, laid out as that data set is.
 */
typedef struct PmcGrandmasterSettings {
        PmcClockQuality clock_quality;
        PmcTimePropertiesDataSet time_properties;
} PmcGrandmasterSettings;

typedef struct PmcErrorStatus {
        uint16_t error; /* PmcManagementError, or a value this module does not know */
} PmcErrorStatus;

typedef struct PmcHeader {
        uint8_t transport_specific; /* 0..15 */
        uint8_t version;            /* the whole byte: v4.x sends 0x12, 3.1.1 0x02 */
        uint16_t message_length;
        uint8_t domain_number;
        uint16_t flags;
        PmcPortIdentity source;
        uint16_t sequence_id;
        PmcPortIdentity target;
        uint8_t starting_boundary_hops;
        uint8_t boundary_hops;
        PmcAction action;
} PmcHeader;

/* One decoded message. tlv_type and id tell which member of the union is set. */
typedef struct PmcMessage {
        PmcHeader header;
        PmcTlvType tlv_type;
        /* MANAGEMENT: a PmcId. MANAGEMENT_ERROR_STATUS: the id the error is about, any value. */
        uint16_t id;
        union {
                PmcDefaultDataSet default_data_set;
                PmcCurrentDataSet current_data_set;
                PmcParentDataSet parent_data_set;
                PmcTimePropertiesDataSet time_properties_data_set;
                PmcPortDataSet port_data_set;
                PmcTimeStatus time_status;
                PmcSubscribeEvents subscribe_events;
                PmcPortProperties port_properties;
                PmcGrandmasterSettings grandmaster_settings;
                PmcErrorStatus error_status;
        };
} PmcMessage;

/* Why pmc_decode() refused a datagram. */
typedef enum PmcError {
        PMC_OK = 0,
        PMC_ERROR_TOO_LARGE,             /* larger than PMC_MESSAGE_MAX */
        PMC_ERROR_SHORT_HEADER,          /* < 34 bytes */
        PMC_ERROR_NOT_MANAGEMENT,        /* messageType is not 0xD */
        PMC_ERROR_VERSION,               /* versionPTP is not 2 */
        PMC_ERROR_LENGTH_MISMATCH,       /* messageLength != the datagram's size */
        PMC_ERROR_SHORT_MANAGEMENT,      /* < 48 bytes */
        PMC_ERROR_NOT_RESPONSE,          /* actionField is not RESPONSE or ACKNOWLEDGE */
        PMC_ERROR_NO_TLV,                /* no room for a TLV header */
        PMC_ERROR_TLV_PAST_END,          /* the TLV's length runs past the end */
        PMC_ERROR_TLV_TRAILING,          /* bytes after the TLV */
        PMC_ERROR_TLV_ODD,               /* odd TLV length */
        PMC_ERROR_TLV_TYPE,              /* neither MANAGEMENT nor MANAGEMENT_ERROR_STATUS */
        PMC_ERROR_NO_ID,                 /* a MANAGEMENT TLV without room for its id */
        PMC_ERROR_UNKNOWN_ID,            /* a managementId this module does not decode */
        PMC_ERROR_ERROR_STATUS_SHORT,
        PMC_ERROR_DEFAULT_DATA_SET_SHORT,
        PMC_ERROR_CURRENT_DATA_SET_SHORT,
        PMC_ERROR_PARENT_DATA_SET_SHORT,
        PMC_ERROR_PORT_DATA_SET_SHORT,
        PMC_ERROR_TIME_STATUS_NP_SHORT,
        PMC_ERROR_SUBSCRIBE_EVENTS_NP_SHORT,
        PMC_ERROR_DATA_LONG,             /* more data than the id's data set (PORT_PROPERTIES_NP: 2+ pad bytes) */
        PMC_ERROR_PORT_STATE,            /* portState outside 1..9 */
        PMC_ERROR_TIME_PROPERTIES_DATA_SET_SHORT,
        PMC_ERROR_PORT_PROPERTIES_NP_SHORT, /* < 13 bytes, or the interface text runs past the end */
        PMC_ERROR_TIMESTAMPING,          /* not a PmcTimestamping */
        PMC_ERROR_INTERFACE_EMPTY,       /* an interface text of length 0 */
        PMC_ERROR_INTERFACE_LONG,        /* an interface text longer than 15 bytes */
        PMC_ERROR_INTERFACE_CHAR,        /* a NUL, '/', or byte outside 0x21..0x7e in the interface text */
        PMC_ERROR_GRANDMASTER_SETTINGS_NP_SHORT,
        _PMC_ERROR_MAX,
} PmcError;

/* Who sends requests: the same for every request on one socket. */
typedef struct PmcRequester {
        uint8_t transport_specific; /* ptp4l's transportSpecific: 0, or 1 for gPTP; 0..15 */
        uint8_t domain_number;      /* ptp4l's domainNumber */
        /* Ours. ptp4l keys subscriptions on it: keep it stable, and one per socket. */
        PmcPortIdentity identity;
} PmcRequester;

/*
 * Writes a GET of id to buf and returns its size, PMC_GET_SIZE. target_port is
 * PMC_PORT_ALL, or one port for a port-level id. Returns -EINVAL for an id not
 * in PmcId or a transport_specific above 15, -ENOBUFS when size is too small
 * (buf is then untouched).
 */
ssize_t pmc_encode_get(const PmcRequester *r, uint16_t sequence_id, PmcId id, uint16_t target_port,
                       uint8_t *buf, size_t size);

/* Writes a SET of SUBSCRIBE_EVENTS_NP, PMC_SUBSCRIBE_SIZE bytes, as pmc_encode_get() does. */
ssize_t pmc_encode_subscribe(const PmcRequester *r, uint16_t sequence_id, const PmcSubscribeEvents *s,
                             uint8_t *buf, size_t size);

/* Writes a SET of GRANDMASTER_SETTINGS_NP, PMC_GRANDMASTER_SETTINGS_SIZE bytes, as pmc_encode_get() does. */
ssize_t pmc_encode_grandmaster_settings(const PmcRequester *r, uint16_t sequence_id, const PmcGrandmasterSettings *s,
                                        uint8_t *buf, size_t size);

/* Sets or tests one event (PmcEvent, or any number below 512) in a subscription's bitmask. */
void pmc_subscribe_events_set(PmcSubscribeEvents *s, unsigned event);
bool pmc_subscribe_events_has(const PmcSubscribeEvents *s, unsigned event);

/*
 * Decodes one received datagram. On success returns PMC_OK and fills *ret. On
 * failure returns why, and *ret holds what was read before the failure (all
 * zeros past it): enough for pmc_error_format() and for logging the header.
 */
PmcError pmc_decode(const uint8_t *buf, size_t size, PmcMessage *ret);

/* A short static reason: "too short for a header", "TLV runs past the end", ... */
const char *pmc_error_to_string(PmcError e);

/*
 * The reason with the value it is about where that helps -- "unknown management
 * id 0xc007", "unknown TLV type 0x0003", "PORT_PROPERTIES_NP portState out of
 * range" -- written to buf (PMC_ERROR_STRING_MAX is enough), else the static
 * reason. m is what pmc_decode() left behind.
 */
const char *pmc_error_format(PmcError e, const PmcMessage *m, char *buf, size_t size);

/* "DEFAULT_DATA_SET", ..., for a PmcId; NULL for other values. */
const char *pmc_id_to_string(uint16_t id);

/* "NO_SUCH_ID", ...; NULL for values not in PmcManagementError. */
const char *pmc_management_error_to_string(uint16_t error);

/* "SOFTWARE", "HARDWARE", "LEGACY_HW", "ONESTEP", "P2P1STEP" as pmc prints them; NULL for others. */
const char *pmc_timestamping_to_string(PmcTimestamping t);

/* "SLAVE", "UNCALIBRATED", ... as pmc prints them; NULL for values outside 1..9. */
const char *pmc_port_state_to_string(PmcPortState s);
/* The reverse, case-sensitive; _PMC_PORT_STATE_MAX if unknown. */
PmcPortState pmc_port_state_from_string(const char *s);

/* linuxptp's form: "020000.fffe.00bb01" (lower-case hex). Returns buf. */
char *pmc_clock_identity_to_string(const PmcClockIdentity *c,
                                   char buf[static PMC_CLOCK_IDENTITY_STRING_MAX]);
/* Parses that form (either case). Returns 0, or -EINVAL. */
int pmc_clock_identity_from_string(const char *s, PmcClockIdentity *ret);
/* "020000.fffe.00bb01-1". Returns buf. */
char *pmc_port_identity_to_string(const PmcPortIdentity *p, char buf[static PMC_PORT_IDENTITY_STRING_MAX]);

static inline bool pmc_clock_identity_equal(const PmcClockIdentity *a, const PmcClockIdentity *b) {
        return memcmp(a->id, b->id, sizeof(a->id)) == 0;
}

static inline bool pmc_port_identity_equal(const PmcPortIdentity *a, const PmcPortIdentity *b) {
        return pmc_clock_identity_equal(&a->clock_identity, &b->clock_identity) &&
                a->port_number == b->port_number;
}

/* A TimeInterval (ns * 2^16) in whole ns, rounded toward zero. */
static inline int64_t pmc_time_interval_to_ns(int64_t scaled) {
        return scaled / 65536;
}
