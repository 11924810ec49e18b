'use strict';
// SIP.md §5 through a database outage: a registration's state that changes
// while PostgreSQL is down is stored once it is back.  Its own throwaway
// cluster (tests/api/lib/faults.js: pgCluster), stopped and started again;
// a scripted UDP registrar (node dgram) that grants 4 s, then refuses.
// PostgreSQL stage only (NUMBERD_TEST_PG set by scripts/test.sh).
//
// Before: the failed save was logged and dropped; the stored state stayed
// "registered" -- what every node and the API showed -- until the next
// change, 300 s later for a refused password (a helper's audit, session 35).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { start } = require('../api/lib/server');
const { fakeRegistrar } = require('./lib/udp_registrar');
const F = require('../api/lib/faults');

const PG = process.env.NUMBERD_TEST_PG;
const skip = PG && F.havePostgres() ? false : 'PostgreSQL stage only (its own throwaway cluster)';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let cluster, srv, acct, dir, reg;
let answer = 200;

before(async () => {
  if (skip) return;
  cluster = F.pgCluster();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-regout-'));
  fs.writeFileSync(path.join(dir, 'pg-url'), `${cluster.url}${cluster.createDb()}\n`);
  srv = await start({ dir, args: ['--sip-listen', '127.0.0.1:0', '--rate-limit', '0'], env: { NUMBERD_SIP_T1_MS: '50' } });
  acct = await srv.createAccount('outage');
  reg = await fakeRegistrar('127.0.0.62', (req, reply) => {
    req.answered = answer;
    if (answer === 200) reply(200, 'OK', [`Contact: ${req.contact};expires=4`]);
    else reply(403, 'Forbidden');
  });
});

after(async () => {
  const r = srv ? await srv.stop() : null;
  if (reg) reg.close();
  if (cluster) cluster.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  if (r) assert.equal(r.code, 0);
});

test('a state that changed while PostgreSQL was down is stored once it is back', { skip }, async () => {
  const c = await srv.byoc(acct.api_key, 'POST', '/carriers', { body: {
    carrier_name: 'Outage', trunk_type: 'reg',
    sip_gateway: { ipv4: reg.ip, port: reg.port, inbound: true, outbound: true },
    registration: { username: 'out', password: 'Right-Pass-4711', sip_realm: 'example.com' },
  } });
  assert.equal(c.status, 201, c.text);
  const status = async () => {
    const r = await srv.byoc(acct.api_key, 'GET', `/carriers/${c.json.id}`);
    return r.status === 200 ? r.json.registration_status : null;
  };
  let st = null;
  for (let i = 0; i < 100 && !(st && st.state === 'registered'); i++) { await sleep(100); st = await status(); }
  assert.equal(st && st.state, 'registered');

  // the registrar refuses from now on; the database goes away before the
  // next refresh (every ~1.8 s), which gets the 403 during the outage
  answer = 403;
  const mark = reg.seen.length;
  cluster.down('fast');
  const end = Date.now() + 10000;
  while (!reg.seen.slice(mark).some((s) => s.answered === 403) && Date.now() < end) await sleep(50);
  assert.ok(reg.seen.slice(mark).some((s) => s.answered === 403), 'a refresh refused during the outage');
  await sleep(1500); // the save fails (and, after the fix, is tried again) meanwhile
  cluster.up();

  let last = null;
  const until = Date.now() + 15000;
  while (Date.now() < until) {
    last = await status();
    if (last && last.state === 'failed') break;
    await sleep(200);
  }
  console.log(`# after the outage: ${JSON.stringify(last)}`);
  assert.equal(last && last.state, 'failed', 'the refused registration is stored');
  assert.equal(last.last_code, 403);
});

// A registrar's reason phrase in Latin-1 (or a character split by the
// 100-byte cut) made the state unstorable on PostgreSQL (invalid UTF-8):
// the state was never stored, and with the retries above every save of
// the turn's batch would have gone down with it.  Now such bytes read '?'.
test("a reason phrase that is not UTF-8 is stored, its bad bytes as '?'", { skip }, async () => {
  const latin = await fakeRegistrar('127.0.0.63', (req, reply) =>
    reply(403, Buffer.concat([Buffer.from('Refus'), Buffer.from([0xe9]), Buffer.from(` ${'x'.repeat(20)}`)])));
  const c = await srv.byoc(acct.api_key, 'POST', '/carriers', { body: {
    carrier_name: 'Latin', trunk_type: 'reg',
    sip_gateway: { ipv4: latin.ip, port: latin.port, inbound: true, outbound: true },
    registration: { username: 'latin', password: 'Right-Pass-4711', sip_realm: 'example.com' },
  } });
  assert.equal(c.status, 201, c.text);
  let st = null;
  for (let i = 0; i < 100 && !(st && st.state === 'failed'); i++) {
    await sleep(100);
    st = (await srv.byoc(acct.api_key, 'GET', `/carriers/${c.json.id}`)).json.registration_status;
  }
  latin.close();
  console.log(`# stored: ${JSON.stringify(st)}`);
  assert.equal(st && st.state, 'failed');
  assert.equal(st.last_code, 403);
  assert.match(st.reason, /^Refus\? x+$/);
});
