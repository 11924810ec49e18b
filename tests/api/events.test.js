'use strict';
// Issue 18 items 2-3: one event log (a transactional outbox) and the audit API.
//   - every kind of change of state, made through the API (admin, Plivo,
//     BYOC) and the CLI, leaves exactly ONE event (or the few objects it
//     changes, each named) with the right type, object, actor kind and id,
//     and the request id the client got in X-Request-Id;
//   - refused requests (400/404/409) leave none;
//   - the admin filters (object, account, actor, type, time) and the cursor;
//   - a customer sees its own account's events only (both dialects), a
//     subaccount only what it did itself;
//   - no event holds a secret used anywhere in this file;
//   - aging back to sale is an event of actor system;
//   - two nodes writing at once: one log whose ids a poller sees strictly
//     increasing, none skipped (SQLite: two processes on one file;
//     PostgreSQL with NUMBERD_TEST_PG: two nodes on one database).

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { PG, BIN, start, csv, assertPlivoError, psql } = require('./lib/server');

const ARGS = ['--rate-limit', '0', '--auth-fail-limit', '0'];
const NUMBERS = Array.from({ length: 12 }, (_, i) => `1415558${String(1000 + i)}`);
const RESTRICTED = '14155589000';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let srv;
const SECRETS = []; // every token, key and password this file uses

before(async () => {
  srv = await start({ args: ARGS, threads: 4 });
  const rows = NUMBERS.map((number) => ({ number, country_iso: 'US', type: 'fixed', sub_type: 'local', region: 'CA' }));
  rows.push({ number: RESTRICTED, country_iso: 'US', type: 'fixed', sub_type: 'local', region: 'CA',
    restriction: 'city-address', restriction_text: 'An address.' });
  await srv.loadCsv(csv(['number', 'country_iso', 'type', 'sub_type', 'region', 'restriction', 'restriction_text'], rows));
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

/** Every event after id `after` (admin API, paged with the cursor). */
async function eventsAfter(s, after, query = {}) {
  const out = [];
  let cursor = after;
  for (;;) {
    const r = await s.admin('GET', `/admin/v1/events?${new URLSearchParams({ ...query, after: String(cursor), limit: '1000' })}`);
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.data);
    if (r.json.next_after === null) return out;
    cursor = r.json.next_after;
  }
}

async function lastId(s = srv) {
  const all = await eventsAfter(s, 0);
  return all.length ? all[all.length - 1].id : 0;
}

const rid = (r) => r.headers.get('x-request-id');

/**
 * The events after mark are exactly `want` (in order): each {type,
 * object_type, object_id?}; every one names actor and the request id of r.
 */
async function expectEvents(mark, r, actor, want, s = srv) {
  const got = await eventsAfter(s, mark);
  assert.deepEqual(got.map((e) => e.type), want.map((w) => w.type), JSON.stringify(got, null, 1));
  got.forEach((e, i) => {
    const w = want[i];
    assert.equal(e.object_type, w.object_type, JSON.stringify(e));
    if (w.object_id !== undefined) assert.equal(e.object_id, w.object_id, JSON.stringify(e));
    if (w.account !== undefined) assert.equal(e.account, w.account, JSON.stringify(e));
    assert.deepEqual(e.actor, actor, JSON.stringify(e));
    if (r) assert.equal(e.request_id, rid(r), JSON.stringify(e));
    if (w.data) w.data(e.data);
  });
  return got;
}

async function expectNone(mark, what) {
  const got = await eventsAfter(srv, mark);
  assert.deepEqual(got, [], `${what} left events: ${JSON.stringify(got)}`);
}

const ADMIN = { kind: 'admin', id: 'admin' };
const asAccount = (a) => ({ kind: 'account', id: a.auth_id });

// Found by a helper's audit (session 36): a subaccount's and a webhook
// endpoint's update that changed nothing wrote an event with empty data; an
// endpoint's account change showed internal row ids; a cascade's
// application.deleted had no data; subaccount.created gave enabled as text.
describe('events say what changed, as the API shows it', () => {
  test('no-op updates write none; account by auth_id; a cascade delete names the application', async () => {
    const main = await srv.createAccount('ev-audit');
    const other = await srv.createAccount('ev-audit-2');
    let mark = await lastId();
    let r = await srv.plivo(main, 'POST', 'Subaccount/', { body: { name: 'evs', enabled: true } });
    assert.equal(r.status, 201, r.text);
    const sub = r.json;
    SECRETS.push(sub.auth_token);
    await expectEvents(mark, r, asAccount(main), [{ type: 'subaccount.created', object_type: 'subaccount',
      data: (d) => assert.deepEqual(d, { after: { name: 'evs', enabled: true } }) }]);
    mark = await lastId();
    r = await srv.plivo(main, 'POST', `Subaccount/${sub.auth_id}/`, { body: { name: 'evs', enabled: true } });
    assert.equal(r.status, 202, r.text);
    await expectNone(mark, 'a subaccount update that changes nothing');

    r = await srv.admin('POST', '/admin/v1/webhooks', { url: 'https://hooks.example.com/ev', account: main.auth_id, description: 'd' });
    assert.equal(r.status, 201, r.text);
    SECRETS.push(r.json.secret);
    const ep = r.json;
    mark = await lastId();
    r = await srv.admin('PATCH', `/admin/v1/webhooks/${ep.id}`, { description: 'd' });
    assert.equal(r.status, 200, r.text);
    await expectNone(mark, 'an endpoint update that changes nothing');
    r = await srv.admin('PATCH', `/admin/v1/webhooks/${ep.id}`, { account: other.auth_id });
    assert.equal(r.status, 200, r.text);
    await expectEvents(mark, r, ADMIN, [{ type: 'webhook_endpoint.updated', object_type: 'webhook_endpoint',
      data: (d) => assert.deepEqual(d, { before: { account: main.auth_id }, after: { account: other.auth_id } }) }]);
    assert.equal((await srv.admin('DELETE', `/admin/v1/webhooks/${ep.id}`)).status, 204);
    // credentials in an endpoint's query string stay out of its events
    // (the final test looks for every one of SECRETS; these were kept
    // whole: a helper's audit, session 38)
    const qs = { token: 'UrlTok3n-' + Date.now(), api_key: 'UrlK3y-' + Date.now(), sig: 'UrlS1g-' + Date.now() };
    SECRETS.push(...Object.values(qs));
    r = await srv.admin('POST', '/admin/v1/webhooks', { url: `https://hooks.example.com/q?${new URLSearchParams(qs)}&v=2`, account: main.auth_id });
    assert.equal(r.status, 201, r.text);
    SECRETS.push(r.json.secret);
    assert.equal(r.json.url, `https://hooks.example.com/q?${new URLSearchParams(qs)}&v=2`, 'the endpoint keeps its URL');
    assert.equal((await srv.admin('DELETE', `/admin/v1/webhooks/${r.json.id}`)).status, 204);

    r = await srv.plivo(sub, 'POST', 'Application/', { body: { app_name: 'sub-app', answer_url: 'https://app.example.com/s' } });
    assert.equal(r.status, 201, r.text);
    const appId = r.json.app_id;
    r = await srv.plivo(sub, 'POST', 'IncomingCarrier/', { body: { name: 'subcar', ip_set: '192.0.2.44' } });
    assert.equal(r.status, 201, r.text);
    mark = await lastId();
    r = await srv.plivo(main, 'DELETE', `Subaccount/${sub.auth_id}/`, { body: { cascade: true } });
    assert.equal(r.status, 204, r.text);
    const got = await eventsAfter(srv, mark);
    const del = got.find((x) => x.type === 'application.deleted');
    assert.ok(del, JSON.stringify(got));
    assert.equal(del.object_id, appId);
    assert.deepEqual(del.data, { before: { app_name: 'sub-app' } });
    // its carrier becomes the main account's, and says so
    const moved = got.find((x) => x.type === 'carrier.updated');
    assert.ok(moved, `no carrier.updated in ${JSON.stringify(got.map((x) => x.type))}`);
    assert.deepEqual(moved.data, { before: { subaccount: sub.auth_id }, after: { subaccount: null } });
  });

  // Found by a helper's audit (session 39): a PATCH of {} or of the values
  // a carrier or an endpoint had wrote no event but moved updated_at --
  // the timestamp and the audit log disagreed
  test('an update that changes nothing keeps updated_at; one that changes something moves it', async () => {
    const a = await srv.createAccount('ev-noop');
    const c = await srv.byoc(a.api_key, 'POST', '/carriers', { body: { carrier_name: 'same', sip_gateway: { ipv4: '198.51.100.71' } } });
    assert.equal(c.status, 201, c.text);
    const hk = (await srv.admin('POST', `/admin/v1/accounts/${a.auth_id}/api-keys`, { scopes: ['webhooks:manage'] })).json.api_key;
    const w = await srv.byoc(hk, 'POST', '/webhooks', { body: { url: 'https://hooks.example.com/noop', description: 'kept' } });
    assert.equal(w.status, 201, w.text);
    SECRETS.push(w.json.secret);
    const carrierAt = async () => (await srv.byoc(a.api_key, 'GET', `/carriers/${c.json.id}`)).json.updated_at;
    const hookAt = async () => (await srv.byoc(hk, 'GET', `/webhooks/${w.json.id}`)).json.updated_at;
    const c0 = await carrierAt();
    const w0 = await hookAt();
    const mark = await lastId();
    await new Promise((res) => setTimeout(res, 1100)); // updated_at has seconds
    for (const body of [{}, { carrier_name: 'same' }, { sip_gateway: { ipv4: '198.51.100.71', port: 5060 } }]) {
      const r = await srv.byoc(a.api_key, 'PATCH', `/carriers/${c.json.id}`, { body });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.updated_at, c0, JSON.stringify(body));
    }
    const pl = (await srv.plivo(a, 'GET', 'IncomingCarrier/')).json.objects.find((x) => x.name === 'same');
    assert.equal((await srv.plivo(a, 'POST', `IncomingCarrier/${pl.carrier_id}/`, { body: { voice: true } })).status, 202);
    assert.equal(await carrierAt(), c0, 'a Plivo update that changes nothing');
    for (const body of [{}, { description: 'kept' }, { enabled: true }]) {
      const r = await srv.byoc(hk, 'PATCH', `/webhooks/${w.json.id}`, { body });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.updated_at, w0, JSON.stringify(body));
    }
    await expectNone(mark, 'updates that change nothing');
    // a change moves both, with its event
    const r1 = await srv.byoc(a.api_key, 'PATCH', `/carriers/${c.json.id}`, { body: { carrier_name: 'changed' } });
    assert.notEqual(r1.json.updated_at, c0);
    const r2 = await srv.byoc(hk, 'PATCH', `/webhooks/${w.json.id}`, { body: { description: 'changed' } });
    assert.notEqual(r2.json.updated_at, w0);
    const got = (await eventsAfter(srv, mark)).map((x) => x.type);
    assert.deepEqual(got.sort(), ['carrier.updated', 'webhook_endpoint.updated']);
  });
});

