import { InvalidQueryError, StoreRejectedError } from '../../common/errors.js';
import {
  FORECAST_TARGETS,
  FORECAST_TARGETS_TEXT,
  MAX_FORECAST_LEAD_HOURS,
  forecastLeadHours,
  storedNameProblem,
  type ForecastErrorPoint,
  type ForecastPoint,
} from '../../contract/index.js';
import type { ForecastQuery } from './store.js';

/**
 * Forecast rules shared by both engines, pure: both accept, refuse and pick exactly the same points
 * (held to test/integration/storage/contract/forecasts.ts).
 */

/** What forecasts and their scores share: names, target, integer times and a lead of 0–168 h (returned). */
function checkForecastKey(p: Pick<ForecastPoint, 'site' | 'feeder' | 'model' | 'target' | 'timeMs' | 'issuedAtMs'>, where: string): number {
  for (const key of ['site', 'feeder', 'model'] as const) {
    const problem = storedNameProblem(p[key]);
    if (problem) throw new StoreRejectedError(`${where}: ${key} ${problem}`);
  }
  if (!FORECAST_TARGETS.includes(p.target)) {
    throw new StoreRejectedError(`${where}: target must be one of ${FORECAST_TARGETS_TEXT}`);
  }
  if (!Number.isSafeInteger(p.timeMs) || !Number.isSafeInteger(p.issuedAtMs)) {
    throw new StoreRejectedError(`${where}: timeMs and issuedAtMs must be integer epoch ms`);
  }
  const lead = forecastLeadHours(p);
  if (lead < 0 || lead > MAX_FORECAST_LEAD_HOURS) {
    throw new StoreRejectedError(`${where}: lead ${lead} h is outside 0–${MAX_FORECAST_LEAD_HOURS} h (issued at ${p.issuedAtMs})`);
  }
  return lead;
}

/**
 * Checks a batch before any store writes it: StoreRejectedError (the data itself is refused, retrying
 * can't help) naming the first bad point. Returns each point's lead in hours, in batch order.
 */
export function validateForecastPoints(points: readonly ForecastPoint[]): number[] {
  return points.map((p, i) => {
    const where = `forecast point ${i} (${String(p.site)}/${String(p.feeder)}/${String(p.target)} at ${String(p.timeMs)})`;
    const lead = checkForecastKey(p, where);
    for (const key of ['p10Kw', 'p50Kw', 'p90Kw'] as const) {
      if (typeof p[key] !== 'number' || !Number.isFinite(p[key])) throw new StoreRejectedError(`${where}: ${key} is not a finite number`);
    }
    if (!(p.p10Kw <= p.p50Kw && p.p50Kw <= p.p90Kw)) {
      throw new StoreRejectedError(`${where}: quantiles out of order (p10 ${p.p10Kw}, p50 ${p.p50Kw}, p90 ${p.p90Kw})`);
    }
    for (const key of ['bandScaleLower', 'bandScaleUpper'] as const) {
      const v = p[key];
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw new StoreRejectedError(`${where}: ${key} must be a finite number ≥ 0, got ${String(v)}`);
    }
    return lead;
  });
}

/**
 * Checks a batch of scores like validateForecastPoints (names, target, integer times, finite numbers,
 * lead 0–168): StoreRejectedError naming the first bad point. Returns each point's lead in hours.
 */
export function validateForecastErrorPoints(points: readonly ForecastErrorPoint[]): number[] {
  return points.map((p, i) => {
    const where = `forecast error point ${i} (${String(p.site)}/${String(p.feeder)}/${String(p.target)}/${String(p.model)} at ${String(p.timeMs)})`;
    const lead = checkForecastKey(p, where);
    for (const key of ['actualKw', 'p50Kw', 'errorKw', 'absErrorKw', 'pinballKw'] as const) {
      if (typeof p[key] !== 'number' || !Number.isFinite(p[key])) throw new StoreRejectedError(`${where}: ${key} is not a finite number`);
    }
    if (p.apePct !== undefined && (typeof p.apePct !== 'number' || !Number.isFinite(p.apePct))) {
      throw new StoreRejectedError(`${where}: apePct is not a finite number (leave it out for a near-zero actual)`);
    }
    if (p.inBand !== 0 && p.inBand !== 1) throw new StoreRejectedError(`${where}: inBand must be 0 or 1`);
    return lead;
  });
}

/**
 * The order of readForecastHistory and readForecastErrors in every store: time, issue time, then model
 * (plain code-unit order, as DuckDB's ORDER BY on VARCHAR).
 */
export function compareByTimeIssueModel(a: Pick<ForecastPoint, 'timeMs' | 'issuedAtMs' | 'model'>, b: Pick<ForecastPoint, 'timeMs' | 'issuedAtMs' | 'model'>): number {
  if (a.timeMs !== b.timeMs) return a.timeMs - b.timeMs;
  if (a.issuedAtMs !== b.issuedAtMs) return a.issuedAtMs - b.issuedAtMs;
  return a.model === b.model ? 0 : a.model < b.model ? -1 : 1;
}

/** Checks a read before any store builds SQL/InfluxQL from it: InvalidQueryError otherwise. */
export function validateForecastQuery(q: ForecastQuery): void {
  for (const key of ['site', 'feeder'] as const) {
    const problem = storedNameProblem(q[key]);
    if (problem) throw new InvalidQueryError(`forecast query: ${key} ${problem}`);
  }
  if (!FORECAST_TARGETS.includes(q.target)) {
    throw new InvalidQueryError(`forecast query: target '${String(q.target)}' is unknown; allowed: ${FORECAST_TARGETS_TEXT}`);
  }
  if (!Number.isSafeInteger(q.fromMs) || !Number.isSafeInteger(q.toMs) || q.fromMs >= q.toMs) {
    throw new InvalidQueryError(`forecast query: time range must be integer epoch ms with fromMs < toMs (got ${q.fromMs}..${q.toMs})`);
  }
  if (q.asOfMs !== undefined && !Number.isSafeInteger(q.asOfMs)) {
    throw new InvalidQueryError(`forecast query: asOfMs must be integer epoch ms (got ${q.asOfMs})`);
  }
}

/**
 * For each target time, the point with the greatest issuedAtMs at or before `asOfMs` (any issue time
 * when undefined); sorted by time. Equal issue times (only possible across models in InfluxDB, where
 * each model is its own series) go to the model name that sorts first, so the answer is deterministic.
 */
export function latestPerTime(points: Iterable<ForecastPoint>, asOfMs?: number): ForecastPoint[] {
  const best = new Map<number, ForecastPoint>();
  for (const p of points) {
    if (asOfMs !== undefined && p.issuedAtMs > asOfMs) continue;
    const current = best.get(p.timeMs);
    if (!current || p.issuedAtMs > current.issuedAtMs || (p.issuedAtMs === current.issuedAtMs && p.model < current.model)) {
      best.set(p.timeMs, p);
    }
  }
  return [...best.values()].sort((a, b) => a.timeMs - b.timeMs);
}

/**
 * The optional band-scale fields of a stored forecast point, both or neither: absent when not stored
 * (points from before band scales) or both 1 (not re-scaled, which is how the stores write "absent").
 */
export function withBandScales(lower: number | undefined, upper: number | undefined): Pick<ForecastPoint, 'bandScaleLower' | 'bandScaleUpper'> {
  if (lower === undefined || upper === undefined || (lower === 1 && upper === 1)) return {};
  return { bandScaleLower: lower, bandScaleUpper: upper };
}
