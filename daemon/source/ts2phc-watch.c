/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <inttypes.h>
#include <poll.h>
#include <sys/syscall.h>

#include "common/log.h"
#include "source/ts2phc-watch.h"

#define TS2PHC_COMM "ts2phc"
/* A pidfile holds a pid and a newline: more than this is not one. */
#define PID_FILE_MAX 64
/* Entries of /proc looked at per wake-up: a node with thousands of processes is scanned over several. */
#define PROC_ENTRIES_PER_WAKEUP 64
/* ts2phc's short options that take an argument (linuxptp's "ac:f:hi:l:mqs:v"); its long ones all do. */
#define TS2PHC_ARG_OPTIONS "cfils"

struct Ts2phcWatch {
        sd_event *event;
        char *pid_file;
        char *config; /* canonical */
        Ts2phcListener listener;
        void *userdata;
        sd_event_source *scan;
        sd_event_source *exit;
        int pidfd; /* -1: none */
        pid_t pid; /* 0: not found */
        int alive; /* -1: not said yet */
        char *why; /* why it is not found, as last logged */
        DIR *proc;            /* a scan of /proc under way; NULL: none */
        char *proc_mismatch;  /* in that scan: a ts2phc that reads another configuration */
};

/* Hands a _cleanup_close_ fd out. */
static int steal_fd(int *fd) {
        int r = *fd;

        *fd = -1;
        return r;
}

/* glibc 2.36's <sys/pidfd.h> is not in Debian 12's headers: the syscall itself. */
static int pidfd_open_(pid_t pid) {
        return (int) syscall(SYS_pidfd_open, pid, 0);
}

bool ts2phc_cmdline_has_config(const char *cmdline, size_t n, const char *config) {
        g_autofree char *wanted = g_canonicalize_filename(config, "/");
        const char *end = cmdline + n, *last = NULL;
        bool take_next = false, next_is_config = false;

        /* argv[0] is the program. */
        for (const char *a = cmdline + strnlen(cmdline, n) + 1; a < end; a += strnlen(a, (size_t) (end - a)) + 1) {
                if (take_next) {
                        if (next_is_config)
                                last = a;
                        take_next = next_is_config = false;
                        continue;
                }
                if (streq(a, "--"))
                        break;
                if (a[0] != '-' || a[1] == '\0')
                        continue; /* not an option: getopt_long() permutes, and reads on */
                if (a[1] == '-') {
                        take_next = !strchr(a, '=');
                        continue;
                }
                /* Clustered short options, as "-mqf PATH": one that takes an argument ends the cluster. */
                for (const char *o = a + 1; *o; o++)
                        if (strchr(TS2PHC_ARG_OPTIONS, *o)) {
                                bool is_f = *o == 'f';

                                if (o[1]) {
                                        if (is_f)
                                                last = o + 1;
                                } else {
                                        take_next = true;
                                        next_is_config = is_f;
                                }
                                break;
                        }
        }
        if (!last || !g_path_is_absolute(last))
                return false;
        {
                g_autofree char *found = g_canonicalize_filename(last, "/");

                return streq(found, wanted);
        }
}

