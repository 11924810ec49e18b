'use strict';
// The SDK golden requests (tests/sdk/golden/<sdk>.json): loading them, the
// world they are replayed in, and sending one exactly as recorded.
//
// A golden is data: the HTTP request one official Plivo SDK method produces
// (method, path, query, content type, body bytes), with the ids that depend
// on the server replaced by placeholders:
//
//   {auth_id}          the main account the request is sent as
//   {sub_auth_id}      a subaccount of it (enabled)
//   {del_sub_auth_id}  a fresh subaccount, made for a golden that deletes one
//   {app_id}           an application of the main account
//   {del_app_id}       a fresh application, made for a golden that deletes one
//   {carrier_id}       an incoming carrier of the main account
//   {compliance_id}    an approved compliance record (US, local)
//
// Used by tests/api/sdk_golden.test.js (replay) and tests/sdk/capture/run.js
// (which records the goldens of the SDKs that can be run here).

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const GOLDEN_DIR = path.resolve(__dirname, '..', 'golden');
const SDK_ORDER = ['python', 'node', 'java', 'go', 'ruby', 'php', 'dotnet'];

/** Every SDK file, in SDK_ORDER: [{file, data}]. */
function loadAll() {
  const out = [];
  for (const name of SDK_ORDER) {
    const file = path.join(GOLDEN_DIR, `${name}.json`);
    if (!fs.existsSync(file)) continue;
    out.push({ name, file, data: JSON.parse(fs.readFileSync(file, 'utf8')) });
  }
  return out;
}

/** Writes an SDK file back in the house format (2-space JSON, final newline). */
function save(file, data) {
  fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}

// The inventory every replay starts from: the seeds' numbers (003's buy,
// 001's get/update/delete and its list), and a few per SDK so that buys in
// one SDK's goldens never need another's number.
const US = {
  country_iso: 'US', type: 'fixed', sub_type: 'local', voice_enabled: 'true', sms_enabled: 'true',
  mms_enabled: 'true', setup_rate: '0.00000', monthly_rental_rate: '0.80000', voice_rate: '0.00850',
  sms_rate: '0.00000', mms_rate: '0.00000', carrier: 'Plivo',
};
const SF = { ...US, prefix: '415', city: 'SAN FRANCISCO', region: 'CALIFORNIA', rate_center: 'SNFC CNTRL', lata: 722,
  voice_rate: '0.00500', sms_rate: '0.00800' };
const INVENTORY = [
  { ...SF, number: '14155559186' },                 // seed 003: numbers.buy(number='14155559186')
  { ...SF, number: '14154009186' },                 // seed 003: the search answer's example
  ...Array.from({ length: 30 }, (_, i) => ({ ...SF, number: `141555501${String(i).padStart(2, '0')}` })),
  { ...US, number: '17609915566', prefix: '760', city: 'ESCONDIDO', region: 'CALIFORNIA',
    rate_center: 'ESCONDIDO', lata: 732 },           // seed 001: get, update, delete
  { ...US, number: '18005550100', type: 'tollfree', sub_type: 'tollfree', prefix: '800', city: '',
    region: '', rate_center: '', lata: '', voice_rate: '0.02100' },
  { ...US, number: '18005550101', type: 'tollfree', sub_type: 'tollfree', prefix: '800', city: '',
    region: '', rate_center: '', lata: '', voice_rate: '0.02100' },
  { number: '447700900100', country_iso: 'GB', type: 'mobile', sub_type: 'mobile', prefix: '7700',
    voice_enabled: 'true', sms_enabled: 'true', mms_enabled: 'false', setup_rate: '0.00000',
    monthly_rental_rate: '1.00000', voice_rate: '0.01000', sms_rate: '0.01000', carrier: 'Plivo' },
];
const INVENTORY_COLUMNS = ['number', 'country_iso', 'type', 'sub_type', 'prefix', 'city', 'region',
  'rate_center', 'lata', 'voice_enabled', 'sms_enabled', 'mms_enabled', 'setup_rate',
  'monthly_rental_rate', 'voice_rate', 'sms_rate', 'mms_rate', 'restriction', 'restriction_text', 'carrier'];

/**
 * Builds the world on a fresh numberd (started with --aging-days 0, so that
 * an unrented number is for sale again at once): the account, its
 * subaccount, application, carrier and compliance record.  srv is a
 * tests/api/lib/server.js server.  Returns {acct, ids}.
 */
