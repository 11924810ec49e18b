// app.js -- the console's shell: which pages exist, who may see them, the
// navigation bar, and moving between pages without reloading.
//
// Pages live at real paths under /console/ (the server answers index.html
// for each), so reload, bookmarks and the back button work.  A page module
// exports title and render(ctx); ctx.main is the element it fills.

import { h, replace, announce, note, faultText } from './dom.js';
import * as session from './session.js';
import * as signin from './page-signin.js';
import * as search from './page-search.js';
import * as numbers from './page-numbers.js';
import * as carriers from './page-carriers.js';
import * as applications from './page-applications.js';
import * as subaccounts from './page-subaccounts.js';
import * as accounts from './page-accounts.js';
import * as inventory from './page-inventory.js';
import * as pending from './page-pending.js';
import * as registrations from './page-registrations.js';
import * as upstream from './page-upstream.js';
import * as events from './page-events.js';
import * as adminEvents from './page-admin-events.js';

const BASE = '/console/';

// who: which sessions may open the page (also decides the navigation bar)
const PAGES = {
  signin: { page: signin, who: () => true },
  search: { page: search, who: session.hasPlivo, nav: 'Search & buy' },
  numbers: { page: numbers, who: (s) => session.hasPlivo(s) || session.hasByoc(s), nav: 'My numbers' },
  carriers: { page: carriers, who: (s) => session.hasPlivo(s) || session.hasByoc(s), nav: 'Carriers' },
  applications: { page: applications, who: session.hasPlivo, nav: 'Applications' },
  subaccounts: { page: subaccounts, who: (s) => session.hasPlivo(s) && !session.isSub(s), nav: 'Subaccounts' },
  events: { page: events, who: (s) => session.hasPlivo(s) || session.hasByoc(s), nav: 'Events' },
  'admin/accounts': { page: accounts, who: session.isAdmin, nav: 'Accounts' },
  'admin/inventory': { page: inventory, who: session.isAdmin, nav: 'Inventory' },
  'admin/pending': { page: pending, who: session.isAdmin, nav: 'Pending numbers' },
  'admin/upstream': { page: upstream, who: session.isAdmin, nav: 'Upstream carriers' },
  'admin/registrations': { page: registrations, who: session.isAdmin, nav: 'Registrations' },
  'admin/events': { page: adminEvents, who: session.isAdmin, nav: 'Events' },
};

/** The first page a session lands on. */
function home(s) {
  if (!s) return 'signin';
  if (session.isAdmin(s)) return 'admin/accounts';
  return 'numbers';
}

function currentKey() {
  const p = location.pathname;
  if (!p.startsWith(BASE)) return '';
  return p.slice(BASE.length).replace(/\/$/, '');
}

/** Goes to a console page: key ("numbers") and optional query object. */
export function navigate(key, query = {}, { replaceState = false } = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const url = BASE + key + (q.toString() ? `?${q}` : '');
  if (replaceState) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render(true);
}

export function signOut() {
  session.clear();
  navigate('signin', {}, { replaceState: true });
  announce('Signed out: this tab holds no credentials any more.');
}

function renderNav(s, key) {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  if (!s) {
    replace(nav);
    replace(who);
    return;
  }
  const links = Object.entries(PAGES).filter(([, p]) => p.nav && p.who(s)).map(([k, p]) =>
    h('li', {}, h('a', { href: BASE + k, 'aria-current': k === key ? 'page' : null }, p.nav)));
  replace(nav, h('ul', {}, links));
  replace(who, h('span', { class: 'who-name', title: 'Signed in as' }, session.who(s)),
    h('button', { type: 'button', class: 'secondary small', onclick: signOut }, 'Sign out'));
}

let renderSeq = 0;

/** Shows the page of the current URL; focus goes to its heading after a move. */
function render(moved) {
  const s = session.load();
  let key = currentKey();
  if (!key) {
    key = home(s);
    history.replaceState(null, '', BASE + key + location.search);
  }
  const entry = PAGES[key];
  const main = document.getElementById('main');
  if (!entry) {
    renderNav(s, key);
    replace(main, h('h1', { tabindex: '-1' }, 'No such page'),
      h('p', {}, h('a', { href: BASE }, 'Back to the console')));
    document.title = 'Not found · numberd';
    return;
  }
  if (key !== 'signin' && !s) {
    navigate('signin', { next: key }, { replaceState: true });
    return;
  }
  if (!entry.who(s)) {
    renderNav(s, key);
    replace(main, h('h1', { tabindex: '-1' }, entry.page.title),
      note('warn', `This page needs other credentials than the ones this tab signed in with. `,
        h('a', { href: `${BASE}signin` }, 'Sign in'), ' with the right kind, or go back to ',
        h('a', { href: BASE + home(s) }, 'your first page'), '.'));
    document.title = `${entry.page.title} · numberd`;
    return;
  }
  renderNav(s, key);
  document.title = `${entry.page.title} · numberd`;
  const seq = ++renderSeq;
  const ctx = {
    session: s,
    main,
    query: new URLSearchParams(location.search),
    navigate,
    /** true while this page is still the one shown (async loads check it) */
    current: () => seq === renderSeq,
    /** Replaces this page's query (filters, paging) and shows it again. */
    setQuery: (q) => navigate(key, q),
    /**
     * A page past the end of its list (its last row was deleted, or the
     * URL's offset is stale) while the list has rows: shows the last page
     * that has some instead (the query's param moved, replacing the
     * history entry) and returns true.  Before, an emptied last page read
     * "You have no numbers yet" with 20 left (a helper's audit, session 38).
     */
    pastEnd: (param, offset, total, limit) => {
      if (!(offset > 0 && total > 0 && offset >= total)) return false;
      if (seq !== renderSeq) return true; /* another page is shown meanwhile */
      const q = Object.fromEntries(new URLSearchParams(location.search));
      q[param] = Math.floor((total - 1) / limit) * limit;
      navigate(key, q, { replaceState: true });
      return true;
    },
    /** An error box for err, with a way back to sign-in on 401. */
    failure: (err, what) => note('error', what ? `${what}: ` : '', faultText(err)),
  };
  replace(main);
  entry.page.render(ctx);
  if (moved) {
    const h1 = main.querySelector('h1');
    if (h1) h1.focus();
  }
}

// Links inside the console move without a reload (plain clicks only: a
// middle click or ctrl-click still opens a new tab).
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(BASE)) return;
  e.preventDefault();
  history.pushState(null, '', url.pathname + url.search);
  render(true);
});
window.addEventListener('popstate', () => render(true));

render(false);
