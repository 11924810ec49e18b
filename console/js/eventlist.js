// eventlist.js -- the event log as a page (issue 18's audit API), shared by
// the customer's Events page (its own account's events) and the
// operator's (every event).  The API lists events oldest first, a page at
// a time, by cursor: "Load more" asks for the events after the last one
// shown (next_after), so events written meanwhile are appended, never
// skipped or shown twice.  Filters live in the URL.

import { h, add, field, readForm, pageHead, replace, fmtInt, badge } from './dom.js';
import { tsText } from './live.js';

/** Object types the log names (docs/EVENTS.md); the field also takes any other. */
// the objects events are about (core/events.c's list: auth_token.rotated is
// about an account, registration.state_changed about a carrier)
export const OBJECT_TYPES = ['number', 'carrier', 'gateway', 'application', 'subaccount', 'account', 'api_key', 'compliance',
  'inventory', 'webhook_endpoint'];

/**
 * Renders an events page into ctx.main.
 *   heading, lede: text;
 *   filters: [{name, label, hint, type, options}] -- the API's query names;
 *   fetchPage(query, after): resolves {items, next} (next: the cursor, or null);
 *   showAccount: a column with the event's account.
 */
export function renderEvents(ctx, { heading, lede, filters, fetchPage, showAccount }) {
  const q = ctx.query;
  const query = {};
  for (const f of filters) if (q.get(f.name)) query[f.name] = q.get(f.name);
  const form = h('form', { class: 'form filters inline', role: 'search', novalidate: true, 'aria-label': 'Filter the events' },
    filters.map((f) => field({ ...f, value: q.get(f.name) || '' })),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'secondary' }, 'Show'),
      Object.keys(query).length ? h('a', { href: location.pathname, class: 'button secondary' }, 'Clear') : null));
  form.addEventListener('submit', (e) => { e.preventDefault(); ctx.setQuery(readForm(form)); });
  const columns = [
    { label: 'Time', cell: (x) => tsText(x.time) },
    { label: 'Event', cell: (x) => badge(x.type, 'type') },
    { label: 'Object', cell: (x) => [x.object_type, ' ', h('code', {}, x.object_id)] },
    showAccount ? { label: 'Account', cell: (x) => (x.account ? h('code', {}, x.account) : h('span', { class: 'hint' }, 'operator')) } : null,
    { label: 'Actor', cell: (x) => actorText(x.actor) },
    { label: 'What changed', cell: (x) => changes(x.data) },
    { label: 'Request', cell: (x) => (x.request_id ? h('code', { class: 'hint' }, x.request_id) : '—') },
  ].filter(Boolean);
  const tbody = h('tbody', {});
  const wrap = h('div', { class: 'table-wrap', hidden: true },
    h('table', { class: 'data', id: 'events-table' },
      h('caption', {}, 'Events, oldest first'),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)))),
      tbody));
  // a div: it may hold a failure's note (ctx.failure), and stays the one
  // element every later load updates
  const status = h('div', { class: 'loading', 'aria-live': 'polite' }, 'Loading…');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  add(ctx.main, pageHead(heading), h('p', { class: 'lede' }, lede), form, status, wrap, h('div', { class: 'actions' }, more));

  let next = null;
  const load = async (after) => {
    more.disabled = true;
    let r;
    try {
      r = await fetchPage(query, after);
    } catch (err) {
      more.disabled = false;
      if (!ctx.current()) return;
      if (err.status === 400) {
        // a filter the API refused: its message names the parameter
        // ("invalid actor: ... account:MA..." is the actor's, not the
        // account's: the name it starts with first)
        const lead = /^invalid ([a-z_]+)/.exec(err.message || '');
        const f = (lead && filters.find((x) => x.name === lead[1]))
          || filters.find((x) => new RegExp(`\\b${x.name}\\b`).test(err.message));
        replace(status, `The filter was refused: ${err.message}`, f ? ` (${f.label})` : '');
        status.className = 'note note-error';
      } else {
        // in the status element itself: replacing it left every later
        // load updating a detached one (a helper's audit, session 38)
        status.className = '';
        replace(status, ctx.failure(err, 'Cannot list the events'));
      }
      return;
    }
    if (!ctx.current()) return;
    for (const x of r.items) {
      tbody.append(h('tr', { dataset: { event: String(x.id), type: x.type } },
        columns.map((c) => h('td', { dataset: { label: c.label } }, c.cell(x)))));
    }
    next = r.next;
    more.hidden = next === null;
    more.disabled = false;
    const n = tbody.rows.length;
    wrap.hidden = n === 0;
    status.className = n ? 'hint' : 'empty';
    replace(status, n ? `${fmtInt(n)} event${n === 1 ? '' : 's'} shown${next === null ? '' : ', more to load'}.`
      : (Object.keys(query).length ? 'No event matches.' : 'No events yet.'));
    if (after && r.items.length) {
      const first = tbody.querySelector(`tr[data-event="${r.items[0].id}"] td`);
      if (first) { first.tabIndex = -1; first.focus(); }
    }
  };
  more.addEventListener('click', () => load(next));
  load(null);
}

/** {kind, id} -> "account MA…", "admin", "api key 12". */
export function actorText(a) {
  if (!a) return '—';
  const kind = String(a.kind || '').replace('_', ' ');
  return a.id && a.id !== a.kind ? [kind, ' ', h('code', {}, a.id)] : kind;
}

/** The data's before/after, one line per field: "alias: a → b". */
function changes(data) {
  if (!data || typeof data !== 'object') return '—';
  const before = data.before && typeof data.before === 'object' ? data.before : {};
  const after = data.after && typeof data.after === 'object' ? data.after : {};
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const other = Object.keys(data).filter((k) => k !== 'before' && k !== 'after');
  if (!keys.length && !other.length) return '—';
  const v = (x) => (x === undefined ? '∅' : typeof x === 'string' ? x
    : Array.isArray(x) && x.every((y) => typeof y === 'string') ? x.join(', ') : JSON.stringify(x));
  return h('ul', { class: 'plain changes' },
    keys.map((k) => h('li', {}, h('span', { class: 'hint' }, `${k}: `),
      // a field being set (before absent or null) shows its new value only
      k in after && (before[k] === undefined || before[k] === null) ? v(after[k])
        : k in after ? `${v(before[k])} → ${v(after[k])}` : `${v(before[k])} (removed)`)),
    other.map((k) => h('li', {}, h('span', { class: 'hint' }, `${k}: `), v(data[k]))));
}
