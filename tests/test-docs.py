#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The D-Bus API reference against the contract, and the docs against the repository:
#
#  - org.ptpsync1(5) (man/org.ptpsync1.5.scd) lists every interface of introspection/*.xml, and
#    each method, signal and property with its signature, in the blocks that open its sections,
#    as org.freedesktop.timedate1(5) does; nothing more, nothing less. Each member is also
#    described in the text (not only listed), and every error name of common/bus-names.h and
#    every polkit action of polkit/*.policy has its place in the page (and the actions in
#    ptpsyncd(8) too).
#  - No installed doc, man page, header or XML points outside the repository (DESIGN.md and the
#    other design notes, ../shared) or describes a [Delivery] group for the daemon, which
#    refuses it: [Delivery] is ptpsync-http.conf's alone, and named only where that file is.
#  - Every ptpsync_* name in client-lib/README.md, README.md and libptpsync(3) is declared in
#    the library's headers, and client-lib/README.md names every function of ptpsync.h.
#  - libptpsync(3)'s EXAMPLE shows client-lib/examples/ptpsync-subscribe.c as it is, in full, and
#    its ADDRESSES section names every function of ptpsync.h that takes a resource address; it
#    and ptpsync.h list the states wait_for_state() knows (client-lib/wait.c), no more, no less.
#  - ptpsyncd(8) says what each method needs of polkit, and its SIGHUP entry and RELOADING
#    what a reload leaves until a restart (the settings daemon/reload.c keeps).
#  - The ranges and defaults of the subscription options (org.ptpsync1(5), libptpsync(3)) and
#    of the ranged keys of ptpsyncd.conf(5) are those of the code that checks them.
#  - README.md's by-hand example starts its own bus and keeps the store in a mktemp -d
#    directory, and works as written: run (as root, PTPSYNC_BUILD_ROOT set) and its output read.
#
# test-docs.py --api prints each interface's block, as the page has it, from the XML.
#
# Meson passes the source root in PTPSYNC_SOURCE_ROOT and the build root in PTPSYNC_BUILD_ROOT.
# Exit 0 pass, 1 fail.
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = os.environ.get('PTPSYNC_SOURCE_ROOT') or os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
PAGE = os.path.join(ROOT, 'man', 'org.ptpsync1.5.scd')
failures = []


def fail(message):
    failures.append(message)
    print('FAIL: ' + message, file=sys.stderr)


def ok(message, since):
    """Says message if nothing failed since len(failures) was since."""
    if len(failures) == since:
        print('ok: ' + message)


def xml_members():
    """{interface: {(kind, name): signature}} of introspection/*.xml."""
    result = {}
    for path in sorted(glob.glob(os.path.join(ROOT, 'introspection', '*.xml'))):
        for iface in ET.parse(path).getroot().iter('interface'):
            members = result.setdefault(iface.get('name'), {})
            for m in iface.findall('method'):
                members[('method', m.get('name'))] = ', '.join(
                    '%s %s %s' % (a.get('direction', 'in'), a.get('type'), a.get('name')) for a in m.findall('arg'))
            for s in iface.findall('signal'):
                members[('signal', s.get('name'))] = ', '.join(
                    '%s %s' % (a.get('type'), a.get('name')) for a in s.findall('arg'))
            for p in iface.findall('property'):
                access = {'read': 'readonly', 'write': 'writeonly', 'readwrite': 'readwrite'}[p.get('access')]
                members[('property', p.get('name'))] = '%s %s' % (access, p.get('type'))
    return result


