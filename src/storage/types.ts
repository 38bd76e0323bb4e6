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
export interface TelemetryStore {
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
