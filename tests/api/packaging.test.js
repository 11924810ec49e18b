'use strict';
// Packaging (issue 9): the man page renders and documents every command,
// flag and variable; the systemd unit verifies and keeps its sandbox; the
// README's operator section points to all of it.

const { test, describe } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { BIN } = require('./lib/server');

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
      account: ['create', 'list'],
      apikey: ['create'],
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

describe('the systemd unit', () => {
  const unit = fs.readFileSync(UNIT, 'utf8');
  const directives = {};
  for (const line of unit.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) (directives[m[1]] ||= []).push(m[2]);
  }
  const one = (k) => (directives[k] || []).join(' ');

  test('runs numberd serve as the numberd user with a state directory', () => {
    assert.equal(one('Type'), 'simple');
    assert.equal(one('User'), 'numberd');
    assert.equal(one('StateDirectory'), 'numberd');
    assert.match(one('ExecStart'), /^\/usr\/local\/bin\/numberd serve$/);
    assert.match(one('ExecReload'), /kill -HUP \$MAINPID/);
    assert.match(one('Environment'), /NUMBERD_DB=\/var\/lib\/numberd\/numberd\.db/);
    assert.match(one('EnvironmentFile'), /^-\/etc\/numberd\/numberd\.env$/);
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
