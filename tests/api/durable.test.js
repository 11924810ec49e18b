'use strict';
// A durable write is answered only once it is on disk (issue 20 item 4).
// Writes that commit together (group commit, store/sqlite/conn.c) share
// one fsync, and each member is answered only after it. Here numberd runs
// with tests/preload/slowsync.c preloaded, which makes every fsync and
// fdatasync wait SLOW ms first, as a slow disk's would: every purchase,
// alone or with others, must then take at least SLOW ms to be answered --
// with writer threads and without. (Mutation-checked: with the group's
// connection at synchronous=NORMAL, which commits without an fsync, the
// answers came back in 3-45 ms.)

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { start, csv, PG, BIN } = require('./lib/server');

const SLOW = 300;
const SHIM = path.join(path.dirname(BIN), 'tests', 'libnd_slowsync.so');
const skip = PG ? 'SQLite only (PostgreSQL syncs in its own process)'
  : !fs.existsSync(SHIM) ? `no ${SHIM} (built with the unit tests)` : false;
const INVENTORY = Array.from({ length: 60 }, (_, i) => `1415444${String(i).padStart(4, '0')}`);

// numberd with the shim preloaded (env: its settings), INVENTORY loaded
// and an account named name: { srv, acct }.
async function startShimmed(wthreads, env, name) {
  // an ASan build wants its runtime first among the libraries
  const asan = [process.env.ASAN_OPTIONS, 'verify_asan_link_order=0'].filter(Boolean).join(':');
  const srv = await start({
    args: ['--rate-limit', '0', '--write-threads', String(wthreads)],
    env: { LD_PRELOAD: SHIM, ASAN_OPTIONS: asan, ...env },
  });
  await srv.loadCsv(csv(['number', 'country_iso', 'type'],
    INVENTORY.map((number) => ({ number, country_iso: 'US', type: 'fixed' }))));
  return { srv, acct: await srv.createAccount(name) };
}

for (const wthreads of [0, 16]) {
  describe(`with a slow fsync, --write-threads ${wthreads}`, { skip }, () => {
    let srv;
    let acct;
    let next = wthreads ? 30 : 0;
    before(async () => {
      ({ srv, acct } = await startShimmed(wthreads, { ND_SLOWSYNC_MS: SLOW }, `durable-${wthreads}`));
    });
    after(async () => { if (srv) await srv.stop(); });

    async function timedBuy() {
      const n = INVENTORY[next++];
      const t0 = process.hrtime.bigint();
      const r = await srv.buy(acct, n);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      assert.equal(r.status, 201, r.text);
      return ms;
    }

    test('one purchase at a time: each answered after its fsync', async () => {
      for (let i = 0; i < 4; i++) {
        const ms = await timedBuy();
        assert.ok(ms >= SLOW - 5, `a purchase answered in ${ms.toFixed(1)} ms, before a ${SLOW} ms fsync`);
      }
    });

    test('sixteen at once (grouped): each answered after an fsync', async () => {
      const times = await Promise.all(Array.from({ length: 16 }, () => timedBuy()));
      const early = times.filter((ms) => ms < SLOW - 5);
      assert.deepEqual(early, [], `answered before a ${SLOW} ms fsync: ${early.map((x) => x.toFixed(1)).join(', ')} ms`);
      // and all of them are sold, once
      const r = await srv.plivo(acct, 'GET', 'Number/', { query: { limit: 20 } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.meta.total_count, 20);
    });
  });
}

// A failed fsync (EIO, through the shim's ND_SYNC_FAIL_FILE): the commit
// it was for is not durable, so the purchase is a server fault (503, never
// a client error) and changes nothing -- SQLite does not publish a commit
// whose sync failed, and the number stays for sale. Once the disk syncs
// again, writes work again, that number included. (Mutation-checked: with
// the group's connection at synchronous=NORMAL, which commits without a
// sync, the purchase was answered 201.)
for (const wthreads of [0, 16]) {
  describe(`a failed fsync, --write-threads ${wthreads}`, { skip }, () => {
    let srv;
    let acct;
    const fail = path.join(require('node:os').tmpdir(), `nd-syncfail-${process.pid}-${wthreads}`);
    const base = wthreads ? 54 : 50;
    before(async () => {
      fs.rmSync(fail, { force: true });
      ({ srv, acct } = await startShimmed(wthreads, { ND_SYNC_FAIL_FILE: fail, ND_SLOWSYNC_MS: '100' },
        `syncfail-${wthreads}`));
    });
    after(async () => {
      fs.rmSync(fail, { force: true });
      if (srv) await srv.stop();
    });

    test('the purchase is a 503 and changes nothing; writes work again with the disk', async () => {
      assert.equal((await srv.buy(acct, INVENTORY[base])).status, 201);
      fs.writeFileSync(fail, '');
      const r = await srv.buy(acct, INVENTORY[base + 1]);
      fs.rmSync(fail);
      assert.equal(r.status, 503, r.text);
      // not sold: not among the account's numbers, still for sale
      const mine = await srv.plivo(acct, 'GET', `Number/${INVENTORY[base + 1]}/`);
      assert.equal(mine.status, 404, mine.text);
      const list = await srv.plivo(acct, 'GET', 'Number/', { query: { limit: 20 } });
      assert.equal(list.json.meta.total_count, 1, list.text);
      const again = await srv.buy(acct, INVENTORY[base + 1]);
      assert.equal(again.status, 201, `after the disk came back: ${again.text}`);
      assert.equal((await srv.buy(acct, INVENTORY[base + 2])).status, 201);
      assert.equal((await srv.raw('GET', '/readyz')).status, 200);
    });

    // Eight purchases at once, each fsync 100 ms slow: seven, then (while
    // the first commit syncs) the eighth beside a request for a number
    // that was never for sale -- with writer threads, answered as one
    // batch after one commit.  Every purchase a 503, a fault; and the 404
    // read from a batch that was lost is a 503 too; nothing changed.
    test('purchases at once while the disk fails: each a 503, none sold', async () => {
      const many = INVENTORY.slice(base - 20, base - 12);
      fs.writeFileSync(fail, '');
      const first = many.slice(0, 7).map((n) => srv.buy(acct, n));
      await new Promise((resolve) => setTimeout(resolve, 30));
      const second = [srv.buy(acct, many[7]), srv.buy(acct, '14155550000')];
      const got = await Promise.all([...first, ...second]);
      fs.rmSync(fail);
      for (const r of got.slice(0, many.length)) {
        assert.equal(r.status, 503, r.text);
        assert.match(r.json.error, /database unavailable/);
        assert.ok(r.headers.get('retry-after'), 'a 503 says when to retry');
      }
      const last = got[many.length];
      if (wthreads) assert.equal(last.status, 503, last.text); // lost with its batch
      else assert.equal(last.status, 404, last.text); // on its own: nothing to lose
      const list = await srv.plivo(acct, 'GET', 'Number/', { query: { limit: 20 } });
      assert.equal(list.json.meta.total_count, 3, list.text);
      for (const n of many) assert.equal((await srv.buy(acct, n)).status, 201);
    });
  });
}
