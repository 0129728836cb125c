/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <unistd.h>

#include "rest-server.h"
#include "rest-subscription-internal.h"

/* The daemon's answer to an Ack may take this long beyond the POST's own deadline before it sends again. */
#define ACK_MARGIN_USEC (30 * G_USEC_PER_SEC)
/* What a REST call still waiting at exit is told (rest_subscriptions_shutdown()). */
#define STOPPING "ptpsync-http is stopping"

static const char *api_name(OranApi api) {
        return api == ORAN_API_V1 ? "v1" : "v2";
}

static char *normalize_endpoint(const char *endpoint) {
        g_autoptr(GUri) uri = NULL;

        if (!endpoint)
                return NULL;
        uri = g_uri_parse(endpoint, G_URI_FLAGS_SCHEME_NORMALIZE | G_URI_FLAGS_ENCODED, NULL);
        return uri ? g_uri_to_string(uri) : g_strdup(endpoint);
}

static void subscription_free(RestSubscription *s) {
        if (!s)
                return;
        rest_delivery_stop(s);
        if (s->call)
                ptpsync_call_cancel(s->call);
        ptpsync_subscription_free(s->handle);
        g_clear_pointer(&s->held, ptpsync_event_unref);
        g_clear_pointer(&s->last_failed, ptpsync_event_unref);
        g_free(s->info.id);
        g_free(s->info.resource);
        g_free(s->info.endpoint);
        g_free(s->info.uri_location);
        g_free(s->endpoint_normalized);
        g_free(s->daemon_address);
        g_free(s);
}

/*
 * v1's duplicate: cloud-event-proxy probes the endpoint of the request first, and answers with the existing
 * subscription only if it took the probe.
 */
typedef struct DuplicateProbe {
        RestSubscriptions *registry;
        char *id; /* the existing subscription's */
        char *endpoint;
        rest_create_done_t done;
        void *userdata;
        HttpPost *post;
} DuplicateProbe;

static void duplicate_probe_free(DuplicateProbe *d) {
        http_post_cancel(d->post);
        g_free(d->id);
        g_free(d->endpoint);
        g_free(d);
}

RestSubscriptions *rest_subscriptions_new(Bridge *b) {
        RestSubscriptions *r = g_new0(RestSubscriptions, 1);

        r->bridge = b;
        r->by_id = g_hash_table_new(g_str_hash, g_str_equal);
        r->order = g_ptr_array_new_with_free_func((GDestroyNotify) subscription_free);
        r->leaving = g_ptr_array_new_with_free_func((GDestroyNotify) subscription_free);
        r->duplicate_probes = g_ptr_array_new_with_free_func((GDestroyNotify) duplicate_probe_free);
        return r;
}

void rest_subscriptions_free(RestSubscriptions *r) {
        if (!r)
                return;
        if (r->list_call)
                ptpsync_call_cancel(r->list_call);
        g_free(r->sync);
        g_hash_table_destroy(r->by_id);
        g_ptr_array_free(r->order, TRUE);
        g_ptr_array_free(r->leaving, TRUE);
        g_ptr_array_free(r->duplicate_probes, TRUE);
        g_free(r);
}

static void update_gauges(RestSubscriptions *r) {
        metrics_set_subscriptions(r->bridge->metrics, "v1", rest_subscriptions_count(r, ORAN_API_V1));
        metrics_set_subscriptions(r->bridge->metrics, "v2", rest_subscriptions_count(r, ORAN_API_V2));
}

static RestSubscription *subscription_add(RestSubscriptions *r, OranApi api, const char *id, const char *resource,
                                          const char *endpoint, bool v1_keys, RestPhase phase) {
        RestSubscription *s = g_new0(RestSubscription, 1);

        s->registry = r;
        s->api = api;
        s->phase = phase;
        s->info.id = g_strdup(id);
        s->info.resource = g_strdup(resource);
        s->info.endpoint = g_strdup(endpoint && *endpoint ? endpoint : NULL);
        s->info.v1_keys = v1_keys;
        s->endpoint_normalized = normalize_endpoint(s->info.endpoint);
        s->daemon_address = oran_address_to_daemon(resource, api);
        g_hash_table_insert(r->by_id, s->info.id, s);
        g_ptr_array_add(r->order, s);
        update_gauges(r);
        return s;
}

