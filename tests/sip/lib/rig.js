'use strict';
// The SIP test rig: Kamailio (contrib/kamailio/kamailio.cfg, Debian's
// package) as the SBC on 127.0.0.1:<free port>, SIPp (sip-tester) as
// carriers sending from distinct 127.0.0.N addresses (-i, -bind_local), and
// SIPp as the application server and as carriers' outbound gateways.
//
// Nothing here knows what answers the SBC's lookups: the caller gives the
// numberd URL (the rig self-test points it at a stub; phase 2 at numberd).
//
// Every process started here is killed by the stop() it comes with; every
// temporary directory is removed by it.  Binaries: $KAMAILIO_BIN, $SIPP_BIN
// (default: kamailio, sipp on PATH).

const { spawn, spawnSync } = require('node:child_process');
const dgram = require('node:dgram');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const HERE = path.resolve(__dirname, '..');
const REPO = path.resolve(HERE, '..', '..');
const CFG = path.join(REPO, 'contrib', 'kamailio', 'kamailio.cfg');
const SCENARIOS = path.join(HERE, 'scenarios');
const KAMAILIO = process.env.KAMAILIO_BIN || 'kamailio';
const SIPP = process.env.SIPP_BIN || 'sipp';
const LOG_CAP = 1 << 20;

// Throws a clear message when a binary is missing (scripts/deps.sh --test
// installs them): a rig that silently skips proves nothing.
function requireBinaries() {
  for (const [bin, pkg] of [[KAMAILIO, 'kamailio'], [SIPP, 'sip-tester']]) {
    const r = spawnSync(bin, ['-v'], { stdio: 'ignore' });
    if (r.error) throw new Error(`${bin} not found: install ${pkg} (bash scripts/deps.sh --test)`);
  }
}

