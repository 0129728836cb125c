/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <glib.h>

#include "common/log.h"
#include "source/grandmaster.h"
#include "source/grandmaster-settings.h"

/* The holdover limit and the settling are seconds long: a few ms late is nothing. */
#define GRANDMASTER_TIMER_ACCURACY_USEC (10 * USEC_PER_MSEC)
/* Rounds in a row of a class the state does not allow before it is a warning (see the header). */
#define CLASS_MISMATCH_ROUNDS 2

#define WARNING_ROLE "grandmaster-role"
#define WARNING_CLASS "grandmaster-class"
#define WARNING_WRITER "grandmaster-class-writer"

struct Grandmaster {
        Manager *manager;
        char *instance;
        TgmParams params;
        const GrandmasterOps *ops;
        void *userdata;
        TgmState state;
        TgmInputs inputs;
        char *clock;      /* the instance's clock; NULL until it answered or failed to */
        EngineTimer *timer;
        unsigned class_mismatches;

        /* What ptp4l announced in its last round: what the writer keeps of ptp4l's own, and compares. */
        bool have_announced;
        PmcClockQuality announced_quality;
        PmcTimePropertiesDataSet announced_time_properties;
        uint64_t round;         /* the last round's number */
        uint64_t written_round; /* the round the last write went out in; 0: none yet */
};

static uint64_t grandmaster_now(const Grandmaster *g) {
        return engine_clock_now(&g->manager->clock, CLOCK_MONOTONIC);
}

static void grandmaster_set_clock(Grandmaster *g, const char *clock) {
        if (streq_ptr(g->clock, clock))
                return;
        g_free(g->clock);
        g->clock = g_strdup(clock);
}

static void grandmaster_arm(Grandmaster *g) {
        uint64_t deadline = tgm_state_deadline(&g->state, &g->params);
        int r;

        if (deadline == 0) {
                engine_timer_disarm(g->timer);
                return;
        }
        r = engine_timer_arm(g->timer, deadline);
        if (r < 0)
                /* Without it HOLDOVER would last forever, or LOCKED never come: say so loudly. */
                log_error_errno(r, "Failed to arm the grandmaster's timer: %m");
}

/*
 * The class writer (see the header): writes what the state allows when ptp4l announces something
 * else; at once after a change of state (changed), else only once the round after the last write
 * has shown what it made of it.
 */
static void grandmaster_write(Grandmaster *g, bool changed, uint64_t now) {
        PmcGrandmasterSettings want;
        g_autofree char *warning = NULL;
        int r;

        if (!g->manager->clock_class_writer || !g->inputs.ptp4l || !g->have_announced || !g->ops ||
            !g->ops->write_settings)
                return;
        want = grandmaster_settings_for(g->state.state, tgm_state_offset_ns(&g->state, &g->params, now),
                                        &g->announced_time_properties);
        if (!changed && (grandmaster_settings_announced(&want, &g->announced_quality, &g->announced_time_properties) ||
                         (g->written_round > 0 && g->round <= g->written_round + 1)))
                return;
        log_info("Grandmaster %s: writing clock class %u (accuracy 0x%02x, timeTraceable %u, frequencyTraceable %u, "
                 "timeSource 0x%02x) into ptp4l %s.", strna(g->clock), want.clock_quality.clock_class,
                 want.clock_quality.clock_accuracy, want.time_properties.time_traceable,
                 want.time_properties.frequency_traceable, want.time_properties.time_source, g->instance);
        g->written_round = g->round;
        r = g->ops->write_settings(g, &want, g->userdata);
        if (r < 0) {
                warning = g_strdup_printf("The clock class writer cannot send to ptp4l %s: %s", g->instance,
                                          strerror(-r));
                manager_set_warning(g->manager, WARNING_WRITER, warning);
        }
}

