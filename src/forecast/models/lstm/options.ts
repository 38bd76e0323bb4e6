import { FORECAST_FEATURES, type ForecastFeature } from './weatherForecastFeatures.js';
import type { TrainingRuntime } from '../../types.js';
import type { ResidualReference } from './features.js';

/** The numbers that define a model: saved with it, so a loaded model is rebuilt exactly. */
export interface LstmHyperparameters {
  /** LSTM units. Small on purpose: wasm trains an LSTM far slower than native PyTorch. */
  hiddenUnits: number;
  /** Units of the dense layer shared by every target step. */
  decoderUnits: number;
  /** Steps of recent history the LSTM reads (24 = one day at hourly resolution). */
  inputSteps: number;
  /** Steps forecast after the last observation; a request may ask for any window inside it. */
  horizonSteps: number;
  /** Passes over the training windows; 0 = from trainingBudgetSamples (epochsFor). */
  epochs: number;
  /**
   * With epochs 0: epochs = round(budget / training windows), clamped to 3–30, so the cost of a fit stays
   * about the same whatever the history length.
   */
  trainingBudgetSamples: number;
  /** Networks trained with different seeds and averaged (each gets the full epochs: cost × size). */
  ensembleSize: number;
  /** Time of year (sin/cos) as a feature of every target step, when the fit has ≥ 18 months of history. */
  seasonOfYear: boolean;
  /** Read the input's weather forecast (when it has one) at every target step; false: ignore it. */
  useWeatherForecast: boolean;
  /** Weather-forecast features left out (ablation: bench:forecast measures what each adds); [] = all that apply. */
  excludeWeatherFeatures: ForecastFeature[];
  batchSize: number;
  learningRate: number;
  /**
   * 'cosine': down to a tenth of learningRate over the fit (train.ts); 'constant'. Over the 21 peer- series
   * side by side (docs/benchmarks.md) cosine was better on 10 and worse on 11, but below the peer on 17 against
   * 16, 0.905× against 0.916×, and without constant's outlier (Tétouan zone 3: 4.70 % against 6.55 %).
   */
  learningRateSchedule: 'constant' | 'cosine';
  seed: number;
  /** Training skips a sample whose input window has more than this fraction missing. */
  maxMissingInputFraction: number;
  /** Train on at most this many of the most recent samples (bounds the cost of long histories); 0 = all. */
  maxTrainingSamples: number;
  /**
   * A refit of an already fitted model continues from its weights (and keeps its scalers) for this many
   * epochs instead of starting over: rolling backtests refit often on mostly the same data. 0 = always start over.
   */
  warmStartEpochs: number;
  /**
   * Load only: after a persistent level shift, train on the new level: the year since the shift when there
   * is one, else the history before it scaled by the shift's ratio.
   */
  trainFromLevelShift: boolean;
  /**
   * Load only: predict a correction to a seasonal reference instead of the level ('week': the same hour a
   * week back; 'dayAndWeek': the mean of the same hour a day and a week back); 'none': the level. Off: on 8
   * peer- series (docs/benchmarks.md) 'week' was better on 4 and worse on 4, 'dayAndWeek' better on 4 and
   * worse on 4 (AT +16 %, Tétouan zone 2 +10 %).
   */
  residualOn: 'none' | ResidualReference;
  /** Load with holidays: how close the next and the last holiday are, at every target step. */
  holidayProximity: boolean;
  /** Band calibration windows: the latest ones, or a week in every seven (calibration.ts CalibrationHoldout). */
  calibrationHoldout: 'latest' | 'interleaved';
}

export const DEFAULT_LSTM_HYPERPARAMETERS: Readonly<LstmHyperparameters> = {
  hiddenUnits: 32,
  decoderUnits: 32,
  inputSteps: 24,
  // Covers the day-ahead case: issued 10:00 on D−1, targets 00:00–24:00 on D = 38 steps after the last observation (39 around DST).
  horizonSteps: 48,
  // Measured on PJM East day-ahead (bench:forecast, wasm, ~7.5 s per epoch per year of hourly windows): at the
  // same cost, 3 years × 4 epochs gave MAPE 6.63 % where 1 year × 12 epochs gave 7.19 %: more history beats more passes.
  epochs: 0,
  trainingBudgetSamples: 12 * 365 * 24,
  ensembleSize: 1,
  seasonOfYear: true,
  useWeatherForecast: true,
  excludeWeatherFeatures: [],
  batchSize: 64,
  learningRate: 0.003,
  learningRateSchedule: 'cosine',
  seed: 42,
  maxMissingInputFraction: 0.25,
  maxTrainingSamples: 0,
  warmStartEpochs: 0,
  trainFromLevelShift: true,
  residualOn: 'none',
  holidayProximity: true,
  calibrationHoldout: 'interleaved',
};

export type { EpochProgress } from '../../types.js';

/** How a training run went; kept on the forecaster and saved with the model. */
export interface TrainingSummary {
  samples: number;
  epochsRun: number;
  finalLoss: number;
  aborted: boolean;
  durationMs: number;
  tfBackend: string;
  /** Networks trained and averaged (more than ensembleSize when a short history's budget went to seeds). */
  members?: number;
  /** Set when the history was cut or scaled at a level shift (ISO-8601 and the step's ratio). */
  levelShift?: { at: string; ratio: number };
}

