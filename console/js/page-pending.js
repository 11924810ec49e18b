// page-pending.js -- numbers bought without an approved compliance record
// wait here for the operator: listed by the admin API
// (GET /admin/v1/numbers?status=pending, in number order, paged by cursor),
// each with its Approve button (POST /admin/v1/numbers/{number}/approve),
// and counted by country and type (the inventory figures).
//
// The list is read a page at a time with "Load more" (the API's cursor is
// the last number shown, so approving numbers meanwhile neither skips nor
// repeats one).  An approved number leaves the table at once.

import { h, add, field, readForm, pageHead, announce, replace, table, fmtInt, badge } from './dom.js';
import { admin, describe } from './api.js';

export const title = 'Pending numbers';

const PAGE = 20;

export function render(ctx) {
  const account = ctx.query.get('account') || '';
  const counts = h('section', { class: 'panel', 'aria-labelledby': 'pending-h' });
  const filter = h('form', { class: 'form filters inline', role: 'search', novalidate: true, 'aria-label': 'Pending numbers of one account' },
    field({ label: 'Account (auth ID)', name: 'account', value: account, spellcheck: 'false', autocomplete: 'off', hint: 'empty: every account' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, 'Show')));
  filter.addEventListener('submit', (e) => { e.preventDefault(); ctx.setQuery(readForm(filter)); });
  const list = h('section', { class: 'panel', 'aria-labelledby': 'list-h' });
  add(ctx.main, pageHead('Pending numbers'),
    h('p', { class: 'lede' }, 'A number with a restriction bought without an approved compliance record is pending: owned, but unusable until approved here. Approving makes it active for its owner at once.'),
    counts, list);
  const state = { ctx, account, counts, list, filter, tbody: null, more: null, shown: 0 };
  loadCounts(state);
  startList(state);
}

async function loadCounts(state) {
  const { ctx, counts: sec } = state;
  replace(sec, h('h2', { id: 'pending-h' }, 'Pending now'), h('p', { class: 'loading' }, 'Loading…'));
  let r;
  try {
    r = await admin.get('/inventory/stats');
  } catch (err) {
    if (ctx.current()) sec.lastChild.replaceWith(ctx.failure(err, 'Cannot read the inventory figures'));
    return;
  }
  if (!ctx.current()) return;
  const rows = [];
  for (const [country, types] of Object.entries(r.counts)) {
    for (const [type, states] of Object.entries(types)) if (states.pending) rows.push({ country, type, n: states.pending });
  }
  rows.sort((a, b) => b.n - a.n);
  const sum = rows.reduce((s, x) => s + x.n, 0);
  sec.lastChild.replaceWith(h('div', { dataset: { pending: String(sum) } },
    h('p', {}, sum ? `${fmtInt(sum)} pending number${sum === 1 ? '' : 's'} in all.` : 'No number is pending.'),
    rows.length ? table({
      caption: 'Pending numbers by country and type',
      rows,
      columns: [
        { label: 'Country', cell: (x) => x.country },
        { label: 'Type', cell: (x) => x.type },
        { label: 'Pending', cell: (x) => fmtInt(x.n), cls: 'money' },
      ],
    }) : null));
}

function startList(state) {
  const { list, filter } = state;
  state.tbody = h('tbody', {});
  state.shown = 0;
  state.more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  state.more.addEventListener('click', () => loadPage(state, state.more.dataset.cursor));
  state.status = h('p', { class: 'loading' }, 'Loading…');
  const tableEl = h('div', { class: 'table-wrap', hidden: true },
    h('table', { class: 'data', id: 'pending-table' },
      h('caption', {}, 'Numbers waiting for approval, in number order'),
      h('thead', {}, h('tr', {}, COLUMNS.map((c) => h('th', { scope: 'col', class: c.cls }, c.label)))),
      state.tbody));
  state.tableEl = tableEl;
  replace(list, h('h2', { id: 'list-h' }, state.account ? `Waiting for approval: ${state.account}` : 'Waiting for approval'),
    filter, state.status, tableEl, h('div', { class: 'actions' }, state.more));
  loadPage(state, null);
}

