'use strict';
// Issue 15: every length limit is checked in the unit the storage uses (the
// byte: the MODEL_*_SZ buffers), and nothing stored or answered is ever
// invalid UTF-8.  Before the fix, region (add numbers) and
// tendlc_campaign_id were checked in characters and copied into 65-byte
// buffers: 22 x "€" (66 bytes) was stored cut at 64 bytes, in the middle of
// a character (SQLite: an answer that is not valid UTF-8, so not JSON;
// PostgreSQL: 500, it refuses the bytes).
//
// For every text field a customer or the operator stores, the test sends
// the largest value that fits (it must come back byte for byte) and the
// smallest that does not (400, nothing stored), in multi-byte characters,
// and reads every answer's raw bytes with a fatal UTF-8 decoder.  Runs on
// SQLite, and on PostgreSQL with NUMBERD_TEST_PG.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { start, basic, csv, ALL_COLUMNS } = require('./lib/server');

const EURO = '€'; // 3 bytes
const GRIN = '😀'; // 4 bytes
const fatal = new TextDecoder('utf-8', { fatal: true });

let srv;
let alice;
let carrierId;

const INV = ['14155550401', '14155550402'];
let fresh = 0;
const freshNumber = () => `+1646555${String(1000 + fresh++)}`;

before(async () => {
  srv = await start({ args: ['--rate-limit', '0'] });
  alice = await srv.createAccount('alice');
  await srv.loadCsv(csv(ALL_COLUMNS, INV.map((number) => ({
    number, country_iso: 'US', type: 'fixed', sub_type: 'local', city: 'SAN FRANCISCO', region: 'CALIFORNIA',
    voice_enabled: 'true', sms_enabled: 'true', monthly_rental_rate: '0.80000',
  }))));
  const c = await srv.plivo(alice, 'POST', 'IncomingCarrier/', { body: { name: 'utf8c', ip_set: '192.0.2.9' } });
  assert.equal(c.status, 201, c.text);
  carrierId = c.json.carrier_id;
  for (const n of INV) assert.equal((await srv.buy(alice, n)).status, 201);
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

/** A request whose answer is read as raw bytes: they must be valid UTF-8
 * (and JSON, when there is a body). */
async function call(method, url, headers, body) {
  const res = await fetch(srv.base + url, {
    method, headers: { ...headers, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  let text;
  assert.doesNotThrow(() => { text = fatal.decode(bytes); }, `${method} ${url}: answer is not valid UTF-8`);
  const json = text.length ? JSON.parse(text) : undefined;
  return { status: res.status, text, json };
}
const plivo = (method, p, body) => call(method, `/v1/Account/${alice.auth_id}/${p}`,
  { Authorization: basic(alice.auth_id, alice.auth_token) }, body);
const byoc = (method, p, body) => call(method, `/v1/phone-numbers${p}`, { Authorization: `Bearer ${alice.api_key}` }, body);
const admin = (method, p, body) => call(method, p, { Authorization: `Bearer ${srv.adminToken}` }, body);

describe('text limits are bytes; nothing stored or answered is invalid UTF-8 (issue 15)', () => {
  test('add numbers: region of 21 x € (63 bytes) is kept; 22 x € (66 bytes) is a 400', async () => {
    const n1 = freshNumber();
    let r = await plivo('POST', 'Number/', { numbers: n1, carrier: carrierId, region: EURO.repeat(21) });
    assert.equal(r.status, 202, r.text);
    r = await plivo('GET', `Number/${n1.slice(1)}/`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.region, EURO.repeat(21));
    const n2 = freshNumber();
    r = await plivo('POST', 'Number/', { numbers: n2, carrier: carrierId, region: EURO.repeat(22) });
    assert.equal(r.status, 400, r.text);
    assert.match(r.json.error, /region/);
    assert.equal((await plivo('GET', `Number/${n2.slice(1)}/`)).status, 404);
    // 64 ASCII characters still fit, 65 do not
    const n3 = freshNumber();
    assert.equal((await plivo('POST', 'Number/', { numbers: n3, carrier: carrierId, region: 'R'.repeat(64) })).status, 202);
    assert.equal((await plivo('POST', 'Number/', { numbers: freshNumber(), carrier: carrierId, region: 'R'.repeat(65) })).status, 400);
  });

  test('operator status: tendlc_campaign_id of 21 x € is kept; 22 x € is a 400 and changes nothing', async () => {
    let r = await admin('POST', `/admin/v1/numbers/${INV[0]}/status`, { tendlc_campaign_id: EURO.repeat(21) });
    assert.equal(r.status, 200, r.text);
    r = await plivo('GET', `Number/${INV[0]}/`);
    assert.equal(r.json.tendlc_campaign_id, EURO.repeat(21));
    r = await admin('POST', `/admin/v1/numbers/${INV[0]}/status`, { tendlc_campaign_id: EURO.repeat(22) });
    assert.equal(r.status, 400, r.text);
    r = await plivo('GET', `Number/${INV[0]}/`);
    assert.equal(r.json.tendlc_campaign_id, EURO.repeat(21));
  });

  // The other stored texts: their buffers hold 4 bytes per character, so the
  // character limit is the binding one; the largest value in 4-byte
  // characters must come back whole.
  const cases = [
    ['number alias (64)', async (v) => plivo('POST', `Number/${INV[1]}/`, { alias: v }),
      async () => (await plivo('GET', `Number/${INV[1]}/`)).json.alias, 64],
    ['application name (64)', async (v) => plivo('POST', 'Application/', { app_name: v, answer_url: 'https://example.com/a' }),
      async (r) => (await plivo('GET', `Application/${r.json.app_id}/`)).json.app_name, 64],
    ['subaccount name (64)', async (v) => plivo('POST', 'Subaccount/', { name: v }),
      async (r) => (await plivo('GET', `Subaccount/${r.json.auth_id}/`)).json.name, 64],
    ['BYOC carrier name (100)', async (v) => byoc('POST', '/carriers', { carrier_name: v, sip_gateway: { ipv4: '198.51.100.9' } }),
      async (r) => (await byoc('GET', `/carriers/${r.json.id}`)).json.carrier_name, 100],
    ['account name (64)', async (v) => admin('POST', '/admin/v1/accounts', { name: v }), null, 64],
  ];
  for (const [what, set, get, max] of cases) {
    test(`${what}: ${max} x 😀 (${4 * max} bytes) is kept whole; ${max + 1} is a 400`, async () => {
      const r = await set(GRIN.repeat(max));
      assert.ok(r.status >= 200 && r.status < 300, r.text);
      if (get) assert.equal(await get(r), GRIN.repeat(max));
      const bad = await set(GRIN.repeat(max + 1));
      assert.equal(bad.status, 400, bad.text);
    });
  }

  test('an error message quoting a long multi-byte input is valid UTF-8 (cut on a character boundary)', async () => {
    // "no carrier %.40s", "unknown parameter: %.64s": the quote is cut in bytes
    let r = await plivo('POST', 'Number/', { numbers: freshNumber(), carrier: EURO.repeat(30), region: 'x' });
    assert.equal(r.status, 400, r.text);
    r = await plivo('POST', `Number/${INV[1]}/`, { [EURO.repeat(30)]: 'x' });
    assert.equal(r.status, 400, r.text);
    assert.match(r.json.error, /unknown parameter/);
    r = await byoc('POST', '/carriers', { carrier_name: 'x', sip_gateway: { ipv4: `sip:${EURO.repeat(30)}` } });
    assert.equal(r.status, 400, r.text);
  });
});
