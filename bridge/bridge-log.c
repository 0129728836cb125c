/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bridge-log.h"

int bridge_log_priority(GLogLevelFlags level) {
        if (level & G_LOG_LEVEL_ERROR)
                return LOG_ERR;
        if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
                return LOG_WARNING;
        if (level & G_LOG_LEVEL_MESSAGE)
                return LOG_NOTICE;
        if (level & G_LOG_LEVEL_INFO)
                return LOG_INFO;
        return LOG_DEBUG;
}

static GLogWriterOutput writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer userdata) {
        int max_level = GPOINTER_TO_INT(userdata);

        /* A fatal message is written whatever the level: the process ends with it. */
        if (bridge_log_priority(level) > max_level && !(level & G_LOG_FLAG_FATAL))
                return G_LOG_WRITER_HANDLED;
        return g_log_writer_default(level, fields, n_fields, NULL);
}

void bridge_log_setup(int max_level) {
        /* Else GLib's writer would drop info and debug that the level lets through. */
        g_log_set_debug_enabled(max_level >= LOG_INFO);
        g_log_set_writer_func(writer, GINT_TO_POINTER(max_level), NULL);
}
