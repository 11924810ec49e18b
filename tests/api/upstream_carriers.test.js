'use strict';
// SIP.md §1: the operator's upstream carriers — /admin/v1/carriers CRUD,
// an import naming an unknown carrier creates it, a carrier that inventory
// rows name cannot be deleted (409 with the count) nor renamed, and the CLI
// `numberd carrier …` over the same core.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { start, assertProblem, UUID_RE, BIN, PG, dbOf } = require('./lib/server');

let srv;
before(async () => { srv = await start({ keepDir: true }); });
after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

const TS_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe('/admin/v1/carriers', () => {
  let id;
  test('create: 201 with gateways (ranges inbound only, hosts outbound only) and outbound auth without the password', async () => {
    const r = await srv.admin('POST', '/admin/v1/carriers', {
      name: 'upstream-alpha',
      sip_gateways: [{ address: '203.0.113.0/24' }, { address: '198.51.100.7', port: 5070 },
        { address: 'SIP.Alpha.example', port: 5080 }, { address: '2001:db8::/48' }],
      outbound_auth: { username: 'trunk7', password: 'correct horse 1', realm: 'alpha.example' },
    });
    assert.equal(r.status, 201, r.text);
    id = r.json.id;
    assert.match(id, UUID_RE);
    assert.equal(r.json.name, 'upstream-alpha');
    assert.equal(r.json.kind, 'upstream');
    assert.match(r.json.created_at, TS_RE);
    const g = r.json.sip_gateways;
    assert.equal(g.length, 4);
    assert.deepEqual(g.map((x) => [x.address, x.port, x.netmask, x.inbound, x.outbound]), [
      ['203.0.113.0/24', 5060, 24, true, false],
      ['198.51.100.7', 5070, 32, true, true],
      ['sip.alpha.example', 5080, 32, false, true],
      ['2001:db8::/48', 5060, 48, true, false],
    ]);
    for (const x of g) assert.match(x.sip_gateway_sid, UUID_RE);
    assert.deepEqual(r.json.outbound_auth, { username: 'trunk7', realm: 'alpha.example' });
    assert.ok(!r.text.includes('correct horse'), 'the password is never shown');
  });

  test('get by id and by name; list; 404 for others', async () => {
    const a = await srv.admin('GET', `/admin/v1/carriers/${id}`);
    assert.equal(a.status, 200, a.text);
    const b = await srv.admin('GET', '/admin/v1/carriers/upstream-alpha');
    assert.equal(b.status, 200, b.text);
    assert.deepEqual(a.json, b.json);
    const l = await srv.admin('GET', '/admin/v1/carriers?name=upstream-alpha');
    assert.equal(l.status, 200, l.text);
    assert.equal(l.json.total, 1);
    assert.equal(l.json.data[0].id, id);
    assertProblem(await srv.admin('GET', '/admin/v1/carriers/no-such'), 404);
    assertProblem(await srv.admin('GET', '/admin/v1/carriers/00000000-0000-4000-8000-000000000000'), 404);
    assertProblem(await srv.admin('GET', '/admin/v1/carriers', undefined, { token: 'wrong-token-0123456789' }), 401);
  });

  test('every fault at once, with its path; nothing created', async () => {
    const r = await srv.admin('POST', '/admin/v1/carriers', {
      name: '', sip_gateways: [{ address: '203.0.113.9/24', color: 'red' }, { address: 'gw.example', inbound: true },
        { address: '10.0.0.1', port: 70000 }],
      outbound_auth: { username: 'u' }, extra: 1,
    });
    const p = assertProblem(r, 400);
    const paths = p.errors.map((e) => e.path).sort();
    assert.deepEqual(paths, ['extra', 'name', 'outbound_auth.password', 'sip_gateways[0].address',
      'sip_gateways[0].color', 'sip_gateways[1].address', 'sip_gateways[2].port'].sort(), r.text);
    assert.match(p.errors.find((e) => e.path === 'sip_gateways[0].address').message, /203\.0\.113\.0\/24/);
    const l = await srv.admin('GET', '/admin/v1/carriers');
    assert.equal(l.json.total, 1);
  });

  test('a taken name is 409; a customer carrier of that name is another scope', async () => {
    assertProblem(await srv.admin('POST', '/admin/v1/carriers', { name: 'upstream-alpha' }), 409);
  });

  test('update: gateways replaced, credentials removed with null, rename while unused', async () => {
    const r = await srv.admin('PATCH', `/admin/v1/carriers/${id}`,
      { sip_gateways: [{ address: '192.0.2.0/25' }], outbound_auth: null, name: 'upstream-a2' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.name, 'upstream-a2');
    assert.equal(r.json.outbound_auth, null);
    assert.deepEqual(r.json.sip_gateways.map((x) => x.address), ['192.0.2.0/25']);
    const again = await srv.admin('PATCH', '/admin/v1/carriers/upstream-a2', { name: 'upstream-alpha' });
    assert.equal(again.status, 200, again.text);
    const bad = await srv.admin('PATCH', `/admin/v1/carriers/${id}`, { sip_gateways: 'x' });
    assertProblem(bad, 400);
    // an update that changes nothing keeps updated_at (as customers'
    // carriers do: a review, session 39)
    const at = again.json.updated_at;
    await new Promise((res) => setTimeout(res, 1100));
    for (const body of [{}, { name: 'upstream-alpha' }]) {
      const n = await srv.admin('PATCH', `/admin/v1/carriers/${id}`, body);
      assert.equal(n.status, 200, n.text);
      assert.equal(n.json.updated_at, at, JSON.stringify(body));
    }
  });

  test('import naming unknown carriers creates them without gateways; in use: no delete (409 with count), no rename', async () => {
    const csv = 'number,country_iso,type,carrier\n14155550100,US,local,upstream-beta\n' +
      '14155550101,US,local,upstream-beta\n14155550102,US,local,upstream-alpha\n';
    const dry = await srv.importCsv(csv, { dryRun: true });
    assert.equal(dry.status, 200, dry.text);
    assertProblem(await srv.admin('GET', '/admin/v1/carriers/upstream-beta'), 404); // a dry run creates nothing
    await srv.loadCsv(csv);
    const b = await srv.admin('GET', '/admin/v1/carriers/upstream-beta');
    assert.equal(b.status, 200, b.text);
    assert.deepEqual(b.json.sip_gateways, []);
    assert.equal(b.json.outbound_auth, null);
    const d = assertProblem(await srv.admin('DELETE', '/admin/v1/carriers/upstream-beta'), 409);
    assert.match(d.detail, /^2 inventory numbers name carrier upstream-beta/);
    assertProblem(await srv.admin('DELETE', `/admin/v1/carriers/${id}`), 409, /^1 inventory number names/);
    assertProblem(await srv.admin('PATCH', `/admin/v1/carriers/${id}`, { name: 'renamed' }), 409);
    // the gateways of a carrier in use may change
    const g = await srv.admin('PATCH', '/admin/v1/carriers/upstream-beta', { sip_gateways: [{ address: '198.51.100.0/24' }] });
    assert.equal(g.status, 200, g.text);
    // importing again creates nothing new
    await srv.loadCsv(csv);
    const l = await srv.admin('GET', '/admin/v1/carriers');
    assert.deepEqual(l.json.data.map((c) => c.name).sort(), ['upstream-alpha', 'upstream-beta']);
  });

  // Found by a helper's audit (session 37): a carrier named only by rows
  // the import refused (numbers already sold) was made all the same, with
  // its carrier.created event.
  test('a carrier named only by refused rows is not made', async () => {
    await srv.loadCsv('number,country_iso,type\n14155550150,US,local\n');
    const buyer = await srv.createAccount('delta-buyer');
    assert.equal((await srv.buy(buyer, '14155550150')).status, 201);
    const r = await srv.importCsv('number,country_iso,type,carrier\n14155550150,US,local,upstream-delta\n');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.rejected_count, 1, r.text);
    assertProblem(await srv.admin('GET', '/admin/v1/carriers/upstream-delta'), 404);
  });

  test('a carrier name an upstream carrier may not have rejects its row, not the file after its commit', async () => {
    // before: each row passed (no C0 control, at most 64 bytes), every row
    // committed, then the carrier's making refused the name: 400 for the
    // file, its rows in the inventory naming a carrier that never came
    const names = [' ', 'up\u0085stream', 'up\u2028stream'];
    const csv = 'number,country_iso,type,carrier\n14155550140,US,local,upstream-gamma\n' +
      names.map((n, i) => `1415555014${i + 1},US,local,"${n}"\n`).join('');
    for (const dryRun of [true, false]) {
      const r = await srv.importCsv(csv, { dryRun });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.imported, 1, r.text);
      assert.deepEqual(r.json.rejected.map((x) => x.line), [3, 4, 5], r.text);
      for (const x of r.json.rejected) {
        assert.equal(x.error, 'invalid carrier: all blanks, or a control or line-separator character');
      }
    }
    const l = await srv.admin('GET', '/admin/v1/carriers?limit=100');
    assert.equal(l.status, 200, l.text);
    const made = l.json.data.map((c) => c.name);
    assert.ok(made.includes('upstream-gamma'), l.text);
    for (const n of names) assert.ok(!made.includes(n), `carrier ${JSON.stringify(n)} was made`);
    // the rejected rows are not in the inventory; the good one is
    const buyer = await srv.createAccount('gamma-buyer');
    const f = await srv.plivo(buyer, 'GET', 'PhoneNumber/', { query: { country_iso: 'US', pattern: '415555014' } });
    assert.equal(f.status, 200, f.text);
    const found = f.json.objects.map((o) => o.number).filter((n) => n.startsWith('1415555014'));
    assert.deepEqual(found, ['14155550140'], f.text);
  });

  test('delete an unused carrier: 204, then 404', async () => {
    const c = await srv.admin('POST', '/admin/v1/carriers', { name: 'spare' });
    assert.equal(c.status, 201, c.text);
    const d = await srv.admin('DELETE', `/admin/v1/carriers/${c.json.id}`);
    assert.equal(d.status, 204, d.text);
    assertProblem(await srv.admin('DELETE', `/admin/v1/carriers/${c.json.id}`), 404);
  });

  test('upstream carriers are not customers\' carriers', async () => {
    const acct = await srv.createAccount('cust');
    const r = await srv.byoc(acct.api_key, 'GET', '/carriers');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.data.length, 0, r.text);
  });
});

