'use strict';
// The generated tables of docs/PLIVO-COMPATIBILITY.md, made from the golden
// files (tests/sdk/golden/*.json) and params.json. Each table sits between
//   <!-- BEGIN GENERATED: name -->  and  <!-- END GENERATED: name -->
// tests/sdk/tools/gendoc.js writes them; tests/api/sdk_compat_doc.test.js
// fails when the doc differs from what this module generates.

const fs = require('node:fs');
const path = require('node:path');
const G = require('./golden');

const DOC = path.resolve(__dirname, '..', '..', '..', 'docs', 'PLIVO-COMPATIBILITY.md');
const PARAMS = require('../golden/params.json').routes;
const PREFIX = '/v1/Account/{auth_id}/';

/** "POST Number/{number}/": the route a method or request path belongs to. */
function routeKey(http, p) {
  let rel = p.startsWith(PREFIX) ? p.slice(PREFIX.length) : p;
  rel = rel.replace(/^\/+/, '');
  // the goldens' concrete numbers and ids back to the route's parameters
  rel = rel.replace(/^(PhoneNumber|Number)\/\+?\d+\//, '$1/{number}/')
    .replace(/^Subaccount\/\{(del_)?sub_auth_id\}\//, 'Subaccount/{sub_auth_id}/')
    .replace(/^Application\/\{(del_)?app_id\}\//, 'Application/{app_id}/');
  return `${http} ${rel}`;
}

/** The parameter names a golden request carries (query keys, JSON body keys). */
function requestParams(req) {
  const names = new Set();
  if (req.query) for (const k of new URLSearchParams(req.query).keys()) names.add(k);
  if (req.body && /json/.test(req.content_type || '') && req.body.trim().startsWith('{')) {
    try {
      const b = JSON.parse(req.body);
      for (const k of Object.keys(b)) {
        if (Array.isArray(b[k]) && b[k].length && typeof b[k][0] === 'object') {
          for (const kk of Object.keys(b[k][0])) names.add(`${k}[].${kk}`);
        } else {
          names.add(k);
        }
      }
    } catch { /* not JSON: no names */ }
  }
  return names;
}

const cell = (s) => String(s === undefined || s === null ? '' : s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const row = (cells) => `| ${cells.map(cell).join(' | ')} |`;
function table(head, rows) {
  return [row(head), `|${head.map(() => '---').join('|')}|`, ...rows.map(row)].join('\n');
}
const short = (s, n = 140) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function sdkTable(sdks) {
  const rows = sdks.map(({ data }) => {
    let goldens = 0; let ok = 0; let refused = 0;
    for (const m of data.methods) {
      for (const g of m.goldens) {
        goldens++;
        if (g.today === 'ok') ok++;
        if (g.phase2 === 'refused') refused++;
      }
    }
    return [data.sdk, data.version, data.commit, data.how.split(':')[0], data.methods.length, goldens, ok, goldens - ok, refused];
  });
  return table(['SDK', 'version', 'commit', 'requests', 'methods', 'goldens', 'answered right today', 'wrong today', 'refused by design'], rows);
}

function methodTable(sdks) {
  const rows = [];
  for (const { data } of sdks) {
    for (const m of data.methods) {
      const bad = m.goldens.filter((g) => g.today !== 'ok');
      const today = bad.length === 0 ? 'ok' : bad.map((g) => `${g.name}: ${short(g.today, 110)}`).join('; ');
      const p2 = m.goldens.every((g) => g.phase2 === 'pass') ? 'works'
        : m.goldens.filter((g) => g.phase2 === 'refused').map((g) => `refused ${g.expect.status}: ${g.reason}`).join('; ');
      rows.push([data.sdk, m.function, m.http, m.path, m.encoding, m.params.join(', ') || '-', m.reads.join(', ') || '-', m.source, today, p2]);
    }
  }
  return table(['SDK', 'function', 'HTTP', 'path', 'encoding', 'parameters it can send', 'response fields read', 'source', 'numberd today', 'after phase 2'], rows);
}

/** route -> param -> {sdks:Set, goldens:[{sdk, g}]} from the method tables and goldens. */
function sentParams(sdks) {
  const out = new Map();
  const at = (r, p) => {
    if (!out.has(r)) out.set(r, new Map());
    const m = out.get(r);
    if (!m.has(p)) m.set(p, { sdks: new Set(), goldens: [] });
    return m.get(p);
  };
  for (const { name, data } of sdks) {
    for (const m of data.methods) {
      const r = routeKey(m.http, m.path);
      for (const p of m.params) at(r, p).sdks.add(name);
      for (const g of m.goldens) {
        for (const p of requestParams(g.request)) if (m.params.includes(p)) at(r, p).goldens.push({ sdk: name, g });
      }
    }
  }
  return out;
}

function todayOf(entry, param) {
  if (!entry.goldens.length) return 'not in a golden';
  const unknown = entry.goldens.filter(({ g }) => g.today.includes(`unknown parameter: ${param}`));
  if (unknown.length) return `400 unknown parameter (${[...new Set(unknown.map((u) => u.sdk))].join(', ')})`;
  const named = entry.goldens.filter(({ g }) => g.today !== 'ok' && g.today.includes(param));
  if (named.length) return `refused: ${short(named[0].g.today, 90)} (${[...new Set(named.map((u) => u.sdk))].join(', ')})`;
  if (entry.goldens.every(({ g }) => g.today === 'ok')) return 'accepted';
  return 'accepted; the call fails for another reason';
}

function paramTable(sdks) {
  const sent = sentParams(sdks);
  const rows = [];
  for (const [route, params] of Object.entries(PARAMS)) {
    for (const [p, spec] of Object.entries(params)) {
      const e = (sent.get(route) || new Map()).get(p) || { sdks: new Set(), goldens: [] };
      rows.push([route.trim() === route ? route : `${route}(account)`, p, spec.kind, [...e.sdks].join(', '), spec.rule, todayOf(e, p)]);
    }
  }
  return table(['route (under /v1/Account/{auth_id}/)', 'parameter', 'kind', 'sent by', 'numberd after phase 2', 'numberd today'], rows);
}

/** Problems with params.json against the SDKs: missing rows, rows no SDK sends. */
function paramCoverage(sdks) {
  const sent = sentParams(sdks);
  const problems = [];
  for (const [route, params] of sent) {
    for (const p of params.keys()) {
      if (!PARAMS[route] || !PARAMS[route][p]) problems.push(`${route}: ${p} is sent by ${[...params.get(p).sdks].join(', ')} but has no row in params.json`);
    }
  }
  for (const [route, params] of Object.entries(PARAMS)) {
    for (const p of Object.keys(params)) {
      if (!sent.get(route) || !sent.get(route).has(p)) problems.push(`params.json ${route}: ${p} is sent by no SDK`);
    }
  }
  return problems;
}

function sections(sdks = G.loadAll()) {
  return { sdks: sdkTable(sdks), methods: methodTable(sdks), params: paramTable(sdks) };
}

/** The doc text with every generated section replaced. */
function render(text, secs = sections()) {
  for (const [name, body] of Object.entries(secs)) {
    const re = new RegExp(`(<!-- BEGIN GENERATED: ${name} -->\\n)[\\s\\S]*?(<!-- END GENERATED: ${name} -->)`);
    if (!re.test(text)) throw new Error(`docs/PLIVO-COMPATIBILITY.md has no generated section "${name}"`);
    text = text.replace(re, (m0, a, b) => `${a}${body}\n${b}`);
  }
  return text;
}

module.exports = { DOC, sections, render, paramCoverage, routeKey, requestParams };

if (require.main === module) {
  fs.writeFileSync(DOC, render(fs.readFileSync(DOC, 'utf8')));
  process.stdout.write(`${path.relative(process.cwd(), DOC)}: generated sections rewritten\n`);
}
