/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Method calls: each blocking call (sd_bus_call, never from a callback) has
 * an asynchronous twin whose reply is parsed here and handed to the user's
 * handler. GetCurrentState, ListResources, ListSubscriptions, and the
 * per-subscription GetDeadLetters, Redrive, PurgeDeadLetters and Cancel.
 * Reload, an administrator's call, is blocking only. Asynchronous only: the
 * NodeName property, and ListSubscriptions with each subscription's details
 * (many Properties.Get, pipelined).
 */

#include <stdarg.h>
#include <stdio.h>

#include "ptpsync-internal.h"

typedef struct Resource {
        char *address, *kind, *path;
} Resource;

struct PtpsyncResourceList {
        size_t n;
        Resource *items;
};

static inline void message_unrefp(sd_bus_message **m) {
        sd_bus_message_unref(*m);
}

/* A blocking call to the daemon; a failure is recorded as the last error. */
static int client_call(PtpsyncClient *c, const char *path, const char *interface, const char *method,
                       sd_bus_message **ret_reply, const char *types, ...) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        assert_return(c->dispatching == 0, client_set_error(c, NULL, -EBUSY));

        va_start(ap, types);
        r = sd_bus_call_methodv(c->bus, BUS_NAME, path, interface, method, &error, ret_reply, types, ap);
        va_end(ap);
        if (r < 0)
                r = client_set_error(c, &error, r);
        sd_bus_error_free(&error);
        return r;
}

/* ---- resource lists ---- */

_public_ size_t ptpsync_resource_list_get_n(const PtpsyncResourceList *l) {
        assert_return(l, 0);
        return l->n;
}

_public_ int ptpsync_resource_list_get(const PtpsyncResourceList *l, size_t i, const char **ret_address,
                                       const char **ret_kind, const char **ret_object_path) {
        assert_return(l, -EINVAL);
        assert_return(i < l->n, -ERANGE);
        if (ret_address)
                *ret_address = l->items[i].address;
        if (ret_kind)
                *ret_kind = l->items[i].kind;
        if (ret_object_path)
                *ret_object_path = l->items[i].path;
        return 0;
}

_public_ PtpsyncResourceList *ptpsync_resource_list_free(PtpsyncResourceList *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].address);
                free(l->items[i].kind);
                free(l->items[i].path);
        }
        free(l->items);
        free(l);
        return NULL;
}

static inline void resource_list_freep(PtpsyncResourceList **l) {
        ptpsync_resource_list_free(*l);
}

static int resource_list_read(sd_bus_message *m, PtpsyncResourceList **ret) {
        _cleanup_(resource_list_freep) PtpsyncResourceList *l = NULL;
        const char *address, *kind, *path;
        int r;

        l = calloc(1, sizeof(PtpsyncResourceList));
        if (!l)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', "(sso)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "(sso)", &address, &kind, &path)) > 0) {
                Resource *items = reallocarray(l->items, l->n + 1, sizeof(Resource));

                if (!items)
                        return -ENOMEM;
                l->items = items;
                l->items[l->n++] = (Resource) {
                        .address = strdup(address),
                        .kind = strdup(kind),
                        .path = strdup(path),
                };
                if (!l->items[l->n - 1].address || !l->items[l->n - 1].kind || !l->items[l->n - 1].path)
                        return -ENOMEM;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

/* ---- asynchronous replies ---- */

static int on_call_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        PtpsyncCall *call = userdata;
        PtpsyncClient *c = call->client;
        PtpsyncEventList *events = NULL;
        PtpsyncResourceList *resources = NULL;
        CallKind kind = call->kind;
        void *handler = call->handler, *data = call->userdata;
        const char *string = NULL;
        uint32_t count = 0;
        int r = 0;

        call_free(call);

        if (sd_bus_message_is_method_error(m, NULL))
                r = client_set_error_from_message(c, m);
        else {
                switch (kind) {
                case CALL_EVENTS:
                        r = event_list_read(m, &events);
                        break;
                case CALL_RESOURCES:
                        r = resource_list_read(m, &resources);
                        break;
                case CALL_COUNT:
                        r = sd_bus_message_read(m, "u", &count);
                        r = r > 0 ? 0 : r == 0 ? -EBADMSG : r;
                        break;
                case CALL_STRING:
                        r = sd_bus_message_read(m, "v", "s", &string);
                        r = r > 0 ? 0 : r == 0 ? -EBADMSG : r;
                        break;
                default:
                        r = -EINVAL;
                }
                if (r < 0)
                        r = client_set_error(c, NULL, r);
        }

        switch (kind) {
        case CALL_EVENTS:
                CLIENT_DISPATCH(c, ((ptpsync_events_handler_t) handler)(c, r, events, data));
                break;
        case CALL_RESOURCES:
                CLIENT_DISPATCH(c, ((ptpsync_resources_handler_t) handler)(c, r, resources, data));
                break;
        case CALL_COUNT:
                CLIENT_DISPATCH(c, ((ptpsync_count_handler_t) handler)(c, r, r < 0 ? 0 : count, data));
                break;
        case CALL_STRING:
                CLIENT_DISPATCH(c, ((ptpsync_string_handler_t) handler)(c, r, r < 0 ? NULL : string, data));
                break;
        default:
                break;
        }
        ptpsync_event_list_free(events);
        ptpsync_resource_list_free(resources);
        return 0;
}

