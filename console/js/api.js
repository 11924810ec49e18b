// api.js -- the console's only way to the server: the public APIs, as any
// client uses them (docs/openapi.json).  Three families:
//   plivo  /v1/Account/{auth_id}/...   HTTP Basic auth_id:auth_token
//   byoc   /v1/phone-numbers...        Authorization: Bearer <API key>
//   admin  /admin/v1/...               Authorization: Bearer <admin token>
// Every failure becomes an ApiError with the server's message, and for
// the BYOC dialect and the admin API the faults with their JSON paths
// (errors[].path), so a form can show each one next to its field.

import * as session from './session.js';

export class ApiError extends Error {
  constructor(status, message, { errors = [], requestId = '', retryAfter = null } = {}) {
    super(message);
    this.status = status;
    this.errors = errors;
    this.requestId = requestId;
    this.retryAfter = retryAfter;
  }
}

/** The message to show a person for err (any error). */
export function describe(err) {
  if (!(err instanceof ApiError)) return String(err && err.message ? err.message : err);
  if (err.status === 0) return err.message;
  if (err.status === 401) return `The server refused the credentials (${err.message}).`;
  if (err.status === 429) return `Too many requests: try again${err.retryAfter ? ` in ${err.retryAfter} s` : ' shortly'}.`;
  if (err.status >= 500) return `The server failed: ${err.message}${err.requestId ? ` (request ${err.requestId})` : ''}.`;
  return err.message;
}

function basic(authId, authToken) {
  const text = `${authId}:${authToken}`;
  // ids and tokens are ASCII by construction; anything else cannot be right
  if (!/^[\x20-\x7e]*$/.test(text)) throw new ApiError(0, 'auth_id and auth_token are plain ASCII letters and digits');
  return `Basic ${btoa(text)}`;
}

/** Authorization for a family, from creds or the signed-in session. */
function authorization(family, creds) {
  const s = creds || session.load() || {};
  if (family === 'plivo') return s.authId ? basic(s.authId, s.authToken || '') : null;
  if (family === 'byoc') return s.apiKey ? `Bearer ${s.apiKey}` : null;
  if (family === 'admin') return s.token ? `Bearer ${s.token}` : null;
  return null;
}

/** A query string from an object, leaving out empty values. */
export function qs(query) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v === undefined || v === null || v === '') continue;
    p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** An Idempotency-Key (8-255 of [A-Za-z0-9_-]); crypto.randomUUID needs a secure context, this does not. */
