/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsyncctl watch and wait: events as they happen (broadcast or a durable
 * subscription), and waiting for an address to reach a state.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <systemd/sd-event.h>

#include "ptpsync.h"
#include "ptpsyncctl.h"
#include "common/quote.h"
#include "common/util.h"

/* ---- watch ---- */

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* With --initial: the highest seq the current state showed; what came before it is in that state. */
static uint64_t shown_up_to = 0;

static void on_watch_event(PtpsyncWatch *w, const PtpsyncEvent *e, void *userdata) {
        if (ptpsync_event_get_seq(e) > shown_up_to)
                print_event(e);
}

/* On stderr, so that stdout holds events only: from here on nothing is missed (for a watch: but what the bus drops). */
static void print_ready(const char *how, const char *address) {
        if (!arg_quiet)
                fprintf(stderr, "%s %s; SIGINT or SIGTERM stops.\n", how, address ?: "every resource");
}

static int on_subscription_event(PtpsyncSubscription *s, const PtpsyncEvent *e, void *userdata) {
        print_event(e);
        return PTPSYNC_ACK;
}

static sd_event *watch_loop = NULL;

static void on_subscription_state(PtpsyncSubscription *s, PtpsyncSubscriptionState state, int error,
                                       void *userdata) {
        int *status = userdata;

        if (state == PTPSYNC_SUBSCRIPTION_ACTIVE)
                print_ready(ptpsync_subscription_get_n_attached(s) > 1 ? "Re-attached, watching" : "Subscribed, watching",
                            ptpsync_subscription_get_address(s));
        else if (state == PTPSYNC_SUBSCRIPTION_DETACHED)
                log_error("ptpsyncd went away; the durable subscription %s waits for it.", QUOTE(arg_durable));
        else if (state == PTPSYNC_SUBSCRIPTION_ENDED) {
                if (error < 0)
                        *status = client_failed("The subscription ended", error);
                else
                        log_error("The subscription was cancelled.");
                sd_event_exit(watch_loop, 0);
        }
}

