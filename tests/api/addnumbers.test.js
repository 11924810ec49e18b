'use strict';
// API.md §2.3 "Add numbers from your carrier" (POST Number/, seed 000), with
// the carriers of §2.4; unrent of such numbers (§2.3, §5: removed, never
// aging); the inventory they never enter (§2.2 search, §4 import and stats);
// §1 (subaccounts: their own carriers, 403 for assigning), §2.6 (app_id and the
// default_number_app).

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { start, assertPlivoError, csv, ALL_COLUMNS, UUID_RE } = require('./lib/server');

const NUMBER_KEYS = ['number', 'alias', 'sub_account', 'added_on', 'application', 'carrier', 'region', 'number_type',
  'monthly_rental_rate', 'renewal_date', 'sms_enabled', 'sms_rate', 'mms_enabled', 'mms_rate', 'voice_enabled',
  'voice_rate', 'cnam_lookup', 'cnam', 'tendlc_registration_status', 'tendlc_campaign_id', 'toll_free_sms_verification',
  'profile_uuid', 'caller_reputation_status', 'status', 'compliance_id', 'resource_uri',
  // what the official SDKs read (issue 14): docs/PLIVO-COMPATIBILITY.md
  'sub_account_name', 'active', 'city', 'country', 'toll_free_sms_verification_id',
  'toll_free_sms_verification_order_status', 'compliance_application_id', 'compliance_status'].sort();
const NOBODY_CARRIER = '12345678901234';
const NOBODY_APP = '12345678901234567';
const NOBODY_SUB = 'SA00000000000000000Z';
const today = () => new Date().toISOString().slice(0, 10);

let srv;
const W = {};

// inventory numbers (San Francisco); BYOC numbers are Chicago 1312555xxxx (never in the inventory)
const INV = Array.from({ length: 10 }, (_, i) => `141555506${String(i).padStart(2, '0')}`);
const INV_AVAILABLE = INV[0];
const INV_AVAILABLE2 = INV[1];
const INV_BOB = INV[2]; // bought by bob
const INV_ALICE = INV[3]; // bought by alice
const INV_AGING = INV[4]; // bought by alice, then unrented: aging (default 45 days)
const INV_AGING_BOB = INV[5]; // bought by bob, then unrented: aging

let seq = 100;
const byoc = () => `1312555${String(seq++).padStart(4, '0')}`;
const byocs = (n) => Array.from({ length: n }, byoc);

before(async () => {
  srv = await start({ args: ['--rate-limit', '0'] }); // many calls per account in a few ms
  await srv.loadCsv(csv(ALL_COLUMNS, INV.map((number) => ({
    number, country_iso: 'US', type: 'fixed', sub_type: 'local', city: 'SAN FRANCISCO', region: 'CALIFORNIA',
    voice_enabled: 'true', sms_enabled: 'true', monthly_rental_rate: '0.80000',
  }))));
  const alice = await srv.createAccount('alice');
  const bob = await srv.createAccount('bob');
  const sub = async (main, name) => {
    const r = await srv.plivo(main, 'POST', 'Subaccount/', { body: { name, enabled: true } });
    assert.equal(r.status, 201, r.text);
    return { auth_id: r.json.auth_id, auth_token: r.json.auth_token };
  };
  const sa1 = await sub(alice, 'sa1');
  const sa2 = await sub(alice, 'sa2');
  const sb = await sub(bob, 'sb');
  Object.assign(W, {
    alice, bob, sa1, sa2, sb,
    cA: await carrier(alice, 'alice-main'),
    cAvoiceOff: await carrier(alice, 'alice-sms-only', { voice: false }),
    cAnone: await carrier(alice, 'alice-nothing', { voice: 'false', sms: 'false' }),
    cSa1: await carrier(sa1, 'sa1-carrier'),
    cSa2: await carrier(sa2, 'sa2-carrier'),
    cB: await carrier(bob, 'bob-main'),
    appA: await app(alice, 'appA'),
    appB: await app(bob, 'appB'),
  });
  for (const [who, n] of [[bob, INV_BOB], [alice, INV_ALICE], [alice, INV_AGING], [bob, INV_AGING_BOB]]) {
    const r = await srv.buy(who, n);
    assert.equal(r.status, 201, r.text);
  }
  for (const [who, n] of [[alice, INV_AGING], [bob, INV_AGING_BOB]]) {
    const r = await srv.plivo(who, 'DELETE', `Number/${n}/`);
    assert.equal(r.status, 204, r.text);
  }
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

// ---- helpers -----------------------------------------------------------------

async function carrier(acct, name, extra = {}) {
  const r = await srv.plivo(acct, 'POST', 'IncomingCarrier/', { body: { name, ip_set: '192.0.2.1', ...extra } });
  assert.equal(r.status, 201, r.text);
  return r.json.carrier_id;
}

async function app(acct, name, extra = {}) {
  const r = await srv.plivo(acct, 'POST', 'Application/',
    { body: { app_name: name, answer_url: `https://example.com/${name}`, ...extra } });
  assert.equal(r.status, 201, r.text);
  return r.json.app_id;
}

const add = (acct, body, opts = {}) => srv.plivo(acct, 'POST', 'Number/', { body, ...opts });

async function mustAdd(acct, body) {
  const r = await add(acct, body);
  assert.equal(r.status, 202, r.text);
  assert.deepEqual(Object.keys(r.json).sort(), ['api_id', 'message']);
  assert.match(r.json.api_id, UUID_RE);
  assert.equal(r.json.message, 'changed');
}

async function getNumber(acct, n) {
  const r = await srv.plivo(acct, 'GET', `Number/${n}/`);
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.api_id, UUID_RE);
  const { api_id, ...rest } = r.json;
  return rest;
}

async function assertAbsent(acct, n) {
  assertPlivoError(await srv.plivo(acct, 'GET', `Number/${n}/`), 404, 'not found');
}

async function listNumbers(acct, query = {}) {
  const out = [];
  for (let offset = 0; ; offset += 20) {
    const r = await srv.plivo(acct, 'GET', 'Number/', { query: { ...query, offset } });
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.objects);
    if (!r.json.meta.next) return out;
  }
}

