'use strict';
// Starts a private numberd server for one test file and offers small HTTP
// helpers for the API families (Plivo dialect, BYOC dialect, admin API, raw
// bytes), which can record every response (NUMBERD_RECORD_DIR, below).
//
// Every test file calls start() once: a fresh temp dir, a fresh SQLite
// database, a random port and a random admin token, so files can run in
// parallel without seeing each other's data.
//
// PostgreSQL mode: with NUMBERD_TEST_PG=postgresql://user@host:port/ (a
// throwaway cluster, see scripts/test.sh) every fresh dir gets a fresh
// database instead of t.db, created with psql (NUMBERD_TEST_PSQL, default
// psql on the PATH); its URL is kept in <dir>/pg-url, so that a server
// started again on the same dir (opts.dir) finds the same database.
// `numberd serve` on PostgreSQL requires the server key from the
// environment (every node of a deployment shares it): start() gives every
// server the test process's NUMBERD_SECRET_KEY, or one made up for the run.

const { spawn, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert/strict');

const BIN = process.env.NUMBERD_BIN
  ? path.resolve(process.env.NUMBERD_BIN)
  : path.resolve(__dirname, '../../../build/numberd');

const PG = process.env.NUMBERD_TEST_PG || '';
const PSQL = process.env.NUMBERD_TEST_PSQL || 'psql';
// the server key every server of a PostgreSQL run shares (serverEnv)
const PG_KEY = process.env.NUMBERD_SECRET_KEY || crypto.randomBytes(32).toString('hex');

/** psql against the cluster's maintenance database, or the database at url. */
function psql(sql, url) {
  const base = PG.endsWith('/') ? PG : `${PG}/`;
  return execFileSync(PSQL, [url || `${base}postgres`, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', sql],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A database of a test dir: <dir>/<name>.db (name: t by default), or in
 * PostgreSQL mode the URL of a database of the dir's own, created on first
 * use. */
function dbOf(dir, name = 't') {
  if (!PG) return path.join(dir, `${name}.db`);
  const f = path.join(dir, name === 't' ? 'pg-url' : `pg-url-${name}`);
  if (fs.existsSync(f)) return fs.readFileSync(f, 'utf8').trim();
  const db = `nd_${crypto.randomBytes(8).toString('hex')}`;
  psql(`CREATE DATABASE ${db}`);
  const base = PG.endsWith('/') ? PG : `${PG}/`;
  const url = `${base}${db}`;
  fs.writeFileSync(f, `${url}\n`);
  return url;
}

/** Drops the dir's PostgreSQL database, if it has one (best effort). */
function dropDbOf(dir) {
  if (!PG) return;
  const f = path.join(dir, 'pg-url');
  if (!fs.existsSync(f)) return;
  const name = fs.readFileSync(f, 'utf8').trim().replace(/^.*\//, '');
  try { psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); } catch { /* the cluster goes anyway */ }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function randomToken(n = 32) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[bytes[i] % alphabet.length];
  return s;
}

/**
 * Spawns `numberd serve` and resolves once it logs its address.
 * opts.admin === false starts it WITHOUT NUMBERD_ADMIN_TOKEN.
 * opts.args adds command-line arguments.
 * opts.wrap runs numberd through a command: [cmd, ...args] before the
 * binary and its arguments (unshare, to give it a resolv.conf of its own);
 * the command must exec numberd, so that its pid is numberd's.
 * opts.env adds (or, with undefined, removes) environment variables.
 * opts.dir runs on an existing directory's database (<dir>/t.db), e.g. that
 * of a stopped server (see opts.keepDir), and leaves the directory in place
 * on stop(); opts.keepDir keeps a fresh directory after stop() as well.
 * Two servers started on one dir share one database (two nodes).
 * srv.db is the database path (PostgreSQL mode: its URL; see dbOf).
 */
/**
 * The environment of a numberd this file's tests start: this process's,
 * without what would choose the database, the listener or the admin
 * token, with the run's server key on PostgreSQL, then extra (a value
 * undefined removes its variable).
 */
function serverEnv(extra = {}) {
  const env = { ...process.env };
  delete env.NUMBERD_ADMIN_TOKEN;
  delete env.NUMBERD_ADMIN_TOKEN_FILE;
  delete env.NUMBERD_DB;
  delete env.NUMBERD_LISTEN;
  if (PG && !env.NUMBERD_SECRET_KEY) env.NUMBERD_SECRET_KEY = PG_KEY;
  // every SIP rig's registrars and gateways are on 127.0.0.0/8, which a
  // customer's carrier may not use by default (sbc.test.js tests that)
  if (env.NUMBERD_SIP_ALLOW_PRIVATE === undefined) env.NUMBERD_SIP_ALLOW_PRIVATE = '1';
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = String(v);
  }
  return env;
}

async function start(opts = {}) {
  const ownDir = !opts.dir && !opts.keepDir;
  const dir = opts.dir || fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-api-'));
  const adminToken = opts.admin === false ? null : randomToken(32);
  const env = serverEnv({ ...(adminToken ? { NUMBERD_ADMIN_TOKEN: adminToken } : {}), ...(opts.env || {}) });
  // opts.sqlite: an SQLite file even in a PostgreSQL run (a copy's source)
  const db = opts.sqlite ? path.join(dir, 't.db') : dbOf(dir);
  const args = ['serve', '--db', db, '--listen', '127.0.0.1:0',
    '--threads', String(opts.threads || 2), ...(opts.args || [])];
  const child = opts.wrap
    ? spawn(opts.wrap[0], [...opts.wrap.slice(1), BIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(BIN, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });

  // 'close', not 'exit': 'exit' can come before the last of stderr has
  // been read from its pipe (what numberd logs while it stops: "stopped:
  // database closed", a sanitizer report); 'close' comes once it has been
  // read to its end
  const exited = new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  let stderr = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`numberd did not start in 10 s:\n${stderr}`)), 10000);
    let pending = '';
    let done = false; // after the listening line this listener only records stderr
    const onData = (chunk) => {
      const text = chunk.toString('utf8');
      stderr += text;
      pending += text;
      if (done) return;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
        if (m) {
          done = true;
          clearTimeout(timer);
          resolve(Number(m[1]));
          return;
        }
      }
    };
    child.stderr.on('data', onData);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`numberd exited with ${code} before listening:\n${stderr}`));
    });
  });
  // the listener above keeps draining stderr so the child never blocks on a full pipe

  const base = `http://127.0.0.1:${port}`;
  let stopped = null;
  const srv = {
    base,
    port,
    adminToken,
    dir,
    db,
    child,
    stderr: () => stderr,
    /**
     * SIGTERM, then the exit status {code, signal}.  Rejects unless numberd
     * exited 0 by itself (not killed by a signal: a sanitizer abort, a
     * crash) and printed no sanitizer report, so that every test file
     * notices a server that died or misbehaved under it (the ASan+UBSan
     * run of scripts/test.sh relies on this).
     */
    stop() {
      if (!stopped) {
        stopped = (async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const res = await exited;
          if (ownDir) {
            dropDbOf(dir);
            fs.rmSync(dir, { recursive: true, force: true });
          }
          assertCleanExit(res, stderr);
          return res;
        })();
      }
      return stopped;
    },
    /** Kills numberd with sig (SIGKILL) and resolves with {code, signal}, without judging it. */
    kill(sig = 'SIGKILL') {
      if (!stopped) {
        stopped = (async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill(sig);
          const res = await exited;
          if (ownDir) {
            dropDbOf(dir);
            fs.rmSync(dir, { recursive: true, force: true });
          }
          return res;
        })();
      }
      return stopped;
    },
    /** true while the process runs. */
    alive: () => child.exitCode === null && child.signalCode === null,
  };
  bindHelpers(srv);
  return srv;
}

