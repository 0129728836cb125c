/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Subscription options read from a{sv} messages as Manager.Subscribe gets them: every key, every
 * wrong type, every range boundary, and the exact message of every refusal; and the model's
 * validation on its own, as the store uses it, with the same messages.
 */

#include <glib.h>
#include <inttypes.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>

#include "common/bus-names.h"
#include "common/bus-errors.h"
#include "bus/subscription-options-bus.h"
#include "model/subscription-options.h"
#include "test-util.h"
#include "common/util.h"

#define KNOWN "known options are Name, Ordered, Window, Retry, BackoffDelay, BackoffPolicy, AckTimeout, " \
        "QueueLimit, InitialState, DeadLetterLimit, Metadata"
#define PUNCTUATION "!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~"
#define HUGE_SIZE (10 * 1024 * 1024)
#define A64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define A63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const char *const all_keys[] = {
        "Name", "Ordered", "Window", "Retry", "BackoffDelay", "BackoffPolicy", "AckTimeout", "QueueLimit",
        "InitialState", "DeadLetterLimit", "Metadata",
};

/* A bus object is needed to make messages; a socketpair gives one without any daemon. */
static sd_bus *factory;
static int factory_fds[2] = { -1, -1 };

static void factory_open(void) {
        g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, factory_fds),
                        ==, 0);
        g_assert_cmpint(sd_bus_new(&factory), >=, 0);
        g_assert_cmpint(sd_bus_set_fd(factory, factory_fds[0], factory_fds[0]), >=, 0);
        g_assert_cmpint(sd_bus_start(factory), >=, 0);
}

/* Nothing was sent and the peer never answers the authentication: close without flushing. */
static void factory_close(void) {
        close(factory_fds[1]);
        factory = sd_bus_close_unref(factory);
}

/* A Subscribe call, open at its a{sv}. */
static sd_bus_message *new_options(void) {
        sd_bus_message *m = NULL;

        g_assert_cmpint(sd_bus_message_new_method_call(factory, &m, BUS_NAME, MANAGER_OBJECT_PATH,
                                                       MANAGER_INTERFACE, "Subscribe"), >=, 0);
        g_assert_cmpint(sd_bus_message_open_container(m, 'a', "{sv}"), >=, 0);
        return m;
}

/* Closes the a{sv}, then makes the message readable from the start, as a received one is. */
static void finish_options(sd_bus_message *m) {
        g_assert_cmpint(sd_bus_message_close_container(m), >=, 0);
        g_assert_cmpint(sd_bus_message_seal(m, 1, 0), >=, 0);
        g_assert_cmpint(sd_bus_message_rewind(m, true), >=, 0);
}

/*
 * Appends key => a variant of type: 's', 'b', 'u', 't' or 'i' holding s or n; 'a' for an a{ss} with
 * the single entry "k=v" in s (none when s is NULL); 'v' for an empty a{sv}.
 */
static void append_option(sd_bus_message *m, const char *key, char type, const char *s, uint64_t n) {
        g_assert_cmpint(sd_bus_message_open_container(m, 'e', "sv"), >=, 0);
        g_assert_cmpint(sd_bus_message_append_basic(m, 's', key), >=, 0);
        switch (type) {
        case 's':
                g_assert_cmpint(sd_bus_message_append(m, "v", "s", s), >=, 0);
                break;
        case 'b':
                g_assert_cmpint(sd_bus_message_append(m, "v", "b", (int) n), >=, 0);
                break;
        case 'u':
                g_assert_cmpint(sd_bus_message_append(m, "v", "u", (uint32_t) n), >=, 0);
                break;
        case 't':
                g_assert_cmpint(sd_bus_message_append(m, "v", "t", n), >=, 0);
                break;
        case 'i':
                g_assert_cmpint(sd_bus_message_append(m, "v", "i", (int32_t) n), >=, 0);
                break;
        case 'a': {
                g_auto(GStrv) kv = s ? g_strsplit(s, "=", 2) : NULL;

                if (kv)
                        g_assert_cmpint(sd_bus_message_append(m, "v", "a{ss}", 1, kv[0], kv[1]), >=, 0);
                else
                        g_assert_cmpint(sd_bus_message_append(m, "v", "a{ss}", 0), >=, 0);
                break;
        }
        case 'v':
                g_assert_cmpint(sd_bus_message_append(m, "v", "a{sv}", 0), >=, 0);
                break;
        default:
                g_assert_not_reached();
        }
        g_assert_cmpint(sd_bus_message_close_container(m), >=, 0);
}

static sd_bus_message *one_option(const char *key, char type, const char *s, uint64_t n) {
        sd_bus_message *m = new_options();

        append_option(m, key, type, s, n);
        finish_options(m);
        return m;
}

static gint compare_strings(gconstpointer a, gconstpointer b, gpointer user_data) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* "k1=v1,k2=v2", sorted by key. */
static char *metadata_to_string(GHashTable *metadata) {
        g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array(metadata, NULL);
        g_autoptr(GString) s = g_string_new(NULL);

        g_qsort_with_data(keys, g_hash_table_size(metadata), sizeof(char *), compare_strings, NULL);
        for (const char **k = keys; *k; k++)
                g_string_append_printf(s, "%s%s=%s", k == keys ? "" : ",", *k,
                                       (const char *) g_hash_table_lookup(metadata, *k));
        return g_strdup(s->str);
}

/* An option's value as the tables write it. */
static char *option_to_string(const SubscriptionOptions *o, const char *key) {
        if (streq(key, "Name"))
                return g_strdup(o->name);
        if (streq(key, "Ordered"))
                return g_strdup(o->ordered ? "true" : "false");
        if (streq(key, "Window"))
                return g_strdup_printf("%" PRIu32, o->window);
        if (streq(key, "Retry"))
                return g_strdup_printf("%" PRIu32, o->retry);
        if (streq(key, "BackoffDelay"))
                return g_strdup_printf("%s=%" PRIu64, o->backoff_delay, o->backoff_delay_usec);
        if (streq(key, "BackoffPolicy"))
                return g_strdup(backoff_policy_to_string(o->backoff_policy));
        if (streq(key, "AckTimeout"))
                return g_strdup_printf("%" PRIu64, o->ack_timeout_usec);
        if (streq(key, "QueueLimit"))
                return g_strdup_printf("%" PRIu32, o->queue_limit);
        if (streq(key, "InitialState"))
                return g_strdup(o->initial_state ? "true" : "false");
        if (streq(key, "DeadLetterLimit"))
                return g_strdup_printf("%" PRIu32, o->dead_letter_limit);
        if (streq(key, "Metadata"))
                return metadata_to_string(o->metadata);
        g_assert_not_reached();
}

/* o equals the defaults except for key, which is expect. */
static void assert_options(const SubscriptionOptions *o, const char *key, const char *expect) {
        SubscriptionOptions defaults;

        subscription_options_init(&defaults);
        for (size_t i = 0; i < G_N_ELEMENTS(all_keys); i++) {
                g_autofree char *got = option_to_string(o, all_keys[i]);
                g_autofree char *want = option_to_string(&defaults, all_keys[i]);

                if (streq_ptr(all_keys[i], key))
                        g_assert_cmpstr(got, ==, expect);
                else
                        g_assert_cmpstr(got, ==, want);
        }
        subscription_options_done(&defaults);
}

