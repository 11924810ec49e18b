'use strict';
// API.md §2.5 (Subaccounts), §1 (what a subaccount may do, its credentials),
// §2.1 (envelopes), §2.2/§2.3 (buy and number updates involving subaccounts),
// and the official Plivo Node SDK's subaccounts resource.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const plivo = require('plivo');
const { start, basic, assertPlivoError, csv, ALL_COLUMNS, UUID_RE } = require('./lib/server');

const SA_RE = /^SA[A-Z0-9]{18}$/;
const TOKEN_RE = /^[A-Za-z0-9]{40}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
// auth_token and new_auth_token: null (the SDKs read them; only a hash is kept)
const SUB_KEYS = ['account', 'api_id', 'auth_id', 'auth_token', 'created', 'enabled', 'modified', 'name',
  'new_auth_token', 'resource_uri'];

let srv;
let alice; // main account
let bob; // another main account

const NUMBERS = Array.from({ length: 30 }, (_, i) => `141555502${String(i).padStart(2, '0')}`);
let numIdx = 0;
const nextNumber = () => NUMBERS[numIdx++];

before(async () => {
  srv = await start({ args: ['--rate-limit', '0'] }); // many calls per account in a few ms
  alice = await srv.createAccount('alice');
  bob = await srv.createAccount('bob');
  await srv.loadCsv(csv(ALL_COLUMNS, NUMBERS.map((number) => ({
    number, country_iso: 'US', type: 'fixed', sub_type: 'local', city: 'SAN FRANCISCO', region: 'CALIFORNIA',
    voice_enabled: 'true', sms_enabled: 'true', monthly_rental_rate: '0.80000',
  }))));
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

// ---- helpers -----------------------------------------------------------------

/** Creates a subaccount of main; returns {auth_id, auth_token} (creds usable with srv.plivo). */
async function createSub(main, body = {}) {
  const r = await srv.plivo(main, 'POST', 'Subaccount/', { body: { name: 'sub', ...body } });
  assert.equal(r.status, 201, r.text);
  return { auth_id: r.json.auth_id, auth_token: r.json.auth_token };
}

async function getSub(main, id) {
  const r = await srv.plivo(main, 'GET', `Subaccount/${id}/`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

/** The subaccount object minus api_id (for before/after comparisons). */
async function subState(main, id) {
  const { api_id, ...rest } = await getSub(main, id);
  return rest;
}

async function listSubs(main, query) {
  const r = await srv.plivo(main, 'GET', 'Subaccount/', { query });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function getNumber(acct, n) {
  const r = await srv.plivo(acct, 'GET', `Number/${n}/`);
  assert.equal(r.status, 200, r.text);
  const { api_id, ...rest } = r.json;
  return rest;
}

async function listNumbers(acct, query) {
  const r = await srv.plivo(acct, 'GET', 'Number/', { query });
  assert.equal(r.status, 200, r.text);
  return r.json.objects.map((o) => o.number);
}

async function buy(acct, n, body) {
  const r = await srv.buy(acct, n, body);
  assert.equal(r.status, 201, r.text);
}

function assertAuthFailed(r) {
  assertPlivoError(r, 401, 'authentication failed');
  assert.equal(r.headers.get('www-authenticate'), 'Basic realm="numberd"');
}

const todayUtc = () => new Date().toISOString().slice(0, 10);

// ---- create --------------------------------------------------------------------

describe('create', () => {
  test('201 with exactly {api_id, auth_id, auth_token, message}; SA id and 40-char token', async () => {
    const r = await srv.plivo(alice, 'POST', 'Subaccount/', { body: { name: 'shape' } });
    assert.equal(r.status, 201, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(Object.keys(r.json).sort(), ['api_id', 'auth_id', 'auth_token', 'message']);
    assert.match(r.json.api_id, UUID_RE);
    assert.match(r.json.auth_id, SA_RE);
    assert.match(r.json.auth_token, TOKEN_RE);
    assert.equal(r.json.message, 'created');
  });

  test('ids and tokens are distinct per subaccount', async () => {
    const subs = [];
    for (let i = 0; i < 4; i++) subs.push(await createSub(alice, { name: `distinct-${i}` }));
    assert.equal(new Set(subs.map((s) => s.auth_id)).size, 4);
    assert.equal(new Set(subs.map((s) => s.auth_token)).size, 4);
  });

  test('GET shows exactly the object; enabled defaults to false; the token is never shown again', async () => {
    const d0 = todayUtc();
    const sub = await createSub(alice, { name: 'plain object' });
    const d1 = todayUtc();
    const r = await srv.plivo(alice, 'GET', `Subaccount/${sub.auth_id}/`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), SUB_KEYS);
    assert.match(r.json.api_id, UUID_RE);
    assert.equal(r.json.account, `/v1/Account/${alice.auth_id}/`);
    assert.equal(r.json.auth_id, sub.auth_id);
    assert.equal(r.json.name, 'plain object');
    assert.equal(r.json.enabled, false);
    assert.match(r.json.created, DATE_RE);
    assert.ok([d0, d1].includes(r.json.created), r.json.created);
    assert.match(r.json.modified, DATE_RE);
    assert.equal(r.json.resource_uri, `/v1/Account/${alice.auth_id}/Subaccount/${sub.auth_id}/`);
    assert.ok(!r.text.includes(sub.auth_token), 'the token must not be shown');
    assert.equal(r.json.auth_token, null, 'only its hash is kept');
    assert.equal(r.json.new_auth_token, null);
  });

  test('enabled: true, false, "true", "false" (JSON and form) are shown as booleans', async () => {
    const cases = [[true, true], [false, false], ['true', true], ['false', false]];
    for (const [v, want] of cases) {
      const sub = await createSub(alice, { name: `en-${v}-${typeof v}`, enabled: v });
      assert.equal((await getSub(alice, sub.auth_id)).enabled, want, `enabled ${JSON.stringify(v)}`);
    }
    for (const [v, want] of [['true', true], ['false', false]]) {
      const r = await srv.plivo(alice, 'POST', 'Subaccount/', { form: { name: `form-${v}`, enabled: v } });
      assert.equal(r.status, 201, r.text);
      assert.match(r.json.auth_id, SA_RE);
      const o = await getSub(alice, r.json.auth_id);
      assert.equal(o.enabled, want);
      assert.equal(o.name, `form-${v}`);
    }
  });

  test('name: required, 1-64 characters; 400 naming it and nothing created', async () => {
    const before = (await listSubs(alice)).meta.total_count;
    assertPlivoError(await srv.plivo(alice, 'POST', 'Subaccount/', { body: {} }), 400, /name/);
    assertPlivoError(await srv.plivo(alice, 'POST', 'Subaccount/', { body: { enabled: true } }), 400, /name/);
    for (const name of ['', 'x'.repeat(65), 'bad\u0001name', 'line\nbreak']) {
      assertPlivoError(await srv.plivo(alice, 'POST', 'Subaccount/', { body: { name } }), 400, /name/);
    }
    assert.equal((await listSubs(alice)).meta.total_count, before);
    const sub = await createSub(alice, { name: 'y'.repeat(64) });
    assert.equal((await getSub(alice, sub.auth_id)).name, 'y'.repeat(64));
    const uni = await createSub(alice, { name: 'Zürich – 東京' });
    assert.equal((await getSub(alice, uni.auth_id)).name, 'Zürich – 東京');
  });

  test('invalid enabled or an unknown field: 400 naming it, nothing created', async () => {
    const before = (await listSubs(alice)).meta.total_count;
    for (const enabled of ['yes', 'on', '2', 1, 'enabled', '']) { // "1"/"0": PHP's true/false
      const r = await srv.plivo(alice, 'POST', 'Subaccount/', { body: { name: 'bad-enabled', enabled } });
      assertPlivoError(r, 400, /enabled/);
    }
    assertPlivoError(await srv.plivo(alice, 'POST', 'Subaccount/', { body: { name: 'x', enable: true } }), 400,
      'unknown parameter: enable');
    assertPlivoError(await srv.plivo(alice, 'POST', 'Subaccount/', { body: { name: 'x', auth_id: 'SA00000000000000000Z' } }),
      400, /auth_id/);
    assert.equal((await listSubs(alice)).meta.total_count, before);
  });
});

// ---- list ------------------------------------------------------------------------

describe('list', () => {
  let lister;
  let created;
  before(async () => {
    lister = await srv.createAccount('lister');
    created = [];
    for (let i = 0; i < 5; i++) created.push((await createSub(lister, { name: `L${i}`, enabled: i % 2 === 0 })).auth_id);
  });

  test('Plivo envelope, ordered by creation, objects equal GET minus api_id', async () => {
    const r = await srv.plivo(lister, 'GET', 'Subaccount/');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['api_id', 'meta', 'objects']);
    assert.deepEqual(r.json.meta, { limit: 20, next: null, offset: 0, previous: null, total_count: 5 });
    assert.deepEqual(r.json.objects.map((o) => o.auth_id), created);
    assert.deepEqual(r.json.objects.map((o) => o.name), ['L0', 'L1', 'L2', 'L3', 'L4']);
    assert.deepEqual(r.json.objects.map((o) => o.enabled), [true, false, true, false, true]);
    for (const o of r.json.objects) assert.deepEqual(o, await subState(lister, o.auth_id));
  });

  test('limit/offset paging with next and previous', async () => {
    const p1 = await listSubs(lister, { limit: 2 });
    assert.deepEqual(p1.objects.map((o) => o.auth_id), created.slice(0, 2));
    assert.equal(p1.meta.total_count, 5);
    assert.equal(p1.meta.previous, null);
    assert.match(p1.meta.next, new RegExp(`^/v1/Account/${lister.auth_id}/Subaccount/\\?`));
    const nq = new URLSearchParams(p1.meta.next.split('?')[1]);
    assert.equal(nq.get('limit'), '2');
    assert.equal(nq.get('offset'), '2');
    const p3 = await listSubs(lister, { limit: 2, offset: 4 });
    assert.deepEqual(p3.objects.map((o) => o.auth_id), created.slice(4));
    assert.equal(p3.meta.next, null);
    assert.notEqual(p3.meta.previous, null);
    const pq = new URLSearchParams(p3.meta.previous.split('?')[1]);
    assert.equal(pq.get('offset'), '2');
    const past = await listSubs(lister, { offset: 10 });
    assert.deepEqual(past.objects, []);
    assert.equal(past.meta.total_count, 5);
  });

  test('bad limit/offset or an unknown parameter: 400', async () => {
    for (const query of [{ limit: 0 }, { limit: 21 }, { limit: 'x' }, { offset: -1 }, { offset: 'a' }]) {
      const r = await srv.plivo(lister, 'GET', 'Subaccount/', { query });
      assertPlivoError(r, 400, new RegExp(Object.keys(query)[0]));
    }
    assertPlivoError(await srv.plivo(lister, 'GET', 'Subaccount/', { query: { name: 'L1' } }), 400, /name/);
  });

  test("another account's list never shows them", async () => {
    const other = await srv.createAccount('lister-other');
    const r = await listSubs(other);
    assert.equal(r.meta.total_count, 0);
    assert.deepEqual(r.objects, []);
  });
});

// ---- get -------------------------------------------------------------------------

test("get: unknown, malformed, another account's subaccount, a main account id: 404", async () => {
  const bobs = await createSub(bob, { name: 'bobs' });
  for (const id of ['SA00000000000000000Z', 'SAnope', 'xyz', alice.auth_id, bob.auth_id, bobs.auth_id]) {
    assertPlivoError(await srv.plivo(alice, 'GET', `Subaccount/${id}/`), 404, 'not found');
  }
  assert.equal((await getSub(bob, bobs.auth_id)).name, 'bobs');
});

// ---- update ----------------------------------------------------------------------

describe('update', () => {
  test('202 {api_id, message: "changed"}; name and enabled change, one at a time or together', async () => {
    const sub = await createSub(alice, { name: 'before' });
    const created = await subState(alice, sub.auth_id);
    let r = await srv.plivo(alice, 'POST', `Subaccount/${sub.auth_id}/`, { body: { name: 'after' } });
    assert.equal(r.status, 202, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['api_id', 'message']);
    assert.match(r.json.api_id, UUID_RE);
    assert.equal(r.json.message, 'changed');
    const renamed = await subState(alice, sub.auth_id);
    assert.deepEqual(renamed, { ...created, name: 'after', modified: renamed.modified });

    r = await srv.plivo(alice, 'POST', `Subaccount/${sub.auth_id}/`, { body: { enabled: 'true' } });
    assert.equal(r.status, 202, r.text);
    let o = await getSub(alice, sub.auth_id);
    assert.equal(o.enabled, true);
    assert.equal(o.name, 'after');
    assert.equal(o.created, created.created);
    assert.match(o.modified, DATE_RE);
    assert.ok(o.modified >= o.created);

    r = await srv.plivo(alice, 'POST', `Subaccount/${sub.auth_id}/`, { form: { name: 'both', enabled: 'false' } });
    assert.equal(r.status, 202, r.text);
    o = await getSub(alice, sub.auth_id);
    assert.equal(o.enabled, false);
    assert.equal(o.name, 'both');
  });

  test('invalid values or unknown fields: 400 and nothing changes', async () => {
    const sub = await createSub(alice, { name: 'stable', enabled: true });
    const state = await subState(alice, sub.auth_id);
    const bad = [
      [{ name: '' }, /name/], [{ name: 'z'.repeat(65) }, /name/], [{ enabled: 'yes' }, /enabled/],
      [{ name: 'ok', enabled: 'maybe' }, /enabled/], [{ name: 'ok', colour: 'red' }, /unknown parameter: colour/],
      [{ auth_token: 'A'.repeat(40) }, /auth_token/],
    ];
    for (const [body, msg] of bad) {
      assertPlivoError(await srv.plivo(alice, 'POST', `Subaccount/${sub.auth_id}/`, { body }), 400, msg);
    }
    assert.deepEqual(await subState(alice, sub.auth_id), state);
    // the credentials still work (the token was not changed)
    assert.equal((await srv.plivo(sub, 'GET', 'Number/')).status, 200);
  });

  test("unknown or another account's subaccount: 404 and nothing changes", async () => {
    const bobs = await createSub(bob, { name: 'bob-untouched' });
    const state = await subState(bob, bobs.auth_id);
    for (const id of ['SA00000000000000000Z', bobs.auth_id]) {
      assertPlivoError(await srv.plivo(alice, 'POST', `Subaccount/${id}/`, { body: { name: 'hijack', enabled: true } }),
        404, 'not found');
    }
    assert.deepEqual(await subState(bob, bobs.auth_id), state);
  });
});

// ---- delete ----------------------------------------------------------------------

describe('delete', () => {
  test('204 with no body; then gone from get, list and a second delete; its credentials 401', async () => {
    const sub = await createSub(alice, { name: 'doomed', enabled: true });
    assert.equal((await srv.plivo(sub, 'GET', 'Number/')).status, 200);
    const r = await srv.plivo(alice, 'DELETE', `Subaccount/${sub.auth_id}/`);
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, '');
    assertPlivoError(await srv.plivo(alice, 'GET', `Subaccount/${sub.auth_id}/`), 404, 'not found');
    assertPlivoError(await srv.plivo(alice, 'DELETE', `Subaccount/${sub.auth_id}/`), 404, 'not found');
    assertPlivoError(await srv.plivo(alice, 'POST', `Subaccount/${sub.auth_id}/`, { body: { name: 'x' } }), 404);
    const all = [];
    for (let offset = 0; ; offset += 20) {
      const page = await listSubs(alice, { offset });
      all.push(...page.objects.map((o) => o.auth_id));
      if (!page.meta.next) break;
    }
    assert.ok(!all.includes(sub.auth_id));
    assertAuthFailed(await srv.plivo(sub, 'GET', 'Number/'));
    assertAuthFailed(await srv.search(sub, { country_iso: 'US' }));
  });

  test('its numbers and applications return to the main account (sub_account null), links kept', async () => {
    const sub = await createSub(alice, { name: 'owner', enabled: true });
    const app = await srv.plivo(alice, 'POST', 'Application/',
      { body: { app_name: 'owned-by-sub', answer_url: 'https://example.com/a', subaccount: sub.auth_id } });
    assert.equal(app.status, 201, app.text);
    const appId = app.json.app_id;
    const n1 = nextNumber();
    const n2 = nextNumber();
    await buy(alice, n1, { subaccount: sub.auth_id, app_id: appId });
    await buy(alice, n2, { subaccount: sub.auth_id });
    assert.equal((await getNumber(alice, n1)).sub_account, sub.auth_id);
    assert.deepEqual((await listNumbers(sub)).sort(), [n1, n2].sort());

    const r = await srv.plivo(alice, 'DELETE', `Subaccount/${sub.auth_id}/`);
    assert.equal(r.status, 204, r.text);

    for (const n of [n1, n2]) assert.equal((await getNumber(alice, n)).sub_account, null, n);
    assert.equal((await getNumber(alice, n1)).application, `/v1/Account/${alice.auth_id}/Application/${appId}/`);
    const a = await srv.plivo(alice, 'GET', `Application/${appId}/`);
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.sub_account, null);
    assert.equal(a.json.app_name, 'owned-by-sub');
    // the deleted id is no longer one of the caller's subaccounts
    assertPlivoError(await srv.plivo(alice, 'GET', 'Number/', { query: { subaccount: sub.auth_id } }), 400, /subaccount/);
    const all = await listNumbers(alice, { number_startswith: '14155550' });
    assert.ok(all.includes(n1) && all.includes(n2));
  });

  test("a subaccount's number names its application where that application answers", async () => {
    const sub = await createSub(alice, { name: 'linker', enabled: true });
    const mk = async (body) => {
      const r = await srv.plivo(alice, 'POST', 'Application/', { body: { answer_url: 'https://example.com/a', ...body } });
      assert.equal(r.status, 201, r.text);
      return r.json.app_id;
    };
    const mainApp = await mk({ app_name: 'main-app' });
    const subApp = await mk({ app_name: 'sub-app', subaccount: sub.auth_id });
    const n1 = nextNumber();
    const n2 = nextNumber();
    await buy(alice, n1, { subaccount: sub.auth_id, app_id: mainApp });
    await buy(alice, n2, { subaccount: sub.auth_id, app_id: subApp });
    const cases = [[n1, alice, mainApp], [n2, sub, subApp]];
    for (const [n, owner, appId] of cases) {
      const uri = `/v1/Account/${owner.auth_id}/Application/${appId}/`;
      // get and list (their columns are read apart), by the subaccount
      assert.equal((await getNumber(sub, n)).application, uri, n);
      const l = await srv.plivo(sub, 'GET', 'Number/', { query: { number_startswith: n } });
      assert.equal(l.status, 200, l.text);
      assert.equal(l.json.objects[0].application, uri, n);
      // the URI answers for the account it names
      const a = await srv.plivo(owner, 'GET', uri.slice(`/v1/Account/${owner.auth_id}/`.length));
      assert.equal(a.status, 200, a.text);
      assert.equal(a.json.app_id, appId);
      // the main account sees every application of its account under its own path
      assert.equal((await getNumber(alice, n)).application, `/v1/Account/${alice.auth_id}/Application/${appId}/`, n);
    }
  });

  test("another account's subaccount: 404 and it survives", async () => {
    const bobs = await createSub(bob, { name: 'survivor', enabled: true });
    assertPlivoError(await srv.plivo(alice, 'DELETE', `Subaccount/${bobs.auth_id}/`), 404, 'not found');
    assert.equal((await getSub(bob, bobs.auth_id)).name, 'survivor');
    assert.equal((await srv.plivo(bobs, 'GET', 'Number/')).status, 200);
  });
});

// ---- credentials -----------------------------------------------------------------

describe('subaccount credentials', () => {
  test('disabled (the default): 401 until enabled; 401 again when disabled', async () => {
    const sub = await createSub(alice, { name: 'toggle' });
    assertAuthFailed(await srv.plivo(sub, 'GET', 'Number/'));
    assertAuthFailed(await srv.search(sub, { country_iso: 'US' }));
    await srv.plivo(alice, 'POST', `Subaccount/${sub.auth_id}/`, { body: { enabled: true } });
    assert.equal((await srv.plivo(sub, 'GET', 'Number/')).status, 200);
    await srv.plivo(alice, 'POST', `Subaccount/${sub.auth_id}/`, { body: { enabled: false } });
    assertAuthFailed(await srv.plivo(sub, 'GET', 'Number/'));
    assertAuthFailed(await srv.plivo(sub, 'GET', 'Application/'));
  });

  test('wrong token, or the path naming another account (parent or sibling): 401', async () => {
    const sub = await createSub(alice, { name: 'paths', enabled: true });
    const sib = await createSub(alice, { name: 'paths-sib', enabled: true });
    assertAuthFailed(await srv.plivo(sub, 'GET', 'Number/', { auth: basic(sub.auth_id, 'x'.repeat(40)) }));
    assertAuthFailed(await srv.plivo(sub, 'GET', 'Number/', { auth: basic(sub.auth_id, sib.auth_token) }));
    assertAuthFailed(await srv.plivo(sub, 'GET', 'Number/', { pathAccount: alice.auth_id }));
    assertAuthFailed(await srv.plivo(sub, 'GET', 'Number/', { pathAccount: sib.auth_id }));
    assertAuthFailed(await srv.plivo(alice, 'GET', 'Number/', { pathAccount: sub.auth_id }));
    assertAuthFailed(await srv.plivo(alice, 'GET', 'Subaccount/', { pathAccount: sub.auth_id }));
  });

  test('a subaccount caller gets 404 on every Subaccount path, and nothing changes', async () => {
    const sub = await createSub(alice, { name: 'nosy', enabled: true });
    const sib = await createSub(alice, { name: 'nosy-sib', enabled: true });
    const before = await listSubs(alice, { limit: 1 });
    const calls = [
      ['GET', 'Subaccount/'], ['POST', 'Subaccount/', { name: 'grandchild', enabled: true }],
      ['GET', `Subaccount/${sub.auth_id}/`], ['POST', `Subaccount/${sub.auth_id}/`, { name: 'renamed' }],
      ['DELETE', `Subaccount/${sub.auth_id}/`],
      ['GET', `Subaccount/${sib.auth_id}/`], ['POST', `Subaccount/${sib.auth_id}/`, { enabled: false }],
      ['DELETE', `Subaccount/${sib.auth_id}/`],
      ['GET', 'Subaccount/SA00000000000000000Z/'],
    ];
    for (const [m, p, body] of calls) {
      assertPlivoError(await srv.plivo(sub, m, p, { body }), 404, 'not found');
    }
    assert.equal((await listSubs(alice, { limit: 1 })).meta.total_count, before.meta.total_count);
    assert.equal((await getSub(alice, sub.auth_id)).name, 'nosy');
    assert.equal((await getSub(alice, sib.auth_id)).enabled, true);
    assert.equal((await srv.plivo(sib, 'GET', 'Number/')).status, 200);
  });
});

// ---- what a subaccount may do with numbers -----------------------------------------

describe('a subaccount and numbers', () => {
  let sub;
  let sib;
  before(async () => {
    sub = await createSub(alice, { name: 'worker', enabled: true });
    sib = await createSub(alice, { name: 'worker-sibling', enabled: true });
  });

  test('can search PhoneNumber/ (same results as its parent)', async () => {
    const q = { country_iso: 'US', pattern: '41555502', limit: 5 };
    const s = await srv.search(sub, q);
    assert.equal(s.status, 200, s.text);
    const m = await srv.search(alice, q);
    assert.deepEqual(s.json.objects.map((o) => o.number), m.json.objects.map((o) => o.number));
    assert.equal(s.json.meta.total_count, m.json.meta.total_count);
    assert.ok(s.json.meta.total_count > 0);
  });

  test('cannot buy: 404 "not found" and the number stays available', async () => {
    const n = NUMBERS[NUMBERS.length - 1];
    for (const body of [undefined, { subaccount: sub.auth_id }, { app_id: '12345678901234567' }]) {
      assertPlivoError(await srv.buy(sub, n, body), 404, 'not found');
    }
    const s = await srv.search(alice, { country_iso: 'US', pattern: n.slice(1) });
    assert.deepEqual(s.json.objects.map((o) => o.number), [n]);
  });

  test('buy with {subaccount} by the parent: the subaccount sees exactly that number', async () => {
    const mine = nextNumber();
    const parents = nextNumber();
    await buy(alice, mine, { subaccount: sub.auth_id });
    await buy(alice, parents);
    const o = await getNumber(sub, mine);
    assert.equal(o.number, mine);
    assert.equal(o.sub_account, sub.auth_id);
    assert.equal((await getNumber(alice, mine)).sub_account, sub.auth_id);
    assert.equal((await getNumber(alice, parents)).sub_account, null);
    const subList = await listNumbers(sub);
    assert.ok(subList.includes(mine));
    assert.ok(!subList.includes(parents));
    assert.deepEqual(await listNumbers(sib), []);
    const filtered = await listNumbers(alice, { subaccount: sub.auth_id });
    assert.ok(filtered.includes(mine) && !filtered.includes(parents));
    const parentAll = await listNumbers(alice, { number_startswith: '1415555' });
    assert.ok(parentAll.includes(mine) && parentAll.includes(parents), 'the parent sees both');
  });

  test('POST Number/{n}/ {subaccount} by the parent assigns; "" returns it to the parent', async () => {
    const n = nextNumber();
    await buy(alice, n);
    assertPlivoError(await srv.plivo(sub, 'GET', `Number/${n}/`), 404, 'not found');
    let r = await srv.plivo(alice, 'POST', `Number/${n}/`, { body: { subaccount: sub.auth_id } });
    assert.equal(r.status, 202, r.text);
    assert.equal((await getNumber(sub, n)).sub_account, sub.auth_id);
    r = await srv.plivo(alice, 'POST', `Number/${n}/`, { body: { subaccount: sib.auth_id } });
    assert.equal(r.status, 202, r.text);
    assertPlivoError(await srv.plivo(sub, 'GET', `Number/${n}/`), 404, 'not found');
    assert.equal((await getNumber(sib, n)).sub_account, sib.auth_id);
    r = await srv.plivo(alice, 'POST', `Number/${n}/`, { body: { subaccount: '' } });
    assert.equal(r.status, 202, r.text);
    assert.equal((await getNumber(alice, n)).sub_account, null);
    assertPlivoError(await srv.plivo(sib, 'GET', `Number/${n}/`), 404, 'not found');
  });

  test("assigning to another account's or a deleted subaccount: 400, nothing changes", async () => {
    const n = nextNumber();
    await buy(alice, n, { subaccount: sub.auth_id });
    const bobs = await createSub(bob, { name: 'foreign', enabled: true });
    const gone = await createSub(alice, { name: 'gone' });
    await srv.plivo(alice, 'DELETE', `Subaccount/${gone.auth_id}/`);
    for (const subaccount of [bobs.auth_id, gone.auth_id, bob.auth_id, 'SA00000000000000000Z']) {
      assertPlivoError(await srv.plivo(alice, 'POST', `Number/${n}/`, { body: { subaccount } }), 400, /subaccount/);
      assertPlivoError(await srv.buy(alice, NUMBERS[NUMBERS.length - 1], { subaccount }), 400, /subaccount/);
    }
    assert.equal((await getNumber(alice, n)).sub_account, sub.auth_id);
    assert.deepEqual(await listNumbers(bobs), []);
  });

  test('cannot reassign its own number (403), to anyone; nothing changes', async () => {
    const n = nextNumber();
    await buy(alice, n, { subaccount: sub.auth_id });
    const state = await getNumber(alice, n);
    for (const subaccount of [sib.auth_id, sub.auth_id, '', alice.auth_id]) {
      const r = await srv.plivo(sub, 'POST', `Number/${n}/`, { body: { subaccount } });
      assertPlivoError(r, 403);
    }
    // together with an otherwise valid change: still 403, and the alias is not applied either
    assertPlivoError(await srv.plivo(sub, 'POST', `Number/${n}/`, { body: { alias: 'sneaky', subaccount: sib.auth_id } }), 403);
    assert.deepEqual(await getNumber(alice, n), state);
  });

  test('can change the alias of its own number', async () => {
    const n = nextNumber();
    await buy(alice, n, { subaccount: sub.auth_id });
    const r = await srv.plivo(sub, 'POST', `Number/${n}/`, { body: { alias: 'front desk' } });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.json.message, 'changed');
    assert.equal((await getNumber(sub, n)).alias, 'front desk');
    assert.equal((await getNumber(alice, n)).alias, 'front desk');
    assert.equal((await getNumber(alice, n)).sub_account, sub.auth_id);
    assert.deepEqual(await listNumbers(sub, { alias: 'front desk' }), [n]);
  });

  test("404 for the parent's unassigned and the sibling's numbers (GET, POST, DELETE), nothing changes", async () => {
    const parents = nextNumber();
    const sibs = nextNumber();
    await buy(alice, parents);
    await buy(alice, sibs, { subaccount: sib.auth_id });
    const before = [await getNumber(alice, parents), await getNumber(alice, sibs)];
    for (const n of [parents, sibs]) {
      assertPlivoError(await srv.plivo(sub, 'GET', `Number/${n}/`), 404, 'not found');
      assertPlivoError(await srv.plivo(sub, 'POST', `Number/${n}/`, { body: { alias: 'mine now' } }), 404, 'not found');
      assertPlivoError(await srv.plivo(sub, 'DELETE', `Number/${n}/`), 404, 'not found');
    }
    assert.deepEqual([await getNumber(alice, parents), await getNumber(alice, sibs)], before);
    const list = await listNumbers(sub);
    assert.ok(!list.includes(parents) && !list.includes(sibs));
  });

  test('can unrent its own number', async () => {
    const n = nextNumber();
    await buy(alice, n, { subaccount: sub.auth_id });
    const r = await srv.plivo(sub, 'DELETE', `Number/${n}/`);
    assert.equal(r.status, 204, r.text);
    assertPlivoError(await srv.plivo(sub, 'GET', `Number/${n}/`), 404);
    assertPlivoError(await srv.plivo(alice, 'GET', `Number/${n}/`), 404);
  });
});

// ---- the official SDK --------------------------------------------------------------

describe('Plivo Node SDK (plivo 4.79.0) subaccounts', () => {
  let client;
  before(() => {
    client = new plivo.Client(alice.auth_id, alice.auth_token, { url: `${srv.base}/v1/Account/${alice.auth_id}` });
  });

  test('create(name, enabled) → authId, authToken; get(id) → the object', async () => {
    const c = await client.subaccounts.create('sdk-sub', true);
    assert.match(c.authId, SA_RE);
    assert.match(c.authToken, TOKEN_RE);
    assert.equal(c.message, 'created');
    assert.match(c.apiId, UUID_RE);
    const g = await client.subaccounts.get(c.authId);
    assert.equal(g.authId, c.authId);
    assert.equal(g.name, 'sdk-sub');
    assert.equal(g.enabled, true);
    assert.equal(g.account, `/v1/Account/${alice.auth_id}/`);
    assert.equal(g.resourceUri, `/v1/Account/${alice.auth_id}/Subaccount/${c.authId}/`);
    assert.match(g.created, DATE_RE);
    assert.equal(g.authToken, null, 'only its hash is kept: null');
    // the new credentials work through the SDK too
    const subClient = new plivo.Client(c.authId, c.authToken, { url: `${srv.base}/v1/Account/${c.authId}` });
    const found = await subClient.numbers.search('US', { pattern: '41555502', limit: 1 });
    assert.equal(found.length, 1);
  });

  test('create(name) without enabled: a disabled subaccount', async () => {
    const c = await client.subaccounts.create('sdk-disabled');
    assert.match(c.authId, SA_RE);
    assert.equal((await client.subaccounts.get(c.authId)).enabled, false);
  });

  test('update(id, name, enabled) → "changed"; delete(id) → true; then get rejects with 404', async () => {
    const c = await client.subaccounts.create('sdk-upd', false);
    const u = await client.subaccounts.update(c.authId, 'sdk-renamed', true);
    assert.equal(u.message, 'changed');
    const g = await client.subaccounts.get(c.authId);
    assert.equal(g.name, 'sdk-renamed');
    assert.equal(g.enabled, true);
    assert.equal(await client.subaccounts.delete(c.authId), true);
    await assert.rejects(client.subaccounts.get(c.authId), (err) => {
      assert.equal(err.status, 404);
      assert.equal(err.message, 'not found');
      return true;
    });
  });
});
