// page-numbers.js -- the numbers the account owns: filters (API.md §2.3),
// one page of 20 at a time (the list is never loaded whole: the first
// paint costs one request however many numbers there are), edit alias /
// application / subaccount, unrent with a confirmation.
//
// Signed in with an API key only, the same numbers come from the BYOC
// dialect (GET /v1/phone-numbers: filters status, source, carrier).

import { h, add, field, group, readForm, showErrors, mentionedField, openDialog, confirmDialog, table, pager,
  pageHead, note, badge, announce, replace, onSubmit } from './dom.js';
import { plivo, byoc, describe, idFromUri } from './api.js';
import { NUMBER_TYPES, SERVICES, e164, applications, subaccounts, fillChoices, startOptions } from './choices.js';
import * as session from './session.js';

export const title = 'My numbers';

const LIMIT = 20;
const FILTERS = ['number_startswith', 'alias', 'type', 'subaccount', 'services', 'cnam_lookup', 'renewal_date__gte',
  'renewal_date__lte', 'tendlc_registration_status', 'tendlc_campaign_id', 'toll_free_sms_verification'];

export function render(ctx) {
  if (session.hasPlivo(ctx.session)) renderPlivo(ctx);
  else renderByoc(ctx);
}

// ---- Plivo dialect ---------------------------------------------------------------------