/* Out of the lists; freed now, or kept until the daemon confirms its Cancel when leaving. */
static void subscription_remove(RestSubscription *s, bool leaving) {
        RestSubscriptions *r = s->registry;
        guint i;

        g_hash_table_remove(r->by_id, s->info.id);
        metrics_forget_subscription(r->bridge->metrics, s->info.id);
        g_assert(g_ptr_array_find(r->order, s, &i));
        if (leaving) {
                s->phase = REST_DELETING;
                rest_delivery_stop(s);
                g_ptr_array_add(r->leaving, g_ptr_array_steal_index(r->order, i));
        } else
                g_ptr_array_remove_index(r->order, i);
        update_gauges(r);
}

/* ---- the daemon subscription ---- */

static void on_state(PtpsyncSubscription *handle, PtpsyncSubscriptionState state, int error, void *userdata);

/*
 * A new one gets the [Delivery] policy; re-attaching gives the name alone, so that the subscription
 * keeps the policy it was made with (the daemon refuses an option that differs from it).
 */
static PtpsyncSubscribeOptions *subscribe_options(const RestSubscription *s, bool reattach) {
        const BridgeConfig *config = s->registry->bridge->config;
        g_autofree char *name = g_strconcat(NAME_PREFIX, s->info.id, NULL);
        PtpsyncSubscribeOptions *o = NULL;
        int r;

        r = ptpsync_subscribe_options_new(&o);
        if (r >= 0)
                r = ptpsync_subscribe_options_set_name(o, name);
        if (r >= 0 && reattach)
                return o;
        if (r >= 0)
                r = ptpsync_subscribe_options_set_ordered(o, true);
        if (r >= 0)
                r = ptpsync_subscribe_options_set_retry(o, config->retry);
        if (r >= 0)
                r = ptpsync_subscribe_options_set_backoff_delay(o, config->backoff_delay);
        if (r >= 0)
                r = ptpsync_subscribe_options_set_backoff_policy(o, config->backoff_linear ? PTPSYNC_BACKOFF_LINEAR
                                                                                           : PTPSYNC_BACKOFF_EXPONENTIAL);
        /* The POST decides; the daemon sends again only if the bridge never answers (it died, say). */
        if (r >= 0)
                r = ptpsync_subscribe_options_set_ack_timeout(o, config->post_timeout_usec * 2 + ACK_MARGIN_USEC);
        if (r >= 0)
                r = ptpsync_subscribe_options_set_queue_limit(o, config->queue_limit);
        if (r >= 0)
                r = ptpsync_subscribe_options_add_metadata(o, META_RESOURCE, s->info.resource);
        if (r >= 0 && s->info.endpoint)
                r = ptpsync_subscribe_options_add_metadata(o, META_ENDPOINT, s->info.endpoint);
        if (r >= 0)
                r = ptpsync_subscribe_options_add_metadata(o, META_API, api_name(s->api));
        if (r >= 0)
                r = ptpsync_subscribe_options_add_metadata(o, META_KEYS, s->info.v1_keys ? "v1" : "v2");
        if (r < 0) {
                ptpsync_subscribe_options_free(o);
                return NULL;
        }
        return o;
}

static int subscribe(RestSubscription *s, bool reattach) {
        Bridge *b = s->registry->bridge;
        PtpsyncSubscribeOptions *o = subscribe_options(s, reattach);
        int r;

        if (!o)
                return -ENOMEM;
        r = ptpsync_client_subscribe(b->client, s->daemon_address, o, rest_delivery_on_event, s, &s->handle);
        ptpsync_subscribe_options_free(o);
        if (r < 0)
                return r;
        ptpsync_subscription_set_state_handler(s->handle, on_state);
        ptpsync_subscription_set_dead_letter_handler(s->handle, rest_delivery_on_dead_letter);
        return 0;
}

/* ---- making one: Subscribe, GetCurrentState, the probe ---- */

static void create_finish(RestSubscription *s, RestCreateResult result, const char *message) {
        rest_create_done_t done = g_steal_pointer(&s->create_done);

        if (done)
                done(result, result == REST_CREATED ? s : NULL, message, s->done_userdata);
}