/** Run-time hooks that are never saved: the same for every model kind. */
export type LstmRuntimeOptions = TrainingRuntime;

export type LstmOptions = Partial<LstmHyperparameters> & LstmRuntimeOptions;

export function resolveHyperparameters(options: Partial<LstmHyperparameters>): LstmHyperparameters {
  const defined = Object.fromEntries(Object.entries(options).filter(([key, v]) => v !== undefined && key in DEFAULT_LSTM_HYPERPARAMETERS));
  const merged: LstmHyperparameters = { ...DEFAULT_LSTM_HYPERPARAMETERS, ...defined };
  for (const key of ['seasonOfYear', 'useWeatherForecast', 'trainFromLevelShift', 'holidayProximity'] as const) {
    if (typeof merged[key] !== 'boolean') throw new RangeError(`LSTM option ${key} must be true or false, got ${String(merged[key])}`);
  }
  const unknown = Array.isArray(merged.excludeWeatherFeatures) ? merged.excludeWeatherFeatures.filter((f) => !(FORECAST_FEATURES as readonly string[]).includes(f)) : ['(not a list)'];
  if (unknown.length > 0) throw new RangeError(`LSTM option excludeWeatherFeatures must list weather-forecast features (${FORECAST_FEATURES.join(', ')}); unknown: ${unknown.join(', ')}`);
  if (!['none', 'week', 'dayAndWeek'].includes(merged.residualOn)) throw new RangeError(`LSTM option residualOn must be none, week or dayAndWeek, got ${String(merged.residualOn)}`);
  if (!Number.isInteger(merged.epochs) || merged.epochs < 0) throw new RangeError(`LSTM option epochs must be a whole number ≥ 0 (0 = from trainingBudgetSamples), got ${merged.epochs}`);
  const positiveIntegers = ['hiddenUnits', 'decoderUnits', 'inputSteps', 'horizonSteps', 'trainingBudgetSamples', 'ensembleSize', 'batchSize'] as const;
  for (const key of positiveIntegers) {
    if (!Number.isInteger(merged[key]) || merged[key] < 1) throw new RangeError(`LSTM option ${key} must be a positive integer, got ${merged[key]}`);
  }
  if (!['latest', 'interleaved'].includes(merged.calibrationHoldout)) throw new RangeError(`LSTM option calibrationHoldout must be latest or interleaved, got ${String(merged.calibrationHoldout)}`);
  if (!['constant', 'cosine'].includes(merged.learningRateSchedule)) throw new RangeError(`LSTM option learningRateSchedule must be constant or cosine, got ${String(merged.learningRateSchedule)}`);
  if (!(merged.learningRate > 0)) throw new RangeError(`LSTM option learningRate must be > 0, got ${merged.learningRate}`);
  if (!(merged.maxMissingInputFraction >= 0 && merged.maxMissingInputFraction <= 1)) {
    throw new RangeError(`LSTM option maxMissingInputFraction must be in [0, 1], got ${merged.maxMissingInputFraction}`);
  }
  if (!Number.isInteger(merged.maxTrainingSamples) || merged.maxTrainingSamples < 0) {
    throw new RangeError(`LSTM option maxTrainingSamples must be a non-negative integer, got ${merged.maxTrainingSamples}`);
  }
  return merged;
}

const MIN_AUTO_EPOCHS = 3;
const MAX_AUTO_EPOCHS = 30;

/**
 * With epochs from the budget, a short history (under ~5 months of hourly windows) would get more than this
 * many passes and overfit them; the budget then trains more seeds of fewer epochs each instead, averaged.
 * Measured on the demo's simulated fleet (5 weeks to train on, 7 windows of 7 days): 30 epochs × 1 seed
 * averaged MAE 72.9 kW, 15 × 1 70.1, 15 × 2 66.7 (the week-old naive 78.9).
 */
export const MAX_EPOCHS_PER_MEMBER = 15;

/** How a fit spends its budget: epochs per network and networks (seeds) trained and averaged. */
export function trainingPlan(hp: Pick<LstmHyperparameters, 'epochs' | 'trainingBudgetSamples' | 'ensembleSize'>, samples: number): { epochs: number; members: number } {
  const epochs = epochsFor(hp, samples);
  if (hp.epochs > 0 || hp.ensembleSize > 1 || epochs <= MAX_EPOCHS_PER_MEMBER) return { epochs, members: hp.ensembleSize };
  const members = Math.ceil(epochs / MAX_EPOCHS_PER_MEMBER);
  return { epochs: Math.round(epochs / members), members };
}

/** Epochs of a fit on `samples` windows: the explicit setting, or the budget spread over the windows. */
export function epochsFor(hp: Pick<LstmHyperparameters, 'epochs' | 'trainingBudgetSamples'>, samples: number): number {
  if (hp.epochs > 0) return hp.epochs;
  return Math.min(MAX_AUTO_EPOCHS, Math.max(MIN_AUTO_EPOCHS, Math.round(hp.trainingBudgetSamples / Math.max(1, samples))));
}
