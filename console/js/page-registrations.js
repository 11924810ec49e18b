// page-registrations.js -- the operator's view of every `reg` trunk's SIP
// registration (GET /admin/v1/registrations: state, last answer, expiry,
// failures, which node registers it), filtered by state and account, a
// page at a time, and refreshed while the page is shown (live.js).

import { h, add, field, readForm, table, pager, pageHead, badge, replace, fmtInt } from './dom.js';
import { admin, describe } from './api.js';
import { poll, clockText, tsText } from './live.js';

export const title = 'Registrations';

const LIMIT = 20;
const REFRESH_MS = 3000;
const STATES = ['registering', 'registered', 'failed', 'unregistered'];
const KIND = { registered: 'active', registering: 'pending', failed: 'bad', unregistered: 'aging' };

export function render(ctx) {
  const q = ctx.query;
  const filter = h('form', { class: 'form filters inline', role: 'search', novalidate: true, 'aria-label': 'Filter the registrations' },
    field({ label: 'State', name: 'state', type: 'select', value: q.get('state') || '', options: [['', 'Any'], ...STATES.map((s) => [s, s])] }),
    field({ label: 'Account (auth ID)', name: 'account_id', value: q.get('account_id'), spellcheck: 'false', autocomplete: 'off' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, 'Show')));
  filter.addEventListener('submit', (e) => { e.preventDefault(); ctx.setQuery(readForm(filter)); });
  const note = h('p', { class: 'hint live-note' }, `Refreshed every ${REFRESH_MS / 1000} s while this page is shown.`);
  const list = h('section', { class: 'results' }, h('p', { class: 'loading' }, 'Loading…'));
  add(ctx.main, pageHead('Registrations'),
    h('p', { class: 'lede' }, 'Every SIP trunk of type reg that numberd registers to its carrier, with the registrar\'s last answer. A trunk that failed is retried with a growing wait; its owner sees the same state on the Carriers page.'),
    filter, note, list);
  const query = { state: q.get('state') || '', account_id: q.get('account_id') || '', limit: LIMIT, offset: Number(q.get('offset') || 0) };
  let shown = '';
  const load = async () => {
    const r = await admin.get('/registrations', query);
    if (!ctx.current()) return;
    // redrawn only when something changed: a focused pager button stays
    const text = JSON.stringify(r);
    if (text !== shown) {
      shown = text;
      draw(ctx, list, r, query);
    }
    note.textContent = `Refreshed every ${REFRESH_MS / 1000} s while this page is shown; updated ${clockText()}.`;
  };
  load().catch((err) => replace(list, ctx.failure(err, 'Cannot list the registrations'))).finally(() => {
    if (!ctx.current()) return;
    poll(ctx, load, {
      every: REFRESH_MS,
      onError: (err, next) => { note.textContent = `Could not refresh (${describe(err)}); trying again in ${Math.round(next / 1000)} s.`; },
    });
  });
}

function draw(ctx, list, r, query) {
  const focused = document.activeElement && list.contains(document.activeElement) ? document.activeElement.textContent : null;
  if (!r.registrations.length && ctx.pastEnd('offset', r.offset, r.total_count, r.limit)) return;
  replace(list,
    h('p', {}, `${fmtInt(r.total_count)} registration${r.total_count === 1 ? '' : 's'}${query.state ? ` ${query.state}` : ''}.`),
    table({
      caption: 'SIP registrations',
      rows: r.registrations,
      empty: 'No registration matches.',
      rowAttrs: (x) => ({ dataset: { carrierId: x.carrier_id, state: x.state } }),
      columns: [
        { label: 'Trunk', cell: (x) => [x.carrier_name, h('br', {}), h('code', { class: 'hint' }, x.carrier_id)] },
        { label: 'Account', cell: (x) => h('code', {}, x.account_id) },
        { label: 'State', cell: (x) => badge(x.state, KIND[x.state] || 'aging') },
        { label: 'Last answer', cell: (x) => [x.last_code, x.reason].filter(Boolean).join(' ') || '—' },
        { label: 'Registered until', cell: (x) => tsText(x.expires_at) },
        { label: 'Failures', cell: (x) => String(x.failures), cls: 'num-col' },
        { label: 'Next attempt', cell: (x) => tsText(x.next_attempt_at) },
        { label: 'Registrar', cell: (x) => x.registrar_ip || '—' },
        { label: 'Node', cell: (x) => x.node || '—' },
      ],
    }),
    r.registrations.length ? pager({ offset: r.offset, limit: r.limit, total: r.total_count, count: r.registrations.length,
      onPage: (o) => ctx.setQuery({ ...Object.fromEntries(ctx.query), offset: o }) }) : null);
  if (focused) {
    const again = [...list.querySelectorAll('button')].find((b) => b.textContent === focused && !b.disabled);
    if (again) again.focus();
  }
}