/* The probe failed: the daemon subscription goes again, and the consumer hears why. */
static void create_fail(RestSubscription *s, RestCreateResult result, const char *message) {
        g_message("Subscription %s to %s for %s not made: %s", s->info.id, s->info.resource,
                  s->info.endpoint ? s->info.endpoint : "(no endpoint)", message);
        create_finish(s, result, message);
        if (s->handle && ptpsync_subscription_get_state(s->handle) == PTPSYNC_SUBSCRIPTION_ACTIVE &&
            ptpsync_subscription_cancel(s->handle) >= 0) {
                subscription_remove(s, true);
                return;
        }
        subscription_remove(s, false);
}

static bool probe_accepted(const BridgeConfig *config, unsigned status) {
        return status == SOUP_STATUS_NO_CONTENT || (config->probe_any_2xx && status >= 200 && status < 300);
}

/* Why a probe that probe_accepted() did not accept failed (g_free). */
static char *probe_failure(const BridgeConfig *config, const char *endpoint, unsigned status, const char *error) {
        if (error)
                return g_strdup_printf("the initial notification to %s failed: %s", endpoint, error);
        return g_strdup_printf("the initial notification to %s was answered %u, not %s", endpoint, status,
                               config->probe_any_2xx ? "2xx" : "204");
}

static void on_probe_answered(unsigned status, const char *error, void *userdata) {
        RestSubscription *s = userdata;
        const BridgeConfig *config = s->registry->bridge->config;
        g_autofree char *why = NULL;

        s->post = NULL;
        if (probe_accepted(config, status)) {
                s->phase = REST_LIVE;
                g_message("Subscription %s: %s subscribed to %s (%s)", s->info.id,
                          s->info.endpoint ? s->info.endpoint : "(no endpoint)", s->info.resource,
                          api_name(s->api));
                create_finish(s, REST_CREATED, NULL);
                rest_delivery_release(s);
                return;
        }
        why = probe_failure(config, s->info.endpoint, status, error);
        create_fail(s, REST_REFUSED, why);
}

static void probe(RestSubscription *s, GBytes *body) {
        Bridge *b = s->registry->bridge;
        guint64 timeout = bridge_config_probe_timeout_usec(b->config, s->api);

        if (!s->info.endpoint) {
                on_probe_answered(SOUP_STATUS_NO_CONTENT, NULL, s); /* v1 without an endpoint: nothing to probe */
                return;
        }
        s->post = http_poster_post(b->poster, s->info.endpoint, body, NULL, timeout, on_probe_answered, s);
        if (!s->post)
                create_fail(s, REST_REFUSED, "the endpoint cannot be posted to");
}

static void on_probe_state(PtpsyncClient *c, int error, const PtpsyncEventList *events, void *userdata) {
        RestSubscription *s = userdata;
        g_autoptr(GBytes) body = NULL;

        s->call = NULL;
        if (error < 0 && error != -ENODATA && error != -ENOENT) {
                create_fail(s, REST_UNAVAILABLE, "the current state could not be read from ptpsyncd");
                return;
        }
        /* v1's probe is always empty; v2's carries the current state, or nothing while there is none
         * (never an invented FREERUN). Events up to that state are then acknowledged unsent. */
        if (error >= 0 && ptpsync_event_list_get_n(events) > 0 && s->api == ORAN_API_V2) {
                PtpsyncEvent *e = ptpsync_event_list_get(events, 0);

                body = rest_delivery_body(s, e, true);
                for (size_t i = 0; i < ptpsync_event_list_get_n(events); i++)
                        s->probed_seq = MAX(s->probed_seq, ptpsync_event_get_seq(ptpsync_event_list_get(events, i)));
        }
        probe(s, body);
}

static RestCreateResult result_of_subscribe_error(int error) {
        switch (error) {
        case -ENOENT:
        case -EINVAL:
                return REST_NO_RESOURCE;
        case -EDQUOT:
        case -EACCES:
                return REST_REFUSED;
        case -EHOSTUNREACH:
        case -ENXIO:
        case -ECONNRESET:
        case -ENOTCONN:
                return REST_UNAVAILABLE;
        default:
                return REST_FAILED;
        }
}

