/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsyncctl: the one JSON printer, on stdout, as --json=MODE wants it:
 * "short" puts a document on one line, "pretty" indents it by two spaces a
 * level, one member or element a line. The verbs say what to print (objects,
 * arrays, keys, values); where commas, newlines and indentation go is
 * decided here alone, so both modes print the same values.
 */

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ptpsyncctl.h"
#include "common/util.h"

#define JSON_DEPTH_MAX 16

static struct {
        unsigned depth;
        bool empty[JSON_DEPTH_MAX]; /* the open container at each depth has no member yet */
        bool after_key;             /* the next value is a member's, after its key */
} w;

int json_mode_from_string(const char *s, JsonMode *ret) {
        if (!s || streq(s, "short"))
                *ret = JSON_SHORT;
        else if (streq(s, "pretty"))
                *ret = JSON_PRETTY;
        else if (streq(s, "off"))
                *ret = JSON_OFF;
        else
                return -EINVAL;
        return 0;
}

static void newline_indent(unsigned depth) {
        if (arg_json != JSON_PRETTY)
                return;
        putchar('\n');
        for (unsigned i = 0; i < depth; i++)
                fputs("  ", stdout);
}

static void json_escape(const char *s) {
        putchar('"');
        for (const unsigned char *p = (const unsigned char *) (s ?: ""); *p; p++)
                switch (*p) {
                case '"':
                        fputs("\\\"", stdout);
                        break;
                case '\\':
                        fputs("\\\\", stdout);
                        break;
                case '\n':
                        fputs("\\n", stdout);
                        break;
                case '\t':
                        fputs("\\t", stdout);
                        break;
                default:
                        if (*p < 0x20)
                                printf("\\u%04x", *p);
                        else
                                putchar(*p);
                }
        putchar('"');
}

/* Before any value: a member's follows its key; an element gets its comma and its own line. */
static void before_value(void) {
        if (w.after_key) {
                w.after_key = false;
                return;
        }
        if (w.depth == 0)
                return;
        if (!w.empty[w.depth - 1])
                putchar(',');
        w.empty[w.depth - 1] = false;
        newline_indent(w.depth);
}

static void open_container(char c) {
        before_value();
        assert(w.depth < JSON_DEPTH_MAX);
        putchar(c);
        w.empty[w.depth++] = true;
}

static void close_container(char c) {
        assert(w.depth > 0 && !w.after_key);
        if (!w.empty[--w.depth])
                newline_indent(w.depth);
        putchar(c);
}

void json_begin_object(void) {
        open_container('{');
}

void json_end_object(void) {
        close_container('}');
}

void json_begin_array(void) {
        open_container('[');
}

void json_end_array(void) {
        close_container(']');
}

void json_key(const char *name) {
        before_value();
        json_escape(name);
        fputs(arg_json == JSON_PRETTY ? ": " : ":", stdout);
        w.after_key = true;
}

void json_string(const char *s) {
        before_value();
        json_escape(s);
}

void json_uint(uint64_t u) {
        before_value();
        printf("%" PRIu64, u);
}

void json_int(int64_t i) {
        before_value();
        printf("%" PRId64, i);
}

/* A number already written in decimal, as show reads them. */
void json_number(const char *decimal) {
        before_value();
        fputs(decimal, stdout);
}

void json_bool(bool b) {
        before_value();
        fputs(b ? "true" : "false", stdout);
}

void json_null(void) {
        before_value();
        fputs("null", stdout);
}

void json_end_document(void) {
        assert(w.depth == 0 && !w.after_key);
        putchar('\n');
        fflush(stdout);
}

/* A member, key and value at once. */
void json_member_string(const char *key, const char *s) {
        json_key(key);
        json_string(s);
}

void json_member_uint(const char *key, uint64_t u) {
        json_key(key);
        json_uint(u);
}

void json_member_int(const char *key, int64_t i) {
        json_key(key);
        json_int(i);
}

void json_member_bool(const char *key, bool b) {
        json_key(key);
        json_bool(b);
}
