// The schools of the district for a period: report status and website compliance in colour,
// sortable by any column, filterable by name, report status and website status.

import { clear, h } from '../dom.js';
import { REPORT_STATUS, STAGES } from '../labels.js';
import { formatDateTime, formatNumber, formatPercent, yearLabel } from '../format.js';
import { kpiSchools } from '../kpi.js';
import { hashFor } from '../router.js';
import { badge, exportButtons, notice, periodForm, resolvePeriod } from './ui.js';

/* Order for sorting by report status: what needs attention first. */
const STATUS_RANK = { missing: 0, late: 1, pending: 2, no_deadline: 3, on_time: 4 };

const SITE = {
  compliant: { text: 'соответствует', tone: 'ok' },
  not_compliant: { text: 'не соответствует', tone: 'bad' },
  unknown: { text: 'нет данных проверки', tone: 'neutral' },
};

export function siteStatus(row) {
  if (!row.sites_checked) return 'unknown';
  return row.sites_compliant > 0 ? 'compliant' : 'not_compliant';
}

const COLUMNS = [
  {
    key: 'name', title: 'Школа',
    value: (r) => (r.school_name || r.school).toLocaleLowerCase('ru'),
  },
  { key: 'status', title: 'Отчёт', value: (r) => STATUS_RANK[r.status] ?? 9 },
  { key: 'version', title: 'Версия', num: true, value: (r) => r.version ?? -1 },
  { key: 'received', title: 'Получен', value: (r) => r.received_at || '' },
  { key: 'coverage', title: 'Охват молодых педагогов', num: true, value: (r) => r.young_coverage ?? -1 },
  { key: 'consent', title: 'Согласия', num: true, value: (r) => r.consent_share ?? -1 },
  { key: 'pairs', title: 'Пары', num: true, value: (r) => r.pairs ?? -1 },
  { key: 'site', title: 'Сайт', value: (r) => ({ not_compliant: 0, unknown: 1, compliant: 2 })[siteStatus(r)] },
];

function cell(col, r, period) {
  switch (col.key) {
    case 'name':
      return h('th', { scope: 'row', 'data-label': col.title },
        h('a', { href: hashFor(`school/${encodeURIComponent(r.school)}`, period) }, r.school_name || r.school),
        h('span', { class: 'code' }, r.school));
    case 'status': {
      const s = REPORT_STATUS[r.status] || { text: r.status, tone: 'neutral' };
      return h('td', { 'data-label': col.title, 'data-status': r.status }, badge(s.tone, s.text));
    }
    case 'version':
      return h('td', { class: 'num', 'data-label': col.title }, r.version ? `v${r.version}` : '—');
    case 'received':
      return h('td', { 'data-label': col.title }, formatDateTime(r.received_at));
    case 'coverage':
      return h('td', { class: 'num', 'data-label': col.title }, formatPercent(r.young_coverage));
    case 'consent':
      return h('td', { class: 'num', 'data-label': col.title }, formatPercent(r.consent_share));
    case 'pairs':
      return h('td', { class: 'num', 'data-label': col.title }, formatNumber(r.pairs));
    case 'site': {
      const s = SITE[siteStatus(r)];
      return h('td', { 'data-label': col.title, 'data-site': siteStatus(r) }, badge(s.tone, s.text));
    }
    default:
      return h('td', {}, '—');
  }
}