def page_members(text):
    """The same, from the page's code blocks: interface NAME { methods: / signals: / properties: }."""
    result = {}
    blocks = re.findall(r'^```\n(.*?)^```$', text, re.S | re.M)
    for block in blocks:
        iface = section = None
        pending = ''
        for line in block.splitlines():
            line = line.strip()
            if pending:  # a method or signal continues until ");"
                pending += ' ' + line
                if not pending.endswith(');'):
                    continue
                line, pending = pending, ''
            m = re.fullmatch(r'interface ([\w.]+) \{( \.\.\. \};)?', line)
            if m:
                iface = m.group(1) if not m.group(2) else None
                if iface:
                    if iface in result:
                        fail('org.ptpsync1.5 lists interface %s twice' % iface)
                    result[iface] = {}
                continue
            if iface is None:
                continue
            if line == '};':
                iface = None
            elif line in ('methods:', 'signals:', 'properties:'):
                section = line[:-2] if line != 'properties:' else 'property'
            elif line.startswith('@'):
                continue  # an annotation
            elif section in ('method', 'signal'):
                if not line.endswith(');'):
                    pending = line
                    continue
                m = re.fullmatch(r'(\w+)\((.*)\);', line)
                if not m:
                    fail('org.ptpsync1.5: cannot read %s line "%s" of %s' % (section, line, iface))
                    continue
                args = ', '.join(' '.join(a.split()) for a in m.group(2).split(',') if a.strip())
                result[iface][(section, m.group(1))] = args
            elif section == 'property':
                m = re.fullmatch(r'(readonly|readwrite|writeonly) (\S+) (\w+) = .*;', line)
                if not m:
                    fail('org.ptpsync1.5: cannot read property line "%s" of %s' % (line, iface))
                    continue
                result[iface][('property', m.group(3))] = '%s %s' % (m.group(1), m.group(2))
    return result


def check_api(text):
    since = len(failures)
    want, have = xml_members(), page_members(text)
    for iface in sorted(set(want) | set(have)):
        if iface not in have:
            fail('org.ptpsync1.5 does not list interface %s of introspection/' % iface)
            continue
        if iface not in want:
            fail('org.ptpsync1.5 lists interface %s, which introspection/ does not have' % iface)
            continue
        for key in sorted(set(want[iface]) | set(have[iface])):
            kind, name = key
            if key not in have[iface]:
                fail('org.ptpsync1.5 does not list the %s %s.%s' % (kind, iface, name))
            elif key not in want[iface]:
                fail('org.ptpsync1.5 lists a %s %s.%s that introspection/ does not have' % (kind, iface, name))
            elif want[iface][key] != have[iface][key]:
                fail('org.ptpsync1.5: %s %s.%s is "%s" there, "%s" in introspection/' %
                     (kind, iface, name, have[iface][key], want[iface][key]))
    n = sum(len(m) for m in want.values())
    ok('org.ptpsync1.5 lists the %d interfaces of introspection/ and their %d members, signatures alike' %
       (len(want), n), since)
    since = len(failures)

    # Described, not only listed: each member in bold in the text ("*Subscribe()*", "*SyncState*").
    prose = re.sub(r'^```\n.*?^```$', '', text, flags=re.S | re.M)
    for iface, members in want.items():
        for kind, name in members:
            pattern = r'\*%s\(\)\*' % name if kind == 'method' else r'\*%s\*' % name
            if not re.search(pattern, prose):
                fail('org.ptpsync1.5 does not describe the %s %s.%s (no %s in its text)' %
                     (kind, iface, name, pattern.replace('\\', '')))
    ok('org.ptpsync1.5 describes each member in its text', since)


def check_errors_and_actions(text):
    since = len(failures)
    names = re.findall(r'"(org\.ptpsync1\.Error\.\w+)"', open(os.path.join(ROOT, 'common', 'bus-names.h')).read())
    if not names:
        fail('no error names found in common/bus-names.h')
    errors = text[text.find('# ERRORS'):]
    for name in names:
        if not re.search(r'^\*%s\*$' % re.escape(name), errors, re.M):
            fail('org.ptpsync1.5 has no entry for the error %s under ERRORS' % name)
    ok('org.ptpsync1.5 has an entry for each of the %d error names' % len(names), since)
    since = len(failures)

    daemon_page = open(os.path.join(ROOT, 'man', 'ptpsyncd.8.scd')).read()
    actions = []
    for policy in glob.glob(os.path.join(ROOT, 'polkit', '*.policy')):
        actions += re.findall(r'<action id="([^"]+)"', open(policy).read())
    if not actions:
        fail('no polkit actions found in polkit/')
    for a in actions:
        for page, t in (('org.ptpsync1.5', text), ('ptpsyncd.8', daemon_page)):
            if not re.search(r'^\*%s\*' % re.escape(a), t, re.M):
                fail('%s has no entry for the polkit action %s' % (page, a))
    ok('org.ptpsync1.5 and ptpsyncd.8 have an entry for each polkit action: ' + ' '.join(sorted(actions)), since)


