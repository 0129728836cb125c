/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "common/duration.h"
#include "common/quote.h"
#include "model/subscription-options.h"

static const char *const backoff_policy_table[_BACKOFF_POLICY_MAX] = {
        [BACKOFF_LINEAR] = "linear",
        [BACKOFF_EXPONENTIAL] = "exponential",
};

const char *backoff_policy_to_string(BackoffPolicy p) {
        if (p < 0 || p >= _BACKOFF_POLICY_MAX)
                return NULL;
        return backoff_policy_table[p];
}

BackoffPolicy backoff_policy_from_string(const char *s) {
        if (!s)
                return _BACKOFF_POLICY_INVALID;
        for (BackoffPolicy p = 0; p < _BACKOFF_POLICY_MAX; p++)
                if (streq(s, backoff_policy_table[p]))
                        return p;
        return _BACKOFF_POLICY_INVALID;
}

void subscription_options_init(SubscriptionOptions *o) {
        *o = (SubscriptionOptions) {
                .name = g_strdup(""),
                .ordered = true,
                .window = 64,
                .retry = 3,
                .backoff_delay = g_strdup("PT0.2S"),
                .backoff_delay_usec = 200 * USEC_PER_MSEC,
                .backoff_policy = BACKOFF_EXPONENTIAL,
                .ack_timeout_usec = 5 * USEC_PER_SEC,
                .queue_limit = 10000,
                .initial_state = false,
                .dead_letter_limit = 10000,
                .metadata = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
        };
}

void subscription_options_done(SubscriptionOptions *o) {
        g_clear_pointer(&o->name, g_free);
        g_clear_pointer(&o->backoff_delay, g_free);
        g_clear_pointer(&o->metadata, g_hash_table_unref);
}

/* dst is treated as uninitialized, as by subscription_options_init(): done() it first if it was not. */
void subscription_options_copy(SubscriptionOptions *dst, const SubscriptionOptions *src) {
        GHashTableIter i;
        gpointer k, v;

        *dst = *src;
        dst->name = g_strdup(src->name);
        dst->backoff_delay = g_strdup(src->backoff_delay);
        dst->metadata = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_hash_table_iter_init(&i, src->metadata);
        while (g_hash_table_iter_next(&i, &k, &v))
                g_hash_table_insert(dst->metadata, g_strdup(k), g_strdup(v));
}

static const char *const subscription_option_table[_SUBSCRIPTION_OPTION_MAX] = {
        [SUBSCRIPTION_OPTION_NAME] = "Name",
        [SUBSCRIPTION_OPTION_ORDERED] = "Ordered",
        [SUBSCRIPTION_OPTION_WINDOW] = "Window",
        [SUBSCRIPTION_OPTION_RETRY] = "Retry",
        [SUBSCRIPTION_OPTION_BACKOFF_DELAY] = "BackoffDelay",
        [SUBSCRIPTION_OPTION_BACKOFF_POLICY] = "BackoffPolicy",
        [SUBSCRIPTION_OPTION_ACK_TIMEOUT] = "AckTimeout",
        [SUBSCRIPTION_OPTION_QUEUE_LIMIT] = "QueueLimit",
        [SUBSCRIPTION_OPTION_INITIAL_STATE] = "InitialState",
        [SUBSCRIPTION_OPTION_DEAD_LETTER_LIMIT] = "DeadLetterLimit",
        [SUBSCRIPTION_OPTION_METADATA] = "Metadata",
};

const char *subscription_option_to_string(SubscriptionOption k) {
        if (k < 0 || k >= _SUBSCRIPTION_OPTION_MAX)
                return NULL;
        return subscription_option_table[k];
}

SubscriptionOption subscription_option_from_string(const char *s) {
        if (!s)
                return _SUBSCRIPTION_OPTION_INVALID;
        for (SubscriptionOption k = 0; k < _SUBSCRIPTION_OPTION_MAX; k++)
                if (streq(s, subscription_option_table[k]))
                        return k;
        return _SUBSCRIPTION_OPTION_INVALID;
}

int subscription_options_message(char **ret_message, const char *key, const char *format, ...) {
        g_autofree char *why = NULL;
        va_list ap;

        va_start(ap, format);
        why = g_strdup_vprintf(format, ap);
        va_end(ap);

        *ret_message = g_strdup_printf("Option \"%s\": %s", key, why);
        return -EINVAL;
}

