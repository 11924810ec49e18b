'use strict';
// Issue 19: the console as the operator sees it (admin token), in chromium
// against the real binary: accounts (list, create with the secrets shown
// once, a new API key), an inventory CSV upload whose progress is watched
// and whose rejected rows are listed, the inventory chart, and the pending
// numbers (GET /admin/v1/numbers) listed and approved one by one.  Issue 18: an account's API keys listed and revoked, its
// token rotated, the account suspended (its sign-in refused) and resumed.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const c = require('./lib/console');

let srv;
let browser;
let page;
let acme;
const dialog = () => page.locator('dialog[open]');

before(async () => {
  srv = await c.start();
  acme = await srv.createAccount('Acme Telecom');
  browser = await c.launch();
  page = await c.open(browser, srv);
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('the operator signs in with the admin token (a wrong one is refused at its field)', async () => {
  await page.goto('/console/signin');
  await c.signIn(page, 'admin', { token: 'not-the-admin-token-at-all' });
  const err = page.locator('[data-field=admin_token] .field-error');
  await err.waitFor();
  assert.match(await err.textContent(), /not accepted/);
  await c.signIn(page, 'admin', { token: srv.adminToken });
  await page.waitForURL('**/console/admin/accounts');
  assert.deepEqual(await page.locator('#nav a').allTextContents(), ['Accounts', 'Inventory', 'Pending numbers', 'Upstream carriers', 'Registrations', 'Events']);
  await page.locator(`tr[data-account="${acme.auth_id}"]`).waitFor();
  c.assertQuiet(page);
});

test('accounts: create one (its secrets shown once, and real), give it a read-only API key', async () => {
  await page.getByRole('button', { name: 'New account' }).click();
  await dialog().getByLabel('Name', { exact: true }).fill('Globex');
  await dialog().getByRole('button', { name: 'Create account' }).click();
  const secret = (label) => dialog().locator(`code[data-secret="${label}"]`).textContent();
  const globex = { auth_id: await secret('Auth ID'), auth_token: await secret('Auth token'), api_key: await secret('API key') };
  assert.match(globex.auth_id, /^MA[A-Z0-9]{18}$/);
  assert.equal((await srv.plivo(globex, 'GET', 'Number/')).status, 200, 'the shown auth token works');
  assert.equal((await srv.byoc(globex.api_key, 'GET', '/carriers')).status, 200, 'the shown API key works');
  await dialog().getByRole('button', { name: 'Done' }).click();
  const row = page.locator(`tr[data-account="${globex.auth_id}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /Globex.*active/);

  await row.getByRole('button', { name: 'New API key for Globex' }).click();
  await dialog().getByLabel(/^phone_numbers:write/).uncheck();
  await dialog().getByRole('button', { name: 'Create API key' }).click();
  const key = await dialog().locator('code[data-secret="API key"]').textContent();
  assert.match(key, /^nd_live_[A-Za-z0-9_-]{43}$/);
  assert.equal((await srv.byoc(key, 'GET', '/carriers')).status, 200);
  assert.equal((await srv.byoc(key, 'POST', '/carriers', { body: { carrier_name: 'x', sip_gateway: { ipv4: '192.0.2.1' } } })).status, 403,
    'the key has the read scope only');
  await dialog().getByRole('button', { name: 'Done' }).click();

  // nothing is announced as missing any more (issue 18 wired the rest)
  assert.equal(await page.getByText('Not in this server\'s API yet').count(), 0);
  const list = (await srv.admin('GET', '/admin/v1/accounts')).json;
  assert.deepEqual(list.data.map((a) => a.name).sort(), ['Acme Telecom', 'Globex']);
  await c.checkPage(page);
  await c.shot(page, 'admin-accounts');
  c.assertQuiet(page);
});

test('API keys: listed without secrets, one revoked and refused; a token rotated', async () => {
  const extra = (await srv.admin('POST', `/admin/v1/accounts/${acme.auth_id}/api-keys`, { label: 'billing' })).json;
  await page.goto('/console/admin/accounts');
  const row = page.locator(`tr[data-account="${acme.auth_id}"]`);
  await row.getByRole('button', { name: 'API keys for Acme Telecom' }).click();
  const keyRow = dialog().locator(`tr[data-key="${extra.id}"]`);
  await keyRow.waitFor();
  assert.match(await keyRow.textContent(), /billing/);
  assert.ok(!(await dialog().textContent()).includes(extra.api_key), 'no secret in the list');
  await keyRow.getByRole('button', { name: /^Revoke key/ }).click();
  await page.getByRole('button', { name: 'Revoke key', exact: true }).click();
  await page.waitForFunction((id) => /revoked/.test(document.querySelector(`dialog[open] tr[data-key="${id}"]`)?.textContent || ''), extra.id);
  // the focus is on the key's row, not lost to <body> with its button
  await page.waitForFunction((id) => document.activeElement?.dataset?.key === String(id), extra.id, { timeout: 5000 });
  assert.equal((await srv.byoc(extra.api_key, 'GET', '/carriers')).status, 401, 'the revoked key is refused');
  assert.equal((await srv.byoc(acme.api_key, 'GET', '/carriers')).status, 200, 'the other key still works');
  await page.keyboard.press('Escape');

  await row.getByRole('button', { name: 'Rotate token for Acme Telecom' }).click();
  await dialog().getByLabel('The old token').selectOption('1h');
  await dialog().getByRole('button', { name: 'Rotate token' }).click();
  const token = await dialog().locator('code[data-secret="Auth token"]').textContent();
  assert.notEqual(token, acme.auth_token);
  assert.equal((await srv.plivo({ ...acme, auth_token: token }, 'GET', 'Number/')).status, 200, 'the new token works');
  assert.equal((await srv.plivo(acme, 'GET', 'Number/')).status, 200, 'the old one, during its hour of grace');
  await dialog().getByRole('button', { name: 'Done' }).click();
  c.assertQuiet(page);
});

test('suspend an account and see its sign-in refused', async () => {
  const victim = await srv.createAccount('Initech');
  await page.goto('/console/admin/accounts');
  const row = page.locator(`tr[data-account="${victim.auth_id}"]`);
  await row.getByRole('button', { name: 'Suspend for Initech' }).click();
  await page.getByRole('button', { name: 'Suspend account' }).click();
  await page.locator(`tr[data-account="${victim.auth_id}"]`, { hasText: 'suspended' }).waitFor();
  assert.equal((await srv.plivo(victim, 'GET', 'Number/')).status, 403);
  const status = (await srv.admin('GET', '/admin/v1/accounts')).json.data.find((a) => a.auth_id === victim.auth_id).status;
  assert.equal(status, 'suspended');

  // the customer tries to sign in, in a tab of its own
  const other = await c.open(browser, srv);
  await c.signIn(other, 'account', victim);
  const err = other.locator('[data-field=auth_token] .field-error');
  await err.waitFor();
  assert.match(await err.textContent(), /suspended/);
  await c.signIn(other, 'apikey', { api_key: victim.api_key });
  const kerr = other.locator('[data-field=api_key] .field-error');
  await kerr.waitFor();
  assert.match(await kerr.textContent(), /suspended/);

  // resumed: the same sign-in works
  await page.locator(`tr[data-account="${victim.auth_id}"]`).getByRole('button', { name: 'Resume for Initech' }).click();
  await page.getByRole('button', { name: 'Resume account' }).click();
  await page.locator(`tr[data-account="${victim.auth_id}"]`, { hasText: 'active' }).waitFor();
  await c.signIn(other, 'account', victim);
  await other.waitForURL((u) => !u.pathname.endsWith('/signin'));
  await other.close();
  c.assertQuiet(page);
});

test('inventory: upload a CSV, watch the progress bar move, see the rejected rows; the chart follows', async (t) => {
  const good = execFileSync(c.server.BIN, ['inventory', 'generate', '--count', '30000', '--seed', '11'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  // two bad rows at the end (lines 30002 and 30003): a number too short, a country that does not exist
  const row = (...cells) => [...cells, ...Array(17).fill('')].join(',');
  const csv = `${good}${row('123', 'US', 'fixed')}\n${row('14155550123', 'XX', 'fixed')}\n`;
  // upload at 2 MB/s, so that the ~4 MB take a few seconds to watch
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 2 * 1024 * 1024 });

  await page.getByRole('link', { name: 'Inventory' }).click();
  await page.getByRole('heading', { name: 'Upload inventory' }).waitFor();
  await page.getByText('The inventory is empty').waitFor();
  // every value the progress bar takes, seen from outside the console's code
  await page.evaluate(() => {
    window.progressSeen = [];
    const bar = document.getElementById('upload-progress');
    new MutationObserver(() => window.progressSeen.push(Number(bar.value))).observe(bar, { attributes: true, attributeFilter: ['value'] });
  });
  await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'inventory.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Upload and import' }).click();
  await page.getByRole('heading', { name: 'Import finished' }).waitFor({ timeout: 120000 });
  const secs = (Date.now() - t0) / 1000;
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const seen = await page.evaluate(() => window.progressSeen);
  const between = [...new Set(seen.filter((v) => v > 0 && v < 100))];
  t.diagnostic(`upload: ${(csv.length / 1048576).toFixed(1)} MB in ${secs.toFixed(1)} s; the bar took ${between.length} values between 0 and 100: ${between.join(' ')}`);
  assert.ok(between.length >= 3, `the bar moved through the upload (values seen: ${seen.join(' ')})`);
  assert.deepEqual(seen.filter((v, i) => i > 0 && v < seen[i - 1]), [], 'it never went back');
  assert.equal(seen[seen.length - 1], 100);

  const stats = (await srv.admin('GET', '/admin/v1/inventory/stats')).json;
  assert.equal(stats.total, 30000);
  assert.equal(await page.locator('[data-k=imported]').textContent(), '30,000');
  assert.equal(await page.locator('[data-k=rejected]').textContent(), '2');
  // the rejected rows are the API's own (a dry run of the same file now refuses the same two)
  const dry = (await srv.importCsv(csv, { dryRun: true })).json;
  const shown = await page.locator('table.data').filter({ hasText: 'Why' }).locator('tbody tr')
    .evaluateAll((rows) => rows.map((r) => ({ line: Number(r.cells[0].textContent), error: r.cells[1].textContent })));
  assert.deepEqual(shown, dry.rejected);
  assert.deepEqual(shown.map((r) => r.line), [30002, 30003]);

  // the chart: one bar per country, segments per state
  const bars = await page.locator('svg.chart .chart-label').allTextContents();
  assert.deepEqual([...bars].sort(), Object.keys(stats.counts).sort());
  assert.equal(bars[0], 'US', 'largest first');
  const usTotal = Object.values(stats.counts.US).reduce((s, st) => s + Object.values(st).reduce((a, b) => a + b, 0), 0);
  assert.ok((await page.locator('svg.chart .chart-value').first().textContent()) === usTotal.toLocaleString('en-US'));
  assert.ok(await page.locator('svg.chart rect.seg-available').count() >= bars.length);
  await c.checkPage(page);
  await c.shot(page, 'admin-inventory');
  await page.getByLabel('Bars by', { exact: true }).selectOption('country_type');
  await page.locator('svg.chart .chart-label', { hasText: 'US tollfree' }).waitFor();
  c.assertQuiet(page);
});

test('pending numbers: listed with an Approve button each, paged; an approved one leaves the list and its owner sees it active', async () => {
  // a customer buys restricted numbers without a compliance record: pending
  const R = Array.from({ length: 22 }, (_, i) => `1907555${String(200 + i).padStart(4, '0')}`);
  await srv.loadCsv(c.server.csv(['number', 'country_iso', 'type', 'city', 'restriction', 'restriction_text'],
    R.map((number) => ({ number, country_iso: 'US', type: 'local', city: 'ANCHORAGE', restriction: 'city-address', restriction_text: 'A local address in Alaska is required' }))));
  for (const n of R) assert.equal((await srv.buy(acme, n)).json.status, 'pending');
  const other = await srv.createAccount('Umbrella');
  const restricted = (await srv.search(other, { country_iso: 'NL', type: 'tollfree' })).json.objects.find((n) => n.restriction);
  assert.ok(restricted, 'the generated inventory has restricted numbers');
  assert.equal((await srv.buy(other, restricted.number)).json.status, 'pending');
  const all = [...R, restricted.number].sort();

  // the customer, in a tab of its own, sees its number pending
  const cust = await c.open(browser, srv);
  try {
    await c.signIn(cust, 'account', acme);
    await cust.waitForURL('**/console/numbers');
    await cust.locator(`tr[data-number="${R[0]}"]`).getByText('pending').waitFor();

    await page.getByRole('link', { name: 'Pending numbers' }).click();
    await page.getByText('23 pending numbers in all.').waitFor();
    const rows = page.locator('#pending-table tbody tr');
    const shown = () => rows.evaluateAll((rs) => rs.map((r) => r.dataset.number));
    await rows.first().waitFor();
    assert.deepEqual(await shown(), all.slice(0, 20), 'the first page, in number order');
    const first = page.locator(`tr[data-number="${R[0]}"]`);
    assert.match(await first.textContent(), /Acme Telecom.*US local.*city-address.*Alaska/);
    // the rest through the API's cursor
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.locator(`tr[data-number="${all[22]}"]`).waitFor();
    assert.deepEqual(await shown(), all);
    assert.equal(await page.getByRole('button', { name: 'Load more' }).isVisible(), false);
    await c.checkPage(page);
    await c.shot(page, 'admin-pending');

    // approve one with the mouse: it leaves the list, the count follows
    await page.getByRole('button', { name: `Approve +${R[0]}` }).click();
    await first.waitFor({ state: 'detached' });
    await page.getByText('22 pending numbers in all.').waitFor();
    // and one with the keyboard: the focus moves to the next number's button
    await page.getByRole('button', { name: `Approve +${R[1]}` }).focus();
    await page.keyboard.press('Enter');
    await page.locator(`tr[data-number="${R[1]}"]`).waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), `Approve +${R[2]}`);
    await page.getByText('21 pending numbers in all.').waitFor();

    // the event log has the approval, with the operator as its actor (issue 18)
    await page.goto(`/console/admin/events?type=number.activated&object_id=${R[0]}`);
    const ev = page.locator('#events-table tr[data-type="number.activated"]');
    await ev.waitFor();
    assert.match(await ev.textContent(), new RegExp(`number ${R[0]}.*${acme.auth_id}.*admin`));
    await page.goto('/console/admin/pending');
    await rows.first().waitFor();

    // the API agrees, and a reload lists what is left
    const left = (await srv.admin('GET', '/admin/v1/numbers?status=pending&limit=100')).json.data.map((x) => x.number);
    assert.deepEqual(left, all.filter((n) => n !== R[0] && n !== R[1]));
    await page.reload();
    await rows.first().waitFor();
    assert.deepEqual(await shown(), left.slice(0, 20));

    // one account's only
    await page.getByLabel('Account (auth ID)', { exact: true }).fill(other.auth_id);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(`**/console/admin/pending?account=${other.auth_id}`);
    await page.locator(`tr[data-number="${restricted.number}"]`).waitFor();
    assert.deepEqual(await shown(), [restricted.number]);

    // the customer sees the approved number active (and the other still pending)
    await cust.reload();
    await cust.locator(`tr[data-number="${R[0]}"]`).getByText('active', { exact: true }).waitFor();
    await cust.locator(`tr[data-number="${R[2]}"]`).getByText('pending', { exact: true }).waitFor();
    assert.equal((await srv.plivo(acme, 'GET', `Number/${R[0]}/`)).json.status, 'active');
    c.assertQuiet(cust);
    // the pending page at phone width
    const phone = await c.open(browser, srv, { viewport: { width: 390, height: 844 } });
    await c.signIn(phone, 'admin', { token: srv.adminToken });
    await phone.waitForURL('**/console/admin/accounts');
    await c.assertPhoneFit(phone, '/console/admin/pending');
    await c.assertPhoneFit(phone, '/console/admin/upstream');
    c.assertQuiet(phone);
    await phone.context().close();
  } finally {
    await cust.context().close();
  }
  c.assertQuiet(page);
});

test('upstream carriers: listed with gateways and credentials (no password); an unused one deleted, one in use refused', async () => {
  const made = await srv.admin('POST', '/admin/v1/carriers', {
    name: 'wholesale-one', sip_gateways: [{ address: '203.0.113.0/24' }, { address: 'gw.wholesale.example', port: 5080 }],
    outbound_auth: { username: 'trunk7', password: 'secret-password-1', realm: 'wholesale.example' },
  });
  assert.equal(made.status, 201, made.text);
  const list = (await srv.admin('GET', '/admin/v1/carriers?limit=100')).json.data;
  const used = list.find((x) => x.name !== 'wholesale-one'); // named by the imported inventory
  assert.ok(used, 'the inventory import made its carrier');

  await page.getByRole('link', { name: 'Upstream carriers' }).click();
  const row = page.locator('tr[data-upstream="wholesale-one"]');
  await row.waitFor();
  const text = await row.textContent();
  assert.match(text, /203\.0\.113\.0\/24 port 5060 in(?! \+)/);
  assert.match(text, /gw\.wholesale\.example port 5080 out/);
  assert.match(text, /trunk7@wholesale\.example/);
  assert.ok(!(await page.locator('main').textContent()).includes('secret-password-1'), 'never the password');
  await page.locator(`tr[data-upstream="${used.name}"]`).getByText('none yet').waitFor();
  await c.checkPage(page);
  await c.shot(page, 'admin-upstream');

  // in use: the API refuses, the page says why and keeps it
  await page.getByRole('button', { name: `Delete ${used.name}` }).click();
  await page.getByRole('button', { name: 'Delete carrier' }).click();
  await page.locator('#status', { hasText: `Cannot delete ${used.name}` }).waitFor();
  assert.ok((await srv.admin('GET', '/admin/v1/carriers?limit=100')).json.data.some((x) => x.id === used.id));
  // unused: confirmed, then gone
  await row.getByRole('button', { name: 'Delete wholesale-one' }).click();
  await page.getByRole('button', { name: 'Delete carrier' }).click();
  await row.waitFor({ state: 'detached' });
  assert.ok(!(await srv.admin('GET', '/admin/v1/carriers?limit=100')).json.data.some((x) => x.name === 'wholesale-one'));
  page.problems = page.problems.filter((p) => !/status of 409/.test(p));
  c.assertQuiet(page);
});

// The Accounts page fetched every account at each visit and page turn (the
// API had no paging: a helper's audit, session 38).  Now a page of 50,
// found by the server.
test('accounts: one page at a time from the server, and Find asks the server', async () => {
  for (let i = 0; i < 55; i++) await srv.createAccount(`Bulk ${String(i).padStart(2, '0')}`);
  const total = (await srv.admin('GET', '/admin/v1/accounts?limit=1')).json.total;
  const asked = [];
  const seen = (r) => { if (/\/admin\/v1\/accounts(\?|$)/.test(r.url())) asked.push(new URL(r.url()).search); };
  page.on('request', seen);
  try {
    await page.goto('/console/admin/accounts');
    await page.locator('.pager-text', { hasText: `1–50 of ${total}` }).waitFor();
    assert.equal(await page.locator('table.data tbody tr').count(), 50);
    await page.getByLabel('Name or auth ID contains', { exact: true }).fill('bulk 5');
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    await page.locator('.pager-text', { hasText: '1–5 of 5' }).waitFor();
    assert.deepEqual(await page.locator('table.data tbody tr td:first-child').allTextContents(),
      ['Bulk 50', 'Bulk 51', 'Bulk 52', 'Bulk 53', 'Bulk 54']);
  } finally {
    page.off('request', seen);
  }
  assert.ok(asked.length >= 2, asked.join(' '));
  for (const q of asked) assert.match(q, /limit=50/, `a request without a page: ${q}`);
  assert.ok(asked.some((q) => /find=bulk(\+|%20)5/.test(q)), asked.join(' '));
  c.assertQuiet(page);
});

test('a customer\'s credentials do not open the operator\'s pages', async () => {
  const p2 = await c.open(browser, srv);
  try {
    await c.signIn(p2, 'account', acme);
    await p2.waitForURL('**/console/numbers');
    await p2.goto('/console/admin/accounts');
    await p2.getByText('needs other credentials').waitFor();
    assert.equal(await p2.locator('table.data').count(), 0);
    c.assertQuiet(p2);
  } finally {
    await p2.context().close();
  }
});
