'use strict';
// SIP.md §5, the HTTP side: a `reg` carrier's registration_status in the
// BYOC dialect and GET /admin/v1/registrations (filters, errors), with and
// without the registration client.  The SIP side (real registrars) is
// tests/sip/registration.test.js.

// /metrics needs a token by default; these tests read it open.
process.env.NUMBERD_METRICS_OPEN = '1';
const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const { start, assertProblem } = require('./lib/server');

const CARRIERS = '/v1/phone-numbers/carriers';
const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
let srv;
let acct;
let idx = 0;

const byoc = (s, a, method, p, body) => s.byoc(a.api_key, method, p.replace('/v1/phone-numbers', ''), { body });

function regBody(port) {
  return {
    carrier_name: `Reg ${++idx}`, trunk_type: 'reg',
    sip_gateway: { ipv4: '127.0.0.1', port, inbound: true, outbound: true },
    registration: { username: 'alice', password: 'Reg-Pass-4711', sip_realm: 'example.com' },
  };
}

// A UDP port nobody answers on: bound here and kept silent.
function silentPort() {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => resolve({ port: s.address().port, close: () => s.close() }));
  });
}

describe('without the registration client', () => {
  before(async () => {
    srv = await start();
    acct = await srv.createAccount('reg');
  });
  after(async () => { await srv.stop(); });

  test('a reg carrier shows registration_status unregistered with nulls; others null', async () => {
    const r = await byoc(srv, acct, 'POST', CARRIERS, regBody(5060));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.registration_status, undefined); // the create answer is the short one
    const g = await byoc(srv, acct, 'GET', `${CARRIERS}/${r.json.id}`);
    assert.equal(g.status, 200, g.text);
    assert.deepEqual(g.json.registration_status, {
      state: 'unregistered', last_code: null, reason: null, expires_at: null, last_attempt_at: null,
      next_attempt_at: null, failures: 0,
    });
    const s = await byoc(srv, acct, 'POST', CARRIERS, { carrier_name: `Static ${++idx}`, sip_gateway: { ipv4: '198.51.100.7' } });
    assert.equal(s.status, 201, s.text);
    const sg = await byoc(srv, acct, 'GET', `${CARRIERS}/${s.json.id}`);
    assert.equal(sg.json.registration_status, null);
  });

  test('GET /admin/v1/registrations: empty, filters checked, admin only', async () => {
    const r = await srv.admin('GET', '/admin/v1/registrations');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { registrations: [], total_count: 0, limit: 20, offset: 0 });
    assertProblem(await srv.admin('GET', '/admin/v1/registrations?state=bogus'), 400,
      /state must be one of registering, registered, failed, unregistered/);
    assertProblem(await srv.admin('GET', '/admin/v1/registrations?colour=red'), 400, /unknown parameter: colour/);
    assertProblem(await srv.admin('GET', '/admin/v1/registrations?limit=0'), 400, /limit/);
    assert.equal((await srv.admin('GET', '/admin/v1/registrations', undefined, { token: null })).status, 401);
  });

  test('bad --sip-listen: the server does not start', async () => {
    await assert.rejects(start({ args: ['--sip-listen', 'example.com:5060'] }), /exited with 2/);
    await assert.rejects(start({ args: ['--sip-contact', '127.0.0.1'] }), /exited with 2/);
  });
});

describe('with the registration client, a registrar that never answers', () => {
  let silent;
  before(async () => {
    silent = await silentPort();
    // Timer F = 64 * T1 = 3.2 s
    srv = await start({ args: ['--sip-listen', '127.0.0.1:0'], env: { NUMBERD_SIP_T1_MS: '50' } });
    acct = await srv.createAccount('reg2');
  });
  after(async () => {
    await srv.stop();
    silent.close();
  });

  test('registering, then no answer: stored, listed with filters, counted in /metrics', async () => {
    const r = await byoc(srv, acct, 'POST', CARRIERS, regBody(silent.port));
    assert.equal(r.status, 201, r.text);
    let st;
    for (let i = 0; i < 100; i++) {
      st = (await byoc(srv, acct, 'GET', `${CARRIERS}/${r.json.id}`)).json.registration_status;
      if (st.reason === 'no answer') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(st.reason, 'no answer', JSON.stringify(st));
    assert.equal(st.state, 'registering');
    assert.equal(st.last_code, null);
    assert.equal(st.failures, 1);
    assert.match(st.last_attempt_at, TS_RE);
    assert.match(st.next_attempt_at, TS_RE);
    assert.equal(st.expires_at, null);

    const l = await srv.admin('GET', `/admin/v1/registrations?state=registering&account_id=${acct.auth_id}`);
    assert.equal(l.status, 200, l.text);
    assert.equal(l.json.total_count, 1);
    const [x] = l.json.registrations;
    assert.equal(x.carrier_id, r.json.id);
    assert.equal(x.account_id, acct.auth_id);
    assert.equal(x.state, 'registering');
    assert.match(x.node, /:\d+$/);
    const none = await srv.admin('GET', '/admin/v1/registrations?state=registered');
    assert.equal(none.json.total_count, 0);
    const other = await srv.admin('GET', '/admin/v1/registrations?account_id=MA00000000000000NONE');
    assert.equal(other.json.total_count, 0);

    const m = await (await fetch(`${srv.base}/metrics`)).text();
    assert.match(m, /^numberd_sip_registrations\{state="registering"\} 1$/m);
    assert.match(m, /^numberd_sip_register_failures_total\{code="0"\} 1$/m);
  });
});
