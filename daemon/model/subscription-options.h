/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Subscription options
 *
 * The a{sv} a subscriber passes to Manager.Subscribe, checked key by key: an
 * unknown key, a variant of the wrong type, or a value out of range is
 * refused with org.ptpsync1.Error.InvalidOption and a message that names the
 * key and says why. Keys and defaults (DESIGN.md):
 *
 *   Name s ""              non-empty: durable, unique per (uid, name)
 *   Ordered b true         one delivery in flight, in seq order
 *   Window u 64            in-flight bound when unordered (1..OPTIONS_WINDOW_MAX)
 *   Retry u 3              retries after the first failed attempt (0..OPTIONS_RETRY_MAX)
 *   BackoffDelay s PT0.2S  ISO 8601 duration (<= OPTIONS_BACKOFF_DELAY_MAX_USEC)
 *   BackoffPolicy s exponential    or linear
 *   AckTimeout t 5000000   µs without an Ack before a retry (OPTIONS_ACK_TIMEOUT_MIN..MAX_USEC)
 *   QueueLimit u 10000     backlog bound (1..OPTIONS_QUEUE_LIMIT_MAX)
 *   InitialState b false   deliver the current state of every matching resource first
 *   DeadLetterLimit u 10000 dead letters kept (0..OPTIONS_QUEUE_LIMIT_MAX)
 *   Metadata a{ss} {}      opaque; at most OPTIONS_METADATA_MAX entries, keys 1..255
 *                          bytes, values up to 4096 bytes
 *
 * A Name is 1..255 bytes of printable ASCII without white space.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "common/util.h"

#define OPTIONS_NAME_MAX 255
#define OPTIONS_WINDOW_MAX 1024
#define OPTIONS_RETRY_MAX 100
#define OPTIONS_BACKOFF_DELAY_MAX_USEC (UINT64_C(3600) * 1000000)
#define OPTIONS_ACK_TIMEOUT_MIN_USEC (UINT64_C(1000))
#define OPTIONS_ACK_TIMEOUT_MAX_USEC (UINT64_C(3600) * 1000000)
#define OPTIONS_QUEUE_LIMIT_MAX 1000000
#define OPTIONS_METADATA_MAX 64
#define OPTIONS_METADATA_KEY_MAX 255
#define OPTIONS_METADATA_VALUE_MAX 4096
/* Keys and values together: what one subscription makes the daemon keep and store. */
#define OPTIONS_METADATA_BYTES_MAX 65536

typedef enum BackoffPolicy {
        BACKOFF_LINEAR,
        BACKOFF_EXPONENTIAL,
        _BACKOFF_POLICY_MAX,
        _BACKOFF_POLICY_INVALID = -1,
} BackoffPolicy;

const char *backoff_policy_to_string(BackoffPolicy p);   /* "linear", "exponential" */
BackoffPolicy backoff_policy_from_string(const char *s); /* _BACKOFF_POLICY_INVALID if unknown */

typedef struct SubscriptionOptions {
        char *name; /* "" when not durable; never NULL after init */
        bool ordered;
        uint32_t window;
        uint32_t retry;
        char *backoff_delay; /* as given, e.g. "PT0.2S"; never NULL after init */
        uint64_t backoff_delay_usec;
        BackoffPolicy backoff_policy;
        uint64_t ack_timeout_usec;
        uint32_t queue_limit;
        bool initial_state;
        uint32_t dead_letter_limit;
        GHashTable *metadata; /* char* -> char*, owned; never NULL after init */
} SubscriptionOptions;

/* The defaults above. */
void subscription_options_init(SubscriptionOptions *o);
void subscription_options_done(SubscriptionOptions *o);
void subscription_options_copy(SubscriptionOptions *dst, const SubscriptionOptions *src);

/*
 * Reads an a{sv} from m (positioned at it) over the options in o (which holds
 * the defaults). Returns 0, or a negative errno with error set:
 * org.ptpsync1.Error.InvalidOption naming the key, e.g.
 *   Option "BackoffDelay": "P1M" is not a valid ISO 8601 duration: years and months have no fixed length
 *   Option "Window": must be a uint32 ("u"), not "s"
 *   Option "Colour": unknown; known options are Name, Ordered, ...
 * A key given twice is refused too. On error o may hold a mix of defaults and
 * parsed values: the caller discards it.
 */
int subscription_options_parse(SubscriptionOptions *o, sd_bus_message *m, sd_bus_error *error);

/* No backoff grows past a day, whatever the policy and retry number. */
#define OPTIONS_BACKOFF_CAP_USEC (UINT64_C(24) * 3600 * 1000000)

/*
 * The backoff before retry number n (1 for the first retry): linear delay x n,
 * exponential delay x 2^n, capped at OPTIONS_BACKOFF_CAP_USEC, never overflowing.
 */
uint64_t subscription_options_backoff(const SubscriptionOptions *o, uint32_t n);
