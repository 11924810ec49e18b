'use strict';
// docs/openapi.json as a test oracle: which operation a recorded request
// hit, and whether the response it got is one the document describes
// (status, content type, and the body against the schema, with ajv's JSON
// Schema 2020-12 validator, the dialect of OpenAPI 3.1).

const fs = require('node:fs');
const path = require('node:path');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;

const DOC_PATH = path.resolve(__dirname, '../../../docs/openapi.json');
const DOC_ID = 'https://numberd.dev/openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function loadDoc() {
  return JSON.parse(fs.readFileSync(DOC_PATH, 'utf8'));
}

/** "/v1/Account/{auth_id}/Number/" -> "/v1/Account/{auth_id}/Number": the
 * router makes the trailing slash optional, so it is not part of identity. */
function normPath(p) {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

function segments(p) {
  return normPath(p).split('/').slice(1);
}

/** JSON pointer escaping of one reference token (RFC 6901). */
function esc(token) {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

class OpenApiOracle {
  constructor(doc = loadDoc()) {
    this.doc = doc;
    // Strict: a misspelt keyword in the document is an error, not a silently
    // ignored constraint.  The document's own top-level members are not
    // schema keywords: declare them so that strict mode lets the document be
    // registered whole and every "#/components/..." reference resolves.
    this.ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(this.ajv);
    this.ajv.addVocabulary(Object.keys(doc).filter((k) => k !== '$id'));
    this.ajv.addSchema({ ...doc, $id: DOC_ID });
    this.validators = new Map();
    this.templates = [];
    for (const [tpl, item] of Object.entries(doc.paths)) {
      const segs = segments(tpl);
      this.templates.push({
        tpl, item, segs,
        literals: segs.filter((s) => !/^\{.+\}$/.test(s)).length,
      });
    }
  }

  /** Every operation: {method, path, op} (method lower case). */
  operations() {
    const out = [];
    for (const [p, item] of Object.entries(this.doc.paths)) {
      for (const m of METHODS) if (item[m]) out.push({ method: m, path: p, op: item[m] });
    }
    return out;
  }

  /** The path template a concrete request path matches, as the router does:
   * trailing slash optional, a literal segment beats a parameter. */
  matchPath(p) {
    const segs = segments(p);
    let best = null;
    for (const t of this.templates) {
      if (t.segs.length !== segs.length) continue;
      const ok = t.segs.every((s, i) => segs[i].length > 0 && (/^\{.+\}$/.test(s) || s === segs[i]));
      if (ok && (!best || t.literals > best.literals)) best = t;
    }
    return best;
  }

  /** Follows a "#/components/..." reference inside the document. */
  deref(obj) {
    let pointer = null;
    while (obj && obj.$ref) {
      pointer = obj.$ref;
      obj = obj.$ref.slice(2).split('/')
        .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce((o, k) => (o === undefined ? undefined : o[k]), this.doc);
    }
    return { obj, pointer };
  }

  validator(pointer) {
    let v = this.validators.get(pointer);
    if (!v) {
      v = this.ajv.compile({ $ref: `${DOC_ID}#${pointer}` });
      this.validators.set(pointer, v);
    }
    return v;
  }

  /**
   * Checks one recorded response ({method, path, status, contentType, json,
   * text}).  Returns {skip: why} for a request the document does not cover
   * by design (an unknown path: 404; a method the path does not serve: 405),
   * else {operationId, problems: [...]} (empty when the response conforms).
   */
  check(rec) {
    const t = this.matchPath(rec.path);
    if (!t) return { skip: 'unknown path' };
    // HEAD is served wherever GET is (libmicrohttpd drops the body)
    const method = rec.method.toLowerCase() === 'head' ? 'get' : rec.method.toLowerCase();
    const op = t.item[method];
    if (!op) return { skip: 'method not served' };
    const where = `${op.operationId} (${rec.method} ${t.tpl}, status ${rec.status})`;
    const problems = [];
    const status = String(rec.status);
    const opPtr = `#/paths/${esc(t.tpl)}/${method}`;
    if (!op.responses[status]) {
      problems.push(`${where}: the document has no response for status ${status} ` +
        `(documented: ${Object.keys(op.responses).join(', ')}) at ${opPtr}/responses`);
      return { operationId: op.operationId, problems };
    }
    const { obj: resp, pointer: respRef } = this.deref(op.responses[status]);
    const respPtr = respRef ? respRef.slice(1) : `${opPtr.slice(1)}/responses/${status}`;
    if (rec.method.toUpperCase() === 'HEAD') return { operationId: op.operationId, problems };
    const content = resp.content || {};
    const media = Object.keys(content);
    const hasBody = rec.json !== null || (rec.text !== null && rec.text !== '');
    if (media.length === 0) {
      if (hasBody) problems.push(`${where}: the document says no body (#${respPtr}), the server sent one: ${excerpt(rec)}`);
      return { operationId: op.operationId, problems };
    }
    const ct = (rec.contentType || '').split(';')[0].trim().toLowerCase();
    if (!content[ct]) {
      problems.push(`${where}: content type ${JSON.stringify(rec.contentType)} is not documented ` +
        `(#${respPtr}/content has ${media.join(', ')})`);
      return { operationId: op.operationId, problems };
    }
    const schemaPtr = `${respPtr}/content/${esc(ct)}/schema`;
    const isJson = ct === 'application/json' || ct.endsWith('+json');
    if (isJson && rec.json === null) {
      problems.push(`${where}: want a JSON body (#${schemaPtr}), got ${excerpt(rec)}`);
      return { operationId: op.operationId, problems };
    }
    const v = this.validator(schemaPtr);
    const body = isJson ? rec.json : rec.text;
    if (!v(body)) {
      const errs = v.errors.slice(0, 8).map((e) => {
        const extra = e.params && (e.params.unevaluatedProperty || e.params.additionalProperty);
        // ajv's schemaPath is relative to the schema resource it is in: the
        // document for a $ref'd component, else the schema at schemaPtr
        const sp = /^#\/(components|paths)\//.test(e.schemaPath) ? e.schemaPath : `#${schemaPtr}${e.schemaPath.slice(1)}`;
        return `  at body${e.instancePath || ''}: ${e.message}${extra ? ` (${extra})` : ''} [schema ${sp}]`;
      });
      problems.push(`${where}: the body does not match #${schemaPtr}\n${errs.join('\n')}\n  body: ${excerpt(rec)}`);
    }
    return { operationId: op.operationId, problems };
  }
}

function excerpt(rec) {
  const s = rec.json !== null ? JSON.stringify(rec.json) : String(rec.text);
  return s.length > 600 ? `${s.slice(0, 600)}…` : s;
}

/** Every line of every *.jsonl file in dir (the recorder's output). */
function readRecords(dir) {
  const out = [];
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()) {
    for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      if (line.trim()) out.push(JSON.parse(line));
    }
  }
  return out;
}

/**
 * Checks records against the document.  Returns {problems, checked,
 * skipped, seen} where seen maps operationId -> Set of statuses.
 */
function checkRecords(oracle, records) {
  const problems = [];
  const seen = new Map();
  let checked = 0;
  const skipped = {};
  for (const rec of records) {
    const r = oracle.check(rec);
    if (r.skip) {
      skipped[r.skip] = (skipped[r.skip] || 0) + 1;
      continue;
    }
    checked++;
    if (!seen.has(r.operationId)) seen.set(r.operationId, new Set());
    seen.get(r.operationId).add(rec.status);
    for (const p of r.problems) problems.push(rec.file ? `${p}\n  (recorded by ${rec.file}: ${rec.method} ${rec.path}${rec.query || ''})` : p);
  }
  return { problems, checked, skipped, seen };
}

module.exports = { DOC_PATH, METHODS, loadDoc, normPath, OpenApiOracle, readRecords, checkRecords };
