'use strict';
// API.md §2.4 (Incoming carriers), §2.1 (envelopes), §0 (paths, bodies,
// unknown parameters, booleans, 405 with Allow), §1 (what a subaccount sees),
// §2.5 (deleting a subaccount hands its things to the main account), seed 000.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { start, assertPlivoError, UUID_RE } = require('./lib/server');

const CARRIER_ID_RE = /^\d{14}$/;
const CARRIER_KEYS = ['carrier_id', 'ip_set', 'name', 'resource_uri', 'sms', 'voice'];
const NOBODY_CARRIER = '12345678901234';

let srv;
let alice;
let bob;
let sub1; // alice's subaccounts
let sub2;

before(async () => {
  srv = await start({ args: ['--rate-limit', '0'] }); // many calls per account in a few ms
  alice = await srv.createAccount('alice');
  bob = await srv.createAccount('bob');
  sub1 = await createSub(alice, 'sub1');
  sub2 = await createSub(alice, 'sub2');
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

// ---- helpers -----------------------------------------------------------------

let seq = 0;
const uniqueName = (p = 'carrier') => `${p}-${++seq}`;

async function createSub(main, name) {
  const r = await srv.plivo(main, 'POST', 'Subaccount/', { body: { name, enabled: true } });
  assert.equal(r.status, 201, r.text);
  return { auth_id: r.json.auth_id, auth_token: r.json.auth_token };
}

const create = (acct, body, opts = {}) => srv.plivo(acct, 'POST', 'IncomingCarrier/', { body, ...opts });

async function mustCreate(acct, body = {}) {
  const r = await create(acct, { name: uniqueName(), ip_set: '192.0.2.1', ...body });
  assert.equal(r.status, 201, r.text);
  return r.json.carrier_id;
}

async function getCarrier(acct, id) {
  const r = await srv.plivo(acct, 'GET', `IncomingCarrier/${id}/`);
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.api_id, UUID_RE);
  const { api_id, ...rest } = r.json;
  return rest;
}

const update = (acct, id, body, opts = {}) => srv.plivo(acct, 'POST', `IncomingCarrier/${id}/`, { body, ...opts });

async function mustUpdate(acct, id, body) {
  const r = await update(acct, id, body);
  assert.equal(r.status, 202, r.text);
  assert.deepEqual(Object.keys(r.json).sort(), ['api_id', 'message']);
  assert.match(r.json.api_id, UUID_RE);
  assert.equal(r.json.message, 'changed');
}

async function list(acct, query) {
  const r = await srv.plivo(acct, 'GET', 'IncomingCarrier/', { query });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function allIds(acct) {
  const out = [];
  for (let offset = 0; ; offset += 20) {
    const page = await list(acct, { offset });
    out.push(...page.objects.map((o) => o.carrier_id));
    if (!page.meta.next) return out;
  }
}

const carrierUri = (acct, id) => `/v1/Account/${acct.auth_id}/IncomingCarrier/${id}/`;

/** Creates a carrier with this ip_set and returns how it is shown. */
async function ipSetOf(ipSet) {
  const id = await mustCreate(alice, { ip_set: ipSet });
  return (await getCarrier(alice, id)).ip_set;
}

async function ipSetError(ipSet) {
  const r = await create(alice, { name: uniqueName('bad'), ip_set: ipSet });
  return assertPlivoError(r, 400).error;
}

// ---- create ------------------------------------------------------------------

describe('create', () => {
  test('201 {api_id, carrier_id (14 digits), message: created}; GET shows the object', async () => {
    const r = await create(alice, { name: 'Shape_1-a', ip_set: '192.0.2.10' });
    assert.equal(r.status, 201, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(Object.keys(r.json).sort(), ['api_id', 'carrier_id', 'message']);
    assert.match(r.json.api_id, UUID_RE);
    assert.match(r.json.carrier_id, CARRIER_ID_RE);
    assert.equal(r.json.message, 'created');
    const id = r.json.carrier_id;
    const g = await srv.plivo(alice, 'GET', `IncomingCarrier/${id}/`);
    assert.equal(g.status, 200, g.text);
    assert.deepEqual(Object.keys(g.json).sort(), ['api_id', ...CARRIER_KEYS].sort());
    assert.match(g.json.api_id, UUID_RE);
    assert.notEqual(g.json.api_id, r.json.api_id);
    assert.deepEqual(await getCarrier(alice, id), {
      carrier_id: id, name: 'Shape_1-a', ip_set: '192.0.2.10', voice: true, sms: true,
      resource_uri: carrierUri(alice, id),
    });
  });

  test('carrier ids are distinct', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await mustCreate(alice));
    for (const id of ids) assert.match(id, CARRIER_ID_RE);
    assert.equal(new Set(ids).size, ids.length);
  });

  test('voice and sms: default true; JSON booleans and the strings "true"/"false"', async () => {
    const cases = [
      [{}, true, true],
      [{ voice: false }, false, true],
      [{ sms: false }, true, false],
      [{ voice: false, sms: false }, false, false],
      [{ voice: true, sms: true }, true, true],
      [{ voice: 'false', sms: 'true' }, false, true],
      [{ voice: 'true', sms: 'false' }, true, false],
    ];
    for (const [extra, voice, sms] of cases) {
      const c = await getCarrier(alice, await mustCreate(alice, extra));
      assert.equal(c.voice, voice, JSON.stringify(extra));
      assert.equal(c.sms, sms, JSON.stringify(extra));
    }
  });

  test('a non-boolean voice or sms: 400 naming it, nothing created', async () => {
    const before = await allIds(alice);
    for (const [field, value] of [['voice', 'yes'], ['sms', 1], ['voice', 'TRUEISH'], ['voice', ''], ['sms', [true]]]) {
      const r = await create(alice, { name: uniqueName('bool'), ip_set: '192.0.2.1', [field]: value });
      assertPlivoError(r, 400, `invalid ${field}: want true or false`);
    }
    assert.deepEqual(await allIds(alice), before);
  });

  test('a form body (application/x-www-form-urlencoded) works too', async () => {
    const name = uniqueName('form');
    const r = await create(alice, undefined, { form: { name, ip_set: '192.0.2.7, 2001:DB8::7', voice: 'false' } });
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.carrier_id, CARRIER_ID_RE);
    assert.deepEqual(await getCarrier(alice, r.json.carrier_id), {
      carrier_id: r.json.carrier_id, name, ip_set: '192.0.2.7,2001:db8::7', voice: false, sms: true,
      resource_uri: carrierUri(alice, r.json.carrier_id),
    });
  });

  test('missing name or ip_set: 400 missing required parameter', async () => {
    const before = await allIds(alice);
    assertPlivoError(await create(alice, { ip_set: '192.0.2.1' }), 400, 'missing required parameter: name');
    assertPlivoError(await create(alice, { name: uniqueName() }), 400, 'missing required parameter: ip_set');
    assertPlivoError(await create(alice, undefined, { form: { ip_set: '192.0.2.1' } }), 400,
      'missing required parameter: name');
    assertPlivoError(await create(alice, undefined, { form: { name: uniqueName() } }), 400,
      'missing required parameter: ip_set');
    assert.deepEqual(await allIds(alice), before);
  });

  test('an unknown body field: 400 unknown parameter: X', async () => {
    const before = await allIds(alice);
    assertPlivoError(await create(alice, { name: uniqueName(), ip_set: '192.0.2.1', ipset: '192.0.2.2' }), 400,
      'unknown parameter: ipset');
    assertPlivoError(await create(alice, undefined, { form: { name: uniqueName(), ip_set: '192.0.2.1', carrier_id: '1' } }),
      400, 'unknown parameter: carrier_id');
    assert.deepEqual(await allIds(alice), before);
  });

  test('name: 1 to 64 of [A-Za-z0-9_-]', async () => {
    const ok = ['x', 'A'.repeat(64), 'Az09_-', '-', '_lead', 'ALLCAPS'];
    for (const name of ok) {
      const r = await create(alice, { name, ip_set: '192.0.2.1' });
      assert.equal(r.status, 201, `${name}: ${r.text}`);
      assert.equal((await getCarrier(alice, r.json.carrier_id)).name, name);
    }
    const before = await allIds(alice);
    const bad = ['', 'B'.repeat(65), 'with space', 'dot.ted', 'slash/x', 'ümlaut', 'semi;colon', ' lead', 'tab\t',
      'new\nline', 'comma,x', '%41'];
    for (const name of bad) {
      const r = await create(alice, { name, ip_set: '192.0.2.1' });
      assertPlivoError(r, 400, /^invalid name: /);
    }
    assert.deepEqual(await allIds(alice), before);
  });

  test('name: a string, not another JSON type', async () => {
    for (const name of [true, ['a'], { a: 1 }]) {
      const r = await create(alice, { name, ip_set: '192.0.2.1' });
      assertPlivoError(r, 400, 'invalid name: want a string');
    }
  });

  test('a duplicate name in the account: 409; the first carrier is unchanged', async () => {
    const name = uniqueName('dup');
    const id = await mustCreate(alice, { name, ip_set: '192.0.2.50' });
    const before = await allIds(alice);
    assertPlivoError(await create(alice, { name, ip_set: '192.0.2.51', voice: false }), 409,
      `a carrier named ${name} already exists`);
    assert.deepEqual(await allIds(alice), before);
    assert.deepEqual(await getCarrier(alice, id), {
      carrier_id: id, name, ip_set: '192.0.2.50', voice: true, sms: true, resource_uri: carrierUri(alice, id),
    });
  });

  test('another account may reuse a name', async () => {
    const name = uniqueName('shared');
    const a = await mustCreate(alice, { name });
    const r = await create(bob, { name, ip_set: '198.51.100.1' });
    assert.equal(r.status, 201, r.text);
    assert.notEqual(r.json.carrier_id, a);
    assert.equal((await getCarrier(bob, r.json.carrier_id)).name, name);
    assert.equal((await getCarrier(alice, a)).name, name);
    assert.deepEqual((await list(bob, { name })).objects.map((o) => o.carrier_id), [r.json.carrier_id]);
    assert.deepEqual((await list(alice, { name })).objects.map((o) => o.carrier_id), [a]);
  });

  test('names are unique per owner: the main account\'s own, and each subaccount\'s (issue 15)', async () => {
    const mainName = uniqueName('main');
    const subName = uniqueName('sub');
    await mustCreate(alice, { name: mainName });
    const r = await create(sub1, { name: subName, ip_set: '192.0.2.1' });
    assert.equal(r.status, 201, r.text);
    // a subaccount's own name is taken for it
    assertPlivoError(await create(sub1, { name: subName, ip_set: '192.0.2.1' }), 409,
      `a carrier named ${subName} already exists`);
    assertPlivoError(await create(alice, { name: mainName, ip_set: '192.0.2.1' }), 409,
      `a carrier named ${mainName} already exists`);
    // the parent's and a sibling's names are not: a 409 would tell the
    // subaccount they exist (docs/SECURITY.md); nor is a subaccount's for
    // the main account
    for (const [who, name] of [[sub1, mainName], [sub2, subName], [alice, subName]]) {
      const x = await create(who, { name, ip_set: '192.0.2.1' });
      assert.equal(x.status, 201, x.text);
    }
    // bob is another account: fine
    const b = await create(bob, { name: subName, ip_set: '192.0.2.1' });
    assert.equal(b.status, 201, b.text);
  });

  test('paths without the trailing slash', async () => {
    const name = uniqueName('noslash');
    const r = await srv.plivo(alice, 'POST', 'IncomingCarrier', { body: { name, ip_set: '192.0.2.3' } });
    assert.equal(r.status, 201, r.text);
    const id = r.json.carrier_id;
    const g = await srv.plivo(alice, 'GET', `IncomingCarrier/${id}`);
    assert.equal(g.status, 200, g.text);
    assert.equal(g.json.name, name);
    assert.equal(g.json.resource_uri, carrierUri(alice, id));
    const l = await srv.plivo(alice, 'GET', 'IncomingCarrier', { query: { name } });
    assert.equal(l.status, 200, l.text);
    assert.deepEqual(l.json.objects.map((o) => o.carrier_id), [id]);
    const u = await srv.plivo(alice, 'POST', `IncomingCarrier/${id}`, { body: { ip_set: '192.0.2.4' } });
    assert.equal(u.status, 202, u.text);
    assert.equal((await getCarrier(alice, id)).ip_set, '192.0.2.4');
    const d = await srv.plivo(alice, 'DELETE', `IncomingCarrier/${id}`);
    assert.equal(d.status, 204, d.text);
    assertPlivoError(await srv.plivo(alice, 'GET', `IncomingCarrier/${id}`), 404);
  });

  test('a method the path does not serve: 405 with Allow', async () => {
    const id = await mustCreate(alice);
    const before = await getCarrier(alice, id);
    const methods = (r) => r.headers.get('allow').split(/,\s*/).filter((m) => m !== 'HEAD').sort();
    for (const p of ['IncomingCarrier/', 'IncomingCarrier']) {
      for (const m of ['PUT', 'PATCH', 'DELETE']) {
        const r = await srv.plivo(alice, m, p, { body: m === 'DELETE' ? undefined : { name: 'x', ip_set: '192.0.2.1' } });
        assertPlivoError(r, 405);
        assert.deepEqual(methods(r), ['GET', 'POST'], `${m} ${p}`);
      }
    }
    for (const p of [`IncomingCarrier/${id}/`, `IncomingCarrier/${id}`]) {
      for (const m of ['PUT', 'PATCH']) {
        const r = await srv.plivo(alice, m, p, { body: { name: 'renamed-by-put' } });
        assertPlivoError(r, 405);
        assert.deepEqual(methods(r), ['DELETE', 'GET', 'POST'], `${m} ${p}`);
      }
    }
    assert.deepEqual(await getCarrier(alice, id), before);
  });
});

