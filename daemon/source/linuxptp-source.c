/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>

#include "model/alias.h"
#include "source/linuxptp-source.h"
#include "common/log.h"
#include "source/grandmaster.h"
#include "source/phc.h"
#include "source/ptp4l-client.h"
#include "source/ptp4l-state.h"

/* Samples per PHC reading: the kernel keeps the one with the shortest window. */
#define PHC_SAMPLES 5
/* The PHC lookup takes the kernel's RTNL lock: after a failure, not on every poll. */
#define PHC_RETRY_USEC (60 * USEC_PER_SEC)
/* TAI - UTC when ptp4l does not say (37 s since 2017). */
#define TAI_UTC_OFFSET_FALLBACK 37
/* A port number for our identities: each instance takes two, from its slot. */
#define IDENTITY_PORT_BASE 1
/* An unreachable ptp4l is warned of at its first failure, then at most this often: not once per poll. */
#define SILENT_LOG_INTERVAL_USEC (60 * USEC_PER_SEC)
/* The stand-in clock name when the group's name is none: "." and ".." are no interface names. */
#define STAND_IN_FALLBACK "ptp4l"

typedef struct Instance {
        LinuxptpSource *source;
        Ptp4lConfig *config; /* its group, as it was read: a reload compares it */
        const char *name;    /* config->name */
        unsigned slot;       /* 0..PTP4L_INSTANCES_MAX-1, unique: our identity's port numbers */
        char *interface;     /* configured, or learned from PORT_PROPERTIES_NP; NULL: not yet */
        char *stand_in;      /* the clock's name while interface is NULL: from the group's name */
        bool interface_inherited; /* learned by the instance this one replaced: until ptp4l names its own */
        uint64_t poll_interval_usec;
        Ptp4lClient *client;
        Ptp4lView view;
        uint64_t stale_rounds_through; /* rounds started before the last push: their port states are old */
        bool answering;
        bool drives_os_clock;
        int phc_fd; /* -1: not open */
        uint64_t phc_retry_usec; /* after a failure to open it: not before this */
        RateLimit phc_log;
        RateLimit silent_log;
        RateLimit interface_log; /* asked at every poll: said once an hour */
} Instance;

struct LinuxptpSource {
        Manager *manager;
        char *runtime_dir;
        GPtrArray *instances; /* Instance*, in the configuration's order: the first drives the system clock */
        Grandmaster *grandmaster; /* [Grandmaster] Instance='s; NULL: none */
};

static void instance_free(Instance *i) {
        if (!i)
                return;
        ptp4l_client_free(i->client);
        if (i->phc_fd >= 0)
                close(i->phc_fd);
        ptp4l_config_free(i->config);
        g_free(i->interface);
        g_free(i->stand_in);
        g_free(i);
}

/* A GDestroyNotify: calling instance_free() through a cast would be undefined behaviour. */
static void instance_destroy(void *i) {
        instance_free(i);
}

static Manager *instance_manager(const Instance *i) {
        return i->source->manager;
}

/* This node's grandmaster if i is its instance, else NULL. */
static Grandmaster *instance_grandmaster(const Instance *i) {
        Grandmaster *g = i->source->grandmaster;

        return g && streq(grandmaster_instance(g), i->name) ? g : NULL;
}

/*
 * The name of its clock: the interface, or until that is known a stand-in, so that an unreachable
 * ptp4l is still an observation (FREERUN) rather than no data at all.
 */
static const char *instance_clock(const Instance *i) {
        return i->interface ?: i->stand_in;
}

/* Its clock's name in addresses: the configured Alias=, else the clock's own. */
static char *instance_alias(const Instance *i) {
        return i->config->alias ? g_strdup(i->config->alias) : interface_alias(instance_clock(i));
}

/* The group's name, cut to what an interface name may be (names are [A-Za-z0-9_.-]). */
static void instance_set_stand_in(Instance *i) {
        g_autofree char *alias = NULL;

        i->stand_in = g_strndup(i->name, IFNAMSIZ - 1);
        if (!interface_name_is_valid(i->stand_in)) {
                g_free(i->stand_in);
                i->stand_in = g_strdup(STAND_IN_FALLBACK);
        }
        alias = instance_alias(i);
        manager_set_clock_alias(instance_manager(i), i->stand_in, alias);
}