function renderPlivo(ctx) {
  const q = ctx.query;
  const isMain = !session.isSub(ctx.session);
  const services = (q.get('services') || '').split(',').filter(Boolean);
  const anyFilter = FILTERS.some((k) => q.get(k));
  const form = h('form', { class: 'form filters', novalidate: true, role: 'search', 'aria-label': 'Filter my numbers' },
    h('div', { class: 'fields' },
      field({ label: 'Number starts with', name: 'number_startswith', value: q.get('number_startswith'), inputmode: 'tel' }),
      field({ label: 'Alias', name: 'alias', value: q.get('alias'), hint: 'exact' })),
    h('details', { class: 'more-filters', open: anyFilter && FILTERS.slice(2).some((k) => q.get(k)) },
      h('summary', {}, 'More filters'),
      h('div', { class: 'fields' },
        field({ label: 'Type', name: 'type', type: 'select', value: q.get('type') || '', options: [['', 'Any'], ...NUMBER_TYPES.map((t) => [t, t])] }),
        isMain ? field({ label: 'Subaccount', name: 'subaccount', value: q.get('subaccount'), hint: 'SA… id' }) : null,
        field({ label: 'CNAM lookup', name: 'cnam_lookup', type: 'select', value: q.get('cnam_lookup') || '', options: [['', 'Any'], ['enabled', 'enabled'], ['disabled', 'disabled']] }),
        field({ label: 'Renews on or after', name: 'renewal_date__gte', type: 'date', value: q.get('renewal_date__gte') }),
        field({ label: 'Renews on or before', name: 'renewal_date__lte', type: 'date', value: q.get('renewal_date__lte') }),
        field({ label: '10DLC registration', name: 'tendlc_registration_status', type: 'select', value: q.get('tendlc_registration_status') || '', options: [['', 'Any'], ['unregistered', 'unregistered'], ['in_progress', 'in progress'], ['registered', 'registered']] }),
        field({ label: '10DLC campaign ID', name: 'tendlc_campaign_id', value: q.get('tendlc_campaign_id') }),
        field({ label: 'Toll-free SMS verification', name: 'toll_free_sms_verification', type: 'select', value: q.get('toll_free_sms_verification') || '', options: [['', 'Any'], ['unverified', 'unverified'], ['pending_verification', 'pending verification'], ['verified', 'verified']] }),
        group('Services (all of)', 'services', SERVICES.map((s) =>
          field({ label: s.toUpperCase(), name: `svc_${s}`, type: 'checkbox', value: services.includes(s) }))))),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Filter'),
      anyFilter ? h('a', { class: 'button secondary', href: '/console/numbers' }, 'Show all') : null));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = readForm(form);
    const query = {};
    for (const k of FILTERS) if (v[k] !== undefined && v[k] !== '') query[k] = v[k];
    const svc = SERVICES.filter((s) => v[`svc_${s}`]).join(',');
    if (svc) query.services = svc;
    ctx.setQuery(query);
  });
  const list = h('section', { class: 'results', 'aria-live': 'polite', 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Loading…'));
  add(ctx.main, pageHead('My numbers', isMain ? h('a', { class: 'button secondary', href: '/console/search' }, 'Buy a number') : null), form, list);

  const query = { limit: LIMIT, offset: Number(q.get('offset') || 0) };
  for (const k of FILTERS) if (q.get(k)) query[k] = q.get(k);
  loadPlivo(ctx, form, list, query);
}

async function loadPlivo(ctx, form, list, query) {
  let r;
  try {
    r = await plivo.get('Number/', query);
  } catch (err) {
    list.setAttribute('aria-busy', 'false');
    if (err.status === 400) {
      form.querySelector('details').open = true;
      showErrors(form, err, mentionedField(FILTERS));
      replace(list);
    } else {
      replace(list, ctx.failure(err, 'Cannot list your numbers'));
    }
    return;
  }
  const isMain = !session.isSub(ctx.session);
  const rows = r.objects;
  if (!rows.length && ctx.pastEnd('offset', r.meta.offset, r.meta.total_count, LIMIT)) return;
  replace(list,
    table({
      caption: `Numbers of ${ctx.session.authId}`,
      rows,
      empty: Object.keys(query).length > 2 ? 'No number matches these filters.' : 'You have no numbers yet. Search the inventory to buy one.',
      rowAttrs: (n) => ({ dataset: { number: n.number } }),
      columns: [
        { label: 'Number', cell: (n) => h('span', { class: 'num' }, e164(n.number)) },
        { label: 'Alias', cell: (n) => n.alias || '—' },
        { label: 'Status', cell: (n) => badge(n.status) },
        { label: 'Type', cell: (n) => n.number_type },
        { label: 'Region', cell: (n) => n.region || '—' },
        { label: 'Carrier', cell: (n) => n.carrier || '—' },
        { label: 'Application', cell: (n) => h('span', { dataset: { app: idFromUri(n.application) } }, n.application ? idFromUri(n.application) : '—') },
        isMain ? { label: 'Subaccount', cell: (n) => n.sub_account || '—' } : null,
        { label: 'Renews', cell: (n) => n.renewal_date || '—', cls: 'nowrap' },
        {
          label: 'Actions',
          cell: (n) => h('div', { class: 'row-actions' },
            h('button', { type: 'button', class: 'secondary small', 'aria-label': `Edit ${e164(n.number)}`, onclick: () => editDialog(ctx, n) }, 'Edit'),
            h('button', { type: 'button', class: 'danger small', 'aria-label': `Unrent ${e164(n.number)}`, onclick: () => unrent(ctx, n) }, 'Unrent')),
        },
      ].filter(Boolean),
    }),
    rows.length ? pager({
      offset: r.meta.offset, limit: LIMIT, total: r.meta.total_count, count: rows.length,
      onPage: (o) => ctx.setQuery({ ...Object.fromEntries(ctx.query), offset: o }),
    }) : null,
    rows.some((n) => n.status === 'pending')
      ? note('info', h('strong', {}, 'Pending'), ' numbers were bought without an approved compliance record; they cannot be used until the operator approves them.')
      : null);
  list.setAttribute('aria-busy', 'false');
  // what the first paint of the page costs, for anyone who looks (tests print it)
  performance.mark('numberd:numbers-rendered');
  if (rows.some((n) => n.application)) nameApplications(list);
}

/** After the table is up: application ids become names (one more, deferred request). */
async function nameApplications(list) {
  try {
    const { items } = await applications(100);
    const names = new Map(items.map((a) => [a.app_id, a.app_name]));
    for (const el of list.querySelectorAll('[data-app]')) {
      const name = names.get(el.dataset.app);
      if (name) { el.textContent = name; el.title = el.dataset.app; }
    }
  } catch { /* the ids stay: they are right, only less friendly */ }
}

function editDialog(ctx, n) {
  const isMain = !session.isSub(ctx.session);
  const appId = idFromUri(n.application);
  const curSub = n.sub_account || '';
  const appSel = field({ label: 'Application', name: 'app_id', type: 'select', value: appId, options: startOptions('None', appId) });
  const subSel = field({ label: 'Subaccount', name: 'subaccount', type: 'select', value: curSub, options: startOptions('The main account', curSub) });
  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'fields' },
      field({ label: 'Alias', name: 'alias', value: n.alias || '', maxlength: 64, hint: 'up to 64 characters; empty clears it' }),
      appSel,
      isMain ? subSel : null),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save')));
  const dlg = openDialog(`Edit ${e164(n.number)}`, form);
  const pick = (sel, promise, current) => fillChoices(sel, promise, current)
    .catch((err) => sel.after(h('p', { class: 'field-error' }, `Cannot list the choices: ${describe(err)}`)));
  pick(appSel.querySelector('select'), applications(), appId);
  if (isMain) pick(subSel.querySelector('select'), subaccounts(), curSub);
  onSubmit(form, async (e) => {
    const v = readForm(form, { keepEmpty: ['alias', 'app_id', 'subaccount'] });
    // send only what changed: a field untouched is a field not re-validated
    const body = {};
    if (v.alias !== (n.alias || '')) body.alias = v.alias;
    if (v.app_id !== appId) body.app_id = v.app_id;
    if (isMain && v.subaccount !== curSub) body.subaccount = v.subaccount;
    if (!Object.keys(body).length) { dlg.close(); return; }
    try {
      await plivo.post(`Number/${n.number}/`, body);
      dlg.close();
      announce(`Saved ${e164(n.number)}`);
      ctx.setQuery(Object.fromEntries(ctx.query));
    } catch (err) {
      showErrors(form, err, mentionedField(['alias', 'app_id', 'subaccount']));
    }
  });
}

