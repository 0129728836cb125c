/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libptpsync: the C client of ptpsyncd (bus name org.ptpsync1)
 *
 * One connection to the bus (PtpsyncClient) carries everything: calls
 * (current state, resources, dead letters), the broadcast Event signal
 * (watches), subscriptions with acknowledged delivery, and waiting for a
 * state. Nothing in the library blocks except the functions documented as
 * "Blocking": every callback path is asynchronous, and Ack/Nack are sent
 * expecting no reply. At most 64 asynchronous calls of a client (Subscribe,
 * Cancel, the _async calls) await replies at once, under the bus's limit per
 * connection (128 on a system bus); the rest wait in order and go out as
 * replies come in.
 *
 * Trust: Event, DeadLettered and InterfacesRemoved signals are accepted only
 * from the current owner of org.ptpsync1 (its unique name, followed through
 * NameOwnerChanged from the bus driver itself). A signal of the same shape
 * from any other peer -- broadcast or sent to this connection -- is dropped
 * and counted (ptpsync_client_get_n_forged()). When the daemon restarts,
 * durable subscriptions (those with a Name) are subscribed again with the
 * same name and options; others end, and their state handler says so.
 *
 * Event loops: attach the client to an sd_event
 * (ptpsync_client_attach_event()), drive it by hand (ptpsync_client_get_fd(),
 * _get_events(), _get_timeout(), _process()), or use the GLib GSource in
 * <ptpsync-glib.h>.
 *
 * Errors: functions returning int return a negative errno-style code on
 * failure (D-Bus errors mapped as below) and >= 0 on success. The D-Bus error
 * name and message of the last failure on a client are kept and readable with
 * ptpsync_client_last_error_name() / _message() (a local failure gets the
 * name sd-bus gives its errno: -ETIMEDOUT is "org.freedesktop.DBus.Error.Timeout").
 *   org.ptpsync1.Error.NoSuchResource      -ENOENT
 *   org.ptpsync1.Error.NoData              -ENODATA
 *   org.ptpsync1.Error.InvalidAddress      -EINVAL
 *   org.ptpsync1.Error.InvalidOption       -EINVAL
 *   org.ptpsync1.Error.NoSuchSubscription  -ENXIO
 *   org.ptpsync1.Error.QuotaExceeded       -EDQUOT
 *   org.ptpsync1.Error.AlreadyAttached     -EBUSY
 *   org.ptpsync1.Error.InvalidConfiguration -EINVAL
 *   org.ptpsync1.Error.StoreFailed         -EIO (the daemon could not commit to its store)
 *   org.freedesktop.DBus.Error.AccessDenied -EACCES
 *   org.freedesktop.DBus.Error.ServiceUnknown / NameHasNoOwner: the daemon is
 *     not running (-EHOSTUNREACH / -ENXIO, as sd-bus maps them)
 *
 * Threads: none are created, and there is no locking. A client and every
 * object obtained from it belong to one thread at a time; use one client per
 * thread.
 *
 * Callbacks run from ptpsync_client_process() (or the event loop the client
 * is attached to). From inside a callback the client's blocking functions
 * and ptpsync_client_process() return -EBUSY, and ptpsync_client_free() must
 * not be called; everything else may be (including freeing the object whose
 * callback runs).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PTPSYNC_BUS_NAME "org.ptpsync1"

#define PTPSYNC_ERROR_NO_SUCH_RESOURCE     "org.ptpsync1.Error.NoSuchResource"
#define PTPSYNC_ERROR_NO_DATA              "org.ptpsync1.Error.NoData"
#define PTPSYNC_ERROR_INVALID_ADDRESS      "org.ptpsync1.Error.InvalidAddress"
#define PTPSYNC_ERROR_INVALID_OPTION       "org.ptpsync1.Error.InvalidOption"
#define PTPSYNC_ERROR_NO_SUCH_SUBSCRIPTION "org.ptpsync1.Error.NoSuchSubscription"
#define PTPSYNC_ERROR_QUOTA_EXCEEDED       "org.ptpsync1.Error.QuotaExceeded"
#define PTPSYNC_ERROR_ALREADY_ATTACHED     "org.ptpsync1.Error.AlreadyAttached"
#define PTPSYNC_ERROR_INVALID_CONFIGURATION "org.ptpsync1.Error.InvalidConfiguration"
#define PTPSYNC_ERROR_STORE_FAILED         "org.ptpsync1.Error.StoreFailed"

