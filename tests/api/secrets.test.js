'use strict';
// Secrets at rest and in logs (issue 8, item 8; API.md §0 "Secrets at rest").
//
// A session uses every kind of secret numberd knows: the admin token, auth
// tokens (main account and subaccount), API keys (created with the account
// and later), and SIP passwords (BYOC carriers with trunk_type auth and reg,
// created and changed). Some are also sent where they are wrong (a failed
// authentication must not log what it was given). The server runs at
// --log-level debug, its most talkative. Then, with the server running and
// again after it stopped, its log output and the database files (the
// database, -wal, -shm) are searched for every secret, as text and in the
// forms it travelled in (base64 of Basic credentials, JSON-escaped): none
// may be found. The database, its -wal and -shm, and the key file must be
// mode 0600 even when numberd is started with umask 000.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { start, basic, PG } = require('./lib/server');

// This file greps the SQLite database files and their modes: on PostgreSQL
// the data lives in the server's cluster, whose files are PostgreSQL's own.
const skip = PG ? 'SQLite files only (the PostgreSQL run stores data in its cluster)' : false;

let srv;
const secrets = {}; // name -> secret text
let snapshotRunning = {};

before(async () => {
  if (PG) return;
  const old = process.umask(0o000);
  try {
    srv = await start({ keepDir: true, args: ['--log-level', 'debug'], env: { NUMBERD_SECRET_KEY: undefined, NUMBERD_SECRET_KEY_FILE: undefined } });
  } finally {
    process.umask(old);
  }
  secrets.admin_token = srv.adminToken;
});

after(() => {
  if (srv) fs.rmSync(srv.dir, { recursive: true, force: true });
});

