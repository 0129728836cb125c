/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib.h>
#include <net/if.h>
#include <string.h>

#include "model/alias.h"
#include "common/util.h"

bool interface_name_is_valid(const char *name) {
        size_t n;

        if (!name)
                return false;

        n = strnlen(name, IFNAMSIZ);
        if (n == 0 || n > IFNAMSIZ - 1)
                return false;

        if (streq(name, ".") || streq(name, ".."))
                return false;

        /*
         * The kernel would also take bytes >= 0x80, but the name ends up in D-Bus strings (UTF-8 only)
         * and in addresses (printable ASCII only), so only printable ASCII is accepted. ':' is fine:
         * address labels such as "eth0:1" use it.
         */
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) name[i];

                if (c <= ' ' || c >= 0x7f || c == '/')
                        return false;
        }

        return true;
}

/* Where the run of ASCII digits that ends at s[n] starts; n if s[n - 1] is not a digit. */
static size_t trailing_digits_start(const char *s, size_t n) {
        while (n > 0 && g_ascii_isdigit(s[n - 1]))
                n--;
        return n;
}

/*
 * The length of the alias prefix of base[0..n) for the "<prefix>f<digits>[np<digits>]" form of
 * Intel and Mellanox port names (ens5f0, enP2s2f0np0), up to and including the 'f'; 0 if base
 * has another form.
 */
static size_t pci_function_prefix_len(const char *base, size_t n) {
        size_t d;

        d = trailing_digits_start(base, n);
        if (d < n && d >= 2 && base[d - 2] == 'n' && base[d - 1] == 'p')
                n = d - 2;

        d = trailing_digits_start(base, n);
        if (d < n && d >= 1 && base[d - 1] == 'f')
                return d;

        return 0;
}

char *interface_alias(const char *name) {
        size_t base_len, keep;
        const char *vlan;

        g_return_val_if_fail(interface_name_is_valid(name), NULL);

        /* "ens5f1.100": the VLAN suffix is not part of the port name and is kept as it is. */
        base_len = strcspn(name, ".");
        vlan = name + base_len;

        keep = pci_function_prefix_len(name, base_len);
        if (keep == 0) {
                keep = trailing_digits_start(name, base_len);
                if (keep == base_len)
                        return g_strdup(name); /* no port number: lo */
        }

        return g_strdup_printf("%.*sx%s", (int) keep, name, vlan);
}
