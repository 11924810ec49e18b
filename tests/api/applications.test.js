'use strict';
// API.md §2.6 (Applications), §2.2 (buy: app_id and the default_number_app),
// §2.3 (Number update app_id), §1 (applications of subaccounts), §2.1
// (envelopes), and the official Plivo Node SDK's applications resource.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const https = require('node:https');
const net = require('node:net');
const path = require('node:path');
const plivo = require('plivo');
const { start, assertPlivoError, csv, ALL_COLUMNS, UUID_RE } = require('./lib/server');

const APP_ID_RE = /^\d{17}$/;
const APP_KEYS = ['answer_method', 'answer_url', 'api_id', 'app_id', 'app_name', 'default_endpoint_app',
  'default_number_app', 'fallback_answer_url', 'fallback_method', 'hangup_method', 'hangup_url',
  'is_voice_request', 'log_incoming_messages', 'message_method', 'message_url', 'public_uri',
  'resource_uri', 'sub_account',
  // what the official SDKs read (issue 14): docs/PLIVO-COMPATIBILITY.md
  'default_app', 'enabled', 'sip_uri',
  // what the PHP SDK's Application reads unguarded (session 40's audit)
  'application_type', 'log_incoming_message'].sort();
const URL_FIELDS = ['answer_url', 'hangup_url', 'fallback_answer_url', 'message_url'];
const METHOD_FIELDS = ['answer_method', 'hangup_method', 'fallback_method', 'message_method'];
const BOOL_FIELDS = ['default_number_app', 'default_endpoint_app', 'public_uri', 'log_incoming_messages',
  'is_voice_request'];

let srv;
let alice;
let bob;

const NUMBERS = Array.from({ length: 30 }, (_, i) => `141555503${String(i).padStart(2, '0')}`);
let numIdx = 0;
const nextNumber = () => NUMBERS[numIdx++];

