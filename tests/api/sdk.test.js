'use strict';
// The official Plivo Node SDK (plivo 4.79.0), pointed at numberd, unchanged:
// search, buy, a second buy, and the search after.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const plivo = require('plivo');

// What the SDK throws for an HTTP error: it picks a class by status
// (400 InvalidRequestError, 401 AuthenticationError, 404
// ResourceNotFoundError) and constructs it, but its Babel-compiled classes
// extend Error the ES5 way, so the object that comes out is a plain Error
// (not an instance of the class) carrying status, message (= the body's
// "error") and apiID (= the body's "api_id").  We assert exactly that.
function sdkError(status, message) {
  return (err) => {
    assert.ok(err instanceof Error, `an Error, got ${typeof err}: ${err}`);
    assert.equal(err.status, status, `status of ${err}`);
    if (message instanceof RegExp) assert.match(err.message, message);
    else assert.equal(err.message, message);
    assert.match(err.apiID, UUID_RE);
    return true;
  };
}
const { start, csv, ALL_COLUMNS, UUID_RE } = require('./lib/server');

let srv;
let acct;
let client;

const SF = { country_iso: 'US', type: 'fixed', sub_type: 'local', prefix: '415', city: 'SAN FRANCISCO',
  region: 'CALIFORNIA', rate_center: 'SNFC CNTRL', lata: 722, voice_enabled: 'true', sms_enabled: 'true',
  mms_enabled: 'false', setup_rate: '0.00000', monthly_rental_rate: '0.80000', voice_rate: '0.00500',
  sms_rate: '0.00800' };
const ROWS = [
  { ...SF, number: '14155550100' },
  { ...SF, number: '14155550101' },
  { ...SF, number: '14155550102' },
  { ...SF, number: '14155550103', restriction: 'city-address', restriction_text: 'A local address is required.' },
  { ...SF, number: '12125550100', prefix: '212', city: 'NEW YORK', region: 'NEW YORK', rate_center: 'NWYRCYZN01', lata: 132 },
  { ...SF, number: '18005550100', type: 'tollfree', sub_type: 'tollfree', prefix: '800', city: '', rate_center: '', lata: '' },
  { number: '447700900100', country_iso: 'GB', type: 'mobile', sub_type: 'mobile' },
];