// ---- ip_set ------------------------------------------------------------------

describe('ip_set', () => {
  test('IPv4 addresses and prefixes; spaces and tabs around entries; order kept', async () => {
    assert.equal(await ipSetOf('192.0.2.1'), '192.0.2.1');
    assert.equal(await ipSetOf('203.0.113.5, 192.0.2.1 ,\t10.0.0.0/8\t, 0.0.0.0/1'),
      '203.0.113.5,192.0.2.1,10.0.0.0/8,0.0.0.0/1');
    assert.equal(await ipSetOf('  198.51.100.0/24  '), '198.51.100.0/24');
    assert.equal(await ipSetOf('255.255.255.255,0.0.0.0'), '255.255.255.255,0.0.0.0');
    assert.equal(await ipSetOf('1.2.3.4/32'), '1.2.3.4');
    assert.equal(await ipSetOf('1.2.3.4/31'), '1.2.3.4/31');
    assert.equal(await ipSetOf('128.0.0.0/1'), '128.0.0.0/1');
    assert.equal(await ipSetOf('10.1.2.0/23'), '10.1.2.0/23');
  });

  test('IPv6: any RFC 4291 text form, shown in RFC 5952 form', async () => {
    const cases = [
      ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:db8::1', '2001:db8::1'],
      ['::1', '::1'],
      ['FE80::ABCD', 'fe80::abcd'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // equal runs: the first one is compressed
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run is compressed
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single 0 is not compressed
      ['2001:db8:1:2:3:4:5:0', '2001:db8:1:2:3:4:5:0'],
      ['1:0:0:0:0:0:0:0', '1::'],
      ['::ffff:192.0.2.1', '::ffff:192.0.2.1'], // IPv4-mapped: dotted quad kept (RFC 5952 §5)
      ['0:0:0:0:0:FFFF:C000:0201', '::ffff:192.0.2.1'],
      ['2001:DB8::/32', '2001:db8::/32'],
      ['2001:db8:0:0:0:0:0:1/128', '2001:db8::1'],
      ['2001:db8:abcd:12::/64', '2001:db8:abcd:12::/64'],
      ['8000::/1', '8000::/1'],
      ['0:0:0:0:0:0:0:0/1', '::/1'],
      ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'], // dotted quad only for IPv4-mapped
      ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
      ['2001:db8::0:1', '2001:db8::1'],
      ['2001:DB8:0000::0001', '2001:db8::1'],
      ['ABCD:EF01:2345:6789:ABCD:EF01:2345:6789', 'abcd:ef01:2345:6789:abcd:ef01:2345:6789'],
    ];
    for (const [input, shown] of cases) assert.equal(await ipSetOf(input), shown, input);
    assert.equal(await ipSetOf('2001:DB8::5 , 192.0.2.9,\t::1'), '2001:db8::5,192.0.2.9,::1');
  });

  test('duplicates are removed (the same address in any form), first position kept', async () => {
    assert.equal(await ipSetOf('1.2.3.4,1.2.3.4'), '1.2.3.4');
    assert.equal(await ipSetOf('1.2.3.4, 5.6.7.8, 1.2.3.4/32'), '1.2.3.4,5.6.7.8');
    assert.equal(await ipSetOf('5.6.7.8,1.2.3.4/32,1.2.3.4'), '5.6.7.8,1.2.3.4');
    assert.equal(await ipSetOf('2001:db8::1,2001:DB8:0:0:0:0:0:1,2001:db8::1/128'), '2001:db8::1');
    assert.equal(await ipSetOf('10.0.0.0/8,10.0.0.0/8,10.0.0.0/16'), '10.0.0.0/8,10.0.0.0/16');
  });

  test('bad IPv4 entries: 400 invalid ip_set entry <entry>: ..., nothing created', async () => {
    const before = await allIds(alice);
    const bad = ['01.2.3.4', '1.2.3.04', '1.2.3.00', '256.1.1.1', '1.2.3.999', '1.2.3', '1.2.3.4.5', '1..3.4',
      '1.2.3.', '.1.2.3', '1.2.3.-4', '1.2.3.4a', '0x1.2.3.4', '1.2.3.4 5', '+1.2.3.4', '１.2.3.4'];
    for (const entry of bad) {
      const err = await ipSetError(entry);
      assert.ok(err.startsWith(`invalid ip_set entry ${entry}: `), `${entry}: ${err}`);
    }
    // a bad entry among good ones is named
    const err = await ipSetError('192.0.2.1, 300.1.1.1, 192.0.2.2');
    assert.ok(err.startsWith('invalid ip_set entry 300.1.1.1: '), err);
    assert.deepEqual(await allIds(alice), before);
  });

  test('bad IPv6 entries: 400 invalid ip_set entry <entry>: ...', async () => {
    const bad = ['1:2:3:4:5:6:7:8:9', '1::2::3', '12345::1', 'g::1', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:',
      '1:2:3:4:5:6:7', ':::', '::ffff:1.2.3', '::ffff:256.1.1.1', '1:2:3:4:5:6:7:8::', '2001:db8::1::',
      'fe80::1%eth0', '[::1]', '[2001:db8::1]:5060', '02001:db8::1'];
    for (const entry of bad) {
      const err = await ipSetError(entry);
      assert.ok(err.startsWith(`invalid ip_set entry ${entry}: `), `${entry}: ${err}`);
    }
  });

  test('a host name: 400', async () => {
    for (const entry of ['example.com', 'localhost', 'sip.carrier.example']) {
      const err = await ipSetError(entry);
      assert.ok(err.startsWith(`invalid ip_set entry ${entry}: `), `${entry}: ${err}`);
    }
  });

  test('bad prefixes: out of range, empty, not a number', async () => {
    const bad = ['1.2.3.4/33', '1.2.3.4/', '1.2.3.4/x', '1.2.3.4/-1', '1.2.3.4/8/8', '2001:db8::/129', '2001:db8::/',
      '2001:db8::/abc', '1.2.3.4/ 24', '/24', '1.2.3.4/032', '1.2.3.4/+8', '1.2.3.4:5060'];
    for (const entry of bad) {
      const err = await ipSetError(entry);
      assert.ok(err.startsWith(`invalid ip_set entry ${entry}: `), `${entry}: ${err}`);
    }
  });

  test('/0 is refused, with a message that says /0', async () => {
    for (const entry of ['0.0.0.0/0', '::/0']) {
      const err = await ipSetError(entry);
      assert.ok(err.startsWith(`invalid ip_set entry ${entry}: `), `${entry}: ${err}`);
      assert.match(err.slice(`invalid ip_set entry ${entry}: `.length), /\/0/, err);
    }
  });

  test('host bits set: 400 with the network it probably meant', async () => {
    const cases = [
      ['10.0.0.5/24', '10.0.0.0/24'],
      ['192.0.2.1/31', '192.0.2.0/31'],
      ['172.16.5.4/12', '172.16.0.0/12'],
      ['2001:db8::1/64', '2001:db8::/64'],
      ['2001:DB8:0:0:8000::/33', '2001:db8::/33'],
    ];
    for (const [entry, meant] of cases) {
      assert.equal(await ipSetError(entry), `invalid ip_set entry ${entry}: host bits set (did you mean ${meant}?)`);
    }
  });

  test('an empty entry: 400 invalid ip_set: entry N is empty', async () => {
    const cases = [['1.2.3.4,,5.6.7.8', 2], ['1.2.3.4,', 2], [',1.2.3.4', 1], ['1.2.3.4, ,5.6.7.8', 2],
      ['1.2.3.4,5.6.7.8,\t', 3]];
    for (const [ipSet, n] of cases) {
      const err = await ipSetError(ipSet);
      assert.ok(err.startsWith(`invalid ip_set: entry ${n} is empty`), `${JSON.stringify(ipSet)}: ${err}`);
    }
  });

  test('an empty or blank ip_set: 400 about ip_set', async () => {
    for (const ipSet of ['', ' ', ',']) {
      const err = await ipSetError(ipSet);
      assert.match(err, /ip_set/, `${JSON.stringify(ipSet)}: ${err}`);
    }
  });

  test('ip_set must be a string', async () => {
    for (const ipSet of [['1.2.3.4'], 16909060, true]) {
      const err = await ipSetError(ipSet);
      assert.match(err, /ip_set/, err);
    }
  });

  test('100 distinct entries are fine; 101 are refused; duplicates do not count', async () => {
    const v4 = (i) => `10.0.${Math.floor(i / 256)}.${i % 256}`;
    const hundred = Array.from({ length: 100 }, (_, i) => v4(i));
    assert.equal(await ipSetOf(hundred.join(',')), hundred.join(','));
    const mixed = [...Array.from({ length: 50 }, (_, i) => v4(i)), ...Array.from({ length: 50 }, (_, i) => `2001:db8::${(i + 1).toString(16)}`)];
    assert.equal(await ipSetOf(mixed.join(', ')), mixed.join(','));
    // 101 entries, two of them the same address: 100 distinct
    assert.equal(await ipSetOf([...hundred, `${hundred[7]}/32`].join(',')), hundred.join(','));
    const before = await allIds(alice);
    assert.equal(await ipSetError([...hundred, v4(100)].join(',')), 'invalid ip_set: at most 100 entries');
    assert.equal(await ipSetError(Array.from({ length: 150 }, (_, i) => v4(i)).join(',')), 'invalid ip_set: at most 100 entries');
    assert.deepEqual(await allIds(alice), before);
  });
});

// ---- list ----------------------------------------------------------------------

describe('list', () => {
  let acct;
  const ids = [];
  const names = [];
  before(async () => {
    acct = await srv.createAccount('lister');
    // names deliberately out of alphabetical order: the list is in creation order
    for (const [i, n] of ['zulu', 'alpha', 'mike', 'Bravo', 'echo', 'alpha2', 'x-ray'].entries()) {
      const r = await create(acct, { name: n, ip_set: `192.0.2.${i + 1}`, sms: i % 2 === 0 });
      assert.equal(r.status, 201, r.text);
      ids.push(r.json.carrier_id);
      names.push(n);
    }
  });

  test('200 envelope, objects in creation order with every field', async () => {
    const r = await srv.plivo(acct, 'GET', 'IncomingCarrier/');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['api_id', 'meta', 'objects']);
    assert.match(r.json.api_id, UUID_RE);
    assert.deepEqual(r.json.meta, { limit: 20, next: null, offset: 0, previous: null, total_count: 7 });
    assert.deepEqual(r.json.objects, ids.map((id, i) => ({
      carrier_id: id, name: names[i], ip_set: `192.0.2.${i + 1}`, voice: true, sms: i % 2 === 0,
      resource_uri: carrierUri(acct, id),
    })));
  });

  test('an account with no carriers: an empty list', async () => {
    const empty = await srv.createAccount('empty');
    const l = await list(empty);
    assert.deepEqual(l.meta, { limit: 20, next: null, offset: 0, previous: null, total_count: 0 });
    assert.deepEqual(l.objects, []);
  });

  test('name: an exact match only', async () => {
    for (const n of names) {
      const l = await list(acct, { name: n });
      assert.deepEqual(l.objects.map((o) => o.carrier_id), [ids[names.indexOf(n)]], n);
      assert.equal(l.meta.total_count, 1);
    }
    for (const n of ['alp', 'ALPHA', 'bravo', 'alpha ', 'zulu2', '%', '_', 'alph_', 'alph%']) {
      const l = await list(acct, { name: n });
      assert.deepEqual(l.objects, [], n);
      assert.equal(l.meta.total_count, 0, n);
    }
  });

  test('limit and offset page in creation order; next/previous are relative URIs', async () => {
    const p1 = await list(acct, { limit: 3 });
    assert.deepEqual(p1.objects.map((o) => o.carrier_id), ids.slice(0, 3));
    assert.equal(p1.meta.limit, 3);
    assert.equal(p1.meta.offset, 0);
    assert.equal(p1.meta.total_count, 7);
    assert.equal(p1.meta.previous, null);
    const next = new URL(p1.meta.next, 'http://x');
    assert.equal(next.pathname, `/v1/Account/${acct.auth_id}/IncomingCarrier/`);
    assert.deepEqual(Object.fromEntries(next.searchParams), { limit: '3', offset: '3' });
    const p2 = await list(acct, Object.fromEntries(next.searchParams));
    assert.deepEqual(p2.objects.map((o) => o.carrier_id), ids.slice(3, 6));
    const prev = new URL(p2.meta.previous, 'http://x');
    assert.deepEqual(Object.fromEntries(prev.searchParams), { limit: '3', offset: '0' });
    const p3 = await list(acct, Object.fromEntries(new URL(p2.meta.next, 'http://x').searchParams));
    assert.deepEqual(p3.objects.map((o) => o.carrier_id), ids.slice(6));
    assert.equal(p3.meta.next, null);
    assert.deepEqual(Object.fromEntries(new URL(p3.meta.previous, 'http://x').searchParams), { limit: '3', offset: '3' });
    // past the end
    const p4 = await list(acct, { limit: 3, offset: 50 });
    assert.deepEqual(p4.objects, []);
    assert.equal(p4.meta.total_count, 7);
    assert.equal(p4.meta.next, null);
    // limit 1 walks all of them one by one
    const walked = [];
    for (let o = 0; o < 7; o++) walked.push(...(await list(acct, { limit: 1, offset: o })).objects.map((x) => x.carrier_id));
    assert.deepEqual(walked, ids);
    // limit 20 is the maximum
    assert.equal((await list(acct, { limit: 20 })).objects.length, 7);
  });

  test('next and previous keep the name filter', async () => {
    const first = await list(acct, { name: 'mike', limit: 1, offset: 1 });
    assert.deepEqual(first.objects, []);
    assert.equal(first.meta.total_count, 1);
    assert.equal(first.meta.next, null);
    const prev = new URL(first.meta.previous, 'http://x');
    assert.equal(prev.pathname, `/v1/Account/${acct.auth_id}/IncomingCarrier/`);
    assert.deepEqual(Object.fromEntries(prev.searchParams), { limit: '1', offset: '0', name: 'mike' });
    const back = await list(acct, Object.fromEntries(prev.searchParams));
    assert.deepEqual(back.objects.map((o) => o.carrier_id), [ids[2]]);
  });

  test('next keeps the name filter across many carriers (main account sees its subaccounts\' too)', async () => {
    // a main account with 25 carriers: the pages of 20 + 5
    const many = await srv.createAccount('many');
    const mine = [];
    for (let i = 0; i < 25; i++) mine.push(await mustCreate(many, { name: `m-${String(i).padStart(2, '0')}` }));
    const p1 = await list(many);
    assert.deepEqual(p1.objects.map((o) => o.carrier_id), mine.slice(0, 20));
    assert.deepEqual(Object.fromEntries(new URL(p1.meta.next, 'http://x').searchParams), { limit: '20', offset: '20' });
    const p2 = await list(many, { offset: 20 });
    assert.deepEqual(p2.objects.map((o) => o.carrier_id), mine.slice(20));
    assert.equal(p2.meta.next, null);
    const f = await list(many, { name: 'm-03', offset: 0, limit: 1 });
    assert.deepEqual(f.objects.map((o) => o.carrier_id), [mine[3]]);
    assert.equal(f.meta.next, null);
  });

  test('bad limit/offset and unknown query parameters: 400', async () => {
    for (const limit of ['0', '21', '-1', 'x', '']) {
      assertPlivoError(await srv.plivo(acct, 'GET', 'IncomingCarrier/', { query: { limit } }), 400, /limit/);
    }
    for (const offset of ['-1', 'x']) {
      assertPlivoError(await srv.plivo(acct, 'GET', 'IncomingCarrier/', { query: { offset } }), 400, /offset/);
    }
    assertPlivoError(await srv.plivo(acct, 'GET', 'IncomingCarrier/', { query: { nam: 'alpha' } }), 400,
      'unknown parameter: nam');
    assertPlivoError(await srv.plivo(acct, 'GET', 'IncomingCarrier/', { query: { carrier_id: ids[0] } }), 400,
      'unknown parameter: carrier_id');
  });
});

