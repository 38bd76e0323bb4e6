import type { GridcastConfig } from '../config/index.js';
import type { Logger } from '../common/logger.js';
import { DuckDbTelemetryStore } from './duckdb/duckdbStore.js';
import { InfluxTelemetryStore } from './influx/influxStore.js';
import type { TelemetryStore } from './types.js';

export * from './types.js';
export { toLine } from './influx/lineProtocol.js';
export { FORECAST_TARGETS, compareByTimeIssueModel, forecastLeadHours, latestPerTime } from './forecasts.js';
export type { InfluxStoreOptions } from './influx/influxStore.js';
export { observeWrites, type WrittenResource } from './writeObserver.js';

/** InfluxDB when INFLUX_URL is set, else the embedded DuckDB file. Not yet initialised: call init(). */
export function createTelemetryStore(config: GridcastConfig, logger: Logger): TelemetryStore {
  const log = logger.child({ component: 'storage' });
  return config.influx ? new InfluxTelemetryStore(config.influx, log) : new DuckDbTelemetryStore({ path: config.duckdb.path }, log);
}

export { DuckDbTelemetryStore, InfluxTelemetryStore };
