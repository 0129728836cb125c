/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Subscription options
 *
 * What a subscriber asks of its subscription, and the rules each key's value
 * must follow. The bus layer (bus/subscription-options-bus.h) reads them from
 * the a{sv} a subscriber passes to Manager.Subscribe and the store
 * (store/store.h) from its rows; both check them with the functions below, so
 * that one set of rules and one wording of every refusal serves both. Keys and
 * defaults (org.ptpsync1(5) documents them):
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

/* The keys, in the order the "unknown option" message lists them. */
typedef enum SubscriptionOption {
        SUBSCRIPTION_OPTION_NAME,
        SUBSCRIPTION_OPTION_ORDERED,
        SUBSCRIPTION_OPTION_WINDOW,
        SUBSCRIPTION_OPTION_RETRY,
        SUBSCRIPTION_OPTION_BACKOFF_DELAY,
        SUBSCRIPTION_OPTION_BACKOFF_POLICY,
        SUBSCRIPTION_OPTION_ACK_TIMEOUT,
        SUBSCRIPTION_OPTION_QUEUE_LIMIT,
        SUBSCRIPTION_OPTION_INITIAL_STATE,
        SUBSCRIPTION_OPTION_DEAD_LETTER_LIMIT,
        SUBSCRIPTION_OPTION_METADATA,
        _SUBSCRIPTION_OPTION_MAX,
        _SUBSCRIPTION_OPTION_INVALID = -1,
} SubscriptionOption;

const char *subscription_option_to_string(SubscriptionOption k);   /* "Name", "Ordered", ... */
SubscriptionOption subscription_option_from_string(const char *s); /* _SUBSCRIPTION_OPTION_INVALID if unknown */

/*
 * The checks. Each returns 0, or -EINVAL with *ret_message (g_free) saying
 * which key and why, as org.ptpsync1.Error.InvalidOption carries it, e.g.
 *   Option "Window": must be at least 1 and at most 1024, not 0
 *   Option "BackoffDelay": "P1M" is not a valid ISO 8601 duration: years and months have no fixed length
 */

/* Formats such a message for key (one of ours, or escaped already) and returns -EINVAL. */
int subscription_options_message(char **ret_message, const char *key, const char *format, ...) _printf_(3, 4);

/* "" (not durable) or 1..OPTIONS_NAME_MAX bytes of printable ASCII without white space. */
int subscription_options_check_name(const char *name, char **ret_message);
/* The range of a number: Window, Retry, AckTimeout, QueueLimit or DeadLetterLimit. */
int subscription_options_check_number(SubscriptionOption key, uint64_t v, char **ret_message);
/* A BackoffDelay as given: an ISO 8601 duration of at most an hour, in µs in *ret_usec. */
int subscription_options_parse_backoff_delay(const char *s, uint64_t *ret_usec, char **ret_message);
int subscription_options_parse_backoff_policy(const char *s, BackoffPolicy *ret, char **ret_message);
/*
 * Adds the Metadata entry k=v to metadata (owned strings, as in SubscriptionOptions), if one more
 * entry, this key and this value are allowed; *bytes is the size of the keys and values so far
 * (0 for an empty table), updated.
 */
int subscription_options_add_metadata(GHashTable *metadata, size_t *bytes, const char *k, const char *v,
                                      char **ret_message);

/*
 * All of the above over o (the name, the numbers, the backoff, the metadata): 0 when o is within
 * every rule, or the first broken rule's message. backoff_delay is checked as the string it is:
 * backoff_delay_usec is taken to be what parsing it gave.
 */
int subscription_options_validate(const SubscriptionOptions *o, char **ret_message);

/* keys: a set of SubscriptionOption bits, 1 << key each. */
#define SUBSCRIPTION_OPTION_BIT(k) (UINT32_C(1) << (k))

/*
 * The first of keys (Name aside) whose value differs between a and b, in the order of
 * SubscriptionOption; _SUBSCRIPTION_OPTION_INVALID when they agree. BackoffDelay compares
 * as a duration (PT0.2S is PT0.200S), Metadata as the whole table.
 */
SubscriptionOption subscription_options_differ(const SubscriptionOptions *a, const SubscriptionOptions *b,
                                               uint32_t keys);
/*
 * How key differs between a and b, each side as a subscriber gives it (g_free): true, 64, "PT0.2S",
 * "linear"; for Metadata the first key (in sort order) that differs: "k"="v", or no "k".
 */
void subscription_options_format_difference(const SubscriptionOptions *a, const SubscriptionOptions *b,
                                            SubscriptionOption key, char **ret_a, char **ret_b);

/* No backoff grows past a day, whatever the policy and retry number. */
#define OPTIONS_BACKOFF_CAP_USEC (UINT64_C(24) * 3600 * 1000000)

/*
 * The backoff before retry number n (1 for the first retry): linear delay x n,
 * exponential delay x 2^n, capped at OPTIONS_BACKOFF_CAP_USEC, never overflowing.
 */
uint64_t subscription_options_backoff(const SubscriptionOptions *o, uint32_t n);
