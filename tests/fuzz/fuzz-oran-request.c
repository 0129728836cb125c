/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A POST /subscriptions body, read for v1 and for v2: either an error with a
 * message and nothing read, or what the reader promises (a bounded, valid
 * UTF-8 resource; an endpoint for v2; v1 keys for v1). What is read
 * reads back the same from the writer's JSON. The endpoint found goes
 * through oran_endpoint_parse() and the default allowlist, which may allow
 * loopback only.
 */

#include <gio/gio.h>
#include <stdint.h>
#include <string.h>

#include "allowlist.h"
#include "fuzz.h"
#include "oran-json.h"
#include "oran-request.h"
#include "uri-host.h"

static Allowlist *loopback;

static void check_string(const char *s, size_t max) {
        check(s);
        check(*s);
        check(strlen(s) <= max);
        check(g_utf8_validate(s, -1, NULL));
}

/* Allowed by the default allowlist: loopback, by address or as "localhost". */
static void check_endpoint(const char *endpoint) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GUri) uri = oran_endpoint_parse(endpoint, &error);
        g_autoptr(GInetAddress) addr = NULL, unmapped = NULL;
        const char *host, *scheme;

        if (!uri) {
                check(error && error->domain == ORAN_REQUEST_ERROR && *error->message);
                return;
        }
        check(!error);
        scheme = g_uri_get_scheme(uri);
        check(strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
        check(!g_uri_get_userinfo(uri) && !g_uri_get_fragment(uri));
        host = g_uri_get_host(uri);
        check(host && *host);
        check(uri_host_parse(host, NULL, NULL, NULL));
        if (!allowlist_allows(loopback, uri))
                return;
        addr = g_inet_address_new_from_string(host);
        if (!addr) {
                check(g_ascii_strcasecmp(host, "localhost") == 0);
                return;
        }
        unmapped = uri_host_unmap(addr);
        check(g_inet_address_get_is_loopback(unmapped));
}

/* The request as a subscription, written and read back. */
static void check_round_trip(const OranSubscriptionRequest *r, OranApi api) {
        OranSubscription s = {
                .id = (char *) "75b1ad8f-c807-4c23-acf5-56f4b7ee3826",
                .resource = r->resource,
                .endpoint = r->endpoint,
                .uri_location = (char *) "http://localhost:9043/api/ocloudNotifications/v2/subscriptions/x",
                .v1_keys = r->v1_keys,
        };
        g_auto(OranSubscriptionRequest) back = {};
        g_autoptr(GError) error = NULL;
        g_autofree char *json = oran_subscription_to_json(&s);

        check(json);
        check(oran_subscription_request_parse(json, strlen(json), api, &back, &error));
        check(!error);
        check(strcmp(back.resource, r->resource) == 0);
        check(g_strcmp0(back.endpoint, r->endpoint) == 0);
        check(back.v1_keys == r->v1_keys);
}

static void run(const uint8_t *data, size_t size, OranApi api) {
        g_auto(OranSubscriptionRequest) r = {};
        g_autoptr(GError) error = NULL;

        if (!oran_subscription_request_parse((const char *) data, size, api, &r, &error)) {
                check(error && error->domain == ORAN_REQUEST_ERROR && *error->message);
                check(!r.resource && !r.endpoint && !r.v1_keys);
                return;
        }
        check(!error);
        check_string(r.resource, ORAN_REQUEST_MAX_RESOURCE);
        if (api == ORAN_API_V1)
                check(r.v1_keys);
        if (r.endpoint)
                check_string(r.endpoint, ORAN_REQUEST_MAX_ENDPOINT);
        else
                check(api == ORAN_API_V1);
        check_round_trip(&r, api);
        if (r.endpoint)
                check_endpoint(r.endpoint);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!loopback) {
                loopback = allowlist_new(allowlist_default, NULL);
                check(loopback);
        }
        run(data, size, ORAN_API_V1);
        run(data, size, ORAN_API_V2);

        /* The whole input as an endpoint too, when it can be a C string. */
        if (size > 0 && size <= ORAN_REQUEST_MAX_ENDPOINT && !memchr(data, '\0', size)) {
                g_autofree char *uri = g_strndup((const char *) data, size);

                check_endpoint(uri);
        }
        return 0;
}
