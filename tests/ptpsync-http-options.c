/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-http's command line and nothing else: bridge_options_parse() with
 * the exit statuses of ptpsync-http(8), for test-man (--help against the man
 * page) while bridge/main.c is not yet the real one. Prints the listening
 * addresses it would use.
 */
#include <stdio.h>

#include "bridge-options.h"

int main(int argc, char *argv[]) {
        g_autoptr(GError) error = NULL;
        g_auto(BridgeConfig) c = {};
        g_autofree char *v2 = NULL, *v1 = NULL;
        int r;

        bridge_config_init(&c);
        r = bridge_options_parse(argc, argv, &c, &error);
        if (r < 0) {
                fprintf(stderr, "ptpsync-http: %s\n", error->message);
                return 2;
        }
        if (r > 0)
                return 0;

        v2 = bridge_listen_to_string(&c.v2);
        v1 = bridge_listen_to_string(&c.v1);
        printf("v2 %s\nv1 %s\n", v2, v1);
        return 0;
}