/* Every refusal: InvalidOption, EINVAL, a short UTF-8 message naming the key. */
static void assert_refused(int r, const sd_bus_error *error, const char *key) {
        g_autofree char *prefix = g_strdup_printf("Option \"%s\": ", key);

        g_assert_cmpint(r, ==, -EINVAL);
        g_assert_true(sd_bus_error_is_set(error));
        g_assert_cmpstr(error->name, ==, BUS_ERROR_INVALID_OPTION);
        g_assert_true(sd_bus_error_has_name(error, BUS_ERROR_INVALID_OPTION));
        g_assert_true(g_str_has_prefix(error->message, prefix));
        g_assert_true(g_utf8_validate(error->message, -1, NULL));
        g_assert_cmpuint(strlen(error->message), <, 512);
}

typedef struct OptionCase {
        const char *key;
        char type; /* as append_option() takes it */
        const char *s;
        uint64_t n;
        const char *expect; /* accepted: the option as option_to_string() gives it; NULL: refused */
        const char *error;  /* refused: the whole message */
} OptionCase;

#define GOOD(key, type, s, n, expect)   { key, type, s, n, expect, NULL }
#define BAD(key, type, s, n, error)     { key, type, s, n, NULL, "Option \"" key "\": " error }

static const OptionCase option_cases[] = {
        GOOD("Name", 's', "sub-1", 0, "sub-1"),
        GOOD("Name", 's', "", 0, ""),
        GOOD("Name", 's', PUNCTUATION, 0, PUNCTUATION),
        BAD("Name", 's', "a b", 0, "must be printable ASCII without white space, has byte 0x20 at 1"),
        BAD("Name", 's', "\tx", 0, "must be printable ASCII without white space, has byte 0x09 at 0"),
        BAD("Name", 's', "x\n", 0, "must be printable ASCII without white space, has byte 0x0a at 1"),
        BAD("Name", 's', "x\x7f", 0, "must be printable ASCII without white space, has byte 0x7f at 1"),
        BAD("Name", 's', "caf\xc3\xa9", 0,
            "must be printable ASCII without white space, has byte 0xc3 at 3"),
        BAD("Name", 'u', NULL, 1, "must be a string (\"s\"), not \"u\""),
        BAD("Name", 'a', NULL, 0, "must be a string (\"s\"), not \"a{ss}\""),

        GOOD("Ordered", 'b', NULL, 0, "false"),
        GOOD("Ordered", 'b', NULL, 1, "true"),
        BAD("Ordered", 'u', NULL, 0, "must be a boolean (\"b\"), not \"u\""),
        BAD("Ordered", 's', "true", 0, "must be a boolean (\"b\"), not \"s\""),

        GOOD("Window", 'u', NULL, 1, "1"),
        GOOD("Window", 'u', NULL, 64, "64"),
        GOOD("Window", 'u', NULL, 1024, "1024"),
        BAD("Window", 'u', NULL, 0, "must be at least 1 and at most 1024, not 0"),
        BAD("Window", 'u', NULL, 1025, "must be at least 1 and at most 1024, not 1025"),
        BAD("Window", 'u', NULL, UINT32_MAX, "must be at least 1 and at most 1024, not 4294967295"),
        BAD("Window", 's', "64", 0, "must be a uint32 (\"u\"), not \"s\""),
        BAD("Window", 'i', NULL, 64, "must be a uint32 (\"u\"), not \"i\""),
        BAD("Window", 't', NULL, 64, "must be a uint32 (\"u\"), not \"t\""),

        GOOD("Retry", 'u', NULL, 0, "0"),
        GOOD("Retry", 'u', NULL, 100, "100"),
        BAD("Retry", 'u', NULL, 101, "must be at most 100, not 101"),
        BAD("Retry", 'u', NULL, UINT32_MAX, "must be at most 100, not 4294967295"),
        BAD("Retry", 'i', NULL, 3, "must be a uint32 (\"u\"), not \"i\""),

        GOOD("BackoffDelay", 's', "PT1H", 0, "PT1H=3600000000"),
        GOOD("BackoffDelay", 's', "PT3600S", 0, "PT3600S=3600000000"),
        GOOD("BackoffDelay", 's', "PT59M59.999999999S", 0, "PT59M59.999999999S=3599999999"),
        GOOD("BackoffDelay", 's', "PT0S", 0, "PT0S=0"),
        GOOD("BackoffDelay", 's', "PT0.000001S", 0, "PT0.000001S=1"),
        GOOD("BackoffDelay", 's', "PT1,5S", 0, "PT1,5S=1500000"),
        GOOD("BackoffDelay", 's', "P0D", 0, "P0D=0"),
        BAD("BackoffDelay", 's', "PT1H0.000001S", 0,
            "must be at most PT1H (an hour), not \"PT1H0.000001S\""),
        BAD("BackoffDelay", 's', "PT3601S", 0, "must be at most PT1H (an hour), not \"PT3601S\""),
        BAD("BackoffDelay", 's', "P1D", 0, "must be at most PT1H (an hour), not \"P1D\""),
        BAD("BackoffDelay", 's', "PT-1S", 0, "\"PT-1S\" is not a valid ISO 8601 duration: is negative"),
        BAD("BackoffDelay", 's', "P1M", 0,
            "\"P1M\" is not a valid ISO 8601 duration: years and months have no fixed length"),
        BAD("BackoffDelay", 's', "1s", 0, "\"1s\" is not a valid ISO 8601 duration: must start with 'P'"),
        BAD("BackoffDelay", 's', "", 0, "\"\" is not a valid ISO 8601 duration: is empty"),
        BAD("BackoffDelay", 's', "P366D", 0,
            "\"P366D\" is not a valid ISO 8601 duration: is longer than 365 days"),
        /* Quoted with escapes: the message stays one printable line. */
        BAD("BackoffDelay", 's', "PT1S\n\"", 0,
            "\"PT1S\\n\\\"\" is not a valid ISO 8601 duration: contains white space"),
        BAD("BackoffDelay", 'u', NULL, 200000, "must be a string (\"s\"), not \"u\""),
        BAD("BackoffDelay", 't', NULL, 200000, "must be a string (\"s\"), not \"t\""),

        GOOD("BackoffPolicy", 's', "linear", 0, "linear"),
        GOOD("BackoffPolicy", 's', "exponential", 0, "exponential"),
        BAD("BackoffPolicy", 's', "Linear", 0, "must be \"linear\" or \"exponential\", not \"Linear\""),
        BAD("BackoffPolicy", 's', "linear ", 0, "must be \"linear\" or \"exponential\", not \"linear \""),
        BAD("BackoffPolicy", 's', "", 0, "must be \"linear\" or \"exponential\", not \"\""),
        BAD("BackoffPolicy", 'u', NULL, 0, "must be a string (\"s\"), not \"u\""),

        GOOD("AckTimeout", 't', NULL, 1000, "1000"),
        GOOD("AckTimeout", 't', NULL, 5000000, "5000000"),
        GOOD("AckTimeout", 't', NULL, 3600000000, "3600000000"),
        BAD("AckTimeout", 't', NULL, 999,
            "must be at least 1000 and at most 3600000000 microseconds (1 ms to 1 h), not 999"),
        BAD("AckTimeout", 't', NULL, 0,
            "must be at least 1000 and at most 3600000000 microseconds (1 ms to 1 h), not 0"),
        BAD("AckTimeout", 't', NULL, 3600000001,
            "must be at least 1000 and at most 3600000000 microseconds (1 ms to 1 h), not 3600000001"),
        BAD("AckTimeout", 't', NULL, UINT64_MAX,
            "must be at least 1000 and at most 3600000000 microseconds (1 ms to 1 h), "
            "not 18446744073709551615"),
        BAD("AckTimeout", 'u', NULL, 5000000, "must be a uint64 (\"t\"), not \"u\""),
        BAD("AckTimeout", 's', "PT5S", 0, "must be a uint64 (\"t\"), not \"s\""),

        GOOD("QueueLimit", 'u', NULL, 1, "1"),
        GOOD("QueueLimit", 'u', NULL, 1000000, "1000000"),
        BAD("QueueLimit", 'u', NULL, 0, "must be at least 1 and at most 1000000, not 0"),
        BAD("QueueLimit", 'u', NULL, 1000001, "must be at least 1 and at most 1000000, not 1000001"),
        BAD("QueueLimit", 't', NULL, 1, "must be a uint32 (\"u\"), not \"t\""),

        GOOD("InitialState", 'b', NULL, 1, "true"),
        GOOD("InitialState", 'b', NULL, 0, "false"),
        BAD("InitialState", 's', "yes", 0, "must be a boolean (\"b\"), not \"s\""),
        BAD("InitialState", 'i', NULL, 1, "must be a boolean (\"b\"), not \"i\""),

        GOOD("DeadLetterLimit", 'u', NULL, 0, "0"),
        GOOD("DeadLetterLimit", 'u', NULL, 1000000, "1000000"),
        BAD("DeadLetterLimit", 'u', NULL, 1000001, "must be at most 1000000, not 1000001"),
        BAD("DeadLetterLimit", 'i', NULL, 0, "must be a uint32 (\"u\"), not \"i\""),

        GOOD("Metadata", 'a', NULL, 0, ""),
        GOOD("Metadata", 'a', "team=ran", 0, "team=ran"),
        GOOD("Metadata", 'a', "k=", 0, "k="),
        BAD("Metadata", 'a', "=v", 0, "has an empty key"),
        BAD("Metadata", 's', "team=ran", 0, "must be a string dictionary (\"a{ss}\"), not \"s\""),
        BAD("Metadata", 'v', NULL, 0, "must be a string dictionary (\"a{ss}\"), not \"a{sv}\""),

        /* Unknown keys, quoted safely. */
        BAD("Colour", 's', "red", 0, "unknown; " KNOWN),
        BAD("name", 's', "x", 0, "unknown; " KNOWN),
        BAD("Name ", 's', "x", 0, "unknown; " KNOWN),
        BAD("", 's', "x", 0, "unknown; " KNOWN),
        BAD("Window", 'b', NULL, 0, "must be a uint32 (\"u\"), not \"b\""),
};

