/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <glib.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "common/log.h"
#include "source/ptp4l-client.h"
#include "common/socket-address.h"

/* Datagrams read per wake-up: a flood cannot starve the bus. */
#define RECEIVE_BUDGET 64
/* Of each kind of odd datagram, this many log lines per minute. */
#define ODD_DATAGRAM_LOG_BURST 5
#define ODD_DATAGRAM_LOG_INTERVAL (60 * USEC_PER_SEC)
/* Requests of one round, at most. */
#define ROUND_REQUESTS_MAX 8

/* "ptpsync" as our clockIdentity: fixed, so a restarted daemon is the same subscriber to ptp4l. */
static const PmcClockIdentity client_clock_identity = { { 'p', 't', 'p', 's', 'y', 'n', 'c', 0 } };

typedef struct Request {
        uint16_t sequence_id;
        PmcId id;
        unsigned replies_left; /* one per port for PMC_PORT_ALL */
} Request;

typedef struct Endpoint {
        int fd;
        char *path; /* where it is bound */
        PmcRequester requester;
        uint16_t next_sequence_id;
        sd_event_source *io;
} Endpoint;

struct Ptp4lClient {
        sd_event *event;
        char *name;
        char *socket;
        uint64_t poll_interval_usec;
        const Ptp4lClientOps *ops;
        void *userdata;

        Endpoint requests;
        Endpoint events;
        sd_event_source *timer;

        bool connected;
        bool identified; /* DEFAULT_DATA_SET read since the last (re)connect */
        Ptp4lAnswers answers;

        uint64_t round_started_usec;
        bool round_active;
        bool round_again;
        Request round[ROUND_REQUESTS_MAX];
        unsigned n_round;

        bool settings_pending;
        uint16_t settings_sequence_id;

        bool subscribe_pending;
        uint16_t subscribe_sequence_id;
        bool subscribed;
        uint64_t subscription_renew_usec;

        RateLimit odd_datagram_log;
};

static void endpoint_done(Endpoint *e) {
        e->io = sd_event_source_disable_unref(e->io);
        if (e->fd >= 0) {
                close(e->fd);
                e->fd = -1;
        }
        if (e->path) {
                (void) unlink(e->path);
                g_clear_pointer(&e->path, g_free);
        }
}

static int endpoint_open(Endpoint *e, const char *path) {
        struct sockaddr_un sa;
        socklen_t len;
        int r;

        r = socket_address_from_path(path, &sa, &len);
        if (r < 0)
                return log_error_errno(r, "Client socket path %s is too long for AF_UNIX.", path);
        e->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (e->fd < 0)
                return log_error_errno(errno, "Failed to create a socket for ptp4l: %m");
        /* A socket file left by an earlier run would make bind() fail. */
        (void) unlink(path);
        if (bind(e->fd, (struct sockaddr *) &sa, len) < 0)
                return log_error_errno(errno, "Failed to bind the ptp4l client socket %s: %m", path);
        e->path = g_strdup(path);
        return 0;
}

static uint64_t client_now(Ptp4lClient *c) {
        uint64_t now;

        if (sd_event_now(c->event, CLOCK_MONOTONIC, &now) < 0)
                now = now_usec(CLOCK_MONOTONIC);
        return now;
}

const char *ptp4l_client_name(const Ptp4lClient *c) {
        return c->name;
}

uint64_t ptp4l_client_round(const Ptp4lClient *c) {
        return c->answers.round;
}

bool ptp4l_client_subscribed(const Ptp4lClient *c) {
        return c->subscribed;
}

static _printf_(2, 3) void client_log_odd(Ptp4lClient *c, const char *fmt, ...) {
        g_autofree char *msg = NULL;
        unsigned suppressed;
        va_list ap;

        if (!ratelimit_below(&c->odd_datagram_log, client_now(c), &suppressed))
                return;
        va_start(ap, fmt);
        msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        if (suppressed > 0)
                log_warning("ptp4l %s: %s (and %u similar datagrams not logged)", c->name, msg, suppressed);
        else
                log_warning("ptp4l %s: %s", c->name, msg);
}

/* Connects both sockets to ptp4l's. A new connection is a new ptp4l, as far as we know. */
static int client_connect(Ptp4lClient *c) {
        struct sockaddr_un sa;
        socklen_t len;
        int r;

        r = socket_address_from_path(c->socket, &sa, &len);
        if (r < 0)
                return r;
        if (connect(c->requests.fd, (struct sockaddr *) &sa, len) < 0 ||
            connect(c->events.fd, (struct sockaddr *) &sa, len) < 0)
                return -errno;

        c->connected = true;
        c->identified = false;
        c->subscribed = false;
        c->subscribe_pending = false;
        return 0;
}

