'use strict';
// API.md §1: Plivo Basic auth, the admin Bearer token, and a server
// started without an admin token.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { start, basic, assertPlivoError, assertProblem, csv, BIN } = require('./lib/server');

let srv;
let alice;
let bob;

before(async () => {
  // Dozens of deliberate 401s from one address: the failure throttle
  // (--auth-fail-limit, tested in abuse.test.js) would answer 429 midway.
  srv = await start({ args: ['--auth-fail-limit', '0'] });
  alice = await srv.createAccount('alice');
  bob = await srv.createAccount('bob');
  await srv.loadCsv(csv(['number', 'country_iso', 'type', 'sub_type'], [
    { number: '14155550100', country_iso: 'US', type: 'fixed', sub_type: 'local' },
    { number: '14155550101', country_iso: 'US', type: 'fixed', sub_type: 'local' },
  ]));
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

function assertAuthFailed(r) {
  assertPlivoError(r, 401, 'authentication failed');
  assert.equal(r.headers.get('www-authenticate'), 'Basic realm="numberd"');
}

const search = (auth, pathAccount = alice.auth_id) =>
  srv.plivo(alice, 'GET', 'PhoneNumber/', { query: { country_iso: 'US' }, auth, pathAccount });

test('valid Basic credentials are accepted', async () => {
  const r = await search(basic(alice.auth_id, alice.auth_token));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.meta.total_count, 2);
  // the scheme name is case-insensitive (RFC 7617)
  const l = await search('basic ' + Buffer.from(`${alice.auth_id}:${alice.auth_token}`).toString('base64'));
  assert.equal(l.status, 200, l.text);
});

test('missing Authorization: 401 with body and WWW-Authenticate', async () => {
  assertAuthFailed(await search(null));
});

test('malformed Authorization headers: 401', async () => {
  const b64 = (s) => Buffer.from(s).toString('base64');
  const cases = [
    'Basic',
    'Basic ',
    'Basic !!!not-base64!!!',
    `Basic ${b64(alice.auth_id)}`, // no colon
    `Basic ${b64(`${alice.auth_id}:`)}`, // empty token
    `Basic ${b64(`:${alice.auth_token}`)}`, // empty id
    `Basic ${b64(`${alice.auth_id}:${alice.auth_token}`).slice(0, -2)}`, // truncated base64
    `Bearer ${alice.auth_token}`,
    `Bearer ${alice.api_key}`, // the BYOC key is not a Plivo credential
    `Digest username="${alice.auth_id}"`,
    `${b64(`${alice.auth_id}:${alice.auth_token}`)}`, // no scheme
    `Basic ${b64(`${alice.auth_id}:${alice.auth_token}:x`)}`,
    `Basic ${b64(`${alice.auth_id}:${alice.auth_token}`)}${'A'.repeat(400)}`, // oversized
  ];
  for (const h of cases) {
    const r = await search(h);
    assert.equal(r.status, 401, `${h}: ${r.text}`);
    assertAuthFailed(r);
  }
});

test('wrong credentials: 401', async () => {
  const cases = [
    [alice.auth_id, alice.auth_token.slice(0, -1) + (alice.auth_token.endsWith('a') ? 'b' : 'a')],
    [alice.auth_id, alice.auth_token.toLowerCase() === alice.auth_token ? alice.auth_token.toUpperCase() : alice.auth_token.toLowerCase()],
    [alice.auth_id, bob.auth_token],
    [alice.auth_id, alice.auth_token + 'x'],
    ['MA00000000000000000Z', alice.auth_token], // no such account
    [alice.auth_id.toLowerCase(), alice.auth_token],
  ];
  for (const [id, tok] of cases) {
    assertAuthFailed(await search(basic(id, tok)));
  }
});

test("another account's auth_id in the path: 401 even with valid credentials", async () => {
  assertAuthFailed(await search(basic(bob.auth_id, bob.auth_token), alice.auth_id));
  assertAuthFailed(await search(basic(alice.auth_id, alice.auth_token), bob.auth_id));
  assertAuthFailed(await search(basic(alice.auth_id, alice.auth_token), 'MA00000000000000000Z'));
  assertAuthFailed(await search(basic(alice.auth_id, alice.auth_token), alice.auth_id.toLowerCase()));
});

test('a failed authentication on buy buys nothing', async () => {
  let r = await srv.plivo(bob, 'POST', 'PhoneNumber/14155550100/', { pathAccount: alice.auth_id });
  assertAuthFailed(r);
  r = await srv.plivo(alice, 'POST', 'PhoneNumber/14155550100/', { auth: basic(alice.auth_id, 'x'.repeat(40)) });
  assertAuthFailed(r);
  r = await srv.plivo(alice, 'POST', 'PhoneNumber/14155550100/', { auth: null, body: { cnam_lookup: 'enabled' } });
  assertAuthFailed(r);
  const s = await srv.search(alice, { country_iso: 'US' });
  assert.deepEqual(s.json.objects.map((o) => o.number), ['14155550100', '14155550101']);
  // the right credentials then buy it
  r = await srv.buy(alice, '14155550100');
  assert.equal(r.status, 201, r.text);
});

test('authentication comes before validation (a bad request without credentials is 401)', async () => {
  assertAuthFailed(await srv.plivo(alice, 'GET', 'PhoneNumber/', { auth: null, query: { bogus: '1' } }));
  assertAuthFailed(await srv.plivo(alice, 'POST', 'PhoneNumber/notanumber/', { auth: null }));
});

describe('admin API authentication', () => {
  const paths = [
    ['GET', '/admin/v1/accounts'],
    ['POST', '/admin/v1/accounts', { name: 'mallory' }],
    ['GET', '/admin/v1/inventory/stats'],
    ['POST', '/admin/v1/compliance', { account: 'MA00000000000000000Z', country_iso: 'US', number_type: 'local' }],
    ['POST', '/admin/v1/numbers/14155550101/approve'],
  ];

  test('no bearer token: 401 problem+json', async () => {
    for (const [m, p, b] of paths) {
      const r = await srv.admin(m, p, b, { token: null });
      assertProblem(r, 401);
      assert.equal(r.json.api_id, undefined);
    }
  });

  test('wrong bearer token or scheme: 401 problem+json', async () => {
    const t = srv.adminToken;
    const bad = [
      { token: t.slice(0, -1) }, { token: t + 'x' }, { token: t.toLowerCase() === t ? t.toUpperCase() : t.toLowerCase() },
      { token: '' }, { token: alice.api_key },
      { headers: { Authorization: basic('admin', t) } },
      { headers: { Authorization: t } },
    ];
    for (const o of bad) {
      for (const [m, p, b] of paths) {
        const r = await srv.admin(m, p, b, o);
        assertProblem(r, 401);
      }
    }
    // the inventory import (a streamed body) is refused too, and imports nothing
    const r = await srv.admin('POST', '/admin/v1/inventory', 'number,country_iso,type\n14155550199,US,fixed\n',
      { token: 'nope-nope-nope-nope', contentType: 'text/csv' });
    assertProblem(r, 401);
    const s = await srv.search(alice, { country_iso: 'US', pattern: '4155550199' });
    assert.equal(s.json.meta.total_count, 0);
  });

  test('a failed admin call changes nothing', async () => {
    const before = await srv.admin('GET', '/admin/v1/accounts');
    await srv.admin('POST', '/admin/v1/accounts', { name: 'mallory' }, { token: 'x'.repeat(32) });
    const afterList = await srv.admin('GET', '/admin/v1/accounts');
    assert.deepEqual(afterList.json, before.json);
  });
});

describe('a server started without NUMBERD_ADMIN_TOKEN', () => {
  let bare;
  before(async () => { bare = await start({ admin: false }); });
  after(async () => {
    const { code } = await bare.stop();
    assert.equal(code, 0);
  });

  test('answers 404 on every /admin/ path, with or without a token', async () => {
    const calls = [
      ['GET', '/admin'], ['GET', '/admin/'], ['GET', '/admin/v1'],
      ['GET', '/admin/v1/accounts'], ['POST', '/admin/v1/accounts', { name: 'x' }],
      ['POST', '/admin/v1/accounts/MA00000000000000000Z/api-keys', {}],
      ['GET', '/admin/v1/inventory/stats'],
      ['POST', '/admin/v1/compliance', { account: 'MA00000000000000000Z', country_iso: 'US', number_type: 'local' }],
      ['POST', '/admin/v1/numbers/14155550100/approve'],
      ['DELETE', '/admin/v1/accounts'],
    ];
    for (const token of [null, 'anything-at-all-anything-at-all', srv.adminToken]) {
      for (const [m, p, b] of calls) {
        const r = await bare.admin(m, p, b, { token });
        assert.equal(r.status, 404, `${m} ${p}: ${r.text}`);
        assertProblem(r, 404);
      }
      const r = await bare.admin('POST', '/admin/v1/inventory', 'number,country_iso,type\n14155550100,US,fixed\n',
        { token, contentType: 'text/csv' });
      assertProblem(r, 404);
    }
  });

  test('still serves the Plivo dialect (accounts made with the CLI)', async () => {
    const db = bare.db;
    const out = execFileSync(BIN, ['account', 'create', '--db', db, '--name', 'cli'], { encoding: 'utf8' });
    const a = JSON.parse(out);
    assert.match(a.auth_id, /^MA[A-Z0-9]{18}$/);
    const r = await bare.search(a, { country_iso: 'US' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.meta.total_count, 0);
    assertAuthFailed(await bare.search({ auth_id: a.auth_id, auth_token: 'x' }, { country_iso: 'US' }));
  });
});

// A browser that once answered the Basic challenge of an API URL sends the
// cached credentials with a form another site's page posts here (found by a
// helper's audit in session 36: a cross-site form bought a number).  A
// write a browser marks as cross-site or same-site, or whose Origin is not
// this host, is refused before anything else; reads, SDKs (no such
// headers) and the same-origin console go on.
describe('cross-site writes (Plivo dialect, Basic credentials)', () => {
  const N = '14155550190';
  let carol;
  before(async () => {
    carol = await srv.createAccount('carol');
    await srv.loadCsv(csv(['number', 'country_iso', 'type', 'sub_type'], [
      { number: N, country_iso: 'US', type: 'fixed', sub_type: 'local' }]));
  });
  const owned = async () => (await srv.plivo(carol, 'GET', 'Number/')).json.objects.map((o) => o.number);
  const host = () => new URL(srv.base).host;

  test('refused: Sec-Fetch-Site cross-site or same-site, a foreign or null Origin; nothing changes', async () => {
    const cases = [
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
      { 'Sec-Fetch-Site': 'cross-site', Origin: `http://${host()}` },
      { Origin: 'http://evil.example' },
      { Origin: 'null' },
      { Origin: `http://${host()}.evil.example` },
    ];
    for (const headers of cases) {
      const r = await srv.plivo(carol, 'POST', `PhoneNumber/${N}/`, { form: {}, headers });
      assertPlivoError(r, 403, /cross-site request refused/);
      const a = await srv.plivo(carol, 'POST', 'Application/', { form: { app_name: 'csrf', answer_url: 'https://x.example/a' }, headers });
      assertPlivoError(a, 403, /cross-site request refused/);
    }
    assert.deepEqual(await owned(), [], 'no number bought');
    const apps = await srv.plivo(carol, 'GET', 'Application/');
    assert.ok(!apps.json.objects.some((o) => o.app_name === 'csrf'), 'no application made');
    // a refusal is not a failed authentication (no 401, no WWW-Authenticate)
    const r = await srv.plivo(carol, 'POST', `PhoneNumber/${N}/`, { form: {}, auth: null, headers: { 'Sec-Fetch-Site': 'cross-site' } });
    assertPlivoError(r, 403, /cross-site request refused/);
    assert.equal(r.headers.get('www-authenticate'), null);
  });

  test('allowed: reads from anywhere, same-origin writes, the same host in Origin or X-Forwarded-Host', async () => {
    const g = await srv.plivo(carol, 'GET', 'PhoneNumber/', { query: { country_iso: 'US' }, headers: { 'Sec-Fetch-Site': 'cross-site', Origin: 'http://evil.example' } });
    assert.equal(g.status, 200, g.text);
    const same = await srv.plivo(carol, 'POST', 'Application/', { form: { app_name: 'same-origin', answer_url: 'https://x.example/a' }, headers: { 'Sec-Fetch-Site': 'same-origin', Origin: `http://${host()}` } });
    assert.equal(same.status, 201, same.text);
    const user = await srv.plivo(carol, 'POST', 'Application/', { form: { app_name: 'typed-url', answer_url: 'https://x.example/a' }, headers: { 'Sec-Fetch-Site': 'none' } });
    assert.equal(user.status, 201, user.text);
    const origin = await srv.plivo(carol, 'POST', 'Application/', { form: { app_name: 'origin-only', answer_url: 'https://x.example/a' }, headers: { Origin: `http://${host()}` } });
    assert.equal(origin.status, 201, origin.text);
    const proxied = await srv.plivo(carol, 'POST', 'Application/', { form: { app_name: 'proxied', answer_url: 'https://x.example/a' }, headers: { Origin: 'https://numbers.example.com', 'X-Forwarded-Host': 'numbers.example.com' } });
    assert.equal(proxied.status, 201, proxied.text);
    const bought = await srv.plivo(carol, 'POST', `PhoneNumber/${N}/`, { form: {} });
    assert.equal(bought.status, 201, bought.text);
    assert.deepEqual(await owned(), [N]);
  });
});

// X-Account-Id names the account of the API key that authenticated a BYOC
// request (an empty list names none); the console checks with it that a
// key belongs to the account it signs in with.
test('a BYOC answer names its key\'s account in X-Account-Id', async () => {
  const r = await srv.byoc(alice.api_key, 'GET', '/carriers');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('x-account-id'), alice.auth_id);
  const b = await srv.byoc(bob.api_key, 'GET', '/carriers');
  assert.equal(b.headers.get('x-account-id'), bob.auth_id);
  const bad = await srv.byoc('nd_live_nope', 'GET', '/carriers');
  assert.equal(bad.status, 401);
  assert.equal(bad.headers.get('x-account-id'), null);
});
