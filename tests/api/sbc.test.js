'use strict';
// SIP.md §2-4 over HTTP: the SBC token (404 without one, 401, never
// throttled by failed-authentication counting or account budgets), every
// inbound situation, the HA1s (never the password), outbound routes with
// the upstream carrier's credentials, parameters refused with 400.  The
// same lookups through real SIP: tests/sip/numberd_e2e.test.js.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { start, assertProblem, PG, psql } = require('./lib/server');

const TOKEN = 'api-sbc-token-0123456789abcdef';
const md5 = (s) => crypto.createHash('md5').update(s).digest('hex');
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');
let srv;
const W = {};

async function ok(r, status, what) {
  assert.equal(r.status, status, `${what}: ${r.text}`);
  return r.json;
}
const sbc = (p, token = TOKEN) => srv.admin('GET', p, undefined, { token });
const inbound = async (q) => ok(await sbc(`/sbc/v1/inbound?${new URLSearchParams(q)}`), 200, 'inbound');
const outbound = async (q) => ok(await sbc(`/sbc/v1/outbound?${new URLSearchParams(q)}`), 200, 'outbound');

before(async () => {
  srv = await start({ env: { NUMBERD_SBC_TOKEN: TOKEN }, args: ['--auth-fail-limit', '3/60', '--metrics-open'] });
  W.A = await srv.createAccount('sbc-a');
  W.app = (await ok(await srv.plivo(W.A, 'POST', 'Application/',
    { body: { app_name: 'x', answer_url: 'https://app.example.com/x' } }), 201, 'app')).app_id;
  W.auth = await ok(await srv.byoc(W.A.api_key, 'POST', '/carriers', { body: { carrier_name: 'auth', trunk_type: 'auth',
    sip_gateway: { ipv4: '198.51.100.0', netmask: 24, outbound: false }, inbound_auth: { username: 'tu', password: 'pa55word-x' } } }), 201, 'c');
  W.six = await ok(await srv.byoc(W.A.api_key, 'POST', '/carriers', { body: { carrier_name: 'v6',
    sip_gateway: { ipv4: '203.0.113.7', outbound: true } } }), 201, 'c');
  await ok(await srv.byoc(W.A.api_key, 'POST', '', { body: { number: '+14155550100', voip_carrier_sid: W.auth.voip_carrier_sid } }), 201, 'n');
  await ok(await srv.byoc(W.A.api_key, 'POST', '', { body: { number: '+14155550101', voip_carrier_sid: W.six.voip_carrier_sid } }), 201, 'n');
  await ok(await srv.plivo(W.A, 'POST', 'Number/14155550101/', { body: { app_id: W.app } }), 202, 'app');
  await ok(await srv.admin('POST', '/admin/v1/carriers', { name: 'wholesale',
    sip_gateways: [{ address: '192.0.2.10', port: 5080, inbound: false, outbound: true }],
    outbound_auth: { username: 'nd', password: 'upstream-pw-1', realm: 'up.example' } }), 201, 'upstream');
});
after(async () => { assert.equal((await srv.stop()).code, 0); });

describe('the SBC token', () => {
  test('no token configured: every /sbc/ path is 404', async () => {
    const s2 = await start();
    try {
      assertProblem(await s2.admin('GET', '/sbc/v1/inbound?src_ip=192.0.2.1&to=1', undefined, { token: TOKEN }), 404);
      assertProblem(await s2.admin('GET', '/sbc/v1/outbound', undefined, { token: TOKEN }), 404);
    } finally { await s2.stop(); }
  });
  test('a wrong token is 401, again and again: never throttled (the SBC is one address)', async () => {
    for (let i = 0; i < 8; i++) assertProblem(await sbc('/sbc/v1/inbound?src_ip=192.0.2.1&to=1', 'wrong-token-0123456789'), 401);
    for (let i = 0; i < 8; i++) await inbound({ src_ip: '192.0.2.1', to: '14155550100' }); // past the auth-fail limit: still answered
  });
  test('the admin token is not the SBC token', async () => {
    assertProblem(await sbc('/sbc/v1/inbound?src_ip=192.0.2.1&to=1', srv.adminToken), 401);
  });
  test('the index loads after serve listens: /readyz is 503 "loading" and lookups wait for it (up to 2 s, then 503)', async () => {
    for (const [delay, waits] of [[1000, true], [3500, false]]) {
      const s2 = await start({ env: { NUMBERD_SBC_TOKEN: TOKEN, NUMBERD_TEST_SBC_LOAD_DELAY_MS: String(delay) } });
      try {
        const r0 = await s2.admin('GET', '/readyz');
        assert.equal(r0.status, 503, r0.text);
        assert.equal(r0.json.sbc_index, 'loading');
        const t0 = Date.now();
        const r = await s2.admin('GET', '/sbc/v1/inbound?src_ip=192.0.2.1&to=14155550100', undefined, { token: TOKEN });
        const took = Date.now() - t0;
        if (waits) {
          // answered once the load was in: an unknown source, 403 inside a 200 answer
          assert.equal(r.status, 200, r.text);
          assert.equal(r.json.action, 'reject');
        } else {
          assertProblem(r, 503);
          assert.ok(took >= 1900, `answered 503 after ${took} ms, before the 2 s wait`);
        }
        for (let i = 0; i < 100 && (await s2.admin('GET', '/readyz')).status !== 200; i++) await new Promise((f) => setTimeout(f, 100));
        assert.equal((await s2.admin('GET', '/readyz')).status, 200);
        await ok(await s2.admin('GET', '/sbc/v1/inbound?src_ip=192.0.2.1&to=14155550100', undefined, { token: TOKEN }), 200, 'after the load');
      } finally { await s2.stop(); }
    }
  });
  test('a token shorter than 16 characters is refused at start', async () => {
    await assert.rejects(start({ env: { NUMBERD_SBC_TOKEN: 'short' } }));
  });
});

