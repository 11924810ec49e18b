'use strict';
// What issue 14 phase 2 added for the official Plivo SDKs, beyond the
// goldens (sdk_golden.test.js replays what the SDKs send; this file pins the
// refusals and edges around it): repeated path ids, SDK boolean spellings,
// subaccount cascade, applications.list(subaccount=), the account, pricing
// and the phone-number compliance reads.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { start, assertPlivoError, csv, ALL_COLUMNS, UUID_RE } = require('./lib/server');

const SF = { country_iso: 'US', type: 'fixed', sub_type: 'local', prefix: '415', city: 'SAN FRANCISCO',
  region: 'CALIFORNIA', rate_center: 'SNFC CNTRL', lata: '722', voice_enabled: 'true', sms_enabled: 'true',
  mms_enabled: 'false', setup_rate: '0.00000', monthly_rental_rate: '0.80000', voice_rate: '0.00500',
  sms_rate: '0.00800', mms_rate: '', restriction: '', restriction_text: '', carrier: 'upstream' };
const N = Array.from({ length: 20 }, (_, i) => `141555571${String(i).padStart(2, '0')}`);
const TF = { ...SF, number: '18005557100', type: 'tollfree', sub_type: 'tollfree', prefix: '800', city: '',
  region: '', rate_center: '', lata: '', monthly_rental_rate: '2.00000' };
const GB = { ...SF, number: '442071237100', country_iso: 'GB', sub_type: 'local', prefix: '20', city: 'LONDON',
  region: 'ENGLAND', rate_center: '', lata: '', monthly_rental_rate: '1.50000', restriction: 'country-address',
  restriction_text: 'A UK address is required.' };

let srv;
let alice;
let sub;

before(async () => {
  srv = await start({ args: ['--aging-days', '0'] });
  alice = await srv.createAccount('alice');
  await srv.loadCsv(csv(ALL_COLUMNS, [
    ...N.map((number, i) => ({ ...SF, number, monthly_rental_rate: i === 5 ? '0.50000' : '0.80000' })),
    TF, GB, { ...GB, number: '442071237101' },
  ]));
  const r = await srv.plivo(alice, 'POST', 'Subaccount/', { body: { name: 'sub-one', enabled: true } });
  assert.equal(r.status, 201, r.text);
  sub = { auth_id: r.json.auth_id, auth_token: r.json.auth_token };
});
after(async () => { await srv.stop(); });

const owned = async (n) => (await srv.plivo(alice, 'GET', `Number/${n}/`)).status === 200;

describe('parameters that repeat the path\'s id', () => {
  test('buy: the same number (any E.164 spelling) is fine; another one is a 400 naming both, nothing bought', async () => {
    assert.equal((await srv.buy(alice, N[0], { number: N[0] })).status, 201);
    assert.equal((await srv.buy(alice, N[1], { number: `+${N[1]}` })).status, 201);
    assertPlivoError(await srv.buy(alice, N[2], { number: N[3] }), 400,
      `number ${N[3]} does not match the path's ${N[2]}`);
    assert.equal(await owned(N[2]), false);
    assert.equal(await owned(N[3]), false);
  });

  test('buy: with and without the repeated number is one request for Idempotency-Key', async () => {
    const key = { headers: { 'Idempotency-Key': 'sdk-compat-buy-0001' } };
    const a = await srv.buy(alice, N[4], { number: N[4] }, key);
    assert.equal(a.status, 201, a.text);
    const b = await srv.buy(alice, N[4], {}, key);
    assert.equal(b.status, 201, b.text);
    assert.equal(b.headers.get('idempotent-replayed'), 'true');
    assert.equal(b.text, a.text);
  });

  test('Number update, Subaccount update, Application update: 400 naming both when they differ, nothing changed', async () => {
    assertPlivoError(await srv.plivo(alice, 'POST', `Number/${N[0]}/`, { body: { number: N[1], alias: 'x' } }), 400,
      `number ${N[1]} does not match the path's ${N[0]}`);
    assert.equal((await srv.plivo(alice, 'GET', `Number/${N[0]}/`)).json.alias, null);
    assert.equal((await srv.plivo(alice, 'POST', `Number/${N[0]}/`, { body: { number: N[0], alias: 'ok' } })).status, 202);

    const other = `SA${'0'.repeat(18)}`;
    assertPlivoError(await srv.plivo(alice, 'POST', `Subaccount/${sub.auth_id}/`, { body: { auth_id: other, name: 'x' } }),
      400, `auth_id ${other} does not match the path's ${sub.auth_id}`);
    assert.equal((await srv.plivo(alice, 'GET', `Subaccount/${sub.auth_id}/`)).json.name, 'sub-one');

    const app = await srv.plivo(alice, 'POST', 'Application/', { body: { app_name: 'rep', answer_url: 'https://example.com/a' } });
    const id = app.json.app_id;
    assertPlivoError(await srv.plivo(alice, 'POST', `Application/${id}/`, { body: { app_id: '12345678901234567', app_name: 'x' } }),
      400, `app_id 12345678901234567 does not match the path's ${id}`);
    assert.equal((await srv.plivo(alice, 'POST', `Application/${id}/`, { body: { app_id: id, app_name: 'rep2' } })).status, 202);
    assert.equal((await srv.plivo(alice, 'GET', `Application/${id}/`)).json.app_name, 'rep2');
  });

  test('an unknown parameter is still refused', async () => {
    assertPlivoError(await srv.buy(alice, N[6], { numbr: N[6] }), 400, 'unknown parameter: numbr');
    assertPlivoError(await srv.plivo(alice, 'POST', `Number/${N[0]}/`, { body: { aliass: 'x' } }), 400, 'unknown parameter: aliass');
  });
});

