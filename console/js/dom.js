// dom.js -- building the page without markup strings.
//
// The console never turns a string into HTML: the server's Content-Security-
// Policy requires Trusted Types and allows no policy, so innerHTML and its
// kind throw.  Everything is built with h(), and text is always text, so a
// number's alias or a carrier's name can never become markup.

import { ApiError, describe } from './api.js';

let uid = 0;
/** A fresh id for label/aria wiring. */
export function newId(prefix = 'f') {
  uid += 1;
  return `${prefix}-${uid}`;
}

/**
 * h('button', {class: 'primary', onclick: fn, disabled: true}, 'Buy')
 * attrs: class, text, on<event> (a listener), dataset (object), and any
 * attribute (true: present, false/null/undefined: absent).  Children:
 * nodes, strings (as text), arrays (flattened), null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** The same for SVG elements. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value' && 'value' in el) el.value = String(v);
    else if (k === 'checked' && 'checked' in el) el.checked = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces el's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// ---- the status line (aria-live) ------------------------------------------------

/** Says msg in the page's status region (read out by screen readers). */
export function announce(msg, kind = 'info') {
  const el = document.getElementById('status');
  if (!el) return;
  el.className = `status ${kind}`;
  el.textContent = msg;
  clearTimeout(announce.timer);
  if (msg) announce.timer = setTimeout(() => { el.textContent = ''; el.className = 'status'; }, 8000);
}

// ---- forms ----------------------------------------------------------------------

/**
 * A labelled control with a hint and a slot for its error:
 * field({label, name, type, value, options: [[value, text]...], hint, ...attrs}).
 * type: text (default), password, number, email, url, date, textarea,
 * select, checkbox.  The control's name is the API's field (or JSON path:
 * "sip_gateway.port"), so an error's path finds its field.
 */
export function field(spec) {
  const { label, name, type = 'text', value, options, hint, wide, ...rest } = spec;
  const id = newId(name.replace(/[^A-Za-z0-9_-]/g, '_'));
  const hintId = hint ? `${id}-hint` : null;
  const errId = `${id}-error`;
  let control;
  const common = { id, name, 'aria-describedby': [hintId, errId].filter(Boolean).join(' '), ...rest };
  if (type === 'select') {
    control = h('select', common, (options || []).map(([v, t]) =>
      h('option', { value: v, selected: String(v) === String(value ?? '') }, t)));
  } else if (type === 'textarea') {
    control = h('textarea', { ...common, rows: rest.rows || 3 });
    control.value = value ?? '';
  } else if (type === 'checkbox') {
    control = h('input', { ...common, type: 'checkbox', value: 'true', checked: Boolean(value) });
  } else {
    control = h('input', { ...common, type, value: value ?? '' });
  }
  const err = h('p', { class: 'field-error', id: errId, hidden: true });
  const hintEl = hint ? h('p', { class: 'hint', id: hintId }, hint) : null;
  if (type === 'checkbox') {
    return h('div', { class: `field check${wide ? ' wide' : ''}`, dataset: { field: name } },
      control, h('label', { for: id }, label), hintEl, err);
  }
  return h('div', { class: `field${wide ? ' wide' : ''}`, dataset: { field: name } },
    h('label', { for: id }, label), control, hintEl, err);
}

/** A group of fields under a legend; path names the group for errors about it as a whole. */
export function group(legend, path, ...fields) {
  const errId = newId('g');
  return h('fieldset', { class: 'group', dataset: path ? { path } : undefined },
    h('legend', {}, legend), h('p', { class: 'field-error', id: errId, hidden: true }), h('div', { class: 'fields' }, fields));
}

/**
 * The form's values by name: text as typed (trimmed; empty omitted unless
 * keepEmpty lists it), checkboxes as booleans, disabled or hidden controls
 * left out.
 */
export function readForm(form, { keepEmpty = [] } = {}) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled || el.closest('[hidden]')) continue;
    if (el.type === 'checkbox') {
      out[el.name] = el.checked;
    } else if (el.type === 'radio') {
      if (el.checked) out[el.name] = el.value;
    } else if (el.tagName !== 'BUTTON' && el.tagName !== 'FIELDSET') {
      const v = el.type === 'password' ? el.value : el.value.trim();
      if (v !== '' || keepEmpty.includes(el.name)) out[el.name] = v;
    }
  }
  return out;
}

/**
 * form's submit handler, once at a time: a second submit while fn runs
 * (a double click, Enter pressed twice) is ignored, and the form's submit
 * buttons are disabled (aria-busy) until it ends.  Before, a double click
 * on "Create account" made two accounts and showed only the second's
 * one-time secrets (a helper's audit, session 38).
 */
export function onSubmit(form, fn) {
  let busy = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    busy = true;
    const buttons = [...form.querySelectorAll('button[type=submit]')].filter((b) => !b.disabled);
    for (const b of buttons) { b.disabled = true; b.setAttribute('aria-busy', 'true'); }
    try {
      await fn(e);
    } finally {
      busy = false;
      for (const b of buttons) { b.disabled = false; b.removeAttribute('aria-busy'); }
    }
  });
}

