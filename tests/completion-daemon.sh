# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Sourced by the completion tests: the real ptpsyncd ($PTPSYNCD, simulated
# source) on a private session-type dbus-daemon, with two subscriptions of a
# real consumer ($PTPSYNC_CONSUMER), so that completing a subscription ID asks
# a daemon that has some. Sets BUS (its address), NODE and IDS (the two
# subscriptions' 32 hex digits, sorted, space-separated); everything it starts
# ends with the shell (EXIT trap).

NODE=du1.example.com
COMPLETION_DIR=$(mktemp -d)
COMPLETION_PIDS=()

completion_cleanup() {
        local pid
        for pid in "${COMPLETION_PIDS[@]}"; do
                kill "$pid" 2>/dev/null || true
        done
        for pid in "${COMPLETION_PIDS[@]}"; do
                wait "$pid" 2>/dev/null || true
        done
        rm -rf "$COMPLETION_DIR"
}
trap completion_cleanup EXIT

# Runs "$@" until it succeeds, for at most 30 s (polling, not sleeping for a guess).
completion_wait_for() {
        local deadline=$((SECONDS + 30))
        until "$@" >/dev/null 2>&1; do
                ((SECONDS < deadline)) || return 1
                sleep 0.05
        done
}

start_completion_daemon() {
        local dir=$COMPLETION_DIR paths
        : "${PTPSYNCD:?}" "${PTPSYNC_CONSUMER:?}" "${PTPSYNCCTL:?}"
        command -v dbus-daemon >/dev/null || { echo "SKIP: dbus-daemon is not installed"; exit 77; }

        dbus-daemon --session --address="unix:path=$dir/bus" --nofork --nopidfile --print-address=1 \
                >"$dir/address" 2>"$dir/dbus.log" &
        COMPLETION_PIDS+=($!)
        completion_wait_for test -s "$dir/address" || { echo "dbus-daemon did not start: $(cat "$dir/dbus.log")"; exit 1; }
        BUS="unix:path=$dir/bus"

        : >"$dir/ptpsyncd.conf"
        "$PTPSYNCD" --bus="$BUS" --source=sim --node-name=$NODE --config="$dir/ptpsyncd.conf" \
                --state-dir="$dir/state" --runtime-dir="$dir/run" 2>"$dir/ptpsyncd.log" &
        COMPLETION_PIDS+=($!)
        completion_wait_for "$PTPSYNCCTL" --bus="$BUS" show || { echo "ptpsyncd did not start: $(cat "$dir/ptpsyncd.log")"; exit 1; }

        "$PTPSYNC_CONSUMER" --bus="$BUS" --address="/cluster/node/$NODE/" --count=2 >"$dir/consumer.out" 2>&1 &
        COMPLETION_PIDS+=($!)
        completion_wait_for eval "[[ \$(grep -c '^subscribed ' '$dir/consumer.out') == 2 ]]" ||
                { echo "the consumer did not subscribe: $(cat "$dir/consumer.out")"; exit 1; }
        paths=$(sed -n 's/^subscribed \([^ ]*\) .*/\1/p' "$dir/consumer.out")
        IDS=$(for p in $paths; do echo "${p##*/}"; done | sort | tr '\n' ' ' | sed 's/ $//')
}
