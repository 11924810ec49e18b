'use strict';
// API.md §4: the admin API (accounts, API keys, inventory import and
// stats, compliance), with the inventory CSV format of CLI.md.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { start, assertProblem, csv, ALL_COLUMNS, UUID_RE, generateCsv } = require('./lib/server');

let srv;

before(async () => { srv = await start(); });
after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

const AUTH_ID_RE = /^MA[A-Z0-9]{18}$/;
const TOKEN_RE = /^[A-Za-z0-9]{40}$/;
const API_KEY_RE = /^nd_live_[A-Za-z0-9_-]{43}$/;

async function stats() {
  const r = await srv.admin('GET', '/admin/v1/inventory/stats');
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function find(acct, number) {
  const cc = number.startsWith('44') ? 'GB' : 'US';
  const r = await srv.search(acct, { country_iso: cc, pattern: number.slice(cc === 'GB' ? 2 : 1) });
  assert.equal(r.status, 200, r.text);
  return r.json.objects.find((o) => o.number === number);
}

function assertImport(r, { imported, updated, rejected }) {
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.equal(r.json.imported, imported, r.text);
  assert.equal(r.json.updated, updated, r.text);
  assert.deepEqual(r.json.rejected, rejected, r.text);
}

// ---- accounts ----------------------------------------------------------------

describe('accounts', () => {
  test('create: 201 with auth_id, auth_token, api_key and name', async () => {
    const r = await srv.admin('POST', '/admin/v1/accounts', { name: 'Acme Corp' });
    assert.equal(r.status, 201, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(Object.keys(r.json).sort(), ['api_key', 'auth_id', 'auth_token', 'name']);
    assert.match(r.json.auth_id, AUTH_ID_RE);
    assert.match(r.json.auth_token, TOKEN_RE);
    assert.match(r.json.api_key, API_KEY_RE);
    assert.equal(r.json.name, 'Acme Corp');
    // the credentials work on the Plivo dialect at once
    const s = await srv.search(r.json, { country_iso: 'US' });
    assert.equal(s.status, 200, s.text);
  });

  test('every account gets fresh identifiers and secrets', async () => {
    const seen = { auth_id: new Set(), auth_token: new Set(), api_key: new Set() };
    for (let i = 0; i < 5; i++) {
      const a = await srv.createAccount(`same name`);
      for (const k of Object.keys(seen)) seen[k].add(a[k]);
    }
    for (const k of Object.keys(seen)) assert.equal(seen[k].size, 5, k);
  });

  test('a name of 64 characters is fine; UTF-8 names round-trip', async () => {
    let r = await srv.admin('POST', '/admin/v1/accounts', { name: 'x'.repeat(64) });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.name, 'x'.repeat(64));
    r = await srv.admin('POST', '/admin/v1/accounts', { name: 'Société Générale — Zürich' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.name, 'Société Générale — Zürich');
    const list = (await srv.admin('GET', '/admin/v1/accounts')).json.data;
    assert.equal(list.find((x) => x.auth_id === r.json.auth_id).name, 'Société Générale — Zürich');
  });

  test('validation errors: 400 problem+json', async () => {
    assertProblem(await srv.admin('POST', '/admin/v1/accounts', {}), 400, /name/);
    assertProblem(await srv.admin('POST', '/admin/v1/accounts'), 400, /name/);
    assertProblem(await srv.admin('POST', '/admin/v1/accounts', { name: '' }), 400, /name/);
    assertProblem(await srv.admin('POST', '/admin/v1/accounts', { name: 'x'.repeat(65) }), 400, /name/);
    assertProblem(await srv.admin('POST', '/admin/v1/accounts', { name: 'a\u0001b' }), 400, /name/);
    assertProblem(await srv.admin('POST', '/admin/v1/accounts', { name: true }), 400, /name/);
    assertProblem(await srv.admin('POST', '/admin/v1/accounts', { name: ['x'] }), 400, /name/);
    assertProblem(await srv.admin('POST', '/admin/v1/accounts', { name: 'ok', plan: 'gold' }), 400,
      'unknown parameter: plan');
    assertProblem(await srv.admin('POST', '/admin/v1/accounts', '{"name":'), 400, /invalid JSON/);
    assertProblem(await srv.admin('POST', '/admin/v1/accounts', '{"name":"a","name":"b"}'), 400, /duplicate/);
  });

  test('a failed create creates nothing', async () => {
    const before = (await srv.admin('GET', '/admin/v1/accounts')).json;
    await srv.admin('POST', '/admin/v1/accounts', { name: '' });
    await srv.admin('POST', '/admin/v1/accounts', { name: 'x', extra: 1 });
    const afterList = (await srv.admin('GET', '/admin/v1/accounts')).json;
    assert.deepEqual(afterList, before);
  });

  test('list: every account, no secrets', async () => {
    const a = await srv.createAccount('listed-one');
    const b = await srv.createAccount('listed-two');
    const r = await srv.admin('GET', '/admin/v1/accounts');
    assert.equal(r.status, 200, r.text);
    const list = r.json.data;
    assert.ok(Array.isArray(list));
    assert.equal(r.json.total, list.length);
    const byId = new Map(list.map((x) => [x.auth_id, x]));
    assert.equal(byId.get(a.auth_id).name, 'listed-one');
    assert.equal(byId.get(b.auth_id).name, 'listed-two');
    for (const x of list) {
      assert.match(x.auth_id, AUTH_ID_RE);
      for (const k of ['auth_token', 'api_key', 'token', 'token_hash', 'key_hash', 'password']) {
        assert.equal(k in x, false, `list shows ${k}`);
      }
    }
    for (const secret of [a.auth_token, a.api_key, b.auth_token, b.api_key, srv.adminToken]) {
      assert.equal(r.text.includes(secret), false, 'a secret leaked into the list');
    }
  });

  // The console fetched every account at each sign-in and page turn (no
  // paging in the API: a helper's audit, session 38).  limit/offset give a
  // page of the same order; find narrows to a name or auth_id; total counts
  // what matches.
  test('list: a page (limit, offset), find in name or auth_id; bad values 400', async () => {
    const tag = `pg${Date.now() % 100000}`;
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await srv.createAccount(`${tag}-acct-${i}`));
    const all = (await srv.admin('GET', '/admin/v1/accounts')).json;
    const page = (await srv.admin('GET', '/admin/v1/accounts?limit=2&offset=1')).json;
    assert.deepEqual(page.data, all.data.slice(1, 3));
    assert.equal(page.total, all.total);
    assert.equal(page.limit, 2);
    assert.equal(page.offset, 1);
    const found = (await srv.admin('GET', `/admin/v1/accounts?find=${tag.toUpperCase()}-ACCT&limit=3`)).json;
    assert.equal(found.total, 5);
    assert.deepEqual(found.data.map((x) => x.name), made.slice(0, 3).map((_, i) => `${tag}-acct-${i}`));
    const byId = (await srv.admin('GET', `/admin/v1/accounts?find=${made[4].auth_id.slice(3, 12)}`)).json;
    assert.ok(byId.data.some((x) => x.auth_id === made[4].auth_id));
    assert.equal(byId.limit, undefined, 'without limit: every match, no page');
    for (const q of ['limit=0', 'limit=1001', 'offset=-1', 'find=', 'limit=x', 'colour=red']) {
      assertProblem(await srv.admin('GET', `/admin/v1/accounts?${q}`), 400);
    }
  });
});

// ---- API keys ----------------------------------------------------------------

describe('api-keys', () => {
  let acct;
  before(async () => { acct = await srv.createAccount('keys'); });
  const create = (id, body) => srv.admin('POST', `/admin/v1/accounts/${id}/api-keys`, body);

  test('both scopes', async () => {
    const r = await create(acct.auth_id, { scopes: ['phone_numbers:read', 'phone_numbers:write'] });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['api_key', 'created_at', 'expires_at', 'id', 'label',
      'last_used_at', 'prefix', 'revoked_at', 'scopes', 'status']);
    assert.match(r.json.api_key, API_KEY_RE);
    assert.notEqual(r.json.api_key, acct.api_key);
    assert.deepEqual([...r.json.scopes].sort(), ['phone_numbers:read', 'phone_numbers:write']);
  });

  test('one scope', async () => {
    let r = await create(acct.auth_id, { scopes: ['phone_numbers:read'] });
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.api_key, API_KEY_RE);
    assert.deepEqual(r.json.scopes, ['phone_numbers:read']);
    r = await create(acct.auth_id, { scopes: ['phone_numbers:write'] });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.scopes, ['phone_numbers:write']);
  });

  test('keys are distinct', async () => {
    const keys = new Set();
    for (let i = 0; i < 4; i++) keys.add((await create(acct.auth_id, { scopes: ['phone_numbers:read'] })).json.api_key);
    assert.equal(keys.size, 4);
  });

  test('invalid scopes: 400', async () => {
    for (const scopes of [['admin'], [], ['phone_numbers:read', 'admin'], 'phone_numbers:read', [1], {},
      ['PHONE_NUMBERS:READ'], ['phone_numbers:delete'], ['']]) {
      assertProblem(await create(acct.auth_id, { scopes }), 400, /scopes/);
    }
    assertProblem(await create(acct.auth_id, { scopes: ['phone_numbers:read'], name: 'x' }), 400,
      'unknown parameter: name');
  });

  test('unknown account: 404', async () => {
    for (const id of ['MA00000000000000000Z', 'SA00000000000000000Z', 'nobody']) {
      assertProblem(await create(id, { scopes: ['phone_numbers:read'] }), 404);
    }
  });
});