typedef struct PtpsyncClient PtpsyncClient;
typedef struct PtpsyncEvent PtpsyncEvent;
typedef struct PtpsyncEventList PtpsyncEventList;
typedef struct PtpsyncResourceList PtpsyncResourceList;
typedef struct PtpsyncWatch PtpsyncWatch;
typedef struct PtpsyncSubscribeOptions PtpsyncSubscribeOptions;
typedef struct PtpsyncSubscription PtpsyncSubscription;
typedef struct PtpsyncCall PtpsyncCall;
typedef struct PtpsyncSubscriptionInfoList PtpsyncSubscriptionInfoList;

/* ---- the client ------------------------------------------------------------------------------ */

/*
 * Connects to the bus at address (a D-Bus address such as
 * "unix:path=/run/dbus/system_bus_socket"), or to the system bus when address
 * is NULL (honouring $DBUS_SYSTEM_BUS_ADDRESS), and starts following the owner
 * of org.ptpsync1 (asynchronously: the daemon need not be running).
 * Blocking: the connection handshake. On success *ret owns a new client
 * (ptpsync_client_free()) and 0 is returned.
 */
int ptpsync_client_new(PtpsyncClient **ret, const char *address);

/*
 * Flushes what is queued (Acks), closes the connection and frees the client
 * with every watch, subscription handle and pending call of it (their
 * callbacks are not called). Subscriptions are not cancelled: the daemon ends
 * the non-durable ones and detaches the durable ones when the connection
 * closes. Must not be called from a callback. Returns NULL; NULL is a no-op.
 */
PtpsyncClient *ptpsync_client_free(PtpsyncClient *c);

/* This connection's unique bus name (":1.42"), owned by the client; NULL if unknown. */
const char *ptpsync_client_get_unique_name(PtpsyncClient *c);

/*
 * The unique name of the current owner of org.ptpsync1 as the library follows
 * it (owned by the client), or NULL when the daemon is not on the bus or its
 * owner is not known yet.
 */
const char *ptpsync_client_get_daemon_owner(PtpsyncClient *c);

/*
 * The node name of the daemon that owns org.ptpsync1 now ("du1.example.com", the node part of
 * every resource address), owned by the client; NULL while the daemon is not on the bus, or
 * before its answer: the library reads it, asynchronously, each time the daemon comes on the bus,
 * and calls the daemon handler (ptpsync_client_set_daemon_handler()) once it has. Relative
 * addresses ("sync/ptp-status/lock-state", without the leading '/') are resolved against it.
 * (Since PTPSYNC_0.3.)
 */
const char *ptpsync_client_get_node_name(PtpsyncClient *c);

/* How many signals were dropped because they did not come from the daemon's current owner. */
uint64_t ptpsync_client_get_n_forged(PtpsyncClient *c);

/*
 * The D-Bus error name and message of the last failed call or operation on
 * this client (owned by the client, valid until the next failure), or NULL
 * before any. Inside a callback that reports an error they describe it.
 */
const char *ptpsync_client_last_error_name(PtpsyncClient *c);
const char *ptpsync_client_last_error_message(PtpsyncClient *c);

/*
 * Called when org.ptpsync1 gets a new owner (owner set; once its node name is
 * read, or could not be) or loses it (NULL), after the library has updated its
 * subscriptions. A NULL handler removes it.
 */
typedef void (*ptpsync_daemon_handler_t)(PtpsyncClient *c, const char *owner, void *userdata);
void ptpsync_client_set_daemon_handler(PtpsyncClient *c, ptpsync_daemon_handler_t handler, void *userdata);

/* ---- event loops ----------------------------------------------------------------------------- */

/*
 * Attaches the client to e (NULL: the thread's default sd_event) at the given
 * priority (SD_EVENT_PRIORITY_NORMAL is 0): the loop then processes the
 * connection and the library's timers. Returns 0, or -EBUSY if attached.
 */
int ptpsync_client_attach_event(PtpsyncClient *c, sd_event *e, int64_t priority);
/* Detaches from the sd_event again. Returns 0, or -ENXIO if not attached. */
int ptpsync_client_detach_event(PtpsyncClient *c);

