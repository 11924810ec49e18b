// page-inventory.js -- the operator's inventory: upload a CSV (POST
// /admin/v1/inventory, streamed by the server as it arrives) with a
// progress bar and the rejected rows listed; and the inventory by
// country, type and state (GET /admin/v1/inventory/stats) as a chart.

import { h, add, field, readForm, pageHead, note, announce, replace, table, fmtInt, onSubmit } from './dom.js';
import { admin, uploadInventory, describe } from './api.js';
import { stackedBars, figuresTable } from './chart.js';

export const title = 'Inventory';

const STATES = ['available', 'active', 'pending', 'aging'];
const MAX_BARS = 25;

export function render(ctx) {
  const stats = h('section', { class: 'panel', 'aria-labelledby': 'stats-h' });
  add(ctx.main, pageHead('Inventory'), uploadPanel(() => loadStats(ctx, stats)), stats);
  loadStats(ctx, stats);
}

// ---- upload --------------------------------------------------------------------------

function uploadPanel(onDone) {
  const fileField = field({ label: 'CSV file', name: 'file', type: 'file', accept: '.csv,text/csv', wide: true, hint: 'a header row naming the columns (number, country_iso, type required); see numberd inventory --help' });
  const progress = h('progress', { max: 100, value: 0, id: 'upload-progress', 'aria-describedby': 'upload-text' });
  const progressText = h('p', { id: 'upload-text', class: 'progress-text', 'aria-live': 'polite' }, '');
  const progressBox = h('div', { class: 'progress-box', hidden: true },
    h('label', { for: 'upload-progress' }, 'Upload'), progress, progressText);
  const result = h('div', { class: 'upload-result' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Upload and import');
  const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'upload-h' },
    h('div', { class: 'fields' }, fileField,
      field({ label: 'Dry run: check every row, import nothing', name: 'dry_run', type: 'checkbox', value: false })),
    h('div', { class: 'actions' }, submit), progressBox);

  onSubmit(form, async (e) => {
    const input = fileField.querySelector('input');
    const file = input.files && input.files[0];
    const errEl = fileField.querySelector('.field-error');
    errEl.hidden = true;
    input.removeAttribute('aria-invalid');
    if (!file) {
      errEl.textContent = 'Choose a CSV file first.';
      errEl.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    const { dry_run: dryRun } = readForm(form);
    submit.disabled = true;
    replace(result);
    progressBox.hidden = false;
    progress.value = 0;
    progress.max = 100;
    const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
    progressText.textContent = `Sending ${file.name} (${mb(file.size)})…`;
    const t0 = performance.now();
    try {
      const r = await uploadInventory(file, {
        dryRun,
        onProgress: (loaded, total) => {
          const pct = total ? Math.floor((loaded / total) * 100) : 0;
          progress.value = pct;
          progressText.textContent = `${mb(loaded)} of ${mb(total)} sent (${pct} %)`;
        },
        onSent: () => {
          progress.value = 100;
          progressText.textContent = `${mb(file.size)} sent; numberd is finishing the import…`;
        },
      });
      progress.value = 100;
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      progressText.textContent = `Done in ${secs} s.`;
      showResult(result, r);
      announce(r.dry_run ? `Checked: ${fmtInt(r.imported)} rows would be imported` : `Imported ${fmtInt(r.imported)} numbers`);
      if (!r.dry_run) onDone();
    } catch (err) {
      progressText.textContent = 'Failed.';
      replace(result, note('error', `The import failed: ${describe(err)}`));
    } finally {
      submit.disabled = false;
    }
  });
  return h('section', { class: 'panel' }, h('h2', { id: 'upload-h' }, 'Upload inventory'),
    h('p', {}, 'Rows are imported as the file arrives; a number already in the inventory is updated unless it is sold or aging. Bad rows are refused one by one and listed below; the others go in.'),
    form, result);
}

function showResult(el, r) {
  const summary = h('dl', { class: 'facts wide', dataset: { result: 'import' } },
    h('dt', {}, r.dry_run ? 'Would be imported' : 'Imported'), h('dd', { dataset: { k: 'imported' } }, fmtInt(r.imported)),
    h('dt', {}, r.dry_run ? 'Would be updated' : 'Updated'), h('dd', { dataset: { k: 'updated' } }, fmtInt(r.updated)),
    h('dt', {}, 'Rejected'), h('dd', { dataset: { k: 'rejected' } }, fmtInt(r.rejected_count)));
  replace(el,
    h('h3', {}, r.dry_run ? 'Dry run: nothing was imported' : 'Import finished'),
    summary,
    r.rejected_count
      ? [
        r.rejected.length < r.rejected_count ? note('info', `The first ${fmtInt(r.rejected.length)} of ${fmtInt(r.rejected_count)} rejected rows:`) : null,
        table({
          caption: 'Rejected rows',
          rows: r.rejected,
          columns: [
            { label: 'Line', cell: (x) => String(x.line), cls: 'num-col' },
            { label: 'Why', cell: (x) => x.error },
          ],
        }),
      ]
      : h('p', {}, 'No row was rejected.'));
}

// ---- the chart -------------------------------------------------------------------------

async function loadStats(ctx, sec) {
  const by = ctx.query.get('by') || 'country';
  replace(sec, h('h2', { id: 'stats-h' }, 'Inventory by country, type and state'), h('p', { class: 'loading' }, 'Loading…'));
  let r;
  try {
    r = await admin.get('/inventory/stats');
  } catch (err) {
    sec.lastChild.replaceWith(ctx.failure(err, 'Cannot read the inventory figures'));
    return;
  }
  const groups = new Map();
  for (const [country, types] of Object.entries(r.counts)) {
    for (const [type, states] of Object.entries(types)) {
      const label = by === 'type' ? type : by === 'country_type' ? `${country} ${type}` : country;
      const g = groups.get(label) || { label, parts: {} };
      for (const [state, n] of Object.entries(states)) g.parts[state] = (g.parts[state] || 0) + n;
      groups.set(label, g);
    }
  }
  const keys = [...STATES, ...new Set([...groups.values()].flatMap((g) => Object.keys(g.parts)).filter((k) => !STATES.includes(k)))];
  const total = (g) => Object.values(g.parts).reduce((a, b) => a + b, 0);
  const rows = [...groups.values()].sort((a, b) => total(b) - total(a) || a.label.localeCompare(b.label));
  const shown = rows.slice(0, MAX_BARS);
  const select = field({
    label: 'Bars by', name: 'by', type: 'select', value: by,
    options: [['country', 'country'], ['country_type', 'country and type'], ['type', 'type']],
  });
  select.querySelector('select').addEventListener('change', (e) => ctx.setQuery({ by: e.target.value }));
  sec.lastChild.replaceWith(h('div', {},
    h('p', {}, `${fmtInt(r.total)} numbers in all.`),
    h('div', { class: 'form inline' }, select),
    rows.length
      ? [
        stackedBars({ title: `Inventory by ${by.replace('_', ' and ')} and state`, rows: shown, keys }),
        rows.length > shown.length ? h('p', { class: 'hint' }, `The ${MAX_BARS} largest of ${rows.length}; the table has them all.`) : null,
        h('details', {}, h('summary', {}, 'The figures as a table'), figuresTable({ caption: 'Numbers by state', rows, keys })),
      ]
      : h('p', { class: 'empty' }, 'The inventory is empty: upload a CSV above.')));
}
