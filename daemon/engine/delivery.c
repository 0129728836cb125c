/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib.h>

#include "engine/delivery.h"
#include "common/log.h"
#include "engine/subscription.h"
#include "engine/yielding-job.h"

#define DELIVERY_PRIORITY (SD_EVENT_PRIORITY_NORMAL + 10)
/* Calls that keep coming hold it back this long at most (yielding-job.h). */
#define DELIVERY_PATIENCE_USEC (1 * USEC_PER_MSEC)
#define DELIVERY_THROTTLE_USEC (1 * USEC_PER_MSEC)

struct Delivery {
        sd_event *event;
        DeliveryCongested congested;
        void *userdata;
        GQueue round; /* Subscription*, each at most once (its delivery_link) */
        YieldingJob *pump;
};

static void delivery_arm(Delivery *d, uint64_t when) {
        int r;

        r = yielding_job_arm(d->pump, when);
        if (r < 0)
                log_error_errno(r, "Failed to arm the delivery pump: %m");
}

static void on_pump(void *userdata) {
        Delivery *d = userdata;
        unsigned budget = DELIVERY_BUDGET;
        uint64_t now;

        while (budget > 0 && !g_queue_is_empty(&d->round)) {
                Subscription *s;
                unsigned n, slice = MIN(budget, DELIVERY_SLICE);

                if (d->congested(d->userdata)) {
                        (void) sd_event_now(d->event, CLOCK_MONOTONIC, &now);
                        delivery_arm(d, now + DELIVERY_THROTTLE_USEC);
                        return;
                }

                s = g_queue_pop_head(&d->round);
                s->delivery_link = NULL;
                n = subscription_send_due(s, slice);
                budget -= n;
                /* A full slice may mean more is due: back in line, behind the others. */
                if (n == slice) {
                        g_queue_push_tail(&d->round, s);
                        s->delivery_link = d->round.tail;
                }
        }
        if (!g_queue_is_empty(&d->round))
                delivery_arm(d, 0);
}

int delivery_new(Delivery **ret, sd_event *event, DeliveryCongested congested, void *userdata) {
        _cleanup_(delivery_freep) Delivery *d = g_new0(Delivery, 1);
        int r;

        d->event = sd_event_ref(event);
        d->congested = congested;
        d->userdata = userdata;
        g_queue_init(&d->round);
        r = yielding_job_new(&d->pump, event, DELIVERY_PRIORITY, DELIVERY_PATIENCE_USEC, on_pump, d);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the delivery pump: %m");
        *ret = TAKE_PTR(d);
        return 0;
}

Delivery *delivery_free(Delivery *d) {
        if (!d)
                return NULL;
        for (GList *l = d->round.head; l; l = l->next)
                ((Subscription *) l->data)->delivery_link = NULL;
        g_queue_clear(&d->round);
        yielding_job_free(d->pump);
        sd_event_unref(d->event);
        g_free(d);
        return NULL;
}

void delivery_schedule(Delivery *d, Subscription *s) {
        if (!d || s->delivery_link)
                return;
        g_queue_push_tail(&d->round, s);
        s->delivery_link = d->round.tail;
        if (d->round.length == 1)
                delivery_arm(d, 0);
}

void delivery_unschedule(Delivery *d, Subscription *s) {
        if (!d || !s->delivery_link)
                return;
        g_queue_delete_link(&d->round, s->delivery_link);
        s->delivery_link = NULL;
}
