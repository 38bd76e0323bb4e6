import type { PvArray } from './features/solar.js';
import type { Turbine } from './features/wind.js';
import type { ForecastTarget } from '../contract/index.js';
import type { Logger } from '../common/logger.js';
import type { WeatherForecastTable } from './features/weatherForecast.js';
/**
 * The forecasting stage's own data types (OpenSTEF keeps each stage's data type apart: measurements,
 * feature frames and forecasts are not `number[][]`). Times are epoch ms UTC; values are kW.
 */


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
  /** PV array orientation, when known: the weather forecast's irradiance is turned onto its plane. */
  pvArray?: PvArray;
  /** Wind turbines' hub height and power curve, when known. */
  turbine?: Turbine;
}

/** Everything a forecaster may look at. The backtest hands it only what was observed before the issue time. */
export interface ForecastInput {
  series: RegularSeries;
  weather: WeatherInputs;
  /**
   * Weather forecasts for the steps ahead, every vintage, looked up as known at each issue time (so it is
   * never cut like the observations: a later vintage is simply not visible from an earlier issue).
   */
  weatherForecast?: WeatherForecastTable;
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

/** How a training run is going, after each epoch (progress bars, logs). */
export interface EpochProgress {
  epoch: number;
  epochs: number;
  /** Mean training loss over the epoch, on scaled values. */
  loss: number;
  elapsedMs: number;
}

/** Run-time hooks of training and loading, never saved with a model. */
export interface TrainingRuntime {
  /** Called after every epoch (progress bars, logs). */
  onEpoch?: (progress: EpochProgress) => void;
  /** Stops training at the next batch; fit then resolves with the weights learned so far. */
  signal?: AbortSignal;
  /** Gets the backend choice and training progress at debug level; silent when omitted. */
  logger?: Logger;
}

/** A trained model as the registry keeps it: its files, and what the registry records about it. */
export interface SavedModel {
  /** File name → contents; exactly what ModelKind.loadFiles reads back. */
  files: Record<string, Uint8Array | string>;
  /** The inputs it uses (history, calendar, weather channels, …), shown by /api/v1/models. */
  features: string[];
  /** Fitted on training data only; recorded for inspection. */
  scalers: unknown;
  options: unknown;
  /** Where it trained (the TensorFlow.js backend), or 'unknown'. */
  backend: string;
}

/** A forecaster with learned weights: it saves itself as files (baselines have nothing to save). */
export interface TrainableForecaster extends Forecaster {
  saveFiles(): Promise<SavedModel>;
}

/** The shape a series asks of a new model: steps of input, and steps it must forecast in one pass. */
export interface ModelShape {
  inputSteps: number;
  horizonSteps: number;
}

/**
 * A kind of model (the LSTM): it makes a new, untrained one for a series and loads a saved one back, so
 * the forecasting service never names a model class or its files. Its name prefixes the served versions
 * (`lstm@20261201T023000Z`).
 */
export interface ModelKind<Overrides = unknown> {
  readonly name: string;
  create(shape: ModelShape, overrides: Partial<Overrides> | undefined, runtime: TrainingRuntime): TrainableForecaster;
  loadFiles(readFile: (name: string) => Promise<Uint8Array>, runtime: TrainingRuntime): Promise<Forecaster>;
}
