import type { QuantileForecast } from '../types.js';
import type { Pair } from './metrics.js';

/**
 * Bands re-fitted from the forecaster's own scored errors (rolling, normalised split conformal). A model's
 * band is calibrated once, on the days before its fit; when the errors then grow (a cooling season, a
 * windier month), its P10–P90 covers less and less until the next fit. Scaling each half of the band by
 * what the last weeks' scored steps needed keeps it at 80 % without touching P50.
 */
export interface BandScale {
  /** Factor on P50 − P10: the 90 % conformal quantile of (P50 − actual) / (P50 − P10). */
  lower: number;
  /** Factor on P90 − P50: the 90 % conformal quantile of (actual − P50) / (P90 − P50). */
  upper: number;
  /** Scored steps it was fitted on; 0: too few, the band is left as it is (factors 1). */
  scoredSteps: number;
}

export const UNSCALED: BandScale = { lower: 1, upper: 1, scoredSteps: 0 };
/** Days of scored steps a band is re-scaled from by default, and the fewest worth re-scaling from. */
export const RECALIBRATION_WINDOW_DAYS = 28;
export const MIN_RECALIBRATION_DAYS = 7;

/**
 * A stored point's band as the model made it: its halves divided by the scales it was issued with.
 * Undefined when a scale of 0 collapsed a half (nothing to recover).
 */
export function bandAsMade(p: { p10: number; p50: number; p90: number; bandScaleLower?: number; bandScaleUpper?: number }): { p10: number; p50: number; p90: number } | undefined {
  const lower = p.bandScaleLower ?? 1;
  const upper = p.bandScaleUpper ?? 1;
  if (lower <= 0 || upper <= 0) return undefined;
  return { p10: p.p50 - (p.p50 - p.p10) / lower, p50: p.p50, p90: p.p50 + (p.p90 - p.p50) / upper };
}

/** The finite-sample conformal quantile: the ⌈(n+1)·level⌉-th smallest score. */
function conformal(scores: number[], level: number): number {
  scores.sort((a, b) => a - b);
  const k = Math.min(scores.length, Math.ceil((scores.length + 1) * level)) - 1;
  return scores[Math.max(0, k)]!;
}

/**
 * Factors from scored steps (actual known). Steps with a zero-width half (PV at night) say nothing about
 * the width and are skipped. Fewer than `minSteps` usable steps: UNSCALED. A factor is never below 0, so an
 * edge never crosses P50.
 */
export function fitBandScale(scored: readonly Pair[], minSteps: number): BandScale {
  const lower: number[] = [];
  const upper: number[] = [];
  for (const p of scored) {
    if (!Number.isFinite(p.actual)) continue;
    const down = p.p50 - p.p10;
    const up = p.p90 - p.p50;
    if (down > 0) lower.push((p.p50 - p.actual) / down);
    if (up > 0) upper.push((p.actual - p.p50) / up);
  }
  if (lower.length < minSteps || upper.length < minSteps) return UNSCALED;
  return { lower: Math.max(0, conformal(lower, 0.9)), upper: Math.max(0, conformal(upper, 0.9)), scoredSteps: Math.min(lower.length, upper.length) };
}

/** The forecast with each half of its band scaled; P50 unchanged, P10 never below `floorKw` (0 for PV and wind). */
export function scaleBand(f: QuantileForecast, s: BandScale, floorKw = Number.NEGATIVE_INFINITY): QuantileForecast {
  if (s.lower === 1 && s.upper === 1) return f;
  return {
    ...f,
    p10: f.p10.map((p10, i) => Math.min(f.p50[i]!, Math.max(floorKw, f.p50[i]! - s.lower * (f.p50[i]! - p10)))),
    p90: f.p90.map((p90, i) => f.p50[i]! + s.upper * (p90 - f.p50[i]!)),
  };
}

export interface RecalibrationOptions {
  stepMs: number;
  /** Steps scored in this many days before an issue time re-scale its band. */
  windowDays: number;
  /** Fewer days than this scored: the band is left as made. */
  minDays: number;
  /** P10's floor (0 for PV and wind). */
  floorKw: number;
}

/**
 * Forecasts in issue order, each band re-scaled from the forecasts before it whose steps had ended by its
 * issue time (actual known then), as made (never from re-scaled ones). Pure: the backtest's pass, and
 * what a benchmark replays on saved forecasts.
 */
export function recalibrateForecasts(made: readonly QuantileForecast[], actualAt: (timeMs: number) => number, o: RecalibrationOptions): QuantileForecast[] {
  const stepsPerDay = Math.round(86_400_000 / o.stepMs);
  const scored: (Pair & { timeMs: number })[] = [];
  let next = 0;
  const pending = made.flatMap((f) => f.timesMs.map((timeMs, i) => ({ timeMs, p10: f.p10[i]!, p50: f.p50[i]!, p90: f.p90[i]! }))).sort((a, b) => a.timeMs - b.timeMs);
  return made.map((f) => {
    // Steps ended by this issue time join the scored set (made is in issue order, so the set only grows).
    while (next < pending.length && pending[next]!.timeMs + o.stepMs <= f.issuedAtMs) {
      const p = pending[next++]!;
      scored.push({ ...p, actual: actualAt(p.timeMs) });
    }
    const fromMs = f.issuedAtMs - o.windowDays * 86_400_000;
    const window = scored.filter((p) => p.timeMs >= fromMs);
    return scaleBand(f, fitBandScale(window, o.minDays * stepsPerDay), o.floorKw);
  });
}
