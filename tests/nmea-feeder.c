/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nmea-feeder: a real gpsd fed synthetic NMEA through a pty, as a program of its own for
 * tools/demo (the tests use tests/gpsd-feeder.h in-process). It writes one epoch per interval
 * (tests/nmea-writer.h), switches phase on a line read on stdin, prints PORT=N once gpsd answers
 * there, and takes gpsd down with it. See --help.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glib.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <systemd/sd-event.h>

#include "common/rm-rf.h"
#include "common/util.h"
#include "nmea-writer.h"

#define PROGRAM "nmea-feeder"
#define EXIT_USAGE 2
#define PROBE_USEC (100 * USEC_PER_MSEC)
#define ANSWER_TIMEOUT_USEC (15 * USEC_PER_SEC) /* gpsd answering on its port; this VM stalls */
#define LINE_MAX_BYTES 64

/* The phases as stdin names them. */
static const char *const phase_names[_NMEA_PHASE_MAX] = {
        [NMEA_PHASE_3D] = "3d",
        [NMEA_PHASE_2D] = "2d",
        [NMEA_PHASE_NOFIX] = "nofix",
        [NMEA_PHASE_TIME_ONLY] = "time-only",
        [NMEA_PHASE_ANTENNA_OPEN] = "antenna-open",
        [NMEA_PHASE_ANTENNA_OK] = "antenna-ok",
        [NMEA_PHASE_SILENT] = "silent",
};

typedef struct Feeder {
        sd_event *event;
        NmeaPhase phase;
        uint64_t interval_usec;
        uint16_t port;
        char *gpsd;
        char *dir;
        char *pts;
        int master, slave;
        pid_t pid;
        sd_event_source *epoch, *child, *probe_timer, *probe_io;
        int probe_fd;
        uint64_t answer_deadline;
        char banner[256];
        size_t banner_len;
        char line[LINE_MAX_BYTES];
        size_t line_len;
        bool line_too_long;
        unsigned line_no;
} Feeder;

static const char help[] =
        "Usage: " PROGRAM " [OPTION...]\n"
        "\n"
        "Runs a real gpsd(8) on a pseudo-terminal and writes NMEA 0183 to it as a GNSS\n"
        "receiver would: one epoch per interval, of the phase last read on stdin. It\n"
        "stands in for the receiver of ptpsyncd's [GNSS] Gpsd=127.0.0.1:PORT in\n"
        "tools/demo. gpsd runs in a temporary directory DIR as\n"
        "\n"
        "  gpsd -N -n -b -S PORT -F DIR/gpsd.sock -P DIR/gpsd.pid /dev/pts/N\n"
        "\n"
        "(as root: as the user gpsd, else nobody). gpsd ends when " PROGRAM " does,\n"
        "also when it is killed (PR_SET_PDEATHSIG), and " PROGRAM " ends (SIGTERM)\n"
        "when its parent does.\n"
        "\n"
        "Options:\n"
        "  --port=PORT     gpsd's TCP port on 127.0.0.1 (default: a free one)\n"
        "  --interval=MS   milliseconds between epochs, 100 to 10000 (default: 1000,\n"
        "                  a receiver's 1 Hz)\n"
        "  --phase=PHASE   the phase to start in (default: 3d)\n"
        "  --gpsd=PATH     the gpsd to run (default: gpsd in PATH, else /usr/sbin/gpsd)\n"
        "  -h, --help      show this help and exit\n"
        "\n"
        "Phases, one a line on stdin (blank lines are ignored):\n"
        "  3d              a 3D fix: GGA quality 1 with altitude, GSA 3, RMC A\n"
        "                  (gpsd: TPV mode 3)\n"
        "  2d              a 2D fix: GGA without altitude, GSA 2, no RMC (mode 2)\n"
        "  nofix           no fix: GGA quality 0, GSA 1, RMC V (mode 1)\n"
        "  time-only       a time-only fix: GGA quality 7 (mode 3, status 7)\n"
        "  antenna-open    $GPTXT ANTSTATUS=OPEN, then a 3D epoch\n"
        "  antenna-ok      $GPTXT ANTSTATUS=OK, then a 3D epoch\n"
        "  silent          nothing at all: a receiver that stopped talking\n"
        "An unknown phase is an error on stderr; the phase stays. End of file on stdin\n"
        "ends " PROGRAM ". A stdin that cannot be polled (/dev/null, a regular file)\n"
        "is not read: then only a signal ends it.\n"
        "\n"
        "Output on stdout, one KEY=VALUE a line, each flushed:\n"
        "  PTY=/dev/pts/N  the pty gpsd reads, once it is open\n"
        "  PORT=PORT       once gpsd answers on 127.0.0.1:PORT (its VERSION greeting)\n"
        "  PHASE=PHASE     each phase taken from stdin, from the next epoch on\n"
        "Errors, and gpsd's own messages, go to stderr.\n"
        "\n"
        "Exit status: 0 at end of file on stdin, or at SIGTERM, SIGINT or SIGHUP;\n"
        "1 if gpsd cannot be started, does not answer within 15 s, or exits; 2 for a\n"
        "wrong option or argument.\n"
        "\n"
        "Example, in bash:\n"
        "  mkfifo ctl; " PROGRAM " <ctl >out & exec 3>ctl\n"
        "  until grep -q '^PORT=' out; do sleep 0.1; done  # Gpsd=127.0.0.1:PORT\n"
        "  echo nofix >&3; echo 3d >&3                      # the fix lost, and back\n"
        "  exec 3>&-                                        # the end\n";

