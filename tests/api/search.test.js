'use strict';
// API.md §2.2 (search) and §2.1 (list envelope, paging).

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const { start, assertPlivoError, csv, ALL_COLUMNS, generateCsv, UUID_RE } = require('./lib/server');

let srv;
let acct;
let other;

// Every US/CA/GB number of the fixture, with exactly what is known about it.
// v/s/m: voice/sms/mms enabled.
const SF = { city: 'SAN FRANCISCO', region: 'CALIFORNIA', lata: 722, prefix: '415' };
const ROWS = [
  { number: '14155550100', type: 'fixed', sub_type: 'local', ...SF, rate_center: 'SNFC CNTRL', v: 1, s: 1, m: 1,
    setup_rate: '0.00000', monthly_rental_rate: '0.80000', voice_rate: '0.00500', sms_rate: '0.00800', mms_rate: '0.02000',
    carrier: 'upstream-a' },
  { number: '14155550101', type: 'fixed', sub_type: 'local', ...SF, rate_center: 'SNFC CNTRL', v: 1, s: 1, m: 0 },
  { number: '14155550102', type: 'fixed', sub_type: 'local', ...SF, rate_center: 'SNFC CNTRL', v: 1, s: 0, m: 0,
    restriction: 'city-address', restriction_text: 'An address in San Francisco, CA is required.' },
  { number: '14154440100', type: 'fixed', sub_type: 'local', ...SF, rate_center: 'SNFC CNTRL', v: 1, s: 1, m: 0 },
  { number: '14156660100', type: 'fixed', sub_type: 'local', ...SF, rate_center: 'SNFC SOUTH', v: 1, s: 0, m: 0 },
  // same rate-center name as 415555/415444, but another LATA: not in their local calling area
  { number: '16505550100', type: 'fixed', sub_type: 'local', prefix: '650', city: 'DALY CITY', region: 'CALIFORNIA',
    rate_center: 'SNFC CNTRL', lata: 724, v: 1, s: 1, m: 0 },
  { number: '14055550100', type: 'fixed', sub_type: 'local', prefix: '405', city: 'OKLAHOMA CITY', region: 'OKLAHOMA',
    rate_center: 'OKLA CITY', lata: 536, v: 1, s: 1, m: 1 },
  { number: '14255550100', type: 'fixed', sub_type: 'local', prefix: '425', city: 'BELLEVUE', region: 'WASHINGTON',
    rate_center: 'BELLEVUE', lata: 674, v: 1, s: 1, m: 0,
    setup_rate: '1', monthly_rental_rate: '0.8', voice_rate: '0.005', sms_rate: '0.0085' },
  { number: '14065550100', type: 'fixed', sub_type: 'local', prefix: '406', city: 'BILLINGS', region: 'MONTANA',
    rate_center: 'BILLINGS', lata: 654, v: 1, s: 0, m: 1 },
  { number: '13125550100', type: 'mobile', sub_type: 'mobile', prefix: '312', city: 'CHICAGO', region: 'ILLINOIS',
    rate_center: 'CHICAGO', lata: 358, v: 1, s: 1, m: 1 },
  { number: '15005550100', type: 'fixed', sub_type: 'national', prefix: '500', region: 'UNITED STATES', v: 1, s: 0, m: 0 },
  { number: '18005550100', type: 'tollfree', sub_type: 'tollfree', prefix: '800', region: 'UNITED STATES', v: 1, s: 1, m: 0,
    setup_rate: '0.00000', monthly_rental_rate: '1.00000', voice_rate: '0.01300', sms_rate: '0.00850' },
  { number: '12125550100', type: 'fixed', sub_type: 'local', prefix: '212', city: 'NEW YORK', region: 'NEW YORK',
    rate_center: 'NWYRCYZN01', lata: 132, v: 1, s: 1, m: 1 },
  // no prefix column value: the NPA is derived
  { number: '12125550101', type: 'fixed', sub_type: 'local', city: 'NEW YORK', region: 'NEW YORK',
    rate_center: 'NWYRCYZN01', lata: 132, v: 1, s: 1, m: 1 },
].map((r) => ({ country_iso: 'US', ...r }));
const OTHER_ROWS = [
  { number: '16045550100', country_iso: 'CA', type: 'fixed', sub_type: 'local', prefix: '604', city: 'VANCOUVER',
    region: 'BRITISH COLUMBIA', rate_center: 'VANCOUVER', lata: 888, v: 1, s: 1, m: 0 },
  { number: '442071234567', country_iso: 'GB', type: 'fixed', sub_type: 'local', prefix: '20', city: 'LONDON',
    region: 'ENGLAND', v: 1, s: 0, m: 0 },
  { number: '447700900123', country_iso: 'GB', type: 'mobile', sub_type: 'mobile', prefix: '7700',
    region: 'UNITED KINGDOM', v: 1, s: 1, m: 0, monthly_rental_rate: '12.34567' },
  { number: '443301234567', country_iso: 'GB', type: 'fixed', sub_type: 'national', prefix: '330',
    region: 'UNITED KINGDOM', v: 1, s: 0, m: 0 },
];

