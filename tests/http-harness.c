/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <string.h>
#include <unistd.h>

#include "http-harness.h"

#define FULL_STACKS ":fast_unwind_on_malloc=0"

void test_http_reexec(char *argv[]) {
        const char *lsan = g_getenv("LSAN_OPTIONS") ?: "";
        g_autofree char *full = NULL;

        if (strstr(lsan, FULL_STACKS))
                return;
        full = g_strconcat(lsan, FULL_STACKS, NULL);
        g_setenv("LSAN_OPTIONS", full, TRUE);
        execv("/proc/self/exe", argv);
        g_error("Cannot run the test again with full stacks: %s", g_strerror(errno));
}

/* ---- consumers ---- */

struct TestEndpoint {
        GThread *thread;
        GMainContext *context;
        GMainLoop *loop;
        SoupServer *server;
        unsigned port;
        GAsyncQueue *posts; /* TestPost* */
        gint status, delay_ms, received;
        GMutex lock;
        GCond ready;
        bool started;
};

void test_post_free(TestPost *p) {
        if (!p)
                return;
        g_free(p->path);
        g_bytes_unref(p->body);
        g_free(p->content_type);
        g_hash_table_unref(p->headers);
        g_free(p);
}

typedef struct Delayed {
        SoupServerMessage *message;
        unsigned status;
} Delayed;

static gboolean answer_later(gpointer userdata) {
        Delayed *d = userdata;

        soup_server_message_set_status(d->message, d->status, NULL);
        soup_server_message_unpause(d->message);
        g_object_unref(d->message);
        g_free(d);
        return G_SOURCE_REMOVE;
}

static void on_post(SoupServer *server, SoupServerMessage *message, const char *path, GHashTable *query,
                    gpointer userdata) {
        TestEndpoint *c = userdata;
        SoupMessageHeaders *h = soup_server_message_get_request_headers(message);
        SoupMessageHeadersIter iter;
        const char *name, *value;
        TestPost *p = g_new0(TestPost, 1);
        unsigned status = (unsigned) g_atomic_int_get(&c->status);
        unsigned delay = (unsigned) g_atomic_int_get(&c->delay_ms);

        p->path = g_strdup(path);
        p->body = soup_message_body_flatten(soup_server_message_get_request_body(message));
        p->content_type = g_strdup(soup_message_headers_get_content_type(h, NULL));
        p->headers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        soup_message_headers_iter_init(&iter, h);
        while (soup_message_headers_iter_next(&iter, &name, &value))
                g_hash_table_replace(p->headers, g_ascii_strdown(name, -1), g_strdup(value));
        p->received_usec = g_get_monotonic_time();
        p->status = status;
        g_atomic_int_inc(&c->received);
        g_async_queue_push(c->posts, p);
        if (delay == 0) {
                soup_server_message_set_status(message, status, NULL);
                return;
        }
        Delayed *d = g_new0(Delayed, 1);
        d->message = g_object_ref(message);
        d->status = status;
        soup_server_message_pause(message);
        GSource *timer = g_timeout_source_new(delay);
        g_source_set_callback(timer, answer_later, d, NULL);
        g_source_attach(timer, c->context);
        g_source_unref(timer);
}

static gpointer consumer_thread(gpointer userdata) {
        TestEndpoint *c = userdata;
        g_autoptr(GError) error = NULL;
        GSList *listeners;

        g_main_context_push_thread_default(c->context);
        c->server = soup_server_new(NULL, NULL);
        soup_server_add_handler(c->server, NULL, on_post, c, NULL);
        /* soup_server_listen(), not _listen_local(): libsoup 3.2's _local leaks an address. */
        g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string("127.0.0.1", 0);
        g_assert_true(soup_server_listen(c->server, address, 0, &error));
        g_assert_no_error(error);
        /* The port from the socket itself: libsoup 3.2's soup_server_get_uris() leaks an address. */
        listeners = soup_server_get_listeners(c->server);
        g_autoptr(GSocketAddress) local = g_socket_get_local_address(listeners->data, &error);
        g_assert_no_error(error);
        c->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
        g_slist_free(listeners);
        g_mutex_lock(&c->lock);
        c->started = true;
        g_cond_signal(&c->ready);
        g_mutex_unlock(&c->lock);
        g_main_loop_run(c->loop);
        soup_server_disconnect(c->server);
        g_clear_object(&c->server);
        g_main_context_pop_thread_default(c->context);
        return NULL;
}

