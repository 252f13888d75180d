// Numbers, percentages, dates and academic years the Russian way.

const integer = new Intl.NumberFormat('ru-RU', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('ru-RU', { maximumFractionDigits: 1 });

export function formatNumber(n) {
  return n === null || n === undefined || Number.isNaN(n) ? '—' : integer.format(n);
}

/* A percentage as the API gives it (0..100, one decimal): 50 -> "50 %", null -> "—". */
export function formatPercent(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return '—';
  return `${oneDecimal.format(Number(value))}\u00a0%`;
}

/* part / whole in percent with one decimal, or null when whole is 0 (as the API computes it). */
export function percentOf(part, whole) {
  return whole > 0 ? Math.round((1000 * part) / whole) / 10 : null;
}

/* "2024-10-15" or an ISO timestamp -> "15.10.2024". */
export function formatDate(text) {
  if (!text) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m) return `${m[3]}.${m[2]}.${m[1]}`;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? text : d.toLocaleDateString('ru-RU');
}

/* An ISO timestamp -> "15.10.2024, 14:05" in the browser's time zone. */
export function formatDateTime(text) {
  if (!text) return '—';
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) return text;
  return d.toLocaleString('ru-RU', {
    day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit',
  });
}

/* The academic year of a date: from September on, this year/next. */
export function currentAcademicYear(now = new Date()) {
  const y = now.getFullYear();
  const first = now.getMonth() >= 8 ? y : y - 1;
  return `${first}-${first + 1}`;
}

/* "2024-2025" (as in URLs) <-> "2024/2025" (as in reports). */
export function yearLabel(urlYear) {
  return urlYear.replace('-', '/');
}
export function yearParam(year) {
  return year.replace('/', '-');
}

/* The academic years from `first` to `last` inclusive, newest first ("2024-2025"...). */
export function yearRange(last, count) {
  const end = Number(last.slice(0, 4));
  return Array.from({ length: count }, (_, i) => `${end - i}-${end - i + 1}`);
}

/* Bytes for people. */
export function formatBytes(n) {
  if (n < 1024) return `${n} Б`;
  return `${oneDecimal.format(n / 1024)} КБ`;
}