static void on_state(PtpsyncSubscription *handle, PtpsyncSubscriptionState state, int error, void *userdata) {
        RestSubscription *s = userdata;
        PtpsyncClient *c = ptpsync_subscription_get_client(handle);
        const char *message = ptpsync_client_last_error_message(c);
        rest_delete_done_t delete_done;
        int r;

        switch (state) {
        case PTPSYNC_SUBSCRIPTION_PENDING:
                return;
        case PTPSYNC_SUBSCRIPTION_ACTIVE:
                if (s->phase == REST_PROBING && s->create_done && !s->call && !s->post) {
                        r = ptpsync_client_get_state_async(c, s->daemon_address, on_probe_state, s, &s->call);
                        if (r < 0)
                                create_fail(s, REST_UNAVAILABLE, "the current state could not be asked for");
                } else if (ptpsync_subscription_get_n_attached(handle) > 1)
                        g_debug("Subscription %s re-attached", s->info.id);
                return;
        case PTPSYNC_SUBSCRIPTION_DETACHED:
                if (s->phase == REST_PROBING)
                        create_fail(s, REST_UNAVAILABLE, "ptpsyncd is not running");
                return;
        case PTPSYNC_SUBSCRIPTION_ENDED:
                break;
        }

        switch (s->phase) {
        case REST_PROBING:
                create_fail(s, error < 0 ? result_of_subscribe_error(error) : REST_FAILED,
                            error < 0 && message ? message : "the daemon ended the subscription");
                return;
        case REST_DELETING:
                delete_done = g_steal_pointer(&s->delete_done);
                if (delete_done)
                        delete_done(error, error < 0 ? message : NULL, s->done_userdata);
                g_ptr_array_remove(s->registry->leaving, s);
                return;
        case REST_LIVE:
                if (error == -EBUSY)
                        g_warning("Subscription %s is attached to another connection (another ptpsync-http?); "
                                  "not served here", s->info.id);
                else if (error < 0)
                        g_warning("Subscription %s ended: %s", s->info.id, message ? message : g_strerror(-error));
                else
                        g_message("Subscription %s was cancelled on the daemon; it is gone", s->info.id);
                subscription_remove(s, false);
                return;
        }
}

static RestSubscription *find_duplicate(RestSubscriptions *r, OranApi api, const char *resource,
                                        const char *endpoint_normalized) {
        for (guint i = 0; i < r->order->len; i++) {
                RestSubscription *s = r->order->pdata[i];

                if (s->api != api || !g_str_equal(s->info.resource, resource))
                        continue;
                /* v1 keeps one subscription per resource, whatever the endpoint (cloud-event-proxy's v1) */
                if (api == ORAN_API_V1 || g_strcmp0(s->endpoint_normalized, endpoint_normalized) == 0)
                        return s;
        }
        return NULL;
}

typedef struct Immediate {
        rest_create_done_t done;
        RestCreateResult result;
        char *message;
        char *id; /* REST_EXISTS: looked up again when it runs */
        RestSubscriptions *registry;
        void *userdata;
} Immediate;

static gboolean run_immediate(gpointer userdata) {
        Immediate *i = userdata;
        const RestSubscription *s = i->id ? g_hash_table_lookup(i->registry->by_id, i->id) : NULL;

        i->done(s || i->result != REST_EXISTS ? i->result : REST_FAILED, s, i->message, i->userdata);
        g_free(i->message);
        g_free(i->id);
        g_free(i);
        return G_SOURCE_REMOVE;
}

/* Answers from the next iteration, so that every outcome reaches done the same way. */
static void create_answer(RestSubscriptions *r, rest_create_done_t done, void *userdata, RestCreateResult result,
                          const char *id, const char *message) {
        Immediate *i = g_new0(Immediate, 1);

        *i = (Immediate) { done, result, g_strdup(message), g_strdup(id), r, userdata };
        g_idle_add(run_immediate, i);
}

static void on_duplicate_probed(unsigned status, const char *error, void *userdata) {
        DuplicateProbe *d = userdata;
        RestSubscriptions *r = d->registry;
        g_autofree char *why = NULL;

        d->post = NULL;
        if (probe_accepted(r->bridge->config, status))
                create_answer(r, d->done, d->userdata, REST_EXISTS, d->id, NULL);
        else {
                why = probe_failure(r->bridge->config, d->endpoint, status, error);
                g_message("Subscription %s not returned to %s: %s", d->id, d->endpoint, why);
                create_answer(r, d->done, d->userdata, REST_REFUSED, NULL, why);
        }
        g_ptr_array_remove(r->duplicate_probes, d);
}

