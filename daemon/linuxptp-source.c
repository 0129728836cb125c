/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <inttypes.h>

#include "alias.h"
#include "linuxptp-source.h"
#include "log.h"
#include "phc.h"
#include "ptp4l-client.h"
#include "ptp4l-state.h"

/* Samples per PHC reading: the kernel keeps the one with the shortest window. */
#define PHC_SAMPLES 5
/* The PHC lookup takes the kernel's RTNL lock: after a failure, not on every poll. */
#define PHC_RETRY_USEC (60 * USEC_PER_SEC)
/* TAI - UTC when ptp4l does not say (37 s since 2017). */
#define TAI_UTC_OFFSET_FALLBACK 37
/* A port number for our identities: each instance takes two. */
#define IDENTITY_PORT_BASE 1

typedef struct Instance {
        LinuxptpSource *source;
        char *name;
        char *interface; /* configured, or learned from PORT_PROPERTIES_NP; NULL: not yet */
        char *alias;     /* configured; NULL: the default */
        uint64_t poll_interval_usec;
        Ptp4lClient *client;
        Ptp4lView view;
        uint64_t stale_rounds_through; /* rounds started before the last push: their port states are old */
        bool answering;
        bool drives_os_clock;
        int phc_fd; /* -1: not open */
        uint64_t phc_retry_usec; /* after a failure to open it: not before this */
        RateLimit phc_log;
} Instance;

struct LinuxptpSource {
        Manager *manager;
        GPtrArray *instances; /* Instance* */
};

static void instance_free(Instance *i) {
        if (!i)
                return;
        ptp4l_client_free(i->client);
        if (i->phc_fd >= 0)
                close(i->phc_fd);
        g_free(i->name);
        g_free(i->interface);
        g_free(i->alias);
        g_free(i);
}

static Manager *instance_manager(const Instance *i) {
        return i->source->manager;
}

/* Names the clock after the interface, and tells the manager its alias, before its first observation. */
static void instance_set_interface(Instance *i, const char *interface) {
        g_autofree char *alias = i->alias ? g_strdup(i->alias) : interface_alias(interface);

        i->interface = g_strdup(interface);
        manager_set_clock_alias(instance_manager(i), interface, alias);
}

static bool instance_learn_interface(Instance *i, const Ptp4lAnswers *a) {
        if (i->interface)
                return true;
        if (!a->have_port_properties) {
                log_warning("ptp4l %s does not name its interface (no PORT_PROPERTIES_NP); set Interface= "
                            "in [ptp4l %s].", i->name, i->name);
                return false;
        }
        /* The decoder has checked it is a plausible interface name; the manager needs exactly that. */
        if (!interface_name_is_valid(a->port_properties.interface))
                return false;
        instance_set_interface(i, a->port_properties.interface);
        log_info("ptp4l %s disciplines %s.", i->name, i->interface);
        return true;
}

static void instance_observe_os_clock_phc(Instance *i, const Ptp4lAnswers *a) {
        Manager *m = instance_manager(i);
        int64_t offset, delay;
        unsigned suppressed;
        int tai_utc = 0, r;

        if (a->have_time_properties && a->time_properties.ptp_timescale)
                tai_utc = a->time_properties.current_utc_offset_valid ? a->time_properties.current_utc_offset
                                                                      : TAI_UTC_OFFSET_FALLBACK;
        if (i->phc_fd < 0) {
                uint64_t now = now_usec(CLOCK_MONOTONIC);
                int index;

                if (now < i->phc_retry_usec) {
                        (void) manager_observe_sync(m, RESOURCE_OS_CLOCK, OS_CLOCK_NAME, OBSERVATION_UNREACHABLE, 0);
                        return;
                }
                r = phc_index_of_interface(i->interface, &index);
                if (r >= 0)
                        r = i->phc_fd = phc_open(index);
                if (r < 0)
                        i->phc_retry_usec = now + PHC_RETRY_USEC;
        } else
                r = 0;
        if (r >= 0)
                r = phc_measure(i->phc_fd, PHC_SAMPLES, tai_utc, &offset, &delay);
        if (r < 0) {
                if (ratelimit_below(&i->phc_log, now_usec(CLOCK_MONOTONIC), &suppressed))
                        log_warning_errno(r, "Cannot compare CLOCK_REALTIME with the PHC of %s: %m", i->interface);
                if (i->phc_fd >= 0 && r != -EOPNOTSUPP) {
                        close(i->phc_fd);
                        i->phc_fd = -1;
                }
                (void) manager_observe_sync(m, RESOURCE_OS_CLOCK, OS_CLOCK_NAME, OBSERVATION_UNREACHABLE, 0);
                return;
        }
        log_debug("CLOCK_REALTIME - PHC of %s: %" PRId64 " ns (window %" PRId64 " ns)", i->interface, offset, delay);
        (void) manager_observe_sync(m, RESOURCE_OS_CLOCK, OS_CLOCK_NAME, OBSERVATION_LOCKED, offset);
}

/* Software timestamping (or not known to be otherwise): ptp4l disciplines CLOCK_REALTIME itself. */
static bool instance_os_clock_follows(const Ptp4lAnswers *a) {
        return !a || !a->have_port_properties || a->port_properties.timestamping == PMC_TIMESTAMPING_SOFTWARE;
}

static void instance_observe_lock(Instance *i, Observation o, int64_t offset, const Ptp4lAnswers *a) {
        Manager *m = instance_manager(i);

        (void) manager_observe_sync(m, RESOURCE_LOCK_STATE, i->interface, o, offset);
        if (!i->drives_os_clock)
                return;
        if (instance_os_clock_follows(a))
                (void) manager_observe_sync(m, RESOURCE_OS_CLOCK, OS_CLOCK_NAME, o, offset);
        else if (a)
                instance_observe_os_clock_phc(i, a);
}

