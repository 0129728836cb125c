/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Manager.Subscribe's a{sv} read into SubscriptionOptions (subscription-options-bus.h). */

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "bus/subscription-options-bus.h"
#include "common/bus-errors.h"
#include "common/quote.h"

/* r and message from one of the model's checks: InvalidOption with its message. */
static int option_refused(sd_bus_error *error, int r, char *message) {
        g_autofree char *m = message;

        if (r >= 0)
                return r;
        return sd_bus_error_set(error, BUS_ERROR_INVALID_OPTION, m);
}

/* The same, for what only the wire can get wrong. key is one of ours, or escaped already. */
static int option_error(sd_bus_error *error, const char *key, const char *format, ...) _printf_(3, 4);

static int option_error(sd_bus_error *error, const char *key, const char *format, ...) {
        g_autofree char *why = NULL;
        char *message = NULL;
        va_list ap;
        int r;

        va_start(ap, format);
        why = g_strdup_vprintf(format, ap);
        va_end(ap);

        r = subscription_options_message(&message, key, "%s", why);
        return option_refused(error, r, message);
}

/* Each reads the variant's contents, its type checked already. */
typedef int (*OptionParser)(SubscriptionOptions *o, sd_bus_message *m, sd_bus_error *error);

static int parse_name(SubscriptionOptions *o, sd_bus_message *m, sd_bus_error *error) {
        char *message = NULL;
        const char *s;
        int r;

        r = sd_bus_message_read_basic(m, 's', &s);
        if (r < 0)
                return r;
        r = subscription_options_check_name(s, &message);
        if (r < 0)
                return option_refused(error, r, message);

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

static int parse_ordered(SubscriptionOptions *o, sd_bus_message *m, sd_bus_error *error) {
        return parse_bool(&o->ordered, m);
}

static int parse_initial_state(SubscriptionOptions *o, sd_bus_message *m, sd_bus_error *error) {
        return parse_bool(&o->initial_state, m);
}

/* A number of type 'u' or 't', in the range of key. */
static int parse_number(uint64_t *ret, SubscriptionOption key, char type, sd_bus_message *m, sd_bus_error *error) {
        union {
                uint32_t u;
                uint64_t t;
        } v;
        char *message = NULL;
        uint64_t n;
        int r;

        r = sd_bus_message_read_basic(m, type, &v);
        if (r < 0)
                return r;
        n = type == 'u' ? v.u : v.t;
        r = subscription_options_check_number(key, n, &message);
        if (r < 0)
                return option_refused(error, r, message);
        *ret = n;
        return 0;
}

static int parse_uint32(uint32_t *ret, SubscriptionOption key, sd_bus_message *m, sd_bus_error *error) {
        uint64_t n = 0;
        int r;

        r = parse_number(&n, key, 'u', m, error);
        if (r < 0)
                return r;
        *ret = (uint32_t) n;
        return 0;
}

static int parse_window(SubscriptionOptions *o, sd_bus_message *m, sd_bus_error *error) {
        return parse_uint32(&o->window, SUBSCRIPTION_OPTION_WINDOW, m, error);
}

static int parse_retry(SubscriptionOptions *o, sd_bus_message *m, sd_bus_error *error) {
        return parse_uint32(&o->retry, SUBSCRIPTION_OPTION_RETRY, m, error);
}

static int parse_queue_limit(SubscriptionOptions *o, sd_bus_message *m, sd_bus_error *error) {
        return parse_uint32(&o->queue_limit, SUBSCRIPTION_OPTION_QUEUE_LIMIT, m, error);
}

static int parse_dead_letter_limit(SubscriptionOptions *o, sd_bus_message *m, sd_bus_error *error) {
        return parse_uint32(&o->dead_letter_limit, SUBSCRIPTION_OPTION_DEAD_LETTER_LIMIT, m, error);
}

static int parse_ack_timeout(SubscriptionOptions *o, sd_bus_message *m, sd_bus_error *error) {
        return parse_number(&o->ack_timeout_usec, SUBSCRIPTION_OPTION_ACK_TIMEOUT, 't', m, error);
}

static int parse_backoff_delay(SubscriptionOptions *o, sd_bus_message *m, sd_bus_error *error) {
        char *message = NULL;
        const char *s;
        uint64_t usec;
        int r;

        r = sd_bus_message_read_basic(m, 's', &s);
        if (r < 0)
                return r;
        r = subscription_options_parse_backoff_delay(s, &usec, &message);
        if (r < 0)
                return option_refused(error, r, message);

        g_free(o->backoff_delay);
        o->backoff_delay = g_strdup(s);
        o->backoff_delay_usec = usec;
        return 0;
}

static int parse_backoff_policy(SubscriptionOptions *o, sd_bus_message *m, sd_bus_error *error) {
        char *message = NULL;
        const char *s;
        int r;

        r = sd_bus_message_read_basic(m, 's', &s);
        if (r < 0)
                return r;
        r = subscription_options_parse_backoff_policy(s, &o->backoff_policy, &message);
        return option_refused(error, r, message);
}

static int parse_metadata(SubscriptionOptions *o, sd_bus_message *m, sd_bus_error *error) {
        g_autoptr(GHashTable) metadata = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        size_t bytes = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{ss}");
        if (r < 0)
                return r;
        for (;;) {
                char *message = NULL;
                const char *k, *v;

                r = sd_bus_message_read(m, "{ss}", &k, &v);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                /* Entry by entry, in the order given: the first bad one is the one named. */
                r = subscription_options_add_metadata(metadata, &bytes, k, v, &message);
                if (r < 0)
                        return option_refused(error, r, message);
        }
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;

        g_hash_table_unref(o->metadata);
        o->metadata = g_steal_pointer(&metadata);
        return 0;
}

/* What each key's variant holds on the wire, and how it is read. */
typedef struct OptionType {
        const char *signature;
        const char *type_name;
        OptionParser parse;
} OptionType;

static const OptionType option_types[_SUBSCRIPTION_OPTION_MAX] = {
        [SUBSCRIPTION_OPTION_NAME]              = { "s",     "a string",            parse_name },
        [SUBSCRIPTION_OPTION_ORDERED]           = { "b",     "a boolean",           parse_ordered },
        [SUBSCRIPTION_OPTION_WINDOW]            = { "u",     "a uint32",            parse_window },
        [SUBSCRIPTION_OPTION_RETRY]             = { "u",     "a uint32",            parse_retry },
        [SUBSCRIPTION_OPTION_BACKOFF_DELAY]     = { "s",     "a string",            parse_backoff_delay },
        [SUBSCRIPTION_OPTION_BACKOFF_POLICY]    = { "s",     "a string",            parse_backoff_policy },
        [SUBSCRIPTION_OPTION_ACK_TIMEOUT]       = { "t",     "a uint64",            parse_ack_timeout },
        [SUBSCRIPTION_OPTION_QUEUE_LIMIT]       = { "u",     "a uint32",            parse_queue_limit },
        [SUBSCRIPTION_OPTION_INITIAL_STATE]     = { "b",     "a boolean",           parse_initial_state },
        [SUBSCRIPTION_OPTION_DEAD_LETTER_LIMIT] = { "u",     "a uint32",            parse_dead_letter_limit },
        [SUBSCRIPTION_OPTION_METADATA]          = { "a{ss}", "a string dictionary", parse_metadata },
};

G_STATIC_ASSERT(_SUBSCRIPTION_OPTION_MAX <= 32); /* the bits of "seen" in subscription_options_bus_parse() */

static int unknown_option_error(sd_bus_error *error, const char *key) {
        g_autoptr(GString) known = g_string_new(NULL);

        for (SubscriptionOption k = 0; k < _SUBSCRIPTION_OPTION_MAX; k++)
                g_string_append_printf(known, "%s%s", k > 0 ? ", " : "", subscription_option_to_string(k));
        return option_error(error, ESCAPE(key), "unknown; known options are %s", known->str);
}

/* Reads one {sv} entry of the a{sv}. Returns 0 at the end of the array. */
static int parse_entry(SubscriptionOptions *o, sd_bus_message *m, uint32_t *seen, sd_bus_error *error) {
        const OptionType *type;
        const char *key, *name, *contents;
        SubscriptionOption k;
        char t;
        int r;

        r = sd_bus_message_enter_container(m, 'e', "sv");
        if (r <= 0)
                return r;
        r = sd_bus_message_read_basic(m, 's', &key);
        if (r < 0)
                return r;

        k = subscription_option_from_string(key);
        if (k < 0)
                return unknown_option_error(error, key);
        name = subscription_option_to_string(k);
        if (*seen & (UINT32_C(1) << k))
                return option_error(error, name, "given more than once");
        *seen |= UINT32_C(1) << k;
        type = &option_types[k];

        r = sd_bus_message_peek_type(m, &t, &contents);
        if (r < 0)
                return r;
        if (t != SD_BUS_TYPE_VARIANT)
                return -ENXIO;
        if (!streq(contents, type->signature))
                return option_error(error, name, "must be %s (\"%s\"), not %s", type->type_name, type->signature,
                                    QUOTE(contents));

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, type->signature);
        if (r < 0)
                return r;
        r = type->parse(o, m, error);
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

int subscription_options_bus_parse_given(SubscriptionOptions *o, sd_bus_message *m, uint32_t *ret_given,
                                         sd_bus_error *error) {
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
        if (r < 0)
                return r;
        if (ret_given)
                *ret_given = seen;
        return 0;
}

int subscription_options_bus_parse(SubscriptionOptions *o, sd_bus_message *m, sd_bus_error *error) {
        return subscription_options_bus_parse_given(o, m, NULL, error);
}
