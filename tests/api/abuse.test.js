'use strict';
// Abuse limits (issue 8, item 6):
//  - the per-account request budget (--rate-limit, Plivo's 300 requests per
//    5 seconds by default): 429 with Retry-After, per account, both dialects;
//  - throttling of failed authentications per client address
//    (--auth-fail-limit, 20 per 60 s by default): 429 with Retry-After for
//    every authenticated request from that address, good credentials
//    included, until the period is over; other addresses unaffected;
//  - the per-address connection limit (--max-conns-per-ip, 64 by default).
//
// The clock is frozen with NUMBERD_FAKE_NOW where a window must not roll
// over during the test. Other source addresses: all of 127.0.0.0/8 is
// loopback on Linux.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const { execFileSync } = require('node:child_process');
const { start, basic, assertPlivoError, assertProblem, BIN } = require('./lib/server');

const NOW = 1900000000; // a multiple of 5, 10 and 60: windows start here

/** A request from a chosen source address (node:http, fresh connection). */
function from(srv, localAddress, method, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: srv.port, method, path, headers, localAddress, agent: false,
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: new Headers(res.headers), text, json });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('per-account rate limit', () => {
  let srv;
  let a;
  let b;
  let dir;
  before(async () => {
    srv = await start({ keepDir: true, env: { NUMBERD_FAKE_NOW: NOW } }); // the default budget, 300/5
    dir = srv.dir;
    a = await srv.createAccount('a');
    b = await srv.createAccount('b');
  });
  after(async () => {
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the default is 300 requests per 5 s; the 301st gets 429 with Retry-After', async () => {
    for (let i = 0; i < 300; i++) {
      const r = await srv.plivo(a, 'GET', 'Number/');
      assert.equal(r.status, 200, `request ${i + 1}: ${r.text}`);
    }
    const r = await srv.plivo(a, 'GET', 'Number/');
    assertPlivoError(r, 429, 'too many requests: rate limit exceeded');
    assert.equal(r.headers.get('retry-after'), '5');
    // the BYOC dialect counts against the same budget, in its own shape
    const k = await fetch(`${srv.base}/v1/phone-numbers`, { headers: { Authorization: `Bearer ${a.api_key}` } });
    const kt = await k.text();
    assertProblem({ status: k.status, headers: k.headers, json: JSON.parse(kt) }, 429);
    assert.equal(k.headers.get('retry-after'), '5');
  });

  test('another account has its own budget', async () => {
    const r = await srv.plivo(b, 'GET', 'Number/');
    assert.equal(r.status, 200, r.text);
  });

  test('a request refused for the rate limit did nothing', async () => {
    const r = await srv.plivo(a, 'POST', 'Subaccount/', { body: { name: 'never' } });
    assert.equal(r.status, 429);
    // a restart forgets the budget: the list shows what the 429 left behind
    await srv.stop();
    srv = await start({ dir, env: { NUMBERD_FAKE_NOW: NOW } });
    const list = await srv.plivo(a, 'GET', 'Subaccount/');
    assert.equal(list.status, 200, list.text);
    assert.equal(list.json.meta.total_count, 0, list.text);
  });
});

