/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdarg.h>
#include <stdio.h>

#include "source/gpsd-message.h"
#include "common/glib-json.h"
#include "common/quote.h"
#include "common/util.h"

/* NMEA 0183 says 82; gpsd passes on the longer ones some receivers send, but not without end. */
#define NMEA_LINE_MAX 1024

_printf_(3, 4) static int fail(char *error, size_t size, const char *format, ...) {
        va_list ap;

        if (error && size > 0) {
                va_start(ap, format);
                vsnprintf(error, size, format, ap);
                va_end(ap);
        }
        return -EINVAL;
}

/* json-glib's parser recurses once per level: a line of 64 KiB of "[" must not reach it. */
static bool depth_at_most(const char *s, size_t n, unsigned max) {
        bool in_string = false, escaped = false;
        unsigned depth = 0;

        for (size_t i = 0; i < n; i++) {
                char c = s[i];

                if (in_string) {
                        if (escaped)
                                escaped = false;
                        else if (c == '\\')
                                escaped = true;
                        else if (c == '"')
                                in_string = false;
                } else if (c == '"')
                        in_string = true;
                else if (c == '[' || c == '{') {
                        if (++depth > max)
                                return false;
                } else if ((c == ']' || c == '}') && depth > 0)
                        depth--;
        }
        return true;
}

/* ---- JSON fields ---------------------------------------------------------------------------- */

typedef struct Ctx {
        const char *klass; /* for messages */
        char *error;
        size_t error_size;
} Ctx;

static int get_string(const Ctx *c, JsonObject *o, const char *name, bool required, char *buf, size_t size) {
        JsonNode *n = json_object_get_member(o, name);
        const char *s;
        size_t len;

        buf[0] = '\0';
        if (!n) {
                if (required)
                        return fail(c->error, c->error_size, "%s: \"%s\" is missing", c->klass, name);
                return 0;
        }
        if (!glib_json_holds(n, G_TYPE_STRING))
                return fail(c->error, c->error_size, "%s: \"%s\" is %s, not a string", c->klass, name,
                            glib_json_kind(n, true));
        s = json_node_get_string(n);
        len = strlen(s);
        /* json-glib makes invalid UTF-8 of a lone surrogate escape. */
        if (!g_utf8_validate(s, (gssize) len, NULL))
                return fail(c->error, c->error_size, "%s: \"%s\" is not valid UTF-8", c->klass, name);
        if (len >= size)
                return fail(c->error, c->error_size, "%s: \"%s\" is %zu bytes long, at most %zu allowed",
                            c->klass, name, len, size - 1);
        memcpy(buf, s, len + 1);
        return 0;
}

static int get_uint(const Ctx *c, JsonObject *o, const char *name, bool required, int64_t min, int64_t max,
                    unsigned *ret) {
        JsonNode *n = json_object_get_member(o, name);
        int64_t v;

        if (!n) {
                if (required)
                        return fail(c->error, c->error_size, "%s: \"%s\" is missing", c->klass, name);
                *ret = 0;
                return 0;
        }
        if (!glib_json_holds(n, G_TYPE_INT64))
                return fail(c->error, c->error_size, "%s: \"%s\" is %s, not an integer", c->klass, name,
                            glib_json_kind(n, true));
        v = json_node_get_int(n);
        if (v < min || v > max)
                return fail(c->error, c->error_size, "%s: \"%s\" is %" G_GINT64_FORMAT ", not in %" G_GINT64_FORMAT
                            "..%" G_GINT64_FORMAT, c->klass, name, v, min, max);
        *ret = (unsigned) v;
        return 0;
}

static int get_bool(const Ctx *c, JsonObject *o, const char *name, bool *ret) {
        JsonNode *n = json_object_get_member(o, name);

        *ret = false;
        if (!n)
                return 0;
        if (!glib_json_holds(n, G_TYPE_BOOLEAN))
                return fail(c->error, c->error_size, "%s: \"%s\" is %s, not a boolean", c->klass, name,
                            glib_json_kind(n, true));
        *ret = json_node_get_boolean(n);
        return 0;
}

