/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The JSON the bridge writes, as cloud-event-proxy writes it: key names,
 * casing and order; "value" always a string; times in RFC 3339 UTC with nine
 * fractional digits; value addresses made full, /cluster/node/<node>/<relative>,
 * the node taken from the event's source. Compact, but for the lists.
 *
 * Where the bytes may still differ from Go's: json-glib escapes U+007F as
 * \u007f and writes \b and \f (jsoniter: DEL raw, \u0008, \u000c), does not
 * escape <, > and & (encoding/json does, in the v1 subscription object), and
 * pretty-prints `"key" : value` where Go writes `"key": value`. Any JSON
 * reader sees the same values.
 *
 * All strings are returned for g_free(). A writer returns NULL when its input
 * cannot be written (see each); for an event, oran_event_check() says why.
 */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>
#include <stddef.h>

#include "oran-event.h"
#include "oran-resource.h"

typedef struct OranSubscription {
        char *id;           /* UUID */
        char *resource;     /* the REST address as given (v1 spelling for v1) */
        char *endpoint;     /* EndpointUri; NULL for a v1 subscription without one */
        char *uri_location;
        bool v1_keys;       /* written with the v1 keys id/endpointUri/uriLocation/resource (v1 always; v2 when
                             * the request used v1 keys) */
} OranSubscription;

void oran_subscription_free(OranSubscription *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OranSubscription, oran_subscription_free)

/*
 * One subscription. v2 keys, in this order, an empty or NULL one left out:
 * ResourceAddress, EndpointUri, SubscriptionId, UriLocation. v1 keys: id,
 * endpointUri, uriLocation, resource, all four always, NULL as null.
 * NULL if s has no resource or a string that is not UTF-8.
 */
char *oran_subscription_to_json(const OranSubscription *s);

/*
 * GET /subscriptions: an array, pretty-printed with a 1-space indent, each
 * subscription as oran_subscription_to_json() writes it (v1: always v1 keys).
 * None: v2 "null", v1 "[]" (see the .c). NULL as oran_subscription_to_json().
 */
char *oran_subscription_list_to_json(OranSubscription *const *subs, size_t n, OranApi api);

/*
 * The v2 CloudEvent (push, initial notification, CurrentState): CloudEvents
 * 1.0 structured mode, specversion, id, source (short:
 * "/sync/ptp-status/lock-state"), type, time, data {version "1.0", values
 * [{ResourceAddress, data_type, value_type, value}]}; no datacontenttype.
 * current_state: a clock-class value's address ends in "/CLOCK_CLASS", as
 * cloud-event-proxy's CurrentState has it (its pushes do not).
 */
char *oran_event_to_json_v2(const OranEvent *e, bool current_state);

/*
 * The event pushed to a v1 subscriber (the SDK's own event, not a
 * CloudEvent): id (the subscription's id), type, source (the full address in
 * v1 spelling: clock-class is .../ptp-clock-class-change), dataContentType
 * "application/json", time, data {version "v1", values with the 4.16 keys
 * ResourceAddress, data_type, value_type, value}. NULL also if
 * subscription_id is NULL or not UTF-8.
 */
char *oran_event_to_json_v1_push(const OranEvent *e, const char *subscription_id);

/*
 * The v1 CurrentState answer: a CloudEvent 0.3 as sdk-go v2 writes one:
 * specversion "0.3", id, source (short, v1 spelling), type, subject (the full
 * address, v1 spelling), datacontenttype "application/json", time, data (as
 * the v1 push's, with the CurrentState "/CLOCK_CLASS").
 */
char *oran_event_to_json_v1_current_state(const OranEvent *e);

/*
 * GET /publishers: one publisher per kind of oran_resource_kinds, as a list
 * of subscriptions (api V1: v1 keys and spelling) with ResourceAddress
 * /cluster/node/<node><suffix>, EndpointUri base_url + "/dummy", the id
 * oran_publisher_id() and UriLocation base_url + "/publishers/<id>".
 * base_url: "http://localhost:9043/api/ocloudNotifications/v2" (a trailing
 * '/' is dropped). NULL if node is empty or holds a '/'.
 */
char *oran_publishers_to_json(const char *node, OranApi api, const char *base_url);

/*
 * GET /publishers/{id}: the publisher of oran_publishers_to_json() whose id
 * is id, alone, as oran_subscription_to_json() writes it (compact, as
 * cloud-event-proxy's json.Marshal). NULL if none has that id, or as
 * oran_publishers_to_json().
 */
char *oran_publisher_to_json(const char *node, OranApi api, const char *base_url, const char *id);

/* {"error":"<message>"}, {"status":"<message>"}. NULL if message is not UTF-8. */
char *oran_error_json(const char *message);
char *oran_status_json(const char *message);

/*
 * Whether the writers can write e: id and type set, source a daemon address
 * /cluster/node/<node><suffix> of a known kind, time within years 1-9999,
 * every value with its four strings, its address relative (not starting with
 * '/') and non-empty, and every string valid UTF-8. The error
 * (G_IO_ERROR_INVALID_DATA) names what is wrong.
 */
bool oran_event_check(const OranEvent *e, GError **error);

/* time_usec (since the epoch) as "2025-01-10T02:41:57.094981000Z"; NULL outside years 1-9999. */
char *oran_time_to_rfc3339(int64_t time_usec);
