'use strict';
// Tenant isolation, generated from the route table (issue 8, item 7).
//
// src/api/routes.c is read and every route is tried: each route with an
// identifier in its path, with every identifier of that kind that belongs
// to someone else (another main account, another account's subaccount, a
// sibling subaccount, the parent), through both dialects. Every answer must
// be 404, and the same 404 (status and message) that a nonexistent
// identifier of the same shape gets, so that existence does not leak. A
// route with a parameter this test does not know fails the test: adding a
// route means saying here what its identifiers are. Collection routes take
// foreign identifiers in their bodies and query strings (a subaccount, an
// app_id, a carrier): those must answer exactly like nonexistent ones too.
// Admin routes refuse customer credentials (401). After all of it, a
// snapshot of everything, read by the owners, is unchanged.
//
// The world: main accounts A and B; A has subaccounts SA1 and SA2, B has SB.
// Each of A, SA1, B, SB owns a bought number, an added number, a Plivo
// carrier and an application; A and B each also own a BYOC carrier with SIP
// credentials.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { start, basic, csv } = require('./lib/server');

let srv;
const W = {};
let calls = 0;

// ---- the routes, from the source ---------------------------------------------------

function readRoutes() {
  const src = fs.readFileSync(path.join(__dirname, '../../src/api/routes.c'), 'utf8');
  const macros = {};
  for (const m of src.matchAll(/^#define (\w+) "([^"]*)"/gm)) macros[m[1]] = m[2];
  const routes = [];
  for (const m of src.matchAll(/\{HTTP_(GET|POST|PUT|PATCH|DELETE),\s*((?:\w+|"[^"]*"|\s)+?),\s*[\w&]+,/g)) {
    const pattern = m[2].trim().split(/\s+/).map((t) => (t.startsWith('"') ? t.slice(1, -1) : macros[t])).join('');
    assert.ok(!pattern.includes('undefined'), `cannot read the route ${m[0]}`);
    routes.push({ method: m[1], pattern });
  }
  return routes;
}

const ROUTES = readRoutes();

// ---- the world -------------------------------------------------------------------------

const INV = Array.from({ length: 8 }, (_, i) => `141555560${i}0`);

before(async () => {
  srv = await start({ args: ['--rate-limit', '0', '--auth-fail-limit', '0'] });
  await srv.loadCsv(csv(['number', 'country_iso', 'type'], INV.map((number) => ({ number, country_iso: 'US', type: 'fixed' }))));
  W.A = await srv.createAccount('A');
  W.B = await srv.createAccount('B');
  const sub = async (main, name) => {
    const r = await srv.plivo(main, 'POST', 'Subaccount/', { body: { name, enabled: true } });
    assert.equal(r.status, 201, r.text);
    return { auth_id: r.json.auth_id, auth_token: r.json.auth_token, main };
  };
  W.SA1 = await sub(W.A, 'SA1');
  W.SA2 = await sub(W.A, 'SA2');
  W.SB = await sub(W.B, 'SB');
  const owners = [['A', W.A, W.A], ['SA1', W.SA1, W.A], ['B', W.B, W.B], ['SB', W.SB, W.B]];
  let k = 0;
  for (const [name, who, main] of owners) {
    const o = { name };
    const c = await srv.plivo(who, 'POST', 'IncomingCarrier/', { body: { name: `edge-${name}`, ip_set: `192.0.2.${++k}` } });
    assert.equal(c.status, 201, c.text);
    o.carrier_id = c.json.carrier_id;
    const app = await srv.plivo(who, 'POST', 'Application/', { body: { app_name: `app-${name}`, answer_url: 'https://example.com/a' } });
    assert.equal(app.status, 201, app.text);
    o.app_id = app.json.app_id;
    o.bought = INV[k];
    const sa = who === main ? {} : { subaccount: who.auth_id };
    const b = await srv.buy(main, o.bought, sa);
    assert.equal(b.status, 201, b.text);
    o.added = `16465557${String(k).padStart(3, '0')}`;
    const add = await srv.plivo(who, 'POST', 'Number/', { body: { numbers: o.added, carrier: o.carrier_id, region: 'NEW YORK' } });
    assert.equal(add.status, 202, add.text);
    // compliance records are the main account's (its subaccounts read them)
    if (who === main) o.compliance = await srv.compliance(main.auth_id, 'US', 'local');
    o.main = main.auth_id;
    W[`o${name}`] = o;
  }
  // BYOC views: carrier ids, number ids; and a BYOC carrier with credentials per main account
  for (const [name, main] of [['A', W.A], ['B', W.B]]) {
    const r = await byoc(main, 'POST', '/v1/phone-numbers/carriers', {
      carrier_name: `sip-${name}`, trunk_type: 'auth', sip_gateway: { ipv4: `203.0.113.${name === 'A' ? 1 : 2}` },
      inbound_auth: { username: `u${name}`, password: 'a-long-sip-password' },
    });
    assert.equal(r.status, 201, r.text);
    W[`o${name}`].byoc_carrier = { id: r.json.id, voip: r.json.voip_carrier_sid };
    // the id of the account's own API key (issue 18: /v1/phone-numbers/api-keys)
    const ks = await byoc(main, 'GET', '/v1/phone-numbers/api-keys');
    assert.equal(ks.status, 200, ks.text);
    W[`o${name}`].key_id = String(ks.json.data[0].id);
    // a webhook endpoint of its own (issue 18: /v1/phone-numbers/webhooks), by a
    // key with webhooks:manage (the first key lacks it)
    const hk = await srv.admin('POST', `/admin/v1/accounts/${main.auth_id}/api-keys`,
      { scopes: ['phone_numbers:read', 'phone_numbers:write', 'api_keys:manage', 'webhooks:manage'] });
    assert.equal(hk.status, 201, hk.text);
    main.hook_key = hk.json.api_key;
    const wh = await byoc(main, 'POST', '/v1/phone-numbers/webhooks', { url: `https://hooks-${name}.example.invalid/in` });
    assert.equal(wh.status, 201, wh.text);
    W[`o${name}`].webhook_id = wh.json.id;
    const cs = await byoc(main, 'GET', '/v1/phone-numbers/carriers?limit=100');
    const ns = await byoc(main, 'GET', '/v1/phone-numbers?limit=100');
    for (const o of name === 'A' ? [W.oA, W.oSA1] : [W.oB, W.oSB]) {
      const c = cs.json.data.find((x) => x.carrier_name === `edge-${o.name}`);
      o.carrier_uuid = c.id;
      o.carrier_voip = c.voip_carrier_sid;
      o.bought_id = ns.json.data.find((x) => x.number === `+${o.bought}`).id;
      o.added_id = ns.json.data.find((x) => x.number === `+${o.added}`).id;
    }
  }
});

after(async () => { await srv.stop(); });

async function byoc(who, method, p, body) {
  calls++;
  const res = await fetch(srv.base + p, {
    method,
    // webhook routes need webhooks:manage: the main account's second key
    headers: { Authorization: `Bearer ${p.includes('/webhooks') && who.hook_key ? who.hook_key : who.api_key}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, text, json };
}

async function plivo(who, method, p, body) {
  calls++;
  return srv.plivo(who, method, p, { body });
}

// ---- identifiers by kind -----------------------------------------------------------------

/** Every identifier of a kind that o (an owner's things) has. */
function idsOf(kind, o) {
  if (kind !== 'sub' && kind !== 'webhook' && !o.bought) return [];
  switch (kind) {
    case 'number': return [o.bought, o.added, `+${o.bought}`];
    case 'carrier': return [o.carrier_id, o.carrier_uuid, o.carrier_voip,
      ...(o.byoc_carrier ? [o.byoc_carrier.id, o.byoc_carrier.voip] : [])];
    case 'app': return [o.app_id];
    case 'sub': return o.sub ? [o.sub] : [];
    case 'byoc_number': return [o.bought_id, o.added_id, `+${o.bought}`, `%2B${o.added}`, o.bought];
    case 'apikey': return o.key_id ? [o.key_id] : [];
    case 'webhook': return o.webhook_id ? [o.webhook_id] : [];
    case 'compliance': return o.compliance ? [o.compliance] : [];
    default: throw new Error(kind);
  }
}

/** A nonexistent identifier of the same shape. */
function ghostOf(kind, id) {
  const digits = (n) => Array.from({ length: n }, () => crypto.randomInt(10)).join('');
  if (/^[0-9a-f]{8}-/.test(id)) return crypto.randomUUID();
  switch (kind) {
    case 'number': case 'byoc_number':
      return id.startsWith('%2B') ? '%2B14155559999' : id.startsWith('+') ? '+14155559999' : '14155559999';
    case 'carrier': return `9${digits(13)}`;
    case 'app': return `9${digits(16)}`;
    case 'apikey': return `9${digits(8)}`;
    case 'webhook': return `we_${crypto.randomBytes(16).toString('hex')}`;
    case 'sub': return `SA${crypto.randomBytes(9).toString('hex').toUpperCase()}`;
    default: throw new Error(kind);
  }
}

/** The kind of each route's identifier, and a valid body for its method. */
function describeRoute(r) {
  const p = r.pattern;
  const rules = [
    [/^\/v1\/Account\/\{auth_id\}\/PhoneNumber\/\{number\}\/$/, 'number', {}],
    [/^\/v1\/Account\/\{auth_id\}\/Number\/\{number\}\/$/, 'number', { alias: 'hijacked' }],
    [/^\/v1\/Account\/\{auth_id\}\/IncomingCarrier\/\{carrier_id\}\/$/, 'carrier', { name: 'hijacked' }],
    [/^\/v1\/Account\/\{auth_id\}\/Subaccount\/\{sub_id\}\/$/, 'sub', { name: 'hijacked' }],
    [/^\/v1\/Account\/\{auth_id\}\/Application\/\{app_id\}\/$/, 'app', { answer_url: 'https://evil.example/' }],
    [/^\/v1\/phone-numbers\/carriers\/\{id\}$/, 'carrier', { carrier_name: 'hijacked' }],
    [/^\/v1\/phone-numbers\/carriers\/\{id\}\/health_check$/, 'carrier', { interval: 30 }],
    [/^\/v1\/phone-numbers\/\{id\}$/, 'byoc_number', undefined],
    [/^\/v1\/phone-numbers\/api-keys\/\{id\}$/, 'apikey', undefined],
    [/^\/v1\/phone-numbers\/webhooks\/\{id\}$/, 'webhook', { description: 'hijacked' }],
    [/^\/v1\/phone-numbers\/webhooks\/\{id\}\/(rotate-secret|deliveries)$/, 'webhook', {}],
    [/^\/v1\/phone-numbers\/webhooks\/\{id\}\/deliveries\/\{delivery_id\}\/redeliver$/, 'webhook', {}],
    [/^\/v1\/Account\/\{auth_id\}\/PhoneNumber\/Compliance\/\{compliance_id\}\/$/, 'compliance', undefined],
  ];
  for (const [re, kind, body] of rules) {
    if (re.test(p)) return { kind, body: ['POST', 'PATCH', 'PUT'].includes(r.method) ? body : undefined };
  }
  return null;
}

const CALLERS = () => {
  const subOf = (s, name) => ({ ...s, name });
  return [
    // [caller, dialect, whose things must be invisible]
    [W.B, 'plivo', [W.oA, W.oSA1, { sub: W.SA1.auth_id }, { sub: W.SA2.auth_id }]],
    [W.B, 'byoc', [W.oA, W.oSA1]],
    [subOf(W.SB, 'SB'), 'plivo', [W.oA, W.oSA1, W.oB, { sub: W.SA1.auth_id }]],
    [subOf(W.SA2, 'SA2'), 'plivo', [W.oSA1, W.oA, W.oB, W.oSB, { sub: W.SA1.auth_id }, { sub: W.SB.auth_id }]],
    [subOf(W.SA1, 'SA1'), 'plivo', [W.oA, W.oB, W.oSB, { sub: W.SA2.auth_id }]],
    [W.A, 'plivo', [W.oB, W.oSB, { sub: W.SB.auth_id }]],
    [W.A, 'byoc', [W.oB, W.oSB]],
  ];
};

// ---- the snapshot ---------------------------------------------------------------------------

const stripIds = (j) => JSON.parse(JSON.stringify(j ?? null, (k, v) => (k === 'api_id' ? undefined : v)));

async function snapshot() {
  const out = {};
  for (const [name, who, reads] of [
    ['A', W.A, ['Number/', 'IncomingCarrier/', 'Application/', 'Subaccount/']],
    ['B', W.B, ['Number/', 'IncomingCarrier/', 'Application/', 'Subaccount/']],
    ['SA1', W.SA1, ['Number/', 'IncomingCarrier/', 'Application/']],
    ['SA2', W.SA2, ['Number/', 'IncomingCarrier/', 'Application/']],
    ['SB', W.SB, ['Number/', 'IncomingCarrier/', 'Application/']],
  ]) {
    for (const p of reads) {
      const r = await srv.plivo(who, 'GET', `${p}?limit=20`);
      out[`${name} ${p}`] = { status: r.status, body: stripIds(r.json) };
    }
  }
  for (const [name, who] of [['A', W.A], ['B', W.B]]) {
    for (const p of ['/v1/phone-numbers?limit=100', '/v1/phone-numbers/carriers?limit=100']) {
      const r = await byoc(who, 'GET', p);
      out[`${name} ${p}`] = { status: r.status, body: r.json };
    }
    // its webhook endpoints, without what deliveries change (failure counts)
    const w = await byoc(who, 'GET', '/v1/phone-numbers/webhooks');
    out[`${name} webhooks`] = { status: w.status,
      body: w.json.data.map((e) => [e.id, e.url, e.description, e.event_types, e.secret]) };
  }
  const s = await srv.search(W.A, { country_iso: 'US' });
  out.available = s.json.objects.map((o) => o.number);
  return out;
}

// ---- the tests ----------------------------------------------------------------------------------

test('the route table is read from src/api/routes.c', () => {
  assert.ok(ROUTES.length >= 30, `only ${ROUTES.length} routes read`);
  for (const r of ROUTES) {
    const params = [...r.pattern.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).filter((x) => x !== 'auth_id');
    if (r.pattern.startsWith('/admin/')) continue;
    if (r.pattern.startsWith('/console/')) continue; // the console's static files: no tenant's identifiers
    if (params.length) {
      assert.ok(describeRoute(r), `route ${r.method} ${r.pattern}: this test does not know its identifiers; add a rule`);
    }
  }
});

test('every route with an identifier: another tenant\'s answers exactly like a nonexistent one (404)', async (t) => {
  const before = await snapshot();
  let tried = 0;
  for (const r of ROUTES) {
    if (r.pattern.startsWith('/admin/')) continue;
    const d = describeRoute(r);
    if (!d) continue;
    const byocRoute = r.pattern.startsWith('/v1/phone-numbers');
    for (const [caller, dialect, foreign] of CALLERS()) {
      if ((dialect === 'byoc') !== byocRoute) continue;
      for (const o of foreign) {
        // a subaccount reads its main account's compliance records by design
        if (d.kind === 'compliance' && o.main === (caller.main ? caller.main.auth_id : caller.auth_id)) continue;
        for (const id of idsOf(d.kind, o)) {
          const p = r.pattern.replace('{auth_id}', caller.auth_id).replace(/\{\w+\}/, id);
          const ghost = r.pattern.replace('{auth_id}', caller.auth_id).replace(/\{\w+\}/, ghostOf(d.kind, id));
          const send = (url) => (byocRoute ? byoc(caller, r.method, url, d.body)
            : plivo(caller, r.method, url.slice(`/v1/Account/${caller.auth_id}/`.length), d.body));
          const got = await send(p);
          const want = await send(ghost);
          const label = `${caller.name || caller.auth_id} ${r.method} ${p}`;
          assert.equal(got.status, 404, `${label}: ${got.status} ${got.text}`);
          assert.equal(want.status, 404, `${label} (nonexistent): ${want.status} ${want.text}`);
          const msg = (x) => (x.json ? x.json.error ?? x.json.detail : x.text);
          assert.equal(msg(got), msg(want), `${label}: another tenant's resource answers unlike a nonexistent one`);
          tried++;
        }
      }
    }
  }
  assert.deepEqual(await snapshot(), before, 'nothing changed');
  t.diagnostic(`isolation: ${tried} foreign identifiers tried on ${ROUTES.filter((r) => describeRoute(r)).length} routes`);
  assert.ok(tried > 300, `only ${tried} tried`);
});

test('identifiers in bodies and query strings: another tenant\'s answer exactly like nonexistent ones', async () => {
  const before = await snapshot();
  const same = async (label, call, foreignId, ghostId) => {
    const got = await call(foreignId);
    const want = await call(ghostId);
    assert.ok(got.status >= 400 && got.status < 500, `${label}: ${got.status} ${got.text}`);
    const norm = (x) => JSON.stringify(stripIds(x.json)).split(foreignId).join('ID').split(ghostId).join('ID');
    assert.equal(got.status, want.status, `${label}: ${got.text} vs ${want.text}`);
    assert.equal(norm(got), norm(want), `${label}: another tenant's identifier answers unlike a nonexistent one`);
  };
  const A = W.A;
  const n = INV[7]; // still available
  for (const [o, tag] of [[W.oB, 'B'], [W.oSB, 'SB']]) {
    await same(`buy with ${tag}'s app_id`, (id) => plivo(A, 'POST', `PhoneNumber/${n}/`, { app_id: id }), o.app_id, ghostOf('app', o.app_id));
    await same(`update with ${tag}'s app_id`, (id) => plivo(A, 'POST', `Number/${W.oA.bought}/`, { app_id: id }), o.app_id, ghostOf('app', o.app_id));
    await same(`add numbers through ${tag}'s carrier`, (id) => plivo(A, 'POST', 'Number/',
      { numbers: '16465559990', carrier: id, region: 'X' }), o.carrier_id, ghostOf('carrier', o.carrier_id));
    await same(`BYOC add through ${tag}'s carrier`, (id) => byoc(A, 'POST', '/v1/phone-numbers',
      { number: '+16465559991', voip_carrier_sid: id }), o.carrier_voip, ghostOf('carrier', o.carrier_voip));
    await same(`BYOC list filtered by ${tag}'s carrier`, (id) => byoc(A, 'GET', `/v1/phone-numbers?voip_carrier_sid=${id}`),
      o.carrier_voip, ghostOf('carrier', o.carrier_voip));
  }
  await same("buy for B's subaccount", (id) => plivo(A, 'POST', `PhoneNumber/${n}/`, { subaccount: id }), W.SB.auth_id, ghostOf('sub', W.SB.auth_id));
  await same("assign to B's subaccount", (id) => plivo(A, 'POST', `Number/${W.oA.bought}/`, { subaccount: id }), W.SB.auth_id, ghostOf('sub', W.SB.auth_id));
  await same("list filtered by B's subaccount", (id) => srv.plivo(A, 'GET', 'Number/', { query: { subaccount: id } }), W.SB.auth_id, ghostOf('sub', W.SB.auth_id));
  await same("an application for B's subaccount", (id) => plivo(A, 'POST', 'Application/',
    { app_name: 'x-app', answer_url: 'https://example.com/', subaccount: id }), W.SB.auth_id, ghostOf('sub', W.SB.auth_id));
  // Not here: adding a number another account has. Phone numbers are
  // global, so that must fail ("already owned by another account"), and
  // whether a number is taken is visible by design (docs/SECURITY.md);
  // which account has it is not.
  assert.deepEqual(await snapshot(), before, 'nothing changed');
});

test('admin routes refuse customer credentials of every kind (401)', async () => {
  for (const r of ROUTES.filter((x) => x.pattern.startsWith('/admin/'))) {
    const p = r.pattern.replace('{auth_id}', W.A.auth_id).replace('{number}', W.oA.bought);
    for (const auth of [basic(W.A.auth_id, W.A.auth_token), `Bearer ${W.A.api_key}`, `Bearer ${W.A.auth_token}`]) {
      calls++;
      const res = await fetch(srv.base + p, {
        method: r.method, headers: { Authorization: auth, 'Content-Type': 'application/json' },
        body: ['POST', 'PATCH'].includes(r.method) ? '{}' : undefined,
      });
      assert.equal(res.status, 401, `${r.method} ${p} with ${auth.slice(0, 12)}…: ${await res.text()}`);
    }
  }
});

test('figures', (t) => { t.diagnostic(`isolation requests: ${calls}`); });
