/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ptpsync-http: placeholder until the bridge lands. */
#include <stdio.h>

int main(void) {
        fputs("ptpsync-http: not built yet\n", stderr);
        return 1;
}
