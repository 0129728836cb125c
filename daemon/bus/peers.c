/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <glib.h>

#include "common/log.h"
#include "bus/peers.h"

#define NAME_LOST_MATCH                                                         \
        "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus'," \
        "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg2=''"

typedef struct Peer {
        Peers *peers;
        char *name;
        bool known;
        uid_t uid;
        GQueue held;         /* sd_bus_message*, in arrival order, while the uid is unknown */
        sd_bus_slot *lookup; /* GetConnectionUnixUser, in flight */
        bool waiting;        /* in peers->waiting, for a lookup slot */
} Peer;

struct Peers {
        sd_bus *bus;
        sd_bus_slot *match;
        sd_bus_slot *filter;
        GHashTable *peers; /* name -> Peer* */
        GQueue waiting;    /* Peer* to look up once a slot is free */
        unsigned lookups;  /* in flight */
        PeerNeedsIdentity needs_identity;
        PeerGoneHandler gone;
        void *userdata;
};

static void peer_free(void *x) {
        Peer *peer = x;
        sd_bus_message *m;

        if (peer->lookup) {
                peer->lookup = sd_bus_slot_unref(peer->lookup);
                peer->peers->lookups--;
        }
        if (peer->waiting)
                g_queue_remove(&peer->peers->waiting, peer);
        while ((m = g_queue_pop_head(&peer->held)))
                sd_bus_message_unref(m);
        g_free(peer->name);
        g_free(peer);
}

static int on_lookup_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error);

/* Asks for peer's uid now, or once a slot is free. On failure the caller answers what peer holds. */
static int peers_lookup(Peers *p, Peer *peer) {
        int r;

        if (p->lookups >= PEER_LOOKUPS_MAX) {
                g_queue_push_tail(&p->waiting, peer);
                peer->waiting = true;
                return 0;
        }
        r = sd_bus_call_method_async(p->bus, &peer->lookup, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "GetConnectionUnixUser", on_lookup_reply, peer,
                                     "s", peer->name);
        if (r < 0)
                return log_warning_errno(r, "Failed to ask for the uid of %s: %m", peer->name);
        p->lookups++;
        return 0;
}

/* Answers every call peer holds with the error, and forgets it. */
static void peer_fail(Peer *peer, const sd_bus_error *e) {
        sd_bus_message *m;

        while ((m = g_queue_pop_head(&peer->held))) {
                (void) sd_bus_reply_method_error(m, e);
                sd_bus_message_unref(m);
        }
        g_hash_table_remove(peer->peers->peers, peer->name);
}

/* A lookup slot is free: the next name in line gets it. */
static void peers_lookup_next(Peers *p) {
        Peer *peer;

        while (p->lookups < PEER_LOOKUPS_MAX && (peer = g_queue_pop_head(&p->waiting))) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                int r;

                peer->waiting = false;
                r = peers_lookup(p, peer);
                if (r < 0) {
                        (void) sd_bus_error_set_errnof(&e, r, "Could not identify the caller: %m");
                        peer_fail(peer, &e);
                }
        }
}

/* Known now: the held calls go back to the read queue, in the order they came. */
static void peer_release(Peer *peer) {
        sd_bus_message *m;
        int r;

        while ((m = g_queue_pop_head(&peer->held))) {
                r = sd_bus_message_rewind(m, true);
                if (r >= 0)
                        r = sd_bus_enqueue_for_read(peer->peers->bus, m);
                if (r < 0)
                        (void) sd_bus_reply_method_errnof(m, r, "Could not process the call: %m");
                sd_bus_message_unref(m);
        }
}

