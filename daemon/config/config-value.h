/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One value of the configuration file read: the syntax of its numbers, paths, booleans and
 * interface names, each refusal a G_KEY_FILE_ERROR_INVALID_VALUE that names the group, the key
 * and the value. For config.c's key parsers; nothing else reads the file.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/util.h"

/* Sets error to "Invalid value VALUE for key KEY in group [GROUP]: why"; returns false. */
_printf_(5, 6) bool config_invalid_value(GError **error, const char *group, const char *key, const char *value,
                                         const char *format, ...);

/* Decimal: an optional sign and digits, nothing else. 0, -EINVAL (syntax) or -ERANGE. */
int config_parse_int64(const char *s, int64_t *ret);
/* Hex digits and nothing else (no 0x). 0, -EINVAL or -ERANGE. */
int config_parse_hex_int64(const char *s, int64_t *ret);

bool config_parse_int64_in_range(const char *group, const char *key, const char *value, int64_t min, int64_t max,
                                 int64_t *ret, GError **error);
bool config_parse_unsigned(const char *group, const char *key, const char *value, int64_t min, int64_t max,
                           unsigned *ret, GError **error);
/* An absolute path of at most max bytes (why_max: what the bound is for, or NULL), into *ret (replaced). */
bool config_parse_absolute_path(const char *group, const char *key, const char *value, size_t max,
                                const char *why_max, char **ret, GError **error);
/* The same of at most PATH_MAX - 1 bytes, or empty: *ret NULL (unset, as when the key is not there). */
bool config_parse_optional_path(const char *group, const char *key, const char *value, char **ret, GError **error);
/* interface_name_is_valid(), into *ret (replaced). */
bool config_parse_interface_name(const char *group, const char *key, const char *value, char **ret,
                                 GError **error);
/* systemd's spellings: yes/no, true/false, on/off, 1/0. */
bool config_parse_boolean(const char *group, const char *key, const char *value, bool *ret, GError **error);
