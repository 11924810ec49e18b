'use strict';
// Shared by the console's browser tests: Debian's chromium driven by
// playwright-core (Playwright's own browser download is not used), a
// numberd server started by tests/api/lib/server.js (a fresh database, a
// random port and admin token per test file), and small helpers.
//
// Every page records what the browser complains about (script errors,
// console errors, CSP violations, failed requests); assertQuiet() fails a
// test that left any.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');
const server = require('../../api/lib/server.js');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run'];
const SHOT_DIR = process.env.CONSOLE_SCREENSHOT_DIR ? path.resolve(process.env.CONSOLE_SCREENSHOT_DIR) : '';

async function launch() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (scripts/deps.sh --test does it)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/** numberd with the rate limit off (a browser test makes many calls as one account). */
function start(opts = {}) {
  return server.start({ ...opts, args: ['--rate-limit', '0', ...(opts.args || [])] });
}

/**
 * A fresh browser context (its own sessionStorage) and page on srv.
 * page.problems collects what the browser reports as wrong.
 */
async function open(browser, srv, { viewport = { width: 1280, height: 860 }, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ baseURL: srv.base, viewport, colorScheme, reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !expectedHttpError(m.text())) page.problems.push(`console: ${m.text()}`);
  });
  // a request cut short by leaving the page (ERR_ABORTED) is no fault
  page.on('requestfailed', (r) => (r.failure() && r.failure().errorText === 'net::ERR_ABORTED') || page.problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure() && r.failure().errorText}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(srv.base) && !r.url().startsWith('data:')) page.problems.push(`request outside numberd: ${r.url()}`);
  });
  return page;
}

// Chromium logs every 4xx/5xx answer to a fetch as a console error; those
// the tests provoke on purpose (a wrong token, a carrier with a mistake)
// are answers, not problems.
function expectedHttpError(text) {
  return /Failed to load resource: the server responded with a status of (400|401|404|409|422)/.test(text);
}

function assertQuiet(page) {
  assert.deepEqual(page.problems, [], 'the browser reported problems');
}

/** Signs in through the form. kind: account | apikey | admin. */
async function signIn(page, kind, creds) {
  await page.goto('/console/signin');
  await page.getByLabel(kind === 'account' ? /^Account/ : kind === 'apikey' ? /^API key —/ : /^Operator/).check();
  if (kind === 'account') {
    await page.getByLabel('Auth ID', { exact: true }).fill(creds.auth_id);
    await page.getByLabel('Auth token', { exact: true }).fill(creds.auth_token);
    if (creds.api_key) await page.getByLabel('API key (optional)').fill(creds.api_key);
  } else if (kind === 'apikey') {
    await page.locator('input[name=api_key]').fill(creds.api_key);
  } else {
    await page.getByLabel('Admin token', { exact: true }).fill(creds.token);
  }
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** A full-page screenshot into CONSOLE_SCREENSHOT_DIR (docs/console) when set. */
async function shot(page, name) {
  if (!SHOT_DIR) return;
  fs.mkdirSync(SHOT_DIR, { recursive: true });
  // the status toast is transient: let it not cover the picture
  await page.evaluate(() => { const s = document.getElementById('status'); if (s) s.textContent = ''; });
  await page.screenshot({ path: path.join(SHOT_DIR, `${name}.png`), fullPage: true });
}

/** Every visible form control has a label (accessibility floor). */
async function unlabelledControls(page) {
  return page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden' && el.offsetParent !== null)
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map((el) => el.name || el.id || el.outerHTML.slice(0, 60)));
}

/** Text a rendering slip leaves behind ("null", "undefined", "[object Object]", "NaN"). */
async function strayText(page) {
  return page.evaluate(() => {
    const out = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (/^(null|undefined|NaN)$|\[object Object\]|\bundefined\b/.test(n.textContent.trim())) out.push(n.textContent.trim().slice(0, 60));
    }
    return out;
  });
}

/** The page's floor: every control labelled, no stray text. */
async function checkPage(page) {
  assert.deepEqual(await unlabelledControls(page), [], 'controls without a label');
  assert.deepEqual(await strayText(page), [], 'stray text');
}

/** At phone width, path has no sideways scrolling and its table rows are cards. */
async function assertPhoneFit(page, path) {
  await page.goto(path);
  await page.locator('h1').waitFor();
  await page.locator('table.data tbody tr, p.empty').first().waitFor();
  const m = await page.evaluate(() => ({
    width: window.innerWidth,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    rowDisplay: document.querySelector('table.data tbody tr') ? getComputedStyle(document.querySelector('table.data tbody tr')).display : 'block',
  }));
  assert.ok(m.width <= 400, 'a phone-sized viewport');
  assert.ok(m.overflow <= 0, `${path}: ${m.overflow}px wider than the screen`);
  assert.equal(m.rowDisplay, 'block', `${path}: rows are cards`);
}

module.exports = { assertPhoneFit, launch, start, open, signIn, shot, assertQuiet, unlabelledControls, strayText, checkPage, server, SHOT_DIR };
