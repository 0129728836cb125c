/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * common/rm-rf.c: the whole tree goes, and nothing a link in it points to.
 */

#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "common/rm-rf.h"

static char *make_file(const char *dir, const char *name) {
        g_autoptr(GError) error = NULL;
        char *path = g_build_filename(dir, name, NULL);

        g_file_set_contents(path, "x", -1, &error);
        g_assert_no_error(error);
        return path;
}

static void test_tree(void) {
        g_autoptr(GError) error = NULL;
        g_autofree char *outside = g_dir_make_tmp("ptpsync-rm-rf-outside-XXXXXX", &error);
        g_autofree char *tree = NULL, *deep = NULL, *kept = NULL, *link = NULL, *file_link = NULL;

        g_assert_no_error(error);
        kept = make_file(outside, "kept");
        tree = g_dir_make_tmp("ptpsync-rm-rf-XXXXXX", &error);
        g_assert_no_error(error);
        deep = g_build_filename(tree, "a", "b", "c", NULL);
        g_assert_cmpint(g_mkdir_with_parents(deep, 0700), ==, 0);
        g_free(make_file(tree, "top"));
        g_free(make_file(deep, "bottom"));
        /* Links into the outside, to a directory and to a file: they go, what they point to stays. */
        link = g_build_filename(tree, "a", "outside", NULL);
        g_assert_cmpint(symlink(outside, link), ==, 0);
        file_link = g_build_filename(tree, "a", "b", "kept", NULL);
        g_assert_cmpint(symlink(kept, file_link), ==, 0);
        /* An empty directory goes too. */
        g_free(deep);
        deep = g_build_filename(tree, "empty", NULL);
        g_assert_cmpint(g_mkdir(deep, 0700), ==, 0);

        rm_rf(tree);

        g_assert_false(g_file_test(tree, G_FILE_TEST_EXISTS));
        g_assert_true(g_file_test(kept, G_FILE_TEST_IS_REGULAR));
        g_assert_cmpint(g_unlink(kept), ==, 0);
        g_assert_cmpint(g_rmdir(outside), ==, 0);
}

/* Not a directory, a link to one, or nothing at all: left alone. */
static void test_not_a_directory(void) {
        g_autoptr(GError) error = NULL;
        g_autofree char *dir = g_dir_make_tmp("ptpsync-rm-rf-XXXXXX", &error);
        g_autofree char *file = NULL, *link = NULL, *target = NULL, *inside = NULL, *missing = NULL;

        g_assert_no_error(error);
        file = make_file(dir, "file");
        target = g_build_filename(dir, "target", NULL);
        g_assert_cmpint(g_mkdir(target, 0700), ==, 0);
        inside = make_file(target, "inside");
        link = g_build_filename(dir, "link", NULL);
        g_assert_cmpint(symlink(target, link), ==, 0);
        missing = g_build_filename(dir, "missing", NULL);

        rm_rf(file);
        rm_rf(link);
        rm_rf(missing);

        g_assert_true(g_file_test(file, G_FILE_TEST_IS_REGULAR));
        g_assert_true(g_file_test(link, G_FILE_TEST_IS_SYMLINK));
        g_assert_true(g_file_test(inside, G_FILE_TEST_IS_REGULAR));

        rm_rf(dir);
        g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/rm-rf/tree", test_tree);
        g_test_add_func("/rm-rf/not-a-directory", test_not_a_directory);
        return g_test_run();
}