# What is installed or read as documentation, by path relative to the source root.
def documents():
    files = set()
    for pattern in ('README.md', '*/README.md', 'docs/*.md', 'man/*.scd', 'introspection/*.xml',
                    'client-lib/*.h', 'client-lib/examples/*', 'data/*', 'polkit/*'):
        files.update(glob.glob(os.path.join(ROOT, pattern)))
    return sorted(f for f in files if os.path.isfile(f))


OUTSIDE = re.compile(r'DESIGN\.md|SDBUS-NOTES\.md|STYLE\.md|LINUXPTP\.md|ORAN-API\.md|\.\./shared|/work/shared|§')


def check_references():
    since = len(failures)
    files = documents()
    for path in files:
        rel = os.path.relpath(path, ROOT)
        bridge = os.path.basename(path).startswith('ptpsync-http')
        for n, line in enumerate(open(path, encoding='utf-8', errors='replace'), 1):
            m = OUTSIDE.search(line)
            if m:
                fail('%s:%d refers to %s, which is not in the repository: %s' % (rel, n, m.group(0), line.strip()))
            # The daemon has no [Delivery] group (config.c refuses it); the bridge's file has one.
            if '[Delivery]' in line and not bridge and 'ptpsync-http' not in line:
                fail('%s:%d names a [Delivery] group outside ptpsync-http.conf: %s' % (rel, n, line.strip()))
    ok('none of the %d documents refers outside the repository or to a [Delivery] group of the daemon' % len(files), since)


def check_library_names():
    """Every ptpsync_* name the library's docs use is one of its headers' (none stale)."""
    since = len(failures)
    declared = set()
    for h in ('ptpsync.h', 'ptpsync-glib.h'):
        declared.update(re.findall(r'\bptpsync_\w+', open(os.path.join(ROOT, 'client-lib', h)).read()))
    for rel in ('client-lib/README.md', 'README.md', 'man/libptpsync.3.scd'):
        lines = open(os.path.join(ROOT, rel), encoding='utf-8').read().split('\n')
        if rel == 'README.md':  # its libptpsync section: elsewhere ptpsync_* are metrics
            start = lines.index('## libptpsync')
            end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith('## ')), len(lines))
            lines = [''] * start + lines[start:end]
        for n, line in enumerate(lines, 1):
            for name in re.findall(r'\bptpsync_\w*[a-z0-9]\b', line):
                if name not in declared:
                    fail('%s:%d names %s, which client-lib/ptpsync.h does not declare' % (rel, n, name))
    ok('the ptpsync_* names of client-lib/README.md, README.md (libptpsync) and libptpsync.3 are all declared', since)

    # And client-lib/README.md's map covers every function: in full, or in a line that names one
    # in full as "_tail" (`ptpsync_client_new`, `_free`), or "_async" after one so named.
    since = len(failures)
    header = open(os.path.join(ROOT, 'client-lib', 'ptpsync.h')).read()
    functions = set(re.findall(r'^[A-Za-z][\w \*]*?\b(ptpsync_\w+)\(', header, re.M))
    covered = set()
    for line in open(os.path.join(ROOT, 'client-lib', 'README.md'), encoding='utf-8'):
        full = set(re.findall(r'\bptpsync_\w*[a-z0-9]\b', line))
        names = set(full)
        for tail in re.findall(r'`(_\w+)`', line):
            names.update(f[:i] + tail for f in full for i in range(len(f)) if f[i] == '_')
        names.update(n + '_async' for n in list(names) if '`_async`' in line)
        covered |= names
    for f in sorted(functions - covered):
        fail('client-lib/README.md does not name %s of ptpsync.h' % f)
    ok('client-lib/README.md names each of the %d functions of ptpsync.h' % len(functions), since)


