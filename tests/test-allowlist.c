/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where the bridge may POST: oran_endpoint_parse() (bridge/oran-request.c),
 * the host classification (bridge/uri-host.c) and the allowlist
 * (bridge/allowlist.c), against the usual ways of dressing up a host.
 */

#include <glib.h>
#include <string.h>

#include "allowlist.h"
#include "oran-request.h"
#include "test-util.h"
#include "uri-host.h"

typedef enum Verdict {
        REFUSED,     /* oran_endpoint_parse() refuses it */
        ALLOWED,     /* parsed, and the default allowlist allows it */
        NOT_ALLOWED, /* parsed, but not allowed by the default allowlist */
} Verdict;

typedef struct EndpointCase {
        const char *uri;
        Verdict verdict;
        const char *message; /* REFUSED: a part of the message */
        bool host_allowed;   /* REFUSED for another reason than its host, which the allowlist allows */
} EndpointCase;

static const EndpointCase endpoint_cases[] = {
        { "http://127.0.0.1:9089/event", ALLOWED, NULL },
        { "http://127.1.2.3/", ALLOWED, NULL },
        { "https://127.0.0.1/", ALLOWED, NULL },
        { "HTTP://127.0.0.1/", ALLOWED, NULL },
        { "http://[::1]:9089/event", ALLOWED, NULL },
        { "http://[0:0:0:0:0:0:0:1]/", ALLOWED, NULL },
        { "http://localhost:9089/event", ALLOWED, NULL },
        { "http://localhost/a%2Fb?x=%20#", REFUSED, "has a fragment", true },
        { "http://localhost/a%2Fb?x=%20", ALLOWED, NULL },
        { "http://10.0.0.1/", NOT_ALLOWED, NULL },
        { "http://[::2]/", NOT_ALLOWED, NULL },
        { "http://consumer-events-subscription-service.cloud-events.svc.cluster.local:9043/event", NOT_ALLOWED, NULL },
        /* IPv4 numbers glibc reads and GInetAddress does not: neither addresses nor names. */
        { "http://0177.0.0.1/", REFUSED, "looks like an IPv4 address" },
        { "http://127.1/", REFUSED, "looks like an IPv4 address" },
        { "http://127.0.1/", REFUSED, "looks like an IPv4 address" },
        { "http://2130706433/", REFUSED, "looks like an IPv4 address" },
        { "http://0x7f000001/", REFUSED, "looks like an IPv4 address" },
        { "http://0X7F000001/", REFUSED, "looks like an IPv4 address" },
        { "http://0x7f.1/", REFUSED, "looks like an IPv4 address" },
        { "http://0x7f.0.0.0x1/", REFUSED, "looks like an IPv4 address" },
        { "http://127.000.000.001/", REFUSED, "looks like an IPv4 address" },
        { "http://01.02.03.04/", REFUSED, "looks like an IPv4 address" },
        { "http://0/", REFUSED, "looks like an IPv4 address" },
        { "http://0x/", REFUSED, "looks like an IPv4 address" },
        { "http://1.2.3.4.5/", REFUSED, "looks like an IPv4 address" },
        { "http://127.0.0.1./", REFUSED, "looks like an IPv4 address" },
        { "http://example.123/", REFUSED, "looks like an IPv4 address" },
        /* ...while names that merely hold digits or hex letters are names. */
        { "http://0x7f.example/", NOT_ALLOWED, NULL },
        { "http://cafe.beef/", NOT_ALLOWED, NULL },
        { "http://1e5/", NOT_ALLOWED, NULL },
        /* IPv4-mapped IPv6: checked as the IPv4 address. */
        { "http://[::ffff:127.0.0.1]/", ALLOWED, NULL },
        { "http://[::ffff:7f00:1]/", ALLOWED, NULL },
        { "http://[::ffff:10.0.0.1]/", NOT_ALLOWED, NULL },
        { "http://[::127.0.0.1]/", NOT_ALLOWED, NULL }, /* IPv4-compatible is not mapped: not loopback */
        { "http://[fe80::1%25eth0]/", REFUSED, "zone" },
        { "http://[::1%2525]/", REFUSED, "zone" },
        { "http://[127.0.0.1]/", REFUSED, "is not a URI" },
        /* Names: case-insensitive, exact, not resolved. */
        { "http://LOCALHOST/", ALLOWED, NULL },
        { "http://LocalHost:80/", ALLOWED, NULL },
        { "http://localhost./", NOT_ALLOWED, NULL },
        { "http://foo.localhost/", NOT_ALLOWED, NULL },
        { "http://localhost.localdomain/", NOT_ALLOWED, NULL },
        { "http://localhost.evil.com/", NOT_ALLOWED, NULL },
        /* Percent-encoded hosts are judged decoded, as GUri (and so libsoup) decodes them. */
        { "http://%6c%6fcalhost/", ALLOWED, NULL },
        { "http://%31%32%37.0.0.1/", REFUSED, "Illegal encoded IP address" }, /* GUri refuses it */
        { "http://%31%32%37.1/", REFUSED, "looks like an IPv4 address" },
        { "http://localhost%2e/", NOT_ALLOWED, NULL },
        { "http://ev%69l.com/", NOT_ALLOWED, NULL },
        { "http://local%20host/", REFUSED, "is not a host name" },
        { "http://loc%00alhost/", REFUSED, "is not a URI" },
        /* Userinfo: the host is what follows the last '@', and userinfo is refused anyway. */
        { "http://localhost@evil.com/", REFUSED, "has user information" },
        { "http://127.0.0.1:80@evil.com/", REFUSED, "has user information" },
        { "http://localhost\\@evil.com/", REFUSED, "has user information" },
        { "http://user:pass@localhost/", REFUSED, "has user information", true },
        { "http://@localhost/", REFUSED, "has user information", true },
        { "http://evil.com#@localhost/", REFUSED, "has a fragment" },
        { "http://evil.com?@localhost/", NOT_ALLOWED, NULL },
        /* IDN: judged in the IDNA ASCII form the resolver is asked for. */
        { "http://b\xc3\xbc" "cher.example/", NOT_ALLOWED, NULL },
        { "http://\xef\xbd\x8c\xef\xbd\x8f\xef\xbd\x83\xef\xbd\x81\xef\xbd\x8c\xef\xbd\x88\xef\xbd\x8f\xef\xbd\x93"
          "\xef\xbd\x94/", ALLOWED, NULL }, /* fullwidth "localhost": IDNA maps it to localhost */
        { "http://l\xd0\xbe" "calhost/", NOT_ALLOWED, NULL }, /* a Cyrillic o: xn--lcalhost-... */
        { "http://xn--lcalhost-/", REFUSED, "is not a host name" },
        /* Not host names at all. */
        { "http://a_b.example/", REFUSED, "is not a host name" },
        { "http://a..b/", REFUSED, "is not a host name" },
        { "http://-a.b/", REFUSED, "is not a host name" },
        { "http://a-.b/", REFUSED, "is not a host name" },
        { "http://.a/", REFUSED, "is not a host name" },
        { "http://./", REFUSED, "is not a host name" },
        { "http://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b/", REFUSED, "is not a host name" },
        /* Not a URI we POST to. */
        { "ftp://localhost/", REFUSED, "is not an http or https URI", true },
        { "localhost:9089", REFUSED, "is not an http or https URI" },
        { "//localhost/", REFUSED, "is not a URI" },
        { "/event", REFUSED, "is not a URI" },
        { "", REFUSED, "is not a URI" },
        { "http:localhost", REFUSED, "has no host" },
        { "http:///event", REFUSED, "has no host" },
        { "http://:9089/", REFUSED, "has no host" },
        { "http://localhost:0/", REFUSED, "has port 0", true },
        { "http://localhost:65536/", REFUSED, "is not a URI" },
        { "http://local\nhost/", REFUSED, "is not a host name" }, /* GUri takes it */
};

