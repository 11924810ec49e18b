'use strict';
// Races (issue 8, item 4), complementing race.test.js (many buyers, one
// shot each). Six accounts, each a sequential client, run a random mix over
// the SAME small pools of numbers, all at once:
//   - buys of inventory numbers, plain or with an Idempotency-Key, the
//     keyed ones sent twice at the same instant, and keys reused later;
//   - unrents (DELETE Number/{n}/ and DELETE /v1/phone-numbers/{n});
//   - adds of the same non-inventory numbers from each account's carrier
//     (Plivo POST Number/ with 1-3 numbers, BYOC POST /v1/phone-numbers
//     with a key).
// From the answers alone (2xx = it happened) the test then checks:
//   - at every moment each number has at most one owner: an account
//     certainly owned a number from the answer to its acquisition to the
//     sending of its release, and no two such intervals of different
//     accounts overlap;
//   - each account's acquisitions and releases of a number alternate, and a
//     keyed request sent twice at once acted once (the other answer is the
//     replay);
//   - the final state (what each account lists) equals what the 2xx
//     answers say.
// RACE_OPS sets the operations per account (150 here; `make stress` runs more).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { start, basic, csv } = require('./lib/server');

const OPS = Number(process.env.RACE_OPS || 150);
const ACTORS = 6;
const INV = Array.from({ length: 16 }, (_, i) => `141555520${String(i).padStart(2, '0')}`);
const OWN = Array.from({ length: 10 }, (_, i) => `164655530${String(i).padStart(2, '0')}`);

let srv;
let actors;

before(async () => {
  srv = await start({ threads: 4, args: ['--rate-limit', '0', '--aging-days', '0', '--auth-fail-limit', '0'] });
  await srv.loadCsv(csv(['number', 'country_iso', 'type'], INV.map((number) => ({ number, country_iso: 'US', type: 'fixed' }))));
  actors = [];
  for (let i = 0; i < ACTORS; i++) {
    const a = await srv.createAccount(`racer-${i}`);
    const c = await srv.plivo(a, 'POST', 'IncomingCarrier/', { body: { name: `trunk-${i}`, ip_set: `198.51.100.${i + 1}` } });
    assert.equal(c.status, 201, c.text);
    const uuid = await fetch(`${srv.base}/v1/phone-numbers/carriers`, { headers: { Authorization: `Bearer ${a.api_key}` } })
      .then((r) => r.json()).then((j) => j.data[0].voip_carrier_sid);
    actors.push({ ...a, index: i, carrier_id: c.json.carrier_id, voip: uuid, keys: [], held: new Set() });
  }
});

after(async () => { await srv.stop(); });

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms, monotonic
const pick = (list) => list[crypto.randomInt(list.length)];
// what to unrent: mostly one of the actor's own numbers (so that numbers
// change hands), sometimes any number (somebody else's: a 404)
const victim = (actor) => (actor.held.size && crypto.randomInt(4) ? pick([...actor.held]) : pick([...INV, ...OWN]));

