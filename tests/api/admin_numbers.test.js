'use strict';
// Issue 19: GET /admin/v1/numbers -- the operator's list of owned numbers in
// one state (the pending ones waiting for approval), every account's, in
// number order, paged by cursor.  Approving a number takes it off the
// pending list; paging while approving neither skips nor repeats one.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { start, assertProblem, csv, ALL_COLUMNS } = require('./lib/server');

let srv;
let alice;
let bob;

// restricted US locals 1415555 9xxx (bought pending without compliance),
// plain ones 1415555 01xx (bought active), a restricted GB fixed number
const RESTRICTED = Array.from({ length: 25 }, (_, i) => `14155559${String(i).padStart(3, '0')}`);
const PLAIN = Array.from({ length: 5 }, (_, i) => `141555501${String(i).padStart(2, '0')}`);
const GB = '442071234500';

before(async () => {
  srv = await start();
  alice = await srv.createAccount('alice');
  bob = await srv.createAccount('bob');
  await srv.loadCsv(csv(ALL_COLUMNS, [
    ...RESTRICTED.map((number) => ({ number, country_iso: 'US', type: 'fixed', sub_type: 'local', city: 'SAN FRANCISCO',
      restriction: 'city-address', restriction_text: 'A San Francisco address is required.' })),
    ...PLAIN.map((number) => ({ number, country_iso: 'US', type: 'fixed', sub_type: 'local' })),
    { number: GB, country_iso: 'GB', type: 'fixed', sub_type: 'local', restriction: 'city-address' },
  ]));
  // alice: 20 pending, 3 active; bob: 5 pending (one of them GB), 2 active
  for (const n of RESTRICTED.slice(0, 20)) assert.equal((await srv.buy(alice, n)).json.status, 'pending');
  for (const n of RESTRICTED.slice(20, 24)) assert.equal((await srv.buy(bob, n)).json.status, 'pending');
  assert.equal((await srv.buy(bob, GB)).json.status, 'pending');
  for (const n of PLAIN.slice(0, 3)) assert.equal((await srv.buy(alice, n)).status, 201);
  for (const n of PLAIN.slice(3)) assert.equal((await srv.buy(bob, n)).status, 201);
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

const list = (query) => srv.admin('GET', `/admin/v1/numbers?${new URLSearchParams(query)}`);

/** Every page of query, following next_cursor; returns the numbers in order. */
async function all(query) {
  const out = [];
  let cursor;
  for (let pages = 0; pages < 100; pages++) {
    const r = await list(cursor ? { ...query, cursor } : query);
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.data.map((x) => x.number));
    if (r.json.next_cursor === null) return out;
    assert.equal(r.json.next_cursor, r.json.data[r.json.data.length - 1].number, 'the cursor is the last number shown');
    cursor = r.json.next_cursor;
  }
  throw new Error('the cursor never ended');
}

describe('listing', () => {
  test('status=pending: every account\'s pending numbers, in number order, with owner and restriction', async () => {
    const r = await list({ status: 'pending', limit: 100 });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    const want = [...RESTRICTED.slice(0, 24), GB].sort();
    assert.deepEqual(r.json.data.map((x) => x.number), want);
    assert.equal(r.json.next_cursor, null);
    assert.equal(r.json.limit, 100);
    const first = r.json.data[0];
    assert.deepEqual(first, {
      number: RESTRICTED[0], account: alice.auth_id, account_name: 'alice', sub_account: null, status: 'pending',
      country_iso: 'US', type: 'fixed', number_type: 'local', restriction: 'city-address',
      restriction_text: 'A San Francisco address is required.', compliance_id: null, added_on: first.added_on,
    });
    assert.match(first.added_on, /^\d{4}-\d{2}-\d{2}$/);
    const gb = r.json.data.find((x) => x.number === GB);
    assert.equal(gb.account, bob.auth_id);
    assert.equal(gb.country_iso, 'GB');
    assert.equal(gb.restriction_text, null);
  });

  test('status=active: the numbers in use, not the pending ones', async () => {
    assert.deepEqual(await all({ status: 'active' }), [...PLAIN].sort());
  });

  test('account filter: one main account\'s; an unknown account has none', async () => {
    assert.deepEqual(await all({ status: 'pending', account: bob.auth_id }), [...RESTRICTED.slice(20, 24), GB].sort());
    assert.deepEqual(await all({ status: 'active', account: alice.auth_id }), PLAIN.slice(0, 3));
    const none = await list({ status: 'pending', account: `MA${'0'.repeat(18)}` });
    assert.equal(none.status, 200, none.text);
    assert.deepEqual(none.json.data, []);
    assert.equal(none.json.next_cursor, null);
  });

  test('a subaccount\'s auth_id means its main account\'s numbers', async () => {
    const sub = await srv.plivo(alice, 'POST', 'Subaccount/', { body: { name: 'alice-sub', enabled: true } });
    assert.equal(sub.status, 201, sub.text);
    assert.deepEqual(await all({ status: 'active', account: sub.json.auth_id }), PLAIN.slice(0, 3));
  });

  test('cursor paging: default 20, pages of 7 join up to the whole list without a gap or a repeat', async () => {
    const d = await list({ status: 'pending' });
    assert.equal(d.json.limit, 20);
    assert.equal(d.json.data.length, 20);
    assert.notEqual(d.json.next_cursor, null);
    const whole = await all({ status: 'pending', limit: 100 });
    assert.equal(whole.length, 25);
    assert.deepEqual(await all({ status: 'pending', limit: 7 }), whole);
    // a page that ends exactly at the last number says so (no empty page after it)
    const last = await list({ status: 'pending', limit: 5, cursor: whole[19] });
    assert.deepEqual(last.json.data.map((x) => x.number), whole.slice(20));
    assert.equal(last.json.next_cursor, null);
  });
});

describe('bad requests change nothing and say what is wrong', () => {
  test('status is required and must be pending or active', async () => {
    assertProblem(await srv.admin('GET', '/admin/v1/numbers'), 400, /missing required parameter: status/);
    assertProblem(await list({ status: 'aging' }), 400, /invalid status/);
    assertProblem(await list({ status: 'PENDING' }), 400, /invalid status/);
  });

  test('limit 1..100, a cursor of digits, no offset, no unknown parameter', async () => {
    assertProblem(await list({ status: 'pending', limit: 0 }), 400, /invalid limit/);
    assertProblem(await list({ status: 'pending', limit: 101 }), 400, /invalid limit/);
    assertProblem(await list({ status: 'pending', cursor: 'abc' }), 400, /invalid cursor/);
    assertProblem(await list({ status: 'pending', cursor: '' }), 400, /invalid cursor/);
    assertProblem(await list({ status: 'pending', cursor: '1'.repeat(16) }), 400, /invalid cursor/);
    assertProblem(await list({ status: 'pending', offset: 20 }), 400, /unknown parameter: offset/);
    assertProblem(await list({ status: 'pending', country: 'US' }), 400, /unknown parameter: country/);
  });

  test('the admin token is required', async () => {
    assertProblem(await srv.admin('GET', '/admin/v1/numbers?status=pending', undefined, { token: null }), 401);
    assertProblem(await srv.admin('GET', '/admin/v1/numbers?status=pending', undefined, { token: 'wrong-token' }), 401);
    // a customer's credentials are no admin token
    assertProblem(await srv.admin('GET', '/admin/v1/numbers?status=pending', undefined, { token: alice.api_key }), 401);
  });
});

describe('approving', () => {
  test('an approved number leaves the pending list and shows active, to the operator and its owner', async () => {
    const n = RESTRICTED[3];
    assert.ok((await all({ status: 'pending' })).includes(n));
    assert.equal((await srv.admin('POST', `/admin/v1/numbers/${n}/approve`)).status, 200);
    assert.ok(!(await all({ status: 'pending' })).includes(n));
    assert.ok((await all({ status: 'active' })).includes(n));
    assert.equal((await srv.plivo(alice, 'GET', `Number/${n}/`)).json.status, 'active');
  });

  test('approving every number of each page while paging: each seen once, the list ends empty', async () => {
    const seen = [];
    let cursor;
    for (let pages = 0; pages < 50; pages++) {
      const r = await list(cursor ? { status: 'pending', limit: 4, cursor } : { status: 'pending', limit: 4 });
      assert.equal(r.status, 200, r.text);
      for (const x of r.json.data) {
        seen.push(x.number);
        assert.equal((await srv.admin('POST', `/admin/v1/numbers/${x.number}/approve`)).status, 200);
      }
      if (r.json.next_cursor === null) break;
      cursor = r.json.next_cursor;
    }
    assert.equal(new Set(seen).size, seen.length, 'no number twice');
    assert.equal(seen.length, 24, 'every pending number once (25 less the one approved before)');
    assert.deepEqual((await list({ status: 'pending' })).json.data, []);
    const stats = (await srv.admin('GET', '/admin/v1/inventory/stats')).json;
    assert.equal(stats.counts.US.fixed.pending, undefined);
  });
});
