// The overview: headline indicators of the period, a chart per indicator over the years and
// stages, and the lists that need action (overdue roadmap items, missing consents, documents).

import { h } from '../dom.js';
import { DOCUMENT_TYPES, ROADMAP_STATUS, STAGES, label } from '../labels.js';
import { formatDate, formatNumber, formatPercent, yearLabel } from '../format.js';
import { indicatorChart } from '../chart.js';
import { kpiRows, kpiSummary } from '../kpi.js';
import { hashFor } from '../router.js';
import { card, dataTable, exportButtons, notice, periodForm, resolvePeriod, section } from './ui.js';

const of = (part, whole) => `${formatNumber(part)} из ${formatNumber(whole)}`;

function headlineCards(k) {
  return [
    card({
      id: 'reported', title: 'Сдали отчёт',
      value: of(k.reports_received, k.schools_expected),
      detail: `${formatPercent(k.reporting_rate)} · не сдали: ${formatNumber(k.reports_missing)} · срок не наступил: ${formatNumber(k.reports_pending)}`,
      tone: k.reports_missing > 0 ? 'bad' : k.reports_received === k.schools_expected ? 'ok' : 'neutral',
    }),
    card({
      id: 'on-time', title: 'Сдали вовремя',
      value: formatPercent(k.on_time_rate),
      detail: `вовремя: ${formatNumber(k.reports_on_time)} · с опозданием: ${formatNumber(k.reports_late)}`,
      tone: k.reports_late > 0 ? 'warn' : k.reports_on_time > 0 ? 'ok' : 'neutral',
    }),
    card({
      id: 'young-coverage', title: 'Охват молодых педагогов',
      value: formatPercent(k.young_coverage),
      detail: `${of(k.young_teachers_mentored, k.young_teachers)} · цель ${formatPercent(k.young_coverage_target ?? 50)} · школ ниже цели: ${formatNumber(k.schools_below_target)}`,
      tone: k.young_coverage_met === null || k.young_coverage_met === undefined ? 'neutral' : k.young_coverage_met ? 'ok' : 'bad',
    }),
    card({
      id: 'consent', title: 'Согласия на обработку ПДн',
      value: formatPercent(k.consent_share),
      detail: `${of(k.participants_with_consent, k.participants)} участников · школ ниже 100 %: ${formatNumber(k.schools_consent_below_100)}`,
      tone: k.consent_share === null ? 'neutral' : k.consent_share >= 100 ? 'ok' : 'bad',
    }),
    card({
      id: 'mentors-trained', title: 'Наставники прошли обучение',
      value: formatPercent(k.mentors_trained_share),
      detail: `${of(k.mentors_trained, k.mentors)} наставников`,
    }),
    card({
      id: 'pairs', title: 'Наставнические пары и группы',
      value: formatNumber(k.pairs),
      detail: `наставников: ${formatNumber(k.mentors)} · наставляемых: ${formatNumber(k.mentees)} · с приказом: ${formatNumber(k.pairs_with_order)}`,
    }),
    card({
      id: 'cycle', title: 'Полный цикл встреч',
      value: formatPercent(k.cycle_completion),
      detail: `встреч: ${formatNumber(k.meetings)} · с обратной связью: ${formatPercent(k.feedback_share)}`,
    }),
    card({
      id: 'roadmap', title: 'Отклонение от дорожных карт',
      value: formatPercent(k.roadmap_deviation),
      detail: `просрочено: ${formatNumber(k.roadmap_overdue)} · выполнено с опозданием: ${formatNumber(k.roadmap_done_late)} · вовремя: ${formatNumber(k.roadmap_done_on_time)}`,
      tone: k.roadmap_overdue > 0 ? 'bad' : k.roadmap_items > 0 ? 'ok' : 'neutral',
    }),
    card({
      // A soft hyphen: the one word too long for a phone's card.
      id: 'satisfaction', title: 'Удовлетворён\u00adность участников',
      value: formatPercent(k.satisfaction_mentees),
      detail: `наставляемые; наставники: ${formatPercent(k.satisfaction_mentors)} · рост показателей: ${k.growth === null || k.growth === undefined ? '—' : `${formatNumber(k.growth)} п. п.`}`,
    }),
    card({
      id: 'sites', title: 'Сайты школ соответствуют',
      value: k.sites_checked ? of(k.sites_compliant, k.sites_checked) : 'нет данных проверки',
      detail: k.sites_checked ? formatPercent(k.site_compliance) : 'сайты ещё не проверялись',
      tone: !k.sites_checked ? 'neutral' : k.sites_compliant === k.sites_checked ? 'ok' : 'bad',
    }),
    card({
      id: 'practices', title: 'Практики и конкурсы',
      value: formatNumber(k.practices),
      detail: `лучших практик · конкурсов: ${formatNumber(k.competitions)}, участников: ${formatNumber(k.competition_participants)}, победителей: ${formatNumber(k.competition_winners)}`,
    }),
  ];
}