export async function renderSchools({ params }) {
  const period = await resolvePeriod(params);
  const { year, stage } = period;
  const q = { year, stage };
  const rows = await kpiSchools(year, stage);
  const state = { sort: 'name', dir: 1, text: '', status: '', site: '' };

  const tbody = h('tbody', {});
  const count = h('p', { class: 'muted', id: 'schools-count', role: 'status' });
  const headers = COLUMNS.map((c) => {
    const th = h('th', { scope: 'col', class: c.num ? 'num' : null, 'data-col': c.key },
      h('button', { type: 'button', class: 'sort', onclick: () => sortBy(c.key) }, c.title,
        h('span', { class: 'sort__icon', 'aria-hidden': 'true' })));
    return th;
  });

  function draw() {
    const needle = state.text.trim().toLocaleLowerCase('ru');
    const col = COLUMNS.find((c) => c.key === state.sort);
    const shown = rows
      .filter((r) => !needle || `${r.school_name} ${r.school}`.toLocaleLowerCase('ru').includes(needle))
      .filter((r) => !state.status || r.status === state.status)
      .filter((r) => !state.site || siteStatus(r) === state.site)
      .sort((a, b) => {
        const va = col.value(a);
        const vb = col.value(b);
        const c = va < vb ? -1 : va > vb ? 1 : 0;
        return c * state.dir || a.school.localeCompare(b.school);
      });
    clear(tbody).append(...shown.map((r) => h('tr', { 'data-school': r.school }, COLUMNS.map((c) => cell(c, r, q)))));
    for (const th of headers) {
      if (th.dataset.col === state.sort) th.setAttribute('aria-sort', state.dir > 0 ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    }
    count.textContent = `Показано школ: ${shown.length} из ${rows.length}`;
  }

  function sortBy(key, dir = state.sort === key ? -state.dir : 1) {
    state.dir = dir;
    state.sort = key;
    sortSelect.value = `${key}:${dir}`;
    draw();
  }

  // The same sorting as the column headers, for phones (where the headers are hidden).
  const sortSelect = h('select', { id: 'sort', onchange: (e) => { const [k, d] = e.target.value.split(':'); sortBy(k, Number(d)); } },
    COLUMNS.flatMap((c) => [
      h('option', { value: `${c.key}:1` }, `${c.title} ↑`),
      h('option', { value: `${c.key}:-1` }, `${c.title} ↓`),
    ]));

  const filters = h('form', { class: 'filters', 'aria-label': 'Отбор школ', onsubmit: (e) => e.preventDefault() },
    h('div', { class: 'field' },
      h('label', { for: 'filter-text' }, 'Поиск по названию или коду'),
      h('input', { id: 'filter-text', type: 'search', autocomplete: 'off',
        oninput: (e) => { state.text = e.target.value; draw(); } })),
    h('div', { class: 'field' },
      h('label', { for: 'filter-status' }, 'Отчёт'),
      h('select', { id: 'filter-status', onchange: (e) => { state.status = e.target.value; draw(); } },
        h('option', { value: '' }, 'все'),
        Object.entries(REPORT_STATUS).map(([k, v]) => h('option', { value: k }, v.text)))),
    h('div', { class: 'field' },
      h('label', { for: 'filter-site' }, 'Сайт'),
      h('select', { id: 'filter-site', onchange: (e) => { state.site = e.target.value; draw(); } },
        h('option', { value: '' }, 'все'),
        Object.entries(SITE).map(([k, v]) => h('option', { value: k }, v.text)))),
    h('div', { class: 'field' }, h('label', { for: 'sort' }, 'Сортировка'), sortSelect));

  draw();
  const periodText = `${yearLabel(year)} учебный год, ${STAGES[stage]} этап`;
  return h('div', { class: 'page' },
    h('div', { class: 'page__head' },
      h('div', {}, h('h1', { tabindex: '-1' }, 'Школы района'), h('p', { class: 'lead' }, periodText)),
      periodForm(period, 'schools')),
    filters,
    count,
    rows.length
      ? h('div', { class: 'table-wrap', role: 'region', 'aria-labelledby': 'schools-caption', tabindex: '0' },
        h('table', { class: 'table table--schools', id: 'schools-table' },
          h('caption', { id: 'schools-caption' }, `Школы: сдача отчёта за ${STAGES[stage]} этап ${yearLabel(year)} и соответствие сайта`),
          h('thead', {}, h('tr', {}, headers)),
          tbody))
      : notice('В районе пока нет школ.'),
    exportButtons('/api/v1/kpi/schools', q, 'таблицу школ', `kpi-schools-${year}-${stage}`));
}
