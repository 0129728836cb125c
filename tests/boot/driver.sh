#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The scenarios of the boot test, run inside the booted container by
# ptpsync-boot-driver.service (tests/test-boot.sh installs both). Each one
# asserts what systemd reports (systemctl show, list-jobs, the journal) and
# writes one line per check to /var/lib/ptpsync-boot/results:
#   ok: ...     a check passed
#   FAIL: ...   a check failed (the scenario stops there)
#   skip: ...   not supported by the project yet
# then "done N" with the number of failed scenarios, and the container powers
# off. Every wait has a deadline.
set -euo pipefail
shopt -s inherit_errexit

OUT=/var/lib/ptpsync-boot
RESULTS=$OUT/results
WAIT_S=${WAIT_S:-30} # generous: a loaded CI machine can stall for seconds
LOCK=sync/ptp-status/lock-state
OS_CLOCK=sync/sync-status/os-clock-sync-state
failed=0 completed=0

log() { echo "$*" | tee -a "$RESULTS"; }
ok() { log "ok: $*"; }
skip() { log "skip: $*"; }
fail() { log "FAIL: $*"; exit 1; }

finish() {
        local rc=$?
        # "done 0" only when every scenario ran and passed: a driver that died on
        # the way must not pass for one that had nothing to report.
        if ((completed)); then
                log "done $failed"
        else
                log "FAIL: the driver stopped before the end of the scenarios (exit $rc)"
                log "done aborted"
        fi
        journalctl -b --no-pager -o short-monotonic >"$OUT/journal.txt" 2>&1 || true
        systemctl poweroff --no-block
}
trap finish EXIT

# wait_for [-t SECONDS] COMMAND...: polls until COMMAND succeeds; false at the deadline.
wait_for() {
        local t=$WAIT_S
        if [[ $1 == -t ]]; then t=$2; shift 2; fi
        local deadline=$((SECONDS + t))
        until "$@" >/dev/null 2>&1; do
                ((SECONDS < deadline)) || return 1
                sleep 0.1
        done
}

prop() { systemctl show -P "$2" "$1"; }
is_state() { [[ $(prop "$1" ActiveState) == "$2" ]]; }
# The unit's start job is queued and waiting for the units it is ordered after.
job_waiting() { systemctl list-jobs --no-legend --no-pager | grep -qE "^ *[0-9]+ +$1 +start +waiting"; }
# "UNIT: ActiveState/SubState Result=... (journal)" for messages.
describe() {
        echo "$1: $(prop "$1" ActiveState)/$(prop "$1" SubState) Result=$(prop "$1" Result)" \
                "($(journalctl -b -u "$1" --no-pager -q -n 5 | tr '\n' ' '))"
}

# A point in systemd's monotonic time, as systemd itself stamps it: the
# ActiveEnterTimestampMonotonic of a transient unit started now.
mark() {
        local unit
        unit=ptpsync-boot-mark-$(date +%s%N).service
        systemd-run -q --unit="$unit" --remain-after-exit /bin/true
        wait_for is_state "$unit" active || fail "transient unit $unit did not start"
        prop "$unit" ActiveEnterTimestampMonotonic
}

inject() { ptpsyncctl inject "$@" >/dev/null || fail "ptpsyncctl inject $*: exit $?"; }
# The node's sync-state, as ptpsyncd publishes it (Manager.SyncState).
node_state() { busctl get-property org.ptpsync1 /org/ptpsync1 org.ptpsync1.Manager SyncState | sed 's/^s "\(.*\)"$/\1/'; }

