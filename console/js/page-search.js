// page-search.js -- search the operator's inventory with every filter of
// API.md §2.2 and buy a number, with the pending / compliance state
// explained before and after.

import { h, add, field, group, readForm, showErrors, clearErrors, mentionedField, openDialog, table, pager,
  pageHead, note, badge, announce, replace, onSubmit, fmtInt } from './dom.js';
import { plivo, idemKey, describe } from './api.js';
import { NUMBER_TYPES, SERVICES, e164, applications, subaccounts } from './choices.js';
import * as session from './session.js';

export const title = 'Search & buy';

const LIMIT = 20;
const FILTERS = ['country_iso', 'type', 'pattern', 'npanxx', 'local_calling_area', 'region', 'city', 'services',
  'lata', 'rate_center'];

export function render(ctx) {
  const q = ctx.query;
  const country = (q.get('country_iso') || 'US').toUpperCase();
  const services = (q.get('services') || '').split(',').filter(Boolean);
  const form = h('form', { class: 'form filters', novalidate: true, role: 'search', 'aria-label': 'Search the inventory' },
    h('div', { class: 'fields' },
      field({ label: 'Country', name: 'country_iso', value: country, maxlength: 2, required: true, autocapitalize: 'characters', spellcheck: 'false', hint: 'ISO code: US, CA, GB…' }),
      field({ label: 'Type', name: 'type', type: 'select', value: q.get('type') || '', options: [['', 'Any'], ...NUMBER_TYPES.map((t) => [t, t])] }),
      field({ label: 'Pattern', name: 'pattern', value: q.get('pattern'), inputmode: 'numeric', hint: 'digits after the country code; * is any one digit (4*5)' }),
      field({ label: 'NPA-NXX', name: 'npanxx', value: q.get('npanxx'), inputmode: 'numeric', maxlength: 6, hint: '6 digits, US and CA' }),
      field({ label: 'Same local calling area as the NPA-NXX', name: 'local_calling_area', type: 'checkbox', value: q.get('local_calling_area') === 'true' }),
      field({ label: 'Region', name: 'region', value: q.get('region'), hint: 'as the results show it, e.g. CALIFORNIA' }),
      field({ label: 'City', name: 'city', value: q.get('city') }),
      field({ label: 'Rate center', name: 'rate_center', value: q.get('rate_center') }),
      field({ label: 'LATA', name: 'lata', value: q.get('lata'), inputmode: 'numeric' }),
      group('Services (all of)', 'services', SERVICES.map((s) =>
        field({ label: s.toUpperCase(), name: `svc_${s}`, type: 'checkbox', value: services.includes(s) })))),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Search'),
      h('button', { type: 'reset', class: 'secondary', onclick: (e) => { e.preventDefault(); ctx.setQuery({ country_iso: country }); } }, 'Clear filters')));
  const results = h('section', { class: 'results', 'aria-live': 'polite', 'aria-busy': 'true' });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = readForm(form);
    const svc = SERVICES.filter((s) => v[`svc_${s}`]).join(',');
    ctx.setQuery({
      country_iso: (v.country_iso || '').toUpperCase(), type: v.type, pattern: v.pattern, npanxx: v.npanxx,
      local_calling_area: v.local_calling_area ? 'true' : '', region: v.region, city: v.city, services: svc,
      lata: v.lata, rate_center: v.rate_center,
    });
  });

  add(ctx.main, pageHead('Search and buy numbers'),
    h('p', { class: 'lede' }, 'Numbers for sale in the operator\'s inventory. A number with a restriction needs an approved compliance record; without one it is bought as pending until the operator approves it.'),
    form, results);

  const query = { limit: LIMIT, offset: Number(q.get('offset') || 0) };
  for (const k of FILTERS) if (q.get(k)) query[k] = q.get(k);
  query.country_iso = country;
  load(ctx, form, results, query);
}

async function load(ctx, form, results, query) {
  let r;
  try {
    r = await plivo.get('PhoneNumber/', query);
  } catch (err) {
    results.setAttribute('aria-busy', 'false');
    if (err.status === 400) {
      // the API names the parameter in its message: show it at its field
      // ("invalid country ISO: ZZ" is country_iso's, which it does not
      // spell out: a helper's audit, session 38)
      const named = mentionedField(FILTERS);
      showErrors(form, err, (m) => named(m) || (/\bcountry\b/i.test(m || '') ? 'country_iso' : null));
      replace(results);
    } else {
      replace(results, ctx.failure(err, 'The search failed'));
    }
    return;
  }
  clearErrors(form);
  const total = r.meta.total_count;
  // search counts stop at 1,000 (enough to know there is a next page)
  const capped = total >= 1000;
  const pg = pager({
    offset: r.meta.offset, limit: LIMIT, total, count: r.objects.length,
    // past the count's cap the page's own end is all that is known
    totalText: capped ? `${fmtInt(Math.max(1000, r.meta.offset + r.objects.length))} or more` : null,
    onPage: (o) => ctx.setQuery({ ...Object.fromEntries(ctx.query), offset: o }),
  });
  replace(results,
    h('h2', {}, r.objects.length ? 'Numbers for sale' : 'No numbers match'),
    table({
      caption: `Numbers for sale in ${query.country_iso}`,
      rows: r.objects,
      empty: 'Nothing for sale matches these filters. Widen the search (fewer filters, a shorter pattern).',
      rowAttrs: (n) => ({ dataset: { number: n.number } }),
      columns: [
        { label: 'Number', cell: (n) => h('span', { class: 'num' }, e164(n.number)) },
        { label: 'Type', cell: (n) => (n.sub_type && n.sub_type !== n.type ? `${n.type} (${n.sub_type})` : n.type) },
        { label: 'Where', cell: (n) => [n.city, n.region].filter(Boolean).join(', ') || n.country },
        { label: 'Rate center / LATA', cell: (n) => [n.rate_center, n.lata].filter((x) => x !== null && x !== '').join(' / ') || '—' },
        { label: 'Services', cell: (n) => servicesOf(n) },
        { label: 'Setup', cell: (n) => n.setup_rate ?? '—', cls: 'money' },
        { label: 'Monthly', cell: (n) => n.monthly_rental_rate ?? '—', cls: 'money' },
        { label: 'Restriction', cell: (n) => (n.restriction ? [badge('restricted', 'pending'), ' ', n.restriction_text || n.restriction] : '—') },
        { label: 'Buy', cell: (n) => (session.isSub(ctx.session)
          ? h('span', { class: 'hint' }, 'main account only')
          : h('button', { type: 'button', class: 'primary small', 'aria-label': `Buy ${e164(n.number)}`, onclick: () => buyDialog(ctx, n, query.country_iso) }, 'Buy')) },
      ],
    }),
    r.objects.length ? pg : null);
  results.setAttribute('aria-busy', 'false');
}

