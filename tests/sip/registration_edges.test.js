'use strict';
// SIP.md §5 at the edges a real registrar seldom shows: numberd's
// registration client against a scripted UDP registrar (node dgram) per
// test, each on its own 127.0.0.5x address, answering as the test says.
// Found by a helper's review (session 33); each case failed before its fix.
process.env.NUMBERD_METRICS_OPEN = '1';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { start } = require('../api/lib/server');
const { fakeRegistrar } = require('./lib/udp_registrar');

const CARRIERS = '/carriers';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let srv, acct, idx = 0;

/** The BYOC API (/v1/phone-numbers...) with the account's key. */
const call = (method, p, body) => srv.byoc(acct.api_key, method, p, body === undefined ? {} : { body });

async function mkReg(reg, extra = {}) {
  const r = await call('POST', CARRIERS, {
    carrier_name: `Rev ${++idx}`, trunk_type: 'reg',
    sip_gateway: { ipv4: reg.ip, port: reg.port, inbound: true, outbound: true },
    registration: { username: `user${idx}`, password: 'Right-Pass-4711', sip_realm: 'example.com', ...extra },
  });
  assert.equal(r.status, 201, r.text);
  return r.json;
}
const status = async (id) => (await call('GET', `${CARRIERS}/${id}`)).json.registration_status;
async function until(what, fn, ms = 8000) {
  const end = Date.now() + ms;
  while (Date.now() < end) { const v = await fn(); if (v) return v; await sleep(100); }
  throw new Error(`timed out waiting for ${what}`);
}

before(async () => {
  srv = await start({ args: ['--sip-listen', '127.0.0.1:0'], env: { NUMBERD_SIP_T1_MS: '50' } });
  acct = await srv.createAccount('rev');
});
after(async () => { if (srv) await srv.stop(); });

test('a carrier deleted while its first REGISTER is in flight: the late 200\'s binding is removed (Expires: 0)', async () => {
  const reg = await fakeRegistrar('127.0.0.51', (req, reply) => {
    // slow registrar: answers 200 after 1.5 s (granting 3600 s)
    reply(200, 'OK', [`Contact: ${req.contact};expires=${req.expires}`], req.expires === '0' ? 0 : 1500);
  });
  const c = await mkReg(reg);
  await until('first REGISTER', () => reg.seen.length > 0);
  const del = await call('DELETE', `${CARRIERS}/${c.id}`);
  assert.equal(del.status, 204);
  // the late 200 comes 1.5 s after the REGISTER, its Expires: 0 at once
  // after it: waited for (up to 10 s), not looked for after a fixed 6 s
  await until('an Expires: 0', () => reg.seen.some((x) => x.expires === '0'), 10000).catch(() => {});
  const summary = reg.seen.map((x) => `cseq=${x.cseq} expires=${x.expires}`);
  console.log('# registrar saw:', JSON.stringify(summary));
  reg.close();
  assert.ok(reg.seen.some((x) => x.expires === '0'), 'binding created by the late 200 was never removed');
});

test('a proxy\'s 407 then the registrar\'s 401 (RFC 3261 §22.3): both answered, registered', async () => {
  const reg = await fakeRegistrar('127.0.0.52', (req, reply) => {
    if (!req.pauth) return reply(407, 'Proxy Authentication Required', ['Proxy-Authenticate: Digest realm="proxy.example", nonce="pn1", qop="auth"']);
    if (!req.auth) return reply(401, 'Unauthorized', ['WWW-Authenticate: Digest realm="example.com", nonce="rn1", qop="auth"']);
    return reply(200, 'OK', [`Contact: ${req.contact};expires=60`]);
  });
  const c = await mkReg(reg);
  const s = await until('a final state', async () => { const x = await status(c.id); return x && (x.state === 'failed' || x.state === 'registered') ? x : null; });
  console.log('# status:', JSON.stringify(s));
  console.log('# registrar saw:', JSON.stringify(reg.seen.map((x) => ({ cseq: x.cseq, pauth: !!x.pauth, auth: !!x.auth }))));
  reg.close();
  await call('DELETE', `${CARRIERS}/${c.id}`);
  assert.equal(s.state, 'registered');
});

