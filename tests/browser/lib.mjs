// What the browser scripts share: Debian's chromium through playwright-core, and signing in.

import { chromium } from 'playwright-core';

/* Debian's chromium (MW_CHROMIUM overrides), headless, in Russian. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.MW_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--disable-gpu', '--no-first-run', '--lang=ru-RU'],
  });
}

/* Opens the dashboard at base and signs in with token; resolves on the overview. */
export async function signIn(page, base, token) {
  await page.goto(`${base}/`);
  await page.getByLabel('Токен доступа управления образования').fill(token);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByRole('heading', { level: 1, name: /^Обзор/ }).waitFor();
}
