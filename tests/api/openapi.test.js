'use strict';
// /metrics needs a token by default (issue 15): opened for this file's servers.
process.env.NUMBERD_METRICS_OPEN = '1';
// Issue 9: the OpenAPI document, docs/openapi.json.
//
//  a. It is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator, a
//     validator built on the specification's own JSON Schemas, with $ref
//     checks), and every schema in it compiles in ajv's strict mode.
//  b. The router and the document list the same operations: `numberd
//     routes` (a hidden command printing the route table) against the
//     document's paths, methods included, operationId = route name.
//  c. Responses conform: this file exercises every endpoint of every dialect
//     with success and error cases while lib/server.js records every
//     response (NUMBERD_RECORD_DIR), then checks each one against the
//     document: a documented status, a documented content type, and the
//     body against the schema (ajv, JSON Schema 2020-12).
//     With NUMBERD_REPLAY_DIR set, the responses recorded there (by a run of
//     the whole API suite with NUMBERD_RECORD_DIR, as scripts/test.sh does)
//     are checked the same way.
//
// The document is also what GET /openapi.json serves: compiled into the
// binary, byte for byte.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// Record this file's own responses into a private directory (set before
// any request: the recorder reads the variable on every response).
const RECORD_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-oapi-rec-'));
process.env.NUMBERD_RECORD_DIR = RECORD_DIR;

const { BIN, start, dbOf, csv, ALL_COLUMNS, UUID_RE } = require('./lib/server');
const { DOC_PATH, loadDoc, normPath, OpenApiOracle, readRecords, checkRecords } = require('./lib/openapi');

// Documented here, served by the health and metrics work of issue 9 that
// lands in parallel: until the server answers them they are "pending" (a
// diagnostic, not a failure); from then on they are checked like any route.
const OPERABILITY = ['/healthz', '/readyz', '/metrics'];

const doc = loadDoc();
const oracle = new OpenApiOracle(doc);
let srv;
let served = new Set(); // the OPERABILITY paths this server answers

const SBC_TOKEN = 'oapi-sbc-token-0123456789';

before(async () => {
  srv = await start({ env: { NUMBERD_SBC_TOKEN: SBC_TOKEN } });
  for (const p of OPERABILITY) {
    // a plain fetch: a probe is not a response the document must describe
    const r = await fetch(srv.base + p);
    await r.arrayBuffer();
    if (r.status !== 404) served.add(p);
  }
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
  fs.rmSync(RECORD_DIR, { recursive: true, force: true });
});

function want(r, status, what = '') {
  assert.equal(r.status, status, `${what} want ${status}, got ${r.status}: ${r.text}`);
  return r.json;
}

// ---- a. the document itself ---------------------------------------------------

describe('the document', () => {
  test('is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async () => {
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const v = new Validator();
    const res = await v.validate(structuredClone(doc));
    assert.equal(res.valid, true, JSON.stringify(res.errors, null, 2));
    assert.equal(v.version, '3.1');
    assert.equal(doc.openapi, '3.1.0');
  });

  test('every schema compiles in ajv strict mode (no misspelt keyword)', () => {
    for (const name of Object.keys(doc.components.schemas)) {
      assert.doesNotThrow(() => oracle.validator(`/components/schemas/${name}`), name);
    }
    for (const { method, path: p, op } of oracle.operations()) {
      for (const [status, resp] of Object.entries(op.responses)) {
        const { obj, pointer } = oracle.deref(resp);
        for (const ct of Object.keys(obj.content || {})) {
          const base = pointer ? pointer.slice(1) : `/paths/${p.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}/responses/${status}`;
          assert.doesNotThrow(() => oracle.validator(`${base}/content/${ct.replace(/\//g, '~1')}/schema`),
            `${op.operationId} ${status} ${ct}`);
        }
      }
    }
  });

  test('operationIds are unique; tags and security follow the dialect of the path', () => {
    const ids = new Set();
    for (const { method, path: p, op } of oracle.operations()) {
      const what = `${method.toUpperCase()} ${p} (${op.operationId})`;
      assert.ok(!ids.has(op.operationId), `duplicate operationId ${op.operationId}`);
      ids.add(op.operationId);
      assert.ok(Object.keys(op.responses).some((s) => /^2/.test(s)), `${what}: no 2xx response`);
      let tag;
      let security;
      if (p.startsWith('/v1/Account/{auth_id}/')) {
        tag = 'plivo';
        security = [{ plivoBasic: [] }];
      } else if (p === '/v1/phone-numbers' || p.startsWith('/v1/phone-numbers/')) {
        tag = 'byoc';
        // the account's own keys (issue 18) have a scope of their own
        // (and its own webhook endpoints, issue 18 item 4)
        security = [{ byocApiKey: [p.startsWith('/v1/phone-numbers/api-keys') ? 'api_keys:manage'
          : p.startsWith('/v1/phone-numbers/webhooks') ? 'webhooks:manage'
            : method === 'get' ? 'phone_numbers:read' : 'phone_numbers:write'] }];
      } else if (p.startsWith('/admin/v1/')) {
        tag = 'admin';
        security = [{ adminToken: [] }];
      } else if (p.startsWith('/sbc/v1/')) {
        tag = 'sbc'; // SIP.md §2: the SBC's own token
        security = [{ sbcToken: [] }];
      } else if (p.startsWith('/console/')) {
        tag = 'console'; // the web console's static files (tests/console)
        security = [];
      } else {
        tag = 'operability';
        security = [];
      }
      assert.deepEqual(op.tags, [tag], what);
      assert.deepEqual(op.security, security, what);
      assert.ok(tag === 'operability' ? /^(meta|ops)\./.test(op.operationId) : op.operationId.startsWith(`${tag}.`), what);
      // a documented error has the body shape of its dialect
      for (const [status, resp] of Object.entries(op.responses)) {
        if (!/^[45]/.test(status) || tag === 'operability' || tag === 'console') continue;
        const { obj } = oracle.deref(resp);
        const want = tag === 'plivo' ? { 'application/json': '#/components/schemas/PlivoError' }
          : { 'application/problem+json': '#/components/schemas/Problem' };
        assert.deepEqual(Object.fromEntries(Object.entries(obj.content).map(([k, v]) => [k, v.schema.$ref])), want,
          `${what} ${status}`);
      }
    }
  });

  test('GET /openapi.json serves the document, unauthenticated, as application/json', async () => {
    const r = await srv.raw('GET', '/openapi.json');
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.ok(r.buffer.equals(fs.readFileSync(DOC_PATH)), 'the served bytes are docs/openapi.json');
    assert.equal((await srv.raw('GET', '/openapi.json/')).status, 200);
  });
});

// ---- b. router <-> document ------------------------------------------------------

