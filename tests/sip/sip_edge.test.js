'use strict';
// Issues 16 + 17 where they meet, with real SIP, on two numberd nodes on one
// database (PostgreSQL when NUMBERD_TEST_PG is set, else two processes on
// one SQLite file):
//   - node A runs the registration client and the OPTIONS prober
//     (--sip-listen); node B does not, and answers every SBC lookup:
//     Kamailio (contrib/kamailio/kamailio.cfg) asks node B.  So whatever A
//     learns over SIP reaches B's index only through the stored state and
//     the change feed (triggers of migration 0011_sip_edge / 0010_sip_edge).
//   - SIP.md §3: a registered `reg` trunk's registrar address is an inbound
//     gateway of that carrier: an INVITE from the registrar (SIPp -i on the
//     registrar's 127.0.0.N) is accepted and reaches the application server
//     with the carrier's X-Numberd-Carrier; another address gets 403.
//   - SIP.md §4, §6: a gateway that stops answering OPTIONS goes down after
//     3 misses, is left out of /sbc/v1/outbound (none left: 503 no route),
//     and comes back when it answers again; its state shows on the gateway
//     in the BYOC, Plivo and admin dialects and in /metrics.
//
// Run: cd tests/sip && NUMBERD_BIN=../../build/numberd [NUMBERD_TEST_PG=… NUMBERD_TEST_PSQL=…] \
//        node --test --test-concurrency=1 sip_edge.test.js

process.env.NUMBERD_METRICS_OPEN = '1';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');

const rig = require('./lib/rig');
const { startRegistrar } = require('./lib/registrar');
const { start, PG, psql } = require('../api/lib/server');

const TOKEN = 'sip-edge-sbc-token-0123456789';
const REG_IP = '127.0.0.50';     // the reg trunk's registrar (Kamailio)
const GW_IP = '127.0.0.52';      // a probed outbound gateway (SIPp answering OPTIONS)
let A, B, kam, registrar, appPort;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function ok(r, status, what) {
  assert.equal(r.status, status, `${what}: ${r.text}`);
  return r.json;
}

