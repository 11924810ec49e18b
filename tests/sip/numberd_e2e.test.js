'use strict';
// Issue 16 item 5: real SIP through the reference SBC against the real
// numberd.  Kamailio (contrib/kamailio/kamailio.cfg) on loopback asks numberd
// (SQLite; SBC token; --sbc-cache-ttl 0 so that a change is visible to the
// next call through Kamailio too) about every INVITE; SIPp plays the
// carriers from distinct 127.0.0.N sources, the application server
// (checking X-Numberd-*) and an upstream carrier's outbound gateway.
// Everything is provisioned through numberd's own APIs (admin, BYOC,
// Plivo): nothing is written to the database by hand.
//
// Run: cd tests/sip && NUMBERD_BIN=../../build/numberd node --test --test-concurrency=1 numberd_e2e.test.js

const test = require('node:test');
const assert = require('node:assert/strict');

const rig = require('./lib/rig');
const { start } = require('../api/lib/server');

const TOKEN = 'e2e-sbc-token-0123456789abcdef';
const REALM = 'sbc.e2e.test';
const AUTH_USER = 'trunkuser';
const AUTH_PASS = 'correct-horse-42';
const GW_USER = 'gwuser';
const GW_PASS = 'gw-pass-4711';

let srv, kam, appPort, gwPort, gwAuthPort, gwTcpPort;
const W = {}; // what was provisioned

async function ok(r, status, what) {
  assert.equal(r.status, status, `${what}: ${r.text}`);
  return r.json;
}

async function byocCarrier(key, body) {
  return ok(await srv.byoc(key, 'POST', '/carriers', { body }), 201, 'byoc carrier');
}

async function byocNumber(key, number, carrierSid) {
  return ok(await srv.byoc(key, 'POST', '', { body: { number: `+${number}`, voip_carrier_sid: carrierSid } }), 201, 'byoc number');
}

async function setNumber(acct, number, body) {
  return ok(await srv.plivo(acct, 'POST', `Number/${number}/`, { body }), 202, 'number update');
}

