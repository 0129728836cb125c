/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Watches: the broadcast Manager.Event, from the daemon's current owner only
 * (client.c checks the sender), filtered by address, to each watch's handler.
 * A relative filter is taken on the event's own node, the daemon's: no need
 * to wait for the node name.
 */

#include "ptpsync-internal.h"

_public_ int ptpsync_client_watch(PtpsyncClient *c, const char *address, ptpsync_watch_handler_t handler,
                                  void *userdata, PtpsyncWatch **ret) {
        PtpsyncWatch *w;
        int r;

        assert_return(c, -EINVAL);
        assert_return(handler, -EINVAL);
        assert_return(ret, -EINVAL);
        if (address) {
                r = client_check_address(c, address);
                if (r < 0)
                        return r;
        }

        r = client_watch_broadcast(c);
        if (r < 0)
                return client_set_error(c, NULL, r);

        w = calloc(1, sizeof(PtpsyncWatch));
        if (!w)
                return client_set_error(c, NULL, -ENOMEM);
        if (address && !(w->address = strdup(address))) {
                free(w);
                return client_set_error(c, NULL, -ENOMEM);
        }
        w->n_ref = 1;
        w->client = c;
        w->handler = handler;
        w->userdata = userdata;
        LIST_PREPEND(watches, c->watches, w);
        *ret = w;
        return 0;
}

void watch_unref(PtpsyncWatch *w) {
        if (!w || --w->n_ref > 0)
                return;
        free(w->address);
        free(w);
}

_public_ PtpsyncWatch *ptpsync_watch_free(PtpsyncWatch *w) {
        if (!w)
                return NULL;
        if (w->client) {
                LIST_REMOVE(watches, w->client->watches, w);
                w->client = NULL;
                watch_unref(w); /* the user's reference */
        }
        return NULL;
}

void watches_dispatch(PtpsyncClient *c, const PtpsyncEvent *e) {
        PtpsyncWatch **snapshot;
        size_t n = 0;

        /* A handler may free any watch, its own or another: walk a referenced copy of the list. */
        for (PtpsyncWatch *w = c->watches; w; w = w->watches_next)
                n++;
        if (n == 0)
                return;
        snapshot = calloc(n, sizeof(PtpsyncWatch *));
        if (!snapshot)
                return;
        n = 0;
        for (PtpsyncWatch *w = c->watches; w; w = w->watches_next) {
                w->n_ref++;
                snapshot[n++] = w;
        }
        for (size_t i = 0; i < n; i++) {
                PtpsyncWatch *w = snapshot[i];

                if (w->client && (!w->address || client_address_matches(w->address, e->source)))
                        CLIENT_DISPATCH(c, w->handler(w, e, w->userdata));
                watch_unref(w);
        }
        free(snapshot);
}
