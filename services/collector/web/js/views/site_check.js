// A school's website findings: the «Наставничество» section and the required documents found,
// missing or broken, from the checker's latest stored check.

import { notice } from './ui.js';

/* The checker's results are not served by this collector yet: the page says so plainly. */
export async function renderSiteCheck() {
  return notice('Нет данных проверки: сайт школы ещё не проверялся.');
}