async function unrent(acct, n) {
  const r = await srv.plivo(acct, 'DELETE', `Number/${n}/`);
  assert.equal(r.status, 204, r.text);
  assert.equal(r.text, '');
}

async function stats() {
  const r = await srv.admin('GET', '/admin/v1/inventory/stats');
  assert.equal(r.status, 200, r.text);
  return r.json;
}

/** Whether a PhoneNumber/ search by anyone shows the number. */
async function searchable(acct, n) {
  const r = await srv.search(acct, { country_iso: 'US', pattern: n.slice(1) });
  assert.equal(r.status, 200, r.text);
  return r.json.objects.some((o) => o.number === n);
}

const appUri = (main, id) => `/v1/Account/${main.auth_id}/Application/${id}/`;
const numberUri = (main, n) => `/v1/Account/${main.auth_id}/Number/${n}/`;
const fault = (pairs) => `cannot add numbers, nothing was added: ${pairs.map(([n, why]) => `${n} (${why})`).join(', ')}`;

// ---- adding -------------------------------------------------------------------

describe('add: success', () => {
  test('202 {api_id, message: changed}; every number appears with the carrier\'s name, region and defaults', async () => {
    const [n1, n2] = byocs(2);
    const before = await stats();
    await mustAdd(W.alice, { numbers: `${n1},${n2}`, carrier: W.cA, region: 'United States' });
    for (const n of [n1, n2]) {
      const o = await getNumber(W.alice, n);
      assert.deepEqual(Object.keys(o).sort(), NUMBER_KEYS);
      assert.equal(o.number, n);
      assert.equal(o.carrier, 'alice-main');
      assert.equal(o.region, 'United States');
      assert.equal(o.number_type, 'local');
      assert.equal(o.status, 'active');
      assert.equal(o.added_on, today());
      assert.equal(o.renewal_date, null);
      assert.equal(o.monthly_rental_rate, null);
      assert.equal(o.voice_enabled, true);
      assert.equal(o.sms_enabled, true);
      assert.equal(o.mms_enabled, false);
      assert.equal(o.sub_account, null);
      assert.equal(o.application, null);
      assert.equal(o.alias, null);
      assert.equal(o.resource_uri, numberUri(W.alice, n));
    }
    // in the list too, shown exactly as by GET
    const listed = await listNumbers(W.alice, { number_startswith: n1 });
    assert.deepEqual(listed, [await getNumber(W.alice, n1)]);
    // the inventory is untouched
    assert.deepEqual(await stats(), before);
  });

  test('a leading + is accepted; numbers are stored without it', async () => {
    const [n1, n2] = byocs(2);
    await mustAdd(W.alice, { numbers: `+${n1},${n2}`, carrier: W.cA, region: 'US' });
    assert.equal((await getNumber(W.alice, n1)).number, n1);
    assert.equal((await getNumber(W.alice, `+${n2}`)).number, n2);
  });

  test('numbers as a JSON array of strings', async () => {
    const ns = byocs(3);
    await mustAdd(W.alice, { numbers: [ns[0], `+${ns[1]}`, ns[2]], carrier: W.cA, region: 'Illinois' });
    for (const n of ns) assert.equal((await getNumber(W.alice, n)).region, 'Illinois');
  });

  test('a form body; no trailing slash', async () => {
    const [n1, n2] = byocs(2);
    const r = await srv.plivo(W.alice, 'POST', 'Number', { form: { numbers: `${n1},${n2}`, carrier: W.cA, region: 'Form Land', number_type: 'fixed' } });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.json.message, 'changed');
    for (const n of [n1, n2]) {
      const o = await getNumber(W.alice, n);
      assert.equal(o.region, 'Form Land');
      assert.equal(o.number_type, 'fixed');
    }
  });

  test('a non-US number', async () => {
    await mustAdd(W.alice, { numbers: '447700900123', carrier: W.cA, region: 'United Kingdom', number_type: 'mobile' });
    const o = await getNumber(W.alice, '447700900123');
    assert.equal(o.region, 'United Kingdom');
    assert.equal(o.number_type, 'mobile');
    assert.equal(o.carrier, 'alice-main');
  });

  test('number_type: each value, case-insensitive; the list filter finds them', async () => {
    for (const [given, shown] of [['local', 'local'], ['national', 'national'], ['mobile', 'mobile'],
      ['tollfree', 'tollfree'], ['fixed', 'fixed'], ['MOBILE', 'mobile'], ['TollFree', 'tollfree'], ['Local', 'local']]) {
      const n = byoc();
      await mustAdd(W.alice, { numbers: n, carrier: W.cA, region: 'US', number_type: given });
      assert.equal((await getNumber(W.alice, n)).number_type, shown, given);
      assert.deepEqual((await listNumbers(W.alice, { number_startswith: n, type: shown })).map((o) => o.number), [n]);
    }
  });

  test('number_type defaults to local, but to tollfree for NANP toll-free numbers; a given type wins', async () => {
    const tf = ['18005550100', '18885550100', '18775550100', '18665550100', '18555550100', '18445550100', '18335550100'];
    const local = byoc();
    await mustAdd(W.alice, { numbers: [...tf, local].join(','), carrier: W.cA, region: 'US' });
    for (const n of tf) assert.equal((await getNumber(W.alice, n)).number_type, 'tollfree', n);
    assert.equal((await getNumber(W.alice, local)).number_type, 'local');
    await mustAdd(W.alice, { numbers: '18005550101', carrier: W.cA, region: 'US', number_type: 'local' });
    assert.equal((await getNumber(W.alice, '18005550101')).number_type, 'local');
  });

  test('voice_enabled and sms_enabled come from the carrier\'s flags; mms is off', async () => {
    const [n1, n2] = byocs(2);
    await mustAdd(W.alice, { numbers: n1, carrier: W.cAvoiceOff, region: 'US' });
    await mustAdd(W.alice, { numbers: n2, carrier: W.cAnone, region: 'US' });
    const o1 = await getNumber(W.alice, n1);
    assert.deepEqual([o1.carrier, o1.voice_enabled, o1.sms_enabled, o1.mms_enabled], ['alice-sms-only', false, true, false]);
    const o2 = await getNumber(W.alice, n2);
    assert.deepEqual([o2.carrier, o2.voice_enabled, o2.sms_enabled, o2.mms_enabled], ['alice-nothing', false, false, false]);
    assert.deepEqual((await listNumbers(W.alice, { number_startswith: n1, services: 'sms' })).map((o) => o.number), [n1]);
    assert.deepEqual(await listNumbers(W.alice, { number_startswith: n1, services: 'voice' }), []);
  });

  test('region: 1 to 64 characters', async () => {
    const n = byoc();
    await mustAdd(W.alice, { numbers: n, carrier: W.cA, region: 'R'.repeat(64) });
    assert.equal((await getNumber(W.alice, n)).region, 'R'.repeat(64));
    const m = byoc();
    await mustAdd(W.alice, { numbers: m, carrier: W.cA, region: 'São Paulo, BRASIL' });
    assert.equal((await getNumber(W.alice, m)).region, 'São Paulo, BRASIL');
    const bad = byoc();
    assertPlivoError(await add(W.alice, { numbers: bad, carrier: W.cA, region: 'R'.repeat(65) }), 400, /^invalid region/);
    assertPlivoError(await add(W.alice, { numbers: bad, carrier: W.cA, region: '' }), 400, /region/);
    assertPlivoError(await add(W.alice, { numbers: bad, carrier: W.cA, region: 'two\nlines' }), 400, /^invalid region/);
    assertPlivoError(await add(W.alice, { numbers: bad, carrier: W.cA, region: 'tab\there' }), 400, /^invalid region/);
    await assertAbsent(W.alice, bad);
  });

  test('app_id links the application; without it the default_number_app applies', async () => {
    const [n1, n2] = byocs(2);
    await mustAdd(W.alice, { numbers: n1, carrier: W.cA, region: 'US', app_id: W.appA });
    assert.equal((await getNumber(W.alice, n1)).application, appUri(W.alice, W.appA));
    // an account with a default_number_app
    const dora = await srv.createAccount('dora');
    const dc = await carrier(dora, 'dora-c');
    const dflt = await app(dora, 'dora-default', { default_number_app: true });
    const other = await app(dora, 'dora-other');
    await mustAdd(dora, { numbers: n2, carrier: dc, region: 'US' });
    assert.equal((await getNumber(dora, n2)).application, appUri(dora, dflt));
    const n3 = byoc();
    await mustAdd(dora, { numbers: n3, carrier: dc, region: 'US', app_id: other });
    assert.equal((await getNumber(dora, n3)).application, appUri(dora, other));
  });

  test('100 numbers in one request are fine', async () => {
    const acct = await srv.createAccount('hundred');
    const c = await carrier(acct, 'c100');
    const ns = byocs(100);
    await mustAdd(acct, { numbers: ns.join(','), carrier: c, region: 'US' });
    const listed = await listNumbers(acct);
    assert.deepEqual(listed.map((o) => o.number).sort(), [...ns].sort());
    for (const o of listed) assert.equal(o.carrier, 'c100');
    const arr = byocs(100);
    await mustAdd(acct, { numbers: arr, carrier: c, region: 'US' });
    assert.equal((await listNumbers(acct)).length, 200);
  });

  test('subaccount: the numbers are assigned to it and it sees them', async () => {
    const [n1, n2] = byocs(2);
    await mustAdd(W.alice, { numbers: `${n1},${n2}`, carrier: W.cA, region: 'US', subaccount: W.sa1.auth_id });
    for (const n of [n1, n2]) {
      assert.equal((await getNumber(W.alice, n)).sub_account, W.sa1.auth_id);
      assert.equal((await getNumber(W.sa1, n)).carrier, 'alice-main');
      await assertAbsent(W.sa2, n);
    }
    assert.deepEqual((await listNumbers(W.alice, { subaccount: W.sa1.auth_id, number_startswith: n1 })).map((o) => o.number), [n1]);
  });

  test('a subaccount adds numbers through its own carrier: assigned to it; the parent sees them, the sibling does not', async () => {
    const [n1, n2] = byocs(2);
    await mustAdd(W.sa1, { numbers: [n1, n2], carrier: W.cSa1, region: 'Sub Region' });
    for (const n of [n1, n2]) {
      const o = await getNumber(W.sa1, n);
      assert.equal(o.sub_account, W.sa1.auth_id);
      assert.equal(o.carrier, 'sa1-carrier');
      assert.equal(o.region, 'Sub Region');
      assert.equal(o.resource_uri, numberUri(W.sa1, n));
      assert.deepEqual(await getNumber(W.alice, n), { ...o, resource_uri: numberUri(W.alice, n) });
      await assertAbsent(W.sa2, n);
      await assertAbsent(W.bob, n);
    }
    assert.ok((await listNumbers(W.sa1)).some((o) => o.number === n1));
    assert.ok(!(await listNumbers(W.sa2)).some((o) => o.number === n1));
  });
});