export function idemKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return `console-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}

async function request(family, method, url, { body, headers = {}, creds } = {}) {
  const h = { Accept: 'application/json', ...headers };
  const auth = authorization(family, creds);
  if (auth) h.Authorization = auth;
  let payload;
  if (body !== undefined) {
    h['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    // credentials: 'omit' -- the Authorization header is ours to send; the
    // browser must neither add stored credentials nor ask for a password
    // itself when the Plivo dialect answers 401 with WWW-Authenticate.
    res = await fetch(url, { method, headers: h, body: payload, credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, `Cannot reach numberd (${e.message}).`);
  }
  const text = await res.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch { json = null; }
  }
  if (!res.ok) {
    const msg = json && (json.error || json.detail) ? (json.error || json.detail) : `HTTP ${res.status}`;
    throw new ApiError(res.status, msg, {
      errors: json && Array.isArray(json.errors) ? json.errors : [],
      requestId: res.headers.get('X-Request-Id') || '',
      retryAfter: res.headers.get('Retry-After'),
    });
  }
  return json;
}

function accountBase(creds) {
  const s = creds || session.load() || {};
  return `/v1/Account/${encodeURIComponent(s.authId || '')}/`;
}

/** Plivo dialect; paths are relative to /v1/Account/{auth_id}/ ("Number/"). */
export const plivo = {
  get: (path, query, opts = {}) => request('plivo', 'GET', accountBase(opts.creds) + path + qs(query), opts),
  post: (path, body, opts = {}) => request('plivo', 'POST', accountBase(opts.creds) + path, {
    body, headers: opts.idem ? { 'Idempotency-Key': opts.idem } : {}, ...opts,
  }),
  del: (path, opts = {}) => request('plivo', 'DELETE', accountBase(opts.creds) + path, opts),
};

/** BYOC dialect; paths are relative to /v1/phone-numbers ("", "/carriers"). */
export const byoc = {
  get: (path, query, opts = {}) => request('byoc', 'GET', `/v1/phone-numbers${path}${qs(query)}`, opts),
  post: (path, body, opts = {}) => request('byoc', 'POST', `/v1/phone-numbers${path}`, {
    body, headers: opts.idem ? { 'Idempotency-Key': opts.idem } : {}, ...opts,
  }),
  patch: (path, body, opts = {}) => request('byoc', 'PATCH', `/v1/phone-numbers${path}`, { body, ...opts }),
  put: (path, body, opts = {}) => request('byoc', 'PUT', `/v1/phone-numbers${path}`, { body, ...opts }),
  del: (path, opts = {}) => request('byoc', 'DELETE', `/v1/phone-numbers${path}`, opts),
};

/** Admin API; paths are relative to /admin/v1 ("/accounts"). */
export const admin = {
  get: (path, query, opts = {}) => request('admin', 'GET', `/admin/v1${path}${qs(query)}`, opts),
  post: (path, body, opts = {}) => request('admin', 'POST', `/admin/v1${path}`, { body, ...opts }),
  del: (path, opts = {}) => request('admin', 'DELETE', `/admin/v1${path}`, opts),
};

/**
 * Every item of a Plivo list, page by page (20 at a time), up to cap items:
 * for the choices of a form (applications, subaccounts), never for the
 * numbers.  Resolves {items, more} (more: the cap cut the list short).
 */
export async function plivoAll(resource, query = {}, cap = 200) {
  const items = [];
  let offset = 0;
  for (;;) {
    const r = await plivo.get(resource, { ...query, limit: 20, offset });
    items.push(...r.objects);
    offset += r.objects.length;
    if (!r.meta.next || r.objects.length === 0) return { items, more: false };
    if (items.length >= cap) return { items, more: true };
  }
}

/**
 * POST /admin/v1/inventory with a CSV file, reporting upload progress
 * (XMLHttpRequest: fetch has no upload progress).  onProgress(loaded,
 * total) while the bytes go out; onSent() once they are all out and the
 * server is finishing the import.  Resolves the import result.
 */
export function uploadInventory(file, { dryRun = false, onProgress, onSent } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/admin/v1/inventory${dryRun ? '?dry_run=true' : ''}`);
    const auth = authorization('admin');
    if (auth) xhr.setRequestHeader('Authorization', auth);
    xhr.setRequestHeader('Content-Type', 'text/csv');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', (e) => {
      if (onProgress) onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    });
    xhr.upload.addEventListener('load', () => { if (onSent) onSent(); });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'The upload failed: numberd could not be reached.')));
    xhr.addEventListener('abort', () => reject(new ApiError(0, 'The upload was cancelled.')));
    xhr.addEventListener('load', () => {
      let json = null;
      try { json = JSON.parse(xhr.responseText); } catch { json = null; }
      if (xhr.status >= 200 && xhr.status < 300 && json) resolve(json);
      else {
        reject(new ApiError(xhr.status, json && (json.detail || json.error) ? (json.detail || json.error) : `HTTP ${xhr.status}`, {
          errors: json && Array.isArray(json.errors) ? json.errors : [],
          requestId: xhr.getResponseHeader('X-Request-Id') || '',
        }));
      }
    });
    xhr.send(file);
  });
}

/** "/v1/Account/MA.../Application/12345678901234567/" -> "12345678901234567" */
export function idFromUri(uri) {
  if (!uri) return '';
  const m = /\/([^/]+)\/?$/.exec(uri);
  return m ? m[1] : '';
}
