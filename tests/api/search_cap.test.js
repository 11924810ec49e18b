'use strict';
// API.md §2.2 total_count, and the design choice of docs/PERFORMANCE.md:
// a search counts its matches up to 1,000 (or offset + limit + 1 when
// paging deeper), so that its cost does not grow with the inventory.
// Below the cap the count is exact; paging is always right.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start, generateCsv } = require('./lib/server');

let srv;
let acct;
const N = 1500;

before(async () => {
  srv = await start({ args: ['--rate-limit', '0'] });
  await srv.loadCsv(generateCsv(N, 'GB', 3));
  acct = await srv.createAccount('cap');
});
after(() => srv.stop());

const search = async (query) => {
  const r = await srv.plivo(acct, 'GET', 'PhoneNumber/', { query: { country_iso: 'GB', ...query } });
  assert.equal(r.status, 200, r.text);
  return r.json;
};

test('a broad search reports the cap and still links the next page', async () => {
  const j = await search({ limit: 20 });
  assert.equal(j.meta.total_count, 1000);
  assert.equal(j.objects.length, 20);
  assert.match(j.meta.next, /offset=20/);
});

test('paging past the cap counts far enough to know the last page', async () => {
  const j = await search({ limit: 20, offset: N - 20 });
  assert.equal(j.meta.total_count, N);   // exact: the cap grew to offset + limit + 1
  assert.equal(j.objects.length, 20);
  assert.equal(j.meta.next, null);
  const before = await search({ limit: 20, offset: N - 40 });
  assert.equal(before.meta.total_count, N - 40 + 21);
  assert.match(before.meta.next, new RegExp(`offset=${N - 20}`));
});

test('a narrow search is counted exactly', async () => {
  const all = [];
  for (let off = 0; ; off += 20) {
    const j = await search({ limit: 20, offset: off, type: 'mobile' });
    all.push(...j.objects);
    if (!j.meta.next) break;
  }
  const first = await search({ limit: 1, type: 'mobile' });
  if (all.length < 1000) assert.equal(first.meta.total_count, all.length);
  assert.ok(all.length > 0);
});
