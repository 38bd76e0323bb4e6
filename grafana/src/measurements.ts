import { INGEST_STATS_FIELDS, REJECT_REASONS, rejectedField } from '../../src/ingest/index.js';
import { DISPATCH_MEASUREMENT, FORECAST_ERROR_FIELDS, FORECAST_ERROR_MEASUREMENT, FORECAST_MEASUREMENT, INGEST_STATS_MEASUREMENT, SITE_ASSET, SITE_TOTAL_FEEDER, TELEMETRY_MEASUREMENT, WEATHER_FORECAST_MEASUREMENT } from '../../src/contract/index.js';

/** Every stored name the dashboards query, taken from the code that writes it wherever that code exists. */
export const M = {
  telemetry: TELEMETRY_MEASUREMENT,
  forecast: FORECAST_MEASUREMENT,
  dispatch: DISPATCH_MEASUREMENT,
  ingestStats: INGEST_STATS_MEASUREMENT,
  forecastError: FORECAST_ERROR_MEASUREMENT,
  weatherForecast: WEATHER_FORECAST_MEASUREMENT,
} as const;

export { REJECT_REASONS, INGEST_STATS_FIELDS, rejectedField, SITE_ASSET, SITE_TOTAL_FEEDER, FORECAST_ERROR_FIELDS };

/**
 * Measurement `forecast_error` (FORECAST_ERROR_FIELDS, from src/storage/types.ts): the forecast job's own
 * scoring of stored forecasts once the actuals are in (ForecastService.scoreForecasts, src/forecast/scoring.ts;
 * InfluxQL can't join `forecast` with `telemetry`, so accuracy by day and by lead needs the pairs stored).
 * One point per scored forecast step:
 * - time: the start of the forecast step (the same time as the `forecast` point it scores), ms;
 * - tags: `site`, `feeder` (`all` for the site total), `target` (load, pv, wind), `model` (the model or
 *   baseline that produced the forecast: `lstm@<version>` or a baseline name), `lead` (whole hours from
 *   issue to step, as in `forecast`);
 * - float fields: `actual_kw` (the target's site or feeder total, mean per step, as the models are trained
 *   on), `p50_kw`, `error_kw` (p50 − actual), `abs_error_kw` (|p50 − actual|), `ape_pct` (100·|p50 −
 *   actual|/|actual|, left out when |actual| is near zero, as MAPE does), `in_band` (1 when p10 ≤ actual ≤
 *   p90, else 0), `pinball_kw` (mean pinball loss over P10/P50/P90), `issued_at_ms`.
 * Baselines scored on the same issue times (model = the baseline's name) make "model vs baselines" a
 * GROUP BY "model".
 */