describe('the SDKs\' spellings', () => {
  test('booleans: True/False (Python, .NET), 1/0 (PHP); anything else 400', async () => {
    for (const v of ['True', 'true', '1']) {
      const r = await srv.search(alice, { country_iso: 'US', npanxx: '415555', local_calling_area: v, eligible: v });
      assert.equal(r.status, 200, `${v}: ${r.text}`);
    }
    for (const v of ['False', '0']) {
      assert.equal((await srv.search(alice, { country_iso: 'US', npanxx: '415555', local_calling_area: v })).status, 200);
    }
    assertPlivoError(await srv.search(alice, { country_iso: 'US', npanxx: '415555', local_calling_area: 'yes' }), 400,
      /local_calling_area/);
    const r = await srv.plivo(alice, 'POST', 'Application/', { form: { app_name: 'php-bools', answer_url: 'https://example.com/a',
      public_uri: '1', log_incoming_messages: '0' } });
    assert.equal(r.status, 201, r.text);
    const o = (await srv.plivo(alice, 'GET', `Application/${r.json.app_id}/`)).json;
    assert.equal(o.public_uri, true);
    assert.equal(o.log_incoming_messages, false);
  });

  test('search type=any is no type filter; another unknown type is 400', async () => {
    const all = await srv.search(alice, { country_iso: 'US' });
    const any = await srv.search(alice, { country_iso: 'US', type: 'ANY' });
    assert.equal(any.status, 200, any.text);
    assert.equal(any.json.meta.total_count, all.json.meta.total_count);
    assert.ok(any.json.objects.some((o) => o.sub_type === 'tollfree'));
    assertPlivoError(await srv.search(alice, { country_iso: 'US', type: 'every' }), 400, /invalid type/);
  });

  test('10DLC filter: object spellings; a US local number without a status is UNREGISTERED, and found so', async () => {
    const o = (await srv.plivo(alice, 'GET', `Number/${N[0]}/`)).json;
    assert.equal(o.tendlc_registration_status, 'UNREGISTERED');
    for (const v of ['UNREGISTERED', 'unregistered', 'Unregistered']) {
      const l = await srv.plivo(alice, 'GET', 'Number/', { query: { tendlc_registration_status: v } });
      assert.equal(l.status, 200, l.text);
      assert.ok(l.json.objects.some((x) => x.number === N[0]), v);
    }
    for (const v of ['COMPLETED', 'PROCESSING', 'registered', 'in_progress']) {
      const l = await srv.plivo(alice, 'GET', 'Number/', { query: { tendlc_registration_status: v } });
      assert.equal(l.status, 200, l.text);
      assert.equal(l.json.meta.total_count, 0, v);
    }
    assertPlivoError(await srv.plivo(alice, 'GET', 'Number/', { query: { tendlc_registration_status: 'DONE' } }), 400,
      /tendlc_registration_status/);
  });

  test('toll_free_sms_verification_order_status: Plivo\'s states accepted (no number has an order), others 400', async () => {
    const l = await srv.plivo(alice, 'GET', 'Number/', { query: { toll_free_sms_verification_order_status: 'approved' } });
    assert.equal(l.status, 200, l.text);
    assert.equal(l.json.meta.total_count, 0);
    assertPlivoError(await srv.plivo(alice, 'GET', 'Number/', { query: { toll_free_sms_verification_order_status: 'GREEN' } }),
      400, /toll_free_sms_verification_order_status/);
  });
});

