/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Subscription options from the bus: the a{sv} of Manager.Subscribe read
 * into a SubscriptionOptions (model/subscription-options.h), key by key. What
 * is about the wire (an unknown key, a key given twice, a variant of the wrong
 * type) is checked here; each value then by the model's rules.
 */
#pragma once

#include <systemd/sd-bus.h>

#include "model/subscription-options.h"

/*
 * Reads an a{sv} from m (positioned at it) over the options in o (which holds
 * the defaults). Returns 0, or a negative errno with error set:
 * org.ptpsync1.Error.InvalidOption naming the key, e.g.
 *   Option "BackoffDelay": "P1M" is not a valid ISO 8601 duration: years and months have no fixed length
 *   Option "Window": must be a uint32 ("u"), not "s"
 *   Option "Colour": unknown; known options are Name, Ordered, ...
 * A key given twice is refused too. Each value is checked as it is read, so
 * the first bad key is the one named. On error o may hold a mix of defaults
 * and parsed values: the caller discards it.
 */
int subscription_options_bus_parse(SubscriptionOptions *o, sd_bus_message *m, sd_bus_error *error);
/* The same; *ret_given gets the keys the a{sv} held (SUBSCRIPTION_OPTION_BIT each). */
int subscription_options_bus_parse_given(SubscriptionOptions *o, sd_bus_message *m, uint32_t *ret_given,
                                         sd_bus_error *error);