static int get_array(const Ctx *c, JsonObject *o, const char *name, JsonArray **ret) {
        JsonNode *n = json_object_get_member(o, name);

        *ret = NULL;
        if (!n)
                return 0;
        if (!JSON_NODE_HOLDS_ARRAY(n))
                return fail(c->error, c->error_size, "%s: \"%s\" is %s, not an array", c->klass, name,
                            glib_json_kind(n, true));
        *ret = json_node_get_array(n);
        return 0;
}

/* ---- ISO 8601 UTC as gpsd writes it: 2026-12-03T12:28:46.000Z ------------------------------- */

static bool digits(const char *s, size_t n, unsigned *ret) {
        unsigned v = 0;

        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (unsigned) (s[i] - '0');
        }
        *ret = v;
        return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
        int64_t era;
        unsigned yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = (unsigned) (y - era * 400);
        doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int64_t) doe - 719468;
}

static bool parse_time(const char *s, int64_t *ret) {
        static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        unsigned y, mo, d, h, mi, sec, frac = 0;
        size_t n = strlen(s), i = 19, nfrac = 0;
        bool leap;

        if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
                return false;
        if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) || !digits(s + 11, 2, &h) ||
            !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &sec))
                return false;
        if (s[i] == '.') {
                for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, nfrac++)
                        if (nfrac < 6)
                                frac = frac * 10 + (unsigned) (s[i] - '0');
                if (nfrac == 0 || nfrac > 9)
                        return false;
                for (size_t k = nfrac; k < 6; k++)
                        frac *= 10;
        }
        if (i != n - 1 || s[i] != 'Z')
                return false;
        leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        /* A leap second (:60) is real GNSS time. */
        if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || h > 23 ||
            mi > 59 || sec > 60)
                return false;
        *ret = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 * (int64_t) USEC_PER_SEC +
               (int64_t) sec * (int64_t) USEC_PER_SEC + frac;
        return true;
}

/* ---- the classes ---------------------------------------------------------------------------- */

static int parse_tpv(const Ctx *c, JsonObject *o, GpsdTpv *t) {
        char time[40];
        unsigned v;
        int r;

        r = get_string(c, o, "device", false, t->device, sizeof(t->device));
        if (r < 0)
                return r;
        r = get_uint(c, o, "mode", true, 0, 3, &v);
        if (r < 0)
                return r;
        t->mode = (uint8_t) v;
        r = get_uint(c, o, "status", false, 0, 9, &v);
        if (r < 0)
                return r;
        t->status = (uint8_t) v;
        r = get_string(c, o, "time", false, time, sizeof(time));
        if (r < 0)
                return r;
        t->has_time = time[0] != '\0';
        if (t->has_time && !parse_time(time, &t->time_usec))
                return fail(c->error, c->error_size, "%s: \"time\" is %s, not a UTC time like 2026-01-01T00:00:00.000Z",
                            c->klass, QUOTE(time));
        return 0;
}

static int parse_sky(const Ctx *c, JsonObject *o, GpsdMessage *m) {
        JsonArray *sats;
        bool have_n = json_object_has_member(o, "nSat"), have_u = json_object_has_member(o, "uSat");
        unsigned n_sat = 0, u_sat = 0;
        int r;

        r = get_string(c, o, "device", false, m->sky.device, sizeof(m->sky.device));
        if (r < 0)
                return r;
        r = get_uint(c, o, "nSat", false, 0, 1024, &m->sky.n_sat);
        if (r < 0)
                return r;
        r = get_uint(c, o, "uSat", false, 0, 1024, &m->sky.u_sat);
        if (r < 0)
                return r;
        r = get_array(c, o, "satellites", &sats);
        if (r < 0)
                return r;
        for (unsigned i = 0; sats && i < json_array_get_length(sats); i++) {
                JsonNode *e = json_array_get_element(sats, i);
                bool used;

                if (!JSON_NODE_HOLDS_OBJECT(e))
                        return fail(c->error, c->error_size, "SKY: satellites[%u] is %s, not an object", i,
                                    glib_json_kind(e, true));
                r = get_bool(&(Ctx) { "SKY satellite", c->error, c->error_size }, json_node_get_object(e), "used",
                             &used);
                if (r < 0)
                        return r;
                n_sat++;
                u_sat += used;
        }
        if (!have_n)
                m->sky.n_sat = n_sat;
        if (!have_u)
                m->sky.u_sat = u_sat;
        if (m->sky.u_sat > m->sky.n_sat)
                return fail(c->error, c->error_size, "SKY: %u satellites used of %u seen", m->sky.u_sat,
                            m->sky.n_sat);
        return 0;
}

