'use strict';
// serve --sbc-listen: the SBC's own listener (src/http/lean.c).  It must
// answer every lookup exactly as the main listener does (same routes, same
// handlers, same index), speak HTTP/1.1 as a careful server does
// (keep-alive, pipelining, HEAD, Connection: close, HTTP/1.0), refuse what
// it does not serve in the dialect's shape (404, 405), refuse request
// bodies and oversized heads (400, 431, then close), and count its
// lookups in /metrics.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const crypto = require('node:crypto');
const { spawnSync } = require('node:child_process');
const { start, BIN } = require('./lib/server');

const TOKEN = 'lean-sbc-token-0123456789abcdef';
let srv, lean;
const W = {};

async function ok(r, status, what) {
  assert.equal(r.status, status, `${what}: ${r.text}`);
  return r.json;
}

/** GET on a listener: {status, headers, text, json}. */
async function get(base, path, token = TOKEN) {
  const res = await fetch(base + path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

/** Writes raw bytes on a new connection; resolves with everything read
 * until the server closes it or `ms` pass: {text, closed}.  The callers
 * that wait for a close take the default, far above what a loaded machine
 * needs (the close comes right after the answer, which a fixed 1.5 s
 * could miss); one that checks a connection stays open gives its own. */
// bytes: a string, or an array of strings written 50 ms apart
function raw(bytes, ms = 10000) {
  return new Promise((resolve, reject) => {
    const s = net.connect(lean.port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => { s.destroy(); resolve({ text, closed: false }); }, ms);
    s.on('data', (d) => { text += d.toString('latin1'); });
    s.on('end', () => { clearTimeout(timer); resolve({ text, closed: true }); });
    s.on('error', (e) => { clearTimeout(timer); reject(e); });
    const parts = [].concat(bytes);
    const next = (i) => {
      if (i >= parts.length || s.destroyed) return;
      s.write(parts[i]);
      setTimeout(() => next(i + 1), 50);
    };
    next(0);
  });
}
// answers follow each other without a newline (a body has none at its end)
const statuses = (text) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
const req = (path, extra = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n${extra}\r\n`;

before(async () => {
  srv = await start({ env: { NUMBERD_SBC_TOKEN: TOKEN }, args: ['--sbc-listen', '127.0.0.1:0', '--metrics-open', '--log-level', 'info'] });
  // logged just after the main listener's line (which start() waits for)
  for (let i = 0; i < 500 && !/SBC listener on http:\/\/127\.0\.0\.1:(\d+)/.test(srv.stderr()); i++) await new Promise((f) => setTimeout(f, 20));
  const m = /SBC listener on http:\/\/127\.0\.0\.1:(\d+)/.exec(srv.stderr());
  assert.ok(m, `no "SBC listener on" line:\n${srv.stderr()}`);
  lean = { port: Number(m[1]), base: `http://127.0.0.1:${m[1]}` };
  W.A = await srv.createAccount('lean-a');
  W.c = await ok(await srv.byoc(W.A.api_key, 'POST', '/carriers', { body: { carrier_name: 'static',
    sip_gateway: { ipv4: '198.51.100.0', netmask: 24, outbound: false } } }), 201, 'carrier');
  // the account's outbound gateway (a range is never one: calls go to one address)
  await ok(await srv.byoc(W.A.api_key, 'POST', '/carriers', { body: { carrier_name: 'out',
    sip_gateway: { ipv4: '198.51.100.200', inbound: false, outbound: true } } }), 201, 'outbound carrier');
  await ok(await srv.byoc(W.A.api_key, 'POST', '', { body: { number: '+14155550100', voip_carrier_sid: W.c.voip_carrier_sid } }), 201, 'number');
});
after(async () => { assert.equal((await srv.stop()).code, 0); });

describe('the same answers as the main listener', () => {
  const q = (o) => new URLSearchParams(o).toString();
  const cases = [
    ['accept', `/sbc/v1/inbound?${q({ src_ip: '198.51.100.9', to: '+14155550100', transport: 'udp' })}`],
    ['to with separators and %2B', '/sbc/v1/inbound?src_ip=198.51.100.9&to=%2B1%20415-555-0100'],
    ['unknown source', `/sbc/v1/inbound?${q({ src_ip: '192.0.2.1', to: '14155550100' })}`],
    ['not provisioned', `/sbc/v1/inbound?${q({ src_ip: '198.51.100.9', to: '14155550199' })}`],
    ['a bad src_ip (400)', `/sbc/v1/inbound?${q({ src_ip: 'nope', to: '14155550100' })}`],
    ['a repeated parameter (400)', '/sbc/v1/inbound?src_ip=198.51.100.9&src_ip=1.2.3.4&to=14155550100'],
    ['an unknown parameter (400)', '/sbc/v1/inbound?src_ip=198.51.100.9&to=14155550100&colour=red'],
    ['%00 stays encoded (400)', '/sbc/v1/inbound?src_ip=198.51.100.9%00&to=14155550100'],
    ['outbound, owned caller ID', `/sbc/v1/outbound?${q({ account: 'X', to: '14155550123', from: '14155550100' })}`],
    ['a path under /sbc/ that is not a route (404)', '/sbc/v1/nothing'],
  ];
  for (const [name, template] of cases) {
    test(name, async () => {
      const path = template.replace('account=X', `account=${W.A.auth_id}`);
      const a = await get(srv.base, path);
      const b = await get(lean.base, path);
      assert.equal(b.status, a.status, `${b.text} vs ${a.text}`);
      assert.equal(b.headers.get('content-type'), a.headers.get('content-type'));
      const strip = (j) => (j && j.api_id ? { ...j, api_id: '' } : j);
      assert.deepEqual(strip(b.json), strip(a.json));
      assert.match(b.headers.get('x-request-id') || '', /^[0-9a-f-]{36}$/);
      assert.ok(b.headers.get('date'), 'a Date header');
    });
  }
  test('no token and a wrong token: 401 with WWW-Authenticate, as on the main listener', async () => {
    for (const t of [null, 'wrong-token-0123456789abc']) {
      const a = await get(srv.base, '/sbc/v1/inbound?src_ip=1.2.3.4&to=1', t);
      const b = await get(lean.base, '/sbc/v1/inbound?src_ip=1.2.3.4&to=1', t);
      assert.equal(b.status, 401);
      assert.deepEqual(b.json, a.json);
      assert.equal(b.headers.get('www-authenticate'), a.headers.get('www-authenticate'));
    }
  });
  test('a write through the main listener is seen by the next lookup on this one', async () => {
    const before1 = await get(lean.base, '/sbc/v1/inbound?src_ip=198.51.100.9&to=14155550101');
    assert.equal(before1.json.reason, 'number not provisioned');
    await ok(await srv.byoc(W.A.api_key, 'POST', '', { body: { number: '+14155550101', voip_carrier_sid: W.c.voip_carrier_sid } }), 201, 'number');
    const after1 = await get(lean.base, '/sbc/v1/inbound?src_ip=198.51.100.9&to=14155550101');
    assert.equal(after1.json.action, 'accept', after1.text);
  });
  test('its lookups are counted in /metrics', async () => {
    const count = async () => Number(/numberd_sbc_lookups_total\{endpoint="inbound",verdict="accept"\} (\d+)/.exec((await get(srv.base, '/metrics', null)).text)[1]);
    const n0 = await count();
    for (let i = 0; i < 3; i++) await get(lean.base, '/sbc/v1/inbound?src_ip=198.51.100.9&to=14155550100');
    assert.equal(await count(), n0 + 3);
  });
  test('a request is logged with its route', async () => {
    await get(lean.base, '/sbc/v1/inbound?src_ip=198.51.100.9&to=14155550100');
    // the line is written after the answer is sent
    const line = /"route":"sbc\.inbound","status":200/;
    for (let i = 0; i < 50 && !line.test(srv.stderr()); i++) await new Promise((res) => setTimeout(res, 100));
    assert.match(srv.stderr(), line);
    assert.ok(!srv.stderr().includes('198.51.100.9&to'), 'never a query string in the log');
  });

  // SIP.md §3: from and call_id are "echoed in logs" -- they were read
  // and dropped (an SBC audit, session 39), so a rejected call could not
  // be traced; with them the verdict, never an HA1 or URL of the answer
  test('a lookup\'s line carries its verdict, to, from and call_id (on either listener)', async () => {
    const lines = async (callId) => {
      for (let i = 0; i < 50 && !srv.stderr().includes(callId); i++) await new Promise((res) => setTimeout(res, 100));
      return srv.stderr().split('\n').filter((l) => l.includes(callId)).map((l) => JSON.parse(l));
    };
    for (const base of [lean.base, srv.base]) {
      const id = `trace-${crypto.randomUUID()}`;
      await get(base, `/sbc/v1/inbound?${new URLSearchParams({ src_ip: '203.0.113.250', to: '+14155550100', from: 'sip:alice@example.com', call_id: id })}`);
      const [l] = await lines(id);
      assert.ok(l, `no line with ${id}`);
      assert.deepEqual([l.route, l.status, l.verdict, l.sip_code, l.reason, l.to, l.from, l.call_id],
        ['sbc.inbound', 200, 'reject', 403, 'unknown source', '+14155550100', 'sip:alice@example.com', id]);
    }
    const id = `trace-${crypto.randomUUID()}`;
    await get(lean.base, `/sbc/v1/inbound?${new URLSearchParams({ src_ip: '198.51.100.9', to: '14155550100', call_id: id })}`);
    const [l] = await lines(id);
    assert.equal(l.verdict, 'accept');
    assert.ok(!('answer_url' in l) && !('ha1' in l), JSON.stringify(l));
    // a 400: what was sent, no verdict
    const bad = `trace-${crypto.randomUUID()}`;
    await get(lean.base, `/sbc/v1/inbound?${new URLSearchParams({ src_ip: '198.51.100.9', to: '14155550100', transport: 'sctp', call_id: bad })}`);
    const [b] = await lines(bad);
    assert.deepEqual([b.status, b.verdict, b.to], [400, undefined, '14155550100']);
  });
});

describe('HTTP/1.1 on the SBC listener', () => {
  const inb = '/sbc/v1/inbound?src_ip=198.51.100.9&to=14155550100';
  test('keep-alive: three requests, one connection, three answers, still open', async () => {
    const s = net.connect(lean.port, '127.0.0.1');
    let text = '';
    s.on('data', (d) => { text += d.toString('latin1'); });
    await new Promise((f) => s.on('connect', f));
    for (let i = 1; i <= 3; i++) {
      s.write(req(inb));
      // each answer waited for up to 10 s (1 s could be short on a loaded machine)
      for (let k = 0; k < 1000 && statuses(text).length < i; k++) await new Promise((f) => setTimeout(f, 10));
    }
    assert.deepEqual(statuses(text), [200, 200, 200]);
    assert.ok(!s.destroyed && !s.readableEnded, 'the connection stays open');
    s.destroy();
  });
  test('pipelining: answers in the order of the requests', async () => {
    const r = await raw(req(inb) + req('/sbc/v1/inbound?src_ip=bad&to=1') + req(inb, 'Connection: close\r\n'));
    assert.deepEqual(statuses(r.text), [200, 400, 200]);
    assert.ok(r.closed, 'Connection: close closes after the last answer');
    assert.match(r.text, /Connection: close\r\n/);
  });
  test('HEAD: the headers of GET, no body', async () => {
    const g = await raw(req(inb, 'Connection: close\r\n'));
    const h = await raw(req(inb, 'Connection: close\r\n').replace(/^GET/, 'HEAD'));
    assert.deepEqual(statuses(h.text), [200]);
    const len = (t) => /Content-Length: (\d+)/.exec(t)[1];
    assert.equal(len(h.text), len(g.text));
    assert.ok(h.text.endsWith('\r\n\r\n'), 'no body after the head');
  });
  test('HTTP/1.0: closed after the answer, unless it asks for keep-alive', async () => {
    const r = await raw(`GET ${inb} HTTP/1.0\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    assert.deepEqual(statuses(r.text), [200]);
    assert.ok(r.closed);
    // kept open: its answer (waited for, up to 10 s), then still open
    // 400 ms after it -- not "answered and open within 400 ms of the
    // request", which a loaded machine's slow answer could fail
    const k = await new Promise((resolve, reject) => {
      const sock = net.connect(lean.port, '127.0.0.1');
      let text = '';
      let closed = false;
      let answered = false;
      const give = () => { sock.destroy(); resolve({ text, closed }); };
      const timer = setTimeout(give, 10000);
      sock.on('data', (d) => {
        text += d.toString('latin1');
        const h = text.indexOf('\r\n\r\n');
        const cl = /\r\nContent-Length: (\d+)/i.exec(text);
        if (h >= 0 && cl && text.length >= h + 4 + Number(cl[1]) && !answered) {
          answered = true;
          clearTimeout(timer);
          setTimeout(give, 400);
        }
      });
      sock.on('end', () => { closed = true; });
      sock.on('error', (e) => { clearTimeout(timer); reject(e); });
      sock.write(`GET ${inb} HTTP/1.0\r\nConnection: keep-alive\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    });
    assert.deepEqual(statuses(k.text), [200]);
    assert.ok(!k.closed);
  });
  test('a body (Content-Length) is refused: 400, then closed; so is Transfer-Encoding', async () => {
    for (const extra of ['Content-Length: 5\r\n', 'Transfer-Encoding: chunked\r\n', 'Content-Length: 0\r\nContent-Length: 5\r\n']) {
      const r = await raw(req(inb, extra) + 'hello' + req(inb));
      assert.deepEqual(statuses(r.text), [400], extra);
      assert.ok(r.closed, extra);
      assert.match(r.text, /"status":400/);
    }
    const z = await raw(req(inb, 'Content-Length: 0\r\nConnection: close\r\n'));
    assert.deepEqual(statuses(z.text), [200], 'Content-Length: 0 is no body');
  });
  test('a head over 8 KiB: 431, then closed; more than 64 headers: 431', async () => {
    // the rest of the head arrives after the answer went: closed at once,
    // the socket would reset and the client lose the 431 (ECONNRESET; 143
    // times in 200 before the lingering close)
    const head = req(inb, `X-Pad: ${'a'.repeat(9000)}\r\n`);
    for (const parts of [head, [head.slice(0, 8500), head.slice(8500)]]) {
      const big = await raw(parts);
      assert.deepEqual(statuses(big.text), [431]);
      assert.ok(big.closed);
    }
    let many = '';
    for (let i = 0; i < 70; i++) many += `X-H${i}: v\r\n`;
    const m = await raw(req(inb, many));
    assert.deepEqual(statuses(m.text), [431]);
    assert.ok(m.closed);
  });
  test('malformed requests: 400 and closed', async () => {
    for (const bad of ['GARBAGE\r\n\r\n', `GET ${inb} HTTP/2.0\r\n\r\n`, `GET ${inb}\r\n\r\n`, `GET nopath HTTP/1.1\r\n\r\n`,
      `GET ${inb} HTTP/1.1\r\nNo colon here\r\n\r\n`, `GET ${inb} HTTP/1.1\r\nBad Name: x\r\n\r\n`, `G(T ${inb} HTTP/1.1\r\n\r\n`]) {
      const r = await raw(bad);
      assert.deepEqual(statuses(r.text), [400], JSON.stringify(bad));
      assert.ok(r.closed, JSON.stringify(bad));
    }
  });
  test('only /sbc/: another path is 404, another method 405 with Allow, in the error shape', async () => {
    const r = await get(lean.base, '/v1/Account/');
    assert.equal(r.status, 404);
    assert.ok(r.json && r.json.error, r.text);
    for (const p of ['/metrics', '/admin/v1/accounts', '/openapi.json', '/readyz/x']) {
      assert.equal((await get(lean.base, p)).status, 404, p);
    }
    const p = await raw(`POST ${inb} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.deepEqual(statuses(p.text), [405]);
    assert.match(p.text, /Allow: GET, HEAD\r\n/);
  });
  // Found by an SBC audit (session 39): SIP.md has the SBC's failover
  // ask /readyz, and Kamailio reaches numberd on this port alone
  test('/readyz and /healthz answer here as on the main listener', async () => {
    for (const p of ['/readyz', '/healthz']) {
      const a = await get(srv.base, p);
      const b = await get(lean.base, p);
      assert.equal(b.status, 200, `${p}: ${b.text}`);
      assert.equal(b.status, a.status);
      assert.equal(b.text, a.text, p);
    }
  });
  test('an absolute-form target routes on its path', async () => {
    const r = await raw(req(`http://sbc.example${inb}`, 'Connection: close\r\n'));
    assert.deepEqual(statuses(r.text), [200]);
  });
});

test('--sbc-listen without an SBC token is a usage error (exit 2)', () => {
  const r = spawnSync(BIN, ['serve', '--db', `${srv.dir}/x.db`, '--listen', '127.0.0.1:0', '--sbc-listen', '127.0.0.1:0'],
    { env: { ...process.env, NUMBERD_SBC_TOKEN: '', NUMBERD_ADMIN_TOKEN: '' }, encoding: 'utf8', timeout: 10000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--sbc-listen needs the SBC token/);
  const bad = spawnSync(BIN, ['serve', '--db', `${srv.dir}/x.db`, '--sbc-listen', 'nope'],
    { env: { ...process.env, NUMBERD_SBC_TOKEN: TOKEN }, encoding: 'utf8', timeout: 10000 });
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /invalid --sbc-listen nope/);
});
