'use strict';
// bench/fill.js -- fills a carrier with COUNT numbers through the API
// (POST Number/, 100 a request, 8 requests in flight): Berlin numbers
// 49 30 1xxxxxxx from START on, as bench/add.lua makes them.
//
// usage: node bench/fill.js BASE_URL AUTH_ID AUTH_TOKEN CARRIER_ID COUNT START
const [base, id, token, carrier, count, start] = process.argv.slice(2);
const COUNT = Number(count);
const START = Number(start);
const auth = 'Basic ' + Buffer.from(`${id}:${token}`).toString('base64');

async function main() {
  let next = 0;
  async function worker() {
    while (next < COUNT) {
      const from = next;
      next = Math.min(COUNT, next + 100);
      const nums = [];
      for (let i = from; i < next; i++) nums.push(`49301${String(START + i).padStart(7, '0')}`);
      const r = await fetch(`${base}/v1/Account/${id}/Number/`, {
        method: 'POST',
        headers: { Authorization: auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ numbers: nums.join(','), carrier, region: 'Berlin' }),
      });
      if (r.status !== 202) throw new Error(`add ${from}: ${r.status} ${await r.text()}`);
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker));
}

main().catch((e) => { console.error(e.message); process.exit(1); });
