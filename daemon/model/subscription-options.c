/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "common/bus-errors.h"
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

static int option_error(sd_bus_error *error, const char *key, const char *format, ...) _printf_(3, 4);

/* key is one of ours, or escaped already. */
static int option_error(sd_bus_error *error, const char *key, const char *format, ...) {
        g_autofree char *why = NULL;
        va_list ap;

        va_start(ap, format);
        why = g_strdup_vprintf(format, ap);
        va_end(ap);

        return sd_bus_error_setf(error, BUS_ERROR_INVALID_OPTION, "Option \"%s\": %s", key, why);
}

static int check_uint32_range(sd_bus_error *error, const char *key, uint32_t v, uint32_t min, uint32_t max) {
        if (v >= min && v <= max)
                return 0;
        if (min == 0)
                return option_error(error, key, "must be at most %" PRIu32 ", not %" PRIu32, max, v);
        return option_error(error, key, "must be at least %" PRIu32 " and at most %" PRIu32 ", not %" PRIu32,
                            min, max, v);
}

/* Each reads the variant's contents, its type checked already. */
typedef int (*OptionParser)(SubscriptionOptions *o, sd_bus_message *m, const char *key, sd_bus_error *error);

static int parse_name(SubscriptionOptions *o, sd_bus_message *m, const char *key, sd_bus_error *error) {
        const char *s;
        size_t n;
        int r;

        r = sd_bus_message_read_basic(m, 's', &s);
        if (r < 0)
                return r;

        /* An explicit "" is the default: not durable. */
        n = strnlen(s, OPTIONS_NAME_MAX + 1);
        if (n > OPTIONS_NAME_MAX)
                return option_error(error, key, "must be at most %d bytes", OPTIONS_NAME_MAX);
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) s[i] <= ' ' || (unsigned char) s[i] >= 0x7f)
                        return option_error(error, key, "must be printable ASCII without white space, "
                                            "has byte 0x%02x at %zu", (unsigned char) s[i], i);

        g_free(o->name);
        o->name = g_strdup(s);
        return 0;
}

static int parse_bool(bool *ret, sd_bus_message *m) {
        int b, r;

        r = sd_bus_message_read_basic(m, 'b', &b);
        if (r < 0)
                return r;
        *ret = b;
        return 0;
}

static int parse_ordered(SubscriptionOptions *o, sd_bus_message *m, const char *key, sd_bus_error *error) {
        return parse_bool(&o->ordered, m);
}

static int parse_initial_state(SubscriptionOptions *o, sd_bus_message *m, const char *key,
                               sd_bus_error *error) {
        return parse_bool(&o->initial_state, m);
}

static int parse_uint32(uint32_t *ret, uint32_t min, uint32_t max, sd_bus_message *m, const char *key,
                        sd_bus_error *error) {
        uint32_t v;
        int r;

        r = sd_bus_message_read_basic(m, 'u', &v);
        if (r < 0)
                return r;
        r = check_uint32_range(error, key, v, min, max);
        if (r < 0)
                return r;
        *ret = v;
        return 0;
}

static int parse_window(SubscriptionOptions *o, sd_bus_message *m, const char *key, sd_bus_error *error) {
        return parse_uint32(&o->window, 1, OPTIONS_WINDOW_MAX, m, key, error);
}

static int parse_retry(SubscriptionOptions *o, sd_bus_message *m, const char *key, sd_bus_error *error) {
        return parse_uint32(&o->retry, 0, OPTIONS_RETRY_MAX, m, key, error);
}

static int parse_queue_limit(SubscriptionOptions *o, sd_bus_message *m, const char *key,
                             sd_bus_error *error) {
        return parse_uint32(&o->queue_limit, 1, OPTIONS_QUEUE_LIMIT_MAX, m, key, error);
}

