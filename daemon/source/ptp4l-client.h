/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A management client of one ptp4l instance, on sd-event
 *
 * Two AF_UNIX datagram sockets, each bound to a path of its own in the
 * runtime directory (ptp4l answers to the address it received from, and
 * abstract or relative names get lost across network namespaces) and
 * connected to ptp4l's socket, so that the kernel delivers datagrams from
 * ptp4l's socket only:
 *
 *   <runtime>/ptp4l-<name>.sock         requests and their replies
 *   <runtime>/ptp4l-<name>-events.sock  SUBSCRIBE_EVENTS_NP and the pushes
 *
 * The subscription has its own socket and identity because ptp4l's pushes
 * look like replies (RESPONSE + PORT_DATA_SET) with a sequence counter of
 * their own. Our identities are fixed, so that a restarted daemon replaces
 * its old subscription in ptp4l instead of adding a second one.
 *
 * Every poll interval a round of GETs goes out -- TIME_STATUS_NP,
 * PARENT_DATA_SET, TIME_PROPERTIES_DATA_SET, and PORT_DATA_SET of every
 * port; DEFAULT_DATA_SET and PORT_PROPERTIES_NP first after every (re)connect.
 * Replies are matched by sequence id and managementId and, once known, by
 * ptp4l's clockIdentity. A round not complete when the next one is due counts
 * as no answer (ops->silent), as does a socket that cannot be reached.
 * A SET of GRANDMASTER_SETTINGS_NP (a grandmaster's class writer) goes out on
 * the events socket too, so that it never mixes with a round's replies.
 * The subscription is renewed at half its duration and re-made whenever the
 * socket is reconnected (a ptp4l restart makes a new socket: the old
 * connection is refused, which is how we notice).
 *
 * Nothing here blocks: all sends are MSG_DONTWAIT, one datagram each; a
 * wake-up reads a bounded number of datagrams. A datagram that does not
 * decode, or is no answer to anything we asked, is ignored with a
 * rate-limited log line.
 */
#pragma once

#include <systemd/sd-event.h>

#include "source/pmc.h"
#include "source/ptp4l-state.h"
#include "common/util.h"

/* The subscription's duration; renewed at half of it. */
#define PTP4L_SUBSCRIPTION_SEC 180

typedef struct Ptp4lClient Ptp4lClient;

typedef struct Ptp4lClientSettings {
        const char *name;        /* [ptp4l NAME]: in log lines and socket names */
        const char *socket;      /* ptp4l's uds_address */
        const char *runtime_dir; /* where our sockets are bound */
        uint8_t domain_number;
        uint8_t transport_specific;
        uint64_t poll_interval_usec;
        uint16_t identity_port; /* our port numbers: this (requests) and this + 1 (events) */
} Ptp4lClientSettings;

/* A complete round. have_* say what ptp4l answered at all (older ones lack some ids). */
typedef struct Ptp4lAnswers {
        uint64_t round; /* the round's number; see ptp4l_client_round() */
        PmcDefaultDataSet default_data_set; /* from the last (re)connect */
        bool have_port_properties;
        PmcPortProperties port_properties; /* of the lowest-numbered port */
        bool have_time_properties;
        PmcTimePropertiesDataSet time_properties;
        PmcTimeStatus time_status;
        PmcParentDataSet parent_data_set;
        PmcPortDataSet ports[PTP4L_PORTS_MAX];
        unsigned n_ports;
} Ptp4lAnswers;

typedef struct Ptp4lClientOps {
        /* A round is complete. */
        void (*answered)(Ptp4lClient *c, const Ptp4lAnswers *a, void *userdata);
        /* ptp4l could not be reached, or did not answer a round in time: -errno and why. */
        void (*silent)(Ptp4lClient *c, int error, const char *why, void *userdata);
        /* A port changed state: ptp4l's push. */
        void (*port_changed)(Ptp4lClient *c, const PmcPortDataSet *p, void *userdata);
        /*
         * ptp4l answered the last ptp4l_client_write_grandmaster_settings(): with what it took
         * (refused NULL), or refused it (s NULL, refused its management error). May be NULL.
         */
        void (*settings_written)(Ptp4lClient *c, const PmcGrandmasterSettings *s, const char *refused,
                                 void *userdata);
} Ptp4lClientOps;

/* Binds the sockets and starts polling at once. Copies the settings' strings. */
int ptp4l_client_new(Ptp4lClient **ret, sd_event *event, const Ptp4lClientSettings *s, const Ptp4lClientOps *ops,
                     void *userdata);
/* Unsubscribes (best effort, without waiting) and removes the socket files. */
Ptp4lClient *ptp4l_client_free(Ptp4lClient *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Ptp4lClient *, ptp4l_client_free);

/* Starts a round now instead of at the next tick (or right after the one under way). */
void ptp4l_client_poll_now(Ptp4lClient *c);

/*
 * Sends SET GRANDMASTER_SETTINGS_NP, without waiting; ops->settings_written hears the answer, if
 * one comes (the next rounds tell in any case). Only the answer to the last one sent counts.
 * Returns < 0 if it could not be sent.
 */
int ptp4l_client_write_grandmaster_settings(Ptp4lClient *c, const PmcGrandmasterSettings *s);

/* The number of the round started last (counting from 1); 0 before the first. */
uint64_t ptp4l_client_round(const Ptp4lClient *c);

const char *ptp4l_client_name(const Ptp4lClient *c);
bool ptp4l_client_subscribed(const Ptp4lClient *c);
