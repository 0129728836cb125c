/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bridge's configuration file
 *
 * /etc/ptpsync/ptpsync-http.conf (DEFAULT_BRIDGE_CONFIG_FILE) is a GLib key
 * file in the style of the daemon's ptpsyncd.conf: every group and key is
 * known, and an unknown one, or a bad value, is an error naming the file, the
 * group and the key, so that a typo never silently becomes a default. The
 * command-line options (bridge-options.h) are applied on top.
 *
 *   [Bridge]     Bus=
 *   [Listen]     V2=  V1=  AdvertisedHost=
 *   [Endpoints]  Allow=  ProbeStatus=  ProbeTimeoutSec=  PostTimeoutSec=  DeadLetterSink=
 *   [Delivery]   Retry=  BackoffDelay=  BackoffPolicy=  QueueLimit=
 *   [Limits]     Subscriptions=  MaxBodyBytes=  RequestTimeoutSec=  ConcurrentPosts=
 *
 * Integers are decimal digits and nothing else (no sign, no white space, no
 * unit). The bounds are the _MIN and _MAX below; man/ptpsync-http.conf.5.scd
 * says them too, and data/ptpsync-http.conf shows every default.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "oran-resource.h"

/* A listening address: "HOST:PORT", "[IPV6]:PORT" or "off". */
typedef struct BridgeListen {
        bool enabled;  /* false: "off"; host NULL and port 0 then */
        char *host;    /* an IP literal in canonical form, IPv6 without brackets; "localhost" is read as 127.0.0.1 */
        guint16 port;  /* 1..65535 */
} BridgeListen;

typedef struct BridgeConfig {
        char *bus;                    /* NULL: the system bus; else a D-Bus address ([Bridge] Bus=, "system": NULL) */
        BridgeListen v2, v1;          /* [Listen] V2= (127.0.0.1:9043), V1= (127.0.0.1:8089); not both off */
        char *advertised_host;        /* [Listen] AdvertisedHost=: the host of UriLocation, IPv6 in brackets;
                                       * NULL: the listen host (bridge_config_uri_host()) */
        char **allow;                 /* [Endpoints] Allow=: host names, IP addresses, CIDRs; never empty */
        bool probe_any_2xx;           /* [Endpoints] ProbeStatus= 204 (false, the default) | 2xx */
        guint64 probe_timeout_usec;   /* [Endpoints] ProbeTimeoutSec=; 0: per API (bridge_config_probe_timeout_usec()) */
        guint64 post_timeout_usec;    /* [Endpoints] PostTimeoutSec= */
        char *dead_letter_sink;       /* [Endpoints] DeadLetterSink=: an http(s) URI; NULL: none */
        guint retry;                  /* [Delivery] Retry=: retries after the first failed POST, then dead-letter */
        char *backoff_delay;          /* [Delivery] BackoffDelay=: ISO 8601 duration, as written */
        guint64 backoff_delay_usec;   /* the same, parsed */
        bool backoff_linear;          /* [Delivery] BackoffPolicy= linear (true) | exponential (false) */
        guint queue_limit;            /* [Delivery] QueueLimit= */
        guint max_subscriptions;      /* [Limits] Subscriptions=: REST subscriptions, both APIs together; 0: none */
        gsize max_body_bytes;         /* [Limits] MaxBodyBytes=: larger request bodies get 413 */
        guint64 request_timeout_usec; /* [Limits] RequestTimeoutSec=: a request not read by then loses its connection */
        guint max_concurrent_posts;   /* [Limits] ConcurrentPosts=: POSTs in flight over all subscriptions */
        int log_level;                /* --log-level= only, not in the file: a syslog priority (bridge-log.h) */
} BridgeConfig;

#define BRIDGE_V2_LISTEN_DEFAULT "127.0.0.1:9043" /* cloud-event-proxy's v2 port */
#define BRIDGE_V1_LISTEN_DEFAULT "127.0.0.1:8089" /* and its v1 port */
#define BRIDGE_LISTEN_TEXT_MAX 64                 /* "[" + 45 + "]:65535" fits */

#define BRIDGE_BUS_ADDRESS_MAX 4096
#define BRIDGE_URI_MAX 2048

#define BRIDGE_ALLOW_DEFAULT "127.0.0.0/8;::1/128;localhost"
#define BRIDGE_ALLOW_ENTRIES_MAX 256

/* cloud-event-proxy's probe timeouts: 2 s for v2, 10 s for v1. */
#define BRIDGE_PROBE_TIMEOUT_V2_USEC (2 * G_USEC_PER_SEC)
#define BRIDGE_PROBE_TIMEOUT_V1_USEC (10 * G_USEC_PER_SEC)
#define BRIDGE_PROBE_TIMEOUT_SEC_MAX 60                  /* 0..60, 0: the above */
#define BRIDGE_POST_TIMEOUT_SEC_DEFAULT 2
#define BRIDGE_POST_TIMEOUT_SEC_MIN 1
#define BRIDGE_POST_TIMEOUT_SEC_MAX 60

