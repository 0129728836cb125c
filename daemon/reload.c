/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>
#include <signal.h>

#include "common/bus-errors.h"
#include "common/log.h"
#include "common/notify.h"
#include "reload.h"

struct Reload {
        Manager *manager;
        LinuxptpSource *linuxptp; /* NULL with the simulated source */
        Overrides overrides;
        Config running;           /* what is in force; its restart-only values are start-up's */
        sd_event_source *sighup;
};

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        log_info("SIGHUP from pid %" PRIu32 ": reloading the configuration.", si->ssi_pid);
        (void) reload_run(userdata, NULL);
        return 0;
}

int reload_new(Reload **ret, Manager *m, LinuxptpSource *linuxptp, const Overrides *o, Config *running) {
        _cleanup_(reload_freep) Reload *r = g_new0(Reload, 1);
        int k;

        r->manager = m;
        r->linuxptp = linuxptp;
        r->overrides = *o;
        r->running = *running;
        *running = (Config) {};

        k = sd_event_add_signal(m->event, &r->sighup, SIGHUP, on_sighup, r);
        if (k < 0)
                return log_error_errno(k, "Failed to watch SIGHUP: %m");
        *ret = TAKE_PTR(r);
        return 0;
}

Reload *reload_free(Reload *r) {
        if (!r)
                return NULL;
        sd_event_source_disable_unref(r->sighup);
        config_done(&r->running);
        g_free(r);
        return NULL;
}

/* A setting only a restart can change: said if it did change, and start-up's value kept in next. */
static void keep_until_restart(const char *key, char **running, char **next, const char *unset) {
        if (!streq_ptr(*running, *next))
                log_notice("%s=%s in the configuration takes effect at the next restart; until then %s.", key,
                           *next ?: "", *running ?: unset);
        g_free(*next);
        *next = g_strdup(*running);
}

static void keep_restart_only(Config *running, Config *next) {
        keep_until_restart("NodeName", &running->node_name, &next->node_name, "the host's name is the node's");
        keep_until_restart("StateDirectory", &running->state_directory, &next->state_directory, "");
        keep_until_restart("RuntimeDirectory", &running->runtime_directory, &next->runtime_directory, "");
        if (running->source != next->source)
                log_notice("Source=%s in the configuration takes effect at the next restart; until then %s.",
                           source_kind_to_string(next->source), source_kind_to_string(running->source));
        next->source = running->source;
        keep_until_restart("Gpsd", &running->gpsd, &next->gpsd, "no GNSS receiver");
        keep_until_restart("Interface", &running->gnss_interface, &next->gnss_interface, GNSS_INTERFACE_DEFAULT);
        if (!gnss_params_equal(&running->gnss, &next->gnss))
                log_notice("[GNSS] StaleSec=, MinMode=, LossDebounce=, EnterDebounce=, ExtendedStates=, Ubx= and "
                           "TaccMaxNs= take effect at the next restart.");
        next->gnss = running->gnss;
        /* The grandmaster's state runs on these: a new role or parameters start it afresh, at a restart. */
        keep_until_restart("[Grandmaster] Instance", &running->grandmaster.instance, &next->grandmaster.instance,
                           "no grandmaster");
        if (!tgm_params_equal(&running->grandmaster.params, &next->grandmaster.params))
                log_notice("[Grandmaster] LocalMaxHoldoverOffSet=, LocalHoldoverTimeout=, MaxInSpecOffset= and "
                           "LockSettleSec= take effect at the next restart.");
        next->grandmaster.params = running->grandmaster.params;
        /* The watcher is made at start-up with the grandmaster it tells. */
        if (!ts2phc_watch_config_equal(&running->grandmaster.ts2phc, &next->grandmaster.ts2phc))
                log_notice("[Grandmaster] Ts2phcWatch=, Ts2phcPidFile= and Ts2phcConfig= take effect at the next "
                           "restart.");
        next->grandmaster.ts2phc.watch = running->grandmaster.ts2phc.watch;
        g_free(next->grandmaster.ts2phc.pid_file);
        next->grandmaster.ts2phc.pid_file = g_strdup(running->grandmaster.ts2phc.pid_file);
        g_free(next->grandmaster.ts2phc.config);
        next->grandmaster.ts2phc.config = g_strdup(running->grandmaster.ts2phc.config);
        /* The writer is turned on and off at run time by Manager.SetClockClassWriter, not by a reload. */
        if (running->grandmaster.write_clock_class != next->grandmaster.write_clock_class)
                log_notice("[Grandmaster] WriteClockClass=%s takes effect at the next restart; "
                           "Manager.SetClockClassWriter turns the writer on or off now.",
                           next->grandmaster.write_clock_class ? "yes" : "no");
        next->grandmaster.write_clock_class = running->grandmaster.write_clock_class;
}

int reload_run(Reload *r, sd_bus_error *error) {
        _cleanup_(config_done) Config next = {};
        g_autoptr(GError) e = NULL;
        g_autofree char *reloading = NULL;
        Manager *m = r->manager;
        int k = 0;

        /* With the time, as systemd wants it to tell this reload from an earlier one. */
        reloading = g_strdup_printf("RELOADING=1\nMONOTONIC_USEC=%" PRIu64, now_usec(CLOCK_MONOTONIC));
        (void) notify_nonblocking(reloading);

        config_init(&next);
        if (!settings_load(&next, &r->overrides, &e)) {
                log_error("Configuration refused, the running one stays: %s", e->message);
                (void) notify_nonblocking("READY=1");
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_CONFIGURATION,
                                         "Configuration refused, the running one stays: %s", e->message);
        }
        keep_restart_only(&r->running, &next);

        manager_apply_config(m, &next);
        if (r->linuxptp)
                k = linuxptp_source_apply(r->linuxptp, next.ptp4l);

        config_done(&r->running);
        r->running = next;
        next = (Config) {};

        log_info("Reloaded the configuration from %s: MinOffsetNs=%" PRId64 " MaxOffsetNs=%" PRId64
                 " HoldoverTimeoutSec=%" PRIu64 " SubscriptionsPerUser=%u SubscriptionsPerConnection=%u SubscriptionsMax=%u"
                 " (and %u [" QUOTA_USER_GROUP " NAME] groups) RetainEvents=%u%s",
                 r->overrides.config_file, m->thresholds.min_offset_ns, m->thresholds.max_offset_ns,
                 m->thresholds.holdover_timeout_usec / USEC_PER_SEC, m->subscriptions_per_uid,
                 m->subscriptions_per_connection, m->subscriptions_max, g_hash_table_size(m->quota_users),
                 m->retain_events,
                 r->linuxptp ? ", and the ptp4l instances." : ".");
        (void) notify_nonblocking("READY=1");
        if (k < 0)
                return sd_bus_error_set_errnof(error, k, "The configuration is in force, except for a ptp4l "
                                               "instance that cannot be read (see the log): %m");
        return 0;
}

int reload_bus_handler(void *userdata, sd_bus_error *error) {
        return reload_run(userdata, error);
}
