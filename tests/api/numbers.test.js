'use strict';
// API.md §2.3 (account phone numbers: list with every filter, get, update,
// unrent; not "Add numbers from your carrier"), §5 (states: aging and the
// aging sweep), the operator status action (admin API and CLI), tenant
// isolation, and the official Plivo SDK on Number/.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const plivo = require('plivo');
const { BIN, start, dbOf, assertPlivoError, assertProblem, csv, ALL_COLUMNS, UUID_RE } = require('./lib/server');

// ---- fixtures ----------------------------------------------------------------

const FIELDS = ['number', 'alias', 'sub_account', 'added_on', 'application', 'carrier', 'region',
  'number_type', 'monthly_rental_rate', 'renewal_date', 'sms_enabled', 'sms_rate', 'mms_enabled',
  'mms_rate', 'voice_enabled', 'voice_rate', 'cnam_lookup', 'cnam', 'tendlc_registration_status',
  'tendlc_campaign_id', 'toll_free_sms_verification', 'profile_uuid', 'caller_reputation_status',
  'status', 'compliance_id', 'resource_uri',
  // what the official SDKs read (issue 14): docs/PLIVO-COMPATIBILITY.md
  'sub_account_name', 'active', 'city', 'country', 'toll_free_sms_verification_id',
  'toll_free_sms_verification_order_status', 'compliance_application_id', 'compliance_status'];

const PROFILE = '3f1c1a52-2f7c-4d5e-9a0b-1c2d3e4f5a6b';
const PROFILE2 = '9b2e7c1d-4a3f-4e6b-8c5d-0f1e2d3c4b5a';

const SF = { country_iso: 'US', type: 'fixed', sub_type: 'local', prefix: '415', city: 'SAN FRANCISCO',
  region: 'CALIFORNIA', rate_center: 'SNFC CNTRL', lata: 722, voice_enabled: 'true', sms_enabled: 'true',
  mms_enabled: 'false', setup_rate: '0.00000', monthly_rental_rate: '0.80000', voice_rate: '0.00500',
  sms_rate: '0.00800', carrier: 'upstream-a' };
const TF = { country_iso: 'US', type: 'tollfree', sub_type: 'tollfree', prefix: '800', region: 'NATIONWIDE',
  voice_enabled: 'true', sms_enabled: 'true', monthly_rental_rate: '1.00000', voice_rate: '0.01500',
  sms_rate: '0.01000', carrier: 'upstream-tf' };

// carol's numbers: a fixed data set that only the list/get tests read.
const C = {
  NY: '12125550100',
  SF1: '14155550101',
  SF2: '14155550102',
  PEND: '14155559000',
  CA: '16135550100',
  TF1: '18005550100',
  TF2: '18005550101',
  TF3: '18885550100',
  GBN: '443031230000',
  GBM: '447700900100',
};
const CAROL_ALL = Object.values(C).sort();
const BOB_SF = '14155550150';
const FREE_SF = '14155550199'; // stays available
const FREE_TF = '18005550199'; // stays available

// alice's numbers: the update/unrent tests each take their own.
const A_SF = Array.from({ length: 48 }, (_, i) => `141555502${String(i).padStart(2, '0')}`);
const A_TF = ['18005550200', '18005550201', '18005550202'];
const A_GB = ['447700900200', '447700900201'];
const A_CA = '16135550200';
const A_USMOB = '13125550300';
const A_PEND = '14155559002';
const P_SF = Array.from({ length: 5 }, (_, i) => `141555506${String(i).padStart(2, '0')}`);

const ROWS = [
  { ...SF, number: C.SF1 },
  { ...SF, number: C.SF2, mms_enabled: 'true', mms_rate: '0.02000' },
  { ...SF, number: C.NY, prefix: '212', city: 'NEW YORK', region: 'NEW YORK', rate_center: 'NWYRCYZN01', lata: 132,
    mms_enabled: 'true', mms_rate: '0.02000', carrier: 'upstream-b' },
  { ...SF, number: C.PEND, restriction: 'city-address', restriction_text: 'A San Francisco address is required.' },
  { number: C.CA, country_iso: 'CA', type: 'fixed', sub_type: 'local', city: 'OTTAWA', region: 'ONTARIO',
    voice_enabled: 'false', sms_enabled: 'true' },
  { ...TF, number: C.TF1 },
  { ...TF, number: C.TF2, sms_enabled: 'false', sms_rate: '' },
  { ...TF, number: C.TF3, prefix: '888' },
  { number: C.GBN, country_iso: 'GB', type: 'fixed', sub_type: 'national', city: 'LONDON', region: 'ENGLAND',
    voice_enabled: 'true', sms_enabled: 'false' },
  { number: C.GBM, country_iso: 'GB', type: 'mobile', sub_type: 'mobile', region: 'ENGLAND',
    voice_enabled: 'true', sms_enabled: 'true' },
  { ...SF, number: BOB_SF },
  { ...SF, number: FREE_SF },
  { ...TF, number: FREE_TF },
  ...A_SF.map((number) => ({ ...SF, number })),
  ...A_TF.map((number) => ({ ...TF, number })),
  ...A_GB.map((number) => ({ number, country_iso: 'GB', type: 'mobile', sub_type: 'mobile', voice_enabled: 'true' })),
  { number: A_CA, country_iso: 'CA', type: 'fixed', sub_type: 'local', city: 'OTTAWA', region: 'ONTARIO' },
  { number: A_USMOB, country_iso: 'US', type: 'mobile', sub_type: 'mobile', city: 'CHICAGO', region: 'ILLINOIS' },
  ...P_SF.map((number) => ({ ...SF, number })),
  { ...SF, number: A_PEND, restriction: 'city-address' },
];

// ---- helpers -------------------------------------------------------------------

