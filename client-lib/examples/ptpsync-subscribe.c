/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-subscribe: a subscriber that prints each event and acknowledges it.
 *
 *   ptpsync-subscribe [--bus=ADDRESS] [--durable=NAME] [FILTER]
 *
 * FILTER is an address or prefix, relative to the daemon's node ("sync", the
 * default) or absolute ("/cluster/node/du1/sync"). --durable=NAME survives
 * this program and the daemon: start it again with the same NAME and it gets
 * what happened meanwhile. Without it, a subscription the daemon refuses or
 * ends (it is not running, or goes away) ends the program with status 1.
 */
#include <errno.h>
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

/* ENDED with an error: the daemon refused the subscription (the D-Bus error says why) or left. */
static void on_state(PtpsyncSubscription *s, PtpsyncSubscriptionState state, int error,
                     void *userdata) {
        static const char *const names[] = { "pending", "active", "detached", "ended" };
        PtpsyncClient *c = ptpsync_subscription_get_client(s);

        printf("subscription %s: %s\n", ptpsync_subscription_get_object_path(s) ?: "-",
               names[state]);
        fflush(stdout);
        if (state != PTPSYNC_SUBSCRIPTION_ENDED)
                return;
        if (error == -ECONNRESET)
                fprintf(stderr, "ptpsync-subscribe: the daemon (or the bus) went away\n");
        else if (error < 0)
                fprintf(stderr, "ptpsync-subscribe: the subscription failed: %s: %s\n",
                        ptpsync_client_last_error_name(c), ptpsync_client_last_error_message(c));
        sd_event_exit(userdata, error < 0 ? 1 : 0);
}

static int usage(const char *program, const char *what, const char *arg) {
        fprintf(stderr, "ptpsync-subscribe: %s: \"%s\"\n", what, arg);
        fprintf(stderr, "Usage: %s [--bus=ADDRESS] [--durable=NAME] [FILTER]\n", program);
        return 2;
}

int main(int argc, char *argv[]) {
        const char *bus = NULL, *name = NULL, *filter = "sync";
        PtpsyncSubscribeOptions *o = NULL;
        PtpsyncSubscription *s = NULL;
        PtpsyncClient *c = NULL;
        sd_event *e = NULL;
        sigset_t mask;
        int i, r;

        for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++)
                if (strncmp(argv[i], "--bus=", 6) == 0 && argv[i][6])
                        bus = argv[i] + 6;
                else if (strncmp(argv[i], "--durable=", 10) == 0 && argv[i][10])
                        name = argv[i] + 10;
                else
                        return usage(argv[0], "unknown option, or no value", argv[i]);
        if (argc - i > 1)
                return usage(argv[0], "more than one FILTER", argv[i + 1]);
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
                r = ptpsync_client_new(&c, bus); /* NULL: the system bus */
        if (r >= 0)
                r = ptpsync_client_attach_event(c, e, 0);
        if (r >= 0)
                r = ptpsync_subscribe_options_new(&o);
        if (r >= 0 && name)
                r = ptpsync_subscribe_options_set_name(o, name);
        if (r >= 0)
                r = ptpsync_client_subscribe(c, filter, o, on_event, e, &s);
        if (r >= 0) {
                /* Set before the daemon can answer: the answer comes from the loop. */
                ptpsync_subscription_set_state_handler(s, on_state);
                r = sd_event_loop(e);
        } else if (c && ptpsync_client_last_error_message(c)) /* a bad FILTER, say */
                fprintf(stderr, "ptpsync-subscribe: %s\n", ptpsync_client_last_error_message(c));
        else
                fprintf(stderr, "ptpsync-subscribe: %s\n", strerror(-r));

        ptpsync_subscription_free(s);
        ptpsync_subscribe_options_free(o);
        ptpsync_client_free(c);
        sd_event_unref(e);
        return r == 0 ? 0 : 1;
}
