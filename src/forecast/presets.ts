import type { ForecastTarget } from '../contract/index.js';
import { ClearSkyPersistenceForecaster } from './baselines/clearSkyPersistence.js';
import { PersistenceForecaster } from './baselines/persistence.js';
import { SeasonalNaiveForecaster } from './baselines/seasonalNaive.js';
import { lstmModel, type LstmHyperparameters } from './models/lstm/index.js';
import type { Forecaster, ModelKind } from './types.js';

/**
 * Per-target presets: which model is trained, which baselines it must beat, what serves before any
 * model, and how much history training needs. The forecasting service reads these and names no model.
 */

/** The model kind trained for every target; its name prefixes served versions (`lstm@<version>`). */
export const TRAINED_MODEL: ModelKind<TrainedModelOptions> = lstmModel;
/** The trained model's options (its hyperparameters), for overrides. */
export type TrainedModelOptions = LstmHyperparameters;

export function modelFor(_target: ForecastTarget): ModelKind<TrainedModelOptions> {
  return TRAINED_MODEL;
}

/** What serves a series before any training: the weekly seasonal naive (fitted on what there is). */
export const DEFAULT_BASELINE = new SeasonalNaiveForecaster('week').name;

/** Observed history a first model needs besides its validation days: three weeks (weekly lags and input windows). */
export const MIN_TRAINING_DAYS = 21;

/** The baselines every model of a target is compared with (and that serve when no model beats them). */
export function baselinesFor(target: ForecastTarget, hasPosition: boolean): Forecaster[] {
  const seasonal = [new SeasonalNaiveForecaster('day'), new SeasonalNaiveForecaster('week')];
  switch (target) {
    case 'load':
      return seasonal;
    case 'pv':
      return hasPosition ? [new ClearSkyPersistenceForecaster(), ...seasonal] : seasonal;
    case 'wind':
      return [new PersistenceForecaster(), ...seasonal];
  }
}
