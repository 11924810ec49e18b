'use strict';
// Kept answers (src/api/anscache.c; issue 20 items 1-3): an account's list,
// a search, and the GET of one number or one carrier asked again while
// nothing was committed are answered from the answer kept the first time --
// and must never be one change behind.
// Two servers on one database (an SQLite file, or two nodes of one
// PostgreSQL database): A keeps answers, B
// (NUMBERD_NO_ANSWER_CACHE) always computes them, the reference.  The same
// reads are asked of A twice (the second a kept answer) and
// of B; then something they show is changed -- through A, through B
// (another process A hears of only through the file) and through the CLI
// -- and asked again.  A's answers must equal B's every time (all but
// api_id, which is every request's own), and must show each change.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const { start, generateCsv, PG, BIN, randomToken, metricValues, dbOf, psql } = require('./lib/server');

// PostgreSQL's version is a snapshot read by rounds (store/postgres/conn.c)
const skip = false;

let A, B, main, sub, carrierId, lastOwned;
let owned = [];
const mtoken = randomToken(24);

before(async () => {
  if (skip) return;
  const common = ['--rate-limit', '0', '--aging-days', '0', '--threads', '2'];
  A = await start({ args: common, keepDir: true, env: { NUMBERD_METRICS_TOKEN: mtoken } });
  await A.loadCsv(generateCsv(600, 'US', 21));
  B = await start({ dir: A.dir, admin: false, args: common, env: { NUMBERD_NO_ANSWER_CACHE: '1' } });
  B.adminToken = A.adminToken;
  main = await A.createAccount('kept-answers');
  const s = await A.plivo(main, 'POST', 'Subaccount/', { body: { name: 'team-one', enabled: true } });
  assert.equal(s.status, 201, s.text);
  sub = { auth_id: s.json.auth_id, auth_token: s.json.auth_token };
  const found = await A.plivo(main, 'GET', 'PhoneNumber/', { query: { country_iso: 'US', limit: 20 } });
  for (const o of found.json.objects.slice(0, 12)) {
    const r = await A.plivo(main, 'POST', `PhoneNumber/${o.number}/`);
    assert.equal(r.status, 201, r.text);
    owned.push(o.number);
  }
  lastOwned = owned[owned.length - 1];   // released by B below
  const c = await A.plivo(main, 'POST', 'IncomingCarrier/', { body: { name: 'kept-carrier', ip_set: '198.51.100.7' } });
  assert.equal(c.status, 201, c.text);
  carrierId = c.json.carrier_id;
});
after(async () => {
  if (skip) return;
  await B?.stop();
  await A?.stop();
});

async function metrics() {
  const m = await metricValues(A, mtoken, ['numberd_answer_cache_hits_total', 'numberd_answer_cache_misses_total']);
  return { hits: m.numberd_answer_cache_hits_total, misses: m.numberd_answer_cache_misses_total };
}

// the reads: lists (the main account's, filtered, paged; the subaccount's),
// searches (indexes 0-8), then single objects (9-14): numbers (one the
// subaccount is given below: a 404 for it until then; one released below:
// a 404 then) and the main account's carrier, as the main account and as
// the subaccount (always a 404: not its carrier)
function reads() {
  const npa = owned[0].slice(1, 4);
  return [
    [main, 'Number/', { limit: 20 }],
    [main, 'Number/', { type: 'local', limit: 5 }],
    [main, 'Number/', { limit: 3, offset: 3 }],
    [main, 'Number/', { services: 'sms', limit: 20 }],
    [main, 'Number/', { subaccount: sub.auth_id }],
    [sub, 'Number/', {}],
    [main, 'PhoneNumber/', { country_iso: 'US', limit: 20 }],
    [main, 'PhoneNumber/', { country_iso: 'US', pattern: npa, limit: 7 }],
    [sub, 'PhoneNumber/', { country_iso: 'US', limit: 4, offset: 2 }],
    [main, `Number/${owned[0]}/`, {}],
    [main, `Number/${owned[1]}/`, {}],
    [sub, `Number/${owned[1]}/`, {}],
    [main, `Number/${lastOwned}/`, {}],
    [main, `IncomingCarrier/${carrierId}/`, {}],
    [sub, `IncomingCarrier/${carrierId}/`, {}],
  ];
}

const strip = (j) => { const { api_id, ...rest } = j; return rest; };

