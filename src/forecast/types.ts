/**
 * The forecasting stage's own data types (OpenSTEF keeps each stage's data type apart: measurements,
 * feature frames and forecasts are not `number[][]`). Times are epoch ms UTC; values are kW.
 */

export const FORECAST_TARGETS = ['load', 'pv', 'wind'] as const;
export type ForecastTarget = (typeof FORECAST_TARGETS)[number];

/**
 * A regular series: value i is the mean over [startMs + i·stepMs, startMs + (i+1)·stepMs).
 * NaN marks a step with no (usable) observation: a gap is never a silent zero.
 */
export interface RegularSeries {
  startMs: number;
  stepMs: number;
  values: Float64Array;
}

/** Weather inputs aligned with the target series (same start, step and length). */
export interface WeatherInputs {
  temperatureC?: Float64Array;
  irradianceWm2?: Float64Array;
  windSpeedMs?: Float64Array;
}

/** Where the series is: calendar features are local (DST-safe), solar geometry needs the position. */
export interface SeriesContext {
  target: ForecastTarget;
  timeZone: string;
  /** Local dates YYYY-MM-DD treated like Sundays. */
  holidays: readonly string[];
  latitude?: number;
  longitude?: number;
  /** Installed capacity (PV, wind), for normalised errors; undefined: the observed maximum is used. */
  capacityKw?: number;
}

/** Everything a forecaster may look at. The backtest hands it only what was observed before the issue time. */
export interface ForecastInput {
  series: RegularSeries;
  weather: WeatherInputs;
  context: SeriesContext;
}

export interface ForecastRequest {
  /** When the forecast is made: nothing at or after this instant may be used. */
  issuedAtMs: number;
  /** Start of the first forecast step. */
  firstTargetMs: number;
  /** Number of steps, each `series.stepMs` long. */
  horizon: number;
}

/** P10/P50/P90 per step, never crossing (p10 ≤ p50 ≤ p90). */
export interface QuantileForecast {
  issuedAtMs: number;
  /** Start of each forecast step. */
  timesMs: number[];
  p10: number[];
  p50: number[];
  p90: number[];
}

/** One forecasting method: an LSTM, or a baseline. */
export interface Forecaster {
  readonly name: string;
  /** Learns from `input` (already cut at the training end: everything in it may be used). */
  fit(input: ForecastInput): Promise<void>;
  /** Forecasts from `input` (already cut at the issue time). */
  predict(input: ForecastInput, request: ForecastRequest): Promise<QuantileForecast>;
}
