/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Subscriptions on the bus: Manager.Subscribe and ListSubscriptions, the
 * org.ptpsync1.Subscription objects (a fallback vtable under
 * /org/ptpsync1/subscription, so that 10,000 of them cost no more than their
 * data), and the unicast Event and DeadLettered signals to each owner.
 */
#pragma once

#include <systemd/sd-bus.h>

#include "engine/manager.h"
#include "engine/subscription.h"

int subscription_bus_register(Manager *m);

int method_subscribe(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_list_subscriptions(sd_bus_message *message, void *userdata, sd_bus_error *error);

void subscription_bus_send_event(Subscription *s, const Event *e, uint32_t attempt);
void subscription_bus_send_dead_lettered(Subscription *s, uint64_t seq, DeadLetterReason reason);
void subscription_bus_emit_owner_changed(Subscription *s);
/* org.freedesktop.DBus.Peer.Ping to a subscriber connection: its answer shows it read all sent before. */
int subscription_bus_ping(Manager *m, const char *name, sd_bus_message_handler_t callback, void *userdata,
                          sd_bus_slot **ret_slot);