# The boot reached the point where everything but the wait for the lock is
# done: ptp-sync.target and the units after it wait, they neither fail nor
# start; and they keep waiting while the node is only half locked.
scenario_waiting() {
        local u deadline
        wait_for is_state ptpsyncd.service active || fail "ptpsyncd.service is not active: $(describe ptpsyncd.service)"
        ok "ptpsyncd.service active (Type=notify: $(prop ptpsyncd.service StatusText))"
        wait_for is_state ptpsync-wait-sync.service activating ||
                fail "ptpsync-wait-sync.service is not waiting: $(describe ptpsync-wait-sync.service)"
        ok "ptpsync-wait-sync.service activating: ptpsyncctl wait runs ($(prop ptpsync-wait-sync.service User))"
        # Only the lock-state clock locked: the node's sync-state still lacks the OS clock.
        inject "$LOCK" ens1f0 locked -12
        # A window of observation, not a synchronisation: nothing may move in it.
        deadline=$((SECONDS + 3))
        while ((SECONDS < deadline)); do
                for u in ptp-sync.target ptpsync-boot-wants.service ptpsync-boot-requires.service; do
                        is_state "$u" inactive || fail "$u left inactive before the lock: $(describe "$u")"
                        job_waiting "$u" || fail "$u has no waiting start job: $(systemctl list-jobs --no-pager)"
                done
                is_state ptpsync-wait-sync.service activating ||
                        fail "ptpsync-wait-sync.service ended before the lock: $(describe ptpsync-wait-sync.service)"
                sleep 0.2
        done
        [[ $(node_state) != LOCKED ]] || fail "the node is LOCKED with only its PTP clock locked"
        ok "ptp-sync.target, and the units with Wants= or Requires= and After= on it, wait (inactive, start job waiting) while the node is not LOCKED (only its PTP clock is)"
        [[ $(systemctl is-system-running || true) == starting ]] ||
                fail "the system is $(systemctl is-system-running) while jobs wait"
        ok "systemctl is-system-running: starting (the boot is not over before the lock)"
}

# The lock comes: the target is reached after it, and the units after the target.
scenario_lock() {
        local t0 wait target u start
        t0=$(mark)
        inject "$OS_CLOCK" CLOCK_REALTIME locked 3
        wait_for is_state ptp-sync.target active || fail "ptp-sync.target not reached after the lock: $(describe ptp-sync.target)"
        wait=$(prop ptpsync-wait-sync.service ActiveEnterTimestampMonotonic)
        target=$(prop ptp-sync.target ActiveEnterTimestampMonotonic)
        [[ $(prop ptpsync-wait-sync.service Result) == success ]] ||
                fail "ptpsync-wait-sync.service: $(describe ptpsync-wait-sync.service)"
        ((wait > t0 && target >= wait)) || fail "the wait ended at $wait, the target at $target, the lock injected at $t0"
        ok "ptp-sync.target reached $(((target - t0) / 1000)) ms after the lock was injected, after ptpsync-wait-sync.service succeeded"
        for u in ptpsync-boot-wants.service ptpsync-boot-requires.service; do
                wait_for is_state "$u" active || fail "$u did not start after the lock: $(describe "$u")"
                start=$(prop "$u" ExecMainStartTimestampMonotonic)
                ((start >= target)) || fail "$u started at $start, before ptp-sync.target ($target)"
                ok "$u started after ptp-sync.target ($(((start - target) / 1000)) ms later)"
        done
        [[ $(node_state) == LOCKED ]] || fail "the node is $(node_state)"
        wait_for systemctl is-system-running || fail "the system is $(systemctl is-system-running)"
        ok "systemctl is-system-running: running"
}