int subscription_options_check_name(const char *name, char **ret_message) {
        const char *key = subscription_option_to_string(SUBSCRIPTION_OPTION_NAME);
        size_t n;

        /* An explicit "" is the default: not durable. */
        n = strnlen(name, OPTIONS_NAME_MAX + 1);
        if (n > OPTIONS_NAME_MAX)
                return subscription_options_message(ret_message, key, "must be at most %d bytes", OPTIONS_NAME_MAX);
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) name[i] <= ' ' || (unsigned char) name[i] >= 0x7f)
                        return subscription_options_message(ret_message, key,
                                                            "must be printable ASCII without white space, "
                                                            "has byte 0x%02x at %zu", (unsigned char) name[i], i);
        return 0;
}

int subscription_options_check_number(SubscriptionOption key, uint64_t v, char **ret_message) {
        const char *name = subscription_option_to_string(key);
        uint64_t min, max;

        switch (key) {
        case SUBSCRIPTION_OPTION_WINDOW:
                min = 1, max = OPTIONS_WINDOW_MAX;
                break;
        case SUBSCRIPTION_OPTION_RETRY:
                min = 0, max = OPTIONS_RETRY_MAX;
                break;
        case SUBSCRIPTION_OPTION_QUEUE_LIMIT:
                min = 1, max = OPTIONS_QUEUE_LIMIT_MAX;
                break;
        case SUBSCRIPTION_OPTION_DEAD_LETTER_LIMIT:
                min = 0, max = OPTIONS_QUEUE_LIMIT_MAX;
                break;
        case SUBSCRIPTION_OPTION_ACK_TIMEOUT:
                if (v >= OPTIONS_ACK_TIMEOUT_MIN_USEC && v <= OPTIONS_ACK_TIMEOUT_MAX_USEC)
                        return 0;
                return subscription_options_message(ret_message, name,
                                                    "must be at least %" PRIu64 " and at most %" PRIu64
                                                    " microseconds (1 ms to 1 h), not %" PRIu64,
                                                    OPTIONS_ACK_TIMEOUT_MIN_USEC, OPTIONS_ACK_TIMEOUT_MAX_USEC, v);
        default:
                /* Not a number: a caller's mistake, not the subscriber's. */
                assert(!"not a number option");
                return -EINVAL;
        }

        if (v >= min && v <= max)
                return 0;
        if (min == 0)
                return subscription_options_message(ret_message, name,
                                                    "must be at most %" PRIu64 ", not %" PRIu64, max, v);
        return subscription_options_message(ret_message, name,
                                            "must be at least %" PRIu64 " and at most %" PRIu64 ", not %" PRIu64,
                                            min, max, v);
}

int subscription_options_parse_backoff_delay(const char *s, uint64_t *ret_usec, char **ret_message) {
        const char *key = subscription_option_to_string(SUBSCRIPTION_OPTION_BACKOFF_DELAY), *reason;
        uint64_t usec;

        if (!duration_parse(s, &usec, &reason))
                return subscription_options_message(ret_message, key, "%s is not a valid ISO 8601 duration: %s",
                                                    QUOTE(s), reason);
        if (usec > OPTIONS_BACKOFF_DELAY_MAX_USEC)
                return subscription_options_message(ret_message, key, "must be at most PT1H (an hour), not %s",
                                                    QUOTE(s));
        *ret_usec = usec;
        return 0;
}

int subscription_options_parse_backoff_policy(const char *s, BackoffPolicy *ret, char **ret_message) {
        BackoffPolicy p = backoff_policy_from_string(s);

        if (p < 0)
                return subscription_options_message(ret_message,
                                                    subscription_option_to_string(SUBSCRIPTION_OPTION_BACKOFF_POLICY),
                                                    "must be \"linear\" or \"exponential\", not %s", QUOTE(s));
        *ret = p;
        return 0;
}