describe('inbound', () => {
  test('bad parameters: 400', async () => {
    assertProblem(await sbc('/sbc/v1/inbound?to=1'), 400, /src_ip/);
    assertProblem(await sbc('/sbc/v1/inbound?src_ip=1.2.3&to=1'), 400, /src_ip/);
    assertProblem(await sbc('/sbc/v1/inbound?src_ip=192.0.2.1'), 400, /to/);
    assertProblem(await sbc('/sbc/v1/inbound?src_ip=192.0.2.1&to=1&bogus=1'), 400, /unknown parameter/);
    assertProblem(await sbc('/sbc/v1/inbound?src_ip=192.0.2.1&to=1&transport=sctp'), 400, /transport/);
  });
  test('unknown source 403, unprovisioned 404, another carrier\'s source 403', async () => {
    assert.deepEqual(await inbound({ src_ip: '192.0.2.1', to: '14155550100' }),
      { action: 'reject', sip_code: 403, reason: 'unknown source' });
    assert.deepEqual(await inbound({ src_ip: '198.51.100.9', to: '14155559999' }),
      { action: 'reject', sip_code: 404, reason: 'number not provisioned' });
    assert.deepEqual(await inbound({ src_ip: '203.0.113.7', to: '14155550100' }),
      { action: 'reject', sip_code: 403, reason: 'source not allowed for this number' });
  });
  test('auth trunk: no credentials -> challenge with both HA1s (not the password); wrong user 403', async () => {
    const r = await inbound({ src_ip: '198.51.100.9', to: 'sip:+1 (415) 555-0100@sbc;user=phone', realm: 'sbc.example' });
    assert.equal(r.action, 'challenge');
    assert.equal(r.username, 'tu');
    assert.equal(r.ha1, md5('tu:sbc.example:pa55word-x'));
    assert.equal(r.ha1_sha256, sha256('tu:sbc.example:pa55word-x'));
    assert.equal(r.carrier.trunk_type, 'auth');
    assert.ok(!JSON.stringify(r).includes('pa55word'));
    assert.deepEqual(await inbound({ src_ip: '198.51.100.9', to: '0014155550100', realm: 'sbc.example', auth_user: 'x' }),
      { action: 'reject', sip_code: 403, reason: 'bad credentials' });
    const a = await inbound({ src_ip: '198.51.100.9', to: 'tel:+14155550100', realm: 'sbc.example', auth_user: 'tu' });
    assert.equal(a.action, 'accept');
    assert.deepEqual(a.auth, { realm: 'sbc.example', username: 'tu', ha1: r.ha1, ha1_sha256: r.ha1_sha256 });
    assertProblem(await sbc('/sbc/v1/inbound?src_ip=198.51.100.9&to=14155550100'), 400, /realm/);
  });
  // Found by a helper's audit (session 36): a gateway given as an
  // IPv4-mapped IPv6 address was stored, but filed under IPv6, while a
  // lookup maps such a source to IPv4: it never matched.
  test('a gateway written as ::ffff:a.b.c.d is the IPv4 one', async () => {
    const pc = await ok(await srv.plivo(W.A, 'POST', 'IncomingCarrier/', { body: { name: 'mapped', ip_set: '::ffff:10.9.9.9' } }), 201, 'pc');
    await ok(await srv.plivo(W.A, 'POST', 'Number/', { body: { numbers: '14155550303', carrier: pc.carrier_id, region: 'US' } }), 202, 'add');
    try {
      for (const src of ['10.9.9.9', '::ffff:10.9.9.9']) {
        const r = await inbound({ src_ip: src, to: '14155550303' });
        assert.equal(r.action, 'accept', `${src}: ${JSON.stringify(r)}`);
      }
      assert.deepEqual(await inbound({ src_ip: '10.9.9.8', to: '14155550303' }),
        { action: 'reject', sip_code: 403, reason: 'unknown source' });
    } finally {
      assert.equal((await srv.plivo(W.A, 'DELETE', 'Number/14155550303/')).status, 204);
      assert.equal((await srv.plivo(W.A, 'DELETE', `IncomingCarrier/${pc.carrier_id}/`)).status, 204);
    }
  });
  // Found by a helper's audit (session 36): a carrier with voice=false and
  // an SMS-only number (voice_enabled false) took and placed calls.
  test('voice off: the carrier\'s calls and an SMS-only number\'s are refused', async () => {
    const pc = await ok(await srv.plivo(W.A, 'POST', 'IncomingCarrier/', { body: { name: 'voiceless', ip_set: '10.7.7.7' } }), 201, 'pc');
    await ok(await srv.plivo(W.A, 'POST', 'Number/', { body: { numbers: '14155550404', carrier: pc.carrier_id, region: 'US' } }), 202, 'add');
    await ok(await srv.admin('POST', '/admin/v1/carriers', { name: 'sms-up',
      sip_gateways: [{ address: '10.8.8.8', inbound: true, outbound: false }] }), 201, 'upstream');
    await srv.loadCsv(require('./lib/server').csv(['number', 'country_iso', 'type', 'voice_enabled', 'carrier'],
      [{ number: '14155550505', country_iso: 'US', type: 'local', voice_enabled: 'false', carrier: 'sms-up' }]));
    assert.equal((await srv.buy(W.A, '14155550505', {})).status, 201);
    try {
      assert.equal((await inbound({ src_ip: '10.7.7.7', to: '14155550404' })).action, 'accept');
      await ok(await srv.plivo(W.A, 'POST', `IncomingCarrier/${pc.carrier_id}/`, { body: { voice: false } }), 202, 'voice off');
      assert.deepEqual(await inbound({ src_ip: '10.7.7.7', to: '14155550404' }),
        { action: 'reject', sip_code: 403, reason: 'carrier voice disabled' });
      let r = await outbound({ account: W.A.auth_id, to: '442071838750', from: '14155550404', carrier: W.six.id });
      assert.equal(r.action, 'route');
      assert.ok(!r.routes.some((x) => x.carrier.id === pc.carrier_id));
      assert.deepEqual(await inbound({ src_ip: '10.8.8.8', to: '14155550505' }),
        { action: 'reject', sip_code: 403, reason: 'number voice disabled' });
      assert.deepEqual(await outbound({ account: W.A.auth_id, to: '442071838750', from: '14155550505' }),
        { action: 'reject', sip_code: 403, reason: 'caller id voice disabled' });
      // a number added while its carrier's voice was off took voice_enabled
      // false with it; the carrier's flag is what decides for it (a review)
      await ok(await srv.plivo(W.A, 'POST', 'Number/', { body: { numbers: '14155550707', carrier: pc.carrier_id, region: 'US' } }), 202, 'add');
      await ok(await srv.plivo(W.A, 'POST', `IncomingCarrier/${pc.carrier_id}/`, { body: { voice: true } }), 202, 'voice on');
      assert.equal((await inbound({ src_ip: '10.7.7.7', to: '14155550707' })).action, 'accept');
      assert.equal((await srv.plivo(W.A, 'DELETE', 'Number/14155550707/')).status, 204);
    } finally {
      assert.equal((await srv.plivo(W.A, 'DELETE', 'Number/14155550404/')).status, 204);
      assert.equal((await srv.plivo(W.A, 'DELETE', 'Number/14155550505/')).status, 204);
      assert.equal((await srv.plivo(W.A, 'DELETE', `IncomingCarrier/${pc.carrier_id}/`)).status, 204);
    }
  });
  test('accept: account, number, carrier, gateway, application, cache_ttl', async () => {
    const r = await inbound({ src_ip: '203.0.113.7', to: '+14155550101', from: 'x', call_id: 'abc' });
    assert.equal(r.action, 'accept');
    assert.deepEqual(r.account, { auth_id: W.A.auth_id, subaccount: null });
    assert.equal(r.number.number, '14155550101');
    assert.equal(r.carrier.id, W.six.id);
    assert.equal(r.application.app_id, W.app);
    assert.equal(r.application.answer_url, 'https://app.example.com/x');
    assert.equal(r.cache_ttl, 30);
  });
});

