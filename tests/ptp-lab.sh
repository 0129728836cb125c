#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# ptp-lab.sh - a real linuxptp grandmaster and slave(s) for ptpsync's tests
#
#   tests/ptp-lab.sh [--dir=D] [--prefix=P] COMMAND [ARGS]
#
#   up [--slaves=N] [--no-lock] [--wait[=S]] [--domain=N] [--gm-class=N]
#      [--announce-log2=N] [--announce-timeout=N] [--sync-log2=N]
#      [--slave-may-master]
#                            create the namespaces and links, start ptp4l
#                            (grandmaster + N=1|2 slaves), print the lab state;
#                            --slave-may-master: the slaves are ordinary clocks
#                            (slaveOnly 0, clockClass 248) that become their
#                            own grandmaster when the master is lost
#   down [--purge]           stop everything this lab started and remove its
#                            namespaces, links and sockets (--purge: the dir too)
#   kill-master [--hard]     SIGTERM (--hard: SIGKILL, stale socket) the master
#   restart-master           (re)start the master ptp4l
#   kill-slave [ROLE] [--hard], restart-slave [ROLE]    the same for a slave
#   link-down [ROLE], link-up [ROLE]       the slave's veth down / up
#   lock [ROLE], unlock [ROLE]             SYNCHRONIZATION_UNCERTAIN_NP 0 / 1
#   set-gm-class N           the master's clockClass (GRANDMASTER_SETTINGS_NP)
#   set-gm-timescale ptp|arb ptp: the master announces the PTP timescale, so
#                            slaves measure an offset of ~37 s; arb: back
#   wait-state ROLE STATE TIMEOUT   poll until every port of ROLE is in STATE
#                            (A|B: either; !A: not A); prints elapsed seconds
#   port-state ROLE          the port state(s) now (NONE: no answer)
#   socket ROLE              the path of ROLE's management socket
#   pmc ROLE 'GET ...'...    pmc against ROLE's ptp4l
#   status                   the lab state and every ptp4l's port state
#   clock-check              CLOCK_REALTIME was not stepped since 'up'
#
# ROLE is master, slave or slave2 (with --slaves=2); the default is slave.
# The lab directory (--dir, else $PTPLAB_DIR, else /run/ptp-lab) holds the
# configurations, logs, management sockets and state.env (KEY=VALUE, can be
# sourced; 'up' prints it). The prefix of the namespace and link names is
# derived from the directory unless given, so labs in different directories
# can run side by side. Every command after 'up' needs the same --dir.
#
# Exit status: 0 ok, 1 failure (message on stderr), 77 cannot run here (not
# root, no network namespaces or veth, linuxptp missing), 64 usage.
#
# Topology: namespace <P>-m holds the master, <P>-s the slave(s). Veth pair
# <P>-m0/<P>-s0 joins master and slave; with --slaves=2 a second pair
# <P>-m1/<P>-s1 joins a second port of the same master to a second slave
# ptp4l. Both ends are created inside the namespaces, so the host's own
# interfaces, addresses and routes are never touched. The management sockets
# are filesystem paths, so a process in the root namespace (the daemon under
# test) can talk to every ptp4l.
#
# Clock safety: every ptp4l runs with free_running 1 (ptp4l then opens no
# clock at all) and the nullf servo, and is started through setpriv with
# CAP_SYS_TIME removed from its bounding and inheritable sets, so the kernel
# refuses any attempt to set or adjust a clock. free_running means the servo
# never locks by itself, so the slave port would stay UNCALIBRATED; 'lock'
# (done by 'up' unless --no-lock) sets SYNCHRONIZATION_UNCERTAIN_NP to 0,
# which makes ptp4l report the servo as locked and the port go SLAVE.
set -euo pipefail

readonly CAP_DROP=(setpriv --bounding-set -sys_time --inh-caps -sys_time --)
# Fixed MACs give fixed clock identities (ptp4l: EUI-48 -> EUI-64), so tests
# can assert them: master 020000.fffe.00aa01, slaves ...00bb01 and ...00bb02.
readonly MAC_M0=02:00:00:00:aa:01 MAC_M1=02:00:00:00:aa:02
readonly MAC_S0=02:00:00:00:bb:01 MAC_S1=02:00:00:00:bb:02
readonly START_TIMEOUT_MS=15000 # a ptp4l answering on its socket; this VM stalls
readonly POLL_INTERVAL=0.05     # between pmc polls (pmc itself waits 100 ms)