TestEndpoint *test_endpoint_start(void) {
        TestEndpoint *c = g_new0(TestEndpoint, 1);

        c->status = SOUP_STATUS_NO_CONTENT;
        c->context = g_main_context_new();
        c->loop = g_main_loop_new(c->context, FALSE);
        c->posts = g_async_queue_new_full((GDestroyNotify) test_post_free);
        g_mutex_init(&c->lock);
        g_cond_init(&c->ready);
        c->thread = g_thread_new("consumer", consumer_thread, c);
        g_mutex_lock(&c->lock);
        while (!c->started)
                g_cond_wait(&c->ready, &c->lock);
        g_mutex_unlock(&c->lock);
        return c;
}

static gboolean quit_loop(gpointer userdata) {
        g_main_loop_quit(userdata);
        return G_SOURCE_REMOVE;
}

void test_endpoint_stop(TestEndpoint *c) {
        if (!c)
                return;
        g_main_context_invoke(c->context, quit_loop, c->loop);
        g_thread_join(c->thread);
        g_main_loop_unref(c->loop);
        g_main_context_unref(c->context);
        g_async_queue_unref(c->posts);
        g_mutex_clear(&c->lock);
        g_cond_clear(&c->ready);
        g_free(c);
}

char *test_endpoint_uri(TestEndpoint *c, const char *path) {
        return g_strdup_printf("http://127.0.0.1:%u/%s", c->port, path ? path : "");
}

void test_endpoint_set_status(TestEndpoint *c, unsigned status) {
        g_atomic_int_set(&c->status, (gint) status);
}

void test_endpoint_set_delay(TestEndpoint *c, unsigned delay_ms) {
        g_atomic_int_set(&c->delay_ms, (gint) delay_ms);
}

TestPost *test_endpoint_pop(TestEndpoint *c, uint64_t timeout_usec) {
        return g_async_queue_timeout_pop(c->posts, timeout_usec);
}

unsigned test_endpoint_received(TestEndpoint *c) {
        return (unsigned) g_atomic_int_get(&c->received);
}

/* ---- the whole stack ---- */

void test_bridge_stack_start(TestBridgeStack *s, const char *bus_extra, const char *daemon_config,
                             const char *bridge_config) {
        const TestEnvOptions o = {
                .bus_config = bus_extra,
                .config_text = daemon_config ?: "[Thresholds]\nHoldoverTimeoutSec=3600\n",
        };

        test_env_setup(&s->env, &o);
        s->bridge = test_bridge_start(s->env.bus, bridge_config);
        s->consumer = test_endpoint_start();
}

void test_bridge_stack_stop(TestBridgeStack *s) {
        test_endpoint_stop(s->consumer);
        test_bridge_stop(s->bridge);
        test_bridge_free(s->bridge);
        test_env_teardown(&s->env);
}

/* ---- the client ---- */

void test_response_free(TestResponse *r) {
        if (!r)
                return;
        g_free(r->content_type);
        g_free(r->body);
        g_free(r);
}

TestResponse *test_http_bytes(const char *method, const char *url, const void *body, size_t length) {
        g_autoptr(SoupSession) session = soup_session_new_with_options("timeout", 60, NULL);
        g_autoptr(SoupMessage) message = soup_message_new(method, url);
        g_autoptr(GBytes) sent = NULL, received = NULL;
        g_autoptr(GError) error = NULL;
        TestResponse *r = g_new0(TestResponse, 1);
        const char *type;
        gsize n = 0;

        g_assert_nonnull(message);
        soup_session_set_proxy_resolver(session, NULL);
        if (body) {
                sent = g_bytes_new(body, length);
                soup_message_set_request_body_from_bytes(message, "application/json", sent);
        }
        received = soup_session_send_and_read(session, message, NULL, &error);
        if (!received) {
                r->body = g_strdup("");
                return r;
        }
        r->status = soup_message_get_status(message);
        type = soup_message_headers_get_one(soup_message_get_response_headers(message), "Content-Type");
        r->content_type = g_strdup(type);
        r->body = g_strndup(g_bytes_get_data(received, &n), g_bytes_get_size(received));
        r->length = g_bytes_get_size(received);
        return r;
}

TestResponse *test_http(const char *method, const char *url, const char *body) {
        return test_http_bytes(method, url, body, body ? strlen(body) : 0);
}

