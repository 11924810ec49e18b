'use strict';
// Issue 18 item 6: a CLI that behaves, and trusted proxies.
//   - read-only commands never create a database: a mistyped --db is an
//     error (exit 1) and no file appears;
//   - inventory import exits 3 when rows were rejected, 0 with
//     --allow-rejected;
//   - --json on every listing command, with stable shapes; tables by default;
//   - the progress bar moves on input of unknown size (stdin, on a terminal);
//   - behind a trusted proxy (--trusted-proxies, NUMBERD_TRUSTED_PROXIES) the
//     X-Request-Id is kept and X-Forwarded-For is the client (the failed-
//     authentication throttle keys on it); from anyone else both are ignored;
//   - shell completion for bash and zsh covers every command.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { PG, BIN, start, dbOf, csv, UUID_RE } = require('./lib/server');
const { sqliteLock } = require('./lib/faults');

const ROOT = path.resolve(__dirname, '../..');
const run = (args, opts = {}) => spawnSync(BIN, args, { encoding: 'utf8', ...opts });
const ok = (args, opts) => {
  const r = run(args, opts);
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return r;
};
const ROWS = (n, from = 1000) => csv(['number', 'country_iso', 'type', 'sub_type'],
  Array.from({ length: n }, (_, i) => ({ number: `1415558${from + i}`, country_iso: 'US', type: 'fixed', sub_type: 'local' })));

