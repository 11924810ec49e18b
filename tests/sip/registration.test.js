'use strict';
// SIP.md §5 against real registrars: numberd's registration client
// (`numberd serve --sip-listen`) registers BYOC `reg` carriers to Kamailio
// (registrar + usrloc + auth, tests/sip/registrar/registrar.cfg) listening
// on 127.0.0.3x, each registrar with its own password / algorithm / expiry
// limits.  What the registrar saw is read from its log (one "REG ..." line
// per REGISTER); what numberd thinks is read from the BYOC carrier's
// registration_status, the admin list and /metrics.

// /metrics needs a token by default; these tests read it open.
process.env.NUMBERD_METRICS_OPEN = '1';
const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { start } = require('../api/lib/server');
const rig = require('./lib/rig');
const { startRegistrar, PASSWORD } = require('./lib/registrar');

const CARRIERS = '/v1/phone-numbers/carriers';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, ms = 8000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// Kamailio's log reaches us through a pipe, apart from its SIP answers: a
// line written before an answer may still be on its way when the answer
// (or the state it led to) is seen -- so a log line is waited for, not
// looked up once. The wait ends at the line, or fails with the whole log.
async function logShows(reg, re, ms = 3000) {
  try {
    await until(String(re), () => re.test(reg.log()), ms);
  } catch (e) {
    assert.match(reg.log(), re);
  }
}

let srv;
let acct;
const regs = {};
let idx = 0;

