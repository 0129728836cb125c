/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsyncctl subscriptions, dead-letters, redrive, purge and cancel: the
 * subscriptions (from their properties) and their dead letters.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptpsync.h"
#include "ptpsyncctl.h"
#include "common/quote.h"
#include "common/util.h"

/* ---- subscriptions ---- */

typedef struct SubInfo {
        char *path, *id, *name, *owner, *address;
        uint32_t uid, pending, in_flight;
        uint64_t delivered, dead_lettered;
} SubInfo;

static int read_subscription(const char *path, SubInfo *s) {
        int r;

        s->path = strdup(path);
        if ((r = get_string_prop(path, SUBSCRIPTION_INTERFACE, "Id", &s->id)) != 0 ||
            (r = get_private_string_prop(path, SUBSCRIPTION_INTERFACE, "Name", &s->name)) != 0 ||
            (r = get_string_prop(path, SUBSCRIPTION_INTERFACE, "Owner", &s->owner)) != 0 ||
            (r = get_string_prop(path, SUBSCRIPTION_INTERFACE, "Address", &s->address)) != 0 ||
            (r = get_trivial_prop(path, SUBSCRIPTION_INTERFACE, "UID", 'u', &s->uid)) != 0 ||
            (r = get_trivial_prop(path, SUBSCRIPTION_INTERFACE, "Pending", 'u', &s->pending)) != 0 ||
            (r = get_trivial_prop(path, SUBSCRIPTION_INTERFACE, "InFlight", 'u', &s->in_flight)) != 0 ||
            (r = get_trivial_prop(path, SUBSCRIPTION_INTERFACE, "Delivered", 't', &s->delivered)) != 0 ||
            (r = get_trivial_prop(path, SUBSCRIPTION_INTERFACE, "DeadLettered", 't', &s->dead_lettered)) != 0)
                return r;
        return 0;
}

static void sub_info_clear(SubInfo *s) {
        free(s->path);
        free(s->id);
        free(s->name);
        free(s->owner);
        free(s->address);
}

int verb_subscriptions(char **args) {
        char **paths = NULL;
        SubInfo *subs = NULL;
        size_t n = 0, wn = strlen("NAME"), wa = strlen("ADDRESS");
        int r;

        r = ptpsync_client_list_subscriptions(client, &paths);
        if (r < 0)
                return client_failed("Failed to list subscriptions", r);
        if ((r = connect_raw()) != 0)
                goto finish;
        while (paths[n])
                n++;
        subs = calloc(n ?: 1, sizeof(SubInfo));
        if (!subs) {
                r = EXIT_FAIL;
                goto finish;
        }
        for (size_t i = 0; i < n; i++) {
                r = read_subscription(paths[i], &subs[i]);
                if (r != 0)
                        goto finish;
                wn = MAX(wn, strlen(subs[i].name ?: "?"));
                wa = MAX(wa, strlen(subs[i].address));
        }
        if (!arg_json && arg_legend)
                printf("%-32s %-*s %-*s %-6s %-8s %7s %8s %9s %4s\n", "ID", (int) wn, "NAME", (int) wa, "ADDRESS",
                       "UID", "OWNER", "PENDING", "INFLIGHT", "DELIVERED", "DEAD");
        for (size_t i = 0; i < n; i++) {
                SubInfo *s = &subs[i];
                const char *hex = strrchr(s->path, '/') + 1;
                if (arg_json) {
                        json_begin_object();
                        json_member_string("id", s->id);
                        json_member_string("object_path", s->path);
                        json_key("name");
                        if (s->name)
                                json_string(s->name);
                        else
                                json_null(); /* another user's: not ours to read */
                        json_member_string("address", s->address);
                        json_member_uint("uid", s->uid);
                        json_member_string("owner", s->owner);
                        json_member_uint("pending", s->pending);
                        json_member_uint("in_flight", s->in_flight);
                        json_member_uint("delivered", s->delivered);
                        json_member_uint("dead_lettered", s->dead_lettered);
                        json_end_object();
                        json_end_document();
                } else
                        printf("%-32s %-*s %-*s %-6" PRIu32 " %-8s %7" PRIu32 " %8" PRIu32 " %9" PRIu64
                               " %4" PRIu64 "\n",
                               hex, (int) wn, !s->name ? "?" : isempty(s->name) ? "-" : s->name, (int) wa,
                               s->address, s->uid,
                               isempty(s->owner) ? "-" : s->owner, s->pending, s->in_flight, s->delivered,
                               s->dead_lettered);
        }
        if (!arg_json && arg_legend)
                printf("\n%zu subscription%s listed.\n", n, n == 1 ? "" : "s");
        r = 0;
finish:
        for (size_t i = 0; subs && i < n; i++)
                sub_info_clear(&subs[i]);
        free(subs);
        ptpsync_strv_free(paths);
        return r;
}

int verb_dead_letters(char **args) {
        PtpsyncEventList *l = NULL;
        int r;

        r = ptpsync_client_get_dead_letters(client, args[1], &l);
        if (r < 0)
                return client_failed(QUOTE(args[1]), r);
        print_event_list(l);
        if (!arg_json && arg_legend)
                printf("\n%zu dead letter%s.\n", ptpsync_event_list_get_n(l), ptpsync_event_list_get_n(l) == 1 ? "" : "s");
        ptpsync_event_list_free(l);
        return 0;
}

int verb_redrive_or_purge(char **args) {
        bool redrive = streq(args[0], "redrive");
        unsigned count = 0;
        int r;

        r = redrive ? ptpsync_client_redrive(client, args[1], &count)
                    : ptpsync_client_purge_dead_letters(client, args[1], &count);
        if (r < 0)
                return client_failed(QUOTE(args[1]), r);
        if (arg_json) {
                json_begin_object();
                json_member_uint(redrive ? "redriven" : "purged", count);
                json_end_object();
                json_end_document();
        } else if (!arg_quiet)
                printf("%s %u dead letter%s.\n", redrive ? "Requeued" : "Dropped", count, count == 1 ? "" : "s");
        return 0;
}

int verb_cancel(char **args) {
        int r = ptpsync_client_cancel_subscription(client, args[1]);
        if (r < 0)
                return client_failed(QUOTE(args[1]), r);
        return 0;
}
