/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libptpsync in a GLib main loop: a GSource that drives a PtpsyncClient.
 *
 * Header only, so that libptpsync itself needs no GLib: build with the
 * flags of pkg-config glib-2.0 (or libptpsync-glib, which adds them).
 *
 *   PtpsyncClient *c;
 *   ptpsync_client_new(&c, NULL);
 *   guint id = ptpsync_glib_attach(c, NULL);   // the thread-default context if NULL
 *   ...                                        // g_main_loop_run() as usual
 *   g_source_remove(id);                       // before ptpsync_client_free(c)
 *
 * The source polls the client's fd for the events it asks for, wakes at its
 * timeout, and dispatches at most PTPSYNC_GLIB_BATCH pieces of work per
 * iteration so that other sources get their turn. It removes itself if the
 * connection fails (ptpsync_client_process() < 0).
 */
#pragma once

#include <glib.h>
#include <poll.h>

#include "ptpsync.h"

#define PTPSYNC_GLIB_BATCH 64

typedef struct PtpsyncGSource {
        GSource source;
        PtpsyncClient *client;
        gpointer fd_tag;
        GIOCondition condition; /* what fd_tag polls for now */
} PtpsyncGSource;

static inline GIOCondition ptpsync_glib_condition(int events) {
        unsigned c = G_IO_HUP | G_IO_ERR;

        if (events & POLLIN)
                c |= G_IO_IN;
        if (events & POLLOUT)
                c |= G_IO_OUT;
        return (GIOCondition) c;
}

static inline gboolean ptpsync_glib_prepare(GSource *source, gint *timeout) {
        PtpsyncGSource *s = (PtpsyncGSource *) source;
        uint64_t until = UINT64_MAX;
        int64_t now;
        int events;

        /* Only on a change: g_source_modify_unix_fd() wakes the context, and
         * calling it from every prepare would spin the loop. */
        events = ptpsync_client_get_events(s->client);
        if (events >= 0 && ptpsync_glib_condition(events) != s->condition) {
                s->condition = ptpsync_glib_condition(events);
                g_source_modify_unix_fd(source, s->fd_tag, s->condition);
        }
        if (ptpsync_client_get_timeout(s->client, &until) < 0 || until == UINT64_MAX) {
                *timeout = -1;
                return FALSE;
        }
        /* GLib's monotonic clock is CLOCK_MONOTONIC in µs, as the client's timeout is. */
        now = g_get_monotonic_time();
        if (until <= (uint64_t) now) {
                *timeout = 0;
                return TRUE;
        }
        *timeout = (gint) MIN((until - (uint64_t) now + 999) / 1000, (uint64_t) G_MAXINT);
        return FALSE;
}

static inline gboolean ptpsync_glib_check(GSource *source) {
        PtpsyncGSource *s = (PtpsyncGSource *) source;
        uint64_t until = UINT64_MAX;

        if (g_source_query_unix_fd(source, s->fd_tag) != 0)
                return TRUE;
        return ptpsync_client_get_timeout(s->client, &until) >= 0 && until <= (uint64_t) g_get_monotonic_time();
}

static inline gboolean ptpsync_glib_dispatch(GSource *source, GSourceFunc callback, gpointer user_data) {
        PtpsyncGSource *s = (PtpsyncGSource *) source;

        (void) callback;
        (void) user_data;
        for (int i = 0; i < PTPSYNC_GLIB_BATCH; i++) {
                int r = ptpsync_client_process(s->client);

                if (r < 0)
                        return G_SOURCE_REMOVE;
                if (r == 0)
                        break;
        }
        return G_SOURCE_CONTINUE;
}

/* A new source (not yet attached) driving c; c must outlive it. Free with g_source_unref(). */
static inline GSource *ptpsync_glib_source_new(PtpsyncClient *c) {
        /* prepare, check, dispatch, finalize, and GLib's closure internals (C++ has no designated initializers). */
        static GSourceFuncs funcs = {
                ptpsync_glib_prepare, ptpsync_glib_check, ptpsync_glib_dispatch, NULL, NULL, NULL,
        };
        GSource *source;
        PtpsyncGSource *s;
        int fd, events;

        fd = ptpsync_client_get_fd(c);
        events = ptpsync_client_get_events(c);
        if (fd < 0 || events < 0)
                return NULL;
        source = g_source_new(&funcs, sizeof(PtpsyncGSource));
        s = (PtpsyncGSource *) source;
        s->client = c;
        s->condition = ptpsync_glib_condition(events);
        s->fd_tag = g_source_add_unix_fd(source, fd, s->condition);
        g_source_set_name(source, "ptpsync");
        return source;
}

/* Attaches a new source for c to context (NULL: the thread-default one); returns its id, 0 on failure. */
static inline guint ptpsync_glib_attach(PtpsyncClient *c, GMainContext *context) {
        GSource *source = ptpsync_glib_source_new(c);
        guint id;

        if (!source)
                return 0;
        id = g_source_attach(source, context ? context : g_main_context_get_thread_default());
        g_source_unref(source);
        return id;
}