/* Reads at most max bytes of path; the count, or a negative errno. */
static ssize_t read_bounded(const char *path, char *buf, size_t max) {
        /* O_NONBLOCK: a FIFO put where the pidfile should be must not stop the loop. */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        size_t n = 0;

        if (fd < 0)
                return -errno;
        while (n < max) {
                ssize_t k = read(fd, buf + n, max - n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        return (ssize_t) n;
}

/* The process's comm, in buf (at least 17 bytes); a negative errno when there is no such process. */
static int read_comm(pid_t pid, char *buf, size_t size) {
        char path[64];
        ssize_t n;

        g_snprintf(path, sizeof(path), "/proc/%" PRIi32 "/comm", (int32_t) pid);
        n = read_bounded(path, buf, size - 1);
        if (n < 0)
                return (int) n;
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        return 0;
}

/* Whether pid is ts2phc, reading config if one is wanted; *why says why not. */
static bool process_matches(Ts2phcWatch *w, pid_t pid, char **why) {
        g_autofree char *cmdline = NULL;
        char comm[32], path[64];
        ssize_t n;

        if (read_comm(pid, comm, sizeof(comm)) < 0) {
                *why = g_strdup_printf("pid %" PRIi32 " is not running", (int32_t) pid);
                return false;
        }
        if (!streq(comm, TS2PHC_COMM)) {
                *why = g_strdup_printf("pid %" PRIi32 " is \"%s\", not " TS2PHC_COMM, (int32_t) pid, comm);
                return false;
        }
        if (!w->config)
                return true;
        g_snprintf(path, sizeof(path), "/proc/%" PRIi32 "/cmdline", (int32_t) pid);
        cmdline = g_malloc(TS2PHC_CMDLINE_MAX + 1);
        n = read_bounded(path, cmdline, TS2PHC_CMDLINE_MAX);
        if (n < 0) {
                *why = g_strdup_printf("the command line of pid %" PRIi32 " cannot be read: %s", (int32_t) pid,
                                       g_strerror((int) -n));
                return false;
        }
        cmdline[n] = '\0';
        if (!ts2phc_cmdline_has_config(cmdline, (size_t) n + 1, w->config)) {
                *why = g_strdup_printf("ts2phc pid %" PRIi32 " does not read -f %s", (int32_t) pid, w->config);
                return false;
        }
        return true;
}

/*
 * pid as a pidfd, if it is ts2phc. The check comes after the pidfd is open, and the pidfd must
 * then not yet say it exited: else the /proc files read could be those of a reuse of the pid.
 */
static int open_if_ts2phc(Ts2phcWatch *w, pid_t pid, char **why) {
        _cleanup_close_ int fd = pidfd_open_(pid);
        struct pollfd p;

        if (fd < 0) {
                *why = g_strdup_printf("pid %" PRIi32 " cannot be watched: %s", (int32_t) pid, g_strerror(errno));
                return -1;
        }
        if (!process_matches(w, pid, why))
                return -1;
        p = (struct pollfd) { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 0) != 0) {
                *why = g_strdup_printf("pid %" PRIi32 " has exited", (int32_t) pid);
                return -1;
        }
        return steal_fd(&fd);
}

static int find_in_pid_file(Ts2phcWatch *w, pid_t *ret_pid, char **why) {
        char buf[PID_FILE_MAX + 1], *end = NULL;
        ssize_t n;
        long v;

        n = read_bounded(w->pid_file, buf, PID_FILE_MAX + 1);
        if (n < 0) {
                *why = g_strdup_printf("Ts2phcPidFile=%s cannot be read: %s", w->pid_file, g_strerror((int) -n));
                return -1;
        }
        if (n > PID_FILE_MAX) {
                *why = g_strdup_printf("Ts2phcPidFile=%s is longer than %d bytes: not a pidfile", w->pid_file,
                                       PID_FILE_MAX);
                return -1;
        }
        buf[n] = '\0';
        errno = 0;
        v = g_ascii_isdigit(buf[0]) ? strtol(buf, &end, 10) : 0;
        if (errno != 0 || v <= 0 || v > INT32_MAX || (*end && !g_ascii_isspace(*end))) {
                *why = g_strdup_printf("Ts2phcPidFile=%s holds no pid", w->pid_file);
                return -1;
        }
        *ret_pid = (pid_t) v;
        return open_if_ts2phc(w, *ret_pid, why);
}

static void proc_scan_end(Ts2phcWatch *w) {
        g_clear_pointer(&w->proc, closedir);
        g_clear_pointer(&w->proc_mismatch, g_free);
}

/*
 * A readdir() of /proc, PROC_ENTRIES_PER_WAKEUP entries at a time: each costs a read of its comm,
 * the few named ts2phc more. The pidfd when found; -EAGAIN when the scan goes on at the next
 * wake-up; else -1 with why.
 */
static int find_in_proc(Ts2phcWatch *w, pid_t *ret_pid, char **why) {
        struct dirent *de = NULL;
        int fd = -1;

        if (!w->proc) {
                w->proc = opendir("/proc");
                if (!w->proc) {
                        *why = g_strdup_printf("/proc cannot be read: %s", g_strerror(errno));
                        return -1;
                }
        }
        for (unsigned n = 0; fd < 0 && n < PROC_ENTRIES_PER_WAKEUP && (de = readdir(w->proc)); n++) {
                char comm[32], *end = NULL;
                long v;

                if (!g_ascii_isdigit(de->d_name[0]))
                        continue;
                v = strtol(de->d_name, &end, 10);
                if (*end || v <= 0 || v > INT32_MAX)
                        continue;
                if (read_comm((pid_t) v, comm, sizeof(comm)) < 0 || !streq(comm, TS2PHC_COMM))
                        continue;
                g_clear_pointer(&w->proc_mismatch, g_free);
                fd = open_if_ts2phc(w, (pid_t) v, &w->proc_mismatch);
                *ret_pid = (pid_t) v;
        }
        if (fd < 0 && de)
                return -EAGAIN;
        if (fd < 0)
                /* A ts2phc that reads another configuration says more than "none". */
                *why = TAKE_PTR(w->proc_mismatch) ?: g_strdup_printf("no process named " TS2PHC_COMM "%s%s",
                                                                     w->config ? " with -f " : "", w->config ?: "");
        proc_scan_end(w);
        return fd;
}

static void watch_say(Ts2phcWatch *w, bool alive, const char *why) {
        bool changed = w->alive != (int) alive;

        if (alive && changed)
                log_notice("ts2phc is running (pid %" PRIi32 "%s%s): the grandmaster may be LOCKED.",
                           (int32_t) w->pid, w->config ? ", -f " : "", w->config ?: "");
        else if (!alive && (changed || !streq_ptr(w->why, why))) {
                if (changed)
                        log_warning("ts2phc is not running (%s): the grandmaster is FREERUN until it is.", why);
                else
                        log_info("ts2phc is still not running: %s.", why);
                g_free(w->why);
                w->why = g_strdup(why);
        }
        if (alive)
                g_clear_pointer(&w->why, g_free);
        w->alive = alive;
        if (changed && w->listener)
                w->listener(alive, w->userdata);
}

static int on_pidfd(sd_event_source *s, int fd, uint32_t revents, void *userdata);

/* Looks once; when found, watches the pidfd and stops looking. */
static void watch_scan(Ts2phcWatch *w) {
        g_autofree char *why = NULL;
        pid_t pid = 0;
        int fd, r;

        fd = w->pid_file ? find_in_pid_file(w, &pid, &why) : find_in_proc(w, &pid, &why);
        if (fd == -EAGAIN) {
                uint64_t now;

                /* The rest of /proc after whatever else is ready, not in this wake-up. */
                if (sd_event_now(w->event, CLOCK_MONOTONIC, &now) < 0)
                        now = now_usec(CLOCK_MONOTONIC);
                r = sd_event_source_set_time(w->scan, now);
                if (r < 0)
                        log_error_errno(r, "Failed to go on looking for ts2phc: %m");
                return;
        }
        if (fd >= 0) {
                r = sd_event_add_io(w->event, &w->exit, fd, EPOLLIN, on_pidfd, w);
                if (r < 0) {
                        close(fd);
                        why = g_strdup_printf("pid %" PRIi32 " cannot be watched: %s", (int32_t) pid,
                                              g_strerror(-r));
                } else {
                        w->pidfd = fd;
                        w->pid = pid;
                        r = sd_event_source_set_enabled(w->scan, SD_EVENT_OFF);
                        if (r < 0)
                                log_warning_errno(r, "Failed to stop looking for ts2phc: %m");
                        watch_say(w, true, NULL);
                        return;
                }
        }
        watch_say(w, false, why);
}

static int on_scan(sd_event_source *s, uint64_t usec, void *userdata) {
        Ts2phcWatch *w = userdata;
        int r;

        /* Armed first: a scan that finds it turns this off. */
        r = sd_event_source_set_time(s, usec + TS2PHC_SCAN_INTERVAL_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ON);
        if (r < 0)
                log_error_errno(r, "Failed to re-arm the search for ts2phc (it is no longer looked for): %m");
        watch_scan(w);
        return 0;
}

static int on_pidfd(sd_event_source *s _unused_, int fd _unused_, uint32_t revents _unused_, void *userdata) {
        Ts2phcWatch *w = userdata;
        g_autofree char *why = g_strdup_printf("pid %" PRIi32 " exited", (int32_t) w->pid);
        uint64_t now;
        int r;

        w->exit = sd_event_source_disable_unref(w->exit);
        close(w->pidfd);
        w->pidfd = -1;
        w->pid = 0;
        watch_say(w, false, why);
        /* A restart is looked for from the next second on. */
        if (sd_event_now(w->event, CLOCK_MONOTONIC, &now) < 0)
                now = now_usec(CLOCK_MONOTONIC);
        r = sd_event_source_set_time(w->scan, now + TS2PHC_SCAN_INTERVAL_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(w->scan, SD_EVENT_ON);
        if (r < 0)
                log_error_errno(r, "Failed to arm the search for ts2phc (it is no longer looked for): %m");
        return 0;
}

int ts2phc_watch_new(Ts2phcWatch **ret, sd_event *event, const Ts2phcWatchSettings *settings,
                     Ts2phcListener listener, void *userdata) {
        _cleanup_(ts2phc_watch_freep) Ts2phcWatch *w = g_new0(Ts2phcWatch, 1);
        int r;

        w->event = sd_event_ref(event);
        w->pidfd = -1;
        w->alive = -1;
        w->pid_file = g_strdup(settings->pid_file);
        w->config = settings->config ? g_canonicalize_filename(settings->config, "/") : NULL;
        w->listener = listener;
        w->userdata = userdata;
        /* At 0: the first search is on the loop's first iteration. */
        r = sd_event_add_time(event, &w->scan, CLOCK_MONOTONIC, 0, 0, on_scan, w);
        if (r >= 0)
                r = sd_event_source_set_enabled(w->scan, SD_EVENT_ON);
        if (r < 0)
                return log_error_errno(r, "Failed to add the search for ts2phc: %m");
        if (w->pid_file)
                log_info("Watching ts2phc through its pidfile %s%s%s.", w->pid_file,
                         w->config ? ", which must read -f " : "", w->config ?: "");
        else
                log_info("Watching ts2phc: a process named " TS2PHC_COMM "%s%s.", w->config ? " with -f " : "",
                         w->config ?: "");
        *ret = TAKE_PTR(w);
        return 0;
}

Ts2phcWatch *ts2phc_watch_free(Ts2phcWatch *w) {
        if (!w)
                return NULL;
        w->scan = sd_event_source_disable_unref(w->scan);
        w->exit = sd_event_source_disable_unref(w->exit);
        if (w->pidfd >= 0)
                close(w->pidfd);
        proc_scan_end(w);
        sd_event_unref(w->event);
        g_free(w->pid_file);
        g_free(w->config);
        g_free(w->why);
        g_free(w);
        return NULL;
}

pid_t ts2phc_watch_pid(const Ts2phcWatch *w) {
        return w->pid;
}
