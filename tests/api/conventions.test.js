'use strict';
// API.md §0 (conventions for every endpoint) and §2.1 (envelopes).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start, assertPlivoError, assertProblem, csv, ALL_COLUMNS, UUID_RE } = require('./lib/server');

let srv;
let acct;

// 20 plain US numbers: 1415555 0100..0119, all available.
const NUMBERS = Array.from({ length: 20 }, (_, i) => `141555501${String(i).padStart(2, '0')}`);

before(async () => {
  srv = await start();
  acct = await srv.createAccount('conventions');
  await srv.loadCsv(csv(ALL_COLUMNS, NUMBERS.map((number) => ({
    number, country_iso: 'US', type: 'fixed', sub_type: 'local', prefix: '415',
    city: 'SAN FRANCISCO', region: 'CALIFORNIA', rate_center: 'SNFC CNTRL', lata: 722,
    voice_enabled: true, sms_enabled: true, mms_enabled: false, setup_rate: '0.00000',
    monthly_rental_rate: '0.80000', voice_rate: '0.00500', sms_rate: '0.00800',
  }))));
});

after(async () => {
  const { code, signal } = await srv.stop();
  assert.equal(signal, null);
  assert.equal(code, 0, 'SIGTERM exits 0');
});

// Hands out the numbers of the fixture one by one to the buying tests.
let nextNumber = 0;
function freshNumber() {
  assert.ok(nextNumber < NUMBERS.length, 'fixture exhausted');
  return NUMBERS[nextNumber++];
}

function assertBought(r, number) {
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.error, undefined);
  assert.match(r.json.api_id, UUID_RE);
  assert.deepEqual(r.json, {
    api_id: r.json.api_id, message: 'created', numbers: [{ number, status: 'Success' }], status: 'fulfilled',
  });
}

// ---- paths --------------------------------------------------------------

test('trailing slash is optional on search', async () => {
  const a = await srv.plivo(acct, 'GET', 'PhoneNumber/', { query: { country_iso: 'US', limit: 3 } });
  const b = await srv.plivo(acct, 'GET', 'PhoneNumber', { query: { country_iso: 'US', limit: 3 } });
  assert.equal(a.status, 200, a.text);
  assert.equal(b.status, 200, b.text);
  assert.deepEqual(b.json.objects, a.json.objects);
  assert.equal(b.json.meta.total_count, a.json.meta.total_count);
});

test('trailing slash is optional on buy', async () => {
  const n = freshNumber();
  assertBought(await srv.plivo(acct, 'POST', `PhoneNumber/${n}`), n);
});

test('trailing slash is optional on admin paths', async () => {
  for (const p of ['/admin/v1/accounts', '/admin/v1/accounts/', '/admin/v1/inventory/stats',
    '/admin/v1/inventory/stats/']) {
    const r = await srv.admin('GET', p);
    assert.equal(r.status, 200, `${p}: ${r.text}`);
  }
});

test('unknown path under /v1/Account answers 404 with a Plivo error body', async () => {
  for (const p of ['Nope/', 'PhoneNumber/14155550100/extra/', 'phonenumber/']) {
    const r = await srv.plivo(acct, 'GET', p);
    assertPlivoError(r, 404, 'not found');
  }
  assertPlivoError(await srv.raw('GET', '/v1/Account/'), 404, 'not found');
  assertPlivoError(await srv.raw('GET', '/v1/nothing'), 404, 'not found');
});

test('unknown path under /admin answers 404 problem+json', async () => {
  for (const p of ['/admin/v1/nope', '/admin/v2/accounts', '/admin/v1/accounts/MA0000000000000000AA']) {
    const r = await srv.admin('GET', p);
    assertProblem(r, 404);
    assert.equal(r.json.api_id, undefined);
  }
});