static const OptionCase escaped_cases[] = {
        { "Colour\n\"\\", 's', "x", 0, NULL, "Option \"Colour\\n\\\"\\\\\": unknown; " KNOWN },
        /* Valid UTF-8 is shown as it is; a cut never splits a character. */
        { "caf\xc3\xa9", 'u', NULL, 1, NULL, "Option \"caf\xc3\xa9\": unknown; " KNOWN },
        { A64 "b", 'u', NULL, 1, NULL, "Option \"" A64 "...\": unknown; " KNOWN },
        { A63 "\xc3\xa9", 'u', NULL, 1, NULL, "Option \"" A63 "...\": unknown; " KNOWN },
        /* Invisible characters are escaped: U+202E would turn the rest of the message around. */
        { "a\xe2\x80\xae" "b", 'u', NULL, 1, NULL, "Option \"a\\u202eb\": unknown; " KNOWN },
        { A64, 'u', NULL, 1, NULL, "Option \"" A64 "\": unknown; " KNOWN },
};

static void test_option(const void *data) {
        const OptionCase *t = data;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = one_option(t->key, t->type, t->s, t->n);
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        SubscriptionOptions o;
        int r;

        subscription_options_init(&o);
        r = subscription_options_bus_parse(&o, m, &error);
        if (t->expect) {
                g_assert_cmpint(r, ==, 0);
                g_assert_false(sd_bus_error_is_set(&error));
                assert_options(&o, t->key, t->expect);
                /* Read to the end of the a{sv}, and of the message. */
                g_assert_cmpint(sd_bus_message_at_end(m, true), >, 0);
        } else {
                assert_refused(r, &error, t->key);
                g_assert_cmpstr(error.message, ==, t->error);
        }
        subscription_options_done(&o);
}

/* Unknown keys that need quoting: the message shows them escaped, and cut. */
static void test_escaped(const void *data) {
        const OptionCase *t = data;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = one_option(t->key, t->type, t->s, t->n);
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        SubscriptionOptions o;

        subscription_options_init(&o);
        g_assert_cmpint(subscription_options_bus_parse(&o, m, &error), ==, -EINVAL);
        g_assert_cmpstr(error.name, ==, BUS_ERROR_INVALID_OPTION);
        g_assert_cmpstr(error.message, ==, t->error);
        g_assert_true(g_utf8_validate(error.message, -1, NULL));
        subscription_options_done(&o);
}

static void test_defaults(void) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_options();
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        SubscriptionOptions o;

        subscription_options_init(&o);
        g_assert_cmpstr(o.name, ==, "");
        g_assert_true(o.ordered);
        g_assert_cmpuint(o.window, ==, 64);
        g_assert_cmpuint(o.retry, ==, 3);
        g_assert_cmpstr(o.backoff_delay, ==, "PT0.2S");
        g_assert_cmpuint(o.backoff_delay_usec, ==, 200000);
        g_assert_cmpint(o.backoff_policy, ==, BACKOFF_EXPONENTIAL);
        g_assert_cmpuint(o.ack_timeout_usec, ==, 5000000);
        g_assert_cmpuint(o.queue_limit, ==, 10000);
        g_assert_false(o.initial_state);
        g_assert_cmpuint(o.dead_letter_limit, ==, 10000);
        g_assert_nonnull(o.metadata);
        g_assert_cmpuint(g_hash_table_size(o.metadata), ==, 0);

        /* The metadata table owns its strings. */
        g_hash_table_insert(o.metadata, g_strdup("k"), g_strdup("v"));
        g_hash_table_remove_all(o.metadata);

        /* An empty a{sv} changes nothing. */
        finish_options(m);
        g_assert_cmpint(subscription_options_bus_parse(&o, m, &error), ==, 0);
        g_assert_false(sd_bus_error_is_set(&error));
        assert_options(&o, NULL, NULL);

        subscription_options_done(&o);
        g_assert_null(o.name);
        g_assert_null(o.backoff_delay);
        g_assert_null(o.metadata);
        subscription_options_done(&o); /* idempotent */
}

