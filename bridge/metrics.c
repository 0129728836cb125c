/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "metrics-private.h"
#include "metrics-text.h"
#include "oran-resource.h"

/* The states the daemon sends (daemon/model/sync-state.c, daemon/model/resource.c), spelled out: the bridge has no daemon code. */
const char *const metrics_sync_states[] = { "FREERUN", "HOLDOVER", "LOCKED", NULL };
const char *const metrics_gnss_states[] = {
        "ACQUIRING-SYNC", "ANTENNA-DISCONNECTED", "ANTENNA-SHORT-CIRCUIT",
        "BOOTING", "FAILURE-LOW-SNR", "FAILURE-MULTIPATH",
        "FAILURE-NOFIX", "FAILURE-PLL", "SYNCHRONIZED",
        NULL,
};
const char *const metrics_apis[] = { "v1", "v2", NULL };
/* A client picks the method: anything else is "other", so it cannot grow the label set. */
static const char *const methods[] = { "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", NULL };
const char *const metrics_delivery_results[_METRICS_DELIVERY_MAX] = {
        [METRICS_DELIVERED] = "delivered",
        [METRICS_RETRIED] = "retried",
        [METRICS_DEAD_LETTERED] = "dead_lettered",
};

/* Where a resource's values go, and how they are read. */
typedef enum Target { TARGET_PTP, TARGET_GNSS, TARGET_OS_CLOCK, TARGET_SYNC } Target;
typedef enum MetricKind { METRIC_NONE, METRIC_OFFSET, METRIC_CLOCK_CLASS } MetricKind;

typedef struct Handler {
        const char *suffix; /* the daemon's spelling */
        Target target;
        const char *const *states; /* what a notification may say; NULL: notifications ignored */
        MetricKind metric;
} Handler;

static const Handler handlers[] = {
        { "/sync/ptp-status/lock-state", TARGET_PTP, metrics_sync_states, METRIC_OFFSET },
        { "/sync/ptp-status/clock-class", TARGET_PTP, NULL, METRIC_CLOCK_CLASS },
        { "/sync/sync-status/os-clock-sync-state", TARGET_OS_CLOCK, metrics_sync_states, METRIC_OFFSET },
        { "/sync/sync-status/sync-state", TARGET_SYNC, metrics_sync_states, METRIC_NONE },
        { "/sync/gnss-status/gnss-sync-status", TARGET_GNSS, metrics_gnss_states, METRIC_OFFSET },
};

static int index_of(const char *const *list, const char *s) {
        for (int i = 0; s && list[i]; i++)
                if (strcmp(list[i], s) == 0)
                        return i;
        return METRICS_NO_VALUE;
}

static void clock_free(MetricsClock *c) {
        g_free(c->offset_seconds);
        g_free(c);
}

static int compare_strings(gconstpointer a, gconstpointer b, gpointer data) {
        return strcmp(a, b);
}

static GTree *clock_tree_new(void) {
        return g_tree_new_full(compare_strings, NULL, g_free, (GDestroyNotify) clock_free);
}

static void node_free(MetricsNode *n) {
        g_free(n->sync.offset_seconds);
        g_free(n->os_clock.offset_seconds);
        g_tree_unref(n->ptp);
        g_tree_unref(n->gnss);
        g_free(n);
}

static void request_free(MetricsRequest *r) {
        g_free(r->route);
        g_free(r);
}

static int compare_requests(gconstpointer pa, gconstpointer pb, gpointer data) {
        const MetricsRequest *a = pa, *b = pb;
        int r;

        if (a->api != b->api)
                return a->api < b->api ? -1 : 1;
        r = strcmp(a->route, b->route);
        if (r == 0)
                r = strcmp(a->method, b->method);
        if (r == 0 && a->status != b->status)
                r = a->status < b->status ? -1 : 1;
        return r;
}

static void delivery_free(MetricsDeliveries *d) {
        g_free(d->resource);
        g_free(d);
}

Metrics *metrics_new(void) {
        Metrics *m = g_new0(Metrics, 1);

        m->nodes = g_tree_new_full(compare_strings, NULL, g_free, (GDestroyNotify) node_free);
        m->requests = g_tree_new_full(compare_requests, NULL, (GDestroyNotify) request_free, NULL);
        m->deliveries = g_tree_new_full(compare_strings, NULL, g_free, (GDestroyNotify) delivery_free);
        return m;
}

void metrics_free(Metrics *m) {
        if (!m)
                return;
        g_tree_unref(m->nodes);
        g_tree_unref(m->requests);
        g_tree_unref(m->deliveries);
        g_free(m);
}

