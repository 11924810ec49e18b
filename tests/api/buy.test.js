'use strict';
// API.md §2.2 (buy), §5 (states), §4 (compliance, approve).

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { start, assertPlivoError, assertProblem, csv, ALL_COLUMNS, UUID_RE } = require('./lib/server');

let srv;
let alice;
let bob;

// Plain US locals 1415555 01xx, restricted US locals 1415555 9xxx, one
// restricted US toll-free, GB numbers (restricted fixed, plain mobile).
const PLAIN = Array.from({ length: 40 }, (_, i) => `141555501${String(i).padStart(2, '0')}`);
const RESTRICTED = Array.from({ length: 20 }, (_, i) => `14155559${String(i).padStart(3, '0')}`);
const TOLLFREE_R = '18005550100';
const GB_FIXED_R = ['442071234500', '442071234501'];
const GB_MOBILE = ['447700900100', '447700900101'];

before(async () => {
  srv = await start();
  alice = await srv.createAccount('alice');
  bob = await srv.createAccount('bob');
  const rows = [
    ...PLAIN.map((number) => ({ number, country_iso: 'US', type: 'fixed', sub_type: 'local', city: 'SAN FRANCISCO',
      region: 'CALIFORNIA', rate_center: 'SNFC CNTRL', lata: 722, voice_enabled: 'true', sms_enabled: 'true',
      monthly_rental_rate: '0.80000' })),
    ...RESTRICTED.map((number) => ({ number, country_iso: 'US', type: 'fixed', sub_type: 'local',
      city: 'SAN FRANCISCO', region: 'CALIFORNIA', restriction: 'city-address',
      restriction_text: 'A San Francisco address is required.' })),
    { number: TOLLFREE_R, country_iso: 'US', type: 'tollfree', sub_type: 'tollfree', restriction: 'terms-and-conditions' },
    ...GB_FIXED_R.map((number) => ({ number, country_iso: 'GB', type: 'fixed', sub_type: 'local', city: 'LONDON',
      restriction: 'city-address' })),
    ...GB_MOBILE.map((number) => ({ number, country_iso: 'GB', type: 'mobile', sub_type: 'mobile' })),
  ];
  await srv.loadCsv(csv(ALL_COLUMNS, rows));
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

let plainIdx = 0;
const plain = () => PLAIN[plainIdx++];
let restrictedIdx = 0;
const restricted = () => RESTRICTED[restrictedIdx++];

async function available(number) {
  const cc = number.startsWith('44') ? 'GB' : 'US';
  const r = await srv.search(alice, { country_iso: cc, pattern: number.slice(cc === 'GB' ? 2 : 1) });
  assert.equal(r.status, 200, r.text);
  return r.json.objects.some((o) => o.number === number);
}

function assertCreated(r, number, pending = false) {
  assert.equal(r.status, 201, r.text);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.match(r.json.api_id, UUID_RE);
  assert.deepEqual(r.json, {
    api_id: r.json.api_id,
    message: 'created',
    numbers: [{ number, status: pending ? 'Pending' : 'Success' }],
    status: pending ? 'pending' : 'fulfilled',
  });
  assert.equal(r.headers.get('idempotent-replayed'), null);
}

async function stats() {
  const r = await srv.admin('GET', '/admin/v1/inventory/stats');
  assert.equal(r.status, 200, r.text);
  return r.json;
}

// ---- the happy path and "not available" ------------------------------------

test('buy: 201 with exactly the seed body; the number leaves the search', async () => {
  const n = plain();
  assert.equal(await available(n), true);
  assertCreated(await srv.buy(alice, n), n);
  assert.equal(await available(n), false);
});

test('a second buy of the same number: 404 number not available (same or other account)', async () => {
  const n = plain();
  assertCreated(await srv.buy(alice, n), n);
  assertPlivoError(await srv.buy(alice, n), 404, 'number not available');
  assertPlivoError(await srv.buy(bob, n), 404, 'number not available');
  assertPlivoError(await srv.buy(bob, `+${n}`), 404, 'number not available');
});

test('a valid number that is not in the inventory: 404 number not available', async () => {
  for (const n of ['14155550999', '12125550100', '442079460000', '+4915112345678']) {
    assertPlivoError(await srv.buy(alice, n), 404, 'number not available');
  }
});

test('an invalid number: 400 invalid number: <input>', async () => {
  for (const n of ['123', '1415555010', '4155550100a', '01415555010', '999123456789', '1234567890123456']) {
    assertPlivoError(await srv.buy(alice, n), 400, `invalid number: ${n}`);
  }
});

// ---- parameters ----------------------------------------------------------

describe('app_id', () => {
  test('an unknown app_id: 400, nothing bought', async () => {
    const n = PLAIN[39];
    for (const app_id of ['12345678901234567', '1', 'not-an-app']) {
      const r = await srv.buy(alice, n, { app_id });
      assertPlivoError(r, 400, /app_id/);
    }
    const r = await srv.buy(alice, n, { app_id: 1234567 }); // a JSON number
    assertPlivoError(r, 400, /app_id/);
    assert.equal(await available(n), true);
  });

  test('app_id null is the same as omitted', async () => {
    const n = plain();
    assertCreated(await srv.buy(alice, n, { app_id: null }), n);
  });
});

describe('subaccount', () => {
  test('not a subaccount of the caller: 400, nothing bought', async () => {
    const n = PLAIN[39];
    for (const subaccount of [bob.auth_id, alice.auth_id, 'SA00000000000000000Z', 'nonsense']) {
      const r = await srv.buy(alice, n, { subaccount });
      assertPlivoError(r, 400, /subaccount/);
    }
    const f = await srv.plivo(alice, 'POST', `PhoneNumber/${n}/`, { form: { subaccount: bob.auth_id } });
    assertPlivoError(f, 400, /subaccount/);
    assert.equal(await available(n), true);
  });
});

describe('cnam_lookup', () => {
  test('enabled and disabled are accepted on a US number', async () => {
    const a = plain();
    assertCreated(await srv.buy(alice, a, { cnam_lookup: 'enabled' }), a);
    const b = plain();
    assertCreated(await srv.buy(alice, b, { cnam_lookup: 'disabled' }), b);
  });

  test('any other value: 400', async () => {
    const n = PLAIN[39];
    for (const v of ['on', 'true', 'enable', 'yes', 'Enabled ']) {
      assertPlivoError(await srv.buy(alice, n, { cnam_lookup: v }), 400, /cnam_lookup/);
    }
    assertPlivoError(await srv.buy(alice, n, { cnam_lookup: true }), 400, /cnam_lookup/);
    assert.equal(await available(n), true);
  });

  test('on a non-US number: 400, nothing bought; without it the number sells', async () => {
    const n = GB_MOBILE[0];
    for (const v of ['enabled', 'disabled']) {
      assertPlivoError(await srv.buy(alice, n, { cnam_lookup: v }), 400, /cnam_lookup/);
    }
    assert.equal(await available(n), true);
    assertCreated(await srv.buy(alice, n), n);
  });
});

// ---- restrictions and compliance -------------------------------------------

describe('restricted numbers', () => {
  test('without compliance: bought pending; approve makes it active once', async () => {
    const n = restricted();
    assertCreated(await srv.buy(alice, n), n, true);
    assert.equal(await available(n), false);
    assertPlivoError(await srv.buy(bob, n), 404, 'number not available');
    const before = await stats();
    assert.equal(before.counts.US.fixed.pending, 1);

    const a = await srv.admin('POST', `/admin/v1/numbers/${n}/approve`);
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(a.json, { number: n, status: 'active' });
    const afterA = await stats();
    assert.equal(afterA.counts.US.fixed.pending, undefined);
    assert.equal(afterA.counts.US.fixed.active, before.counts.US.fixed.active + 1);

    const again = await srv.admin('POST', `/admin/v1/numbers/${n}/approve`);
    assertProblem(again, 409);
    assert.equal(await available(n), false);
  });

  test('approve accepts +, answers 409 for an active number, 404 for one nobody owns, 400 for a bad one', async () => {
    const n = restricted();
    assertCreated(await srv.buy(bob, n), n, true);
    const a = await srv.admin('POST', `/admin/v1/numbers/%2B${n}/approve`);
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(a.json, { number: n, status: 'active' });

    const p = plain();
    assertCreated(await srv.buy(bob, p), p);
    assertProblem(await srv.admin('POST', `/admin/v1/numbers/${p}/approve`), 409);
    assertProblem(await srv.admin('POST', `/admin/v1/numbers/${PLAIN[39]}/approve`), 404);
    assertProblem(await srv.admin('POST', '/admin/v1/numbers/14155550999/approve'), 404);
    assertProblem(await srv.admin('POST', '/admin/v1/numbers/12345/approve'), 400, /invalid number/);
    // approving did not sell the available one
    assert.equal(await available(PLAIN[39]), true);
  });

  test('a restricted toll-free and a restricted GB number are pending too', async () => {
    const carol = await srv.createAccount('carol');
    assertCreated(await srv.buy(carol, TOLLFREE_R), TOLLFREE_R, true);
    assertCreated(await srv.buy(carol, GB_FIXED_R[0]), GB_FIXED_R[0], true);
  });

  test('with an approved compliance record of the account: fulfilled (auto-picked)', async () => {
    const dave = await srv.createAccount('dave');
    await srv.compliance(dave.auth_id, 'US', 'local');
    const n = restricted();
    assertCreated(await srv.buy(dave, n), n);
  });

  test('a record for the number\'s type (fixed) applies as well as its sub_type (local)', async () => {
    const erin = await srv.createAccount('erin');
    const id = await srv.compliance(erin.auth_id, 'us', 'fixed');
    const n = restricted();
    assertCreated(await srv.buy(erin, n), n);
    const m = restricted();
    assertCreated(await srv.buy(erin, m, { compliance_application_id: id }), m);
  });

  test('the named record, when it matches, fulfils', async () => {
    const frank = await srv.createAccount('frank');
    const id = await srv.compliance(frank.auth_id, 'US', 'local');
    const n = restricted();
    assertCreated(await srv.buy(frank, n, { compliance_application_id: id }), n);
    const g = await srv.compliance(frank.auth_id, 'GB', 'local');
    assertCreated(await srv.buy(frank, GB_FIXED_R[1], { compliance_application_id: g }), GB_FIXED_R[1]);
  });

  test('a named record that does not match country or type, or is not the caller\'s: 400, nothing bought', async () => {
    const gina = await srv.createAccount('gina');
    const gb = await srv.compliance(gina.auth_id, 'GB', 'local');
    const tf = await srv.compliance(gina.auth_id, 'US', 'tollfree');
    const mobile = await srv.compliance(gina.auth_id, 'US', 'mobile');
    const bobs = await srv.compliance(bob.auth_id, 'US', 'local');
    const n = RESTRICTED[RESTRICTED.length - 1];
    for (const id of [gb, tf, mobile, bobs, '3f1c1a52-2f7c-4d5e-9a0b-1c2d3e4f5a6b']) {
      assertPlivoError(await srv.buy(gina, n, { compliance_application_id: id }), 400, /compliance_application_id/);
    }
    for (const id of ['not-a-uuid', '12345']) {
      assertPlivoError(await srv.buy(gina, n, { compliance_application_id: id }), 400, /compliance_application_id/);
    }
    // also on a number without a restriction
    assertPlivoError(await srv.buy(gina, PLAIN[39], { compliance_application_id: gb }), 400, /compliance_application_id/);
    assert.equal(await available(n), true);
    assert.equal(await available(PLAIN[39]), true);
  });

  test('the most recent applicable record is picked; inapplicable ones are ignored', async () => {
    const hank = await srv.createAccount('hank');
    // records that do not apply to a US local number
    await srv.compliance(hank.auth_id, 'GB', 'local');
    await srv.compliance(hank.auth_id, 'US', 'mobile');
    await srv.compliance(hank.auth_id, 'US', 'tollfree');
    const a = restricted();
    assertCreated(await srv.buy(hank, a), a, true);
    // one that applies, then a newer one that does not: the applicable one is used
    await srv.compliance(hank.auth_id, 'US', 'local');
    await srv.compliance(hank.auth_id, 'CA', 'local');
    const b = restricted();
    assertCreated(await srv.buy(hank, b), b);
    // another account's record never applies
    const ivy = await srv.createAccount('ivy');
    const c = restricted();
    assertCreated(await srv.buy(ivy, c), c, true);
    // an unrestricted number needs nothing
    const d = plain();
    assertCreated(await srv.buy(ivy, d), d);
  });
});

// ---- Idempotency-Key ----------------------------------------------------------

describe('Idempotency-Key', () => {
  test('the same key and body replays the first response and buys nothing', async () => {
    const n = plain();
    const key = 'buy-0001_abcdef';
    const first = await srv.buy(alice, n, { cnam_lookup: 'enabled' }, { headers: { 'Idempotency-Key': key } });
    assertCreated(first, n);
    const before = await stats();
    for (let i = 0; i < 2; i++) {
      const again = await srv.buy(alice, n, { cnam_lookup: 'enabled' }, { headers: { 'Idempotency-Key': key } });
      assert.equal(again.status, 201, again.text);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(again.text, first.text, 'the stored body, byte for byte');
    }
    assert.deepEqual(await stats(), before, 'nothing else was bought');
    // without the key, the same request is a new purchase attempt
    assertPlivoError(await srv.buy(alice, n, { cnam_lookup: 'enabled' }), 404, 'number not available');
  });

  test('the same key with another body or another number: 409', async () => {
    const n = plain();
    const key = 'buy-0002-abcdef';
    assertCreated(await srv.buy(alice, n, {}, { headers: { 'Idempotency-Key': key } }), n);
    let r = await srv.buy(alice, n, { cnam_lookup: 'disabled' }, { headers: { 'Idempotency-Key': key } });
    assertPlivoError(r, 409, /Idempotency-Key/);
    const m = PLAIN[39];
    r = await srv.buy(alice, m, {}, { headers: { 'Idempotency-Key': key } });
    assertPlivoError(r, 409, /Idempotency-Key/);
    assert.equal(await available(m), true);
  });

  test('concurrent requests with the same key: one purchase, the others replay it', async () => {
    const n = plain();
    const key = 'concurrent-key-1';
    const all = await Promise.all(Array.from({ length: 8 }, () =>
      srv.buy(alice, n, { cnam_lookup: 'enabled' }, { headers: { 'Idempotency-Key': key } })));
    for (const r of all) assert.equal(r.status, 201, r.text);
    const fresh = all.filter((r) => r.headers.get('idempotent-replayed') === null);
    assert.equal(fresh.length, 1, 'exactly one response is not a replay');
    for (const r of all) assert.equal(r.text, fresh[0].text);
    for (const r of all) if (r !== fresh[0]) assert.equal(r.headers.get('idempotent-replayed'), 'true');
  });

  test("a retry through another spelling of the same path ('/' optional, '+') replays", async () => {
    const n = plain();
    const key = 'spelling-key-1';
    const first = await srv.plivo(alice, 'POST', `PhoneNumber/${n}/`, { body: {}, headers: { 'Idempotency-Key': key } });
    assertCreated(first, n);
    for (const p of [`PhoneNumber/${n}`, `PhoneNumber/%2B${n}/`, `PhoneNumber/+${n}`]) {
      const r = await srv.plivo(alice, 'POST', p, { body: {}, headers: { 'Idempotency-Key': key } });
      assert.equal(r.status, 201, `${p}: ${r.text}`);
      assert.equal(r.text, first.text);
      assert.equal(r.headers.get('idempotent-replayed'), 'true');
    }
  });

  test('a pending purchase replays as pending', async () => {
    const n = restricted();
    const key = 'pending-key-1';
    const jill = await srv.createAccount('jill'); // no compliance record
    const first = await srv.buy(jill, n, undefined, { headers: { 'Idempotency-Key': key } });
    assertCreated(first, n, true);
    const again = await srv.buy(jill, n, undefined, { headers: { 'Idempotency-Key': key } });
    assert.equal(again.status, 201);
    assert.equal(again.text, first.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
  });

  test('keys belong to the account that used them', async () => {
    const key = 'shared-key-123';
    const a = plain();
    assertCreated(await srv.buy(alice, a, {}, { headers: { 'Idempotency-Key': key } }), a);
    const b = plain();
    const r = await srv.buy(bob, b, {}, { headers: { 'Idempotency-Key': key } });
    assertCreated(r, b);
  });

  test('a failed purchase is not stored: the key can be used again', async () => {
    const key = 'failed-first-1';
    const n = plain();
    assertPlivoError(await srv.buy(alice, n, { cnam_lookup: 'bogus' }, { headers: { 'Idempotency-Key': key } }), 400);
    assertCreated(await srv.buy(alice, n, {}, { headers: { 'Idempotency-Key': key } }), n);
  });

  test('a malformed key: 400, nothing bought', async () => {
    const n = PLAIN[39];
    for (const key of ['short', '1234567', 'has space', 'bad!chars!', 'ключ-ключ-ключ', 'a'.repeat(256), 'abc.defgh', 'abc/defgh']) {
      const r = await srv.raw('POST', `/v1/Account/${alice.auth_id}/PhoneNumber/${n}/`, {
        headers: {
          Authorization: 'Basic ' + Buffer.from(`${alice.auth_id}:${alice.auth_token}`).toString('base64'),
          'Idempotency-Key': Buffer.from(key, 'utf8').toString('latin1'),
        },
      });
      assertPlivoError(r, 400, /Idempotency-Key/);
    }
    assert.equal(await available(n), true);
  });

  test('8 and 255 characters are valid lengths', async () => {
    const a = plain();
    assertCreated(await srv.buy(alice, a, {}, { headers: { 'Idempotency-Key': 'A1_-b2C3' } }), a);
    const b = plain();
    assertCreated(await srv.buy(alice, b, {}, { headers: { 'Idempotency-Key': 'k'.repeat(255) } }), b);
  });
});

test('bought numbers are gone from the search; the others are still there', async () => {
  const r = await srv.search(alice, { country_iso: 'US', pattern: '41555501' });
  const r2 = await srv.search(alice, { country_iso: 'US', pattern: '41555501', offset: 20 });
  const left = [...r.json.objects, ...r2.json.objects].map((o) => o.number);
  assert.equal(r.json.meta.total_count, PLAIN.length - plainIdx);
  assert.deepEqual(left, PLAIN.slice(plainIdx));
  const got = new Set(PLAIN.slice(0, plainIdx));
  for (const n of left) assert.equal(got.has(n), false, `${n} was bought but is still for sale`);
  assert.ok(left.includes(PLAIN[39]));
});