describe('--rate-limit and NUMBERD_RATE_LIMIT', () => {
  test('the budget is back after Retry-After (2/2, real clock)', async () => {
    const srv = await start({ args: ['--rate-limit', '2/2'] });
    try {
      const a = await srv.createAccount('a');
      let r;
      // a window may end between two requests: go on until one is refused
      for (let i = 0; i < 20; i++) {
        r = await srv.plivo(a, 'GET', 'Number/');
        if (r.status === 429) break;
        assert.equal(r.status, 200, r.text);
      }
      assert.equal(r.status, 429);
      const wait = Number(r.headers.get('retry-after'));
      assert.ok(wait >= 1 && wait <= 2, `Retry-After ${wait}`);
      await new Promise((res) => setTimeout(res, wait * 1000 + 100));
      const again = await srv.plivo(a, 'GET', 'Number/');
      assert.equal(again.status, 200, again.text);
    } finally { await srv.stop(); }
  });

  test('3/10: three requests, then 429 with Retry-After 10; 0 turns it off', async () => {
    const srv = await start({ args: ['--rate-limit', '3/10'], env: { NUMBERD_FAKE_NOW: NOW } });
    try {
      const a = await srv.createAccount('a');
      for (let i = 0; i < 3; i++) assert.equal((await srv.plivo(a, 'GET', 'Number/')).status, 200);
      const r = await srv.plivo(a, 'GET', 'Number/');
      assert.equal(r.status, 429);
      assert.equal(r.headers.get('retry-after'), '10');
    } finally { await srv.stop(); }
    const env = await start({ env: { NUMBERD_FAKE_NOW: NOW + 7, NUMBERD_RATE_LIMIT: '2/10' } });
    try {
      const a = await env.createAccount('a');
      for (let i = 0; i < 2; i++) assert.equal((await env.plivo(a, 'GET', 'Number/')).status, 200);
      const r = await env.plivo(a, 'GET', 'Number/');
      assert.equal(r.status, 429);
      assert.equal(r.headers.get('retry-after'), '3'); // the window ends at NOW + 10
    } finally { await env.stop(); }
    const off = await start({ args: ['--rate-limit', '0'], env: { NUMBERD_FAKE_NOW: NOW } });
    try {
      const a = await off.createAccount('a');
      for (let i = 0; i < 400; i++) assert.equal((await off.plivo(a, 'GET', 'Number/')).status, 200);
    } finally { await off.stop(); }
  });
});

describe('subaccounts share their main account\'s budget (issue 15)', () => {
  test('10/60: a main account and its two subaccounts get 10 requests in all; another main account its own 10', async () => {
    const srv = await start({ args: ['--rate-limit', '10/60'], env: { NUMBERD_FAKE_NOW: NOW } });
    try {
      const main = await srv.createAccount('main');
      const other = await srv.createAccount('other');
      const subs = [];
      for (const name of ['s1', 's2']) { // 2 of main's 10
        const r = await srv.plivo(main, 'POST', 'Subaccount/', { body: { name, enabled: true } });
        assert.equal(r.status, 201, r.text);
        subs.push({ auth_id: r.json.auth_id, auth_token: r.json.auth_token });
      }
      for (let i = 0; i < 4; i++) { // 8 more: 4 each
        for (const s of subs) assert.equal((await srv.plivo(s, 'GET', 'Number/')).status, 200);
      }
      for (const who of [main, ...subs]) {
        const r = await srv.plivo(who, 'GET', 'Number/');
        assert.equal(r.status, 429, `${who.auth_id}: ${r.text}`);
        const ra = Number(r.headers.get('retry-after'));
        assert.ok(ra >= 1 && ra <= 60, `Retry-After ${ra}`);
      }
      // the BYOC dialect spends the same budget
      const b = await srv.byoc(main.api_key, 'GET', '');
      assert.equal(b.status, 429, b.text);
      for (let i = 0; i < 10; i++) assert.equal((await srv.plivo(other, 'GET', 'Number/')).status, 200);
      assert.equal((await srv.plivo(other, 'GET', 'Number/')).status, 429);
    } finally { await srv.stop(); }
  });
});

