/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the tests' harness and the benchmarks share to run their children: a
 * private bus (dbus-daemon or dbus-broker) configured like the system bus, a
 * line read from a child with a deadline, the sd_notify socket a daemon under
 * test reports to, and a reap with a deadline. No GTest here: errors are returned, so
 * that a test asserts and a benchmark explains.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Which message bus runs: the reference dbus-daemon, or dbus-broker (README.md, Tests: how they differ). */
typedef enum PrivateBusKind {
        PRIVATE_BUS_DBUS_DAEMON,
        PRIVATE_BUS_DBUS_BROKER,
} PrivateBusKind;

/* $PTPSYNC_TEST_BUS: dbus-daemon (also unset or empty) or dbus-broker; false with an error naming it else. */
bool private_bus_kind_from_env(PrivateBusKind *ret, GError **error);
/* "dbus-daemon" or "dbus-broker"; false for anything else. */
bool private_bus_kind_from_string(const char *s, PrivateBusKind *ret);
const char *private_bus_kind_to_string(PrivateBusKind kind);

/*
 * Writes <dir>/bus.conf -- type system, EXTERNAL auth, unix:path=<dir>/bus.sock,
 * everything allowed, extra_config (e.g. <limit> elements) added -- and starts
 * the bus of that kind on it, its log appended to log_fd (-1: our stderr), dying
 * with us (PR_SET_PDEATHSIG). Returns once it is ready, within the timeout: its
 * pid (SIGTERM stops it; reap it), and the address a client needs (unix:path=...,
 * g_free). A missing program is an error that names it.
 */
bool private_bus_spawn(PrivateBusKind kind, const char *dir, const char *extra_config, int log_fd,
                       uint64_t timeout_usec, GPid *ret_pid, char **ret_address, GError **error);

/*
 * dbus-broker (tests/lib/bus-broker.c): dbus-broker-launch on the configuration file at config_path,
 * listening at <dir>/bus.sock (address), through a keeper process whose pid *ret_pid gets.
 */
bool broker_bus_spawn(const char *dir, const char *config_path, const char *address, int log_fd,
                      uint64_t timeout_usec, GPid *ret_pid, GError **error);

/* One line from fd, without its newline (g_free); NULL at the deadline or at end of file. */
char *fd_read_line(int fd, uint64_t timeout_usec);

/* An AF_UNIX datagram socket bound at path (replacing what is there), for NOTIFY_SOCKET; -errno. */
int notify_socket_bind(const char *path);
/* Appends every datagram waiting on fd to s, each followed by a newline. */
void notify_socket_drain(int fd, GString *s);

/* Reaps pid within the deadline: 1 once reaped (*ret_status set), 0 at the deadline, -errno (-ECHILD: no child of ours). */
int child_reap(pid_t pid, int *ret_status, uint64_t timeout_usec);
