/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/address.h"
#include "test-util.h"
#include "common/util.h"

#define R_EMPTY "is empty"
#define R_SLASH "must start with '/'"
#define R_LONG  "is longer than 1024 bytes"
#define R_EMPTY_COMPONENT "contains an empty component"
#define R_DOT   "contains a '.' or '..' component"
#define R_CHAR  "contains a character that is not printable ASCII or is a space"

typedef struct ValidCase {
        const char *address;
        const char *reason; /* NULL: valid */
} ValidCase;

static const ValidCase valid_cases[] = {
        { "/",                                                       NULL },
        { "/cluster",                                                NULL },
        { "/cluster/",                                               NULL },
        { "/cluster/node/du1.example.com/sync/ptp-status/lock-state", NULL },
        { "/cluster/node/du1.example.com/sync/",                     NULL },
        { "/a/.../b",                                                NULL },
        { "/a/.b/..c/d./e..",                                        NULL },
        { "/!\"#$%&'()*+,-:;<=>?@[\\]^_`{|}~",                       NULL },
        { NULL,                                                      R_EMPTY },
        { "",                                                        R_EMPTY },
        { "cluster/node",                                            R_SLASH },
        { " /cluster",                                               R_SLASH },
        { ".",                                                       R_SLASH },
        { "//",                                                      R_EMPTY_COMPONENT },
        { "//a",                                                     R_EMPTY_COMPONENT },
        { "/a//b",                                                   R_EMPTY_COMPONENT },
        { "/a//",                                                    R_EMPTY_COMPONENT },
        { "/a/b//",                                                  R_EMPTY_COMPONENT },
        { "/.",                                                      R_DOT },
        { "/..",                                                     R_DOT },
        { "/./",                                                     R_DOT },
        { "/a/./b",                                                  R_DOT },
        { "/a/../b",                                                 R_DOT },
        { "/a/.",                                                    R_DOT },
        { "/a/..",                                                   R_DOT },
        { "/a/../",                                                  R_DOT },
        { "/a b",                                                    R_CHAR },
        { "/a\tb",                                                   R_CHAR },
        { "/a\n",                                                    R_CHAR },
        { "/\x01",                                                   R_CHAR },
        { "/a\x7f",                                                  R_CHAR },
        { "/caf\xc3\xa9",                                            R_CHAR },
        { "/\xff",                                                   R_CHAR },
        /* The first problem from the left is the one reported. */
        { "/a b//c",                                                 R_CHAR },
        { "/a//b c",                                                 R_EMPTY_COMPONENT },
};

static void test_valid(const void *data) {
        const ValidCase *t = data;
        const char *reason = "unset";
        bool valid;

        valid = address_is_valid(t->address, &reason);
        g_assert_cmpint(valid, ==, !t->reason);
        g_assert_cmpstr(reason, ==, t->reason);

        /* ret_reason is optional. */
        g_assert_cmpint(address_is_valid(t->address, NULL), ==, valid);
}

static char *make_address(size_t length) {
        char *s = g_malloc(length + 1);

        s[0] = '/';
        memset(s + 1, 'a', length - 1);
        s[length] = '\0';
        return s;
}

static void test_length(void) {
        g_autofree char *max = make_address(ADDRESS_MAX), *over = make_address(ADDRESS_MAX + 1);
        const char *reason = NULL;

        g_assert_true(address_is_valid(max, &reason));
        g_assert_null(reason);

        g_assert_false(address_is_valid(over, &reason));
        g_assert_cmpstr(reason, ==, R_LONG);

        /* Length is checked before content: the reason is the length even with a bad character. */
        over[5] = ' ';
        g_assert_false(address_is_valid(over, &reason));
        g_assert_cmpstr(reason, ==, R_LONG);
}

static void test_huge(void) {
        const size_t size = 10 * 1024 * 1024;
        g_autofree char *huge = make_address(size);
        const char *reason = NULL;
        gint64 start;

        start = g_get_monotonic_time();
        g_assert_false(address_is_valid(huge, &reason));
        g_assert_cmpstr(reason, ==, R_LONG);
        g_assert_false(address_matches(huge, huge));
        g_assert_false(address_matches("/", huge));
        g_assert_false(address_matches(huge, "/aaa"));

        /* Bounded work: scanning 10 MB several times would show, even under sanitizers. */
        g_assert_cmpint(g_get_monotonic_time() - start, <, G_USEC_PER_SEC);
}

/* A too-long address is rejected after reading ADDRESS_MAX + 1 bytes: what follows is never touched. */
static void test_bounded_read(void) {
        size_t page = (size_t) sysconf(_SC_PAGESIZE);
        size_t size = ((ADDRESS_MAX + 1) / page + 2) * page;
        const char *reason = NULL;
        char *map, *s;

        map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        g_assert_true(map != MAP_FAILED);
        g_assert_cmpint(mprotect(map + size - page, page, PROT_NONE), ==, 0);

        /* ADDRESS_MAX + 1 bytes, no NUL, then the guard page. */
        s = map + size - page - (ADDRESS_MAX + 1);
        s[0] = '/';
        memset(s + 1, 'a', ADDRESS_MAX);

        g_assert_false(address_is_valid(s, &reason));
        g_assert_cmpstr(reason, ==, R_LONG);

        g_assert_cmpint(munmap(map, size), ==, 0);
}