// A UDP port free on `host` right now (bound, read, released).
function bindOnce(host) {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, host, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Whether a TCP port is free on `host` right now.
function tcpFree(host, port) {
  return new Promise((resolve) => {
    const srv = require('node:net').createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

// A TCP port free on `host` right now (listened on, read, released).
async function freeTcpPort(host = '127.0.0.1') {
  for (let i = 0; i < 100; i++) {
    const port = await new Promise((resolve, reject) => {
      const srv = require('node:net').createServer();
      srv.once('error', reject);
      srv.listen(0, host, () => { const p = srv.address().port; srv.close(() => resolve(p)); });
    });
    if (![port - 1, port, port + 1].some((p) => handedOut.has(p))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free TCP port on ${host}`);
}

// Ports this process has handed out: a port just closed is often the next
// one the kernel gives, and a SIPp given the same port for SIP and for
// media (-p, -mp) failed with "Unable to bind audio RTP socket ... Address
// already in use"; nor next to one (SIPp's RTCP is its media port + 1).
const handedOut = new Set();
async function freeUdpPort(host = '127.0.0.1') {
  for (let i = 0; i < 100; i++) {
    const port = await bindOnce(host);
    if (![port - 1, port, port + 1].some((p) => handedOut.has(p))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free UDP port on ${host}`);
}

function capped(buf, chunk) {
  const s = buf + chunk.toString();
  return s.length > LOG_CAP ? s.slice(s.length - LOG_CAP) : s;
}

// Sends SIP OPTIONS to host:port until a 200 comes back (or timeoutMs).
async function waitSipReady(host, port, timeoutMs, isDead) {
  const deadline = Date.now() + timeoutMs;
  const sock = dgram.createSocket('udp4');
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  const lport = sock.address().port;
  let ok = false;
  sock.on('message', (m) => { if (/^SIP\/2\.0 200 /.test(m.toString())) ok = true; });
  try {
    for (let i = 0; !ok && Date.now() < deadline; i++) {
      if (isDead()) throw new Error('kamailio exited during start');
      const msg = [
        `OPTIONS sip:${host}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${lport};branch=z9hG4bK-rig-${i}-${process.pid}`,
        'Max-Forwards: 70',
        `From: <sip:rig@127.0.0.1:${lport}>;tag=rig${i}`,
        `To: <sip:${host}:${port}>`,
        `Call-ID: rig-ready-${i}-${process.pid}`,
        `CSeq: ${i + 1} OPTIONS`,
        'Content-Length: 0', '', ''].join('\r\n');
      sock.send(msg, port, host);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    sock.close();
  }
  if (!ok) throw new Error(`kamailio did not answer OPTIONS on ${host}:${port}`);
}

function waitExit(proc, ms) {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    proc.once('exit', () => { clearTimeout(t); resolve(true); });
  });
}

// Kamailio forks its SIP and timer children; killing only the main process
// can leave them alive, holding the stdout/stderr pipes and keep-alive HTTP
// connections to a stub, and then the test process never exits.  So Kamailio
// runs in a process group of its own and stopGroup() signals the whole group:
// SIGTERM, 5 s to exit, then SIGKILL; the pipes are destroyed either way.
// A group of its own is not killed with the test's: a test process that
// exits without stop() kills every group it started on the way out.
const liveGroups = new Set();
// (scripts/test.sh bounds each node --test run with timeout(1), whose
// SIGTERM would otherwise end this process without its 'exit' event.)
const killGroups = () => { for (const p of liveGroups) signalGroup(p, 'SIGKILL'); };
process.on('exit', killGroups);
for (const sig of ['SIGTERM', 'SIGINT']) process.once(sig, () => { killGroups(); process.exit(128 + (sig === 'SIGINT' ? 2 : 15)); });

function spawnGroup(bin, args) {
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  liveGroups.add(proc);
  return proc;
}

function signalGroup(proc, sig) {
  try { process.kill(-proc.pid, sig); } catch { /* already gone */ }
}

async function stopGroup(proc) {
  if (proc.exitCode === null && proc.signalCode === null) {
    signalGroup(proc, 'SIGTERM');
    if (!(await waitExit(proc, 5000))) {
      signalGroup(proc, 'SIGKILL');
      await waitExit(proc, 2000);
    }
  }
  signalGroup(proc, 'SIGKILL'); // children that outlived the main process
  liveGroups.delete(proc);
  proc.stdout.destroy();
  proc.stderr.destroy();
}

// Starts Kamailio with the repository's configuration.  Options:
//   numberdUrl (required), token, appServer ("host:port"), appServerIp,
//   realm, logLevel (Kamailio debug level, default 2), tcp (listen on the
//   same port over TCP too: SBC_LISTEN_TCP).
// Returns { host, port, uri, log(), stop() }.
async function startKamailio(opts) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-sbc-'));
  let port = await freeUdpPort();
  // with tcp, the same port on TCP as well (SBC_LISTEN_TCP)
  for (let i = 0; opts.tcp && !(await tcpFree('127.0.0.1', port)); i++) {
    if (i >= 20) throw new Error('no port free on both UDP and TCP');
    port = await freeUdpPort();
  }
  const defs = {
    SBC_LISTEN: `udp:127.0.0.1:${port}`,
    NUMBERD_URL: `"${opts.numberdUrl}"`,
    NUMBERD_SBC_TOKEN: `"${opts.token || ''}"`,
    APP_SERVER: `"${opts.appServer || '127.0.0.1:5070'}"`,
    APP_SERVER_IP: `"${opts.appServerIp || '127.0.0.1'}"`,
    SBC_CHILDREN: '2',
    SBC_LOG_LEVEL: String(opts.logLevel ?? 2),
  };
  if (opts.realm) defs.SBC_REALM = `"${opts.realm}"`;
  if (opts.tcp) defs.SBC_LISTEN_TCP = `tcp:127.0.0.1:${port}`;
  const args = ['-DD', '-E', '-f', CFG, '-Y', dir, '-P', path.join(dir, 'kamailio.pid')];
  for (const [k, v] of Object.entries(defs)) args.push('-A', `${k}=${v}`);
  const proc = spawnGroup(KAMAILIO, args);
  let log = '';
  proc.stdout.on('data', (c) => { log = capped(log, c); });
  proc.stderr.on('data', (c) => { log = capped(log, c); });
  let dead = false;
  proc.on('exit', () => { dead = true; });
  const stop = async () => {
    await stopGroup(proc);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitSipReady('127.0.0.1', port, 10000, () => dead);
  } catch (e) {
    await stop();
    throw new Error(`${e.message}\n--- kamailio log ---\n${log.slice(-4000)}`);
  }
  return { host: '127.0.0.1', port, uri: `127.0.0.1:${port}`, log: () => log, stop };
}

// Runs one SIPp scenario (tests/sip/scenarios/<name>.xml).  Options:
//   target ("host:port", omitted for a UAS), localIp, localPort,
//   service (called number, -s), from, account (the [from]/[account]
//   keywords), set ({var: value} for -set), au/ap (digest credentials),
//   calls (-m, default 1), timeoutS (default 15).
// Returns { proc, done } where done resolves to
//   { code, messages (the -trace_msg log), errors (the -trace_err log), out }.
// SIPp exits 0 when every call succeeded, 1 when one failed.
function sipp(name, opts) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-sipp-'));
  const msgFile = path.join(dir, 'messages.log');
  const errFile = path.join(dir, 'errors.log');
  const args = [];
  if (opts.target) args.push(opts.target);
  args.push('-sf', path.join(SCENARIOS, `${name}.xml`),
    '-i', opts.localIp, '-bind_local', '-p', String(opts.localPort),
    '-mp', String(opts.mediaPort),
    '-m', String(opts.calls || 1), '-l', '1',
    '-timeout', `${opts.timeoutS || 15}s`, '-timeout_error', '-recv_timeout', '8000',
    '-nostdin', '-trace_msg', '-message_file', msgFile, '-trace_err', '-error_file', errFile);
  if (opts.service) args.push('-s', opts.service);
  if (opts.tcp) args.push('-t', 't1'); // one TCP connection (a UAS: listens on TCP)
  args.push('-key', 'from', opts.from || 'anonymous');
  args.push('-key', 'account', opts.account || 'none');
  if (opts.au) args.push('-au', opts.au);
  if (opts.ap) args.push('-ap', opts.ap);
  for (const [k, v] of Object.entries(opts.set || {})) args.push('-set', k, String(v));
  const proc = spawn(SIPP, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (c) => { out = capped(out, c); });
  proc.stderr.on('data', (c) => { out = capped(out, c); });
  const done = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      const read = (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
      const res = { code: code ?? -1, signal, messages: read(msgFile), errors: read(errFile), out };
      fs.rmSync(dir, { recursive: true, force: true });
      resolve(res);
    });
  });
  return { proc, done };
}

