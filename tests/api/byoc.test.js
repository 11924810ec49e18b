'use strict';
// API.md §3 (the BYOC dialect, seed 002): Bearer API keys with scopes,
// RFC 7807 problems with errors[], carriers (create / list / get / merge
// PATCH / delete), phone numbers (byoc / manual / inventory), and "both
// dialects, one truth" (§2.3 "Add numbers from your carrier", §2.4), plus
// tenant isolation (§1).

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { start, assertPlivoError, assertProblem, csv, ALL_COLUMNS, UUID_RE } = require('./lib/server');

let srv;
let alice; // the main actor
let bob; // another account (isolation, "owned by another account")

const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const PASSWORDS = []; // every SIP password sent; no response may ever contain one
const TEXTS = []; // every response body of this file

// Inventory (operator's) numbers: 1415555 01xx; restricted ones 1415555 9xxx.
const INV = Array.from({ length: 20 }, (_, i) => `141555501${String(i).padStart(2, '0')}`);
const INV_R = ['14155559000', '14155559001'];

// Numbers nobody has: +1 646 555 0xxx, handed out one by one.
let numIdx = 0;
const fresh = () => `+16465550${String(numIdx++).padStart(3, '0')}`;

const CREATE_KEYS = ['account_id', 'carrier_name', 'created_at', 'id', 'sip_gateway_sid', 'trunk_type',
  'voip_carrier_sid'];
const FULL_KEYS = [...CREATE_KEYS, 'inbound_auth', 'number_count', 'registration', 'registration_status', 'health_check', 'gateway_health', 'sip_gateway', 'sip_gateways',
  'sms', 'updated_at', 'voice'].sort();
const NUMBER_KEYS = ['account_id', 'carrier_name', 'country_iso', 'created_at', 'id', 'label', 'number',
  'number_type', 'phone_number_sid', 'source', 'status', 'sub_account', 'voip_carrier_sid'];

