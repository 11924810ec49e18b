'use strict';
// API.md §1 (tenant isolation; what a subaccount may do: 404, never 403, for
// what is not its own), §2.3, §2.5, §2.6.
//
// A generated matrix. Two main accounts A and B; A has subaccounts SA and SA2
// (siblings), B has SB. Every one of them owns a number and an application.
// For every endpoint that names a resource (GET/POST/DELETE Number/{n}/,
// Subaccount/{id}/, Application/{id}/, and POST PhoneNumber/{n}/ for a number
// somebody owns) we try:
//   - B's credentials on A's resources (A's own and its subaccounts'),
//   - each subaccount's credentials on its sibling's resources and on A's
//     unassigned resources (and on B's),
// and expect 404 every time (and exactly the body a nonexistent resource
// gets, so existence does not leak). The only 403 is the one §1 names: a
// subaccount trying to reassign its OWN number. After every test, a snapshot
// of everything (read with the owners' credentials) must be unchanged.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { start, assertPlivoError, csv, ALL_COLUMNS } = require('./lib/server');

let srv;
const W = {}; // the world: accounts, numbers, apps

const NUMBERS = Array.from({ length: 12 }, (_, i) => `141555504${String(i).padStart(2, '0')}`);
const FREE = NUMBERS[11]; // stays in the inventory
const NOBODY_NUMBER = '14155559999'; // valid, never in the inventory, owned by no one
const NOBODY_APP = '12345678901234567';
const NOBODY_SUB = 'SA00000000000000000Z';

