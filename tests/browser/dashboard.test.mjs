// The district dashboard in Debian's chromium, driven by playwright-core: sign in, check the
// figures of the fixture district, drill down to a school, export, screenshots (desktop and
// phone). Run by tests/integration/test_dashboard.c, which starts PostgreSQL and the collector,
// sends the reports and passes (environment):
//   MW_DASHBOARD_URL   the collector, e.g. http://127.0.0.1:18570
//   MW_DISTRICT_TOKEN  the district's token; MW_REGION_TOKEN, MW_SCHOOL_TOKEN other roles
//   MW_E2E_EXPECT      JSON: {"year": "2024-2025", "entry": {...}, "intermediate": {...}}, the
//                      figures of each period computed by hand from the reports sent
//   MW_BROWSER_OUT     directory for screenshots and downloaded exports
//   MW_CHROMIUM        the browser (default /usr/bin/chromium)
// Prints one line per step; exits 1 at the first failure (with failure-*.png).

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, signIn } from './lib.mjs';

const env = process.env;
const base = env.MW_DASHBOARD_URL;
const token = env.MW_DISTRICT_TOKEN;
const expect = JSON.parse(env.MW_E2E_EXPECT || '{}');
const out = env.MW_BROWSER_OUT || 'browser-output';
assert.ok(base && token && expect.year, 'MW_DASHBOARD_URL, MW_DISTRICT_TOKEN and MW_E2E_EXPECT are required');
mkdirSync(out, { recursive: true });

// ---- formatting as the dashboard does it (ru-RU), from the hand-computed figures ----------

const oneDecimal = new Intl.NumberFormat('ru-RU', { maximumFractionDigits: 1 });
const percent = (part, whole) => `${oneDecimal.format(Math.round((1000 * part) / whole) / 10)} %`;
const clean = (text) => (text || '').replace(/\s+/g, ' ').trim();

// ---- the browser -------------------------------------------------------------------------

const browser = await launchBrowser();

const problems = [];

/* A context whose pages may load nothing but the collector, and whose errors are recorded. */
async function newContext(options) {
  const context = await browser.newContext({ locale: 'ru-RU', timezoneId: 'Europe/Moscow', acceptDownloads: true, ...options });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${base}/`) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    problems.push(`request outside the collector: ${url}`);
    return route.abort();
  });
  context.on('page', watch);
  return context;
}

function watch(page) {
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // A failed fetch (the wrong token tried on purpose, a 404) is logged by the browser itself.
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) problems.push(`console error: ${msg.text()}`);
  });
}

let step = 0;
let current = null;
async function check(name, fn) {
  step += 1;
  const started = Date.now();
  try {
    await fn();
    assert.deepEqual(problems, [], 'no external request, page error or console error');
    console.log(`ok ${step} - ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    console.log(`not ok ${step} - ${name}\n  ${String(err.stack || err).split('\n').join('\n  ')}`);
    if (current) await current.screenshot({ path: join(out, `failure-${step}.png`), fullPage: true }).catch(() => {});
    await browser.close();
    process.exit(1);
  }
}

async function shot(page, name) {
  await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
}

/* Chooses the period on the page's selectors and waits for the page to show it. */
async function choosePeriod(page, stage, stageText) {
  await page.getByLabel('Учебный год', { exact: true }).selectOption(expect.year);
  await page.getByLabel('Этап', { exact: true }).selectOption(stage);
  await page.locator('.lead', { hasText: `${stageText} этап` }).first().waitFor();
  await page.locator('main[aria-busy]').waitFor({ state: 'detached' }).catch(() => {});
}

async function cardValue(page, id) {
  return clean(await page.locator(`[data-card="${id}"] .card__value`).textContent());
}

// ---- desktop -----------------------------------------------------------------------------

const desktop = await newContext({ viewport: { width: 1366, height: 900 } });
const page = await desktop.newPage();
current = page;