// What AddressSanitizer, LeakSanitizer and UBSan print when they report.
const SANITIZER_RE = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: \w*Sanitizer/;

function assertCleanExit(res, stderr) {
  const tail = stderr.split('\n').slice(-40).join('\n');
  assert.ok(!SANITIZER_RE.test(stderr), `numberd printed a sanitizer report:\n${tail}`);
  // a write path that emitted its event outside a transaction (core/events.h): a bug
  assert.ok(!/emitted outside a transaction/.test(stderr), `an event outside its change's transaction:\n${tail}`);
  assert.deepEqual(res, { code: 0, signal: null }, `numberd did not exit cleanly:\n${tail}`);
}

async function parse(res, method, url) {
  const text = await res.text();
  let json;
  try { json = text.length ? JSON.parse(text) : undefined; } catch { json = undefined; }
  const r = { status: res.status, headers: res.headers, text, json };
  record(method, url, r);
  return r;
}

// Opt-in recording (off unless NUMBERD_RECORD_DIR is set): every response
// the helpers receive is appended as one JSON line to <dir>/<pid>.jsonl, so
// that openapi.test.js can check the API suite's responses against
// docs/openapi.json (NUMBERD_REPLAY_DIR there).  One file per process:
// node --test runs each test file in its own process, so appends never
// interleave.
function record(method, url, r) {
  const dir = process.env.NUMBERD_RECORD_DIR;
  if (!dir) return;
  let u;
  try { u = new URL(url, 'http://recorded.invalid'); } catch { u = { pathname: String(url), search: '' }; }
  const line = {
    file: path.basename(process.argv[1] || ''),
    method,
    path: u.pathname,
    query: u.search,
    status: r.status,
    contentType: r.headers.get('content-type'),
    json: r.json === undefined ? null : r.json,
    // a body that is not JSON (text/plain metrics, or a bug): its start
    text: r.json === undefined && r.text.length ? r.text.slice(0, 4096) : null,
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(path.join(dir, `${process.pid}.jsonl`), JSON.stringify(line) + '\n');
}

function bindHelpers(srv) {
  const { base } = srv;

  /** Admin API call with the Bearer token (or opts.token). */
  srv.admin = async (method, p, body, opts = {}) => {
    const headers = {};
    const token = opts.token === undefined ? srv.adminToken : opts.token;
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    let payload;
    if (body !== undefined) {
      headers['Content-Type'] = opts.contentType || 'application/json';
      payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    }
    Object.assign(headers, opts.headers || {});
    return parse(await fetch(base + p, { method, headers, body: payload }), method, p);
  };

  srv.createAccount = async (name = 'acct') => {
    const r = await srv.admin('POST', '/admin/v1/accounts', { name });
    assert.equal(r.status, 201, r.text);
    return r.json;
  };

  srv.importCsv = async (text, { dryRun } = {}) => {
    const q = dryRun === undefined ? '' : `?dry_run=${dryRun}`;
    return srv.admin('POST', `/admin/v1/inventory${q}`, text, { contentType: 'text/csv' });
  };

  /** Imports and asserts that every row went in. */
  srv.loadCsv = async (text) => {
    const r = await srv.importCsv(text);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.rejected, [], r.text);
    return r.json;
  };

  srv.compliance = async (account, countryIso, numberType) => {
    const r = await srv.admin('POST', '/admin/v1/compliance',
      { account, country_iso: countryIso, number_type: numberType });
    assert.equal(r.status, 201, r.text);
    return r.json.compliance_id;
  };

  /**
   * Plivo-dialect call as acct ({auth_id, auth_token}).
   * p is relative to /v1/Account/{auth_id}/ (e.g. 'PhoneNumber/').
   * opts.query: object of query params; opts.body: JSON body; opts.form:
   * form body; opts.headers: extra headers; opts.auth: override the
   * Authorization header (null: none); opts.pathAccount: auth_id in path.
   */
  srv.plivo = async (acct, method, p, opts = {}) => {
    const pathAccount = opts.pathAccount || acct.auth_id;
    let url = `${base}/v1/Account/${pathAccount}/${p}`;
    if (opts.query) {
      const qs = new URLSearchParams(opts.query).toString();
      if (qs) url += (url.includes('?') ? '&' : '?') + qs;
    }
    const headers = {};
    if (opts.auth === undefined) {
      headers.Authorization = basic(acct.auth_id, acct.auth_token);
    } else if (opts.auth !== null) {
      headers.Authorization = opts.auth;
    }
    let body;
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
    } else if (opts.form !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = typeof opts.form === 'string' ? opts.form : new URLSearchParams(opts.form).toString();
    }
    Object.assign(headers, opts.headers || {});
    return parse(await fetch(url, { method, headers, body }), method, url);
  };

  /**
   * BYOC-dialect call with an API key (null: no Authorization header).
   * p is relative to /v1/phone-numbers ('' or '/carriers/…').
   * opts.query: object of query params; opts.body: JSON body (a string or
   * Buffer is sent as is); opts.contentType overrides application/json;
   * opts.headers: extra headers.
   */
  srv.byoc = async (apiKey, method, p, opts = {}) => {
    let url = `${base}/v1/phone-numbers${p}`;
    if (opts.query) {
      const qs = new URLSearchParams(opts.query).toString();
      if (qs) url += `?${qs}`;
    }
    const headers = {};
    if (apiKey !== null) headers.Authorization = `Bearer ${apiKey}`;
    let body;
    if (opts.body !== undefined) {
      headers['Content-Type'] = opts.contentType || 'application/json';
      body = typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
    }
    Object.assign(headers, opts.headers || {});
    return parse(await fetch(url, { method, headers, body }), method, url);
  };

  srv.search = (acct, query) => srv.plivo(acct, 'GET', 'PhoneNumber/', { query });
  srv.buy = (acct, number, body, opts = {}) =>
    srv.plivo(acct, 'POST', `PhoneNumber/${number}/`, { body, ...opts });

  /** Exact request bytes through node:http (GET with a body, raw paths). */
  srv.raw = async (method, p, { headers = {}, body } = {}) => {
    const r = await rawRequest(base, method, p, headers, body);
    record(method, p, r);
    return r;
  };
}

