#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The boot test: ptpsync installed, as a distribution would, in a Debian
# minbase root booted with systemd as PID 1 (systemd-nspawn -b), where the
# scenarios of tests/boot/driver.sh run under the real systemd and dbus-daemon
# and assert what systemd reports. The container powers itself off; this
# script then reads the results the driver left in the root.
#
# The root is made by debootstrap once and cached in $PTPSYNC_BOOT_CACHE
# (default /var/cache/ptpsync-boot-root), keyed by a hash of the suite, the
# mirror and the package list; each run boots an overlay of it (a copy where
# overlayfs is missing), so the cache is never written to.
#
# Needs root, debootstrap, systemd-nspawn (systemd-container), a build
# configured with --prefix=/usr --sysconfdir=/etc (tools/run-tests makes
# build-boot so), and, for a cold cache, the Debian mirror: else exit 77.
# Meson passes MESON, MESON_BUILD_ROOT, PREFIX, SYSCONFDIR and BOOT_DIR.
# Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail
shopt -s inherit_errexit

SUITE=bookworm
MIRROR=${PTPSYNC_BOOT_MIRROR:-http://deb.debian.org/debian}
CACHE_BASE=${PTPSYNC_BOOT_CACHE:-/var/cache/ptpsync-boot-root}
BOOT_TIMEOUT_S=${PTPSYNC_BOOT_TIMEOUT:-200}
# What ptpsyncd, ptpsyncctl and ptpsync-http need at run time, polkitd, and
# the driver's curl. debootstrap picks no provider of a virtual package, so
# they are named: dbus-user-session the session bus that dconf (from
# libsoup-3.0-0's glib-networking) needs, libpam-systemd polkitd's logind.
PACKAGES=(systemd systemd-sysv dbus dbus-user-session libpam-systemd libglib2.0-0 libsqlite3-0
        libsoup-3.0-0 libjson-glib-1.0-0 polkitd curl)

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed${2:+ (Debian package $2)}"; }

[[ $EUID -eq 0 ]] || skip "needs root (debootstrap, mounts, systemd-nspawn)"
need debootstrap debootstrap
need systemd-nspawn systemd-container
need systemctl systemd
[[ -n ${MESON:-} && -d ${MESON_BUILD_ROOT:-} && -d ${BOOT_DIR:-} ]] ||
        fail "MESON, MESON_BUILD_ROOT and BOOT_DIR must be set (meson test does)"
[[ ${PREFIX:-} == /usr && ${SYSCONFDIR:-} == /etc ]] ||
        skip "the build is configured with prefix $PREFIX and sysconfdir $SYSCONFDIR; the boot test installs" \
                "it as a distribution would: meson setup --prefix=/usr --sysconfdir=/etc (tools/run-tests: build-boot)"

start=$SECONDS
WORK=$(mktemp -d /var/tmp/ptpsync-boot.XXXXXX)
ROOT=$WORK/root
cleanup() {
        mountpoint -q "$ROOT" && umount "$ROOT"
        rm -rf "$WORK"
}
trap cleanup EXIT

# The cached root, made if missing: debootstrap into a temporary folder, moved
# in place only when complete; a lock keeps two runs from making it at once.
key=$(printf '%s\n' "$SUITE" "$MIRROR" "${PACKAGES[@]}" | sha256sum | cut -c1-16)
CACHE=$CACHE_BASE/$SUITE-$key
mkdir -p "$CACHE_BASE"
exec 9>"$CACHE_BASE/lock"
flock 9
if [[ ! -d $CACHE ]]; then
        echo "Making the $SUITE minbase root in $CACHE (debootstrap from $MIRROR)"
        rm -rf "$CACHE.new"
        include=$(IFS=,; echo "${PACKAGES[*]}")
        # In two stages, so that dpkg runs the second with force-unsafe-io: without
        # an fsync for every file it unpacks, the root is made in much less time.
        if ! { debootstrap --foreign --variant=minbase --include="$include" "$SUITE" "$CACHE.new" "$MIRROR" &&
                echo force-unsafe-io >"$CACHE.new/etc/dpkg/dpkg.cfg.d/ptpsync-boot-unsafe-io" &&
                chroot "$CACHE.new" /debootstrap/debootstrap --second-stage &&
                rm "$CACHE.new/etc/dpkg/dpkg.cfg.d/ptpsync-boot-unsafe-io"; } >"$WORK/debootstrap.log" 2>&1; then
                tail -5 "$WORK/debootstrap.log"
                rm -rf "$CACHE.new"
                skip "debootstrap could not make the root (see above)"
        fi
        rm -f "$CACHE.new"/var/cache/apt/archives/*.deb
        mv "$CACHE.new" "$CACHE"
        echo "root made in $((SECONDS - start)) s"
        # Roots of other package lists are stale: a changed list replaces its root.
        for old in "$CACHE_BASE/$SUITE"-*; do
                [[ $old == "$CACHE" || ! -d $old ]] || rm -rf "$old"
        done
else
        echo "Using the cached root $CACHE"
fi
flock -u 9

# This run's root: an overlay whose upper layer is ours, or a copy.
mkdir "$ROOT" "$WORK/upper" "$WORK/overlay-work"
if ! mount -t overlay overlay -o "lowerdir=$CACHE,upperdir=$WORK/upper,workdir=$WORK/overlay-work" "$ROOT" 2>/dev/null; then
        echo "note: no overlayfs here, copying the root"
        cp -a "$CACHE/." "$ROOT/"
fi

# Can systemd-nspawn run a container here at all?
out=$(systemd-nspawn --register=no --keep-unit -q -D "$ROOT" /bin/true 2>&1 </dev/null) ||
        skip "systemd-nspawn cannot run a container here: $out"

# ptpsync as a package installs it, then enabled as a user would.
"$MESON" install -C "$MESON_BUILD_ROOT" --destdir "$ROOT" --no-rebuild --quiet >"$WORK/install.log" 2>&1 ||
        fail "meson install --destdir failed: $(cat "$WORK/install.log")"
ldconfig -r "$ROOT"
conf=$ROOT/etc/ptpsync/ptpsyncd.conf
grep -qx '#Source=linuxptp' "$conf" || fail "no #Source=linuxptp line in ptpsyncd.conf to set"
sed -i 's/^#Source=linuxptp$/Source=sim/' "$conf"
install -m 0755 "$BOOT_DIR/driver.sh" "$ROOT/usr/local/libexec/ptpsync-boot-driver" -D
for u in ptpsync-boot-driver.service ptpsync-boot-wants.service ptpsync-boot-requires.service; do
        install -m 0644 "$BOOT_DIR/$u" "$ROOT/etc/systemd/system/$u"
done
out=$(systemctl --root="$ROOT" enable ptpsyncd.service ptpsync-http.service ptpsync-boot-driver.service \
        ptpsync-boot-wants.service ptpsync-boot-requires.service 2>&1) || fail "systemctl --root enable: $out"
# The console stays quiet; the results and the journal come back in the root.
mkdir -p "$ROOT/var/lib/ptpsync-boot"

echo "Booting (at most $BOOT_TIMEOUT_S s)"
boot_start=$SECONDS
rc=0
timeout --kill-after=20 "$BOOT_TIMEOUT_S" systemd-nspawn --register=no --keep-unit -q -D "$ROOT" \
        --machine=ptpsync-boot --private-network -b </dev/null >"$WORK/console.log" 2>&1 || rc=$?
echo "container ran $((SECONDS - boot_start)) s (exit $rc)"

results=$ROOT/var/lib/ptpsync-boot/results
if [[ ! -s $results ]] || ! grep -q '^done ' "$results"; then
        echo "--- console (last 60 lines)"
        tail -60 "$WORK/console.log"
        [[ -f $ROOT/var/lib/ptpsync-boot/journal.txt ]] && tail -80 "$ROOT/var/lib/ptpsync-boot/journal.txt"
        [[ -s $results ]] && { echo "--- results so far"; cat "$results"; }
        fail "the driver did not finish (timeout or early power-off; exit $rc)"
fi
cat "$results"
if grep -q '^FAIL' "$results" || ! grep -qx 'done 0' "$results"; then
        echo "--- journal of the boot (last 150 lines)"
        tail -150 "$ROOT/var/lib/ptpsync-boot/journal.txt"
        fail "$(grep -c '^FAIL' "$results") scenario(s) failed"
fi
echo "boot test: $((SECONDS - start)) s in all"