/* POST base/subscriptions {resource_key: resource, endpoint_key: endpoint}. */
static TestResponse *subscribe(const char *base, const char *resource_key, const char *resource,
                               const char *endpoint_key, const char *endpoint) {
        g_autoptr(JsonBuilder) builder = json_builder_new();
        g_autoptr(JsonGenerator) generator = json_generator_new();
        g_autoptr(JsonNode) root = NULL;
        g_autofree char *body = NULL, *url = g_strconcat(base, "/subscriptions", NULL);

        json_builder_begin_object(builder);
        json_builder_set_member_name(builder, resource_key);
        json_builder_add_string_value(builder, resource);
        json_builder_set_member_name(builder, endpoint_key);
        json_builder_add_string_value(builder, endpoint);
        json_builder_end_object(builder);
        root = json_builder_get_root(builder);
        json_generator_set_root(generator, root);
        body = json_generator_to_data(generator, NULL);
        return test_http("POST", url, body);
}

TestResponse *test_subscribe_v2(TestBridge *b, const char *resource, const char *endpoint) {
        return subscribe(b->v2, "ResourceAddress", resource, "EndpointUri", endpoint);
}

TestResponse *test_subscribe_v1(TestBridge *b, const char *resource, const char *endpoint) {
        return subscribe(b->v1, "resource", resource, "endpointUri", endpoint);
}

char *test_subscription_id(const TestResponse *r) {
        g_autoptr(JsonParser) parser = json_parser_new();
        JsonObject *o;

        if (!json_parser_load_from_data(parser, r->body, (gssize) r->length, NULL))
                return NULL;
        if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
                return NULL;
        o = json_node_get_object(json_parser_get_root(parser));
        if (json_object_has_member(o, "SubscriptionId"))
                return g_strdup(json_object_get_string_member(o, "SubscriptionId"));
        if (json_object_has_member(o, "id"))
                return g_strdup(json_object_get_string_member(o, "id"));
        return NULL;
}

/* ---- the bridge ---- */

/* The lowest port the kernel hands out for bind(0) and connect(): net.ipv4.ip_local_port_range's first. */
static unsigned ephemeral_low(void) {
        g_autofree char *text = NULL;
        unsigned low = 0;

        if (g_file_get_contents("/proc/sys/net/ipv4/ip_local_port_range", &text, NULL, NULL))
                low = (unsigned) g_ascii_strtoull(text, NULL, 10);
        return low >= 2048 && low <= 65535 ? low : 32768;
}

/*
 * Below the ephemeral range, where no connect() can take the port as its source port, nor another
 * test's bind(0), between now and the listener's own bind; drawn at random among the ports free now,
 * so that tests running side by side do not draw the same.
 */
unsigned test_free_port(void) {
        unsigned low = ephemeral_low();

        for (unsigned i = 0; i < 1000; i++) {
                unsigned port = (unsigned) g_random_int_range((gint32) (low / 2), (gint32) low);
                struct sockaddr_in a = {
                        .sin_family = AF_INET,
                        .sin_port = htons((uint16_t) port),
                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                };
                int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), k;

                g_assert_cmpint(fd, >=, 0);
                k = bind(fd, (struct sockaddr *) &a, sizeof(a));
                close(fd);
                if (k == 0)
                        return port;
        }
        g_error("No free port from %u to %u", low / 2, low - 1);
}