/* Starts an asynchronous call whose reply on_call_reply() parses as kind says. */
static int client_call_async(PtpsyncClient *c, CallKind kind, void *handler, void *userdata,
                             PtpsyncCall **ret_call, const char *path, const char *interface, const char *method,
                             const char *types, ...) {
        PtpsyncCall *call;
        va_list ap;
        int r;

        assert_return(handler, -EINVAL);

        call = call_new(c, kind, handler, userdata);
        if (!call)
                return client_set_error(c, NULL, -ENOMEM);

        va_start(ap, types);
        {
                _cleanup_(message_unrefp) sd_bus_message *m = NULL;

                r = sd_bus_message_new_method_call(c->bus, &m, BUS_NAME, path, interface, method);
                if (r >= 0)
                        r = sd_bus_message_appendv(m, types, ap);
                if (r >= 0)
                        r = client_call_message(c, &call->slot, m, on_call_reply, call);
        }
        va_end(ap);
        if (r < 0) {
                call_free(call);
                return client_set_error(c, NULL, r);
        }
        if (ret_call)
                *ret_call = call;
        return 0;
}

/* ---- the Manager ---- */

/* Blocking: the absolute address of address, reading the node name now if it is not known. */
static int resolve_address_now(PtpsyncClient *c, const char *address, char **ret) {
        _cleanup_free_ char *node = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = client_resolve_address(c, address, ret);
        if (r != -EAGAIN)
                return r < 0 ? client_set_error(c, NULL, r) : 0;
        r = sd_bus_get_property_string(c->bus, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "NodeName", &error,
                                       &node);
        if (r < 0)
                r = client_set_error(c, &error, r);
        else if (asprintf(ret, "/cluster/node/%s/%s", node, address) < 0)
                r = client_set_error(c, NULL, -ENOMEM);
        sd_bus_error_free(&error);
        return r < 0 ? r : 0;
}