let dir;
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-cli-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('read-only commands never create a database', () => {
  test('a --db naming no file is an error and stays absent', { skip: PG ? 'SQLite paths only' : false }, () => {
    const missing = path.join(dir, 'typo.db');
    for (const args of [['account', 'list'], ['account', 'list', '--json'], ['inventory', 'stats'],
      ['inventory', 'stats', '--json'], ['inventory', 'export'], ['apikey', 'list', '--account', 'MA00000000000000000Z'],
      ['apikey', 'revoke', '--account', 'MA00000000000000000Z', '1'], ['account', 'suspend', 'MA00000000000000000Z'],
      ['account', 'rotate-token', 'MA00000000000000000Z'],
      // found by a helper's audit (session 36): these made a new database
      ['apikey', 'create', '--account', 'MA00000000000000000Z'], ['number', 'approve', '14155550100'],
      ['number', 'set-status', '14155550100', '--caller-reputation', 'clean'],
      ['compliance', 'create', '--account', 'MA00000000000000000Z', '--country', 'US', '--type', 'local'],
      ['carrier', 'list'], ['carrier', 'show', 'foo'], ['carrier', 'delete', 'foo'],
      ['inventory', 'import', '-', '--dry-run']]) {
      const r = run([...args, '--db', missing]);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout} ${r.stderr}`);
      assert.match(r.stderr, /^numberd: open database: .*typo\.db.*never creates a database/, r.stderr);
      assert.equal(r.stdout, '');
      assert.ok(!fs.existsSync(missing), `${args.join(' ')} created ${missing}`);
      assert.ok(!fs.existsSync(`${missing}-wal`));
    }
    // the same through NUMBERD_DB
    const r = run(['account', 'list'], { env: { ...process.env, NUMBERD_DB: missing } });
    assert.equal(r.status, 1);
    assert.ok(!fs.existsSync(missing));
    // a directory is no database either
    const d = run(['inventory', 'stats', '--db', dir]);
    assert.equal(d.status, 1);
    assert.match(d.stderr, /not a database file/);
    // commands that make things still create it
    ok(['account', 'create', '--name', 'x', '--db', missing]);
    assert.ok(fs.existsSync(missing));
  });
});

describe('listing commands: tables by default, --json with stable shapes', () => {
  let db;
  let acct;
  before(() => {
    db = dbOf(dir, 'lists');
    acct = JSON.parse(ok(['account', 'create', '--name', 'Lister Ltd', '--db', db]).stdout);
    ok(['account', 'create', '--name', 'Other', '--db', db]);
    ok(['inventory', 'import', '-', '--db', db], { input: ROWS(5) });
    ok(['apikey', 'create', '--account', acct.auth_id, '--label', 'ci', '--db', db]);
  });

  test('account list', () => {
    const t = ok(['account', 'list', '--db', db]).stdout.split('\n').filter(Boolean);
    assert.match(t[0], /^auth_id +status +created +name$/);
    assert.equal(t.length, 3);
    assert.match(t[1], new RegExp(`^${acct.auth_id} +active +\\d{4}-\\d\\d-\\d\\dT[\\d:]+Z +Lister Ltd$`));
    const j = JSON.parse(ok(['account', 'list', '--json', '--db', db]).stdout);
    assert.deepEqual(Object.keys(j), ['data', 'total']);
    assert.equal(j.total, 2);
    assert.deepEqual(Object.keys(j.data[0]), ['auth_id', 'name', 'enabled', 'status', 'created_at']);
    assert.deepEqual(j.data.map((a) => a.name), ['Lister Ltd', 'Other']);
  });

  test('inventory stats', () => {
    const t = ok(['inventory', 'stats', '--db', db]).stdout;
    assert.match(t, /^country\ttype\tstate\tcount\nUS\tfixed\tavailable\t5\n$/);
    const j = JSON.parse(ok(['inventory', 'stats', '--json', '--db', db]).stdout);
    assert.deepEqual(j, { data: [{ country_iso: 'US', type: 'fixed', state: 'available', count: 5 }], total: 5 });
  });

  test('apikey list', () => {
    const t = ok(['apikey', 'list', '--account', acct.auth_id, '--db', db]).stdout.split('\n').filter(Boolean);
    assert.match(t[0], /^id +prefix +state +scp +created +expires +last_used +label$/);
    assert.equal(t.length, 3);
    const j = JSON.parse(ok(['apikey', 'list', '--account', acct.auth_id, '--json', '--db', db]).stdout);
    assert.deepEqual(Object.keys(j), ['data', 'total']);
    assert.equal(j.total, 2);
    assert.deepEqual(Object.keys(j.data[0]), ['id', 'prefix', 'label', 'scopes', 'created_at', 'expires_at',
      'last_used_at', 'revoked_at', 'status']);
    assert.ok(!JSON.stringify(j).includes(acct.api_key));
  });

  test('--json where it does not belong is a usage error', () => {
    for (const args of [['account', 'create', '--name', 'x', '--json'], ['inventory', 'import', '-', '--json'],
      ['apikey', 'create', '--account', acct.auth_id, '--json']]) {
      const r = run([...args, '--db', db], { input: '' });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });
});

describe('inventory import and rejected rows', () => {
  test('exit 3 when rows were rejected (the others are in); 0 with --allow-rejected', () => {
    const db = dbOf(dir, 'rej');
    const bad = `${ROWS(3, 2000)}123,US,fixed,local\n`;
    let r = run(['inventory', 'import', '-', '--db', db], { input: bad });
    assert.equal(r.status, 3, r.stderr);
    const res = JSON.parse(r.stdout);
    assert.equal(res.imported, 3);
    assert.equal(res.rejected_count, 1);
    assert.match(r.stderr, /1 row\(s\) rejected/);
    r = run(['inventory', 'import', '-', '--allow-rejected', '--db', db], { input: bad });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).updated, 3);
    // nothing rejected: 0
    r = run(['inventory', 'import', '-', '--db', db], { input: ROWS(3, 2000) });
    assert.equal(r.status, 0, r.stderr);
    // a dry run says the same
    r = run(['inventory', 'import', '-', '--dry-run', '--db', db], { input: bad });
    assert.equal(r.status, 3, r.stderr);
    assert.equal(run(['inventory', 'stats', '--allow-rejected', '--db', db]).status, 2);
  });
});

describe('inventory import and the triggers on numbers', () => {
  // The import's connection runs with SQLite's triggers off and does once a
  // batch what they would have done for its rows (one added to the search
  // index's generation); a trigger it was not checked against keeps them on.
  const sqlite = (db, q) => execFileSync('sqlite3', ['-bail', db, q], { encoding: 'utf8' }).trim();
  test('known triggers: the generation moves once a batch; an unknown one: every row fires it',
    { skip: PG ? 'SQLite only' : false }, () => {
      const db = dbOf(dir, 'trg');
      ok(['inventory', 'import', '-', '--db', db], { input: ROWS(5, 3000) });
      const g0 = Number(sqlite(db, 'SELECT n FROM avail_gen'));
      let r = ok(['inventory', 'import', '-', '--db', db], { input: ROWS(40, 3100) });
      assert.equal(Number(sqlite(db, 'SELECT n FROM avail_gen')), g0 + 1, 'one batch, one step');
      assert.doesNotMatch(r.stderr, /not one the import knows/);
      // an operator's own trigger: the import must not skip it
      sqlite(db, "CREATE TABLE seen(number TEXT); CREATE TRIGGER op_seen AFTER INSERT ON numbers "
        + "BEGIN INSERT INTO seen VALUES (NEW.number); END;");
      r = ok(['inventory', 'import', '-', '--db', db], { input: ROWS(30, 3200) });
      assert.match(r.stderr, /trigger op_seen on numbers is not one the import knows/);
      assert.equal(sqlite(db, 'SELECT count(*) FROM seen'), '30');
      assert.equal(Number(sqlite(db, 'SELECT n FROM avail_gen')), g0 + 31, 'every row, by its own trigger');
      assert.equal(sqlite(db, 'SELECT count(*) FROM numbers'), '75');
    });
});

describe('inventory import from a slow pipe', () => {
  // Found by a helper's audit (session 36): the import took the write lock
  // (SQLite) or the inventory lock (PostgreSQL) when it opened, before the
  // first byte of its input, and held it while a slow producer wrote: every
  // purchase of the server waited behind it and answered 503.  The lock is
  // taken now when rows are written.
  test('a purchase while the pipe is open and silent goes through', async () => {
    const { spawn } = require('node:child_process');
    const srv = await start({ args: ['--rate-limit', '0'] });
    try {
      const acct = await srv.createAccount('piped');
      await srv.loadCsv(csv(['number', 'country_iso', 'type', 'sub_type'],
        [{ number: '14155586000', country_iso: 'US', type: 'fixed', sub_type: 'local' }]));
      const child = spawn(BIN, ['inventory', 'import', '-', '--db', srv.db], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { err += d; });
      // 'close', not 'exit': the result is printed just before the exit,
      // and 'exit' can come before the pipe's last bytes were read
      const exited = new Promise((r) => child.on('close', (code) => r(code)));
      child.stdin.write('number,country_iso,type,sub_type\n14155586001,US,fixed,local\n');
      await new Promise((r) => setTimeout(r, 300)); // the import has opened and read the row
      const r = await srv.buy(acct, '14155586000', {});
      assert.equal(r.status, 201, r.text);
      child.stdin.end('14155586002,US,fixed,local\n');
      assert.equal(await exited, 0, `${out} ${err}`);
      assert.equal(JSON.parse(out).imported, 2, `${out} ${err}`);
    } finally {
      await srv.stop();
    }
  });
});

describe('serve and its token files', () => {
  // Found by a helper's audit (session 36): an empty token file turned the
  // admin API (or the metrics, or the SBC lookups) off without a word.
  test('an empty token file is refused at start, naming the file', () => {
    const empty = path.join(dir, 'empty.token');
    fs.writeFileSync(empty, '\n');
    for (const opt of ['--admin-token-file', '--metrics-token-file', '--sbc-token-file']) {
      const r = run(['serve', '--db', dbOf(dir, 'tok'), '--listen', '127.0.0.1:0', opt, empty], { timeout: 10000 });
      assert.equal(r.status, 1, `${opt}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^numberd: serve: cannot read ${opt} .*empty\\.token: the file is empty$`, 'm'));
    }
  });
});

describe('numberd --help', () => {
  // Found by a helper's audit (session 36): the overview left out events and
  // half the subcommands.  Every subcommand a command's own --help names is
  // in the overview.
  test('names every command and every subcommand', () => {
    const top = ok(['--help']).stdout;
    for (const cmd of ['serve', 'account', 'apikey', 'inventory', 'compliance', 'number', 'carrier', 'events', 'migrate']) {
      assert.match(top, new RegExp(`^  ${cmd}\\b`, 'm'), cmd);
      const own = ok([cmd, '--help']).stdout;
      const subs = new Set();
      for (const m of own.matchAll(new RegExp(`numberd ${cmd} ([a-z|-]+)`, 'g')))
        for (const sub of m[1].split('|')) if (!sub.startsWith('-')) subs.add(sub);
      const line = top.split('\n').find((l) => l.startsWith(`  ${cmd} `) || l === `  ${cmd}`);
      for (const sub of subs) assert.match(line, new RegExp(`[ |]${sub}(\\||\\s|$)`), `${cmd} ${sub} in: ${line}`);
    }
  });
});

describe('an option of another subcommand is a usage error', () => {
  // Found by a helper's audit (session 36): import, stats and generate took
  // --country, --count, --seed and --dry-run and ignored them (an import
  // "for GB" loaded every row).
  test('import, stats and generate refuse what they do not take; nothing is written', () => {
    const db = dbOf(dir, 'opts');
    const csvFile = path.join(dir, 'opts.csv');
    fs.writeFileSync(csvFile, ROWS(2, 5000));
    for (const args of [['inventory', 'import', csvFile, '--country', 'GB'], ['inventory', 'import', csvFile, '--count', '5'],
      ['inventory', 'import', csvFile, '--seed', '3'], ['inventory', 'stats', '--country', 'GB'],
      ['inventory', 'stats', '--dry-run'], ['inventory', 'generate', '--count', '2', '--dry-run']]) {
      const r = run([...args, '--db', db]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^numberd: usage: --\S+ (and --\S+ )?belongs? to inventory /, r.stderr);
      assert.equal(r.stdout, '');
    }
    if (!PG) assert.ok(!fs.existsSync(db), 'nothing opened');
    ok(['inventory', 'generate', '--count', '1', '--country', 'GB', '--seed', '3']);
  });
});

describe('inventory import --dry-run counts as the import does', () => {
  // Found by a helper's audit (session 36): a number repeated in a later
  // batch (100,000 rows a batch) counted as inserted twice in a dry run,
  // as updated by the real import.
  test('a repeat across the batch boundary: the dry run and the import print the same counts', () => {
    const db = dbOf(dir, 'dry');
    const lines = ['number,country_iso,type'];
    const num = (i) => `1415${200 + Math.floor(i / 10000)}${String(i % 10000).padStart(4, '0')}`;
    for (let i = 0; i < 100000; i++) lines.push(`${num(i)},US,fixed`);
    lines.push(`${num(99999)},US,fixed`);
    const input = `${lines.join('\n')}\n`;
    ok(['migrate', '--db', db]); // an empty database
    const dry = JSON.parse(ok(['inventory', 'import', '-', '--dry-run', '--db', db], { input }).stdout);
    const real = JSON.parse(ok(['inventory', 'import', '-', '--db', db], { input }).stdout);
    assert.deepEqual({ i: dry.imported, u: dry.updated }, { i: 100000, u: 1 });
    assert.deepEqual({ i: real.imported, u: real.updated }, { i: dry.imported, u: dry.updated });
  });
});

describe('read-only commands beside a writer', () => {
  // Found by a helper's audit (session 36): opening the database took the
  // write lock once a migration, even with none to apply, so `inventory
  // stats` waited for any writer for the busy timeout, then failed as
  // "schema migration failed".
  test('stats, export and account list answer while another process holds the write lock',
    { skip: PG ? 'SQLite only' : false }, async () => {
      const db = dbOf(dir, 'held');
      ok(['inventory', 'import', '-', '--db', db], { input: ROWS(3, 4000) });
      const holder = await sqliteLock(db, { inside: "INSERT INTO settings(name, value) VALUES ('held', '1');" });
      try {
        const stats = run(['inventory', 'stats', '--json', '--db', db], { timeout: 10000 });
        assert.equal(stats.status, 0, stats.stderr);
        assert.equal(JSON.parse(stats.stdout).total, 3);
        const exp = run(['inventory', 'export', '--db', db], { timeout: 10000 });
        assert.equal(exp.status, 0, exp.stderr);
        assert.equal(exp.stdout.trim().split('\n').length, 4);
        const list = run(['account', 'list', '--db', db], { timeout: 10000 });
        assert.equal(list.status, 0, list.stderr);
      } finally {
        await holder.release();
      }
    });
  // Session 40: a write that cannot take the lock said so twice, once as a
  // serve-style JSON log line.  A command's lines are plain now: the cause,
  // then what failed; exit 1, nothing written.
  test('a write while another process holds the lock: the cause and what failed, two plain lines, exit 1',
    { skip: PG ? 'SQLite only' : false }, async () => {
      const db = dbOf(dir, 'held-write');
      ok(['inventory', 'import', '-', '--db', db], { input: ROWS(1, 4100) });
      const holder = await sqliteLock(db);
      let r;
      try {
        r = run(['account', 'create', '--name', 'late', '--db', db], { timeout: 60000 });
      } finally {
        await holder.release();
      }
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.deepEqual(r.stderr.trim().split('\n'), [
        'numberd: error: sqlite: BEGIN IMMEDIATE: database is locked',
        'numberd: account create: database unavailable',
      ]);
      assert.equal(JSON.parse(ok(['account', 'list', '--json', '--db', db]).stdout).total, 0);
    });
});

describe('the progress bar', () => {
  test('moves on stdin, whose size is unknown (on a terminal)', { skip: PG ? 'SQLite paths only' : false }, () => {
    const file = path.join(dir, 'big.csv');
    fs.writeFileSync(file, csv(['number', 'country_iso', 'type', 'sub_type'], Array.from({ length: 30000 },
      (_, i) => ({ number: `14155${String(i).padStart(6, '0')}`, country_iso: 'US', type: 'fixed', sub_type: 'local' }))));
    const db = path.join(dir, 'progress.db');
    // script(1) gives the command a terminal; stdin stays a plain pipe from the file
    const r = spawnSync('script', ['-qec', `cat ${file} | ${BIN} inventory import - --db ${db}`, '/dev/null'],
      { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stdout);
    const draws = r.stdout.split('\r').filter((s) => /\[[|/\\-]\] +[\d.]+ MiB +\d+ rows/.test(s));
    assert.ok(draws.length >= 3, `the bar was drawn ${draws.length} times: ${JSON.stringify(r.stdout.slice(0, 400))}`);
    const rows = draws.map((s) => Number(/(\d+) rows/.exec(s)[1]));
    assert.ok(rows[rows.length - 1] > rows[0], `it moved: ${rows}`);
    assert.match(r.stdout, /"imported":30000/);
  });

  // The bar counted the bytes read, and an unsorted file's rows are
  // written after the whole file is read: it sat at 99 % for most of a big
  // import, with no word (a helper's audit, session 38).  The writes have
  // a bar of their own.
  test('a file: reading, then writing N of M rows up to 100 %', { skip: PG ? 'SQLite paths only' : false }, () => {
    const file = path.join(dir, 'gen60k.csv');
    fs.writeFileSync(file, ok(['inventory', 'generate', '--count', '60000', '--seed', '11'], { maxBuffer: 1 << 28 }).stdout);
    const db = path.join(dir, 'progress2.db');
    const r = spawnSync('script', ['-qec', `${BIN} inventory import ${file} --db ${db}`, '/dev/null'],
      { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stdout);
    const frames = r.stdout.split('\r').map((x) => x.replace(/\x1b\[K/g, ''));
    const writing = frames.map((x) => /writing \[[# ]+\] +(\d+)% +(\d+) of (\d+) rows/.exec(x)).filter(Boolean);
    assert.ok(frames.some((x) => /reading \[[# ]+\] +\d+%/.test(x)), 'a reading phase');
    assert.ok(writing.length >= 3, `the writes were drawn ${writing.length} times`);
    const done = writing.map((m) => Number(m[2]));
    assert.ok(done[done.length - 1] > done[0], `they moved: ${done}`);
    assert.deepEqual(writing[writing.length - 1].slice(1), ['100', '60000', '60000']);
  });
});

// Ctrl-C during an import killed it where it was: the batches committed
// stayed, on sale, naming upstream carriers that were never made, with no
// inventory.imported event and not a word of what was kept (a helper's
// audit, session 38).  Now it stops, keeps what it wrote with its
// carriers and its event, says so, and exits 130.
describe('inventory import interrupted (Ctrl-C on its terminal)', { skip: PG ? 'SQLite paths only' : false }, () => {
  test('what it wrote is kept with its carriers and event; said; 130; the same file again finishes it', async () => {
    const { spawn } = require('node:child_process');
    const file = path.join(dir, 'gen300k.csv');
    fs.writeFileSync(file, ok(['inventory', 'generate', '--count', '300000', '--seed', '5'], { maxBuffer: 1 << 28 }).stdout);
    const db = path.join(dir, 'interrupted.db');
    // script(1) gives it a terminal: its progress says when the writes
    // have begun, and ^C written to the terminal is the user's Ctrl-C
    const child = spawn('script', ['-qfec', `exec ${BIN} inventory import ${file} --db ${db}`, '/dev/null'],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    child.stdout.on('data', (c) => {
      out += c.toString();
      const m = /writing \[[# ]*\] +\d+% +(\d+) of/.exec(out.slice(-400));
      if (!sent && m && Number(m[1]) >= 50000) { sent = true; child.stdin.write('\x03'); }
    });
    // 'close': the result it prints last is read to its end ('exit' can
    // come first)
    const code = await new Promise((res) => child.on('close', (c) => res(c)));
    assert.ok(sent, `the writes never showed:\n${out.slice(-600)}`);
    assert.equal(code, 130, out.slice(-600));
    const result = JSON.parse(/\{"imported".*\}/.exec(out)[0]);
    assert.equal(result.interrupted, true);
    assert.ok(result.imported >= 50000 && result.imported < 300000, JSON.stringify(result));
    assert.match(out, new RegExp(`interrupted: ${result.imported} new and 0 updated row\\(s\\) were committed; import the same file again`));
    // kept: exactly what it said, every carrier of those rows made, one event
    const stats = ok(['inventory', 'stats', '--json', '--db', db]);
    assert.equal(JSON.parse(stats.stdout).total, result.imported);
    const exported = ok(['inventory', 'export', '--db', db], { maxBuffer: 1 << 28 }).stdout.trim().split('\n');
    const col = exported[0].split(',').indexOf('carrier');
    const named = new Set(exported.slice(1).map((l) => l.split(',')[col]).filter(Boolean));
    const made = new Set(ok(['carrier', 'list', '--db', db]).stdout.trim().split('\n').filter(Boolean)
      .map((l) => JSON.parse(l)).flatMap((j) => (j.data ? j.data : [j])).map((c) => c.name));
    for (const n of named) assert.ok(made.has(n), `carrier ${n} named by kept rows was not made`);
    const ev = ok(['events', '--type', 'inventory.imported', '--json', '--db', db]).stdout;
    assert.match(ev, new RegExp(`"inserted":${result.imported},"updated":0,"rejected":0,"interrupted":true`));
    // the same file again: the rest new, the kept ones updated
    const again = ok(['inventory', 'import', file, '--db', db]);
    const r2 = JSON.parse(again.stdout);
    assert.equal(r2.imported, 300000 - result.imported);
    assert.equal(r2.updated, result.imported);
    assert.equal(r2.interrupted, undefined);
  });
});

describe('trusted proxies', () => {
  // (the whole lines so far: the last piece is a line still on its way)
  const log = (srv) => srv.stderr().split('\n').slice(0, -1).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  // A request's log line is written before its answer, but reaches us
  // through the stderr pipe apart from the answer: waited for (up to ms),
  // not looked up once; undefined if it never came.
  const logLine = async (srv, pred, ms = 5000) => {
    const end = Date.now() + ms;
    for (;;) {
      const hit = log(srv).find(pred);
      if (hit || Date.now() > end) return hit;
      await new Promise((res) => setTimeout(res, 20));
    }
  };
  const get = (srv, headers) => fetch(`${srv.base}/v1/phone-numbers/carriers`, { headers: { Authorization: 'Bearer nd_live_wrong', ...headers } });

  test('from a trusted proxy: X-Request-Id kept, X-Forwarded-For is the client', async () => {
    const srv = await start({ args: ['--auth-fail-limit', '3/60'], env: { NUMBERD_TRUSTED_PROXIES: '10.9.0.0/16, 127.0.0.1' } });
    try {
      let r = await get(srv, { 'X-Request-Id': 'edge-42.a:b_c', 'X-Forwarded-For': '203.0.113.9, 10.9.1.1' });
      assert.equal(r.status, 401);
      assert.equal(r.headers.get('x-request-id'), 'edge-42.a:b_c');
      // an id that is not safe to log and echo is replaced by ours
      r = await get(srv, { 'X-Request-Id': 'bad id\u00e9' });
      assert.match(r.headers.get('x-request-id'), UUID_RE);
      // the throttle counts per forwarded client: 203.0.113.9 is blocked, 203.0.113.10 is not
      for (let i = 0; i < 3; i++) await get(srv, { 'X-Forwarded-For': '203.0.113.9' });
      assert.equal((await get(srv, { 'X-Forwarded-For': '203.0.113.9' })).status, 429);
      assert.equal((await get(srv, { 'X-Forwarded-For': '198.51.100.1, 203.0.113.9' })).status, 429);
      assert.equal((await get(srv, { 'X-Forwarded-For': '203.0.113.10' })).status, 401);
      // a Plivo body keeps its own UUID api_id
      const p = await fetch(`${srv.base}/v1/Account/MA00000000000000000Z/Number/`, { headers: { 'X-Request-Id': 'edge-43' } });
      assert.equal(p.headers.get('x-request-id'), 'edge-43');
      assert.match((await p.json()).api_id, UUID_RE);
      const first = await logLine(srv, (l) => l.route && l.request_id === 'edge-42.a:b_c');
      assert.ok(first, srv.stderr());
      assert.equal(first.client, '203.0.113.9');
      assert.match(first.api_id, UUID_RE);
    } finally {
      await srv.stop();
    }
  });

  // Found by a helper's audit (session 37): only the first X-Forwarded-For
  // line was read (a proxy that adds a line of its own left the client's
  // forged one in charge), and a value over 4 KiB was read from its byte
  // 4096, not its end: either let a client choose its address past the
  // failed-authentication throttle, or lock out someone else's.
  test('several X-Forwarded-For lines are one list; a long one is read from its end', async () => {
    const net = require('node:net');
    const srv = await start({ args: ['--auth-fail-limit', '3/60'], env: { NUMBERD_TRUSTED_PROXIES: '127.0.0.1' } });
    const raw = (headers) => new Promise((res, rej) => {
      const sock = net.connect(srv.port, '127.0.0.1');
      let out = '';
      sock.on('data', (d) => { out += d; });
      sock.on('end', () => res(out));
      sock.on('error', rej);
      sock.write('GET /v1/phone-numbers/carriers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nd_live_wrong\r\n' +
        `Connection: close\r\n${headers}\r\n`);
    });
    try {
      // the client's forged line first, the proxy's own after it: the proxy's counts
      for (let i = 0; i < 3; i++) assert.match(await raw(`X-Forwarded-For: 6.6.6.${i}\r\nX-Forwarded-For: 9.9.9.9\r\n`), /^HTTP\/1\.1 401/);
      assert.match(await raw('X-Forwarded-For: 6.6.6.77\r\nX-Forwarded-For: 9.9.9.9\r\n'), /^HTTP\/1\.1 429/);
      // over 4 KiB: the address the proxy appended is the end of the value
      const pad = Array.from({ length: 400 }, (_, i) => `6.6.${i % 250}.${1 + (i % 7)}`).join(', ');
      assert.ok(pad.length > 4096);
      assert.match(await raw(`X-Forwarded-For: ${pad}, 8.8.8.8\r\n`), /^HTTP\/1\.1 401/);
      const line = await logLine(srv, (l) => l.route && l.client !== '9.9.9.9');
      assert.ok(line, srv.stderr());
      assert.equal(line.client, '8.8.8.8');
    } finally {
      await srv.stop();
    }
  });

  test('from anyone else both headers are ignored', async () => {
    const srv = await start({ args: ['--auth-fail-limit', '3/60', '--trusted-proxies', '10.9.0.0/16'] });
    try {
      const r = await get(srv, { 'X-Request-Id': 'edge-1', 'X-Forwarded-For': '203.0.113.9' });
      assert.match(r.headers.get('x-request-id'), UUID_RE);
      // forged addresses do not escape the throttle: every one counts against 127.0.0.1
      for (let i = 0; i < 3; i++) await get(srv, { 'X-Forwarded-For': `203.0.113.${20 + i}` });
      assert.equal((await get(srv, { 'X-Forwarded-For': '203.0.113.99' })).status, 429);
      const line = await logLine(srv, (l) => l.route);
      assert.ok(line, srv.stderr());
      assert.equal(line.client, '127.0.0.1');
      assert.equal(line.request_id, undefined);
    } finally {
      await srv.stop();
    }
  });

  test('a malformed list is a usage error', () => {
    for (const bad of ['10.0.0.0/33', 'nowhere', '::1/129', '1.2.3.4/', ',', '10.0.0.0/8,,']) {
      const r = run(['serve', '--trusted-proxies', bad, '--db', path.join(dir, 'never.db')]);
      assert.equal(r.status, 2, `${bad}: ${r.stderr}`);
      assert.match(r.stderr, /invalid --trusted-proxies/);
    }
    assert.ok(!fs.existsSync(path.join(dir, 'never.db')));
  });
});

describe('shell completion', () => {
  const bashFile = path.join(ROOT, 'contrib/completion/numberd.bash');
  const zshFile = path.join(ROOT, 'contrib/completion/_numberd');
  const subcommands = () => {
    const out = {};
    for (const cmd of ['account', 'apikey', 'inventory', 'compliance', 'number']) {
      const h = ok([cmd, '--help']).stdout;
      out[cmd] = [...new Set([...h.matchAll(new RegExp(`numberd ${cmd} ([a-z|-]+)`, 'g'))].flatMap((m) => m[1].split('|')))];
    }
    return out;
  };

  test('bash: valid, and completes every command, subcommand and option', () => {
    assert.equal(spawnSync('bash', ['-n', bashFile]).status, 0);
    const complete = (words) => {
      const line = words.join(' ');
      const script = `source ${bashFile}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; ` +
        `COMP_LINE='${line}'; _numberd; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split('\n').filter(Boolean);
    };
    assert.deepEqual(complete(['numberd', 'ap']), ['apikey']);
    for (const [cmd, subs] of Object.entries(subcommands())) {
      const got = complete(['numberd', cmd, '']);
      for (const s of subs) assert.ok(got.includes(s), `${cmd} ${s} not completed: ${got}`);
    }
    assert.ok(complete(['numberd', 'apikey', 'create', '--']).includes('--expires-in'));
    assert.ok(complete(['numberd', 'account', 'rotate-token', '--']).includes('--grace'));
    assert.ok(complete(['numberd', 'serve', '--tr']).includes('--trusted-proxies'));
    // what a helper's audit (session 38) found wrong: the scope webhooks:manage
    // missing, carrier add offering options it refuses, export's --output
    // missing, events --type offered number types
    assert.ok(complete(['numberd', 'apikey', 'create', '--scopes', '']).includes('webhooks:manage'));
    const add = complete(['numberd', 'carrier', 'add', '--']);
    assert.ok(add.includes('--inbound') && !add.includes('--name') && !add.includes('--no-outbound-auth'), add.join(' '));
    assert.ok(complete(['numberd', 'carrier', 'update', '--']).includes('--no-outbound-auth'));
    assert.ok(complete(['numberd', 'inventory', 'export', '--']).includes('--output'));
    assert.deepEqual(complete(['numberd', 'events', '--type', '']), []);
    // every serve flag of --help
    const serveFlags = [...ok(['serve', '--help']).stdout.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => `--${m[1]}`);
    const got = complete(['numberd', 'serve', '--']);
    for (const f of serveFlags) assert.ok(got.includes(f), `serve ${f} not completed`);
  });

  test('zsh: names every command and subcommand', () => {
    const z = fs.readFileSync(zshFile, 'utf8');
    assert.match(z, /^#compdef numberd$/m);
    for (const [cmd, subs] of Object.entries(subcommands())) {
      assert.ok(z.includes(`'${cmd}:`), cmd);
      for (const s of subs) assert.ok(z.includes(s), `${cmd} ${s}`);
    }
    const zsh = spawnSync('sh', ['-c', 'command -v zsh']).status === 0;
    if (zsh) assert.equal(spawnSync('zsh', ['-n', zshFile]).status, 0);
  });
});

// Found by an audit (session 36, left then; done in session 37): a bad value
// taken from an environment variable was reported under its flag's name
// only, and the operator looked for a flag nobody had typed.
// `account rotate-token > /dev/full` exited 0: the new token lost, the old
// one already refused; so did the one-time secrets of account and apikey
// create, and every listing (a helper's audit, session 38).
test('output that cannot be written is a failure that says so, not 0', { skip: PG ? 'SQLite paths only' : false }, () => {
  const db = path.join(dir, 'full.db');
  const acct = JSON.parse(ok(['account', 'create', '--name', 'full', '--db', db]).stdout);
  const full = () => fs.openSync('/dev/full', 'w');
  for (const args of [['account', 'rotate-token', acct.auth_id], ['account', 'create', '--name', 'full-2'],
    ['apikey', 'create', '--account', acct.auth_id], ['account', 'list'], ['inventory', 'stats', '--json']]) {
    const fd = full();
    const r = spawnSync(BIN, [...args, '--db', db], { encoding: 'utf8', stdio: ['ignore', fd, 'pipe'] });
    fs.closeSync(fd);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^numberd: standard output: No space left on device: the command's output was lost/m, args.join(' '));
  }
  // to a working stdout: 0, as before
  assert.equal(run(['account', 'list', '--db', db]).status, 0);
});

// An interrupted `export -o FILE` left its FILE.XXXXXX behind, 50 MB of it
// (a helper's audit, session 38).
test('export -o FILE interrupted: no temporary file left, the old FILE kept, 130', { skip: PG ? 'SQLite paths only' : false }, async () => {
  const { spawn } = require('node:child_process');
  const db = path.join(dir, 'export-int.db');
  const gen = path.join(dir, 'gen-export.csv');
  fs.writeFileSync(gen, ok(['inventory', 'generate', '--count', '300000', '--seed', '9'], { maxBuffer: 1 << 28 }).stdout);
  ok(['inventory', 'import', gen, '--db', db]);
  const outDir = fs.mkdtempSync(path.join(dir, 'exp-'));
  const out = path.join(outDir, 'inv.csv');
  fs.writeFileSync(out, 'the old export\n');
  const child = spawn(BIN, ['inventory', 'export', '-o', out, '--db', db], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c) => { err += c; });
  // 'close', not 'exit': its last words (the line matched below) read to
  // their end
  const closed = new Promise((res) => child.on('close', (c) => res(c)));
  // once its temporary file exists (the export is writing), Ctrl-C; up to
  // 10 s for it to appear (the command's start and its database's open on
  // a loaded machine can outlast the 1 s this waited before)
  for (let i = 0; i < 2000 && fs.readdirSync(outDir).length < 2 && child.exitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const tmpSeen = fs.readdirSync(outDir).length === 2;
  child.kill('SIGINT');
  const code = await closed;
  // (300,000 rows take ~0.5 s to write; the signal goes within 5 ms of the
  // temporary file's creation)
  assert.ok(tmpSeen, 'the temporary file was seen before the signal');
  assert.equal(code, 130, err);
  assert.match(err, /inventory export: interrupted: nothing written/);
  assert.deepEqual(fs.readdirSync(outDir), ['inv.csv'], 'no temporary file left');
  assert.equal(fs.readFileSync(out, 'utf8'), 'the old export\n');
});

// A wrong header (or an empty file) imported into a --db that did not
// exist left a new empty database behind (a helper's audit, session 38).
test('an import refused for its header into a new --db leaves no database behind', { skip: PG ? 'SQLite paths only' : false }, () => {
  const db = path.join(dir, 'typo-import.db');
  const r = run(['inventory', 'import', '-', '--db', db], { input: 'numbr,country\n14155550100,US\n' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /unknown column: numbr \(line 1\) \(the new database .* was removed again\)/);
  assert.ok(!fs.existsSync(db), 'no database made');
  // a header name that is not UTF-8 is said so, with its byte (the message
  // was cut at that byte: "unknown column: numb")
  const u = run(['inventory', 'import', '-', '--db', db], { input: Buffer.from('numb\xe9r,country_iso,type\n', 'latin1') });
  assert.equal(u.status, 1, u.stderr);
  assert.match(u.stderr, /column 1's name is not UTF-8: byte 0xE9 at offset 4 \(line 1\)/);
  // an existing one is never removed
  ok(['inventory', 'import', '-', '--db', db], { input: ROWS(2, 4000) });
  assert.equal(run(['inventory', 'import', '-', '--db', db], { input: 'numbr\n1\n' }).status, 1);
  assert.ok(fs.existsSync(db));
});

// "cannot open SQLite database x.db" said that it failed, not why (a
// helper's audit, session 38).
test('a file that is not a database: the error says so', { skip: PG ? 'SQLite paths only' : false }, () => {
  const db = path.join(dir, 'garbage.db');
  fs.writeFileSync(db, Buffer.alloc(8192, 0x5a));
  const r = run(['account', 'list', '--db', db]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^numberd: open database: cannot open SQLite database .*garbage\.db: file is not a database/m);
});

test('a bad value from an environment variable names the variable', () => {
  const env = { ...process.env, NUMBERD_EVENT_RETENTION: 'forever' };
  const r = run(['serve', '--db', path.join(os.tmpdir(), `nd-env-${process.pid}.db`)], { env });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^numberd: usage: invalid --event-retention forever: .*\(--event-retention came from NUMBERD_EVENT_RETENTION\)/);
  // given as a flag: the flag alone, as before
  const f = run(['serve', '--db', path.join(os.tmpdir(), `nd-env-${process.pid}.db`), '--event-retention', 'forever']);
  assert.equal(f.status, 2);
  assert.ok(!/came from/.test(f.stderr), f.stderr);
});

// Found by a helper's audit (session 37): `migrate` said "schema is up to
// date" whatever happened -- also to an older binary on a newer release's
// database, which then ran without a word (PostgreSQL at least warned).
test('migrate says what it did, and an older binary\'s newer database is named so', { skip: PG ? 'SQLite (its version is a PRAGMA the test sets)' : false }, () => {
  const db = path.join(os.tmpdir(), `nd-migrate-${process.pid}.db`);
  try {
    let r = run(['migrate', '--db', db]);
    assert.equal(r.status, 0, r.stderr);
    const m = /^schema upgraded: (\d+) migration\(s\) applied, now version (\d+)$/.exec(r.stdout.trim());
    assert.ok(m, r.stdout);
    const known = Number(m[2]);
    r = run(['migrate', '--db', db]);
    assert.equal(r.stdout.trim(), `schema is up to date (version ${known})`);
    execFileSync('sqlite3', [db, `PRAGMA user_version = ${known + 5}`]);
    r = run(['migrate', '--db', db]);
    assert.equal(r.status, 0);
    assert.equal(r.stdout.trim(), `the database's schema (version ${known + 5}) is newer than this numberd's (${known}): nothing applied; run the release that made it`);
    r = run(['account', 'list', '--db', db]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`the database's schema \\(version ${known + 5}\\) is newer than this numberd's \\(${known}\\)`));
  } finally {
    for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  }
});
