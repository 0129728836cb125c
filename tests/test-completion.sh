#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The bash completion of ptpsyncctl, run in bash with bash-completion as an
# interactive shell would: each case types a command line and checks what
# TAB offers. Every command and option of `ptpsyncctl --help` must be offered.
# Skips (77) when bash-completion is not installed.
set -euo pipefail

COMPLETION=${PTPSYNC_DATA_DIR:?}/ptpsyncctl.bash-completion
BASH_COMPLETION=/usr/share/bash-completion/bash_completion
[[ -r $BASH_COMPLETION ]] || { echo "SKIP: bash-completion is not installed"; exit 77; }
PTPSYNCCTL=${PTPSYNCCTL:?}

# shellcheck source=/dev/null
source "$BASH_COMPLETION"
# shellcheck source=/dev/null
source "$COMPLETION"

failures=0

# What TAB offers after the words given (the last one is the word being typed).
complete_line() {
        COMP_WORDS=(ptpsyncctl "$@")
        COMP_CWORD=$#
        COMP_LINE="ptpsyncctl $*"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
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
