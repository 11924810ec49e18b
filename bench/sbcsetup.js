'use strict';
// bench/sbcsetup.js -- prepares a running numberd for bench/sbc through the
// admin API.
//
// usage: node bench/sbcsetup.js BASE_URL ADMIN_TOKEN accounts N
//          makes N accounts; prints their auth_ids, one a line
//        node bench/sbcsetup.js BASE_URL ADMIN_TOKEN gateways SET [SIP_IP]
//          gives the upstream carriers up0 .. up999 (the inventory CSV's
//          carrier column, bench/sbc) their gateways, in place of any they
//          had; SET is
//            small: up0 .. up9 one gateway each, 10.0.0.x/32, inbound and
//                   outbound (10 inbound gateways in all);
//            large: every carrier 100 gateways (100,000 in all): gateway 0
//                   a /32 inbound and outbound, gateway 1 a /24 in
//                   172.16.0.0/12, gateways 2-99 /32s in 10.0.0.0/8;
//          with SIP_IP (the SIPp carrier's address), up0 .. up9 also
//          accept calls from SIP_IP/32 (in place of their last gateway).
// The addresses are what bench/sbc's key files use: carrier k, gateway g:
// v = k * 100 + g + 1, address 10.(v >> 16).((v >> 8) & 255).(v & 255).

const [base, admin, mode, arg, sipIp] = process.argv.slice(2);

async function call(method, url, body) {
  const r = await fetch(base + url, {
    method,
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + admin },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

function ip10(k, g) {
  const v = k * 100 + g + 1;
  return `10.${v >> 16}.${(v >> 8) & 255}.${v & 255}`;
}

// n async workers over items
async function pool(items, n, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

async function accounts(n) {
  const out = [];
  for (let k = 0; k < n; k++) {
    const a = await call('POST', '/admin/v1/accounts', { name: `sbcbench-${k}` });
    out.push(a.auth_id);
  }
  process.stdout.write(out.join('\n') + '\n');
}

async function gateways(set) {
  if (set !== 'small' && set !== 'large') throw new Error('SET is small or large');
  const ups = [];
  for (let off = 0; ; off += 100) {
    const page = await call('GET', `/admin/v1/carriers?limit=100&offset=${off}`);
    ups.push(...page.data);
    if (page.data.length < 100) break;
  }
  const byName = new Map(ups.map((u) => [u.name, u.id]));
  const jobs = [];
  for (let k = 0; k < 1000; k++) {
    const id = byName.get(`up${k}`);
    if (!id) throw new Error(`upstream carrier up${k} missing (was the CSV rewritten?)`);
    let gws = [];
    if (set === 'small') {
      if (k < 10) gws.push({ address: ip10(k, 0), inbound: true, outbound: true });
    } else {
      gws.push({ address: ip10(k, 0), inbound: true, outbound: true });
      gws.push({ address: `172.${16 + (k >> 8)}.${k & 255}.0/24`, inbound: true, outbound: false });
      for (let g = 2; g < 100; g++) gws.push({ address: ip10(k, g), inbound: true, outbound: false });
    }
    if (sipIp && k < 10) {
      if (gws.length === 100) gws.pop();
      gws.push({ address: sipIp, inbound: true, outbound: false });
    }
    // small: the carriers past up9 lose what an earlier set gave them
    jobs.push({ id, gws });
  }
  await pool(jobs, 8, (j) => call('PATCH', `/admin/v1/carriers/${j.id}`, { sip_gateways: j.gws }));
}

(mode === 'accounts' ? accounts(Number(arg)) : gateways(arg))
  .catch((e) => { console.error(e.message); process.exit(1); });
