/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child-io.h"

static const char bus_config[] =
        "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
        " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
        "<busconfig>\n"
        "  <type>system</type>\n"
        "  <listen>unix:path=%s/bus.sock</listen>\n"
        "  <auth>EXTERNAL</auth>\n"
        "%s"
        "  <policy context=\"default\">\n"
        "    <allow user=\"*\"/>\n"
        "    <allow own=\"*\"/>\n"
        /* Both deny receiving what is not allowed (dbus-daemon took the eavesdrop rule for it). */
        "    <allow receive_sender=\"*\"/>\n"
        "%s"
        "  </policy>\n"
        "</busconfig>\n";

/* dbus-broker warns that it ignores eavesdropping (it has monitors only). */
static const char daemon_eavesdrop[] =
        "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
        "    <allow eavesdrop=\"true\"/>\n";
static const char broker_send[] = "    <allow send_destination=\"*\"/>\n";

bool private_bus_kind_from_string(const char *s, PrivateBusKind *ret) {
        if (g_str_equal(s, "dbus-daemon"))
                *ret = PRIVATE_BUS_DBUS_DAEMON;
        else if (g_str_equal(s, "dbus-broker"))
                *ret = PRIVATE_BUS_DBUS_BROKER;
        else
                return false;
        return true;
}

bool private_bus_kind_from_env(PrivateBusKind *ret, GError **error) {
        const char *v = g_getenv("PTPSYNC_TEST_BUS");

        if (!v || !*v) {
                *ret = PRIVATE_BUS_DBUS_DAEMON;
                return true;
        }
        if (private_bus_kind_from_string(v, ret))
                return true;
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "PTPSYNC_TEST_BUS=%s: not a bus this knows (dbus-daemon or dbus-broker)", v);
        return false;
}

const char *private_bus_kind_to_string(PrivateBusKind kind) {
        return kind == PRIVATE_BUS_DBUS_BROKER ? "dbus-broker" : "dbus-daemon";
}

/* For g_spawn*(): stderr to the fd userdata holds (if any), and SIGKILL when we die. */
static void bus_child_setup(void *userdata) {
        int log_fd = GPOINTER_TO_INT(userdata);

        if (log_fd >= 0)
                (void) dup2(log_fd, STDERR_FILENO);
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static bool daemon_bus_spawn(const char *config_path, int log_fd, uint64_t timeout_usec, GPid *ret_pid,
                             GError **error) {
        g_autofree char *config_arg = g_strconcat("--config-file=", config_path, NULL);
        g_autofree char *line = NULL;
        GPid pid;
        int out_fd;

        const char *argv[] = { "dbus-daemon", config_arg, "--nofork", "--nopidfile", "--print-address=1", NULL };
        if (!g_spawn_async_with_pipes(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                      bus_child_setup, GINT_TO_POINTER(log_fd), &pid, NULL, &out_fd, NULL, error))
                return false;
        line = fd_read_line(out_fd, timeout_usec);
        close(out_fd);
        /* Started either way: the caller stops it, and reaps it. */
        *ret_pid = pid;
        if (!line) {
                g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                            "dbus-daemon did not print its address within %" G_GUINT64_FORMAT " s",
                            timeout_usec / G_USEC_PER_SEC);
                return false;
        }
        return true;
}

bool private_bus_spawn(PrivateBusKind kind, const char *dir, const char *extra_config, int log_fd,
                       uint64_t timeout_usec, GPid *ret_pid, char **ret_address, GError **error) {
        bool broker = kind == PRIVATE_BUS_DBUS_BROKER;
        g_autofree char *config = g_strdup_printf(bus_config, dir, extra_config ?: "",
                                                  broker ? broker_send : daemon_eavesdrop);
        g_autofree char *config_path = g_build_filename(dir, "bus.conf", NULL);
        /* dbus-daemon prints a guid too; only the path, which is all a client needs, the same for every one. */
        g_autofree char *address = g_strdup_printf("unix:path=%s/bus.sock", dir);

        if (!g_file_set_contents(config_path, config, -1, error))
                return false;
        if (broker ? !broker_bus_spawn(dir, config_path, address, log_fd, timeout_usec, ret_pid, error)
                   : !daemon_bus_spawn(config_path, log_fd, timeout_usec, ret_pid, error))
                return false;
        *ret_address = g_steal_pointer(&address);
        return true;
}

char *fd_read_line(int fd, uint64_t timeout_usec) {
        gint64 deadline = g_get_monotonic_time() + (gint64) timeout_usec;
        g_autoptr(GString) s = g_string_new(NULL);

        for (;;) {
                gint64 left = deadline - g_get_monotonic_time();
                struct pollfd p = { .fd = fd, .events = POLLIN };
                char c;

                if (left <= 0 || poll(&p, 1, (int) (left / 1000) + 1) <= 0)
                        return NULL;
                if (read(fd, &c, 1) != 1)
                        return NULL;
                if (c == '\n')
                        return g_string_free(g_steal_pointer(&s), false);
                g_string_append_c(s, c);
        }
}

int notify_socket_bind(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        (void) unlink(path);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int r = -errno;

                close(fd);
                return r;
        }
        return fd;
}

void notify_socket_drain(int fd, GString *s) {
        char buf[4096];
        ssize_t n;

        while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) > 0) {
                buf[n] = '\0';
                g_string_append(s, buf);
                g_string_append_c(s, '\n');
        }
}

int child_reap(pid_t pid, int *ret_status, uint64_t timeout_usec) {
        gint64 deadline = g_get_monotonic_time() + (gint64) timeout_usec;

        for (;;) {
                pid_t r = waitpid(pid, ret_status, WNOHANG);

                if (r == pid)
                        return 1;
                if (r < 0)
                        return -errno;
                if (g_get_monotonic_time() > deadline)
                        return 0;
                /* A child's exit has no fd to poll here: polling waitpid, bounded by the deadline. */
                g_usleep(5000);
        }
}