function basic(id, token) {
  return 'Basic ' + Buffer.from(`${id}:${token}`).toString('base64');
}

function rawRequest(base, method, p, headers, body) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    if (body !== undefined) h['Content-Length'] = Buffer.byteLength(body);
    const req = http.request({
      host: u.hostname, port: u.port, method, path: p, headers: h, agent: false,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buffer = Buffer.concat(chunks);
        const text = buffer.toString('utf8');
        let json;
        try { json = text.length ? JSON.parse(text) : undefined; } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: new Headers(flatHeaders(res.headers)), text, json, buffer });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function flatHeaders(h) {
  const out = {};
  for (const [k, v] of Object.entries(h)) out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

/** Asserts the Plivo error envelope: exactly {api_id, error}. */
function assertPlivoError(r, status, error) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.match(r.headers.get('content-type') || '', /^application\/json/);
  assert.ok(r.json && typeof r.json === 'object', `JSON error body: ${r.text}`);
  assert.deepEqual(Object.keys(r.json).sort(), ['api_id', 'error'], r.text);
  assert.match(r.json.api_id, UUID_RE);
  if (error instanceof RegExp) assert.match(r.json.error, error);
  else if (error !== undefined) assert.equal(r.json.error, error);
  return r.json;
}

/** Asserts an RFC 7807 problem body from the admin API. */
function assertProblem(r, status, detail) {
  assert.equal(r.status, status, `want ${status}, got ${r.status}: ${r.text}`);
  assert.match(r.headers.get('content-type') || '', /^application\/problem\+json/);
  assert.ok(r.json && typeof r.json === 'object', r.text);
  assert.equal(r.json.status, status);
  assert.equal(typeof r.json.title, 'string');
  assert.equal(typeof r.json.type, 'string');
  if (detail instanceof RegExp) assert.match(r.json.detail, detail);
  else if (detail !== undefined) assert.equal(r.json.detail, detail);
  return r.json;
}

