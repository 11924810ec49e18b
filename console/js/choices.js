// choices.js -- what a form offers to pick: the account's applications and
// subaccounts (a few pages of each, never the numbers), and the fixed
// value lists of API.md.

import { plivoAll } from './api.js';
import { h } from './dom.js';

export const NUMBER_TYPES = ['local', 'mobile', 'tollfree', 'national', 'fixed'];
export const SERVICES = ['voice', 'sms', 'mms'];
export const METHODS = [['POST', 'POST'], ['GET', 'GET']];

/** "14155550100" -> "+14155550100" (the Plivo dialect shows digits only). */
export const e164 = (n) => (n && !String(n).startsWith('+') ? `+${n}` : String(n || ''));

/** [[app_id, app_name]...] of the account's applications (up to cap). */
export async function applications(cap = 200) {
  const { items, more } = await plivoAll('Application/', {}, cap);
  return { options: items.map((a) => [a.app_id, `${a.app_name}${a.default_number_app ? ' (default)' : ''}`]), items, more };
}

/** [[auth_id, name]...] of the account's subaccounts (up to cap). */
export async function subaccounts(cap = 200) {
  const { items, more } = await plivoAll('Subaccount/', {}, cap);
  return { options: items.map((s) => [s.auth_id, `${s.name} (${s.auth_id})`]), items, more };
}

/**
 * Fills a select with choices once they arrive, keeping what it already
 * holds: a form opens with the current value as its own option (selected),
 * so that saving before the list has loaded -- or when the list fails, or
 * when the current value is not among the caller's choices (a subaccount
 * editing a number its parent linked to the parent's application), or is
 * beyond the list's cap -- sends the value unchanged, never an empty one
 * that would unlink it.  An option already there gets the friendlier text.
 */
export async function fillChoices(sel, promise, current) {
  const { options } = await promise;
  const have = new Map([...sel.options].map((o) => [o.value, o]));
  for (const [v, t] of options) {
    const o = have.get(v);
    if (o) { if (v !== '') o.textContent = t; continue; }
    sel.append(h('option', { value: v, selected: v === current }, t));
  }
}

/** The options a select starts with: the empty choice, and the current value when there is one. */
export const startOptions = (empty, current) => [['', empty], ...(current ? [[current, current]] : [])];