static int phase_from_name(const char *name) {
        for (int p = 0; p < _NMEA_PHASE_MAX; p++)
                if (streq(phase_names[p], name))
                        return p;
        return -EINVAL;
}

static void say(const char *fmt, ...) _printf_(1, 2);
static void say(const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
}

/* --- the epochs ------------------------------------------------------- */

static void write_epoch(Feeder *f) {
        g_autoptr(GString) out = g_string_new(NULL);
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        nmea_append_phase(out, f->phase, &ts);
        /* Non-blocking: when gpsd does not read, the pty fills and the epoch is dropped, as a receiver's would be. */
        (void) !write(f->master, out->str, out->len);
}

/* On absolute deadlines, a receiver's pacing; after a stall it goes on from now, with no burst. */
static int on_epoch(sd_event_source *s, uint64_t usec, void *userdata) {
        Feeder *f = userdata;
        uint64_t now, next = usec + f->interval_usec;

        write_epoch(f);
        if (sd_event_now(f->event, CLOCK_MONOTONIC, &now) >= 0 && next <= now)
                next = now + f->interval_usec;
        if (sd_event_source_set_time(s, next) < 0 || sd_event_source_set_enabled(s, SD_EVENT_ONESHOT) < 0)
                return sd_event_exit(f->event, EXIT_FAILURE);
        return 0;
}

/* --- stdin: the phases ---------------------------------------------------- */

static void take_line(Feeder *f, char *line) {
        int p;

        f->line_no++;
        g_strstrip(line);
        if (isempty(line))
                return;
        p = phase_from_name(line);
        if (p < 0) {
                fprintf(stderr, PROGRAM ": stdin line %u: unknown phase \"%s\" (expected 3d, 2d, nofix, time-only, "
                        "antenna-open, antenna-ok or silent); the phase stays %s\n", f->line_no, line,
                        phase_names[f->phase]);
                return;
        }
        f->phase = p;
        say("PHASE=%s", phase_names[p]);
}

/* One read per wake-up, of what is there: EPOLLIN says read() does not wait. */
static int on_stdin(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Feeder *f = userdata;
        char buf[512];
        ssize_t n = read(fd, buf, sizeof(buf));

        if (n < 0) {
                if (errno == EINTR || errno == EAGAIN)
                        return 0;
                fprintf(stderr, PROGRAM ": reading stdin: %m\n");
                return sd_event_exit(f->event, EXIT_FAILURE);
        }
        if (n == 0)
                return sd_event_exit(f->event, EXIT_SUCCESS);
        for (ssize_t i = 0; i < n; i++) {
                if (buf[i] != '\n') {
                        if (f->line_len < sizeof(f->line) - 1)
                                f->line[f->line_len++] = buf[i];
                        else
                                f->line_too_long = true;
                        continue;
                }
                f->line[f->line_len] = '\0';
                if (f->line_too_long) {
                        f->line_no++;
                        fprintf(stderr, PROGRAM ": stdin line %u: longer than %d bytes, ignored\n", f->line_no,
                                LINE_MAX_BYTES - 1);
                } else
                        take_line(f, f->line);
                f->line_len = 0;
                f->line_too_long = false;
        }
        return 0;
}

/* --- gpsd --------------------------------------------------------------- */