/**
 * What a fault says (api.js's describe), and on a 401 a way back to
 * sign-in: the words of a failed page (app.js's ctx.failure) and of a
 * failed form (showErrors) alike.
 */
export function faultText(err) {
  return [describe(err), err && err.status === 401 ? [' ', h('a', { href: '/console/signin' }, 'Sign in again')] : null];
}

/** Removes every error shown on form. */
export function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error')) { el.hidden = true; el.textContent = ''; }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const sum = form.querySelector('.error-summary');
  if (sum) sum.remove();
}

/**
 * Shows an API error on form: each {path, message} of err.errors next to
 * the control named path (or the group of that path, or of its parent
 * path), the rest, and err.message, in a summary at the top of the form.
 * Focus goes to the summary, which links to each field.
 * fieldOf(message) may name a field for an error without a path (the Plivo
 * dialect names the parameter in its message).
 */
export function showErrors(form, err, fieldOf) {
  clearErrors(form);
  // Not a mistake in the form: the server could not be reached, refused
  // the credentials, throttled, or failed.  Said as such, with the
  // request id, when to retry, or a way back to sign-in, and no field
  // marked (a 503 read "There is a problem: the database is unavailable"
  // like a wrong value: a helper's audit, session 38).
  if (err instanceof ApiError && (err.status === 0 || err.status === 401 || err.status === 429 || err.status >= 500)) {
    const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1' },
      h('p', { class: 'summary-title' }, 'numberd could not do this (nothing in the form is wrong):'),
      h('p', {}, faultText(err)));
    form.prepend(summary);
    summary.focus();
    return null;
  }
  const faults = err.errors && err.errors.length ? err.errors
    : [{ path: fieldOf ? fieldOf(err.message) : null, message: err.message }];
  const items = [];
  let first = null;
  for (const f of faults) {
    const target = f.path ? findTarget(form, f.path) : null;
    if (target) {
      const slot = target.errorEl;
      slot.hidden = false;
      slot.textContent = slot.textContent ? `${slot.textContent}; ${f.message}` : f.message;
      if (target.control) target.control.setAttribute('aria-invalid', 'true');
      first = first || target.control || target.group;
      items.push(h('li', {}, target.control
        ? h('a', { href: `#${target.control.id}`, onclick: (e) => { e.preventDefault(); target.control.focus(); } },
          `${labelOf(target.control)}: ${f.message}`)
        : `${f.path}: ${f.message}`));
    } else {
      items.push(h('li', {}, f.path ? `${f.path}: ${f.message}` : f.message));
    }
  }
  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1' },
    h('p', { class: 'summary-title' }, faults.length > 1 ? `${faults.length} problems:` : 'There is a problem:'),
    h('ul', {}, items));
  form.prepend(summary);
  summary.focus();
  return first;
}

function findTarget(form, path) {
  const esc = (s) => (window.CSS && CSS.escape ? CSS.escape(s) : s.replace(/"/g, '\\"'));
  // the control itself (for a radio group, its first button)
  const control = form.querySelector(`[name="${esc(path)}"]`);
  if (control && control.type !== 'radio' && !control.closest('[hidden]')) {
    const wrap = control.closest('.field') || control.closest('fieldset');
    const errorEl = wrap && wrap.querySelector('.field-error');
    if (errorEl) return { control, errorEl };
  }
  // a group for the path or one of its parents ("registration" for "registration.x")
  for (let p = path; p; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
    const g = form.querySelector(`fieldset[data-path="${esc(p)}"]`);
    if (g && !g.closest('[hidden]')) return { group: g, errorEl: g.querySelector('.field-error') };
  }
  return null;
}

function labelOf(control) {
  const l = control.labels && control.labels[0];
  return l ? l.textContent : control.name;
}

/**
 * For a Plivo error, which has no path: the first of names that the
 * message mentions as a word ("invalid ip_set entry: ..." -> ip_set).
 */
export function mentionedField(names) {
  return (message) => {
    for (const n of names) {
      if (new RegExp(`(^|[^A-Za-z0-9_])${n.replace(/[.]/g, '\\.')}($|[^A-Za-z0-9_])`).test(message || '')) return n;
    }
    return null;
  };
}

// ---- dialogs --------------------------------------------------------------------

/**
 * A modal dialog (the native <dialog>: focus is kept inside, Escape
 * closes).  content is a node or nodes; returns {dialog, close}.
 * onClose runs once when it closes, however it closes.  The focus goes
 * back to the element that opened it, else to returnFocus() (an element,
 * or null), else to the page's heading.
 */
export function openDialog(title, content, { onClose, wide, returnFocus } = {}) {
  const titleId = newId('dlg');
  const closeBtn = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close' }, '×');
  const dlg = h('dialog', { class: `dialog${wide ? ' wide' : ''}`, 'aria-labelledby': titleId },
    h('div', { class: 'dialog-head' }, h('h2', { id: titleId }, title), closeBtn),
    h('div', { class: 'dialog-body' }, content));
  const opener = document.activeElement;
  const close = () => { if (dlg.open) dlg.close(); };
  closeBtn.addEventListener('click', close);
  dlg.addEventListener('close', () => {
    dlg.remove();
    if (onClose) onClose();
    // back to what opened it; if that is gone (a bought number's row, a
    // list redrawn), to returnFocus() or the page's heading -- never to
    // <body>, where a keyboard user starts over (a helper's audit, session 38)
    if (opener && opener.isConnected && opener !== document.body && typeof opener.focus === 'function') {
      opener.focus();
      return;
    }
    const next = (returnFocus && returnFocus()) || document.querySelector('#main h1');
    if (next && next.isConnected) next.focus();
  });
  document.body.append(dlg);
  dlg.showModal();
  return { dialog: dlg, close };
}

/** Asks a yes/no question; resolves true only on the confirm button. */
export function confirmDialog({ title, body, confirm, danger = false }) {
  return new Promise((resolve) => {
    let answer = false;
    const yes = h('button', { type: 'button', class: danger ? 'danger' : 'primary' }, confirm);
    const no = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const { close } = openDialog(title, [
      ...[].concat(body).map((b) => (typeof b === 'string' ? h('p', {}, b) : b)),
      h('div', { class: 'actions' }, no, yes),
    ], { onClose: () => resolve(answer) });
    yes.addEventListener('click', () => { answer = true; close(); });
    no.addEventListener('click', close);
    no.focus(); // the safe choice has the focus
  });
}

/** A secret shown once, with a copy button. */
export function secretRow(label, value) {
  const id = newId('secret');
  const copy = h('button', {
    type: 'button', class: 'secondary small',
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(value);
        announce(`${label} copied`);
      } catch {
        announce('Copying is not allowed here: select the text and copy it', 'error');
      }
    },
  }, 'Copy');
  return h('div', { class: 'secret' },
    h('span', { class: 'secret-label', id }, label),
    h('code', { 'aria-labelledby': id, dataset: { secret: label } }, value), copy);
}

