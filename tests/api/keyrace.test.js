'use strict';
// The first start of two nodes on a fresh database (issue 15).  The server
// key seals SIP passwords and keys the Idempotency-Key hashes; its keyed
// fingerprint is stored in the database on the first start, so that a node
// with another key is refused (it could not open what the others sealed).
// Storing it was read-then-write: two nodes starting at the same instant,
// each with a key of its own (a --secret-key-file created on each host),
// could both find no fingerprint and both start, the last writer's
// fingerprint winning.  Now the store inserts it only if absent
// (setting_put_new) and the slower node meets the other's.
//
// Promise, each of ROUNDS rounds on a fresh database (both backends: on
// SQLite two processes on one file):
//  - two nodes with different keys started at once: exactly one serves, the
//    other exits saying its key is not the database's; the stored
//    fingerprint is the one that serves (it starts again, the other still
//    cannot);
//  - two nodes with the same key started at once: both serve (on SQLite the
//    switch of a fresh file to WAL made one of them fail "database is
//    locked" until src/store/sqlite/conn.c tried it again), and what one
//    keyed with the server key the other reads (an Idempotency-Key request
//    made on A is replayed by B, its hash keyed with the same key).

const { test } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { PG, psql, start } = require('./lib/server');

const ROUNDS = Number(process.env.KEYRACE_ROUNDS || 10);
const REFUSED = /is not the one this database was written with/;

function freshDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-keyrace-'));
}

function cleanup(dir) {
  if (PG && fs.existsSync(path.join(dir, 'pg-url'))) {
    const db = fs.readFileSync(path.join(dir, 'pg-url'), 'utf8').trim().replace(/^.*\//, '');
    try { psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`); } catch { /* the cluster goes anyway */ }
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A node on dir's database with the key in keyFile (created when absent). */
const node = (dir, keyFile) => start({
  dir, threads: 2, env: { NUMBERD_SECRET_KEY: undefined, NUMBERD_SECRET_KEY_FILE: undefined },
  args: ['--secret-key-file', keyFile],
});

test(`two nodes with different keys started at once on a fresh database: one key wins (${ROUNDS} rounds)`, async (t) => {
  const winners = { A: 0, B: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const dir = freshDir();
    const keys = { A: path.join(dir, 'a.key'), B: path.join(dir, 'b.key') };
    try {
      const res = await Promise.allSettled([node(dir, keys.A), node(dir, keys.B)]);
      const up = res.filter((r) => r.status === 'fulfilled').map((r) => r.value);
      const down = res.filter((r) => r.status === 'rejected').map((r) => String(r.reason && r.reason.message));
      for (const srv of up) await srv.stop();
      assert.equal(up.length, 1, `round ${round}: exactly one node serves (${up.length} did; ${down.join(' | ')})`);
      assert.match(down[0], REFUSED, `round ${round}: the other refuses with the key message`);
      const win = res[0].status === 'fulfilled' ? 'A' : 'B';
      const lose = win === 'A' ? 'B' : 'A';
      winners[win]++;
      // the key file made for the loser was not kept: a wrong key beside
      // the database is one an operator would back up or restore (a
      // helper's audit, session 39)
      assert.ok(!fs.existsSync(keys[lose]), `round ${round}: the loser's new key file was removed`);
      // the database holds the winner's fingerprint: it starts again, the
      // loser (a new key again) still cannot
      const again = await node(dir, keys[win]);
      await again.stop();
      await assert.rejects(node(dir, keys[lose]), REFUSED, `round ${round}: the loser's key stays refused`);
      assert.ok(!fs.existsSync(keys[lose]), `round ${round}: and its key file is gone again`);
    } finally {
      cleanup(dir);
    }
  }
  t.diagnostic(`rounds won by the first spawned: ${winners.A}, by the second: ${winners.B}`);
});

test(`two nodes with the same key started at once on a fresh database: both serve, one key (${Math.max(1, ROUNDS / 2)} rounds)`, async () => {
  for (let round = 0; round < Math.max(1, ROUNDS / 2); round++) {
    const dir = freshDir();
    const key = path.join(dir, 'shared.key');
    fs.writeFileSync(key, crypto.randomBytes(32).toString('hex'), { mode: 0o600 });
    let A;
    let B;
    try {
      [A, B] = await Promise.all([node(dir, key), node(dir, key)]);
      const acct = await A.createAccount(`kr${round}`);
      const idem = `keyrace-${round}-${crypto.randomBytes(4).toString('hex')}`;
      const body = { carrier_name: 'keyed trunk', trunk_type: 'auth', sip_gateway: { ipv4: '192.0.2.12' },
        inbound_auth: { username: 'pbx4', password: 'kr-Pa55word-Zt5y0bM' } };
      const a = await A.byoc(acct.api_key, 'POST', '/carriers', { body, headers: { 'Idempotency-Key': idem } });
      assert.equal(a.status, 201, a.text);
      const b = await B.byoc(acct.api_key, 'POST', '/carriers', { body, headers: { 'Idempotency-Key': idem } });
      assert.equal(b.status, 201, `round ${round}: the replay on B: ${b.status} ${b.text}`);
      assert.equal(b.headers.get('idempotent-replayed'), 'true', `round ${round}: B replays A's answer`);
      assert.equal(b.json.id, a.json.id);
    } finally {
      await Promise.all([A && A.stop(), B && B.stop()].filter(Boolean));
      cleanup(dir);
    }
  }
});