before(async () => {
  srv = await start({ args: ['--rate-limit', '0'] }); // many calls per account in a few ms
  alice = await srv.createAccount('alice');
  bob = await srv.createAccount('bob');
  await srv.loadCsv(csv(ALL_COLUMNS, NUMBERS.map((number) => ({
    number, country_iso: 'US', type: 'fixed', sub_type: 'local', city: 'SAN FRANCISCO', region: 'CALIFORNIA',
    voice_enabled: 'true', sms_enabled: 'true',
  }))));
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

// ---- helpers -----------------------------------------------------------------

let appSeq = 0;
const uniqueName = (p = 'app') => `${p}-${++appSeq}`;

async function createApp(acct, body = {}) {
  const r = await srv.plivo(acct, 'POST', 'Application/',
    { body: { app_name: uniqueName(), answer_url: 'https://example.com/answer', ...body } });
  assert.equal(r.status, 201, r.text);
  return r.json.app_id;
}

async function getApp(acct, id) {
  const r = await srv.plivo(acct, 'GET', `Application/${id}/`);
  assert.equal(r.status, 200, r.text);
  const { api_id, ...rest } = r.json;
  return rest;
}

async function listApps(acct, query) {
  const r = await srv.plivo(acct, 'GET', 'Application/', { query });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function allApps(acct) {
  const out = [];
  for (let offset = 0; ; offset += 20) {
    const page = await listApps(acct, { offset });
    out.push(...page.objects);
    if (!page.meta.next) return out;
  }
}

async function createSub(main, name = 'sub') {
  const r = await srv.plivo(main, 'POST', 'Subaccount/', { body: { name, enabled: true } });
  assert.equal(r.status, 201, r.text);
  return { auth_id: r.json.auth_id, auth_token: r.json.auth_token };
}

async function getNumber(acct, n) {
  const r = await srv.plivo(acct, 'GET', `Number/${n}/`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function buy(acct, n, body) {
  const r = await srv.buy(acct, n, body);
  assert.equal(r.status, 201, r.text);
}

const appUri = (main, id) => `/v1/Account/${main.auth_id}/Application/${id}/`;
const subUri = (main, sub) => `/v1/Account/${main.auth_id}/Subaccount/${sub.auth_id}/`;

/** Asserts that exactly the given apps (ids) of acct have default_number_app true. */
async function assertDefaults(acct, ids) {
  const apps = await allApps(acct);
  assert.deepEqual(apps.filter((a) => a.default_number_app).map((a) => a.app_id).sort(), [...ids].sort());
}

// ---- create --------------------------------------------------------------------

describe('create', () => {
  test('201 {api_id, app_id (17 digits), message}; ids are distinct', async () => {
    const r = await srv.plivo(alice, 'POST', 'Application/',
      { body: { app_name: 'shape', answer_url: 'https://example.com/a' } });
    assert.equal(r.status, 201, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(Object.keys(r.json).sort(), ['api_id', 'app_id', 'message']);
    assert.match(r.json.api_id, UUID_RE);
    assert.match(r.json.app_id, APP_ID_RE);
    assert.equal(r.json.message, 'created');
    const ids = [r.json.app_id];
    for (let i = 0; i < 4; i++) ids.push(await createApp(alice));
    for (const id of ids) assert.match(id, APP_ID_RE);
    assert.equal(new Set(ids).size, ids.length);
  });

  test('GET shows every field with its default', async () => {
    const id = await createApp(alice, { app_name: 'defaults', answer_url: 'http://example.com/answer' });
    const r = await srv.plivo(alice, 'GET', `Application/${id}/`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), APP_KEYS);
    assert.match(r.json.api_id, UUID_RE);
    const { api_id, ...o } = r.json;
    assert.deepEqual(o, {
      app_id: id,
      app_name: 'defaults',
      answer_url: 'http://example.com/answer',
      answer_method: 'POST',
      hangup_url: '', // unset URLs are "", as Plivo shows them
      hangup_method: 'POST',
      fallback_answer_url: '',
      fallback_method: 'POST',
      message_url: '',
      message_method: 'POST',
      default_number_app: false,
      default_app: false,
      enabled: true,
      sip_uri: `sip:${id}@app.plivo.com`,
      default_endpoint_app: false,
      public_uri: false,
      log_incoming_messages: true,
      is_voice_request: false,
      application_type: 'XML',
      log_incoming_message: true, // the same flag, under the name PHP reads
      sub_account: null,
      resource_uri: appUri(alice, id),
    });
  });

  test('every field is kept and shown (string booleans become booleans)', async () => {
    const id = await createApp(bob, {
      app_name: 'everything',
      answer_url: 'https://example.com/answer?x=1',
      answer_method: 'GET',
      hangup_url: 'https://example.com/hangup',
      hangup_method: 'GET',
      fallback_answer_url: 'http://example.com:8080/fallback',
      fallback_method: 'GET',
      message_url: 'https://example.com/message',
      message_method: 'GET',
      default_number_app: 'true',
      default_endpoint_app: true,
      public_uri: 'true',
      log_incoming_messages: 'false',
      is_voice_request: 'true',
    });
    assert.deepEqual(await getApp(bob, id), {
      app_id: id,
      app_name: 'everything',
      answer_url: 'https://example.com/answer?x=1',
      answer_method: 'GET',
      hangup_url: 'https://example.com/hangup',
      hangup_method: 'GET',
      fallback_answer_url: 'http://example.com:8080/fallback',
      fallback_method: 'GET',
      message_url: 'https://example.com/message',
      message_method: 'GET',
      default_number_app: true,
      default_app: true,
      enabled: true,
      sip_uri: `sip:${id}@app.plivo.com`,
      default_endpoint_app: true,
      public_uri: true,
      log_incoming_messages: false,
      is_voice_request: true,
      application_type: 'XML',
      log_incoming_message: false,
      sub_account: null,
      resource_uri: appUri(bob, id),
    });
  });

  test('a form-encoded body works', async () => {
    const r = await srv.plivo(alice, 'POST', 'Application/', {
      form: { app_name: 'form app', answer_url: 'https://example.com/f', answer_method: 'GET', log_incoming_messages: 'false' },
    });
    assert.equal(r.status, 201, r.text);
    const o = await getApp(alice, r.json.app_id);
    assert.equal(o.app_name, 'form app');
    assert.equal(o.answer_method, 'GET');
    assert.equal(o.log_incoming_messages, false);
  });

  test('app_name and answer_url are required: 400 naming them, nothing created', async () => {
    const before = (await listApps(alice)).meta.total_count;
    const cases = [
      [{}, /app_name|answer_url/], [{ app_name: 'x' }, /answer_url/], [{ answer_url: 'https://e.com/' }, /app_name/],
      [{ app_name: '', answer_url: 'https://e.com/' }, /app_name/], [{ app_name: 'x', answer_url: '' }, /answer_url/],
      [{ app_name: 'x'.repeat(65), answer_url: 'https://e.com/' }, /app_name/],
      [{ app_name: 'bad\u0007name', answer_url: 'https://e.com/' }, /app_name/],
    ];
    for (const [body, msg] of cases) {
      assertPlivoError(await srv.plivo(alice, 'POST', 'Application/', { body }), 400, msg);
    }
    assert.equal((await listApps(alice)).meta.total_count, before);
  });

  test('URLs must be absolute http(s): 400 naming the field', async () => {
    const before = (await listApps(alice)).meta.total_count;
    const bad = ['example.com/a', '/relative', 'ftp://example.com/a', 'http://', 'https://', 'javascript:alert(1)',
      'mailto:a@example.com', 'http//example.com', 'not a url'];
    for (const field of URL_FIELDS) {
      for (const v of bad) {
        const r = await srv.plivo(alice, 'POST', 'Application/',
          { body: { app_name: uniqueName('badurl'), answer_url: 'https://example.com/a', [field]: v } });
        assertPlivoError(r, 400, new RegExp(field));
      }
    }
    assert.equal((await listApps(alice)).meta.total_count, before);
  });

  test('methods are GET or POST: anything else 400 naming the field', async () => {
    for (const field of METHOD_FIELDS) {
      for (const v of ['PUT', 'DELETE', 'PATCH', 'POSTS', '', 'G', 1, true]) {
        const r = await srv.plivo(alice, 'POST', 'Application/',
          { body: { app_name: uniqueName('badmethod'), answer_url: 'https://example.com/a', [field]: v } });
        assertPlivoError(r, 400, new RegExp(field));
      }
      const id = await createApp(alice, { [field]: 'GET' });
      assert.equal((await getApp(alice, id))[field], 'GET');
    }
  });

  test('booleans other than true/false/"true"/"false": 400 naming the field', async () => {
    for (const field of BOOL_FIELDS) {
      // ("1"/"0" are PHP's spellings of true/false: accepted)
      for (const v of ['yes', '2', 1, 'on', 'TRUEISH']) {
        const r = await srv.plivo(alice, 'POST', 'Application/',
          { body: { app_name: uniqueName('badbool'), answer_url: 'https://example.com/a', [field]: v } });
        assertPlivoError(r, 400, new RegExp(field));
      }
    }
  });

  test('an unknown field: 400 naming it', async () => {
    const r = await srv.plivo(alice, 'POST', 'Application/',
      { body: { app_name: 'unknown-field', answer_url: 'https://example.com/a', answer_urll: 'https://example.com/b' } });
    assertPlivoError(r, 400, 'unknown parameter: answer_urll');
    assert.equal((await listApps(alice, { app_name: 'unknown-field' })).meta.total_count, 0);
  });

  test('app_name is unique per account: 409; another account may reuse it', async () => {
    await createApp(alice, { app_name: 'shared name' });
    const r = await srv.plivo(alice, 'POST', 'Application/',
      { body: { app_name: 'shared name', answer_url: 'https://example.com/other' } });
    assertPlivoError(r, 409);
    assert.equal((await listApps(alice, { app_name: 'shared name' })).meta.total_count, 1);
    const bobs = await createApp(bob, { app_name: 'shared name' });
    assert.equal((await getApp(bob, bobs)).app_name, 'shared name');
  });
});

// ---- default_number_app ----------------------------------------------------------

describe('default_number_app', () => {
  let acct;
  before(async () => { acct = await srv.createAccount('defaults'); });

  test('at most one per account: setting it (create or update) clears the previous one', async () => {
    const a1 = await createApp(acct, { default_number_app: true });
    await assertDefaults(acct, [a1]);
    const a2 = await createApp(acct, { default_number_app: 'true' });
    await assertDefaults(acct, [a2]);
    const a3 = await createApp(acct);
    await assertDefaults(acct, [a2]);
    let r = await srv.plivo(acct, 'POST', `Application/${a3}/`, { body: { default_number_app: true } });
    assert.equal(r.status, 202, r.text);
    await assertDefaults(acct, [a3]);
    r = await srv.plivo(acct, 'POST', `Application/${a3}/`, { body: { default_number_app: 'false' } });
    assert.equal(r.status, 202, r.text);
    await assertDefaults(acct, []);
    // another account's default is independent
    const b = await createApp(bob, { default_number_app: true });
    await createApp(acct, { default_number_app: true });
    assert.equal((await getApp(bob, b)).default_number_app, true);
  });

  test('buy without app_id gets the default app; explicit app_id wins; no default: null', async () => {
    const buyer = await srv.createAccount('buyer');
    const none = nextNumber();
    await buy(buyer, none);
    assert.equal((await getNumber(buyer, none)).application, null);

    const def = await createApp(buyer, { default_number_app: true });
    const other = await createApp(buyer);
    const n1 = nextNumber();
    await buy(buyer, n1);
    assert.equal((await getNumber(buyer, n1)).application, appUri(buyer, def));
    const n2 = nextNumber();
    await buy(buyer, n2, { app_id: other });
    assert.equal((await getNumber(buyer, n2)).application, appUri(buyer, other));
    // the earlier number did not change
    assert.equal((await getNumber(buyer, none)).application, null);

    // clearing the flag: the next buy gets no application
    await srv.plivo(buyer, 'POST', `Application/${def}/`, { body: { default_number_app: false } });
    const n3 = nextNumber();
    await buy(buyer, n3);
    assert.equal((await getNumber(buyer, n3)).application, null);
    assert.equal((await getNumber(buyer, n1)).application, appUri(buyer, def));
  });

  test("buy with an unknown or another account's app_id: 400, nothing bought", async () => {
    const n = NUMBERS[NUMBERS.length - 1];
    const bobs = await createApp(bob);
    for (const app_id of [bobs, '12345678901234567']) {
      assertPlivoError(await srv.buy(alice, n, { app_id }), 400, /app_id/);
    }
    const s = await srv.search(alice, { country_iso: 'US', pattern: n.slice(1) });
    assert.equal(s.json.meta.total_count, 1);
  });

  test('deleting the default app: later buys get no application', async () => {
    const buyer = await srv.createAccount('buyer2');
    const def = await createApp(buyer, { default_number_app: true });
    const r = await srv.plivo(buyer, 'DELETE', `Application/${def}/`);
    assert.equal(r.status, 204, r.text);
    const n = nextNumber();
    await buy(buyer, n);
    assert.equal((await getNumber(buyer, n)).application, null);
  });
});

// ---- list --------------------------------------------------------------------------

describe('list', () => {
  let acct;
  let ids;
  before(async () => {
    acct = await srv.createAccount('lister');
    ids = [];
    for (const name of ['alpha', 'beta', 'gamma', 'alphabet', 'Alpha']) ids.push(await createApp(acct, { app_name: name }));
  });

  test('Plivo envelope; objects equal GET minus api_id; paging is stable and complete', async () => {
    const r = await srv.plivo(acct, 'GET', 'Application/');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['api_id', 'meta', 'objects']);
    assert.deepEqual(r.json.meta, { limit: 20, next: null, offset: 0, previous: null, total_count: 5 });
    assert.deepEqual(r.json.objects.map((o) => o.app_id).sort(), [...ids].sort());
    for (const o of r.json.objects) assert.deepEqual(o, await getApp(acct, o.app_id));
    const paged = [];
    let p = await listApps(acct, { limit: 2 });
    assert.equal(p.meta.previous, null);
    for (;;) {
      paged.push(...p.objects.map((o) => o.app_id));
      assert.equal(p.meta.total_count, 5);
      if (!p.meta.next) break;
      const q = Object.fromEntries(new URLSearchParams(p.meta.next.split('?')[1]));
      assert.match(p.meta.next, new RegExp(`^/v1/Account/${acct.auth_id}/Application/\\?`));
      p = await listApps(acct, q);
      assert.notEqual(p.meta.previous, null);
    }
    assert.deepEqual(paged, r.json.objects.map((o) => o.app_id));
  });

  test('app_name filters by exact name (not prefix, not case-folded); next keeps the filter', async () => {
    let r = await listApps(acct, { app_name: 'alpha' });
    assert.deepEqual(r.objects.map((o) => o.app_id), [ids[0]]);
    assert.equal(r.meta.total_count, 1);
    r = await listApps(acct, { app_name: 'alph' });
    assert.equal(r.meta.total_count, 0);
    r = await listApps(acct, { app_name: 'Alpha' });
    assert.deepEqual(r.objects.map((o) => o.app_id), [ids[4]]);
    r = await listApps(acct, { app_name: 'nothing' });
    assert.deepEqual(r.objects, []);
    // a filter that matches one app and a page size of 1: next stays null; the other account sees nothing
    r = await listApps(acct, { app_name: 'beta', limit: 1 });
    assert.equal(r.meta.next, null);
    assert.equal((await listApps(bob, { app_name: 'beta' })).meta.total_count, 0);
  });

  test('bad limit/offset or an unknown parameter: 400', async () => {
    for (const query of [{ limit: 0 }, { limit: 21 }, { offset: -1 }, { limit: 'ten' }]) {
      assertPlivoError(await srv.plivo(acct, 'GET', 'Application/', { query }), 400, new RegExp(Object.keys(query)[0]));
    }
    assertPlivoError(await srv.plivo(acct, 'GET', 'Application/', { query: { name: 'alpha' } }), 400, /name/);
  });
});

// ---- update --------------------------------------------------------------------------

describe('update', () => {
  test('202 {api_id, message: "changed"}; only the given fields change', async () => {
    const id = await createApp(alice, { app_name: 'upd-base', hangup_url: 'https://example.com/h', message_method: 'GET' });
    const before = await getApp(alice, id);
    const r = await srv.plivo(alice, 'POST', `Application/${id}/`,
      { body: { answer_url: 'https://example.com/new', answer_method: 'GET', log_incoming_messages: false } });
    assert.equal(r.status, 202, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['api_id', 'message']);
    assert.match(r.json.api_id, UUID_RE);
    assert.equal(r.json.message, 'changed');
    assert.deepEqual(await getApp(alice, id),
      { ...before, answer_url: 'https://example.com/new', answer_method: 'GET', log_incoming_messages: false, log_incoming_message: false });

    const f = await srv.plivo(alice, 'POST', `Application/${id}/`, { form: { app_name: 'upd-renamed', public_uri: 'true' } });
    assert.equal(f.status, 202, f.text);
    const o = await getApp(alice, id);
    assert.equal(o.app_name, 'upd-renamed');
    assert.equal(o.public_uri, true);
    assert.equal(o.hangup_url, 'https://example.com/h');
    assert.equal(o.message_method, 'GET');
  });

  test('"" clears an optional URL; renaming an app to its own name is fine', async () => {
    const id = await createApp(alice, { app_name: 'clear-me', hangup_url: 'https://example.com/h',
      fallback_answer_url: 'https://example.com/f', message_url: 'https://example.com/m' });
    const r = await srv.plivo(alice, 'POST', `Application/${id}/`,
      { body: { hangup_url: '', fallback_answer_url: '', message_url: '', app_name: 'clear-me' } });
    assert.equal(r.status, 202, r.text);
    const o = await getApp(alice, id);
    assert.equal(o.hangup_url, '');
    assert.equal(o.fallback_answer_url, '');
    assert.equal(o.message_url, '');
    assert.equal(o.app_name, 'clear-me');
  });

  test('null for an optional URL either clears it or is refused, never a silent no-op 202', async () => {
    const id = await createApp(alice, { hangup_url: 'https://example.com/h', message_url: 'https://example.com/m' });
    const r = await srv.plivo(alice, 'POST', `Application/${id}/`, { body: { hangup_url: null, message_url: null } });
    const o = await getApp(alice, id);
    if (r.status === 400) {
      assertPlivoError(r, 400, /hangup_url|message_url/);
      assert.equal(o.hangup_url, 'https://example.com/h');
    } else {
      assert.equal(r.status, 202, r.text);
      assert.equal(o.hangup_url, '', 'hangup_url: null answered 202 "changed" but the field kept its value');
      assert.equal(o.message_url, '', 'message_url: null answered 202 "changed" but the field kept its value');
    }
  });

  test('invalid values, unknown fields, a duplicate name: 400/409 and nothing changes', async () => {
    await createApp(alice, { app_name: 'taken' });
    const id = await createApp(alice, { app_name: 'unchanged' });
    const before = await getApp(alice, id);
    const bad = [
      [{ answer_url: '' }, 400, /answer_url/], [{ answer_url: 'nope' }, 400, /answer_url/],
      [{ hangup_url: 'ftp://example.com/' }, 400, /hangup_url/], [{ answer_method: 'PUT' }, 400, /answer_method/],
      [{ app_name: '' }, 400, /app_name/], [{ default_number_app: 'maybe' }, 400, /default_number_app/],
      [{ app_name: 'fine', colour: 'red' }, 400, /unknown parameter: colour/],
      [{ app_id: '12345678901234567' }, 400, /app_id/],
      [{ app_name: 'taken' }, 409, undefined],
      [{ answer_url: 'https://example.com/ok', app_name: 'taken' }, 409, undefined],
    ];
    for (const [body, status, msg] of bad) {
      assertPlivoError(await srv.plivo(alice, 'POST', `Application/${id}/`, { body }), status, msg);
    }
    assert.deepEqual(await getApp(alice, id), before);
  });

  test("unknown app or another account's app: 404, nothing changes", async () => {
    const bobs = await createApp(bob, { app_name: 'bobs-app' });
    const before = await getApp(bob, bobs);
    for (const id of ['12345678901234567', 'nope', bobs]) {
      assertPlivoError(await srv.plivo(alice, 'POST', `Application/${id}/`, { body: { app_name: 'hijacked' } }), 404, 'not found');
      assertPlivoError(await srv.plivo(alice, 'GET', `Application/${id}/`), 404, 'not found');
    }
    assert.deepEqual(await getApp(bob, bobs), before);
  });
});

// ---- delete --------------------------------------------------------------------------

describe('delete', () => {
  test('204 no body; gone from get and list; a second delete 404; the name is free again', async () => {
    const id = await createApp(alice, { app_name: 'short-lived' });
    const r = await srv.plivo(alice, 'DELETE', `Application/${id}/`);
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, '');
    assertPlivoError(await srv.plivo(alice, 'GET', `Application/${id}/`), 404, 'not found');
    assertPlivoError(await srv.plivo(alice, 'DELETE', `Application/${id}/`), 404, 'not found');
    assertPlivoError(await srv.plivo(alice, 'POST', `Application/${id}/`, { body: { app_name: 'x' } }), 404, 'not found');
    assert.equal((await listApps(alice, { app_name: 'short-lived' })).meta.total_count, 0);
    const again = await createApp(alice, { app_name: 'short-lived' });
    assert.notEqual(again, id);
  });

  test('numbers that pointed at it get application null; others keep theirs', async () => {
    const doomed = await createApp(alice);
    const kept = await createApp(alice);
    const n1 = nextNumber();
    const n2 = nextNumber();
    const n3 = nextNumber();
    await buy(alice, n1, { app_id: doomed });
    await buy(alice, n2);
    assert.equal((await srv.plivo(alice, 'POST', `Number/${n2}/`, { body: { app_id: doomed } })).status, 202);
    await buy(alice, n3, { app_id: kept });
    assert.equal((await getNumber(alice, n1)).application, appUri(alice, doomed));
    const r = await srv.plivo(alice, 'DELETE', `Application/${doomed}/`);
    assert.equal(r.status, 204, r.text);
    assert.equal((await getNumber(alice, n1)).application, null);
    assert.equal((await getNumber(alice, n2)).application, null);
    assert.equal((await getNumber(alice, n3)).application, appUri(alice, kept));
  });

  test("another account's app: 404 and it survives", async () => {
    const bobs = await createApp(bob);
    assertPlivoError(await srv.plivo(alice, 'DELETE', `Application/${bobs}/`), 404, 'not found');
    assert.equal((await getApp(bob, bobs)).app_id, bobs);
  });
});

// ---- numbers and applications ----------------------------------------------------------

test("Number update: app_id links, \"\" and null unlink; unknown or another account's app: 400", async () => {
  const app = await createApp(alice);
  const app2 = await createApp(alice);
  const bobs = await createApp(bob);
  const n = nextNumber();
  await buy(alice, n);
  let r = await srv.plivo(alice, 'POST', `Number/${n}/`, { body: { app_id: app } });
  assert.equal(r.status, 202, r.text);
  assert.equal((await getNumber(alice, n)).application, appUri(alice, app));
  for (const app_id of [bobs, '12345678901234567', 'junk']) {
    assertPlivoError(await srv.plivo(alice, 'POST', `Number/${n}/`, { body: { app_id } }), 400, /app_id/);
  }
  assert.equal((await getNumber(alice, n)).application, appUri(alice, app));
  r = await srv.plivo(alice, 'POST', `Number/${n}/`, { form: { app_id: app2 } });
  assert.equal(r.status, 202, r.text);
  assert.equal((await getNumber(alice, n)).application, appUri(alice, app2));
  r = await srv.plivo(alice, 'POST', `Number/${n}/`, { body: { app_id: '' } });
  assert.equal(r.status, 202, r.text);
  assert.equal((await getNumber(alice, n)).application, null);
  await srv.plivo(alice, 'POST', `Number/${n}/`, { body: { app_id: app } });
  r = await srv.plivo(alice, 'POST', `Number/${n}/`, { body: { app_id: null } });
  assert.equal(r.status, 202, r.text);
  assert.equal((await getNumber(alice, n)).application, null);
});

// ---- applications of subaccounts ---------------------------------------------------------

describe('applications and subaccounts', () => {
  let main;
  let sub;
  let sib;
  before(async () => {
    main = await srv.createAccount('parent');
    sub = await createSub(main, 'app-sub');
    sib = await createSub(main, 'app-sib');
  });

  test("main creates an app for its subaccount: sub_account is the subaccount's URI; the subaccount sees it", async () => {
    const id = await createApp(main, { app_name: 'for-sub', subaccount: sub.auth_id });
    const o = await getApp(main, id);
    assert.equal(o.sub_account, subUri(main, sub));
    const s = await srv.plivo(main, 'GET', `Subaccount/${sub.auth_id}/`);
    assert.equal(o.sub_account, s.json.resource_uri);
    const seen = await srv.plivo(sub, 'GET', `Application/${id}/`);
    assert.equal(seen.status, 200, seen.text);
    assert.equal(seen.json.app_name, 'for-sub');
    assert.ok((await allApps(sub)).some((a) => a.app_id === id));
    assertPlivoError(await srv.plivo(sib, 'GET', `Application/${id}/`), 404, 'not found');
  });

  test('subaccount not of the caller (another account\'s, a main id, unknown, deleted): 400, nothing created', async () => {
    const bobs = await createSub(bob, 'bob-sub');
    const gone = await createSub(main, 'gone');
    await srv.plivo(main, 'DELETE', `Subaccount/${gone.auth_id}/`);
    const before = (await listApps(main)).meta.total_count;
    for (const subaccount of [bobs.auth_id, bob.auth_id, main.auth_id, 'SA00000000000000000Z', gone.auth_id, 'garbage']) {
      const r = await srv.plivo(main, 'POST', 'Application/',
        { body: { app_name: uniqueName('badsub'), answer_url: 'https://example.com/a', subaccount } });
      assertPlivoError(r, 400, /subaccount/);
    }
    assert.equal((await listApps(main)).meta.total_count, before);
    assert.equal((await listApps(bobs)).meta.total_count, 0);
  });

  test('main moves an app to a subaccount and back with update {subaccount}', async () => {
    const id = await createApp(main, { app_name: 'mover' });
    let r = await srv.plivo(main, 'POST', `Application/${id}/`, { body: { subaccount: sib.auth_id } });
    assert.equal(r.status, 202, r.text);
    assert.equal((await getApp(main, id)).sub_account, subUri(main, sib));
    assert.equal((await srv.plivo(sib, 'GET', `Application/${id}/`)).status, 200);
    r = await srv.plivo(main, 'POST', `Application/${id}/`, { body: { subaccount: '' } });
    assert.equal(r.status, 202, r.text);
    assert.equal((await getApp(main, id)).sub_account, null);
    assertPlivoError(await srv.plivo(sib, 'GET', `Application/${id}/`), 404, 'not found');
  });

  test('a subaccount caller sending subaccount (even its own): 403, nothing created or changed', async () => {
    const before = (await listApps(main)).meta.total_count;
    for (const subaccount of [sub.auth_id, sib.auth_id, '']) {
      const r = await srv.plivo(sub, 'POST', 'Application/',
        { body: { app_name: uniqueName('sub403'), answer_url: 'https://example.com/a', subaccount } });
      assertPlivoError(r, 403);
    }
    assert.equal((await listApps(main)).meta.total_count, before);
    const own = await createApp(sub, { app_name: 'sub-own-403' });
    const state = await getApp(main, own);
    assertPlivoError(await srv.plivo(sub, 'POST', `Application/${own}/`, { body: { subaccount: sib.auth_id } }), 403);
    assertPlivoError(await srv.plivo(sub, 'POST', `Application/${own}/`, { body: { subaccount: '' } }), 403);
    assert.deepEqual(await getApp(main, own), state);
  });

  test('an app a subaccount creates belongs to it (the same sub_account URI in both views)', async () => {
    const id = await createApp(sub, { app_name: 'made-by-sub' });
    const asMain = await getApp(main, id);
    assert.equal(asMain.sub_account, subUri(main, sub));
    assert.equal(asMain.resource_uri, appUri(main, id));
    const asSub = await getApp(sub, id);
    assert.equal(asSub.app_name, 'made-by-sub');
    // the subaccount resource lives under the parent (GET Subaccount/{SA}/ shows this resource_uri)
    assert.equal(asSub.sub_account, subUri(main, sub),
      'the subaccount sees its own app with sub_account built from its own id instead of the parent\'s');
  });

  test('a subaccount lists and gets only its own apps; it can update and delete them', async () => {
    const parents = await createApp(main, { app_name: 'parents-only' });
    const sibs = await createApp(main, { app_name: 'sibs-only', subaccount: sib.auth_id });
    const mine = await createApp(sub, { app_name: 'subs-own' });
    const list = await allApps(sub);
    const ids = list.map((a) => a.app_id);
    assert.ok(ids.includes(mine));
    assert.ok(!ids.includes(parents) && !ids.includes(sibs));
    // (the exact form of sub_account in the subaccount's view is checked in the test above)
    for (const a of list) assert.match(a.sub_account, new RegExp(`/Subaccount/${sub.auth_id}/$`), a.app_id);
    assert.equal((await listApps(sub, { app_name: 'parents-only' })).meta.total_count, 0);
    for (const id of [parents, sibs]) assertPlivoError(await srv.plivo(sub, 'GET', `Application/${id}/`), 404, 'not found');
    let r = await srv.plivo(sub, 'POST', `Application/${mine}/`, { body: { answer_url: 'https://example.com/sub' } });
    assert.equal(r.status, 202, r.text);
    assert.equal((await getApp(main, mine)).answer_url, 'https://example.com/sub');
    r = await srv.plivo(sub, 'DELETE', `Application/${mine}/`);
    assert.equal(r.status, 204, r.text);
    assertPlivoError(await srv.plivo(main, 'GET', `Application/${mine}/`), 404, 'not found');
    // the parent sees every app of the account, its subaccounts' included
    const all = (await allApps(main)).map((a) => a.app_id);
    assert.ok(all.includes(parents) && all.includes(sibs));
  });

  test("a subaccount links its number only to its own apps (the parent's: 400)", async () => {
    const n = nextNumber();
    await buy(main, n, { subaccount: sub.auth_id });
    const parents = await createApp(main);
    const mine = await createApp(sub);
    assertPlivoError(await srv.plivo(sub, 'POST', `Number/${n}/`, { body: { app_id: parents } }), 400, /app_id/);
    const r = await srv.plivo(sub, 'POST', `Number/${n}/`, { body: { app_id: mine } });
    assert.equal(r.status, 202, r.text);
    assert.equal((await getNumber(main, n)).application, appUri(main, mine));
  });

  test("a subaccount's default_number_app does not clear or replace its parent's default", async () => {
    const parent = await srv.createAccount('parent-default');
    const child = await createSub(parent, 'child-default');
    const parentDefault = await createApp(parent, { default_number_app: true });
    const r = await srv.plivo(child, 'POST', 'Application/',
      { body: { app_name: 'child wants default', answer_url: 'https://example.com/c', default_number_app: true } });
    // whether or not a subaccount may hold a default app of its own, it must not change the parent's app
    if (r.status === 201) {
      const childApp = r.json.app_id;
      const other = await createApp(child);
      await srv.plivo(child, 'POST', `Application/${other}/`, { body: { default_number_app: true } });
      assert.equal((await getApp(parent, childApp)).sub_account, subUri(parent, child));
    } else {
      assert.ok([400, 403].includes(r.status), r.text);
    }
    assert.equal((await getApp(parent, parentDefault)).default_number_app, true,
      "the parent's default_number_app was cleared by a subaccount");
    const n = nextNumber();
    await buy(parent, n);
    assert.equal((await getNumber(parent, n)).application, appUri(parent, parentDefault),
      "the parent's own purchase got the subaccount's application");
  });
});

// ---- the official SDK ------------------------------------------------------------------------

// How the SDK's application calls reach numberd.
//
// plivo 4.79.0 adds is_voice_request to every applications.* call, and its
// request layer (node_modules/plivo/dist/rest/axios.js, apiVoiceUris /
// isVoiceReq) then throws away the configured base URL and sends the request
// to https://api.plivo.com/v1/Account/{auth_id}/Application/... (with up to
// two retries to the same host on a 5xx). We leave the SDK untouched and
// route at the connection level instead:
//
//  - that request is made by a per-request instance,
//    axios.create({httpsAgent: axios.defaults.httpsAgent, ...}), so whatever
//    https.Agent sits in axios.defaults when the call is made carries it;
//  - we put there an https.Agent whose createConnection() returns a plain TCP
//    socket to numberd for host api.plivo.com (port 443) and refuses every
//    other host, so nothing can ever leave the machine. Node's https client
//    leaves TLS to the agent, so the request goes out as ordinary HTTP/1.1
//    on that socket: method, path, query, headers (Host: api.plivo.com,
//    Authorization, Content-Type) and body exactly as the SDK built them;
//    numberd does not look at Host.
//
// Rejected alternatives: HTTPS_PROXY / the SDK's `proxy` option make axios
// (and https-proxy-agent) CONNECT-tunnel and then speak TLS to the origin, so
// a local proxy would need a trusted certificate for api.plivo.com (or TLS
// verification turned off process-wide); and numberd answers absolute-form
// request targets ("GET https://api.plivo.com/v1/...") with 404, so a plain
// forward proxy pointed at numberd would not work either.
//
// Only this test process is affected, and only for the duration of this block
// (the previous agent is restored afterwards).

describe('Plivo Node SDK (plivo 4.79.0) applications', () => {
  // the very axios instance the SDK uses (resolved from the SDK's own location)
  const axios = require(require.resolve('axios', { paths: [path.dirname(require.resolve('plivo'))] }));
  const routed = [];
  let savedAgent;
  let client;

  class ToNumberd extends https.Agent {
    createConnection(options, cb) {
      const host = options.host || options.hostname;
      if (host !== 'api.plivo.com' || Number(options.port || 443) !== 443) {
        const err = new Error(`test agent: refusing to connect to ${host}:${options.port}`);
        process.nextTick(() => cb(err));
        return undefined;
      }
      routed.push(`${options.method || ''} ${options.path || ''}`.trim());
      return net.connect({ host: '127.0.0.1', port: srv.port });
    }
  }

  before(() => {
    savedAgent = axios.defaults.httpsAgent;
    axios.defaults.httpsAgent = new ToNumberd({ keepAlive: false });
    client = new plivo.Client(alice.auth_id, alice.auth_token, { url: `${srv.base}/v1/Account/${alice.auth_id}` });
  });
  after(() => { axios.defaults.httpsAgent = savedAgent; });

  test('create → appId; get → the app; the requests went to numberd through the routing agent', async () => {
    const before = routed.length;
    const c = await client.applications.create('sdk-app', {
      answerUrl: 'https://example.com/sdk/answer', answerMethod: 'GET', hangupUrl: 'https://example.com/sdk/hangup',
      messageUrl: 'https://example.com/sdk/msg', logIncomingMessages: false,
    });
    assert.match(c.appId, APP_ID_RE);
    assert.equal(c.message, 'created');
    assert.match(c.apiId, UUID_RE);
    // numberd really has it, with every field the SDK sent (is_voice_request included)
    const raw = await getApp(alice, c.appId);
    assert.equal(raw.app_name, 'sdk-app');
    assert.equal(raw.answer_url, 'https://example.com/sdk/answer');
    assert.equal(raw.answer_method, 'GET');
    assert.equal(raw.hangup_url, 'https://example.com/sdk/hangup');
    assert.equal(raw.message_url, 'https://example.com/sdk/msg');
    assert.equal(raw.log_incoming_messages, false);

    const g = await client.applications.get(c.appId);
    assert.equal(g.appId, c.appId);
    assert.equal(g.appName, 'sdk-app');
    assert.equal(g.answerUrl, 'https://example.com/sdk/answer');
    assert.equal(g.answerMethod, 'GET');
    assert.equal(g.hangupMethod, 'POST');
    assert.equal(g.messageMethod, 'POST');
    assert.equal(g.fallbackAnswerUrl, '');
    assert.equal(g.defaultEndpointApp, false);
    assert.equal(g.subAccount, null);
    assert.equal(g.resourceUri, appUri(alice, c.appId));
    assert.match(g.apiId, UUID_RE);
    assert.ok(routed.length >= before + 2, `routed: ${routed.slice(before)}`);
  });

  test('update → "changed" and numberd shows the change; list finds it', async () => {
    const c = await client.applications.create('sdk-upd', { answerUrl: 'https://example.com/u1' });
    const u = await client.applications.update(c.appId, { answerUrl: 'https://example.com/u2', defaultNumberApp: true });
    assert.equal(u.message, 'changed');
    const raw = await getApp(alice, c.appId);
    assert.equal(raw.answer_url, 'https://example.com/u2');
    assert.equal(raw.default_number_app, true);
    assert.equal(raw.app_name, 'sdk-upd');
    // app ids are random, so the account's first page need not hold it:
    // filter by name (the list is ordered by app_id)
    const l = await client.applications.list({ appName: 'sdk-upd', limit: 20 });
    assert.ok(Array.isArray(l));
    assert.equal(l.meta.totalCount, 1);
    assert.ok(l.some((a) => a.appId === c.appId && a.answerUrl === 'https://example.com/u2'));
  });

  test('delete → true; then get rejects with 404 not found; a duplicate name rejects', async () => {
    const c = await client.applications.create('sdk-del', { answerUrl: 'https://example.com/d' });
    await assert.rejects(client.applications.create('sdk-del', { answerUrl: 'https://example.com/d' }), (err) => {
      assert.equal(err.status, 409);
      return true;
    });
    assert.equal(await client.applications.delete(c.appId), true);
    assertPlivoError(await srv.plivo(alice, 'GET', `Application/${c.appId}/`), 404, 'not found');
    await assert.rejects(client.applications.get(c.appId), (err) => {
      assert.equal(err.status, 404);
      assert.equal(err.message, 'not found');
      return true;
    });
  });
});