// ---- tables and paging --------------------------------------------------------------

/**
 * A table: columns [{label, cell: (row) => node|string, cls}], one row
 * per item.  On narrow screens each row becomes a card whose cells are
 * labelled by their column (data-label, shown by app.css).
 */
export function table({ caption, columns, rows, empty = 'Nothing here yet.', rowAttrs }) {
  if (!rows.length) return h('p', { class: 'empty' }, empty);
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'data' },
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.cls }, c.label)))),
      h('tbody', {}, rows.map((r) => h('tr', rowAttrs ? rowAttrs(r) : {},
        columns.map((c) => h('td', { class: c.cls, dataset: { label: c.label } }, c.cell(r))))))));
}

/**
 * Previous / next for a list of total items shown limit at a time from
 * offset; onPage(newOffset).  total may be a lower bound (search counts
 * stop at 1,000): then totalText says so.
 */
export function pager({ offset, limit, total, count, onPage, totalText }) {
  const from = count ? offset + 1 : 0;
  const to = offset + count;
  const prev = h('button', { type: 'button', class: 'secondary', disabled: offset <= 0, onclick: () => onPage(Math.max(0, offset - limit)) }, '← Previous');
  const next = h('button', { type: 'button', class: 'secondary', disabled: to >= total, onclick: () => onPage(offset + limit) }, 'Next →');
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    prev, h('span', { class: 'pager-text' }, count ? `${fmtInt(from)}–${fmtInt(to)} of ${totalText || fmtInt(total)}` : 'none'), next);
}

export function fmtInt(n) {
  return Number(n).toLocaleString('en-US');
}

/** A state badge: active, pending, ... */
export function badge(text, kind = text) {
  return h('span', { class: `badge badge-${String(kind).toLowerCase().replace(/[^a-z0-9_-]/g, '')}` }, text);
}

/** A page heading that receives the focus after navigation. */
export function pageHead(title, ...rest) {
  return h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, title), rest);
}

/** A note box: kind info | warn | error. */
export function note(kind, ...children) {
  return h('div', { class: `note note-${kind}`, role: kind === 'error' ? 'alert' : null }, children);
}

/**
 * A radio group: radios(legend, name, [[value, label, hint]...], value,
 * onchange).  Errors about name show under its legend.
 */
export function radios(legend, name, options, value, onchange) {
  const errId = newId('r');
  return h('fieldset', { class: 'group choice', dataset: { path: name } },
    h('legend', {}, legend), h('p', { class: 'field-error', id: errId, hidden: true }),
    options.map(([v, label, hint]) => {
      const id = newId(`${name}-${v}`);
      return h('div', { class: 'radio' },
        h('input', { type: 'radio', name, id, value: v, checked: v === value, onchange, 'aria-describedby': errId }),
        h('label', { for: id }, h('strong', {}, label), hint ? h('span', { class: 'hint' }, ` — ${hint}`) : null));
    }));
}

/** Appends children to el, skipping null/false (el.append would write "null"). */
export function add(el, ...children) {
  return append(el, children);
}