static void probe_duplicate(RestSubscriptions *r, const RestSubscription *existing, const char *endpoint,
                            rest_create_done_t done, void *userdata) {
        const BridgeConfig *config = r->bridge->config;
        DuplicateProbe *d = g_new0(DuplicateProbe, 1);

        *d = (DuplicateProbe) { r, g_strdup(existing->info.id), g_strdup(endpoint), done, userdata, NULL };
        d->post = http_poster_post(r->bridge->poster, endpoint, NULL, NULL,
                                   bridge_config_probe_timeout_usec(config, ORAN_API_V1), on_duplicate_probed, d);
        if (!d->post) {
                create_answer(r, done, userdata, REST_REFUSED, NULL, "the endpoint cannot be posted to");
                duplicate_probe_free(d);
                return;
        }
        g_ptr_array_add(r->duplicate_probes, d);
}

void rest_subscriptions_create(RestSubscriptions *r, OranApi api, const OranSubscriptionRequest *request,
                               rest_create_done_t done, void *userdata) {
        Bridge *b = r->bridge;
        g_autofree char *node = NULL, *normalized = NULL, *id = NULL, *why = NULL;
        const OranResourceKind *kind;
        RestSubscription *s, *existing;
        int e;

        if (!oran_address_parse(request->resource, api, &node, &kind)) {
                why = g_strdup_printf("%s is not an O-RAN resource address", request->resource);
                create_answer(r, done, userdata, REST_NO_RESOURCE, NULL, why);
                return;
        }
        if (!b->synced || !b->node || !ptpsync_client_get_daemon_owner(b->client)) {
                create_answer(r, done, userdata, REST_UNAVAILABLE, NULL, "ptpsyncd is not reachable");
                return;
        }
        /* cloud-event-proxy takes any node here and then never delivers: ours says so at once */
        if (!g_str_equal(node, b->node)) {
                why = g_strdup_printf("%s is not a resource of this node (%s)", request->resource, b->node);
                create_answer(r, done, userdata, REST_NO_RESOURCE, NULL, why);
                return;
        }
        normalized = normalize_endpoint(request->endpoint && *request->endpoint ? request->endpoint : NULL);
        existing = find_duplicate(r, api, request->resource, normalized);
        if (existing && api == ORAN_API_V1 && normalized) {
                probe_duplicate(r, existing, request->endpoint, done, userdata);
                return;
        }
        if (existing) {
                create_answer(r, done, userdata, api == ORAN_API_V1 ? REST_EXISTS : REST_DUPLICATE,
                              existing->info.id, "a subscription of that endpoint to that resource exists");
                return;
        }
        if (g_hash_table_size(r->by_id) >= b->config->max_subscriptions) {
                why = g_strdup_printf("the bridge holds %u subscriptions, the most allowed ([Limits] "
                                      "Subscriptions=)", g_hash_table_size(r->by_id));
                create_answer(r, done, userdata, REST_REFUSED, NULL, why);
                return;
        }

        id = g_uuid_string_random();
        s = subscription_add(r, api, id, request->resource, request->endpoint, request->v1_keys, REST_PROBING);
        s->create_done = done;
        s->done_userdata = userdata;
        e = subscribe(s, false);
        if (e < 0) {
                why = g_strdup_printf("Subscribe failed: %s", g_strerror(-e));
                s->create_done = NULL;
                subscription_remove(s, false);
                create_answer(r, done, userdata, REST_FAILED, NULL, why);
        }
}

/* ---- deleting ---- */

typedef struct DeleteImmediate {
        rest_delete_done_t done;
        int error;
        void *userdata;
} DeleteImmediate;

static gboolean run_delete_immediate(gpointer userdata) {
        DeleteImmediate *d = userdata;

        d->done(d->error, d->error == -ENOENT ? "no such subscription" : "ptpsyncd is not reachable", d->userdata);
        g_free(d);
        return G_SOURCE_REMOVE;
}

static void delete_answer(rest_delete_done_t done, void *userdata, int error) {
        DeleteImmediate *d = g_new0(DeleteImmediate, 1);

        *d = (DeleteImmediate) { done, error, userdata };
        g_idle_add(run_delete_immediate, d);
}