async function call(method, p, body) {
  const headers = { Authorization: `Bearer ${acct.api_key}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(srv.base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, text, json: text ? JSON.parse(text) : null };
}

async function mkReg(registrar, registration) {
  const r = await call('POST', CARRIERS, {
    carrier_name: `Reg ${++idx}`, trunk_type: 'reg',
    sip_gateway: { ipv4: registrar.ip, port: registrar.port, inbound: true, outbound: true },
    registration: { username: `user${idx}`, password: PASSWORD, sip_realm: 'example.com', ...registration },
  });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function status(id) {
  const r = await call('GET', `${CARRIERS}/${id}`);
  assert.equal(r.status, 200, r.text);
  return r.json.registration_status;
}

const waitState = (id, state, ms) => until(`state ${state}`, async () => {
  const s = await status(id);
  return s && s.state === state ? s : null;
}, ms);

before(async () => {
  rig.requireBinaries();
  regs.md5 = await startRegistrar('127.0.0.30', { maxExpires: 6 });
  regs.sha = await startRegistrar('127.0.0.31', { algorithm: 'SHA-256' });
  regs.brief = await startRegistrar('127.0.0.32', { minExpires: 120 });
  regs.down = await startRegistrar('127.0.0.33', { reject: true });
  // Timer F = 64 * T1: 3.2 s instead of 32 s for the no-answer case
  srv = await start({ args: ['--sip-listen', '127.0.0.1:0'], env: { NUMBERD_SIP_T1_MS: '50' } });
  acct = await srv.createAccount('reg');
});

after(async () => {
  if (srv) await srv.stop();
  for (const r of Object.values(regs)) await r.stop();
});

describe('registration client (SIP.md §5)', () => {
  let good;

  test('right password (MD5, qop=auth): registered; status on the carrier; refresh keeps Call-ID, CSeq grows', async () => {
    good = await mkReg(regs.md5, {});
    const s = await waitState(good.id, 'registered');
    assert.equal(s.last_code, 200);
    assert.equal(s.failures, 0);
    const exp = Date.parse(s.expires_at);
    // the registrar granted 6 s (its max_expires), not the 3600 asked
    assert.ok(exp > Date.now() && exp <= Date.now() + 8000, s.expires_at);
    assert.match(s.last_attempt_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // refreshed before half of the 6 s: at least two authenticated REGISTERs within 6 s
    const seen = await until('a refresh', () => {
      const a = regs.md5.registers().filter((x) => x.auth);
      return a.length >= 2 ? a : null;
    }, 6000);
    const all = regs.md5.registers();
    assert.equal(new Set(all.map((x) => x.ci)).size, 1, 'one Call-ID across refreshes');
    // a REGISTER that repeats the one before it (same CSeq) is that request
    // sent again over UDP, not a new one (RFC 3261 17.1.2.2, Timer E: the
    // registrar's answer took over 500 ms -- seen once, on a loaded CI
    // machine); every new request (the challenged one, the authenticated
    // one, each refresh) takes the next CSeq
    const sent = all.filter((x, i) => i === 0 || x.cs !== all[i - 1].cs);
    for (let i = 1; i < sent.length; i++) assert.ok(sent[i].cs > sent[i - 1].cs, `CSeq increments: ${JSON.stringify(all)}`);
    assert.ok(sent.length >= 3, `a challenge, an answer and a refresh: ${JSON.stringify(all)}`);
    assert.ok(seen[0].ct.includes('127.0.0.1'), seen[0].ct);
  });

  test('SHA-256 registrar (RFC 8760): registered', async () => {
    const c = await mkReg(regs.sha, {});
    await waitState(c.id, 'registered');
    await logShows(regs.sha, /REGAUTH ok/);
  });

  test('SHA-256 registrar, wrong password: failed with the registrar\'s reason', async () => {
    const c = await mkReg(regs.sha, { password: 'Wrong-Pass-0000' });
    const s = await waitState(c.id, 'failed');
    assert.equal(s.last_code, 403);
    assert.equal(s.reason, 'Wrong password');
    // the answer was a SHA-256 one (the registrar offers nothing else)
    await logShows(regs.sha, /REGAUTH bad password for user\d+ alg=SHA-256/);
    const del = await call('DELETE', `${CARRIERS}/${c.id}`);
    assert.equal(del.status, 204, del.text);
  });

  test('TCP (a transport tcp gateway, SIP.md §5): registered over TCP, one connection reused across refreshes, reconnects when the registrar comes back', async () => {
    let tcp = await startRegistrar('127.0.0.35', { tcp: true, maxExpires: 4 });
    regs.tcp = tcp;
    const r = await call('POST', CARRIERS, {
      carrier_name: `Reg ${++idx}`, trunk_type: 'reg',
      sip_gateway: { ipv4: tcp.ip, port: tcp.port, inbound: false, outbound: true, transport: 'tcp' },
      registration: { username: `user${idx}`, password: PASSWORD, sip_realm: 'example.com' },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal((await call('GET', `${CARRIERS}/${r.json.id}`)).json.sip_gateway.transport, 'tcp');
    const bad = await call('PATCH', `${CARRIERS}/${r.json.id}`, { sip_gateway: { transport: 'sctp' } });
    assert.equal(bad.status, 400, bad.text);
    assert.ok(bad.json.errors.some((e) => e.path === 'sip_gateway.transport'), bad.text);
    await waitState(r.json.id, 'registered');
    // a refresh (45 % of the 4 s granted) on the same connection: same source port
    const seen = await until('a refresh over TCP', () => {
      const a = tcp.registers().filter((x) => x.auth);
      return a.length >= 2 ? a : null;
    }, 6000);
    assert.ok(seen.every((x) => x.pr === 'tcp'), JSON.stringify(seen));
    assert.equal(new Set(tcp.registers().map((x) => x.sp)).size, 1, `one connection: ${JSON.stringify(tcp.registers())}`);
    assert.match(seen[0].ct, /transport=tcp/);
    // the registrar restarts on the same address: its connection is gone,
    // the next refresh connects again (a new source port) and registers
    const port = tcp.port;
    await tcp.stop();
    tcp = await startRegistrar('127.0.0.35', { tcp: true, maxExpires: 4, port });
    regs.tcp = tcp;
    const again = await until('registered again over a new connection', () => {
      const a = tcp.registers().filter((x) => x.auth);
      return a.length >= 1 ? a : null;
    }, 8000);
    assert.equal(again[0].pr, 'tcp');
    assert.notEqual(again[0].sp, seen[0].sp);
    await logShows(tcp, /REGAUTH ok/);
    assert.equal((await status(r.json.id)).state, 'registered');
    const del = await call('DELETE', `${CARRIERS}/${r.json.id}`);
    assert.equal(del.status, 204, del.text);
    // the unregister goes over TCP too
    await until('Expires: 0 over TCP', () => tcp.registers().some((x) => x.exp === '0' && x.pr === 'tcp'), 3000);
  });

  test('423 Interval Too Brief: Min-Expires honoured on the same Call-ID', async () => {
    const c = await mkReg(regs.brief, { expires: 60 });
    const s = await waitState(c.id, 'registered');
    // the log line of the REGISTER that was answered 200 may still be in the pipe
    await until('the Expires: 120 REGISTER in the log', () => regs.brief.registers().some((x) => x.exp === '120'), 3000)
      .catch(() => {});
    const r = regs.brief.registers();
    assert.ok(r.some((x) => x.exp === '60'), JSON.stringify(r));
    assert.ok(r.some((x) => x.exp === '120'), JSON.stringify(r));
    assert.equal(new Set(r.map((x) => x.ci)).size, 1);
    const left = Date.parse(s.expires_at) - Date.now();
    assert.ok(left > 100000 && left <= 121000, s.expires_at);
  });

  let wrong;
  test('wrong password: failed with the registrar\'s reason, retried slowly', async () => {
    wrong = await mkReg(regs.md5, { password: 'Wrong-Pass-0000' });
    const s = await waitState(wrong.id, 'failed');
    assert.equal(s.last_code, 403);
    assert.equal(s.reason, 'Wrong password');
    assert.ok(s.failures >= 1);
    const wait = Date.parse(s.next_attempt_at) - Date.parse(s.last_attempt_at);
    // at least 5 min (SIP-REGISTRATION.md), spread upwards only: +-20 %
    // gave 240 s (a helper's audit, session 40); 1 s of slack for the
    // timestamps' whole seconds
    assert.ok(wait >= 299000 && wait <= 362000, `next attempt in ${wait} ms`);
  });

  test('PATCH of the password re-registers within seconds', async () => {
    const r = await call('PATCH', `${CARRIERS}/${wrong.id}`, { registration: { password: PASSWORD } });
    assert.equal(r.status, 200, r.text);
    const s = await waitState(wrong.id, 'registered', 5000);
    assert.equal(s.last_code, 200);
    assert.equal(s.failures, 0);
  });

  test('PATCH of the registrar: registered at the new one, Expires: 0 to the old one', async () => {
    const c = await mkReg(regs.sha, {});
    const user = `user${idx}`;
    await waitState(c.id, 'registered');
    const mine = (rg) => rg.registers().filter((x) => x.ct.includes(`sip:${user}@`));
    // its REGISTERs' log lines may still be in the pipe
    const oldCi = (await until(`user ${user}'s REGISTER in the log`, () => mine(regs.sha)[0], 3000))
      .ci;
    const r = await call('PATCH', `${CARRIERS}/${c.id}`, { sip_gateway: { ipv4: regs.brief.ip, port: regs.brief.port } });
    assert.equal(r.status, 200, r.text);
    await until('registered at the new registrar', async () => mine(regs.brief).some((x) => x.auth), 5000);
    await waitState(c.id, 'registered');
    await until('Expires: 0 at the old one', () => mine(regs.sha).some((x) => x.ci === oldCi && x.exp === '0'), 5000);
    assert.notEqual(mine(regs.brief)[0].ci, oldCi, 'a new registration, a new Call-ID');
  });

  test('503 with Retry-After: backs off at least that long', async () => {
    const c = await mkReg(regs.down, {});
    const s = await until('a 503', async () => {
      const x = await status(c.id);
      return x && x.last_code === 503 ? x : null;
    });
    assert.equal(s.reason, 'Maintenance');
    assert.notEqual(s.state, 'registered');
    const wait = Date.parse(s.next_attempt_at) - Date.parse(s.last_attempt_at);
    assert.ok(wait >= 89000 && wait <= 92000, `next attempt in ${wait} ms`);
  });

  test('no answer: Timer F, then backoff 30 s with jitter', async () => {
    const port = await rig.freeUdpPort('127.0.0.34'); // nobody listens there
    const r = await call('POST', CARRIERS, {
      carrier_name: `Reg ${++idx}`, trunk_type: 'reg',
      sip_gateway: { ipv4: '127.0.0.34', port, inbound: true, outbound: true },
      registration: { username: 'nobody', password: PASSWORD, sip_realm: 'example.com' },
    });
    assert.equal(r.status, 201, r.text);
    const s = await until('no answer', async () => {
      const x = await status(r.json.id);
      return x && x.reason === 'no answer' ? x : null;
    }, 10000);
    assert.equal(s.last_code, null);
    assert.equal(s.failures, 1);
    const wait = Date.parse(s.next_attempt_at) - Date.now();
    assert.ok(wait >= 18000 && wait <= 37000, `next attempt in ${wait} ms`);
  });

  test('admin list of registrations with filters; /metrics', async () => {
    const all = await srv.admin('GET', '/admin/v1/registrations');
    assert.equal(all.status, 200, all.text);
    assert.ok(all.json.total_count >= 5, all.text);
    const reg = await srv.admin('GET', '/admin/v1/registrations?state=registered');
    assert.equal(reg.status, 200, reg.text);
    assert.ok(reg.json.registrations.length >= 3, reg.text);
    for (const x of reg.json.registrations) {
      assert.equal(x.state, 'registered');
      assert.equal(x.account_id, acct.auth_id);
      assert.match(x.carrier_id, /^[0-9a-f-]{36}$/);
      assert.match(x.registrar_ip, /^127\.0\.0\.3\d$/);
    }
    const mine = await srv.admin('GET', `/admin/v1/registrations?account_id=${acct.auth_id}&state=failed`);
    assert.equal(mine.status, 200, mine.text);
    for (const x of mine.json.registrations) assert.equal(x.state, 'failed');
    const bad = await srv.admin('GET', '/admin/v1/registrations?state=bogus');
    assert.equal(bad.status, 400, bad.text);
    const m = await fetch(`${srv.base}/metrics`).then((x) => x.text());
    const g = /numberd_sip_registrations\{state="registered"\} (\d+)/.exec(m);
    assert.ok(g && Number(g[1]) >= 3, m);
    assert.match(m, /numberd_sip_register_failures_total\{code="403"\} [1-9]/);
    assert.match(m, /numberd_sip_register_attempts_total [1-9]/);
  });

  test('delete unregisters (Expires: 0 on the same Call-ID)', async () => {
    const ci = regs.md5.registers()[0].ci;
    const r = await call('DELETE', `${CARRIERS}/${good.id}`);
    assert.equal(r.status, 204, r.text);
    await until('an Expires: 0', () => regs.md5.registers().some((x) => x.ci === ci && x.exp === '0'), 5000);
  });

  test('shutdown unregisters what is registered', async () => {
    const before = regs.sha.registers().filter((x) => x.exp === '0').length;
    await srv.stop();
    srv = null;
    const more = () => regs.sha.registers().filter((x) => x.exp === '0').length > before;
    await until('an Expires: 0 in the log', more, 3000).catch(() => {});
    assert.ok(more(), regs.sha.log().slice(-2000));
  });
});

