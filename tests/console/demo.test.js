'use strict';
// Issue 19, "done when": a person who runs the README's demo command opens
// the console URL it prints, signs in with the credentials it prints, and
// buys a number.  The same here, with `numberd serve --demo` read from its
// own standard output.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const c = require('./lib/console');

let child;
let dir;
let out = '';
let browser;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numberd-demo-'));
  const env = { ...process.env };
  delete env.NUMBERD_ADMIN_TOKEN;
  delete env.NUMBERD_DB;
  delete env.NUMBERD_LISTEN;
  child = spawn(c.server.BIN, ['serve', '--demo', '--db', path.join(dir, 'demo.db'), '--listen', '127.0.0.1:0', '--threads', '2'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.resume();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no console URL printed in 30 s:\n${out}`)), 30000);
    child.stdout.on('data', (d) => {
      out += d.toString('utf8');
      if (/\/console\/.*\n/.test(out)) { clearTimeout(timer); resolve(); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`numberd exited with ${code}:\n${out}`)); });
  });
  browser = await c.launch();
});

after(async () => {
  if (browser) await browser.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
    child.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, signal: null });
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('serve --demo prints the console URL; signing in there with the printed credentials, a number is bought', async () => {
  const authId = /auth_id\s+(MA[A-Z0-9]{18})/.exec(out)[1];
  const authToken = /auth_token\s+([A-Za-z0-9]{40})/.exec(out)[1];
  const url = /(http:\/\/127\.0\.0\.1:\d+\/console\/)/.exec(out)[1];
  const page = await c.open(browser, { base: new URL(url).origin });
  try {
    await page.goto(url);
    await page.waitForURL('**/console/signin');
    await c.signIn(page, 'account', { auth_id: authId, auth_token: authToken });
    await page.waitForURL('**/console/numbers');
    await page.getByRole('link', { name: 'Search & buy' }).click();
    const first = page.locator('table.data tbody tr').first();
    await first.waitFor();
    const number = await first.getAttribute('data-number');
    await first.getByRole('button', { name: /^Buy/ }).click();
    await page.locator('dialog[open]').getByRole('button', { name: `Buy +${number}` }).click();
    await page.locator('dialog[open]').getByText(/is yours/).waitFor();
    await page.locator('dialog[open]').getByRole('link', { name: 'See it in My numbers' }).click();
    await page.locator(`tr[data-number="${number}"]`).waitFor();
    c.assertQuiet(page);
  } finally {
    await page.context().close();
  }
});