test('HEAD on a GET route answers like GET, without a body', async () => {
  const r = await srv.plivo(acct, 'HEAD', 'PhoneNumber/', { query: { country_iso: 'US', limit: 1 } });
  assert.equal(r.status, 200);
  assert.equal(r.text, '');
  assert.match(r.headers.get('content-type'), /application\/json/);
});

test('known path with a method it does not serve: 405 with Allow', async () => {
  let r = await srv.plivo(acct, 'PUT', 'PhoneNumber/', { body: {} });
  assertPlivoError(r, 405);
  assert.equal(r.headers.get('allow'), 'GET, HEAD');

  r = await srv.plivo(acct, 'DELETE', 'PhoneNumber/');
  assertPlivoError(r, 405);
  assert.equal(r.headers.get('allow'), 'GET, HEAD');

  r = await srv.plivo(acct, 'GET', 'PhoneNumber/14155550119/');
  assertPlivoError(r, 405);
  assert.equal(r.headers.get('allow'), 'POST');

  r = await srv.plivo(acct, 'DELETE', 'PhoneNumber/14155550119');
  assertPlivoError(r, 405);
  assert.equal(r.headers.get('allow'), 'POST');

  r = await srv.admin('DELETE', '/admin/v1/accounts');
  assertProblem(r, 405);
  assert.deepEqual(r.headers.get('allow').split(/,\s*/).sort(), ['GET', 'HEAD', 'POST']);

  r = await srv.admin('GET', '/admin/v1/inventory');
  assertProblem(r, 405);
  assert.equal(r.headers.get('allow'), 'POST');

  r = await srv.admin('POST', '/admin/v1/inventory/stats', {});
  assertProblem(r, 405);
  assert.equal(r.headers.get('allow'), 'GET, HEAD');
});

// ---- bodies -------------------------------------------------------------

test('buy accepts a JSON body', async () => {
  const n = freshNumber();
  assertBought(await srv.buy(acct, n, { cnam_lookup: 'disabled' }), n);
});

test('buy accepts a form body (curl -d a=b)', async () => {
  const n = freshNumber();
  assertBought(await srv.plivo(acct, 'POST', `PhoneNumber/${n}/`, { form: { cnam_lookup: 'enabled' } }), n);
});

test('buy accepts no body at all', async () => {
  const n = freshNumber();
  assertBought(await srv.plivo(acct, 'POST', `PhoneNumber/${n}/`), n);
});

test('application/json with a charset parameter is JSON', async () => {
  const n = freshNumber();
  const r = await srv.plivo(acct, 'POST', `PhoneNumber/${n}/`, {
    headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: '{}',
  });
  assertBought(r, n);
});

test('other content types with a body: 415', async () => {
  const n = NUMBERS[NUMBERS.length - 1]; // never bought by this file
  for (const ct of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'text/csv']) {
    const r = await srv.plivo(acct, 'POST', `PhoneNumber/${n}/`, {
      headers: { 'Content-Type': ct }, body: 'a=b',
    });
    assertPlivoError(r, 415, /unsupported content type/);
  }
  // the admin API takes JSON only (not form) for its JSON endpoints
  const r = await srv.admin('POST', '/admin/v1/accounts', 'name=x',
    { contentType: 'application/x-www-form-urlencoded' });
  assertProblem(r, 415, /unsupported content type/);
  // and nothing was bought
  const s = await srv.search(acct, { country_iso: 'US', pattern: n.slice(1) });
  assert.equal(s.json.meta.total_count, 1);
});

test('a body of exactly 64 KiB is accepted, one byte more is 413', async () => {
  const n = freshNumber();
  const json = '{"cnam_lookup":"disabled"}';
  const exact = json + ' '.repeat(64 * 1024 - json.length);
  assert.equal(Buffer.byteLength(exact), 65536);
  let r = await srv.plivo(acct, 'POST', `PhoneNumber/${NUMBERS[19]}/`, { body: exact + ' ' });
  assertPlivoError(r, 413, /too large/);
  r = await srv.plivo(acct, 'POST', `PhoneNumber/${n}/`, { body: exact });
  assertBought(r, n);
});