// Found by a helper's audit (session 37): the other order, the registrar's
// 401 first and then a proxy's 407, sent the third REGISTER with the
// proxy's answer only: challenged again, "credentials rejected".  Every
// request after both challenges answers both, each with its own next nonce
// count (a count sent again with its nonce is a replay).
test('the registrar\'s 401 then a proxy\'s 407: both answered, each with its own nonce count, registered', async () => {
  const nc = (h) => (/\bnc=([0-9a-f]{8})/.exec(h || '') || [])[1];
  const reg = await fakeRegistrar('127.0.0.64', (req, reply) => {
    if (!req.auth) return reply(401, 'Unauthorized', ['WWW-Authenticate: Digest realm="example.com", nonce="rn2", qop="auth"']);
    if (!req.pauth) return reply(407, 'Proxy Authentication Required', ['Proxy-Authenticate: Digest realm="proxy.example", nonce="pn2", qop="auth"']);
    return reply(200, 'OK', [`Contact: ${req.contact};expires=60`]);
  });
  const c = await mkReg(reg);
  const s = await until('a final state', async () => { const x = await status(c.id); return x && (x.state === 'failed' || x.state === 'registered') ? x : null; });
  const seen = reg.seen.map((x) => ({ cseq: x.cseq, auth: nc(x.auth), pauth: nc(x.pauth) }));
  reg.close();
  await call('DELETE', `${CARRIERS}/${c.id}`);
  assert.equal(s.state, 'registered', JSON.stringify({ s, seen }));
  assert.deepEqual(seen.slice(0, 3).map((x) => [x.auth, x.pauth]),
    [[undefined, undefined], ['00000001', undefined], ['00000002', '00000001']], JSON.stringify(seen));
});

// Found by a helper's audit (session 37): a change that keeps the binding
// (same registrar, AOR and Contact: a new password or expiry) sent the old
// registration's Expires: 0 at the moment the new REGISTER went out; a
// retransmitted (or reordered) Expires: 0 then removed the new binding,
// while numberd showed "registered" until the next refresh.  The new
// REGISTER replaces the binding (RFC 3261 §10.3): no Expires: 0 then.
test('a change that keeps the binding sends no Expires: 0 that could remove the new one', async () => {
  const bindings = new Map();
  let dropped = false;
  const reg = await fakeRegistrar('127.0.0.65', (req, reply) => {
    const contact = /<([^>]*)>/.exec(req.contact)[1];
    if (req.expires === '0') {
      if (!dropped) { dropped = true; return; } // lost: its retransmission comes later
      bindings.delete(contact);
      return reply(200, 'OK');
    }
    bindings.set(contact, req.expires);
    return reply(200, 'OK', [`Contact: ${req.contact};expires=${req.expires}`]);
  });
  const c = await mkReg(reg);
  await until('registered', async () => { const x = await status(c.id); return x && x.state === 'registered' ? x : null; });
  const before = reg.seen.length;
  const p = await call('PATCH', `${CARRIERS}/${c.id}`, { registration: { expires: 1800 } });
  assert.equal(p.status, 200, p.text);
  await until('the new REGISTER', () => reg.seen.slice(before).some((x) => x.expires === '1800'));
  await sleep(3000); // past the retransmissions of any Expires: 0 (T1 50 ms)
  const after = reg.seen.slice(before).map((x) => x.expires);
  const s = await status(c.id);
  reg.close();
  await call('DELETE', `${CARRIERS}/${c.id}`);
  assert.equal(s.state, 'registered');
  assert.ok(!after.includes('0'), `Expires: 0 sent after the change: ${JSON.stringify(after)}`);
  assert.deepEqual([...bindings.values()], ['1800'], 'the registrar keeps the new binding');
});

// Found by a helper's audit (session 37): a refresh refused (403) leaves
// the carrier "failed" while the binding granted before lives on until it
// expires; deleting the carrier then sent no Expires: 0, and calls kept
// coming for up to half the expiry.
test('deleted while failed with a live binding: the binding is removed', async () => {
  const reg = await fakeRegistrar('127.0.0.66', (req, reply, n) => {
    if (req.expires === '0') return reply(200, 'OK');
    if (n === 1) return reply(200, 'OK', [`Contact: ${req.contact};expires=20`]);
    return reply(403, 'Forbidden');
  });
  const c = await mkReg(reg);
  const s = await until('the refused refresh', async () => { const x = await status(c.id); return x && x.state === 'failed' ? x : null; }, 15000);
  assert.ok(Date.parse(s.expires_at) > Date.now() + 3000, `the binding lives on: ${JSON.stringify(s)}`);
  const del = await call('DELETE', `${CARRIERS}/${c.id}`);
  assert.equal(del.status, 204, del.text);
  await until('Expires: 0', () => reg.seen.some((x) => x.expires === '0'), Math.max(1000, Date.parse(s.expires_at) - Date.now()));
  reg.close();
});