_public_ int ptpsync_client_get_state(PtpsyncClient *c, const char *address, PtpsyncEventList **ret) {
        _cleanup_(message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *full = NULL;
        int r;

        assert_return(c, -EINVAL);
        assert_return(ret, -EINVAL);
        assert_return(c->dispatching == 0, client_set_error(c, NULL, -EBUSY));
        r = client_check_address(c, address);
        if (r < 0)
                return r;
        r = resolve_address_now(c, address, &full);
        if (r < 0)
                return r;

        r = client_call(c, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "GetCurrentState", &reply, "s", full);
        if (r < 0)
                return r;
        *ret = NULL;
        r = event_list_read(reply, ret);
        return r < 0 ? client_set_error(c, NULL, r) : 0;
}

/* The NodeName for a relative GetCurrentState: then the call itself, in the same slot. */
static int on_state_node_name(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        PtpsyncCall *call = userdata;
        _cleanup_free_ char *full = NULL;
        const char *node = NULL;
        int r;

        if (sd_bus_message_is_method_error(m, NULL))
                return on_call_reply(m, call, ret_error); /* the handler gets the error */
        r = sd_bus_message_read(m, "v", "s", &node);
        if (r > 0 && asprintf(&full, "/cluster/node/%s/%s", node, call->address) < 0)
                r = -ENOMEM;
        if (r > 0)
                r = client_call_method(call->client, &call->slot, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                                       "GetCurrentState", on_call_reply, call, "s", full);
        if (r < 0 || r == 0) {
                PtpsyncClient *c = call->client;
                ptpsync_events_handler_t handler = call->handler;
                void *data = call->userdata;

                r = client_set_error(c, NULL, r == 0 ? -EBADMSG : r);
                call_free(call);
                CLIENT_DISPATCH(c, handler(c, r, NULL, data));
        }
        return 0;
}

_public_ int ptpsync_client_get_state_async(PtpsyncClient *c, const char *address, ptpsync_events_handler_t handler,
                                            void *userdata, PtpsyncCall **ret_call) {
        _cleanup_free_ char *full = NULL;
        PtpsyncCall *call;
        int r;

        assert_return(c, -EINVAL);
        assert_return(handler, -EINVAL);
        r = client_check_address(c, address);
        if (r < 0)
                return r;
        r = client_resolve_address(c, address, &full);
        if (r >= 0)
                return client_call_async(c, CALL_EVENTS, (void *) handler, userdata, ret_call, MANAGER_OBJECT_PATH,
                                         MANAGER_INTERFACE, "GetCurrentState", "s", full);
        if (r != -EAGAIN)
                return client_set_error(c, NULL, r);

        /* Relative, and the node name is not known (yet): read it first. */
        call = call_new(c, CALL_EVENTS, (void *) handler, userdata);
        if (!call || !(call->address = strdup(address))) {
                call_free(call);
                return client_set_error(c, NULL, -ENOMEM);
        }
        r = client_call_method(c, &call->slot, BUS_NAME, MANAGER_OBJECT_PATH, PROPERTIES_INTERFACE, "Get",
                               on_state_node_name, call, "ss", MANAGER_INTERFACE, "NodeName");
        if (r < 0) {
                call_free(call);
                return client_set_error(c, NULL, r);
        }
        if (ret_call)
                *ret_call = call;
        return 0;
}

_public_ int ptpsync_client_list_resources(PtpsyncClient *c, PtpsyncResourceList **ret) {
        _cleanup_(message_unrefp) sd_bus_message *reply = NULL;
        int r;

        assert_return(c, -EINVAL);
        assert_return(ret, -EINVAL);

        r = client_call(c, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "ListResources", &reply, "");
        if (r < 0)
                return r;
        r = resource_list_read(reply, ret);
        return r < 0 ? client_set_error(c, NULL, r) : 0;
}

_public_ int ptpsync_client_list_resources_async(PtpsyncClient *c, ptpsync_resources_handler_t handler,
                                                 void *userdata, PtpsyncCall **ret_call) {
        assert_return(c, -EINVAL);
        return client_call_async(c, CALL_RESOURCES, (void *) handler, userdata, ret_call, MANAGER_OBJECT_PATH,
                                 MANAGER_INTERFACE, "ListResources", "");
}

_public_ int ptpsync_client_list_subscriptions(PtpsyncClient *c, char ***ret_paths) {
        _cleanup_(message_unrefp) sd_bus_message *reply = NULL;
        char **paths = NULL;
        size_t n = 0;
        const char *p;
        int r;

        assert_return(c, -EINVAL);
        assert_return(ret_paths, -EINVAL);

        r = client_call(c, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "ListSubscriptions", &reply, "");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "o");
        if (r < 0)
                return client_set_error(c, NULL, r);
        paths = calloc(1, sizeof(char *));
        if (!paths)
                return client_set_error(c, NULL, -ENOMEM);
        while ((r = sd_bus_message_read(reply, "o", &p)) > 0) {
                char **l = reallocarray(paths, n + 2, sizeof(char *));

                if (!l) {
                        r = -ENOMEM;
                        break;
                }
                paths = l;
                paths[n] = strdup(p);
                paths[n + 1] = NULL;
                if (!paths[n]) {
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        if (r < 0) {
                ptpsync_strv_free(paths);
                return client_set_error(c, NULL, r);
        }
        *ret_paths = paths;
        return 0;
}

_public_ int ptpsync_client_get_node_name_async(PtpsyncClient *c, ptpsync_string_handler_t handler, void *userdata,
                                              PtpsyncCall **ret_call) {
        assert_return(c, -EINVAL);
        return client_call_async(c, CALL_STRING, (void *) handler, userdata, ret_call, MANAGER_OBJECT_PATH,
                                 PROPERTIES_INTERFACE, "Get", "ss", MANAGER_INTERFACE, "NodeName");
}

/* ---- subscriptions with their details ---- */

/*
 * What ptpsync_client_list_subscription_infos_async() reads of each subscription, one
 * Properties.Get each: Name and Metadata are explicit properties (never in GetAll), and single
 * Gets keep each reply small whatever else a subscription has.
 */
typedef enum InfoProperty {
        INFO_NAME,
        INFO_ADDRESS,
        INFO_UID,
        INFO_OWNER,
        INFO_METADATA,
        _INFO_PROPERTY_MAX,
} InfoProperty;

static const char *const info_property_names[_INFO_PROPERTY_MAX] = {
        [INFO_NAME] = "Name",
        [INFO_ADDRESS] = "Address",
        [INFO_UID] = "UID",
        [INFO_OWNER] = "Owner",
        [INFO_METADATA] = "Metadata",
};

/*
 * Thousands of subscriptions must not mean thousands of Gets prepared at once, nor one listing
 * taking every place among the client's calls out (PTPSYNC_CALLS_IN_FLIGHT_MAX): the next ones
 * are made as the answers come.
 */
#define INFO_GETS_IN_FLIGHT_MAX 32U

typedef struct SubscriptionInfo {
        char *path;
        char *name, *address, *owner; /* NULL: not read (yet), or not readable: "" */
        uint32_t uid;
        char **metadata; /* key, value, key, value, ..., NULL; NULL: none */
        size_t n_metadata;
        bool vanished; /* gone between ListSubscriptions and a Get (UnknownObject) */
} SubscriptionInfo;

struct PtpsyncSubscriptionInfoList {
        size_t n;
        SubscriptionInfo *items;
};

struct InfoGet {
        PtpsyncCall *call;
        size_t entry;
        InfoProperty property;
        ClientSlot slot;
        LIST_FIELDS(InfoGet, gets);
};

static void subscription_info_done(SubscriptionInfo *i) {
        free(i->path);
        free(i->name);
        free(i->address);
        free(i->owner);
        ptpsync_strv_free(i->metadata);
}

_public_ size_t ptpsync_subscription_info_list_get_n(const PtpsyncSubscriptionInfoList *l) {
        assert_return(l, 0);
        return l->n;
}

_public_ int ptpsync_subscription_info_list_get(const PtpsyncSubscriptionInfoList *l, size_t i,
                                                const char **ret_object_path, const char **ret_name,
                                                const char **ret_address, uint32_t *ret_uid,
                                                const char **ret_owner) {
        const SubscriptionInfo *e;

        assert_return(l, -EINVAL);
        assert_return(i < l->n, -ERANGE);
        e = &l->items[i];
        if (ret_object_path)
                *ret_object_path = e->path;
        if (ret_name)
                *ret_name = e->name ?: "";
        if (ret_address)
                *ret_address = e->address ?: "";
        if (ret_uid)
                *ret_uid = e->uid;
        if (ret_owner)
                *ret_owner = e->owner ?: "";
        return 0;
}

_public_ const char *ptpsync_subscription_info_list_get_metadata(const PtpsyncSubscriptionInfoList *l, size_t i,
                                                                 const char *key) {
        const SubscriptionInfo *e;

        assert_return(l, NULL);
        assert_return(key, NULL);
        if (i >= l->n)
                return NULL;
        e = &l->items[i];
        for (size_t k = 0; k < e->n_metadata; k++)
                if (streq(e->metadata[2 * k], key))
                        return e->metadata[2 * k + 1];
        return NULL;
}

_public_ PtpsyncSubscriptionInfoList *ptpsync_subscription_info_list_free(PtpsyncSubscriptionInfoList *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n; i++)
                subscription_info_done(&l->items[i]);
        free(l->items);
        free(l);
        return NULL;
}

static inline void subscription_info_list_freep(PtpsyncSubscriptionInfoList **l) {
        ptpsync_subscription_info_list_free(*l);
}

static void info_get_free(InfoGet *g) {
        PtpsyncCall *call = g->call;

        client_slot_cancel(&g->slot);
        LIST_REMOVE(gets, call->gets, g);
        call->n_gets--;
        free(g);
}

void subscription_infos_call_clear(PtpsyncCall *call) {
        while (call->gets)
                info_get_free(call->gets);
        call->infos = ptpsync_subscription_info_list_free(call->infos);
}

/* Drops the subscriptions that vanished from the list. */
static void subscription_infos_drop_vanished(PtpsyncSubscriptionInfoList *l) {
        size_t kept = 0;

        for (size_t i = 0; i < l->n; i++) {
                if (l->items[i].vanished)
                        subscription_info_done(&l->items[i]);
                else
                        l->items[kept++] = l->items[i];
        }
        l->n = kept;
}

/* Ends the call: one handler call, with the whole list or the error. */
static void subscription_infos_done(PtpsyncCall *call, int r) {
        _cleanup_(subscription_info_list_freep) PtpsyncSubscriptionInfoList *l = NULL;
        PtpsyncClient *c = call->client;
        ptpsync_subscription_infos_handler_t handler = (ptpsync_subscription_infos_handler_t) call->handler;
        void *data = call->userdata;

        if (r >= 0) {
                l = TAKE_PTR(call->infos);
                subscription_infos_drop_vanished(l);
        }
        call_free(call); /* with the Gets still in flight after an error: their answers are never read */
        CLIENT_DISPATCH(c, handler(c, r < 0 ? r : 0, l, data));
}

static int read_metadata(sd_bus_message *m, SubscriptionInfo *e) {
        const char *key, *value;
        int r;

        r = sd_bus_message_enter_container(m, 'v', "a{ss}");
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        r = sd_bus_message_enter_container(m, 'a', "{ss}");
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        while ((r = sd_bus_message_read(m, "{ss}", &key, &value)) > 0) {
                char **l = reallocarray(e->metadata, 2 * e->n_metadata + 3, sizeof(char *));

                if (!l)
                        return -ENOMEM;
                e->metadata = l;
                l[2 * e->n_metadata] = strdup(key);
                l[2 * e->n_metadata + 1] = strdup(value);
                l[2 * e->n_metadata + 2] = NULL;
                if (!l[2 * e->n_metadata] || !l[2 * e->n_metadata + 1]) {
                        free(l[2 * e->n_metadata]);
                        free(l[2 * e->n_metadata + 1]);
                        l[2 * e->n_metadata] = NULL;
                        return -ENOMEM;
                }
                e->n_metadata++;
        }
        return r;
}

static int read_info_property(sd_bus_message *m, SubscriptionInfo *e, InfoProperty p) {
        char **slot = p == INFO_NAME ? &e->name : p == INFO_ADDRESS ? &e->address : &e->owner;
        const char *s;
        int r;

        switch (p) {
        case INFO_UID:
                r = sd_bus_message_read(m, "v", "u", &e->uid);
                return r > 0 ? 0 : r == 0 ? -EBADMSG : r;
        case INFO_METADATA:
                return read_metadata(m, e);
        default:
                r = sd_bus_message_read(m, "v", "s", &s);
                if (r <= 0)
                        return r < 0 ? r : -EBADMSG;
                free(*slot);
                *slot = strdup(s);
                return *slot ? 0 : -ENOMEM;
        }
}

static int on_info_get(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

/*
 * Sends the next Gets, up to INFO_GETS_IN_FLIGHT_MAX in flight, skipping subscriptions known to
 * be gone. Returns 1 when every Get has been answered (the list is complete), 0 when some are
 * still out, or a negative errno.
 */
static int subscription_infos_pump(PtpsyncCall *call) {
        PtpsyncSubscriptionInfoList *l = call->infos;
        size_t total = l->n * _INFO_PROPERTY_MAX;
        int r;

        while (call->n_gets < INFO_GETS_IN_FLIGHT_MAX && call->next_get < total) {
                size_t entry = call->next_get / _INFO_PROPERTY_MAX;
                InfoProperty p = (InfoProperty) (call->next_get % _INFO_PROPERTY_MAX);
                InfoGet *g;

                call->next_get++;
                if (l->items[entry].vanished)
                        continue;
                g = calloc(1, sizeof(InfoGet));
                if (!g)
                        return -ENOMEM;
                *g = (InfoGet) { .call = call, .entry = entry, .property = p };
                LIST_PREPEND(gets, call->gets, g);
                call->n_gets++;
                r = client_call_method(call->client, &g->slot, BUS_NAME, l->items[entry].path,
                                       PROPERTIES_INTERFACE, "Get", on_info_get, g, "ss", SUBSCRIPTION_INTERFACE,
                                       info_property_names[p]);
                if (r < 0)
                        return r; /* g goes with the call */
        }
        return call->n_gets == 0 && call->next_get >= total;
}

static int on_info_get(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        InfoGet *g = userdata;
        PtpsyncCall *call = g->call;
        PtpsyncClient *c = call->client;
        SubscriptionInfo *e = &call->infos->items[g->entry];
        InfoProperty p = g->property;
        const sd_bus_error *error = sd_bus_message_get_error(m);
        int r = 0;

        info_get_free(g);

        if (error) {
                if (sd_bus_error_has_name(error, SD_BUS_ERROR_UNKNOWN_OBJECT))
                        /* It ended since the listing: not an error, and not listed. */
                        e->vanished = true;
                else if (!(sd_bus_error_has_name(error, SD_BUS_ERROR_ACCESS_DENIED) &&
                           (p == INFO_NAME || p == INFO_METADATA)))
                        /* Name and Metadata are their uid's and root's: another user's stay "" and none. */
                        r = client_set_error_from_message(c, m);
        } else {
                r = read_info_property(m, e, p);
                if (r < 0)
                        r = client_set_error(c, NULL, r);
        }
        if (r >= 0) {
                r = subscription_infos_pump(call);
                if (r == 0)
                        return 0;
                if (r < 0)
                        r = client_set_error(c, NULL, r);
        }
        subscription_infos_done(call, r);
        return 0;
}

static int subscription_infos_read_paths(sd_bus_message *m, PtpsyncSubscriptionInfoList **ret) {
        _cleanup_(subscription_info_list_freep) PtpsyncSubscriptionInfoList *l = NULL;
        const char *path;
        int r;

        l = calloc(1, sizeof(PtpsyncSubscriptionInfoList));
        if (!l)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', "o");
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        while ((r = sd_bus_message_read(m, "o", &path)) > 0) {
                SubscriptionInfo *items = reallocarray(l->items, l->n + 1, sizeof(SubscriptionInfo));

                if (!items)
                        return -ENOMEM;
                l->items = items;
                l->items[l->n] = (SubscriptionInfo) { .path = strdup(path) };
                if (!l->items[l->n++].path)
                        return -ENOMEM;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

static int on_subscriptions_listed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        PtpsyncCall *call = userdata;
        PtpsyncClient *c = call->client;
        int r;

        if (sd_bus_message_is_method_error(m, NULL))
                r = client_set_error_from_message(c, m);
        else {
                r = subscription_infos_read_paths(m, &call->infos);
                if (r >= 0)
                        r = subscription_infos_pump(call);
                if (r == 0)
                        return 0;
                if (r < 0)
                        r = client_set_error(c, NULL, r);
        }
        subscription_infos_done(call, r);
        return 0;
}

_public_ int ptpsync_client_list_subscription_infos_async(PtpsyncClient *c,
                                                          ptpsync_subscription_infos_handler_t handler,
                                                          void *userdata, PtpsyncCall **ret_call) {
        PtpsyncCall *call;
        int r;

        assert_return(c, -EINVAL);
        assert_return(handler, -EINVAL);

        call = call_new(c, CALL_SUBSCRIPTION_INFOS, (void *) handler, userdata);
        if (!call)
                return client_set_error(c, NULL, -ENOMEM);
        r = client_call_method(c, &call->slot, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE,
                               "ListSubscriptions", on_subscriptions_listed, call, "");
        if (r < 0) {
                call_free(call);
                return client_set_error(c, NULL, r);
        }
        if (ret_call)
                *ret_call = call;
        return 0;
}

_public_ int ptpsync_client_reload(PtpsyncClient *c) {
        int r;

        assert_return(c, -EINVAL);
        r = client_call(c, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "Reload", NULL, "");
        return r < 0 ? r : 0;
}

/* ---- subscriptions by path ---- */

int subscription_id_to_path(const char *id, char **ret) {
        char hex[33];
        size_t n = 0;

        if (isempty(id))
                return -EINVAL;
        if (id[0] == '/') {
                if (strncmp(id, SUBSCRIPTION_OBJECT_PREFIX "/", strlen(SUBSCRIPTION_OBJECT_PREFIX "/")) != 0)
                        return -EINVAL;
                *ret = strdup(id);
                return *ret ? 0 : -ENOMEM;
        }
        /* 32 hex digits, or a UUID with its dashes; the path uses lower case. */
        for (const char *p = id; *p; p++) {
                if (*p == '-')
                        continue;
                if (n >= 32 || !((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
                        return -EINVAL;
                hex[n++] = (char) (*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
        }
        if (n != 32)
                return -EINVAL;
        hex[n] = '\0';
        return asprintf(ret, SUBSCRIPTION_OBJECT_PREFIX "/%s", hex) < 0 ? -ENOMEM : 0;
}

int subscription_call_count(PtpsyncClient *c, const char *path, const char *method, unsigned *ret_count) {
        _cleanup_(message_unrefp) sd_bus_message *reply = NULL;
        uint32_t n;
        int r;

        r = client_call(c, path, SUBSCRIPTION_INTERFACE, method, &reply, "");
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "u", &n);
        if (r <= 0)
                return client_set_error(c, NULL, r < 0 ? r : -EBADMSG);
        if (ret_count)
                *ret_count = n;
        return 0;
}

int subscription_call_count_async(PtpsyncClient *c, const char *path, const char *method,
                                  ptpsync_count_handler_t handler, void *userdata, PtpsyncCall **ret_call) {
        return client_call_async(c, CALL_COUNT, (void *) handler, userdata, ret_call, path, SUBSCRIPTION_INTERFACE,
                                 method, "");
}

/*
 * GetDeadLetters gives at most DEAD_LETTERS_PAGE_MAX at a time: ask for the
 * next page from where the last ended until one comes short. Dead letters
 * added or redriven meanwhile shift the positions (a repeat or a miss); the
 * positions end at DeadLetterLimit, so this ends too.
 */
int subscription_get_dead_letters(PtpsyncClient *c, const char *path, PtpsyncEventList **ret) {
        _cleanup_(event_list_freep) PtpsyncEventList *l = NULL;
        size_t before;
        int r;

        do {
                _cleanup_(message_unrefp) sd_bus_message *reply = NULL;

                before = l ? l->n : 0;
                r = client_call(c, path, SUBSCRIPTION_INTERFACE, "GetDeadLetters", &reply, "uu", (uint32_t) before,
                                DEAD_LETTERS_PAGE_MAX);
                if (r < 0)
                        return r;
                r = dead_letter_list_read(reply, &l);
                if (r < 0)
                        return client_set_error(c, NULL, r);
        } while (l->n - before >= DEAD_LETTERS_PAGE_MAX);
        *ret = TAKE_PTR(l);
        return 0;
}

static int on_dead_letters_page(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

/* Asks for the page that starts where the list so far ends. */
static int dead_letters_page_send(PtpsyncCall *call) {
        return client_call_method(call->client, &call->slot, BUS_NAME, call->path, SUBSCRIPTION_INTERFACE,
                                  "GetDeadLetters", on_dead_letters_page, call, "uu",
                                  (uint32_t) (call->events ? call->events->n : 0), DEAD_LETTERS_PAGE_MAX);
}

/* A page: a full one asks for the next; a short one, or the first error, ends the call with one handler call. */
static int on_dead_letters_page(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(event_list_freep) PtpsyncEventList *events = NULL;
        PtpsyncCall *call = userdata;
        PtpsyncClient *c = call->client;
        ptpsync_events_handler_t handler = (ptpsync_events_handler_t) call->handler;
        void *data = call->userdata;
        size_t before = call->events ? call->events->n : 0;
        int r;

        if (sd_bus_message_is_method_error(m, NULL))
                r = client_set_error_from_message(c, m);
        else {
                r = dead_letter_list_read(m, &call->events);
                if (r >= 0 && call->events->n - before >= DEAD_LETTERS_PAGE_MAX) {
                        r = dead_letters_page_send(call);
                        if (r >= 0)
                                return 0;
                }
                if (r < 0)
                        r = client_set_error(c, NULL, r);
        }

        if (r >= 0)
                events = TAKE_PTR(call->events);
        call_free(call);
        CLIENT_DISPATCH(c, handler(c, r, events, data));
        return 0;
}

int subscription_get_dead_letters_async(PtpsyncClient *c, const char *path, ptpsync_events_handler_t handler,
                                        void *userdata, PtpsyncCall **ret_call) {
        PtpsyncCall *call;
        int r;

        assert_return(handler, -EINVAL);

        call = call_new(c, CALL_DEAD_LETTERS, (void *) handler, userdata);
        if (!call)
                return client_set_error(c, NULL, -ENOMEM);
        call->path = strdup(path);
        r = call->path ? dead_letters_page_send(call) : -ENOMEM;
        if (r < 0) {
                call_free(call);
                return client_set_error(c, NULL, r);
        }
        if (ret_call)
                *ret_call = call;
        return 0;
}

/* Runs f on the path of id; an id that is no subscription's is -EINVAL. */
#define WITH_PATH(c, id, expr)                                          \
        ({                                                              \
                _cleanup_free_ char *path = NULL;                       \
                int _r;                                                 \
                                                                        \
                assert_return(c, -EINVAL);                              \
                _r = subscription_id_to_path(id, &path);                \
                _r < 0 ? client_set_error(c, NULL, _r) : (expr);        \
        })

_public_ int ptpsync_client_cancel_subscription(PtpsyncClient *c, const char *id) {
        return WITH_PATH(c, id, client_call(c, path, SUBSCRIPTION_INTERFACE, "Cancel", NULL, ""));
}

_public_ int ptpsync_client_get_dead_letters(PtpsyncClient *c, const char *id, PtpsyncEventList **ret) {
        assert_return(ret, -EINVAL);
        return WITH_PATH(c, id, subscription_get_dead_letters(c, path, ret));
}

_public_ int ptpsync_client_redrive(PtpsyncClient *c, const char *id, unsigned *ret_count) {
        return WITH_PATH(c, id, subscription_call_count(c, path, "Redrive", ret_count));
}

_public_ int ptpsync_client_purge_dead_letters(PtpsyncClient *c, const char *id, unsigned *ret_count) {
        return WITH_PATH(c, id, subscription_call_count(c, path, "PurgeDeadLetters", ret_count));
}