static int parse_dead_letter_limit(SubscriptionOptions *o, sd_bus_message *m, const char *key,
                                   sd_bus_error *error) {
        return parse_uint32(&o->dead_letter_limit, 0, OPTIONS_QUEUE_LIMIT_MAX, m, key, error);
}

static int parse_ack_timeout(SubscriptionOptions *o, sd_bus_message *m, const char *key,
                             sd_bus_error *error) {
        uint64_t v;
        int r;

        r = sd_bus_message_read_basic(m, 't', &v);
        if (r < 0)
                return r;
        if (v < OPTIONS_ACK_TIMEOUT_MIN_USEC || v > OPTIONS_ACK_TIMEOUT_MAX_USEC)
                return option_error(error, key,
                                    "must be at least %" PRIu64 " and at most %" PRIu64
                                    " microseconds (1 ms to 1 h), not %" PRIu64,
                                    OPTIONS_ACK_TIMEOUT_MIN_USEC, OPTIONS_ACK_TIMEOUT_MAX_USEC, v);
        o->ack_timeout_usec = v;
        return 0;
}

static int parse_backoff_delay(SubscriptionOptions *o, sd_bus_message *m, const char *key,
                               sd_bus_error *error) {
        const char *s, *reason;
        uint64_t usec;
        int r;

        r = sd_bus_message_read_basic(m, 's', &s);
        if (r < 0)
                return r;

        if (!duration_parse(s, &usec, &reason))
                return option_error(error, key, "%s is not a valid ISO 8601 duration: %s", QUOTE(s), reason);
        if (usec > OPTIONS_BACKOFF_DELAY_MAX_USEC)
                return option_error(error, key, "must be at most PT1H (an hour), not %s", QUOTE(s));

        g_free(o->backoff_delay);
        o->backoff_delay = g_strdup(s);
        o->backoff_delay_usec = usec;
        return 0;
}

static int parse_backoff_policy(SubscriptionOptions *o, sd_bus_message *m, const char *key,
                                sd_bus_error *error) {
        BackoffPolicy p;
        const char *s;
        int r;

        r = sd_bus_message_read_basic(m, 's', &s);
        if (r < 0)
                return r;

        p = backoff_policy_from_string(s);
        if (p < 0)
                return option_error(error, key, "must be \"linear\" or \"exponential\", not %s", QUOTE(s));
        o->backoff_policy = p;
        return 0;
}

/* Reads one {ss} entry of an a{ss} into metadata, checked. Returns 0 at the end of the array. */
static int parse_metadata_entry(GHashTable *metadata, size_t *bytes, sd_bus_message *m, const char *key,
                                sd_bus_error *error) {
        const char *k, *v;
        int r;

        r = sd_bus_message_read(m, "{ss}", &k, &v);
        if (r <= 0)
                return r;

        if (g_hash_table_size(metadata) >= OPTIONS_METADATA_MAX)
                return option_error(error, key, "must have at most %d entries", OPTIONS_METADATA_MAX);
        if (isempty(k))
                return option_error(error, key, "has an empty key");
        if (strnlen(k, OPTIONS_METADATA_KEY_MAX + 1) > OPTIONS_METADATA_KEY_MAX)
                return option_error(error, key, "has a key longer than %d bytes: %s", OPTIONS_METADATA_KEY_MAX,
                                    QUOTE(k));
        if (strnlen(v, OPTIONS_METADATA_VALUE_MAX + 1) > OPTIONS_METADATA_VALUE_MAX)
                return option_error(error, key, "has a value longer than %d bytes, for key %s",
                                    OPTIONS_METADATA_VALUE_MAX, QUOTE(k));
        if (g_hash_table_contains(metadata, k))
                return option_error(error, key, "has the key %s more than once", QUOTE(k));
        *bytes += strlen(k) + strlen(v);
        if (*bytes > OPTIONS_METADATA_BYTES_MAX)
                return option_error(error, key, "must have at most %d bytes of keys and values in all",
                                    OPTIONS_METADATA_BYTES_MAX);

        g_hash_table_insert(metadata, g_strdup(k), g_strdup(v));
        return 1;
}