static void test_all_options(void) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_options();
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *metadata = NULL;
        SubscriptionOptions o;
        const char *after;

        append_option(m, "Metadata", 'a', "team=ran", 0);
        append_option(m, "DeadLetterLimit", 'u', NULL, 5);
        append_option(m, "InitialState", 'b', NULL, 1);
        append_option(m, "QueueLimit", 'u', NULL, 7);
        append_option(m, "AckTimeout", 't', NULL, 2000000);
        append_option(m, "BackoffPolicy", 's', "linear", 0);
        append_option(m, "BackoffDelay", 's', "PT1M30S", 0);
        append_option(m, "Retry", 'u', NULL, 9);
        append_option(m, "Window", 'u', NULL, 8);
        append_option(m, "Ordered", 'b', NULL, 0);
        append_option(m, "Name", 's', "durable-1", 0);
        g_assert_cmpint(sd_bus_message_close_container(m), >=, 0);
        /* Something after the a{sv}: the parser leaves the message right before it. */
        g_assert_cmpint(sd_bus_message_append(m, "s", "after"), >=, 0);
        g_assert_cmpint(sd_bus_message_seal(m, 1, 0), >=, 0);
        g_assert_cmpint(sd_bus_message_rewind(m, true), >=, 0);

        subscription_options_init(&o);
        g_assert_cmpint(subscription_options_bus_parse(&o, m, &error), ==, 0);
        g_assert_cmpstr(o.name, ==, "durable-1");
        g_assert_false(o.ordered);
        g_assert_cmpuint(o.window, ==, 8);
        g_assert_cmpuint(o.retry, ==, 9);
        g_assert_cmpstr(o.backoff_delay, ==, "PT1M30S");
        g_assert_cmpuint(o.backoff_delay_usec, ==, 90 * USEC_PER_SEC);
        g_assert_cmpint(o.backoff_policy, ==, BACKOFF_LINEAR);
        g_assert_cmpuint(o.ack_timeout_usec, ==, 2000000);
        g_assert_cmpuint(o.queue_limit, ==, 7);
        g_assert_true(o.initial_state);
        g_assert_cmpuint(o.dead_letter_limit, ==, 5);
        metadata = metadata_to_string(o.metadata);
        g_assert_cmpstr(metadata, ==, "team=ran");

        g_assert_cmpint(sd_bus_message_read(m, "s", &after), >, 0);
        g_assert_cmpstr(after, ==, "after");
        subscription_options_done(&o);
}

static void test_duplicate(void) {
        static const struct {
                const char *key;
                char type1, type2;
        } cases[] = {
                { "Window", 'u', 'u' },
                { "Window", 'u', 's' }, /* a duplicate, whatever its type */
                { "Name", 's', 's' },
                { "Metadata", 'a', 'a' },
                { "Ordered", 'b', 'b' },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_options();
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                g_autofree char *expect = NULL;
                SubscriptionOptions o;

                expect = g_strdup_printf("Option \"%s\": given more than once", cases[i].key);
                append_option(m, cases[i].key, cases[i].type1, "x=1", 1);
                append_option(m, "Retry", 'u', NULL, 1);
                append_option(m, cases[i].key, cases[i].type2, "y=2", 1);
                finish_options(m);

                subscription_options_init(&o);
                assert_refused(subscription_options_bus_parse(&o, m, &error), &error, cases[i].key);
                g_assert_cmpstr(error.message, ==, expect);
                subscription_options_done(&o);
        }
}

/* The first bad key is the one reported; keys before it may have been applied (the caller discards o). */
static void test_first_error(void) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_options();
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        SubscriptionOptions o;

        append_option(m, "Retry", 'u', NULL, 5);
        append_option(m, "Window", 'u', NULL, 0);
        append_option(m, "Colour", 's', "red", 0);
        finish_options(m);

        subscription_options_init(&o);
        assert_refused(subscription_options_bus_parse(&o, m, &error), &error, "Window");
        subscription_options_done(&o);
}

/* An a{ss} with n entries: keys "k<i>" padded with 'k' to key_len, values of value_len 'v's. */
static sd_bus_message *metadata_message(size_t n, size_t key_len, size_t value_len) {
        sd_bus_message *m = new_options();
        g_autofree char *value = g_malloc(value_len + 1);

        memset(value, 'v', value_len);
        value[value_len] = '\0';

        g_assert_cmpint(sd_bus_message_open_container(m, 'e', "sv"), >=, 0);
        g_assert_cmpint(sd_bus_message_append_basic(m, 's', "Metadata"), >=, 0);
        g_assert_cmpint(sd_bus_message_open_container(m, 'v', "a{ss}"), >=, 0);
        g_assert_cmpint(sd_bus_message_open_container(m, 'a', "{ss}"), >=, 0);
        for (size_t i = 0; i < n; i++) {
                g_autoptr(GString) key = g_string_new(NULL);

                g_string_printf(key, "k%zu", i);
                while (key->len < key_len)
                        g_string_append_c(key, 'k');
                g_assert_cmpint(sd_bus_message_append(m, "{ss}", key->str, value), >=, 0);
        }
        g_assert_cmpint(sd_bus_message_close_container(m), >=, 0);
        g_assert_cmpint(sd_bus_message_close_container(m), >=, 0);
        g_assert_cmpint(sd_bus_message_close_container(m), >=, 0);
        finish_options(m);
        return m;
}

/* NULL: accepted. */
static void check_metadata(size_t n, size_t key_len, size_t value_len, const char *error_message) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = metadata_message(n, key_len, value_len);
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        SubscriptionOptions o;
        int r;

        subscription_options_init(&o);
        r = subscription_options_bus_parse(&o, m, &error);
        if (error_message) {
                assert_refused(r, &error, "Metadata");
                g_assert_cmpstr(error.message, ==, error_message);
        } else {
                GHashTableIter i;
                gpointer k, v;

                g_assert_cmpint(r, ==, 0);
                g_assert_cmpuint(g_hash_table_size(o.metadata), ==, n);
                g_hash_table_iter_init(&i, o.metadata);
                while (g_hash_table_iter_next(&i, &k, &v)) {
                        g_assert_cmpuint(strlen(k), >=, key_len);
                        g_assert_cmpuint(strlen(v), ==, value_len);
                }
        }
        subscription_options_done(&o);
}

