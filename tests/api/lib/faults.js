'use strict';
// Fault injection for the API tests (issue 15): what can go wrong around
// numberd, made to happen on purpose, so that each scenario of
// tests/api/faults.test.js can state its promise and check it.
//
//   pgCluster()        a PostgreSQL cluster of the test's own (never the
//                      shared NUMBERD_TEST_PG one: other test files run on
//                      that at the same time), which it can stop (fast or
//                      immediate), crash (SIGKILL of the postmaster) and
//                      start again on the same port and data
//                      (scripts/pg-throwaway.sh down|crash|up)
//                      pgCluster({dataDir}) puts its data on dataDir (a
//                      smallDisk: PostgreSQL's disk fills up)
//   pgProxy(port)      a TCP proxy in front of PostgreSQL that reads the
//                      server's messages: it can cut every connection, or
//                      lose the reply of a write that committed (the
//                      connection dies after the server's ReadyForQuery,
//                      before numberd reads the answer); and partition the
//                      network: refuse (every connection closed at once,
//                      new ones too) or blackhole (connections accepted,
//                      nothing forwarded either way: what hangs for ever
//                      without timeouts), then heal
//   smallDisk(mb)      a tmpfs of mb MiB mounted on a fresh directory (root
//                      only), fill() it to the last byte, free() it again
//   trickle(...)       an HTTP request sent a few bytes at a time with a
//                      pause between writes (slow headers, slow bodies)
//   load(...)          runs a request function in a loop from n workers,
//                      recording status, latency and time of each answer
//   sqliteLock(db,sql) another process (the sqlite3 CLI) that holds an
//                      SQLite database's write lock until release()
//
// Nothing here knows numberd's routes: the tests say what to send.

