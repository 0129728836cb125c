/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <endian.h>
#include <string.h>

#include "common/journal-entry.h"

#define IOV_STRING(s) ((struct iovec) { .iov_base = (char *) (s), .iov_len = strlen(s) })

size_t journal_entry_build(struct iovec *iov, uint64_t *lengths, const JournalField *fields, size_t n) {
        size_t k = 0;

        for (size_t i = 0; i < n; i++) {
                const char *value = fields[i].value ? fields[i].value : "";

                iov[k++] = IOV_STRING(fields[i].key);
                if (strchr(value, '\n')) {
                        /* "KEY=" would end the value at its first newline. */
                        lengths[i] = htole64(strlen(value));
                        iov[k++] = IOV_STRING("\n");
                        iov[k++] = (struct iovec) { .iov_base = &lengths[i], .iov_len = sizeof(lengths[i]) };
                } else
                        iov[k++] = IOV_STRING("=");
                iov[k++] = IOV_STRING(value);
                iov[k++] = IOV_STRING("\n");
        }
        return k;
}