int subscription_options_add_metadata(GHashTable *metadata, size_t *bytes, const char *k, const char *v,
                                      char **ret_message) {
        const char *key = subscription_option_to_string(SUBSCRIPTION_OPTION_METADATA);

        if (g_hash_table_size(metadata) >= OPTIONS_METADATA_MAX)
                return subscription_options_message(ret_message, key, "must have at most %d entries",
                                                    OPTIONS_METADATA_MAX);
        if (isempty(k))
                return subscription_options_message(ret_message, key, "has an empty key");
        if (strnlen(k, OPTIONS_METADATA_KEY_MAX + 1) > OPTIONS_METADATA_KEY_MAX)
                return subscription_options_message(ret_message, key, "has a key longer than %d bytes: %s",
                                                    OPTIONS_METADATA_KEY_MAX, QUOTE(k));
        if (strnlen(v, OPTIONS_METADATA_VALUE_MAX + 1) > OPTIONS_METADATA_VALUE_MAX)
                return subscription_options_message(ret_message, key,
                                                    "has a value longer than %d bytes, for key %s",
                                                    OPTIONS_METADATA_VALUE_MAX, QUOTE(k));
        if (g_hash_table_contains(metadata, k))
                return subscription_options_message(ret_message, key, "has the key %s more than once", QUOTE(k));
        *bytes += strlen(k) + strlen(v);
        if (*bytes > OPTIONS_METADATA_BYTES_MAX)
                return subscription_options_message(ret_message, key,
                                                    "must have at most %d bytes of keys and values in all",
                                                    OPTIONS_METADATA_BYTES_MAX);

        g_hash_table_insert(metadata, g_strdup(k), g_strdup(v));
        return 0;
}

/* The metadata's entries added one by one to a scratch table, as a reader of them would. */
static int validate_metadata(GHashTable *metadata, char **ret_message) {
        g_autoptr(GHashTable) scratch = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        size_t bytes = 0;
        GHashTableIter i;
        gpointer k, v;
        int r;

        g_hash_table_iter_init(&i, metadata);
        while (g_hash_table_iter_next(&i, &k, &v)) {
                r = subscription_options_add_metadata(scratch, &bytes, k, v, ret_message);
                if (r < 0)
                        return r;
        }
        return 0;
}

int subscription_options_validate(const SubscriptionOptions *o, char **ret_message) {
        const struct {
                SubscriptionOption key;
                uint64_t value;
        } numbers[] = {
                { SUBSCRIPTION_OPTION_WINDOW, o->window },
                { SUBSCRIPTION_OPTION_RETRY, o->retry },
                { SUBSCRIPTION_OPTION_ACK_TIMEOUT, o->ack_timeout_usec },
                { SUBSCRIPTION_OPTION_QUEUE_LIMIT, o->queue_limit },
                { SUBSCRIPTION_OPTION_DEAD_LETTER_LIMIT, o->dead_letter_limit },
        };
        uint64_t usec;
        int r;

        r = subscription_options_check_name(o->name, ret_message);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(numbers); i++) {
                r = subscription_options_check_number(numbers[i].key, numbers[i].value, ret_message);
                if (r < 0)
                        return r;
        }
        r = subscription_options_parse_backoff_delay(o->backoff_delay, &usec, ret_message);
        if (r < 0)
                return r;
        /* Only a hand-made SubscriptionOptions has another: no string to quote. */
        if (!backoff_policy_to_string(o->backoff_policy))
                return subscription_options_message(ret_message,
                                                    subscription_option_to_string(SUBSCRIPTION_OPTION_BACKOFF_POLICY),
                                                    "must be \"linear\" or \"exponential\", not %d",
                                                    (int) o->backoff_policy);
        return validate_metadata(o->metadata, ret_message);
}

uint64_t subscription_options_backoff(const SubscriptionOptions *o, uint32_t n) {
        uint64_t delay = o->backoff_delay_usec;

        if (o->backoff_policy == BACKOFF_LINEAR) {
                /* delay x n > cap, without computing delay x n. */
                if (delay > 0 && n > OPTIONS_BACKOFF_CAP_USEC / delay)
                        return OPTIONS_BACKOFF_CAP_USEC;
                return delay * n;
        }

        /* delay x 2^n > cap exactly when delay > cap / 2^n, and 2^64 does not fit. */
        if (delay == 0)
                return 0;
        if (n >= 64 || delay > OPTIONS_BACKOFF_CAP_USEC >> n)
                return OPTIONS_BACKOFF_CAP_USEC;
        return delay << n;
}

static bool metadata_equal(GHashTable *a, GHashTable *b) {
        GHashTableIter i;
        gpointer k, v;

        if (g_hash_table_size(a) != g_hash_table_size(b))
                return false;
        g_hash_table_iter_init(&i, a);
        while (g_hash_table_iter_next(&i, &k, &v))
                if (!streq_ptr(g_hash_table_lookup(b, k), v))
                        return false;
        return true;
}