static int parse_poll(const Ctx *c, JsonObject *o, GpsdMessage *m) {
        JsonArray *tpvs;
        int r;

        r = get_uint(c, o, "active", true, 0, 1024, &m->poll.active);
        if (r < 0)
                return r;
        r = get_array(c, o, "tpv", &tpvs);
        if (r < 0)
                return r;
        for (unsigned i = 0; tpvs && i < json_array_get_length(tpvs); i++) {
                JsonNode *e = json_array_get_element(tpvs, i);
                GpsdTpv t = {};

                if (!JSON_NODE_HOLDS_OBJECT(e))
                        return fail(c->error, c->error_size, "POLL: tpv[%u] is %s, not an object", i,
                                    glib_json_kind(e, true));
                r = parse_tpv(&(Ctx) { "POLL tpv", c->error, c->error_size }, json_node_get_object(e), &t);
                if (r < 0)
                        return r;
                if (i == 0) {
                        m->poll.has_tpv = true;
                        m->poll.tpv = t;
                }
        }
        return 0;
}

static int parse_devices(const Ctx *c, JsonObject *o, GpsdMessage *m) {
        JsonArray *devices;
        int r;

        r = get_array(c, o, "devices", &devices);
        if (r < 0)
                return r;
        if (!devices)
                return fail(c->error, c->error_size, "DEVICES: \"devices\" is missing");
        for (unsigned i = 0; i < json_array_get_length(devices); i++) {
                JsonNode *e = json_array_get_element(devices, i);
                char path[GPSD_PATH_MAX];

                if (!JSON_NODE_HOLDS_OBJECT(e))
                        return fail(c->error, c->error_size, "DEVICES: devices[%u] is %s, not an object", i,
                                    glib_json_kind(e, true));
                r = get_string(&(Ctx) { "DEVICES device", c->error, c->error_size }, json_node_get_object(e),
                               "path", true, path, sizeof(path));
                if (r < 0)
                        return r;
        }
        m->devices.n_devices = json_array_get_length(devices);
        return 0;
}

static int parse_object(JsonObject *o, GpsdMessage *m, char *error, size_t error_size) {
        char klass[GPSD_NAME_MAX];
        Ctx c = { "gpsd message", error, error_size };
        int r;

        r = get_string(&c, o, "class", true, klass, sizeof(klass));
        if (r < 0)
                return r;
        c.klass = klass;

        if (streq(klass, "VERSION")) {
                m->type = GPSD_MESSAGE_VERSION;
                r = get_string(&c, o, "release", true, m->version.release, sizeof(m->version.release));
                if (r < 0)
                        return r;
                r = get_uint(&c, o, "proto_major", true, 0, 255, &m->version.proto_major);
                if (r < 0)
                        return r;
                return get_uint(&c, o, "proto_minor", true, 0, 255, &m->version.proto_minor);
        }
        if (streq(klass, "DEVICES")) {
                m->type = GPSD_MESSAGE_DEVICES;
                return parse_devices(&c, o, m);
        }
        if (streq(klass, "DEVICE")) {
                m->type = GPSD_MESSAGE_DEVICE;
                r = get_string(&c, o, "path", true, m->device.path, sizeof(m->device.path));
                if (r < 0)
                        return r;
                return get_string(&c, o, "driver", false, m->device.driver, sizeof(m->device.driver));
        }
        if (streq(klass, "WATCH")) {
                m->type = GPSD_MESSAGE_WATCH;
                return get_bool(&c, o, "enable", &m->watch.enable);
        }
        if (streq(klass, "TPV")) {
                m->type = GPSD_MESSAGE_TPV;
                return parse_tpv(&c, o, &m->tpv);
        }
        if (streq(klass, "SKY")) {
                m->type = GPSD_MESSAGE_SKY;
                return parse_sky(&c, o, m);
        }
        if (streq(klass, "POLL")) {
                m->type = GPSD_MESSAGE_POLL;
                return parse_poll(&c, o, m);
        }
        if (streq(klass, "ERROR")) {
                m->type = GPSD_MESSAGE_ERROR;
                return get_string(&c, o, "message", true, m->error.message, sizeof(m->error.message));
        }
        for (const char *p = klass; *p; p++)
                if (!ascii_isalnum(*p) && *p != '_' && *p != '-')
                        return fail(error, error_size, "gpsd message: \"class\" %s is no class name", QUOTE(klass));
        if (klass[0] == '\0')
                return fail(error, error_size, "gpsd message: \"class\" is empty");
        m->type = GPSD_MESSAGE_OTHER;
        memcpy(m->other.klass, klass, sizeof(klass));
        return 0;
}

