/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What rest-subscriptions.c (the registry) and rest-delivery.c (the POSTs) share. */
#pragma once

#include "http-poster.h"
#include "rest-subscriptions.h"

/* Metadata keys of the daemon subscription: what the consumer gave. */
#define META_RESOURCE "resource"
#define META_ENDPOINT "endpoint"
#define META_API      "api"  /* "v1" | "v2" */
#define META_KEYS     "keys" /* "v1" | "v2": the casing of the answers */
#define NAME_PREFIX   "http:"

typedef enum RestPhase {
        REST_PROBING,  /* being made: the probe decides */
        REST_LIVE,     /* events are POSTed */
        REST_DELETING, /* Cancel sent; gone from the lists */
} RestPhase;

struct RestSubscription {
        RestSubscriptions *registry;
        OranSubscription info;       /* uri_location filled in on demand */
        char *endpoint_normalized;   /* for the duplicate check; NULL without an endpoint */
        OranApi api;
        char *daemon_address;
        PtpsyncSubscription *handle;
        RestPhase phase;
        uint64_t probed_seq;         /* the probe carried the state up to this seq: acknowledged unsent */
        PtpsyncEvent *held;          /* an event that came while probing */
        PtpsyncEvent *posting;       /* the event being POSTed */
        HttpPost *post;
        PtpsyncEvent *last_failed;   /* the last event whose POST failed: for the dead-letter sink */
        /* while being made or deleted: the REST call waiting for the outcome */
        rest_create_done_t create_done;
        rest_delete_done_t delete_done;
        void *done_userdata;
        PtpsyncCall *call;           /* a GetCurrentState for the probe */
};

struct RestSubscriptions {
        Bridge *bridge;
        GHashTable *by_id;  /* id -> RestSubscription*, every phase but DELETING */
        GPtrArray *order;   /* RestSubscription*, creation order, every phase but DELETING */
        GPtrArray *leaving; /* REST_DELETING: kept until the daemon confirms */
        GPtrArray *duplicate_probes; /* DuplicateProbe*: v1 POSTs of a resource that has a subscription */
        bool stopping;      /* rest_subscriptions_shutdown(): nothing new is started */
        PtpsyncCall *list_call;
        struct Sync *sync;  /* the listing under way */
};

/* rest-delivery.c */
int rest_delivery_on_event(PtpsyncSubscription *handle, const PtpsyncEvent *e, void *userdata);
void rest_delivery_on_dead_letter(PtpsyncSubscription *handle, uint64_t seq, const char *reason, void *userdata);
/* Delivers what was held while probing. */
void rest_delivery_release(RestSubscription *s);
/* Stops a running POST (the event comes again from the daemon if it matters). */
void rest_delivery_stop(RestSubscription *s);
/* The JSON body of e for s's consumer. */
GBytes *rest_delivery_body(const RestSubscription *s, const PtpsyncEvent *e, bool current_state);
