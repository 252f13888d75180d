// Hash routes: "#/school/SOSH14?year=2024-2025&stage=entry". The token never goes in them.

/* "#/school/SOSH14?year=2024-2025" -> {parts: ["school", "SOSH14"], params} */
export function parseHash(hash = location.hash) {
  const text = hash.replace(/^#\/?/, '');
  const [path, query = ''] = text.split('?');
  return {
    parts: path.split('/').filter(Boolean).map(decodeURIComponent),
    params: new URLSearchParams(query),
  };
}

/* A hash for a view and its parameters (empty ones left out). */
export function hashFor(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const qs = q.toString();
  return `#/${path}${qs ? `?${qs}` : ''}`;
}