typedef struct MatchCase {
        const char *filter;
        const char *resource;
        bool matches;
} MatchCase;

#define LOCK "/cluster/node/du1.example.com/sync/ptp-status/lock-state"

static const MatchCase match_cases[] = {
        /* Equal. */
        { "/a/b",       "/a/b",         true  },
        { "/",          "/",            true  },
        { "/a/b/",      "/a/b/",        true  },
        { LOCK,         LOCK,           true  },
        /* Prefix at a '/' boundary. */
        { "/a/b",       "/a/b/c",       true  },
        { "/a/b",       "/a/b/c/d",     true  },
        { "/a/b/",      "/a/b/c",       true  },
        { "/a/b",       "/a/b/",        true  },
        { "/cluster/node/du1.example.com/sync",  LOCK, true },
        { "/cluster/node/du1.example.com/sync/", LOCK, true },
        /* "/" covers everything. */
        { "/",          "/a",           true  },
        { "/",          LOCK,           true  },
        { "/",          "/a/",          true  },
        /* A trailing '/' names the resource itself too. */
        { "/a/b/",      "/a/b",         true  },
        { LOCK "/",     LOCK,           true  },
        /* Not at a boundary. */
        { "/a/b",       "/a/bc",        false },
        { "/a/b/",      "/a/bc",        false },
        { "/cluster/node/du1.example.com/sy", LOCK, false },
        { "/cluster/node/du1", LOCK, false },
        /* Longer filter, or a different resource. */
        { "/a/bc",      "/a/b",         false },
        { "/a/b/c",     "/a/b",         false },
        { "/a/b/c/",    "/a/b",         false },
        { "/a/b/",      "/a/",          false },
        { "/a/b",       "/a/c",         false },
        { "/a",         "/",            false },
        { "/a/",        "/",            false },
        { "/A",         "/a",           false },
        /* Invalid input never matches, even where the text would. */
        { NULL,         "/a",           false },
        { "/a",         NULL,           false },
        { "",           "/a",           false },
        { "/a",         "",             false },
        { "a",          "a",            false },
        { "/a/./b",     "/a/./b",       false },
        { "/a/./",      "/a/./b",       false },
        { "/a/",        "/a/../b",      false },
        { "/a//",       "/a/",          false },
        { "/a",         "/a//b",        false },
        { "/a b",       "/a b",         false },
};

static void test_matches(const void *data) {
        const MatchCase *t = data;

        g_assert_cmpint(address_matches(t->filter, t->resource), ==, t->matches);
}

typedef struct NodeCase {
        const char *name;
        bool valid;
} NodeCase;

static const NodeCase node_cases[] = {
        { "du1.example.com", true  },
        { "a",               true  },
        { "0",               true  },
        { "_a",              true  },
        { "A-b_c.9",         true  },
        { "a.",              true  },
        { "a..b",            true  },
        { "a-",              true  },
        { NULL,              false },
        { "",                false },
        { ".",               false },
        { "..",              false },
        { ".a",              false },
        { "-a",              false },
        { "a/b",             false },
        { "a b",             false },
        { "a\tb",            false },
        { "a:b",             false },
        { "a@b",             false },
        { "du1\n",           false },
        { "caf\xc3\xa9",     false },
};

static void test_node_name(const void *data) {
        const NodeCase *t = data;

        g_assert_cmpint(node_name_is_valid(t->name), ==, t->valid);
}

static void test_node_name_length(void) {
        g_autofree char *max = g_strnfill(NODE_NAME_MAX, 'n'), *over = g_strnfill(NODE_NAME_MAX + 1, 'n');
        g_autofree char *huge = g_strnfill(10 * 1024 * 1024, 'n');

        g_assert_true(node_name_is_valid(max));
        g_assert_false(node_name_is_valid(over));
        g_assert_false(node_name_is_valid(huge));
}

static void test_for_resource(void) {
        g_autofree char *a = address_for_resource("du1.example.com", "sync/ptp-status/lock-state");
        g_autofree char *b = address_for_resource("n", "x");

        g_assert_cmpstr(a, ==, LOCK);
        g_assert_true(address_is_valid(a, NULL));
        g_assert_cmpstr(b, ==, "/cluster/node/n/x");
        g_assert_true(address_matches("/cluster/node/n", b));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);

        ADD_CASES("/address/valid", valid_cases, test_valid);
        g_test_add_func("/address/length", test_length);
        g_test_add_func("/address/huge", test_huge);
        g_test_add_func("/address/bounded-read", test_bounded_read);
        ADD_CASES("/address/matches", match_cases, test_matches);
        ADD_CASES("/address/node-name", node_cases, test_node_name);
        g_test_add_func("/address/node-name-length", test_node_name_length);
        g_test_add_func("/address/for-resource", test_for_resource);

        return g_test_run();
}
