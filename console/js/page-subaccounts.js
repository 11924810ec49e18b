// page-subaccounts.js -- the main account's subaccounts (API.md §2.5):
// list, create (the auth token is shown once), rename, enable / disable,
// delete (its numbers and applications return to the main account).

import { h, add, field, readForm, showErrors, mentionedField, openDialog, confirmDialog, table, pager,
  pageHead, badge, note, secretRow, announce, replace, onSubmit } from './dom.js';
import { plivo, describe } from './api.js';

export const title = 'Subaccounts';

const LIMIT = 20;

export function render(ctx) {
  const list = h('section', { class: 'results', 'aria-live': 'polite' }, h('p', { class: 'loading' }, 'Loading…'));
  add(ctx.main, pageHead('Subaccounts', h('button', { type: 'button', class: 'primary', onclick: () => subDialog(ctx, null) }, 'New subaccount')),
    h('p', { class: 'lede' }, 'Subaccounts sign in with their own auth ID and token and see only the numbers, carriers and applications assigned to them. A disabled subaccount cannot sign in.'),
    list);
  load(ctx, list, Number(ctx.query.get('offset') || 0));
}

async function load(ctx, list, offset) {
  let r;
  try {
    r = await plivo.get('Subaccount/', { limit: LIMIT, offset });
  } catch (err) {
    replace(list, ctx.failure(err, 'Cannot list the subaccounts'));
    return;
  }
  if (!r.objects.length && ctx.pastEnd('offset', r.meta.offset, r.meta.total_count, LIMIT)) return;
  replace(list,
    table({
      caption: 'Subaccounts',
      rows: r.objects,
      empty: 'No subaccounts yet.',
      columns: [
        { label: 'Name', cell: (s) => s.name },
        { label: 'Auth ID', cell: (s) => h('code', {}, s.auth_id) },
        { label: 'State', cell: (s) => (s.enabled ? badge('enabled', 'active') : badge('disabled', 'aging')) },
        { label: 'Created', cell: (s) => s.created },
        {
          label: 'Actions',
          cell: (s) => h('div', { class: 'row-actions' },
            h('button', { type: 'button', class: 'secondary small', 'aria-label': `Edit ${s.name}`, onclick: () => subDialog(ctx, s) }, 'Edit'),
            h('button', { type: 'button', class: 'danger small', 'aria-label': `Delete ${s.name}`, onclick: () => del(ctx, s) }, 'Delete')),
        },
      ],
    }),
    r.objects.length ? pager({ offset: r.meta.offset, limit: LIMIT, total: r.meta.total_count, count: r.objects.length, onPage: (o) => ctx.setQuery({ offset: o }) }) : null);
}

function subDialog(ctx, s) {
  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'fields' },
      field({ label: 'Name', name: 'name', value: s ? s.name : '', hint: '1–64 characters' }),
      field({ label: 'Enabled (may sign in)', name: 'enabled', type: 'checkbox', value: s ? s.enabled : true })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, s ? 'Save' : 'Create subaccount')));
  const body = h('div', {}, form);
  const dlg = openDialog(s ? `Edit ${s.name}` : 'New subaccount', body);
  onSubmit(form, async (e) => {
    const v = readForm(form);
    try {
      if (s) {
        await plivo.post(`Subaccount/${s.auth_id}/`, v);
        dlg.close();
        announce(`Saved ${v.name}`);
        ctx.setQuery(Object.fromEntries(ctx.query));
        return;
      }
      const r = await plivo.post('Subaccount/', v);
      // the token exists only in this answer: show it, once
      replace(body,
        note('warn', h('strong', {}, 'Copy the auth token now: '), 'it is shown only this once. If it is lost, delete the subaccount and create another.'),
        secretRow('Auth ID', r.auth_id),
        secretRow('Auth token', r.auth_token),
        h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: () => dlg.close() }, 'Done')));
      dlg.dialog.addEventListener('close', () => ctx.setQuery(Object.fromEntries(ctx.query)));
    } catch (err) {
      showErrors(form, err, mentionedField(['name', 'enabled']));
    }
  });
}

async function del(ctx, s) {
  const ok = await confirmDialog({
    title: `Delete ${s.name}?`,
    body: [`Its credentials stop working at once; its numbers, carriers and applications return to the main account.`],
    confirm: 'Delete',
    danger: true,
  });
  if (!ok) return;
  try {
    await plivo.del(`Subaccount/${s.auth_id}/`);
    announce(`Deleted ${s.name}`);
    ctx.setQuery(Object.fromEntries(ctx.query));
  } catch (err) {
    announce(`Cannot delete ${s.name}: ${describe(err)}`, 'error');
  }
}
