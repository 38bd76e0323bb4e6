import type { QuantileForecast } from '../types.js';

/**
 * Forecast accuracy, shared by backtests, promotion and dashboards. Pure; NaN actuals (gaps) are
 * left out of every metric rather than counted as zero.
 */
export interface PointMetrics {
  /** Pairs evaluated (actual present). */
  n: number;
  maeKw: number;
  rmseKw: number;
  /** Percent; over actuals with |actual| ≥ nearZeroKw only (`mapeN` of them). */
  mapePct: number;
  mapeN: number;
  /** MAE as a percent of capacity (or of the largest actual when no capacity is known): the PV/wind yardstick. */
  nmaePct: number;
  /** MAE over the in-sample seasonal-naive MAE: < 1 beats that naive method. */
  mase: number;
  /** Mean pinball loss over P10, P50, P90, kW. */
  pinballKw: number;
  /** Share of actuals within [P10, P90]; 0.8 is calibrated. */
  coverageP10P90: number;
}

export interface MetricOptions {
  /** Actuals below this (absolute, kW) are skipped by MAPE. */
  nearZeroKw: number;
  /** Denominator of nMAE; undefined: the largest |actual|. */
  capacityKw?: number;
  /** In-sample seasonal-naive MAE (see seasonalNaiveScaleKw): the MASE denominator. */
  maseScaleKw: number;
}

export interface Pair {
  actual: number;
  p10: number;
  p50: number;
  p90: number;
}

/** MAPE's near-zero bound as a share of the mean |actual| of the history before the forecasts. */
const NEAR_ZERO_SHARE_OF_MEAN = 0.01;

/**
 * The near-zero bound (kW) for MAPE from the history observed before the forecasts: 1 % of its mean
 * |value| (gaps skipped). 0 when there is no history; countsForMape still skips a zero actual then.
 */
export function nearZeroKwFor(history: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < history.length; i++) {
    const v = history[i]!;
    if (Number.isFinite(v)) {
      sum += Math.abs(v);
      n++;
    }
  }
  return n ? (NEAR_ZERO_SHARE_OF_MEAN * sum) / n : 0;
}

/**
 * Whether an actual enters MAPE: |actual| ≥ nearZeroKw and not 0 (a percentage of nothing is infinite;
 * PV at night is the usual case). One rule for backtests, promotion and the stored forecast_error scores.
 */
export function countsForMape(actualKw: number, nearZeroKw: number): boolean {
  return Math.abs(actualKw) >= nearZeroKw && actualKw !== 0;
}

export function pinball(actual: number, predicted: number, quantile: number): number {
  const d = actual - predicted;
  return d >= 0 ? quantile * d : (quantile - 1) * d;
}

export function pointMetrics(pairs: readonly Pair[], o: MetricOptions): PointMetrics {
  let n = 0;
  let abs = 0;
  let sq = 0;
  let pct = 0;
  let mapeN = 0;
  let pin = 0;
  let covered = 0;
  let maxActual = 0;
  for (const p of pairs) {
    if (!Number.isFinite(p.actual)) continue;
    n++;
    const e = p.actual - p.p50;
    abs += Math.abs(e);
    sq += e * e;
    if (countsForMape(p.actual, o.nearZeroKw)) {
      pct += Math.abs(e / p.actual);
      mapeN++;
    }
    pin += (pinball(p.actual, p.p10, 0.1) + pinball(p.actual, p.p50, 0.5) + pinball(p.actual, p.p90, 0.9)) / 3;
    if (p.actual >= p.p10 && p.actual <= p.p90) covered++;
    maxActual = Math.max(maxActual, Math.abs(p.actual));
  }
  const mae = n ? abs / n : Number.NaN;
  const scale = o.capacityKw ?? maxActual;
  return {
    n,
    maeKw: mae,
    rmseKw: n ? Math.sqrt(sq / n) : Number.NaN,
    mapePct: mapeN ? (100 * pct) / mapeN : Number.NaN,
    mapeN,
    nmaePct: n && scale > 0 ? (100 * mae) / scale : Number.NaN,
    mase: n && o.maseScaleKw > 0 ? mae / o.maseScaleKw : Number.NaN,
    pinballKw: n ? pin / n : Number.NaN,
    coverageP10P90: n ? covered / n : Number.NaN,
  };
}

/** Mean |y[t] − y[t − lag]| over the series (pairs with a gap skipped): MASE's denominator. */
export function seasonalNaiveScaleKw(values: Float64Array, lagSteps: number): number {
  let sum = 0;
  let n = 0;
  for (let t = lagSteps; t < values.length; t++) {
    const d = values[t]! - values[t - lagSteps]!;
    if (Number.isFinite(d)) {
      sum += Math.abs(d);
      n++;
    }
  }
  return n ? sum / n : Number.NaN;
}

/** Pairs a forecast with the actuals it predicted, tagged with the lead time in hours. */
export function pairForecast(f: QuantileForecast, actualAt: (timeMs: number) => number): (Pair & { leadHours: number })[] {
  return f.timesMs.map((t, i) => ({
    leadHours: Math.round(((t - f.issuedAtMs) / 3_600_000) * 100) / 100,
    actual: actualAt(t),
    p10: f.p10[i]!,
    p50: f.p50[i]!,
    p90: f.p90[i]!,
  }));
}