static int parse_metadata(SubscriptionOptions *o, sd_bus_message *m, const char *key, sd_bus_error *error) {
        g_autoptr(GHashTable) metadata = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        size_t bytes = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{ss}");
        if (r < 0)
                return r;
        do {
                r = parse_metadata_entry(metadata, &bytes, m, key, error);
                if (r < 0)
                        return r;
        } while (r > 0);
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;

        g_hash_table_unref(o->metadata);
        o->metadata = g_steal_pointer(&metadata);
        return 0;
}

typedef struct Option {
        const char *key;
        const char *signature;
        const char *type_name;
        OptionParser parse;
} Option;

/* In the order the "unknown" message lists them. */
static const Option options[] = {
        { "Name",            "s",     "a string",             parse_name },
        { "Ordered",         "b",     "a boolean",            parse_ordered },
        { "Window",          "u",     "a uint32",             parse_window },
        { "Retry",           "u",     "a uint32",             parse_retry },
        { "BackoffDelay",    "s",     "a string",             parse_backoff_delay },
        { "BackoffPolicy",   "s",     "a string",             parse_backoff_policy },
        { "AckTimeout",      "t",     "a uint64",             parse_ack_timeout },
        { "QueueLimit",      "u",     "a uint32",             parse_queue_limit },
        { "InitialState",    "b",     "a boolean",            parse_initial_state },
        { "DeadLetterLimit", "u",     "a uint32",             parse_dead_letter_limit },
        { "Metadata",        "a{ss}", "a string dictionary", parse_metadata },
};

G_STATIC_ASSERT(G_N_ELEMENTS(options) <= 32); /* the bits of "seen" in subscription_options_parse() */

static int unknown_option_error(sd_bus_error *error, const char *key) {
        g_autoptr(GString) known = g_string_new(NULL);

        for (size_t i = 0; i < G_N_ELEMENTS(options); i++)
                g_string_append_printf(known, "%s%s", i > 0 ? ", " : "", options[i].key);
        return option_error(error, ESCAPE(key), "unknown; known options are %s", known->str);
}

/* Reads one {sv} entry of the a{sv}. Returns 0 at the end of the array. */
static int parse_entry(SubscriptionOptions *o, sd_bus_message *m, uint32_t *seen, sd_bus_error *error) {
        const Option *option = NULL;
        const char *key, *contents;
        char type;
        int r;

        r = sd_bus_message_enter_container(m, 'e', "sv");
        if (r <= 0)
                return r;
        r = sd_bus_message_read_basic(m, 's', &key);
        if (r < 0)
                return r;

        for (size_t i = 0; i < G_N_ELEMENTS(options); i++)
                if (streq(key, options[i].key)) {
                        option = &options[i];
                        if (*seen & (UINT32_C(1) << i))
                                return option_error(error, option->key, "given more than once");
                        *seen |= UINT32_C(1) << i;
                        break;
                }
        if (!option)
                return unknown_option_error(error, key);

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (type != SD_BUS_TYPE_VARIANT)
                return -ENXIO;
        if (!streq(contents, option->signature))
                return option_error(error, option->key, "must be %s (\"%s\"), not %s", option->type_name,
                                    option->signature, QUOTE(contents));

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, option->signature);
        if (r < 0)
                return r;
        r = option->parse(o, m, option->key, error);
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        return 1;
}

int subscription_options_parse(SubscriptionOptions *o, sd_bus_message *m, sd_bus_error *error) {
        uint32_t seen = 0;
        int r;

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                return r;
        do {
                r = parse_entry(o, m, &seen, error);
                if (r < 0)
                        return r;
        } while (r > 0);
        r = sd_bus_message_exit_container(m);
        return r < 0 ? r : 0;
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
