/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <libsoup/soup.h>

#include "build-config.h"
#include "http-poster.h"

/* What a consumer may send back: read and dropped, so that its connection can serve the next POST. */
#define RESPONSE_SKIP_MAX (1024 * 1024)

struct HttpPoster {
        SoupSession *session;
        unsigned max_in_flight, in_flight;
        GQueue waiting; /* HttpPost*, not started yet */
        GList *running; /* HttpPost* */
};

struct HttpPost {
        HttpPoster *poster;
        SoupMessage *message;
        GCancellable *cancellable;
        guint64 timeout_usec;
        guint timer;
        bool timed_out, cancelled, started;
        unsigned status;
        http_post_done_t done;
        void *userdata;
        GList *link;
};

PostOutcome post_outcome_of(unsigned status) {
        if (status >= 200 && status < 300)
                return POST_DELIVERED;
        if (status == 0 || status >= 500 || status == SOUP_STATUS_REQUEST_TIMEOUT || status == 429)
                return POST_RETRY;
        return POST_REJECT;
}

HttpPoster *http_poster_new(unsigned max_in_flight) {
        HttpPoster *p = g_new0(HttpPoster, 1);

        p->max_in_flight = MAX(max_in_flight, 1);
        /* Connections per host:port as many as posts may be in flight: each consumer's subscriptions are
         * ordered (one POST at a time each), so this bounds nothing but keeps one consumer from queueing
         * behind another's. No proxy from the environment: the allowlist names where POSTs go. */
        p->session = soup_session_new_with_options("max-conns", (int) p->max_in_flight,
                                                   "max-conns-per-host", (int) p->max_in_flight,
                                                   "user-agent", "ptpsync-http/" PACKAGE_VERSION, NULL);
        soup_session_set_proxy_resolver(p->session, NULL);
        g_queue_init(&p->waiting);
        return p;
}

static void post_free(HttpPost *post) {
        if (post->timer)
                g_source_remove(post->timer);
        g_clear_object(&post->message);
        g_clear_object(&post->cancellable);
        g_free(post);
}

static void post_start(HttpPost *post);

static void start_waiting(HttpPoster *p) {
        while (p->in_flight < p->max_in_flight && !g_queue_is_empty(&p->waiting))
                post_start(g_queue_pop_head(&p->waiting));
}

/* The post is over (answered, failed or cancelled): its slot goes to the next waiting one. */
static void post_finish(HttpPost *post, const char *error) {
        HttpPoster *p = post->poster;

        p->running = g_list_delete_link(p->running, post->link);
        p->in_flight--;
        if (!post->cancelled && post->done)
                post->done(post->status, error, post->userdata);
        post_free(post);
        start_waiting(p);
}

static void on_skipped(GObject *object, GAsyncResult *result, gpointer userdata) {
        HttpPost *post = userdata;

        (void) g_input_stream_skip_finish(G_INPUT_STREAM(object), result, NULL);
        g_input_stream_close(G_INPUT_STREAM(object), NULL, NULL); /* nothing left to read: does not block */
        g_object_unref(object);
        post_finish(post, NULL);
}

static void on_sent(GObject *object, GAsyncResult *result, gpointer userdata) {
        HttpPost *post = userdata;
        g_autoptr(GError) error = NULL;
        GInputStream *stream;

        stream = soup_session_send_finish(SOUP_SESSION(object), result, &error);
        if (!stream) {
                g_autofree char *why = post->timed_out
                        ? g_strdup_printf("no answer within %.1f s", post->timeout_usec / 1e6)
                        : g_strdup(error->message);

                post->status = 0;
                post_finish(post, why);
                return;
        }
        post->status = soup_message_get_status(post->message);
        g_input_stream_skip_async(stream, RESPONSE_SKIP_MAX, G_PRIORITY_DEFAULT, post->cancellable, on_skipped,
                                  post);
}

