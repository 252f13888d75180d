// Reading the indicators (/api/v1/kpi/..., services/collector/api/KPI.md).

import { getJson } from './api.js';

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  return q.toString();
}

/* The Kpi of the scope for a period (a school's with school=CODE). */
export function kpiSummary(year, stage, extra = {}) {
  return getJson(`/api/v1/kpi/summary?${query({ year, stage, ...extra })}`);
}

/* One row per school of the scope: status, version, receipt and the school's figures. */
export async function kpiSchools(year, stage) {
  return (await getJson(`/api/v1/kpi/schools?${query({ year, stage })}`)).rows;
}

/* A list endpoint's rows: overdue, consent, site-documents. */
export async function kpiRows(table, params) {
  return (await getJson(`/api/v1/kpi/${table}?${query(params)}`)).rows || [];
}
