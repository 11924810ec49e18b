'use strict';
// The search index (src/avail, src/store/sqlite/avail.c; issue 20 item 2):
// a search's total_count from memory must be what SQL counts, whoever
// wrote last.  Two servers on one SQLite file: A keeps the index, B
// (NUMBERD_NO_SEARCH_INDEX) counts in SQL, the reference.  Rounds of
// purchases and releases through A (applied by its own commits), through B
// and through the CLI (another process: A learns of them by the
// generation, migration 0015, and loads again), each followed by random
// searches of every filter, asked of both: the answers must be equal, page
// and count.  A's /metrics must show that the index answered (not only
// fallen back to SQL) and that it was loaded again after others' writes.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { start, generateCsv, PG, BIN, randomToken, metricValues } = require('./lib/server');

const skip = PG ? 'the search index is SQLite\'s (PostgreSQL counts in SQL)' : false;

let A, B, acctA, acctB, rows;
const mtoken = randomToken(24);

// a seeded generator: a failure can be replayed
let seed = Number(process.env.SEARCH_INDEX_SEED || Date.now() % 100000);
function rnd(n) {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
}
const pick = (xs) => xs[rnd(xs.length)];
const flipCase = (s) => [...s].map((c) => (rnd(2) ? c.toLowerCase() : c.toUpperCase())).join('');

