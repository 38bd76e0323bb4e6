import type { Logger } from '../../../common/logger.js';

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
  epochs: number;
  batchSize: number;
  learningRate: number;
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
}

export const DEFAULT_LSTM_HYPERPARAMETERS: Readonly<LstmHyperparameters> = {
  hiddenUnits: 32,
  decoderUnits: 32,
  inputSteps: 24,
  // Covers the day-ahead case: issued 10:00 on D−1, targets 00:00–24:00 on D = 38 steps after the last observation (39 around DST).
  horizonSteps: 48,
  // Measured on a year of hourly data (wasm): ~7.5 s per epoch; 12 epochs beat seasonal naive by ~35% MAE on PJM East load.
  epochs: 12,
  batchSize: 64,
  learningRate: 0.003,
  seed: 42,
  maxMissingInputFraction: 0.25,
  maxTrainingSamples: 0,
  warmStartEpochs: 0,
};

export interface EpochProgress {
  epoch: number;
  epochs: number;
  /** Mean pinball loss over the epoch, on scaled values. */
  loss: number;
  elapsedMs: number;
}

/** How a training run went; kept on the forecaster and saved with the model. */
export interface TrainingSummary {
  samples: number;
  epochsRun: number;
  finalLoss: number;
  aborted: boolean;
  durationMs: number;
  tfBackend: string;
}

/** Run-time hooks that are never saved. */
export interface LstmRuntimeOptions {
  /** Called after every epoch (progress bars, logs). */
  onEpoch?: (progress: EpochProgress) => void;
  /** Stops training at the next batch; fit then resolves with the weights learned so far (summary.aborted). */
  signal?: AbortSignal;
  /** Gets the backend choice and training progress at debug level; silent when omitted. */
  logger?: Logger;
}

export type LstmOptions = Partial<LstmHyperparameters> & LstmRuntimeOptions;

export function resolveHyperparameters(options: Partial<LstmHyperparameters>): LstmHyperparameters {
  const merged: LstmHyperparameters = { ...DEFAULT_LSTM_HYPERPARAMETERS };
  for (const key of Object.keys(DEFAULT_LSTM_HYPERPARAMETERS) as (keyof LstmHyperparameters)[]) {
    const value = options[key];
    if (value !== undefined) merged[key] = value;
  }
  const positiveIntegers: (keyof LstmHyperparameters)[] = ['hiddenUnits', 'decoderUnits', 'inputSteps', 'horizonSteps', 'epochs', 'batchSize'];
  for (const key of positiveIntegers) {
    if (!Number.isInteger(merged[key]) || merged[key] < 1) throw new RangeError(`LSTM option ${key} must be a positive integer, got ${merged[key]}`);
  }
  if (!(merged.learningRate > 0)) throw new RangeError(`LSTM option learningRate must be > 0, got ${merged.learningRate}`);
  if (!(merged.maxMissingInputFraction >= 0 && merged.maxMissingInputFraction <= 1)) {
    throw new RangeError(`LSTM option maxMissingInputFraction must be in [0, 1], got ${merged.maxMissingInputFraction}`);
  }
  if (!Number.isInteger(merged.maxTrainingSamples) || merged.maxTrainingSamples < 0) {
    throw new RangeError(`LSTM option maxTrainingSamples must be a non-negative integer, got ${merged.maxTrainingSamples}`);
  }
  return merged;
}
