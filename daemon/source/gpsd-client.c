/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>

#include "common/inet-address.h"
#include "common/log.h"
#include "common/quote.h"
#include "source/gpsd-client.h"
#include "source/gpsd-message.h"
#include "source/gpsd-stream.h"
#include "source/ubx-frame.h"

#define TICK_USEC USEC_PER_SEC
#define DEFAULT_POLL_INTERVAL (4 * USEC_PER_SEC)
#define DEFAULT_RECONNECT_MIN (500 * USEC_PER_MSEC)
#define DEFAULT_RECONNECT_MAX (10 * USEC_PER_SEC)
/* recv() calls per wake-up: what gpsd sends in a burst, without starving the loop. */
#define RECEIVE_BUDGET 8
/* Our requests are a few dozen bytes: more unsent than this means gpsd reads nothing. */
#define OUTPUT_MAX 4096
#define LOG_BURST 5
#define LOG_INTERVAL (60 * USEC_PER_SEC)

static const char watch_request[] = "?WATCH={\"enable\":true,\"json\":true,\"nmea\":true}\n";
/* "raw":2: the receiver's packets as they came, its UBX frames among them (gpsd-stream.h). */
static const char watch_ubx_request[] = "?WATCH={\"enable\":true,\"json\":true,\"nmea\":true,\"raw\":2}\n";
static const char poll_request[] = "?POLL;\n";

struct GpsdClient {
        sd_event *event;
        char *address;
        struct sockaddr_storage sa;
        socklen_t sa_len;
        GnssParams params;
        uint64_t poll_interval_usec, reconnect_min_usec, reconnect_max_usec;
        const GpsdClientOps *ops;
        void *userdata;

        int fd;
        bool connecting, connected;
        sd_event_source *io;
        sd_event_source *tick;
        sd_event_source *reconnect;
        uint64_t backoff_usec;
        uint64_t next_poll_usec;
        unsigned connections;

        GpsdStream in;
        bool ubx_seen; /* a UBX frame this connection uses */
        uint64_t bad_checksums_logged;
        GString *out;

        GnssState state;
        RateLimit connect_log, line_log;
};

static uint64_t client_now(GpsdClient *c) {
        uint64_t now;

        if (sd_event_now(c->event, CLOCK_MONOTONIC, &now) < 0)
                now = now_usec(CLOCK_MONOTONIC);
        return now;
}

static void client_notify(GpsdClient *c, bool changed) {
        if (changed && c->ops && c->ops->changed)
                c->ops->changed(c, &c->state.value, c->userdata);
        if (c->ops && c->ops->updated)
                c->ops->updated(c, c->userdata);
}

bool gpsd_client_tacc(GpsdClient *c, uint32_t *ret) {
        return gnss_state_tacc(&c->state, &c->params, client_now(c), ret);
}

static _printf_(3, 4) void client_log(GpsdClient *c, RateLimit *rl, const char *fmt, ...) {
        g_autofree char *msg = NULL;
        unsigned suppressed;
        va_list ap;

        if (!ratelimit_below(rl, client_now(c), &suppressed))
                return;
        va_start(ap, fmt);
        msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        if (suppressed > 0)
                log_warning("gpsd %s: %s (and %u similar messages not logged)", c->address, msg, suppressed);
        else
                log_warning("gpsd %s: %s", c->address, msg);
}

static int client_connect(GpsdClient *c);

static int on_reconnect(sd_event_source *s _unused_, uint64_t usec _unused_, void *userdata) {
        GpsdClient *c = userdata;

        (void) client_connect(c);
        return 0;
}

/* Closes the connection, says so to the state, and retries after the backoff. */
static void client_drop(GpsdClient *c) {
        uint64_t now = client_now(c);
        int r;

        c->io = sd_event_source_disable_unref(c->io);
        if (c->fd >= 0) {
                close(c->fd);
                c->fd = -1;
        }
        c->connecting = c->connected = false;
        gpsd_stream_reset(&c->in);
        g_string_truncate(c->out, 0);
        client_notify(c, gnss_state_disconnected(&c->state, &c->params, now));

        r = sd_event_source_set_time(c->reconnect, now + c->backoff_usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(c->reconnect, SD_EVENT_ONESHOT);
        if (r < 0)
                log_error_errno(r, "gpsd %s: failed to arm the reconnect timer: %m", c->address);
        c->backoff_usec = MIN(c->backoff_usec * 2, c->reconnect_max_usec);
}

static _printf_(3, 4) void client_fail(GpsdClient *c, int error, const char *fmt, ...) {
        g_autofree char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        if (error != 0)
                client_log(c, &c->connect_log, "%s: %s (retrying in %.1f s)", msg, g_strerror(abs(error)),
                           (double) c->backoff_usec / USEC_PER_SEC);
        else
                client_log(c, &c->connect_log, "%s (retrying in %.1f s)", msg,
                           (double) c->backoff_usec / USEC_PER_SEC);
        client_drop(c);
}

static int client_update_events(GpsdClient *c) {
        uint32_t events = c->connecting ? EPOLLOUT : EPOLLIN | (c->out->len > 0 ? EPOLLOUT : 0);

        return sd_event_source_set_io_events(c->io, events);
}

/* Sends what is queued, as far as the socket takes it now. */
static int client_flush(GpsdClient *c) {
        while (c->out->len > 0) {
                ssize_t n = send(c->fd, c->out->str, c->out->len, MSG_DONTWAIT | MSG_NOSIGNAL);

                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                break;
                        return -errno;
                }
                g_string_erase(c->out, 0, n);
        }
        return client_update_events(c);
}

