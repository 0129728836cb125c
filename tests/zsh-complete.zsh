# SPDX-License-Identifier: LGPL-2.1-or-later
#
# zsh -f zsh-complete.zsh DIR 'COMMAND LINE': what TAB offers at the end of
# the command line in an interactive zsh (run in a pseudo-terminal, zpty)
# with compinit and the completion functions of DIR, one candidate a line,
# sorted. compadd is wrapped to print what each call would add (after the
# matching on what is typed) rather than add it; calls that only filter
# (-O, -A, -D) go to the builtin as they are.
zmodload zsh/zpty || exit 1
dir=$1 line=$2

zpty z zsh -f -i
zpty -w z "PS1='' PS2='' RPS1=''; unsetopt zle_bracketed_paste 2>/dev/null; setopt no_beep"
zpty -w z "fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'compadd() {
        if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
                builtin compadd "$@"
                return
        fi
        local -a hits
        builtin compadd -A hits "$@"
        local h
        for h in $hits; do
                print -r -- "HIT:$h"
        done
        (( $#hits ))
}'
zpty -w z '_zsh_complete_done() { print -r -- "DONE:"; }; comppostfuncs=(_zsh_complete_done)'
zpty -w z 'print -r -- READY:'
# Wait for the set-up to be done, then type the line and TAB.
while zpty -r z out; do
        [[ $out == READY:* ]] && break
done
zpty -w -n z "$line"$'\t'
hits=()
# Each DONE: ends one completion; the reads block, but the caller puts a deadline on the whole.
while zpty -r z out; do
        out=${out//$'\r'/}
        out=${out%%$'\n'}
        [[ $out == *DONE:* ]] && break
        [[ $out == *HIT:* ]] && hits+=("${out#*HIT:}")
done
zpty -d z
print -rl -- ${(ou)hits}