// ---- refused requests -------------------------------------------------------------

describe('add: refused requests change nothing', () => {
  test('missing numbers, carrier or region: 400 missing required parameter', async () => {
    const n = byoc();
    assertPlivoError(await add(W.alice, { carrier: W.cA, region: 'US' }), 400, 'missing required parameter: numbers');
    assertPlivoError(await add(W.alice, { numbers: n, region: 'US' }), 400, 'missing required parameter: carrier');
    assertPlivoError(await add(W.alice, { numbers: n, carrier: W.cA }), 400, 'missing required parameter: region');
    assertPlivoError(await add(W.alice, undefined, { form: { numbers: n, carrier: W.cA } }), 400,
      'missing required parameter: region');
    await assertAbsent(W.alice, n);
  });

  test('an unknown body field: 400 unknown parameter', async () => {
    const n = byoc();
    assertPlivoError(await add(W.alice, { numbers: n, carrier: W.cA, region: 'US', carrier_id: W.cA }), 400,
      'unknown parameter: carrier_id');
    assertPlivoError(await add(W.alice, { numbers: n, carrier: W.cA, region: 'US', sub_account: W.sa1.auth_id }), 400,
      'unknown parameter: sub_account');
    await assertAbsent(W.alice, n);
  });

  test('an unknown carrier, another account\'s, a sibling\'s or the parent\'s (for a subaccount): 400 invalid carrier', async () => {
    const n = byoc();
    const tries = [
      [W.alice, NOBODY_CARRIER], [W.alice, W.cB], [W.bob, W.cA], [W.bob, W.cSa1],
      [W.sa1, W.cSa2], [W.sa2, W.cSa1], [W.sa1, W.cA], [W.sb, W.cSa1], [W.sb, W.cB],
    ];
    for (const [who, c] of tries) {
      assertPlivoError(await add(who, { numbers: n, carrier: c, region: 'US' }), 400,
        `invalid carrier: no carrier ${c} on this account`);
    }
    await assertAbsent(W.alice, n);
    await assertAbsent(W.bob, n);
  });

  // Found by a helper's audit (session 39): the main account put its own
  // number on a subaccount's carrier; the subaccount could not see the
  // number, yet could not delete its carrier (409 "still has 1 number").
  test('a subaccount\'s carrier carries only that subaccount\'s numbers: added or reassigned elsewhere, 400', async () => {
    const [n, m] = byocs(2);
    for (const sub of [undefined, W.sa2.auth_id]) {
      assertPlivoError(await add(W.alice, { numbers: n, carrier: W.cSa1, region: 'US', ...(sub ? { subaccount: sub } : {}) }), 400,
        `invalid carrier: sa1-carrier is subaccount ${W.sa1.auth_id}'s: its numbers are that subaccount's (add it for the subaccount)`);
    }
    await assertAbsent(W.alice, n);
    const list = await srv.byoc(W.alice.api_key, 'GET', '/carriers', { query: { limit: 100 } });
    assert.equal(list.status, 200, list.text);
    const sid = list.json.data.find((c) => c.carrier_name === 'sa1-carrier').voip_carrier_sid;
    const b = await srv.byoc(W.alice.api_key, 'POST', '', { body: { number: `+${n}`, voip_carrier_sid: sid } });
    assert.equal(b.status, 400, b.text);
    assert.match(b.json.detail, /is subaccount SA\w+'s/);
    await assertAbsent(W.alice, n);
    // for the subaccount, by its parent: fine; moved away from it: 400, unchanged
    await mustAdd(W.alice, { numbers: m, carrier: W.cSa1, region: 'US', subaccount: W.sa1.auth_id });
    for (const subaccount of ['', W.sa2.auth_id]) {
      assertPlivoError(await srv.plivo(W.alice, 'POST', `Number/${m}/`, { body: { subaccount } }), 400,
        `invalid subaccount: the number is on subaccount ${W.sa1.auth_id}'s carrier sa1-carrier, and stays that subaccount's`);
    }
    assert.equal((await getNumber(W.sa1, m)).sub_account, W.sa1.auth_id);
    await unrent(W.alice, m);
  });

  test('more than 100 numbers: 400 invalid numbers', async () => {
    const ns = Array.from({ length: 101 }, (_, i) => `1312556${String(i).padStart(4, '0')}`);
    assertPlivoError(await add(W.alice, { numbers: ns.join(','), carrier: W.cA, region: 'US' }), 400,
      'invalid numbers: give 1 to 100 numbers');
    assertPlivoError(await add(W.alice, { numbers: ns, carrier: W.cA, region: 'US' }), 400,
      'invalid numbers: give 1 to 100 numbers');
    await assertAbsent(W.alice, ns[0]);
    assert.deepEqual(await listNumbers(W.alice, { number_startswith: '1312556' }), []);
  });

  test('an empty list of numbers: 400', async () => {
    for (const numbers of ['', []]) {
      assertPlivoError(await add(W.alice, { numbers, carrier: W.cA, region: 'US' }), 400, /numbers/);
    }
  });

  test('numbers of the wrong JSON type: 400', async () => {
    const n = byoc();
    for (const numbers of [[Number(n)], [[n]], { n }, true, [n, null]]) {
      assertPlivoError(await add(W.alice, { numbers, carrier: W.cA, region: 'US' }), 400, /numbers/);
    }
    await assertAbsent(W.alice, n);
  });

  test('a bad number_type: 400 invalid number_type', async () => {
    const n = byoc();
    for (const t of ['premium', 'toll-free', '', 'LOCALX']) {
      assertPlivoError(await add(W.alice, { numbers: n, carrier: W.cA, region: 'US', number_type: t }), 400,
        /^invalid number_type/);
    }
    await assertAbsent(W.alice, n);
  });

  test('an unknown app_id, or another account\'s: 400 invalid app_id', async () => {
    const n = byoc();
    for (const id of [NOBODY_APP, W.appB]) {
      assertPlivoError(await add(W.alice, { numbers: n, carrier: W.cA, region: 'US', app_id: id }), 400,
        `invalid app_id: no application ${id} in this account`);
    }
    await assertAbsent(W.alice, n);
  });

  test('a subaccount that is not yours: 400 invalid subaccount', async () => {
    const n = byoc();
    for (const [who, c, s] of [[W.alice, W.cA, NOBODY_SUB], [W.alice, W.cA, W.sb.auth_id], [W.bob, W.cB, W.sa1.auth_id]]) {
      assertPlivoError(await add(who, { numbers: n, carrier: c, region: 'US', subaccount: s }), 400,
        `invalid subaccount: ${s} is not one of your subaccounts`);
    }
    await assertAbsent(W.alice, n);
    await assertAbsent(W.bob, n);
  });

  test('a subaccount caller giving subaccount (even its own): 403', async () => {
    const n = byoc();
    for (const s of [W.sa1.auth_id, W.sa2.auth_id]) {
      assertPlivoError(await add(W.sa1, { numbers: n, carrier: W.cSa1, region: 'US', subaccount: s }), 403);
    }
    await assertAbsent(W.sa1, n);
    await assertAbsent(W.alice, n);
  });
});

// ---- all or nothing -----------------------------------------------------------------

describe('add: all or nothing', () => {
  let aliceOwned;
  let bobOwned;
  before(async () => {
    aliceOwned = byoc();
    bobOwned = byoc();
    await mustAdd(W.alice, { numbers: aliceOwned, carrier: W.cA, region: 'US' });
    await mustAdd(W.bob, { numbers: bobOwned, carrier: W.cB, region: 'US' });
  });

  test('every fault is named, in request order, and none of the good numbers is added', async () => {
    const [g1, g2, g3] = byocs(3);
    const statsBefore = await stats();
    const aliceBefore = await listNumbers(W.alice);
    const bobBefore = await listNumbers(W.bob);
    const numbers = [g1, '999', g2, `+${g1}`, aliceOwned, bobOwned, INV_AVAILABLE, INV_AGING, INV_BOB, INV_ALICE,
      INV_AGING_BOB, '12125550123x', g3, '10005550100'];
    const r = await add(W.alice, { numbers: numbers.join(','), carrier: W.cA, region: 'US' });
    assertPlivoError(r, 400, fault([
      ['999', 'invalid number'],
      [`+${g1}`, 'duplicate in the request'],
      [aliceOwned, 'already on this account'],
      [bobOwned, 'already owned by another account'],
      [INV_AVAILABLE, "in the operator's inventory"],
      [INV_AGING, "in the operator's inventory"],
      [INV_BOB, 'already owned by another account'],
      [INV_ALICE, 'already on this account'],
      [INV_AGING_BOB, "in the operator's inventory"],
      ['12125550123x', 'invalid number'],
      ['10005550100', 'invalid number'],
    ]));
    for (const n of [g1, g2, g3]) await assertAbsent(W.alice, n);
    assert.deepEqual(await listNumbers(W.alice), aliceBefore);
    assert.deepEqual(await listNumbers(W.bob), bobBefore);
    assert.deepEqual(await stats(), statsBefore);
    assert.equal(await searchable(W.bob, INV_AVAILABLE), true);
    // the same good numbers on their own go in
    await mustAdd(W.alice, { numbers: [g1, g2, g3], carrier: W.cA, region: 'US' });
    for (const n of [g1, g2, g3]) assert.equal((await getNumber(W.alice, n)).carrier, 'alice-main');
  });

  test('one bad number at the end of 100: nothing added', async () => {
    const good = byocs(99);
    const r = await add(W.alice, { numbers: [...good, INV_AVAILABLE2], carrier: W.cA, region: 'US' });
    assertPlivoError(r, 400, fault([[INV_AVAILABLE2, "in the operator's inventory"]]));
    for (const n of [good[0], good[50], good[98]]) await assertAbsent(W.alice, n);
  });

  test('the fault list with a JSON array shows each number as given', async () => {
    const g = byoc();
    const r = await add(W.alice, { numbers: [g, `+${aliceOwned}`, '+1 312 555 0000', `+${g}`], carrier: W.cA, region: 'US' });
    assertPlivoError(r, 400, fault([
      [`+${aliceOwned}`, 'already on this account'],
      ['+1 312 555 0000', 'invalid number'],
      [`+${g}`, 'duplicate in the request'],
    ]));
    await assertAbsent(W.alice, g);
  });

  test('another account adding a number this account added: already owned by another account', async () => {
    const r = await add(W.bob, { numbers: aliceOwned, carrier: W.cB, region: 'US' });
    assertPlivoError(r, 400, fault([[aliceOwned, 'already owned by another account']]));
    assert.equal((await getNumber(W.alice, aliceOwned)).carrier, 'alice-main');
    await assertAbsent(W.bob, aliceOwned);
  });

  test('a main account re-adding its subaccount\'s number, a subaccount re-adding its own: already on this account', async () => {
    const n = byoc();
    await mustAdd(W.sa1, { numbers: n, carrier: W.cSa1, region: 'US' });
    assertPlivoError(await add(W.sa1, { numbers: n, carrier: W.cSa1, region: 'US' }), 400,
      fault([[n, 'already on this account']]));
    assertPlivoError(await add(W.alice, { numbers: n, carrier: W.cA, region: 'US' }), 400,
      fault([[n, 'already on this account']]));
    assert.equal((await getNumber(W.sa1, n)).carrier, 'sa1-carrier');
  });

  test('a request that fails for a parameter reports that, not the numbers', async () => {
    assertPlivoError(await add(W.alice, { numbers: `999,${aliceOwned}`, carrier: NOBODY_CARRIER, region: 'US' }), 400,
      `invalid carrier: no carrier ${NOBODY_CARRIER} on this account`);
  });
});

// ---- the inventory never sees them -------------------------------------------------------

describe('they never enter the inventory', () => {
  test('a search never shows an added number; buying it is 404', async () => {
    const n = byoc();
    await mustAdd(W.alice, { numbers: n, carrier: W.cA, region: 'US' });
    assert.equal(await searchable(W.bob, n), false);
    assert.equal(await searchable(W.alice, n), false);
    assertPlivoError(await srv.buy(W.bob, n), 404, 'number not available');
    assert.equal((await getNumber(W.alice, n)).carrier, 'alice-main');
  });

  test('an admin import of a row with a number a customer added does not steal it', async () => {
    const n = byoc();
    await mustAdd(W.alice, { numbers: n, carrier: W.cA, region: 'Chicago' });
    const before = await getNumber(W.alice, n);
    const statsBefore = await stats();
    const r = await srv.importCsv(csv(ALL_COLUMNS, [{
      number: n, country_iso: 'US', type: 'fixed', sub_type: 'local', city: 'CHICAGO', region: 'ILLINOIS',
      voice_enabled: 'true', monthly_rental_rate: '0.50000',
    }]));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.imported, 0, r.text);
    assert.equal(r.json.updated, 0, r.text);
    assert.deepEqual(r.json.rejected.map((x) => x.line), [2], r.text);
    assert.deepEqual(await getNumber(W.alice, n), before);
    assert.equal(await searchable(W.bob, n), false);
    assertPlivoError(await srv.buy(W.bob, n), 404, 'number not available');
    assert.deepEqual(await stats(), statsBefore);
  });
});

