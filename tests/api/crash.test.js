'use strict';
// Crash safety (issue 8, item 3). Clients buy numbers (some with an
// Idempotency-Key) and add batches of 5 numbers from their carrier, all at
// once, while numberd is killed with SIGKILL at a random moment; then it is
// restarted on the same database, and:
//   - every request that was answered 2xx is there (the buyer owns the
//     number; each number of an added batch is on the account);
//   - nothing is half done: an add of 5 numbers is all there or not at all,
//     answered or not; a bought number has an owner and counts as sold in
//     the inventory (the number of sold inventory rows equals the number of
//     bought numbers the accounts list);
//   - a buy whose answer was lost, retried with its Idempotency-Key, either
//     replays (it had committed: the number is ours) or runs now;
//   - `PRAGMA integrity_check` is ok after every kill, and after the final,
//     clean stop.
// CRASH_CYCLES sets the number of kills (10 here; `make stress` runs more).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const { start, basic, csv, PG } = require('./lib/server');

const CYCLES = Number(process.env.CRASH_CYCLES || 10);
const CLIENTS = 4;
const INVENTORY = Array.from({ length: 3000 }, (_, i) => `1415555${String(i).padStart(4, '0')}`);
// added numbers: 1646 2xx xxxx, unique per batch, never in the inventory
let nextAdded = 0;
const addedBatch = () => Array.from({ length: 5 }, () => `16462${String(nextAdded++).padStart(6, '0')}`);

let dir;
let accounts; // {auth_id, auth_token, api_key, carrier_id}
const acked = []; // {kind: 'buy'|'add', acct, numbers}
const attempted = []; // every add batch sent, answered or not: {acct, numbers}
const lostIdem = []; // buys with a key whose answer was lost: {acct, number, key}
const stats = { requests: 0, acked: 0, lost: 0, kills: 0 };

function integrity(db) {
  // PostgreSQL has no integrity_check: its own WAL replay is its proof; the
  // checks that follow (what was acknowledged is there, nothing half done)
  // run on both backends.
  if (PG) return;
  const out = execFileSync('sqlite3', [db, 'PRAGMA integrity_check; PRAGMA foreign_key_check;'], { encoding: 'utf8' });
  assert.equal(out.trim(), 'ok', `integrity_check:\n${out}`);
}

before(async () => {
  const srv = await start({ keepDir: true, args: ['--rate-limit', '0'] });
  dir = srv.dir;
  await srv.loadCsv(csv(['number', 'country_iso', 'type'], INVENTORY.map((number) => ({ number, country_iso: 'US', type: 'fixed' }))));
  accounts = [];
  for (let i = 0; i < CLIENTS; i++) {
    const a = await srv.createAccount(`crash-${i}`);
    const c = await srv.plivo(a, 'POST', 'IncomingCarrier/', { body: { name: `edge-${i}`, ip_set: `192.0.2.${i + 1}` } });
    assert.equal(c.status, 201, c.text);
    accounts.push({ ...a, carrier_id: c.json.carrier_id, index: i });
  }
  await srv.stop();
});

