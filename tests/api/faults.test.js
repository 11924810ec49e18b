'use strict';
// Faults (issue 15), made on purpose with tests/api/lib/faults.js.  Each
// scenario states its promise, then checks it; the figures it measures are
// printed (t.diagnostic) and quoted in docs/RELIABILITY.md.
//
//  1. Slow clients beside a purchase load, on two nodes (both backends): an
//     inventory import whose body arrives a little at a time, a request
//     whose headers arrive a byte at a time, a purchase whose body does.
//     Promise: purchases on both nodes keep their normal latency (no write
//     lock is ever held at a client's pace); each slow request is answered
//     correctly once it is complete; the import's rows are all there.
//  2. PostgreSQL stopped (fast), started, crashed (SIGKILL), started, under
//     a purchase load on two nodes (own cluster).  Promise: correct
//     credentials never get 401, nobody gets 429 because of the outage;
//     every refusal is 503 with Retry-After in the dialect's shape; every
//     201 is kept; both nodes serve again by themselves once the database
//     is back.
//  3. PostgreSQL connections dropped (own cluster, through a proxy):
//     reads are resent on a fresh connection and succeed; a write whose
//     commit succeeded but whose reply was lost is NOT run again (503, and
//     it happened once).
//  4. Disk full under SQLite (a small tmpfs; root only): writes answer 503
//     with Retry-After in the dialect's shape, reads go on, the server
//     stays up, nothing acknowledged is lost, and writes succeed again as
//     soon as space returns; the database is intact.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { PG, psql, start, csv, UUID_RE } = require('./lib/server');
const F = require('./lib/faults');

const COLS = ['number', 'country_iso', 'type', 'sub_type', 'region'];
const row = (number) => ({ number, country_iso: 'US', type: 'fixed', sub_type: 'local', region: 'CA' });
const nums = (prefix, n, from = 0) => Array.from({ length: n }, (_, i) => `${prefix}${String(from + i).padStart(4, '0')}`);

/** The dialect's error shape, 503 and Retry-After. */
function assertUnavailable(r, dialect, label) {
  assert.equal(r.status, 503, `${label}: ${r.status} ${r.text}`);
  const ra = r.headers.get ? r.headers.get('retry-after') : r.headers['retry-after'];
  assert.match(String(ra), /^[1-9][0-9]*$/, `${label}: Retry-After`);
  if (dialect === 'plivo') {
    assert.deepEqual(Object.keys(r.json || {}).sort(), ['api_id', 'error'], `${label}: ${r.text}`);
    assert.match(r.json.api_id, UUID_RE);
  } else {
    assert.equal(r.json && r.json.status, 503, `${label}: ${r.text}`);
    assert.equal(typeof r.json.detail, 'string');
  }
}

/** Every number acct owns, through node srv. */
async function owned(srv, acct) {
  const out = [];
  for (let offset = 0; ; offset += 20) {
    const r = await srv.plivo(acct, 'GET', 'Number/', { query: { limit: 20, offset } });
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.objects.map((o) => o.number));
    if (!r.json.meta.next) return out;
  }
}

/** Buyers: each worker buys its own numbers in turn, through its node. */
function buyers(nodes, accts, lists) {
  const next = lists.map(() => 0);
  return F.load(lists.length, async (w) => {
    const list = lists[w];
    if (next[w] >= list.length) return null;
    const n = list[next[w]++];
    const srv = nodes[w % nodes.length];
    const r = await srv.buy(accts[w % accts.length], n);
    r.note = n;
    return r;
  });
}

