/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Method calls: each blocking call (sd_bus_call, never from a callback) has
 * an asynchronous twin whose reply is parsed here and handed to the user's
 * handler. GetCurrentState, ListResources, ListSubscriptions, and the
 * per-subscription GetDeadLetters, Redrive, PurgeDeadLetters and Cancel.
 * Reload, an administrator's call, is blocking only.
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
        r = sd_bus_call_methodv(c->bus, PTPSYNC_BUS_NAME, path, interface, method, &error, ret_reply, types, ap);
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
        uint32_t count = 0;
        int r = 0;

        call_free(call); /* its slot is the one running: sd-bus holds it until we return */

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

                r = sd_bus_message_new_method_call(c->bus, &m, PTPSYNC_BUS_NAME, path, interface, method);
                if (r >= 0)
                        r = sd_bus_message_appendv(m, types, ap);
                if (r >= 0)
                        r = sd_bus_call_async(c->bus, &call->slot, m, on_call_reply, call, 0);
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

_public_ int ptpsync_client_get_state(PtpsyncClient *c, const char *address, PtpsyncEventList **ret) {
        _cleanup_(message_unrefp) sd_bus_message *reply = NULL;
        int r;

        assert_return(c, -EINVAL);
        assert_return(address, -EINVAL);
        assert_return(ret, -EINVAL);

        r = client_call(c, MANAGER_PATH, MANAGER_INTERFACE, "GetCurrentState", &reply, "s", address);
        if (r < 0)
                return r;
        *ret = NULL;
        r = event_list_read(reply, ret);
        return r < 0 ? client_set_error(c, NULL, r) : 0;
}

_public_ int ptpsync_client_get_state_async(PtpsyncClient *c, const char *address, ptpsync_events_handler_t handler,
                                            void *userdata, PtpsyncCall **ret_call) {
        assert_return(c, -EINVAL);
        assert_return(address, -EINVAL);
        return client_call_async(c, CALL_EVENTS, (void *) handler, userdata, ret_call, MANAGER_PATH,
                                 MANAGER_INTERFACE, "GetCurrentState", "s", address);
}

_public_ int ptpsync_client_list_resources(PtpsyncClient *c, PtpsyncResourceList **ret) {
        _cleanup_(message_unrefp) sd_bus_message *reply = NULL;
        int r;

        assert_return(c, -EINVAL);
        assert_return(ret, -EINVAL);

        r = client_call(c, MANAGER_PATH, MANAGER_INTERFACE, "ListResources", &reply, "");
        if (r < 0)
                return r;
        r = resource_list_read(reply, ret);
        return r < 0 ? client_set_error(c, NULL, r) : 0;
}

_public_ int ptpsync_client_list_resources_async(PtpsyncClient *c, ptpsync_resources_handler_t handler,
                                                 void *userdata, PtpsyncCall **ret_call) {
        assert_return(c, -EINVAL);
        return client_call_async(c, CALL_RESOURCES, (void *) handler, userdata, ret_call, MANAGER_PATH,
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

        r = client_call(c, MANAGER_PATH, MANAGER_INTERFACE, "ListSubscriptions", &reply, "");
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

_public_ int ptpsync_client_reload(PtpsyncClient *c) {
        int r;

        assert_return(c, -EINVAL);
        r = client_call(c, MANAGER_PATH, MANAGER_INTERFACE, "Reload", NULL, "");
        return r < 0 ? r : 0;
}

/* ---- subscriptions by path ---- */

int subscription_id_to_path(const char *id, char **ret) {
        char hex[33];
        size_t n = 0;

        if (isempty(id))
                return -EINVAL;
        if (id[0] == '/') {
                if (strncmp(id, SUBSCRIPTION_PATH_PREFIX, strlen(SUBSCRIPTION_PATH_PREFIX)) != 0)
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
        return asprintf(ret, SUBSCRIPTION_PATH_PREFIX "%s", hex) < 0 ? -ENOMEM : 0;
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
                r = event_list_read(reply, &l);
                if (r < 0)
                        return client_set_error(c, NULL, r);
        } while (l->n - before >= DEAD_LETTERS_PAGE_MAX);
        *ret = TAKE_PTR(l);
        return 0;
}

static int on_dead_letters_page(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

/* Asks for the page that starts where the list so far ends. */
static int dead_letters_page_send(PtpsyncCall *call) {
        return sd_bus_call_method_async(call->client->bus, &call->slot, PTPSYNC_BUS_NAME, call->path,
                                        SUBSCRIPTION_INTERFACE, "GetDeadLetters", on_dead_letters_page, call, "uu",
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

        call->slot = sd_bus_slot_unref(call->slot); /* the one running: sd-bus holds it until we return */

        if (sd_bus_message_is_method_error(m, NULL))
                r = client_set_error_from_message(c, m);
        else {
                r = event_list_read(m, &call->events);
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
