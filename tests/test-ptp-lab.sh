#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The self-test of tests/ptp-lab.sh: a real ptp4l grandmaster and slave in two
# network namespaces are driven through every scenario the end-to-end tests
# rely on, and each one is checked on the slave's management socket from the
# root namespace, where the daemon under test runs. Afterwards nothing of the
# lab may be left (namespaces, links, ptp4l processes, sockets) and
# CLOCK_REALTIME must not have been stepped.
#
# One line per step with its duration. Every wait has a deadline; the only
# sleeps are the polling intervals inside the waits. Exit 77 (skip) when not
# root or when the lab cannot run here (no namespaces, veth or linuxptp).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/ptp-lab.sh
WAIT_S=30                 # per state change; typical is 0.1-2 s, but this VM can stall for seconds
CLOCK_TOLERANCE_US=5000   # CLOCK_REALTIME - CLOCK_MONOTONIC moves only if someone steps the clock
SMALL_OFFSET_NS=100000    # software timestamps on veth: ~1 us, spikes of ~80 us under load
CAP_SYS_TIME=25

if [[ $EUID -ne 0 ]]; then
        echo "SKIP: needs root (the lab creates network namespaces and veth links)"
        exit 77
fi

DIR=$(mktemp -d "${TMPDIR:-/tmp}/ptplab.XXXXXX")
step_name="" steps=0

# The lab's own messages go to a file, shown if the test fails.
lab() { "$LAB" --dir="$DIR" "$@" 2>> "$DIR/lab.err"; }