/* The daemon's bounds on a subscription (OPTIONS_RETRY_MAX, ..._BACKOFF_DELAY_MAX_USEC, ..._QUEUE_LIMIT_MAX). */
#define BRIDGE_RETRY_DEFAULT 10
#define BRIDGE_RETRY_MAX 100
#define BRIDGE_BACKOFF_DELAY_DEFAULT "PT1S"
#define BRIDGE_BACKOFF_DELAY_MAX_USEC (G_GUINT64_CONSTANT(3600) * G_USEC_PER_SEC)
#define BRIDGE_QUEUE_LIMIT_DEFAULT 10000
#define BRIDGE_QUEUE_LIMIT_MIN 1
#define BRIDGE_QUEUE_LIMIT_MAX 1000000

#define BRIDGE_SUBSCRIPTIONS_DEFAULT 1024
#define BRIDGE_SUBSCRIPTIONS_MAX 100000                  /* 0..100000 */
#define BRIDGE_MAX_BODY_BYTES_DEFAULT 65536
#define BRIDGE_MAX_BODY_BYTES_MIN 1024
#define BRIDGE_MAX_BODY_BYTES_MAX (1024 * 1024)
#define BRIDGE_REQUEST_TIMEOUT_SEC_DEFAULT 10
#define BRIDGE_REQUEST_TIMEOUT_SEC_MIN 1
#define BRIDGE_REQUEST_TIMEOUT_SEC_MAX 300
#define BRIDGE_CONCURRENT_POSTS_DEFAULT 256
#define BRIDGE_CONCURRENT_POSTS_MIN 1
#define BRIDGE_CONCURRENT_POSTS_MAX 10000

/* Every key's default. */
void bridge_config_init(BridgeConfig *c);
/* Frees what c holds; c may then be initialised again. */
void bridge_config_done(BridgeConfig *c);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(BridgeConfig, bridge_config_done)

/* Deep: dst (uninitialised) gets copies of everything src holds. */
void bridge_config_copy(BridgeConfig *dst, const BridgeConfig *src);

/*
 * Loads path: a missing file is an error only when explicit_path (--config=);
 * the default file may be absent, and the defaults then apply. On error
 * returns false with *error (G_KEY_FILE_ERROR, or G_FILE_ERROR when the file
 * cannot be read) saying "PATH: " and then the group, the key and what is
 * wrong; c is then left exactly as it was. On success, what the file sets
 * replaces what c holds, and the rest stays.
 */
bool bridge_config_load(BridgeConfig *c, const char *path, bool explicit_path, GError **error);

/* The same for key-file text (length (gsize) -1: NUL-terminated), without the "PATH: ". */
bool bridge_config_load_from_data(BridgeConfig *c, const char *data, gsize length, GError **error);

/*
 * The checks across keys, made after a file is loaded and again once the
 * command line is on top: V2= and V1= not both off, and not both on one
 * port (of one address, or of 0.0.0.0 or [::] and any). v2_name and v1_name
 * say where each came from, in front of its value in the message
 * ("--v2-listen="); NULL: the keys ("[Listen] V2=").
 */
bool bridge_config_check(const BridgeConfig *c, const char *v2_name, const char *v1_name, GError **error);

/*
 * Parses a listening address: "HOST:PORT" with HOST an IPv4 address or
 * "localhost" (read as 127.0.0.1), "[IPV6]:PORT", or "off". PORT is 1..65535.
 * A host name other than localhost is refused: the bridge binds addresses and
 * never resolves a name at start-up. On error *ret is untouched and *error
 * (G_KEY_FILE_ERROR_INVALID_VALUE) says what is wrong, without the value, so
 * that the caller can say where it came from.
 */
bool bridge_listen_parse(const char *value, BridgeListen *ret, GError **error);
void bridge_listen_done(BridgeListen *l);
/* "127.0.0.1:9043", "[::1]:9043" or "off" (g_free). */
char *bridge_listen_to_string(const BridgeListen *l);

/*
 * The host to write in UriLocation for a subscription made on l (one of
 * c->v2 and c->v1): AdvertisedHost= if set, else l's host, IPv6 in brackets
 * (g_free).
 */
char *bridge_config_uri_host(const BridgeConfig *c, const BridgeListen *l);

/* The probe timeout for api: ProbeTimeoutSec= if set, else 2 s for v2 and 10 s for v1. */
guint64 bridge_config_probe_timeout_usec(const BridgeConfig *c, OranApi api);
