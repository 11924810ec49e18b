// page-admin-events.js -- the operator's view of the whole event log
// (GET /admin/v1/events): every account's events and the operator's own
// (imports, upstream carriers, registrations), filtered by account, actor,
// type and object.

import { admin } from './api.js';
import { renderEvents, OBJECT_TYPES } from './eventlist.js';

export const title = 'Events';

export function render(ctx) {
  renderEvents(ctx, {
    heading: 'Events',
    lede: 'The event log of every account and of the operator, oldest first: what changed, who changed it, and in which request.',
    showAccount: true,
    filters: [
      { name: 'account', label: 'Account', hint: 'an auth ID, or operator', spellcheck: 'false', autocomplete: 'off' },
      { name: 'actor', label: 'Actor', hint: 'admin, cli, system, account:MA…, api_key:ID', spellcheck: 'false', autocomplete: 'off' },
      { name: 'type', label: 'Event type', hint: 'e.g. number.activated', spellcheck: 'false', autocomplete: 'off' },
      { name: 'object_type', label: 'Object type', type: 'select', options: [['', 'Any'], ...OBJECT_TYPES.map((t) => [t, t])] },
      { name: 'object_id', label: 'Object', spellcheck: 'false', autocomplete: 'off' },
      { name: 'since', label: 'Since', type: 'date', hint: 'UTC day; the list starts there' },
    ],
    fetchPage: async (query, after) => {
      const r = await admin.get('/events', { ...query, after, limit: 50 });
      return { items: r.data, next: r.next_after ?? null };
    },
  });
}
