'use strict';
// Hostile input (issue 8, item 5), over raw sockets (node:net) so that the
// bytes are exactly what an attacker would send, malformed framing
// included. Every case must get a 4xx or a closed connection, never a 5xx
// (the one exception: 505 for an unknown HTTP version, see below) and
// never a crash: after every case the server must still answer a real
// request. The server runs with a 2-second idle timeout so that the slow
// client case is quick.
//
// Source addresses: Linux routes all of 127.0.0.0/8 to the loopback
// device, so connections can come from 127.0.0.2, 127.0.0.3 ... while the
// server listens on 127.0.0.1. The 1,000 idle connections come from 25
// such addresses (40 each), below the default per-address limit (64), so
// this is also what 25 clients at once look like with default settings.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { start, basic, csv } = require('./lib/server');

let srv;
let acct;
let auth;
let cases = 0; // hostile cases sent, for the figures (docs/RELIABILITY.md)

before(async () => {
  srv = await start({ args: ['--conn-timeout', '2', '--rate-limit', '0'] });
  acct = await srv.createAccount('hostile');
  auth = basic(acct.auth_id, acct.auth_token);
  await srv.loadCsv(csv(['number', 'country_iso', 'type'], [
    { number: '14155550100', country_iso: 'US', type: 'fixed' },
    { number: '14155550101', country_iso: 'US', type: 'fixed' },
  ]));
});

after(async () => {
  await srv.stop(); // asserts exit 0 and no sanitizer report
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The status of each response in text, framed by Content-Length (our
 * answers always carry one), so that a response that follows a body
 * directly (pipelining) is counted too.
 */
function responseStatuses(text) {
  const out = [];
  let pos = 0;
  for (;;) {
    const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(text.slice(pos));
    if (!m) break;
    out.push(Number(m[1]));
    const end = text.indexOf('\r\n\r\n', pos);
    if (end < 0) break;
    const head = text.slice(pos, end);
    const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
    pos = end + 4 + (cl ? Number(cl[1]) : 0);
  }
  return out;
}

/**
 * Opens a connection, writes each chunk (waiting opts.gapMs between them),
 * half-closes unless opts.keepOpen, and collects what comes back until the
 * server closes, opts.until(text so far) is true, or opts.timeoutMs passes. Resolves
 * {statuses, closed, timedOut, text, reset}.
 */
function exchange(chunks, opts = {}) {
  const timeoutMs = opts.timeoutMs || 8000;
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port: srv.port, localAddress: opts.localAddress });
    const parts = [];
    let done = false;
    let reset = false;
    const finish = (timedOut) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const text = Buffer.concat(parts).toString('latin1');
      const statuses = responseStatuses(text);
      resolve({ statuses, closed: !timedOut, timedOut, text, reset });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    sock.on('data', (d) => {
      parts.push(d);
      if (opts.until && opts.until(Buffer.concat(parts).toString('latin1'))) finish(false);
    });
    sock.on('error', () => { reset = true; finish(false); });
    sock.on('close', () => finish(false));
    sock.on('connect', async () => {
      for (let i = 0; i < chunks.length && !done; i++) {
        if (i > 0 && opts.gapMs) await sleep(opts.gapMs);
        if (done || sock.destroyed) break;
        sock.write(chunks[i]);
      }
      if (!opts.keepOpen && !done && !sock.destroyed) sock.end();
    });
  });
}

/**
 * The server still answers a real request, and with the right data. On a
 * fresh connection each time: with a 2-second idle timeout a pooled
 * keep-alive connection may be closed by the server just as it is reused.
 */
async function assertAlive() {
  const h = { headers: { Authorization: auth } };
  const r = await srv.raw('GET', acc('Number/'), h);
  assert.equal(r.status, 200, r.text);
  const s = await srv.raw('GET', acc('PhoneNumber/?country_iso=US'), h);
  assert.equal(s.status, 200, s.text);
  assert.ok(s.json.objects.length >= 1, s.text);
}

/**
 * Sends one hostile case and checks: only 4xx answers (or allowed), or a
 * closed connection with no answer; then the server is alive.
 */
