'use strict';
// Packaging (issue 9): the man page renders and documents every command,
// flag and variable; the systemd unit verifies and keeps its sandbox; the
// README's operator section points to all of it.
// Issue 18: the unit is Type=notify and `numberd serve` tells a real notify
// socket READY=1 once it answers and STOPPING=1 at SIGTERM; the sysusers
// file makes the user; /etc/default/numberd (packaging/numberd.default)
// describes every variable of `serve --help`; the LICENSE is Apache-2.0 and
// the README, the OpenAPI document and debian/copyright say so; the Debian
// package's version is the binary's.  (The package itself is built,
// installed into a clean Debian 12 root and run by scripts/deb-test.sh.)

const { test, describe } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { BIN, PG, start } = require('./lib/server');
const { sqliteLock } = require('./lib/faults');

const ROOT = path.resolve(__dirname, '../..');
const MAN = path.join(ROOT, 'docs/numberd.1');
const UNIT = path.join(ROOT, 'packaging/numberd.service');

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function help(...args) {
  const r = spawnSync(BIN, [...args, '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const serveFlags = [...help('serve').matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]);
const serveVars = [...new Set(help('serve').match(/NUMBERD_[A-Z_]+/g))];

describe('the man page', () => {
  const roff = fs.readFileSync(MAN, 'utf8');
  // roff writes "-" in option names as "\-"
  const text = roff.replace(/\\-/g, '-');

  test('man renders it without warnings', { skip: !has('man') && 'man is not installed' }, () => {
    const r = spawnSync('man', ['-l', '--warnings', MAN], {
      encoding: 'utf8', env: { ...process.env, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /NAME\s+numberd - self-hosted phone-number and carrier manager/);
  });

  test('every serve flag and environment variable is documented', () => {
    assert.ok(serveFlags.length >= 12);
    for (const f of serveFlags) assert.ok(text.includes(`--${f}`), `--${f} is not in the man page`);
    for (const v of [...serveVars, 'NUMBERD_ADMIN_TOKEN', 'NUMBERD_SECRET_KEY', 'NUMBERD_METRICS_TOKEN']) {
      assert.ok(text.includes(v), `${v} is not in the man page`);
    }
  });

  test('every command and subcommand is documented, with its options', () => {
    const cmds = {
      account: ['create', 'list', 'suspend', 'resume', 'close', 'rotate-token'],
      apikey: ['create', 'list', 'revoke'],
      inventory: ['import', 'export', 'generate', 'stats'],
      compliance: ['create'],
      number: ['approve', 'set-status'],
    };
    assert.match(text, /^\.B serve$/m);
    assert.match(text, /^\.B migrate$/m);
    for (const [cmd, subs] of Object.entries(cmds)) {
      for (const sub of subs) assert.ok(text.includes(`${cmd} ${sub}`), `${cmd} ${sub}`);
      // every long option its --help names
      for (const m of help(cmd).matchAll(/--([a-z][a-z-]+)/g)) {
        assert.ok(text.includes(`--${m[1]}`), `${cmd}: --${m[1]} is not in the man page`);
      }
    }
    for (const s of ['EXIT STATUS', 'ENVIRONMENT', 'FILES', 'SIGNALS', 'LOGGING']) {
      assert.match(text, new RegExp(`^\\.SH ${s}$`, 'm'));
    }
    // the main --help lists the same commands
    for (const c of ['serve', 'account', 'apikey', 'inventory', 'compliance', 'number', 'migrate']) {
      assert.match(help(), new RegExp(`^ {2}${c}\\b`, 'm'));
    }
  });

  test('its version is the binary\'s', () => {
    const v = spawnSync(BIN, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const th = /^\.TH NUMBERD 1 "[^"]*" "([^"]+)"/m.exec(roff);
    assert.ok(th);
    assert.equal(th[1], v);
  });
});

// Found by a helper's review (session 37): SECURITY.md told operators to
// turn core dumps off, but neither the unit nor numberd did: a crash wrote
// the server key and SIP passwords to disk.
test('serve runs with core dumps off (RLIMIT_CORE 0), unless NUMBERD_CORE_DUMPS=1', async () => {
  const limit = (pid) => /^Max core file size\s+(\S+)\s+(\S+)/m.exec(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'));
  let srv = await start();
  try {
    const m = limit(srv.child.pid);
    assert.deepEqual([m[1], m[2]], ['0', '0']);
  } finally { await srv.stop(); }
  srv = await start({ env: { NUMBERD_CORE_DUMPS: '1' } });
  try {
    assert.equal(limit(srv.child.pid)[1], limit(process.pid)[1], 'kept as inherited');
  } finally { await srv.stop(); }
  assert.match(fs.readFileSync(UNIT, 'utf8'), /^LimitCORE=0$/m);
});

describe('the systemd unit', () => {
  const unit = fs.readFileSync(UNIT, 'utf8');
  const directives = {};
  for (const line of unit.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) (directives[m[1]] ||= []).push(m[2]);
  }
  const one = (k) => (directives[k] || []).join(' ');

  test('runs numberd serve as the numberd user with a state directory', () => {
    // readiness: numberd sends READY=1 over $NOTIFY_SOCKET (tested below)
    assert.equal(one('Type'), 'notify');
    assert.equal(one('NotifyAccess'), 'main');
    assert.equal(one('User'), 'numberd');
    assert.equal(one('StateDirectory'), 'numberd');
    assert.match(one('ExecStart'), /^\/usr\/local\/bin\/numberd serve$/);
    assert.match(one('ExecReload'), /kill -HUP \$MAINPID/);
    assert.match(one('Environment'), /NUMBERD_DB=\/var\/lib\/numberd\/numberd\.db/);
    assert.match(one('EnvironmentFile'), /^-\/etc\/default\/numberd$/);
    assert.match(one('ReadWritePaths'), /\/var\/lib\/numberd/);
  });

  test('keeps its sandbox', () => {
    const want = {
      NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes',
      PrivateDevices: 'yes', ProtectKernelTunables: 'yes', ProtectKernelModules: 'yes',
      ProtectKernelLogs: 'yes', ProtectControlGroups: 'yes', MemoryDenyWriteExecute: 'yes',
      LockPersonality: 'yes', RestrictNamespaces: 'yes',
      RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX', CapabilityBoundingSet: '',
    };
    for (const [k, v] of Object.entries(want)) assert.equal(one(k), v, k);
    assert.ok(directives.SystemCallFilter.includes('@system-service'));
    // stopping waits longer than numberd's own drain (10 s by default)
    assert.ok(Number(one('TimeoutStopSec')) > 10);
  });

  test('systemd-analyze verify accepts it', { skip: !has('systemd-analyze') && 'no systemd-analyze' }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-unit-'));
    try {
      // verify checks that ExecStart exists: point it at the built binary
      fs.writeFileSync(path.join(dir, 'numberd.service'),
        unit.replace('ExecStart=/usr/local/bin/numberd', `ExecStart=${BIN}`));
      const r = spawnSync('systemd-analyze', ['verify', '--man=no', path.join(dir, 'numberd.service')],
        { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr.trim(), '');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('the README\'s operator section points to all of it', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('## Operating numberd');
  assert.ok(at >= 0, 'no "## Operating numberd" section');
  const next = readme.indexOf('\n## ', at + 1);
  const section = readme.slice(at, next < 0 ? undefined : next);
  for (const s of ['/healthz', '/readyz', '/metrics', 'X-Request-Id', '--log-file', 'SIGHUP', 'SIGTERM',
    'packaging/numberd.service', 'docs/numberd.1', 'make install', 'PREFIX', 'DESTDIR',
    'inventory export', '--metrics-token-file', '--shutdown-timeout']) {
    assert.ok(section.includes(s), `the operator section does not mention ${s}`);
  }
});

// A notify socket as systemd's: an AF_UNIX datagram socket bound to a path
// or an abstract name ("@name").  Node has no Unix datagram sockets, so perl
// (perl-base, on every Debian system) receives, one line per datagram.
const RECEIVER = String.raw`
use strict; use Socket;
socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!";
(my $name = $ARGV[0]) =~ s/^@/\0/;
bind($s, pack_sockaddr_un($name)) or die "bind: $!";
$| = 1; print "bound\n";
while (1) { defined(recv($s, my $buf, 4096, 0)) or die "recv: $!"; $buf =~ s/\n/\\n/g; print "$buf\n"; }
`;

function notifyReceiver(sockPath) {
  const child = spawn('perl', ['-e', RECEIVER, sockPath],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  let pending = '';
  let err = '';
  child.stdout.on('data', (c) => {
    pending += c.toString('utf8');
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      lines.push(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  });
  child.stderr.on('data', (c) => { err += c; });
  const until = async (pred, what, ms = 10000) => {
    const t0 = Date.now();
    while (!pred(lines)) {
      if (child.exitCode !== null) throw new Error(`the receiver exited: ${err}`);
      if (Date.now() - t0 > ms) throw new Error(`no ${what} within ${ms} ms; got ${JSON.stringify(lines)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { lines, until, stop: () => child.kill('SIGKILL') };
}

describe('systemd readiness (Type=notify, sd_notify over $NOTIFY_SOCKET)', { skip: !has('perl') && 'no perl' }, () => {
  test('serve sends READY=1 once it answers, then STOPPING=1 at SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-notify-'));
    const sock = path.join(dir, 'notify');
    const rx = notifyReceiver(sock);
    let srv;
    try {
      await rx.until((l) => l.includes('bound'), 'bound socket');
      srv = await start({ env: { NOTIFY_SOCKET: sock } });
      await rx.until((l) => l.includes('READY=1'), 'READY=1');
      // what READY promises: requests are answered now
      const r = await fetch(`${srv.base}/healthz`);
      assert.equal(r.status, 200);
      await r.arrayBuffer();
      assert.deepEqual(rx.lines, ['bound', 'READY=1'], 'nothing but READY=1 while serving');
      const { code } = await srv.stop();
      assert.equal(code, 0);
      await rx.until((l) => l.includes('STOPPING=1'), 'STOPPING=1');
      assert.deepEqual(rx.lines, ['bound', 'READY=1', 'STOPPING=1']);
    } finally {
      if (srv) await srv.stop().catch(() => {});
      rx.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // Found by a helper's audit (session 37): migrations run inside serve's
  // start, before READY=1; on a large database they outlast systemd's start
  // timeout (90 s), which killed the start, and the next, for ever.  While
  // the database opens, systemd is asked for more time (every 20 s; here
  // every 200 ms), with a status line.
  test('while the database opens (its migrations), systemd is asked to wait longer', { skip: PG ? 'SQLite (its file\'s lock makes the open wait)' : false }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-notify-'));
    const sock = path.join(dir, 'notify');
    const db = path.join(dir, 't.db');
    const rx = notifyReceiver(sock);
    // another process holds the new file's write lock: the migrations
    // wait for it (as they wait for a long one).  It is let go once serve
    // has asked three times, not after a fixed 2 s: serve's own start (a
    // loaded machine, a sanitizer build) could eat into those 2 s and
    // leave time for fewer than three asks
    const isExt = (l) => /^EXTEND_TIMEOUT_USEC=600000\\nSTATUS=applying schema migrations$/.test(l);
    let holder = null;
    let starting = null;
    let srv;
    try {
      await rx.until((l) => l.includes('bound'), 'bound socket');
      holder = await sqliteLock(db, { before: 'PRAGMA journal_mode=WAL;', inside: 'CREATE TABLE t(x);' });
      starting = start({ dir, env: { NOTIFY_SOCKET: sock, NUMBERD_START_WAIT_MS: '200' } });
      starting.catch(() => {}); // judged below, once the lock is let go
      await rx.until((l) => l.filter(isExt).length >= 3, 'three EXTEND_TIMEOUT_USEC while the lock is held', 30000);
      assert.ok(!rx.lines.includes('READY=1'), `READY=1 while the migrations could not run: ${JSON.stringify(rx.lines)}`);
      await holder.release();
      holder = null;
      srv = await starting;
      await rx.until((l) => l.includes('READY=1'), 'READY=1');
      const ext = rx.lines.filter(isExt);
      assert.ok(ext.length >= 3, `asked to wait while migrating: ${JSON.stringify(rx.lines)}`);
      assert.equal(rx.lines[rx.lines.length - 1], 'READY=1', 'nothing after READY=1');
    } finally {
      if (holder) holder.kill();
      if (!srv && starting) srv = await starting.catch(() => null);
      if (srv) await srv.stop().catch(() => {});
      rx.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an abstract socket name (@name) works as well', async () => {
    const name = `@numberd-test-notify-${process.pid}-${Date.now()}`;
    const rx = notifyReceiver(name);
    let srv;
    try {
      await rx.until((l) => l.includes('bound'), 'bound socket');
      srv = await start({ env: { NOTIFY_SOCKET: name } });
      await rx.until((l) => l.includes('READY=1'), 'READY=1');
      await srv.stop();
      await rx.until((l) => l.includes('STOPPING=1'), 'STOPPING=1');
    } finally {
      if (srv) await srv.stop().catch(() => {});
      rx.stop();
    }
  });

  test('a NOTIFY_SOCKET nobody listens on: a warning, and serving goes on', async () => {
    const sock = path.join(os.tmpdir(), `numberd-no-listener-${process.pid}`);
    const srv = await start({ env: { NOTIFY_SOCKET: sock } });
    try {
      const r = await fetch(`${srv.base}/healthz`);
      assert.equal(r.status, 200);
      await r.arrayBuffer();
    } finally {
      const { code } = await srv.stop();
      assert.equal(code, 0);
    }
    const warn = srv.stderr().split('\n').filter((l) => l.includes('could not tell systemd'))
      .map((l) => JSON.parse(l));
    assert.equal(warn.length, 2, srv.stderr()); // READY=1 and STOPPING=1
    assert.equal(warn[0].level, 'warn');
    assert.match(warn[0].msg, /READY=1: sd_notify to .*numberd-no-listener/);
  });
});

test('the sysusers file makes the numberd system user', { skip: !has('systemd-sysusers') && 'no systemd-sysusers' }, () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-sysusers-'));
  try {
    fs.mkdirSync(path.join(root, 'etc'));
    const r = spawnSync('systemd-sysusers', [`--root=${root}`, path.join(ROOT, 'packaging/numberd.sysusers')],
      { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const pw = fs.readFileSync(path.join(root, 'etc/passwd'), 'utf8').split('\n')
      .find((l) => l.startsWith('numberd:'));
    assert.ok(pw, 'no numberd in passwd');
    const [, , uid, gid, , home, shell] = pw.split(':');
    assert.ok(Number(uid) < 1000, `uid ${uid} is not a system uid`);
    assert.equal(home, '/var/lib/numberd');
    assert.match(shell, /nologin$/);
    assert.match(fs.readFileSync(path.join(root, 'etc/group'), 'utf8'), new RegExp(`^numberd:x:${gid}:`, 'm'));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

describe('/etc/default/numberd (packaging/numberd.default)', () => {
  const file = fs.readFileSync(path.join(ROOT, 'packaging/numberd.default'), 'utf8');
  const shown = {}; // NAME -> the value a commented-out line shows
  for (const m of file.matchAll(/^#?(NUMBERD_[A-Z_]+)=(.*)$/gm)) shown[m[1]] = m[2];

  test('describes every variable that serve --help names', () => {
    for (const v of [...serveVars, 'NUMBERD_ADMIN_TOKEN', 'NUMBERD_SECRET_KEY', 'NUMBERD_METRICS_TOKEN']) {
      assert.ok(v in shown, `${v} is not in packaging/numberd.default`);
    }
    for (const v of Object.keys(shown)) assert.ok(serveVars.includes(v) || v.endsWith('_TOKEN') || v.endsWith('_KEY'), `${v} is not a serve variable`);
  });

  test('changes nothing as shipped, and is what systemd can read', () => {
    // as shipped, every setting is commented out: the unit's and numberd's
    // defaults apply; a line is a comment, blank, or NAME=value (no shell)
    for (const line of file.split('\n')) {
      assert.match(line, /^(#.*|)$/, `not a comment: ${line}`);
    }
  });

  test('shows the defaults serve --help states', () => {
    let compared = 0;
    for (const m of help('serve').matchAll(/(NUMBERD_[A-Z_]+) \(([^;)]+)/g)) {
      const [, v, dflt] = m;
      // literal values only (not "cores", "stderr", "<db>.key", "1 = on"); the
      // database is the unit's own default, the state directory
      if (!/^[\w.:/]+$/.test(dflt) || ['cores', 'stderr'].includes(dflt) || v === 'NUMBERD_DB') continue;
      assert.equal(shown[v], dflt, `${v}: the file shows ${shown[v]}, serve --help ${dflt}`);
      compared++;
    }
    assert.ok(compared >= 7, `only ${compared} defaults compared`);
    assert.equal(shown.NUMBERD_DB, '/var/lib/numberd/numberd.db');
  });
});

describe('license', () => {
  test('LICENSE is the Apache License 2.0, and the README, OpenAPI and Debian say so', () => {
    const text = fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8');
    assert.match(text, /^\s+Apache License\n\s+Version 2\.0, January 2004\n/);
    assert.match(text, /END OF TERMS AND CONDITIONS/);
    assert.ok(text.split('\n').length > 200, 'the full text, not an excerpt');
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    assert.match(readme, /\[Apache License 2\.0\]\(LICENSE\)/);
    const doc = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/openapi.json'), 'utf8'));
    assert.deepEqual(doc.info.license, { name: 'Apache-2.0', identifier: 'Apache-2.0' });
    assert.match(fs.readFileSync(path.join(ROOT, 'debian/copyright'), 'utf8'), /^License: Apache-2\.0$/m);
  });
});

test('the Debian package\'s version is the binary\'s', () => {
  const v = spawnSync(BIN, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const cl = fs.readFileSync(path.join(ROOT, 'debian/changelog'), 'utf8');
  const m = /^numberd \(([^)]+)\)/.exec(cl);
  assert.ok(m, 'debian/changelog does not start with a numberd entry');
  assert.equal(`numberd ${m[1]}`, v);
});

test('the README tells how to install the package', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('## Install from the package');
  assert.ok(at >= 0, 'no "## Install from the package" section');
  const next = readme.indexOf('\n## ', at + 1);
  const section = readme.slice(at, next < 0 ? undefined : next);
  for (const s of ['make deb', 'apt install ./build-deb/numberd_', '/etc/default/numberd', '/var/lib/numberd',
    'systemctl restart numberd', 'Type=notify', 'scripts/deb-test.sh', 'purge']) {
    assert.ok(section.includes(s), `the install section does not mention ${s}`);
  }
});