test('a body far over 64 KiB: 413 (JSON and form)', async () => {
  const big = JSON.stringify({ cnam_lookup: 'x'.repeat(200 * 1024) });
  assertPlivoError(await srv.buy(acct, NUMBERS[19], big), 413, /too large/);
  const form = 'cnam_lookup=' + 'x'.repeat(100 * 1024);
  assertPlivoError(await srv.plivo(acct, 'POST', `PhoneNumber/${NUMBERS[19]}/`, { form }), 413, /too large/);
  const r = await srv.admin('POST', '/admin/v1/accounts', { name: 'x'.repeat(70 * 1024) });
  assertProblem(r, 413, /too large/);
});

test('invalid JSON: 400 naming the problem with its position', async () => {
  const r = await srv.buy(acct, NUMBERS[19], '{"cnam_lookup":');
  assertPlivoError(r, 400, /^invalid JSON: .*line 1 column \d+/);
  assertPlivoError(await srv.buy(acct, NUMBERS[19], '{"a" 1}'), 400, /^invalid JSON/);
  assertPlivoError(await srv.buy(acct, NUMBERS[19], 'nope'), 400, /^invalid JSON/);
});

test('a JSON body that is not an object: 400', async () => {
  for (const body of ['[]', '"x"', '12', 'null']) {
    assertPlivoError(await srv.buy(acct, NUMBERS[19], body), 400, /invalid JSON/);
  }
});

test('duplicate JSON keys: 400 naming them', async () => {
  const r = await srv.buy(acct, NUMBERS[19], '{"cnam_lookup":"enabled","cnam_lookup":"disabled"}');
  assertPlivoError(r, 400, /^invalid JSON: duplicate object key/);
});

test('JSON nested deeper than 16: 400; 16 levels are parsed', async () => {
  const nest = (d) => '{"app_id":' + '['.repeat(d - 1) + '1' + ']'.repeat(d - 1) + '}';
  assertPlivoError(await srv.buy(acct, NUMBERS[19], nest(17)), 400, 'invalid JSON: nesting deeper than 16');
  // exactly 16 levels get past the parser; the value is then the wrong type
  const r = await srv.buy(acct, NUMBERS[19], nest(16));
  assertPlivoError(r, 400, 'invalid app_id: want a string');
  // brackets inside strings do not count
  const s = await srv.buy(acct, NUMBERS[19], JSON.stringify({ app_id: '['.repeat(40) }));
  assertPlivoError(s, 400, /^invalid app_id/);
});

