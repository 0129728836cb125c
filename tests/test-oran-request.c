/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reader of POST /subscriptions bodies (bridge/oran-request.c). */

#include <glib.h>
#include <string.h>

#include "oran-request.h"
#include "test-util.h"

#define LOCK "/cluster/node/n1/sync/ptp-status/lock-state"
#define EP   "http://consumer:9043/event"
#define V2_MEMBERS(res, ep) "\"ResourceAddress\":" res ",\"EndpointUri\":" ep
#define V2(res, ep) "{" V2_MEMBERS(res, ep) "}"
#define V1(res, ep) "{\"resource\":" res ",\"endpointUri\":" ep "}"
#define Q(s) "\"" s "\""

typedef struct RequestCase {
        OranApi api;
        const char *body;
        /* Success: what is read. */
        const char *resource, *endpoint;
        bool v1_keys;
        /* Failure (resource NULL): the code and a part of the message. */
        OranRequestError code;
        const char *message;
} RequestCase;

#define OK2(body, res, ep, v1) { ORAN_API_V2, body, res, ep, v1, 0, NULL }
#define OK1(body, res, ep) { ORAN_API_V1, body, res, ep, true, 0, NULL }
#define BAD(api, body, code, msg) { api, body, NULL, NULL, false, ORAN_REQUEST_ERROR_##code, msg }