static void client_silent(Ptp4lClient *c, int error, const char *fmt, ...) _printf_(3, 4);
static void client_silent(Ptp4lClient *c, int error, const char *fmt, ...) {
        g_autofree char *why = NULL;
        va_list ap;

        va_start(ap, fmt);
        why = g_strdup_vprintf(fmt, ap);
        va_end(ap);

        c->round_active = false;
        c->round_again = false;
        c->subscribed = false;
        c->ops->silent(c, -abs(error), why, c->userdata);
}

static bool error_means_gone(int error) {
        return error == ECONNREFUSED || error == ENOENT || error == ENOTCONN || error == EPIPE ||
                error == ECONNRESET || error == EDESTADDRREQ;
}

/* Sends one datagram; reconnects once if ptp4l's socket was replaced (a restart). */
static int client_send(Ptp4lClient *c, Endpoint *e, const uint8_t *buf, size_t size) {
        for (unsigned attempt = 0;; attempt++) {
                ssize_t n = send(e->fd, buf, size, MSG_DONTWAIT | MSG_NOSIGNAL);
                int r;

                if (n == (ssize_t) size)
                        return 0;
                if (n >= 0)
                        return -EMSGSIZE;
                if (!error_means_gone(errno) || attempt > 0)
                        return -errno;
                c->connected = false;
                r = client_connect(c);
                if (r < 0)
                        return r;
                log_info("ptp4l %s: reconnected to %s (ptp4l restarted?)", c->name, c->socket);
        }
}

static int client_send_get(Ptp4lClient *c, PmcId id, uint16_t port, unsigned replies) {
        uint8_t buf[PMC_GET_SIZE];
        Request *q;
        ssize_t n;
        int r;

        assert(c->n_round < ROUND_REQUESTS_MAX);
        q = &c->round[c->n_round];
        *q = (Request) { .sequence_id = c->requests.next_sequence_id++, .id = id, .replies_left = replies };

        n = pmc_encode_get(&c->requests.requester, q->sequence_id, id, port, buf, sizeof(buf));
        assert(n == PMC_GET_SIZE);
        r = client_send(c, &c->requests, buf, (size_t) n);
        if (r < 0)
                return r;
        c->n_round++;
        return 0;
}

static int client_send_subscribe(Ptp4lClient *c, uint16_t duration_sec) {
        PmcSubscribeEvents s = { .duration_sec = duration_sec };
        uint8_t buf[PMC_SUBSCRIBE_SIZE];
        ssize_t n;
        int r;

        if (duration_sec > 0)
                pmc_subscribe_events_set(&s, PMC_EVENT_PORT_STATE);
        c->subscribe_sequence_id = c->events.next_sequence_id++;
        n = pmc_encode_subscribe(&c->events.requester, c->subscribe_sequence_id, &s, buf, sizeof(buf));
        assert(n == PMC_SUBSCRIBE_SIZE);
        r = client_send(c, &c->events, buf, (size_t) n);
        if (r < 0)
                return r;
        c->subscribe_pending = duration_sec > 0;
        return 0;
}

int ptp4l_client_write_grandmaster_settings(Ptp4lClient *c, const PmcGrandmasterSettings *s) {
        uint8_t buf[PMC_GRANDMASTER_SETTINGS_SIZE];
        uint16_t sequence_id = c->events.next_sequence_id++;
        ssize_t n;
        int r;

        if (!c->connected) {
                r = client_connect(c);
                if (r < 0)
                        return r;
        }
        n = pmc_encode_grandmaster_settings(&c->events.requester, sequence_id, s, buf, sizeof(buf));
        assert(n == PMC_GRANDMASTER_SETTINGS_SIZE);
        r = client_send(c, &c->events, buf, (size_t) n);
        if (r < 0)
                return r;
        c->settings_pending = true;
        c->settings_sequence_id = sequence_id;
        return 0;
}

/* The data sets that need the port count come once DEFAULT_DATA_SET has told it. */
static int client_send_round_body(Ptp4lClient *c) {
        unsigned ports = MIN(c->answers.default_data_set.number_ports, (unsigned) PTP4L_PORTS_MAX);
        int r;

        c->answers.n_ports = 0;
        r = client_send_get(c, PMC_ID_TIME_STATUS_NP, PMC_PORT_ALL, 1);
        if (r >= 0)
                r = client_send_get(c, PMC_ID_PARENT_DATA_SET, PMC_PORT_ALL, 1);
        if (r >= 0)
                r = client_send_get(c, PMC_ID_TIME_PROPERTIES_DATA_SET, PMC_PORT_ALL, 1);
        if (r >= 0 && ports > 0)
                r = client_send_get(c, PMC_ID_PORT_DATA_SET, PMC_PORT_ALL, ports);
        if (r >= 0 && ports > 0 && !c->answers.have_port_properties)
                /* Only the lowest-numbered port's is kept: replies come in port order. */
                r = client_send_get(c, PMC_ID_PORT_PROPERTIES_NP, PMC_PORT_ALL, ports);
        return r;
}

