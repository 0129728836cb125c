/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading a configuration file into a GKeyFile the careful way, for the two
 * programs that have one (ptpsyncd and ptpsync-http): bounded in size, text
 * only, and with GKeyFile's own messages made safe to print. The glib-*.c
 * files of common/ are a library of their own, so that libptpsync, which has
 * no GLib, cannot link them by accident.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* Far more than any real configuration; bounds what a wrong path (/dev/zero, a log) can cost. */
#define KEYFILE_SIZE_MAX (1024 * 1024)

/*
 * The file's contents, NUL-terminated, in *ret (g_free) and its length in *ret_size. Reads at most
 * KEYFILE_SIZE_MAX + 1 bytes: enough for keyfile_parse() to refuse a larger file. A directory is
 * EISDIR. Errors are in G_FILE_ERROR, without the path: the caller says which file it was.
 */
bool keyfile_read_bounded(const char *path, char **ret, size_t *ret_size, GError **error);

/*
 * data (length bytes; (size_t) -1 if NUL-terminated) parsed as a key file, translations kept (else
 * GKeyFile silently drops "Key[de]=" unless the locale is de, instead of it being an unknown key).
 * Refused before GKeyFile sees it: more than KEYFILE_SIZE_MAX bytes, a NUL byte, invalid UTF-8,
 * each with the line it is on. Returns NULL with error set.
 */
GKeyFile *keyfile_parse(const char *data, size_t length, GError **error);

/* GKeyFile's messages quote the bad line as it is, control characters and all: escaped in place. */
void keyfile_error_escape(GError *e);

/* g_key_file_get_string(), with the error escaped and prefixed with the key and group. */
char *keyfile_get_string(GKeyFile *kf, const char *group, const char *key, GError **error);