async function buildWorld(srv, { csv }) {
  const acct = await srv.createAccount('sdk-goldens');
  await srv.loadCsv(csv(INVENTORY_COLUMNS, INVENTORY));
  const ids = { auth_id: acct.auth_id };
  const sub = await srv.plivo(acct, 'POST', 'Subaccount/', { body: { name: 'golden-sub', enabled: true } });
  must(sub, 201);
  ids.sub_auth_id = sub.json.auth_id;
  const app = await srv.plivo(acct, 'POST', 'Application/', {
    body: { app_name: 'golden-app', answer_url: 'https://example.com/answer' } });
  must(app, 201);
  ids.app_id = app.json.app_id;
  const car = await srv.plivo(acct, 'POST', 'IncomingCarrier/', { body: { name: 'golden-carrier', ip_set: '192.0.2.10' } });
  must(car, 201);
  ids.carrier_id = car.json.carrier_id;
  ids.compliance_id = await srv.compliance(acct.auth_id, 'US', 'local');
  return { acct, ids };
}

function must(r, status) {
  if (r.status !== status) throw new Error(`world setup: want ${status}, got ${r.status}: ${r.text}`);
}

/**
 * Makes the state a golden needs ("given"), before it is sent:
 *   available:N    N is in the inventory and for sale
 *   owned:N        the main account owns N
 *   sub_owned:N    N is owned and assigned to {sub_auth_id}
 *   absent:N       nobody owns N (numbers brought from a carrier are deleted)
 *   fresh:del_sub  a new subaccount as {del_sub_auth_id}
 *   fresh:del_app  a new application as {del_app_id}
 *   del_sub_owns:N N is owned and assigned to {del_sub_auth_id}
 * ids is updated in place.
 */
async function makeGiven(srv, acct, ids, given = []) {
  for (const g of given) {
    const [what, arg] = g.split(':');
    if (what === 'available' || what === 'absent') {
      const r = await srv.plivo(acct, 'GET', `Number/${arg}/`);
      if (r.status === 200) must(await srv.plivo(acct, 'DELETE', `Number/${arg}/`), 204);
    } else if (what === 'owned' || what === 'sub_owned' || what === 'del_sub_owns') {
      const r = await srv.plivo(acct, 'GET', `Number/${arg}/`);
      if (r.status !== 200) must(await srv.plivo(acct, 'POST', `PhoneNumber/${arg}/`, { body: {} }), 201);
      const sub = what === 'owned' ? '' : what === 'sub_owned' ? ids.sub_auth_id : ids.del_sub_auth_id;
      must(await srv.plivo(acct, 'POST', `Number/${arg}/`, { body: { subaccount: sub } }), 202);
    } else if (g === 'fresh:del_sub') {
      const r = await srv.plivo(acct, 'POST', 'Subaccount/', { body: { name: `golden-del-${Date.now()}`, enabled: true } });
      must(r, 201);
      ids.del_sub_auth_id = r.json.auth_id;
    } else if (g === 'fresh:del_app') {
      const r = await srv.plivo(acct, 'POST', 'Application/', {
        body: { app_name: `golden-del-${process.hrtime.bigint()}`, answer_url: 'https://example.com/d' } });
      must(r, 201);
      ids.del_app_id = r.json.app_id;
    } else {
      throw new Error(`unknown given: ${g}`);
    }
  }
}

/** Replaces every {placeholder} of s by its id (unknown ones stay). */
function fill(s, ids) {
  if (typeof s !== 'string') return s;
  return s.replace(/\{([a-z_]+)\}/g, (m, k) => (Object.prototype.hasOwnProperty.call(ids, k) ? ids[k] : m));
}

/** The reverse of fill: real ids back to placeholders (for recording). */
function unfill(s, ids) {
  if (typeof s !== 'string') return s;
  // longest first, so that no id is replaced inside another
  const pairs = Object.entries(ids).filter(([, v]) => v).sort((a, b) => b[1].length - a[1].length);
  for (const [k, v] of pairs) s = s.split(v).join(`{${k}}`);
  return s;
}

/**
 * Sends a golden's request to base (http://host:port) exactly as recorded
 * (placeholders filled), with Basic credentials of acct.  Resolves with
 * {status, headers, text, json}.
 */