static void test_metadata(void) {
        g_autofree char *k62 = g_strnfill(62, 'k');
        g_autofree char *long_key = g_strdup_printf(
                        "Option \"Metadata\": has a key longer than 255 bytes: \"k0%s...\"", k62);

        check_metadata(0, 0, 0, NULL);
        check_metadata(1, 0, 0, NULL);
        check_metadata(OPTIONS_METADATA_MAX, 0, 10, NULL);
        check_metadata(OPTIONS_METADATA_MAX + 1, 0, 10, "Option \"Metadata\": must have at most 64 entries");
        check_metadata(1000, 0, 10, "Option \"Metadata\": must have at most 64 entries");
        check_metadata(1, OPTIONS_METADATA_KEY_MAX, 1, NULL);
        check_metadata(2, OPTIONS_METADATA_KEY_MAX + 1, 1, long_key);
        check_metadata(1, HUGE_SIZE, 1, long_key);
        check_metadata(2, 0, OPTIONS_METADATA_VALUE_MAX, NULL);
        check_metadata(2, 0, OPTIONS_METADATA_VALUE_MAX + 1,
                       "Option \"Metadata\": has a value longer than 4096 bytes, for key \"k0\"");
        check_metadata(1, 0, HUGE_SIZE,
                       "Option \"Metadata\": has a value longer than 4096 bytes, for key \"k0\"");
        /* Each within its bounds, too much together: 15 x 4096 fits in 64 KiB with the keys, 16 x 4096 does not. */
        check_metadata(15, 0, OPTIONS_METADATA_VALUE_MAX, NULL);
        check_metadata(16, 0, OPTIONS_METADATA_VALUE_MAX,
                       "Option \"Metadata\": must have at most 65536 bytes of keys and values in all");
}

static void test_metadata_keys(void) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        SubscriptionOptions o;

        /* The same key twice in one dictionary. */
        m = new_options();
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "Metadata", "a{ss}", 2, "k", "1", "k", "2"), >=, 0);
        finish_options(m);
        subscription_options_init(&o);
        assert_refused(subscription_options_bus_parse(&o, m, &error), &error, "Metadata");
        g_assert_cmpstr(error.message, ==, "Option \"Metadata\": has the key \"k\" more than once");
        subscription_options_done(&o);
        sd_bus_error_free(&error);
        m = sd_bus_message_unref(m);

        /* An empty key, after a good one. */
        m = new_options();
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "Metadata", "a{ss}", 2, "k", "1", "", "2"), >=, 0);
        finish_options(m);
        subscription_options_init(&o);
        assert_refused(subscription_options_bus_parse(&o, m, &error), &error, "Metadata");
        g_assert_cmpstr(error.message, ==, "Option \"Metadata\": has an empty key");
        subscription_options_done(&o);
        sd_bus_error_free(&error);
        m = sd_bus_message_unref(m);

        /* Keys and values are opaque: anything a D-Bus string holds. */
        m = new_options();
        g_assert_cmpint(sd_bus_message_append(m, "{sv}", "Metadata", "a{ss}",
                                              2, "a b", "c\nd", "\xc3\xa9", ""), >=, 0);
        finish_options(m);
        subscription_options_init(&o);
        g_assert_cmpint(subscription_options_bus_parse(&o, m, &error), ==, 0);
        g_assert_cmpstr(g_hash_table_lookup(o.metadata, "a b"), ==, "c\nd");
        g_assert_cmpstr(g_hash_table_lookup(o.metadata, "\xc3\xa9"), ==, "");
        subscription_options_done(&o);
}

static char *huge_string(char c) {
        char *s = g_malloc(HUGE_SIZE + 1);

        memset(s, c, HUGE_SIZE);
        s[HUGE_SIZE] = '\0';
        return s;
}

static void check_huge(const char *key, const char *value, const char *error_key,
                       const char *error_message) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = one_option(key, 's', value, 0);
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        SubscriptionOptions o;
        gint64 start;

        subscription_options_init(&o);
        start = g_get_monotonic_time();
        assert_refused(subscription_options_bus_parse(&o, m, &error), &error, error_key);
        /* Bounded work: nothing scans or copies the 10 MB more than once or twice. */
        g_assert_cmpint(g_get_monotonic_time() - start, <, G_USEC_PER_SEC);
        g_assert_cmpstr(error.message, ==, error_message);
        subscription_options_done(&o);
}

/* 10 MB where a few bytes are expected: refused at once, with a short message. */
static void test_huge(void) {
        g_autofree char *a = huge_string('a'), *p = huge_string('P'), *p64 = g_strnfill(64, 'P');
        g_autofree char *delay_error = g_strdup_printf(
                        "Option \"BackoffDelay\": \"%s...\" is not a valid ISO 8601 duration: is too long",
                        p64);

        check_huge("Name", a, "Name", "Option \"Name\": must be at most 255 bytes");
        check_huge("BackoffDelay", p, "BackoffDelay", delay_error);
        check_huge("BackoffPolicy", a, "BackoffPolicy",
                   "Option \"BackoffPolicy\": must be \"linear\" or \"exponential\", not \"" A64 "...\"");
        check_huge(a, "x", A64 "...", "Option \"" A64 "...\": unknown; " KNOWN);
}

static void test_name_length(void) {
        char name[OPTIONS_NAME_MAX + 2];

        for (size_t len = OPTIONS_NAME_MAX; len <= OPTIONS_NAME_MAX + 1; len++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                SubscriptionOptions o;
                int r;

                memset(name, 'n', len);
                name[len] = '\0';
                m = one_option("Name", 's', name, 0);
                subscription_options_init(&o);
                r = subscription_options_bus_parse(&o, m, &error);
                if (len <= OPTIONS_NAME_MAX) {
                        g_assert_cmpint(r, ==, 0);
                        g_assert_cmpstr(o.name, ==, name);
                } else {
                        assert_refused(r, &error, "Name");
                        g_assert_cmpstr(error.message, ==, "Option \"Name\": must be at most 255 bytes");
                }
                subscription_options_done(&o);
        }
}

/* Not at an a{sv}: a plain error, not a claim about the options. */
static void test_not_options(void) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        SubscriptionOptions o;

        g_assert_cmpint(sd_bus_message_new_method_call(factory, &m, BUS_NAME, MANAGER_OBJECT_PATH,
                                                       MANAGER_INTERFACE, "Subscribe"), >=, 0);
        g_assert_cmpint(sd_bus_message_append(m, "s", "x"), >=, 0);
        g_assert_cmpint(sd_bus_message_seal(m, 1, 0), >=, 0);
        g_assert_cmpint(sd_bus_message_rewind(m, true), >=, 0);

        subscription_options_init(&o);
        g_assert_cmpint(subscription_options_bus_parse(&o, m, &error), <, 0);
        g_assert_false(sd_bus_error_is_set(&error));
        subscription_options_done(&o);
}

static void test_copy(void) {
        SubscriptionOptions a, b;

        subscription_options_init(&a);
        g_free(a.name);
        a.name = g_strdup("n");
        a.window = 5;
        a.backoff_policy = BACKOFF_LINEAR;
        g_hash_table_insert(a.metadata, g_strdup("k"), g_strdup("v"));

        subscription_options_copy(&b, &a);
        g_assert_true(b.name != a.name);
        g_assert_true(b.backoff_delay != a.backoff_delay);
        g_assert_true(b.metadata != a.metadata);
        for (size_t i = 0; i < G_N_ELEMENTS(all_keys); i++) {
                g_autofree char *x = option_to_string(&a, all_keys[i]);
                g_autofree char *y = option_to_string(&b, all_keys[i]);

                g_assert_cmpstr(x, ==, y);
        }

        /* Deep: the two live on independently. */
        subscription_options_done(&a);
        g_assert_cmpstr(b.name, ==, "n");
        g_assert_cmpstr(b.backoff_delay, ==, "PT0.2S");
        g_assert_cmpstr(g_hash_table_lookup(b.metadata, "k"), ==, "v");
        g_hash_table_insert(b.metadata, g_strdup("k2"), g_strdup("v2")); /* owns its strings */
        subscription_options_done(&b);
}

