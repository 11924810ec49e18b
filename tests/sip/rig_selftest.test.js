'use strict';
// RIG SELF-TEST -- not a test of numberd.
//
// Proves that the SIP rig (Kamailio with contrib/kamailio/kamailio.cfg,
// SIPp carriers on distinct 127.0.0.N sources, a SIPp application server
// checking X-Numberd-*, SIPp outbound gateways) works end to end, against a
// STUB of numberd's /sbc/v1 endpoints written below: a fixed table that
// answers the JSON of SIP.md §3-4.  Phase 2 points the same rig and the
// same scenarios at the real numberd (tests/sip/*.test.js there); this file
// then stays as the check that a rig failure is the rig's.
//
// Run: cd tests/sip && node --test rig_selftest.test.js

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');

const rig = require('./lib/rig');

const TOKEN = 'rig-selftest-sbc-token-0123456789';
const REALM = 'sbc.rig.test';
const ACCT = 'MA0000000000000000A1';
const SUB = 'SA0000000000000000S1';
const APP = '12345678901234567';

// ---- the stub: a fixed table, the verdict order of SIP.md §3 ----
const carriers = {
  'c-static': { kind: 'byoc', trunk_type: 'static_ip', name: 'static trunk', account: ACCT, gateways: ['127.0.0.2'] },
  'c-cidr': { kind: 'incoming', trunk_type: 'static_ip', name: 'cidr trunk', account: ACCT, gateways: ['127.0.0.8/29'] },
  'c-auth': { kind: 'byoc', trunk_type: 'auth', name: 'auth trunk', account: ACCT, gateways: ['127.0.0.3'],
    username: 'trunkuser', password: 'correct-horse-42' },
  'c-other': { kind: 'byoc', trunk_type: 'static_ip', name: 'other', account: 'MA0000000000000000B2', gateways: ['127.0.0.4'] },
};
const numbers = {
  14155550100: { carrier: 'c-static', account: ACCT, subaccount: null, app: APP },
  14155550101: { carrier: 'c-cidr', account: ACCT, subaccount: SUB, app: APP },
  14155550200: { carrier: 'c-auth', account: ACCT, subaccount: null, app: APP },
  14155550300: { carrier: 'c-other', account: 'MA0000000000000000B2', subaccount: null, app: null },
};

function inCidr(ip, cidr) {
  const [net, len = '32'] = cidr.split('/');
  const n = (s) => s.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
  const bits = Number(len);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((n(ip) & mask) >>> 0) === ((n(net) & mask) >>> 0);
}
const md5 = (s) => crypto.createHash('md5').update(s).digest('hex');
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');
const digits = (s) => String(s || '').replace(/^(sip:|tel:)/, '').replace(/@.*/, '').replace(/^\+|^00/, '').replace(/[^0-9]/g, '');

function inbound(q) {
  const src = q.get('src_ip');
  const matched = Object.entries(carriers).filter(([, c]) => c.gateways.some((g) => inCidr(src, g)));
  if (matched.length === 0) return { action: 'reject', sip_code: 403, reason: 'unknown source' };
  const num = numbers[digits(q.get('to'))];
  if (!num) return { action: 'reject', sip_code: 404, reason: 'number not provisioned' };
  const c = carriers[num.carrier];
  const gw = c.gateways.find((g) => inCidr(src, g));
  if (!gw) return { action: 'reject', sip_code: 403, reason: 'source not allowed for this number' };
  const carrier = { kind: c.kind, id: num.carrier, name: c.name, trunk_type: c.trunk_type };
  let auth;
  if (c.trunk_type === 'auth') {
    const realm = q.get('realm');
    const ha1 = md5(`${c.username}:${realm}:${c.password}`);
    const ha1_sha256 = sha256(`${c.username}:${realm}:${c.password}`);
    if (!q.get('auth_user')) return { action: 'challenge', realm, username: c.username, ha1, ha1_sha256, carrier, cache_ttl: 0 };
    if (q.get('auth_user') !== c.username) return { action: 'reject', sip_code: 403, reason: 'bad credentials' };
    auth = { realm, username: c.username, ha1 };
  }
  return {
    action: 'accept',
    account: { auth_id: num.account, subaccount: num.subaccount },
    number: { number: digits(q.get('to')), phone_number_sid: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0ff' },
    carrier,
    gateway: { sip_gateway_sid: '11111111-1111-4111-8111-111111111111', address: gw },
    application: num.app ? { app_id: num.app, answer_url: 'https://app.example.com/answer', answer_method: 'POST', sip_uri: null } : null,
    ...(auth ? { auth } : {}),
    cache_ttl: stub.cacheTtl,
  };
}

function outbound(q) {
  if (q.get('account') !== ACCT) return { action: 'reject', sip_code: 403, reason: 'caller id not owned' };
  const from = numbers[digits(q.get('from'))];
  if (!from || from.account !== ACCT) return { action: 'reject', sip_code: 403, reason: 'caller id not owned' };
  return {
    action: 'route',
    routes: [{ uri: `sip:+${digits(q.get('to'))}@${stub.gateway};transport=udp`,
      carrier: { kind: 'upstream', id: 'c-up', name: 'wholesale' }, gateway: { sip_gateway_sid: 'g-1' } }],
    cache_ttl: 0,
  };
}

const stub = { mode: 'ok', hits: [], cacheTtl: 0, gateway: '' };
const server = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://stub');
  stub.hits.push(u.pathname + u.search);
  if (stub.mode === 'down') { req.socket.destroy(); return; }
  if (stub.mode === '503') { res.writeHead(503, { 'content-type': 'application/json' }); res.end('{"error":"index not current"}'); return; }
  if (req.headers.authorization !== `Bearer ${TOKEN}`) { res.writeHead(401); res.end('{}'); return; }
  let body;
  if (u.pathname === '/sbc/v1/inbound') body = inbound(u.searchParams);
  else if (u.pathname === '/sbc/v1/outbound') body = outbound(u.searchParams);
  else { res.writeHead(404); res.end('{}'); return; }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
});

