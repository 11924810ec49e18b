'use strict';
// bench/setup.js -- prepares a running numberd for bench/run: an account that
// owns COUNT numbers (bought through the API, COUNT/20 at a time) and 20
// incoming carriers, and prints the values the scenarios need as shell
// assignments.
//
// usage: node bench/setup.js BASE_URL ADMIN_TOKEN NUMBERS_FILE
// (NUMBERS_FILE: the numbers to buy, one a line)
// prints: AUTH_ID=… AUTH_TOKEN=… OWNED=<a number it owns> CARRIER=<carrier_id>
//         RATE_CENTER=<a rate center with numbers for sale>

const fs = require('node:fs');
const [base, admin, file] = process.argv.slice(2);
const want = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
const COUNT = want.length;

async function call(method, url, { auth, body, bearer } = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (auth) headers.Authorization = 'Basic ' + Buffer.from(auth).toString('base64');
  if (bearer) headers.Authorization = 'Bearer ' + bearer;
  const r = await fetch(base + url, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function main() {
  const acct = await call('POST', '/admin/v1/accounts', { bearer: admin, body: { name: 'bench' } });
  const auth = `${acct.auth_id}:${acct.auth_token}`;
  const A = `/v1/Account/${acct.auth_id}`;
  const owned = [];
  // buy them, 16 at a time
  let i = 0;
  async function worker() {
    while (i < want.length && owned.length < COUNT) {
      const n = want[i++];
      try {
        await call('POST', `${A}/PhoneNumber/${n}/`, { auth });
        owned.push(n);
      } catch (e) { /* taken meanwhile: skip */ }
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker));
  let carrier = null;
  for (let k = 0; k < 20; k++) {
    const c = await call('POST', `${A}/IncomingCarrier/`, { auth,
      body: { name: `carrier-${k}`, ip_set: `198.51.100.${k + 1},203.0.113.0/24` } });
    carrier = carrier || c.carrier_id;
  }
  // the upstream carriers the import created (the CSV's carrier column):
  // inbound from 192.0.2.0/24, outbound to 192.0.2.1, for the SBC lookups
  const ups = await call('GET', '/admin/v1/carriers?limit=100', { bearer: admin });
  for (const u of ups.data) {
    await call('PATCH', `/admin/v1/carriers/${u.id}`, { bearer: admin, body: { sip_gateways: [
      { address: '192.0.2.0/24' }, { address: '192.0.2.1', inbound: false, outbound: true }] } });
  }
  const sample = await call('GET', `${A}/PhoneNumber/?country_iso=US&limit=1&offset=5000`, { auth });
  const rc = sample.objects[0].rate_center;
  owned.sort();
  process.stdout.write(`AUTH_ID=${acct.auth_id}\nAUTH_TOKEN=${acct.auth_token}\n` +
    `OWNED=${owned[Math.floor(owned.length / 2)]}\nOWNED_COUNT=${owned.length}\n` +
    `CARRIER=${carrier}\nRATE_CENTER='${rc}'\n`);
}

main().catch((e) => { console.error(e.message); process.exit(1); });