void rest_subscriptions_delete(RestSubscriptions *r, OranApi api, const char *id, rest_delete_done_t done,
                               void *userdata) {
        RestSubscription *s = g_hash_table_lookup(r->by_id, id);

        if (!s || s->api != api) {
                delete_answer(done, userdata, -ENOENT);
                return;
        }
        /* Deleted means committed: the answer waits for the daemon's; detached, it cannot be asked. */
        if (ptpsync_subscription_cancel(s->handle) < 0) {
                delete_answer(done, userdata, -EHOSTUNREACH);
                return;
        }
        g_message("Subscription %s to %s deleted by its consumer", s->info.id, s->info.resource);
        create_finish(s, REST_FAILED, "deleted while being made");
        s->delete_done = done;
        s->done_userdata = userdata;
        subscription_remove(s, true);
}

/*
 * Deletes for DELETE /subscriptions: at most this many Cancels in flight. The bus refuses a connection's
 * 129th pending call (max_replies_per_connection), and a refused Cancel left its subscription in the
 * daemon, forgotten here.
 */
#define DELETE_ALL_IN_FLIGHT 32

typedef struct DeleteAll {
        RestSubscriptions *registry;
        OranApi api;
        GPtrArray *ids; /* char*, the subscriptions to delete, in order */
        guint next;     /* the first one not started */
        unsigned in_flight;
        bool starting;  /* in delete_next()'s loop */
        rest_delete_done_t done;
        void *userdata;
        int error;
        char *message;
} DeleteAll;

static void on_one_deleted(int error, const char *message, void *userdata);

/* Starts deletes up to the bound; answers once every one is over. Stopping, it starts none. */
static void delete_next(DeleteAll *d) {
        bool stopping = d->registry->stopping;

        if (d->starting)
                return; /* a delete answered at once: the loop below goes on */
        d->starting = true;
        while (!stopping && d->in_flight < DELETE_ALL_IN_FLIGHT && d->next < d->ids->len) {
                d->in_flight++;
                rest_subscriptions_delete(d->registry, d->api, d->ids->pdata[d->next++], on_one_deleted, d);
        }
        d->starting = false;
        if (d->in_flight > 0 || (d->next < d->ids->len && !stopping))
                return;
        if (d->next < d->ids->len && d->error == 0) {
                d->error = -ESHUTDOWN;
                d->message = g_strdup(STOPPING);
        }
        d->done(d->error, d->message, d->userdata);
        g_ptr_array_unref(d->ids);
        g_free(d->message);
        g_free(d);
}

static void on_one_deleted(int error, const char *message, void *userdata) {
        DeleteAll *d = userdata;

        if (error < 0 && error != -ENOENT && d->error == 0) {
                d->error = error;
                d->message = g_strdup(message);
        }
        d->in_flight--;
        delete_next(d);
}

void rest_subscriptions_delete_all(RestSubscriptions *r, OranApi api, rest_delete_done_t done, void *userdata) {
        DeleteAll *d = g_new0(DeleteAll, 1);

        *d = (DeleteAll) {
                .registry = r,
                .api = api,
                .ids = g_ptr_array_new_with_free_func(g_free),
                .done = done,
                .userdata = userdata,
        };
        for (guint i = 0; i < r->order->len; i++) {
                RestSubscription *s = r->order->pdata[i];

                if (s->api == api && s->phase == REST_LIVE)
                        g_ptr_array_add(d->ids, g_strdup(s->info.id));
        }
        delete_next(d);
}

/* ---- stopping ---- */

void rest_subscriptions_shutdown(RestSubscriptions *r) {
        r->stopping = true;
        /* from the end: create_fail() takes the subscription out of the list */
        for (guint i = r->order->len; i > 0; i--) {
                RestSubscription *s = r->order->pdata[i - 1];

                if (s->create_done)
                        create_fail(s, REST_UNAVAILABLE, STOPPING);
        }
        for (guint i = 0; i < r->leaving->len; i++) {
                RestSubscription *s = r->leaving->pdata[i];
                rest_delete_done_t done = g_steal_pointer(&s->delete_done);

                if (done)
                        done(-ESHUTDOWN, STOPPING, s->done_userdata);
        }
        while (r->duplicate_probes->len > 0) {
                DuplicateProbe *d = g_ptr_array_steal_index(r->duplicate_probes, r->duplicate_probes->len - 1);

                d->done(REST_UNAVAILABLE, NULL, STOPPING, d->userdata);
                duplicate_probe_free(d);
        }
}

/* ---- start-up: re-attaching what the daemon holds ---- */

struct Sync {
        RestSubscriptions *registry;
        rest_sync_done_t done;
        void *userdata;
};
typedef struct Sync Sync;