before(async () => {
  srv = await start({ args: ['--rate-limit', '0'] }); // many calls per account in a few ms
  await srv.loadCsv(csv(ALL_COLUMNS, NUMBERS.map((number) => ({
    number, country_iso: 'US', type: 'fixed', sub_type: 'local', city: 'SAN FRANCISCO', region: 'CALIFORNIA',
    voice_enabled: 'true',
  }))));
  const A = await srv.createAccount('A');
  const B = await srv.createAccount('B');
  const sub = async (main, name) => {
    const r = await srv.plivo(main, 'POST', 'Subaccount/', { body: { name, enabled: true } });
    assert.equal(r.status, 201, r.text);
    return { auth_id: r.json.auth_id, auth_token: r.json.auth_token, name };
  };
  const SA = await sub(A, 'SA');
  const SA2 = await sub(A, 'SA2');
  const SB = await sub(B, 'SB');
  const app = async (main, name, extra = {}) => {
    const r = await srv.plivo(main, 'POST', 'Application/',
      { body: { app_name: name, answer_url: `https://example.com/${name}`, ...extra } });
    assert.equal(r.status, 201, r.text);
    return r.json.app_id;
  };
  const appA = await app(A, 'appA', { default_number_app: true });
  const appSA = await app(A, 'appSA', { subaccount: SA.auth_id });
  const appSA2 = await app(A, 'appSA2', { subaccount: SA2.auth_id });
  const appB = await app(B, 'appB', { default_number_app: true });
  const appSB = await app(B, 'appSB', { subaccount: SB.auth_id });
  const buy = async (main, n, body) => {
    const r = await srv.buy(main, n, body);
    assert.equal(r.status, 201, r.text);
    return n;
  };
  Object.assign(W, {
    A, B, SA, SA2, SB, appA, appSA, appSA2, appB, appSB,
    nA: await buy(A, NUMBERS[0], { app_id: appA }),
    nSA: await buy(A, NUMBERS[1], { subaccount: SA.auth_id, app_id: appSA }),
    nSA2: await buy(A, NUMBERS[2], { subaccount: SA2.auth_id, app_id: appSA2 }),
    nB: await buy(B, NUMBERS[3], { app_id: appB }),
    nSB: await buy(B, NUMBERS[4], { subaccount: SB.auth_id }),
  });
  for (const [who, n] of [[A, W.nA], [SA, W.nSA], [SA2, W.nSA2], [B, W.nB], [SB, W.nSB]]) {
    const r = await srv.plivo(who, 'POST', `Number/${n}/`, { body: { alias: `alias-of-${n}` } });
    assert.equal(r.status, 202, r.text);
  }
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

// ---- the snapshot ------------------------------------------------------------------

const strip = (j) => {
  if (!j || typeof j !== 'object') return j;
  const { api_id, ...rest } = j;
  if (Array.isArray(rest.objects)) rest.objects = rest.objects.map(strip);
  return rest;
};

/** Everything, read by the owners; plus whether every credential still works. */
async function snapshot() {
  const { A, B, SA, SA2, SB } = W;
  const reads = [
    [A, 'Number/'], [A, 'Application/'], [A, 'Subaccount/'],
    [B, 'Number/'], [B, 'Application/'], [B, 'Subaccount/'],
    [SA, 'Number/'], [SA, 'Application/'], [SA2, 'Number/'], [SA2, 'Application/'], [SB, 'Number/'],
    [A, `Number/${W.nA}/`], [A, `Number/${W.nSA}/`], [A, `Number/${W.nSA2}/`], [B, `Number/${W.nB}/`],
    [A, `Application/${W.appA}/`], [A, `Application/${W.appSA}/`], [A, `Application/${W.appSA2}/`],
    [B, `Application/${W.appB}/`], [A, `Subaccount/${SA.auth_id}/`], [A, `Subaccount/${SA2.auth_id}/`],
    [B, `Subaccount/${SB.auth_id}/`],
  ];
  const out = {};
  for (const [who, p] of reads) {
    const r = await srv.plivo(who, 'GET', p);
    out[`${who.auth_id}:${p}`] = { status: r.status, body: strip(r.json) };
  }
  const s = await srv.search(A, { country_iso: 'US', pattern: FREE.slice(1) });
  out.freeAvailable = s.json.meta.total_count;
  return out;
}

// ---- the generated matrix ----------------------------------------------------------

const ALIAS = { alias: 'pwned' };
const APP_CHANGE = { answer_url: 'https://evil.example/x', app_name: 'pwned' };
const SUB_CHANGE = { name: 'pwned', enabled: false };

/**
 * One case: who calls, and a list of [method, path, body, status, error].
 * Functions so that W is filled in when the test runs.
 */
function numberCalls(n, extra = []) {
  return [
    ['GET', `Number/${n}/`],
    ['POST', `Number/${n}/`, ALIAS],
    ['POST', `Number/${n}/`, { app_id: '' }],
    ['DELETE', `Number/${n}/`],
    ...extra,
  ].map(([m, p, b]) => [m, p, b, 404, 'not found']);
}
const appCalls = (id) => [
  ['GET', `Application/${id}/`], ['POST', `Application/${id}/`, APP_CHANGE], ['DELETE', `Application/${id}/`],
].map(([m, p, b]) => [m, p, b, 404, 'not found']);
const subCalls = (id) => [
  ['GET', `Subaccount/${id}/`], ['POST', `Subaccount/${id}/`, SUB_CHANGE], ['DELETE', `Subaccount/${id}/`],
].map(([m, p, b]) => [m, p, b, 404, 'not found']);

const CASES = [
  // B (another main account) on A's resources
  ['B', "A's unassigned number", () => numberCalls(W.nA, [['POST', `Number/${W.nA}/`, { subaccount: W.SB.auth_id }]])],
  ['B', "the number A assigned to SA", () => numberCalls(W.nSA)],
  ['B', "A's subaccount SA", () => subCalls(W.SA.auth_id)],
  ['B', "A's subaccount SA2", () => subCalls(W.SA2.auth_id)],
  ['B', "A's application", () => appCalls(W.appA)],
  ['B', "SA's application", () => appCalls(W.appSA)],
  ['B', 'buying numbers A and its subaccounts own', () => [W.nA, W.nSA, W.nSA2].map((n) =>
    ['POST', `PhoneNumber/${n}/`, undefined, 404, 'number not available'])],
  // B's subaccount on A's resources
  ['SB', "A's and SA's numbers, apps and subaccounts", () => [
    ...numberCalls(W.nA), ...numberCalls(W.nSA), ...appCalls(W.appA), ...appCalls(W.appSA), ...subCalls(W.SA.auth_id),
  ]],
  // siblings, both ways
  ...[['SA2', 'SA'], ['SA', 'SA2']].flatMap(([me, sib]) => [
    [me, `its sibling ${sib}'s number`, () => numberCalls(W[`n${sib}`], [
      // reassigning a number that is not its own: 404 (not the 403 of its own number)
      ['POST', `Number/${W[`n${sib}`]}/`, { subaccount: W[me].auth_id }],
      ['POST', `Number/${W[`n${sib}`]}/`, { subaccount: '' }],
    ])],
    [me, `its sibling ${sib}'s application`, () => appCalls(W[`app${sib}`])],
    [me, `its sibling ${sib} and itself as Subaccount resources`, () => [
      ...subCalls(W[sib].auth_id), ...subCalls(W[me].auth_id),
      ['GET', 'Subaccount/', undefined, 404, 'not found'],
      ['POST', 'Subaccount/', { name: 'grandchild', enabled: true }, 404, 'not found'],
    ]],
    [me, "A's unassigned number", () => numberCalls(W.nA, [['POST', `Number/${W.nA}/`, { subaccount: W[me].auth_id }]])],
    [me, "A's own application", () => appCalls(W.appA)],
    [me, 'buying (its sibling\'s, its parent\'s, a free number)', () => [W[`n${sib}`], W.nA, FREE].map((n) =>
      ['POST', `PhoneNumber/${n}/`, { subaccount: W[me].auth_id }, 404, 'not found'])],
    [me, "B's and SB's resources", () => [
      ...numberCalls(W.nB), ...numberCalls(W.nSB), ...appCalls(W.appB), ...appCalls(W.appSB), ...subCalls(W.SB.auth_id),
    ]],
  ]),
  // the one 403: a subaccount reassigning its own number (to anyone, or back to the parent)
  ['SA', 'its own number: reassigning is 403', () => [
    ['POST', `Number/${W.nSA}/`, { subaccount: W.SA2.auth_id }, 403],
    ['POST', `Number/${W.nSA}/`, { subaccount: W.SA.auth_id }, 403],
    ['POST', `Number/${W.nSA}/`, { subaccount: '' }, 403],
    ['POST', `Number/${W.nSA}/`, { subaccount: W.SB.auth_id }, 403],
  ]],
];

describe('generated: every foreign resource answers 404 and nothing changes', () => {
  for (const [caller, what, calls] of CASES) {
    test(`${caller} → ${what}`, async () => {
      const who = W[caller];
      const before = await snapshot();
      for (const [m, p, body, status, error] of calls()) {
        const r = await srv.plivo(who, m, p, { body });
        assertPlivoError(r, status, error);
      }
      assert.deepEqual(await snapshot(), before);
    });
  }
});

// ---- the 404 of a foreign resource is the 404 of a nonexistent one -------------------

test('a foreign resource answers exactly like a nonexistent one (status and error text)', async () => {
  const pairs = [
    [W.B, `Number/${W.nA}/`, `Number/${NOBODY_NUMBER}/`],
    [W.B, `Application/${W.appA}/`, `Application/${NOBODY_APP}/`],
    [W.B, `Subaccount/${W.SA.auth_id}/`, `Subaccount/${NOBODY_SUB}/`],
    [W.SA2, `Number/${W.nSA}/`, `Number/${NOBODY_NUMBER}/`],
    [W.SA2, `Number/${W.nA}/`, `Number/${NOBODY_NUMBER}/`],
    [W.SA2, `Application/${W.appSA}/`, `Application/${NOBODY_APP}/`],
  ];
  for (const [who, foreign, nobody] of pairs) {
    for (const m of ['GET', 'POST', 'DELETE']) {
      const body = m === 'POST' ? (foreign.startsWith('Number') ? ALIAS : foreign.startsWith('App') ? APP_CHANGE : SUB_CHANGE) : undefined;
      const f = await srv.plivo(who, m, foreign, { body });
      const n = await srv.plivo(who, m, nobody, { body });
      assert.equal(f.status, n.status, `${m} ${foreign}`);
      assert.equal(f.json.error, n.json.error, `${m} ${foreign}`);
      assert.deepEqual(Object.keys(f.json).sort(), Object.keys(n.json).sort());
    }
  }
});

// ---- credentials and paths -------------------------------------------------------------

test("another account's auth_id in the path: 401 for B, SB and SA2 on A's and SA's paths", async () => {
  const before = await snapshot();
  const tries = [
    [W.B, W.A, `Number/${W.nA}/`], [W.B, W.A, 'Subaccount/'], [W.B, W.SA, `Number/${W.nSA}/`],
    [W.SB, W.A, 'Application/'], [W.SA2, W.SA, `Number/${W.nSA}/`], [W.SA2, W.A, `Number/${W.nA}/`],
    [W.SA, W.A, 'Subaccount/'],
  ];
  for (const [who, owner, p] of tries) {
    // (collection paths do not serve DELETE at all: 405 there is routing, not auth)
    const methods = /^(Subaccount|Application|Number)\/$/.test(p)
      ? [['GET'], ['POST', ALIAS]] : [['GET'], ['POST', ALIAS], ['DELETE']];
    for (const [m, body] of methods) {
      const r = await srv.plivo(who, m, p, { pathAccount: owner.auth_id, body });
      assertPlivoError(r, 401, 'authentication failed');
      assert.equal(r.headers.get('www-authenticate'), 'Basic realm="numberd"');
    }
  }
  assert.deepEqual(await snapshot(), before);
});

// ---- lists and filters never leak ------------------------------------------------------

test('lists show only what the caller owns', async () => {
  const numbers = async (who, query) => {
    const r = await srv.plivo(who, 'GET', 'Number/', { query });
    assert.equal(r.status, 200, r.text);
    return r.json.objects.map((o) => o.number).sort();
  };
  const apps = async (who, query) => {
    const r = await srv.plivo(who, 'GET', 'Application/', { query });
    assert.equal(r.status, 200, r.text);
    return r.json.objects.map((o) => o.app_id).sort();
  };
  assert.deepEqual(await numbers(W.A), [W.nA, W.nSA, W.nSA2].sort());
  assert.deepEqual(await numbers(W.B), [W.nB, W.nSB].sort());
  assert.deepEqual(await numbers(W.SA), [W.nSA]);
  assert.deepEqual(await numbers(W.SA2), [W.nSA2]);
  assert.deepEqual(await numbers(W.SB), [W.nSB]);
  assert.deepEqual(await apps(W.A), [W.appA, W.appSA, W.appSA2].sort());
  assert.deepEqual(await apps(W.B), [W.appB, W.appSB].sort());
  assert.deepEqual(await apps(W.SA), [W.appSA]);
  assert.deepEqual(await apps(W.SA2), [W.appSA2]);
  // filters that name someone else's things find nothing
  assert.deepEqual(await numbers(W.B, { number_startswith: W.nA }), []);
  assert.deepEqual(await numbers(W.SA2, { number_startswith: W.nSA }), []);
  assert.deepEqual(await numbers(W.SA2, { alias: `alias-of-${W.nSA}` }), []);
  assert.deepEqual(await numbers(W.B, { alias: `alias-of-${W.nA}` }), []);
  assert.deepEqual(await apps(W.B, { app_name: 'appA' }), []);
  assert.deepEqual(await apps(W.SA2, { app_name: 'appSA' }), []);
  assert.deepEqual(await apps(W.SA, { app_name: 'appA' }), []);
  const subs = await srv.plivo(W.B, 'GET', 'Subaccount/');
  assert.deepEqual(subs.json.objects.map((o) => o.auth_id), [W.SB.auth_id]);
});

test("filtering by someone else's subaccount: the same 400 as for a nonexistent one", async () => {
  const tries = [[W.B, W.SA], [W.B, W.SA2], [W.SA2, W.SA], [W.SA, W.SB], [W.SB, W.SA]];
  for (const [who, foreign] of tries) {
    const f = await srv.plivo(who, 'GET', 'Number/', { query: { subaccount: foreign.auth_id } });
    const n = await srv.plivo(who, 'GET', 'Number/', { query: { subaccount: NOBODY_SUB } });
    assertPlivoError(f, 400, /subaccount/);
    assertPlivoError(n, 400, /subaccount/);
    assert.equal(f.json.error, n.json.error.replace(NOBODY_SUB, foreign.auth_id));
  }
});

// ---- linking to someone else's things ---------------------------------------------------

test("linking to another tenant's application or subaccount: 400 like a nonexistent one, nothing changes", async () => {
  const before = await snapshot();
  const tries = [
    // [caller, method, path, field, foreign id, nonexistent id]
    [W.B, 'POST', `Number/${W.nB}/`, 'app_id', W.appA, NOBODY_APP],
    [W.B, 'POST', `Number/${W.nB}/`, 'app_id', W.appSA, NOBODY_APP],
    [W.B, 'POST', `Number/${W.nB}/`, 'subaccount', W.SA.auth_id, NOBODY_SUB],
    [W.B, 'POST', `PhoneNumber/${FREE}/`, 'app_id', W.appA, NOBODY_APP],
    [W.B, 'POST', `PhoneNumber/${FREE}/`, 'subaccount', W.SA.auth_id, NOBODY_SUB],
    [W.B, 'POST', 'Application/', 'subaccount', W.SA.auth_id, NOBODY_SUB],
    [W.B, 'POST', `Application/${W.appB}/`, 'subaccount', W.SA.auth_id, NOBODY_SUB],
    [W.A, 'POST', `Number/${W.nA}/`, 'subaccount', W.SB.auth_id, NOBODY_SUB],
    [W.A, 'POST', `Number/${W.nA}/`, 'app_id', W.appB, NOBODY_APP],
    [W.A, 'POST', `PhoneNumber/${FREE}/`, 'app_id', W.appSB, NOBODY_APP],
    [W.SA2, 'POST', `Number/${W.nSA2}/`, 'app_id', W.appSA, NOBODY_APP],
    [W.SA2, 'POST', `Number/${W.nSA2}/`, 'app_id', W.appA, NOBODY_APP],
    [W.SA2, 'POST', `Number/${W.nSA2}/`, 'app_id', W.appB, NOBODY_APP],
  ];
  let i = 0;
  for (const [who, m, p, field, foreign, nobody] of tries) {
    const extra = p === 'Application/' ? { app_name: `link-${i++}`, answer_url: 'https://example.com/l' } : {};
    const f = await srv.plivo(who, m, p, { body: { ...extra, [field]: foreign } });
    const n = await srv.plivo(who, m, p, { body: { ...extra, [field]: nobody } });
    assertPlivoError(f, 400, new RegExp(field));
    assertPlivoError(n, 400, new RegExp(field));
    assert.equal(f.json.error, n.json.error.replace(nobody, foreign), `${m} ${p} ${field}`);
  }
  assert.deepEqual(await snapshot(), before);
});

// ---- account-wide settings -------------------------------------------------------------

test("a subaccount's default_number_app leaves its parent's default app and purchases alone", async () => {
  const beforeA = await srv.plivo(W.A, 'GET', `Application/${W.appA}/`);
  assert.equal(beforeA.json.default_number_app, true);
  let created = null;
  try {
    const r = await srv.plivo(W.SA2, 'POST', 'Application/',
      { body: { app_name: 'sa2-default', answer_url: 'https://example.com/d', default_number_app: true } });
    if (r.status === 201) created = r.json.app_id;
    else assert.ok([400, 403].includes(r.status), r.text);
    const afterA = await srv.plivo(W.A, 'GET', `Application/${W.appA}/`);
    assert.deepEqual(strip(afterA.json), strip(beforeA.json), "SA2 changed A's application");
    const n = NUMBERS[5];
    const b = await srv.buy(W.A, n);
    assert.equal(b.status, 201, b.text);
    const num = await srv.plivo(W.A, 'GET', `Number/${n}/`);
    assert.equal(num.json.application, `/v1/Account/${W.A.auth_id}/Application/${W.appA}/`,
      "A's own purchase must get A's default app, not its subaccount's");
  } finally {
    // restore the world for anything after this test
    if (created) await srv.plivo(W.SA2, 'DELETE', `Application/${created}/`);
    await srv.plivo(W.A, 'POST', `Application/${W.appA}/`, { body: { default_number_app: true } });
    await srv.plivo(W.A, 'DELETE', `Number/${NUMBERS[5]}/`);
  }
});

// ---- incoming carriers and the numbers added through them (§2.4, §2.3) -------------------

describe('incoming carriers and numbers added from them', () => {
  const NOBODY_CARRIER = '12345678901234';
  const C = {};
  before(async () => {
    const carrier = async (who, name) => {
      const r = await srv.plivo(who, 'POST', 'IncomingCarrier/', { body: { name, ip_set: '192.0.2.1, 2001:db8::1' } });
      assert.equal(r.status, 201, r.text);
      return r.json.carrier_id;
    };
    C.cA = await carrier(W.A, 'carrier-A');
    C.cSA = await carrier(W.SA, 'carrier-SA');
    C.cB = await carrier(W.B, 'carrier-B');
    C.nA = '13125550400';
    C.nSA = '13125550401';
    for (const [who, c, n] of [[W.A, C.cA, C.nA], [W.SA, C.cSA, C.nSA]]) {
      const r = await srv.plivo(who, 'POST', 'Number/', { body: { numbers: n, carrier: c, region: 'US' } });
      assert.equal(r.status, 202, r.text);
    }
  });

  /** A's carriers and BYOC numbers, read by A and by SA. */
  async function carrierSnapshot() {
    const out = {};
    for (const [who, p] of [[W.A, 'IncomingCarrier/'], [W.SA, 'IncomingCarrier/'], [W.A, `IncomingCarrier/${C.cA}/`],
      [W.A, `IncomingCarrier/${C.cSA}/`], [W.SA, `IncomingCarrier/${C.cSA}/`], [W.A, `Number/${C.nA}/`],
      [W.A, `Number/${C.nSA}/`], [W.SA, `Number/${C.nSA}/`], [W.A, 'Number/']]) {
      const r = await srv.plivo(who, 'GET', p);
      assert.equal(r.status, 200, `${p}: ${r.text}`);
      out[`${who.auth_id}:${p}`] = strip(r.json);
    }
    return out;
  }

  const calls = (id) => [['GET'], ['POST', { name: 'pwned' }], ['POST', { ip_set: '203.0.113.66', voice: false }], ['DELETE']]
    .map(([m, body]) => [m, `IncomingCarrier/${id}/`, body]);

  test("B, SB and SA2 on A's and SA's carriers: 404 with exactly the body of a nonexistent id; nothing changes", async () => {
    const before = await carrierSnapshot();
    for (const [who, foreign] of [[W.B, C.cA], [W.B, C.cSA], [W.SB, C.cA], [W.SB, C.cSA], [W.SA2, C.cA], [W.SA2, C.cSA],
      [W.SA, C.cA], [W.A, C.cB]]) {
      const nobody = calls(NOBODY_CARRIER);
      for (const [i, [m, p, body]] of calls(foreign).entries()) {
        const f = await srv.plivo(who, m, p, { body });
        const n = await srv.plivo(who, nobody[i][0], nobody[i][1], { body: nobody[i][2] });
        assertPlivoError(f, 404);
        assertPlivoError(n, 404);
        assert.equal(f.json.error, n.json.error, `${m} ${p}`);
      }
    }
    assert.deepEqual(await carrierSnapshot(), before);
  });

  test("B's lists never show A's carriers, even by name; B may reuse a name", async () => {
    const names = async (who, query) => {
      const r = await srv.plivo(who, 'GET', 'IncomingCarrier/', { query });
      assert.equal(r.status, 200, r.text);
      return r.json.objects.map((o) => o.carrier_id);
    };
    assert.deepEqual(await names(W.B), [C.cB]);
    assert.deepEqual(await names(W.B, { name: 'carrier-A' }), []);
    assert.deepEqual(await names(W.B, { name: 'carrier-SA' }), []);
    assert.deepEqual(await names(W.SB), []);
    assert.deepEqual(await names(W.SA2), []);
    assert.deepEqual(await names(W.SA), [C.cSA]);
    assert.deepEqual(await names(W.A), [C.cA, C.cSA]);
    const before = await carrierSnapshot();
    const r = await srv.plivo(W.B, 'POST', 'IncomingCarrier/', { body: { name: 'carrier-A', ip_set: '198.51.100.1' } });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(await carrierSnapshot(), before);
    assert.equal((await srv.plivo(W.B, 'DELETE', `IncomingCarrier/${r.json.carrier_id}/`)).status, 204);
  });

  test("using A's carrier_id to add numbers: 400 like a nonexistent carrier; nothing added", async () => {
    const before = await carrierSnapshot();
    const n = '13125550402';
    for (const [who, foreign] of [[W.B, C.cA], [W.B, C.cSA], [W.SB, C.cA], [W.SA2, C.cA], [W.SA2, C.cSA], [W.SA, C.cA]]) {
      const f = await srv.plivo(who, 'POST', 'Number/', { body: { numbers: n, carrier: foreign, region: 'US' } });
      const o = await srv.plivo(who, 'POST', 'Number/', { body: { numbers: n, carrier: NOBODY_CARRIER, region: 'US' } });
      assertPlivoError(f, 400, `invalid carrier: no carrier ${foreign} on this account`);
      assertPlivoError(o, 400, `invalid carrier: no carrier ${NOBODY_CARRIER} on this account`);
    }
    for (const who of [W.A, W.B, W.SA, W.SA2]) {
      assertPlivoError(await srv.plivo(who, 'GET', `Number/${n}/`), 404, 'not found');
    }
    assert.deepEqual(await carrierSnapshot(), before);
  });

  test("A's added numbers are invisible and untouchable for B, SB and SA2 (and A's own for SA)", async () => {
    const before = await carrierSnapshot();
    const tries = [[W.B, C.nA], [W.B, C.nSA], [W.SB, C.nA], [W.SB, C.nSA], [W.SA2, C.nA], [W.SA2, C.nSA], [W.SA, C.nA]];
    for (const [who, n] of tries) {
      for (const [m, body] of [['GET'], ['POST', { alias: 'pwned' }], ['POST', { app_id: '' }], ['DELETE']]) {
        assertPlivoError(await srv.plivo(who, m, `Number/${n}/`, { body }), 404, 'not found');
      }
      const l = await srv.plivo(who, 'GET', 'Number/', { query: { number_startswith: n } });
      assert.equal(l.status, 200, l.text);
      assert.deepEqual(l.json.objects, []);
      assert.equal(l.json.meta.total_count, 0);
      // not for sale either
      assertPlivoError(await srv.buy(who, n), 404);
    }
    assert.deepEqual(await carrierSnapshot(), before);
  });
});
