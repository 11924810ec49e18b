'use strict';
// A carrier's registrar for the registration tests: Kamailio with
// tests/sip/registrar/registrar.cfg (registrar + usrloc in memory + auth)
// on ip:<free port>.  registers() reads what it saw from its log.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const rig = require('./rig');

const CFG = path.join(__dirname, '..', 'registrar', 'registrar.cfg');
const KAMAILIO = process.env.KAMAILIO_BIN || 'kamailio';
const PASSWORD = 'Right-Pass-4711';

// A Kamailio registrar on ip:<free port>.  opts: algorithm, minExpires,
// maxExpires, reject (503 + Retry-After: 90 to everything), noauth (no challenge),
// tcp (listen on TCP too, same port), port (a given port: a restarted registrar).
async function startRegistrar(ip, opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-registrar-'));
  const port = opts.port || await rig.freeUdpPort(ip);
  const args = ['-DD', '-E', '-f', CFG, '-Y', dir, '-P', path.join(dir, 'k.pid'), '-l', `udp:${ip}:${port}`,
    ...(opts.tcp ? ['-l', `tcp:${ip}:${port}`] : []),
    '-A', `REG_PASSWORD="${PASSWORD}"`, '-A', `REG_ALGORITHM="${opts.algorithm || 'MD5'}"`,
    '-A', `REG_MIN_EXPIRES=${opts.minExpires ?? 0}`, '-A', `REG_MAX_EXPIRES=${opts.maxExpires ?? 3600}`];
  if (opts.reject) args.push('-A', 'REG_REJECT=1');
  if (opts.noauth) args.push('-A', 'REG_NOAUTH=1');
  const proc = rig.spawnGroup(KAMAILIO, args);
  let log = '';
  proc.stdout.on('data', (c) => { log = rig.capped(log, c); });
  proc.stderr.on('data', (c) => { log = rig.capped(log, c); });
  let dead = false;
  proc.on('exit', () => { dead = true; });
  const stop = async () => {
    await rig.stopGroup(proc);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await rig.waitSipReady(ip, port, 10000, () => dead);
  } catch (e) {
    await stop();
    throw new Error(`${e.message}\n${log.slice(-3000)}`);
  }
  // "REG ci=<Call-ID> cs=<CSeq> exp=<Expires> auth=<yes|no> pr=<proto> sp=<source port> ct=<Contact>"
  const registers = () => [...log.matchAll(/REG ci=(\S+) cs=(\d+) exp=(\S*) auth=(yes|no) pr=(\S+) sp=(\d+) ct=(.*)$/gm)]
    .map((m) => ({ ci: m[1], cs: Number(m[2]), exp: m[3], auth: m[4] === 'yes', pr: m[5], sp: Number(m[6]), ct: m[7] }));
  return { ip, port, log: () => log, registers, stop };
}

module.exports = { startRegistrar, PASSWORD };
