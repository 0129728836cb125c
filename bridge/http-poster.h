/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * POSTs to consumers: one SoupSession, each request with its own deadline,
 * at most a configured number in flight (the rest wait in order), no proxy,
 * no redirects (a 3xx is an answer, not a hop: the allowlist stays true).
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef enum PostOutcome {
        POST_DELIVERED, /* 2xx */
        POST_RETRY,     /* 5xx, 408, 429, no connection, timeout: try again after the backoff */
        POST_REJECT,    /* any other answer: the consumer refused it, retrying will not help */
} PostOutcome;

typedef struct HttpPoster HttpPoster;
typedef struct HttpPost HttpPost;

/* status: the HTTP status, 0 when there was no answer (then error says why). */
typedef void (*http_post_done_t)(unsigned status, const char *error, void *userdata);

HttpPoster *http_poster_new(unsigned max_in_flight);
/* Cancels everything (no callbacks). */
void http_poster_free(HttpPoster *p);

/*
 * POSTs body (NULL: an empty body) as application/json to uri, giving up
 * after timeout_usec; headers is a NULL-terminated name, value, ... list or
 * NULL. done runs once, later, unless the post is cancelled first.
 */
HttpPost *http_poster_post(HttpPoster *p, const char *uri, GBytes *body, const char *const *headers,
                           guint64 timeout_usec, http_post_done_t done, void *userdata);
/* Forgets the post: done is not called. */
void http_post_cancel(HttpPost *post);

unsigned http_poster_in_flight(const HttpPoster *p);
unsigned http_poster_waiting(const HttpPoster *p);

PostOutcome post_outcome_of(unsigned status);
