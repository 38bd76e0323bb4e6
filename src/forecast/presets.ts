import { ClearSkyPersistenceForecaster } from './baselines/clearSkyPersistence.js';
import { PersistenceForecaster } from './baselines/persistence.js';
import { SeasonalNaiveForecaster } from './baselines/seasonalNaive.js';
import type { ForecastTarget, Forecaster } from './types.js';

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
