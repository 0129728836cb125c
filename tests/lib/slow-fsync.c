/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A slow disk, for tests: a mock, since no disk here is slow on demand. Loaded
 * into ptpsyncd with LD_PRELOAD, it makes every fsync() and fdatasync() take
 * $PTPSYNC_TEST_SLOW_FSYNC_USEC longer (and counts them in
 * $PTPSYNC_TEST_SLOW_FSYNC_COUNT, a file it appends one byte to per call), so
 * that a test can tell whether anything waits for the disk that must not.
 */

#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int fsync(int fd);
int fdatasync(int fd);

static void slow_down(void) {
        const char *usec = getenv("PTPSYNC_TEST_SLOW_FSYNC_USEC");
        const char *count = getenv("PTPSYNC_TEST_SLOW_FSYNC_COUNT");
        uint64_t n = usec ? strtoull(usec, NULL, 10) : 0;
        struct timespec ts = { .tv_sec = (time_t) (n / 1000000), .tv_nsec = (long) (n % 1000000) * 1000 };

        if (count) {
                int fd = open(count, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

                if (fd >= 0) {
                        (void) !write(fd, "s", 1);
                        close(fd);
                }
        }
        while (n > 0 && nanosleep(&ts, &ts) < 0)
                ;
}

int fsync(int fd) {
        int (*real)(int) = (int (*)(int)) dlsym(RTLD_NEXT, "fsync");

        slow_down();
        return real(fd);
}

int fdatasync(int fd) {
        int (*real)(int) = (int (*)(int)) dlsym(RTLD_NEXT, "fdatasync");

        slow_down();
        return real(fd);
}
