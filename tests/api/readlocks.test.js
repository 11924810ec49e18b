'use strict';
// Reads find their shared-memory slot lock held (src/store/sqlite/anchor.c).
// A read transaction in WAL mode takes a shared lock on a reader slot of
// the database's -shm file and gives it back at its end, two fcntl calls
// -- unless another connection of the process holds that slot, which serve's
// read anchor does. tests/preload/shmlocks.c counts the locks taken with a
// system call; a server without the anchor (NUMBERD_NO_READ_ANCHOR=1) is
// the control: there each read takes one.  Both compute every answer
// (NUMBERD_NO_ANSWER_CACHE=1): a kept answer reads no table. Both servers run the same reads:
// GETs of a carrier, then a purchase (a commit moves the log's end, and the
// anchor must follow it onto the readers' new slot), then GETs again; then
// the same GETs while another process has the file open (the anchor must
// step aside) and after it closed it.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { start, csv, PG, BIN } = require('./lib/server');

const SHIM = path.join(path.dirname(BIN), 'tests', 'libnd_shmlocks.so');
const SKIP = PG ? 'SQLite only (its shared-memory locks)'
  : !fs.existsSync(SHIM) ? `no ${SHIM} (built with the unit tests)` : false;
const READS = 200;
const NUMBER = '14155550177';

const servers = [];

// a server with the shim, one number for sale, an account and its carrier
async function shimmed(name, env) {
  const log = path.join(os.tmpdir(), `nd-shmlocks-${process.pid}-${name}`);
  fs.rmSync(log, { force: true });
  const asan = [process.env.ASAN_OPTIONS, 'verify_asan_link_order=0'].filter(Boolean).join(':');
  const srv = await start({
    args: ['--rate-limit', '0'],
    // answers computed every time: a kept answer reads nothing (anscache.c)
    env: { LD_PRELOAD: SHIM, ND_SHMLOCK_LOG: log, ASAN_OPTIONS: asan, NUMBERD_NO_ANSWER_CACHE: '1', ...env },
  });
  servers.push({ srv, log });
  await srv.loadCsv(csv(['number', 'country_iso', 'type'], [{ number: NUMBER, country_iso: 'US', type: 'fixed' }]));
  const acct = await srv.createAccount(name);
  const c = await srv.plivo(acct, 'POST', 'IncomingCarrier/', { body: { name: 'c1', ip_set: '198.51.100.1' } });
  assert.equal(c.status, 201, c.text);
  const locks = () => (fs.existsSync(log) ? fs.statSync(log).size : 0);
  // READS sequential GETs of the carrier: the locks they took
  const reads = async () => {
    const before = locks();
    for (let i = 0; i < READS; i++) {
      const r = await srv.plivo(acct, 'GET', `IncomingCarrier/${c.json.carrier_id}/`);
      assert.equal(r.status, 200, r.text);
    }
    return locks() - before;
  };
  return { srv, acct, reads };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let anchored;
let plain;

before(async () => {
  if (SKIP) return;
  anchored = await shimmed('anchored', {});
  plain = await shimmed('plain', { NUMBERD_NO_READ_ANCHOR: '1' });
});

after(async () => {
  for (const { srv, log } of servers) {
    await srv.stop();
    fs.rmSync(log, { force: true });
  }
});

test('reads take no slot lock of their own while serve holds one', { skip: SKIP }, async () => {
  // the control: without the anchor, every read takes the lock itself
  const p = await plain.reads();
  assert.ok(p >= READS, `without the anchor ${READS} reads took ${p} locks (the shim counts none?)`);
  // with it: only the anchor's own turns (one every 100 ms) and the
  // server's pollers' reads that find no other holder
  await sleep(300);
  const a = await anchored.reads();
  assert.ok(a < READS / 5, `with the anchor ${READS} reads took ${a} locks (without it: ${p})`);
  console.log(`# ${READS} reads took ${p} slot locks without the anchor, ${a} with it`);
});

test('after a commit, the anchor follows the log onto the readers\' slot', { skip: SKIP }, async () => {
  const bought = await anchored.srv.buy(anchored.acct, NUMBER);
  assert.equal(bought.status, 201, bought.text);
  // its next turn is at most 100 ms away (5 ms while this process commits)
  await sleep(300);
  const a = await anchored.reads();
  assert.ok(a < READS / 5, `after a purchase ${READS} reads took ${a} locks`);
  console.log(`# after a purchase, ${READS} reads took ${a} slot locks`);
});

// Another process's checkpoints cannot pause the anchor, so while another
// process has the file open it holds nothing (anchor.c, others_open): here
// the sqlite3 shell, idle after one query, as an operator's would be.
const HAVE_SHELL = !SKIP && spawnSync('sqlite3', ['-version']).status === 0;
test('while another process has the file open, reads lock as before; after it closes, not',
  { skip: SKIP || (!HAVE_SHELL && 'no sqlite3 shell') }, async () => {
    const sh = spawn('sqlite3', [anchored.srv.db], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise((res) => sh.on('exit', res));
    const answered = new Promise((res) => sh.stdout.once('data', res));
    sh.stdin.write('SELECT count(*) FROM accounts;\n');
    await answered; // its connection is open
    await sleep(300); // the anchor's next turn sees it
    const open = await anchored.reads();
    sh.stdin.end();
    await exited;
    await sleep(300);
    const closed = await anchored.reads();
    console.log(`# ${READS} reads took ${open} slot locks while the shell had the file open, ${closed} after`);
    assert.ok(open >= READS, `with another process on the file ${READS} reads took ${open} locks`);
    assert.ok(closed < READS / 5, `after it closed ${READS} reads took ${closed} locks`);
  });