before(async () => {
  srv = await start();
  acct = await srv.createAccount('sdk');
  await srv.loadCsv(csv(ALL_COLUMNS, ROWS));
  client = new plivo.Client(acct.auth_id, acct.auth_token, { url: `${srv.base}/v1/Account/${acct.auth_id}` });
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

test('numbers.search(US, {type: local, pattern: 415}) returns the right objects', async () => {
  const res = await client.numbers.search('US', { type: 'local', pattern: '415' });
  assert.ok(Array.isArray(res));
  assert.deepEqual(res.map((o) => o.number), ['14155550100', '14155550101', '14155550102', '14155550103']);
  assert.equal(res.meta.totalCount, 4);
  assert.equal(res.meta.limit, 20);
  assert.equal(res.meta.offset, 0);
  assert.equal(res.meta.next, null);
  assert.equal(res.meta.previous, null);
  const o = res[0];
  // the SDK camel-cases the keys of what it received
  assert.equal(o.id, '14155550100');
  assert.equal(o.prefix, '415');
  assert.equal(o.city, 'SAN FRANCISCO');
  assert.equal(o.country, 'UNITED STATES');
  assert.equal(o.region, 'CALIFORNIA');
  assert.equal(o.rateCenter, 'SNFC CNTRL');
  assert.equal(o.lata, 722);
  assert.equal(o.type, 'fixed');
  assert.equal(o.subType, 'local');
  assert.equal(o.setupRate, '0.00000');
  assert.equal(o.monthlyRentalRate, '0.80000');
  assert.equal(o.smsEnabled, true);
  assert.equal(o.smsRate, '0.00800');
  assert.equal(o.mmsEnabled, false);
  assert.equal(o.voiceEnabled, true);
  assert.equal(o.voiceRate, '0.00500');
  assert.equal(o.restriction, null);
  assert.equal(res[3].restriction, 'city-address');
  assert.equal(res[3].restrictionText, 'A local address is required.');
  assert.equal(o.resourceUri, `/v1/Account/${acct.auth_id}/PhoneNumber/14155550100/`);
});

test('search with the SDK: other types, paging parameters and a lower-case country', async () => {
  const tf = await client.numbers.search('us', { type: 'tollfree' });
  assert.deepEqual(tf.map((o) => o.number), ['18005550100']);
  assert.equal(tf[0].city, null);
  assert.equal(tf[0].lata, null);
  const page = await client.numbers.search('US', { limit: 2, offset: 1 });
  assert.deepEqual(page.map((o) => o.number), ['14155550100', '14155550101']);
  assert.equal(page.meta.totalCount, 6);
  assert.match(page.meta.next, new RegExp(`^/v1/Account/${acct.auth_id}/PhoneNumber/\\?`));
  const gb = await client.numbers.search('GB', { services: 'voice' });
  assert.deepEqual(gb.map((o) => o.number), ['447700900100']);
});

test('SDK errors carry the status, the error message and the api_id', async () => {
  await assert.rejects(client.numbers.search('XX'), sdkError(400, /^invalid country ISO/));
  await assert.rejects(client.numbers.search('US', { sub_acount: 'x' }), sdkError(400, 'unknown parameter: sub_acount'));
  const bad = new plivo.Client(acct.auth_id, 'x'.repeat(40), { url: `${srv.base}/v1/Account/${acct.auth_id}` });
  await assert.rejects(bad.numbers.search('US'), sdkError(401, 'authentication failed'));
});

test('numbers.buy succeeds; a second buy rejects (the SDK\'s 404 error); the number is gone', async () => {
  const res = await client.numbers.buy('14155550101');
  assert.equal(res.constructor.name, 'BuyNumberResponse');
  assert.match(res.apiId, UUID_RE);
  assert.equal(res.message, 'created');
  assert.equal(res.status, 'fulfilled');
  assert.deepEqual(res.numbers, [{ number: '14155550101', status: 'Success' }]);
  assert.equal(res.statusCode, 201);

  await assert.rejects(client.numbers.buy('14155550101'), sdkError(404, 'number not available'));

  const after = await client.numbers.search('US', { type: 'local', pattern: '415' });
  assert.deepEqual(after.map((o) => o.number), ['14155550100', '14155550102', '14155550103']);
  assert.equal(after.meta.totalCount, 3);
});

test('numbers.buy with the SDK\'s optional arguments (app id, cnam lookup)', async () => {
  // cnam_lookup goes through as a body field
  const res = await client.numbers.buy('12125550100', undefined, 'enabled');
  assert.equal(res.status, 'fulfilled');
  // an unknown app id: 400, nothing is bought
  await assert.rejects(client.numbers.buy('14155550102', '12345678901234567'), sdkError(400, /app_id/));
  // cnam lookup on a non-US number: 400
  await assert.rejects(client.numbers.buy('447700900100', undefined, 'enabled'), sdkError(400, /cnam_lookup/));
  const left = await client.numbers.search('US', { pattern: '4155550102' });
  assert.deepEqual(left.map((o) => o.number), ['14155550102']);
});

test('a pending purchase through the SDK', async () => {
  const res = await client.numbers.buy('14155550103');
  assert.equal(res.status, 'pending');
  assert.deepEqual(res.numbers, [{ number: '14155550103', status: 'Pending' }]);
});

test('the SDK\'s phoneNumbers interface too (PhoneNumber/ resource)', async () => {
  const pn = new (require('plivo/dist/resources/numbers').PhoneNumberInterface)(clientRequest());
  const list = await pn.list({ country_iso: 'US', type: 'local' });
  assert.deepEqual(list.map((o) => o.number), ['14155550100', '14155550102']);
  const res = await pn.buy('14155550100');
  assert.equal(res.status, 'fulfilled');
});

// The request function the SDK's resources use, built the SDK's own way.
function clientRequest() {
  const { Axios } = require('plivo/dist/rest/axios');
  const { camelCaseRequestWrapper } = require('plivo/dist/rest/utils');
  return camelCaseRequestWrapper(Axios({
    authId: acct.auth_id, authToken: acct.auth_token, version: 'v1',
    url: `${srv.base}/v1/Account/${acct.auth_id}`, userAgent: 'numberd-tests',
  }));
}

test('numbers.addOwnNumber through a carrier made with fetch; numbers.get shows the carrier; numbers.unrent removes it', async () => {
  const c = await srv.plivo(acct, 'POST', 'IncomingCarrier/', { body: { name: 'sdk-carrier', ip_set: '192.0.2.1, 2001:db8::1' } });
  assert.equal(c.status, 201, c.text);
  const carrierId = c.json.carrier_id;
  const numbers = ['13125550100', '13125550101'];
  const res = await client.numbers.addOwnNumber(numbers.join(','), carrierId, 'United States', { number_type: 'local' });
  assert.match(res.apiId, UUID_RE);
  assert.equal(res.message, 'changed');
  for (const n of numbers) {
    const o = await client.numbers.get(n);
    assert.equal(o.number, n);
    assert.equal(o.carrier, 'sdk-carrier');
    assert.equal(o.region, 'United States');
    assert.equal(o.numberType, 'local');
    assert.equal(o.status, 'active');
    assert.equal(o.voiceEnabled, true);
    assert.equal(o.resourceUri, `/v1/Account/${acct.auth_id}/Number/${n}/`);
  }
  // a fault through the SDK: its 400 error with the server's message; nothing added
  await assert.rejects(client.numbers.addOwnNumber('13125550102,999', carrierId, 'United States'),
    sdkError(400, 'cannot add numbers, nothing was added: 999 (invalid number)'));
  await assert.rejects(client.numbers.get('13125550102'), sdkError(404, 'not found'));
  await assert.rejects(client.numbers.addOwnNumber('13125550102', '12345678901234', 'United States'),
    sdkError(400, 'invalid carrier: no carrier 12345678901234 on this account'));

  assert.equal(await client.numbers.unrent(numbers[0]), true);
  await assert.rejects(client.numbers.get(numbers[0]), sdkError(404, 'not found'));
  const left = await srv.plivo(acct, 'GET', 'Number/', { query: { number_startswith: '1312555' } });
  assert.deepEqual(left.json.objects.map((o) => o.number), [numbers[1]]);
  // not for sale after the unrent
  const s = await client.numbers.search('US', { pattern: '3125550100' });
  assert.deepEqual(s.map((o) => o.number), []);
  // the carrier is still busy with the other number
  const d = await srv.plivo(acct, 'DELETE', `IncomingCarrier/${carrierId}/`);
  assert.equal(d.status, 409, d.text);
  assert.equal(d.json.error, 'carrier sdk-carrier still has 1 number: unrent it first');
});