static void test_policy_strings(void) {
        g_assert_cmpstr(backoff_policy_to_string(BACKOFF_LINEAR), ==, "linear");
        g_assert_cmpstr(backoff_policy_to_string(BACKOFF_EXPONENTIAL), ==, "exponential");
        g_assert_null(backoff_policy_to_string(_BACKOFF_POLICY_MAX));
        g_assert_null(backoff_policy_to_string(_BACKOFF_POLICY_INVALID));

        g_assert_cmpint(backoff_policy_from_string("linear"), ==, BACKOFF_LINEAR);
        g_assert_cmpint(backoff_policy_from_string("exponential"), ==, BACKOFF_EXPONENTIAL);
        g_assert_cmpint(backoff_policy_from_string("Linear"), ==, _BACKOFF_POLICY_INVALID);
        g_assert_cmpint(backoff_policy_from_string("exp"), ==, _BACKOFF_POLICY_INVALID);
        g_assert_cmpint(backoff_policy_from_string(""), ==, _BACKOFF_POLICY_INVALID);
        g_assert_cmpint(backoff_policy_from_string(NULL), ==, _BACKOFF_POLICY_INVALID);
}

typedef struct BackoffCase {
        BackoffPolicy policy;
        uint64_t delay;
        uint32_t n;
        uint64_t usec;
} BackoffCase;

#define CAP OPTIONS_BACKOFF_CAP_USEC
#define DMAX OPTIONS_BACKOFF_DELAY_MAX_USEC

static const BackoffCase backoff_cases[] = {
        { BACKOFF_LINEAR,      0,       1,          0 },
        { BACKOFF_LINEAR,      0,       64,         0 },
        { BACKOFF_LINEAR,      0,       UINT32_MAX, 0 },
        { BACKOFF_LINEAR,      200000,  0,          0 },
        { BACKOFF_LINEAR,      200000,  1,          200000 },
        { BACKOFF_LINEAR,      200000,  2,          400000 },
        { BACKOFF_LINEAR,      200000,  3,          600000 },
        { BACKOFF_LINEAR,      200000,  64,         12800000 },
        { BACKOFF_LINEAR,      200000,  432000,     CAP },     /* exactly the cap */
        { BACKOFF_LINEAR,      200000,  432001,     CAP },
        { BACKOFF_LINEAR,      200000,  UINT32_MAX, CAP },
        { BACKOFF_LINEAR,      DMAX,    1,          DMAX },
        { BACKOFF_LINEAR,      DMAX,    2,          2 * DMAX },
        { BACKOFF_LINEAR,      DMAX,    3,          3 * DMAX },
        { BACKOFF_LINEAR,      DMAX,    23,         23 * DMAX },
        { BACKOFF_LINEAR,      DMAX,    24,         CAP },
        { BACKOFF_LINEAR,      DMAX,    25,         CAP },
        { BACKOFF_LINEAR,      DMAX,    64,         CAP },
        { BACKOFF_LINEAR,      DMAX,    UINT32_MAX, CAP },
        { BACKOFF_LINEAR,      CAP - 1, 1,          CAP - 1 },
        { BACKOFF_LINEAR,      CAP + 1, 1,          CAP },
        { BACKOFF_LINEAR,      UINT64_MAX, 2,       CAP },     /* would wrap to UINT64_MAX - 1 */
        { BACKOFF_LINEAR,      UINT64_MAX / 2 + 1, 2, CAP },   /* would wrap to 0 */
        { BACKOFF_EXPONENTIAL, 0,       1,          0 },
        { BACKOFF_EXPONENTIAL, 0,       64,         0 },
        { BACKOFF_EXPONENTIAL, 0,       UINT32_MAX, 0 },
        { BACKOFF_EXPONENTIAL, 200000,  0,          200000 },
        { BACKOFF_EXPONENTIAL, 200000,  1,          400000 },
        { BACKOFF_EXPONENTIAL, 200000,  2,          800000 },
        { BACKOFF_EXPONENTIAL, 200000,  3,          1600000 },
        { BACKOFF_EXPONENTIAL, 200000,  18,         52428800000 },
        { BACKOFF_EXPONENTIAL, 200000,  19,         CAP },
        { BACKOFF_EXPONENTIAL, 200000,  63,         CAP },
        { BACKOFF_EXPONENTIAL, 200000,  64,         CAP },     /* a shift by 64 is undefined */
        { BACKOFF_EXPONENTIAL, 200000,  65,         CAP },
        { BACKOFF_EXPONENTIAL, 200000,  UINT32_MAX, CAP },
        { BACKOFF_EXPONENTIAL, 1,       36,         UINT64_C(68719476736) },
        { BACKOFF_EXPONENTIAL, 1,       37,         CAP },
        { BACKOFF_EXPONENTIAL, 1,       63,         CAP },
        { BACKOFF_EXPONENTIAL, 1,       64,         CAP },
        { BACKOFF_EXPONENTIAL, CAP / 4, 2,          CAP },     /* exactly the cap */
        { BACKOFF_EXPONENTIAL, CAP / 4 + 1, 2,      CAP },
        { BACKOFF_EXPONENTIAL, DMAX,    0,          DMAX },
        { BACKOFF_EXPONENTIAL, DMAX,    1,          2 * DMAX },
        { BACKOFF_EXPONENTIAL, DMAX,    2,          4 * DMAX },
        { BACKOFF_EXPONENTIAL, DMAX,    3,          8 * DMAX },
        { BACKOFF_EXPONENTIAL, DMAX,    4,          16 * DMAX },
        { BACKOFF_EXPONENTIAL, DMAX,    5,          CAP },
        { BACKOFF_EXPONENTIAL, DMAX,    64,         CAP },
        { BACKOFF_EXPONENTIAL, DMAX,    UINT32_MAX, CAP },
        { BACKOFF_EXPONENTIAL, UINT64_MAX, 1,       CAP },
};

static void test_backoff(const void *data) {
        const BackoffCase *t = data;
        SubscriptionOptions o;

        subscription_options_init(&o);
        o.backoff_policy = t->policy;
        o.backoff_delay_usec = t->delay;
        g_assert_cmpuint(subscription_options_backoff(&o, t->n), ==, t->usec);
        g_assert_cmpuint(subscription_options_backoff(&o, t->n), <=, CAP);
        subscription_options_done(&o);
}