function isoDate(d) { return d.toISOString().slice(0, 10); }
/** Same day of the next month, clamped to that month's last day. */
function plusMonth(date) {
  const [y, m, d] = date.split('-').map(Number);
  const ny = m === 12 ? y + 1 : y;
  const nm = m === 12 ? 1 : m + 1;
  const last = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
  return `${ny}-${String(nm).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}
const unix = (iso) => Math.floor(Date.parse(iso) / 1000);

async function mustBuy(s, acct, number, body) {
  const r = await s.buy(acct, number, body);
  assert.equal(r.status, 201, `buy ${number}: ${r.text}`);
  return r.json;
}

async function list(s, acct, query) {
  const r = await s.plivo(acct, 'GET', 'Number/', { query });
  assert.equal(r.status, 200, `${JSON.stringify(query)}: ${r.text}`);
  return r;
}
const numbersOf = (r) => r.json.objects.map((o) => o.number);
async function listNumbers(s, acct, query) { return numbersOf(await list(s, acct, query)); }

async function get(s, acct, number) {
  const r = await s.plivo(acct, 'GET', `Number/${number}/`);
  assert.equal(r.status, 200, `GET ${number}: ${r.text}`);
  return r.json;
}

async function update(s, acct, number, body) {
  return s.plivo(acct, 'POST', `Number/${number}/`, { body });
}
function assertChanged(r) {
  assert.equal(r.status, 202, r.text);
  assert.match(r.headers.get('content-type') || '', /^application\/json/);
  assert.deepEqual(Object.keys(r.json).sort(), ['api_id', 'message'], r.text);
  assert.match(r.json.api_id, UUID_RE);
  assert.equal(r.json.message, 'changed');
}
async function mustUpdate(s, acct, number, body) { assertChanged(await update(s, acct, number, body)); }

async function setStatus(s, number, body) {
  const r = await s.admin('POST', `/admin/v1/numbers/${number}/status`, body);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function searchable(s, acct, number) {
  const cc = number.startsWith('44') ? 'GB' : 'US';
  const r = await s.search(acct, { country_iso: cc, pattern: number.slice(cc === 'GB' ? 2 : 1) });
  assert.equal(r.status, 200, r.text);
  return r.json.objects.some((o) => o.number === number);
}

function assertNumberObject(o) {
  assert.deepEqual(Object.keys(o).sort(), [...FIELDS].sort(), JSON.stringify(o));
}

// ---- the main server --------------------------------------------------------

let srv;
let alice;
let bob;
let carol;
let TODAY;
let RENEWAL;

before(async () => {
  // a few hundred requests per account within a second: keep the rate limiter (tested elsewhere) out of it
  srv = await start({ args: ['--rate-limit', '0'] });
  [alice, bob, carol] = [await srv.createAccount('alice'), await srv.createAccount('bob'), await srv.createAccount('carol')];
  await srv.loadCsv(csv(ALL_COLUMNS, ROWS));
  TODAY = isoDate(new Date());
  RENEWAL = plusMonth(TODAY);

  await mustBuy(srv, carol, C.SF1, { cnam_lookup: 'enabled' });
  await mustBuy(srv, carol, C.SF2, { cnam_lookup: 'disabled' });
  for (const n of [C.NY, C.PEND, C.CA, C.TF1, C.TF2, C.TF3, C.GBN, C.GBM]) await mustBuy(srv, carol, n);
  await mustUpdate(srv, carol, C.SF1, { alias: 'Main Line' });
  await mustUpdate(srv, carol, C.GBM, { alias: 'Main Line' });
  await mustUpdate(srv, carol, C.TF1, { alias: 'main line' });
  await setStatus(srv, C.SF1, { tendlc_registration_status: 'COMPLETED', tendlc_campaign_id: 'CMP-A' });
  await setStatus(srv, C.SF2, { tendlc_registration_status: 'PROCESSING', tendlc_campaign_id: 'CMP-A' });
  await setStatus(srv, C.NY, { tendlc_registration_status: 'UNREGISTERED', tendlc_campaign_id: 'CMP-B' });
  await setStatus(srv, C.TF1, { toll_free_sms_verification: 'VERIFIED' });
  await setStatus(srv, C.TF2, { toll_free_sms_verification: 'PENDING_VERIFICATION' });
  await setStatus(srv, C.TF3, { toll_free_sms_verification: 'UNVERIFIED' });

  await mustBuy(srv, bob, BOB_SF);
  await mustUpdate(srv, bob, BOB_SF, { alias: 'Main Line' });
  await setStatus(srv, BOB_SF, { tendlc_registration_status: 'COMPLETED', tendlc_campaign_id: 'CMP-A' });

  for (const n of [...A_SF, ...A_TF, ...A_GB, A_CA, A_USMOB, A_PEND]) await mustBuy(srv, alice, n);
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

let sfIdx = 0;
const sf = () => {
  assert.ok(sfIdx < A_SF.length - 1, 'out of fixture numbers'); // the last one is kept for the isolation tests
  return A_SF[sfIdx++];
};

// ---- list: envelope, objects, order ------------------------------------------

describe('GET Number/ (list)', () => {
  test('returns exactly the caller\'s active and pending numbers, ordered by number, in the list envelope', async () => {
    const r = await list(srv, carol, {});
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(Object.keys(r.json).sort(), ['api_id', 'meta', 'objects']);
    assert.match(r.json.api_id, UUID_RE);
    assert.deepEqual(r.json.meta, { limit: 20, next: null, offset: 0, previous: null, total_count: CAROL_ALL.length });
    assert.deepEqual(numbersOf(r), CAROL_ALL);
    for (const o of r.json.objects) assertNumberObject(o);
    // bob's number and the unsold ones are not in it
    assert.ok(!numbersOf(r).includes(BOB_SF));
    assert.ok(!numbersOf(r).includes(FREE_SF));
    assert.ok(!numbersOf(r).includes(FREE_TF));
  });

  test('the object of a number bought from the inventory, field by field', async () => {
    const r = await list(srv, carol, { number_startswith: C.SF2 });
    assert.equal(r.json.objects.length, 1);
    assert.deepEqual(r.json.objects[0], {
      number: C.SF2,
      alias: null,
      sub_account: null,
      sub_account_name: null,
      active: true,
      city: 'SAN FRANCISCO',
      country: 'UNITED STATES',
      added_on: TODAY,
      application: null,
      carrier: 'upstream-a',
      region: 'SAN FRANCISCO, UNITED STATES',
      number_type: 'local',
      monthly_rental_rate: '0.80000',
      renewal_date: RENEWAL,
      sms_enabled: true,
      sms_rate: '0.00800',
      mms_enabled: true,
      mms_rate: '0.02000',
      voice_enabled: true,
      voice_rate: '0.00500',
      cnam_lookup: 'disabled',
      cnam: null,
      tendlc_registration_status: 'PROCESSING',
      tendlc_campaign_id: 'CMP-A',
      toll_free_sms_verification: null,
      toll_free_sms_verification_id: null,
      toll_free_sms_verification_order_status: null,
      profile_uuid: null,
      caller_reputation_status: null,
      status: 'active',
      compliance_id: null,
      compliance_application_id: null,
      compliance_status: null,
      resource_uri: `/v1/Account/${carol.auth_id}/Number/${C.SF2}/`,
    });
  });

  test('region: "<CITY>, <COUNTRY NAME>", or the row\'s region without a city; number_type is the sub_type; carrier from the row', async () => {
    const all = (await list(srv, carol, {})).json.objects;
    const by = Object.fromEntries(all.map((o) => [o.number, o]));
    assert.equal(by[C.NY].region, 'NEW YORK, UNITED STATES');
    assert.equal(by[C.NY].carrier, 'upstream-b');
    assert.equal(by[C.CA].region, 'OTTAWA, CANADA');
    assert.equal(by[C.GBN].region, 'LONDON, UNITED KINGDOM');
    assert.equal(by[C.GBN].number_type, 'national');
    assert.equal(by[C.TF1].region, 'NATIONWIDE');
    assert.equal(by[C.TF1].number_type, 'tollfree');
    assert.equal(by[C.TF1].carrier, 'upstream-tf');
    assert.equal(by[C.GBM].region, 'ENGLAND');
    assert.equal(by[C.GBM].number_type, 'mobile');
    assert.equal(by[C.GBM].carrier, 'numberd', 'the default carrier name');
    assert.equal(by[C.GBM].monthly_rental_rate, null, 'an unset rate is null');
    assert.equal(by[C.TF2].sms_enabled, false);
    assert.equal(by[C.TF2].sms_rate, null);
    assert.equal(by[C.CA].voice_enabled, false);
    assert.equal(by[C.SF1].cnam_lookup, 'enabled');
    assert.equal(by[C.NY].cnam_lookup, 'disabled', 'not chosen at purchase: disabled (never null: the SDKs read it)');
    for (const o of all) {
      assert.equal(o.added_on, TODAY);
      assert.equal(o.renewal_date, RENEWAL);
    }
  });

  test('a number bought without a compliance record is listed with status pending', async () => {
    const o = (await list(srv, carol, { number_startswith: C.PEND })).json.objects;
    assert.equal(o.length, 1);
    assert.equal(o[0].status, 'pending');
    assert.equal(o[0].compliance_id, null);
    const others = (await list(srv, carol, {})).json.objects.filter((x) => x.number !== C.PEND);
    for (const x of others) assert.equal(x.status, 'active', x.number);
  });

  test('a pending number becomes active when the operator approves it (§5)', async () => {
    const before = await get(srv, alice, A_PEND);
    assert.equal(before.status, 'pending');
    await mustUpdate(srv, alice, A_PEND, { alias: 'awaiting approval' });
    const a = await srv.admin('POST', `/admin/v1/numbers/${A_PEND}/approve`);
    assert.equal(a.status, 200, a.text);
    const o = await get(srv, alice, A_PEND);
    assert.equal(o.status, 'active');
    assert.equal(o.alias, 'awaiting approval');
    assert.equal(before.active, false);
    assert.equal(o.active, true);
    assert.deepEqual({ ...o, api_id: null, status: null, active: null, alias: null },
      { ...before, api_id: null, status: null, active: null });
    const l = (await list(srv, alice, { number_startswith: A_PEND })).json.objects;
    assert.equal(l[0].status, 'active');
  });

  test('an account with no numbers: an empty list', async () => {
    const dan = await srv.createAccount('dan');
    const r = await list(srv, dan, {});
    assert.deepEqual(r.json.meta, { limit: 20, next: null, offset: 0, previous: null, total_count: 0 });
    assert.deepEqual(r.json.objects, []);
  });

  test('HEAD answers like GET without a body; a repeated parameter is a 400', async () => {
    const auth = { Authorization: 'Basic ' + Buffer.from(`${carol.auth_id}:${carol.auth_token}`).toString('base64') };
    const h = await srv.raw('HEAD', `/v1/Account/${carol.auth_id}/Number/`, { headers: auth });
    assert.equal(h.status, 200);
    assert.equal(h.text, '');
    const d = await srv.raw('GET', `/v1/Account/${carol.auth_id}/Number/?type=local&type=mobile`, { headers: auth });
    assertPlivoError(d, 400, /type/);
  });

  test('the trailing slash is optional', async () => {
    const r = await srv.plivo(carol, 'GET', 'Number', { query: { type: 'tollfree' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(numbersOf(r), [C.TF1, C.TF2, C.TF3]);
  });
});

// ---- list: paging ---------------------------------------------------------------

describe('list paging', () => {
  test('limit/offset pages; next and previous are relative URIs that keep the filters', async () => {
    const p1 = await list(srv, carol, { limit: 4 });
    assert.deepEqual(numbersOf(p1), CAROL_ALL.slice(0, 4));
    assert.equal(p1.json.meta.limit, 4);
    assert.equal(p1.json.meta.offset, 0);
    assert.equal(p1.json.meta.total_count, CAROL_ALL.length);
    assert.equal(p1.json.meta.previous, null);
    const next = new URL(p1.json.meta.next, 'http://x');
    assert.equal(next.pathname, `/v1/Account/${carol.auth_id}/Number/`);
    assert.deepEqual(Object.fromEntries(next.searchParams), { limit: '4', offset: '4' });

    const p3 = await list(srv, carol, { limit: 4, offset: 8 });
    assert.deepEqual(numbersOf(p3), CAROL_ALL.slice(8));
    assert.equal(p3.json.meta.next, null);
    const prev = new URL(p3.json.meta.previous, 'http://x');
    assert.equal(prev.pathname, `/v1/Account/${carol.auth_id}/Number/`);
    assert.deepEqual(Object.fromEntries(prev.searchParams), { limit: '4', offset: '4' });

    // with filters
    const f = await list(srv, carol, { type: 'local', services: 'sms', limit: 2 });
    assert.deepEqual(numbersOf(f), [C.NY, C.SF1]);
    assert.equal(f.json.meta.total_count, 5);
    const fn = new URL(f.json.meta.next, 'http://x');
    assert.deepEqual(Object.fromEntries(fn.searchParams), { limit: '2', offset: '2', type: 'local', services: 'sms' });
  });

  test('following next from the first page visits every number once, in order', async () => {
    const seen = [];
    let r = await srv.plivo(carol, 'GET', 'Number/', { query: { limit: 3, services: 'voice' } });
    for (let guard = 0; guard < 10; guard++) {
      assert.equal(r.status, 200, r.text);
      seen.push(...numbersOf(r));
      if (!r.json.meta.next) break;
      r = await srv.raw('GET', r.json.meta.next, {
        headers: { Authorization: 'Basic ' + Buffer.from(`${carol.auth_id}:${carol.auth_token}`).toString('base64') },
      });
    }
    const voice = CAROL_ALL.filter((n) => n !== C.CA);
    assert.deepEqual(seen, voice);
  });

  // PostgreSQL reads a first page straight from the owner index, or cuts
  // it from that index and reads its rows again, choosing by the filters
  // and, for a type or services filter, by what the counters said the
  // last time (store/postgres/owned.c): local numbers are half of carol's
  // (read straight once learnt), toll-free ones fewer (cut).  Every page
  // must be the same either way: the expected ones come from the
  // fixture's rows, not from the server.
  test('every page of every filter is the fixture\'s numbers in order, cut at offset and limit', async () => {
    const row = Object.fromEntries(ROWS.map((r) => [r.number, r]));
    const is = (n, t) => row[n].type === t || row[n].sub_type === t;
    const filters = [
      [{}, () => true],
      [{ type: 'local' }, (n) => is(n, 'local')],
      [{ type: 'tollfree' }, (n) => is(n, 'tollfree')],
      [{ type: 'fixed' }, (n) => is(n, 'fixed')],
      [{ type: 'mobile' }, (n) => is(n, 'mobile')],
      [{ services: 'sms' }, (n) => row[n].sms_enabled === 'true'],
      [{ type: 'local', services: 'sms' }, (n) => is(n, 'local') && row[n].sms_enabled === 'true'],
      [{ type: 'local', number_startswith: '1415' }, (n) => is(n, 'local') && n.startsWith('1415')],
    ];
    let pages = 0;
    for (const [query, keep] of filters) {
      const want = CAROL_ALL.filter(keep);
      assert.ok(want.length > 0, JSON.stringify(query));
      for (const limit of [1, 3, 20]) {
        for (const offset of [0, 1, 2, 5, 9, 10]) {
          const r = await list(srv, carol, { ...query, limit, offset });
          const what = JSON.stringify({ ...query, limit, offset });
          assert.deepEqual(numbersOf(r), want.slice(offset, offset + limit), what);
          assert.equal(r.json.meta.total_count, want.length, what);
          pages++;
        }
      }
    }
    assert.equal(pages, filters.length * 18);
  });

  test('next/previous percent-encode filter values (& = space, UTF-8) and following them works', async () => {
    const pat = await srv.createAccount('pat');
    const alias = 'A&B=C Büro';
    for (const n of P_SF) await mustBuy(srv, pat, n);
    for (const n of P_SF.slice(0, 4)) await mustUpdate(srv, pat, n, { alias });
    const auth = { Authorization: 'Basic ' + Buffer.from(`${pat.auth_id}:${pat.auth_token}`).toString('base64') };
    const p1 = await list(srv, pat, { alias, limit: 3 });
    assert.deepEqual(numbersOf(p1), P_SF.slice(0, 3));
    assert.equal(p1.json.meta.total_count, 4);
    assert.equal(new URL(p1.json.meta.next, 'http://x').searchParams.get('alias'), alias);
    const p2 = await srv.raw('GET', p1.json.meta.next, { headers: auth });
    assert.equal(p2.status, 200, p2.text);
    assert.deepEqual(numbersOf(p2), [P_SF[3]]);
    assert.equal(p2.json.meta.next, null);
    const back = await srv.raw('GET', p2.json.meta.previous, { headers: auth });
    assert.equal(back.status, 200, back.text);
    assert.deepEqual(numbersOf(back), P_SF.slice(0, 3));
    // previous never goes below offset 0; next is null on the exact last page
    const mid = await list(srv, pat, { limit: 3, offset: 1 });
    assert.equal(new URL(mid.json.meta.previous, 'http://x').searchParams.get('offset'), '0');
    assert.equal(new URL(mid.json.meta.next, 'http://x').searchParams.get('offset'), '4');
    const last = await list(srv, pat, { limit: 3, offset: 2 });
    assert.deepEqual(numbersOf(last), P_SF.slice(2));
    assert.equal(last.json.meta.next, null);
  });

  test('an offset past the end: 200 with no objects and the real total', async () => {
    const r = await list(srv, carol, { offset: 50 });
    assert.deepEqual(r.json.objects, []);
    assert.equal(r.json.meta.total_count, CAROL_ALL.length);
    assert.equal(r.json.meta.next, null);
  });

  test('limit outside 1..20, a bad limit or a negative offset: 400 naming the parameter', async () => {
    for (const limit of ['0', '21', '-1', 'abc', '2.5', '']) {
      assertPlivoError(await srv.plivo(carol, 'GET', 'Number/', { query: { limit } }), 400, /limit/);
    }
    for (const offset of ['-1', 'x', '1e3']) {
      assertPlivoError(await srv.plivo(carol, 'GET', 'Number/', { query: { offset } }), 400, /offset/);
    }
    assert.equal((await list(srv, carol, { limit: 20 })).json.objects.length, CAROL_ALL.length);
    assert.deepEqual(numbersOf(await list(srv, carol, { limit: 1 })), [CAROL_ALL[0]]);
  });
});

// ---- list: filters -----------------------------------------------------------

describe('list filters', () => {
  test('type matches the number\'s type or sub_type; number_type is an alias; case-insensitive', async () => {
    const local = [C.NY, C.SF1, C.SF2, C.PEND, C.CA];
    assert.deepEqual(await listNumbers(srv, carol, { type: 'local' }), local);
    assert.deepEqual(await listNumbers(srv, carol, { number_type: 'local' }), local);
    assert.deepEqual(await listNumbers(srv, carol, { type: 'LOCAL' }), local);
    assert.deepEqual(await listNumbers(srv, carol, { type: 'fixed' }), [C.NY, C.SF1, C.SF2, C.PEND, C.CA, C.GBN]);
    assert.deepEqual(await listNumbers(srv, carol, { type: 'national' }), [C.GBN]);
    assert.deepEqual(await listNumbers(srv, carol, { type: 'mobile' }), [C.GBM]);
    assert.deepEqual(await listNumbers(srv, carol, { number_type: 'Tollfree' }), [C.TF1, C.TF2, C.TF3]);
    // both given: the same value is fine, different values are a 400
    assert.deepEqual(await listNumbers(srv, carol, { type: 'mobile', number_type: 'MOBILE' }), [C.GBM]);
    assertPlivoError(await srv.plivo(carol, 'GET', 'Number/', { query: { type: 'local', number_type: 'mobile' } }), 400, /type/);
  });

  test('an invalid type: 400 naming it', async () => {
    for (const type of ['landline', 'toll-free', 'all', '']) {
      assertPlivoError(await srv.plivo(carol, 'GET', 'Number/', { query: { type } }), 400, /type/);
      assertPlivoError(await srv.plivo(carol, 'GET', 'Number/', { query: { number_type: type } }), 400, /number_type|type/);
    }
  });

  test('number_startswith: digits, with or without +, also a + that arrived as a space', async () => {
    const sfs = [C.SF1, C.SF2, C.PEND];
    assert.deepEqual(await listNumbers(srv, carol, { number_startswith: '1415' }), sfs);
    assert.deepEqual(await listNumbers(srv, carol, { number_startswith: '+1415' }), sfs); // encoded %2B
    const raw = await srv.raw('GET', `/v1/Account/${carol.auth_id}/Number/?number_startswith=+1415`, {
      headers: { Authorization: 'Basic ' + Buffer.from(`${carol.auth_id}:${carol.auth_token}`).toString('base64') },
    });
    assert.equal(raw.status, 200, raw.text);
    assert.deepEqual(numbersOf(raw), sfs);
    assert.deepEqual(await listNumbers(srv, carol, { number_startswith: '44' }), [C.GBN, C.GBM]);
    assert.deepEqual(await listNumbers(srv, carol, { number_startswith: '1' }), CAROL_ALL.filter((n) => n.startsWith('1')));
    assert.deepEqual(await listNumbers(srv, carol, { number_startswith: C.TF2 }), [C.TF2]);
    assert.deepEqual(await listNumbers(srv, carol, { number_startswith: '1415555015' }), [], 'bob\'s number is not found');
    assert.deepEqual(await listNumbers(srv, carol, { number_startswith: '99' }), []);
    for (const v of ['14a5', 'abc', '', '+', '++1', '1-415', '*415', '1415+']) {
      assertPlivoError(await srv.plivo(carol, 'GET', 'Number/', { query: { number_startswith: v } }), 400, /number_startswith/);
    }
  });

  test('alias: exact match, only the caller\'s numbers', async () => {
    assert.deepEqual(await listNumbers(srv, carol, { alias: 'Main Line' }), [C.SF1, C.GBM]);
    assert.deepEqual(await listNumbers(srv, carol, { alias: 'main line' }), [C.TF1]);
    assert.deepEqual(await listNumbers(srv, carol, { alias: 'Main' }), []);
    assert.deepEqual(await listNumbers(srv, carol, { alias: 'Main Line ' }), []);
    assert.deepEqual(await listNumbers(srv, bob, { alias: 'Main Line' }), [BOB_SF]);
    // combined with another filter
    assert.deepEqual(await listNumbers(srv, carol, { alias: 'Main Line', type: 'mobile' }), [C.GBM]);
  });

  test('services: ALL of the listed services; case-insensitive; bad values 400', async () => {
    const sms = [C.NY, C.SF1, C.SF2, C.PEND, C.CA, C.TF1, C.TF3, C.GBM];
    assert.deepEqual(await listNumbers(srv, carol, { services: 'sms' }), sms);
    assert.deepEqual(await listNumbers(srv, carol, { services: 'voice' }), CAROL_ALL.filter((n) => n !== C.CA));
    assert.deepEqual(await listNumbers(srv, carol, { services: 'mms' }), [C.NY, C.SF2]);
    assert.deepEqual(await listNumbers(srv, carol, { services: 'voice,sms' }), sms.filter((n) => n !== C.CA));
    assert.deepEqual(await listNumbers(srv, carol, { services: 'sms,voice' }), sms.filter((n) => n !== C.CA));
    assert.deepEqual(await listNumbers(srv, carol, { services: 'voice,sms,mms' }), [C.NY, C.SF2]);
    assert.deepEqual(await listNumbers(srv, carol, { services: 'SMS,Voice' }), sms.filter((n) => n !== C.CA));
    for (const services of ['fax', 'voice,fax', 'voice,', ',sms', 'voice sms', '']) {
      assertPlivoError(await srv.plivo(carol, 'GET', 'Number/', { query: { services } }), 400, /services/);
    }
  });

  test('cnam_lookup: enabled / disabled; case-insensitive; other values 400', async () => {
    assert.deepEqual(await listNumbers(srv, carol, { cnam_lookup: 'enabled' }), [C.SF1]);
    assert.deepEqual(await listNumbers(srv, carol, { cnam_lookup: 'ENABLED' }), [C.SF1]);
    const disabled = await listNumbers(srv, carol, { cnam_lookup: 'disabled' });
    assert.ok(disabled.includes(C.SF2));
    assert.ok(!disabled.includes(C.SF1));
    for (const v of ['on', 'true', 'yes', '']) {
      assertPlivoError(await srv.plivo(carol, 'GET', 'Number/', { query: { cnam_lookup: v } }), 400, /cnam_lookup/);
    }
  });

  test('tendlc_registration_status: unregistered / in_progress / registered map to the object values', async () => {
    assert.deepEqual(await listNumbers(srv, carol, { tendlc_registration_status: 'registered' }), [C.SF1]);
    assert.deepEqual(await listNumbers(srv, carol, { tendlc_registration_status: 'in_progress' }), [C.SF2]);
    assert.deepEqual(await listNumbers(srv, carol, { tendlc_registration_status: 'IN_PROGRESS' }), [C.SF2]);
    const unreg = await listNumbers(srv, carol, { tendlc_registration_status: 'unregistered' });
    assert.ok(unreg.includes(C.NY));
    assert.ok(!unreg.includes(C.SF1) && !unreg.includes(C.SF2));
    for (const v of ['done', 'in-progress', 'pending', '']) {
      assertPlivoError(await srv.plivo(carol, 'GET', 'Number/', { query: { tendlc_registration_status: v } }), 400,
        /tendlc_registration_status/);
    }
  });

  test('tendlc_campaign_id: exact match, combinable with the status', async () => {
    assert.deepEqual(await listNumbers(srv, carol, { tendlc_campaign_id: 'CMP-A' }), [C.SF1, C.SF2]);
    assert.deepEqual(await listNumbers(srv, carol, { tendlc_campaign_id: 'CMP-B' }), [C.NY]);
    assert.deepEqual(await listNumbers(srv, carol, { tendlc_campaign_id: 'CMP' }), []);
    assert.deepEqual(await listNumbers(srv, carol, { tendlc_campaign_id: 'CMP-A', tendlc_registration_status: 'registered' }), [C.SF1]);
    assert.deepEqual(await listNumbers(srv, bob, { tendlc_campaign_id: 'CMP-A' }), [BOB_SF]);
  });

  test('toll_free_sms_verification: unverified / pending_verification / verified', async () => {
    assert.deepEqual(await listNumbers(srv, carol, { toll_free_sms_verification: 'verified' }), [C.TF1]);
    assert.deepEqual(await listNumbers(srv, carol, { toll_free_sms_verification: 'pending_verification' }), [C.TF2]);
    assert.deepEqual(await listNumbers(srv, carol, { toll_free_sms_verification: 'Pending_Verification' }), [C.TF2]);
    const unv = await listNumbers(srv, carol, { toll_free_sms_verification: 'unverified' });
    assert.ok(unv.includes(C.TF3));
    assert.ok(!unv.includes(C.TF1) && !unv.includes(C.TF2));
    for (const v of ['pending', 'VERIFIED!', '']) {
      assertPlivoError(await srv.plivo(carol, 'GET', 'Number/', { query: { toll_free_sms_verification: v } }), 400,
        /toll_free_sms_verification/);
    }
  });

  test('renewal_date and its __gt/__gte/__lt/__lte variants (all numbers renew on the same day here)', async () => {
    const dayBefore = isoDate(new Date(Date.parse(`${RENEWAL}T00:00:00Z`) - 86400000));
    const dayAfter = isoDate(new Date(Date.parse(`${RENEWAL}T00:00:00Z`) + 86400000));
    assert.deepEqual(await listNumbers(srv, carol, { renewal_date: RENEWAL }), CAROL_ALL);
    assert.deepEqual(await listNumbers(srv, carol, { renewal_date: dayBefore }), []);
    assert.deepEqual(await listNumbers(srv, carol, { renewal_date__gt: RENEWAL }), []);
    assert.deepEqual(await listNumbers(srv, carol, { renewal_date__gt: dayBefore }), CAROL_ALL);
    assert.deepEqual(await listNumbers(srv, carol, { renewal_date__gte: RENEWAL }), CAROL_ALL);
    assert.deepEqual(await listNumbers(srv, carol, { renewal_date__lt: RENEWAL }), []);
    assert.deepEqual(await listNumbers(srv, carol, { renewal_date__lt: dayAfter }), CAROL_ALL);
    assert.deepEqual(await listNumbers(srv, carol, { renewal_date__lte: RENEWAL }), CAROL_ALL);
    assert.deepEqual(await listNumbers(srv, carol, { renewal_date__gte: dayBefore, renewal_date__lte: dayAfter, type: 'tollfree' }),
      [C.TF1, C.TF2, C.TF3]);
    assert.deepEqual(await listNumbers(srv, carol, { renewal_date__gt: RENEWAL, renewal_date__lt: dayAfter }), []);
  });

  test('an invalid renewal date: 400 naming the parameter', async () => {
    for (const p of ['renewal_date', 'renewal_date__gt', 'renewal_date__gte', 'renewal_date__lt', 'renewal_date__lte']) {
      for (const v of ['2026-13-01', '2027-02-29', '20261222', '2026-1-05', 'tomorrow', '2026-12-22T00:00:00Z', '']) {
        const r = await srv.plivo(carol, 'GET', 'Number/', { query: { [p]: v } });
        assertPlivoError(r, 400, new RegExp(`${p}\\b`));
      }
    }
    // a real leap day is fine
    assert.deepEqual(await listNumbers(srv, carol, { renewal_date: '2028-02-29' }), []);
  });

  test('subaccount: anything that is not one of the caller\'s subaccounts is a 400', async () => {
    for (const v of ['SA00000000000000000Z', 'SAABCDEFGHIJKLMNOPQR', carol.auth_id, bob.auth_id, 'nonsense', '']) {
      assertPlivoError(await srv.plivo(carol, 'GET', 'Number/', { query: { subaccount: v } }), 400, /subaccount/);
    }
  });

  test('an unknown parameter: 400 unknown parameter: <name>', async () => {
    for (const p of ['sub_acount', 'number_startwith', 'country_iso', 'pattern', 'renewal_date__eq', 'TYPE']) {
      assertPlivoError(await srv.plivo(carol, 'GET', 'Number/', { query: { [p]: 'x' } }), 400, `unknown parameter: ${p}`);
    }
    // next to valid filters, too
    assertPlivoError(await srv.plivo(carol, 'GET', 'Number/', { query: { type: 'local', foo: '1' } }), 400, 'unknown parameter: foo');
  });

  test('several filters combine with AND', async () => {
    assert.deepEqual(await listNumbers(srv, carol, { type: 'local', services: 'mms', number_startswith: '1415' }), [C.SF2]);
    assert.deepEqual(await listNumbers(srv, carol, { type: 'tollfree', services: 'sms', toll_free_sms_verification: 'verified', alias: 'main line' }), [C.TF1]);
    assert.deepEqual(await listNumbers(srv, carol, { type: 'mobile', services: 'mms' }), []);
    assert.deepEqual(await listNumbers(srv, carol, { cnam_lookup: 'enabled', tendlc_registration_status: 'in_progress' }), []);
  });
});

// ---- get ----------------------------------------------------------------

describe('GET Number/{number}/', () => {
  test('the list object plus api_id', async () => {
    const r = await srv.plivo(carol, 'GET', `Number/${C.TF1}/`);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.match(r.json.api_id, UUID_RE);
    const fromList = (await list(srv, carol, { number_startswith: C.TF1 })).json.objects[0];
    assert.deepEqual(r.json, { api_id: r.json.api_id, ...fromList });
    assert.equal(r.json.toll_free_sms_verification, 'VERIFIED');
    assert.equal(r.json.alias, 'main line');
    assert.equal(r.json.resource_uri, `/v1/Account/${carol.auth_id}/Number/${C.TF1}/`);
  });

  test('+, %2B and no trailing slash reach the same number; a pending number is visible to its owner', async () => {
    for (const p of [`Number/+${C.SF1}/`, `Number/%2B${C.SF1}/`, `Number/${C.SF1}`]) {
      const r = await srv.plivo(carol, 'GET', p);
      assert.equal(r.status, 200, `${p}: ${r.text}`);
      assert.equal(r.json.number, C.SF1);
    }
    const p = await get(srv, carol, C.PEND);
    assert.equal(p.status, 'pending');
  });

  test('a number the caller does not own: 404 not found (another account\'s, an available one, an unknown one)', async () => {
    for (const n of [BOB_SF, FREE_SF, FREE_TF, '14155550999', '442079460000']) {
      assertPlivoError(await srv.plivo(carol, 'GET', `Number/${n}/`), 404, 'not found');
    }
  });

  test('an invalid number: 400 invalid number: <input>', async () => {
    for (const n of ['123', '1415555010', '4155550100a', '01415555010', '1234567890123456', '11155550100']) {
      assertPlivoError(await srv.plivo(carol, 'GET', `Number/${n}/`), 400, `invalid number: ${n}`);
    }
  });

  test('an unknown query parameter on GET: 400', async () => {
    assertPlivoError(await srv.plivo(carol, 'GET', `Number/${C.SF1}/`, { query: { verbose: '1' } }), 400, 'unknown parameter: verbose');
  });

  test('an unsupported method: 405 with Allow', async () => {
    const r = await srv.plivo(carol, 'PUT', `Number/${C.SF1}/`, { body: { alias: 'x' } });
    assertPlivoError(r, 405);
    const allow = (r.headers.get('allow') || '').split(/,\s*/);
    for (const m of ['GET', 'POST', 'DELETE']) assert.ok(allow.includes(m), `Allow: ${r.headers.get('allow')}`);
    assert.equal((await get(srv, carol, C.SF1)).alias, 'Main Line');
  });
});

// ---- update --------------------------------------------------------------------

describe('POST Number/{number}/ (update)', () => {
  test('alias: set, shown by GET and the alias filter; "" clears it', async () => {
    const n = sf();
    const r = await update(srv, alice, n, { alias: 'Sales desk' });
    assertChanged(r);
    assert.equal((await get(srv, alice, n)).alias, 'Sales desk');
    assert.deepEqual(await listNumbers(srv, alice, { alias: 'Sales desk' }), [n]);
    await mustUpdate(srv, alice, n, { alias: '' });
    assert.equal((await get(srv, alice, n)).alias, null);
    assert.deepEqual(await listNumbers(srv, alice, { alias: 'Sales desk' }), []);
  });

  test('alias: 64 characters (also non-ASCII) are fine; 65 or control characters: 400, unchanged', async () => {
    const n = sf();
    const a64 = 'x'.repeat(64);
    await mustUpdate(srv, alice, n, { alias: a64 });
    assert.equal((await get(srv, alice, n)).alias, a64);
    await mustUpdate(srv, alice, n, { alias: 'é'.repeat(64) });
    assert.equal((await get(srv, alice, n)).alias, 'é'.repeat(64), '64 characters, not bytes');
    await mustUpdate(srv, alice, n, { alias: 'Büro Zürich ☎' });
    assert.equal((await get(srv, alice, n)).alias, 'Büro Zürich ☎');
    for (const alias of ['y'.repeat(65), 'é'.repeat(65), 'tab\there', 'line\nbreak', 'del\u007f', 'esc\u001b[0m']) {
      assertPlivoError(await update(srv, alice, n, { alias }), 400, /alias/);
    }
    // a NUL is refused (by the JSON parser, or in a form body by the alias rule)
    assertPlivoError(await update(srv, alice, n, { alias: 'nul\u0000' }), 400);
    assertPlivoError(await srv.plivo(alice, 'POST', `Number/${n}/`, { form: 'alias=nul%00byte' }), 400);
    // not a string
    for (const alias of [true, ['x'], { a: 1 }]) {
      assertPlivoError(await update(srv, alice, n, { alias }), 400, /alias/);
    }
    assert.equal((await get(srv, alice, n)).alias, 'Büro Zürich ☎');
  });

  test('alias: C1 control characters (U+0080..U+009F) and line/paragraph separators are not printable: 400', async () => {
    const n = sf();
    await mustUpdate(srv, alice, n, { alias: 'clean' });
    const bad = [];
    for (const alias of ['nel\u0085x', 'csi\u009b31m', 'pad\u0080x', 'ls\u2028x', 'ps\u2029x']) {
      const r = await update(srv, alice, n, { alias });
      if (r.status !== 400) bad.push(`${JSON.stringify(alias)} -> ${r.status}`);
    }
    assert.deepEqual(bad, [], 'accepted non-printable aliases');
  });

  test('a form-encoded body works too', async () => {
    const n = sf();
    const r = await srv.plivo(alice, 'POST', `Number/${n}/`, { form: { alias: 'From a form & co', cnam: 'FORM CO' } });
    assertChanged(r);
    const o = await get(srv, alice, n);
    assert.equal(o.alias, 'From a form & co');
    assert.equal(o.cnam, 'FORM CO');
  });

  test('several fields in one request; the rest of the object is untouched', async () => {
    const n = sf();
    const before = await get(srv, alice, n);
    await mustUpdate(srv, alice, n, { alias: 'Support', cnam_lookup: 'enabled', cnam: 'ACME SUPPORT' });
    const o = await get(srv, alice, n);
    const changed = { alias: 'Support', cnam_lookup: 'enabled', cnam: 'ACME SUPPORT' };
    assert.deepEqual({ ...o, api_id: null }, { ...before, ...changed, api_id: null });
  });

  test('an empty body or {} changes nothing and answers 202', async () => {
    const n = sf();
    const before = await get(srv, alice, n);
    await mustUpdate(srv, alice, n, {});
    const o = await get(srv, alice, n);
    assert.deepEqual({ ...o, api_id: null }, { ...before, api_id: null });
  });

  test('an unknown field: 400 naming it, and nothing else in the request is applied', async () => {
    const n = sf();
    await mustUpdate(srv, alice, n, { alias: 'keep me' });
    const before = await get(srv, alice, n);
    for (const body of [{ alias: 'new', foo: 1 }, { alias: 'new', sub_account: '' }, { alias: 'new', number_type: 'mobile' }]) {
      const extra = Object.keys(body).find((k) => k !== 'alias');
      assertPlivoError(await update(srv, alice, n, body), 400, `unknown parameter: ${extra}`);
    }
    const after = await get(srv, alice, n);
    assert.deepEqual({ ...after, api_id: null }, { ...before, api_id: null });
  });

  test('compliance_application_id (the name the Plivo SDK sends) is an alias of compliance_id', async () => {
    const n = sf();
    const rec = await srv.compliance(alice.auth_id, 'US', 'local');
    const id = rec.compliance_id || rec;
    let r = await update(srv, alice, n, { compliance_application_id: id });
    assert.equal(r.status, 202, r.text);
    assert.equal((await get(srv, alice, n)).compliance_id, id);
    r = await update(srv, alice, n, { compliance_id: id, compliance_application_id: '3c90c3cc-0d44-4b50-8888-8dd25736052a' });
    assertPlivoError(r, 400, 'compliance_id and compliance_application_id disagree: give one of them');
    r = await update(srv, alice, n, { compliance_application_id: 'x' });
    assertPlivoError(r, 400, /invalid compliance_id/);
  });

  test('a failed update changes nothing (a valid field next to an invalid one)', async () => {
    const n = sf();
    await mustUpdate(srv, alice, n, { alias: 'Original', cnam: 'ORIGINAL' });
    const okCompliance = await srv.compliance(alice.auth_id, 'US', 'local');
    const before = await get(srv, alice, n);
    const bad = [
      [{ alias: 'Changed', cnam: 'BAD@NAME' }, /cnam/],
      [{ alias: 'Changed', cnam_lookup: 'maybe' }, /cnam_lookup/],
      [{ cnam: 'CHANGED', profile_uuid: 'nope' }, /profile_uuid/],
      [{ alias: 'Changed', app_id: '12345678901234567' }, /app_id/],
      [{ alias: 'Changed', subaccount: bob.auth_id }, /subaccount/],
      [{ alias: 'Changed', caller_reputation: 'enabled' }, /profile_uuid|caller_reputation/],
      [{ alias: 'Changed', cnam_callback_url: 'not a url' }, /cnam_callback_url/],
      [{ alias: 'Changed', compliance_id: 'c0ffee00-0000-4000-8000-000000000000' }, /compliance_id/],
      [{ compliance_id: okCompliance, cnam: 'BAD@' }, /cnam/],
      [{ caller_reputation: 'enabled', profile_uuid: PROFILE, cnam_lookup: 'bad' }, /cnam_lookup/],
      [{ profile_uuid: PROFILE, cnam_callback_method: 'PUT' }, /cnam_callback_method/],
      [{ alias: 'Changed', caller_reputation_callback_url: 'nope' }, /caller_reputation_callback_url/],
    ];
    for (const [body, re] of bad) assertPlivoError(await update(srv, alice, n, body), 400, re);
    const after = await get(srv, alice, n);
    assert.deepEqual({ ...after, api_id: null }, { ...before, api_id: null });
  });

  test('app_id: an unknown one is a 400; "" and null unlink (application stays null)', async () => {
    const n = sf();
    for (const app_id of ['12345678901234567', '1', 'abc']) {
      assertPlivoError(await update(srv, alice, n, { app_id }), 400, /app_id/);
    }
    await mustUpdate(srv, alice, n, { app_id: '' });
    assert.equal((await get(srv, alice, n)).application, null);
    await mustUpdate(srv, alice, n, { app_id: null });
    assert.equal((await get(srv, alice, n)).application, null);
    const f = await srv.plivo(alice, 'POST', `Number/${n}/`, { form: { app_id: '' } });
    assertChanged(f);
  });

  test('subaccount: not one of the caller\'s subaccounts: 400; "" returns it to the main account', async () => {
    const n = sf();
    for (const subaccount of [bob.auth_id, alice.auth_id, 'SA00000000000000000Z', 'SAABCDEFGHIJKLMNOPQR', 'x']) {
      assertPlivoError(await update(srv, alice, n, { subaccount }), 400, /subaccount/);
    }
    await mustUpdate(srv, alice, n, { subaccount: '' });
    assert.equal((await get(srv, alice, n)).sub_account, null);
  });

  test('compliance_id: an approved record for the number\'s country and type is linked; others: 400', async () => {
    const n = sf();
    const gb = await srv.compliance(alice.auth_id, 'GB', 'local');
    const tf = await srv.compliance(alice.auth_id, 'US', 'tollfree');
    const bobs = await srv.compliance(bob.auth_id, 'US', 'local');
    for (const id of [gb, tf, bobs, '3f1c1a52-2f7c-4d5e-9a0b-1c2d3e4f5a6b', 'not-a-uuid', '123']) {
      assertPlivoError(await update(srv, alice, n, { compliance_id: id }), 400, /compliance_id/);
    }
    assert.equal((await get(srv, alice, n)).compliance_id, null);
    const ok = await srv.compliance(alice.auth_id, 'US', 'local');
    await mustUpdate(srv, alice, n, { compliance_id: ok });
    assert.equal((await get(srv, alice, n)).compliance_id, ok);
    // a record for the row's type (fixed) also matches a fixed/local number
    const fixed = await srv.compliance(alice.auth_id, 'US', 'fixed');
    await mustUpdate(srv, alice, n, { compliance_id: fixed });
    assert.equal((await get(srv, alice, n)).compliance_id, fixed);
    // the toll-free record fits a toll-free number
    await mustUpdate(srv, alice, A_TF[2], { compliance_id: tf });
    assert.equal((await get(srv, alice, A_TF[2])).compliance_id, tf);
    // the GB record does not fit a GB mobile
    assertPlivoError(await update(srv, alice, A_GB[1], { compliance_id: gb }), 400, /compliance_id/);
  });

  test('cnam_lookup: enabled/disabled (case-insensitive) on a US number; other values 400', async () => {
    const n = sf();
    await mustUpdate(srv, alice, n, { cnam_lookup: 'enabled' });
    assert.equal((await get(srv, alice, n)).cnam_lookup, 'enabled');
    assert.deepEqual(await listNumbers(srv, alice, { cnam_lookup: 'enabled', number_startswith: n }), [n]);
    await mustUpdate(srv, alice, n, { cnam_lookup: 'DISABLED' });
    assert.equal((await get(srv, alice, n)).cnam_lookup, 'disabled');
    assert.deepEqual(await listNumbers(srv, alice, { cnam_lookup: 'enabled', number_startswith: n }), []);
    assert.deepEqual(await listNumbers(srv, alice, { cnam_lookup: 'disabled', number_startswith: n }), [n]);
    for (const v of ['on', 'true', 'enable', 'yes']) {
      assertPlivoError(await update(srv, alice, n, { cnam_lookup: v }), 400, /cnam_lookup/);
    }
    assertPlivoError(await update(srv, alice, n, { cnam_lookup: true }), 400, /cnam_lookup/);
    assert.equal((await get(srv, alice, n)).cnam_lookup, 'disabled');
  });

  test('cnam_lookup, cnam: US numbers only (a GB number and a +1 Canadian number: 400)', async () => {
    for (const n of [A_GB[0], A_CA]) {
      assertPlivoError(await update(srv, alice, n, { cnam_lookup: 'enabled' }), 400, /cnam_lookup/);
      assertPlivoError(await update(srv, alice, n, { cnam_lookup: 'disabled' }), 400, /cnam_lookup/);
      assertPlivoError(await update(srv, alice, n, { cnam: 'ACME' }), 400, /cnam/);
      const o = await get(srv, alice, n);
      assert.equal(o.cnam_lookup, 'disabled');
      assert.equal(o.cnam, null);
    }
    // a US toll-free number is a US number
    await mustUpdate(srv, alice, A_TF[0], { cnam: 'ACME TOLLFREE' });
    assert.equal((await get(srv, alice, A_TF[0])).cnam, 'ACME TOLLFREE');
  });

  test('cnam: 1 to 15 of letters, digits, space and ,.-\'&', async () => {
    const n = sf();
    for (const cnam of ['A', "O'Brien & Co.", 'A,B.C-D', '123456789012345', 'acme corp']) {
      await mustUpdate(srv, alice, n, { cnam });
      assert.equal((await get(srv, alice, n)).cnam, cnam);
    }
    for (const cnam of ['1234567890123456', 'ACME@HOME', 'A_B', 'A!', 'Zoë', 'semi;colon', 'a\tb']) {
      assertPlivoError(await update(srv, alice, n, { cnam }), 400, /cnam/);
    }
    assert.equal((await get(srv, alice, n)).cnam, 'acme corp');
  });

  test('cnam_callback_url / cnam_callback_method: absolute http(s) URL; GET or POST', async () => {
    const n = sf();
    for (const url of ['https://example.com/cnam', 'http://127.0.0.1:8080/cb?x=1']) {
      await mustUpdate(srv, alice, n, { cnam_callback_url: url });
    }
    for (const url of ['ftp://example.com/x', '/relative/path', 'example.com/cb', 'https://', 'javascript:alert(1)',
      'http:/x', 'http://exa mple.com/', 'https://example.com/\u0001']) {
      assertPlivoError(await update(srv, alice, n, { cnam_callback_url: url }), 400, /cnam_callback_url/);
    }
    for (const m of ['GET', 'POST']) await mustUpdate(srv, alice, n, { cnam_callback_method: m });
    for (const m of ['PUT', 'DELETE', 'FETCH', '']) {
      assertPlivoError(await update(srv, alice, n, { cnam_callback_method: m }), 400, /cnam_callback_method/);
    }
    await mustUpdate(srv, alice, n, { cnam_callback_url: 'https://example.com/cnam2', cnam_callback_method: 'post' });
    await mustUpdate(srv, alice, n, { cnam_callback_url: '' }); // "" clears
  });

  test('caller_reputation enabled needs a profile_uuid; enabling sets PENDING, disabling NOT_ENROLLED', async () => {
    const n = sf();
    assertPlivoError(await update(srv, alice, n, { caller_reputation: 'enabled' }), 400, /profile_uuid/);
    assert.equal((await get(srv, alice, n)).caller_reputation_status, null);
    await mustUpdate(srv, alice, n, { caller_reputation: 'enabled', profile_uuid: PROFILE });
    let o = await get(srv, alice, n);
    assert.equal(o.caller_reputation_status, 'PENDING');
    assert.equal(o.profile_uuid, PROFILE);
    await mustUpdate(srv, alice, n, { caller_reputation: 'disabled' });
    o = await get(srv, alice, n);
    assert.equal(o.caller_reputation_status, 'NOT_ENROLLED');
    assert.equal(o.profile_uuid, PROFILE);
    // the profile already set is enough to enable again
    await mustUpdate(srv, alice, n, { caller_reputation: 'enabled' });
    assert.equal((await get(srv, alice, n)).caller_reputation_status, 'PENDING');
  });

  test('caller_reputation: profile set in an earlier request is enough; bad values 400', async () => {
    const n = sf();
    await mustUpdate(srv, alice, n, { profile_uuid: PROFILE2 });
    let o = await get(srv, alice, n);
    assert.equal(o.profile_uuid, PROFILE2);
    assert.equal(o.caller_reputation_status, null, 'a profile alone does not enrol');
    for (const v of ['on', 'true', 'yes', '']) {
      assertPlivoError(await update(srv, alice, n, { caller_reputation: v }), 400, /caller_reputation/);
    }
    await mustUpdate(srv, alice, n, { caller_reputation: 'enabled' });
    o = await get(srv, alice, n);
    assert.equal(o.caller_reputation_status, 'PENDING');
    assert.equal(o.profile_uuid, PROFILE2);
  });

  test('a number enrolled in caller reputation keeps its profile: clearing profile_uuid is refused', async () => {
    const n = sf();
    await mustUpdate(srv, alice, n, { caller_reputation: 'enabled', profile_uuid: PROFILE });
    for (const profile_uuid of ['', null]) {
      const r = await update(srv, alice, n, { profile_uuid });
      const o = await get(srv, alice, n);
      assert.ok(!(o.profile_uuid === null && ['PENDING', 'ACTIVE'].includes(o.caller_reputation_status)),
        `profile_uuid ${JSON.stringify(profile_uuid)} answered ${r.status} and left caller_reputation_status ` +
        `${o.caller_reputation_status} with profile_uuid null`);
      assertPlivoError(r, 400, /profile_uuid/);
    }
    // clearing it together with disabling is fine
    await mustUpdate(srv, alice, n, { caller_reputation: 'disabled', profile_uuid: '' });
    const o = await get(srv, alice, n);
    assert.equal(o.profile_uuid, null);
    assert.equal(o.caller_reputation_status, 'NOT_ENROLLED');
  });

  test('caller_reputation: US local and toll-free only', async () => {
    await mustUpdate(srv, alice, A_TF[1], { caller_reputation: 'enabled', profile_uuid: PROFILE });
    assert.equal((await get(srv, alice, A_TF[1])).caller_reputation_status, 'PENDING');
    for (const n of [A_GB[0], A_CA, A_USMOB]) {
      assertPlivoError(await update(srv, alice, n, { caller_reputation: 'enabled', profile_uuid: PROFILE, alias: 'no' }), 400,
        /caller_reputation/);
      assertPlivoError(await update(srv, alice, n, { caller_reputation: 'disabled' }), 400, /caller_reputation/);
      const o = await get(srv, alice, n);
      assert.equal(o.caller_reputation_status, null, n);
      assert.equal(o.profile_uuid, null, `${n}: nothing applied`);
      assert.equal(o.alias, null, `${n}: nothing applied`);
    }
  });

  test('profile_uuid must be a UUID; caller_reputation callback URL and method are validated', async () => {
    const n = sf();
    for (const v of ['not-a-uuid', '3f1c1a52-2f7c-4d5e-9a0b-1c2d3e4f5a6', '3f1c1a522f7c4d5e9a0b1c2d3e4f5a6b', '12345']) {
      assertPlivoError(await update(srv, alice, n, { profile_uuid: v }), 400, /profile_uuid/);
    }
    assert.equal((await get(srv, alice, n)).profile_uuid, null);
    await mustUpdate(srv, alice, n, { caller_reputation_callback_url: 'https://example.com/cr', caller_reputation_callback_method: 'GET' });
    await mustUpdate(srv, alice, n, { caller_reputation_callback_url: '' }); // "" clears
    for (const url of ['ftp://x.example/cr', 'cr', 'https://']) {
      assertPlivoError(await update(srv, alice, n, { caller_reputation_callback_url: url }), 400, /caller_reputation_callback_url/);
    }
    for (const m of ['PATCH', 'x', '']) {
      assertPlivoError(await update(srv, alice, n, { caller_reputation_callback_method: m }), 400, /caller_reputation_callback_method/);
    }
  });

  test('a number the caller does not own: 404 and nothing changes; an invalid number: 400', async () => {
    for (const n of [BOB_SF, FREE_SF, '14155550999']) {
      assertPlivoError(await update(srv, alice, n, { alias: 'mine now' }), 404, 'not found');
    }
    assert.equal((await get(srv, bob, BOB_SF)).alias, 'Main Line');
    assertPlivoError(await update(srv, alice, '12345', { alias: 'x' }), 400, 'invalid number: 12345');
  });

  test('request shape: 415 for another content type, 400 for bad JSON / duplicate keys / non-objects, 413 over 64 KiB', async () => {
    const n = sf();
    await mustUpdate(srv, alice, n, { alias: 'shape' });
    const auth = { Authorization: 'Basic ' + Buffer.from(`${alice.auth_id}:${alice.auth_token}`).toString('base64') };
    const p = `/v1/Account/${alice.auth_id}/Number/${n}/`;
    assertPlivoError(await srv.raw('POST', p, { headers: { ...auth, 'Content-Type': 'text/plain' }, body: 'alias=x' }), 415);
    const json = { ...auth, 'Content-Type': 'application/json' };
    assertPlivoError(await srv.raw('POST', p, { headers: json, body: '{"alias":"a","alias":"b"}' }), 400, /duplicate/);
    assertPlivoError(await srv.raw('POST', p, { headers: json, body: '{"alias":' }), 400, /JSON/);
    assertPlivoError(await srv.raw('POST', p, { headers: json, body: '["alias"]' }), 400);
    assertPlivoError(await update(srv, alice, n, { alias: 'x'.repeat(70000) }), 413);
    assertPlivoError(await srv.plivo(alice, 'POST', `Number/${n}/`, { query: { bogus: '1' }, body: {} }), 400, 'unknown parameter: bogus');
    assert.equal((await get(srv, alice, n)).alias, 'shape');
  });

  test('the number in the path may be written with + or %2B', async () => {
    const n = sf();
    await mustUpdate(srv, alice, `%2B${n}`, { alias: 'plus encoded' });
    assert.equal((await get(srv, alice, n)).alias, 'plus encoded');
    await mustUpdate(srv, alice, `+${n}`, { alias: 'plus raw' });
    assert.equal((await get(srv, alice, n)).alias, 'plus raw');
  });
});

// ---- unrent ---------------------------------------------------------------------

describe('DELETE Number/{number}/ (unrent)', () => {
  test('204 with no body; then GET 404, gone from the list, not for sale while aging; a second DELETE 404', async () => {
    const n = sf();
    await mustUpdate(srv, alice, n, { alias: 'going away' });
    const r = await srv.plivo(alice, 'DELETE', `Number/${n}/`);
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, '');
    assertPlivoError(await srv.plivo(alice, 'GET', `Number/${n}/`), 404, 'not found');
    assert.deepEqual(await listNumbers(srv, alice, { number_startswith: n }), []);
    assert.deepEqual(await listNumbers(srv, alice, { alias: 'going away' }), []);
    assert.equal(await searchable(srv, bob, n), false);
    assertPlivoError(await srv.buy(bob, n), 404, 'number not available');
    assertPlivoError(await srv.plivo(alice, 'DELETE', `Number/${n}/`), 404, 'not found');
    assertPlivoError(await update(srv, alice, n, { alias: 'back?' }), 404, 'not found');
  });

  test('ten concurrent DELETEs of one number: exactly one 204, the others 404', async () => {
    const n = sf();
    const all = await Promise.all(Array.from({ length: 10 }, () => srv.plivo(alice, 'DELETE', `Number/${n}/`)));
    assert.deepEqual(all.map((r) => r.status).sort(), [204, ...Array(9).fill(404)]);
  });

  test('the number moves to state aging in the inventory stats', async () => {
    const statsOf = async () => (await srv.admin('GET', '/admin/v1/inventory/stats')).json.counts.US.fixed;
    const before = await statsOf();
    const n = sf();
    assert.equal((await srv.plivo(alice, 'DELETE', `Number/${n}/`)).status, 204);
    const afterS = await statsOf();
    assert.equal(afterS.aging || 0, (before.aging || 0) + 1);
    assert.equal(afterS.active, before.active - 1);
  });

  test('another account\'s number: 404 and it is still the owner\'s; unowned/invalid numbers', async () => {
    assertPlivoError(await srv.plivo(alice, 'DELETE', `Number/${BOB_SF}/`), 404, 'not found');
    assert.equal((await get(srv, bob, BOB_SF)).number, BOB_SF);
    assertPlivoError(await srv.plivo(alice, 'DELETE', `Number/${FREE_SF}/`), 404, 'not found');
    assert.equal(await searchable(srv, alice, FREE_SF), true, 'an available number stays available');
    assertPlivoError(await srv.plivo(alice, 'DELETE', 'Number/14155550999/'), 404, 'not found');
    assertPlivoError(await srv.plivo(alice, 'DELETE', 'Number/999/'), 400, 'invalid number: 999');
  });

  test('DELETE ignores a body (the SDK sends Content-Type: application/json and "")', async () => {
    const n = sf();
    const r = await srv.plivo(alice, 'DELETE', `Number/%2B${n}`, { body: '""' });
    assert.equal(r.status, 204, r.text);
    assertPlivoError(await srv.plivo(alice, 'GET', `Number/${n}/`), 404);
  });

  test('a pending number can be unrented too', async () => {
    const erin = await srv.createAccount('erin');
    await srv.loadCsv(csv(ALL_COLUMNS, [{ ...SF, number: '14155559001', restriction: 'city-address' }]));
    const b = await mustBuy(srv, erin, '14155559001');
    assert.equal(b.status, 'pending');
    assert.equal((await srv.plivo(erin, 'DELETE', 'Number/14155559001/')).status, 204);
    assertPlivoError(await srv.plivo(erin, 'GET', 'Number/14155559001/'), 404);
    assert.deepEqual(await listNumbers(srv, erin, {}), []);
  });
});

// ---- the operator status action ---------------------------------------------------

describe('POST /admin/v1/numbers/{n}/status', () => {
  test('sets statuses (case-insensitive), answers the number object plus account; "" clears', async () => {
    const n = sf();
    const r = await srv.admin('POST', `/admin/v1/numbers/${n}/status`, {
      tendlc_registration_status: 'processing', tendlc_campaign_id: 'CMP-Z',
      toll_free_sms_verification: 'pending_verification', caller_reputation_status: 'active',
    });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(Object.keys(r.json).sort(), ['account', ...FIELDS].sort());
    assert.equal(r.json.account, alice.auth_id);
    assert.equal(r.json.number, n);
    assert.equal(r.json.tendlc_registration_status, 'PROCESSING');
    assert.equal(r.json.tendlc_campaign_id, 'CMP-Z');
    assert.equal(r.json.toll_free_sms_verification, 'PENDING_VERIFICATION');
    assert.equal(r.json.caller_reputation_status, 'ACTIVE');
    const o = await get(srv, alice, n);
    const { account, ...rest } = r.json;
    assert.deepEqual(o, { api_id: o.api_id, ...rest });
    assert.deepEqual(await listNumbers(srv, alice, { tendlc_campaign_id: 'CMP-Z' }), [n]);

    // partial update keeps the others; "" clears one
    const c = await setStatus(srv, `%2B${n}`, { tendlc_campaign_id: '', caller_reputation_status: 'FAILED' });
    assert.equal(c.tendlc_campaign_id, null);
    assert.equal(c.tendlc_registration_status, 'PROCESSING');
    assert.equal(c.caller_reputation_status, 'FAILED');
    const cleared = await setStatus(srv, n, { tendlc_registration_status: '', toll_free_sms_verification: '',
      caller_reputation_status: '' });
    for (const f of ['tendlc_campaign_id', 'toll_free_sms_verification', 'caller_reputation_status']) {
      assert.equal(cleared[f], null, f);
    }
    // a US local number without a 10DLC status shows UNREGISTERED (as Plivo)
    assert.equal(cleared.tendlc_registration_status, 'UNREGISTERED');
  });

  test('bad values: 400 and nothing is changed; unknown or unowned numbers 404; invalid number 400', async () => {
    const n = sf();
    await setStatus(srv, n, { tendlc_registration_status: 'COMPLETED' });
    for (const body of [
      { tendlc_registration_status: 'REGISTERED' }, { tendlc_registration_status: 'in_progress' },
      { toll_free_sms_verification: 'DONE', tendlc_registration_status: 'UNREGISTERED' },
      { caller_reputation_status: 'ENABLED' }, { caller_reputation_status: 'NOT ENROLLED' },
      { tendlc_registration_status: 5 },
    ]) {
      assertProblem(await srv.admin('POST', `/admin/v1/numbers/${n}/status`, body), 400);
    }
    assertProblem(await srv.admin('POST', `/admin/v1/numbers/${n}/status`, { tendlc_status: 'COMPLETED' }), 400, /tendlc_status/);
    assert.equal((await get(srv, alice, n)).tendlc_registration_status, 'COMPLETED');
    assertProblem(await srv.admin('POST', `/admin/v1/numbers/${FREE_SF}/status`, { tendlc_registration_status: 'COMPLETED' }), 404);
    assertProblem(await srv.admin('POST', '/admin/v1/numbers/14155550999/status', { tendlc_registration_status: 'COMPLETED' }), 404);
    assertProblem(await srv.admin('POST', '/admin/v1/numbers/12345/status', { tendlc_registration_status: 'COMPLETED' }), 400, /invalid number/);
    // an unrented (aging) number is nobody's
    const gone = sf();
    assert.equal((await srv.plivo(alice, 'DELETE', `Number/${gone}/`)).status, 204);
    assertProblem(await srv.admin('POST', `/admin/v1/numbers/${gone}/status`, { tendlc_registration_status: 'COMPLETED' }), 404);
    // the admin token is needed
    const noAuth = await srv.admin('POST', `/admin/v1/numbers/${n}/status`, { tendlc_registration_status: 'PROCESSING' }, { token: 'wrong-token-wrong-token' });
    assert.equal(noAuth.status, 401);
    assert.equal((await get(srv, alice, n)).tendlc_registration_status, 'COMPLETED');
  });

  test('campaign ids: up to 64 printable characters; {} changes nothing; JSON only', async () => {
    const n = sf();
    const before = await setStatus(srv, n, { tendlc_campaign_id: 'c'.repeat(64) });
    assert.equal(before.tendlc_campaign_id, 'c'.repeat(64));
    for (const v of ['c'.repeat(65), 'line\nbreak']) {
      assertProblem(await srv.admin('POST', `/admin/v1/numbers/${n}/status`, { tendlc_campaign_id: v }), 400, /tendlc_campaign_id/);
    }
    assert.deepEqual(await setStatus(srv, n, {}), before);
    const f = await srv.admin('POST', `/admin/v1/numbers/${n}/status`, 'tendlc_campaign_id=x',
      { contentType: 'application/x-www-form-urlencoded' });
    assertProblem(f, 415);
    assert.equal((await get(srv, alice, n)).tendlc_campaign_id, 'c'.repeat(64));
  });

  test('a customer cannot set the statuses through the Plivo update', async () => {
    const n = sf();
    for (const f of ['tendlc_registration_status', 'tendlc_campaign_id', 'toll_free_sms_verification', 'caller_reputation_status', 'status']) {
      assertPlivoError(await update(srv, alice, n, { [f]: 'COMPLETED' }), 400, `unknown parameter: ${f}`);
    }
  });
});

// ---- applications and subaccounts on Number/ (§2.5, §2.6 as they touch numbers) ----

describe('app_id and subaccount on Number/', () => {
  async function createApp(acct, body) {
    const r = await srv.plivo(acct, 'POST', 'Application/', { body: { answer_url: 'https://example.com/answer', ...body } });
    assert.equal(r.status, 201, r.text);
    return r.json.app_id;
  }
  async function createSub(acct, name) {
    const r = await srv.plivo(acct, 'POST', 'Subaccount/', { body: { name, enabled: true } });
    assert.equal(r.status, 201, r.text);
    return { auth_id: r.json.auth_id, auth_token: r.json.auth_token };
  }

  test('app_id links an application of the account (URI shown); "" unlinks; another account\'s app: 400', async () => {
    const n = sf();
    const app = await createApp(alice, { app_name: 'numbers-app-1' });
    const bobs = await createApp(bob, { app_name: 'numbers-app-1' });
    await mustUpdate(srv, alice, n, { app_id: app });
    const uri = `/v1/Account/${alice.auth_id}/Application/${app}/`;
    assert.equal((await get(srv, alice, n)).application, uri);
    assert.equal((await list(srv, alice, { number_startswith: n })).json.objects[0].application, uri);
    assertPlivoError(await update(srv, alice, n, { app_id: bobs }), 400, /app_id/);
    assert.equal((await get(srv, alice, n)).application, uri, 'unchanged by the failed update');
    await mustUpdate(srv, alice, n, { app_id: '' });
    assert.equal((await get(srv, alice, n)).application, null);
  });

  test('deleting an application unlinks the numbers that pointed at it', async () => {
    const n = sf();
    const app = await createApp(alice, { app_name: 'numbers-app-2' });
    await mustUpdate(srv, alice, n, { app_id: app });
    const d = await srv.plivo(alice, 'DELETE', `Application/${app}/`);
    assert.equal(d.status, 204, d.text);
    assert.equal((await get(srv, alice, n)).application, null);
    assertPlivoError(await update(srv, alice, n, { app_id: app }), 400, /app_id/);
  });

  test('a purchase without app_id gets the default_number_app', async () => {
    const gina = await srv.createAccount('gina');
    await srv.loadCsv(csv(ALL_COLUMNS, [{ ...SF, number: '14155550700' }]));
    const app = await createApp(gina, { app_name: 'default', default_number_app: true });
    await mustBuy(srv, gina, '14155550700');
    assert.equal((await get(srv, gina, '14155550700')).application, `/v1/Account/${gina.auth_id}/Application/${app}/`);
  });

  test('subaccount assigns the number (sub_account shows it; the filter finds it); "" gives it back', async () => {
    const n = sf();
    const other = sf();
    const sa = await createSub(alice, 'numbers-sub-1');
    const bobSa = await createSub(bob, 'numbers-sub-b');
    await mustUpdate(srv, alice, n, { subaccount: sa.auth_id });
    assert.equal((await get(srv, alice, n)).sub_account, sa.auth_id);
    assert.equal((await get(srv, alice, other)).sub_account, null);
    assert.deepEqual(await listNumbers(srv, alice, { subaccount: sa.auth_id }), [n]);
    assert.deepEqual(await listNumbers(srv, alice, { number_startswith: n }), [n], 'the main account still lists it');
    assertPlivoError(await srv.plivo(alice, 'GET', 'Number/', { query: { subaccount: bobSa.auth_id } }), 400, /subaccount/);
    assertPlivoError(await update(srv, alice, other, { subaccount: bobSa.auth_id }), 400, /subaccount/);
    await mustUpdate(srv, alice, n, { subaccount: '' });
    assert.equal((await get(srv, alice, n)).sub_account, null);
    assert.deepEqual(await listNumbers(srv, alice, { subaccount: sa.auth_id }), []);
  });

  test('a subaccount sees and manages only its own numbers; it cannot assign numbers (403)', async () => {
    const mine = sf();
    const parents = sf();
    const sa = await createSub(alice, 'numbers-sub-2');
    await mustUpdate(srv, alice, mine, { subaccount: sa.auth_id });
    assert.deepEqual(await listNumbers(srv, sa, {}), [mine]);
    assert.deepEqual(await listNumbers(srv, sa, { subaccount: sa.auth_id }), [mine]);
    assert.equal((await get(srv, sa, mine)).sub_account, sa.auth_id);
    assertPlivoError(await srv.plivo(sa, 'GET', `Number/${parents}/`), 404, 'not found');
    assertPlivoError(await update(srv, sa, parents, { alias: 'sub was here' }), 404, 'not found');
    assertPlivoError(await srv.plivo(sa, 'DELETE', `Number/${parents}/`), 404, 'not found');
    assert.equal((await get(srv, alice, parents)).alias, null);
    await mustUpdate(srv, sa, mine, { alias: 'set by the subaccount' });
    assert.equal((await get(srv, alice, mine)).alias, 'set by the subaccount');
    for (const subaccount of ['', sa.auth_id]) {
      assertPlivoError(await update(srv, sa, mine, { subaccount }), 403);
    }
    assert.equal((await get(srv, alice, mine)).sub_account, sa.auth_id);
    assert.equal((await srv.plivo(sa, 'DELETE', `Number/${mine}/`)).status, 204);
    assertPlivoError(await srv.plivo(alice, 'GET', `Number/${mine}/`), 404);
  });

  test('deleting a subaccount returns its numbers to the main account', async () => {
    const n = sf();
    const sa = await createSub(alice, 'numbers-sub-3');
    await mustUpdate(srv, alice, n, { subaccount: sa.auth_id });
    const d = await srv.plivo(alice, 'DELETE', `Subaccount/${sa.auth_id}/`);
    assert.equal(d.status, 204, d.text);
    const o = await get(srv, alice, n);
    assert.equal(o.sub_account, null);
    assertPlivoError(await srv.plivo(alice, 'GET', 'Number/', { query: { subaccount: sa.auth_id } }), 400, /subaccount/);
  });

  // The list reads only what the number object shows (SQLite: numlist_q_t.brief,
  // SQLS_OWNED_BRIEF_COLS): every object of a list is the number's own GET.
  test('each object of the list is the GET of its number, every field set', async () => {
    const n = sf();
    const app = await createApp(alice, { app_name: 'numbers-app-list' });
    const sub = await createSub(alice, 'numbers-sub-list');
    const compliance = await srv.compliance(alice.auth_id, 'US', 'local');
    await mustUpdate(srv, alice, n, { app_id: app, subaccount: sub.auth_id, alias: 'Every Field',
      cnam_lookup: 'enabled', cnam: 'EVERY FIELD', compliance_id: compliance,
      caller_reputation: 'enabled', profile_uuid: PROFILE });
    await setStatus(srv, n, { tendlc_registration_status: 'COMPLETED', tendlc_campaign_id: 'CMP-L' });
    for (const acct of [alice, bob, carol]) {
      for (let offset = 0; ; offset += 20) {
        const r = await list(srv, acct, { offset });
        for (const o of r.json.objects) {
          const { api_id: _, ...one } = await get(srv, acct, o.number);
          assert.deepEqual(o, one, o.number);
        }
        if (!r.json.meta.next) break;
      }
    }
    const o = (await list(srv, alice, { number_startswith: n })).json.objects[0];
    assert.equal(o.application, `/v1/Account/${alice.auth_id}/Application/${app}/`);
    assert.equal(o.sub_account, sub.auth_id);
    assert.equal(o.sub_account_name, 'numbers-sub-list');
    assert.equal(o.alias, 'Every Field');
    assert.equal(o.cnam, 'EVERY FIELD');
    assert.equal(o.compliance_id, compliance);
    assert.equal(o.profile_uuid, PROFILE);
    assert.equal(o.tendlc_campaign_id, 'CMP-L');
  });
});

// ---- tenant isolation ---------------------------------------------------------

describe('tenant isolation', () => {
  test('bob gets 404 for alice\'s number on GET, POST and DELETE, and never sees it in his list', async () => {
    const n = sf();
    await mustUpdate(srv, alice, n, { alias: 'alice private' });
    for (const p of [`Number/${n}/`, `Number/+${n}`, `Number/%2B${n}/`]) {
      assertPlivoError(await srv.plivo(bob, 'GET', p), 404, 'not found');
      assertPlivoError(await srv.plivo(bob, 'POST', p, { body: { alias: 'bob was here' } }), 404, 'not found');
      assertPlivoError(await srv.plivo(bob, 'DELETE', p), 404, 'not found');
    }
    const o = await get(srv, alice, n);
    assert.equal(o.alias, 'alice private');
    assert.deepEqual(await listNumbers(srv, bob, {}), [BOB_SF]);
    assert.deepEqual(await listNumbers(srv, bob, { alias: 'alice private' }), []);
    assert.deepEqual(await listNumbers(srv, bob, { number_startswith: n }), []);
  });

  test('an error for another account\'s number is the same as for an unknown one (no existence leak)', async () => {
    const a = await srv.plivo(bob, 'GET', `Number/${C.SF1}/`);
    const b = await srv.plivo(bob, 'GET', 'Number/14155550999/');
    assert.equal(a.status, b.status);
    assert.equal(a.json.error, b.json.error);
  });

  test('another account\'s credentials on my path: 401', async () => {
    const r = await srv.plivo(bob, 'GET', 'Number/', { pathAccount: alice.auth_id });
    assertPlivoError(r, 401, 'authentication failed');
    const d = await srv.plivo(bob, 'DELETE', `Number/${A_SF[A_SF.length - 1]}/`, { pathAccount: alice.auth_id });
    assertPlivoError(d, 401, 'authentication failed');
    assert.equal((await get(srv, alice, A_SF[A_SF.length - 1])).number, A_SF[A_SF.length - 1]);
  });
});

// ---- the official SDK -----------------------------------------------------

describe('plivo SDK 4.79.0 on Number/', () => {
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
  const client = (acct) => new plivo.Client(acct.auth_id, acct.auth_token, { url: `${srv.base}/v1/Account/${acct.auth_id}` });

  test('numbers.list({type: local, limit: 5}): the first five, meta, camel-cased objects', async () => {
    const res = await client(carol).numbers.list({ type: 'local', limit: 5 });
    assert.ok(Array.isArray(res));
    assert.deepEqual(res.map((o) => o.number), [C.NY, C.SF1, C.SF2, C.PEND, C.CA]);
    assert.equal(res.meta.limit, 5);
    assert.equal(res.meta.offset, 0);
    assert.equal(res.meta.totalCount, 5);
    assert.equal(res.meta.next, null);
    const o = res[1];
    assert.equal(o.id, C.SF1);
    assert.equal(o.alias, 'Main Line');
    assert.equal(o.numberType, 'local');
    assert.equal(o.region, 'SAN FRANCISCO, UNITED STATES');
    assert.equal(o.monthlyRentalRate, '0.80000');
    assert.equal(o.cnamLookup, 'enabled');
    assert.equal(o.tendlcRegistrationStatus, 'COMPLETED');
    assert.equal(o.tendlcCampaignId, 'CMP-A');
    assert.equal(o.renewalDate, RENEWAL);
    assert.equal(o.resourceUri, `/v1/Account/${carol.auth_id}/Number/${C.SF1}/`);
  });

  test('numbers.list with the SDK\'s camel-cased filters and renewal_date__gte', async () => {
    const c = client(carol);
    const a = await c.numbers.list({ numberStartswith: '1415', services: 'sms' });
    assert.deepEqual(a.map((o) => o.number), [C.SF1, C.SF2, C.PEND]);
    const b = await c.numbers.list({ tollFreeSmsVerification: 'verified' });
    assert.deepEqual(b.map((o) => o.number), [C.TF1]);
    const d = await c.numbers.list({ tendlcCampaignId: 'CMP-A', renewal_date__gte: RENEWAL });
    assert.deepEqual(d.map((o) => o.number), [C.SF1, C.SF2]);
    const page = await c.numbers.list({ limit: 3, offset: 3 });
    assert.deepEqual(page.map((o) => o.number), CAROL_ALL.slice(3, 6));
    assert.match(page.meta.previous, new RegExp(`^/v1/Account/${carol.auth_id}/Number/\\?`));
    await assert.rejects(c.numbers.list({ type: 'landline' }), sdkError(400, /type/));
    await assert.rejects(c.numbers.list({ subAcount: 'x' }), sdkError(400, 'unknown parameter: sub_acount'));
  });

  test('numbers.get(number): the object; another account\'s number: the SDK\'s 404', async () => {
    const o = await client(carol).numbers.get(C.TF2);
    assert.equal(o.id, C.TF2);
    assert.equal(o.number, C.TF2);
    assert.match(o.apiId, UUID_RE);
    assert.equal(o.numberType, 'tollfree');
    assert.equal(o.tollFreeSmsVerification, 'PENDING_VERIFICATION');
    assert.equal(o.smsEnabled, false);
    assert.equal(o.status, 'active');
    await assert.rejects(client(bob).numbers.get(C.TF2), sdkError(404, 'not found'));
  });

  test('numbers.update(number, {alias: "Main Line"}) and more SDK-named fields', async () => {
    const n = sf();
    const c = client(alice);
    const res = await c.numbers.update(n, { alias: 'Main Line' });
    assert.equal(res.constructor.name, 'UpdateNumberResponse');
    assert.equal(res.message, 'changed');
    assert.match(res.apiId, UUID_RE);
    assert.equal((await get(srv, alice, n)).alias, 'Main Line');
    await c.numbers.update(n, { cnamLookup: 'enabled', cnam: 'SDK CO', callerReputation: 'enabled', profileUuid: PROFILE,
      cnamCallbackUrl: 'https://example.com/c', cnamCallbackMethod: 'GET' });
    const o = await get(srv, alice, n);
    assert.equal(o.cnam_lookup, 'enabled');
    assert.equal(o.cnam, 'SDK CO');
    assert.equal(o.caller_reputation_status, 'PENDING');
    assert.equal(o.profile_uuid, PROFILE);
    await assert.rejects(c.numbers.update(n, { cnam: 'BAD@' }), sdkError(400, /cnam/));
    await assert.rejects(c.numbers.update(BOB_SF, { alias: 'x' }), sdkError(404, 'not found'));
  });

  test('numbers.unrent(number): true; the number is gone; a second unrent: the SDK\'s 404', async () => {
    const n = sf();
    const c = client(alice);
    assert.equal(await c.numbers.unrent(n), true);
    assertPlivoError(await srv.plivo(alice, 'GET', `Number/${n}/`), 404);
    await assert.rejects(c.numbers.unrent(n), sdkError(404, 'not found'));
    await assert.rejects(client(bob).numbers.unrent(A_SF[A_SF.length - 1]), sdkError(404, 'not found'));
  });
});

// ---- aging: --aging-days 0 -----------------------------------------------------

describe('serve --aging-days 0', () => {
  let s0;
  before(async () => { s0 = await start({ args: ['--aging-days', '0'] }); });
  after(async () => { assert.equal((await s0.stop()).code, 0); });

  test('an unrented number is for sale at once; the next owner gets it with every feature cleared', async () => {
    const x = await s0.createAccount('x');
    const y = await s0.createAccount('y');
    await s0.loadCsv(csv(ALL_COLUMNS, [{ ...SF, number: '14155550300' }, { ...TF, number: '18005550300' }]));
    const n = '14155550300';
    await mustBuy(s0, x, n, { cnam_lookup: 'enabled' });
    const comp = await s0.compliance(x.auth_id, 'US', 'local');
    await mustUpdate(s0, x, n, { alias: 'Old owner', cnam: 'OLD OWNER', caller_reputation: 'enabled', profile_uuid: PROFILE,
      compliance_id: comp, cnam_callback_url: 'https://example.com/old', app_id: '' });
    await setStatus(s0, n, { tendlc_registration_status: 'COMPLETED', tendlc_campaign_id: 'OLD-CMP', toll_free_sms_verification: 'VERIFIED' });
    const was = await get(s0, x, n);
    assert.equal(was.cnam, 'OLD OWNER');
    assert.equal(was.caller_reputation_status, 'PENDING');

    assert.equal((await s0.plivo(x, 'DELETE', `Number/${n}/`)).status, 204);
    assert.equal(await searchable(s0, y, n), true);
    assertPlivoError(await s0.plivo(x, 'GET', `Number/${n}/`), 404);

    await mustBuy(s0, y, n);
    const o = await get(s0, y, n);
    assert.deepEqual({ ...o, api_id: null }, {
      api_id: null,
      number: n,
      alias: null,
      sub_account: null,
      sub_account_name: null,
      active: true,
      city: 'SAN FRANCISCO',
      country: 'UNITED STATES',
      added_on: TODAY,
      application: null,
      carrier: 'upstream-a',
      region: 'SAN FRANCISCO, UNITED STATES',
      number_type: 'local',
      monthly_rental_rate: '0.80000',
      renewal_date: RENEWAL,
      sms_enabled: true,
      sms_rate: '0.00800',
      mms_enabled: false,
      mms_rate: null,
      voice_enabled: true,
      voice_rate: '0.00500',
      cnam_lookup: 'disabled', // the shown value of a cleared lookup
      cnam: null,
      tendlc_registration_status: 'UNREGISTERED', // a US local number without a status
      tendlc_campaign_id: null,
      toll_free_sms_verification: null,
      toll_free_sms_verification_id: null,
      toll_free_sms_verification_order_status: null,
      profile_uuid: null,
      caller_reputation_status: null,
      status: 'active',
      compliance_id: null,
      compliance_application_id: null,
      compliance_status: null,
      resource_uri: `/v1/Account/${y.auth_id}/Number/${n}/`,
    });
    assert.deepEqual(await listNumbers(s0, x, {}), []);
    assert.deepEqual(await listNumbers(s0, y, {}), [n]);
    assert.deepEqual(await listNumbers(s0, y, { alias: 'Old owner' }), []);
    assert.deepEqual(await listNumbers(s0, y, { tendlc_campaign_id: 'OLD-CMP' }), []);
  });

  test('the same account can buy back what it unrented', async () => {
    const z = await s0.createAccount('z');
    const n = '18005550300';
    await mustBuy(s0, z, n);
    await mustUpdate(s0, z, n, { alias: 'first time' });
    assert.equal((await s0.plivo(z, 'DELETE', `Number/${n}/`)).status, 204);
    await mustBuy(s0, z, n);
    const o = await get(s0, z, n);
    assert.equal(o.alias, null);
    assert.equal(o.status, 'active');
  });
});

// ---- aging end: the sweep at start, with a fake clock; the CLI set-status --

describe('the aging sweep and the CLI, across restarts on one database', () => {
  const N_GONE = '14155550400';
  const N_KEPT = '14155550401';
  let dir;
  let acct;
  const NOW = Math.floor(Date.now() / 1000);

  after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  test('unrent on a default server (45 aging days), then stop', async () => {
    const s1 = await start({ keepDir: true });
    dir = s1.dir;
    try {
      acct = await s1.createAccount('sweeper');
      await s1.loadCsv(csv(ALL_COLUMNS, [{ ...SF, number: N_GONE }, { ...SF, number: N_KEPT }]));
      await mustBuy(s1, acct, N_GONE);
      await mustBuy(s1, acct, N_KEPT);
      await mustUpdate(s1, acct, N_GONE, { alias: 'before aging', cnam: 'OLD NAME', cnam_lookup: 'enabled' });
      await setStatus(s1, N_GONE, { tendlc_registration_status: 'COMPLETED', tendlc_campaign_id: 'OLD' });
      assert.equal((await s1.plivo(acct, 'DELETE', `Number/${N_GONE}/`)).status, 204);
      assert.equal(await searchable(s1, acct, N_GONE), false);
    } finally {
      assert.equal((await s1.stop()).code, 0);
    }
    // the database outlives the server (PostgreSQL mode: the dir names it)
    assert.ok(fs.existsSync(`${dir}/t.db`) || fs.existsSync(`${dir}/pg-url`));
  });

  test('CLI: number set-status on the stopped server\'s database', () => {
    const db = dbOf(dir);
    const out = execFileSync(BIN, ['number', 'set-status', N_KEPT, '--db', db, '--tendlc-status', 'completed',
      '--tendlc-campaign', 'CLI-CMP', '--tf-verification', 'UNVERIFIED', '--caller-reputation', 'FAILED'], { encoding: 'utf8' });
    const o = JSON.parse(out);
    assert.equal(o.number, N_KEPT);
    assert.equal(o.tendlc_registration_status, 'COMPLETED');
    assert.equal(o.tendlc_campaign_id, 'CLI-CMP');
    assert.equal(o.toll_free_sms_verification, 'UNVERIFIED');
    assert.equal(o.caller_reputation_status, 'FAILED');

    const cli = (...args) => spawnSync(BIN, ['number', 'set-status', ...args, '--db', db], { encoding: 'utf8' });
    // + form, "" clears one, the others stay
    const plus = cli(`+${N_KEPT}`, '--tf-verification', '');
    assert.equal(plus.status, 0, plus.stderr);
    const p = JSON.parse(plus.stdout);
    assert.equal(p.toll_free_sms_verification, null);
    assert.equal(p.tendlc_campaign_id, 'CLI-CMP');
    // a bad value, a bad number, no option: usage errors (2) with a one-line "numberd: ..." message
    const bad = cli(N_KEPT, '--tendlc-status', 'BOGUS');
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /^numberd: .*tendlc.*\n$/);
    assert.equal(bad.stdout, '');
    assert.equal(cli('12345', '--tendlc-status', 'COMPLETED').status, 2);
    assert.equal(cli(N_KEPT).status, 2);
    // a number nobody owns (aging): runtime failure (1)
    const unowned = cli(N_GONE, '--tendlc-status', 'COMPLETED');
    assert.equal(unowned.status, 1, unowned.stderr);
    assert.match(unowned.stderr, /^numberd: .*\n$/);
  });

  test('10 days later (NUMBERD_FAKE_NOW): the number is still aging; the CLI\'s statuses are served', async () => {
    const s2 = await start({ dir, env: { NUMBERD_FAKE_NOW: NOW + 10 * 86400 } });
    try {
      await new Promise((r) => setTimeout(r, 100)); // give the start-up sweep its chance
      assert.equal(await searchable(s2, acct, N_GONE), false);
      assertPlivoError(await s2.plivo(acct, 'GET', `Number/${N_GONE}/`), 404);
      const o = await get(s2, acct, N_KEPT);
      assert.equal(o.toll_free_sms_verification, null);
      assert.equal(o.tendlc_registration_status, 'COMPLETED');
      assert.equal(o.tendlc_campaign_id, 'CLI-CMP');
      assert.equal(o.caller_reputation_status, 'FAILED');
      assert.deepEqual(await listNumbers(s2, acct, { tendlc_registration_status: 'registered' }), [N_KEPT]);
    } finally {
      assert.equal((await s2.stop()).code, 0);
    }
  });

  test('46 days later: the sweep at start returned it to sale; owned numbers are untouched', async () => {
    const s3 = await start({ dir, env: { NUMBERD_FAKE_NOW: NOW + 46 * 86400 } });
    try {
      // the start-up sweep runs next to the listener: allow it a moment
      let back = false;
      for (let i = 0; i < 40 && !back; i++) {
        back = await searchable(s3, acct, N_GONE);
        if (!back) await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(back, true, 'returned to sale by the sweep at start');
      assert.equal(await searchable(s3, acct, N_KEPT), false);
      assert.deepEqual(await listNumbers(s3, acct, {}), [N_KEPT]);
      const other = await s3.createAccount('next-owner');
      await mustBuy(s3, other, N_GONE);
      const o = await get(s3, other, N_GONE);
      const fakeToday = isoDate(new Date((NOW + 46 * 86400) * 1000));
      assert.equal(o.added_on, fakeToday);
      assert.equal(o.renewal_date, plusMonth(fakeToday));
      for (const f of ['alias', 'cnam', 'tendlc_campaign_id']) {
        assert.equal(o[f], null, `${f} cleared`);
      }
      assert.equal(o.cnam_lookup, 'disabled', 'cnam_lookup cleared');
      assert.notEqual(o.tendlc_registration_status, 'COMPLETED', 'tendlc_registration_status cleared');
    } finally {
      assert.equal((await s3.stop()).code, 0);
    }
  });
});

// ---- renewal dates on several days (fake clock) ------------------------------

describe('renewal_date on numbers bought on different days', () => {
  const N1 = '14155550500'; // bought 2027-01-31 → 2027-02-28
  const N2 = '14155550501'; // bought 2027-03-10 → 2027-04-10
  const N3 = '14155550502'; // bought 2028-01-31 → 2028-02-29 (leap year)
  const N4 = '14155550503'; // bought 2027-12-15 → 2028-01-15
  let dir;
  let acct;
  let last;

  after(async () => {
    if (last) await last.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('added_on is the purchase day; renewal_date one month later, clamped to the month\'s end', async () => {
    const days = [
      [N1, '2027-01-31T12:00:00Z', '2027-01-31', '2027-02-28'],
      [N2, '2027-03-10T23:59:59Z', '2027-03-10', '2027-04-10'],
      [N4, '2027-12-15T00:00:00Z', '2027-12-15', '2028-01-15'],
      [N3, '2028-01-31T08:00:00Z', '2028-01-31', '2028-02-29'],
    ];
    for (let i = 0; i < days.length; i++) {
      const [n, at, added, renewal] = days[i];
      const s = await start({ dir, keepDir: true, env: { NUMBERD_FAKE_NOW: unix(at) } });
      dir = s.dir;
      if (i === 0) {
        acct = await s.createAccount('renewer');
        await s.loadCsv(csv(ALL_COLUMNS, [N1, N2, N3, N4].map((number) => ({ ...SF, number }))));
      }
      await mustBuy(s, acct, n);
      const o = await get(s, acct, n);
      assert.equal(o.added_on, added, n);
      assert.equal(o.renewal_date, renewal, n);
      if (i < days.length - 1) assert.equal((await s.stop()).code, 0);
      else last = s;
    }
  });

  // Found by a helper's audit (session 37): renewal_date stayed the first
  // month's end for ever, while seed 001 calls it the next billing date;
  // "renewing this week" found nothing after a month.  The sweep (at start,
  // then once a day) moves a passed date to the next one.  This server runs
  // on 2028-01-31: N1 (anchor the 31st) renews today, N2 (the 10th) and N4
  // (the 15th) next month, N3 (bought today) on 2028-02-29.
  test('a passed renewal_date moves to the next one; the filters use it', async () => {
    const s = last;
    for (let i = 0; i < 100 && (await get(s, acct, N1)).renewal_date !== '2028-01-31'; i++) {
      await new Promise((r) => setTimeout(r, 50)); // the sweep at start
    }
    const dates = {};
    for (const n of [N1, N2, N3, N4]) dates[n] = (await get(s, acct, n)).renewal_date;
    assert.deepEqual(dates, { [N1]: '2028-01-31', [N2]: '2028-02-10', [N3]: '2028-02-29', [N4]: '2028-02-15' });
    // added_on is the purchase day still
    assert.equal((await get(s, acct, N2)).added_on, '2027-03-10');
    // each move is in the log, as the system's (billing reads the log: a
    // helper's audit, session 38, found the moves in none): from the
    // purchase's date, one event per start on a later day that found the
    // date passed, each from where the last one left it, to today's
    const moved = async (n) => (await s.admin('GET', `/admin/v1/events?type=number.updated&object_id=${n}`)).json.data;
    const want = { [N1]: ['2027-02-28', '2028-01-31'], [N2]: ['2027-04-10', '2028-02-10'], [N4]: ['2028-01-15', '2028-02-15'] };
    for (const [n, [first, last]] of Object.entries(want)) {
      const ev = await moved(n);
      assert.ok(ev.length >= 1, `${n}: no event`);
      let at = first;
      for (const x of ev) {
        assert.equal(x.data.before.renewal_date, at, `${n}: ${JSON.stringify(ev)}`);
        assert.ok(x.data.after.renewal_date > at, JSON.stringify(x));
        assert.deepEqual(Object.keys(x.data.after), ['renewal_date']);
        assert.deepEqual(x.actor, { kind: 'system', id: 'renewal' });
        assert.equal(x.account, acct.auth_id);
        at = x.data.after.renewal_date;
      }
      assert.equal(at, last, `${n}: ${JSON.stringify(ev)}`);
    }
    assert.deepEqual(await moved(N3), [], 'bought today: nothing moved');
  });

  test('exact date and the __gt/__gte/__lt/__lte variants, alone and as ranges', async () => {
    const s = last;
    const q = (query) => listNumbers(s, acct, query);
    assert.deepEqual(await q({}), [N1, N2, N3, N4]);
    assert.deepEqual(await q({ renewal_date: '2028-02-10' }), [N2]);
    assert.deepEqual(await q({ renewal_date: '2028-02-29' }), [N3]);
    assert.deepEqual(await q({ renewal_date__gt: '2028-01-31' }), [N2, N3, N4]);
    assert.deepEqual(await q({ renewal_date__gte: '2028-01-31' }), [N1, N2, N3, N4]);
    assert.deepEqual(await q({ renewal_date__lt: '2028-02-10' }), [N1]);
    assert.deepEqual(await q({ renewal_date__lte: '2028-02-10' }), [N1, N2]);
    assert.deepEqual(await q({ renewal_date__gt: '2028-01-31', renewal_date__lt: '2028-02-29' }), [N2, N4]);
    assert.deepEqual(await q({ renewal_date__gte: '2028-02-10', renewal_date__lte: '2028-02-15' }), [N2, N4]);
    assert.deepEqual(await q({ renewal_date__gte: '2028-02-11', renewal_date__lte: '2028-02-14' }), []);
    assert.deepEqual(await q({ renewal_date: '2028-01-31', renewal_date__gt: '2028-02-01' }), []);
    assert.deepEqual(await q({ renewal_date__lt: '2028-01-01' }), []);
    assert.deepEqual(await q({ renewal_date__gte: '2028-02-12', number_startswith: '141555505' }), [N3, N4]);
    // paging keeps the range
    const r = await list(s, acct, { renewal_date__gt: '2028-01-01', limit: 2 });
    const next = new URL(r.json.meta.next, 'http://x');
    assert.equal(next.searchParams.get('renewal_date__gt'), '2028-01-01');
    assert.equal(next.searchParams.get('offset'), '2');
  });
});