test.before(async () => {
  rig.requireBinaries();
  srv = await start({ env: { NUMBERD_SBC_TOKEN: TOKEN }, args: ['--sbc-cache-ttl', '0'] });
  appPort = await rig.freeUdpPort('127.0.0.1');
  gwPort = await rig.freeUdpPort('127.0.0.20');

  const A = await srv.createAccount('e2e-main');
  const B = await srv.createAccount('e2e-other');
  W.A = A;
  W.app = (await ok(await srv.plivo(A, 'POST', 'Application/',
    { body: { app_name: 'e2e', answer_url: 'https://app.example.com/answer' } }), 201, 'app')).app_id;
  const sub = async (name) => ok(await srv.plivo(A, 'POST', 'Subaccount/', { body: { name, enabled: true } }), 201, 'sub');
  W.sa1 = await sub('e2e-sa1');
  W.sa2 = await sub('e2e-sa2');

  // a static_ip BYOC carrier (inbound only: outbound calls use the upstream one)
  W.cStatic = await byocCarrier(A.api_key, { carrier_name: 'static trunk',
    sip_gateway: { ipv4: '127.0.0.2', netmask: 32, inbound: true, outbound: false } });
  await byocNumber(A.api_key, '14155550100', W.cStatic.voip_carrier_sid);
  await setNumber(A, '14155550100', { app_id: W.app });
  // a number of subaccount sa2, suspended below
  await byocNumber(A.api_key, '14155550600', W.cStatic.voip_carrier_sid);
  await setNumber(A, '14155550600', { app_id: W.app, subaccount: W.sa2.auth_id });

  // a Plivo incoming carrier with a CIDR, its number a subaccount's
  W.cCidr = (await ok(await srv.plivo(A, 'POST', 'IncomingCarrier/',
    { body: { name: 'cidr-trunk', ip_set: '127.0.0.8/29' } }), 201, 'incoming carrier')).carrier_id;
  await ok(await srv.plivo(A, 'POST', 'Number/', { body: { numbers: '14155550101', carrier: W.cCidr, region: 'California' } }), 202, 'add');
  await setNumber(A, '14155550101', { app_id: W.app, subaccount: W.sa1.auth_id });
  W.cCidrId = (await ok(await srv.plivo(A, 'GET', `IncomingCarrier/${W.cCidr}/`), 200, 'get')).carrier_id;
  W.cCidrUuid = (await ok(await srv.byoc(A.api_key, 'GET', `/carriers/${W.cCidr}`), 200, 'byoc view')).id;

  // an auth trunk
  W.cAuth = await byocCarrier(A.api_key, { carrier_name: 'auth trunk', trunk_type: 'auth',
    sip_gateway: { ipv4: '127.0.0.3', netmask: 32, inbound: true, outbound: false },
    inbound_auth: { username: AUTH_USER, password: AUTH_PASS } });
  await byocNumber(A.api_key, '14155550200', W.cAuth.voip_carrier_sid);
  await setNumber(A, '14155550200', { app_id: W.app });

  // another account's carrier and number
  W.cOther = await byocCarrier(B.api_key, { carrier_name: 'other',
    sip_gateway: { ipv4: '127.0.0.4', netmask: 32, inbound: true, outbound: false } });
  await byocNumber(B.api_key, '14155550300', W.cOther.voip_carrier_sid);

  // an upstream carrier: inventory imported (creating it), its gateways set
  // by the operator, a number bought by A
  await srv.loadCsv('number,country_iso,type,carrier\n14155550400,US,local,wholesale\n');
  W.up = await ok(await srv.admin('PATCH', '/admin/v1/carriers/wholesale', {
    sip_gateways: [{ address: '127.0.0.5' }, { address: '127.0.0.20', port: gwPort, inbound: false, outbound: true }],
  }), 200, 'upstream gateways');
  await ok(await srv.buy(A, '14155550400', { app_id: W.app }), 201, 'buy');

  // an upstream carrier whose gateway authenticates the SBC (digest); its
  // number, bought by A, is the caller ID that selects it first
  gwAuthPort = await rig.freeUdpPort('127.0.0.21');
  await srv.loadCsv('number,country_iso,type,carrier\n14155550410,US,local,authgw\n');
  W.upAuth = await ok(await srv.admin('PATCH', '/admin/v1/carriers/authgw', {
    sip_gateways: [{ address: '127.0.0.21', port: gwAuthPort, inbound: false, outbound: true }],
    outbound_auth: { username: GW_USER, password: GW_PASS, realm: 'gw.e2e.test' },
  }), 200, 'upstream gateway with credentials');
  await ok(await srv.buy(A, '14155550410', { app_id: W.app }), 201, 'buy');

  // an upstream carrier whose gateway takes calls over TCP
  gwTcpPort = await rig.freeTcpPort('127.0.0.22');
  await srv.loadCsv('number,country_iso,type,carrier\n14155550420,US,local,tcpgw\n');
  W.upTcp = await ok(await srv.admin('PATCH', '/admin/v1/carriers/tcpgw', {
    sip_gateways: [{ address: '127.0.0.22', port: gwTcpPort, inbound: false, outbound: true, transport: 'tcp' }],
  }), 200, 'upstream TCP gateway');
  await ok(await srv.buy(A, '14155550420', { app_id: W.app }), 201, 'buy');

  kam = await rig.startKamailio({ numberdUrl: srv.base, token: TOKEN, appServer: `127.0.0.1:${appPort}`,
    appServerIp: '127.0.0.1', realm: REALM, tcp: true });
});

test.after(async () => {
  if (kam) await kam.stop();
  if (srv) {
    const { code } = await srv.stop();
    assert.equal(code, 0);
  }
});

