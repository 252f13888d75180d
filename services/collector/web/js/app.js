// The district dashboard: sign-in, then hash routes #/ (overview), #/schools, #/school/CODE,
// each with ?year=2024-2025&stage=entry. Plain ES modules, no build step.

import { ApiError, clearToken, getToken } from './api.js';
import { clear, h } from './dom.js';
import { renderSignIn } from './views/signin.js';
import { renderOverview } from './views/overview.js';
import { renderSchools } from './views/schools.js';
import { renderSchool } from './views/school.js';
import { errorNotice } from './views/ui.js';
import { parseHash } from './router.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const status = document.getElementById('status');

function setStatus(text) {
  status.textContent = text;
}

function markNav(name) {
  for (const a of nav.querySelectorAll('a[data-nav]')) {
    if (a.dataset.nav === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

let renderCount = 0;

async function route({ focus = true } = {}) {
  const mine = ++renderCount;
  // A period or filter chosen from the keyboard keeps its focus across the new page.
  const kept = document.activeElement?.tagName === 'SELECT' ? document.activeElement.id : null;
  const { parts, params } = parseHash();
  const signedIn = Boolean(getToken());
  nav.hidden = !signedIn;
  if (!signedIn) {
    markNav(null);
    clear(main).append(renderSignIn({ onSignedIn: () => route() }));
    document.title = 'Вход — Наставничество';
  } else {
    const view = parts[0] || 'overview';
    markNav(view === 'school' ? 'schools' : view);
    const ctx = { params, isCurrent: () => mine === renderCount };
    setStatus('Загрузка…');
    main.setAttribute('aria-busy', 'true');
    let node;
    try {
      if (view === 'schools') node = await renderSchools(ctx);
      else if (view === 'school' && parts[1]) node = await renderSchool(parts[1], ctx);
      else node = await renderOverview(ctx);
      // Figures change the moment a report lands: say when these were read.
      setStatus(`Данные на ${new Date().toLocaleTimeString('ru-RU', { hour: '2-digit', minute: '2-digit' })}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        clearToken();
        sessionStorage.setItem('mentorwatch.signin_message', 'Сеанс завершён: токен неизвестен или отозван. Войдите снова.');
        return route();
      }
      node = h('div', {}, h('h1', { tabindex: '-1' }, 'Не удалось загрузить страницу'), errorNotice(err));
      setStatus(err.message);
    }
    if (mine !== renderCount) return; // a newer navigation won
    main.removeAttribute('aria-busy');
    clear(main).append(node);
    const title = main.querySelector('h1');
    document.title = `${title ? title.textContent : 'Панель'} — Наставничество`;
  }
  if (!focus) return;
  const again = kept && document.getElementById(kept);
  (again || main.querySelector('h1') || main).focus({ preventScroll: Boolean(again) });
}

document.getElementById('signout').addEventListener('click', () => {
  clearToken();
  location.hash = '#/';
  route();
});

document.getElementById('refresh').addEventListener('click', () => route({ focus: false }));

window.addEventListener('hashchange', () => route());
route({ focus: false });