void grandmaster_settings_written(Grandmaster *g, const PmcGrandmasterSettings *s, const char *refused) {
        g_autofree char *warning = NULL;

        if (s) {
                log_debug("Grandmaster %s: ptp4l %s took clock class %u.", strna(g->clock), g->instance,
                          s->clock_quality.clock_class);
                manager_set_warning(g->manager, WARNING_WRITER, NULL);
                return;
        }
        warning = g_strdup_printf("ptp4l %s refused the clock class writer's SET GRANDMASTER_SETTINGS_NP: %s",
                                  g->instance, refused);
        manager_set_warning(g->manager, WARNING_WRITER, warning);
}

/* Tells the manager the state as it is at now, and what comes next. */
static void grandmaster_publish(Grandmaster *g, bool changed, uint64_t now) {
        SyncState s = g->state.state;

        grandmaster_arm(g);
        if (changed)
                g->class_mismatches = 0;
        if (!g->clock || s == SYNC_STATE_NONE)
                return;
        (void) manager_observe_state(g->manager, RESOURCE_LOCK_STATE, g->clock, s,
                                     tgm_state_offset_ns(&g->state, &g->params, now));
        if (changed) {
                log_info("Grandmaster %s: %s (GNSS %s, ts2phc %s, ptp4l %s).", g->clock, sync_state_to_string(s),
                         g->inputs.gnss ? "synchronized" : "not synchronized", g->inputs.ts2phc ? "alive" : "down",
                         g->inputs.ptp4l ? "the grandmaster" : "not the grandmaster");
                if (g->ops && g->ops->changed)
                        g->ops->changed(g, s, g->userdata);
                grandmaster_write(g, true, now);
        }
}

static void grandmaster_evaluate(Grandmaster *g) {
        uint64_t now = grandmaster_now(g);
        bool changed;

        changed = tgm_state_expire(&g->state, &g->params, now);
        changed = tgm_state_update(&g->state, &g->params, &g->inputs, now) || changed;
        grandmaster_publish(g, changed, now);
}

static void on_timer(void *userdata, uint64_t deadline) {
        Grandmaster *g = userdata;

        /* At the deadline itself, as for the manager's holdover timers. */
        grandmaster_publish(g, tgm_state_expire(&g->state, &g->params, deadline), deadline);
}

int grandmaster_new(Grandmaster **ret, Manager *m, const char *instance, const TgmParams *params,
                    const GrandmasterOps *ops, void *userdata) {
        _cleanup_(grandmaster_freep) Grandmaster *g = g_new0(Grandmaster, 1);
        int r;

        g->manager = m;
        g->instance = g_strdup(instance);
        g->params = *params;
        g->ops = ops;
        g->userdata = userdata;
        g->state = TGM_STATE_INIT;
        g->inputs.ts2phc = true;
        r = engine_timer_new(&g->timer, &m->clock, GRANDMASTER_TIMER_ACCURACY_USEC, on_timer, g);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(g);
        return 0;
}

Grandmaster *grandmaster_free(Grandmaster *g) {
        if (!g)
                return NULL;
        engine_timer_free(g->timer);
        g_free(g->instance);
        g_free(g->clock);
        g_free(g);
        return NULL;
}

const char *grandmaster_instance(const Grandmaster *g) {
        return g->instance;
}

SyncState grandmaster_state(const Grandmaster *g) {
        return g->state.state;
}

/*
 * Whether the instance is the grandmaster now; sets or clears the role warning. Ports that are
 * only starting (LISTENING, ...) or down make it none, without a warning; one that follows another
 * clock is a warning.
 */
