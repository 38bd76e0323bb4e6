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

/**
 * What serves a series before any model, the one an operator would pick (fitted on what there is): the
 * weekly seasonal naive for load; for PV yesterday's clear-sky index on today's clear sky (a position is
 * needed; else yesterday's profile); for wind the last value (a week-old wind says nothing of tomorrow's).
 */
export function defaultBaselineFor(target: ForecastTarget, hasPosition: boolean): Forecaster {
  switch (target) {
    case 'load':
      return new SeasonalNaiveForecaster('week');
    case 'pv':
      return hasPosition ? new ClearSkyPersistenceForecaster() : new SeasonalNaiveForecaster('day');
    case 'wind':
      return new PersistenceForecaster();
  }
}

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