async function acceptedCall(label, { src, to, expect, uac = 'uac_call', au, ap, tcp }) {
  const uas = await rig.startUas('uas_app', {
    localIp: '127.0.0.1', localPort: appPort,
    set: { exp_acct: expect.account, exp_car: expect.carrier, exp_app: expect.app },
  });
  const r = await rig.runUac(uac, { target: kam.uri, localIp: src, service: to, from: '442071838750',
    account: 'MAFORGEDFORGEDFORGED', au, ap, tcp });
  const u = await uas.kill();
  assert.equal(r.code, 0, rig.explain(`${label} (carrier)`, r, kam));
  assert.equal(u.code, 0, rig.explain(`${label} (application server)`, u, kam));
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

test('a static_ip carrier\'s call to its number: accepted, headers right, completes with BYE', async () => {
  await acceptedCall('static', { src: '127.0.0.2', to: '14155550100',
    expect: { account: W.A.auth_id, carrier: W.cStatic.id, app: W.app } });
});

test('a CIDR gateway (Plivo ip_set 127.0.0.8/29), a subaccount\'s number', async () => {
  const { u } = await acceptedCall('cidr', { src: '127.0.0.13', to: '+14155550101',
    expect: { account: W.A.auth_id, carrier: W.cCidrUuid, app: W.app } });
  assert.match(u.messages, new RegExp(`X-Numberd-Subaccount: ${W.sa1.auth_id}\\r?\\n`));
});

test('SIP.md §1: the lookups name each carrier\'s kind: incoming (Plivo IncomingCarrier), byoc, upstream', async () => {
  const kind = async (src, to) => {
    const r = await fetch(`${srv.base}/sbc/v1/inbound?src_ip=${src}&to=${to}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 200);
    const j = await r.json();
    assert.equal(j.action, 'accept', JSON.stringify(j));
    return j.carrier.kind;
  };
  assert.equal(await kind('127.0.0.13', '14155550101'), 'incoming');
  assert.equal(await kind('127.0.0.2', '14155550100'), 'byoc');
  assert.equal(await kind('127.0.0.5', '14155550400'), 'upstream');
  // the outbound route names the kind too (the upstream carrier's gateway)
  const o = await (await fetch(`${srv.base}/sbc/v1/outbound?account=${W.A.auth_id}&to=442071838750&from=14155550100`,
    { headers: { Authorization: `Bearer ${TOKEN}` } })).json();
  assert.equal(o.routes[0].carrier.kind, 'upstream', JSON.stringify(o));
});

test('an unknown source: 403 unknown source', async () => {
  await rejectedCall('unknown source', { src: '127.0.0.99', to: '14155550100', code: 403, reason: 'unknown source' });
});

test('an unprovisioned number: 404', async () => {
  await rejectedCall('unprovisioned', { src: '127.0.0.2', to: '14155559999', code: 404, reason: 'number not provisioned' });
});

test('a number whose carrier is another: 403', async () => {
  await rejectedCall('other carrier', { src: '127.0.0.2', to: '14155550300', code: 403,
    reason: 'source not allowed for this number' });
});

test('an auth trunk with the right password: challenged, then accepted', async () => {
  await acceptedCall('auth ok', { src: '127.0.0.3', to: '14155550200', uac: 'uac_auth_ok', au: AUTH_USER, ap: AUTH_PASS,
    expect: { account: W.A.auth_id, carrier: W.cAuth.id, app: W.app } });
});

test('an auth trunk with the wrong password: 401, then 403 (Kamailio checks the HA1 numberd gave)', async () => {
  const r = await rig.runUac('uac_auth_bad', { target: kam.uri, localIp: '127.0.0.3', service: '14155550200', from: '1',
    au: AUTH_USER, ap: 'wrong-password-1' });
  assert.equal(r.code, 0, rig.explain('auth bad', r, kam));
  const finals = rig.receivedStatuses(r.messages).filter((s) => s.code >= 200).map((s) => `${s.code} ${s.reason}`);
  assert.equal(finals[0].split(' ')[0], '401');
  assert.equal(finals[1].split(' ')[0], '403', finals.join(', '));
});

test('an auth trunk with the wrong username: numberd\'s 403 bad credentials', async () => {
  const r = await rig.runUac('uac_auth_bad', { target: kam.uri, localIp: '127.0.0.3', service: '14155550200', from: '1',
    au: 'intruder', ap: AUTH_PASS });
  assert.equal(r.code, 0, rig.explain('auth wrong user', r, kam));
  const finals = rig.receivedStatuses(r.messages).filter((s) => s.code >= 200).map((s) => `${s.code} ${s.reason}`);
  assert.equal(finals[1], '403 bad credentials');
});

test('an upstream carrier\'s call to a bought number', async () => {
  await acceptedCall('upstream', { src: '127.0.0.5', to: '14155550400',
    expect: { account: W.A.auth_id, carrier: W.up.id, app: W.app } });
});

test('outbound with an owned caller ID goes out through the upstream carrier\'s gateway', async () => {
  const gw = await rig.startUas('uas_gw', { localIp: '127.0.0.20', localPort: gwPort, set: { exp_from: '14155550100' } });
  const r = await rig.runUac('uac_call', { target: kam.uri, localIp: '127.0.0.1', service: '+442071838750',
    from: '14155550100', account: W.A.auth_id });
  const g = await gw.kill();
  assert.equal(r.code, 0, rig.explain('outbound (app server)', r, kam));
  assert.equal(g.code, 0, rig.explain('outbound (gateway)', g, kam));
  assert.match(g.messages, new RegExp(`INVITE sip:\\+442071838750@127\\.0\\.0\\.20:${gwPort}`));
});

// The SIP messages of a SIPp message log (-trace_msg), each with whether
// it was received or sent.
function sippMessages(log) {
  return log.split(/^-{20,}.*$/m).map((chunk) => {
    const m = /^(?:UDP|TCP) message (received|sent) \[\d+\] bytes :\s*\n([\s\S]*)$/m.exec(chunk.trim());
    return m ? { dir: m[1], text: m[2].trim() } : null;
  }).filter(Boolean);
}
const cseqOf = (text) => Number(/^CSeq:\s*(\d+)/mi.exec(text)[1]);

// Found by a helper's audit (session 37): the reference SBC ignored
// routes[].auth, so a carrier that authenticates its customers' INVITEs
// (most wholesale carriers) got every outbound call's 401 sent back to the
// application server.  Now the SBC answers the challenge with numberd's
// HA1, once, and the caller's later CSeqs follow the re-sent INVITE's.
test('outbound to a gateway that challenges: answered with numberd\'s HA1, the call completes; ACK and BYE CSeqs follow', async () => {
  const gw = await rig.startUas('uas_gw_auth', { localIp: '127.0.0.21', localPort: gwAuthPort,
    set: { gw_user: GW_USER, gw_pass: GW_PASS } });
  const r = await rig.runUac('uac_call', { target: kam.uri, localIp: '127.0.0.1', service: '+442071838750',
    from: '14155550410', account: W.A.auth_id });
  const g = await gw.kill();
  assert.equal(r.code, 0, rig.explain('outbound (app server)', r, kam));
  assert.equal(g.code, 0, rig.explain('outbound (gateway)', g, kam));
  const got = sippMessages(g.messages).filter((m) => m.dir === 'received');
  const invites = got.filter((m) => /^INVITE /.test(m.text));
  assert.equal(invites.length, 2, rig.explain('two INVITEs at the gateway', g, kam));
  assert.doesNotMatch(invites[0].text, /^Authorization:/mi);
  const auth = /^Authorization:\s*Digest (.*)$/mi.exec(invites[1].text);
  assert.ok(auth, `no credentials in the second INVITE:\n${invites[1].text}`);
  assert.match(auth[1], new RegExp(`username="${GW_USER}"`));
  assert.match(auth[1], /realm="gw\.e2e\.test"/);
  assert.ok(!g.messages.includes(GW_PASS), 'the password never travels');
  assert.ok(cseqOf(invites[1].text) > cseqOf(invites[0].text), 'the re-sent INVITE takes a new CSeq');
  const ack = got.filter((m) => /^ACK /.test(m.text)).pop();
  const bye = got.find((m) => /^BYE /.test(m.text));
  assert.ok(ack && bye, rig.explain('ACK and BYE at the gateway', g, kam));
  assert.equal(cseqOf(ack.text), cseqOf(invites[1].text), 'the 2xx ACK carries the INVITE\'s CSeq');
  assert.ok(cseqOf(bye.text) > cseqOf(invites[1].text), `BYE's CSeq ${cseqOf(bye.text)} after the INVITE's ${cseqOf(invites[1].text)}`);
});

test('outbound to a gateway that refuses the SBC\'s credentials: answered once, its second 401 goes back, no loop', async () => {
  const gw = await rig.startUas('uas_gw_auth', { localIp: '127.0.0.21', localPort: gwAuthPort,
    set: { gw_user: GW_USER, gw_pass: 'not-the-password' } });
  await rejectedCall('refused credentials', { src: '127.0.0.1', to: '442071838750', from: '14155550410',
    account: W.A.auth_id, code: 401, reason: 'Unauthorized' });
  const g = await gw.kill();
  assert.equal(g.code, 0, rig.explain('gateway', g, kam));
  const invites = sippMessages(g.messages).filter((m) => m.dir === 'received' && /^INVITE /.test(m.text));
  assert.equal(invites.length, 2, 'one answer to the challenge, not a loop');
});

// The reference SBC listened on UDP only: a carrier sending over TCP
// reached nothing, and a route to a gateway of transport=tcp (which
// numberd's answers carry) could not be sent.  SBC_LISTEN_TCP adds a TCP
// socket; Record-Route (double, one per side) keeps each side's transport.
test('over TCP: an outbound call to a transport=tcp gateway, and a carrier\'s inbound call over TCP', async () => {
  const gw = await rig.startUas('uas_gw', { localIp: '127.0.0.22', localPort: gwTcpPort, tcp: true,
    set: { exp_from: '14155550420' } });
  const r = await rig.runUac('uac_call', { target: kam.uri, localIp: '127.0.0.1', service: '+442071838750',
    from: '14155550420', account: W.A.auth_id });
  const g = await gw.kill();
  assert.equal(r.code, 0, rig.explain('outbound over TCP (app server)', r, kam));
  assert.equal(g.code, 0, rig.explain('outbound over TCP (gateway)', g, kam));
  assert.match(g.messages, /TCP message received/);
  assert.match(g.messages, new RegExp(`INVITE sip:\\+442071838750@127\\.0\\.0\\.22:${gwTcpPort};transport=tcp`));
  assert.match(g.messages, /^BYE /m, 'the BYE reached the gateway over TCP');
  // a CIDR carrier's call over TCP, to the application server over UDP
  const { r: c } = await acceptedCall('inbound over TCP', { src: '127.0.0.10', to: '14155550101', tcp: true,
    expect: { account: W.A.auth_id, carrier: W.cCidrUuid, app: W.app } });
  assert.match(c.messages, /TCP message sent/);
});

// Before: a route that could not be sent (here a transport=tcp gateway,
// the SBC with no TCP socket) answered the call with an error at once,
// whatever routes numberd gave after it.  Now it is skipped and logged.
test('a route the SBC cannot send to (TCP gateway, no TCP socket): skipped, the call takes the next route', async () => {
  const kamUdp = await rig.startKamailio({ numberdUrl: srv.base, token: TOKEN, appServer: `127.0.0.1:${appPort}`,
    appServerIp: '127.0.0.1', realm: REALM });
  try {
    // the caller ID's carrier (tcpgw) leads; the upstream carriers follow,
    // wholesale's UDP gateway among them
    const gw = await rig.startUas('uas_gw', { localIp: '127.0.0.20', localPort: gwPort, set: { exp_from: '14155550420' } });
    const r = await rig.runUac('uac_call', { target: kamUdp.uri, localIp: '127.0.0.1', service: '+442071838750',
      from: '14155550420', account: W.A.auth_id });
    const g = await gw.kill();
    assert.equal(r.code, 0, rig.explain('outbound (app server)', r, kamUdp));
    assert.equal(g.code, 0, rig.explain('outbound (next route\'s gateway)', g, kamUdp));
    assert.match(kamUdp.log(), /cannot send to sip:\+442071838750@127\.0\.0\.22:\d+;transport=tcp/);
  } finally {
    await kamUdp.stop();
  }
});

test('outbound with a spoofed caller ID: 403 caller id not owned', async () => {
  await rejectedCall('spoofed', { src: '127.0.0.1', to: '442071838750', from: '14155550300', account: W.A.auth_id,
    code: 403, reason: 'caller id not owned' });
});

// Session 40: a destination that is no E.164 number reached the caller as
// 503 (numberd answered 400); it is numberd's reject, passed on as it is.
test('outbound to a number that is no E.164 number (911): 484 to not an E.164 number', async () => {
  await rejectedCall('911', { src: '127.0.0.1', to: '911', from: '14155550420', account: W.A.auth_id,
    code: 484, reason: 'to not an E.164 number' });
});

test('a suspended (disabled) subaccount\'s number: 403 account suspended', async () => {
  await acceptedCall('before', { src: '127.0.0.2', to: '14155550600',
    expect: { account: W.A.auth_id, carrier: W.cStatic.id, app: W.app } });
  await ok(await srv.plivo(W.A, 'POST', `Subaccount/${W.sa2.auth_id}/`, { body: { enabled: false } }), 202, 'disable');
  await rejectedCall('suspended', { src: '127.0.0.2', to: '14155550600', code: 403, reason: 'account suspended' });
});

test('changes are visible to the next call, nothing restarted: a gateway edited, a number unrented', async () => {
  await ok(await srv.byoc(W.A.api_key, 'PATCH', `/carriers/${W.cStatic.id}`,
    { body: { sip_gateway: { ipv4: '127.0.0.30' } } }), 200, 'edit gateway');
  await rejectedCall('old gateway', { src: '127.0.0.2', to: '14155550100', code: 403, reason: 'unknown source' });
  await acceptedCall('new gateway', { src: '127.0.0.30', to: '14155550100',
    expect: { account: W.A.auth_id, carrier: W.cStatic.id, app: W.app } });
  assert.equal((await srv.plivo(W.A, 'DELETE', 'Number/14155550400/')).status, 204);
  await rejectedCall('unrented', { src: '127.0.0.5', to: '14155550400', code: 404, reason: 'number not provisioned' });
});

// Found by a helper's audit (session 37): anything with a To tag and a
// Route header was relayed by loose_route() wherever its Request-URI said,
// without a lookup -- an open relay on the SBC's trusted address; and a
// retransmission of an INVITE whose lookup had failed could route the call
// later.  In-dialog requests are relayed only within a dialog the SBC set
// up; anything else gets 481.
test('a forged in-dialog INVITE (To tag, Route at the SBC, Request-URI at a gateway): 481, nothing relayed', async () => {
  const dgram = require('node:dgram');
  const gw = dgram.createSocket('udp4');
  const atGw = [];
  gw.on('message', (b) => atGw.push(b.toString('latin1')));
  await new Promise((r) => gw.bind(0, '127.0.0.21', r));
  const me = dgram.createSocket('udp4');
  const got = [];
  me.on('message', (b) => got.push(b.toString('latin1')));
  await new Promise((r) => me.bind(0, '127.0.0.22', r));
  try {
    const gwUri = `sip:+19005550000@127.0.0.21:${gw.address().port}`;
    const msg = [`INVITE ${gwUri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.22:${me.address().port};branch=z9hG4bKforged${Date.now()}`,
      'Max-Forwards: 70', `Route: <sip:${kam.uri};lr>`,
      'From: <sip:442071838750@127.0.0.22>;tag=forger', 'To: <sip:19005550000@127.0.0.21>;tag=notadialog',
      `Call-ID: forged-${Date.now()}@127.0.0.22`, 'CSeq: 2 INVITE', `Contact: <sip:x@127.0.0.22:${me.address().port}>`,
      'X-Numberd-Account: MAFORGEDFORGEDFORGED', 'Content-Length: 0', '', ''].join('\r\n');
    me.send(Buffer.from(msg), kam.port, kam.host);
    for (let i = 0; i < 30 && !got.some((m) => /^SIP\/2\.0 [2-6]/.test(m)); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(got.some((m) => /^SIP\/2\.0 481 /.test(m)), `answers: ${got.map((m) => m.split('\r\n')[0]).join(', ')}`);
    assert.deepEqual(atGw, [], 'the SBC relayed a forged in-dialog request to the gateway');
  } finally {
    gw.close();
    me.close();
  }
});

// Found by a helper's audit (session 37): a digest answer captured from one
// call authenticated new calls (other Call-IDs, other numbers) for the
// nonce's 60 s.  Nonces are one-time now: the replay is challenged again.
test('an auth trunk\'s credentials replayed on a new call: challenged again, not forwarded', async () => {
  const dgram = require('node:dgram');
  const crypto = require('node:crypto');
  const md5 = (x) => crypto.createHash('md5').update(x).digest('hex');
  const app = dgram.createSocket('udp4');
  const atApp = [];
  // the calls that reached the application server, by Call-ID (the SBC
  // retransmits an INVITE nobody answers)
  app.on('message', (b) => {
    const m = b.toString('latin1');
    const id = (/^Call-ID:\s*(.*)$/im.exec(m) || [])[1];
    if (m.startsWith('INVITE') && !atApp.includes(id)) atApp.push(id);
  });
  await new Promise((r) => app.bind(appPort, '127.0.0.1', r));
  const me = dgram.createSocket('udp4');
  const got = [];
  me.on('message', (b) => got.push(b.toString('latin1')));
  await new Promise((r) => me.bind(0, '127.0.0.3', r));
  const uri = `sip:14155550200@${kam.uri}`;
  const invite = (callId, auth) => [`INVITE ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.3:${me.address().port};branch=z9hG4bK${crypto.randomBytes(6).toString('hex')}`,
    'Max-Forwards: 70', 'From: <sip:442071838750@127.0.0.3>;tag=t1', 'To: <sip:14155550200@127.0.0.1>',
    `Call-ID: ${callId}`, 'CSeq: 1 INVITE', `Contact: <sip:c@127.0.0.3:${me.address().port}>`,
    ...(auth ? [`Authorization: ${auth}`] : []), 'Content-Length: 0', '', ''].join('\r\n');
  const final = async (n) => {
    for (let i = 0; i < 40; i++) {
      const f = got.filter((m) => /^SIP\/2\.0 [2-6]/.test(m));
      if (f.length >= n) return f[n - 1];
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  };
  try {
    me.send(Buffer.from(invite('replay-1@e2e')), kam.port, kam.host);
    const ch = await final(1);
    assert.match(ch || '', /^SIP\/2\.0 401 /, ch);
    const nonce = /nonce="([^"]+)"/.exec(ch)[1];
    const ha1 = md5(`${AUTH_USER}:${REALM}:${AUTH_PASS}`);
    const auth = `Digest username="${AUTH_USER}", realm="${REALM}", nonce="${nonce}", uri="${uri}", ` +
      `response="${md5(`${ha1}:${nonce}:${md5(`INVITE:${uri}`)}`)}", algorithm=MD5`;
    me.send(Buffer.from(invite('replay-1@e2e', auth)), kam.port, kam.host);
    for (let i = 0; i < 30 && atApp.length < 1; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(atApp.length, 1, 'the genuine answer is forwarded');
    // the same Authorization on a new call
    me.send(Buffer.from(invite('replay-2@e2e', auth)), kam.port, kam.host);
    const again = await final(2);
    await new Promise((r) => setTimeout(r, 500));
    assert.match(again || '', /^SIP\/2\.0 401 /, again);
    assert.equal(atApp.length, 1, `a replayed answer was forwarded to the application server: ${atApp.join(', ')}`);
  } finally {
    app.close();
    me.close();
  }
});

// Found by a helper's audit (session 37): X-Numberd-* headers were removed
// from a carrier's first INVITE only; a re-INVITE within the call carried
// a forged X-Numberd-Account to the application server.
test('a carrier\'s re-INVITE within a call: its X-Numberd-* headers never reach the application server', async () => {
  const dgram = require('node:dgram');
  const crypto = require('node:crypto');
  // a carrier and a number of its own (the tests above edit theirs)
  const c = await byocCarrier(W.A.api_key, { carrier_name: 're-invite trunk',
    sip_gateway: { ipv4: '127.0.0.23', netmask: 32, inbound: true, outbound: false } });
  await byocNumber(W.A.api_key, '14155550700', c.voip_carrier_sid);
  await setNumber(W.A, '14155550700', { app_id: W.app });
  const hdr = (m, n) => (new RegExp(`^${n}\\s*:\\s*(.*)$`, 'im').exec(m) || [])[1];
  const all = (m, n) => [...m.matchAll(new RegExp(`^${n}\\s*:\\s*(.*)$`, 'gim'))].map((x) => x[1].trim());
  const app = dgram.createSocket('udp4');
  const atApp = [];
  app.on('message', (b, rinfo) => {
    const m = b.toString('latin1');
    atApp.push(m);
    if (!/^INVITE /.test(m)) return;
    // the application server answers every INVITE 200, with its tag
    const to = hdr(m, 'To');
    const out = ['SIP/2.0 200 OK', ...all(m, 'Via').map((v) => `Via: ${v}`),
      ...all(m, 'Record-Route').map((v) => `Record-Route: ${v}`), `From: ${hdr(m, 'From')}`,
      `To: ${/;tag=/.test(to) ? to : `${to};tag=app1`}`, `Call-ID: ${hdr(m, 'Call-ID')}`, `CSeq: ${hdr(m, 'CSeq')}`,
      `Contact: <sip:app@127.0.0.1:${appPort}>`, 'Content-Length: 0', '', ''].join('\r\n');
    app.send(Buffer.from(out), rinfo.port, rinfo.address);
  });
  await new Promise((r) => app.bind(appPort, '127.0.0.1', r));
  const me = dgram.createSocket('udp4');
  const got = [];
  me.on('message', (b) => got.push(b.toString('latin1')));
  await new Promise((r) => me.bind(0, '127.0.0.23', r));
  const port = () => me.address().port;
  const callId = `reinvite-${Date.now()}@127.0.0.23`;
  const via = () => `Via: SIP/2.0/UDP 127.0.0.23:${port()};branch=z9hG4bK${crypto.randomBytes(6).toString('hex')}`;
  const wait = async (pred) => {
    for (let i = 0; i < 50; i++) { const m = got.find(pred); if (m) return m; await new Promise((r) => setTimeout(r, 100)); }
    return null;
  };
  try {
    me.send(Buffer.from([`INVITE sip:14155550700@${kam.uri} SIP/2.0`, via(), 'Max-Forwards: 70',
      'From: <sip:442071838750@127.0.0.23>;tag=car1', 'To: <sip:14155550700@127.0.0.1>', `Call-ID: ${callId}`,
      'CSeq: 1 INVITE', `Contact: <sip:c@127.0.0.23:${port()}>`, 'Content-Length: 0', '', ''].join('\r\n')), kam.port, kam.host);
    const ok = await wait((m) => /^SIP\/2\.0 200 /.test(m) && / INVITE/.test(hdr(m, 'CSeq')));
    assert.ok(ok, `no 200: ${got.map((m) => m.split('\r\n')[0]).join(', ')}\n${kam.log().slice(-1500)}`);
    // the dialog: route set from the Record-Route (reversed), target the Contact
    const routes = all(ok, 'Record-Route').reverse().map((r) => `Route: ${r}`);
    const target = /<([^>]+)>/.exec(hdr(ok, 'Contact'))[1];
    const inDialog = (method, cseq, extra = []) => [`${method} ${target} SIP/2.0`, via(), 'Max-Forwards: 70', ...routes,
      'From: <sip:442071838750@127.0.0.23>;tag=car1', `To: ${hdr(ok, 'To')}`, `Call-ID: ${callId}`, `CSeq: ${cseq} ${method}`,
      `Contact: <sip:c@127.0.0.23:${port()}>`, ...extra, 'Content-Length: 0', '', ''].join('\r\n');
    me.send(Buffer.from(inDialog('ACK', 1)), kam.port, kam.host);
    me.send(Buffer.from(inDialog('INVITE', 2, ['X-Numberd-Account: MAFORGEDFORGEDFORGED',
      'X-Numberd-Application: forged-app'])), kam.port, kam.host);
    let re = null;
    for (let i = 0; i < 50 && !re; i++) {
      re = atApp.find((m) => /^INVITE /.test(m) && /^2 INVITE/.test(hdr(m, 'CSeq') || ''));
      if (!re) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(re, `the re-INVITE never reached the application server\n${kam.log().slice(-1500)}`);
    assert.doesNotMatch(re, /FORGED|forged-app/i, 'forged X-Numberd-* headers reached the application server');
    me.send(Buffer.from(inDialog('BYE', 3)), kam.port, kam.host);
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    app.close();
    me.close();
  }
});

// Session 37 made an INVITE a transaction from its arrival (t_newtran);
// untested until now: a carrier's retransmission that arrives while
// numberd is still being asked was a lookup of its own on another worker
// (and, had the first failed, a call of its own).  numberd is made slow
// here by a proxy in front of it that holds each lookup 1 s.
test('an INVITE retransmitted during a slow lookup: one lookup, one call at the application server', async () => {
  const dgram = require('node:dgram');
  const http = require('node:http');
  const c = await byocCarrier(W.A.api_key, { carrier_name: 'retransmitting trunk',
    sip_gateway: { ipv4: '127.0.0.24', netmask: 32, inbound: true, outbound: false } });
  await byocNumber(W.A.api_key, '14155550710', c.voip_carrier_sid);
  await setNumber(W.A, '14155550710', { app_id: W.app });
  let lookups = 0;
  const proxy = http.createServer((req, res) => {
    if (req.url.startsWith('/sbc/v1/inbound')) lookups++;
    setTimeout(async () => {
      try {
        const r = await fetch(srv.base + req.url, { headers: { authorization: req.headers.authorization || '' } });
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') || 'application/json' });
        res.end(await r.text());
      } catch (e) { res.writeHead(502); res.end(String(e)); }
    }, 1000); // well inside the SBC's HTTP_TIMEOUT (2 s), loaded or not
  });
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
  const port2 = await rig.freeUdpPort('127.0.0.1');
  const app = dgram.createSocket('udp4');
  const branches = new Set();
  const hdr = (m, n) => (new RegExp(`^${n}\\s*:\\s*(.*)$`, 'im').exec(m) || [])[1];
  const all = (m, n) => [...m.matchAll(new RegExp(`^${n}\\s*:\\s*(.*)$`, 'gim'))].map((x) => x[1].trim());
  app.on('message', (b, rinfo) => {
    const m = b.toString('latin1');
    if (!/^INVITE /.test(m)) return;
    branches.add(/branch=([^;,\s]+)/.exec(hdr(m, 'Via'))[1]);
    const to = hdr(m, 'To');
    app.send(Buffer.from(['SIP/2.0 200 OK', ...all(m, 'Via').map((v) => `Via: ${v}`),
      ...all(m, 'Record-Route').map((v) => `Record-Route: ${v}`), `From: ${hdr(m, 'From')}`,
      `To: ${/;tag=/.test(to) ? to : `${to};tag=app2`}`, `Call-ID: ${hdr(m, 'Call-ID')}`, `CSeq: ${hdr(m, 'CSeq')}`,
      `Contact: <sip:app@127.0.0.1:${port2}>`, 'Content-Length: 0', '', ''].join('\r\n')), rinfo.port, rinfo.address);
  });
  await new Promise((r) => app.bind(port2, '127.0.0.1', r));
  const kam2 = await rig.startKamailio({ numberdUrl: `http://127.0.0.1:${proxy.address().port}`, token: TOKEN,
    appServer: `127.0.0.1:${port2}`, appServerIp: '127.0.0.1', realm: REALM });
  const me = dgram.createSocket('udp4');
  const got = [];
  me.on('message', (b) => got.push(b.toString('latin1')));
  await new Promise((r) => me.bind(0, '127.0.0.24', r));
  try {
    const p = me.address().port;
    const invite = Buffer.from([`INVITE sip:14155550710@${kam2.uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.24:${p};branch=z9hG4bKretrans${Date.now()}`, 'Max-Forwards: 70',
      'From: <sip:442071838750@127.0.0.24>;tag=car2', 'To: <sip:14155550710@127.0.0.1>',
      `Call-ID: retrans-${Date.now()}@127.0.0.24`, 'CSeq: 1 INVITE', `Contact: <sip:c@127.0.0.24:${p}>`,
      'Content-Length: 0', '', ''].join('\r\n'));
    // the first send and two retransmissions (RFC 3261 timer A: 500 ms,
    // sooner here), all while the lookup is held
    for (const at of [0, 300, 400]) {
      await new Promise((r) => setTimeout(r, at));
      me.send(invite, kam2.port, kam2.host);
    }
    let ok = null;
    for (let i = 0; i < 60 && !ok; i++) {
      ok = got.find((m) => /^SIP\/2\.0 200 /.test(m));
      if (!ok) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(ok, `no 200: ${got.map((m) => m.split('\r\n')[0]).join(', ')}\n${kam2.log().slice(-1500)}`);
    await new Promise((r) => setTimeout(r, 1500)); // a second lookup, had there been one, has answered
    assert.equal(lookups, 1, `numberd asked ${lookups} times for one INVITE`);
    assert.equal(branches.size, 1, `${branches.size} calls reached the application server`);
  } finally {
    me.close();
    app.close();
    await kam2.stop();
    proxy.closeAllConnections();
    await new Promise((r) => proxy.close(r));
  }
});