def check_library_page():
    """libptpsync(3): its EXAMPLE is the example program, character for character; ADDRESSES is complete."""
    since = len(failures)
    rel = 'client-lib/examples/ptpsync-subscribe.c'
    program = open(os.path.join(ROOT, rel), encoding='utf-8').read()
    page = open(os.path.join(ROOT, 'man', 'libptpsync.3.scd'), encoding='utf-8').read()
    block = re.search(r'^```\n(.*?)^```$', section(page, 'EXAMPLE'), re.M | re.S)
    # scdoc takes a backslash in a literal block as an escape: the page doubles each one.
    shown = block.group(1).replace('\\\\', '\\') if block else ''
    if shown != program:
        lines = [n for n, (a, b) in enumerate(zip(shown.split('\n'), program.split('\n')), 1) if a != b]
        fail('libptpsync.3: the EXAMPLE is not %s as it is (%s)' % (
            rel, 'no code block' if not block else 'line %d differs' % lines[0] if lines else 'lengths differ'))
    ok('libptpsync.3\'s EXAMPLE is %s, in full' % rel, since)

    # Each function with a "const char *address" argument takes relative addresses: the page says so.
    since = len(failures)
    header = open(os.path.join(ROOT, 'client-lib', 'ptpsync.h')).read()
    takers = sorted(set(re.findall(r'\b(ptpsync_\w+)\(PtpsyncClient \*c, const char \*address\b', header)))
    addresses = section(page, 'ADDRESSES')
    if not takers:
        fail('no function of ptpsync.h takes "const char *address"')
    for f in takers:
        if '*%s*()' % f not in addresses:
            fail('libptpsync.3: ADDRESSES does not name %s(), which takes an address' % f)
    ok('libptpsync.3\'s ADDRESSES names the %d functions that take an address: %s' % (len(takers), ' '.join(takers)), since)

    # The states ptpsync_client_wait_for_state() accepts, as wait.c has them.
    since = len(failures)
    wait_c = open(os.path.join(ROOT, 'client-lib', 'wait.c')).read()
    table = re.search(r'state_names\[\] = \{(.*?)\};', wait_c, re.S)
    states = re.findall(r'"([A-Z-]+)"', table.group(1)) if table else []
    if not states:
        fail('no state_names[] found in client-lib/wait.c')
    waiting = section(page, 'WAITING FOR A STATE')
    paragraph = next((p for p in waiting.split('\n\n') if '*LOCKED*' in p and 'leading' in p), '')
    # Up to the examples of what is refused ("Anything else (*locked*, *LOCKD*, ...)").
    shown = re.findall(r'\*([A-Z][A-Z-]+)\*', paragraph.split('Anything else')[0])
    if sorted(shown) != sorted(states):
        fail('libptpsync.3: WAITING FOR A STATE lists the states %s; client-lib/wait.c knows %s' % (
            ' '.join(shown), ' '.join(states)))
    comment = re.search(r'/\*((?:(?!\*/).)*?)\*/\s*int ptpsync_client_wait_for_state\(', header, re.S)
    missing = [st for st in states if not comment or not re.search(r'\b%s\b' % re.escape(st), comment.group(1))]
    if missing:
        fail('ptpsync.h: ptpsync_client_wait_for_state()\'s comment does not list %s' % ' '.join(missing))
    ok('libptpsync.3 and ptpsync.h list the %d states of client-lib/wait.c and a clock class' % len(states), since)


def section(text, title):
    """The text of the scdoc section "# title", up to the next one."""
    start = text.find('\n# %s\n' % title)
    if start < 0:
        return ''
    end = text.find('\n# ', start + 1)
    return text[start:end if end > 0 else len(text)]