// ---- get, update, delete -------------------------------------------------------

describe('get', () => {
  test('an unknown id: 404 {api_id, error}; so is a malformed one', async () => {
    const nobody = assertPlivoError(await srv.plivo(alice, 'GET', `IncomingCarrier/${NOBODY_CARRIER}/`), 404);
    for (const id of ['1', 'abc', '123456789012345', '00000000000000']) {
      const r = assertPlivoError(await srv.plivo(alice, 'GET', `IncomingCarrier/${id}/`), 404);
      assert.equal(r.error, nobody.error, id);
    }
  });
});

describe('update', () => {
  test('each field alone, then all together; 202 changed; the rest is kept', async () => {
    const name = uniqueName('upd');
    const id = await mustCreate(alice, { name, ip_set: '192.0.2.1, 192.0.2.2' });
    const want = { carrier_id: id, name, ip_set: '192.0.2.1,192.0.2.2', voice: true, sms: true, resource_uri: carrierUri(alice, id) };
    assert.deepEqual(await getCarrier(alice, id), want);

    await mustUpdate(alice, id, { voice: false });
    want.voice = false;
    assert.deepEqual(await getCarrier(alice, id), want);

    await mustUpdate(alice, id, { sms: 'false' });
    want.sms = false;
    assert.deepEqual(await getCarrier(alice, id), want);

    await mustUpdate(alice, id, { ip_set: '2001:DB8::9 , 203.0.113.0/24' }); // replaces the whole set
    want.ip_set = '2001:db8::9,203.0.113.0/24';
    assert.deepEqual(await getCarrier(alice, id), want);

    const name2 = uniqueName('renamed');
    await mustUpdate(alice, id, { name: name2 });
    want.name = name2;
    assert.deepEqual(await getCarrier(alice, id), want);
    assert.deepEqual((await list(alice, { name })).objects, []);
    assert.deepEqual((await list(alice, { name: name2 })).objects.map((o) => o.carrier_id), [id]);

    const name3 = uniqueName('all');
    await mustUpdate(alice, id, { name: name3, ip_set: '198.51.100.7', voice: 'true', sms: true });
    assert.deepEqual(await getCarrier(alice, id),
      { ...want, name: name3, ip_set: '198.51.100.7', voice: true, sms: true });
    // the old name is free again
    await mustCreate(alice, { name });
  });

  test('a form body works for update too', async () => {
    const id = await mustCreate(alice);
    const r = await update(alice, id, undefined, { form: { ip_set: '192.0.2.77,192.0.2.78', sms: 'false' } });
    assert.equal(r.status, 202, r.text);
    const c = await getCarrier(alice, id);
    assert.equal(c.ip_set, '192.0.2.77,192.0.2.78');
    assert.equal(c.sms, false);
    assert.equal(c.voice, true);
  });

  test('renaming to its own name is fine; to a taken name: 409 and nothing changes', async () => {
    const a = uniqueName('ren-a');
    const b = uniqueName('ren-b');
    const ida = await mustCreate(alice, { name: a });
    const idb = await mustCreate(alice, { name: b, ip_set: '192.0.2.200' });
    await mustUpdate(alice, ida, { name: a });
    assert.equal((await getCarrier(alice, ida)).name, a);
    const before = await getCarrier(alice, idb);
    assertPlivoError(await update(alice, idb, { name: a, ip_set: '192.0.2.201', voice: false }), 409,
      `a carrier named ${a} already exists`);
    assert.deepEqual(await getCarrier(alice, idb), before);
    // a subaccount's carrier names are its own (issue 15): renames across
    // owners are fine, within one owner refused
    const sname = uniqueName('subs');
    const sid = await mustCreate(sub1, { name: sname });
    const sid2 = await mustCreate(sub1, { name: uniqueName('subs2') });
    assertPlivoError(await update(sub1, sid2, { name: sname }), 409, `a carrier named ${sname} already exists`);
    await mustUpdate(sub1, sid, { name: a });
    assert.equal((await getCarrier(sub1, sid)).name, a);
    assert.deepEqual(await getCarrier(alice, idb), before);
    // another account's name is not
    const bname = uniqueName('bobs');
    await mustCreate(bob, { name: bname });
    await mustUpdate(alice, idb, { name: bname });
    assert.equal((await getCarrier(alice, idb)).name, bname);
  });

  test('invalid values: 400 and nothing changes (not even the valid fields of the request)', async () => {
    const id = await mustCreate(alice, { ip_set: '192.0.2.33' });
    const before = await getCarrier(alice, id);
    const bad = [
      [{ name: 'bad name' }, /^invalid name: /],
      [{ name: '' }, /^invalid name: /],
      [{ name: 'N'.repeat(65) }, /^invalid name: /],
      [{ ip_set: '10.0.0.5/24', name: uniqueName('never') }, 'invalid ip_set entry 10.0.0.5/24: host bits set (did you mean 10.0.0.0/24?)'],
      [{ ip_set: '1.2.3.4,,5.6.7.8', voice: false }, /^invalid ip_set: entry 2 is empty/],
      [{ ip_set: '' }, /ip_set/],
      [{ ip_set: 'example.com' }, /^invalid ip_set entry example\.com: /],
      [{ voice: 'maybe', name: uniqueName('never') }, /voice/],
      [{ sms: 0 }, /sms/],
      [{ carrier_id: '1' }, 'unknown parameter: carrier_id'],
      [{ name: uniqueName('never'), ipset: '1.2.3.4' }, 'unknown parameter: ipset'],
    ];
    for (const [body, err] of bad) {
      assertPlivoError(await update(alice, id, body), 400, err);
      assert.deepEqual(await getCarrier(alice, id), before, JSON.stringify(body));
    }
    const ips = Array.from({ length: 101 }, (_, i) => `10.9.0.${i}`).join(',');
    assertPlivoError(await update(alice, id, { ip_set: ips }), 400, 'invalid ip_set: at most 100 entries');
    assert.deepEqual(await getCarrier(alice, id), before);
  });

  test('an unknown id: 404', async () => {
    assertPlivoError(await update(alice, NOBODY_CARRIER, { name: uniqueName() }), 404);
    assertPlivoError(await update(alice, NOBODY_CARRIER, { voice: false }), 404);
  });
});