static const RequestCase cases[] = {
        /* v2 */
        OK2(V2(Q(LOCK), Q(EP)), LOCK, EP, false),
        OK2(" \r\n\t" V2(Q(LOCK), Q(EP)) "\n", LOCK, EP, false),
        OK2("{\"EndpointUri\":" Q(EP) ",\"ResourceAddress\":" Q(LOCK) "}", LOCK, EP, false),
        /* Set by the server: ignored, whatever their type. */
        OK2("{\"ResourceAddress\":" Q(LOCK) ",\"EndpointUri\":" Q(EP) ",\"SubscriptionId\":\"x\",\"UriLocation\":7}",
            LOCK, EP, false),
        /* Unknown keys ignored, also with repeated keys inside them. */
        OK2("{\"ResourceAddress\":" Q(LOCK) ",\"EndpointUri\":" Q(EP) ",\"extra\":{\"a\":1,\"a\":[{\"b\":2,\"b\":3}]},"
            "\"more\":[true,false,null,-0.5e+3]}", LOCK, EP, false),
        /* Case-sensitive: "resourceaddress" is an unknown key. */
        BAD(ORAN_API_V2, "{\"resourceaddress\":" Q(LOCK) ",\"EndpointUri\":" Q(EP) "}", INVALID,
            "\"ResourceAddress\" is missing"),
        BAD(ORAN_API_V2, "{\"ResourceAddress\":" Q(LOCK) ",\"endpointuri\":" Q(EP) "}", INVALID,
            "\"EndpointUri\" is missing"),
        /* 4.16-4.18: v2 accepts the v1 keys and writes them back. */
        OK2(V1(Q(LOCK), Q(EP)), LOCK, EP, true),
        /* ...but v2 wants an endpoint whichever the keys. */
        BAD(ORAN_API_V2, "{\"resource\":" Q(LOCK) "}", INVALID, "\"endpointUri\" is missing"),
        BAD(ORAN_API_V2, "{\"resource\":" Q(LOCK) ",\"endpointUri\":\"\"}", INVALID, "\"endpointUri\" is empty"),
        BAD(ORAN_API_V2, "{\"resource\":" Q(LOCK) ",\"endpointUri\":null}", INVALID, "\"endpointUri\" is missing"),
        /* Escapes decoded; UTF-8 (here a surrogate pair) kept. */
        OK2(V2("\"\\/cluster\\/node\\/n\\u00e9\\ud83d\\ude00\"", Q(EP)), "/cluster/node/n\xc3\xa9\xf0\x9f\x98\x80",
            EP, false),
        OK2(V2("\"caf\xc3\xa9\"", Q(EP)), "caf\xc3\xa9", EP, false),

        /* v1 */
        OK1(V1(Q(LOCK), Q(EP)), LOCK, EP),
        OK1("{\"resource\":" Q(LOCK) "}", LOCK, NULL),
        OK1(V1(Q(LOCK), "\"\""), LOCK, NULL),
        OK1(V1(Q(LOCK), "null"), LOCK, NULL),
        OK1("{\"resource\":" Q(LOCK) ",\"id\":\"ignored\",\"uriLocation\":null}", LOCK, NULL),
        BAD(ORAN_API_V1, V2(Q(LOCK), Q(EP)), INVALID, "\"ResourceAddress\" is a v2 key"),
        BAD(ORAN_API_V1, "{\"EndpointUri\":" Q(EP) "}", INVALID, "\"EndpointUri\" is a v2 key"),
        BAD(ORAN_API_V1, "{\"resource\":" Q(LOCK) ",\"SubscriptionId\":\"x\"}", INVALID, "mixes"),
        BAD(ORAN_API_V1, "{\"endpointUri\":" Q(EP) "}", INVALID, "\"resource\" is missing"),

        /* Mixed key sets. */
        BAD(ORAN_API_V2, "{\"ResourceAddress\":" Q(LOCK) ",\"endpointUri\":" Q(EP) "}", INVALID,
            "mixes the v1 key \"endpointUri\" and the v2 key \"ResourceAddress\""),
        BAD(ORAN_API_V2, "{\"resource\":" Q(LOCK) ",\"EndpointUri\":" Q(EP) "}", INVALID, "mixes"),
        BAD(ORAN_API_V2, "{\"resource\":" Q(LOCK) ",\"UriLocation\":\"x\"}", INVALID, "\"UriLocation\""),
        /* ...but a null one is absent. */
        OK2("{\"resource\":" Q(LOCK) ",\"endpointUri\":" Q(EP) ",\"EndpointUri\":null}", LOCK, EP, true),

        /* Missing, null, empty. */
        BAD(ORAN_API_V2, "{}", INVALID, "\"ResourceAddress\" is missing"),
        BAD(ORAN_API_V2, "{\"EndpointUri\":" Q(EP) "}", INVALID, "\"ResourceAddress\" is missing"),
        BAD(ORAN_API_V2, V2("null", Q(EP)), INVALID, "\"ResourceAddress\" is missing"),
        BAD(ORAN_API_V2, V2("\"\"", Q(EP)), INVALID, "\"ResourceAddress\" is empty"),
        BAD(ORAN_API_V2, "{\"ResourceAddress\":" Q(LOCK) "}", INVALID, "\"EndpointUri\" is missing"),
        BAD(ORAN_API_V2, V2(Q(LOCK), "null"), INVALID, "\"EndpointUri\" is missing"),
        BAD(ORAN_API_V2, V2(Q(LOCK), "\"\""), INVALID, "\"EndpointUri\" is empty"),
        BAD(ORAN_API_V1, V1("\"\"", Q(EP)), INVALID, "\"resource\" is empty"),
        BAD(ORAN_API_V1, V1("null", Q(EP)), INVALID, "\"resource\" is missing"),

        /* Types. */
        BAD(ORAN_API_V2, V2("42", Q(EP)), INVALID, "\"ResourceAddress\" must be a string, not a number"),
        BAD(ORAN_API_V2, V2("-1.5e3", Q(EP)), INVALID, "\"ResourceAddress\" must be a string, not a number"),
        BAD(ORAN_API_V2, V2("true", Q(EP)), INVALID, "\"ResourceAddress\" must be a string, not a boolean"),
        BAD(ORAN_API_V2, V2("{}", Q(EP)), INVALID, "\"ResourceAddress\" must be a string, not an object"),
        BAD(ORAN_API_V2, V2("[" Q(LOCK) "]", Q(EP)), INVALID, "\"ResourceAddress\" must be a string, not an array"),
        BAD(ORAN_API_V2, V2(Q(LOCK), "9043"), INVALID, "\"EndpointUri\" must be a string, not a number"),
        BAD(ORAN_API_V2, V2(Q(LOCK), "false"), INVALID, "\"EndpointUri\" must be a string, not a boolean"),
        BAD(ORAN_API_V2, V2(Q(LOCK), "{\"url\":" Q(EP) "}"), INVALID, "\"EndpointUri\" must be a string, not an object"),
        BAD(ORAN_API_V1, V1(Q(LOCK), "[]"), INVALID, "\"endpointUri\" must be a string, not an array"),
        BAD(ORAN_API_V1, V1("1", Q(EP)), INVALID, "\"resource\" must be a string, not a number"),

        /* Repeated keys: json-glib would keep the last one silently. */
        BAD(ORAN_API_V2, "{\"ResourceAddress\":\"/a\",\"ResourceAddress\":" Q(LOCK) ",\"EndpointUri\":" Q(EP) "}",
            INVALID, "the key \"ResourceAddress\" appears more than once"),
        BAD(ORAN_API_V2, "{\"ResourceAddress\":null,\"EndpointUri\":" Q(EP) ",\"ResourceAddress\":" Q(LOCK) "}",
            INVALID, "\"ResourceAddress\" appears more than once"),
        BAD(ORAN_API_V2, "{\"x\":1,\"x\":2,\"ResourceAddress\":" Q(LOCK) ",\"EndpointUri\":" Q(EP) "}", INVALID,
            "the key \"x\" appears more than once"),
        BAD(ORAN_API_V2, "{\"resour\\u0063e\":" Q(LOCK) ",\"resource\":" Q(LOCK) "}", INVALID,
            "\"resource\" appears more than once"),

        /* Not one JSON object. */
        BAD(ORAN_API_V2, "", NOT_JSON, "the body is empty"),
        BAD(ORAN_API_V2, "   ", NOT_JSON, "at byte 3: expected a value, found the end of the body"),
        BAD(ORAN_API_V2, "[]", NOT_JSON, "the body is an array, not a JSON object"),
        BAD(ORAN_API_V2, "[" V2(Q(LOCK), Q(EP)) "]", NOT_JSON, "an array, not a JSON object"),
        BAD(ORAN_API_V2, Q(LOCK), NOT_JSON, "the body is a string, not a JSON object"),
        BAD(ORAN_API_V2, "42", NOT_JSON, "the body is a number, not a JSON object"),
        BAD(ORAN_API_V2, "true", NOT_JSON, "the body is a boolean, not a JSON object"),
        BAD(ORAN_API_V2, "null", NOT_JSON, "the body is null, not a JSON object"),
        BAD(ORAN_API_V2, V2(Q(LOCK), Q(EP)) V2(Q(LOCK), Q(EP)), NOT_JSON, "expected nothing after the value"),
        BAD(ORAN_API_V2, V2(Q(LOCK), Q(EP)) " x", NOT_JSON, "expected nothing after the value, found 'x'"),
        BAD(ORAN_API_V2, V2(Q(LOCK), Q(EP)) ",", NOT_JSON, "expected nothing after the value"),
        BAD(ORAN_API_V2, "{\"ResourceAddress\":" Q(LOCK), NOT_JSON, "expected ',' or '}' in the object"),
        BAD(ORAN_API_V2, "{\"ResourceAddress\":" Q(LOCK) ",}", NOT_JSON, "expected a string, found '}'"),
        /* What json-glib 1.6 would have taken. */
        BAD(ORAN_API_V2, "{'ResourceAddress':'/a','EndpointUri':'" EP "'}", NOT_JSON, "at byte 1: expected a string"),
        BAD(ORAN_API_V2, "/* c */" V2(Q(LOCK), Q(EP)), NOT_JSON, "at byte 0: expected a value, found '/'"),
        BAD(ORAN_API_V2, "var x = " V2(Q(LOCK), Q(EP)), NOT_JSON, "at byte 0"),
        BAD(ORAN_API_V2, V2("\"a\tb\"", Q(EP)), NOT_JSON, "control characters must be escaped"),
        BAD(ORAN_API_V2, V2("\"a\nb\"", Q(EP)), NOT_JSON, "control characters must be escaped"),
        BAD(ORAN_API_V2, V2("\"\\x41\"", Q(EP)), NOT_JSON, "after the backslash, found 'x'"),
        BAD(ORAN_API_V2, V2("\"\\'\"", Q(EP)), NOT_JSON, "after the backslash"),
        BAD(ORAN_API_V2, "{\"a\":01," V2_MEMBERS(Q(LOCK), Q(EP)) "}", NOT_JSON, "at byte 6: expected the end of the number"),
        BAD(ORAN_API_V2, "{\"a\":.5}", NOT_JSON, "expected a value, found '.'"),
        BAD(ORAN_API_V2, "{\"a\":0x10}", NOT_JSON, "expected the end of the number"),
        BAD(ORAN_API_V2, "{\"a\":+1}", NOT_JSON, "expected a value, found '+'"),
        BAD(ORAN_API_V2, "{\"a\":1.}", NOT_JSON, "expected a digit after the decimal point"),
        BAD(ORAN_API_V2, "{\"a\":1e}", NOT_JSON, "expected a digit in the exponent"),
        BAD(ORAN_API_V2, "{\"a\":-}", NOT_JSON, "expected a digit"),
        BAD(ORAN_API_V2, "{\"a\":NaN}", NOT_JSON, "expected a value, found 'N'"),
        BAD(ORAN_API_V2, "{\"a\":tru}", NOT_JSON, "expected a value"),
        BAD(ORAN_API_V2, "{\"a\":[1,]}", NOT_JSON, "expected a value, found ']'"),
        BAD(ORAN_API_V2, "{\"a\" 1}", NOT_JSON, "expected ':' after the key"),
        BAD(ORAN_API_V2, "\xef\xbb\xbf{}", NOT_JSON, "at byte 0: expected a value, found U+FEFF"),
        BAD(ORAN_API_V2, "{\"a\":\"b", NOT_JSON, "expected the closing quote"),
        BAD(ORAN_API_V2, "{\"a\":\"\\u12\"}", NOT_JSON, "expected four hex digits after \\u"),
        /* What json-glib would have cut short or turned into invalid UTF-8. */
        BAD(ORAN_API_V2, V2("\"/a\\u0000/b\"", Q(EP)), NOT_JSON, "a string may not hold a NUL character (\\u0000)"),
        BAD(ORAN_API_V2, V2("\"/a\\ud800/b\"", Q(EP)), NOT_JSON, "a high surrogate escape (\\ud800-\\udbff) must be followed by a low one"),
        BAD(ORAN_API_V2, V2("\"/a\\ud800\\u0041\"", Q(EP)), NOT_JSON, "must be followed by a low one"),
        BAD(ORAN_API_V2, V2("\"/a\\udc00\"", Q(EP)), NOT_JSON, "a low surrogate escape (\\udc00-\\udfff) must follow a high one"),
        /* Not UTF-8. */
        BAD(ORAN_API_V2, V2("\"/a\xff\"", Q(EP)), NOT_JSON, "not valid UTF-8 (at byte 22)"),
        BAD(ORAN_API_V2, V2("\"/a\xc0\xaf\"", Q(EP)), NOT_JSON, "not valid UTF-8"),       /* overlong '/' */
        BAD(ORAN_API_V2, V2("\"/a\xed\xa0\x80\"", Q(EP)), NOT_JSON, "not valid UTF-8"),   /* surrogate */
        BAD(ORAN_API_V2, V2("\"/a\xf4\x90\x80\x80\"", Q(EP)), NOT_JSON, "not valid UTF-8"), /* > U+10FFFF */
        BAD(ORAN_API_V2, V2(Q(LOCK), Q(EP)) "\xe2\x82", NOT_JSON, "not valid UTF-8"),    /* cut short */
};

