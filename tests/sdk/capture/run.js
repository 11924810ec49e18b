'use strict';
// Records the golden requests of the SDKs that can be run on this machine:
// the official Python SDK (from a source checkout, PYTHONPATH) and the
// official Node SDK (tests/api/node_modules/plivo), each call of
// tests/sdk/golden/{python,node}.json run for real against a fresh numberd
// through a recording proxy.  The proxy forwards every request unchanged and
// keeps what the SDK sent: method, path, query, content type and body bytes.
// Ids that depend on the server are turned back into placeholders
// (lib/golden.js), and each golden's "request" and "captured" blocks are
// rewritten; everything else in the files (the method table, expectations)
// is hand-written and left alone.
//
// Usage (from the repository root, after a build):
//   PLIVO_PYTHON_SRC=/path/to/plivo-python node tests/sdk/capture/run.js [python|node ...]
// The Python SDK needs Debian's python3-requests python3-six
// python3-decorator python3-lxml python3-jwt (scripts/deps.sh --test).
// No SDK code is copied into the repository: the goldens are data.

const { execFile } = require('node:child_process');
const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const API = path.join(ROOT, 'tests', 'api');
process.env.NUMBERD_BIN = process.env.NUMBERD_BIN || path.join(ROOT, 'build', 'numberd');
const { start, csv } = require(path.join(API, 'lib', 'server.js'));
const G = require('../lib/golden');

// Debian's interpreter, where python3-requests & co. are installed (a
// python3 earlier on the PATH, e.g. pyenv's, would not see them).
const PYTHON = process.env.PYTHON || (require('node:fs').existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** A recording reverse proxy to target (port); resolves {port, take, close}. */
function recordingProxy(targetPort) {
  const seen = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const rec = {
        method: req.method,
        target: req.url,
        headers: { ...req.headers },
        body: body.length ? body.toString('utf8') : null,
        // a GET/DELETE the SDK sent with Content-Length: 0 and one it sent
        // without any body are the same on the wire for numberd
      };
      const fwd = http.request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url,
        headers: { ...req.headers, host: `127.0.0.1:${targetPort}` } }, (up) => {
        const out = [];
        up.on('data', (c) => out.push(c));
        up.on('end', () => {
          const text = Buffer.concat(out).toString('utf8');
          rec.status = up.statusCode;
          rec.answer = text.slice(0, 600);
          seen.push(rec);
          res.writeHead(up.statusCode, up.headers);
          res.end(text);
        });
      });
      fwd.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
      if (body.length) fwd.write(body);
      fwd.end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: server.address().port,
    take() { return seen.splice(0, seen.length); },
    close() { return new Promise((r) => server.close(r)); },
  })));
}

/** The recorded request in golden form, ids back to placeholders. */
function toGolden(rec, ids) {
  const q = rec.target.indexOf('?');
  const p = q < 0 ? rec.target : rec.target.slice(0, q);
  const query = q < 0 ? '' : rec.target.slice(q + 1);
  return {
    method: rec.method,
    path: G.unfill(p, ids),
    query: G.unfill(query, ids),
    content_type: rec.headers['content-type'] || null,
    body: rec.body === null ? null : G.unfill(rec.body, ids),
  };
}

// Asynchronous on purpose: the recording proxy runs in this process's event
// loop, which a synchronous spawn would block.
function runPython(proxy, acct, call, ids) {
  const src = process.env.PLIVO_PYTHON_SRC;
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [path.join(__dirname, 'python_driver.py'), `http://127.0.0.1:${proxy.port}`,
      acct.auth_id, acct.auth_token, G.fill(call, ids)], {
      encoding: 'utf8', env: { ...process.env, PYTHONPATH: src, PYTHONDONTWRITEBYTECODE: '1' }, timeout: 60000,
    }, (err, stdout, stderr) => {
      if (err) reject(new Error(`python driver: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
}

// The Node SDK, from tests/api's pinned install, and the https agent that
// carries its applications.* calls (hard-wired to https://api.plivo.com,
// see docs/PLIVO-COMPATIBILITY.md) to the proxy as plain HTTP.
function nodeClient(proxy, acct) {
  const plivo = require(require.resolve('plivo', { paths: [API] }));
  const axios = require(require.resolve('axios', { paths: [path.dirname(require.resolve('plivo', { paths: [API] }))] }));
  class ToProxy extends https.Agent {
    createConnection(options, cb) {
      const host = options.host || options.hostname;
      if (host !== 'api.plivo.com') {
        process.nextTick(() => cb(new Error(`capture: refusing to connect to ${host}`)));
        return undefined;
      }
      return net.connect({ host: '127.0.0.1', port: proxy.port });
    }
  }
  axios.defaults.httpsAgent = new ToProxy({ keepAlive: false });
  return { plivo, client: new plivo.Client(acct.auth_id, acct.auth_token, { url: `http://127.0.0.1:${proxy.port}/v1/Account/${acct.auth_id}` }) };
}

async function runNode(node, call, ids) {
  try {
    // the call is test data: an expression over `client`
    // eslint-disable-next-line no-new-func
    const res = await new Function('client', 'plivo', `return (${G.fill(call, ids)});`)(node.client, node.plivo);
    return { ok: true, result: JSON.stringify(res, (k, v) => (typeof v === 'function' ? undefined : v)).slice(0, 2000) };
  } catch (e) {
    const msg = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
    return { ok: false, error: msg.slice(0, 1000) };
  }
}

async function main() {
  const want = process.argv.slice(2);
  const sdks = G.loadAll().filter((s) => ['python', 'node'].includes(s.name) && (!want.length || want.includes(s.name)));
  if (sdks.some((s) => s.name === 'python') && !process.env.PLIVO_PYTHON_SRC) {
    throw new Error('set PLIVO_PYTHON_SRC to a checkout of github.com/plivo/plivo-python');
  }
  for (const sdk of sdks) {
    const srv = await start({ args: ['--aging-days', '0'] });
    const proxy = await recordingProxy(srv.port);
    try {
      const { acct, ids } = await G.buildWorld(srv, { csv });
      const node = sdk.name === 'node' ? nodeClient(proxy, acct) : null;
      for (const m of sdk.data.methods) {
        for (const g of m.goldens || []) {
          if (!g.call) continue;
          await G.makeGiven(srv, acct, ids, g.given);
          proxy.take();
          const out = sdk.name === 'python' ? await runPython(proxy, acct, g.call, ids) : await runNode(node, g.call, ids);
          const recs = proxy.take();
          if (recs.length !== 1) {
            throw new Error(`${sdk.name} ${g.name}: ${recs.length} requests recorded (${JSON.stringify(out)})`);
          }
          g.request = toGolden(recs[0], ids);
          g.captured = { status: recs[0].status, sdk: out.ok ? 'returned' : G.unfill(out.error, ids) };
          process.stdout.write(`${sdk.name} ${g.name}: ${recs[0].method} ${G.unfill(recs[0].target, ids)} -> ${recs[0].status}${out.ok ? '' : ` (${G.unfill(out.error, ids).slice(0, 120)})`}\n`);
        }
      }
      G.save(sdk.file, sdk.data);
    } finally {
      await proxy.close();
      await srv.stop();
    }
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