describe('numberd carrier (CLI)', { skip: PG ? 'the CLI case runs on SQLite' : false }, () => {
  test('add, list, show, update, delete', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-carrier-cli-'));
    const db = path.join(dir, 'c.db');
    const pw = path.join(dir, 'pw');
    fs.writeFileSync(pw, 'sekrit-password\n');
    const run = (...args) => spawnSync(BIN, ['carrier', ...args, '--db', db], { encoding: 'utf8' });
    let r = run('add', 'up-cli', '--inbound', '203.0.113.0/24,198.51.100.7', '--outbound',
      '198.51.100.7,gw.example.net:5080', '--out-user', 'trunk', '--out-password-file', pw);
    assert.equal(r.status, 0, r.stderr);
    const c = JSON.parse(r.stdout);
    assert.deepEqual(c.sip_gateways.map((g) => [g.address, g.port, g.inbound, g.outbound]), [
      ['203.0.113.0/24', 5060, true, false], ['198.51.100.7', 5060, true, true], ['gw.example.net', 5080, false, true]]);
    assert.equal(c.outbound_auth.username, 'trunk');
    r = run('list');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 1);
    r = run('update', 'up-cli', '--no-outbound-auth', '--inbound', '192.0.2.0/24');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).outbound_auth, null);
    assert.deepEqual(JSON.parse(r.stdout).sip_gateways.map((g) => g.address), ['192.0.2.0/24']);
    r = run('add', 'bad', '--inbound', '10.0.0.1/8');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^numberd: carrier add: .*host bits set: use 10\.0\.0\.0\/8/);
    r = run('show', c.id);
    assert.equal(r.status, 0, r.stderr);
    r = run('delete', 'up-cli');
    assert.equal(r.status, 0, r.stderr);
    r = run('show', 'up-cli');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^numberd: carrier show: upstream carrier not found/);
    r = run('frobnicate', 'x');
    assert.equal(r.status, 2);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