describe('slow clients beside a purchase load, two nodes', () => {
  let A;
  let B;
  let x;
  let y;
  const STOCK = nums('1303555', 2400);
  const SLOW = nums('1303556', 40);
  const SLOWBUY = '13035570000';

  before(async () => {
    const args = ['--rate-limit', '0'];
    A = await start({ keepDir: true, threads: 4, args });
    B = await start({ dir: A.dir, threads: 4, args });
    await A.loadCsv(csv(COLS, [...STOCK, SLOWBUY].map(row)));
    x = await A.createAccount('fx');
    y = await B.createAccount('fy');
  });

  after(async () => {
    const codes = await Promise.all([A.stop(), B.stop()]);
    for (const { code } of codes) assert.equal(code, 0);
    if (PG) psql(`DROP DATABASE IF EXISTS ${A.db.replace(/^.*\//, '')} WITH (FORCE)`);
    fs.rmSync(A.dir, { recursive: true, force: true });
  });

  test('a slow import, slow headers and a slow body: purchases on both nodes keep their latency', async (t) => {
    // baseline: the same load without slow clients
    const lists = [0, 1, 2, 3].map((w) => STOCK.filter((_, i) => i % 4 === w));
    const half = lists.map((l) => l.slice(0, 20));
    const base = buyers([A, B], [x, y], half);
    await F.sleep(1000);
    const baseRecs = await base.stop();
    const rest = lists.map((l, w) => l.slice(half[w].length));

    const run = buyers([A, B], [x, y], rest);
    // an import of 40 rows sent 40 bytes every 150 ms (about 6 s)
    const body = csv(COLS, SLOW.map(row));
    const imp = F.trickle(A.port, {
      path: '/admin/v1/inventory', headers: { Authorization: `Bearer ${A.adminToken}`, 'Content-Type': 'text/csv' },
      body, step: 40, pauseMs: 150,
    });
    // a search whose request line and headers come a byte every 15 ms
    const slowHead = F.trickle(B.port, {
      method: 'GET', path: `/v1/Account/${y.auth_id}/PhoneNumber/?country_iso=US&limit=1`,
      headers: { Authorization: `Basic ${Buffer.from(`${y.auth_id}:${y.auth_token}`).toString('base64')}` },
      what: 'headers', step: 1, pauseMs: 15,
    });
    // a purchase whose JSON body (22 bytes) comes a byte every 120 ms
    const slowBody = F.trickle(A.port, {
      path: `/v1/Account/${x.auth_id}/PhoneNumber/${SLOWBUY}/`,
      headers: { Authorization: `Basic ${Buffer.from(`${x.auth_id}:${x.auth_token}`).toString('base64')}`, 'Content-Type': 'application/json' },
      body: '{                    }', step: 1, pauseMs: 120,
    });
    const [ri, rh, rb] = await Promise.all([imp, slowHead, slowBody]);
    await F.sleep(300);
    const recs = await run.stop();

    assert.equal(ri.status, 200, ri.text);
    assert.equal(ri.json.imported, SLOW.length, ri.text);
    assert.equal(rh.status, 200, rh.text);
    assert.ok(rb.status === 201, `slow-body purchase: ${rb.status} ${rb.text}`);
    const bad = recs.filter((r) => r.status !== 201);
    assert.deepEqual(bad.map((r) => `${r.status} ${JSON.stringify(r.json)}`), [], 'every purchase answered 201');
    const ms = recs.map((r) => r.ms);
    const baseMs = baseRecs.map((r) => r.ms);
    t.diagnostic(`baseline: ${baseRecs.length} purchases, p50 ${F.pct(baseMs, 50)} ms, max ${Math.max(...baseMs)} ms`);
    t.diagnostic(`beside the slow clients: ${recs.length} purchases, p50 ${F.pct(ms, 50)} ms, p99 ${F.pct(ms, 99)} ms, max ${Math.max(...ms)} ms`);
    t.diagnostic(`import upload ${ri.ms} ms, slow headers ${rh.ms} ms, slow body ${rb.ms} ms`);
    // the upload lasts ~6 s: a lock held at its pace shows up as purchases
    // that wait for all of it.  Normal latency here is tens of ms (two
    // SQLite processes on one file take turns through the busy handler: up
    // to a few hundred); a loaded CI machine gets 2.5 s of slack.
    assert.ok(Math.max(...ms) < 2500, `a purchase waited ${Math.max(...ms)} ms`);
    assert.ok(recs.filter((r) => r.t > 500 && r.t < ri.ms - 500).length > 20, 'purchases ran during the upload');
    const s = await B.admin('GET', '/admin/v1/inventory/stats');
    assert.equal(s.json.total, STOCK.length + 1 + SLOW.length, s.text);
  });
});