async function hostile(name, chunks, opts = {}) {
  cases++;
  const r = await exchange(Array.isArray(chunks) ? chunks : [chunks], opts);
  const allowed = opts.allow || ((s) => s >= 400 && s < 500);
  for (const s of r.statuses) {
    assert.ok(allowed(s), `${name}: got ${s}:\n${r.text.slice(0, 600)}`);
  }
  if (r.statuses.length === 0) assert.ok(r.closed, `${name}: no answer and the connection stayed open`);
  if (opts.want !== undefined) assert.deepEqual(r.statuses, [].concat(opts.want), `${name}:\n${r.text.slice(0, 600)}`);
  await assertAlive();
  return r;
}

function request(method, path, { headers = {}, body, version = '1.1' } = {}) {
  const lines = [`${method} ${path} HTTP/${version}`, 'Host: numberd'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  const b = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body);
  if (body !== undefined && headers['Content-Length'] === undefined && headers['Transfer-Encoding'] === undefined) {
    lines.push(`Content-Length: ${b.length}`);
  }
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), b]);
}

const acc = (p) => `/v1/Account/${acct.auth_id}/${p}`;
const json = (body, extra = {}) => ({ headers: { Authorization: auth, 'Content-Type': 'application/json', ...extra }, body });

// ---- bodies ---------------------------------------------------------------

