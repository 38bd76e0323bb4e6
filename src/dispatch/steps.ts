import { DateTime } from 'luxon';
import type { PriceInput, QuantileSeries, ReservePolicy, Scenario } from './scenario.js';

/** A scenario resolved to one number per step: what the formulation and the plan read. */
export interface StepInputs {
  steps: number;
  stepHours: number;
  /** Start of each step, epoch ms. */
  timesMs: number[];
  loadKw: number[];
  pvKw: number[];
  windKw: number[];
  importPrice: number[];
  exportPrice: number[];
  reserveKw: number[];
}

export function resolveSteps(s: Scenario): StepInputs {
  const steps = s.forecasts.load.p50Kw.length;
  const startMs = Date.parse(s.start);
  const stepMs = s.stepMinutes * 60_000;
  const timesMs = Array.from({ length: steps }, (_, t) => startMs + t * stepMs);
  const zeros = new Array<number>(steps).fill(0);
  // Negative P50s of PV or wind (model noise at night) mean "nothing available", not a load.
  const available = (q: QuantileSeries | undefined) => (q ? q.p50Kw.map((v) => Math.max(0, v)) : zeros);
  return {
    steps,
    stepHours: s.stepMinutes / 60,
    timesMs,
    loadKw: s.forecasts.load.p50Kw.slice(),
    pvKw: available(s.forecasts.pv),
    windKw: available(s.forecasts.wind),
    importPrice: priceSeries(s.grid.importPricePerKwh, timesMs, s.timeZone, 'grid.importPricePerKwh'),
    exportPrice: priceSeries(s.grid.exportPricePerKwh, timesMs, s.timeZone, 'grid.exportPricePerKwh'),
    reserveKw: reserveRequirement(s.reserve, s.forecasts),
  };
}

/** One price per step: a constant, a series, or the time-of-use period containing each step's local start. */
export function priceSeries(price: PriceInput, timesMs: readonly number[], timeZone: string, name: string): number[] {
  if (typeof price === 'number') return timesMs.map(() => price);
  if ('series' in price) return price.series.slice();
  return timesMs.map((ms) => {
    const local = DateTime.fromMillis(ms, { zone: timeZone });
    const minute = local.hour * 60 + local.minute;
    const period = price.timeOfUse.find((p) => inPeriod(minute, toMinute(p.from), toMinute(p.to)));
    if (period) return period.pricePerKwh;
    if (price.otherwisePerKwh !== undefined) return price.otherwisePerKwh;
    throw new RangeError(`${name}: no time-of-use period covers ${local.toFormat('HH:mm')} local time (${timeZone}); add a period or otherwisePerKwh`);
  });
}

function toMinute(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/** [from, to) on the local clock; to ≤ from wraps past midnight (22:00–06:00). */
function inPeriod(minute: number, from: number, to: number): boolean {
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** Upward reserve per step (kW) under the policy; see reservePolicySchema. */
export function reserveRequirement(policy: ReservePolicy, forecasts: Scenario['forecasts']): number[] {
  const steps = forecasts.load.p50Kw.length;
  if (policy.method === 'none') return new Array<number>(steps).fill(0);
  if (policy.method === 'fixed') return new Array<number>(steps).fill(policy.kw);
  return Array.from({ length: steps }, (_, t) => {
    // Net load rises when load is above its P50 or PV/wind below theirs.
    const spreads = [
      forecasts.load.p90Kw[t]! - forecasts.load.p50Kw[t]!,
      forecasts.pv ? forecasts.pv.p50Kw[t]! - forecasts.pv.p10Kw[t]! : 0,
      forecasts.wind ? forecasts.wind.p50Kw[t]! - forecasts.wind.p10Kw[t]! : 0,
    ].map((x) => Math.max(0, x));
    const combined = policy.combine === 'additive' ? spreads.reduce((a, b) => a + b, 0) : Math.sqrt(spreads.reduce((a, b) => a + b * b, 0));
    return Math.max(policy.minimumKw, policy.factor * combined);
  });
}
