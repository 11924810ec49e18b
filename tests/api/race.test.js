'use strict';
// API.md §2.2/§5: "Two concurrent buys of one number: exactly one succeeds;
// the other gets 404. A number is never sold twice, under any interleaving."
//
// 32 buyers (32 accounts), each with its own sequential loop of fetches
// without keep-alive (a fresh connection per request), all released at
// once, each trying all 100 numbers in its own shuffled order.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { start, basic, csv } = require('./lib/server');

const BUYERS = 32;
const NUMBERS = Array.from({ length: 100 }, (_, i) => `141555510${String(i).padStart(2, '0')}`);
const CONTROL = ['14155552000', '14155552001'];

let srv;
let accounts;

before(async () => {
  srv = await start({ threads: 4 });
  await srv.loadCsv(csv(['number', 'country_iso', 'type', 'sub_type'],
    [...NUMBERS, ...CONTROL].map((number) => ({ number, country_iso: 'US', type: 'fixed', sub_type: 'local' }))));
  accounts = await Promise.all(Array.from({ length: BUYERS }, (_, i) => srv.createAccount(`buyer-${i}`)));
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

function shuffled(list) {
  const a = [...list];
  for (let i = a.length - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

test('32 concurrent buyers over the same 100 numbers: each number sold exactly once', async () => {
  let release;
  const gate = new Promise((r) => { release = r; });
  const results = []; // {buyer, number, status, body}

  const buyer = async (acct, idx) => {
    const order = shuffled(NUMBERS);
    const auth = basic(acct.auth_id, acct.auth_token);
    await gate;
    for (const number of order) {
      const res = await fetch(`${srv.base}/v1/Account/${acct.auth_id}/PhoneNumber/${number}/`, {
        method: 'POST',
        headers: { Authorization: auth, Connection: 'close' },
      });
      const text = await res.text();
      let body;
      try { body = JSON.parse(text); } catch { body = text; }
      results.push({ buyer: idx, number, status: res.status, body });
    }
  };

  const running = accounts.map((a, i) => buyer(a, i));
  release();
  await Promise.all(running);

  assert.equal(results.length, BUYERS * NUMBERS.length);
  const fiveXX = results.filter((r) => r.status >= 500);
  assert.deepEqual(fiveXX, [], 'no 5xx');
  const odd = results.filter((r) => r.status !== 201 && r.status !== 404);
  assert.deepEqual(odd, [], 'only 201 and 404');

  const wins = new Map(NUMBERS.map((n) => [n, []]));
  for (const r of results) {
    if (r.status === 201) {
      wins.get(r.number).push(r.buyer);
      assert.deepEqual(r.body, {
        api_id: r.body.api_id, message: 'created', numbers: [{ number: r.number, status: 'Success' }], status: 'fulfilled',
      });
    } else {
      assert.deepEqual(Object.keys(r.body).sort(), ['api_id', 'error']);
      assert.equal(r.body.error, 'number not available');
    }
  }
  const sold = results.filter((r) => r.status === 201).length;
  assert.equal(sold, NUMBERS.length, 'sum of 201s == 100');
  for (const [number, who] of wins) assert.equal(who.length, 1, `${number} sold to buyers ${who.join(', ')}`);
  assert.equal(results.filter((r) => r.status === 404).length, (BUYERS - 1) * NUMBERS.length);

  // afterwards: none of them is for sale, the controls are
  const s = await srv.search(accounts[0], { country_iso: 'US' });
  assert.equal(s.status, 200, s.text);
  assert.deepEqual(s.json.objects.map((o) => o.number), CONTROL);
  assert.equal(s.json.meta.total_count, CONTROL.length);
  const st = await srv.admin('GET', '/admin/v1/inventory/stats');
  assert.deepEqual(st.json.counts, { US: { fixed: { active: NUMBERS.length, available: CONTROL.length } } });
});

test('the same number bought by every buyer at the same instant: exactly one 201', async () => {
  const number = CONTROL[0];
  const out = await Promise.all(accounts.map((a) => fetch(`${srv.base}/v1/Account/${a.auth_id}/PhoneNumber/${number}/`, {
    method: 'POST', headers: { Authorization: basic(a.auth_id, a.auth_token), Connection: 'close' },
  }).then(async (r) => ({ status: r.status, body: await r.json() }))));
  assert.equal(out.filter((r) => r.status === 201).length, 1);
  assert.equal(out.filter((r) => r.status === 404 && r.body.error === 'number not available').length, BUYERS - 1);
});