static int client_send(GpsdClient *c, const char *request) {
        if (c->out->len + strlen(request) > OUTPUT_MAX)
                return -ENOBUFS;
        g_string_append(c->out, request);
        return client_flush(c);
}

static void client_line(GpsdClient *c, const char *line, size_t length) {
        char error[GPSD_ERROR_MAX];
        uint64_t now = client_now(c);
        GpsdMessage m;
        bool changed = false;

        if (gpsd_message_parse(line, length, &m, error, sizeof(error)) < 0) {
                client_log(c, &c->line_log, "skipped a line: %s", error);
                return;
        }
        switch (m.type) {
        case GPSD_MESSAGE_VERSION:
                /* gpsd answers: what refused or reset the connection before was not this gpsd. */
                c->backoff_usec = c->reconnect_min_usec;
                if (m.version.proto_major != 3)
                        client_log(c, &c->line_log, "gpsd %s speaks protocol %u.%u, this client 3.x", ESCAPE(m.version.release),
                                   m.version.proto_major, m.version.proto_minor);
                else
                        log_info("gpsd %s: gpsd %s, protocol %u.%u.", c->address, ESCAPE(m.version.release),
                                 m.version.proto_major, m.version.proto_minor);
                break;
        case GPSD_MESSAGE_TPV:
                changed = gnss_state_tpv(&c->state, &c->params, m.tpv.mode, m.tpv.status, m.tpv.has_time,
                                         m.tpv.time_usec, now);
                break;
        case GPSD_MESSAGE_POLL:
                changed = gnss_state_poll(&c->state, &c->params, m.poll.active, now);
                break;
        case GPSD_MESSAGE_ANTSTATUS: {
                static const GnssAntenna map[_GPSD_ANTENNA_MAX] = {
                        [GPSD_ANTENNA_OK] = GNSS_ANTENNA_OK,
                        [GPSD_ANTENNA_OPEN] = GNSS_ANTENNA_OPEN,
                        [GPSD_ANTENNA_SHORT] = GNSS_ANTENNA_SHORT,
                };

                gnss_state_antenna(&c->state, map[m.antstatus.antenna], now);
                break;
        }
        case GPSD_MESSAGE_ERROR:
                client_log(c, &c->line_log, "gpsd refused a request: %s", ESCAPE(m.error.message));
                break;
        default:
                break;
        }
        client_notify(c, changed);
}