// Whether ip:port is bound (UDP) or listened on (TCP), as the kernel's
// tables say -- read, not found out by binding it here, which would race
// the process about to bind it; null when the tables cannot be read.
function bound(ip, port, tcp) {
  let text;
  try { text = fs.readFileSync(tcp ? '/proc/net/tcp' : '/proc/net/udp', 'utf8'); } catch { return null; }
  const hex = (n, w) => n.toString(16).toUpperCase().padStart(w, '0');
  const octets = ip.split('.').map((x) => hex(Number(x), 2));
  const p = hex(port, 4);
  // the address as the host's byte order prints it (either), or any address
  const want = new Set([`${[...octets].reverse().join('')}:${p}`, `${octets.join('')}:${p}`, `00000000:${p}`]);
  return text.split('\n').slice(1).some((line) => {
    const f = line.trim().split(/\s+/);
    return f.length > 3 && want.has(f[1]) && (!tcp || f[3] === '0A');
  });
}

// A SIPp UAS (application server or carrier gateway) started in the
// background.  kill() gives it up to 5 s to finish its call and exit by
// itself (-m 1; its exit code is then the verdict), then kills it.
async function startUas(name, opts) {
  const mediaPort = opts.mediaPort || (await freeUdpPort(opts.localIp));
  const r = sipp(name, { ...opts, mediaPort, target: undefined });
  // it must have bound its port before the caller's INVITE (or a probe)
  // arrives: waited for in the kernel's tables, up to 10 s (a fixed 300 ms
  // could be short on a loaded machine), or 300 ms where they cannot be read
  for (const end = Date.now() + 10000; ;) {
    const b = bound(opts.localIp, opts.localPort, opts.tcp);
    if (b === null) { await new Promise((res) => setTimeout(res, 300)); break; }
    if (b || r.proc.exitCode !== null || Date.now() > end) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  return {
    done: r.done,
    proc: r.proc,
    kill: async () => {
      if (!(await waitExit(r.proc, 5000))) r.proc.kill('SIGKILL');
      return r.done;
    },
  };
}

async function runUac(name, opts) {
  const localPort = opts.localPort || (await freeUdpPort(opts.localIp));
  const mediaPort = opts.mediaPort || (await freeUdpPort(opts.localIp));
  return sipp(name, { ...opts, localPort, mediaPort }).done;
}

// The status lines in a SIPp message log, in order: in a UAC's log every
// response is one it received (it sends only requests).
function receivedStatuses(messages) {
  const out = [];
  const re = /^SIP\/2\.0 (\d{3}) ([^\r\n]*)$/gm;
  for (let m; (m = re.exec(messages));) out.push({ code: Number(m[1]), reason: m[2] });
  return out;
}

// Explains a failed SIPp run in an assertion message.
function explain(label, r, kam) {
  return `${label}: sipp exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n` +
    `--- errors ---\n${r.errors.slice(-3000)}\n--- messages ---\n${r.messages.slice(-6000)}` +
    (kam ? `\n--- kamailio ---\n${kam.log().slice(-4000)}` : '');
}

module.exports = {
  CFG, SCENARIOS, requireBinaries, freeUdpPort, freeTcpPort, startKamailio, startUas, runUac, receivedStatuses, explain,
  waitSipReady, waitExit, capped, spawnGroup, stopGroup,
};
