import type { QuantileForecast } from '../types.js';

/**
 * Bands that adapt to the forecaster's own scored misses (adaptive conformal inference, Gibbs & Candès
 * 2021). A model's band is calibrated once, on the weeks before its fit; when errors then grow (a cooling
 * season, a windier month) it covers less and less until the next fit, and a baseline's band may be wider
 * than it needs. Each half of the band (P50 − P10, P90 − P50) is scaled by a factor k; after every scored
 * step, log k += γ·(miss − 0.1), a miss being an actual beyond that edge as issued (γ scaled to the step length). Over T steps the share
 * of misses on each side is then within about |log k range| / (γ·T) of 10 % whatever the drift, which a
 * window of past errors can't promise (it lags the season: measured in docs/benchmarks.md). P50 is untouched.
 */
export interface BandScale {
  /** Factor on P50 − P10. */
  lower: number;
  /** Factor on P90 − P50. */
  upper: number;
}

export const UNSCALED: BandScale = { lower: 1, upper: 1 };
/**
 * γ per scored hour (a 15-minute step moves a quarter as much, so a band adapts as fast per day at any
 * resolution). 0.02 held every LSTM backtest of docs/benchmarks.md within 75–85 %; 0.01 left one at 75.0 %.
 */
export const DEFAULT_BAND_ADAPTATION = 0.02;
const HOUR_MS = 3_600_000;

/** γ for one step of `stepMs` from γ per hour. */
export function gammaPerStep(gammaPerHour: number, stepMs: number): number {
  return (gammaPerHour * stepMs) / HOUR_MS;
}
/** The factors stay within 1/5 to 5: a run of misses (an outage, a gap scored as zero) can't blow a band up without bound. */
const MAX_LOG_SCALE = Math.log(5);
/** Each edge's target share of misses. */
const MISS_SHARE = 0.1;

/** One scored step: the band as issued (scale included) and the actual; several forecasts of one step are averaged. */
export interface ScoredStep {
  actual: number;
  p10: number;
  p50: number;
  p90: number;
}

/**
 * The factors after `steps` (in time order), from `start`. Per step, the misses of every forecast of it
 * count as one fraction, so an hourly job that forecasts a step 48 times moves k as one daily issue does.
 * A zero-width half (PV at night) says nothing and leaves its factor alone.
 */
export function adaptBandScale(start: BandScale, steps: readonly (readonly ScoredStep[])[], gamma: number): BandScale {
  let lower = Math.log(start.lower);
  let upper = Math.log(start.upper);
  const clamp = (x: number) => Math.max(-MAX_LOG_SCALE, Math.min(MAX_LOG_SCALE, x));
  for (const forecasts of steps) {
    const judged = forecasts.filter((f) => Number.isFinite(f.actual));
    const lowHalves = judged.filter((f) => f.p50 > f.p10);
    const highHalves = judged.filter((f) => f.p90 > f.p50);
    if (lowHalves.length > 0) lower = clamp(lower + gamma * (lowHalves.filter((f) => f.actual < f.p10).length / lowHalves.length - MISS_SHARE));
    if (highHalves.length > 0) upper = clamp(upper + gamma * (highHalves.filter((f) => f.actual > f.p90).length / highHalves.length - MISS_SHARE));
  }
  return { lower: Math.exp(lower), upper: Math.exp(upper) };
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

export interface AdaptationOptions {
  stepMs: number;
  /** γ per scored hour. */
  gamma: number;
  /** P10's floor (0 for PV and wind). */
  floorKw: number;
}

/**
 * Forecasts in issue order, each band scaled by the factors its issue time knew: every step of an earlier
 * forecast that had ended by then, judged against that forecast's band as issued. Pure: the backtest's
 * pass, and what a benchmark replays on saved forecasts; the live service does the same from the store.
 */
export function adaptForecasts(made: readonly QuantileForecast[], actualAt: (timeMs: number) => number, o: AdaptationOptions): QuantileForecast[] {
  const issued: { timeMs: number; forecast: QuantileForecast; i: number }[] = [];
  let scale = UNSCALED;
  let next = 0;
  const out: QuantileForecast[] = [];
  for (const f of made) {
    // Steps that ended by this issue time, in time order, grouped per step.
    issued.sort((a, b) => a.timeMs - b.timeMs);
    const ended: ScoredStep[][] = [];
    while (next < issued.length && issued[next]!.timeMs + o.stepMs <= f.issuedAtMs) {
      const timeMs = issued[next]!.timeMs;
      const group: ScoredStep[] = [];
      while (next < issued.length && issued[next]!.timeMs === timeMs) {
        const { forecast, i } = issued[next++]!;
        group.push({ actual: actualAt(timeMs), p10: forecast.p10[i]!, p50: forecast.p50[i]!, p90: forecast.p90[i]! });
      }
      ended.push(group);
    }
    scale = adaptBandScale(scale, ended, gammaPerStep(o.gamma, o.stepMs));
    const scaled = scaleBand(f, scale, o.floorKw);
    out.push(scaled);
    issued.splice(0, next);
    next = 0;
    scaled.timesMs.forEach((timeMs, i) => issued.push({ timeMs, forecast: scaled, i }));
  }
  return out;
}
