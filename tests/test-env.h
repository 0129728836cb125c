/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TestEnv: what an integration test stands on -- a private bus (with the
 * limits a test asks for), a configuration file, the real polkitd if asked,
 * the real daemon READY on it, and the test's own client connection -- set
 * up and torn down in one place (tests/harness.h has the parts; a test uses
 * them alone only for what TestEnv is not: a daemon that must fail to start,
 * a bus with no daemon, a bus killed under the daemon). It is a GTest fixture
 * of its own (test_env_add()) or, for a test that starts one in its body,
 * test_env_start()/test_env_stop().
 */
#pragma once

#include "harness.h"

typedef struct TestEnvOptions {
        const char *config_text;        /* written to <bus dir>/ptpsyncd.conf, passed as --config= (NULL: none);
                                         * @BUS_DIR@ in it stands for the bus's temporary directory */
        const char *const *daemon_args; /* more arguments, NULL-terminated (may be NULL); @BUS_DIR@ and
                                         * @BUS_ADDRESS@ in them stand for the bus's directory and address */
        bool own_args;                  /* daemon_args are all of them: not --bus=, --source=sim, --node-name= */
        const char *bus_config;         /* extra busconfig XML for test_bus_start_with() (NULL: none) */
        const char *events_match;       /* a match the client records in env->events, from before the daemon starts */
        bool log;                       /* the daemon's stderr to env->log_path, shown when the test failed */
        bool polkitd;                   /* the real polkitd on the bus before the daemon (test_polkitd_start()) */
        const char *polkit_rules;       /* with polkitd: its rules file's JavaScript (NULL: none) */
        bool no_daemon;                 /* the bus (and config file) only: no daemon, no client (the test
                                         * starts them: test_env_daemon_start(), test_bus_connect()) */
} TestEnvOptions;

typedef struct TestEnv {
        TestBus *bus;
        TestPolkitd *polkitd; /* NULL without options.polkitd */
        TestDaemon *daemon;   /* NULL while stopped */
        sd_bus *client;     /* the test's own connection, a bus client */
        char *config_path;  /* NULL without config_text */
        char *log_path;     /* NULL without log */
        TestSignals *events; /* NULL without events_match */
        guint seen;          /* env->events before this index are consumed (test_env_wait_event()) */
        unsigned injected;   /* lock-state events test_env_inject_lock_events() injected */
        GPtrArray *daemon_argv; /* char*, what test_env_daemon_start() passes, NULL-terminated */
        bool own_args;          /* daemon_argv without the harness's defaults */
} TestEnv;

/* Sets up a zeroed TestEnv; o may be NULL (a bus, the daemon with no arguments, a client). */
void test_env_setup(TestEnv *e, const TestEnvOptions *o);
/* Closes the client, stops the daemon if it runs (asserting a clean exit), polkitd, the bus. */
void test_env_teardown(TestEnv *e);

TestEnv *test_env_start(const TestEnvOptions *o);
void test_env_stop(TestEnv *e);

/* As GTest fixture functions: data is the const TestEnvOptions * (or NULL). */
void test_env_fixture_setup(TestEnv *e, gconstpointer options);
void test_env_fixture_teardown(TestEnv *e, gconstpointer options);
#define test_env_add(path, options, fn) \
        g_test_add(path, TestEnv, options, test_env_fixture_setup, fn, test_env_fixture_teardown)

/* Starts the daemon (again) with the same arguments and waits for READY=1; fails the test if it does not come. */
void test_env_daemon_start(TestEnv *e);
/* SIGTERM, asserting a clean exit (test_daemon_stop()), and frees it. */
void test_env_daemon_stop(TestEnv *e);
/* Kills it (SIGKILL: no goodbye, nothing flushed), reaps it and starts it again on the same store. */
void test_env_daemon_crash_and_restart(TestEnv *e);

/* test_inject_lock_events() on the client, counted in e->injected. */
void test_env_inject_lock_events(TestEnv *e, unsigned n);

/*
 * Waits for an event in e->events, after those consumed, whose source ends in source_suffix (NULL:
 * any) and one of whose values (as TestEvent has them) is value; consumes up to it. False at the deadline.
 */
bool test_env_wait_event(TestEnv *e, const char *source_suffix, const char *value, uint64_t timeout_usec);
/* Whether the daemon's log has count lines containing needle, within the deadline, processing the client. */
/* The events recorded from index from on that say anything of address's state, as "seq STATE, ...". g_free. */
char *test_env_states_since(TestEnv *e, guint from, const char *address);
bool test_env_log_has(TestEnv *e, const char *needle, unsigned count, uint64_t timeout_usec);
