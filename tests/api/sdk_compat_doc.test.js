'use strict';
// docs/PLIVO-COMPATIBILITY.md cannot drift: its tables are generated from the
// SDK goldens (tests/sdk/golden/*.json, whose "today" columns come from
// replaying them against numberd: sdk_golden.test.js) and params.json.
// Regenerate with: node tests/sdk/lib/doc.js

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const D = require('../sdk/lib/doc');
const G = require('../sdk/lib/golden');

test('docs/PLIVO-COMPATIBILITY.md holds the tables generated from the goldens', () => {
  const text = fs.readFileSync(D.DOC, 'utf8');
  const want = D.render(text);
  assert.ok(text === want, 'the generated sections are stale: run `node tests/sdk/lib/doc.js` and commit');
});

test('every parameter an SDK can send has a row in params.json, and every row is sent by an SDK', () => {
  assert.deepEqual(D.paramCoverage(G.loadAll()), []);
});

test('the doc says how to point each SDK at numberd and documents the Node SDK applications workaround', () => {
  const text = fs.readFileSync(D.DOC, 'utf8');
  for (const sdk of ['plivo-python', 'plivo-node', 'plivo-java', 'plivo-go', 'plivo-ruby', 'plivo-php', 'plivo-dotnet']) {
    assert.match(text, new RegExp(`### ${sdk}`), `no base-URL section for ${sdk}`);
  }
  assert.match(text, /apiVoiceUris/);
  assert.match(text, /https\.Agent/);
});