static void client_start_round(Ptp4lClient *c) {
        uint64_t now = client_now(c);
        int r;

        c->n_round = 0;
        c->round_again = false;
        c->answers.round++;
        c->round_started_usec = now;

        if (!c->connected) {
                r = client_connect(c);
                if (r < 0)
                        return client_silent(c, r, "cannot reach ptp4l at %s: %s", c->socket, strerror(-r));
        }

        if (!c->identified) {
                c->answers.have_port_properties = false;
                r = client_send_get(c, PMC_ID_DEFAULT_DATA_SET, PMC_PORT_ALL, 1);
        } else
                r = client_send_round_body(c);
        if (r < 0)
                return client_silent(c, r, "cannot send to ptp4l at %s: %s", c->socket, strerror(-r));
        c->round_active = true;

        if (!c->subscribed || now >= c->subscription_renew_usec) {
                r = client_send_subscribe(c, PTP4L_SUBSCRIPTION_SEC);
                if (r < 0)
                        log_warning_errno(r, "ptp4l %s: failed to subscribe to port state changes: %m", c->name);
        }
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        Ptp4lClient *c = userdata;
        int r;

        /* From now, not from usec: after a stall the rounds do not try to catch up. */
        r = sd_event_source_set_time(s, client_now(c) + c->poll_interval_usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ON);
        if (r < 0)
                log_error_errno(r, "ptp4l %s: failed to re-arm the poll timer: %m", c->name);

        /* A round that a push started just before this tick has its full interval to complete. */
        if (c->round_active && client_now(c) - c->round_started_usec < c->poll_interval_usec) {
                c->round_again = true;
                return 0;
        }
        if (c->round_active)
                client_silent(c, ETIMEDOUT, "no reply from ptp4l at %s within %" PRIu64 " ms%s", c->socket,
                              c->poll_interval_usec / USEC_PER_MSEC,
                              c->identified ? ""
                                            : "; a DomainNumber= or TransportSpecific= other than ptp4l's "
                                              "makes it ignore us");
        client_start_round(c);
        return 0;
}

void ptp4l_client_poll_now(Ptp4lClient *c) {
        if (c->round_active)
                c->round_again = true;
        else
                client_start_round(c);
}

static Request *round_find(Ptp4lClient *c, uint16_t sequence_id) {
        for (unsigned i = 0; i < c->n_round; i++)
                if (c->round[i].sequence_id == sequence_id)
                        return &c->round[i];
        return NULL;
}

static bool round_complete(const Ptp4lClient *c) {
        for (unsigned i = 0; i < c->n_round; i++)
                if (c->round[i].replies_left > 0)
                        return false;
        return true;
}

/* Takes one reply's data set; false when it is a refusal we cannot do without. */
static bool client_take_reply(Ptp4lClient *c, const PmcMessage *m) {
        Ptp4lAnswers *a = &c->answers;

        if (m->tlv_type == PMC_TLV_MANAGEMENT_ERROR_STATUS) {
                const char *e = pmc_management_error_to_string(m->error_status.error);

                if (m->id == PMC_ID_PORT_PROPERTIES_NP || m->id == PMC_ID_TIME_PROPERTIES_DATA_SET) {
                        log_debug("ptp4l %s: no %s (%s)", c->name, pmc_id_to_string(m->id), strna(e));
                        return true;
                }
                client_silent(c, EPROTO, "ptp4l at %s refused %s: %s", c->socket, pmc_id_to_string(m->id),
                              strna(e));
                return false;
        }

        switch (m->id) {
        case PMC_ID_DEFAULT_DATA_SET:
                a->default_data_set = m->default_data_set;
                break;
        case PMC_ID_TIME_STATUS_NP:
                a->time_status = m->time_status;
                break;
        case PMC_ID_PARENT_DATA_SET:
                a->parent_data_set = m->parent_data_set;
                break;
        case PMC_ID_TIME_PROPERTIES_DATA_SET:
                a->time_properties = m->time_properties_data_set;
                a->have_time_properties = true;
                break;
        case PMC_ID_PORT_DATA_SET:
                if (a->n_ports < PTP4L_PORTS_MAX)
                        a->ports[a->n_ports++] = m->port_data_set;
                break;
        case PMC_ID_PORT_PROPERTIES_NP:
                if (!a->have_port_properties ||
                    m->port_properties.port_identity.port_number < a->port_properties.port_identity.port_number)
                        a->port_properties = m->port_properties;
                a->have_port_properties = true;
                break;
        default:
                break;
        }
        return true;
}