describe('PostgreSQL restarted and crashed under a purchase load, two nodes',
  { skip: PG ? false : 'PostgreSQL stage only (its own throwaway cluster)' }, () => {
    let cluster;
    let A;
    let B;
    let x;
    let y;
    let dir;
    const STOCK = nums('1720555', 3000);

    before(async () => {
      cluster = F.pgCluster();
      dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'numberd-fault-'));
      fs.writeFileSync(path.join(dir, 'pg-url'), `${cluster.url}${cluster.createDb()}\n`);
      // no request budget (one account makes thousands of calls); the
      // failed-authentication throttle keeps its default: an outage that
      // counted as failures would trip it after 20
      const args = ['--rate-limit', '0'];
      A = await start({ dir, threads: 4, args });
      B = await start({ dir, threads: 4, args });
      await A.loadCsv(csv(COLS, STOCK.map(row)));
      x = await A.createAccount('px');
      y = await B.createAccount('py');
    });

    after(async () => {
      const codes = await Promise.all([A && A.stop(), B && B.stop()].filter(Boolean));
      if (cluster) cluster.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
      for (const { code } of codes) assert.equal(code, 0);
    });

    test('503 with Retry-After during the outage, never 401 or 429; every 201 kept; both recover by themselves', async (t) => {
      const W = 6;
      const lists = Array.from({ length: W }, (_, w) => STOCK.filter((_, i) => i % W === w));
      const run = buyers([A, B], [x, y], lists);
      // and a BYOC reader per node (the other dialect's shape)
      const readers = F.load(2, async (w) => {
        const srv = w ? B : A;
        const r = await srv.byoc(w ? y.api_key : x.api_key, 'GET', '', { query: { limit: 1 } });
        r.note = 'byoc';
        return r;
      });
      const t0 = Date.now();
      const mark = {};
      await F.sleep(800);
      mark.down = Date.now() - t0;
      cluster.down('fast');
      await F.sleep(1500);
      cluster.up();
      mark.up1 = Date.now() - t0;
      await F.sleep(1500);
      mark.crash = Date.now() - t0;
      cluster.crash();
      await F.sleep(1500);
      cluster.up();
      mark.up2 = Date.now() - t0;
      // both nodes must serve again without being touched
      const deadline = Date.now() + 20000;
      let back = null;
      while (Date.now() < deadline) {
        const rs = await Promise.all([A, B].map((srv, i) => srv.search(i ? y : x, { country_iso: 'US', limit: 1 })));
        if (rs.every((r) => r.status === 200)) { back = Date.now() - t0; break; }
        await F.sleep(100);
      }
      await F.sleep(500);
      const recs = [...await run.stop(), ...await readers.stop()];
      const counts = F.statusCounts(recs);
      t.diagnostic(`requests ${recs.length}: ${JSON.stringify(counts)}; down at ${mark.down} ms, up at ${mark.up1}, crash at ${mark.crash}, up at ${mark.up2}, both nodes serving at ${back} ms`);
      const recovered = recs.filter((r) => r.t > mark.up2 && r.status < 300).map((r) => r.t);
      t.diagnostic(`first 2xx after the last start: ${recovered.length ? Math.min(...recovered) - mark.up2 : 'none'} ms`);
      assert.ok(back !== null, 'both nodes serve again within 20 s of the database coming back');
      assert.equal(counts[401] || 0, 0, 'no 401 for correct credentials');
      assert.equal(counts[429] || 0, 0, 'no 429: the outage counted as no failed authentication');
      assert.equal(counts[0] || 0, 0, 'every request answered');
      assert.ok((counts[503] || 0) > 0, 'the outage was seen (some 503)');
      for (const r of recs) {
        if (r.status === 201 || r.status === 200) continue;
        assert.equal(r.status, 503, `${r.note}: ${r.status} ${JSON.stringify(r.json)}`);
        assert.match(String(r.retryAfter), /^[1-9][0-9]*$/, 'Retry-After');
        if (r.note === 'byoc') assert.equal(r.json.status, 503, JSON.stringify(r.json));
        else assert.deepEqual(Object.keys(r.json).sort(), ['api_id', 'error'], JSON.stringify(r.json));
      }
      // every 201 kept (a 503 may have bought too: its reply was lost)
      const got = new Set([...await owned(A, x), ...await owned(B, y)]);
      const acked = recs.filter((r) => r.status === 201).map((r) => r.note);
      t.diagnostic(`201s ${acked.length}, owned afterwards ${got.size}`);
      for (const n of acked) assert.ok(got.has(n), `acknowledged purchase of ${n} kept`);
      assert.ok(got.size >= acked.length);
    });

    test('a dropped connection: reads are resent and succeed; a write whose reply was lost is not run twice', async (t) => {
      const proxy = await F.pgProxy(cluster.port);
      const db = fs.readFileSync(path.join(dir, 'pg-url'), 'utf8').trim().replace(/^.*\//, '');
      const pdir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'numberd-fault-'));
      fs.writeFileSync(path.join(pdir, 'pg-url'),
        `postgresql://numberd@127.0.0.1:${proxy.port}/${db}?sslmode=disable&gssencmode=disable\n`);
      const P = await start({ dir: pdir, threads: 1, args: ['--rate-limit', '0'] });
      try {
        // reads: every connection cut, then a read answers 200 at once
        assert.equal((await P.search(x, { country_iso: 'US', limit: 1 })).status, 200);
        assert.ok(proxy.cutAll() >= 1);
        const r1 = await P.search(x, { country_iso: 'US', limit: 1 });
        assert.equal(r1.status, 200, r1.text);
        const r2 = await P.plivo(x, 'GET', 'Number/', { query: { limit: 1 } });
        assert.equal(r2.status, 200, r2.text);

        // a write (creating a subaccount: its INSERT and its event, issue
        // 18, in one transaction): it commits, the reply of the COMMIT is
        // lost with the connection
        const lost = proxy.loseReplyOf(/^COMMIT/);
        const r = await P.plivo(x, 'POST', 'Subaccount/', { body: { name: 'lost-reply', enabled: true } });
        const tag = await Promise.race([lost, F.sleep(5000).then(() => null)]);
        assert.equal(tag, 'COMMIT', 'the proxy lost the reply of the COMMIT');
        t.diagnostic(`subaccount create with its reply lost: ${r.status} ${r.text}`);
        const n = Number(cluster.psql(`SELECT count(*) FROM accounts WHERE name = 'lost-reply'`, db));
        assert.equal(n, 1, 'the INSERT ran exactly once');
        const ev = Number(cluster.psql(`SELECT count(*) FROM events WHERE type = 'subaccount.created' AND ` +
          `object_id = (SELECT auth_id FROM accounts WHERE name = 'lost-reply')`, db));
        assert.equal(ev, 1, 'its event committed with it, once');
        assertUnavailable(r, 'plivo', 'a write with an unknown outcome');
        // and the node goes on
        const r3 = await P.plivo(x, 'POST', 'Subaccount/', { body: { name: 'after-loss', enabled: true } });
        assert.equal(r3.status, 201, r3.text);
      } finally {
        proxy.disarm();
        await P.stop();
        await proxy.close();
        fs.rmSync(pdir, { recursive: true, force: true });
      }
    });
  });