/** `numberd inventory generate` output (a CSV string). */
function generateCsv(count, country = 'US', seed = 1) {
  return execFileSync(BIN, ['inventory', 'generate', '--count', String(count),
    '--country', country, '--seed', String(seed)], { encoding: 'utf8' });
}

/** Builds a CSV from a header list and row objects (missing keys: empty). */
function csv(columns, rows) {
  const esc = (v) => {
    const s = v === undefined || v === null ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => esc(r[c])).join(','))].join('\n') + '\n';
}

const ALL_COLUMNS = ['number', 'country_iso', 'type', 'sub_type', 'prefix', 'city', 'region',
  'rate_center', 'lata', 'voice_enabled', 'sms_enabled', 'mms_enabled', 'setup_rate',
  'monthly_rental_rate', 'voice_rate', 'sms_rate', 'mms_rate', 'restriction',
  'restriction_text', 'carrier'];

/** The values of unlabelled /metrics samples of srv (scraped with the
 * metrics token), by name: { name: Number } (NaN when absent). */
async function metricValues(srv, token, names) {
  const r = await fetch(`${srv.base}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
  const text = await r.text();
  const out = {};
  for (const name of names) out[name] = Number((new RegExp(`^${name} (\\d+)$`, 'm').exec(text) || [])[1]);
  return out;
}

module.exports = {
  SANITIZER_RE, PG, dbOf, psql, BIN, UUID_RE, start, basic, randomToken, assertPlivoError, assertProblem, generateCsv, csv,
  ALL_COLUMNS, metricValues, serverEnv,
};
