/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What is outstanding toward one peer
 *
 * Neither bus tells a sender that a receiver stopped reading. Our unicast
 * signals then pile up in the bus, and dbus-daemon counts them against *our*
 * connection: past its limit it stops reading from us, and every other client
 * starves. Per-subscription windows do not bound this (one user may hold 64
 * subscriptions of Window 1024, with retries every millisecond). So what we
 * have sent toward each peer is counted, in messages and bytes, and is known
 * read only when the peer acts on it: messages between two peers keep their
 * order, so an Ack or Nack of an event proves that the peer read everything we
 * sent it up to that event's last send (its mark). Past a bound per peer, and
 * a total over all peers, a peer gets nothing more until it shows it read --
 * a stopped consumer holds at most its bound in the bus, and nobody else
 * waits for it. A peer with nothing outstanding may always have one message,
 * so a consumer that keeps up is never held by the total. A held peer may
 * have nothing left to answer (the bus dropped what it was sent, or it
 * ignored it): it is pinged (subscriptions.c), and its answer, which comes
 * after everything sent before the ping, counts as having read it all.
 *
 * Pure: no I/O, the caller says what it sent and what the peer acted on.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define PEER_OUTSTANDING_MESSAGES_MAX 1024U
#define PEER_OUTSTANDING_BYTES_MAX (UINT64_C(4) << 20)
/* Well below dbus-daemon's 127 MiB per connection, which counts what waits in the bus for every peer. */
#define FLOW_OUTSTANDING_BYTES_MAX (UINT64_C(64) << 20)

/* The total over every peer. */
typedef struct FlowBudget {
        uint64_t outstanding_bytes;
} FlowBudget;

/* Where the peer was when a message was sent: how much had gone toward it, that message included. */
typedef struct FlowMark {
        uint64_t messages;
        uint64_t bytes;
} FlowMark;

typedef struct PeerFlow {
        FlowBudget *budget;
        FlowMark sent; /* cumulative */
        FlowMark seen; /* up to the newest send the peer acted on */
} PeerFlow;

void peer_flow_init(PeerFlow *f, FlowBudget *budget);
/* The peer is gone: what was outstanding toward it no longer weighs on the budget. */
void peer_flow_done(PeerFlow *f);

/* Whether one more message may go toward the peer now. */
bool peer_flow_may_send(const PeerFlow *f);
/* A message of bytes went toward the peer; returns its mark. */
FlowMark peer_flow_sent(PeerFlow *f, uint64_t bytes);
/* The peer acted on the message sent at mark: it read everything up to it. Returns true if that freed anything. */
bool peer_flow_seen(PeerFlow *f, FlowMark mark);

uint64_t peer_flow_outstanding_messages(const PeerFlow *f);
uint64_t peer_flow_outstanding_bytes(const PeerFlow *f);
