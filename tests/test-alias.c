/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib.h>

#include "model/alias.h"
#include "test-util.h"
#include "common/util.h"

typedef struct NameCase {
        const char *name;
        bool valid;
} NameCase;

static const NameCase name_cases[] = {
        { "eth0",             true  },
        { "lo",               true  },
        { "a",                true  },
        { "x",                true  },
        { "0",                true  },
        { "...",              true  },
        { ".100",             true  },
        { "eth0.100",         true  },
        { "eth0:1",           true  },
        { "enP2s2f0np0",      true  },
        { "abcdefghijklmno",  true  }, /* 15 bytes, IFNAMSIZ - 1 */
        { "enP12345s2f0np0",  true  },
        { "a-b_c@d+e",        true  },
        { NULL,               false },
        { "",                 false },
        { ".",                false },
        { "..",               false },
        { "abcdefghijklmnop", false }, /* 16 bytes */
        { "a/b",              false },
        { "/",                false },
        { "a b",              false },
        { " eth0",            false },
        { "eth0 ",            false },
        { "a\tb",             false },
        { "a\nb",             false },
        { "a\x01",            false },
        { "a\x7f",            false },
        { "caf\xc3\xa9",      false },
        { "\xff",             false },
};

static void test_name_valid(const void *data) {
        const NameCase *t = data;

        g_assert_cmpint(interface_name_is_valid(t->name), ==, t->valid);
}

static void test_name_huge(void) {
        g_autofree char *huge = g_strnfill(10 * 1024 * 1024, 'e');

        g_assert_false(interface_name_is_valid(huge));
}

typedef struct AliasCase {
        const char *name;
        const char *alias;
} AliasCase;

static const AliasCase alias_cases[] = {
        /* <prefix>f<port>[np<n>]: Intel, Mellanox. */
        { "ens5f0",           "ens5fx"          },
        { "ens5f1",           "ens5fx"          },
        { "ens5f10",          "ens5fx"          },
        { "enP2s2f0np0",      "enP2s2fx"        },
        { "enP2s2f1np1",      "enP2s2fx"        },
        { "ens1f0np0",        "ens1fx"          },
        { "wlp0s20f3",        "wlp0s20fx"       },
        { "f0",               "fx"              },
        { "f0np0",            "fx"              },
        { "enP12345s2f0np0",  "enP12345s2fx"    },
        /* A trailing digit group. */
        { "eth0",             "ethx"            },
        { "eth10",            "ethx"            },
        { "enp3s0",           "enp3sx"          },
        { "eno1",             "enox"            },
        { "bond0",            "bondx"           },
        { "123",              "x"               },
        { "0",                "x"               },
        { "abcdefghijklmn0",  "abcdefghijklmnx" },
        { "eth0:1",           "eth0:x"          },
        /* "np" without an f-port before it is just letters. */
        { "enp0np1",          "enp0npx"         },
        { "np0",              "npx"             },
        { "fnp0",             "fnpx"            },
        /* No trailing digits: unchanged. */
        { "lo",               "lo"              },
        { "x",                "x"               },
        { "ens5f",            "ens5f"           },
        { "ens5f0np",         "ens5f0np"        },
        { "eth0a",            "eth0a"           },
        { "abcdefghijklmno",  "abcdefghijklmno" },
        /* VLAN suffix, from the first '.', kept verbatim. */
        { "ens5f1.100",       "ens5fx.100"      },
        { "enP2s2f0np0.5",    "enP2s2fx.5"      },
        { "eth0.100",         "ethx.100"        },
        { "eth0.100.200",     "ethx.100.200"    },
        { "123.4",            "x.4"             },
        { "lo.5",             "lo.5"            },
        { ".100",             ".100"            },
        { "...",              "..."             },
        { "eth.0",            "eth.0"           },
};

static void test_alias(const void *data) {
        const AliasCase *t = data;
        g_autofree char *alias = NULL;

        g_assert_true(interface_name_is_valid(t->name));

        alias = interface_alias(t->name);
        g_assert_cmpstr(alias, ==, t->alias);
}

static void test_alias_invalid(void) {
        if (g_test_subprocess()) {
                g_assert_null(interface_alias("a/b"));
                return;
        }

        /* A programming error: refused with a critical warning. */
        g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
        g_test_trap_assert_failed();
        g_test_trap_assert_stderr("*interface_name_is_valid*");
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);

        ADD_CASES("/alias/name-valid", name_cases, test_name_valid);
        g_test_add_func("/alias/name-huge", test_name_huge);
        ADD_CASES("/alias/alias", alias_cases, test_alias);
        g_test_add_func("/alias/alias-invalid", test_alias_invalid);

        return g_test_run();
}
