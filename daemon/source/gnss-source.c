/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>

#include "common/log.h"
#include "source/gnss-source.h"
#include "source/gpsd-client.h"

struct GnssSource {
        Manager *manager;
        char *clock;
        GpsdClient *client;
        GnssListener listener;
        void *listener_userdata;
        bool synchronized;
};

/* The offset, as cloud-event-proxy has it: the receiver's tAcc with UBX; none measured without. */
static int64_t source_offset(GpsdClient *c) {
        uint32_t tacc;

        return gpsd_client_tacc(c, &tacc) ? (int64_t) tacc : OFFSET_NONE;
}

static void source_observe(GnssSource *s, GpsdClient *c, const GnssValue *v) {
        int r;

        r = manager_observe_gnss(s->manager, s->clock, gnss_sync_status_to_string(v->status), (int) v->gps_fix,
                                 source_offset(c));
        if (r < 0)
                log_warning_errno(r, "gpsd %s: the GNSS reading of %s was not taken: %m", gpsd_client_address(c),
                                  s->clock);
}

static void on_changed(GpsdClient *c, const GnssValue *v, void *userdata) {
        GnssSource *s = userdata;

        if (s->listener && s->synchronized != (v->status == GNSS_SYNC_SYNCHRONIZED)) {
                s->synchronized = v->status == GNSS_SYNC_SYNCHRONIZED;
                s->listener(s->synchronized, s->listener_userdata);
        }
        if (v->status == GNSS_SYNC_NONE)
                return;
        log_info("gpsd %s: %s is %s (gpsFix %u).", gpsd_client_address(c), s->clock,
                 gnss_sync_status_to_string(v->status), v->gps_fix);
        source_observe(s, c, v);
}

/* The same value, maybe a new tAcc: the offset is kept current, as a PTP clock's is (no event). */
static void on_updated(GpsdClient *c, void *userdata) {
        GnssSource *s = userdata;
        const GnssValue *v = &gpsd_client_state(c)->value;

        if (v->status != GNSS_SYNC_NONE)
                source_observe(s, c, v);
}

static const GpsdClientOps ops = { .changed = on_changed, .updated = on_updated };

int gnss_source_new(GnssSource **ret, Manager *m, const Config *c) {
        _cleanup_(gnss_source_freep) GnssSource *s = g_new0(GnssSource, 1);
        GpsdClientSettings settings = {
                .address = c->gpsd,
                .params = c->gnss,
        };
        int r;

        s->manager = m;
        s->clock = g_strdup(c->gnss_interface ?: GNSS_INTERFACE_DEFAULT);
        r = gpsd_client_new(&s->client, m->event, &settings, &ops, s);
        if (r < 0)
                return r;
        log_info("Watching the GNSS receiver of %s through gpsd at %s.", s->clock, c->gpsd);
        *ret = TAKE_PTR(s);
        return 0;
}

void gnss_source_set_listener(GnssSource *s, GnssListener listener, void *userdata) {
        s->listener = listener;
        s->listener_userdata = userdata;
}

GnssSource *gnss_source_free(GnssSource *s) {
        if (!s)
                return NULL;
        gpsd_client_free(s->client);
        g_free(s->clock);
        g_free(s);
        return NULL;
}
