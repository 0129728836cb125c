/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The REST servers: one SoupServer per API (v1, v2), each on its own port,
 * with cloud-event-proxy's routes, status codes and bodies (
 * rest-routes.c). Here: the connections, accepted and closed by the bridge
 * rather than libsoup, and what every request goes through first (the body
 * bound, the read deadline, the route table, the count for the metrics).
 */
#pragma once

#include <libsoup/soup.h>

#include "bridge.h"
#include "oran-resource.h"

SoupServer *rest_server_new(Bridge *b, OranApi api, GError **error);

/* One request being answered, perhaps later: the message stays paused until rest_reply_send(). */
typedef struct RestReply RestReply;

struct RestReply {
        Bridge *bridge;
        SoupServerMessage *message;
        OranApi api;
        const char *route;
        bool in_handler, sent;
};

/* Sets the status and body (body NULL: none, no Content-Type; taken) and sends it, now or from a callback. */
void rest_reply_send(RestReply *reply, unsigned status, const char *content_type, char *body);
/* An error: bodiless in v2, {"error":message} in v1 (cloud-event-proxy's styles). */
void rest_reply_error(RestReply *reply, unsigned status, const char *message);

/* 404 with Go's default body, which cloud-event-proxy's consumers see for a path it does not serve. */
void rest_reply_not_found(RestReply *reply);

/* The routes (rest-routes.c), the same paths in v1 and v2: path is below the API's prefix. */
void rest_route(RestReply *reply, const char *path);

/* "http://<advertised host>:<port>/api/ocloudNotifications/v2" (g_free): where UriLocation points. */
char *rest_base_url(const BridgeConfig *config, OranApi api);