async function send(actor, method, url, body, headers = {}) {
  const plivo = url.startsWith('/v1/Account/');
  const res = await fetch(srv.base + url, {
    method,
    headers: {
      Authorization: plivo ? basic(actor.auth_id, actor.auth_token) : `Bearer ${actor.api_key}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status < 500, `${method} ${url}: ${res.status} ${text}`);
  return { status: res.status, text, replayed: res.headers.get('idempotent-replayed') === 'true' };
}

const events = []; // {actor, kind: 'acq'|'rel', number, t0, t1}
const counts = { requests: 0, acquisitions: 0, releases: 0, pairs: 0, replays: 0 };

function record(actor, kind, numbers, t0, t1) {
  for (const number of numbers) {
    events.push({ actor: actor.index, kind, number, t0, t1 });
    if (kind === 'acq') actor.held.add(number);
    else actor.held.delete(number);
  }
  counts[kind === 'acq' ? 'acquisitions' : 'releases'] += numbers.length;
}

/**
 * A keyed request sent twice at the same instant: it acts at most once. A
 * failure is not stored with the key (idem.c keeps 2xx answers only), so
 * one copy may fail (the number was taken) and the other, run a moment
 * later, succeed (it was released in between); but two successes are one
 * action and its replay, with the same answer.
 */
async function keyedPair(actor, method, url, body, key, ok) {
  counts.requests += 2;
  counts.pairs++;
  const [a, b] = await Promise.all([
    send(actor, method, url, body, { 'Idempotency-Key': key }),
    send(actor, method, url, body, { 'Idempotency-Key': key }),
  ]);
  const good = [a, b].filter((r) => r.status === ok);
  const acted = good.filter((r) => !r.replayed);
  assert.ok(acted.length <= 1, `a keyed pair acted twice: ${a.text} / ${b.text}`);
  if (good.length === 2) {
    assert.equal(acted.length, 1, 'two successes: one of them is the replay');
    const strip = (t) => t.replace(/"api_id":"[^"]*",?/, '');
    assert.equal(strip(a.text), strip(b.text), 'the replay repeats the answer');
    counts.replays++;
  }
  return acted[0] || a;
}

async function one(actor) {
  const r = crypto.randomInt(100);
  const acc = `/v1/Account/${actor.auth_id}`;
  const t0 = now();
  if (r < 22) { // plain buy
    const n = pick(INV);
    counts.requests++;
    const res = await send(actor, 'POST', `${acc}/PhoneNumber/${n}/`, {});
    assert.ok([201, 404].includes(res.status), res.text);
    if (res.status === 201) record(actor, 'acq', [n], t0, now());
  } else if (r < 36) { // keyed buy, twice at once
    const n = pick(INV);
    const key = `race-${crypto.randomUUID()}`;
    const res = await keyedPair(actor, 'POST', `${acc}/PhoneNumber/${n}/`, {}, key, 201);
    assert.ok([201, 404].includes(res.status), res.text);
    if (res.status === 201) { record(actor, 'acq', [n], t0, now()); actor.keys.push({ key, n }); }
  } else if (r < 42 && actor.keys.length) { // an old key again: a replay, never a second purchase
    const { key, n } = pick(actor.keys);
    counts.requests++;
    const res = await send(actor, 'POST', `${acc}/PhoneNumber/${n}/`, {}, { 'Idempotency-Key': key });
    assert.equal(res.status, 201, res.text);
    assert.ok(res.replayed, 'a used key replays');
    counts.replays++;
  } else if (r < 62) { // unrent, Plivo
    const n = victim(actor);
    counts.requests++;
    const res = await send(actor, 'DELETE', `${acc}/Number/${n}/`);
    assert.ok([204, 404].includes(res.status), res.text);
    if (res.status === 204) record(actor, 'rel', [n], t0, now());
  } else if (r < 70) { // unrent, BYOC
    const n = victim(actor);
    counts.requests++;
    const res = await send(actor, 'DELETE', `/v1/phone-numbers/%2B${n}`);
    assert.ok([204, 404].includes(res.status), res.text);
    if (res.status === 204) record(actor, 'rel', [n], t0, now());
  } else if (r < 88) { // add 1-3 numbers, Plivo, all or nothing
    const k = 1 + crypto.randomInt(3);
    const ns = [...new Set(Array.from({ length: k }, () => pick(OWN)))];
    counts.requests++;
    const res = await send(actor, 'POST', `${acc}/Number/`,
      { numbers: ns.join(','), carrier: actor.carrier_id, region: 'NEW YORK' });
    assert.ok([202, 400].includes(res.status), res.text);
    if (res.status === 202) record(actor, 'acq', ns, t0, now());
  } else { // add one number, BYOC, keyed, twice at once
    const n = pick(OWN);
    const res = await keyedPair(actor, 'POST', '/v1/phone-numbers',
      { number: `+${n}`, voip_carrier_sid: actor.voip }, `race-${crypto.randomUUID()}`, 201);
    assert.ok([201, 400, 409, 422].includes(res.status), res.text);
    if (res.status === 201) record(actor, 'acq', [n], t0, now());
  }
}

test(`${ACTORS} accounts, ${OPS} operations each, over the same ${INV.length + OWN.length} numbers`, async (t) => {
  let go;
  const gate = new Promise((r) => { go = r; });
  const running = actors.map(async (a) => {
    await gate;
    for (let i = 0; i < OPS; i++) await one(a);
  });
  go();
  await Promise.all(running);

  // per number and account: acquisitions and releases alternate (each
  // account's requests are sequential, so their order is known)
  const expected = new Map();
  const intervals = new Map(); // number -> [{actor, from, to}]
  for (const n of [...INV, ...OWN]) {
    intervals.set(n, []);
    for (const a of actors) {
      const evs = events.filter((e) => e.number === n && e.actor === a.index).sort((x, y) => x.t0 - y.t0);
      let held = null;
      for (const e of evs) {
        if (e.kind === 'acq') {
          assert.equal(held, null, `account ${a.index} acquired ${n} while holding it`);
          held = e;
        } else {
          assert.notEqual(held, null, `account ${a.index} released ${n} without holding it`);
          intervals.get(n).push({ actor: a.index, from: held.t1, to: e.t0 });
          held = null;
        }
      }
      if (held) {
        assert.ok(!expected.has(n), `${n} ends with two owners: ${expected.get(n)} and ${a.index}`);
        expected.set(n, a.index);
        intervals.get(n).push({ actor: a.index, from: held.t1, to: Infinity });
      }
    }
    // at every moment at most one owner
    const iv = intervals.get(n);
    for (let i = 0; i < iv.length; i++) {
      for (let j = i + 1; j < iv.length; j++) {
        const x = iv[i];
        const y = iv[j];
        if (x.actor === y.actor) continue;
        assert.ok(!(x.from < y.to && y.from < x.to),
          `${n} owned by ${x.actor} and ${y.actor} at once: [${x.from}, ${x.to}] and [${y.from}, ${y.to}]`);
      }
    }
  }

  // the final state is what the answers say
  const actual = new Map();
  for (const a of actors) {
    const r = await send(a, 'GET', '/v1/phone-numbers?limit=100');
    assert.equal(r.status, 200, r.text);
    for (const x of JSON.parse(r.text).data) {
      const n = x.number.slice(1);
      assert.ok(!actual.has(n), `${n} listed by two accounts`);
      actual.set(n, a.index);
    }
  }
  assert.deepEqual([...actual.entries()].sort(), [...expected.entries()].sort());
  const st = await srv.admin('GET', '/admin/v1/inventory/stats');
  const sold = [...expected.keys()].filter((n) => INV.includes(n)).length;
  assert.equal(st.json.counts.US.fixed.active || 0, sold, st.text);
  assert.equal((st.json.counts.US.fixed.available || 0) + sold, INV.length, st.text);

  t.diagnostic(`race requests: ${counts.requests}; acquisitions: ${counts.acquisitions}; releases: ` +
    `${counts.releases}; keyed pairs sent at once: ${counts.pairs}; replays: ${counts.replays}`);
  assert.ok(counts.acquisitions > ACTORS && counts.releases > ACTORS, 'the mix did contend');
});
