/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>

#include "gpsd-feeder.h"
#include "nmea-writer.h"
#include "ubx-writer.h"
#include "common/util.h"

struct GpsdFeeder {
        char *dir;
        char *gpsd;
        int master, slave;
        char *pts;
        uint16_t port;
        pid_t pid;
        atomic_int phase;
        atomic_uint ubx_fix, ubx_tacc, ubx_antenna;
        atomic_bool stop;
        GThread *thread;
        bool as_user; /* run gpsd as uid/gid, not as root */
        uid_t uid;
        gid_t gid;
};

/*
 * gpsd must die with the test, also with one that failed and never got to kill it: hence
 * PR_SET_PDEATHSIG. But a gpsd started as root drops to its own user after opening the device,
 * and a change of credentials clears that signal; so as root it is started as that user already
 * (which owns the pty and the directory then), and has nothing left to drop.
 */
static void gpsd_child_setup(void *userdata) {
        const GpsdFeeder *f = userdata;

        if (f->as_user && (setgroups(0, NULL) < 0 || setgid(f->gid) < 0 || setuid(f->uid) < 0))
                _exit(127);
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* GPS time: from 1980-01-06, without UTC's leap seconds (18 since 2017). */
#define GPS_EPOCH_UNIX 315964800
#define GPS_LEAP_SECONDS 18
#define SECONDS_PER_WEEK 604800

static void write_ubx_epoch(GpsdFeeder *f, const struct timespec *ts) {
        g_autoptr(GByteArray) out = g_byte_array_new();
        int64_t gps = ts->tv_sec - GPS_EPOCH_UNIX + GPS_LEAP_SECONDS;
        uint32_t itow = (uint32_t) ((gps % SECONDS_PER_WEEK) * 1000 + ts->tv_nsec / 1000000);
        unsigned fix = atomic_load(&f->ubx_fix);
        uint32_t tacc = atomic_load(&f->ubx_tacc);
        /* Whole milliseconds, as the iTOW: gpsd takes its TPV time from NAV-PVT. */
        int32_t nano = (int32_t) (ts->tv_nsec / 1000000 * 1000000);

        ubx_append_nav_pvt_nano(out, itow, ts->tv_sec, nano, (uint8_t) fix, tacc);
        ubx_append_nav_timegps(out, itow, (uint16_t) (gps / SECONDS_PER_WEEK), GPS_LEAP_SECONDS);
        ubx_append_nav_status(out, itow, (uint8_t) fix);
        ubx_append_nav_clock(out, itow, tacc);
        ubx_append_mon_hw(out, (uint8_t) atomic_load(&f->ubx_antenna));
        ubx_append_nav_eoe(out, itow);
        (void) !write(f->master, out->data, out->len);
}

static void write_epoch(GpsdFeeder *f) {
        g_autoptr(GString) out = g_string_new(NULL);
        GpsdPhase phase = atomic_load(&f->phase);
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        if (phase == GPSD_PHASE_UBX) {
                write_ubx_epoch(f, &ts);
                return;
        }
        nmea_append_phase(out, (NmeaPhase) phase, &ts);
        /* While gpsd is down the pty's buffer fills: then the epoch is dropped, as a receiver's would be. */
        (void) !write(f->master, out->str, out->len);
}

/* One epoch per period, on absolute deadlines: the pacing of a receiver, not a wait for anything. */
static void *feed(void *userdata) {
        GpsdFeeder *f = userdata;
        struct timespec next;

        clock_gettime(CLOCK_MONOTONIC, &next);
        while (!atomic_load(&f->stop)) {
                write_epoch(f);
                next.tv_nsec += (long) (GPSD_FEEDER_EPOCH_USEC * 1000);
                if (next.tv_nsec >= 1000000000L) {
                        next.tv_sec++;
                        next.tv_nsec -= 1000000000L;
                }
                while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
                        ;
        }
        return NULL;
}

static uint16_t free_port(void) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sa);
        _cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), ==, 0);
        g_assert_cmpint(getsockname(fd, (struct sockaddr *) &sa, &len), ==, 0);
        return ntohs(sa.sin_port);
}

