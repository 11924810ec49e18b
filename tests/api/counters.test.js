'use strict';
// Issue 20 items 0 and 1: the counts numberd keeps instead of recounting --
// numbers per carrier (carrier_counts: a carrier's number_count, read by
// every number add) and an account's listed numbers by subaccount, type,
// source and state (owner_counts: the list's total_count).  Both are kept
// by triggers in the writing transaction (migrations sqlite/0010,
// postgres/0009).
//
// Each test runs random operations concurrently (8 in flight: purchases,
// releases, adds, transfers between subaccounts, approvals, carrier
// deletes, a subaccount delete, an account closure), then compares the
// kept counters with a full count of the numbers table, in SQL and through
// the API (number_count, total_count).  Runs on SQLite and, with
// NUMBERD_TEST_PG, on PostgreSQL.  The seed is printed; NUMBERD_TEST_SEED
// replays a run.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { PG, psql, start, csv, ALL_COLUMNS } = require('./lib/server');

const SEED = Number(process.env.NUMBERD_TEST_SEED || Math.floor(Math.random() * 2 ** 31));
let rs = SEED;
/** mulberry32: a reproducible run from the printed seed */
function rand() {
  rs = (rs + 0x6d2b79f5) | 0;
  let t = Math.imul(rs ^ (rs >>> 15), 1 | rs);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rand() * a.length)];

let srv;

/** Rows of a SQL query against the server's database, as arrays of text. */
function sql(q) {
  const out = PG ? psql(q, srv.db) : execFileSync('sqlite3', ['-bail', srv.db, q], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('|'));
}

/** Runs the thunks with at most `width` in flight. */
async function concurrently(thunks, width = 8) {
  let next = 0;
  const worker = async () => {
    while (next < thunks.length) await thunks[next++]();
  };
  await Promise.all(Array.from({ length: width }, worker));
}

/** Any answer but a server fault: a lost race is a 4xx, never a 5xx. */
function noFault(r, what) {
  assert.ok(r.status < 500, `${what}: ${r.status} ${r.text}`);
  return r;
}

/** n local numbers (prefix + 4 digits) put on sale, then all bought by a
 * new account called name. */
async function boughtLocals(prefix, n, name) {
  const inv = Array.from({ length: n }, (_, i) => ({
    number: `${prefix}${String(i).padStart(4, '0')}`, country_iso: 'US', type: 'fixed', sub_type: 'local',
    voice_enabled: 'true', sms_enabled: 'true', monthly_rental_rate: '0.80000',
  }));
  await srv.loadCsv(csv(ALL_COLUMNS, inv));
  const acct = await srv.createAccount(name);
  for (const { number } of inv) assert.equal((await srv.buy(acct, number)).status, 201);
  return { inv, acct };
}

let seq = 1000;
const byocNumber = () => `1312555${String(seq++).padStart(4, '0')}`;

