// chart.js -- a horizontal stacked bar chart in SVG, built element by
// element (no library, no markup strings).  Colours come from app.css
// (.seg-<key>), so the chart follows the page's theme; every segment has a
// <title> (a tooltip, and read by screen readers), and the caller shows
// the same figures as a table too.

import { svg, h, fmtInt } from './dom.js';

/**
 * rows: [{label, parts: {key: n}}], keys: the stacking order,
 * names: {key: legend text}.  Returns an <svg>.
 */
export function stackedBars({ title, rows, keys, names = {} }) {
  const W = 720;
  const labelW = 150;
  const valueW = 80;
  const barH = 20;
  const gap = 10;
  const top = 34; // room for the legend
  const H = top + rows.length * (barH + gap) + 4;
  const max = Math.max(1, ...rows.map((r) => keys.reduce((s, k) => s + (r.parts[k] || 0), 0)));
  const scale = (W - labelW - valueW) / max;
  const titleId = `chart-${Math.random().toString(36).slice(2)}`;

  const legend = keys.map((k, i) => svg('g', { transform: `translate(${labelW + i * 130},6)` },
    svg('rect', { width: 14, height: 14, class: `seg seg-${k}` }),
    svg('text', { x: 20, y: 12, class: 'chart-legend' }, names[k] || k)));

  const bars = rows.map((r, i) => {
    const y = top + i * (barH + gap);
    let x = labelW;
    const total = keys.reduce((s, k) => s + (r.parts[k] || 0), 0);
    const segs = keys.filter((k) => r.parts[k]).map((k) => {
      const w = Math.max(1, r.parts[k] * scale);
      const rect = svg('rect', { x: x.toFixed(1), y, width: w.toFixed(1), height: barH, class: `seg seg-${k}` },
        svg('title', {}, `${r.label}, ${names[k] || k}: ${fmtInt(r.parts[k])}`));
      x += w;
      return rect;
    });
    return svg('g', { class: 'bar' },
      svg('text', { x: labelW - 8, y: y + barH / 2 + 5, 'text-anchor': 'end', class: 'chart-label' }, r.label),
      segs,
      svg('text', { x: x + 6, y: y + barH / 2 + 5, class: 'chart-value' }, fmtInt(total)));
  });

  return svg('svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-labelledby': titleId, preserveAspectRatio: 'xMinYMin meet',
  }, svg('title', { id: titleId }, title), legend, bars);
}

/** The same figures as a table (for screen readers, and to copy). */
export function figuresTable({ caption, rows, keys, names = {} }) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data compact' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), keys.map((k) => h('th', { scope: 'col', class: 'money' }, names[k] || k)),
      h('th', { scope: 'col', class: 'money' }, 'total'))),
    h('tbody', {}, rows.map((r) => h('tr', {},
      h('th', { scope: 'row' }, r.label),
      keys.map((k) => h('td', { class: 'money', dataset: { label: names[k] || k } }, fmtInt(r.parts[k] || 0))),
      h('td', { class: 'money', dataset: { label: 'total' } }, fmtInt(keys.reduce((s, k) => s + (r.parts[k] || 0), 0))))))));
}
