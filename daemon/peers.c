/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <glib.h>

#include "log.h"
#include "peers.h"

#define NAME_LOST_MATCH                                                         \
        "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus'," \
        "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg2=''"

typedef struct Watch {
        Peers *peers;
        char *name;
        sd_bus_slot *check; /* the GetNameOwner question, until answered */
} Watch;

struct Peers {
        sd_bus *bus;
        sd_bus_slot *match;
        GHashTable *watches; /* name -> Watch* */
        PeerGoneHandler handler;
        void *userdata;
};

static void watch_free(void *p) {
        Watch *w = p;

        sd_bus_slot_unref(w->check);
        g_free(w->name);
        g_free(w);
}

/* Forgets the name first, so that the handler may watch or unwatch freely. */
static void peer_gone(Peers *p, const char *name) {
        g_autofree char *n = g_strdup(name);

        if (!g_hash_table_remove(p->watches, n))
                return;
        log_debug("Peer %s left the bus.", n);
        p->handler(n, p->userdata);
}

static int on_name_lost(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Peers *p = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        /* Only unique names matter: a subscription is owned by a connection. */
        if (name[0] == ':' && isempty(new_owner))
                peer_gone(p, name);
        return 0;
}

static int on_check_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Watch *w = userdata;
        Peers *p = w->peers;

        w->check = sd_bus_slot_unref(w->check);
        if (sd_bus_message_is_method_error(reply, "org.freedesktop.DBus.Error.NameHasNoOwner"))
                peer_gone(p, w->name); /* frees w */
        return 0;
}

int peers_new(Peers **ret, sd_bus *bus, PeerGoneHandler handler, void *userdata) {
        _cleanup_(peers_freep) Peers *p = g_new0(Peers, 1);
        int r;

        p->bus = sd_bus_ref(bus);
        p->handler = handler;
        p->userdata = userdata;
        p->watches = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, watch_free);
        r = sd_bus_add_match_async(bus, &p->match, NAME_LOST_MATCH, on_name_lost, NULL, p);
        if (r < 0)
                return log_error_errno(r, "Failed to watch peers leaving the bus: %m");
        *ret = TAKE_PTR(p);
        return 0;
}

Peers *peers_free(Peers *p) {
        if (!p)
                return NULL;
        sd_bus_slot_unref(p->match);
        g_hash_table_unref(p->watches);
        sd_bus_unref(p->bus);
        g_free(p);
        return NULL;
}

int peers_watch(Peers *p, const char *name) {
        Watch *w;
        int r;

        assert(name && name[0] == ':');
        if (g_hash_table_contains(p->watches, name))
                return 0;

        w = g_new0(Watch, 1);
        w->peers = p;
        w->name = g_strdup(name);
        r = sd_bus_call_method_async(p->bus, &w->check, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "GetNameOwner", on_check_reply, w, "s", name);
        if (r < 0) {
                watch_free(w);
                return log_warning_errno(r, "Failed to check on peer %s: %m", name);
        }
        g_hash_table_insert(p->watches, w->name, w);
        return 1;
}

void peers_unwatch(Peers *p, const char *name) {
        g_hash_table_remove(p->watches, name);
}

bool peers_is_watched(const Peers *p, const char *name) {
        return g_hash_table_contains(p->watches, name);
}
