'use strict';
// `numberd inventory export` (CLI.md): the inventory as CSV in the import
// format, so that export -> import -> export gives the same bytes.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { BIN, start, dbOf, csv, ALL_COLUMNS } = require('./lib/server');

const HEADER = ALL_COLUMNS.join(',');

function run(args, opts = {}) {
  const env = { ...process.env };
  delete env.NUMBERD_DB;
  return spawnSync(BIN, args, { encoding: 'utf8', maxBuffer: 256 << 20, env, ...opts });
}

function ok(args, opts) {
  const r = run(args, opts);
  assert.equal(r.status, 0, `numberd ${args.join(' ')}: ${r.stderr}`);
  return r;
}

function rowsOf(text) {
  const lines = text.split('\n');
  assert.equal(lines.pop(), '', 'ends with a newline');
  return lines;
}

let dir;
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-export-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('inventory export', () => {
  let generated;
  let first;
  before(() => {
    generated = ok(['inventory', 'generate', '--count', '5000', '--seed', '11']).stdout;
    fs.writeFileSync(path.join(dir, 'gen.csv'), generated);
    const imp = JSON.parse(ok(['inventory', 'import', path.join(dir, 'gen.csv'), '--db', dbOf(dir, 'a')]).stdout);
    assert.equal(imp.imported, 5000);
    first = ok(['inventory', 'export', '--db', dbOf(dir, 'a')]).stdout;
  });

  test('the import format: every column, one row per number, in number order', () => {
    const lines = rowsOf(first);
    assert.equal(lines[0], HEADER);
    assert.equal(lines.length, 5001);
    const numbers = lines.slice(1).map((l) => l.split(',')[0]);
    assert.deepEqual(numbers, [...numbers].sort());
    // the generator writes canonical rows: the export is the same rows, sorted
    const gen = rowsOf(generated);
    assert.equal(gen[0], HEADER);
    assert.deepEqual(lines.slice(1), gen.slice(1).sort());
  });

  test('export -> import into a fresh database -> export: byte-identical', () => {
    const file = path.join(dir, 'first.csv');
    const r = ok(['inventory', 'export', '--db', dbOf(dir, 'a'), '-o', file]);
    assert.deepEqual(JSON.parse(r.stdout), { exported: 5000 });
    assert.equal(fs.readFileSync(file, 'utf8'), first);
    const imp = JSON.parse(ok(['inventory', 'import', file, '--db', dbOf(dir, 'b')]).stdout);
    assert.equal(imp.imported, 5000);
    assert.deepEqual(imp.rejected, []);
    const second = ok(['inventory', 'export', '--db', dbOf(dir, 'b')]).stdout;
    assert.equal(second, first);
  });

  // Found by a helper's audit (session 36): -o opened FILE with truncation
  // and removed it on failure -- a full disk lost yesterday's backup, and a
  // symlink to a device was removed.
  test('-o FILE: a failed export leaves the previous file; a device is written in place, never removed', () => {
    const db = dbOf(dir, 'a');
    const backup = path.join(dir, 'backup.csv');
    fs.writeFileSync(backup, "yesterday's backup\n");
    // the file size limit makes the write fail midway (EFBIG, SIGXFSZ ignored)
    const capped = spawnSync('sh', ['-c', 'trap "" XFSZ; ulimit -f 64; exec "$0" "$@"', BIN,
      'inventory', 'export', '--db', db, '-o', backup], { encoding: 'utf8' });
    assert.equal(capped.status, 1, capped.stderr);
    assert.match(capped.stderr, /^numberd: inventory export: .*backup\.csv.*File too large/m);
    assert.equal(fs.readFileSync(backup, 'utf8'), "yesterday's backup\n", 'the previous file kept');
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('backup.csv')), ['backup.csv'], 'no temporary file left');
    // success replaces it whole, with a new file's mode
    ok(['inventory', 'export', '--db', db, '-o', backup]);
    assert.equal(fs.readFileSync(backup, 'utf8'), first);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('backup.csv')), ['backup.csv']);
    // a symlink to a backup: its target is replaced, with its mode; the link stays
    const target = path.join(dir, 'target.csv');
    const link = path.join(dir, 'latest.csv');
    fs.writeFileSync(target, 'old\n', { mode: 0o600 });
    fs.chmodSync(target, 0o600);
    fs.symlinkSync(target, link);
    ok(['inventory', 'export', '--db', db, '-o', link]);
    assert.ok(fs.lstatSync(link).isSymbolicLink(), 'the link is still a link');
    assert.equal(fs.readFileSync(target, 'utf8'), first);
    assert.equal(fs.statSync(target).mode & 0o777, 0o600, 'the mode kept');
    // not a regular file: written in place, never removed
    const full = path.join(dir, 'full.link');
    fs.symlinkSync('/dev/full', full);
    const r = run(['inventory', 'export', '--db', db, '-o', full]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /No space left on device/);
    assert.ok(fs.lstatSync(full).isSymbolicLink(), 'the link is still there');
    const nul = path.join(dir, 'null.link');
    fs.symlinkSync('/dev/null', nul);
    ok(['inventory', 'export', '--db', db, '-o', nul]);
    assert.ok(fs.lstatSync(nul).isSymbolicLink());
  });

  test('export | import - (a pipe, --output spelled out)', () => {
    const piped = ok(['inventory', 'export', '--db', dbOf(dir, 'a'), '--output', '-']).stdout;
    assert.equal(piped, first);
    const imp = JSON.parse(ok(['inventory', 'import', '-', '--db', dbOf(dir, 'c')], { input: piped }).stdout);
    assert.equal(imp.imported, 5000);
    assert.equal(ok(['inventory', 'export', '--db', dbOf(dir, 'c')]).stdout, first);
  });

  test('--country (any case) and --state filter', () => {
    const us = rowsOf(ok(['inventory', 'export', '--db', dbOf(dir, 'a'), '--country', 'us']).stdout);
    assert.equal(us[0], HEADER);
    assert.ok(us.length > 1);
    assert.ok(us.slice(1).every((l) => l.split(',')[1] === 'US'));
    const want = rowsOf(first).slice(1).filter((l) => l.split(',')[1] === 'US');
    assert.deepEqual(us.slice(1), want);
    const aging = rowsOf(ok(['inventory', 'export', '--db', dbOf(dir, 'a'), '--state', 'aging']).stdout);
    assert.deepEqual(aging, [HEADER]);
  });

  test('usage errors exit 2 with one line; an unwritable -o exits 1 and leaves no file', () => {
    const db = dbOf(dir, 'a');
    for (const args of [
      ['--state', 'sold'], ['--country', 'XX'], ['--country', 'USA'], ['extra'], ['--count', '3'],
      ['--dry-run'], ['-o'],
    ]) {
      const r = run(['inventory', 'export', '--db', db, ...args]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^numberd: usage: [^\n]+\n$/);
      assert.equal(r.stdout, '');
    }
    const r = run(['inventory', 'import', path.join(dir, 'gen.csv'), '--db', db, '--state', 'active']);
    assert.equal(r.status, 2, r.stderr);
    const bad = path.join(dir, 'no', 'such', 'dir.csv');
    const w = run(['inventory', 'export', '--db', db, '-o', bad]);
    assert.equal(w.status, 1, w.stderr);
    assert.match(w.stderr, /^numberd: inventory export: cannot create .*dir\.csv: No such file or directory\n$/);
    assert.ok(!fs.existsSync(bad));
    const help = ok(['inventory', '--help']).stdout;
    assert.match(help, /numberd inventory export \[--country CC\] \[--state STATE\] \[-o FILE\]/);
  });
});

