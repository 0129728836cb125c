#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/nmea-feeder, the GNSS receiver of tools/demo, as the demo drives it:
# PORT= once a real gpsd answers there; each phase written to its stdin is
# what gpsd reports (TPV mode 3, 1, 2), and is acknowledged as PHASE=; an
# unknown phase is an error that changes nothing; and gpsd ends with it, at
# end of file, at SIGTERM, and when its parent is SIGKILLed. Its option errors
# name the option.
#
#   test-nmea-feeder.sh PATH-OF-NMEA-FEEDER
#
# Every wait has a deadline. Skips (77) without gpsd (Debian package gpsd).
set -euo pipefail

FEEDER=$1
WAIT_S=20 # gpsd answering, a TPV of a new phase: ~1 s, but this VM stalls

if ! command -v gpsd >/dev/null && [ ! -x /usr/sbin/gpsd ]; then
        echo "SKIP: gpsd is not installed (Debian package gpsd; tools/install-deps)"
        exit 77
fi

DIR=$(mktemp -d "${TMPDIR:-/tmp}/test-nmea-feeder.XXXXXX")
feeder='' gpsd_pid=''
cleanup() {
        exec 3>&- 4>&-
        [ -z "$feeder" ] || kill "$feeder" 2>/dev/null || true
        wait 2>/dev/null || true
        rm -rf "$DIR"
}
trap cleanup EXIT

fail() {
        echo "FAIL: $*" >&2
        for f in "$DIR"/out "$DIR"/err; do [ ! -s "$f" ] || sed "s|^|  ${f##*/}: |" "$f" >&2; done
        exit 1
}
ok() { echo "ok: $*"; }

now_ms() {
        local up
        read -r up _ </proc/uptime
        echo $((10#${up/./} * 10))
}
# wait_for WHAT COMMAND...: polls until COMMAND succeeds, or fails the test after WAIT_S.
wait_for() {
        local what=$1 deadline=$(($(now_ms) + WAIT_S * 1000))
        shift
        until "$@"; do
                (($(now_ms) < deadline)) || fail "$what: not within $WAIT_S s"
                sleep 0.05
        done
}
# gone PID: no such process, or a zombie (an orphan's, until init reaps it).
gone() {
        local state
        state=$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 0
        [ -z "$state" ] || [ "$state" = Z ]
}
said() { grep -qsx "$1" "$DIR/out"; }

# start: the feeder on a FIFO (fd 3 its writing end), until gpsd answers.
start() {
        rm -f "$DIR/ctl" "$DIR/out" "$DIR/err"
        mkfifo "$DIR/ctl"
        "$FEEDER" "$@" <"$DIR/ctl" >"$DIR/out" 2>"$DIR/err" &
        feeder=$!
        exec 3>"$DIR/ctl"
        wait_for "PORT= on stdout" grep -qs '^PORT=' "$DIR/out"
        port=$(sed -n 's/^PORT=//p' "$DIR/out")
        gpsd_pid=$(pgrep -P "$feeder" -x gpsd) || fail "no gpsd among the children of nmea-feeder ($feeder)"
}
# ended STATUS: the feeder exited with STATUS, and its gpsd is gone.
ended() {
        local rc=0
        wait_for "nmea-feeder ending" gone "$feeder"
        wait "$feeder" || rc=$?
        feeder=
        [ "$rc" = "$1" ] || fail "nmea-feeder exited $rc, not $1"
        wait_for "gpsd ($gpsd_pid) ending with nmea-feeder" gone "$gpsd_pid"
}

# --- the options --------------------------------------------------------

"$FEEDER" --help >"$DIR/help" || fail "--help exited $?"
for word in --port= --interval= --phase= --gpsd= 3d 2d nofix time-only antenna-open antenna-ok silent PORT= PHASE=; do
        grep -q -- "$word" "$DIR/help" || fail "--help does not say $word"
done
for bad in --port=0 --port=65536 --interval=99 --interval=x --phase=4d --gpsd=/nonexistent; do
        rc=0
        "$FEEDER" "$bad" </dev/null >/dev/null 2>"$DIR/err" || rc=$?
        [ "$rc" = 2 ] || fail "$bad: exit $rc, not 2"
        grep -q -- "${bad%%=*}=" "$DIR/err" || fail "$bad: the error does not name the option: $(cat "$DIR/err")"
done
ok "--help documents every option, phase and output line; wrong options exit 2, naming the option"

# --- the phases, as gpsd reports them --------------------------------------

start --interval=200
ok "gpsd ($gpsd_pid) answers on 127.0.0.1:$port, a child of nmea-feeder"
exec 4<>"/dev/tcp/127.0.0.1/$port"
printf '?WATCH={"enable":true,"json":true};\n' >&4
# tpv_mode N: reads gpsd's reports until a TPV of mode N.
tpv_mode() {
        local line deadline=$(($(now_ms) + WAIT_S * 1000))
        while (($(now_ms) < deadline)); do
                read -r -t 1 line <&4 || continue
                [[ $line == *'"class":"TPV"'* && $line == *"\"mode\":$1,"* ]] && return 0
        done
        fail "no TPV of mode $1 from gpsd within $WAIT_S s"
}
tpv_mode 3
ok "phase 3d: gpsd reports TPV mode 3"
for p in nofix:1 2d:2 3d:3; do
        echo "${p%:*}" >&3
        wait_for "PHASE=${p%:*} on stdout" said "PHASE=${p%:*}"
        tpv_mode "${p#*:}"
        ok "phase ${p%:*}: acknowledged, and gpsd reports TPV mode ${p#*:}"
done
echo bogus >&3
wait_for "the error for an unknown phase" grep -q 'stdin line 4: unknown phase "bogus"' "$DIR/err"
grep -q '^PHASE=bogus' "$DIR/out" && fail "an unknown phase was acknowledged"
ok "an unknown phase: an error naming it and its line, and no PHASE="

exec 4>&- 3>&-
ended 0
ok "end of file on stdin: exit 0, gpsd gone"

# --- the other ways to end ---------------------------------------------------

start
kill -TERM "$feeder"
ended 0
ok "SIGTERM: exit 0, gpsd gone"

# Its parent (not the test) killed: PR_SET_PDEATHSIG ends it, and gpsd with it.
exec 3>&-
rm -f "$DIR/out"
bash -c '"$1" </dev/zero >"$2" 2>/dev/null & echo $! >"$3"; exec sleep 600' _ "$FEEDER" "$DIR/out" "$DIR/pid" &
parent=$!
wait_for "PORT= on stdout" grep -qs '^PORT=' "$DIR/out"
orphan=$(<"$DIR/pid")
gpsd_pid=$(pgrep -P "$orphan" -x gpsd) || fail "no gpsd among the children of nmea-feeder ($orphan)"
kill -KILL "$parent"
wait "$parent" 2>/dev/null || true
wait_for "nmea-feeder ending with its parent" gone "$orphan"
wait_for "gpsd ($gpsd_pid) ending with nmea-feeder" gone "$gpsd_pid"
ok "its parent SIGKILLed: nmea-feeder and gpsd gone"