describe('applications.list(subaccount=)', () => {
  test('only that subaccount\'s applications; another account\'s or an unknown subaccount: 400', async () => {
    const mk = async (who, name) => (await srv.plivo(who, 'POST', 'Application/', {
      body: { app_name: name, answer_url: 'https://example.com/a' } })).json.app_id;
    const mine = await mk(sub, 'sub-app');
    const l = await srv.plivo(alice, 'GET', 'Application/', { query: { subaccount: sub.auth_id } });
    assert.equal(l.status, 200, l.text);
    assert.deepEqual(l.json.objects.map((o) => o.app_id), [mine]);
    assert.match(l.json.meta.next ?? '', /^$|subaccount=/);
    const s = await srv.plivo(sub, 'GET', 'Application/', { query: { subaccount: sub.auth_id } });
    assert.deepEqual(s.json.objects.map((o) => o.app_id), [mine]);
    const bob = await srv.createAccount('bob');
    const bsub = (await srv.plivo(bob, 'POST', 'Subaccount/', { body: { name: 'b' } })).json.auth_id;
    const a = await srv.plivo(alice, 'GET', 'Application/', { query: { subaccount: bsub } });
    const g = await srv.plivo(alice, 'GET', 'Application/', { query: { subaccount: `SA${'9'.repeat(18)}` } });
    assert.equal(a.status, 400);
    assert.equal(g.status, 400);
    assert.equal(a.json.error.replace(bsub, 'X'), g.json.error.replace(`SA${'9'.repeat(18)}`, 'X'), 'no existence leak');
    assertPlivoError(await srv.plivo(sub, 'GET', 'Application/', { query: { subaccount: bsub } }), 400, /subaccount/);
  });
});

describe('subaccounts.delete(cascade=)', () => {
  async function subWith(name, numbers) {
    const s = (await srv.plivo(alice, 'POST', 'Subaccount/', { body: { name } })).json.auth_id;
    for (const n of numbers) assert.equal((await srv.buy(alice, n, { subaccount: s })).status, 201);
    const app = await srv.plivo(alice, 'POST', 'Application/', { body: { app_name: `${name}-app`, answer_url: 'https://example.com/a', subaccount: s } });
    assert.equal(app.status, 201, app.text);
    return { s, app: app.json.app_id };
  }

  test('cascade true (JSON body, as the SDKs send it): the numbers are released, the applications deleted', async () => {
    const { s, app } = await subWith('casc-json', [N[7], N[8]]);
    const r = await srv.plivo(alice, 'DELETE', `Subaccount/${s}/`, { body: { cascade: true, auth_id: s } });
    assert.equal(r.status, 204, r.text);
    assert.equal(await owned(N[7]), false);
    assert.equal(await owned(N[8]), false);
    assert.equal((await srv.plivo(alice, 'GET', `Application/${app}/`)).status, 404);
    // --aging-days 0: for sale again at once
    assert.ok((await srv.search(alice, { country_iso: 'US', pattern: N[7].slice(1) })).json.objects.some((o) => o.number === N[7]));
  });

  test('cascade "true" (Node), cascade=1 in the query (PHP)', async () => {
    const a = await subWith('casc-node', [N[9]]);
    assert.equal((await srv.plivo(alice, 'DELETE', `Subaccount/${a.s}/`, { body: '{"cascade":"true"}' })).status, 204);
    assert.equal(await owned(N[9]), false);
    const b = await subWith('casc-php', [N[10]]);
    assert.equal((await srv.plivo(alice, 'DELETE', `Subaccount/${b.s}/?cascade=1`)).status, 204);
    assert.equal(await owned(N[10]), false);
  });

  test('cascade false or absent: numbers and applications return to the main account', async () => {
    for (const [name, opts, n] of [['casc-false', { body: { cascade: false } }, N[11]], ['casc-none', { body: '""' }, N[12]]]) {
      const { s, app } = await subWith(name, [n]);
      assert.equal((await srv.plivo(alice, 'DELETE', `Subaccount/${s}/`, opts)).status, 204);
      const o = await srv.plivo(alice, 'GET', `Number/${n}/`);
      assert.equal(o.status, 200);
      assert.equal(o.json.sub_account, null);
      const ap = await srv.plivo(alice, 'GET', `Application/${app}/`);
      assert.equal(ap.status, 200);
      assert.equal(ap.json.sub_account, null);
    }
  });

  test('query and body disagreeing, or a cascade that is no boolean: 400, nothing deleted', async () => {
    const { s } = await subWith('casc-bad', [N[13]]);
    assertPlivoError(await srv.plivo(alice, 'DELETE', `Subaccount/${s}/?cascade=0`, { body: { cascade: true } }), 400, /cascade/);
    assertPlivoError(await srv.plivo(alice, 'DELETE', `Subaccount/${s}/`, { body: { cascade: 'maybe' } }), 400, /cascade/);
    assertPlivoError(await srv.plivo(alice, 'DELETE', `Subaccount/${s}/?nuke=1`), 400, 'unknown parameter: nuke');
    // the path's id repeated in the body (Python auth_id, Java id) must be the same
    assertPlivoError(await srv.plivo(alice, 'DELETE', `Subaccount/${s}/`, { body: { auth_id: sub.auth_id, cascade: true } }),
      400, `auth_id ${sub.auth_id} does not match the path's ${s}`);
    assertPlivoError(await srv.plivo(alice, 'DELETE', `Subaccount/${s}/`, { body: { id: sub.auth_id, secondary_id: null } }),
      400, /^id .* does not match/);
    assert.equal((await srv.plivo(alice, 'GET', `Subaccount/${s}/`)).status, 200);
    assert.equal(await owned(N[13]), true);
  });

  test('Application DELETE takes PHP\'s cascade and new_endpoint_application in the query (no-ops)', async () => {
    const id = (await srv.plivo(alice, 'POST', 'Application/', { body: { app_name: 'php-del', answer_url: 'https://example.com/a' } })).json.app_id;
    assert.equal((await srv.plivo(alice, 'DELETE', `Application/${id}/?cascade=1&new_endpoint_application=1`)).status, 204);
    assert.equal((await srv.plivo(alice, 'GET', `Application/${id}/`)).status, 404);
  });
});