after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One request; resolves {status, json, headers} or null when the server died under it. */
async function call(srv, acct, method, path, body, headers = {}) {
  stats.requests++;
  try {
    const res = await fetch(`${srv.base}/v1/Account/${acct.auth_id}/${path}`, {
      method,
      headers: { Authorization: basic(acct.auth_id, acct.auth_token), 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers, text };
  } catch {
    return null; // connection refused or reset: the outcome is unknown
  }
}

/** One client: buys and adds until the server dies. */
async function client(srv, acct, stop) {
  while (!stop.dead) {
    const r = crypto.randomInt(10);
    if (r < 6) {
      const number = INVENTORY[crypto.randomInt(INVENTORY.length)];
      const key = r < 3 ? `crash-${crypto.randomUUID()}` : undefined;
      const res = await call(srv, acct, 'POST', `PhoneNumber/${number}/`, {}, key ? { 'Idempotency-Key': key } : {});
      if (res === null) {
        stats.lost++;
        if (key) lostIdem.push({ acct, number, key });
        return;
      }
      if (res.status === 201) { acked.push({ kind: 'buy', acct, numbers: [number] }); stats.acked++; }
      else assert.equal(res.status, 404, res.text); // sold already
    } else {
      const numbers = addedBatch();
      attempted.push({ acct, numbers });
      const res = await call(srv, acct, 'POST', 'Number/', {
        numbers: numbers.join(','), carrier: acct.carrier_id, region: 'NEW YORK', number_type: 'local',
      });
      if (res === null) { stats.lost++; return; }
      assert.equal(res.status, 202, res.text);
      acked.push({ kind: 'add', acct, numbers });
      stats.acked++;
    }
  }
}

/** Every number of every account, through the BYOC list (100 a page). */
async function owners(srv) {
  const owner = new Map();
  for (const a of accounts) {
    for (let offset = 0; ; offset += 100) {
      const res = await fetch(`${srv.base}/v1/phone-numbers?limit=100&offset=${offset}`, {
        headers: { Authorization: `Bearer ${a.api_key}` },
      });
      const j = await res.json();
      assert.equal(res.status, 200, JSON.stringify(j));
      for (const n of j.data) {
        const num = n.number.slice(1);
        assert.ok(!owner.has(num), `${num} is on two accounts`);
        owner.set(num, { acct: a.index, source: n.source });
      }
      if (offset + 100 >= j.total) break;
    }
  }
  return owner;
}

async function verify(srv) {
  const owner = await owners(srv);
  for (const a of acked) {
    for (const n of a.numbers) {
      const o = owner.get(n);
      assert.ok(o, `${a.kind} of ${n} was answered 2xx but the number is on no account`);
      assert.equal(o.acct, a.acct.index, `${n} (${a.kind}, answered) is on account ${o.acct}`);
    }
  }
  for (const b of attempted) {
    const present = b.numbers.filter((n) => owner.has(n));
    assert.ok(present.length === 0 || present.length === 5,
      `half an add is visible: ${present.length} of ${b.numbers.join(',')}`);
    for (const n of present) assert.equal(owner.get(n).acct, b.acct.index);
  }
  // sold inventory rows == bought numbers on the accounts: no sale without an owner
  const bought = [...owner.values()].filter((o) => o.source === 'inventory').length;
  const st = await srv.admin('GET', '/admin/v1/inventory/stats');
  assert.equal(st.status, 200, st.text);
  const us = st.json.counts.US.fixed;
  assert.equal(us.active || 0, bought, JSON.stringify(st.json));
  assert.equal((us.active || 0) + (us.available || 0), INVENTORY.length, JSON.stringify(st.json));
  return owner;
}

/** Buys whose answer was lost, retried with the same key after the restart. */
async function retryLost(srv, owner) {
  while (lostIdem.length) {
    const { acct, number, key } = lostIdem.pop();
    const mine = owner.get(number)?.acct === acct.index;
    // the client may have tried to buy a number it had bought already
    const before = acked.some((x) => x.kind === 'buy' && x.acct === acct && x.numbers[0] === number);
    const res = await call(srv, acct, 'POST', `PhoneNumber/${number}/`, {}, { 'Idempotency-Key': key });
    assert.ok(res, 'the retry is answered');
    if (mine && !before) {
      // it committed before the kill: the retry replays it and buys nothing
      assert.equal(res.status, 201, res.text);
      assert.equal(res.headers.get('idempotent-replayed'), 'true', `${number}: a committed buy must replay`);
    } else {
      assert.ok(res.status === 201 || res.status === 404, res.text);
      assert.equal(res.headers.get('idempotent-replayed'), null);
    }
    if (res.status === 201 && !before) acked.push({ kind: 'buy', acct, numbers: [number] });
  }
}

test(`${CYCLES} SIGKILLs under load: nothing acknowledged is lost, nothing is half done`, async (t) => {
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const srv = await start({ dir, args: ['--rate-limit', '0', '--threads', '4'] });
    const owner = await verify(srv);
    await retryLost(srv, owner);
    const stop = { dead: false };
    const running = accounts.map((a) => client(srv, a, stop));
    // a random moment: from right away to well into the load
    await new Promise((r) => setTimeout(r, 20 + crypto.randomInt(600)));
    const res = await srv.kill('SIGKILL');
    stop.dead = true;
    stats.kills++;
    assert.equal(res.signal, 'SIGKILL', `numberd died before the kill: ${JSON.stringify(res)}\n${srv.stderr().slice(-2000)}`);
    await Promise.all(running);
    integrity(srv.db);
  }
  // the last restart: verify, then a clean stop and a last integrity check
  const srv = await start({ dir, args: ['--rate-limit', '0'] });
  const owner = await verify(srv);
  await retryLost(srv, owner);
  await verify(srv);
  await srv.stop();
  integrity(srv.db);
  t.diagnostic(`crash cycles: ${stats.kills}; requests: ${stats.requests}; answered 2xx: ${stats.acked}; ` +
    `cut off by a kill: ${stats.lost}; add batches sent: ${attempted.length}`);
  assert.ok(stats.acked > CYCLES, 'the clients did work between the kills');
});