describe('inventory export of a database a server has sold from', () => {
  let srv;
  let db;
  const rows = [
    { number: '14155550100', country_iso: 'US', type: 'fixed', sub_type: 'local', city: 'SAN FRANCISCO, CA', monthly_rental_rate: '0.8', carrier: 'upstream-a' },
    { number: '14155550101', country_iso: 'US', type: 'fixed', sub_type: 'local', restriction: 'city-address', restriction_text: 'needs "proof", of address' },
    { number: '447911123456', country_iso: 'GB', type: 'mobile', sms_enabled: 'true', sms_rate: '0.01' },
  ];
  before(async () => {
    srv = await start({ keepDir: true });
    db = srv.db;
    await srv.loadCsv(csv(ALL_COLUMNS, rows));
    const acct = await srv.createAccount('buyer');
    const r = await srv.buy(acct, '14155550100');
    assert.equal(r.status, 201, r.text);
    assert.equal((await srv.stop()).code, 0);
  });
  after(() => fs.rmSync(srv.dir, { recursive: true, force: true }));

  test('sold numbers stay in the inventory export; --state picks them; owners are not exported', () => {
    const all = rowsOf(ok(['inventory', 'export', '--db', db]).stdout);
    assert.equal(all.length, 4);
    assert.equal(all[1],
      '14155550100,US,fixed,local,415,"SAN FRANCISCO, CA",,,,true,false,false,,0.80000,,,,,,upstream-a');
    assert.equal(all[2],
      '14155550101,US,fixed,local,415,,,,,true,false,false,,,,,,city-address,"needs ""proof"", of address",numberd');
    assert.equal(all[3], '447911123456,GB,mobile,mobile,,,,,,true,true,false,,,,0.01000,,,,numberd');
    const active = rowsOf(ok(['inventory', 'export', '--db', db, '--state', 'active']).stdout);
    assert.deepEqual(active, [HEADER, all[1]]);
    const available = rowsOf(ok(['inventory', 'export', '--db', db, '--state', 'available']).stdout);
    assert.deepEqual(available, [HEADER, all[2], all[3]]);
    for (const line of all) assert.ok(!/MA[A-Z0-9]{18}/.test(line));
    // into a fresh database: every row, available
    const fresh = dbOf(dir, 'fresh');
    const imp = JSON.parse(ok(['inventory', 'import', '-', '--db', fresh], { input: all.join('\n') + '\n' }).stdout);
    assert.equal(imp.imported, 3);
    const again = rowsOf(ok(['inventory', 'export', '--db', fresh, '--state', 'available']).stdout);
    assert.deepEqual(again, all);
  });
});
