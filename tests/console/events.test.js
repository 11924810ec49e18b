'use strict';
// Issue 19 with issue 18's audit API: the event log in the console, in
// chromium against the real binary.  A customer does something in the
// console and sees its event, with itself as the actor, on its Events page
// (Plivo dialect with auth ID + token; BYOC dialect with an API key, the
// key as the actor); filters by type and object; "Load more" follows the
// API's cursor.  The operator suspends an account in the console and sees
// the event with the admin as actor, filtered by account and actor; a
// filter the API refuses is said so.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const c = require('./lib/console');

let srv;
let browser;
let page;
let A;
const dialog = () => page.locator('dialog[open]');

before(async () => {
  srv = await c.start();
  A = await srv.createAccount('Acme Telecom');
  browser = await c.launch();
  page = await c.open(browser, srv);
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

/** The rows of the events table: [{id, type, text}]. */
const rows = (p) => p.locator('#events-table tbody tr').evaluateAll((rs) => rs.map((r) => ({ id: Number(r.dataset.event), type: r.dataset.type, text: r.textContent })));

test('a customer creates an application in the console and sees the event, with itself as the actor', async () => {
  await c.signIn(page, 'account', { auth_id: A.auth_id, auth_token: A.auth_token });
  await page.waitForURL('**/console/numbers');
  await page.getByRole('link', { name: 'Applications' }).click();
  await page.getByRole('button', { name: 'New application' }).click();
  await dialog().getByLabel('Name', { exact: true }).fill('Events demo');
  await dialog().getByLabel('Answer URL', { exact: true }).fill('https://example.com/answer');
  await dialog().getByRole('button', { name: 'Create application' }).click();
  await dialog().waitFor({ state: 'detached' });
  const app = (await srv.plivo(A, 'GET', 'Application/')).json.objects[0];

  await page.getByRole('link', { name: 'Events' }).click();
  const row = page.locator(`#events-table tr[data-type="application.created"]`);
  await row.waitFor();
  const text = await row.textContent();
  assert.match(text, new RegExp(`application ${app.app_id}`));
  assert.match(text, new RegExp(`account ${A.auth_id}`), 'the actor: the account that signed in');
  assert.match(text, /app_name: Events demo/);
  assert.match(text, /answer_url: https:\/\/example\.com\/answer/);
  // the account's creation by the operator is there too, before it
  const all = await rows(page);
  assert.equal(all[0].type, 'account.created');
  assert.match(all[0].text, /admin/);
  assert.deepEqual(all.map((r) => r.id), [...all.map((r) => r.id)].sort((a, b) => a - b), 'oldest first');
  // the API's own answer is what the page shows
  const api = (await srv.plivo(A, 'GET', 'Event/')).json.objects;
  assert.deepEqual(all.map((r) => r.id), api.map((e) => e.id));
  await c.checkPage(page);
  await c.shot(page, 'events');
  c.assertQuiet(page);
});

test('filters by type and object; "Load more" follows the cursor without a gap or a repeat', async () => {
  const app = (await srv.plivo(A, 'GET', 'Application/')).json.objects[0];
  // 25 updates: more than a page (20 in the Plivo dialect)
  for (let i = 0; i < 25; i++) {
    const r = await srv.plivo(A, 'POST', `Application/${app.app_id}/`, { body: { answer_url: `https://example.com/v${i}` } });
    assert.equal(r.status, 202, r.text);
  }
  await page.goto('/console/events');
  await page.getByLabel('Event type', { exact: true }).fill('application.updated');
  await page.getByLabel('Object type', { exact: true }).selectOption('application');
  await page.getByLabel('Object', { exact: true }).fill(app.app_id);
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/\/console\/events\?type=application\.updated&object_type=application&object_id=/);
  await page.locator('#events-table tbody tr').first().waitFor();
  let shown = await rows(page);
  assert.equal(shown.length, 20);
  assert.ok(shown.every((r) => r.type === 'application.updated'));
  assert.match(shown[0].text, /answer_url: https:\/\/example\.com\/answer → https:\/\/example\.com\/v0/);
  await page.getByRole('button', { name: 'Load more' }).click();
  await page.locator('#events-table tbody tr').nth(24).waitFor();
  shown = await rows(page);
  assert.equal(shown.length, 25);
  assert.equal(new Set(shown.map((r) => r.id)).size, 25, 'no event twice');
  assert.match(shown[24].text, /example\.com\/v23 → https:\/\/example\.com\/v24/);
  assert.equal(await page.getByRole('button', { name: 'Load more' }).isVisible(), false);
  await page.getByText('25 events shown.').waitFor();
  // the first new row has the focus (keyboard users continue there)
  assert.equal(await page.evaluate(() => document.activeElement.closest('tr')?.dataset.event), String(shown[20].id));
  // a type with no event
  await page.goto('/console/events?type=number.bought');
  await page.getByText('No event matches.').waitFor();
  // since a day to come: nothing yet; since today: today's events
  await page.getByLabel('Since', { exact: true }).fill('2099-01-01');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/since=2099-01-01/);
  await page.getByText('No event matches.').waitFor();
  const today = new Date().toISOString().slice(0, 10);
  await page.goto(`/console/events?since=${today}&type=application.created`);
  await page.locator('#events-table tr[data-type="application.created"]').waitFor();
  c.assertQuiet(page);
});

