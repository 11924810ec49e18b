// page-upstream.js -- the operator's upstream carriers (GET
// /admin/v1/carriers, SIP.md §1): the carriers the inventory's numbers
// come from, with their gateways and outbound credentials (never the
// password), a page at a time; an unused one can be deleted (confirmed
// first; the API refuses while inventory numbers name it).  They are
// created and changed with the admin API or `numberd carrier` (the page
// says so).

import { h, add, table, pager, pageHead, note, badge, confirmDialog, announce, replace, fmtInt } from './dom.js';
import { admin, describe } from './api.js';
import { tsText } from './live.js';

export const title = 'Upstream carriers';

const LIMIT = 20;

export function render(ctx) {
  const list = h('section', { class: 'results' }, h('p', { class: 'loading' }, 'Loading…'));
  add(ctx.main, pageHead('Upstream carriers'),
    h('p', { class: 'lede' }, 'The carriers your inventory comes from: calls from their inbound gateways are accepted for the numbers that name them, and calls out go to their outbound gateways.'),
    note('info', 'Create and change them with the admin API (POST and PATCH /admin/v1/carriers) or numberd carrier add / update; an inventory import also creates the carriers its rows name, without gateways.'),
    list);
  load(ctx, list, Number(ctx.query.get('offset') || 0));
}

async function load(ctx, list, offset) {
  let r;
  try {
    r = await admin.get('/carriers', { limit: LIMIT, offset });
  } catch (err) {
    if (ctx.current()) replace(list, ctx.failure(err, 'Cannot list the upstream carriers'));
    return;
  }
  if (!ctx.current()) return;
  if (!r.data.length && ctx.pastEnd('offset', r.offset, r.total, r.limit)) return;
  replace(list,
    h('p', {}, `${fmtInt(r.total)} upstream carrier${r.total === 1 ? '' : 's'}.`),
    table({
      caption: 'Upstream carriers',
      rows: r.data,
      empty: 'No upstream carriers yet.',
      rowAttrs: (x) => ({ dataset: { upstream: x.name } }),
      columns: [
        { label: 'Name', cell: (x) => [x.name, h('br', {}), h('code', { class: 'hint' }, x.id)] },
        { label: 'Gateways', cell: (x) => (x.sip_gateways.length
          ? h('ul', { class: 'plain' }, x.sip_gateways.map((g) => h('li', {}, `${g.address} port ${g.port} `,
            badge([g.inbound ? 'in' : null, g.outbound ? 'out' : null].filter(Boolean).join(' + '), 'type'))))
          : h('span', { class: 'hint' }, 'none yet')) },
        { label: 'Outbound credentials', cell: (x) => (x.outbound_auth ? `${x.outbound_auth.username}${x.outbound_auth.realm ? `@${x.outbound_auth.realm}` : ''}` : '—') },
        { label: 'Changed', cell: (x) => tsText(x.updated_at) },
        {
          label: 'Actions',
          cell: (x) => h('button', { type: 'button', class: 'danger small', 'aria-label': `Delete ${x.name}`, onclick: () => remove(ctx, x) }, 'Delete'),
        },
      ],
    }),
    r.data.length ? pager({ offset: r.offset, limit: r.limit, total: r.total, count: r.data.length,
      onPage: (o) => ctx.setQuery({ offset: o }) }) : null);
}

async function remove(ctx, x) {
  const ok = await confirmDialog({
    title: `Delete ${x.name}?`,
    body: ['Calls from its gateways will no longer be accepted. The API refuses while inventory numbers name it. This cannot be undone.'],
    confirm: 'Delete carrier',
    danger: true,
  });
  if (!ok) return;
  try {
    await admin.del(`/carriers/${encodeURIComponent(x.id)}`);
    announce(`Deleted ${x.name}`);
    ctx.setQuery(Object.fromEntries(ctx.query));
  } catch (err) {
    announce(`Cannot delete ${x.name}: ${describe(err)}`, 'error');
  }
}