describe('the account, pricing', () => {
  test('GET the account (also with a doubled final slash, as Node and Go send it); a subaccount gets its own; POST: 405', async () => {
    for (const p of ['', '/']) {
      const r = await srv.plivo(alice, 'GET', p);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.auth_id, alice.auth_id);
      assert.equal(r.json.name, 'alice');
      assert.equal(r.json.resource_uri, `/v1/Account/${alice.auth_id}/`);
      assert.equal(r.json.account_type, 'standard');
      assert.equal(r.json.billing_mode, 'postpaid');
    }
    const s = await srv.plivo(sub, 'GET', '');
    assert.equal(s.json.auth_id, sub.auth_id);
    assert.equal(s.json.name, 'sub-one');
    const p = await srv.plivo(alice, 'POST', '', { body: { name: 'Renamed' } });
    assertPlivoError(p, 405);
    assert.equal(p.headers.get('allow'), 'GET, HEAD');
    // another account's path: 401 as for every Plivo path
    const bob = await srv.createAccount('bob2');
    assert.equal((await srv.plivo(alice, 'GET', '', { pathAccount: bob.auth_id })).status, 401);
  });

  test('Pricing: the lowest monthly rental of the numbers for sale, per type; local and tollfree always', async () => {
    const us = await srv.plivo(alice, 'GET', 'Pricing/', { query: { country_iso: 'us' } });
    assert.equal(us.status, 200, us.text);
    assert.equal(us.json.country_iso, 'US');
    assert.equal(us.json.country, 'UNITED STATES');
    assert.equal(us.json.country_code, 1);
    assert.deepEqual(us.json.phone_numbers, { local: { rate: '0.50000' }, tollfree: { rate: '2.00000' } });
    // no voice or message prices, in Plivo's shape (session 40's SDK audit:
    // PHP's Pricing reads these keys and loops over the list unguarded,
    // .NET's Message joins the list in its ToString)
    const none = { rate: null };
    assert.deepEqual(us.json.message, { inbound: none, outbound: none, outbound_networks_list: [] });
    assert.deepEqual(us.json.voice, { inbound: { ip: none, local: none, tollfree: none },
      outbound: { ip: none, local: none, tollfree: none, rates: [] } });
    // sold: no longer priced
    assert.equal((await srv.buy(alice, N[5])).status, 201);
    const again = await srv.plivo(alice, 'GET', 'Pricing/', { query: { country_iso: 'US' } });
    assert.equal(again.json.phone_numbers.local.rate, '0.80000');
    const de = await srv.plivo(alice, 'GET', 'Pricing/', { query: { country_iso: 'DE' } });
    assert.deepEqual(de.json.phone_numbers, { local: { rate: null }, tollfree: { rate: null } });
    assertPlivoError(await srv.plivo(alice, 'GET', 'Pricing/'), 400, /country_iso/);
    assertPlivoError(await srv.plivo(alice, 'GET', 'Pricing/', { query: { country_iso: 'XX' } }), 400, /country/);
    assertPlivoError(await srv.plivo(alice, 'GET', 'Pricing/', { query: { country_iso: 'US', voice: '1' } }), 400, 'unknown parameter: voice');
  });
});