// ---- unrent ------------------------------------------------------------------------------

describe('unrent', () => {
  test('DELETE removes the number completely: 404, not listed, not for sale, not in the stats', async () => {
    const [n1, n2] = byocs(2);
    const statsBefore = await stats();
    await mustAdd(W.alice, { numbers: [n1, n2], carrier: W.cA, region: 'US', app_id: W.appA });
    await unrent(W.alice, n1);
    await assertAbsent(W.alice, n1);
    assert.deepEqual(await listNumbers(W.alice, { number_startswith: n1 }), []);
    assert.equal(await searchable(W.alice, n1), false);
    assert.equal(await searchable(W.bob, n1), false);
    assertPlivoError(await srv.buy(W.bob, n1), 404, 'number not available');
    assert.deepEqual(await stats(), statsBefore);
    assertPlivoError(await srv.plivo(W.alice, 'DELETE', `Number/${n1}/`), 404, 'not found');
    // the other one is still there
    assert.equal((await getNumber(W.alice, n2)).application, appUri(W.alice, W.appA));
  });

  test('it can be added again at once: by the same account, then (after another unrent) by another', async () => {
    const n = byoc();
    await mustAdd(W.alice, { numbers: n, carrier: W.cA, region: 'First' });
    await unrent(W.alice, n);
    await mustAdd(W.alice, { numbers: n, carrier: W.cAvoiceOff, region: 'Second', number_type: 'mobile' });
    const o = await getNumber(W.alice, n);
    assert.deepEqual([o.carrier, o.region, o.number_type, o.voice_enabled, o.status],
      ['alice-sms-only', 'Second', 'mobile', false, 'active']);
    await unrent(W.alice, n);
    await mustAdd(W.bob, { numbers: `+${n}`, carrier: W.cB, region: 'Bob land' });
    assert.equal((await getNumber(W.bob, n)).carrier, 'bob-main');
    await assertAbsent(W.alice, n);
  });

  test('a subaccount unrents its own added number; its sibling cannot', async () => {
    const n = byoc();
    await mustAdd(W.sa1, { numbers: n, carrier: W.cSa1, region: 'US' });
    assertPlivoError(await srv.plivo(W.sa2, 'DELETE', `Number/${n}/`), 404, 'not found');
    assertPlivoError(await srv.plivo(W.bob, 'DELETE', `Number/${n}/`), 404, 'not found');
    assert.equal((await getNumber(W.sa1, n)).carrier, 'sa1-carrier');
    await unrent(W.sa1, n);
    await assertAbsent(W.alice, n);
  });
});

