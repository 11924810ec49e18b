// page-accounts.js -- the operator's accounts (admin API): list, create
// (secrets shown once), a new API key for an account (shown once).
//
// Suspend / resume / close, auth-token rotation, and listing or revoking
// API keys are not in the admin API yet (API.md §4, issue 18).  Nothing
// here pretends they are: the page says they are missing.  To wire one
// when it lands, add an entry to ROW_ACTIONS (label, and what it calls)
// and take its line out of MISSING.

import { h, add, field, readForm, showErrors, mentionedField, openDialog, table, pager,
  pageHead, note, badge, secretRow, announce, replace, fmtInt } from './dom.js';
import { admin } from './api.js';

export const title = 'Accounts';

const PAGE = 50;

/** Actions on one account the admin API offers today; each gets a button per row. */
const ROW_ACTIONS = [
  { label: 'New API key', run: (ctx, a) => apiKeyDialog(a) },
];

/** What the operator will be able to do once the admin API has it. */
const MISSING = [
  'suspend, resume or close an account',
  'rotate an account\'s auth token',
  'list or revoke an account\'s API keys',
];

export function render(ctx) {
  const q = ctx.query;
  const filter = h('form', { class: 'form filters inline', role: 'search', novalidate: true, 'aria-label': 'Find an account' },
    field({ label: 'Name or auth ID contains', name: 'find', value: q.get('find') }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, 'Find')));
  filter.addEventListener('submit', (e) => { e.preventDefault(); ctx.setQuery(readForm(filter)); });
  const list = h('section', { class: 'results', 'aria-live': 'polite' }, h('p', { class: 'loading' }, 'Loading…'));
  add(ctx.main, 
    pageHead('Accounts', h('button', { type: 'button', class: 'primary', onclick: () => createDialog(ctx) }, 'New account')),
    filter, list,
    note('info', h('strong', {}, 'Not in this server\'s API yet: '), MISSING.join('; '), '. ',
      'They will appear here when the admin API offers them; until then use the command line (numberd --help).'));
  load(ctx, list, (q.get('find') || '').toLowerCase(), Number(q.get('offset') || 0));
}

async function load(ctx, list, find, offset) {
  let r;
  try {
    // the admin API answers every account at once (no paging of its own)
    r = await admin.get('/accounts');
  } catch (err) {
    replace(list, ctx.failure(err, 'Cannot list the accounts'));
    return;
  }
  const all = find ? r.data.filter((a) => a.name.toLowerCase().includes(find) || a.auth_id.toLowerCase().includes(find)) : r.data;
  const rows = all.slice(offset, offset + PAGE);
  replace(list,
    h('p', {}, `${fmtInt(r.total)} account${r.total === 1 ? '' : 's'}${find ? `, ${fmtInt(all.length)} matching` : ''}.`),
    table({
      caption: 'Accounts',
      rows,
      empty: find ? 'No account matches.' : 'No accounts yet.',
      rowAttrs: (a) => ({ dataset: { account: a.auth_id } }),
      columns: [
        { label: 'Name', cell: (a) => a.name },
        { label: 'Auth ID', cell: (a) => h('code', {}, a.auth_id) },
        { label: 'State', cell: (a) => (a.enabled ? badge('enabled', 'active') : badge('disabled', 'aging')) },
        { label: 'Created', cell: (a) => a.created_at.replace('T', ' ').replace('Z', ' UTC') },
        {
          label: 'Actions',
          cell: (a) => h('div', { class: 'row-actions' }, ROW_ACTIONS.map((x) =>
            h('button', { type: 'button', class: 'secondary small', 'aria-label': `${x.label} for ${a.name}`, onclick: () => x.run(ctx, a) }, x.label))),
        },
      ],
    }),
    rows.length ? pager({ offset, limit: PAGE, total: all.length, count: rows.length, onPage: (o) => ctx.setQuery({ ...Object.fromEntries(ctx.query), offset: o }) }) : null);
}

function createDialog(ctx) {
  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'fields' }, field({ label: 'Name', name: 'name', hint: 'the customer\'s name, for you' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create account')));
  const body = h('div', {}, form);
  const dlg = openDialog('New account', body);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await admin.post('/accounts', readForm(form));
      replace(body,
        note('warn', h('strong', {}, 'Hand these to the customer now: '), 'the auth token and the API key are shown only this once.'),
        secretRow('Auth ID', r.auth_id),
        secretRow('Auth token', r.auth_token),
        secretRow('API key', r.api_key),
        h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: () => dlg.close() }, 'Done')));
      dlg.dialog.addEventListener('close', () => ctx.setQuery(Object.fromEntries(ctx.query)));
      announce(`Created account ${r.name}`);
    } catch (err) {
      showErrors(form, err, mentionedField(['name']));
    }
  });
}

function apiKeyDialog(a) {
  const form = h('form', { class: 'form', novalidate: true },
    h('fieldset', { class: 'group', dataset: { path: 'scopes' } }, h('legend', {}, 'Scopes'),
      h('p', { class: 'field-error', hidden: true }),
      field({ label: 'phone_numbers:read (list and read)', name: 'scope_read', type: 'checkbox', value: true }),
      field({ label: 'phone_numbers:write (create, change, delete)', name: 'scope_write', type: 'checkbox', value: true })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create API key')));
  const body = h('div', {}, form);
  const dlg = openDialog(`New API key for ${a.name}`, body);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = readForm(form);
    const scopes = [v.scope_read ? 'phone_numbers:read' : null, v.scope_write ? 'phone_numbers:write' : null].filter(Boolean);
    try {
      const r = await admin.post(`/accounts/${encodeURIComponent(a.auth_id)}/api-keys`, { scopes });
      replace(body,
        note('warn', h('strong', {}, 'Copy the key now: '), 'it is shown only this once.'),
        secretRow('API key', r.api_key),
        h('p', {}, `Scopes: ${r.scopes.join(', ')}`),
        h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: () => dlg.close() }, 'Done')));
    } catch (err) {
      showErrors(form, err, mentionedField(['scopes']));
    }
  });
}
