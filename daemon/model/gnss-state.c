/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "model/gnss-state.h"
#include "common/util.h"

const char *gnss_params_check(const GnssParams *p) {
        if (p->stale_usec == 0)
                return "the staleness time must be more than 0";
        if (p->min_mode < 2 || p->min_mode > 3)
                return "the minimum mode must be 2 or 3";
        if (p->loss_debounce < 1)
                return "the loss debounce must be at least 1 epoch";
        if (p->enter_debounce < 1)
                return "the enter debounce must be at least 1 epoch";
        if (p->tacc_max_ns < 1 || p->tacc_max_ns > GNSS_TACC_MAX_NS_MAX)
                return "the maximum tAcc must be between 1 and 1000000000 ns";
        return NULL;
}

bool gnss_params_equal(const GnssParams *a, const GnssParams *b) {
        return a->stale_usec == b->stale_usec && a->min_mode == b->min_mode && a->loss_debounce == b->loss_debounce &&
               a->enter_debounce == b->enter_debounce && a->extended_states == b->extended_states &&
               a->ubx == b->ubx && a->tacc_max_ns == b->tacc_max_ns;
}

static bool value_equal(GnssValue a, GnssValue b) {
        return a.status == b.status && a.gps_fix == b.gps_fix;
}

static bool set_value(GnssState *s, GnssValue v) {
        bool changed = !value_equal(s->value, v);

        s->value = v;
        return changed;
}

static void forget_epochs(GnssState *s) {
        s->have_epoch = false;
        s->pending = (GnssValue) { GNSS_SYNC_NONE, 0 };
        s->pending_epochs = 0;
}

/* No debounce: the staleness time, or a closed connection, already is the delay. */
static bool fail_now(GnssState *s) {
        forget_epochs(s);
        return set_value(s, (GnssValue) { GNSS_SYNC_FAILURE_NOFIX, 0 });
}

bool gnss_state_connected(GnssState *s, const GnssParams *p, uint64_t now) {
        s->connected = true;
        s->active = true;
        s->fix_reported = false;
        s->data_usec = now;
        s->antenna = GNSS_ANTENNA_UNKNOWN;
        s->antenna_usec = 0;
        memset(s->ubx_fix, 0, sizeof(s->ubx_fix));
        memset(s->ubx_tacc, 0, sizeof(s->ubx_tacc));
        forget_epochs(s);
        if (p->extended_states)
                return set_value(s, (GnssValue) { GNSS_SYNC_BOOTING, 0 });
        return false;
}

bool gnss_state_disconnected(GnssState *s, const GnssParams *p _unused_, uint64_t now _unused_) {
        s->connected = false;
        return fail_now(s);
}

bool gnss_state_poll(GnssState *s, const GnssParams *p, unsigned active, uint64_t now) {
        bool changed = gnss_state_tick(s, p, now);

        if (active > 0)
                return changed;
        /* gpsd closed the device: its POLL's TPV is the last before that. */
        s->active = false;
        return fail_now(s) || changed;
}

void gnss_state_antenna(GnssState *s, GnssAntenna a, uint64_t now) {
        s->antenna = a;
        s->antenna_usec = now;
}

void gnss_state_ubx_fix(GnssState *s, GnssUbxFrom from, unsigned gps_fix, uint64_t now) {
        if ((unsigned) from < _GNSS_UBX_FROM_MAX)
                s->ubx_fix[from] = (GnssUbxReading) { .seen = true, .value = gps_fix, .usec = now };
}

void gnss_state_ubx_tacc(GnssState *s, GnssUbxFrom from, uint32_t tacc_ns, uint64_t now) {
        if ((unsigned) from < _GNSS_UBX_FROM_MAX)
                s->ubx_tacc[from] = (GnssUbxReading) { .seen = true, .value = tacc_ns, .usec = now };
}

/* The reading received within the staleness time, NAV-STATUS/NAV-CLOCK's first; NULL if none. */
static const GnssUbxReading *ubx_current(const GnssUbxReading r[_GNSS_UBX_FROM_MAX], const GnssParams *p,
                                         uint64_t now) {
        for (GnssUbxFrom i = 0; i < _GNSS_UBX_FROM_MAX; i++)
                if (r[i].seen && now >= r[i].usec && now - r[i].usec < p->stale_usec)
                        return &r[i];
        return NULL;
}

bool gnss_state_tacc(const GnssState *s, const GnssParams *p, uint64_t now, uint32_t *ret) {
        const GnssUbxReading *r = ubx_current(s->ubx_tacc, p, now);

        if (!r || r->value == UINT32_MAX || s->value.status == GNSS_SYNC_NONE ||
            s->value.status == GNSS_SYNC_FAILURE_NOFIX)
                return false;
        *ret = r->value;
        return true;
}