describe('every change of state leaves one event', () => {
  let acct; let keyId; let sub; let numberA;

  test('admin: account created (with its first key)', async () => {
    const mark = await lastId();
    const r = await srv.admin('POST', '/admin/v1/accounts', { name: 'events-main' });
    assert.equal(r.status, 201, r.text);
    acct = r.json;
    SECRETS.push(acct.auth_token, acct.api_key);
    const keys = await srv.admin('GET', `/admin/v1/accounts/${acct.auth_id}/api-keys`);
    keyId = String(keys.json.data[0].id);
    await expectEvents(mark, r, ADMIN, [
      { type: 'account.created', object_type: 'account', object_id: acct.auth_id, account: acct.auth_id,
        data: (d) => assert.deepEqual(d, { after: { name: 'events-main' } }) },
      { type: 'api_key.created', object_type: 'api_key', object_id: keyId },
    ]);
  });

  test('admin: API key created and revoked; a second revoke is 404 and no event', async () => {
    let mark = await lastId();
    const r = await srv.admin('POST', `/admin/v1/accounts/${acct.auth_id}/api-keys`,
      { scopes: ['phone_numbers:read'], label: 'audit', expires_in: '30d' });
    assert.equal(r.status, 201, r.text);
    SECRETS.push(r.json.api_key);
    let made;
    await expectEvents(mark, r, ADMIN, [{ type: 'api_key.created', object_type: 'api_key', object_id: String(r.json.id),
      data: (d) => { made = d.after; assert.deepEqual(d.after.scopes, ['phone_numbers:read']); } }]);
    assert.equal(made.label, 'audit');
    assert.equal(typeof made.expires_at, 'number');
    mark = await lastId();
    const rv = await srv.admin('DELETE', `/admin/v1/accounts/${acct.auth_id}/api-keys/${r.json.id}`);
    assert.equal(rv.status, 204, rv.text);
    // what the revoked key could do and until when, as EVENTS.md says
    // (the event carried {} before: a helper's audit, session 38)
    await expectEvents(mark, rv, ADMIN, [{ type: 'api_key.revoked', object_type: 'api_key', object_id: String(r.json.id),
      data: (d) => assert.deepEqual(d, { before: made }) }]);
    mark = await lastId();
    assert.equal((await srv.admin('DELETE', `/admin/v1/accounts/${acct.auth_id}/api-keys/${r.json.id}`)).status, 404);
    await expectNone(mark, 'a second revoke');
    // every scope named, as the answer names them (webhooks:manage was
    // left out of the event: a helper's audit, session 35)
    const all = ['phone_numbers:read', 'phone_numbers:write', 'api_keys:manage', 'webhooks:manage'];
    mark = await lastId();
    const w = await srv.admin('POST', `/admin/v1/accounts/${acct.auth_id}/api-keys`, { scopes: all });
    assert.equal(w.status, 201, w.text);
    SECRETS.push(w.json.api_key);
    assert.deepEqual(w.json.scopes, all);
    await expectEvents(mark, w, ADMIN, [{ type: 'api_key.created', object_type: 'api_key', object_id: String(w.json.id),
      data: (d) => assert.deepEqual(d.after.scopes, all) }]);
    assert.equal((await srv.admin('DELETE', `/admin/v1/accounts/${acct.auth_id}/api-keys/${w.json.id}`)).status, 204);
  });

  test('Plivo: a purchase, an update, a no-op update, an unrent; refusals leave nothing', async () => {
    let mark = await lastId();
    numberA = NUMBERS[0];
    let r = await srv.buy(acct, numberA);
    assert.equal(r.status, 201, r.text);
    await expectEvents(mark, r, asAccount(acct), [{ type: 'number.bought', object_type: 'number', object_id: numberA,
      account: acct.auth_id, data: (d) => assert.equal(d.after.state, 'active') }]);

    mark = await lastId();
    r = await srv.buy(acct, numberA); // sold: 404
    assert.equal(r.status, 404, r.text);
    r = await srv.plivo(acct, 'POST', `Number/${numberA}/`, { body: { alias: 'x'.repeat(300) } }); // 400
    assert.equal(r.status, 400, r.text);
    r = await srv.plivo(acct, 'POST', `Number/${NUMBERS[5]}/`, { body: { alias: 'nope' } }); // not ours: 404
    assert.equal(r.status, 404, r.text);
    await expectNone(mark, 'refused number requests');

    r = await srv.plivo(acct, 'POST', `Number/${numberA}/`, { body: { alias: 'front desk' } });
    assert.equal(r.status, 202, r.text);
    await expectEvents(mark, r, asAccount(acct), [{ type: 'number.updated', object_type: 'number', object_id: numberA,
      data: (d) => assert.deepEqual(d, { before: { alias: null }, after: { alias: 'front desk' } }) }]);
    mark = await lastId();
    r = await srv.plivo(acct, 'POST', `Number/${numberA}/`, { body: { alias: 'front desk' } });
    assert.equal(r.status, 202, r.text);
    await expectNone(mark, 'an update that changes nothing');

    r = await srv.plivo(acct, 'DELETE', `Number/${numberA}/`);
    assert.equal(r.status, 204, r.text);
    await expectEvents(mark, r, asAccount(acct), [{ type: 'number.released', object_type: 'number', object_id: numberA,
      data: (d) => assert.equal(d.after.state, 'aging') }]);
  });

  test('admin: compliance record, a pending purchase approved (pending -> active), operator status', async () => {
    let mark = await lastId();
    let r = await srv.buy(acct, RESTRICTED);
    assert.equal(r.status, 201, r.text);
    await expectEvents(mark, r, asAccount(acct), [{ type: 'number.bought', object_type: 'number', object_id: RESTRICTED,
      data: (d) => assert.equal(d.after.state, 'pending') }]);
    mark = await lastId();
    r = await srv.admin('POST', `/admin/v1/numbers/${RESTRICTED}/approve`);
    assert.equal(r.status, 200, r.text);
    await expectEvents(mark, r, ADMIN, [{ type: 'number.activated', object_type: 'number', object_id: RESTRICTED,
      account: acct.auth_id, data: (d) => assert.deepEqual(d, { before: { state: 'pending' }, after: { state: 'active' } }) }]);
    mark = await lastId();
    r = await srv.admin('POST', `/admin/v1/numbers/${RESTRICTED}/approve`); // not pending: 409
    assert.equal(r.status, 409, r.text);
    await expectNone(mark, 'an approve of an active number');
    r = await srv.admin('POST', `/admin/v1/numbers/${RESTRICTED}/status`, { tendlc_registration_status: 'COMPLETED' });
    assert.equal(r.status, 200, r.text);
    await expectEvents(mark, r, ADMIN, [{ type: 'number.updated', object_type: 'number', object_id: RESTRICTED,
      data: (d) => assert.equal(d.after.tendlc_registration_status, 'COMPLETED') }]);
    mark = await lastId();
    r = await srv.admin('POST', '/admin/v1/compliance', { account: acct.auth_id, country_iso: 'US', number_type: 'local' });
    assert.equal(r.status, 201, r.text);
    await expectEvents(mark, r, ADMIN, [{ type: 'compliance.created', object_type: 'compliance', object_id: r.json.compliance_id }]);
  });

  test('Plivo: subaccount created, updated, deleted; a subaccount acts as itself', async () => {
    let mark = await lastId();
    let r = await srv.plivo(acct, 'POST', 'Subaccount/', { body: { name: 'ev-sub', enabled: true } });
    assert.equal(r.status, 201, r.text);
    sub = { auth_id: r.json.auth_id, auth_token: r.json.auth_token };
    SECRETS.push(sub.auth_token);
    await expectEvents(mark, r, asAccount(acct), [{ type: 'subaccount.created', object_type: 'subaccount', object_id: sub.auth_id,
      account: acct.auth_id }]);
    mark = await lastId();
    r = await srv.plivo(acct, 'POST', `Subaccount/${sub.auth_id}/`, { body: { name: 'ev-sub-2' } });
    assert.equal(r.status, 202, r.text);
    await expectEvents(mark, r, asAccount(acct), [{ type: 'subaccount.updated', object_type: 'subaccount', object_id: sub.auth_id,
      data: (d) => assert.deepEqual(d, { before: { name: 'ev-sub' }, after: { name: 'ev-sub-2' } }) }]);

    mark = await lastId();
    r = await srv.plivo(sub, 'POST', 'Application/', { body: { app_name: 'sub-app', answer_url: 'https://example.com/a' } });
    assert.equal(r.status, 201, r.text);
    await expectEvents(mark, r, { kind: 'subaccount', id: sub.auth_id },
      [{ type: 'application.created', object_type: 'application', object_id: r.json.app_id, account: acct.auth_id }]);

    mark = await lastId();
    r = await srv.plivo(acct, 'DELETE', 'Subaccount/SA00000000000000000000/');
    assert.ok(r.status === 404 || r.status === 400, r.text);
    await expectNone(mark, 'deleting a subaccount that does not exist');
  });

  // Found by a helper's audit (session 35): a move into or out of a
  // subaccount set the id alone, and the event's diff (which compares the
  // auth_ids) saw no change -- no number.updated / application.updated at
  // all, and number.added / application.created without the subaccount.
  test('Plivo: numbers and applications moved into and out of a subaccount, each move an event naming it', async () => {
    const me = asAccount(acct);
    const n = NUMBERS[8];
    let r = await srv.buy(acct, n);
    assert.equal(r.status, 201, r.text);
    let mark = await lastId();
    r = await srv.plivo(acct, 'POST', `Number/${n}/`, { body: { subaccount: sub.auth_id } });
    assert.equal(r.status, 202, r.text);
    await expectEvents(mark, r, me, [{ type: 'number.updated', object_type: 'number', object_id: n,
      data: (d) => assert.deepEqual(d, { before: { subaccount: null }, after: { subaccount: sub.auth_id } }) }]);
    mark = await lastId();
    r = await srv.plivo(acct, 'POST', `Number/${n}/`, { body: { subaccount: '' } });
    assert.equal(r.status, 202, r.text);
    await expectEvents(mark, r, me, [{ type: 'number.updated', object_type: 'number', object_id: n,
      data: (d) => assert.deepEqual(d, { before: { subaccount: sub.auth_id }, after: { subaccount: null } }) }]);

    mark = await lastId();
    r = await srv.plivo(acct, 'POST', 'Application/', { body: { app_name: 'moved-app', answer_url: 'https://example.com/m',
      subaccount: sub.auth_id } });
    assert.equal(r.status, 201, r.text);
    const appId = r.json.app_id;
    await expectEvents(mark, r, me, [{ type: 'application.created', object_type: 'application', object_id: appId,
      data: (d) => assert.equal(d.after.subaccount, sub.auth_id) }]);
    mark = await lastId();
    r = await srv.plivo(acct, 'POST', `Application/${appId}/`, { body: { subaccount: '' } });
    assert.equal(r.status, 202, r.text);
    await expectEvents(mark, r, me, [{ type: 'application.updated', object_type: 'application', object_id: appId,
      data: (d) => assert.deepEqual(d, { before: { subaccount: sub.auth_id }, after: { subaccount: null } }) }]);
    assert.equal((await srv.plivo(acct, 'DELETE', `Application/${appId}/`)).status, 204);
    // a subaccount's own application names it too
    mark = await lastId();
    r = await srv.plivo(sub, 'POST', 'Application/', { body: { app_name: 'own-app', answer_url: 'https://example.com/o' } });
    assert.equal(r.status, 201, r.text);
    const own = r.json.app_id;
    await expectEvents(mark, r, { kind: 'subaccount', id: sub.auth_id }, [{ type: 'application.created',
      object_type: 'application', object_id: own, data: (d) => assert.equal(d.after.subaccount, sub.auth_id) }]);
    assert.equal((await srv.plivo(sub, 'DELETE', `Application/${own}/`)).status, 204);

    // a number added for the subaccount
    r = await srv.plivo(acct, 'POST', 'IncomingCarrier/', { body: { name: 'ev-sub-carrier', ip_set: '192.0.2.9' } });
    assert.equal(r.status, 201, r.text);
    const cid = r.json.carrier_id;
    const added = '16465557009';
    mark = await lastId();
    r = await srv.plivo(acct, 'POST', 'Number/', { body: { numbers: added, carrier: cid, region: 'US', subaccount: sub.auth_id } });
    assert.equal(r.status, 202, r.text);
    await expectEvents(mark, r, me, [{ type: 'number.added', object_type: 'number', object_id: added,
      data: (d) => assert.equal(d.after.subaccount, sub.auth_id) }]);
    assert.equal((await srv.plivo(acct, 'DELETE', `Number/${added}/`)).status, 204);
    assert.equal((await srv.plivo(acct, 'DELETE', `IncomingCarrier/${cid}/`)).status, 204);
    assert.equal((await srv.plivo(acct, 'DELETE', `Number/${n}/`)).status, 204);
  });

  test('admin: rotate a main account\'s and a subaccount\'s token; the event holds no token', async () => {
    let mark = await lastId();
    let r = await srv.admin('POST', `/admin/v1/accounts/${acct.auth_id}/rotate-token`, { grace_period: '1h' });
    assert.equal(r.status, 200, r.text);
    SECRETS.push(r.json.auth_token);
    const old = acct.auth_token;
    acct.auth_token = r.json.auth_token;
    await expectEvents(mark, r, ADMIN, [{ type: 'auth_token.rotated', object_type: 'account', object_id: acct.auth_id,
      data: (d) => { assert.equal(d.after.auth_token, '[changed]'); assert.ok(!JSON.stringify(d).includes(old)); } }]);
    mark = await lastId();
    r = await srv.admin('POST', `/admin/v1/accounts/${sub.auth_id}/rotate-token`);
    assert.equal(r.status, 200, r.text);
    SECRETS.push(r.json.auth_token);
    sub.auth_token = r.json.auth_token;
    await expectEvents(mark, r, ADMIN, [{ type: 'auth_token.rotated', object_type: 'subaccount', object_id: sub.auth_id,
      account: acct.auth_id }]);
  });

  test('Plivo: applications created, updated, deleted; a bad one is 400 and no event', async () => {
    let mark = await lastId();
    let r = await srv.plivo(acct, 'POST', 'Application/', { body: { app_name: 'ev-app' } }); // no answer_url
    assert.equal(r.status, 400, r.text);
    await expectNone(mark, 'a refused application');
    r = await srv.plivo(acct, 'POST', 'Application/', { body: { app_name: 'ev-app', answer_url: 'https://u:app-secret-77@example.com/a' } });
    SECRETS.push('app-secret-77');
    assert.equal(r.status, 201, r.text);
    const appId = r.json.app_id;
    await expectEvents(mark, r, asAccount(acct), [{ type: 'application.created', object_type: 'application', object_id: appId,
      data: (d) => { assert.deepEqual(Object.keys(d), ['after']); assert.equal(d.after.app_name, 'ev-app'); } }]);
    mark = await lastId();
    r = await srv.plivo(acct, 'POST', `Application/${appId}/`, { body: { hangup_url: 'https://example.com/h' } });
    assert.equal(r.status, 202, r.text);
    await expectEvents(mark, r, asAccount(acct), [{ type: 'application.updated', object_type: 'application', object_id: appId,
      data: (d) => assert.deepEqual(d.after, { hangup_url: 'https://example.com/h' }) }]);
    // is_voice_request is a field of the application like the others, and
    // a new default clears the old one's flag: a change of that one too
    // (neither wrote an event: a helper's audit, session 38)
    mark = await lastId();
    r = await srv.plivo(acct, 'POST', `Application/${appId}/`, { body: { is_voice_request: true } });
    assert.equal(r.status, 202, r.text);
    await expectEvents(mark, r, asAccount(acct), [{ type: 'application.updated', object_type: 'application', object_id: appId,
      data: (d) => assert.deepEqual(d, { before: { is_voice_request: false }, after: { is_voice_request: true } }) }]);
    r = await srv.plivo(acct, 'POST', `Application/${appId}/`, { body: { default_number_app: true } });
    assert.equal(r.status, 202, r.text);
    r = await srv.plivo(acct, 'POST', 'Application/', { body: { app_name: 'ev-app-2', answer_url: 'https://example.com/a2' } });
    assert.equal(r.status, 201, r.text);
    const app2 = r.json.app_id;
    mark = await lastId();
    r = await srv.plivo(acct, 'POST', `Application/${app2}/`, { body: { default_number_app: true } });
    assert.equal(r.status, 202, r.text);
    await expectEvents(mark, r, asAccount(acct), [
      { type: 'application.updated', object_type: 'application', object_id: appId,
        data: (d) => assert.deepEqual(d, { before: { default_number_app: true }, after: { default_number_app: false } }) },
      { type: 'application.updated', object_type: 'application', object_id: app2,
        data: (d) => assert.deepEqual(d, { before: { default_number_app: false }, after: { default_number_app: true } }) }]);
    assert.equal((await srv.plivo(acct, 'GET', `Application/${appId}/`)).json.default_number_app, false);
    mark = await lastId();
    r = await srv.plivo(acct, 'POST', `Application/${app2}/`, { body: { default_number_app: true } });
    assert.equal(r.status, 202, r.text);
    await expectNone(mark, 'the default made the default again');
    assert.equal((await srv.plivo(acct, 'DELETE', `Application/${app2}/`)).status, 204);
    // a number that uses it: deleting the application unlinks it, and
    // that change of the number is its own event, in the same request
    r = await srv.buy(acct, NUMBERS[11]);
    assert.equal(r.status, 201, r.text);
    r = await srv.plivo(acct, 'POST', `Number/${NUMBERS[11]}/`, { body: { app_id: appId } });
    assert.equal(r.status, 202, r.text);
    mark = await lastId();
    r = await srv.plivo(acct, 'DELETE', `Application/${appId}/`);
    assert.equal(r.status, 204, r.text);
    await expectEvents(mark, r, asAccount(acct), [
      { type: 'number.updated', object_type: 'number', object_id: NUMBERS[11],
        data: (d) => assert.deepEqual(d, { before: { app_id: appId }, after: { app_id: null } }) },
      { type: 'application.deleted', object_type: 'application', object_id: appId }]);
    r = await srv.plivo(acct, 'GET', `Number/${NUMBERS[11]}/`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.application, null, r.text);
  });

  test('Plivo: carrier created, renamed, its ip_set changed (gateway events), a number added and removed, deleted', async () => {
    let mark = await lastId();
    let r = await srv.plivo(acct, 'POST', 'IncomingCarrier/', { body: { name: 'ev-carrier', ip_set: '192.0.2.1' } });
    assert.equal(r.status, 201, r.text);
    const cid = r.json.carrier_id;
    const created = await expectEvents(mark, r, asAccount(acct), [{ type: 'carrier.created', object_type: 'carrier',
      data: (d) => {
        assert.deepEqual(Object.keys(d), ['after']);
        assert.equal(d.after.carrier_id, cid);
        assert.equal(d.after.name, 'ev-carrier');
        assert.equal(d.after.gateways.length, 1);
      } }]);
    const uuid = created[0].object_id;
    assert.match(uuid, UUID_RE);
    mark = await lastId();
    r = await srv.plivo(acct, 'POST', `IncomingCarrier/${cid}/`, { body: { name: 'ev-carrier-2' } });
    assert.equal(r.status, 202, r.text);
    await expectEvents(mark, r, asAccount(acct), [{ type: 'carrier.updated', object_type: 'carrier', object_id: uuid,
      data: (d) => assert.deepEqual(d, { before: { name: 'ev-carrier' }, after: { name: 'ev-carrier-2' } }) }]);
    mark = await lastId();
    r = await srv.plivo(acct, 'POST', `IncomingCarrier/${cid}/`, { body: { ip_set: '192.0.2.1,192.0.2.2' } });
    assert.equal(r.status, 202, r.text);
    await expectEvents(mark, r, asAccount(acct), [{ type: 'gateway.created', object_type: 'gateway',
      data: (d) => { assert.equal(d.after.carrier, uuid); assert.equal(d.after.gateway.address, '192.0.2.2'); } }]);

    mark = await lastId();
    const n = '16465557001';
    r = await srv.plivo(acct, 'POST', 'Number/', { body: { numbers: n, carrier: cid, region: 'US' } });
    assert.equal(r.status, 202, r.text);
    await expectEvents(mark, r, asAccount(acct), [{ type: 'number.added', object_type: 'number', object_id: n,
      data: (d) => { assert.equal(d.after.source, 'byoc'); assert.equal(d.after.carrier, uuid); } }]);
    mark = await lastId();
    r = await srv.plivo(acct, 'POST', 'Number/', { body: { numbers: `${n},not-a-number`, carrier: cid } }); // all or nothing
    assert.equal(r.status, 400, r.text);
    r = await srv.plivo(acct, 'DELETE', `IncomingCarrier/${cid}/`); // has a number: 409
    assert.equal(r.status, 409, r.text);
    await expectNone(mark, 'refused adds and a carrier delete with numbers');
    r = await srv.plivo(acct, 'DELETE', `Number/${n}/`);
    assert.equal(r.status, 204, r.text);
    await expectEvents(mark, r, asAccount(acct), [{ type: 'number.removed', object_type: 'number', object_id: n }]);
    mark = await lastId();
    r = await srv.plivo(acct, 'DELETE', `IncomingCarrier/${cid}/`);
    assert.equal(r.status, 204, r.text);
    await expectEvents(mark, r, asAccount(acct), [{ type: 'carrier.deleted', object_type: 'carrier', object_id: uuid }]);
  });

  test('BYOC: carrier (with a password) created, patched, health check set, deleted; numbers; keys', async () => {
    const key = acct.api_key;
    const actor = { kind: 'api_key', id: keyId };
    let mark = await lastId();
    let r = await srv.byoc(key, 'POST', '/carriers', { body: { carrier_name: 'ev byoc', trunk_type: 'auth',
      sip_gateway: { ipv4: '198.51.100.9' }, inbound_auth: { username: 'trunkuser', password: 'Byoc-Secret-991' } } });
    SECRETS.push('Byoc-Secret-991');
    assert.equal(r.status, 201, r.text);
    const id = r.json.id;
    const vsid = r.json.voip_carrier_sid;
    await expectEvents(mark, r, actor, [{ type: 'carrier.created', object_type: 'carrier', object_id: id,
      data: (d) => { assert.equal(d.after.inbound_username, 'trunkuser'); assert.equal(d.after.inbound_password, '[changed]'); } }]);
    mark = await lastId();
    r = await srv.byoc(key, 'PATCH', `/carriers/${id}`, { body: { inbound_auth: { password: 'Byoc-Secret-992' } } });
    SECRETS.push('Byoc-Secret-992');
    assert.equal(r.status, 200, r.text);
    await expectEvents(mark, r, actor, [{ type: 'carrier.updated', object_type: 'carrier', object_id: id,
      data: (d) => assert.deepEqual(d, { after: { inbound_password: '[changed]' } }) }]);
    // the same password sent again changed nothing: no event (session 37:
    // it was sealed anew and logged as [changed])
    mark = await lastId();
    r = await srv.byoc(key, 'PATCH', `/carriers/${id}`, { body: { inbound_auth: { password: 'Byoc-Secret-992' } } });
    assert.equal(r.status, 200, r.text);
    r = await srv.byoc(key, 'PATCH', `/carriers/${id}`, { body: { carrier_name: 'ev byoc 2', inbound_auth: { password: 'Byoc-Secret-992' } } });
    assert.equal(r.status, 200, r.text);
    await expectEvents(mark, r, actor, [{ type: 'carrier.updated', object_type: 'carrier', object_id: id,
      data: (d) => assert.deepEqual(d, { before: { name: 'ev byoc' }, after: { name: 'ev byoc 2' } }) }]);
    mark = await lastId();
    r = await srv.byoc(key, 'PATCH', `/carriers/${id}`, { body: { trunk_type: 'nonsense' } });
    assert.equal(r.status, 400, r.text);
    await expectNone(mark, 'a refused PATCH');
    r = await srv.byoc(key, 'PUT', `/carriers/${id}/health_check`, { body: { interval: 30 } });
    assert.equal(r.status, 200, r.text);
    await expectEvents(mark, r, actor, [{ type: 'carrier.updated', object_type: 'carrier', object_id: id,
      data: (d) => assert.deepEqual(d, { before: { health_check_interval: 0 }, after: { health_check_interval: 30 } }) }]);
    // a gateway's transport is a routing change like its address (it
    // was in no event, and changing it wrote none: a helper's audit,
    // session 38)
    mark = await lastId();
    r = await srv.byoc(key, 'PATCH', `/carriers/${id}`, { body: { sip_gateway: { transport: 'tcp' } } });
    assert.equal(r.status, 200, r.text);
    await expectEvents(mark, r, actor, [{ type: 'gateway.updated', object_type: 'gateway',
      data: (d) => { assert.equal(d.before.gateway.transport, 'udp'); assert.equal(d.after.gateway.transport, 'tcp'); } }]);
    mark = await lastId();
    r = await srv.byoc(key, 'PATCH', `/carriers/${id}`, { body: { sip_gateway: { transport: 'tcp' } } });
    assert.equal(r.status, 200, r.text);
    await expectNone(mark, 'the same transport again');

    mark = await lastId();
    r = await srv.byoc(key, 'POST', '', { body: { number: '+16465557101', voip_carrier_sid: vsid } });
    assert.equal(r.status, 201, r.text);
    const numId = r.json.id;
    await expectEvents(mark, r, actor, [{ type: 'number.added', object_type: 'number', object_id: '16465557101' }]);
    mark = await lastId();
    r = await srv.byoc(key, 'DELETE', `/${numId}`);
    assert.equal(r.status, 204, r.text);
    await expectEvents(mark, r, actor, [{ type: 'number.removed', object_type: 'number', object_id: '16465557101' }]);
    mark = await lastId();
    r = await srv.byoc(key, 'DELETE', `/carriers/${id}`);
    assert.equal(r.status, 204, r.text);
    await expectEvents(mark, r, actor, [{ type: 'carrier.deleted', object_type: 'carrier', object_id: id }]);

    mark = await lastId();
    r = await srv.byoc(key, 'POST', '/api-keys', { body: { scopes: ['phone_numbers:read'], label: 'mine' } });
    assert.equal(r.status, 201, r.text);
    SECRETS.push(r.json.api_key);
    await expectEvents(mark, r, actor, [{ type: 'api_key.created', object_type: 'api_key', object_id: String(r.json.id) }]);
    mark = await lastId();
    const rv = await srv.byoc(key, 'DELETE', `/api-keys/${r.json.id}`);
    assert.equal(rv.status, 204, rv.text);
    await expectEvents(mark, rv, actor, [{ type: 'api_key.revoked', object_type: 'api_key', object_id: String(r.json.id) }]);
  });

  test('admin: upstream carrier created, updated, deleted (operator-level: no account)', async () => {
    let mark = await lastId();
    let r = await srv.admin('POST', '/admin/v1/carriers', { name: 'ev-upstream', sip_gateways: [{ address: '203.0.113.7' }] });
    assert.equal(r.status, 201, r.text);
    const id = r.json.id;
    await expectEvents(mark, r, ADMIN, [{ type: 'carrier.created', object_type: 'carrier', object_id: id, account: null }]);
    mark = await lastId();
    r = await srv.admin('PATCH', `/admin/v1/carriers/${id}`, { sip_gateways: [{ address: '203.0.113.8' }] });
    assert.equal(r.status, 200, r.text);
    const got = await eventsAfter(srv, mark);
    assert.deepEqual(got.map((e) => e.type).sort(), ['gateway.created', 'gateway.deleted'], JSON.stringify(got));
    got.forEach((e) => { assert.deepEqual(e.actor, ADMIN); assert.equal(e.request_id, rid(r)); assert.equal(e.account, null); });
    // its health check: a setting of the carrier, as a customer's is
    // (the upstream's wrote no event: a helper's audit, session 38)
    mark = await lastId();
    r = await srv.admin('PUT', `/admin/v1/carriers/${id}/health_check`, { interval: 30 });
    assert.equal(r.status, 200, r.text);
    await expectEvents(mark, r, ADMIN, [{ type: 'carrier.updated', object_type: 'carrier', object_id: id, account: null,
      data: (d) => assert.deepEqual(d, { before: { health_check_interval: 0 }, after: { health_check_interval: 30 } }) }]);
    mark = await lastId();
    r = await srv.admin('PUT', `/admin/v1/carriers/${id}/health_check`, { interval: 30 });
    assert.equal(r.status, 200, r.text);
    await expectNone(mark, 'the same interval again');
    r = await srv.admin('DELETE', `/admin/v1/carriers/${id}/health_check`);
    assert.equal(r.status, 204, r.text);
    await expectEvents(mark, r, ADMIN, [{ type: 'carrier.updated', object_type: 'carrier', object_id: id, account: null,
      data: (d) => assert.deepEqual(d, { before: { health_check_interval: 30 }, after: { health_check_interval: 0 } }) }]);
    mark = await lastId();
    r = await srv.admin('DELETE', `/admin/v1/carriers/${id}`);
    assert.equal(r.status, 204, r.text);
    await expectEvents(mark, r, ADMIN, [{ type: 'carrier.deleted', object_type: 'carrier', object_id: id }]);
  });

  test('admin: inventory import is one event with counts; a dry run none', async () => {
    let mark = await lastId();
    const text = csv(['number', 'country_iso', 'type', 'sub_type', 'region'],
      ['14155589101', '14155589102', 'bad'].map((number) => ({ number, country_iso: 'US', type: 'fixed', sub_type: 'local', region: 'CA' })));
    let r = await srv.importCsv(text, { dryRun: true });
    assert.equal(r.status, 200, r.text);
    await expectNone(mark, 'a dry run');
    r = await srv.importCsv(text);
    assert.equal(r.status, 200, r.text);
    await expectEvents(mark, r, ADMIN, [{ type: 'inventory.imported', object_type: 'inventory', account: null,
      data: (d) => assert.deepEqual(d, { after: { inserted: 2, updated: 0, rejected: 1 } }) }]);
  });

  test('admin: suspend, resume; close releases each number (one event each) and closes', async () => {
    let mark = await lastId();
    let r = await srv.admin('POST', `/admin/v1/accounts/${acct.auth_id}/suspend`);
    assert.equal(r.status, 200, r.text);
    await expectEvents(mark, r, ADMIN, [{ type: 'account.suspended', object_type: 'account', object_id: acct.auth_id }]);
    mark = await lastId();
    r = await srv.admin('POST', `/admin/v1/accounts/${acct.auth_id}/resume`);
    assert.equal(r.status, 200, r.text);
    await expectEvents(mark, r, ADMIN, [{ type: 'account.resumed', object_type: 'account', object_id: acct.auth_id,
      data: (d) => assert.deepEqual(d, { before: { status: 'suspended' }, after: { status: 'active' } }) }]);

    const other = await srv.createAccount('to-close');
    SECRETS.push(other.auth_token, other.api_key);
    assert.equal((await srv.buy(other, NUMBERS[7])).status, 201);
    // its first key, a second one, and a third revoked before the close:
    // the close revokes the two still active, one event each (none
    // before: a helper's audit, session 38), not the third again
    const key = async (label) => {
      const k = await srv.admin('POST', `/admin/v1/accounts/${other.auth_id}/api-keys`, { scopes: ['phone_numbers:read'], label });
      assert.equal(k.status, 201, k.text);
      SECRETS.push(k.json.api_key);
      return String(k.json.id);
    };
    const first = String((await srv.admin('GET', `/admin/v1/accounts/${other.auth_id}/api-keys`)).json.data[0].id);
    const second = await key('second');
    const third = await key('third');
    assert.equal((await srv.admin('DELETE', `/admin/v1/accounts/${other.auth_id}/api-keys/${third}`)).status, 204);
    mark = await lastId();
    r = await srv.admin('POST', `/admin/v1/accounts/${other.auth_id}/close`);
    assert.equal(r.status, 200, r.text);
    await expectEvents(mark, r, ADMIN, [
      { type: 'api_key.revoked', object_type: 'api_key', object_id: second, account: other.auth_id,
        data: (d) => assert.deepEqual(d, { before: { label: 'second', scopes: ['phone_numbers:read'] } }) },
      { type: 'api_key.revoked', object_type: 'api_key', object_id: first, account: other.auth_id },
      { type: 'number.released', object_type: 'number', object_id: NUMBERS[7], account: other.auth_id,
        data: (d) => assert.deepEqual(d.after, { state: 'aging', reason: 'account closed' }) },
      { type: 'account.closed', object_type: 'account', object_id: other.auth_id },
    ]);
    mark = await lastId();
    r = await srv.admin('POST', `/admin/v1/accounts/${other.auth_id}/suspend`); // closed: 409
    assert.equal(r.status, 409, r.text);
    await expectNone(mark, 'suspending a closed account');
  });

  test('Plivo: deleting a subaccount names what moves to the main account, then the subaccount', async () => {
    // the subaccount has its own application (made above) and a number
    assert.equal((await srv.buy(acct, NUMBERS[3], { subaccount: sub.auth_id })).status, 201);
    const mark = await lastId();
    const r = await srv.plivo(acct, 'DELETE', `Subaccount/${sub.auth_id}/`);
    assert.equal(r.status, 204, r.text);
    const moved = (d) => assert.deepEqual(d, { before: { subaccount: sub.auth_id }, after: { subaccount: null } });
    await expectEvents(mark, r, asAccount(acct), [
      { type: 'number.updated', object_type: 'number', object_id: NUMBERS[3], data: moved },
      { type: 'application.updated', object_type: 'application', data: moved },
      { type: 'subaccount.deleted', object_type: 'subaccount', object_id: sub.auth_id,
        data: (d) => assert.equal(d.after.resources, 'moved to the main account') },
    ]);
  });

  test('CLI: the actor is cli and the login name; no request id', async () => {
    const mark = await lastId();
    const env = { ...process.env, NUMBERD_DB: srv.db };
    const res = spawnSync(BIN, ['account', 'create', '--name', 'from-cli'], { env, encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    const made = JSON.parse(res.stdout);
    SECRETS.push(made.auth_token, made.api_key);
    const got = await eventsAfter(srv, mark);
    assert.deepEqual(got.map((e) => e.type), ['account.created', 'api_key.created']);
    for (const e of got) {
      assert.equal(e.actor.kind, 'cli');
      assert.ok(e.actor.id && e.actor.id.length > 0, JSON.stringify(e));
      assert.equal(e.request_id, null);
    }
    // and `numberd events` reads the same log (read-only)
    const ls = spawnSync(BIN, ['events', '--after', String(mark), '--json'], { env, encoding: 'utf8' });
    assert.equal(ls.status, 0, ls.stderr);
    const out = JSON.parse(ls.stdout);
    assert.deepEqual(out.data.map((e) => e.id), got.map((e) => e.id));
    assert.equal(out.next, null);
    // --follow prints each new event once, as it commits
    const { spawn } = require('node:child_process');
    const mark2 = got[got.length - 1].id;
    const fol = spawn(BIN, ['events', '--follow', '--json', '--interval', '100', '--after', String(mark2)], { env });
    let outText = '';
    fol.stdout.on('data', (b) => { outText += b.toString('utf8'); });
    try {
      await sleep(300);
      const a1 = await srv.plivo(acct, 'POST', 'Application/', { body: { app_name: 'follow-1', answer_url: 'https://e.com/' } });
      const a2 = await srv.plivo(acct, 'POST', 'Application/', { body: { app_name: 'follow-2', answer_url: 'https://e.com/' } });
      assert.equal(a1.status, 201, a1.text);
      assert.equal(a2.status, 201, a2.text);
      // up to 15 s: the follower is a process of its own (its start, its
      // polls every 100 ms) on a machine that may be loaded
      for (let i = 0; i < 150 && outText.split('\n').filter(Boolean).length < 2; i++) await sleep(100);
      const lines = outText.split('\n').filter(Boolean).map((l) => JSON.parse(l));
      assert.deepEqual(lines.map((e) => e.object_id), [a1.json.app_id, a2.json.app_id]);
      assert.deepEqual(lines.map((e) => e.request_id), [rid(a1), rid(a2)]);
    } finally {
      fol.kill('SIGINT');
      await new Promise((res) => fol.on('exit', res));
    }
    assert.equal(fol.exitCode, 0);
    const miss = spawnSync(BIN, ['events', '--db', `${srv.dir}/no-such.db`], { encoding: 'utf8' });
    assert.notEqual(miss.status, 0);
    assert.match(miss.stderr, /never creates a database/);
  });
});

describe('the audit API: filters, cursor, isolation, secrets', () => {
  let alice; let bob; let aliceSub;
  before(async () => {
    alice = await srv.createAccount('alice-ev');
    bob = await srv.createAccount('bob-ev');
    SECRETS.push(alice.auth_token, alice.api_key, bob.auth_token, bob.api_key);
    assert.equal((await srv.buy(alice, NUMBERS[9])).status, 201);
    assert.equal((await srv.buy(bob, NUMBERS[10])).status, 201);
    const r = await srv.plivo(alice, 'POST', 'Subaccount/', { body: { name: 'alice-sub', enabled: true } });
    aliceSub = { auth_id: r.json.auth_id, auth_token: r.json.auth_token };
    SECRETS.push(aliceSub.auth_token);
    assert.equal((await srv.plivo(aliceSub, 'POST', 'Application/', { body: { app_name: 'as', answer_url: 'https://e.com/' } })).status, 201);
    assert.equal((await srv.plivo(alice, 'POST', 'Application/', { body: { app_name: 'am', answer_url: 'https://e.com/' } })).status, 201);
  });

  const q = (query) => srv.admin('GET', `/admin/v1/events?${new URLSearchParams(query)}`);

  test('filters: object, account, actor, type and its prefix, time range', async () => {
    let r = await q({ object_type: 'number', object_id: NUMBERS[0] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.data.map((e) => e.type), ['number.bought', 'number.updated', 'number.released']);
    r = await q({ account: bob.auth_id });
    assert.deepEqual(r.json.data.map((e) => e.type), ['account.created', 'api_key.created', 'number.bought']);
    assert.ok(r.json.data.every((e) => e.account === bob.auth_id));
    r = await q({ actor: `account:${alice.auth_id}` });
    assert.ok(r.json.data.length >= 3);
    assert.ok(r.json.data.every((e) => e.actor.kind === 'account' && e.actor.id === alice.auth_id));
    r = await q({ actor: 'cli' });
    assert.ok(r.json.data.length >= 2 && r.json.data.every((e) => e.actor.kind === 'cli'));
    r = await q({ type: 'account.' });
    assert.ok(r.json.data.length >= 5 && r.json.data.every((e) => e.type.startsWith('account.')));
    r = await q({ type: 'number.bought', account: alice.auth_id });
    assert.deepEqual(r.json.data.map((e) => e.object_id), [NUMBERS[9]]);
    r = await q({ account: 'operator' });
    assert.ok(r.json.data.length >= 1 && r.json.data.every((e) => e.account === null));
    const all = await eventsAfter(srv, 0);
    const t = all[all.length - 1].ts;
    r = await q({ since: String(t + 1) });
    assert.deepEqual(r.json.data, []);
    r = await q({ until: String(all[0].ts) });
    assert.deepEqual(r.json.data, []);
    // the epoch is a bound like any other: nothing happened before it
    // (session 37: until=0 and 1970-01-01 were taken for "no bound")
    for (const until of ['0', '1970-01-01', '1970-01-01T00:00:00Z']) {
      r = await q({ until });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json.data, [], `until=${until}`);
    }
    r = await q({ since: '0', limit: '1' });
    assert.equal(r.json.data[0].id, all[0].id);
    assert.equal((await q({ since: '1970-01-01', until: '0' })).status, 400);
    r = await q({ since: new Date(all[0].ts * 1000).toISOString().slice(0, 19) + 'Z', limit: '1' });
    assert.equal(r.json.data[0].id, all[0].id);
    // bad filters: 400, never a silently empty list
    for (const bad of [{ since: 'yesterday' }, { limit: '0' }, { limit: '1001' }, { after: '-1' }, { actor: 'robot' },
      { account: 'SA123' }, { account: 'MA00000000000000000000' }, { colour: 'red' }, { since: '2026-01-02', until: '2026-01-01' }]) {
      const b = await q(bad);
      assert.equal(b.status, 400, `${JSON.stringify(bad)}: ${b.text}`);
    }
  });

  test('the cursor walks the whole log, in id order, with no gap and no repeat', async () => {
    const all = await eventsAfter(srv, 0);
    const seen = [];
    let url = '/admin/v1/events?limit=7';
    for (let i = 0; i < 1000 && url; i++) {
      const r = await srv.admin('GET', url);
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.data.length <= 7);
      seen.push(...r.json.data.map((e) => e.id));
      if (r.json.next) {
        assert.equal(r.json.next_after, r.json.data[r.json.data.length - 1].id);
        assert.match(r.json.next, /^\/admin\/v1\/events\?limit=7&after=\d+$/);
      }
      url = r.json.next;
    }
    assert.deepEqual(seen, all.map((e) => e.id));
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1]);
  });

  test('a customer sees its own account\'s events only, in both dialects; a subaccount what it did', async () => {
    const pl = await srv.plivo(alice, 'GET', 'Event/', { query: { limit: 20 } });
    assert.equal(pl.status, 200, pl.text);
    assert.deepEqual(Object.keys(pl.json).sort(), ['api_id', 'meta', 'objects']);
    assert.ok(pl.json.objects.length >= 4);
    assert.ok(pl.json.objects.every((e) => e.account === alice.auth_id), pl.text);
    assert.ok(pl.json.objects.some((e) => e.actor.kind === 'subaccount'));
    // paging by cursor in the Plivo envelope
    const p1 = await srv.plivo(alice, 'GET', 'Event/', { query: { limit: 2 } });
    assert.equal(p1.json.objects.length, 2);
    assert.equal(p1.json.meta.next_after, p1.json.objects[1].id);
    assert.match(p1.json.meta.next, new RegExp(`^/v1/Account/${alice.auth_id}/Event/\\?limit=2&after=\\d+$`));
    const p2 = await srv.plivo(alice, 'GET', 'Event/', { query: { limit: 2, after: p1.json.meta.next_after } });
    assert.equal(p2.json.objects[0].id, pl.json.objects[2].id);

    const by = await srv.byoc(bob.api_key, 'GET', '/events');
    assert.equal(by.status, 200, by.text);
    assert.deepEqual(Object.keys(by.json).sort(), ['data', 'limit', 'next', 'next_after']);
    assert.deepEqual(by.json.data.map((e) => e.type), ['account.created', 'api_key.created', 'number.bought']);
    assert.ok(by.json.data.every((e) => e.account === bob.auth_id));
    // the number as the BYOC dialect writes it (+digits) finds its events
    // too (an audit, session 39: it found nothing, silently)
    const bought = by.json.data[2].object_id;
    for (const id of [bought, `+${bought}`]) {
      const f = await srv.byoc(bob.api_key, 'GET', '/events', { query: { object_type: 'number', object_id: id } });
      assert.deepEqual(f.json.data.map((e) => [e.type, e.object_id]), [['number.bought', bought]], id);
    }
    // a filter cannot reach another account's events
    const peek = await srv.byoc(bob.api_key, 'GET', '/events', { query: { object_type: 'number', object_id: NUMBERS[9] } });
    assert.deepEqual(peek.json.data, []);
    const ps = await srv.plivo(alice, 'GET', 'Event/', { query: { object_id: NUMBERS[10] } });
    assert.deepEqual(ps.json.objects, []);
    // the subaccount: its own actions only
    const sv = await srv.plivo(aliceSub, 'GET', 'Event/');
    assert.equal(sv.status, 200, sv.text);
    assert.deepEqual(sv.json.objects.map((e) => e.type), ['application.created']);
    assert.ok(sv.json.objects.every((e) => e.actor.id === aliceSub.auth_id));
    // another account's path: 401, as every Plivo route
    assertPlivoError(await srv.plivo(bob, 'GET', 'Event/', { pathAccount: alice.auth_id }), 401);
    // the admin route wants the admin token
    assert.equal((await srv.admin('GET', '/admin/v1/events', undefined, { token: alice.api_key })).status, 401);
  });

  // Session 40: the types are a list in core/events.c (k_types), which
  // ev_emit enforces and the filters and webhook endpoints check against:
  // it must be EVENTS.md's table, neither more nor less, and every type in
  // it must be accepted where a type is named.
  test('the event types: core/events.c\'s list is EVENTS.md\'s table, and every one is a valid filter', async () => {
    const fs = require('node:fs');
    const path = require('node:path');
    const root = path.resolve(__dirname, '..', '..');
    const md = fs.readFileSync(path.join(root, 'docs', 'EVENTS.md'), 'utf8');
    const table = md.slice(md.indexOf('## Types'), md.indexOf('## Reading it'));
    const documented = new Set();
    for (const line of table.split('\n')) {
      if (!line.startsWith('| `')) continue;
      const names = [...line.split('|')[1].matchAll(/`([a-z_.]+)`/g)].map((m) => m[1]);
      const object = names[0].split('.')[0];
      for (const n of names) documented.add(n.startsWith('.') ? object + n : n);
    }
    const src = fs.readFileSync(path.join(root, 'src', 'core', 'events.c'), 'utf8');
    const block = src.slice(src.indexOf('k_types[] = {'), src.indexOf('};', src.indexOf('k_types[] = {')));
    const listed = new Set([...block.matchAll(/"([a-z_]+\.[a-z_]+)"/g)].map((m) => m[1]));
    assert.ok(listed.size >= 30, `k_types read: ${listed.size}`);
    assert.deepEqual([...documented].sort(), [...listed].sort());
    for (const type of listed) {
      const r = await srv.admin('GET', `/admin/v1/events?${new URLSearchParams({ type, limit: 1 })}`);
      assert.equal(r.status, 200, `${type}: ${r.text}`);
    }
  });

  // A typo in a filter listed nothing, which reads as "nothing happened"
  // (a helper's audit, session 38): an unknown object type, or a type
  // that is no object.event, is 400 naming it; in the CLI, 2.
  test('filters: an unknown object type or event type is 400 naming it; the known ones and prefixes are fine', async () => {
    for (const [q, re] of [[{ object_type: 'bogus' }, /invalid object_type: bogus is no object of an event/],
      [{ type: 'nosuch' }, /invalid type: nosuch/], [{ type: 'widget.made' }, /invalid type: widget\.made/],
      [{ type: 'number.Bought' }, /invalid type/],
      // an exact type is one numberd emits (session 40: a typo listed nothing)
      [{ type: 'number.nothing_yet' }, /invalid type: number\.nothing_yet is no event type/],
      [{ type: 'number.boguht' }, /invalid type: number\.boguht is no event type/]]) {
      const r = await srv.admin('GET', `/admin/v1/events?${new URLSearchParams(q)}`);
      assert.equal(r.status, 400, r.text);
      assert.match(r.json.detail || r.json.error || r.text, re);
    }
    for (const q of [{ object_type: 'webhook_endpoint' }, { object_type: 'compliance' }, { type: 'number.' },
      { type: 'auth_token.rotated' }, { type: 'registration.state_changed' }, { type: 'webhook_endpoint.secret_rotated' },
      { type: 'registration.' }]) {
      const r = await srv.admin('GET', `/admin/v1/events?${new URLSearchParams(q)}`);
      assert.equal(r.status, 200, `${JSON.stringify(q)}: ${r.text}`);
    }
    const db = srv.db || null;
    if (!PG && db) {
      const cli = spawnSync(BIN, ['events', '--object-type', 'bogus', '--db', db], { encoding: 'utf8' });
      assert.equal(cli.status, 2, cli.stderr);
      assert.match(cli.stderr, /invalid --object-type: bogus is no object of an event/);
    }
  });

  test('no event holds a secret (tokens, keys, passwords), a hash or a key prefix', async () => {
    const text = JSON.stringify(await eventsAfter(srv, 0));
    assert.ok(SECRETS.length >= 15, `${SECRETS.length} secrets`);
    for (const s of SECRETS) {
      assert.ok(!text.includes(s), `the event log holds a secret: ${s.slice(0, 6)}...`);
      if (s.startsWith('nd_live_')) assert.ok(!text.includes(s.slice(0, 11)), 'a key prefix');
    }
    assert.ok(!/hash|password":"(?!\[changed\])/.test(text), 'a hash or a password value');
  });
});

