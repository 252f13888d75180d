// Reading the indicators (/api/v1/kpi/..., services/collector/api/KPI.md), with a fallback to
// /api/v1/completeness for a collector that does not compute them.

import { ApiError, getJson } from './api.js';
import { percentOf } from './format.js';

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  return q.toString();
}

function isMissingEndpoint(err) {
  return err instanceof ApiError && err.status === 404 && err.code === 'not_found';
}

/* /api/v1/completeness as the reporting part of a Kpi object (other figures null). */
function completenessAsKpi(c) {
  const received = c.on_time + c.late + c.no_deadline;
  return {
    partial: true,
    academic_year: c.academic_year,
    stage: c.stage,
    schools_expected: c.expected,
    reports_received: received,
    reports_on_time: c.on_time,
    reports_late: c.late,
    reports_missing: c.missing,
    reports_pending: c.pending,
    reports_no_deadline: c.no_deadline,
    reporting_rate: percentOf(received, c.expected),
    on_time_rate: percentOf(c.on_time, c.expected),
  };
}

/* The Kpi of the scope for a period (a school's with school=CODE). */
export async function kpiSummary(year, stage, extra = {}) {
  try {
    return await getJson(`/api/v1/kpi/summary?${query({ year, stage, ...extra })}`);
  } catch (err) {
    if (!isMissingEndpoint(err) || extra.school) throw err;
    return completenessAsKpi(await getJson(`/api/v1/completeness?${query({ year, stage })}`));
  }
}

/* One row per school of the scope: status, version, receipt and the school's figures. */
export async function kpiSchools(year, stage) {
  try {
    return (await getJson(`/api/v1/kpi/schools?${query({ year, stage })}`)).rows;
  } catch (err) {
    if (!isMissingEndpoint(err)) throw err;
    const c = await getJson(`/api/v1/completeness?${query({ year, stage })}`);
    return c.schools.map((s) => ({
      partial: true,
      school: s.school,
      school_name: s.name,
      district: s.district,
      status: s.status,
      version: s.version,
      received_at: s.received_at,
      last_received_at: s.last_received_at,
      deadline: s.deadline,
    }));
  }
}

/* A list endpoint's rows (overdue, consent, site-documents); [] where the collector has none. */
export async function kpiRows(table, params) {
  try {
    return (await getJson(`/api/v1/kpi/${table}?${query(params)}`)).rows || [];
  } catch (err) {
    if (isMissingEndpoint(err)) return null;
    throw err;
  }
}
