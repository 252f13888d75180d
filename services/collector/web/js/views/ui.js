// Pieces the views share: period selector, cards, badges, notices, export buttons.

import { download, getJson } from '../api.js';
import { h } from '../dom.js';
import { STAGES, STAGE_ORDER } from '../labels.js';
import { currentAcademicYear, yearLabel, yearParam, yearRange } from '../format.js';
import { hashFor } from '../router.js';

const PERIOD_KEY = 'mentorwatch.period';

/* The token's scope over every year and stage (/api/v1/kpi/series): read on every page, so a
 * refresh shows a report that just landed. */
export function districtSeries() {
  return getJson('/api/v1/kpi/series');
}

/*
 * The year and stage to show: the hash's, else the last chosen in this tab, else the latest
 * period with any report, else this academic year's entry stage. Also the years to offer.
 */
export async function resolvePeriod(params) {
  let rows = [];
  try {
    rows = (await districtSeries()).rows || [];
  } catch {
    /* no series (an older collector): the years around today are offered */
  }
  const now = currentAcademicYear();
  const years = new Set([now, ...rows.map((r) => yearParam(r.academic_year))]);
  if (rows.length === 0) yearRange(now, 5).forEach((y) => years.add(y));
  const saved = JSON.parse(sessionStorage.getItem(PERIOD_KEY) || 'null');
  const latest = [...rows].reverse().find((r) => r.reports_received > 0);
  let year = params.get('year') || saved?.year || (latest && yearParam(latest.academic_year)) || now;
  let stage = params.get('stage') || saved?.stage || latest?.stage || 'entry';
  if (!/^\d{4}-\d{4}$/.test(year.replace('/', '-'))) year = now;
  year = yearParam(year);
  if (!STAGE_ORDER.includes(stage)) stage = 'entry';
  years.add(year);
  sessionStorage.setItem(PERIOD_KEY, JSON.stringify({ year, stage }));
  return { year, stage, years: [...years].sort().reverse(), series: rows };
}

/* The year and stage selectors; changing one navigates to path with the new period. */
export function periodForm({ year, stage, years }, path, extra = {}) {
  const go = (form) => {
    location.hash = hashFor(path, { ...extra, year: form.year.value, stage: form.stage.value });
  };
  const form = h('form', { class: 'period', 'aria-label': 'Период', onsubmit: (e) => { e.preventDefault(); go(form); } },
    h('div', { class: 'field' },
      h('label', { for: 'period-year' }, 'Учебный год'),
      h('select', { id: 'period-year', name: 'year', onchange: () => go(form) },
        years.map((y) => h('option', { value: y, selected: y === year }, yearLabel(y))))),
    h('div', { class: 'field' },
      h('label', { for: 'period-stage' }, 'Этап'),
      h('select', { id: 'period-stage', name: 'stage', onchange: () => go(form) },
        STAGE_ORDER.map((s) => h('option', { value: s, selected: s === stage }, STAGES[s])))));
  return form;
}

export function badge(tone, text) {
  return h('span', { class: `badge badge--${tone}` }, text);
}

/* A headline figure. tone: ok, warn, bad, neutral. A value in words is set smaller. */
export function card({ id, title, value, detail = null, tone = 'neutral' }) {
  const words = /[а-яё]{4,}/i.test(value);
  return h('article', { class: `card card--${tone}`, 'data-card': id, 'aria-labelledby': `card-${id}` },
    h('h3', { class: 'card__title', id: `card-${id}` }, title),
    h('p', { class: words ? 'card__value card__value--words' : 'card__value' }, value),
    detail ? h('p', { class: 'card__detail' }, detail) : null);
}

export function section(id, title, ...children) {
  return h('section', { class: 'section', id, 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title` }, title), children);
}

export function errorNotice(err) {
  return h('p', { class: 'notice notice--error', role: 'alert' }, err.message || String(err));
}

export function notice(text) {
  return h('p', { class: 'notice' }, text);
}

/*
 * CSV and XLSX buttons for an export endpoint (path without extension, query separate).
 * what: "таблицу школ" — completes "Скачать … в формате CSV" for screen readers.
 */
export function exportButtons(path, query, what, fallbackBase) {
  const feedback = h('span', { class: 'export__feedback', role: 'status' });
  const button = (ext) => h('button', {
    type: 'button',
    class: 'button button--secondary',
    'data-export': ext,
    'aria-label': `Скачать ${what} в формате ${ext.toUpperCase()}`,
    onclick: async (e) => {
      const btn = e.currentTarget;
      btn.disabled = true;
      feedback.textContent = 'Готовим файл…';
      try {
        const qs = new URLSearchParams(query).toString();
        const name = await download(`${path}.${ext}${qs ? `?${qs}` : ''}`, `${fallbackBase}.${ext}`);
        feedback.textContent = `Файл ${name} сохранён`;
      } catch (err) {
        feedback.textContent = `Не удалось скачать: ${err.message}`;
      } finally {
        btn.disabled = false;
      }
    },
  }, ext.toUpperCase());
  return h('div', { class: 'export' }, h('span', { class: 'export__label' }, 'Скачать:'), button('csv'), button('xlsx'), feedback);
}

/* A simple data table: columns [{key, title, num, render(row)}]. */
export function dataTable({ caption, columns, rows, id = null, empty = 'Нет данных' }) {
  if (!rows.length) return notice(empty);
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: '0' },
    h('table', { class: 'table', id },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.title)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c, i) => {
        const content = c.render ? c.render(r) : r[c.key] ?? '—';
        return i === 0 && c.rowHeader
          ? h('th', { scope: 'row', 'data-label': c.title }, content)
          : h('td', { class: c.num ? 'num' : null, 'data-label': c.title }, content);
      }))))));
}
