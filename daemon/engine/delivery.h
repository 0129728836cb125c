/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The delivery pump
 *
 * Subscriptions with something to send wait their turn in one round-robin
 * list; each turn sends at most a slice, and each loop iteration at most a
 * budget, so that one subscription with a deep backlog cannot starve the
 * others and the loop goes back to reading acks often. The pump runs below
 * the bus's priority, incoming acks freeing windows before new sends are
 * decided, but at most 1 ms behind calls that keep coming (yielding-job.h). Neither bus tells a sender when it stops reading, so the pump
 * also stops while the way out is congested (the bus face says so when
 * sd-bus's own write queue is long, as PID 1 does), and looks again a
 * millisecond later.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "common/util.h"

#define DELIVERY_SLICE 16
#define DELIVERY_BUDGET 256

typedef struct Subscription Subscription;
typedef struct Delivery Delivery;

/* Whether the way out is congested now: nothing is sent while it is. */
typedef bool (*DeliveryCongested)(void *userdata);

int delivery_new(Delivery **ret, sd_event *event, DeliveryCongested congested, void *userdata);
Delivery *delivery_free(Delivery *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(Delivery *, delivery_free);

/* s may have something due: give it a turn. */
void delivery_schedule(Delivery *d, Subscription *s);
void delivery_unschedule(Delivery *d, Subscription *s);