await check('the sign-in page is served by the collector, in Russian, with a labelled field', async () => {
  const resp = await page.goto(`${base}/`);
  assert.equal(resp.status(), 200);
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  await page.getByRole('heading', { level: 1, name: 'Вход в панель мониторинга' }).waitFor();
  await page.getByLabel('Токен доступа управления образования').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(clean(await page.evaluate(() => document.activeElement.textContent)), 'Перейти к содержимому', 'the skip link comes first');
  await shot(page, 'signin-desktop');
});

await check('a wrong token is refused with a Russian message; a school token is refused', async () => {
  await page.getByLabel('Токен доступа управления образования').fill('mw_not_a_real_token');
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByRole('alert').filter({ hasText: 'Токен не подошёл' }).waitFor();
  if (env.MW_SCHOOL_TOKEN) {
    await page.getByLabel('Токен доступа управления образования').fill(env.MW_SCHOOL_TOKEN);
    await page.getByRole('button', { name: 'Войти' }).click();
    await page.getByRole('alert').filter({ hasText: 'Это токен школы' }).waitFor();
  }
  assert.equal(await page.evaluate(() => sessionStorage.getItem('mentorwatch.token')), null);
});

await check('the district token signs in; it is kept in sessionStorage, never in the URL', async () => {
  await page.getByLabel('Токен доступа управления образования').fill(token);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByRole('heading', { level: 1, name: /^Обзор/ }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('mentorwatch.token')), token);
  assert.ok(!page.url().includes(token));
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage');
});

const mid = expect.intermediate;
await check('overview, intermediate stage: the right headline figures', async () => {
  await choosePeriod(page, 'intermediate', 'промежуточный');
  assert.equal(await cardValue(page, 'reported'), `${mid.received} из ${mid.expected}`);
  assert.equal(await cardValue(page, 'on-time'), percent(mid.on_time, mid.expected));
  const detail = clean(await page.locator('[data-card="reported"] .card__detail').textContent());
  assert.ok(detail.includes(`не сдали: ${mid.missing}`) && detail.includes(`срок не наступил: ${mid.pending}`), detail);
  assert.equal(await cardValue(page, 'young-coverage'), percent(mid.young_mentored, mid.young));
  assert.equal(await cardValue(page, 'consent'), percent(mid.with_consent, mid.participants));
  assert.equal(await cardValue(page, 'mentors-trained'), percent(mid.trained, mid.mentors));
  assert.equal(await cardValue(page, 'pairs'), String(mid.pairs));
  assert.match(await page.locator('[data-card="young-coverage"]').getAttribute('class'), /card--ok/, 'coverage above the 50 % target');
  // Websites: ITL24's check is compliant, SOSH14's is not (test_dashboard.c stores them).
  assert.equal(await cardValue(page, 'sites'), '1 из 2');
  assert.match(await page.locator('[data-card="sites"]').getAttribute('class'), /card--bad/);
});

await check('overview: the document sites miss most (SOSH14\'s broken order)', async () => {
  const row = page.locator('#site-documents tbody tr').first();
  assert.equal(clean(await row.locator('th').textContent()), 'Приказ о внедрении целевой модели');
});

await check('overview: a chart per indicator, with the period\'s value in its table', async () => {
  const charts = page.locator('figure.chart');
  assert.ok((await charts.count()) >= 8, 'at least eight indicator charts');
  const reporting = page.locator('#chart-reporting_rate');
  assert.equal(await reporting.locator('svg[role="img"] polyline, svg[role="img"] circle').count() > 0, true, 'drawn in SVG');
  const row = reporting.locator('tr', { hasText: 'промежуточный' }).filter({ hasText: expect.year.replace('-', '/') });
  assert.equal(clean(await row.locator('td').last().textContent({ timeout: 5000 })), percent(mid.received, mid.expected));
  const coverage = page.locator('#chart-young_coverage');
  assert.ok(clean(await coverage.locator('.chart__target').textContent()).startsWith('цель'), 'the target line');
  await shot(page, 'overview-desktop');
});

