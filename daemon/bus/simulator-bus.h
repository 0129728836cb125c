/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated source: org.ptpsync1.Simulator on /org/ptpsync1, present only
 * with --source=sim. Inject() feeds an observation into the same state
 * machine a real source feeds; it never sets a state directly.
 */
#pragma once

#include <systemd/sd-bus.h>

#include "common/bus-names.h"
#include "engine/manager.h"

int simulator_bus_register(Manager *m);