const US = ROWS.map((r) => r.number).sort();
const where = (pred) => ROWS.filter(pred).map((r) => r.number).sort();

// 57 generated German numbers: enough to page over more than 20.
let DE = [];

function toCsvRow(r) {
  const b = (x) => (x ? 'true' : 'false');
  return { ...r, voice_enabled: b(r.v), sms_enabled: b(r.s), mms_enabled: b(r.m) };
}

before(async () => {
  srv = await start();
  acct = await srv.createAccount('searcher');
  other = await srv.createAccount('buyer');
  await srv.loadCsv(csv(ALL_COLUMNS, [...ROWS, ...OTHER_ROWS].map(toCsvRow)));
  const gen = generateCsv(57, 'DE', 7);
  const lines = gen.trim().split('\n');
  const cols = lines[0].split(',');
  DE = lines.slice(1).map((l) => {
    const f = l.split(',');
    return { number: f[cols.indexOf('number')], type: f[cols.indexOf('type')], sub_type: f[cols.indexOf('sub_type')] };
  });
  assert.equal(new Set(DE.map((d) => d.number)).size, 57);
  const imp = await srv.loadCsv(gen);
  assert.equal(imp.imported, 57);
});

after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0);
});

async function numbers(query, who = acct) {
  const r = await srv.search(who, query);
  assert.equal(r.status, 200, `${JSON.stringify(query)}: ${r.text}`);
  const got = r.json.objects.map((o) => o.number);
  assert.equal(r.json.meta.total_count, got.length, 'one page holds everything in these queries');
  return got;
}

async function bad(query, error) {
  const r = await srv.search(acct, query);
  assertPlivoError(r, 400, error);
  return r;
}

// ---- country_iso ---------------------------------------------------------

