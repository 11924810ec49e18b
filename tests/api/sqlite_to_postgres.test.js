'use strict';
// scripts/sqlite-to-postgres.sh (docs/DEPLOYMENT.md, "Moving a single
// SQLite node to PostgreSQL"): a node's SQLite database, with something of
// every kind in it, copied to a fresh PostgreSQL database; a node started
// on the copy answers every read as the SQLite node did, takes the same
// credentials, replays the same Idempotency-Key, and goes on writing ids
// after the copied ones.
//
// Found by a helper's reading of the docs (session 39): the script copied
// schema version 2 only and refused every database of this release
// (version 20), whose own advice (start it with this numberd) could never
// make it pass.  PostgreSQL stage only (the copy needs a cluster).

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { PG, BIN, start, dbOf, psql, csv } = require('./lib/server');

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'sqlite-to-postgres.sh');
const COLS = ['number', 'country_iso', 'type', 'sub_type', 'region', 'monthly_rental_rate', 'setup_rate'];
const STOCK = Array.from({ length: 6 }, (_, i) => `1415555${String(7100 + i)}`);

/** What the reads answer, without the per-answer api_id. */
function strip(r) {
  assert.equal(r.status, 200, r.text);
  const { api_id: _, ...rest } = r.json;
  return rest;
}