// every read, of A twice and of B: equal answers but for the api_id
async function same(when) {
  const out = [];
  for (const [acct, path, query] of reads()) {
    const a1 = await A.plivo(acct, 'GET', path, { query });
    const a2 = await A.plivo(acct, 'GET', path, { query });
    const b = await B.plivo(acct, 'GET', path, { query });
    const what = `${when}: GET ${path} ${JSON.stringify(query)}`;
    // pages are always found; an object may be a 404 (not, or no longer,
    // the caller's): A's status must be B's, asked once or twice
    if (!path.match(/\/.+\/$/)) assert.equal(b.status, 200, `${what}: ${b.text}`);
    assert.equal(a1.status, b.status, `${what}: ${a1.text}`);
    assert.equal(a2.status, b.status, `${what} (asked again): ${a2.text}`);
    assert.deepEqual(strip(a1.json), strip(b.json), `${what} (first ask)`);
    assert.deepEqual(strip(a2.json), strip(b.json), `${what} (asked again)`);
    // every answer has its own api_id, the request's (X-Request-Id)
    assert.notEqual(a1.json.api_id, a2.json.api_id, what);
    assert.equal(a2.json.api_id, a2.headers.get('x-request-id'), what);
    out.push(b.status === 200 ? a2.json : b.status);
  }
  return out;
}

const numberIn = (answer, n) => (answer.objects || []).find((o) => o.number === n);

