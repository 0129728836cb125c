/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * This node's grandmaster: the ptp4l instance [Grandmaster] Instance= names
 *
 * The instance's lock-state is not judged from a SLAVE port (it has none) but by
 * model/tgm-state.h, from three inputs: the GNSS receiver (the [GNSS] source says whether it is
 * SYNCHRONIZED), ts2phc's liveness, and ptp4l itself -- answering, with no port that follows
 * another clock and itself as the grandmaster of PARENT_DATA_SET. A port that does follow another
 * clock is a configuration that contradicts the network, said in the Manager's Warnings and logged;
 * the lock-state is then FREERUN (this node announces nothing of its own).
 *
 * The clock class is read, not made: PARENT_DATA_SET's, which on a grandmaster is its own, every
 * round. When it is not the class of the state (6 LOCKED, 7 HOLDOVER, 248 FREERUN) for two rounds
 * in a row -- one round is the time a writer of it needs -- the Warnings say so.
 *
 * The role is only ever taken from the configuration (tgm-state.h says why).
 *
 * With the class writer on (the Manager's ClockClassWriter: [Grandmaster] WriteClockClass= at start,
 * Manager.SetClockClassWriter after), the grandmaster makes ptp4l announce what its state allows
 * (grandmaster-settings.h): a SET of GRANDMASTER_SETTINGS_NP on every change of state, and again
 * after a round in which ptp4l announces something else (a ptp4l restarted with its configured class,
 * another writer, the holdover accuracy grown), never more than once in two rounds. A refusal is a
 * warning.
 */
#pragma once

#include "engine/manager.h"
#include "model/tgm-state.h"
#include "source/pmc.h"
#include "source/ptp4l-client.h"
#include "source/ptp4l-state.h"

typedef struct Grandmaster Grandmaster;

typedef struct GrandmasterOps {
        /* The state changed (the system clock may follow it). */
        void (*changed)(Grandmaster *g, SyncState state, void *userdata);
        /* The class writer's: sends s to the instance's ptp4l, < 0 if it cannot. */
        int (*write_settings)(Grandmaster *g, const PmcGrandmasterSettings *s, void *userdata);
} GrandmasterOps;

/* instance: the [ptp4l NAME]'s NAME. ts2phc counts as alive until grandmaster_ts2phc() says otherwise. */
int grandmaster_new(Grandmaster **ret, Manager *m, const char *instance, const TgmParams *params,
                    const GrandmasterOps *ops, void *userdata);
Grandmaster *grandmaster_free(Grandmaster *g);
DEFINE_TRIVIAL_CLEANUP_FUNC(Grandmaster *, grandmaster_free);

const char *grandmaster_instance(const Grandmaster *g);
SyncState grandmaster_state(const Grandmaster *g);

/* A complete round of the instance, whose clock is named clock and whose ports view has. */
void grandmaster_answered(Grandmaster *g, const char *clock, const Ptp4lAnswers *a, const Ptp4lView *view);
/* The instance does not answer. */
void grandmaster_silent(Grandmaster *g, const char *clock);
/* The receiver is SYNCHRONIZED, or no longer. */
void grandmaster_gnss(Grandmaster *g, bool synchronized);
/* ts2phc is alive, or not. */
void grandmaster_ts2phc(Grandmaster *g, bool alive);
/* ptp4l's answer to the last write: what it took, or why it refused (s NULL). */
void grandmaster_settings_written(Grandmaster *g, const PmcGrandmasterSettings *s, const char *refused);