/*
 * Driving the client by hand: poll ptpsync_client_get_fd() for the poll(2)
 * events of ptpsync_client_get_events() until ptpsync_client_get_timeout()
 * (an absolute CLOCK_MONOTONIC time in µs, UINT64_MAX for none; 0 or a time
 * in the past: do not sleep), then call ptpsync_client_process() until it
 * returns 0. Ask for events and timeout anew before each poll: both change.
 */
int ptpsync_client_get_fd(PtpsyncClient *c);
int ptpsync_client_get_events(PtpsyncClient *c);
int ptpsync_client_get_timeout(PtpsyncClient *c, uint64_t *ret_usec);

/*
 * Does one piece of pending work (a due timer, or one message read and
 * dispatched, which may run callbacks). Returns > 0 if it did something (call
 * again), 0 if there is nothing to do now, or a negative errno (-ENOTCONN and
 * friends once the connection is gone; -EBUSY from a callback).
 */
int ptpsync_client_process(PtpsyncClient *c);

/*
 * Blocking: waits until the connection has something to process or the next
 * timer is due, at most timeout_usec (relative; UINT64_MAX: no limit).
 * Returns > 0 when there is work, 0 on timeout, or a negative errno.
 */
int ptpsync_client_wait(PtpsyncClient *c, uint64_t timeout_usec);

/* ---- events ---------------------------------------------------------------------------------- */

/*
 * One event, (t seq, s id, s type, s source, x time, a(ssss) values): read
 * only. Events given to callbacks are borrowed for the callback's duration;
 * take a reference to keep one.
 */
PtpsyncEvent *ptpsync_event_ref(PtpsyncEvent *e);
/* Drops a reference; returns NULL. */
PtpsyncEvent *ptpsync_event_unref(PtpsyncEvent *e);

/* seq: daemon-wide, strictly increasing, never reused. */
uint64_t ptpsync_event_get_seq(const PtpsyncEvent *e);
/* The event's UUID, its O-RAN type ("event.sync.ptp-status.ptp-state-change") and source address. */
const char *ptpsync_event_get_id(const PtpsyncEvent *e);
const char *ptpsync_event_get_type(const PtpsyncEvent *e);
const char *ptpsync_event_get_source(const PtpsyncEvent *e);
/* µs since the Unix epoch. */
int64_t ptpsync_event_get_time(const PtpsyncEvent *e);
/*
 * The delivery attempt (1 first, more on each retry; a durable subscription's goes on across daemon
 * restarts, so a redelivery is never 1) of a subscription's event; 0 for any other.
 */
unsigned ptpsync_event_get_attempt(const PtpsyncEvent *e);
/*
 * Why a dead letter (from ptpsync_subscription_get_dead_letters()) is one: "rejected" (Nack without
 * requeue), "retries-exhausted", "queue-limit" (pushed out of a full backlog); NULL for any other event.
 */
const char *ptpsync_event_get_dead_letter_reason(const PtpsyncEvent *e);
size_t ptpsync_event_get_n_values(const PtpsyncEvent *e);
/*
 * Value i: (address relative to the node such as "ens1fx/master", data_type
 * "notification"|"metric", value_type "enumeration"|"decimal64.3", value),
 * strings owned by the event; any ret_ may be NULL. Returns 0, or -ERANGE. A
 * clock's state may come without its offset metric: none was measured.
 */
int ptpsync_event_get_value(const PtpsyncEvent *e, size_t i, const char **ret_address,
                            const char **ret_data_type, const char **ret_value_type, const char **ret_value);
/* The first notification value ("LOCKED", ...), or NULL if the event has none (clock class). */
const char *ptpsync_event_get_state(const PtpsyncEvent *e);

/* A list of events, oldest first. Entries are owned by the list. */
size_t ptpsync_event_list_get_n(const PtpsyncEventList *l);
/* Entry i, or NULL when i is out of range. */
PtpsyncEvent *ptpsync_event_list_get(const PtpsyncEventList *l, size_t i);
/* Frees the list (and drops its references to the events); returns NULL. */
PtpsyncEventList *ptpsync_event_list_free(PtpsyncEventList *l);