static bool grandmaster_check_role(Grandmaster *g, const Ptp4lAnswers *a, const Ptp4lView *view) {
        char id[PMC_CLOCK_IDENTITY_STRING_MAX];
        g_autofree char *warning = NULL;
        bool master = false;

        for (unsigned p = 1; p <= PTP4L_PORTS_MAX && !warning; p++)
                switch (view->port_state[p]) {
                case PMC_PORT_STATE_SLAVE:
                case PMC_PORT_STATE_UNCALIBRATED:
                        warning = g_strdup_printf(
                                        "ptp4l %s is this node's grandmaster ([Grandmaster] Instance=), but its port "
                                        "%u is %s: it follows the grandmaster %s", g->instance, p,
                                        pmc_port_state_to_string(view->port_state[p]),
                                        pmc_clock_identity_to_string(&a->parent_data_set.grandmaster_identity, id));
                        break;
                case PMC_PORT_STATE_MASTER:
                case PMC_PORT_STATE_PASSIVE:
                        master = true;
                        break;
                default:
                        break;
                }
        if (!warning && master &&
            !pmc_clock_identity_equal(&a->parent_data_set.grandmaster_identity, &a->default_data_set.clock_identity))
                warning = g_strdup_printf("ptp4l %s is this node's grandmaster ([Grandmaster] Instance=), but it "
                                          "names %s as its grandmaster", g->instance,
                                          pmc_clock_identity_to_string(&a->parent_data_set.grandmaster_identity, id));
        manager_set_warning(g->manager, WARNING_ROLE, warning);
        return master && !warning;
}

/* What ptp4l announces against what the state allows (see the header). */
static void grandmaster_check_class(Grandmaster *g, unsigned announced) {
        unsigned expected = tgm_state_class(g->state.state);
        g_autofree char *warning = NULL;

        if (!g->inputs.ptp4l || expected == 0 || announced == expected) {
                g->class_mismatches = 0;
                manager_set_warning(g->manager, WARNING_CLASS, NULL);
                return;
        }
        if (++g->class_mismatches < CLASS_MISMATCH_ROUNDS)
                return;
        warning = g_strdup_printf("ptp4l %s announces clock class %u, but the grandmaster %s is %s, which announces "
                                  "class %u", g->instance, announced, g->clock, sync_state_to_string(g->state.state),
                                  expected);
        manager_set_warning(g->manager, WARNING_CLASS, warning);
}

void grandmaster_answered(Grandmaster *g, const char *clock, const Ptp4lAnswers *a, const Ptp4lView *view) {
        char class[4];

        grandmaster_set_clock(g, clock);
        g->round = a->round;
        g->have_announced = a->have_time_properties;
        g->announced_quality = a->parent_data_set.grandmaster_clock_quality;
        g->announced_time_properties = a->time_properties;
        g->inputs.ptp4l = grandmaster_check_role(g, a, view);
        grandmaster_evaluate(g);

        /* On a grandmaster PARENT_DATA_SET names itself: its class is the one it announces. */
        g_snprintf(class, sizeof(class), "%u", a->parent_data_set.grandmaster_clock_quality.clock_class);
        (void) manager_observe_value(g->manager, RESOURCE_CLOCK_CLASS, clock, class, OFFSET_NONE);
        grandmaster_check_class(g, a->parent_data_set.grandmaster_clock_quality.clock_class);
        grandmaster_write(g, false, grandmaster_now(g));
}

void grandmaster_silent(Grandmaster *g, const char *clock) {
        grandmaster_set_clock(g, clock);
        g->inputs.ptp4l = false;
        g->have_announced = false;
        /* Not answering is no contradiction: only what it says can be one. */
        manager_set_warning(g->manager, WARNING_ROLE, NULL);
        manager_set_warning(g->manager, WARNING_CLASS, NULL);
        g->class_mismatches = 0;
        grandmaster_evaluate(g);
}

void grandmaster_gnss(Grandmaster *g, bool synchronized) {
        if (g->inputs.gnss == synchronized)
                return;
        g->inputs.gnss = synchronized;
        grandmaster_evaluate(g);
}

void grandmaster_ts2phc(Grandmaster *g, bool alive) {
        if (g->inputs.ts2phc == alive)
                return;
        g->inputs.ts2phc = alive;
        grandmaster_evaluate(g);
}
