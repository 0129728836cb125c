#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The packaging data (data/, polkit/), checked as what it is for:
#
#   test-packaging.sh units        meson install into a temporary root puts each
#                                  file where the configured directories say
#                                  (the introspection XML in
#                                  dbusinterfacesdir, the completions in
#                                  theirs), and no installed
#                                  file refers to notes outside the
#                                  repository (DESIGN.md, ../shared);
#                                  `systemd-analyze verify` passes every installed
#                                  unit; `systemctl --root= enable` makes the alias
#                                  the D-Bus activation file names; the unit's
#                                  hardening stays at the exposure level it has
#                                  (ptpsync-http.service: at most 2.5);
#                                  systemd-sysusers --root= makes the users
#                                  ptpsync-http.service and
#                                  ptpsync-wait-sync.service run as; every
#                                  man:NAME(N) of the units is installed (and
#                                  systemd-analyze finds it, --man=yes).
#   test-packaging.sh bus-policy   data/org.ptpsync1.conf in a private bus whose
#                                  default policy is the system bus's (deny owning,
#                                  deny method calls): nobody cannot own
#                                  org.ptpsync1 (AccessDenied) but can call the
#                                  daemon, get its unicast signals and Ack them;
#                                  root can own it; without the file even root
#                                  cannot. Needs root (runuser): else exit 77.
#   test-packaging.sh polkit       polkit/org.ptpsync1.policy valid against
#                                  polkit's DTD, with the action ids of
#                                  org.ptpsync1(5);
#                                  then the real polkitd, on a private bus and in
#                                  its own mount namespace, loads it: pkaction shows
#                                  each action's defaults, pkcheck as nobody is
#                                  allowed to subscribe and refused to simulate.
#                                  The polkitd part needs root and polkitd.
#   test-packaging.sh man          each man page (man/*.scd, built by scdoc)
#                                  renders with man -l (groff without man)
#                                  without a warning; every option, command and
#                                  environment variable of `ptpsyncd --help`,
#                                  `ptpsyncctl --help` and `ptpsync-http --help`
#                                  has its entry in its page, and every key and
#                                  group of data/ptpsyncd.conf in ptpsyncd.conf(5),
#                                  of data/ptpsync-http.conf in
#                                  ptpsync-http.conf(5). Skips (77) without scdoc.
#   test-packaging.sh staged-example
#                                  libptpsync(3)'s way of building against a staged
#                                  install: meson install --destdir, then
#                                  client-lib/examples/ptpsync-subscribe.c built
#                                  with cc and nothing but pkg-config --cflags --libs
#                                  libptpsync (PKG_CONFIG_PATH and
#                                  PKG_CONFIG_SYSROOT_DIR on the staged root); run
#                                  with LD_LIBRARY_PATH on a private bus with no
#                                  daemon, it loads the staged libptpsync.so.0 (ldd,
#                                  LD_DEBUG) and its state handler reports the refused
#                                  subscription (ENDED, ServiceUnknown, status 1).
#   test-packaging.sh symbols      client-lib/libptpsync.sym names exactly what
#                                  libptpsync.so exports, each in the node the .so
#                                  gives it, and every _public_ function (default
#                                  visibility in the library's objects) is named.
#
# Meson passes the directories and programs in the environment (tests/meson.build).
# Every wait has a deadline. Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail

NODE=du1.example.com
WAIT_S=20 # generous: this VM can stall for seconds

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed${2:+ ($2)}"; }
need_root() { [[ $EUID -eq 0 ]] || skip "needs root ($*)"; }

DIR=$(mktemp -d "${TMPDIR:-/tmp}/ptpsync-packaging.XXXXXX")
chmod 0755 "$DIR" # other uids connect to the buses in it
PIDS=()
cleanup() {
        local p
        for p in "${PIDS[@]}"; do
                kill "$p" 2>/dev/null || true
        done
        for p in "${PIDS[@]}"; do
                wait "$p" 2>/dev/null || true
        done
        rm -rf "$DIR"
}
trap cleanup EXIT

# Polls a command until it succeeds; false at the deadline.
wait_for() {
        local deadline=$((SECONDS + WAIT_S))
        until "$@" >/dev/null 2>&1; do
                ((SECONDS < deadline)) || return 1
                sleep 0.05
        done
}

# A dbus-daemon with the given configuration file, in the background; sets BUS to its address.
# With BUS_KIND=dbus-broker (test_bus_policy sets it from PTPSYNC_TEST_BUS), dbus-broker on it
# instead ($PTPSYNC_BUS_RUN, tests/bus-run.c: its socket is <name>.d/bus.sock, the <listen> is ignored).
BUS_KIND=dbus-daemon
start_bus() {
        local conf=$1 out pid
        out=$DIR/$(basename "$1" .conf).address
        if [[ $BUS_KIND == dbus-broker ]]; then
                mkdir -p "${out%.address}.d"
                "$PTPSYNC_BUS_RUN" --config-file="$conf" --dir="${out%.address}.d" >"$out" 2>"$out.err" &
        else
                dbus-daemon --config-file="$conf" --nofork --nopidfile --print-address=1 >"$out" 2>"$out.err" &
        fi
        pid=$!
        PIDS+=($pid)
        # Up once it prints its address; a configuration it refuses makes it exit at once.
        wait_for eval "[[ -s '$out' ]] || ! kill -0 $pid" && [[ -s $out ]] ||
                fail "$BUS_KIND did not start with $conf: $(cat "$out.err")"
        BUS="unix:path=$(sed -n 's/^unix:path=\([^,]*\).*/\1/p' "$out")"
}

# The system bus's default policy (Debian's /usr/share/dbus-1/system.conf):
# nobody owns a name or gets a method call through unless a policy file opens it.
write_system_like_config() {
        local conf=$1 socket=$2 include=${3:-}
        cat >"$conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus" send_member="UpdateActivationEnvironment"/>
  </policy>
${include:+  <include>$include</include>}
</busconfig>
EOF
}

