import type { SeriesKey, TagName, TelemetryField, TelemetryPoint } from '../../contract/index.js';

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

/** Raw readings in a time range, no aggregation: what an export reads. */
export interface TelemetryReadQuery {
  /** Inclusive start, epoch ms. */
  fromMs: number;
  /** Exclusive end, epoch ms. */
  toMs: number;
  /** Exact-match tag filters; omitted tags match everything. */
  where?: Partial<Record<TagName, string>>;
}

export interface SeriesLastSeen extends SeriesKey {
  /** Time of the latest stored reading, epoch ms. */
  lastSeenMs: number;
}

/**
 * Meter telemetry (measurement/table `telemetry`, docs/storage.md). Implementations: InfluxDB
 * (influx.ts) and DuckDB (duckdb.ts), held to one contract suite (test/integration/storage/contract/).
 */
export interface TelemetryStore {
  /**
   * Writes a batch. Same series and time as an existing point overwrites the fields given.
   * Throws StoreUnavailableError (retry later) or StoreRejectedError (the data itself was refused).
   */
  writePoints(points: readonly TelemetryPoint[]): Promise<void>;
  /** Aggregates one field into time buckets. Throws InvalidQueryError on bad input. */
  queryTelemetry(query: TelemetryQuery): Promise<TelemetrySeries[]>;
  /**
   * Every stored reading in the range as written (fields merged per series and time), sorted by time, then
   * site, feeder, meter, kind. Throws InvalidQueryError on a bad range or tag.
   */
  readPoints(query: TelemetryReadQuery): Promise<TelemetryPoint[]>;
  /** Every series (site, feeder, meter, kind) that has data, sorted. */
  listSeries(where?: Partial<Record<TagName, string>>): Promise<SeriesKey[]>;
  /** listSeries with the time of each series' latest reading (any field): the API's "last seen". */
  lastSeen(where?: Partial<Record<TagName, string>>): Promise<SeriesLastSeen[]>;
}