before(async () => {
  console.log(`counters.test.js: seed ${SEED} (NUMBERD_TEST_SEED=${SEED} replays it)`);
  // --auth-fail-limit 0: a closed account's requests racing with its
  // closure answer 401, which must not throttle the checks that follow
  srv = await start({ args: ['--rate-limit', '0', '--auth-fail-limit', '0'] });
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

describe('carrier_counts (a carrier\'s number_count)', () => {
  test('exact after concurrent adds, releases and carrier deletes; equal to a full count', async () => {
    const acct = await srv.createAccount('carriers');
    const k = await srv.admin('POST', `/admin/v1/accounts/${acct.auth_id}/api-keys`,
      { scopes: ['phone_numbers:read', 'phone_numbers:write'] });
    assert.equal(k.status, 201, k.text);
    const key = k.json.api_key;
    let names = 0;
    const mkCarrier = async () => {
      const name = `c${names++}`;
      const r = noFault(await srv.plivo(acct, 'POST', 'IncomingCarrier/', { body: { name, ip_set: '192.0.2.1' } }),
        'carrier create');
      assert.equal(r.status, 201, r.text);
      return r.json.carrier_id;
    };
    const carriers = [];
    for (let i = 0; i < 4; i++) carriers.push(await mkCarrier());
    const added = []; // numbers believed added (some may be gone)
    const ops = [];
    let adds = 0, releases = 0, deletes = 0;
    for (let i = 0; i < 240; i++) {
      const r = rand();
      if (r < 0.55) {
        ops.push(async () => {
          const nums = Array.from({ length: 1 + Math.floor(rand() * 3) }, byocNumber);
          const a = noFault(await srv.plivo(acct, 'POST', 'Number/',
            { body: { numbers: nums.join(','), carrier: pick(carriers), region: 'Illinois' } }), 'add');
          if (a.status === 202) { added.push(...nums); adds += nums.length; }
        });
      } else if (r < 0.85) {
        ops.push(async () => {
          if (!added.length) return;
          const n = added.splice(Math.floor(rand() * added.length), 1)[0];
          const d = noFault(await srv.plivo(acct, 'DELETE', `Number/${n}/`), 'release');
          if (d.status === 204) releases++;
        });
      } else {
        // delete a carrier: 409 while it has numbers, gone when empty (a
        // fresh one, or one whose numbers were all released); adds to it
        // racing with the delete either land first (409) or fail (400)
        ops.push(async () => {
          const id = rand() < 0.5 ? await mkCarrier() : pick(carriers);
          if (!carriers.includes(id)) carriers.push(id);
          const d = noFault(await srv.plivo(acct, 'DELETE', `IncomingCarrier/${id}/`), 'carrier delete');
          if (d.status === 204) { deletes++; carriers.splice(carriers.indexOf(id), 1); }
          if (!carriers.length) carriers.push(await mkCarrier());
        });
      }
    }
    await concurrently(ops);
    console.log(`carriers: ${adds} numbers added, ${releases} released, ${deletes} carriers deleted`);
    assert.ok(adds > 0 && releases > 0 && deletes > 0, 'every kind of operation happened');

    // the kept counts against a full count, for every carrier there is
    const full = new Map(sql('SELECT c.id, count(n.number) FROM carriers c '
      + 'LEFT JOIN numbers n ON n.carrier_id = c.id GROUP BY c.id').map(([id, n]) => [id, Number(n)]));
    const kept = new Map(sql('SELECT carrier_id, n FROM carrier_counts').map(([id, n]) => [id, Number(n)]));
    for (const [id, n] of full) assert.equal(kept.get(id) || 0, n, `carrier ${id}: kept ${kept.get(id)}, counted ${n}`);
    for (const id of kept.keys()) assert.ok(full.has(id), `a deleted carrier's count (${id}) is gone with it`);
    assert.ok([...full.values()].some((n) => n > 0), 'some carrier holds numbers');

    // and as the API shows it
    const l = await srv.byoc(key, 'GET', '/carriers', { query: { limit: 100 } });
    assert.equal(l.status, 200, l.text);
    const byName = new Map(sql('SELECT c.name, count(n.number) FROM carriers c '
      + `JOIN accounts a ON a.id = c.account_id AND a.auth_id = '${acct.auth_id}' `
      + 'LEFT JOIN numbers n ON n.carrier_id = c.id GROUP BY c.name').map(([name, n]) => [name, Number(n)]));
    assert.equal(l.json.data.length, byName.size);
    for (const c of l.json.data) assert.equal(c.number_count, byName.get(c.carrier_name), c.carrier_name);
  });
});

/** owner_counts against a full count of numbers, key by key (zero rows
 * are kept: dropped here); returns the full count's rows. */
function assertOwnerCountsExact() {
  const key = 'owner_id, coalesce(sub_id, 0), type, sub_type, source, state, caps';
  const full = sql(`SELECT ${key}, count(*) FROM numbers WHERE owner_id IS NOT NULL AND state IN (1, 2) `
    + `GROUP BY ${key} ORDER BY 1, 2, 3, 4, 5, 6, 7`).map((r) => r.join('|'));
  // a key's count is the sum of its rows (PostgreSQL keeps one per
  // connection slot: migration postgres/0013)
  const kept = sql('SELECT owner_id, sub_id, type, sub_type, source, state, caps, sum(n) FROM owner_counts '
    + 'GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7').map((r) => r.join('|'));
  assert.deepEqual(kept, full);
  return full;
}

describe('owner_counts (an account\'s total_count)', () => {
  test('exact after concurrent purchases, releases, adds, transfers, approvals, a subaccount delete and a close',
    async () => {
      // inventory: local, tollfree and mobile numbers, some needing compliance (bought pending)
      const inv = [];
      for (let i = 0; i < 150; i++) {
        const kind = i % 3;
        inv.push({
          number: kind === 1 ? `1833555${String(i).padStart(4, '0')}` : `1415555${String(i).padStart(4, '0')}`,
          country_iso: 'US',
          type: kind === 1 ? 'tollfree' : kind === 2 ? 'mobile' : 'fixed',
          sub_type: kind === 1 ? 'tollfree' : kind === 2 ? 'mobile' : 'local',
          // every mix of services, so that the counters' caps key is exercised
          voice_enabled: String(i % 2 === 0 || i % 8 === 7), sms_enabled: String(Math.floor(i / 2) % 2 === 0),
          mms_enabled: String(Math.floor(i / 4) % 2 === 0), monthly_rental_rate: '0.80000',
          restriction: i % 7 === 0 ? 'city-address' : '',
        });
      }
      await srv.loadCsv(csv(ALL_COLUMNS, inv));
      const alice = await srv.createAccount('alice');
      const carol = await srv.createAccount('carol');
      const sub = async (name) => {
        const r = await srv.plivo(alice, 'POST', 'Subaccount/', { body: { name, enabled: true } });
        assert.equal(r.status, 201, r.text);
        return { auth_id: r.json.auth_id, auth_token: r.json.auth_token };
      };
      const sa1 = await sub('sa1');
      const sa2 = await sub('sa2');
      const carrierOf = async (who, name) => {
        const r = await srv.plivo(who, 'POST', 'IncomingCarrier/', { body: { name, ip_set: '192.0.2.1' } });
        assert.equal(r.status, 201, r.text);
        return r.json.carrier_id;
      };
      const cA = await carrierOf(alice, 'alice-c');
      const cSa1 = await carrierOf(sa1, 'sa1-c');
      const cC = await carrierOf(carol, 'carol-c');

      const owned = { [alice.auth_id]: [], [carol.auth_id]: [] }; // main account -> numbers
      const avail = inv.map((r) => r.number);
      let sa2Gone = false;
      let carolClosed = false;
      const done = { buy: 0, release: 0, add: 0, transfer: 0, approve: 0 };
      const ops = [];
      for (let i = 0; i < 320; i++) {
        const r = rand();
        if (i === 160) {
          ops.push(async () => {
            const d = noFault(await srv.plivo(alice, 'DELETE', `Subaccount/${sa2.auth_id}/`), 'subaccount delete');
            assert.equal(d.status, 204, d.text);
            sa2Gone = true;
          });
        } else if (i === 240) {
          ops.push(async () => {
            const c = noFault(await srv.admin('POST', `/admin/v1/accounts/${carol.auth_id}/close`), 'close');
            assert.equal(c.status, 200, c.text);
            carolClosed = true;
          });
        } else if (r < 0.35) {
          ops.push(async () => {
            if (!avail.length) return;
            const n = avail.splice(Math.floor(rand() * avail.length), 1)[0];
            const who = rand() < 0.7 ? alice : carol;
            const b = noFault(await srv.buy(who, n), 'buy');
            if (b.status === 201) { owned[who.auth_id].push(n); done.buy++; } else avail.push(n);
          });
        } else if (r < 0.5) {
          ops.push(async () => {
            const who = rand() < 0.7 ? alice : carol;
            const list = owned[who.auth_id];
            if (!list.length) return;
            const n = list.splice(Math.floor(rand() * list.length), 1)[0];
            const d = noFault(await srv.plivo(who, 'DELETE', `Number/${n}/`), 'release');
            if (d.status === 204) done.release++;
          });
        } else if (r < 0.65) {
          ops.push(async () => {
            // a number brought by alice, by her subaccount sa1 (its own carrier), or by carol
            const [who, main, carrier] = pick([[alice, alice, cA], [sa1, alice, cSa1], [carol, carol, cC]]);
            const nums = Array.from({ length: 1 + Math.floor(rand() * 2) }, byocNumber);
            const body = { numbers: nums.join(','), carrier, region: 'Illinois' };
            if (rand() < 0.3) body.number_type = 'mobile';
            const a = noFault(await srv.plivo(who, 'POST', 'Number/', { body }), 'add');
            if (a.status === 202) { owned[main.auth_id].push(...nums); done.add += nums.length; }
          });
        } else if (r < 0.9) {
          ops.push(async () => {
            const list = owned[alice.auth_id];
            if (!list.length) return;
            const n = pick(list);
            const to = pick(sa2Gone ? [sa1.auth_id, ''] : [sa1.auth_id, sa2.auth_id, '']);
            const u = noFault(await srv.plivo(alice, 'POST', `Number/${n}/`, { body: { subaccount: to } }), 'transfer');
            if (u.status === 202) done.transfer++;
          });
        } else {
          ops.push(async () => {
            const n = pick(inv.filter((x) => x.restriction).map((x) => x.number));
            const a = noFault(await srv.admin('POST', `/admin/v1/numbers/${n}/approve`), 'approve');
            if (a.status === 200) done.approve++;
          });
        }
      }
      await concurrently(ops);
      console.log(`owners: ${JSON.stringify(done)}, subaccount deleted: ${sa2Gone}, account closed: ${carolClosed}`);
      for (const [k, v] of Object.entries(done)) assert.ok(v > 0, `some ${k} succeeded`);

      const full = assertOwnerCountsExact();
      assert.equal(sql('SELECT count(*) FROM (SELECT 1 FROM owner_counts '
        + 'GROUP BY owner_id, sub_id, type, sub_type, source, state, caps HAVING sum(n) < 0) AS k')[0][0], '0');
      assert.ok(full.length >= 4, `several keys counted: ${full.join(' ')}`);

      // and as the API shows it: total_count of the lists the counters serve
      const idOf = (a) => sql(`SELECT id FROM accounts WHERE auth_id = '${a.auth_id}'`)[0][0];
      const [aid, s1] = [idOf(alice), idOf(sa1)];
      const count = (where) => Number(sql(`SELECT count(*) FROM numbers n WHERE n.state IN (1, 2) AND ${where}`)[0][0]);
      const total = async (who, query) => {
        const r = await srv.plivo(who, 'GET', 'Number/', { query: { limit: 1, ...query } });
        assert.equal(r.status, 200, r.text);
        return r.json.meta.total_count;
      };
      const cases = [
        [alice, {}, `n.owner_id = ${aid}`],
        [alice, { type: 'local' }, `n.owner_id = ${aid} AND (n.type = 'local' OR n.sub_type = 'local')`],
        [alice, { type: 'tollfree' }, `n.owner_id = ${aid} AND (n.type = 'tollfree' OR n.sub_type = 'tollfree')`],
        [alice, { type: 'mobile' }, `n.owner_id = ${aid} AND (n.type = 'mobile' OR n.sub_type = 'mobile')`],
        [alice, { subaccount: sa1.auth_id }, `n.owner_id = ${aid} AND n.sub_id = ${s1}`],
        [sa1, {}, `n.owner_id = ${aid} AND n.sub_id = ${s1}`],
        [sa1, { type: 'local' }, `n.owner_id = ${aid} AND n.sub_id = ${s1} AND (n.type = 'local' OR n.sub_type = 'local')`],
        // services (the counters' caps: voice 1 | sms 2 | mms 4)
        [alice, { services: 'sms' }, `n.owner_id = ${aid} AND (n.caps & 2) = 2`],
        [alice, { services: 'voice' }, `n.owner_id = ${aid} AND (n.caps & 1) = 1`],
        [alice, { services: 'mms' }, `n.owner_id = ${aid} AND (n.caps & 4) = 4`],
        [alice, { services: 'voice,sms' }, `n.owner_id = ${aid} AND (n.caps & 3) = 3`],
        [alice, { services: 'sms', type: 'local' },
          `n.owner_id = ${aid} AND (n.caps & 2) = 2 AND (n.type = 'local' OR n.sub_type = 'local')`],
        [sa1, { services: 'mms' }, `n.owner_id = ${aid} AND n.sub_id = ${s1} AND (n.caps & 4) = 4`],
        // a filter the counters do not serve: counted, and the same
        [alice, { number_startswith: '1415' }, `n.owner_id = ${aid} AND n.number LIKE '1415%'`],
      ];
      for (const [who, query, where] of cases) {
        assert.equal(await total(who, query), count(where), `${who.auth_id} ${JSON.stringify(query)}`);
      }
      assert.ok(await total(alice, {}) > 0);
      // the services cases pick a part of the list, not all of it or none
      const all = await total(alice, {});
      for (const services of ['sms', 'mms']) {
        const t = await total(alice, { services });
        assert.ok(t > 0 && t < all, `services=${services}: ${t} of ${all}`);
      }
    });
  test('a subaccount deleted while its numbers are being assigned (to it, out of it, to its application): never a 5xx',
    async () => {
      // Deleting a subaccount locks it, then its numbers (to move them to
      // the main account); assigning a number to a subaccount or to an
      // application locks what it refers to.  When the assignment took the
      // number first and the subaccount (or application) second, the two
      // met in opposite orders on PostgreSQL: a deadlock, one of them
      // aborted, a 503.  Each round deletes a subaccount in the middle of
      // assignments of its own numbers.
      const { inv, acct: dave } = await boughtLocals('1657555', 24, 'dave');
      let assigned = 0;
      for (let round = 0; round < 6; round++) {
        const r = await srv.plivo(dave, 'POST', 'Subaccount/', { body: { name: `dave-sub${round}`, enabled: true } });
        assert.equal(r.status, 201, r.text);
        const sb = r.json.auth_id;
        const a = await srv.plivo({ auth_id: sb, auth_token: r.json.auth_token }, 'POST', 'Application/',
          { body: { app_name: `dave-app${round}`, answer_url: 'https://example.com/a' } });
        assert.equal(a.status, 201, a.text);
        const app = a.json.app_id;
        for (const { number } of inv) {
          const u = await srv.plivo(dave, 'POST', `Number/${number}/`, { body: { subaccount: sb, app_id: app } });
          assert.equal(u.status, 202, u.text);
        }
        const ops = inv.map(({ number }, i) => async () => {
          const body = i % 3 === 0 ? { subaccount: sb } : i % 3 === 1 ? { app_id: app } : { subaccount: '' };
          const u = noFault(await srv.plivo(dave, 'POST', `Number/${number}/`, { body }), 'assignment');
          if (u.status === 202) assigned++;
        });
        ops.splice(6, 0, async () => {
          const d = noFault(await srv.plivo(dave, 'DELETE', `Subaccount/${sb}/`), 'subaccount delete');
          assert.equal(d.status, 204, d.text);
        });
        await concurrently(ops);
      }
      assert.ok(assigned > 0, `assignments made: ${assigned}`);
      assertOwnerCountsExact();
    });
  test('numbers moved between a main account and its subaccount in both directions at once: never a 5xx',
    async () => {
      // Every number here has the same counter key but its subaccount, so
      // a move takes one from one counter row and adds one to the other.
      // Two moves in opposite directions touch the same two rows in
      // opposite orders: on PostgreSQL, whose counter rows are locked by
      // the writing transaction, that deadlocked (one move failed, 503)
      // until the trigger took them in key order.
      const { inv, acct: bob } = await boughtLocals('1646555', 16, 'bob');
      const r = await srv.plivo(bob, 'POST', 'Subaccount/', { body: { name: 'bob-sub', enabled: true } });
      assert.equal(r.status, 201, r.text);
      const sb = r.json.auth_id;
      const where = Object.fromEntries(inv.map(({ number }, i) => [number, i % 2 ? sb : '']));
      for (const [n, to] of Object.entries(where)) {
        if (to) assert.equal((await srv.plivo(bob, 'POST', `Number/${n}/`, { body: { subaccount: to } })).status, 202);
      }
      let moved = 0;
      const ops = Array.from({ length: 240 }, () => async () => {
        const n = pick(inv).number;
        const to = where[n] ? '' : sb;
        where[n] = to;
        const u = noFault(await srv.plivo(bob, 'POST', `Number/${n}/`, { body: { subaccount: to } }), 'move');
        if (u.status === 202) moved++;
      });
      await concurrently(ops);
      assert.ok(moved > 200, `moves made: ${moved}`);
      assertOwnerCountsExact();
    });
});