static MetricsNode *ensure_node(Metrics *m, const char *name) {
        MetricsNode *n = g_tree_lookup(m->nodes, name);

        if (n)
                return n;
        if (g_tree_nnodes(m->nodes) >= METRICS_MAX_NODES) {
                m->dropped_series++;
                return NULL;
        }
        n = g_new0(MetricsNode, 1);
        n->sync = METRICS_CLOCK_INIT;
        n->os_clock = METRICS_CLOCK_INIT;
        n->ptp = clock_tree_new();
        n->gnss = clock_tree_new();
        g_tree_insert(m->nodes, g_strdup(name), n);
        return n;
}

static MetricsClock *ensure_clock(Metrics *m, GTree *clocks, const char *address) {
        MetricsClock *c = g_tree_lookup(clocks, address);

        if (c)
                return c;
        if (m->n_clocks >= METRICS_MAX_CLOCKS) {
                m->dropped_series++;
                return NULL;
        }
        c = g_new(MetricsClock, 1);
        *c = METRICS_CLOCK_INIT;
        g_tree_insert(clocks, g_strdup(address), c);
        m->n_clocks++;
        return c;
}

/* The clock a value is about, made on first use: only once there is something to keep. NULL: over a cap. */
static MetricsClock *target_clock(Metrics *m, const char *node_name, Target t, const char *address) {
        MetricsNode *n;

        /* A PTP clock or receiver is named by its address; the OS clock and sync-state are one per node. */
        if ((t == TARGET_PTP || t == TARGET_GNSS) && !address)
                return NULL;
        n = ensure_node(m, node_name);
        if (!n)
                return NULL;
        switch (t) {
        case TARGET_PTP:
                return ensure_clock(m, n->ptp, address);
        case TARGET_GNSS:
                return ensure_clock(m, n->gnss, address);
        case TARGET_OS_CLOCK:
                return &n->os_clock;
        case TARGET_SYNC:
                return &n->sync;
        }
        return NULL;
}

static void observe_notification(Metrics *m, const char *node, const Handler *h, const OranValue *v) {
        int state = h->states ? index_of(h->states, v->value) : METRICS_NO_VALUE;
        MetricsClock *c;

        if (state == METRICS_NO_VALUE)
                return;
        c = target_clock(m, node, h->target, v->address);
        if (c)
                c->state = state;
}

static void observe_metric(Metrics *m, const char *node, const Handler *h, const OranValue *v) {
        g_autofree char *seconds = NULL;
        unsigned clock_class;
        MetricsClock *c;

        switch (h->metric) {
        case METRIC_OFFSET:
                seconds = metrics_text_seconds_from_ns(v->value);
                if (!seconds)
                        return;
                c = target_clock(m, node, h->target, v->address);
                if (c) {
                        g_free(c->offset_seconds);
                        c->offset_seconds = g_steal_pointer(&seconds);
                }
                return;
        case METRIC_CLOCK_CLASS:
                if (!metrics_text_parse_uint(v->value, 255, &clock_class))
                        return;
                c = target_clock(m, node, h->target, v->address);
                if (c)
                        c->clock_class = (int) clock_class;
                return;
        case METRIC_NONE:
                return;
        }
}

/*
 * A GNSS receiver's gpsFix, which the daemon sends at ADDRESS/gpsFix (as cloud-event-proxy does):
 * true if v is one, taken.
 */
#define GPS_FIX_SUFFIX "/gpsFix"
#define GPS_FIX_MAX 5
static bool observe_gps_fix(Metrics *m, const char *node, const Handler *h, const OranValue *v) {
        size_t n = v->address ? strlen(v->address) : 0, suffix = strlen(GPS_FIX_SUFFIX);
        g_autofree char *receiver = NULL;
        unsigned gps_fix;
        MetricsClock *c;

        if (h->target != TARGET_GNSS || n <= suffix || strcmp(v->address + n - suffix, GPS_FIX_SUFFIX) != 0)
                return false;
        if (!metrics_text_parse_uint(v->value, GPS_FIX_MAX, &gps_fix))
                return true; /* not a gpsFix: neither that nor an offset */
        receiver = g_strndup(v->address, n - suffix);
        c = target_clock(m, node, h->target, receiver);
        if (c)
                c->gps_fix = (int) gps_fix;
        return true;
}

/*
 * A state that comes without its offset: the daemon measured none (an unreachable source), so
 * the one it had is no longer current and is not shown.
 */
