/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A ptp4l that answers garbage. This one is a mock, on purpose: a real ptp4l
 * does not send malformed datagrams, so a fake management socket stands in
 * for it and answers every request of the daemon with a burst of truncated,
 * oversized, mis-typed and misaddressed datagrams. The daemon must drop them
 * all, log at most a handful of lines about it (rate-limited), report the
 * instance as not answering (FREERUN: it was never locked), and keep serving.
 */

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "common/bus-names.h"
#include "test-env.h"
#include "source/pmc.h"

#define LOCK "sync/ptp-status/lock-state"
#define GARBAGE_WANTED 300 /* datagrams delivered before the checks (the receiver queues 10 at most) */
#define LOG_BURST 5         /* the daemon's limit per minute, plus the one line saying it is not answered */

typedef struct FakePtp4l {
        int fd;
        unsigned requests;
        unsigned sent;
} FakePtp4l;

/* A burst of bad answers to one request (req, n bytes) from addr. */
static void fake_answer(FakePtp4l *p, const uint8_t *req, size_t n, const struct sockaddr_un *addr, socklen_t len) {
        uint8_t big[2000] = {};
        uint8_t copy[PMC_MESSAGE_MAX];
        size_t k = MIN(n, sizeof(copy));

        memcpy(copy, req, k);
        /* Truncated headers. */
        for (size_t cut = 1; cut < MIN(k, (size_t) PMC_HEADER_SIZE); cut += 7)
                p->sent += sendto(p->fd, copy, cut, 0, (const struct sockaddr *) addr, len) >= 0;
        /* Larger than any management message. */
        p->sent += sendto(p->fd, big, sizeof(big), 0, (const struct sockaddr *) addr, len) >= 0;
        /* Its own request back: a GET, not a response. */
        p->sent += sendto(p->fd, copy, k, 0, (const struct sockaddr *) addr, len) >= 0;
        if (k >= PMC_GET_SIZE) {
                /* A RESPONSE whose length field lies. */
                copy[46] = (copy[46] & 0xf0) | PMC_ACTION_RESPONSE;
                copy[2] = 0x7f;
                p->sent += sendto(p->fd, copy, k, 0, (const struct sockaddr *) addr, len) >= 0;
                /* A RESPONSE with a TLV type nobody knows. */
                copy[2] = 0;
                copy[3] = (uint8_t) k;
                copy[48] = 0x7e;
                p->sent += sendto(p->fd, copy, k, 0, (const struct sockaddr *) addr, len) >= 0;
                /* The right type, an id we never asked for. */
                copy[48] = 0;
                copy[52] = 0x12;
                copy[53] = 0x34;
                p->sent += sendto(p->fd, copy, k, 0, (const struct sockaddr *) addr, len) >= 0;
        }
}

static void fake_serve(FakePtp4l *p) {
        for (;;) {
                uint8_t buf[PMC_MESSAGE_MAX];
                struct sockaddr_un addr;
                socklen_t len = sizeof(addr);
                ssize_t n = recvfrom(p->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *) &addr, &len);

                if (n < 0)
                        return;
                p->requests++;
                fake_answer(p, buf, (size_t) n, &addr, len);
        }
}

static bool garbage_sent(void *userdata) {
        FakePtp4l *p = userdata;

        fake_serve(p);
        return p->sent >= GARBAGE_WANTED;
}

typedef struct Wanted {
        sd_bus *bus;
        FakePtp4l *fake;
} Wanted;

static bool freerun(void *userdata) {
        Wanted *w = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *state = NULL;

        fake_serve(w->fake);
        if (sd_bus_get_property(w->bus, BUS_NAME, MANAGER_OBJECT_PATH, MANAGER_INTERFACE, "SyncState", NULL,
                                &reply, "s") < 0)
                return false;
        g_assert_cmpint(sd_bus_message_read(reply, "s", &state), >, 0);
        return streq(state, "FREERUN");
}

static void test_garbage(void) {
        const TestEnvOptions options = {
                .config_text = "[ptp4l fake]\nSocket=@BUS_DIR@/fake-ptp4l.sock\nInterface=fake0\nPollIntervalMs=100\n",
                .daemon_args = (const char *const[]) { "--bus=@BUS_ADDRESS@", "--node-name=" TEST_NODE_NAME,
                                                       "--source=linuxptp", "--runtime-dir=@BUS_DIR@/run", NULL },
                .own_args = true,
                .log = true,
                .no_daemon = true, /* until the fake ptp4l listens */
        };
        TestEnv *env = test_env_start(&options);
        g_autofree char *sock = g_build_filename(env->bus->dir, "fake-ptp4l.sock", NULL);
        const char *log = env->log_path;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        FakePtp4l fake = {};
        sd_bus *bus;

        g_assert_cmpuint(strlen(sock), <, sizeof(sa.sun_path));
        strcpy(sa.sun_path, sock);
        fake.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        g_assert_cmpint(fake.fd, >=, 0);
        g_assert_cmpint(bind(fake.fd, (struct sockaddr *) &sa, sizeof(sa)), ==, 0);

        test_env_daemon_start(env);
        bus = env->client = test_bus_connect(env->bus);

        g_assert_true(test_bus_wait_for(bus, garbage_sent, &fake, TEST_TIMEOUT_USEC));
        g_test_message("%u requests answered with %u bad datagrams", fake.requests, fake.sent);
        g_assert_true(test_bus_wait_for(bus, freerun, &(Wanted) { bus, &fake }, TEST_TIMEOUT_USEC));

        /* Every kind was seen and dropped; the log holds a handful of lines, not thousands. */
        g_assert_cmpuint(test_file_count(log, "ignored"), >=, 1);
        g_assert_cmpuint(test_file_count(log, "ignored"), <=, LOG_BURST);
        g_assert_cmpuint(test_file_count(log, "\n"), <=, 20);

        /* test_env_stop(): still alive, it exits cleanly (and without a leak under ASan). */
        test_env_stop(env);
        close(fake.fd);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/ptp4l-garbage/dropped-and-rate-limited", test_garbage);
        return g_test_run();
}