bool gnss_state_tick(GnssState *s, const GnssParams *p, uint64_t now) {
        if (!s->connected || now < s->data_usec || now - s->data_usec < p->stale_usec)
                return false;
        return fail_now(s);
}

/* What one TPV says, before the debounce; status NONE: nothing (compat, still booting). */
static GnssValue judge(const GnssState *s, const GnssParams *p, unsigned mode, unsigned status, uint64_t now) {
        const GnssUbxReading *ubx_fix = ubx_current(s->ubx_fix, p, now), *ubx_tacc = ubx_current(s->ubx_tacc, p, now);
        unsigned fix = ubx_fix ? ubx_fix->value : mode >= 3 ? (status == 7 ? 5 : 3) : mode == 2 ? 2 : 0;

        if (s->antenna == GNSS_ANTENNA_OPEN)
                return (GnssValue) { p->extended_states ? GNSS_SYNC_ANTENNA_DISCONNECTED : GNSS_SYNC_FAILURE_NOFIX,
                                     fix };
        if (s->antenna == GNSS_ANTENNA_SHORT)
                return (GnssValue) { p->extended_states ? GNSS_SYNC_ANTENNA_SHORT_CIRCUIT : GNSS_SYNC_FAILURE_NOFIX,
                                     fix };
        if (mode == 0 && !s->fix_reported)
                return (GnssValue) { p->extended_states ? GNSS_SYNC_BOOTING : GNSS_SYNC_NONE, 0 };
        if (ubx_fix) {
                bool tacc_ok = ubx_tacc && ubx_tacc->value <= p->tacc_max_ns;

                if (fix == 0)
                        return (GnssValue) { GNSS_SYNC_FAILURE_NOFIX, 0 };
                if (fix >= 3 && tacc_ok && mode >= p->min_mode)
                        return (GnssValue) { GNSS_SYNC_SYNCHRONIZED, fix };
                return (GnssValue) { GNSS_SYNC_ACQUIRING_SYNC, fix };
        }
        if (mode >= p->min_mode)
                return (GnssValue) { GNSS_SYNC_SYNCHRONIZED, fix };
        if (mode == 2)
                return (GnssValue) { GNSS_SYNC_ACQUIRING_SYNC, fix };
        return (GnssValue) { GNSS_SYNC_FAILURE_NOFIX, 0 };
}

bool gnss_state_tpv(GnssState *s, const GnssParams *p, unsigned mode, unsigned status, bool has_time,
                    int64_t time_usec, uint64_t now) {
        bool changed = gnss_state_tick(s, p, now), new_epoch;
        GnssValue v;
        unsigned needed;

        if (!s->connected)
                return changed;
        s->data_usec = now;
        s->active = true;
        v = judge(s, p, mode, status, now);
        if (mode >= 1)
                s->fix_reported = true;

        new_epoch = !s->have_epoch || (has_time && time_usec != s->epoch_time_usec);
        if (new_epoch) {
                s->have_epoch = true;
                if (has_time)
                        s->epoch_time_usec = time_usec;
                if (v.status == s->pending.status)
                        s->pending_epochs++;
                else
                        s->pending_epochs = 1;
        } else if (v.status != s->pending.status)
                /* A revision of this epoch: it counts for what it says now. */
                s->pending_epochs = 1;
        s->pending = v;

        if (v.status == GNSS_SYNC_NONE)
                return changed;
        if (v.status == s->value.status)
                return set_value(s, v) || changed;

        needed = s->value.status == GNSS_SYNC_SYNCHRONIZED ? p->loss_debounce :
                 v.status == GNSS_SYNC_SYNCHRONIZED        ? p->enter_debounce :
                                                             1;
        if (s->pending_epochs < needed)
                return changed;
        return set_value(s, v) || changed;
}

static const char *const names[_GNSS_SYNC_MAX] = {
        [GNSS_SYNC_NONE] = "",
        [GNSS_SYNC_SYNCHRONIZED] = "SYNCHRONIZED",
        [GNSS_SYNC_ACQUIRING_SYNC] = "ACQUIRING-SYNC",
        [GNSS_SYNC_FAILURE_NOFIX] = "FAILURE-NOFIX",
        [GNSS_SYNC_ANTENNA_DISCONNECTED] = "ANTENNA-DISCONNECTED",
        [GNSS_SYNC_ANTENNA_SHORT_CIRCUIT] = "ANTENNA-SHORT-CIRCUIT",
        [GNSS_SYNC_BOOTING] = "BOOTING",
};

const char *gnss_sync_status_to_string(GnssSyncStatus s) {
        return (unsigned) s < _GNSS_SYNC_MAX ? names[s] : NULL;
}

GnssSyncStatus gnss_sync_status_from_string(const char *s) {
        for (GnssSyncStatus i = 0; i < _GNSS_SYNC_MAX; i++)
                if (streq_ptr(names[i], s))
                        return i;
        return _GNSS_SYNC_MAX;
}