static void reattach(RestSubscriptions *r, const PtpsyncSubscriptionInfoList *l, size_t i) {
        const char *path, *name, *address, *resource, *endpoint, *api, *keys;
        RestSubscription *s;
        OranApi which;
        uint32_t uid;
        int e;

        if (ptpsync_subscription_info_list_get(l, i, &path, &name, &address, &uid, NULL) < 0 ||
            !g_str_has_prefix(name, NAME_PREFIX) || uid != geteuid())
                return;
        resource = ptpsync_subscription_info_list_get_metadata(l, i, META_RESOURCE);
        endpoint = ptpsync_subscription_info_list_get_metadata(l, i, META_ENDPOINT);
        api = ptpsync_subscription_info_list_get_metadata(l, i, META_API);
        keys = ptpsync_subscription_info_list_get_metadata(l, i, META_KEYS);
        which = g_strcmp0(api, "v1") == 0 ? ORAN_API_V1 : ORAN_API_V2;
        if (!resource || !api || (!g_str_equal(api, "v1") && !g_str_equal(api, "v2")) ||
            !oran_resource_kind_of(resource, which)) {
                g_warning("Subscription %s (%s) has no usable REST metadata; left alone", name, path);
                return;
        }
        if (g_hash_table_contains(r->by_id, name + strlen(NAME_PREFIX)))
                return;
        s = subscription_add(r, which, name + strlen(NAME_PREFIX), resource, endpoint, g_strcmp0(keys, "v1") == 0,
                             REST_LIVE);
        if (!g_str_equal(s->daemon_address, address)) {
                g_warning("Subscription %s: its metadata says %s, the daemon %s; left alone", name, resource,
                          address);
                subscription_remove(s, false);
                return;
        }
        e = subscribe(s, true);
        if (e < 0) {
                g_warning("Subscription %s could not be re-attached: %s", name, g_strerror(-e));
                subscription_remove(s, false);
        }
}

static void on_listed(PtpsyncClient *c, int error, const PtpsyncSubscriptionInfoList *l, void *userdata) {
        Sync *sync = userdata;
        RestSubscriptions *r = sync->registry;

        r->list_call = NULL;
        r->sync = NULL;
        if (error >= 0) {
                for (size_t i = 0; i < ptpsync_subscription_info_list_get_n(l); i++)
                        reattach(r, l, i);
                g_message("%u REST subscriptions re-attached", g_hash_table_size(r->by_id));
        }
        sync->done(error, sync->userdata);
        g_free(sync);
}

void rest_subscriptions_sync(RestSubscriptions *r, rest_sync_done_t done, void *userdata) {
        Sync *sync = g_new0(Sync, 1);
        int e;

        *sync = (Sync) { r, done, userdata };
        g_assert(!r->list_call && !r->sync);
        r->sync = sync;
        e = ptpsync_client_list_subscription_infos_async(r->bridge->client, on_listed, sync, &r->list_call);
        if (e < 0)
                on_listed(r->bridge->client, e, NULL, sync);
}

/* ---- reading ---- */

GPtrArray *rest_subscriptions_list(RestSubscriptions *r, OranApi api) {
        GPtrArray *l = g_ptr_array_new();

        for (guint i = 0; i < r->order->len; i++) {
                RestSubscription *s = r->order->pdata[i];

                if (s->api == api && s->phase == REST_LIVE)
                        g_ptr_array_add(l, (gpointer) rest_subscription_info(s));
        }
        return l;
}

const RestSubscription *rest_subscriptions_find(RestSubscriptions *r, OranApi api, const char *id) {
        RestSubscription *s = g_hash_table_lookup(r->by_id, id);

        return s && s->api == api && s->phase == REST_LIVE ? s : NULL;
}

unsigned rest_subscriptions_count(RestSubscriptions *r, OranApi api) {
        unsigned n = 0;

        for (guint i = 0; i < r->order->len; i++)
                n += ((RestSubscription *) r->order->pdata[i])->api == api;
        return n;
}

const OranSubscription *rest_subscription_info(const RestSubscription *s) {
        RestSubscription *m = (RestSubscription *) s;
        g_autofree char *base = rest_base_url(s->registry->bridge->config, s->api);

        g_free(m->info.uri_location);
        m->info.uri_location = g_strconcat(base, "/subscriptions/", s->info.id, NULL);
        return &s->info;
}