let kam;
let appPort;
test.before(async () => {
  rig.requireBinaries();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  appPort = await rig.freeUdpPort('127.0.0.1');
  kam = await rig.startKamailio({
    numberdUrl: `http://127.0.0.1:${server.address().port}`, token: TOKEN,
    appServer: `127.0.0.1:${appPort}`, appServerIp: '127.0.0.1', realm: REALM,
  });
});
test.after(async () => {
  if (kam) await kam.stop();
  server.closeAllConnections(); // a keep-alive socket must not hold the process open
  server.close();
});
test.beforeEach(() => { stub.mode = 'ok'; stub.hits = []; stub.cacheTtl = 0; });

// A carrier call that must reach the application server with the headers.
async function acceptedCall(label, { src, to, expect, uac = 'uac_call', au, ap }) {
  const uas = await rig.startUas('uas_app', {
    localIp: '127.0.0.1', localPort: appPort,
    set: { exp_acct: expect.account, exp_car: expect.carrier, exp_app: expect.app },
  });
  const r = await rig.runUac(uac, { target: kam.uri, localIp: src, service: to, from: '442071838750',
    account: 'MAFORGEDFORGEDFORGED', au, ap });
  const u = await uas.kill();
  assert.equal(r.code, 0, rig.explain(`${label} (carrier)`, r, kam));
  assert.equal(u.code, 0, rig.explain(`${label} (application server)`, u, kam));
  // the application server saw exactly the headers, once each
  assert.match(u.messages, new RegExp(`X-Numberd-Account: ${expect.account}\\r?\\n`));
  assert.match(u.messages, new RegExp(`X-Numberd-Carrier: ${expect.carrier}\\r?\\n`));
  assert.match(u.messages, new RegExp(`X-Numberd-Application: ${expect.app}\\r?\\n`));
  assert.doesNotMatch(u.messages, /FORGED/);
  assert.match(u.messages, /BYE sip:/, 'the call ended with a BYE through the SBC');
  return { r, u };
}

async function rejectedCall(label, { src, to, code, reason, from, account, uac }) {
  const r = await rig.runUac(uac || `uac_reject_${code}`, { target: kam.uri, localIp: src, service: to,
    from: from || '442071838750', account: account || 'none' });
  assert.equal(r.code, 0, rig.explain(label, r, kam));
  const finals = rig.receivedStatuses(r.messages).filter((s) => s.code >= 200);
  assert.deepEqual(finals.map((s) => `${s.code} ${s.reason}`), [`${code} ${reason}`], rig.explain(label, r, kam));
  return r;
}

test('rig self-test: static_ip carrier call accepted, headers checked, completes with BYE', async () => {
  await acceptedCall('accept', { src: '127.0.0.2', to: '14155550100', expect: { account: ACCT, carrier: 'c-static', app: APP } });
  const q = new URL(stub.hits[0], 'http://x').searchParams;
  assert.equal(q.get('src_ip'), '127.0.0.2');
  assert.equal(q.get('to'), '14155550100');
  assert.equal(q.get('from'), '442071838750');
  assert.equal(q.get('transport'), 'udp');
  assert.equal(q.get('realm'), REALM);
  assert.ok(q.get('call_id'));
});

test('rig self-test: CIDR gateway, a subaccount\'s number', async () => {
  const { u } = await acceptedCall('cidr', { src: '127.0.0.13', to: '+14155550101', expect: { account: ACCT, carrier: 'c-cidr', app: APP } });
  assert.match(u.messages, new RegExp(`X-Numberd-Subaccount: ${SUB}\\r?\\n`));
});

test('rig self-test: the application server refuses wrong header values (the check can fail)', async () => {
  const uas = await rig.startUas('uas_app', {
    localIp: '127.0.0.1', localPort: appPort, set: { exp_acct: 'MA9999999999999999ZZ', exp_car: 'c-static', exp_app: APP },
  });
  const r = await rig.runUac('uac_call', { target: kam.uri, localIp: '127.0.0.2', service: '14155550100', from: '1', timeoutS: 6 });
  const u = await uas.kill();
  assert.notEqual(r.code, 0, 'the carrier call must fail when the app server sees the wrong account');
  assert.match(r.messages, /488 X-Numberd mismatch/);
  assert.notEqual(u.code, 0);
});

