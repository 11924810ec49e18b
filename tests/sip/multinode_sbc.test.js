'use strict';
// Issue 16 item 5 (last case) and item 3: two numberd nodes on one database
// -- PostgreSQL when NUMBERD_TEST_PG is set (scripts/pg-throwaway.sh), else
// two processes on one SQLite file -- and a write on node A must be seen by
// a lookup on node B within one second (PostgreSQL: LISTEN/NOTIFY; SQLite:
// PRAGMA data_version before the lookup).  The propagation time is
// measured (printed as a diagnostic) and a call through Kamailio pointed at
// node B is accepted right after a write on node A.
//
// Run: cd tests/sip && NUMBERD_BIN=../../build/numberd [NUMBERD_TEST_PG=… NUMBERD_TEST_PSQL=…] \
//        node --test --test-concurrency=1 multinode_sbc.test.js

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');

const rig = require('./lib/rig');
const { start, PG, psql } = require('../api/lib/server');

const TOKEN = 'multinode-sbc-token-0123456789';
let A, B, kam, appPort, acct, carrier, app;

async function ok(r, status, what) {
  assert.equal(r.status, status, `${what}: ${r.text}`);
  return r.json;
}

async function lookup(node, src, to) {
  const r = await fetch(`${node.base}/sbc/v1/inbound?src_ip=${src}&to=${to}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.equal(r.status, 200);
  return r.json();
}

test.before(async () => {
  rig.requireBinaries();
  const env = { NUMBERD_SBC_TOKEN: TOKEN };
  A = await start({ keepDir: true, env, args: ['--sbc-cache-ttl', '0'] });
  B = await start({ dir: A.dir, env, args: ['--sbc-cache-ttl', '0'] });
  acct = await A.createAccount('multinode');
  app = (await ok(await A.plivo(acct, 'POST', 'Application/',
    { body: { app_name: 'mn', answer_url: 'https://app.example.com/a' } }), 201, 'app')).app_id;
  carrier = await ok(await A.byoc(acct.api_key, 'POST', '/carriers', { body: { carrier_name: 'mn',
    sip_gateway: { ipv4: '127.0.0.40', netmask: 32, inbound: true, outbound: false } } }), 201, 'carrier');
  appPort = await rig.freeUdpPort('127.0.0.1');
  kam = await rig.startKamailio({ numberdUrl: B.base, token: TOKEN, appServer: `127.0.0.1:${appPort}`,
    appServerIp: '127.0.0.1', realm: 'sbc.multinode.test' });
});

test.after(async () => {
  if (kam) await kam.stop();
  const dir = A && A.dir;
  if (B) assert.equal((await B.stop()).code, 0);
  if (A) assert.equal((await A.stop()).code, 0);
  if (PG && A) psql(`DROP DATABASE IF EXISTS ${A.db.replace(/^.*\//, '')} WITH (FORCE)`);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/* Polls node B until pred holds; the milliseconds it took. */
async function until(pred, what) {
  const t0 = process.hrtime.bigint();
  for (;;) {
    const seen = await pred();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (seen) return ms;
    assert.ok(ms < 1000, `${what}: not seen on node B within 1 s`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

test(`a write on node A is seen by a lookup on node B within 1 s (${PG ? 'PostgreSQL' : 'SQLite, two processes'})`, async (t) => {
  const times = [];
  for (let i = 0; i < 10; i++) {
    const n = `1415555${String(7000 + i)}`;
    assert.equal((await lookup(B, '127.0.0.40', n)).action, 'reject');
    await ok(await A.byoc(acct.api_key, 'POST', '', { body: { number: `+${n}`, voip_carrier_sid: carrier.voip_carrier_sid } }), 201, 'add');
    times.push(await until(async () => (await lookup(B, '127.0.0.40', n)).action === 'accept', `number ${n} added`));
    await ok(await A.plivo(acct, 'DELETE', `Number/${n}/`), 204, 'unrent').catch(() => {});
    times.push(await until(async () => (await lookup(B, '127.0.0.40', n)).action === 'reject', `number ${n} removed`));
  }
  times.sort((a, b) => a - b);
  const msg = `cross-node propagation (${PG ? 'PostgreSQL NOTIFY' : 'SQLite data_version'}), ${times.length} writes: ` +
    `median ${times[times.length >> 1].toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms ` +
    '(HTTP write answered on A -> first lookup on B that sees it)';
  t.diagnostic(msg);
  console.log(msg);
  assert.ok(times[times.length - 1] < 1000);
});

test('a call through Kamailio asking node B, right after the number is added on node A', async () => {
  const n = '14155558000';
  await ok(await A.byoc(acct.api_key, 'POST', '', { body: { number: `+${n}`, voip_carrier_sid: carrier.voip_carrier_sid } }), 201, 'add');
  await ok(await A.plivo(acct, 'POST', `Number/${n}/`, { body: { app_id: app } }), 202, 'app');
  await until(async () => (await lookup(B, '127.0.0.40', n)).application !== null, 'app linked');
  const uas = await rig.startUas('uas_app', { localIp: '127.0.0.1', localPort: appPort,
    set: { exp_acct: acct.auth_id, exp_car: carrier.id, exp_app: app } });
  const r = await rig.runUac('uac_call', { target: kam.uri, localIp: '127.0.0.40', service: n, from: '442071838750' });
  const u = await uas.kill();
  assert.equal(r.code, 0, rig.explain('multinode call (carrier)', r, kam));
  assert.equal(u.code, 0, rig.explain('multinode call (application server)', u, kam));
});

test('PostgreSQL: the LISTEN connections are cut; a write made meanwhile is still seen on node B once they are back',
  { skip: !PG && 'PostgreSQL only (SQLite has no change-feed connection)' }, async () => {
    const n = '14155558100';
    const killed = psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = 'LISTEN numberd_sbc'").trim();
    assert.ok(Number(killed) >= 2, `terminated ${killed} listeners`);
    await ok(await A.byoc(acct.api_key, 'POST', '', { body: { number: `+${n}`, voip_carrier_sid: carrier.voip_carrier_sid } }), 201, 'add');
    // until B's feed is back (a lookup meanwhile answers 503 or the truth, never a stale accept)
    const t0 = Date.now();
    for (;;) {
      const r = await fetch(`${B.base}/sbc/v1/inbound?src_ip=127.0.0.40&to=${n}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      assert.ok(r.status === 200 || r.status === 503, `status ${r.status}`);
      if (r.status === 200 && (await r.json()).action === 'accept') break;
      assert.ok(Date.now() - t0 < 5000, 'node B did not catch up within 5 s of losing its feed');
      await new Promise((res) => setTimeout(res, 20));
    }
  });
