// page-signin.js -- signing in with one of the three kinds of credentials
// the APIs know.  The credentials are checked with a harmless read of the
// API they belong to before they are kept (in this tab only).

import { h, add, field, group, readForm, showErrors, clearErrors, pageHead, note, onSubmit } from './dom.js';
import { plivo, byoc, admin, ApiError, describe } from './api.js';
import * as session from './session.js';

export const title = 'Sign in';

const KINDS = [
  ['account', 'Account', 'auth ID and auth token (main account or subaccount): search and buy, numbers, carriers, applications, subaccounts'],
  ['apikey', 'API key', 'the BYOC API: SIP trunks and the numbers routed through them'],
  ['admin', 'Operator', 'the admin token: accounts, inventory, pending numbers'],
];

export function render(ctx) {
  const current = ctx.session;
  const sections = {
    account: group('Account credentials', null,
      field({ label: 'Auth ID', name: 'auth_id', autocomplete: 'username', spellcheck: 'false', autocapitalize: 'characters', hint: 'MA… for a main account, SA… for a subaccount' }),
      field({ label: 'Auth token', name: 'auth_token', type: 'password', autocomplete: 'current-password' }),
      field({ label: 'API key (optional)', name: 'account_api_key', type: 'password', autocomplete: 'off', hint: 'nd_live_…: adds the SIP trunk (BYOC) view of your carriers' })),
    apikey: group('API key', null,
      field({ label: 'API key', name: 'api_key', type: 'password', autocomplete: 'off', hint: 'nd_live_… with the phone_numbers:read scope (and :write to change anything)' })),
    admin: group('Operator', null,
      field({ label: 'Admin token', name: 'admin_token', type: 'password', autocomplete: 'off', hint: 'the server\'s NUMBERD_ADMIN_TOKEN' })),
  };
  const radios = h('fieldset', { class: 'group choice' }, h('legend', {}, 'Sign in with'),
    KINDS.map(([value, label, hint], i) => {
      const id = `kind-${value}`;
      return h('div', { class: 'radio' },
        h('input', { type: 'radio', name: 'kind', id, value, checked: i === 0, onchange: show }),
        h('label', { for: id }, h('strong', {}, label), h('span', { class: 'hint' }, ` — ${hint}`)));
    }));
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'form signin', novalidate: true, 'aria-label': 'Sign in' },
    radios, sections.account, sections.apikey, sections.admin,
    h('div', { class: 'actions' }, submit));
  function show() {
    const kind = form.querySelector('input[name=kind]:checked').value;
    for (const [k, el] of Object.entries(sections)) el.hidden = k !== kind;
    clearErrors(form);
  }
  show();

  onSubmit(form, async (e) => {
    const v = readForm(form);
    submit.disabled = true;
    try {
      const s = await verify(v, form);
      if (!s) return;
      session.save(s);
      const next = ctx.query.get('next');
      ctx.navigate(next && !next.startsWith('signin') ? next : '', {}, { replaceState: true });
    } finally {
      submit.disabled = false;
    }
  });

  add(ctx.main, 
    pageHead('Sign in to numberd'),
    current ? note('info', `This tab is signed in as ${session.who(current)}. Signing in again replaces it.`) : null,
    h('p', { class: 'lede' },
      'The console uses the same public APIs as every other client. What you enter stays in this browser tab only and is forgotten when you sign out or close the tab.'),
    form);
  form.querySelector('input[name=auth_id]').focus();
}

/** Checks the credentials; resolves the session, or null after showing why not. */
async function verify(v, form) {
  const fail = (path, message) => { showErrors(form, { message, errors: [{ path, message }] }); return null; };
  if (v.kind === 'account') {
    if (!v.auth_id) return fail('auth_id', 'Enter your auth ID.');
    if (!v.auth_token) return fail('auth_token', 'Enter your auth token.');
    const creds = { authId: v.auth_id, authToken: v.auth_token };
    try {
      await plivo.get('Number/', { limit: 1 }, { creds });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return fail('auth_token', 'This auth ID and auth token are not accepted.');
      if (err instanceof ApiError && err.status === 403 && /suspended/.test(err.message)) {
        return fail('auth_token', 'This account is suspended: its provider has to resume it.');
      }
      return fail(null, describe(err));
    }
    if (v.account_api_key) {
      const r = await checkKey(v.account_api_key);
      if (r) return fail('account_api_key', r);
      // the key must be this account's: its views would show another's carriers and numbers
      const owner = await keyOwner(v.account_api_key);
      if (owner !== v.auth_id) {
        return fail('account_api_key', owner
          ? `This API key belongs to account ${owner}, not ${v.auth_id}: give one of ${v.auth_id}'s keys, or none.`
          : 'Cannot tell which account this API key belongs to.');
      }
      creds.apiKey = v.account_api_key;
    }
    return { kind: 'account', ...creds };
  }
  if (v.kind === 'apikey') {
    if (!v.api_key) return fail('api_key', 'Enter an API key.');
    const r = await checkKey(v.api_key);
    if (r) return fail('api_key', r);
    return { kind: 'apikey', apiKey: v.api_key };
  }
  if (!v.admin_token) return fail('admin_token', 'Enter the admin token.');
  try {
    await admin.get('/accounts', { limit: 1 }, { creds: { token: v.admin_token } });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return fail('admin_token', 'This admin token is not accepted.');
    if (err instanceof ApiError && err.status === 404) {
      return fail('admin_token', 'This server has no admin API: it was started without an admin token (NUMBERD_ADMIN_TOKEN).');
    }
    return fail(null, describe(err));
  }
  return { kind: 'admin', token: v.admin_token };
}

/** The auth_id of the account a key belongs to (the server names it in X-Account-Id), or ''. */
async function keyOwner(key) {
  try {
    const res = await fetch('/v1/phone-numbers/carriers?limit=1', {
      headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' }, credentials: 'omit', cache: 'no-store',
    });
    return res.ok ? res.headers.get('X-Account-Id') || '' : '';
  } catch {
    return '';
  }
}

/** null if the key can read, else why not. */
async function checkKey(key) {
  try {
    await byoc.get('/carriers', { limit: 1 }, { creds: { apiKey: key } });
    return null;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return 'This API key is not accepted.';
    if (err instanceof ApiError && err.status === 403 && /suspended/.test(err.message)) {
      return 'This API key\'s account is suspended: its provider has to resume it.';
    }
    if (err instanceof ApiError && err.status === 403) return 'This API key lacks the phone_numbers:read scope the console needs.';
    return describe(err);
  }
}
