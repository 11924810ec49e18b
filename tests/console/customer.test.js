'use strict';
// Issue 19: the console as a customer sees it, in a real browser (Debian's
// chromium) against the real binary: sign in, search and buy (active, and
// pending for a restricted number), see the number in the list, edit it
// and unrent it; applications and subaccounts; carriers of both dialects
// with a mistake shown at its field and fixed; the API-key-only view;
// phone width; sign out.  Every step is checked through the API too.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const c = require('./lib/console');

const RESTRICTED = ['19075550101', '19075550102'];
let srv;
let browser;
let page;
let A; // {auth_id, auth_token, api_key}
let bought; // the number bought active
let appId;
let subId;

before(async () => {
  srv = await c.start();
  A = await srv.createAccount('Acme Telecom');
  await srv.loadCsv(c.server.generateCsv(300, 'US', 7));
  await srv.loadCsv(c.server.csv(['number', 'country_iso', 'type', 'city', 'region', 'restriction', 'restriction_text', 'monthly_rental_rate'],
    RESTRICTED.map((number) => ({ number, country_iso: 'US', type: 'local', city: 'ANCHORAGE', region: 'ALASKA', restriction: 'city-address', restriction_text: 'A local address in Alaska is required', monthly_rental_rate: '1.20000' }))));
  browser = await c.launch();
  page = await c.open(browser, srv);
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

/** The visible error text at the field named name. */
async function fieldError(scope, name) {
  const el = scope.locator(`[data-field="${name}"] .field-error, fieldset[data-path="${name}"] > .field-error`).first();
  await el.waitFor({ state: 'visible' });
  return el.textContent();
}

const dialog = () => page.locator('dialog[open]');

test('sign in with auth ID and token: a wrong token is refused at its field, then the console opens', async () => {
  await page.goto('/console/');
  await page.waitForURL('**/console/signin**');
  await c.shot(page, 'signin');
  await c.signIn(page, 'account', { auth_id: A.auth_id, auth_token: 'x'.repeat(40) });
  assert.match(await fieldError(page, 'auth_token'), /not accepted/);
  assert.equal(await page.locator('input[name=auth_token]').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'nothing kept after a refusal');

  await c.signIn(page, 'account', A);
  await page.waitForURL('**/console/numbers');
  await page.getByRole('heading', { name: 'My numbers' }).waitFor();
  const nav = await page.locator('#nav a').allTextContents();
  assert.deepEqual(nav, ['Search & buy', 'My numbers', 'Carriers', 'Applications', 'Subaccounts', 'Events']);
  const stored = await page.evaluate(() => ({
    keys: Object.keys(sessionStorage), local: localStorage.length, cookie: document.cookie,
  }));
  assert.deepEqual(stored, { keys: ['numberd.console.session'], local: 0, cookie: '' }, 'credentials in sessionStorage only');
  assert.deepEqual(await page.context().cookies(), []);
  await c.checkPage(page);
  c.assertQuiet(page);
});

test('search with filters, buy a number, see it in My numbers', async () => {
  const first = (await srv.search(A, { country_iso: 'US', limit: 1 })).json.objects[0];
  const npa = first.number.slice(1, 4);
  await page.getByRole('link', { name: 'Search & buy' }).click();
  await page.waitForURL('**/console/search');
  await page.locator('table.data tbody tr').first().waitFor();
  await page.getByLabel('Pattern', { exact: true }).fill(npa);
  await page.getByLabel('VOICE', { exact: true }).check();
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForURL(/pattern=\d{3}.*services=voice|services=voice.*pattern=\d{3}/);
  await page.locator('table.data tbody tr').first().waitFor();
  const numbers = await page.locator('table.data tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.number));
  assert.ok(numbers.length >= 1);
  for (const n of numbers) assert.ok(n.startsWith(`1${npa}`), `${n} matches pattern ${npa}`);
  await c.checkPage(page);
  await c.shot(page, 'search');

  // a filter the API refuses is shown at its field
  await page.getByLabel('NPA-NXX', { exact: true }).fill('12');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  assert.match(await fieldError(page, 'npanxx'), /npanxx/);
  await page.getByLabel('NPA-NXX', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.locator('table.data tbody tr').first().waitFor();

  bought = numbers[0];
  await page.getByRole('button', { name: `Buy +${bought}` }).click();
  await dialog().getByText('no restriction').waitFor();
  await dialog().getByRole('button', { name: `Buy +${bought}` }).click();
  await dialog().getByText(`+${bought} is yours and active.`).waitFor();
  const owned = await srv.plivo(A, 'GET', `Number/${bought}/`);
  assert.equal(owned.status, 200, owned.text);
  assert.equal(owned.json.status, 'active');
  assert.equal(await page.locator(`tr[data-number="${bought}"]`).count(), 0, 'the bought number left the results');

  await dialog().getByRole('link', { name: 'See it in My numbers' }).click();
  await page.waitForURL(`**/console/numbers?number_startswith=${bought}`);
  const row = page.locator(`tr[data-number="${bought}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /active/);
  c.assertQuiet(page);
});

test('a restricted number is bought pending, and the console says why', async () => {
  await page.goto('/console/search?country_iso=US&pattern=9075550');
  const row = page.locator(`tr[data-number="${RESTRICTED[0]}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /restricted.*A local address in Alaska is required/);
  await row.getByRole('button', { name: `Buy +${RESTRICTED[0]}` }).click();
  await dialog().getByText('This number has a restriction').waitFor();
  assert.match(await dialog().textContent(), /bought as pending/);
  await c.shot(page, 'buy-restricted');
  await dialog().getByRole('button', { name: `Buy +${RESTRICTED[0]}` }).click();
  await dialog().getByText(`+${RESTRICTED[0]} is yours, pending.`).waitFor();
  assert.match(await dialog().textContent(), /cannot be used until the operator approves it/);
  assert.equal((await srv.plivo(A, 'GET', `Number/${RESTRICTED[0]}/`)).json.status, 'pending');
  await dialog().getByRole('link', { name: 'See it in My numbers' }).click();
  const mine = page.locator(`tr[data-number="${RESTRICTED[0]}"]`);
  await mine.waitFor();
  assert.match(await mine.textContent(), /pending/);
  await page.getByText('cannot be used until the operator approves them').waitFor();
  c.assertQuiet(page);
});

test('applications and subaccounts: create them (a mistake shown at its field; the token shown once)', async () => {
  await page.getByRole('link', { name: 'Applications' }).click();
  await page.getByRole('button', { name: 'New application' }).click();
  await dialog().getByLabel('Name', { exact: true }).fill('IVR');
  await dialog().getByLabel('Answer URL', { exact: true }).fill('ftp://example.com/answer');
  await dialog().getByRole('button', { name: 'Create application' }).click();
  assert.match(await fieldError(dialog(), 'answer_url'), /answer_url/);
  await dialog().getByLabel('Answer URL', { exact: true }).fill('https://example.com/answer');
  await dialog().getByLabel('Default application for new numbers', { exact: true }).check();
  await dialog().getByRole('button', { name: 'Create application' }).click();
  await dialog().waitFor({ state: 'detached' });
  await page.locator('table.data').getByText('IVR').waitFor();
  const apps = (await srv.plivo(A, 'GET', 'Application/')).json.objects;
  assert.equal(apps.length, 1);
  assert.equal(apps[0].answer_url, 'https://example.com/answer');
  assert.equal(apps[0].default_number_app, true);
  appId = apps[0].app_id;
  await c.checkPage(page);
  await c.shot(page, 'applications');

  await page.getByRole('link', { name: 'Subaccounts' }).click();
  await page.getByRole('button', { name: 'New subaccount' }).click();
  await dialog().getByLabel('Name', { exact: true }).fill('Team A');
  await dialog().getByRole('button', { name: 'Create subaccount' }).click();
  const token = await dialog().locator('code[data-secret="Auth token"]').textContent();
  subId = await dialog().locator('code[data-secret="Auth ID"]').textContent();
  assert.match(token, /^[A-Za-z0-9]{40}$/);
  assert.match(subId, /^SA[A-Z0-9]{18}$/);
  // the secret works: it is the real one, shown once
  assert.equal((await srv.plivo({ auth_id: subId, auth_token: token }, 'GET', 'Number/')).status, 200);
  await dialog().getByRole('button', { name: 'Done' }).click();
  await page.locator('table.data').getByText('Team A').waitFor();
  await c.shot(page, 'subaccounts');
  c.assertQuiet(page);
});

// Found by a helper's audit (session 38): a double click on "Create
// subaccount" made two subaccounts and showed only the second's one-time
// token.  A form submits once at a time now.
test('a double click on Create makes one subaccount, whose token is the one shown', async () => {
  const count = async () => (await srv.plivo(A, 'GET', 'Subaccount/')).json.meta.total_count;
  const before = await count();
  await page.getByRole('button', { name: 'New subaccount' }).click();
  await dialog().getByLabel('Name', { exact: true }).fill('Team Double');
  await dialog().getByRole('button', { name: 'Create subaccount' }).dblclick();
  const token = await dialog().locator('code[data-secret="Auth token"]').textContent();
  const id = await dialog().locator('code[data-secret="Auth ID"]').textContent();
  await dialog().getByRole('button', { name: 'Done' }).click();
  await page.locator('table.data').getByText('Team Double').first().waitFor();
  await new Promise((r) => setTimeout(r, 500)); // a second request, had there been one, has landed
  assert.equal(await count(), before + 1, 'one subaccount');
  assert.equal((await srv.plivo({ auth_id: id, auth_token: token }, 'GET', 'Number/')).status, 200, 'the token shown is its own');
  assert.equal((await srv.plivo(A, 'DELETE', `Subaccount/${id}/`)).status, 204);
});

test('edit a number (alias, application, subaccount), then unrent it after a confirmation', async () => {
  await page.getByRole('link', { name: 'My numbers' }).click();
  const row = page.locator(`tr[data-number="${bought}"]`);
  await row.waitFor();
  await row.getByRole('button', { name: `Edit +${bought}` }).click();
  await dialog().locator('select[name=app_id] option', { hasText: 'IVR' }).waitFor({ state: 'attached' });
  await dialog().locator('select[name=subaccount] option', { hasText: 'Team A' }).waitFor({ state: 'attached' });
  // Escape closes the dialog and gives the focus back to its button
  await page.keyboard.press('Escape');
  await dialog().waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), `Edit +${bought}`);

  await row.getByRole('button', { name: `Edit +${bought}` }).click();
  await dialog().locator('select[name=app_id] option', { hasText: 'IVR' }).waitFor({ state: 'attached' });
  await dialog().getByLabel('Alias', { exact: true }).fill('support line');
  await dialog().getByLabel('Application', { exact: true }).selectOption({ label: 'IVR (default)' });
  await dialog().locator('select[name=subaccount] option', { hasText: 'Team A' }).waitFor({ state: 'attached' });
  await dialog().getByLabel('Subaccount', { exact: true }).selectOption(subId);
  await dialog().getByRole('button', { name: 'Save' }).click();
  await dialog().waitFor({ state: 'detached' });
  await page.locator(`tr[data-number="${bought}"]`).getByText('support line').waitFor();
  await page.locator(`tr[data-number="${bought}"] [data-app]`).getByText('IVR').waitFor();
  const n = (await srv.plivo(A, 'GET', `Number/${bought}/`)).json;
  assert.equal(n.alias, 'support line');
  assert.match(n.application, new RegExp(`/Application/${appId}/$`));
  assert.equal(n.sub_account, subId);
  await c.checkPage(page);
  await c.shot(page, 'numbers');

  // unrent: cancelling keeps it
  await page.locator(`tr[data-number="${bought}"]`).getByRole('button', { name: `Unrent +${bought}` }).click();
  await dialog().getByText('This cannot be undone.').waitFor();
  await c.shot(page, 'unrent-confirm');
  await dialog().getByRole('button', { name: 'Cancel' }).click();
  await dialog().waitFor({ state: 'detached' });
  assert.equal((await srv.plivo(A, 'GET', `Number/${bought}/`)).status, 200, 'cancel keeps the number');
  await page.locator(`tr[data-number="${bought}"]`).getByRole('button', { name: `Unrent +${bought}` }).click();
  await dialog().getByRole('button', { name: 'Unrent' }).click();
  await page.locator(`tr[data-number="${bought}"]`).waitFor({ state: 'detached' });
  assert.equal((await srv.plivo(A, 'GET', `Number/${bought}/`)).status, 404, 'unrented');
  c.assertQuiet(page);
});

// Found by a helper's audit (session 36): the application dialog compared
// the API's sub_account (a URI) with the subaccounts' auth_ids and sent ""
// on every save, moving the application back to the main account; the
// number dialog sent app_id "" (and subaccount "") whenever the current one
// was not among the options yet -- before they loaded, or for a subaccount
// whose number its parent linked to the parent's application.
test('edits keep what they do not change: an application\'s subaccount, a number\'s application and subaccount', async () => {
  const sub = (await srv.plivo(A, 'POST', 'Subaccount/', { body: { name: 'Team B', enabled: true } })).json;
  const teamApp = await srv.plivo(A, 'POST', 'Application/', { body: { app_name: 'Team app', answer_url: 'https://example.com/team', subaccount: sub.auth_id } });
  assert.equal(teamApp.status, 201, teamApp.text);
  const teamAppId = teamApp.json.app_id;
  const avail = (await srv.search(A, { country_iso: 'US', limit: 1 })).json.objects[0].number;
  assert.equal((await srv.buy(A, avail, { app_id: appId })).status, 201);
  assert.equal((await srv.plivo(A, 'POST', `Number/${avail}/`, { body: { subaccount: sub.auth_id } })).status, 202);

  // the application: only the answer URL changes
  await page.getByRole('link', { name: 'Applications' }).click();
  const appRow = page.locator('table.data tr', { hasText: 'Team app' });
  await appRow.getByText(sub.auth_id, { exact: true }).waitFor(); // the column shows the auth_id, not the URI
  await appRow.getByRole('button', { name: 'Edit Team app' }).click();
  await dialog().locator('select[name=subaccount] option', { hasText: 'Team B' }).waitFor({ state: 'attached' });
  assert.equal(await dialog().locator('select[name=subaccount]').inputValue(), sub.auth_id);
  await dialog().getByLabel('Answer URL', { exact: true }).fill('https://example.com/team2');
  await dialog().getByRole('button', { name: 'Save' }).click();
  await dialog().waitFor({ state: 'detached' });
  const app = (await srv.plivo(A, 'GET', `Application/${teamAppId}/`)).json;
  assert.equal(app.answer_url, 'https://example.com/team2');
  assert.match(app.sub_account || '', new RegExp(`/Subaccount/${sub.auth_id}/$`), 'still the subaccount\'s');

  // the number, saved before the choices arrive (the lists held back)
  await page.getByRole('link', { name: 'My numbers' }).click();
  const row = page.locator(`tr[data-number="${avail}"]`);
  await row.waitFor();
  const held = [];
  const hold = (route) => {
    const p = new Promise((r) => setTimeout(r, 1500)).then(() => route.continue()).catch(() => { /* the page moved on */ });
    held.push(p);
    return p;
  };
  await page.route('**/Application/?*', hold);
  await page.route('**/Subaccount/?*', hold);
  await row.getByRole('button', { name: `Edit +${avail}` }).click();
  await dialog().getByLabel('Alias', { exact: true }).fill('reception');
  await dialog().getByRole('button', { name: 'Save' }).click();
  await dialog().waitFor({ state: 'detached' });
  await Promise.all(held);
  await page.unroute('**/Application/?*', hold);
  await page.unroute('**/Subaccount/?*', hold);
  let n = (await srv.plivo(A, 'GET', `Number/${avail}/`)).json;
  assert.equal(n.alias, 'reception');
  assert.match(n.application || '', new RegExp(`/Application/${appId}/$`), 'the application kept');
  assert.equal(n.sub_account, sub.auth_id, 'the subaccount kept');

  // the subaccount edits its number, linked to its parent's application
  const subPage = await c.open(browser, srv);
  try {
    await c.signIn(subPage, 'account', sub);
    await subPage.waitForURL('**/console/numbers');
    const srow = subPage.locator(`tr[data-number="${avail}"]`);
    await srow.getByRole('button', { name: `Edit +${avail}` }).click();
    const sdlg = subPage.locator('dialog[open]');
    await sdlg.getByLabel('Alias', { exact: true }).fill('front desk');
    await sdlg.getByRole('button', { name: 'Save' }).click();
    await sdlg.waitFor({ state: 'detached' });
  } finally {
    await subPage.context().close();
  }
  n = (await srv.plivo(A, 'GET', `Number/${avail}/`)).json;
  assert.equal(n.alias, 'front desk');
  assert.match(n.application || '', new RegExp(`/Application/${appId}/$`), 'the parent\'s application kept');
  c.assertQuiet(page);
});

test('carriers: a SIP trunk with mistakes shows each at its field, then is fixed; an incoming carrier too', async () => {
  // with the API key as well: the BYOC view of the carriers
  await c.signIn(page, 'account', A);
  await page.waitForURL('**/console/numbers');
  await page.getByRole('link', { name: 'Carriers' }).click();
  await page.getByRole('heading', { name: 'SIP trunks' }).waitFor();
  await page.getByRole('button', { name: 'Add a SIP trunk' }).click();
  const d = dialog();
  await d.getByLabel('Name', { exact: true }).fill('Edge SBC');
  await d.getByLabel('Address', { exact: true }).fill('sip.carrier.example');
  await d.getByLabel('Port', { exact: true }).fill('70000');
  await d.getByRole('button', { name: 'Add SIP trunk' }).click();
  // the API's errors[].path of each fault lands at its field
  assert.match(await fieldError(d, 'sip_gateway.ipv4'), /inbound gateway must be an IP address/);
  assert.match(await fieldError(d, 'sip_gateway.port'), /65535/);
  assert.equal(await d.getByLabel('Address', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(await d.getByLabel('Port', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(await d.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'), null, 'a good field is not marked');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'error-summary', 'the summary has the focus');
  assert.equal((await srv.byoc(A.api_key, 'GET', '/carriers')).json.total, 0, 'nothing was created');
  await c.shot(page, 'carriers-error');
  await d.getByLabel('Address', { exact: true }).fill('203.0.113.10');
  await d.getByLabel('Port', { exact: true }).fill('5060');
  await d.getByRole('button', { name: 'Add SIP trunk' }).click();
  await d.waitFor({ state: 'detached' });
  const trunk = page.locator('tr[data-carrier="Edge SBC"]');
  await trunk.waitFor();
  assert.match(await trunk.textContent(), /static_ip.*203\.0\.113\.10 port 5060 \(in \+ out\)/);

  // a digest-auth trunk: the password rule at its field
  await page.getByRole('button', { name: 'Add a SIP trunk' }).click();
  await d.getByLabel('Name', { exact: true }).fill('Digest Co');
  await d.getByLabel(/^Digest auth/).check();
  await d.getByLabel('Address', { exact: true }).fill('198.51.100.7');
  await d.locator('[name="inbound_auth.username"]').fill('acme');
  await d.locator('[name="inbound_auth.password"]').fill('short');
  await d.getByRole('button', { name: 'Add SIP trunk' }).click();
  assert.match(await fieldError(d, 'inbound_auth.password'), /8/);
  await d.locator('[name="inbound_auth.password"]').fill('s3cret-pass');
  await d.getByRole('button', { name: 'Add SIP trunk' }).click();
  await d.waitFor({ state: 'detached' });
  await page.locator('tr[data-carrier="Digest Co"]').getByText('digest user acme').waitFor();

  // the Plivo dialect names the bad entry in its message: shown at ip_set
  await page.getByRole('button', { name: 'Add an incoming carrier' }).click();
  await d.getByLabel('Name', { exact: true }).fill('legacy');
  await d.getByLabel('IP set', { exact: true }).fill('10.0.0.1, 300.1.1.1');
  await d.getByRole('button', { name: 'Add incoming carrier' }).click();
  assert.match(await fieldError(d, 'ip_set'), /300\.1\.1\.1/);
  await d.getByLabel('IP set', { exact: true }).fill('10.0.0.1, 192.0.2.0/24');
  await d.getByRole('button', { name: 'Add incoming carrier' }).click();
  await d.waitFor({ state: 'detached' });
  // one carrier, both dialects
  await page.locator('tr[data-carrier="legacy"]').getByText('192.0.2.0/24 port 5060 (in)').waitFor();
  const plivoList = (await srv.plivo(A, 'GET', 'IncomingCarrier/')).json.objects.map((x) => x.name).sort();
  assert.deepEqual(plivoList, ['Digest Co', 'Edge SBC', 'legacy'].sort());
  await c.checkPage(page);
  await c.shot(page, 'carriers');
  c.assertQuiet(page);
});

test('signed in with an API key only: the BYOC view of numbers and carriers', async () => {
  const p2 = await c.open(browser, srv);
  try {
    await c.signIn(p2, 'apikey', A);
    await p2.waitForURL('**/console/numbers');
    assert.deepEqual(await p2.locator('#nav a').allTextContents(), ['My numbers', 'Carriers', 'Events']);
    await p2.locator(`tr[data-number="${RESTRICTED[0]}"]`).getByText('pending').waitFor();
    await p2.getByRole('link', { name: 'Carriers' }).click();
    await p2.locator('tr[data-carrier="Edge SBC"]').waitFor();
    assert.equal(await p2.getByRole('heading', { name: 'Incoming carriers' }).count(), 0);
    await p2.goto('/console/search');
    await p2.getByText('needs other credentials').waitFor();
    c.assertQuiet(p2);
  } finally {
    await p2.context().close();
  }
});

test('phone width: no sideways scrolling, tables become cards, dialogs fit', async () => {
  const phone = await c.open(browser, srv, { viewport: { width: 390, height: 844 } });
  try {
    await c.signIn(phone, 'account', A);
    await phone.waitForURL('**/console/numbers');
    await phone.locator('table.data tbody tr').first().waitFor();
    for (const p of ['/console/numbers', '/console/search', '/console/carriers', '/console/applications']) {
      await phone.goto(p);
      await phone.locator('h1').waitFor();
      await phone.waitForLoadState('networkidle');
      const m = await phone.evaluate(() => ({
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        rowDisplay: document.querySelector('table.data tr') ? getComputedStyle(document.querySelector('table.data tbody tr')).display : 'block',
      }));
      assert.ok(m.overflow <= 0, `${p}: ${m.overflow}px wider than the screen`);
      assert.equal(m.rowDisplay, 'block', `${p}: rows are cards`);
      if (p === '/console/numbers') await c.shot(phone, 'numbers-phone');
    }
    await phone.goto('/console/numbers');
    await phone.locator('table.data tbody tr').first().getByRole('button', { name: /^Edit/ }).click();
    const box = await phone.locator('dialog[open]').boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, 'the dialog fits the screen');
    c.assertQuiet(phone);
  } finally {
    await phone.context().close();
  }
});

test('keyboard: the first Tab reaches "Skip to content"; sign out forgets the credentials', async () => {
  await page.goto('/console/numbers');
  await page.locator('h1').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/console/signin');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await page.goto('/console/numbers');
  await page.waitForURL('**/console/signin?next=numbers');
  c.assertQuiet(page);
});

// Found by a helper's audit (session 36): signed in with one account's
// auth_id and token and another account's API key, the console showed the
// other account's carriers and events as this one's.
test("sign in with an account and another account's API key: refused at the key's field", async () => {
  const B = await srv.createAccount('Other Co');
  const p2 = await c.open(browser, srv);
  try {
    await c.signIn(p2, 'account', { ...A, api_key: B.api_key });
    assert.match(await fieldError(p2, 'account_api_key'), new RegExp(`belongs to account ${B.auth_id}, not ${A.auth_id}`));
    assert.equal(await p2.evaluate(() => sessionStorage.length), 0, 'nothing kept');
    await c.signIn(p2, 'account', A); // its own key: in
    await p2.waitForURL('**/console/numbers');
  } finally {
    await p2.context().close();
  }
});
