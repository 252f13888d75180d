// A school's page: its reports (current versions), the chosen report in readable form, the
// history of its versions, its overdue roadmap items and its website findings.

import { ApiError, getJson, request } from '../api.js';
import { h } from '../dom.js';
import { REPORT_STATUS, ROADMAP_STATUS, STAGES, STAGE_ORDER, label } from '../labels.js';
import {
  formatBytes, formatDate, formatDateTime, formatNumber, formatPercent, yearLabel, yearParam,
} from '../format.js';
import { kpiRows, kpiSummary } from '../kpi.js';
import { hashFor } from '../router.js';
import { renderReport } from './report.js';
import { renderSiteCheck } from './site_check.js';
import { badge, card, dataTable, errorNotice, notice, section } from './ui.js';

function reportStatus(r) {
  if (r.on_time === true) return 'on_time';
  if (r.on_time === false) return 'late';
  return 'no_deadline';
}

function schoolCards(k) {
  if (!k) return null;
  return h('div', { class: 'cards cards--compact' },
    card({ id: 'school-coverage', title: 'Охват молодых педагогов', value: formatPercent(k.young_coverage),
      detail: `${formatNumber(k.young_teachers_mentored)} из ${formatNumber(k.young_teachers)} · цель ${formatPercent(k.young_coverage_target ?? 50)}`,
      tone: k.young_coverage_met === null || k.young_coverage_met === undefined ? 'neutral' : k.young_coverage_met ? 'ok' : 'bad' }),
    card({ id: 'school-consent', title: 'Согласия на обработку ПДн', value: formatPercent(k.consent_share),
      detail: `${formatNumber(k.participants_with_consent)} из ${formatNumber(k.participants)} участников`,
      tone: k.consent_share === null ? 'neutral' : k.consent_share >= 100 ? 'ok' : 'bad' }),
    card({ id: 'school-trained', title: 'Наставники обучены', value: formatPercent(k.mentors_trained_share),
      detail: `${formatNumber(k.mentors_trained)} из ${formatNumber(k.mentors)}` }),
    card({ id: 'school-roadmap', title: 'Просрочено пунктов дорожной карты', value: formatNumber(k.roadmap_overdue),
      detail: `из ${formatNumber(k.roadmap_items)} · выполнено вовремя: ${formatNumber(k.roadmap_done_on_time)}`,
      tone: k.roadmap_overdue > 0 ? 'bad' : k.roadmap_items > 0 ? 'ok' : 'neutral' }));
}

/* The raw report (a version or the current one), rendered; a notice when it cannot be shown. */
async function reportBlock(code, year, stage, version) {
  const path = `/api/v1/schools/${encodeURIComponent(code)}/reports/${year}/${stage}${version ? `?version=${version}` : ''}`;
  try {
    const resp = await request(path);
    const report = await resp.json();
    const v = resp.headers.get('X-Report-Version');
    const received = resp.headers.get('X-Received-At');
    return h('div', { id: 'report', 'data-version': v },
      h('p', { class: 'report__meta' },
        `Версия ${v}, получена ${formatDateTime(received)}`,
        version ? [' · ', h('a', { href: hashFor(`school/${encodeURIComponent(code)}`, { year, stage }) }, 'к текущей версии')] : null),
      renderReport(report));
  } catch (err) {
    if (err instanceof ApiError && err.status === 403)
      return notice('Отчёт содержит персональные данные участников и недоступен с этим токеном (только сводные показатели).');
    if (err instanceof ApiError && err.status === 404) return notice('Школа не сдала отчёт за этот этап.');
    if (err instanceof ApiError && err.status === 401) throw err;
    return errorNotice(err);
  }
}

async function historyBlock(code, year, stage, shownVersion) {
  let rows;
  try {
    rows = await getJson(`/api/v1/schools/${encodeURIComponent(code)}/reports/${year}/${stage}/history`);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 403)) return notice('Истории версий нет.');
    if (err instanceof ApiError && err.status === 401) throw err;
    return errorNotice(err);
  }
  return dataTable({
    caption: `Версии отчёта за ${STAGES[stage]} этап ${yearLabel(year)}, новые сверху`,
    id: 'history-table',
    rows,
    columns: [
      { title: 'Версия', rowHeader: true, render: (r) => `v${r.version}` },
      { title: 'Получена', render: (r) => formatDateTime(r.received_at) },
      { title: 'Размер', num: true, render: (r) => formatBytes(r.bytes) },
      { title: 'Контрольная сумма', render: (r) => h('code', { title: r.sha256 }, r.sha256.slice(0, 12)) },
      {
        title: 'Просмотр',
        render: (r) => {
          const shown = shownVersion ? Number(shownVersion) === r.version : r.current;
          const text = r.current ? 'текущая' : 'открыть';
          return shown
            ? h('span', { 'aria-current': 'true' }, r.current ? 'текущая (показана)' : 'показана')
            : h('a', { href: hashFor(`school/${encodeURIComponent(code)}`, { year, stage, version: r.current ? null : r.version }) }, text);
        },
      },
    ],
  });
}

