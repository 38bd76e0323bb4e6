export { LstmForecaster, SAVED_LSTM_FORMAT, type LstmMetadata, type SavedLstm } from './lstmForecaster.js';
export { lstmModel } from './kind.js';
export {
  DEFAULT_LSTM_HYPERPARAMETERS,
  type EpochProgress,
  type LstmHyperparameters,
  type LstmOptions,
  type LstmRuntimeOptions,
  type TrainingSummary,
} from './options.js';
export { WEIGHTS_FILE_NAME } from './serialise.js';
export { toQuantiles } from './quantileLoss.js';
export { createRng, shuffleInPlace } from './random.js';
export { setTrainingTap, type TrainingRun, type TrainingSet } from './train.js';
export { FORECAST_FEATURES, forecastFeaturesFor, type ForecastFeature } from './weatherForecastFeatures.js';
