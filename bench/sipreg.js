#!/usr/bin/env node
'use strict';
// bench/sipreg.js -- the registration client at scale (issue 17 item 6,
// docs/PERFORMANCE.md): N `reg` carriers (default 10,000) against one
// registrar (Kamailio's registrar module, tests/sip/registrar/registrar.cfg
// with REG_NOAUTH: 200 to everything, granting EXPIRES seconds), one
// numberd node (SQLite).  Prints: time from start until all are
// registered, numberd's CPU while it keeps refreshing them (a window of
// WINDOW seconds), resident memory, and the REGISTER rate the registrar saw.
//
// usage: node bench/sipreg.js   (environment: N=10000 EXPIRES=120 WINDOW=60
//                                NUMBERD_BIN=build/numberd)
const path = require('node:path');
const fs = require('node:fs');
const { start } = require('../tests/api/lib/server');
const { startRegistrar } = require('../tests/sip/lib/registrar');

const N = Number(process.env.N || 10000);
const EXPIRES = Number(process.env.EXPIRES || 120);
const WINDOW = Number(process.env.WINDOW || 60);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cpuSeconds(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 10 ms
}
function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) / 1024;
}

async function main() {
  const reg = await startRegistrar('127.0.0.50', { maxExpires: EXPIRES, noauth: true });
  // create the carriers with the client off, then time a start with it on
  const a = await start({ keepDir: true, args: ['--rate-limit', '0'] });
  const acct = await a.createAccount('bench');
  const t0 = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < N) {
      const i = next++;
      const r = await a.byoc(acct.api_key, 'POST', '/carriers', { body: {
        carrier_name: `r${i}`, trunk_type: 'reg',
        sip_gateway: { ipv4: reg.ip, port: reg.port, inbound: true, outbound: true },
        registration: { username: `u${i}`, password: 'bench-pass-1', sip_realm: 'example.com' } } });
      if (r.status !== 201) throw new Error(r.text);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  console.log(`created ${N} reg carriers in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await a.stop();
  const rssBefore = null;
  const b = await start({ dir: a.dir, args: ['--sip-listen', '127.0.0.1:0', '--rate-limit', '0'] });
  const pid = b.child.pid;
  const t1 = Date.now();
  let registered = 0;
  while (registered < N && Date.now() - t1 < 600000) {
    const r = await b.admin('GET', '/admin/v1/registrations?state=registered&limit=1');
    registered = r.json.total_count;
    if (registered < N) await sleep(250);
  }
  const allIn = (Date.now() - t1) / 1000;
  const cpuAtAll = cpuSeconds(pid);
  console.log(`registered ${registered}/${N} in ${allIn.toFixed(1)} s from start ` +
    `(numberd CPU meanwhile ${cpuAtAll.toFixed(1)} s, RSS ${rssMiB(pid).toFixed(1)} MiB)`);
  const c0 = cpuSeconds(pid);
  const l0 = reg.log().length;
  await sleep(WINDOW * 1000);
  const c1 = cpuSeconds(pid);
  const rr = await b.admin('GET', '/admin/v1/registrations?state=registered&limit=1');
  console.log(`refreshing (granted ${EXPIRES} s, refresh at 45 %: ~${(N / (EXPIRES * 0.45)).toFixed(0)} REGISTER/s): ` +
    `numberd CPU ${(100 * (c1 - c0) / WINDOW).toFixed(1)} % of one core over ${WINDOW} s, ` +
    `RSS ${rssMiB(pid).toFixed(1)} MiB, still registered ${rr.json.total_count}/${N}`);
  void l0; void rssBefore;
  const t2 = Date.now();
  await b.stop();
  console.log(`stop (Expires: 0 for all, answers awaited at most 3 s) took ${((Date.now() - t2) / 1000).toFixed(1)} s`);
  await reg.stop();
  fs.rmSync(a.dir, { recursive: true, force: true });
}

main().catch((e) => { console.error(e); process.exit(1); });