/* Frees a NULL-terminated string array returned by the library; returns NULL. */
char **ptpsync_strv_free(char **l);

/* ---- calls ----------------------------------------------------------------------------------- */

/*
 * Asynchronous calls return a PtpsyncCall through ret_call (may be NULL): it
 * stays valid until its handler starts, and ptpsync_call_cancel() stops it
 * before that (the handler is then never called; one still waiting its turn
 * is never sent). The client owns it.
 */
void ptpsync_call_cancel(PtpsyncCall *call);

/* error: 0, or a negative errno (then events is NULL). events is valid during the handler only. */
typedef void (*ptpsync_events_handler_t)(PtpsyncClient *c, int error, const PtpsyncEventList *events,
                                         void *userdata);
/* error: 0, or a negative errno (then count is 0). */
typedef void (*ptpsync_count_handler_t)(PtpsyncClient *c, int error, unsigned count, void *userdata);
/* error: 0, or a negative errno. */
typedef void (*ptpsync_result_handler_t)(PtpsyncClient *c, int error, void *userdata);

/*
 * The current state of every resource matching address (exact, or a prefix
 * ending at a '/' boundary), one event each. Blocking. On success *ret owns the
 * list. Errors: -ENOENT no such resource (another node, an unknown suffix), -ENODATA no
 * data yet (also for a known O-RAN kind the node has no source for, such as SyncE),
 * -EINVAL bad address, -EHOSTUNREACH no daemon. A relative address is resolved against
 * ptpsync_client_get_node_name(); while that is not known, the node name is read first
 * (blocking too; the _async call reads it without blocking).
 */
int ptpsync_client_get_state(PtpsyncClient *c, const char *address, PtpsyncEventList **ret);
/* The same without blocking: handler gets the result. Returns 0 if the call went out. */
int ptpsync_client_get_state_async(PtpsyncClient *c, const char *address, ptpsync_events_handler_t handler,
                                   void *userdata, PtpsyncCall **ret_call);

/* Every resource of the node: (address, kind such as "lock-state", object path). */
size_t ptpsync_resource_list_get_n(const PtpsyncResourceList *l);
/* Entry i; strings owned by the list; any ret_ may be NULL. Returns 0, or -ERANGE. */
int ptpsync_resource_list_get(const PtpsyncResourceList *l, size_t i, const char **ret_address,
                              const char **ret_kind, const char **ret_object_path);
PtpsyncResourceList *ptpsync_resource_list_free(PtpsyncResourceList *l);

/* Blocking. On success *ret owns the list. */
int ptpsync_client_list_resources(PtpsyncClient *c, PtpsyncResourceList **ret);
/* resources is valid during the handler only; NULL on error. */
typedef void (*ptpsync_resources_handler_t)(PtpsyncClient *c, int error, const PtpsyncResourceList *resources,
                                            void *userdata);
int ptpsync_client_list_resources_async(PtpsyncClient *c, ptpsync_resources_handler_t handler, void *userdata,
                                        PtpsyncCall **ret_call);

/* error: 0, or a negative errno (then value is NULL). value is valid during the handler only. */
typedef void (*ptpsync_string_handler_t)(PtpsyncClient *c, int error, const char *value, void *userdata);
/*
 * The Manager's NodeName (the node part of every resource address, "du1.example.com"), without
 * blocking: handler gets it. Returns 0 if the call went out. (Since PTPSYNC_0.2.)
 */
int ptpsync_client_get_node_name_async(PtpsyncClient *c, ptpsync_string_handler_t handler, void *userdata,
                                       PtpsyncCall **ret_call);

/* ---- waiting for a state --------------------------------------------------------------------- */