# ptpsync-http with its sysusers.d user, after ptpsyncd, serving on loopback.
scenario_http() {
        local pid uid want body
        wait_for is_state ptpsync-http.service active || fail "ptpsync-http.service: $(describe ptpsync-http.service)"
        pid=$(prop ptpsync-http.service MainPID)
        uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
        want=$(getent passwd ptpsync-http | cut -d: -f3) || fail "no user ptpsync-http: systemd-sysusers did not make it"
        ((uid == want && uid != 0)) || fail "ptpsync-http runs as uid $uid, ptpsync-http is $want"
        ok "ptpsync-http.service active as the sysusers.d user ptpsync-http (uid $uid)"
        [[ " $(prop ptpsync-http.service After) " == *" ptpsyncd.service "* ]] || fail "ptpsync-http.service is not After=ptpsyncd.service"
        (($(prop ptpsync-http.service ExecMainStartTimestampMonotonic) >= $(prop ptpsyncd.service ActiveEnterTimestampMonotonic))) ||
                fail "ptpsync-http started before ptpsyncd was ready"
        ok "ptpsync-http.service started after ptpsyncd.service was ready"
        body=$(curl -fsS --max-time 10 http://127.0.0.1:9043/api/ocloudNotifications/v2/health) || fail "GET v2 /health failed"
        [[ $body == OK ]] || fail "v2 /health answered: $body"
        body=$(curl -fsS --max-time 10 http://127.0.0.1:8089/api/ocloudNotifications/v1/health) || fail "GET v1 /health failed"
        [[ $body == OK ]] || fail "v1 /health answered: $body"
        ok "ptpsync-http answers GET /health with OK on 127.0.0.1:9043 (v2) and 127.0.0.1:8089 (v1)"
}

# The exposure level of each unit as systemd has loaded it (the same
# thresholds as test-units' offline checks: 2.5 for the daemon and the bridge).
scenario_security() {
        local u out
        for u in ptpsyncd.service:25 ptpsync-http.service:25 ptpsync-wait-sync.service:25; do
                out=$(systemd-analyze security --no-pager --threshold="${u#*:}" "${u%:*}" 2>&1) ||
                        fail "${u%:*}: exposure over $((${u#*:} / 10)).$((${u#*:} % 10)): $(grep -e '✗' -e Overall <<<"$out")"
                ok "${u%:*} as loaded: $(grep -o 'Overall exposure.*' <<<"$out")"
        done
}

# systemctl reload: synchronous, and failing on a refused file, whose error
# is in the journal with its priority and the unit's fields.
scenario_reload() {
        local conf=/etc/ptpsync/ptpsyncd.conf line
        systemctl reload ptpsyncd.service || fail "systemctl reload ptpsyncd failed: $(describe ptpsyncd.service)"
        journalctl -b -u ptpsyncd.service -q --no-pager | grep -q "Reloaded the configuration from $conf" ||
                fail "no \"Reloaded the configuration\" in ptpsyncd's journal"
        ok "systemctl reload ptpsyncd: done, the journal says \"Reloaded the configuration from $conf\""
        cp "$conf" "$conf.good"
        printf '[NoSuchGroup]\n' >>"$conf"
        if systemctl reload ptpsyncd.service 2>/dev/null; then
                mv "$conf.good" "$conf"; fail "systemctl reload succeeded with a bad file"
        fi
        mv "$conf.good" "$conf"
        is_state ptpsyncd.service active || fail "ptpsyncd did not survive a refused reload: $(describe ptpsyncd.service)"
        line=$(journalctl -b -u ptpsyncd.service --no-pager -o export PRIORITY=3 |
                grep -a -B30 -A30 "^MESSAGE=Configuration refused.*NoSuchGroup" | tr '\0' ' ')
        [[ $line == *"_SYSTEMD_UNIT=ptpsyncd.service"* && $line == *"PRIORITY=3"* && $line == *"SYSLOG_IDENTIFIER=ptpsyncd"* ]] ||
                fail "the refusal is not in the journal at priority err: $(journalctl -b -u ptpsyncd.service -q -n 5 --no-pager)"
        ok "systemctl reload with a bad file fails, ptpsyncd runs on; the journal has the refusal naming NoSuchGroup, PRIORITY=3, _SYSTEMD_UNIT=ptpsyncd.service"
}

# systemctl service-log-level through org.freedesktop.LogControl1, and the
# journal's native protocol: the daemon's own fields (CODE_FUNC, ...) arrive.
scenario_log_control() {
        local entry level
        systemctl service-log-level ptpsyncd.service debug || fail "systemctl service-log-level ptpsyncd debug failed"
        level=$(systemctl service-log-level ptpsyncd.service) || fail "systemctl service-log-level ptpsyncd failed"
        [[ $level == debug ]] || fail "service-log-level says \"$level\" after setting debug"
        wait_for journal_has_field CODE_FUNC=property_set_log_level "MESSAGE=Log level set to debug" ||
                fail "no entry with CODE_FUNC=property_set_log_level: $(journalctl -b -u ptpsyncd.service -q -n 5 --no-pager)"
        entry=$(journalctl -b -u ptpsyncd.service --no-pager -o export CODE_FUNC=property_set_log_level | tr '\0' ' ')
        [[ $entry == *"CODE_FILE="*"log-control-bus.c"* && $entry == *"PRIORITY=6"* && $entry == *"SYSLOG_IDENTIFIER=ptpsyncd"* ]] ||
                fail "the entry lacks CODE_FILE, PRIORITY=6 or SYSLOG_IDENTIFIER: $entry"
        systemctl service-log-level ptpsyncd.service info || fail "systemctl service-log-level ptpsyncd info failed"
        if systemctl service-log-level ptpsyncd.service verbose 2>/dev/null; then
                fail "systemctl service-log-level ptpsyncd verbose succeeded"
        fi
        [[ $(systemctl service-log-level ptpsyncd.service) == info ]] || fail "a refused level changed the level"
        ok "systemctl service-log-level ptpsyncd debug, then info; \"verbose\" refused; the journal entry has CODE_FILE, CODE_FUNC, PRIORITY=6, SYSLOG_IDENTIFIER=ptpsyncd"
}

# The journal has an entry of ptpsyncd.service matching $1 whose export contains $2.
journal_has_field() {
        journalctl -b -u ptpsyncd.service --no-pager -o export "$1" | tr '\0' ' ' | grep -qa "$2"
}

# ptpsyncd.service restarted once more than NRestarts $1, with a main process other than $2, and up.
restarted() {
        (($(prop ptpsyncd.service NRestarts) == $1 + 1)) && is_state ptpsyncd.service active &&
                [[ $(prop ptpsyncd.service MainPID) != "$2" ]]
}

subscription_of() { ptpsyncctl --no-legend subscriptions | awk -v n="$1" '$2 == n { print $1 }'; }
# The durable subscription $1 exists (with the id $2, if given).
has_subscription() {
        local id
        id=$(subscription_of "$1")
        [[ -n $id && ( -z ${2:-} || $id == "$2" ) ]]
}
# The journal of unit $1 has a line matching $2.
journal_has() { journalctl -b -u "$1" -q --no-pager | grep -qE -- "$2"; }

# Restart=on-failure after a SIGKILL; the durable subscription stays.
scenario_sigkill() {
        local id n0 p0
        systemd-run -q --unit=ptpsync-boot-watch -p Type=exec ptpsyncctl watch --durable=boot1 "$LOCK"
        wait_for has_subscription boot1 || fail "ptpsyncctl watch --durable=boot1 did not subscribe"
        id=$(subscription_of boot1)
        n0=$(prop ptpsyncd.service NRestarts) p0=$(prop ptpsyncd.service MainPID)
        systemctl kill -s KILL --kill-who=main ptpsyncd.service
        wait_for restarted "$n0" "$p0" || fail "ptpsyncd.service not restarted after SIGKILL: $(describe ptpsyncd.service)"
        journalctl -b -u ptpsyncd.service -q --no-pager | grep -q "Main process exited, code=killed, status=9/KILL" ||
                fail "no SIGKILL exit in the journal"
        ok "SIGKILL: systemd restarted ptpsyncd.service (Restart=on-failure, NRestarts=$((n0 + 1)))"
        wait_for has_subscription boot1 "$id" ||
                fail "durable subscription $id lost in the restart: $(ptpsyncctl subscriptions)"
        ok "the durable subscription boot1 ($id) is kept across the restart"
        # The watcher, still running, gets what happens after the restart.
        inject "$LOCK" ens1f0 unlocked 500
        wait_for journal_has ptpsync-boot-watch.service "ens1fx/master=[A-Z]+\\(500\\)" ||
                fail "the durable watcher got no event after the restart: $(describe ptpsync-boot-watch.service)"
        ok "the durable watcher, reattached, got the event injected after the restart"
        systemctl stop ptpsync-boot-watch.service 2>/dev/null || true
}

# WatchdogSec=: a daemon that stops pinging (SIGSTOP) is killed and restarted.
# The unit's 3 min is shortened to 3 s by a runtime drop-in for the test.
scenario_watchdog() {
        local dropin=/run/systemd/system/ptpsyncd.service.d n0 p0
        [[ $(prop ptpsyncd.service WatchdogUSec) != 0 ]] || { skip "ptpsyncd.service has no WatchdogSec="; return; }
        ok "ptpsyncd.service has WatchdogSec=$(prop ptpsyncd.service WatchdogUSec)"
        mkdir -p "$dropin"
        printf '[Service]\nWatchdogSec=3s\n' >"$dropin/50-boot-test.conf"
        systemctl daemon-reload
        systemctl restart ptpsyncd.service
        [[ $(prop ptpsyncd.service WatchdogUSec) == 3s ]] || fail "the drop-in's WatchdogSec=3s not loaded"
        n0=$(prop ptpsyncd.service NRestarts) p0=$(prop ptpsyncd.service MainPID)
        systemctl kill -s STOP --kill-who=main ptpsyncd.service
        wait_for restarted "$n0" "$p0" || fail "ptpsyncd.service not restarted by the watchdog: $(describe ptpsyncd.service)"
        journalctl -b -u ptpsyncd.service -q --no-pager | grep -q "Watchdog timeout" || fail "no watchdog timeout in the journal"
        ok "SIGSTOP: the watchdog fired after 3 s and systemd restarted ptpsyncd.service (NRestarts=$((n0 + 1)))"
        rm -r "$dropin"
        systemctl daemon-reload
}

# D-Bus activation: ptpsyncd stopped, a call to org.ptpsync1 starts it
# through the alias dbus-org.ptpsync1.service.
scenario_activation() {
        local t0
        systemctl stop ptpsync-http.service ptpsyncd.service
        is_state ptpsyncd.service inactive || fail "ptpsyncd.service did not stop: $(describe ptpsyncd.service)"
        t0=$(mark)
        busctl call org.ptpsync1 /org/ptpsync1 org.freedesktop.DBus.Peer Ping >/dev/null ||
                fail "busctl call org.ptpsync1 failed: $(journalctl -b -u dbus.service -q -n 5 --no-pager)"
        is_state ptpsyncd.service active || fail "the call did not start ptpsyncd.service: $(describe ptpsyncd.service)"
        (($(prop ptpsyncd.service ActiveEnterTimestampMonotonic) > t0)) || fail "ptpsyncd.service was not started by the call"
        journalctl -b -u dbus.service -q --no-pager |
                grep -q "Activating via systemd: service name='org.ptpsync1' unit='dbus-org.ptpsync1.service'" ||
                fail "dbus-daemon did not activate through dbus-org.ptpsync1.service: $(journalctl -b -u dbus.service -q -n 5 --no-pager)"
        ok "busctl call org.ptpsync1 started the stopped ptpsyncd.service (dbus: \"Activating via systemd\" of dbus-org.ptpsync1.service)"
}

# The real polkitd decides for a non-root user: Simulator.Inject
# (org.ptpsync1.simulate, auth_admin) refused to it, then allowed once a rule
# grants it the action; without polkitd only root may inject, so the
# difference is polkitd's.
POLKIT_USER=ptpsync-boot-user
as_user() { setpriv --reuid="$POLKIT_USER" --regid="$POLKIT_USER" --init-groups -- "$@"; }
scenario_polkit() {
        local rule=/etc/polkit-1/rules.d/50-ptpsync-boot.rules rc=0
        [[ -x /usr/lib/polkit-1/polkitd ]] || { skip "polkitd is not installed in the container"; return; }
        echo "u $POLKIT_USER - \"ptpsync boot test user\" /" | systemd-sysusers - ||
                fail "systemd-sysusers could not make $POLKIT_USER"
        as_user ptpsyncctl inject "$LOCK" ens1f0 locked -1 2>/dev/null || rc=$?
        ((rc == 4)) || fail "inject as $POLKIT_USER: exit $rc, not 4 (access denied)"
        is_state polkit.service active || fail "polkit.service did not answer: $(describe polkit.service)"
        ok "inject as the non-root $POLKIT_USER: refused (exit 4) with polkit.service active"
        printf '%s\n' 'polkit.addRule(function(action, subject) {' \
                "        if (action.id == \"org.ptpsync1.simulate\" && subject.user == \"$POLKIT_USER\")" \
                '                return polkit.Result.YES;' '});' >"$rule"
        # polkitd reloads its rules when the folder changes.
        wait_for as_user ptpsyncctl inject "$LOCK" ens1f0 locked -1 ||
                fail "inject as $POLKIT_USER still refused with a rule granting it: $(journalctl -b -u polkit.service -q -n 5 --no-pager)"
        ok "with a polkit rule granting org.ptpsync1.simulate to $POLKIT_USER, polkitd lets it inject"
        rm "$rule"
}

# When the wait fails, ptp-sync.target is not reached: a unit with
# Requires= on it does not start, one with Wants= starts once the wait is over.
scenario_wait_fails() {
        local s0
        systemctl stop ptpsync-boot-wants.service ptpsync-boot-requires.service ptp-sync.target ptpsync-wait-sync.service
        inject "$LOCK" ens1f0 unreachable 0
        inject "$OS_CLOCK" CLOCK_REALTIME unreachable 0
        [[ $(node_state) != LOCKED ]] || fail "the node is still LOCKED"
        s0=$(prop ptpsync-boot-requires.service ExecMainStartTimestampMonotonic)
        systemctl start --no-block ptpsync-boot-wants.service ptpsync-boot-requires.service
        wait_for is_state ptpsync-wait-sync.service activating ||
                fail "ptpsync-wait-sync.service is not waiting: $(describe ptpsync-wait-sync.service)"
        systemctl kill -s KILL ptpsync-wait-sync.service
        wait_for is_state ptpsync-wait-sync.service failed ||
                fail "ptpsync-wait-sync.service did not fail: $(describe ptpsync-wait-sync.service)"
        wait_for is_state ptpsync-boot-wants.service active ||
                fail "the Wants= unit did not start once the wait was over: $(describe ptpsync-boot-wants.service)"
        wait_for test -z "$(systemctl list-jobs --no-legend --no-pager)" || fail "jobs left: $(systemctl list-jobs --no-pager)"
        is_state ptp-sync.target inactive || fail "ptp-sync.target reached though the wait failed: $(describe ptp-sync.target)"
        ok "the wait killed: ptpsync-wait-sync.service failed, ptp-sync.target not reached"
        if ! is_state ptpsync-boot-requires.service inactive ||
                [[ $(prop ptpsync-boot-requires.service ExecMainStartTimestampMonotonic) != "$s0" ]]; then
                fail "the Requires= unit started though the target was not reached: $(describe ptpsync-boot-requires.service)"
        fi
        journalctl -b -u ptpsync-boot-requires.service -q --no-pager | grep -q "Dependency failed" ||
                fail "no \"Dependency failed\" for the Requires= unit in the journal"
        ok "the Requires= unit did not start (\"Dependency failed\"); the Wants= unit did, once the wait was over"
}

: >"$RESULTS"
for s in waiting lock http security reload log_control sigkill watchdog activation polkit wait_fails; do
        log "== $s"
        # In a subshell of its own, not tested with || (which would turn set -e off in it).
        set +e
        (
                set -e
                "scenario_$s"
        )
        rc=$?
        set -e
        ((rc == 0)) || failed=$((failed + 1))
done
completed=1