// Found by a helper's review (session 37): a customer's carrier could point
// numberd's REGISTERs and OPTIONS at any address, the operator's own
// network included (127.0.0.1, 10/8, the cloud's metadata address), and
// read the answers back in registration_status.  Refused by default for a
// customer's carrier; --sip-allow-private (the rigs' default) allows it.
test('a customer\'s registrar or probed gateway at a loopback address: nothing sent, said why', async () => {
  const dgram = require('node:dgram');
  const reg = await fakeRegistrar('127.0.0.67', (req, reply) => reply(200, 'OK', [`Contact: ${req.contact};expires=60`]));
  const probed = dgram.createSocket('udp4');
  const probes = [];
  probed.on('message', (b) => probes.push(b.toString('latin1')));
  await new Promise((r) => probed.bind(0, '127.0.0.68', r));
  const s = await start({ args: ['--sip-listen', '127.0.0.1:0'], env: { NUMBERD_SIP_T1_MS: '50', NUMBERD_SIP_ALLOW_PRIVATE: '0' } });
  try {
    const a = await s.createAccount('private');
    const r = await s.byoc(a.api_key, 'POST', CARRIERS, { body: { carrier_name: 'Private reg', trunk_type: 'reg',
      sip_gateway: { ipv4: reg.ip, port: reg.port, inbound: true, outbound: true },
      registration: { username: 'priv1', password: 'Right-Pass-4711', sip_realm: 'example.com' } } });
    assert.equal(r.status, 201, r.text);
    const st = await until('refused', async () => {
      const x = (await s.byoc(a.api_key, 'GET', `${CARRIERS}/${r.json.id}`)).json.registration_status;
      return x && x.state === 'failed' ? x : null;
    });
    assert.match(st.reason, /^refused: 127\.0\.0\.67 is a loopback address \(the operator allows it with --sip-allow-private\)$/);
    const g = await s.byoc(a.api_key, 'POST', CARRIERS, { body: { carrier_name: 'Private gw',
      sip_gateway: { ipv4: '127.0.0.68', port: probed.address().port, inbound: false, outbound: true } } });
    assert.equal(g.status, 201, g.text);
    assert.equal((await s.byoc(a.api_key, 'PUT', `${CARRIERS}/${g.json.id}/health_check`, { body: { interval: 1 } })).status, 200);
    await until('the refusal logged', () => /gateway [0-9a-f-]+ not probed: refused: 127\.0\.0\.68 is a loopback address/.test(s.stderr()));
    await sleep(1500);
    assert.equal(reg.seen.length, 0, 'a REGISTER reached the private registrar');
    assert.equal(probes.length, 0, 'an OPTIONS reached the private gateway');
  } finally {
    reg.close();
    probed.close();
    await s.stop();
  }
});

test('a Retry-After beyond the 30 min backoff cap is capped (SIP.md §5)', async () => {
  const reg = await fakeRegistrar('127.0.0.53', (req, reply) => reply(503, 'Service Unavailable', ['Retry-After: 999999999']));
  const c = await mkReg(reg);
  const s = await until('a 503', async () => { const x = await status(c.id); return x && x.last_code === 503 ? x : null; });
  console.log('# status:', JSON.stringify(s));
  reg.close();
  await call('DELETE', `${CARRIERS}/${c.id}`);
  const wait = Date.parse(s.next_attempt_at) - Date.now();
  assert.ok(wait <= 1800 * 1000 * 1.2, `next attempt in ${Math.round(wait / 86400000)} days`);
});