static int on_lookup_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Peer *peer = userdata;
        Peers *p = peer->peers;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        uint32_t uid;

        peer->lookup = sd_bus_slot_unref(peer->lookup);
        p->lookups--;
        peers_lookup_next(p);

        if (!e && sd_bus_message_read(reply, "u", &uid) > 0) {
                peer->known = true;
                peer->uid = uid;
                peer_release(peer);
                return 0;
        }

        /* Most likely it left before the bus got our question: answer anyway, the bus drops what nobody reads. */
        log_debug("Could not identify %s: %s", peer->name, e ? e->message : "bad reply");
        peer_fail(peer, e ?: &SD_BUS_ERROR_MAKE_CONST(SD_BUS_ERROR_FAILED, "Could not identify the caller"));
        return 0;
}

static int on_filter(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Peers *p = userdata;
        const char *sender;
        Peer *peer;

        if (!sd_bus_message_is_method_call(m, NULL, NULL) || !p->needs_identity(m))
                return 0;
        sender = sd_bus_message_get_sender(m);
        if (!sender)
                return 0; /* not on a bus: the handler refuses it */

        peer = g_hash_table_lookup(p->peers, sender);
        if (peer && peer->known)
                return 0;
        if (!peer) {
                int r;

                peer = g_new0(Peer, 1);
                peer->peers = p;
                peer->name = g_strdup(sender);
                g_queue_init(&peer->held);
                g_hash_table_insert(p->peers, peer->name, peer);
                r = peers_lookup(p, peer);
                if (r < 0) {
                        g_hash_table_remove(p->peers, sender);
                        return sd_bus_error_set_errnof(error, r, "Could not identify the caller: %m");
                }
        }
        if (peer->held.length >= PEER_HELD_CALLS_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         "%u calls of %s are already waiting for it to be identified; "
                                         "wait for their replies", PEER_HELD_CALLS_MAX, sender);
        g_queue_push_tail(&peer->held, sd_bus_message_ref(m));
        return 1; /* held: dispatched again once the uid is known */
}

static int on_name_lost(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Peers *p = userdata;
        const char *name, *old_owner, *new_owner;
        g_autofree char *gone = NULL;
        Peer *peer;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        /* Only unique names matter: a call comes from a connection. */
        if (name[0] != ':' || !isempty(new_owner))
                return 0;
        peer = g_hash_table_lookup(p->peers, name);
        /* One still being looked up learns it from the failed answer. */
        if (!peer || !peer->known)
                return 0;

        /* Forgotten first, so that the handler sees the name gone. */
        gone = g_strdup(name);
        g_hash_table_remove(p->peers, gone);
        log_debug("Peer %s left the bus.", gone);
        p->gone(gone, p->userdata);
        return 0;
}

int peers_new(Peers **ret, sd_bus *bus, PeerNeedsIdentity needs_identity, PeerGoneHandler gone, void *userdata) {
        _cleanup_(peers_freep) Peers *p = g_new0(Peers, 1);
        int r;

        p->bus = sd_bus_ref(bus);
        p->needs_identity = needs_identity;
        p->gone = gone;
        p->userdata = userdata;
        p->peers = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, peer_free);
        g_queue_init(&p->waiting);
        r = sd_bus_add_match_async(bus, &p->match, NAME_LOST_MATCH, on_name_lost, NULL, p);
        if (r < 0)
                return log_error_errno(r, "Failed to watch peers leaving the bus: %m");
        r = sd_bus_add_filter(bus, &p->filter, on_filter, p);
        if (r < 0)
                return log_error_errno(r, "Failed to add the bus filter that identifies callers: %m");
        *ret = TAKE_PTR(p);
        return 0;
}

Peers *peers_free(Peers *p) {
        if (!p)
                return NULL;
        sd_bus_slot_unref(p->filter);
        sd_bus_slot_unref(p->match);
        g_hash_table_unref(p->peers);
        g_queue_clear(&p->waiting);
        sd_bus_unref(p->bus);
        g_free(p);
        return NULL;
}

bool peers_uid(const Peers *p, const char *name, uid_t *ret_uid) {
        const Peer *peer = name ? g_hash_table_lookup(p->peers, name) : NULL;

        if (!peer || !peer->known)
                return false;
        *ret_uid = peer->uid;
        return true;
}