static void check_case(const RequestCase *t, const char *body, size_t length) {
        g_auto(OranSubscriptionRequest) r = { .resource = (char *) "not touched" };
        g_autoptr(GError) error = NULL;
        bool ok;

        ok = oran_subscription_request_parse(body, length, t->api, &r, &error);
        if (t->resource) {
                g_assert_no_error(error);
                g_assert_true(ok);
                g_assert_cmpstr(r.resource, ==, t->resource);
                g_assert_cmpstr(r.endpoint, ==, t->endpoint);
                g_assert_cmpint(r.v1_keys, ==, t->v1_keys);
                return;
        }
        g_assert_false(ok);
        g_assert_error(error, ORAN_REQUEST_ERROR, (int) t->code);
        if (g_test_verbose())
                g_test_message("%s", error->message);
        if (t->message && !strstr(error->message, t->message))
                g_error("\"%s\" does not say \"%s\"", error->message, t->message);
        g_assert_null(r.resource);
        g_assert_null(r.endpoint);
        g_assert_false(r.v1_keys);
}

static void test_case(const void *data) {
        const RequestCase *t = data;
        size_t n = strlen(t->body);
        /* Exactly n bytes, not NUL-terminated: ASan sees a read past the end. */
        g_autofree char *copy = g_memdup2(t->body, n);

        check_case(t, copy, n);
}

