/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs a fuzz target over files, for builds without libFuzzer: the corpus then becomes a
 * regression test under any compiler and sanitizer. Arguments are files or directories
 * (walked recursively).
 */

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "common/util.h"

static bool run_file(const char *path) {
        g_autoptr(GError) error = NULL;
        g_autofree char *contents = NULL;
        _cleanup_free_ uint8_t *copy = NULL;
        size_t size = 0;

        if (!g_file_get_contents(path, &contents, &size, &error)) {
                fprintf(stderr, "%s\n", error->message);
                return false;
        }

        /* An exactly sized copy, without the NUL g_file_get_contents() adds: reading past the end
         * is then caught by ASan, as with libFuzzer. */
        copy = malloc(size ?: 1);
        if (!copy) {
                fprintf(stderr, "Out of memory\n");
                return false;
        }
        memcpy(copy, contents, size);

        printf("%s\n", path);
        fflush(stdout);
        LLVMFuzzerTestOneInput(copy, size);
        return true;
}

static bool run_path(const char *path, unsigned *count) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GDir) d = NULL;
        const char *name;
        bool ok = true;

        if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
                if (!run_file(path))
                        return false;
                (*count)++;
                return true;
        }

        d = g_dir_open(path, 0, &error);
        if (!d) {
                fprintf(stderr, "%s\n", error->message);
                return false;
        }

        while ((name = g_dir_read_name(d))) {
                g_autofree char *child = g_build_filename(path, name, NULL);

                ok = run_path(child, count) && ok;
        }

        return ok;
}

int main(int argc, char *argv[]) {
        unsigned count = 0;
        bool ok = true;

        if (argc < 2) {
                fprintf(stderr, "Usage: %s FILE|DIRECTORY...\n", argv[0]);
                return EXIT_FAILURE;
        }

        for (int i = 1; i < argc; i++)
                ok = run_path(argv[i], &count) && ok;

        printf("Ran %u inputs\n", count);
        return ok && count > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