const entry = expect.entry;
await check('overview, entry stage: late and missing reports', async () => {
  await choosePeriod(page, 'entry', 'входной');
  assert.equal(await cardValue(page, 'reported'), `${entry.received} из ${entry.expected}`);
  assert.equal(await cardValue(page, 'on-time'), percent(entry.on_time, entry.expected));
  assert.match(await page.locator('[data-card="reported"]').getAttribute('class'), /card--bad/, 'missing reports in red');
  assert.equal(await cardValue(page, 'young-coverage'), percent(entry.young_mentored, entry.young));
  assert.match(await page.locator('[data-card="young-coverage"]').getAttribute('class'), /card--bad/, 'below the target');
});

await check('the period from the keyboard: the page changes, the focus stays on the select', async () => {
  await page.getByLabel('Этап', { exact: true }).focus();
  await page.keyboard.press('ArrowDown');
  await page.locator('.lead', { hasText: 'промежуточный этап' }).waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'period-stage');
  assert.equal(await cardValue(page, 'reported'), `${mid.received} из ${mid.expected}`);
});

await check('schools table: the district\'s four schools in colour, not the neighbour\'s', async () => {
  await choosePeriod(page, 'intermediate', 'промежуточный');
  await page.getByRole('navigation', { name: 'Разделы' }).getByRole('link', { name: 'Школы' }).click();
  await page.getByRole('heading', { level: 1, name: 'Школы района' }).waitFor();
  const rows = page.locator('#schools-table tbody tr');
  assert.equal(await rows.count(), mid.expected);
  assert.equal(await page.locator('#schools-table tr[data-school="OTHER1"]').count(), 0);
  const status = (code) => page.locator(`#schools-table tr[data-school="${code}"] td[data-status]`);
  assert.equal(await status('SOSH14').getAttribute('data-status'), 'on_time');
  assert.equal(clean(await status('SOSH14').textContent()), 'сдан вовремя');
  assert.match(await status('SOSH14').locator('.badge').getAttribute('class'), /badge--ok/);
  assert.equal(await status('SOSH8').getAttribute('data-status'), 'pending');
  const site = (code) => page.locator(`#schools-table tr[data-school="${code}"] td[data-site]`).getAttribute('data-site');
  assert.equal(await site('SOSH14'), 'not_compliant');
  assert.equal(await site('ITL24'), 'compliant');
  assert.equal(await site('SOSH8'), 'unknown');
  assert.equal(clean(await page.locator('#schools-count').textContent()), `Показано школ: ${mid.expected} из ${mid.expected}`);
});

await check('schools table: filter by name and by status, sort by a column', async () => {
  await page.getByLabel('Поиск по названию или коду', { exact: true }).fill('лицей');
  assert.equal(await page.locator('#schools-table tbody tr').count(), 1);
  assert.equal(await page.locator('#schools-table tbody tr').getAttribute('data-school'), 'ITL24');
  await page.getByLabel('Поиск по названию или коду', { exact: true }).fill('');
  await page.getByLabel('Отчёт', { exact: true }).selectOption('pending');
  const pending = await page.locator('#schools-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.school));
  assert.deepEqual(pending.sort(), ['POGAD', 'SOSH8']);
  await page.getByLabel('Отчёт', { exact: true }).selectOption('');
  const header = page.locator('#schools-table th[data-col="status"]');
  await header.getByRole('button').click();
  assert.equal(await header.getAttribute('aria-sort'), 'ascending');
  const first = await page.locator('#schools-table tbody tr').first().getAttribute('data-school');
  assert.ok(['POGAD', 'SOSH8'].includes(first), `pending before on time, got ${first}`);
  await header.getByRole('button').click();
  assert.equal(await header.getAttribute('aria-sort'), 'descending');
  const top = await page.locator('#schools-table tbody tr').first().getAttribute('data-school');
  assert.ok(['ITL24', 'SOSH14'].includes(top), `on time first, got ${top}`);
  await shot(page, 'schools-desktop');
});

/* Clicks the schools table's export button for ext, checks the file's name, returns its bytes. */
async function exportSchools(ext) {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: `Скачать таблицу школ в формате ${ext.toUpperCase()}` }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `kpi-schools-${expect.year}-intermediate.${ext}`);
  const path = join(out, download.suggestedFilename());
  await download.saveAs(path);
  return readFileSync(path);
}

