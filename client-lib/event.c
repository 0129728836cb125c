/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Events as the daemon sends them, (t seq, s id, s type, s source, x time,
 * a(ssss) values), copied out of their message into immutable, reference
 * counted objects, and the lists of them that calls return.
 */

#include "ptpsync-internal.h"

static void value_done(PtpsyncValue *v) {
        free(v->address);
        free(v->data_type);
        free(v->value_type);
        free(v->value);
}

_public_ PtpsyncEvent *ptpsync_event_ref(PtpsyncEvent *e) {
        if (e)
                e->n_ref++;
        return e;
}

_public_ PtpsyncEvent *ptpsync_event_unref(PtpsyncEvent *e) {
        if (!e || --e->n_ref > 0)
                return NULL;
        for (size_t i = 0; i < e->n_values; i++)
                value_done(&e->values[i]);
        free(e->values);
        free(e->id);
        free(e->type);
        free(e->source);
        free(e->dead_letter_reason);
        free(e);
        return NULL;
}

static inline void event_unrefp(PtpsyncEvent **e) {
        ptpsync_event_unref(*e);
}

static int read_value(sd_bus_message *m, PtpsyncEvent *e) {
        const char *a, *dt, *vt, *v;
        PtpsyncValue *values, *x;
        int r;

        r = sd_bus_message_read(m, "(ssss)", &a, &dt, &vt, &v);
        if (r <= 0)
                return r;
        values = reallocarray(e->values, e->n_values + 1, sizeof(PtpsyncValue));
        if (!values)
                return -ENOMEM;
        e->values = values;
        x = &e->values[e->n_values];
        *x = (PtpsyncValue) {
                .address = strdup(a),
                .data_type = strdup(dt),
                .value_type = strdup(vt),
                .value = strdup(v),
        };
        e->n_values++;
        if (!x->address || !x->data_type || !x->value_type || !x->value)
                return -ENOMEM;
        return 1;
}

int event_read(sd_bus_message *m, PtpsyncEvent **ret) {
        _cleanup_(event_unrefp) PtpsyncEvent *e = NULL;
        const char *id, *type, *source;
        int r;

        e = calloc(1, sizeof(PtpsyncEvent));
        if (!e)
                return -ENOMEM;
        e->n_ref = 1;
        r = sd_bus_message_read(m, "tsssx", &e->seq, &id, &type, &source, &e->time);
        if (r < 0)
                return r;
        if (r == 0)
                return -EBADMSG;
        e->id = strdup(id);
        e->type = strdup(type);
        e->source = strdup(source);
        if (!e->id || !e->type || !e->source)
                return -ENOMEM;

        r = sd_bus_message_enter_container(m, 'a', "(ssss)");
        if (r < 0)
                return r;
        do {
                r = read_value(m, e);
                if (r < 0)
                        return r;
        } while (r > 0);
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(e);
        return 0;
}

_public_ uint64_t ptpsync_event_get_seq(const PtpsyncEvent *e) {
        assert_return(e, 0);
        return e->seq;
}

_public_ const char *ptpsync_event_get_id(const PtpsyncEvent *e) {
        assert_return(e, NULL);
        return e->id;
}

_public_ const char *ptpsync_event_get_type(const PtpsyncEvent *e) {
        assert_return(e, NULL);
        return e->type;
}

_public_ const char *ptpsync_event_get_source(const PtpsyncEvent *e) {
        assert_return(e, NULL);
        return e->source;
}

_public_ int64_t ptpsync_event_get_time(const PtpsyncEvent *e) {
        assert_return(e, 0);
        return e->time;
}

_public_ unsigned ptpsync_event_get_attempt(const PtpsyncEvent *e) {
        assert_return(e, 0);
        return e->attempt;
}

_public_ const char *ptpsync_event_get_dead_letter_reason(const PtpsyncEvent *e) {
        assert_return(e, NULL);
        return e->dead_letter_reason;
}

_public_ size_t ptpsync_event_get_n_values(const PtpsyncEvent *e) {
        assert_return(e, 0);
        return e->n_values;
}

_public_ int ptpsync_event_get_value(const PtpsyncEvent *e, size_t i, const char **ret_address,
                                     const char **ret_data_type, const char **ret_value_type,
                                     const char **ret_value) {
        const PtpsyncValue *v;

        assert_return(e, -EINVAL);
        assert_return(i < e->n_values, -ERANGE);

        v = &e->values[i];
        if (ret_address)
                *ret_address = v->address;
        if (ret_data_type)
                *ret_data_type = v->data_type;
        if (ret_value_type)
                *ret_value_type = v->value_type;
        if (ret_value)
                *ret_value = v->value;
        return 0;
}

_public_ const char *ptpsync_event_get_state(const PtpsyncEvent *e) {
        assert_return(e, NULL);
        for (size_t i = 0; i < e->n_values; i++)
                if (streq(e->values[i].data_type, "notification"))
                        return e->values[i].value;
        return NULL;
}

/* ---- lists ---- */

_public_ size_t ptpsync_event_list_get_n(const PtpsyncEventList *l) {
        assert_return(l, 0);
        return l->n;
}

_public_ PtpsyncEvent *ptpsync_event_list_get(const PtpsyncEventList *l, size_t i) {
        assert_return(l, NULL);
        assert_return(i < l->n, NULL);
        return l->events[i];
}

_public_ PtpsyncEventList *ptpsync_event_list_free(PtpsyncEventList *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n; i++)
                ptpsync_event_unref(l->events[i]);
        free(l->events);
        free(l);
        return NULL;
}

/* An a(tsssxa(ssss)), or with dead letters' reasons a(tsssxa(ssss)s). */
static int list_read(sd_bus_message *m, PtpsyncEventList **list, bool dead_letters) {
        _cleanup_(event_list_freep) PtpsyncEventList *created = NULL;
        PtpsyncEventList *l = *list;
        int r;

        if (!l) {
                l = created = calloc(1, sizeof(PtpsyncEventList));
                if (!l)
                        return -ENOMEM;
        }
        r = sd_bus_message_enter_container(m, 'a', dead_letters ? DEAD_LETTER_SIGNATURE : EVENT_SIGNATURE);
        if (r < 0)
                return r;
        for (;;) {
                PtpsyncEvent **events, *e;
                const char *reason;

                r = sd_bus_message_enter_container(m, 'r', dead_letters ? DEAD_LETTER_SIGNATURE_FIELDS
                                                                        : EVENT_SIGNATURE_FIELDS);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = event_read(m, &e);
                if (r < 0)
                        return r;
                if (dead_letters) {
                        r = sd_bus_message_read(m, "s", &reason);
                        if (r >= 0 && !(e->dead_letter_reason = strdup(reason)))
                                r = -ENOMEM;
                        if (r < 0) {
                                ptpsync_event_unref(e);
                                return r;
                        }
                }
                events = reallocarray(l->events, l->n + 1, sizeof(PtpsyncEvent *));
                if (!events) {
                        ptpsync_event_unref(e);
                        return -ENOMEM;
                }
                l->events = events;
                l->events[l->n++] = e;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        if (created)
                *list = TAKE_PTR(created);
        return 0;
}

int event_list_read(sd_bus_message *m, PtpsyncEventList **list) {
        return list_read(m, list, false);
}

int dead_letter_list_read(sd_bus_message *m, PtpsyncEventList **list) {
        return list_read(m, list, true);
}

_public_ char **ptpsync_strv_free(char **l) {
        if (!l)
                return NULL;
        for (char **s = l; *s; s++)
                free(*s);
        free(l);
        return NULL;
}