function send(base, acct, request, ids) {
  const u = new URL(base);
  const target = fill(request.path, ids) + (request.query ? `?${fill(request.query, ids)}` : '');
  const body = request.body === null || request.body === undefined ? undefined : Buffer.from(fill(request.body, ids), 'utf8');
  const headers = {
    Authorization: `Basic ${Buffer.from(`${acct.auth_id}:${acct.auth_token}`).toString('base64')}`,
  };
  if (request.content_type) headers['Content-Type'] = request.content_type;
  if (body !== undefined) headers['Content-Length'] = body.length;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: request.method, path: target, headers, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try { json = text.length ? JSON.parse(text) : undefined; } catch { json = undefined; }
          resolve({ status: res.statusCode, headers: res.headers, text, json });
        });
        res.on('error', reject);
      });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/**
 * Judges an answer against a golden's expect block; returns a list of
 * problems (empty: the SDK would be satisfied).
 *   status          the status the SDK treats as success for this call
 *   fields          keys the SDK's classes read: present in the body
 *   object_fields   keys read from every object of a list (objects[])
 *   list_key        the list's key when it is not "objects" (compliances)
 *   not_null        keys (dotted: a.b) that must be present and non-null
 *   equal           {key: value} (dotted keys; values with placeholders)
 *   types           {key: "string"|"boolean"|"number"|"object"|"array"}
 *   min_objects     at least this many objects in the list
 */
function judge(expect, r, ids) {
  const problems = [];
  const want = Array.isArray(expect.status) ? expect.status : [expect.status];
  if (!want.includes(r.status)) {
    const why = r.json && r.json.error ? `: ${r.json.error}` : (r.text ? `: ${r.text.slice(0, 200)}` : '');
    problems.push(`status ${r.status}, want ${want.join('|')}${why}`);
    return problems;
  }
  const body = r.json;
  const nonEmpty = (v) => (Array.isArray(v) ? v.length > 0 : v && typeof v === 'object' ? Object.keys(v).length > 0 : Boolean(v));
  const needsBody = ['fields', 'object_fields', 'not_null', 'equal', 'types', 'min_objects'].some((k) => nonEmpty(expect[k]));
  if (needsBody && (!body || typeof body !== 'object')) {
    problems.push(`no JSON object body: ${r.text.slice(0, 200)}`);
    return problems;
  }
  for (const k of expect.fields || []) {
    if (get(body, k) === undefined) problems.push(`missing field ${k}`);
  }
  const listKey = expect.list_key || 'objects';
  if (nonEmpty(expect.object_fields) || expect.min_objects) {
    const objs = body[listKey];
    if (!Array.isArray(objs)) {
      problems.push(`no ${listKey} array`);
    } else {
      const min = expect.min_objects ?? 1; // 0: an empty list is a right answer
      if (objs.length < min) problems.push(`${objs.length} objects, want at least ${min}`);
      const missing = new Set();
      for (const o of objs) for (const k of expect.object_fields || []) if (get(o, k) === undefined) missing.add(k);
      for (const k of missing) problems.push(`objects lack field ${k}`);
    }
  }
  for (const k of expect.not_null || []) {
    const v = get(body, k);
    if (v === undefined || v === null) problems.push(`${k} is ${v === null ? 'null' : 'missing'}, want a value`);
  }
  for (const [k, v] of Object.entries(expect.equal || {})) {
    const got = get(body, k);
    const wantV = typeof v === 'string' ? fill(v, ids) : v;
    if (JSON.stringify(got) !== JSON.stringify(wantV)) problems.push(`${k} = ${JSON.stringify(got)}, want ${JSON.stringify(wantV)}`);
  }
  for (const [k, t] of Object.entries(expect.types || {})) {
    const v = get(body, k);
    const got = Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
    if (got !== t) problems.push(`${k} is ${got}, want ${t}`);
  }
  return problems;
}

/** body.a.b[0].c for "a.b.0.c". */
function get(o, dotted) {
  let v = o;
  for (const part of dotted.split('.')) {
    if (v === null || v === undefined || typeof v !== 'object') return undefined;
    v = v[part];
  }
  return v;
}

module.exports = {
  GOLDEN_DIR, SDK_ORDER, INVENTORY, INVENTORY_COLUMNS, loadAll, save, buildWorld, makeGiven, fill, unfill, send, judge,
};