static gboolean on_timeout(gpointer userdata) {
        HttpPost *post = userdata;

        post->timer = 0;
        post->timed_out = true;
        g_cancellable_cancel(post->cancellable);
        return G_SOURCE_REMOVE;
}

/* libsoup 3.2 takes a 204 without Content-Length, as Go's net/http sends it, for a body ending at EOF,
 * and closes the connection after it. A 204 has no body (RFC 9110, 15.3.5): saying so keeps it. */
static void on_got_headers(SoupMessage *message, gpointer userdata) {
        SoupMessageHeaders *h = soup_message_get_response_headers(message);

        (void) userdata;
        if (soup_message_get_status(message) == SOUP_STATUS_NO_CONTENT &&
            soup_message_headers_get_encoding(h) == SOUP_ENCODING_EOF)
                soup_message_headers_set_content_length(h, 0);
}

static void post_start(HttpPost *post) {
        HttpPoster *p = post->poster;

        post->started = true;
        p->in_flight++;
        p->running = g_list_prepend(p->running, post);
        post->link = p->running;
        post->timer = g_timeout_add((guint) MIN(post->timeout_usec / 1000, (guint64) G_MAXUINT), on_timeout, post);
        soup_session_send_async(p->session, post->message, G_PRIORITY_DEFAULT, post->cancellable, on_sent, post);
}

HttpPost *http_poster_post(HttpPoster *p, const char *uri, GBytes *body, const char *const *headers,
                           guint64 timeout_usec, http_post_done_t done, void *userdata) {
        HttpPost *post;
        SoupMessage *message;

        message = soup_message_new(SOUP_METHOD_POST, uri);
        if (!message)
                return NULL;
        /* IDEMPOTENT: else libsoup opens a new connection for every POST. Should a kept connection turn out
         * closed, the event may be sent twice, which at-least-once delivery allows already. */
        soup_message_add_flags(message, SOUP_MESSAGE_NO_REDIRECT | SOUP_MESSAGE_IDEMPOTENT);
        g_signal_connect(message, "got-headers", G_CALLBACK(on_got_headers), NULL);
        if (body)
                soup_message_set_request_body_from_bytes(message, "application/json", body);
        else
                /* cloud-event-proxy's probe: an empty body, still labelled JSON */
                soup_message_headers_replace(soup_message_get_request_headers(message), "Content-Type",
                                             "application/json");
        for (const char *const *h = headers; h && h[0] && h[1]; h += 2)
                soup_message_headers_replace(soup_message_get_request_headers(message), h[0], h[1]);

        post = g_new0(HttpPost, 1);
        *post = (HttpPost) {
                .poster = p,
                .message = message,
                .cancellable = g_cancellable_new(),
                .timeout_usec = MAX(timeout_usec, 1000),
                .done = done,
                .userdata = userdata,
        };
        g_queue_push_tail(&p->waiting, post);
        start_waiting(p);
        return post;
}

void http_post_cancel(HttpPost *post) {
        if (!post)
                return;
        if (!post->started) {
                g_queue_remove(&post->poster->waiting, post);
                post_free(post);
                return;
        }
        /* A running one ends through its callback, which then tells nobody. */
        post->cancelled = true;
        g_cancellable_cancel(post->cancellable);
}

unsigned http_poster_in_flight(const HttpPoster *p) {
        return p->in_flight;
}

unsigned http_poster_waiting(const HttpPoster *p) {
        return g_queue_get_length((GQueue *) &p->waiting);
}

void http_poster_free(HttpPoster *p) {
        HttpPost *post;

        if (!p)
                return;
        while ((post = g_queue_pop_head(&p->waiting)))
                post_free(post);
        for (GList *l = p->running; l; l = l->next) {
                post = l->data;
                post->cancelled = true;
                g_cancellable_cancel(post->cancellable);
        }
        /* At exit only: a cancelled send finishes within an iteration or two, and must still find p. */
        while (p->running)
                g_main_context_iteration(NULL, TRUE);
        g_clear_object(&p->session);
        g_free(p);
}