# RequestName(name, no flags) on bus, as user (root or nobody); prints dbus-send's answer.
request_name() {
        local bus=$1 user=$2 name=$3
        local -a cmd=(dbus-send --bus="$bus" --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus
                      org.freedesktop.DBus.RequestName "string:$name" uint32:0)
        if [[ $user == root ]]; then
                "${cmd[@]}" 2>&1 || true
        else
                runuser -u "$user" -- "${cmd[@]}" 2>&1 || true
        fi
}

expect_owner() { # bus user name [context]: RequestName answers 1, primary owner
        local out
        out=$(request_name "$1" "$2" "$3")
        [[ $out == *"uint32 1"* ]] || fail "$2 could not own $3${4:+ $4}: $out"
        echo "ok: $2 may own $3${4:+ $4}"
}

expect_denied() { # bus user name [context]: RequestName is refused by the bus policy
        local out
        out=$(request_name "$1" "$2" "$3")
        [[ $out == *"org.freedesktop.DBus.Error.AccessDenied"* ]] ||
                fail "$2 asking for $3${4:+ $4}: expected AccessDenied, got: $out"
        echo "ok: $2 may not own $3${4:+ $4} (AccessDenied)"
}

# The headers in $INCLUDEDIR/ptpsync/ of the staged root $1, and the .pc files' Cflags finding
# them: a program with #include <ptpsync.h> and <ptpsync-glib.h> compiles with pkg-config's flags.
test_headers() {
        local root=$1 h pc cflags version
        for h in ptpsync.h ptpsync-glib.h; do
                [[ -f $root$INCLUDEDIR/ptpsync/$h ]] || fail "$h not installed in $INCLUDEDIR/ptpsync/"
                [[ ! -e $root$INCLUDEDIR/$h ]] || fail "$h installed in $INCLUDEDIR/ itself, not in $INCLUDEDIR/ptpsync/"
        done
        for pc in libptpsync libptpsync-glib; do
                [[ -f $root$LIBDIR/pkgconfig/$pc.pc ]] || fail "$pc.pc not installed in $LIBDIR/pkgconfig/"
                # shellcheck disable=SC2016 # ${includedir} is pkg-config's, literally in the file
                grep -q '^Cflags:.*-I${includedir}/ptpsync' "$root$LIBDIR/pkgconfig/$pc.pc" ||
                        fail "$pc.pc: Cflags lacks -I\${includedir}/ptpsync: $(grep ^Cflags: "$root$LIBDIR/pkgconfig/$pc.pc")"
        done
        echo "ok: ptpsync.h and ptpsync-glib.h in $INCLUDEDIR/ptpsync/, the .pc files' Cflags point there"
        # The .pc files give the library's version (libptpsync.so.0.X.Y), not the project's: a
        # user asks pkg-config --atleast-version for the symbols of a release.
        local -a so=("$root$LIBDIR"/libptpsync.so.0.*.*)
        [[ ${#so[@]} -eq 1 && -f ${so[0]} ]] || fail "not one libptpsync.so.0.X.Y in $LIBDIR: ${so[*]}"
        for pc in libptpsync libptpsync-glib; do
                version=$(sed -n 's/^Version: //p' "$root$LIBDIR/pkgconfig/$pc.pc")
                [[ $version == "${so[0]##*/libptpsync.so.}" ]] ||
                        fail "$pc.pc says Version: $version, but the library is $(basename "${so[0]}")"
        done
        echo "ok: libptpsync.pc and libptpsync-glib.pc say Version: $version, the library's"
        command -v pkg-config >/dev/null 2>&1 && command -v cc >/dev/null 2>&1 || return 0
        # The staged root as the sysroot: -I$root$INCLUDEDIR/ptpsync, as a user's -I$INCLUDEDIR/ptpsync
        # (GLib's own flags from the machine: the sysroot would move them into the staged root too).
        cflags=$(PKG_CONFIG_PATH=$root$LIBDIR/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root \
                pkg-config --cflags libptpsync-glib) || fail "pkg-config --cflags libptpsync-glib failed"
        cflags+=" $(pkg-config --cflags glib-2.0)" || fail "pkg-config --cflags glib-2.0 failed"
        printf '#include <ptpsync.h>\n#include <ptpsync-glib.h>\nint main(void) { return 0; }\n' >"$DIR/user.c"
        # shellcheck disable=SC2086 # the flags are words
        cc -fsyntax-only $cflags "$DIR/user.c" 2>"$DIR/user.log" ||
                fail "#include <ptpsync.h> with pkg-config's Cflags ($cflags) does not compile: $(cat "$DIR/user.log")"
        echo "ok: #include <ptpsync.h> and <ptpsync-glib.h> compile with pkg-config --cflags libptpsync-glib"
}

# Stages the build into $1 exactly as a package build would: meson install --destdir.
stage_install() {
        [[ -n ${MESON_BUILD_ROOT:-} ]] || fail "MESON_BUILD_ROOT must be set (meson test does)"
        [[ -n ${MESON:-} ]] || skip "meson is not in PATH: cannot stage an install"
        "$MESON" install -C "$MESON_BUILD_ROOT" --destdir "$1" --no-rebuild --quiet >"$DIR/install.log" 2>&1 ||
                fail "meson install --destdir failed: $(cat "$DIR/install.log")"
}

# libptpsync(3)'s BUILDING against a staged install, as written there: the example program built
# with nothing but pkg-config's flags, run on the staged library against a bus with no daemon.
test_staged_example() {
        local root=$DIR/root flags status lib out err
        need cc "a C compiler"
        need pkg-config
        need dbus-daemon
        need ldd "libc-bin"
        [[ -f ${PTPSYNC_EXAMPLE:-} ]] || fail "PTPSYNC_EXAMPLE must be set (meson test does)"
        stage_install "$root"
        lib=$root$LIBDIR/libptpsync.so.0
        [[ -f $lib ]] || fail "libptpsync.so.0 not installed in $LIBDIR"

        flags=$(PKG_CONFIG_PATH=$root$LIBDIR/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root \
                pkg-config --cflags --libs libptpsync) || fail "pkg-config --cflags --libs libptpsync failed"
        [[ $flags == *"-I$root$INCLUDEDIR/ptpsync"* && $flags == *"-L$root$LIBDIR"* ]] ||
                fail "pkg-config's flags do not point into the staged root $root: $flags"
        # A sanitizer build's library needs its runtime first: the program is built as the library was.
        local sanitize=""
        if [[ $(nm -D "$lib" 2>/dev/null) == *__asan_init* ]]; then # not | grep -q: pipefail and SIGPIPE
                sanitize="-fsanitize=address,undefined"
        fi
        # shellcheck disable=SC2086 # the flags are words
        cc $sanitize -o "$DIR/ptpsync-subscribe" "$PTPSYNC_EXAMPLE" $flags 2>"$DIR/cc.log" ||
                fail "the example does not build with pkg-config's flags ($flags): $(cat "$DIR/cc.log")"
        echo "ok: ptpsync-subscribe.c builds and links with only: $flags"

        # The dynamic linker finds the staged library through LD_LIBRARY_PATH, not another one.
        out=$(LD_LIBRARY_PATH=$root$LIBDIR ldd "$DIR/ptpsync-subscribe") || fail "ldd failed: $out"
        grep -qE "^\s*libptpsync\.so\.0 => $lib " <<<"$out" ||
                fail "with LD_LIBRARY_PATH=$root$LIBDIR the example does not resolve libptpsync.so.0 to $lib: $out"
        echo "ok: ldd resolves libptpsync.so.0 to the staged $lib"

        # A bus of its own, with no daemon (and no activation files): the subscription is refused.
        cat >"$DIR/example-bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$DIR/example-bus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
        start_bus "$DIR/example-bus.conf"
        status=0
        LD_LIBRARY_PATH=$root$LIBDIR LD_DEBUG=libs LD_DEBUG_OUTPUT=$DIR/ld-debug \
                timeout "$WAIT_S" "$DIR/ptpsync-subscribe" --bus="$BUS" >"$DIR/example.out" 2>"$DIR/example.err" ||
                status=$?
        out=$(cat "$DIR/example.out")
        err=$(cat "$DIR/example.err")
        ((status != 124)) || fail "the example did not give up within ${WAIT_S}s with no daemon: $out $err"
        grep -qs "calling init: $lib\$" "$DIR"/ld-debug.* ||
                fail "the running example did not load $lib: $(grep -hs 'calling init:.*ptpsync' "$DIR"/ld-debug.* || true)"
        echo "ok: the running example loaded the staged $lib (LD_DEBUG=libs)"
        ((status == 1)) || fail "the example exited with status $status with no daemon, not 1: $out $err"
        [[ $out == "subscription -: ended" ]] || fail "the state handler did not report ENDED: $out"
        [[ $err == "ptpsync-subscribe: the subscription failed: org.freedesktop.DBus.Error.ServiceUnknown: "*"org.ptpsync1"* ]] ||
                fail "the example did not say why the subscription failed: $err"
        echo "ok: with no daemon its state handler reports the refused subscription: $out; $err (status 1)"
}

test_units() {
        local root=$DIR/root unitdir unit n=0 out alias name busname man page
        need systemd-analyze systemd
        need systemctl systemd

        stage_install "$root"

        local -A expected=(
                ["$UNITDIR/ptpsyncd.service"]=unit
                ["$UNITDIR/ptpsync-wait-sync.service"]="wait-for-lock unit"
                ["$UNITDIR/ptp-sync.target"]="PTP sync target"
                ["$DBUS_SERVICEDIR/org.ptpsync1.service"]="D-Bus activation file"
                ["$DBUS_POLICYDIR/org.ptpsync1.conf"]="D-Bus policy"
                ["$POLKIT_ACTIONDIR/org.ptpsync1.policy"]="polkit actions"
                ["$SYSCONFDIR/ptpsync/ptpsyncd.conf"]=configuration
                ["$UNITDIR/ptpsync-http.service"]="bridge unit"
                ["$SYSUSERSDIR/ptpsync-http.conf"]="bridge sysusers.d snippet"
                ["$SYSUSERSDIR/ptpsync-wait.conf"]="wait-for-lock sysusers.d snippet"
                ["$SYSCONFDIR/ptpsync/ptpsync-http.conf"]="bridge configuration"
        )
        for f in "${!expected[@]}"; do
                [[ -f $root$f ]] || fail "${expected[$f]} not installed at $f"
                echo "ok: ${expected[$f]} at $f"
        done
        # The completions, unchanged: bash's by the command's name, zsh's by its function's.
        cmp -s "$PTPSYNC_DATA_DIR/ptpsyncctl.bash-completion" "$root$BASHCOMPLETIONDIR/ptpsyncctl" ||
                fail "the bash completion is not installed (unchanged) at $BASHCOMPLETIONDIR/ptpsyncctl"
        cmp -s "$PTPSYNC_DATA_DIR/_ptpsyncctl" "$root$ZSHCOMPLETIONDIR/_ptpsyncctl" ||
                fail "the zsh completion is not installed (unchanged) at $ZSHCOMPLETIONDIR/_ptpsyncctl"
        echo "ok: completions at $BASHCOMPLETIONDIR/ptpsyncctl and $ZSHCOMPLETIONDIR/_ptpsyncctl"
        [[ -x $root$LIBEXECDIR/ptpsyncd ]] || fail "ptpsyncd not installed at $LIBEXECDIR/ptpsyncd"
        [[ -x $root$BINDIR/ptpsyncctl ]] || fail "ptpsyncctl not installed at $BINDIR/ptpsyncctl"
        [[ -x $root$LIBEXECDIR/ptpsync-http ]] || fail "ptpsync-http not installed at $LIBEXECDIR/ptpsync-http"
        # The shipped configuration, all commented out, is the one installed.
        cmp -s "$PTPSYNC_DATA_DIR/ptpsync-http.conf" "$root$SYSCONFDIR/ptpsync/ptpsync-http.conf" ||
                fail "$SYSCONFDIR/ptpsync/ptpsync-http.conf is not data/ptpsync-http.conf"
        test_headers "$root"
        # Nothing installed points at notes outside the repository (test-docs checks the sources too).
        local outside
        outside=$(grep -rlE 'DESIGN\.md|SDBUS-NOTES\.md|LINUXPTP\.md|ORAN-API\.md|\.\./shared|/work/shared' \
                "$root" 2>/dev/null || true)
        [[ -z $outside ]] || fail "installed files refer to documents outside the repository: $outside"
        echo "ok: no installed file refers to documents outside the repository"
        # The D-Bus API reference, as systemd installs its own: each interface's XML, unchanged.
        local xml
        for xml in "$PTPSYNC_INTROSPECTION_DIR"/*.xml; do
                cmp -s "$xml" "$root$DBUS_INTERFACESDIR/$(basename "$xml")" ||
                        fail "$(basename "$xml") is not installed (unchanged) in $DBUS_INTERFACESDIR"
                echo "ok: $(basename "$xml") in $DBUS_INTERFACESDIR"
        done
        grep -qx "ExecStart=$BINDIR/ptpsyncctl wait --state=LOCKED --timeout=infinity" \
                "$root$UNITDIR/ptpsync-wait-sync.service" || fail "ptpsync-wait-sync.service does not run ptpsyncctl wait"

        unitdir=$root$UNITDIR
        # The man pages the units name (Documentation=man:NAME(N)) are installed with
        # them, unless scdoc was missing at build time (then they are not checked).
        if [[ ${MAN_PAGES:-} == yes ]]; then
                # systemd-analyze --man=yes asks man(1) for each one, too.
                if command -v man >/dev/null 2>&1; then man=yes; else man=no; fi
                for page in $(sed -n 's/^Documentation=//p' "$unitdir"/* | tr ' ' '\n' | sed -n 's/^man://p' | sort -u); do
                        [[ $page =~ ^([^()]+)\(([0-9])\)$ ]] || fail "Documentation=man:$page is not man:NAME(N)"
                        [[ -f $root$MANDIR/man${BASH_REMATCH[2]}/${BASH_REMATCH[1]}.${BASH_REMATCH[2]} ]] ||
                                fail "the units name man:$page, but it is not installed in $MANDIR/man${BASH_REMATCH[2]}"
                        echo "ok: man:$page installed"
                done
        else
                man=no
                echo "note: scdoc was not found at build time: no man pages to check the units' Documentation= against"
        fi
        for unit in "$unitdir"/*; do
                [[ -f $unit && ! -L $unit ]] || continue
                n=$((n + 1))
                ! grep -n '@[a-z_]*@' "$unit" || fail "$unit: configure_file left a @variable@"
                # Only this unit's errors count (--recursive-errors=no): the staged root has
                # no sysinit.target and the like. --root= does not reach man(1), so MANPATH
                # points it at the staged pages: --man=yes then runs `man NAME(N)` for each
                # Documentation= there. Any message at all is a failure.
                out=$(MANPATH=$root$MANDIR systemd-analyze verify --man=$man --recursive-errors=no --root="$root" \
                        "$unit" 2>&1) || fail "systemd-analyze verify $(basename "$unit"): $out"
                [[ -z $out ]] || fail "systemd-analyze verify $(basename "$unit") warned: $out"
                echo "ok: systemd-analyze verify $(basename "$unit")"
        done
        ((n > 0)) || fail "no unit installed in $UNITDIR"

        # The unit runs what meson installed, under the name the activation file asks for.
        grep -qx "ExecStart=$LIBEXECDIR/ptpsyncd" "$unitdir/ptpsyncd.service" ||
                fail "ExecStart= is not $LIBEXECDIR/ptpsyncd: $(grep ExecStart= "$unitdir/ptpsyncd.service")"
        # systemctl reload: synchronous, and failing when the daemon refuses the file.
        grep -qx "ExecReload=$BINDIR/ptpsyncctl reload" "$unitdir/ptpsyncd.service" ||
                fail "ExecReload= is not $BINDIR/ptpsyncctl reload: $(grep ExecReload= "$unitdir/ptpsyncd.service")"
        busname=$(sed -n 's/^BusName=//p' "$unitdir/ptpsyncd.service")
        name=$(sed -n 's/^Name=//p' "$root$DBUS_SERVICEDIR/org.ptpsync1.service")
        alias=$(sed -n 's/^SystemdService=//p' "$root$DBUS_SERVICEDIR/org.ptpsync1.service")
        [[ $busname == org.ptpsync1 && $name == org.ptpsync1 ]] || fail "BusName=$busname, activation Name=$name"
        [[ $(basename "$root$DBUS_SERVICEDIR/org.ptpsync1.service") == "$name.service" ]] ||
                fail "the activation file must be named after its Name="
        # Enabling it offline is what a package's postinst does; it must create that alias.
        out=$(systemctl --root="$root" enable ptpsyncd.service 2>&1) || fail "systemctl enable: $out"
        [[ $(readlink "$root/etc/systemd/system/$alias") == "$UNITDIR/ptpsyncd.service" ]] ||
                fail "enabling ptpsyncd.service did not create $alias (SystemdService= of the activation file): $out"
        [[ -L $root/etc/systemd/system/multi-user.target.wants/ptpsyncd.service ]] ||
                fail "enabling ptpsyncd.service did not hook it into multi-user.target: $out"
        echo "ok: systemctl enable makes $alias and multi-user.target.wants/ptpsyncd.service"

        test_bridge_unit "$root"

        # The wait runs as the static user its sysusers.d snippet makes (a DynamicUser= one
        # was refused by dbus-daemon in the boot test), and the target requires it.
        if ! grep -qx "User=ptpsync-wait" "$unitdir/ptpsync-wait-sync.service" ||
                grep -q "^DynamicUser=yes" "$unitdir/ptpsync-wait-sync.service"; then
                fail "ptpsync-wait-sync.service is not User=ptpsync-wait"
        fi
        out=$(systemd-sysusers --root="$root" "$root$SYSUSERSDIR/ptpsync-wait.conf" 2>&1) || fail "systemd-sysusers: $out"
        grep -qE "^ptpsync-wait:x:[0-9]+:[0-9]+:[^:]*:/:(/usr)?/s?bin/nologin$" "$root/etc/passwd" ||
                fail "systemd-sysusers did not make the user ptpsync-wait: $(cat "$root/etc/passwd")"
        grep -qx "Requires=ptpsync-wait-sync.service" "$unitdir/ptp-sync.target" ||
                fail "ptp-sync.target does not Require= the wait: a failed wait would reach it"
        echo "ok: ptpsync-wait-sync.service runs as the sysusers.d user ptpsync-wait; ptp-sync.target Requires= it"

        # Regression guard for the hardening: 2.0 when written (out of 10; 20 in the
        # threshold's units). Losing a few options pushes it over 25.
        out=$(systemd-analyze security --offline=yes --root="$root" --threshold=25 --no-pager \
                "$unitdir/ptpsyncd.service" 2>&1) ||
                fail "the unit's exposure level went up: $(echo "$out" | grep -e '✗' -e 'Overall')"
        echo "ok: $(echo "$out" | grep -o 'Overall exposure.*')"
}

# ptpsync-http.service in the staged root $1: what it runs, as whom, next to
# what, how hardened, and that the user it names is made by its sysusers.d
# snippet.
test_bridge_unit() {
        local root=$1 unit=$1$UNITDIR/ptpsync-http.service user out
        need systemd-sysusers systemd

        grep -qx "ExecStart=$LIBEXECDIR/ptpsync-http" "$unit" ||
                fail "ptpsync-http.service: ExecStart= is not $LIBEXECDIR/ptpsync-http: $(grep ExecStart= "$unit")"
        grep -qx "Type=notify" "$unit" || fail "ptpsync-http.service is not Type=notify"
        grep -qx "Wants=ptpsyncd.service" "$unit" && grep -qE "^After=(.* )?ptpsyncd.service( |$)" "$unit" ||
                fail "ptpsync-http.service is not Wants= and After=ptpsyncd.service"
        user=$(sed -n 's/^User=//p' "$unit")
        [[ $user == ptpsync-http && $(sed -n 's/^Group=//p' "$unit") == ptpsync-http ]] ||
                fail "ptpsync-http.service runs as User=$user Group=$(sed -n 's/^Group=//p' "$unit")"

        # The user is made by its snippet, as systemd-sysusers does at boot or at package install:
        # a system user with no login shell.
        out=$(systemd-sysusers --root="$root" "$root$SYSUSERSDIR/ptpsync-http.conf" 2>&1) ||
                fail "systemd-sysusers --root: $out"
        grep -qE "^$user:x:[0-9]+:[0-9]+:[^:]*:/:(/usr)?/s?bin/nologin$" "$root/etc/passwd" ||
                fail "systemd-sysusers did not make the user $user: $(cat "$root/etc/passwd" 2>&1)"
        (( $(grep "^$user:" "$root/etc/passwd" | cut -d: -f3) < 1000 )) || fail "$user is not a system user"
        grep -q "^$user:x:" "$root/etc/group" || fail "systemd-sysusers did not make the group $user"
        echo "ok: systemd-sysusers makes the system user and group $user that ptpsync-http.service runs as"

        out=$(systemctl --root="$root" enable ptpsync-http.service 2>&1) || fail "systemctl enable ptpsync-http: $out"
        [[ -L $root/etc/systemd/system/multi-user.target.wants/ptpsync-http.service ]] ||
                fail "enabling ptpsync-http.service did not hook it into multi-user.target: $out"
        echo "ok: systemctl enable hooks ptpsync-http.service into multi-user.target"

        # Written for at most 2.5 (25 in the threshold's units); it was 1.2 when written.
        out=$(systemd-analyze security --offline=yes --root="$root" --threshold=25 --no-pager "$unit" 2>&1) ||
                fail "ptpsync-http.service's exposure level is over 2.5: $(echo "$out" | grep -e '✗' -e 'Overall')"
        echo "ok: $(echo "$out" | grep -o 'Overall exposure.*')"
}

test_bus_policy() {
        local policy=$PTPSYNC_DATA_DIR/org.ptpsync1.conf bus out line path seq daemon consumer
        need_root "runuser to a second uid"
        BUS_KIND=${PTPSYNC_TEST_BUS:-dbus-daemon}
        if [[ $BUS_KIND == dbus-broker ]]; then
                command -v dbus-broker-launch >/dev/null ||
                        fail "PTPSYNC_TEST_BUS=dbus-broker, but dbus-broker-launch is not installed (dbus-broker)"
                [[ -x ${PTPSYNC_BUS_RUN:-} ]] || fail "PTPSYNC_BUS_RUN must be set (meson test does)"
        else
                need dbus-daemon
        fi
        need dbus-send dbus-bin
        need busctl systemd
        need runuser util-linux
        [[ -x ${PTPSYNCD:-} && -x ${PTPSYNC_CONSUMER:-} ]] || fail "PTPSYNCD and PTPSYNC_CONSUMER must be set (meson test does)"

        # Control: without the project's file, not even root may own the name, so
        # what follows is that file's doing and not a lax test bus.
        write_system_like_config "$DIR/bare.conf" "$DIR/bare.sock"
        start_bus "$DIR/bare.conf"
        bus=$BUS
        expect_denied "$bus" root org.ptpsync1 "on a bus without org.ptpsync1.conf"

        write_system_like_config "$DIR/bus.conf" "$DIR/bus.sock" "$policy"
        start_bus "$DIR/bus.conf"
        bus=$BUS
        expect_denied "$bus" nobody org.ptpsync1
        expect_owner "$bus" root org.ptpsync1
        # It opens that one name, nothing near it. dbus-broker (33) takes own="org.ptpsync1" for the
        # names below it too, as own_prefix: nobody still owns none of them, root may own those.
        if [[ $BUS_KIND == dbus-broker ]]; then
                echo "note: dbus-broker differs: own=\"org.ptpsync1\" lets root own org.ptpsync1.Other too; not checked"
        else
                expect_denied "$bus" root org.ptpsync1.Other
        fi
        expect_denied "$bus" root org.ptpsync2
        expect_denied "$bus" nobody org.ptpsync1.Other

        # The real daemon, as root, owns the name on this bus...
        "$PTPSYNCD" --bus="$bus" --source=sim --node-name=$NODE --state-dir="$DIR/state" 2>"$DIR/ptpsyncd.log" &
        daemon=$!
        PIDS+=($daemon)
        wait_for busctl --address="$bus" status org.ptpsync1 ||
                fail "ptpsyncd did not get org.ptpsync1: $(cat "$DIR/ptpsyncd.log")"
        echo "ok: ptpsyncd as root owns org.ptpsync1"
        # ...and nobody may not take it over, nor queue for it.
        expect_denied "$bus" nobody org.ptpsync1 "while ptpsyncd has it"

        # nobody may call it: properties and methods.
        out=$(runuser -u nobody -- busctl --address="$bus" get-property org.ptpsync1 /org/ptpsync1 \
                org.ptpsync1.Manager NodeName 2>&1) || fail "nobody reading NodeName: $out"
        [[ $out == "s \"$NODE\"" ]] || fail "nobody read NodeName as: $out"
        out=$(runuser -u nobody -- busctl --address="$bus" call org.ptpsync1 /org/ptpsync1 \
                org.ptpsync1.Manager ListResources 2>&1) || fail "nobody calling ListResources: $out"
        [[ $out == *lock-state* ]] || fail "ListResources answered nobody: $out"
        echo "ok: nobody may read properties and call methods"

        # nobody may subscribe, receive its unicast Event signal and Ack it: a real
        # consumer process (copied where nobody can run it, whoever owns the build tree).
        install -m 0755 "$PTPSYNC_CONSUMER" "$DIR/consumer"
        runuser -u nobody -- "$DIR/consumer" --bus="$bus" \
                --address="/cluster/node/$NODE/sync/ptp-status/lock-state" >"$DIR/consumer.out" 2>&1 &
        consumer=$!
        PIDS+=($consumer)
        wait_for grep -q '^subscribed ' "$DIR/consumer.out" ||
                fail "nobody could not subscribe: $(cat "$DIR/consumer.out")"
        path=$(sed -n 's/^subscribed \([^ ]*\) .*/\1/p' "$DIR/consumer.out")
        out=$(busctl --address="$bus" -- call org.ptpsync1 /org/ptpsync1 org.ptpsync1.Simulator Inject sssx \
                sync/ptp-status/lock-state ens1f0 locked -12 2>&1) || fail "Inject as root: $out"
        wait_for grep -q '^event ' "$DIR/consumer.out" ||
                fail "nobody's consumer got no Event signal: $(cat "$DIR/consumer.out")"
        line=$(grep -m1 '^event ' "$DIR/consumer.out")
        seq=$(echo "$line" | cut -d' ' -f2)
        acked() { [[ $(busctl --address="$bus" get-property org.ptpsync1 "$path" \
                        org.ptpsync1.Subscription AckedSequence) == "t $seq" ]]; }
        wait_for acked || fail "nobody's Ack of $seq did not reach the daemon: AckedSequence is $(busctl \
                --address="$bus" get-property org.ptpsync1 "$path" org.ptpsync1.Subscription AckedSequence)"
        echo "ok: nobody subscribed, got event $seq as a unicast signal and acknowledged it"

        kill "$daemon"
        wait "$daemon" || fail "ptpsyncd exited with status $?: $(cat "$DIR/ptpsyncd.log")"
}

test_polkit() {
        local policy=$PTPSYNC_POLKIT_DIR/org.ptpsync1.policy dtd=/usr/share/polkit-1/policyconfig-1.dtd
        local ids want a bus pid out status

        if command -v xmllint >/dev/null; then
                if [[ -f $dtd ]]; then
                        xmllint --noout --dtdvalid "$dtd" "$policy" || fail "$policy is not valid against $dtd"
                        echo "ok: $(basename "$policy") is valid against polkit's DTD"
                else
                        xmllint --noout "$policy" || fail "$policy is not well-formed XML"
                        echo "ok: $(basename "$policy") is well-formed (no polkit DTD here to validate against)"
                fi
                xmllint --noout "$PTPSYNC_DATA_DIR/org.ptpsync1.conf" || fail "org.ptpsync1.conf is not well-formed XML"
                echo "ok: org.ptpsync1.conf is well-formed"
        else
                echo "note: xmllint (libxml2-utils) not installed: XML not validated"
        fi

        # The actions org.ptpsync1(5) and ptpsyncd(8) name, and no other.
        ids=$(sed -n 's/.*<action id="\([^"]*\)".*/\1/p' "$policy" | sort | tr '\n' ' ')
        want="org.ptpsync1.configure org.ptpsync1.manage org.ptpsync1.simulate org.ptpsync1.subscribe "
        want+="org.ptpsync1.write-clock-class "
        [[ $ids == "$want" ]] || fail "action ids are: $ids; expected: $want"
        echo "ok: action ids $ids"

        [[ $EUID -eq 0 ]] || skip "polkitd part needs root (a mount namespace); the XML checks passed"
        [[ -x /usr/lib/polkit-1/polkitd ]] || skip "polkitd is not installed; the XML checks passed"
        need pkaction polkitd
        need pkcheck polkitd
        need unshare util-linux

        # A permissive private bus: this part is about polkitd, not the bus policy.
        cat >"$DIR/polkit-bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$DIR/polkit-bus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
EOF
        start_bus "$DIR/polkit-bus.conf"
        bus=$BUS
        # polkitd sees only our actions: its own mount namespace, a folder of ours
        # bind-mounted over /usr/share/polkit-1/actions; the host's is not touched.
        mkdir "$DIR/actions"
        cp "$policy" "$DIR/actions/"
        DBUS_SYSTEM_BUS_ADDRESS=$bus unshare -m --propagation private sh -c \
                "mount --bind '$DIR/actions' /usr/share/polkit-1/actions && exec /usr/lib/polkit-1/polkitd --no-debug" \
                >"$DIR/polkitd.log" 2>&1 &
        pid=$!
        PIDS+=($pid)
        wait_for busctl --address="$bus" status org.freedesktop.PolicyKit1 ||
                fail "polkitd did not come up: $(cat "$DIR/polkitd.log")"
        export DBUS_SYSTEM_BUS_ADDRESS=$bus

        out=$(pkaction 2>&1 | sort | tr '\n' ' ')
        [[ $out == "$want" ]] || fail "polkitd loaded: $out; expected: $want ($(cat "$DIR/polkitd.log"))"
        for a in subscribe:yes manage:auth_admin_keep configure:auth_admin_keep simulate:auth_admin \
                write-clock-class:auth_admin_keep; do
                out=$(pkaction --action-id "org.ptpsync1.${a%%:*}" --verbose 2>&1)
                # The whole value, to the end of its line: auth_admin is not auth_admin_keep.
                for k in any inactive active; do
                        grep -qxE "  implicit $k: +${a#*:}" <<<"$out" ||
                                fail "org.ptpsync1.${a%%:*}: expected implicit $k ${a#*:}: $out"
                done
                echo "ok: polkitd loaded org.ptpsync1.${a%%:*}, ${a#*:} by default"
        done

        # What those defaults mean for an unprivileged caller (no agent, no session).
        pk_as_nobody() {
                runuser -u nobody -- env DBUS_SYSTEM_BUS_ADDRESS="$bus" sh -c \
                        "exec pkcheck --action-id $1 --process \$\$" >"$DIR/pkcheck.out" 2>&1
        }
        pk_as_nobody org.ptpsync1.subscribe || fail "nobody refused org.ptpsync1.subscribe: $(cat "$DIR/pkcheck.out")"
        echo "ok: nobody is allowed org.ptpsync1.subscribe"
        status=0
        pk_as_nobody org.ptpsync1.simulate || status=$?
        ((status != 0)) || fail "nobody was allowed org.ptpsync1.simulate"
        echo "ok: nobody is refused org.ptpsync1.simulate (pkcheck exit $status: authentication required)"
}

# Renders a man page as plain text: $1 the page, $2 the line length (man's MANWIDTH).
# Warnings go to stderr: every kind groff has (-ww; its "all" leaves out some, such
# as an undefined macro).
render_man() {
        if command -v man >/dev/null 2>&1; then
                LC_ALL=C.UTF-8 MANWIDTH=$2 man --warnings=w -l "$1"
        else
                LC_ALL=C.UTF-8 groff -man -k -Tutf8 -ww -rLL="$2"n -P-cbou "$1"
        fi
}

# Whether the page (its plain text $1, rendered wide so that no entry wraps) has an
# entry for $2: a tagged paragraph whose indented first line starts with it, alone or
# before =, ',', ' ' or '[', such as "--bus=BUS", "-h, --help" or "get ADDRESS" --
# not a mere mention in passing.
has_entry() {
        [[ $2 =~ ^[-A-Za-z0-9_]+$ ]] || fail "has_entry: \"$2\" is not an option, command or variable name"
        grep -qE -- "^ +([^ ]+, )*$2([=, []|\$)" <<<"$1"
}

test_man() {
        local page f err text opts cmds envs o missing=()
        [[ ${MAN_PAGES:-} == yes ]] || skip "the man pages are not built (scdoc not found at build time, or -Dman=disabled)"
        command -v man >/dev/null 2>&1 || need groff "groff-base"
        [[ -x ${PTPSYNCD:-} && -x ${PTPSYNCCTL:-} ]] || fail "PTPSYNCD and PTPSYNCCTL must be set (meson test does)"
        [[ -d ${MAN_BUILD_DIR:-} ]] || fail "MAN_BUILD_DIR must be set (meson test does)"

        for page in ptpsyncd.8 ptpsyncctl.1 ptpsyncd.conf.5 libptpsync.3 ptpsync-http.8 ptpsync-http.conf.5 ptp-sync.target.7 \
                    org.ptpsync1.5; do
                f=$MAN_BUILD_DIR/$page
                [[ -s $f ]] || fail "$page was not built in $MAN_BUILD_DIR"
                # At the usual 80 columns: any warning (an undefined macro or request, a
                # character groff lacks, a bad escape) is a failure.
                err=$(render_man "$f" 80 2>&1 >"$DIR/$page.txt") || fail "$page does not render: $err"
                [[ -z $err ]] || fail "$page renders with warnings: $err"
                grep -q "^NAME" "$DIR/$page.txt" && grep -q "^SEE ALSO" "$DIR/$page.txt" ||
                        fail "$page has no NAME or SEE ALSO section"
                grep -qE "^ +${page%.*} - " "$DIR/$page.txt" || fail "$page: NAME is not \"${page%.*} - ...\""
                echo "ok: $page renders without warnings ($(wc -l <"$DIR/$page.txt") lines)"
        done

        # Every option, command and environment variable the programs print in --help
        # has an entry of its own in the page (not just a mention in passing).
        check_help() { # program page
                local help
                help=$("$1" --help) || fail "$1 --help failed"
                text=$(render_man "$MAN_BUILD_DIR/$2" 1000 2>/dev/null)
                # Options: the tags that begin lines of the Options: section ("  -h --help", "     --bus=BUS").
                opts=$(sed -n '/^Options:/,/^$/p' <<<"$help" | grep -oE -- '^ +(-[a-zA-Z] +)?--[a-z0-9-]+' |
                        grep -oE -- '--?[a-zA-Z0-9-]+' | sort -u)
                # Commands: the first word of each line of the Commands: section.
                cmds=$(sed -n '/^Commands:/,/^$/p' <<<"$help" | sed -n 's/^  \([a-z][a-z-]*\)\( .*\)\?$/\1/p' | sort -u)
                envs=$(sed -n '/^Environment:/,/^$/p' <<<"$help" | sed -n 's/^  \([A-Z][A-Z_]*\) .*/\1/p')
                [[ -n $opts ]] || fail "no options found in $(basename "$1") --help"
                missing=()
                for o in $opts $cmds $envs; do
                        has_entry "$text" "$o" || missing+=("$o")
                done
                ((${#missing[@]} == 0)) || fail "$2 has no entry for ${missing[*]} of $(basename "$1") --help"
                echo "ok: $2 has an entry for each of $(basename "$1") --help's" $opts $cmds $envs
        }
        check_help "$PTPSYNCD" ptpsyncd.8
        check_help "$PTPSYNCCTL" ptpsyncctl.1
        # ptpsync-http itself once its main() parses options; until then the same
        # bridge_options_parse() in tests/ptpsync-http-options.
        if [[ -x ${PTPSYNC_HTTP:-} ]] && "$PTPSYNC_HTTP" --help 2>/dev/null | grep -q "^Usage: ptpsync-http"; then
                check_help "$PTPSYNC_HTTP" ptpsync-http.8
        else
                [[ -x ${PTPSYNC_HTTP_OPTIONS:-} ]] || fail "PTPSYNC_HTTP_OPTIONS must be set (meson test does)"
                check_help "$PTPSYNC_HTTP_OPTIONS" ptpsync-http.8
        fi

        # Every key of the default configuration file (all commented out there), and
        # every fixed group, in ptpsyncd.conf(5).
        text=$(render_man "$MAN_BUILD_DIR/ptpsyncd.conf.5" 1000 2>/dev/null)
        missing=()
        for o in $(sed -n 's/^#\([A-Z][A-Za-z]*\)=.*/\1/p' "$PTPSYNC_DATA_DIR/ptpsyncd.conf"); do
                has_entry "$text" "$o" || missing+=("$o=")
        done
        for o in $(sed -n 's/^\[\([A-Za-z]*\)\]$/\1/p' "$PTPSYNC_DATA_DIR/ptpsyncd.conf"); do
                grep -qx "\[$o\] SECTION" <<<"$text" || missing+=("[$o]")
        done
        grep -qx "\[ptp4l NAME\] SECTIONS" <<<"$text" || missing+=("[ptp4l NAME]")
        grep -qx "\[Quota user NAME\] SECTIONS" <<<"$text" || missing+=("[Quota user NAME]")
        ((${#missing[@]} == 0)) || fail "ptpsyncd.conf.5 has no entry for ${missing[*]} of data/ptpsyncd.conf"
        echo "ok: ptpsyncd.conf.5 has an entry for each key and group of data/ptpsyncd.conf"

        # The same for the bridge's: every key (in [0-9] too: V2=), every group. Not in
        # the EXAMPLE, whose indented "Retry=20" would pass for an entry.
        text=$(render_man "$MAN_BUILD_DIR/ptpsync-http.conf.5" 1000 2>/dev/null | sed '/^EXAMPLE/,$d')
        missing=()
        for o in $(sed -n 's/^#\([A-Z][A-Za-z0-9]*\)=.*/\1/p' "$PTPSYNC_DATA_DIR/ptpsync-http.conf"); do
                has_entry "$text" "$o" || missing+=("$o=")
        done
        for o in $(sed -n 's/^\[\([A-Za-z]*\)\]$/\1/p' "$PTPSYNC_DATA_DIR/ptpsync-http.conf"); do
                grep -qx "\[$o\] SECTION" <<<"$text" || missing+=("[$o]")
        done
        ((${#missing[@]} == 0)) || fail "ptpsync-http.conf.5 has no entry for ${missing[*]} of data/ptpsync-http.conf"
        echo "ok: ptpsync-http.conf.5 has an entry for each key and group of data/ptpsync-http.conf"
}

# NAME NODE lines of the version script's global: lists (comments and local: * left out).
sym_file_entries() {
        sed 's|/\*.*\*/||g' "$1" | awk '
                /\/\*/ { comment = 1 } comment { if (/\*\//) comment = 0; next }
                /^[A-Za-z0-9_.]+ *\{/ { node = $1; global = 0; next }
                /^ *global:/ { global = 1; next }
                /^ *local:/ { global = 0; next }
                global && /^ *[A-Za-z_][A-Za-z0-9_]* *;/ { sub(/;.*/, ""); print $1, node }'
}

test_symbols() {
        [[ -f ${LIBPTPSYNC:-} && -d ${LIBPTPSYNC_OBJDIR:-} && -f ${LIBPTPSYNC_SYM:-} ]] ||
                fail "LIBPTPSYNC, LIBPTPSYNC_OBJDIR and LIBPTPSYNC_SYM must be set (meson test does)"
        need nm binutils
        need readelf binutils
        local listed exported public dups
        listed=$(sym_file_entries "$LIBPTPSYNC_SYM" | sort)
        # nm -D prints NAME@@NODE for a default version; the nodes themselves are type A.
        exported=$(nm -D --defined-only "$LIBPTPSYNC" | awk '$2 != "A" { split($3, v, "@@"); print v[1], v[2] }' | sort)
        # -fvisibility=hidden: only _public_ functions keep default visibility in the objects.
        public=$(readelf -sW "$LIBPTPSYNC_OBJDIR"/*.o |
                awk '$5 == "GLOBAL" && $6 == "DEFAULT" && $7 != "UND" { print $8 }' | sort -u)
        [[ -n $listed && -n $exported && -n $public ]] || fail "nothing found: listed, exported or public is empty"
        dups=$(cut -d' ' -f1 <<<"$listed" | uniq -d)
        [[ -z $dups ]] || fail "named more than once in $LIBPTPSYNC_SYM: $dups"
        [[ $listed == "$exported" ]] || fail "$LIBPTPSYNC_SYM (<) and the exports of $LIBPTPSYNC (>) differ:
$(diff <(echo "$listed") <(echo "$exported") || true)"
        dups=$(comm -23 <(echo "$public") <(cut -d' ' -f1 <<<"$listed"))
        [[ -z $dups ]] || fail "_public_ but not in $LIBPTPSYNC_SYM (so not exported): $dups"
        echo "ok: $(wc -l <<<"$listed") symbols, as listed, in their nodes"
}

case ${1:-} in
units) test_units ;;
bus-policy) test_bus_policy ;;
polkit) test_polkit ;;
man) test_man ;;
staged-example) test_staged_example ;;
symbols) test_symbols ;;
*) echo "usage: $0 units|bus-policy|polkit|man|staged-example|symbols" >&2; exit 2 ;;
esac