/*
 * Waits until every resource matching address (exact or prefix) that has data
 * is in state: its notification values (its clocks' states) all equal state,
 * or, for a resource without any (clock-class), its values do ("6"). Checks
 * the current state first, then again on each matching Event from the daemon.
 * While the daemon is not on the bus (for a relative address: until its node
 * name is read), or the resources have no data yet, it keeps waiting.
 * timeout_usec is relative; 0 checks the current state only (no daemon: not
 * reached); UINT64_MAX waits without limit. state is LOCKED, HOLDOVER,
 * FREERUN, a GNSS state (SYNCHRONIZED, ACQUIRING-SYNC, ANTENNA-DISCONNECTED,
 * ANTENNA-SHORT-CIRCUIT, BOOTING, FAILURE-MULTIPATH, FAILURE-NOFIX,
 * FAILURE-LOW-SNR, FAILURE-PLL) or a clock class 0..255 without leading zeros;
 * any other is -EINVAL at once (the _async call's handler is not called).
 *
 * Blocking: runs the client's own loop (ptpsync_client_process() and
 * ptpsync_client_wait()) until done, so other callbacks of this client may
 * run meanwhile. Must not be called from a callback (-EBUSY).
 * Returns 0 when the state is reached, -ETIMEDOUT, or another negative errno
 * (-ENOENT: no such resource, -EINVAL: bad address or state).
 */
int ptpsync_client_wait_for_state(PtpsyncClient *c, const char *address, const char *state,
                                  uint64_t timeout_usec);
/* The same without blocking: handler gets 0, -ETIMEDOUT or another error. Returns 0 if started. */
int ptpsync_client_wait_for_state_async(PtpsyncClient *c, const char *address, const char *state,
                                        uint64_t timeout_usec, ptpsync_result_handler_t handler, void *userdata,
                                        PtpsyncCall **ret_call);

/* ---- watching the broadcast Event signal ------------------------------------------------------ */

/*
 * Calls handler for every broadcast Event from the daemon whose source matches
 * address (exact, or a prefix ending at a '/' boundary; a relative one is
 * matched on the event's own node, no node name needed; NULL: every event).
 * Best effort, as broadcast signals are: use a subscription for guarantees.
 * On success *ret owns the watch (ptpsync_watch_free()).
 */
typedef void (*ptpsync_watch_handler_t)(PtpsyncWatch *w, const PtpsyncEvent *e, void *userdata);
int ptpsync_client_watch(PtpsyncClient *c, const char *address, ptpsync_watch_handler_t handler, void *userdata,
                         PtpsyncWatch **ret);
/* Stops the watch and frees it (also from its own handler); returns NULL. */
PtpsyncWatch *ptpsync_watch_free(PtpsyncWatch *w);

/* ---- subscription options -------------------------------------------------------------------- */

typedef enum PtpsyncBackoffPolicy {
        PTPSYNC_BACKOFF_LINEAR,      /* delay x n */
        PTPSYNC_BACKOFF_EXPONENTIAL, /* delay x 2^n */
} PtpsyncBackoffPolicy;

/*
 * The options of Manager.Subscribe. Only what is set is sent; the daemon
 * applies its defaults (given with each setter below) to the rest and checks every value (a bad
 * one fails the subscription with -EINVAL, org.ptpsync1.Error.InvalidOption).
 * Setters return 0, -EINVAL for a NULL argument, -ENOMEM.
 */
int ptpsync_subscribe_options_new(PtpsyncSubscribeOptions **ret);
PtpsyncSubscribeOptions *ptpsync_subscribe_options_free(PtpsyncSubscribeOptions *o);
/* Name s: non-empty makes the subscription durable (survives this client and daemon restarts);
 * 1..255 bytes of printable ASCII without white space. */