test('a refresh with no answer: not "registered" once its binding expired', async () => {
  let answering = true;
  const reg = await fakeRegistrar('127.0.0.54', (req, reply) => {
    if (answering) reply(200, 'OK', [`Contact: ${req.contact};expires=10`]);
  });
  const c = await mkReg(reg);
  await until('registered', async () => { const x = await status(c.id); return x && x.state === 'registered' ? x : null; });
  answering = false; // the registrar goes away: the refresh at 4.5 s gets no answer
  await sleep(14000);
  const s = await status(c.id);
  console.log('# now:', new Date().toISOString(), 'status:', JSON.stringify(s));
  reg.close();
  await call('DELETE', `${CARRIERS}/${c.id}`);
  assert.ok(!(s.state === 'registered' && Date.parse(s.expires_at) < Date.now()), 'registered, but its binding expired');
});

test('a carrier changed from reg to static_ip: unregistered, and the admin list no longer shows it registered', async () => {
  const reg = await fakeRegistrar('127.0.0.57', (req, reply) => reply(200, 'OK', [`Contact: ${req.contact};expires=${req.expires}`]));
  const c = await mkReg(reg);
  await until('registered', async () => { const x = await status(c.id); return x && x.state === 'registered' ? x : null; });
  const p = await call('PATCH', `${CARRIERS}/${c.id}`, { trunk_type: 'static_ip', registration: null });
  assert.equal(p.status, 200, p.text);
  await until('Expires: 0', () => reg.seen.some((x) => x.expires === '0'), 5000);
  await sleep(1000);
  reg.close();
  const carrier = (await call('GET', `${CARRIERS}/${c.id}`)).json;
  const list = (await srv.admin('GET', '/admin/v1/registrations?state=registered')).json.registrations.filter((x) => x.carrier_id === c.id);
  console.log('# carrier trunk_type:', carrier.trunk_type, 'registration_status:', JSON.stringify(carrier.registration_status));
  console.log('# admin list ?state=registered:', JSON.stringify(list));
  const m = await fetch(`${srv.base}/metrics`).then((x) => x.text());
  console.log('#', m.split('\n').filter((l) => l.startsWith('numberd_sip_registrations{')).join(' | '));
  assert.equal(list.length, 0, 'a static_ip carrier listed as registered');
});

// Found by a helper's audit (session 36): a 200 whose Contact says
// expires=0 (the registrar kept no binding) showed "registered" for the
// expiry numberd had asked for.
test('a 200 granting expires=0: not registered, tried again', async () => {
  const reg = await fakeRegistrar('127.0.0.58', (req, reply) => reply(200, 'OK', [`Contact: ${req.contact};expires=0`]));
  const c = await mkReg(reg);
  const s = await until('the answer seen', async () => { const x = await status(c.id); return x && x.last_code === 200 ? x : null; });
  console.log('# status:', JSON.stringify(s));
  reg.close();
  await call('DELETE', `${CARRIERS}/${c.id}`);
  assert.notEqual(s.state, 'registered', JSON.stringify(s));
  assert.match(s.reason || s.last_reason || JSON.stringify(s), /no binding/);
});