/* Checks what every datagram from ptp4l must be; NULL if fine, else why not. */
static const char *client_check_header(Ptp4lClient *c, const Endpoint *e, const PmcMessage *m) {
        if (m->header.action != PMC_ACTION_RESPONSE && m->header.action != PMC_ACTION_ACKNOWLEDGE)
                return "not a response";
        if (!pmc_port_identity_equal(&m->header.target, &e->requester.identity) &&
            !pmc_clock_identity_equal(&m->header.target.clock_identity,
                                      &(PmcClockIdentity) { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } }))
                return "addressed to another client";
        if (m->header.domain_number != e->requester.domain_number)
                return "of another domain";
        /* Before DEFAULT_DATA_SET arrives, its own reply is the only one we expect. */
        if (c->identified &&
            !pmc_clock_identity_equal(&m->header.source.clock_identity,
                                      &c->answers.default_data_set.clock_identity))
                return "from another clock";
        return NULL;
}

static void client_handle_reply(Ptp4lClient *c, const PmcMessage *m) {
        const char *why = client_check_header(c, &c->requests, m);
        Request *q;

        if (why)
                return client_log_odd(c, "ignored a %s %s", pmc_id_to_string(m->id) ?: "reply", why);

        q = round_find(c, m->header.sequence_id);
        if (!c->round_active || !q || q->id != m->id || q->replies_left == 0)
                /* A late reply to a round given up on: harmless, and expected after a stall. */
                return log_debug("ptp4l %s: late or unexpected reply to %s, seq %u", c->name,
                                 strna(pmc_id_to_string(m->id)), m->header.sequence_id);

        q->replies_left--;
        if (!client_take_reply(c, m))
                return;

        if (m->id == PMC_ID_DEFAULT_DATA_SET && m->tlv_type == PMC_TLV_MANAGEMENT) {
                int r;

                c->identified = true;
                r = client_send_round_body(c);
                if (r < 0)
                        return client_silent(c, r, "cannot send to ptp4l at %s: %s", c->socket, strerror(-r));
        }

        if (!round_complete(c))
                return;
        c->round_active = false;
        c->ops->answered(c, &c->answers, c->userdata);
        if (c->round_again)
                client_start_round(c);
}

static void client_handle_event(Ptp4lClient *c, const PmcMessage *m) {
        const char *why = client_check_header(c, &c->events, m);

        if (why)
                return client_log_odd(c, "ignored a %s %s", pmc_id_to_string(m->id) ?: "push", why);

        if (m->tlv_type == PMC_TLV_MANAGEMENT && m->id == PMC_ID_SUBSCRIBE_EVENTS_NP &&
            c->subscribe_pending && m->header.sequence_id == c->subscribe_sequence_id) {
                if (!c->subscribed)
                        log_info("ptp4l %s: subscribed to port state changes for %u s", c->name,
                                 m->subscribe_events.duration_sec);
                c->subscribe_pending = false;
                c->subscribed = true;
                c->subscription_renew_usec = client_now(c) + PTP4L_SUBSCRIPTION_SEC * USEC_PER_SEC / 2;
                return;
        }
        if (m->tlv_type == PMC_TLV_MANAGEMENT && m->id == PMC_ID_SUBSCRIBE_EVENTS_NP) {
                /* Not the answer we wait for: most likely our predecessor's unsubscribe, after a reload. */
                log_debug("ptp4l %s: ignored an answer to a subscription request not ours", c->name);
                return;
        }
        if (m->tlv_type == PMC_TLV_MANAGEMENT && m->id == PMC_ID_PORT_DATA_SET) {
                c->ops->port_changed(c, &m->port_data_set, c->userdata);
                return;
        }
        if (m->id == PMC_ID_GRANDMASTER_SETTINGS_NP) {
                if (!c->settings_pending || m->header.sequence_id != c->settings_sequence_id)
                        return log_debug("ptp4l %s: ignored an answer to an earlier GRANDMASTER_SETTINGS_NP",
                                         c->name);
                c->settings_pending = false;
                if (!c->ops->settings_written)
                        return;
                if (m->tlv_type == PMC_TLV_MANAGEMENT)
                        c->ops->settings_written(c, &m->grandmaster_settings, NULL, c->userdata);
                else
                        c->ops->settings_written(c, NULL,
                                                 pmc_management_error_to_string(m->error_status.error) ?: "an "
                                                 "unknown management error", c->userdata);
                return;
        }
        if (m->tlv_type == PMC_TLV_MANAGEMENT_ERROR_STATUS && m->id == PMC_ID_SUBSCRIBE_EVENTS_NP) {
                c->subscribe_pending = false;
                return client_log_odd(c, "refused the subscription to port state changes: %s",
                                      strna(pmc_management_error_to_string(m->error_status.error)));
        }
        client_log_odd(c, "ignored an unexpected %s on the events socket", strna(pmc_id_to_string(m->id)));
}

