/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/rm-rf.h"
#include "common/util.h"

/* Empties the directory open at dir_fd, which it takes over (and closes). */
static void rm_rf_children(int dir_fd) {
        struct dirent *de;
        DIR *d;

        d = fdopendir(dir_fd);
        if (!d) {
                close(dir_fd);
                return;
        }
        while ((de = readdir(d))) {
                struct stat st;
                int fd;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                /* lstat()'s view: a link to a directory is a link, and goes as one. */
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) {
                        (void) unlinkat(dirfd(d), de->d_name, 0);
                        continue;
                }
                fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0)
                        rm_rf_children(fd);
                (void) unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
        }
        closedir(d);
}

void rm_rf(const char *path) {
        int fd;

        fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return;
        rm_rf_children(fd);
        (void) rmdir(path);
}