const { execFileSync, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const PG_SCRIPT = path.join(ROOT, 'scripts', 'pg-throwaway.sh');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Is a PostgreSQL server installed (scripts/deps.sh --test)? */
function havePostgres() {
  try {
    return fs.readdirSync('/usr/lib/postgresql').some((v) =>
      fs.existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
  } catch {
    return false;
  }
}

function pgScript(args, env = {}) {
  // PG_DURABLE=1: fsync and synchronous_commit on, as in production.  The
  // shared test cluster runs without them, and a crash of such a cluster
  // loses commits it acknowledged: a fault of the test, not of numberd.
  return execFileSync('bash', [PG_SCRIPT, ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PG_DURABLE: '1', ...env } }).trim();
}

/**
 * A throwaway cluster of the caller's own.  Returns
 * {url, port, psql(sql, db), createDb() -> url, down(mode), crash(), up(),
 * running(), destroy()}.  url ends with '/'.  opts.dataDir: the data
 * directory (empty; e.g. a smallDisk's dir); opts.initdbArgs,
 * opts.serverOpts: extra initdb arguments and server options.
 */
function pgCluster(opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-pgfault-'));
  const env = { PG_INITDB_ARGS: opts.initdbArgs || '', PG_SERVER_OPTS: opts.serverOpts || '' };
  const url = opts.dataDir ? pgScript(['start-on', dir, opts.dataDir], env) : pgScript(['start', dir], env);
  const dataDir = opts.dataDir || path.join(dir, 'data');
  const port = Number(fs.readFileSync(path.join(dir, 'port'), 'utf8'));
  const bin = fs.readFileSync(path.join(dir, 'bin'), 'utf8').trim();
  const cluster = {
    dir,
    url,
    port,
    psql(sql, db = 'postgres') {
      return execFileSync(path.join(bin, 'psql'), [`${url}${db}`, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', sql],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    },
    /** A new database; its name. */
    createDb() {
      const name = `nd_${crypto.randomBytes(6).toString('hex')}`;
      cluster.psql(`CREATE DATABASE ${name}`);
      return name;
    },
    /** pg_ctl stop -m mode (fast: sessions are ended; immediate: no shutdown checkpoint). */
    down(mode = 'fast') { pgScript(['down', dir, mode]); },
    /** SIGKILL to the postmaster: a crash; the next up() runs recovery. */
    crash() { pgScript(['crash', dir]); },
    up() { pgScript(['up', dir]); },
    /** Is the postmaster running?  (It exits when crash recovery fails.) */
    running() {
      try {
        const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    },
    /** The server's log. */
    log() { try { return fs.readFileSync(path.join(dir, 'server.log'), 'utf8'); } catch { return ''; } },
    destroy() { try { pgScript(['stop', dir]); } catch { /* gone */ } },
  };
  return cluster;
}

/**
 * A TCP proxy on 127.0.0.1 in front of PostgreSQL at targetPort.  numberd
 * must connect without TLS or GSS encryption (sslmode=disable,
 * gssencmode=disable in its URL) so that the proxy can read the server's
 * messages: type byte, length, body.
 *
 * loseReplyOf(re): the next time a statement whose CommandComplete tag
 * matches re ("INSERT 0 1", "UPDATE 1") ends outside a transaction (the
 * ReadyForQuery that follows says idle, so the server has committed it),
 * the proxy closes both sides instead of passing that reply on: numberd
 * sees its connection die with a write whose outcome it cannot know.
 * Resolves with the tag once it happened.  loseReplyOf(re, {sent}): only
 * on a connection whose client has sent the string `sent` since the trap
 * was set (a statement's parameter: the number bought, the name created),
 * so that a background job's COMMIT on a connection of its own (the sweep,
 * whenever a loaded machine runs it) is never the one caught.
 *
 * cutAll(): closes every connection at once (a network blip).
 */
function pgProxy(targetPort) {
  const conns = new Set();
  let trap = null; // {re, resolve}
  // 'pass'; 'refuse': connections closed as they come; 'blackhole':
  // accepted (the kernel acknowledges every byte) and nothing forwarded
  let mode = 'pass';
  const server = net.createServer((client) => {
    if (mode === 'refuse') { client.destroy(); return; }
    if (mode === 'blackhole') {
      // never connected upstream: bytes read and dropped, so the sender
      // never blocks either -- only a timeout of its own can end the wait
      const c = { client, upstream: null, blackholed: true, dirty: true };
      conns.add(c);
      client.on('data', () => {});
      client.on('error', () => { conns.delete(c); client.destroy(); });
      client.on('close', () => conns.delete(c));
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const c = { client, upstream, buf: Buffer.alloc(0), held: [], heldTag: null, blackholed: false, dirty: false, sent: '' };
    conns.add(c);
    const close = () => {
      conns.delete(c);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
    client.on('data', (d) => {
      if (c.blackholed) { c.dirty = true; return; }
      if (trap && trap.sent) c.sent += d.toString('latin1');
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (c.blackholed) { c.dirty = true; return; }
      c.buf = Buffer.concat([c.buf, d]);
      // whole messages only: type (1), length (4, itself included), body
      while (c.buf.length >= 5) {
        const len = c.buf.readUInt32BE(1);
        if (c.buf.length < 1 + len) break;
        const msg = c.buf.subarray(0, 1 + len);
        c.buf = c.buf.subarray(1 + len);
        const type = String.fromCharCode(msg[0]);
        if (type === 'C' && trap && (!trap.sent || c.sent.includes(trap.sent))) {
          const tag = msg.subarray(5, msg.length - 1).toString('utf8');
          if (trap.re.test(tag)) {
            c.held.push(msg);
            c.heldTag = tag;
            continue;
          }
        }
        if (c.heldTag !== null) {
          if (type === 'Z') {
            const status = String.fromCharCode(msg[5]);
            if (status === 'I' && trap) {
              // committed on the server; the reply never arrives
              const t = trap;
              trap = null;
              close();
              t.resolve(c.heldTag);
              return;
            }
            for (const h of c.held) client.write(h);
            c.held = [];
            c.heldTag = null;
            client.write(msg);
            continue;
          }
          c.held.push(msg);
          continue;
        }
        client.write(msg);
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: server.address().port,
        loseReplyOf(re, { sent = null } = {}) {
          for (const c of conns) c.sent = '';
          return new Promise((res) => { trap = { re, sent, resolve: res }; });
        },
        disarm() { trap = null; },
        cutAll() {
          const n = conns.size;
          for (const c of [...conns]) { c.client.destroy(); if (c.upstream) c.upstream.destroy(); }
          conns.clear();
          return n;
        },
        /** Partition: every connection closed, and new ones as they come. */
        refuse() {
          mode = 'refuse';
          for (const c of [...conns]) { c.client.destroy(); if (c.upstream) c.upstream.destroy(); }
          conns.clear();
        },
        /** Partition: nothing forwarded on any connection, old or new. */
        blackhole() {
          mode = 'blackhole';
          for (const c of conns) c.blackholed = true;
        },
        /**
         * The network is back: new connections are forwarded; an old one
         * that stayed quiet through the partition works again, one that
         * lost bytes is closed (its stream is broken: as TCP would end it).
         */
        heal() {
          mode = 'pass';
          for (const c of [...conns]) {
            if (!c.blackholed) continue;
            if (c.dirty || !c.upstream) {
              c.client.destroy();
              if (c.upstream) c.upstream.destroy();
              conns.delete(c);
            } else {
              c.blackholed = false;
            }
          }
        },
        connections: () => conns.size,
        close() {
          for (const c of [...conns]) { c.client.destroy(); if (c.upstream) c.upstream.destroy(); }
          return new Promise((r) => server.close(() => r()));
        },
      });
    });
  });
}

/** Is this process root (mount needs it)? */
const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * A tmpfs of mb MiB on a new directory.  fill() writes a filler file until
 * the file system is full (ENOSPC) and returns its size; free() removes it;
 * destroy() unmounts and removes the directory.
 */
function smallDisk(mb) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mb}m,mode=0700`, 'tmpfs', dir]);
  const filler = path.join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = fs.openSync(filler, 'a');
      const chunk = Buffer.alloc(64 * 1024, 0x55);
      let n = 0;
      try {
        for (;;) {
          try {
            n += fs.writeSync(fd, chunk);
          } catch (err) {
            if (err.code !== 'ENOSPC') throw err;
            break;
          }
        }
        // the last few pages, a byte at a time
        const one = Buffer.alloc(4096, 0x55);
        for (;;) {
          try { n += fs.writeSync(fd, one); } catch (err) {
            if (err.code !== 'ENOSPC') throw err;
            break;
          }
        }
      } finally {
        fs.closeSync(fd);
      }
      return n;
    },
    free() { fs.rmSync(filler, { force: true }); },
    destroy() {
      spawnSync('umount', ['-l', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Sends an HTTP request over a raw socket, `step` bytes at a time with
 * `pauseMs` between writes: from byte 0 when what === 'headers', or
 * headers at once and then the body slowly when what === 'body'.
 * Resolves with {status, headers, text, ms} (or {status: 0, error} when
 * the server closed the connection first).
 */
function trickle(port, { method = 'POST', path: p, headers = {}, body = '', what = 'body', step = 1, pauseMs = 10 }) {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const h = { Host: '127.0.0.1', Connection: 'close', ...headers };
  if (method !== 'GET' || b.length) h['Content-Length'] = String(b.length);
  const head = Buffer.from(`${method} ${p} HTTP/1.1\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
  const t0 = Date.now();
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    let done = false;
    const finish = (res) => { if (!done) { done = true; sock.destroy(); resolve(res); } };
    sock.on('data', (d) => { got = Buffer.concat([got, d]); });
    sock.on('error', (error) => finish({ status: 0, error: String(error), ms: Date.now() - t0 }));
    sock.on('close', () => {
      const text = got.toString('utf8');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (!m) return finish({ status: 0, error: 'closed without an answer', ms: Date.now() - t0 });
      const sep = text.indexOf('\r\n\r\n');
      const headers = {};
      for (const line of text.slice(0, sep).split('\r\n').slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      let bodyText = text.slice(sep + 4);
      if (/chunked/i.test(headers['transfer-encoding'] || '')) {
        let out = '';
        let rest = bodyText;
        for (;;) {
          const nl = rest.indexOf('\r\n');
          const n = parseInt(rest.slice(0, nl), 16);
          if (!n) break;
          out += rest.slice(nl + 2, nl + 2 + n);
          rest = rest.slice(nl + 2 + n + 2);
        }
        bodyText = out;
      }
      let json = null;
      try { json = JSON.parse(bodyText); } catch { /* not JSON */ }
      finish({ status: Number(m[1]), headers, text: bodyText, json, ms: Date.now() - t0 });
    });
    sock.on('connect', async () => {
      const slow = what === 'headers' ? Buffer.concat([head, b]) : b;
      if (what !== 'headers') sock.write(head);
      for (let i = 0; i < slow.length && !done; i += step) {
        sock.write(slow.subarray(i, i + step));
        if (i + step < slow.length) await sleep(pauseMs);
      }
    });
  });
}

/**
 * Runs fn(worker, i) in a loop from `workers` workers until stop() is
 * called; fn returns a response ({status, headers, json}) or throws
 * (recorded as status 0); a response's pauseMs makes that worker rest
 * after it (not counted in its latency).  Resolves stop() with the records
 * [{worker, i, t, ms, status, ...extra}] where t is the answer's time
 * relative to the start and extra is what fn's result's `note` holds.
 */
function load(workers, fn) {
  const t0 = Date.now();
  const records = [];
  let running = true;
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; running; i++) {
      const s = Date.now();
      let r;
      try {
        r = await fn(w, i);
      } catch (err) {
        r = { status: 0, error: String(err) };
      }
      if (r === null) { await sleep(5); continue; } // nothing to do this round
      records.push({ worker: w, i, t: Date.now() - t0, ms: Date.now() - s, status: r.status,
        retryAfter: r.headers ? (typeof r.headers.get === 'function' ? r.headers.get('retry-after') : r.headers['retry-after']) : undefined,
        json: r.json, note: r.note });
      if (r.pauseMs) await sleep(r.pauseMs); // the client rests, after its answer was timed
    }
  });
  return {
    records,
    async stop() {
      running = false;
      await Promise.all(loops);
      return records;
    },
  };
}