test('invalid UTF-8 in a JSON body: 400 naming UTF-8', async () => {
  const body = Buffer.concat([Buffer.from('{"cnam_lookup":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
  const r = await srv.raw('POST', `/v1/Account/${acct.auth_id}/PhoneNumber/${NUMBERS[19]}/`, {
    headers: { Authorization: basicOf(acct), 'Content-Type': 'application/json' }, body,
  });
  assertPlivoError(r, 400, /invalid JSON/);
  assert.match(r.json.error, /UTF-8/i, `the error should name UTF-8: ${r.json.error}`);
  // an overlong encoding and a lone surrogate are invalid too
  for (const bad of [[0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
    const b2 = Buffer.concat([Buffer.from('{"cnam_lookup":"'), Buffer.from(bad), Buffer.from('"}')]);
    const r2 = await srv.raw('POST', `/v1/Account/${acct.auth_id}/PhoneNumber/${NUMBERS[19]}/`, {
      headers: { Authorization: basicOf(acct), 'Content-Type': 'application/json' }, body: b2,
    });
    assertPlivoError(r2, 400, /invalid JSON/);
  }
});

test('invalid UTF-8 in a form body or query: 400', async () => {
  const r = await srv.plivo(acct, 'POST', `PhoneNumber/${NUMBERS[19]}/`, { form: 'cnam_lookup=%FF%FE' });
  assertPlivoError(r, 400, /UTF-8/);
  const q = await srv.raw('GET', `/v1/Account/${acct.auth_id}/PhoneNumber/?country_iso=US&city=%FF`, {
    headers: { Authorization: basicOf(acct) },
  });
  assertPlivoError(q, 400, /UTF-8/);
});

test('a malformed form body: 400', async () => {
  const r = await srv.plivo(acct, 'POST', `PhoneNumber/${NUMBERS[19]}/`, { form: 'cnam_lookup=%zz' });
  assertPlivoError(r, 400, /form/);
});

// ---- unknown and repeated parameters --------------------------------------

test('unknown query parameter: 400 naming it', async () => {
  const r = await srv.search(acct, { country_iso: 'US', sub_acount: 'SA1' });
  assertPlivoError(r, 400, 'unknown parameter: sub_acount');
  // (the accounts list takes limit, offset and find since session 38)
  const a = await srv.admin('GET', '/admin/v1/accounts?limt=5');
  assertProblem(a, 400, 'unknown parameter: limt');
  const i = await srv.admin('POST', '/admin/v1/inventory?dryrun=true', 'number,country_iso,type\n',
    { contentType: 'text/csv' });
  assertProblem(i, 400, 'unknown parameter: dryrun');
});

test('unknown query parameter on a POST: 400 naming it, nothing done', async () => {
  const n = NUMBERS[18]; // never bought by this file
  let r = await srv.plivo(acct, 'POST', `PhoneNumber/${n}/?sub_acount=SA00000000000000000Z`);
  assertPlivoError(r, 400, 'unknown parameter: sub_acount');
  r = await srv.plivo(acct, 'POST', `PhoneNumber/${n}/?colour=red`, { body: {} });
  assertPlivoError(r, 400, 'unknown parameter: colour');
  const s = await srv.search(acct, { country_iso: 'US', pattern: n.slice(1) });
  assert.equal(s.json.meta.total_count, 1, `${n} was bought despite the unknown parameter`);
  // the admin API too
  const before = (await srv.admin('GET', '/admin/v1/accounts')).json;
  assertProblem(await srv.admin('POST', '/admin/v1/accounts?plan=gold', { name: 'x' }), 400, 'unknown parameter: plan');
  assertProblem(await srv.admin('POST', '/admin/v1/compliance?approved=false',
    { account: acct.auth_id, country_iso: 'US', number_type: 'local' }), 400, 'unknown parameter: approved');
  assertProblem(await srv.admin('POST', `/admin/v1/accounts/${acct.auth_id}/api-keys?scope=read`, {}), 400,
    'unknown parameter: scope');
  assert.deepEqual((await srv.admin('GET', '/admin/v1/accounts')).json, before);
});

test('unknown body field: 400 naming it (JSON and form)', async () => {
  assertPlivoError(await srv.buy(acct, NUMBERS[19], { cnam_lookup: 'enabled', colour: 'red' }), 400,
    'unknown parameter: colour');
  assertPlivoError(await srv.plivo(acct, 'POST', `PhoneNumber/${NUMBERS[19]}/`, { form: 'app=1' }), 400,
    'unknown parameter: app');
  assertProblem(await srv.admin('POST', '/admin/v1/accounts', { name: 'x', email: 'a@b' }), 400,
    'unknown parameter: email');
  // nothing was bought by any of these
  const s = await srv.search(acct, { country_iso: 'US', pattern: NUMBERS[19].slice(1) });
  assert.equal(s.json.meta.total_count, 1);
});

test('repeated query parameter: 400', async () => {
  const r = await srv.plivo(acct, 'GET', 'PhoneNumber/?country_iso=US&type=local&type=local');
  assertPlivoError(r, 400, 'repeated parameter: type');
  const f = await srv.plivo(acct, 'POST', `PhoneNumber/${NUMBERS[19]}/`,
    { form: 'cnam_lookup=enabled&cnam_lookup=disabled' });
  assertPlivoError(f, 400, 'repeated parameter: cnam_lookup');
});

test("'+' in a query string is a space, like %20", async () => {
  const p = `/v1/Account/${acct.auth_id}/PhoneNumber/?country_iso=US&city=SAN+FRANCISCO&limit=1`;
  const r = await srv.raw('GET', p, { headers: { Authorization: basicOf(acct) } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.objects[0].city, 'SAN FRANCISCO');
});

test('GET ignores its body (any content type, the SDK\'s "" included)', async () => {
  const p = `/v1/Account/${acct.auth_id}/PhoneNumber/?country_iso=US&limit=1`;
  for (const [ct, body] of [['application/json', '""'], ['text/plain', 'garbage'],
    ['application/json', '{"unknown": [[['], ['application/x-www-form-urlencoded', 'x=1&x=2']]) {
    const r = await srv.raw('GET', p, { headers: { Authorization: basicOf(acct), 'Content-Type': ct }, body });
    assert.equal(r.status, 200, `${ct} ${body}: ${r.text}`);
    assert.equal(r.json.objects.length, 1);
  }
  const a = await srv.raw('GET', '/admin/v1/inventory/stats', {
    headers: { Authorization: `Bearer ${srv.adminToken}`, 'Content-Type': 'text/plain' }, body: 'ignored',
  });
  assert.equal(a.status, 200, a.text);
  assert.equal(a.json.total, NUMBERS.length);
});

// ---- envelopes ------------------------------------------------------------

test('every response has a fresh UUID api_id; success bodies have no error key', async () => {
  const ids = new Set();
  for (let i = 0; i < 3; i++) {
    const r = await srv.search(acct, { country_iso: 'US', limit: 1 });
    assert.equal(r.status, 200);
    assert.match(r.json.api_id, UUID_RE);
    assert.equal('error' in r.json, false);
    ids.add(r.json.api_id);
    const e = await srv.search(acct, { country_iso: 'XX' });
    assertPlivoError(e, 400);
    ids.add(e.json.api_id);
  }
  assert.equal(ids.size, 6, 'api_id is fresh per response');
});

test('list envelope: meta has exactly limit, next, offset, previous, total_count', async () => {
  const r = await srv.search(acct, { country_iso: 'US', limit: 2, offset: 1 });
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json).sort(), ['api_id', 'meta', 'objects']);
  assert.deepEqual(Object.keys(r.json.meta).sort(), ['limit', 'next', 'offset', 'previous', 'total_count']);
  assert.equal(r.json.meta.limit, 2);
  assert.equal(r.json.meta.offset, 1);
  assert.equal(typeof r.json.meta.total_count, 'number');
});

test("a number in the path is accepted with '+' and with '%2B'", async () => {
  const a = freshNumber();
  assertBought(await srv.plivo(acct, 'POST', `PhoneNumber/+${a}/`), a);
  const b = freshNumber();
  assertBought(await srv.plivo(acct, 'POST', `PhoneNumber/%2B${b}/`), b);
  // and through node:http, byte for byte
  const c = freshNumber();
  const r = await srv.raw('POST', `/v1/Account/${acct.auth_id}/PhoneNumber/%2b${c}`, {
    headers: { Authorization: basicOf(acct) },
  });
  assertBought(r, c);
});

test('an invalid number in the path: 400 invalid number: <input>', async () => {
  for (const bad of ['1415555010', '141555501000', '10155501000', '14151550100', 'abc', '+', '%2B1']) {
    const r = await srv.plivo(acct, 'POST', `PhoneNumber/${bad}/`);
    const shown = decodeURIComponent(bad);
    assertPlivoError(r, 400, `invalid number: ${shown}`);
  }
});

function basicOf(a) {
  return 'Basic ' + Buffer.from(`${a.auth_id}:${a.auth_token}`).toString('base64');
}