// ---- compliance --------------------------------------------------------------

describe('compliance', () => {
  let acct;
  before(async () => { acct = await srv.createAccount('compliant'); });
  const create = (body) => srv.admin('POST', '/admin/v1/compliance', body);

  test('create: 201 {compliance_id} (a UUID)', async () => {
    const ids = new Set();
    for (const [c, t] of [['US', 'local'], ['gb', 'mobile'], ['DE', 'tollfree'], ['US', 'national'], ['US', 'fixed']]) {
      const r = await create({ account: acct.auth_id, country_iso: c, number_type: t });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(Object.keys(r.json), ['compliance_id']);
      assert.match(r.json.compliance_id, UUID_RE);
      ids.add(r.json.compliance_id);
    }
    assert.equal(ids.size, 5);
  });

  test('validation errors', async () => {
    const ok = { account: acct.auth_id, country_iso: 'US', number_type: 'local' };
    for (const k of Object.keys(ok)) {
      const body = { ...ok };
      delete body[k];
      assertProblem(await create(body), 400, /missing required parameter/);
    }
    assertProblem(await create({ ...ok, country_iso: 'XX' }), 400, /country/);
    assertProblem(await create({ ...ok, number_type: 'landline' }), 400, /number_type/);
    assertProblem(await create({ ...ok, account: 'not-an-id' }), 400, /account/);
    assertProblem(await create({ ...ok, approved: true }), 400, 'unknown parameter: approved');
    assertProblem(await create({ ...ok, account: 'MA00000000000000000Z' }), 404);
  });
});