describe('delete', () => {
  test('204 with no body; then GET, update and DELETE 404; gone from the list; the name is free', async () => {
    const name = uniqueName('del');
    const id = await mustCreate(alice, { name });
    const r = await srv.plivo(alice, 'DELETE', `IncomingCarrier/${id}/`);
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, '');
    assertPlivoError(await srv.plivo(alice, 'GET', `IncomingCarrier/${id}/`), 404);
    assertPlivoError(await update(alice, id, { voice: false }), 404);
    assertPlivoError(await srv.plivo(alice, 'DELETE', `IncomingCarrier/${id}/`), 404);
    assert.deepEqual((await list(alice, { name })).objects, []);
    assert.ok(!(await allIds(alice)).includes(id));
    const again = await mustCreate(alice, { name });
    assert.notEqual(again, id);
  });

  test('DELETE ignores a body (the SDK sends Content-Type: application/json and "")', async () => {
    const id = await mustCreate(alice);
    const r = await srv.plivo(alice, 'DELETE', `IncomingCarrier/${id}/`, { body: '""' });
    assert.equal(r.status, 204, r.text);
    assertPlivoError(await srv.plivo(alice, 'GET', `IncomingCarrier/${id}/`), 404);
  });

  test('an unknown id: 404 with the same body as GET', async () => {
    const g = assertPlivoError(await srv.plivo(alice, 'GET', `IncomingCarrier/${NOBODY_CARRIER}/`), 404);
    const d = assertPlivoError(await srv.plivo(alice, 'DELETE', `IncomingCarrier/${NOBODY_CARRIER}/`), 404);
    assert.equal(d.error, g.error);
  });
});

