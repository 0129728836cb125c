/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/address.h"
#include "model/alias.h"
#include "fuzz.h"
#include "config/config.h"
#include "common/util.h"

static void check_ptp4l(const Ptp4lConfig *p) {
        check(ptp4l_name_is_valid(p->name));
        check(p->socket && p->socket[0] == '/' && strlen(p->socket) <= SOCKET_PATH_MAX);
        check(p->transport_specific <= PTP4L_TRANSPORT_SPECIFIC_MAX);
        check(!p->interface || interface_name_is_valid(p->interface));
        check(!p->alias || interface_name_is_valid(p->alias));
        check(p->poll_interval_ms >= PTP4L_POLL_INTERVAL_MS_MIN);
        check(p->poll_interval_ms <= PTP4L_POLL_INTERVAL_MS_MAX);
}

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
        check(!c->runtime_directory ||
              (c->runtime_directory[0] == '/' && strlen(c->runtime_directory) <= RUNTIME_DIRECTORY_MAX));

        check(c->quota_users && c->quota_users->len <= QUOTA_USERS_MAX);
        for (guint i = 0; i < c->quota_users->len; i++) {
                const QuotaUserConfig *a = c->quota_users->pdata[i];
                bool numeric = false;
                uid_t uid = 0;

                check(quota_user_is_valid(a->user, &numeric, &uid));
                /* A uid is known at once, a name only once settings_load() looks it up. */
                check(a->resolved == numeric);
                check(!numeric || a->uid == uid);
                check(!a->has_per_uid || a->subscriptions_per_uid <= SUBSCRIPTIONS_PER_UID_MAX);
                check(!a->has_per_connection || a->subscriptions_per_connection <= SUBSCRIPTIONS_PER_UID_MAX);
                for (guint j = 0; j < i; j++)
                        check(!streq(a->user, ((const QuotaUserConfig *) c->quota_users->pdata[j])->user));
        }

        check(c->ptp4l && c->ptp4l->len <= PTP4L_INSTANCES_MAX);
        for (guint i = 0; i < c->ptp4l->len; i++) {
                const Ptp4lConfig *a = c->ptp4l->pdata[i];

                check_ptp4l(a);
                for (guint j = 0; j < i; j++) {
                        const Ptp4lConfig *b = c->ptp4l->pdata[j];

                        check(!streq(a->name, b->name));
                        check(!streq(a->socket, b->socket));
                        check(!a->interface || !streq_ptr(a->interface, b->interface));
                        check(!a->alias || !streq_ptr(a->alias, b->alias));
                }
        }
}

static void check_untouched(const Config *c) {
        Thresholds d = THRESHOLDS_DEFAULT;

        check(!c->node_name);
        check(c->source == _SOURCE_KIND_INVALID);
        check(!c->state_directory);
        check(!c->runtime_directory);
        check(c->ptp4l && c->ptp4l->len == 0);
        check(c->quota_users && c->quota_users->len == 0);
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
