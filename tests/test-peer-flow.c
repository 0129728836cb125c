/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What is outstanding toward one peer: the bounds, the marks, and the total over all peers. */

#include <glib.h>

#include "model/peer-flow.h"

static void test_message_bound(void) {
        FlowBudget budget = {};
        PeerFlow f;
        FlowMark marks[PEER_OUTSTANDING_MESSAGES_MAX];

        peer_flow_init(&f, &budget);
        for (unsigned i = 0; i < PEER_OUTSTANDING_MESSAGES_MAX; i++) {
                g_assert_true(peer_flow_may_send(&f));
                marks[i] = peer_flow_sent(&f, 100);
        }
        g_assert_false(peer_flow_may_send(&f));
        g_assert_cmpuint(peer_flow_outstanding_messages(&f), ==, PEER_OUTSTANDING_MESSAGES_MAX);
        g_assert_cmpuint(budget.outstanding_bytes, ==, 100 * PEER_OUTSTANDING_MESSAGES_MAX);

        /* Acting on the tenth message shows the first ten read. */
        g_assert_true(peer_flow_seen(&f, marks[9]));
        g_assert_cmpuint(peer_flow_outstanding_messages(&f), ==, PEER_OUTSTANDING_MESSAGES_MAX - 10);
        g_assert_cmpuint(budget.outstanding_bytes, ==, 100 * (PEER_OUTSTANDING_MESSAGES_MAX - 10));
        g_assert_true(peer_flow_may_send(&f));
        /* An older mark (a late Ack) frees nothing, nor does the same one again. */
        g_assert_false(peer_flow_seen(&f, marks[3]));
        g_assert_false(peer_flow_seen(&f, marks[9]));
        /* A mark never handed out frees nothing. */
        g_assert_false(peer_flow_seen(&f, (FlowMark) { .messages = UINT64_MAX, .bytes = 1 }));
        g_assert_cmpuint(peer_flow_outstanding_messages(&f), ==, PEER_OUTSTANDING_MESSAGES_MAX - 10);

        peer_flow_done(&f);
        g_assert_cmpuint(budget.outstanding_bytes, ==, 0);
}

static void test_byte_bound(void) {
        FlowBudget budget = {};
        PeerFlow f;
        FlowMark first;

        peer_flow_init(&f, &budget);
        first = peer_flow_sent(&f, PEER_OUTSTANDING_BYTES_MAX - 1);
        g_assert_true(peer_flow_may_send(&f));
        (void) peer_flow_sent(&f, 1);
        g_assert_false(peer_flow_may_send(&f));
        g_assert_true(peer_flow_seen(&f, first));
        g_assert_true(peer_flow_may_send(&f));
        peer_flow_done(&f);
}

/* The total holds every peer with something outstanding, never one with nothing. */
static void test_budget(void) {
        FlowBudget budget = {};
        PeerFlow hog, idle, other;
        FlowMark m;

        peer_flow_init(&hog, &budget);
        peer_flow_init(&idle, &budget);
        peer_flow_init(&other, &budget);
        /* Many peers' worth, as one peer's counters: the total is what matters here. */
        budget.outstanding_bytes = FLOW_OUTSTANDING_BYTES_MAX - 10;
        m = peer_flow_sent(&other, 5);
        g_assert_true(peer_flow_may_send(&other));
        (void) peer_flow_sent(&hog, 10);
        g_assert_false(peer_flow_may_send(&hog));
        g_assert_false(peer_flow_may_send(&other));
        g_assert_true(peer_flow_may_send(&idle)); /* nothing outstanding: one message is always allowed */

        g_assert_true(peer_flow_seen(&other, m));
        g_assert_true(peer_flow_may_send(&other));
        g_assert_false(peer_flow_may_send(&hog));
        peer_flow_done(&hog);
        g_assert_cmpuint(budget.outstanding_bytes, ==, FLOW_OUTSTANDING_BYTES_MAX - 10);
        g_assert_true(peer_flow_may_send(&other));
        peer_flow_done(&other);
        peer_flow_done(&idle);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/peer-flow/message-bound", test_message_bound);
        g_test_add_func("/peer-flow/byte-bound", test_byte_bound);
        g_test_add_func("/peer-flow/budget", test_budget);
        return g_test_run();
}
