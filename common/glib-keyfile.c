/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/glib-keyfile.h"
#include "common/quote.h"
#include "common/util.h"

/* A whole bad line may be up to KEYFILE_SIZE_MAX long; a message shows this much of it. */
#define MESSAGE_MAX 256

static bool set_error_from_errno(GError **error, int e) {
        g_set_error_literal(error, G_FILE_ERROR, g_file_error_from_errno(e), g_strerror(e));
        return false;
}

bool keyfile_read_bounded(const char *path, char **ret, size_t *ret_size, GError **error) {
        g_autoptr(GString) s = g_string_new(NULL);
        _cleanup_close_ int fd = -1;
        struct stat st;

        g_return_val_if_fail(path, false);
        g_return_val_if_fail(ret, false);
        g_return_val_if_fail(ret_size, false);

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 || fstat(fd, &st) < 0)
                return set_error_from_errno(error, errno);
        if (S_ISDIR(st.st_mode))
                return set_error_from_errno(error, EISDIR);

        while (s->len <= KEYFILE_SIZE_MAX) {
                char buf[4096];
                ssize_t n;

                n = read(fd, buf, MIN(sizeof buf, (size_t) KEYFILE_SIZE_MAX + 1 - s->len));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return set_error_from_errno(error, errno);
                if (n == 0)
                        break;

                g_string_append_len(s, buf, n);
        }

        *ret_size = s->len;
        *ret = g_string_free(TAKE_PTR(s), FALSE);
        return true;
}

static size_t line_number(const char *data, const char *p) {
        size_t line = 1;

        for (; data < p; data++)
                if (*data == '\n')
                        line++;
        return line;
}

static bool check_text(const char *data, size_t length, GError **error) {
        const char *bad = NULL;

        if (length > KEYFILE_SIZE_MAX) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
                            "Configuration is larger than %d bytes", KEYFILE_SIZE_MAX);
                return false;
        }

        /* Also stops at a NUL byte, which would cut a line short in GKeyFile. */
        if (length == 0 || g_utf8_validate_len(data, length, &bad))
                return true;

        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "Line %zu %s",
                    line_number(data, bad), *bad == '\0' ? "contains a NUL byte" : "is not valid UTF-8");
        return false;
}

void keyfile_error_escape(GError *e) {
        char *m = g_strdup(ESCAPE_MAX(e->message, MESSAGE_MAX));

        g_free(e->message);
        e->message = m;
}

GKeyFile *keyfile_parse(const char *data, size_t length, GError **error) {
        g_autoptr(GKeyFile) kf = NULL;
        g_autoptr(GError) e = NULL;

        g_return_val_if_fail(data || length == 0, NULL);

        /* As with g_key_file_load_from_data(): (size_t) -1 means NUL-terminated. */
        if (length == SIZE_MAX)
                length = strlen(data);

        if (!check_text(data, length, error))
                return NULL;

        kf = g_key_file_new();
        if (!g_key_file_load_from_data(kf, length > 0 ? data : "", length, G_KEY_FILE_KEEP_TRANSLATIONS, &e)) {
                keyfile_error_escape(e);
                g_propagate_error(error, TAKE_PTR(e));
                return NULL;
        }

        return TAKE_PTR(kf);
}

char *keyfile_get_string(GKeyFile *kf, const char *group, const char *key, GError **error) {
        g_autoptr(GError) e = NULL;
        g_autofree char *value = NULL;

        /* Undoes the \s, \n, ... escapes. On a bad one it sets an error but may still return a value. */
        value = g_key_file_get_string(kf, group, key, &e);
        if (e) {
                keyfile_error_escape(e);
                g_propagate_prefixed_error(error, TAKE_PTR(e), "Key \"%s\" in group [%s]: ", key, group);
                return NULL;
        }

        return TAKE_PTR(value);
}
