#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The bash completion of ptpsyncctl, run in bash with bash-completion as an
# interactive shell would: each case types a command line (split into words
# as bash splits it, at '=' and ':' too) and checks what TAB offers. Every
# command and option of `ptpsyncctl --help` must be offered. Subscription IDs
# are asked of the real ptpsyncd on a private bus (tests/completion-daemon.sh),
# the one --bus= names. Skips (77) when bash-completion is not installed.
set -euo pipefail

COMPLETION=${PTPSYNC_DATA_DIR:?}/ptpsyncctl.bash-completion
BASH_COMPLETION=/usr/share/bash-completion/bash_completion
[[ -r $BASH_COMPLETION ]] || { echo "SKIP: bash-completion is not installed"; exit 77; }
PTPSYNCCTL=${PTPSYNCCTL:?}
# The completion runs "ptpsyncctl": this build's.
PATH=$(dirname "$PTPSYNCCTL"):$PATH
# shellcheck source=tests/completion-daemon.sh
source "$(dirname "$0")/completion-daemon.sh"

# shellcheck source=/dev/null
source "$BASH_COMPLETION"
# shellcheck source=/dev/null
source "$COMPLETION"

failures=0

# What TAB offers after the words given (the last one is the word being typed).
complete_line() {
        local w
        # As bash splits them (COMP_WORDBREAKS): "--bus=unix:path=/x" is --bus = unix : path = /x.
        COMP_WORDS=(ptpsyncctl)
        for w in "$@"; do
                local whole=$w
                while [[ $w =~ ^([^=:]*)([=:])(.*)$ ]]; do
                        [[ -n ${BASH_REMATCH[1]} ]] && COMP_WORDS+=("${BASH_REMATCH[1]}")
                        COMP_WORDS+=("${BASH_REMATCH[2]}")
                        w=${BASH_REMATCH[3]}
                done
                [[ -n $w || -z $whole ]] && COMP_WORDS+=("$w")
        done
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="ptpsyncctl $*"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        # As in an interactive shell: no -e, no -u (complete_line runs in a subshell of its own).
        set +eu
        # compopt complains outside a real completion; the offers are what counts.
        _ptpsyncctl 2>/dev/null
        printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

expect() {
        local want=$1 got
        shift
        got=$(complete_line "$@")
        if [[ $got == "$want" ]]; then
                echo "ok: ptpsyncctl $* -> $got"
        else
                echo "FAIL: ptpsyncctl $* -> '$got', expected '$want'"
                failures=$((failures + 1))
        fi
}

expect "show status subscriptions" s
expect "dead-letters" d
expect "help" he
expect "wait watch" --json wa
expect "--state=" --st
expect "HOLDOVER" --state=HO
expect "session system" --bus=s
expect "locked" inject sync/ptp-status/lock-state CLOCK_REALTIME loc
expect "unlocked unreachable" inject sync/ptp-status/lock-state CLOCK_REALTIME un
expect "sync/ptp-status/clock-class sync/ptp-status/lock-state" inject sync/ptp
expect "" dead-letters 0123 ""
expect "pretty" --json=p
expect "off pretty short" --json=
expect "SubscriptionCount SyncState" show -p S
expect "SubscriptionCount SyncState" show --property=S
expect "show status subscriptions" -p NodeName s
expect "LOCKED" wait --state LO

# Subscription IDs, from the daemon that --bus= (or --bus ADDRESS) names; none from another bus.
start_completion_daemon
read -r id1 id2 <<<"$IDS"
[[ $id1 =~ ^[0-9a-f]{32}$ && $id2 =~ ^[0-9a-f]{32}$ ]] || { echo "FAIL: the consumer's subscriptions: '$IDS'"; exit 1; }
for verb in cancel dead-letters redrive purge; do
        expect "$id1 $id2" --bus="$BUS" "$verb" ""
done
expect "$id1 $id2" --json=pretty --bus "$BUS" -q cancel ""
expect "$id1" --bus="$BUS" purge "$id1"
expect "" --bus="$BUS" cancel "$id1" ""
expect "" --bus="$COMPLETION_DIR/none" cancel ""
expect "" --bus="unix:path=$COMPLETION_DIR/none" cancel ""
# The resources of that daemon, for get.
expect "/cluster/node/$NODE/sync/ptp-status/clock-class /cluster/node/$NODE/sync/ptp-status/lock-state" \
        --bus="$BUS" get "/cluster/node/$NODE/sync/ptp"

# Everything --help documents is offered.
all_commands=$(complete_line "")
all_options=$(complete_line -)
help=$("$PTPSYNCCTL" --help)
for command in $(sed -n '/^Commands:/,/^$/s/^  \([a-z-]\+\).*/\1/p' <<<"$help"); do
        [[ " $all_commands " == *" $command "* ]] || { echo "FAIL: command $command is not completed"; failures=$((failures + 1)); }
done
for option in $(sed -n '/^Options:/,$p' <<<"$help" | grep -o -- '--[a-z-]\+=\?' | sort -u); do
        [[ " $all_options " == *" $option "* ]] || { echo "FAIL: option $option is not completed"; failures=$((failures + 1)); }
done
echo "commands offered: $all_commands"

((failures == 0)) || { echo "$failures failures"; exit 1; }
