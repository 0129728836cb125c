#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/ptpsync-loop-floor, briefly: its usage errors (exit 2, each naming the
# option), a directory it cannot write in (exit 1, naming it), and a short
# run whose three lines carry figures: the loop's iterations (about 4000 in
# a second at one per 250 µs, at least 1000 however loaded the machine), its
# CPU time at least the work asked for, and as many fdatasyncs and
# hand-overs as asked.
set -euo pipefail

FLOOR=${PTPSYNC_LOOP_FLOOR:?PTPSYNC_LOOP_FLOOR: the path of ptpsync-loop-floor}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/loop-floor-test.XXXXXX")
trap 'rm -rf "$DIR"' EXIT

fail() {
        echo "FAIL: $*"
        exit 1
}

# expect RC MESSAGE ARGS...: exit RC, and the message on stderr.
expect() {
        local rc_want=$1 want=$2 rc=0
        shift 2
        "$FLOOR" "$@" > "$DIR/out" 2> "$DIR/err" || rc=$?
        [[ $rc -eq $rc_want ]] || fail "$* exited $rc, expected $rc_want: $(cat "$DIR/err")"
        grep -qF -- "$want" "$DIR/err" || fail "$*: stderr does not say \"$want\": $(cat "$DIR/err")"
        echo "ok: $* -> exit $rc_want, \"$want\""
}

expect 2 "--seconds=0: expected a number from 1 to 3600" --seconds=0
expect 2 "--work=251: expected a number from 0 to 250" --work=251
expect 2 "--fsyncs=x: expected a number" --fsyncs=x
expect 2 "unexpected argument 'more'" more
expect 1 "fdatasync in $DIR/none failed" --seconds=1 --fsyncs=1 --dir="$DIR/none"

"$FLOOR" --seconds=1 --work=100 --fsyncs=20 --dir="$DIR" > "$DIR/out"
cat "$DIR/out"
read -r iterations cpu < <(sed -nE 's/^loop +([0-9]+) iterations.* ([0-9]+) µs in CPU time.*/\1 \2/p' "$DIR/out")
[[ -n ${iterations:-} ]] || fail "no loop line"
(( iterations >= 1000 && iterations <= 4100 )) || fail "$iterations iterations in 1 s at one per 250 µs"
(( cpu >= 100 )) || fail "the longest iteration took $cpu µs of CPU, less than the 100 µs of work it did"
grep -qE '^  disk +20 samples: p50 [0-9]+ µs' "$DIR/out" || fail "no line of 20 fdatasyncs"
grep -qE '^handover 5000 samples: p50 [0-9]+ µs' "$DIR/out" || fail "no line of 5000 hand-overs"
echo "ok: $iterations iterations, the longest with $cpu µs of CPU"