now_ms() {
        local up
        read -r up _ < /proc/uptime
        echo $((10#${up/./} * 10))
}

fmt_ms() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

# CLOCK_REALTIME - CLOCK_MONOTONIC in microseconds, taken independently of
# the lab's own clock-check: /proc/timer_list's first "now at" (monotonic ns)
# bracketed by two $EPOCHREALTIME reads; the tightest of five brackets wins.
realtime_minus_monotonic_us() {
        local i t1 t2 line best=0 width best_width=-1
        if [[ ! -r /proc/timer_list ]]; then
                python3 -c 'import time
print((time.clock_gettime_ns(time.CLOCK_REALTIME) - time.clock_gettime_ns(time.CLOCK_MONOTONIC)) // 1000)'
                return
        fi
        for ((i = 0; i < 5; i++)); do
                t1=$EPOCHREALTIME
                { read -r && read -r && read -r line; } < /proc/timer_list
                t2=$EPOCHREALTIME
                [[ $line =~ ^now\ at\ ([0-9]+)\ nsecs ]] || fail "unexpected /proc/timer_list line: $line"
                t1=$((10#${t1/./})) t2=$((10#${t2/./}))
                width=$((t2 - t1))
                if ((best_width < 0 || width < best_width)); then
                        best_width=$width
                        best=$(((t1 + t2) / 2 - BASH_REMATCH[1] / 1000))
                fi
        done
        echo "$best"
}

fail() {
        echo "FAIL: ${step_name:-setup}: $*" >&2
        exit 1
}

# Runs one step (a function and its arguments) and prints its duration. A
# failing command inside it ends the test through set -e and the EXIT trap.
step() {
        step_name=$1
        shift
        local t0 result
        t0=$(now_ms)
        STEP_NOTE=""
        "$@"
        result="$(fmt_ms $(($(now_ms) - t0))) s"
        printf 'ok %2d  %-52s %9s%s\n' $((++steps)) "$step_name" "$result" "${STEP_NOTE:+  ($STEP_NOTE)}"
        step_name=""
}

finish() {
        local rc=$?
        if ((rc != 0 && rc != 77)); then
                echo "FAIL: ${step_name:-setup} (exit $rc)" >&2
                local f
                for f in "$DIR"/lab.err "$DIR"/*.log; do
                        [[ -f $f ]] || continue
                        echo "--- last lines of $f" >&2
                        tail -n 25 "$f" >&2
                done
        fi
        # Whatever happened, leave nothing behind.
        if [[ -f $DIR/state.env ]]; then lab down > /dev/null 2>&1 || echo "cleanup: down failed" >&2; fi
        rm -rf "$DIR"
        exit "$rc"
}
trap finish EXIT
# bash runs no EXIT trap when a signal (meson's timeout) kills it.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# pmc straight at a socket, as the daemon would talk to it from here.
pmc_at() { # socket 'CMD'...
        local sock=$1
        shift
        timeout 5 pmc -u -b 0 -s "$sock" "$@" 2>&1
}

field() { # name <<< pmc output: the first value of that field
        awk -v f="$1" '$1 == f { print $2; exit }'
}

wait_state() { # role state: the lab's bounded wait, its elapsed time in the note
        STEP_NOTE="wait $(lab wait-state "$1" "$2" "$WAIT_S") s, now $(lab port-state "$1")"
}

# --- steps ---------------------------------------------------------------

lab_up() {
        local rc=0
        UP_T0=$(now_ms)
        lab up "$@" > "$DIR/up.out" || rc=$?
        # The lab decides what "cannot run here" means (root, netns, veth, linuxptp).
        if ((rc == 77)); then
                echo "SKIP: $(tail -n 1 "$DIR/lab.err")"
                exit 77
        fi
        ((rc == 0)) || fail "up: exit $rc"
        # shellcheck source=/dev/null
        source "$DIR/state.env"
        [[ -S $MASTER_UDS && -S $SLAVE_UDS ]] || fail "no management sockets after up"
        [[ $(lab socket slave) == "$SLAVE_UDS" && $(lab socket master) == "$MASTER_UDS" ]] ||
                fail "socket ROLE disagrees with state.env"
}

wait_up_slave() { # roles...: all SLAVE; the note says how long after 'up' started
        local r
        for r in "$@"; do lab wait-state "$r" SLAVE "$WAIT_S" > /dev/null; done
        STEP_NOTE="$(fmt_ms $(($(now_ms) - UP_T0))) s after up"
}

check_no_sys_time() {
        local pid bnd eff n=0
        for pid in "$MASTER_PID" "$SLAVE_PID" ${SLAVE2_PID:+"$SLAVE2_PID"}; do
                bnd=$(awk '$1 == "CapBnd:" { print $2 }' "/proc/$pid/status")
                eff=$(awk '$1 == "CapEff:" { print $2 }' "/proc/$pid/status")
                [[ $(tr '\0' ' ' < "/proc/$pid/cmdline") == ptp4l* ]] || fail "pid $pid is not ptp4l"
                (((16#$bnd >> CAP_SYS_TIME & 1) == 0 && (16#$eff >> CAP_SYS_TIME & 1) == 0)) ||
                        fail "ptp4l pid $pid has CAP_SYS_TIME (CapBnd $bnd CapEff $eff)"
                n=$((n + 1))
        done
        STEP_NOTE="$n ptp4l, CapBnd $bnd"
}

# gmPresent, a fresh ingress_time and a small offset, via the socket path the
# lab prints; a stall can cause one large sample, so retry until the deadline.
check_time_status() {
        local sock out offset present ingress gm deadline
        sock=$(lab socket slave)
        deadline=$(($(now_ms) + WAIT_S * 1000))
        while :; do
                out=$(pmc_at "$sock" 'GET TIME_STATUS_NP')
                offset=$(field master_offset <<< "$out")
                present=$(field gmPresent <<< "$out")
                ingress=$(field ingress_time <<< "$out")
                gm=$(field gmIdentity <<< "$out")
                if [[ $present == true && $gm == "$MASTER_CLOCK_ID" && ${ingress:-0} != 0 &&
                        $offset =~ ^-?[0-9]+$ ]] && ((${offset#-} < SMALL_OFFSET_NS)); then
                        break
                fi
                (($(now_ms) < deadline)) ||
                        fail "TIME_STATUS_NP: gmPresent=$present gmIdentity=$gm ingress_time=$ingress master_offset=$offset"
                sleep 0.1
        done
        STEP_NOTE="master_offset $offset ns, gm $gm"
}

kill_master() {
        lab kill-master
        wait_state slave LISTENING
}

restart_master() {
        lab restart-master
        wait_state slave SLAVE
}

unlock() {
        lab unlock
        wait_state slave UNCALIBRATED
}

lock() {
        lab lock
        wait_state slave SLAVE
}

# The class arrives with the master's next announce.
set_gm_class() {
        local class deadline
        lab set-gm-class "$1"
        deadline=$(($(now_ms) + WAIT_S * 1000))
        until class=$(pmc_at "$SLAVE_UDS" 'GET PARENT_DATA_SET' | field gm.ClockClass) && [[ $class == "$1" ]]; do
                (($(now_ms) < deadline)) || fail "slave's PARENT_DATA_SET gm.ClockClass is $class, not $1"
                sleep 0.1
        done
        STEP_NOTE="gm.ClockClass $class on the slave"
}

# The canary: with the PTP timescale announced, the slave measures ~37 s.
# Any ptp4l able to touch the clock would now step CLOCK_REALTIME by 37 s.
wait_offset() { # min_ns max_ns (of |master_offset|)
        local offset deadline
        deadline=$(($(now_ms) + WAIT_S * 1000))
        while :; do
                offset=$(pmc_at "$SLAVE_UDS" 'GET TIME_STATUS_NP' | field master_offset)
                if [[ $offset =~ ^-?[0-9]+$ ]] && ((${offset#-} >= $1 && ${offset#-} <= $2)); then
                        break
                fi
                (($(now_ms) < deadline)) || fail "slave's master_offset is $offset, not within [$1, $2] ns"
                sleep 0.1
        done
        STEP_NOTE="master_offset $offset ns"
}

timescale_canary() {
        lab set-gm-timescale ptp
        wait_offset 36000000000 38000000000
        # Several more sync intervals at 37 s, then the clock must not have moved.
        local note=$STEP_NOTE
        lab wait-state slave SLAVE "$WAIT_S" > /dev/null
        check_clock
        STEP_NOTE="$note, still SLAVE, $STEP_NOTE"
}

timescale_back() {
        lab set-gm-timescale arb
        wait_offset 0 "$SMALL_OFFSET_NS"
}

link_down() {
        lab link-down
        wait_state slave '!SLAVE'
}

link_up() {
        lab link-up
        wait_state slave SLAVE
}

kill_slave() {
        local pid=$SLAVE_PID state
        lab kill-slave
        [[ ! -e /proc/$pid/cmdline || -z $(tr -d '\0' 2> /dev/null < "/proc/$pid/cmdline") ]] || fail "slave ptp4l pid $pid still running"
        [[ ! -e $SLAVE_UDS ]] || fail "slave socket $SLAVE_UDS still there after SIGTERM"
        state=$(lab port-state slave)
        [[ $state == NONE ]] || fail "killed slave still answers: $state"
        STEP_NOTE="socket gone, no answer"
}

restart_slave() {
        lab restart-slave
        # shellcheck source=/dev/null
        source "$DIR/state.env"
        wait_state slave SLAVE
}

two_slaves() {
        local id1 id2 gm1 gm2
        [[ -S $SLAVE2_UDS ]] || fail "no second slave socket"
        id1=$(pmc_at "$SLAVE_UDS" 'GET DEFAULT_DATA_SET' | field clockIdentity)
        id2=$(pmc_at "$SLAVE2_UDS" 'GET DEFAULT_DATA_SET' | field clockIdentity)
        gm1=$(pmc_at "$SLAVE_UDS" 'GET PARENT_DATA_SET' | field grandmasterIdentity)
        gm2=$(pmc_at "$SLAVE2_UDS" 'GET PARENT_DATA_SET' | field grandmasterIdentity)
        [[ $id1 == "$SLAVE_CLOCK_ID" && $id2 == "$SLAVE2_CLOCK_ID" ]] ||
                fail "clock identities $id1 / $id2, expected $SLAVE_CLOCK_ID / $SLAVE2_CLOCK_ID"
        [[ $gm1 == "$MASTER_CLOCK_ID" && $gm2 == "$MASTER_CLOCK_ID" ]] ||
                fail "grandmasters $gm1 / $gm2, expected $MASTER_CLOCK_ID"
        STEP_NOTE="$id1 and $id2 under $gm1"
}

# After down: no namespace, link, live ptp4l or socket of this lab.
lab_down() {
        local prefix=$PTPLAB_PREFIX left=() p cmd
        lab down
        ip netns list | awk '{ print $1 }' | grep -q "^$prefix-" && left+=("netns: $(ip netns list | grep "^$prefix-" | tr '\n' ' ')")
        ip -o link show | grep -q ": $prefix-" && left+=("links: $(ip -o link show | grep ": $prefix-" | cut -d' ' -f2 | tr '\n' ' ')")
        for p in /proc/[0-9]*; do
                # Killed ptp4l can linger as zombies (PID 1 reaps late): they have no cmdline.
                cmd=$(tr '\0' ' ' 2> /dev/null < "$p/cmdline") || continue
                [[ $cmd == "ptp4l -f $DIR/"* ]] && left+=("ptp4l ${p#/proc/}: $cmd")
        done
        [[ -z $(find "$DIR" -type s) ]] || left+=("sockets: $(find "$DIR" -type s | tr '\n' ' ')")
        [[ ! -e $DIR/state.env ]] || left+=("state.env")
        ((${#left[@]} == 0)) || fail "left behind: ${left[*]}"
        STEP_NOTE="nothing of $prefix left"
}

check_clock() {
        local now diff
        now=$(realtime_minus_monotonic_us)
        diff=$((now - CLOCK_REF_START))
        ((diff >= 0)) || diff=$((-diff))
        ((diff <= CLOCK_TOLERANCE_US)) || fail "CLOCK_REALTIME was stepped: moved ${diff} us against CLOCK_MONOTONIC"
        STEP_NOTE="CLOCK_REALTIME moved ${diff} us"
}

# --- the test ------------------------------------------------------------

CLOCK_REF_START=$(realtime_minus_monotonic_us)
step "up" lab_up
step "up -> slave SLAVE" wait_up_slave slave
step "every ptp4l runs without CAP_SYS_TIME" check_no_sys_time
step "TIME_STATUS_NP: gmPresent, small offset" check_time_status
step "kill-master -> slave LISTENING" kill_master
step "restart-master -> slave SLAVE" restart_master
step "unlock -> slave UNCALIBRATED" unlock
step "lock -> slave SLAVE" lock
step "set-gm-class 7 -> slave gm.ClockClass 7" set_gm_class 7
step "set-gm-timescale ptp -> offset 37 s, clock untouched" timescale_canary
step "set-gm-timescale arb -> offset small again" timescale_back
step "link-down -> slave not SLAVE" link_down
step "link-up -> slave SLAVE" link_up
step "kill-slave -> no slave socket" kill_slave
step "restart-slave -> slave SLAVE" restart_slave
step "down, nothing left" lab_down
step "up --slaves=2" lab_up --slaves=2
step "up -> slave and slave2 SLAVE" wait_up_slave slave slave2
step "two slave clocks, one grandmaster" two_slaves
step "every ptp4l runs without CAP_SYS_TIME" check_no_sys_time
step "down, nothing left" lab_down
step "CLOCK_REALTIME not stepped" check_clock
echo "$steps passed, 0 failed"