def check_daemon_page():
    """ptpsyncd(8): what each call needs of polkit, and what SIGHUP does and does not change."""
    since = len(failures)
    page = open(os.path.join(ROOT, 'man', 'ptpsyncd.8.scd'), encoding='utf-8').read()
    auth = section(page, 'AUTHORIZATION')
    for iface, members in xml_members().items():
        for kind, name in members:
            if kind == 'method' and not re.search(r'\*(%s\.)?%s\*' % (iface.split('.')[-1], name), auth):
                fail('ptpsyncd.8: AUTHORIZATION does not say what %s.%s needs' % (iface, name))
    if not re.search(r'\*SIGHUP\*', auth):
        fail('ptpsyncd.8: AUTHORIZATION does not say what SIGHUP needs')
    ok('ptpsyncd.8 says what each method (and SIGHUP) needs of polkit', since)

    # The settings daemon/reload.c keeps until a restart, by the notice it logs for each.
    since = len(failures)
    reload_c = open(os.path.join(ROOT, 'daemon', 'reload.c')).read()
    restart_only = set(re.findall(r'keep_until_restart\("(\w+)"', reload_c))
    restart_only |= set(re.findall(r'"(\w+)=%s in the configuration takes effect at the next restart', reload_c))
    if not restart_only:
        fail('no restart-only settings found in daemon/reload.c')
    signals = section(page, 'SIGNALS')
    sighup = re.search(r'^\*SIGHUP\*\n((?:\t.*\n)+)', signals, re.M)
    if not sighup:
        fail('ptpsyncd.8: SIGNALS has no *SIGHUP* entry')
    for key in sorted(restart_only):
        for where, t in (('RELOADING', section(page, 'RELOADING')), ('the SIGHUP entry', sighup.group(1) if sighup else '')):
            if '*%s=*' % key not in t:
                fail('ptpsyncd.8: %s does not say that %s= waits for a restart' % (where, key))
    ok('ptpsyncd.8 says what SIGHUP leaves until a restart: ' + ' '.join(sorted(restart_only)), since)