test('every route of the router is in the document and vice versa', async (t) => {
  const routes = execFileSync(BIN, ['routes'], { encoding: 'utf8' }).trim().split('\n').map((l) => {
    const [method, pattern, name] = l.split(' ');
    return { key: `${method} ${normPath(pattern)}`, name };
  });
  assert.ok(routes.length >= 40, `numberd routes printed ${routes.length} routes`);
  const ops = oracle.operations().map(({ method, path: p, op }) =>
    ({ key: `${method.toUpperCase()} ${normPath(p)}`, name: op.operationId, path: p }));
  const inRouter = new Map(routes.map((r) => [r.key, r]));
  const inDoc = new Map(ops.map((o) => [o.key, o]));

  const undocumented = routes.filter((r) => !inDoc.has(r.key)).map((r) => `${r.key} (${r.name})`);
  assert.deepEqual(undocumented, [], 'routes missing from docs/openapi.json');

  const unrouted = [];
  for (const o of ops) {
    if (inRouter.has(o.key)) continue;
    if (OPERABILITY.includes(o.path)) {
      // outside the route table (served by the HTTP layer itself) or not yet there
      if (!served.has(o.path)) t.diagnostic(`${o.key}: documented, not served yet (pending)`);
      continue;
    }
    unrouted.push(`${o.key} (${o.name})`);
  }
  assert.deepEqual(unrouted, [], 'documented operations the router does not serve');

  const renamed = ops.filter((o) => inRouter.has(o.key) && inRouter.get(o.key).name !== o.name)
    .map((o) => `${o.key}: operationId ${o.name}, route name ${inRouter.get(o.key).name}`);
  assert.deepEqual(renamed, [], 'operationId must be the route name');
});

// ---- c. every endpoint, recorded and checked ----------------------------------------

const US = ['14155550100', '14155550101', '14155550102', '14155550103', '14155550104', '14155550105'];
const US_RESTRICTED = '14155550150';
const US_TOLLFREE = '18005550100';
const GB = '442071234567';

const INVENTORY = csv(ALL_COLUMNS, [
  ...US.map((number) => ({
    number, country_iso: 'US', type: 'fixed', sub_type: 'local', prefix: '415', city: 'SAN FRANCISCO',
    region: 'CALIFORNIA', rate_center: 'SNFC CNTRL', lata: 722, voice_enabled: true, sms_enabled: true,
    mms_enabled: true, setup_rate: '0.00000', monthly_rental_rate: '0.80000', voice_rate: '0.00500',
    sms_rate: '0.00800', mms_rate: '0.02000', carrier: 'upstream-a',
  })),
  {
    number: US_RESTRICTED, country_iso: 'US', type: 'fixed', sub_type: 'local', city: 'SAN FRANCISCO',
    region: 'CALIFORNIA', monthly_rental_rate: '0.80000', restriction: 'city-address',
    restriction_text: 'A San Francisco address is required.',
  },
  { number: US_TOLLFREE, country_iso: 'US', type: 'tollfree' },
  { number: GB, country_iso: 'GB', type: 'fixed' },
]);