test('with an API key (BYOC dialect): a carrier added in the console, the key as the actor', async () => {
  const p2 = await c.open(browser, srv);
  try {
    await c.signIn(p2, 'apikey', A);
    await p2.waitForURL('**/console/numbers');
    await p2.getByRole('link', { name: 'Carriers' }).click();
    await p2.getByRole('button', { name: 'Add a SIP trunk' }).click();
    const d = p2.locator('dialog[open]');
    await d.getByLabel('Name', { exact: true }).fill('Edge SBC');
    await d.getByLabel('Address', { exact: true }).fill('203.0.113.10');
    await d.getByRole('button', { name: 'Add SIP trunk' }).click();
    await d.waitFor({ state: 'detached' });
    const carrier = (await srv.byoc(A.api_key, 'GET', '/carriers')).json.data[0];
    const keys = (await srv.admin('GET', `/admin/v1/accounts/${A.auth_id}/api-keys`)).json.data;
    assert.equal(keys.length, 1);

    await p2.getByRole('link', { name: 'Events' }).click();
    await p2.getByLabel('Object type', { exact: true }).selectOption('carrier');
    await p2.getByRole('button', { name: 'Show' }).click();
    const row = p2.locator('#events-table tr[data-type="carrier.created"]');
    await row.waitFor();
    assert.match(await row.textContent(), new RegExp(`carrier ${carrier.id}`));
    assert.match(await row.textContent(), new RegExp(`api key ${keys[0].id}`), 'the actor: the API key');
    assert.match(await row.textContent(), /name: Edge SBC/);
    assert.deepEqual((await rows(p2)).map((r) => r.type), ['carrier.created']);
    c.assertQuiet(p2);
  } finally {
    await p2.context().close();
  }
});

test('the operator suspends an account in the console and sees the event, with the admin as actor; filters by account and actor', async () => {
  const victim = await srv.createAccount('Initech');
  const op = await c.open(browser, srv);
  try {
    await c.signIn(op, 'admin', { token: srv.adminToken });
    await op.waitForURL('**/console/admin/accounts');
    await op.locator(`tr[data-account="${victim.auth_id}"]`).getByRole('button', { name: 'Suspend for Initech' }).click();
    await op.getByRole('button', { name: 'Suspend account' }).click();
    await op.locator(`tr[data-account="${victim.auth_id}"]`, { hasText: 'suspended' }).waitFor();

    await op.getByRole('link', { name: 'Events' }).click();
    await op.locator('#events-table tbody tr').first().waitFor();
    // every account's events, the account shown
    const all = await rows(op);
    assert.ok(all.some((r) => r.type === 'application.created' && r.text.includes(A.auth_id)));
    const susp = op.locator('#events-table tr[data-type="account.suspended"]');
    await susp.waitFor();
    assert.match(await susp.textContent(), new RegExp(`account ${victim.auth_id}.*${victim.auth_id}.*admin`));

    await op.getByLabel('Account', { exact: true }).fill(victim.auth_id);
    await op.getByLabel('Actor', { exact: true }).fill('admin');
    await op.getByRole('button', { name: 'Show' }).click();
    await op.waitForURL(`**/console/admin/events?account=${victim.auth_id}&actor=admin`);
    await op.locator('#events-table tr[data-type="account.suspended"]').waitFor();
    const mine = await rows(op);
    assert.ok(mine.length >= 2 && mine.every((r) => r.text.includes(victim.auth_id)), 'only that account');
    assert.deepEqual(mine.map((r) => r.type).filter((t) => t.startsWith('account.')), ['account.created', 'account.suspended']);
    const api = (await srv.admin('GET', `/admin/v1/events?account=${victim.auth_id}&actor=admin`)).json.data;
    assert.deepEqual(mine.map((r) => r.id), api.map((e) => e.id));
    await c.checkPage(op);
    await c.shot(op, 'admin-events');

    // the customer's own actions, by actor
    await op.goto(`/console/admin/events?actor=account:${A.auth_id}`);
    await op.locator('#events-table tbody tr').first().waitFor();
    assert.ok((await rows(op)).every((r) => r.text.includes(`account ${A.auth_id}`)));

    // a filter the API refuses: said so, nothing listed
    await op.goto('/console/admin/events?actor=nobody-at-all');
    await op.getByText(/The filter was refused: .*actor/).waitFor();
    assert.equal(await op.locator('#events-table').isVisible(), false);
    op.problems = op.problems.filter((p) => !/status of 400/.test(p));
    c.assertQuiet(op);
  } finally {
    await op.context().close();
  }
});

test('phone width: the events pages fit, rows as cards', async () => {
  const phone = await c.open(browser, srv, { viewport: { width: 390, height: 844 } });
  try {
    await c.signIn(phone, 'account', A);
    await phone.waitForURL('**/console/numbers');
    await c.assertPhoneFit(phone, '/console/events');
    await c.signIn(phone, 'admin', { token: srv.adminToken });
    await phone.waitForURL('**/console/admin/accounts');
    await c.assertPhoneFit(phone, '/console/admin/events');
    c.assertQuiet(phone);
  } finally {
    await phone.context().close();
  }
});
