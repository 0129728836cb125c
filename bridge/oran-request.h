/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reader of POST /subscriptions bodies, and of the EndpointUri in them.
 *
 * As cloud-event-proxy reads them (redhat-cne/sdk-go pkg/pubsub): keys are
 * case-sensitive, unknown keys are ignored, SubscriptionId/UriLocation
 * (id/uriLocation) in a request are ignored. Stricter than it: the body must
 * be exactly one JSON object in valid UTF-8, a key may not repeat, the v1 and
 * v2 key sets may not be mixed, and the strings are bounded. The messages name
 * the key and the problem; they are for logs, the HTTP layer picks the status.
 */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>
#include <stddef.h>

#include "oran-resource.h"

/* Bounds, in bytes. */
#define ORAN_REQUEST_MAX_BODY     (64 * 1024)
#define ORAN_REQUEST_MAX_DEPTH    32
#define ORAN_REQUEST_MAX_RESOURCE 1024
#define ORAN_REQUEST_MAX_ENDPOINT 2048

#define ORAN_REQUEST_ERROR (oran_request_error_quark())
GQuark oran_request_error_quark(void);

typedef enum OranRequestError {
        ORAN_REQUEST_ERROR_NOT_JSON, /* too large, not UTF-8, not JSON, not one object */
        ORAN_REQUEST_ERROR_INVALID,  /* a JSON object, but a key is missing, repeated, mixed or of the wrong type */
        ORAN_REQUEST_ERROR_ENDPOINT, /* oran_endpoint_parse(): not a URI we may POST to */
} OranRequestError;

typedef struct OranSubscriptionRequest {
        char *resource; /* the address as given, non-empty */
        char *endpoint; /* NULL only for an ORAN_API_V1 request without one (pull only) */
        bool v1_keys;   /* the request used resource/endpointUri (always so for ORAN_API_V1) */
} OranSubscriptionRequest;

/*
 * Reads body (exactly length bytes, not NUL-terminated). v2 keys
 * ResourceAddress/EndpointUri, v1 keys resource/endpointUri. ORAN_API_V1
 * accepts the v1 keys only; ORAN_API_V2 either set (as 4.16-4.18 did) and
 * records which in v1_keys. A null value counts as absent. The resource is
 * mandatory; so is the endpoint for ORAN_API_V2, whichever the keys (its
 * createSubscription refuses an empty EndpointUri); ORAN_API_V1 may leave it
 * out, or give "", for a pull-only subscription. On failure *ret is left
 * zeroed.
 */
bool oran_subscription_request_parse(const char *body, size_t length, OranApi api, OranSubscriptionRequest *ret,
                                     GError **error);
void oran_subscription_request_clear(OranSubscriptionRequest *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OranSubscriptionRequest, oran_subscription_request_clear)

/*
 * An EndpointUri the bridge may POST to: an absolute http or https URI with a
 * host that is an IP address or a DNS name (see uri-host.h: no numbers in
 * disguise such as "127.1"), without user information and without a fragment.
 * Free with g_uri_unref(). Whether the host is allowed is allowlist_allows().
 */
GUri *oran_endpoint_parse(const char *uri, GError **error);