static int on_datagram(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Ptp4lClient *c = userdata;
        bool events = fd == c->events.fd;

        for (unsigned i = 0; i < RECEIVE_BUDGET; i++) {
                /* One byte more than ptp4l can send, so that MSG_TRUNC tells an oversized one. */
                uint8_t buf[PMC_MESSAGE_MAX + 1];
                char reason[PMC_ERROR_STRING_MAX];
                PmcMessage m;
                PmcError e;
                ssize_t n;

                n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return 0;
                        if (!error_means_gone(errno))
                                log_warning_errno(errno, "ptp4l %s: failed to receive: %m", c->name);
                        return 0;
                }
                e = pmc_decode(buf, MIN((size_t) n, sizeof(buf)), &m);
                if ((size_t) n > sizeof(buf))
                        e = PMC_ERROR_TOO_LARGE;
                if (e != PMC_OK) {
                        client_log_odd(c, "ignored a datagram of %zd bytes: %s", n,
                                       pmc_error_format(e, &m, reason, sizeof(reason)));
                        continue;
                }
                if (events)
                        client_handle_event(c, &m);
                else
                        client_handle_reply(c, &m);
        }
        /* More is waiting: the source stays ready, and the loop comes back after other work. */
        return 0;
}

static int endpoint_setup(Ptp4lClient *c, Endpoint *e, const Ptp4lClientSettings *s, const char *suffix,
                          uint16_t port) {
        g_autofree char *path = g_strdup_printf("%s/ptp4l-%s%s.sock", s->runtime_dir, s->name, suffix);
        int r;

        e->requester = (PmcRequester) {
                .transport_specific = s->transport_specific,
                .domain_number = s->domain_number,
                .identity = { .clock_identity = client_clock_identity, .port_number = port },
        };
        r = endpoint_open(e, path);
        if (r < 0)
                return r;
        r = sd_event_add_io(c->event, &e->io, e->fd, EPOLLIN, on_datagram, c);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the ptp4l client socket: %m");
        return 0;
}

int ptp4l_client_new(Ptp4lClient **ret, sd_event *event, const Ptp4lClientSettings *s, const Ptp4lClientOps *ops,
                     void *userdata) {
        _cleanup_(ptp4l_client_freep) Ptp4lClient *c = NULL;
        int r;

        c = g_new0(Ptp4lClient, 1);
        c->event = sd_event_ref(event);
        c->name = g_strdup(s->name);
        c->socket = g_strdup(s->socket);
        c->poll_interval_usec = s->poll_interval_usec;
        c->ops = ops;
        c->userdata = userdata;
        c->requests.fd = c->events.fd = -1;
        c->odd_datagram_log = RATELIMIT_INIT(ODD_DATAGRAM_LOG_INTERVAL, ODD_DATAGRAM_LOG_BURST);

        r = endpoint_setup(c, &c->requests, s, "", s->identity_port);
        if (r >= 0)
                r = endpoint_setup(c, &c->events, s, "-events", (uint16_t) (s->identity_port + 1));
        if (r < 0)
                return r;

        /* Due now: the first round goes out as soon as the loop runs. */
        r = sd_event_add_time(event, &c->timer, CLOCK_MONOTONIC, 0, 0, on_tick, c);
        if (r < 0)
                return log_error_errno(r, "Failed to add the ptp4l poll timer: %m");

        *ret = TAKE_PTR(c);
        return 0;
}

Ptp4lClient *ptp4l_client_free(Ptp4lClient *c) {
        if (!c)
                return NULL;
        if (c->subscribed)
                (void) client_send_subscribe(c, 0);
        c->timer = sd_event_source_disable_unref(c->timer);
        endpoint_done(&c->requests);
        endpoint_done(&c->events);
        sd_event_unref(c->event);
        g_free(c->name);
        g_free(c->socket);
        g_free(c);
        return NULL;
}
