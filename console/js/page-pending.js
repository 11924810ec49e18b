// page-pending.js -- numbers bought without an approved compliance record
// wait here for the operator.  The admin API counts them (inventory stats)
// and approves one by number (POST /admin/v1/numbers/{number}/approve); it
// has no list of them yet, so the page shows the counts and asks for the
// number instead of showing a list it cannot have.

import { h, add, field, readForm, showErrors, clearErrors, mentionedField, pageHead, note, announce, replace, table, fmtInt } from './dom.js';
import { admin } from './api.js';

export const title = 'Pending numbers';

export function render(ctx) {
  const counts = h('section', { class: 'panel', 'aria-labelledby': 'pending-h' });
  const form = h('form', { class: 'form inline', novalidate: true, 'aria-labelledby': 'approve-h' },
    field({ label: 'Number', name: 'number', inputmode: 'tel', spellcheck: 'false', hint: 'E.164, with or without +' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Approve')));
  const done = h('ul', { class: 'approved', 'aria-live': 'polite' });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const { number } = readForm(form);
    if (!number) {
      showErrors(form, { message: 'Enter the number to approve.', errors: [{ path: 'number', message: 'Enter the number to approve.' }] });
      return;
    }
    try {
      const r = await admin.post(`/numbers/${encodeURIComponent(number)}/approve`, {});
      clearErrors(form);
      form.reset();
      done.prepend(h('li', {}, `${r.number}: ${r.status}`));
      announce(`Approved ${r.number}: it is active now`);
      loadCounts(ctx, counts);
    } catch (err) {
      if (err.status === 404) err.message = 'No such number in the inventory.';
      if (err.status === 409) err.message = `${number} is not pending (${err.message}).`;
      showErrors(form, err, mentionedField(['number']));
    }
  });
  add(ctx.main, pageHead('Pending numbers'),
    h('p', { class: 'lede' }, 'A number with a restriction bought without an approved compliance record is pending: owned, but unusable until approved here.'),
    counts,
    h('section', { class: 'panel' }, h('h2', { id: 'approve-h' }, 'Approve a number'),
      note('info', 'The admin API cannot list pending numbers yet, only count them: enter the number the customer gives you.'),
      form, done));
  loadCounts(ctx, counts);
}

async function loadCounts(ctx, sec) {
  replace(sec, h('h2', { id: 'pending-h' }, 'Pending now'), h('p', { class: 'loading' }, 'Loading…'));
  let r;
  try {
    r = await admin.get('/inventory/stats');
  } catch (err) {
    sec.lastChild.replaceWith(ctx.failure(err, 'Cannot read the inventory figures'));
    return;
  }
  const rows = [];
  for (const [country, types] of Object.entries(r.counts)) {
    for (const [type, states] of Object.entries(types)) if (states.pending) rows.push({ country, type, n: states.pending });
  }
  rows.sort((a, b) => b.n - a.n);
  const sum = rows.reduce((s, x) => s + x.n, 0);
  sec.lastChild.replaceWith(h('div', { dataset: { pending: String(sum) } },
    h('p', {}, sum ? `${fmtInt(sum)} pending number${sum === 1 ? '' : 's'}.` : 'No number is pending.'),
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