static void client_ubx(GpsdClient *c, const UbxFrame *f) {
        char error[UBX_ERROR_MAX];
        uint64_t now = client_now(c);
        UbxNavStatus status;
        UbxNavClock clock;
        UbxNavPvt pvt;
        UbxMonHw hw;
        int r;

        if (f->klass == UBX_CLASS_NAV && f->id == UBX_ID_NAV_STATUS) {
                r = ubx_decode_nav_status(f, &status, error, sizeof(error));
                if (r >= 0)
                        gnss_state_ubx_fix(&c->state, GNSS_UBX_NAV_STATUS_CLOCK, status.gps_fix, now);
        } else if (f->klass == UBX_CLASS_NAV && f->id == UBX_ID_NAV_CLOCK) {
                r = ubx_decode_nav_clock(f, &clock, error, sizeof(error));
                if (r >= 0)
                        gnss_state_ubx_tacc(&c->state, GNSS_UBX_NAV_STATUS_CLOCK, clock.t_acc_ns, now);
        } else if (f->klass == UBX_CLASS_NAV && f->id == UBX_ID_NAV_PVT) {
                r = ubx_decode_nav_pvt(f, &pvt, error, sizeof(error));
                if (r >= 0) {
                        gnss_state_ubx_fix(&c->state, GNSS_UBX_NAV_PVT, pvt.fix_type, now);
                        gnss_state_ubx_tacc(&c->state, GNSS_UBX_NAV_PVT, pvt.t_acc_ns, now);
                }
        } else if (f->klass == UBX_CLASS_MON && f->id == UBX_ID_MON_HW) {
                static const GnssAntenna map[_UBX_ANTENNA_MAX] = {
                        [UBX_ANTENNA_INIT] = GNSS_ANTENNA_UNKNOWN,  [UBX_ANTENNA_DONTKNOW] = GNSS_ANTENNA_UNKNOWN,
                        [UBX_ANTENNA_OK] = GNSS_ANTENNA_OK,         [UBX_ANTENNA_SHORT] = GNSS_ANTENNA_SHORT,
                        [UBX_ANTENNA_OPEN] = GNSS_ANTENNA_OPEN,
                };

                r = ubx_decode_mon_hw(f, &hw, error, sizeof(error));
                if (r >= 0)
                        gnss_state_antenna(&c->state, map[hw.a_status], now);
        } else
                /* Any other frame is the receiver's business. */
                return;
        if (r < 0) {
                client_log(c, &c->line_log, "skipped a UBX frame: %s", error);
                return;
        }
        if (!c->ubx_seen) {
                c->ubx_seen = true;
                log_info("gpsd %s: the receiver's UBX frames are read (UBX-%s first).", c->address,
                         ubx_frame_name(f->klass, f->id));
        }
}

/* A frame with a wrong checksum: gpsd relays what the serial line brought, noise too. */
static void client_log_bad_checksums(GpsdClient *c) {
        uint64_t n = c->in.bad_checksums - c->bad_checksums_logged;

        if (n == 0)
                return;
        c->bad_checksums_logged = c->in.bad_checksums;
        client_log(c, &c->line_log, "dropped %" PRIu64 " UBX frame(s) with a wrong checksum", n);
}

/* Reads what is there, within the budget, and hands on every complete line and UBX frame. */
static void client_read(GpsdClient *c) {
        for (unsigned i = 0; i < RECEIVE_BUDGET; i++) {
                GpsdStreamResult res;
                GpsdRecord record;
                size_t space;
                char *p = gpsd_stream_space(&c->in, &space);
                ssize_t n;

                n = recv(c->fd, p, space, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return;
                        client_fail(c, -errno, "the connection failed");
                        return;
                }
                if (n == 0) {
                        client_fail(c, 0, "gpsd closed the connection");
                        return;
                }
                gpsd_stream_filled(&c->in, (size_t) n);

                while ((res = gpsd_stream_next(&c->in, &record)) != GPSD_STREAM_MORE) {
                        if (res == GPSD_STREAM_TOO_LONG) {
                                client_fail(c, 0, "a line longer than %u bytes", GPSD_LINE_MAX);
                                return;
                        }
                        if (res == GPSD_STREAM_UBX)
                                client_ubx(c, &record.frame);
                        else
                                client_line(c, record.line, record.length);
                        if (!c->connected)
                                return;
                }
                client_log_bad_checksums(c);
        }
}

static void client_established(GpsdClient *c) {
        uint64_t now = client_now(c);
        int r;

        c->connecting = false;
        c->connected = true;
        c->connections++;
        c->ubx_seen = false;
        c->next_poll_usec = now + c->poll_interval_usec;
        client_notify(c, gnss_state_connected(&c->state, &c->params, now));
        r = client_send(c, c->params.ubx ? watch_ubx_request : watch_request);
        if (r < 0)
                client_fail(c, r, "failed to send ?WATCH");
}

static int on_io(sd_event_source *s _unused_, int fd _unused_, uint32_t revents, void *userdata) {
        GpsdClient *c = userdata;
        int r;

        if (c->connecting) {
                int error = 0;
                socklen_t len = sizeof(error);

                if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
                        error = errno;
                if (error != 0) {
                        client_fail(c, -error, "cannot connect");
                        return 0;
                }
                client_established(c);
                return 0;
        }
        if (revents & EPOLLOUT) {
                r = client_flush(c);
                if (r < 0) {
                        client_fail(c, r, "failed to send");
                        return 0;
                }
        }
        if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
                client_read(c);
        return 0;
}

