// A school's term report (the document it sent, REPORT_FORMAT.md) in readable form.

import { h } from '../dom.js';
import {
  COMPETITION_LEVELS, DOCUMENT_TYPES, INCENTIVE_KINDS, MEETING_TYPES, MENTEE_CATEGORIES,
  MENTOR_CATEGORIES, MONITORING, PAIR_FORMS, PAIR_STATUS, ROADMAP_STATUS, label,
} from '../labels.js';
import { formatDate, formatNumber, formatPercent, percentOf } from '../format.js';
import { dataTable, notice } from './ui.js';

const yesNo = (v) => (v ? 'да' : 'нет');

function consentText(c) {
  if (!c) return 'нет сведений';
  if (!c.given) return 'не дано';
  return `дано ${formatDate(c.date)}${c.by === 'guardian' ? ' (законный представитель)' : ''}`;
}

/* A link the school gave: only http(s), opened in a new tab without the dashboard's address. */
function externalLink(url, text) {
  if (!/^https?:\/\//i.test(url || '')) return text || url || '—';
  return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, text || url);
}

function part(id, title, ...children) {
  return h('section', { class: 'report__part', id: `report-${id}`, 'aria-labelledby': `report-${id}-title` },
    h('h3', { id: `report-${id}-title` }, title), children);
}

function staffPart(staff) {
  const coverage = percentOf(staff.young_teachers_mentored, staff.young_teachers);
  return part('staff', 'Педагогические кадры',
    h('dl', { class: 'facts' },
      h('div', {}, h('dt', {}, 'Педагогов всего'), h('dd', {}, formatNumber(staff.teachers_total))),
      h('div', {}, h('dt', {}, 'Молодых педагогов (до 35 лет и стаж до 3 лет)'), h('dd', {}, formatNumber(staff.young_teachers))),
      h('div', {}, h('dt', {}, 'Из них охвачены наставничеством'), h('dd', {}, formatNumber(staff.young_teachers_mentored))),
      h('div', {}, h('dt', {}, 'Охват молодых педагогов'), h('dd', { 'data-figure': 'young-coverage' }, formatPercent(coverage)))));
}

function meetingsText(meetings = []) {
  if (!meetings.length) return 'не было';
  const withFeedback = meetings.filter((m) => m.feedback).length;
  const types = [...new Set(meetings.map((m) => label(MEETING_TYPES, m.type)))].join(', ');
  return `${meetings.length} (с обратной связью: ${withFeedback}; ${types})`;
}

