'use strict';
// Issue 15: tenants do not learn each other's names.  Application and
// carrier names were unique per MAIN account and the 409 named the clash,
// so a subaccount creating (or renaming to) "x" learned that its parent or
// a sibling had an "x".  Names are now unique per owner that sees the object
// (the main account's own objects; each subaccount's) -- docs/SECURITY.md --
// so a subaccount's create or rename answers exactly as if the others'
// objects did not exist.  Runs on SQLite, and on PostgreSQL with
// NUMBERD_TEST_PG.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { start } = require('./lib/server');

let srv;
let alice; // main account
let sa1;
let sa2; // sa1's sibling
let bob; // another main account

before(async () => {
  srv = await start({ args: ['--rate-limit', '0'] });
  alice = await srv.createAccount('alice');
  bob = await srv.createAccount('bob');
  const sub = async (name) => {
    const r = await srv.plivo(alice, 'POST', 'Subaccount/', { body: { name, enabled: true } });
    assert.equal(r.status, 201, r.text);
    return { auth_id: r.json.auth_id, auth_token: r.json.auth_token };
  };
  sa1 = await sub('sa1');
  sa2 = await sub('sa2');
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

const mkApp = (who, name) => srv.plivo(who, 'POST', 'Application/', { body: { app_name: name, answer_url: 'https://example.com/a' } });
const mkCarrier = (who, name) => srv.plivo(who, 'POST', 'IncomingCarrier/', { body: { name, ip_set: '192.0.2.77' } });

describe('names are unique per owner: no 409 reveals another tenant\'s name (issue 15)', () => {
  for (const [kind, mk, idOf, path, nameKey] of [
    ['application', mkApp, (r) => r.json.app_id, 'Application', 'app_name'],
    ['carrier', mkCarrier, (r) => r.json.carrier_id, 'IncomingCarrier', 'name'],
  ]) {
    test(`${kind}: the parent's and a sibling's names are free to a subaccount; its own are not`, async () => {
      const parentName = `p_${kind}`;
      const siblingName = `s_${kind}`;
      assert.equal((await mk(alice, parentName)).status, 201);
      assert.equal((await mk(sa2, siblingName)).status, 201);
      // sa1 creates both names: answered as for names nobody has
      const fresh = await mk(sa1, `f_${kind}`);
      assert.equal(fresh.status, 201, fresh.text);
      for (const n of [parentName, siblingName]) {
        const r = await mk(sa1, n);
        assert.equal(r.status, 201, `${n}: ${r.text}`);
      }
      // a name sa1 itself has: 409, naming only sa1's own object
      const again = await mk(sa1, parentName);
      assert.equal(again.status, 409, again.text);
      // renames: sa1 renames its fresh object to the sibling's name... taken by itself now;
      // to the parent's other name: free
      assert.equal((await mk(alice, `${parentName}2`)).status, 201);
      const ren = await srv.plivo(sa1, 'POST', `${path}/${idOf(fresh)}/`, { body: { [nameKey]: `${parentName}2` } });
      assert.ok(ren.status === 200 || ren.status === 202, ren.text);
      const ren2 = await srv.plivo(sa1, 'POST', `${path}/${idOf(fresh)}/`, { body: { [nameKey]: siblingName } });
      assert.equal(ren2.status, 409, ren2.text); // sa1's own copy of it
      // the main account: its own names are its own; a name only a
      // subaccount has is free to it too (it is not refused for them)
      assert.equal((await mk(alice, parentName)).status, 409);
      const mainSib = await mk(alice, siblingName);
      assert.equal(mainSib.status, 201, mainSib.text);
      // another main account: free, as before
      assert.equal((await mk(bob, parentName)).status, 201);
      // each owner lists only its own; the main account sees every copy
      const list = await srv.plivo(sa1, 'GET', `${path}/`);
      const names = list.json.objects.map((o) => o[nameKey]).sort();
      assert.deepEqual(names, [`${parentName}2`, parentName, siblingName].sort());
      const all = await srv.plivo(alice, 'GET', `${path}/`, { query: { limit: 20 } });
      assert.equal(all.json.objects.filter((o) => o[nameKey] === siblingName).length, 3); // sa2's, sa1's, alice's
    });
  }

  test('BYOC carriers (the main account\'s API key) share the main account\'s names only', async () => {
    const r1 = await srv.plivo(sa1, 'POST', 'IncomingCarrier/', { body: { name: 'byoc_x', ip_set: '192.0.2.78' } });
    assert.equal(r1.status, 201, r1.text);
    const b = await srv.byoc(alice.api_key, 'POST', '/carriers', { body: { carrier_name: 'byoc_x', sip_gateway: { ipv4: '198.51.100.8' } } });
    assert.equal(b.status, 201, b.text);
    const b2 = await srv.byoc(alice.api_key, 'POST', '/carriers', { body: { carrier_name: 'byoc_x', sip_gateway: { ipv4: '198.51.100.8' } } });
    assert.equal(b2.status, 409, b2.text);
  });
});