async function unrent(ctx, n) {
  const ok = await confirmDialog({
    title: `Unrent ${e164(n.number)}?`,
    body: [
      'You stop paying for it and lose it: its alias, application and settings are cleared.',
      'A number bought from the inventory goes back to the operator after an aging period (then anyone may buy it); a number you brought through your own carrier is removed.',
      'This cannot be undone.',
    ],
    confirm: 'Unrent',
    danger: true,
  });
  if (!ok) return;
  try {
    await plivo.del(`Number/${n.number}/`);
    announce(`Unrented ${e164(n.number)}`);
    ctx.setQuery(Object.fromEntries(ctx.query));
  } catch (err) {
    announce(`Cannot unrent ${e164(n.number)}: ${describe(err)}`, 'error');
  }
}

// ---- BYOC dialect (API key only) ------------------------------------------------------

function renderByoc(ctx) {
  const q = ctx.query;
  const form = h('form', { class: 'form filters', novalidate: true, role: 'search', 'aria-label': 'Filter my numbers' },
    h('div', { class: 'fields' },
      field({ label: 'Status', name: 'status', type: 'select', value: q.get('status') || '', options: [['', 'Any'], ['active', 'active'], ['pending', 'pending']] }),
      field({ label: 'Source', name: 'source', type: 'select', value: q.get('source') || '', options: [['', 'Any'], ['inventory', 'bought from the inventory'], ['byoc', 'through my carrier'], ['manual', 'added by hand']] }),
      field({ label: 'Carrier SID', name: 'voip_carrier_sid', value: q.get('voip_carrier_sid') })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Filter')));
  form.addEventListener('submit', (e) => { e.preventDefault(); ctx.setQuery(readForm(form)); });
  const list = h('section', { class: 'results', 'aria-live': 'polite' }, h('p', { class: 'loading' }, 'Loading…'));
  add(ctx.main, pageHead('My numbers'),
    note('info', 'Signed in with an API key: buying and editing need the account\'s auth ID and token.'), form, list);
  const query = { limit: LIMIT, offset: Number(q.get('offset') || 0) };
  for (const k of ['status', 'source', 'voip_carrier_sid']) if (q.get(k)) query[k] = q.get(k);
  (async () => {
    let r;
    try {
      r = await byoc.get('', query);
    } catch (err) {
      if (err.status === 400 || err.status === 422) { showErrors(form, err, mentionedField(['status', 'source', 'voip_carrier_sid'])); replace(list); } else replace(list, ctx.failure(err, 'Cannot list your numbers'));
      return;
    }
    if (!r.data.length && ctx.pastEnd('offset', r.offset, r.total, r.limit)) return;
    replace(list,
      table({
        caption: 'Numbers of this account',
        rows: r.data,
        empty: 'No numbers.',
        rowAttrs: (n) => ({ dataset: { number: n.number.replace(/^\+/, '') } }),
        columns: [
          { label: 'Number', cell: (n) => h('span', { class: 'num' }, n.number) },
          { label: 'Label', cell: (n) => n.label || '—' },
          { label: 'Status', cell: (n) => badge(n.status) },
          { label: 'Source', cell: (n) => n.source },
          { label: 'Carrier', cell: (n) => n.carrier_name || '—' },
          { label: 'Subaccount', cell: (n) => n.sub_account || '—' },
          { label: 'Added', cell: (n) => n.created_at.slice(0, 10) },
          {
            label: 'Actions',
            cell: (n) => h('button', {
              type: 'button', class: 'danger small', 'aria-label': `Remove ${n.number}`,
              onclick: async () => {
                const ok = await confirmDialog({ title: `Remove ${n.number}?`, body: ['You lose the number; one bought from the inventory goes back to the operator after an aging period. This cannot be undone.'], confirm: 'Remove', danger: true });
                if (!ok) return;
                try { await byoc.del(`/${n.id}`); announce(`Removed ${n.number}`); ctx.setQuery(Object.fromEntries(ctx.query)); } catch (err) { announce(describe(err), 'error'); }
              },
            }, 'Remove'),
          },
        ],
      }),
      r.data.length ? pager({ offset: r.offset, limit: r.limit, total: r.total, count: r.data.length, onPage: (o) => ctx.setQuery({ ...Object.fromEntries(ctx.query), offset: o }) }) : null);
    performance.mark('numberd:numbers-rendered');
  })();
}