describe('throttling of failed authentications per address', () => {
  let srv;
  let a;
  before(async () => {
    srv = await start({ env: { NUMBERD_FAKE_NOW: NOW } }); // the default, 20/60
    a = await srv.createAccount('a');
  });
  after(async () => { await srv.stop(); });

  const wrong = () => ({ Authorization: basic('MA00000000000000000X', 'x'.repeat(40)) });

  test('20 failures from one address, then 429 with Retry-After even with good credentials', async () => {
    const ip = '127.0.0.21';
    for (let i = 0; i < 20; i++) {
      const r = await from(srv, ip, 'GET', `/v1/Account/${a.auth_id}/Number/`, wrong());
      assert.equal(r.status, 401, `failure ${i + 1}: ${r.text}`);
    }
    const good = { Authorization: basic(a.auth_id, a.auth_token) };
    const r = await from(srv, ip, 'GET', `/v1/Account/${a.auth_id}/Number/`, good);
    assertPlivoError(r, 429, /too many failed authentications/);
    assert.equal(r.headers.get('retry-after'), '60');
    // every dialect, every credential: the address is refused before they are looked at
    const k = await from(srv, ip, 'GET', '/v1/phone-numbers', { Authorization: `Bearer ${a.api_key}` });
    assert.equal(k.status, 429, k.text);
    assert.match(k.headers.get('content-type'), /problem\+json/);
    const adm = await from(srv, ip, 'GET', '/admin/v1/accounts', { Authorization: `Bearer ${srv.adminToken}` });
    assert.equal(adm.status, 429, adm.text);
    assert.equal(adm.headers.get('retry-after'), '60');
  });

  test('other addresses are not affected', async () => {
    const good = { Authorization: basic(a.auth_id, a.auth_token) };
    const r = await from(srv, '127.0.0.22', 'GET', `/v1/Account/${a.auth_id}/Number/`, good);
    assert.equal(r.status, 200, r.text);
  });

  test('19 failures do not block; wrong API keys and admin tokens count too', async () => {
    const ip = '127.0.0.23';
    for (let i = 0; i < 7; i++) assert.equal((await from(srv, ip, 'GET', '/v1/phone-numbers', { Authorization: 'Bearer nd_live_wrong' })).status, 401);
    for (let i = 0; i < 6; i++) assert.equal((await from(srv, ip, 'GET', '/admin/v1/accounts', { Authorization: 'Bearer wrong-admin-token' })).status, 401);
    for (let i = 0; i < 6; i++) assert.equal((await from(srv, ip, 'GET', `/v1/Account/${a.auth_id}/Number/`, wrong())).status, 401);
    const ok = await from(srv, ip, 'GET', `/v1/Account/${a.auth_id}/Number/`, { Authorization: basic(a.auth_id, a.auth_token) });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await from(srv, ip, 'GET', `/v1/Account/${a.auth_id}/Number/`, wrong())).status, 401); // the 20th
    assert.equal((await from(srv, ip, 'GET', `/v1/Account/${a.auth_id}/Number/`, wrong())).status, 429);
  });

  test('a good credential used on another account\'s path is a failure too', async () => {
    const b = await srv.createAccount('b');
    const ip = '127.0.0.24';
    for (let i = 0; i < 20; i++) {
      const r = await from(srv, ip, 'GET', `/v1/Account/${b.auth_id}/Number/`, { Authorization: basic(a.auth_id, a.auth_token) });
      assert.equal(r.status, 401);
    }
    assert.equal((await from(srv, ip, 'GET', `/v1/Account/${a.auth_id}/Number/`, { Authorization: basic(a.auth_id, a.auth_token) })).status, 429);
  });

  // Found by a helper's audit (session 37): a request without credentials
  // counted as a failure, so any web page could lock its visitors' shared
  // address (an office's NAT) out of the API with <img> tags.  Only sent
  // credentials count, and not a browser's for another site's page.
  test('no credentials, or a browser\'s request for another site, is no guess: not counted', async () => {
    const ip = '127.0.0.25';
    const p = `/v1/Account/${a.auth_id}/Number/`;
    for (let i = 0; i < 30; i++) {
      assert.equal((await from(srv, ip, 'GET', p, {})).status, 401);
      assert.equal((await from(srv, ip, 'GET', '/v1/phone-numbers', {})).status, 401);
      assert.equal((await from(srv, ip, 'GET', p, { ...wrong(), 'Sec-Fetch-Site': 'cross-site' })).status, 401);
    }
    const good = await from(srv, ip, 'GET', p, { Authorization: basic(a.auth_id, a.auth_token) });
    assert.equal(good.status, 200, good.text);
  });

  test('paths without authentication are not throttled: unknown paths still 404', async () => {
    const r = await from(srv, '127.0.0.21', 'GET', '/nowhere');
    assert.equal(r.status, 404);
  });
});