// ---- the carrier and its numbers ---------------------------------------------------------

describe('the carrier and its numbers', () => {
  test('renaming the carrier renames the carrier field of its numbers', async () => {
    const c = await carrier(W.alice, 'to-rename');
    const ns = byocs(3);
    await mustAdd(W.alice, { numbers: ns, carrier: c, region: 'US' });
    const r = await srv.plivo(W.alice, 'POST', `IncomingCarrier/${c}/`, { body: { name: 'renamed-carrier' } });
    assert.equal(r.status, 202, r.text);
    for (const n of ns) assert.equal((await getNumber(W.alice, n)).carrier, 'renamed-carrier');
    const listed = await listNumbers(W.alice, { number_startswith: ns[0] });
    assert.equal(listed[0].carrier, 'renamed-carrier');
    // other carriers' numbers are not touched
    const other = (await listNumbers(W.alice)).filter((o) => !ns.includes(o.number) && o.carrier === 'renamed-carrier');
    assert.deepEqual(other, []);
  });

  test('delete while numbers use it: 409 naming how many; after unrenting them: 204, then 404', async () => {
    const c = await carrier(W.alice, 'busy');
    const ns = byocs(3);
    await mustAdd(W.alice, { numbers: ns, carrier: c, region: 'US' });
    const del = () => srv.plivo(W.alice, 'DELETE', `IncomingCarrier/${c}/`);
    assertPlivoError(await del(), 409, 'carrier busy still has 3 numbers: unrent them first');
    await unrent(W.alice, ns[0]);
    assertPlivoError(await del(), 409, 'carrier busy still has 2 numbers: unrent them first');
    await unrent(W.alice, ns[1]);
    assertPlivoError(await del(), 409, 'carrier busy still has 1 number: unrent it first');
    // the carrier and its last number are intact
    const g = await srv.plivo(W.alice, 'GET', `IncomingCarrier/${c}/`);
    assert.equal(g.status, 200, g.text);
    assert.equal(g.json.name, 'busy');
    assert.equal((await getNumber(W.alice, ns[2])).carrier, 'busy');
    await unrent(W.alice, ns[2]);
    const r = await del();
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, '');
    assertPlivoError(await srv.plivo(W.alice, 'GET', `IncomingCarrier/${c}/`), 404);
    // and it can no longer be used
    assertPlivoError(await add(W.alice, { numbers: ns[0], carrier: c, region: 'US' }), 400,
      `invalid carrier: no carrier ${c} on this account`);
  });

  test('a subaccount\'s numbers keep its carrier busy for the main account too', async () => {
    const c = await carrier(W.sa2, 'sa2-busy');
    const n = byoc();
    await mustAdd(W.sa2, { numbers: n, carrier: c, region: 'US' });
    assertPlivoError(await srv.plivo(W.alice, 'DELETE', `IncomingCarrier/${c}/`), 409,
      'carrier sa2-busy still has 1 number: unrent it first');
    assertPlivoError(await srv.plivo(W.sa2, 'DELETE', `IncomingCarrier/${c}/`), 409,
      'carrier sa2-busy still has 1 number: unrent it first');
    await unrent(W.alice, n);
    assert.equal((await srv.plivo(W.sa2, 'DELETE', `IncomingCarrier/${c}/`)).status, 204);
  });

  test('a number assigned to a subaccount through the main account\'s carrier shows that carrier to the subaccount', async () => {
    const n = byoc();
    await mustAdd(W.alice, { numbers: n, carrier: W.cAvoiceOff, region: 'US', subaccount: W.sa2.auth_id });
    const o = await getNumber(W.sa2, n);
    assert.deepEqual([o.carrier, o.sub_account, o.voice_enabled], ['alice-sms-only', W.sa2.auth_id, false]);
  });
});

