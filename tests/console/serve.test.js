'use strict';
// Issue 19: how numberd serves the console (no browser needed here).
//  - every file of console/ is in the binary, byte for byte, with its
//    Content-Type, an ETag (a 304 when it matches) and Cache-Control;
//  - the console's pages (/console/numbers, /console/admin/accounts) get
//    index.html; a missing file is a 404; /console redirects to /console/;
//  - a strict Content-Security-Policy on every answer, and files that
//    need nothing it forbids: no inline script or style, nothing from
//    another host, no markup built from strings, credentials only in
//    sessionStorage.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { start } = require('./lib/console');

const ROOT = path.resolve(__dirname, '../../console');
let srv;

function filesOf(dir, base = dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesOf(p, base));
    else if (!e.name.endsWith('.md')) out.push(path.relative(base, p));
  }
  return out.sort();
}
const FILES = filesOf(ROOT);
const TYPES = { html: /^text\/html; charset=utf-8$/, js: /^text\/javascript; charset=utf-8$/, css: /^text\/css; charset=utf-8$/, svg: /^image\/svg\+xml$/ };

before(async () => { srv = await start(); });
after(async () => { await srv.stop(); });

const get = (p, headers = {}) => srv.raw('GET', p, { headers });

test('every file of console/ is served as it is, with its content type, an ETag and Cache-Control', async () => {
  assert.ok(FILES.length >= 10, `only ${FILES.length} files in console/`);
  for (const f of FILES) {
    const r = await get(`/console/${f}`);
    assert.equal(r.status, 200, `${f}: ${r.status}`);
    assert.ok(r.buffer.equals(fs.readFileSync(path.join(ROOT, f))), `${f}: the served bytes are the file's`);
    const ext = f.split('.').pop();
    assert.ok(TYPES[ext], `${f}: a kind this test knows`);
    assert.match(r.headers.get('content-type'), TYPES[ext], f);
    assert.match(r.headers.get('etag'), /^"[0-9a-f]{16}"$/, f);
    assert.equal(r.headers.get('cache-control'), 'no-cache', f);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', f);
  }
});

test('a matching If-None-Match answers 304 without a body; another ETag gets the file', async () => {
  const r = await get('/console/js/app.js');
  const etag = r.headers.get('etag');
  const again = await get('/console/js/app.js', { 'If-None-Match': etag });
  assert.equal(again.status, 304);
  assert.equal(again.buffer.length, 0);
  assert.equal(again.headers.get('etag'), etag);
  const weak = await get('/console/js/app.js', { 'If-None-Match': `"0000000000000000", W/${etag}` });
  assert.equal(weak.status, 304, 'a list and a weak validator match too');
  const other = await get('/console/js/app.js', { 'If-None-Match': '"0000000000000000"' });
  assert.equal(other.status, 200);
  assert.ok(other.buffer.length > 0);
  const css = await get('/console/app.css');
  assert.notEqual(css.headers.get('etag'), etag, 'each file its own ETag');
});

test('the console\'s pages get index.html; /console redirects; a missing file is 404', async () => {
  const index = fs.readFileSync(path.join(ROOT, 'index.html'));
  for (const p of ['/console/', '/console/numbers', '/console/search?country_iso=US&pattern=415', '/console/admin/accounts',
    '/console/admin/inventory/', '/console/no-such-page']) {
    const r = await get(p);
    assert.equal(r.status, 200, p);
    assert.match(r.headers.get('content-type'), /^text\/html/, p);
    assert.ok(r.buffer.equals(index), `${p}: index.html`);
  }
  const redirect = await get('/console');
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.get('location'), '/console/');
  for (const p of ['/console/js/nope.js', '/console/nope.css', '/console/a/b/c', '/console/js/app.js/x']) {
    const r = await get(p);
    assert.equal(r.status, 404, p);
  }
  const head = await srv.raw('HEAD', '/console/js/app.js');
  assert.equal(head.status, 200);
  assert.equal(head.buffer.length, 0);
  const post = await srv.raw('POST', '/console/numbers', { headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(post.status, 405);
});

test('the Content-Security-Policy is strict: this origin only, no inline code, no framing, Trusted Types', async () => {
  const r = await get('/console/');
  const csp = r.headers.get('content-security-policy');
  assert.ok(csp, 'a CSP header');
  const d = Object.fromEntries(csp.split(';').map((x) => x.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(d['default-src'], ["'none'"]);
  assert.deepEqual(d['script-src'], ["'self'"]);
  assert.deepEqual(d['style-src'], ["'self'"]);
  assert.deepEqual(d['connect-src'], ["'self'"]);
  assert.deepEqual(d['frame-ancestors'], ["'none'"]);
  assert.deepEqual(d['form-action'], ["'none'"]);
  assert.deepEqual(d['require-trusted-types-for'], ["'script'"]);
  assert.doesNotMatch(csp, /unsafe|https?:|\*/, 'no unsafe-*, no other host, no wildcard');
  assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  for (const p of ['/console/js/app.js', '/console/app.css', '/console/js/nope.js']) {
    assert.equal((await get(p)).headers.get('content-security-policy'), csp, p);
  }
});

test('the files need nothing the policy forbids and reach nothing outside numberd', () => {
  const index = fs.readFileSync(path.join(ROOT, 'index.html'), 'utf8');
  for (const m of index.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
    assert.match(m[1], /\bsrc="\/console\//, 'every script is a file of the console');
    assert.equal(m[2].trim(), '', 'no inline script');
  }
  assert.doesNotMatch(index, /<style\b|\sstyle=|\son[a-z]+=/i, 'no inline style, no inline handler');
  for (const f of FILES) {
    const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
    const urls = [...text.matchAll(/\b(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s'"`)]*/gi)].map((m) => m[0])
      // the SVG namespace is a name, not a fetch; example hosts in hints are text
      .filter((u) => !u.startsWith('http://www.w3.org/2000/svg') && !/example\.(com|org|net)/.test(u));
    assert.deepEqual(urls, [], `${f}: nothing from another host`);
    if (f.endsWith('.css')) assert.doesNotMatch(text, /@import|@font-face|url\(/, `${f}: no fetched fonts or images`);
    if (f.endsWith('.js')) {
      const code = text.replace(/^\s*\/\/.*$/gm, '');
      assert.doesNotMatch(code, /\.innerHTML|\.outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(/, `${f}: no markup from strings, no eval`);
      assert.doesNotMatch(code, /localStorage|document\.cookie|indexedDB/, `${f}: credentials stay in sessionStorage`);
      assert.doesNotMatch(code, /\.style\.|setAttribute\(\s*['"]style/, `${f}: no inline styles`);
    }
  }
});

test('index.html preloads every module (one round trip, not one per import level)', () => {
  const index = fs.readFileSync(path.join(ROOT, 'index.html'), 'utf8');
  const preloaded = new Set([...index.matchAll(/<link rel="modulepreload" href="\/console\/(js\/[^"]+)">/g)].map((m) => m[1]));
  const entry = /<script type="module" src="\/console\/(js\/[^"]+)">/.exec(index)[1];
  const modules = FILES.filter((f) => f.startsWith('js/') && f !== entry);
  assert.deepEqual([...preloaded].sort(), modules.sort());
});

test('/openapi.json documents the console\'s routes', async () => {
  const r = await get('/openapi.json');
  const doc = JSON.parse(r.text);
  for (const p of ['/console/', '/console/{p1}', '/console/{p1}/{p2}']) {
    assert.ok(doc.paths[p] && doc.paths[p].get, `${p} documented`);
  }
});