before(async () => {
  srv = await start({ args: ['--rate-limit', '0', '--auth-fail-limit', '0'] }); // many deliberate 401s
  alice = await srv.createAccount('alice');
  bob = await srv.createAccount('bob');
  await srv.loadCsv(csv(ALL_COLUMNS, [
    ...INV.map((number) => ({ number, country_iso: 'US', type: 'fixed', sub_type: 'local', city: 'SAN FRANCISCO',
      region: 'CALIFORNIA', voice_enabled: 'true', carrier: 'UpstreamCo' })),
    ...INV_R.map((number) => ({ number, country_iso: 'US', type: 'fixed', sub_type: 'local', city: 'SAN FRANCISCO',
      region: 'CALIFORNIA', restriction: 'city-address', restriction_text: 'An address is required.' })),
  ]));
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

// ---- helpers -------------------------------------------------------------------

/** A BYOC call. key: an API key (null: no Authorization); opts.auth: the raw header. */
async function call(key, method, p, body, opts = {}) {
  const headers = {};
  if (opts.auth !== undefined) {
    if (opts.auth !== null) headers.Authorization = opts.auth;
  } else if (key !== null) {
    headers.Authorization = `Bearer ${key}`;
  }
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = opts.contentType || 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  Object.assign(headers, opts.headers || {});
  const res = await fetch(srv.base + p, { method, headers, body: payload });
  const text = await res.text();
  TEXTS.push(text);
  let json;
  try { json = text.length ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

async function plivo(acct, method, p, opts) {
  const r = await srv.plivo(acct, method, p, opts);
  TEXTS.push(r.text);
  return r;
}

/** An RFC 7807 problem; errors (optional) compared exactly (order-insensitive). */
function problem(r, status, detail, errors) {
  const body = assertProblem(r, status, detail);
  const keys = Object.keys(body).sort();
  if (errors === undefined && !('errors' in body)) {
    assert.deepEqual(keys, ['detail', 'status', 'title', 'type'], r.text);
  } else {
    assert.deepEqual(keys, ['detail', 'errors', 'status', 'title', 'type'], r.text);
  }
  if (errors !== undefined) {
    const want = errors.map((e) => ({ path: e.path, message: e.message }));
    const got = body.errors.map((e) => {
      assert.deepEqual(Object.keys(e).sort(), ['message', 'path'], r.text);
      return e;
    });
    // messages given as RegExp are matched; strings compared exactly
    assert.equal(got.length, want.length, `errors: ${r.text}`);
    const pending = [...want];
    for (const e of got) {
      const i = pending.findIndex((w) => w.path === e.path &&
        (w.message instanceof RegExp ? w.message.test(e.message) : w.message === e.message));
      assert.ok(i >= 0, `unexpected error ${JSON.stringify(e)} in ${r.text}`);
      pending.splice(i, 1);
    }
  }
  return body;
}

/** A 400 with exactly one fault: detail "<path>: <message>". */
function oneFault(r, path, message) {
  const body = problem(r, 400, undefined, [{ path, message }]);
  assert.equal(body.detail, `${path}: ${body.errors[0].message}`);
  return body.errors[0];
}

const CARRIERS = '/v1/phone-numbers/carriers';
const NUMBERS = '/v1/phone-numbers';

let carrierIdx = 0;
const uniqueName = (p = 'Carrier') => `${p} ${++carrierIdx}`;
const gw = (extra = {}) => ({ ipv4: '198.51.100.7', ...extra });

async function mkCarrier(acct, body = {}) {
  const b = { carrier_name: uniqueName(), sip_gateway: gw(), ...body };
  const r = await call(acct.api_key, 'POST', CARRIERS, b);
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function getCarrier(acct, id) {
  const r = await call(acct.api_key, 'GET', `${CARRIERS}/${id}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function mkNumber(acct, body = {}) {
  const r = await call(acct.api_key, 'POST', NUMBERS, { number: fresh(), ...body });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function listAll(acct, p, query = {}) {
  const out = [];
  for (let offset = 0; ; offset += 100) {
    const qs = new URLSearchParams({ ...query, limit: 100, offset }).toString();
    const r = await call(acct.api_key, 'GET', `${p}?${qs}`);
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.data);
    if (r.json.data.length < 100) return out;
  }
}

async function newKey(acct, scopes) {
  const r = await srv.admin('POST', `/admin/v1/accounts/${acct.auth_id}/api-keys`, { scopes });
  assert.equal(r.status, 201, r.text);
  return r.json.api_key;
}

function assertCreateBody(c, acct, name, trunk = 'static_ip') {
  assert.deepEqual(Object.keys(c).sort(), CREATE_KEYS, JSON.stringify(c));
  assert.match(c.id, UUID_RE);
  assert.match(c.voip_carrier_sid, UUID_RE);
  assert.match(c.sip_gateway_sid, UUID_RE);
  assert.notEqual(c.id, c.voip_carrier_sid);
  assert.notEqual(c.sip_gateway_sid, c.id);
  assert.notEqual(c.sip_gateway_sid, c.voip_carrier_sid);
  assert.equal(c.account_id, acct.auth_id);
  assert.equal(c.carrier_name, name);
  assert.equal(c.trunk_type, trunk);
  assert.match(c.created_at, TS_RE);
  const age = Date.now() - Date.parse(c.created_at);
  assert.ok(age > -5000 && age < 60000, `created_at ${c.created_at} is now`);
}

const msPause = (ms) => new Promise((r) => setTimeout(r, ms));

// =====================================================================================
// Authentication, scopes, conventions
// =====================================================================================

describe('authentication', () => {
  const endpoints = () => [
    ['GET', CARRIERS], ['POST', CARRIERS], ['GET', `${CARRIERS}/${crypto.randomUUID()}`],
    ['PATCH', `${CARRIERS}/${crypto.randomUUID()}`], ['DELETE', `${CARRIERS}/${crypto.randomUUID()}`],
    ['GET', NUMBERS], ['POST', NUMBERS], ['GET', `${NUMBERS}/${crypto.randomUUID()}`],
    ['DELETE', `${NUMBERS}/${crypto.randomUUID()}`],
  ];

  function assert401(r) {
    problem(r, 401);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="numberd"');
  }

  test('no Authorization header: 401 problem with WWW-Authenticate: Bearer realm="numberd"', async () => {
    for (const [m, p] of endpoints()) {
      const body = m === 'POST' || m === 'PATCH' ? { carrier_name: 'x' } : undefined;
      assert401(await call(null, m, p, body));
    }
  });

  test('unknown, malformed or wrong-kind credentials: 401', async () => {
    const total0 = (await call(alice.api_key, 'GET', CARRIERS)).json.total;
    const unknownKey = `nd_live_${crypto.randomBytes(32).toString('base64url')}`;
    const auths = [
      `Bearer ${unknownKey}`,
      `Bearer ${alice.api_key}x`,
      `Bearer ${alice.api_key.slice(0, -1)}`,
      'Bearer ',
      'Bearer',
      `Basic ${Buffer.from(`${alice.auth_id}:${alice.auth_token}`).toString('base64')}`,
      `Bearer ${alice.auth_token}`,
      `Bearer ${srv.adminToken}`,
      `Token ${alice.api_key}`,
      alice.api_key,
    ];
    for (const auth of auths) {
      for (const [m, p] of [['GET', CARRIERS], ['GET', NUMBERS], ['POST', CARRIERS]]) {
        const body = m === 'POST' ? { carrier_name: uniqueName(), sip_gateway: gw() } : undefined;
        assert401(await call(null, m, p, body, { auth }));
      }
    }
    // nothing was created by any of them
    assert.equal((await call(alice.api_key, 'GET', CARRIERS)).json.total, total0);
  });

  test('the Bearer scheme is case-insensitive', async () => {
    const r = await call(null, 'GET', CARRIERS, undefined, { auth: `bearer ${alice.api_key}` });
    assert.equal(r.status, 200, r.text);
  });

  test('a key made by the admin API works (both scopes)', async () => {
    const key = await newKey(alice, ['phone_numbers:read', 'phone_numbers:write']);
    assert.equal((await call(key, 'GET', CARRIERS)).status, 200);
    const r = await call(key, 'POST', CARRIERS, { carrier_name: uniqueName(), sip_gateway: gw() });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.account_id, alice.auth_id);
  });
});

describe('scopes', () => {
  let acct; let readKey; let writeKey; let carrier; let number;
  before(async () => {
    acct = await srv.createAccount('scopes');
    readKey = await newKey(acct, ['phone_numbers:read']);
    writeKey = await newKey(acct, ['phone_numbers:write']);
    carrier = await mkCarrier(acct);
    number = await mkNumber(acct);
  });
  const READ = 'this API key lacks the phone_numbers:read scope';
  const WRITE = 'this API key lacks the phone_numbers:write scope';

  test('a read-only key reads, and gets 403 on every write (nothing changes)', async () => {
    assert.equal((await call(readKey, 'GET', CARRIERS)).status, 200);
    assert.equal((await call(readKey, 'GET', `${CARRIERS}/${carrier.id}`)).status, 200);
    assert.equal((await call(readKey, 'GET', NUMBERS)).status, 200);
    assert.equal((await call(readKey, 'GET', `${NUMBERS}/${number.id}`)).status, 200);

    problem(await call(readKey, 'POST', CARRIERS, { carrier_name: 'ro', sip_gateway: gw() }), 403, WRITE);
    problem(await call(readKey, 'PATCH', `${CARRIERS}/${carrier.id}`, { carrier_name: 'ro' }), 403, WRITE);
    problem(await call(readKey, 'DELETE', `${CARRIERS}/${carrier.id}`), 403, WRITE);
    problem(await call(readKey, 'POST', NUMBERS, { number: fresh() }), 403, WRITE);
    problem(await call(readKey, 'DELETE', `${NUMBERS}/${number.id}`), 403, WRITE);
    // also on ids that do not exist: the scope is checked first
    problem(await call(readKey, 'DELETE', `${CARRIERS}/${crypto.randomUUID()}`), 403, WRITE);

    const c = await getCarrier(acct, carrier.id);
    assert.equal(c.carrier_name, carrier.carrier_name);
    const l = await call(acct.api_key, 'GET', CARRIERS);
    assert.equal(l.json.total, 1);
    const n = await call(acct.api_key, 'GET', NUMBERS);
    assert.deepEqual(n.json.data.map((x) => x.id), [number.id]);
  });

  test('a write-only key writes, and gets 403 on every read', async () => {
    problem(await call(writeKey, 'GET', CARRIERS), 403, READ);
    problem(await call(writeKey, 'GET', `${CARRIERS}/${carrier.id}`), 403, READ);
    problem(await call(writeKey, 'GET', NUMBERS), 403, READ);
    problem(await call(writeKey, 'GET', `${NUMBERS}/${number.id}`), 403, READ);

    const r = await call(writeKey, 'POST', CARRIERS, { carrier_name: 'write only', sip_gateway: gw() });
    assert.equal(r.status, 201, r.text);
    const p = await call(writeKey, 'PATCH', `${CARRIERS}/${r.json.id}`, { carrier_name: 'write only 2' });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.carrier_name, 'write only 2');
    const n = await call(writeKey, 'POST', NUMBERS, { number: fresh() });
    assert.equal(n.status, 201, n.text);
    assert.equal((await call(writeKey, 'DELETE', `${NUMBERS}/${n.json.id}`)).status, 204);
    assert.equal((await call(writeKey, 'DELETE', `${CARRIERS}/${r.json.id}`)).status, 204);
    problem(await call(acct.api_key, 'GET', `${CARRIERS}/${r.json.id}`), 404);
  });
});

describe('conventions', () => {
  test('bodies are JSON only: a form or text body is 415 (problem), nothing created', async () => {
    const before_ = (await call(alice.api_key, 'GET', CARRIERS)).json.total;
    for (const [ct, body] of [
      ['application/x-www-form-urlencoded', 'carrier_name=form&sip_gateway=1.2.3.4'],
      ['text/plain', '{"carrier_name":"txt","sip_gateway":{"ipv4":"198.51.100.9"}}'],
    ]) {
      problem(await call(alice.api_key, 'POST', CARRIERS, body, { contentType: ct }), 415);
      problem(await call(alice.api_key, 'POST', NUMBERS, body, { contentType: ct }), 415);
    }
    const c = await mkCarrier(alice);
    problem(await call(alice.api_key, 'PATCH', `${CARRIERS}/${c.id}`, 'carrier_name=x',
      { contentType: 'application/x-www-form-urlencoded' }), 415);
    assert.equal((await call(alice.api_key, 'GET', CARRIERS)).json.total, before_ + 1);
  });

  test('invalid JSON: 400 problem', async () => {
    for (const body of ['{', '{"carrier_name": }', '[1,2', '{"a":1,"a":2}']) {
      problem(await call(alice.api_key, 'POST', CARRIERS, body), 400);
      problem(await call(alice.api_key, 'POST', NUMBERS, body), 400);
    }
    // where it stopped, never what it read there: a mis-escaped password
    // came back in the answer (a helper's audit, session 39)
    const secret = 'MySecretP4ss';
    for (const [pw, why] of [[`${secret}\\q`, /^invalid JSON: invalid escape at line 1 column \d+$/],
      [`${secret}\t`, /^invalid JSON: control character 0x9 at line 1 column \d+$/],
      [`${secret}\\u0000`, /^invalid JSON: \\u0000 is not allowed at line 1 column \d+$/]]) {
      const body = `{"carrier_name":"c","trunk_type":"auth","inbound_auth":{"username":"u","password":"${pw}"}}`;
      const r = await call(alice.api_key, 'POST', CARRIERS, body);
      problem(r, 400);
      assert.ok(!r.text.includes('MySecret'), r.text);
      assert.match(r.json.detail, why);
    }
  });

  test('unknown paths: 404 problem', async () => {
    for (const p of ['/v1/phone-numbers/carriers/x/y', `/v1/phone-numbers/${crypto.randomUUID()}/foo`,
      '/v1/phone-numbers/carriers/x/y/z', '/v1/phone-number', '/v1/phone-numbersx']) {
      const r = await call(alice.api_key, 'GET', p);
      assert.equal(r.status, 404, `${p}: ${r.text}`);
    }
    problem(await call(alice.api_key, 'GET', '/v1/phone-numbers/carriers/x/y'), 404);
  });

  test('a method a path does not serve: 405 with Allow', async () => {
    const allow = (r) => (r.headers.get('allow') || '').split(',').map((s) => s.trim()).sort();
    let r = await call(alice.api_key, 'PUT', CARRIERS, {});
    problem(r, 405);
    assert.equal(r.headers.get('allow'), 'GET, POST, HEAD');
    // literal segments beat parameters: this is not "delete the number 'carriers'"
    r = await call(alice.api_key, 'DELETE', CARRIERS);
    problem(r, 405);
    assert.deepEqual(allow(r), ['GET', 'HEAD', 'POST']);
    r = await call(alice.api_key, 'PATCH', CARRIERS, {});
    problem(r, 405);
    r = await call(alice.api_key, 'PUT', `${CARRIERS}/${crypto.randomUUID()}`, {});
    problem(r, 405);
    assert.deepEqual(allow(r), ['DELETE', 'GET', 'HEAD', 'PATCH']);
    r = await call(alice.api_key, 'POST', `${CARRIERS}/${crypto.randomUUID()}`, {});
    problem(r, 405);
    assert.deepEqual(allow(r), ['DELETE', 'GET', 'HEAD', 'PATCH']);
    r = await call(alice.api_key, 'DELETE', NUMBERS);
    problem(r, 405);
    assert.deepEqual(allow(r), ['GET', 'HEAD', 'POST']);
    r = await call(alice.api_key, 'PATCH', `${NUMBERS}/${crypto.randomUUID()}`, {});
    problem(r, 405);
    assert.deepEqual(allow(r), ['DELETE', 'GET', 'HEAD']);
  });

  test('the trailing slash is optional', async () => {
    const c = await mkCarrier(alice);
    const a = await call(alice.api_key, 'GET', `${CARRIERS}/`);
    assert.equal(a.status, 200, a.text);
    const g = await call(alice.api_key, 'GET', `${CARRIERS}/${c.id}/`);
    assert.equal(g.status, 200, g.text);
    assert.equal(g.json.id, c.id);
    assert.equal((await call(alice.api_key, 'GET', `${NUMBERS}/`)).status, 200);
    const n = await call(alice.api_key, 'POST', `${NUMBERS}/`, { number: fresh() });
    assert.equal(n.status, 201, n.text);
  });

  test('HEAD on a list: 200 without a body', async () => {
    for (const p of [CARRIERS, NUMBERS]) {
      const r = await call(alice.api_key, 'HEAD', p);
      assert.equal(r.status, 200);
      assert.equal(r.text, '');
    }
  });

  test('application/json with a charset parameter is JSON', async () => {
    const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), sip_gateway: gw() },
      { contentType: 'application/json; charset=utf-8' });
    assert.equal(r.status, 201, r.text);
  });

  test('a body over 64 KiB: 413 problem; invalid UTF-8: 400 problem', async () => {
    problem(await call(alice.api_key, 'POST', CARRIERS, JSON.stringify({ carrier_name: 'x'.repeat(70000) })), 413);
    problem(await call(alice.api_key, 'POST', NUMBERS, JSON.stringify({ number: fresh(), label: 'x'.repeat(70000) })), 413);
    const res = await fetch(srv.base + CARRIERS, { method: 'POST',
      headers: { Authorization: `Bearer ${alice.api_key}`, 'Content-Type': 'application/json' },
      body: Buffer.concat([Buffer.from('{"carrier_name":"'), Buffer.from([0xff]), Buffer.from('"}')]) });
    assert.equal(res.status, 400);
    assert.match(res.headers.get('content-type'), /^application\/problem\+json/);
  });

  test('POST /v1/phone-numbers without a body: 400 missing required field: number', async () => {
    problem(await call(alice.api_key, 'POST', NUMBERS), 400, 'missing required field: number');
  });

  test('GET and DELETE ignore their body (even "" with JSON, or another content type)', async () => {
    const c = await mkCarrier(alice);
    const g = await srv.raw('GET', `${CARRIERS}/${c.id}`, {
      headers: { Authorization: `Bearer ${alice.api_key}`, 'Content-Type': 'text/plain' }, body: 'junk' });
    assert.equal(g.status, 200, g.text);
    assert.equal(g.json.id, c.id);
    const n = await mkNumber(alice);
    assert.equal((await call(alice.api_key, 'DELETE', `${NUMBERS}/${n.id}`, '""')).status, 204);
    assert.equal((await call(alice.api_key, 'DELETE', `${CARRIERS}/${c.id}`, '""')).status, 204);
  });

  test('a query parameter on a POST or PATCH is an unknown parameter: 400', async () => {
    const b = { carrier_name: uniqueName(), sip_gateway: gw() };
    problem(await call(alice.api_key, 'POST', `${CARRIERS}?carrier_name=x`, b), 400, /carrier_name/);
    assert.equal((await listAll(alice, CARRIERS)).filter((c) => c.carrier_name === b.carrier_name).length, 0);
    problem(await call(alice.api_key, 'POST', `${NUMBERS}?label=x`, { number: fresh() }), 400, /label/);
  });

  test('unknown query parameters: 400 naming them', async () => {
    problem(await call(alice.api_key, 'GET', `${CARRIERS}?foo=1`), 400, /foo/);
    problem(await call(alice.api_key, 'GET', `${NUMBERS}?sourc=byoc`), 400, /sourc/);
    const c = await mkCarrier(alice);
    problem(await call(alice.api_key, 'GET', `${CARRIERS}/${c.id}?x=1`), 400, /\bx\b/);
  });
});

// =====================================================================================
// Carriers: create
// =====================================================================================

describe('carriers: create', () => {
  test('minimal static_ip carrier: 201 with exactly the seed keys; defaults shown by GET', async () => {
    const name = uniqueName('Minimal');
    const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: name, sip_gateway: { ipv4: '198.51.100.10' } });
    assert.equal(r.status, 201, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.equal(r.headers.get('idempotent-replayed'), null);
    assertCreateBody(r.json, alice, name);

    const g = await getCarrier(alice, r.json.id);
    assert.deepEqual(Object.keys(g).sort(), FULL_KEYS);
    for (const k of CREATE_KEYS) assert.equal(g[k], r.json[k], k);
    assert.match(g.updated_at, TS_RE);
    assert.ok(g.updated_at >= g.created_at);
    assert.deepEqual(g.sip_gateway, { ipv4: '198.51.100.10', port: 5060, netmask: 32, inbound: true, outbound: true });
    assert.deepEqual(g.sip_gateways, [{ sip_gateway_sid: r.json.sip_gateway_sid, ipv4: '198.51.100.10', port: 5060,
      netmask: 32, inbound: true, outbound: true }]);
    assert.equal(g.inbound_auth, null);
    assert.equal(g.registration, null);
    assert.equal(g.voice, true);
    assert.equal(g.sms, true);
    assert.equal(g.number_count, 0);
  });

  test('all gateway fields given; trunk_type static_ip explicit', async () => {
    const name = uniqueName();
    const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: name, trunk_type: 'static_ip',
      sip_gateway: { ipv4: '203.0.113.0', port: 5080, netmask: 24, inbound: true, outbound: false } });
    assert.equal(r.status, 201, r.text);
    assertCreateBody(r.json, alice, name);
    const g = await getCarrier(alice, r.json.id);
    assert.deepEqual(g.sip_gateway, { ipv4: '203.0.113.0', port: 5080, netmask: 24, inbound: true, outbound: false });
  });

  test('booleans also as the strings "true"/"false" (shown as JSON booleans)', async () => {
    const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(),
      sip_gateway: { ipv4: '198.51.100.11', inbound: 'true', outbound: 'false' } });
    assert.equal(r.status, 201, r.text);
    const g = await getCarrier(alice, r.json.id);
    assert.equal(g.sip_gateway.inbound, true);
    assert.equal(g.sip_gateway.outbound, false);
  });

  test('carrier_name is trimmed', async () => {
    const base = uniqueName('Trim');
    const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: `   ${base}\t `, sip_gateway: gw() });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.carrier_name, base);
    assert.equal((await getCarrier(alice, r.json.id)).carrier_name, base);
  });

  test('carrier_name: 100 characters (also multi-byte ones) are fine', async () => {
    for (const name of ['N'.repeat(100), 'é'.repeat(100), '☎'.repeat(100)]) {
      const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: name, sip_gateway: gw() });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.carrier_name, name);
      assert.equal((await getCarrier(alice, r.json.id)).carrier_name, name);
    }
  });

  test('carrier_name: empty, blank, over 100 characters, control characters: 400 at carrier_name', async () => {
    for (const carrier_name of ['', '   ', 'N'.repeat(101), 'é'.repeat(101), 'bad\u0001name', 'tab\tinside',
      'line\nbreak', 'del\u007f',
      // blanks of Unicode's: no name either (a helper's audit, session 39:
      // a name of one no-break space was a carrier called " ")
      '\u00a0', '\u3000\u3000', ' \u200b ', '\ufeff', '\u2003\u00a0\u202f']) {
      const m = oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name, sip_gateway: gw() }),
        'carrier_name', /^1-100 characters/);
      assert.match(m.message, /control/);
    }
    // a blank among visible characters is part of the name
    const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName('a\u00a0b'), sip_gateway: gw() });
    assert.equal(r.status, 201, r.text);
  });

  test('missing sip_gateway, missing sip_gateway.ipv4: named by path', async () => {
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName() }), 'sip_gateway', /./);
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), sip_gateway: {} }),
      'sip_gateway.ipv4', /./);
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), sip_gateway: { port: 5060 } }),
      'sip_gateway.ipv4', /./);
  });

  test('the seed\'s own example (a host name on an inbound gateway): 400 at sip_gateway.ipv4', async () => {
    const seed = {
      carrier_name: 'My VoIP Provider',
      trunk_type: 'static_ip',
      sip_gateway: { ipv4: 'sip.myprovider.com', port: 5060, inbound: true, outbound: true },
    };
    const r = await call(alice.api_key, 'POST', CARRIERS, seed);
    const e = oneFault(r, 'sip_gateway.ipv4', /inbound gateway must be an IP address/);
    assert.match(e.message, /set inbound to false/);
    assert.match(e.message, /sip\.myprovider\.com/);

    // fixed: the host name for outbound calls only
    const fixed = { ...seed, sip_gateway: { ...seed.sip_gateway, inbound: false } };
    const ok = await call(alice.api_key, 'POST', CARRIERS, fixed);
    assert.equal(ok.status, 201, ok.text);
    assertCreateBody(ok.json, alice, 'My VoIP Provider');
    const g = await getCarrier(alice, ok.json.id);
    assert.deepEqual(g.sip_gateway, { ipv4: 'sip.myprovider.com', port: 5060, netmask: 32, inbound: false,
      outbound: true });

    // fixed the other way: an IPv4 address (on another account: the name is taken here)
    const acct = await srv.createAccount('seed2');
    const ip = { ...seed, sip_gateway: { ...seed.sip_gateway, ipv4: '198.51.100.20' } };
    const ok2 = await call(acct.api_key, 'POST', CARRIERS, ip);
    assert.equal(ok2.status, 201, ok2.text);
    assertCreateBody(ok2.json, acct, 'My VoIP Provider');
  });

  test('a host name is kept lower-case for an outbound-only gateway', async () => {
    const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(),
      sip_gateway: { ipv4: 'SIP.Example.COM', inbound: false } });
    assert.equal(r.status, 201, r.text);
    assert.equal((await getCarrier(alice, r.json.id)).sip_gateway.ipv4, 'sip.example.com');
  });

  test('IPv4 is strict: leading zeros, octets over 255, short or long forms: 400 at sip_gateway.ipv4', async () => {
    for (const ipv4 of ['01.2.3.4', '1.2.3.256', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.04', '1..2.3',
      '1.2.3.4 ', ' 1.2.3.4', '0x7f.0.0.1', '1.2.3.-4', '']) {
      for (const inbound of [true, false]) {
        const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(),
          sip_gateway: { ipv4, inbound } });
        assert.equal(r.status, 400, `${JSON.stringify(ipv4)} inbound=${inbound}: ${r.text}`);
        oneFault(r, 'sip_gateway.ipv4', /./);
      }
    }
  });

  test('IPv6 addresses, a port in the address, a sip: prefix: 400 at sip_gateway.ipv4', async () => {
    for (const ipv4 of ['2001:db8::1', '::1', '[2001:db8::1]', '1.2.3.4:5060', 'sip:1.2.3.4', 'sip:sip.example.com']) {
      for (const inbound of [true, false]) {
        const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(),
          sip_gateway: { ipv4, inbound } });
        assert.equal(r.status, 400, `${ipv4} inbound=${inbound}: ${r.text}`);
        oneFault(r, 'sip_gateway.ipv4', /./);
      }
    }
    const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), sip_gateway: { ipv4: 'sip:1.2.3.4' } });
    oneFault(r, 'sip_gateway.ipv4', /sip: prefix/);
  });

  // Found by an audit (session 39), changed in session 40: a carrier made in
  // the Plivo dialect may have an IPv6 gateway (ip_set takes IPv6); BYOC
  // shows it, and PATCHing back what it showed (its port changed) was 400.
  test('an IPv6 gateway made in the Plivo dialect goes back through BYOC as it was read; no other IPv6 address does', async () => {
    const name = `v6-${++carrierIdx}`; // a Plivo carrier name: letters, digits, '-' and '_'
    const pc = await plivo(alice, 'POST', 'IncomingCarrier/', { body: { name, ip_set: '2001:DB8:5::/64' } });
    assert.equal(pc.status, 201, pc.text);
    const list = await call(alice.api_key, 'GET', `${CARRIERS}?limit=100`);
    const id = list.json.data.find((c) => c.carrier_name === name).id;
    const read = (await getCarrier(alice, id)).sip_gateway;
    assert.equal(read.ipv4, '2001:db8:5::');
    assert.equal(read.netmask, 64);
    const r = await call(alice.api_key, 'PATCH', `${CARRIERS}/${id}`, { sip_gateway: { ...read, port: 5080 } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual((await getCarrier(alice, id)).sip_gateway, { ...read, port: 5080 });
    // written as given in another spelling, it is the same address
    assert.equal((await call(alice.api_key, 'PATCH', `${CARRIERS}/${id}`, { sip_gateway: { ipv4: '2001:0db8:0005::' } })).status, 200);
    // another IPv6 address is still refused (API.md: an IPv4 address), as is
    // a netmask past 32 on an IPv4 gateway; neither changes anything
    oneFault(await call(alice.api_key, 'PATCH', `${CARRIERS}/${id}`, { sip_gateway: { ipv4: '2001:db8:6::' } }),
      'sip_gateway.ipv4', /is not an IPv4 address/);
    const v4 = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), sip_gateway: { ipv4: '192.0.2.44' } });
    assert.equal(v4.status, 201, v4.text);
    for (const netmask of [33, 64, 128, 129]) {
      oneFault(await call(alice.api_key, 'PATCH', `${CARRIERS}/${v4.json.id}`, { sip_gateway: { netmask } }),
        'sip_gateway.netmask', 'must be an integer from 1 to 32');
    }
    assert.equal((await getCarrier(alice, v4.json.id)).sip_gateway.netmask, 32);
    assert.deepEqual((await getCarrier(alice, id)).sip_gateway, { ...read, port: 5080 });
    // the Plivo dialect reads the same gateway
    const back = await plivo(alice, 'GET', `IncomingCarrier/${pc.json.carrier_id}/`);
    assert.equal(back.json.ip_set, '2001:db8:5::/64');
  });

  test('port: 1-65535 integers only', async () => {
    for (const port of [1, 65535]) {
      const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), sip_gateway: gw({ port }) });
      assert.equal(r.status, 201, r.text);
      assert.equal((await getCarrier(alice, r.json.id)).sip_gateway.port, port);
    }
    for (const port of [0, 65536, -1, '5060', 5060.5, null, true, [5060]]) {
      const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), sip_gateway: gw({ port }) });
      oneFault(r, 'sip_gateway.port', 'must be an integer from 1 to 65535');
    }
  });

  test('netmask: 1-32; must be 32 when inbound is false', async () => {
    // a range, outbound not given, receives only: calls go to one address
    // (found by a helper's audit, session 39: a /24 with the default
    // outbound sent calls to sip:...@203.0.113.0, the network's address)
    for (const netmask of [8, 24, 32]) {
      const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(),
        sip_gateway: gw({ ipv4: '10.0.0.0', netmask }) });
      assert.equal(r.status, 201, r.text);
      const g = (await getCarrier(alice, r.json.id)).sip_gateway;
      assert.equal(g.netmask, netmask);
      assert.equal(g.outbound, netmask === 32, `outbound of a /${netmask}`);
    }
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(),
      sip_gateway: gw({ ipv4: '10.0.0.0', netmask: 24, outbound: true }) }), 'sip_gateway.netmask',
    /^must be 32 when outbound is true: calls are sent to one address/);
    // nor made one by an update
    const one = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(),
      sip_gateway: gw({ ipv4: '10.0.0.0', netmask: 32 }) });
    assert.equal(one.status, 201, one.text);
    oneFault(await call(alice.api_key, 'PATCH', `${CARRIERS}/${one.json.id}`, { sip_gateway: { netmask: 24 } }),
      'sip_gateway.netmask', /^must be 32 when outbound is true/);
    assert.equal((await getCarrier(alice, one.json.id)).sip_gateway.netmask, 32, 'the refused update changed nothing');
    for (const netmask of [0, 33, '24', -8]) {
      oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), sip_gateway: gw({ netmask }) }),
        'sip_gateway.netmask', 'must be an integer from 1 to 32');
    }
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(),
      sip_gateway: gw({ netmask: 24, inbound: false }) }), 'sip_gateway.netmask', /^must be 32 when inbound is false/);
  });

  test('inbound / outbound: booleans; at least one of them', async () => {
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(),
      sip_gateway: gw({ inbound: false, outbound: false }) }), 'sip_gateway.inbound',
    'a gateway must be inbound, outbound or both');
    for (const v of ['yes', 1, 0, 'TRUE', null, {}]) {
      oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), sip_gateway: gw({ inbound: v }) }),
        'sip_gateway.inbound', 'must be true or false');
      oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), sip_gateway: gw({ outbound: v }) }),
        'sip_gateway.outbound', 'must be true or false');
    }
  });

  test('trunk_type: static_ip, auth or reg', async () => {
    for (const trunk_type of ['ip', 'STATIC_IP', 'Auth', '', 'registration']) {
      oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), trunk_type, sip_gateway: gw() }),
        'trunk_type', 'must be static_ip, auth or reg');
    }
  });

  test('unknown fields, top-level and nested: 400 "unknown field" at their path', async () => {
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), sip_gateway: gw(), foo: 1 }),
      'foo', 'unknown field');
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), sip_gateway: gw({ foo: 1 }) }),
      'sip_gateway.foo', 'unknown field');
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), trunk_type: 'auth',
      sip_gateway: gw(), inbound_auth: { username: 'u1', password: 'secret-pw-1', realm: 'x' } }),
    'inbound_auth.realm', 'unknown field');
    PASSWORDS.push('secret-pw-1');
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), trunk_type: 'reg',
      sip_gateway: gw(), registration: { username: 'u1', password: 'secret-pw-2', sip_realm: 'example.com', port: 5 } }),
    'registration.port', 'unknown field');
    PASSWORDS.push('secret-pw-2');
  });

  test('wrong JSON types (without a cascade): one fault at its path', async () => {
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), trunk_type: 5, sip_gateway: gw() }),
      'trunk_type', 'must be a string');
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), trunk_type: null, sip_gateway: gw() }),
      'trunk_type', /./);
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), sip_gateway: gw({ port: '5060' }) }),
      'sip_gateway.port', 'must be an integer from 1 to 65535');
  });

  test('many faults at once: all listed, detail "the carrier has N problems: see errors"', async () => {
    const r = await call(alice.api_key, 'POST', CARRIERS, {
      carrier_name: '',
      trunk_type: 'bogus',
      sip_gateway: { ipv4: '1.2.3.256', port: 0, netmask: 40, inbound: 'maybe', foo: 1 },
      extra: true,
    });
    problem(r, 400, 'the carrier has 8 problems: see errors', [
      { path: 'carrier_name', message: /^1-100 characters/ },
      { path: 'trunk_type', message: 'must be static_ip, auth or reg' },
      { path: 'sip_gateway.ipv4', message: /./ },
      { path: 'sip_gateway.port', message: 'must be an integer from 1 to 65535' },
      { path: 'sip_gateway.netmask', message: 'must be an integer from 1 to 32' },
      { path: 'sip_gateway.inbound', message: 'must be true or false' },
      { path: 'sip_gateway.foo', message: 'unknown field' },
      { path: 'extra', message: 'unknown field' },
    ]);
  });

  test('a body that is not an object, a sip_gateway that is not an object: 400', async () => {
    for (const body of ['[]', '"x"', '42', 'null']) {
      problem(await call(alice.api_key, 'POST', CARRIERS, body), 400);
    }
    const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), sip_gateway: '198.51.100.7' });
    assert.equal(r.status, 400, r.text);
    assert.ok(r.json.errors.some((e) => e.path === 'sip_gateway'), r.text);
  });

  test('names are unique per account: 409; another account may reuse the name', async () => {
    const name = uniqueName('Dup');
    await mkCarrier(alice, { carrier_name: name });
    problem(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: name, sip_gateway: gw({ ipv4: '198.51.100.99' }) }),
      409, `a carrier named ${name} already exists`);
    problem(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: `  ${name} `, sip_gateway: gw() }),
      409, `a carrier named ${name} already exists`);
    const r = await call(bob.api_key, 'POST', CARRIERS, { carrier_name: name, sip_gateway: gw() });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.account_id, bob.auth_id);
  });

  test('10 concurrent creates of one name: exactly one 201, nine 409', async () => {
    const name = uniqueName('Race');
    const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => call(alice.api_key, 'POST', CARRIERS,
      { carrier_name: name, sip_gateway: gw({ ipv4: `198.51.100.${100 + i}` }) })));
    assert.deepEqual(rs.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409, 409, 409],
      rs.map((r) => r.text).join('\n'));
    const all = await listAll(alice, CARRIERS);
    assert.equal(all.filter((c) => c.carrier_name === name).length, 1);
  });
});

describe('carriers: trunk types auth and reg', () => {
  test('auth: 201; GET shows inbound_auth {username} only, never the password', async () => {
    const name = uniqueName('Auth');
    const password = 'Auth-Pass-4711';
    PASSWORDS.push(password);
    const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: name, trunk_type: 'auth', sip_gateway: gw(),
      inbound_auth: { username: 'trunkuser', password } });
    assert.equal(r.status, 201, r.text);
    assertCreateBody(r.json, alice, name, 'auth');
    const g = await getCarrier(alice, r.json.id);
    assert.deepEqual(g.inbound_auth, { username: 'trunkuser' });
    assert.equal(g.registration, null);
  });

  test('auth without inbound_auth: 400 at inbound_auth', async () => {
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), trunk_type: 'auth', sip_gateway: gw() }),
      'inbound_auth', /^required when trunk_type is auth/);
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), trunk_type: 'auth', sip_gateway: gw(),
      inbound_auth: null }), 'inbound_auth', /^required when trunk_type is auth/);
  });

  test('inbound_auth: username 1-64 without whitespace and password 8-128 are accepted', async () => {
    const ok = async (username, password) => {
      PASSWORDS.push(password);
      const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), trunk_type: 'auth',
        sip_gateway: gw(), inbound_auth: { username, password } });
      assert.equal(r.status, 201, `${username} ${password}: ${r.text}`);
      assert.deepEqual((await getCarrier(alice, r.json.id)).inbound_auth, { username });
    };
    await ok('u', 'P'.repeat(7) + 'w');
    await ok('u'.repeat(64), 'Q'.repeat(127) + 'w');
    await ok('user@example.com', 'pass word with spaces');

  });

  test('inbound_auth on static_ip or reg, registration on static_ip or auth: refused', async () => {
    PASSWORDS.push('refused-pass-1');
    const ia = { username: 'u', password: 'refused-pass-1' };
    const reg = { username: 'u', password: 'refused-pass-1', sip_realm: 'sip.example.com' };
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), sip_gateway: gw(), inbound_auth: ia }),
      'inbound_auth', 'only allowed when trunk_type is auth (send "inbound_auth": null to remove it)');
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), trunk_type: 'static_ip',
      sip_gateway: gw(), registration: reg }),
    'registration', 'only allowed when trunk_type is reg (send "registration": null to remove it)');
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), trunk_type: 'auth',
      sip_gateway: gw(), inbound_auth: ia, registration: reg }),
    'registration', 'only allowed when trunk_type is reg (send "registration": null to remove it)');
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), trunk_type: 'reg',
      sip_gateway: gw(), inbound_auth: ia, registration: reg }),
    'inbound_auth', 'only allowed when trunk_type is auth (send "inbound_auth": null to remove it)');
    // null means "none": accepted on any trunk type
    const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), sip_gateway: gw(),
      inbound_auth: null, registration: null });
    assert.equal(r.status, 201, r.text);
  });

  test('reg: 201; GET shows registration without the password; expires defaults to 3600', async () => {
    const name = uniqueName('Reg');
    const password = 'Reg-Secret-0815';
    PASSWORDS.push(password);
    const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: name, trunk_type: 'reg',
      sip_gateway: { ipv4: 'sip.carrier.example', inbound: false, outbound: true },
      registration: { username: 'reguser', password, sip_realm: 'sip.carrier.example' } });
    assert.equal(r.status, 201, r.text);
    assertCreateBody(r.json, alice, name, 'reg');
    const g = await getCarrier(alice, r.json.id);
    assert.deepEqual(g.registration, { username: 'reguser', sip_realm: 'sip.carrier.example', from_user: null,
      from_domain: null, expires: 3600 });
    assert.equal(g.inbound_auth, null);
  });

  test('reg with every registration field', async () => {
    PASSWORDS.push('Reg-Secret-0816');
    const r = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), trunk_type: 'reg',
      sip_gateway: gw(),
      registration: { username: 'reguser2', password: 'Reg-Secret-0816', sip_realm: '192.0.2.1',
        from_user: 'fromuser', from_domain: 'from.example.com', expires: 60 } });
    assert.equal(r.status, 201, r.text);
    const g = await getCarrier(alice, r.json.id);
    assert.deepEqual(g.registration, { username: 'reguser2', sip_realm: '192.0.2.1', from_user: 'fromuser',
      from_domain: 'from.example.com', expires: 60 });
  });

  test('reg without registration: 400 at registration', async () => {
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), trunk_type: 'reg', sip_gateway: gw() }),
      'registration', /^required when trunk_type is reg/);
  });

  test('reg needs an outbound gateway: 400 at sip_gateway.outbound', async () => {
    PASSWORDS.push('Reg-Secret-0817');
    oneFault(await call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), trunk_type: 'reg',
      sip_gateway: gw({ outbound: false }),
      registration: { username: 'u', password: 'Reg-Secret-0817', sip_realm: 'example.com' } }),
    'sip_gateway.outbound', /outbound/);
  });

  test('registration.expires: 60-86400 integers', async () => {
    PASSWORDS.push('Reg-Secret-0818');
    const base = { username: 'u', password: 'Reg-Secret-0818', sip_realm: 'example.com' };
    const post = (registration) => call(alice.api_key, 'POST', CARRIERS, { carrier_name: uniqueName(), trunk_type: 'reg',
      sip_gateway: gw(), registration });
    for (const expires of [59, 86401, 0, '3600', 3600.5]) {
      oneFault(await post({ ...base, expires }), 'registration.expires', /60.*86400/);
    }
    for (const expires of [60, 86400]) {
      const r = await post({ ...base, expires });
      assert.equal(r.status, 201, r.text);
      assert.equal((await getCarrier(alice, r.json.id)).registration.expires, expires);
    }
  });

});

// =====================================================================================
// Carriers: list and get
// =====================================================================================

describe('carriers: list and get', () => {
  let acct;
  const made = [];
  before(async () => {
    acct = await srv.createAccount('lister');
    for (let i = 0; i < 5; i++) made.push(await mkCarrier(acct, { carrier_name: `List ${i}`,
      sip_gateway: gw({ ipv4: `192.0.2.${i + 1}` }) }));
  });

  test('an account without carriers: empty list', async () => {
    const a = await srv.createAccount('empty');
    const r = await call(a.api_key, 'GET', CARRIERS);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(r.json, { data: [], total: 0, limit: 20, offset: 0 });
  });

  test('list: {data,total,limit,offset}; each item equals GET of it', async () => {
    const r = await call(acct.api_key, 'GET', CARRIERS);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['data', 'limit', 'offset', 'total']);
    assert.equal(r.json.total, 5);
    assert.equal(r.json.limit, 20);
    assert.equal(r.json.offset, 0);
    assert.deepEqual(r.json.data.map((c) => c.id).sort(), made.map((c) => c.id).sort());
    for (const item of r.json.data) {
      assert.deepEqual(Object.keys(item).sort(), FULL_KEYS);
      assert.deepEqual(item, await getCarrier(acct, item.id));
    }
  });

  test('paging: limit and offset; pages neither skip nor repeat', async () => {
    const seen = [];
    for (let offset = 0; offset < 6; offset += 2) {
      const r = await call(acct.api_key, 'GET', `${CARRIERS}?limit=2&offset=${offset}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.total, 5);
      assert.equal(r.json.limit, 2);
      assert.equal(r.json.offset, offset);
      assert.equal(r.json.data.length, Math.min(2, 5 - offset));
      seen.push(...r.json.data.map((c) => c.id));
    }
    assert.deepEqual([...seen].sort(), made.map((c) => c.id).sort());
    const past = await call(acct.api_key, 'GET', `${CARRIERS}?offset=50`);
    assert.deepEqual(past.json, { data: [], total: 5, limit: 20, offset: 50 });
    const max = await call(acct.api_key, 'GET', `${CARRIERS}?limit=100`);
    assert.equal(max.status, 200);
    assert.equal(max.json.limit, 100);
  });

  test('limit 1-100, offset >= 0: else 400', async () => {
    for (const q of ['limit=0', 'limit=101', 'limit=-1', 'limit=abc', 'limit=', 'offset=-1', 'offset=x', 'limit=1.5']) {
      problem(await call(acct.api_key, 'GET', `${CARRIERS}?${q}`), 400, /limit|offset/);
    }
  });

  test('GET by id or by voip_carrier_sid: the same carrier', async () => {
    const c = made[0];
    const a = await getCarrier(acct, c.id);
    const b = await getCarrier(acct, c.voip_carrier_sid);
    assert.deepEqual(a, b);
    assert.equal(a.carrier_name, 'List 0');
    assert.equal(a.sip_gateway.ipv4, '192.0.2.1');
  });

  test('GET of an unknown id: 404 problem', async () => {
    const r1 = await call(acct.api_key, 'GET', `${CARRIERS}/${crypto.randomUUID()}`);
    const p1 = problem(r1, 404);
    for (const id of ['nonsense', '12345678901234', made[0].sip_gateway_sid]) {
      const r = await call(acct.api_key, 'GET', `${CARRIERS}/${id}`);
      assert.equal(r.status, 404, `${id}: ${r.text}`);
      assert.equal(problem(r, 404).detail, p1.detail);
    }
  });
});

// =====================================================================================
// Carriers: PATCH
// =====================================================================================

describe('carriers: PATCH (merge, re-validated whole)', () => {
  const patch = (id, body, key = alice.api_key) => call(key, 'PATCH', `${CARRIERS}/${id}`, body);

  test('a nested member alone: the rest of the gateway is kept; 200 with the full carrier', async () => {
    const c = await mkCarrier(alice, { sip_gateway: { ipv4: '203.0.113.5', port: 5062, netmask: 32, inbound: true,
      outbound: true } });
    const before_ = await getCarrier(alice, c.id);
    await msPause(1100);
    const r = await patch(c.id, { sip_gateway: { port: 5080 } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), FULL_KEYS);
    assert.deepEqual(r.json.sip_gateway, { ipv4: '203.0.113.5', port: 5080, netmask: 32, inbound: true, outbound: true });
    assert.equal(r.json.carrier_name, c.carrier_name);
    assert.equal(r.json.created_at, before_.created_at);
    assert.ok(r.json.updated_at > before_.updated_at, `${r.json.updated_at} > ${before_.updated_at}`);
    assert.equal(r.json.sip_gateway_sid, c.sip_gateway_sid);
    assert.equal(r.json.sip_gateways[0].sip_gateway_sid, c.sip_gateway_sid);
    assert.deepEqual(await getCarrier(alice, c.id), r.json);
  });

  test('an empty PATCH changes nothing', async () => {
    const c = await mkCarrier(alice);
    const before_ = await getCarrier(alice, c.id);
    const r = await patch(c.id, {});
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.carrier_name, before_.carrier_name);
    assert.deepEqual(r.json.sip_gateway, before_.sip_gateway);
  });

  test('rename (trimmed); by voip_carrier_sid too; to a taken name: 409; to its own name: 200', async () => {
    const a = await mkCarrier(alice);
    const b = await mkCarrier(alice);
    const newName = uniqueName('Renamed');
    let r = await patch(a.id, { carrier_name: ` ${newName} ` });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.carrier_name, newName);
    r = await patch(a.voip_carrier_sid, { sip_gateway: { port: 5070 } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.sip_gateway.port, 5070);
    problem(await patch(b.id, { carrier_name: newName }), 409, `a carrier named ${newName} already exists`);
    assert.equal((await getCarrier(alice, b.id)).carrier_name, b.carrier_name);
    r = await patch(a.id, { carrier_name: newName });
    assert.equal(r.status, 200, r.text);
  });

  test('invalid values: 400 with every fault; nothing changes', async () => {
    const c = await mkCarrier(alice);
    const before_ = await getCarrier(alice, c.id);
    let r = await patch(c.id, { carrier_name: '', sip_gateway: { port: 0, ipv4: '1.2.3.999' }, bogus: 1 });
    problem(r, 400, 'the carrier has 4 problems: see errors', [
      { path: 'carrier_name', message: /^1-100 characters/ },
      { path: 'sip_gateway.port', message: 'must be an integer from 1 to 65535' },
      { path: 'sip_gateway.ipv4', message: /./ },
      { path: 'bogus', message: 'unknown field' },
    ]);
    r = await patch(c.id, { sip_gateway: { ipv4: 'sip.example.com' } });
    oneFault(r, 'sip_gateway.ipv4', /set inbound to false/);
    r = await patch(c.id, { sip_gateway: { inbound: false, outbound: false } });
    oneFault(r, 'sip_gateway.inbound', 'a gateway must be inbound, outbound or both');
    r = await patch(c.id, { trunk_type: 'nope' });
    oneFault(r, 'trunk_type', 'must be static_ip, auth or reg');
    assert.deepEqual(await getCarrier(alice, c.id), before_);
  });

  test('switch static_ip -> auth needs inbound_auth; auth -> static_ip needs "inbound_auth": null', async () => {
    const c = await mkCarrier(alice);
    oneFault(await patch(c.id, { trunk_type: 'auth' }), 'inbound_auth', /^required when trunk_type is auth/);
    PASSWORDS.push('Patch-Pass-001');
    let r = await patch(c.id, { trunk_type: 'auth', inbound_auth: { username: 'pu', password: 'Patch-Pass-001' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.trunk_type, 'auth');
    assert.deepEqual(r.json.inbound_auth, { username: 'pu' });

    // the password not given is kept
    r = await patch(c.id, { inbound_auth: { username: 'pu2' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.inbound_auth, { username: 'pu2' });
    r = await patch(c.id, { carrier_name: uniqueName() });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.inbound_auth, { username: 'pu2' });

    oneFault(await patch(c.id, { trunk_type: 'static_ip' }), 'inbound_auth',
      'only allowed when trunk_type is auth (send "inbound_auth": null to remove it)');
    assert.equal((await getCarrier(alice, c.id)).trunk_type, 'auth');
    // removing it alone is not allowed while the trunk type is auth
    oneFault(await patch(c.id, { inbound_auth: null }), 'inbound_auth', /^required when trunk_type is auth/);

    r = await patch(c.id, { trunk_type: 'static_ip', inbound_auth: null });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.trunk_type, 'static_ip');
    assert.equal(r.json.inbound_auth, null);
    // and the old password is gone: switching back needs a new one
    const back = await patch(c.id, { trunk_type: 'auth', inbound_auth: { username: 'pu3' } });
    assert.equal(back.status, 400, back.text);
    assert.ok(back.json.errors.some((x) => x.path === 'inbound_auth.password'), back.text);
  });

  test('switch to reg and back; registration merges member by member', async () => {
    const c = await mkCarrier(alice);
    PASSWORDS.push('Patch-Reg-002');
    oneFault(await patch(c.id, { trunk_type: 'reg' }), 'registration', /^required when trunk_type is reg/);
    let r = await patch(c.id, { trunk_type: 'reg',
      registration: { username: 'ru', password: 'Patch-Reg-002', sip_realm: 'reg.example.com' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.registration, { username: 'ru', sip_realm: 'reg.example.com', from_user: null,
      from_domain: null, expires: 3600 });
    r = await patch(c.id, { registration: { expires: 120, from_user: 'fu' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.registration, { username: 'ru', sip_realm: 'reg.example.com', from_user: 'fu',
      from_domain: null, expires: 120 });
    r = await patch(c.id, { registration: { from_user: null } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.registration.from_user, null);
    oneFault(await patch(c.id, { registration: { sip_realm: 'sip:reg.example.com' } }), 'registration.sip_realm',
      /without the sip: prefix/);
    // reg needs an outbound gateway
    oneFault(await patch(c.id, { sip_gateway: { outbound: false } }), 'sip_gateway.outbound', /outbound/);
    oneFault(await patch(c.id, { trunk_type: 'static_ip' }), 'registration',
      'only allowed when trunk_type is reg (send "registration": null to remove it)');
    r = await patch(c.id, { trunk_type: 'static_ip', registration: null });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.registration, null);
    assert.equal(r.json.trunk_type, 'static_ip');
  });

  test('the gateway becomes outbound-only with a host name in one PATCH', async () => {
    const c = await mkCarrier(alice);
    const r = await patch(c.id, { sip_gateway: { ipv4: 'out.example.com', inbound: false } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.sip_gateway, { ipv4: 'out.example.com', port: 5060, netmask: 32, inbound: false,
      outbound: true });
    // and back to inbound needs an IP address
    oneFault(await patch(c.id, { sip_gateway: { inbound: true } }), 'sip_gateway.ipv4', /inbound gateway must be an IP/);
  });

  test('PATCH of an unknown carrier: 404', async () => {
    problem(await patch(crypto.randomUUID(), { carrier_name: 'x' }), 404);
    problem(await patch('nonsense', {}), 404);
  });
});

// =====================================================================================
// Carriers: DELETE
// =====================================================================================

describe('carriers: DELETE', () => {
  test('204; then GET, PATCH and DELETE answer 404; the name is free again', async () => {
    const c = await mkCarrier(alice);
    const r = await call(alice.api_key, 'DELETE', `${CARRIERS}/${c.id}`);
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, '');
    problem(await call(alice.api_key, 'GET', `${CARRIERS}/${c.id}`), 404);
    problem(await call(alice.api_key, 'GET', `${CARRIERS}/${c.voip_carrier_sid}`), 404);
    problem(await call(alice.api_key, 'PATCH', `${CARRIERS}/${c.id}`, {}), 404);
    problem(await call(alice.api_key, 'DELETE', `${CARRIERS}/${c.id}`), 404);
    const again = await call(alice.api_key, 'POST', CARRIERS, { carrier_name: c.carrier_name, sip_gateway: gw() });
    assert.equal(again.status, 201, again.text);
    assert.notEqual(again.json.id, c.id);
  });

  test('by voip_carrier_sid', async () => {
    const c = await mkCarrier(alice);
    assert.equal((await call(alice.api_key, 'DELETE', `${CARRIERS}/${c.voip_carrier_sid}`)).status, 204);
    problem(await call(alice.api_key, 'GET', `${CARRIERS}/${c.id}`), 404);
  });

  test('while numbers use it: 409 naming how many; after unrenting them: 204', async () => {
    const c = await mkCarrier(alice, { carrier_name: uniqueName('Busy') });
    const n1 = await mkNumber(alice, { voip_carrier_sid: c.voip_carrier_sid });
    let r = await call(alice.api_key, 'DELETE', `${CARRIERS}/${c.id}`);
    problem(r, 409, new RegExp(`^carrier ${c.carrier_name} still has 1 number(\\(s\\))?: unrent .*first$`));
    const n2 = await mkNumber(alice, { voip_carrier_sid: c.id });
    r = await call(alice.api_key, 'DELETE', `${CARRIERS}/${c.voip_carrier_sid}`);
    problem(r, 409, new RegExp(`^carrier ${c.carrier_name} still has 2 numbers?(\\(s\\))?: unrent .*first$`));
    assert.equal((await getCarrier(alice, c.id)).number_count, 2);
    assert.equal((await call(alice.api_key, 'DELETE', `${NUMBERS}/${n1.id}`)).status, 204);
    problem(await call(alice.api_key, 'DELETE', `${CARRIERS}/${c.id}`), 409, /still has 1 number/);
    assert.equal((await call(alice.api_key, 'DELETE', `${NUMBERS}/${n2.id}`)).status, 204);
    assert.equal((await call(alice.api_key, 'DELETE', `${CARRIERS}/${c.id}`)).status, 204);
  });
});

// =====================================================================================
// Numbers
// =====================================================================================

describe('numbers: add', () => {
  test('manual (no carrier): 201 with exactly the documented keys', async () => {
    const number = fresh();
    const r = await call(alice.api_key, 'POST', NUMBERS, { number });
    assert.equal(r.status, 201, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.equal(r.headers.get('idempotent-replayed'), null);
    const n = r.json;
    assert.deepEqual(Object.keys(n).sort(), NUMBER_KEYS, r.text);
    assert.match(n.id, UUID_RE);
    assert.match(n.phone_number_sid, UUID_RE);
    assert.deepEqual(n, {
      id: n.id, number, voip_carrier_sid: null, carrier_name: null, source: 'manual',
      phone_number_sid: n.phone_number_sid, status: 'active', label: null, account_id: alice.auth_id,
      sub_account: null, country_iso: 'US', number_type: 'local', created_at: n.created_at,
    });
    assert.match(n.created_at, TS_RE);
    const age = Date.now() - Date.parse(n.created_at);
    assert.ok(age > -5000 && age < 60000);
  });

  test('byoc: with a carrier given by voip_carrier_sid or by id; label kept', async () => {
    const c = await mkCarrier(alice, { carrier_name: uniqueName('Num') });
    for (const ref of [c.voip_carrier_sid, c.id]) {
      const number = fresh();
      const r = await call(alice.api_key, 'POST', NUMBERS, { number, voip_carrier_sid: ref, label: 'Main line' });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.number, number);
      assert.equal(r.json.source, 'byoc');
      assert.equal(r.json.voip_carrier_sid, c.voip_carrier_sid);
      assert.equal(r.json.carrier_name, c.carrier_name);
      assert.equal(r.json.label, 'Main line');
      assert.equal(r.json.status, 'active');
    }
    assert.equal((await getCarrier(alice, c.id)).number_count, 2);
  });

  test('the number in any accepted form is shown with +', async () => {
    const d = fresh().slice(1);
    const r = await call(alice.api_key, 'POST', NUMBERS, { number: d });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.number, `+${d}`);
    const uk = await call(alice.api_key, 'POST', NUMBERS, { number: '+442071838750' });
    assert.equal(uk.status, 201, uk.text);
    assert.equal(uk.json.number, '+442071838750');
    assert.equal(uk.json.country_iso, 'GB');
    const tf = await call(alice.api_key, 'POST', NUMBERS, { number: '+18885550123' });
    assert.equal(tf.status, 201, tf.text);
    assert.equal(tf.json.number_type, 'tollfree');
  });

  test('invalid numbers: 400 "<given>: invalid number" with errors at number; nothing added', async () => {
    const total = (await call(alice.api_key, 'GET', NUMBERS)).json.total;
    for (const number of ['123', '+1415555010', '+10155550100', '+14150550100', 'abc', '+', '+1234567890123456',
      '+999123456789', '1415555O100']) {
      const r = await call(alice.api_key, 'POST', NUMBERS, { number });
      problem(r, 400, `${number}: invalid number`, [{ path: 'number', message: 'invalid number' }]);
    }
    assert.equal((await call(alice.api_key, 'GET', NUMBERS)).json.total, total);
  });

  // Session 40: every fault of an add names its member in errors[], as the
  // carriers' do (before: the detail alone, but for an invalid number), and
  // the members are typed (an integer label was taken as its text).
  test('missing number: 400 "missing required field: number"', async () => {
    const req = [{ path: 'number', message: 'required' }];
    problem(await call(alice.api_key, 'POST', NUMBERS, {}), 400, 'missing required field: number', req);
    problem(await call(alice.api_key, 'POST', NUMBERS, { label: 'x' }), 400, 'missing required field: number', req);
    problem(await call(alice.api_key, 'POST', NUMBERS, { number: null }), 400, 'missing required field: number', req);
    problem(await call(alice.api_key, 'POST', NUMBERS, { number: '' }), 400, 'missing required field: number', req);
  });

  test('unknown fields and wrong types: 400, each named in errors[]', async () => {
    const total = (await call(alice.api_key, 'GET', NUMBERS)).json.total;
    problem(await call(alice.api_key, 'POST', NUMBERS, { number: fresh(), carrier: 'x' }), 400, 'unknown parameter: carrier',
      [{ path: 'carrier', message: 'unknown field' }]);
    problem(await call(alice.api_key, 'POST', NUMBERS, { number: fresh(), sub_account: 'x' }), 400, 'unknown parameter: sub_account',
      [{ path: 'sub_account', message: 'unknown field' }]);
    problem(await call(alice.api_key, 'POST', NUMBERS, { number: [fresh()] }), 400, 'invalid number: want a string',
      [{ path: 'number', message: 'must be a string' }]);
    for (const label of [5.5, 5, true, ['x'], { a: 1 }]) {
      problem(await call(alice.api_key, 'POST', NUMBERS, { number: fresh(), label }), 400, 'invalid label: want a string',
        [{ path: 'label', message: 'must be a string' }]);
    }
    problem(await call(alice.api_key, 'POST', NUMBERS, { number: fresh(), voip_carrier_sid: 7 }), 400,
      'invalid voip_carrier_sid: want a string', [{ path: 'voip_carrier_sid', message: 'must be a string' }]);
    problem(await call(alice.api_key, 'POST', NUMBERS, { number: 5, label: [1], colour: 'red' }), 400,
      'the phone number has 3 problems: see errors', [{ path: 'colour', message: 'unknown field' },
        { path: 'number', message: 'must be a string' }, { path: 'label', message: 'must be a string' }]);
    // the core's refusals too, at the member's path
    problem(await call(alice.api_key, 'POST', NUMBERS, { number: fresh(), voip_carrier_sid: 'nope' }), 400,
      'invalid carrier: no carrier nope on this account', [{ path: 'voip_carrier_sid', message: 'no carrier nope on this account' }]);
    problem(await call(alice.api_key, 'POST', NUMBERS, { number: fresh(), label: 'L'.repeat(101) }), 400,
      'invalid label: up to 100 characters, no control characters',
      [{ path: 'label', message: 'up to 100 characters, no control characters' }]);
    assert.equal((await call(alice.api_key, 'GET', NUMBERS)).json.total, total, 'nothing was added');
  });

  test('label: up to 100 characters', async () => {
    const ok = await call(alice.api_key, 'POST', NUMBERS, { number: fresh(), label: 'L'.repeat(100) });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.label, 'L'.repeat(100));
    const n = fresh();
    problem(await call(alice.api_key, 'POST', NUMBERS, { number: n, label: 'L'.repeat(101) }), 400, /label/);
    problem(await call(alice.api_key, 'POST', NUMBERS, { number: n, label: 'bad\u0001label' }), 400, /label/);
    problem(await call(alice.api_key, 'GET', `${NUMBERS}/${encodeURIComponent(n)}`), 404);
  });

  test('a carrier that is not the account\'s: 400 invalid carrier', async () => {
    const bobs = await mkCarrier(bob);
    for (const ref of [crypto.randomUUID(), 'nonsense', bobs.voip_carrier_sid, bobs.id]) {
      const number = fresh();
      problem(await call(alice.api_key, 'POST', NUMBERS, { number, voip_carrier_sid: ref }), 400,
        `invalid carrier: no carrier ${ref} on this account`);
      problem(await call(alice.api_key, 'GET', `${NUMBERS}/${encodeURIComponent(number)}`), 404);
    }
  });

  test('already on this account / owned by another account / in the operator\'s inventory: 400', async () => {
    const mine = await mkNumber(alice);
    for (const given of [mine.number, mine.number.slice(1)]) {
      problem(await call(alice.api_key, 'POST', NUMBERS, { number: given }), 400, `${given}: already on this account`,
        [{ path: 'number', message: 'already on this account' }]);
    }
    const c = await mkCarrier(alice);
    problem(await call(alice.api_key, 'POST', NUMBERS, { number: mine.number, voip_carrier_sid: c.id }), 400,
      `${mine.number}: already on this account`);
    problem(await call(bob.api_key, 'POST', NUMBERS, { number: mine.number }), 400,
      `${mine.number}: already owned by another account`,
      [{ path: 'number', message: 'already owned by another account' }]);

    const inv = `+${INV[0]}`;
    problem(await call(alice.api_key, 'POST', NUMBERS, { number: inv }), 400, `${inv}: in the operator's inventory`,
      [{ path: 'number', message: "in the operator's inventory" }]);
    // bought from the inventory by bob: owned by another account
    assert.equal((await srv.buy(bob, INV[1])).status, 201);
    problem(await call(alice.api_key, 'POST', NUMBERS, { number: `+${INV[1]}` }), 400,
      `+${INV[1]}: already owned by another account`);
    problem(await call(bob.api_key, 'POST', NUMBERS, { number: `+${INV[1]}` }), 400,
      `+${INV[1]}: already on this account`);
  });
});

describe('numbers: get, list, delete', () => {
  let acct; let carrier; let other; let manual; let byoc1; let byoc2;
  before(async () => {
    acct = await srv.createAccount('numlister');
    carrier = await mkCarrier(acct, { carrier_name: 'Listed' });
    other = await mkCarrier(acct, { carrier_name: 'Other' });
    manual = await mkNumber(acct, { label: 'manual one' });
    byoc1 = await mkNumber(acct, { voip_carrier_sid: carrier.voip_carrier_sid });
    byoc2 = await mkNumber(acct, { voip_carrier_sid: other.id });
  });

  test('GET by id, by phone_number_sid, by the number with +, %2B or digits: the same object', async () => {
    for (const ref of [byoc1.id, byoc1.phone_number_sid, byoc1.number, encodeURIComponent(byoc1.number),
      byoc1.number.slice(1)]) {
      const r = await call(acct.api_key, 'GET', `${NUMBERS}/${ref}`);
      assert.equal(r.status, 200, `${ref}: ${r.text}`);
      assert.deepEqual(r.json, byoc1);
    }
  });

  test('GET of a number the account does not have: 404 problem', async () => {
    const r0 = await call(acct.api_key, 'GET', `${NUMBERS}/${crypto.randomUUID()}`);
    const p0 = problem(r0, 404);
    for (const ref of [fresh(), encodeURIComponent('+12125550100'), 'nonsense', carrier.id, `+${INV[5]}`]) {
      const r = await call(acct.api_key, 'GET', `${NUMBERS}/${ref}`);
      assert.equal(problem(r, 404).detail, p0.detail, `${ref}: ${r.text}`);
    }
  });

  test('list: {data,total,limit,offset} with every number; each item equals GET', async () => {
    const r = await call(acct.api_key, 'GET', NUMBERS);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['data', 'limit', 'offset', 'total']);
    assert.equal(r.json.total, 3);
    assert.equal(r.json.limit, 20);
    assert.equal(r.json.offset, 0);
    assert.deepEqual(r.json.data.map((n) => n.id).sort(), [manual.id, byoc1.id, byoc2.id].sort());
    for (const n of r.json.data) {
      assert.deepEqual(Object.keys(n).sort(), NUMBER_KEYS);
      assert.deepEqual(n, (await call(acct.api_key, 'GET', `${NUMBERS}/${n.id}`)).json);
    }
  });

  test('filters: voip_carrier_sid (sid or id), source, status', async () => {
    const ids = async (q) => {
      const r = await call(acct.api_key, 'GET', `${NUMBERS}?${q}`);
      assert.equal(r.status, 200, `${q}: ${r.text}`);
      assert.equal(r.json.total, r.json.data.length);
      return r.json.data.map((n) => n.id).sort();
    };
    assert.deepEqual(await ids(`voip_carrier_sid=${carrier.voip_carrier_sid}`), [byoc1.id]);
    assert.deepEqual(await ids(`voip_carrier_sid=${other.voip_carrier_sid}`), [byoc2.id]);
    assert.deepEqual(await ids('source=manual'), [manual.id]);
    assert.deepEqual(await ids('source=byoc'), [byoc1.id, byoc2.id].sort());
    assert.deepEqual(await ids('source=inventory'), []);
    assert.deepEqual(await ids('status=active'), [manual.id, byoc1.id, byoc2.id].sort());
    assert.deepEqual(await ids('status=pending'), []);
    assert.deepEqual(await ids(`source=byoc&voip_carrier_sid=${carrier.voip_carrier_sid}&status=active`), [byoc1.id]);
    assert.deepEqual(await ids(`source=manual&voip_carrier_sid=${carrier.voip_carrier_sid}`), []);
  });

  test('invalid filter values: 400', async () => {
    for (const q of [`voip_carrier_sid=${crypto.randomUUID()}`, 'voip_carrier_sid=nonsense', 'status=aging',
      'status=ACTIVEX', 'status=', 'source=plivo', 'source=', 'limit=0', 'limit=101', 'offset=-1']) {
      problem(await call(acct.api_key, 'GET', `${NUMBERS}?${q}`), 400);
    }
    const bobs = await mkCarrier(bob);
    problem(await call(acct.api_key, 'GET', `${NUMBERS}?voip_carrier_sid=${bobs.voip_carrier_sid}`), 400);
  });

  test('paging', async () => {
    const seen = [];
    for (let offset = 0; offset < 3; offset++) {
      const r = await call(acct.api_key, 'GET', `${NUMBERS}?limit=1&offset=${offset}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.total, 3);
      assert.equal(r.json.limit, 1);
      assert.equal(r.json.offset, offset);
      assert.equal(r.json.data.length, 1);
      seen.push(r.json.data[0].id);
    }
    assert.deepEqual(seen.sort(), [manual.id, byoc1.id, byoc2.id].sort());
    const r = await call(acct.api_key, 'GET', `${NUMBERS}?limit=100&offset=3`);
    assert.deepEqual(r.json, { data: [], total: 3, limit: 100, offset: 3 });
  });

  test('DELETE a manual or byoc number: 204, it is gone, and it can be added again', async () => {
    const extra = await mkNumber(acct, { voip_carrier_sid: carrier.id });
    assert.equal((await getCarrier(acct, carrier.id)).number_count, 2);
    let r = await call(acct.api_key, 'DELETE', `${NUMBERS}/${extra.id}`);
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, '');
    problem(await call(acct.api_key, 'GET', `${NUMBERS}/${extra.id}`), 404);
    problem(await call(acct.api_key, 'GET', `${NUMBERS}/${encodeURIComponent(extra.number)}`), 404);
    problem(await call(acct.api_key, 'DELETE', `${NUMBERS}/${extra.id}`), 404);
    assert.equal((await getCarrier(acct, carrier.id)).number_count, 1);
    // removed, not parked in the inventory: anyone may add it now
    r = await call(bob.api_key, 'POST', NUMBERS, { number: extra.number });
    assert.equal(r.status, 201, r.text);
    assert.notEqual(r.json.id, extra.id);
    const stats = (await srv.admin('GET', '/admin/v1/inventory/stats')).json;
    assert.equal(JSON.stringify(stats).includes('"aging"'), false, JSON.stringify(stats));
  });

  test('DELETE by the number itself (+ and %2B)', async () => {
    const a = await mkNumber(acct);
    assert.equal((await call(acct.api_key, 'DELETE', `${NUMBERS}/${a.number}`)).status, 204);
    problem(await call(acct.api_key, 'GET', `${NUMBERS}/${a.id}`), 404);
    const b = await mkNumber(acct);
    assert.equal((await call(acct.api_key, 'DELETE', `${NUMBERS}/${encodeURIComponent(b.number)}`)).status, 204);
    problem(await call(acct.api_key, 'GET', `${NUMBERS}/${b.id}`), 404);
  });
});

describe('numbers bought from the inventory (Plivo dialect)', () => {
  let acct;
  before(async () => { acct = await srv.createAccount('buyer'); });

  test('listed with source inventory, no carrier, and an id usable for GET', async () => {
    const digits = INV[2];
    assert.equal((await srv.buy(acct, digits)).status, 201);
    const all = await listAll(acct, NUMBERS);
    assert.equal(all.length, 1);
    const n = all[0];
    assert.deepEqual(Object.keys(n).sort(), NUMBER_KEYS);
    assert.match(n.id, UUID_RE);
    assert.equal(n.number, `+${digits}`);
    assert.equal(n.source, 'inventory');
    assert.equal(n.voip_carrier_sid, null);
    assert.equal(n.carrier_name, null);
    assert.equal(n.status, 'active');
    assert.equal(n.account_id, acct.auth_id);
    assert.equal(n.country_iso, 'US');
    assert.equal(n.number_type, 'local');
    assert.deepEqual((await call(acct.api_key, 'GET', `${NUMBERS}/${n.id}`)).json, n);
    assert.deepEqual((await call(acct.api_key, 'GET', `${NUMBERS}/${n.number}`)).json, n);
    const f = await call(acct.api_key, 'GET', `${NUMBERS}?source=inventory`);
    assert.deepEqual(f.json.data, [n]);
  });

  test('a restricted number bought without compliance: status pending (filter status=pending)', async () => {
    const digits = INV_R[0];
    const b = await srv.buy(acct, digits);
    assert.equal(b.status, 201, b.text);
    assert.equal(b.json.status, 'pending');
    const r = await call(acct.api_key, 'GET', `${NUMBERS}?status=pending`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.data.map((n) => n.number), [`+${digits}`]);
    assert.equal(r.json.data[0].status, 'pending');
    assert.equal(r.json.data[0].source, 'inventory');
    const a = await call(acct.api_key, 'GET', `${NUMBERS}?status=active`);
    assert.ok(!a.json.data.some((n) => n.number === `+${digits}`));
  });

  test('DELETE by id: 204; the number goes back to the operator and ages', async () => {
    const digits = INV[3];
    assert.equal((await srv.buy(acct, digits)).status, 201);
    const before_ = (await srv.admin('GET', '/admin/v1/inventory/stats')).json;
    const aging0 = before_.counts.US.fixed.aging || 0;
    const active0 = before_.counts.US.fixed.active || 0;
    const n = (await call(acct.api_key, 'GET', `${NUMBERS}/+${digits}`)).json;
    const r = await call(acct.api_key, 'DELETE', `${NUMBERS}/${n.id}`);
    assert.equal(r.status, 204, r.text);
    problem(await call(acct.api_key, 'GET', `${NUMBERS}/${n.id}`), 404);
    assertPlivoError(await srv.plivo(acct, 'GET', `Number/${digits}/`), 404);
    const after_ = (await srv.admin('GET', '/admin/v1/inventory/stats')).json;
    assert.equal(after_.counts.US.fixed.aging, aging0 + 1, JSON.stringify(after_));
    assert.equal(after_.counts.US.fixed.active || 0, active0 - 1, JSON.stringify(after_));
    assert.equal(after_.total, before_.total);
    // aging: not for sale, and still the operator's (not addable as a manual number)
    const s = await srv.search(acct, { country_iso: 'US', pattern: digits.slice(1) });
    assert.deepEqual(s.json.objects.map((o) => o.number), []);
    problem(await call(acct.api_key, 'POST', NUMBERS, { number: `+${digits}` }), 400,
      `+${digits}: in the operator's inventory`);
  });
});

// =====================================================================================
// Both dialects, one truth
// =====================================================================================

describe('both dialects, one truth', () => {
  let acct;
  before(async () => { acct = await srv.createAccount('cross'); });

  const plivoCarriers = async (a = acct) => {
    const r = await plivo(a, 'GET', 'IncomingCarrier/', { query: { limit: 20 } });
    assert.equal(r.status, 200, r.text);
    return r.json.objects;
  };

  test('a BYOC carrier is a Plivo IncomingCarrier: carrier_id, name, ip_set of its inbound gateways', async () => {
    await mkCarrier(acct, { carrier_name: 'Cross A', sip_gateway: { ipv4: '198.51.100.50' } });
    await mkCarrier(acct, { carrier_name: 'Cross B', sip_gateway: { ipv4: '203.0.113.0', netmask: 24 } });
    await mkCarrier(acct, { carrier_name: 'Cross C', sip_gateway: { ipv4: 'out.example.net', inbound: false } });
    const objs = await plivoCarriers();
    const byName = Object.fromEntries(objs.map((o) => [o.name, o]));
    assert.deepEqual(Object.keys(byName).sort(), ['Cross A', 'Cross B', 'Cross C']);
    for (const o of objs) {
      assert.match(o.carrier_id, /^\d{14}$/);
      assert.deepEqual(Object.keys(o).sort(), ['carrier_id', 'ip_set', 'name', 'resource_uri', 'sms', 'voice']);
      assert.equal(o.resource_uri, `/v1/Account/${acct.auth_id}/IncomingCarrier/${o.carrier_id}/`);
    }
    assert.equal(byName['Cross A'].ip_set, '198.51.100.50');
    assert.equal(byName['Cross B'].ip_set, '203.0.113.0/24');
    assert.equal(byName['Cross C'].ip_set, '');
    const g = await plivo(acct, 'GET', `IncomingCarrier/${byName['Cross A'].carrier_id}/`);
    assert.equal(g.status, 200, g.text);
    assert.equal(g.json.name, 'Cross A');
    assert.equal(g.json.ip_set, '198.51.100.50');
  });

  test('a Plivo IncomingCarrier is a BYOC static_ip carrier: first ip_set entry as sip_gateway', async () => {
    const r = await plivo(acct, 'POST', 'IncomingCarrier/', { body: { name: 'plivo-made', ip_set: '192.0.2.10, 192.0.2.16/28' } });
    assert.equal(r.status, 201, r.text);
    const cid = r.json.carrier_id;
    const all = await listAll(acct, CARRIERS);
    const c = all.find((x) => x.carrier_name === 'plivo-made');
    assert.ok(c, JSON.stringify(all));
    assert.equal(c.trunk_type, 'static_ip');
    assert.equal(c.account_id, acct.auth_id);
    assert.match(c.id, UUID_RE);
    assert.match(c.voip_carrier_sid, UUID_RE);
    assert.deepEqual(c.sip_gateway, { ipv4: '192.0.2.10', port: 5060, netmask: 32, inbound: true, outbound: false });
    assert.equal(c.sip_gateways.length, 2);
    assert.equal(c.sip_gateway_sid, c.sip_gateways[0].sip_gateway_sid);
    assert.deepEqual(c.sip_gateways.map(({ sip_gateway_sid, ...rest }) => rest), [
      { ipv4: '192.0.2.10', port: 5060, netmask: 32, inbound: true, outbound: false },
      { ipv4: '192.0.2.16', port: 5060, netmask: 28, inbound: true, outbound: false },
    ]);
    for (const g of c.sip_gateways) assert.match(g.sip_gateway_sid, UUID_RE);
    assert.equal(c.inbound_auth, null);
    assert.equal(c.registration, null);
    assert.deepEqual(await getCarrier(acct, c.voip_carrier_sid), c);

    // deleting it in BYOC removes it from Plivo
    assert.equal((await call(acct.api_key, 'DELETE', `${CARRIERS}/${c.id}`)).status, 204);
    assertPlivoError(await plivo(acct, 'GET', `IncomingCarrier/${cid}/`), 404);
  });

  test('voice / sms set in the Plivo dialect show in BYOC', async () => {
    const r = await plivo(acct, 'POST', 'IncomingCarrier/', { body: { name: 'no-sms', ip_set: '192.0.2.30', sms: false } });
    assert.equal(r.status, 201, r.text);
    const c = (await listAll(acct, CARRIERS)).find((x) => x.carrier_name === 'no-sms');
    assert.equal(c.sms, false);
    assert.equal(c.voice, true);
  });

  test('renames show in the other dialect, both ways', async () => {
    const c = await mkCarrier(acct, { carrier_name: 'Before' });
    let p = (await plivoCarriers()).find((o) => o.name === 'Before');
    assert.ok(p);
    const r = await call(acct.api_key, 'PATCH', `${CARRIERS}/${c.id}`, { carrier_name: 'After' });
    assert.equal(r.status, 200, r.text);
    const g = await plivo(acct, 'GET', `IncomingCarrier/${p.carrier_id}/`);
    assert.equal(g.json.name, 'After');

    const u = await plivo(acct, 'POST', `IncomingCarrier/${p.carrier_id}/`, { body: { name: 'AfterPlivo' } });
    assert.equal(u.status, 202, u.text);
    const b = await getCarrier(acct, c.id);
    assert.equal(b.carrier_name, 'AfterPlivo');
    // the gateway was not touched by a name-only update
    assert.deepEqual(b.sip_gateway, { ipv4: '198.51.100.7', port: 5060, netmask: 32, inbound: true, outbound: true });
    p = (await plivoCarriers()).find((o) => o.carrier_id === p.carrier_id);
    assert.equal(p.name, 'AfterPlivo');
  });

  test('a BYOC gateway change shows as the Plivo ip_set', async () => {
    const c = await mkCarrier(acct, { carrier_name: 'Moving', sip_gateway: { ipv4: '198.51.100.60' } });
    // (a range receives only: the gateway's outbound, true, is turned off
    // with it -- left on, the update is refused, as byoc's netmask test shows)
    const r = await call(acct.api_key, 'PATCH', `${CARRIERS}/${c.id}`, { sip_gateway: { ipv4: '198.51.100.0', netmask: 25, outbound: false } });
    assert.equal(r.status, 200, r.text);
    const p = (await plivoCarriers()).find((o) => o.name === 'Moving');
    assert.equal(p.ip_set, '198.51.100.0/25');
  });

  test('a number added in BYOC shows in Plivo Number/ with the carrier name', async () => {
    const c = await mkCarrier(acct, { carrier_name: 'Numbered' });
    const n = await mkNumber(acct, { voip_carrier_sid: c.voip_carrier_sid, label: 'front desk' });
    const digits = n.number.slice(1);
    const g = await plivo(acct, 'GET', `Number/${digits}/`);
    assert.equal(g.status, 200, g.text);
    assert.equal(g.json.number, digits);
    assert.equal(g.json.carrier, 'Numbered');
    assert.equal(g.json.status, 'active');
    const l = await plivo(acct, 'GET', 'Number/', { query: { limit: 20 } });
    assert.ok(l.json.objects.some((o) => o.number === digits), l.text);
    // unrent in Plivo removes it from BYOC
    assert.equal((await plivo(acct, 'DELETE', `Number/${digits}/`)).status, 204);
    problem(await call(acct.api_key, 'GET', `${NUMBERS}/${n.id}`), 404);
    assert.equal((await getCarrier(acct, c.id)).number_count, 0);
  });

  test('numbers added by Plivo POST Number/ show in BYOC as byoc with the carrier\'s voip_carrier_sid', async () => {
    const c = await mkCarrier(acct, { carrier_name: 'PlivoAdd' });
    const pc = (await plivoCarriers()).find((o) => o.name === 'PlivoAdd');
    const n1 = fresh().slice(1);
    const n2 = fresh().slice(1);
    const r = await plivo(acct, 'POST', 'Number/', { body: { numbers: `${n1},${n2}`, carrier: pc.carrier_id,
      region: 'New York' } });
    assert.equal(r.status, 202, r.text);
    const list = await call(acct.api_key, 'GET', `${NUMBERS}?voip_carrier_sid=${c.voip_carrier_sid}`);
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json.data.map((x) => x.number).sort(), [`+${n1}`, `+${n2}`].sort());
    for (const x of list.json.data) {
      assert.equal(x.source, 'byoc');
      assert.equal(x.voip_carrier_sid, c.voip_carrier_sid);
      assert.equal(x.carrier_name, 'PlivoAdd');
      assert.match(x.id, UUID_RE);
      assert.equal(x.status, 'active');
      assert.equal(x.account_id, acct.auth_id);
    }
    assert.equal((await getCarrier(acct, c.id)).number_count, 2);
    // the carrier cannot go while they are there, in either dialect
    problem(await call(acct.api_key, 'DELETE', `${CARRIERS}/${c.id}`), 409, /still has 2 numbers?/);
    assertPlivoError(await plivo(acct, 'DELETE', `IncomingCarrier/${pc.carrier_id}/`), 409);
    // deleting one in BYOC removes it from Plivo
    const x = list.json.data[0];
    assert.equal((await call(acct.api_key, 'DELETE', `${NUMBERS}/${x.id}`)).status, 204);
    assertPlivoError(await plivo(acct, 'GET', `Number/${x.number.slice(1)}/`), 404);
  });

  test('a renamed carrier: its numbers show the new name in both dialects', async () => {
    const c = await mkCarrier(acct, { carrier_name: 'OldName' });
    const n = await mkNumber(acct, { voip_carrier_sid: c.id });
    const r = await call(acct.api_key, 'PATCH', `${CARRIERS}/${c.id}`, { carrier_name: 'NewName' });
    assert.equal(r.status, 200, r.text);
    const g = await call(acct.api_key, 'GET', `${NUMBERS}/${n.id}`);
    assert.equal(g.json.carrier_name, 'NewName');
    const p = await plivo(acct, 'GET', `Number/${n.number.slice(1)}/`);
    assert.equal(p.json.carrier, 'NewName');
  });

  test('a Plivo ip_set update of a reg carrier keeps its outbound gateway and registration', async () => {
    PASSWORDS.push('Cross-Reg-Pass-1');
    const c = await mkCarrier(acct, { carrier_name: 'CrossReg', trunk_type: 'reg',
      sip_gateway: { ipv4: 'reg.example.org', inbound: false },
      registration: { username: 'cr', password: 'Cross-Reg-Pass-1', sip_realm: 'reg.example.org' } });
    const pc = (await plivoCarriers()).find((o) => o.name === 'CrossReg');
    assert.equal(pc.ip_set, '');
    const u = await plivo(acct, 'POST', `IncomingCarrier/${pc.carrier_id}/`, { body: { ip_set: '192.0.2.50' } });
    assert.equal(u.status, 202, u.text);
    const g = await getCarrier(acct, c.id);
    assert.equal(g.trunk_type, 'reg');
    assert.deepEqual(g.registration, { username: 'cr', sip_realm: 'reg.example.org', from_user: null, from_domain: null,
      expires: 3600 });
    const gws = g.sip_gateways.map(({ sip_gateway_sid, ...rest }) => rest)
      .sort((a, b) => a.ipv4.localeCompare(b.ipv4));
    assert.deepEqual(gws, [
      { ipv4: '192.0.2.50', port: 5060, netmask: 32, inbound: true, outbound: false },
      { ipv4: 'reg.example.org', port: 5060, netmask: 32, inbound: false, outbound: true },
    ]);
    assert.ok(g.sip_gateways.some((x) => x.sip_gateway_sid === c.sip_gateway_sid), 'the outbound gateway keeps its sid');
    assert.equal((await plivo(acct, 'GET', `IncomingCarrier/${pc.carrier_id}/`)).json.ip_set, '192.0.2.50');
  });

  test('a number assigned to a subaccount in Plivo shows its sub_account in BYOC', async () => {
    const sub = await plivo(acct, 'POST', 'Subaccount/', { body: { name: 'cross-sub', enabled: true } });
    assert.equal(sub.status, 201, sub.text);
    const n = await mkNumber(acct);
    assert.equal(n.sub_account, null);
    const u = await plivo(acct, 'POST', `Number/${n.number.slice(1)}/`, { body: { subaccount: sub.json.auth_id } });
    assert.equal(u.status, 202, u.text);
    const g = await call(acct.api_key, 'GET', `${NUMBERS}/${n.id}`);
    assert.deepEqual(g.json, { ...n, sub_account: sub.json.auth_id });
  });

  test('a carrier deleted in Plivo is gone in BYOC', async () => {
    const c = await mkCarrier(acct, { carrier_name: 'Doomed' });
    const pc = (await plivoCarriers()).find((o) => o.name === 'Doomed');
    assert.equal((await plivo(acct, 'DELETE', `IncomingCarrier/${pc.carrier_id}/`)).status, 204);
    problem(await call(acct.api_key, 'GET', `${CARRIERS}/${c.id}`), 404);
  });
});

// =====================================================================================
// Tenant isolation
// =====================================================================================

describe('tenant isolation', () => {
  let A; let B; let carrierA; let numberA; let manualA;
  before(async () => {
    A = await srv.createAccount('iso-A');
    B = await srv.createAccount('iso-B');
    carrierA = await mkCarrier(A, { carrier_name: 'A private' });
    numberA = await mkNumber(A, { voip_carrier_sid: carrierA.id });
    manualA = await mkNumber(A);
    await mkCarrier(B, { carrier_name: 'B own' });
    await mkNumber(B);
  });

  test("B on A's carrier (id or voip_carrier_sid): 404 exactly like a nonexistent id", async () => {
    const nobody = crypto.randomUUID();
    const ref = {
      GET: problem(await call(B.api_key, 'GET', `${CARRIERS}/${nobody}`), 404),
      PATCH: problem(await call(B.api_key, 'PATCH', `${CARRIERS}/${nobody}`, { carrier_name: 'x' }), 404),
      DELETE: problem(await call(B.api_key, 'DELETE', `${CARRIERS}/${nobody}`), 404),
    };
    for (const id of [carrierA.id, carrierA.voip_carrier_sid]) {
      for (const [m, body] of [['GET'], ['PATCH', { carrier_name: 'stolen' }], ['DELETE']]) {
        const r = await call(B.api_key, m, `${CARRIERS}/${id}`, body);
        assert.deepEqual(problem(r, 404), ref[m], `${m} ${id}`);
      }
    }
    const g = await getCarrier(A, carrierA.id);
    assert.equal(g.carrier_name, 'A private');
  });

  test("B on A's numbers (id, phone_number_sid, number): 404 exactly like a nonexistent one", async () => {
    const refGet = problem(await call(B.api_key, 'GET', `${NUMBERS}/${crypto.randomUUID()}`), 404);
    const refDel = problem(await call(B.api_key, 'DELETE', `${NUMBERS}/${crypto.randomUUID()}`), 404);
    const refGetN = problem(await call(B.api_key, 'GET', `${NUMBERS}/${fresh()}`), 404);
    for (const n of [numberA, manualA]) {
      for (const ref of [n.id, n.phone_number_sid]) {
        assert.deepEqual(problem(await call(B.api_key, 'GET', `${NUMBERS}/${ref}`), 404), refGet);
        assert.deepEqual(problem(await call(B.api_key, 'DELETE', `${NUMBERS}/${ref}`), 404), refDel);
      }
      assert.deepEqual(problem(await call(B.api_key, 'GET', `${NUMBERS}/${n.number}`), 404), refGetN);
      assert.equal((await call(B.api_key, 'DELETE', `${NUMBERS}/${encodeURIComponent(n.number)}`)).status, 404);
    }
    for (const n of [numberA, manualA]) {
      assert.deepEqual((await call(A.api_key, 'GET', `${NUMBERS}/${n.id}`)).json, n);
    }
  });

  test("B's lists hold only B's; B cannot use A's carrier", async () => {
    const cs = await listAll(B, CARRIERS);
    assert.deepEqual(cs.map((c) => c.carrier_name), ['B own']);
    for (const c of cs) assert.equal(c.account_id, B.auth_id);
    const ns = await listAll(B, NUMBERS);
    assert.equal(ns.length, 1);
    assert.ok(!ns.some((n) => n.id === numberA.id || n.id === manualA.id));
    for (const n of ns) assert.equal(n.account_id, B.auth_id);
    problem(await call(B.api_key, 'POST', NUMBERS, { number: fresh(), voip_carrier_sid: carrierA.voip_carrier_sid }),
      400, `invalid carrier: no carrier ${carrierA.voip_carrier_sid} on this account`);
    problem(await call(B.api_key, 'GET', `${NUMBERS}?voip_carrier_sid=${carrierA.voip_carrier_sid}`), 400);
    // and in the Plivo dialect
    const p = await plivo(B, 'GET', 'IncomingCarrier/');
    assert.deepEqual(p.json.objects.map((o) => o.name), ['B own']);
    assert.equal((await getCarrier(A, carrierA.id)).number_count, 1);
  });

  test('the same carrier name and the same key-less requests in two accounts stay separate', async () => {
    const rb = await call(B.api_key, 'POST', CARRIERS, { carrier_name: 'A private', sip_gateway: gw() });
    assert.equal(rb.status, 201, rb.text);
    assert.notEqual(rb.json.id, carrierA.id);
    assert.equal((await getCarrier(A, carrierA.id)).carrier_name, 'A private');
  });
});

// =====================================================================================
// One fault per field
// =====================================================================================
// §3.1 "Each validation failure is listed in errors[] with its path", and with
// one fault the detail is "<path>: <message>". A wrongly typed or invalid
// member is reported once, not again as "required" (or as its parent object
// being "required when trunk_type is …").

describe('a single fault is reported once (no cascading "required" faults)', () => {
  const post = (body) => call(alice.api_key, 'POST', CARRIERS, body);

  test('missing carrier_name: one fault at carrier_name', async () => {
    oneFault(await post({ sip_gateway: gw() }), 'carrier_name', /./);
    problem(await post({}), 400, 'the carrier has 2 problems: see errors',
      [{ path: 'carrier_name', message: /./ }, { path: 'sip_gateway', message: /./ }]);
  });

  test('carrier_name of a wrong type or null: one fault', async () => {
    oneFault(await post({ carrier_name: 5, sip_gateway: gw() }), 'carrier_name', 'must be a string');
    oneFault(await post({ carrier_name: ['x'], sip_gateway: gw() }), 'carrier_name', 'must be a string');
    oneFault(await post({ carrier_name: null, sip_gateway: gw() }), 'carrier_name', /./);
  });

  test('sip_gateway (or its ipv4) of a wrong type or null: one fault', async () => {
    oneFault(await post({ carrier_name: uniqueName(), sip_gateway: '198.51.100.7' }), 'sip_gateway', 'must be an object');
    oneFault(await post({ carrier_name: uniqueName(), sip_gateway: null }), 'sip_gateway', /./);
    oneFault(await post({ carrier_name: uniqueName(), sip_gateway: { ipv4: 5 } }), 'sip_gateway.ipv4', 'must be a string');
    oneFault(await post({ carrier_name: uniqueName(), sip_gateway: { ipv4: null } }), 'sip_gateway.ipv4', /./);
  });

  test('inbound_auth: a bad username or password is one fault, not also "inbound_auth: required"', async () => {
    PASSWORDS.push('good-password');
    const bad = (inbound_auth) => post({ carrier_name: uniqueName(), trunk_type: 'auth', sip_gateway: gw(), inbound_auth });
    for (const username of ['', 'a b', 'tab\tuser', 'u'.repeat(65), ' lead']) {
      oneFault(await bad({ username, password: 'good-password' }), 'inbound_auth.username', /./);
    }
    for (const password of ['short', '1234567', 'x'.repeat(129), 'ctrl\u0001chars']) {
      oneFault(await bad({ username: 'user', password }), 'inbound_auth.password', /8-128/);
    }
    oneFault(await bad({ username: 'user' }), 'inbound_auth.password', /./);
    oneFault(await bad({ password: 'good-password' }), 'inbound_auth.username', /./);
    oneFault(await bad({ username: 7, password: 'good-password' }), 'inbound_auth.username', 'must be a string');
    oneFault(await bad('user:pass'), 'inbound_auth', 'must be an object');
    problem(await bad({ username: 'a b', password: 'short' }), 400, 'the carrier has 2 problems: see errors', [
      { path: 'inbound_auth.username', message: /./ }, { path: 'inbound_auth.password', message: /8-128/ }]);
  });

  test('registration: a bad member is one fault, not also "registration: required"', async () => {
    PASSWORDS.push('Reg-Secret-0819');
    const base = { username: 'u', password: 'Reg-Secret-0819', sip_realm: 'example.com' };
    const bad = (registration) => post({ carrier_name: uniqueName(), trunk_type: 'reg', sip_gateway: gw(), registration });
    oneFault(await bad({ ...base, sip_realm: 'sip:example.com' }), 'registration.sip_realm', /without the sip: prefix/);
    for (const sip_realm of ['exa mple.com', 'example.com:5060', '-bad-.com', '']) {
      oneFault(await bad({ ...base, sip_realm }), 'registration.sip_realm', /./);
    }
    oneFault(await bad({ ...base, password: 'short' }), 'registration.password', /8-128/);
    oneFault(await bad({ ...base, username: 'a b' }), 'registration.username', /./);
    oneFault(await bad({ username: 'u', password: 'Reg-Secret-0819' }), 'registration.sip_realm', /./);
    oneFault(await bad({ password: 'Reg-Secret-0819', sip_realm: 'example.com' }), 'registration.username', /./);
    oneFault(await bad({ username: 'u', sip_realm: 'example.com' }), 'registration.password', /./);
  });

  test('PATCH: switching back to auth without a password is one fault at inbound_auth.password', async () => {
    const c = await mkCarrier(alice);
    oneFault(await call(alice.api_key, 'PATCH', `${CARRIERS}/${c.id}`, { trunk_type: 'auth', inbound_auth: { username: 'pu' } }),
      'inbound_auth.password', /./);
  });
});

// =====================================================================================
// The dialects agree on a gateway with host bits set
// =====================================================================================
// One rule, in the core, for both: a BYOC inbound gateway {"ipv4":
// "203.0.113.5", "netmask": 24} is refused like the Plivo ip_set entry
// "203.0.113.5/24" ("host bits set"), so what one dialect shows the other
// accepts back.

describe('a gateway with host bits set: one rule in both dialects', () => {
  test('what the Plivo dialect shows as ip_set, it accepts back', async () => {
    const acct = await srv.createAccount('hostbits');
    const r = await call(acct.api_key, 'POST', CARRIERS, { carrier_name: 'hostbits',
      sip_gateway: { ipv4: '203.0.113.5', netmask: 24 } });
    if (r.status === 400) {
      // refused like the Plivo dialect refuses it: fine
      assert.ok(r.json.errors.every((e) => e.path.startsWith('sip_gateway.')), r.text);
      return;
    }
    assert.equal(r.status, 201, r.text);
    const l = await plivo(acct, 'GET', 'IncomingCarrier/');
    const o = l.json.objects[0];
    const u = await plivo(acct, 'POST', `IncomingCarrier/${o.carrier_id}/`, { body: { ip_set: o.ip_set } });
    assert.equal(u.status, 202, `ip_set ${o.ip_set} shown, then refused: ${u.text}`);
    const c = await plivo(acct, 'POST', 'IncomingCarrier/', { body: { name: 'copy', ip_set: o.ip_set } });
    assert.equal(c.status, 201, c.text);
  });
});

// =====================================================================================
// The password sweep (last: it reads every response of this file)
// =====================================================================================

describe('passwords', () => {
  test('no response of this file (and no log line) ever contained a SIP password', () => {
    assert.ok(PASSWORDS.length >= 5);
    assert.ok(TEXTS.length > 200);
    for (const pw of PASSWORDS) {
      for (const t of TEXTS) assert.ok(!t.includes(pw), `password ${pw} leaked in ${t.slice(0, 300)}`);
      assert.ok(!srv.stderr().includes(pw), `password ${pw} in the server log`);
    }
  });
});