describe('background work and several writers', () => {
  test('aging back to sale: one event number.aged per number, actor system', async () => {
    const s1 = await start({ args: [...ARGS, '--aging-days', '1'], keepDir: true });
    let dir;
    try {
      dir = s1.dir;
      await s1.loadCsv(csv(['number', 'country_iso', 'type', 'sub_type', 'region'],
        ['14155589201', '14155589202'].map((number) => ({ number, country_iso: 'US', type: 'fixed', sub_type: 'local', region: 'CA' }))));
      const a = await s1.createAccount('ager');
      for (const n of ['14155589201', '14155589202']) {
        assert.equal((await s1.buy(a, n)).status, 201);
        assert.equal((await s1.plivo(a, 'DELETE', `Number/${n}/`)).status, 204);
      }
    } finally {
      await s1.stop();
    }
    // two days later the start's sweep returns both to sale
    const s2 = await start({ args: [...ARGS, '--aging-days', '1'], dir,
      env: { NUMBERD_FAKE_NOW: Math.floor(Date.now() / 1000) + 2 * 86400 } });
    try {
      const r = await s2.admin('GET', '/admin/v1/events?type=number.aged');
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json.data.map((e) => e.object_id).sort(), ['14155589201', '14155589202']);
      for (const e of r.json.data) {
        assert.deepEqual(e.actor, { kind: 'system', id: 'aging-sweep' });
        assert.deepEqual(e.data, { before: { state: 'aging' }, after: { state: 'available' } });
        assert.equal(e.request_id, null);
      }
    } finally {
      await s2.stop();
      require('node:fs').rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a SIP registration that moves state: registration.state_changed, actor system', async (t) => {
    const fs = require('node:fs');
    if (!fs.existsSync('/usr/sbin/kamailio')) return t.skip('no kamailio (scripts/deps.sh installs it)');
    const { startRegistrar, PASSWORD } = require('../sip/lib/registrar');
    const reg = await startRegistrar('127.0.0.36', {});
    const s = await start({ args: [...ARGS, '--sip-listen', '127.0.0.1:0'], env: { NUMBERD_SIP_T1_MS: '50' } });
    try {
      const a = await s.createAccount('reg-events');
      const r = await s.byoc(a.api_key, 'POST', '/carriers', { body: { carrier_name: 'reg ev', trunk_type: 'reg',
        sip_gateway: { ipv4: reg.ip, port: reg.port, inbound: true, outbound: true },
        registration: { username: 'user1', password: PASSWORD, sip_realm: 'example.com' } } });
      assert.equal(r.status, 201, r.text);
      let evs = [];
      for (let i = 0; i < 150; i++) { // up to 15 s: a challenge, an answer, the state stored
        const q = await s.admin('GET', `/admin/v1/events?type=registration.state_changed&object_id=${r.json.id}`);
        evs = q.json.data;
        if (evs.some((e) => e.data.after.state === 'registered')) break;
        await sleep(100);
      }
      assert.ok(evs.length >= 1, 'no registration event');
      const last = evs[evs.length - 1];
      assert.equal(last.data.after.state, 'registered', JSON.stringify(evs));
      assert.equal(last.account, a.auth_id);
      assert.deepEqual(last.actor, { kind: 'system', id: 'sip-registration' });
      assert.ok(!JSON.stringify(evs).includes(PASSWORD));
      // one event per move of state: never two in a row with the same state
      for (let i = 1; i < evs.length; i++) assert.notEqual(evs[i].data.after.state, evs[i - 1].data.after.state);
    } finally {
      await s.stop();
      await reg.stop();
    }
  });

  // PostgreSQL gives the ids after COMMIT, in rounds (migration
  // 0014_sequencer): numberd's sessions (SET numberd.rounds = on) insert
  // without an id and name their transaction to a round right after
  // COMMIT; any other session (an older node, psql) still gets its ids at
  // COMMIT from the triggers.  A writer cut off between its COMMIT and its
  // round leaves its events out of every read until a sweep gives them
  // ids: a node's start (or the SBC log's pruning, every minute).
  test('PostgreSQL: ids from rounds, from the old triggers, and a sweep at start', { skip: !PG }, async () => {
    const s = await start({ args: ARGS, keepDir: true });
    let s2 = null;
    try {
      const mark = await lastId(s);
      const insert = (key, rounds) => psql((rounds ? 'SET numberd.rounds = on; ' : '') +
        'INSERT INTO events(ts, type, object_type, object_id, actor_kind) ' +
        `VALUES (extract(epoch FROM now())::bigint, 'test.direct', 'inventory', '${key}', 'system')`, s.db);
      const idOf = (key) => psql(`SELECT coalesce(id::text, 'null') FROM events WHERE object_id = '${key}'`, s.db).trim();
      // a session without rounds: the trigger gave the id at COMMIT
      insert('psql', false);
      assert.notEqual(idOf('psql'), 'null');
      // a session with rounds that never ran its round: no id, in no read
      insert('cut-off', true);
      assert.equal(idOf('cut-off'), 'null');
      // numberd's own write: its round names its transaction only
      const a = await s.createAccount('after-the-cut-off');
      const got = await eventsAfter(s, mark);
      assert.deepEqual(got.filter((e) => e.type === 'test.direct').map((e) => e.object_id), ['psql']);
      const created = got.find((e) => e.type === 'account.created' && e.account === a.auth_id);
      assert.ok(created, 'the write is in the log before it was answered');
      assert.equal(psql(`SELECT count(*) FROM events WHERE rid > (SELECT rid FROM events WHERE object_id = 'cut-off') AND id IS NULL`, s.db).trim(), '0');
      await s.stop();
      s2 = await start({ args: ARGS, dir: s.dir });
      const after = await eventsAfter(s2, created.id);
      assert.deepEqual(after.filter((e) => e.type === 'test.direct').map((e) => e.object_id), ['cut-off'],
        'the start swept the row left without an id, above every id given before');
      assert.equal(psql('SELECT count(*) FROM events WHERE id IS NULL', s.db).trim(), '0');
    } finally {
      if (s2) await s2.stop();
      else await s.stop().catch(() => {});
      require('node:fs').rmSync(s.dir, { recursive: true, force: true });
    }
  });

  test('two nodes writing at once: one log, ids strictly increasing as a poller sees them, none skipped', async () => {
    const n1 = await start({ args: ARGS, threads: 4, keepDir: true });
    const n2 = await start({ args: ARGS, threads: 4, dir: n1.dir });
    try {
      const a = await n1.createAccount('two-nodes');
      const seen = [];
      let stop = false;
      let cursor = await lastId(n1);
      const poller = (async () => {
        while (!stop) {
          const r = await n2.admin('GET', `/admin/v1/events?after=${cursor}&limit=1000`);
          assert.equal(r.status, 200, r.text);
          for (const e of r.json.data) {
            assert.ok(e.id > cursor, `id ${e.id} after ${cursor}: out of order`);
            cursor = e.id;
            seen.push(e.id);
          }
          await sleep(5);
        }
      })();
      const writes = [];
      for (let i = 0; i < 80; i++) {
        const node = i % 2 ? n1 : n2;
        writes.push(node.plivo(a, 'POST', 'Application/', { body: { app_name: `app-${i}`, answer_url: 'https://e.com/' } }));
      }
      const res = await Promise.all(writes);
      res.forEach((r) => assert.equal(r.status, 201, r.text));
      await sleep(300);
      stop = true;
      await poller;
      // one more read after the writers stopped, then compare with the whole log
      const rest = await eventsAfter(n1, cursor);
      seen.push(...rest.map((e) => e.id));
      const all = (await eventsAfter(n1, 0)).filter((e) => e.account === a.auth_id && e.type === 'application.created');
      const mine = new Set(all.map((e) => e.id));
      assert.equal(all.length, 80);
      const seenMine = seen.filter((id) => mine.has(id));
      assert.deepEqual(seenMine, all.map((e) => e.id), 'the poller skipped or repeated an event');
      console.log(`# two nodes (${PG ? 'PostgreSQL' : 'SQLite'}): 80 concurrent writes, the poller saw all 80 in order`);
    } finally {
      await n2.stop();
      await n1.stop();
      require('node:fs').rmSync(n1.dir, { recursive: true, force: true });
    }
  });
});