test('a suspended main account: its calls are refused (account suspended), resumed: accepted again', async () => {
  const q = { src_ip: '203.0.113.7', to: '+14155550101' };
  assert.equal((await inbound(q)).action, 'accept');
  const s = await srv.admin('POST', `/admin/v1/accounts/${W.A.auth_id}/suspend`, {});
  assert.ok(s.status < 300, s.text);
  assert.deepEqual(await inbound(q), { action: 'reject', sip_code: 403, reason: 'account suspended' });
  assert.deepEqual(await outbound({ account: W.A.auth_id, to: '442071838750', from: '14155550101' }),
    { action: 'reject', sip_code: 403, reason: 'account suspended' });
  const r = await srv.admin('POST', `/admin/v1/accounts/${W.A.auth_id}/resume`, {});
  assert.ok(r.status < 300, r.text);
  assert.equal((await inbound(q)).action, 'accept');
});

describe('outbound', () => {
  test('owned caller ID: routes, the customer\'s carrier first, then upstream with its HA1', async () => {
    const r = await outbound({ account: W.A.auth_id, to: '+442071838750', from: '14155550101' });
    assert.equal(r.action, 'route');
    assert.equal(r.routes[0].uri, 'sip:+442071838750@203.0.113.7:5060;transport=udp');
    assert.equal(r.routes[0].carrier.id, W.six.id);
    const up = r.routes.find((x) => x.carrier.kind === 'upstream');
    assert.equal(up.uri, 'sip:+442071838750@192.0.2.10:5080;transport=udp');
    assert.deepEqual(up.auth, { username: 'nd', realm: 'up.example', ha1: md5('nd:up.example:upstream-pw-1') });
  });
  test('a subaccount made after start (the index learns it by its auth_id) places calls with its main account\'s number', async () => {
    const sub = await ok(await srv.plivo(W.A, 'POST', 'Subaccount/', { body: { name: 'sbc-sub', enabled: true } }), 201, 'sub');
    const r = await outbound({ account: sub.auth_id, to: '442071838750', from: '14155550101' });
    assert.equal(r.action, 'route');
    assert.equal(r.routes[0].carrier.id, W.six.id);
    // disabled: refused like a suspended account
    await ok(await srv.plivo(W.A, 'POST', `Subaccount/${sub.auth_id}/`, { body: { name: 'sbc-sub', enabled: false } }), 202, 'off');
    assert.deepEqual(await outbound({ account: sub.auth_id, to: '442071838750', from: '14155550101' }),
      { action: 'reject', sip_code: 403, reason: 'account suspended' });
  });
  // Found by a helper's audit (session 36): a subaccount's call could take a
  // sibling subaccount's number as its caller id, and force the sibling's
  // carrier.  SIP.md §4: the caller id is a number of the account or of its
  // main account.
  test('a subaccount never uses a sibling subaccount\'s number or carrier', async () => {
    const mk = async (name) => ok(await srv.plivo(W.A, 'POST', 'Subaccount/', { body: { name, enabled: true } }), 201, 'sub');
    const s1 = await mk('sbc-s1');
    const s2 = await mk('sbc-s2');
    // S2's own carrier (made with its credentials) and a number added through it
    const pc = await ok(await srv.plivo(s2, 'POST', 'IncomingCarrier/', { body: { name: 'sib-carrier', ip_set: '192.0.2.77' } }), 201, 'pc');
    await ok(await srv.plivo(s2, 'POST', 'Number/', { body: { numbers: '14155550202', carrier: pc.carrier_id, region: 'US' } }), 202, 'add');
    const bc = (await srv.byoc(W.A.api_key, 'GET', '/carriers', { query: { limit: 100 } })).json.data.find((x) => x.carrier_name === 'sib-carrier');
    await ok(await srv.byoc(W.A.api_key, 'PATCH', `/carriers/${bc.id}`, { body: { sip_gateway: { ipv4: '10.20.0.1', outbound: true } } }), 200, 'gw');
    // S2 itself may: its own number, its own carrier
    let r = await outbound({ account: s2.auth_id, to: '442071838750', from: '14155550202' });
    assert.equal(r.action, 'route');
    assert.equal(r.routes[0].carrier.id, bc.id);
    // S1 may not take S2's number as its caller id
    assert.deepEqual(await outbound({ account: s1.auth_id, to: '442071838750', from: '14155550202' }),
      { action: 'reject', sip_code: 403, reason: 'caller id not owned' });
    // nor force S2's carrier with its main account's number: to S1 it is
    // a carrier id like any unknown one (400, as below), never a route
    const forced = await sbc(`/sbc/v1/outbound?${new URLSearchParams({ account: s1.auth_id, to: '442071838750', from: '14155550101', carrier: bc.id })}`);
    assertProblem(forced, 400, /^carrier: no carrier/);
    // the main account may force it -- by any id a dialect shows for it:
    // the BYOC id, its voip_carrier_sid, the Plivo carrier_id (an SBC
    // audit, session 39: only the first was known, so a Plivo customer
    // could not force its own IncomingCarrier)
    for (const ref of [bc.id, bc.voip_carrier_sid, pc.carrier_id]) {
      r = await outbound({ account: W.A.auth_id, to: '442071838750', from: '14155550101', carrier: ref });
      assert.equal(r.routes[0].carrier.id, bc.id, ref);
    }
    // and S1 by none of them
    for (const ref of [bc.voip_carrier_sid, pc.carrier_id]) {
      assertProblem(await sbc(`/sbc/v1/outbound?${new URLSearchParams({ account: s1.auth_id, to: '442071838750', from: '14155550101', carrier: ref })}`),
        400, /^carrier: no carrier/);
    }
    // gone again: the index counts below are the suite's own
    assert.equal((await srv.plivo(s2, 'DELETE', 'Number/14155550202/')).status, 204);
    assert.equal((await srv.plivo(s2, 'DELETE', `IncomingCarrier/${pc.carrier_id}/`)).status, 204);
  });
  test('spoofed caller ID 403; bad parameters 400', async () => {
    assert.deepEqual(await outbound({ account: W.A.auth_id, to: '442071838750', from: '14155559999' }),
      { action: 'reject', sip_code: 403, reason: 'caller id not owned' });
    assertProblem(await sbc(`/sbc/v1/outbound?account=${W.A.auth_id}&to=44`), 400, /from/);
    assertProblem(await sbc('/sbc/v1/outbound?account=MA00000000000000000Z&to=1&from=1'), 400);
    assertProblem(await sbc(`/sbc/v1/outbound?${new URLSearchParams({ account: W.A.auth_id, to: '1'.repeat(257), from: '14155550101' })}`),
      400, /^to: at most 256 bytes/);
  });
  // Found by an audit (session 39), changed in session 40: a destination
  // that is no E.164 number was a 400, which the reference SBC turns into a
  // 503 for the caller (retried, alerted on).  It is a call numberd cannot
  // route: a reject the SBC passes on, after the caller's own checks.
  test('a destination that is no E.164 number: reject 484, after the account\'s and the caller id\'s checks', async () => {
    for (const to of ['911', '*67', '0', 'sip:112@sbc.example', 'alice']) {
      assert.deepEqual(await outbound({ account: W.A.auth_id, to, from: '14155550101' }),
        { action: 'reject', sip_code: 484, reason: 'to not an E.164 number' }, to);
    }
    assert.deepEqual(await outbound({ account: W.A.auth_id, to: '911', from: '14155559999' }),
      { action: 'reject', sip_code: 403, reason: 'caller id not owned' });
    // the same destination written as E.164 routes
    assert.equal((await outbound({ account: W.A.auth_id, to: 'sip:+44 20 7183 8750@sbc.example', from: '14155550101' })).action, 'route');
  });
  // Found by reading (session 37): a forced carrier id naming no carrier was
  // ignored and the call routed unforced, so a typo in the SBC's
  // configuration went unseen.  Now 400; a known carrier still leads, and a
  // forced carrier with voice off leaves the others (SIP.md §4's order).
  test('a forced carrier naming no carrier the account may use: 400, nothing routed', async () => {
    const q = (carrier) => `/sbc/v1/outbound?${new URLSearchParams({ account: W.A.auth_id, to: '442071838750', from: '14155550101', carrier })}`;
    for (const bad of ['no-such-carrier', '00000000-0000-4000-8000-000000000000']) {
      const r = await sbc(q(bad));
      assertProblem(r, 400, /^carrier: no carrier/);
      assert.ok(r.json.detail.includes(bad), r.text);
    }
    const r = await outbound({ account: W.A.auth_id, to: '442071838750', from: '14155550101', carrier: W.six.id });
    assert.equal(r.routes[0].carrier.id, W.six.id);
  });
});