static Allowlist *default_allowlist(void) {
        g_autoptr(GError) error = NULL;
        Allowlist *a = allowlist_new(allowlist_default, &error);

        g_assert_no_error(error);
        g_assert_nonnull(a);
        return a;
}

static void test_endpoint(const void *data) {
        const EndpointCase *t = data;
        g_autoptr(Allowlist) a = default_allowlist();
        g_autoptr(GError) error = NULL;
        g_autoptr(GUri) uri = oran_endpoint_parse(t->uri, &error);
        g_autoptr(GUri) raw = NULL;

        if (t->verdict != REFUSED) {
                g_assert_no_error(error);
                g_assert_nonnull(uri);
                g_assert_cmpint(allowlist_allows(a, uri), ==, t->verdict == ALLOWED);
                return;
        }
        g_assert_null(uri);
        g_assert_error(error, ORAN_REQUEST_ERROR, ORAN_REQUEST_ERROR_ENDPOINT);
        if (g_test_verbose())
                g_test_message("%s", error->message);
        if (!strstr(error->message, t->message))
                g_error("\"%s\" does not say \"%s\"", error->message, t->message);

        /* A bad host is refused also by the allowlist alone, given the URI unchecked. */
        raw = g_uri_parse(t->uri, G_URI_FLAGS_NONE, NULL);
        if (raw)
                g_assert_cmpint(allowlist_allows(a, raw), ==, t->host_allowed);
}