// Found by a helper's audit (session 36): once the node that registered a
// carrier was gone (kill -9, then serve without --sip-listen), its stored
// "registered" was shown for ever, past its binding's expiry.
test('the registering node gone: past its expiry the binding shows unregistered, in the carrier and the admin list', async () => {
  const { start: startSrv } = require('../api/lib/server');
  const reg = await fakeRegistrar('127.0.0.59', (req, reply) => reply(200, 'OK', [`Contact: ${req.contact};expires=4`]));
  let s = await startSrv({ keepDir: true, args: ['--sip-listen', '127.0.0.1:0'], env: { NUMBERD_SIP_T1_MS: '50' } });
  const dir = s.dir;
  try {
    const a = await s.createAccount('gone');
    const r = await s.byoc(a.api_key, 'POST', CARRIERS, { body: { carrier_name: 'Gone 1', trunk_type: 'reg',
      sip_gateway: { ipv4: reg.ip, port: reg.port, inbound: true, outbound: true },
      registration: { username: 'gone1', password: 'Right-Pass-4711', sip_realm: 'example.com' } } });
    assert.equal(r.status, 201, r.text);
    const get = async () => (await s.byoc(a.api_key, 'GET', `${CARRIERS}/${r.json.id}`)).json.registration_status;
    const was = await until('registered', async () => { const x = await get(); return x && x.state === 'registered' ? x : null; });
    await s.kill();
    reg.close();
    // past the binding's expiry before the start: the sweep at start finds it
    await sleep(Math.max(0, Date.parse(was.expires_at) - Date.now()) + 1100);
    s = await startSrv({ dir }); // no --sip-listen: nobody refreshes it
    const x = await until('expired', async () => { const v = await get(); return v.state !== 'registered' ? v : null; }, 10000);
    assert.equal(x.state, 'unregistered', JSON.stringify(x));
    assert.match(x.reason, /expired/);
    // session 37: stored as well, with its event (before, only shown so,
    // and subscribers never learnt that the trunk's binding lapsed)
    const ev = await until('its event', async () => {
      const q = await s.admin('GET', `/admin/v1/events?type=registration.state_changed&object_id=${r.json.id}`);
      const last = q.json.data[q.json.data.length - 1];
      return last && last.data.after.state === 'unregistered' ? last : null;
    }, 10000);
    assert.deepEqual(ev.actor, { kind: 'system', id: 'sip-registration' });
    assert.deepEqual(ev.data, { before: { state: 'registered' }, after: { state: 'unregistered', reason: 'the binding expired: no node renewed it' } });
    assert.equal(ev.account, a.auth_id);
    // the sweep logs after its commit: the event can be read before the line is written
    await until('its log line', async () => /sip registration: 1 binding\(s\) expired with no node renewing them/.test(s.stderr()), 5000);
    const list = async (state) => (await s.admin('GET', `/admin/v1/registrations?state=${state}`)).json;
    assert.equal((await list('registered')).registrations.length, 0);
    const un = await list('unregistered');
    assert.equal(un.registrations.length, 1, JSON.stringify(un));
    assert.equal(un.registrations[0].state, 'unregistered');
  } finally {
    await s.stop();
    require('node:fs').rmSync(dir, { recursive: true, force: true });
  }
});

// Found by a helper's audit (session 36): a gateway that went down and was
// then moved to a live address stayed down -- and out of every route --
// until its next probe, up to its interval (an hour).  A new address is
// probed at once.
test('a down gateway moved to a live address is probed at once and up', async () => {
  const dgram = require('node:dgram');
  const live = dgram.createSocket('udp4');
  await new Promise((r) => live.bind(0, '127.0.0.61', r));
  live.on('message', (buf, rinfo) => {
    const msg = buf.toString('latin1');
    if (!msg.startsWith('OPTIONS')) return;
    const h = (n) => (new RegExp(`^${n}\\s*:\\s*(.*)$`, 'im').exec(msg) || [])[1];
    const out = [`SIP/2.0 200 OK`, `Via: ${h('Via')}`, `From: ${h('From')}`, `To: ${h('To')};tag=gw`,
      `Call-ID: ${h('Call-ID')}`, `CSeq: ${h('CSeq')}`, 'Content-Length: 0', '', ''].join('\r\n');
    live.send(Buffer.from(out), rinfo.port, rinfo.address);
  });
  const silent = dgram.createSocket('udp4'); // bound, never answers
  await new Promise((r) => silent.bind(0, '127.0.0.60', r));
  const c = await call('POST', CARRIERS, { carrier_name: `Moved ${++idx}`,
    sip_gateway: { ipv4: '127.0.0.60', port: silent.address().port, inbound: false, outbound: true } });
  assert.equal(c.status, 201, c.text);
  try {
    assert.equal((await call('PUT', `${CARRIERS}/${c.json.id}/health_check`, { interval: 1 })).status, 200);
    const gw = async () => (await call('GET', `${CARRIERS}/${c.json.id}`)).json.gateway_health[0];
    await until('down', async () => { const x = await gw(); return x && x.state === 'down' ? x : null; }, 20000);
    assert.equal((await call('PUT', `${CARRIERS}/${c.json.id}/health_check`, { interval: 3600 })).status, 200);
    await sleep(500);
    const moved = await call('PATCH', `${CARRIERS}/${c.json.id}`,
      { sip_gateway: { ipv4: '127.0.0.61', port: live.address().port, inbound: false, outbound: true } });
    assert.equal(moved.status, 200, moved.text);
    const up = await until('up at the new address', async () => { const x = await gw(); return x && x.state === 'up' ? x : null; }, 5000);
    assert.equal(up.last_code, 200);
  } finally {
    live.close();
    silent.close();
    await call('DELETE', `${CARRIERS}/${c.json.id}`);
  }
});