// ---- subaccount deletion and races ---------------------------------------------------------

describe('deleting a subaccount', () => {
  test('its carrier and the numbers it added go to the main account; the carrier stays busy', async () => {
    const doomed = await (async () => {
      const r = await srv.plivo(W.alice, 'POST', 'Subaccount/', { body: { name: 'doomed', enabled: true } });
      assert.equal(r.status, 201, r.text);
      return { auth_id: r.json.auth_id, auth_token: r.json.auth_token };
    })();
    const c = await carrier(doomed, 'doomed-carrier');
    const ns = byocs(2);
    await mustAdd(doomed, { numbers: ns, carrier: c, region: 'Doomed' });
    const d = await srv.plivo(W.alice, 'DELETE', `Subaccount/${doomed.auth_id}/`);
    assert.equal(d.status, 204, d.text);
    for (const n of ns) {
      const o = await getNumber(W.alice, n);
      assert.deepEqual([o.sub_account, o.carrier, o.region, o.status], [null, 'doomed-carrier', 'Doomed', 'active']);
    }
    assertPlivoError(await srv.plivo(W.alice, 'DELETE', `IncomingCarrier/${c}/`), 409,
      'carrier doomed-carrier still has 2 numbers: unrent them first');
    // the main account can now add through it
    const more = byoc();
    await mustAdd(W.alice, { numbers: more, carrier: c, region: 'US' });
    assert.deepEqual([(await getNumber(W.alice, more)).carrier, (await getNumber(W.alice, more)).sub_account],
      ['doomed-carrier', null]);
  });
});