die() { echo "ptp-lab: $*" >&2; exit 1; }
skip() { echo "ptp-lab: cannot run here: $*" >&2; exit 77; }
note() { echo "ptp-lab: $*" >&2; }

usage() {
        sed -n '3,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' -e 's/^#$//'
        exit "${1:-0}"
}

# Milliseconds from /proc/uptime (boot time, 10 ms steps): deadlines and
# durations must not depend on CLOCK_REALTIME, the clock this lab protects.
now_ms() {
        local up
        read -r up _ < /proc/uptime
        echo $((10#${up/./} * 10))
}

fmt_ms() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

# CLOCK_REALTIME - CLOCK_MONOTONIC in microseconds. It changes only when the
# real-time clock is stepped (frequency slewing moves both clocks alike).
# /proc/timer_list's "now at" is CLOCK_MONOTONIC in ns; bracketing the read
# with two $EPOCHREALTIME samples (no fork) pins it to ~0.2 ms, and the best
# of five brackets is kept. Without /proc/timer_list, python3 reads both.
realtime_minus_monotonic_us() {
        local i t1 t2 line mono best_width=-1 best=0 width
        if [[ ! -r /proc/timer_list ]]; then
                python3 -c 'import time
print((time.clock_gettime_ns(time.CLOCK_REALTIME) - time.clock_gettime_ns(time.CLOCK_MONOTONIC)) // 1000)' ||
                        die "cannot read CLOCK_MONOTONIC (no /proc/timer_list, no python3)"
                return
        fi
        for ((i = 0; i < 5; i++)); do
                t1=$EPOCHREALTIME
                { read -r && read -r && read -r line; } < /proc/timer_list
                t2=$EPOCHREALTIME
                [[ $line =~ ^now\ at\ ([0-9]+)\ nsecs ]] || die "unexpected /proc/timer_list: $line"
                mono=${BASH_REMATCH[1]}
                t1=$((10#${t1/./})) t2=$((10#${t2/./}))
                width=$((t2 - t1))
                if ((best_width < 0 || width < best_width)); then
                        best_width=$width
                        best=$(((t1 + t2) / 2 - mono / 1000))
                fi
        done
        echo "$best"
}

mac_to_clock_id() { # 02:00:00:00:aa:01 -> 020000.fffe.00aa01
        local m=${1//:/}
        echo "${m:0:6}.fffe.${m:6:6}"
}

# --- lab layout ---------------------------------------------------------

# Sets DIR, PREFIX, STATE and the names derived from the prefix.
set_layout() {
        DIR=$(realpath -m "$1")
        if [[ -n $2 ]]; then
                PREFIX=$2
        else
                # Unique per directory: parallel tests with their own dirs don't collide.
                PREFIX=pl$(printf '%s' "$DIR" | sha1sum | cut -c1-6)
        fi
        [[ $PREFIX =~ ^[a-z][a-z0-9]{0,11}$ ]] ||
                die "prefix '$PREFIX': 1-12 characters, a-z then a-z0-9 (interface names are <= 15)"
        STATE=$DIR/state.env
        NS_MASTER=$PREFIX-m NS_SLAVE=$PREFIX-s
        IF_MASTER=$PREFIX-m0 IF_MASTER2=$PREFIX-m1
        IF_SLAVE=$PREFIX-s0 IF_SLAVE2=$PREFIX-s1
        # shellcheck disable=SC2034 # read through ${!v} (save_state, role_sock)
        MASTER_UDS=$DIR/master.sock SLAVE_UDS=$DIR/slave.sock SLAVE2_UDS=$DIR/slave2.sock
        ((${#SLAVE2_UDS} <= 107)) || die "socket path $SLAVE2_UDS is too long for AF_UNIX: use a shorter --dir"
}

load_state() {
        [[ -f $STATE ]] || die "no lab in $DIR (no $STATE): run '$0 --dir=$DIR up' first"
        local want_prefix=$PREFIX
        # shellcheck source=/dev/null
        source "$STATE"
        # The prefix the lab was made with wins over one derived from the dir.
        [[ -z ${PREFIX_GIVEN:-} || $want_prefix == "$PTPLAB_PREFIX" ]] ||
                die "the lab in $DIR has prefix $PTPLAB_PREFIX, not $want_prefix"
        set_layout "$DIR" "$PTPLAB_PREFIX"
        forget_slave2
}

# A lab with one slave has no second link or socket.
forget_slave2() {
        ((${SLAVES:-1} >= 2)) || IF_MASTER2="" IF_SLAVE2="" SLAVE2_UDS=""
}

# Written at every change, atomically, so that 'down' always knows what a
# (possibly partial or failed) 'up' created and which pids are ours.
save_state() {
        mkdir -p "$DIR"
        {
                echo "# ptp-lab state; sourceable"
                local v
                for v in PTPLAB_PREFIX PTPLAB_DIR SLAVES SLAVE_ONLY DOMAIN GM_CLASS GM_TIMESCALE \
                        ANNOUNCE_LOG2 ANNOUNCE_TIMEOUT SYNC_LOG2 \
                        NS_MASTER NS_SLAVE IF_MASTER IF_MASTER2 IF_SLAVE IF_SLAVE2 \
                        MASTER_UDS SLAVE_UDS SLAVE2_UDS MASTER_PID SLAVE_PID SLAVE2_PID \
                        MASTER_LOG SLAVE_LOG SLAVE2_LOG \
                        MASTER_CLOCK_ID SLAVE_CLOCK_ID SLAVE2_CLOCK_ID \
                        SLAVE_UNCERTAIN SLAVE2_UNCERTAIN CLOCK_REF_US; do
                        printf '%s=%q\n' "$v" "${!v:-}"
                done
        } > "$STATE.tmp"
        mv "$STATE.tmp" "$STATE"
}

roles() {
        echo master slave
        ((${SLAVES:-1} < 2)) || echo slave2
}

check_role() {
        case $1 in
        master | slave) ;;
        slave2) ((${SLAVES:-1} >= 2)) || die "no slave2 in this lab (up --slaves=2)" ;;
        *) die "unknown role '$1' (master, slave, slave2)" ;;
        esac
}

role_ns() { [[ $1 == master ]] && echo "$NS_MASTER" || echo "$NS_SLAVE"; }
role_sock() { local v=${1^^}_UDS; echo "${!v}"; }
role_pid() { local v=${1^^}_PID; echo "${!v:-}"; }
set_role_pid() { printf -v "${1^^}_PID" '%s' "$2"; }
role_if() { # the slave's own link (link-down/-up)
        case $1 in
        slave) echo "$IF_SLAVE" ;;
        slave2) echo "$IF_SLAVE2" ;;
        *) die "link-down/link-up apply to a slave" ;;
        esac
}

# --- preflight ----------------------------------------------------------

preflight() {
        [[ $EUID -eq 0 ]] || skip "needs root (creates network namespaces and veth links)"
        local c
        for c in ptp4l pmc ip setpriv timeout sha1sum; do
                command -v "$c" > /dev/null ||
                        skip "$c not found (tools/install-deps installs linuxptp, iproute2, util-linux)"
        done
        local err
        err=$(unshare --net true 2>&1) || skip "network namespaces unavailable: $err"
}

# --- ptp4l --------------------------------------------------------------

write_config() { # role
        local role=$1 cfg=$DIR/$1.cfg ifaces slave_only priority1 clock_class
        case $role in
        master)
                slave_only=0 priority1=10 clock_class=$GM_CLASS ifaces=$IF_MASTER
                ((SLAVES < 2)) || ifaces+=" $IF_MASTER2"
                ;;
        slave | slave2)
                priority1=128 ifaces=$IF_SLAVE
                [[ $role == slave ]] || ifaces=$IF_SLAVE2
                if ((${SLAVE_ONLY:-1})); then slave_only=1 clock_class=255; else slave_only=0 clock_class=248; fi
                ;;
        esac
        {
                cat <<EOF
# ptp4l $role of ptp-lab $PREFIX (generated; 'up' rewrites it)
[global]
# Clock safety: no clock is opened (free_running), the servo never steps,
# and ptp4l has no CAP_SYS_TIME anyway (setpriv).
free_running            1
clock_servo             nullf
first_step_threshold    0.0
step_threshold          0.0
sanity_freq_limit       0
kernel_leap             0
# Role
slaveOnly               $slave_only
priority1               $priority1
clockClass              $clock_class
domainNumber            $DOMAIN
# Timing: the fast profile unless 'up' was told otherwise
logAnnounceInterval     $ANNOUNCE_LOG2
announceReceiptTimeout  $ANNOUNCE_TIMEOUT
logSyncInterval         $SYNC_LOG2
logMinDelayReqInterval  $SYNC_LOG2
# A late software tx timestamp (this VM stalls) faults the port: wait longer
# for it, and retry a faulty port after 1 s rather than 16 s.
tx_timestamp_timeout    50
fault_reset_interval    0
# Transport: layer 2 on veth, software timestamps (no PHC here)
network_transport       L2
time_stamping           software
delay_mechanism         E2E
# Management socket and logs
uds_address             $DIR/$role.sock
use_syslog              0
verbose                 1
logging_level           6
# = logSyncInterval: with free_running, ptp4l then logs "master offset"
# every 2 s; with a longer summary_interval it logs no offsets at all.
summary_interval        $SYNC_LOG2
message_tag             $role
EOF
                local i
                for i in $ifaces; do printf '\n[%s]\n' "$i"; done
        } > "$cfg"
}

# True if pid is a live (not zombie) ptp4l of this lab in that role: a
# recycled pid, or another lab's ptp4l, must never be signalled.
role_pid_alive() { # role pid
        local pid=$2 stat state cmdline
        [[ -n $pid ]] || return 1
        stat=$(cat "/proc/$pid/stat" 2> /dev/null) || return 1
        # PID 1 here reaps orphans lazily: a killed ptp4l stays a zombie a while.
        state=${stat##*) }
        [[ ${state%% *} != Z ]] || return 1
        cmdline=$(tr '\0' ' ' 2> /dev/null < "/proc/$pid/cmdline") || return 1
        [[ $cmdline == *"ptp4l -f $DIR/$1.cfg"* ]]
}

stop_role() { # role [signal]
        local role=$1 sig=${2:-TERM} pid deadline
        pid=$(role_pid "$role")
        if role_pid_alive "$role" "$pid"; then
                kill "-$sig" "$pid" 2> /dev/null || true
                deadline=$(($(now_ms) + 5000))
                while role_pid_alive "$role" "$pid"; do
                        if (($(now_ms) > deadline)); then
                                note "$role ptp4l (pid $pid) ignored SIG$sig; sending SIGKILL"
                                kill -KILL "$pid" 2> /dev/null || true
                                deadline=$(($(now_ms) + 5000))
                                sig=KILL
                        fi
                        sleep "$POLL_INTERVAL"
                done
        fi
        set_role_pid "$role" ""
        save_state
}

# Starts ROLE's ptp4l in its namespace, without CAP_SYS_TIME. ip netns exec
# and setpriv both exec(), so $! is ptp4l's own pid.
start_role() { # role
        local role=$1 pid
        rm -f "$(role_sock "$role")"
        printf '=== %s ptp-lab: starting %s\n' "$(date -u +%FT%T.%3NZ)" "$role" >> "$DIR/$role.log"
        ip netns exec "$(role_ns "$role")" "${CAP_DROP[@]}" ptp4l -f "$DIR/$role.cfg" \
                < /dev/null >> "$DIR/$role.log" 2>&1 &
        pid=$!
        set_role_pid "$role" "$pid"
        save_state
}

# Waits until ROLE's ptp4l answers on its management socket.
wait_answering() { # role
        local role=$1 pid deadline
        pid=$(role_pid "$role")
        deadline=$(($(now_ms) + START_TIMEOUT_MS))
        until [[ $(port_states "$role") != NONE ]]; do
                if ! role_pid_alive "$role" "$pid"; then
                        tail -n 5 "$DIR/$role.log" >&2 || true
                        die "$role ptp4l (pid $pid) exited; log: $DIR/$role.log"
                fi
                (($(now_ms) < deadline)) || die "$role ptp4l (pid $pid) did not answer on $(role_sock "$role")"
                sleep "$POLL_INTERVAL"
        done
}

# --- management (pmc) ---------------------------------------------------

pmc_role() { # role 'CMD'...; boundaryHops 0 so only this ptp4l answers
        local sock
        sock=$(role_sock "$1")
        shift
        timeout 5 pmc -u -b 0 -d "$DOMAIN" -s "$sock" "$@" 2>&1
}

# Every port's state, comma separated (a master with two links has two),
# or NONE if ptp4l does not answer (pmc exits 0 even then: read its output).
port_states() { # role
        local out states
        out=$(pmc_role "$1" 'GET PORT_DATA_SET' || true)
        states=$(awk '$1 == "portState" { printf "%s%s", sep, $2; sep = "," }' <<< "$out")
        echo "${states:-NONE}"
}

# True if every port of "a,b" is in the wanted set ("A|B", or "!A|B": none is).
states_match() { # states want
        local states=$1 want=$2 negate=0 s list
        if [[ $want == '!'* ]]; then negate=1 want=${want#!}; fi
        IFS=, read -ra list <<< "$states"
        for s in "${list[@]}"; do
                if ((negate)); then
                        [[ "|$want|" != *"|$s|"* ]] || return 1
                else
                        [[ "|$want|" == *"|$s|"* ]] || return 1
                fi
        done
}

set_uncertain() { # role 0|1
        local role=$1 value=$2 out
        [[ $role == slave* ]] || die "lock/unlock apply to a slave"
        out=$(pmc_role "$role" "SET SYNCHRONIZATION_UNCERTAIN_NP $value")
        grep -Eq "uncertain +$value\$" <<< "$out" ||
                die "SET SYNCHRONIZATION_UNCERTAIN_NP $value on $role got no confirmation: $out"
        printf -v "${role^^}_UNCERTAIN" '%s' "$value"
        save_state
}

# SET GRANDMASTER_SETTINGS_NP must carry every field: read them from the
# master, change the ones asked for (field=value...), write them back.
set_gm_settings() {
        local out fields=(clockClass clockAccuracy offsetScaledLogVariance currentUtcOffset
                leap61 leap59 currentUtcOffsetValid ptpTimescale timeTraceable
                frequencyTraceable timeSource)
        local -A value
        out=$(pmc_role master 'GET GRANDMASTER_SETTINGS_NP')
        local f kv
        for f in "${fields[@]}"; do
                value[$f]=$(awk -v f="$f" '$1 == f { print $2; exit }' <<< "$out")
                [[ -n ${value[$f]} ]] || die "GET GRANDMASTER_SETTINGS_NP: no $f in: $out"
        done
        for kv in "$@"; do value[${kv%%=*}]=${kv#*=}; done
        local cmd="SET GRANDMASTER_SETTINGS_NP"
        for f in "${fields[@]}"; do cmd+=" $f ${value[$f]}"; done
        out=$(pmc_role master "$cmd")
        for kv in "$@"; do
                grep -Eq "^[[:space:]]+${kv%%=*} +${kv#*=}\$" <<< "$out" ||
                        die "SET GRANDMASTER_SETTINGS_NP ${kv%%=*} ${kv#*=}: not confirmed: $out"
        done
}

# The PTP timescale with a valid UTC offset of 37 s: a slave whose clock is
# UTC (software timestamps) then measures an offset of about 37 s.
apply_gm_timescale() {
        if [[ $GM_TIMESCALE == ptp ]]; then
                set_gm_settings ptpTimescale=1 currentUtcOffsetValid=1 currentUtcOffset=37
        else
                set_gm_settings ptpTimescale=0 currentUtcOffsetValid=0
        fi
}

# --- commands -----------------------------------------------------------

# On a failed 'up': show the logs and remove everything made so far.
up_failed() {
        local rc=$?
        ((rc != 0)) || return 0
        note "up failed (exit $rc); cleaning up"
        local r
        for r in master slave slave2; do
                if [[ -s $DIR/$r.log ]]; then tail -n 15 "$DIR/$r.log" | sed "s/^/  $r.log: /" >&2; fi
        done
        (cmd_down) >&2 || note "cleanup after the failed up failed too"
        exit "$rc"
}

# shellcheck disable=SC2034 # the state variables are read through ${!v} in save_state
cmd_up() {
        local lock=1 wait_s=0 a
        SLAVES=1 SLAVE_ONLY=1 DOMAIN=0 GM_CLASS=6 GM_TIMESCALE=arb
        # The fast profile: announce every 250 ms, master loss seen after 750 ms.
        ANNOUNCE_LOG2=-2 ANNOUNCE_TIMEOUT=3 SYNC_LOG2=-4
        for a in "$@"; do
                case $a in
                --slaves=1 | --slaves=2) SLAVES=${a#*=} ;;
                --slaves=*) die "--slaves: 1 or 2" ;;
                --no-lock) lock=0 ;;
                --wait) wait_s=30 ;;
                --wait=*) wait_s=${a#*=} ;;
                --domain=*) DOMAIN=${a#*=} ;;
                --gm-class=*) GM_CLASS=${a#*=} ;;
                --announce-log2=*) ANNOUNCE_LOG2=${a#*=} ;;
                --announce-timeout=*) ANNOUNCE_TIMEOUT=${a#*=} ;;
                --sync-log2=*) SYNC_LOG2=${a#*=} ;;
                --slave-may-master) SLAVE_ONLY=0 ;;
                *) die "up: unknown option $a" ;;
                esac
        done
        for a in "$wait_s" "$DOMAIN" "$GM_CLASS" "$ANNOUNCE_TIMEOUT" "${ANNOUNCE_LOG2#-}" "${SYNC_LOG2#-}"; do
                [[ $a =~ ^[0-9]+$ ]] || die "up: '$a' is not a number"
        done
        preflight
        [[ ! -e $STATE ]] || die "a lab is already up in $DIR: run '$0 --dir=$DIR down' first"
        for a in "$NS_MASTER" "$NS_SLAVE"; do
                [[ ! -e /run/netns/$a ]] || die "netns $a exists (another lab with this prefix, or a stale one: 'down --prefix=$PREFIX')"
        done
        mkdir -p "$DIR"
        rm -f "$DIR"/*.sock "$DIR"/*.log
        PTPLAB_PREFIX=$PREFIX PTPLAB_DIR=$DIR
        MASTER_LOG=$DIR/master.log SLAVE_LOG=$DIR/slave.log SLAVE2_LOG=
        MASTER_CLOCK_ID=$(mac_to_clock_id $MAC_M0) SLAVE_CLOCK_ID=$(mac_to_clock_id $MAC_S0) SLAVE2_CLOCK_ID=
        SLAVE_UNCERTAIN=$((1 - lock)) SLAVE2_UNCERTAIN=
        if ((SLAVES >= 2)); then
                SLAVE2_LOG=$DIR/slave2.log SLAVE2_CLOCK_ID=$(mac_to_clock_id $MAC_S1) SLAVE2_UNCERTAIN=$((1 - lock))
        fi
        forget_slave2
        CLOCK_REF_US=$(realtime_minus_monotonic_us)
        local t0
        t0=$(now_ms)
        # State first: from here on, 'down' (and this trap) can undo everything.
        save_state
        trap up_failed EXIT
        # bash runs no EXIT trap when a signal kills it: turn signals into exits.
        trap 'exit 129' HUP
        trap 'exit 130' INT
        trap 'exit 143' TERM

        local err
        err=$(ip netns add "$NS_MASTER" 2>&1) || skip "ip netns add: $err"
        ip netns add "$NS_SLAVE"
        # Both ends are created inside the namespaces: nothing appears on the host.
        err=$(ip -n "$NS_MASTER" link add "$IF_MASTER" address $MAC_M0 type veth \
                peer name "$IF_SLAVE" address $MAC_S0 netns "$NS_SLAVE" 2>&1) ||
                skip "cannot create a veth pair: $err"
        if ((SLAVES >= 2)); then
                ip -n "$NS_MASTER" link add "$IF_MASTER2" address $MAC_M1 type veth \
                        peer name "$IF_SLAVE2" address $MAC_S1 netns "$NS_SLAVE"
        fi
        local ifc
        for ifc in lo "$IF_MASTER" ${IF_MASTER2:+"$IF_MASTER2"}; do ip -n "$NS_MASTER" link set "$ifc" up; done
        for ifc in lo "$IF_SLAVE" ${IF_SLAVE2:+"$IF_SLAVE2"}; do ip -n "$NS_SLAVE" link set "$ifc" up; done

        local r
        for r in $(roles); do write_config "$r"; done
        for r in $(roles); do start_role "$r"; done
        for r in $(roles); do wait_answering "$r"; done
        if ((lock)); then
                for r in $(roles); do [[ $r == master ]] || set_uncertain "$r" 0; done
        fi
        if ((wait_s > 0)); then
                local want=SLAVE
                ((lock)) || want=UNCALIBRATED
                for r in $(roles); do
                        [[ $r == master ]] || wait_state "$r" "$want" "$wait_s" > /dev/null
                done
                note "slaves $want $(fmt_ms $(($(now_ms) - t0))) s after up"
        fi
        trap - EXIT HUP INT TERM
        cat "$STATE"
}

cmd_down() {
        local purge=0 a
        for a in "$@"; do
                case $a in
                --purge) purge=1 ;;
                *) die "down: unknown option $a" ;;
                esac
        done
        [[ $EUID -eq 0 ]] || skip "needs root"
        if [[ -f $STATE ]]; then
                load_state
                local r
                for r in master slave slave2; do stop_role "$r"; done
        fi
        # Whatever is left in our namespaces (a ptp4l whose pid was not yet
        # recorded) is ours: stop it before the namespace goes away.
        local ns pid deadline
        for ns in "$NS_SLAVE" "$NS_MASTER"; do
                [[ -e /run/netns/$ns ]] || continue
                for pid in $(ip netns pids "$ns" 2> /dev/null); do
                        kill -TERM "$pid" 2> /dev/null || true
                done
                deadline=$(($(now_ms) + 5000))
                while [[ -n $(ip netns pids "$ns" 2> /dev/null) ]] && (($(now_ms) < deadline)); do
                        sleep "$POLL_INTERVAL"
                done
                for pid in $(ip netns pids "$ns" 2> /dev/null); do
                        kill -KILL "$pid" 2> /dev/null || true
                done
                # Deleting the namespace destroys its veth ends, and so their peers.
                ip netns del "$ns"
        done
        # Links of ours in the root namespace can only come from a foreign
        # tool or an old version; remove exactly those names.
        local ifc
        for ifc in "$PREFIX-m0" "$PREFIX-m1" "$PREFIX-s0" "$PREFIX-s1"; do
                if ip link show "$ifc" > /dev/null 2>&1; then ip link del "$ifc"; fi
        done
        rm -f "$DIR/master.sock" "$DIR/slave.sock" "$DIR/slave2.sock" "$STATE" "$STATE.tmp"
        if ((purge)); then rm -rf "$DIR"; fi
        note "down: $PREFIX removed"
}

cmd_kill() { # role [--hard]
        local role=$1 sig=TERM
        shift
        case ${1:-} in
        --hard) sig=KILL ;;
        "") ;;
        *) die "unknown option $1" ;;
        esac
        load_state
        check_role "$role"
        role_pid_alive "$role" "$(role_pid "$role")" || die "$role ptp4l is not running"
        stop_role "$role" "$sig"
        note "$role ptp4l stopped (SIG$sig)"
}

cmd_restart() { # role
        local role=$1
        load_state
        check_role "$role"
        stop_role "$role"
        start_role "$role"
        wait_answering "$role"
        case $role in
        master) [[ $GM_TIMESCALE == arb ]] || apply_gm_timescale ;;
        # A restarted ptp4l forgets SYNCHRONIZATION_UNCERTAIN_NP: restore the lab's.
        *)
                local v=${role^^}_UNCERTAIN
                set_uncertain "$role" "${!v}"
                ;;
        esac
        note "$role ptp4l restarted, pid $(role_pid "$role")"
}

cmd_link() { # role up|down
        load_state
        check_role "$1"
        ip -n "$NS_SLAVE" link set "$(role_if "$1")" "$2"
}

cmd_set_gm_class() {
        if ! [[ ${1:-} =~ ^[0-9]+$ ]] || (($1 > 255)); then die "set-gm-class N (0-255)"; fi
        load_state
        set_gm_settings "clockClass=$1"
        # Also in the configuration: a restarted master announces it too.
        sed -i -E "s/^clockClass( +).*/clockClass\\1$1/" "$DIR/master.cfg"
        GM_CLASS=$1
        save_state
}

