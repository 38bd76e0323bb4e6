import { optimizeDispatch, scenarioSchema, toStoredPlan, type DispatchPlan } from '../../src/dispatch/index.js';
import type { Stores } from '../../src/storage/index.js';
import type { ForecastPoint, TelemetryPoint } from '../../src/contract/index.js';

/**
 * A known data set for the API tests and bench: every value is chosen so that an answer can be checked
 * exactly. Times are relative to `baseMs`, the start of the current hour.
 */
export const HOUR = 3_600_000;
export const QUARTER = 15 * 60_000;
export const SITE = 'town';
export const OTHER_SITE = 'village';

export interface ApiDataset {
  baseMs: number;
  telemetry: TelemetryPoint[];
  /** Two issues of the same 48 steps: A (issued baseMs − 2 h) and B (baseMs − 1 h). */
  issueA: number;
  issueB: number;
  forecasts: ForecastPoint[];
  planA: DispatchPlan;
  planB: DispatchPlan;
}

/**
 * Site `town`: feeder f1 with loads m1 (2 kW) and m2 (3 kW), PV pv1 (0, 0.5, 1, 1.5 kW by quarter hour,
 * mean 0.75) and a weather station ws; feeder f2 with load m3 (1.25 kW), wind w1 (4 kW) and load m9
 * (1 kW), which went silent 5 h 15 min before baseMs. Every 15 minutes over the 24 h before baseMs.
 * Site `village`: one load meter, v1 (100 kW), so anything that leaks across sites shows.
 */
export function telemetryPoints(baseMs: number): TelemetryPoint[] {
  const out: TelemetryPoint[] = [];
  for (let k = 0; k < 96; k++) {
    const timeMs = baseMs - 24 * HOUR + k * QUARTER;
    const p = (feeder: string, meter: string, kind: TelemetryPoint['kind'], fields: TelemetryPoint['fields']) => out.push({ site: SITE, feeder, meter, kind, timeMs, fields });
    p('f1', 'm1', 'load', { power_kw: 2, voltage_v: 230 });
    p('f1', 'm2', 'load', { power_kw: 3 });
    p('f1', 'pv1', 'pv', { power_kw: (k % 4) * 0.5 });
    p('f1', 'ws', 'weather', { temperature_c: 10 });
    p('f2', 'm3', 'load', { power_kw: 1.25 });
    p('f2', 'w1', 'wind', { power_kw: 4 });
    if (k < 76) p('f2', 'm9', 'load', { power_kw: 1 });
    out.push({ site: OTHER_SITE, feeder: 'f1', meter: 'v1', kind: 'load', timeMs, fields: { power_kw: 100 } });
  }
  return out;
}

/** P50 of step i (0–47, starting at baseMs) for a target and issue: load 10 + i (+10 in issue B), pv 5 + i/2, wind 30 − i/4. */
export function p50Of(target: ForecastPoint['target'], i: number, issue: 'A' | 'B'): number {
  const shift = issue === 'B' ? 10 : 0;
  if (target === 'load') return 10 + i + shift;
  if (target === 'pv') return 5 + i / 2 + shift;
  return 30 - i / 4 + shift;
}

export function forecastPoints(site: string, baseMs: number, issuedAtMs: number, issue: 'A' | 'B', steps = 48): ForecastPoint[] {
  const out: ForecastPoint[] = [];
  for (const target of ['load', 'pv', 'wind'] as const) {
    for (let i = 0; i < steps; i++) {
      const p50Kw = p50Of(target, i, issue);
      out.push({ site, feeder: 'all', target, model: issue === 'A' ? 'seasonal-naive-week' : 'lstm@20260101T000000Z', issuedAtMs, timeMs: baseMs + i * HOUR, p10Kw: p50Kw - 1, p50Kw, p90Kw: p50Kw + 2 });
    }
  }
  return out;
}

/** A real plan from the optimizer (one battery, a grid connection, hourly steps) for the given load forecast. */
export async function dispatchPlan(site: string, baseMs: number, issuedAtMs: number, issue: 'A' | 'B', steps = 48): Promise<DispatchPlan> {
  const series = (target: ForecastPoint['target']) => {
    const p50 = Array.from({ length: steps }, (_, i) => p50Of(target, i, issue));
    return { p10Kw: p50.map((v) => v - 1), p50Kw: p50, p90Kw: p50.map((v) => v + 2) };
  };
  const scenario = scenarioSchema.parse({
    site,
    start: new Date(baseMs).toISOString(),
    stepMinutes: 60,
    forecasts: { load: series('load'), pv: series('pv') },
    batteries: [{ id: 'bess1', capacityKwh: 40, maxChargeKw: 10, maxDischargeKw: 10, socInitialPct: 50 }],
    grid: { importLimitKw: 200, exportLimitKw: 100, importPricePerKwh: { series: Array.from({ length: steps }, (_, i) => (i % 24 >= 17 && i % 24 < 21 ? 0.4 : 0.2)) }, exportPricePerKwh: 0.05 },
    reserve: { method: 'none' },
    solver: { relaxIntegrality: true },
  });
  return optimizeDispatch(scenario, { issuedAtMs });
}

export async function buildDataset(baseMs: number): Promise<ApiDataset> {
  const issueA = baseMs - 2 * HOUR;
  const issueB = baseMs - HOUR;
  return {
    baseMs,
    telemetry: telemetryPoints(baseMs),
    issueA,
    issueB,
    forecasts: [...forecastPoints(SITE, baseMs, issueA, 'A'), ...forecastPoints(SITE, baseMs, issueB, 'B')],
    planA: await dispatchPlan(SITE, baseMs, baseMs - 30 * 60_000, 'A'),
    planB: await dispatchPlan(SITE, baseMs, baseMs - 10 * 60_000, 'B'),
  };
}

export async function fillStore(stores: Stores, data: ApiDataset): Promise<void> {
  await stores.telemetry.writePoints(data.telemetry);
  await stores.forecasts.writeForecasts(data.forecasts);
  await stores.dispatchPlans.writeDispatchPlan(toStoredPlan(data.planA));
  await stores.dispatchPlans.writeDispatchPlan(toStoredPlan(data.planB));
}