async function byoc(key, method, p, body) {
  const res = await fetch(srv.base + p, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
}

test('a session with every kind of secret', { skip }, async () => {
  const a = await srv.createAccount('secretive');
  secrets.auth_token = a.auth_token;
  secrets.api_key = a.api_key;
  const k = await srv.admin('POST', `/admin/v1/accounts/${a.auth_id}/api-keys`, { scopes: ['phone_numbers:read', 'phone_numbers:write'] });
  assert.equal(k.status, 201, k.text);
  secrets.api_key_2 = k.json.api_key;
  const s = await srv.plivo(a, 'POST', 'Subaccount/', { body: { name: 'team', enabled: true } });
  assert.equal(s.status, 201, s.text);
  secrets.sub_token = s.json.auth_token;
  const sub = { auth_id: s.json.auth_id, auth_token: s.json.auth_token };
  assert.equal((await srv.plivo(sub, 'GET', 'Number/')).status, 200);

  // SIP passwords, through both trunk types, created and changed
  secrets.sip_inbound = 'in-Pa55word-Kx7q2mZ';
  secrets.sip_register = 'reg-Pa55word-Vw9e4tY';
  secrets.sip_changed = 'chg-Pa55word-Hq3r8uN';
  secrets.sip_form = 'form-Pa55word-Lp6s1dR';
  const c1 = await byoc(a.api_key, 'POST', '/v1/phone-numbers/carriers', {
    carrier_name: 'auth trunk', trunk_type: 'auth', sip_gateway: { ipv4: '192.0.2.10' },
    inbound_auth: { username: 'pbx1', password: secrets.sip_inbound },
  });
  assert.equal(c1.status, 201, c1.text);
  // with an Idempotency-Key: the request is hashed and stored with the key
  // (keyed with the server key, so not a dictionary target either)
  secrets.sip_idem = 'idem-Pa55word-Zt5y0bM';
  const ci = await fetch(`${srv.base}/v1/phone-numbers/carriers`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${a.api_key}`, 'Content-Type': 'application/json', 'Idempotency-Key': 'secret-carrier-0001' },
    body: JSON.stringify({ carrier_name: 'keyed trunk', trunk_type: 'auth', sip_gateway: { ipv4: '192.0.2.12' },
      inbound_auth: { username: 'pbx4', password: secrets.sip_idem } }),
  });
  assert.equal(ci.status, 201, await ci.text());
  const c2 = await byoc(secrets.api_key_2, 'POST', '/v1/phone-numbers/carriers', {
    carrier_name: 'reg trunk', trunk_type: 'reg', sip_gateway: { ipv4: 'sip.example.com', inbound: false, outbound: true },
    registration: { username: 'pbx2', password: secrets.sip_register, sip_realm: 'sip.example.com' },
  });
  assert.equal(c2.status, 201, c2.text);
  const p = await byoc(a.api_key, 'PATCH', `/v1/phone-numbers/carriers/${c1.json.id}`,
    { inbound_auth: { username: 'pbx1', password: secrets.sip_changed } });
  assert.equal(p.status, 200, p.text);
  // a refused carrier (wrong trunk type for the credentials) must not leave its password anywhere either
  const bad = await byoc(a.api_key, 'POST', '/v1/phone-numbers/carriers', {
    carrier_name: 'refused', trunk_type: 'static_ip', sip_gateway: { ipv4: '192.0.2.11' },
    inbound_auth: { username: 'pbx3', password: secrets.sip_form },
  });
  assert.equal(bad.status, 400, bad.text);

  // no answer ever shows a password
  for (const r of [c1, c2, p, bad, await byoc(a.api_key, 'GET', '/v1/phone-numbers/carriers'),
    await byoc(a.api_key, 'GET', `/v1/phone-numbers/carriers/${c2.json.id}`)]) {
    for (const [name, v] of Object.entries(secrets)) {
      if (name.startsWith('sip_')) assert.ok(!r.text.includes(v), `an answer shows ${name}: ${r.text}`);
    }
  }

  // secrets sent where they are wrong: failed authentications
  assert.equal((await srv.plivo(a, 'GET', 'Number/', { pathAccount: sub.auth_id })).status, 401);
  assert.equal((await byoc(secrets.admin_token, 'GET', '/v1/phone-numbers')).status, 401);
  assert.equal((await srv.admin('GET', '/admin/v1/accounts', undefined, { token: secrets.api_key })).status, 401);
  assert.equal((await srv.plivo({ auth_id: a.auth_id, auth_token: secrets.sub_token }, 'GET', 'Number/')).status, 401);
  assert.equal((await srv.plivo(a, 'GET', 'Number/', { auth: `Bearer ${secrets.auth_token}` })).status, 401);

  // while it runs: the files and their modes
  for (const f of ['t.db', 't.db-wal', 't.db-shm', 't.db.key']) {
    const file = `${srv.dir}/${f}`;
    assert.ok(fs.existsSync(file), `${f} exists while the server runs`);
    assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600', `${f} mode (started with umask 000)`);
    snapshotRunning[f] = fs.readFileSync(file);
  }
  secrets.server_key = fs.readFileSync(`${srv.dir}/t.db.key`, 'utf8').trim();
  delete snapshotRunning['t.db.key'];
});

/** The forms a secret may have travelled or been stored in. */
function forms(name, v) {
  const out = [v, JSON.stringify(v).slice(1, -1), Buffer.from(v).toString('hex')];
  if (v.length >= 12) out.push(v.slice(0, 12)); // a truncated copy in a log line
  return out;
}

function assertNoSecrets(where, buf) {
  const text = buf.toString('latin1');
  for (const [name, v] of Object.entries(secrets)) {
    for (const f of forms(name, v)) {
      assert.ok(!text.includes(f), `${where} holds ${name} in clear (${f.slice(0, 6)}…)`);
    }
  }
}

test('no secret in the log output or the database files while the server runs', { skip }, () => {
  assert.ok(Object.keys(secrets).length >= 10);
  const log = srv.stderr();
  assert.ok(log.length > 200, 'the server logged');
  // Basic credentials travel base64-encoded: search for those too
  const basics = [basic('x', secrets.auth_token), basic('x', secrets.sub_token)].map((b) => b.slice(6, 20));
  for (const b of basics) assert.ok(!log.includes(b));
  assertNoSecrets('the log', Buffer.from(log));
  for (const [f, buf] of Object.entries(snapshotRunning)) {
    assert.ok(buf.length > 0, `${f} is not empty`);
    assertNoSecrets(f, buf);
  }
  // a positive control: what is not secret is found where it is searched for
  const all = Buffer.concat(Object.values(snapshotRunning)).toString('latin1');
  assert.ok(all.includes('secretive') && all.includes('pbx2'), 'the account name and SIP user name are on disk');
});

test('nor after a clean stop; the files stay 0600', { skip }, async () => {
  await srv.stop();
  assertNoSecrets('the log', Buffer.from(srv.stderr()));
  const db = fs.readFileSync(`${srv.dir}/t.db`);
  assertNoSecrets('t.db', db);
  for (const f of fs.readdirSync(srv.dir)) {
    const st = fs.statSync(`${srv.dir}/${f}`);
    assert.equal((st.mode & 0o777).toString(8), '600', `${f} mode`);
    if (f !== 't.db.key') assertNoSecrets(f, fs.readFileSync(`${srv.dir}/${f}`));
  }
  // the database does hold the sealed passwords (the carrier works), just not in clear
  assert.ok(db.includes(Buffer.from('pbx1')), 'the SIP user name is stored (it is not a secret)');
});
