// page-accounts.js -- the operator's accounts (admin API): list, create
// (secrets shown once), and per account: its API keys (list, create --
// shown once --, revoke), a new auth token (shown once, with an optional
// grace period for the old one), suspend, resume and close (issue 18).

import { h, add, field, readForm, showErrors, mentionedField, openDialog, confirmDialog, table, pager,
  pageHead, note, badge, secretRow, announce, replace, fmtInt, onSubmit } from './dom.js';
import { admin, describe } from './api.js';

export const title = 'Accounts';

const PAGE = 50;

/** Actions on one account; each gets a button per row when `when` allows it. */
const ROW_ACTIONS = [
  { label: 'New API key', when: (a) => a.status !== 'closed', run: (ctx, a) => apiKeyDialog(a) },
  { label: 'API keys', run: (ctx, a) => apiKeysDialog(a) },
  { label: 'Rotate token', when: (a) => a.status !== 'closed', run: (ctx, a) => rotateDialog(a) },
  { label: 'Suspend', when: (a) => a.status === 'active', run: (ctx, a) => statusAction(ctx, a, 'suspend') },
  { label: 'Resume', when: (a) => a.status === 'suspended', run: (ctx, a) => statusAction(ctx, a, 'resume') },
  { label: 'Close', when: (a) => a.status !== 'closed', run: (ctx, a) => statusAction(ctx, a, 'close') },
];

/** What the operator cannot do here yet (nothing, since issue 18). */
const MISSING = [];

const STATUS_BADGE = { active: 'active', suspended: 'pending', closed: 'aging' };

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
    MISSING.length ? note('info', h('strong', {}, 'Not in this server\'s API yet: '), MISSING.join('; '), '. ',
      'They will appear here when the admin API offers them; until then use the command line (numberd --help).') : null);
  load(ctx, list, q.get('find') || '', Number(q.get('offset') || 0));
}

async function load(ctx, list, find, offset) {
  let r;
  try {
    // one page, found by the server (before, every account came at every
    // sign-in and page turn: 180 KB at 1,500 accounts -- a helper's audit,
    // session 38)
    r = await admin.get('/accounts', { limit: PAGE, offset, find });
  } catch (err) {
    replace(list, ctx.failure(err, 'Cannot list the accounts'));
    return;
  }
  const rows = r.data;
  if (!rows.length && ctx.pastEnd('offset', offset, r.total, PAGE)) return;
  replace(list,
    h('p', {}, `${fmtInt(r.total)} account${r.total === 1 ? '' : 's'}${find ? ' matching' : ''}.`),
    table({
      caption: 'Accounts',
      rows,
      empty: find ? 'No account matches.' : 'No accounts yet.',
      rowAttrs: (a) => ({ dataset: { account: a.auth_id } }),
      columns: [
        { label: 'Name', cell: (a) => a.name },
        { label: 'Auth ID', cell: (a) => h('code', {}, a.auth_id) },
        { label: 'State', cell: (a) => badge(a.status || 'active', STATUS_BADGE[a.status] || 'active') },
        { label: 'Created', cell: (a) => a.created_at.replace('T', ' ').replace('Z', ' UTC') },
        {
          label: 'Actions',
          cell: (a) => h('div', { class: 'row-actions' }, ROW_ACTIONS.filter((x) => !x.when || x.when(a)).map((x) =>
            h('button', { type: 'button', class: 'secondary small', 'aria-label': `${x.label} for ${a.name}`, onclick: () => x.run(ctx, a) }, x.label))),
        },
      ],
    }),
    rows.length ? pager({ offset, limit: PAGE, total: r.total, count: rows.length, onPage: (o) => ctx.setQuery({ ...Object.fromEntries(ctx.query), offset: o }) }) : null);
}

