/**
 * Storage: one store per resource (telemetry, forecasts and their scores, dispatch plans, ingest
 * statistics, locks, weather forecasts, electricity prices), each with its InfluxDB and DuckDB implementation side by side in its own folder,
 * sharing one connection per engine (engines/). The records they keep are the contract's (src/contract).
 */
export type { StoreEngine, StoreHealth } from './health.js';
export { AGGREGATES, type Aggregate, type BucketValue, type SeriesLastSeen, type TelemetryQuery, type TelemetryReadQuery, type TelemetrySeries, type TelemetryStore } from './telemetry/store.js';
export type { ForecastHistoryQuery, ForecastQuery, ForecastStore } from './forecasts/store.js';
export { compareByTimeIssueModel, latestPerTime } from './forecasts/rules.js';
export type { DispatchPlanQuery, DispatchPlanStore, StoredPlanDocument } from './dispatch/store.js';
export type { IngestStatsQuery, IngestStatsStore } from './ingestStats/store.js';
export type { LockStore } from './locks/store.js';
export type { WeatherForecastQuery, WeatherForecastStore } from './weatherForecasts/store.js';
export type { PriceQuery, PricesStore } from './prices/store.js';
export { latestWeatherPerHour } from './weatherForecasts/rules.js';
export { openDuckDbStores, openInfluxStores, openStores, type InfluxStoreOptions, type Stores } from './stores.js';
export { toLine } from './telemetry/lineProtocol.js';
export { observeWrites, type WrittenResource } from './writeObserver.js';
