import type { ForecastTarget } from './targets.js';

/**
 * Forecasts, as stored: measurement `forecast`, tags `site`, `feeder` (`all` for the site total),
 * `target`, `model`, `lead` (whole hours from issue to target time, 0–168: bounds the series count the
 * way OpenSTEF's horizon tag does), fields `p10_kw`, `p50_kw`, `p90_kw`, `issued_at_ms`,
 * `band_scale_lower`, `band_scale_upper`; time = the start of the forecast step. Every issued forecast
 * stays retrievable by its issue time.
 */
export const FORECAST_MEASUREMENT = 'forecast';
export const SITE_TOTAL_FEEDER = 'all';
export const MAX_FORECAST_LEAD_HOURS = 168;
const HOUR_MS = 3_600_000;

export interface ForecastPoint {
  site: string;
  /** A feeder id, or `all` for the site total. */
  feeder: string;
  target: ForecastTarget;
  /** The model (or baseline) that produced it: which one serves is visible wherever forecasts are read. */
  model: string;
  issuedAtMs: number;
  /** Start of the forecast step. */
  timeMs: number;
  p10Kw: number;
  p50Kw: number;
  p90Kw: number;
  /**
   * The factors the band's halves (P50 − P10, P90 − P50) were scaled by, adapted to the misses scored before
   * the issue (src/forecast/evaluation/adaptiveBands.ts): the next issue starts from them. Absent: 1.
   */
  bandScaleLower?: number;
  bandScaleUpper?: number;
}

/** Whole hours from issue to target time: round((timeMs − issuedAtMs) / 1 h), the `lead` tag. Never -0. */
export function forecastLeadHours(p: Pick<ForecastPoint, 'timeMs' | 'issuedAtMs'>): number {
  return Math.round((p.timeMs - p.issuedAtMs) / HOUR_MS) + 0;
}

/**
 * Forecast scores, as stored: measurement `forecast_error`, one point per scored forecast step (the
 * forecast job's scoring, src/forecast/scoring.ts; read by the Grafana accuracy dashboard). Tags `site`,
 * `feeder`, `target`, `model`, `lead` as in `forecast`; float fields `actual_kw`, `p50_kw`, `error_kw`,
 * `abs_error_kw`, `ape_pct`, `in_band`, `pinball_kw`, `issued_at_ms`; time = the start of the step.
 * InfluxQL can't join `forecast` with `telemetry`, which is why the pairs are stored.
 */
export const FORECAST_ERROR_MEASUREMENT = 'forecast_error';
export const FORECAST_ERROR_FIELDS = ['actual_kw', 'p50_kw', 'error_kw', 'abs_error_kw', 'ape_pct', 'in_band', 'pinball_kw', 'issued_at_ms'] as const;
export type ForecastErrorField = (typeof FORECAST_ERROR_FIELDS)[number];

export interface ForecastErrorPoint {
  site: string;
  feeder: string;
  target: ForecastTarget;
  /** The model or baseline that made the forecast scored. */
  model: string;
  /** Issue time of the forecast scored; the lead tag is forecastLeadHours() of it, as in `forecast`. */
  issuedAtMs: number;
  /** Start of the step scored. */
  timeMs: number;
  /** The observed mean power of the step (the series the models train on). */
  actualKw: number;
  p50Kw: number;
  /** p50 − actual: above zero the forecast ran high. */
  errorKw: number;
  absErrorKw: number;
  /** 100·|p50 − actual|/|actual|; undefined for a near-zero actual (MAPE's rule, src/forecast/evaluation/metrics.ts). */
  apePct?: number;
  /** 1 when p10 ≤ actual ≤ p90, else 0 (its mean is the band coverage). */
  inBand: 0 | 1;
  /** Mean pinball loss over P10, P50 and P90. */
  pinballKw: number;
}
