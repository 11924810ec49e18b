// session.js -- who is signed in, kept in this tab's sessionStorage only.
//
// sessionStorage lives as long as the tab and is never sent anywhere by
// the browser (unlike a cookie); closing the tab or signing out forgets
// the credentials.  Nothing is kept in localStorage or in cookies.
//
// A session is one of:
//   {kind: 'account', authId, authToken, apiKey?}  Plivo Basic (+ BYOC key)
//   {kind: 'apikey', apiKey}                       BYOC only
//   {kind: 'admin', token}                         the operator's admin token

const KEY = 'numberd.console.session';

export function load() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    return s && typeof s === 'object' && ['account', 'apikey', 'admin'].includes(s.kind) ? s : null;
  } catch {
    return null;
  }
}

export function save(s) {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

/** Signs out: forgets every credential of this tab. */
export function clear() {
  sessionStorage.removeItem(KEY);
}

/** Plivo-dialect calls are possible (auth_id + auth_token). */
export const hasPlivo = (s) => Boolean(s && s.kind === 'account');
/** BYOC-dialect calls are possible (an API key). */
export const hasByoc = (s) => Boolean(s && s.apiKey);
export const isAdmin = (s) => Boolean(s && s.kind === 'admin');
/** A subaccount (SA...): it cannot buy nor manage subaccounts. */
export const isSub = (s) => Boolean(s && s.kind === 'account' && s.authId.startsWith('SA'));
/** What to call the signed-in party. */
export function who(s) {
  if (!s) return '';
  if (s.kind === 'admin') return 'Operator';
  if (s.kind === 'apikey') return `API key ${s.apiKey.slice(0, 12)}…`;
  return s.authId;
}