/* Names the clock after the interface, and tells the manager its alias, before its first observation. */
static void instance_set_interface(Instance *i, const char *interface) {
        g_autofree char *alias = NULL;

        g_free(i->interface);
        i->interface = g_strdup(interface);
        alias = instance_alias(i);
        manager_set_clock_alias(instance_manager(i), interface, alias);
}

/* Whether an instance reads the clock of interface, under alias (NULL: any). */
static bool source_has_clock(const LinuxptpSource *s, const char *interface, const char *alias) {
        for (guint k = 0; k < s->instances->len; k++) {
                const Instance *i = s->instances->pdata[k];
                g_autofree char *a = NULL;

                if (!streq_ptr(instance_clock(i), interface))
                        continue;
                if (!alias)
                        return true;
                a = instance_alias(i);
                if (streq(a, alias))
                        return true;
        }
        return false;
}

/* Nothing reads the clock of interface any more: it leaves the resources (until it is read again). */
static void source_release_clock(LinuxptpSource *s, const char *interface) {
        manager_retire_clock(s->manager, RESOURCE_LOCK_STATE, interface);
        manager_retire_clock(s->manager, RESOURCE_CLOCK_CLASS, interface);
}

static bool instance_learn_interface(Instance *i, const Ptp4lAnswers *a) {
        g_autofree char *previous = NULL;
        unsigned suppressed;

        if (i->interface && !i->interface_inherited)
                return true;
        if (!a->have_port_properties) {
                if (i->interface)
                        return true; /* the inherited one, then */
                if (ratelimit_below(&i->interface_log, now_usec(CLOCK_MONOTONIC), &suppressed))
                        log_warning("ptp4l %s does not name its interface (no PORT_PROPERTIES_NP); set Interface= "
                                    "in [ptp4l %s].", i->name, i->name);
                return false;
        }
        /* The decoder has checked it is a plausible interface name; the manager needs exactly that. */
        if (!interface_name_is_valid(a->port_properties.interface))
                return i->interface != NULL;
        i->interface_inherited = false;
        if (streq_ptr(i->interface, a->port_properties.interface))
                return true;
        /* The stand-in (if it was observed) goes as a predecessor's interface does. */
        previous = i->interface ? g_strdup(i->interface) : g_steal_pointer(&i->stand_in);
        instance_set_interface(i, a->port_properties.interface);
        log_info("ptp4l %s disciplines %s.", i->name, i->interface);
        /* After a reload its predecessor's clock was this one's until now. */
        if (previous && !source_has_clock(i->source, previous, NULL))
                source_release_clock(i->source, previous);
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

/*
 * The system clock on the grandmaster, as cloud-event-proxy has it: FREERUN while the grandmaster is;
 * else, with software timestamping, the grandmaster's own state (ptp4l serves CLOCK_REALTIME), and
 * with hardware timestamping CLOCK_REALTIME against the PHC (a round's answers needed: a NULL a
 * waits for the next round).
 */
static void instance_observe_os_clock_gm(Instance *i, SyncState gm, const Ptp4lAnswers *a) {
        Manager *m = instance_manager(i);

        if (!i->drives_os_clock || gm == SYNC_STATE_NONE)
                return;
        if (gm == SYNC_STATE_FREERUN || instance_os_clock_follows(a))
                (void) manager_observe_state(m, RESOURCE_OS_CLOCK, OS_CLOCK_NAME, gm, OFFSET_NONE);
        else if (a)
                instance_observe_os_clock_phc(i, a);
}

static void instance_observe_lock(Instance *i, Observation o, int64_t offset, const Ptp4lAnswers *a) {
        Manager *m = instance_manager(i);

        (void) manager_observe_sync(m, RESOURCE_LOCK_STATE, instance_clock(i), o, offset);
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
                log_info("ptp4l %s answers at %s.", i->name, i->config->socket);
        i->answering = true;
        if (!instance_learn_interface(i, a))
                return;

        /* A push newer than this round's replies has the port's state already. */
        if (a->round > i->stale_rounds_through)
                for (unsigned p = 0; p < a->n_ports; p++)
                        (void) ptp4l_view_port(&i->view, &a->ports[p]);
        ptp4l_view_time_status(&i->view, &a->time_status, now);

        if (instance_grandmaster(i)) {
                grandmaster_answered(instance_grandmaster(i), instance_clock(i), a, &i->view);
                instance_observe_os_clock_gm(i, grandmaster_state(instance_grandmaster(i)), a);
                return;
        }

        o = ptp4l_view_judge(&i->view, now, i->poll_interval_usec, &offset);
        instance_observe_lock(i, o, offset, a);

        /* The grandmaster's class while it is followed; else the clock's own, which is what it would announce. */
        g_snprintf(class, sizeof(class), "%u",
                   ptp4l_view_follows_master(&i->view) ? a->parent_data_set.grandmaster_clock_quality.clock_class
                                                       : a->default_data_set.clock_quality.clock_class);
        (void) manager_observe_value(instance_manager(i), RESOURCE_CLOCK_CLASS, i->interface, class, OFFSET_NONE);
}

static void on_silent(Ptp4lClient *c, int error, const char *why, void *userdata) {
        Instance *i = userdata;
        unsigned suppressed;

        /* why names the socket and the error. */
        if (!ratelimit_below(&i->silent_log, now_usec(CLOCK_MONOTONIC), &suppressed))
                log_debug("ptp4l %s: still not answering: %s", i->name, why);
        else if (suppressed > 0)
                log_warning("ptp4l %s: %s (%u more failures since the last warning)", i->name, why, suppressed);
        else
                log_warning("ptp4l %s: %s", i->name, why);
        i->answering = false;
        ptp4l_view_reset(&i->view);
        if (instance_grandmaster(i))
                /* The system clock follows through on_grandmaster_changed(). */
                grandmaster_silent(instance_grandmaster(i), instance_clock(i));
        else
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

        /* A grandmaster's port that changes is judged with the round this asks for. */
        if (i->interface && i->answering && !instance_grandmaster(i)) {
                o = ptp4l_view_judge(&i->view, now_usec(CLOCK_MONOTONIC), i->poll_interval_usec, &offset);
                /* Lock lost is known now; lock gained needs a fresh receipt time, which the round brings. */
                if (o == OBSERVATION_UNLOCKED)
                        instance_observe_lock(i, o, offset, NULL);
        }
        ptp4l_client_poll_now(c);
}

static void on_settings_written(Ptp4lClient *c, const PmcGrandmasterSettings *s, const char *refused,
                                void *userdata) {
        Instance *i = userdata;

        if (instance_grandmaster(i))
                grandmaster_settings_written(instance_grandmaster(i), s, refused);
}

static const Ptp4lClientOps instance_ops = {
        .answered = on_answered,
        .silent = on_silent,
        .port_changed = on_port_changed,
        .settings_written = on_settings_written,
};

static bool slot_used(const GPtrArray *instances, unsigned slot) {
        for (guint k = 0; k < instances->len; k++)
                if (((const Instance *) instances->pdata[k])->slot == slot)
                        return true;
        return false;
}

/* The lowest slot that no instance in either array has. */
static unsigned free_slot(const GPtrArray *a, const GPtrArray *b) {
        unsigned slot = 0;

        while (slot_used(a, slot) || slot_used(b, slot))
                slot++;
        return slot;
}

/*
 * A new instance, appended, with the port numbers of slot (unused by any other); inherited: the
 * interface its predecessor learned (NULL: none).
 */
static int instance_new(LinuxptpSource *s, const Ptp4lConfig *cfg, unsigned slot, const char *inherited) {
        Instance *i;
        int r;

        i = g_new0(Instance, 1);
        i->source = s;
        i->config = ptp4l_config_copy(cfg);
        i->name = i->config->name;
        i->slot = slot;
        i->poll_interval_usec = cfg->poll_interval_ms * USEC_PER_MSEC;
        i->phc_fd = -1;
        i->phc_log = RATELIMIT_INIT(600 * USEC_PER_SEC, 1);
        i->silent_log = RATELIMIT_INIT(SILENT_LOG_INTERVAL_USEC, 1);
        i->interface_log = RATELIMIT_INIT(3600 * USEC_PER_SEC, 1);
        g_ptr_array_add(s->instances, i);
        if (cfg->interface || inherited)
                instance_set_interface(i, cfg->interface ?: inherited);
        else
                instance_set_stand_in(i);
        i->interface_inherited = !cfg->interface && inherited;

        r = ptp4l_client_new(&i->client, s->manager->event,
                             &(Ptp4lClientSettings) {
                                     .name = cfg->name,
                                     .socket = cfg->socket,
                                     .runtime_dir = s->runtime_dir,
                                     .domain_number = cfg->domain_number,
                                     .transport_specific = cfg->transport_specific,
                                     .poll_interval_usec = i->poll_interval_usec,
                                     .identity_port = (uint16_t) (IDENTITY_PORT_BASE + 2 * i->slot),
                             },
                             &instance_ops, i);
        if (r < 0) {
                g_ptr_array_remove(s->instances, i);
                return r;
        }
        log_info("Reading ptp4l %s at %s (domain %u, transportSpecific %u%s%s).", cfg->name, cfg->socket,
                 cfg->domain_number, cfg->transport_specific, cfg->interface ? ", interface " : "",
                 cfg->interface ?: "");
        return 0;
}

/* The first instance judges the system clock (see the header). */
static void source_assign_os_clock(LinuxptpSource *s) {
        for (guint k = 0; k < s->instances->len; k++)
                ((Instance *) s->instances->pdata[k])->drives_os_clock = k == 0;
}

/* The instance that is the grandmaster; NULL while none is read (a reload removed it). */
static Instance *source_grandmaster_instance(const LinuxptpSource *s) {
        for (guint k = 0; k < s->instances->len; k++)
                if (instance_grandmaster(s->instances->pdata[k]))
                        return s->instances->pdata[k];
        return NULL;
}

static void on_grandmaster_changed(Grandmaster *g, SyncState state, void *userdata) {
        Instance *i = source_grandmaster_instance(userdata);

        if (i)
                instance_observe_os_clock_gm(i, state, NULL);
}

static int on_grandmaster_write(Grandmaster *g, const PmcGrandmasterSettings *settings, void *userdata) {
        Instance *i = source_grandmaster_instance(userdata);

        return i ? ptp4l_client_write_grandmaster_settings(i->client, settings) : -ENOENT;
}

static const GrandmasterOps grandmaster_ops = {
        .changed = on_grandmaster_changed,
        .write_settings = on_grandmaster_write,
};

int linuxptp_source_new(LinuxptpSource **ret, Manager *m, const GPtrArray *ptp4l, const char *runtime_dir,
                        const GrandmasterConfig *gm) {
        _cleanup_(linuxptp_source_freep) LinuxptpSource *s = NULL;
        int r;

        assert(ptp4l->len > 0);

        s = g_new0(LinuxptpSource, 1);
        s->manager = m;
        if (gm && gm->instance) {
                r = grandmaster_new(&s->grandmaster, m, gm->instance, &gm->params, &grandmaster_ops, s);
                if (r < 0)
                        return r;
                log_info("ptp4l %s is this node's grandmaster: its lock-state follows GNSS, ts2phc and ptp4l "
                         "(holdover at most %" PRIu64 " s).", gm->instance,
                         tgm_params_holdover_usec(&gm->params) / USEC_PER_SEC);
                m->has_grandmaster = true;
                manager_set_clock_class_writer(m, gm->write_clock_class);
        }
        s->runtime_dir = g_strdup(runtime_dir);
        s->instances = g_ptr_array_new_with_free_func(instance_destroy);
        for (unsigned i = 0; i < ptp4l->len; i++) {
                r = instance_new(s, ptp4l->pdata[i], i, NULL);
                if (r < 0)
                        return r;
        }
        source_assign_os_clock(s);
        *ret = TAKE_PTR(s);
        return 0;
}

static const Ptp4lConfig *ptp4l_find(const GPtrArray *ptp4l, const char *name) {
        for (guint k = 0; k < ptp4l->len; k++) {
                const Ptp4lConfig *p = ptp4l->pdata[k];

                if (streq(p->name, name))
                        return p;
        }
        return NULL;
}

static Instance *source_take_instance(GPtrArray *instances, const char *name) {
        for (guint k = 0; k < instances->len; k++) {
                Instance *i = instances->pdata[k];

                if (streq(i->name, name))
                        return g_ptr_array_steal_index(instances, k);
        }
        return NULL;
}

int linuxptp_source_apply(LinuxptpSource *s, const GPtrArray *ptp4l) {
        g_autoptr(GPtrArray) old = s->instances, gone_clocks = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GHashTable) inherit = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_autofree char *os_clock_judge = old->len > 0 ? g_strdup(((Instance *) old->pdata[0])->name) : NULL;
        int ret = 0, r;

        assert(ptp4l->len > 0);

        /*
         * Those removed or changed stop first: a successor needs their socket paths, which are made
         * from the name. Each one's clock (with the alias it had) is remembered, to be retired below
         * unless an instance still reads it under that alias.
         */
        for (guint k = old->len; k-- > 0;) {
                Instance *i = old->pdata[k];
                const Ptp4lConfig *cfg = ptp4l_find(ptp4l, i->name);

                if (cfg && ptp4l_config_equal(cfg, i->config))
                        continue;
                log_info("%s ptp4l %s.", cfg ? "Changed in the configuration, reading anew:" :
                                               "Removed from the configuration, no longer reading", i->name);
                g_ptr_array_add(gone_clocks, g_strdup(instance_clock(i)));
                g_ptr_array_add(gone_clocks, instance_alias(i));
                /* An Interface= left to ptp4l is most likely the same one again. */
                if (i->interface && cfg && !cfg->interface)
                        g_hash_table_insert(inherit, g_strdup(i->name), g_strdup(i->interface));
                instance_free(g_ptr_array_steal_index(old, k));
        }

        /* The kept ones as they are, the others anew, all in the configuration's order. */
        s->instances = g_ptr_array_new_with_free_func(instance_destroy);
        for (guint k = 0; k < ptp4l->len; k++) {
                const Ptp4lConfig *cfg = ptp4l->pdata[k];
                Instance *i = source_take_instance(old, cfg->name);

                if (i) {
                        g_ptr_array_add(s->instances, i);
                        continue;
                }
                /* old still holds the kept instances further on: their slots are taken too. */
                r = instance_new(s, cfg, free_slot(s->instances, old), g_hash_table_lookup(inherit, cfg->name));
                if (r < 0) {
                        /* Left out, so that the next reload tries again; the rest applies. */
                        log_error_errno(r, "Cannot read ptp4l %s: %m", cfg->name);
                        if (ret == 0)
                                ret = r;
                }
        }
        assert(old->len == 0);
        source_assign_os_clock(s);
        if (s->instances->len == 0)
                /* Every one failed: nothing judges the system clock, which is then as good as unreachable. */
                (void) manager_observe_sync(s->manager, RESOURCE_OS_CLOCK, OS_CLOCK_NAME, OBSERVATION_UNREACHABLE, 0);
        else if (!streq_ptr(((Instance *) s->instances->pdata[0])->name, os_clock_judge))
                log_info("ptp4l %s judges the system clock now.", ((Instance *) s->instances->pdata[0])->name);

        for (guint k = 0; k < gone_clocks->len; k += 2)
                if (!source_has_clock(s, gone_clocks->pdata[k], gone_clocks->pdata[k + 1]))
                        source_release_clock(s, gone_clocks->pdata[k]);
        return ret;
}

LinuxptpSource *linuxptp_source_free(LinuxptpSource *s) {
        if (!s)
                return NULL;
        g_ptr_array_unref(s->instances);
        grandmaster_free(s->grandmaster);
        g_free(s->runtime_dir);
        g_free(s);
        return NULL;
}

void linuxptp_source_gnss(LinuxptpSource *s, bool synchronized) {
        if (s->grandmaster)
                grandmaster_gnss(s->grandmaster, synchronized);
}

void linuxptp_source_ts2phc(LinuxptpSource *s, bool alive) {
        if (s->grandmaster)
                grandmaster_ts2phc(s->grandmaster, alive);
}
