export * from './types.js';
export { runBacktest, dayAheadIssueTimes, DEFAULT_BACKTEST, type BacktestOptions, type BacktestResult, type ModelBacktest } from './backtest/rollingOrigin.js';
export { pointMetrics, pinball, seasonalNaiveScaleKw, type PointMetrics } from './evaluation/metrics.js';
export { maskBadValues, DEFAULT_QUALITY, type QualityReport } from './data/quality.js';
export { cutInput, toRegularSeries, valueAt } from './data/series.js';
export { baselinesFor, BASELINE_NAMES } from './presets.js';
export { clearSkyGhiAt, sunGeometry } from './features/solar.js';