int ptpsync_subscribe_options_set_name(PtpsyncSubscribeOptions *o, const char *name);
/* Ordered b (default true): one delivery in flight, in seq order. */
int ptpsync_subscribe_options_set_ordered(PtpsyncSubscribeOptions *o, bool ordered);
/* Window u (default 64, 1..1024): in-flight bound when unordered. */
int ptpsync_subscribe_options_set_window(PtpsyncSubscribeOptions *o, uint32_t window);
/* Retry u (default 3, 0..100): retries after the first failed attempt, then dead-letter. */
int ptpsync_subscribe_options_set_retry(PtpsyncSubscribeOptions *o, uint32_t retries);
/* BackoffDelay s (default "PT0.2S"): an ISO 8601 duration, at most PT1H. */
int ptpsync_subscribe_options_set_backoff_delay(PtpsyncSubscribeOptions *o, const char *iso8601);
/* The same in µs, sent as "PT<seconds>S". */
int ptpsync_subscribe_options_set_backoff_delay_usec(PtpsyncSubscribeOptions *o, uint64_t usec);
/* BackoffPolicy s (default exponential). */
int ptpsync_subscribe_options_set_backoff_policy(PtpsyncSubscribeOptions *o, PtpsyncBackoffPolicy policy);
/* AckTimeout t (default 5 s, 1 ms..1 h): µs without an Ack before a retry. */
int ptpsync_subscribe_options_set_ack_timeout(PtpsyncSubscribeOptions *o, uint64_t usec);
/* QueueLimit u (default 10000, 1..1000000): backlog bound; past it the oldest are dead-lettered. */
int ptpsync_subscribe_options_set_queue_limit(PtpsyncSubscribeOptions *o, uint32_t limit);
/* InitialState b (default false): first deliver the current state of every matching resource. */
int ptpsync_subscribe_options_set_initial_state(PtpsyncSubscribeOptions *o, bool initial_state);
/* DeadLetterLimit u (default 10000, 0..1000000): dead letters kept. */
int ptpsync_subscribe_options_set_dead_letter_limit(PtpsyncSubscribeOptions *o, uint32_t limit);
/* Metadata a{ss}: sets key to value (replacing an earlier value of key); at most 64 entries,
 * keys of 1..255 bytes, values of at most 4096, 65536 bytes in all. */
int ptpsync_subscribe_options_add_metadata(PtpsyncSubscribeOptions *o, const char *key, const char *value);

/* ---- subscriptions --------------------------------------------------------------------------- */

/* What an event handler decides. */
typedef enum PtpsyncVerdict {
        PTPSYNC_ACK = 0,    /* done: Ack (ordered: cumulative, up to this seq) */
        PTPSYNC_RETRY = 1,  /* Nack with requeue: delivered again after the backoff */
        PTPSYNC_REJECT = 2, /* Nack without requeue: dead-lettered now */
        PTPSYNC_DEFER = 3,  /* no answer now: call ptpsync_subscription_ack()/_nack() later */
} PtpsyncVerdict;

typedef enum PtpsyncSubscriptionState {
        PTPSYNC_SUBSCRIPTION_PENDING,  /* Subscribe sent, no answer yet */
        PTPSYNC_SUBSCRIPTION_ACTIVE,   /* attached: events are delivered */
        PTPSYNC_SUBSCRIPTION_DETACHED, /* durable, the daemon is gone: re-attached when it is back */
        PTPSYNC_SUBSCRIPTION_ENDED,    /* over: no more events; the handle stays until freed */
} PtpsyncSubscriptionState;

/*
 * Called for each delivery (attempt >= 1; the same seq may come again: after
 * a retry, an Ack lost with a restart, a redrive). Returns a PtpsyncVerdict;
 * any other value counts as PTPSYNC_RETRY. The library then sends the Ack or
 * Nack asynchronously. For an ordered subscription a redelivery of the event
 * it acknowledged last (the Ack crossed the daemon's AckTimeout) is
 * acknowledged again without calling the handler.
 */
typedef int (*ptpsync_event_handler_t)(PtpsyncSubscription *s, const PtpsyncEvent *e, void *userdata);

/*
 * Called when the state changes. error says why: for ENDED, 0 after
 * ptpsync_subscription_cancel() or a Cancel by someone else, -ECONNRESET when
 * the daemon went away with a non-durable subscription (or the bus
 * connection closed, durable or not), or the errno of a failed Subscribe
 * (ptpsync_client_last_error_name() has its D-Bus name); for DETACHED,
 * -ECONNRESET when the daemon went away, or the Subscribe's error when it was
 * not running; 0 for PENDING and ACTIVE. ACTIVE after DETACHED is a
 * re-attachment (see ptpsync_subscription_get_n_attached()). The handler may
 * free the subscription.
 */
typedef void (*ptpsync_state_handler_t)(PtpsyncSubscription *s, PtpsyncSubscriptionState state, int error,
                                        void *userdata);

/* Called when the daemon reports seq dead-lettered; reason "rejected", "retries-exhausted", "queue-limit". */
typedef void (*ptpsync_dead_letter_handler_t)(PtpsyncSubscription *s, uint64_t seq, const char *reason,
                                              void *userdata);