static void on_answered(Ptp4lClient *c, const Ptp4lAnswers *a, void *userdata) {
        Instance *i = userdata;
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        char class[4];
        int64_t offset;
        Observation o;

        if (!i->answering)
                log_info("ptp4l %s answers at its socket.", i->name);
        i->answering = true;
        if (!instance_learn_interface(i, a))
                return;

        /* A push newer than this round's replies has the port's state already. */
        if (a->round > i->stale_rounds_through)
                for (unsigned p = 0; p < a->n_ports; p++)
                        (void) ptp4l_view_port(&i->view, &a->ports[p]);
        ptp4l_view_time_status(&i->view, &a->time_status, now);

        o = ptp4l_view_judge(&i->view, now, i->poll_interval_usec, &offset);
        instance_observe_lock(i, o, offset, a);

        /* The grandmaster's class while it is followed; else the clock's own, which is what it would announce. */
        g_snprintf(class, sizeof(class), "%u",
                   ptp4l_view_follows_master(&i->view) ? a->parent_data_set.grandmaster_clock_quality.clock_class
                                                       : a->default_data_set.clock_quality.clock_class);
        (void) manager_observe_value(instance_manager(i), RESOURCE_CLOCK_CLASS, i->interface, class, 0);
}

static void on_silent(Ptp4lClient *c, int error, const char *why, void *userdata) {
        Instance *i = userdata;

        if (i->answering)
                log_warning("ptp4l %s: %s", i->name, why);
        else
                log_debug("ptp4l %s: %s", i->name, why);
        i->answering = false;
        ptp4l_view_reset(&i->view);
        if (!i->interface) {
                if (i->drives_os_clock)
                        (void) manager_observe_sync(instance_manager(i), RESOURCE_OS_CLOCK, OS_CLOCK_NAME,
                                                    OBSERVATION_UNREACHABLE, 0);
                return;
        }
        instance_observe_lock(i, OBSERVATION_UNREACHABLE, 0, NULL);
}

static void on_port_changed(Ptp4lClient *c, const PmcPortDataSet *p, void *userdata) {
        Instance *i = userdata;
        int64_t offset;
        Observation o;

        if (!ptp4l_view_port(&i->view, p))
                return;
        log_info("ptp4l %s: port %u is %s.", i->name, p->port_identity.port_number,
                 strna(pmc_port_state_to_string(p->port_state)));
        i->stale_rounds_through = ptp4l_client_round(c);

        if (i->interface && i->answering) {
                o = ptp4l_view_judge(&i->view, now_usec(CLOCK_MONOTONIC), i->poll_interval_usec, &offset);
                /* Lock lost is known now; lock gained needs a fresh receipt time, which the round brings. */
                if (o == OBSERVATION_UNLOCKED)
                        instance_observe_lock(i, o, offset, NULL);
        }
        ptp4l_client_poll_now(c);
}

static const Ptp4lClientOps instance_ops = {
        .answered = on_answered,
        .silent = on_silent,
        .port_changed = on_port_changed,
};

static int instance_new(LinuxptpSource *s, const Ptp4lConfig *cfg, unsigned index, const char *runtime_dir) {
        Instance *i;
        int r;

        i = g_new0(Instance, 1);
        i->source = s;
        i->name = g_strdup(cfg->name);
        i->alias = g_strdup(cfg->alias);
        i->poll_interval_usec = cfg->poll_interval_ms * USEC_PER_MSEC;
        i->drives_os_clock = index == 0;
        i->phc_fd = -1;
        i->phc_log = RATELIMIT_INIT(600 * USEC_PER_SEC, 1);
        g_ptr_array_add(s->instances, i);
        if (cfg->interface)
                instance_set_interface(i, cfg->interface);

        r = ptp4l_client_new(&i->client, s->manager->event,
                             &(Ptp4lClientSettings) {
                                     .name = cfg->name,
                                     .socket = cfg->socket,
                                     .runtime_dir = runtime_dir,
                                     .domain_number = cfg->domain_number,
                                     .transport_specific = cfg->transport_specific,
                                     .poll_interval_usec = i->poll_interval_usec,
                                     .identity_port = (uint16_t) (IDENTITY_PORT_BASE + 2 * index),
                             },
                             &instance_ops, i);
        if (r < 0)
                return r;
        log_info("Reading ptp4l %s at %s (domain %u, transportSpecific %u%s%s).", cfg->name, cfg->socket,
                 cfg->domain_number, cfg->transport_specific, cfg->interface ? ", interface " : "",
                 cfg->interface ?: "");
        return 0;
}

int linuxptp_source_new(LinuxptpSource **ret, Manager *m, const GPtrArray *ptp4l, const char *runtime_dir) {
        _cleanup_(linuxptp_source_freep) LinuxptpSource *s = NULL;
        int r;

        assert(ptp4l->len > 0);

        s = g_new0(LinuxptpSource, 1);
        s->manager = m;
        s->instances = g_ptr_array_new_with_free_func((GDestroyNotify) instance_free);
        for (unsigned i = 0; i < ptp4l->len; i++) {
                r = instance_new(s, ptp4l->pdata[i], i, runtime_dir);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

LinuxptpSource *linuxptp_source_free(LinuxptpSource *s) {
        if (!s)
                return NULL;
        g_ptr_array_unref(s->instances);
        g_free(s);
        return NULL;
}
