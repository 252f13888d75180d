// The collector's API, called with the district's token (kept in sessionStorage only:
// it is gone when the tab closes, and never put in a URL or a cookie).

const TOKEN_KEY = 'mentorwatch.token';

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const FALLBACK_MESSAGES = {
  401: 'Токен доступа не указан, неизвестен или отозван',
  403: 'Нет доступа к этим данным',
  404: 'Данные не найдены',
  503: 'Сервер временно недоступен, повторите попытку позже',
};

/* fetch with the token; throws ApiError (Russian message) for network errors and non-2xx. */
export async function request(path, token = getToken()) {
  let resp;
  try {
    resp = await fetch(path, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(0, 'network', 'Нет связи с сервером. Проверьте подключение и повторите попытку.');
  }
  if (!resp.ok) {
    let body = null;
    try {
      body = await resp.json();
    } catch {
      /* not JSON (a proxy's page): the fallback message says enough */
    }
    const message = body?.message || FALLBACK_MESSAGES[resp.status] || `Ошибка сервера (код ${resp.status})`;
    throw new ApiError(resp.status, body?.code || `http_${resp.status}`, message);
  }
  return resp;
}

export async function getJson(path) {
  return (await request(path)).json();
}

/* The file name of a Content-Disposition header (RFC 6266 filename* first), or null. */
function dispositionName(header) {
  if (!header) return null;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(header);
  return plain ? plain[1].trim() : null;
}

/* Downloads an export: fetched with the token (a plain link could not send it), saved as a file. */
export async function download(path, fallbackName) {
  const resp = await request(path);
  const blob = await resp.blob();
  const name = dispositionName(resp.headers.get('Content-Disposition')) || fallbackName;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return name;
}