/* Never shrinking as n grows, never past the cap: checked across every shift for a few delays. */
static void test_backoff_monotonic(void) {
        static const uint64_t delays[] = { 0, 1, 3, 200000, 999999, DMAX, CAP, UINT64_MAX };

        for (BackoffPolicy p = 0; p < _BACKOFF_POLICY_MAX; p++)
                for (size_t i = 0; i < G_N_ELEMENTS(delays); i++) {
                        SubscriptionOptions o = {
                                .backoff_policy = p,
                                .backoff_delay_usec = delays[i],
                        };
                        uint64_t previous = 0;

                        for (uint32_t n = 0; n < 200; n++) {
                                uint64_t b = subscription_options_backoff(&o, n);

                                g_assert_cmpuint(b, >=, previous);
                                g_assert_cmpuint(b, <=, CAP);
                                previous = b;
                        }
                }
}

/* --- the model's rules on their own, as the store applies them to a stored row ---------------- */

/* The variant type each key takes, as append_option() writes it; 0 for a key with no rule of its own. */
static char rule_type(const char *key) {
        static const struct {
                const char *key;
                char type;
        } types[] = {
                { "Name", 's' },       { "Window", 'u' },     { "Retry", 'u' },
                { "BackoffDelay", 's' }, { "BackoffPolicy", 's' }, { "AckTimeout", 't' },
                { "QueueLimit", 'u' }, { "DeadLetterLimit", 'u' }, { "Metadata", 'a' },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(types); i++)
                if (streq(types[i].key, key))
                        return types[i].type;
        return 0;
}

/* Sets key in o from a case's value, behind the bus's back; the BackoffPolicy string has no field to go in. */
static void set_option(SubscriptionOptions *o, const char *key, const char *s, uint64_t n) {
        if (streq(key, "Name")) {
                g_free(o->name);
                o->name = g_strdup(s);
        } else if (streq(key, "Window"))
                o->window = (uint32_t) n;
        else if (streq(key, "Retry"))
                o->retry = (uint32_t) n;
        else if (streq(key, "BackoffDelay")) {
                g_free(o->backoff_delay);
                o->backoff_delay = g_strdup(s);
        } else if (streq(key, "AckTimeout"))
                o->ack_timeout_usec = n;
        else if (streq(key, "QueueLimit"))
                o->queue_limit = (uint32_t) n;
        else if (streq(key, "DeadLetterLimit"))
                o->dead_letter_limit = (uint32_t) n;
        else if (streq(key, "Metadata") && s) {
                const char *eq = strchr(s, '=');

                g_assert_nonnull(eq);
                g_hash_table_insert(o->metadata, g_strndup(s, eq - s), g_strdup(eq + 1));
        }
}

/* Every value the bus refuses for its range or format, the model's validation refuses with the same message. */
static void test_validate_as_bus(const void *data) {
        const OptionCase *t = data;
        g_autofree char *message = NULL;
        SubscriptionOptions o;
        int r;

        if (rule_type(t->key) != t->type) {
                g_test_skip("a wire matter: an unknown key or the wrong type");
                return;
        }

        subscription_options_init(&o);
        if (streq(t->key, "BackoffPolicy")) {
                BackoffPolicy p = _BACKOFF_POLICY_INVALID;

                r = subscription_options_parse_backoff_policy(t->s, &p, &message);
                if (r >= 0)
                        o.backoff_policy = p;
        } else {
                set_option(&o, t->key, t->s, t->n);
                r = subscription_options_validate(&o, &message);
        }
        if (t->expect) {
                g_assert_cmpint(r, ==, 0);
                g_assert_null(message);
                g_assert_cmpint(subscription_options_validate(&o, &message), ==, 0);
        } else {
                g_assert_cmpint(r, ==, -EINVAL);
                g_assert_cmpstr(message, ==, t->error);
        }
        subscription_options_done(&o);
}

static void assert_invalid(const SubscriptionOptions *o, const char *error) {
        g_autofree char *message = NULL;

        g_assert_cmpint(subscription_options_validate(o, &message), ==, -EINVAL);
        g_assert_cmpstr(message, ==, error);
}

static void test_validate(void) {
        g_autofree char *message = NULL;
        g_autofree char *long_name = g_strnfill(OPTIONS_NAME_MAX + 1, 'n');
        g_autofree char *big_value = g_strnfill(OPTIONS_METADATA_VALUE_MAX, 'v');
        SubscriptionOptions o;

        /* The defaults are valid, and so are the limits themselves. */
        subscription_options_init(&o);
        g_assert_cmpint(subscription_options_validate(&o, &message), ==, 0);
        g_assert_null(message);
        o.window = OPTIONS_WINDOW_MAX;
        o.retry = OPTIONS_RETRY_MAX;
        o.ack_timeout_usec = OPTIONS_ACK_TIMEOUT_MIN_USEC;
        o.queue_limit = OPTIONS_QUEUE_LIMIT_MAX;
        o.dead_letter_limit = 0;
        g_assert_cmpint(subscription_options_validate(&o, &message), ==, 0);
        subscription_options_done(&o);

        subscription_options_init(&o);
        o.window = 0;
        assert_invalid(&o, "Option \"Window\": must be at least 1 and at most 1024, not 0");
        o.window = 64;
        o.retry = 101;
        assert_invalid(&o, "Option \"Retry\": must be at most 100, not 101");
        o.retry = 3;
        o.ack_timeout_usec = OPTIONS_ACK_TIMEOUT_MIN_USEC - 1;
        assert_invalid(&o, "Option \"AckTimeout\": must be at least 1000 and at most 3600000000 microseconds "
                           "(1 ms to 1 h), not 999");
        o.ack_timeout_usec = OPTIONS_ACK_TIMEOUT_MAX_USEC + 1;
        assert_invalid(&o, "Option \"AckTimeout\": must be at least 1000 and at most 3600000000 microseconds "
                           "(1 ms to 1 h), not 3600000001");
        o.ack_timeout_usec = 5 * 1000000;
        o.queue_limit = 0;
        assert_invalid(&o, "Option \"QueueLimit\": must be at least 1 and at most 1000000, not 0");
        o.queue_limit = 10;
        o.dead_letter_limit = OPTIONS_QUEUE_LIMIT_MAX + 1;
        assert_invalid(&o, "Option \"DeadLetterLimit\": must be at most 1000000, not 1000001");
        o.dead_letter_limit = 10;

        /* The first broken rule is the one named: the name before the numbers. */
        g_free(o.name);
        o.name = g_strdup("my sub");
        o.window = 0;
        assert_invalid(&o, "Option \"Name\": must be printable ASCII without white space, has byte 0x20 at 2");
        o.window = 64;
        g_free(o.name);
        o.name = g_strdup(long_name);
        assert_invalid(&o, "Option \"Name\": must be at most 255 bytes");
        g_free(o.name);
        o.name = g_strdup("sub-1");

        g_free(o.backoff_delay);
        o.backoff_delay = g_strdup("PT2H");
        assert_invalid(&o, "Option \"BackoffDelay\": must be at most PT1H (an hour), not \"PT2H\"");
        g_free(o.backoff_delay);
        o.backoff_delay = g_strdup("PT0.2S");
        o.backoff_policy = _BACKOFF_POLICY_MAX;
        assert_invalid(&o, "Option \"BackoffPolicy\": must be \"linear\" or \"exponential\", not 2");
        o.backoff_policy = BACKOFF_LINEAR;
        g_assert_cmpint(subscription_options_validate(&o, &message), ==, 0);

        /* Metadata: too many entries, an empty key, too many bytes in all. */
        for (unsigned i = 0; i <= OPTIONS_METADATA_MAX; i++)
                g_hash_table_insert(o.metadata, g_strdup_printf("k%u", i), g_strdup("v"));
        assert_invalid(&o, "Option \"Metadata\": must have at most 64 entries");
        g_hash_table_remove_all(o.metadata);
        g_hash_table_insert(o.metadata, g_strdup(""), g_strdup("v"));
        assert_invalid(&o, "Option \"Metadata\": has an empty key");
        g_hash_table_remove_all(o.metadata);
        for (unsigned i = 0; i < OPTIONS_METADATA_BYTES_MAX / OPTIONS_METADATA_VALUE_MAX; i++)
                g_hash_table_insert(o.metadata, g_strdup_printf("k%u", i), g_strdup(big_value));
        assert_invalid(&o, "Option \"Metadata\": must have at most 65536 bytes of keys and values in all");
        g_hash_table_remove(o.metadata, "k0");
        g_assert_cmpint(subscription_options_validate(&o, &message), ==, 0);
        subscription_options_done(&o);
}