/*
 * Subscribes to events matching address (exact or prefix) with the options
 * (NULL: the daemon's defaults; copied, so the caller keeps o). Asynchronous:
 * the handle comes back at once in state PENDING and turns ACTIVE (or ENDED
 * with the error) when the daemon answers; set the state handler right away
 * to hear it. A durable subscription whose daemon is not running waits
 * DETACHED for it instead. A relative address is subscribed once the node
 * name is read; with no daemon on the bus it fares as any Subscribe to no
 * daemon: ENDED (-EHOSTUNREACH, ServiceUnknown), or DETACHED if durable. On
 * success *ret is the handle, owned by the caller (ptpsync_subscription_free()).
 */
int ptpsync_client_subscribe(PtpsyncClient *c, const char *address, const PtpsyncSubscribeOptions *o,
                             ptpsync_event_handler_t handler, void *userdata, PtpsyncSubscription **ret);

/* Sets (or with NULL removes) the state and dead-letter handlers; they get the subscription's userdata. */
void ptpsync_subscription_set_state_handler(PtpsyncSubscription *s, ptpsync_state_handler_t handler);
void ptpsync_subscription_set_dead_letter_handler(PtpsyncSubscription *s, ptpsync_dead_letter_handler_t handler);

/*
 * Frees the handle (also from its own callbacks): no more callbacks. A
 * non-durable subscription is cancelled on the daemon too (nobody would
 * answer its events). A durable one is left as it is: while this client's
 * connection stays open the daemon keeps sending to it, and unanswered events
 * are retried and then dead-lettered, so close the client (or cancel) rather
 * than free a durable subscription you no longer read. Returns NULL.
 */
PtpsyncSubscription *ptpsync_subscription_free(PtpsyncSubscription *s);

PtpsyncClient *ptpsync_subscription_get_client(PtpsyncSubscription *s);
PtpsyncSubscriptionState ptpsync_subscription_get_state(PtpsyncSubscription *s);
/* The address filter and durable name ("" if none), owned by the handle. */
const char *ptpsync_subscription_get_address(PtpsyncSubscription *s);
const char *ptpsync_subscription_get_name(PtpsyncSubscription *s);
/* The daemon's object path (/org/ptpsync1/subscription/<id>), owned by the handle; NULL before ACTIVE. */
const char *ptpsync_subscription_get_object_path(PtpsyncSubscription *s);
/* How many times it became ACTIVE: 1 after subscribing, +1 for each re-attachment after a daemon restart. */
unsigned ptpsync_subscription_get_n_attached(PtpsyncSubscription *s);

/*
 * Answers a deferred event (PTPSYNC_DEFER) asynchronously: Ack (ordered:
 * acknowledges every event up to seq), or Nack with requeue or not.
 * Returns 0, or -ENOTCONN when not ACTIVE.
 */
int ptpsync_subscription_ack(PtpsyncSubscription *s, uint64_t seq);
int ptpsync_subscription_nack(PtpsyncSubscription *s, uint64_t seq, bool requeue);

/*
 * Ends the subscription on the daemon, asynchronously: no events are
 * delivered from now on, and the state handler gets ENDED (error 0, or the
 * Cancel's error). Returns 0, -ENOTCONN while DETACHED, -ESTALE once ENDED.
 */
int ptpsync_subscription_cancel(PtpsyncSubscription *s);

/*
 * Blocking: the dead letters kept, oldest first (*ret owns them); requeue them all; drop them all.
 * The daemon gives at most 1000 dead letters a call, so the get functions (and
 * the _async one, whose handler runs once, with the whole list or the first
 * error) page through them: dead letters added or redriven meanwhile shift the
 * pages, so the list may repeat or miss an entry. Deduplicate by seq.
 */
int ptpsync_subscription_get_dead_letters(PtpsyncSubscription *s, PtpsyncEventList **ret);
int ptpsync_subscription_redrive(PtpsyncSubscription *s, unsigned *ret_count);
int ptpsync_subscription_purge_dead_letters(PtpsyncSubscription *s, unsigned *ret_count);
/* The same without blocking; -ENOTCONN before ACTIVE. */
int ptpsync_subscription_get_dead_letters_async(PtpsyncSubscription *s, ptpsync_events_handler_t handler,
                                                void *userdata, PtpsyncCall **ret_call);