// ---- subaccounts ----------------------------------------------------------------

describe('subaccounts', () => {
  let main;
  let sa;
  let sb;
  let cMain;
  let cSa;
  let cSb;
  before(async () => {
    main = await srv.createAccount('parent');
    sa = await createSub(main, 'sa');
    sb = await createSub(main, 'sb');
    cMain = await mustCreate(main, { name: 'main-c', ip_set: '192.0.2.1' });
    cSa = await mustCreate(sa, { name: 'sa-c', ip_set: '192.0.2.2' });
    cSb = await mustCreate(sb, { name: 'sb-c', ip_set: '192.0.2.3' });
  });

  test('a subaccount lists only its own; the main account lists all, in creation order', async () => {
    assert.deepEqual(await allIds(main), [cMain, cSa, cSb]);
    assert.deepEqual(await allIds(sa), [cSa]);
    assert.deepEqual(await allIds(sb), [cSb]);
    const l = await list(sa);
    assert.equal(l.meta.total_count, 1);
    assert.deepEqual(l.objects[0], {
      carrier_id: cSa, name: 'sa-c', ip_set: '192.0.2.2', voice: true, sms: true,
      resource_uri: carrierUri(sa, cSa),
    });
    // the name filter never finds someone else's
    assert.deepEqual((await list(sa, { name: 'main-c' })).objects, []);
    assert.deepEqual((await list(sa, { name: 'sb-c' })).objects, []);
    assert.deepEqual((await list(main, { name: 'sb-c' })).objects.map((o) => o.carrier_id), [cSb]);
  });

  test('the main account gets, updates its subaccount\'s carrier', async () => {
    const c = await getCarrier(main, cSa);
    assert.equal(c.name, 'sa-c');
    assert.equal(c.resource_uri, carrierUri(main, cSa));
    await mustUpdate(main, cSa, { ip_set: '192.0.2.22' });
    assert.equal((await getCarrier(sa, cSa)).ip_set, '192.0.2.22');
    await mustUpdate(sa, cSa, { ip_set: '192.0.2.2' });
    assert.equal((await getCarrier(main, cSa)).ip_set, '192.0.2.2');
  });

  test('a subaccount cannot get, update or delete its parent\'s or sibling\'s carriers: 404 like a nonexistent id', async () => {
    const snap = async () => [await getCarrier(main, cMain), await getCarrier(main, cSa), await getCarrier(main, cSb)];
    const before = await snap();
    for (const [who, foreign] of [[sa, cMain], [sa, cSb], [sb, cSa], [sb, cMain]]) {
      for (const [m, body] of [['GET'], ['POST', { name: 'pwned' }], ['POST', { ip_set: '6.6.6.6' }], ['DELETE']]) {
        const f = await srv.plivo(who, m, `IncomingCarrier/${foreign}/`, { body });
        const n = await srv.plivo(who, m, `IncomingCarrier/${NOBODY_CARRIER}/`, { body });
        assertPlivoError(f, 404);
        assertPlivoError(n, 404);
        assert.equal(f.json.error, n.json.error, `${m} ${foreign}`);
      }
    }
    assert.deepEqual(await snap(), before);
  });

  test('the main account deletes its subaccount\'s carrier', async () => {
    const id = await mustCreate(sa, { name: 'sa-tmp' });
    assert.deepEqual(await allIds(main), [cMain, cSa, cSb, id]);
    const r = await srv.plivo(main, 'DELETE', `IncomingCarrier/${id}/`);
    assert.equal(r.status, 204, r.text);
    assertPlivoError(await srv.plivo(sa, 'GET', `IncomingCarrier/${id}/`), 404);
    assert.deepEqual(await allIds(sa), [cSa]);
  });

  test('a subaccount deletes its own carrier', async () => {
    const id = await mustCreate(sb, { name: 'sb-tmp' });
    const r = await srv.plivo(sb, 'DELETE', `IncomingCarrier/${id}/`);
    assert.equal(r.status, 204, r.text);
    assertPlivoError(await srv.plivo(main, 'GET', `IncomingCarrier/${id}/`), 404);
  });

  test('deleting the subaccount moves its carriers to the main account', async () => {
    const sc = await createSub(main, 'doomed');
    const c1 = await mustCreate(sc, { name: 'doomed-1', ip_set: '203.0.113.1' });
    const c2 = await mustCreate(sc, { name: 'doomed-2', ip_set: '203.0.113.2', sms: false });
    const before1 = await getCarrier(main, c1);
    const before2 = await getCarrier(main, c2);
    const r = await srv.plivo(main, 'DELETE', `Subaccount/${sc.auth_id}/`);
    assert.equal(r.status, 204, r.text);
    assert.deepEqual(await allIds(main), [cMain, cSa, cSb, c1, c2]);
    assert.deepEqual(await getCarrier(main, c1), before1);
    assert.deepEqual(await getCarrier(main, c2), before2);
    // still the main account's, and now nobody else's
    assert.deepEqual(await allIds(sa), [cSa]);
    assertPlivoError(await srv.plivo(sa, 'GET', `IncomingCarrier/${c1}/`), 404);
    // the names are the main account's now: taken for it, not for a
    // subaccount (names are unique per owner, issue 15)
    assertPlivoError(await create(main, { name: 'doomed-1', ip_set: '192.0.2.1' }), 409,
      'a carrier named doomed-1 already exists');
    const sa1 = await create(sa, { name: 'doomed-1', ip_set: '192.0.2.1' });
    assert.equal(sa1.status, 201, sa1.text);
    assert.equal((await srv.plivo(sa, 'DELETE', `IncomingCarrier/${sa1.json.carrier_id}/`)).status, 204);
    // a subaccount whose carrier has a name of the main account's own
    // cannot be deleted until one is renamed: 409, and nothing changes
    const sd = await createSub(main, 'doomed2');
    const c3 = await mustCreate(sd, { name: 'doomed-1', ip_set: '203.0.113.3' });
    assertPlivoError(await srv.plivo(main, 'DELETE', `Subaccount/${sd.auth_id}/`), 409,
      `an application or carrier of subaccount ${sd.auth_id} has the name of one of yours: rename or delete one of them first`);
    assert.equal((await srv.plivo(sd, 'GET', `IncomingCarrier/${c3}/`)).status, 200);
    await mustUpdate(sd, c3, { name: 'doomed-3' });
    assert.equal((await srv.plivo(main, 'DELETE', `Subaccount/${sd.auth_id}/`)).status, 204);
    assert.equal((await getCarrier(main, c3)).name, 'doomed-3');
    assert.equal((await srv.plivo(main, 'DELETE', `IncomingCarrier/${c3}/`)).status, 204);
    await mustUpdate(main, c1, { name: 'kept-1' });
    assert.equal((await getCarrier(main, c1)).name, 'kept-1');
    assert.equal((await srv.plivo(main, 'DELETE', `IncomingCarrier/${c2}/`)).status, 204);
  });
});