describe('races', () => {
  // One account's adders run at once (PostgreSQL since session 28): each
  // request's numbers are inserted in ascending order, and adders on one
  // counter slot take turns, so overlapping requests never deadlock --
  // a deadlock would be broken by PostgreSQL after a second and the loser
  // run again, which the log says ("to break a deadlock").
  // Two nodes (two processes on one SQLite file), so that on PostgreSQL
  // more connections than slots add at once: some share a slot.
  // Since session 29 a node's writer answers its writes in batches on
  // PostgreSQL too (one transaction, a savepoint each): a batch holds what
  // its earlier requests locked until it commits, so two nodes' batches
  // adding the same numbers in another order can deadlock -- PostgreSQL
  // breaks it, the batch commits what it kept and the loser runs again.
  // With batches this asserts the answers; without them (the writer
  // threads of NUMBERD_NO_BATCHES=1), that no deadlock happened at all.
  const deadlocks = (t) => (t.match(/to break a deadlock/g) || []).length;
  // 10 rounds of 24 requests through nodes A and B; every answer checked
  async function overlappingAdds(A, B) {
    // numbers of the pool for request i: two to four, in either order,
    // and now and then a toll-free one (another counter row)
    const pick = (pool, tollfree, i) => {
      const mine = [pool[i % 8], pool[(i + 1 + (i % 3)) % 8]];
      if (i % 3 === 1) mine.push(pool[(i + 5) % 8]);
      if (i % 4 === 0) mine.push(tollfree);
      return mine;
    };
    for (let round = 0; round < 10; round++) {
      const pool = byocs(8);
      const tollfree = `1888555${String(seq++).padStart(4, '0')}`;
      const calls = Array.from({ length: 24 }, (_, i) => {
        const mine = pick(pool, tollfree, i);
        if (i % 2) mine.reverse();
        return (i % 2 ? B : A).plivo(W.alice, 'POST', 'Number/',
          { body: { numbers: mine, carrier: W.cA, region: 'US' } });
      });
      const rs = await Promise.all(calls);
      for (const r of rs) {
        if (r.status === 202) continue;
        assertPlivoError(r, 400, /^cannot add numbers, nothing was added: /);
        // the numbers went to this same account (checked before the
        // insert, or found by it after the winner's commit)
        assert.doesNotMatch(r.json.error, /another account|inventory/, r.text);
        assert.match(r.json.error, /already on this account/, r.text);
      }
      assert.ok(rs.some((r) => r.status === 202), 'some request won');
      const won = new Set();
      rs.forEach((r, i) => {
        if (r.status !== 202) return;
        for (const n of pick(pool, tollfree, i)) {
          assert.ok(!won.has(n), `${n} added by two requests`);
          won.add(n);
        }
      });
      for (const n of won) assert.equal((await getNumber(W.alice, n)).number, n);
    }
  }

  test('one account\'s overlapping adds at once, on two nodes: each number added once, each request answered', async () => {
    const before = deadlocks(srv.stderr());
    const B = await start({ dir: srv.dir, admin: false, args: ['--rate-limit', '0'] });
    try {
      await overlappingAdds(srv, B);
      const n = deadlocks(srv.stderr()) - before + deadlocks(B.stderr());
      if (n) console.log(`# ${n} add(s) aborted to break a deadlock between two batches, and run again`);
    } finally {
      await B.stop();
    }
  });

  test('the same without batches (NUMBERD_NO_BATCHES=1): no deadlock at all', async () => {
    const opts = { dir: srv.dir, admin: false, args: ['--rate-limit', '0'], env: { NUMBERD_NO_BATCHES: '1' } };
    const A = await start(opts);
    const B = await start(opts);
    try {
      await overlappingAdds(A, B);
      assert.equal(deadlocks(A.stderr()) + deadlocks(B.stderr()), 0, 'no add was aborted to break a deadlock');
    } finally {
      await A.stop();
      await B.stop();
    }
  });

  // Adders hold their carrier FOR SHARE and do not wait for each other;
  // a rename (FOR UPDATE) must still get its turn under a stream of adds
  // (PostgreSQL: the carrier's advisory lock queues it), and every number
  // must end up with the carrier's last name (what an add copied from the
  // carrier stays true until it commits).
  test('a carrier renamed under a stream of adds through it: every rename answered, every number renamed', async () => {
    const c = await carrier(W.alice, 'stream-0');
    let stop = false;
    const added = [];
    const adder = async () => {
      while (!stop) {
        const ns = byocs(2);
        const r = await add(W.alice, { numbers: ns, carrier: c, region: 'US' });
        assert.equal(r.status, 202, r.text);
        added.push(...ns);
      }
    };
    const adders = Array.from({ length: 12 }, adder);
    try {
      for (let i = 1; i <= 6; i++) {
        await new Promise((res) => setTimeout(res, 150));
        const r = await srv.plivo(W.alice, 'POST', `IncomingCarrier/${c}/`, { body: { name: `stream-${i}` } });
        assert.equal(r.status, 202, `rename ${i}: ${r.text}`);
      }
    } finally {
      stop = true;
      await Promise.all(adders);
    }
    assert.ok(added.length > 24, `adds ran alongside (${added.length})`);
    for (const n of added) assert.equal((await getNumber(W.alice, n)).carrier, 'stream-6', n);
  });

  test('two accounts adding the same numbers at once: exactly one wins, all of its numbers', async () => {
    for (let round = 0; round < 5; round++) {
      const ns = byocs(3);
      const calls = Array.from({ length: 8 }, (_, i) => (i % 2
        ? add(W.alice, { numbers: ns, carrier: W.cA, region: 'US' })
        : add(W.bob, { numbers: [...ns].reverse(), carrier: W.cB, region: 'US' })));
      const rs = await Promise.all(calls);
      const ok = rs.filter((r) => r.status === 202);
      assert.equal(ok.length, 1, rs.map((r) => r.text).join('\n'));
      for (const r of rs) if (r.status !== 202) assertPlivoError(r, 400, /^cannot add numbers, nothing was added: /);
      const winner = rs.indexOf(ok[0]) % 2 ? W.alice : W.bob;
      const loser = winner === W.alice ? W.bob : W.alice;
      for (const n of ns) {
        assert.equal((await getNumber(winner, n)).number, n);
        await assertAbsent(loser, n);
      }
    }
  });

  test('deleting a carrier while numbers are added through it: never a number on a deleted carrier', async () => {
    for (let i = 0; i < 10; i++) {
      const c = await carrier(W.alice, `race-${i}`);
      const n = byoc();
      const [d, a] = await Promise.all([
        srv.plivo(W.alice, 'DELETE', `IncomingCarrier/${c}/`),
        add(W.alice, { numbers: n, carrier: c, region: 'US' }),
      ]);
      if (d.status === 204) {
        assertPlivoError(a, 400, `invalid carrier: no carrier ${c} on this account`);
        await assertAbsent(W.alice, n);
      } else {
        assertPlivoError(d, 409, `carrier race-${i} still has 1 number: unrent it first`);
        assert.equal(a.status, 202, a.text);
        assert.equal((await getNumber(W.alice, n)).carrier, `race-${i}`);
        await unrent(W.alice, n);
        assert.equal((await srv.plivo(W.alice, 'DELETE', `IncomingCarrier/${c}/`)).status, 204);
      }
    }
  });
});