int ptpsync_subscription_redrive_async(PtpsyncSubscription *s, ptpsync_count_handler_t handler, void *userdata,
                                       PtpsyncCall **ret_call);
int ptpsync_subscription_purge_dead_letters_async(PtpsyncSubscription *s, ptpsync_count_handler_t handler,
                                                  void *userdata, PtpsyncCall **ret_call);

/*
 * Any subscription by id, for tools: id is its object path, its 32 hex digits,
 * or its UUID. Only its owner's uid or an administrator may act on it.
 * Blocking. ptpsync_client_list_subscriptions() gives the object paths of the
 * caller's subscriptions (every one for an administrator) as a
 * NULL-terminated array (ptpsync_strv_free()).
 */
int ptpsync_client_list_subscriptions(PtpsyncClient *c, char ***ret_paths);
int ptpsync_client_cancel_subscription(PtpsyncClient *c, const char *id);
/* All the dead letters, paged as ptpsync_subscription_get_dead_letters() is. */
int ptpsync_client_get_dead_letters(PtpsyncClient *c, const char *id, PtpsyncEventList **ret);
int ptpsync_client_redrive(PtpsyncClient *c, const char *id, unsigned *ret_count);
int ptpsync_client_purge_dead_letters(PtpsyncClient *c, const char *id, unsigned *ret_count);

/*
 * The caller's subscriptions with their details (since PTPSYNC_0.2): what
 * ListSubscriptions lists (the caller's own; everyone's for an administrator),
 * in its order, each with its Name, Address, UID, Owner and Metadata. Strings
 * are owned by the list.
 */
size_t ptpsync_subscription_info_list_get_n(const PtpsyncSubscriptionInfoList *l);
/*
 * Entry i: its object path, durable Name ("" if none), Address (the filter), owning UID, and
 * current Owner (the unique name it is attached to, "" while detached); any ret_ may be NULL.
 * Returns 0, or -ERANGE.
 */
int ptpsync_subscription_info_list_get(const PtpsyncSubscriptionInfoList *l, size_t i, const char **ret_object_path,
                                       const char **ret_name, const char **ret_address, uint32_t *ret_uid,
                                       const char **ret_owner);
/* The Metadata value of key for entry i, owned by the list; NULL if it has no such key or i is out of range. */
const char *ptpsync_subscription_info_list_get_metadata(const PtpsyncSubscriptionInfoList *l, size_t i,
                                                        const char *key);
/* Frees the list; returns NULL. NULL is a no-op. */
PtpsyncSubscriptionInfoList *ptpsync_subscription_info_list_free(PtpsyncSubscriptionInfoList *l);

/* error: 0, or a negative errno (then l is NULL). l is valid during the handler only. */
typedef void (*ptpsync_subscription_infos_handler_t)(PtpsyncClient *c, int error, const PtpsyncSubscriptionInfoList *l,
                                                     void *userdata);
/*
 * Lists the subscriptions with their details, without blocking: ListSubscriptions, then
 * Properties.Get of Name, Address, UID, Owner and Metadata of each (by name: Name and Metadata
 * are explicit properties, never in GetAll), pipelined with at most 32 Gets in flight however
 * many subscriptions there are. The handler runs once: with the whole list, or with the first
 * error (the D-Bus error is the last error). A subscription that ends between the listing and
 * its Gets (UnknownObject) is left out, not an error. Name and Metadata are readable by the
 * subscription's uid and root only: for another user's (listed to an administrator that is not
 * root) they are "" and none. Returns 0 if the listing went out; ptpsync_call_cancel() stops it
 * all, Gets in flight included.
 */
int ptpsync_client_list_subscription_infos_async(PtpsyncClient *c, ptpsync_subscription_infos_handler_t handler,
                                                 void *userdata, PtpsyncCall **ret_call);

/*
 * Asks the daemon to re-read its configuration file (Manager.Reload; polkit
 * org.ptpsync1.configure, root always may). Blocking, until the new
 * configuration is in force: 0. A file the daemon refused is -EINVAL
 * (PTPSYNC_ERROR_INVALID_CONFIGURATION), its message naming the file, group
 * and key, and the daemon keeps its running configuration; -EACCES when not
 * allowed.
 */
int ptpsync_client_reload(PtpsyncClient *c);

#ifdef __cplusplus
}
#endif