describe('--auth-fail-limit and NUMBERD_AUTH_FAIL_LIMIT', () => {
  test('3/2: the block ends when the period is over', async () => {
    const srv = await start({ args: ['--auth-fail-limit', '3/2'] });
    try {
      const a = await srv.createAccount('a');
      const path = `/v1/Account/${a.auth_id}/Number/`;
      for (let i = 0; i < 3; i++) assert.equal((await from(srv, '127.0.0.31', 'GET', path, { Authorization: basic(a.auth_id, 'y'.repeat(40)) })).status, 401);
      const blocked = await from(srv, '127.0.0.31', 'GET', path, { Authorization: basic(a.auth_id, a.auth_token) });
      assert.equal(blocked.status, 429);
      const wait = Number(blocked.headers.get('retry-after'));
      assert.ok(wait >= 1 && wait <= 2, `Retry-After ${wait}`);
      await new Promise((r) => setTimeout(r, wait * 1000 + 1100));
      const ok = await from(srv, '127.0.0.31', 'GET', path, { Authorization: basic(a.auth_id, a.auth_token) });
      assert.equal(ok.status, 200, ok.text);
    } finally { await srv.stop(); }
  });

  test('the environment variable, and 0 for off', async () => {
    const srv = await start({ env: { NUMBERD_AUTH_FAIL_LIMIT: '2/60', NUMBERD_FAKE_NOW: NOW } });
    try {
      const a = await srv.createAccount('a');
      const path = `/v1/Account/${a.auth_id}/Number/`;
      const bad = { Authorization: basic(a.auth_id, 'y'.repeat(40)) };
      for (let i = 0; i < 2; i++) assert.equal((await from(srv, '127.0.0.32', 'GET', path, bad)).status, 401);
      assert.equal((await from(srv, '127.0.0.32', 'GET', path, bad)).status, 429);
    } finally { await srv.stop(); }
    const off = await start({ args: ['--auth-fail-limit', '0'] });
    try {
      const a = await off.createAccount('a');
      const path = `/v1/Account/${a.auth_id}/Number/`;
      for (let i = 0; i < 50; i++) assert.equal((await from(off, '127.0.0.33', 'GET', path, { Authorization: basic(a.auth_id, 'y'.repeat(40)) })).status, 401);
    } finally { await off.stop(); }
  });

  test('bad values are usage errors, and --help documents the flags', () => {
    for (const args of [['--auth-fail-limit', '20'], ['--auth-fail-limit', '20/0'], ['--auth-fail-limit', 'x/60'],
      ['--auth-fail-limit', '20/60s'], ['--max-conns-per-ip', '-1'], ['--max-conns-per-ip', 'many'],
      ['--conn-timeout', '0']]) {
      let status = 0;
      let stderr = '';
      try {
        execFileSync(BIN, ['serve', '--db', ':memory:', ...args], { stdio: 'pipe', env: { ...process.env, NUMBERD_ADMIN_TOKEN: '' } });
      } catch (e) { status = e.status; stderr = String(e.stderr); }
      assert.equal(status, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, new RegExp(`invalid ${args[0]}`));
    }
    const help = execFileSync(BIN, ['serve', '--help'], { encoding: 'utf8' });
    assert.match(help, /--auth-fail-limit N\/S .*NUMBERD_AUTH_FAIL_LIMIT \(20\/60; 0 = off\)/);
    assert.match(help, /--max-conns-per-ip N .*NUMBERD_MAX_CONNS_PER_IP \(64; 0 = no limit\)/);
    assert.match(help, /--rate-limit N\/S .*NUMBERD_RATE_LIMIT \(300\/5; 0 = off\)/);
  });
});

