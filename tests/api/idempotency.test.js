'use strict';
// API.md §3 / §2.2: Idempotency-Key on every POST of the BYOC dialect.
// The first request acts and its 2xx answer is stored; the same key with the
// same body (key order and spacing irrelevant) within 24 hours replays that
// answer byte for byte with `Idempotent-Replayed: true` and does not act
// again; the same key with another body: 422. Keys are per account; errors
// are not stored; the store survives a restart; concurrent repeats act once.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const { start, assertProblem, UUID_RE, PG, psql } = require('./lib/server');

const CARRIERS = '/v1/phone-numbers/carriers';
const NUMBERS = '/v1/phone-numbers';

let srv;
let alice;
let bob;

before(async () => {
  srv = await start({ args: ['--rate-limit', '0'], threads: 4 });
  alice = await srv.createAccount('alice');
  bob = await srv.createAccount('bob');
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

let numIdx = 0;
const fresh = () => `+16465551${String(numIdx++).padStart(3, '0')}`;
let nameIdx = 0;
const name = () => `Idem ${++nameIdx}`;
const newKey = () => `key_${crypto.randomBytes(12).toString('base64url')}`;

/** A BYOC call on server s; body: object or raw JSON string; key: Idempotency-Key or undefined. */
async function call(s, acct, method, p, body, key, extra = {}) {
  const headers = { Authorization: `Bearer ${acct.api_key}`, ...extra };
  if (key !== undefined) headers['Idempotency-Key'] = key;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(s.base + p, { method, headers, body: payload });
  const text = await res.text();
  let json;
  try { json = text.length ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

const post = (acct, p, body, key, s = srv) => call(s, acct, 'POST', p, body, key);

function assertFirst(r, status = 201) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.headers.get('idempotent-replayed'), null, 'a first answer is not marked replayed');
}

function assertReplay(r, first) {
  assert.equal(r.status, first.status, r.text);
  assert.equal(r.text, first.text, 'byte-identical body');
  assert.equal(r.headers.get('idempotent-replayed'), 'true');
  assert.match(r.headers.get('content-type'), /^application\/json/);
}

async function carriersNamed(acct, n, s = srv) {
  const r = await call(s, acct, 'GET', `${CARRIERS}?limit=100`);
  assert.equal(r.status, 200, r.text);
  return r.json.data.filter((c) => c.carrier_name === n);
}

async function allNumbers(acct, s = srv) {
  const r = await call(s, acct, 'GET', `${NUMBERS}?limit=100`);
  assert.equal(r.status, 200, r.text);
  return r.json.data;
}

const carrierBody = (extra = {}) => ({ carrier_name: name(), sip_gateway: { ipv4: '198.51.100.7' }, ...extra });

// =====================================================================================

describe('the Idempotency-Key header', () => {
  test('8-255 of [A-Za-z0-9_-]; anything else: 400 problem, nothing done', async () => {
    for (const key of ['', 'short77', 'a'.repeat(256), 'has space', 'bad!char', 'dots.are.bad', 'cl\u00e9_cl\u00e9_cl\u00e9',
      'tab\tkeyxx', 'plus+keyxx', 'slash/key', 'trailing!']) {
      const body = carrierBody();
      const h = await post(alice, CARRIERS, body, key);
      assertProblem(h, 400, /Idempotency-Key/);
      assert.deepEqual(await carriersNamed(alice, body.carrier_name), []);
      const number = fresh();
      assertProblem(await post(alice, NUMBERS, { number }, key), 400, /Idempotency-Key/);
      assert.equal((await call(srv, alice, 'GET', `${NUMBERS}/${encodeURIComponent(number)}`)).status, 404);
    }
  });

  test('the bounds and the whole alphabet are accepted', async () => {
    for (const key of ['abcdefgh', 'A'.repeat(255), 'Az09_-Az09_-', '--------', '________', '12345678']) {
      assertFirst(await post(alice, CARRIERS, carrierBody(), key));
      assertFirst(await post(bob, NUMBERS, { number: fresh() }, key));
    }
  });

  test('without the header every POST acts', async () => {
    const b = carrierBody();
    assertFirst(await post(alice, CARRIERS, b));
    assert.equal((await post(alice, CARRIERS, b)).status, 409);
  });
});

describe('carriers: replay, 422, per account, errors not stored', () => {
  test('a repeat replays the stored answer byte for byte, and creates nothing', async () => {
    const key = newKey();
    const body = carrierBody({ sip_gateway: { ipv4: '198.51.100.8', port: 5070 } });
    const first = await post(alice, CARRIERS, body, key);
    assertFirst(first);
    assert.match(first.json.id, UUID_RE);
    for (let i = 0; i < 3; i++) assertReplay(await post(alice, CARRIERS, body, key), first);
    const found = await carriersNamed(alice, body.carrier_name);
    assert.equal(found.length, 1);
    assert.equal(found[0].id, first.json.id);
  });

  test('key order and spacing of the body do not matter', async () => {
    const key = newKey();
    const n = name();
    const a = `{"carrier_name":"${n}","trunk_type":"static_ip","sip_gateway":{"ipv4":"198.51.100.9","port":5060,"inbound":true}}`;
    const b = `{\n  "sip_gateway" : { "inbound" : true , "port":5060, "ipv4" : "198.51.100.9" },\n  "trunk_type":"static_ip",   "carrier_name" : "${n}"\n}\n`;
    const first = await post(alice, CARRIERS, a, key);
    assertFirst(first);
    assertReplay(await post(alice, CARRIERS, b, key), first);
    assert.equal((await carriersNamed(alice, n)).length, 1);
  });

  test('the same key with another body: 422 problem; nothing created', async () => {
    const key = newKey();
    const body = carrierBody();
    const first = await post(alice, CARRIERS, body, key);
    assertFirst(first);
    const others = [
      { ...body, carrier_name: `${body.carrier_name} x` },
      { ...body, sip_gateway: { ipv4: '198.51.100.7', port: 5061 } },
      { ...body, trunk_type: 'static_ip' }, // the default, but another request
      { carrier_name: body.carrier_name },
    ];
    for (const other of others) {
      const r = await post(alice, CARRIERS, other, key);
      const p = assertProblem(r, 422);
      assert.deepEqual(Object.keys(p).sort(), ['detail', 'status', 'title', 'type']);
      assert.equal(r.headers.get('idempotent-replayed'), null);
    }
    assert.deepEqual(await carriersNamed(alice, `${body.carrier_name} x`), []);
    assert.equal((await carriersNamed(alice, body.carrier_name)).length, 1);
    // and the original request still replays
    assertReplay(await post(alice, CARRIERS, body, key), first);
  });

  test('bodies that differ only in a password are different requests (422), and no password is echoed', async () => {
    const key = newKey();
    const body = carrierBody({ trunk_type: 'auth', inbound_auth: { username: 'idem', password: 'First-Password-1' } });
    const first = await post(alice, CARRIERS, body, key);
    assertFirst(first);
    const r = await post(alice, CARRIERS, { ...body, inbound_auth: { username: 'idem', password: 'Second-Password-2' } }, key);
    assertProblem(r, 422);
    const again = await post(alice, CARRIERS, body, key);
    assertReplay(again, first);
    for (const t of [first.text, r.text, again.text]) {
      assert.ok(!t.includes('First-Password-1') && !t.includes('Second-Password-2'), t);
    }
  });

  test('keys are per account: another account\'s request with the same key acts on its own', async () => {
    const key = newKey();
    const body = carrierBody();
    const a = await post(alice, CARRIERS, body, key);
    assertFirst(a);
    const b = await post(bob, CARRIERS, body, key);
    assertFirst(b);
    assert.notEqual(b.json.id, a.json.id);
    assert.equal(b.json.account_id, bob.auth_id);
    assert.equal((await carriersNamed(bob, body.carrier_name)).length, 1);
    // and each account replays its own answer
    assertReplay(await post(alice, CARRIERS, body, key), a);
    assertReplay(await post(bob, CARRIERS, body, key), b);
    // bob's different body under the key alice used is judged against bob's request only
    assertProblem(await post(bob, CARRIERS, { ...body, carrier_name: name() }, key), 422);
  });

  test('a 400 is not stored: the same key works after fixing the body', async () => {
    const key = newKey();
    const body = carrierBody();
    const bad = { ...body, sip_gateway: { ipv4: 'sip.example.com' } };
    const r1 = await post(alice, CARRIERS, bad, key);
    assertProblem(r1, 400);
    assert.equal(r1.headers.get('idempotent-replayed'), null);
    // the same failing request again: evaluated again (400, not a replay, not 422)
    const r2 = await post(alice, CARRIERS, bad, key);
    assertProblem(r2, 400);
    assert.equal(r2.headers.get('idempotent-replayed'), null);
    const ok = await post(alice, CARRIERS, body, key);
    assertFirst(ok);
    assertReplay(await post(alice, CARRIERS, body, key), ok);
    // now the key is taken by the successful request: the old bad body is another request
    assertProblem(await post(alice, CARRIERS, bad, key), 422);
  });

  test('a 409 is not stored: once the conflict is gone the same key and body act', async () => {
    const key = newKey();
    const body = carrierBody();
    const blocker = await post(alice, CARRIERS, body);
    assertFirst(blocker);
    assertProblem(await post(alice, CARRIERS, body, key), 409, `a carrier named ${body.carrier_name} already exists`);
    assert.equal((await call(srv, alice, 'DELETE', `${CARRIERS}/${blocker.json.id}`)).status, 204);
    const r = await post(alice, CARRIERS, body, key);
    assertFirst(r);
    assert.notEqual(r.json.id, blocker.json.id);
  });

  test('a replay needs the write scope like any POST', async () => {
    const key = newKey();
    const body = carrierBody();
    assertFirst(await post(alice, CARRIERS, body, key));
    const kr = await srv.admin('POST', `/admin/v1/accounts/${alice.auth_id}/api-keys`, { scopes: ['phone_numbers:read'] });
    assert.equal(kr.status, 201, kr.text);
    const ro = { api_key: kr.json.api_key };
    assertProblem(await post(ro, CARRIERS, body, key), 403, 'this API key lacks the phone_numbers:write scope');
    // another key of the same account shares the account's keys
    const kw = await srv.admin('POST', `/admin/v1/accounts/${alice.auth_id}/api-keys`,
      { scopes: ['phone_numbers:read', 'phone_numbers:write'] });
    const r = await post({ api_key: kw.json.api_key }, CARRIERS, body, key);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('idempotent-replayed'), 'true');
  });

  test('the same key on another endpoint is another request: 422', async () => {
    const key = newKey();
    assertFirst(await post(alice, CARRIERS, carrierBody(), key));
    const number = fresh();
    assertProblem(await post(alice, NUMBERS, { number }, key), 422);
    assert.equal((await call(srv, alice, 'GET', `${NUMBERS}/${encodeURIComponent(number)}`)).status, 404);
  });
});

describe('numbers: replay, 422, errors not stored', () => {
  test('a repeat replays and adds nothing; another body: 422', async () => {
    const key = newKey();
    const number = fresh();
    const first = await post(alice, NUMBERS, { number, label: 'one' }, key);
    assertFirst(first);
    assert.equal(first.json.number, number);
    assertReplay(await post(alice, NUMBERS, { label: 'one', number }, key), first);
    assertProblem(await post(alice, NUMBERS, { number, label: 'two' }, key), 422);
    const other = fresh();
    assertProblem(await post(alice, NUMBERS, { number: other, label: 'one' }, key), 422);
    const mine = (await allNumbers(alice)).filter((n) => n.number === number || n.number === other);
    assert.deepEqual(mine.map((n) => n.id), [first.json.id]);
    assert.equal(mine[0].label, 'one');
  });

  test('a replay after the number was deleted still replays, and does not add it again', async () => {
    const key = newKey();
    const number = fresh();
    const first = await post(alice, NUMBERS, { number }, key);
    assertFirst(first);
    assert.equal((await call(srv, alice, 'DELETE', `${NUMBERS}/${first.json.id}`)).status, 204);
    assertReplay(await post(alice, NUMBERS, { number }, key), first);
    assert.equal((await call(srv, alice, 'GET', `${NUMBERS}/${encodeURIComponent(number)}`)).status, 404);
  });

  test('a 400 is not stored', async () => {
    const key = newKey();
    assertProblem(await post(alice, NUMBERS, { number: '+1234' }, key), 400, '+1234: invalid number');
    const number = fresh();
    const ok = await post(alice, NUMBERS, { number }, key);
    assertFirst(ok);
    assertReplay(await post(alice, NUMBERS, { number }, key), ok);
  });

  test('with a carrier: one number, one count', async () => {
    const c = await post(alice, CARRIERS, carrierBody());
    assertFirst(c);
    const key = newKey();
    const body = { number: fresh(), voip_carrier_sid: c.json.voip_carrier_sid };
    const first = await post(alice, NUMBERS, body, key);
    assertFirst(first);
    assertReplay(await post(alice, NUMBERS, body, key), first);
    const g = await call(srv, alice, 'GET', `${CARRIERS}/${c.json.id}`);
    assert.equal(g.json.number_count, 1);
  });
});

// Found by a helper's audit (session 36): the POSTs of a customer's own API
// keys and webhook endpoints ignored Idempotency-Key (a repeat made a second
// key, a second endpoint) and took a malformed one.  Their first answer shows
// a secret once; a replay answers the same object with the secret null --
// the stored answer never holds it.
describe('API keys and webhook endpoints: once per key, the secret not kept', () => {
  const KEYS = `${NUMBERS}/api-keys`;
  const HOOKS = `${NUMBERS}/webhooks`;
  let owner;
  before(async () => {
    const a = await srv.createAccount('keyed');
    const k = await srv.admin('POST', `/admin/v1/accounts/${a.auth_id}/api-keys`,
      { scopes: ['phone_numbers:read', 'api_keys:manage', 'webhooks:manage'] });
    assert.equal(k.status, 201, k.text);
    owner = { api_key: k.json.api_key };
  });
  const count = async (p) => (await call(srv, owner, 'GET', `${p}?limit=100`)).json.data.length;

  test('an API key: made once, the replay without api_key; another body 422; a malformed key 400', async () => {
    const before = await count(KEYS);
    const key = newKey();
    const body = { scopes: ['phone_numbers:read'], label: 'ci' };
    const first = await post(owner, KEYS, body, key);
    assertFirst(first);
    assert.match(first.json.api_key, /^nd_live_/);
    const again = await post(owner, KEYS, { label: 'ci', scopes: ['phone_numbers:read'] }, key);
    assert.equal(again.status, 201, again.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.json.id, first.json.id);
    assert.equal(again.json.api_key, undefined, 'the secret is not replayed');
    assert.ok(!again.text.includes(first.json.api_key), 'nor stored');
    assert.equal(await count(KEYS), before + 1, 'one key made');
    assertProblem(await post(owner, KEYS, { scopes: ['phone_numbers:read'], label: 'other' }, key), 422);
    assertProblem(await post(owner, KEYS, body, 'bad'), 400);
    assert.equal(await count(KEYS), before + 1);
    // the key made works
    assert.equal((await call(srv, { api_key: first.json.api_key }, 'GET', CARRIERS)).status, 200);
  });

  test('a webhook endpoint: created and rotated once per key, the secret in the first answer only', async () => {
    const before = await count(HOOKS);
    const key = newKey();
    const body = { url: 'https://hooks.example.com/keyed', event_types: ['number.*'] };
    const first = await post(owner, HOOKS, body, key);
    assertFirst(first);
    assert.match(first.json.secret, /^whsec_/);
    const again = await post(owner, HOOKS, body, key);
    assert.equal(again.status, 201, again.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.json.id, first.json.id);
    assert.equal(again.json.secret, undefined);
    assert.ok(!again.text.includes(first.json.secret));
    assert.equal(await count(HOOKS), before + 1, 'one endpoint made');
    assertProblem(await post(owner, HOOKS, { ...body, url: 'https://hooks.example.com/other' }, key), 422);
    assertProblem(await post(owner, HOOKS, body, 'bad'), 400);
    assert.equal(await count(HOOKS), before + 1);

    const rkey = newKey();
    const rot = await post(owner, `${HOOKS}/${first.json.id}/rotate-secret`, { grace_period: '0' }, rkey);
    assert.equal(rot.status, 200, rot.text);
    assert.match(rot.json.secret, /^whsec_/);
    assert.notEqual(rot.json.secret, first.json.secret);
    const rot2 = await post(owner, `${HOOKS}/${first.json.id}/rotate-secret`, { grace_period: '0' }, rkey);
    assert.equal(rot2.status, 200, rot2.text);
    assert.equal(rot2.headers.get('idempotent-replayed'), 'true');
    assert.equal(rot2.json.secret, undefined, 'rotated once: the replay shows no new secret');
    assert.ok(!rot2.text.includes(rot.json.secret));
  });
});

describe('concurrency', () => {
  test('10 identical carrier creates with one key at once: all 201, identical bodies, one carrier', async () => {
    const key = newKey();
    const body = carrierBody();
    const rs = await Promise.all(Array.from({ length: 10 }, () => post(alice, CARRIERS, body, key)));
    assert.deepEqual(rs.map((r) => r.status), Array(10).fill(201), rs.map((r) => r.text).join('\n'));
    assert.equal(new Set(rs.map((r) => r.text)).size, 1, 'identical bodies');
    assert.equal(rs.filter((r) => r.headers.get('idempotent-replayed') === null).length, 1, 'one first answer');
    assert.equal(rs.filter((r) => r.headers.get('idempotent-replayed') === 'true').length, 9);
    const found = await carriersNamed(alice, body.carrier_name);
    assert.equal(found.length, 1);
    assert.equal(found[0].id, rs[0].json.id);
  });

  test('10 identical number adds with one key at once: all 201, identical bodies, one number', async () => {
    const key = newKey();
    const number = fresh();
    const rs = await Promise.all(Array.from({ length: 10 }, () => post(alice, NUMBERS, { number }, key)));
    assert.deepEqual(rs.map((r) => r.status), Array(10).fill(201), rs.map((r) => r.text).join('\n'));
    assert.equal(new Set(rs.map((r) => r.text)).size, 1);
    assert.equal(rs.filter((r) => r.headers.get('idempotent-replayed') === 'true').length, 9);
    const mine = (await allNumbers(alice)).filter((n) => n.number === number);
    assert.equal(mine.length, 1);
  });

  test('two different bodies with one key at once: one group acts (201s), the other gets 422', async () => {
    const key = newKey();
    const bodyA = carrierBody();
    const bodyB = carrierBody();
    const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => post(alice, CARRIERS, i % 2 ? bodyB : bodyA, key)
      .then((r) => ({ ...r, which: i % 2 ? 'B' : 'A' }))));
    const won = rs.find((r) => r.status === 201).which;
    for (const r of rs) {
      if (r.which === won) assert.equal(r.status, 201, r.text);
      else assertProblem(r, 422);
    }
    assert.equal(new Set(rs.filter((r) => r.status === 201).map((r) => r.text)).size, 1);
    assert.equal((await carriersNamed(alice, bodyA.carrier_name)).length, won === 'A' ? 1 : 0);
    assert.equal((await carriersNamed(alice, bodyB.carrier_name)).length, won === 'B' ? 1 : 0);
  });

  test('two accounts, one key, at once: each acts once', async () => {
    const key = newKey();
    const body = carrierBody();
    const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => post(i % 2 ? bob : alice, CARRIERS, body, key)));
    assert.deepEqual(rs.map((r) => r.status), Array(10).fill(201), rs.map((r) => r.text).join('\n'));
    assert.equal(new Set(rs.map((r) => r.json.id)).size, 2);
    assert.equal((await carriersNamed(alice, body.carrier_name)).length, 1);
    assert.equal((await carriersNamed(bob, body.carrier_name)).length, 1);
  });
});