// ---- inventory import ----------------------------------------------------------

describe('inventory import', () => {
  let buyer;
  before(async () => { buyer = await srv.createAccount('buyer'); });

  test('imports every column; optional columns default', async () => {
    const text = csv(ALL_COLUMNS, [{
      number: '13035550100', country_iso: 'US', type: 'fixed', sub_type: 'local', prefix: '303', city: 'DENVER',
      region: 'COLORADO', rate_center: 'DENVER', lata: 656, voice_enabled: 'true', sms_enabled: '1', mms_enabled: '0',
      setup_rate: '0.5', monthly_rental_rate: '0.80000', voice_rate: '0.00500', sms_rate: '0.00800', mms_rate: '',
      restriction: 'terms-and-conditions', restriction_text: 'Accept the terms.', carrier: 'upstream-z',
    }]);
    assertImport(await srv.importCsv(text), { imported: 1, updated: 0, rejected: [] });
    const o = await find(buyer, '13035550100');
    assert.deepEqual({ ...o, resource_uri: undefined }, {
      number: '13035550100', prefix: '303', city: 'DENVER', country: 'UNITED STATES', region: 'COLORADO',
      rate_center: 'DENVER', lata: 656, type: 'fixed', sub_type: 'local', setup_rate: '0.50000',
      monthly_rental_rate: '0.80000', sms_enabled: true, sms_rate: '0.00800', mms_enabled: false, mms_rate: null,
      voice_enabled: true, voice_rate: '0.00500', restriction: 'terms-and-conditions',
      restriction_text: 'Accept the terms.', resource_uri: undefined,
    });

    // only the required columns, in another order, with a '+' number
    assertImport(await srv.importCsv('type,number,country_iso\nmobile,+13035550101,us\n'),
      { imported: 1, updated: 0, rejected: [] });
    const m = await find(buyer, '13035550101');
    assert.equal(m.type, 'mobile');
    assert.equal(m.sub_type, 'mobile');
    assert.equal(m.prefix, '303');
    assert.equal(m.voice_enabled, true);
    assert.equal(m.sms_enabled, false);
    assert.equal(m.mms_enabled, false);
    assert.equal(m.city, null);
    assert.equal(m.lata, null);
    assert.equal(m.restriction, null);
  });

  test('quoted fields with commas and quotes, CRLF line endings', async () => {
    const text = 'number,country_iso,type,city,region,restriction_text,restriction\r\n'
      + '13035550102,US,fixed,"DENVER, CO","Colorado ""CO""","Needs a ""local"" address, please",city-address\r\n'
      + '"13035550103","US","fixed","","","",""\r\n';
    assertImport(await srv.importCsv(text), { imported: 2, updated: 0, rejected: [] });
    const o = await find(buyer, '13035550102');
    assert.equal(o.city, 'DENVER, CO');
    assert.equal(o.region, 'Colorado "CO"');
    assert.equal(o.restriction_text, 'Needs a "local" address, please');
    assert.equal(o.restriction, 'city-address');
    assert.ok(await find(buyer, '13035550103'));
  });

  test('bad rows are rejected with their line and reason; the others go in', async () => {
    const cols = ['number', 'country_iso', 'type', 'setup_rate', 'voice_enabled', 'restriction'];
    const text = [
      cols.join(','),
      '13035550200,US,fixed,,,', // 2 ok
      '1303555020,US,fixed,,,', // 3 bad number
      '442071234567,US,fixed,,,', // 4 number of another country
      '13035550203,US,landline,,,', // 5 bad type
      '13035550204,US,fixed,0.123456,,', // 6 six decimals
      '13035550205,US,fixed,,yes,', // 7 bad boolean
      '13035550206,US,fixed,,,none', // 8 bad restriction
      '13035550207,US,fixed,,', // 9 too few fields
      '13035550208,US,fixed,,,,', // 10 too many fields
      '13035550209,XX,fixed,,,', // 11 bad country
      '13035550210,US,fixed,1.5,false,country-address', // 12 ok
      '13035550211,GB,fixed,,,', // 13 a US number said to be GB
      '13035550212,US,fixed,-1,,', // 14 negative money
      '13035550213,US,fixed,abc,,', // 15 not money
      '', // blank line
    ].join('\n');
    const r = await srv.importCsv(text);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.imported, 2, r.text);
    assert.equal(r.json.updated, 0);
    const rej = r.json.rejected;
    for (const x of rej) assert.deepEqual(Object.keys(x).sort(), ['error', 'line']);
    assert.deepEqual(rej.map((x) => x.line), [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15]);
    const why = Object.fromEntries(rej.map((x) => [x.line, x.error]));
    assert.match(why[3], /invalid number/);
    assert.match(why[4], /not a US number/);
    assert.match(why[5], /invalid type/);
    assert.match(why[6], /setup_rate/);
    assert.match(why[7], /voice_enabled/);
    assert.match(why[8], /restriction/);
    assert.match(why[9], /fields/);
    assert.match(why[10], /fields/);
    assert.match(why[11], /country_iso/);
    assert.match(why[13], /not a GB number/);
    assert.match(why[14], /setup_rate/);
    assert.match(why[15], /setup_rate/);
    assert.ok(await find(buyer, '13035550200'));
    const ok2 = await find(buyer, '13035550210');
    assert.equal(ok2.setup_rate, '1.50000');
    assert.equal(ok2.voice_enabled, false);
    assert.equal(ok2.restriction, 'country-address');
    for (const n of ['13035550203', '13035550204', '13035550205', '13035550206', '13035550207', '13035550208']) {
      assert.equal(await find(buyer, n), undefined, `${n} was imported`);
    }
  });

  test('a row with invalid UTF-8 is rejected (the file is UTF-8); responses stay valid UTF-8', async () => {
    const body = Buffer.concat([
      Buffer.from('number,country_iso,type,city\n13035550300,US,fixed,DENVER\n13035550301,US,fixed,'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('\n'),
    ]);
    const r = await srv.raw('POST', '/admin/v1/inventory', {
      headers: { Authorization: `Bearer ${srv.adminToken}`, 'Content-Type': 'text/csv' }, body,
    });
    assert.equal(r.status, 200, r.text);
    // whatever happened to the row, a search must never answer invalid UTF-8
    const s = await srv.raw('GET', `/v1/Account/${buyer.auth_id}/PhoneNumber/?country_iso=US&pattern=303555030`, {
      headers: { Authorization: 'Basic ' + Buffer.from(`${buyer.auth_id}:${buyer.auth_token}`).toString('base64') },
    });
    assert.equal(s.status, 200);
    assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(s.buffer),
      'the search response is not valid UTF-8');
    assert.equal(r.json.imported, 1, r.text);
    assert.equal(r.json.rejected.length, 1, r.text);
    assert.equal(r.json.rejected[0].line, 3);
    assert.match(r.json.rejected[0].error, /UTF-8/);
  });

  test('header errors stop the whole file: unknown, duplicate or missing columns', async () => {
    const before = await stats();
    const cases = [
      ['number,country_iso,type,colour\n13035550400,US,fixed,red\n', /unknown column: colour/],
      ['number,country_iso,type,Number\n13035550400,US,fixed,1\n', /unknown column: Number/],
      ['number,country_iso,type,number\n13035550400,US,fixed,1\n', /duplicate column/],
      ['country_iso,type\nUS,fixed\n', /missing required column: number/],
      ['number,type\n13035550400,fixed\n', /missing required column: country_iso/],
      ['number,country_iso\n13035550400,US\n', /missing required column: type/],
      ['', /header/],
    ];
    for (const [text, detail] of cases) {
      assertProblem(await srv.importCsv(text), 400, detail);
    }
    // a good first row does not sneak in before the header is refused
    assertProblem(await srv.importCsv('number,country_iso,type,bogus\n13035550401,US,fixed,x\n'), 400);
    assert.deepEqual(await stats(), before);
    assert.equal(await find(buyer, '13035550400'), undefined);
    assert.equal(await find(buyer, '13035550401'), undefined);
  });

  test('re-import updates available numbers in place', async () => {
    const cols = ['number', 'country_iso', 'type', 'sub_type', 'city', 'monthly_rental_rate', 'sms_enabled'];
    assertImport(await srv.importCsv(csv(cols, [
      { number: '13035550500', country_iso: 'US', type: 'fixed', sub_type: 'local', city: 'DENVER', monthly_rental_rate: '0.80000', sms_enabled: 'false' },
      { number: '13035550501', country_iso: 'US', type: 'fixed', sub_type: 'local', city: 'DENVER', monthly_rental_rate: '0.80000', sms_enabled: 'false' },
    ])), { imported: 2, updated: 0, rejected: [] });
    assertImport(await srv.importCsv(csv(cols, [
      { number: '13035550500', country_iso: 'US', type: 'fixed', sub_type: 'national', city: 'BOULDER', monthly_rental_rate: '1.25', sms_enabled: 'true' },
      { number: '13035550502', country_iso: 'US', type: 'fixed', sub_type: 'local', city: 'DENVER', monthly_rental_rate: '0.80000', sms_enabled: 'false' },
    ])), { imported: 1, updated: 1, rejected: [] });
    const o = await find(buyer, '13035550500');
    assert.equal(o.city, 'BOULDER');
    assert.equal(o.sub_type, 'national');
    assert.equal(o.monthly_rental_rate, '1.25000');
    assert.equal(o.sms_enabled, true);
    assert.equal((await find(buyer, '13035550501')).city, 'DENVER');
  });

  test('a sold or pending number in a re-import is rejected and stays sold', async () => {
    const cols = ['number', 'country_iso', 'type', 'restriction', 'city'];
    assertImport(await srv.importCsv(csv(cols, [
      { number: '13035550600', country_iso: 'US', type: 'fixed', city: 'DENVER' },
      { number: '13035550601', country_iso: 'US', type: 'fixed', restriction: 'city-address', city: 'DENVER' },
    ])), { imported: 2, updated: 0, rejected: [] });
    let r = await srv.buy(buyer, '13035550600');
    assert.equal(r.status, 201, r.text);
    r = await srv.buy(buyer, '13035550601');
    assert.equal(r.json.status, 'pending', r.text);
    r = await srv.importCsv(csv(cols, [
      { number: '13035550600', country_iso: 'US', type: 'fixed', city: 'AURORA' },
      { number: '13035550601', country_iso: 'US', type: 'fixed', city: 'AURORA' },
      { number: '13035550602', country_iso: 'US', type: 'fixed', city: 'AURORA' },
    ]));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.imported, 1);
    assert.equal(r.json.updated, 0);
    assert.deepEqual(r.json.rejected.map((x) => x.line), [2, 3]);
    for (const x of r.json.rejected) assert.match(x.error, /sold/);
    // not made available again by the re-import
    assert.equal(await find(buyer, '13035550600'), undefined);
    assert.equal(await find(buyer, '13035550601'), undefined);
    assertProblem(await srv.admin('POST', '/admin/v1/numbers/13035550600/approve'), 409);
  });

  test('?dry_run=true validates and reports but changes nothing', async () => {
    const before = await stats();
    const cols = ['number', 'country_iso', 'type', 'city'];
    const text = csv(cols, [
      { number: '13035550700', country_iso: 'US', type: 'fixed', city: 'NEW' },
      { number: '13035550500', country_iso: 'US', type: 'fixed', city: 'CHANGED' }, // exists
      { number: 'bad', country_iso: 'US', type: 'fixed', city: 'X' },
    ]);
    const r = await srv.importCsv(text, { dryRun: 'true' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.imported, 1);
    assert.equal(r.json.updated, 1);
    assert.deepEqual(r.json.rejected.map((x) => x.line), [4]);
    assert.deepEqual(await stats(), before);
    assert.equal(await find(buyer, '13035550700'), undefined);
    assert.equal((await find(buyer, '13035550500')).city, 'BOULDER');
    // header errors are found in a dry run too
    assertProblem(await srv.importCsv('nope\n1\n', { dryRun: 'true' }), 400);
    // dry_run=false is a real import
    const f = await srv.importCsv(csv(cols, [{ number: '13035550701', country_iso: 'US', type: 'fixed' }]), { dryRun: 'false' });
    assertImport(f, { imported: 1, updated: 0, rejected: [] });
    assert.ok(await find(buyer, '13035550701'));
    // anything else: 400
    for (const v of ['yes', '1', '']) assertProblem(await srv.importCsv('number,country_iso,type\n', { dryRun: v }), 400, /dry_run/);
  });

  test('a content type other than text/csv: 415, nothing imported', async () => {
    const text = 'number,country_iso,type\n13035550800,US,fixed\n';
    for (const ct of ['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'text/csvx', 'multipart/form-data; boundary=x']) {
      assertProblem(await srv.admin('POST', '/admin/v1/inventory', text, { contentType: ct }), 415);
    }
    const none = await srv.raw('POST', '/admin/v1/inventory', {
      headers: { Authorization: `Bearer ${srv.adminToken}` }, body: text,
    });
    assertProblem(none, 415);
    assert.equal(await find(buyer, '13035550800'), undefined);
    // text/csv with a charset parameter is CSV
    assertImport(await srv.admin('POST', '/admin/v1/inventory', text, { contentType: 'text/csv; charset=utf-8' }),
      { imported: 1, updated: 0, rejected: [] });
  });
});

