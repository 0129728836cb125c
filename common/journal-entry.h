/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One entry of journald's native protocol as an iovec array, for one
 * sendmsg() on its datagram socket: "KEY=value\n" for each field, or, for a
 * value with a newline in it, "KEY\n", its length as 64-bit little endian,
 * the value and "\n" (systemd.journal-fields(7), "Native Journal Protocol").
 * Pure: nothing is copied, nothing is sent.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

typedef struct JournalField {
        const char *key; /* upper case, digits and '_', not starting with '_' */
        const char *value;
} JournalField;

/* The most iovecs one field takes. */
#define JOURNAL_IOVECS_PER_FIELD 5

/*
 * Fills iov (room for JOURNAL_IOVECS_PER_FIELD * n) with the n fields; lengths (room for n) holds
 * the binary lengths the iovecs point at, so it must live as long as iov. Returns the number of
 * iovecs used.
 */
size_t journal_entry_build(struct iovec *iov, uint64_t *lengths, const JournalField *fields, size_t n);
