// choices.js -- what a form offers to pick: the account's applications and
// subaccounts (a few pages of each, never the numbers), and the fixed
// value lists of API.md.

import { plivoAll } from './api.js';

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
