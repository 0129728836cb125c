/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsyncctl: what its files share. The options (arg_*), the two
 * connections, the exit statuses, the helpers of ptpsyncctl.c (log_error()),
 * cli-bus.c (connecting, errors, properties), cli-json.c (JSON) and
 * cli-output.c (values, times, events), and the verbs that ptpsyncctl.c dispatches to.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-bus.h>

#include "common/bus-names.h"
#include "common/util.h"
#include "ptpsync.h"

#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif

/* Exit statuses (documented in --help and README.md). */
enum {
        EXIT_OK = 0,
        EXIT_FAIL = 1,
        EXIT_USAGE = 2,
        EXIT_NO_DAEMON = 3,
        EXIT_ACCESS_DENIED = 4,
        EXIT_NO_SUCH = 5,
        EXIT_TIMEOUT = 6,
};

#define SYNC_STATE_SUFFIX "sync/sync-status/sync-state"

/* The options (ptpsyncctl.c). */
extern const char *arg_bus; /* NULL: the system bus */
/* --json=MODE; JSON_OFF is 0, so "if (arg_json)" asks whether JSON is printed. */
typedef enum JsonMode {
        JSON_OFF = 0,
        JSON_SHORT,  /* a document on one line */
        JSON_PRETTY, /* indented, on several lines */
} JsonMode;
extern JsonMode arg_json;
extern bool arg_legend;
extern const char *arg_durable;
extern bool arg_initial;
extern bool arg_quiet;
extern char **arg_properties; /* show -p, NULL-terminated; NULL: all */
extern bool arg_value;
extern const char *arg_state;
extern uint64_t arg_timeout;
extern bool use_color;

/* The connections (cli-bus.c). */
extern PtpsyncClient *client; /* the libptpsync connection */
extern sd_bus *raw_bus;       /* for properties and Inject */

/* ptpsyncctl.c */
_printf_(1, 2) void log_error(const char *fmt, ...);

/* cli-bus.c */
int client_failed(const char *what, int r);
int bus_failed(const char *what, int r, const sd_bus_error *error);
int connect_client(void);
int connect_raw(void);
int get_node_name(char **ret);
int resolve_address(const char *address, char **ret);
int get_string_prop(const char *path, const char *iface, const char *name, char **ret);
int get_private_string_prop(const char *path, const char *iface, const char *name, char **ret);
int get_trivial_prop(const char *path, const char *iface, const char *name, char type, void *ret);
/* An "as" property; *ret may be NULL for an empty one (free each string and the array). */
int get_strv_prop(const char *path, const char *iface, const char *name, char ***ret);

/* cli-states.c: the states a resource can have. */
bool state_is_valid(const char *state); /* of some resource */
const char *state_valid_help(void);
/*
 * 0, or EXIT_USAGE (said why, naming shown) if a resource address covers can never be in state. this_node:
 * the address is known to be the node's (relative, or the default), so a prefix covers its resources.
 */
int check_state_for_address(const char *address, const char *shown, const char *state, bool this_node);

/* cli-json.c: JSON on stdout in the mode of arg_json, a document at a time. */
int json_mode_from_string(const char *s, JsonMode *ret); /* NULL: short; -EINVAL if none */
void json_begin_object(void);
void json_end_object(void);
void json_begin_array(void);
void json_end_array(void);
void json_key(const char *name); /* the next value is its */
void json_string(const char *s); /* NULL as "" */
void json_uint(uint64_t u);
void json_int(int64_t i);
void json_number(const char *decimal); /* a number's text, as it is */
void json_bool(bool b);
void json_null(void);
void json_member_string(const char *key, const char *s);
void json_member_uint(const char *key, uint64_t u);
void json_member_int(const char *key, int64_t i);
void json_member_bool(const char *key, bool b);
void json_end_document(void); /* the newline after it, flushed */

/* cli-output.c */
void print_value(const char *s, int width);
void format_rfc3339(char *buf, size_t size, int64_t usec);
void format_local(char *buf, size_t size, uint64_t usec);
size_t node_prefix_len(const char *source);
void print_event(const PtpsyncEvent *e);
void print_event_list(const PtpsyncEventList *l);

/* The verbs: args[0] is the verb, its arguments follow, NULL-terminated. */
int verb_status(char **args);        /* verb-status.c */
int verb_list(char **args);
int verb_get(char **args);
int verb_watch(char **args);         /* verb-watch.c */
int verb_wait(char **args);
int verb_subscriptions(char **args); /* verb-subscriptions.c */
int verb_dead_letters(char **args);
int verb_redrive_or_purge(char **args);
int verb_cancel(char **args);
int verb_reload(char **args);        /* verb-admin.c */
int verb_inject(char **args);
int verb_show(char **args);          /* verb-show.c */
/* show -p: whether name is a property it shows; their names, for messages. */
bool show_property_is_valid(const char *name);
const char *show_property_names(void);