describe('a large import (streamed, far over 64 KiB)', () => {
  test('5000 generated rows: a dry run, then for real', async () => {
    const text = generateCsv(5000, 'US', 99);
    assert.ok(Buffer.byteLength(text) > 500 * 1024);
    const numbers = text.trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    assert.equal(new Set(numbers).size, 5000);
    const before = await stats();
    const dry = await srv.importCsv(text, { dryRun: 'true' });
    assert.equal(dry.status, 200, dry.text);
    assert.equal(dry.json.imported + dry.json.updated, 5000, dry.text);
    assert.deepEqual(dry.json.rejected, []);
    assert.deepEqual(await stats(), before);
    const real = await srv.importCsv(text);
    assert.equal(real.status, 200, real.text);
    assert.equal(real.json.imported, dry.json.imported);
    assert.equal(real.json.updated, dry.json.updated);
    const afterS = await stats();
    assert.equal(afterS.total, before.total + real.json.imported);
    // a second time, everything is an update
    const again = await srv.importCsv(text);
    assert.equal(again.json.imported, 0);
    assert.equal(again.json.updated, 5000);
    assert.deepEqual(await stats(), afterS);
  });
});

// ---- stats -------------------------------------------------------------------

describe('inventory stats (a server of its own, so counts are exact)', () => {
  let s2;
  before(async () => { s2 = await start(); });
  after(async () => { assert.equal((await s2.stop()).code, 0); });

  test('counts by country, type and state, exact after buys', async () => {
    let r = await s2.admin('GET', '/admin/v1/inventory/stats');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { counts: {}, total: 0 });

    const cols = ['number', 'country_iso', 'type', 'sub_type', 'restriction'];
    const rows = [
      ...['14155550100', '14155550101', '14155550102', '14155550103'].map((number) => ({ number, country_iso: 'US', type: 'fixed', sub_type: 'local' })),
      { number: '14155550104', country_iso: 'US', type: 'fixed', sub_type: 'local', restriction: 'city-address' },
      { number: '18005550100', country_iso: 'US', type: 'tollfree' },
      { number: '18005550101', country_iso: 'US', type: 'tollfree' },
      { number: '13125550100', country_iso: 'US', type: 'mobile' },
      { number: '442071234567', country_iso: 'GB', type: 'fixed', sub_type: 'local' },
      { number: '447700900123', country_iso: 'GB', type: 'mobile' },
      { number: '447700900124', country_iso: 'GB', type: 'mobile' },
    ];
    await s2.loadCsv(csv(cols, rows));
    r = await s2.admin('GET', '/admin/v1/inventory/stats');
    assert.deepEqual(r.json, {
      counts: {
        GB: { fixed: { available: 1 }, mobile: { available: 2 } },
        US: { fixed: { available: 5 }, mobile: { available: 1 }, tollfree: { available: 2 } },
      },
      total: 11,
    });

    const a = await s2.createAccount('stats');
    for (const n of ['14155550100', '14155550101', '18005550100', '447700900123']) {
      assert.equal((await s2.buy(a, n)).status, 201);
    }
    const p = await s2.buy(a, '14155550104');
    assert.equal(p.json.status, 'pending');
    r = await s2.admin('GET', '/admin/v1/inventory/stats');
    assert.deepEqual(r.json, {
      counts: {
        GB: { fixed: { available: 1 }, mobile: { active: 1, available: 1 } },
        US: { fixed: { active: 2, available: 2, pending: 1 }, mobile: { available: 1 }, tollfree: { active: 1, available: 1 } },
      },
      total: 11,
    });

    assert.equal((await s2.admin('POST', '/admin/v1/numbers/14155550104/approve')).status, 200);
    r = await s2.admin('GET', '/admin/v1/inventory/stats');
    assert.deepEqual(r.json.counts.US.fixed, { active: 3, available: 2 });
    assert.equal(r.json.total, 11);

    // a dry run and a rejected row change nothing
    await s2.importCsv('number,country_iso,type\n14155550199,US,fixed\n', { dryRun: 'true' });
    await s2.importCsv('number,country_iso,type\n14155550100,US,fixed\n');
    assert.deepEqual((await s2.admin('GET', '/admin/v1/inventory/stats')).json, r.json);
  });

  test('stats take no parameters', async () => {
    assertProblem(await s2.admin('GET', '/admin/v1/inventory/stats?country_iso=US'), 400, 'unknown parameter: country_iso');
  });
});