static int on_gpsd_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        Feeder *f = userdata;

        f->pid = 0;
        if (si->si_code == CLD_EXITED)
                fprintf(stderr, PROGRAM ": gpsd exited with status %d\n", si->si_status);
        else
                fprintf(stderr, PROGRAM ": gpsd was killed by signal %s\n", strsignal(si->si_status));
        return sd_event_exit(f->event, EXIT_FAILURE);
}

static void probe_close(Feeder *f) {
        f->probe_io = sd_event_source_disable_unref(f->probe_io);
        if (f->probe_fd >= 0)
                close(f->probe_fd);
        f->probe_fd = -1;
        f->banner_len = 0;
}

/* gpsd greets each client with {"class":"VERSION",...}: then it answers. */
static int on_probe_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Feeder *f = userdata;
        ssize_t n;

        n = recv(fd, f->banner + f->banner_len, sizeof(f->banner) - 1 - f->banner_len, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                probe_close(f); /* refused, or closed: the probe timer tries again */
                return 0;
        }
        f->banner_len += (size_t) n;
        f->banner[f->banner_len] = '\0';
        if (!strchr(f->banner, '\n') && f->banner_len < sizeof(f->banner) - 1)
                return 0;
        if (!strstr(f->banner, "\"class\":\"VERSION\"")) {
                fprintf(stderr, PROGRAM ": 127.0.0.1:%u answers, but not as gpsd: %.80s\n", f->port, f->banner);
                return sd_event_exit(f->event, EXIT_FAILURE);
        }
        probe_close(f);
        f->probe_timer = sd_event_source_disable_unref(f->probe_timer);
        say("PORT=%u", f->port);
        return 0;
}

static int on_probe_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        Feeder *f = userdata;
        int r;

        if (usec >= f->answer_deadline) {
                fprintf(stderr, PROGRAM ": gpsd does not answer on 127.0.0.1:%u within %d s\n", f->port,
                        (int) (ANSWER_TIMEOUT_USEC / USEC_PER_SEC));
                return sd_event_exit(f->event, EXIT_FAILURE);
        }
        if (sd_event_source_set_time(s, usec + PROBE_USEC) < 0 || sd_event_source_set_enabled(s, SD_EVENT_ONESHOT) < 0)
                return sd_event_exit(f->event, EXIT_FAILURE);
        if (f->probe_fd >= 0)
                return 0; /* still connecting */
        f->probe_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (f->probe_fd < 0)
                return 0;
        sa.sin_port = htons(f->port);
        if (connect(f->probe_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
                probe_close(f); /* not listening yet */
                return 0;
        }
        r = sd_event_add_io(f->event, &f->probe_io, f->probe_fd, EPOLLIN, on_probe_io, f);
        if (r < 0)
                probe_close(f);
        return 0;
}

/* A free port now; gpsd binds it a moment later (a race no test has lost yet). */
static int free_port(uint16_t *ret) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sa);
        _cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            getsockname(fd, (struct sockaddr *) &sa, &len) < 0)
                return -errno;
        *ret = ntohs(sa.sin_port);
        return 0;
}

static int open_pty(Feeder *f) {
        struct termios t;

        f->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (f->master < 0 || grantpt(f->master) < 0 || unlockpt(f->master) < 0)
                return -errno;
        f->pts = g_strdup(ptsname(f->master));
        /* Kept open, so that writes do not fail before gpsd opens it; raw: no echo into the master end. */
        f->slave = open(f->pts, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (f->slave < 0 || tcgetattr(f->slave, &t) < 0)
                return -errno;
        cfmakeraw(&t);
        if (tcsetattr(f->slave, TCSANOW, &t) < 0)
                return -errno;
        return 0;
}

/*
 * In the child. A gpsd started as root would drop to its own user after opening the device, and a
 * change of credentials clears PR_SET_PDEATHSIG; so as root it starts as that user already.
 */
static _Noreturn void exec_gpsd(const Feeder *f, const struct passwd *pw, pid_t parent, const sigset_t *mask) {
        g_autofree char *port = g_strdup_printf("%u", f->port);
        g_autofree char *sock = g_build_filename(f->dir, "gpsd.sock", NULL);
        g_autofree char *pidfile = g_build_filename(f->dir, "gpsd.pid", NULL);
        const char *argv[] = { f->gpsd, "-N", "-n", "-b", "-S", port, "-F", sock, "-P", pidfile, f->pts, NULL };
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);

        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0)
                _exit(127);
        if (pw && (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)) {
                fprintf(stderr, PROGRAM ": cannot become the user %s for gpsd: %m\n", pw->pw_name);
                _exit(127);
        }
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(127);
        (void) sigprocmask(SIG_UNBLOCK, mask, NULL);
        execv(f->gpsd, (char **) argv);
        fprintf(stderr, PROGRAM ": cannot run %s: %m\n", f->gpsd);
        _exit(127);
}

