#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The layering rule (docs/layers.md), checked on the tree and on what was built:
#
#   common <- model <- {config, store} <- engine <- {source, bus} <- main.c, reload.c
#
# 1. Each folder includes only its own headers and those of the folders it may use, always by
#    path ("model/event.h"): a bare "event.h" would hide where it comes from.
# 2. Nothing in common/ (but its bus-*.c), model/, config/, store/, engine/ or source/ includes
#    <systemd/sd-bus.h>, and none of their static libraries leaves an sd_bus_ symbol undefined
#    (nm -u): what the bus needs, bus/ does.
# 3. common/ uses no GLib (but its glib-*.c); client-lib/ and cli/ include nothing of daemon/.
#
# Usage: test-layers.sh SOURCE_ROOT LIBRARY... (the .a files of common, model, config, store,
# engine and source, which must have no sd_bus_ symbol undefined)
set -u

root=$1
shift
failures=0

fail() {
        echo "FAIL: $*"
        failures=$((failures + 1))
}

# What each folder may include, besides itself.
declare -A allowed=(
        [common]=""
        [daemon/model]="common"
        [daemon/config]="common model"
        [daemon/store]="common model"
        [daemon/engine]="common model config store"
        [daemon/source]="common model config store engine"
        [daemon/bus]="common model config store engine"
        [client-lib]="common"
        [cli]="common"
)
# Headers that have no folder: the build's, and the library's public ones.
bare_ok='^(build-config\.h|ptpsync\.h|ptpsync-glib\.h|ptpsync-internal\.h|ptpsyncctl\.h)$'

for folder in "${!allowed[@]}"; do
        own=${folder#daemon/}
        for f in "$root/$folder"/*.[ch]; do
                [ -e "$f" ] || continue
                rel=${f#"$root"/}
                while IFS= read -r inc; do
                        case $inc in
                        */*)
                                top=${inc%%/*}
                                [ "$top" = "$own" ] && continue
                                ok=false
                                for a in ${allowed[$folder]}; do
                                        [ "$top" = "$a" ] && ok=true
                                done
                                $ok || fail "$rel includes \"$inc\": $folder may use only ${allowed[$folder]:-itself}"
                                ;;
                        *)
                                [[ $inc =~ $bare_ok ]] && [[ $folder == client-lib || $folder == cli || $inc == build-config.h ]] && continue
                                fail "$rel includes \"$inc\" without its folder"
                                ;;
                        esac
                done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
        done
done

# sd-bus only at the edge.
for folder in common daemon/model daemon/config daemon/store daemon/engine daemon/source; do
        for f in "$root/$folder"/*.[ch]; do
                [ -e "$f" ] || continue
                case $f in */common/bus-*) continue ;; esac
                grep -q '^#include <systemd/sd-bus\.h>' "$f" && fail "${f#"$root"/} includes <systemd/sd-bus.h>"
        done
done
for lib in "$@"; do
        [ -e "$lib" ] || { fail "$lib: not built"; continue; }
        syms=$(nm -u "$lib" | awk '{ print $2 }' | grep '^sd_bus_' | sort -u | tr '\n' ' ')
        [ -z "$syms" ] || fail "$(basename "$lib") needs $syms"
done

# No GLib in common/ (but its glib-*.c, a library of their own): libptpsync links it, and the
# library has no GLib.
grep -l '#include <glib\|#include <gio' "$root"/common/*.[ch] 2>/dev/null | grep -v '/common/glib-' | while read -r f; do
        echo "FAIL: ${f#"$root"/} includes GLib"
        exit 1
done || failures=$((failures + 1))

# The client side never reaches into the daemon.
for f in "$root"/client-lib/*.[ch] "$root"/cli/*.[ch]; do
        grep -q '#include "\.\./daemon\|#include "daemon/' "$f" && fail "${f#"$root"/} includes daemon code"
done

if [ "$failures" -gt 0 ]; then
        echo "$failures violations of the layering rule (docs/layers.md)"
        exit 1
fi
echo "layering rule holds: $(find "$root/common" "$root/daemon" "$root/client-lib" "$root/cli" -name '*.[ch]' | wc -l) files, $# libraries without sd_bus_"