// Found by a helper's audit (session 36): a suspended or closed account's
// reg trunk kept registering (presenting a closed customer's password to its
// carrier, which kept sending calls the SBC refuses).  Suspended: it is
// unregistered; resumed: registered again.
test('an account suspended: its reg trunk unregisters; resumed: registers again', async () => {
  const a = await srv.createAccount('susp-reg');
  const reg = await fakeRegistrar('127.0.0.62', (req, reply) => reply(200, 'OK', [`Contact: ${req.contact};expires=${req.expires}`]));
  const r = await srv.byoc(a.api_key, 'POST', CARRIERS, { body: { carrier_name: 'Susp 1', trunk_type: 'reg',
    sip_gateway: { ipv4: reg.ip, port: reg.port, inbound: true, outbound: true },
    registration: { username: 'susp1', password: 'Right-Pass-4711', sip_realm: 'example.com' } } });
  assert.equal(r.status, 201, r.text);
  const st = async () => (await srv.admin('GET', `/admin/v1/registrations?account_id=${a.auth_id}`)).json.registrations;
  try {
    await until('registered', async () => { const x = await st(); return x.length && x[0].state === 'registered' ? x : null; });
    assert.equal((await srv.admin('POST', `/admin/v1/accounts/${a.auth_id}/suspend`)).status, 200);
    await until('an Expires: 0', () => reg.seen.some((x) => x.expires === '0'), 5000);
    // the requests sent so far (Call-ID and CSeq): the Expires: 0 sent
    // again over UDP (T1 is 50 ms here: an answer a loaded machine reads
    // late) is that request, not a new REGISTER
    const sent = new Set(reg.seen.map((x) => `${x.callId} ${x.cseq}`));
    const n = reg.seen.length;
    await sleep(1500);
    const fresh = reg.seen.slice(n).filter((x) => !sent.has(`${x.callId} ${x.cseq}`));
    assert.deepEqual(fresh.map((x) => `cseq=${x.cseq} expires=${x.expires}`), [], 'no REGISTER while suspended');
    assert.equal((await srv.admin('POST', `/admin/v1/accounts/${a.auth_id}/resume`)).status, 200);
    await until('registered again', () => reg.seen.slice(n).some((x) => x.expires !== '0'), 5000);
  } finally {
    reg.close();
  }
});

// A review of session 39: a username is a SIP URI's user part in the
// REGISTER's From, To and Contact -- "12345@carrier" (a common auth name)
// or <, > made them malformed.  It goes %-escaped there, and as it is
// (unescaped) into the digest's username, whose hash uses it.
test('a username with @, <, > is escaped in the REGISTER\'s URIs, plain in the digest', async () => {
  const reg = await fakeRegistrar('127.0.0.69', (req, reply) => {
    if (!req.auth) return reply(401, 'Unauthorized', ['WWW-Authenticate: Digest realm="example.com", nonce="rn9", qop="auth"']);
    return reply(200, 'OK', [`Contact: ${req.contact};expires=60`]);
  });
  try {
    const c = await mkReg(reg, { username: '12345@carrier<x>' });
    await until('registered', async () => ((await status(c.id)) || {}).state === 'registered');
    const first = reg.seen[0].msg;
    const line = (m, h) => (m.split('\r\n').find((l) => l.toLowerCase().startsWith(`${h.toLowerCase()}:`)) || '');
    assert.match(line(first, 'From'), /^From: <sip:12345%40carrier%3Cx%3E@example\.com>;tag=/);
    assert.match(line(first, 'To'), /^To: <sip:12345%40carrier%3Cx%3E@example\.com>$/);
    assert.match(line(first, 'Contact'), /^Contact: <sip:12345%40carrier%3Cx%3E@127\.0\.0\.1:\d+;transport=udp>/);
    const authd = reg.seen.find((x) => x.auth);
    assert.ok(authd, 'an answer to the challenge');
    assert.match(authd.auth, /username="12345@carrier<x>"/);
  } finally {
    reg.close();
  }
});
