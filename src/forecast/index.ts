export * from './types.js';
export { runBacktest, dayAheadIssueTimes, DEFAULT_BACKTEST, type BacktestOptions, type BacktestResult, type ModelBacktest } from './backtest/rollingOrigin.js';
export { pointMetrics, pinball, seasonalNaiveScaleKw, nearZeroKwFor, countsForMape, type PointMetrics } from './evaluation/metrics.js';
export { scoreForecastPoints, scoreStep, type StepScore } from './scoring.js';
export { maskBadValues, DEFAULT_QUALITY, type QualityReport } from './data/quality.js';
export { expandHolidays, holidayDates, HOLIDAY_CALENDARS, type HolidayCalendar } from './data/holidays.js';
export { cutInput, sliceInput, toRegularSeries, valueAt } from './data/series.js';
export { baselinesFor } from './presets.js';
export { clearSkyGhiAt, clearSkyGhiWm2, sunGeometry, type SunGeometry } from './features/solar.js';
export { ForecastService, DEFAULT_SCORING_HOURS, type ScoringWindow, type TrainOutcome } from './service.js';
export { ModelRegistry, type SeriesRef, type ModelMetadata, type ServingState } from './registry/registry.js';
export { decidePromotion, servingName, type Serving } from './registry/promotion.js';
export { loadSites, seriesContext, siteInfoSchema, type SiteInfo } from './sites.js';
export { LstmForecaster, DEFAULT_LSTM_HYPERPARAMETERS } from './models/lstm/index.js';
// The LSTM's training internals, for bench/forecastCost.ts (it feeds PyTorch the very same batches).
export { createRng, setTrainingTap, shuffleInPlace, toQuantiles, type TrainingRun, type TrainingSet } from './models/lstm/index.js';
export { useTfBackendSetting } from './models/tfBackend.js';
