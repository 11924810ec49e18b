'use strict';
// Replays every golden request of the official Plivo SDKs
// (tests/sdk/golden/<sdk>.json: what each SDK method sends, byte for byte)
// against a fresh numberd, and judges each answer the way that SDK's
// classes read it (expect: status, the fields its classes and Plivo's own
// fixtures have, values).
//
// Every golden is a plain test (issue 14 phase 2: none is a known failure;
// a difference numberd keeps on purpose is a golden whose expectation says
// so, phase2 "refused" with its reason, e.g. the 405 of account update).
// SDK_GOLDEN_WRITE_TODAY=1 rewrites each file's "today" from this run's
// results (the "today" column of docs/PLIVO-COMPATIBILITY.md).

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { start, csv } = require('./lib/server');
const G = require('../sdk/lib/golden');

const SHAPES = require('../sdk/golden/shapes.json').shapes;
const WRITE_TODAY = process.env.SDK_GOLDEN_WRITE_TODAY === '1';

// The seeds' own examples (seeds 001 and 003, Python), verbatim: each must be
// a golden of plivo-python.
const SEED_CALLS = [
  ['003', "client.numbers.search(country_iso='US', type='local', pattern='415')"],
  ['003', "client.numbers.buy(number='14155559186')"],
  ['001', "client.numbers.list(limit=10, type='local')"],
  ['001', "client.numbers.get(number='17609915566')"],
  ['001', "client.numbers.update(number='17609915566', alias='Main Line')"],
  ['001', "client.numbers.delete(number='17609915566')"],
];

const sdks = G.loadAll();

/** A golden's expect with its shape merged in (the golden's own keys win; equal and fields add up). */
function expectOf(g) {
  const e = g.expect || {};
  if (!e.shape) return e;
  const s = SHAPES[e.shape];
  assert.ok(s, `unknown shape ${e.shape}`);
  return {
    ...s, ...e,
    fields: [...(s.fields || []), ...(e.fields || [])],
    equal: { ...(s.equal || {}), ...(e.equal || {}) },
    types: { ...(s.types || {}), ...(e.types || {}) },
    not_null: [...(s.not_null || []), ...(e.not_null || [])],
  };
}

test('golden files: every golden names its SDK call, request, expectation and phase-2 verdict', () => {
  assert.deepEqual(sdks.map((s) => s.name), G.SDK_ORDER, 'one golden file per official SDK');
  for (const { name, data } of sdks) {
    for (const k of ['sdk', 'version', 'commit', 'repo', 'how', 'transport', 'methods']) {
      assert.ok(data[k], `${name}: missing ${k}`);
    }
    const seen = new Set();
    for (const m of data.methods) {
      for (const k of ['id', 'resource', 'function', 'source', 'http', 'path', 'encoding', 'params', 'reads', 'goldens']) {
        assert.ok(m[k] !== undefined, `${name} ${m.id}: missing ${k}`);
      }
      assert.ok(m.goldens.length >= 1, `${name} ${m.id}: no golden`);
      for (const g of m.goldens) {
        assert.ok(!seen.has(g.name), `${name}: golden ${g.name} twice`);
        seen.add(g.name);
        assert.ok(g.call, `${name} ${g.name}: no call`);
        assert.ok(g.request && g.request.method && g.request.path, `${name} ${g.name}: no request`);
        assert.equal(g.request.method, m.http, `${name} ${g.name}: method differs from the method table`);
        assert.ok(['pass', 'refused'].includes(g.phase2), `${name} ${g.name}: phase2 must be pass or refused`);
        if (g.phase2 === 'refused') assert.ok(g.reason, `${name} ${g.name}: a refusal needs its reason`);
        assert.ok(g.expect && (g.expect.shape || g.expect.status), `${name} ${g.name}: no expectation`);
        assert.ok(typeof g.today === 'string', `${name} ${g.name}: no "today" (run with SDK_GOLDEN_WRITE_TODAY=1)`);
        // the compatibility doc shows "today": it must not list failures that are gone
        if (!WRITE_TODAY) assert.equal(g.today, 'ok', `${name} ${g.name}: "today" is stale (run with SDK_GOLDEN_WRITE_TODAY=1)`);
      }
    }
  }
});

test('every example of seeds 001 and 003 is a plivo-python golden, verbatim', () => {
  const py = sdks.find((s) => s.name === 'python').data;
  const calls = new Map();
  for (const m of py.methods) for (const g of m.goldens) calls.set(g.call, g);
  for (const [seed, call] of SEED_CALLS) {
    const g = calls.get(call);
    assert.ok(g, `seed ${seed} example missing: ${call}`);
    assert.equal(g.seed, seed);
    assert.equal(g.phase2, 'pass', `${call}: the seeds' examples must work`);
  }
});

const results = [];

for (const sdk of sdks) {
  describe(`${sdk.data.sdk} ${sdk.data.version} goldens replayed`, () => {
    let srv;
    let world;
    before(async () => {
      srv = await start({ args: ['--aging-days', '0'] });
      world = await G.buildWorld(srv, { csv });
    });
    after(async () => { await srv.stop(); });

    for (const m of sdk.data.methods) {
      for (const g of m.goldens) {
        const label = `${sdk.name} ${m.id} [${g.name}] ${g.request.method} ${g.request.path}${g.phase2 === 'refused' ? ' (refused)' : ''}`;
        test(label, async () => {
          const { acct, ids } = world;
          await G.makeGiven(srv, acct, ids, g.given);
          const r = await G.send(srv.base, acct, g.request, ids);
          const problems = G.judge(expectOf(g), r, ids);
          for (const a of g.after || []) {
            const ar = await G.send(srv.base, acct, { method: a.method, path: a.path, query: '', content_type: null, body: null }, ids);
            if (ar.status !== a.status) problems.push(`after: ${a.method} ${G.fill(a.path, ids)} answered ${ar.status}, want ${a.status}`);
          }
          // a Plivo error body is always {api_id, error}
          if (r.status >= 400 && !(r.json && typeof r.json.error === 'string')) problems.push(`error ${r.status} without a JSON error body`);
          results.push({ sdk, g, problems: problems.map((p) => G.unfill(p, ids)) });
          assert.deepEqual(problems, [], `${label}\n  ${problems.join('\n  ')}`);
        });
      }
    }
  });
}

after(() => {
  if (!WRITE_TODAY) return;
  const touched = new Set();
  for (const { sdk, g, problems } of results) {
    g.today = problems.length ? problems.join('; ') : 'ok';
    touched.add(sdk);
  }
  for (const sdk of touched) G.save(sdk.file, sdk.data);
  process.stdout.write(`sdk goldens: "today" written for ${results.length} goldens (${path.relative(process.cwd(), G.GOLDEN_DIR)})\n`);
});