static int start_gpsd(Feeder *f, const sigset_t *mask) {
        struct passwd *pw = NULL;
        pid_t parent = getpid();

        if (geteuid() == 0) {
                pw = getpwnam("gpsd") ?: getpwnam("nobody");
                if (!pw) {
                        fprintf(stderr, PROGRAM ": running as root, but there is no user gpsd (nor nobody) to run "
                                "gpsd as\n");
                        return -ESRCH;
                }
                if (chown(f->pts, pw->pw_uid, pw->pw_gid) < 0 || chown(f->dir, pw->pw_uid, pw->pw_gid) < 0) {
                        int r = -errno;

                        fprintf(stderr, PROGRAM ": cannot give %s and %s to the user %s: %s\n", f->pts, f->dir,
                                pw->pw_name, strerror(-r));
                        return r;
                }
        }
        fflush(NULL);
        f->pid = fork();
        if (f->pid < 0) {
                int r = -errno;

                fprintf(stderr, PROGRAM ": cannot fork for gpsd: %s\n", strerror(-r));
                return r;
        }
        if (f->pid == 0)
                exec_gpsd(f, pw, parent, mask);
        return 0;
}

static void stop_gpsd(Feeder *f) {
        if (f->pid <= 0)
                return;
        /* SIGKILL: gone at once, nothing to wait for but the reaping. */
        (void) kill(f->pid, SIGKILL);
        (void) waitpid(f->pid, NULL, 0);
        f->pid = 0;
}

static char *find_gpsd(void) {
        char *path = g_find_program_in_path("gpsd");

        if (!path && g_file_test("/usr/sbin/gpsd", G_FILE_TEST_IS_EXECUTABLE))
                path = g_strdup("/usr/sbin/gpsd");
        return path;
}

static void feeder_done(Feeder *f) {
        f->epoch = sd_event_source_disable_unref(f->epoch);
        f->probe_timer = sd_event_source_disable_unref(f->probe_timer);
        probe_close(f);
        /* Before gpsd is reaped: the child source must not see the kill as an exit of its own. */
        f->child = sd_event_source_disable_unref(f->child);
        stop_gpsd(f);
        if (f->master >= 0)
                close(f->master);
        if (f->slave >= 0)
                close(f->slave);
        if (f->dir)
                (void) rm_rf(f->dir);
        g_free(f->dir);
        g_free(f->pts);
        g_free(f->gpsd);
        f->event = sd_event_unref(f->event);
}

/* --- options ------------------------------------------------------------ */

static int parse_options(Feeder *f, int argc, char *argv[]) {
        enum { OPT_PORT = 0x100, OPT_INTERVAL, OPT_PHASE, OPT_GPSD };
        static const struct option options[] = {
                { "port", required_argument, NULL, OPT_PORT },
                { "interval", required_argument, NULL, OPT_INTERVAL },
                { "phase", required_argument, NULL, OPT_PHASE },
                { "gpsd", required_argument, NULL, OPT_GPSD },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        guint64 v;
        int c, p;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        fputs(help, stdout);
                        exit(EXIT_SUCCESS);
                case OPT_PORT:
                        if (!g_ascii_string_to_unsigned(optarg, 10, 1, 65535, &v, NULL)) {
                                fprintf(stderr, PROGRAM ": --port=%s: expected a TCP port, 1 to 65535\n", optarg);
                                return -EINVAL;
                        }
                        f->port = (uint16_t) v;
                        break;
                case OPT_INTERVAL:
                        if (!g_ascii_string_to_unsigned(optarg, 10, 100, 10000, &v, NULL)) {
                                fprintf(stderr, PROGRAM ": --interval=%s: expected milliseconds, 100 to 10000\n",
                                        optarg);
                                return -EINVAL;
                        }
                        f->interval_usec = v * USEC_PER_MSEC;
                        break;
                case OPT_PHASE:
                        p = phase_from_name(optarg);
                        if (p < 0) {
                                fprintf(stderr, PROGRAM ": --phase=%s: expected 3d, 2d, nofix, time-only, "
                                        "antenna-open, antenna-ok or silent\n", optarg);
                                return -EINVAL;
                        }
                        f->phase = p;
                        break;
                case OPT_GPSD:
                        if (access(optarg, X_OK) < 0) {
                                fprintf(stderr, PROGRAM ": --gpsd=%s: not an executable: %m\n", optarg);
                                return -EINVAL;
                        }
                        g_free(f->gpsd);
                        f->gpsd = g_strdup(optarg);
                        break;
                default:
                        fprintf(stderr, "Try '" PROGRAM " --help'.\n");
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                fprintf(stderr, PROGRAM ": unexpected argument \"%s\" (phases are read on stdin)\n", argv[optind]);
                return -EINVAL;
        }
        return 0;
}