test('a SQLite database copied to PostgreSQL: the same answers, credentials, replays; ids go on', {
  skip: PG ? false : 'PostgreSQL stage only (the copy needs a cluster)',
}, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-s2p-'));
  const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-s2p-pg-'));
  let S = null;
  let P = null;
  try {
    const SBC = { NUMBERD_SBC_TOKEN: 'sbc-token-for-the-copy-0123456789' };
    S = await start({ sqlite: true, dir, env: SBC });
    await S.loadCsv(csv(COLS, STOCK.map((number) => ({ number, country_iso: 'US', type: 'local', sub_type: 'local',
      region: 'California, US', monthly_rental_rate: '0.80', setup_rate: '0.00' }))));
    const a = await S.createAccount('moving');
    const b = await S.createAccount('other');
    const sub = await S.plivo(a, 'POST', 'Subaccount/', { body: { name: 'sub one', enabled: true } });
    assert.equal(sub.status, 201, sub.text);
    const app = await S.plivo(a, 'POST', 'Application/', { body: { app_name: 'voice', answer_url: 'https://example.com/a' } });
    assert.equal(app.status, 201, app.text);
    // a purchase under an Idempotency-Key, one for the subaccount, one for b
    const idem = { 'Idempotency-Key': 'move-me-1' };
    const bought = await S.buy(a, STOCK[0], {}, { headers: idem });
    assert.equal(bought.status, 201, bought.text);
    assert.equal((await S.buy(a, STOCK[1], { subaccount: sub.json.auth_id })).status, 201);
    assert.equal((await S.buy(b, STOCK[2])).status, 201);
    // a carrier with sealed passwords (inbound auth), a number on it, a key
    const c = await S.byoc(a.api_key, 'POST', '/carriers', { body: { carrier_name: 'trunk', trunk_type: 'auth',
      inbound_auth: { username: 'user1', password: 'a secret pass' }, sip_gateway: { ipv4: '198.51.100.20' } } });
    assert.equal(c.status, 201, c.text);
    // a label that reads "\N" (a review: the copy's CSV took it for NULL)
    const added = await S.byoc(a.api_key, 'POST', '', { body: { number: '+14155550190', voip_carrier_sid: c.json.voip_carrier_sid, label: '\\N' } });
    assert.equal(added.status, 201, added.text);
    const key = await S.byoc(a.api_key, 'POST', '/api-keys', { body: { scopes: ['phone_numbers:read'], label: 'ro' } });
    assert.equal(key.status, 201, key.text);

    const reads = async (srv) => ({
      numbers: strip(await srv.plivo(a, 'GET', 'Number/', { query: { limit: 20 } })),
      sub: strip(await srv.plivo(a, 'GET', `Subaccount/${sub.json.auth_id}/`)),
      app: strip(await srv.plivo(a, 'GET', `Application/${app.json.app_id}/`)),
      carrier: (await srv.byoc(a.api_key, 'GET', `/carriers/${c.json.id}`)).json,
      byocNumbers: (await srv.byoc(key.json.api_key, 'GET', '')).json,
      keys: (await srv.byoc(a.api_key, 'GET', '/api-keys')).json.data.map(({ last_used_at: _, ...k }) => k),
      events: (await srv.admin('GET', '/admin/v1/events', undefined, { query: { limit: 100 } })).json,
      stats: (await srv.admin('GET', '/admin/v1/inventory/stats')).json,
      otherNumbers: strip(await srv.plivo(b, 'GET', 'Number/')),
      search: strip(await srv.search(a, { country_iso: 'US' })).objects.map((o) => o.number),
      // the sealed SIP password, opened: its HA1 (the same key on both)
      sbc: (await srv.admin('GET', `/sbc/v1/inbound?${new URLSearchParams({ src_ip: '198.51.100.20', to: '+14155550190', realm: 'sbc.example.net' })}`,
        undefined, { token: SBC.NUMBERD_SBC_TOKEN })).json,
    });
    const before = await reads(S);
    assert.equal(before.numbers.meta.total_count, 3);
    assert.ok(before.byocNumbers.data.some((n) => n.label === '\\N'), JSON.stringify(before.byocNumbers));
    assert.match(String(before.sbc.ha1), /^[0-9a-f]{32}$/, JSON.stringify(before.sbc));
    assert.equal((await S.stop()).code, 0);
    S = null;

    // the copy (NUMBERD_BIN: this build's migrate)
    const url = dbOf(pgDir);
    const r = spawnSync('bash', [SCRIPT, path.join(dir, 't.db'), url], { encoding: 'utf8', env: { ...process.env, NUMBERD_BIN: BIN } });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^copied .*t\.db to PostgreSQL/m);

    P = await start({ dir: pgDir, env: SBC });
    const after = await reads(P);
    assert.deepEqual(after, before, 'every read answers as on SQLite');
    // the counts PostgreSQL keeps itself, from the copied rows
    const counted = psql('SELECT coalesce(sum(n), 0) FROM owner_counts', url).trim();
    assert.equal(Number(counted), 4, 'owner counts rebuilt by the triggers (3 bought + 1 added)');
    // the credentials (token, key), the replay, the next ids
    const replay = await P.buy(a, STOCK[0], {}, { headers: idem });
    assert.equal(replay.status, 201, replay.text);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(replay.json, bought.json);
    assert.equal((await P.buy(a, STOCK[3])).status, 201);
    const c2 = await P.byoc(a.api_key, 'POST', '/carriers', { body: { carrier_name: 'second', sip_gateway: { ipv4: '198.51.100.21' } } });
    assert.equal(c2.status, 201, c2.text);
    const ev = (await P.admin('GET', '/admin/v1/events', undefined, { query: { limit: 100 } })).json.data;
    const maxBefore = Math.max(...before.events.data.map((e) => Number(e.id)));
    const fresh = ev.filter((e) => Number(e.id) > maxBefore).map((e) => e.type);
    assert.ok(fresh.includes('number.bought') && fresh.includes('carrier.created'), `new events after the copied ones: ${fresh}`);
    // a second copy into a database that is not empty: refused
    const again = spawnSync('bash', [SCRIPT, path.join(dir, 't.db'), url], { encoding: 'utf8', env: { ...process.env, NUMBERD_BIN: BIN } });
    assert.equal(again.status, 1);
    assert.match(again.stderr, /the PostgreSQL database is not empty/);
  } finally {
    if (S) await S.stop();
    if (P) await P.stop();
    const f = path.join(pgDir, 'pg-url');
    if (fs.existsSync(f)) {
      const name = fs.readFileSync(f, 'utf8').trim().replace(/^.*\//, '');
      try { psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); } catch { /* the cluster goes anyway */ }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(pgDir, { recursive: true, force: true });
  }
});