/* The key names are the table's, both ways. */
static void test_option_names(void) {
        for (size_t i = 0; i < G_N_ELEMENTS(all_keys); i++) {
                g_assert_cmpint(subscription_option_from_string(all_keys[i]), ==, (SubscriptionOption) i);
                g_assert_cmpstr(subscription_option_to_string((SubscriptionOption) i), ==, all_keys[i]);
        }
        g_assert_cmpint(G_N_ELEMENTS(all_keys), ==, _SUBSCRIPTION_OPTION_MAX);
        g_assert_cmpint(subscription_option_from_string("name"), ==, _SUBSCRIPTION_OPTION_INVALID);
        g_assert_cmpint(subscription_option_from_string(NULL), ==, _SUBSCRIPTION_OPTION_INVALID);
        g_assert_null(subscription_option_to_string(_SUBSCRIPTION_OPTION_MAX));
}

/* Which given option differs first, and how both sides are shown. */
static void test_differ(void) {
        SubscriptionOptions a, b;
        uint32_t all = UINT32_MAX >> (32 - _SUBSCRIPTION_OPTION_MAX);
        char *x = NULL, *y = NULL;

        subscription_options_init(&a);
        subscription_options_init(&b);
        g_free(b.name);
        b.name = g_strdup("other"); /* the name is never a difference */
        g_assert_cmpint(subscription_options_differ(&a, &b, all), ==, _SUBSCRIPTION_OPTION_INVALID);

        /* The same duration written otherwise is the same. */
        g_free(b.backoff_delay);
        b.backoff_delay = g_strdup("PT0.200S");
        g_assert_cmpint(subscription_options_differ(&a, &b, all), ==, _SUBSCRIPTION_OPTION_INVALID);

        b.retry = 7;
        b.window = 9;
        g_assert_cmpint(subscription_options_differ(&a, &b, all), ==, SUBSCRIPTION_OPTION_WINDOW);
        g_assert_cmpint(subscription_options_differ(&a, &b, SUBSCRIPTION_OPTION_BIT(SUBSCRIPTION_OPTION_RETRY)), ==,
                        SUBSCRIPTION_OPTION_RETRY);
        /* Not given: not compared. */
        g_assert_cmpint(subscription_options_differ(&a, &b, SUBSCRIPTION_OPTION_BIT(SUBSCRIPTION_OPTION_ORDERED)), ==,
                        _SUBSCRIPTION_OPTION_INVALID);
        subscription_options_format_difference(&a, &b, SUBSCRIPTION_OPTION_RETRY, &x, &y);
        g_assert_cmpstr(x, ==, "3");
        g_assert_cmpstr(y, ==, "7");
        g_clear_pointer(&x, g_free);
        g_clear_pointer(&y, g_free);
        subscription_options_format_difference(&a, &b, SUBSCRIPTION_OPTION_BACKOFF_POLICY, &x, &y);
        g_assert_cmpstr(x, ==, "\"exponential\"");
        g_clear_pointer(&x, g_free);
        g_clear_pointer(&y, g_free);

        g_hash_table_insert(a.metadata, g_strdup("k"), g_strdup("v"));
        g_hash_table_insert(b.metadata, g_strdup("k"), g_strdup("v"));
        g_hash_table_insert(b.metadata, g_strdup("z"), g_strdup("1"));
        g_assert_cmpint(subscription_options_differ(&a, &b, SUBSCRIPTION_OPTION_BIT(SUBSCRIPTION_OPTION_METADATA)), ==,
                        SUBSCRIPTION_OPTION_METADATA);
        subscription_options_format_difference(&a, &b, SUBSCRIPTION_OPTION_METADATA, &x, &y);
        g_assert_cmpstr(x, ==, "no \"z\"");
        g_assert_cmpstr(y, ==, "\"z\"=\"1\"");
        g_free(x);
        g_free(y);
        subscription_options_done(&a);
        subscription_options_done(&b);
}

int main(int argc, char *argv[]) {
        /* As the daemon registers it (bus-errors.c is not in the core library): InvalidOption is EINVAL. */
        static const sd_bus_error_map errors[] = {
                SD_BUS_ERROR_MAP(BUS_ERROR_INVALID_OPTION, EINVAL),
                SD_BUS_ERROR_MAP_END,
        };
        int r;

        g_test_init(&argc, &argv, NULL);
        g_assert_cmpint(sd_bus_error_add_map(errors), >=, 0);
        factory_open();

        g_test_add_func("/subscription-options/defaults", test_defaults);
        g_test_add_func("/subscription-options/all", test_all_options);
        ADD_CASES("/subscription-options/option", option_cases, test_option);
        ADD_CASES("/subscription-options/escaped", escaped_cases, test_escaped);
        g_test_add_func("/subscription-options/duplicate", test_duplicate);
        g_test_add_func("/subscription-options/first-error", test_first_error);
        g_test_add_func("/subscription-options/metadata", test_metadata);
        g_test_add_func("/subscription-options/metadata-keys", test_metadata_keys);
        g_test_add_func("/subscription-options/name-length", test_name_length);
        g_test_add_func("/subscription-options/huge", test_huge);
        g_test_add_func("/subscription-options/not-options", test_not_options);
        g_test_add_func("/subscription-options/copy", test_copy);
        g_test_add_func("/subscription-options/policy-strings", test_policy_strings);
        ADD_CASES("/subscription-options/backoff", backoff_cases, test_backoff);
        g_test_add_func("/subscription-options/backoff-monotonic", test_backoff_monotonic);
        ADD_CASES("/subscription-options/validate-as-bus", option_cases, test_validate_as_bus);
        g_test_add_func("/subscription-options/validate", test_validate);
        g_test_add_func("/subscription-options/option-names", test_option_names);
        g_test_add_func("/subscription-options/differ", test_differ);

        r = g_test_run();
        factory_close();
        return r;
}
