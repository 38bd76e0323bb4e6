export { Ingester, type IngesterOptions } from './ingester.js';
export { INGEST_STATS_FIELDS, IngestStatsReporter, rejectedField } from './ingestStats.js';
export { startEmbeddedBroker, type EmbeddedBroker } from './embeddedBroker.js';
export { REJECT_REASONS, parseTelemetryMessage, type RejectReason, type Rejection } from './parse.js';
export type { DeadLetter } from './deadletter.js';
export { parseWeatherForecastMessage, type ParsedWeatherForecast } from './weatherForecast.js';
export { ingestWeatherForecast, WEATHER_FORECAST_WRITE_RETRY } from './weatherForecastIngest.js';
export { fetchOpenMeteoForecast, openMeteoForecastUrl, openMeteoHourlySchema, openMeteoResponseSchema, openMeteoToPoints, OPEN_METEO_SOURCE, type OpenMeteoOptions, type OpenMeteoSite } from './openMeteo.js';
export { dateWindows, fetchPreviousRuns, MAX_PREVIOUS_RUN_DAYS, previousRunsToPoints, previousRunsUrl, type PreviousRunsOptions } from './openMeteoPreviousRuns.js';
