/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "address.h"
#include "fuzz.h"
#include "config.h"
#include "util.h"

static void check_loaded(const Config *c) {
        const Thresholds *t = &c->thresholds;

        check(t->min_offset_ns < t->max_offset_ns);
        check(t->max_offset_ns <= OFFSET_NS_LIMIT && t->max_offset_ns >= -OFFSET_NS_LIMIT);
        check(t->min_offset_ns <= OFFSET_NS_LIMIT && t->min_offset_ns >= -OFFSET_NS_LIMIT);
        check(t->holdover_timeout_usec >= USEC_PER_SEC);
        check(t->holdover_timeout_usec <= HOLDOVER_TIMEOUT_SEC_MAX * USEC_PER_SEC);
        check(t->holdover_timeout_usec % USEC_PER_SEC == 0);
        check(!c->node_name || node_name_is_valid(c->node_name));
        check(c->source == _SOURCE_KIND_INVALID || source_kind_to_string(c->source));
        check(!c->state_directory || c->state_directory[0] == '/');
}

static void check_untouched(const Config *c) {
        Thresholds d = THRESHOLDS_DEFAULT;

        check(!c->node_name);
        check(c->source == _SOURCE_KIND_INVALID);
        check(!c->state_directory);
        check(c->thresholds.max_offset_ns == d.max_offset_ns);
        check(c->thresholds.min_offset_ns == d.min_offset_ns);
        check(c->thresholds.holdover_timeout_usec == d.holdover_timeout_usec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(config_done) Config c;
        g_autoptr(GError) error = NULL;

        config_init(&c);

        if (config_load_from_data(&c, (const char *) data, size, &error)) {
                check(!error);
                check_loaded(&c);
        } else {
                /* The message goes to the journal and over D-Bus: it must be text. */
                check(error && error->message);
                check(g_utf8_validate(error->message, -1, NULL));
                check(error->domain == G_KEY_FILE_ERROR);
                check_untouched(&c);
        }

        return 0;
}
