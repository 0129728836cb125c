/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The REST subscriptions: each one is a durable, ordered daemon subscription
 * named "http:<SubscriptionId>" whose Metadata holds what the consumer gave
 * (resource, EndpointUri, API, key casing). The bridge keeps nothing else:
 * at start it lists its subscriptions from the daemon and re-attaches them.
 *
 * Each event of a subscription is POSTed to its endpoint and acknowledged
 * only once the consumer answered 2xx; 5xx, 408, 429, no connection or no
 * answer in time is a Nack with requeue (the daemon's backoff applies), any
 * other answer a Nack without (a dead letter, kept by the daemon).
 */
#pragma once

#include <glib.h>

#include "bridge.h"
#include "oran-json.h"
#include "oran-request.h"
#include "oran-resource.h"

typedef struct RestSubscription RestSubscription;

typedef enum RestCreateResult {
        REST_CREATED,     /* 201 */
        REST_EXISTS,      /* v1: a subscription of that resource exists: 201 with it (the request's endpoint probed) */
        REST_DUPLICATE,   /* v2: same resource and endpoint: 409 */
        REST_NO_RESOURCE, /* not a resource of this node: 404 */
        REST_REFUSED,     /* the probe failed, the endpoint is not allowed, a quota: 400 */
        REST_UNAVAILABLE, /* the daemon is not reachable: 503 */
        REST_FAILED,      /* the daemon failed: 500 */
} RestCreateResult;

/* s: the subscription for REST_CREATED and REST_EXISTS, else NULL; message: why, for the log and v1's body. */
typedef void (*rest_create_done_t)(RestCreateResult result, const RestSubscription *s, const char *message,
                                   void *userdata);
/* error: 0 deleted (committed by the daemon), -ENOENT no such id, another errno: not deleted. */
typedef void (*rest_delete_done_t)(int error, const char *message, void *userdata);

RestSubscriptions *rest_subscriptions_new(Bridge *b);
void rest_subscriptions_free(RestSubscriptions *r);

/* Lists the bridge's subscriptions from the daemon and re-attaches them; done runs once (error < 0: not synced). */
typedef void (*rest_sync_done_t)(int error, void *userdata);
void rest_subscriptions_sync(RestSubscriptions *r, rest_sync_done_t done, void *userdata);

/* Makes a subscription: duplicate and quota checks, the daemon subscription, the probe. done runs once, later. */
void rest_subscriptions_create(RestSubscriptions *r, OranApi api, const OranSubscriptionRequest *request,
                               rest_create_done_t done, void *userdata);
/* Deletes one (done runs once, later) or all of api's (done gets the first error, once all are through). */
void rest_subscriptions_delete(RestSubscriptions *r, OranApi api, const char *id, rest_delete_done_t done,
                               void *userdata);
void rest_subscriptions_delete_all(RestSubscriptions *r, OranApi api, rest_delete_done_t done, void *userdata);

/*
 * At exit, before the servers close: every REST call still waiting for its outcome (a POST being probed, a
 * DELETE being committed) is answered now, 503; a subscription being made is cancelled in the daemon, so
 * that the next start does not find it.
 */
void rest_subscriptions_shutdown(RestSubscriptions *r);

/* The live subscriptions made through api, in creation order (the array and its entries are borrowed). */
GPtrArray *rest_subscriptions_list(RestSubscriptions *r, OranApi api);
const RestSubscription *rest_subscriptions_find(RestSubscriptions *r, OranApi api, const char *id);
unsigned rest_subscriptions_count(RestSubscriptions *r, OranApi api);

/* The wire view of s, with its UriLocation for now's configuration. */
const OranSubscription *rest_subscription_info(const RestSubscription *s);