static void spawn_logged(void *userdata) {
        int fd = open(userdata, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

        if (fd >= 0) {
                (void) dup2(fd, STDOUT_FILENO);
                (void) dup2(fd, STDERR_FILENO);
        }
        test_spawn_child_setup(NULL);
}

static bool bridge_serves(TestBridge *b) {
        g_autofree char *health = g_strconcat(b->v2, "/health", NULL);
        g_autofree char *list = g_strconcat(b->v2, "/subscriptions", NULL);
        g_autoptr(TestResponse) h = test_http("GET", health, NULL);
        g_autoptr(TestResponse) l = NULL;

        if (h->status != 200)
                return false;
        l = test_http("GET", list, NULL);
        return l->status == 200;
}

static TestBridge *bridge_spawn(TestBus *bus, const char *config_text, unsigned v2_port, unsigned v1_port,
                                const char *log_path) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) envp = NULL;
        g_autofree char *lsan = NULL;
        const char *program = g_getenv("PTPSYNC_HTTP");
        TestBridge *b = g_new0(TestBridge, 1);
        gint64 deadline = g_get_monotonic_time() + (gint64) TEST_TIMEOUT_USEC;
        static unsigned n;

        g_assert_nonnull(program);
        b->v2_port = v2_port;
        b->v1_port = v1_port;
        b->v2 = g_strdup_printf("http://127.0.0.1:%u/api/ocloudNotifications/v2", v2_port);
        b->v1 = g_strdup_printf("http://127.0.0.1:%u/api/ocloudNotifications/v1", v1_port);
        b->metrics = g_strdup_printf("http://127.0.0.1:%u/metrics", v2_port);
        b->config_path = g_strdup_printf("%s/ptpsync-http-%u.conf", bus->dir, n++);
        b->log_path = g_strdup(log_path);
        g_assert_true(g_file_set_contents(b->config_path, config_text ? config_text : "", -1, NULL));

        test_client_argv(argv, program);
        g_ptr_array_add(argv, g_strdup_printf("--bus=%s", bus->address));
        g_ptr_array_add(argv, g_strdup_printf("--config=%s", b->config_path));
        g_ptr_array_add(argv, g_strdup_printf("--v2-listen=127.0.0.1:%u", v2_port));
        g_ptr_array_add(argv, g_strdup_printf("--v1-listen=127.0.0.1:%u", v1_port));
        g_ptr_array_add(argv, NULL);
        /* Full stacks for LeakSanitizer, so that tests/lsan.supp's libsoup entry can match (slower mallocs:
         * for the bridge only). */
        lsan = g_strconcat(g_getenv("LSAN_OPTIONS") ?: "", strstr(g_getenv("LSAN_OPTIONS") ?: "", FULL_STACKS) ? "" : FULL_STACKS, NULL);
        envp = g_environ_setenv(g_get_environ(), "LSAN_OPTIONS", lsan, TRUE);
        g_spawn_async(NULL, (char **) argv->pdata, envp, G_SPAWN_DO_NOT_REAP_CHILD, spawn_logged, b->log_path,
                      &b->pid, &error);
        g_assert_no_error(error);
        while (!bridge_serves(b)) {
                if (test_bridge_wait_exit(b, 0) || g_get_monotonic_time() > deadline) {
                        g_autofree char *log = NULL;

                        g_file_get_contents(b->log_path, &log, NULL, NULL);
                        g_error("ptpsync-http did not come up; its log:\n%s", log ? log : "(none)");
                }
                g_usleep(TEST_POLL_USEC);
        }
        return b;
}

TestBridge *test_bridge_start(TestBus *bus, const char *config_text) {
        g_autofree char *log = g_strdup_printf("%s/ptpsync-http.log", bus->dir);

        return bridge_spawn(bus, config_text, test_free_port(), test_free_port(), log);
}

TestBridge *test_bridge_restart(TestBus *bus, TestBridge *old) {
        g_autofree char *config = NULL;

        g_assert_true(g_file_get_contents(old->config_path, &config, NULL, NULL));
        return bridge_spawn(bus, config, old->v2_port, old->v1_port, old->log_path);
}

bool test_bridge_wait_exit(TestBridge *b, uint64_t timeout_usec) {
        gint64 deadline = g_get_monotonic_time() + (gint64) timeout_usec;
        int status;

        while (!b->reaped) {
                pid_t r = waitpid(b->pid, &status, WNOHANG);

                if (r == b->pid) {
                        b->reaped = true;
                        b->exit_status = status;
                        break;
                }
                if (g_get_monotonic_time() >= deadline)
                        return false;
                g_usleep(TEST_POLL_USEC / 5);
        }
        return true;
}

void test_bridge_stop(TestBridge *b) {
        g_autofree char *log = NULL;

        kill(b->pid, SIGTERM);
        g_assert_true(test_bridge_wait_exit(b, TEST_TIMEOUT_USEC));
        if (!WIFEXITED(b->exit_status) || WEXITSTATUS(b->exit_status) != 0) {
                g_file_get_contents(b->log_path, &log, NULL, NULL);
                g_error("ptpsync-http exited with status 0x%x; its log:\n%s", b->exit_status, log ? log : "");
        }
}

void test_bridge_kill(TestBridge *b) {
        kill(b->pid, SIGKILL);
        g_assert_true(test_bridge_wait_exit(b, TEST_TIMEOUT_USEC));
}

void test_bridge_free(TestBridge *b) {
        if (!b)
                return;
        if (!b->reaped)
                test_bridge_kill(b);
        g_free(b->v2);
        g_free(b->v1);
        g_free(b->metrics);
        g_free(b->config_path);
        g_free(b->log_path);
        g_free(b);
}

/* ---- raw connections and the bridge's process, for hostile callers ---- */

