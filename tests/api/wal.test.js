'use strict';
// SQLite's write-ahead log stays bounded under concurrent writers
// (docs/ARCHITECTURE.md, the checkpointer): checkpoints run on a thread of
// their own while writers go on, and a short second pass lets the log
// start over. Without that pass a passive checkpoint never caught up with
// 16 buyers and the log grew past 60 MB in a few thousand purchases. The
// size at which a checkpoint is asked for is NUMBERD_CHECKPOINT_PAGES
// (16,000 pages by default); the bound is checked at 2,000, which a few
// thousand purchases pass several times.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');
const { PG, BIN, start, csv } = require('./lib/server');

const SKIP = PG ? 'SQLite: its write-ahead log' : false;
const N = 3000;
const BUYERS = 16;
const numbers = Array.from({ length: N }, (_, i) => `1415${String(2000000 + i).padStart(7, '0')}`);

const MiB = 1024 * 1024;
const PAGES = 2000; // NUMBERD_CHECKPOINT_PAGES: a log of ~8 MiB (the default, 16,000, is ~64 MiB)
let srv;
let dflt;

// A server with the inventory of `numbers` and an account to buy them.
async function withInventory(env) {
  const s = await start({ args: ['--rate-limit', '0'], threads: 2, env });
  const acct = await s.createAccount('alice');
  await s.loadCsv(csv(['number', 'country_iso', 'type'],
    numbers.map((number) => ({ number, country_iso: 'US', type: 'fixed' }))));
  return { s, acct };
}

// BUYERS concurrent buyers buy every number; the largest size of the log
// file seen, every 100 answers.
async function buyAll({ s, acct }) {
  const wal = `${s.db}-wal`;
  let next = 0;
  let biggest = 0;
  const statuses = [];
  const buyer = async () => {
    while (next < N) {
      const n = numbers[next++];
      statuses.push((await s.buy(acct, n)).status);
      if (statuses.length % 100 === 0 && fs.existsSync(wal)) biggest = Math.max(biggest, fs.statSync(wal).size);
    }
  };
  await Promise.all(Array.from({ length: BUYERS }, buyer));
  assert.equal(statuses.length, N);
  assert.deepEqual([...new Set(statuses)], [201]);
  return biggest;
}

before(async () => {
  if (SKIP) return;
  srv = await withInventory({ NUMBERD_CHECKPOINT_PAGES: PAGES });
});

after(async () => {
  if (srv) await srv.s.stop();
  if (dflt) await dflt.s.stop();
});

test(`${N} purchases by ${BUYERS} concurrent buyers leave the log bounded, every one made`, { skip: SKIP }, async () => {
  const biggest = await buyAll(srv);
  // a checkpoint is asked for at PAGES pages (~7.8 MiB): the log file
  // reached 8.0-8.2 MiB; without the checkpointer's second pass the log
  // never starts over and grows with every purchase (23.3 MiB in these,
  // with checkpoints at 4,000 pages), until a commit checkpoints by itself
  // at 4 x PAGES
  assert.ok(biggest < 10 * MiB, `the log reached ${(biggest / MiB).toFixed(1)} MiB`);
  console.log(`# largest write-ahead log seen during ${N} purchases: ${(biggest / MiB).toFixed(1)} MiB`);
  const listed = await srv.s.plivo(srv.acct, 'GET', 'Number/', { query: { limit: 1 } });
  assert.equal(listed.status, 200, listed.text);
  assert.equal(listed.json.meta.total_count, N);
  const sq = spawnSync('sqlite3', [srv.s.db, 'PRAGMA integrity_check;'], { encoding: 'utf8' });
  if (sq.status === 0) assert.equal(sq.stdout.trim(), 'ok');
});

test('by default a checkpoint waits for a larger log (16,000 pages)', { skip: SKIP }, async () => {
  dflt = await withInventory({ NUMBERD_CHECKPOINT_PAGES: undefined });
  const biggest = await buyAll(dflt);
  // the same purchases, no checkpoint asked for before ~64 MiB: the log
  // reached 63 MiB (at 4,000 pages, the default until 2026-12-05, 16.2)
  assert.ok(biggest > 24 * MiB, `the log reached only ${(biggest / MiB).toFixed(1)} MiB`);
  console.log(`# largest write-ahead log seen, by default: ${(biggest / MiB).toFixed(1)} MiB`);
});

test('NUMBERD_CHECKPOINT_PAGES out of range or not a number: serve does not start, and says why', { skip: SKIP }, () => {
  for (const bad of ['999', '250001', '4000x', '-5', 'lots']) {
    const r = spawnSync(BIN, ['serve', '--db', `${srv.s.db}.bad`, '--listen', '127.0.0.1:0'], {
      encoding: 'utf8', env: { ...process.env, NUMBERD_CHECKPOINT_PAGES: bad, NUMBERD_ADMIN_TOKEN: 'x'.repeat(32) },
      timeout: 10000,
    });
    assert.equal(r.status, 1, `${bad}: ${r.stderr}`);
    assert.match(r.stderr, /invalid NUMBERD_CHECKPOINT_PAGES .*: want 1000-250000/, bad);
  }
});