function parseCsv(text) {
  const [head, ...lines] = text.trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

before(async () => {
  if (skip) return;
  const us = generateCsv(2500, 'US', 11);
  const ca = generateCsv(400, 'CA', 12);
  rows = [...parseCsv(us), ...parseCsv(ca)];
  const common = ['--rate-limit', '0', '--aging-days', '0'];
  A = await start({ args: common, keepDir: true, env: { NUMBERD_METRICS_TOKEN: mtoken } });
  await A.loadCsv(us);
  await A.loadCsv(ca);
  B = await start({ dir: A.dir, admin: false, args: common, env: { NUMBERD_NO_SEARCH_INDEX: '1' } });
  B.adminToken = A.adminToken;
  acctA = await A.createAccount('index-a');
  acctB = { ...acctA };
});
after(async () => {
  if (skip) return;
  await B?.stop();
  await A?.stop();
});

/** metrics() once pred holds of it, or after tries more looks 100 ms apart. */
async function metricsWhen(pred, tries) {
  let m = await metrics();
  for (let i = 0; i < tries && !pred(m); i++) {
    await new Promise((r) => setTimeout(r, 100));
    m = await metrics();
  }
  return m;
}

async function metrics() {
  const p = 'numberd_search_index_';
  const m = await metricValues(A, mtoken, [`${p}live`, `${p}loads_total`, `${p}counts_total`, `${p}fallbacks_total`]);
  return {
    live: m[`${p}live`], loads: m[`${p}loads_total`], counts: m[`${p}counts_total`], fallbacks: m[`${p}fallbacks_total`],
  };
}

function randomQuery() {
  const r = pick(rows);
  const q = { country_iso: r.country_iso, limit: 1 + rnd(20) };
  if (rnd(4) === 0) q.offset = rnd(40);
  if (rnd(2)) q.pattern = r.number.slice(1, 2 + rnd(4));            // an NPA's first digits
  if (rnd(4) === 0) q.type = pick(['local', 'fixed', 'mobile', 'tollfree', 'national']);
  if (rnd(5) === 0) q.region = flipCase(r.region);
  if (rnd(5) === 0) q.city = flipCase(r.city);
  if (rnd(4) === 0) q.rate_center = flipCase(r.rate_center);
  if (rnd(6) === 0 && r.lata) q.lata = r.lata;
  if (rnd(3) === 0) q.services = pick(['voice', 'sms', 'mms', 'voice,sms', 'voice,sms,mms']);
  if (rnd(6) === 0) {
    q.npanxx = r.number.slice(1, 7);
    if (rnd(2)) q.local_calling_area = 'true';
  }
  return q;
}

async function searchBoth(q) {
  const ask = async (srv, acct) => {
    const res = await srv.plivo(acct, 'GET', 'PhoneNumber/', { query: q });
    return { status: res.status, total: res.json?.meta?.total_count,
      numbers: (res.json?.objects || []).map((o) => o.number), error: res.json?.error };
  };
  const [a, b] = await Promise.all([ask(A, acctA), ask(B, acctB)]);
  assert.deepEqual(a, b, `search ${JSON.stringify(q)} (seed ${seed})`);
  return a;
}

async function someAvailable(k) {
  const out = [];
  for (let i = 0; i < 10 && out.length < k; i++) {
    const j = await searchBoth({ country_iso: pick(['US', 'CA']), limit: 20, offset: rnd(200) });
    out.push(...j.numbers);
  }
  return out.slice(0, k);
}

test('total_count from the index equals SQL\'s after writes by this server, another and the CLI', { skip }, async () => {
  // up to 60 s, as below: the first load under the sanitizers on a
  // loaded machine may outlast a shorter wait
  const m0 = await metricsWhen((m) => m.live, 600);
  assert.equal(m0.live, 1, 'the index is loaded');
  const owned = [];
  for (let round = 0; round < 6; round++) {
    const who = round % 3; // 0: A (the index's own), 1: B (another server), 2: the CLI
    const buy = await someAvailable(8);
    if (who < 2) {
      const [srv, acct] = who === 0 ? [A, acctA] : [B, acctB];
      for (const n of buy) {
        const r = await srv.plivo(acct, 'POST', `PhoneNumber/${n}/`);
        assert.equal(r.status, 201, r.text);
        owned.push(n);
      }
      // and some back on sale (aging 0 days: available at once)
      for (let k = 0; k < 3 && owned.length; k++) {
        const n = owned.splice(rnd(owned.length), 1)[0];
        const r = await srv.plivo(acct, 'DELETE', `Number/${n}/`);
        assert.equal(r.status, 204, r.text);
      }
    } else {
      // another process writes the file: new numbers, by the CLI
      const extra = generateCsv(300, 'US', 100 + round);
      const file = `${A.dir}/extra${round}.csv`;
      require('node:fs').writeFileSync(file, extra);
      const res = spawnSync(BIN, ['inventory', 'import', '--db', A.db, file], { encoding: 'utf8' });
      assert.equal(res.status, 0, res.stderr);
      rows.push(...parseCsv(extra));
    }
    for (let k = 0; k < 60; k++) await searchBoth(randomQuery());
    // the searches above may all have come while the index loaded again
    // (after another writer; SQL answers meanwhile, and a slow or busy
    // machine made that most of them: 95 index counts in one CI run):
    // once it is live, 30 more, which it answers (but the few a filter
    // sends to SQL: ~2.5 %), so more than 100 of them in all.  Live is
    // waited for up to 60 s and must come: a load under the sanitizers
    // outlasted the 10 s this waited before (97 index counts, session 33)
    const lv = await metricsWhen((m) => m.live, 600);
    assert.equal(lv.live, 1, `the index is live again after round ${round}`);
    for (let k = 0; k < 30; k++) await searchBoth(randomQuery());
  }
  // the last round's writer was another process: the index is loading
  // again in the background (not live meanwhile), maybe not done yet
  const m1 = await metricsWhen((m) => m.live && m.loads > m0.loads, 600);
  assert.ok(m1.counts - m0.counts > 100, `the index answered (${m1.counts - m0.counts} counts)`);
  assert.ok(m1.loads > m0.loads, 'loaded again after another writer');
  assert.equal(m1.live, 1);
});

test('a purchase through this server is out of the next count at once', { skip }, async () => {
  const [n] = await someAvailable(1);
  const row = rows.find((r) => r.number === n);
  const query = { country_iso: row.country_iso, pattern: n.slice(1), limit: 20 };
  const before = await searchBoth(query);
  assert.equal(before.total, 1);
  const m0 = await metrics();
  const r = await A.plivo(acctA, 'POST', `PhoneNumber/${n}/`);
  assert.equal(r.status, 201, r.text);
  const afterBuy = await searchBoth(query);
  assert.equal(afterBuy.total, 0);
  const m1 = await metrics();
  assert.equal(m1.loads, m0.loads, 'applied, not loaded again');
  assert.ok(m1.counts > m0.counts, 'counted by the index');
});