/* The body is length bytes: what follows is not read. */
static void test_not_terminated(void) {
        static const char body[] = V2(Q(LOCK), Q(EP)) "}garbage";
        RequestCase t = OK2(NULL, LOCK, EP, false);

        check_case(&t, body, strlen(body) - strlen("}garbage"));
}

static void test_nul_byte(void) {
        static const char body[] = "{\"ResourceAddress\":\"/a\0b\",\"EndpointUri\":\"" EP "\"}";
        RequestCase t = BAD(ORAN_API_V2, NULL, NOT_JSON, "the body holds a NUL byte (at byte 22)");

        check_case(&t, body, sizeof(body) - 1);
        t.message = "holds a NUL byte (at byte 2)";
        check_case(&t, "{}\0", 3);
}

static char *repeat(char c, size_t n) {
        char *s = g_malloc(n + 1);

        memset(s, c, n);
        s[n] = '\0';
        return s;
}

static void test_bounds(void) {
        g_autofree char *rs = repeat('r', ORAN_REQUEST_MAX_RESOURCE - 1), *es = repeat('e', ORAN_REQUEST_MAX_ENDPOINT - 9);
        g_autofree char *res_max = g_strconcat("/", rs, NULL);
        g_autofree char *res_over = g_strconcat(res_max, "r", NULL);
        g_autofree char *ep_max = g_strconcat("http://h/", es, NULL);
        g_autofree char *ep_over = g_strconcat(ep_max, "e", NULL);
        g_autofree char *b1 = g_strdup_printf(V2("\"%s\"", "\"%s\""), res_max, ep_max);
        g_autofree char *b2 = g_strdup_printf(V2("\"%s\"", "\"%s\""), res_over, EP);
        g_autofree char *b3 = g_strdup_printf(V2("\"%s\"", "\"%s\""), LOCK, ep_over);
        g_autofree char *pad = repeat(' ', ORAN_REQUEST_MAX_BODY - strlen(b1));
        g_autofree char *b4 = g_strconcat(b1, pad, NULL);
        g_autofree char *b5 = g_strconcat(b4, " ", NULL);
        RequestCase ok = OK2(NULL, res_max, ep_max, false);
        RequestCase bad = BAD(ORAN_API_V2, NULL, INVALID, "\"ResourceAddress\" is 1025 bytes long, more than 1024");

        g_assert_cmpuint(strlen(res_max), ==, ORAN_REQUEST_MAX_RESOURCE);
        g_assert_cmpuint(strlen(ep_max), ==, ORAN_REQUEST_MAX_ENDPOINT);
        check_case(&ok, b1, strlen(b1));
        check_case(&bad, b2, strlen(b2));
        bad.message = "\"EndpointUri\" is 2049 bytes long, more than 2048";
        check_case(&bad, b3, strlen(b3));
        g_assert_cmpuint(strlen(b4), ==, ORAN_REQUEST_MAX_BODY);
        check_case(&ok, b4, strlen(b4));
        bad = (RequestCase) BAD(ORAN_API_V2, NULL, NOT_JSON, "the body is 65537 bytes, more than 65536");
        check_case(&bad, b5, strlen(b5));
}