static int client_connect(GpsdClient *c) {
        int r;

        c->fd = socket(c->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) {
                client_fail(c, -errno, "cannot make a socket");
                return 0;
        }
        c->connecting = true;
        if (connect(c->fd, (struct sockaddr *) &c->sa, c->sa_len) < 0 && errno != EINPROGRESS) {
                client_fail(c, -errno, "cannot connect");
                return 0;
        }
        r = sd_event_add_io(c->event, &c->io, c->fd, EPOLLOUT, on_io, c);
        if (r < 0) {
                client_fail(c, r, "cannot watch the socket");
                return 0;
        }
        return 0;
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        GpsdClient *c = userdata;
        int r;

        client_notify(c, gnss_state_tick(&c->state, &c->params, usec));
        if (c->connected && usec >= c->next_poll_usec) {
                c->next_poll_usec = usec + c->poll_interval_usec;
                r = client_send(c, poll_request);
                if (r < 0)
                        client_fail(c, r, "failed to send ?POLL");
        }
        r = sd_event_source_set_time(s, usec + TICK_USEC);
        if (r < 0)
                return log_error_errno(r, "gpsd %s: failed to re-arm the tick: %m", c->address);
        return 0;
}

int gpsd_client_new(GpsdClient **ret, sd_event *event, const GpsdClientSettings *s, const GpsdClientOps *ops,
                    void *userdata) {
        _cleanup_(gpsd_client_freep) GpsdClient *c = NULL;
        char error[INET_ADDRESS_ERROR_MAX];
        const char *address = s->address ?: GPSD_DEFAULT_ADDRESS, *why;
        uint64_t now;
        int r;

        why = gnss_params_check(&s->params);
        if (why)
                return log_error_errno(-EINVAL, "gpsd %s: %s.", address, why);

        c = g_new0(GpsdClient, 1);
        c->fd = -1;
        c->event = sd_event_ref(event);
        c->address = g_strdup(address);
        c->params = s->params;
        c->poll_interval_usec = s->poll_interval_usec ?: DEFAULT_POLL_INTERVAL;
        c->reconnect_min_usec = s->reconnect_min_usec ?: DEFAULT_RECONNECT_MIN;
        c->reconnect_max_usec = MAX(s->reconnect_max_usec ?: DEFAULT_RECONNECT_MAX, c->reconnect_min_usec);
        c->backoff_usec = c->reconnect_min_usec;
        c->ops = ops;
        c->userdata = userdata;
        gpsd_stream_init(&c->in, c->params.ubx);
        c->out = g_string_new(NULL);
        c->state = GNSS_STATE_INIT;
        c->connect_log = RATELIMIT_INIT(LOG_INTERVAL, LOG_BURST);
        c->line_log = RATELIMIT_INIT(LOG_INTERVAL, LOG_BURST);

        r = inet_address_parse(address, GPSD_DEFAULT_PORT, &c->sa, &c->sa_len, error, sizeof(error));
        if (r < 0)
                return log_error_errno(r, "gpsd address: %s.", error);

        now = client_now(c);
        r = sd_event_add_time(event, &c->tick, CLOCK_MONOTONIC, now + TICK_USEC, 0, on_tick, c);
        if (r < 0)
                return log_error_errno(r, "Failed to add the gpsd tick: %m");
        r = sd_event_source_set_enabled(c->tick, SD_EVENT_ON);
        if (r < 0)
                return log_error_errno(r, "Failed to enable the gpsd tick: %m");
        r = sd_event_add_time(event, &c->reconnect, CLOCK_MONOTONIC, now, 0, on_reconnect, c);
        if (r < 0)
                return log_error_errno(r, "Failed to add the gpsd reconnect timer: %m");
        r = sd_event_source_set_enabled(c->reconnect, SD_EVENT_OFF);
        if (r < 0)
                return log_error_errno(r, "Failed to add the gpsd reconnect timer: %m");

        (void) client_connect(c);
        *ret = TAKE_PTR(c);
        return 0;
}

GpsdClient *gpsd_client_free(GpsdClient *c) {
        if (!c)
                return NULL;
        c->io = sd_event_source_disable_unref(c->io);
        c->tick = sd_event_source_disable_unref(c->tick);
        c->reconnect = sd_event_source_disable_unref(c->reconnect);
        if (c->fd >= 0)
                close(c->fd);
        sd_event_unref(c->event);
        g_free(c->address);
        gpsd_stream_done(&c->in);
        if (c->out)
                g_string_free(c->out, true);
        g_free(c);
        return NULL;
}

const GnssState *gpsd_client_state(const GpsdClient *c) {
        return &c->state;
}

bool gpsd_client_connected(const GpsdClient *c) {
        return c->connected;
}

const char *gpsd_client_address(const GpsdClient *c) {
        return c->address;
}

unsigned gpsd_client_connections(const GpsdClient *c) {
        return c->connections;
}