static int raw_socket(unsigned port, bool nonblocking) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);

        g_assert_cmpint(fd, >=, 0);
        if (connect(fd, (struct sockaddr *) &a, sizeof(a)) < 0 && !(nonblocking && errno == EINPROGRESS)) {
                close(fd);
                return -1;
        }
        return fd;
}

int test_raw_connect(unsigned port) {
        return raw_socket(port, false);
}

int test_raw_connect_nonblocking(unsigned port) {
        return raw_socket(port, true);
}

bool test_raw_send(int fd, const void *data, size_t length) {
        const char *p = data;

        while (length > 0) {
                ssize_t n = send(fd, p, length, MSG_NOSIGNAL);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return false;
                p += n;
                length -= (size_t) n;
        }
        return true;
}

/* Waits for fd to be readable until deadline (monotonic usec); false at the deadline. */
static bool raw_wait_readable(int fd, gint64 deadline) {
        for (;;) {
                gint64 left = deadline - g_get_monotonic_time();
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int r;

                if (left <= 0)
                        return false;
                r = poll(&p, 1, (int) MAX(1, left / 1000));
                if (r > 0)
                        return true;
                if (r < 0 && errno != EINTR)
                        return false;
        }
}

/* Reads what is there into buffer: false at end of file, on an error or at the deadline. */
static bool raw_read_more(int fd, GString *buffer, gint64 deadline) {
        char chunk[16384];
        ssize_t n;

        if (!raw_wait_readable(fd, deadline))
                return false;
        n = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return true;
        if (n <= 0)
                return false;
        g_string_append_len(buffer, chunk, n);
        return true;
}

/* The Content-Length of a response's headers (0 without one). */
static size_t raw_content_length(const char *headers, size_t length) {
        g_autofree char *lower = g_ascii_strdown(headers, (gssize) length);
        const char *h = strstr(lower, "\r\ncontent-length:");

        return h ? (size_t) g_ascii_strtoull(h + strlen("\r\ncontent-length:"), NULL, 10) : 0;
}

unsigned test_raw_read_response(int fd, GString *buffer, uint64_t timeout_usec, char **ret_body) {
        gint64 deadline = g_get_monotonic_time() + (gint64) timeout_usec;
        const char *end;
        size_t head, body;
        unsigned status = 0;

        while (!(end = g_strstr_len(buffer->str, (gssize) buffer->len, "\r\n\r\n")))
                if (!raw_read_more(fd, buffer, deadline))
                        return 0;
        head = (size_t) (end - buffer->str) + 4;
        body = raw_content_length(buffer->str, head);
        while (buffer->len < head + body)
                if (!raw_read_more(fd, buffer, deadline))
                        return 0;
        if (sscanf(buffer->str, "HTTP/1.1 %u ", &status) != 1)
                status = 0;
        if (ret_body)
                *ret_body = g_strndup(buffer->str + head, body);
        g_string_erase(buffer, 0, (gssize) (head + body));
        return status;
}

bool test_raw_wait_closed(int fd, uint64_t timeout_usec) {
        gint64 deadline = g_get_monotonic_time() + (gint64) timeout_usec;
        char chunk[16384];

        for (;;) {
                ssize_t n;

                if (!raw_wait_readable(fd, deadline))
                        return false;
                n = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
                if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                        return true;
        }
}

unsigned test_pid_fd_count(GPid pid) {
        g_autofree char *path = g_strdup_printf("/proc/%d/fd", (int) pid);
        g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
        unsigned n = 0;

        g_assert_nonnull(dir);
        while (g_dir_read_name(dir))
                n++;
        return n;
}

uint64_t test_pid_rss_kib(GPid pid) {
        g_autofree char *path = g_strdup_printf("/proc/%d/status", (int) pid);
        g_autofree char *text = NULL;
        const char *line;

        g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
        line = strstr(text, "\nVmRSS:");
        g_assert_nonnull(line);
        return g_ascii_strtoull(line + strlen("\nVmRSS:"), NULL, 10);
}

uint64_t test_pid_cpu_ticks(GPid pid) {
        g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int) pid);
        g_autofree char *text = NULL;
        unsigned long long utime = 0, stime = 0;
        const char *after;

        g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
        /* after the name in parentheses, which may hold anything: state is field 3, utime 14, stime 15 */
        after = strrchr(text, ')');
        g_assert_nonnull(after);
        g_assert_cmpint(sscanf(after + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime),
                        ==, 2);
        return utime + stime;
}
