/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>

#include "model/peer-flow.h"

void peer_flow_init(PeerFlow *f, FlowBudget *budget) {
        *f = (PeerFlow) { .budget = budget };
}

void peer_flow_done(PeerFlow *f) {
        if (!f->budget)
                return;
        assert(f->budget->outstanding_bytes >= peer_flow_outstanding_bytes(f));
        f->budget->outstanding_bytes -= peer_flow_outstanding_bytes(f);
        f->seen = f->sent;
}

uint64_t peer_flow_outstanding_messages(const PeerFlow *f) {
        return f->sent.messages - f->seen.messages;
}

uint64_t peer_flow_outstanding_bytes(const PeerFlow *f) {
        return f->sent.bytes - f->seen.bytes;
}

bool peer_flow_may_send(const PeerFlow *f) {
        if (peer_flow_outstanding_messages(f) == 0)
                return true;
        return peer_flow_outstanding_messages(f) < PEER_OUTSTANDING_MESSAGES_MAX &&
               peer_flow_outstanding_bytes(f) < PEER_OUTSTANDING_BYTES_MAX &&
               f->budget->outstanding_bytes < FLOW_OUTSTANDING_BYTES_MAX;
}

FlowMark peer_flow_sent(PeerFlow *f, uint64_t bytes) {
        f->sent.messages++;
        f->sent.bytes += bytes;
        f->budget->outstanding_bytes += bytes;
        return f->sent;
}

bool peer_flow_seen(PeerFlow *f, FlowMark mark) {
        /* A mark from before the newest seen one (an old Ack), or never handed out (a lie), frees nothing. */
        if (mark.messages <= f->seen.messages || mark.messages > f->sent.messages || mark.bytes < f->seen.bytes ||
            mark.bytes > f->sent.bytes)
                return false;
        f->budget->outstanding_bytes -= mark.bytes - f->seen.bytes;
        f->seen = mark;
        return true;
}
