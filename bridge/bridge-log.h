/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-http's log level (--log-level=)
 *
 * The bridge logs through GLib (g_message() and the like), whose default
 * writer sends each message to the journal or stderr and hides info and
 * debug unless G_MESSAGES_DEBUG says otherwise. With a level set, the
 * messages above it are dropped and those at or below it all written, info
 * and debug too. GLib's levels map to syslog's as GLib's own journal
 * writer maps them: error err, critical and warning warning, message
 * notice, info info, debug debug.
 */
#pragma once

#include <glib.h>
#include <syslog.h>

/* The default: what GLib's default writer shows (messages and above). */
#define BRIDGE_LOG_LEVEL_DEFAULT LOG_NOTICE

/* The syslog priority (LOG_ERR..LOG_DEBUG) of a GLib log level. */
int bridge_log_priority(GLogLevelFlags level);

/* Installs the writer: messages above max_level (a syslog priority) are dropped. Call once, first. */
void bridge_log_setup(int max_level);
