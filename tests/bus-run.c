/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-run --config-file=FILE --dir=DIR: dbus-broker on a busconfig of the
 * caller's (tests/test-packaging.sh checks the shipped policy with it), as
 * the harness runs it (tests/lib/bus-broker.c), listening at DIR/bus.sock.
 * Prints the address once the bus is up, as dbus-daemon --print-address
 * does, and runs until SIGTERM or SIGINT, then stops the bus; exit status 1
 * if the bus did not start or went away.
 */

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "child-io.h"

#define START_TIMEOUT_USEC (20 * G_USEC_PER_SEC)

int main(int argc, char *argv[]) {
        g_autoptr(GError) error = NULL;
        g_autofree char *config = NULL, *dir = NULL, *address = NULL;
        const GOptionEntry options[] = {
                { "config-file", 0, 0, G_OPTION_ARG_FILENAME, &config, "The busconfig", "FILE" },
                { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, "Where the socket and the journal sink go", "DIR" },
                {},
        };
        g_autoptr(GOptionContext) context = g_option_context_new("- dbus-broker on a busconfig, for tests");
        sigset_t mask;
        GPid pid = 0;
        int sig, status;

        g_option_context_add_main_entries(context, options, NULL);
        if (!g_option_context_parse(context, &argc, &argv, &error) || !config || !dir || argc > 1) {
                fprintf(stderr, "bus-run: %s\n", error ? error->message : "--config-file= and --dir= are needed");
                return 2;
        }
        /* Blocked before the bus starts: a SIGTERM meanwhile is taken by sigwait(). */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        address = g_strconcat("unix:path=", dir, "/bus.sock", NULL);
        if (!broker_bus_spawn(dir, config, address, -1, START_TIMEOUT_USEC, &pid, &error)) {
                fprintf(stderr, "bus-run: %s\n", error->message);
                if (pid > 0) {
                        kill(pid, SIGTERM);
                        (void) child_reap(pid, &status, START_TIMEOUT_USEC);
                }
                return 1;
        }
        printf("%s\n", address);
        fflush(stdout);
        (void) sigwait(&mask, &sig);
        if (sig == SIGCHLD) {
                fprintf(stderr, "bus-run: dbus-broker went away\n");
                return 1;
        }
        kill(pid, SIGTERM);
        return child_reap(pid, &status, START_TIMEOUT_USEC) > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0
                       ? 0 : 1;
}