static int run(Feeder *f, sigset_t *mask) {
        g_autoptr(GError) error = NULL;
        uint64_t now;
        int r;

        if (!f->gpsd)
                f->gpsd = find_gpsd();
        if (!f->gpsd) {
                fprintf(stderr, PROGRAM ": gpsd is not installed (Debian package gpsd; tools/install-deps)\n");
                return -ENOENT;
        }
        if (f->port == 0 && (r = free_port(&f->port)) < 0) {
                fprintf(stderr, PROGRAM ": cannot find a free TCP port on 127.0.0.1: %s\n", strerror(-r));
                return r;
        }
        f->dir = g_dir_make_tmp(PROGRAM "-XXXXXX", &error);
        if (!f->dir) {
                fprintf(stderr, PROGRAM ": cannot create a temporary directory: %s\n", error->message);
                return -EIO;
        }
        if ((r = open_pty(f)) < 0) {
                fprintf(stderr, PROGRAM ": cannot open a pty: %s\n", strerror(-r));
                return r;
        }
        say("PTY=%s", f->pts);

        if ((r = sd_event_default(&f->event)) < 0 ||
            (r = sd_event_add_signal(f->event, NULL, SIGTERM, NULL, NULL)) < 0 ||
            (r = sd_event_add_signal(f->event, NULL, SIGINT, NULL, NULL)) < 0 ||
            (r = sd_event_add_signal(f->event, NULL, SIGHUP, NULL, NULL)) < 0 ||
            (r = sd_event_now(f->event, CLOCK_MONOTONIC, &now)) < 0 ||
            (r = sd_event_add_time(f->event, &f->epoch, CLOCK_MONOTONIC, now, 0, on_epoch, f)) < 0 ||
            (r = sd_event_add_time(f->event, &f->probe_timer, CLOCK_MONOTONIC, now + PROBE_USEC, 0, on_probe_timer,
                                   f)) < 0) {
                fprintf(stderr, PROGRAM ": cannot set up the event loop: %s\n", strerror(-r));
                return r;
        }
        f->answer_deadline = now + ANSWER_TIMEOUT_USEC;
        r = sd_event_add_io(f->event, NULL, STDIN_FILENO, EPOLLIN, on_stdin, f);
        if (r == -EPERM)
                fprintf(stderr, PROGRAM ": stdin cannot be polled (not a pipe, FIFO, socket or terminal): "
                        "no phases are read from it\n");
        else if (r < 0) {
                fprintf(stderr, PROGRAM ": cannot watch stdin: %s\n", strerror(-r));
                return r;
        }

        if ((r = start_gpsd(f, mask)) < 0)
                return r;
        r = sd_event_add_child(f->event, &f->child, f->pid, WEXITED, on_gpsd_exit, f);
        if (r < 0) {
                fprintf(stderr, PROGRAM ": cannot watch gpsd: %s\n", strerror(-r));
                return r;
        }
        return sd_event_loop(f->event);
}

int main(int argc, char *argv[]) {
        _cleanup_(feeder_done) Feeder f = {
                .phase = NMEA_PHASE_3D, .interval_usec = USEC_PER_SEC, .master = -1, .slave = -1, .probe_fd = -1,
        };
        sigset_t mask;
        int r;

        if (parse_options(&f, argc, argv) < 0)
                return EXIT_USAGE;
        /* Blocked, for sd-event: SIGCHLD for gpsd, the others to end cleanly. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        /* Ends with its parent (the demo), so that gpsd does too; blocked, so that it is taken in the loop. */
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() == 1) {
                fprintf(stderr, PROGRAM ": its parent is gone already\n");
                return EXIT_FAILURE;
        }
        r = run(&f, &mask);
        return r < 0 ? EXIT_FAILURE : r;
}
