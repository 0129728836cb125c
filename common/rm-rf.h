/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Removing a directory tree, for the tests and the benchmarks that make a private one
 * (a dbus-daemon's socket and configuration, a daemon's state directory) and must leave
 * nothing behind.
 */
#pragma once

/*
 * Removes the directory path and everything below it, as far as it can: what cannot be
 * removed stays, and nothing says so (a cleanup has no one to tell). Symbolic links are
 * removed, never followed, so nothing outside the tree is touched; a path that is not a
 * directory (or is a link to one) is left alone.
 */
void rm_rf(const char *path);
