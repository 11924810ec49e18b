'use strict';
// SIP.md §5, several nodes: two numberd nodes on one PostgreSQL database,
// both running the registration client.  Exactly one registers the carrier
// (an advisory lock per bucket of carriers), both show the stored state, and after
// kill -9 of that node the other takes over (the dead session's lock is
// released by PostgreSQL) within one reload interval plus a REGISTER.
// Needs NUMBERD_TEST_PG (scripts/test.sh's PostgreSQL stage sets it).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start } = require('../api/lib/server');
const rig = require('./lib/rig');
const { startRegistrar, PASSWORD } = require('./lib/registrar');

const PG = process.env.NUMBERD_TEST_PG;
const CARRIERS = '/v1/phone-numbers/carriers';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let A;
let B;
let registrar;
let acct;

before(async () => {
  if (!PG) return;
  rig.requireBinaries();
  registrar = await startRegistrar('127.0.0.36', { maxExpires: 6 });
  const args = ['--sip-listen', '127.0.0.1:0'];
  A = await start({ keepDir: true, args });
  B = await start({ dir: A.dir, args });
  acct = await A.createAccount('failover');
});

after(async () => {
  if (A) await A.kill();
  if (B) await B.stop();
  if (registrar) await registrar.stop();
});

async function regList(srv) {
  const r = await srv.admin('GET', '/admin/v1/registrations');
  assert.equal(r.status, 200, r.text);
  return r.json.registrations;
}

test('one node registers; kill -9 of it: the other takes over', { skip: !PG && 'NUMBERD_TEST_PG is not set' }, async () => {
  const r = await A.byoc(acct.api_key, 'POST', '/carriers', {
    body: {
      carrier_name: 'Failover', trunk_type: 'reg',
      sip_gateway: { ipv4: registrar.ip, port: registrar.port, inbound: true, outbound: true },
      registration: { username: 'fo', password: PASSWORD, sip_realm: 'example.com' },
    },
  });
  assert.equal(r.status, 201, r.text);
  let x;
  for (let i = 0; i < 150; i++) {
    [x] = await regList(B); // the other node shows the stored state too
    if (x && x.state === 'registered') break;
    await sleep(100);
  }
  assert.equal(x.state, 'registered', JSON.stringify(x));
  const pid = Number(x.node.split(':').pop());
  const owner = pid === A.child.pid ? A : B;
  const other = owner === A ? B : A;
  assert.ok([A.child.pid, B.child.pid].includes(pid), x.node);
  // exactly one node sends REGISTERs: every Contact the registrar saw is one port
  await sleep(4000); // a refresh (6 s granted) happens meanwhile
  const contacts = new Set(registrar.registers().map((g) => /:(\d+);/.exec(g.ct)[1]));
  assert.equal(contacts.size, 1, [...contacts].join(' '));

  const killedAt = Date.now();
  await owner.kill('SIGKILL');
  let y;
  for (let i = 0; i < 300; i++) {
    [y] = await regList(other);
    if (y && Number(y.node.split(':').pop()) === other.child.pid && y.state === 'registered') break;
    await sleep(100);
  }
  const took = Date.now() - killedAt;
  assert.equal(Number(y.node.split(':').pop()), other.child.pid, JSON.stringify(y));
  assert.equal(y.state, 'registered');
  console.log(`# failover: registered from the other node ${took} ms after kill -9`);
  assert.ok(took < 15000, `failover took ${took} ms`);
  if (owner === A) A = null;
  else B = null;
});

