/**
 * What every store holds, in the same names everywhere (the telemetry contract in README.md):
 * measurement `telemetry`, tags site/feeder/meter/kind, float fields in snake_case units,
 * time in epoch milliseconds UTC.
 */
export const TELEMETRY_MEASUREMENT = 'telemetry';

export const TAG_NAMES = ['site', 'feeder', 'meter', 'kind'] as const;
export type TagName = (typeof TAG_NAMES)[number];

export const READING_KINDS = ['load', 'pv', 'wind', 'battery', 'weather'] as const;
export type ReadingKind = (typeof READING_KINDS)[number];

export const TELEMETRY_FIELDS = [
  'power_kw',
  'energy_kwh',
  'voltage_v',
  'soc_pct',
  'temperature_c',
  'irradiance_wm2',
  'wind_speed_ms',
] as const;
export type TelemetryField = (typeof TELEMETRY_FIELDS)[number];

export interface SeriesKey {
  site: string;
  feeder: string;
  meter: string;
  kind: ReadingKind;
}

/** One stored reading: a series, a time and at least one field. */
export interface TelemetryPoint extends SeriesKey {
  timeMs: number;
  fields: Partial<Record<TelemetryField, number>>;
}

export const AGGREGATES = ['mean', 'min', 'max', 'sum', 'count', 'last'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

export interface TelemetryQuery {
  field: TelemetryField;
  /** Inclusive start, epoch ms. */
  fromMs: number;
  /** Exclusive end, epoch ms. */
  toMs: number;
  /** Exact-match tag filters; omitted tags match everything. */
  where?: Partial<Record<TagName, string>>;
  /** Bucket width; buckets are aligned to the Unix epoch in every store. */
  bucketMs: number;
  aggregate: Aggregate;
  /** One output series per distinct combination of these tags (none: one series over everything matched). */
  groupBy?: readonly TagName[];
}

export interface BucketValue {
  /** Start of the bucket, epoch ms. */
  timeMs: number;
  value: number;
}

export interface TelemetrySeries {
  tags: Partial<Record<TagName, string>>;
  /** Buckets in time order; buckets without data are left out. */
  points: BucketValue[];
}

export interface StoreHealth {
  ok: boolean;
  engine: 'influxdb' | 'duckdb';
  version?: string;
  error?: string;
}

/**
 * The one interface between the pipeline and a database. Implementations: InfluxDB (1.x/2.x/3.x)
 * and embedded DuckDB, held to one contract suite (test/integration/storeContract.ts).
 */
export interface TelemetryStore extends ForecastStore, LockStore {
  readonly engine: 'influxdb' | 'duckdb';
  /** Connects, detects the server and creates the database/tables if missing. */
  init(): Promise<void>;
  /**
   * Writes a batch. Same series and time as an existing point overwrites the fields given.
   * Throws StoreUnavailableError (retry later) or StoreRejectedError (the data itself was refused).
   */
  writePoints(points: readonly TelemetryPoint[]): Promise<void>;
  /** Aggregates one field into time buckets. Throws InvalidQueryError on bad input. */
  queryTelemetry(query: TelemetryQuery): Promise<TelemetrySeries[]>;
  /** Every series (site, feeder, meter, kind) that has data, sorted. */
  listSeries(where?: Partial<Record<TagName, string>>): Promise<SeriesKey[]>;
  health(): Promise<StoreHealth>;
  /** Flushes pending writes and releases connections. */
  close(): Promise<void>;
}

/**
 * Forecasts, as stored: measurement `forecast`, tags `site`, `feeder` (`all` for the site total),
 * `target`, `model`, `lead` (whole hours from issue to target time, 0–168: bounds the series count the
 * way OpenSTEF's horizon tag does), fields `p10_kw`, `p50_kw`, `p90_kw`, `issued_at_ms`; time = the
 * start of the forecast step. Every issued forecast stays retrievable by its issue time.
 */
export const FORECAST_MEASUREMENT = 'forecast';
export const SITE_TOTAL_FEEDER = 'all';
export const MAX_FORECAST_LEAD_HOURS = 168;

export interface ForecastPoint {
  site: string;
  /** A feeder id, or `all` for the site total. */
  feeder: string;
  target: 'load' | 'pv' | 'wind';
  /** The model (or baseline) that produced it: which one serves is visible wherever forecasts are read. */
  model: string;
  issuedAtMs: number;
  /** Start of the forecast step. */
  timeMs: number;
  p10Kw: number;
  p50Kw: number;
  p90Kw: number;
}

export interface ForecastQuery {
  site: string;
  feeder: string;
  target: ForecastPoint['target'];
  /** Inclusive start of the target times, epoch ms. */
  fromMs: number;
  /** Exclusive end. */
  toMs: number;
  /**
   * "What did we forecast as of this instant?": for each target time, the forecast with the latest
   * issue time at or before `asOfMs`. Undefined: the latest issued, whatever its time.
   */
  asOfMs?: number;
}

/** Forecast storage, part of every store (InfluxDB and DuckDB alike). */
export interface ForecastStore {
  writeForecasts(points: readonly ForecastPoint[]): Promise<void>;
  /** One point per target time (sorted by time), as of `asOfMs`. Throws InvalidQueryError on bad input. */
  readForecasts(query: ForecastQuery): Promise<ForecastPoint[]>;
}

/**
 * A named lease so that one instance at a time does a job (training) when several share a store.
 * Leases expire, so a crashed holder can't block the job forever.
 */
export interface LockStore {
  /** True when `holder` now holds `name` until `nowMs + ttlMs` (re-acquiring your own lease extends it). */
  tryAcquireLock(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Releases the lease if `holder` holds it. */
  releaseLock(name: string, holder: string): Promise<void>;
}
