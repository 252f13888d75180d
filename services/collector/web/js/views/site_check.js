// A school's website findings: the «Наставничество» section and the required documents found,
// missing or broken, from the checker's latest stored check (GET /api/v1/schools/{code}/site-check,
// services/collector/routes_checks.c; services/checker/README.md describes the findings).

import { ApiError, getJson } from '../api.js';
import { h } from '../dom.js';
import { DOCUMENT_TYPES, label } from '../labels.js';
import { formatBytes, formatDateTime, formatNumber } from '../format.js';
import { badge, dataTable, errorNotice, notice } from './ui.js';

/* Why a document link is broken (the checker's `problem` codes). */
const PROBLEMS = {
  http_status: 'сервер ответил ошибкой',
  html_instead_of_document: 'вместо документа открывается веб-страница',
  not_a_document: 'по ссылке не документ',
  too_small: 'файл пустой или слишком мал',
  error_page: 'страница с сообщением об ошибке',
  no_document_on_page: 'на странице нет ссылки на файл',
  not_checked: 'не проверялась',
  timeout: 'сайт не ответил вовремя',
  robots_disallowed: 'доступ закрыт в robots.txt',
  dns_failed: 'адрес сайта не найден',
  connect_failed: 'сайт недоступен',
  tls_failed: 'ошибка защищённого соединения',
  too_many_redirects: 'слишком много перенаправлений',
};

/* What kept the check from the site (`errors[].code`). */
const ERRORS = {
  ...PROBLEMS,
  address_refused: 'адрес сайта во внутренней сети',
  unsupported_protocol: 'неподдерживаемый протокол',
  site_deadline: 'проверка сайта заняла слишком много времени',
  bad_url: 'неверный адрес сайта',
  transfer_failed: 'ошибка передачи данных',
  not_html: 'страница не является веб-страницей',
};

const CHANGES = { new: 'появился', removed: 'исчез', changed: 'изменился' };

function link(url, text) {
  if (!/^https?:\/\//i.test(url || '')) return text || url || '—';
  return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, text || url);
}

/* One row per required document: found (with its link), missing, or only broken links. */
function requiredRows(check) {
  return (check.required || []).map((type) => {
    const docs = (check.documents || []).filter((d) => d.type === type);
    const found = docs.find((d) => d.status === 'found');
    let state = 'found';
    if ((check.broken || []).includes(type)) state = 'broken';
    else if ((check.missing || []).includes(type)) state = 'missing';
    return { type, state, doc: found || docs[0] || null };
  });
}

const STATE = {
  found: { text: 'найден', tone: 'ok' },
  broken: { text: 'ссылка не работает', tone: 'bad' },
  missing: { text: 'нет на сайте', tone: 'bad' },
};

export async function renderSiteCheck(code) {
  let data;
  try {
    data = await getJson(`/api/v1/schools/${encodeURIComponent(code)}/site-check`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return notice('Нет данных проверки: сервер не хранит результаты проверки сайтов.');
    if (err instanceof ApiError && err.status === 403) return notice('Результаты проверки сайта недоступны с этим токеном.');
    if (err instanceof ApiError && err.status === 401) throw err;
    return errorNotice(err);
  }
  const check = data.check;
  if (!check) {
    return h('div', { id: 'site-check', 'data-compliant': 'unknown' },
      notice('Нет данных проверки: сайт школы ещё не проверялся.'),
      data.next_due_at ? h('p', { class: 'muted' }, `Проверка запланирована на ${formatDateTime(data.next_due_at)}.`) : null);
  }
  const rows = requiredRows(check);
  const extra = (check.documents || []).filter((d) => !(check.required || []).includes(d.type));
  const errors = check.errors || [];
  return h('div', { id: 'site-check', 'data-compliant': check.compliant ? 'yes' : 'no' },
    h('p', {}, check.compliant
      ? badge('ok', 'сайт соответствует требованиям')
      : badge('bad', `не хватает документов: ${formatNumber((check.missing || []).length)}`)),
    h('dl', { class: 'facts' },
      h('div', {}, h('dt', {}, 'Проверен'), h('dd', {}, formatDateTime(check.checked_at))),
      h('div', {}, h('dt', {}, 'Раздел «Наставничество»'), h('dd', {}, check.section_url ? link(check.section_url, 'открыть') : 'не найден')),
      h('div', {}, h('dt', {}, 'Найдено документов'), h('dd', {}, formatNumber(check.found_count))),
      data.next_due_at ? h('div', {}, h('dt', {}, 'Следующая проверка'), h('dd', {}, formatDateTime(data.next_due_at))) : null),
    dataTable({
      caption: 'Обязательные документы',
      id: 'site-required',
      empty: 'Район не задал обязательных документов.',
      rows,
      columns: [
        { title: 'Документ', rowHeader: true, render: (r) => label(DOCUMENT_TYPES, r.type) },
        { title: 'Состояние', render: (r) => badge(STATE[r.state].tone, STATE[r.state].text) },
        { title: 'На сайте', render: (r) => (r.doc ? link(r.doc.file_url || r.doc.url, r.doc.title || r.doc.url) : '—') },
        { title: 'Почему не работает', render: (r) => (r.state === 'broken' && r.doc ? label(PROBLEMS, r.doc.problem) : '—') },
      ],
    }),
    extra.length ? dataTable({
      caption: 'Другие документы раздела',
      rows: extra,
      columns: [
        { title: 'Вид', rowHeader: true, render: (d) => label(DOCUMENT_TYPES, d.type) },
        { title: 'Документ', render: (d) => link(d.file_url || d.url, d.title || d.url) },
        { title: 'Размер', num: true, render: (d) => (d.bytes ? formatBytes(d.bytes) : '—') },
        { title: 'Состояние', render: (d) => (d.status === 'found' ? 'найден' : `не работает: ${label(PROBLEMS, d.problem)}`) },
      ],
    }) : null,
    (check.changes || []).length ? dataTable({
      caption: `Изменения с прошлой проверки${check.previous_check ? ` (${formatDateTime(check.previous_check.checked_at)})` : ''}`,
      rows: check.changes,
      columns: [
        { title: 'Документ', rowHeader: true, render: (c) => label(DOCUMENT_TYPES, c.type) },
        { title: 'Что произошло', render: (c) => label(CHANGES, c.change) },
        { title: 'Ссылка', render: (c) => link(c.url, c.url) },
      ],
    }) : null,
    errors.length ? dataTable({
      caption: 'Что помешало проверке',
      rows: errors,
      columns: [
        { title: 'Адрес', rowHeader: true, render: (e) => link(e.url, e.url) },
        { title: 'Причина', render: (e) => label(ERRORS, e.code) },
      ],
    }) : null);
}