// Found by reading (session 37; SIP-REGISTRATION.md listed it as not done):
// every node with --sip-listen probed every gateway -- N times the OPTIONS,
// and a stored state that was whichever node wrote last.  One node probes
// (a lock); when it dies, another takes over.
test('one node probes the gateways; kill -9 of it: the other probes', { skip: !PG && 'NUMBERD_TEST_PG is not set' }, async () => {
  const dgram = require('node:dgram');
  const gw = dgram.createSocket('udp4');
  const seen = []; // the source port of every OPTIONS
  gw.on('message', (buf, rinfo) => {
    const msg = buf.toString('latin1');
    if (!msg.startsWith('OPTIONS')) return;
    seen.push({ port: rinfo.port, t: Date.now() });
    const h = (n) => (new RegExp(`^${n}\\s*:\\s*(.*)$`, 'im').exec(msg) || [])[1];
    const out = ['SIP/2.0 200 OK', `Via: ${h('Via')}`, `From: ${h('From')}`, `To: ${h('To')};tag=gw`,
      `Call-ID: ${h('Call-ID')}`, `CSeq: ${h('CSeq')}`, 'Content-Length: 0', '', ''].join('\r\n');
    gw.send(Buffer.from(out), rinfo.port, rinfo.address);
  });
  await new Promise((r) => gw.bind(0, '127.0.0.37', r));
  // two nodes of their own (the test above killed one of its pair)
  const args = ['--sip-listen', '127.0.0.1:0'];
  const P = await start({ keepDir: true, args });
  const Q = await start({ dir: P.dir, args });
  const nodes = [P, Q];
  try {
    const srv = P;
    const owner = await P.createAccount('probed');
    const c = await srv.byoc(owner.api_key, 'POST', '/carriers', { body: { carrier_name: 'Probed twice?',
      sip_gateway: { ipv4: '127.0.0.37', port: gw.address().port, inbound: false, outbound: true } } });
    assert.equal(c.status, 201, c.text);
    assert.equal((await srv.byoc(owner.api_key, 'PUT', `/carriers/${c.json.id}/health_check`, { body: { interval: 1 } })).status, 200);
    for (let i = 0; i < 150 && seen.length < 4; i++) await sleep(100);
    await sleep(2500);
    const ports = new Set(seen.map((x) => x.port));
    assert.equal(ports.size, 1, `OPTIONS from ${[...ports].join(', ')}: more than one node probes`);
    // the prober is the one that says so
    const prober = nodes.find((n) => n.stderr().includes('this node probes the gateways'));
    const other = nodes.find((n) => n !== prober);
    assert.ok(prober && other, 'one node says it probes');
    await prober.kill('SIGKILL');
    const killedAt = Date.now();
    const before = seen.length;
    for (let i = 0; i < 300 && !seen.slice(before).some((x) => !ports.has(x.port)); i++) await sleep(100);
    const took = Date.now() - killedAt;
    assert.ok(seen.slice(before).some((x) => !ports.has(x.port)), 'the other node never probed');
    console.log(`# probing failover: the other node probed ${took} ms after kill -9`);
    assert.ok(took < 15000, `failover took ${took} ms`);
  } finally {
    gw.close();
    await P.kill();
    await Q.kill();
    require('node:fs').rmSync(P.dir, { recursive: true, force: true });
  }
});

// Found by reading (session 37): a lock a carrier took one slot of
// PostgreSQL's shared lock table each (64 a connection by default, for the
// whole cluster): a node registering 10,000 carriers filled it, and then
// every lock of every session failed.  A lock a bucket of carriers (64).
test('registering many carriers holds at most 64 registration locks', { skip: !PG && 'NUMBERD_TEST_PG is not set' }, async () => {
  const { psql } = require('../api/lib/server');
  const { fakeRegistrar } = require('./lib/udp_registrar');
  const reg = await fakeRegistrar('127.0.0.38', (req, reply) => reply(200, 'OK', [`Contact: ${req.contact};expires=3600`]));
  const P = await start({ keepDir: true, args: ['--sip-listen', '127.0.0.1:0'], env: { NUMBERD_SIP_T1_MS: '50' } });
  try {
    const a = await P.createAccount('many');
    for (let i = 0; i < 90; i++) {
      const r = await P.byoc(a.api_key, 'POST', '/carriers', { body: { carrier_name: `Many ${i}`, trunk_type: 'reg',
        sip_gateway: { ipv4: reg.ip, port: reg.port, inbound: true, outbound: true },
        registration: { username: `many${i}`, password: 'Right-Pass-4711', sip_realm: 'example.com' } } });
      assert.equal(r.status, 201, r.text);
    }
    let regs = [];
    for (let i = 0; i < 200; i++) {
      regs = (await P.admin('GET', '/admin/v1/registrations?state=registered&limit=100')).json.registrations;
      if (regs.length === 90) break;
      await sleep(100);
    }
    assert.equal(regs.length, 90, 'all registered');
    const held = Number(psql(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid IN
      (SELECT pid FROM pg_stat_activity WHERE datname = '${P.db.replace(/^.*\//, '')}')`, P.db).trim());
    assert.ok(held <= 64 + 2, `${held} advisory locks held for 90 registrations`);
  } finally {
    reg.close();
    await P.kill();
    require('node:fs').rmSync(P.dir, { recursive: true, force: true });
  }
});