static int parse_json(const char *line, size_t length, GpsdMessage *m, char *error, size_t error_size) {
        g_autoptr(JsonParser) parser = NULL;
        g_autoptr(GError) e = NULL;
        JsonNode *root;

        if (!depth_at_most(line, length, GPSD_JSON_DEPTH_MAX))
                return fail(error, error_size, "gpsd message: nested more than %u deep", GPSD_JSON_DEPTH_MAX);
        parser = json_parser_new_immutable();
        if (!json_parser_load_from_data(parser, line, (gssize) length, &e))
                return fail(error, error_size, "gpsd message: not JSON: %s", ESCAPE(e->message));
        root = json_parser_get_root(parser);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root))
                return fail(error, error_size, "gpsd message: JSON %s, not an object",
                            root ? glib_json_kind(root, true) : "nothing");
        return parse_object(json_node_get_object(root), m, error, error_size);
}

/* ---- raw NMEA ------------------------------------------------------------------------------- */

static int hex_digit(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

static int parse_nmea(const char *line, size_t length, GpsdMessage *m, char *error, size_t error_size) {
        const char *star, *text;
        size_t body;
        bool has_checksum;

        if (length > NMEA_LINE_MAX)
                return fail(error, error_size, "NMEA sentence: %zu bytes long, at most %u allowed", length,
                            NMEA_LINE_MAX);
        for (size_t i = 0; i < length; i++)
                if (line[i] < 0x20 || line[i] > 0x7e)
                        return fail(error, error_size, "NMEA sentence: byte %zu is 0x%02x, not printable ASCII",
                                    i, (unsigned char) line[i]);

        star = memchr(line, '*', length);
        has_checksum = star != NULL;
        body = has_checksum ? (size_t) (star - line) : length;
        if (has_checksum) {
                uint8_t sum = 0;
                int hi, lo;

                if (length - body != 3 || (hi = hex_digit(star[1])) < 0 || (lo = hex_digit(star[2])) < 0)
                        return fail(error, error_size, "NMEA sentence: the checksum is not two hex digits at the end");
                for (size_t i = 1; i < body; i++)
                        sum ^= (uint8_t) line[i];
                if (sum != (hi << 4 | lo))
                        return fail(error, error_size, "NMEA sentence: checksum %c%c, but the sentence sums to %02X",
                                    star[1], star[2], sum);
        }

        m->type = GPSD_MESSAGE_NMEA;
        /* $ttTXT,nn,nn,tt,text: only the u-blox antenna supervisor's text matters. */
        if (body < 7 || line[0] != '$' || memcmp(line + 3, "TXT,", 4) != 0)
                return 0;
        text = line + 7;
        for (unsigned f = 0; f < 3; f++) {
                text = memchr(text, ',', (size_t) (line + body - text));
                if (!text)
                        return fail(error, error_size, "NMEA TXT: fewer than 4 fields");
                text++;
        }
        size_t n = (size_t) (line + body - text);
        if (n < 10 || memcmp(text, "ANTSTATUS=", 10) != 0)
                return 0;
        if (!has_checksum)
                return fail(error, error_size, "NMEA TXT ANTSTATUS: no checksum");
        text += 10, n -= 10;

        m->type = GPSD_MESSAGE_ANTSTATUS;
        m->antstatus.talker[0] = line[1];
        m->antstatus.talker[1] = line[2];
        m->antstatus.talker[2] = '\0';
        for (GpsdAntenna a = 0; a < _GPSD_ANTENNA_MAX; a++) {
                const char *s = gpsd_antenna_to_string(a);

                if (n == strlen(s) && memcmp(text, s, n) == 0) {
                        m->antstatus.antenna = a;
                        return 0;
                }
        }
        char value[QUOTE_MAX + 1];
        memcpy(value, text, MIN(n, sizeof(value) - 1));
        value[MIN(n, sizeof(value) - 1)] = '\0';
        return fail(error, error_size, "NMEA TXT: ANTSTATUS=%s, not OK, OPEN or SHORT", ESCAPE(value));
}

int gpsd_message_parse(const char *line, size_t length, GpsdMessage *ret, char *error, size_t error_size) {
        GpsdMessage m = {};
        int r;

        if (error && error_size > 0)
                error[0] = '\0';
        if (length > GPSD_LINE_MAX) {
                fail(error, error_size, "gpsd line: %zu bytes long, at most %u allowed", length, GPSD_LINE_MAX);
                return -EMSGSIZE;
        }
        if (length > 0 && line[length - 1] == '\r')
                length--;
        if (memchr(line, '\0', length))
                return fail(error, error_size, "gpsd line: a NUL byte at %zu",
                            (size_t) ((const char *) memchr(line, '\0', length) - line));
        if (!g_utf8_validate(line, (gssize) length, NULL))
                return fail(error, error_size, "gpsd line: not valid UTF-8");
        if (length == 0)
                return fail(error, error_size, "gpsd line: empty");

        if (line[0] == '{')
                r = parse_json(line, length, &m, error, error_size);
        else if (line[0] == '$' || line[0] == '!')
                r = parse_nmea(line, length, &m, error, error_size);
        else {
                char first[2] = { line[0], '\0' };

                r = fail(error, error_size, "gpsd line: starts with %s, neither JSON nor NMEA", QUOTE(first));
        }
        if (r < 0)
                return r;
        *ret = m;
        return 0;
}

const char *gpsd_message_type_to_string(GpsdMessageType t) {
        static const char *const names[_GPSD_MESSAGE_MAX] = {
                [GPSD_MESSAGE_VERSION] = "VERSION", [GPSD_MESSAGE_DEVICES] = "DEVICES",
                [GPSD_MESSAGE_DEVICE] = "DEVICE",   [GPSD_MESSAGE_WATCH] = "WATCH",
                [GPSD_MESSAGE_TPV] = "TPV",         [GPSD_MESSAGE_SKY] = "SKY",
                [GPSD_MESSAGE_POLL] = "POLL",       [GPSD_MESSAGE_ERROR] = "ERROR",
                [GPSD_MESSAGE_OTHER] = "other",     [GPSD_MESSAGE_ANTSTATUS] = "ANTSTATUS",
                [GPSD_MESSAGE_NMEA] = "NMEA",
        };

        return (unsigned) t < _GPSD_MESSAGE_MAX ? names[t] : NULL;
}

const char *gpsd_antenna_to_string(GpsdAntenna a) {
        static const char *const names[_GPSD_ANTENNA_MAX] = {
                [GPSD_ANTENNA_OK] = "OK",
                [GPSD_ANTENNA_OPEN] = "OPEN",
                [GPSD_ANTENNA_SHORT] = "SHORT",
        };

        return (unsigned) a < _GPSD_ANTENNA_MAX ? names[a] : NULL;
}
