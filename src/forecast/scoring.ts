import { compareByTimeIssueModel } from '../storage/index.js';
import { valueAt } from './data/series.js';
import { countsForMape, pinball } from './evaluation/metrics.js';
import type { RegularSeries } from './types.js';
import { forecastLeadHours, type ForecastErrorPoint, type ForecastPoint } from '../contract/index.js';

/**
 * Live scoring of stored forecasts once their actuals are in, pure: forecast points + the actual series →
 * one `forecast_error` point per scored step (storage/types.ts). The per-step numbers are the ones
 * pointMetrics averages (evaluation/metrics.ts), so a mean over stored scores equals the metric over the
 * same pairs: MAE = mean(abs_error_kw), MAPE = mean(ape_pct), coverage = mean(in_band).
 */

/** The score of one step: what ForecastErrorPoint carries beyond its key. */
export type StepScore = Pick<ForecastErrorPoint, 'actualKw' | 'p50Kw' | 'errorKw' | 'absErrorKw' | 'apePct' | 'inBand' | 'pinballKw'>;

/** Scores one forecast step against its actual; `nearZeroKw` is MAPE's bound (no ape for an actual below it). */
export function scoreStep(f: Pick<ForecastPoint, 'p10Kw' | 'p50Kw' | 'p90Kw'>, actualKw: number, nearZeroKw: number): StepScore {
  const errorKw = f.p50Kw - actualKw;
  return {
    actualKw,
    p50Kw: f.p50Kw,
    errorKw,
    absErrorKw: Math.abs(errorKw),
    ...(countsForMape(actualKw, nearZeroKw) ? { apePct: (100 * Math.abs(errorKw)) / Math.abs(actualKw) } : {}),
    inBand: actualKw >= f.p10Kw && actualKw <= f.p90Kw ? 1 : 0,
    pinballKw: (pinball(actualKw, f.p10Kw, 0.1) + pinball(actualKw, f.p50Kw, 0.5) + pinball(actualKw, f.p90Kw, 0.9)) / 3,
  };
}

/**
 * Scores every forecast point whose step has a finite actual in `actuals` (a gap, a masked value or a
 * step off the series' grid is left unscored, never scored against zero). `nearZeroKw` gives MAPE's
 * bound per forecast by its issue time (nearZeroKwFor the history observed before it), so a point's
 * score doesn't depend on which window it was scored in.
 *
 * One point per site, feeder, target, model, lead and step, the key `forecast_error` is stored under:
 * when two issues of one model round to the same lead for a step, the later issue wins, as it does in
 * forecast storage. Sorted by step, issue time and model.
 */
export function scoreForecastPoints(points: readonly ForecastPoint[], actuals: RegularSeries, nearZeroKw: (issuedAtMs: number) => number): ForecastErrorPoint[] {
  const byKey = new Map<string, ForecastErrorPoint>();
  for (const p of points) {
    const actualKw = valueAt(actuals, p.timeMs);
    if (!Number.isFinite(actualKw)) continue;
    const key = JSON.stringify([p.site, p.feeder, p.target, p.model, forecastLeadHours(p), p.timeMs]);
    const current = byKey.get(key);
    if (current && current.issuedAtMs >= p.issuedAtMs) continue;
    const { site, feeder, target, model, issuedAtMs, timeMs } = p;
    byKey.set(key, { site, feeder, target, model, issuedAtMs, timeMs, ...scoreStep(p, actualKw, nearZeroKw(issuedAtMs)) });
  }
  return [...byKey.values()].sort(compareByTimeIssueModel);
}