/* The indicators drawn over time, with their targets. */
const CHARTS = [
  { key: 'reporting_rate', title: 'Доля школ, сдавших отчёт' },
  { key: 'on_time_rate', title: 'Доля школ, сдавших вовремя' },
  { key: 'young_coverage', title: 'Охват молодых педагогов наставничеством', target: 'young_coverage_target' },
  { key: 'consent_share', title: 'Участники с согласием на обработку ПДн', target: 100 },
  { key: 'mentors_trained_share', title: 'Наставники, прошедшие обучение' },
  { key: 'feedback_share', title: 'Встречи с заполненной формой обратной связи' },
  { key: 'cycle_completion', title: 'Пары, прошедшие полный цикл встреч' },
  { key: 'roadmap_deviation', title: 'Отклонение от дорожных карт' },
  { key: 'satisfaction_mentees', title: 'Удовлетворённость наставляемых' },
  { key: 'site_compliance', title: 'Сайты, соответствующие требованиям' },
];

function charts(series, summary) {
  if (!series.length) return notice('Данных за прошлые этапы пока нет.');
  return h('div', { class: 'charts' }, CHARTS.map((c) => indicatorChart({
    id: `chart-${c.key}`,
    title: c.title,
    points: series.map((r) => ({ year: r.academic_year, stage: r.stage, value: r[c.key] ?? null })),
    target: typeof c.target === 'string' ? (summary[c.target] ?? 50) : c.target ?? null,
  })));
}

function schoolLink(row, period) {
  return h('a', { href: hashFor(`school/${encodeURIComponent(row.school)}`, period) }, row.school_name || row.school);
}

export async function renderOverview({ params }) {
  const period = await resolvePeriod(params);
  const { year, stage, series } = period;
  const q = { year, stage };
  const [summary, overdue, consent, documents] = await Promise.all([
    kpiSummary(year, stage),
    kpiRows('overdue', q),
    kpiRows('consent', q),
    kpiRows('site-documents', {}).catch(() => null), // empty until sites are checked
  ]);
  const where = summary.district_name || summary.region_name || (summary.level === 'all' ? 'все школы' : 'район');
  const periodText = `${yearLabel(year)} учебный год, ${STAGES[stage]} этап`;

  return h('div', { class: 'page' },
    h('div', { class: 'page__head' },
      h('div', {},
        h('h1', { tabindex: '-1' }, `Обзор: ${where}`),
        h('p', { class: 'lead', id: 'period-text' }, periodText)),
      periodForm(period, '')),
    section('headline', 'Главные показатели',
      h('div', { class: 'cards' }, headlineCards(summary)),
      exportButtons('/api/v1/kpi/summary', q, 'сводные показатели', `kpi-summary-${year}-${stage}`),
      h('p', {}, h('a', { class: 'button button--secondary', href: hashFor('schools', q) }, 'Таблица школ →'))),
    section('charts', 'Показатели по этапам и годам', charts(series, summary)),
    section('overdue', 'Просроченные пункты дорожных карт',
      dataTable({
        caption: `Пункты, не выполненные в срок (${periodText})`,
        empty: 'Просроченных пунктов нет.',
        rows: overdue.slice(0, 20),
        columns: [
          { title: 'Школа', rowHeader: true, render: (r) => schoolLink(r, q) },
          { title: 'Пункт', render: (r) => `${r.number}. ${r.title}` },
          { title: 'Срок', render: (r) => formatDate(r.due_to) },
          { title: 'Статус', render: (r) => label(ROADMAP_STATUS, r.status) },
          { title: 'Дней просрочки', num: true, render: (r) => formatNumber(r.days_overdue) },
        ],
      }),
      overdue.length > 20 ? notice(`Показаны 20 из ${overdue.length}; полный список — в выгрузке.`) : null,
      overdue.length ? exportButtons('/api/v1/kpi/overdue', q, 'просроченные пункты', `kpi-overdue-${year}-${stage}`) : null),
    section('consent', 'Школы, где согласия есть не у всех участников',
      dataTable({
        caption: 'Согласия на обработку персональных данных (должно быть 100 %)',
        empty: 'Согласия есть у всех участников.',
        rows: consent,
        columns: [
          { title: 'Школа', rowHeader: true, render: (r) => schoolLink(r, q) },
          { title: 'Участников', num: true, render: (r) => formatNumber(r.participants) },
          { title: 'Без согласия', num: true, render: (r) => formatNumber(r.participants_without_consent) },
          { title: 'Доля с согласием', num: true, render: (r) => formatPercent(r.consent_share) },
        ],
      }),
      consent.length ? exportButtons('/api/v1/kpi/consent', q, 'список согласий', `kpi-consent-${year}-${stage}`) : null),
    section('site-documents', 'Документы, которых чаще всего нет на сайтах',
      documents && documents.length
        ? dataTable({
          caption: 'Обязательные документы раздела «Наставничество»',
          rows: documents,
          columns: [
            { title: 'Документ', rowHeader: true, render: (r) => label(DOCUMENT_TYPES, r.document) },
            { title: 'Проверено сайтов', num: true, render: (r) => formatNumber(r.schools_checked) },
            { title: 'Нет документа', num: true, render: (r) => formatNumber(r.schools_missing) },
            { title: 'Ссылка не работает', num: true, render: (r) => formatNumber(r.schools_broken) },
            { title: 'Доля без документа', num: true, render: (r) => formatPercent(r.missing_share) },
          ],
        })
        : notice('Нет данных проверки сайтов.')));
}