static void forget_offset(Metrics *m, const char *node, const Handler *h, const OranValue *v) {
        MetricsClock *c;

        if (h->metric != METRIC_OFFSET || !h->states || index_of(h->states, v->value) == METRICS_NO_VALUE)
                return;
        c = target_clock(m, node, h->target, v->address);
        if (c)
                g_clear_pointer(&c->offset_seconds, g_free);
}

void metrics_observe_event(Metrics *m, const OranEvent *e) {
        g_autoptr(GHashTable) metric_seen = NULL;
        g_autofree char *node = NULL;
        const OranResourceKind *kind;
        const Handler *h = NULL;

        g_return_if_fail(m);
        g_return_if_fail(e);

        if (!oran_address_parse(e->source, ORAN_API_V2, &node, &kind))
                return;
        for (size_t i = 0; i < G_N_ELEMENTS(handlers); i++)
                if (strcmp(handlers[i].suffix, kind->suffix) == 0)
                        h = &handlers[i];
        if (!h)
                return; /* SyncE: no source for it in the daemon yet */

        /* The first metric of an address is its offset (or class); a producer may add others after it. */
        metric_seen = g_hash_table_new(g_str_hash, g_str_equal);
        for (size_t i = 0; i < e->n_values; i++) {
                const OranValue *v = &e->values[i];
                const char *key = v->address ? v->address : "";

                if (!v->data_type || !v->value)
                        continue;
                if (strcmp(v->data_type, "notification") == 0)
                        observe_notification(m, node, h, v);
                else if (strcmp(v->data_type, "metric") == 0 && !observe_gps_fix(m, node, h, v) &&
                         g_hash_table_add(metric_seen, (char *) key))
                        observe_metric(m, node, h, v);
        }
        for (size_t i = 0; i < e->n_values; i++) {
                const OranValue *v = &e->values[i];

                if (v->data_type && v->value && strcmp(v->data_type, "notification") == 0 &&
                    !g_hash_table_contains(metric_seen, v->address ? v->address : ""))
                        forget_offset(m, node, h, v);
        }
}

void metrics_forget_states(Metrics *m) {
        g_return_if_fail(m);

        g_tree_remove_all(m->nodes);
        m->n_clocks = 0;
}

void metrics_count_request(Metrics *m, const char *api, const char *route, const char *method, unsigned status) {
        int method_index = index_of(methods, method);
        MetricsRequest key = {
                .api = index_of(metrics_apis, api),
                .route = (char *) (route ? route : "other"),
                .method = method_index == METRICS_NO_VALUE ? "other" : methods[method_index],
                .status = status,
        };
        MetricsRequest *r;

        g_return_if_fail(m);
        g_return_if_fail(key.api != METRICS_NO_VALUE);

        r = g_tree_lookup(m->requests, &key);
        if (!r) {
                if (g_tree_nnodes(m->requests) >= METRICS_MAX_REQUEST_SERIES) {
                        m->dropped_series++;
                        return;
                }
                r = g_memdup2(&key, sizeof(key));
                r->route = g_strdup(key.route);
                g_tree_insert(m->requests, r, r);
        }
        r->count++;
}

void metrics_count_delivery(Metrics *m, const char *subscription_id, const char *resource, MetricsDelivery what) {
        MetricsDeliveries *d;

        g_return_if_fail(m);
        g_return_if_fail(subscription_id && resource);
        g_return_if_fail(what >= 0 && what < _METRICS_DELIVERY_MAX);

        d = g_tree_lookup(m->deliveries, subscription_id);
        if (!d) {
                if (g_tree_nnodes(m->deliveries) >= METRICS_MAX_SUBSCRIPTIONS) {
                        m->dropped_series++;
                        return;
                }
                d = g_new0(MetricsDeliveries, 1);
                d->resource = g_strdup(resource);
                g_tree_insert(m->deliveries, g_strdup(subscription_id), d);
        }
        d->count[what]++;
}

void metrics_set_subscriptions(Metrics *m, const char *api, unsigned n) {
        int i = index_of(metrics_apis, api);

        g_return_if_fail(m);
        g_return_if_fail(i != METRICS_NO_VALUE);

        m->has_subscriptions[i] = true;
        m->subscriptions[i] = n;
}

void metrics_forget_subscription(Metrics *m, const char *subscription_id) {
        g_return_if_fail(m);
        g_return_if_fail(subscription_id);

        (void) g_tree_remove(m->deliveries, subscription_id);
}
