/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-subscribe: a durable subscriber that prints each event and acks it.
 *
 *   ptpsync-subscribe [--bus=ADDRESS] NAME [FILTER]
 *
 * NAME makes the subscription durable: stop this program, start it again with
 * the same NAME, and it gets what happened meanwhile; a daemon restart is
 * followed on its own. FILTER is an address or prefix (default: everything).
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ptpsync.h>

static int on_event(PtpsyncSubscription *s, const PtpsyncEvent *e, void *userdata) {
        const char *address, *value;

        printf("%" PRIu64 " %s", ptpsync_event_get_seq(e), ptpsync_event_get_source(e));
        for (size_t i = 0; i < ptpsync_event_get_n_values(e); i++)
                if (ptpsync_event_get_value(e, i, &address, NULL, NULL, &value) == 0)
                        printf(" %s=%s", address, value);
        printf(" (attempt %u)\n", ptpsync_event_get_attempt(e));
        fflush(stdout);
        return PTPSYNC_ACK;
}

static void on_state(PtpsyncSubscription *s, PtpsyncSubscriptionState state, int error, void *userdata) {
        static const char *const names[] = { "pending", "active", "detached", "ended" };
        PtpsyncClient *c = ptpsync_subscription_get_client(s);

        printf("subscription %s: %s\n", ptpsync_subscription_get_object_path(s) ?: "-", names[state]);
        fflush(stdout);
        if (state == PTPSYNC_SUBSCRIPTION_ENDED) {
                if (error < 0)
                        fprintf(stderr, "ptpsync-subscribe: %s: %s\n", ptpsync_client_last_error_name(c),
                                ptpsync_client_last_error_message(c));
                sd_event_exit(userdata, error < 0 ? 1 : 0);
        }
}

int main(int argc, char *argv[]) {
        const char *bus = NULL, *name, *filter = "/cluster/node/";
        PtpsyncSubscribeOptions *o = NULL;
        PtpsyncSubscription *s = NULL;
        PtpsyncClient *c = NULL;
        sd_event *e = NULL;
        sigset_t mask;
        int i = 1, r;

        if (i < argc && strncmp(argv[i], "--bus=", 6) == 0)
                bus = argv[i++] + 6;
        if (i >= argc || argc - i > 2) {
                fprintf(stderr, "Usage: %s [--bus=ADDRESS] NAME [FILTER]\n", argv[0]);
                return 2;
        }
        name = argv[i++];
        if (i < argc)
                filter = argv[i];

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, NULL); /* for sd_event_add_signal() */
        r = sd_event_default(&e);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = ptpsync_client_new(&c, bus);
        if (r >= 0)
                r = ptpsync_client_attach_event(c, e, 0);
        if (r >= 0)
                r = ptpsync_subscribe_options_new(&o);
        if (r >= 0)
                r = ptpsync_subscribe_options_set_name(o, name);
        if (r >= 0)
                r = ptpsync_client_subscribe(c, filter, o, on_event, e, &s);
        if (r >= 0) {
                ptpsync_subscription_set_state_handler(s, on_state);
                r = sd_event_loop(e);
        } else
                fprintf(stderr, "ptpsync-subscribe: %s\n", strerror(-r));

        ptpsync_subscription_free(s);
        ptpsync_subscribe_options_free(o);
        ptpsync_client_free(c);
        sd_event_unref(e);
        return r == 0 ? 0 : 1;
}
