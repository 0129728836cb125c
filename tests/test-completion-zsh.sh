#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The zsh completion of ptpsyncctl (data/_ptpsyncctl): it parses, compinit
# takes it for ptpsyncctl, and in an interactive zsh (tests/zsh-complete.zsh,
# in a pseudo-terminal) TAB offers every command and option of `ptpsyncctl
# --help`, the values of options, and subscription IDs and relative resource
# addresses asked of the real ptpsyncd on a private bus
# (tests/completion-daemon.sh), the one --bus= names. Skips (77) without zsh.
set -euo pipefail

command -v zsh >/dev/null || { echo "SKIP: zsh is not installed"; exit 77; }
DATA_DIR=${PTPSYNC_DATA_DIR:?}
PTPSYNCCTL=${PTPSYNCCTL:?}
HERE=$(dirname "$0")
# The completion runs "ptpsyncctl": this build's.
PATH=$(dirname "$PTPSYNCCTL"):$PATH
# shellcheck source=tests/completion-daemon.sh
source "$HERE/completion-daemon.sh"

failures=0
fail() {
        echo "FAIL: $*"
        failures=$((failures + 1))
}

zsh -n "$DATA_DIR/_ptpsyncctl" || fail "data/_ptpsyncctl does not parse"
# compinit finds it by its #compdef line, and it loads (defined, not run) without complaint.
out=$(zsh -f -c 'fpath=("$1" $fpath); autoload -Uz compinit; compinit -u -D
        [[ $_comps[ptpsyncctl] == _ptpsyncctl ]] || { print "compinit: ptpsyncctl -> ${_comps[ptpsyncctl]:-nothing}"; exit 1 }
        autoload +X _ptpsyncctl && (( $+functions[_ptpsyncctl] ))' zsh "$DATA_DIR" 2>&1) ||
        fail "compinit does not load _ptpsyncctl for ptpsyncctl: $out"
[[ -z $out ]] || fail "loading _ptpsyncctl says: $out"

# What TAB offers at the end of the line, sorted, space-separated.
complete_line() {
        timeout 30 zsh -f "$HERE/zsh-complete.zsh" "$DATA_DIR" "ptpsyncctl $*" | tr '\n' ' ' | sed 's/ $//'
}

expect() {
        local want=$1 got
        shift
        got=$(complete_line "$@")
        if [[ $got == "$want" ]]; then
                echo "ok: ptpsyncctl $* -> $got"
        else
                fail "ptpsyncctl $* -> '$got', expected '$want'"
        fi
}

expect "show status subscriptions" s
expect "dead-letters" d
expect "wait watch" --json wa
expect "pretty" --json=p
expect "--state" --st
expect "HOLDOVER" wait --state=HO
expect "SYNCHRONIZED" wait --state=SY
expect "SubscriptionCount SyncState" show -p S
expect "session system" --bus=s
expect "locked" inject sync/ptp-status/lock-state CLOCK_REALTIME loc
expect "unlocked unreachable" inject sync/ptp-status/lock-state CLOCK_REALTIME un
expect "sync/ptp-status/clock-class sync/ptp-status/lock-state" inject sync/ptp

# Everything --help documents is offered (options without their '=', which zsh adds).
all_commands=" $(complete_line "") "
all_options=" $(complete_line -) "
help=$("$PTPSYNCCTL" --help)
for command in $(sed -n '/^Commands:/,/^$/s/^  \([a-z-]\+\).*/\1/p' <<<"$help"); do
        [[ $all_commands == *" $command "* ]] || fail "command $command is not completed"
done
for option in $(sed -n '/^Options:/,$p' <<<"$help" | grep -o -- '--[a-z-]\+' | sort -u); do
        [[ $all_options == *" $option "* ]] || fail "option $option is not completed"
done
echo "commands offered:$all_commands"

# Subscription IDs and the node's resources, relative, from the daemon that --bus= names.
start_completion_daemon
read -r id1 id2 <<<"$IDS"
[[ $id1 =~ ^[0-9a-f]{32}$ && $id2 =~ ^[0-9a-f]{32}$ ]] || { echo "FAIL: the consumer's subscriptions: '$IDS'"; exit 1; }
for verb in cancel dead-letters redrive purge; do
        expect "$id1 $id2" --bus="$BUS" "$verb" ""
done
expect "$id1 $id2" --json=pretty --bus "$BUS" -q cancel ""
expect "$id1" --bus="$BUS" purge "${id1:0:31}"
# Quoted as a shell wants a ';' (a list of addresses, tried in turn), and escaped.
expect "$id1 $id2" "--bus='unix:path=$COMPLETION_DIR/none;$BUS'" cancel ""
expect "$id1 $id2" "--bus=unix:path=$COMPLETION_DIR/none\\;$BUS" cancel ""
expect "" --bus="unix:path=$COMPLETION_DIR/none" cancel ""
expect "sync/ptp-status/clock-class sync/ptp-status/lock-state" --bus="$BUS" get sync/ptp
expect "sync/sync-status/os-clock-sync-state sync/sync-status/sync-state" --bus="$BUS" wait sync/sync

((failures == 0)) || { echo "$failures failures"; exit 1; }
