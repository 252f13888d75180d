// The README's screenshot: the overview of a running dashboard (e.g. deploy/demo.sh's).
// Usage: node tests/browser/screenshot.mjs URL TOKEN OUT.png [WIDTHxHEIGHT]

import { launchBrowser, signIn } from './lib.mjs';

const [base, token, out, size = '1280x860'] = process.argv.slice(2);
if (!base || !token || !out) {
  console.error('usage: node tests/browser/screenshot.mjs URL TOKEN OUT.png [WIDTHxHEIGHT]');
  process.exit(2);
}
const [width, height] = size.split('x').map(Number);
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width, height }, locale: 'ru-RU', timezoneId: 'Europe/Moscow' });
await signIn(page, base, token);
await page.locator('[data-card="reported"]').waitFor();
await page.screenshot({ path: out });
await browser.close();
console.log(`saved ${out}`);
