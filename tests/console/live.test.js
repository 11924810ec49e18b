'use strict';
// Issue 19: live registration and gateway health state in the console, in
// chromium against the real binary running its SIP registration client
// (`serve --sip-listen`) and a real registrar (Kamailio with
// tests/sip/registrar/registrar.cfg, as tests/sip does):
//   - the customer's Carriers page shows a reg trunk's registration_status
//     (state, last answer, failures) and, without a reload, its change from
//     failed to registered once the password is fixed through the API;
//   - gateway health checks switched on from the page (a wrong interval
//     refused at its field), the gateway's state shown, and turning down;
//   - the refresh stops while the tab is hidden, starts again at once when
//     it shows, and waits longer after a failed refresh (backoff);
//   - the operator's Registrations page (GET /admin/v1/registrations),
//     filtered, following a change of state without a reload.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const c = require('./lib/console');
const rig = require('../sip/lib/rig');
const { startRegistrar, PASSWORD } = require('../sip/lib/registrar');

const CARRIERS = '/carriers';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let srv;
let browser;
let page;
let A;
let registrar;
let reg; // the reg trunk
let out; // a trunk with an outbound gateway nobody answers on

async function until(what, fn, ms = 10000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const regState = async (id) => (await srv.byoc(A.api_key, 'GET', `${CARRIERS}/${id}`)).json.registration_status;

before(async () => {
  rig.requireBinaries();
  registrar = await startRegistrar('127.0.0.36', {});
  // Timer F = 64 * T1: 3.2 s instead of 32 s for a probe without an answer
  srv = await c.start({ args: ['--sip-listen', '127.0.0.1:0'], env: { NUMBERD_SIP_T1_MS: '50' } });
  A = await srv.createAccount('Acme Telecom');
  const r = await srv.byoc(A.api_key, 'POST', CARRIERS, { body: {
    carrier_name: 'Reg trunk', trunk_type: 'reg',
    sip_gateway: { ipv4: registrar.ip, port: registrar.port, inbound: true, outbound: true },
    registration: { username: 'acme', password: 'Wrong-Pass-0000', sip_realm: 'example.com' },
  } });
  assert.equal(r.status, 201, r.text);
  reg = r.json;
  const port = await rig.freeUdpPort('127.0.0.36');
  const o = await srv.byoc(A.api_key, 'POST', CARRIERS, { body: {
    carrier_name: 'Outbound only', sip_gateway: { ipv4: '127.0.0.36', port, inbound: false, outbound: true },
  } });
  assert.equal(o.status, 201, o.text);
  out = o.json;
  browser = await c.launch();
  page = await c.open(browser, srv);
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
  if (registrar) await registrar.stop();
});

test('a reg trunk\'s registration state is shown, and its change appears without a reload', async () => {
  // the wrong password: the registrar refuses it (403), numberd gives up for a while
  const failed = await until('failed', async () => { const s = await regState(reg.id); return s.state === 'failed' ? s : null; });
  assert.equal(failed.last_code, 403);

  await c.signIn(page, 'apikey', A);
  await page.waitForURL('**/console/numbers');
  await page.getByRole('link', { name: 'Carriers' }).click();
  const cell = page.locator(`tr[data-carrier-id="${reg.id}"] [data-live=registration]`);
  await cell.getByText('failed', { exact: true }).waitFor();
  assert.match(await cell.textContent(), /last answer: 403 Wrong password/);
  assert.match(await cell.textContent(), /failed attempt/);
  assert.match(await cell.textContent(), /next attempt \d{4}-\d\d-\d\d/);
  // the other trunk: not reg, its outbound gateway not checked
  assert.equal(await page.locator(`tr[data-carrier-id="${out.id}"] [data-live=registration]`).textContent(), '—');
  assert.equal(await page.locator(`tr[data-carrier-id="${out.id}"] [data-live=health]`).textContent(), 'not checked');

  // fixed elsewhere (the API), seen here: the page is never reloaded
  await page.evaluate(() => { window.sameDocument = true; });
  const patched = await srv.byoc(A.api_key, 'PATCH', `${CARRIERS}/${reg.id}`, { body: { registration: { password: PASSWORD } } });
  assert.equal(patched.status, 200, patched.text);
  const t0 = Date.now();
  await cell.getByText('registered', { exact: true }).waitFor({ timeout: 15000 });
  const secs = (Date.now() - t0) / 1000;
  assert.ok(await page.evaluate(() => window.sameDocument === true), 'no reload');
  assert.match(await cell.textContent(), /until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  assert.match(await cell.textContent(), /last answer: 200/);
  assert.equal((await regState(reg.id)).state, 'registered');
  // said out loud to a screen reader (the polite status region)
  await page.locator('#status', { hasText: 'Reg trunk: registration registered' }).waitFor();
  assert.match(await page.locator('[data-live=note]').textContent(), /updated \d\d:\d\d:\d\d/);
  console.log(`# registered shown ${secs.toFixed(1)} s after the PATCH (refresh every 3 s)`);
  await c.checkPage(page);
  c.assertQuiet(page);
});

test('gateway health: checks switched on from the page; the gateway is shown down without a reload', async () => {
  await page.getByRole('button', { name: 'Health checks of Outbound only' }).click();
  const d = page.locator('dialog[open]');
  await d.getByLabel('Interval (s)', { exact: true }).fill('0');
  await d.getByRole('button', { name: 'Start health checks' }).click();
  const err = d.locator('[data-field=interval] .field-error');
  await err.waitFor();
  assert.match(await err.textContent(), /1-3600/);
  assert.equal((await srv.byoc(A.api_key, 'GET', `${CARRIERS}/${out.id}`)).json.health_check, null, 'nothing changed');
  await d.getByLabel('Interval (s)', { exact: true }).fill('1');
  await d.getByRole('button', { name: 'Start health checks' }).click();
  await d.waitFor({ state: 'detached' });
  assert.deepEqual((await srv.byoc(A.api_key, 'GET', `${CARRIERS}/${out.id}`)).json.health_check, { interval: 1 });

  const cell = page.locator(`tr[data-carrier-id="${out.id}"] [data-live=health]`);
  await cell.getByText('OPTIONS every 1 s').waitFor();
  await page.evaluate(() => { window.sameDocument = true; });
  // nothing answers on that port: three probes without an answer make it down
  await cell.getByText('down', { exact: true }).waitFor({ timeout: 15000 });
  assert.ok(await page.evaluate(() => window.sameDocument === true), 'no reload');
  assert.match(await cell.textContent(), /127\.0\.0\.36:\d+ down \d+ missed/);
  const g = (await srv.byoc(A.api_key, 'GET', `${CARRIERS}/${out.id}`)).json.gateway_health[0];
  assert.equal(g.state, 'down');
  await c.checkPage(page);
  await c.shot(page, 'carriers-live');
  c.assertQuiet(page);
});

test('no refresh while the tab is hidden; one at once when it shows; a failed refresh waits twice as long', async () => {
  const asked = [];
  const onRequest = (r) => { if (new URL(r.url()).pathname === '/v1/phone-numbers/carriers') asked.push(Date.now()); };
  page.on('request', onRequest);
  try {
    await until('a refresh', () => asked.length >= 1, 8000);
    // hidden (what the browser reports when the tab is in the background)
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await sleep(300);
    const n = asked.length;
    await sleep(4500); // a refresh is due every 3 s
    assert.equal(asked.length, n, 'nothing asked while hidden');
    const shownAt = Date.now();
    await page.evaluate(() => {
      delete document.hidden;
      delete document.visibilityState;
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await until('a refresh once shown', () => asked.length > n, 3000);
    assert.ok(asked[n] - shownAt < 1500, `asked ${asked[n] - shownAt} ms after showing`);

    // the server fails: the wait doubles (3 s, then 6 s)
    await page.route('**/v1/phone-numbers/carriers?*', (route) => route.fulfill({
      status: 503, contentType: 'application/problem+json', headers: { 'Retry-After': '1' },
      body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'database unavailable' }),
    }));
    const from = asked.length;
    await until('two failed refreshes', () => asked.length >= from + 2, 20000);
    const gap = asked[from + 1] - asked[from];
    assert.ok(gap >= 5500, `the wait after a failure was ${gap} ms, not doubled`);
    // the second failure's answer: the next wait is 12 s
    const note = page.locator('[data-live=note]');
    await note.filter({ hasText: 'trying again in 12 s' }).waitFor({ timeout: 3000 });
    assert.match(await note.textContent(), /^Could not refresh \(The server failed: database unavailable.*\); trying again in 12 s/);
    await page.unroute('**/v1/phone-numbers/carriers?*');
    // hidden and shown again: the 12 s wait is dropped, the refresh works
    await page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      document.dispatchEvent(new Event('visibilitychange'));
      delete document.hidden;
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await note.filter({ hasText: 'updated' }).waitFor({ timeout: 3000 });
  } finally {
    page.off('request', onRequest);
  }
  // the 503s were provoked: chromium logs each as a console error
  page.problems = page.problems.filter((p) => !/status of 503/.test(p));
  c.assertQuiet(page);
});

test('the operator sees every registration, filtered, and a change of state without a reload', async () => {
  const op = await c.open(browser, srv);
  try {
    await c.signIn(op, 'admin', { token: srv.adminToken });
    await op.waitForURL('**/console/admin/accounts');
    await op.getByRole('link', { name: 'Registrations' }).click();
    const row = op.locator(`tr[data-carrier-id="${reg.id}"]`);
    await row.getByText('registered', { exact: true }).waitFor();
    assert.match(await row.textContent(), new RegExp(`Reg trunk.*${A.auth_id}.*registered.*200`));
    assert.match(await row.textContent(), /127\.0\.0\.36/);
    await c.checkPage(op);
    await c.shot(op, 'admin-registrations');

    // filtered by state: none failed
    await op.getByLabel('State', { exact: true }).selectOption('failed');
    await op.getByRole('button', { name: 'Show' }).click();
    await op.waitForURL('**/console/admin/registrations?state=failed');
    await op.getByText('No registration matches.').waitFor();
    await op.getByLabel('State', { exact: true }).selectOption('');
    await op.getByRole('button', { name: 'Show' }).click();
    await row.waitFor();

    // the customer breaks its password: failed, seen here without a reload
    await op.evaluate(() => { window.sameDocument = true; });
    const r = await srv.byoc(A.api_key, 'PATCH', `${CARRIERS}/${reg.id}`, { body: { registration: { password: 'Wrong-Again-0000' } } });
    assert.equal(r.status, 200, r.text);
    await op.locator(`tr[data-carrier-id="${reg.id}"][data-state=failed]`).waitFor({ timeout: 15000 });
    assert.ok(await op.evaluate(() => window.sameDocument === true), 'no reload');
    assert.match(await op.locator(`tr[data-carrier-id="${reg.id}"]`).textContent(), /403 Wrong password/);
    c.assertQuiet(op);
  } finally {
    await op.context().close();
  }
});

test('phone width: the live carriers page and the registrations page fit, rows as cards', async () => {
  const phone = await c.open(browser, srv, { viewport: { width: 390, height: 844 } });
  try {
    await c.signIn(phone, 'apikey', A);
    await phone.waitForURL('**/console/numbers');
    await c.assertPhoneFit(phone, '/console/carriers');
    await phone.locator(`tr[data-carrier-id="${reg.id}"] [data-live=registration] .badge`).waitFor();
    await c.shot(phone, 'carriers-phone');
    await c.signIn(phone, 'admin', { token: srv.adminToken });
    await phone.waitForURL('**/console/admin/accounts');
    await c.assertPhoneFit(phone, '/console/admin/registrations');
    c.assertQuiet(phone);
  } finally {
    await phone.context().close();
  }
});