await check('export: the schools table as CSV (BOM, ";", Russian headers) and XLSX', async () => {
  const bytes = await exportSchools('csv');
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
  const lines = bytes.toString('utf8').slice(1).split('\r\n').filter(Boolean);
  assert.equal(lines.length, 1 + mid.expected, 'a header and one line per school');
  assert.ok(lines[0].includes(';') && /[А-Яа-я]/.test(lines[0]), `Russian headers: ${lines[0]}`);
  for (const code of ['SOSH14', 'ITL24', 'SOSH8', 'POGAD']) assert.ok(lines.some((l) => l.includes(code)), code);
  assert.ok(!lines.some((l) => l.includes('OTHER1')));

  const zip = await exportSchools('xlsx');
  assert.equal(zip.subarray(0, 4).toString('latin1'), 'PK\x03\x04', 'a ZIP container');
  assert.ok(zip.includes('xl/worksheets/sheet1.xml'), 'a spreadsheet');
  await page.getByText(/Файл kpi-schools-.*\.xlsx сохранён/).waitFor();
});

await check('a school\'s page: its reports, the current report in readable form', async () => {
  await page.getByRole('link', { name: 'МОУ «СОШ №14»' }).click();
  await page.getByRole('heading', { level: 1, name: 'МОУ «СОШ №14»' }).waitFor();
  assert.equal(await page.locator('#reports-table tbody tr').count(), 2, 'entry and intermediate');
  await page.locator('#report').waitFor();
  assert.match(clean(await page.locator('.report__meta').textContent()), /^Версия 1, получена/);
  assert.equal(clean(await page.locator('[data-figure="young-coverage"]').textContent()), percent(6, 8));
  await page.getByRole('heading', { name: /^Наставники \(\d+\)$/ }).waitFor();
  await page.getByRole('heading', { name: /^Наставнические пары и группы/ }).waitFor();
  await page.getByRole('heading', { name: /^Дорожная карта/ }).waitFor();
  assert.ok(await page.getByText('учитель – учитель').count() > 0, 'pair forms in Russian');
  await shot(page, 'school-desktop');
});

await check('a school\'s page: its website findings, the broken document and why', async () => {
  const site = page.locator('#site-check');
  await site.waitFor();
  assert.equal(await site.getAttribute('data-compliant'), 'no');
  const rows = site.locator('#site-required tbody tr');
  assert.equal(await rows.count(), 6, 'the six documents a district requires by default');
  const broken = rows.filter({ hasText: 'Приказ о внедрении целевой модели' });
  assert.equal(clean(await broken.locator('td').nth(0).textContent()), 'ссылка не работает');
  assert.equal(clean(await broken.locator('td').nth(2).textContent()), 'вместо документа открывается веб-страница');
  assert.equal(await rows.filter({ hasText: 'найден' }).count(), 5);
  assert.equal(await site.getByRole('link', { name: 'открыть' }).getAttribute('href'), 'https://SOSH14.example.ru/nastavnichestvo/');
});

await check('a school\'s page: the history of versions, an older version opened', async () => {
  await page.getByRole('link', { name: `${expect.year.replace('-', '/')}, входной этап` }).click();
  await page.locator('#report[data-version="2"]').waitFor();
  assert.equal(clean(await page.locator('[data-figure="young-coverage"]').textContent()), percent(entry.young_mentored, entry.young));
  const history = page.locator('#history-table tbody tr');
  assert.equal(await history.count(), 2);
  assert.equal(clean(await history.first().locator('th').textContent()), 'v2', 'newest first');
  await page.locator('#history-table').getByRole('link', { name: 'открыть' }).click();
  await page.locator('#report[data-version="1"]').waitFor();
  assert.equal(clean(await page.locator('[data-figure="young-coverage"]').textContent()), percent(2, 8));
  assert.ok(clean(await page.locator('#report-comment').textContent()).includes('первая версия'));
});

await check('every form control has a label; every data table has headers', async () => {
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => !el.labels?.length && !el.getAttribute('aria-label')).map((el) => el.outerHTML));
  assert.deepEqual(unlabelled, []);
  const headless = await page.evaluate(() => [...document.querySelectorAll('main table')]
    .filter((t) => !t.querySelector('th')).length);
  assert.equal(headless, 0);
});