describe('races', () => {
  test('ten concurrent creates with one name: exactly one 201, nine 409', async () => {
    const acct = await srv.createAccount('racer');
    const rs = await Promise.all(Array.from({ length: 10 }, (_, i) =>
      create(acct, { name: 'same-name', ip_set: `192.0.2.${i + 1}` })));
    assert.deepEqual(rs.map((r) => r.status).sort(), [201, ...Array(9).fill(409)]);
    for (const r of rs) if (r.status === 409) assertPlivoError(r, 409, 'a carrier named same-name already exists');
    assert.equal((await list(acct)).meta.total_count, 1);
  });
});

// ---- /0 ---------------------------------------------------------------------------------------

describe('a /0 entry is refused as /0, host bits or not', () => {
  // "10.0.0.0/0" answers "host bits set (did you mean 0.0.0.0/0?)", and the
  // suggested 0.0.0.0/0 is then refused for being /0. Any /0 entry should get
  // the /0 refusal.
  test('10.0.0.0/0 and 2001:db8::/0 get the same /0 refusal as 0.0.0.0/0 and ::/0', async () => {
    const why4 = (await ipSetError('0.0.0.0/0')).slice('invalid ip_set entry 0.0.0.0/0: '.length);
    const why6 = (await ipSetError('::/0')).slice('invalid ip_set entry ::/0: '.length);
    assert.equal(await ipSetError('10.0.0.0/0'), `invalid ip_set entry 10.0.0.0/0: ${why4}`);
    assert.equal(await ipSetError('2001:db8::/0'), `invalid ip_set entry 2001:db8::/0: ${why6}`);
  });

  // Found by an SBC audit (session 39): ::ffff:0.0.0.0/96 passed, and the
  // SBC files a mapped prefix as the IPv4 one it covers: 0.0.0.0/0, every
  // IPv4 source that carrier's
  test('::ffff:0.0.0.0/96, every IPv4 address written as IPv6, is refused too', async () => {
    assert.match(await ipSetError('::ffff:0.0.0.0/96'), /holds every IPv4-mapped address: it would accept calls from every IPv4 address/);
    // a mapped /104 is 10.0.0.0/8 there: a range like any other
    const ok = await create(alice, { name: uniqueName('m8'), ip_set: '::ffff:10.0.0.0/104' });
    assert.equal(ok.status, 201, ok.text);
  });
});
