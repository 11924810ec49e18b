// page-applications.js -- the account's applications (API.md §2.6): what
// numbers point at.  List (filter by name), create, edit, delete.

import { h, add, field, readForm, showErrors, mentionedField, openDialog, confirmDialog, table, pager,
  pageHead, badge, announce, replace, onSubmit } from './dom.js';
import { plivo, describe, idFromUri } from './api.js';
import { METHODS, subaccounts, fillChoices, startOptions } from './choices.js';
import * as session from './session.js';

export const title = 'Applications';

const LIMIT = 20;
const FIELDS = ['app_name', 'answer_url', 'answer_method', 'hangup_url', 'hangup_method', 'fallback_answer_url',
  'fallback_method', 'message_url', 'message_method', 'default_number_app', 'subaccount'];

export function render(ctx) {
  const q = ctx.query;
  const filter = h('form', { class: 'form filters inline', role: 'search', novalidate: true, 'aria-label': 'Find an application' },
    field({ label: 'Name', name: 'app_name', value: q.get('app_name'), hint: 'exact' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, 'Find')));
  filter.addEventListener('submit', (e) => { e.preventDefault(); ctx.setQuery(readForm(filter)); });
  const list = h('section', { class: 'results', 'aria-live': 'polite' }, h('p', { class: 'loading' }, 'Loading…'));
  add(ctx.main, pageHead('Applications', h('button', { type: 'button', class: 'primary', onclick: () => appDialog(ctx, null) }, 'New application')),
    h('p', { class: 'lede' }, 'Where calls and messages to your numbers go. The default application is given to every number bought without one.'),
    filter, list);
  load(ctx, list, { limit: LIMIT, offset: Number(q.get('offset') || 0), app_name: q.get('app_name') || undefined });
}

async function load(ctx, list, query) {
  let r;
  try {
    r = await plivo.get('Application/', query);
  } catch (err) {
    replace(list, ctx.failure(err, 'Cannot list the applications'));
    return;
  }
  if (!r.objects.length && ctx.pastEnd('offset', r.meta.offset, r.meta.total_count, LIMIT)) return;
  replace(list,
    table({
      caption: 'Applications',
      rows: r.objects,
      empty: 'No applications yet.',
      columns: [
        { label: 'Name', cell: (a) => [a.app_name, a.default_number_app ? [' ', badge('default', 'active')] : null] },
        { label: 'App ID', cell: (a) => h('code', {}, a.app_id) },
        { label: 'Answer URL', cell: (a) => `${a.answer_method} ${a.answer_url}` },
        { label: 'Message URL', cell: (a) => (a.message_url ? `${a.message_method} ${a.message_url}` : '—') },
        { label: 'Subaccount', cell: (a) => idFromUri(a.sub_account) || '—' },
        {
          label: 'Actions',
          cell: (a) => h('div', { class: 'row-actions' },
            h('button', { type: 'button', class: 'secondary small', 'aria-label': `Edit ${a.app_name}`, onclick: () => appDialog(ctx, a) }, 'Edit'),
            h('button', { type: 'button', class: 'danger small', 'aria-label': `Delete ${a.app_name}`, onclick: () => del(ctx, a) }, 'Delete')),
        },
      ],
    }),
    r.objects.length ? pager({ offset: r.meta.offset, limit: LIMIT, total: r.meta.total_count, count: r.objects.length, onPage: (o) => ctx.setQuery({ ...Object.fromEntries(ctx.query), offset: o }) }) : null);
}

function appDialog(ctx, a) {
  const isMain = !session.isSub(ctx.session);
  const v = a || { answer_method: 'POST', hangup_method: 'POST', fallback_method: 'POST', message_method: 'POST' };
  // the API shows sub_account as the subaccount's URI; the form speaks auth_ids
  const curSub = a ? idFromUri(a.sub_account) : '';
  const subSel = field({ label: 'Subaccount', name: 'subaccount', type: 'select', value: curSub, options: startOptions('The main account', curSub) });
  const url = (label, name, hint) => field({ label, name, type: 'url', value: v[name], spellcheck: 'false', hint });
  const method = (label, name) => field({ label, name, type: 'select', value: v[name] || 'POST', options: METHODS });
  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'fields' },
      field({ label: 'Name', name: 'app_name', value: v.app_name, hint: 'unique in your account' }),
      url('Answer URL', 'answer_url', 'required: absolute http(s) URL called when a call comes in'), method('Answer method', 'answer_method'),
      url('Hangup URL', 'hangup_url'), method('Hangup method', 'hangup_method'),
      url('Fallback answer URL', 'fallback_answer_url'), method('Fallback method', 'fallback_method'),
      url('Message URL', 'message_url'), method('Message method', 'message_method'),
      field({ label: 'Default application for new numbers', name: 'default_number_app', type: 'checkbox', value: v.default_number_app, hint: 'at most one: this replaces the current default' }),
      isMain ? subSel : null),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, a ? 'Save' : 'Create application')));
  const dlg = openDialog(a ? `Edit ${a.app_name}` : 'New application', form, { wide: true });
  if (isMain) {
    fillChoices(subSel.querySelector('select'), subaccounts(), curSub)
      .catch((err) => subSel.append(h('p', { class: 'field-error' }, `Cannot list the subaccounts: ${describe(err)}`)));
  }
  onSubmit(form, async (e) => {
    const body = readForm(form, { keepEmpty: a ? ['hangup_url', 'fallback_answer_url', 'message_url', 'subaccount'] : [] });
    // a subaccount not changed is not sent (sending it again would re-check a move that is none)
    if (a && body.subaccount === curSub) delete body.subaccount;
    try {
      if (a) await plivo.post(`Application/${a.app_id}/`, body);
      else await plivo.post('Application/', body);
      dlg.close();
      announce(a ? `Saved ${body.app_name}` : `Created ${body.app_name}`);
      ctx.setQuery(Object.fromEntries(ctx.query));
    } catch (err) {
      showErrors(form, err, mentionedField(FIELDS));
    }
  });
}

async function del(ctx, a) {
  const ok = await confirmDialog({
    title: `Delete ${a.app_name}?`,
    body: ['Numbers that point at it are unlinked (they keep working as numbers, with no application).'],
    confirm: 'Delete',
    danger: true,
  });
  if (!ok) return;
  try {
    await plivo.del(`Application/${a.app_id}/`);
    announce(`Deleted ${a.app_name}`);
    ctx.setQuery(Object.fromEntries(ctx.query));
  } catch (err) {
    announce(`Cannot delete ${a.app_name}: ${describe(err)}`, 'error');
  }
}