describe('gateway health: OPTIONS probing (SIP.md §6)', () => {
  test('a gateway that answers is up; when it stops, down after 3 misses; back up after one answer', async () => {
    if (!srv) srv = await start({ args: ['--sip-listen', '127.0.0.1:0'], env: { NUMBERD_SIP_T1_MS: '50' } });
    acct = await srv.createAccount('health');
    const ip = '127.0.0.40';
    const port = await rig.freeUdpPort(ip);
    const uasOpts = { localIp: ip, localPort: port, calls: 1000, timeoutS: 120 };
    let uas = await rig.startUas('uas_options', uasOpts);
    const c = await call('POST', CARRIERS, { carrier_name: `Out ${++idx}`,
      sip_gateway: { ipv4: ip, port, inbound: false, outbound: true } });
    assert.equal(c.status, 201, c.text);
    const off = await call('GET', `${CARRIERS}/${c.json.id}`);
    assert.equal(off.json.health_check, null);
    assert.deepEqual(off.json.gateway_health, []);
    const bad = await call('PUT', `${CARRIERS}/${c.json.id}/health_check`, { interval: 0 });
    assert.equal(bad.status, 400, bad.text);
    const on = await call('PUT', `${CARRIERS}/${c.json.id}/health_check`, { interval: 1 });
    assert.equal(on.status, 200, on.text);
    assert.deepEqual(on.json, { interval: 1 });
    const gwState = async () => {
      const g = await call('GET', `${CARRIERS}/${c.json.id}`);
      assert.deepEqual(g.json.health_check, { interval: 1 });
      assert.equal(g.json.gateway_health.length, 1);
      assert.equal(g.json.gateway_health[0].sip_gateway_sid, c.json.sip_gateway_sid);
      return g.json.gateway_health[0];
    };
    let h = await until('up', async () => { const x = await gwState(); return x.state === 'up' ? x : null; });
    assert.equal(h.last_code, 200);
    assert.equal(h.misses, 0);
    let m = await (await fetch(`${srv.base}/metrics`)).text();
    assert.match(m, /^numberd_sip_gateways\{state="up"\} 1$/m);

    uas.proc?.kill?.('SIGKILL');
    await uas.kill();
    const stoppedAt = Date.now();
    h = await until('down', async () => { const x = await gwState(); return x.state === 'down' ? x : null; }, 15000);
    assert.ok(h.misses >= 3, JSON.stringify(h));
    assert.equal(h.last_code, null);
    console.log(`# gateway down ${Date.now() - stoppedAt} ms after it stopped answering (interval 1 s, 3 misses)`);
    m = await (await fetch(`${srv.base}/metrics`)).text();
    assert.match(m, /^numberd_sip_gateways\{state="down"\} 1$/m);
    assert.match(m, /^numberd_sip_options_failures_total [1-9]/m);

    uas = await rig.startUas('uas_options', uasOpts);
    h = await until('up again', async () => { const x = await gwState(); return x.state === 'up' ? x : null; }, 8000);
    assert.equal(h.misses, 0);
    const del = await call('DELETE', `${CARRIERS}/${c.json.id}/health_check`);
    assert.equal(del.status, 204, del.text);
    assert.equal((await call('GET', `${CARRIERS}/${c.json.id}`)).json.health_check, null);
    await sleep(1500);
    await uas.kill();
  });
});
