import type { GridcastConfig, InfluxConfig } from '../config/index.js';
import type { Logger } from '../common/logger.js';
import type { DispatchPlanStore } from './dispatch/store.js';
import { DuckDbDispatchPlanStore } from './dispatch/duckdb.js';
import { InfluxDispatchPlanStore } from './dispatch/influx.js';
import { DuckDbEngine, type DuckDbOptions } from './engines/duckdb.js';
import { InfluxEngine } from './engines/influx/engine.js';
import { DuckDbForecastStore } from './forecasts/duckdb.js';
import { InfluxForecastStore } from './forecasts/influx.js';
import type { ForecastStore } from './forecasts/store.js';
import type { StoreEngine, StoreHealth } from './health.js';
import { DuckDbIngestStatsStore } from './ingestStats/duckdb.js';
import { InfluxIngestStatsStore } from './ingestStats/influx.js';
import type { IngestStatsStore } from './ingestStats/store.js';
import { DuckDbLockStore } from './locks/duckdb.js';
import { InfluxLockStore, type InfluxLockOptions } from './locks/influx.js';
import type { LockStore } from './locks/store.js';
import { DuckDbTelemetryStore } from './telemetry/duckdb.js';
import { InfluxTelemetryStore } from './telemetry/influx.js';
import type { TelemetryStore } from './telemetry/store.js';
import { DuckDbPricesStore } from './prices/duckdb.js';
import { InfluxPricesStore } from './prices/influx.js';
import type { PricesStore } from './prices/store.js';
import { DuckDbWeatherForecastStore } from './weatherForecasts/duckdb.js';
import { InfluxWeatherForecastStore } from './weatherForecasts/influx.js';
import type { WeatherForecastStore } from './weatherForecasts/store.js';

/**
 * Every resource store of one database, over one shared connection. A process opens this once (the
 * composition root) and hands each stage only the stores it uses.
 */
export interface Stores {
  readonly engine: StoreEngine;
  readonly telemetry: TelemetryStore;
  readonly forecasts: ForecastStore;
  readonly dispatchPlans: DispatchPlanStore;
  readonly ingestStats: IngestStatsStore;
  readonly locks: LockStore;
  readonly weatherForecasts: WeatherForecastStore;
  readonly prices: PricesStore;
  /** Connects, detects the server and creates the database/tables if missing. */
  init(): Promise<void>;
  health(): Promise<StoreHealth>;
  /** Flushes pending writes and releases the connection. */
  close(): Promise<void>;
}

/** The embedded DuckDB file (or ':memory:'). Not yet initialised: call init(). */
export function openDuckDbStores(options: DuckDbOptions, logger: Logger): Stores {
  const db = new DuckDbEngine(options, logger);
  return {
    engine: db.engine,
    telemetry: new DuckDbTelemetryStore(db, logger),
    forecasts: new DuckDbForecastStore(db),
    dispatchPlans: new DuckDbDispatchPlanStore(db),
    ingestStats: new DuckDbIngestStatsStore(db),
    locks: new DuckDbLockStore(db),
    weatherForecasts: new DuckDbWeatherForecastStore(db),
    prices: new DuckDbPricesStore(db),
    init: () => db.init(),
    health: () => db.health(),
    close: () => db.close(),
  };
}

export type InfluxStoreOptions = InfluxLockOptions;

/** InfluxDB 1.x/2.x/3.x. Not yet connected: init() (or the first read or write) connects. */
export function openInfluxStores(cfg: InfluxConfig, logger: Logger, options: InfluxStoreOptions = {}): Stores {
  const db = new InfluxEngine(cfg, logger);
  return {
    engine: db.engine,
    telemetry: new InfluxTelemetryStore(db),
    forecasts: new InfluxForecastStore(db),
    dispatchPlans: new InfluxDispatchPlanStore(db),
    ingestStats: new InfluxIngestStatsStore(db),
    locks: new InfluxLockStore(db, options),
    weatherForecasts: new InfluxWeatherForecastStore(db),
    prices: new InfluxPricesStore(db),
    init: () => db.init(),
    health: () => db.health(),
    close: () => db.close(),
  };
}

/** InfluxDB when INFLUX_URL is set, else the embedded DuckDB file. Not yet initialised: call init(). */
export function openStores(config: GridcastConfig, logger: Logger): Stores {
  const log = logger.child({ component: 'storage' });
  return config.influx ? openInfluxStores(config.influx, log) : openDuckDbStores({ path: config.duckdb.path }, log);
}
