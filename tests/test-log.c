/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * common/log.c and common/journal-entry.c: the names of levels and targets
 * both ways, and the journal's native entry byte for byte (the "KEY=value"
 * form, and the binary form a value with a newline needs). That journald
 * takes these entries, with their fields, is tested under the real systemd
 * (tests/boot/driver.sh, scenario log_control).
 */

#include <endian.h>
#include <glib.h>

#include "common/journal-entry.h"
#include "common/log.h"

static GString *flatten(const struct iovec *iov, size_t n) {
        GString *s = g_string_new(NULL);

        for (size_t i = 0; i < n; i++)
                g_string_append_len(s, iov[i].iov_base, (gssize) iov[i].iov_len);
        return s;
}

static void test_entry_plain(void) {
        const JournalField fields[] = { { "PRIORITY", "6" }, { "MESSAGE", "Acquired org.ptpsync1." }, { "EMPTY", "" },
                                        { "UNSET", NULL } };
        struct iovec iov[G_N_ELEMENTS(fields) * JOURNAL_IOVECS_PER_FIELD];
        uint64_t lengths[G_N_ELEMENTS(fields)];
        size_t n = journal_entry_build(iov, lengths, fields, G_N_ELEMENTS(fields));
        g_autoptr(GString) s = flatten(iov, n);

        g_assert_cmpuint(n, <=, G_N_ELEMENTS(iov));
        g_assert_cmpstr(s->str, ==, "PRIORITY=6\nMESSAGE=Acquired org.ptpsync1.\nEMPTY=\nUNSET=\n");
}

static void test_entry_binary(void) {
        const JournalField fields[] = { { "MESSAGE", "two\nlines" }, { "CODE_LINE", "12" }, { "END", "\n" } };
        struct iovec iov[G_N_ELEMENTS(fields) * JOURNAL_IOVECS_PER_FIELD];
        uint64_t lengths[G_N_ELEMENTS(fields)];
        size_t n = journal_entry_build(iov, lengths, fields, G_N_ELEMENTS(fields));
        g_autoptr(GString) s = flatten(iov, n);
        g_autoptr(GString) expected = g_string_new(NULL);
        uint64_t le9 = htole64(9), le1 = htole64(1);

        g_string_append(expected, "MESSAGE\n");
        g_string_append_len(expected, (const char *) &le9, 8);
        g_string_append(expected, "two\nlines\nCODE_LINE=12\nEND\n");
        g_string_append_len(expected, (const char *) &le1, 8);
        g_string_append(expected, "\n\n");
        g_assert_cmpuint(n, ==, 5 + 4 + 5);
        g_assert_cmpmem(s->str, s->len, expected->str, expected->len);
}

static void test_names(void) {
        static const char *const levels[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug" };

        for (int i = 0; i < (int) G_N_ELEMENTS(levels); i++) {
                g_assert_cmpint(log_level_from_string(levels[i]), ==, i);
                g_assert_cmpstr(log_level_to_string(i), ==, levels[i]);
        }
        g_assert_cmpint(log_level_from_string("DEBUG"), ==, -EINVAL);
        g_assert_cmpint(log_level_from_string("7"), ==, -EINVAL);
        g_assert_cmpint(log_level_from_string(""), ==, -EINVAL);
        g_assert_cmpint(log_level_from_string(NULL), ==, -EINVAL);
        g_assert_null(log_level_to_string(8));
        g_assert_null(log_level_to_string(-1));

        for (LogTarget t = 0; t < _LOG_TARGET_MAX; t++)
                g_assert_cmpint(log_target_from_string(log_target_to_string(t)), ==, t);
        g_assert_cmpint(log_target_from_string("syslog"), ==, _LOG_TARGET_INVALID);
        g_assert_cmpint(log_target_from_string("Console"), ==, _LOG_TARGET_INVALID);
        g_assert_null(log_target_to_string(_LOG_TARGET_MAX));
}

static void test_set(void) {
        log_set_max_level(LOG_DEBUG);
        g_assert_cmpint(log_get_max_level(), ==, LOG_DEBUG);
        /* Out of range: ignored, not stored. */
        log_set_max_level(99);
        g_assert_cmpint(log_get_max_level(), ==, LOG_DEBUG);
        log_set_target(LOG_TARGET_NULL);
        g_assert_cmpint(log_get_target(), ==, LOG_TARGET_NULL);
        log_set_target(_LOG_TARGET_INVALID);
        g_assert_cmpint(log_get_target(), ==, LOG_TARGET_NULL);
        /* On the null target nothing is written, and the error still comes back. */
        g_assert_cmpint(log_error_errno(EIO, "never seen: %m"), ==, -EIO);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/log/journal-entry/plain", test_entry_plain);
        g_test_add_func("/log/journal-entry/binary", test_entry_binary);
        g_test_add_func("/log/names", test_names);
        g_test_add_func("/log/set", test_set);
        return g_test_run();
}
