// Sign-in with the district's API token: checked with /api/v1/me, then kept in sessionStorage.

import { ApiError, request, setToken } from '../api.js';
import { h } from '../dom.js';
import { ROLES } from '../labels.js';

export function renderSignIn({ onSignedIn }) {
  const message = sessionStorage.getItem('mentorwatch.signin_message');
  sessionStorage.removeItem('mentorwatch.signin_message');
  const error = h('p', { class: 'notice notice--error', id: 'signin-error', role: 'alert', hidden: !message }, message || '');
  const input = h('input', {
    id: 'token', name: 'token', type: 'password', required: true, autocomplete: 'off',
    spellcheck: 'false', autocapitalize: 'off', 'aria-describedby': 'token-help signin-error',
  });
  const submit = h('button', { type: 'submit', class: 'button' }, 'Войти');

  const form = h('form', {
    class: 'signin', novalidate: true,
    onsubmit: async (e) => {
      e.preventDefault();
      const token = input.value.trim();
      error.hidden = true;
      if (!token) {
        error.textContent = 'Введите токен доступа.';
        error.hidden = false;
        input.focus();
        return;
      }
      submit.disabled = true;
      submit.textContent = 'Проверяем…';
      try {
        const me = await (await request('/api/v1/me', token)).json();
        if (me.role === 'school') {
          throw new ApiError(403, 'forbidden', 'Это токен школы. Панель предназначена для управления образования: войдите с токеном района.');
        }
        setToken(token);
        sessionStorage.setItem('mentorwatch.role', me.role);
        onSignedIn(me);
      } catch (err) {
        error.textContent = err instanceof ApiError && err.status === 401
          ? 'Токен не подошёл: он неизвестен или отозван. Проверьте, что он скопирован полностью.'
          : err.message;
        error.hidden = false;
        input.focus();
      } finally {
        submit.disabled = false;
        submit.textContent = 'Войти';
      }
    },
  },
  h('div', { class: 'field' },
    h('label', { for: 'token' }, 'Токен доступа управления образования'),
    input,
    h('p', { class: 'field__help', id: 'token-help' },
      'Токен выдаёт администратор системы (mwctl token issue --role district). Он хранится только в этой вкладке браузера и удаляется при её закрытии.')),
  error,
  submit);

  return h('div', { class: 'signin-page' },
    h('h1', { tabindex: '-1' }, 'Вход в панель мониторинга'),
    h('p', { class: 'lead' }, 'Сдача отчётов школ, показатели целевой модели наставничества и проверка школьных сайтов по району.'),
    form,
    h('p', { class: 'muted' }, `Роли: ${ROLES.district}, ${ROLES.region} (только сводные данные), ${ROLES.admin}.`));
}