describe('PhoneNumber/Compliance reads and link', () => {
  let rec;
  let pending;

  test('a restricted number is pending; the requirements say why', async () => {
    pending = await srv.buy(alice, GB.number);
    assert.equal(pending.status, 201, pending.text);
    assert.equal(pending.json.status, 'pending');
    const r = await srv.plivo(alice, 'GET', 'PhoneNumber/Compliance/Requirements/',
      { query: { country_iso: 'GB', number_type: 'local', user_type: '' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user_type, 'business');
    assert.deepEqual(r.json.document_types, [{ document_type_id: 'country-address', name: 'country-address',
      description: 'A UK address is required.', proof_required: true, required_fields: [] }]);
    const again = await srv.plivo(alice, 'GET', 'PhoneNumber/Compliance/Requirements/',
      { query: { country_iso: 'gb', number_type: 'LOCAL' } });
    assert.equal(again.json.requirement_id, r.json.requirement_id, 'stable');
    const us = await srv.plivo(alice, 'GET', 'PhoneNumber/Compliance/Requirements/', { query: { country_iso: 'US', number_type: 'local' } });
    assert.deepEqual(us.json.document_types, []);
    assert.notEqual(us.json.requirement_id, r.json.requirement_id);
    assertPlivoError(await srv.plivo(alice, 'GET', 'PhoneNumber/Compliance/Requirements/', { query: { country_iso: 'GB', number_type: 'cheap' } }),
      400, /number_type/);
    assertPlivoError(await srv.plivo(alice, 'GET', 'PhoneNumber/Compliance/Requirements/', { query: { number_type: 'local' } }),
      400, /country_iso/);
  });

  test('records: list with filters, get with the linked numbers the caller sees', async () => {
    rec = await srv.compliance(alice.auth_id, 'GB', 'local');
    const l = await srv.plivo(alice, 'GET', 'PhoneNumber/Compliance/');
    assert.equal(l.status, 200, l.text);
    assert.deepEqual(l.json.compliances.map((c) => c.compliance_id), [rec]);
    const c = l.json.compliances[0];
    assert.equal(c.status, 'accepted');
    assert.equal(c.country_iso, 'GB');
    assert.equal(c.number_type, 'local');
    assert.match(c.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const f = async (query) => (await srv.plivo(alice, 'GET', 'PhoneNumber/Compliance/', { query })).json.meta.total_count;
    assert.equal(await f({ status: 'ACCEPTED', country_iso: 'gb', number_type: 'local', user_type: 'business' }), 1);
    assert.equal(await f({ status: 'submitted' }), 0);
    assert.equal(await f({ status: 'rejected' }), 0);
    assert.equal(await f({ country_iso: 'US' }), 0);
    assert.equal(await f({ user_type: 'individual' }), 0);
    assert.equal(await f({ alias: 'x' }), 0);
    assertPlivoError(await srv.plivo(alice, 'GET', 'PhoneNumber/Compliance/', { query: { status: 'lost' } }), 400, /status/);

    // the subaccount reads its main account's records
    assert.equal((await srv.plivo(sub, 'GET', 'PhoneNumber/Compliance/')).json.meta.total_count, 1);
    // another account: its own (none); the record itself is 404 exactly like a nonexistent one
    const bob = await srv.createAccount('bob3');
    assert.equal((await srv.plivo(bob, 'GET', 'PhoneNumber/Compliance/')).json.meta.total_count, 0);
    const foreign = await srv.plivo(bob, 'GET', `PhoneNumber/Compliance/${rec}/`);
    const ghost = await srv.plivo(bob, 'GET', 'PhoneNumber/Compliance/00000000-0000-4000-8000-000000000000/');
    assertPlivoError(foreign, 404);
    assert.equal(foreign.json.error, ghost.json.error);
    assertPlivoError(await srv.plivo(alice, 'GET', `PhoneNumber/Compliance/${rec}/`, { query: { id: 'x' } }), 400, /does not match/);
  });

  test('link: per number, with a report; the number becomes linked; the record shows it', async () => {
    const r = await srv.plivo(alice, 'POST', 'PhoneNumber/Compliance/Link/', { body: { numbers: [
      { number: GB.number, compliance_application_id: rec },
      { number: N[0], compliance_application_id: rec }, // a US number: the record is for GB
      { number: '442071237101', compliance_application_id: rec }, // not owned
    ] } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.total_count, 3);
    assert.equal(r.json.updated_count, 1);
    assert.deepEqual(r.json.report.map((x) => [x.number, x.status]),
      [[GB.number, 'success'], [N[0], 'failed'], ['442071237101', 'failed']]);
    assert.match(r.json.report[1].remarks, /compliance_id/);
    const n = (await srv.plivo(alice, 'GET', `Number/${GB.number}/`)).json;
    assert.equal(n.compliance_application_id, rec);
    assert.equal(n.compliance_status, 'accepted');
    const g = await srv.plivo(alice, 'GET', `PhoneNumber/Compliance/${rec}/`);
    assert.deepEqual(g.json.compliance.linked_numbers, [{ number: GB.number, number_type: 'local' }]);
    // the subaccount does not see its main account's numbers among them
    assert.deepEqual((await srv.plivo(sub, 'GET', `PhoneNumber/Compliance/${rec}/`)).json.compliance.linked_numbers, []);
    for (const body of [{}, { numbers: [] }, { numbers: [{ number: GB.number }] }, { numbers: 'x' },
      { numbers: Array.from({ length: 101 }, () => ({ number: GB.number, compliance_application_id: rec })) }]) {
      assertPlivoError(await srv.plivo(alice, 'POST', 'PhoneNumber/Compliance/Link/', { body }), 400, /numbers/);
    }
  });

  test('writes answer 405 (Allow: GET), never 415 or 404', async () => {
    const m = await srv.plivo(alice, 'POST', 'PhoneNumber/Compliance/', {
      body: '--b\r\nContent-Disposition: form-data; name="data"\r\n\r\n{}\r\n--b--\r\n',
      headers: { 'Content-Type': 'multipart/form-data; boundary=b' } });
    assertPlivoError(m, 405);
    assert.equal(m.headers.get('allow'), 'GET, HEAD');
    assertPlivoError(await srv.plivo(alice, 'PATCH', `PhoneNumber/Compliance/${rec}/`, { body: {} }), 405);
    assertPlivoError(await srv.plivo(alice, 'DELETE', `PhoneNumber/Compliance/${rec}/`), 405);
    assertPlivoError(await srv.plivo(alice, 'GET', 'PhoneNumber/Compliance/Link/'), 405);
  });
});

test('api_id of the new answers is the request id', async () => {
  const r = await srv.plivo(alice, 'GET', '');
  assert.match(r.json.api_id, UUID_RE);
  assert.equal(r.json.api_id, r.headers.get('x-request-id'));
});

// (last: it buys the one toll-free number the searches above look for)
describe('the Number list\'s type', () => {
  // Found by a helper's audit (session 38): the Java SDK's Number lister
  // takes the search's NumberType, ANY included: 400 on the list.
  test('Number list number_type=any (Java NumberType.ANY) is no type filter, as in a search', async () => {
    // a local and a toll-free number of alice's
    for (const n of [N[19], TF.number]) if (!(await owned(n))) assert.equal((await srv.buy(alice, n)).status, 201);
    const all = await srv.plivo(alice, 'GET', 'Number/');
    assert.equal(all.status, 200, all.text);
    const types = new Set(all.json.objects.map((x) => x.number_type));
    assert.ok(types.has('local') && types.has('tollfree'), JSON.stringify([...types]));
    for (const q of [{ number_type: 'any' }, { type: 'ANY' }]) {
      const r = await srv.plivo(alice, 'GET', 'Number/', { query: q });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json.objects.map((x) => x.number), all.json.objects.map((x) => x.number));
      assert.equal(r.json.meta.total_count, all.json.meta.total_count);
    }
    assertPlivoError(await srv.plivo(alice, 'GET', 'Number/', { query: { type: 'every' } }), 400, /invalid type/);
  });
});