function reportsList(school, code, year, stage) {
  const rows = [...school.reports].sort((a, b) => b.academic_year.localeCompare(a.academic_year)
    || STAGE_ORDER.indexOf(a.stage) - STAGE_ORDER.indexOf(b.stage));
  return dataTable({
    caption: 'Текущие версии отчётов школы',
    id: 'reports-table',
    empty: 'Школа ещё не отправляла отчёты.',
    rows,
    columns: [
      {
        title: 'Период', rowHeader: true,
        render: (r) => {
          const y = yearParam(r.academic_year);
          const text = `${yearLabel(y)}, ${STAGES[r.stage]} этап`;
          return y === year && r.stage === stage
            ? h('span', { 'aria-current': 'true' }, text)
            : h('a', { href: hashFor(`school/${encodeURIComponent(code)}`, { year: y, stage: r.stage }) }, text);
        },
      },
      { title: 'Версия', num: true, render: (r) => `v${r.version}` },
      { title: 'Получен впервые', render: (r) => formatDateTime(r.received_at) },
      { title: 'Срок', render: (r) => formatDateTime(r.deadline) },
      { title: 'Сдача', render: (r) => { const s = REPORT_STATUS[reportStatus(r)]; return badge(s.tone, s.text); } },
    ],
  });
}

export async function renderSchool(code, { params }) {
  const school = await getJson(`/api/v1/schools/${encodeURIComponent(code)}`);
  // The period: the hash's, else the newest report the school sent.
  const newest = school.reports[0];
  const year = yearParam(params.get('year') || newest?.academic_year || '');
  const stage = params.get('stage') || newest?.stage || 'entry';
  const version = /^\d+$/.test(params.get('version') || '') ? params.get('version') : null;
  const hasPeriod = /^\d{4}-\d{4}$/.test(year) && STAGE_ORDER.includes(stage);
  const sent = school.reports.find((r) => yearParam(r.academic_year) === year && r.stage === stage);

  const [summary, overdue, report, history, site] = await Promise.all([
    hasPeriod ? kpiSummary(year, stage, { school: code }).catch(() => null) : null,
    hasPeriod && sent ? kpiRows('overdue', { year, stage, school: code }).catch(() => null) : null,
    hasPeriod && sent ? reportBlock(code, year, stage, version) : null,
    hasPeriod && sent ? historyBlock(code, year, stage, version) : null,
    renderSiteCheck(code, school),
  ]);
  const periodText = hasPeriod ? `${yearLabel(year)}, ${STAGES[stage]} этап` : '';

  return h('div', { class: 'page', 'data-school': school.code },
    h('nav', { class: 'breadcrumbs', 'aria-label': 'Навигация' },
      h('a', { href: hashFor('schools', hasPeriod ? { year, stage } : {}) }, '← Все школы')),
    h('div', { class: 'page__head' },
      h('div', {},
        h('h1', { tabindex: '-1' }, school.name),
        h('p', { class: 'lead' },
          `Код ${school.code} · ${school.district_name}`,
          school.website ? [' · сайт: ', h('a', { href: school.website, target: '_blank', rel: 'noopener noreferrer' }, school.website)] : null))),
    section('school-reports', 'Отчёты школы', reportsList(school, code, year, stage)),
    hasPeriod ? section('school-figures', `Показатели: ${periodText}`,
      sent ? null : notice(`За ${periodText} отчёт не получен.`),
      schoolCards(summary)) : null,
    sent ? section('school-report', `Отчёт: ${periodText}`, report) : null,
    sent ? section('school-history', 'История версий', history) : null,
    overdue && overdue.length ? section('school-overdue', 'Просроченные пункты дорожной карты', dataTable({
      caption: 'Не выполнены в срок', rows: overdue,
      columns: [
        { title: '№', rowHeader: true, render: (r) => r.number },
        { title: 'Мероприятие', render: (r) => h('span', { class: 'clamp' }, r.title) },
        { title: 'Срок', render: (r) => formatDate(r.due_to) },
        { title: 'Статус', render: (r) => label(ROADMAP_STATUS, r.status) },
        { title: 'Дней просрочки', num: true, render: (r) => formatNumber(r.days_overdue) },
      ],
    })) : null,
    section('school-site', 'Проверка сайта', site));
}