// ---- default application and subaccounts -------------------------------------------------------

describe('a number added by or for a subaccount is not linked to the parent\'s default app', () => {
  // A subaccount may not link its numbers to its parent's applications
  // (POST Number/ with the parent's app_id: 400 "no application ... in this
  // account"; §1: it sees only what is assigned to it), yet a number it adds
  // without app_id gets the parent's default_number_app, shown to it as
  // /v1/Account/{SA}/Application/{parent's app}/ -- a URI that answers 404 to it.
  test('the application a subaccount sees on a number it added is one it can GET (or none)', async () => {
    const parent = await srv.createAccount('bug-parent');
    const r = await srv.plivo(parent, 'POST', 'Subaccount/', { body: { name: 'bug-sub', enabled: true } });
    assert.equal(r.status, 201, r.text);
    const child = { auth_id: r.json.auth_id, auth_token: r.json.auth_token };
    const parentDefault = await app(parent, 'parent-default', { default_number_app: true });
    const c = await carrier(child, 'bug-sub-carrier');
    // the subaccount cannot link the parent's app explicitly ...
    assertPlivoError(await add(child, { numbers: byoc(), carrier: c, region: 'US', app_id: parentDefault }), 400,
      `invalid app_id: no application ${parentDefault} in this account`);
    // ... and so must not get it implicitly either
    const n = byoc();
    await mustAdd(child, { numbers: n, carrier: c, region: 'US' });
    const o = await getNumber(child, n);
    assert.equal(o.application, null);
    // the parent's own additions still get its default application
    const pc = await carrier(parent, 'bug-parent-carrier');
    const pn = byoc();
    await mustAdd(parent, { numbers: pn, carrier: pc, region: 'US' });
    assert.equal((await getNumber(parent, pn)).application, `/v1/Account/${parent.auth_id}/Application/${parentDefault}/`);
  });
});
