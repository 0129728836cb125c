/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.freedesktop.LogControl1 on /org/freedesktop/LogControl1, as systemd's
 * own daemons have it, so that `systemctl service-log-level ptpsyncd debug`
 * (and service-log-target) work: LogLevel and LogTarget, writable by root
 * and by the daemon's own uid only; SyslogIdentifier.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "engine/manager.h"

int log_control_bus_register(Manager *m);
/* Whether a call sets a LogControl1 property: it needs its sender's uid (peers.h). */
bool log_control_bus_call_needs_identity(sd_bus_message *call);