describe('disk full under SQLite', {
  skip: PG ? 'SQLite only (the PostgreSQL stage tests its outages)' : (!F.isRoot() ? 'needs root (mounts a tmpfs)' : false),
}, () => {
  let disk;
  let S;
  let x;
  const STOCK = nums('1505555', 400);

  before(async () => {
    disk = F.smallDisk(12);
    S = await start({ dir: disk.dir, threads: 2 });
    await S.loadCsv(csv(COLS, STOCK.map(row)));
    x = await S.createAccount('dx');
  });

  after(async () => {
    if (S) await S.stop();
    if (disk) disk.destroy();
  });

  test('writes answer 503 in the dialect\'s shape, the server stays up, nothing acknowledged is lost, it recovers', async (t) => {
    const acked = [];
    for (const n of STOCK.slice(0, 20)) {
      const r = await S.buy(x, n);
      assert.equal(r.status, 201, r.text);
      acked.push(n);
    }
    const filled = disk.fill();
    t.diagnostic(`filler: ${filled} bytes`);
    // purchases until one is refused; an import that must grow the file
    const seen = {};
    let i = 20;
    for (; i < 120; i++) {
      const r = await S.buy(x, STOCK[i]);
      seen[r.status] = (seen[r.status] || 0) + 1;
      if (r.status === 201) { acked.push(STOCK[i]); continue; }
      assertUnavailable(r, 'plivo', `purchase of ${STOCK[i]} on a full disk`);
    }
    const big = csv(COLS, nums('1505556', 5000).map(row));
    const imp = await S.importCsv(big);
    assertUnavailable(imp, 'problem', 'an import on a full disk');
    const key = await S.admin('POST', `/admin/v1/accounts/${x.auth_id}/api-keys`, { scopes: ['phone_numbers:read'] });
    assert.ok(key.status === 201 || key.status === 503, `${key.status} ${key.text}`);
    if (key.status === 503) assertUnavailable(key, 'problem', 'an API key on a full disk');
    t.diagnostic(`purchases on the full disk: ${JSON.stringify(seen)}`);
    // reads go on, the server is up
    const l = await S.plivo(x, 'GET', 'Number/', { query: { limit: 1 } });
    assert.equal(l.status, 200, l.text);
    assert.ok(S.alive());

    disk.free();
    let back = null;
    const t0 = Date.now();
    for (; i < 200 && back === null; i++) {
      const r = await S.buy(x, STOCK[i]);
      if (r.status === 201) { acked.push(STOCK[i]); back = Date.now() - t0; }
      else assertUnavailable(r, 'plivo', 'a purchase as space returns');
    }
    assert.ok(back !== null, 'purchases succeed again once space returns');
    t.diagnostic(`first purchase after space returned: ${back} ms`);
    const imp2 = await S.importCsv(big);
    assert.equal(imp2.status, 200, imp2.text);

    // nothing acknowledged lost, across a restart, and the file is intact
    const dirOf = S.dir;
    const { code } = await S.stop();
    assert.equal(code, 0);
    S = await start({ dir: dirOf, threads: 2 });
    const got = new Set(await owned(S, x));
    for (const n of acked) assert.ok(got.has(n), `acknowledged purchase of ${n} kept`);
    const sq = spawnSync('sqlite3', [path.join(dirOf, 't.db'), 'PRAGMA integrity_check;'], { encoding: 'utf8' });
    if (sq.status === 0 || sq.stdout) assert.equal(sq.stdout.trim(), 'ok', sq.stderr);
    else t.diagnostic('sqlite3 CLI missing: integrity not checked');
  });
});

