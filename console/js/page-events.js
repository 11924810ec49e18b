// page-events.js -- the customer's own account's events (issue 18's audit
// API): what was bought, changed, released, created or deleted, by whom
// (the account, a subaccount, an API key, the operator) and what changed.
// Through the BYOC dialect when the tab has an API key
// (GET /v1/phone-numbers/events), else the Plivo one
// (GET /v1/Account/{auth_id}/Event/); the same events either way.

import { plivo, byoc } from './api.js';
import { renderEvents, OBJECT_TYPES } from './eventlist.js';
import * as session from './session.js';

export const title = 'Events';

export function render(ctx) {
  const viaByoc = session.hasByoc(ctx.session);
  renderEvents(ctx, {
    heading: 'Events',
    lede: 'Every change to your account\'s numbers, carriers, applications, subaccounts and credentials, oldest first, with who made it. Secrets never appear here.',
    filters: [
      { name: 'type', label: 'Event type', hint: 'e.g. number.bought, carrier.updated', spellcheck: 'false', autocomplete: 'off' },
      { name: 'object_type', label: 'Object type', type: 'select', options: [['', 'Any'], ...OBJECT_TYPES.map((t) => [t, t])] },
      { name: 'object_id', label: 'Object', hint: 'a number, a carrier id, …', spellcheck: 'false', autocomplete: 'off' },
      { name: 'since', label: 'Since', type: 'date', hint: 'UTC day; the list starts there' },
    ],
    fetchPage: async (query, after) => {
      if (viaByoc) {
        const r = await byoc.get('/events', { ...query, after });
        return { items: r.data, next: r.next_after ?? null };
      }
      const r = await plivo.get('Event/', { ...query, after });
      return { items: r.objects, next: r.meta.next_after ?? null };
    },
  });
}