function servicesOf(n) {
  return ['voice', 'sms', 'mms'].filter((s) => n[`${s}_enabled`]).map((s) => s.toUpperCase()).join(' · ') || '—';
}

/** The buy dialog: options, what will happen, the purchase, what happened. */
function buyDialog(ctx, n, countryIso) {
  const restricted = Boolean(n.restriction);
  const isUS = countryIso === 'US'; // CNAM lookup is for US numbers only
  const appField = field({ label: 'Application', name: 'app_id', type: 'select', options: [['', 'The account\'s default application, if any']], hint: 'Calls and messages to the number go to it' });
  const subField = field({ label: 'For subaccount', name: 'subaccount', type: 'select', options: [['', 'The main account']] });
  const form = h('form', { class: 'form', novalidate: true },
    h('dl', { class: 'facts' },
      h('dt', {}, 'Monthly'), h('dd', {}, n.monthly_rental_rate ?? '—'),
      h('dt', {}, 'Setup'), h('dd', {}, n.setup_rate ?? '—'),
      h('dt', {}, 'Type'), h('dd', {}, n.sub_type || n.type),
      h('dt', {}, 'Where'), h('dd', {}, [n.city, n.region].filter(Boolean).join(', ') || n.country)),
    restricted
      ? note('warn', h('strong', {}, 'This number has a restriction'), ` (${n.restriction_text || n.restriction}). `,
        'It needs an approved compliance record of your account for this country and number type. ',
        'With one — the ID below, or your most recent approved one — it is active at once. ',
        'Without one it is bought as ', h('strong', {}, 'pending'), ': it is yours, but unusable until the operator approves it.')
      : note('info', 'This number has no restriction: it will be active at once.'),
    h('div', { class: 'fields' },
      appField,
      session.isSub(ctx.session) ? null : subField,
      restricted ? field({ label: 'Compliance application ID', name: 'compliance_application_id', hint: 'optional: which approved record to use' }) : null,
      isUS ? field({ label: 'CNAM lookup', name: 'cnam_lookup', type: 'select', options: [['', 'Not set'], ['enabled', 'enabled'], ['disabled', 'disabled']] }) : null),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, `Buy ${e164(n.number)}`)));
  const body = h('div', {}, form);
  // bought, its row goes: the focus moves to the next row's Buy (or the
  // one before), not to <body>
  const row = ctx.main.querySelector(`tr[data-number="${n.number}"]`);
  const near = row ? [row.nextElementSibling, row.previousElementSibling] : [];
  const dlg = openDialog(`Buy ${e164(n.number)}`, body, {
    returnFocus: () => near.map((r) => r && r.isConnected && r.querySelector('button')).find(Boolean) || null,
  });
  // the choices load while the dialog is already open
  fillSelect(appField.querySelector('select'), applications());
  if (!session.isSub(ctx.session)) fillSelect(subField.querySelector('select'), subaccounts());
  // one key per dialog: a retry after a lost answer cannot buy twice
  const key = idemKey();
  onSubmit(form, async (e) => {
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    const v = readForm(form);
    try {
      const r = await plivo.post(`PhoneNumber/${n.number}/`, v, { idem: key });
      const isPending = r.status === 'pending';
      replace(body,
        isPending
          ? note('warn', h('strong', {}, `${e164(n.number)} is yours, pending. `),
            'Your account has no approved compliance record for this country and number type, so the number cannot be used until the operator approves it. ',
            'It shows as pending in My numbers meanwhile.')
          : note('info', h('strong', {}, `${e164(n.number)} is yours and active.`)),
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'secondary', onclick: dlg.close }, 'Keep searching'),
          h('a', { class: 'button primary', href: `/console/numbers?number_startswith=${n.number}`, onclick: () => dlg.close() }, 'See it in My numbers')));
      announce(`Bought ${e164(n.number)}${isPending ? ' (pending approval)' : ''}`);
      const row = ctx.main.querySelector(`tr[data-number="${n.number}"]`);
      if (row) row.remove();
    } catch (err) {
      btn.disabled = false;
      if (err.status === 404) err.message = 'This number is no longer available: someone else bought it, or it was withdrawn.';
      showErrors(form, err, mentionedField(['app_id', 'subaccount', 'compliance_application_id', 'cnam_lookup']));
    }
  });
}

async function fillSelect(select, promise) {
  try {
    const { options, more } = await promise;
    for (const [v, t] of options) select.append(h('option', { value: v }, t));
    if (more) select.append(h('option', { value: '', disabled: true }, '… more not shown'));
  } catch (err) {
    select.after(h('p', { class: 'field-error' }, `Cannot list the choices: ${describe(err)}`));
  }
}