GpsdFeeder *gpsd_feeder_new(void) {
        GpsdFeeder *f;
        struct termios t;
        char *gpsd;

        gpsd = g_find_program_in_path("gpsd");
        if (!gpsd && g_file_test("/usr/sbin/gpsd", G_FILE_TEST_IS_EXECUTABLE))
                gpsd = g_strdup("/usr/sbin/gpsd");
        if (!gpsd) {
                g_test_skip("gpsd is not installed (Debian package gpsd; tools/install-deps)");
                return NULL;
        }

        f = g_new0(GpsdFeeder, 1);
        f->gpsd = gpsd;
        f->dir = g_dir_make_tmp("ptpsync-gpsd-XXXXXX", NULL);
        g_assert_nonnull(f->dir);
        f->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        g_assert_cmpint(f->master, >=, 0);
        g_assert_cmpint(grantpt(f->master), ==, 0);
        g_assert_cmpint(unlockpt(f->master), ==, 0);
        f->pts = g_strdup(ptsname(f->master));
        /* Raw: no echo back into the master end, which nobody reads. */
        f->slave = open(f->pts, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        g_assert_cmpint(f->slave, >=, 0);
        g_assert_cmpint(tcgetattr(f->slave, &t), ==, 0);
        cfmakeraw(&t);
        g_assert_cmpint(tcsetattr(f->slave, TCSANOW, &t), ==, 0);
        f->port = free_port();
        if (geteuid() == 0) {
                struct passwd *pw = getpwnam("gpsd") ?: getpwnam("nobody");

                g_assert_nonnull(pw);
                f->as_user = true;
                f->uid = pw->pw_uid;
                f->gid = pw->pw_gid;
                g_assert_cmpint(chown(f->pts, f->uid, f->gid), ==, 0);
                g_assert_cmpint(chown(f->dir, f->uid, f->gid), ==, 0);
        }
        atomic_store(&f->phase, GPSD_PHASE_3D);
        f->thread = g_thread_new("gpsd-feeder", feed, f);
        return f;
}

void gpsd_feeder_free(GpsdFeeder *f) {
        g_autofree char *sock = NULL, *pidfile = NULL;

        if (!f)
                return;
        atomic_store(&f->stop, true);
        g_thread_join(f->thread);
        if (f->pid > 0)
                gpsd_feeder_kill_gpsd(f);
        close(f->master);
        close(f->slave);
        sock = g_build_filename(f->dir, "gpsd.sock", NULL);
        pidfile = g_build_filename(f->dir, "gpsd.pid", NULL);
        (void) g_unlink(sock);
        (void) g_unlink(pidfile);
        (void) g_rmdir(f->dir);
        g_free(f->dir);
        g_free(f->pts);
        g_free(f->gpsd);
        g_free(f);
}

uint16_t gpsd_feeder_port(const GpsdFeeder *f) {
        return f->port;
}

void gpsd_feeder_set_phase(GpsdFeeder *f, GpsdPhase p) {
        atomic_store(&f->phase, p);
}

void gpsd_feeder_set_ubx(GpsdFeeder *f, unsigned gps_fix, uint32_t t_acc_ns, unsigned a_status) {
        atomic_store(&f->ubx_fix, gps_fix);
        atomic_store(&f->ubx_tacc, t_acc_ns);
        atomic_store(&f->ubx_antenna, a_status);
        atomic_store(&f->phase, GPSD_PHASE_UBX);
}

void gpsd_feeder_start_gpsd(GpsdFeeder *f) {
        g_autofree char *port = g_strdup_printf("%u", f->port);
        g_autofree char *sock = g_build_filename(f->dir, "gpsd.sock", NULL);
        g_autofree char *pidfile = g_build_filename(f->dir, "gpsd.pid", NULL);
        const char *argv[] = { f->gpsd, "-N", "-n", "-b", "-S", port, "-F", sock, "-P", pidfile, f->pts, NULL };
        g_autoptr(GError) error = NULL;
        GPid pid;

        g_assert_cmpint(f->pid, ==, 0);
        /* What the dead gpsd left unread would be old epochs to the new one. */
        (void) tcflush(f->slave, TCIFLUSH);
        (void) g_unlink(sock);
        if (!g_spawn_async(NULL, (char **) argv, NULL,
                           G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                           gpsd_child_setup, f, &pid, &error))
                g_error("Failed to start gpsd: %s", error->message);
        f->pid = pid;
}

void gpsd_feeder_kill_gpsd(GpsdFeeder *f) {
        int status;

        g_assert_cmpint(f->pid, >, 0);
        g_assert_cmpint(kill(f->pid, SIGKILL), ==, 0);
        g_assert_cmpint(waitpid(f->pid, &status, 0), ==, f->pid);
        f->pid = 0;
}