def check_readme_by_hand():
    """README.md's by-hand example, run as written (with build/ the build directory)."""
    since = len(failures)
    build = os.environ.get('PTPSYNC_BUILD_ROOT')
    text = open(os.path.join(ROOT, 'README.md'), encoding='utf-8').read()
    m = re.search(r'^On a private bus, from a shell in the source tree.*?^```sh\n(.*?)^```$', text, re.S | re.M)
    if not m:
        fail('README.md has no by-hand example ("On a private bus, from a shell in the source tree")')
        return
    script = m.group(1)
    for word in ('mktemp -d', '--state-dir="$D/state"', 'dbus-daemon --config-file="$D/bus.conf"', 'rm -rf "$D"'):
        if word not in script:
            fail('README.md: the by-hand example does not say %s' % word)
    if not build:
        print('note: PTPSYNC_BUILD_ROOT is not set: the by-hand example is not run')
        return
    if os.geteuid() != 0:
        print('note: not root: the by-hand example (Inject without polkitd is root\'s) is not run')
        return
    if not shutil.which('dbus-daemon') or not shutil.which('busctl'):
        print('note: no dbus-daemon or busctl: the by-hand example is not run')
        return
    script = re.sub(r'(?<![\w/.])build/', build.rstrip('/') + '/', script)
    # A session of its own: whatever it leaves running is killed with its process group.
    p = subprocess.Popen(['bash', '-c', script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        out = ''
        fail('README.md: the by-hand example did not finish within 60 s')
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
    for want in ('"ens1fx/master" "notification" "enumeration" "LOCKED"', 'Node: du1'):
        if want not in out:
            fail('README.md: the by-hand example did not print %s:\n%s' % (want, out))
    for line in out.splitlines():
        if 'Failed to set fd limit' in line:  # dbus-daemon without CAP_SYS_RESOURCE: harmless
            continue
        if re.search(r'Failed|No such|not connect|rror', line):
            fail('README.md: the by-hand example: %s' % line)
    ok('README.md\'s by-hand example runs as written: a private bus and store in a mktemp -d directory', since)


def c_defines(*rels):
    """The integer #defines of C headers, their values computed (UINT64_C(3600) * 1000000 and the like)."""
    raw = {}
    for rel in rels:
        for name, expr in re.findall(r'^#define (\w+) +(.+?)\s*(?:/\*.*)?$', open(os.path.join(ROOT, rel)).read(), re.M):
            raw[name] = expr
    values = {}

    def value(name, depth=0):
        if name in values or depth > 10:
            return values.get(name)
        expr = re.sub(r'U?INT\d+_C\(([^)]*)\)', r'(\1)', raw[name])
        expr = re.sub(r'\b([A-Z_][A-Z0-9_]*)\b', lambda m: str(value(m.group(1), depth + 1)) if m.group(1) in raw else m.group(1), expr)
        if re.fullmatch(r'[-+*/() 0-9]+', expr):
            values[name] = int(eval(expr))  # digits and operators only
        return values.get(name)

    for name in raw:
        value(name)
    return values


def check_ranges():
    """The ranges and defaults of the man pages are the code's: subscription options and ptpsyncd.conf keys."""
    since = len(failures)
    defines = c_defines('daemon/model/subscription-options.h', 'daemon/config/config.h', 'daemon/model/gnss-state.h')
    defines.update(UINT8_MAX=255, UINT16_MAX=65535, INT32_MAX=2147483647, UINT32_MAX=4294967295)
    num = lambda x: int(x) if re.fullmatch(r'-?\d+', x) else defines[x]

    # Subscription options: the ranges of subscription_options_check_number(), the defaults of
    # subscription_options_init(); in org.ptpsync1(5) and libptpsync(3).
    code = open(os.path.join(ROOT, 'daemon', 'model', 'subscription-options.c')).read()
    ranges = {k: (num(lo), num(hi)) for k, lo, hi in
              re.findall(r'case SUBSCRIPTION_OPTION_(\w+):\s*min = (\w+), max = (\w+);', code)}
    init = dict(re.findall(r'^\s*\.(\w+) = (\d+),$', code[code.find('subscription_options_init'):], re.M))
    if len(ranges) < 4 or not init:
        fail('no option ranges or defaults found in daemon/model/subscription-options.c')
    page = open(PAGE, encoding='utf-8').read() if os.path.isfile(PAGE) else ''
    # Every option the daemon knows has its entry in org.ptpsync1(5), with the type it takes.
    types = dict(re.findall(r'\[SUBSCRIPTION_OPTION_(\w+)\] = "(\w+)"', code))
    for key, name in types.items():
        if not re.search(r'^\*%s\* \(' % name, page, re.M):
            fail('org.ptpsync1.5 has no entry for the Subscribe option %s' % name)
    if len(types) < 10:
        fail('no option names found in daemon/model/subscription-options.c')
    lib = open(os.path.join(ROOT, 'man', 'libptpsync.3.scd'), encoding='utf-8').read()
    for key, (lo, hi) in sorted(ranges.items()):
        snake = key.lower()
        camel = ''.join(w.capitalize() for w in snake.split('_'))
        want = '%d to %d' % (lo, hi)
        default = init.get(snake)
        m = re.search(r'^\*%s\* \([^)]*\)\n(\t.*\n)+' % camel, page, re.M)
        entry = ' '.join(m.group(0).split()) if m else ''
        if want not in entry or (default and 'default %s)' % default not in entry):
            fail('org.ptpsync1.5: the entry of %s does not say %s, default %s: "%s"' % (camel, want, default, entry))
        m = re.search(r'\*ptpsync_subscribe_options_set_%s\*\(\) \(([^)]*)\)' % snake, ' '.join(lib.split()))
        if not m or want not in m.group(1) or (default and default not in m.group(1)):
            fail('libptpsync.3: ptpsync_subscribe_options_set_%s() does not say %s, default %s' % (snake, want, default))

    # ptpsyncd.conf: each key's parser's range, and its default from config_init().
    conf = open(os.path.join(ROOT, 'daemon', 'config', 'config.c')).read()
    conf_page = open(os.path.join(ROOT, 'man', 'ptpsyncd.conf.5.scd'), encoding='utf-8').read()
    init = dict(re.findall(r'^\s*\.(\w+) = (\w+),$', conf, re.M))
    n = 0
    for key, parser in sorted(set(re.findall(r'\{ *(?:"\w+"|\w+), *"(\w+)", *(parse_\w+) *\}', conf))):
        body = re.search(r'static bool %s\(.*?\n\}' % parser, conf, re.S)
        m = body and re.search(r'parse_(?:unsigned|int64_in_range)\(group, key, value, (-?\w+), (\w+),\s*&(?:\w+->)?([\w.]+)',
                               body.group(0))
        if not m:
            continue
        lo = -num(m.group(1)[1:]) if m.group(1).startswith('-') else num(m.group(1))
        hi, field = num(m.group(2)), m.group(3).split('.')[-1]
        default = num(init[field]) if field in init and (init[field].isdigit() or init[field] in defines) else None
        entry = re.search(r'^(\*\w+=\*, )*\*%s=\*(, \*\w+=\*)*\n((\t.*\n)+)' % key, conf_page, re.M)
        text = ' '.join(entry.group(3).split()) if entry else ''
        if '%d to %d' % (lo, hi) not in text:
            fail('ptpsyncd.conf.5: %s= does not say %d to %d: "%s"' % (key, lo, hi, text))
        if default is not None and 'Default: *%d*' % default not in text:
            fail('ptpsyncd.conf.5: %s= does not say Default: *%d*: "%s"' % (key, default, text))
        n += 1
    if n < 6:
        fail('only %d ranged keys found in daemon/config/config.c' % n)
    ok('each of the %d Subscribe options has its entry; the ranges and defaults of %d of them and of %d '
       'configuration keys are the code\'s' % (len(types), len(ranges), n), since)


def print_api():
    """The page's block of each interface, from introspection/*.xml: to paste into org.ptpsync1.5.scd."""
    changed = {'true'}  # the default of EmitsChangedSignal: not written, as in timedate1(5)
    for path in sorted(glob.glob(os.path.join(ROOT, 'introspection', '*.xml'))):
        for iface in ET.parse(path).getroot().iter('interface'):
            out = ['interface %s {' % iface.get('name')]
            for kind, tag in (('methods', 'method'), ('signals', 'signal')):
                members = iface.findall(tag)
                if members:
                    out.append('  %s:' % kind)
                for m in members:
                    head = '    %s(' % m.get('name')
                    args = [('%s %s %s' % (a.get('direction', 'in').ljust(3), a.get('type'), a.get('name'))
                             if tag == 'method' else '%s %s' % (a.get('type'), a.get('name')))
                            for a in m.findall('arg')]
                    out.append(head + (',\n' + ' ' * len(head)).join(args) + ');')
            props = iface.findall('property')
            if props:
                out.append('  properties:')
            for p in props:
                for a in p.findall('annotation'):
                    if not (a.get('name') == 'org.freedesktop.DBus.Property.EmitsChangedSignal' and
                            a.get('value') in changed):
                        out.append('    @%s("%s")' % (a.get('name'), a.get('value')))
                access = {'read': 'readonly', 'write': 'writeonly', 'readwrite': 'readwrite'}[p.get('access')]
                out.append('    %s %s %s = ...;' % (access, p.get('type'), p.get('name')))
            out.append('};')
            print('\n'.join(out) + '\n')


def main():
    if not os.path.isfile(PAGE):
        fail('%s does not exist' % os.path.relpath(PAGE, ROOT))
    else:
        text = open(PAGE, encoding='utf-8').read()
        check_api(text)
        check_errors_and_actions(text)
    check_references()
    check_library_names()
    check_library_page()
    check_daemon_page()
    check_readme_by_hand()
    check_ranges()
    return 1 if failures else 0


if __name__ == '__main__':
    if sys.argv[1:] == ['--api']:
        sys.exit(print_api())
    sys.exit(main())