static void test_utf8_bound(void) {
        GString *res = g_string_new("/");
        g_autofree char *body = NULL;
        RequestCase bad = BAD(ORAN_API_V2, NULL, INVALID, "\"ResourceAddress\" is 1025 bytes long");

        while (res->len < ORAN_REQUEST_MAX_RESOURCE)
                g_string_append(res, "\xc3\xa9"); /* 1 + 2 * 512 = 1025 bytes, 513 characters */
        body = g_strdup_printf(V2("\"%s\"", Q(EP)), res->str);
        check_case(&bad, body, strlen(body));
        g_string_free(res, true);
}

/* Nested at most ORAN_REQUEST_MAX_DEPTH deep, the top-level object included. */
static void test_depth(void) {
        g_autofree char *open = repeat('[', ORAN_REQUEST_MAX_DEPTH - 1), *close = repeat(']', ORAN_REQUEST_MAX_DEPTH - 1);
        g_autofree char *deep = g_strdup_printf("{\"x\":%s%s," V2_MEMBERS(Q(LOCK), Q(EP)) "}", open, close);
        g_autofree char *deeper = g_strdup_printf("{\"x\":[%s%s]," V2_MEMBERS(Q(LOCK), Q(EP)) "}", open, close);
        g_autofree char *huge_open = repeat('[', 60000);
        RequestCase ok = OK2(NULL, LOCK, EP, false);
        RequestCase bad = BAD(ORAN_API_V2, NULL, NOT_JSON, "nested more than 32 arrays or objects deep");

        check_case(&ok, deep, strlen(deep));
        check_case(&bad, deeper, strlen(deeper));
        /* Refused before json-glib's recursive parser could run out of stack. */
        check_case(&bad, huge_open, strlen(huge_open));
}

static void test_clear(void) {
        OranSubscriptionRequest r = { g_strdup("a"), g_strdup("b"), true };

        oran_subscription_request_clear(&r);
        g_assert_null(r.resource);
        g_assert_null(r.endpoint);
        g_assert_false(r.v1_keys);
        oran_subscription_request_clear(&r);
        oran_subscription_request_clear(NULL);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        ADD_CASES("/oran-request/case", cases, test_case);
        g_test_add_func("/oran-request/not-terminated", test_not_terminated);
        g_test_add_func("/oran-request/nul-byte", test_nul_byte);
        g_test_add_func("/oran-request/bounds", test_bounds);
        g_test_add_func("/oran-request/utf8-bound", test_utf8_bound);
        g_test_add_func("/oran-request/depth", test_depth);
        g_test_add_func("/oran-request/clear", test_clear);
        return g_test_run();
}