function createDialog(ctx) {
  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'fields' }, field({ label: 'Name', name: 'name', hint: 'the customer\'s name, for you' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create account')));
  const body = h('div', {}, form);
  const dlg = openDialog('New account', body);
  onSubmit(form, async (e) => {
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
  onSubmit(form, async (e) => {
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

const reload = (ctx) => ctx.setQuery(Object.fromEntries(ctx.query));
const when = (t) => (t ? t.replace('T', ' ').replace('Z', ' UTC') : '—');

/** Suspend, resume or close, after a confirmation. */
async function statusAction(ctx, a, what) {
  const text = {
    suspend: ['Suspend', `Every credential of ${a.name} and of its subaccounts will be refused ("account suspended") on every node within a second. Its numbers stay its own; you can resume it.`],
    resume: ['Resume', `The credentials of ${a.name} will work again.`],
    close: ['Close', `Every number of ${a.name} is released (into aging), every API key revoked, every credential refused for good. This cannot be undone.`],
  }[what];
  const yes = await confirmDialog({ title: `${text[0]} ${a.name}?`, body: text[1], confirm: `${text[0]} account`, danger: what !== 'resume' });
  if (!yes) return;
  try {
    const r = await admin.post(`/accounts/${encodeURIComponent(a.auth_id)}/${what}`, {});
    announce(`${a.name} is ${r.status}${what === 'close' ? ` (${fmtInt(r.numbers_released)} numbers released)` : ''}`);
    reload(ctx);
  } catch (err) {
    announce(describe(err), 'error');
  }
}

/** A new auth token, shown once; the old one may keep working a while. */
function rotateDialog(a) {
  const grace = h('select', { name: 'grace_period', id: 'rotate-grace' },
    [['0', 'stops at once'], ['1h', 'works one more hour'], ['1d', 'works one more day'], ['7d', 'works seven more days']]
      .map(([v, t]) => h('option', { value: v }, t)));
  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'fields' }, h('div', { class: 'field', dataset: { field: 'grace_period' } },
      h('label', { for: 'rotate-grace' }, 'The old token'), grace, h('p', { class: 'field-error', hidden: true }))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Rotate token')));
  const body = h('div', {}, note('info', `A new auth token for ${a.auth_id}; the customer must be given it.`), form);
  const dlg = openDialog(`New auth token for ${a.name}`, body);
  onSubmit(form, async (e) => {
    try {
      const r = await admin.post(`/accounts/${encodeURIComponent(a.auth_id)}/rotate-token`, { grace_period: grace.value });
      replace(body,
        note('warn', h('strong', {}, 'Hand this to the customer now: '), 'the auth token is shown only this once.'),
        secretRow('Auth token', r.auth_token),
        h('p', {}, r.old_token_expires_at ? `The old token works until ${when(r.old_token_expires_at)}.` : 'The old token no longer works.'),
        h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: () => dlg.close() }, 'Done')));
      announce(`New auth token for ${a.name}`);
    } catch (err) {
      showErrors(form, err, mentionedField(['grace_period']));
    }
  });
}

/** The account's API keys (never the secrets), each revocable. */
function apiKeysDialog(a) {
  const body = h('div', { 'aria-live': 'polite' }, h('p', { class: 'loading' }, 'Loading…'));
  openDialog(`API keys of ${a.name}`, body, { wide: true });
  const base = `/accounts/${encodeURIComponent(a.auth_id)}/api-keys`;
  const show = async () => {
    let r;
    try {
      r = await admin.get(base, { limit: 100 });
    } catch (err) {
      replace(body, note('error', describe(err)));
      return;
    }
    replace(body,
      h('p', {}, `${fmtInt(r.total)} key${r.total === 1 ? '' : 's'}${r.total > r.data.length ? ` (the ${r.data.length} newest shown)` : ''}.`),
      table({
        caption: `API keys of ${a.name}`,
        rows: r.data,
        empty: 'No API keys.',
        rowAttrs: (k) => ({ dataset: { key: String(k.id) } }),
        columns: [
          { label: 'Key', cell: (k) => h('code', {}, k.prefix ? `${k.prefix}…` : `#${k.id}`) },
          { label: 'Label', cell: (k) => k.label || '—' },
          { label: 'Scopes', cell: (k) => k.scopes.join(', ') },
          { label: 'State', cell: (k) => badge(k.status, k.status === 'active' ? 'active' : 'aging') },
          { label: 'Created', cell: (k) => when(k.created_at) },
          { label: 'Expires', cell: (k) => when(k.expires_at) },
          { label: 'Last used', cell: (k) => when(k.last_used_at) },
          {
            label: 'Actions',
            cell: (k) => (k.status === 'revoked' ? '' : h('button', {
              type: 'button',
              class: 'danger small',
              'aria-label': `Revoke key ${k.prefix || k.id}`,
              onclick: async () => {
                const yes = await confirmDialog({ title: 'Revoke this key?', body: `Requests with ${k.prefix || 'it'}… will be refused (401) on every node within a second.`, confirm: 'Revoke key', danger: true });
                if (!yes) return;
                try {
                  await admin.del(`${base}/${k.id}`);
                  announce(`Revoked ${k.prefix || k.id}`);
                } catch (err) {
                  announce(describe(err), 'error');
                }
                // the list is drawn again without this button: the focus
                // goes to the key's row, not to <body> (a helper's audit,
                // session 38)
                await show();
                const row = body.querySelector(`tr[data-key="${k.id}"]`);
                if (row) { row.tabIndex = -1; row.focus(); }
              },
            }, 'Revoke')),
          },
        ],
      }));
  };
  show();
}