async function until(what, fn, ms = 8000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function sbc(node, p) {
  const r = await fetch(`${node.base}/sbc/v1/${p}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.equal(r.status, 200, `${p}: ${r.status}`);
  return r.json();
}

test.before(async () => {
  rig.requireBinaries();
  const env = { NUMBERD_SBC_TOKEN: TOKEN, NUMBERD_SIP_T1_MS: '50' };
  registrar = await startRegistrar(REG_IP, {});
  A = await start({ keepDir: true, env, args: ['--sbc-cache-ttl', '0', '--sip-listen', '127.0.0.1:0'] });
  B = await start({ dir: A.dir, env, args: ['--sbc-cache-ttl', '0'] });
  appPort = await rig.freeUdpPort('127.0.0.1');
  kam = await rig.startKamailio({ numberdUrl: B.base, token: TOKEN, appServer: `127.0.0.1:${appPort}`,
    appServerIp: '127.0.0.1', realm: 'sbc.edge.test' });
});

test.after(async () => {
  if (kam) await kam.stop();
  const dir = A && A.dir;
  if (B) assert.equal((await B.stop()).code, 0);
  if (A) assert.equal((await A.stop()).code, 0);
  if (registrar) await registrar.stop();
  if (PG && A) psql(`DROP DATABASE IF EXISTS ${A.db.replace(/^.*\//, '')} WITH (FORCE)`);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test(`a registered reg trunk's registrar is its inbound gateway, on the node that did not register (${PG ? 'PostgreSQL' : 'SQLite, two processes'})`, async () => {
  const acct = await A.createAccount('edge-reg');
  const app = (await ok(await A.plivo(acct, 'POST', 'Application/',
    { body: { app_name: 'edge', answer_url: 'https://app.example.com/answer' } }), 201, 'app')).app_id;
  // outbound only: the registrar's address is no inbound gateway of its own
  const c = await ok(await A.byoc(acct.api_key, 'POST', '/carriers', { body: {
    carrier_name: 'reg trunk', trunk_type: 'reg',
    sip_gateway: { ipv4: REG_IP, port: registrar.port, inbound: false, outbound: true },
    registration: { username: 'edgeuser', password: 'Right-Pass-4711', sip_realm: 'example.com' } } }), 201, 'reg carrier');
  const n = '14155551700';
  await ok(await A.byoc(acct.api_key, 'POST', '', { body: { number: `+${n}`, voip_carrier_sid: c.voip_carrier_sid } }), 201, 'number');
  await ok(await A.plivo(acct, 'POST', `Number/${n}/`, { body: { app_id: app } }), 202, 'app link');

  // node B shows the stored state, and its index takes the registrar in
  await until('registered (seen on node B)', async () => {
    const r = await ok(await B.byoc(acct.api_key, 'GET', `/carriers/${c.id}`), 200, 'get');
    return r.registration_status && r.registration_status.state === 'registered';
  });
  const t0 = Date.now();
  const v = await until('the registrar accepted by node B\'s lookup', async () => {
    const x = await sbc(B, `inbound?src_ip=${REG_IP}&to=${n}`);
    return x.action === 'accept' ? x : null;
  }, 3000);
  console.log(`# registrar address in node B's index ${Date.now() - t0} ms after B showed "registered"`);
  assert.equal(v.carrier.id, c.id);
  assert.equal(v.carrier.trunk_type, 'reg');
  assert.equal(v.gateway.sip_gateway_sid, null, 'a registrar address has no gateway sid');

  // through Kamailio: from the registrar's address, accepted with the right headers
  const uas = await rig.startUas('uas_app', { localIp: '127.0.0.1', localPort: appPort,
    set: { exp_acct: acct.auth_id, exp_car: c.id, exp_app: app } });
  const r = await rig.runUac('uac_call', { target: kam.uri, localIp: REG_IP, service: n, from: '442071838750' });
  const u = await uas.kill();
  assert.equal(r.code, 0, rig.explain('from the registrar (carrier)', r, kam));
  assert.equal(u.code, 0, rig.explain('from the registrar (application server)', u, kam));
  assert.match(u.messages, new RegExp(`X-Numberd-Carrier: ${c.id}\\r?\\n`));
  assert.match(u.messages, new RegExp(`X-Numberd-Account: ${acct.auth_id}\\r?\\n`));

  // from another address: 403
  const bad = await rig.runUac('uac_reject_403', { target: kam.uri, localIp: '127.0.0.51', service: n, from: '1' });
  assert.equal(bad.code, 0, rig.explain('from another address', bad, kam));
  const finals = rig.receivedStatuses(bad.messages).filter((s) => s.code >= 200).map((s) => `${s.code} ${s.reason}`);
  assert.deepEqual(finals, ['403 unknown source']);
});

test('gateway health: down after 3 missed OPTIONS, left out of outbound routes on the other node, back when it answers', async () => {
  const acct = await A.createAccount('edge-health');
  const port = await rig.freeUdpPort(GW_IP);
  const uasOpts = { localIp: GW_IP, localPort: port, calls: 1000, timeoutS: 120 };
  let uas = await rig.startUas('uas_options', uasOpts);
  const c = await ok(await A.byoc(acct.api_key, 'POST', '/carriers', { body: {
    carrier_name: 'probed', sip_gateway: { ipv4: GW_IP, port, inbound: false, outbound: true } } }), 201, 'carrier');
  const n = '14155551800';
  await ok(await A.byoc(acct.api_key, 'POST', '', { body: { number: `+${n}`, voip_carrier_sid: c.voip_carrier_sid } }), 201, 'number');
  await ok(await A.byoc(acct.api_key, 'PUT', `/carriers/${c.id}/health_check`, { body: { interval: 1 } }), 200, 'probe on');
  const out = () => sbc(B, `outbound?account=${acct.auth_id}&to=442071838750&from=${n}`);
  const gwState = async (node) => {
    const g = await ok(await node.byoc(acct.api_key, 'GET', `/carriers/${c.id}`), 200, 'get');
    return g.gateway_health.length ? g.gateway_health[0].state : 'unknown';
  };

  await until('up', async () => (await gwState(B)) === 'up');
  // B's index learns A's writes on the file within ~50 ms (its
  // data_version poll; SIP.md promises a second), as below
  let o = await until('in node B\'s routes', async () => {
    const x = await out();
    return x.action === 'route' ? x : null;
  }, 1000);
  assert.equal(o.action, 'route');
  assert.deepEqual(o.routes.map((x) => x.uri), [`sip:+442071838750@${GW_IP}:${port};transport=udp`]);

  uas.proc.kill('SIGKILL');
  await uas.kill();
  const stopped = Date.now();
  await until('down (stored, seen on node B)', async () => (await gwState(B)) === 'down', 10000);
  const downAfter = Date.now() - stopped;
  o = await until('left out of node B\'s routes', async () => {
    const x = await out();
    return x.action === 'reject' ? x : null;
  }, 1000);
  assert.deepEqual({ code: o.sip_code, reason: o.reason }, { code: 503, reason: 'no route' });
  console.log(`# gateway down and out of node B's routes ${Date.now() - stopped} ms after it stopped answering (down seen at ${downAfter} ms; interval 1 s, 3 misses)`);
  // shown: BYOC (above; the Plivo view of a carrier has no outbound
  // gateways), admin (last test), /metrics of the prober
  const m = await (await fetch(`${A.base}/metrics`)).text();
  assert.match(m, /^numberd_sip_gateways\{state="down"\} 1$/m);
  // and every node's index says how many of its outbound gateways are out
  const mb = await (await fetch(`${B.base}/metrics`)).text();
  assert.match(mb, /^numberd_sbc_outbound_gateways_down 1$/m);

  // an outbound call through Kamailio now fails with numberd's 503
  const r = await rig.runUac('uac_reject_503', { target: kam.uri, localIp: '127.0.0.1', service: '+442071838750',
    from: n, account: acct.auth_id });
  assert.equal(r.code, 0, rig.explain('outbound with its only gateway down', r, kam));
  assert.deepEqual(rig.receivedStatuses(r.messages).filter((s) => s.code >= 200).map((s) => `${s.code} ${s.reason}`),
    ['503 no route']);

  uas = await rig.startUas('uas_options', uasOpts);
  await until('up again', async () => (await gwState(B)) === 'up', 8000);
  o = await until('back in node B\'s routes', async () => {
    const x = await out();
    return x.action === 'route' ? x : null;
  }, 1000);
  assert.equal(o.routes.length, 1);
  assert.match(await (await fetch(`${B.base}/metrics`)).text(), /^numberd_sbc_outbound_gateways_down 0$/m);
  // probing switched off: a stored state no longer counts (and nothing is probed)
  assert.equal((await A.byoc(acct.api_key, 'DELETE', `/carriers/${c.id}/health_check`)).status, 204);
  await sleep(300);
  uas.proc.kill('SIGKILL');
  await uas.kill();
});

test('the admin dialect: an upstream carrier\'s TCP gateway probed over TCP, up, then down when it stops answering', async () => {
  const ip = '127.0.0.54';
  const port = await rig.freeUdpPort(ip);
  const uas = await rig.startUas('uas_options', { localIp: ip, localPort: port, calls: 1000, timeoutS: 120, tcp: true });
  const up = await ok(await A.admin('POST', '/admin/v1/carriers', { name: 'edge-upstream',
    sip_gateways: [{ address: ip, port, inbound: false, outbound: true, transport: 'tcp' }] }), 201, 'upstream');
  assert.equal(up.sip_gateways[0].transport, 'tcp');
  assert.equal(up.health_check, null);
  assert.equal(up.sip_gateways[0].health, null);
  assert.deepEqual(await ok(await A.admin('PUT', `/admin/v1/carriers/${up.id}/health_check`, { interval: 1 }), 200, 'probe on'),
    { interval: 1 });
  const state = async () => {
    const x = await ok(await B.admin('GET', `/admin/v1/carriers/${up.id}`), 200, 'get');
    return x.sip_gateways[0].health ? x : null;
  };
  let g = await until('up in the admin view (OPTIONS answered over TCP)', async () => {
    const x = await state();
    return x && x.sip_gateways[0].health.state === 'up' ? x : null;
  });
  assert.deepEqual(g.health_check, { interval: 1 });
  assert.equal(g.sip_gateways[0].health.last_code, 200);
  uas.proc.kill('SIGKILL');
  const done = await uas.kill();
  assert.match(done.messages, /OPTIONS sip:127\.0\.0\.54:\d+;transport=tcp SIP\/2\.0/);
  assert.match(done.messages, /Via: SIP\/2\.0\/TCP /);
  g = await until('down in the admin view', async () => {
    const x = await state();
    return x && x.sip_gateways[0].health.state === 'down' ? x : null;
  }, 10000);
  assert.ok(g.sip_gateways[0].health.misses >= 3);
  assert.equal((await A.admin('DELETE', `/admin/v1/carriers/${up.id}/health_check`)).status, 204);
  const off = await ok(await B.admin('GET', `/admin/v1/carriers/${up.id}`), 200, 'get');
  assert.equal(off.health_check, null);
  assert.equal(off.sip_gateways[0].health, null);
});