describe('per-address connection limit', () => {
  /** Opens n connections from localAddress and waits until each is open (or refused). */
  async function openMany(srv, n, localAddress) {
    const socks = [];
    await Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: srv.port, localAddress });
      s.on('error', () => {});
      s.once('connect', resolve);
      s.once('error', resolve);
      socks.push(s);
    })));
    return socks;
  }

  /** The sockets srv's process holds (its listener, its connections). */
  function sockets(srv) {
    const dir = `/proc/${srv.child.pid}/fd`;
    return fs.readdirSync(dir).filter((fd) => {
      try { return fs.readlinkSync(`${dir}/${fd}`).startsWith('socket:'); } catch { return false; }
    }).length;
  }

  /** Waits until srv holds n sockets more than `before` (up to 10 s): the
   * connections opened are its own, no longer in its listen backlog.  A
   * client's 'connect' says only that the kernel completed the handshake;
   * a fixed 200 ms for the server to accept them all could be short on a
   * loaded machine, and a ninth connection accepted beside the eighth
   * could take its place under the limit. */
  async function accepted(srv, before, n) {
    const end = Date.now() + 10000;
    while (sockets(srv) < before + n && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.ok(sockets(srv) >= before + n, `numberd holds ${sockets(srv) - before} of the ${n} connections`);
  }

  /** One request on a fresh connection from localAddress: its status, or 'closed'. */
  function tryRequest(srv, localAddress, path) {
    return new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: srv.port, localAddress });
      let got = '';
      s.on('connect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: n\r\nConnection: close\r\n\r\n`));
      s.on('data', (d) => { got += d.toString('latin1'); });
      s.on('error', () => {});
      s.on('close', () => {
        const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
        resolve(m ? Number(m[1]) : 'closed');
      });
    });
  }

  test('--max-conns-per-ip 8: the ninth connection from one address is closed unanswered; others still served', async () => {
    const srv = await start({ args: ['--max-conns-per-ip', '8'] });
    try {
      const base = sockets(srv);
      const idle = await openMany(srv, 8, '127.0.0.41');
      await accepted(srv, base, 8);
      assert.equal(await tryRequest(srv, '127.0.0.41', '/nowhere'), 'closed');
      assert.equal(await tryRequest(srv, '127.0.0.42', '/nowhere'), 404);
      const r = await srv.admin('GET', '/admin/v1/accounts');
      assert.equal(r.status, 200);
      for (const s of idle) s.destroy();
      // the server counts a connection out when it sees it closed, which
      // the client's destroy() does not wait for: tried again for a while
      let again;
      for (let i = 0; i < 50 && again !== 404; i++) {
        await new Promise((r2) => setTimeout(r2, 100));
        again = await tryRequest(srv, '127.0.0.41', '/nowhere');
      }
      assert.equal(again, 404, 'served again once its connections are closed');
    } finally { await srv.stop(); }
  });

  test('the default is 64 per address', async () => {
    const srv = await start();
    try {
      const base = sockets(srv);
      const idle = await openMany(srv, 64, '127.0.0.43');
      await accepted(srv, base, 64);
      assert.equal(await tryRequest(srv, '127.0.0.43', '/nowhere'), 'closed');
      assert.equal(await tryRequest(srv, '127.0.0.44', '/nowhere'), 404);
      for (const s of idle) s.destroy();
    } finally { await srv.stop(); }
  });

  test('NUMBERD_MAX_CONNS_PER_IP=0 lifts the limit', async () => {
    const srv = await start({ env: { NUMBERD_MAX_CONNS_PER_IP: '0' } });
    try {
      const base = sockets(srv);
      const idle = await openMany(srv, 100, '127.0.0.45');
      await accepted(srv, base, 100);
      assert.equal(await tryRequest(srv, '127.0.0.45', '/nowhere'), 404);
      for (const s of idle) s.destroy();
    } finally { await srv.stop(); }
  });
});