// Found by a helper's audit (session 36): on PostgreSQL a change whose
// log seq could not be given after its COMMIT (the round's lock held past
// the statement timeout) was answered 204 and left out of every read of the
// log until the minute's sweep: the node's lookups kept accepting a deleted
// number.  Exactly current or 503: they answer 503 until a sweep gives it.
test('a change committed without its seq: lookups answer 503 until it has one, never the stale accept',
  { skip: PG ? false : 'PostgreSQL only (SQLite gives seqs in the commit)' }, async () => {
    const { spawn } = require('node:child_process');
    const c = await ok(await srv.byoc(W.A.api_key, 'POST', '/carriers', { body: { carrier_name: 'owed',
      sip_gateway: { ipv4: '10.11.0.1', outbound: false } } }), 201, 'c');
    const n = await ok(await srv.byoc(W.A.api_key, 'POST', '', { body: { number: '+14155550606', voip_carrier_sid: c.voip_carrier_sid } }), 201, 'n');
    assert.equal((await inbound({ src_ip: '10.11.0.1', to: '14155550606' })).action, 'accept');
    // another session holds the rounds' lock for 13 s: past the batch's
    // round (5 s statement timeout) and the round after its COMMIT (5 s more)
    const holder = spawn(process.env.NUMBERD_TEST_PSQL || 'psql', [srv.db, '-qAtX', '-c',
      'BEGIN; SELECT pg_advisory_xact_lock(1853189474, 4); SELECT pg_sleep(13); COMMIT']);
    const held = new Promise((r) => holder.on('exit', r));
    // the lock is waited for in pg_locks (psql's start and connection on a
    // loaded machine may take longer than a fixed 500 ms; without the lock
    // the delete gets its seq at once and nothing is tested)
    const holding = () => Number(psql('SELECT count(*) FROM pg_locks WHERE locktype = \'advisory\' AND classid = 1853189474 ' +
      'AND objid = 4 AND granted AND pid IN (SELECT pid FROM pg_stat_activity ' +
      'WHERE query LIKE \'%pg_sleep(13)%\' AND pid <> pg_backend_pid())', srv.db).trim()) > 0;
    for (let i = 0; i < 100 && holder.exitCode === null && !holding(); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(holding(), 'the other session holds the rounds\' lock');
    const del = await srv.byoc(W.A.api_key, 'DELETE', `/${n.id}`);
    assert.equal(del.status, 204, del.text);
    const during = await sbc('/sbc/v1/inbound?src_ip=10.11.0.1&to=14155550606');
    assert.equal(during.status, 503, `while the seq is owed: ${during.status} ${during.text}`);
    await held;
    let after;
    for (let i = 0; i < 100; i++) { // up to 10 s after the lock went
      after = await sbc('/sbc/v1/inbound?src_ip=10.11.0.1&to=14155550606');
      if (after.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(after.status, 200, after.text);
    assert.deepEqual(after.json, { action: 'reject', sip_code: 404, reason: 'number not provisioned' });
    await ok(await srv.byoc(W.A.api_key, 'DELETE', `/carriers/${c.id}`), 204, 'carrier');
  });

// The same, when the writer that committed a change without its seq is
// another process that then died (another node, a CLI command, between its
// COMMIT and its round): the serving node owes nothing, and the change
// reached no node until the minute's sweep.  The feed's thread now sweeps a
// change it finds committed without its seq twice, a second apart.  The
// dead writer is psql here: a session that says it gives seqs in rounds
// (numberd.rounds) and never runs one.
test('a change another process committed without its seq reaches the lookups within seconds, not a minute',
  { skip: PG ? false : 'PostgreSQL only (SQLite gives seqs in the commit)' }, async () => {
    const { psql } = require('./lib/server');
    const C = await srv.createAccount('sbc-dead-writer');
    const c = await ok(await srv.byoc(C.api_key, 'POST', '/carriers', { body: { carrier_name: 'dead-writer',
      sip_gateway: { ipv4: '10.12.0.1', outbound: false } } }), 201, 'c');
    const n = await ok(await srv.byoc(C.api_key, 'POST', '', { body: { number: '+14155550808', voip_carrier_sid: c.voip_carrier_sid } }), 201, 'n');
    assert.equal((await inbound({ src_ip: '10.12.0.1', to: '14155550808' })).action, 'accept');
    psql(`SET numberd.rounds = on; UPDATE accounts SET status = 1 WHERE auth_id = '${C.auth_id}'`, srv.db);
    assert.equal(psql("SELECT count(*) FROM sbc_changes WHERE seq IS NULL", srv.db).trim(), '1', 'a change without its seq');
    const t0 = Date.now();
    let r;
    while (Date.now() - t0 < 10000) {
      r = await inbound({ src_ip: '10.12.0.1', to: '14155550808' });
      if (r.action === 'reject') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.deepEqual(r, { action: 'reject', sip_code: 403, reason: 'account suspended' },
      `still ${JSON.stringify(r)} ${Date.now() - t0} ms later`);
    psql(`UPDATE accounts SET status = 0 WHERE auth_id = '${C.auth_id}'`, srv.db);
    await ok(await srv.byoc(C.api_key, 'DELETE', `/${n.id}`), 204, 'number');
    await ok(await srv.byoc(C.api_key, 'DELETE', `/carriers/${c.id}`), 204, 'carrier');
  });

test('/metrics counts lookups by verdict', async () => {
  const r = await srv.raw('GET', '/metrics');
  assert.match(r.text, /numberd_sbc_lookups_total\{endpoint="inbound",verdict="accept"\} [1-9]/);
  assert.match(r.text, /numberd_sbc_index_current 1/);
  assert.match(r.text, /numberd_sbc_index_entries\{kind="numbers"\} 2/);
});

// Found by reading (session 37): a gateway stored `down` by a prober stayed
// down for every node's routes after the last node that probed stopped (no
// node with --sip-listen): nothing would ever store it up again.  The sweep
// (at start, then every minute) makes a down that no prober has renewed
// for 3 of its carrier's intervals plus 120 s unknown again.
test('a stored down no prober renews any more stops keeping its gateway out of routes', async () => {
  const { execFileSync } = require('node:child_process');
  const T = 1893456000; // 2030-01-01T00:00:00Z
  const env = { NUMBERD_SBC_TOKEN: TOKEN };
  let s = await start({ keepDir: true, env: { ...env, NUMBERD_FAKE_NOW: T } });
  const dir = s.dir;
  const sql = (q) => (PG ? psql(q, s.db) : execFileSync('sqlite3', ['-bail', s.db, q], { encoding: 'utf8' }));
  const look = async () => ok(await s.admin('GET', `/sbc/v1/outbound?${new URLSearchParams({ account: acct.auth_id, to: '442071838750', from: '14155550909' })}`, undefined, { token: TOKEN }), 200, 'outbound');
  const health = async () => (await ok(await s.byoc(acct.api_key, 'GET', `/carriers/${c.id}`), 200, 'carrier')).gateway_health.map((g) => g.state);
  let acct, c;
  try {
    acct = await s.createAccount('stale-health');
    c = await ok(await s.byoc(acct.api_key, 'POST', '/carriers', { body: { carrier_name: 'probed',
      sip_gateway: { ipv4: '10.40.0.1', inbound: true, outbound: true } } }), 201, 'carrier');
    await ok(await s.byoc(acct.api_key, 'POST', '', { body: { number: '+14155550909', voip_carrier_sid: c.voip_carrier_sid } }), 201, 'number');
    await ok(await s.byoc(acct.api_key, 'PUT', `/carriers/${c.id}/health_check`, { body: { interval: 10 } }), 200, 'probing on');
    assert.equal((await look()).action, 'route');
    assert.equal((await s.stop()).code, 0);
    // what a prober that then stopped stored: down at T, after three misses
    sql(`INSERT INTO gateway_health(sid, carrier_id, state, misses, last_code, last_probe_at, updated_at)
         SELECT g.sid, g.carrier, 2, 3, 0, ${T}, ${T} FROM carrier_gateways g JOIN carriers k ON k.id = g.carrier
         WHERE k.voip_sid = '${c.voip_carrier_sid}'`);
    const at = async (now) => {
      s = await start({ dir, env: { ...env, NUMBERD_FAKE_NOW: now } });
    };
    // within 3 intervals + 120 s it is a prober's current word: kept
    await at(T + 150);
    await new Promise((r) => setTimeout(r, 1000)); // the sweep at start has run
    assert.deepEqual(await look(), { action: 'reject', sip_code: 503, reason: 'no route' });
    assert.deepEqual(await health(), ['down']);
    assert.equal((await s.stop()).code, 0);
    // past it: unknown again, and a route again on every node
    await at(T + 151);
    let r;
    for (let i = 0; i < 100; i++) { // up to 10 s for the sweep at start
      r = await look();
      if (r.action === 'route') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(r.action, 'route', JSON.stringify(r));
    assert.equal(r.routes[0].carrier.id, c.id);
    assert.deepEqual(await health(), ['unknown']);
    // the sweep logs after its commit: the route can be read before the line is written
    const said = /gateway health: 1 gateway\(s\) stored down by a prober that stopped probing/;
    for (let i = 0; i < 50 && !said.test(s.stderr()); i++) await new Promise((res) => setTimeout(res, 100));
    assert.match(s.stderr(), said);
  } finally {
    await s.stop();
    require('node:fs').rmSync(dir, { recursive: true, force: true });
  }
});

// Found by a helper's audit (session 39): a customer's outbound gateway at
// 127.0.0.1, 10.0.0.5 or 169.254.169.254 was a route the SBC sent calls
// to, although the registration client and the prober refuse those
// addresses ("a customer must not make numberd send SIP into the
// operator's network").  Without --sip-allow-private it is no route; the
// operator's upstream carriers are not limited.
test('a customer\'s outbound gateway at an internal address is no route unless --sip-allow-private', async () => {
  for (const allow of ['0', '1']) {
    const s = await start({ env: { NUMBERD_SBC_TOKEN: TOKEN, NUMBERD_SIP_ALLOW_PRIVATE: allow } });
    try {
      const a = await s.createAccount(`internal-${allow}`);
      const look = async (carrier) => ok(await s.admin('GET', `/sbc/v1/outbound?${new URLSearchParams({
        account: a.auth_id, to: '442071838750', from: '14155550977', ...(carrier ? { carrier } : {}) })}`,
      undefined, { token: TOKEN }), 200, 'outbound');
      const made = {};
      for (const ip of ['127.0.0.1', '10.0.0.5', '169.254.169.254', '0.0.0.0', '198.51.100.99']) {
        made[ip] = await ok(await s.byoc(a.api_key, 'POST', '/carriers', { body: { carrier_name: `gw ${ip}`,
          sip_gateway: { ipv4: ip, inbound: false, outbound: true } } }), 201, `carrier at ${ip}`);
      }
      await ok(await s.byoc(a.api_key, 'POST', '', { body: { number: '+14155550977', voip_carrier_sid: made['198.51.100.99'].voip_carrier_sid } }), 201, 'number');
      for (const ip of ['127.0.0.1', '10.0.0.5', '169.254.169.254', '0.0.0.0']) {
        const r = await look(made[ip].id);
        const at = r.routes.map((x) => x.uri.replace(/^.*@|:5060.*$/g, ''));
        // forced: first when it is a route; otherwise the others only
        if (allow === '1') assert.equal(at[0], ip, JSON.stringify(r));
        else assert.ok(!at.includes(ip) && at[0] === '198.51.100.99', `forced to ${ip}: ${at}`);
      }
      // unforced: the number's carrier (public) first, and no internal one after it
      const r = await look();
      assert.equal(r.action, 'route');
      assert.match(r.routes[0].uri, /@198\.51\.100\.99:5060/);
      const internal = r.routes.filter((x) => !/@198\.51\.100\.99:/.test(x.uri));
      assert.equal(internal.length, allow === '1' ? 4 : 0, JSON.stringify(r.routes));
    } finally {
      assert.equal((await s.stop()).code, 0);
    }
  }
});

// A review of session 39's range rule: a range stored as outbound before
// it (which any update then refused, whatever it asked) receives only from
// its next update on, and one that a Plivo ip_set leaves out goes -- it
// became an outbound /32 at its network's own address.
test('a range stored as outbound before the rule: never a route; updated, it receives only', async () => {
  const { execFileSync } = require('node:child_process');
  let s = await start({ keepDir: true, env: { NUMBERD_SBC_TOKEN: TOKEN } });
  const dir = s.dir;
  const sql = (q) => (PG ? psql(q, s.db) : execFileSync('sqlite3', ['-bail', s.db, q], { encoding: 'utf8' }));
  try {
    const a = await s.createAccount('legacy-range');
    const c = await ok(await s.byoc(a.api_key, 'POST', '/carriers', { body: { carrier_name: 'legacy',
      sip_gateway: { ipv4: '198.51.100.0', netmask: 24, outbound: false } } }), 201, 'carrier');
    const out = await ok(await s.byoc(a.api_key, 'POST', '/carriers', { body: { carrier_name: 'out',
      sip_gateway: { ipv4: '198.51.100.250', inbound: false, outbound: true } } }), 201, 'outbound carrier');
    await ok(await s.byoc(a.api_key, 'POST', '', { body: { number: '+14155550931', voip_carrier_sid: out.voip_carrier_sid } }), 201, 'number');
    assert.equal((await s.stop()).code, 0);
    sql(`UPDATE carrier_gateways SET outbound = (1 = 1) WHERE address = '198.51.100.0'`);
    s = await start({ dir, env: { NUMBERD_SBC_TOKEN: TOKEN } });
    const look = async () => ok(await s.admin('GET', `/sbc/v1/outbound?${new URLSearchParams({ account: a.auth_id, to: '442071838750', from: '14155550931', carrier: c.id })}`,
      undefined, { token: TOKEN }), 200, 'outbound');
    assert.ok(!(await look()).routes.some((x) => /@198\.51\.100\.0:/.test(x.uri)), 'the stored range is no route');
    // an update that asks nothing of the gateway: 200, and the range receives only
    const r = await s.byoc(a.api_key, 'PATCH', `/carriers/${c.id}`, { body: { carrier_name: 'legacy-2' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.sip_gateway.outbound, false);
    // a Plivo ip_set that leaves it out: it goes, not an outbound /32
    sql(`UPDATE carrier_gateways SET outbound = (1 = 1) WHERE address = '198.51.100.0'`);
    const pl = (await s.plivo(a, 'GET', 'IncomingCarrier/')).json.objects.find((x) => x.name === 'legacy-2');
    assert.equal((await s.plivo(a, 'POST', `IncomingCarrier/${pl.carrier_id}/`, { body: { ip_set: '203.0.113.9' } })).status, 202);
    const g = (await s.byoc(a.api_key, 'GET', `/carriers/${c.id}`)).json;
    assert.deepEqual(g.sip_gateways.map((x) => [x.ipv4, x.netmask, x.inbound, x.outbound]), [['203.0.113.9', 32, true, false]]);
  } finally {
    await s.stop();
    require('node:fs').rmSync(dir, { recursive: true, force: true });
  }
});