export function renderReport(report) {
  const mentors = report.mentors || [];
  const mentees = report.mentees || [];
  const pairs = report.pairs || [];
  const roadmap = report.roadmap || [];
  const documents = report.documents || [];
  const monitoring = report.monitoring || {};
  const practices = report.practices || [];
  const competitions = report.competitions || [];
  const incentives = report.incentives || [];

  return h('div', { class: 'report' },
    staffPart(report.staff || {}),
    part('mentors', `Наставники (${mentors.length})`, dataTable({
      caption: 'Наставники', empty: 'Наставники не указаны.', rows: mentors,
      columns: [
        { title: 'Код', rowHeader: true, render: (m) => m.id },
        { title: 'ФИО', render: (m) => m.name || '—' },
        { title: 'Категория', render: (m) => label(MENTOR_CATEGORIES, m.category) },
        { title: 'Обучен', render: (m) => (m.trained ? `да, ${formatDate(m.trained_on)}` : 'нет') },
        { title: 'Согласие на обработку ПДн', render: (m) => consentText(m.consent) },
      ],
    })),
    part('mentees', `Наставляемые (${mentees.length})`, dataTable({
      caption: 'Наставляемые', empty: 'Наставляемые не указаны.', rows: mentees,
      columns: [
        { title: 'Код', rowHeader: true, render: (m) => m.id },
        { title: 'ФИО', render: (m) => m.name || '—' },
        { title: 'Категория', render: (m) => label(MENTEE_CATEGORIES, m.category) },
        { title: 'Несовершеннолетний', render: (m) => yesNo(m.minor) },
        { title: 'Согласие на обработку ПДн', render: (m) => consentText(m.consent) },
      ],
    })),
    part('pairs', `Наставнические пары и группы (${pairs.length})`, dataTable({
      caption: 'Пары и группы', empty: 'Пары не сформированы.', rows: pairs,
      columns: [
        { title: 'Пара', rowHeader: true, render: (p) => p.id },
        { title: 'Форма', render: (p) => label(PAIR_FORMS, p.form) },
        { title: 'Наставники', render: (p) => p.mentors.join(', ') },
        { title: 'Наставляемые', render: (p) => p.mentees.join(', ') },
        { title: 'Приказ', render: (p) => (p.order ? `№ ${p.order.number} от ${formatDate(p.order.date)}` : 'нет') },
        { title: 'Статус', render: (p) => label(PAIR_STATUS, p.status) },
        { title: 'План развития', render: (p) => yesNo(p.development_plan) },
        { title: 'Встречи', render: (p) => meetingsText(p.meetings) },
      ],
    })),
    part('monitoring', 'Мониторинг',
      Object.keys(monitoring).length
        ? h('dl', { class: 'facts' }, Object.entries(MONITORING).filter(([k]) => k in monitoring).map(([k, title]) =>
          h('div', {}, h('dt', {}, title), h('dd', {}, formatPercent(monitoring[k])))))
        : notice('Результаты мониторинга не указаны.')),
    part('roadmap', `Дорожная карта (${roadmap.length})`, dataTable({
      caption: 'Пункты дорожной карты', empty: 'Пункты дорожной карты не указаны.', rows: roadmap,
      columns: [
        { title: '№', rowHeader: true, render: (r) => r.number },
        { title: 'Мероприятие', render: (r) => h('span', { class: 'clamp' }, r.title) },
        { title: 'Срок', render: (r) => (r.due_from ? `${formatDate(r.due_from)} – ${formatDate(r.due_to)}` : formatDate(r.due_to)) },
        { title: 'Ответственный', render: (r) => r.responsible || '—' },
        { title: 'Статус', render: (r) => label(ROADMAP_STATUS, r.status) },
        { title: 'Выполнено', render: (r) => formatDate(r.done_on) },
        { title: 'Подтверждение', render: (r) => r.evidence || '—' },
      ],
    })),
    part('documents', `Опубликованные документы (${documents.length})`, dataTable({
      caption: 'Документы, которые школа указала как опубликованные', empty: 'Документы не указаны.', rows: documents,
      columns: [
        { title: 'Вид', rowHeader: true, render: (d) => label(DOCUMENT_TYPES, d.type) },
        { title: 'Название и ссылка', render: (d) => externalLink(d.url, d.title) },
      ],
    })),
    part('practices', 'Практики, конкурсы, поощрения',
      dataTable({
        caption: `Лучшие практики (${practices.length})`, empty: 'Лучшие практики не представлены.', rows: practices,
        columns: [
          { title: 'Практика', rowHeader: true, render: (p) => (p.url ? externalLink(p.url, p.title) : p.title) },
          { title: 'Представлена', render: (p) => formatDate(p.submitted_on) },
        ],
      }),
      dataTable({
        caption: `Конкурсы (${competitions.length})`, empty: 'Участия в конкурсах нет.', rows: competitions,
        columns: [
          { title: 'Конкурс', rowHeader: true, render: (c) => c.name },
          { title: 'Уровень', render: (c) => label(COMPETITION_LEVELS, c.level) },
          { title: 'Участников', num: true, render: (c) => formatNumber(c.participants) },
          { title: 'Победителей', num: true, render: (c) => formatNumber(c.winners) },
        ],
      }),
      dataTable({
        caption: `Поощрения наставников (${incentives.length})`, empty: 'Поощрений нет.', rows: incentives,
        columns: [
          { title: 'Вид', rowHeader: true, render: (i) => label(INCENTIVE_KINDS, i.kind) },
          { title: 'Количество', num: true, render: (i) => formatNumber(i.count) },
        ],
      })),
    report.comment ? part('comment', 'Комментарий школы', h('p', { class: 'comment' }, report.comment)) : null);
}