static void test_endpoint_null(void) {
        g_autoptr(GError) error = NULL;

        g_assert_null(oran_endpoint_parse(NULL, &error));
        g_assert_error(error, ORAN_REQUEST_ERROR, ORAN_REQUEST_ERROR_ENDPOINT);
}

/* A host as GUri gives it, and what uri_host_parse() makes of it: an address, a name or NULL (refused). */
typedef struct HostCase {
        const char *host, *address, *name;
} HostCase;

static const HostCase host_cases[] = {
        { "127.0.0.1", "127.0.0.1", NULL },
        { "::1", "::1", NULL },
        { "::ffff:127.0.0.1", "127.0.0.1", NULL },
        { "::ffff:7f00:1", "127.0.0.1", NULL },
        { "::ffff:0:1", "0.0.0.1", NULL },         /* ::ffff:0.0.0.1 */
        { "::ffff:0:0:1", "::ffff:0:0:1", NULL }, /* 0:0:0:0:ffff:0:0:1, not mapped */
        { "64:ff9b::7f00:1", "64:ff9b::7f00:1", NULL }, /* NAT64 is not mapped either */
        { "fd00::1", "fd00::1", NULL },
        { "Example.COM", NULL, "example.com" },
        { "localhost.", NULL, "localhost." },
        { "b\xc3\xbc" "cher.example", NULL, "xn--bcher-kva.example" },
        { "xn--bcher-kva.example", NULL, "xn--bcher-kva.example" },
        { "a-b.c-d", NULL, "a-b.c-d" },
        { "", NULL, NULL },
        { "127.1", NULL, NULL },
        { "0x7f000001", NULL, NULL },
        { "fe80::1%eth0", NULL, NULL },
        { ":::", NULL, NULL },
        { "a b", NULL, NULL },
        { "a\tb", NULL, NULL },
        { "a/b", NULL, NULL },
        { "a@b", NULL, NULL },
        { "\xff", NULL, NULL },
        { "..", NULL, NULL },
};

static void test_host(const void *data) {
        const HostCase *t = data;
        g_autoptr(GInetAddress) addr = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *name = NULL, *addr_string = NULL;
        bool ok = uri_host_parse(t->host, &addr, &name, &error);

        if (!t->address && !t->name) {
                g_assert_false(ok);
                g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
                g_assert_null(addr);
                g_assert_null(name);
                return;
        }
        g_assert_no_error(error);
        g_assert_true(ok);
        if (t->address) {
                g_assert_nonnull(addr);
                addr_string = g_inet_address_to_string(addr);
                g_assert_cmpstr(addr_string, ==, t->address);
        } else
                g_assert_null(addr);
        g_assert_cmpstr(name, ==, t->name);
}