describe('country_iso', () => {
  test('is required', async () => {
    await bad({}, 'missing required parameter: country_iso');
    await bad({ type: 'local' }, 'missing required parameter: country_iso');
  });

  test('is case-insensitive', async () => {
    assert.deepEqual(await numbers({ country_iso: 'US' }), US);
    assert.deepEqual(await numbers({ country_iso: 'us' }), US);
    assert.deepEqual(await numbers({ country_iso: 'uS' }), US);
    assert.deepEqual(await numbers({ country_iso: 'gb' }), ['442071234567', '443301234567', '447700900123']);
    assert.deepEqual(await numbers({ country_iso: 'CA' }), ['16045550100']);
  });

  test('an unknown or malformed code: 400 invalid country ISO', async () => {
    for (const c of ['XX', 'ZZ', 'USA', 'U', '', '12', 'U$', 'UK']) {
      await bad({ country_iso: c }, /^invalid country ISO/);
    }
  });

  test('a known country without inventory: 200 and nothing', async () => {
    const r = await srv.search(acct, { country_iso: 'FR' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.meta, { limit: 20, next: null, offset: 0, previous: null, total_count: 0 });
    assert.deepEqual(r.json.objects, []);
  });
});

// ---- the object ------------------------------------------------------------

describe('the PhoneNumber object', () => {
  const KEYS = ['number', 'prefix', 'city', 'country', 'region', 'rate_center', 'lata', 'type', 'sub_type',
    'setup_rate', 'monthly_rental_rate', 'sms_enabled', 'sms_rate', 'mms_enabled', 'mms_rate', 'voice_enabled',
    'voice_rate', 'restriction', 'restriction_text', 'resource_uri'];

  const uri = (n) => `/v1/Account/${acct.auth_id}/PhoneNumber/${n}/`;

  test('has exactly the seed fields, money as 5-decimal strings', async () => {
    const r = await srv.search(acct, { country_iso: 'US', pattern: '4155550100' });
    assert.equal(r.status, 200);
    assert.equal(r.json.objects.length, 1);
    const o = r.json.objects[0];
    assert.deepEqual(Object.keys(o).sort(), [...KEYS].sort());
    assert.deepEqual(o, {
      number: '14155550100', prefix: '415', city: 'SAN FRANCISCO', country: 'UNITED STATES', region: 'CALIFORNIA',
      rate_center: 'SNFC CNTRL', lata: 722, type: 'fixed', sub_type: 'local', setup_rate: '0.00000',
      monthly_rental_rate: '0.80000', sms_enabled: true, sms_rate: '0.00800', mms_enabled: true, mms_rate: '0.02000',
      voice_enabled: true, voice_rate: '0.00500', restriction: null, restriction_text: null,
      resource_uri: uri('14155550100'),
    });
  });

  test('normalises money written with fewer decimals', async () => {
    const [o] = (await srv.search(acct, { country_iso: 'US', pattern: '4255550100' })).json.objects;
    assert.equal(o.setup_rate, '1.00000');
    assert.equal(o.monthly_rental_rate, '0.80000');
    assert.equal(o.voice_rate, '0.00500');
    assert.equal(o.sms_rate, '0.00850');
    assert.equal(o.mms_enabled, false);
    const [g] = (await srv.search(acct, { country_iso: 'GB', type: 'mobile' })).json.objects;
    assert.equal(g.monthly_rental_rate, '12.34567');
    assert.equal(g.country, 'UNITED KINGDOM');
  });

  test('a toll-free number: no city, rate center or LATA', async () => {
    const r = await srv.search(acct, { country_iso: 'US', type: 'tollfree' });
    assert.deepEqual(r.json.objects, [{
      number: '18005550100', prefix: '800', city: null, country: 'UNITED STATES', region: 'UNITED STATES',
      rate_center: null, lata: null, type: 'tollfree', sub_type: 'tollfree', setup_rate: '0.00000',
      monthly_rental_rate: '1.00000', sms_enabled: true, sms_rate: '0.00850', mms_enabled: false, mms_rate: null,
      voice_enabled: true, voice_rate: '0.01300', restriction: null, restriction_text: null,
      resource_uri: uri('18005550100'),
    }]);
  });

  test('a restricted number shows its restriction; a missing prefix is the NPA', async () => {
    const [o] = (await srv.search(acct, { country_iso: 'US', pattern: '4155550102' })).json.objects;
    assert.equal(o.restriction, 'city-address');
    assert.equal(o.restriction_text, 'An address in San Francisco, CA is required.');
    assert.equal(o.sms_enabled, false);
    const [p] = (await srv.search(acct, { country_iso: 'US', pattern: '2125550101' })).json.objects;
    assert.equal(p.prefix, '212');
  });

  test('country is the upper-case country name, lata an integer', async () => {
    const [c] = (await srv.search(acct, { country_iso: 'CA' })).json.objects;
    assert.equal(c.country, 'CANADA');
    assert.equal(c.lata, 888);
    const all = (await srv.search(acct, { country_iso: 'US' })).json.objects;
    for (const o of all) {
      assert.equal(o.country, 'UNITED STATES');
      assert.ok(o.lata === null || Number.isInteger(o.lata), `lata of ${o.number}`);
      for (const k of ['setup_rate', 'monthly_rental_rate', 'sms_rate', 'mms_rate', 'voice_rate']) {
        assert.ok(o[k] === null || /^\d+\.\d{5}$/.test(o[k]), `${k} of ${o.number}: ${o[k]}`);
      }
      for (const k of ['sms_enabled', 'mms_enabled', 'voice_enabled']) assert.equal(typeof o[k], 'boolean');
    }
  });
});

// ---- filters ---------------------------------------------------------------

describe('type', () => {
  test('matches type or sub_type', async () => {
    assert.deepEqual(await numbers({ country_iso: 'US', type: 'local' }), where((r) => r.sub_type === 'local'));
    assert.deepEqual(await numbers({ country_iso: 'US', type: 'fixed' }), where((r) => r.type === 'fixed'));
    assert.deepEqual(await numbers({ country_iso: 'US', type: 'mobile' }), ['13125550100']);
    assert.deepEqual(await numbers({ country_iso: 'US', type: 'national' }), ['15005550100']);
    assert.deepEqual(await numbers({ country_iso: 'US', type: 'tollfree' }), ['18005550100']);
    assert.deepEqual(await numbers({ country_iso: 'GB', type: 'national' }), ['443301234567']);
    assert.deepEqual(await numbers({ country_iso: 'GB', type: 'fixed' }), ['442071234567', '443301234567']);
    assert.equal(where((r) => r.type === 'fixed').length, 12);
    assert.equal(where((r) => r.sub_type === 'local').length, 11);
  });

  test('an invalid type: 400', async () => {
    for (const t of ['toll-free', 'landline', '', 'local,mobile']) await bad({ country_iso: 'US', type: t }, /^invalid type/);
  });
});

describe('pattern', () => {
  test('matches the start of the national number', async () => {
    assert.deepEqual(await numbers({ country_iso: 'US', pattern: '415' }),
      ['14154440100', '14155550100', '14155550101', '14155550102', '14156660100']);
    assert.deepEqual(await numbers({ country_iso: 'US', pattern: '4155550' }),
      ['14155550100', '14155550101', '14155550102']);
    assert.deepEqual(await numbers({ country_iso: 'US', pattern: '4155550101' }), ['14155550101']);
    // the country code is not part of the national number
    assert.deepEqual(await numbers({ country_iso: 'US', pattern: '14155' }), []);
    assert.deepEqual(await numbers({ country_iso: 'GB', pattern: '20' }), ['442071234567']);
    assert.deepEqual(await numbers({ country_iso: 'GB', pattern: '7' }), ['447700900123']);
  });

  test("'*' stands for any one digit", async () => {
    assert.deepEqual(await numbers({ country_iso: 'US', pattern: '4*5' }),
      ['14055550100', '14154440100', '14155550100', '14155550101', '14155550102', '14156660100', '14255550100']);
    assert.deepEqual(await numbers({ country_iso: 'US', pattern: '*0*' }),
      ['14055550100', '14065550100', '15005550100', '18005550100']);
    assert.deepEqual(await numbers({ country_iso: 'US', pattern: '***5550100' }),
      where((r) => r.number.endsWith('5550100')));
    assert.deepEqual(await numbers({ country_iso: 'US', pattern: '415***0102' }), ['14155550102']);
    assert.deepEqual(await numbers({ country_iso: 'US', pattern: '41*4' }), ['14154440100']);
  });

  test('combines with type', async () => {
    assert.deepEqual(await numbers({ country_iso: 'US', pattern: '*0', type: 'tollfree' }), ['18005550100']);
    assert.deepEqual(await numbers({ country_iso: 'US', pattern: '4', type: 'mobile' }), []);
  });

  test('anything but digits and *: 400', async () => {
    for (const p of ['abc', '41-5', '415 555', '+415', '', '4?5', '1234567890123456']) {
      await bad({ country_iso: 'US', pattern: p }, /^invalid pattern/);
    }
  });
});

describe('npanxx', () => {
  test('6 digits: the national number starts with it', async () => {
    assert.deepEqual(await numbers({ country_iso: 'US', npanxx: '415555' }),
      ['14155550100', '14155550101', '14155550102']);
    assert.deepEqual(await numbers({ country_iso: 'US', npanxx: '415444' }), ['14154440100']);
    assert.deepEqual(await numbers({ country_iso: 'CA', npanxx: '604555' }), ['16045550100']);
    assert.deepEqual(await numbers({ country_iso: 'US', npanxx: '604555' }), []);
  });

  test('combines with pattern (they must agree)', async () => {
    assert.deepEqual(await numbers({ country_iso: 'US', npanxx: '415555', pattern: '4155550101' }), ['14155550101']);
    assert.deepEqual(await numbers({ country_iso: 'US', npanxx: '415555', pattern: '41' }),
      ['14155550100', '14155550101', '14155550102']);
    assert.deepEqual(await numbers({ country_iso: 'US', npanxx: '415555', pattern: '212' }), []);
  });

  test('US and CA only', async () => {
    await bad({ country_iso: 'GB', npanxx: '207123' }, /npanxx/);
    await bad({ country_iso: 'DE', npanxx: '303123' }, /npanxx/);
  });

  test('a bad shape: 400', async () => {
    for (const n of ['41555', '4155550', '41555a', '', '415-55', '+41555']) {
      await bad({ country_iso: 'US', npanxx: n }, /^invalid npanxx/);
    }
  });
});

describe('local_calling_area', () => {
  const AREA = ['14154440100', '14155550100', '14155550101', '14155550102'];

  test('with npanxx widens to the rate center and LATA of that NPA-NXX', async () => {
    assert.deepEqual(await numbers({ country_iso: 'US', npanxx: '415555', local_calling_area: 'true' }), AREA);
    assert.deepEqual(await numbers({ country_iso: 'US', npanxx: '415444', local_calling_area: 'true' }), AREA);
    // another rate center in the same LATA, and the same rate center name in another LATA
    assert.deepEqual(await numbers({ country_iso: 'US', npanxx: '415666', local_calling_area: 'true' }), ['14156660100']);
    assert.deepEqual(await numbers({ country_iso: 'US', npanxx: '650555', local_calling_area: 'true' }), ['16505550100']);
  });

  test('false keeps the plain npanxx match', async () => {
    assert.deepEqual(await numbers({ country_iso: 'US', npanxx: '415555', local_calling_area: 'false' }),
      ['14155550100', '14155550101', '14155550102']);
  });

  test('combines with the other filters', async () => {
    assert.deepEqual(await numbers({ country_iso: 'US', npanxx: '415444', local_calling_area: 'true', services: 'sms' }),
      ['14154440100', '14155550100', '14155550101']);
    assert.deepEqual(await numbers({ country_iso: 'US', npanxx: '415444', local_calling_area: 'true', services: 'mms' }),
      ['14155550100']);
  });

  test('an NPA-NXX with no numbers: nothing', async () => {
    assert.deepEqual(await numbers({ country_iso: 'US', npanxx: '999555', local_calling_area: 'true' }), []);
  });

  test('true without npanxx: 400; false without npanxx is fine', async () => {
    await bad({ country_iso: 'US', local_calling_area: 'true' }, /local_calling_area/);
    assert.deepEqual(await numbers({ country_iso: 'US', local_calling_area: 'false' }), US);
  });

  test('not a boolean: 400', async () => {
    for (const v of ['yes', '2', '', 'maybe']) { // 1 and 0: PHP's true and false
      await bad({ country_iso: 'US', npanxx: '415555', local_calling_area: v }, /^invalid local_calling_area/);
    }
  });
});

describe('region, city, rate_center', () => {
  test('region: case-insensitive equality', async () => {
    const ca = where((r) => r.region === 'CALIFORNIA');
    assert.equal(ca.length, 6);
    assert.deepEqual(await numbers({ country_iso: 'US', region: 'CALIFORNIA' }), ca);
    assert.deepEqual(await numbers({ country_iso: 'US', region: 'california' }), ca);
    assert.deepEqual(await numbers({ country_iso: 'US', region: 'United States' }), ['15005550100', '18005550100']);
    assert.deepEqual(await numbers({ country_iso: 'US', region: 'CALIF' }), []);
    assert.deepEqual(await numbers({ country_iso: 'US', region: 'NEW YORK' }), ['12125550100', '12125550101']);
  });

  test('city: case-insensitive equality', async () => {
    const sf = where((r) => r.city === 'SAN FRANCISCO');
    assert.equal(sf.length, 5);
    assert.deepEqual(await numbers({ country_iso: 'US', city: 'SAN FRANCISCO' }), sf);
    assert.deepEqual(await numbers({ country_iso: 'US', city: 'san francisco' }), sf);
    assert.deepEqual(await numbers({ country_iso: 'US', city: 'San Francisco' }), sf);
    assert.deepEqual(await numbers({ country_iso: 'US', city: 'SAN' }), []);
    assert.deepEqual(await numbers({ country_iso: 'US', city: 'Oklahoma City' }), ['14055550100']);
    assert.deepEqual(await numbers({ country_iso: 'GB', city: 'london' }), ['442071234567']);
  });

  test('rate_center: case-insensitive equality', async () => {
    const rc = where((r) => r.rate_center === 'SNFC CNTRL');
    assert.equal(rc.length, 5);
    assert.deepEqual(await numbers({ country_iso: 'US', rate_center: 'SNFC CNTRL' }), rc);
    assert.deepEqual(await numbers({ country_iso: 'US', rate_center: 'snfc cntrl' }), rc);
    assert.deepEqual(await numbers({ country_iso: 'US', rate_center: 'SNFC' }), []);
    assert.deepEqual(await numbers({ country_iso: 'US', rate_center: 'snfc south' }), ['14156660100']);
  });

  test('all together', async () => {
    assert.deepEqual(await numbers({ country_iso: 'US', region: 'california', city: 'daly city', rate_center: 'Snfc Cntrl' }),
      ['16505550100']);
    assert.deepEqual(await numbers({ country_iso: 'US', region: 'oklahoma', city: 'san francisco' }), []);
  });
});

describe('services', () => {
  test('one service', async () => {
    assert.deepEqual(await numbers({ country_iso: 'US', services: 'voice' }), where((r) => r.v));
    assert.deepEqual(await numbers({ country_iso: 'US', services: 'sms' }), where((r) => r.s));
    assert.deepEqual(await numbers({ country_iso: 'US', services: 'mms' }), where((r) => r.m));
    assert.equal(where((r) => r.s).length, 10);
    assert.equal(where((r) => r.m).length, 6);
  });

  test('a comma list means ALL of them', async () => {
    const smsMms = where((r) => r.s && r.m);
    assert.equal(smsMms.length, 5);
    assert.deepEqual(await numbers({ country_iso: 'US', services: 'sms,mms' }), smsMms);
    assert.deepEqual(await numbers({ country_iso: 'US', services: 'mms,sms' }), smsMms);
    assert.deepEqual(await numbers({ country_iso: 'US', services: 'voice,sms,mms' }), smsMms);
    assert.deepEqual(await numbers({ country_iso: 'US', services: 'voice,sms' }), where((r) => r.v && r.s));
    assert.deepEqual(await numbers({ country_iso: 'GB', services: 'voice,sms' }), ['447700900123']);
  });

  test('an unknown service or a bad list: 400', async () => {
    for (const s of ['fax', 'voice,fax', '', 'sms,,mms', ',sms', 'sms,']) {
      await bad({ country_iso: 'US', services: s }, /^invalid services/);
    }
  });
});

describe('lata', () => {
  test('an integer', async () => {
    assert.deepEqual(await numbers({ country_iso: 'US', lata: '722' }), where((r) => r.lata === 722));
    assert.equal(where((r) => r.lata === 722).length, 5);
    assert.deepEqual(await numbers({ country_iso: 'US', lata: '724' }), ['16505550100']);
    assert.deepEqual(await numbers({ country_iso: 'US', lata: '1' }), []);
    assert.deepEqual(await numbers({ country_iso: 'US', lata: '722', rate_center: 'snfc south' }), ['14156660100']);
  });

  test('not an integer: 400', async () => {
    for (const l of ['abc', '-1', '7.5', '', '72a', ' 722']) {
      await bad({ country_iso: 'US', lata: l }, /^invalid lata/);
    }
  });
});

// ---- paging ----------------------------------------------------------------

describe('limit and offset', () => {
  test('limit 1-20, default 20', async () => {
    let r = await srv.search(acct, { country_iso: 'DE' });
    assert.equal(r.json.meta.limit, 20);
    assert.equal(r.json.objects.length, 20);
    r = await srv.search(acct, { country_iso: 'DE', limit: '1' });
    assert.equal(r.json.meta.limit, 1);
    assert.equal(r.json.objects.length, 1);
    r = await srv.search(acct, { country_iso: 'DE', limit: '20' });
    assert.equal(r.json.objects.length, 20);
  });

  test('a limit out of range or not an integer: 400', async () => {
    for (const l of ['0', '21', '-1', 'abc', '99999999999999999999', '', '1.5', '100', ' 5']) {
      await bad({ country_iso: 'US', limit: l }, /^invalid limit/);
    }
  });

  test('an offset below 0 or not an integer: 400', async () => {
    for (const o of ['-1', 'abc', '1.5', '', '99999999999999999999', '1000000000']) {
      await bad({ country_iso: 'US', offset: o }, /^invalid offset/);
    }
    // the range it takes, said (">= 0" refused 1000000000 without saying why)
    await bad({ country_iso: 'US', offset: '1000000000' }, 'invalid offset: want an integer from 0 to 999999999');
  });

  test('an offset past the end: 200, empty page, exact total', async () => {
    const r = await srv.search(acct, { country_iso: 'US', offset: '100' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.objects, []);
    assert.equal(r.json.meta.total_count, US.length);
    assert.equal(r.json.meta.next, null);
    assert.equal(r.json.meta.offset, 100);
  });

  test('total_count is exact, order is by number and stable', async () => {
    const r1 = await srv.search(acct, { country_iso: 'US', limit: '5', offset: '3' });
    const r2 = await srv.search(acct, { country_iso: 'US', limit: '5', offset: '3' });
    assert.equal(r1.json.meta.total_count, 14);
    assert.deepEqual(r1.json.objects.map((o) => o.number), US.slice(3, 8));
    assert.deepEqual(r2.json.objects, r1.json.objects);
  });
});

function parseLink(link) {
  assert.equal(typeof link, 'string');
  assert.ok(link.startsWith(`/v1/Account/${acct.auth_id}/PhoneNumber/?`), `relative URI: ${link}`);
  const q = new URLSearchParams(link.slice(link.indexOf('?') + 1));
  return Object.fromEntries(q.entries());
}

async function follow(link) {
  const r = await srv.raw('GET', link, {
    headers: { Authorization: 'Basic ' + Buffer.from(`${acct.auth_id}:${acct.auth_token}`).toString('base64') },
  });
  assert.equal(r.status, 200, `${link}: ${r.text}`);
  return r.json;
}

describe('next and previous', () => {
  test('page over more than 20 results with no skips or repeats', async () => {
    const all = DE.map((d) => d.number).sort();
    let page = (await srv.search(acct, { country_iso: 'DE' })).json;
    assert.equal(page.meta.previous, null);
    const seen = [...page.objects.map((o) => o.number)];
    const pages = [page];
    while (page.meta.next) {
      const q = parseLink(page.meta.next);
      assert.deepEqual(q, { limit: '20', offset: String(seen.length), country_iso: 'DE' });
      page = await follow(page.meta.next);
      assert.equal(page.meta.total_count, 57);
      pages.push(page);
      seen.push(...page.objects.map((o) => o.number));
    }
    assert.equal(pages.length, 3);
    assert.deepEqual(pages.map((p) => p.objects.length), [20, 20, 17]);
    assert.deepEqual(seen, all);
    // and back again with previous
    const back = [];
    page = pages[2];
    while (page.meta.previous) {
      const q = parseLink(page.meta.previous);
      assert.equal(q.country_iso, 'DE');
      page = await follow(page.meta.previous);
      back.unshift(...page.objects.map((o) => o.number));
    }
    assert.deepEqual(back, all.slice(0, 40));
  });

  test('links keep every filter', async () => {
    const mobiles = DE.filter((d) => d.type === 'mobile' || d.sub_type === 'mobile').map((d) => d.number).sort();
    assert.ok(mobiles.length > 6, 'enough German mobiles to page');
    const query = { country_iso: 'de', type: 'mobile', services: 'voice,sms', limit: '3' };
    let page = (await srv.search(acct, query)).json;
    const seen = page.objects.map((o) => o.number);
    while (page.meta.next) {
      const q = parseLink(page.meta.next);
      assert.deepEqual({ ...q, offset: undefined }, { ...query, offset: undefined });
      page = await follow(page.meta.next);
      seen.push(...page.objects.map((o) => o.number));
    }
    assert.deepEqual(seen, mobiles);
  });

  test('links encode values that need it', async () => {
    let page = (await srv.search(acct, { country_iso: 'US', city: 'San Francisco', rate_center: 'SNFC CNTRL', limit: '2' })).json;
    const seen = page.objects.map((o) => o.number);
    while (page.meta.next) {
      assert.deepEqual(parseLink(page.meta.next).city, 'San Francisco');
      page = await follow(page.meta.next);
      seen.push(...page.objects.map((o) => o.number));
    }
    assert.deepEqual(seen, ['14154440100', '14155550100', '14155550101', '14155550102']);
  });

  test("links keep a '*' pattern and a local calling area", async () => {
    let page = (await srv.search(acct, { country_iso: 'US', pattern: '4*5', limit: '2' })).json;
    const seen = page.objects.map((o) => o.number);
    while (page.meta.next) {
      assert.equal(parseLink(page.meta.next).pattern, '4*5');
      page = await follow(page.meta.next);
      seen.push(...page.objects.map((o) => o.number));
    }
    assert.deepEqual(seen, ['14055550100', '14154440100', '14155550100', '14155550101', '14155550102', '14156660100', '14255550100']);
    page = (await srv.search(acct, { country_iso: 'US', npanxx: '415444', local_calling_area: 'true', limit: '3' })).json;
    assert.deepEqual(page.objects.map((o) => o.number), ['14154440100', '14155550100', '14155550101']);
    const q = parseLink(page.meta.next);
    assert.deepEqual(q, { limit: '3', offset: '3', country_iso: 'US', npanxx: '415444', local_calling_area: 'true' });
    page = await follow(page.meta.next);
    assert.deepEqual(page.objects.map((o) => o.number), ['14155550102']);
    assert.equal(page.meta.next, null);
  });

  test('next is null on the last page, previous null on the first; an odd offset', async () => {
    let r = (await srv.search(acct, { country_iso: 'US', limit: '10' })).json;
    assert.deepEqual(parseLink(r.meta.next), { limit: '10', offset: '10', country_iso: 'US' });
    assert.equal(r.meta.previous, null);
    r = (await srv.search(acct, { country_iso: 'US', limit: '10', offset: '10' })).json;
    assert.equal(r.meta.next, null);
    assert.deepEqual(parseLink(r.meta.previous), { limit: '10', offset: '0', country_iso: 'US' });
    assert.deepEqual(r.objects.map((o) => o.number), US.slice(10));
    // offset 3, limit 10: previous starts at 0, never below
    r = (await srv.search(acct, { country_iso: 'US', limit: '10', offset: '3' })).json;
    assert.deepEqual(parseLink(r.meta.previous), { limit: '10', offset: '0', country_iso: 'US' });
    assert.deepEqual(parseLink(r.meta.next), { limit: '10', offset: '13', country_iso: 'US' });
    assert.deepEqual(r.objects.map((o) => o.number), US.slice(3, 13));
    r = (await srv.search(acct, { country_iso: 'US', limit: '10', offset: '13' })).json;
    assert.equal(r.meta.next, null);
    assert.deepEqual(r.objects.map((o) => o.number), US.slice(13));
    // exactly one full page: no next
    r = (await srv.search(acct, { country_iso: 'US', limit: '14' })).json;
    assert.equal(r.meta.next, null);
  });
});

// ---- state (last: these buy) -------------------------------------------------

describe('only available numbers', () => {
  test('a bought number disappears for everyone; a pending one too', async () => {
    let r = await srv.buy(other, '12125550100');
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.status, 'fulfilled');
    r = await srv.buy(other, '14155550102'); // restricted, no compliance: pending
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.status, 'pending');
    const left = US.filter((n) => n !== '12125550100' && n !== '14155550102');
    for (const who of [acct, other]) {
      const s = await srv.search(who, { country_iso: 'US' });
      assert.equal(s.json.meta.total_count, 12);
      assert.deepEqual(s.json.objects.map((o) => o.number), left);
    }
    assert.deepEqual(await numbers({ country_iso: 'US', npanxx: '415555' }), ['14155550100', '14155550101']);
    assert.deepEqual(await numbers({ country_iso: 'US', city: 'new york' }), ['12125550101']);
    // the local calling area still resolves from a sold number's NPA-NXX
    assert.deepEqual(await numbers({ country_iso: 'US', npanxx: '212555', local_calling_area: 'true' }), ['12125550101']);
  });

  test('approving the pending number does not bring it back', async () => {
    const a = await srv.admin('POST', '/admin/v1/numbers/14155550102/approve');
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(await numbers({ country_iso: 'US', pattern: '4155550102' }), []);
  });
});

test('api_id on every search', async () => {
  const r = await srv.search(acct, { country_iso: 'US', limit: '1' });
  assert.match(r.json.api_id, UUID_RE);
});