test('a body over 64 KiB: 413, in the dialect\'s shape', async () => {
  const big = JSON.stringify({ name: 'x'.repeat(70 * 1024) });
  const r = await hostile('oversized body', request('POST', acc('Subaccount/'), json(big)), { want: 413 });
  assert.match(r.text, /"error":"request body too large/);
  await hostile('oversized BYOC body', request('POST', '/v1/phone-numbers/carriers',
    { headers: { Authorization: `Bearer ${acct.api_key}`, 'Content-Type': 'application/json' }, body: big }), { want: 413 });
});

test('a Content-Length of 10 GB with a short body: 413 or closed, nothing held', async () => {
  await hostile('lying Content-Length', request('POST', acc('Subaccount/'),
    json('{"name":"a"}', { 'Content-Length': '10000000000' })));
  await hostile('Content-Length past 2^64', request('POST', acc('Subaccount/'),
    json('{"name":"a"}', { 'Content-Length': '99999999999999999999999' })));
  await hostile('negative Content-Length', request('POST', acc('Subaccount/'),
    json('{"name":"a"}', { 'Content-Length': '-5' })));
  await hostile('two different Content-Lengths', Buffer.from(
    `POST ${acc('Subaccount/')} HTTP/1.1\r\nHost: n\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\n` +
    'Content-Length: 12\r\nContent-Length: 3\r\n\r\n{"name":"a"}'));
});

test('a streamed body past the discard limit is cut off without an answer', async () => {
  // 20 MiB sent to a JSON route: the server stops reading at 16 MiB
  const head = Buffer.from(`POST ${acc('Subaccount/')} HTTP/1.1\r\nHost: n\r\nAuthorization: ${auth}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${20 << 20}\r\n\r\n`);
  const mb = Buffer.alloc(1 << 20, 0x20);
  await hostile('20 MiB body', [head, ...Array(20).fill(mb)], { timeoutMs: 20000 });
});

test('deep, broken, non-UTF-8, NUL-bearing and duplicate-key JSON: 400', async () => {
  const bad = {
    'deep arrays': '['.repeat(60000),
    'deep objects': '{"a":'.repeat(5000) + '1' + '}'.repeat(5000),
    'just over the limit': '{"a":'.repeat(17) + '1' + '}'.repeat(17),
    truncated: '{"name": "abc',
    'trailing garbage': '{"name": "a"} x',
    'not an object': '["name"]',
    'bare string': '"name"',
    'empty object key garbage': '{:}',
    'invalid UTF-8': Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')]),
    'overlong UTF-8': Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
    'UTF-16 surrogate escape alone': '{"name": "\\ud800"}',
    'raw NUL byte': Buffer.from('{"name": "a\0b"}'),
    'escaped NUL': '{"name": "a\\u0000b"}',
    'duplicate keys': '{"name": "a", "name": "b"}',
    'huge number': '{"name": "a", "enabled": 1e999999}',
    'huge integer': '{"name": 99999999999999999999999999999}',
    'lone surrogate pair half': '{"name": "\\udc00\\ud800"}',
  };
  for (const [name, body] of Object.entries(bad)) {
    await hostile(name, request('POST', acc('Subaccount/'), json(body)), { want: 400 });
  }
  // the BYOC dialect's reader and a nested object
  await hostile('BYOC duplicate nested key', request('POST', '/v1/phone-numbers/carriers', {
    headers: { Authorization: `Bearer ${acct.api_key}`, 'Content-Type': 'application/json' },
    body: '{"carrier_name":"x","sip_gateway":{"ipv4":"192.0.2.1","ipv4":"192.0.2.2"}}',
  }), { want: 400 });
  await hostile('BYOC huge port', request('POST', '/v1/phone-numbers/carriers', {
    headers: { Authorization: `Bearer ${acct.api_key}`, 'Content-Type': 'application/json' },
    body: '{"carrier_name":"x","sip_gateway":{"ipv4":"192.0.2.1","port":99999999999999999999}}',
  }), { want: 400 });
});

test('form bodies: bad escapes, NUL, invalid UTF-8, repeated fields: 400', async () => {
  const form = (body) => ({ headers: { Authorization: auth, 'Content-Type': 'application/x-www-form-urlencoded' }, body });
  for (const [name, body] of Object.entries({
    'bad escape': 'name=%zz',
    'truncated escape': 'name=%4',
    'NUL escape': 'name=a%00b',
    'invalid UTF-8': 'name=%c3%28',
    'repeated field': 'name=a&name=b',
    'too many fields': Array.from({ length: 100 }, (_, i) => `f${i}=1`).join('&'),
    'empty key': '=x',
  })) {
    await hostile(`form: ${name}`, request('POST', acc('Subaccount/'), form(body)), { want: 400 });
  }
});

test('unsupported content types: 415', async () => {
  for (const ct of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/jsonx']) {
    await hostile(`content type ${ct}`, request('POST', acc('Subaccount/'),
      { headers: { Authorization: auth, 'Content-Type': ct }, body: '{"name":"a"}' }), { want: 415 });
  }
});

// ---- query strings ----------------------------------------------------------

test('repeated, huge, malformed and too many query parameters: 400', async () => {
  const g = (q) => request('GET', acc(`PhoneNumber/?${q}`), { headers: { Authorization: auth } });
  for (const [name, q] of Object.entries({
    'repeated parameter': 'country_iso=US&country_iso=CA',
    'huge limit': 'country_iso=US&limit=99999999999999999999',
    'huge offset': 'country_iso=US&offset=99999999999999999999',
    'negative limit': 'country_iso=US&limit=-1',
    'limit with spaces': 'country_iso=US&limit=%201',
    'limit in hex': 'country_iso=US&limit=0x10',
    'huge lata': 'country_iso=US&lata=99999999999999999999',
    'invalid UTF-8': 'country_iso=US&city=%ff%fe',
    'unknown parameter': 'country_iso=US&limitt=1',
    'too many parameters': Array.from({ length: 100 }, (_, i) => `p${i}=1`).join('&'),
  })) {
    await hostile(name, g(q), { want: 400 });
  }
  await hostile('huge limit (BYOC)', request('GET', '/v1/phone-numbers?limit=99999999999999999999',
    { headers: { Authorization: `Bearer ${acct.api_key}` } }), { want: 400 });
  await hostile('repeated parameter (BYOC)', request('GET', '/v1/phone-numbers?status=active&status=active',
    { headers: { Authorization: `Bearer ${acct.api_key}` } }), { want: 400 });
});

// ---- paths, headers, request lines ---------------------------------------------

test('an encoded NUL never ends a path or a value early', async () => {
  const n = '14155550100';
  const fresh = { Connection: 'close' };
  const b = await srv.buy(acct, n, undefined, { headers: fresh });
  assert.equal(b.status, 201, b.text);
  const u = await srv.plivo(acct, 'POST', `Number/${n}/`, { body: { alias: 'a' }, headers: fresh });
  assert.equal(u.status, 202, u.text);
  const h = { headers: { Authorization: auth } };
  // "/Number/14155550100%00x" must not act on 14155550100, nor "/Number/%00" on the list
  await hostile('NUL after a number (GET)', request('GET', acc(`Number/${n}%00x/`), h));
  await hostile('NUL after a number (DELETE)', request('DELETE', acc(`Number/${n}%00/`), h));
  await hostile('NUL as the number', request('GET', acc('Number/%00/'), h));
  await hostile('NUL after the account', request('GET', `/v1/Account/${acct.auth_id}%00/Number/`, h));
  // "alias=a%00b" is not "alias=a"
  const r = await hostile('NUL in a filter', request('GET', acc('Number/?alias=a%00b'), h),
    { allow: (s) => s === 200 || (s >= 400 && s < 500) });
  assert.doesNotMatch(r.text, new RegExp(n));
  const still = await srv.plivo(acct, 'GET', `Number/${n}/`, { headers: fresh });
  assert.equal(still.status, 200, still.text);
  assert.equal(still.json.alias, 'a');
  const un = await srv.plivo(acct, 'DELETE', `Number/${n}/`, { headers: fresh });
  assert.equal(un.status, 204, un.text);
});

test('giant URLs and headers: 4xx or closed', async () => {
  await hostile('100 KB URL', request('GET', acc(`Number/${'1'.repeat(100 * 1024)}/`), { headers: { Authorization: auth } }));
  await hostile('100 KB query', request('GET', acc(`PhoneNumber/?country_iso=US&city=${'a'.repeat(100 * 1024)}`), { headers: { Authorization: auth } }));
  await hostile('100 KB header', request('GET', acc('Number/'), { headers: { Authorization: auth, 'X-Big': 'b'.repeat(100 * 1024) } }));
  await hostile('100 KB Authorization', request('GET', acc('Number/'), { headers: { Authorization: `Basic ${'A'.repeat(100 * 1024)}` } }));
  const many = {};
  for (let i = 0; i < 5000; i++) many[`X-H${i}`] = 'v';
  await hostile('5000 headers', request('GET', acc('Number/'), { headers: { Authorization: auth, ...many } }));
  await hostile('4 KB path of slashes', request('GET', '/'.repeat(4096), {}));
  await hostile('path just over HTTP_MAX_PATH', request('GET', `/v1/${'a'.repeat(2100)}`, {}));
});

test('odd paths and methods: 4xx', async () => {
  const line = (method, path) => Buffer.concat([Buffer.from(`${method} `), Buffer.isBuffer(path) ? path : Buffer.from(path, 'latin1'),
    Buffer.from(` HTTP/1.1\r\nHost: n\r\nAuthorization: ${auth}\r\n\r\n`)]);
  for (const [name, method, path] of [
    ['dot segments', 'GET', `/v1/Account/${acct.auth_id}/../../admin/v1/accounts`],
    ['encoded slash in a parameter', 'GET', acc('Number/1415%2F5550100/')],
    ['encoded NUL in a parameter', 'GET', acc('Number/%00/')],
    ['encoded NUL in the account', 'GET', '/v1/Account/%00/Number/'],
    ['raw UTF-8 and invalid UTF-8 in the path', 'GET', Buffer.concat([Buffer.from(acc('Number/')), Buffer.from([0xc3, 0xa9, 0xff]), Buffer.from('/')])],
    ['invalid percent escape', 'GET', acc('Number/%zz/')],
    ['empty segments', 'GET', `/v1//Account//${acct.auth_id}//Number`],
    ['unknown method', 'BREW', acc('Number/')],
    ['TRACE', 'TRACE', acc('Number/')],
    ['CONNECT', 'CONNECT', 'numberd:443'],
    ['asterisk target', 'OPTIONS', '*'],
    ['no leading slash', 'GET', 'v1/phone-numbers'],
  ]) {
    await hostile(name, line(method, path));
  }
});

test('malformed framing: 4xx or closed', async () => {
  const a = `Authorization: ${auth}`;
  for (const [name, bytes] of [
    ['no request line', '\r\n\r\n'],
    ['header without a colon', `GET ${acc('Number/')} HTTP/1.1\r\nHost: n\r\nNoColonHere\r\n\r\n`],
    ['obsolete line folding', `GET ${acc('Number/')} HTTP/1.1\r\nHost: n\r\nX-A: a\r\n  folded\r\n\r\n`],
    ['space before the colon', `GET ${acc('Number/')} HTTP/1.1\r\nHost : n\r\n\r\n`],
    ['NUL in the request line', `GET /v1/Acc\0ount HTTP/1.1\r\nHost: n\r\n\r\n`],
    ['missing version', `GET ${acc('Number/')}\r\n\r\n`],
    ['lower-case version', `GET ${acc('Number/')} http/1.1\r\nHost: n\r\n\r\n`],
    ['bad chunk size', `POST ${acc('Subaccount/')} HTTP/1.1\r\nHost: n\r\n${a}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`],
    ['huge chunk size', `POST ${acc('Subaccount/')} HTTP/1.1\r\nHost: n\r\n${a}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n{}\r\n0\r\n\r\n`],
    ['chunked and Content-Length', `POST ${acc('Subaccount/')} HTTP/1.1\r\nHost: n\r\n${a}\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
    ['unknown transfer coding', `POST ${acc('Subaccount/')} HTTP/1.1\r\nHost: n\r\n${a}\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\nxxxx`],
    ['incomplete request', `GET ${acc('Number/')} HTTP/1.1\r\nHost: n`],
    ['TLS ClientHello', Buffer.from('16030100a5010000a10303' + '00'.repeat(64), 'hex')],
    ['random bytes', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))],
    ['CRLF flood', '\r\n'.repeat(50000)],
    ['SSH banner', 'SSH-2.0-OpenSSH_9.0\r\n'],
  ]) {
    await hostile(name, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1'));
  }
});

test('a raw NUL in a header value ends the value (libmicrohttpd 0.9.75), nothing more', async () => {
  // "Host: n\0x" is read as "Host: n"; the rest of the request is intact.
  await hostile('NUL in a header', `GET ${acc('Number/')} HTTP/1.1\r\nHost: n\0x\r\nAuthorization: ${auth}\r\n\r\n`,
    { allow: (s) => s === 200 || s === 400 });
  await hostile('NUL inside the credentials', `GET ${acc('Number/')} HTTP/1.1\r\nHost: n\r\nAuthorization: Basic \0${auth.slice(6)}\r\n\r\n`,
    { want: 401 });
});

test('leniencies of libmicrohttpd: bare LF line ends (RFC 9112 §2.2 allows them), no Host', async () => {
  // numberd does not use Host, so a request without one is harmless
  await hostile('bare LF line ends', `GET ${acc('Number/')} HTTP/1.1\nHost: n\nAuthorization: ${auth}\n\n`,
    { want: 200, allow: (s) => s === 200 });
  await hostile('HTTP/1.1 without Host', `GET ${acc('Number/')} HTTP/1.1\r\nAuthorization: ${auth}\r\n\r\n`,
    { allow: (s) => s === 200 || s === 400 });
});

test('an unknown HTTP version: 505 from libmicrohttpd, the only 5xx, and nothing else happens', async () => {
  // RFC 9110 §15.6.6 prescribes 505 for a major version the server does
  // not support; libmicrohttpd answers it before any numberd code runs.
  const v505 = (s) => s === 505 || (s >= 400 && s < 500);
  for (const v of ['9.9', '2.0', '0.9']) {
    await hostile(`HTTP/${v}`, `GET ${acc('Number/')} HTTP/${v}\r\nHost: n\r\n\r\n`, { allow: v505 });
  }
  await hostile('HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', { allow: v505 });
});

test('100 pipelined requests in one write: each answered, none 5xx', async () => {
  const one = request('GET', acc('Number/?limit=99999999999999999999'), { headers: { Authorization: auth } });
  // kept open: libmicrohttpd stops after the answer in hand once the
  // client has half-closed, as HTTP/1.1 allows
  const r = await hostile('pipelined', Buffer.concat(Array(100).fill(one)), {
    keepOpen: true, until: (text) => responseStatuses(text).length >= 100,
  });
  assert.equal(r.statuses.length, 100);
});

test('a body on GET and DELETE is ignored, whatever it holds', async () => {
  await hostile('GET with a broken JSON body', request('GET', acc('Number/'),
    { headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: '{"broken' }),
  { allow: (s) => s === 200 });
  await hostile('DELETE of nothing with garbage', request('DELETE', acc('Number/14155559999/'),
    { headers: { Authorization: auth, 'Content-Type': 'text/plain' }, body: Buffer.from([0, 255, 254]) }), { want: 404 });
});

test('credentials: oversized, broken base64, NUL bytes, wrong schemes: 401', async () => {
  const g = (a) => request('GET', acc('Number/'), { headers: { Authorization: a } });
  for (const [name, a] of [
    ['not base64', 'Basic ###'],
    ['no colon', `Basic ${Buffer.from(acct.auth_id).toString('base64')}`],
    ['NUL in the token', `Basic ${Buffer.from(`${acct.auth_id}:${acct.auth_token}\0`).toString('base64')}`],
    ['NUL before the colon', `Basic ${Buffer.from(`${acct.auth_id}\0:${acct.auth_token}`).toString('base64')}`],
    ['Bearer on Basic', `Bearer ${acct.api_key}`],
    ['empty', ''],
    ['1 KB of base64', `Basic ${Buffer.alloc(768, 0x41).toString('base64')}`],
  ]) {
    await hostile(`credentials: ${name}`, g(a), { want: 401 });
  }
  const b = (a) => request('GET', '/v1/phone-numbers', { headers: { Authorization: a } });
  await hostile('Bearer: 1 KB token', b(`Bearer ${'k'.repeat(1024)}`), { want: 401 });
  await hostile('Bearer: empty', b('Bearer '), { want: 401 });
  await hostile('Bearer: Basic', b(auth), { want: 401 });
});

// ---- slow and idle clients ---------------------------------------------------------

test('a client slower than the idle timeout (2 s) is disconnected', async () => {
  cases++;
  const start = Date.now();
  // one byte, then silence: closed after about 2 s without an answer
  const r = await exchange(['G', 'ET / HTTP/1.1\r\n\r\n'], { gapMs: 6000, keepOpen: true, timeoutMs: 15000 });
  assert.ok(r.closed && !r.timedOut, 'the server closed the connection');
  assert.deepEqual(r.statuses, []);
  assert.ok(Date.now() - start < 6000, 'closed before the second byte was due');
  // header bytes one at a time, 3 s apart: closed at the first gap
  cases++;
  const bytes = [...`GET ${acc('Number/')} HTTP/1.1\r\nHost: n\r\n\r\n`];
  const r2 = await exchange(bytes, { gapMs: 3000, keepOpen: true, timeoutMs: 15000 });
  assert.ok(r2.closed && !r2.timedOut);
  assert.deepEqual(r2.statuses, []);
  await assertAlive();
});

test('1,000 idle connections from 25 addresses: a real request is still answered', async (t) => {
  cases++;
  // a server with the default idle timeout (30 s), so that none of the
  // 1,000 times out while the test runs
  const big = await start({ args: ['--rate-limit', '0'] });
  const who = await big.createAccount('idle');
  const socks = [];
  const opened = [];
  for (let i = 0; i < 1000; i++) {
    const localAddress = `127.0.0.${10 + (i % 25)}`;
    const s = net.connect({ host: '127.0.0.1', port: big.port, localAddress });
    s.on('error', () => {});
    socks.push(s);
    opened.push(new Promise((resolve) => { s.once('connect', resolve); s.once('error', resolve); }));
    // half of them start a request and stall
    s.once('connect', () => { if (i % 2) s.write(`GET /v1/Account/${who.auth_id}/Number/ HTTP/1.1\r\nHost: n\r\n`); });
  }
  await Promise.all(opened);
  await sleep(300);
  const open = socks.filter((s) => !s.destroyed && s.readyState === 'open').length;
  assert.equal(open, 1000, 'every idle connection is accepted and kept');
  const t0 = process.hrtime.bigint();
  const r = await big.plivo(who, 'GET', 'Number/');
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(r.status, 200, r.text);
  t.diagnostic(`a request with 1,000 idle connections open took ${ms.toFixed(1)} ms`);
  // the idle connections did not die either: each still gets its answer
  const answered = await Promise.all(socks.slice(0, 50).map((s, i) => new Promise((resolve) => {
    let got = '';
    s.on('data', (d) => { got += d.toString('latin1'); if (/\r\n\r\n/.test(got)) resolve(got.slice(0, 12)); });
    s.on('close', () => resolve(got.slice(0, 12)));
    s.write(i % 2 ? `Authorization: ${basic(who.auth_id, who.auth_token)}\r\n\r\n`
      : `GET /v1/Account/${who.auth_id}/Number/ HTTP/1.1\r\nHost: n\r\nAuthorization: ${basic(who.auth_id, who.auth_token)}\r\n\r\n`);
  })));
  assert.deepEqual([...new Set(answered)], ['HTTP/1.1 200']);
  for (const s of socks) s.destroy();
  await big.stop();
});

test('figures', (t) => {
  t.diagnostic(`hostile cases: ${cases}`);
});