test('rig self-test: 403 unknown source', async () => {
  await rejectedCall('unknown source', { src: '127.0.0.99', to: '14155550100', code: 403, reason: 'unknown source' });
});

test('rig self-test: 404 number not provisioned', async () => {
  await rejectedCall('unprovisioned', { src: '127.0.0.2', to: '14155559999', code: 404, reason: 'number not provisioned' });
});

test('rig self-test: 403 a number whose carrier is another', async () => {
  await rejectedCall('other carrier', { src: '127.0.0.2', to: '14155550300', code: 403, reason: 'source not allowed for this number' });
});

test('rig self-test: auth trunk, challenged, right password: accepted', async () => {
  await acceptedCall('auth ok', { src: '127.0.0.3', to: '14155550200', uac: 'uac_auth_ok', au: 'trunkuser', ap: 'correct-horse-42',
    expect: { account: ACCT, carrier: 'c-auth', app: APP } });
  // first lookup without credentials, second with the digest user
  const users = stub.hits.map((h) => new URL(h, 'http://x').searchParams.get('auth_user'));
  assert.deepEqual(users, [null, 'trunkuser']);
});

test('rig self-test: auth trunk, wrong password: 403 bad credentials', async () => {
  const r = await rig.runUac('uac_auth_bad', { target: kam.uri, localIp: '127.0.0.3', service: '14155550200', from: '1',
    au: 'trunkuser', ap: 'wrong-password-1' });
  assert.equal(r.code, 0, rig.explain('auth bad', r, kam));
  const finals = rig.receivedStatuses(r.messages).filter((s) => s.code >= 200).map((s) => `${s.code} ${s.reason}`);
  assert.equal(finals[0].split(' ')[0], '401');
  assert.equal(finals[1], '403 bad credentials');
});

test('rig self-test: auth trunk, wrong username: numberd\'s 403 bad credentials', async () => {
  const r = await rig.runUac('uac_auth_bad', { target: kam.uri, localIp: '127.0.0.3', service: '14155550200', from: '1',
    au: 'intruder', ap: 'correct-horse-42' });
  assert.equal(r.code, 0, rig.explain('auth wrong user', r, kam));
  assert.ok(stub.hits.some((h) => h.includes('auth_user=intruder')));
});

test('rig self-test: outbound with an owned caller ID goes out through numberd\'s route', async () => {
  const gwPort = await rig.freeUdpPort('127.0.0.20');
  stub.gateway = `127.0.0.20:${gwPort}`;
  const gw = await rig.startUas('uas_gw', { localIp: '127.0.0.20', localPort: gwPort, set: { exp_from: '14155550100' } });
  const r = await rig.runUac('uac_call', { target: kam.uri, localIp: '127.0.0.1', service: '+442071838750',
    from: '14155550100', account: ACCT });
  const g = await gw.kill();
  assert.equal(r.code, 0, rig.explain('outbound (app server)', r, kam));
  assert.equal(g.code, 0, rig.explain('outbound (gateway)', g, kam));
  assert.match(g.messages, /INVITE sip:\+442071838750@127\.0\.0\.20/);
  const q = new URL(stub.hits[0], 'http://x').searchParams;
  assert.equal(stub.hits[0].split('?')[0], '/sbc/v1/outbound');
  assert.equal(q.get('account'), ACCT);
  assert.equal(q.get('from'), '14155550100');
});

test('rig self-test: outbound with a spoofed caller ID: 403 caller id not owned', async () => {
  await rejectedCall('spoofed', { src: '127.0.0.1', to: '442071838750', from: '14155550300', account: ACCT,
    code: 403, reason: 'caller id not owned' });
});

test('rig self-test: numberd answers 503: the call fails closed with 503', async () => {
  stub.mode = '503';
  await rejectedCall('numberd 503', { src: '127.0.0.2', to: '14155550100', code: 503, reason: 'Service Unavailable' });
});

test('rig self-test: numberd unreachable: 503', async () => {
  stub.mode = 'down';
  await rejectedCall('numberd down', { src: '127.0.0.2', to: '14155550100', code: 503, reason: 'Service Unavailable' });
});

test('rig self-test: an accept is cached for cache_ttl (second call, no second lookup)', async () => {
  stub.cacheTtl = 30;
  const expect = { account: ACCT, carrier: 'c-cidr', app: APP };
  await acceptedCall('cache 1', { src: '127.0.0.9', to: '14155550101', expect });
  await acceptedCall('cache 2', { src: '127.0.0.9', to: '14155550101', expect });
  assert.equal(stub.hits.length, 1, `lookups: ${stub.hits.join(', ')}`);
  // another source is another key
  await acceptedCall('cache 3', { src: '127.0.0.10', to: '14155550101', expect });
  assert.equal(stub.hits.length, 2);
});
