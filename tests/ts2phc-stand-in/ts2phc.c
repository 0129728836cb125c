/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A stand-in for ts2phc in the tests: a real ts2phc cannot start without a PHC and a 1PPS input,
 * which the test machine does not have. What ptpsyncd watches is all it has of ts2phc's: the name
 * (its comm comes from this executable's file name, "ts2phc") and the command line, which it
 * ignores. It waits until a signal ends it, or its parent (the test) dies: a test that aborts
 * leaves none behind.
 */

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
        (void) argc;
        (void) argv;
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1)
                return 1;
        for (;;)
                pause();
}