/** Percentile p (0..100) of a list of numbers. */
function pct(list, p) {
  if (!list.length) return NaN;
  const a = [...list].sort((x, y) => x - y);
  return a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))];
}

/** Counts of each status in records: {201: 10, 503: 3}. */
function statusCounts(records) {
  const out = {};
  for (const r of records) out[r.status] = (out[r.status] || 0) + 1;
  return out;
}

/**
 * The sqlite3 CLI holding db's write lock: it runs `before` (e.g. a
 * PRAGMA), BEGIN IMMEDIATE, then `inside` (statements in the transaction),
 * and resolves once the lock is held. The CLI waits up to 10 s for the lock
 * (numberd's own background writes may hold it a moment: without a busy
 * timeout the BEGIN failed at once, the script went on without the lock and
 * the test checked nothing -- CI, session 38) and stops at the first error,
 * which rejects. release() rolls back and waits for the CLI's exit; kill()
 * is for finally blocks.
 */
async function sqliteLock(db, { before = '', inside = '' } = {}) {
  const { spawn } = require('node:child_process');
  const p = spawn('sqlite3', [db], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise((res) => p.on('exit', (code) => res(code)));
  await new Promise((res, rej) => {
    p.on('error', rej);
    p.stdout.on('data', (d) => { out += d; if (/\bheld\b/.test(out)) res(); });
    p.stderr.on('data', (d) => { err += d; });
    exited.then((code) => rej(new Error(`sqlite3 exited (${code}) before holding the lock: ${err.trim()}`)));
    p.stdin.write(`.timeout 10000\n.bail on\n${before}\nBEGIN IMMEDIATE;\n${inside}\nSELECT 'held';\n`);
  });
  return {
    async release() { p.stdin.end('ROLLBACK;\n'); await exited; },
    kill() { if (p.exitCode === null) p.kill('SIGKILL'); },
  };
}

module.exports = { havePostgres, pgCluster, pgProxy, isRoot, smallDisk, trickle, load, pct, statusCounts, sleep, sqliteLock };