// =====================================================================================
// Persistence and the 24-hour window: servers of their own on a kept directory.
// =====================================================================================

describe('persistence', () => {
  test('a stored answer survives a restart', async () => {
    let s = await start({ args: ['--rate-limit', '0'], keepDir: true });
    const dir = s.dir;
    try {
      const acct = await s.createAccount('restart');
      const key = newKey();
      const body = { carrier_name: 'Survivor', trunk_type: 'auth', sip_gateway: { ipv4: '198.51.100.70' },
        inbound_auth: { username: 'keep', password: 'Keep-This-Secret-1' } };
      const first = await post(acct, CARRIERS, body, key, s);
      assertFirst(first);
      const nkey = newKey();
      const nfirst = await post(acct, NUMBERS, { number: '+16465552000' }, nkey, s);
      assertFirst(nfirst);
      assert.equal((await s.stop()).code, 0);

      s = await start({ args: ['--rate-limit', '0'], dir });
      assertReplay(await post(acct, CARRIERS, body, key, s), first);
      assertReplay(await post(acct, NUMBERS, { number: '+16465552000' }, nkey, s), nfirst);
      assertProblem(await post(acct, CARRIERS, { ...body, carrier_name: 'Other' }, key, s), 422);
      assert.equal((await carriersNamed(acct, 'Survivor', s)).length, 1);
      assert.equal((await carriersNamed(acct, 'Other', s)).length, 0);
      assert.equal((await allNumbers(acct, s)).length, 1);
    } finally {
      await s.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the window is 24 hours: a repeat 1 s before replays, 1 s after acts anew', async () => {
    const T = 1893456000; // 2030-01-01T00:00:00Z
    let s = await start({ args: ['--rate-limit', '0'], keepDir: true, env: { NUMBERD_FAKE_NOW: T } });
    const dir = s.dir;
    try {
      const acct = await s.createAccount('window');
      const key = newKey();
      const number = '+16465553000';
      const first = await post(acct, NUMBERS, { number, label: 'day one' }, key, s);
      assertFirst(first);
      assert.equal(first.json.created_at, '2030-01-01T00:00:00Z');
      assert.equal((await call(s, acct, 'DELETE', `${NUMBERS}/${first.json.id}`)).status, 204);
      assert.equal((await s.stop()).code, 0);

      s = await start({ args: ['--rate-limit', '0'], dir, env: { NUMBERD_FAKE_NOW: T + 86400 - 1 } });
      assertReplay(await post(acct, NUMBERS, { number, label: 'day one' }, key, s), first);
      assertProblem(await post(acct, NUMBERS, { number, label: 'other' }, key, s), 422);
      assert.equal((await allNumbers(acct, s)).length, 0);
      assert.equal((await s.stop()).code, 0);

      s = await start({ args: ['--rate-limit', '0'], dir, env: { NUMBERD_FAKE_NOW: T + 86400 + 1 } });
      const again = await post(acct, NUMBERS, { number, label: 'day one' }, key, s);
      assertFirst(again);
      assert.notEqual(again.json.id, first.json.id);
      assert.equal(again.json.created_at, '2030-01-02T00:00:01Z');
      assert.equal((await allNumbers(acct, s)).length, 1);
      // and the key is now bound to the new request (a different body: 422)
      assertReplay(await post(acct, NUMBERS, { number, label: 'day one' }, key, s), again);
      assertProblem(await post(acct, NUMBERS, { number, label: 'other' }, key, s), 422);
      // an expired key may also carry a different request
      const key2 = newKey();
      const c1 = await post(acct, CARRIERS, { carrier_name: 'Window', sip_gateway: { ipv4: '198.51.100.80' } }, key2, s);
      assertFirst(c1);
      assert.equal((await s.stop()).code, 0);
      s = await start({ args: ['--rate-limit', '0'], dir, env: { NUMBERD_FAKE_NOW: T + 2 * 86400 + 2 } });
      const c2 = await post(acct, CARRIERS, { carrier_name: 'Window 2', sip_gateway: { ipv4: '198.51.100.81' } }, key2, s);
      assertFirst(c2);
    } finally {
      await s.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // Expired answers are deleted by the sweep (at start, then every minute)
  // an hour after their 24 hours: the table does not grow for ever.
  test('the sweep deletes stored answers 25 hours old, and only those', async () => {
    const T = 1893456000; // 2030-01-01T00:00:00Z
    let s = await start({ args: ['--rate-limit', '0'], keepDir: true, env: { NUMBERD_FAKE_NOW: T } });
    const dir = s.dir;
    const stored = () => {
      const q = 'SELECT created_at FROM idempotency ORDER BY created_at';
      const out = PG ? psql(q, s.db) : execFileSync('sqlite3', ['-bail', s.db, q], { encoding: 'utf8' });
      return out.split('\n').filter((l) => l !== '').map(Number);
    };
    try {
      const acct = await s.createAccount('sweep');
      for (let i = 0; i < 3; i++)
        assertFirst(await post(acct, NUMBERS, { number: `+1646555400${i}` }, newKey(), s));
      assert.deepEqual(stored(), [T, T, T]);
      assert.equal((await s.stop()).code, 0);

      // an hour into the grace: the sweep at start keeps them
      const inGrace = T + 86400 + 1800;
      s = await start({ args: ['--rate-limit', '0'], dir, env: { NUMBERD_FAKE_NOW: inGrace } });
      const youngKey = newKey();
      const young = await post(acct, NUMBERS, { number: '+16465554009' }, youngKey, s);
      assertFirst(young);
      assert.equal((await s.stop()).code, 0);
      assert.deepEqual(stored(), [T, T, T, inGrace], 'nothing deleted inside the grace hour');

      const later = T + 86400 + 3600 + 1;
      s = await start({ args: ['--rate-limit', '0'], dir, env: { NUMBERD_FAKE_NOW: later } });
      let left = stored();
      for (let i = 0; i < 100 && left.length !== 1; i++) {
        await new Promise((r) => setTimeout(r, 100));
        left = stored();
      }
      assert.deepEqual(left, [inGrace], 'the three 25-hour-old answers deleted, the young one kept');
      // the young one still replays
      assertReplay(await post(acct, NUMBERS, { number: '+16465554009' }, youngKey, s), young);
    } finally {
      await s.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