static void test_host_long(void) {
        GString *s = g_string_new(NULL);

        /* 253 characters: 63 + 1 + 63 + 1 + 63 + 1 + 61 */
        g_string_append_printf(s, "%s.%s.%s.%s", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                               "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                               "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
                               "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
        g_assert_cmpuint(s->len, ==, 253);
        g_assert_true(uri_host_parse(s->str, NULL, NULL, NULL));
        g_string_append_c(s, '.');
        g_assert_true(uri_host_parse(s->str, NULL, NULL, NULL)); /* the root's dot aside */
        g_string_insert_c(s, 0, 'x');
        g_assert_false(uri_host_parse(s->str, NULL, NULL, NULL));
        g_string_free(s, true);
}

/* An allowlist of entries; then whether each URI is allowed. */
typedef struct AllowCase {
        const char *entries[6];
        const char *allowed[6], *denied[6];
} AllowCase;

static const AllowCase allow_cases[] = {
        { { "10.0.0.0/8", NULL },
          { "http://10.0.0.0/", "http://10.255.255.255/", "http://[::ffff:10.1.2.3]/", NULL },
          { "http://11.0.0.1/", "http://9.255.255.255/", "http://127.0.0.1/", "http://localhost/", NULL } },
        { { "fd00::/8", NULL },
          { "http://[fd00::1]/", "http://[fdff:ffff::1]/", NULL },
          { "http://[fe80::1]/", "http://[fc00::1]/", "http://10.0.0.1/", NULL } },
        { { "192.168.1.5", "2001:db8::7", NULL },
          { "http://192.168.1.5/", "http://[2001:db8::7]:8080/", "http://[::ffff:192.168.1.5]/", NULL },
          { "http://192.168.1.6/", "http://[2001:db8::8]/", NULL } },
        /* Mapped entries are IPv4 entries. */
        { { "::ffff:10.0.0.0/104", "::ffff:192.168.0.1", NULL },
          { "http://10.9.9.9/", "http://[::ffff:10.9.9.9]/", "http://192.168.0.1/", NULL },
          { "http://11.0.0.1/", "http://192.168.0.2/", NULL } },
        /* An IPv6 range does not reach mapped hosts: they are IPv4. */
        { { "::/0", NULL },
          { "http://[::1]/", "http://[2001:db8::1]/", NULL },
          { "http://[::ffff:127.0.0.1]/", "http://127.0.0.1/", NULL } },
        { { "0.0.0.0/0", NULL },
          { "http://127.0.0.1/", "http://[::ffff:1.2.3.4]/", "http://255.255.255.255/", NULL },
          { "http://[::1]/", "http://localhost/", NULL } },
        /* Names: no wildcards, no suffixes, no resolution; the IDNA ASCII form. */
        { { "Consumer.Example", "b\xc3\xbc" "cher.example", "localhost.", NULL },
          { "http://consumer.example/", "http://CONSUMER.example/", "http://xn--bcher-kva.example/",
            "http://B\xc3\x9c" "CHER.example/", "http://localhost./", NULL },
          { "http://a.consumer.example/", "http://consumer.example./", "http://localhost/", "http://example/",
            "http://127.0.0.1/", NULL } },
        /* An address entry does not allow the names that resolve to it, nor the other way round. */
        { { "127.0.0.1", NULL },
          { "http://127.0.0.1/", NULL },
          { "http://localhost/", "http://127.0.0.2/", NULL } },
        { { "localhost", NULL },
          { "http://localhost/", NULL },
          { "http://127.0.0.1/", "http://[::1]/", NULL } },
        /* Nothing. */
        { { NULL },
          { NULL },
          { "http://localhost/", "http://127.0.0.1/", "http://[::1]/", NULL } },
};

static void test_allow(const void *data) {
        const AllowCase *t = data;
        g_autoptr(GError) error = NULL;
        g_autoptr(Allowlist) a = allowlist_new(t->entries, &error);

        g_assert_no_error(error);
        g_assert_nonnull(a);
        for (size_t i = 0; t->allowed[i]; i++) {
                g_autoptr(GUri) uri = oran_endpoint_parse(t->allowed[i], &error);

                g_assert_no_error(error);
                if (!allowlist_allows(a, uri))
                        g_error("%s is not allowed", t->allowed[i]);
        }
        for (size_t i = 0; t->denied[i]; i++) {
                g_autoptr(GUri) uri = oran_endpoint_parse(t->denied[i], &error);

                g_assert_no_error(error);
                if (allowlist_allows(a, uri))
                        g_error("%s is allowed", t->denied[i]);
        }
}

static void test_allow_null_entries(void) {
        g_autoptr(Allowlist) a = allowlist_new(NULL, NULL);
        g_autoptr(GUri) uri = g_uri_parse("http://localhost/", G_URI_FLAGS_NONE, NULL);

        g_assert_nonnull(a);
        g_assert_false(allowlist_allows(a, uri));
}

/* A URI without a host, as g_uri_build() can make one. */
static void test_allow_no_host(void) {
        g_autoptr(Allowlist) a = default_allowlist();
        g_autoptr(GUri) uri = g_uri_build(G_URI_FLAGS_NONE, "http", NULL, NULL, -1, "/x", NULL, NULL);

        g_assert_false(allowlist_allows(a, uri));
}

typedef struct EntryCase {
        const char *entry, *message;
} EntryCase;

static const EntryCase bad_entries[] = {
        { "", "allowlist entry \"\": empty" },
        { "*.example.com", "allowlist entry \"*.example.com\": wildcards are not supported" },
        { "*", "wildcards" },
        { "10.0.0.1/8", "allowlist entry \"10.0.0.1/8\": Address has bits set beyond prefix length" },
        { "10.0.0.0/33", "the prefix length is more than 32" },
        { "::/129", "the prefix length is more than 128" },
        { "10.0.0.0/+8", "not a number of at most 3 digits" },
        { "10.0.0.0/ 8", "not a number of at most 3 digits" },
        { "10.0.0.0/0008", "not a number of at most 3 digits" },
        { "10.0.0.0/", "not a number of at most 3 digits" },
        { "10.0.0.0/8/8", "not a number of at most 3 digits" },
        { "/8", "the part before '/' is not an IP address" },
        { "10.0.0/8", "the part before '/' is not an IP address" },
        { "localhost/8", "the part before '/' is not an IP address" },
        { "127.1", "allowlist entry \"127.1\": \"127.1\" looks like an IPv4 address" },
        { "2130706433", "looks like an IPv4 address" },
        { "0x7f000001", "looks like an IPv4 address" },
        { "[::1]", "write an IPv6 address without brackets" },
        { "fe80::1%eth0", "zone" },
        { "a_b", "is not a host name" },
        { "exa mple", "is not a host name" },
        { " localhost", "is not a host name" },
        { "a\nb", "allowlist entry \"a\\nb\":" },
        { "\xff", "allowlist entry \"\\xff\": not valid UTF-8" },
};

static void test_bad_entry(const void *data) {
        const EntryCase *t = data;
        const char *entries[] = { "localhost", t->entry, "127.0.0.0/8", NULL };
        g_autoptr(GError) error = NULL;
        g_autoptr(Allowlist) a = allowlist_new(entries, &error);

        g_assert_null(a);
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
        if (g_test_verbose())
                g_test_message("%s", error->message);
        if (!strstr(error->message, t->message))
                g_error("\"%s\" does not say \"%s\"", error->message, t->message);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        ADD_CASES("/allowlist/endpoint", endpoint_cases, test_endpoint);
        g_test_add_func("/allowlist/endpoint-null", test_endpoint_null);
        ADD_CASES("/allowlist/host", host_cases, test_host);
        g_test_add_func("/allowlist/host-long", test_host_long);
        ADD_CASES("/allowlist/allow", allow_cases, test_allow);
        g_test_add_func("/allowlist/allow-null-entries", test_allow_null_entries);
        g_test_add_func("/allowlist/allow-no-host", test_allow_no_host);
        ADD_CASES("/allowlist/bad-entry", bad_entries, test_bad_entry);
        return g_test_run();
}
