import type { ModelKind } from '../../types.js';
import { LstmForecaster } from './lstmForecaster.js';
import type { LstmHyperparameters } from './options.js';

/** The LSTM as a model kind: what the forecasting service trains, saves and loads without naming the class. */
export const lstmModel: ModelKind<LstmHyperparameters> = {
  name: 'lstm',
  create: (shape, overrides, runtime) => new LstmForecaster({ ...shape, ...overrides, ...runtime }),
  loadFiles: (readFile, runtime) => LstmForecaster.loadFiles(readFile, runtime),
};