await check('sign out forgets the token', async () => {
  await page.getByRole('button', { name: 'Выйти' }).click();
  await page.getByRole('heading', { level: 1, name: 'Вход в панель мониторинга' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('mentorwatch.token')), null);
});

await check('a region token: the region\'s figures, no raw report (personal data)', async () => {
  if (!env.MW_REGION_TOKEN) return;
  await signIn(page, base, env.MW_REGION_TOKEN);
  assert.match(clean(await page.locator('h1').textContent()), /Демо регион/);
  await page.goto(`${base}/#/school/SOSH14?year=${expect.year}&stage=intermediate`);
  await page.getByRole('heading', { level: 1, name: 'МОУ «СОШ №14»' }).waitFor();
  await page.locator('#school-report').getByText('недоступен с этим токеном').waitFor();
  assert.equal(await page.locator('#report').count(), 0, 'no report rendered');
  await page.getByRole('button', { name: 'Выйти' }).click();
});

await check('a report sent now is on the overview after «Обновить» (no stale figures)', async () => {
  if (!env.MW_SCHOOL_TOKEN) return;
  await signIn(page, base, token);
  await choosePeriod(page, 'final', 'итоговый');
  assert.equal(await cardValue(page, 'reported'), `0 из ${mid.expected}`);
  const example = new URL('../../services/collector/api/examples/sosh14-2024-intermediate.json', import.meta.url);
  const report = { ...JSON.parse(readFileSync(example, 'utf8')), academic_year: expect.year.replace('-', '/'), stage: 'final' };
  const resp = await fetch(`${base}/api/v1/reports`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${env.MW_SCHOOL_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(report),
  });
  assert.equal(resp.status, 201, await resp.text());
  await page.getByRole('button', { name: 'Обновить данные' }).click();
  await page.locator('[data-card="reported"] .card__value', { hasText: `1 из ${mid.expected}` }).waitFor();
  const finalRow = page.locator('#chart-reporting_rate tr', { hasText: 'итоговый' }).filter({ hasText: expect.year.replace('-', '/') });
  assert.equal(clean(await finalRow.locator('td').last().textContent()), percent(1, mid.expected), 'the chart too');
  assert.match(clean(await page.locator('#status').textContent()), /^Данные на \d\d:\d\d$/);
});

// ---- phone (390×844) ---------------------------------------------------------------------

const phone = await newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
const mobile = await phone.newPage();
current = mobile;

/* A mobile browser widens its layout viewport to fit content: compare with the screen's 390. */
async function noSideways(p) {
  const [scroll, inner] = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= 390 && inner <= 390, `no horizontal scrolling at 390 px (page ${scroll}, viewport ${inner})`);
}

await check('phone: sign in, the overview fits the screen', async () => {
  await signIn(mobile, base, token);
  await choosePeriod(mobile, 'intermediate', 'промежуточный');
  assert.equal(await cardValue(mobile, 'reported'), `${mid.received} из ${mid.expected}`);
  await noSideways(mobile);
  await shot(mobile, 'overview-phone');
});

await check('phone: the schools table as cards, sortable from a labelled select', async () => {
  await mobile.getByRole('link', { name: 'Школы' }).click();
  await mobile.getByRole('heading', { level: 1, name: 'Школы района' }).waitFor();
  await mobile.getByLabel('Сортировка', { exact: true }).selectOption('status:-1');
  const top = await mobile.locator('#schools-table tbody tr').first().getAttribute('data-school');
  assert.ok(['ITL24', 'SOSH14'].includes(top), top);
  await noSideways(mobile);
  await shot(mobile, 'schools-phone');
});

await check('phone: a school\'s page fits the screen', async () => {
  await mobile.getByRole('link', { name: 'МОУ «СОШ №14»' }).click();
  await mobile.locator('#report').waitFor();
  await noSideways(mobile);
  await shot(mobile, 'school-phone');
});

await browser.close();
console.log(`all ${step} steps passed; screenshots in ${out}`);
