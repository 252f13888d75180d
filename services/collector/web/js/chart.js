// One indicator over the stages of several academic years, drawn as inline SVG (no library),
// with the same figures in a table for screen readers and for copying.

import { h, svg } from './dom.js';
import { STAGES, STAGE_SHORT } from './labels.js';
import { formatNumber, formatPercent, yearLabel } from './format.js';

const W = 360;
const H = 190;
const PAD = { left: 34, right: 8, top: 12, bottom: 40 };

function niceMax(max) {
  if (max <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(max));
  for (const k of [1, 2, 2.5, 5, 10]) if (k * step >= max) return k * step;
  return 10 * step;
}

/*
 * points: [{year: "2024-2025", stage: "entry", value: number|null}] in time order.
 * unit: "percent" (values 0..100, as the API gives shares) or "count".
 * target: an optional value on the same scale, drawn as a dashed line.
 */
export function indicatorChart({ id, title, points, unit = 'percent', target = null, note = null }) {
  const isPercent = unit === 'percent';
  const show = (v) => (isPercent ? formatPercent(v) : formatNumber(v));
  const values = points.map((p) => p.value).filter((v) => v !== null && v !== undefined);
  const top = isPercent ? 100 : niceMax(Math.max(0, ...values, target ?? 0));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const n = Math.max(points.length, 1);
  const x = (i) => PAD.left + (plotW * (i + 0.5)) / n;
  const y = (v) => PAD.top + plotH * (1 - Math.min(v, top) / top);

  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = top * f;
    return svg('g', { class: 'chart__grid' },
      svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v) }),
      svg('text', { x: PAD.left - 4, y: y(v) + 3, 'text-anchor': 'end' },
        formatNumber(v)));
  });

  // The line, broken where a value is missing.
  const segments = [];
  let current = [];
  points.forEach((p, i) => {
    if (p.value === null || p.value === undefined) {
      if (current.length) segments.push(current);
      current = [];
    } else current.push(`${x(i).toFixed(1)},${y(p.value).toFixed(1)}`);
  });
  if (current.length) segments.push(current);

  const dots = points.map((p, i) =>
    p.value === null || p.value === undefined
      ? null
      : svg('circle', { class: 'chart__dot', cx: x(i), cy: y(p.value), r: 3.5 },
        svg('title', { text: `${yearLabel(p.year)}, ${STAGES[p.stage]}: ${show(p.value)}` })));

  // Axis labels: the stage under each point, the year once under its stages.
  const stageLabels = points.map((p, i) =>
    svg('text', { class: 'chart__xlabel', x: x(i), y: H - PAD.bottom + 14, 'text-anchor': 'middle' },
      STAGE_SHORT[p.stage] || p.stage));
  const years = [];
  points.forEach((p, i) => {
    const last = years[years.length - 1];
    if (last && last.year === p.year) last.to = i;
    else years.push({ year: p.year, from: i, to: i });
  });
  const yearLabels = years.map((g) =>
    svg('text', { class: 'chart__year', x: (x(g.from) + x(g.to)) / 2, y: H - 8, 'text-anchor': 'middle' },
      yearLabel(g.year)));
  const separators = years.slice(1).map((g) =>
    svg('line', { class: 'chart__sep', x1: x(g.from) - plotW / n / 2, x2: x(g.from) - plotW / n / 2,
      y1: PAD.top, y2: H - 4 }));

  const targetLine = target === null ? null : svg('g', { class: 'chart__target' },
    svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y(target), y2: y(target) }),
    svg('text', { x: W - PAD.right, y: y(target) - 4, 'text-anchor': 'end' }, `цель ${show(target)}`));

  const latest = [...points].reverse().find((p) => p.value !== null && p.value !== undefined);
  const summary = latest
    ? `${title}: последнее значение ${show(latest.value)} (${yearLabel(latest.year)}, ${STAGES[latest.stage]} этап)`
    : `${title}: данных пока нет`;

  const chart = svg('svg', { class: 'chart__svg', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': summary },
    grid, separators, targetLine,
    segments.map((s) => svg('polyline', { class: 'chart__line', points: s.join(' ') })),
    dots, stageLabels, yearLabels);

  const table = h('table', { class: 'chart__table' },
    h('caption', { class: 'sr-only' }, title),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Учебный год'), h('th', { scope: 'col' }, 'Этап'),
      h('th', { scope: 'col' }, 'Значение'))),
    h('tbody', {}, points.map((p) => h('tr', {},
      h('td', {}, yearLabel(p.year)), h('td', {}, STAGES[p.stage] || p.stage), h('td', { class: 'num' }, show(p.value))))));

  return h('figure', { class: 'chart', id, 'data-indicator': id },
    h('figcaption', { class: 'chart__title' }, title),
    note ? h('p', { class: 'chart__note' }, note) : null,
    values.length ? chart : h('p', { class: 'chart__empty' }, 'Данных пока нет'),
    h('details', { class: 'chart__details' }, h('summary', {}, 'Значения'), table));
}