test('a kept answer equals a fresh one, and none is one change behind', { skip }, async () => {
  let m0 = await metrics();
  const first = await same('at first');
  let m1 = await metrics();
  // every 200 asked again was a kept answer (a 404 is not kept)
  const found = first.filter((x) => typeof x === 'object').length;
  assert.equal(found, reads().length - 2);
  // A commit anywhere between two asks makes the second a miss, as it
  // must: on PostgreSQL any in the cluster (an autovacuum's ANALYZE of a
  // database another file left takes an xid, for one), on SQLite a
  // background write of either server.  Once more, then: a server that
  // keeps nothing fails both passes.
  if (m1.hits - m0.hits < found) {
    m0 = m1;
    await same('at first, asked again');
    m1 = await metrics();
  }
  assert.ok(m1.hits - m0.hits >= found, `kept answers were given (${JSON.stringify([m0, m1])})`);

  // through A: an alias on a number of the list
  const n0 = owned[0];
  let r = await A.plivo(main, 'POST', `Number/${n0}/`, { body: { alias: 'front-desk' } });
  assert.equal(r.status, 202, r.text);
  let got = await same('after A set an alias');
  assert.equal(numberIn(got[0], n0).alias, 'front-desk', 'A\'s own write is shown');
  assert.equal(got[9].alias, 'front-desk', 'the number\'s GET shows A\'s write');
  assert.equal(got[11], 404, 'the subaccount does not see a number that is not its');

  // through B (another process): a number to the subaccount, and one released
  const n1 = owned[1];
  r = await B.plivo(main, 'POST', `Number/${n1}/`, { body: { subaccount: sub.auth_id } });
  assert.equal(r.status, 202, r.text);
  const gone = owned.pop();
  r = await B.plivo(main, 'DELETE', `Number/${gone}/`);
  assert.equal(r.status, 204, r.text);
  got = await same('after B assigned and released');
  assert.equal(got[5].objects.length, 1, 'the subaccount lists the number B gave it');
  assert.equal(numberIn(got[0], gone), undefined, 'the released number left the list');
  assert.ok(numberIn(got[6], gone) || got[6].meta.total_count > 0, 'searches see it on sale');
  assert.equal(got[10].sub_account, sub.auth_id, 'the number\'s GET shows B\'s assignment');
  assert.equal(got[11].number, n1, 'the subaccount now sees the number B gave it');
  assert.equal(got[12], 404, 'the released number\'s GET is a 404, not a kept 200');

  // through B: the carrier renamed
  r = await B.plivo(main, 'POST', `IncomingCarrier/${carrierId}/`, { body: { name: 'kept-carrier-2' } });
  assert.equal(r.status, 202, r.text);
  got = await same('after B renamed the carrier');
  assert.equal(got[13].name, 'kept-carrier-2', 'the carrier\'s GET shows B\'s rename');

  // through B: the subaccount renamed (shown in the list, from a join)
  r = await B.plivo(main, 'POST', `Subaccount/${sub.auth_id}/`, { body: { name: 'team-two' } });
  assert.equal(r.status, 202, r.text);
  got = await same('after B renamed the subaccount');
  assert.equal(numberIn(got[0], n1).sub_account_name, 'team-two');
  assert.equal(got[10].sub_account_name, 'team-two', 'the number\'s GET shows the join\'s change');

  // through the CLI (a third process): a 10DLC campaign on a number, and
  // new inventory for the searches
  let cli = spawnSync(BIN, ['number', 'set-status', n0, '--tendlc-campaign', 'CMP42', '--db', A.db],
    { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  const file = `${A.dir}/more.csv`;
  fs.writeFileSync(file, generateCsv(200, 'US', 22));
  cli = spawnSync(BIN, ['inventory', 'import', '--db', A.db, file], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  got = await same('after the CLI wrote');
  assert.equal(numberIn(got[0], n0).tendlc_campaign_id, 'CMP42');
  assert.equal(got[9].tendlc_campaign_id, 'CMP42', 'the number\'s GET shows the CLI\'s write');

  // through A: purchases (the searches' answers change)
  const before = got[6].meta.total_count;
  for (const o of got[6].objects.slice(0, 3)) {
    r = await A.plivo(main, 'POST', `PhoneNumber/${o.number}/`);
    assert.equal(r.status, 201, r.text);
    owned.push(o.number);
  }
  got = await same('after A bought three');
  assert.equal(got[6].meta.total_count, before - 3);
  assert.equal(got[0].meta.total_count, owned.length);
  const m2 = await metrics();
  assert.ok(m2.misses - m1.misses >= 6 * reads().length, 'every change was a miss for every read');
});

// Read-your-writes under load: pollers keep A's kept answers hot (the same
// list and search, over and over, on other connections) while a writer
// buys numbers one at a time, through A or B; the first read after each
// 201 must show the purchase -- in the list and in the search.
test('after a write is answered, no kept answer from before it is given', { skip }, async () => {
  let stop = false;
  const listQ = { limit: 20 };
  const searchQ = { country_iso: 'US', limit: 20 };
  const poll = async () => {
    while (!stop) {
      await A.plivo(main, 'GET', 'Number/', { query: listQ });
      await A.plivo(main, 'GET', 'PhoneNumber/', { query: searchQ });
    }
  };
  const pollers = [poll(), poll(), poll()];
  const m0 = await metrics();
  try {
    for (let i = 0; i < 24; i++) {
      const s = await A.plivo(main, 'GET', 'PhoneNumber/', { query: searchQ });
      assert.equal(s.status, 200, s.text);
      const n = s.json.objects[0].number;
      const before = (await A.plivo(main, 'GET', 'Number/', { query: listQ })).json.meta.total_count;
      const srv = i % 2 ? B : A;
      const r = await srv.plivo(main, 'POST', `PhoneNumber/${n}/`);
      assert.equal(r.status, 201, r.text);
      owned.push(n);
      const l = await A.plivo(main, 'GET', 'Number/', { query: listQ });
      assert.equal(l.json.meta.total_count, before + 1, `round ${i}: the list counts the purchase`);
      const again = await A.plivo(main, 'GET', 'PhoneNumber/', { query: searchQ });
      assert.ok(!again.json.objects.some((o) => o.number === n), `round ${i}: the search no longer offers ${n}`);
    }
  } finally {
    stop = true;
    await Promise.all(pollers);
  }
  const m1 = await metrics();
  assert.ok(m1.hits - m0.hits > 50, `the pollers were answered from kept answers (${m1.hits - m0.hits})`);
});

// The same for one object: pollers keep the GET of a number and of a
// carrier hot while a writer changes them, through A or B; the first read
// after each answer shows the change.
test('after a write is answered, no kept object from before it is given', { skip }, async () => {
  let stop = false;
  const n = owned[0];
  const poll = async () => {
    while (!stop) {
      await A.plivo(main, 'GET', `Number/${n}/`);
      await A.plivo(main, 'GET', `IncomingCarrier/${carrierId}/`);
    }
  };
  const pollers = [poll(), poll(), poll()];
  const m0 = await metrics();
  try {
    for (let i = 0; i < 24; i++) {
      const srv = i % 2 ? B : A;
      let r = await srv.plivo(main, 'POST', `Number/${n}/`, { body: { alias: `desk-${i}` } });
      assert.equal(r.status, 202, r.text);
      const g = await A.plivo(main, 'GET', `Number/${n}/`);
      assert.equal(g.json.alias, `desk-${i}`, `round ${i}: the number shows its new alias`);
      r = await srv.plivo(main, 'POST', `IncomingCarrier/${carrierId}/`, { body: { ip_set: `198.51.100.${i + 10}` } });
      assert.equal(r.status, 202, r.text);
      const c = await A.plivo(main, 'GET', `IncomingCarrier/${carrierId}/`);
      assert.equal(c.json.ip_set, `198.51.100.${i + 10}`, `round ${i}: the carrier shows its new ip_set`);
    }
  } finally {
    stop = true;
    await Promise.all(pollers);
  }
  const m1 = await metrics();
  assert.ok(m1.hits - m0.hits > 50, `the pollers were answered from kept answers (${m1.hits - m0.hits})`);
});

test('an error is not kept, and a bad query still gets its error', { skip }, async () => {
  for (let i = 0; i < 2; i++) {
    const r = await A.plivo(main, 'GET', 'Number/', { query: { type: 'nonsense' } });
    assert.equal(r.status, 400, r.text);
    const s = await A.plivo(main, 'GET', 'PhoneNumber/', { query: { country_iso: 'ZZ' } });
    assert.equal(s.status, 400, s.text);
  }
});

// PostgreSQL: a snapshot's xmax is one past the last transaction that
// ended.  A write whose xid is below that (another transaction took a
// later xid and ended first) moves no xmax when it commits: only its
// leaving the snapshot's in-progress list tells the versions apart.  A psql
// session holds such a write open while A keeps an answer from before it.
test('a write in progress when an answer was kept makes it a miss when it commits',
  { skip: PG ? false : 'PostgreSQL\'s snapshot (SQLite\'s writers are serialized: the log header moves)' }, async () => {
    const n = owned[0];
    const p = spawn(process.env.NUMBERD_TEST_PSQL || 'psql', [dbOf(A.dir), '-qAtX', '-v', 'ON_ERROR_STOP=1'],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const until = async (word) => {
      // up to 15 s: psql's start and connection on a loaded machine
      for (let i = 0; i < 1500 && !out.includes(word); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(out.includes(word), `psql: ${out}`);
    };
    try {
      p.stdin.write(`BEGIN; UPDATE numbers SET alias = 'held-open' WHERE number = '${n}'; SELECT 'step-one';\n`);
      await until('step-one');
      // a later transaction, ended: the held write is now below xmax
      psql('SELECT pg_current_xact_id()', dbOf(A.dir));
      // Two asks; the second is a kept answer: the held write was in the
      // version.  Only if no other transaction ended between them: any
      // commit in the cluster (autovacuum analysing another test file's
      // database takes an xid) moves the version, and the second is then
      // rightly a miss (a fresh clone's run, session 32).  The cluster's
      // snapshot, read before and after, tells; the pair is asked again
      // when it moved, up to five times.  The first ask of the first pair
      // computes (the version moved since anything was kept); a later
      // pair's first may be the kept answer of the pair before it.
      const snapshot = () => psql('SELECT pg_current_snapshot()', dbOf(A.dir)).trim();
      const ask = async () => {
        const g = await A.plivo(main, 'GET', `Number/${n}/`);
        assert.equal(g.status, 200, g.text);
        assert.notEqual(g.json.alias, 'held-open', 'an uncommitted write is not shown');
        return metrics();
      };
      let still = false;
      for (let attempt = 0; attempt < 5 && !still; attempt++) {
        const s0 = snapshot();
        const m0 = await metrics();
        const m1 = await ask();
        const m2 = await ask();
        still = snapshot() === s0;
        if (!still) continue;
        const seen = JSON.stringify([m0, m1, m2]);
        if (attempt === 0) assert.equal(m1.hits - m0.hits, 0, `the first ask computed (${seen})`);
        assert.equal(m2.hits - m1.hits, 1, `the second ask was given the kept answer (${seen})`);
      }
      assert.ok(still, 'no pair of asks without another commit in the cluster between them');
      p.stdin.write("COMMIT; SELECT 'step-two';\n");
      await until('step-two');
      const g = await A.plivo(main, 'GET', `Number/${n}/`);
      assert.equal(g.json.alias, 'held-open', 'the write committed after the answer was kept is shown');
    } finally {
      p.stdin.end();
      await new Promise((r) => p.on('close', r));
    }
  });
