'use strict';
// SIP.md §5 with a DNS server that never answers: a registrar given by
// name must not hold up the other carriers' registrations.  numberd runs
// in a mount namespace of its own (unshare -m) whose /etc/resolv.conf
// names a silent server on 127.0.0.77:53 (a UDP socket here that counts
// the queries and answers none).  Root only (the bind mount and port 53:
// scripts/test.sh runs as root in CI); skipped otherwise.
//
// Before the client looked names up off its thread (src/sipreg/sipreg_dns.c)
// the carrier by address waited for the lookups of the carriers by name to
// time out (resolv.conf here: 4 s a try, two tries).
process.env.NUMBERD_METRICS_OPEN = '1';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { start } = require('../api/lib/server');
const { fakeRegistrar } = require('./lib/udp_registrar');

const CARRIERS = '/carriers';
const SILENT_DNS = '127.0.0.77';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function canUnshare() {
  if (process.getuid() !== 0) return 'needs root (a bind mount in a mount namespace, port 53)';
  const r = spawnSync('unshare', ['-m', 'true']);
  return r.status === 0 ? null : `unshare -m failed: ${r.stderr}`;
}
const skip = canUnshare();

let srv, acct, dns, tmp;
const queries = [];
const call = (method, p, body) => srv.byoc(acct.api_key, method, p, body === undefined ? {} : { body });
// answers every REGISTER 200 at once
const registrar = (ip) => fakeRegistrar(ip, (req, reply) => reply(200, 'OK', [`Contact: ${req.contact};expires=3600`]));

async function mkReg(name, host, port) {
  const r = await call('POST', CARRIERS, {
    carrier_name: name, trunk_type: 'reg',
    sip_gateway: { ipv4: host, port, inbound: false, outbound: true },
    registration: { username: name.toLowerCase().replace(/\W/g, ''), password: 'Right-Pass-4711', sip_realm: 'example.com' },
  });
  assert.equal(r.status, 201, r.text);
  return r.json;
}
const status = async (id) => (await call('GET', `${CARRIERS}/${id}`)).json.registration_status;

before(async () => {
  if (skip) return;
  dns = dgram.createSocket('udp4');
  dns.on('message', (buf) => queries.push(buf));
  await new Promise((r) => dns.bind(53, SILENT_DNS, r));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-dns-'));
  const conf = path.join(tmp, 'resolv.conf');
  fs.writeFileSync(conf, `nameserver ${SILENT_DNS}\noptions timeout:4 attempts:2\n`);
  srv = await start({
    args: ['--sip-listen', '127.0.0.1:0'],
    env: { NUMBERD_SIP_T1_MS: '50' },
    wrap: ['unshare', '-m', 'sh', '-c', 'mount --bind "$0" /etc/resolv.conf && exec "$@"', conf],
  });
  acct = await srv.createAccount('dns');
});
after(async () => {
  if (srv) await srv.stop();
  if (dns) dns.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('a registrar whose name never resolves holds up no other carrier; it fails "does not resolve"', { skip: skip || false }, async () => {
  const reg = await registrar('127.0.0.61');
  const local = await registrar('127.0.0.1');
  // twenty carriers on one silent name: one lookup, shared (one each
  // would fill the 16 lookups numberd runs at once, and the name below
  // would wait behind them)
  const slow = await mkReg('Silent DNS', 'registrar.silent.numberd.test', 5060);
  for (let i = 1; i < 20; i++) await mkReg(`Silent DNS ${i}`, 'registrar.silent.numberd.test', 5060);
  const t0 = Date.now();
  const fine = await mkReg('By Address', reg.ip, reg.port);
  // a name /etc/hosts answers: looked up off the thread too, and used
  const named = await mkReg('By Hosts Name', 'localhost', local.port);
  // the carrier by address registers while the other's lookup waits on
  // the silent server (it would time out at 8 s)
  let st = null;
  while (Date.now() - t0 < 4000) {
    st = await status(fine.id);
    if (st && st.state === 'registered') break;
    await sleep(100);
  }
  console.log(`# by-address carrier: ${st && st.state} after ${Date.now() - t0} ms; ` +
    `DNS queries so far: ${queries.length}`);
  assert.equal(st && st.state, 'registered', 'held up behind the silent lookup');
  let sn = null;
  while (Date.now() - t0 < 4000) {
    sn = await status(named.id);
    if (sn && sn.state === 'registered') break;
    await sleep(100);
  }
  assert.equal(sn && sn.state, 'registered', `localhost: ${JSON.stringify(sn)}`);
  assert.ok(local.seen.length > 0);
  assert.ok(queries.length > 0, 'the name was looked up through the silent server');
  assert.ok(queries.length <= 4, `one lookup for the twenty carriers, not ${queries.length} queries`);
  // the lookup ends (4 s x 2 tries), and the carrier by name fails for it
  const mid = await status(slow.id);
  assert.notEqual(mid && mid.state, 'registered');
  let s2 = null;
  const end = Date.now() + 15000;
  while (Date.now() < end) {
    s2 = await status(slow.id);
    if (s2 && s2.reason && /does not resolve/.test(s2.reason)) break;
    await sleep(200);
  }
  console.log(`# by-name carrier: ${JSON.stringify(s2)}`);
  assert.match((s2 && s2.reason) || '', /does not resolve/);
  // the API went on answering meanwhile, and the registered one stays so
  assert.equal((await status(fine.id)).state, 'registered');
  reg.close();
  local.close();
});