int verb_watch(char **args) {
        _cleanup_free_ char *address = NULL, *prefix = NULL;
        PtpsyncSubscribeOptions *o = NULL;
        PtpsyncSubscription *s = NULL;
        PtpsyncWatch *w = NULL;
        PtpsyncEventList *l = NULL;
        PtpsyncResourceList *list = NULL;
        sigset_t mask;
        int r, status = EXIT_OK;

        if (args[1]) {
                r = resolve_address(args[1], &address);
                if (r != 0)
                        return r;
                /* Check the filter now: no such resource is an error, no data yet is fine. */
                r = ptpsync_client_get_state(client, address, &l);
                ptpsync_event_list_free(l);
                if (r < 0 && r != -ENODATA)
                        return client_failed(QUOTE(address), r);
        } else {
                /* Is the daemon there at all? */
                r = ptpsync_client_list_resources(client, &list);
                ptpsync_resource_list_free(list);
                if (r < 0)
                        return client_failed("Failed to reach ptpsyncd", r);
                /* A subscription needs an address: everything is the node's prefix, as a watch without one. */
                if (arg_durable) {
                        _cleanup_free_ char *node = NULL;

                        r = get_node_name(&node);
                        if (r != 0)
                                return r;
                        if (asprintf(&address, "/cluster/node/%s/", node) < 0)
                                return EXIT_FAIL;
                }
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        r = sd_event_new(&watch_loop);
        if (r < 0)
                goto fail;
        if ((r = sd_event_add_signal(watch_loop, NULL, SIGINT, on_signal, NULL)) < 0 ||
            (r = sd_event_add_signal(watch_loop, NULL, SIGTERM, on_signal, NULL)) < 0 ||
            (r = ptpsync_client_attach_event(client, watch_loop, 0)) < 0)
                goto fail;

        if (arg_durable) {
                if ((r = ptpsync_subscribe_options_new(&o)) < 0 ||
                    (r = ptpsync_subscribe_options_set_name(o, arg_durable)) < 0 ||
                    (arg_initial && (r = ptpsync_subscribe_options_set_initial_state(o, true)) < 0))
                        goto fail;
                r = ptpsync_client_subscribe(client, address, o, on_subscription_event, &status, &s);
                ptpsync_subscribe_options_free(o);
                if (r < 0) {
                        status = client_failed("Failed to subscribe", r);
                        goto finish;
                }
                ptpsync_subscription_set_state_handler(s, on_subscription_state);
        } else {
                r = ptpsync_client_watch(client, address, on_watch_event, NULL, &w);
                if (r < 0) {
                        status = client_failed("Failed to watch", r);
                        goto finish;
                }
                /*
                 * Answered after the bus has taken the watch's match, which went out first: from this
                 * reply on no event is missed, and those queued meanwhile are older than the state.
                 */
                if (!address) {
                        _cleanup_free_ char *node = NULL;

                        r = get_node_name(&node);
                        if (r != 0) {
                                status = r;
                                goto finish;
                        }
                        if (asprintf(&prefix, "/cluster/node/%s/", node) < 0) {
                                r = -ENOMEM;
                                goto fail;
                        }
                }
                r = ptpsync_client_get_state(client, address ?: prefix, &l);
                if (r < 0 && r != -ENODATA) {
                        status = client_failed("Failed to watch", r);
                        goto finish;
                }
                for (size_t i = 0; arg_initial && r >= 0 && i < ptpsync_event_list_get_n(l); i++) {
                        const PtpsyncEvent *e = ptpsync_event_list_get(l, i);

                        print_event(e);
                        shown_up_to = MAX(shown_up_to, ptpsync_event_get_seq(e));
                }
                ptpsync_event_list_free(l);
                l = NULL;
                fflush(stdout);
                print_ready("Watching", address);
        }
        r = sd_event_loop(watch_loop);
        if (r < 0)
                goto fail;
        goto finish;
fail:
        log_error("Failed to watch: %s", strerror(-r));
        status = EXIT_FAIL;
finish:
        ptpsync_watch_free(w);
        ptpsync_subscription_free(s);
        if (watch_loop)
                ptpsync_client_detach_event(client);
        watch_loop = sd_event_unref(watch_loop);
        return status;
}

/* ---- wait ---- */

/* The address as ptpsyncd names it, once the node name is known; else as given. */
static char *wait_display_address(const char *address) {
        const char *node = ptpsync_client_get_node_name(client);
        char *full = NULL;

        if (address[0] == '/' || !node)
                return strdup(address);
        if (asprintf(&full, "/cluster/node/%s/%s", node, address) < 0)
                return NULL;
        return full;
}

/*
 * A relative address (and the node's sync-state, the default) goes to the library as it is: the
 * library resolves it against the node name once the daemon is there, so that wait waits for the
 * daemon whatever the address; --timeout=0 checks once, now, and no daemon is "not reached".
 */
/* wait's result with --json: {"address":..., "state":..., "reached":...}. */
static void print_wait_json(const char *address, bool reached) {
        json_begin_object();
        json_member_string("address", address);
        json_member_string("state", arg_state);
        json_member_bool("reached", reached);
        json_end_object();
        json_end_document();
}

int verb_wait(char **args) {
        _cleanup_free_ char *address = NULL;
        const char *given = args[1] ?: SYNC_STATE_SUFFIX;
        uint64_t start = now_usec(CLOCK_MONOTONIC);
        /* A span of centuries is as good as infinity, and must not wrap. */
        uint64_t deadline = arg_timeout >= UINT64_MAX - start ? UINT64_MAX : start + arg_timeout;
        _cleanup_free_ char *checked = NULL;
        int r;

        /* Which states the resource can have does not depend on the node: any name will do here. */
        if (given[0] != '/' && asprintf(&checked, "/cluster/node/n/%s", given) < 0)
                return EXIT_FAIL;
        r = check_state_for_address(checked ?: given, given, arg_state, given[0] != '/');
        if (r != 0)
                return r;

        if (deadline == UINT64_MAX)
                r = ptpsync_client_wait_for_state(client, given, arg_state, UINT64_MAX);
        else {
                uint64_t now = now_usec(CLOCK_MONOTONIC);
                r = ptpsync_client_wait_for_state(client, given, arg_state, deadline > now ? deadline - now : 0);
        }
        address = wait_display_address(given);
        if (!address)
                return EXIT_FAIL;
        if (r == -ETIMEDOUT)
                goto timeout;
        if (r < 0)
                return client_failed(QUOTE(address), r);
        if (arg_json)
                print_wait_json(address, true);
        return EXIT_OK;

timeout:
        if (arg_json)
                print_wait_json(address, false);
        log_error("Timed out waiting for %s to be %s.", QUOTE(address), arg_state);
        return EXIT_TIMEOUT;
}