describe('responses', () => {
  let A; // main account {auth_id, auth_token, api_key}
  let sub; // its subaccount {auth_id, auth_token}
  let readKey;
  let appId;
  let carrierId; // Plivo carrier_id of an incoming carrier with IPv4 and IPv6 ranges

  test('admin API', async () => {
    A = want(await srv.admin('POST', '/admin/v1/accounts', { name: 'oapi main' }), 201);
    want(await srv.admin('POST', '/admin/v1/accounts', { name: 'oapi other' }), 201);
    want(await srv.admin('POST', '/admin/v1/accounts', {}), 400);
    want(await srv.admin('POST', '/admin/v1/accounts', { name: 'x' }, { token: 'wrong' }), 401);
    want(await srv.admin('POST', '/admin/v1/accounts', 'name=x', { contentType: 'application/x-www-form-urlencoded' }), 415);
    want(await srv.admin('POST', '/admin/v1/accounts', { name: 'x'.repeat(70 * 1024) }), 413);
    want(await srv.admin('GET', '/admin/v1/accounts'), 200);
    want(await srv.admin('GET', '/admin/v1/accounts?x=1'), 400);
    want(await srv.admin('GET', '/admin/v1/accounts', undefined, { token: null }), 401);

    readKey = want(await srv.admin('POST', `/admin/v1/accounts/${A.auth_id}/api-keys`,
      { scopes: ['phone_numbers:read'] }), 201).api_key;
    want(await srv.admin('POST', `/admin/v1/accounts/${A.auth_id}/api-keys`), 201);
    want(await srv.admin('POST', `/admin/v1/accounts/${A.auth_id}/api-keys`, { scopes: ['root'] }), 400);
    want(await srv.admin('POST', `/admin/v1/accounts/MA${'0'.repeat(18)}/api-keys`, {}), 404);

    want(await srv.importCsv(INVENTORY, { dryRun: true }), 200);
    const imp = want(await srv.importCsv(INVENTORY), 200);
    assert.deepEqual(imp.rejected, []);
    const rej = want(await srv.importCsv('number,country_iso,type\n123,US,fixed\n'), 200);
    assert.equal(rej.rejected.length, 1);
    want(await srv.importCsv('number,country,type\n', {}), 400);
    want(await srv.importCsv(INVENTORY, { dryRun: 'maybe' }), 400);
    want(await srv.admin('POST', '/admin/v1/inventory', INVENTORY, { contentType: 'application/json' }), 415);
    want(await srv.admin('POST', '/admin/v1/inventory', INVENTORY, { token: 'wrong', contentType: 'text/csv' }), 401);

    want(await srv.admin('GET', '/admin/v1/inventory/stats'), 200);
    want(await srv.admin('GET', '/admin/v1/inventory/stats?country=US'), 400);
    want(await srv.admin('GET', '/admin/v1/registrations'), 200);
    want(await srv.admin('GET', '/admin/v1/numbers?status=pending'), 200);
    want(await srv.admin('GET', '/admin/v1/numbers?status=active&limit=1'), 200);
    want(await srv.admin('GET', '/admin/v1/numbers'), 400);
    want(await srv.admin('GET', '/admin/v1/numbers?status=pending&offset=2'), 400);
    want(await srv.admin('GET', '/admin/v1/numbers?status=pending', undefined, { token: null }), 401);
    want(await srv.admin('GET', '/admin/v1/registrations?state=bogus'), 400);
    want(await srv.admin('GET', '/admin/v1/registrations', undefined, { token: null }), 401);

    want(await srv.admin('POST', '/admin/v1/compliance', { account: A.auth_id, country_iso: 'GB', number_type: 'fixed' }), 201);
    want(await srv.admin('POST', '/admin/v1/compliance', { account: A.auth_id }), 400);
    want(await srv.admin('POST', '/admin/v1/compliance',
      { account: `MA${'0'.repeat(18)}`, country_iso: 'US', number_type: 'local' }), 404);

    // upstream carriers (SIP.md §1)
    const up = want(await srv.admin('POST', '/admin/v1/carriers', {
      name: 'oapi-upstream', sip_gateways: [{ address: '203.0.113.0/24' }, { address: 'gw.example.net', port: 5080 }],
      outbound_auth: { username: 'trunk', password: 'password-1', realm: 'example.net' },
    }), 201);
    want(await srv.admin('POST', '/admin/v1/carriers', { name: 'oapi-upstream' }), 409);
    want(await srv.admin('POST', '/admin/v1/carriers', { sip_gateways: [{ address: '10.0.0.1/8' }] }), 400);
    want(await srv.admin('GET', '/admin/v1/carriers'), 200);
    want(await srv.admin('GET', '/admin/v1/carriers?limit=0'), 400);
    want(await srv.admin('GET', `/admin/v1/carriers/${up.id}`), 200);
    want(await srv.admin('GET', '/admin/v1/carriers/nope'), 404);
    want(await srv.admin('PATCH', `/admin/v1/carriers/${up.id}`, { outbound_auth: null }), 200);
    want(await srv.admin('PATCH', `/admin/v1/carriers/${up.id}`, { sip_gateways: {} }), 400);
    want(await srv.admin('PUT', `/admin/v1/carriers/${up.id}/health_check`, { interval: 30 }), 200);
    want(await srv.admin('GET', `/admin/v1/carriers/${up.id}`), 200); // health_check and each gateway's health
    want(await srv.admin('PUT', `/admin/v1/carriers/${up.id}/health_check`, { interval: 0 }), 400);
    want(await srv.admin('DELETE', `/admin/v1/carriers/${up.id}/health_check`), 204);
    want(await srv.admin('DELETE', '/admin/v1/carriers/nope/health_check'), 404);
    want(await srv.admin('DELETE', '/admin/v1/carriers/numberd'), 409); // the inventory above names it
    want(await srv.admin('DELETE', `/admin/v1/carriers/${up.id}`), 204);
    want(await srv.admin('DELETE', `/admin/v1/carriers/${up.id}`), 404);

    // the SBC's lookups (SIP.md §3-4)
    const sbc = (p, token = SBC_TOKEN) => srv.admin('GET', p, undefined, { token });
    want(await sbc('/sbc/v1/inbound?src_ip=192.0.2.1&to=%2B14155550100'), 200);
    want(await sbc('/sbc/v1/inbound?src_ip=x&to=1'), 400);
    want(await sbc('/sbc/v1/inbound?src_ip=192.0.2.1&to=1', 'wrong-token-0123456789'), 401);
    want(await sbc(`/sbc/v1/outbound?account=${A.auth_id}&to=14155550100&from=14155550101`), 200);
    want(await sbc('/sbc/v1/outbound?to=1'), 400);
  });

  test('Plivo dialect: search and buy', async () => {
    const page = want(await srv.search(A, { country_iso: 'US', limit: 2 }), 200);
    assert.ok(page.meta.next);
    want(await srv.search(A, { country_iso: 'US', limit: 2, offset: 2, type: 'local' }), 200);
    want(await srv.search(A, {
      country_iso: 'us', type: 'local', pattern: '41*', npanxx: '415555', local_calling_area: 'true',
      region: 'california', city: 'san francisco', services: 'voice,sms', lata: '722', rate_center: 'SNFC CNTRL',
    }), 200);
    const gb = want(await srv.search(A, { country_iso: 'GB' }), 200);
    assert.equal(gb.objects[0].city, null);
    want(await srv.search(A, { country_iso: 'US', type: 'tollfree' }), 200);
    want(await srv.search(A, { country_iso: 'ZZ' }), 400);
    want(await srv.search(A, {}), 400);
    want(await srv.search(A, { country_iso: 'US', limit: 21 }), 400);
    want(await srv.search(A, { country_iso: 'US', sub_acount: 'x' }), 400);
    want(await srv.plivo(A, 'GET', 'PhoneNumber/', { query: { country_iso: 'US' }, auth: null }), 401);
    want(await srv.plivo(A, 'GET', 'PhoneNumber/', { query: { country_iso: 'US' }, pathAccount: `MA${'0'.repeat(18)}` }), 401);

    want(await srv.buy(A, US[0]), 201);
    const key = { headers: { 'Idempotency-Key': 'oapi-buy-0001' } };
    want(await srv.buy(A, US[1], {}, key), 201);
    const again = await srv.buy(A, US[1], {}, key);
    want(again, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    want(await srv.buy(A, US[1], { cnam_lookup: 'enabled' }, key), 409);
    want(await srv.buy(A, US[0]), 404);
    want(await srv.buy(A, US[2], {}, { headers: { 'Idempotency-Key': 'short' } }), 400);
    want(await srv.plivo(A, 'POST', `PhoneNumber/${US[2]}/`, { form: { cnam_lookup: 'enabled' } }), 201);
    want(await srv.plivo(A, 'POST', `PhoneNumber/+${US_TOLLFREE}/`, { body: 'app_id=1', headers: { 'Content-Type': 'text/plain' } }), 415);
    want(await srv.buy(A, US_TOLLFREE, { app_id: 'x'.repeat(70 * 1024) }), 413);
    want(await srv.buy(A, 'abc'), 400);
    const pending = want(await srv.buy(A, US_RESTRICTED), 201);
    assert.equal(pending.status, 'pending');
    want(await srv.buy(A, GB), 201); // with the GB compliance record: active
  });

  test('Plivo dialect: subaccounts and applications', async () => {
    sub = want(await srv.plivo(A, 'POST', 'Subaccount/', { body: { name: 'oapi sub', enabled: true } }), 201);
    const sub2 = want(await srv.plivo(A, 'POST', 'Subaccount/', { form: { name: 'oapi sub 2' } }), 201);
    want(await srv.plivo(A, 'POST', 'Subaccount/', { body: {} }), 400);
    want(await srv.plivo(A, 'GET', 'Subaccount/'), 200);
    want(await srv.plivo(A, 'GET', `Subaccount/${sub.auth_id}/`), 200);
    want(await srv.plivo(A, 'GET', `Subaccount/SA${'0'.repeat(18)}/`), 404);
    want(await srv.plivo(A, 'POST', `Subaccount/${sub2.auth_id}/`, { body: { name: 'renamed', enabled: 'true' } }), 202);
    want(await srv.plivo(A, 'POST', `Subaccount/SA${'0'.repeat(18)}/`, { body: { name: 'x' } }), 404);
    want(await srv.plivo(sub, 'GET', 'Subaccount/'), 404);
    want(await srv.buy(sub, US[3]), 404);

    appId = want(await srv.plivo(A, 'POST', 'Application/', {
      body: { app_name: 'oapi-app', answer_url: 'https://example.com/answer', default_number_app: true },
    }), 201).app_id;
    const subApp = want(await srv.plivo(A, 'POST', 'Application/', {
      form: { app_name: 'oapi-sub-app', answer_url: 'https://example.com/a', hangup_url: 'https://example.com/h',
        hangup_method: 'get', subaccount: sub.auth_id, is_voice_request: 'true' },
    }), 201).app_id;
    want(await srv.plivo(A, 'POST', 'Application/', { body: { app_name: 'oapi-app', answer_url: 'https://example.com/x' } }), 409);
    want(await srv.plivo(A, 'POST', 'Application/', { body: { app_name: 'no-url' } }), 400);
    want(await srv.plivo(sub, 'POST', 'Application/',
      { body: { app_name: 'sub-default', answer_url: 'https://example.com/s', default_number_app: true } }), 403);
    want(await srv.plivo(A, 'GET', 'Application/', { query: { app_name: 'oapi-app' } }), 200);
    want(await srv.plivo(A, 'GET', 'Application/'), 200);
    want(await srv.plivo(A, 'GET', 'Application/', { query: { limit: 0 } }), 400);
    want(await srv.plivo(A, 'GET', `Application/${subApp}/`), 200);
    want(await srv.plivo(sub, 'GET', `Application/${subApp}/`), 200);
    want(await srv.plivo(A, 'GET', `Application/${'9'.repeat(17)}/`), 404);
    want(await srv.plivo(A, 'POST', `Application/${subApp}/`, { body: { message_url: 'https://example.com/m', hangup_url: null } }), 202);
    // names are unique per owner (issue 15): the subaccount's other app's name is taken for subApp
    want(await srv.plivo(A, 'POST', 'Application/', {
      body: { app_name: 'oapi-sub-app2', answer_url: 'https://example.com/a2', subaccount: sub.auth_id },
    }), 201);
    want(await srv.plivo(A, 'POST', `Application/${subApp}/`, { body: { app_name: 'oapi-sub-app2' } }), 409);
    want(await srv.plivo(A, 'POST', `Application/${subApp}/`, { body: { answer_method: 'PUT' } }), 400);
    want(await srv.plivo(A, 'POST', `Application/${'9'.repeat(17)}/`, { body: { app_name: 'x' } }), 404);
    want(await srv.plivo(A, 'DELETE', `Application/${subApp}/`), 204);
    want(await srv.plivo(A, 'DELETE', `Application/${subApp}/`), 404);
    want(await srv.plivo(A, 'DELETE', `Subaccount/${sub2.auth_id}/`), 204);
    want(await srv.plivo(A, 'DELETE', `Subaccount/${sub2.auth_id}/`), 404);
  });

  test('Plivo dialect: incoming carriers and account numbers', async () => {
    carrierId = want(await srv.plivo(A, 'POST', 'IncomingCarrier/', {
      body: { name: 'oapi-carrier', ip_set: '192.0.2.10, 198.51.100.0/24, 2001:db8::/32', sms: false },
    }), 201).carrier_id;
    const other = want(await srv.plivo(A, 'POST', 'IncomingCarrier/',
      { form: { name: 'oapi-carrier-2', ip_set: '192.0.2.20' } }), 201).carrier_id;
    want(await srv.plivo(A, 'POST', 'IncomingCarrier/', { body: { name: 'oapi-carrier', ip_set: '192.0.2.11' } }), 409);
    want(await srv.plivo(A, 'POST', 'IncomingCarrier/', { body: { name: 'bad', ip_set: '300.1.1.1' } }), 400);
    want(await srv.plivo(A, 'GET', 'IncomingCarrier/'), 200);
    want(await srv.plivo(A, 'GET', 'IncomingCarrier/', { query: { name: 'oapi-carrier' } }), 200);
    want(await srv.plivo(A, 'GET', 'IncomingCarrier/', { query: { nam: 'x' } }), 400);
    want(await srv.plivo(A, 'GET', `IncomingCarrier/${carrierId}/`), 200);
    want(await srv.plivo(A, 'GET', `IncomingCarrier/${'1'.repeat(14)}/`), 404);
    want(await srv.plivo(A, 'POST', `IncomingCarrier/${other}/`, { body: { voice: 'false', ip_set: '192.0.2.21, 192.0.2.22' } }), 202);
    want(await srv.plivo(A, 'POST', `IncomingCarrier/${other}/`, { body: { name: 'oapi-carrier' } }), 409);
    want(await srv.plivo(A, 'POST', `IncomingCarrier/${'1'.repeat(14)}/`, { body: { voice: true } }), 404);

    want(await srv.plivo(A, 'POST', 'Number/', {
      body: { numbers: '13125550100, 13125550101', carrier: carrierId, region: 'Chicago', number_type: 'local' },
    }), 202);
    want(await srv.plivo(A, 'POST', 'Number/', {
      form: { numbers: '13125550102', carrier: carrierId, region: 'Chicago', subaccount: sub.auth_id },
    }), 202);
    want(await srv.plivo(A, 'POST', 'Number/', { body: { numbers: ['13125550100'], carrier: carrierId, region: 'Chicago' } }), 400);
    want(await srv.plivo(A, 'POST', 'Number/', { body: { numbers: '13125550103' } }), 400);
    // a subaccount adds numbers through its own carriers, for itself only
    const subCarrier = want(await srv.plivo(sub, 'POST', 'IncomingCarrier/',
      { body: { name: 'oapi-sub-carrier', ip_set: '192.0.2.30' } }), 201).carrier_id;
    want(await srv.plivo(sub, 'POST', 'Number/',
      { body: { numbers: '13125550104', carrier: subCarrier, region: 'Chicago', subaccount: sub.auth_id } }), 403);
    want(await srv.plivo(sub, 'POST', 'Number/', { body: { numbers: '13125550104', carrier: subCarrier, region: 'Chicago' } }), 202);
    want(await srv.plivo(A, 'DELETE', `IncomingCarrier/${carrierId}/`), 409);
    want(await srv.plivo(A, 'DELETE', `IncomingCarrier/${other}/`), 204);
    want(await srv.plivo(A, 'DELETE', `IncomingCarrier/${other}/`), 404);

    want(await srv.plivo(A, 'POST', `Number/${US[0]}/`,
      { body: { alias: 'main line', app_id: appId, subaccount: sub.auth_id, cnam_lookup: 'enabled', cnam: 'OAPI TEST' } }), 202);
    want(await srv.plivo(A, 'POST', `Number/${US[2]}/`,
      { form: { caller_reputation: 'enabled', profile_uuid: '0b1d2a4c-8f6e-4d3a-9b2c-1e5f7a9c3d21' } }), 202);
    want(await srv.plivo(A, 'POST', `Number/${US[1]}/`, { body: { cnam: '!!!' } }), 400);
    want(await srv.plivo(sub, 'POST', `Number/${US[0]}/`, { body: { subaccount: sub.auth_id } }), 403);
    want(await srv.plivo(A, 'POST', `Number/${US[4]}/`, { body: { alias: 'x' } }), 404);

    want(await srv.admin('POST', `/admin/v1/numbers/${US[0]}/status`, {
      tendlc_registration_status: 'processing', tendlc_campaign_id: 'CAMP01',
      toll_free_sms_verification: 'verified', caller_reputation_status: 'active',
    }), 200);
    want(await srv.admin('POST', `/admin/v1/numbers/${US[1]}/status`, { tendlc_registration_status: 'bogus' }), 400);
    want(await srv.admin('POST', `/admin/v1/numbers/${US[4]}/status`, { tendlc_campaign_id: 'x' }), 404);
    want(await srv.admin('POST', `/admin/v1/numbers/${US_RESTRICTED}/approve`), 200);
    want(await srv.admin('POST', `/admin/v1/numbers/${US_RESTRICTED}/approve`), 409);
    want(await srv.admin('POST', `/admin/v1/numbers/${US[4]}/approve`), 404);
    want(await srv.admin('POST', '/admin/v1/numbers/abc/approve'), 400);
    want(await srv.admin('POST', `/admin/v1/numbers/${US[4]}/approve`, { now: true }), 400);

    const all = want(await srv.plivo(A, 'GET', 'Number/'), 200);
    assert.ok(all.objects.length >= 6, JSON.stringify(all));
    want(await srv.plivo(A, 'GET', 'Number/', { query: { limit: 1 } }), 200);
    want(await srv.plivo(A, 'GET', 'Number/', {
      query: { type: 'local', number_startswith: '+1415', services: 'voice', cnam_lookup: 'enabled',
        renewal_date__gte: '2000-01-01', tendlc_registration_status: 'in_progress',
        toll_free_sms_verification: 'verified', alias: 'main line', subaccount: sub.auth_id },
    }), 200);
    want(await srv.plivo(sub, 'GET', 'Number/'), 200);
    want(await srv.plivo(A, 'GET', 'Number/', { query: { type: 'bogus' } }), 400);
    want(await srv.plivo(A, 'GET', 'Number/', { query: { renewal_date: '2026-02-30' } }), 400);
    want(await srv.plivo(A, 'GET', `Number/${US[0]}/`), 200);
    want(await srv.plivo(A, 'GET', `Number/${GB}/`), 200);
    want(await srv.plivo(A, 'GET', 'Number/13125550100/'), 200);
    want(await srv.plivo(A, 'GET', 'Number/abc/'), 400);
    want(await srv.plivo(A, 'GET', `Number/${US[4]}/`), 404);
    want(await srv.plivo(A, 'DELETE', 'Number/13125550101/'), 204);
    want(await srv.plivo(A, 'DELETE', `Number/${US[4]}/`), 404);
  });

  test('BYOC dialect: carriers', async () => {
    const key = A.api_key;
    const stat = want(await srv.byoc(key, 'POST', '/carriers',
      { body: { carrier_name: 'sip-static', sip_gateway: { ipv4: '203.0.113.5' } } }), 201);
    assert.match(stat.id, UUID_RE);
    const auth = want(await srv.byoc(key, 'POST', '/carriers', {
      body: { carrier_name: 'sip-auth', trunk_type: 'auth', sip_gateway: { ipv4: '203.0.113.4', port: 5080, netmask: 30 },
        inbound_auth: { username: 'u1', password: 'secret-pass' } },
    }), 201);
    const reg = want(await srv.byoc(key, 'POST', '/carriers', {
      body: { carrier_name: 'sip-reg', trunk_type: 'reg', sip_gateway: { ipv4: 'sip.example.com', inbound: false, outbound: true },
        registration: { username: 'r1', password: 'secret-pass', sip_realm: 'sip.example.com', from_user: 'r1', expires: 600 } },
    }), 201);
    const bad = want(await srv.byoc(key, 'POST', '/carriers',
      { body: { carrier_name: '', trunk_type: 'auth', sip_gateway: { ipv4: 'sip:1.2.3.4', port: 0 }, extra: 1 } }), 400);
    assert.ok(bad.errors.length > 1, JSON.stringify(bad));
    want(await srv.byoc(key, 'POST', '/carriers', { body: { carrier_name: 'sip-static', sip_gateway: { ipv4: '203.0.113.7' } } }), 409);
    want(await srv.byoc(null, 'POST', '/carriers', { body: { carrier_name: 'x', sip_gateway: { ipv4: '203.0.113.8' } } }), 401);
    want(await srv.byoc(readKey, 'POST', '/carriers', { body: { carrier_name: 'x', sip_gateway: { ipv4: '203.0.113.8' } } }), 403);
    want(await srv.byoc(key, 'POST', '/carriers', { body: 'carrier_name=x', contentType: 'application/x-www-form-urlencoded' }), 415);
    want(await srv.byoc(key, 'POST', '/carriers', { body: { carrier_name: 'x'.repeat(70 * 1024) } }), 413);
    const idem = { headers: { 'Idempotency-Key': 'oapi-carrier-0001' } };
    const body = { carrier_name: 'sip-idem', sip_gateway: { ipv4: '203.0.113.9' } };
    want(await srv.byoc(key, 'POST', '/carriers', { body, ...idem }), 201);
    const replay = await srv.byoc(key, 'POST', '/carriers', { body, ...idem });
    want(replay, 201);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    want(await srv.byoc(key, 'POST', '/carriers', { body: { ...body, carrier_name: 'sip-idem-2' }, ...idem }), 422);

    const list = want(await srv.byoc(readKey, 'GET', '/carriers'), 200);
    // the Plivo dialect's incoming carrier, with an IPv6 range among its gateways
    assert.ok(list.data.some((c) => c.sip_gateways.length === 3), JSON.stringify(list));
    want(await srv.byoc(readKey, 'GET', '/carriers', { query: { limit: 2, offset: 1 } }), 200);
    want(await srv.byoc(readKey, 'GET', '/carriers', { query: { limit: 101 } }), 400);
    want(await srv.byoc('nd_live_nope', 'GET', '/carriers'), 401);
    want(await srv.byoc(readKey, 'GET', `/carriers/${auth.id}`), 200);
    want(await srv.byoc(readKey, 'GET', `/carriers/${reg.voip_carrier_sid}`), 200);
    want(await srv.byoc(readKey, 'GET', `/carriers/${carrierId}`), 200);
    want(await srv.byoc(readKey, 'GET', '/carriers/0b1d2a4c-8f6e-4d3a-9b2c-1e5f7a9c3d21'), 404);
    want(await srv.byoc(key, 'PATCH', `/carriers/${stat.id}`, { body: { carrier_name: 'sip-static-2', sip_gateway: { port: 5070 } } }), 200);
    want(await srv.byoc(key, 'PATCH', `/carriers/${reg.id}`, { body: { registration: { from_user: null, expires: 3600 } } }), 200);
    want(await srv.byoc(key, 'PATCH', `/carriers/${auth.id}`, { body: { sip_gateway: { port: 0 } } }), 400);
    want(await srv.byoc(key, 'PATCH', `/carriers/${auth.id}`, { body: { carrier_name: 'sip-reg' } }), 409);
    want(await srv.byoc(readKey, 'PATCH', `/carriers/${auth.id}`, { body: { carrier_name: 'y' } }), 403);
    want(await srv.byoc(key, 'PUT', `/carriers/${stat.id}/health_check`, { body: { interval: 30 } }), 200);
    want(await srv.byoc(readKey, 'GET', `/carriers/${stat.id}`), 200);
    want(await srv.byoc(key, 'PUT', `/carriers/${stat.id}/health_check`, { body: { interval: 0 } }), 400);
    want(await srv.byoc(readKey, 'PUT', `/carriers/${stat.id}/health_check`, { body: { interval: 30 } }), 403);
    want(await srv.byoc(key, 'DELETE', `/carriers/${stat.id}/health_check`), 204);
    want(await srv.byoc(key, 'DELETE', '/carriers/00000000-0000-4000-8000-000000000000/health_check'), 404);
    want(await srv.byoc(key, 'PATCH', '/carriers/0b1d2a4c-8f6e-4d3a-9b2c-1e5f7a9c3d21', { body: { carrier_name: 'y' } }), 404);
    want(await srv.byoc(key, 'DELETE', `/carriers/${reg.id}`), 204);
    want(await srv.byoc(key, 'DELETE', `/carriers/${reg.id}`), 404);
    want(await srv.byoc(key, 'DELETE', `/carriers/${carrierId}`), 409);
  });

  test('BYOC dialect: numbers', async () => {
    const key = A.api_key;
    const carriers = want(await srv.byoc(key, 'GET', '/carriers'), 200).data;
    const stat = carriers.find((c) => c.carrier_name === 'sip-static-2');
    const byoc = want(await srv.byoc(key, 'POST', '', {
      body: { number: '+13125550200', voip_carrier_sid: stat.voip_carrier_sid, label: 'front desk' },
    }), 201);
    assert.equal(byoc.source, 'byoc');
    const manual = want(await srv.byoc(key, 'POST', '', { body: { number: '13125550201' } }), 201);
    assert.equal(manual.source, 'manual');
    want(await srv.byoc(key, 'POST', '', { body: { number: '+1' } }), 400);
    want(await srv.byoc(key, 'POST', '', { body: { label: 'x' } }), 400);
    want(await srv.byoc(key, 'POST', '', { body: { number: '+13125550200' } }), 400);
    want(await srv.byoc(readKey, 'POST', '', { body: { number: '+13125550202' } }), 403);
    const idem = { headers: { 'Idempotency-Key': 'oapi-number-0001' } };
    want(await srv.byoc(key, 'POST', '', { body: { number: '+13125550203' }, ...idem }), 201);
    want(await srv.byoc(key, 'POST', '', { body: { number: '+13125550204' }, ...idem }), 422);

    const list = want(await srv.byoc(readKey, 'GET', ''), 200);
    assert.ok(list.data.some((n) => n.source === 'inventory'), JSON.stringify(list));
    want(await srv.byoc(readKey, 'GET', '', { query: { source: 'byoc', status: 'active', voip_carrier_sid: stat.voip_carrier_sid } }), 200);
    want(await srv.byoc(readKey, 'GET', '', { query: { status: 'pending', limit: 100 } }), 200);
    want(await srv.byoc(readKey, 'GET', '', { query: { status: 'bogus' } }), 400);
    want(await srv.byoc(null, 'GET', ''), 401);
    want(await srv.byoc(readKey, 'GET', `/${byoc.id}`), 200);
    want(await srv.byoc(readKey, 'GET', `/%2B${US[0]}`), 200);
    want(await srv.byoc(readKey, 'GET', '/0b1d2a4c-8f6e-4d3a-9b2c-1e5f7a9c3d21'), 404);
    want(await srv.byoc(readKey, 'DELETE', `/${manual.id}`), 403);
    want(await srv.byoc(key, 'DELETE', `/${manual.id}`), 204);
    want(await srv.byoc(key, 'DELETE', `/${manual.id}`), 404);
    want(await srv.byoc(key, 'DELETE', `/carriers/${stat.id}`), 409);
    want(await srv.byoc(key, 'DELETE', `/${byoc.id}`), 204);
    want(await srv.byoc(key, 'DELETE', `/carriers/${stat.id}`), 204);
  });

  test('Plivo dialect: account, pricing, compliance reads and link', async () => {
    want(await srv.plivo(A, 'GET', ''), 200);
    want(await srv.plivo(sub, 'GET', ''), 200);
    want(await srv.plivo(A, 'GET', '', { query: { x: '1' } }), 400);
    want(await srv.plivo(A, 'GET', 'Pricing/', { query: { country_iso: 'US' } }), 200);
    want(await srv.plivo(A, 'GET', 'Pricing/', { query: { country_iso: 'ZZ' } }), 400);
    const cid = want(await srv.admin('POST', '/admin/v1/compliance',
      { account: A.auth_id, country_iso: 'US', number_type: 'local' }), 201).compliance_id;
    want(await srv.plivo(A, 'GET', 'PhoneNumber/Compliance/'), 200);
    want(await srv.plivo(A, 'GET', 'PhoneNumber/Compliance/', { query: { status: 'accepted', country_iso: 'US', limit: 1 } }), 200);
    want(await srv.plivo(A, 'GET', 'PhoneNumber/Compliance/', { query: { status: 'sideways' } }), 400);
    want(await srv.plivo(A, 'GET', `PhoneNumber/Compliance/${cid}/`), 200);
    want(await srv.plivo(A, 'GET', `PhoneNumber/Compliance/${cid}/`, { query: { id: 'other' } }), 400);
    want(await srv.plivo(A, 'GET', 'PhoneNumber/Compliance/0b1d2a4c-8f6e-4d3a-9b2c-1e5f7a9c3d21/'), 404);
    want(await srv.plivo(A, 'GET', 'PhoneNumber/Compliance/Requirements/',
      { query: { country_iso: 'US', number_type: 'local', user_type: 'business' } }), 200);
    want(await srv.plivo(A, 'GET', 'PhoneNumber/Compliance/Requirements/', { query: { country_iso: 'US' } }), 400);
    want(await srv.plivo(A, 'POST', 'PhoneNumber/Compliance/Link/',
      { body: { numbers: [{ number: US[0], compliance_application_id: cid }, { number: '14155559999', compliance_application_id: cid }] } }), 200);
    want(await srv.plivo(A, 'POST', 'PhoneNumber/Compliance/Link/', { body: { numbers: 'x' } }), 400);
    want(await srv.plivo(A, 'GET', `PhoneNumber/Compliance/${cid}/`), 200); // with a linked number
  });

  test('Plivo dialect: deletes', async () => {
    want(await srv.plivo(A, 'DELETE', `Number/${US[1]}/`), 204);
    want(await srv.plivo(A, 'DELETE', `Subaccount/${sub.auth_id}/`), 204);
    want(await srv.plivo(A, 'DELETE', `Application/${appId}/`), 204);
  });

  test('operability', async () => {
    want(await srv.raw('GET', '/openapi.json'), 200);
    want(await srv.raw('GET', '/openapi.json?format=yaml'), 400);
    if (served.has('/healthz')) want(await srv.raw('GET', '/healthz'), 200);
    if (served.has('/readyz')) want(await srv.raw('GET', '/readyz'), 200);
    if (served.has('/metrics')) want(await srv.raw('GET', '/metrics'), 200);
  });

  test('the web console\'s files', async () => {
    const index = await srv.raw('GET', '/console/');
    want(index, 200);
    want(await srv.raw('GET', '/console/', { headers: { 'If-None-Match': index.headers.get('etag') } }), 304);
    want(await srv.raw('GET', '/console'), 301);
    want(await srv.raw('GET', '/console/app.css'), 200);
    want(await srv.raw('GET', '/console/numbers'), 200);
    want(await srv.raw('GET', '/console/nope.png'), 404);
    want(await srv.raw('GET', '/console/js/app.js'), 200);
    want(await srv.raw('GET', '/console/admin/accounts'), 200);
    want(await srv.raw('GET', '/console/js/nope.js'), 404);
  });

  test('rate limit (429) and a server without an admin token (404)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-oapi-rl-'));
    try {
      const acct = JSON.parse(execFileSync(BIN, ['account', 'create', '--name', 'limited', '--db', dbOf(dir)],
        { encoding: 'utf8', env: { ...process.env, NUMBERD_ADMIN_TOKEN: '' } }));
      // a clock that stands still: on the real one a minute (the budget's
      // window) could end among these requests and give a second budget
      const s2 = await start({ dir, admin: false, args: ['--rate-limit', '2/60'],
        env: { NUMBERD_FAKE_NOW: Math.floor(Date.now() / 1000) } });
      try {
        want(await s2.search(acct, { country_iso: 'US' }), 200);
        want(await s2.byoc(acct.api_key, 'GET', ''), 200);
        const r = await s2.search(acct, { country_iso: 'US' });
        want(r, 429);
        assert.match(r.headers.get('retry-after') || '', /^[0-9]+$/);
        want(await s2.byoc(acct.api_key, 'GET', '/carriers'), 429);
        want(await s2.admin('GET', '/admin/v1/accounts', undefined, { token: 'anything' }), 404);
        want(await s2.admin('POST', '/admin/v1/inventory', 'number\n', { token: 'anything', contentType: 'text/csv' }), 404);
      } finally {
        await s2.stop();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('webhooks (issue 18)', async () => {
    // no --webhook-allow-private here: public names, which nothing answers
    const E = want(await srv.admin('POST', '/admin/v1/webhooks', { url: 'https://hooks.example.invalid/a', description: 'oapi' }), 201);
    want(await srv.admin('POST', '/admin/v1/webhooks', { url: 'http://127.0.0.1/x' }), 400);
    want(await srv.admin('GET', '/admin/v1/webhooks'), 200);
    want(await srv.admin('GET', '/admin/v1/webhooks?limit=0'), 400);
    want(await srv.admin('GET', `/admin/v1/webhooks/${E.id}`), 200);
    want(await srv.admin('GET', '/admin/v1/webhooks/we_nope'), 404);
    const O = want(await srv.admin('POST', '/admin/v1/webhooks', { url: 'https://hooks.example.invalid/b', event_types: ['registration.*'] }), 201);
    want(await srv.admin('PATCH', `/admin/v1/webhooks/${O.id}`, { description: 'an event for E' }), 200);
    want(await srv.admin('PATCH', `/admin/v1/webhooks/${O.id}`, { event_types: ['NOPE'] }), 400);
    want(await srv.admin('POST', `/admin/v1/webhooks/${E.id}/rotate-secret`, { grace_period: '1h' }), 200);
    want(await srv.admin('POST', `/admin/v1/webhooks/${E.id}/rotate-secret`, { grace_period: 'later' }), 400);
    want(await srv.admin('GET', `/admin/v1/webhooks/we_nope/deliveries`), 404);
    let dl;
    for (let i = 0; i < 100 && !(dl && dl.data.length); i++) {
      dl = want(await srv.admin('GET', `/admin/v1/webhooks/${E.id}/deliveries?state=pending`), 200);
      if (!dl.data.length) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(dl.data.length, 'a delivery for E');
    want(await srv.admin('POST', `/admin/v1/webhooks/${E.id}/deliveries/${dl.data[0].id}/redeliver`), 202);
    want(await srv.admin('POST', `/admin/v1/webhooks/${E.id}/deliveries/999999999/redeliver`), 404);
    want(await srv.admin('DELETE', `/admin/v1/webhooks/${O.id}`), 204);
    want(await srv.admin('DELETE', `/admin/v1/webhooks/${O.id}`), 404);

    // a customer's own, with webhooks:manage
    const C = want(await srv.admin('POST', '/admin/v1/accounts', { name: 'oapi hooks' }), 201);
    const k = want(await srv.admin('POST', `/admin/v1/accounts/${C.auth_id}/api-keys`, { scopes: ['webhooks:manage'] }), 201);
    want(await srv.byoc(C.api_key, 'GET', '/webhooks'), 403);
    const W = want(await srv.byoc(k.api_key, 'POST', '/webhooks', { body: { url: 'https://hooks.example.invalid/c' } }), 201);
    want(await srv.byoc(k.api_key, 'POST', '/webhooks', { body: { url: 'http://10.0.0.1/' } }), 400);
    want(await srv.byoc(k.api_key, 'GET', '/webhooks'), 200);
    want(await srv.byoc(C.api_key, 'GET', `/webhooks/${W.id}`), 403);
    want(await srv.byoc(k.api_key, 'GET', `/webhooks/${W.id}`), 200);
    want(await srv.byoc(k.api_key, 'PATCH', `/webhooks/${W.id}`, { body: { description: 'mine' } }), 200);
    want(await srv.byoc(k.api_key, 'PATCH', `/webhooks/${E.id}`, { body: { description: 'not mine' } }), 404);
    want(await srv.byoc(k.api_key, 'POST', `/webhooks/${W.id}/rotate-secret`, { body: { grace_period: 0 } }), 200);
    want(await srv.byoc(C.api_key, 'POST', `/webhooks/${W.id}/rotate-secret`, { body: {} }), 403);
    let dw;
    for (let i = 0; i < 100 && !(dw && dw.data.length); i++) {
      dw = want(await srv.byoc(k.api_key, 'GET', `/webhooks/${W.id}/deliveries`), 200);
      if (!dw.data.length) await new Promise((r) => setTimeout(r, 100));
    }
    want(await srv.byoc(k.api_key, 'GET', `/webhooks/${W.id}/deliveries`, { query: { state: 'lost' } }), 400);
    assert.ok(dw.data.length, 'a delivery of its own change');
    want(await srv.byoc(k.api_key, 'POST', `/webhooks/${W.id}/deliveries/${dw.data[0].id}/redeliver`), 202);
    want(await srv.byoc(k.api_key, 'POST', `/webhooks/${W.id}/deliveries/0/redeliver`), 404);
    want(await srv.byoc(C.api_key, 'DELETE', `/webhooks/${W.id}`), 403);
    want(await srv.byoc(k.api_key, 'DELETE', `/webhooks/${W.id}`), 204);
  });

  test('credential lifecycle (issue 18)', async () => {
    const C = want(await srv.admin('POST', '/admin/v1/accounts', { name: 'oapi creds' }), 201);
    const base = `/admin/v1/accounts/${C.auth_id}`;
    const k = want(await srv.admin('POST', `${base}/api-keys`, { label: 'ci', expires_in: '30d' }), 201);

    // the event log (issue 18): the operator's, and a customer's own in both dialects
    want(await srv.admin('GET', '/admin/v1/events?limit=2'), 200);
    want(await srv.admin('GET', '/admin/v1/events?since=soon'), 400);
    want(await srv.plivo(C, 'GET', 'Event/', { query: { limit: 2 } }), 200);
    want(await srv.plivo(C, 'GET', 'Event/', { query: { limit: 21 } }), 400);
    want(await srv.byoc(C.api_key, 'GET', '/events'), 200);
    want(await srv.byoc(C.api_key, 'GET', '/events', { query: { after: 'x' } }), 400);
    want(await srv.admin('GET', `${base}/api-keys?limit=5`), 200);
    want(await srv.admin('GET', `${base}/api-keys?limit=0`), 400);
    want(await srv.admin('GET', `/admin/v1/accounts/MA${'0'.repeat(18)}/api-keys`), 404);
    want(await srv.admin('DELETE', `${base}/api-keys/${k.id}`), 204);
    want(await srv.admin('DELETE', `${base}/api-keys/${k.id}`), 404);
    want(await srv.admin('DELETE', `${base}/api-keys/${k.id}?x=1`), 400);
    want(await srv.byoc(k.api_key, 'GET', '/carriers'), 401);

    // the customer's own keys
    const own = want(await srv.byoc(C.api_key, 'POST', '/api-keys', { body: { scopes: ['phone_numbers:read'], label: 'ro' } }), 201);
    want(await srv.byoc(C.api_key, 'POST', '/api-keys', { body: { scopes: ['nope'] } }), 400);
    want(await srv.byoc(own.api_key, 'POST', '/api-keys', { body: {} }), 403);
    want(await srv.byoc(C.api_key, 'GET', '/api-keys'), 200);
    want(await srv.byoc(C.api_key, 'GET', '/api-keys', { query: { limit: 101 } }), 400);
    want(await srv.byoc(own.api_key, 'GET', '/api-keys'), 403);
    want(await srv.byoc(C.api_key, 'DELETE', `/api-keys/${own.id}`), 204);
    want(await srv.byoc(C.api_key, 'DELETE', `/api-keys/${own.id}`), 404);

    want(await srv.admin('POST', `${base}/rotate-token`, { grace_period: '1h' }), 200);
    want(await srv.admin('POST', `${base}/rotate-token`, { grace_period: 'soon' }), 400);
    want(await srv.admin('POST', `/admin/v1/accounts/MA${'0'.repeat(18)}/rotate-token`), 404);
    want(await srv.admin('POST', `${base}/suspend`), 200);
    want(await srv.plivo(C, 'GET', 'Number/'), 403);
    want(await srv.byoc(C.api_key, 'GET', '/carriers'), 403);
    want(await srv.admin('POST', `${base}/suspend`, { x: 1 }), 400);
    want(await srv.admin('POST', `${base}/resume`), 200);
    want(await srv.admin('POST', `/admin/v1/accounts/MA${'0'.repeat(18)}/resume`), 404);
    want(await srv.admin('POST', `${base}/close`), 200);
    want(await srv.admin('POST', `${base}/close`, 'x', { contentType: 'text/plain' }), 415);
    want(await srv.admin('POST', `${base}/resume`), 409);
    want(await srv.admin('POST', `/admin/v1/accounts/MA${'0'.repeat(18)}/suspend`), 404);
    want(await srv.admin('POST', `/admin/v1/accounts/MA${'0'.repeat(18)}/close`), 404);
  });

  test('every recorded response matches the document', () => {
    const records = readRecords(RECORD_DIR);
    const { problems, checked, seen } = checkRecords(oracle, records);
    assert.ok(checked > 150, `only ${checked} responses checked`);
    assert.equal(problems.length, 0, `${problems.length} responses do not match docs/openapi.json:\n\n${problems.slice(0, 20).join('\n\n')}`);
    // every operation the server serves was exercised, with a success and,
    // where one can be provoked, an error
    const missing = [];
    for (const { path: p, op } of oracle.operations()) {
      if (OPERABILITY.includes(p) && !served.has(p)) continue;
      const statuses = [...(seen.get(op.operationId) || [])];
      if (!statuses.some((s) => s < 300)) missing.push(`${op.operationId}: no success`);
      // (the health probes and the console's index.html have no error to provoke)
      if (!['/healthz', '/readyz', '/metrics', '/console/'].includes(p) && !statuses.some((s) => s >= 400)) missing.push(`${op.operationId}: no error`);
    }
    assert.deepEqual(missing, []);
  });
});

// ---- c'. the whole API suite's responses, when recorded -------------------------------

if (process.env.NUMBERD_REPLAY_DIR) {
  test(`responses recorded in NUMBERD_REPLAY_DIR match the document`, (t) => {
    const records = readRecords(process.env.NUMBERD_REPLAY_DIR);
    const { problems, checked, skipped } = checkRecords(oracle, records);
    t.diagnostic(`${checked} responses checked; not covered by design: ${JSON.stringify(skipped)}`);
    assert.ok(checked > 0, `no recorded responses in ${process.env.NUMBERD_REPLAY_DIR}`);
    assert.equal(problems.length, 0, `${problems.length} responses do not match docs/openapi.json:\n\n${problems.slice(0, 20).join('\n\n')}`);
  });
}