static bool option_equal(const SubscriptionOptions *a, const SubscriptionOptions *b, SubscriptionOption k) {
        switch (k) {
        case SUBSCRIPTION_OPTION_NAME: return true; /* the same subscription by definition */
        case SUBSCRIPTION_OPTION_ORDERED: return a->ordered == b->ordered;
        case SUBSCRIPTION_OPTION_WINDOW: return a->window == b->window;
        case SUBSCRIPTION_OPTION_RETRY: return a->retry == b->retry;
        case SUBSCRIPTION_OPTION_BACKOFF_DELAY: return a->backoff_delay_usec == b->backoff_delay_usec;
        case SUBSCRIPTION_OPTION_BACKOFF_POLICY: return a->backoff_policy == b->backoff_policy;
        case SUBSCRIPTION_OPTION_ACK_TIMEOUT: return a->ack_timeout_usec == b->ack_timeout_usec;
        case SUBSCRIPTION_OPTION_QUEUE_LIMIT: return a->queue_limit == b->queue_limit;
        case SUBSCRIPTION_OPTION_INITIAL_STATE: return a->initial_state == b->initial_state;
        case SUBSCRIPTION_OPTION_DEAD_LETTER_LIMIT: return a->dead_letter_limit == b->dead_letter_limit;
        case SUBSCRIPTION_OPTION_METADATA: return metadata_equal(a->metadata, b->metadata);
        default:
                assert(!"unknown subscription option");
                return true;
        }
}

SubscriptionOption subscription_options_differ(const SubscriptionOptions *a, const SubscriptionOptions *b,
                                               uint32_t keys) {
        for (SubscriptionOption k = 0; k < _SUBSCRIPTION_OPTION_MAX; k++)
                if ((keys & SUBSCRIPTION_OPTION_BIT(k)) && !option_equal(a, b, k))
                        return k;
        return _SUBSCRIPTION_OPTION_INVALID;
}

static char *format_option(const SubscriptionOptions *o, SubscriptionOption key) {
        switch (key) {
        case SUBSCRIPTION_OPTION_NAME: return g_strdup(QUOTE(o->name));
        case SUBSCRIPTION_OPTION_ORDERED: return g_strdup(o->ordered ? "true" : "false");
        case SUBSCRIPTION_OPTION_WINDOW: return g_strdup_printf("%" PRIu32, o->window);
        case SUBSCRIPTION_OPTION_RETRY: return g_strdup_printf("%" PRIu32, o->retry);
        case SUBSCRIPTION_OPTION_BACKOFF_DELAY: return g_strdup(QUOTE(o->backoff_delay));
        case SUBSCRIPTION_OPTION_BACKOFF_POLICY: return g_strdup(QUOTE(backoff_policy_to_string(o->backoff_policy)));
        case SUBSCRIPTION_OPTION_ACK_TIMEOUT: return g_strdup_printf("%" PRIu64, o->ack_timeout_usec);
        case SUBSCRIPTION_OPTION_QUEUE_LIMIT: return g_strdup_printf("%" PRIu32, o->queue_limit);
        case SUBSCRIPTION_OPTION_INITIAL_STATE: return g_strdup(o->initial_state ? "true" : "false");
        case SUBSCRIPTION_OPTION_DEAD_LETTER_LIMIT: return g_strdup_printf("%" PRIu32, o->dead_letter_limit);
        default:
                assert(!"not a single-valued option");
                return NULL;
        }
}

static char *format_metadata_entry(const SubscriptionOptions *o, const char *key) {
        const char *v = g_hash_table_lookup(o->metadata, key);

        return v ? g_strdup_printf("%s=%s", QUOTE(key), QUOTE(v)) : g_strdup_printf("no %s", QUOTE(key));
}

/* Keys of x that b lacks or has with another value, the least kept in *least. */
static void least_differing_key(GHashTable *x, GHashTable *y, const char **least) {
        GHashTableIter i;
        gpointer k, v;

        g_hash_table_iter_init(&i, x);
        while (g_hash_table_iter_next(&i, &k, &v))
                if (!streq_ptr(g_hash_table_lookup(y, k), v) && (!*least || strcmp(k, *least) < 0))
                        *least = k;
}

void subscription_options_format_difference(const SubscriptionOptions *a, const SubscriptionOptions *b,
                                            SubscriptionOption key, char **ret_a, char **ret_b) {
        const char *least = NULL;

        if (key != SUBSCRIPTION_OPTION_METADATA) {
                *ret_a = format_option(a, key);
                *ret_b = format_option(b, key);
                return;
        }
        least_differing_key(a->metadata, b->metadata, &least);
        least_differing_key(b->metadata, a->metadata, &least);
        *ret_a = least ? format_metadata_entry(a, least) : g_strdup("the same");
        *ret_b = least ? format_metadata_entry(b, least) : g_strdup("the same");
}
