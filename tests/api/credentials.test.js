'use strict';
// Issue 18 item 1: the credential lifecycle.
//   - API keys: list (never the secret), create with a label and an expiry,
//     revoke; a revoked or expired key answers 401;
//   - auth tokens: rotation of a main account's and a subaccount's token,
//     with and without a grace period;
//   - accounts: suspend (403 "account suspended" in each dialect's shape,
//     numbers kept), resume, close (numbers released, keys revoked, 401);
//   - a customer's own keys in the BYOC dialect (api_keys:manage);
//   - two nodes on one database (PostgreSQL with NUMBERD_TEST_PG, else two
//     processes on one SQLite file): a key revoked, a token rotated or an
//     account suspended through one node is refused by the other, whose
//     credential cache is warm, within one second (measured, printed).

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { execFileSync, spawnSync } = require('node:child_process');
const { PG, BIN, psql, start, basic, csv, assertPlivoError, assertProblem } = require('./lib/server');

const API_KEY_RE = /^nd_live_[A-Za-z0-9_-]{43}$/;
const KEY_FIELDS = ['created_at', 'expires_at', 'id', 'label', 'last_used_at', 'prefix', 'revoked_at',
  'scopes', 'status'];
const NUMBERS = Array.from({ length: 6 }, (_, i) => `1415557${String(1000 + i)}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// failed authentications are the point here: no throttling of them
const ARGS = ['--rate-limit', '0', '--auth-fail-limit', '0'];
let srv;

before(async () => {
  srv = await start({ args: ARGS, threads: 4 });
  await srv.loadCsv(csv(['number', 'country_iso', 'type', 'sub_type', 'region'],
    NUMBERS.map((number) => ({ number, country_iso: 'US', type: 'fixed', sub_type: 'local', region: 'CA' }))));
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

const keys = (s, id, q = '') => s.admin('GET', `/admin/v1/accounts/${id}/api-keys${q}`);
const mkKey = (s, id, body) => s.admin('POST', `/admin/v1/accounts/${id}/api-keys`, body);
const revoke = (s, id, keyId) => s.admin('DELETE', `/admin/v1/accounts/${id}/api-keys/${keyId}`);
const action = (s, id, what, body) => s.admin('POST', `/admin/v1/accounts/${id}/${what}`, body);
const carriers = (s, key) => s.byoc(key, 'GET', '/carriers');
const numbersOf = (s, acct) => s.plivo(acct, 'GET', 'Number/');

describe('API keys through the admin API', () => {
  let acct;
  before(async () => { acct = await srv.createAccount('keys'); });

  test('create with a label and an expiry: the secret once, then a list without it', async () => {
    const r = await mkKey(srv, acct.auth_id, { scopes: ['phone_numbers:read'], label: 'billing sync', expires_in: '30d' });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['api_key', ...KEY_FIELDS].sort());
    assert.match(r.json.api_key, API_KEY_RE);
    assert.equal(r.json.prefix, r.json.api_key.slice(0, 11));
    assert.equal(r.json.label, 'billing sync');
    assert.deepEqual(r.json.scopes, ['phone_numbers:read']);
    assert.equal(r.json.status, 'active');
    const days = (Date.parse(r.json.expires_at) - Date.parse(r.json.created_at)) / 86400000;
    assert.equal(days, 30);
    assert.equal((await carriers(srv, r.json.api_key)).status, 200);

    const l = await keys(srv, acct.auth_id);
    assert.equal(l.status, 200, l.text);
    assert.equal(l.json.total, 2); // the account's first key and this one
    assert.ok(!l.text.includes(r.json.api_key), 'the list never holds a secret');
    assert.ok(!l.text.includes(acct.api_key), 'the list never holds a secret');
    for (const k of l.json.data) assert.deepEqual(Object.keys(k).sort(), KEY_FIELDS);
    assert.deepEqual(l.json.data.map((k) => k.id), [r.json.id, l.json.data[1].id]); // newest first
    assert.equal(l.json.data[1].prefix, acct.api_key.slice(0, 11));
    assert.ok(l.json.data[0].last_used_at, 'a used key shows when it was last used');
    assert.equal(l.json.data[0].expires_at, r.json.expires_at);
  });

  test('revoke: 204, then 401 at once; revoked twice or unknown: 404', async () => {
    const k = (await mkKey(srv, acct.auth_id, { label: 'leaked' })).json;
    // warm every thread's cache
    await Promise.all(Array.from({ length: 8 }, async () => assert.equal((await carriers(srv, k.api_key)).status, 200)));
    const r = await revoke(srv, acct.auth_id, k.id);
    assert.equal(r.status, 204, r.text);
    for (let i = 0; i < 8; i++) assertProblem(await carriers(srv, k.api_key), 401);
    assertProblem(await revoke(srv, acct.auth_id, k.id), 404);
    for (const id of ['999999', 'abc', '-1', '1'.repeat(30)]) assertProblem(await revoke(srv, acct.auth_id, id), 404);
    const other = await srv.createAccount('other');
    assertProblem(await revoke(srv, other.auth_id, k.id), 404); // another account's key
    const l = await keys(srv, acct.auth_id);
    const row = l.json.data.find((x) => x.id === k.id);
    assert.equal(row.status, 'revoked');
    assert.ok(row.revoked_at);
  });

  test('an expired key answers 401', async () => {
    const k = (await mkKey(srv, acct.auth_id, { expires_in: 2 })).json;
    assert.equal((await carriers(srv, k.api_key)).status, 200);
    await sleep(3100);
    assertProblem(await carriers(srv, k.api_key), 401);
    const row = (await keys(srv, acct.auth_id)).json.data.find((x) => x.id === k.id);
    assert.equal(row.status, 'expired');
  });

  test('bad input: 400 and nothing made', async () => {
    const before = (await keys(srv, acct.auth_id)).json.total;
    for (const body of [{ expires_in: 'soon' }, { expires_in: '0' }, { expires_in: -5 }, { expires_in: '9999d' },
      { label: 'x'.repeat(65) }, { label: 'a\u0001b' }, { scopes: ['api_keys:everything'] }]) {
      const r = await mkKey(srv, acct.auth_id, body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    }
    assert.equal((await keys(srv, acct.auth_id)).json.total, before);
    assertProblem(await keys(srv, acct.auth_id, '?limit=0'), 400);
    assertProblem(await keys(srv, acct.auth_id, '?colour=red'), 400, 'unknown parameter: colour');
    assertProblem(await keys(srv, 'MA00000000000000000Z'), 404);
    assertProblem(await srv.admin('GET', `/admin/v1/accounts/${acct.auth_id}/api-keys`, undefined, { token: 'wrong' }), 401);
  });

  test('paging', async () => {
    const a = await srv.createAccount('paging');
    for (let i = 0; i < 4; i++) await mkKey(srv, a.auth_id, { label: `k${i}` });
    const p1 = await keys(srv, a.auth_id, '?limit=2');
    const p3 = await keys(srv, a.auth_id, '?limit=2&offset=4');
    assert.equal(p1.json.total, 5);
    assert.deepEqual(p1.json.data.map((k) => k.label), ['k3', 'k2']);
    assert.deepEqual(p3.json.data.map((k) => k.label), ['first key']);
  });
});

describe('auth tokens', () => {
  test('rotate a main account token without grace: the old one stops at once', async () => {
    const a = await srv.createAccount('rot');
    await Promise.all(Array.from({ length: 8 }, async () => assert.equal((await numbersOf(srv, a)).status, 200)));
    const r = await action(srv, a.auth_id, 'rotate-token');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['auth_id', 'auth_token', 'old_token_expires_at']);
    assert.equal(r.json.old_token_expires_at, null);
    assert.notEqual(r.json.auth_token, a.auth_token);
    for (let i = 0; i < 8; i++) assertPlivoError(await numbersOf(srv, a), 401);
    assert.equal((await numbersOf(srv, { ...a, auth_token: r.json.auth_token })).status, 200);
  });

  test('with a grace period both tokens work; a subaccount token rotates too', async () => {
    const a = await srv.createAccount('grace');
    const r = await action(srv, a.auth_id, 'rotate-token', { grace_period: '1h' });
    assert.equal(r.status, 200, r.text);
    const left = (Date.parse(r.json.old_token_expires_at) - Date.now()) / 1000;
    assert.ok(left > 3500 && left <= 3601, String(left));
    assert.equal((await numbersOf(srv, a)).status, 200);
    const fresh = { ...a, auth_token: r.json.auth_token };
    assert.equal((await numbersOf(srv, fresh)).status, 200);

    const s = await srv.plivo(fresh, 'POST', 'Subaccount/', { body: { name: 'sub', enabled: true } });
    assert.equal(s.status, 201, s.text);
    const sub = { auth_id: s.json.auth_id, auth_token: s.json.auth_token };
    assert.equal((await numbersOf(srv, sub)).status, 200);
    const rs = await action(srv, sub.auth_id, 'rotate-token', { grace_period: 0 });
    assert.equal(rs.status, 200, rs.text);
    assertPlivoError(await numbersOf(srv, sub), 401);
    assert.equal((await numbersOf(srv, { ...sub, auth_token: rs.json.auth_token })).status, 200);

    // a short grace ends
    const r2 = await action(srv, a.auth_id, 'rotate-token', { grace_period: 2 });
    const fresh2 = { ...a, auth_token: r2.json.auth_token };
    assert.equal((await numbersOf(srv, fresh)).status, 200);
    await sleep(3100);
    assertPlivoError(await numbersOf(srv, fresh), 401);
    assert.equal((await numbersOf(srv, fresh2)).status, 200);
  });

  test('bad grace or account', async () => {
    const a = await srv.createAccount('badgrace');
    for (const g of ['forever', '31d', -1]) assertProblem(await action(srv, a.auth_id, 'rotate-token', { grace_period: g }), 400);
    assertProblem(await action(srv, a.auth_id, 'rotate-token', { grace: 1 }), 400, 'unknown parameter: grace');
    assertProblem(await action(srv, 'MA00000000000000000Z', 'rotate-token'), 404);
    assert.equal((await numbersOf(srv, a)).status, 200); // nothing changed
  });
});

describe('account status', () => {
  test('suspend: every credential answers 403 "account suspended"; numbers stay; resume', async () => {
    const a = await srv.createAccount('susp');
    assert.equal((await srv.buy(a, NUMBERS[0])).status, 201);
    const s = await srv.plivo(a, 'POST', 'Subaccount/', { body: { name: 'sub', enabled: true } });
    const sub = { auth_id: s.json.auth_id, auth_token: s.json.auth_token };
    assert.equal((await carriers(srv, a.api_key)).status, 200);

    const r = await action(srv, a.auth_id, 'suspend');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { auth_id: a.auth_id, status: 'suspended' });
    assertPlivoError(await numbersOf(srv, a), 403, 'account suspended');
    assertPlivoError(await numbersOf(srv, sub), 403, 'account suspended');
    assertProblem(await carriers(srv, a.api_key), 403, 'account suspended');
    // a wrong token is still a 401: suspension says nothing to a stranger
    assertPlivoError(await numbersOf(srv, { ...a, auth_token: 'x'.repeat(40) }), 401);
    const list = await srv.admin('GET', '/admin/v1/accounts');
    assert.equal(list.json.data.find((x) => x.auth_id === a.auth_id).status, 'suspended');
    assert.equal((await action(srv, a.auth_id, 'suspend')).status, 200); // again: no error

    assert.equal((await action(srv, a.auth_id, 'resume')).status, 200);
    const n = await numbersOf(srv, a);
    assert.equal(n.status, 200, n.text);
    assert.deepEqual(n.json.objects.map((o) => o.number), [NUMBERS[0]]);
    assert.equal((await numbersOf(srv, sub)).status, 200);
    assert.equal((await carriers(srv, a.api_key)).status, 200);
  });

  test('close: numbers released into aging, keys revoked, credentials refused, data kept', async () => {
    const a = await srv.createAccount('closing');
    for (const n of NUMBERS.slice(1, 3)) assert.equal((await srv.buy(a, n)).status, 201);
    const statsBefore = await srv.admin('GET', '/admin/v1/inventory/stats');
    const r = await action(srv, a.auth_id, 'close');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { auth_id: a.auth_id, status: 'closed', numbers_released: 2 });
    assertPlivoError(await numbersOf(srv, a), 401);
    assertProblem(await carriers(srv, a.api_key), 401);
    const k = await keys(srv, a.auth_id);
    assert.equal(k.status, 200, k.text);
    assert.ok(k.json.data.every((x) => x.status === 'revoked'));
    for (const what of ['resume', 'suspend', 'rotate-token']) assertProblem(await action(srv, a.auth_id, what), 409);
    assertProblem(await mkKey(srv, a.auth_id, {}), 409);
    // nor a compliance record (a helper's audit, session 36: 201, and its event to the account's webhooks)
    assertProblem(await srv.admin('POST', '/admin/v1/compliance', { account: a.auth_id, country_iso: 'US', number_type: 'local' }), 409, /closed/);
    const list = await srv.admin('GET', '/admin/v1/accounts');
    assert.equal(list.json.data.find((x) => x.auth_id === a.auth_id).status, 'closed');
    // the numbers are aging: not for sale, not anyone's
    const other = await srv.createAccount('next');
    assertPlivoError(await srv.buy(other, NUMBERS[1]), 404);
    const statsAfter = await srv.admin('GET', '/admin/v1/inventory/stats');
    assert.equal(statsAfter.status, 200);
    assert.notDeepEqual(statsAfter.json, statsBefore.json);
  });

  test('unknown account or body: 404 / 400', async () => {
    for (const what of ['suspend', 'resume', 'close']) {
      assertProblem(await action(srv, 'MA00000000000000000Z', what), 404);
      assertProblem(await action(srv, 'nobody', what), 404);
    }
    const a = await srv.createAccount('strict');
    assertProblem(await action(srv, a.auth_id, 'suspend', { reason: 'x' }), 400, 'unknown parameter: reason');
    assert.equal((await numbersOf(srv, a)).status, 200);
  });
});

describe('a customer manages its own keys (BYOC dialect)', () => {
  test('with api_keys:manage: list, create (no more than its own scopes), revoke', async () => {
    const a = await srv.createAccount('self');
    const own = a.api_key; // the first key has every scope
    const l = await srv.byoc(own, 'GET', '/api-keys');
    assert.equal(l.status, 200, l.text);
    assert.equal(l.json.total, 1);
    assert.deepEqual(l.json.data[0].scopes, ['phone_numbers:read', 'phone_numbers:write', 'api_keys:manage']);
    assert.ok(!l.text.includes(own));

    const c = await srv.byoc(own, 'POST', '/api-keys', { body: { scopes: ['phone_numbers:read'], label: 'ro', expires_in: '1h' } });
    assert.equal(c.status, 201, c.text);
    assert.match(c.json.api_key, API_KEY_RE);
    const ro = c.json.api_key;
    assert.equal((await carriers(srv, ro)).status, 200);
    assertProblem(await srv.byoc(ro, 'GET', '/api-keys'), 403, /api_keys:manage/);
    assertProblem(await srv.byoc(ro, 'POST', '/api-keys', { body: {} }), 403, /api_keys:manage/);

    // a manager without write cannot mint a writer
    const m = (await srv.byoc(own, 'POST', '/api-keys', { body: { scopes: ['phone_numbers:read', 'api_keys:manage'] } })).json;
    assertProblem(await srv.byoc(m.api_key, 'POST', '/api-keys', { body: { scopes: ['phone_numbers:write'] } }), 403);
    const dflt = await srv.byoc(m.api_key, 'POST', '/api-keys', { body: {} });
    assert.equal(dflt.status, 201, dflt.text);
    assert.deepEqual(dflt.json.scopes, ['phone_numbers:read', 'api_keys:manage']);

    // nor revoke one that may do more than itself (a helper's audit,
    // session 39: a leaked read + manage key revoked the account's full
    // key); one within its own scopes, itself included, it may
    const fullId = l.json.data[0].id;
    assertProblem(await srv.byoc(m.api_key, 'DELETE', `/api-keys/${fullId}`), 403, /scope it lacks/);
    assertProblem(await srv.byoc(m.api_key, 'DELETE', `/api-keys/${fullId}`), 403, /scope it lacks/);
    assert.equal((await carriers(srv, own)).status, 200, 'the full key still works');
    const still = (await srv.byoc(own, 'GET', '/api-keys')).json.data.find((x) => x.id === fullId);
    assert.equal(still.status, 'active');
    assert.equal((await srv.byoc(m.api_key, 'DELETE', `/api-keys/${dflt.json.id}`)).status, 204);
    const ev = await srv.byoc(own, 'GET', '/events', { query: { type: 'api_key.revoked' } });
    assert.equal(ev.status, 200, ev.text);
    assert.deepEqual(ev.json.data.map((x) => x.object_id), [String(dflt.json.id)], 'one revocation, the allowed one');

    const d = await srv.byoc(own, 'DELETE', `/api-keys/${c.json.id}`);
    assert.equal(d.status, 204, d.text);
    assertProblem(await carriers(srv, ro), 401);
    assertProblem(await srv.byoc(own, 'DELETE', `/api-keys/${c.json.id}`), 404);
    // another account's key is not found
    const b = await srv.createAccount('stranger');
    const bk = (await srv.byoc(b.api_key, 'GET', '/api-keys')).json.data[0];
    assertProblem(await srv.byoc(own, 'DELETE', `/api-keys/${bk.id}`), 404);
    assert.equal((await carriers(srv, b.api_key)).status, 200);
    assertProblem(await srv.byoc(own, 'POST', '/api-keys', { body: { scopes: ['root'] } }), 400);
    assertProblem(await srv.byoc(own, 'GET', '/api-keys', { query: { x: 1 } }), 400, 'unknown parameter: x');
  });

  // Found by a helper's audit (session 36): an hour's key made a key that
  // never expired, and so kept its access past its own end.
  test('a key that expires makes keys that expire with it at the latest', async () => {
    const a = await srv.createAccount('short-lived');
    const t = await srv.byoc(a.api_key, 'POST', '/api-keys', { body: { scopes: ['phone_numbers:read', 'api_keys:manage'], expires_in: '1h' } });
    assert.equal(t.status, 201, t.text);
    const until = Date.parse(t.json.expires_at);
    for (const body of [{}, { expires_in: '30d' }]) {
      const k = await srv.byoc(t.json.api_key, 'POST', '/api-keys', { body });
      assert.equal(k.status, 201, k.text);
      assert.ok(k.json.expires_at, `${JSON.stringify(body)}: never expires`);
      assert.ok(Date.parse(k.json.expires_at) <= until, `${k.json.expires_at} after ${t.json.expires_at}`);
    }
    // a shorter expiry stays as asked
    const s = await srv.byoc(t.json.api_key, 'POST', '/api-keys', { body: { expires_in: '60s' } });
    assert.ok(Date.parse(s.json.expires_at) < until - 3000 * 1000);
    // a key that never expires makes keys as asked
    const n = await srv.byoc(a.api_key, 'POST', '/api-keys', { body: { scopes: ['phone_numbers:read'] } });
    assert.equal(n.json.expires_at, null);
  });
});

describe('the CLI', () => {
  const cli = (...args) => spawnSync(BIN, args, { encoding: 'utf8', env: { ...process.env, NUMBERD_DB: srv.db } });
  test('apikey list|create|revoke, account suspend|resume|rotate-token|close', async () => {
    const a = await srv.createAccount('cli');
    let r = cli('apikey', 'create', '--account', a.auth_id, '--label', 'from cli', '--expires-in', '7d',
      '--scopes', 'phone_numbers:read');
    assert.equal(r.status, 0, r.stderr);
    const k = JSON.parse(r.stdout);
    assert.match(k.api_key, API_KEY_RE);
    assert.equal((await carriers(srv, k.api_key)).status, 200);
    r = cli('apikey', 'list', '--account', a.auth_id, '--json');
    assert.equal(r.status, 0, r.stderr);
    const l = JSON.parse(r.stdout);
    assert.equal(l.total, 2);
    assert.ok(!r.stdout.includes(k.api_key));
    r = cli('apikey', 'list', '--account', a.auth_id);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^id +prefix +state/);
    assert.match(r.stdout, /from cli/);
    r = cli('apikey', 'revoke', '--account', a.auth_id, String(k.id));
    assert.equal(r.status, 0, r.stderr);
    await sleep(1000); // another process revoked it: refused within a second
    assertProblem(await carriers(srv, k.api_key), 401);
    r = cli('apikey', 'revoke', '--account', a.auth_id, String(k.id));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no such API key/);

    r = cli('account', 'suspend', a.auth_id);
    assert.equal(r.status, 0, r.stderr);
    await sleep(1000);
    assertPlivoError(await numbersOf(srv, a), 403, 'account suspended');
    r = cli('account', 'resume', a.auth_id);
    assert.equal(r.status, 0, r.stderr);
    await sleep(1000);
    assert.equal((await numbersOf(srv, a)).status, 200);
    r = cli('account', 'rotate-token', a.auth_id, '--grace', '10m');
    assert.equal(r.status, 0, r.stderr);
    const rot = JSON.parse(r.stdout);
    assert.equal((await numbersOf(srv, { ...a, auth_token: rot.auth_token })).status, 200);
    r = cli('account', 'close', a.auth_id);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { auth_id: a.auth_id, status: 'closed', numbers_released: 0 });
    r = cli('account', 'resume', a.auth_id);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /closed/);
    r = cli('account', 'suspend', 'MA00000000000000000Z');
    assert.equal(r.status, 1);
    r = cli('account', 'rotate-token', a.auth_id, '--grace', 'forever');
    assert.equal(r.status, 2);
  });
});

describe('two nodes: refused on the other node within one second', () => {
  let A;
  let B;
  before(async () => {
    A = await start({ keepDir: true, threads: 4, args: ARGS });
    B = await start({ dir: A.dir, threads: 4, args: ARGS });
  });
  after(async () => {
    const codes = await Promise.all([A.stop(), B.stop()]);
    for (const { code } of codes) assert.equal(code, 0);
    if (PG) psql(`DROP DATABASE IF EXISTS ${A.db.replace(/^.*\//, '')} WITH (FORCE)`);
    fs.rmSync(A.dir, { recursive: true, force: true });
  });

  /** Keeps B's caches warm with ok(), calls change() on A, then polls B
   * until refused() holds; the milliseconds from A's answer to B's first
   * refusal. */
  async function timeToRefusal(ok, change, refused) {
    for (let i = 0; i < 16; i++) await Promise.all(Array.from({ length: 4 }, ok)); // every thread of B
    const r = await change();
    assert.ok(r.status < 300, r.text);
    const t0 = performance.now();
    for (;;) {
      if (await refused()) return performance.now() - t0;
      assert.ok(performance.now() - t0 < 5000, 'still accepted after 5 s');
    }
  }

  test('a revoked key, a rotated token, a suspended account', async (t) => {
    const times = { revoke: [], rotate: [], suspend: [] };
    for (let round = 0; round < 5; round++) {
      const a = await A.createAccount(`two-${round}`);
      const k = (await mkKey(A, a.auth_id, {})).json;
      times.revoke.push(await timeToRefusal(
        async () => assert.equal((await carriers(B, k.api_key)).status, 200),
        () => revoke(A, a.auth_id, k.id),
        async () => (await carriers(B, k.api_key)).status === 401));

      times.rotate.push(await timeToRefusal(
        async () => assert.equal((await numbersOf(B, a)).status, 200),
        () => action(A, a.auth_id, 'rotate-token'),
        async () => (await numbersOf(B, a)).status === 401));

      times.suspend.push(await timeToRefusal(
        async () => assert.equal((await carriers(B, a.api_key)).status, 200),
        () => action(A, a.auth_id, 'suspend'),
        async () => (await carriers(B, a.api_key)).status === 403));
    }
    const fmt = (xs) => xs.map((x) => x.toFixed(0)).join(', ');
    const line = `time to refusal on the other node (${PG ? 'PostgreSQL' : 'SQLite, two processes'}), ms: ` +
      `revoke [${fmt(times.revoke)}], rotate [${fmt(times.rotate)}], suspend [${fmt(times.suspend)}]`;
    t.diagnostic(line);
    console.log(line);
    for (const xs of Object.values(times)) for (const x of xs) assert.ok(x < 1000, line);
  });

  // Writes alone: on SQLite B answers them in batches on its writer
  // thread, which reads the credential epoch only once a batch is
  // settled (inside one it would read its own, uncommitted) -- a key
  // used only for writes is refused within the same second.
  test('a revoked key used only for writes', async (t) => {
    const times = [];
    for (let round = 0; round < 3; round++) {
      const a = await A.createAccount(`two-w-${round}`);
      const k = (await mkKey(A, a.auth_id, {})).json;
      const made = await A.byoc(k.api_key, 'POST', '/carriers',
        { body: { carrier_name: `w-${round}`, sip_gateway: { ipv4: '198.51.100.20' } } });
      assert.equal(made.status, 201, made.text);
      let n = 0;
      const patch = () => B.byoc(k.api_key, 'PATCH', `/carriers/${made.json.id}`,
        { body: { carrier_name: `w-${round}-${n++}` } });
      times.push(await timeToRefusal(
        async () => { const r = await patch(); assert.equal(r.status, 200, r.text); },
        () => revoke(A, a.auth_id, k.id),
        async () => (await patch()).status === 401));
    }
    const line = `time to refusal of writes on the other node, ms: [${times.map((x) => x.toFixed(0)).join(', ')}]`;
    t.diagnostic(line);
    for (const x of times) assert.ok(x < 1000, line);
  });
});