cmd_set_gm_timescale() {
        case ${1:-} in
        ptp | arb) ;;
        *) die "set-gm-timescale ptp|arb" ;;
        esac
        load_state
        GM_TIMESCALE=$1
        apply_gm_timescale
        save_state
}

wait_state() { # role want timeout_s; prints elapsed seconds
        local role=$1 want=$2 timeout_s=$3 t0 states
        t0=$(now_ms)
        while :; do
                states=$(port_states "$role")
                if states_match "$states" "$want"; then
                        fmt_ms $(($(now_ms) - t0))
                        echo
                        return 0
                fi
                if (($(now_ms) - t0 > timeout_s * 1000)); then
                        die "wait-state: $role not $want within ${timeout_s}s (port state: $states)"
                fi
                sleep "$POLL_INTERVAL"
        done
}

cmd_wait_state() {
        (($# == 3)) || die "wait-state ROLE STATE TIMEOUT_S"
        [[ $3 =~ ^[0-9]+$ ]] || die "wait-state: timeout '$3' is not whole seconds"
        load_state
        check_role "$1"
        wait_state "$@"
}

cmd_status() {
        load_state
        cat "$STATE"
        local r pid
        for r in $(roles); do
                pid=$(role_pid "$r")
                if role_pid_alive "$r" "$pid"; then
                        echo "# $r: pid $pid, port state $(port_states "$r"), socket $(role_sock "$r")"
                else
                        echo "# $r: not running"
                fi
        done
}

cmd_clock_check() {
        load_state
        local now_us diff
        now_us=$(realtime_minus_monotonic_us)
        diff=$((now_us - CLOCK_REF_US))
        ((diff >= 0)) || diff=$((-diff))
        echo "CLOCK_REALTIME - CLOCK_MONOTONIC moved by ${diff} us since up"
        ((diff <= ${PTPLAB_CLOCK_TOLERANCE_US:-5000})) || die "CLOCK_REALTIME was stepped by ${diff} us"
}

main() {
        local dir=${PTPLAB_DIR:-/run/ptp-lab} prefix="" args=() a
        for a in "$@"; do
                case $a in
                --dir=*) dir=${a#*=} ;;
                --prefix=*) prefix=${a#*=} PREFIX_GIVEN=1 ;;
                -h | --help) usage 0 ;;
                *) args+=("$a") ;;
                esac
        done
        ((${#args[@]} > 0)) || usage 64 >&2
        set_layout "$dir" "$prefix"
        local cmd=${args[0]}
        args=("${args[@]:1}")
        case $cmd in
        up) cmd_up "${args[@]}" ;;
        down) cmd_down "${args[@]}" ;;
        kill-master) cmd_kill master "${args[@]}" ;;
        restart-master) cmd_restart master ;;
        kill-slave)
                if [[ ${args[0]:-} == slave* ]]; then cmd_kill "${args[@]}"; else cmd_kill slave "${args[@]}"; fi
                ;;
        restart-slave) cmd_restart "${args[0]:-slave}" ;;
        link-down) cmd_link "${args[0]:-slave}" down ;;
        link-up) cmd_link "${args[0]:-slave}" up ;;
        lock | unlock)
                load_state
                check_role "${args[0]:-slave}"
                set_uncertain "${args[0]:-slave}" "$([[ $cmd == lock ]] && echo 0 || echo 1)"
                ;;
        set-gm-class) cmd_set_gm_class "${args[@]}" ;;
        set-gm-timescale) cmd_set_gm_timescale "${args[@]}" ;;
        wait-state) cmd_wait_state "${args[@]}" ;;
        port-state)
                load_state
                check_role "${args[0]:-slave}"
                port_states "${args[0]:-slave}"
                ;;
        socket)
                load_state
                check_role "${args[0]:-slave}"
                role_sock "${args[0]:-slave}"
                ;;
        pmc)
                ((${#args[@]} >= 2)) || die "pmc ROLE 'GET ...'..."
                load_state
                check_role "${args[0]}"
                pmc_role "${args[@]}"
                ;;
        status) cmd_status ;;
        clock-check) cmd_clock_check ;;
        *)
                echo "ptp-lab: unknown command '$cmd' (see --help)" >&2
                exit 64
                ;;
        esac
}

main "$@"
