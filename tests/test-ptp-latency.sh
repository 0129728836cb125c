#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/ptpsync-ptp-latency, briefly: its usage errors (exit 2, each naming
# what was wrong), then, as root, one --quick block with one subscriber and
# the store on tmpfs on the real-ptp4l lab: exit 0, the block's header with
# the file system statfs found, every step with its 5 rounds and 5 subscriber
# receipts, and the bus named in the header. Exit 77 (skip) after the usage
# checks when not root or when the lab cannot run here.
set -euo pipefail

BENCH=${PTPSYNC_PTP_LATENCY:?PTPSYNC_PTP_LATENCY: the path of ptpsync-ptp-latency}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/ptplat-test.XXXXXX")
trap 'rm -rf "$DIR"' EXIT

fail() {
        echo "FAIL: $*"
        exit 1
}

# usage EXPECTED-MESSAGE ARGS...: exit 2, and the message on stderr.
usage() {
        local want=$1 rc=0
        shift
        "$BENCH" "$@" > "$DIR/out" 2> "$DIR/err" || rc=$?
        [[ $rc -eq 2 ]] || fail "$* exited $rc, expected 2: $(cat "$DIR/err")"
        grep -qF -- "$want" "$DIR/err" || fail "$*: stderr does not say \"$want\": $(cat "$DIR/err")"
        echo "ok: $* -> exit 2, \"$want\""
}

usage "--subscribers=0: expected a number from 1 to 1000" --subscribers=0
usage "--subscribers=1001: expected a number from 1 to 1000" --subscribers=1001
usage "--subscribers=1,1: 1 is there twice" --subscribers=1,1
usage "--subscribers=: expected a comma-separated list" --subscribers=
usage "--storage=ext3: \"ext3\" is neither ext4 nor tmpfs" --storage=ext3
usage "--storage=tmpfs,tmpfs: tmpfs is there twice" --storage=tmpfs,tmpfs
usage "--storage=: expected a comma-separated list" --storage=
usage "--state-root= and --storage= exclude each other" --storage=tmpfs --state-root=/dev/shm
PTPSYNC_TEST_BUS=dbus-brokr usage "PTPSYNC_TEST_BUS=dbus-brokr: not a bus this knows (dbus-daemon or dbus-broker)"
usage "--bus=dbus-brokr: expected dbus-daemon or dbus-broker" --bus=dbus-brokr

"$BENCH" --help > "$DIR/help"
for word in --subscribers= --storage=ext4,tmpfs --state-root= --bus= PTPSYNC_TEST_BUS; do
        grep -qF -- "$word" "$DIR/help" || fail "--help does not name $word"
done
echo "ok: --help names --subscribers=, --storage=, --state-root=, --bus= and PTPSYNC_TEST_BUS"

if [[ $EUID -ne 0 ]]; then
        echo "SKIP: the run needs root (the lab creates network namespaces and veth links)"
        exit 77
fi

rc=0
env -u PTPSYNC_TEST_BUS "$BENCH" --quick --subscribers=1 --storage=tmpfs > "$DIR/out" 2> "$DIR/err" || rc=$?
if [[ $rc -eq 77 ]]; then
        tail -n 5 "$DIR/err"
        echo "SKIP: the lab cannot run here"
        exit 77
fi
[[ $rc -eq 0 ]] || { cat "$DIR/out"; tail -n 30 "$DIR/err"; fail "--quick --subscribers=1 --storage=tmpfs exited $rc"; }
cat "$DIR/out"

grep -q '^bus: dbus-daemon (the default); the bus process that ran: dbus-daemon$' "$DIR/out" ||
        fail "the header does not name the bus"
grep -q '^1 subscriber, storage tmpfs: /dev/shm/ptpsync-ptp-latency-.* (statfs: tmpfs)$' "$DIR/out" ||
        fail "no block header for 1 subscriber on tmpfs"
[[ $(grep -c '^1 subscriber, storage' "$DIR/out") -eq 2 ]] || fail "not exactly one block (and its details)"
for step in "unlock: UNCALIBRATED push -> HOLDOVER" "lock: SLAVE push -> LOCKED" \
            "kill-master: LISTENING push -> HOLDOVER" "restart-master: SLAVE push -> LOCKED"; do
        # n, p50, p99, max | n, p50, p99, max: 5 rounds, 5 receipts, every figure a number.
        grep -qE "^$step +5( +[0-9]+){3} \| +5( +[0-9]+){3}$" "$DIR/out" ||
                fail "no row \"$step\" with 5 rounds and 5 receipts"
done
echo "ok: one block, 4 steps, 5 rounds and 5 subscriber receipts each"
# Nothing left behind: the state directory in /dev/shm is removed with the lab.
if compgen -G "/dev/shm/ptpsync-ptp-latency-*" > /dev/null && [[ -z ${PTPSYNC_BENCH_KEEP:-} ]]; then
        state=$(grep -o '/dev/shm/ptpsync-ptp-latency-[^ ]*' "$DIR/out" | head -n 1)
        [[ ! -e $state ]] || fail "$state was left behind"
fi
echo "ok: the state directory is gone"