const COLUMNS = [
  { label: 'Number', cell: (x) => h('code', {}, `+${x.number}`) },
  { label: 'Account', cell: (x) => [x.account_name, ' ', h('code', { class: 'hint' }, x.account)] },
  { label: 'Country and type', cell: (x) => `${x.country_iso} ${x.number_type}` },
  { label: 'Why pending', cell: (x) => (x.restriction ? [badge(x.restriction, 'pending'), x.restriction_text ? h('span', { class: 'hint' }, ` ${x.restriction_text}`) : null] : '—') },
  { label: 'Bought', cell: (x) => x.added_on || '—' },
  { label: 'Action', cell: null },
];

async function loadPage(state, cursor) {
  const { ctx } = state;
  state.more.disabled = true;
  let r;
  try {
    r = await admin.get('/numbers', { status: 'pending', account: state.account, limit: PAGE, cursor });
  } catch (err) {
    state.more.disabled = false;
    if (ctx.current()) state.status.replaceWith(state.status = ctx.failure(err, 'Cannot list the pending numbers'));
    return;
  }
  if (!ctx.current()) return;
  for (const x of r.data) state.tbody.append(row(state, x));
  state.shown += r.data.length;
  state.more.hidden = r.next_cursor === null;
  state.more.disabled = false;
  if (r.next_cursor !== null) state.more.dataset.cursor = r.next_cursor;
  updateStatus(state);
  if (cursor && r.data.length) {
    // keyboard users land on the first new row's button, not back at the top
    const first = state.tbody.querySelector(`tr[data-number="${r.data[0].number}"] button`);
    if (first) first.focus();
  }
}

function updateStatus(state) {
  const rows = state.tbody.rows.length;
  state.tableEl.hidden = rows === 0;
  const text = rows === 0
    ? (state.more.hidden ? (state.account ? 'No number of this account is waiting.' : 'No number is waiting for approval.') : 'Nothing left on this page: load more.')
    : `${fmtInt(rows)} shown${state.more.hidden ? '' : ', more to load'}.`;
  const p = h('p', { class: rows === 0 ? 'empty' : 'hint', 'aria-live': 'polite' }, text);
  state.status.replaceWith(p);
  state.status = p;
}

function row(state, x) {
  const btn = h('button', { type: 'button', class: 'primary small', 'aria-label': `Approve +${x.number}` }, 'Approve');
  const err = h('p', { class: 'field-error', hidden: true });
  const tr = h('tr', { dataset: { number: x.number } },
    COLUMNS.map((c) => h('td', { class: c.cls, dataset: { label: c.label } },
      c.cell ? c.cell(x) : h('div', { class: 'row-actions' }, btn, err))));
  btn.addEventListener('click', () => approve(state, x, tr, btn, err));
  return tr;
}

async function approve(state, x, tr, btn, err) {
  // asked before the button is disabled (a disabled button loses the focus)
  const hadFocus = tr.contains(document.activeElement);
  btn.disabled = true;
  err.hidden = true;
  try {
    await admin.post(`/numbers/${encodeURIComponent(x.number)}/approve`, {});
  } catch (e) {
    // 409: someone else approved it (or it was unrented) -- it is no longer pending
    if (e.status === 409 || e.status === 404) {
      finish(state, tr, `+${x.number} is no longer pending (${describe(e)}).`, hadFocus);
      return;
    }
    btn.disabled = false;
    if (hadFocus) btn.focus();
    err.textContent = `Not approved: ${describe(e)}`;
    err.hidden = false;
    return;
  }
  finish(state, tr, `Approved +${x.number}: it is active for ${x.account_name} now.`, hadFocus);
}

/** Takes an approved row out, keeping the keyboard focus in the table. */
function finish(state, tr, message, hadFocus) {
  const next = tr.nextElementSibling || tr.previousElementSibling;
  tr.remove();
  announce(message);
  updateStatus(state);
  if (hadFocus) {
    const b = next && next.querySelector('button');
    if (b) b.focus();
    else if (!state.more.hidden) state.more.focus();
    else state.ctx.main.querySelector('h1').focus();
  }
  loadCounts(state);
}
